"""Focused tests: each line of RULES.md sections 2 to 6 and 8, one behaviour at a time."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import pandas as pd
import pytest

import campaign_perf as cp

T0 = "2026-03-02 09:00:00"


def log_of(*events: tuple, **kw: object) -> cp.EventLog:
    """Events as (type, timestamp, campaign, email, lead[, link[, is_bot[, event_id]]])."""
    rows = []
    for e in events:
        e = (*e, None, False, None)[:8]
        rows.append(
            dict(
                zip(
                    (
                        "event_type",
                        "timestamp",
                        "campaign_id",
                        "email_id",
                        "lead_id",
                        "link",
                        "is_bot",
                        "event_id",
                    ),
                    e,
                    strict=True,
                )
            )
        )
    return cp.load_events(pd.DataFrame(rows), warn=False, **kw)


def total(log: cp.EventLog, **kw: object) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cp.Report(
            log, columns=cp.COUNT_COLUMNS + tuple(m for m in cp.METRICS if m.endswith("_pct")), **kw
        ).total()


def send(ts: str = T0, c: str = "C1", e: str = "E1", lead: str = "L1") -> tuple:
    return ("sent", ts, c, e, lead)


def ev(
    kind: str,
    ts: str,
    lead: str = "L1",
    link: str | None = None,
    bot: bool = False,
    c: str = "C1",
    e: str = "E1",
    event_id: str | None = None,
) -> tuple:
    return (kind, ts, c, e, lead, link, bot, event_id)


# -- section 2: the record -----------------------------------------------------------------
def test_several_sends_of_one_email_to_one_person_from_one_campaign_are_one_record() -> None:
    t = total(log_of(send(), send("2026-03-03 09:00"), send("2026-03-04 09:00")))
    assert t["sent"] == 1


def test_sends_from_different_campaigns_are_separate_records() -> None:
    t = total(log_of(send(c="C1"), send(c="C2"), send(c="C2", e="E2")))
    assert t["sent"] == 3


def test_activity_without_a_send_is_orphaned_in_the_ledger_not_counted() -> None:
    log = log_of(
        send(lead="L1"),
        ev("open", "2026-03-02 10:00", lead="L2"),
        ev("delivered", "2026-03-02 09:01", lead="L2"),
    )
    t = total(log)
    assert (t["sent"], t["opened"], t["delivered"]) == (1, 0, 0)
    assert log.summary().orphaned == 2
    orphans = log.rejected[log.rejected["reason"].str.startswith("orphaned")]
    assert sorted(orphans["row"]) == [2, 3]
    assert set(orphans["lead_id"]) == {"L2"}


def test_first_sent_at_is_the_earliest_send() -> None:
    log = log_of(send("2026-03-05 09:00"), send("2026-03-02 09:00"), send("2026-03-09 09:00"))
    rec = cp.Report(log).records()
    assert rec.loc[0, "first_sent_at"] == pd.Timestamp("2026-03-02 09:00", tz="UTC")
    # ... and the record's send day decides which frame it is in (sent basis)
    assert total(log, time_frame="2026-03-02..2026-03-02")["sent"] == 1
    assert total(log, time_frame="2026-03-05..2026-03-09")["sent"] == 0


# -- section 3: status ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("events", "status"),
    [
        ([ev("hard_bounce", "2026-03-02 09:01"), ev("open", "2026-03-02 10:00")], "delivered"),
        ([ev("soft_bounce", "2026-03-02 09:01"), ev("click", "2026-03-02 10:00")], "delivered"),
        (
            [ev("hard_bounce", "2026-03-02 09:01"), ev("unsubscribe", "2026-03-02 10:00")],
            "delivered",
        ),
        (
            [
                ev("hard_bounce", "2026-03-02 09:01"),
                ev("soft_bounce", "2026-03-02 09:02"),
                ev("delivered", "2026-03-02 09:03"),
            ],
            "hard_bounced",
        ),
        (
            [ev("soft_bounce", "2026-03-02 09:01"), ev("delivered", "2026-03-02 09:30")],
            "soft_bounced",
        ),
        ([ev("delivered", "2026-03-02 09:01")], "delivered"),
        ([ev("complaint", "2026-03-02 12:00")], "delivered"),
        ([], "pending"),
    ],
    ids=[
        "open-beats-hard",
        "click-beats-soft",
        "unsub-beats-hard",
        "hard-beats-soft",
        "soft-beats-delivered",
        "delivered",
        "complaint-implies-delivered",
        "nothing-yet",
    ],
)
def test_status_precedence(events: list[tuple], status: str) -> None:
    t = total(log_of(send(), *events), as_of="2026-03-03 09:00")
    statuses = ("delivered", "hard_bounced", "soft_bounced", "pending", "aborted")
    assert {s: int(t[s]) for s in statuses} == {s: int(s == status) for s in statuses}


@pytest.mark.parametrize(
    ("as_of", "status"),
    [
        ("2026-03-05 08:59:59", "pending"),  # 71:59:59 after the send
        ("2026-03-05 09:00:00", "aborted"),  # exactly 3 days: aborted
        ("2026-03-20 00:00:00", "aborted"),
    ],
)
def test_pending_turns_to_aborted_three_days_after_the_first_send(as_of: str, status: str) -> None:
    t = total(log_of(send()), as_of=as_of)
    assert (t["pending"], t["aborted"]) == (int(status == "pending"), int(status == "aborted"))


def test_as_of_defaults_to_the_latest_event() -> None:
    log = log_of(send(lead="L1"), send("2026-03-06 09:00", lead="L2"))
    rep = cp.Report(log)
    assert rep.as_of == pd.Timestamp("2026-03-06 09:00", tz="UTC")
    t = rep.total()
    assert (t["aborted"], t["pending"]) == (1, 1)


def test_the_status_identity_holds() -> None:
    log = log_of(
        send(lead="L1"),
        send(lead="L2"),
        send(lead="L3"),
        send(lead="L4"),
        send(lead="L5"),
        ev("delivered", "2026-03-02 09:01", lead="L1"),
        ev("hard_bounce", "2026-03-02 09:01", lead="L2"),
        ev("soft_bounce", "2026-03-02 09:01", lead="L3"),
        send("2026-03-10 09:00", lead="L6"),
    )
    t = total(log)
    assert t["sent"] == 6
    parts = t["delivered"] + t["hard_bounced"] + t["soft_bounced"] + t["pending"] + t["aborted"]
    assert parts == t["sent"]
    assert (t["aborted"], t["pending"]) == (2, 1)


# -- section 4: engagement -----------------------------------------------------------------
def test_a_click_implies_an_open_and_a_delivery() -> None:
    t = total(log_of(send(), ev("click", "2026-03-02 10:00", link="https://x.example/pricing")))
    assert (t["opened"], t["clicked"], t["delivered"], t["total_opens"]) == (1, 1, 1, 0)


def test_an_unsubscribe_implies_an_open() -> None:
    t = total(log_of(send(), ev("unsubscribe", "2026-03-02 10:00")))
    assert (t["opened"], t["unsubscribed"], t["clicked"], t["delivered"]) == (1, 1, 0, 1)


@pytest.mark.parametrize(
    "link",
    [
        "https://x.example/unsubscribe?id=1",
        "https://x.example/UNSUBSCRIBE",
        "https://x.example/opt-out",
        "https://x.example/optout",
        "https://x.example/Opt-Out/now",
    ],
)
def test_unsubscribe_link_clicks_are_not_clicks_and_imply_no_open(link: str) -> None:
    t = total(
        log_of(
            send(), ev("delivered", "2026-03-02 09:01"), ev("click", "2026-03-02 10:00", link=link)
        )
    )
    assert (t["clicked"], t["total_clicks"], t["opened"]) == (0, 0, 0)


def test_the_unsubscribe_link_pattern_is_the_reports_choice() -> None:
    log = log_of(
        send(),
        ev("click", "2026-03-02 10:00", link="https://x.example/manage-prefs"),
        ev("click", "2026-03-02 10:05", link="https://x.example/unsubscribe"),
    )
    assert total(log)["total_clicks"] == 1
    t = total(log, unsubscribe_link_pattern="manage-prefs")
    assert (t["total_clicks"], t["clicked"]) == (1, 1)  # now the unsubscribe link counts
    assert total(log, unsubscribe_link_pattern="manage|unsub")["clicked"] == 0


def test_a_click_without_a_link_counts() -> None:
    assert total(log_of(send(), ev("click", "2026-03-02 10:00")))["clicked"] == 1


def test_people_are_counted_once_and_totals_count_events() -> None:
    log = log_of(
        send(),
        ev("open", "2026-03-02 10:00"),
        ev("open", "2026-03-02 11:00"),
        ev("open", "2026-03-03 11:00"),
        ev("click", "2026-03-02 10:01", link="https://a.example/1"),
        ev("click", "2026-03-02 10:02", link="https://a.example/2"),
        ev("unsubscribe", "2026-03-03 12:00"),
        ev("unsubscribe", "2026-03-03 12:01"),
        ev("complaint", "2026-03-03 12:02"),
        ev("complaint", "2026-03-03 12:03"),
    )
    t = total(log)
    assert (t["opened"], t["clicked"], t["unsubscribed"], t["complained"]) == (1, 1, 1, 1)
    assert (t["total_opens"], t["total_clicks"]) == (3, 2)


def test_engagement_inequalities() -> None:
    log = log_of(
        send(lead="L1"),
        send(lead="L2"),
        send(lead="L3"),
        ev("click", "2026-03-02 10:00", lead="L1"),
        ev("open", "2026-03-02 10:00", lead="L2"),
        ev("hard_bounce", "2026-03-02 09:01", lead="L3"),
    )
    t = total(log)
    assert t["clicked"] <= t["opened"] <= t["delivered"]
    assert t["unsubscribed"] <= t["opened"]
    assert (t["clicked"], t["opened"], t["delivered"]) == (1, 2, 2)


# -- section 5: bots -----------------------------------------------------------------------
def test_exclude_bots_removes_bot_opens_and_clicks_only() -> None:
    log = log_of(
        send(),
        ev("delivered", "2026-03-02 09:01", bot=True),
        ev("open", "2026-03-02 09:02", bot=True),
        ev("click", "2026-03-02 09:03", bot=True, link="https://a.example"),
    )
    kept = total(log)
    assert (kept["opened"], kept["clicked"]) == (1, 1)
    dropped = total(log, exclude_bots=True)
    assert (dropped["opened"], dropped["clicked"], dropped["delivered"]) == (0, 0, 1)


def test_a_bot_open_no_longer_hides_a_bounce_once_excluded() -> None:
    log = log_of(
        send(), ev("hard_bounce", "2026-03-02 09:01"), ev("open", "2026-03-02 09:02", bot=True)
    )
    assert total(log)["delivered"] == 1
    t = total(log, exclude_bots=True)
    assert (t["delivered"], t["hard_bounced"]) == (0, 1)


@pytest.mark.parametrize(
    ("times", "seconds", "flagged"),
    [
        (["10:00:00.100", "10:00:00.900"], 0, 2),  # same second
        (["10:00:00.900", "10:00:01.100"], 0, 0),  # 0.2 s apart but different whole seconds
        (["10:00:00.000", "10:00:01.999"], 1, 2),  # whole seconds 0 and 1: |1 - 0| <= 1
        (["10:00:00", "10:00:02"], 1, 0),
        (["10:00:00", "10:00:02"], 2, 2),
        (["10:00:00", "10:00:03"], 3, 2),
        (["10:00:00", "10:00:04"], 3, 0),
        (["10:00:00", "10:00:01", "10:00:02"], 1, 3),  # a chain: every member is flagged
        (["10:00:00", "10:00:01", "10:05:00"], 1, 2),  # the lone open stays
    ],
)
def test_proximity_flags_every_member_of_a_cluster(
    times: list[str], seconds: int, flagged: int
) -> None:
    events = [
        ev("open" if i % 2 == 0 else "click", f"2026-03-02 {t}", link=f"https://a.example/{i}")
        for i, t in enumerate(times)
    ]
    log = log_of(send(), *events)
    t = total(log, exclude_bots=True, proximity_seconds=seconds)
    assert t["total_opens"] + t["total_clicks"] == len(times) - flagged


def test_proximity_only_looks_within_one_record() -> None:
    log = log_of(
        send(lead="L1"),
        send(lead="L2"),
        ev("open", "2026-03-02 10:00:00", lead="L1"),
        ev("open", "2026-03-02 10:00:00", lead="L2"),
    )
    assert total(log, exclude_bots=True, proximity_seconds=0)["opened"] == 2


def test_proximity_without_exclude_bots_flags_but_keeps_and_says_so() -> None:
    log = log_of(send(), ev("open", "2026-03-02 10:00:00"), ev("click", "2026-03-02 10:00:00"))
    with pytest.warns(UserWarning, match="exclude_bots=True"):
        rep = cp.Report(log, proximity_seconds=0)
    assert rep.total()["clicked"] == 1


@pytest.mark.parametrize("bad", [-1, 4, 1.5, True, "1"])
def test_proximity_seconds_must_be_0_to_3(bad: object) -> None:
    with pytest.raises(cp.ReportError, match="proximity_seconds"):
        cp.Report(log_of(send()), proximity_seconds=bad, exclude_bots=True)


# -- section 8: order of the steps ---------------------------------------------------------
def test_duplicates_are_removed_before_proximity() -> None:
    """A webhook retry of one open is one open, not a same-second cluster."""
    dup = ev("open", "2026-03-02 10:00:00", event_id="o-1")
    log = log_of(send(), dup, dup)
    assert log.summary().duplicates == 1
    t = total(log, exclude_bots=True, proximity_seconds=0)
    assert (t["opened"], t["total_opens"]) == (1, 1)


def test_events_after_as_of_are_ignored_even_for_proximity() -> None:
    log = log_of(send(), ev("open", "2026-03-02 10:00:00"), ev("click", "2026-03-02 10:00:01"))
    t = total(log, as_of="2026-03-02 10:00:00", exclude_bots=True, proximity_seconds=1)
    assert (t["opened"], t["clicked"]) == (1, 0)


def test_records_first_sent_after_as_of_are_not_in_the_report() -> None:
    log = log_of(send("2026-03-02 09:00", lead="L1"), send("2026-03-04 09:00", lead="L2"))
    assert total(log, as_of="2026-03-03 00:00")["sent"] == 1


# -- section 5: time frame, sent basis -----------------------------------------------------
def test_sent_basis_counts_all_events_of_records_sent_in_the_frame() -> None:
    log = log_of(
        send("2026-03-02 09:00"),
        ev("open", "2026-03-20 10:00"),
        send("2026-03-20 09:00", lead="L2"),
    )
    t = total(log, time_frame="2026-03-01..2026-03-10")
    assert (t["sent"], t["opened"]) == (1, 1)  # the open after the frame counts


@pytest.mark.parametrize(
    ("tz", "ts", "inside"),
    [
        ("UTC", "2026-03-10 23:59:59", True),
        ("UTC", "2026-03-11 00:00:00", False),
        ("America/New_York", "2026-03-11 03:59:59", True),  # 23:59:59 EDT on the 10th
        ("America/New_York", "2026-03-11 04:00:00", False),
        ("America/New_York", "2026-03-01 04:59:59", False),  # 23:59:59 EST on Feb 28
        ("America/New_York", "2026-03-01 05:00:00", True),
        ("Europe/Stockholm", "2026-03-10 22:59:59", True),
        ("Europe/Stockholm", "2026-03-10 23:00:00", False),
    ],
)
def test_frames_are_calendar_days_in_the_report_zone(tz: str, ts: str, inside: bool) -> None:
    # 2026-03-08 is the US switch to daylight time: the frame spans both offsets.
    t = total(log_of(send(ts)), tz=tz, time_frame="2026-03-01..2026-03-10")
    assert t["sent"] == int(inside)


# -- section 5: time frame, activity basis -------------------------------------------------
def test_activity_basis_counts_only_events_inside_the_frame() -> None:
    log = log_of(
        send("2026-03-02 09:00", lead="L1"),
        ev("delivered", "2026-03-02 09:01", lead="L1"),
        ev("open", "2026-03-12 10:00", lead="L1"),
        send("2026-03-12 09:00", lead="L2"),
        ev("hard_bounce", "2026-03-12 09:01", lead="L2"),
        send("2026-03-02 09:00", lead="L3"),
        ev("delivered", "2026-03-02 09:01", lead="L3"),
    )
    t = total(log, basis="activity", time_frame="2026-03-10..2026-03-15")
    # L1: sent before the frame, opened inside: delivered + opened, not sent.
    # L2: sent and bounced inside. L3: nothing inside: not in the report.
    assert (t["sent"], t["delivered"], t["opened"], t["hard_bounced"]) == (1, 1, 1, 1)
    assert len(cp.Report(log, basis="activity", time_frame="2026-03-10..2026-03-15").records()) == 2


def test_activity_basis_status_comes_from_the_events_left() -> None:
    log = log_of(
        send("2026-03-02 09:00"),
        ev("hard_bounce", "2026-03-02 09:01"),
        ev("open", "2026-03-12 10:00"),
    )
    inside_bounce = total(log, basis="activity", time_frame="2026-03-01..2026-03-05")
    assert (inside_bounce["hard_bounced"], inside_bounce["delivered"]) == (1, 0)
    both = total(log, basis="activity", time_frame="2026-03-01..2026-03-15")
    assert (both["hard_bounced"], both["delivered"]) == (0, 1)


def test_activity_basis_pending_and_aborted_only_for_sends_in_the_frame() -> None:
    log = log_of(
        send("2026-03-02 09:00", lead="L1"),
        send("2026-03-12 09:00", lead="L2"),
        ev("delivered", "2026-03-12 09:00", lead="L1", c="C1"),
    )
    t = total(log, basis="activity", time_frame="2026-03-10..2026-03-15", as_of="2026-03-13 09:00")
    assert (t["sent"], t["pending"], t["aborted"], t["delivered"]) == (1, 1, 0, 1)
    t = total(log, basis="activity", time_frame="2026-03-01..2026-03-05", as_of="2026-03-13 09:00")
    assert (t["sent"], t["pending"], t["aborted"]) == (1, 0, 1)


def test_activity_basis_record_with_a_send_anywhere_exists() -> None:
    """The send may lie outside the frame: the record is not orphaned."""
    log = log_of(send("2026-03-02 09:00"), ev("unsubscribe", "2026-03-12 10:00"))
    t = total(log, basis="activity", time_frame="2026-03-10..")
    assert (t["sent"], t["unsubscribed"], t["opened"]) == (0, 1, 1)
    assert log.summary().orphaned == 0


# -- section 6: rates ----------------------------------------------------------------------
def test_rates_follow_their_formulas() -> None:
    log = log_of(
        *[send(lead=f"L{i}") for i in range(10)],
        *[ev("delivered", "2026-03-02 09:01", lead=f"L{i}") for i in range(8)],
        ev("hard_bounce", "2026-03-02 09:01", lead="L8"),
        ev("soft_bounce", "2026-03-02 09:01", lead="L9"),
        *[ev("open", "2026-03-02 10:00", lead=f"L{i}") for i in range(4)],
        ev("click", "2026-03-02 10:01", lead="L0"),
        ev("unsubscribe", "2026-03-02 10:02", lead="L1"),
        ev("complaint", "2026-03-02 10:03", lead="L2"),
    )
    t = total(log)
    assert t["delivered_pct"] == pytest.approx(8 / 10)
    assert t["hard_bounced_pct"] == pytest.approx(1 / 10)
    assert t["soft_bounced_pct"] == pytest.approx(1 / 10)
    assert t["bounced_pct"] == pytest.approx(2 / 10)
    assert t["opened_pct"] == pytest.approx(4 / 8)
    assert t["clicked_pct"] == pytest.approx(1 / 8)
    assert t["click_to_open_pct"] == pytest.approx(1 / 4)
    assert t["unsubscribed_pct"] == pytest.approx(1 / 8)
    assert t["complained_pct"] == pytest.approx(1 / 8)


def test_a_rate_with_a_zero_denominator_is_missing_not_zero() -> None:
    log = log_of(send(), ev("hard_bounce", "2026-03-02 09:01"))
    t = total(log)
    assert t["delivered_pct"] == 0.0
    for rate in ("opened_pct", "clicked_pct", "click_to_open_pct", "unsubscribed_pct"):
        assert math.isnan(t[rate]), rate
    empty = total(log, time_frame="2020-01-01..2020-01-31")
    assert empty["sent"] == 0 and math.isnan(empty["delivered_pct"])


# -- filters keep or drop whole records ----------------------------------------------------
def test_filters_keep_or_drop_whole_records() -> None:
    log = log_of(
        send(c="C1", e="E1"),
        send(c="C2", e="E2"),
        send(c="C2", e="E3"),
        ev("open", "2026-03-02 10:00", c="C2", e="E2"),
    )
    rep = cp.Report(log)
    assert rep.where(campaigns=["C2"]).total()["sent"] == 2
    assert rep.where(emails="E2").total()[["sent", "opened"]].tolist() == [1, 1]
    assert rep.where(campaigns="C2", emails=["E3"]).total()["opened"] == 0


def test_the_proximity_note_is_given_once_not_on_every_derived_report() -> None:
    log = log_of(send(), ev("open", "2026-03-02 10:00:00"))
    with pytest.warns(UserWarning, match="exclude_bots=True"):
        rep = cp.Report(log, proximity_seconds=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rep.with_time_frame("2026-03-01..").by("campaign").where(emails="E1").table()
    with pytest.warns(UserWarning, match="exclude_bots=True"):
        rep.with_bots(False, 1)


# -- section 9: clients, devices, machine opens and bot lists ------------------------------
MPP = "Mozilla/5.0"  # Apple Mail Privacy Protection's user agent
IPHONE_MAIL = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148"
)
OUTLOOK = "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17029; Pro)"
GMAIL_PROXY = (
    "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"
)
SCANNER = "Mozilla/5.0 (compatible; Barracuda Sentinel)"


def log9(*rows: dict, **kw: object) -> cp.EventLog:
    """Events as dicts: canonical columns, with the record C1/E1/L1 unless given."""
    base = {"campaign_id": "C1", "email_id": "E1", "lead_id": "L1"}
    return cp.load_events(pd.DataFrame([{**base, **r} for r in rows]), warn=False, **kw)


def sent9(lead: str = "L1", ts: str = T0) -> dict:
    return {"event_type": "sent", "timestamp": ts, "lead_id": lead}


def act9(kind: str, ts: str = "2026-03-02 10:00", lead: str = "L1", **cols: object) -> dict:
    return {"event_type": kind, "timestamp": ts, "lead_id": lead, **cols}


def test_open_and_click_events_carry_what_the_source_reports() -> None:
    row = act9(
        "open",
        user_agent=OUTLOOK,
        ip="192.0.2.1",
        client="Outlook",
        os="Windows",
        device="desktop",
        country="SE",
        is_machine_open=False,
        is_bot=True,
        bot_reason="source",
    )
    ev9 = log9(sent9(), row).events.iloc[1]
    for col in ("user_agent", "ip", "client", "os", "device", "country", "bot_reason"):
        assert ev9[col] == row[col], col
    assert not ev9["is_machine_open"]


def test_client_os_and_device_are_parsed_from_the_user_agent_when_the_source_gives_none() -> None:
    log = log9(sent9(), act9("open", user_agent=IPHONE_MAIL), act9("click", user_agent=OUTLOOK))
    e = log.events
    assert e.loc[1, ["client", "os", "device"]].tolist() == ["Apple Mail", "iOS", "mobile"]
    assert e.loc[2, ["client", "os", "device"]].tolist() == ["Outlook", "Windows", "desktop"]


def test_the_source_s_client_wins_over_the_parsed_one() -> None:
    e = log9(sent9(), act9("open", user_agent=OUTLOOK, client="Outlook 365", device="webmail"))
    assert e.events.loc[1, ["client", "os", "device"]].tolist() == [
        "Outlook 365",
        "Windows",
        "webmail",
    ]


def test_each_distinct_user_agent_is_parsed_once() -> None:
    rows = [sent9(f"L{i}") for i in range(30)] + [
        act9("open", lead=f"L{i}", user_agent=[OUTLOOK, IPHONE_MAIL, MPP][i % 3]) for i in range(30)
    ]
    assert log9(*rows).summary().user_agents == 3


def test_device_is_one_of_the_canonical_devices() -> None:
    agents = cp.classify_user_agents([MPP, IPHONE_MAIL, OUTLOOK, GMAIL_PROXY, SCANNER, "x"])
    assert set(agents["device"]) <= {"desktop", "mobile", "tablet", "webmail", "proxy", "unknown"}


def test_apple_mpp_s_user_agent_marks_a_machine_open() -> None:
    e = log9(sent9(), act9("open", user_agent=MPP)).events
    assert e.loc[1, "is_machine_open"]
    assert e.loc[1, ["client", "device"]].tolist() == ["Apple Mail", "proxy"]


def test_the_source_s_flag_marks_a_machine_open() -> None:
    assert log9(sent9(), act9("open", is_machine_open=True)).events.loc[1, "is_machine_open"]


def test_only_opens_are_machine_opens() -> None:
    e = log9(sent9(), act9("click", user_agent=MPP, is_machine_open=True)).events
    assert not e.loc[1, "is_machine_open"]


def test_gmail_s_image_proxy_is_a_human_open_on_the_proxy_device() -> None:
    log = log9(sent9(), act9("open", user_agent=GMAIL_PROXY))
    assert log.events.loc[1, ["client", "device"]].tolist() == ["Gmail", "proxy"]
    assert not log.events.loc[1, "is_machine_open"]
    assert total(log)["machine_opened"] == 0


def test_machine_opens_count_as_opens_by_default() -> None:
    t = total(log9(sent9(), act9("open", user_agent=MPP)))
    assert (t["opened"], t["delivered"], t["total_opens"], t["machine_opened"]) == (1, 1, 1, 1)


def test_excluded_machine_opens_are_removed_before_status_and_engagement() -> None:
    log = log9(sent9(), act9("open", user_agent=MPP), act9("hard_bounce", "2026-03-02 11:00"))
    counted, excluded = total(log), total(log, machine_opens="exclude")
    assert (counted["delivered"], counted["hard_bounced"]) == (1, 0)  # opened wins
    assert (excluded["opened"], excluded["total_opens"], excluded["hard_bounced"]) == (0, 0, 1)
    assert excluded["machine_opened"] == 0


def test_machine_opens_must_be_count_or_exclude() -> None:
    with pytest.raises(cp.ReportError, match="machine_opens"):
        cp.Report(log9(sent9()), machine_opens="drop")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("other", "machine_opened"),
    [
        (None, 1),
        (act9("open", "2026-03-02 12:00", user_agent=OUTLOOK), 0),  # another open
        (act9("click", "2026-03-02 12:00", link="https://x.example/p"), 0),  # a counted click
        (act9("click", "2026-03-02 12:00", link="https://x.example/unsubscribe"), 1),
        (act9("unsubscribe", "2026-03-02 12:00"), 0),  # an implied open
        (act9("delivered", "2026-03-02 12:00"), 1),  # not evidence of opening
    ],
)
def test_machine_opened_needs_a_machine_open_and_no_other_evidence_of_opening(
    other: dict | None, machine_opened: int
) -> None:
    rows = [sent9(), act9("open", user_agent=MPP)] + ([other] if other else [])
    assert total(log9(*rows))["machine_opened"] == machine_opened


def test_opened_is_human_opened_plus_machine_opened_and_exclude_takes_machines_off() -> None:
    rows = [sent9(f"L{i}") for i in range(4)] + [
        act9("open", lead="L0", user_agent=MPP),
        act9("open", lead="L1", user_agent=MPP),
        act9("open", lead="L1", ts="2026-03-02 12:00", user_agent=IPHONE_MAIL),
        act9("open", lead="L2", user_agent=OUTLOOK),
    ]
    log = log9(*rows)
    counted, excluded = total(log), total(log, machine_opens="exclude")
    assert (counted["opened"], counted["machine_opened"]) == (3, 1)
    assert excluded["opened"] == counted["opened"] - counted["machine_opened"] == 2
    assert counted["machine_opened_pct"] == pytest.approx(1 / 3)


def test_a_bot_list_pattern_is_a_case_insensitive_regular_expression() -> None:
    log = log9(sent9(), act9("click", user_agent=SCANNER, link="https://x.example/p"))
    assert total(log, bot_list=["barracuda\\s+sentinel"], exclude_bots=True)["clicked"] == 0
    assert total(log, bot_list=["mimecast"], exclude_bots=True)["clicked"] == 1


@pytest.mark.parametrize(
    ("ip", "listed"),
    [
        ("192.0.2.77", True),
        ("192.0.3.1", False),
        ("::ffff:192.0.2.9", True),
        ("2001:db8:0:1::5", True),
        ("2001:db9::5", False),
        (None, False),
    ],
)
def test_a_bot_list_network_matches_the_addresses_inside_it(ip: str | None, listed: bool) -> None:
    log = log9(sent9(), act9("open", ip=ip))
    t = total(log, bot_list=["192.0.2.0/24", "2001:db8::/32"], exclude_bots=True)
    assert t["opened"] == (0 if listed else 1)


def test_a_listed_event_is_a_bot_with_reason_list_and_kept_without_exclude_bots() -> None:
    log = log9(sent9(), act9("open", user_agent=SCANNER))
    assert total(log, bot_list=["Barracuda"])["opened"] == 1
    rep = cp.Report(log, bot_list=["Barracuda"])
    events = rep.events(["open"])
    assert events["is_bot"].tolist() == [True]
    assert events["bot_reason"].tolist() == ["list"]


def test_the_first_bot_reason_wins_source_then_list_then_proximity() -> None:
    log = log9(
        sent9(),
        act9("open", "2026-03-02 10:00:00", user_agent=SCANNER, is_bot=True),
        act9("click", "2026-03-02 10:00:01", user_agent=SCANNER, link="https://x.example/p"),
        act9("open", "2026-03-02 10:00:02"),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = cp.Report(log, bot_list=["barracuda"], proximity_seconds=1)
    e = rep.events(["open", "click"])
    assert e["bot_reason"].tolist() == ["source", "list", "proximity"]


def test_a_bot_list_is_read_from_a_file_with_comments(tmp_path: Path) -> None:
    path = tmp_path / "bots.txt"
    path.write_text("# scanners\nBarracuda\n\n192.0.2.0/24\n", encoding="utf-8")
    assert cp.bot_list(path) == cp.BotList(("Barracuda",), ("192.0.2.0/24",))
    assert cp.bot_list({"user_agents": ["x"], "networks": ["10.0.0.0/8"]}) == cp.BotList(
        ("x",), ("10.0.0.0/8",)
    )


def test_a_bad_bot_list_entry_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bots.txt"
    path.write_text("ok\n(unclosed\n", encoding="utf-8")
    with pytest.raises(cp.ReportError, match=r"bots.txt, line 2: '\(unclosed'"):
        cp.bot_list(path)


def test_the_load_summary_counts_bots_per_reason_and_machine_opens() -> None:
    log = log9(
        sent9(),
        act9("open", user_agent=MPP),
        act9("click", is_bot=True, link="https://x.example/p"),
        act9("open", is_bot=True, bot_reason="list"),
    )
    s = log.summary()
    assert (s.machine_opens, s.bots) == (1, {"list": 1, "source": 1})
    assert "flagged 2 opens and clicks as bots (1 list, 1 source)" in str(s)


def _reads(*per_lead: tuple[str, list[dict]]) -> cp.EventLog:
    """One send per lead, then its opens and clicks (dicts of columns)."""
    rows = []
    for lead, acts in per_lead:
        rows.append(sent9(lead))
        for k, a in enumerate(acts):
            rows.append(act9(a.pop("kind", "open"), f"2026-03-02 1{k}:00", lead=lead, **a))
    return log9(*rows)


def test_grouping_by_device_counts_a_person_under_each_device_they_used() -> None:
    log = _reads(
        ("L1", [{"user_agent": IPHONE_MAIL}, {"user_agent": OUTLOOK}]),
        ("L2", [{"user_agent": OUTLOOK}]),
        ("L3", []),
    )
    rep = cp.Report(log, columns=["sent", "opened", "clicked"])
    t = rep.by("device").table().set_index("device")
    assert t["opened"].to_dict() == {"desktop": 2, "mobile": 1}
    assert t["opened"].sum() > rep.total()["opened"] == 2  # L1 counts under both
    assert rep.by("device").grouping_note is not None


def test_grouping_by_client_leaves_send_side_metrics_missing() -> None:
    log = _reads(("L1", [{"user_agent": OUTLOOK}]), ("L2", []))
    t = cp.Report(log, columns=["sent", "delivered", "pending", "opened", "opened_pct"])
    row = t.by("client").table().iloc[0]
    assert row["client"] == "Outlook" and row["opened"] == 1
    for col in ("sent", "delivered", "pending", "opened_pct"):
        assert math.isnan(row[col]), col
    formatted = t.by("client").formatted()
    assert formatted.iloc[0]["Sent"] == "–"


def test_share_of_opened_is_opened_under_the_value_over_opened_in_total() -> None:
    log = _reads(
        ("L1", [{"user_agent": IPHONE_MAIL}]),
        ("L2", [{"user_agent": OUTLOOK}]),
        ("L3", [{"user_agent": OUTLOOK}]),
    )
    t = cp.Report(log).by("client").table().set_index("client")
    assert t["share_of_opened"].to_dict() == pytest.approx({"Apple Mail": 1 / 3, "Outlook": 2 / 3})


def test_clicked_under_a_value_needs_a_counted_click_carrying_it() -> None:
    log = _reads(
        (
            "L1",
            [{"country": "SE"}, {"kind": "click", "country": "NO", "link": "https://x.example/p"}],
        ),
        ("L2", [{"kind": "click", "country": "SE", "link": "https://x.example/unsubscribe"}]),
    )
    t = cp.Report(log).by("country").table().set_index("country")
    assert t["opened"].to_dict() == {"NO": 1, "SE": 1}  # a click implies the open under NO
    assert t["clicked"].to_dict() == {"NO": 1, "SE": 0}  # the unsubscribe link is no click


def test_opens_without_the_attribute_count_under_unknown() -> None:
    t = cp.Report(_reads(("L1", [{}]))).by("country").table()
    assert t[["country", "opened"]].values.tolist() == [["unknown", 1]]


def test_engagement_groupings_follow_the_machine_opens_setting() -> None:
    log = _reads(("L1", [{"user_agent": MPP}]), ("L2", [{"user_agent": OUTLOOK}]))
    counted = cp.Report(log).by("device").table().set_index("device")["opened"].to_dict()
    excluded = cp.Report(log, machine_opens="exclude").by("device").table()
    assert counted == {"desktop": 1, "proxy": 1}
    assert excluded.set_index("device")["opened"].to_dict() == {"desktop": 1}


def test_grouping_by_recipient_domain_splits_records_with_every_metric() -> None:
    rows = [sent9("ann@Gmail.com"), sent9("bo@acme.se"), sent9("cy@acme.se"), sent9("L9")]
    rows += [act9("hard_bounce", lead="bo@acme.se"), act9("open", lead="ann@Gmail.com")]
    t = cp.Report(log9(*rows)).by("recipient_domain").table().set_index("recipient_domain")
    assert t["sent"].to_dict() == {"(unknown)": 1, "acme.se": 2, "gmail.com": 1}
    assert t["hard_bounced"].to_dict() == {"(unknown)": 0, "acme.se": 1, "gmail.com": 0}
    assert t.loc["gmail.com", "opened_pct"] == 1.0


def test_the_report_counts_bots_per_reason_excluded_or_not() -> None:
    log = log9(
        sent9(),
        act9("open", "2026-03-02 10:00:00", user_agent=SCANNER, is_bot=True),
        act9("click", "2026-03-02 10:00:01", user_agent=SCANNER, link="https://x.example/p"),
        act9("open", "2026-03-02 10:00:02"),
        act9("open", "2026-03-02 12:00:00", user_agent=MPP),  # a machine open is no bot
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = cp.Report(log, bot_list=["barracuda"], proximity_seconds=1)
    expected = {"source": 1, "list": 1, "proximity": 1}
    assert list(rep.bot_counts().items()) == list(expected.items())  # in the rules' order
    assert rep.with_bots(True, 1).bot_counts() == expected
