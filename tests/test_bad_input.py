"""Hostile or careless input: one clear error (a CampaignPerfError, or one ``error:`` line
from the command) instead of a traceback, a leak or a silently wrong load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
