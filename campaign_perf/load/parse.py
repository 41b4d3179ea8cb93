"""SQL that turns raw input columns into canonical, typed event columns.

Every expression here is NULL where the raw value cannot be read; the reasons of
:func:`reject_reason_sql` then say why, so that no row disappears without a trace.
"""

from __future__ import annotations

from campaign_perf.engine.sql import quote_ident, quote_literal
from campaign_perf.schema import EPOCH_MS_THRESHOLD, EVENT_TYPES, NOT_ONE_ID, TIMESTAMP_YEARS

_TEXT_TYPES = ("VARCHAR", "JSON")
_FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")
_INT_TYPES: tuple[str, ...] = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT")
_INT_TYPES += ("UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")
# An explicit zone at the end of an ISO-8601 string: Z, UTC, +02, +0200, +02:00.
_ZONE_SUFFIX = r"(Z|z|UTC|GMT|[+-]\d{2}(:?\d{2})?)\s*$"
_EPOCH = r"\s*-?\d+(\.\d+)?\s*"
FIRST_YEAR, LAST_YEAR = TIMESTAMP_YEARS
_IN_RANGE = (
    f"(timestamp >= TIMESTAMPTZ '{FIRST_YEAR}-01-01 00:00:00+00' "
    f"AND timestamp < TIMESTAMPTZ '{LAST_YEAR + 1}-01-01 00:00:00+00')"
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
    return (
        f"CASE WHEN {v} = '' THEN NULL WHEN {v} LIKE ' %' OR {v} LIKE '% ' "
        f"THEN NULLIF(trim({v}), '') ELSE {v} END"
    )


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


def reject_reason_sql(raw: dict[str, str]) -> str:
    """The reasons a parsed row is rejected, joined by '; ' ('' for a valid row).

    ``raw`` maps the canonical names of the parsed columns to the raw column names, so a
    reason can quote the value it could not read.
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
        f"THEN 'unparseable timestamp ''' || {shown('timestamp')} || '''' "
        f"WHEN NOT {_IN_RANGE} THEN 'timestamp ''' || {shown('timestamp')} "
        f"|| ''' is not in the years {FIRST_YEAR}-{LAST_YEAR}' END",
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
        f"CASE WHEN {valid_sql('is_bot' in raw)} THEN '' ELSE concat_ws('; ', "
        + ", ".join(parts)
        + ") END"
    )


def valid_sql(has_is_bot: bool) -> str:
    """SQL, over the parsed canonical columns: the row can be counted (may be NULL: false)."""
    types = ", ".join(quote_literal(t) for t in EVENT_TYPES)
    return (
        f"event_type IN ({types}) AND {_IN_RANGE} AND campaign_id IS NOT NULL "
        "AND email_id IS NOT NULL AND lead_id IS NOT NULL"
        + (" AND is_bot IS NOT NULL" if has_is_bot else "")
    )
