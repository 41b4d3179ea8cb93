"""Tests of the ``campaign-perf`` command (campaign_perf.cli)."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

import campaign_perf as cp
from campaign_perf.cli import app
from campaign_perf.views.kpi_strip import strip_items

runner = CliRunner()

C1 = {"campaign_id": "C1", "campaign_name": "Spring Sale", "email_id": "E1",
      "email_name": "Spring Email", "program": "Promo"}  # fmt: skip
C2 = {"campaign_id": "C2", "campaign_name": "Fall News", "email_id": "E2",
      "email_name": "Fall Email", "program": "News"}  # fmt: skip

# (campaign, event_type, timestamp UTC, lead_id, link, is_bot)
EVENTS: list[tuple[dict[str, str], str, str, str, str, str]] = [
    # C1 × E1 -- L1 opens and clicks; L2 only a bot open; L3 hard bounce; L6 delivered only;
    # L4 is sent last (nothing yet: Pending).
    (C1, "sent", "2026-03-02T09:00:00Z", "L1", "", ""),
    (C1, "delivered", "2026-03-02T09:01:00Z", "L1", "", ""),
    (C1, "open", "2026-03-02T10:00:00Z", "L1", "", ""),
    (C1, "click", "2026-03-02T10:05:00Z", "L1", "https://example.com/a", ""),
    (C1, "sent", "2026-03-02T09:00:00Z", "L2", "", ""),
    (C1, "delivered", "2026-03-02T09:01:00Z", "L2", "", ""),
    (C1, "open", "2026-03-04T08:00:00Z", "L2", "", "true"),
    (C1, "sent", "2026-03-02T09:00:00Z", "L3", "", ""),
    (C1, "hard_bounce", "2026-03-02T09:02:00Z", "L3", "", ""),
    (C1, "sent", "2026-03-02T09:00:00Z", "L6", "", ""),
    (C1, "delivered", "2026-03-02T09:01:00Z", "L6", "", ""),
    (C1, "sent", "2026-03-09T09:00:00Z", "L4", "", ""),
    # C2 × E2 -- L1 sent late on Sunday 8 March UTC (Monday 9 March in Stockholm): opens,
    # clicks and unsubscribes on the 9th; L5 soft bounce.
    (C2, "sent", "2026-03-08T23:30:00Z", "L1", "", ""),
    (C2, "delivered", "2026-03-08T23:31:00Z", "L1", "", ""),
    (C2, "open", "2026-03-09T08:00:00Z", "L1", "", ""),
    (C2, "click", "2026-03-09T08:01:00Z", "L1", "https://example.com/b", ""),
    (C2, "unsubscribe", "2026-03-09T08:02:00Z", "L1", "", ""),
    (C2, "sent", "2026-03-08T10:00:00Z", "L5", "", ""),
    (C2, "soft_bounce", "2026-03-08T10:01:00Z", "L5", "", ""),
]  # fmt: skip

GROUP_COLUMNS = ["campaign_id", "campaign_name", "email_id", "email_name"]

# The default report (all time, sent basis, UTC, by campaign × email), worked out by hand:
# C1: sent L1 L2 L3 L4 L6 = 5; delivered L1 L2 L6 = 3 (L2: delivered, and its bot open counts
# while bots are kept); hard bounced L3 = 1; pending L4 = 1 (sent at as-of); opened L1 L2 = 2;
# clicked L1 = 1.  C2: sent L1 L5 = 2; delivered L1 = 1; soft bounced L5 = 1; opened, clicked,
# unsubscribed L1 = 1.
EXPECTED = pd.DataFrame(
    {
        "campaign_id": ["C1", "C2"],
        "campaign_name": ["Spring Sale", "Fall News"],
        "email_id": ["E1", "E2"],
        "email_name": ["Spring Email", "Fall Email"],
        "sent": [5, 2],
        "delivered": [3, 1],
        "hard_bounced": [1, 0],
        "soft_bounced": [0, 1],
        "pending": [1, 0],
        "aborted": [0, 0],
        "opened": [2, 1],
        "clicked": [1, 1],
        "unsubscribed": [0, 1],
        "delivered_pct": [3 / 5, 1 / 2],
        "opened_pct": [2 / 3, 1.0],
        "clicked_pct": [1 / 3, 1.0],
        "click_to_open_pct": [1 / 2, 1.0],
        "unsubscribed_pct": [0.0, 1.0],
    }
)


@pytest.fixture
def data(tmp_path: Path) -> dict[str, Path]:
    """Canonical events, a campaigns table (C2 archived) and a leads table (country)."""
    events = tmp_path / "events.csv"
    with events.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["event_type", "timestamp", "lead_id", "link", "is_bot", *C1])
        for camp, kind, ts, lead, link, bot in EVENTS:
            w.writerow([kind, ts, lead, link, bot, *camp.values()])
    campaigns = tmp_path / "campaigns.csv"
    campaigns.write_text(
        "campaign_id,campaign_name,program,status\n"
        "C1,Spring Sale,Promo,active\nC2,Fall News,News,archived\n"
    )
    leads = tmp_path / "leads.csv"
    leads.write_text("lead_id,country\nL1,SE\nL2,NO\nL3,SE\nL4,US\nL5,US\nL6,SE\n")
    return {"events": events, "campaigns": campaigns, "leads": leads, "dir": tmp_path}


def run(*args: Any) -> Any:
    """Run the command in-process; returns the click Result."""
    return runner.invoke(app, [str(a) for a in args])


def library_table(
    data: dict[str, Path], *, where: dict[str, Any] | None = None, **kw: Any
) -> pd.DataFrame:
    """The table the library gives for the same settings (the CLI must write exactly it)."""
    log = cp.load_events(
        data["events"], campaigns=data["campaigns"], leads=data["leads"], warn=False
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = cp.Report(log, **kw)
        if where:
            rep = rep.where(**where)
    return rep.table()


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={c: str for c in GROUP_COLUMNS})


def assert_same(written: pd.DataFrame, expected: pd.DataFrame) -> None:
    """``written`` (read back from CSV) equals a Report table (dates compared as ISO text)."""
    expected = expected.copy()
    for col in expected.columns:
        if col.startswith("send_"):
            expected[col] = expected[col].map(lambda d: d.isoformat())
    assert list(written.columns) == list(expected.columns)
    pd.testing.assert_frame_equal(
        written.reset_index(drop=True), expected.reset_index(drop=True), check_dtype=False
    )


def report_csv(data: dict[str, Path], *args: Any) -> pd.DataFrame:
    out = data["dir"] / "out.csv"
    res = run("report", data["events"], "--campaigns", data["campaigns"], "--leads",
              data["leads"], *args, "-o", out)  # fmt: skip
    assert res.exit_code == 0, res.output
    return read_csv(out)


def one_error_line(res: Any) -> str:
    """The single ``error:`` line of a failed run (and no traceback anywhere)."""
    assert res.exit_code != 0
    assert "Traceback" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


# -- outputs -------------------------------------------------------------------------------
def test_csv_matches_hand_derived_table_and_library(data: dict[str, Path]) -> None:
    out = data["dir"] / "report.csv"
    res = run("report", data["events"], "-o", out)
    assert res.exit_code == 0, res.output
    assert res.stdout == ""
    assert res.stderr.strip() == f"wrote 2 rows to {out}"
    written = read_csv(out)
    assert list(written.columns) == [*GROUP_COLUMNS, *cp.DEFAULT_COLUMNS]
    pd.testing.assert_frame_equal(written, EXPECTED, check_dtype=False)
    assert_same(written, library_table(data))
    text = out.read_text()
    assert "0.6666666666666666" in text and "0.3333333333333333" in text  # full precision


def test_json_output(data: dict[str, Path]) -> None:
    out = data["dir"] / "report.json"
    res = run("report", data["events"], "-o", out)
    assert res.exit_code == 0, res.output
    records = json.loads(out.read_text(encoding="utf-8"))
    assert records == EXPECTED.to_dict(orient="records")


def test_json_missing_rate_is_null(data: dict[str, Path]) -> None:
    out = data["dir"] / "report.json"
    # only C2 × L5 (US): sent, soft-bounced, so opened % = 0 opened / 0 delivered
    res = run("report", data["events"], "--leads", data["leads"], "--where-lead", "country=US",
              "--where-campaign", "C2", "-o", out)  # fmt: skip
    assert res.exit_code == 0, res.output
    [row] = json.loads(out.read_text())
    assert row["sent"] == 1 and row["delivered"] == 0
    assert row["opened_pct"] is None  # 0 / 0


def test_xlsx_output_has_labels_and_percent_formats(data: dict[str, Path]) -> None:
    out = data["dir"] / "report.xlsx"
    res = run("report", data["events"], "--columns", "sent,opened,opened_pct", "-o", out)
    assert res.exit_code == 0, res.output
    ws = openpyxl.load_workbook(out).active
    assert [c.value for c in ws[1]] == ["Campaign ID", "Campaign", "Email ID", "Email", "Sent",
                                        "Opened", "Opened %"]  # fmt: skip
    assert ws["E2"].value == 5 and ws["G2"].value == 2 / 3
    assert ws["G2"].number_format == "0.0%"
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:G3"


def test_printed_table(data: dict[str, Path]) -> None:
    res = run("report", data["events"])
    assert res.exit_code == 0, res.output
    out = res.stdout
    assert out.startswith("Campaign Email Performance")
    assert "all time" in out and "by sent date" in out
    for label in ("Campaign", "Email", "Sent", "Delivered %", "Opened %", "Clicked to Opened %"):
        assert label in out
    assert "subtotal" not in out  # one email per campaign: its row is its subtotal
    assert "Total" in out
    assert "66.7%" in out  # C1 opened %
    total = next(line for line in out.splitlines() if "Total" in line)
    assert "│    7 │" in total  # right-aligned sent total
    assert "read 19 rows from" in out
    assert "rejected 0 rows" in out
    assert res.stderr == ""


def test_printed_table_empty_frame(data: dict[str, Path]) -> None:
    res = run("report", data["events"], "--time-frame", "2030-01-01..")
    assert res.exit_code == 0, res.output
    assert "No records" in res.stdout and "Total" in res.stdout


# -- options are passed through ------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "settings"),
    [
        (["--time-frame", "2026-03-02..2026-03-02"], {"time_frame": "2026-03-02..2026-03-02"}),
        (["-t", "past 7 days", "--today", "2026-03-08"],
         {"time_frame": "past 7 days", "today": "2026-03-08"}),
        (["-t", "today", "--today", "as_of"], {"time_frame": "today", "today": "as_of"}),
        (["--as-of", "2026-03-05T00:00:00Z"], {"as_of": "2026-03-05T00:00:00Z"}),
        (["--group-by", "day", "--tz", "Europe/Stockholm"],
         {"group_by": ["day"], "tz": "Europe/Stockholm"}),
        (["--group-by", "day"], {"group_by": ["day"]}),
        (["-t", "2026-03-09..2026-03-09", "--basis", "activity"],
         {"time_frame": "2026-03-09..2026-03-09", "basis": "activity"}),
        (["--exclude-bots"], {"exclude_bots": True}),
        (["--exclude-bots", "--proximity-seconds", "3"],
         {"exclude_bots": True, "proximity_seconds": 3}),
        (["--group-by", "program,week"], {"group_by": ["program", "week"]}),
        (["--group-by", "week", "--week-start", "sunday"],
         {"group_by": ["week"], "week_start": "sunday"}),
        (["--group-by", "campaign", "--group-by", "country"],
         {"group_by": ["campaign", "country"]}),
        (["--columns", "sent,opened_pct"], {"columns": ["sent", "opened_pct"]}),
        (["--machine-opens", "exclude", "--columns", "opened,machine_opened"],
         {"machine_opens": "exclude", "columns": ["opened", "machine_opened"]}),
        (["--columns", "total_opens", "--columns", "complained,bounced_pct"],
         {"columns": ["total_opens", "complained", "bounced_pct"]}),
    ],
)  # fmt: skip
def test_options_pass_through(data: dict[str, Path], args: list[str], settings: dict) -> None:
    assert_same(report_csv(data, *args), library_table(data, **settings))


def test_a_bad_bot_list_is_one_error_line_naming_its_file_and_line(
    data: dict[str, Path], tmp_path: Path
) -> None:
    bots = tmp_path / "bots.txt"
    bots.write_text("# scanners\nBarracuda\n(unclosed\n", encoding="utf-8")
    res = run("report", data["events"], "--bot-list", bots, "-o", tmp_path / "out.csv")
    assert res.exit_code != 0
    assert f"{bots}, line 3: '(unclosed' is not a regular expression" in res.output
    assert not (tmp_path / "out.csv").exists()


def test_option_effects_by_hand(data: dict[str, Path]) -> None:
    """A few of the settings above, with values worked out from the rows."""
    days = report_csv(data, "--group-by", "day", "--columns", "sent")
    assert dict(zip(days["send_day"], days["sent"], strict=True)) == {
        "2026-03-02": 4, "2026-03-08": 2, "2026-03-09": 1}  # fmt: skip
    days = report_csv(data, "--group-by", "day", "--columns", "sent", "--tz", "Europe/Stockholm")
    assert dict(zip(days["send_day"], days["sent"], strict=True)) == {
        "2026-03-02": 4, "2026-03-08": 1, "2026-03-09": 2}  # fmt: skip
    weeks = report_csv(data, "--group-by", "week", "--columns", "sent", "--week-start", "sun")
    assert dict(zip(weeks["send_week"], weeks["sent"], strict=True)) == {
        "2026-03-01": 4, "2026-03-08": 3}  # fmt: skip
    weeks = report_csv(data, "--group-by", "week", "--columns", "sent")
    assert dict(zip(weeks["send_week"], weeks["sent"], strict=True)) == {
        "2026-03-02": 6, "2026-03-09": 1}  # fmt: skip
    one_day = report_csv(data, "-t", "2026-03-02..2026-03-02", "--columns", "sent")
    assert one_day["sent"].tolist() == [4]
    bots = report_csv(data, "--exclude-bots", "--columns", "opened,opened_pct")
    assert bots["opened"].tolist() == [1, 1]
    assert bots["opened_pct"].iloc[0] == 1 / 3
    activity = report_csv(data, "-t", "2026-03-09..2026-03-09", "--basis", "activity",
                          "--columns", "sent,opened,unsubscribed")  # fmt: skip
    assert activity[["sent", "opened", "unsubscribed"]].values.tolist() == [[1, 0, 0], [0, 1, 1]]
    early = report_csv(data, "--as-of", "2026-03-05T00:00:00Z", "--columns", "sent")
    assert early["campaign_id"].tolist() == ["C1"] and early["sent"].tolist() == [4]


@pytest.mark.parametrize(
    ("args", "where", "campaigns"),
    [
        (["--where-campaign", "C2"], {"campaigns": ["C2"]}, ["C2"]),
        (["--where-campaign", "Spring Sale", "--where-campaign", "C2"],
         {"campaigns": ["Spring Sale", "C2"]}, ["C1", "C2"]),
        (["--where-program", "Promo"], {"programs": ["Promo"]}, ["C1"]),
        (["--where-email", "Fall Email"], {"emails": ["Fall Email"]}, ["C2"]),
        (["--campaign-status", "archived"], {"campaign_status": ["archived"]}, ["C2"]),
        (["--where-lead", "country=SE,NO"], {"leads": {"country": ["SE", "NO"]}}, ["C1", "C2"]),
        (["--where-lead", "country=US"], {"leads": {"country": ["US"]}}, ["C1", "C2"]),
    ],
)  # fmt: skip
def test_filters_pass_through(
    data: dict[str, Path], args: list[str], where: dict, campaigns: list[str]
) -> None:
    written = report_csv(data, *args)
    assert written["campaign_id"].tolist() == campaigns
    assert_same(written, library_table(data, where=where))


def test_lead_filter_by_hand(data: dict[str, Path]) -> None:
    se = report_csv(data, "--where-lead", "country=SE", "--columns", "sent")
    assert se["sent"].tolist() == [3, 1]  # C1: L1 L3 L6; C2: L1


def test_proximity_without_exclude_bots_is_a_note(data: dict[str, Path]) -> None:
    res = run("report", data["events"], "--proximity-seconds", "1", "-o", data["dir"] / "o.csv")
    assert res.exit_code == 0, res.output
    notes = [line for line in res.stderr.splitlines() if line.startswith("note: ")]
    assert len(notes) == 1 and "--exclude-bots" in notes[0]
    assert "Warning" not in res.output


# -- rejected rows -------------------------------------------------------------------------
@pytest.fixture
def messy(data: dict[str, Path]) -> Path:
    path = data["dir"] / "messy.csv"
    path.write_text(
        "event_type,timestamp,campaign_id,email_id,lead_id\n"
        "open,not a time,C1,E1,L1\n"
        "click,2026-03-03T10:00:00Z,C1,E1,L99\n"
    )
    return path


def test_rejected_rows_note_and_ledger(data: dict[str, Path], messy: Path) -> None:
    ledger = data["dir"] / "rejected.csv"
    out = data["dir"] / "out.csv"
    res = run("report", data["events"], messy, "-o", out, "--rejected", ledger)
    assert res.exit_code == 0, res.output
    lines = res.stderr.strip().splitlines()
    assert lines[0] == f"wrote 2 rows to {out}"
    assert len(lines) == 2 and lines[1].startswith("note: 2 of 21 rows were not counted")
    assert str(ledger) in lines[1]
    rejected = pd.read_csv(ledger)
    assert len(rejected) == 2
    assert {"source", "row", "reason"} <= set(rejected.columns)
    assert "Warning" not in res.output


def test_rejected_rows_note_without_ledger(data: dict[str, Path], messy: Path) -> None:
    res = run("report", data["events"], messy, "-o", data["dir"] / "out.csv")
    assert res.exit_code == 0, res.output
    assert "--rejected" in res.stderr.splitlines()[-1]


def test_rejected_rows_in_printed_summary(data: dict[str, Path], messy: Path) -> None:
    res = run("report", data["events"], messy)
    assert res.exit_code == 0, res.output
    assert "rejected 2 rows (see them with --rejected FILE.csv)" in res.stdout
    assert "unparseable timestamp" in res.stdout


def test_glob_of_events(data: dict[str, Path], messy: Path) -> None:
    (data["dir"] / "ev").mkdir()
    data["events"].rename(data["dir"] / "ev" / "a.csv")
    messy.rename(data["dir"] / "ev" / "b.csv")
    out = data["dir"] / "o.csv"
    res = run("report", data["dir"] / "ev" / "*.csv", "--columns", "sent", "-o", out)
    assert res.exit_code == 0, res.output
    assert read_csv(out)["sent"].tolist() == [5, 2]


# -- errors --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["missing.csv"], 1, "no such file"),
        (["{bad}"], 1, "missing required column"),
        (["{events}", "-t", "last fortnight"], 2, "unknown time frame"),
        (["{events}", "--columns", "sent,bogus"], 2, "unknown metric 'bogus'"),
        (["{events}", "--columns", ","], 2, "--columns"),
        (["{events}", "--group-by", "planet"], 2, "unknown group 'planet'"),
        (["{events}", "--where-lead", "country"], 2, "ATTRIBUTE=VALUE"),
        (["{events}", "--where-lead", "=SE"], 2, "ATTRIBUTE=VALUE"),
        (["{events}", "--where-lead", "country="], 2, "ATTRIBUTE=VALUE"),
        (["{events}", "--where-lead", "country=SE"], 2, "unknown lead attribute"),
        (["{events}", "--tz", "Mars/Base"], 2, "unknown time zone"),
        (["{events}", "--week-start", "funday"], 2, "unknown week start"),
        (["{events}", "--basis", "receipt"], 2, "--basis"),
        (["{events}", "--campaign-status", "paused"], 2, "--campaign-status"),
        (["{events}", "--today", "2026-13-01"], 2, "today"),
        (["{events}", "--as-of", "whenever"], 2, "as_of"),
        (["{events}", "--proximity-seconds", "9"], 2, "--proximity-seconds"),
        (["{events}", "--nope"], 2, "No such option"),
        (["{events}", "--source", "carrier-pigeon"], 2, "unknown source"),
        (["{events}", "-o", "out.txt"], 2, ".csv, .json, .xlsx"),
        (["{events}", "-o", "{dir}/no/such/dir/out.csv"], 1, "cannot be written"),
        (["{events}", "--rejected", "{dir}/no/such/dir/r.csv"], 1, "cannot be written"),
        ([], 2, "Missing argument"),
    ],
)  # fmt: skip
def test_errors_are_one_line(data: dict[str, Path], args: list[str], code: int, words: str) -> None:
    bad = data["dir"] / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    fill = {"events": data["events"], "bad": bad, "dir": data["dir"]}
    res = run("report", *[a.format(**fill) for a in args])
    line = one_error_line(res)
    assert res.exit_code == code, res.output
    assert words in line


def test_unknown_command(data: dict[str, Path]) -> None:
    res = run("repot")
    assert res.exit_code == 2
    assert "Did you mean 'report'" in one_error_line(res)


# -- help, version, sample -----------------------------------------------------------------
def test_help_and_version() -> None:
    res = run("--help")
    assert res.exit_code == 0
    assert "report" in res.stdout and "sample" in res.stdout and "Exit codes" in res.stdout
    res = run("report", "--help")
    assert res.exit_code == 0
    for option in ("--time-frame", "--group-by", "--where-lead", "--rejected", "Exit codes"):
        assert option in res.stdout
    res = run("--version")
    assert res.exit_code == 0 and res.stdout.strip() == f"campaign-perf {cp.__version__}"
    assert run().exit_code == 2  # no command: the help, as a usage error


def test_sample_writes_the_files(tmp_path: Path) -> None:
    out = tmp_path / "sample"
    res = run("sample", out, "--events", 5000, "--seed", 3)
    assert res.exit_code == 0, res.output
    names = {"events.parquet", "campaigns.csv", "emails.parquet", "leads.parquet"}
    assert names <= {p.name for p in out.iterdir()}
    for name in names:
        assert name in res.stdout
    log = cp.load_events(out / "events.parquet", warn=False)
    assert 4000 < len(log) < 6000


def test_sample_bad_events() -> None:
    res = run("sample", "x", "--events", "0")
    assert res.exit_code == 2
    assert "--events" in one_error_line(res)


# -- the installed console script ----------------------------------------------------------
def test_console_script(data: dict[str, Path]) -> None:
    script = Path(sys.executable).parent / "campaign-perf"
    if not script.exists():
        pytest.skip("the campaign-perf console script is not installed")
    out = data["dir"] / "script.csv"
    env = {**os.environ, "COLUMNS": "200"}
    done = subprocess.run(
        [script, "report", data["events"], "-o", out], capture_output=True, text=True, env=env,
        check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == f"wrote 2 rows to {out}"
    pd.testing.assert_frame_equal(read_csv(out), EXPECTED, check_dtype=False)
    failed = subprocess.run(
        [script, "report", data["events"], "-t", "someday"], capture_output=True, text=True,
        env=env, check=False, timeout=120,
    )  # fmt: skip
    assert failed.returncode == 2
    assert failed.stdout == ""
    assert (
        failed.stderr.startswith("error: unknown time frame") and "Traceback" not in failed.stderr
    )
    assert len(failed.stderr.strip().splitlines()) == 1


def test_narrow_terminal_splits_columns_without_cutting_numbers(data: dict[str, Path]) -> None:
    env = {"TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "0", "COLUMNS": "80", "NO_COLOR": "1"}
    res = runner.invoke(app, ["report", str(data["events"])], env=env)
    assert res.exit_code == 0, res.output
    stdout = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", res.stdout)  # styles
    lines = stdout.splitlines()
    table_lines = [line for line in lines if line[:1] in "┏┃┡│├└"]
    assert table_lines and all(len(line) <= 80 for line in table_lines)
    assert "…" not in stdout
    assert sum("Total" in line for line in lines) >= 2  # several tables, each with its total
    for label in ("Sent", "Opened", "Unsubscribed"):
        assert label in stdout
    assert "66.7%" in stdout


def test_metric_option_defines_a_metric_that_lands_in_the_output(
    data: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "r.csv"
    with cp.registry_snapshot():
        engaged = "engaged_pct=(clicked + unsubscribed) / delivered"
        res = run(
            "report", data["events"], "--metric", engaged, "--group-by", "campaign", "-o", out
        )
        assert res.exit_code == 0, res.output
        table = pd.read_csv(out)
        rep = cp.Report(cp.load_events(data["events"], warn=False)).by("campaign")
        expected = rep.table()
    engaged = (expected["clicked"] + expected["unsubscribed"]) / expected["delivered"]
    assert table["engaged_pct"].tolist() == pytest.approx(engaged.tolist())
    assert list(table.columns[-1:]) == ["engaged_pct"]


def test_a_bad_metric_is_a_usage_error(data: dict[str, Path]) -> None:
    with cp.registry_snapshot():
        res = run("report", data["events"], "--metric", "x=clicked /")
    assert res.exit_code == 2
    assert res.stderr.startswith("error:") and "Traceback" not in res.output


def test_printed_report_starts_with_the_headline(data: dict[str, Path]) -> None:
    res = run("report", data["events"], "--time-frame", "all time")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert "No previous period: the time frame is open." in lines[1]
    header = next(line for line in lines if "Delivered %" in line)
    assert lines.index(header) < next(i for i, line in enumerate(lines) if "┃ Campaign" in line)
    rep = cp.Report(cp.load_events(data["events"], warn=False), time_frame="all time")
    for item in strip_items(rep.kpis()):
        assert item["label"] in header
        assert item["text"] in res.stdout


# -- a grouping by where emails were read (RULES.md section 9) --------------------------------
OUTLOOK = "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.4266; Pro)"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148"
)


@pytest.fixture
def read_on(tmp_path: Path) -> Path:
    """L1 opens on an iPhone (Apple Mail) and in Outlook, L2 in Outlook, L3 not at all."""
    events = tmp_path / "read_on.csv"
    rows = [("sent", "2026-03-02T09:00:00Z", lead, "") for lead in ("L1", "L2", "L3")]
    rows += [
        ("open", "2026-03-02T10:00:00Z", "L1", IPHONE),
        ("open", "2026-03-02T11:00:00Z", "L1", OUTLOOK),
        ("open", "2026-03-02T12:00:00Z", "L2", OUTLOOK),
    ]
    with events.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["event_type", "timestamp", "lead_id", "user_agent", "campaign_id", "email_id"])
        w.writerows([*r, "C1", "E1"] for r in rows)
    return events


def test_printed_table_by_client_shows_share_of_opened_and_the_note(read_on: Path) -> None:
    res = run("report", read_on, "--group-by", "client", "--columns", "sent,opened")
    assert res.exit_code == 0, res.output
    out = res.stdout
    assert "Share of Opened" in out
    lines = [[c.strip() for c in re.split("[│┃]", line)[1:-1]] for line in out.splitlines()]
    table = [cells for cells in lines if cells]  # the headline's table, then the report's
    header, *rows = table[next(i for i, c in enumerate(table) if c[0] == "Client") :]
    assert header == ["Client", "Sent", "Opened", "Share of Opened"]
    # Apple Mail: L1 of the 2 who opened; Outlook: L1 and L2; sends are not split (–)
    assert rows == [
        ["Apple Mail", "–", "1", "50.0%"],
        ["Outlook", "–", "2", "100.0%"],
        ["Total", "3", "2", "100.0%"],
    ]
    assert "counts under both" in " ".join(out.split())


def test_csv_by_client_has_share_of_opened_as_the_library(read_on: Path) -> None:
    out = read_on.parent / "by_client.csv"
    res = run("report", read_on, "--group-by", "client", "-o", out)
    assert res.exit_code == 0, res.output
    written = pd.read_csv(out)
    rep = cp.Report(cp.load_events(read_on, warn=False)).by("client")
    assert list(written.columns) == list(rep.table().columns)
    assert dict(zip(written["client"], written["share_of_opened"], strict=True)) == {
        "Apple Mail": 0.5,
        "Outlook": 1.0,
    }


def test_xlsx_by_client_formats_share_of_opened_as_a_percentage(read_on: Path) -> None:
    out = read_on.parent / "by_client.xlsx"
    res = run("report", read_on, "--group-by", "client", "-o", out)
    assert res.exit_code == 0, res.output
    ws = openpyxl.load_workbook(out).active
    header = [c.value for c in ws[1]]
    col = header.index("Share of Opened") + 1
    assert ws.cell(2, col).value == 0.5 and ws.cell(2, col).number_format == "0.0%"
