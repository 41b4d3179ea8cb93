"""The report table for people, drawn: labels, formatted numbers, row styles.

The rows (detail rows, campaign subtotals, the total, each with its kind) come from
:func:`campaign_perf.report.rows.table_rows`; this module only renders them:

* :func:`styled` — a pandas ``Styler`` (Jupyter shows it; ``.to_html()`` and
  ``.to_excel()`` work);
* :func:`to_html` — a plain static HTML table with ``data-sort`` attributes on numeric
  cells (the notebook dashboard's table, restyled by the dashboard's CSS).

Every name is user data: every HTML output escapes it.
"""

from __future__ import annotations

import html
import math
from collections.abc import Hashable
from functools import partial
from typing import TYPE_CHECKING, Any

import jinja2
import pandas as pd
from pandas.io.formats.style import Styler

from campaign_perf.metrics import format_value
from campaign_perf.report.groups import GROUP_LABELS
from campaign_perf.report.rows import table_rows

if TYPE_CHECKING:
    from pandas.io.formats.style_render import CSSDict

    from campaign_perf.report.core import ReportCore

__all__ = ["ROW_CSS", "TABLE_CLASS", "styled", "to_html"]

#: The CSS class of the HTML tables.
TABLE_CLASS = "campaign-perf-table"
#: How rows of each kind (see :data:`~campaign_perf.report.rows.ROW_KINDS`) look, as CSS
#: declarations; detail rows keep the table's look.
ROW_CSS: dict[str, str] = {
    "subtotal": "font-style: italic; color: #555555;",
    "total": "font-weight: bold; border-top: 1px solid #333333;",
}


def _headers(rep: ReportCore, shown: list[str]) -> dict[str, str]:
    return {k: GROUP_LABELS.get(k, k) for k in shown} | {m.id: m.label for m in rep.table_metrics}


def styled(rep: ReportCore, *, subtotals: bool = True, total: bool = True) -> Styler:
    """The report as a formatted table for people (a pandas ``Styler``).

    Labels as headers, thousands separators, percentages with one decimal, missing rates
    as "–", campaign subtotal rows in grey italics, a bold total row, no index. The
    numbers underneath stay numbers (``.data``); names are HTML-escaped.

    Parameters
    ----------
    rep : Report
        The report.
    subtotals, total : bool, default True
        As in :func:`~campaign_perf.report.rows.table_rows`.

    Returns
    -------
    pandas.io.formats.style.Styler

    Examples
    --------
    >>> import campaign_perf as cp
    >>> log = cp.load_events("sample_data/events.parquet")  # doctest: +SKIP
    >>> styled(cp.Report(log, time_frame="past 30 days", today="as_of"))  # doctest: +SKIP
    """
    rows = table_rows(rep, subtotals=subtotals, total=total)
    kinds = rows.pop("kind")
    rows = rows.drop(columns="block")
    shown = [c for c in rows.columns if c not in {m.id for m in rep.table_metrics}]
    headers = _headers(rep, shown)
    data = rows.rename(columns=headers)
    labels: list[Hashable] = [headers[k] for k in shown]
    numbers = [m.label for m in rep.table_metrics]

    st = data.style.format(escape="html", na_rep="", subset=labels)
    for m in rep.table_metrics:
        st = st.format(partial(format_value, fmt=m.fmt), subset=[m.label])
    st = st.format_index(escape="html", axis=1)
    styles: list[CSSDict] = [
        {"selector": "", "props": "border-collapse: collapse;"},
        {"selector": "caption", "props": "caption-side: top; text-align: left; color: #555555;"},
        {"selector": "th", "props": "text-align: left; padding: 2px 8px; vertical-align: bottom;"},
        {"selector": "td", "props": "padding: 2px 8px; font-variant-numeric: tabular-nums;"},
    ]
    right = ", ".join(
        f"{cell}.col{j}"
        for j, c in enumerate(data.columns)
        if c in numbers
        for cell in ("th", "td")
    )
    if right:
        styles.append({"selector": right, "props": "text-align: right;"})
    st = st.set_table_styles(styles)
    # By index label, so the styles follow the rows when a view reorders ``st.data``.
    st = st.apply(lambda row: [ROW_CSS.get(kinds[row.name], "")] * len(row), axis=1)
    caption = f"Campaign Email Performance — {rep.description}"
    return (
        st.hide(axis="index")
        .set_caption(html.escape(caption))
        .set_table_attributes(f'class="{TABLE_CLASS}"')
    )


_ENV = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
_TEMPLATE = _ENV.from_string(
    """<table class="{{ cls }}">
<caption>{{ caption }}</caption>
<thead>
<tr>
{% for c in columns %}
<th scope="col"{% if c.metric %} class="num" data-metric="{{ c.id }}" data-fmt="{{ c.fmt }}"\
{% endif %}>{{ c.label }}</th>
{% endfor %}
</tr>
</thead>
{% for section, rows in sections %}
{% if rows %}
<{{ section }}>
{% for r in rows %}
<tr class="{{ r.kind }}">
{% for cell in r.cells %}
{% if cell.num %}
<td class="num" data-sort="{{ cell.sort }}">{{ cell.text }}</td>
{% elif cell.text %}
<td title="{{ cell.text }}">{{ cell.text }}</td>
{% else %}
<td></td>
{% endif %}
{% endfor %}
</tr>
{% endfor %}
</{{ section }}>
{% endif %}
{% endfor %}
</table>
"""
)


def _sort_key(value: Any) -> str:
    """The machine-readable value of a numeric cell; "" when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return repr(float(value)) if isinstance(value, float) else str(int(value))


def to_html(
    rep: ReportCore,
    *,
    subtotals: bool = True,
    total: bool = True,
    rows: pd.DataFrame | None = None,
) -> str:
    """The report as a plain, static HTML table.

    ``<table class="campaign-perf-table">`` with a caption (the report's description),
    a header row (``th`` of metrics carry ``data-metric`` and ``data-fmt``), the rows
    and subtotals (``tr class="detail"`` / ``"subtotal"``) in ``tbody`` and the total row
    in ``tfoot``. Numeric cells are ``td class="num"`` with the formatted text and the
    exact value in ``data-sort`` (empty for a missing rate, shown as "–"); a name cell
    repeats its name in ``title`` (shown on hover where a view shortens it). Every text is
    HTML-escaped.

    Parameters
    ----------
    rep : Report
        The report.
    subtotals, total : bool, default True
        As in :func:`~campaign_perf.report.rows.table_rows`.
    rows : pandas.DataFrame, optional
        Rows of :func:`~campaign_perf.report.rows.table_rows` of this report to show
        instead, in their order (say, sorted by :func:`~campaign_perf.report.rows.sort_rows`);
        ``subtotals`` and ``total`` are then not used.

    Returns
    -------
    str
    """
    if rows is None:
        rows = table_rows(rep, subtotals=subtotals, total=total)
    metrics = {m.id: m for m in rep.table_metrics}
    shown = [c for c in rows.columns if c not in metrics and c not in ("kind", "block")]
    headers = _headers(rep, shown)
    columns = [
        {
            "id": c,
            "label": headers[c],
            "metric": c in metrics,
            "fmt": getattr(metrics.get(c), "fmt", ""),
        }
        for c in [*shown, *metrics]
    ]
    body: list[dict[str, Any]] = []
    foot: list[dict[str, Any]] = []
    names = [[{"num": False, "text": v} for v in rows[c].tolist()] for c in shown]
    numbers = [
        [
            {"num": True, "text": format_value(v, m.fmt), "sort": _sort_key(v)}
            for v in rows[i].tolist()
        ]
        for i, m in metrics.items()
    ]
    for kind, *cells in zip(rows["kind"].tolist(), *names, *numbers, strict=True):
        (foot if kind == "total" else body).append({"kind": kind, "cells": cells})
    return _TEMPLATE.render(
        cls=TABLE_CLASS,
        caption=f"Campaign Email Performance — {rep.description}",
        columns=columns,
        sections=[("tbody", body), ("tfoot", foot)],
    )
