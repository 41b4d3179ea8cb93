"""Charts of a report: plotly figures usable anywhere (notebook, dashboard, HTML export).

:func:`chart` draws one of :data:`CHART_KINDS` from a :class:`~campaign_perf.report.Report`.
What each chart shows is defined once, as data, in :mod:`campaign_perf.views.specs`; this
module reduces the report to the numbers a definition asks for and fills the definition
with them (:func:`draw`), as the shared HTML report's script does in the browser.

Every figure uses the one colour-blind-safe :data:`PALETTE` (Okabe–Ito), the
``plotly_white`` template, a title that says what is shown and for which time frame, a
subtitle with the rest of the report's settings, labelled axes, percentages formatted as
percentages and hover text with exact numbers. A report with nothing to show gives a figure
with an explanatory annotation instead of an error.

Plotly reads a small HTML subset (``<b>``, ``<i>``, ``<br>``, ``<sup>``, ``<span style>``,
``<a href>``) in every text it draws: titles, axis titles and tick labels, trace names, hover
text, annotations. So every text that holds names or other data (campaigns, emails,
programs, lead attributes, links, metric labels) is escaped
(:func:`~campaign_perf.views.specs.plotly_text`); plotly turns the entities back into
those characters on screen, so a name shows as the text it is. Numbers stay numbers.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from campaign_perf.metrics import (
    METRICS,
    compute_metrics,
    evaluate,
    expression_tree,
    format_value,
)
from campaign_perf.report.groups import SHARE_OF_OPENED
from campaign_perf.views import aggregates
from campaign_perf.views.specs import (
    ACTIVITY,
    CHART_KINDS,
    EMPTY_LAYOUT,
    EMPTY_MESSAGE,
    FIT,
    HEATMAP_COLORSCALE,
    MAX_POINTS,
    PALETTE,
    PANELS,
    PERIODS,
    chart_base,
    chart_spec,
    fill_slots,
    frame_text,
    metric_color,
    plotly_text,
    short_link,
    shorten,
    wrap_text,
)

if TYPE_CHECKING:
    from campaign_perf.report.core import ReportCore

__all__ = [
    "CHART_KINDS",
    "EMPTY_MESSAGE",
    "HEATMAP_COLORSCALE",
    "PALETTE",
    "axis_periods",
    "chart",
    "draw",
    "metric_color",
    "panel_grid",
]


# -- the entry point --------------------------------------------------------------------
def chart(
    rep: ReportCore,
    kind: str = "rates",
    *,
    table: pd.DataFrame | None = None,
    total: pd.Series | None = None,
    template: bool = True,
    width: int | None = None,
    **options: Any,
) -> go.Figure:
    """Draw a chart of a report.

    Parameters
    ----------
    rep : Report
        The report: its time frame, zone, basis, filters, columns and grouping are used.
    kind : str, default "rates"
        One of :data:`CHART_KINDS`.
    table, total : optional
        ``rep.table()`` and ``rep.total()`` when the caller has them already (the
        dashboard): charts whose columns are among the report's use them instead of
        computing them again.
    template : bool, default True
        Name the ``plotly_white`` template in the layout. A view that copies the figure
        into one that has the template already (the dashboard's ``FigureWidget``) passes
        False: plotly validates a named template again, which costs more than the rest.
    width : int, optional
        The figure's width in pixels (the dashboard's). The rates chart's panels and
        long titles are laid out for it; by default for 1000 pixels, a notebook's output,
        and the figure keeps plotly's responsive width.
    **options
        Options of the kind:

        * ``rates``: ``columns`` (rate metric ids; default the report's % columns, or
          opened, clicked and clicked-to-opened %). One panel per rate, deliverability
          (of sent) before engagement (of delivered or opened), each with its own axis,
          a dot per table row sorted by value and a dashed line at the total. Beyond 30
          table rows, the rows with the fewest sends are one "Other" dot, last.
        * ``volume``: ``period`` (``"day"``, ``"week"`` or ``"month"``, default
          ``"day"``; weeks start on the report's ``week_start``). A frame of more than
          400 periods is drawn in weeks, then months, then over the days that hold sends.
        * ``rates_over_time``: ``period`` as above, ``columns`` (default opened % and
          clicked %).
        * ``engagement``: ``unit`` — ``"events"`` (default: every open and counted click)
          or ``"people"`` (each record once, at its first open and at its first counted
          click); ``hours`` (default 72: hourly bins, then "later").
        * ``links``: ``top`` (default 10); ``full_urls`` (default False: each link
          without its query string, fragment and user name, which often carry personal
          tokens such as ``?email=``, ``uid=``, ``utm_*`` or ``mkt_tok``; True keeps the
          full URLs, for private use only — the HTML report never does). People are
          records: each campaign, email and person that clicked the link once.
        * ``machine_opens``: ``period`` as above.
        * ``clients``: ``top`` (default 12): Share of Opened by client and by device,
          the tables of ``rep.by("client")`` and ``rep.by("device")`` (RULES.md section
          9: a person counts under each client they opened with), most opened first, at
          most ``top`` bars a part. Machine opens follow the report's ``machine_opens``.
        * ``domains``: ``top`` (default 10): Bounced % and Delivered % of
          ``rep.by("recipient_domain")``, a panel each; the ``top`` domains by sent, the
          others as one "Other" dot.

    Returns
    -------
    plotly.graph_objects.Figure

    Raises
    ------
    ReportError
        For an unknown kind or option.

    Examples
    --------
    >>> import campaign_perf as cp
    >>> from campaign_perf.charts import chart
    >>> log = cp.load_events("sample_data/events.parquet")  # doctest: +SKIP
    >>> rep = cp.Report(log, time_frame="past 30 days", today="as_of")  # doctest: +SKIP
    >>> chart(rep, "volume", period="week").show()  # doctest: +SKIP
    """
    spec = chart_spec(rep, kind, **options)
    known = Known(rep, table, total)
    if spec.get("group"):  # a chart of the report grouped its own way (by recipient domain)
        rep = rep.by(*spec["group"])
        known = Known(rep)
    empty = _nothing_sent(rep, known)
    reduced = {"message": spec["empty"]} if empty else _REDUCE[spec["by"]](rep, spec, known)
    base = chart_base(rep)
    if not template:
        del base["template"]
    if width is not None:
        base["width"] = width
    figure = draw(
        spec,
        reduced,
        base=base,
        frame=frame_text(rep),
        filtered=spec["filtered"],
        width=PANELS["width"] if width is None else width,
    )
    return go.Figure(figure)


# -- the renderer: a definition filled with reduced data (report.js has its twin) -------------
def _set(layout: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for p in parents:
        layout = layout.setdefault(p, {})
    layout[last] = value


def _trace(
    template: dict[str, Any], reduced: dict[str, Any], slots: dict[str, Any], series: Any = None
) -> dict[str, Any]:
    """One trace of a definition: ``"@name"`` values taken from the reduced data (or the
    series), a measure name in x, y, z or customdata taken as that measure's values, a
    list of those in ``customdata``, and slots filled in the other texts."""
    columns = reduced.get("columns", {})
    found = {**reduced, **(series or {})}

    def data(ref: Any) -> Any:
        if not isinstance(ref, str):
            return ref
        return found.get(ref[1:]) if ref.startswith("@") else columns[ref]

    out: dict[str, Any] = {}
    for key, value in template.items():
        if key in ("x", "y", "z") or (
            isinstance(value, str) and (key == "customdata" or value.startswith("@"))
        ):
            values = data(value)
            if values is None:  # a rate that is not a ratio has no exact counts to show
                continue
            out[key] = values
        elif key == "customdata":
            out[key] = np.column_stack([data(v) for v in value])
        elif isinstance(value, str):
            out[key] = fill_slots(value, slots)
        elif isinstance(value, dict):
            out[key] = {
                k: fill_slots(v, slots) if isinstance(v, str) else v for k, v in value.items()
            }
        else:
            out[key] = value
    return out


def draw(
    spec: dict[str, Any],
    reduced: dict[str, Any],
    *,
    base: dict[str, Any],
    frame: str,
    filtered: bool,
    width: float = PANELS["width"],
) -> dict[str, Any]:
    """A figure (plotly's data and layout) from a chart definition and its reduced data.

    Parameters
    ----------
    spec : dict
        A definition of :func:`campaign_perf.views.specs.chart_spec`.
    reduced : dict
        The numbers: ``message`` (a chart without data), ``key`` (the categories),
        ``columns`` (measure -> values), ``series`` (one entry per rate drawn), ``period``
        and whatever else the definition's ``"@..."`` values name.
    base : dict
        :func:`campaign_perf.views.specs.chart_base`.
    frame : str
        The time frame as the title says it.
    filtered : bool
        Whether filters apply (the subtitle says so).
    width : float
        The width, in pixels, the figure is laid out for (titles wrapped, panels placed).

    Returns
    -------
    dict
        ``{"data": [...], "layout": {...}}``.
    """
    slots = {**spec.get("slots", {}), **reduced.get("slots", {})}
    period = reduced.get("period", spec.get("period"))
    if period is not None:
        slots |= {
            "period": spec["periods"][period]["phrase"],
            "when": spec["periods"][period]["when"],
        }
    layout = copy.deepcopy(base)
    layout["title"]["text"] = plotly_text(f"{fill_slots(spec['title'], slots)} — {frame}")
    layout["title"]["subtitle"]["text"] = spec["subtitle"]["filtered" if filtered else "plain"]
    fit_titles(layout, width)
    if reduced.get("message"):
        layout |= copy.deepcopy(EMPTY_LAYOUT)
        layout["annotations"][0]["text"] = plotly_text(reduced["message"])
        return {"data": [], "layout": layout}
    for key, value in spec["layout"].items():
        layout[key] = spec["periods"][period]["axis"] if value == "@period_axis" else value
    layout = copy.deepcopy(layout)
    for path, ref in spec["fill"].items():
        _set(layout, path, reduced[ref[1:]])
    if "series" in spec:
        traces = [
            _trace(spec["trace"], reduced, slots | s["slots"], series=s) for s in reduced["series"]
        ]
    else:
        traces = [_trace(t, reduced, slots) for t in spec["traces"]]
    if "panels" in spec:
        _place_panels(spec["panels"], reduced, traces, layout, width)
    height = spec["height"]
    if height is not None:
        per = height["per"] + height.get("per_series", 0) * len(reduced.get("series", ()))
        layout["height"] = max(height["min"], height["base"] + len(reduced["key"]) * per)
    return {"data": traces, "layout": layout}


def fit_titles(layout: dict[str, Any], width: float) -> None:
    """Wrap the title and subtitle of a layout to its width and make the top margin hold
    their lines (:data:`~campaign_perf.views.specs.FIT`); report.js's ``fitTitles``."""
    room = width - layout["margin"]["l"] - layout["margin"]["r"]
    height = FIT["top"] + FIT["below"]
    for part, node in (("title", layout["title"]), ("subtitle", layout["title"]["subtitle"])):
        size = FIT[part]
        node["text"], lines = wrap_text(node["text"], max(1, math.floor(room / (size * FIT["em"]))))
        height += lines * math.ceil(size * FIT["line"])
    layout["margin"]["t"] = height


def panel_grid(
    panels: dict[str, Any], n: int, rows: int, lines: int, plot: float
) -> dict[str, Any]:
    """Where the panels of a small-multiples chart go (report.js's ``panelGrid``).

    Parameters
    ----------
    panels : dict
        The definition's ``panels`` (:data:`~campaign_perf.views.specs.PANELS`).
    n : int
        The number of panels.
    rows : int
        The rows (names) in each panel.
    lines : int
        The lines of text of a name.
    plot : float
        The width of the plotting area, in pixels.

    Returns
    -------
    dict
        ``height`` (of the plotting area, pixels), ``columns`` and, per panel, ``x`` and
        ``y`` (its domain, fractions of the plotting area) and ``left`` (where its
        names and title start).
    """
    columns = max(1, min(panels["max_columns"], n, math.floor(plot / panels["min_width"])))
    row_height = lines * panels["line_height"] + panels["row_pad"]
    panel_height = panels["head"] + rows * row_height + panels["foot"]
    height = math.ceil(n / columns) * panel_height
    cell = plot / columns
    label = min(panels["label_width"], cell / 2)
    boxes = []
    for i in range(n):
        c, r = i % columns, i // columns
        boxes.append(
            {
                "x": [(c * cell + label) / plot, ((c + 1) * cell - panels["gap"]) / plot],
                "y": [
                    1 - ((r + 1) * panel_height - panels["foot"]) / height,
                    1 - (r * panel_height + panels["head"]) / height,
                ],
                "left": c * cell / plot,
            }
        )
    return {"height": height, "columns": columns, "panels": boxes}


def _place_panels(
    panels: dict[str, Any],
    reduced: dict[str, Any],
    traces: list[dict[str, Any]],
    layout: dict[str, Any],
    width: float,
) -> None:
    """Each rate in a panel of its own: its axes, title and reference line at the total."""
    series = reduced["series"]
    margin = layout["margin"]
    grid = panel_grid(
        panels,
        len(series),
        len(reduced["key"]),
        reduced["lines"],
        width - margin["l"] - margin["r"],
    )
    layout.setdefault("shapes", [])
    for i, (s, t, box) in enumerate(zip(series, traces, grid["panels"], strict=True)):
        n = "" if i == 0 else str(i + 1)
        t["xaxis"], t["yaxis"] = f"x{n}", f"y{n}"
        layout[f"xaxis{n}"] = {
            **copy.deepcopy(panels["xaxis"]),
            "domain": box["x"],
            "anchor": f"y{n}",
        }
        layout[f"yaxis{n}"] = {
            **copy.deepcopy(panels["yaxis"]),
            "domain": box["y"],
            "anchor": f"x{n}",
            "categoryarray": s["key"],
            "tickvals": s["key"],
            "ticktext": s["tick"],
        }
        for note in panels["annotations"]:
            layout["annotations"].append(
                {
                    **copy.deepcopy(note),
                    "text": fill_slots(note["text"], s["slots"]),
                    "xref": "paper",
                    "yref": "paper",
                    "x": box["left"],
                    "y": box["y"][1],
                    "xanchor": "left",
                    "yanchor": "bottom",
                    "showarrow": False,
                }
            )
        if math.isfinite(s["total"]):
            layout["shapes"].append(
                {
                    **copy.deepcopy(panels["reference"]),
                    "type": "line",
                    "xref": f"x{n}",
                    "yref": f"y{n} domain",
                    "x0": s["total"],
                    "x1": s["total"],
                    "y0": 0,
                    "y1": 1,
                }
            )
    layout["height"] = margin["t"] + margin["b"] + grid["height"]


# -- shared pieces ----------------------------------------------------------------------
@dataclass(frozen=True)
class Known:
    """What the caller of :func:`chart` computed already for ``rep``: its ``table()`` and
    its ``total()`` (None when not given)."""

    rep: ReportCore
    table: pd.DataFrame | None = None
    total: pd.Series | None = None

    def covers(self, columns: Sequence[str]) -> bool:
        """Whether the known table and total hold these metric columns."""
        return set(columns) <= set(self.rep.columns)


def _table(rep: ReportCore, columns: Sequence[str], known: Known) -> pd.DataFrame:
    """``rep.table()`` with these metric columns."""
    if known.table is None or not known.covers(columns):
        return rep.with_columns(list(columns)).table()
    keys = [c for c in known.table.columns if c not in rep.columns]
    return known.table[[*keys, *columns]]


def _funnel_counts(rep: ReportCore, known: Known) -> pd.Series:
    ids = list(ACTIVITY)
    if known.total is None or not known.covers(ids):
        return rep.with_columns(ids).total()
    return known.total[ids]


def _nothing_sent(rep: ReportCore, known: Known) -> bool:
    """True when the report has nothing to count (no send, and on the activity basis no
    activity either): every count of :data:`~campaign_perf.views.specs.ACTIVITY` is 0."""
    return not (_funnel_counts(rep, known) > 0).any()


def _leaves(tree: Any) -> list[str]:
    """The counts an expression tree (:func:`~campaign_perf.metrics.expression_tree`) uses."""
    if isinstance(tree, str):
        return [tree]
    return [c for t in tree[1:] for c in _leaves(t)] if isinstance(tree, list) else []


def _counts_of(ids: Sequence[str]) -> list[str]:
    """The metrics, then every count their expressions use."""
    return list(dict.fromkeys([*ids, *(c for i in ids for c in _leaves(expression_tree(i)))]))


def _finite(values: pd.Series) -> np.ndarray:
    """A metric's values, an infinite one missing (as a 0 denominator makes it): no bar."""
    out = values.to_numpy(dtype=float)
    return np.where(np.isfinite(out), out, np.nan)


def _series(
    spec: dict[str, Any], table: pd.DataFrame, total: pd.DataFrame | None = None
) -> list[dict[str, Any]]:
    """The rates of a definition over a table: values, exact counts for the hover, style;
    with the table's ``total`` (one row of counts), each rate's total and its slots."""
    out = []
    counts = {c: table[c] for c in table.columns if c in METRICS and METRICS[c].is_count}
    for i, s in enumerate(spec["series"]):
        entry: dict[str, Any] = {
            "value": _finite(table[s["id"]]),
            "slots": {
                "name": s["name"],
                "color": s["color"] or PALETTE[i % len(PALETTE)],
                "hover_x": s["hover"]["x"],
                "hover_y": s["hover"]["y"],
            },
        }
        if s["ratio"] is not None:
            numerator, denominator = s["ratio"]
            num = evaluate(numerator, counts, s["id"]).to_numpy(dtype=float)
            entry["customdata"] = np.column_stack([num, table[denominator].to_numpy(dtype=float)])
        if total is not None:
            value = float(_finite(compute_metrics(total, [s["id"]])[s["id"]])[0])
            entry["total"] = value
            entry["slots"] |= {"total": format_value(value, "pct"), "note": s["note"]}
        out.append(entry)
    return out


# -- reductions: the numbers each definition asks for -------------------------------------------
def _row_names(table: pd.DataFrame, keys: Sequence[str], chars: int) -> tuple[list[str], list[str]]:
    """Each table row's name, and its tick: the names joined by " · " (made unique with the
    ids), and one line per name cut to ``chars`` characters (escaped for plotly)."""
    shown = [k for k in keys if not k.endswith("_id")] or list(keys)
    ids = [k for k in keys if k.endswith("_id")]

    def parts(row: pd.Series, cols: Sequence[str]) -> list[str]:
        return ["–" if pd.isna(row[c]) else str(row[c]) for c in cols]

    rows = [parts(r, shown) for _, r in table.iterrows()]
    labels = [" · ".join(p) for p in rows]
    repeated = pd.Series(labels).duplicated(keep=False).to_numpy()
    if ids and repeated.any():
        for i, (_, r) in enumerate(table.iterrows()):
            if repeated[i]:
                suffix = f" ({' · '.join(parts(r, ids))})"
                labels[i] += suffix
                rows[i][-1] += suffix
    ticks = ["<br>".join(plotly_text(shorten(p, chars)) for p in row) for row in rows]
    return [plotly_text(lab) for lab in labels], ticks


def _sorted_panel(entry: dict[str, Any], key: list[str], tick: list[str], named: int) -> None:
    """A rate's rows by value, highest first, missing values after them and the "Other"
    row last (ties keep the table's order): report.js sorts the same way."""
    value = entry["value"]
    order = np.concatenate(
        [np.argsort(-value[:named], kind="stable"), np.arange(named, len(value))]
    )
    entry["key"] = [key[i] for i in order]
    entry["tick"] = [tick[i] for i in order]
    entry["value"] = value[order]
    if "customdata" in entry:
        entry["customdata"] = entry["customdata"][order]


def _by_rows(rep: ReportCore, spec: dict[str, Any], known: Known) -> dict[str, Any]:
    ids = [s["id"] for s in spec["series"]]
    columns = _counts_of(ids)
    table = _table(rep, columns, known)
    if table.empty:
        return {"message": spec["empty"]}
    values = {*columns, *(m.id for m in rep.table_metrics)}  # share_of_opened is no name
    keys = [c for c in table.columns if c not in values]
    counts = [c for c in columns if METRICS[c].is_count]
    total = table[counts].sum().to_frame().T
    others: list[str] = []
    top = spec["top"]
    if len(table) > top["n"]:
        every = list(rep.count_columns)
        sums = rep.with_columns(every).table()[every]
        kept = np.sort(np.argsort(-sums[top["by"]].to_numpy(), kind="stable")[: top["n"]])
        rest = np.setdiff1d(np.arange(len(table)), kept)
        other = compute_metrics(sums.iloc[rest].sum().to_frame().T, columns)
        others = [plotly_text(fill_slots(top["other"], {"n": format_value(len(rest), "int")}))]
        table = pd.concat([table.iloc[kept], other], ignore_index=True)
    named = len(table) - len(others)
    key, tick = _row_names(table.iloc[:named], keys, spec["panels"]["label_chars"])
    key, tick = key + others, tick + others
    series = _series(spec, table, total)
    for entry in series:
        _sorted_panel(entry, key, tick, named)
    shown = [k for k in keys if not k.endswith("_id")] or keys
    return {"key": key, "lines": len(shown), "series": series}


def _total(rep: ReportCore, spec: dict[str, Any], known: Known) -> dict[str, Any]:
    counts = _funnel_counts(rep, known)
    rates = compute_metrics(
        counts.to_frame().T, [r["id"] for step in spec["steps"] for r in step["rates"]]
    )
    text = []
    for step in spec["steps"]:
        said = [
            fill_slots(
                spec["step_text"]["count"],
                {"label": step["label"], "count": format_value(counts[step["count"]], "int")},
            )
        ]
        for r in step["rates"]:
            value = float(_finite(rates[r["id"]])[0])
            said.append(fill_slots(r["text"], {"value": format_value(value, "pct")}))
        text.append(spec["step_text"]["sep"].join(said))
    return {"total": [int(counts[i]) for i in spec["measures"]], "text": text}


def _period_count(lo: dt.date, hi: dt.date, period: str, week_start: int) -> int:
    if period == "day":
        return (hi - lo).days + 1
    if period == "week":
        return (
            _period_start(hi, "week", week_start) - _period_start(lo, "week", week_start)
        ).days // 7 + 1
    return (hi.year * 12 + hi.month) - (lo.year * 12 + lo.month) + 1


def _period_start(day: dt.date, period: str, week_start: int) -> dt.date:
    if period == "week":
        return day - dt.timedelta(days=(day.weekday() - week_start) % 7)
    if period == "month":
        return day.replace(day=1)
    return day


def axis_periods(
    first: dt.date | None,
    last: dt.date | None,
    seen: tuple[dt.date, dt.date],
    period: str,
    week_start: int = 0,
) -> tuple[str, list[dt.date]]:
    """The periods an over-time chart draws: every period of the frame (widened to the
    send days seen), in the finest period from ``period`` on that gives at most
    :data:`MAX_POINTS`; when none does, the same over the span of the send days seen.

    Parameters
    ----------
    first, last : date or None
        The frame (None: open).
    seen : (date, date)
        The first and last send day with data.
    period : {"day", "week", "month"}
        The finest period wanted.
    week_start : int
        The first day of a week (0 = Monday).

    Returns
    -------
    (str, list of date)
        The period used and the first day of each period.
    """
    lo = seen[0] if first is None else min(first, seen[0])
    hi = seen[1] if last is None else max(last, seen[1])
    finer = PERIODS[PERIODS.index(period) :]
    choice = next(
        ((p, lo, hi) for p in finer if _period_count(lo, hi, p, week_start) <= MAX_POINTS), None
    )
    if choice is None:
        lo, hi = seen
        choice = next(
            ((p, lo, hi) for p in finer if _period_count(lo, hi, p, week_start) <= MAX_POINTS),
            ("month", lo, hi),
        )
    used, lo, hi = choice
    start, end = _period_start(lo, used, week_start), _period_start(hi, used, week_start)
    if used == "month":
        months = (end.year * 12 + end.month) - (start.year * 12 + start.month)
        index = start.year * 12 + start.month - 1
        days = [dt.date((index + i) // 12, (index + i) % 12 + 1, 1) for i in range(months + 1)]
    else:
        step = 7 if used == "week" else 1
        days = [start + dt.timedelta(days=i) for i in range(0, (end - start).days + 1, step)]
    return used, days


def _by_period(rep: ReportCore, spec: dict[str, Any], known: Known) -> dict[str, Any]:
    ids = [s["id"] for s in spec["series"]] if "series" in spec else spec["measures"]
    counts = [c for c in _counts_of(ids) if METRICS[c].is_count]
    cube = rep.cube()
    days = pd.to_datetime(cube["send_day"])
    seen = (days.min().date(), days.max().date())
    frame = rep.frame
    period, starts = axis_periods(
        frame.first, frame.last, seen, spec["period"], int(rep.week_start)
    )
    key = f"send_{period}"
    table = rep.by(period).with_columns(counts).table()
    table = table.set_index(pd.to_datetime(table[key]).dt.date)[counts]
    table = table.reindex(starts, fill_value=0).reset_index(drop=True)
    table = pd.concat([table, compute_metrics(table, [i for i in ids if i not in counts])], axis=1)
    out: dict[str, Any] = {
        "key": [f"{d:%Y-%m-%d}" for d in starts],
        "period": period,
        "columns": {
            i: table[i].to_numpy() if METRICS[i].is_count else _finite(table[i]) for i in ids
        },
    }
    if "series" in spec:
        out["series"] = _series(spec, table)
    return out


def _no_data(spec: dict[str, Any], sums: pd.DataFrame) -> dict[str, Any] | None:
    no_data = spec["no_data"]
    if len(sums) == 0 or not (sums[no_data["measures"]].to_numpy() > 0).any():
        return {"message": no_data["message"]}
    return None


def _by_bin(rep: ReportCore, spec: dict[str, Any], known: Known) -> dict[str, Any]:
    bins = spec["bins"]
    measures = spec["measures"]
    hours = bins["keys"][-1]
    agg = aggregates.hours_since_send(rep, hours).groupby("bin")[measures].sum()
    empty = _no_data(spec, agg)
    if empty:
        return empty
    agg = agg.reindex(bins["keys"], fill_value=0)
    keep = [k not in bins["optional"] or bool(agg.loc[k].gt(0).any()) for k in bins["keys"]]
    labels = [lab for lab, k in zip(bins["labels"], keep, strict=True) if k]
    return {
        "key": labels,
        "text": [t for t, k in zip(bins["texts"], keep, strict=True) if k],
        "ticks": [t for t in bins["ticks"] if t in labels],
        "columns": {m: agg[m].to_numpy()[keep] for m in measures},
    }


def _by_cell(rep: ReportCore, spec: dict[str, Any], known: Known) -> dict[str, Any]:
    agg = aggregates.clock(rep)
    empty = _no_data(spec, agg)
    if empty:
        return empty
    grid = spec["grid"]
    z = np.zeros((len(grid["rows"]), grid["cols"]), dtype=np.int64)
    row = {weekday: i for i, weekday in enumerate(grid["rows"])}
    np.add.at(
        z, (agg["weekday"].map(row).to_numpy(), agg["hour"].to_numpy()), agg["opens"].to_numpy()
    )
    return {"grid": z}


def _by_link(rep: ReportCore, spec: dict[str, Any], known: Known) -> dict[str, Any]:
    measures = spec["measures"]
    agg = aggregates.links(rep, spec["full_urls"]).groupby("link")[measures].sum().reset_index()
    empty = _no_data(spec, agg)
    if empty:
        return empty
    order = [(c, d) for c, d in spec["sort"]]
    agg = agg.sort_values(
        [c.lstrip("@") for c, _ in order], ascending=[d > 0 for _, d in order], kind="stable"
    ).head(spec["top"]["n"])
    links = agg["link"].tolist()
    return {
        "key": [plotly_text(x) for x in links],
        "tick": [plotly_text(short_link(x)) for x in links],
        "columns": {m: agg[m].to_numpy() for m in measures},
    }


def _by_share(rep: ReportCore, spec: dict[str, Any], known: Known) -> dict[str, Any]:
    """Each part's table (``rep.by(group).table()``): its values with the most opened
    first, at most ``top`` of them, their share of opened and the people who opened; the
    parts stacked, each as tall as its bars."""
    if rep.filters.leads:
        return {"message": spec["refused"]["lead_filters"]}
    opened = _funnel_counts(rep, known)["opened"]
    if not opened > 0:
        return {"message": spec["no_data"]["message"]}
    out: dict[str, Any] = {"key": []}
    tables = []
    for part in spec["parts"]:
        t = rep.by(part["group"]).table()
        t = t.sort_values("opened", ascending=False, kind="stable")
        shares = t[SHARE_OF_OPENED] if SHARE_OF_OPENED in t else t["opened"] / opened
        tables.append((part, t.head(spec["top"]["n"]), shares.head(spec["top"]["n"]), len(t)))
    rows = sum(len(t) for _, t, _, _ in tables)
    room = 1 - spec["gap"] * (len(tables) - 1)
    top = 1.0
    for part, t, shares, every in tables:
        group = part["group"]
        key = [plotly_text("–" if pd.isna(v) else v) for v in t[group].tolist()]
        height = room * len(t) / rows if rows else room / len(tables)
        slots = {"n": format_value(len(t), "int"), "all": format_value(every, "int")}
        out["key"] += key
        out |= {
            f"{group}_key": key,
            f"{group}_share": _finite(shares),
            f"{group}_opened": t["opened"].to_numpy(dtype=float),
            f"{group}_domain": [max(0.0, top - height), top],
            f"{group}_title": part["axis"] if len(t) == every else fill_slots(part["cut"], slots),
        }
        top -= height + spec["gap"]
    return out


_REDUCE = {
    "rows": _by_rows,
    "shares": _by_share,
    "total": _total,
    "period": _by_period,
    "bin": _by_bin,
    "cell": _by_cell,
    "link": _by_link,
}
