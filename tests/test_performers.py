"""What stood out (report/performers.py) and its panel (views/performers_panel.py)."""

from __future__ import annotations

import pandas as pd
import pytest

import campaign_perf as cp
from campaign_perf.errors import StatsError
from campaign_perf.report.stats import wilson_interval
from campaign_perf.views.performers_panel import performers_panel


def _log(emails: dict[str, tuple[int, int]]) -> cp.EventLog:
    """Email -> (delivered, clicked), each email its own campaign, sent on one day."""
    rows: list[dict[str, object]] = []
    for email, (delivered, clicked) in emails.items():
        for i in range(delivered):
            rec = {"campaign_id": f"C-{email}", "email_id": email, "lead_id": f"{email}-{i}"}
            rows.append({**rec, "event_type": "sent", "timestamp": "2026-03-02T08:00:00Z"})
            rows.append({**rec, "event_type": "delivered", "timestamp": "2026-03-02T08:01:00Z"})
            if i < clicked:
                rows.append({**rec, "event_type": "click", "timestamp": "2026-03-02T09:00:00Z"})
    return cp.load_events(pd.DataFrame(rows), warn=False)


EMAILS = {
    "tiny": (3, 3),  # 100% of three: too small to be ranked
    "a": (100, 30),
    "b": (200, 60),  # the same 30% with more volume: ranks before "a"
    "c": (100, 20),
    "d": (100, 10),
    "e": (100, 5),
    "f": (50, 1),
    "g": (40, 0),
}


@pytest.fixture(scope="module")
def rep() -> cp.Report:
    return cp.Report(_log(EMAILS), today="2026-03-10")


def test_the_best_and_worst_rows_with_enough_volume(rep: cp.Report) -> None:
    out = rep.performers("clicked_pct", n=3)
    best = out[out["side"] == "best"]
    worst = out[out["side"] == "worst"]
    assert [n.split(" · ")[-1] for n in best["name"]] == ["b", "a", "c"]
    assert [n.split(" · ")[-1] for n in worst["name"]] == ["g", "f", "e"]
    assert best["rank"].tolist() == [1, 2, 3] and worst["rank"].tolist() == [1, 2, 3]
    assert best["value"].tolist() == [0.3, 0.3, 0.2]
    assert out.attrs["too_small"] == 1 and out.attrs["ranked"] == 7
    assert out.attrs["denominator"] == "delivered"
    assert "tiny" not in " ".join(out["name"])
    low, high = wilson_interval(60, 200)
    assert (best.iloc[0]["low"], best.iloc[0]["high"]) == pytest.approx((low, high))
    assert best.iloc[0]["volume"] == 200


def test_few_rows_fill_the_best_side_first(rep: cp.Report) -> None:
    out = rep.performers("clicked_pct", n=5, min_volume=100)
    names = [n.split(" · ")[-1] for n in out["name"]]
    assert names == ["b", "a", "c", "d", "e"]  # five qualify: none is left for "worst"
    assert out["side"].tolist() == ["best"] * 5
    assert out.attrs["too_small"] == 3


def test_a_lower_guard_lets_a_small_email_in(rep: cp.Report) -> None:
    out = rep.performers("clicked_pct", n=1, min_volume=1)
    assert out.iloc[0]["name"].endswith("tiny") and out.iloc[0]["value"] == 1.0
    assert out.iloc[0]["low"] < 0.5  # its interval says how little three sends tell


def test_other_groupings_and_rates(rep: cp.Report) -> None:
    by_email = rep.by("email").performers("delivered_pct", n=2)
    assert by_email["value"].tolist() == [1.0, 1.0, 1.0, 1.0]
    assert by_email["name"].tolist()[:2] == ["b", "a"]  # ties: more volume, then table order


@pytest.mark.parametrize(
    ("metric", "options", "message"),
    [
        ("sent", {}, "not a proportion"),
        ("clicked_pct", {"n": 0}, "n must be"),
        ("clicked_pct", {"min_volume": 2.5}, "min_volume must be"),
    ],
)
def test_bad_choices_are_one_clear_error(
    rep: cp.Report, metric: str, options: dict[str, object], message: str
) -> None:
    with pytest.raises(StatsError, match=message):
        rep.performers(metric, **options)


def test_the_panel_lists_both_sides_escaped() -> None:
    rep = cp.Report(_log({"<b>x</b>": (100, 50), "y": (100, 10)}), today="2026-03-10")
    html = performers_panel(rep, style=False)
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
    assert "50.0%" in html and "10.0%" in html and "100 delivered" in html
    assert "Clicked %, among rows with at least 30 delivered (0 left out as too small)" in html
    empty = performers_panel(cp.Report(_log({"z": (3, 1)}), today="2026-03-10"))
    assert empty.count("No row has enough volume.") >= 2


def test_a_grouping_by_where_emails_were_read_ranks_only_rates_it_splits(rep: cp.Report) -> None:
    # Without user agents every click is under client "unknown": its clicks of opened can
    # be ranked; clicks of delivered cannot (deliveries are not split by client).
    by_client = rep.by("client")
    of_opened = by_client.performers("click_to_open_pct", min_volume=1)
    assert list(of_opened["name"]) == ["unknown"]
    assert of_opened["value"].tolist() == [1.0]  # every click is an implied open
    of_delivered = by_client.performers("clicked_pct", min_volume=1)
    assert of_delivered.empty and of_delivered.attrs["too_small"] == 0
