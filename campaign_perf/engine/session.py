"""The embedded engine: one in-process DuckDB connection per event log."""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import shutil
import tempfile
from collections.abc import Iterator

import duckdb

from campaign_perf.engine.sql import quote_literal
from campaign_perf.errors import MemoryBudgetError

#: The engine's memory budget unless the environment variable CAMPAIGN_PERF_MEMORY_LIMIT
#: says otherwise: beyond it, tables and intermediate results spill to a temporary directory
#: instead of growing the process.
DEFAULT_MEMORY_LIMIT = "1GB"


@functools.cache
def _spill_dir() -> str:
    """One spill directory per process, removed when the process ends."""
    path = tempfile.mkdtemp(prefix=f"campaign_perf-{os.getpid()}-")
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def connect(memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """Open an in-memory DuckDB connection set up for campaign_perf.

    The session time zone is UTC so that every ``TIMESTAMPTZ`` comes back to pandas
    as a UTC instant; report zones are applied explicitly with ``timezone(tz, ts)``.
    Data beyond ``memory_limit`` spills to a temporary directory, so logs larger than
    memory still load and report.
    """
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    # The engine tracks its progress (read by .progress) but draws no bar of its own.
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    limit = memory_limit or os.environ.get("CAMPAIGN_PERF_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT
    con.execute(f"SET memory_limit = {quote_literal(limit)}")
    con.execute(f"SET temp_directory = {quote_literal(_spill_dir())}")
    con.execute("SET preserve_insertion_order = true")
    return con


@contextlib.contextmanager
def within_budget(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Turn the engine's out-of-memory error into one that says what to do."""
    try:
        yield
    except duckdb.OutOfMemoryException:
        row = con.execute("SELECT current_setting('memory_limit')").fetchone()
        limit = row[0] if row else "unknown"
        raise MemoryBudgetError(
            f"the engine needed more than its memory budget ({limit}) even when spilling to "
            "disk; set the environment variable CAMPAIGN_PERF_MEMORY_LIMIT higher (e.g. 4GB) "
            "and load again"
        ) from None
