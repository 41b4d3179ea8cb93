"""Progress of a long load or report: a bar with a percentage and rows per second.

One meaning for every surface. A load or a report still running after :data:`DELAY_SECONDS`
shows a bar fed by the engine's own progress: DuckDB's ``query_progress()``, polled from a
thread while the engine works (an engine that cannot say how far a query is, PostgreSQL,
tells its progress in statements: :class:`Statements`). Each query of the work is a *pass*
(a load reads its input more than once); the bar shows the current pass's percentage and
the rows it goes through per second. In a notebook the bar is a widget (tqdm's notebook
bar); in a terminal, a rich bar on stderr, which the CLI draws in place of its spinner;
when stderr is not a terminal (a pipe, cron, a test) nothing is shown.
``load_events(..., progress=False)`` or the environment variable ``CAMPAIGN_PERF_PROGRESS=0``
turns it off; ``progress=True`` or ``CAMPAIGN_PERF_PROGRESS=1`` shows it even where nobody
seems to watch.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "DELAY_SECONDS",
    "ENV_VAR",
    "Bar",
    "NotebookBar",
    "Progressing",
    "RichBar",
    "Statements",
    "Update",
    "rate_text",
    "shown_by",
    "watching",
]

#: The environment variable that turns progress off (``0``, ``off``, ``false``, ``no``) or
#: on where nobody seems to watch (``1``, ``on``, ``true``, ``yes``).
ENV_VAR = "CAMPAIGN_PERF_PROGRESS"

#: Work that ends sooner shows no bar.
DELAY_SECONDS = 2.0

#: How often the engine's progress is read.
POLL_SECONDS = 0.1

_OFF, _ON = {"0", "off", "false", "no"}, {"1", "on", "true", "yes"}


@dataclass(frozen=True)
class Update:
    """Where a piece of work stands.

    Attributes
    ----------
    what : str
        The work ("Loading events.parquet", "Counting").
    step : int
        The engine's pass through the data, from 1.
    percent : float
        The pass's progress, 0 to 100, as the engine estimates it.
    rows_per_second : float or None
        The rows of the input the pass goes through per second (None while unknown).
    elapsed : float
        Seconds since the work started.
    """

    what: str
    step: int
    percent: float
    rows_per_second: float | None
    elapsed: float = 0.0

    @property
    def description(self) -> str:
        """The work and, from the second pass, which pass."""
        return self.what if self.step <= 1 else f"{self.what} · pass {self.step}"

    @property
    def status(self) -> str:
        """The rate (once known) and the time the work has taken: ``2.1M rows/s · 0:07``."""
        minutes, seconds = divmod(int(self.elapsed), 60)
        hours, minutes = divmod(minutes, 60)
        clock = f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
        rate = rate_text(self.rows_per_second)
        return f"{rate} · {clock}" if rate else clock


def rate_text(rows_per_second: float | None) -> str:
    """``2_100_000.0`` -> ``"2.1M rows/s"``; ``""`` while unknown."""
    if rows_per_second is None:
        return ""
    for div, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if rows_per_second >= div:
            return f"{rows_per_second / div:.1f}{unit} rows/s"
    return f"{rows_per_second:.0f} rows/s"


class Bar(Protocol):
    """A progress display: shown on its first update, gone when closed."""

    def show(self, update: Update) -> None:
        """Draw where the work stands."""
        ...

    def close(self) -> None:
        """Take the display away."""
        ...


class _Pausable(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...


class RichBar:
    """A rich progress bar on a console (stderr by default), gone when closed.

    Parameters
    ----------
    console : rich.console.Console, optional
        Where to draw; stderr when not given.
    pause : object with ``start()`` and ``stop()``, optional
        A live display of the same console (the CLI's spinner) stopped while the bar shows.
    """

    def __init__(self, console: Any = None, pause: _Pausable | None = None) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

        self._pause = pause
        self._started = False
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[status]}"),
            console=console or Console(stderr=True),
            transient=True,
        )
        self._task = self._progress.add_task("", total=100, status="")

    def show(self, update: Update) -> None:
        """Draw where the work stands (the first time, in place of the paused display)."""
        self._progress.update(
            self._task,
            description=update.description,
            completed=update.percent,
            status=update.status,
        )
        if not self._started:
            self._started = True
            if self._pause is not None:
                self._pause.stop()
            self._progress.start()

    def close(self) -> None:
        """Take the bar away (and give the paused display back)."""
        if self._started:
            self._progress.stop()
            if self._pause is not None:
                self._pause.start()


class NotebookBar:
    """tqdm's bar: a widget in a notebook (text on stderr elsewhere), gone when closed."""

    def __init__(self) -> None:
        from tqdm.auto import tqdm

        self._bar = tqdm(
            total=100,
            leave=False,
            bar_format="{desc}: {percentage:3.0f}%|{bar}| {postfix}",
        )

    def show(self, update: Update) -> None:
        """Draw where the work stands."""
        self._bar.set_description_str(update.description, refresh=False)
        self._bar.set_postfix_str(update.status, refresh=False)
        self._bar.n = round(update.percent, 1)
        self._bar.refresh()

    def close(self) -> None:
        """Take the bar away."""
        self._bar.close()


class Progressing(Protocol):
    """What tells how far its work is: a DuckDB connection, or :class:`Statements`."""

    def query_progress(self) -> float:
        """The current query's progress, 0 to 100 (-1 when it cannot say)."""
        ...


class Statements:
    """Progress told by the statements a piece of work has sent, of those it will send.

    For an engine that cannot say how far a query is (PostgreSQL has no progress for a
    ``SELECT`` or a ``CREATE TABLE AS``): a load sends about ``total`` statements, so the
    percentage moves a step per statement and stops short of 100 until the work ends.

    Parameters
    ----------
    sent : callable
        How many statements the session has sent so far.
    total : int
        How many statements the work sends.
    """

    def __init__(self, sent: Callable[[], int], total: int) -> None:
        self._sent = sent
        self._start = sent()
        self._total = max(int(total), 1)

    def query_progress(self) -> float:
        """The share of the statements already done (the one running is not), in percent."""
        done = max(self._sent() - self._start - 1, 0)
        return min(100.0 * done / self._total, 99.0)


_shown_by: contextvars.ContextVar[Callable[[], Bar] | None] = contextvars.ContextVar(
    "campaign_perf_progress_bar", default=None
)


@contextlib.contextmanager
def shown_by(make: Callable[[], Bar]) -> Iterator[None]:
    """Draw the progress of the work inside the block with ``make()``'s bars.

    A surface that has a display of its own (the CLI's spinner) says so here; outside
    such a block the bar is chosen by :func:`watching`.
    """
    token = _shown_by.set(make)
    try:
        yield
    finally:
        _shown_by.reset(token)


def _in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (as tqdm.auto decides)."""
    if "IPython" not in sys.modules:
        return False
    from IPython import get_ipython

    shell = get_ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def _default_bar() -> Callable[[], Bar] | None:
    """The bar for where this runs: a widget in a notebook, rich on a terminal, else none."""
    if _in_notebook():
        return NotebookBar
    return RichBar if sys.stderr.isatty() else None


def _bar_for(progress: bool | None) -> Callable[[], Bar] | None:
    setting = os.environ.get(ENV_VAR, "").strip().lower()
    if progress is False or setting in _OFF:
        return None
    chosen = _shown_by.get() or _default_bar()
    if chosen is None and (progress is True or setting in _ON):
        return NotebookBar if _in_notebook() else RichBar
    return chosen


@contextlib.contextmanager
def watching(
    con: duckdb.DuckDBPyConnection | Progressing,
    what: str,
    *,
    rows: int | Callable[[], int | None] | None = None,
    progress: bool | None = None,
) -> Iterator[None]:
    """Show the engine's progress while the block runs, once it has run ``DELAY_SECONDS``.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection or Progressing
        The connection whose queries the block runs, or what else tells their progress
        (:class:`Statements`).
    what : str
        The work, as the bar names it.
    rows : int or callable, optional
        The rows of the input (or a function that tells them once known), for the rate.
    progress : bool, optional
        False: never show; True: show even where nobody seems to watch; None: show in a
        notebook or a terminal (see the module).
    """
    make = _bar_for(progress)
    if make is None:
        yield
        return
    stop = threading.Event()
    poller = threading.Thread(
        target=_poll, args=(con, what, rows, make, stop), name="campaign_perf-progress"
    )
    poller.daemon = True
    poller.start()
    try:
        yield
    finally:
        stop.set()
        poller.join()


def _poll(
    con: duckdb.DuckDBPyConnection | Progressing,
    what: str,
    rows: int | Callable[[], int | None] | None,
    make: Callable[[], Bar],
    stop: threading.Event,
) -> None:
    """Read the engine's progress until ``stop``; draw it once the work has taken a while."""
    start = time.monotonic()
    bar: Bar | None = None
    step, last, step_start, percent = 0, -1.0, start, 0.0
    try:
        while not stop.wait(POLL_SECONDS):
            try:
                now_percent = float(con.query_progress())
            except Exception:  # the connection closed or cannot say: show what is known
                now_percent = -1.0
            now = time.monotonic()
            if now_percent >= 0:
                if last < 0 or now_percent < last - 1:  # a new query: the next pass
                    step, step_start = step + 1, now
                percent = now_percent
            last = now_percent
            if now - start < DELAY_SECONDS:
                continue
            if bar is None:
                try:
                    bar = make()
                except Exception:  # no bar can be drawn here: the work goes on without one
                    return
            n = rows() if callable(rows) else rows
            elapsed = now - step_start
            rate = n * percent / 100 / elapsed if n and percent > 0 and elapsed > 0 else None
            bar.show(Update(what, max(step, 1), percent, rate, now - start))
    finally:
        if bar is not None:
            bar.close()
