"""The embedded engine: one in-process DuckDB connection per event log."""

from __future__ import annotations

import duckdb


def connect() -> duckdb.DuckDBPyConnection:
    """Open an in-memory DuckDB connection set up for campaign_perf.

    The session time zone is UTC so that every ``TIMESTAMPTZ`` comes back to pandas
    as a UTC instant; report zones are applied explicitly with ``timezone(tz, ts)``.
    """
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    # Spill to disk rather than fail when a large log does not fit in memory.
    con.execute("SET preserve_insertion_order = true")
    return con


def quote_ident(name: str) -> str:
    """Quote a column or table name for SQL."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """Quote a string literal for SQL."""
    return "'" + value.replace("'", "''") + "'"
