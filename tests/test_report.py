"""The Report: immutable settings, groupings, filters, columns, reslicing and its views."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

import campaign_perf as cp
from campaign_perf.engine import rules
from campaign_perf.report.groups import (
    MAX_LEAD_GROUPS,
    lead_group_label,
    lead_groupings,
    why_not_grouping,
)


def ev(kind: str, ts: str, c: str, e: str, lead: str, link: str | None = None) -> dict:
    return {"event_type": kind, "timestamp": ts, "campaign_id": c, "email_id": e,
            "lead_id": lead, "link": link}  # fmt: skip


ROWS = [
    # C1 (program P1, active): E1 to L1 (opened, clicked) and L2 (delivered) on Mon 2 March;
    # E2 to L3 (hard bounce) on Mon 9 March.
    ev("sent", "2026-03-02 09:00", "C1", "E1", "L1"),
    ev("delivered", "2026-03-02 09:01", "C1", "E1", "L1"),
    ev("open", "2026-03-02 10:00", "C1", "E1", "L1"),
    ev("click", "2026-03-02 10:01", "C1", "E1", "L1", "https://example.com/pricing"),
    ev("sent", "2026-03-02 09:00", "C1", "E1", "L2"),
    ev("delivered", "2026-03-02 09:01", "C1", "E1", "L2"),
    ev("sent", "2026-03-09 09:00", "C1", "E2", "L3"),
    ev("hard_bounce", "2026-03-09 09:01", "C1", "E2", "L3"),
    # C2 (program P2, archived): E3 to L1 (unsubscribed) on Sun 1 March, L4 on 2 April.
    ev("sent", "2026-03-01 12:00", "C2", "E3", "L1"),
    ev("unsubscribe", "2026-03-01 13:00", "C2", "E3", "L1"),
    ev("sent", "2026-04-02 12:00", "C2", "E3", "L4"),
    ev("delivered", "2026-04-02 12:01", "C2", "E3", "L4"),
]
CAMPAIGNS = pd.DataFrame(
    {
        "campaign_id": ["C1", "C2"],
        "campaign_name": ["Spring <Sale>", "Old News"],
        "program": ["P1", "P2"],
        "status": ["active", "archived"],
    }
)
EMAILS = pd.DataFrame({"email_id": ["E1", "E2", "E3"], "email_name": ["One", "Two", "Three"]})
LEADS = pd.DataFrame(
    {
        "lead_id": ["L1", "L2", "L3", "L4"],
        "country": ["SE", "NO", "SE", "US"],
        "segment": ["SMB", "SMB", "Enterprise", "SMB"],
    }
)


@pytest.fixture(scope="module")
def log() -> cp.EventLog:
    return cp.load_events(pd.DataFrame(ROWS), campaigns=CAMPAIGNS, emails=EMAILS, leads=LEADS)


@pytest.fixture
def rep(log: cp.EventLog) -> cp.Report:
    return cp.Report(log, today="2026-04-30")


def col(t: pd.DataFrame, key: str, metric: str) -> dict:
    return dict(zip(t[key], t[metric], strict=True))


# -- immutability ------------------------------------------------------------------------------
def test_every_change_returns_a_new_report_and_leaves_the_old_one(rep: cp.Report) -> None:
    before = rep.table()
    changed = (
        rep.with_time_frame("2026-03-01..2026-03-31")
        .with_columns(["sent", "opened"])
        .by("program")
        .where(programs=["P1"])
        .with_basis("activity")
        .with_bots(True, 1)
        .with_tz("Asia/Tokyo")
    )
    assert changed is not rep
    pd.testing.assert_frame_equal(rep.table(), before)
    assert (rep.time_frame, rep.basis, rep.group_by, rep.tz) == (
        cp.TimeFrame.parse("all time"), "sent", ("campaign_email",), "UTC",
    )  # fmt: skip
    with pytest.raises(dataclasses_frozen_error()):
        rep.tz = "Europe/Oslo"  # type: ignore[misc]


def dataclasses_frozen_error() -> type[Exception]:
    import dataclasses

    return dataclasses.FrozenInstanceError


# -- the default table -------------------------------------------------------------------------
def test_default_table_has_group_ids_names_then_metrics(rep: cp.Report) -> None:
    t = rep.table()
    assert list(t.columns) == ["campaign_id", "campaign_name", "email_id", "email_name",
                               *cp.DEFAULT_COLUMNS]  # fmt: skip
    assert t[["campaign_id", "email_id"]].values.tolist() == [["C1", "E1"], ["C1", "E2"],
                                                               ["C2", "E3"]]  # fmt: skip
    assert t["sent"].tolist() == [2, 1, 2]
    assert t.loc[[0, 2], "opened_pct"].tolist() == [0.5, 0.5]
    assert math.isnan(t.loc[1, "opened_pct"])  # nothing delivered: missing, not 0
    assert t["sent"].dtype.kind == "i"


# -- groupings ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("group", "key", "expected"),
    [
        ("program", "program", {"P1": 3, "P2": 2}),
        ("campaign", "campaign_name", {"Spring <Sale>": 3, "Old News": 2}),
        ("email", "email_name", {"One": 2, "Two": 1, "Three": 2}),
        ("country", "country", {"SE": 3, "NO": 1, "US": 1}),
        ("day", "send_day",
         {dt.date(2026, 3, 1): 1, dt.date(2026, 3, 2): 2, dt.date(2026, 3, 9): 1,
          dt.date(2026, 4, 2): 1}),
        ("week", "send_week",
         {dt.date(2026, 2, 23): 1, dt.date(2026, 3, 2): 2, dt.date(2026, 3, 9): 1,
          dt.date(2026, 3, 30): 1}),
        ("month", "send_month", {dt.date(2026, 3, 1): 4, dt.date(2026, 4, 1): 1}),
    ],
)  # fmt: skip
def test_group_by(rep: cp.Report, group: str, key: str, expected: dict) -> None:
    assert col(rep.by(group).table(), key, "sent") == expected


def test_weeks_start_on_the_reports_week_start(rep: cp.Report) -> None:
    t = cp.Report(rep.log, week_start="sunday").by("week").table()
    assert col(t, "send_week", "sent") == {dt.date(2026, 3, 1): 3, dt.date(2026, 3, 8): 1,
                                           dt.date(2026, 3, 29): 1}  # fmt: skip


def test_send_days_are_local_days(rep: cp.Report) -> None:
    # In Pacific/Kiritimati (UTC+14) 1 March 12:00 UTC is 2 March 02:00, and 2 March
    # 09:00 UTC is still 2 March (23:00): three sends on the local 2nd.
    t = rep.with_tz("Pacific/Kiritimati").by("day").table()
    assert col(t, "send_day", "sent")[dt.date(2026, 3, 2)] == 3


def test_several_groups_at_once(rep: cp.Report) -> None:
    t = rep.by("program", "month").table()
    assert list(t.columns[:2]) == ["program", "send_month"]
    assert t[["program", "sent"]].values.tolist() == [["P1", 3], ["P2", 1], ["P2", 1]]


def test_unknown_group_lists_the_choices(rep: cp.Report) -> None:
    with pytest.raises(cp.ReportError, match=r"unknown group 'colour'.*program.*country"):
        rep.by("colour")


@pytest.mark.parametrize(
    ("values", "why"),
    [
        (["SE", "NO", None, "SE"], None),
        ([1, 2, 2, 3], None),
        ([True, False, True, True], None),
        (pd.to_datetime(["2026-01-01", "2026-01-02", "2026-01-01", "2026-01-03"]), "dates"),
        (["2026-01-01", "2026-01-02", "2026-01-01", None], "dates"),
        (["31/12/2025", "1/1/2026", "2/1/2026", "2/1/2026"], "dates"),
        ([0.5, 1.5, 2.0, 0.5], "decimals"),
    ],
)
def test_lead_groupings_offer_categories(values: list, why: str | None) -> None:
    leads = pd.DataFrame({"lead_id": ["L1", "L2", "L3", "L4"], "attr": values})
    reason = why_not_grouping(leads, "attr")
    assert (reason is None) == (why is None)
    assert why is None or why in str(reason)
    assert lead_groupings(leads) == ([] if why else ["attr"])


def test_lead_groupings_leave_out_many_values_and_built_in_names() -> None:
    many = [f"v{i}" for i in range(MAX_LEAD_GROUPS + 1)]
    leads = pd.DataFrame(
        {"lead_id": many, "code": many, "Email": "x", "send_day": "y", "region": "EU"}
    )
    assert why_not_grouping(leads, "code") == f"{len(many)} distinct values (more than 50)"
    assert "built-in grouping 'email'" in str(why_not_grouping(leads, "Email"))
    assert "built-in grouping 'send_day'" in str(why_not_grouping(leads, "send_day"))
    assert lead_groupings(leads) == ["region"]
    assert lead_group_label("region") == "Lead: region"


def test_a_lead_column_named_email_leaves_by_email_the_email_asset(log: cp.EventLog) -> None:
    """by("email") is the email asset even when the leads table has an ``email`` column;
    a lead attribute named like a grouping by where emails were read keeps its meaning."""
    leads = LEADS.assign(email=[f"{lead}@example.com" for lead in LEADS["lead_id"]])
    with_email = cp.load_events(pd.DataFrame(ROWS), campaigns=CAMPAIGNS, emails=EMAILS, leads=leads)
    got = cp.Report(with_email, today="2026-04-30").by("email").table()
    want = cp.Report(log, today="2026-04-30").by("email").table()
    pd.testing.assert_frame_equal(got, want)
    by_country = cp.Report(with_email, today="2026-04-30").by("country").table()
    assert set(by_country["country"]) == set(LEADS["country"])


# -- filters -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("where", "sent"),
    [
        ({"campaigns": ["C2"]}, 2),
        ({"campaigns": "Spring <Sale>"}, 3),
        ({"programs": ["P1"]}, 3),
        ({"emails": ["Two", "E3"]}, 3),
        ({"campaign_status": "archived"}, 2),
        ({"campaign_status": ["active", "archived"]}, 5),
        ({"leads": {"country": ["SE", "NO"]}}, 4),
        ({"leads": {"country": "SE", "segment": "SMB"}}, 2),
    ],
)
def test_filters_keep_whole_records(rep: cp.Report, where: dict, sent: int) -> None:
    assert rep.where(**where).total()["sent"] == sent


def test_where_keeps_filters_it_is_not_given(rep: cp.Report) -> None:
    r = rep.where(programs="P1").where(leads={"country": "SE"})
    assert r.filters.programs == ("P1",) and r.total()["sent"] == 2


def test_bad_filters_are_refused(rep: cp.Report) -> None:
    with pytest.raises(cp.ReportError, match="campaign_status"):
        rep.where(campaign_status="paused")
    with pytest.raises(cp.ReportError, match=r"unknown lead attribute 'city'.*country"):
        rep.where(leads={"city": ["Oslo"]})


# -- columns -----------------------------------------------------------------------------------
def test_columns_are_chosen_and_kept_in_order(rep: cp.Report) -> None:
    t = rep.with_columns(["clicked_pct", "sent", "total_opens"]).by("program").table()
    assert list(t.columns) == ["program", "clicked_pct", "sent", "total_opens"]


def test_unknown_column_names_the_known_ones(rep: cp.Report) -> None:
    with pytest.raises(cp.MetricError, match=r"unknown metric 'ctr'; known metrics: sent"):
        rep.with_columns(["sent", "ctr"])


def test_every_metric_has_a_label_and_a_format() -> None:
    assert cp.METRICS["clicked"].label == "Clicked Link"
    assert cp.METRICS["click_to_open_pct"].label == "Clicked to Opened %"
    assert {m.fmt for m in cp.METRICS.values()} <= {"int", "pct", "float"}
    assert all(m.label and m.description for m in cp.METRICS.values())


# -- reslicing touches the cube, not the events ------------------------------------------------
def test_new_frames_filters_columns_and_groups_do_not_rebuild_records(
    rep: cp.Report, monkeypatch: pytest.MonkeyPatch
) -> None:
    rep.table()  # warm
    calls = []
    real = rules.records_sql
    monkeypatch.setattr(
        "campaign_perf.engine.embedded.records_sql",
        lambda *a, **k: calls.append(1) or real(*a, **k),
    )
    for r in (
        rep.with_time_frame("last month"),
        rep.with_time_frame("2026-03-02..2026-03-09"),
        rep.where(programs="P2"),
        rep.with_columns(["sent"]),
        rep.by("campaign"),
        rep.by("month"),
    ):
        r.table()
    assert calls == []
    rep.with_bots(True, 0).table()  # new rule settings: records are rebuilt once
    assert calls == [1]


# -- time frame, today, as-of ------------------------------------------------------------------
def test_relative_frames_count_from_today(log: cp.EventLog) -> None:
    rep = cp.Report(log, time_frame="last month", today="2026-04-15")
    assert (rep.frame.first, rep.frame.last) == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert rep.total()["sent"] == 4


def test_today_as_of_takes_the_date_of_the_latest_event(log: cp.EventLog) -> None:
    rep = cp.Report(log, time_frame="past 7 days", today="as_of")
    assert rep.today == dt.date(2026, 4, 2)
    assert rep.total()["sent"] == 1


def test_as_of_is_read_in_the_report_zone(log: cp.EventLog) -> None:
    rep = cp.Report(log, as_of="2026-03-05 09:00", tz="Europe/Stockholm")
    assert rep.as_of == pd.Timestamp("2026-03-05 08:00", tz="UTC")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"time_frame": "lst month"}, "Accepted"),
        ({"tz": "Mars/Olympus"}, "unknown time zone"),
        ({"basis": "open"}, "basis"),
        ({"today": "tomorrow"}, "today"),
        ({"as_of": "soon"}, "as_of"),
        ({"week_start": "someday"}, "week"),
    ],
)
def test_bad_settings_say_what_is_wrong(log: cp.EventLog, kwargs: dict, message: str) -> None:
    with pytest.raises(cp.CampaignPerfError, match=message):
        cp.Report(log, **kwargs)


def test_a_report_needs_an_event_log() -> None:
    with pytest.raises(cp.ReportError, match="EventLog"):
        cp.Report(pd.DataFrame(ROWS))  # type: ignore[arg-type]


# -- empty frames ------------------------------------------------------------------------------
def test_an_empty_frame_gives_an_empty_table_not_an_error(rep: cp.Report) -> None:
    empty = rep.with_time_frame("2030-01-01..2030-12-31")
    t = empty.table()
    assert t.empty and list(t.columns) == list(rep.table().columns)
    total = empty.total()
    assert total["sent"] == 0 and math.isnan(total["opened_pct"])
    assert "No emails were sent in this time frame" in empty._repr_html_()


# -- views for people --------------------------------------------------------------------------
def test_formatted_has_labels_subtotals_for_campaigns_of_several_emails_and_a_total(
    rep: cp.Report,
) -> None:
    f = rep.formatted()
    assert list(f.columns[:4]) == ["Campaign", "Email", "Sent", "Delivered"]
    assert f["Campaign"].tolist() == ["Spring <Sale>", "Spring <Sale>", "Spring <Sale> — subtotal",
                                      "Old News", "Total"]  # fmt: skip
    assert f["Sent"].tolist() == ["2", "1", "3", "2", "5"]
    assert f.loc[0, "Opened %"] == "50.0%"
    assert f.loc[1, "Opened %"] == "–"  # a hard bounce: nothing delivered to open
    assert f.iloc[-1]["Delivered %"] == "80.0%"


def test_a_missing_rate_shows_as_a_dash(rep: cp.Report) -> None:
    f = rep.where(emails="E2").formatted()  # one hard bounce: nothing delivered
    assert f.loc[0, "Opened %"] == "–"


def test_notebook_html_escapes_names(rep: cp.Report) -> None:
    html = rep._repr_html_()
    assert "Spring &lt;Sale&gt;" in html and "Spring <Sale>" not in html


def test_records_and_events_drill_down(rep: cp.Report) -> None:
    r = rep.with_time_frame("2026-03-02..2026-03-02").records()
    assert sorted(r["lead_id"]) == ["L1", "L2"]
    assert r.set_index("lead_id").loc["L1", ["opened", "clicked"]].tolist() == [1, 1]
    e = rep.with_time_frame("2026-03-02..2026-03-02").events()
    assert sorted(e["event_type"]) == sorted(["sent", "delivered", "open", "click", "sent",
                                              "delivered"])  # fmt: skip
    assert set(e["campaign_name"]) == {"Spring <Sale>"}
