"""SQL that turns raw input columns into canonical, typed event columns.

Every expression here is NULL where the raw value cannot be read; the reasons of
:func:`reject_reason_sql` then say why, so that no row disappears without a trace.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from campaign_perf.engine.rules import instant_literal
from campaign_perf.engine.sql import quote_ident, quote_literal
from campaign_perf.schema import EPOCH_MS_THRESHOLD, EVENT_TYPES, NOT_ONE_ID

_TEXT_TYPES = ("VARCHAR", "JSON")
_FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")
_INT_TYPES: tuple[str, ...] = (
    *("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"),
    *("UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"),
)
# An explicit zone at the end of an ISO-8601 string: Z, UTC, +02, +0200, +02:00.
_ZONE_SUFFIX = r"(Z|z|UTC|GMT|[+-]\d{2}(:?\d{2})?)\s*$"
_EPOCH = r"\s*-?\d+(\.\d+)?\s*"


#: No email event is older than this: an earlier timestamp is a mistake (an epoch of 0).
EARLIEST_EVENT = pd.Timestamp("1990-01-01", tz="UTC")
#: Nor later than this after loading (a time zone's worth of slack): a 9999-12-31
#: placeholder, or epoch milliseconds read as seconds, would move the report's as-of.
LATEST_AFTER_LOAD = pd.Timedelta(days=1)


@dataclass(frozen=True)
class TimeWindow:
    """The plausible time of an email event: a timestamp outside it goes to the ledger.

    Attributes
    ----------
    first : pandas.Timestamp
        The earliest plausible instant (:data:`EARLIEST_EVENT`).
    last : pandas.Timestamp
        The latest: a day after loading (:data:`LATEST_AFTER_LOAD`), up to the minute.
    """

    first: pd.Timestamp
    last: pd.Timestamp

    @classmethod
    def at_load(cls, now: pd.Timestamp | None = None) -> TimeWindow:
        """The window of a load at ``now`` (default: the current time)."""
        now = pd.Timestamp.now(tz="UTC") if now is None else now
        return cls(EARLIEST_EVENT, (now + LATEST_AFTER_LOAD).ceil("min"))

    def holds(self, first: Any, last: Any) -> bool:
        """Whether the instants ``first`` to ``last`` (None: no instant) lie in the window."""
        return (first is None or pd.Timestamp(first) >= self.first) and (
            last is None or pd.Timestamp(last) <= self.last
        )

    def sql(self, ts: str = "timestamp") -> str:
        """SQL: the parsed instant ``ts`` lies in the window."""
        return f"{ts} BETWEEN {instant_literal(self.first)} AND {instant_literal(self.last)}"

    def reason_sql(self, ts: str = "timestamp") -> str:
        """SQL: the ledger's reason for an instant outside the window (else NULL)."""
        return (
            f"CASE WHEN {ts} < {instant_literal(self.first)} "
            f"THEN 'timestamp before {self.first:%Y-%m-%d}' "
            f"WHEN {ts} > {instant_literal(self.last)} THEN 'timestamp more than a day after "
            f"loading (after {self.last:%Y-%m-%d %H:%M} UTC)' END"
        )


def _is_decimal(sql_type: str) -> bool:
    return sql_type.startswith("DECIMAL")


def _epoch_sql(num: str) -> str:
    """An epoch in seconds or milliseconds (told apart by magnitude) as TIMESTAMPTZ; NULL
    beyond what the engine can hold (1e15 ms is the year 33658)."""
    return (
        f"CASE WHEN NOT abs(CAST({num} AS DOUBLE)) < 1e15 THEN NULL "
        f"WHEN abs({num}) >= {EPOCH_MS_THRESHOLD} "
        f"THEN CAST(epoch_ms(CAST(round({num}) AS BIGINT)) AS TIMESTAMPTZ) "
        f"ELSE to_timestamp(CAST({num} AS DOUBLE)) END"
    )


def timestamp_sql(col: str, sql_type: str, tz: str) -> str:
    """Parse a timestamp column of any supported type to a UTC ``TIMESTAMPTZ``.

    Naive values (no zone in the data) are read in ``tz``.
    """
    c = quote_ident(col)
    z = quote_literal(tz)
    if sql_type.startswith(("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ")):  # TIMESTAMPTZ_NS too
        return c
    if sql_type.startswith("TIMESTAMP") or sql_type == "DATE":
        return f"timezone({z}, CAST({c} AS TIMESTAMP))"
    if sql_type in _INT_TYPES or sql_type in _FLOAT_TYPES or _is_decimal(sql_type):
        return _epoch_sql(c)
    s = f"trim(CAST({c} AS VARCHAR))"
    return (
        f"CASE WHEN {s} = '' THEN NULL "
        f"WHEN regexp_full_match({s}, '{_EPOCH}') THEN {_epoch_sql(f'TRY_CAST({s} AS DOUBLE)')} "
        f"WHEN regexp_matches({s}, '{_ZONE_SUFFIX}') AND regexp_matches({s}, '\\d:\\d') "
        f"THEN TRY_CAST({s} AS TIMESTAMPTZ) "
        f"ELSE timezone({z}, TRY_CAST({s} AS TIMESTAMP)) END"
    )


def untidy_text_sql(v: str) -> str:
    """SQL: the text value ``v`` is not canonical, :func:`text_sql` changes it (it is
    empty, or has spaces around it)."""
    return f"{v} = '' OR {v} LIKE ' %' OR {v} LIKE '% '"


def text_sql(col: str, sql_type: str) -> str:
    """An id or name column as trimmed text; empty strings become NULL.

    Whole floats (``1234.0``, as pandas stores ids of a column with gaps) lose their ``.0``.
    A list or an object (a LIST, STRUCT or MAP column, a JSON array or object) is no text:
    NULL (:func:`reject_reason_sql` says why).
    """
    c = quote_ident(col)
    if sql_type in _FLOAT_TYPES or _is_decimal(sql_type):
        return (
            f"CASE WHEN {c} = floor({c}) AND abs({c}) < 1e18 "
            f"THEN CAST(CAST({c} AS BIGINT) AS VARCHAR) ELSE CAST({c} AS VARCHAR) END"
        )
    if sql_type.endswith("]") or sql_type.startswith(("STRUCT", "MAP", "UNION")):
        return "CAST(NULL AS VARCHAR)"
    if sql_type == "JSON":  # a column of mixed types: strings without their quotes
        v = (
            f"CASE WHEN json_type({c}) IN ('ARRAY', 'OBJECT') THEN NULL "
            f"ELSE json_extract_string({c}, '$') END"
        )
    else:
        v = f"CAST({c} AS VARCHAR)"
    # Trim only where there is something to trim: most ids are clean, and trim copies.
    return f"CASE WHEN {untidy_text_sql(v)} THEN NULLIF(trim({v}), '') ELSE {v} END"


def event_type_sql(col: str) -> str:
    """Event types, case-insensitive, with spaces or hyphens read as underscores."""
    c = quote_ident(col)
    v = f"CAST({c} AS VARCHAR)"
    known = ", ".join(quote_literal(t) for t in EVENT_TYPES)
    normalised = f"NULLIF(replace(replace(lower(trim({v})), ' ', '_'), '-', '_'), '')"
    return f"CASE WHEN {v} IN ({known}) THEN {v} ELSE {normalised} END"


def bool_sql(col: str, sql_type: str) -> str:
    """A boolean flag; NULL (missing) reads as false, an unreadable value as NULL."""
    c = quote_ident(col)
    if sql_type == "BOOLEAN":
        return f"coalesce({c}, false)"
    if sql_type in _INT_TYPES or sql_type in _FLOAT_TYPES or _is_decimal(sql_type):
        return f"coalesce({c} <> 0, false)"
    s = f"lower(trim(CAST({c} AS VARCHAR)))"
    return (
        f"CASE WHEN {c} IS NULL OR {s} IN ('', 'false', 'f', 'no', 'n', '0', '0.0') THEN false "
        f"WHEN {s} IN ('true', 't', 'yes', 'y', '1', '1.0') THEN true END"
    )


def reject_reason_sql(raw: dict[str, str], window: TimeWindow) -> str:
    """The reasons a parsed row is rejected, joined by '; ' ('' for a valid row).

    ``raw`` maps the canonical names of the parsed columns to the raw column names, so a
    reason can quote the value it could not read; ``window`` is the plausible time.
    """
    types = ", ".join(quote_literal(t) for t in EVENT_TYPES)

    def shown(col: str) -> str:
        return f"left(CAST({quote_ident(raw[col])} AS VARCHAR), 60)"

    parts = [
        "CASE WHEN event_type IS NULL THEN 'missing event_type' "
        f"WHEN event_type NOT IN ({types}) "
        f"THEN 'unknown event_type ''' || {shown('event_type')} || '''' END",
        f"CASE WHEN {quote_ident(raw['timestamp'])} IS NULL "
        f"OR trim(CAST({quote_ident(raw['timestamp'])} AS VARCHAR)) = '' THEN 'missing timestamp' "
        "WHEN timestamp IS NULL "
        f"THEN 'unparseable timestamp ''' || {shown('timestamp')} || '''' END",
        window.reason_sql(),
    ]
    for c in ("campaign_id", "email_id", "lead_id"):
        # text_sql reads nothing but an empty value or a list / object as NULL
        nested = (
            f"WHEN {c} IS NULL AND left(ltrim(CAST({quote_ident(raw[c])} AS VARCHAR)), 1) "
            f"IN ('[', '{{') THEN '{c} {NOT_ONE_ID}' "
            if c in raw
            else ""
        )
        parts.append(f"CASE {nested}WHEN {c} IS NULL THEN 'missing {c}' END")
    if "is_bot" in raw:
        parts.append(
            f"CASE WHEN is_bot IS NULL THEN 'is_bot ''' || {shown('is_bot')} "
            "|| ''' is not true or false' END"
        )
    # Valid rows (nearly all) skip building the message.
    return (
        f"CASE WHEN {valid_sql('is_bot' in raw, window)} THEN '' ELSE concat_ws('; ', "
        + ", ".join(parts)
        + ") END"
    )


def valid_sql(has_is_bot: bool, window: TimeWindow) -> str:
    """SQL, over the parsed canonical columns: the row can be counted (may be NULL: false);
    ``window`` is the plausible time of an event."""
    types = ", ".join(quote_literal(t) for t in EVENT_TYPES)
    return (
        f"event_type IN ({types}) AND {window.sql()} AND campaign_id IS NOT NULL "
        "AND email_id IS NOT NULL AND lead_id IS NOT NULL"
        + (" AND is_bot IS NOT NULL" if has_is_bot else "")
    )
