"""Reading inputs: files, globs, DataFrames, Arrow tables and providers' native exports,
each into a view of the embedded engine that the check pass (:mod:`.check`) reads."""

from __future__ import annotations

import glob
import itertools
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

import duckdb
import pandas as pd
import pyarrow as pa

from campaign_perf.engine.sql import is_database_url, quote_literal
from campaign_perf.errors import LoadError, SchemaError
from campaign_perf.load.check import (
    Checked,
    check_in_place,
    column_types,
    create_staging,
    stage,
)
from campaign_perf.load.columns import is_canonical, missing_columns_error
from campaign_perf.load.parse import TimeWindow
from campaign_perf.load.textfiles import csv_scan, read_error
from campaign_perf.sources import UnknownSourceError

__all__ = [
    "Input",
    "Inputs",
    "Labelled",
    "as_list",
    "check_source",
    "check_unchanged",
    "is_database",
]

_CSV_SUFFIXES = (".csv", ".tsv", ".txt")
_PARQUET_SUFFIXES = (".parquet", ".pq")
_JSONL_SUFFIXES = (".jsonl", ".ndjson")
_ids = itertools.count()


@dataclass(frozen=True)
class Labelled:
    """An Arrow table (or a source's tables by name) with the name the ledger and the
    summary give it: a database's table."""

    label: str
    table: pa.Table | Mapping[str, pd.DataFrame]


Input: TypeAlias = str | Path | pd.DataFrame | pa.Table | Labelled | Mapping[str, pd.DataFrame]


def is_database(data: object) -> bool:
    """Whether ``data`` is a database: a ``postgresql://`` URL or a DB-API connection."""
    if is_database_url(data):
        return True
    tables = (str, Path, pd.DataFrame, pa.Table, Labelled, Mapping)
    return not isinstance(data, tables) and callable(getattr(data, "cursor", None))


def check_source(source: str) -> None:
    """Raise :class:`SchemaError` unless ``source`` names a source (or auto, canonical)."""
    from campaign_perf.sources import SOURCES

    known = ("auto", "canonical", *SOURCES)
    if source not in known:
        raise SchemaError(f"unknown source {source!r}; use one of: {', '.join(known)}")


def as_list(data: Input | Iterable[Input]) -> list[Input]:
    """The inputs one by one: globs expanded, a file named twice read once."""
    one = (str, Path, pd.DataFrame, pa.Table, Labelled, Mapping)
    items: list[Input] = [data] if isinstance(data, one) else list(data)
    out: list[Input] = []
    for item in items:
        glob_chars = any(ch in str(item) for ch in "*?[")
        if isinstance(item, (str, Path)) and glob_chars and not os.path.lexists(item):
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
            key = Path(os.path.realpath(item))  # Path.resolve raises on a link loop
            if key in seen:
                continue
            seen.add(key)
        unique.append(item)
    return unique


class Inputs:
    """The inputs of one load, read one by one and checked, with what they gave.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The load's connection (the ``staged`` table is created in it).
    tz : str
        The zone of naive timestamps.
    columns : dict
        Renames of input columns to canonical names.
    source : str
        ``"auto"``, ``"canonical"`` or a source's name.
    options : dict
        The source reader's options.
    """

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
        self.labels: list[str] = []  # the inputs that gave rows, by number
        self.checked: list[Checked] = []  # what the check pass found in each of them
        self.staged = False  # did any input go to the staging table?
        self.rejected: list[pd.DataFrame] = []  # ledgers of the inputs and sources
        self.rows_read = 0
        self.skipped: dict[str, int] = {}
        self.source_dims: list[Any] = []
        self.files: dict[str, tuple[int, int]] = {}  # files read in place: (size, mtime_ns)
        self.native_labels: list[str] = []
        self.inline_names = False  # did any input carry campaign/email/program names?
        self.window = TimeWindow.at_load()  # the plausible time of an event
        self._ledger_at: dict[int, int] = {}  # unchecked keys: input -> place in the ledger
        create_staging(con)

    def add(self, item: Input) -> None:
        """Read one input (a path, a DataFrame or an Arrow table) and check it."""
        view = f"input_{next(_ids)}"
        if isinstance(item, Labelled):  # a database's table, or a source's tables by name
            if isinstance(item.table, pa.Table):
                self._add_table(item.table, view, item.label)
            else:
                self._add_native(dict(item.table), item.label)
            return
        if isinstance(item, Mapping):  # a source's tables by name (Fivetran's)
            self._add_native(dict(item), "<tables>")
            return
        if self.source not in ("auto", "canonical"):
            self._add_native(item, str(item) if isinstance(item, (str, Path)) else "<table>")
            return
        if isinstance(item, (pd.DataFrame, pa.Table)):
            label = f"<{type(item).__name__} {len(self.labels) + 1}>"
            self._add_table(item, view, label)
            return
        path = Path(item)
        label = str(item)
        if path.is_dir():
            self._add_native(path, label)
            return
        if not path.exists():
            what = "a symbolic link to no file (a loop?)" if path.is_symlink() else "no such file"
            raise LoadError(f"{label}: {what}")
        if path.stat().st_size == 0:
            raise LoadError(f"{label}: the file is empty")
        suffixes = [s.lower() for s in path.suffixes if s.lower() not in (".gz", ".zst")]
        suffix = suffixes[-1] if suffixes else ""
        p = quote_literal(str(path))
        rows, exclude, csv = "row_number() OVER ()", "", None
        if suffix in _PARQUET_SUFFIXES:
            scan = f"read_parquet({p}, file_row_number = true)"
            rows, exclude = "file_row_number + 1", " EXCLUDE (file_row_number)"
        elif suffix in _CSV_SUFFIXES:
            csv = csv_scan(self.con, path, label, view)
            scan = csv.scan
            if csv.row is not None:
                rows, exclude = csv.row, f" EXCLUDE ({csv.row})"
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
            self.con.execute(
                f"CREATE TEMP VIEW {view} AS SELECT {quote_literal(label)} AS _file, "
                f"{rows} AS _row, *{exclude} FROM {scan}"
            )
            names = [r[0] for r in self.con.execute(f"DESCRIBE {view}").fetchall()][2:]
        except duckdb.OutOfMemoryException:
            raise
        except duckdb.Error as exc:
            if suffix in (".json", ".csv") and self.source != "canonical":
                try:
                    self._add_native(path, label)
                except UnknownSourceError:  # nor a source's: say what stopped the reader
                    raise read_error(label, suffix[1:], exc) from exc
                return
            raise read_error(label, suffix[1:], exc) from exc
        if not (is_canonical(names, self.columns) or self.source == "canonical"):
            self._add_native(path, label, found=names)
        elif suffix in _PARQUET_SUFFIXES:  # columnar and typed: read where it lies
            stat = path.stat()
            self.files[str(path)] = (stat.st_size, stat.st_mtime_ns)
            self._check(view, label, in_place=True)
        else:
            self._check(view, label)
            if csv is not None and len(csv.unreadable):  # lines the CSV reader could not split
                self.rows_read += len(csv.unreadable)
                self.rejected.append(csv.unreadable)

    def _add_table(self, table: pd.DataFrame | pa.Table, view: str, label: str) -> None:
        df = table
        if isinstance(table, pd.DataFrame):
            df = table.reset_index(drop=True)
        names = [str(c) for c in df.columns] if isinstance(df, pd.DataFrame) else df.column_names
        if not is_canonical(names, self.columns) and self.source != "canonical":
            self._add_native(df, label, found=names)
            return
        if isinstance(df, pa.Table):  # immutable: read where it lies, like Parquet
            rows = pa.array(range(1, df.num_rows + 1), pa.int64())
            self.con.register(f"{view}_data", df.append_column("__cp_row", rows))
            self.con.execute(
                f"CREATE TEMP VIEW {view} AS SELECT {quote_literal(label)} AS _file, "
                f"__cp_row AS _row, * EXCLUDE (__cp_row) FROM {view}_data"
            )
            self._check(view, label, in_place=True)
            return
        # A DataFrame can change after loading: it is copied into the engine.
        self.con.register(f"{view}_data", df)
        self.con.execute(
            f"CREATE TEMP VIEW {view} AS SELECT {quote_literal(label)} AS _file, "
            f"row_number() OVER () AS _row, * FROM {view}_data"
        )
        self._check(view, label)

    def _add_native(self, obj: Any, label: str, found: list[str] | None = None) -> None:
        """Read a native export (an ESP webhook dump, a Marketo extract) via its source."""
        from campaign_perf import sources

        if self.source == "canonical":
            raise missing_columns_error(label, found or [], self.columns)
        try:
            data = sources.read_source(obj, self.source, **{"tz": self.tz, **self.options})
        except SchemaError as exc:
            if found is not None and self.source == "auto":
                try:
                    raise missing_columns_error(label, found, self.columns)
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
            self._check(view, part_label, skip_empty=True)
        if not any(lbl in self.labels for lbl, _ in parts):
            self.native_labels.append(label)  # read, but gave no events

    def _check(
        self, view: str, label: str, *, in_place: bool = False, skip_empty: bool = False
    ) -> None:
        """Check an input's view (in place or staged) and keep what it gave."""
        check = self.source in ("auto", "canonical")
        raw, types = column_types(self.con, view, label, self.columns, check_unknown=check)
        self.inline_names |= bool({"campaign_name", "email_name", "program"} & set(raw))
        run = check_in_place if in_place else stage
        checked = run(
            self.con,
            view,
            label,
            raw,
            types,
            tz=self.tz,
            number=len(self.labels),
            window=self.window,
        )
        if checked.rows == 0:
            if skip_empty:
                return
            raise LoadError(f"{label}: holds no rows")
        self.staged |= not in_place
        self.rows_read += checked.rows
        self.labels.append(label)
        self.checked.append(checked)
        if checked.ledger is not None:
            self.rejected.append(checked.ledger)
        if checked.recheck is not None:  # its ledger, if the full check finds one, goes here
            self._ledger_at[len(self.checked) - 1] = len(self.rejected)

    def recheck(self) -> None:
        """Check fully the inputs whose record keys were taken unchecked
        (:attr:`~campaign_perf.load.check.Checked.recheck`), each rejected row in the
        ledger where the input's own would have been."""
        for i, at in sorted(self._ledger_at.items(), reverse=True):
            recheck = self.checked[i].recheck
            assert recheck is not None
            self.checked[i] = checked = recheck()
            if checked.ledger is not None:
                self.rejected.insert(at, checked.ledger)
        self._ledger_at.clear()


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
