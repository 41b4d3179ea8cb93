"""The output folder of a Marketo fetch: activities as Parquet, one file per month, the
dimension tables beside them, and the state of the fetch. Every file is written under a
temporary name and renamed over its target (:func:`campaign_perf.files.atomic_path`), so a
half-written file never appears.

::

    marketo/
      activities/month=2026-01/activities.parquet   the bulk extract's columns, as text
      activities/month=2026-02/activities.parquet
      activity_types.parquet   campaigns.parquet   programs.parquet   emails.parquet
      fetch_state.json         what is fetched, the jobs under way
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from campaign_perf.errors import FetchError
from campaign_perf.fetch.windows import Window
from campaign_perf.files import atomic_path
from campaign_perf.sources.marketo_bulk import COLUMNS

__all__ = [
    "COLUMNS",
    "STATE_NAME",
    "partitions",
    "read_export",
    "read_state",
    "referenced",
    "write_state",
    "write_table",
    "write_window",
]

STATE_NAME = "fetch_state.json"
_SCHEMA = pa.schema([(c, pa.string()) for c in COLUMNS])


def partition(out: Path, month: str) -> Path:
    """The activities file of a month (``YYYY-MM``)."""
    return out / "activities" / f"month={month}" / "activities.parquet"


def partitions(out: Path) -> list[Path]:
    """The activities files of the folder, in month order."""
    return sorted((out / "activities").glob("month=*/activities.parquet"))


def read_export(path: Path) -> pd.DataFrame:
    """The rows of a downloaded bulk export CSV, all text; Marketo's ``null`` and empty
    cells as missing. Columns outside the default export are dropped.

    Raises
    ------
    FetchError
        The file is not a CSV of a bulk activity export.
    """
    if path.stat().st_size == 0:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in COLUMNS})
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise FetchError(f"Marketo's export file is not a readable CSV: {exc}") from None
    missing = [c for c in ("leadId", "activityDate", "activityTypeId") if c not in frame]
    if missing:
        raise FetchError(
            f"Marketo's export file lacks the columns {missing} (found {list(frame.columns)})"
        )
    out = pd.DataFrame(index=frame.index)
    for col in COLUMNS:
        values = frame[col] if col in frame else pd.Series("", index=frame.index)
        out[col] = values.astype(object).where(~values.isin(["", "null"]), None)
    return out


def write_window(out: Path, window: Window, rows: pd.DataFrame) -> None:
    """Put the rows of one window into its month's file, replacing what the file held for
    that window (rows in ``[start, end)``, and rows of the same ``marketoGUID``)."""
    path = partition(out, window.month)
    parts = [rows]
    if path.exists():
        old = pq.read_table(path).to_pandas()
        when = pd.to_datetime(old["activityDate"], utc=True, format="ISO8601", errors="coerce")
        inside = (when >= pd.Timestamp(window.start)) & (when < pd.Timestamp(window.end))
        again = old["marketoGUID"].isin(rows["marketoGUID"].dropna())
        parts.insert(0, old[~(inside | again)])
    frame = pd.concat(parts, ignore_index=True)
    when = pd.to_datetime(frame["activityDate"], utc=True, format="ISO8601", errors="coerce")
    frame = frame.assign(_when=when).sort_values(["_when", "marketoGUID"], kind="stable")
    table = pa.Table.from_pandas(frame[list(COLUMNS)], schema=_SCHEMA, preserve_index=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)


def write_table(out: Path, name: str, frame: pd.DataFrame) -> Path:
    """Write a dimension table as ``<name>.parquet`` (every column as text)."""
    path = out / f"{name}.parquet"
    text = frame.astype(object).where(frame.notna(), None)
    schema = pa.schema([(str(c), pa.string()) for c in frame.columns])
    table = pa.Table.from_pandas(text.astype(object), schema=schema, preserve_index=False)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)
    return path


def read_table(out: Path, name: str) -> pd.DataFrame | None:
    """A dimension table written before, or None."""
    path = out / f"{name}.parquet"
    return pq.read_table(path).to_pandas() if path.exists() else None


def referenced(out: Path, type_ids: Iterable[int]) -> set[str]:
    """The email ids (``primaryAttributeValueId``) of the activities of ``type_ids``."""
    wanted = {str(t) for t in type_ids}
    found: set[str] = set()
    for path in partitions(out):
        table = pq.read_table(path, columns=["activityTypeId", "primaryAttributeValueId"])
        frame = table.to_pandas()
        ids = frame.loc[frame["activityTypeId"].isin(wanted), "primaryAttributeValueId"]
        found.update(ids.dropna().astype(str))
    return found


def read_state(out: Path) -> dict[str, Any]:
    """The state of the fetches into ``out`` (empty when there was none)."""
    path = out / STATE_NAME
    if not path.exists():
        return {}
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise FetchError(
            f"{path}: the state of earlier fetches cannot be read ({exc}); move the file "
            "away to fetch everything again"
        ) from None
    if not isinstance(state, dict):
        raise FetchError(f"{path}: not the state of a Marketo fetch")
    return state


def write_state(out: Path, state: dict[str, Any]) -> None:
    """Write the state (atomically)."""
    with atomic_path(out / STATE_NAME) as tmp:
        tmp.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n", encoding="utf-8")
