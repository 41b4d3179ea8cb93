"""Loading events: any supported input -> an :class:`EventLog` of canonical events.

The loader reads files with the embedded engine (DuckDB) without going through pandas,
checks every row against the canonical schema (RULES.md section 1) and keeps the rows it
cannot count in a ledger, each with its source, row number, reason and raw values.

Parquet files and Arrow tables are read where they lie (a view; nothing is copied): one
pass checks them, taking what it can from Parquet's statistics. CSV, JSON, DataFrames and
provider exports are parsed once into a staging table. Duplicates are found by a 64-bit hash
and confirmed on the ids; one aggregation per record (campaign, email, lead) then finds the
orphans (records without a send) and holds the records of default rule settings, which
reports reuse without reading the events again. The counted events are a view of the inputs
without the small table of duplicates and orphans.
"""

from __future__ import annotations

import functools
import glob
import itertools
import os
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from campaign_perf.engine.embedded import DuckDBEngine
from campaign_perf.engine.session import connect, within_budget
from campaign_perf.engine.sql import quote_ident, quote_literal
from campaign_perf.errors import LoadError, SchemaError
from campaign_perf.load import parse as _parse
from campaign_perf.load.dimensions import load_dimensions
from campaign_perf.load.duplicates import drop_search_tables, set_aside
from campaign_perf.load.eventlog import SEQ_BASE, EventLog, LoadSummary, RejectedRowsWarning
from campaign_perf.schema import CANONICAL_COLUMNS, EVENT_TYPES, REQUIRED_COLUMNS
from campaign_perf.timeframes import check_tz

__all__ = ["load_events"]

_CSV_SUFFIXES = (".csv", ".tsv", ".txt")
_PARQUET_SUFFIXES = (".parquet", ".pq")
_JSONL_SUFFIXES = (".jsonl", ".ndjson")
_ids = itertools.count()
#: The engine's type of each canonical column.
_TYPES = {c: "VARCHAR" for c in CANONICAL_COLUMNS} | {
    "timestamp": "TIMESTAMPTZ",
    "is_bot": "BOOLEAN",
}

Input = str | Path | pd.DataFrame | pa.Table


# ---------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------
def load_events(
    data: Input | Iterable[Input],
    *,
    columns: Mapping[str, str] | None = None,
    tz: str = "UTC",
    campaigns: str | Path | pd.DataFrame | None = None,
    emails: str | Path | pd.DataFrame | None = None,
    leads: str | Path | pd.DataFrame | None = None,
    source: str = "auto",
    source_options: Mapping[str, Any] | None = None,
    warn: bool = True,
) -> EventLog:
    """Load email events into an :class:`EventLog`.

    Parameters
    ----------
    data : path, DataFrame, pyarrow Table, or a list of them
        Canonical events as CSV, Parquet, JSON Lines or a JSON array (a path may hold a
        glob such as ``"events/*.parquet"``), a pandas DataFrame or a pyarrow Table; or a
        native export of a source that :mod:`campaign_perf.sources` reads.
    columns : mapping, optional
        Renames input columns to canonical names, like ``DataFrame.rename``:
        ``{"EventType": "event_type", "When": "timestamp"}``.
    tz : str, default "UTC"
        IANA zone in which timestamps without a zone are read.
    campaigns, emails, leads : path or DataFrame, optional
        Dimension tables: campaigns (``campaign_id, campaign_name, program, status``),
        emails (``email_id, email_name, subject, html`` where ``html`` may be a path to
        an .html file), leads (``lead_id`` and any attributes).
    source : str, default "auto"
        ``"canonical"`` for canonical events, a source name (``"sendgrid"``, ``"ses"``,
        ``"marketo_bulk"``, ...), or ``"auto"`` to recognise it from the content.
    source_options : mapping, optional
        Options of the source's reader, e.g. ``{"campaign_field": "category"}`` for
        SendGrid or ``{"campaign_tag": "campaign"}`` for SES (see each source module).
    warn : bool, default True
        Issue a :class:`RejectedRowsWarning` that says how many rows were rejected.

    Returns
    -------
    EventLog

    Raises
    ------
    SchemaError
        A required column is missing (the message lists what is missing and what was found).
    LoadError
        A file is missing, empty or unreadable.

    Examples
    --------
    >>> import pandas as pd, campaign_perf as cp
    >>> df = pd.DataFrame({
    ...     "event_type": ["sent", "open", "click"],
    ...     "timestamp": ["2026-03-02 09:00", "2026-03-02 10:00", "2026-03-02 10:01"],
    ...     "campaign_id": "C1", "email_id": "E1", "lead_id": "L1"})
    >>> log = cp.load_events(df)
    >>> len(log)
    3
    """
    tz = check_tz(tz)
    _check_source(source)
    con = connect()
    loader = _Loader(
        con, tz=tz, columns=dict(columns or {}), source=source, options=dict(source_options or {})
    )
    with within_budget(con):
        for item in _as_list(data):
            loader.add(item)
        if not loader.inputs and not loader.native_labels:
            raise LoadError("no input: give a file, a list of files, a DataFrame or an Arrow table")
        log = loader.finish(campaigns=campaigns, emails=emails, leads=leads)
    if warn:
        warn_rejected(log)
    return log


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


def _check_source(source: str) -> None:
    from campaign_perf.sources import SOURCES

    known = ("auto", "canonical", *SOURCES)
    if source not in known:
        raise SchemaError(f"unknown source {source!r}; use one of: {', '.join(known)}")


def _as_list(data: Input | Iterable[Input]) -> list[Input]:
    if isinstance(data, (str, Path, pd.DataFrame, pa.Table)):
        items: list[Input] = [data]
    else:
        items = list(data)  # type: ignore[arg-type]
    out: list[Input] = []
    for item in items:
        if isinstance(item, (str, Path)) and any(ch in str(item) for ch in "*?["):
            matches = sorted(glob.glob(str(item)))
            if not matches:
                raise LoadError(f"{item}: no file matches this pattern")
            out.extend(matches)
        else:
            out.append(item)
    # A file named twice (a list and an overlapping glob) is read once: the ledger is
    # per file and row, and a second read would repeat its rejected rows.
    seen: set[Path] = set()
    unique: list[Input] = []
    for item in out:
        if isinstance(item, (str, Path)):
            key = Path(item).resolve()
            if key in seen:
                continue
            seen.add(key)
        unique.append(item)
    return unique


class _Loader:
    """Reads inputs one by one into a staging table, then dedups and finds orphans."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        *,
        tz: str,
        columns: dict[str, str],
        source: str,
        options: dict[str, Any],
    ) -> None:
        self.con = con
        self.tz = tz
        self.columns = columns
        self.source = source
        self.options = options
        self.inputs: list[str] = []
        self.rows_read = 0
        self.rejected: list[pd.DataFrame] = []
        self.skipped: dict[str, int] = {}
        self.source_dims: list[Any] = []
        self.staged_inputs = 0  # inputs copied into the staging table
        self.staged_bad = 0  # invalid rows in the staging table
        self.counted = 0  # valid rows of all inputs (before duplicates and orphans)
        self.no_id = 0  # valid rows without an event_id
        self.bounds: list[Any] = []  # earliest and latest valid timestamp of each input
        self.parts: list[str] = []  # SQL of the valid rows of each input
        self.files: dict[str, tuple[int, int]] = {}  # files read in place: (size, mtime_ns)
        self.native_labels: list[str] = []
        self.inline_names = False  # did any input carry campaign/email/program names?
        columns = ", ".join(f"{c} {_TYPES[c]}" for c in CANONICAL_COLUMNS)
        con.execute(f"CREATE TABLE staged (_seq BIGINT, {columns}, _reason VARCHAR)")

    # -- reading ----------------------------------------------------------------------
    def add(self, item: Input) -> None:
        view = f"input_{next(_ids)}"
        if self.source not in ("auto", "canonical"):
            self._add_native(item, str(item) if isinstance(item, (str, Path)) else "<table>")
            return
        if isinstance(item, (pd.DataFrame, pa.Table)):
            label = f"<{type(item).__name__} {len(self.inputs) + 1}>"
            self._add_table(item, view, label)
            return
        path = Path(item)
        label = str(item)
        if path.is_dir():
            self._add_native(path, label)
            return
        if not path.exists():
            raise LoadError(f"{label}: no such file")
        if path.stat().st_size == 0:
            raise LoadError(f"{label}: the file is empty")
        suffixes = [s.lower() for s in path.suffixes if s.lower() not in (".gz", ".zst")]
        suffix = suffixes[-1] if suffixes else ""
        p = quote_literal(str(path))
        rows = "row_number() OVER ()"
        if suffix in _PARQUET_SUFFIXES:
            scan = f"read_parquet({p}, file_row_number = true)"
            rows = "file_row_number + 1"
        elif suffix in _CSV_SUFFIXES:
            scan = f"read_csv({p}, all_varchar = true, header = true)"
        elif suffix in _JSONL_SUFFIXES:
            scan = f"read_json({p}, format = 'newline_delimited')"
        elif suffix == ".json":
            scan = f"read_json({p}, format = 'auto')"
        elif self.source == "auto":  # no known suffix (Firehose objects): look at the content
            try:
                self._add_native(path, label)
            except SchemaError as exc:
                raise LoadError(
                    f"{label}: unknown file type {suffix!r} and not a known source's payload; "
                    "use .csv, .tsv, .parquet, .jsonl or .json, or name the source"
                ) from exc
            return
        else:
            raise LoadError(
                f"{label}: unknown file type {suffix!r}; use .csv, .tsv, .parquet, .jsonl or .json"
            )
        try:
            exclude = " EXCLUDE (file_row_number)" if rows != "row_number() OVER ()" else ""
            self.con.execute(
                f"CREATE TEMP VIEW {view} AS SELECT {quote_literal(label)} AS _file, "
                f"{rows} AS _row, *{exclude} FROM {scan}"
            )
            names = self._columns(view)
        except duckdb.OutOfMemoryException:
            raise
        except duckdb.Error as exc:
            if suffix in (".json", ".csv") and self.source != "canonical":
                self._add_native(path, label)
                return
            raise LoadError(f"{label}: cannot be read as {suffix[1:]}: {_first_line(exc)}") from exc
        if not (self._is_canonical(names) or self.source == "canonical"):
            self._add_native(path, label, found=names)
        elif suffix in _PARQUET_SUFFIXES:  # columnar and typed: read where it lies
            stat = path.stat()
            self.files[str(path)] = (stat.st_size, stat.st_mtime_ns)
            self._add_in_place(view, label)
        else:
            self._stage(view, label)

    def _add_table(self, table: pd.DataFrame | pa.Table, view: str, label: str) -> None:
        df = table
        if isinstance(table, pd.DataFrame):
            df = table.reset_index(drop=True)
        names = [str(c) for c in df.columns] if isinstance(df, pd.DataFrame) else df.column_names
        if not self._is_canonical(names) and self.source != "canonical":
            self._add_native(df, label, found=names)
            return
        if isinstance(df, pa.Table):  # immutable: read where it lies, like Parquet
            rows = pa.array(range(1, df.num_rows + 1), pa.int64())
            self.con.register(f"{view}_data", df.append_column("__cp_row", rows))
            self.con.execute(
                f"CREATE TEMP VIEW {view} AS SELECT {quote_literal(label)} AS _file, "
                f"__cp_row AS _row, * EXCLUDE (__cp_row) FROM {view}_data"
            )
            self._add_in_place(view, label)
            return
        # A DataFrame can change after loading: it is copied into the engine.
        self.con.register(f"{view}_data", df)
        self.con.execute(
            f"CREATE TEMP VIEW {view} AS SELECT {quote_literal(label)} AS _file, "
            f"row_number() OVER () AS _row, * FROM {view}_data"
        )
        self._stage(view, label)

    def _add_native(self, obj: Any, label: str, found: list[str] | None = None) -> None:
        """Read a native export (an ESP webhook dump, a Marketo extract) via its source."""
        try:
            from campaign_perf import sources
        except ImportError:  # pragma: no cover - the sources package ships with the library
            sources = None  # type: ignore[assignment]
        if self.source == "canonical" or sources is None:
            self._missing_columns(label, found or [])
        try:
            data = sources.read_source(obj, self.source, **{"tz": self.tz, **self.options})
        except SchemaError as exc:
            if found is not None and self.source == "auto":
                try:
                    self._missing_columns(label, found)
                except SchemaError as canonical:
                    if str(label).lower().endswith((".json", ".jsonl", ".ndjson")):
                        raise SchemaError(f"{canonical}. Nor is it a known source: {exc}") from None
                    raise
            raise
        except TypeError as exc:  # an option the reader does not take
            name = self.source if self.source != "auto" else sources.detect_source(obj)
            raise SchemaError(
                f"{label}: the {name} reader does not accept these source_options: "
                f"{exc}; see campaign_perf.sources.{name} for its options"
            ) from None
        base, label = label, f"{label} ({data.source})"
        if data.events.empty and data.rejected.empty and not data.skipped:
            raise LoadError(f"{label}: holds no {data.source} events")
        for kind, n in data.skipped.items():
            self.skipped[kind] = self.skipped.get(kind, 0) + n
        self.rows_read += len(data.rejected) + sum(data.skipped.values())
        if len(data.rejected):
            rej = data.rejected.copy()
            rej.insert(0, "source", label)
            self.rejected.append(rej)
        self.source_dims.append(data)
        # A source of several tables (Fivetran) numbers rows per table: each table is
        # staged as an input of its own, so that (input, row) names one row.
        events = data.events
        parts = (
            [
                (f"{base}/{table} ({data.source})", part)
                for table, part in events.groupby("_table", sort=False)
            ]
            if "_table" in events.columns
            else [(label, events)]
        )
        for part_label, part in parts:
            part = part.drop(columns=["_table"], errors="ignore")
            if "_row" not in part.columns or not part["_row"].is_unique:
                part = part.assign(_row=range(1, len(part) + 1))
            view = f"input_{next(_ids)}"
            self.con.register(f"{view}_data", part)
            self.con.execute(
                f"CREATE TEMP VIEW {view} AS SELECT {quote_literal(part_label)} AS _file, "
                f"_row, * EXCLUDE (_row) FROM {view}_data"
            )
            self._stage(view, part_label, skip_empty=True)
        if not any(lbl in self.inputs for lbl, _ in parts):
            self.native_labels.append(label)  # read, but gave no events

    def _columns(self, view: str) -> list[str]:
        return [r[0] for r in self.con.execute(f"DESCRIBE {view}").fetchall()][2:]

    def _is_canonical(self, names: list[str]) -> bool:
        renamed = {self.columns.get(n, n) for n in names}
        return set(REQUIRED_COLUMNS) <= renamed

    def _missing_columns(self, label: str, found: list[str]) -> None:
        raise missing_columns_error(label, found, self.columns)

    # -- parsing ----------------------------------------------------------------------
    def _mapping(self, view: str, label: str) -> tuple[dict[str, str], dict[str, str]]:
        """The input's column for each canonical name, and the SQL type of each column."""
        described = self.con.execute(f"DESCRIBE {view}").fetchall()
        types = {r[0]: r[1] for r in described[2:]}
        check = self.source in ("auto", "canonical")
        raw = canonical_names(label, list(types), self.columns, check_unknown=check)
        self.inline_names |= bool({"campaign_name", "email_name", "program"} & set(raw))
        return raw, types

    def _parse_sql(self, canon: str, raw: dict[str, str], types: dict[str, str]) -> str:
        """SQL of one canonical column parsed from the input's raw column."""
        if canon not in raw:
            return "false" if canon == "is_bot" else "NULL"  # no flag: not a bot
        name, sql_type = raw[canon], types[raw[canon]]
        if canon == "event_type":
            return _parse.event_type_sql(name)
        if canon == "timestamp":
            return _parse.timestamp_sql(name, sql_type, self.tz)
        if canon == "is_bot":
            return _parse.bool_sql(name, sql_type)
        return _parse.text_sql(name, sql_type)

    def _stage(self, view: str, label: str, *, skip_empty: bool = False) -> None:
        """Copy an input into the engine's staging table, parsed, with each row's reason."""
        raw, types = self._mapping(view, label)
        parsed = ", ".join(f"{self._parse_sql(c, raw, types)} AS {c}" for c in CANONICAL_COLUMNS)
        raw_names, keep_raw = _raw_columns(raw)
        reason = _parse.reject_reason_sql(raw_names)
        order = ", ".join(("_seq", *CANONICAL_COLUMNS))
        # _seq orders rows across inputs: the input's number, then its row.
        base = len(self.inputs) * SEQ_BASE
        this_input = f"_seq BETWEEN {base} AND {base + SEQ_BASE - 1}"
        try:
            # fetchall, not fetchone: a pending result makes the next con.register fail
            n = self.con.execute(
                f"INSERT INTO staged SELECT {order}, NULLIF({reason}, '') AS _reason FROM "
                f"(SELECT {base} + _row AS _seq, {parsed}, {keep_raw} FROM {view})"
            ).fetchall()[0][0]
            bad = self.con.execute(
                f"SELECT count(*) FROM staged WHERE {this_input} AND _reason IS NOT NULL"
            ).fetchall()[0][0]
        except duckdb.OutOfMemoryException:
            raise
        except duckdb.Error as exc:
            raise LoadError(f"{label}: cannot be read: {_first_line(exc)}") from exc
        if n == 0:
            if skip_empty:
                return
            raise LoadError(f"{label}: holds no rows")
        self.rows_read += n
        self.inputs.append(label)
        self.staged_inputs += 1
        self.staged_bad += bad
        if bad:
            self._ledger(
                view,
                raw,
                f"SELECT _seq - {base} AS _row, _reason AS reason FROM staged "
                f"WHERE {this_input} AND _reason IS NOT NULL",
            )

    def _ledger(self, view: str, raw: dict[str, str], reasons: str) -> None:
        """Keep an input's rejected rows: ``reasons`` gives their ``_row`` and ``reason``,
        the input's view their raw values (named canonically where they map)."""
        rej = self.con.execute(
            "SELECT v._file AS source, v._row AS row, r.reason, "
            "CAST(COLUMNS(v.* EXCLUDE (_file, _row)) AS VARCHAR) "
            f"FROM ({reasons}) r JOIN {view} v ON v._row = r._row ORDER BY r._row"
        ).df()
        self.rejected.append(rej.rename(columns={raw[c]: c for c in raw if raw[c] in rej.columns}))

    def _add_in_place(self, view: str, label: str) -> None:
        """Read a typed, columnar input (Parquet, Arrow) where it lies, without a copy.

        One pass checks the input: the rows the rules cannot count, and for each text
        column whether its raw values are canonical already (trimmed, no empty strings,
        known event types), so that later queries read those columns as they are instead
        of parsing every value again. The input's counted rows are a view.
        """
        raw, types = self._mapping(view, label)
        exact = {c: self._parse_sql(c, raw, types) for c in CANONICAL_COLUMNS}
        known = ", ".join(quote_literal(t) for t in EVENT_TYPES)
        checks: dict[str, str] = {}  # column -> SQL: this row's raw value needs parsing
        for c, name in raw.items():
            if types[name] != "VARCHAR" or c in ("timestamp", "is_bot"):
                continue
            r = quote_ident(name)
            checks[c] = (
                f"{r} NOT IN ({known})"
                if c == "event_type"
                else f"{r} = '' OR {r} LIKE ' %' OR {r} LIKE '% '"
            )
        valid = f"coalesce({_parse.valid_sql('is_bot' in raw)}, false)"
        base = len(self.inputs) * SEQ_BASE

        def query(sql: str) -> tuple:
            try:
                return self.con.execute(sql).fetchall()[0]
            except duckdb.OutOfMemoryException:
                raise
            except duckdb.Error as exc:
                raise LoadError(f"{label}: cannot be read: {_first_line(exc)}") from exc

        # First assume the input canonical: typed columns, text to read as it is. One pass
        # counts the values of each column (Parquet's statistics answer that), takes the
        # time span, and sets a bit per text column whose raw value needs parsing somewhere.
        fast = {**exact, **{c: quote_ident(raw[c]) for c in checks}}
        bits = " | ".join(
            f"CASE WHEN {sql} THEN {1 << i} ELSE 0 END" for i, sql in enumerate(checks.values())
        )
        ts = quote_ident(raw["timestamp"])
        present = ", ".join(f"count({quote_ident(raw[c])})" for c in REQUIRED_COLUMNS)
        ids = f"count({quote_ident(raw['event_id'])})" if "event_id" in raw else "0"
        n, *counts, with_id, first, last, dirty = query(
            f"SELECT count(*), {present}, {ids}, min({ts}), max({ts}), bit_or({bits or 0}) "
            f"FROM {view}"
        )
        parse = {c for i, c in enumerate(checks) if (dirty or 0) >> i & 1}
        canonical = (
            not parse
            and all(k == n for k in counts)
            and types[raw["timestamp"]].startswith("TIMESTAMP WITH TIME ZONE")
            and types.get(raw.get("is_bot", ""), "BOOLEAN") == "BOOLEAN"
            and all(c in checks for c in REQUIRED_COLUMNS if c != "timestamp")
        )
        if canonical:  # every row counts
            bad, no_id = 0, n - with_id
        else:  # parse what needs it, and find the rows the rules cannot count
            fast.update({c: exact[c] for c in parse})
            cols = ", ".join(f"{fast[c]} AS {c}" for c in CANONICAL_COLUMNS)
            n, bad, first, last, no_id = query(
                "SELECT count(*), count(*) FILTER (WHERE NOT __valid), "
                "min(timestamp) FILTER (WHERE __valid), max(timestamp) FILTER (WHERE __valid), "
                "count(*) FILTER (WHERE __valid AND event_id IS NULL) FROM "
                f"(SELECT timestamp, event_id, {valid} AS __valid FROM (SELECT {cols} FROM {view}))"
            )
        if n == 0:
            raise LoadError(f"{label}: holds no rows")
        # The staging table's types (a no-op where the input has them already).
        cols = ", ".join(f"CAST({fast[c]} AS {_TYPES[c]}) AS {c}" for c in CANONICAL_COLUMNS)
        counted = f"SELECT {base} + _row AS _seq, {cols} FROM {view}"
        self.con.execute(
            f"CREATE TEMP VIEW {view}_events AS "
            + (f"SELECT * FROM ({counted}) WHERE {valid}" if bad else counted)
        )
        self.parts.append(f"SELECT * FROM {view}_events")
        self.rows_read += n
        self.inputs.append(label)
        self.counted += n - bad
        self.no_id += no_id
        self.bounds += [t for t in (first, last) if t is not None]
        if bad:
            raw_names, keep_raw = _raw_columns(raw)
            self._ledger(
                view,
                raw,
                f"SELECT _row, {_parse.reject_reason_sql(raw_names)} AS reason "
                f"FROM (SELECT _row, {cols}, {keep_raw} FROM {view}) WHERE NOT {valid}",
            )

    # -- merging ----------------------------------------------------------------------
    def finish(self, *, campaigns: Any, emails: Any, leads: Any) -> EventLog:
        """Merge duplicates, set orphans aside, and define ``events``.

        The counted events are a view: the inputs read in place and the staging table,
        without the rows of the small ``excluded`` table (duplicates and orphans). On the
        way, the records of default rule settings are aggregated once (``load_agg``):
        the orphans are its records without a send, and reports reuse it.
        """
        con = self.con
        labels = self.inputs

        canon = ", ".join(quote_ident(c) for c in CANONICAL_COLUMNS)
        if self.staged_inputs:
            if self.staged_bad:
                con.execute("DELETE FROM staged WHERE _reason IS NOT NULL")
            n, first, last, no_id = con.execute(
                "SELECT count(*), min(timestamp), max(timestamp), count(*) - count(event_id) "
                "FROM staged"
            ).fetchall()[0]
            self.counted += n
            self.no_id += no_id
            self.bounds += [t for t in (first, last) if t is not None]
            self.parts.append(f"SELECT _seq, {canon} FROM staged")
        if not self.parts:  # native inputs that gave no events
            self.parts.append(f"SELECT _seq, {canon} FROM staged")
        con.execute(f"CREATE TEMP VIEW counted AS {' UNION ALL '.join(self.parts)}")
        found = set_aside(con, labels, rows_without_id=bool(self.no_id))
        duplicates, orphans = found.duplicates, found.orphans
        n_excluded = len(duplicates) + len(orphans)
        first = min(self.bounds, default=None)
        last = max(self.bounds, default=None)
        if n_excluded and first is not None:
            # The first and last event stand unless a row set aside held one of them.
            touched = con.execute(
                "SELECT count(*) FROM (SELECT timestamp FROM dups UNION ALL "
                "SELECT timestamp FROM orphan_rows) WHERE timestamp <= ? OR timestamp >= ?",
                [first, last],
            ).fetchall()[0][0]
            if touched:
                first, last = con.execute(
                    "SELECT min(timestamp), max(timestamp) FROM events"
                ).fetchall()[0]
        drop_search_tables(con)
        rejected = combine_ledgers([*self.rejected, orphans])
        n_events = self.counted - n_excluded
        by_reason = rejected["reason"].value_counts().to_dict() if len(rejected) else {}
        summary = LoadSummary(
            inputs=self.inputs + self.native_labels,
            rows_read=self.rows_read,
            events=int(n_events),
            rejected=len(rejected),
            rejected_by_reason={str(k): int(v) for k, v in by_reason.items()},
            duplicates=len(duplicates),
            orphaned=len(orphans),
            skipped=dict(self.skipped),
            first_event=pd.Timestamp(first) if n_events and first is not None else None,
            last_event=pd.Timestamp(last) if n_events and last is not None else None,
        )
        dims = load_dimensions(
            con,
            campaigns=campaigns,
            emails=emails,
            leads=leads,
            native=self.source_dims,
            inline_names=self.inline_names,
            ids_from="load_agg",
        )
        guard = functools.partial(check_unchanged, dict(self.files))
        engine = DuckDBEngine(
            con, aggregates="load_agg", last_event=summary.last_event, guard=guard
        )
        return EventLog(con, summary, dims, rejected, duplicates, engine=engine, guard=guard)


def combine_ledgers(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The rejected rows of all inputs as one ledger (``source, row, reason`` when empty)."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(
            {
                "source": pd.Series(dtype="str"),
                "row": pd.Series(dtype="int64"),
                "reason": pd.Series(dtype="str"),
            }
        )
    rejected = pd.concat(frames, ignore_index=True)
    rejected["row"] = rejected["row"].astype("int64")
    return rejected


def _raw_columns(raw: dict[str, str]) -> tuple[dict[str, str], str]:
    """The raw columns a rejection reason quotes: their ``__raw_`` names, and SQL keeping
    them beside the parsed ones."""
    names = {c: "__raw_" + c for c in ("event_type", "timestamp", "is_bot") if c in raw}
    return names, ", ".join(f"{quote_ident(raw[c])} AS {n}" for c, n in names.items())


def check_unchanged(files: Mapping[str, tuple[int, int]]) -> None:
    """Raise :class:`LoadError` if a file read in place changed since it was loaded.

    A log reads its Parquet files where they lie (no copy), again whenever a report needs
    records for new rule settings; a file rewritten meanwhile would mix two versions.
    """
    for path, (size, mtime) in files.items():
        try:
            stat = os.stat(path)
        except OSError:
            raise LoadError(
                f"{path}: no longer there; it was read in place when loaded: load it again"
            ) from None
        if (stat.st_size, stat.st_mtime_ns) != (size, mtime):
            raise LoadError(
                f"{path} changed after it was loaded (its size or modification time differ); "
                "load it again to report on the new contents"
            )


def missing_columns_error(label: str, found: list[str], columns: Mapping[str, str]) -> SchemaError:
    """The error for an input that lacks required columns (after renaming by ``columns``)."""
    renamed = {columns.get(n, n) for n in found}
    missing = [c for c in REQUIRED_COLUMNS if c not in renamed]
    hint = " (map other names with columns={'their name': 'canonical name'})"
    return SchemaError(
        f"{label}: missing required column{'s' if len(missing) > 1 else ''} "
        f"{', '.join(missing)}; found: {', '.join(found) or 'no columns'}{hint}"
    )


def canonical_names(
    label: str, found: list[str], columns: Mapping[str, str], *, check_unknown: bool = True
) -> dict[str, str]:
    """Map canonical names to the input's columns, renamed by ``columns``.

    Raises
    ------
    SchemaError
        ``columns`` names a column the input lacks (with ``check_unknown``), or a required
        column is missing; the message lists what was found.
    """
    unknown = [s for s in columns if s not in found and columns[s] not in found]
    if unknown and check_unknown:
        raise SchemaError(
            f"{label}: columns= names {', '.join(unknown)}, not in the input; "
            f"found: {', '.join(found)}"
        )
    raw: dict[str, str] = {}
    for name in found:
        canon = columns.get(name, name)
        if canon in CANONICAL_COLUMNS and canon not in raw:
            raw[canon] = name
    if any(c not in raw for c in REQUIRED_COLUMNS):
        raise missing_columns_error(label, found, columns)
    return raw


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
