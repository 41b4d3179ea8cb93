"""Text inputs read by the engine: CSV lines it cannot read, and errors that say why.

A CSV line the engine's reader cannot split into the header's columns (a ragged row, an
unterminated quote) goes to the ledger with its row number and reason, and the rest of the
file loads. A file the reader cannot read at all gets an error that names the problem (a
line longer than the reader's limit, a broken compressed stream) rather than a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from campaign_perf.engine.sql import quote_ident, quote_literal
from campaign_perf.errors import LoadError

__all__ = ["CsvScan", "csv_scan", "read_error"]

_ROW = "__cp_csv_row"


@dataclass(frozen=True)
class CsvScan:
    """How to read one CSV file: the ``FROM`` item, its row-number column (None: number
    the rows in scan order) and the ledger of lines that could not be read (``source, row,
    reason, raw``; empty when none)."""

    scan: str
    row: str | None
    unreadable: pd.DataFrame


def csv_scan(con: duckdb.DuckDBPyConnection, path: Path, label: str, name: str) -> CsvScan:
    """Read a CSV file's rows as text, setting aside the lines that cannot be read.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The engine.
    path : Path
        The file (``.gz`` and ``.zst`` are decompressed).
    label : str
        The file's name in the ledger.
    name : str
        A name for the tables and views made here (unique per input).

    Returns
    -------
    CsvScan
        ``scan`` is a ``FROM`` item with the file's columns and ``row``, each row's 1-based
        data row in the file (the header not counted; rows after an unreadable line keep
        their own number). Without unreadable lines it is the plain reader and ``row`` is
        None (number the rows in scan order).
    """
    p = quote_literal(str(path))
    reader = f"read_csv({p}, all_varchar = true, header = true"
    errors, scans = f"{name}_errors", f"{name}_scans"
    try:  # one counting pass finds the lines the reader cannot split
        con.execute(
            f"SELECT count(*) FROM {reader}, store_rejects = true, "
            f"rejects_table = {quote_literal(errors)}, rejects_scan = {quote_literal(scans)})"
        ).fetchall()
        lines = con.execute(
            f"SELECT line - 1 AS row, arg_min(error_type, column_idx) AS error_type, "
            f"arg_min(error_message, column_idx) AS message, any_value(csv_line) AS raw "
            f"FROM {quote_ident(errors)} GROUP BY line ORDER BY line"
        ).df()
    except duckdb.OutOfMemoryException:
        raise
    except duckdb.Error:  # the reader cannot read the file at all: the caller reports it
        return CsvScan(f"{reader})", None, _no_lines())
    finally:
        for table in (errors, scans):
            con.execute(f"DROP TABLE IF EXISTS {quote_ident(table)}")
    if lines.empty:
        return CsvScan(f"{reader})", None, _no_lines())
    # The k-th readable row is data row k + (unreadable lines before it): an unreadable
    # line at data row r, the i-th, has r - i readable rows before it.
    skips = f"{name}_skips"
    con.execute(
        f"CREATE TEMP TABLE {skips} AS SELECT good_before, max(i) AS skipped FROM "
        f"(SELECT row - i AS good_before, i FROM (SELECT row, row_number() OVER (ORDER BY row) "
        f"AS i FROM (SELECT UNNEST(?::BIGINT[]) AS row))) GROUP BY good_before",
        [lines["row"].astype("int64").tolist()],
    )
    scan = (
        f"(SELECT c.__k + coalesce(s.skipped, 0) AS {_ROW}, c.* EXCLUDE (__k) FROM "
        f"(SELECT row_number() OVER () AS __k, * FROM {reader}, ignore_errors = true)) c "
        f"ASOF LEFT JOIN {skips} s ON c.__k > s.good_before)"
    )
    reasons = [
        f"unreadable CSV line ({kind.lower()}): {message}"
        for kind, message in zip(lines["error_type"], lines["message"], strict=True)
    ]
    unreadable = pd.DataFrame(
        {
            "source": label,
            "row": lines["row"].astype("int64"),
            "reason": reasons,
            "raw": lines["raw"].astype("str"),
        }
    )
    return CsvScan(scan, _ROW, unreadable)


def _no_lines() -> pd.DataFrame:
    return pd.DataFrame(columns=["source", "row", "reason", "raw"])


_LINE_SIZE = re.compile(r"Maximum line size of (\d+) bytes exceeded\. Actual Size:\s*(\d+)")
_OBJECT_SIZE = re.compile(r'"maximum_object_size" of (\d+) bytes exceeded')


def read_error(label: str, kind: str, exc: BaseException) -> LoadError:
    """The error for a ``kind`` file (``csv``, ``json``...) the engine's reader cannot read.

    Names the problem where the reader's message does (a line or a JSON value longer than
    its limit), else quotes the reader's first line.
    """
    text = str(exc)
    if m := _LINE_SIZE.search(text):
        limit, size = (int(g) for g in m.groups())
        why = f"a line of {size:,} bytes or more, longer than the reader's limit of {limit:,} bytes"
    elif m := _OBJECT_SIZE.search(text):
        why = f"a JSON value longer than the reader's limit of {int(m.group(1)):,} bytes"
    else:
        lines = [line for line in text.strip().splitlines() if line.strip()]
        why = lines[0] if lines else type(exc).__name__
    return LoadError(f"{label}: cannot be read as {kind}: {why}")
