"""Charts of a report: plotly figures usable anywhere (notebook, dashboard, HTML export).

:func:`chart` draws one of :data:`CHART_KINDS` from a :class:`~campaign_perf.report.Report`.
Every figure uses the one colour-blind-safe :data:`PALETTE` (Okabe–Ito), the
``plotly_white`` template, a title that says what is shown and for which time frame, a
subtitle with the rest of the report's settings, labelled axes, percentages formatted as
percentages and hover text with exact numbers. A report with nothing to show gives a figure
with an explanatory annotation instead of an error.

Plotly reads a small HTML subset (``<b>``, ``<i>``, ``<br>``, ``<sup>``, ``<span style>``,
``<a href>``) in every text it draws: titles, axis titles and tick labels, trace names, hover
text, annotations. So every text that holds names or other data (campaigns, emails,
programs, lead attributes, links, metric labels) passes through :func:`_text`, which
escapes ``&``, ``<`` and ``>``; plotly turns the entities back into those characters on
screen, so a name shows as the text it is. Numbers stay numbers.
"""

from __future__ import annotations

import ast
import html
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from campaign_perf.errors import ReportError
from campaign_perf.metrics import METRICS, Metric, evaluate, get_metric
from campaign_perf.report.groups import GROUP_LABELS, Filters
from campaign_perf.timeframes import DateRange

if TYPE_CHECKING:
    from campaign_perf.report.core import ReportCore

__all__ = [
    "CHART_KINDS",
    "EMPTY_MESSAGE",
    "HEATMAP_COLORSCALE",
    "PALETTE",
    "chart",
    "metric_color",
]

Period = Literal["day", "week", "month"]
Unit = Literal["events", "people"]

#: The Okabe–Ito palette (colour-blind safe), strongest colours first. Every chart uses it.
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
_BLUE, _ORANGE, _GREEN, _PURPLE, _SKY, _VERMILLION, _YELLOW, _BLACK = PALETTE

#: The colour of each built-in metric: the same in every chart.
_METRIC_COLORS: dict[str, str] = {
    "sent": _SKY,
    "delivered": _BLUE,
    "delivered_pct": _BLUE,
    "opened": _ORANGE,
    "opened_pct": _ORANGE,
    "total_opens": _ORANGE,
    "clicked": _GREEN,
    "clicked_pct": _GREEN,
    "total_clicks": _GREEN,
    "click_to_open_pct": _PURPLE,
    "unsubscribed": _VERMILLION,
    "unsubscribed_pct": _VERMILLION,
    "hard_bounced": _BLACK,
    "hard_bounced_pct": _BLACK,
    "bounced_pct": _BLACK,
    "soft_bounced": _YELLOW,
    "soft_bounced_pct": _YELLOW,
    "complained": _YELLOW,
    "complained_pct": _YELLOW,
    "pending": _SKY,
    "aborted": _BLACK,
}

#: Sequential colour scale of the heatmap: white to the palette's blue.
HEATMAP_COLORSCALE: list[list[float | str]] = [[0.0, "#FFFFFF"], [1.0, _BLUE]]

#: The annotation of a figure over a report without sends.
EMPTY_MESSAGE = "No emails were sent in this time frame"

#: The kinds of chart, with what each shows.
CHART_KINDS: dict[str, str] = {
    "rates": "Rates (the report's % columns) as grouped bars, one group per table row.",
    "funnel": "Delivery funnel: sent → delivered → opened → clicked, with % of sent.",
    "volume": "Emails sent and delivered per send day, week or month (bars).",
    "rates_over_time": "Opened % and clicked % per send day, week or month (lines).",
    "engagement": "Opens and clicks by hours since the send (0–72 h and later).",
    "heatmap": "Opens by weekday and hour of day in the report's time zone.",
    "links": "Top links by clicks and by people (unsubscribe links not counted).",
}

_FALLBACK_RATES = ("opened_pct", "clicked_pct", "click_to_open_pct")
_PERIODS: dict[str, str] = {"day": "send day", "week": "send week", "month": "send month"}
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_GROUP_PHRASES: dict[str, str] = {
    "campaign_email": "campaign and email",
    "program": "program",
    "campaign": "campaign",
    "email": "email",
    "day": "send day",
    "week": "send week",
    "month": "send month",
}
_HOVER_LABEL = {"namelength": -1}


def metric_color(metric_id: str, index: int = 0) -> str:
    """The palette colour of a metric: fixed for the built-ins, by position otherwise.

    Parameters
    ----------
    metric_id : str
        A metric id.
    index : int
        The metric's position in its chart, for metrics without a fixed colour.

    Returns
    -------
    str
        A colour of :data:`PALETTE`.
    """
    return _METRIC_COLORS.get(metric_id, PALETTE[index % len(PALETTE)])


# -- the entry point --------------------------------------------------------------------
def chart(
    rep: ReportCore,
    kind: str = "rates",
    *,
    table: pd.DataFrame | None = None,
    total: pd.Series | None = None,
    template: bool = True,
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
        ``rep.table()`` and ``rep.total()``, when the caller has them already (a view that
        shows them too): the chart takes them instead of computing them again.
    template : bool, default True
        Give the figure the ``plotly_white`` template. False for a view that copies the
        figure into one that has it already (plotly validates a template again in each
        figure that is given one, which costs more than the rest of the figure).
    **options
        Options of the kind:

        * ``rates``: ``columns`` (rate metric ids; default the report's % columns, or
          opened, clicked and clicked-to-opened %).
        * ``volume``: ``period`` (``"day"``, ``"week"`` or ``"month"``, default
          ``"day"``; weeks start on the report's ``week_start``).
        * ``rates_over_time``: ``period`` as above, ``columns`` (default opened % and
          clicked %).
        * ``engagement``: ``unit`` — ``"events"`` (default: every open and counted click)
          or ``"people"`` (each record once, at its first open and at its first counted
          click); ``hours`` (default 72: hourly bins, then "later").
        * ``links``: ``top`` (default 10); ``full_urls`` (default False: each link
          without its query string, fragment and user name, which often carry personal
          tokens such as ``?email=``, ``uid=``, ``utm_*`` or ``mkt_tok``; True keeps the
          full URLs, for private use only — the HTML report never does).

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
    name = str(kind).strip().lower().replace("-", "_").replace(" ", "_")
    draw = _DRAWERS.get(name)
    if draw is None:
        raise ReportError(f"unknown chart kind {kind!r}; kinds: {', '.join(CHART_KINDS)}")
    allowed = [p for p in inspect.signature(draw).parameters if p not in ("rep", "known")]
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        accepts = f"options: {', '.join(allowed)}" if allowed else "no options"
        raise ReportError(
            f"unknown option(s) {', '.join(unknown)} for the {name!r} chart; it takes {accepts}"
        )
    fig = draw(rep, known=_Known(table, total), **options)
    if template:
        fig.layout.template = "plotly_white"
    return fig


# -- shared pieces ----------------------------------------------------------------------
def _text(value: object) -> str:
    """Text for plotly to draw as it is: ``&``, ``<`` and ``>`` as entities.

    Plotly reads a subset of HTML in the text it draws (``<b>``, ``<br>``, ``<a href>``…)
    and shows the entities ``&amp;``, ``&lt;`` and ``&gt;`` as the characters. Every
    name, label and link a figure shows goes through here, once.
    """
    return html.escape(str(value), quote=False)


def _frame_text(rep: ReportCore) -> str:
    """The time frame as the title says it: "past 30 days (2026-10-02 – 2026-10-31)"."""
    name, days = str(rep.time_frame), str(rep.frame)
    if rep.time_frame.preset is None or name == days:  # type: ignore[union-attr]
        return days
    return f"{name} ({days})"


def _subtitle(rep: ReportCore, *notes: str) -> str:
    """The report's settings after the frame (zone, basis, as-of, bots), then the notes."""
    rest = rep.description.split(" · ", 1)[1]
    filtered = ["filters applied"] if rep.filters != Filters() else []
    return " · ".join([rest, *filtered, *notes])


def _layout(rep: ReportCore, title: str, *notes: str, **extra: Any) -> dict[str, Any]:
    """The layout every chart starts from."""
    layout: dict[str, Any] = {
        "colorway": list(PALETTE),
        "title": {
            "text": _text(f"{title} — {_frame_text(rep)}"),
            "x": 0.0,
            "xanchor": "left",
            "subtitle": {"text": _text(_subtitle(rep, *notes))},
        },
        "margin": {"t": 120, "l": 10, "r": 10, "b": 10},
        "legend": {"orientation": "h", "x": 0.0, "y": 1.01, "yanchor": "bottom"},
        "hoverlabel": _HOVER_LABEL,
        "annotations": [],
        "height": 450,
    }
    layout.update(extra)
    return layout


def _axis(title: str, **more: Any) -> dict[str, Any]:
    return {"title": {"text": _text(title)}, "visible": True, "automargin": True, **more}


def _empty(rep: ReportCore, title: str, message: str = EMPTY_MESSAGE, *notes: str) -> go.Figure:
    """A figure without data: the title and a centred message."""
    layout = _layout(rep, title, *notes)
    layout["annotations"] = [
        {
            "text": _text(message),
            "showarrow": False,
            "xref": "paper",
            "yref": "paper",
            "x": 0.5,
            "y": 0.5,
            "font": {"size": 16},
        }
    ]
    layout["xaxis"] = {"visible": False}
    layout["yaxis"] = {"visible": False}
    return go.Figure(layout=layout)


@dataclass(frozen=True)
class _Known:
    """What the caller of :func:`chart` computed already: the report's ``table()`` and
    ``total()`` (None when not given)."""

    table: pd.DataFrame | None = None
    total: pd.Series | None = None


_NOTHING_KNOWN = _Known()


def _table(rep: ReportCore, full: ReportCore, known: _Known) -> pd.DataFrame:
    """``full.table()``, where ``full`` is ``rep`` with other columns (taken from the known
    table when those columns are among the report's)."""
    columns: tuple[str, ...] = full.columns  # type: ignore[assignment]
    if known.table is None or not set(columns) <= set(rep.columns):  # type: ignore[arg-type]
        return full.table()
    keys = [c for c in known.table.columns if c not in rep.columns]  # type: ignore[operator]
    return known.table[[*keys, *columns]]


def _funnel_counts(rep: ReportCore, known: _Known) -> pd.Series:
    ids = ["sent", "delivered", "opened", "clicked"]
    if known.total is None or not set(ids) <= set(rep.columns):  # type: ignore[arg-type]
        return rep.with_columns(ids).total()
    return known.total[ids]


def _nothing_sent(rep: ReportCore, known: _Known) -> bool:
    """True when the report has nothing to count (no send, and on the activity basis no
    activity either)."""
    return not (_funnel_counts(rep, known) > 0).any()


def _group_phrase(rep: ReportCore) -> str:
    parts = [_GROUP_PHRASES.get(g, g) for g in rep.group_by]  # type: ignore[union-attr]
    return " and ".join(parts)


def _join(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _rate_metrics(
    rep: ReportCore, columns: Sequence[str] | None, default: Sequence[str]
) -> list[Metric]:
    if columns is None:
        ids = [m.id for m in rep.metrics if m.fmt == "pct"] or list(default)
    else:
        ids = [columns] if isinstance(columns, str) else list(columns)
    metrics = [get_metric(i, METRICS) for i in ids]
    if not metrics:
        raise ReportError("choose at least one rate column")
    not_rates = [m.id for m in metrics if m.fmt != "pct"]
    if not_rates:
        raise ReportError(f"{', '.join(not_rates)} are not rates (% columns)")
    return metrics


def _ratio(metric: Metric) -> tuple[str, str] | None:
    """The numerator expression and denominator id of a rate ``expr / count``."""
    if metric.expression is None:
        return None
    tree = ast.parse(metric.expression, mode="eval").body
    if (
        isinstance(tree, ast.BinOp)
        and isinstance(tree.op, ast.Div)
        and isinstance(tree.right, ast.Name)
        and tree.right.id in METRICS
    ):
        return ast.unparse(tree.left), tree.right.id
    return None


def _with_counts(rep: ReportCore, metrics: Sequence[Metric]) -> ReportCore:
    """The report with the rate columns and every count they need."""
    ids = [m.id for m in metrics]
    for m in metrics:
        ids += sorted(d for d in m.dependencies() if d in METRICS and METRICS[d].is_count)
    return rep.with_columns(list(dict.fromkeys(ids)))


def _hover_parts(table: pd.DataFrame, metric: Metric, axis: str) -> tuple[np.ndarray, str]:
    """customdata and hover lines that give a rate (on ``axis``) and its exact numerator
    and denominator."""
    ratio = _ratio(metric)
    value = f"{_text(metric.label)}: %{{{axis}:.2%}}"
    if ratio is None:
        return np.zeros((len(table), 0)), value
    numerator, denominator = ratio
    values = {c: table[c] for c in table.columns if c in METRICS and METRICS[c].is_count}
    num = evaluate(numerator, values, metric.id).to_numpy(dtype=float)
    den = table[denominator].to_numpy(dtype=float)
    what = _text(METRICS[denominator].label.lower())
    return np.column_stack([num, den]), (
        f"{value}<br>%{{customdata[0]:,.0f}} of %{{customdata[1]:,.0f}} {what}"
    )


def _row_labels(table: pd.DataFrame, metric_ids: Sequence[str]) -> list[str]:
    """One label per table row: its names joined by " · ", made unique with the ids
    (escaped for plotly)."""
    keys = [k for k in table.columns if k not in metric_ids]
    shown = [k for k in keys if not k.endswith("_id")] or keys
    ids = [k for k in keys if k.endswith("_id")]

    def text(row: pd.Series, cols: Sequence[str]) -> str:
        return " · ".join("–" if pd.isna(row[c]) else str(row[c]) for c in cols)

    rows = [r for _, r in table.iterrows()]
    labels = [text(r, shown) for r in rows]
    repeated = pd.Series(labels).duplicated(keep=False).to_numpy()
    if ids and repeated.any():
        labels = [
            f"{lab} ({text(r, ids)})" if again else lab
            for lab, r, again in zip(labels, rows, repeated, strict=True)
        ]
    return [_text(lab) for lab in labels]


# -- rates ------------------------------------------------------------------------------
def _rates(
    rep: ReportCore, columns: Sequence[str] | None = None, *, known: _Known = _NOTHING_KNOWN
) -> go.Figure:
    metrics = _rate_metrics(rep, columns, _FALLBACK_RATES)
    labels = [m.label for m in metrics]
    what = _join(labels) if len(labels) <= 3 else "Rates"
    title = f"{what} by {_group_phrase(rep)}"
    full = _with_counts(rep, metrics)
    table = _table(rep, full, known)
    if table.empty or _nothing_sent(rep, known):
        return _empty(rep, title)
    rows = _row_labels(table, full.columns)  # type: ignore[arg-type]
    traces = []
    for i, m in enumerate(metrics):
        custom, hover = _hover_parts(table, m, "x")
        traces.append(
            go.Bar(
                name=_text(m.label),
                y=rows,
                x=table[m.id].to_numpy(dtype=float),
                orientation="h",
                marker_color=metric_color(m.id, i),
                customdata=custom,
                hovertemplate=f"%{{y}}<br>{hover}<extra></extra>",
            )
        )
    height = max(450, 140 + len(rows) * (len(metrics) * 9 + 14))
    layout = _layout(
        rep,
        title,
        barmode="group",
        height=height,
        xaxis=_axis("Rate", tickformat=".0%", rangemode="tozero"),
        yaxis=_axis(
            " · ".join(
                GROUP_LABELS.get(k, k)
                for k in table.columns
                if k not in full.columns and not k.endswith("_id")  # type: ignore[operator]
            )
            or "Group",
            type="category",
            categoryorder="array",
            categoryarray=rows,
            autorange="reversed",
        ),
    )
    return go.Figure(data=traces, layout=layout)


# -- funnel -----------------------------------------------------------------------------
def _funnel(rep: ReportCore, *, known: _Known = _NOTHING_KNOWN) -> go.Figure:
    title = "Delivery funnel: sent → delivered → opened → clicked"
    counts = _funnel_counts(rep, known)
    if not (counts > 0).any():
        return _empty(rep, title)
    ids = ["sent", "delivered", "opened", "clicked"]
    trace = go.Funnel(
        y=[_text(METRICS[i].label) for i in ids],
        x=[int(counts[i]) for i in ids],
        marker={"color": [metric_color(i) for i in ids]},
        texttemplate="%{value:,}<br>%{percentInitial:.1%} of sent",
        textposition="auto",
        hovertemplate=(
            "%{y}: %{x:,}<br>%{percentInitial:.1%} of sent"
            "<br>%{percentPrevious:.1%} of the previous step<extra></extra>"
        ),
        connector={"line": {"color": "#BBBBBB"}},
    )
    layout = _layout(
        rep,
        title,
        "people (records), opened includes implied opens",
        xaxis={"visible": False},
        yaxis=_axis("", type="category"),
    )
    return go.Figure(data=[trace], layout=layout)


# -- over time --------------------------------------------------------------------------
def _check_period(period: str) -> str:
    p = str(period).strip().lower()
    p = {"daily": "day", "weekly": "week", "monthly": "month"}.get(p, p)
    if p not in _PERIODS:
        raise ReportError(f"period must be one of {', '.join(_PERIODS)}, not {period!r}")
    return p


def _period_starts(rep: ReportCore, period: str, seen: pd.Series) -> pd.DatetimeIndex:
    """Every period from the frame's first day to its last (widened to the sends seen)."""
    frame: DateRange = rep.frame
    days = [pd.Timestamp(d) for d in seen]
    days += [pd.Timestamp(d) for d in (frame.first, frame.last) if d is not None]
    if not days:
        return pd.DatetimeIndex([])
    lo, hi = min(days), max(days)
    if period == "day":
        return pd.date_range(lo, hi, freq="D")
    if period == "week":
        lo = lo - pd.Timedelta(days=(lo.day_of_week - int(rep.week_start)) % 7)  # type: ignore[call-overload]
        return pd.date_range(lo, hi, freq="7D")
    return pd.date_range(lo.to_period("M").start_time, hi, freq="MS")


def _over_time(rep: ReportCore, period: str, ids: Sequence[str]) -> tuple[pd.DataFrame, str]:
    """The metrics per period, one row per period of the frame (absent periods empty)."""
    key = f"send_{period}"
    table = rep.by(period).with_columns(list(ids)).table()
    table[key] = pd.to_datetime(table[key])
    starts = _period_starts(rep, period, table[key])
    table = table.set_index(key).reindex(starts)
    table.index.name = key
    return table, key


def _period_axis(rep: ReportCore, period: str) -> dict[str, Any]:
    if period == "week":
        first = _WEEKDAYS[int(rep.week_start)]  # type: ignore[call-overload]
        return _axis(f"Send week (weeks start on {first})", type="date")
    if period == "month":
        return _axis("Send month", type="date", tickformat="%b %Y", dtick="M1")
    return _axis("Send day", type="date")


def _period_hover(period: str) -> str:
    return {
        "day": "%{x|%a %Y-%m-%d}",
        "week": "Week of %{x|%Y-%m-%d}",
        "month": "%{x|%B %Y}",
    }[period]


def _iso(index: pd.Index) -> list[str]:
    return [f"{d:%Y-%m-%d}" for d in index]


def _volume(
    rep: ReportCore, period: Period = "day", *, known: _Known = _NOTHING_KNOWN
) -> go.Figure:
    period = _check_period(period)  # type: ignore[assignment]
    title = f"Emails sent and delivered by {_PERIODS[period]}"
    if _nothing_sent(rep, known):
        return _empty(rep, title)
    table, _ = _over_time(rep, period, ["sent", "delivered", "delivered_pct"])
    table[["sent", "delivered"]] = table[["sent", "delivered"]].fillna(0).astype("int64")
    x = _iso(table.index)
    when = _period_hover(period)
    traces = [
        go.Bar(
            name="Sent",
            x=x,
            y=table["sent"].to_numpy(),
            marker_color=metric_color("sent"),
            hovertemplate=f"{when}<br>Sent: %{{y:,}}<extra></extra>",
        ),
        go.Bar(
            name="Delivered",
            x=x,
            y=table["delivered"].to_numpy(),
            marker_color=metric_color("delivered"),
            customdata=table[["delivered_pct"]].to_numpy(dtype=float),
            hovertemplate=(
                f"{when}<br>Delivered: %{{y:,}} (%{{customdata[0]:.1%}} of sent)<extra></extra>"
            ),
        ),
    ]
    layout = _layout(
        rep,
        title,
        barmode="group",
        xaxis=_period_axis(rep, period),
        yaxis=_axis("Emails (records)", rangemode="tozero", tickformat=",d"),
    )
    return go.Figure(data=traces, layout=layout)


def _rates_over_time(
    rep: ReportCore,
    period: Period = "day",
    columns: Sequence[str] | None = None,
    *,
    known: _Known = _NOTHING_KNOWN,
) -> go.Figure:
    period = _check_period(period)  # type: ignore[assignment]
    metrics = _rate_metrics(rep, columns or ("opened_pct", "clicked_pct"), ())
    title = f"{_join([m.label for m in metrics])} by {_PERIODS[period]}"
    if _nothing_sent(rep, known):
        return _empty(rep, title)
    counts = _with_counts(rep, metrics).columns
    table, _ = _over_time(rep, period, counts)  # type: ignore[arg-type]
    x = _iso(table.index)
    when = _period_hover(period)
    traces = []
    for i, m in enumerate(metrics):
        custom, hover = _hover_parts(table.fillna({c: 0 for c in counts if c != m.id}), m, "y")
        traces.append(
            go.Scatter(
                name=_text(m.label),
                x=x,
                y=table[m.id].to_numpy(dtype=float),
                mode="lines+markers",
                connectgaps=False,
                line={"color": metric_color(m.id, i)},
                marker={"color": metric_color(m.id, i)},
                customdata=custom,
                hovertemplate=f"{when}<br>{hover}<extra></extra>",
            )
        )
    layout = _layout(
        rep,
        title,
        "periods without sends are gaps",
        xaxis=_period_axis(rep, period),
        yaxis=_axis("Rate", tickformat=".0%", rangemode="tozero"),
    )
    return go.Figure(data=traces, layout=layout)


# -- from the events --------------------------------------------------------------------
def _activity(rep: ReportCore) -> pd.DataFrame:
    """The report's opens and counted clicks, from :meth:`Report.events` (which the engine
    keeps: the dashboard draws several event charts of one report)."""
    e = rep.events(event_types=("open", "click"))
    counted = (e["event_type"] == "open") | ((e["event_type"] == "click") & ~e["unsub_link"])
    cols = ["campaign_id", "email_id", "lead_id", "event_type", "timestamp", "link"]
    return e.loc[counted, [*cols, "first_sent_at"]].reset_index(drop=True)


def _engagement(
    rep: ReportCore,
    unit: Unit = "events",
    hours: int = 72,
    *,
    known: _Known = _NOTHING_KNOWN,
) -> go.Figure:
    if unit not in ("events", "people"):
        raise ReportError(f"unit must be 'events' or 'people', not {unit!r}")
    if isinstance(hours, bool) or not isinstance(hours, int | np.integer) or hours < 1:
        raise ReportError(f"hours must be a whole number of hours >= 1, not {hours!r}")
    hours = int(hours)
    title = "Opens and clicks by hours since send"
    note = (
        "every open and counted click"
        if unit == "events"
        else "people: each record once, at its first open and first counted click"
    )
    if _nothing_sent(rep, known):
        return _empty(rep, title, EMPTY_MESSAGE, note)
    e = _activity(rep)
    if e.empty:
        return _empty(rep, title, "No opens or clicks in this time frame", note)
    if unit == "people":
        e = e.sort_values("timestamp").drop_duplicates(
            ["campaign_id", "email_id", "lead_id", "event_type"]
        )
    since = (e["timestamp"] - e["first_sent_at"]) / pd.Timedelta(hours=1)
    bins = np.floor(since.to_numpy(dtype=float)).clip(-1, hours).astype(int)
    categories = [str(h) for h in range(hours)] + ["later"]
    before = bool((bins < 0).any())
    if before:
        categories = ["before send", *categories]
    texts = [
        "before the first send" if c == "before send" else f"{c}–{int(c) + 1} h after the send"
        for c in categories[:-1]
    ] + [f"{hours} h or more after the send"]
    offset = 1 if before else 0
    traces = []
    series = (
        ("open", "Opens", "People who opened", "opened"),
        ("click", "Clicks", "People who clicked", "clicked"),
    )
    for kind, label, people, metric in series:
        b = bins[(e["event_type"] == kind).to_numpy()]
        counts = np.bincount(b + 1, minlength=hours + 2)[1 - offset :]
        name = label if unit == "events" else people
        traces.append(
            go.Bar(
                name=name,
                x=categories,
                y=counts,
                marker_color=metric_color(metric),
                customdata=np.array(texts, dtype=object)[:, None],
                hovertemplate=f"%{{customdata[0]}}<br>{name}: %{{y:,}}<extra></extra>",
            )
        )
    layout = _layout(
        rep,
        title,
        note,
        barmode="group",
        bargap=0.15,
        xaxis=_axis(
            f"Hours since the first send ('later' = {hours} h or more)",
            type="category",
            categoryorder="array",
            categoryarray=categories,
            tickmode="array",
            tickvals=[c for c in categories if not c.isdigit() or int(c) % 6 == 0],
            tickangle=0,
        ),
        yaxis=_axis(
            "Events" if unit == "events" else "People (records)",
            rangemode="tozero",
            tickformat=",d",
        ),
    )
    return go.Figure(data=traces, layout=layout)


def _heatmap(rep: ReportCore, *, known: _Known = _NOTHING_KNOWN) -> go.Figure:
    title = f"Opens by weekday and hour ({rep.tz})"
    if _nothing_sent(rep, known):
        return _empty(rep, title)
    e = _activity(rep)
    opens = e.loc[e["event_type"] == "open", "timestamp"]
    if opens.empty:
        return _empty(rep, title, "No opens in this time frame")
    local = opens.dt.tz_convert(rep.tz)
    start = int(rep.week_start)  # type: ignore[call-overload]
    row = ((local.dt.day_of_week - start) % 7).to_numpy()
    z = np.zeros((7, 24), dtype=np.int64)
    np.add.at(z, (row, local.dt.hour.to_numpy()), 1)
    days = [_WEEKDAYS[(start + i) % 7] for i in range(7)]
    trace = go.Heatmap(
        z=z,
        x=list(range(24)),
        y=days,
        colorscale=HEATMAP_COLORSCALE,
        colorbar={"title": {"text": "Opens"}},
        xgap=1,
        ygap=1,
        hovertemplate="%{y}, %{x}:00–%{x}:59<br>Opens: %{z:,}<extra></extra>",
    )
    layout = _layout(
        rep,
        title,
        "open events",
        xaxis=_axis(f"Hour of day ({rep.tz})", tickmode="linear", dtick=1, range=[-0.5, 23.5]),
        yaxis=_axis(
            "Weekday",
            type="category",
            categoryorder="array",
            categoryarray=days,
            autorange="reversed",
        ),
    )
    return go.Figure(data=[trace], layout=layout)


def _short(link: str, width: int = 60) -> str:
    return link if len(link) <= width else link[: width - 1] + "…"


def _page(link: str) -> str:
    """``link`` without its query string, fragment and user name: scheme, host and path."""
    cut = link.split("#", 1)[0].split("?", 1)[0]  # also for links that are not URLs
    try:
        parts = urlsplit(cut)
    except ValueError:  # a malformed host, such as "https://[x"
        return cut
    if parts.scheme and parts.netloc:
        return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    return cut


def _links(
    rep: ReportCore,
    top: int = 10,
    full_urls: bool = False,
    *,
    known: _Known = _NOTHING_KNOWN,
) -> go.Figure:
    if isinstance(top, bool) or not isinstance(top, int | np.integer) or top < 1:
        raise ReportError(f"top must be a whole number >= 1, not {top!r}")
    if not isinstance(full_urls, bool):
        raise ReportError(f"full_urls must be True or False, not {full_urls!r}")
    top = int(top)
    title = f"Top {top} links by clicks and by people"
    note = "counted clicks; unsubscribe links not counted"
    if not full_urls:
        note += "; links without query strings"
    if _nothing_sent(rep, known):
        return _empty(rep, title, EMPTY_MESSAGE, note)
    e = _activity(rep)
    clicks = e[e["event_type"] == "click"]
    if clicks.empty:
        return _empty(rep, title, "No link clicks in this time frame", note)
    links = clicks["link"].fillna("(no link)")
    if not full_urls:
        links = links.map({link: _page(link) for link in links.unique()})
    stats = (
        clicks.assign(link=links)
        .groupby("link")
        .agg(clicks=("lead_id", "size"), people=("lead_id", "nunique"))
        .reset_index()
        .sort_values(["clicks", "people", "link"], ascending=[False, False, True])
        .head(top)
    )
    shown = stats["link"].tolist()
    y = [_text(link) for link in shown]
    traces = [
        go.Bar(
            name=name,
            y=y,
            x=stats[col].to_numpy(),
            orientation="h",
            marker_color=color,
            customdata=np.array(y, dtype=object)[:, None],
            hovertemplate=f"%{{customdata[0]}}<br>{name}: %{{x:,}}<extra></extra>",
        )
        for name, col, color in (
            ("Clicks", "clicks", metric_color("clicked")),
            ("People", "people", metric_color("delivered")),
        )
    ]
    layout = _layout(
        rep,
        title,
        note,
        barmode="group",
        height=max(450, 140 + len(y) * 40),
        xaxis=_axis("Clicks / people", rangemode="tozero", tickformat=",d"),
        yaxis=_axis(
            "Link",
            type="category",
            categoryorder="array",
            categoryarray=y,
            tickmode="array",
            tickvals=y,
            ticktext=[_text(_short(link)) for link in shown],
            autorange="reversed",
        ),
    )
    return go.Figure(data=traces, layout=layout)


_DRAWERS: dict[str, Callable[..., go.Figure]] = {
    "rates": _rates,
    "funnel": _funnel,
    "volume": _volume,
    "rates_over_time": _rates_over_time,
    "engagement": _engagement,
    "heatmap": _heatmap,
    "links": _links,
}
assert tuple(_DRAWERS) == tuple(CHART_KINDS)
