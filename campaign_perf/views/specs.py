"""Views as data: each chart and the table defined once, drawn by Python and by report.js.

A chart's definition (:func:`chart_spec`) says which aggregate it reads (``source``: the
report cube or one of the per-send-day aggregates of :mod:`campaign_perf.views.aggregates`),
what it groups by (``by``), which measures it shows, its title, notes, layout and traces.
Two renderers read the same definition: :func:`campaign_perf.views.charts.chart` (plotly in
Python, for notebooks and the dashboard) and the shared HTML report's script, which sums the
aggregates embedded in the file over the reader's days and filters and draws the result.

Text in a definition is plain, except where a key says otherwise: the renderers escape it
for plotly (:func:`plotly_text`). Slots in templates are written ``{{name}}`` (plotly's own
``%{...}`` stay as they are); a renderer fills each slot once, so a value is never read as
a template itself.

The number formats (:data:`FORMATS`) and the table's shape (:func:`table_spec`) are data
here too, so that the HTML report's script formats and lays out its table as Python does.
"""

from __future__ import annotations

import ast
import html
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from campaign_perf.errors import ReportError
from campaign_perf.metrics import METRICS, Metric, get_metric
from campaign_perf.report.groups import (
    GROUP_LABELS,
    GROUPINGS,
    RECIPIENT_DOMAIN,
    SHARE,
    Filters,
)
from campaign_perf.report.rows import ROW_KINDS, SORT_MODES

if TYPE_CHECKING:
    from campaign_perf.report.core import ReportCore

__all__ = [
    "ACTIVITY",
    "CHART_KINDS",
    "EMPTY_LAYOUT",
    "EMPTY_MESSAGE",
    "FIT",
    "FORMATS",
    "HEATMAP_COLORSCALE",
    "MACHINE_OPENS",
    "MAX_POINTS",
    "PALETTE",
    "PANELS",
    "PERIODS",
    "RATE_FAMILIES",
    "TOP_ROWS",
    "chart_spec",
    "fill_slots",
    "frame_text",
    "hover_text",
    "metric_color",
    "metric_series",
    "plotly_text",
    "rate_family",
    "short_link",
    "shorten",
    "table_spec",
    "wrap_text",
]

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
    "pending": _PURPLE,
    "aborted": _VERMILLION,
}

#: Sequential colour scale of the heatmap: white to the palette's blue.
HEATMAP_COLORSCALE: list[list[float | str]] = [[0.0, "#FFFFFF"], [1.0, _BLUE]]

#: The annotation of a figure over a report without sends.
EMPTY_MESSAGE = "No emails were sent in this time frame"

#: How a chart without data says so: its message centred (the text set per chart), no axes.
EMPTY_LAYOUT: dict[str, Any] = {
    "annotations": [
        {
            "text": "",
            "showarrow": False,
            "xref": "paper",
            "yref": "paper",
            "x": 0.5,
            "y": 0.5,
            "font": {"size": 16},
        }
    ],
    "xaxis": {"visible": False},
    "yaxis": {"visible": False},
}

#: The kinds of chart, with what each shows.
CHART_KINDS: dict[str, str] = {
    "rates": "Rates (the report's % columns) as small multiples: one panel per rate, its "
    "own axis, a dot per table row sorted by value, a line at the total.",
    "funnel": "Delivery funnel: sent → delivered → opened → clicked, each step with the "
    "table's rate and what it divides by.",
    "volume": "Emails sent per send day, week or month, by outcome (stacked bars: delivered, "
    "pending, bounced, aborted).",
    "rates_over_time": "Opened % and clicked % per send day, week or month (lines).",
    "engagement": "Opens and clicks by hours since the send (0–72 h and later).",
    "heatmap": "Opens by weekday and hour of day in the report's time zone.",
    "links": "Top links by clicks and by people (unsubscribe links not counted).",
    "machine_opens": "Machine Opened % (records opened only by a privacy proxy, of Opened) per "
    "send day, week or month (line).",
    "clients": "Share of Opened by mail client and by device (bars): opened under each / "
    "opened in total; a person who opened on two clients counts under both.",
    "domains": "Bounced % and Delivered % by recipient domain (mailbox provider): the domains "
    'with the most sends, the rest as one "Other" dot.',
}

#: How each metric format shows a value: ``scale`` (multiply first), ``truncate`` (to a
#: whole number, towards zero), ``decimals`` (fixed, rounded half to even) or
#: ``significant`` digits, in scientific notation (``1.23e+05``) when the exponent is
#: outside ``[exponent[0], exponent[1])``; ``thousands`` separators; a ``suffix``.
#: Missing values (and infinite ones) show as ``missing``. The same rules as
#: :func:`campaign_perf.metrics.format_value`.
FORMATS: dict[str, Any] = {
    "missing": "–",
    "int": {"truncate": True, "decimals": 0, "thousands": True},
    "pct": {"scale": 100, "decimals": 1, "thousands": False, "suffix": "%"},
    "float": {"significant": 3, "exponent": [-4, 3], "thousands": True},
    # changes (report.stats.compare_periods' ``change``): signed, a rate's in points
    "pts": {"scale": 100, "decimals": 1, "thousands": False, "suffix": " pts", "sign": True},
    "int_change": {"decimals": 0, "thousands": True, "sign": True},
    "float_change": {"significant": 3, "exponent": [-4, 3], "thousands": True, "sign": True},
    "relative": {"scale": 100, "decimals": 1, "thousands": False, "suffix": "%", "sign": True},
}

#: The switch of machine opens (RULES.md section 9) in the dashboard and the shared report,
#: and how each setting is said.
MACHINE_OPENS: dict[str, Any] = {
    "label": "Exclude machine opens (Apple Mail Privacy Protection)",
    "said": {"count": "counted as opens", "exclude": "excluded"},
}

#: A chart says :data:`EMPTY_MESSAGE` unless one of these counts is above 0.
ACTIVITY: tuple[str, ...] = ("sent", "delivered", "opened", "clicked")
#: Time periods of the over-time charts, finest first.
PERIODS: tuple[str, ...] = ("day", "week", "month")
#: The most points an over-time chart draws: a longer range goes to weeks, then months,
#: and, when even months are too many, to the span of the data in the range.
MAX_POINTS = 400
#: The most table rows the rates chart shows; the rows with the fewest sends beyond them
#: are one "other" bar.
TOP_ROWS = 30

#: The families of rates, in the order of their panels in the rates chart: a rate belongs
#: to the family of its denominator (deliverability: of sent; engagement: of delivered or
#: of opened). Rates of two families never share an axis; a rate that is not a ratio of
#: a count, or whose denominator is not listed, comes last, as "Other rates".
RATE_FAMILIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Deliverability", ("sent",)),
    ("Engagement", ("delivered", "opened")),
)
_OTHER_FAMILY = "Other rates"

#: How the rates chart lays out its panels for a figure ``width`` pixels wide (Python
#: lays out for ``width``; the shared report for the width of the reader's screen):
#: ``columns`` = ``width // min_width``, from 1 to ``max_columns``; each panel has
#: ``label_width`` pixels at its left for the names and ``gap`` at its right, ``head``
#: pixels above it for its title and ``foot`` below for its ticks, and a row of
#: ``line_height`` pixels per line of a name plus ``row_pad``. A name is one line per
#: group column, each cut to ``label_chars`` characters (with "…"; the hover shows it all).
PANELS: dict[str, Any] = {
    "width": 1000,
    "min_width": 440,
    "max_columns": 3,
    "label_width": 190,
    "gap": 28,
    "head": 46,
    "foot": 30,
    "line_height": 12,
    "row_pad": 6,
    "label_chars": 30,
}

#: How the renderers fit a title and subtitle to the figure's width: greedy word wrap at
#: ``chars`` characters a line, where ``chars`` = (width − margins) / (font size × ``em``);
#: the top margin grows by a line's height (font size × ``line``) for each extra line.
#: Plotly does not wrap text, and a phone is 390 pixels wide.
FIT: dict[str, Any] = {
    "em": 0.56,
    "line": 1.35,
    "title": 17,
    "subtitle": 12,
    "top": 22,
    "below": 22,
}

_FALLBACK_RATES = ("opened_pct", "clicked_pct", "click_to_open_pct")
_PHRASES: dict[str, str] = {"day": "send day", "week": "send week", "month": "send month"}
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_GROUP_PHRASES: dict[str, str] = {
    "campaign_email": "campaign and email",
    "program": "program",
    "campaign": "campaign",
    "email": "email",
    "day": "send day",
    "week": "send week",
    "month": "send month",
    RECIPIENT_DOMAIN: "recipient domain",
}
#: How a list of words is said ("a, b and c"), and what stands for more than ``max``.
_JOIN: dict[str, Any] = {"sep": ", ", "last": " and ", "max": 3, "many": "Rates"}


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


def plotly_text(value: object) -> str:
    """Text for plotly to draw as it is: ``&``, ``<`` and ``>`` as entities.

    Plotly reads a subset of HTML (``<b>``, ``<br>``, ``<a href>``…) in every text it draws
    (titles, axis titles and ticks, trace names, hover text, annotations) and shows the
    entities ``&amp;``, ``&lt;`` and ``&gt;`` as the characters. Every name, label and link
    a figure shows goes through here once.
    """
    return html.escape(str(value), quote=False)


def hover_text(value: object) -> str:
    """:func:`plotly_text` for text inside a hover or text template: ``%{`` is written
    ``&#37;{`` so that a label such as ``%{y}`` shows as itself, not as a value."""
    return plotly_text(value).replace("%{", "&#37;{")


_SLOT = re.compile(r"\{\{(\w+)\}\}")


def fill_slots(text: str, slots: dict[str, Any]) -> str:
    """A definition's text with its ``{{name}}`` slots filled, in one pass (a value is not
    read as a template again); report.js's ``fill`` does the same."""
    return _SLOT.sub(lambda m: str(slots[m.group(1)]), text)


def shorten(text: str, width: int) -> str:
    """A text cut to ``width`` characters (the last one "…"); report.js's ``shorten``."""
    return text if len(text) <= width else text[: width - 1] + "…"


def short_link(link: str, width: int = 60) -> str:
    """A link cut to ``width`` characters (with "…") for an axis tick."""
    return shorten(link, width)


def wrap_text(text: str, chars: int) -> tuple[str, int]:
    """A text wrapped at spaces into lines of at most ``chars`` characters (a longer word
    stays whole) joined by ``<br>``, and the number of lines; report.js's ``wrapText``."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > chars:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "<br>".join(lines), len(lines)


def rate_family(metric: Metric) -> tuple[int, str]:
    """The family of a rate (:data:`RATE_FAMILIES`): its position and its name."""
    ratio = _ratio(metric)
    for rank, (name, denominators) in enumerate(RATE_FAMILIES):
        if ratio is not None and ratio[1] in denominators:
            return rank, name
    return len(RATE_FAMILIES), _OTHER_FAMILY


def join_words(words: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``: the rule :data:`_JOIN` sends to the browser."""
    if len(words) == 1:
        return words[0]
    return f"{_JOIN['sep'].join(words[:-1])}{_JOIN['last']}{words[-1]}"


def what(labels: Sequence[str]) -> str:
    """What a chart of these metrics shows: their labels joined, or "Rates" for many."""
    return join_words(labels) if len(labels) <= _JOIN["max"] else str(_JOIN["many"])


# -- the frame and the settings as charts say them -------------------------------------------
def frame_text(rep: ReportCore) -> str:
    """The time frame as chart titles say it: "past 30 days (2026-10-02 – 2026-10-31)"."""
    name, days = str(rep.time_frame), str(rep.frame)
    if rep.time_frame.preset is None or name == days:
        return days
    return f"{name} ({days})"


def _subtitle(rep: ReportCore, notes: Sequence[str], filtered: bool) -> str:
    """The report's settings after the frame (zone, basis, as-of, bots), then the notes."""
    rest = rep.description.split(" · ", 1)[1]
    return plotly_text(" · ".join([rest, *(["filters applied"] if filtered else []), *notes]))


def chart_base(rep: ReportCore) -> dict[str, Any]:
    """The layout every chart starts from (its title text and subtitle are set per chart)."""
    # The title and subtitle from the top of the figure down (the top margin is set to hold
    # their lines, FIT); a legend at the foot, under the axis titles, never over a title.
    return {
        "template": "plotly_white",
        "colorway": list(PALETTE),
        "title": {
            "text": "",
            "x": 0.0,
            "xanchor": "left",
            "y": 1.0,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": FIT["top"]},
            "font": {"size": FIT["title"]},
            "subtitle": {"text": "", "font": {"size": FIT["subtitle"]}},
        },
        "margin": {"t": 100, "l": 10, "r": 10, "b": 10},
        "legend": {
            "orientation": "h",
            "x": 0.0,
            "xanchor": "left",
            "y": 0.0,
            "yref": "container",
            "yanchor": "bottom",
        },
        "hoverlabel": {"namelength": -1},
        "annotations": [],
        "height": 450,
    }


def _axis(title: str, **more: Any) -> dict[str, Any]:
    return {"title": {"text": plotly_text(title)}, "visible": True, "automargin": True, **more}


def _spec(
    rep: ReportCore,
    kind: str,
    *,
    source: str,
    by: str,
    title: str,
    notes: Sequence[str] = (),
    **more: Any,
) -> dict[str, Any]:
    """The parts every chart definition has."""
    return {
        "kind": kind,
        "source": source,
        "by": by,
        "title": title,
        "subtitle": {
            "plain": _subtitle(rep, notes, filtered=False),
            "filtered": _subtitle(rep, notes, filtered=True),
        },
        "filtered": rep.filters != Filters(),
        "empty": EMPTY_MESSAGE,
        "empty_unless": list(ACTIVITY),
        "no_data": None,
        "fill": {},
        "height": None,
        **more,
    }


# -- metrics as chart series -----------------------------------------------------------------
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


def metric_series(metric: Metric) -> dict[str, Any]:
    """How a rate is drawn: its label, fixed colour (or None: by position), hover lines for
    a value on x or on y, for a ratio ``num / count`` its numerator and denominator (the
    hover's exact counts, as ``customdata``) and what it divides by ("of delivered"), and
    its family (:data:`RATE_FAMILIES`: the order of the rates chart's panels)."""
    ratio = _ratio(metric)
    rank, family = rate_family(metric)
    hover = {
        axis: f"{hover_text(metric.label)}: %{{{axis}:.2%}}"
        + (
            ""
            if ratio is None
            else "<br>%{customdata[0]:,.0f} of %{customdata[1]:,.0f} "
            + hover_text(METRICS[ratio[1]].label.lower())
        )
        for axis in ("x", "y")
    }
    return {
        "id": metric.id,
        "name": plotly_text(metric.label),
        "color": _METRIC_COLORS.get(metric.id),
        "hover": hover,
        "ratio": None if ratio is None else list(ratio),
        "family": rank,
        "note": plotly_text(
            family if ratio is None else f"{family} · of {METRICS[ratio[1]].label.lower()}"
        ),
    }


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


def _check_period(period: str) -> str:
    p = str(period).strip().lower()
    p = {"daily": "day", "weekly": "week", "monthly": "month"}.get(p, p)
    if p not in _PHRASES:
        raise ReportError(f"period must be one of {', '.join(_PHRASES)}, not {period!r}")
    return p


def _whole(value: object, name: str, unit: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ReportError(f"{name} must be a whole number{unit} >= 1, not {value!r}")
    return int(value)


# -- the charts ------------------------------------------------------------------------------
def _rates(rep: ReportCore, columns: Sequence[str] | None = None) -> dict[str, Any]:
    metrics = _rate_metrics(rep, columns, _FALLBACK_RATES)
    return _dots(
        rep,
        "rates",
        metrics,
        rep.group_by,
        notes=["a dot per row, highest first; the dashed line is the total"],
        join=_JOIN,
        fallback=list(_FALLBACK_RATES),
        # the rows with most sends (by where emails were read, which splits no sends:
        # with most opened)
        top={
            "n": TOP_ROWS,
            "by": "opened" if rep.engagement_dims else "sent",
            "other": "Other ({{n}} rows)",
        },
    )


def _domains(rep: ReportCore, top: int = 10) -> dict[str, Any]:
    """Deliverability by mailbox provider: the rates chart of the report grouped by
    recipient domain (RULES.md section 9), its ``top`` domains by sent."""
    top = _whole(top, "top", "")
    return _dots(
        rep,
        "domains",
        [METRICS["bounced_pct"], METRICS["delivered_pct"]],
        (RECIPIENT_DOMAIN,),
        notes=[
            f"the {top} domains with the most sends, a dot each, highest first; the others "
            "as one dot; the dashed line is the total; lead ids that are not addresses count "
            "under (unknown)"
        ],
        source="domains",
        group=[RECIPIENT_DOMAIN],
        measures=["sent", "delivered", "hard_bounced", "soft_bounced"],
        top={"n": top, "by": "sent", "other": "Other ({{n}} domains)"},
    )


def _dots(
    rep: ReportCore,
    kind: str,
    metrics: Sequence[Metric],
    groups: Sequence[str],
    *,
    notes: Sequence[str],
    source: str = "cube",
    **more: Any,
) -> dict[str, Any]:
    """Rates as small multiples: a panel per rate, a dot per row of the table grouped by
    ``groups`` (the report's own, or ``group`` when the chart regroups it)."""
    # deliverability first, then engagement: a panel each (sorted is stable)
    metrics = sorted(metrics, key=lambda m: rate_family(m)[0])
    return _spec(
        rep,
        kind,
        source=source,
        by="rows",
        title="{{what}} by " + " and ".join(_GROUP_PHRASES.get(g, g) for g in groups),
        notes=notes,
        slots={"what": what([m.label for m in metrics])},
        series=[metric_series(m) for m in metrics],
        trace={
            "type": "scatter",
            "mode": "markers",
            "name": "{{name}}",
            "orientation": "h",
            "x": "@value",
            "y": "@key",
            "marker": {"color": "{{color}}", "size": 9},
            "customdata": "@customdata",
            # the whole name (a tick may be cut, and plotly's %{y} is the tick's text)
            "hovertext": "@key",
            "hovertemplate": "%{hovertext}<br>{{hover_x}}<extra></extra>",
        },
        layout={"showlegend": False, "hovermode": "closest"},
        panels={
            **PANELS,
            "xaxis": {
                **_axis("", tickformat=".2~%", nticks=4, zeroline=False),
                "automargin": False,
            },
            "yaxis": {
                **_axis(
                    "",
                    type="category",
                    categoryorder="array",
                    tickmode="array",
                    autorange="reversed",
                    tickfont={"size": 11},
                ),
                "automargin": False,
            },
            # above each panel: the rate and the total, then its family and denominator
            "annotations": [
                {"text": "{{name}} · total {{total}}", "font": {"size": 13}, "yshift": 17},
                {"text": "{{note}}", "font": {"size": 11, "color": "#555555"}, "yshift": 2},
            ],
            # the total's value, across the panel
            "reference": {"line": {"color": "#555555", "width": 1, "dash": "dash"}},
        },
        **more,
    )


#: The parts of the clients chart, top to bottom: a grouping by where emails were read
#: (RULES.md section 9) each.
_CLIENT_PARTS: tuple[str, ...] = ("client", "device")


def _clients(rep: ReportCore, top: int = 12) -> dict[str, Any]:
    """Share of Opened by client and by device: the tables of ``rep.by("client")`` and
    ``rep.by("device")`` (engagement-only groupings; a person counts under each value they
    opened with, so the bars of a part can add up to more than 100 %)."""
    top = _whole(top, "top", "")
    share = SHARE.label
    colors = (_ORANGE, _BLUE)
    traces: list[dict[str, Any]] = []
    parts: list[dict[str, Any]] = []
    layout: dict[str, Any] = {"showlegend": False, "bargap": 0.3}
    fill: dict[str, str] = {}
    for i, group in enumerate(_CLIENT_PARTS):
        n = "" if i == 0 else str(i + 1)
        label = GROUPINGS[group].label
        parts.append(
            {
                "group": group,
                "label": label,
                "axis": plotly_text(label),
                "cut": plotly_text(f"{label} (the {{{{n}}}} of {{{{all}}}} with most opened)"),
            }
        )
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": plotly_text(label),
                "x": f"@{group}_share",
                "y": f"@{group}_key",
                "xaxis": f"x{n}",
                "yaxis": f"y{n}",
                "marker": {"color": colors[i % len(colors)]},
                "customdata": [f"@{group}_opened"],
                "hovertemplate": f"%{{y}}<br>{hover_text(share)}: %{{x:.1%}}<br>"
                "%{customdata[0]:,} people opened<extra></extra>",
            }
        )
        layout[f"xaxis{n}"] = _axis(
            f"{share} ({label.lower()})",
            tickformat=".0%",
            rangemode="tozero",
            anchor=f"y{n}",
        )
        layout[f"yaxis{n}"] = _axis(
            label,
            type="category",
            categoryorder="array",
            autorange="reversed",
            anchor=f"x{n}",
        )
        fill |= {
            f"yaxis{n}.categoryarray": f"@{group}_key",
            f"yaxis{n}.domain": f"@{group}_domain",
            f"yaxis{n}.title.text": f"@{group}_title",
        }
    return _spec(
        rep,
        "clients",
        source="engagement",
        by="shares",
        title=f"{share} by client and by device",
        notes=[
            "people who opened under each, of those who opened; a person who opened on two "
            "clients counts under both; opens without the attribute count under unknown"
        ],
        no_data={"message": "No opens in this time frame", "measures": ["opened"]},
        measures=["opened"],
        parts=parts,
        top={"n": top},
        # the parts stacked, each as tall as its bars, this fraction of the plot apart
        gap=0.14,
        refused={
            "lead_filters": "Opens by client and device cannot yet be combined with a lead "
            "filter: clear it to see them"
        },
        traces=traces,
        layout=layout,
        fill=fill,
        height={"min": 450, "base": 200, "per": 26},
    )


#: The funnel's steps: a count, and the table's rates that end at it, each said with
#: what it divides by (the same rate, the same figure as the table's total row).
_FUNNEL = (
    ("sent", ()),
    ("delivered", ("delivered_pct",)),
    ("opened", ("opened_pct",)),
    ("clicked", ("clicked_pct", "click_to_open_pct")),
)


def _funnel(rep: ReportCore) -> dict[str, Any]:
    ids = [count for count, _ in _FUNNEL]
    steps = []
    for count, rates in _FUNNEL:
        said = []
        for rate in rates:
            ratio = _ratio(METRICS[rate])
            assert ratio is not None, rate
            said.append(
                {
                    "id": rate,
                    "text": plotly_text(
                        f"{{{{value}}}} of {METRICS[ratio[1]].label.lower()} "
                        f"({METRICS[rate].label})"
                    ),
                }
            )
        steps.append({"count": count, "label": plotly_text(METRICS[count].label), "rates": said})
    return _spec(
        rep,
        "funnel",
        source="cube",
        by="total",
        title="Delivery funnel: sent → delivered → opened → clicked",
        notes=["people (records), opened includes implied opens"],
        measures=ids,
        steps=steps,
        # a step's name: its count, then its rates, a line each (beside the funnel, where
        # a narrow step or a phone's width cannot cut them)
        step_text={"count": "{{label}}: {{count}}", "sep": "<br>"},
        traces=[
            {
                "type": "funnel",
                "y": "@text",
                "x": "@total",
                "marker": {"color": [metric_color(i) for i in ids]},
                "textinfo": "none",
                "hovertemplate": "%{y}<extra></extra>",
                "connector": {"line": {"color": "#BBBBBB"}},
            }
        ],
        layout={"xaxis": {"visible": False}, "yaxis": _axis("", type="category")},
    )


def _periods(rep: ReportCore) -> dict[str, Any]:
    """What changes with the period of an over-time chart: title phrase, x axis, hover."""
    first = _WEEKDAYS[int(rep.week_start)]
    return {
        "day": {
            "phrase": "send day",
            "axis": _axis("Send day", type="date"),
            "when": "%{x|%a %Y-%m-%d}",
        },
        "week": {
            "phrase": "send week",
            "axis": _axis(f"Send week (weeks start on {first})", type="date"),
            "when": "Week of %{x|%Y-%m-%d}",
        },
        "month": {
            "phrase": "send month",
            "axis": _axis("Send month", type="date", tickformat="%b %Y", dtick="M1"),
            "when": "%{x|%B %Y}",
        },
    }


def _volume(rep: ReportCore, period: str = "day") -> dict[str, Any]:
    # Each send's outcome as a segment of its bar (the outcomes exclude one another, so the
    # bar is as high as Sent): a recent send still Pending shows as its own segment, not as
    # a missing delivery.
    outcomes = ["delivered", "pending", "soft_bounced", "hard_bounced", "aborted"]
    traces: list[dict[str, Any]] = [
        {
            "type": "bar",
            "name": METRICS[o].label + (" (still settling)" if o == "pending" else ""),
            "x": "@key",
            "y": o,
            "marker": {"color": metric_color(o)},
            "hovertemplate": f"{{{{when}}}}<br>{METRICS[o].label}: %{{y:,}}<extra></extra>",
        }
        for o in outcomes
    ]
    traces[0]["customdata"] = ["delivered_pct"]
    traces[0]["hovertemplate"] = (
        "{{when}}<br>Delivered: %{y:,} (%{customdata[0]:.1%} of sent)<extra></extra>"
    )
    traces.append(
        {
            # Sent: a tick on top of each bar (the segments add up to it)
            "type": "scatter",
            "mode": "markers",
            "name": "Sent",
            "x": "@key",
            "y": "sent",
            "marker": {
                "color": metric_color("sent"),
                "symbol": "line-ew-open",
                "size": 14,
                "line": {"width": 2, "color": metric_color("sent")},
            },
            "hovertemplate": "{{when}}<br>Sent: %{y:,}<extra></extra>",
        }
    )
    return _spec(
        rep,
        "volume",
        source="cube",
        by="period",
        period=_check_period(period),
        periods=_periods(rep),
        max_points=MAX_POINTS,
        title="Emails sent by {{period}}, by outcome",
        measures=["sent", *outcomes, "delivered_pct"],
        traces=traces,
        layout={
            "barmode": "stack",
            "xaxis": "@period_axis",
            "yaxis": _axis("Emails (records)", rangemode="tozero", tickformat=",d"),
        },
    )


def _rates_over_time(
    rep: ReportCore, period: str = "day", columns: Sequence[str] | None = None
) -> dict[str, Any]:
    metrics = _rate_metrics(rep, columns or ("opened_pct", "clicked_pct"), ())
    return _over_time(rep, "rates_over_time", period, metrics)


def _machine_opens(rep: ReportCore, period: str = "day") -> dict[str, Any]:
    """How much of Opened is machines (RULES.md section 9), per send day, week or month."""
    notes = ["0 with machine opens excluded"] if rep.machine_opens == "exclude" else []
    return _over_time(rep, "machine_opens", period, [METRICS["machine_opened_pct"]], notes)


def _over_time(
    rep: ReportCore,
    kind: str,
    period: str,
    metrics: Sequence[Metric],
    notes: Sequence[str] = (),
) -> dict[str, Any]:
    """Rates as lines over send periods, from the cube."""
    period = _check_period(period)
    return _spec(
        rep,
        kind,
        source="cube",
        by="period",
        period=period,
        periods=_periods(rep),
        max_points=MAX_POINTS,
        title=what([m.label for m in metrics]) + " by {{period}}",
        notes=["periods without sends are gaps", *notes],
        series=[metric_series(m) for m in metrics],
        trace={
            "type": "scatter",
            "name": "{{name}}",
            "x": "@key",
            "y": "@value",
            "mode": "lines+markers",
            "connectgaps": False,
            "line": {"color": "{{color}}"},
            "marker": {"color": "{{color}}"},
            "customdata": "@customdata",
            "hovertemplate": "{{when}}<br>{{hover_y}}<extra></extra>",
        },
        layout={
            "xaxis": "@period_axis",
            "yaxis": _axis("Rate", tickformat=".0%", rangemode="tozero"),
        },
    )


def _engagement(rep: ReportCore, unit: str = "events", hours: int = 72) -> dict[str, Any]:
    if unit not in ("events", "people"):
        raise ReportError(f"unit must be 'events' or 'people', not {unit!r}")
    hours = _whole(hours, "hours", " of hours")
    events = unit == "events"
    series = (
        ("opens" if events else "opened", "Opens" if events else "People who opened", "opened"),
        (
            "clicks" if events else "clicked",
            "Clicks" if events else "People who clicked",
            "clicked",
        ),
    )
    labels = [str(h) for h in range(hours)] + ["later"]
    texts = [f"{h}–{h + 1} h after the send" for h in range(hours)]
    return _spec(
        rep,
        "engagement",
        source="hours",
        by="bin",
        title="Opens and clicks by hours since send",
        notes=[
            "every open and counted click"
            if events
            else "people: each record once, at its first open and first counted click"
        ],
        no_data={
            "message": "No opens or clicks in this time frame",
            "measures": [s[0] for s in series],
        },
        measures=[s[0] for s in series],
        # bin -1 (before the first send) is shown only when it holds something
        bins={
            "keys": list(range(-1, hours + 1)),
            "labels": ["before send", *labels],
            "texts": ["before the first send", *texts, f"{hours} h or more after the send"],
            "optional": [-1],
            "ticks": ["before send", *(c for c in labels if not c.isdigit() or int(c) % 6 == 0)],
        },
        traces=[
            {
                "type": "bar",
                "name": name,
                "x": "@key",
                "y": measure,
                "marker": {"color": metric_color(color)},
                "customdata": ["@text"],
                "hovertemplate": f"%{{customdata[0]}}<br>{name}: %{{y:,}}<extra></extra>",
            }
            for measure, name, color in series
        ],
        layout={
            "barmode": "group",
            "bargap": 0.15,
            "xaxis": _axis(
                f"Hours since the first send ('later' = {hours} h or more)",
                type="category",
                categoryorder="array",
                tickmode="array",
                tickangle=0,
            ),
            "yaxis": _axis(
                "Events" if events else "People (records)", rangemode="tozero", tickformat=",d"
            ),
        },
        fill={"xaxis.categoryarray": "@key", "xaxis.tickvals": "@ticks"},
    )


def _heatmap(rep: ReportCore) -> dict[str, Any]:
    start = int(rep.week_start)
    rows = [(start + i) % 7 for i in range(7)]
    days = [_WEEKDAYS[r] for r in rows]
    return _spec(
        rep,
        "heatmap",
        source="clock",
        by="cell",
        title=f"Opens by weekday and hour ({rep.tz})",
        notes=["open events"],
        no_data={"message": "No opens in this time frame", "measures": ["opens"]},
        measures=["opens"],
        grid={"rows": rows, "cols": 24},
        traces=[
            {
                "type": "heatmap",
                "z": "@grid",
                "x": list(range(24)),
                "y": days,
                "colorscale": HEATMAP_COLORSCALE,
                "colorbar": {"title": {"text": "Opens"}},
                "xgap": 1,
                "ygap": 1,
                "hovertemplate": "%{y}, %{x}:00–%{x}:59<br>Opens: %{z:,}<extra></extra>",
            }
        ],
        layout={
            "xaxis": _axis(
                f"Hour of day ({rep.tz})", tickmode="linear", dtick=1, range=[-0.5, 23.5]
            ),
            "yaxis": _axis(
                "Weekday",
                type="category",
                categoryorder="array",
                categoryarray=days,
                autorange="reversed",
            ),
        },
    )


def _links(rep: ReportCore, top: int = 10, full_urls: bool = False) -> dict[str, Any]:
    top = _whole(top, "top", "")
    if not isinstance(full_urls, bool):
        raise ReportError(f"full_urls must be True or False, not {full_urls!r}")
    note = "counted clicks; unsubscribe links not counted"
    if not full_urls:
        note += "; links without query strings, personal-looking parts masked"
    return _spec(
        rep,
        "links",
        source="links",
        by="link",
        full_urls=full_urls,
        title=f"Top {top} links by clicks and by people",
        notes=[note],
        no_data={"message": "No link clicks in this time frame", "measures": ["clicks"]},
        measures=["clicks", "people"],
        # most clicks first, then most people, then the link's text
        sort=[["clicks", -1], ["people", -1], ["@link", 1]],
        top={"n": top},
        traces=[
            {
                "type": "bar",
                "name": name,
                "y": "@key",
                "x": measure,
                "orientation": "h",
                "marker": {"color": metric_color(color)},
                "customdata": ["@key"],
                "hovertemplate": f"%{{customdata[0]}}<br>{name}: %{{x:,}}<extra></extra>",
            }
            for name, measure, color in (
                ("Clicks", "clicks", "clicked"),
                ("People", "people", "delivered"),
            )
        ],
        layout={
            "barmode": "group",
            "xaxis": _axis("Clicks / people", rangemode="tozero", tickformat=",d"),
            "yaxis": _axis(
                "Link",
                type="category",
                categoryorder="array",
                tickmode="array",
                autorange="reversed",
            ),
        },
        fill={
            "yaxis.categoryarray": "@key",
            "yaxis.tickvals": "@key",
            "yaxis.ticktext": "@tick",
        },
        height={"min": 450, "base": 140, "per": 40},
    )


_SPECS = {
    "rates": _rates,
    "funnel": _funnel,
    "volume": _volume,
    "rates_over_time": _rates_over_time,
    "engagement": _engagement,
    "heatmap": _heatmap,
    "links": _links,
    "machine_opens": _machine_opens,
    "clients": _clients,
    "domains": _domains,
}
assert tuple(_SPECS) == tuple(CHART_KINDS)


def chart_kind(kind: str) -> str:
    """A chart kind as written by people ("Rates over time") as its id; unknown: an error."""
    name = str(kind).strip().lower().replace("-", "_").replace(" ", "_")
    if name not in _SPECS:
        raise ReportError(f"unknown chart kind {kind!r}; kinds: {', '.join(CHART_KINDS)}")
    return name


def chart_options(kind: str) -> list[str]:
    """The options a chart kind takes."""
    import inspect

    return [p for p in inspect.signature(_SPECS[chart_kind(kind)]).parameters if p != "rep"]


def chart_spec(rep: ReportCore, kind: str, **options: Any) -> dict[str, Any]:
    """The definition of a chart of a report, as JSON-able data.

    Parameters
    ----------
    rep : Report
        The report (its zone, week start, grouping, filters and settings).
    kind : str
        One of :data:`CHART_KINDS`.
    **options
        The kind's options (see :func:`campaign_perf.views.charts.chart`).

    Returns
    -------
    dict
        ``kind``, ``source`` (the aggregate read), ``by`` (what it groups by),
        ``title`` (with ``{{slots}}``), ``subtitle`` (plain and with filters), ``empty``
        and ``no_data`` (the messages of a chart without data), ``layout``, the traces
        (``traces``, or ``trace`` and ``series`` for one trace per rate) whose ``"@..."``
        values are filled from the reduced data, and what the kind needs besides.

    Raises
    ------
    ReportError
        An unknown kind or option, or a bad option value.
    """
    name = chart_kind(kind)
    allowed = chart_options(name)
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        accepts = f"options: {', '.join(allowed)}" if allowed else "no options"
        raise ReportError(
            f"unknown option(s) {', '.join(unknown)} for the {name!r} chart; it takes {accepts}"
        )
    return _SPECS[name](rep, **options)


# -- the table -------------------------------------------------------------------------------
def _keys(rep: ReportCore) -> dict[str, list[str]]:
    from campaign_perf.report.groups import GROUPS

    keys: list[str] = []
    for g in rep.group_by:
        keys.extend(GROUPS.get(g, (g,)))
    shown = [k for k in keys if not k.endswith("_id")] or keys
    return {"keys": keys, "shown": shown, "ids": [k for k in keys if k.endswith("_id")]}


def table_spec(rep: ReportCore) -> dict[str, Any]:
    """The table's shape as data: its group columns and labels, row kinds, labels of the
    subtotal and total rows, the aggregate its rows sum (and in a grouping by where emails
    were read, its share of opened and its note), the sort modes and the page size.

    Parameters
    ----------
    rep : Report
        The report.

    Returns
    -------
    dict
    """
    keys = _keys(rep)
    return {
        **keys,
        "labels": {k: GROUP_LABELS.get(k, k) for k in keys["keys"]},
        "kinds": list(ROW_KINDS),
        "subtotals": rep.group_by == ("campaign_email",),
        "subtotal_label": {"column": "campaign_name", "text": "{{campaign_name}} — subtotal"},
        # a campaign of one email has no subtotal: its row is its subtotal
        "subtotal_rows": 2,
        "total_label": "Total",
        # a grouping by where emails were read: its rows sum the engagement aggregate
        # (the counts it splits; the others are missing), the total the cube; its share
        # of opened is the row's opened / the total's
        "source": "engagement" if rep.engagement_dims else "cube",
        "share": None
        if not rep.engagement_dims
        else {
            "id": SHARE.id,
            "label": SHARE.label,
            "fmt": SHARE.fmt,
            "description": SHARE.description,
            "of": "opened",
        },
        "note": rep.grouping_note,
        "sort_modes": dict(SORT_MODES),
        "page_size": 100,
        "page_text": "Rows {{first}}–{{last}} of {{n}}",
        "label_sep": " · ",
    }
