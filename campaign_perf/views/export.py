"""Writing report tables to files: CSV, JSON and Excel (like Marketo's Export).

CSV and JSON are for programs: metric ids as column names, rates as fractions at full
precision, missing values empty (CSV) or ``null`` (JSON), dates as ISO ``YYYY-MM-DD``.
XLSX is for people: labels as headers, numbers kept as numbers with display formats
(percentages as ``0.0%``), an autofilter and a frozen header row.

CSV and Excel neutralise spreadsheet formula injection: a text cell that starts with ``=``,
``+``, ``-``, ``@`` (or their full-width forms), a tab or a line break gets a leading ``'``
(see :func:`campaign_perf.spreadsheet.neutralise`). JSON is not opened by spreadsheets: it
keeps the values as they are. Numbers are never changed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from campaign_perf.files import atomic_path
from campaign_perf.metrics import METRICS, Format
from campaign_perf.spreadsheet import neutralise

if TYPE_CHECKING:
    from campaign_perf.report.core import ReportCore

__all__ = [
    "SUFFIXES",
    "column_formats",
    "column_labels",
    "csv_text",
    "write_report",
    "write_table",
]

#: The file types :func:`write_table` writes, by suffix.
SUFFIXES: tuple[str, ...] = (".csv", ".json", ".xlsx")

_EXCEL_FORMATS = {"pct": "0.0%", "int": "#,##0", "float": "0.000"}
_EXCEL_DATE_FORMAT = "yyyy-mm-dd"
_MIN_WIDTH, _MAX_WIDTH = 8, 60
_SHEET_TITLE = "Campaign Email Performance"


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return not math.isfinite(value)
    if isinstance(value, np.datetime64 | np.timedelta64):
        return bool(np.isnat(value))
    return False


def _iso(value: dt.date | pd.Timestamp) -> str:
    """A date as ``YYYY-MM-DD``; a time of day other than midnight as ISO 8601."""
    if isinstance(value, dt.datetime):
        ts = pd.Timestamp(value)
        if ts.tzinfo is None and ts == ts.normalize():
            return ts.strftime("%Y-%m-%d")
        return ts.isoformat()
    return value.isoformat()


def _plain(value: Any, *, keep_dates: bool = False, safe: bool = True) -> Any:
    """One cell as a plain Python value: None, bool, int, float, str (neutralised unless
    ``safe`` is false) or, with ``keep_dates``, a date or datetime."""
    if _is_missing(value):
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value)
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, dt.date):  # includes datetime and pandas.Timestamp
        if not keep_dates:
            return _iso(value)
        if isinstance(value, dt.datetime):
            ts = pd.Timestamp(value)
            if ts.tzinfo is not None:
                ts = ts.tz_localize(None)
            return ts.date() if ts == ts.normalize() else ts.to_pydatetime()
        return value
    return neutralise(str(value)) if safe else str(value)


def _rows(df: pd.DataFrame, *, keep_dates: bool = False, safe: bool = True) -> list[list[Any]]:
    """The rows of ``df`` as lists of plain values (see :func:`_plain`)."""
    columns = []
    for name in df.columns:
        col = df[name]
        if pd.api.types.is_float_dtype(col.dtype) and not isinstance(col.dtype, pd.ArrowDtype):
            values = col.to_numpy(dtype="float64", na_value=np.nan)
            columns.append([float(v) if math.isfinite(v) else None for v in values])
        else:
            columns.append([_plain(v, keep_dates=keep_dates, safe=safe) for v in col.tolist()])
    return (
        [list(r) for r in zip(*columns, strict=True)] if columns else [[] for _ in range(len(df))]
    )


def _headers(df: pd.DataFrame, labels: Mapping[str, str] | None = None) -> list[str]:
    labels = labels or {}
    return [neutralise(str(labels.get(str(c), c))) for c in df.columns]


def _check_suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(
            f"{path}: cannot write {suffix or 'a file without a suffix'!r}; "
            f"use one of {', '.join(SUFFIXES)}"
        )
    return suffix


def write_table(
    df: pd.DataFrame,
    path: str | Path,
    *,
    labels: Mapping[str, str] | None = None,
    formats: Mapping[str, str] | None = None,
    sheet_name: str = _SHEET_TITLE,
) -> Path:
    """Write a table to CSV, JSON or Excel, chosen by the file's suffix.

    Parameters
    ----------
    df : pandas.DataFrame
        The table, e.g. :meth:`campaign_perf.Report.table`: one row per group, the group
        ids and names, then the metric columns. Written as it is (no total rows added).
    path : str or Path
        Where to write; the suffix (``.csv``, ``.json`` or ``.xlsx``, any case) picks the
        format.
    labels : mapping of str to str, optional
        Column name -> header shown to people. Used by ``.xlsx`` only: CSV and JSON keep
        the column names (metric ids).
    formats : mapping of str to str, optional
        Column name -> display format, ``"pct"``, ``"int"`` or ``"float"`` (see
        :class:`campaign_perf.Metric`). Used by ``.xlsx`` only: ``"pct"`` columns get the
        ``0.0%`` number format; the values stay fractions.
    sheet_name : str, default "Campaign Email Performance"
        The worksheet's name (``.xlsx`` only; at most 31 characters are kept).

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    ValueError
        The suffix is not ``.csv``, ``.json`` or ``.xlsx``.

    Notes
    -----
    * CSV (UTF-8, RFC 4180: ``\\r\\n`` line ends, fields quoted when needed) and JSON
      (UTF-8, an array of objects, not ASCII-escaped) write rates as fractions at full
      precision (Python's shortest round-trip form), missing values (NaN, None, NaT, also
      infinities) as an empty field / ``null`` and dates as ``YYYY-MM-DD``.
    * In CSV and XLSX, text cells starting with ``=``, ``+``, ``-``, ``@`` (or their
      full-width forms), a tab or a line break get a leading ``'``, so that spreadsheets do
      not run them as formulas (see :func:`neutralise`); JSON keeps text as it is. Numbers,
      including negative ones, are written as numbers.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> df = pd.DataFrame({"campaign_id": ["C1"], "sent": [3], "opened_pct": [1 / 3]})
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "report.csv"
    >>> print(write_table(df, out).read_text(), end="")
    campaign_id,sent,opened_pct
    C1,3,0.3333333333333333
    """
    path = Path(path)
    suffix = _check_suffix(path)
    with atomic_path(path) as tmp:
        if suffix == ".csv":
            _write_csv(df, tmp)
        elif suffix == ".json":
            _write_json(df, tmp)
        else:
            _write_xlsx(df, tmp, labels=labels or {}, formats=formats or {}, sheet_name=sheet_name)
    return path


def csv_text(df: pd.DataFrame) -> str:
    """A table as the text of the CSV file :func:`write_table` writes (for a download made
    in memory).

    Parameters
    ----------
    df : pandas.DataFrame
        The table.

    Returns
    -------
    str
    """
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180; quotes fields with \r or \n
    writer.writerow(_headers(df))
    for row in _rows(df):
        writer.writerow(["" if v is None else repr(v) if isinstance(v, float) else v for v in row])
    return out.getvalue()


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(csv_text(df))


def _write_json(df: pd.DataFrame, path: Path) -> None:
    names = [str(c) for c in df.columns]
    records = [dict(zip(names, row, strict=True)) for row in _rows(df, safe=False)]
    with path.open("w", encoding="utf-8") as f:
        json.dump(records, f, ensure_ascii=False, indent=2, allow_nan=False)
        f.write("\n")


def _display_width(value: Any, fmt: str | None) -> int:
    if value is None:
        return 0
    if isinstance(value, bool):
        return 5
    if isinstance(value, int | float):
        if fmt == "pct":
            return len(f"{value:.1%}")
        if isinstance(value, int) or fmt == "int":
            return len(f"{value:,.0f}")
        return len(f"{value:,.3f}")
    if isinstance(value, dt.datetime):
        return 19
    if isinstance(value, dt.date):
        return 10
    return max((len(line) for line in str(value).splitlines()), default=0)


def _write_xlsx(
    df: pd.DataFrame,
    path: Path,
    *,
    labels: Mapping[str, str],
    formats: Mapping[str, str],
    sheet_name: str,
) -> None:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    names = [str(c) for c in df.columns]
    headers = _headers(df, labels)
    fmts = [formats.get(n) for n in names]
    wb = Workbook()
    ws = wb.worksheets[0]  # a new workbook's one sheet
    ws.title = (sheet_name or "Sheet1")[:31]
    ws.append([ILLEGAL_CHARACTERS_RE.sub("", h) for h in headers])
    bold = Font(bold=True)
    for cell in ws[1]:
        cell.font = bold
        cell.alignment = Alignment(vertical="top")
    widths = [len(h) + 3 for h in headers]  # room for the filter button
    for r, row in enumerate(_rows(df, keep_dates=True), start=2):
        for c, value in enumerate(row, start=1):
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            cell = ws.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text
            fmt = fmts[c - 1]
            if isinstance(value, bool) or value is None:
                pass
            elif isinstance(value, int | float) and fmt in _EXCEL_FORMATS:
                cell.number_format = _EXCEL_FORMATS[fmt]
            elif isinstance(value, int):
                cell.number_format = _EXCEL_FORMATS["int"]
            elif isinstance(value, dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
            elif isinstance(value, dt.date):
                cell.number_format = _EXCEL_DATE_FORMAT
            widths[c - 1] = max(widths[c - 1], _display_width(value, fmt))
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = min(
            max(width + 2, _MIN_WIDTH), _MAX_WIDTH
        )
    if names:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(names))}{len(df) + 1}"
    ws.freeze_panes = "A2"
    wb.save(path)


# -- reports ------------------------------------------------------------------------------
def column_labels(rep: ReportCore, table: pd.DataFrame | None = None) -> dict[str, str]:
    """Headers for people of a report's table columns (``"opened_pct"`` -> ``"Opened %"``).

    Parameters
    ----------
    rep : Report
        The report.
    table : pandas.DataFrame, optional
        Its table, when already computed; otherwise the report's metric columns and the
        known group columns are labelled.

    Returns
    -------
    dict of str to str
        Column name -> label; lead attribute columns keep their names.
    """
    from campaign_perf.report.groups import GROUP_LABELS as group_labels

    out = dict(group_labels)
    out.update({m.id: m.label for m in rep.table_metrics})
    if table is not None:
        out = {str(c): out.get(str(c), str(c)) for c in table.columns}
    return out


def column_formats(rep: ReportCore) -> dict[str, Format]:
    """Display formats of a report's metric columns (``"pct"``, ``"int"`` or ``"float"``).

    Parameters
    ----------
    rep : Report
        The report.

    Returns
    -------
    dict of str to {"int", "pct", "float"}
        Metric id -> format.
    """
    return {m.id: m.fmt for m in rep.table_metrics}


def write_report(rep: ReportCore, path: str | Path, *, table: pd.DataFrame | None = None) -> Path:
    """Write a report's table (:meth:`~campaign_perf.Report.table`) to CSV, JSON or Excel.

    Parameters
    ----------
    rep : Report
        The report.
    path : str or Path
        Where to write; ``.csv``, ``.json`` or ``.xlsx`` (see :func:`write_table`).
    table : pandas.DataFrame, optional
        ``rep.table()`` when the caller already has it (saves computing it again).

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    ValueError
        The suffix is not one of ``.csv``, ``.json``, ``.xlsx``.
    """
    path = Path(path)
    _check_suffix(path)
    t = rep.table() if table is None else table
    formats = {c: METRICS[c].fmt for c in t.columns if c in METRICS}
    formats.update(column_formats(rep))
    return write_table(t, path, labels=column_labels(rep, t), formats=formats)


def to_csv(rep: ReportCore, path: str | Path) -> Path:
    """Write :meth:`table` to CSV (metric ids, full-precision rates, formula-safe)."""
    path = Path(path)
    return write_report(rep, path if path.suffix else path.with_suffix(".csv"))


def to_excel(rep: ReportCore, path: str | Path) -> Path:
    """Write :meth:`table` to .xlsx (labels, percentage formats, formula-safe)."""
    path = Path(path)
    return write_report(rep, path if path.suffix else path.with_suffix(".xlsx"))
