"""The check pass: every row of an input read as canonical columns, or set aside with a reason.

An input is first a view of its raw columns (``_file``, ``_row``, then the input's own).
Inputs that need parsing (CSV, JSON, DataFrames, provider exports) are copied once into the
``staged`` table, parsed, each row with the reason it cannot be counted (:func:`stage`).
Typed, columnar inputs (Parquet, Arrow) are read where they lie (:func:`check_in_place`):
one pass, which Parquet's statistics answer in part, tells whether they can be read as they
are; their counted rows are a view.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from campaign_perf.engine.sql import quote_ident, quote_literal
from campaign_perf.errors import LoadError, first_line
from campaign_perf.load import parse as _parse
from campaign_perf.load.columns import canonical_names
from campaign_perf.load.eventlog import SEQ_BASE
from campaign_perf.load.ledger import ledger_rows, raw_columns
from campaign_perf.schema import CANONICAL_COLUMNS, EVENT_TYPES, FLAG_COLUMNS, REQUIRED_COLUMNS

__all__ = [
    "KEY_COLUMNS",
    "Checked",
    "check_in_place",
    "column_types",
    "create_staging",
    "keys_need_parsing_sql",
    "stage",
    "staged",
    "staging_sql",
]

#: The engine's type of each canonical column.
TYPES = (
    {c: "VARCHAR" for c in CANONICAL_COLUMNS}
    | {"timestamp": "TIMESTAMPTZ"}
    | dict.fromkeys(FLAG_COLUMNS, "BOOLEAN")
)


@dataclass(frozen=True)
class Checked:
    """What the check pass found in one input (or in the staging table).

    Attributes
    ----------
    rows : int
        Rows read.
    bad : int
        Rows the rules cannot count (in ``ledger``).
    ledger : pandas.DataFrame or None
        The rejected rows, when there are any.
    counted : str or None
        SQL of the counted rows (``_seq`` and the canonical columns); None for an input
        staged (its rows are counted with the staging table's).
    no_id : int
        Counted rows without an ``event_id`` (in-place inputs and the staging table).
    first, last : timestamp or None
        The earliest and latest timestamp of the counted rows (in-place inputs and the
        staging table).
    recheck : callable or None
        For an input whose record keys were taken as they are, unchecked
        (:data:`KEY_COLUMNS`): the input's full check, for when the record aggregates show
        a key that needs parsing (:func:`keys_need_parsing_sql`).
    """

    rows: int
    bad: int
    ledger: pd.DataFrame | None = None
    counted: str | None = None
    no_id: int = 0
    first: Any = None
    last: Any = None
    recheck: Callable[[], Checked] | None = None


#: The record's key: the check pass of an input read in place takes them as they are, and
#: the loader looks at them once per record instead of once per event
#: (:func:`keys_need_parsing_sql` over the record aggregates).
KEY_COLUMNS = ("campaign_id", "email_id", "lead_id")


def keys_need_parsing_sql(aggregates: str) -> str:
    """SQL: whether a record key (:data:`KEY_COLUMNS`) of ``aggregates``, one row per
    record, is not canonical; then the inputs whose keys were not checked are checked again
    (:attr:`Checked.recheck`). Every event's key is some record's key, so looking at the
    records (a third of the events, or fewer) is looking at every event's."""
    dirty = " OR ".join(f"({_parse.untidy_text_sql(quote_ident(c))})" for c in KEY_COLUMNS)
    return f"SELECT coalesce(bool_or({dirty}), false) FROM {aggregates}"


def create_staging(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ``staged`` table: ``_seq``, the canonical columns, ``_reason``."""
    columns = ", ".join(f"{c} {TYPES[c]}" for c in CANONICAL_COLUMNS)
    con.execute(f"CREATE TABLE staged (_seq BIGINT, {columns}, _reason VARCHAR)")


def column_types(
    con: duckdb.DuckDBPyConnection,
    view: str,
    label: str,
    columns: Mapping[str, str],
    *,
    check_unknown: bool,
) -> tuple[dict[str, str], dict[str, str]]:
    """The input's column for each canonical name, and the SQL type of each column."""
    described = con.execute(f"DESCRIBE {view}").fetchall()
    types = {r[0]: r[1] for r in described[2:]}
    raw = canonical_names(label, list(types), columns, check_unknown=check_unknown)
    return raw, types


def _parse_sql(canon: str, raw: dict[str, str], types: dict[str, str], tz: str) -> str:
    """SQL of one canonical column parsed from the input's raw column."""
    if canon not in raw:
        return "false" if canon in FLAG_COLUMNS else "NULL"  # no flag: not a bot
    name, sql_type = raw[canon], types[raw[canon]]
    if canon == "event_type":
        return _parse.event_type_sql(name)
    if canon == "timestamp":
        return _parse.timestamp_sql(name, sql_type, tz)
    if canon in FLAG_COLUMNS:
        return _parse.bool_sql(name, sql_type)
    return _parse.text_sql(name, sql_type)


def _cannot_read(label: str, exc: duckdb.Error) -> LoadError:
    return LoadError(f"{label}: cannot be read: {first_line(exc)}")


def staging_sql(
    view: str,
    raw: dict[str, str],
    types: dict[str, str],
    *,
    tz: str,
    number: int,
    window: _parse.TimeWindow,
) -> str:
    """SQL of an input's rows parsed: ``_seq``, the canonical columns and ``_reason`` (the
    reasons the row cannot be counted; NULL for a good row).

    ``view`` holds the input's raw columns and ``_row``; ``raw`` and ``types`` are from
    :func:`column_types`; the rest as for :func:`stage`. The staging of every engine.
    """
    parsed = ", ".join(f"{_parse_sql(c, raw, types, tz)} AS {c}" for c in CANONICAL_COLUMNS)
    raw_names, keep_raw = raw_columns(raw)
    reason = _parse.reject_reason_sql(raw_names, window)
    order = ", ".join(("_seq", *CANONICAL_COLUMNS))
    # _seq orders rows across inputs: the input's number, then its row.
    return (
        f"SELECT {order}, NULLIF({reason}, '') AS _reason FROM "
        f"(SELECT {number * SEQ_BASE} + _row AS _seq, {parsed}, {keep_raw} FROM {view})"
    )


def stage(
    con: duckdb.DuckDBPyConnection,
    view: str,
    label: str,
    raw: dict[str, str],
    types: dict[str, str],
    *,
    tz: str,
    number: int,
    window: _parse.TimeWindow,
) -> Checked:
    """Copy an input into the ``staged`` table, parsed, with each row's reason.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The load's connection.
    view : str
        The input's view of raw columns.
    label : str
        The input's name in messages and the ledger.
    raw, types : dict
        From :func:`column_types`.
    tz : str
        The zone of naive timestamps.
    number : int
        The input's number (its rows' ``_seq`` are ``number * SEQ_BASE + row``).
    window : TimeWindow
        The plausible time of an event: rows outside it go to the ledger.
    """
    base = number * SEQ_BASE
    this_input = f"_seq BETWEEN {base} AND {base + SEQ_BASE - 1}"
    select = staging_sql(view, raw, types, tz=tz, number=number, window=window)
    try:
        # fetchall, not fetchone: a pending result makes the next con.register fail
        n = con.execute(f"INSERT INTO staged {select}").fetchall()[0][0]
        bad = con.execute(
            f"SELECT count(*) FROM staged WHERE {this_input} AND _reason IS NOT NULL"
        ).fetchall()[0][0]
    except duckdb.OutOfMemoryException:
        raise
    except duckdb.Error as exc:
        raise _cannot_read(label, exc) from exc
    ledger = None
    if bad:
        ledger = ledger_rows(
            con,
            view,
            raw,
            f"SELECT _seq - {base} AS _row, _reason AS reason FROM staged "
            f"WHERE {this_input} AND _reason IS NOT NULL",
        )
    return Checked(rows=n, bad=bad, ledger=ledger)


def staged(con: duckdb.DuckDBPyConnection, *, bad: bool) -> Checked:
    """The counted rows of the ``staged`` table (its rejected rows, if ``bad``, deleted)."""
    if bad:
        con.execute("DELETE FROM staged WHERE _reason IS NOT NULL")
    n, first, last, no_id = con.execute(
        "SELECT count(*), min(timestamp), max(timestamp), count(*) - count(event_id) FROM staged"
    ).fetchall()[0]
    canon = ", ".join(quote_ident(c) for c in CANONICAL_COLUMNS)
    return Checked(
        rows=n,
        bad=0,
        counted=f"SELECT _seq, {canon} FROM staged",
        no_id=no_id,
        first=first,
        last=last,
    )


def check_in_place(
    con: duckdb.DuckDBPyConnection,
    view: str,
    label: str,
    raw: dict[str, str],
    types: dict[str, str],
    *,
    tz: str,
    number: int,
    window: _parse.TimeWindow,
    keys_later: bool = True,
) -> Checked:
    """Check a typed, columnar input (Parquet, Arrow) read where it lies, without a copy.

    One pass checks the input: the rows the rules cannot count, and for each text column
    whether its raw values are canonical already (trimmed, no empty strings, known event
    types), so that later queries read those columns as they are instead of parsing every
    value again. The input's counted rows are a view, ``<view>_events``. The parameters
    are those of :func:`stage`; with ``keys_later`` (the default), the record keys
    (:data:`KEY_COLUMNS`) of an input otherwise canonical are taken as they are, to be
    looked at once per record (:attr:`Checked.recheck`).
    """
    exact = {c: _parse_sql(c, raw, types, tz) for c in CANONICAL_COLUMNS}
    known = ", ".join(quote_literal(t) for t in EVENT_TYPES)
    checks: dict[str, str] = {}  # column -> SQL: this row's raw value needs parsing
    for c, name in raw.items():
        if types[name] != "VARCHAR" or c == "timestamp" or c in FLAG_COLUMNS:
            continue
        checks[c] = (
            f"{quote_ident(name)} NOT IN ({known})"
            if c == "event_type"
            else _parse.untidy_text_sql(quote_ident(name))
        )
    later = [c for c in KEY_COLUMNS if c in checks] if keys_later else []
    valid = f"coalesce({_parse.valid_sql('is_bot' in raw, window)}, false)"

    def query(sql: str) -> tuple:
        try:
            return con.execute(sql).fetchall()[0]
        except duckdb.OutOfMemoryException:
            raise
        except duckdb.Error as exc:
            raise _cannot_read(label, exc) from exc

    # First assume the input canonical: typed columns, text to read as it is, every time
    # plausible. One pass counts the values of each column and takes the time span
    # (Parquet's statistics answer both), and sets a bit per text column whose raw value
    # needs parsing somewhere.
    fast = {**exact, **{c: quote_ident(raw[c]) for c in checks}}
    now = {c: sql for c, sql in checks.items() if c not in later}
    bits = " | ".join(
        f"CASE WHEN {sql} THEN {1 << i} ELSE 0 END" for i, sql in enumerate(now.values())
    )
    ts = quote_ident(raw["timestamp"])
    present = ", ".join(f"count({quote_ident(raw[c])})" for c in REQUIRED_COLUMNS)
    ids = f"count({quote_ident(raw['event_id'])})" if "event_id" in raw else "0"
    n, *counts, with_id, first, last, dirty = query(
        f"SELECT count(*), {present}, {ids}, min({ts}), max({ts}), bit_or({bits or 0}) FROM {view}"
    )
    parse = {c for i, c in enumerate(now) if (dirty or 0) >> i & 1}
    canonical = (
        not parse
        and all(k == n for k in counts)
        and types[raw["timestamp"]].startswith("TIMESTAMP WITH TIME ZONE")
        and all(types.get(raw.get(c, ""), "BOOLEAN") == "BOOLEAN" for c in FLAG_COLUMNS)
        and all(c in checks for c in REQUIRED_COLUMNS if c != "timestamp")
        and window.holds(first, last)
    )
    if canonical:  # every row counts
        bad, no_id = 0, n - with_id
    else:  # parse what needs it, and find the rows the rules cannot count; the keys not
        # looked at yet are parsed for that, and looked at on the way
        fast.update({c: exact[c] for c in (*parse, *later)})
        cols = ", ".join(f"{fast[c]} AS {c}" for c in CANONICAL_COLUMNS)
        keys = " | ".join(
            f"CASE WHEN {checks[c]} THEN {1 << i} ELSE 0 END" for i, c in enumerate(later)
        )
        n, bad, first, last, no_id, untidy = query(
            "SELECT count(*), count(*) FILTER (WHERE NOT __valid), "
            "min(timestamp) FILTER (WHERE __valid), max(timestamp) FILTER (WHERE __valid), "
            "count(*) FILTER (WHERE __valid AND event_id IS NULL), bit_or(__keys) FROM "
            f"(SELECT timestamp, event_id, {valid} AS __valid, __keys FROM "
            f"(SELECT {cols}, {keys or 0} AS __keys FROM {view}))"
        )
        untidy = untidy or 0  # (no row: no bit)
        fast.update({c: quote_ident(raw[c]) for i, c in enumerate(later) if not untidy >> i & 1})
        later = []
    if n == 0:
        raise LoadError(f"{label}: holds no rows")
    # The staging table's types (a no-op where the input has them already).
    cols = ", ".join(f"CAST({fast[c]} AS {TYPES[c]}) AS {c}" for c in CANONICAL_COLUMNS)
    counted = f"SELECT {number * SEQ_BASE} + _row AS _seq, {cols} FROM {view}"
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {view}_events AS "
        + (f"SELECT * FROM ({counted}) WHERE {valid}" if bad else counted)
    )
    ledger = None
    if bad:
        raw_names, keep_raw = raw_columns(raw)
        ledger = ledger_rows(
            con,
            view,
            raw,
            f"SELECT _row, {_parse.reject_reason_sql(raw_names, window)} AS reason "
            f"FROM (SELECT _row, {cols}, {keep_raw} FROM {view}) WHERE NOT {valid}",
        )
    recheck = None
    if later:  # the keys taken as they are: the full check, should a record's need parsing
        recheck = functools.partial(
            check_in_place, con, view, label, raw, types, tz=tz, number=number, window=window,
            keys_later=False,
        )  # fmt: skip
    return Checked(
        rows=n,
        bad=bad,
        ledger=ledger,
        counted=f"SELECT * FROM {view}_events",
        no_id=no_id,
        first=first,
        last=last,
        recheck=recheck,
    )
