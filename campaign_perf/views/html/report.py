"""The shareable HTML report: one self-contained file, interactive without Python.

:func:`to_html` renders a :class:`~campaign_perf.Report` as one HTML page that a reader opens
from disk: the headline table, the charts and the email previews, with controls to change
the time frame, the columns, the campaign and email filters and the sort. The table and
every chart recompute in the browser from aggregates per send day (the report's cube, and
opens and clicks by hours since the send, by weekday and hour, by link: additive counts,
see DESIGN.md), with the same rules as :meth:`Report.table <campaign_perf.Report.table>`
and :func:`campaign_perf.views.charts.chart`; nothing else leaves Python: no lead ids, no
addresses, no raw events.

What things mean travels as data, computed here: the charts' definitions
(:mod:`campaign_perf.views.specs`, the ones Python draws), the time frames resolved against
the report's ``today``, the table's columns, labels and row kinds, the number formats and
the metrics as expression trees. The page is built from a Jinja2 template
(``templates/report.html.j2``) and a small script (``static/report.js``), both package data.
All data travels in one JSON payload in a ``<script type="application/json">`` element,
escaped so that no name can end the element; the script writes names with ``textContent``
only, so that they stay text.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import gzip
import hashlib
import json
import math
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypedDict

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup

from campaign_perf._version import __version__
from campaign_perf.errors import MetricError, ReportError, TimeFrameError
from campaign_perf.files import atomic_path
from campaign_perf.load.ledger import reason_kind
from campaign_perf.metrics import METRICS, Format, expression_tree, format_value, proportion
from campaign_perf.report.groups import ENGAGEMENT_COUNTS, RECIPIENT_DOMAIN
from campaign_perf.report.kpis import kpi_columns
from campaign_perf.report.rows import table_rows
from campaign_perf.report.stats import critical_z
from campaign_perf.spreadsheet import FORMULA_PREFIXES
from campaign_perf.timeframes import PAST_DAYS, DateRange, TimeFrame, preset_choices
from campaign_perf.views import aggregates
from campaign_perf.views.html.lead_groups import (
    DEFAULT_MIN_GROUP_SIZE,
    Folds,
    lead_folds,
    read_where,
)
from campaign_perf.views.kpi_strip import (
    AGAINST,
    SETTLING_NOTE,
    SPARKLINE,
    VERDICT_TEXT,
    kpi_strip,
    settling_note,
    strip_css,
)
from campaign_perf.views.performers_panel import panel_css, panel_data, performers_panel
from campaign_perf.views.specs import (
    CHART_KINDS,
    EMPTY_LAYOUT,
    FIT,
    FORMATS,
    MACHINE_OPENS,
    PALETTE,
    PANELS,
    chart_base,
    chart_kind,
    chart_spec,
    fill_slots,
    frame_text,
    metric_series,
    plotly_text,
    short_link,
    table_spec,
)

if TYPE_CHECKING:
    from campaign_perf.report.core import ReportCore

__all__ = [
    "HtmlOptions",
    "Packer",
    "PlotlyJS",
    "buffer_of",
    "content_security_policy",
    "packed",
    "read_aggregate",
    "read_sends",
    "report_data",
    "script_json",
    "text_of",
    "to_html",
    "unpacked",
    "write_html",
]

PlotlyJS = Literal["inline", "cdn"]

_CDN_HOST = "https://cdn.plot.ly"
_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


class HtmlOptions(TypedDict, total=False):
    """Options of :func:`to_html` and :func:`write_html` (all optional).

    Attributes
    ----------
    title : str
        The page's heading; default "Campaign Email Performance".
    plotlyjs : {"inline", "cdn"}
        "inline" (default) puts plotly.js in the file (1.9 MB compressed; works offline);
        "cdn" loads it from cdn.plot.ly (a small file for readers who are online).
    charts : sequence of str
        The chart kinds to show (default every kind of
        :data:`campaign_perf.charts.CHART_KINDS`); an empty sequence for none.
    previews : bool
        Embed the emails' subject and HTML, shown when the reader clicks an email's name
        (default True).
    min_group_size : int
        The fewest people a group of a lead attribute shows; smaller groups fold into one
        "Other" group (default 5).
    """

    title: str
    plotlyjs: PlotlyJS
    charts: Sequence[str]
    previews: bool
    min_group_size: int


# -- JSON for an inline script ---------------------------------------------------------------
def script_json(data: Any) -> str:
    """Serialise ``data`` as JSON that is safe inside an HTML ``<script>`` element.

    ``<``, ``>``, ``&`` and the line separators U+2028 and U+2029 are written as ``\\uXXXX``
    escapes (inside JSON strings, the only place they can occur), so that no value, e.g. a
    campaign named ``</script><script>alert(1)</script>``, can end the element or start
    markup. The result parses back to ``data`` with ``JSON.parse`` / :func:`json.loads`.

    Parameters
    ----------
    data : Any
        JSON-serialisable data, without NaN or infinities.

    Returns
    -------
    str

    Examples
    --------
    >>> script_json({"name": "</script>"})
    '{"name":"\\\\u003c/script\\\\u003e"}'
    """
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for char, escape in _JSON_ESCAPES.items():  # (str.replace: ten times str.translate's speed)
        text = text.replace(char, escape)
    return text


# -- the payload -----------------------------------------------------------------------------
def _leaves(tree: Any) -> set[str]:
    """The count ids an expression tree uses."""
    if isinstance(tree, str):
        return {tree}
    if isinstance(tree, list):
        return set().union(*(_leaves(t) for t in tree[1:]))
    return set()


def _finite(tree: Any) -> bool:
    """Whether every constant of an expression tree is a finite number (JSON has no
    infinity: a metric with ``1e999`` in it is left out, like one Python cannot compute)."""
    if isinstance(tree, float):
        return math.isfinite(tree)
    return all(_finite(t) for t in tree[1:]) if isinstance(tree, list) else True


def _metrics(rep: ReportCore) -> list[dict[str, Any]]:
    """The metrics a reader can choose: the report's columns first, then the others."""
    counts = set(rep.count_columns)
    columns = [m.id for m in rep.metrics]
    order = [*columns, *(m for m in METRICS if m not in columns)]
    out = []
    for metric_id in order:
        m = METRICS[metric_id]
        try:
            tree = expression_tree(m.id)
        except MetricError:
            continue  # a broken custom metric: Python cannot compute it either
        if not _leaves(tree) <= counts or not _finite(tree):
            continue
        out.append(
            {
                "id": m.id,
                "label": m.label,
                "fmt": m.fmt,
                "expression": m.expression,
                "tree": tree,
                "description": m.description,
                "series": metric_series(m) if m.fmt == "pct" else None,
            }
        )
    return out


def _ranks(values: pd.Series) -> tuple[list[str], np.ndarray]:
    """The sorted distinct values (as text) and each value's position among them."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    texts = [str(u) for u in uniques]
    labels = sorted(set(texts))
    index = {v: i for i, v in enumerate(labels)}
    return labels, np.array([index[t] for t in texts], dtype="int64")[codes]


_INT_TYPES = ("u1", "i1", "u2", "i2", "u4", "i4")


class Packer:
    """Whole-number columns, each in the smallest typed array that holds it, laid one after
    another in one buffer that the page carries gzip-compressed (the reader's browser
    inflates it with its own ``DecompressionStream``; no library), as text
    (:func:`text_of`).

    :meth:`add` gives the JSON that stands for a column: ``{"dtype": "u1", "at": offset,
    "n": n}``; ``"delta": true`` when the column never decreases and its steps take a
    smaller type (the steps are stored); ``"delta": "within"`` when it never decreases
    within each run of rows of one group (the first value of a run, then the steps are
    stored; an aggregate's group is its send, the sends' is their campaign and email);
    ``"add": k`` when ``k`` was taken from each value that starts anew (every value, the
    first, or each run's first) to fit a smaller type; or ``{"fill": v, "n": n}`` when
    every value is ``v``. A column whose bytes are already in the buffer (two groupings
    with the same rows, as client and device are when no user agent is known) points to
    them instead of adding them again.
    """

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._size = 0
        self._at: dict[tuple[str, bytes], int] = {}

    def add(
        self, values: Any, groups: np.ndarray | None = None, *, steps: bool = True
    ) -> dict[str, Any]:
        """Put a column in the buffer; the JSON that stands for it.

        Parameters
        ----------
        values : array-like of int
        groups : numpy.ndarray, optional
            Each row's group, rows of a group together: the column may be stored as its
            steps within each group.
        steps : bool, default True
            Whether to try storing steps (False for counts, which are in no order).
        """
        a = np.asarray(values, dtype=np.int64)
        if len(a) == 0 or a.min() == a.max():
            return {"fill": int(a[0]) if len(a) else 0, "n": len(a)}
        kind = _int_type(a)
        if kind == len(_INT_TYPES):
            raise ReportError(f"a count of {int(a.max()):,} is too large for the HTML report")
        out: dict[str, Any] = {}
        starts = np.ones(len(a), dtype=bool)
        diff = np.diff(a, prepend=0) if steps else a
        if steps and (diff[1:] >= 0).all() and _int_type(diff) < kind:
            out["delta"], a, kind = True, diff, _int_type(diff)
            starts = np.arange(len(a)) == 0
        elif steps and groups is not None:
            first = np.diff(groups, prepend=groups[:1] - 1) != 0
            if (diff[~first] >= 0).all():
                diff[first] = a[first]
                if _int_type(diff) <= kind:
                    out["delta"], a, kind, starts = "within", diff, _int_type(diff), first
        base = int(a[starts].min())
        if base:
            moved = a.copy()
            moved[starts] -= base
            if _int_type(moved) < kind:
                out["add"], a, kind = base, moved, _int_type(moved)
        dtype = _INT_TYPES[kind]
        data = a.astype(f"<{dtype}").tobytes()
        at = self._at.get((dtype, data))
        if at is None:
            pad = -self._size % 4  # a typed array starts at a multiple of its item size
            at = self._at[dtype, data] = self._size + pad
            self._parts += [b"\0" * pad, data]
            self._size += pad + len(data)
        return {"dtype": dtype, "at": at, "n": len(a)} | out

    def encoded(self) -> str:
        """The buffer as the page carries it (:func:`text_of`)."""
        return text_of(b"".join(self._parts))


# Base85 (RFC 1924's digits, a fifth more compact than base64) with "." for "<": no "<"
# and no "/", so the text cannot end or open markup in the <script> element that holds it.
_DIGITS = np.frombuffer(
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;.=>?@^_`{|}~",
    dtype=np.uint8,
)
_FROM_TEXT = bytes.maketrans(b".", b"<")


def _base85(data: bytes) -> bytes:
    """``base64.b85encode(data)`` with "." for "<", computed on arrays (the standard
    library's runs a Python loop: twenty times slower on megabytes)."""
    pad = -len(data) % 4
    words = np.frombuffer(data + b"\0" * pad, dtype=">u4").astype(np.uint64)
    digits = np.empty((len(words), 5), dtype=np.uint8)
    for k in range(4, -1, -1):
        digits[:, k] = words % 85
        words //= 85
    text = _DIGITS[digits].tobytes()
    return text[: len(text) - pad]


def text_of(data: bytes) -> str:
    """Bytes gzip-compressed and written as text for a ``<script>`` element of the page:
    base85 digits (RFC 1924) with "." for "<" (the page's script reads them back).

    Examples
    --------
    >>> buffer_of(text_of(b"campaign"))
    b'campaign'
    """
    return _base85(gzip.compress(data, 4, mtime=0)).decode("ascii")


def buffer_of(text: str) -> bytes:
    """The bytes of :func:`text_of`'s text (the page's buffer, or plotly.js)."""
    return gzip.decompress(base64.b85decode(text.encode("ascii").translate(_FROM_TEXT)))


def packed(values: Any) -> tuple[dict[str, Any], str]:
    """One column packed on its own: its JSON and the encoded buffer (see :class:`Packer`).

    Examples
    --------
    >>> column, buffer = packed([3, 1, 2])
    >>> unpacked(column, buffer).tolist()
    [3, 1, 2]
    """
    packer = Packer()
    column = packer.add(values)
    return column, packer.encoded()


def unpacked(
    column: dict[str, Any], buffer: bytes | str, groups: np.ndarray | None = None
) -> np.ndarray:
    """The numbers of a packed column (what the page's script reads).

    Parameters
    ----------
    column : dict
        The JSON of the column.
    buffer : bytes or str
        The buffer (:func:`buffer_of`) or its text.
    groups : numpy.ndarray, optional
        Each row's group, for a column stored as its steps within groups.
    """
    if "fill" in column:
        return np.full(column["n"], column["fill"], dtype=np.int64)
    raw = buffer_of(buffer) if isinstance(buffer, str) else buffer
    values = np.frombuffer(raw, dtype=f"<{column['dtype']}", count=column["n"], offset=column["at"])
    values = values.astype(np.int64)
    delta = column.get("delta")
    if delta == "within":
        if groups is None:
            raise ValueError("a column of steps within groups needs the groups")
        first = np.flatnonzero(np.diff(groups, prepend=groups[:1] - 1) != 0)
    else:
        first = np.arange(len(values)) if not delta else np.arange(min(1, len(values)))
    values[first] += column.get("add", 0)
    if not delta:
        return values
    sums = np.cumsum(values)
    before = np.repeat(sums[first] - values[first], np.diff(np.append(first, len(values))))
    return sums - before


def read_aggregate(data: dict[str, Any], name: str) -> pd.DataFrame:
    """An embedded aggregate as the page's script reads it: its dimensions and measures,
    with each row's send (``send``) and the send's campaign and email positions and day.

    Parameters
    ----------
    data : dict
        The page's data (:func:`report_data`).
    name : str
        ``cube``, ``hours``, ``clock``, ``links``... (see :func:`report_data`).

    Returns
    -------
    pandas.DataFrame
        One row per row of the aggregate; the measures of the other machine-opens setting
        that differ as ``alt:<measure>``.
    """
    agg, buffer = data["aggregates"][name], buffer_of(data["buffer"])
    sends = read_sends(data, buffer)
    n = agg["measures"][next(iter(agg["measures"]))]["n"]
    if agg["send"] is None:
        send = np.arange(n)
    elif agg["send"].get("per_send"):  # each send's number of rows
        counts = unpacked(agg["send"], buffer)
        send = np.repeat(np.arange(len(counts)), counts)
    else:
        send = unpacked(agg["send"], buffer)
    out = pd.DataFrame({"send": send})
    for k, c in agg["dims"].items():
        out[k] = unpacked(c, buffer, send)
        if "turn" in c:  # stored turned by the weekday of the send's day
            out[k] = (out[k] + c["turn"] * ((sends["day"][send] + 3) % 7)) % (7 * c["turn"])
    for k, c in agg["measures"].items():
        out[k] = unpacked(c, buffer) + (out[c["plus"]] if "plus" in c else 0)
    for k, c in agg.get("alt", {}).items():  # the other machine-opens setting's
        out[f"alt:{k}"] = unpacked(c, buffer) + out[c["plus"]]
    for k in ("campaign", "email", "day"):
        out[k] = sends[k][send]
    return out


def read_sends(data: dict[str, Any], buffer: bytes | None = None) -> dict[str, np.ndarray]:
    """The page's sends: each one's campaign and email positions and day."""
    raw = buffer_of(data["buffer"]) if buffer is None else buffer
    s = data["sends"]
    campaign, email = unpacked(s["campaign"], raw), unpacked(s["email"], raw)
    pair = campaign * (int(email.max(initial=0)) + 1) + email
    return {"campaign": campaign, "email": email, "day": unpacked(s["day"], raw, pair)}


def _int_type(a: np.ndarray) -> int:
    """The position in :data:`_INT_TYPES` of the smallest type that holds ``a`` (past the
    end: none does)."""
    lo, hi = a.min(), a.max()
    for i, dtype in enumerate(_INT_TYPES):
        info = np.iinfo(np.dtype(dtype))
        if info.min <= lo and hi <= info.max:
            return i
    return len(_INT_TYPES)


def _day_number(days: pd.Series | pd.Index) -> np.ndarray:
    """Calendar days as days since 1970-01-01."""
    return pd.to_datetime(days).to_numpy().astype("datetime64[D]").astype("int64")


def _iso_day(day: dt.date | None) -> int | None:
    return None if day is None else (day - _EPOCH).days


_EPOCH = dt.date(1970, 1, 1)


def _wide(rep: ReportCore) -> ReportCore:
    """The report over every send day (on the sent basis; on the activity basis the frame
    is fixed): what the page slices in the reader's browser."""
    return rep.with_time_frame("all time") if rep.basis == "sent" else rep


def _positions(values: pd.Series, among: pd.Index) -> np.ndarray:
    """Each value's position among ``among`` (-1: not there); each distinct value is looked
    up once."""
    codes, uniques = pd.factorize(values)
    return among.get_indexer(pd.Index(uniques).astype(str))[codes]


class _Sends:
    """The sends of the cube (each campaign, email and send day once, in that order) and
    the position of any row's send among them, found by integer keys."""

    def __init__(self, cube: pd.DataFrame) -> None:
        self.campaigns = pd.Index(np.sort(cube["campaign_id"].astype(str).unique()))
        self.emails = pd.Index(np.sort(cube["email_id"].astype(str).unique()))
        c, e, d = self._codes(cube)
        self._first = int(d.min()) if len(d) else 0
        of_cube = self._key(c, e, d)
        keys = np.sort(of_cube)
        keys = keys[np.diff(keys, prepend=-1) != 0]  # (np.unique hashes: slower)
        self.keys = keys
        self.of_cube = np.searchsorted(keys, of_cube)  # each cube row's send
        span = self._span
        self.campaign = keys // (len(self.emails) * span)
        self.email = keys // span % len(self.emails)
        self.day = keys % span + self._first

    @property
    def _span(self) -> int:
        return 1 << 20  # days of a send after the first (2,870 years)

    def _codes(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return (
            _positions(frame["campaign_id"], self.campaigns),
            _positions(frame["email_id"], self.emails),
            _day_number(frame["send_day"]),
        )

    def _key(self, c: np.ndarray, e: np.ndarray, d: np.ndarray) -> np.ndarray:
        return (c * len(self.emails) + e) * self._span + (d - self._first)

    def of(self, frame: pd.DataFrame) -> np.ndarray:
        """The position of each row's send."""
        key = self._key(*self._codes(frame))
        send = np.searchsorted(self.keys, key)
        found = send < len(self.keys)
        assert found.all() and (self.keys[send] == key).all(), "every row is of a send of the cube"
        return send


def _measures(packer: Packer, columns: dict[str, np.ndarray]) -> dict[str, Any]:
    """The measures of an aggregate, each stored as it is or, when that leaves far fewer
    values that are not 0, as its difference from a measure before it (``"plus": name``:
    delivered from sent, total opens from opened)."""
    out: dict[str, Any] = {}
    for name, values in columns.items():
        best, base_name = values, None
        for other in out:
            diff = values - columns[other]
            if np.count_nonzero(diff) < 0.6 * np.count_nonzero(best):
                best, base_name = diff, other
        out[name] = packer.add(best, steps=False) | ({"plus": base_name} if base_name else {})
    return out


def _send_column(packer: Packer, send: np.ndarray, n_sends: int) -> dict[str, Any]:
    """The sends of an aggregate's rows (in order): each send's number of rows
    (``"per_send": true``) when there are more rows than sends, else each row's send."""
    if len(send) > n_sends:
        return packer.add(np.bincount(send, minlength=n_sends)) | {"per_send": True}
    return packer.add(send)


def _aggregate(
    packer: Packer,
    sends: _Sends,
    send: np.ndarray,
    dims: dict[str, np.ndarray],
    measures: dict[str, np.ndarray],
    alt: dict[str, np.ndarray],
) -> dict[str, Any]:
    """An aggregate in columnar form, its rows in the order of their sends (and of its one
    dimension within a send): the rows' sends (None: a row for each send, in order), their
    dimensions and measures, and in ``alt`` the measures that differ with machine opens
    switched (each stored as its difference from the measure: ``"plus"``)."""
    within = [next(iter(dims.values()))] if len(dims) == 1 else []
    if not _ordered(send, *within):
        order = np.lexsort((*within, send))
        send = send[order]
        dims = {k: v[order] for k, v in dims.items()}
        measures = {k: v[order] for k, v in measures.items()}
        alt = {k: v[order] for k, v in alt.items()}
    own = len(send) == len(sends.keys) and bool((np.diff(send) == 1).all())
    return {
        "send": None if own else _send_column(packer, send, len(sends.keys)),
        "dims": {name: packer.add(v, send) for name, v in dims.items()},
        "measures": _measures(packer, measures),
        "alt": {m: packer.add(v - measures[m], steps=False) | {"plus": m} for m, v in alt.items()},
    }


def _ordered(send: np.ndarray, *within: np.ndarray) -> bool:
    """Whether the rows are in the order of their sends (and of ``within`` in a send)."""
    step = np.diff(send)
    if (step < 0).any():
        return False
    return all(bool((np.diff(w)[step == 0] >= 0).all()) for w in within)


def _switched(rep: ReportCore) -> ReportCore:
    """The report with machine opens the other way (counted, or excluded): the file holds
    both, for the reader's switch."""
    return rep.with_machine_opens("exclude" if rep.machine_opens == "count" else "count")


class _Both:
    """An aggregate's rows in both machine-opens settings, summed by send and dimensions
    (folded groups become one row; 0 where a setting has no such row), sorted by send and
    dimensions: ``send``, ``dims`` (whole numbers), ``measures`` (this setting's) and
    ``alt`` (the other setting's, only those that differ). The same frame for both (a log
    without machine opens counts the same either way) is read once and has no ``alt``."""

    def __init__(
        self,
        sends: _Sends,
        frames: tuple[pd.DataFrame, pd.DataFrame],
        dims: dict[str, tuple[np.ndarray, np.ndarray]],
        measures: Sequence[str],
        send: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        this, other = frames
        parts = (this,) if other is this else (this, other)
        n, halves = len(this), len(parts)
        rows = send[:halves] if send is not None else tuple(sends.of(f) for f in parts)
        key = np.concatenate(rows).astype(np.int64)
        radix: list[tuple[str, int, int]] = []
        for name, pair in dims.items():
            values = np.concatenate(pair[:halves]).astype(np.int64)
            lo = int(values.min(initial=0))
            size = int(values.max(initial=0)) - lo + 1
            radix.append((name, lo, size))
            key = key * size + (values - lo)
        this_key, other_key = key[:n], key[n:] if halves == 2 else key[:n]
        if (np.diff(this_key) > 0).all() and np.array_equal(this_key, other_key):
            # the same rows in both settings, in order (the engine's): nothing to merge
            uniq, inverse = this_key, np.tile(np.arange(n), halves)
        else:
            uniq, inverse = np.unique(key, return_inverse=True)
        self.dims: dict[str, np.ndarray] = {}
        rest = uniq
        for name, lo, size in reversed(radix):
            self.dims[name] = rest % size + lo
            rest = rest // size
        self.dims = dict(reversed(self.dims.items()))
        self.send = rest

        def summed(frame: pd.DataFrame, rows: np.ndarray, m: str) -> np.ndarray:
            values = frame[m].to_numpy(dtype=np.float64)
            return np.bincount(rows, weights=values, minlength=len(uniq)).astype(np.int64)

        self.measures = {m: summed(this, inverse[:n], m) for m in measures}
        alt = {m: summed(other, inverse[n:], m) for m in measures} if halves == 2 else {}
        self.alt = {m: v for m, v in alt.items() if not np.array_equal(v, self.measures[m])}

    def packed(self, packer: Packer, sends: _Sends) -> dict[str, Any]:
        """The aggregate in the page's columnar form (:func:`_aggregate`)."""
        return _aggregate(packer, sends, self.send, self.dims, self.measures, self.alt)


def _ranked(
    this: pd.DataFrame, other: pd.DataFrame, dim: str
) -> tuple[list[str], tuple[np.ndarray, np.ndarray]]:
    """A dimension of both settings' rows numbered in the order of its values (as text):
    the values, and each row's number in ``this`` and ``other``."""
    if other is this:
        labels, idx = _ranks(this[dim])
        return labels, (idx, idx)
    labels, idx = _ranks(pd.concat([this[dim], other[dim]], ignore_index=True))
    return labels, (idx[: len(this)], idx[len(this) :])


def _names(
    cubes: Sequence[pd.DataFrame], key: str, columns: Sequence[str], among: pd.Index
) -> pd.DataFrame:
    """Each id of ``among`` (as text) once, with the names its first row in ``cubes`` has."""
    first = pd.concat([c.drop_duplicates(key)[[key, *columns]] for c in cubes])
    first = first.drop_duplicates(key).astype({key: str}).set_index(key)
    return first.reindex(among)[list(columns)].rename_axis(key).reset_index()


def _aggregates(
    rep: ReportCore, kinds: Sequence[str], folds: Folds, packer: Packer
) -> tuple[dict[str, Any], dict[str, Any], pd.DataFrame, pd.DataFrame]:
    """The aggregates the page sums (the cube, its small lead groups folded, and those the
    charts shown read, with the measures they show), each with machine opens counted and
    excluded, the sends they refer to (each campaign, email and send day once), and the
    campaigns and emails they hold."""
    other = _switched(rep)
    # A log without machine opens counts the same either way: each aggregate is read once.
    same = other.rule_params == rep.rule_params
    wide = _wide(rep)

    def both_ways(read: Callable[[ReportCore], pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
        """An aggregate of this report and of its other setting (the same frame: read once)."""
        this = read(rep)
        return this, this if same else read(other)

    cube, cube_other = both_ways(lambda r: folds.apply(r.cube(all_days=True)))
    index = _Sends(cube[aggregates.KEYS] if same else
                   pd.concat([cube[aggregates.KEYS], cube_other[aggregates.KEYS]]))  # fmt: skip
    campaigns = _names((cube, cube_other), "campaign_id", ("campaign_name", "program", "status"),
                       index.campaigns)  # fmt: skip
    emails = _names((cube, cube_other), "email_id", ("email_name",), index.emails)
    pair = index.campaign * len(index.emails) + index.email
    sends = {
        "campaign": packer.add(index.campaign),
        "email": packer.add(index.email),
        "day": packer.add(index.day, pair),
    }
    counts = list(rep.count_columns)
    out: dict[str, Any] = {}

    def grouped(name: str, frames: tuple[pd.DataFrame, pd.DataFrame], dims: Sequence[str],
                measures: Sequence[str], send: Any = None) -> None:  # fmt: skip
        """Embed an aggregate by its dimensions, numbered in the order of their values."""
        this, that = frames
        ranked = {d: _ranked(this, that, d) for d in dims}
        both = _Both(index, (this, that), {d: r for d, (_, r) in ranked.items()}, measures, send)
        out[name] = both.packed(packer, index)
        out[name]["labels"] = {d: labels for d, (labels, _) in ranked.items()}

    n_cube = len(cube)
    grouped("cube", (cube, cube_other), list(rep.record_groups), counts,
            (index.of_cube[:n_cube], index.of_cube[n_cube:]))  # fmt: skip
    if rep.engagement_dims:  # the table's rows: engagement by where emails were read
        engaged = [c for c in ENGAGEMENT_COUNTS if c in counts]
        grouped("engagement", both_ways(lambda r: folds.apply(r.engagement_cube(all_days=True))),
                list(rep.engagement_dims), engaged)  # fmt: skip
    specs = [chart_spec(rep, k) for k in kinds]

    def measures(source: str) -> list[str]:
        return list(dict.fromkeys(m for s in specs if s["source"] == source for m in s["measures"]))

    def raw(this: pd.DataFrame, that: pd.DataFrame, dim: str) -> tuple[np.ndarray, np.ndarray]:
        return this[dim].to_numpy(), that[dim].to_numpy()

    if measures("hours"):
        this, that = both_ways(lambda r: aggregates.hours_since_send(_wide(r)))
        both = _Both(index, (this, that), {"bin": raw(this, that, "bin")}, measures("hours"))
        out["hours"] = both.packed(packer, index)
    if measures("clock"):
        this, that = both_ways(lambda r: aggregates.clock(_wide(r)))
        cells = tuple(f["weekday"].to_numpy() * 24 + f["hour"].to_numpy() for f in (this, that))
        both = _Both(index, (this, that), {"cell": cells}, measures("clock"))
        # The cell (weekday × 24 + hour) turned by the send's weekday: opens come soon
        # after the send, so the turned cells take fewer values (and compress better).
        weekday = (index.day[both.send] + 3) % 7  # 1970-01-01 was a Thursday
        both.dims["cell"] = (both.dims["cell"] - 24 * weekday) % 168
        out["clock"] = both.packed(packer, index)
        out["clock"]["dims"]["cell"]["turn"] = 24
    if measures("links"):
        this, that = both_ways(lambda r: aggregates.links(_wide(r)))
        labels, codes = _ranked(this, that, "link")
        both = _Both(index, (this, that), {"link": codes}, measures("links"))
        out["links"] = both.packed(packer, index)
        out["links"]["labels"] = {
            "key": [plotly_text(x) for x in labels],
            "tick": [plotly_text(short_link(x)) for x in labels],
        }
    size = folds.min_group_size
    for spec in specs:
        if spec["source"] == "engagement" and not rep.filters.leads:
            # the clients chart: a grouping by where emails were read per part, small
            # values folded (with a lead filter the chart says it cannot be drawn)
            for part in spec["parts"]:
                dim = part["group"]
                fold = Folds(size, {dim: read_where(wide, dim, size)})

                def split(r: ReportCore, f: Folds = fold, d: str = dim) -> pd.DataFrame:
                    return f.apply(r.by(d).engagement_cube(all_days=True))

                grouped(f"engagement:{dim}", both_ways(split), [dim], spec["measures"])
        elif spec["source"] == "domains":  # the domains chart: the cube by recipient domain
            fold = lead_folds(wide.by(RECIPIENT_DOMAIN), size)

            def by_domain(r: ReportCore, f: Folds = fold) -> pd.DataFrame:
                return f.apply(r.by(RECIPIENT_DOMAIN).cube(all_days=True))

            grouped("domains", both_ways(by_domain), [RECIPIENT_DOMAIN], spec["measures"])
    return out, sends, campaigns, emails


def _summary(rep: ReportCore) -> dict[str, Any]:
    s = rep.log.summary()

    def stamp(ts: pd.Timestamp | None) -> str | None:
        return None if ts is None else f"{ts:%Y-%m-%d %H:%M} UTC"

    by_kind: dict[str, int] = {}  # never the raw values a reason quotes
    for reason, n in s.rejected_by_reason.items():
        kind = reason_kind(str(reason))
        by_kind[kind] = by_kind.get(kind, 0) + int(n)
    return {
        "rows_read": int(s.rows_read),
        "events": int(s.events),
        "rejected": int(s.rejected),
        "rejected_by_reason": dict(sorted(by_kind.items(), key=lambda kv: (-kv[1], kv[0]))),
        "duplicates": int(s.duplicates),
        "first_event": stamp(s.first_event),
        "last_event": stamp(s.last_event),
    }


def _time_frame(tf: TimeFrame) -> dict[str, Any]:
    return {
        "label": str(tf),
        "preset": tf.preset,
        "days": tf.days,
        "start": None if tf.start is None else tf.start.isoformat(),
        "end": None if tf.end is None else tf.end.isoformat(),
    }


def _frame_choice(rep: ReportCore) -> dict[str, Any]:
    """A time frame as the page offers it: its name, days, title text and description."""
    frame = rep.frame
    try:
        before = rep.time_frame.previous(rep.today, rep.week_start)
        previous = {"first": _iso_day(before.first), "last": _iso_day(before.last)}
    except TimeFrameError:  # an open frame
        previous = None
    return {
        "label": str(rep.time_frame),
        "first": _iso_day(frame.first),
        "last": _iso_day(frame.last),
        "previous": previous,  # TimeFrame.previous: the period the headline compares with
        "text": frame_text(rep),
        "description": rep.description,
    }


# Two days that stand for the reader's own: Python's wording of a custom frame, with slots.
_A, _B = dt.date(1111, 1, 1), dt.date(2222, 2, 2)


def _frames(rep: ReportCore) -> dict[str, Any]:
    """The time frames of the page, resolved here against the report's ``today``: each
    preset with its days, title text and description (the report's own frame among them,
    or as a custom range), and for the dates a reader types, Python's wording as templates."""
    choices = [TimeFrame.parse(p) for p in preset_choices()]
    own = TimeFrame.parse(rep.time_frame)  # the report's frame (a TimeFrame already)
    if own.preset == PAST_DAYS and own not in choices:
        at = next(i for i, f in enumerate(choices) if f.preset == "this month")
        choices.insert(at, own)
    presets = []
    for tf in choices:
        try:
            presets.append(_frame_choice(rep.with_time_frame(tf)))
        except TimeFrameError:  # e.g. "last year" on a today in year 1
            continue
    labels = [p["label"] for p in presets]
    own_label = str(own)
    custom = rep.with_time_frame(TimeFrame(start=_A, end=_B))

    def slots(text: str) -> str:
        return text.replace(_A.isoformat(), "{{first}}").replace(_B.isoformat(), "{{last}}")

    def range_text(first: dt.date | None, last: dt.date | None) -> str:
        return slots(str(DateRange(first, last)))

    label, days = str(custom.time_frame), str(custom.frame)
    return {
        "presets": presets,
        "initial": labels.index(own_label)
        if own.preset is not None and own_label in labels
        else None,
        "initial_range": {"first": _iso_day(rep.frame.first), "last": _iso_day(rep.frame.last)},
        "fixed": rep.basis != "sent",
        # a day that starts a week (weeks start on the report's week_start)
        "week_anchor": (int(rep.week_start) - _EPOCH.weekday()) % 7,
        "custom": {
            "label": slots(label),
            "range": {
                "both": range_text(_A, _B),
                "one": range_text(_A, _A),
                "from": range_text(_A, None),
                "until": range_text(None, _B),
                "all": range_text(None, None),
            },
            "text": frame_text(custom).replace(days, "{{range}}"),
            "description": custom.description.replace(f"{label} ({days})", "{{label}} ({{range}})"),
        },
    }


def _text(value: Any) -> str | None:
    """A dimension cell as text; None when missing or blank."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    text = str(value)
    return text if text.strip() else None


def _emails(rep: ReportCore, emails: pd.DataFrame) -> tuple[list[str | None], list[Any]]:
    """Each email's subject, and its preview (subject and HTML; None without HTML)."""
    table = rep.log.dims.emails.drop_duplicates("email_id").set_index("email_id")
    table = table.reindex(emails["email_id"], columns=["subject", "html"])
    subjects = [_text(v) for v in table["subject"]]
    previews = [
        None if html is None else {"subject": subject or "", "html": html}
        for subject, html in zip(subjects, map(_text, table["html"]), strict=True)
    ]
    return subjects, previews


def _chart_kinds(charts: Sequence[str] | None) -> tuple[str, ...]:
    if charts is None:
        return tuple(CHART_KINDS)
    kinds = (charts,) if isinstance(charts, str) else tuple(charts)
    return tuple(dict.fromkeys(chart_kind(k) for k in kinds))


def _chart_base(rep: ReportCore) -> dict[str, Any]:
    """The layout every chart starts from, with plotly's template written out (plotly.js
    does not know templates by name)."""
    import plotly.io as pio

    base = chart_base(rep)
    base["template"] = pio.templates[base["template"]].to_plotly_json()
    return base


def report_data(
    rep: ReportCore,
    *,
    title: str = "Campaign Email Performance",
    charts: Sequence[str] | None = None,
    previews: bool = True,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
) -> dict[str, Any]:
    """The data the HTML page embeds: aggregates, names, settings and the views' definitions,
    nothing per person.

    Parameters
    ----------
    rep : Report
        The report.
    title : str
        The page's heading.
    charts : sequence of str, optional
        Chart kinds (default every kind of :data:`campaign_perf.charts.CHART_KINDS`).
    previews : bool
        Include the emails' subject and HTML.
    min_group_size : int, default 5
        The fewest people a group of a lead attribute shows (see
        :mod:`~campaign_perf.views.html.lead_groups`).

    Returns
    -------
    dict
        ``settings`` (zone, today, week start, basis, as-of, description, time frame,
        grouping, columns, filters), ``frames`` (the time frames offered, resolved against
        the report's ``today``), ``summary`` (events, rejected rows...), ``metrics`` (id,
        label, format, the expression as a tree over counts, how a rate is drawn),
        ``formats``, ``table`` (the table's definition), ``counts``, ``campaigns`` and
        ``emails`` (sorted by id), ``programs``, ``sends`` (campaign and email positions,
        send day, week and month as days since 1970-01-01), ``aggregates`` (``cube``;
        ``engagement`` in a grouping by where emails were read; and ``hours``, ``clock``,
        ``links``, ``engagement:client``, ``engagement:device``, ``domains`` for the charts
        that read them: the rows' sends, dimensions and measures, and in ``alt`` the
        measures that differ with machine opens switched), ``charts`` (the charts'
        definitions), ``machine_opens`` (the reader's switch and the other setting's texts),
        ``chart_base`` and ``chart_empty`` (the layout of every chart, and of a chart
        without data), ``chart_fit`` and ``chart_width`` (how titles fit a width, and the
        width a chart is laid out for when its box has none), ``palette``, ``previews``,
        ``csv`` (the formula guard), ``privacy`` (the note on folded groups, or None) and
        ``buffer``: every whole-number column (sends, aggregates, campaigns' programs and
        statuses) is packed there (:class:`Packer`), the JSON says where.

    Raises
    ------
    ReportError
        An unknown chart kind; a lead attribute that identifies people, or a lead filter
        that selects fewer than ``min_group_size`` people.
    """
    kinds = _chart_kinds(charts)
    folds = lead_folds(_wide(rep), min_group_size)
    packer = Packer()
    aggs, sends, campaigns, emails = _aggregates(rep, kinds, folds, packer)
    programs, program_index = _ranks(campaigns["program"])
    statuses, status_index = _ranks(campaigns["status"])
    subjects, email_previews = _emails(rep, emails)
    frame = rep.frame
    return {
        "version": 3,
        "generator": f"campaign_perf {__version__}",
        "title": title,
        "settings": {
            "tz": rep.tz,
            "today": rep.today.isoformat(),
            "week_start": rep.week_start,
            "basis": rep.basis,
            "as_of": f"{rep.as_of:%Y-%m-%d %H:%M}",
            "exclude_bots": rep.exclude_bots,
            "machine_opens": rep.machine_opens,
            "proximity_seconds": rep.proximity_seconds,
            "description": rep.description,
            "time_frame": _time_frame(rep.time_frame),
            "frame": {
                "first": None if frame.first is None else frame.first.isoformat(),
                "last": None if frame.last is None else frame.last.isoformat(),
                "text": frame_text(rep),
            },
            "group_by": list(rep.group_by),
            "columns": list(rep.columns),
            "filters": _filters(rep),
        },
        "frames": _frames(rep),
        "summary": _summary(rep),
        "counts": list(rep.count_columns),
        "metrics": _metrics(rep),
        "formats": FORMATS,
        "table": table_spec(rep),
        "programs": programs,
        "statuses": statuses,
        "campaigns": {
            "id": campaigns["campaign_id"].astype(str).tolist(),
            "name": campaigns["campaign_name"].astype(str).tolist(),
            "program": packer.add(program_index),
            "status": packer.add(status_index),
        },
        "emails": {
            "id": emails["email_id"].astype(str).tolist(),
            "name": emails["email_name"].astype(str).tolist(),
            "subject": subjects if any(subjects) else None,
        },
        "sends": sends,
        "aggregates": aggs,
        "charts": {kind: chart_spec(rep, kind) for kind in kinds},
        "machine_opens": _machine_opens(rep, kinds),
        "chart_base": _chart_base(rep),
        "chart_empty": EMPTY_LAYOUT,
        "chart_fit": FIT,
        "chart_width": PANELS["width"],
        "palette": list(PALETTE),
        "previews": email_previews if previews and any(email_previews) else [],
        "csv": {"formula_prefixes": list(FORMULA_PREFIXES), "formula_guard": "'"},
        "privacy": folds.note if folds.folding else None,
        "kpis": _kpis(rep),
        "performers": panel_data(),
        "buffer": packer.encoded(),
    }


def _machine_opens(rep: ReportCore, kinds: Sequence[str]) -> dict[str, Any]:
    """The reader's switch of machine opens: the report's setting, the other, the switch's
    label, how each is said, and what the texts of the other setting read (the time frames'
    descriptions and the charts' definitions; the aggregates hold both settings' counts)."""
    other = _switched(rep)
    return {
        "mode": rep.machine_opens,
        "other": other.machine_opens,
        **MACHINE_OPENS,
        "texts": {
            other.machine_opens: {
                "frames": _frames(other),
                "charts": {kind: chart_spec(other, kind) for kind in kinds},
            }
        },
    }


def _kpis(rep: ReportCore, confidence: float = 0.95) -> dict[str, Any]:
    """What the headline strip needs to follow the reader: its metrics (format, which way
    is good news, the proportion a change is tested on), the test's critical value, the
    words of a significance and of the previous period, and the trend line's box."""
    metrics = []
    for mid in kpi_columns(rep):
        m = METRICS[mid]
        prop = proportion(mid)
        metrics.append(
            {
                "id": mid,
                "fmt": m.fmt,
                "better": m.better,
                "proportion": None
                if prop is None
                else {"numerator": list(prop.numerator), "denominator": prop.denominator},
            }
        )
    return {
        "metrics": metrics,
        # |z| above this is significant at the confidence level (two-sided), as in
        # compare_periods: the same test, without a p-value to compute in the browser
        "z": critical_z(confidence),
        "significance": VERDICT_TEXT,
        "against": AGAINST,
        # sends after this day are still settling: left out of the change (compare_periods)
        "settled_through": _iso_day(rep.settled_through),
        "settling_note": SETTLING_NOTE,
        "sparkline": SPARKLINE,
    }


def _filters(rep: ReportCore) -> list[list[Any]]:
    f = rep.filters
    chosen = [
        ("campaigns", f.campaigns),
        ("programs", f.programs),
        ("emails", f.emails),
        ("campaign status", f.campaign_status),
        *f.leads,
    ]
    return [[name, list(values)] for name, values in chosen if values]


# -- the page --------------------------------------------------------------------------------
@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("campaign_perf.views.html", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@functools.cache
def _static(name: str) -> str:
    text = (resources.files("campaign_perf.views.html") / "static" / name).read_text(
        encoding="utf-8"
    )
    if "</script" in text.lower() or "</style" in text.lower():  # pragma: no cover
        raise RuntimeError(f"static/{name} must not contain a closing script or style tag")
    return text


@functools.cache
def _plotlyjs() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


@functools.cache
def _plotlyjs_packed() -> str:
    """plotly.js as :func:`text_of` writes it: the page's script inflates it (a third of
    the size of the script itself)."""
    return text_of(_plotlyjs().encode("utf-8"))


def _plotly_cdn() -> tuple[str, str]:
    """The CDN address of the installed plotly.js version and its integrity hash."""
    from plotly.io._utils import plotly_cdn_url

    digest = hashlib.sha256(_plotlyjs().encode("utf-8")).digest()
    return plotly_cdn_url(), "sha256-" + base64.b64encode(digest).decode("ascii")


def content_security_policy(plotlyjs: PlotlyJS = "inline") -> str:
    """The page's Content-Security-Policy: no network access of any kind.

    Scripts and styles are inline only (with ``plotlyjs="cdn"`` scripts may also come from
    the plotly CDN), images only from ``data:``/``blob:`` URLs (plotly's image export),
    no connections, fonts, forms, objects or remote frames. Email previews are ``srcdoc``
    frames, which inherit this policy: an email's remote images and scripts do not load.

    Parameters
    ----------
    plotlyjs : {"inline", "cdn"}
        Where plotly.js comes from.

    Returns
    -------
    str
    """
    script = "'unsafe-inline'" + (f" {_CDN_HOST}" if plotlyjs == "cdn" else "")
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src {script}",
            "style-src 'unsafe-inline'",
            "img-src data: blob:",
            "font-src data:",
            "frame-src 'self' about: data:",
            "connect-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )


def _cell(value: Any, fmt: Format) -> str:
    """A metric cell as people read it; an infinite value is missing, like a 0 denominator."""
    if isinstance(value, float | np.floating) and not math.isfinite(value):
        value = math.nan
    return format_value(value, fmt)


def _table_rows(
    rep: ReportCore, page_size: int, folds: Folds
) -> tuple[list[str], list[dict[str, Any]], str | None]:
    """The table's first page for the page's first paint (before the script runs), its
    small lead groups folded, the total row, and when there are more pages, which rows the
    first one shows."""
    table = None
    if folds.folding:
        table = rep.table_of(folds.apply(rep.table_cube()))
    rows = table_rows(rep, table=table)
    metrics = rep.table_metrics  # share_of_opened too, in its groupings
    shown = [c for c in rows.columns if c not in {m.id for m in metrics} | {"kind", "block"}]
    spec = table_spec(rep)
    header = [spec["labels"].get(k, k) for k in shown] + [m.label for m in metrics]
    body = rows[rows["kind"] != "total"].iloc[:page_size]
    out = []
    for part in (body, rows[rows["kind"] == "total"]):
        for _, r in part.iterrows():
            cells = ["" if pd.isna(r[k]) else str(r[k]) for k in shown]
            cells += [_cell(r[m.id], m.fmt) for m in metrics]
            out.append({"kind": r["kind"], "cells": cells})
    n = int((rows["kind"] != "total").sum())
    slots = {k: format_value(v, "int") for k, v in {"first": 1, "last": page_size, "n": n}.items()}
    return header, out, None if n <= page_size else fill_slots(spec["page_text"], slots)


def to_html(
    rep: ReportCore,
    *,
    title: str | None = None,
    plotlyjs: PlotlyJS = "inline",
    charts: Sequence[str] | None = None,
    previews: bool = True,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
) -> str:
    """The report as one self-contained, interactive HTML page.

    The page shows the title, the time frame, zone and as-of, a data summary, the headline
    table (campaign subtotals and a total row, 100 rows a page), the charts and the email
    previews. Readers change the time frame (the presets, counted from the report's
    ``today``, or dates), the columns and the campaign and email filters, and sort the
    table (by campaign, or ranked); the table and every chart recompute in the browser and
    equal :meth:`Report.table <campaign_perf.Report.table>` and
    :func:`~campaign_perf.views.charts.chart` for the same settings. On the activity basis
    the time frame is fixed (days of activity cannot be resliced from counts per send
    day); columns and filters still work.

    Only aggregates are embedded: counts per campaign, email and send day (and the lead
    attributes, recipient domain, client, OS, device or country the report groups by; the
    hours since the send, weekday and hour, or page of opens and clicks; opened by client
    and by device; sends and bounces by recipient domain), each with machine opens
    counted and excluded (a switch on the page), names, settings, the emails' HTML,
    rejected rows counted by the kind of their reason. No user agents or IP addresses, no
    lead ids, addresses, events, raw values of rejected rows,
    link query strings or personal-looking parts of links (see
    :func:`~campaign_perf.views.aggregates.link_page`). A group of a lead attribute with
    fewer than ``min_group_size`` people folds into one "Other" group, as the page says
    (so does a recipient domain, and a client, OS, device or country that fewer people
    opened with in one email);
    an attribute that identifies people (most have a value of their own, or its values are
    addresses) cannot be grouped or filtered by.

    Parameters
    ----------
    rep : Report
        The report.
    title : str, optional
        The page's heading; default "Campaign Email Performance".
    plotlyjs : {"inline", "cdn"}, default "inline"
        "inline" embeds plotly.js, compressed (the file works offline; 1.9 MB of it);
        "cdn" loads it from cdn.plot.ly with a subresource-integrity hash (a file of a few
        hundred kB).
    charts : sequence of str, optional
        Chart kinds to show (default every kind of
        :data:`campaign_perf.charts.CHART_KINDS`); ``()`` for none.
    previews : bool, default True
        Embed the emails' subject and HTML; clicking an email's name shows it in a
        sandboxed frame where no script runs.
    min_group_size : int, default 5
        The fewest people a group of a lead attribute shows.

    Returns
    -------
    str
        The HTML document.

    Raises
    ------
    ReportError
        For bad options; a lead attribute that identifies people; a lead filter that
        selects fewer than ``min_group_size`` people.

    Examples
    --------
    >>> import campaign_perf as cp
    >>> from campaign_perf.html_report import to_html
    >>> log = cp.load_events("sample_data/events.parquet",
    ...                      emails="sample_data/emails.parquet")  # doctest: +SKIP
    >>> page = to_html(cp.Report(log, time_frame="past 30 days", today="as_of"))  # doctest: +SKIP
    """
    if plotlyjs not in ("inline", "cdn"):
        raise ReportError(f"plotlyjs must be 'inline' or 'cdn', not {plotlyjs!r}")
    title = "Campaign Email Performance" if title is None else str(title)
    folds = lead_folds(_wide(rep), min_group_size)
    data = report_data(
        rep, title=title, charts=charts, previews=previews, min_group_size=min_group_size
    )
    columns, rows, more_rows = _table_rows(rep, data["table"]["page_size"], folds)
    cdn_url, integrity = _plotly_cdn() if plotlyjs == "cdn" else ("", "")
    summary = data["summary"]
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            title=title,
            description=rep.description,
            table_caption=rep.description,
            table_note=rep.grouping_note,
            settling_note=settling_note(rep),
            settings=data["settings"],
            summary=summary,
            csp=content_security_policy(plotlyjs),
            payload=script_json({k: v for k, v in data.items() if k != "buffer"}),
            buffer=_checked_text(data["buffer"]),
            columns=columns,
            rows=rows,
            more_rows=more_rows,
            n_emails=len(data["emails"]["id"]),
            page_size=data["table"]["page_size"],
            chart_kinds=list(data["charts"]),
            chart_titles=dict(CHART_KINDS),
            machine_opens=MACHINE_OPENS,
            filters=data["settings"]["filters"],
            privacy=data["privacy"],
            inline_plotlyjs=_checked_text(_plotlyjs_packed()) if plotlyjs == "inline" else None,
            cdn_url=cdn_url,
            integrity=integrity,
            css="\n".join((_static("report.css"), strip_css(), panel_css())),
            kpi_strip=Markup(kpi_strip(rep, style=False)),
            performers=Markup(
                performers_panel(
                    rep, style=False, choices=True, fold=folds.apply if folds.folding else None
                )
            ),
            js=_static("report.js"),
            generator=data["generator"],
        )
    )


def _checked_text(text: str) -> Markup:
    """:func:`text_of`'s text, safe as it is inside a ``<script>`` element (no ``<``)."""
    if "<" in text:  # pragma: no cover - text_of writes none
        raise RuntimeError("packed text must not contain '<'")
    return Markup(text)


def write_html(rep: ReportCore, path: str | Path, **options: Any) -> Path:
    """Write the report as one self-contained, interactive HTML file.

    Parameters
    ----------
    rep : Report
        The report.
    path : str or Path
        Where to write (UTF-8).
    **options
        See :func:`to_html` (:class:`HtmlOptions`).

    Returns
    -------
    Path
        The path written.

    Examples
    --------
    >>> from campaign_perf.html_report import write_html
    >>> write_html(rep, "report.html")  # doctest: +SKIP
    PosixPath('report.html')
    """
    path = Path(path)
    text = to_html(rep, **options)
    with atomic_path(path) as tmp:  # a failed write leaves the previous file as it was
        tmp.write_text(text, encoding="utf-8")
    return path
