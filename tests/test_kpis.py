"""The headline figures (report/kpis.py) and their strip (views/kpi_strip.py)."""

from __future__ import annotations

import math
from typing import Any, cast

import pandas as pd
import pytest

import campaign_perf as cp
from campaign_perf.errors import MetricError
from campaign_perf.metrics import METRICS, compute_metrics, format_value, metric, registry_snapshot
from campaign_perf.report.kpis import KPI_COLUMNS
from campaign_perf.views.kpi_strip import kpi_strip, sparkline_points, strip_items


def _log() -> cp.EventLog:
    """August: 100 delivered, 10 clicked, 2 unsubscribed; September: 80 delivered of 100
    sent, 24 clicked, 1 unsubscribed (a September day with no sends between the two)."""
    rows: list[dict[str, object]] = []

    def send(day: str, lead: str, *events: str) -> None:
        rec = {"campaign_id": "C1", "email_id": "E1", "lead_id": lead}
        rows.append({**rec, "event_type": "sent", "timestamp": f"{day}T08:00:00Z"})
        for i, e in enumerate(events):
            rows.append({**rec, "event_type": e, "timestamp": f"{day}T09:0{i}:00Z"})

    for i in range(100):
        clicks = ("open", "click") if i < 10 else ()
        unsub = ("unsubscribe",) if i in (50, 51) else ()
        send("2026-08-05", f"a{i}", "delivered", *clicks, *unsub)
    for i in range(100):
        day = "2026-09-03" if i < 50 else "2026-09-20"
        if i >= 80:
            send(day, f"s{i}", "hard_bounce")
            continue
        clicks = ("open", "click") if i < 24 else ()
        unsub = ("unsubscribe",) if i == 60 else ()
        send(day, f"s{i}", "delivered", *clicks, *unsub)
    return cp.load_events(pd.DataFrame(rows), warn=False)


@pytest.fixture(scope="module")
def rep() -> cp.Report:
    return cp.Report(_log(), time_frame="last month", today="2026-10-15", as_of="2026-10-15 12:00")


def test_the_headline_figures_against_the_previous_calendar_month(rep: cp.Report) -> None:
    k = rep.kpis().set_index("metric")
    assert list(k.index) == list(KPI_COLUMNS)
    assert str(k.attrs["previous_frame"]) == "2026-08-01 – 2026-08-31"
    assert k.loc["sent", ["current", "previous"]].tolist() == [100, 100]
    assert k.loc["sent", "change"] == "+0 (+0.0%)"
    assert k.loc["sent", "verdict"] == ""  # a count of sends is neither good nor bad news
    assert k.loc["delivered_pct", ["current", "previous"]].tolist() == [0.8, 1.0]
    assert k.loc["delivered_pct", ["text", "change", "verdict"]].tolist() == [
        "80.0%",
        "-20.0 pts",
        "worse",
    ]
    assert bool(k.loc["delivered_pct", "significant"])
    assert k.loc["bounced_pct", ["change", "verdict"]].tolist() == ["+20.0 pts", "worse"]
    # 24/80 against 10/100: better and significant; 1/80 against 2/100 unsubscribed: a
    # lower rate is better news, but not a significant change
    assert k.loc["clicked_pct", ["current", "previous"]].tolist() == [0.3, 0.1]
    assert k.loc["clicked_pct", "verdict"] == "better"
    assert bool(k.loc["clicked_pct", "significant"])
    assert k.loc["unsubscribed_pct", "verdict"] == "better"
    assert not bool(k.loc["unsubscribed_pct", "significant"])
    # the same figures as the table's total and compare_periods
    total = rep.with_columns(list(KPI_COLUMNS)).total()
    for mid in KPI_COLUMNS:
        assert k.loc[mid, "current"] == pytest.approx(total[mid])
        assert k.loc[mid, "text"] == format_value(total[mid], METRICS[mid].fmt)
    compared = rep.with_columns(list(KPI_COLUMNS)).compare_periods().set_index("metric")
    pd.testing.assert_series_equal(k["change"], compared["change"])


def test_the_trend_is_the_figure_per_send_day_of_the_frame(rep: cp.Report) -> None:
    k = rep.kpis().set_index("metric")
    assert k.loc["clicked_pct", "trend"] == [("2026-09-03", 24 / 50), ("2026-09-20", 0.0)]
    assert [d for d, _ in k.loc["sent", "trend"]] == ["2026-09-03", "2026-09-20"]
    # per day, the same metrics as the cube's sums
    cube = rep.cube().groupby("send_day")[list(rep.count_columns)].sum()
    per_day = compute_metrics(cube, ["opened_pct"])["opened_pct"].tolist()
    assert [v for _, v in k.loc["opened_pct", "trend"]] == per_day


def test_an_open_frame_has_figures_but_no_change(rep: cp.Report) -> None:
    k = rep.with_time_frame("all time").kpis().set_index("metric")
    assert k.loc["sent", "current"] == 200
    assert k.attrs["previous_frame"] is None
    assert (k["change"] == "–").all()
    assert k["previous"].isna().all()
    assert (k["verdict"] == "").all()
    assert "No previous period" in kpi_strip(rep.with_time_frame("all time"))


def test_a_metric_the_user_adds_joins_the_strip_with_its_direction(rep: cp.Report) -> None:
    with registry_snapshot():
        metric("clicks_per_open", "clicked / opened", fmt="pct", better="higher")
        k = rep.with_columns(["sent", "clicks_per_open"]).kpis().set_index("metric")
        assert list(k.index) == [*KPI_COLUMNS, "clicks_per_open"]
        # September: 24 clicked of 25 opened (an unsubscribe is an open); August: 10 of 12
        assert k.loc["clicks_per_open", ["current", "previous"]].tolist() == [24 / 25, 10 / 12]
        assert k.loc["clicks_per_open", "verdict"] == "better"
        assert not bool(k.loc["clicks_per_open", "significant"])
        with pytest.raises(MetricError, match="better must be"):
            metric("odd", "clicked / opened", better=cast(Any, "up"))


def test_the_strip_shows_each_figure_escaped_and_coloured(rep: cp.Report) -> None:
    html = kpi_strip(rep)
    items = {k["metric"]: k for k in strip_items(rep.kpis())}
    assert html.count('class="cp-kpi"') == len(KPI_COLUMNS)
    assert 'data-metric="clicked_pct" data-verdict="better" data-significant="true"' in html
    assert 'data-metric="sent" data-verdict="" data-significant="none"' in html
    assert items["unsubscribed_pct"]["significance_text"] == "not significant"
    assert "<style>" in html and "<style>" not in kpi_strip(rep, style=False)


@pytest.mark.parametrize(
    ("values", "points"),
    [
        ([], ""),
        ([0.5], "0,12 100,12"),
        ([1.0, 1.0], "0,12 100,12"),
        ([1.0, 3.0, 2.0], "0,22 50,2 100,12"),
        ([1.0, math.nan, 3.0], "0,22 100,2"),
    ],
)
def test_sparkline_points(values: list[float], points: str) -> None:
    assert sparkline_points(values) == points


def test_the_headline_shows_the_whole_frame_and_compares_the_settled_days() -> None:
    # as of Sep 22 noon, sends after Sep 18 are less than 72 hours old: Sep 20's half is
    # still settling
    rep = cp.Report(_log(), time_frame="this month", today="2026-09-22", as_of="2026-09-22 12:00")
    k = rep.kpis().set_index("metric")
    assert k.loc["sent", "current"] == 100  # the whole frame, as the table's total
    assert k.loc["sent", ["compared", "previous"]].tolist() == [50, 100]
    assert str(k.attrs["settling"]) == "2026-09-19 – 2026-09-22"
    assert str(k.attrs["current_frame"]) == "2026-09-01 – 2026-09-18"
    assert str(k.attrs["previous_frame"]) == "2026-08-01 – 2026-08-18"
    html = kpi_strip(rep)
    assert (
        "Change of 2026-09-01 – 2026-09-18 against 2026-08-01 – 2026-08-18: sends after "
        "2026-09-18 are still settling" in html
    )
    today = rep.with_time_frame("today").kpis()
    assert today.attrs["no_comparison"] == "settling"
    assert (today["change"] == "–").all()
    assert "No change yet" in kpi_strip(rep.with_time_frame("today"))
