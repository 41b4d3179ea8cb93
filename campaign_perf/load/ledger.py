"""The rejected-rows ledger: each row the rules cannot count, with its source, row number,
reason(s) and raw values, gathered from every input into one table."""

from __future__ import annotations

import re
import warnings

import duckdb
import pandas as pd

from campaign_perf.engine.sql import quote_ident
from campaign_perf.load.eventlog import EventLog, RejectedRowsWarning, combine_ledgers
from campaign_perf.schema import REQUIRED_COLUMNS

__all__ = ["combine_ledgers", "ledger_rows", "raw_columns", "reason_kind", "warn_rejected"]

# A reason's fixed opening words: before any quoted or listed value (', ", :, (, ;).
_KIND = re.compile(r"[A-Za-z0-9_ .-]*")


def reason_kind(reason: str) -> str:
    """What kind of rejection a ledger reason is, without the raw value it may quote.

    The kind is the reason's opening words, up to the first quote, colon, bracket or
    semicolon: ``unknown event_type 'ann@x.com'`` is ``unknown event_type``. A row
    rejected for several reasons is of the kind of its first. A shared report counts
    rejected rows by kind; the ledger itself keeps its reasons and raw values.

    Examples
    --------
    >>> reason_kind("unknown event_type 'ann@x.com'; missing lead_id")
    'unknown event_type'
    """
    kind = _KIND.match(reason)
    return (kind.group(0) if kind else "").strip(" .-") or "other"


def raw_columns(raw: dict[str, str]) -> tuple[dict[str, str], str]:
    """The raw columns a rejection reason quotes: their ``__raw_`` names, and SQL keeping
    them beside the parsed ones."""
    names: dict[str, str] = {c: "__raw_" + c for c in (*REQUIRED_COLUMNS, "is_bot") if c in raw}
    return names, ", ".join(f"{quote_ident(raw[c])} AS {n}" for c, n in names.items())


def ledger_rows(
    con: duckdb.DuckDBPyConnection, view: str, raw: dict[str, str], reasons: str
) -> pd.DataFrame:
    """An input's rejected rows: ``reasons`` (SQL) gives their ``_row`` and ``reason``, the
    input's view their raw values, as text (named canonically where they map)."""
    rej = con.execute(
        "SELECT v._file AS source, v._row AS row, r.reason, "
        "CAST(COLUMNS(v.* EXCLUDE (_file, _row)) AS VARCHAR) "
        f"FROM ({reasons}) r JOIN {view} v ON v._row = r._row ORDER BY r._row"
    ).df()
    return rej.rename(columns={raw[c]: c for c in raw if raw[c] in rej.columns})


def warn_rejected(log: EventLog) -> None:
    """Warn (:class:`RejectedRowsWarning`) how many rows a load did not count, and why.

    Called by a loader for its own caller: the warning points at the caller's line.
    """
    s = log.summary()
    if not s.rejected:
        return
    reasons = "; ".join(f"{n:,} {r}" for r, n in list(s.rejected_by_reason.items())[:4])
    warnings.warn(
        f"{s.rejected:,} of {s.rows_read:,} rows were not counted ({reasons}); "
        "inspect log.rejected or export it with log.write_rejected(path)",
        RejectedRowsWarning,
        stacklevel=3,
    )
