"""Hostile or careless input: one clear error (a CampaignPerfError, or one ``error:`` line
from the command) instead of a traceback, a leak or a silently wrong load."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

import campaign_perf as cp
from campaign_perf.cli import app

runner = CliRunner()

EVENTS = (
    "event_type,timestamp,campaign_id,email_id,lead_id\n"
    "sent,2026-03-02T09:00:00Z,C1,E1,L1\n"
    "open,2026-03-02T10:00:00Z,C1,E1,L1\n"
)


def run(*args: Any) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def one_error_line(res: Any) -> str:
    """The single ``error:`` line of a failed run (and no traceback anywhere)."""
    assert res.exit_code != 0
    assert "Traceback" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.fixture
def events(tmp_path: Path) -> Path:
    path = tmp_path / "events.csv"
    path.write_text(EVENTS)
    return path


# -- 1. an emails table's html may only name files in its own folder ------------------------
@pytest.fixture
def outside(tmp_path: Path) -> dict[str, Path]:
    """An emails folder, a private file beside it and a link from inside to the private file."""
    folder = tmp_path / "emails"
    folder.mkdir()
    private = tmp_path / "private"
    private.mkdir()
    secret = private / "x.html"
    secret.write_text("<p>SECRET salary list</p>")
    (folder / "inside.html").write_text("<p>Launch day</p>")
    (folder / "passwd.html").symlink_to(secret)
    return {"folder": folder, "secret": secret}


@pytest.mark.parametrize("value", ["../private/x.html", "{secret}", "passwd.html"])
def test_html_outside_the_emails_folder_is_refused(
    events: Path, outside: dict[str, Path], value: str
) -> None:
    table = outside["folder"] / "emails.csv"
    value = value.format(secret=outside["secret"])
    table.write_text(f"email_id,email_name,html\nE0,Inside,inside.html\nE1,Launch,{value}\n")
    with pytest.raises(cp.LoadError) as err:
        cp.load_events(events, emails=table)
    message = str(err.value)
    assert str(table) in message and "row 2" in message and value in message
    assert "SECRET" not in message


def test_html_inside_the_emails_folder_is_read(events: Path, outside: dict[str, Path]) -> None:
    table = outside["folder"] / "emails.csv"
    table.write_text("email_id,email_name,html\nE1,Launch,inside.html\nE2,Other,<b>x</b>\n")
    log = cp.load_events(events, emails=table)
    html = dict(zip(log.emails["email_id"], log.emails["html"], strict=True))
    assert html == {"E1": "<p>Launch day</p>", "E2": "<b>x</b>"}


def test_html_outside_the_folder_is_one_error_line_in_the_command(
    events: Path, outside: dict[str, Path], tmp_path: Path
) -> None:
    table = outside["folder"] / "emails.csv"
    table.write_text("email_id,email_name,html\nE1,Launch,../private/x.html\n")
    out = tmp_path / "report.html"
    res = run("report", events, "--emails", table, "-o", out, "--plotlyjs", "cdn")
    line = one_error_line(res)
    assert res.exit_code == 1
    assert "../private/x.html" in line and "row 1" in line
    assert not out.exists()


# -- 8. one error instead of a traceback ----------------------------------------------------
def test_deeply_nested_json_is_one_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(cp.LoadError, match=r"deep\.json.*nested"):
        cp.load_events(path)
    assert "nested" in one_error_line(run("report", path))


def test_deeply_nested_json_lines_are_one_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.jsonl"
    path.write_text('{"event": "open"}\n' + "[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(cp.LoadError, match=r"deep\.jsonl.*nested"):
        cp.load_events(path, source="sendgrid")


def test_a_symlink_loop_is_one_error(tmp_path: Path) -> None:
    (tmp_path / "a.csv").symlink_to(tmp_path / "b.csv")
    (tmp_path / "b.csv").symlink_to(tmp_path / "a.csv")
    with pytest.raises(cp.LoadError, match=r"a\.csv"):
        cp.load_events(tmp_path / "a.csv")
    assert "a.csv" in one_error_line(run("report", tmp_path / "a.csv"))


@pytest.mark.parametrize(
    "value", ["infinity", "-infinity", "0001-01-01T00:00:00Z", "294247-01-01T00:00:00Z"]
)
def test_impossible_timestamps_go_to_the_ledger(tmp_path: Path, value: str) -> None:
    path = tmp_path / "events.csv"
    path.write_text(EVENTS + f"click,{value},C1,E1,L1\n")
    log = cp.load_events(path, warn=False)
    assert len(log) == 2
    assert log.rejected["row"].tolist() == [3]
    # The reason names the plausible window (RULES: before 1990, or after the load); the
    # raw value stays in the ledger's own column.
    reason = log.rejected["reason"].iloc[0]
    assert reason.startswith(("timestamp before 1990-01-01", "timestamp more than a day after"))
    assert log.rejected["timestamp"].iloc[0] == value
    assert log.summary().last_event == pd.Timestamp("2026-03-02T10:00:00Z")
    assert cp.Report(log).table()["sent"].tolist() == [1]


@pytest.mark.parametrize("zone", ["posixrules", "right/UTC", "localtime"])
def test_zones_the_engine_does_not_know_are_refused(events: Path, zone: str) -> None:
    with pytest.raises(cp.TimeFrameError, match="time zone"):
        cp.load_events(events, tz=zone)
    log = cp.load_events(events)
    with pytest.raises(cp.TimeFrameError, match="time zone"):
        cp.Report(log, tz=zone)
    res = run("report", events, "--tz", zone)
    assert "time zone" in one_error_line(res) and res.exit_code == 2


@pytest.mark.parametrize("frame", ["last month", "last quarter", "last year", "last week"])
def test_a_today_at_the_start_of_time_is_one_error(events: Path, frame: str) -> None:
    log = cp.load_events(events)
    with pytest.raises(cp.TimeFrameError, match="0001-01-0"):
        cp.Report(log, time_frame=frame, today="0001-01-03").table()
    res = run("report", events, "-t", frame, "--today", "0001-01-03")
    assert res.exit_code == 2
    assert "0001-01-03" in one_error_line(res)


@pytest.mark.parametrize(
    ("source", "key", "value"),
    [
        ("sendgrid", "timestamp", 99_999_999_999),  # the year 5138 as seconds
        ("sendgrid", "timestamp", float("inf")),
        ("sendgrid", "timestamp", -(2**63)),
        ("postmark", "DeliveredAt", "0001-01-01T00:00:00Z"),
        ("postmark", "DeliveredAt", "9999-12-31T00:00:00"),
    ],
)
def test_impossible_source_timestamps_go_to_the_ledger(source: str, key: str, value: Any) -> None:
    from campaign_perf.sources import read_source

    if source == "sendgrid":
        good = {"event": "processed", "email": "a@x.org", "sg_event_id": "1", "timestamp": 1.7e9}
        items = [good, {**good, "sg_event_id": "2", key: value}]
    else:
        good = {"RecordType": "Delivery", "Recipient": "a@x.org", "MessageID": "m",
                "DeliveredAt": "2026-03-02T09:00:00Z"}  # fmt: skip
        items = [good, {**good, key: value}]
    data = read_source(items, source, tz="Europe/Paris")
    assert data.rejected["row"].tolist() == [2]
    assert data.rejected["reason"].iloc[0].startswith("unparseable timestamp")


# -- 10. settings are checked, not coerced -------------------------------------------------
@pytest.mark.parametrize("value", ["false", "no", 0, 1, None, "True"])
def test_exclude_bots_must_be_a_boolean(events: Path, value: Any) -> None:
    log = cp.load_events(events)
    with pytest.raises(cp.ReportError, match=f"exclude_bots must be True or False, not {value!r}"):
        cp.Report(log, exclude_bots=value)
    with pytest.raises(cp.ReportError, match="exclude_bots"):
        cp.Report(log).with_bots(value)


def test_exclude_bots_takes_numpy_booleans(events: Path) -> None:
    import numpy as np

    log = cp.load_events(events)
    assert cp.Report(log, exclude_bots=np.bool_(True)).exclude_bots is True


# -- 11. errors that say what is wrong -----------------------------------------------------
HEADER = "event_type,timestamp,campaign_id,email_id,lead_id\n"
SENT = "sent,2026-03-02T09:00:00Z,C1,E1,L{}\n"


def test_a_ragged_row_goes_to_the_ledger_and_the_rest_loads(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    rows = [SENT.format(i) for i in range(30_000)]
    rows += [
        "sent,2026-03-02T09:00:00Z,C1,E1,L1,EXTRA\n",
        SENT.format("last"),
        "bogus,x,C1,E1,L1\n",
    ]
    path.write_text(HEADER + "".join(rows))
    log = cp.load_events(path, warn=False)
    assert len(log) == 30_001
    assert log.summary().rows_read == 30_003
    ledger = log.rejected.set_index("row")["reason"].to_dict()
    assert set(ledger) == {30_001, 30_003}  # data rows: the header is not counted
    assert "6" in ledger[30_001] and "column" in ledger[30_001]
    assert ledger[30_003].startswith("unknown event_type 'bogus'")
    assert log.events["row"].iloc[-1] == 30_002  # rows after the ragged one keep their number
    assert log.events["lead_id"].iloc[-1] == "Llast"


def test_ragged_rows_after_a_multi_line_field_keep_their_numbers(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text(
        HEADER
        + SENT.format(1)
        + 'sent,2026-03-02T09:00:00Z,C1,"E\n1",L2\n'
        + "sent,2026-03-02T09:00:00Z,C1,E1\n"  # a column short
        + SENT.format(4)
        + "a,b,c,d,e,f,g\n"
        + SENT.format(6)
    )
    log = cp.load_events(path, warn=False)
    assert log.events["lead_id"].tolist() == ["L1", "L2", "L4", "L6"]
    assert log.events["row"].tolist() == [1, 2, 4, 6]
    assert log.rejected["row"].tolist() == [3, 5]


@pytest.mark.parametrize("name", ["big.csv", "big.csv.gz", "big.json"])
def test_an_over_long_line_is_named_not_an_unknown_source(tmp_path: Path, name: str) -> None:
    import gzip
    import json

    path = tmp_path / name
    if name.endswith(".json"):
        record = {"event_type": "sent", "timestamp": "2026-03-02T09:00:00Z",
                  "campaign_id": "C1", "email_id": "E1", "lead_id": "L" * 40_000_000}  # fmt: skip
        text = json.dumps([record])
    else:
        text = HEADER + SENT.format(1) + "open,2026-03-02T10:00:00Z,C1,E1," + "L" * 40_000_000
    if name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode(), compresslevel=1))
    else:
        path.write_text(text)
    with pytest.raises(cp.LoadError) as err:
        cp.load_events(path)
    message = str(err.value)
    assert message.startswith(str(path))
    assert "cannot tell the source" not in message
    assert "bytes" in message


def test_a_file_name_with_brackets_is_read_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "events[1].csv"
    path.write_text(EVENTS)
    assert len(cp.load_events(path)) == 2
    assert run("report", path).exit_code == 0


@pytest.mark.parametrize("name", ["bad.csv.gz", "bad.jsonl.gz", "bad.json.gz", "bad.gz"])
def test_a_broken_gzip_file_is_named(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(cp.LoadError, match=name.replace(".", r"\.")):
        cp.load_events(path)
    assert name in one_error_line(run("report", path))


# -- 12. an id is one value, never a list or an object -------------------------------------
NOT_ONE_ID = "is a list or an object, not one id"


def test_list_and_object_ids_in_json_lines_are_rejected_per_row(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    record = {"event_type": "sent", "timestamp": "2026-03-02T09:00:00Z", "campaign_id": "C1",
              "email_id": "E1", "lead_id": "L0"}  # fmt: skip
    rows = [record, {**record, "lead_id": ["L1", "L2"]}, {**record, "campaign_id": {"a": 1}},
            {**record, "lead_id": "L3", "email_id": ""}]  # fmt: skip
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    log = cp.load_events(path, warn=False)
    assert log.events[["campaign_id", "email_id", "lead_id"]].values.tolist() == [
        ["C1", "E1", "L0"]
    ]
    reasons = log.rejected.set_index("row")["reason"].to_dict()
    assert reasons == {
        2: f"lead_id {NOT_ONE_ID}",
        3: f"campaign_id {NOT_ONE_ID}",
        4: "missing email_id",
    }


def test_a_column_of_lists_is_rejected_per_row(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "event_type": ["sent", "sent"],
            "timestamp": ["2026-03-02"] * 2,
            "campaign_id": "C1",
            "email_id": "E1",
            "lead_id": [["L1", "L2"], ["L3"]],
        }
    )
    log = cp.load_events(df, warn=False)
    assert len(log) == 0
    assert log.rejected["reason"].tolist() == [f"lead_id {NOT_ONE_ID}"] * 2


def test_list_ids_in_a_source_payload_are_rejected_per_item() -> None:
    from campaign_perf.sources import read_source

    good = {"event": "processed", "email": "a@x.org", "sg_event_id": "1", "timestamp": 1.7e9}
    data = read_source([good, {**good, "email": ["b@x.org", "c@x.org"], "sg_event_id": "2"}],
                       "sendgrid")  # fmt: skip
    assert data.events["lead_id"].tolist() == ["a@x.org"]
    assert data.rejected[["row", "reason"]].values.tolist() == [[2, f"lead_id {NOT_ONE_ID}"]]
