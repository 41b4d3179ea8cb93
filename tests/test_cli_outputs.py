"""The command never writes over its inputs, and ``sample`` never over a data set."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from campaign_perf.cli import app

runner = CliRunner()

EVENTS = (
    "event_type,timestamp,campaign_id,email_id,lead_id\n"
    "sent,2026-03-02T09:00:00Z,C1,E1,L1\n"
    "open,2026-03-02T10:00:00Z,C1,E1,L1\n"
    "bogus,2026-03-02T10:00:00Z,C1,E1,L1\n"
)


def run(*args: Any) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def one_error_line(res: Any) -> str:
    assert "Traceback" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    events = tmp_path / "events.csv"
    events.write_text(EVENTS)
    emails = tmp_path / "emails.csv"
    emails.write_text("email_id,email_name\nE1,Welcome\n")
    (tmp_path / "soft.csv").symlink_to(events)
    os.link(events, tmp_path / "hard.csv")
    return {"events": events, "emails": emails, "dir": tmp_path}


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["-o", "{events}"], "-o"),
        (["-o", "{soft}"], "-o"),
        (["-o", "{hard}"], "-o"),
        (["--rejected", "{events}"], "--rejected"),
        (["--rejected", "{soft}"], "--rejected"),
        (["--rejected", "{emails}"], "--rejected"),
        (["-o", "{dir}/x.csv", "--rejected", "{dir}/x.csv"], "--rejected"),
        (["-o", "{dir}/x.csv", "--rejected", "{dir}/./x.csv"], "--rejected"),
    ],
)
def test_an_output_that_is_an_input_is_refused(
    files: dict[str, Path], args: list[str], option: str
) -> None:
    fill = {k: str(v) for k, v in files.items()} | {
        "soft": str(files["dir"] / "soft.csv"),
        "hard": str(files["dir"] / "hard.csv"),
    }
    before = {p.name: p.read_bytes() for p in files["dir"].iterdir()}
    res = run(
        "report", files["events"], "--emails", files["emails"], *[a.format(**fill) for a in args]
    )
    line = one_error_line(res)
    assert res.exit_code == 2
    assert option in line
    assert {p.name: p.read_bytes() for p in files["dir"].iterdir()} == before


def test_an_output_into_a_glob_of_inputs_is_refused(files: dict[str, Path]) -> None:
    res = run("report", f"{files['dir']}/*.csv", "-o", files["emails"])
    assert res.exit_code == 2
    assert "-o" in one_error_line(res)


def test_sample_refuses_a_folder_that_holds_files(tmp_path: Path) -> None:
    (tmp_path / "events.parquet").write_bytes(b"my data")
    res = run("sample", tmp_path, "--events", 2000)
    assert res.exit_code == 2
    line = one_error_line(res)
    assert "--force" in line and str(tmp_path) in line
    assert (tmp_path / "events.parquet").read_bytes() == b"my data"
    res = run("sample", tmp_path, "--events", 2000, "--force")
    assert res.exit_code == 0, res.output
    assert (tmp_path / "events.parquet").read_bytes() != b"my data"


def test_sample_writes_into_an_empty_folder(tmp_path: Path) -> None:
    res = run("sample", tmp_path, "--events", 2000)
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("n", ["99999999999999", "5"])
def test_sample_refuses_an_impossible_size_with_the_reason(tmp_path: Path, n: str) -> None:
    res = run("sample", tmp_path / "out", "--events", n)
    assert res.exit_code == 2
    line = one_error_line(res)
    assert "--events" in line
    assert not (tmp_path / "out").exists()
