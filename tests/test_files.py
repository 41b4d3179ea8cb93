"""Every file the package writes is replaced whole or not at all (campaign_perf.files).

Each test writes a good file, then makes the writer fail half way (as a full disk would)
and checks that the good file is still there, unchanged, with nothing left beside it.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import campaign_perf as cp
from campaign_perf.files import atomic_path, same_file
from campaign_perf.views.export import write_report


def disk_full(*args: Any, **kwargs: Any) -> None:
    """A writer that writes a little to its target, then fails as a full disk does."""
    target = next((a for a in (*args, *kwargs.values()) if isinstance(a, str | os.PathLike)), None)
    if target is not None:
        Path(target).write_bytes(b"partial")
    raise OSError(errno.ENOSPC, "No space left on device")


def assert_intact(path: Path, before: bytes) -> None:
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


@pytest.fixture
def log() -> cp.EventLog:
    events = pd.DataFrame(
        {
            "event_type": ["sent", "open", "bogus"],
            "timestamp": ["2026-03-02 09:00", "2026-03-02 10:00", "2026-03-02 11:00"],
            "campaign_id": "C1",
            "email_id": "E1",
            "lead_id": "L1",
        }
    )
    return cp.load_events(events, warn=False)


def test_atomic_path_replaces_whole_or_not_at_all(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    out.write_text("good")
    out.chmod(0o640)
    with pytest.raises(OSError), atomic_path(out) as tmp:
        assert tmp.parent == out.parent and tmp.name.endswith(".out.txt")
        disk_full(tmp)
    assert_intact(out, b"good")
    with atomic_path(out) as tmp:
        tmp.write_text("new")
    assert out.read_text() == "new"
    assert out.stat().st_mode & 0o777 == 0o640  # the replaced file's permissions
    assert_intact(out, b"new")


def test_atomic_path_writes_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    with atomic_path(link) as tmp:
        tmp.write_text("new")
    assert link.is_symlink() and real.read_text() == "new"


def test_same_file_sees_links(tmp_path: Path) -> None:
    a = tmp_path / "a.csv"
    a.write_text("x")
    (tmp_path / "soft.csv").symlink_to(a)
    os.link(a, tmp_path / "hard.csv")
    (tmp_path / "other.csv").write_text("x")
    assert same_file(a, tmp_path / "soft.csv") and same_file(a, tmp_path / "hard.csv")
    assert not same_file(a, tmp_path / "other.csv")
    assert not same_file(a, tmp_path / "missing.csv")


@pytest.mark.parametrize(
    ("suffix", "target"),
    [
        (".csv", "campaign_perf.views.export._rows"),  # after the header is written
        (".json", "json.dump"),
        (".xlsx", "openpyxl.Workbook.save"),
    ],
)
def test_report_export_failure_keeps_the_previous_file(
    log: cp.EventLog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str, target: str
) -> None:
    rep = cp.Report(log)
    out = write_report(rep, tmp_path / f"out{suffix}")
    before = out.read_bytes()
    monkeypatch.setattr(target, disk_full)
    with pytest.raises(OSError, match="No space"):
        write_report(rep, out)
    assert_intact(out, before)


def test_html_report_failure_keeps_the_previous_file(
    log: cp.EventLog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rep = cp.Report(log)
    out = rep.write_html(tmp_path / "report.html", plotlyjs="cdn")
    before = out.read_bytes()
    monkeypatch.setattr("pathlib.Path.write_text", disk_full)
    with pytest.raises(OSError, match="No space"):
        rep.write_html(out, plotlyjs="cdn")
    assert_intact(out, before)


@pytest.mark.parametrize(
    ("name", "target"),
    [
        ("rejected.csv", "pandas.DataFrame.to_csv"),
        ("rejected.parquet", "pandas.DataFrame.to_parquet"),
    ],
)
def test_ledger_failure_keeps_the_previous_file(
    log: cp.EventLog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, target: str
) -> None:
    out = log.write_rejected(tmp_path / name)
    before = out.read_bytes()
    monkeypatch.setattr(target, disk_full)
    with pytest.raises(OSError, match="No space"):
        log.write_rejected(out)
    assert_intact(out, before)


def test_sample_failure_keeps_the_previous_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from campaign_perf.sample import write_sample

    paths = write_sample(tmp_path, 2_000, messy=False)
    before = {p: p.read_bytes() for p in paths.values()}
    monkeypatch.setattr("pyarrow.parquet.write_table", disk_full)
    with pytest.raises(OSError, match="No space"):
        write_sample(tmp_path, 2_000, messy=False)
    assert {p: p.read_bytes() for p in paths.values()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths.values())


def test_a_missing_folder_is_named_as_the_target(tmp_path: Path) -> None:
    out = tmp_path / "no" / "such" / "out.csv"
    with pytest.raises(FileNotFoundError) as err, atomic_path(out):
        pass
    assert err.value.filename == str(out)
