"""Tests of campaign_perf.stats: Wilson intervals, email against email, period over period."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest

import campaign_perf as cp
from campaign_perf import metrics as M
from campaign_perf.report import stats as S


@pytest.fixture(autouse=True)
def clean_registry() -> Iterator[None]:
    with M.registry_snapshot():
        yield


def ab_log(
    arms: dict[str, tuple[int, int]],
    *,
    campaign: str = "C1",
    day: str = "2026-03-02",
    prefix: str = "",
) -> list[dict[str, object]]:
    """Events of emails sent by one campaign: email -> (delivered, clicked); one person per
    delivered email, the first ``clicked`` of them click."""
    rows: list[dict[str, object]] = []
    for email, (delivered, clicked) in arms.items():
        for i in range(delivered):
            rec = {"campaign_id": campaign, "email_id": email, "lead_id": f"{prefix}{email}-{i}"}
            rows.append({"event_type": "sent", "timestamp": f"{day} 09:00", **rec})
            rows.append({"event_type": "delivered", "timestamp": f"{day} 09:01", **rec})
            if i < clicked:
                rows.append(
                    {"event_type": "click", "timestamp": f"{day} 10:00", "link": "https://x", **rec}
                )
    return rows


def load(rows: list[dict[str, object]]) -> cp.EventLog:
    return cp.load_events(pd.DataFrame(rows), warn=False)


def hand_z(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """The pooled two-proportion z-test written out by hand (normal tail via erfc)."""
    p1, p2 = x1 / n1, x2 / n2
    p = (x1 + x2) / (n1 + n2)
    z = (p2 - p1) / math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    return z, math.erfc(abs(z) / math.sqrt(2))


# -- Wilson intervals ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("x", "n", "low", "high"),
    # Newcombe (1998), Statistics in Medicine 17:857-872, table I, method 3 (Wilson score).
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_published_values(x: int, n: int, low: float, high: float) -> None:
    lo, hi = S.wilson_interval(x, n)
    assert (round(lo, 4), round(hi, 4)) == (low, high)


def test_wilson_matches_scipy_on_a_grid_and_levels() -> None:
    xs, ns = np.meshgrid(np.arange(0, 41, 5), np.array([40, 97, 1000]))
    xs, ns = xs.ravel(), ns.ravel()
    for conf in (0.8, 0.95, 0.99):
        lo, hi = S.wilson_interval(xs, ns, conf)
        for x, n, a, b in zip(xs, ns, lo, hi, strict=True):
            ci = binomtest(int(x), int(n)).proportion_ci(confidence_level=conf, method="wilson")
            assert (a, b) == pytest.approx((ci.low, ci.high), abs=1e-12)


def test_wilson_is_missing_without_trials_or_for_impossible_counts() -> None:
    lo, hi = S.wilson_interval(pd.Series([0, 3, 4, -1]), pd.Series([0, 10, 3, 5]))
    assert np.isnan(lo[[0, 2, 3]]).all() and np.isnan(hi[[0, 2, 3]]).all()
    assert 0 < lo[1] < 0.3 < hi[1] < 1
    assert all(math.isnan(v) for v in S.wilson_interval(0, 0))


def test_higher_confidence_gives_a_wider_interval() -> None:
    lo95, hi95 = S.wilson_interval(30, 200, 0.95)
    lo99, hi99 = S.wilson_interval(30, 200, 0.99)
    assert lo99 < lo95 < 30 / 200 < hi95 < hi99


@pytest.mark.parametrize("conf", [0, 1, 95, -0.5, "95%"])
def test_bad_confidence_is_refused(conf: object) -> None:
    with pytest.raises(S.StatsError, match="confidence"):
        S.wilson_interval(1, 2, conf)  # type: ignore[arg-type]


# -- the z-test ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2"), [(40, 1000, 60, 1000), (179, 931, 120, 932), (3, 50, 1, 45)]
)
def test_two_proportion_test_matches_the_hand_computation(
    x1: int, n1: int, x2: int, n2: int
) -> None:
    z, p = S.two_proportion_test(x1, n1, x2, n2)
    assert (z, p) == pytest.approx(hand_z(x1, n1, x2, n2), rel=1e-12)


def test_two_proportion_test_is_missing_when_there_is_nothing_to_test() -> None:
    z, p = S.two_proportion_test([0, 5, 5], [10, 0, 5], [0, 5, 4], [10, 10, 4])
    assert np.isnan(z).all() and np.isnan(p).all()


# -- intervals in reports -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def ab() -> cp.EventLog:
    """C1 sends E1 (200 delivered, 20 clickers) and E2 (200 delivered, 40 clickers); C2 also
    sends E1 (100 delivered, 50 clickers); E3 (C1) is sent to one person, bounced."""
    rows = ab_log({"E1": (200, 20), "E2": (200, 40)})
    rows += ab_log({"E1": (100, 50)}, campaign="C2", prefix="c2-")
    rows.append(
        {"event_type": "sent", "timestamp": "2026-03-02 09:00", "campaign_id": "C1"}
        | {"email_id": "E3", "lead_id": "x"}
    )
    rows.append(
        {"event_type": "hard_bounce", "timestamp": "2026-03-02 09:01", "campaign_id": "C1"}
        | {"email_id": "E3", "lead_id": "x"}
    )
    return load(rows)


def test_table_with_ci_puts_an_interval_after_each_proportion(ab: cp.EventLog) -> None:
    M.metric("engaged_pct", "(clicked + unsubscribed) / delivered", fmt="pct")
    cols = ["delivered", "clicked", "clicked_pct", "engaged_pct", "opened_pct"]
    rep = cp.Report(ab, columns=cols)
    t = S.table_with_ci(rep)
    plain = rep.table()
    metric_cols = [c for c in t.columns if c not in plain.columns[: -len(cols)]]
    assert metric_cols == [
        "delivered",
        "clicked",
        "clicked_pct",
        "clicked_pct_low",
        "clicked_pct_high",
        "engaged_pct",
        "opened_pct",
        "opened_pct_low",
        "opened_pct_high",
    ]
    pd.testing.assert_frame_equal(t[plain.columns], plain)
    for _, r in t.iterrows():
        if r["delivered"] == 0:
            assert math.isnan(r["clicked_pct_low"]) and math.isnan(r["clicked_pct_high"])
            continue
        ci = binomtest(int(r["clicked"]), int(r["delivered"])).proportion_ci(method="wilson")
        assert (r["clicked_pct_low"], r["clicked_pct_high"]) == pytest.approx((ci.low, ci.high))
        assert r["clicked_pct_low"] <= r["clicked_pct"] <= r["clicked_pct_high"]


def test_table_with_ci_of_a_custom_proportion_and_a_group(ab: cp.EventLog) -> None:
    M.count("pricing_clicks", link_contains="x")
    M.metric("pricing_ctr", "pricing_clicks / delivered", fmt="pct")
    rep = cp.Report(ab, columns=["delivered", "pricing_ctr"]).by("campaign")
    t = S.table_with_ci(rep, confidence=0.9)
    assert list(t.columns) == [
        "campaign_id",
        "campaign_name",
        "delivered",
        "pricing_ctr",
        "pricing_ctr_low",
        "pricing_ctr_high",
    ]
    c2 = t.set_index("campaign_id").loc["C2"]
    ci = binomtest(50, 100).proportion_ci(confidence_level=0.9, method="wilson")
    assert (c2["pricing_ctr_low"], c2["pricing_ctr_high"]) == pytest.approx((ci.low, ci.high))


def test_rate_intervals_are_long_rows_of_error_bars(ab: cp.EventLog) -> None:
    rep = cp.Report(ab, columns=["sent", "clicked_pct", "delivered_pct"]).by("email")
    r = S.rate_intervals(rep)
    assert list(r.columns) == [
        "email_id",
        "email_name",
        "metric",
        "label",
        "value",
        "low",
        "high",
        "successes",
        "trials",
    ]
    assert set(r["metric"]) == {"clicked_pct", "delivered_pct"}
    e1 = r[(r["email_id"] == "E1") & (r["metric"] == "clicked_pct")].iloc[0]
    assert (e1["successes"], e1["trials"], e1["label"]) == (70, 300, "Clicked %")
    assert e1["value"] == pytest.approx(70 / 300)
    ok = r["trials"] > 0
    assert (r.loc[ok, "low"] <= r.loc[ok, "value"]).all()
    assert (r.loc[ok, "value"] <= r.loc[ok, "high"]).all()
    e3 = r[(r["email_id"] == "E3") & (r["metric"] == "clicked_pct")].iloc[0]
    assert e3["trials"] == 0 and math.isnan(e3["value"]) and math.isnan(e3["low"])
    tot = S.rate_intervals(rep, total=True).set_index("metric")
    assert tot.loc["clicked_pct", "successes"] == 110
    assert tot.loc["delivered_pct", "trials"] == 501


# -- champion against challenger ------------------------------------------------------------------
def test_compare_emails_within_a_campaign(ab: cp.EventLog) -> None:
    rep = cp.Report(ab)
    out = S.compare_emails(rep, "E1", "E2", campaign="C1", metrics=["clicked_pct"])
    r = out.iloc[0]
    z, p = hand_z(20, 200, 40, 200)
    assert (r["successes_a"], r["n_a"], r["successes_b"], r["n_b"]) == (20, 200, 40, 200)
    assert (r["rate_a"], r["rate_b"]) == pytest.approx((0.1, 0.2))
    assert r["difference"] == pytest.approx(0.1)
    assert r["relative_difference"] == pytest.approx(1.0)
    assert (r["z"], r["p_value"]) == pytest.approx((z, p))
    assert bool(r["significant"]) is (p < 0.05)
    assert r["verdict"].startswith(
        "E2's Clicked % is higher (20.0% vs 10.0%); the difference is significant at 95%"
    )
    assert r["warning"] == ""
    assert out.attrs["a"] == "E1" and out.attrs["b"] == "E2"


def test_without_a_campaign_every_campaign_of_the_email_counts(ab: cp.EventLog) -> None:
    out = S.compare_emails(cp.Report(ab), "E2", "E1", metrics=["clicked_pct"])
    r = out.iloc[0]
    assert (r["successes_b"], r["n_b"]) == (70, 300)
    z, p = hand_z(40, 200, 70, 300)
    assert (r["z"], r["p_value"]) == pytest.approx((z, p))


def test_a_higher_confidence_can_turn_a_verdict(ab: cp.EventLog) -> None:
    rows = ab_log({"A": (1000, 40), "B": (1000, 60)})
    rep = cp.Report(load(rows))
    p = hand_z(40, 1000, 60, 1000)[1]
    assert 0.01 < p < 0.05
    at95 = S.compare_emails(rep, "A", "B", metrics=["clicked_pct"]).iloc[0]
    at99 = S.compare_emails(rep, "A", "B", metrics=["clicked_pct"], confidence=0.99).iloc[0]
    assert at95["significant"] and not at99["significant"]
    assert "the difference is significant at 95%" in at95["verdict"]
    assert at99["verdict"].startswith(
        "B's Clicked % is higher (6.0% vs 4.0%), but the difference is not significant at 99%"
    )


def test_default_metrics_are_the_reports_proportion_columns(ab: cp.EventLog) -> None:
    rep = cp.Report(ab, columns=["sent", "opened_pct", "clicked_pct", "total_clicks"])
    out = S.compare_emails(rep, "E1", "E2", campaign="C1")
    assert out["metric"].tolist() == ["opened_pct", "clicked_pct"]
    every = S.compare_emails(rep.with_columns(["sent"]), "E1", "E2", campaign="C1")
    assert every["metric"].tolist() == [m for m in M.METRICS if m.endswith("_pct")]


def test_small_samples_get_a_warning_and_no_verdict_of_no_difference() -> None:
    rep = cp.Report(load(ab_log({"A": (12, 1), "B": (10, 3)})))
    r = S.compare_emails(rep, "A", "B", metrics=["clicked_pct"]).iloc[0]
    assert r["warning"].startswith("small sample: ")
    assert "A has 12 records (fewer than 30)" in r["warning"]
    assert "B has 10 records" in r["warning"]
    assert "expected counts below 5" in r["warning"]
    assert not r["significant"]
    assert r["verdict"].startswith("not enough data yet: B's Clicked % is higher (30.0% vs 8.3%)")


def test_a_large_sample_with_a_rare_event_is_warned_about_expected_counts() -> None:
    rep = cp.Report(load(ab_log({"A": (100, 1), "B": (100, 2)})))
    r = S.compare_emails(rep, "A", "B", metrics=["clicked_pct"]).iloc[0]
    assert r["warning"] == "small sample: expected counts below 5 (1.5): the test is approximate"


def test_an_email_without_records_is_not_enough_data(ab: cp.EventLog) -> None:
    rep = cp.Report(ab)
    r = S.compare_emails(rep, "E1", "E3", campaign="C1", metrics=["clicked_pct"]).iloc[0]
    assert r["n_b"] == 0 and math.isnan(r["rate_b"]) and math.isnan(r["p_value"])
    assert r["verdict"] == "not enough data yet: E3 has no Delivered"
    assert not r["significant"]
    assert r["warning"].startswith("small sample: E3 has 0 records")


def test_equal_rates_are_no_difference() -> None:
    rep = cp.Report(load(ab_log({"A": (100, 0), "B": (100, 0)})))
    r = S.compare_emails(rep, "A", "B", metrics=["clicked_pct"]).iloc[0]
    assert r["verdict"] == "no difference: both are 0.0%"
    assert not r["significant"]


def test_emails_are_named_by_their_names(ab: cp.EventLog) -> None:
    named = cp.load_events(
        ab.events,
        emails=pd.DataFrame({"email_id": ["E1", "E2"], "email_name": ["Spring", "Summer"]}),
        warn=False,
    )
    out = S.compare_emails(cp.Report(named), "Spring", "E2", campaign="C1", metrics=["clicked_pct"])
    assert out.iloc[0]["verdict"].startswith("Summer's Clicked % is higher")
    assert (out.attrs["a"], out.attrs["b"]) == ("Spring", "Summer")


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("E1", "E1"), {}, "two different emails"),
        (("E1", "E9"), {}, "unknown email 'E9'"),
        (("E1", "E2"), {"campaign": "C9"}, "unknown campaign 'C9'"),
        (("E1", "E2"), {"metrics": ["total_clicks"]}, "not a proportion"),
        (("E1", "E2"), {"confidence": 1.5}, "confidence"),
    ],
)
def test_compare_emails_errors(ab: cp.EventLog, args: tuple, kwargs: dict, message: str) -> None:
    with pytest.raises(S.StatsError, match=message):
        S.compare_emails(cp.Report(ab), *args, **kwargs)


def test_compare_emails_on_an_unknown_metric() -> None:
    rep = cp.Report(load(ab_log({"A": (10, 1), "B": (10, 2)})))
    with pytest.raises(M.MetricError, match="unknown metric 'nope'"):
        S.compare_emails(rep, "A", "B", metrics=["nope"])


# -- period over period ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def two_weeks() -> cp.EventLog:
    """Week of 2026-03-02: 100 delivered, 10 clickers; week of 2026-03-09: 120 delivered,
    30 clickers (each on one day of its week)."""
    rows = ab_log({"E1": (100, 10)}, day="2026-03-04", prefix="w1-")
    rows += ab_log({"E1": (120, 30)}, day="2026-03-12", prefix="w2-")
    return load(rows)


def test_compare_periods_against_the_previous_frame_of_equal_length(
    two_weeks: cp.EventLog,
) -> None:
    rep = cp.Report(
        two_weeks,
        time_frame="past 7 days",
        today="2026-03-15",
        as_of="2026-03-19 00:00",
        columns=["delivered", "clicked", "clicked_pct"],
    )
    out = S.compare_periods(rep).set_index("metric")
    assert str(out.attrs["current_frame"]) == "2026-03-09 – 2026-03-15"
    assert str(out.attrs["previous_frame"]) == "2026-03-02 – 2026-03-08"
    assert out.loc["delivered", ["current", "previous", "delta"]].tolist() == [120, 100, 20]
    assert out.loc["delivered", "relative_delta"] == pytest.approx(0.2)
    assert out.loc["delivered", "change"] == "+20 (+20.0%)"
    assert out.loc["clicked", "change"] == "+20 (+200.0%)"
    cp_ = out.loc["clicked_pct"]
    assert (cp_["current"], cp_["previous"]) == pytest.approx((0.25, 0.1))
    assert cp_["delta"] == pytest.approx(0.15)
    assert cp_["relative_delta"] == pytest.approx(1.5)
    assert cp_["change"] == "+15.0 pts"
    assert cp_["p_value"] == pytest.approx(hand_z(10, 100, 30, 120)[1])
    assert cp_["significant"]
    assert pd.isna(out.loc["delivered", "significant"])
    assert math.isnan(out.loc["delivered", "p_value"])


def test_last_month_is_compared_with_the_whole_month_before_it() -> None:
    # September has 30 days; August's first day is in August, not in "the 30 days before"
    rows = ab_log({"E1": (40, 4)}, day="2026-08-01", prefix="aug1-")
    rows += ab_log({"E1": (60, 6)}, day="2026-08-31", prefix="aug31-")
    rows += ab_log({"E1": (50, 20)}, day="2026-09-10", prefix="sep-")
    rows += ab_log({"E1": (70, 7)}, day="2026-10-01", prefix="oct-")
    rep = cp.Report(
        load(rows),
        time_frame="last month",
        today="2026-10-15",
        as_of="2026-10-15 12:00",
        columns=["delivered", "clicked"],
    )
    out = S.compare_periods(rep).set_index("metric")
    assert str(out.attrs["current_frame"]) == "2026-09-01 – 2026-09-30"
    assert str(out.attrs["previous_frame"]) == "2026-08-01 – 2026-08-31"
    assert out.loc["delivered", ["current", "previous"]].tolist() == [50, 100]
    assert out.loc["clicked", ["current", "previous"]].tolist() == [20, 10]


def test_days_still_settling_are_left_out_of_both_periods() -> None:
    # as of Sep 12 noon, sends after Sep 8 are less than 72 hours old: "past 7 days"
    # (Sep 6-12) is compared on Sep 6-8 against Aug 30 - Sep 1 (the 7 days before, cut alike)
    rows = ab_log({"E1": (10, 1)}, day="2026-08-30", prefix="a-")
    rows += ab_log({"E1": (20, 2)}, day="2026-09-02", prefix="b-")  # in neither
    rows += ab_log({"E1": (40, 8)}, day="2026-09-07", prefix="c-")
    rows += ab_log({"E1": (80, 0)}, day="2026-09-11", prefix="d-")  # still settling
    rep = cp.Report(
        load(rows),
        time_frame="past 7 days",
        today="2026-09-12",
        as_of="2026-09-12 12:00",
        columns=["delivered", "clicked_pct"],
    )
    assert rep.settled_through == dt.date(2026, 9, 8)
    out = S.compare_periods(rep).set_index("metric")
    assert str(out.attrs["settling"]) == "2026-09-09 – 2026-09-12"
    assert str(out.attrs["current_frame"]) == "2026-09-06 – 2026-09-08"
    assert str(out.attrs["previous_frame"]) == "2026-08-30 – 2026-09-01"
    assert out.loc["delivered", ["current", "previous"]].tolist() == [40, 10]
    assert out.loc["clicked_pct", ["current", "previous"]].tolist() == [0.2, 0.1]
    whole = S.compare_periods(rep, settling="include").set_index("metric")
    assert whole.attrs["settling"] is None
    assert str(whole.attrs["previous_frame"]) == "2026-08-30 – 2026-09-05"
    assert whole.loc["delivered", ["current", "previous"]].tolist() == [120, 30]
    # a frame that is all still settling has nothing to compare yet
    with pytest.raises(cp.TimeFrameError, match="still settling"):
        S.compare_periods(rep.with_time_frame("today"))
    with pytest.raises(cp.StatsError, match="settling must be"):
        S.compare_periods(rep, settling="no")  # type: ignore[arg-type]


def test_compare_periods_of_a_custom_range_and_an_empty_previous_period(
    two_weeks: cp.EventLog,
) -> None:
    rep = cp.Report(two_weeks, time_frame="2026-03-03..2026-03-05", columns=["sent", "opened_pct"])
    out = S.compare_periods(rep).set_index("metric")
    assert str(out.attrs["previous_frame"]) == "2026-02-28 – 2026-03-02"
    assert out.loc["sent", ["current", "previous"]].tolist() == [100, 0]
    assert math.isnan(out.loc["sent", "relative_delta"])
    assert out.loc["sent", "change"] == "+100"
    assert math.isnan(out.loc["opened_pct", "previous"])
    assert out.loc["opened_pct", "change"] == "–"


@pytest.mark.parametrize("frame", ["all time", "2026-03-01..", "..2026-03-31"])
def test_compare_periods_needs_a_closed_frame(two_weeks: cp.EventLog, frame: str) -> None:
    with pytest.raises(cp.TimeFrameError, match="closed time frame"):
        S.compare_periods(cp.Report(two_weeks, time_frame=frame))
