"""compare_periods(rows=True): which rows of a report moved the total's change."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import campaign_perf as cp


def sends(
    campaign: str, email: str, day: str, delivered: int, clicked: int
) -> list[dict[str, object]]:
    """One email of one campaign delivered to ``delivered`` people on ``day``, the first
    ``clicked`` of whom click."""
    rows: list[dict[str, object]] = []
    for i in range(delivered):
        rec = {"campaign_id": campaign, "email_id": email, "lead_id": f"{email}-{day}-{i}"}
        rows.append({"event_type": "sent", "timestamp": f"{day} 09:00", **rec})
        rows.append({"event_type": "delivered", "timestamp": f"{day} 09:01", **rec})
        if i < clicked:
            rows.append(
                {"event_type": "click", "timestamp": f"{day} 10:00", "link": "https://x", **rec}
            )
    return rows


def hand_p(x1: int, n1: int, x2: int, n2: int) -> float:
    """The pooled two-proportion z-test's two-sided p-value, written out by hand."""
    p = (x1 + x2) / (n1 + n2)
    z = (x2 / n2 - x1 / n1) / math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    return math.erfc(abs(z) / math.sqrt(2))


@pytest.fixture(scope="module")
def rep() -> cp.Report:
    """Week 1 (Mar 2-8): newsletter 200 delivered / 40 clicked, webinar 50 / 25.
    Week 2 (Mar 9-15): newsletter 200 / 20, a new nurture email 100 / 5 (no webinar)."""
    rows = sends("NEWS", "N1", "2026-03-03", 200, 40)
    rows += sends("WEB", "W1", "2026-03-04", 50, 25)
    rows += sends("NEWS", "N2", "2026-03-10", 200, 20)
    rows += sends("NURT", "U1", "2026-03-11", 100, 5)
    log = cp.load_events(pd.DataFrame(rows), warn=False)
    return cp.Report(
        log,
        time_frame="past 7 days",
        today="2026-03-15",
        as_of="2026-03-20 00:00",
        columns=["delivered", "clicked", "clicked_pct"],
    ).by("campaign")


def test_each_row_is_compared_with_itself_in_the_previous_period(rep: cp.Report) -> None:
    out = rep.compare_periods(rows=True)
    assert str(out.attrs["current_frame"]) == "2026-03-09 – 2026-03-15"
    assert str(out.attrs["previous_frame"]) == "2026-03-02 – 2026-03-08"
    rate = out[out["metric"] == "clicked_pct"].set_index("campaign_id")
    assert sorted(rate.index) == ["NEWS", "NURT", "WEB"]  # rows of either period
    news = rate.loc["NEWS"]
    assert (news["current"], news["previous"]) == pytest.approx((0.10, 0.20))
    assert news["change"] == "-10.0 pts"
    assert news["p_value"] == pytest.approx(hand_p(40, 200, 20, 200))
    assert news["significant"]
    # a row in one period only has nothing to test
    assert math.isnan(rate.loc["WEB", "current"]) and pd.isna(rate.loc["WEB", "significant"])
    assert math.isnan(rate.loc["NURT", "previous"]) and pd.isna(rate.loc["NURT", "significant"])
    delivered = out[out["metric"] == "delivered"].set_index("campaign_id")
    assert delivered.loc["WEB", ["current", "previous", "delta"]].tolist() == [0, 50, -50]
    assert delivered.loc["WEB", "change"] == "-50 (-100.0%)"


def test_contributions_add_up_to_the_totals_change(rep: cp.Report) -> None:
    out = rep.compare_periods(rows=True)
    total = rep.compare_periods().set_index("metric")
    for metric in ("delivered", "clicked", "clicked_pct"):
        part = out[out["metric"] == metric]
        assert part["contribution"].sum() == pytest.approx(total.loc[metric, "delta"])
    # total Clicked %: 65/250 = 26% before, 25/300 now; relative to the previous 26%:
    # the newsletter fell 10 pts at 2/3 of the volume (was 4/5), the webinar at 50% left,
    # the new nurture email at 5% came in below the previous total and pulls it down
    rate = out[out["metric"] == "clicked_pct"].set_index("campaign_id")["contribution"]
    before = 65 / 250
    assert rate["NEWS"] == pytest.approx((20 - before * 200) / 300 - (40 - before * 200) / 250)
    assert rate["WEB"] == pytest.approx(-(25 - before * 50) / 250)
    assert rate["NURT"] == pytest.approx((5 - before * 100) / 300)
    assert rate["NURT"] < 0 and rate["WEB"] < 0


def test_rows_follow_the_grouping_and_the_settling_rule(rep: cp.Report) -> None:
    # as of Mar 15 00:00, Mar 12-15 are still settling: both periods lose their last 4 days
    settling = rep.with_as_of("2026-03-15 00:00")
    out = settling.compare_periods(rows=True)
    total = settling.compare_periods().set_index("metric")
    assert str(out.attrs["current_frame"]) == "2026-03-09 – 2026-03-11"
    assert str(out.attrs["previous_frame"]) == "2026-03-02 – 2026-03-04"
    assert str(out.attrs["settling"]) == "2026-03-12 – 2026-03-15"
    delivered = out[out["metric"] == "delivered"]
    assert delivered["current"].sum() == total.loc["delivered", "current"] == 300
    assert delivered["previous"].sum() == total.loc["delivered", "previous"] == 250
    by_email = rep.by("email").compare_periods(rows=True)
    assert sorted(by_email["email_id"].unique()) == ["N1", "N2", "U1", "W1"]
