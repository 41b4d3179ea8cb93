"""The shareable HTML report: one self-contained file, interactive without Python.

:func:`to_html` renders a :class:`~campaign_perf.Report` as one HTML page that a reader opens
from disk: the headline table, the charts and the email previews, with controls to change
the time frame, the columns and the campaign and email filters. The numbers recompute in
the browser from the report's per-send-day cube (additive counts, see DESIGN.md), with the
same rules as :meth:`Report.table <campaign_perf.Report.table>`; nothing else leaves Python:
no lead ids, no addresses, no raw events.

The page is built from a Jinja2 template (``templates/report.html.j2``) and a small script
(``static/report.js``), both package data. All data travels in one JSON payload in a
``<script type="application/json">`` element, escaped so that no name can end the element;
the script writes names with ``textContent`` only, so that they stay text.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypedDict

import jinja2
import numpy as np
import pandas as pd

from campaign_perf._version import __version__
from campaign_perf.errors import MetricError, ReportError
from campaign_perf.metrics import METRICS, expression_tree
from campaign_perf.report.groups import GROUP_LABELS, GROUPS
from campaign_perf.report.rows import as_text, table_rows
from campaign_perf.timeframes import PAST_DAYS, TimeFrame, preset_choices

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from campaign_perf.report.core import ReportCore

__all__ = [
    "RECOMPUTED_CHARTS",
    "HtmlOptions",
    "PlotlyJS",
    "content_security_policy",
    "report_data",
    "script_json",
    "to_html",
    "write_html",
]

PlotlyJS = Literal["inline", "cdn"]

#: The charts the page redraws from the recomputed numbers when the reader changes the
#: time frame or the filters; the others show the report's own frame.
RECOMPUTED_CHARTS: tuple[str, ...] = ("rates", "funnel")

_CDN_HOST = "https://cdn.plot.ly"
_JSON_ESCAPES = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


class HtmlOptions(TypedDict, total=False):
    """Options of :func:`to_html` and :func:`write_html` (all optional).

    Attributes
    ----------
    title : str
        The page's heading; default "Campaign Email Performance".
    plotlyjs : {"inline", "cdn"}
        "inline" (default) puts plotly.js in the file (about 4.8 MB; works offline);
        "cdn" loads it from cdn.plot.ly (a small file for readers who are online).
    charts : sequence of str
        The chart kinds to show (default every kind of
        :data:`campaign_perf.charts.CHART_KINDS`); an empty sequence for none.
    previews : bool
        Embed the emails' subject and HTML, shown when the reader clicks an email's name
        (default True).
    """

    title: str
    plotlyjs: PlotlyJS
    charts: Sequence[str]
    previews: bool


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
    return text.translate(_JSON_ESCAPES)


# -- the payload -----------------------------------------------------------------------------
def _leaves(tree: Any) -> set[str]:
    """The count ids an expression tree uses."""
    if isinstance(tree, str):
        return {tree}
    if isinstance(tree, list):
        return set().union(*(_leaves(t) for t in tree[1:]))
    return set()


def _metrics(rep: ReportCore) -> list[dict[str, Any]]:
    """The metrics a reader can choose: the report's columns first, then the others."""
    counts = set(rep.count_columns)
    order = [*rep.columns, *(m for m in METRICS if m not in rep.columns)]  # type: ignore[union-attr]
    out = []
    for metric_id in order:
        m = METRICS[metric_id]
        try:
            tree = expression_tree(m.id)
        except MetricError:
            continue  # a broken custom metric: Python cannot compute it either
        if not _leaves(tree) <= counts:
            continue
        out.append(
            {
                "id": m.id,
                "label": m.label,
                "fmt": m.fmt,
                "expression": m.expression,
                "tree": tree,
                "description": m.description,
            }
        )
    return out


def _ranks(values: pd.Series) -> tuple[list[str], np.ndarray]:
    """The sorted distinct values and each value's position among them."""
    labels = sorted({str(v) for v in values})
    index = {v: i for i, v in enumerate(labels)}
    return labels, np.array([index[str(v)] for v in values], dtype="int64")


def _day_number(days: pd.Series) -> np.ndarray:
    """Calendar days as days since 1970-01-01."""
    return pd.to_datetime(days).to_numpy().astype("datetime64[D]").astype("int64")


def _cube(rep: ReportCore) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    """The report's cube in columnar form, and the campaigns and emails it holds."""
    cube = rep.cube(all_days=True)
    attrs = [g for g in rep.group_by if g not in GROUPS]  # type: ignore[union-attr]
    campaigns = (
        cube[["campaign_id", "campaign_name", "program", "status"]]
        .drop_duplicates("campaign_id")
        .sort_values("campaign_id", ignore_index=True)
    )
    emails = (
        cube[["email_id", "email_name"]]
        .drop_duplicates("email_id")
        .sort_values("email_id", ignore_index=True)
    )
    c_index = {v: i for i, v in enumerate(campaigns["campaign_id"])}
    e_index = {v: i for i, v in enumerate(emails["email_id"])}
    columnar: dict[str, Any] = {
        "campaign": [c_index[v] for v in cube["campaign_id"]],
        "email": [e_index[v] for v in cube["email_id"]],
        "day": _day_number(cube["send_day"]).tolist(),
        "attrs": {},
        "counts": {c: cube[c].astype("int64").tolist() for c in rep.count_columns},
    }
    for a in attrs:
        labels, idx = _ranks(cube[a])
        columnar["attrs"][a] = {"values": labels, "index": idx.tolist()}
    return columnar, campaigns, emails


def _summary(rep: ReportCore) -> dict[str, Any]:
    s = rep.log.summary()

    def stamp(ts: pd.Timestamp | None) -> str | None:
        return None if ts is None else f"{ts:%Y-%m-%d %H:%M} UTC"

    return {
        "rows_read": int(s.rows_read),
        "events": int(s.events),
        "rejected": int(s.rejected),
        "rejected_by_reason": {str(k): int(v) for k, v in s.rejected_by_reason.items()},
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


def _presets(rep: ReportCore) -> list[dict[str, Any]]:
    """The time frame choices: the UI presets, plus the report's own when it is another."""
    frames = [TimeFrame.parse(p) for p in preset_choices()]
    own = rep.time_frame
    if own.preset is not None and own not in frames:  # type: ignore[union-attr]
        if own.preset == PAST_DAYS:  # type: ignore[union-attr]
            at = next(i for i, f in enumerate(frames) if f.preset == "this month")
            frames.insert(at, own)  # type: ignore[arg-type]
        else:  # pragma: no cover - every named preset is in preset_choices()
            frames.append(own)  # type: ignore[arg-type]
    return [_time_frame(f) for f in frames]


def _text(value: Any) -> str | None:
    """A dimension cell as text; None when missing or blank."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    text = str(value)
    return text if text.strip() else None


def _emails(rep: ReportCore, emails: pd.DataFrame) -> tuple[list[str | None], list[Any]]:
    """Each email's subject, and its preview (subject and HTML; None without HTML)."""
    from campaign_perf.views.preview import find_email

    subjects: list[str | None] = []
    previews: list[Any] = []
    for email_id in emails["email_id"]:
        row = find_email(rep.log, str(email_id))
        subject, html = _text(row.get("subject")), _text(row.get("html"))
        subjects.append(subject)
        previews.append(None if html is None else {"subject": subject or "", "html": html})
    return subjects, previews


def _figure_json(fig: go.Figure) -> dict[str, Any]:
    """A figure as plain JSON (numeric arrays stay plotly's compact base64 form)."""
    return json.loads(fig.to_json())


def _chart_frame_text(rep: ReportCore) -> str:
    """The time frame as chart titles say it ("past 30 days (2026-10-02 – 2026-10-31)")."""
    name, days = str(rep.time_frame), str(rep.frame)
    return days if rep.time_frame.preset is None or name == days else f"{name} ({days})"  # type: ignore[union-attr]


def _title_head(fig: dict[str, Any], rep: ReportCore) -> str:
    """A chart's title without its time frame."""
    title = fig["layout"]["title"]["text"]
    suffix = f" — {_chart_frame_text(rep)}"
    return title[: -len(suffix)] if title.endswith(suffix) else title


def _join(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _chart_models(
    rep: ReportCore, figures: dict[str, Any], metrics: list[dict[str, Any]]
) -> dict[str, Any]:
    """What the page needs to redraw the rates and funnel charts in the charts' own style.

    Taken from figures of :mod:`campaign_perf.charts` itself: over all send days (so that
    every rate has a trace to copy its colour and hover text from) and over no campaign
    (the figure of an empty report).
    """
    from campaign_perf.views import charts

    wide = rep.with_time_frame("all time") if rep.basis == "sent" else rep
    none = rep.where(campaigns=["\x00none"])
    # Trace names are chart text: escaped the way the charts escape them.
    label_to_id = {charts._text(m["label"]): m["id"] for m in metrics}
    out: dict[str, Any] = {}
    if "rates" in figures:
        pct = [m["id"] for m in metrics if m["fmt"] == "pct"]
        full = _figure_json(charts.chart(wide, "rates", columns=pct))
        fallback = _figure_json(charts.chart(wide.with_columns(["sent"]), "rates"))
        empty = _figure_json(charts.chart(none, "rates"))
        head = _title_head(full, wide)
        what = "Rates" if len(pct) > 3 else charts._text(_join([METRICS[i].label for i in pct]))
        out["rates"] = {
            "head": _title_head(figures["rates"], rep),
            "phrase": head[len(what) + 4 :] if head.startswith(f"{what} by ") else None,
            "layout": full["layout"] if full["data"] else None,
            "traces": {
                label_to_id[t["name"]]: {
                    "color": t.get("marker", {}).get("color"),
                    "hovertemplate": t.get("hovertemplate"),
                }
                for t in full["data"]
                if t.get("name") in label_to_id
            },
            "fallback": [
                label_to_id[t["name"]] for t in fallback["data"] if t.get("name") in label_to_id
            ]
            or ["opened_pct", "clicked_pct", "click_to_open_pct"],
            "empty_layout": empty["layout"],
        }
    if "funnel" in figures:
        full = _figure_json(charts.chart(wide, "funnel"))
        empty = _figure_json(charts.chart(none, "funnel"))
        out["funnel"] = {
            "head": _title_head(full, wide),
            "trace": full["data"][0] if full["data"] else None,
            "layout": full["layout"],
            "empty_layout": empty["layout"],
        }
    return out


def _charts(rep: ReportCore, kinds: Sequence[str]) -> dict[str, Any]:
    """The report's figures by kind, as JSON."""
    from campaign_perf.views import charts

    return {kind: _figure_json(charts.chart(rep, kind)) for kind in kinds}


def _chart_kinds(charts: Sequence[str] | None) -> tuple[str, ...]:
    from campaign_perf.views.charts import CHART_KINDS

    if charts is None:
        return tuple(CHART_KINDS)
    kinds = (charts,) if isinstance(charts, str) else tuple(charts)
    for kind in kinds:
        if kind not in CHART_KINDS:
            raise ReportError(f"unknown chart kind {kind!r}; kinds: {', '.join(CHART_KINDS)}")
    return tuple(dict.fromkeys(kinds))


def report_data(
    rep: ReportCore,
    *,
    title: str = "Campaign Email Performance",
    charts: Sequence[str] | None = None,
    previews: bool = True,
) -> dict[str, Any]:
    """The data the HTML page embeds: aggregates, names and settings, nothing per person.

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

    Returns
    -------
    dict
        ``settings`` (zone, today, week start, basis, as-of, description, time frame,
        grouping, columns, filters), ``summary`` (events, rejected rows...), ``metrics``
        (id, label, format and the expression as a tree over counts), ``counts``,
        ``campaigns`` and ``emails`` (the dimension rows of the cube, sorted by id),
        ``programs``, ``cube`` (columnar: campaign and email positions, send day as days
        since 1970-01-01, the lead attributes grouped by, the counts), ``presets``,
        ``previews``, ``charts`` (plotly figures as JSON) and ``chart_models`` (what the
        page needs to redraw the rates and funnel charts).

    Raises
    ------
    ReportError
        An unknown chart kind.
    """
    from campaign_perf.views.charts import PALETTE

    figures = _charts(rep, _chart_kinds(charts))
    cube, campaigns, emails = _cube(rep)
    programs, program_index = _ranks(campaigns["program"])
    subjects, email_previews = _emails(rep, emails)
    metrics = _metrics(rep)
    frame = rep.frame
    return {
        "version": 1,
        "generator": f"campaign_perf {__version__}",
        "title": title,
        "settings": {
            "tz": rep.tz,
            "today": rep.today.isoformat(),  # type: ignore[union-attr]
            "week_start": rep.week_start,
            "basis": rep.basis,
            "as_of": f"{rep.as_of:%Y-%m-%d %H:%M}",
            "exclude_bots": rep.exclude_bots,
            "proximity_seconds": rep.proximity_seconds,
            "description": rep.description,
            "time_frame": _time_frame(rep.time_frame),  # type: ignore[arg-type]
            "frame": {
                "first": None if frame.first is None else frame.first.isoformat(),
                "last": None if frame.last is None else frame.last.isoformat(),
                "text": _chart_frame_text(rep),
            },
            "group_by": list(rep.group_by),  # type: ignore[arg-type]
            "columns": list(rep.columns),  # type: ignore[arg-type]
            "filters": _filters(rep),
        },
        "summary": _summary(rep),
        "group_labels": dict(GROUP_LABELS),
        "counts": list(rep.count_columns),
        "metrics": metrics,
        "programs": programs,
        "campaigns": {
            "id": campaigns["campaign_id"].astype(str).tolist(),
            "name": campaigns["campaign_name"].astype(str).tolist(),
            "program": program_index.tolist(),
            "status": campaigns["status"].astype(str).tolist(),
        },
        "emails": {
            "id": emails["email_id"].astype(str).tolist(),
            "name": emails["email_name"].astype(str).tolist(),
            "subject": subjects,
        },
        "cube": cube,
        "presets": _presets(rep),
        "previews": email_previews if previews else [None] * len(emails),
        "charts": figures,
        "chart_models": _chart_models(rep, figures, metrics),
        "palette": list(PALETTE),
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


def _table_rows(rep: ReportCore) -> tuple[list[str], list[dict[str, Any]]]:
    """The formatted table for the page's first paint (before the script runs)."""
    rows = table_rows(rep)
    formatted = as_text(rep, rows)
    cells = formatted.itertuples(index=False, name=None)
    shown = [
        {"kind": kind, "cells": [str(v) for v in row]}
        for kind, row in zip(rows["kind"].tolist(), cells, strict=True)
    ]
    return [str(c) for c in formatted.columns], shown


def _chart_descriptions() -> dict[str, str]:
    from campaign_perf.views.charts import CHART_KINDS

    return dict(CHART_KINDS)


def to_html(
    rep: ReportCore,
    *,
    title: str | None = None,
    plotlyjs: PlotlyJS = "inline",
    charts: Sequence[str] | None = None,
    previews: bool = True,
) -> str:
    """The report as one self-contained, interactive HTML page.

    The page shows the title, the time frame, zone and as-of, a data summary, the headline
    table (campaign subtotals and a total row), the charts and the email previews. Readers
    change the time frame (the presets, counted from the report's ``today``, or dates),
    the columns and the campaign and email filters, and sort the table; the numbers
    recompute in the browser from the embedded per-send-day cube and equal
    :meth:`Report.table <campaign_perf.Report.table>` for the same settings. On the
    activity basis the time frame is fixed (days of activity cannot be resliced from a
    cube of send days); columns and filters still work.

    Only aggregates are embedded: counts per campaign, email and send day (and the lead
    attributes the report groups by), names, settings, the emails' HTML. No lead ids,
    addresses or events.

    Parameters
    ----------
    rep : Report
        The report.
    title : str, optional
        The page's heading; default "Campaign Email Performance".
    plotlyjs : {"inline", "cdn"}, default "inline"
        "inline" embeds plotly.js (the file works offline, about 5 MB); "cdn" loads it
        from cdn.plot.ly with a subresource-integrity hash (a file of a few hundred kB).
    charts : sequence of str, optional
        Chart kinds to show (default every kind of
        :data:`campaign_perf.charts.CHART_KINDS`); ``()`` for none.
    previews : bool, default True
        Embed the emails' subject and HTML; clicking an email's name shows it in a
        sandboxed frame where no script runs.

    Returns
    -------
    str
        The HTML document.

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
    data = report_data(rep, title=title, charts=charts, previews=previews)
    columns, rows = _table_rows(rep)
    cdn_url, integrity = _plotly_cdn() if plotlyjs == "cdn" else ("", "")
    summary = data["summary"]
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            title=title,
            description=rep.description,
            settings=data["settings"],
            summary=summary,
            csp=content_security_policy(plotlyjs),
            payload=script_json(data),
            columns=columns,
            rows=rows,
            chart_kinds=list(data["charts"]),
            chart_titles=_chart_descriptions(),
            filters=data["settings"]["filters"],
            inline_plotlyjs=_plotlyjs() if plotlyjs == "inline" else None,
            cdn_url=cdn_url,
            integrity=integrity,
            css=_static("report.css"),
            js=_static("report.js"),
            generator=data["generator"],
        )
    )


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
    from campaign_perf.files import atomic_path

    path = Path(path)
    text = to_html(rep, **options)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path
