"""Progress of a long load or report: a bar with a percentage and rows per second.

The bar waits two seconds before it shows; these tests set the wait to 0 s so that a
sample-sized load is "long". No assertion is on time.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import nbformat
import pytest
from nbclient import NotebookClient
from rich.console import Console
from typer.testing import CliRunner

import campaign_perf as cp
from campaign_perf.cli import app
from campaign_perf.engine import progress

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "events.parquet"
PERCENT = re.compile(r"\b\d{1,3}%")


@pytest.fixture
def no_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every load is long enough for a bar; the engine's progress is read often."""
    monkeypatch.setattr(progress, "DELAY_SECONDS", 0.0)
    monkeypatch.setattr(progress, "POLL_SECONDS", 0.005)
    monkeypatch.delenv(progress.ENV_VAR, raising=False)


class Recorder:
    """A bar that keeps every update it is shown."""

    made: ClassVar[list[Recorder]] = []

    def __init__(self) -> None:
        self.updates: list[progress.Update] = []
        self.closed = False
        Recorder.made.append(self)

    def show(self, update: progress.Update) -> None:
        self.updates.append(update)

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def recorded() -> Iterator[list[Recorder]]:
    Recorder.made = []
    with progress.shown_by(Recorder):
        yield Recorder.made


def terminal() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=True, width=120), out


class ScriptedEngine:
    """A connection whose progress follows a script: two queries, then done."""

    def __init__(self, script: list[float]) -> None:
        self.script = list(script)
        self.done = threading.Event()

    def query_progress(self) -> float:
        if not self.script:
            self.done.set()
            return -1.0
        return self.script.pop(0)


def test_a_long_query_shows_its_percentage_pass_and_rows_per_second(
    no_wait: None, recorded: list[Recorder]
) -> None:
    con = ScriptedEngine([0.0, 40.0, 80.0, -1.0, 10.0, 55.0])
    with progress.watching(con, "Loading events.parquet", rows=1_000_000):
        assert con.done.wait(30)
    [bar] = recorded
    assert bar.closed
    shown = [(u.description, u.percent) for u in bar.updates]
    assert ("Loading events.parquet", 80.0) in shown
    assert ("Loading events.parquet · pass 2", 55.0) in shown
    # the rate once a pass has run a while: its share of the rows per second
    assert all(u.rows_per_second for u in bar.updates if u.percent in (80.0, 55.0))


def test_the_terminal_bar_draws_the_percentage_and_rows_per_second() -> None:
    console, out = terminal()
    bar = progress.RichBar(console)
    bar.show(progress.Update("Loading events.parquet", 2, 55.0, 1_200_000.0, elapsed=7.0))
    bar.close()
    text = out.getvalue()
    assert "Loading events.parquet · pass 2" in text
    assert "55%" in text
    assert "1.2M rows/s · 0:07" in text


def test_the_rate_is_the_rows_a_pass_went_through_per_second() -> None:
    update = progress.Update("Counting", 1, 50.0, 2_100_000.0, elapsed=65.0)
    assert update.status == "2.1M rows/s · 1:05"
    assert progress.Update("Counting", 3, 5.0, None, elapsed=3).description == "Counting · pass 3"
    assert progress.rate_text(850.0) == "850 rows/s"
    assert progress.rate_text(None) == ""


def test_a_load_and_its_report_show_the_engine_progress(
    no_wait: None, recorded: list[Recorder]
) -> None:
    log = cp.load_events(SAMPLE)
    assert recorded, "no bar while loading"
    load = recorded[0]
    assert load.closed
    assert {u.what for u in load.updates} == {"Loading events.parquet"}
    assert all(0 <= u.percent <= 100 for u in load.updates)

    n = len(recorded)
    cp.Report(log, basis="activity", exclude_bots=True).table()  # new records: the events again
    assert len(recorded) > n
    assert {u.what for b in recorded[n:] for u in b.updates} == {"Counting"}
    assert all(b.closed for b in recorded)


def test_progress_false_shows_nothing(no_wait: None, recorded: list[Recorder]) -> None:
    log = cp.load_events(SAMPLE, progress=False)
    cp.Report(log, basis="activity", exclude_bots=True).table()
    assert recorded == []


def test_the_environment_variable_turns_progress_off(
    no_wait: None, recorded: list[Recorder], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(progress.ENV_VAR, "0")
    cp.load_events(SAMPLE, progress=True)
    assert recorded == []


def test_nothing_is_shown_where_nobody_watches(no_wait: None, capfd: pytest.CaptureFixture) -> None:
    cp.load_events(SAMPLE)  # stderr is captured: not a terminal
    err = capfd.readouterr().err
    assert not PERCENT.search(err) and "rows/s" not in err


def test_the_cli_shows_no_bar_when_its_output_is_not_a_terminal(
    no_wait: None, tmp_path: Path
) -> None:
    result = CliRunner().invoke(app, ["report", str(SAMPLE), "-o", str(tmp_path / "out.csv")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out.csv").exists()
    assert not PERCENT.search(result.output) and "rows/s" not in result.output


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal")
def test_the_cli_shows_a_bar_in_a_terminal(tmp_path: Path) -> None:
    import pty

    code = (
        "import sys\n"
        "from campaign_perf.engine import progress\n"
        "progress.DELAY_SECONDS = 0.0\n"
        "progress.POLL_SECONDS = 0.005\n"
        "from campaign_perf.cli import app\n"
        "app(sys.argv[1:])\n"
    )
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != progress.ENV_VAR}
    env.update(PYTHONPATH=str(ROOT), COLUMNS="120", TERM="xterm")
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "report", str(SAMPLE), "-o", str(tmp_path / "out.csv")],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert proc.wait(120) == 0
    os.close(leader)
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", b"".join(chunks).decode(errors="replace"))
    assert "Loading events.parquet" in shown
    assert PERCENT.search(shown)


def test_a_notebook_shows_a_widget_bar(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "from campaign_perf.engine import progress\n"
            "progress.DELAY_SECONDS = 0.0\n"
            "progress.POLL_SECONDS = 0.005\n"
            "import campaign_perf as cp\n"
            f"log = cp.load_events({str(SAMPLE)!r})"
        )
    ]
    env = {k: v for k, v in os.environ.items() if k != progress.ENV_VAR}
    env["PYTHONPATH"] = str(ROOT)
    NotebookClient(nb, timeout=300, kernel_name="python3").execute(env=env)
    outputs = nb.cells[0].outputs
    widget = "application/vnd.jupyter.widget-view+json"
    widgets = [o for o in outputs if widget in o.get("data", {})]
    assert widgets, outputs
    assert not [o for o in outputs if o.get("name") == "stderr"]


def _no_display() -> progress.Bar:
    raise RuntimeError("no display here")


@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_bar_that_cannot_be_drawn_leaves_the_load_alone(no_wait: None) -> None:
    with progress.shown_by(_no_display):
        log = cp.load_events(SAMPLE)
    assert len(log) > 0
