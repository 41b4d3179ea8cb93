"""Property tests: on random event logs the engine agrees with a literal reading of
RULES.md (tests/_oracle.py), and the identities of sections 3 and 4 always hold."""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import replace

import pandas as pd
import pyarrow as pa
import pytest
from _oracle import COUNTS, oracle_engagement, oracle_records, oracle_table
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import campaign_perf as cp
from campaign_perf.engine.rules import (
    RuleParams,
    record_aggregates_sql,
    records_from_aggregates_sql,
    records_sql,
)
from campaign_perf.views import aggregates

BASE = pd.Timestamp("2026-03-05 00:00", tz="UTC")
# Anchors cluster events on a few instants (to exercise proximity and same-second rules)
# spread over ~9 days, some near midnight in the zones below.
ANCHORS = [0, 3_600, 14_400, 50_000, 86_300, 86_399, 86_400, 200_000, 259_200, 400_000, 777_600]
TYPES = (
    ["sent"] * 4
    + ["delivered"] * 2
    + ["open"] * 3
    + ["click"] * 2
    + [
        "hard_bounce",
        "soft_bounce",
        "unsubscribe",
        "complaint",
    ]
)
LINKS = [
    None,
    "https://example.com/pricing",
    "https://example.com/Unsubscribe?u=1",
    "https://example.com/opt-out",
    "https://example.com/optout",
]
ZONES = ["UTC", "America/New_York", "Europe/Stockholm"]
AGENTS = [
    None,
    "Mozilla/5.0",  # Apple Mail Privacy Protection's signature
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15",
    "python-requests/2.31",
    "Mozilla/5.0 (compatible; Barracuda Sentinel)",
]
IPS = [None, "192.0.2.7", "198.51.100.1", "2001:db8::5", "::ffff:192.0.2.9", "not an ip"]
BOT_LISTS: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    ((), ()),
    (("python-requests",), ()),
    ((), ("192.0.2.0/24",)),
    (("BARRACUDA",), ("2001:db8::/32",)),
]


@st.composite
def event_rows(draw: st.DrawFn) -> list[dict]:
    n = draw(st.integers(1, 40))
    rows = []
    for _ in range(n):
        et = draw(st.sampled_from(TYPES))
        seconds = draw(st.sampled_from(ANCHORS)) + draw(st.integers(0, 4))
        ms = draw(st.sampled_from([0, 400, 999]))
        rows.append(
            {
                "event_type": et,
                "timestamp": BASE + pd.Timedelta(seconds=seconds, milliseconds=ms),
                "campaign_id": draw(st.sampled_from(["C1", "C2"])),
                "email_id": draw(st.sampled_from(["E1", "E2"])),
                "lead_id": draw(st.sampled_from(["L1", "L2", "L3"])),
                "link": draw(st.sampled_from(LINKS)) if et == "click" else None,
                "is_bot": draw(st.booleans()) if et in ("open", "click") else False,
                "event_id": draw(
                    st.one_of(st.none(), st.sampled_from([f"x{k}" for k in range(40)]))
                ),
                "user_agent": draw(st.sampled_from(AGENTS)) if et in ("open", "click") else None,
                "ip": draw(st.sampled_from(IPS)) if et in ("open", "click") else None,
                "is_machine_open": draw(st.booleans()) if et == "open" else False,
                "country": draw(st.sampled_from([None, "SE", "US"]))
                if et in ("open", "click")
                else None,
            }
        )
    # exact duplicates (webhook retries)
    for i in draw(st.lists(st.integers(0, n - 1), max_size=3)):
        rows.append(dict(rows[i]))
    return rows


@st.composite
def settings_(draw: st.DrawFn) -> dict:
    days = [None] + [dt.date(2026, 3, d) for d in range(4, 16)]
    first, last = draw(st.sampled_from(days)), draw(st.sampled_from(days))
    if first and last and first > last:
        first, last = last, first
    return {
        "arrow": draw(st.booleans()),
        "exclude_bots": draw(st.booleans()),
        "machine_opens": draw(st.sampled_from(["count", "exclude"])),
        "bot_list": draw(st.sampled_from(BOT_LISTS)),
        "proximity": draw(st.sampled_from([None, 0, 1, 2, 3])),
        "basis": draw(st.sampled_from(["sent", "activity"])),
        "first_day": first,
        "last_day": last,
        "tz": draw(st.sampled_from(ZONES)),
        "as_of": draw(
            st.one_of(
                st.none(),
                st.integers(0, 800_000).map(lambda s: BASE + pd.Timedelta(seconds=s)),
            )
        ),
    }


def _frame(first: dt.date | None, last: dt.date | None) -> str:
    if first is None and last is None:
        return "all time"
    return f"{first or ''}..{last or ''}"


def report_of(log: cp.EventLog, s: dict, columns: list[str] | None = None) -> cp.Report:
    """The report of ``log`` with the settings ``settings_()`` drew (its warnings, such as
    a frame beyond the data, silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cp.Report(
            log,
            time_frame=_frame(s["first_day"], s["last_day"]),
            tz=s["tz"],
            as_of=s["as_of"],
            basis=s["basis"],
            exclude_bots=s["exclude_bots"],
            proximity_seconds=s["proximity"],
            columns=COUNTS if columns is None else columns,
            machine_opens=s["machine_opens"],
            bot_list={"user_agents": s["bot_list"][0], "networks": s["bot_list"][1]},
        )


def _report(rows: list[dict], s: dict) -> cp.Report:
    # A DataFrame is copied into the engine; an Arrow table is read in place (like Parquet).
    data = pd.DataFrame(rows)
    return report_of(
        cp.load_events(pa.Table.from_pandas(data) if s["arrow"] else data, warn=False), s
    )


PROPS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ORACLE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@ORACLE
@given(rows=event_rows(), s=settings_())
def test_engine_matches_the_literal_rules(rows: list[dict], s: dict) -> None:
    rep = _report(rows, s)
    expected = oracle_table(
        oracle_records(
            rows,
            as_of=s["as_of"],
            exclude_bots=s["exclude_bots"],
            proximity=s["proximity"],
            basis=s["basis"],
            first_day=s["first_day"],
            last_day=s["last_day"],
            tz=s["tz"],
            machine_opens=s["machine_opens"],
            bot_patterns=s["bot_list"][0],
            bot_networks=s["bot_list"][1],
        )
    )
    table = rep.table()
    got = {
        (r.campaign_id, r.email_id): {k: int(getattr(r, k)) for k in COUNTS}
        for r in table.itertuples()
    }
    assert got == expected


@PROPS
@given(rows=event_rows(), s=settings_())
def test_identities_hold_on_every_row(rows: list[dict], s: dict) -> None:
    s = {**s, "basis": "sent"}
    t = _report(rows, s).table()
    statuses = t["delivered"] + t["hard_bounced"] + t["soft_bounced"] + t["pending"] + t["aborted"]
    assert (t["sent"] == statuses).all()
    assert (t["clicked"] <= t["opened"]).all()
    assert (t["opened"] <= t["delivered"]).all()
    assert (t["unsubscribed"] <= t["opened"]).all()
    assert (t["total_opens"] + t["total_clicks"] >= 0).all()


@PROPS
@given(rows=event_rows(), s=settings_())
def test_engagement_grouping_matches_the_literal_rules(rows: list[dict], s: dict) -> None:
    """RULES.md section 9: grouped by an event attribute, a record is opened (clicked) under
    each value its opens and counted clicks (counted clicks) carry."""
    rep = _report(rows, s).by("campaign", "email", "country")
    left: dict = {}
    records = oracle_records(
        rows,
        as_of=s["as_of"],
        exclude_bots=s["exclude_bots"],
        proximity=s["proximity"],
        basis=s["basis"],
        first_day=s["first_day"],
        last_day=s["last_day"],
        tz=s["tz"],
        machine_opens=s["machine_opens"],
        bot_patterns=s["bot_list"][0],
        bot_networks=s["bot_list"][1],
        left_events=left,
    )
    expected = {
        k: v for k, v in oracle_engagement(records, left, "country").items() if any(v.values())
    }
    t = rep.table()
    got = {
        (r.campaign_id, r.email_id, r.country): {"opened": int(r.opened), "clicked": int(r.clicked)}
        for r in t.itertuples()
    }
    assert got == expected


@PROPS
@given(rows=event_rows(), s=settings_())
def test_machine_open_identities_hold_on_every_row(rows: list[dict], s: dict) -> None:
    """RULES.md section 9: with machine opens counted, opened = human opened +
    machine_opened; excluding them takes exactly machine_opened off opened."""
    counted = _report(rows, {**s, "machine_opens": "count"})
    excluded = counted.with_machine_opens("exclude")
    key = ["campaign_id", "email_id"]
    for basis in ("sent", "activity"):
        c = counted.with_basis(basis).table().set_index(key)
        # on the activity basis a row of only machine opens has no events left: zeros
        x = excluded.with_basis(basis).table().set_index(key)[list(COUNTS)]
        x = x.reindex(c.index, fill_value=0)
        assert (c["machine_opened"] <= c["opened"]).all()
        assert (x["opened"] == c["opened"] - c["machine_opened"]).all()
        assert (x["machine_opened"] == 0).all()
        assert (x["total_opens"] <= c["total_opens"]).all()
        assert (x["sent"] == c["sent"]).all()


@ORACLE
@given(rows=event_rows(), tz=st.sampled_from(ZONES), first=st.sampled_from([None, 1, 3]))
def test_machine_opens_excluded_from_aggregates_that_count_them(
    rows: list[dict], tz: str, first: int | None
) -> None:
    """The records of a report excluding machine opens, read from record aggregates that
    count them (the loader's own, kept for the session), are those of the rules run with
    them excluded: on the sent basis and on the activity basis's frame."""
    log = cp.load_events(pd.DataFrame(rows), warn=False)
    con = log.engine.con  # type: ignore[attr-defined]
    as_of = BASE + pd.Timedelta(days=30)
    frame = None if first is None else (BASE + pd.Timedelta(days=first), None)
    excluded = RuleParams(as_of=as_of, machine_opens="exclude", frame=frame)
    counting = replace(excluded, as_of=None, machine_opens="count")
    order = "ORDER BY campaign_id, email_id, lead_id"
    aggregates = f"({record_aggregates_sql(counting)})"
    derived = con.sql(
        f"SELECT * FROM ({records_from_aggregates_sql(excluded, aggregates)}) {order}"
    ).df()
    direct = con.sql(f"SELECT * FROM ({records_sql(excluded)}) {order}").df()
    pd.testing.assert_frame_equal(derived, direct)


@PROPS
@given(rows=event_rows(), s=settings_())
def test_opens_and_clicks_by_hours_since_send_are_the_counted_events(
    rows: list[dict], s: dict
) -> None:
    """The engagement chart's sums (one table of events serves both machine-opens
    settings) are the report's counted events binned by hours since their record's send:
    events, and people at their first open and first counted click."""
    rep = _report(rows, s)
    events = rep.events(event_types=("open", "click"))
    events = events[(events["event_type"] == "open") | ~events["unsub_link"]]
    events = events[events["first_sent_at"].notna()].sort_values("timestamp", kind="stable")
    since = (events["timestamp"] - events["first_sent_at"]) / pd.Timedelta(hours=1)
    events = events.assign(
        bin=since.map(lambda h: -1 if h < 0 else min(int(h // 1), 72)),
        first=~events.duplicated(["campaign_id", "email_id", "lead_id", "event_type"]),
        is_open=events["event_type"] == "open",
    )
    want: dict = {}
    for e in events.itertuples():
        key = (e.campaign_id, e.email_id, pd.Timestamp(e.send_day), e.bin)
        c = want.setdefault(key, {"opens": 0, "clicks": 0, "opened": 0, "clicked": 0})
        c["opens" if e.is_open else "clicks"] += 1
        c["opened" if e.is_open else "clicked"] += int(e.first)
    got = {
        (r.campaign_id, r.email_id, pd.Timestamp(r.send_day), r.bin): {
            k: int(getattr(r, k)) for k in ("opens", "clicks", "opened", "clicked")
        }
        for r in aggregates.hours_since_send(rep).itertuples()
    }
    assert got == want


def test_a_report_excluding_machine_opens_reads_the_loads_aggregates() -> None:
    """Switching machine opens off after a load reads no event again: its records are a
    view over the loader's aggregates, and its counts are the literal rules'."""
    rows = [
        {"event_type": t, "timestamp": BASE + pd.Timedelta(seconds=s), "campaign_id": "C1",
         "email_id": "E1", "lead_id": lead, "is_machine_open": machine}
        for t, s, lead, machine in [
            ("sent", 0, "L1", False), ("sent", 0, "L2", False), ("sent", 0, "L3", False),
            ("open", 60, "L1", True), ("open", 90, "L2", True), ("open", 99, "L2", False),
            ("click", 120, "L3", False),
        ]
    ]  # fmt: skip
    log = cp.load_events(pd.DataFrame(rows), warn=False)
    rep = cp.Report(log, time_frame="all time", machine_opens="exclude", columns=COUNTS)
    total = rep.total()
    assert (total["opened"], total["total_opens"], total["machine_opened"]) == (2, 1, 0)
    counted = rep.with_machine_opens("count").total()
    assert (counted["opened"], counted["total_opens"], counted["machine_opened"]) == (3, 3, 1)
    engine = log.engine
    names = [engine.records_table(r.rule_params) for r in (rep, rep.with_machine_opens("count"))]
    assert all(n.startswith("records_view_") for n in names)


@PROPS
@given(rows=event_rows(), s=settings_())
def test_a_bot_list_only_takes_activity_away_from_excluded_bots(rows: list[dict], s: dict) -> None:
    """Bots on the list are bots: with exclude_bots, a list never adds an open or a click,
    and without exclude_bots it changes nothing."""
    plain = _report(rows, {**s, "bot_list": ((), ())})
    listed = plain.with_bot_list(["python-requests", "barracuda", "192.0.2.0/24"])
    a, b = plain.with_bots(False).total(), listed.with_bots(False).total()
    assert a.equals(b)
    a, b = plain.with_bots(True).total(), listed.with_bots(True).total()
    for k in ("opened", "clicked", "total_opens", "total_clicks"):
        assert b[k] <= a[k]
    assert b["sent"] == a["sent"]


@PROPS
@given(rows=event_rows(), s=settings_(), split=st.integers(5, 14))
def test_sent_basis_is_additive_over_days(rows: list[dict], s: dict, split: int) -> None:
    """Two adjacent frames sum to the frame that covers both (the cube's promise)."""
    s = {**s, "basis": "sent", "first_day": dt.date(2026, 3, 4), "last_day": dt.date(2026, 3, 15)}
    rep = _report(rows, s)
    mid = dt.date(2026, 3, split)
    left = rep.with_time_frame(f"2026-03-04..{mid}").total()
    right = rep.with_time_frame(f"{mid + dt.timedelta(days=1)}..2026-03-15").total()
    whole = rep.total()
    for k in COUNTS:
        assert left[k] + right[k] == whole[k]


@PROPS
@given(rows=event_rows(), s=settings_())
def test_every_grouping_sums_to_the_same_total(rows: list[dict], s: dict) -> None:
    rep = _report(rows, s)
    total = rep.total()
    for groups in (("campaign",), ("email",), ("program",), ("day",), ("week",), ("month",)):
        t = rep.by(*groups).table()
        for k in COUNTS:
            assert t[k].sum() == total[k], (groups, k)


@pytest.mark.parametrize("tz", ZONES)
def test_rates_are_ratios_of_sums_not_means_of_ratios(tz: str) -> None:
    rows = [
        {
            "event_type": "sent",
            "timestamp": BASE,
            "campaign_id": "C1",
            "email_id": "E1",
            "lead_id": f"L{i}",
        }
        for i in range(3)
    ] + [
        {
            "event_type": "sent",
            "timestamp": BASE,
            "campaign_id": "C2",
            "email_id": "E1",
            "lead_id": "L9",
        },
        {
            "event_type": "delivered",
            "timestamp": BASE,
            "campaign_id": "C2",
            "email_id": "E1",
            "lead_id": "L9",
        },
    ]
    rep = cp.Report(cp.load_events(pd.DataFrame(rows)), tz=tz)
    # C1: 0 of 3 delivered; C2: 1 of 1. The total is 1 / 4, not the mean (0 + 1) / 2.
    assert rep.total()["delivered_pct"] == pytest.approx(0.25)
