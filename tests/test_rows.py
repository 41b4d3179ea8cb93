"""The rows people read (detail, subtotal, total, each with its kind) and the one sort rule."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from test_tables import BAD, COLUMNS, EXPECTED, sale_events

import campaign_perf as cp
from campaign_perf.errors import ReportError
from campaign_perf.report.rows import ROW_KINDS, SORT_MODES, as_text, sort_rows, table_rows


@pytest.fixture(scope="module")
def rep() -> cp.Report:
    log = cp.load_events(pd.DataFrame(sale_events()), warn=False)
    return cp.Report(log, columns=COLUMNS)


def _opened_pct(delivered: int, opened: int) -> float:
    return opened / delivered if delivered else math.nan


# -- table_rows ---------------------------------------------------------------------------
def test_rows_have_campaign_subtotals_and_a_total_with_real_numbers(rep: cp.Report) -> None:
    rows = table_rows(rep)
    assert list(rows.columns) == ["campaign_name", "email_name", *COLUMNS, "kind", "block"]
    assert rows["kind"].tolist() == [e[0] for e in EXPECTED]
    assert set(rows["kind"]) == set(ROW_KINDS)
    assert rows["campaign_name"].tolist() == [e[1] for e in EXPECTED]
    assert rows["email_name"].tolist() == [e[2] for e in EXPECTED]
    for col, i in (("sent", 3), ("delivered", 4), ("opened", 5)):
        assert rows[col].tolist() == [e[i] for e in EXPECTED], col
        assert rows[col].dtype == "int64"
    expected_pct = [_opened_pct(e[4], e[5]) for e in EXPECTED]
    assert rows["opened_pct"].tolist() == pytest.approx(expected_pct, nan_ok=True)


def test_a_rows_block_is_its_campaign(rep: cp.Report) -> None:
    # Spring Sale is C1 (two emails and their subtotal), the hostile one C2; the total
    # belongs to no block.
    assert table_rows(rep)["block"].tolist() == ["C1", "C1", "C1", "C2", None]


def test_the_kind_is_read_from_kind_not_from_the_label(rep: cp.Report) -> None:
    # A campaign named like a subtotal is still a detail row.
    events = pd.DataFrame(sale_events()).replace({BAD: "Oops — subtotal"})
    log = cp.load_events(events, warn=False)
    rows = table_rows(cp.Report(log, columns=COLUMNS))
    named = rows[rows["campaign_name"] == "Oops — subtotal"]
    assert named["kind"].tolist() == ["detail"]


def test_rows_match_the_plain_table_and_total(rep: cp.Report) -> None:
    rows = table_rows(rep)
    plain = rows[rows["kind"] == "detail"].reset_index(drop=True)
    pd.testing.assert_frame_equal(plain[COLUMNS], rep.table()[COLUMNS], check_dtype=False)
    total = rows[rows["kind"] == "total"].iloc[0]
    assert total[COLUMNS].astype(float).tolist() == pytest.approx(
        rep.total()[COLUMNS].astype(float).tolist(), nan_ok=True
    )


def test_rows_of_other_groupings_are_their_own_blocks(rep: cp.Report) -> None:
    rows = table_rows(rep.by("program"))
    assert rows["kind"].tolist() == ["detail", "detail", "total"]
    assert rows["program"].tolist() == ["Other", "Spring", "Total"]
    assert rows["sent"].tolist() == [2, 1203, 1205]
    assert rows["block"].tolist() == [0, 1, None]


def test_rows_without_subtotals_or_total(rep: cp.Report) -> None:
    rows = table_rows(rep, subtotals=False, total=False)
    assert rows["kind"].tolist() == ["detail"] * 3
    assert rows["block"].tolist() == ["C1", "C1", "C2"]


def test_rows_of_an_empty_frame_are_a_zero_total(rep: cp.Report) -> None:
    rows = table_rows(rep.with_time_frame("2025-01-01..2025-01-31"))
    assert rows["kind"].tolist() == ["total"]
    assert rows["sent"].tolist() == [0]
    assert math.isnan(rows["opened_pct"].iloc[0])


def test_rows_from_a_given_table_and_total_are_the_same(rep: cp.Report) -> None:
    given = table_rows(rep, table=rep.table(), totals=rep.total())
    pd.testing.assert_frame_equal(given, table_rows(rep))


def test_as_text_is_formatted_and_keeps_the_rows_order(rep: cp.Report) -> None:
    rows = table_rows(rep).iloc[::-1]
    text = as_text(rep, rows)
    assert list(text.index) == list(rows.index)
    assert list(text.columns) == ["Campaign", "Email", "Sent", "Delivered", "Opened", "Opened %"]
    assert text["Campaign"].tolist() == [e[1] for e in reversed(EXPECTED)]
    assert text["Sent"].tolist() == ["1,205", "2", "1,203", "3", "1,200"]
    assert text["Opened %"].tolist()[:2] == [f"{251 / 1003:.1%}", "–"]


def test_formatted_is_the_rows_as_text(rep: cp.Report) -> None:
    f = rep.formatted()
    assert f.values.tolist() == as_text(rep, table_rows(rep)).values.tolist()
    assert f["Campaign"].tolist() == [e[1] for e in EXPECTED]


# -- sort_rows ----------------------------------------------------------------------------
# Three campaigns: Beta (two emails and a subtotal), alpha (one email, a missing rate),
# Gamma (three emails, one of them with a missing rate and a blank name), then the total.
ROWS = pd.DataFrame(
    [
        ("Beta", "b1", 10, 0.20, "detail", "B"),
        ("Beta", "B2", 30, 0.10, "detail", "B"),
        ("Beta — subtotal", "", 40, 0.125, "subtotal", "B"),
        ("alpha", "a1", 50, math.nan, "detail", "A"),
        ("Gamma", "g1", 5, 0.40, "detail", "G"),
        ("Gamma", "G2", 30, 0.30, "detail", "G"),
        ("Gamma", "", 30, math.nan, "detail", "G"),
        ("Gamma — subtotal", "", 65, 0.32, "subtotal", "G"),
        ("Total", "", 155, 0.20, "total", None),
    ],
    columns=["campaign_name", "email_name", "sent", "opened_pct", "kind", "block"],
    index=[10 * i for i in range(9)],  # any index: the rows keep it
)


def _order(column: str | None, ascending: bool = False, mode: str = "campaign") -> list[int]:
    """Where each row of ROWS went: its position in ROWS."""
    out = sort_rows(ROWS, column, ascending, mode)
    return [i // 10 for i in out.index]


def test_sort_modes_have_labels() -> None:
    assert SORT_MODES == {"campaign": "By campaign", "ranked": "Ranked"}


def test_by_campaign_keeps_blocks_with_their_subtotal_last() -> None:
    # Blocks by their subtotal (Gamma 65, Beta 40) or their one row (alpha 50); inside a
    # block its emails by sent, the tie of G2 and the blank-named email kept in order.
    assert _order("sent") == [5, 6, 4, 7, 3, 1, 0, 2, 8]
    assert _order("sent", ascending=True) == [0, 1, 2, 3, 4, 5, 6, 7, 8]


def test_by_campaign_missing_values_go_last_both_ways() -> None:
    # alpha's rate is missing: its block goes last; so does Gamma's email without a rate.
    assert _order("opened_pct") == [4, 5, 6, 7, 0, 1, 2, 3, 8]
    assert _order("opened_pct", ascending=True) == [1, 0, 2, 5, 4, 6, 7, 3, 8]


def test_by_campaign_sorts_names_ignoring_case() -> None:
    assert _order("campaign_name", ascending=True) == [3, 0, 1, 2, 4, 5, 6, 7, 8]
    assert _order("campaign_name") == [4, 5, 6, 7, 0, 1, 2, 3, 8]
    # By email: blocks by their first email once sorted (a1, b1, g1); the blank name last.
    assert _order("email_name", ascending=True) == [3, 0, 1, 2, 4, 5, 6, 7, 8]
    assert _order("email_name") == [5, 4, 6, 7, 1, 0, 2, 3, 8]


def test_ranked_is_a_flat_list_without_subtotals() -> None:
    assert _order("opened_pct", mode="ranked") == [4, 5, 0, 1, 3, 6, 8]
    assert _order("opened_pct", ascending=True, mode="ranked") == [1, 0, 5, 4, 3, 6, 8]


def test_ranked_ties_keep_their_order_both_ways() -> None:
    # B2, G2 and the blank-named email all sent 30: in their order, whatever the direction.
    assert _order("sent", mode="ranked") == [3, 1, 5, 6, 0, 4, 8]
    assert _order("sent", ascending=True, mode="ranked") == [4, 0, 1, 5, 6, 3, 8]


def test_ranked_names_ignore_case_and_blank_names_go_last() -> None:
    assert _order("email_name", ascending=True, mode="ranked") == [3, 0, 1, 4, 5, 6, 8]
    assert _order("email_name", mode="ranked") == [5, 4, 1, 0, 3, 6, 8]


def test_without_a_column_the_order_is_kept() -> None:
    assert _order(None) == list(range(9))
    assert _order(None, mode="ranked") == [0, 1, 3, 4, 5, 6, 8]


def test_sorting_keeps_the_rows_and_their_values() -> None:
    for mode in SORT_MODES:
        out = sort_rows(ROWS, "opened_pct", mode=mode)
        kept = ROWS.loc[out.index]
        pd.testing.assert_frame_equal(out, kept)
        assert out["kind"].iloc[-1] == "total"


def test_unknown_mode_or_column_is_refused() -> None:
    with pytest.raises(ReportError, match="sort mode must be one of campaign, ranked"):
        sort_rows(ROWS, "sent", mode="flat")
    with pytest.raises(ReportError, match="cannot sort by 'clicks'"):
        sort_rows(ROWS, "clicks")
    with pytest.raises(ReportError, match="cannot sort by 'kind'"):
        sort_rows(ROWS, "kind")


def test_a_reports_rows_sorted_by_campaign(rep: cp.Report) -> None:
    rows = sort_rows(table_rows(rep), "sent", ascending=True)
    # C2 (2 sent) before C1 (subtotal 1,203); C1's emails by sent, its subtotal last.
    assert rows["email_name"].tolist() == ["Oops", "Reminder", "Hello", "", ""]
    assert rows["kind"].tolist() == ["detail", "detail", "detail", "subtotal", "total"]
    assert np.array_equal(rows["sent"].to_numpy(), [2, 3, 1200, 1203, 1205])
