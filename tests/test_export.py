"""Tests of campaign_perf.export: CSV, JSON and XLSX tables, formula neutralisation."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import campaign_perf as cp
from campaign_perf.spreadsheet import neutralise
from campaign_perf.views.export import column_labels, write_report, write_table

FORMATS = ("csv", "json", "xlsx")
DANGEROUS = ["=1+1", "+SUM(A1:A2)", "-2+3", "@cmd", "\tHELLO", "\rHELLO", '=HYPERLINK("x")']


def read_back(path: Path) -> list[dict[str, object]]:
    """The rows of a written table as dicts (CSV: strings; JSON, XLSX: typed values)."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))
    if path.suffix == ".json":
        return json.loads(path.read_text(encoding="utf-8"))
    ws = openpyxl.load_workbook(path).active
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


@pytest.fixture
def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "campaign_id": ["C1", "C2", "C3"],
            "campaign_name": ["=Spring", "Fall", "Ångström – été"],
            "send_day": [dt.date(2026, 3, 2), dt.date(2026, 3, 9), dt.date(2026, 12, 31)],
            "sent": [3, 0, 7],
            "delta": [-5, 0, 12],
            "opened_pct": [1 / 3, np.nan, -0.25],
        }
    )


# -- formula neutralisation -----------------------------------------------------------------
@pytest.mark.parametrize("value", DANGEROUS)
def test_neutralise_prefixes_formula_starts(value: str) -> None:
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["Spring", "a=b", "1+1", "", "'quoted", " =x"])
def test_neutralise_leaves_other_text(value: str) -> None:
    assert neutralise(value) == value


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("value", DANGEROUS)
def test_spreadsheet_formats_neutralise_text_cells(tmp_path: Path, fmt: str, value: str) -> None:
    df = pd.DataFrame({"name": [value, "safe"], "n": [-1, 2]})
    rows = read_back(write_table(df, tmp_path / f"t.{fmt}"))
    expected = "'" + value if fmt != "json" else value  # JSON is not for spreadsheets
    if fmt == "xlsx":  # XML stores a carriage return as a line feed
        expected = expected.replace("\r", "\n")
    assert rows[0]["name"] == expected
    assert rows[1]["name"] == "safe"
    assert rows[0]["n"] == (-1 if fmt != "csv" else "-1")


@pytest.mark.parametrize("fmt", FORMATS)
def test_numbers_are_never_neutralised(tmp_path: Path, fmt: str) -> None:
    df = pd.DataFrame({"i": [-5, 0, 7], "f": [-0.25, 1e-20, -3.0]})
    rows = read_back(write_table(df, tmp_path / f"t.{fmt}"))
    if fmt == "csv":
        assert [r["i"] for r in rows] == ["-5", "0", "7"]
        assert [r["f"] for r in rows] == ["-0.25", "1e-20", "-3.0"]
    else:
        assert [r["i"] for r in rows] == [-5, 0, 7]
        assert [r["f"] for r in rows] == [-0.25, 1e-20, -3.0]
        assert all(isinstance(r[k], int | float) for r in rows for k in "if")


def test_xlsx_never_stores_a_formula(tmp_path: Path) -> None:
    df = pd.DataFrame({"=name": ["=1+1", "@x"]})
    ws = openpyxl.load_workbook(write_table(df, tmp_path / "t.xlsx")).active
    assert ws["A1"].value == "'=name"
    assert all(c.data_type == "s" for row in ws.iter_rows() for c in row)


# -- CSV ----------------------------------------------------------------------------------------
def test_csv_full_precision_missing_and_iso_dates(tmp_path: Path, table: pd.DataFrame) -> None:
    path = write_table(table, tmp_path / "t.csv")
    text = path.read_bytes().decode("utf-8")
    assert text.count("\r\n") == 4
    lines = text.splitlines()
    assert lines[0] == "campaign_id,campaign_name,send_day,sent,delta,opened_pct"
    assert lines[1] == "C1,'=Spring,2026-03-02,3,-5,0.3333333333333333"
    assert lines[2] == "C2,Fall,2026-03-09,0,0,"
    assert lines[3] == "C3,Ångström – été,2026-12-31,7,12,-0.25"
    assert len(lines) == 4  # no total row
    back = pd.read_csv(path)
    assert back["opened_pct"].iloc[0] == 1 / 3  # round-trips exactly
    assert math.isnan(back["opened_pct"].iloc[1])


def test_csv_datetime_columns_are_iso(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "day": pd.to_datetime(["2026-03-02", "2026-03-09"]),
            "at": pd.to_datetime(["2026-03-02 10:15:00", "2026-03-09 00:00:00"]).tz_localize("UTC"),
            "maybe": [pd.NaT, pd.Timestamp("2026-01-31")],
        }
    )
    rows = read_back(write_table(df, tmp_path / "t.csv"))
    assert [r["day"] for r in rows] == ["2026-03-02", "2026-03-09"]
    assert rows[0]["at"] == "2026-03-02T10:15:00+00:00"
    assert [r["maybe"] for r in rows] == ["", "2026-01-31"]


def test_csv_string_dtype_missing_is_empty(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {"s": pd.array(["a", None], dtype="str"), "n": pd.array([1, None], dtype="Int64")}
    )
    rows = read_back(write_table(df, tmp_path / "t.csv"))
    assert rows == [{"s": "a", "n": "1"}, {"s": "", "n": ""}]


# -- JSON ---------------------------------------------------------------------------------------
def test_json_records_null_iso_utf8(tmp_path: Path, table: pd.DataFrame) -> None:
    path = write_table(table, tmp_path / "t.json")
    text = path.read_text(encoding="utf-8")
    assert "Ångström – été" in text  # not ASCII-escaped
    assert "NaN" not in text
    data = json.loads(text)
    assert data == [
        {"campaign_id": "C1", "campaign_name": "=Spring", "send_day": "2026-03-02",
         "sent": 3, "delta": -5, "opened_pct": 1 / 3},
        {"campaign_id": "C2", "campaign_name": "Fall", "send_day": "2026-03-09",
         "sent": 0, "delta": 0, "opened_pct": None},
        {"campaign_id": "C3", "campaign_name": "Ångström – été", "send_day": "2026-12-31",
         "sent": 7, "delta": 12, "opened_pct": -0.25},
    ]  # fmt: skip


def test_empty_tables(tmp_path: Path, table: pd.DataFrame) -> None:
    empty = table.iloc[0:0]
    assert write_table(empty, tmp_path / "e.csv").read_text().splitlines() == [
        "campaign_id,campaign_name,send_day,sent,delta,opened_pct"
    ]
    assert json.loads(write_table(empty, tmp_path / "e.json").read_text()) == []
    ws = openpyxl.load_workbook(write_table(empty, tmp_path / "e.xlsx")).active
    assert ws.max_row == 1


# -- XLSX ---------------------------------------------------------------------------------------
def test_xlsx_labels_formats_filter_freeze(tmp_path: Path, table: pd.DataFrame) -> None:
    labels = {"campaign_name": "Campaign", "sent": "Sent", "opened_pct": "Opened %"}
    formats = {"sent": "int", "opened_pct": "pct"}
    path = write_table(table, tmp_path / "t.xlsx", labels=labels, formats=formats)
    ws = openpyxl.load_workbook(path).active
    header = [c.value for c in ws[1]]
    assert header == ["campaign_id", "Campaign", "send_day", "Sent", "delta", "Opened %"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:F4"
    assert [ws.cell(r, 6).value for r in (2, 3, 4)] == [1 / 3, None, -0.25]
    assert ws["F2"].number_format == "0.0%"
    assert ws["F4"].number_format == "0.0%"
    assert ws["D2"].number_format == "#,##0"
    assert ws["D2"].value == 3
    assert ws["C2"].value == dt.datetime(2026, 3, 2)  # a real date cell
    assert ws["C2"].number_format == "yyyy-mm-dd"
    assert ws["B2"].value == "'=Spring"
    for col in "ABCDEF":
        width = ws.column_dimensions[col].width
        assert 8 <= width <= 60
    assert ws.column_dimensions["B"].width >= len("Ångström – été")


def test_unknown_suffix_lists_the_accepted_ones(tmp_path: Path, table: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"\.csv, \.json, \.xlsx"):
        write_table(table, tmp_path / "t.html")
    with pytest.raises(ValueError, match="without a suffix"):
        write_table(table, tmp_path / "t")


def test_suffix_is_case_insensitive(tmp_path: Path, table: pd.DataFrame) -> None:
    assert write_table(table, tmp_path / "T.CSV").read_text().startswith("campaign_id,")
    path = write_table(table, tmp_path / "T.JSON")
    assert json.loads(path.read_text())[0]["campaign_id"] == "C1"


# -- reports ------------------------------------------------------------------------------------
@pytest.fixture
def report(canonical_rows: list[dict[str, str]]) -> cp.Report:
    rows = [
        *canonical_rows,
        {"event_type": "sent", "timestamp": "2026-03-02T09:00:00Z", "campaign_id": "C1",
         "email_id": "E1", "lead_id": "L2"},
        {"event_type": "delivered", "timestamp": "2026-03-02T09:01:00Z", "campaign_id": "C1",
         "email_id": "E1", "lead_id": "L2"},
        {"event_type": "sent", "timestamp": "2026-03-02T09:00:00Z", "campaign_id": "C1",
         "email_id": "E1", "lead_id": "L3"},
    ]  # fmt: skip
    log = cp.load_events(pd.DataFrame(rows))
    return cp.Report(log, today="as_of", columns=["sent", "delivered", "opened", "opened_pct"])


@pytest.mark.parametrize("fmt", FORMATS)
def test_write_report_writes_the_table(tmp_path: Path, report: cp.Report, fmt: str) -> None:
    rows = read_back(write_report(report, tmp_path / f"r.{fmt}"))
    assert len(rows) == 1
    row = rows[0]
    if fmt == "xlsx":
        assert list(row) == ["Campaign ID", "Campaign", "Email ID", "Email", "Sent", "Delivered",
                             "Opened", "Opened %"]  # fmt: skip
        assert row["Opened %"] == 0.5
        return
    assert list(row) == ["campaign_id", "campaign_name", "email_id", "email_name", "sent",
                         "delivered", "opened", "opened_pct"]  # fmt: skip
    expected = {"sent": 3, "delivered": 2, "opened": 1, "opened_pct": 0.5}
    for key, value in expected.items():
        assert (float(row[key]) if fmt == "csv" else row[key]) == value


def test_write_report_xlsx_percent_columns(tmp_path: Path, report: cp.Report) -> None:
    ws = openpyxl.load_workbook(write_report(report, tmp_path / "r.xlsx")).active
    assert ws["H2"].number_format == "0.0%"
    assert ws["E2"].number_format == "#,##0"


def test_column_labels_cover_groups_and_metrics(report: cp.Report) -> None:
    labels = column_labels(report.by("program", "week"), report.by("program", "week").table())
    assert labels["program"] == "Program"
    assert labels["send_week"] == "Send Week"
    assert labels["opened_pct"] == "Opened %"
