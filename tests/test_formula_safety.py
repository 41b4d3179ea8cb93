"""Spreadsheet formula injection: the rejected-rows ledger and the report exports.

A spreadsheet runs a cell that starts with ``=`` (and ``+``, ``-``, ``@``, their full-width
forms, a tab or a line break) as a formula. Some spreadsheets also split a row at a carriage
return even inside a quoted field, and read what follows as new cells: those must be safe too.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pandas as pd
import pytest

import campaign_perf as cp
from campaign_perf.spreadsheet import FORMULA_PREFIXES, neutralise
from campaign_perf.views.export import write_table

ATTACK = "x\r=cmd|' /C calc'!A0"
WIDE = ["＝1+2", "＋1", "－1", "＠SUM(A1)", "\nHELLO", "\t=1"]


def is_formula(cell: str) -> bool:
    return cell.lstrip('"').startswith(FORMULA_PREFIXES)


def naive_cells(text: str) -> list[str]:
    """The cells a spreadsheet sees when it splits lines at CR / CRLF / LF, quotes or not."""
    return [cell for line in re.split(r"\r\n|\r|\n", text) for cell in line.split(",")]


@pytest.mark.parametrize("value", WIDE)
def test_full_width_signs_and_line_breaks_are_formula_starts(value: str) -> None:
    assert neutralise(value) == "'" + value


def test_text_after_a_line_break_is_neutralised_too() -> None:
    assert neutralise(ATTACK) == "x\r'=cmd|' /C calc'!A0"
    assert neutralise("a\r\n@x,=y\nz") == "a\r\n'@x,'=y\nz"
    assert neutralise('a\r"=1,b') == "a\r\"'=1,b"
    assert neutralise("a,=b") == "a,=b"  # one quoted cell: no split without a line break


@pytest.fixture
def hostile_log(tmp_path: Path) -> cp.EventLog:
    """A ledger whose raw values hold a bare CR followed by a formula, and a full-width sign."""
    path = tmp_path / "events.csv"
    rows = [
        ["event_type", "timestamp", "campaign_id", "email_id", "lead_id"],
        ["sent", "2026-03-02T09:00:00Z", "C1", "E1", "L1"],
        [ATTACK, "2026-03-02T09:01:00Z", "C1", "E1", "L1"],
        ["open", "＝HYPERLINK(1)", "C1", "E1", "L1"],
        ["open", "2026-03-02T09:03:00Z", "C1", "E1", "x\r@SUM(1),=2"],  # an orphan
    ]
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\r\n").writerows(rows)
    return cp.load_events(path, warn=False)


def test_ledger_csv_reads_back_strictly_with_safe_cells(
    hostile_log: cp.EventLog, tmp_path: Path
) -> None:
    assert len(hostile_log.rejected) == 3
    out = hostile_log.write_rejected(tmp_path / "rejected.csv")
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, strict=True))
    header, body = rows[0], rows[1:]
    assert len(body) == len(hostile_log.rejected)
    assert all(len(r) == len(header) for r in body)
    assert not any(is_formula(cell) for row in rows for cell in row)
    raw = {r[header.index("row")]: r for r in body}
    assert raw["2"][header.index("event_type")] == "x\r'=cmd|' /C calc'!A0"
    assert raw["4"][header.index("lead_id")] == "x\r'@SUM(1),'=2"
    assert raw["3"][header.index("timestamp")] == "'＝HYPERLINK(1)"


def test_ledger_csv_split_like_a_spreadsheet_has_no_formula(
    hostile_log: cp.EventLog, tmp_path: Path
) -> None:
    text = hostile_log.write_rejected(tmp_path / "rejected.csv").read_text(encoding="utf-8")
    cells = naive_cells(text)
    assert any("cmd|" in c for c in cells)  # the value is there, defused
    assert [c for c in cells if is_formula(c)] == []


def test_report_csv_split_like_a_spreadsheet_has_no_formula(tmp_path: Path) -> None:
    df = pd.DataFrame({"campaign_name": [ATTACK, "ok\n-1,+2"], "sent": [1, -2]})
    text = write_table(df, tmp_path / "t.csv").read_text(encoding="utf-8")
    cells = naive_cells(text)
    assert [c for c in cells if is_formula(c) and c != "-2"] == []


def test_json_export_keeps_raw_values(tmp_path: Path) -> None:
    df = pd.DataFrame({"campaign_name": ["=1+2", "@x", "plain"], "sent": [1, 2, 3]})
    back = json.loads(write_table(df, tmp_path / "t.json").read_text(encoding="utf-8"))
    assert [r["campaign_name"] for r in back] == ["=1+2", "@x", "plain"]
