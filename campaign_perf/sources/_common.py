"""Helpers shared by the source readers.

Reading a payload (:func:`load`), turning native values into canonical ones (:func:`text`,
:func:`truthy`, :func:`parse_timestamps`) and collecting events, skipped kinds and rejected
items into a :class:`SourceData` (:class:`EventBuilder`, :func:`finish_events`).
"""

from __future__ import annotations

import csv
import datetime
import gzip
import io
import json
import math
import os
import re
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from campaign_perf.clients import known, normal_device
from campaign_perf.errors import LoadError
from campaign_perf.schema import CANONICAL_COLUMNS, FLAG_COLUMNS, NOT_ONE_ID, TIMESTAMP_YEARS

#: Placeholders for a payload that names no campaign / no email asset.
NO_CAMPAIGN = "(no campaign)"
NO_EMAIL = "(no email)"

#: Columns of the events frame of a :class:`SourceData`, in order.
EVENT_COLUMNS: tuple[str, ...] = (*CANONICAL_COLUMNS, "_row")
REJECTED_COLUMNS: tuple[str, ...] = ("row", "reason", "raw")

_JSON_SUFFIXES = {".json", ".jsonl", ".ndjson"}
_CSV_SUFFIXES = {".csv", ".tsv"}
_PARQUET_SUFFIXES = {".parquet", ".pq"}


def empty_rejected() -> pd.DataFrame:
    """Return an empty rejected-items frame (columns ``row``, ``reason``, ``raw``)."""
    return pd.DataFrame(
        {
            "row": pd.Series([], dtype="int64"),
            "reason": pd.Series([], dtype="str"),
            "raw": pd.Series([], dtype="str"),
        }
    )


@dataclass
class SourceData:
    """Canonical events read from one native export, plus what did not become an event.

    Attributes
    ----------
    source : str
        Name of the source (a key of ``campaign_perf.sources.SOURCES``).
    events : pandas.DataFrame
        Canonical events (``campaign_perf.schema.CANONICAL_COLUMNS``) and ``_row``, the
        1-based position of the native item the event comes from.
    campaigns, emails, leads : pandas.DataFrame or None
        Dimension tables when the source has them.
    skipped : dict of str to int
        Native kinds that give no canonical event, counted per kind.
    rejected : pandas.DataFrame
        Malformed items: ``row`` (int), ``reason`` (str), ``raw`` (str).
    """

    source: str
    events: pd.DataFrame
    campaigns: pd.DataFrame | None = None
    emails: pd.DataFrame | None = None
    leads: pd.DataFrame | None = None
    skipped: dict[str, int] = field(default_factory=dict)
    rejected: pd.DataFrame = field(default_factory=empty_rejected)


def where_read(
    *,
    user_agent: Any = None,
    ip: Any = None,
    client: Any = None,
    os: Any = None,
    device: Any = None,
    country: Any = None,
) -> dict[str, str | None]:
    """The optional columns of where an open or a click was read (RULES.md section 9), from
    a source's values: text, with "unknown" read as missing and devices made canonical."""
    return {
        "user_agent": text(user_agent),
        "ip": text(ip),
        "client": known(text(client)),
        "os": known(text(os)),
        "device": normal_device(text(device)),
        "country": c.upper() if (c := known(text(country))) else None,
    }


# --------------------------------------------------------------------------- payloads


@dataclass
class Payload:
    """A payload read once and shared by ``detect`` and ``read``.

    ``kind`` is ``"json"`` (``docs``: ``(row, document)`` pairs; ``bad``: lines that are
    not JSON, as ``(row, reason, raw)``), ``"csv"`` (``frame``: all cells as str, ``""``
    when empty) or ``"tables"`` (``tables``: name -> such a frame).
    """

    kind: str
    name: str
    docs: list[tuple[int, Any]] = field(default_factory=list)
    bad: list[tuple[int, str, str]] = field(default_factory=list)
    frame: pd.DataFrame | None = None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


def load(obj: Any) -> Payload:
    """Read ``obj`` into a :class:`Payload`.

    Parameters
    ----------
    obj : str, os.PathLike, list, dict, pandas.DataFrame or Payload
        A file (JSON array or object, JSON Lines / concatenated JSON, CSV; ``.gz``
        compressed too), a directory of CSV tables, parsed JSON, a DataFrame, or a dict of
        DataFrames (tables by name).

    Returns
    -------
    Payload

    Raises
    ------
    LoadError
        The file is missing, empty or neither JSON nor CSV.
    TypeError
        ``obj`` is of none of the accepted types.
    """
    if isinstance(obj, Payload):
        return obj
    if isinstance(obj, pd.DataFrame):
        return Payload("csv", "DataFrame", frame=str_frame(obj))
    if isinstance(obj, Mapping):
        if obj and all(isinstance(v, pd.DataFrame) for v in obj.values()):
            tables = {str(k): str_frame(v) for k, v in obj.items()}
            return Payload("tables", "tables", tables=tables)
        return Payload("json", "JSON object", docs=[(1, obj)])
    if isinstance(obj, list | tuple):
        return Payload("json", "JSON array", docs=list(enumerate(obj, start=1)))
    if isinstance(obj, str | os.PathLike):
        return _load_path(Path(obj))
    raise TypeError(f"cannot read a {type(obj).__name__}: pass a path, parsed JSON or DataFrame")


def _load_path(path: Path) -> Payload:
    if path.is_dir():
        return Payload("tables", str(path), tables=_read_tables(path))
    if not path.is_file():
        raise LoadError(f"{path}: no such file")
    if _is_csv_name(path.name):
        return Payload("csv", str(path), frame=_read_csv(path))
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        content = raw.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError, EOFError, zlib.error) as exc:
        raise LoadError(f"{path}: cannot read the file: {exc}") from exc
    if not content.strip():
        raise LoadError(f"{path}: the file is empty")
    inner_suffix = Path(path.stem).suffix if path.suffix == ".gz" else path.suffix
    if inner_suffix not in _JSON_SUFFIXES and content.lstrip()[:1] not in ("{", "["):
        return Payload("csv", str(path), frame=_read_csv(path))
    return _parse_json_text(content, str(path))


def _read_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """The tables of a folder: its CSV files, and its Parquet files at any depth (a table
    partitioned into sub-folders, e.g. ``activities/month=2026-01/activities.parquet``).

    Tables are named by their path in the folder without the suffix. Hidden files and
    folders (a name starting with ``.``, such as a file still being written) are left out.
    """
    csvs = sorted(p for p in folder.iterdir() if _is_csv_name(p.name) and p.is_file())
    parquets = sorted(
        p
        for p in folder.rglob("*")
        if p.suffix.lower() in _PARQUET_SUFFIXES
        and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )
    tables = {_stem(p): _read_csv(p) for p in csvs if not p.name.startswith(".")}
    for p in parquets:
        tables[p.relative_to(folder).with_suffix("").as_posix()] = _read_parquet(p)
    if not tables:
        raise LoadError(f"{folder}: the directory holds no CSV or Parquet table")
    return tables


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise LoadError(f"{path}: not a readable Parquet file: {exc}") from exc
    return str_frame(frame)


def _is_csv_name(name: str) -> bool:
    name = name.lower().removesuffix(".gz")
    return Path(name).suffix in _CSV_SUFFIXES


def _stem(path: Path) -> str:
    name = path.name.removesuffix(".gz")
    return name.rsplit(".", 1)[0]


def _read_csv(path: Path) -> pd.DataFrame:
    sep = "\t" if ".tsv" in path.name.lower() else ","
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", sep=sep)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise LoadError(f"{path}: not a readable CSV file: {exc}") from exc
    except (OSError, EOFError, zlib.error) as exc:  # a broken compressed file
        raise LoadError(f"{path}: cannot read the file: {exc}") from exc
    return str_frame(frame)


def _parse_json_text(content: str, name: str) -> Payload:
    try:
        doc = json.loads(content)
    except json.JSONDecodeError:
        pass
    except RecursionError:
        raise _too_deep(name) from None
    else:
        if isinstance(doc, list):
            return Payload("json", name, docs=list(enumerate(doc, start=1)))
        return Payload("json", name, docs=[(1, doc)])
    try:
        docs, bad = _parse_json_stream(content)
    except RecursionError:
        raise _too_deep(name) from None
    if not docs:
        raise LoadError(f"{name}: neither JSON nor JSON Lines ({bad[0][1]})")
    return Payload("json", name, docs=docs, bad=bad)


def _too_deep(name: str) -> LoadError:
    return LoadError(
        f"{name}: JSON nested too deeply to read (arrays or objects inside each other "
        "thousands of times): not an export of email events"
    )


def _parse_json_stream(content: str) -> tuple[list[tuple[int, Any]], list[tuple[int, str, str]]]:
    """Parse JSON Lines or concatenated JSON values; rows are 1-based line numbers."""
    decoder = json.JSONDecoder()
    docs: list[tuple[int, Any]] = []
    bad: list[tuple[int, str, str]] = []
    pos, end = 0, len(content)
    while True:
        while pos < end and content[pos].isspace():
            pos += 1
        if pos >= end:
            break
        line = content.count("\n", 0, pos) + 1
        try:
            doc, pos = decoder.raw_decode(content, pos)
        except json.JSONDecodeError as exc:
            stop = content.find("\n", pos)
            stop = end if stop < 0 else stop
            bad.append((line, f"invalid JSON: {exc.msg}", content[pos:stop].rstrip("\r")))
            pos = stop
            continue
        docs.append((line, doc))
    return docs, bad


def str_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with every cell as str (``""`` when missing) and str column names."""
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for col in frame.columns:
        column = frame[col].reset_index(drop=True)
        if pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty"):
            values = column.astype(object).fillna("").astype("str")
        else:
            values = pd.Series([text(v) or "" for v in column.tolist()], dtype="str")
        out[str(col).lstrip("\ufeff")] = values
    return out


def expand(
    docs: list[tuple[int, Any]], is_container: Callable[[Any], list | None]
) -> list[tuple[int, Any]]:
    """Replace container documents by their items.

    ``is_container(doc)`` returns the item list of a container document (e.g. the
    ``items`` of a Mailgun event page) or None. With no container the documents are
    returned unchanged; otherwise rows are the running position of each item.
    """
    found = [(row, doc, is_container(doc)) for row, doc in docs]
    if all(items is None for _, _, items in found):
        return docs
    out: list[tuple[int, Any]] = []
    for _, doc, items in found:
        for item in items if items is not None else [doc]:
            out.append((len(out) + 1, item))
    return out


def first_dicts(payload: Payload, limit: int = 5) -> list[dict]:
    """Return up to ``limit`` JSON documents of ``payload`` that are objects."""
    return list(islice((doc for _, doc in payload.docs if isinstance(doc, dict)), limit))


def mostly(items: list[Any], predicate: Callable[[Any], bool]) -> bool:
    """True when ``items`` is not empty and more than half of them satisfy ``predicate``.

    Detection looks at the first few items and tolerates a malformed one among them.
    """
    return bool(items) and 2 * sum(1 for item in items if predicate(item)) > len(items)


def describe(payload: Payload) -> str:
    """Describe what a payload looks like (top-level keys or columns), for error messages."""
    if payload.kind == "csv":
        assert payload.frame is not None
        return f"CSV columns {list(payload.frame.columns)}"
    if payload.kind == "tables":
        return f"tables {sorted(payload.tables)}"
    dicts = first_dicts(payload, 1)
    if not payload.docs:
        return "an empty JSON array"
    if not dicts:
        return f"JSON values of type {type(payload.docs[0][1]).__name__}"
    where = "first JSON object" if len(payload.docs) > 1 else "JSON object"
    return f"{where} with top-level keys {sorted(map(str, dicts[0]))}"


# --------------------------------------------------------------------------- values


def text(value: Any) -> str | None:
    """Return ``value`` as a non-empty str, or None when missing or empty.

    Integral floats lose their ``.0`` (ids read from a numeric column), booleans become
    ``"true"``/``"false"``, other non-str values use ``str``.
    """
    if type(value) is str:
        return value or None
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return str(int(value))
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    out = value if isinstance(value, str) else str(value)
    return out or None


def first_text(*values: Any) -> str | None:
    """Return the first of ``values`` that :func:`text` turns into a str."""
    for value in values:
        out = text(value)
        if out is not None:
            return out
    return None


#: The words (trimmed, in lower case) a bot/boolean flag reads as false.
FALSE_WORDS = ("", "false", "0", "no", "null", "none", "n", "f")


def truthy(value: Any) -> bool:
    """Read a bot/boolean flag: true for True, non-zero numbers and non-empty strings other
    than ``false``, ``0``, ``no``, ``null``, ``none``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    if isinstance(value, bool | int | float):
        return bool(value)
    if isinstance(value, str):
        return value.strip().lower() not in FALSE_WORDS
    return bool(value)


def dig(item: Any, *keys: str | int) -> Any:
    """Return ``item[k1][k2]...`` or None when a level is missing or of the wrong type."""
    for key in keys:
        if isinstance(key, int):
            if not isinstance(item, list) or not -len(item) <= key < len(item):
                return None
        elif not isinstance(item, dict) or key not in item:
            return None
        item = item[key]
    return item


def dumps(item: Any) -> str:
    """Return the JSON text of a native item (for the rejected ledger)."""
    try:
        return json.dumps(item, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return repr(item)


def csv_line(values: Iterable[Any]) -> str:
    """Return one CSV line (no line break) holding ``values``."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(["" if v is None else v for v in values])
    return buf.getvalue()


# --------------------------------------------------------------------------- timestamps

#: Epoch seconds of the first and after the last instant of :data:`TIMESTAMP_YEARS`.
_EPOCH_RANGE = tuple(
    (
        datetime.datetime(year, 1, 1, tzinfo=datetime.UTC)
        - datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
    ).total_seconds()
    for year in (TIMESTAMP_YEARS[0], TIMESTAMP_YEARS[1] + 1)
)
_AWARE = re.compile(r"(?:Z|[+-]\d{2}(?::?\d{2})?)$", re.IGNORECASE)


def parse_timestamps(values: pd.Series, mode: str, tz: str | None = None) -> pd.Series:
    """Parse native timestamps to ``datetime64[ns, UTC]``; NaT where missing or unreadable.

    Parameters
    ----------
    values : pandas.Series
        Raw values (str, int, float or None).
    mode : {"epoch", "iso"}
        ``"epoch"``: seconds since 1970 (int, float or numeric str), kept to the
        microsecond. ``"iso"``: ISO 8601 strings; strings without an offset are local time
        in ``tz`` (UTC when ``tz`` is None).
    tz : str, optional
        IANA zone of naive ISO strings.

    Returns
    -------
    pandas.Series
    """
    values = pd.Series(values, dtype=object).reset_index(drop=True)
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
    if mode == "epoch":
        numbers = pd.to_numeric(
            values.map(lambda v: None if isinstance(v, bool) else v), errors="coerce"
        ).to_numpy(dtype="float64")
        ok = np.isfinite(numbers) & (numbers >= _EPOCH_RANGE[0]) & (numbers < _EPOCH_RANGE[1])
        micros = np.round(numbers[ok] * 1e6).astype("int64")
        out[ok] = pd.to_datetime(micros, unit="us", utc=True).as_unit("ns")
        return out
    if mode != "iso":
        raise ValueError(f"unknown timestamp mode {mode!r}")
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        strings = values.astype("str").str.strip()
    else:
        strings = values.map(lambda v: v.strip() if isinstance(v, str) else None).astype("str")
    has = strings.notna() & (strings != "")
    if not has.any():
        return out
    local = pd.Series(False, index=values.index)
    if tz:
        aware = strings.str.contains(":", regex=False) & strings.str.contains(_AWARE)
        local = has & ~aware.fillna(False).astype(bool)
    as_utc = has & ~local
    if as_utc.any():
        parsed = pd.to_datetime(strings[as_utc], format="ISO8601", utc=True, errors="coerce")
        out[as_utc] = _within_years(parsed).dt.as_unit("ns")
    if local.any():
        naive = _within_years(pd.to_datetime(strings[local], format="ISO8601", errors="coerce"))
        localized = naive.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
        out[local] = localized.dt.tz_convert("UTC").dt.as_unit("ns")
    return out


def _within_years(parsed: pd.Series) -> pd.Series:
    """``parsed`` with NaT where the year is outside :data:`TIMESTAMP_YEARS`."""
    first, last = TIMESTAMP_YEARS
    return parsed.where(parsed.dt.year.between(first, last))


def _present(value: Any) -> bool:
    return text(value) is not None


# --------------------------------------------------------------------------- frames


def conform_events(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with exactly the :data:`EVENT_COLUMNS`, typed, in ``_row`` order.

    Extra columns starting with ``_`` (e.g. ``_table``) are kept at the end.
    """
    out = pd.DataFrame(index=frame.index)
    for col in EVENT_COLUMNS:
        if col == "timestamp":
            values = frame.get(col, pd.NaT)
            out[col] = pd.Series(values, index=frame.index, dtype="datetime64[ns, UTC]")
        elif col in FLAG_COLUMNS:
            flags = frame[col] if col in frame else pd.Series(False, index=frame.index)
            out[col] = flags if flags.dtype == bool else flags.map(truthy).astype(bool)
        elif col == "_row":
            out[col] = frame[col].astype("int64")
        else:
            values = frame[col] if col in frame else pd.Series(None, index=frame.index)
            out[col] = values.astype(object).astype("str")
    for col in frame.columns:
        if col.startswith("_") and col not in out:
            out[col] = frame[col]
    out = out.sort_values("_row", kind="stable").reset_index(drop=True)
    return out


def rejected_frame(rows: list[tuple[int, str, str]]) -> pd.DataFrame:
    """Return the rejected-items frame of ``(row, reason, raw)`` tuples, sorted by row."""
    if not rows:
        return empty_rejected()
    frame = pd.DataFrame(rows, columns=list(REJECTED_COLUMNS))
    frame["row"] = frame["row"].astype("int64")
    frame["reason"] = frame["reason"].astype("str")
    frame["raw"] = frame["raw"].astype("str")
    frame = frame.drop_duplicates(["row", "reason"])
    return frame.sort_values("row", kind="stable").reset_index(drop=True)


def split_timestamps(
    frame: pd.DataFrame, mode: str, tz: str | None
) -> tuple[pd.DataFrame, pd.Series]:
    """Parse ``frame["timestamp"]`` in place; return the frame and the unreadable-value mask.

    A missing timestamp is left as NaT (the loader rejects it); a present value that
    cannot be parsed is flagged in the mask.
    """
    raw = frame["timestamp"].reset_index(drop=True)
    frame = frame.reset_index(drop=True)
    parsed = parse_timestamps(raw, mode, tz)
    bad = pd.Series(False, index=raw.index)
    missing = parsed.isna()
    bad[missing] = raw[missing].map(_present).astype(bool)
    frame["timestamp"] = parsed
    return frame, bad


def unreadable_reason(value: Any, tz: str | None) -> str:
    """Reason of a rejected item whose timestamp cannot be read."""
    where = f" in time zone {tz}" if tz else ""
    return f"unparseable timestamp {value!r}{where}"


class EventBuilder:
    """Collect events, skipped kinds and rejected items of item-by-item sources.

    Parameters
    ----------
    source : str
        Source name.
    ts_mode : {"epoch", "iso"}
        How the timestamps given to :meth:`add` are parsed (see :func:`parse_timestamps`).
    tz : str, optional
        Zone of naive ISO timestamps.
    raw : callable, default :func:`dumps`
        Turns an item into the text stored in the rejected ledger.
    bad : list of (row, reason, raw), optional
        Items already rejected while reading the payload.
    """

    def __init__(
        self,
        source: str,
        ts_mode: str,
        tz: str | None = None,
        raw: Callable[[Any], str] = dumps,
        bad: Iterable[tuple[int, str, str]] = (),
    ) -> None:
        self.source = source
        self.ts_mode = ts_mode
        self.tz = tz
        self.raw = raw
        self.rows: list[dict[str, Any]] = []
        self.items: list[Any] = []
        self.messages: list[Any] = []  # per row: the message it belongs to (None: unknown)
        self.retried: list[str | None] = []  # per row: the kind a superseded retry counts as
        self.skipped: Counter[str] = Counter()
        self.rejected: list[tuple[int, str, str]] = list(bad)

    def add(
        self,
        row: int,
        item: Any,
        event_type: str,
        timestamp: Any,
        campaign_id: Any,
        email_id: Any,
        lead_id: Any,
        *,
        message: Any = None,
        retried: str | None = None,
        **optional: Any,
    ) -> None:
        """Add one canonical event read from ``item`` (the native item at ``row``).

        ``optional`` holds the optional canonical columns (``campaign_name``, ``link``,
        ``is_bot``, ``event_id``, ...). An id that is a list or an object rejects the item.

        ``message`` names the message the event belongs to (e.g. its message id and
        recipient). A soft bounce added with ``retried`` is a temporary failure: when a
        delivery or a hard bounce of the same message follows (at the same instant or
        later), the provider retried and the failure is no bounce: :meth:`finish` drops it
        and counts it as the skipped kind ``retried``.
        """
        ids = {"campaign_id": campaign_id, "email_id": email_id, "lead_id": lead_id}
        for name, value in ids.items():
            if isinstance(value, dict | list | tuple):
                self.reject(row, f"{name} {NOT_ONE_ID}", item)
                return
        record = {
            "event_type": event_type,
            "timestamp": timestamp,
            "campaign_id": text(campaign_id) or NO_CAMPAIGN,
            "email_id": text(email_id) or NO_EMAIL,
            "lead_id": text(lead_id),
            "_row": row,
        }
        for key, value in optional.items():
            record[key] = bool(value) if key in FLAG_COLUMNS else text(value)
        self.rows.append(record)
        self.items.append(item)
        self.messages.append(message)
        self.retried.append(retried)

    def skip(self, kind: str, count: int = 1) -> None:
        """Count ``count`` native items of ``kind`` that give no canonical event."""
        self.skipped[kind] += count

    def unknown(self, kind: Any) -> None:
        """Count a native kind the reader does not know (``"unknown: <kind>"``)."""
        self.skip(f"unknown: {kind}")

    def reject(self, row: int, reason: str, item: Any) -> None:
        """Put a malformed item in the rejected ledger."""
        self.rejected.append((row, reason, self.raw(item)))

    def finish(self, **dims: pd.DataFrame | None) -> SourceData:
        """Return the :class:`SourceData` (timestamps parsed; unreadable ones rejected)."""
        frame = pd.DataFrame(self.rows, columns=list(EVENT_COLUMNS))
        frame, bad = split_timestamps(frame, self.ts_mode, self.tz)
        raw_ts = [r["timestamp"] for r in self.rows]
        native_rows = frame["_row"].to_numpy()
        for pos in np.flatnonzero(bad.to_numpy()):
            reason = unreadable_reason(raw_ts[pos], self.tz)
            self.reject(int(native_rows[pos]), reason, self.items[pos])
        keep = ~bad.to_numpy()
        keep &= ~self._superseded(frame, keep)
        events = conform_events(frame[keep])
        return SourceData(
            source=self.source,
            events=events,
            skipped=dict(self.skipped),
            rejected=rejected_frame(self.rejected),
            **dims,
        )

    def _superseded(self, frame: pd.DataFrame, keep: np.ndarray) -> np.ndarray:
        """Rows of temporary failures that a delivery or a hard bounce of the same message
        follows; each is counted as its skipped kind."""
        out = np.zeros(len(frame), dtype=bool)
        if not any(self.retried):
            return out
        rows = pd.DataFrame(
            {
                "message": pd.Series(self.messages, dtype=object),
                "type": frame["event_type"].to_numpy(),
                "at": frame["timestamp"].to_numpy(),
                "keep": keep,
            }
        )
        known = rows["message"].notna() & rows["keep"]
        outcome = known & rows["type"].isin(("delivered", "hard_bounce"))
        last = rows[outcome].groupby("message")["at"].max()
        retried = pd.Series(self.retried, dtype=object)
        candidate = known & retried.notna() & (rows["type"] == "soft_bounce")
        followed = rows.join(last.rename("last"), on="message")["last"]  # NaT: no outcome
        out = (candidate & (followed >= rows["at"])).to_numpy(dtype=bool)
        for kind in retried[out]:
            self.skip(kind)
        return out


def not_an_object(builder: EventBuilder, row: int, item: Any) -> bool:
    """Reject ``item`` when it is not a JSON object; return True if rejected."""
    if isinstance(item, dict):
        return False
    builder.reject(row, f"not a JSON object but {type(item).__name__}", item)
    return True
