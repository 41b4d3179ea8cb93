"""The report table for people: labels, formatted numbers, subtotals and a total row.

:meth:`Report.table <campaign_perf.report.Report.table>` stays a plain DataFrame for
programs. This module gives the people-facing views of the same numbers, with the
semantics of :meth:`Report.formatted <campaign_perf.report.Report.formatted>` (campaign
subtotals when grouped by campaign × email, then a total row) but real numbers underneath:

* :func:`table_rows` — the rows as a DataFrame of numbers with a ``row_kind`` column;
* :func:`styled` — a pandas ``Styler`` (Jupyter shows it; ``.to_html()`` and
  ``.to_excel()`` work);
* :func:`to_html` — a plain static HTML table with ``data-sort`` attributes on numeric
  cells, for the HTML export.

Every name is user data: both HTML outputs escape it.
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING, Any, Literal

import jinja2
import pandas as pd
from pandas.io.formats.style import Styler

from campaign_perf.metrics import Metric, format_value
from campaign_perf.report import GROUP_LABELS

if TYPE_CHECKING:
    from campaign_perf.report import Report

__all__ = ["ROW_KINDS", "TABLE_CLASS", "styled", "table_rows", "to_html"]

RowKind = Literal["row", "subtotal", "total"]

#: The kinds of row, in the ``row_kind`` column of :func:`table_rows`.
ROW_KINDS: tuple[str, ...] = ("row", "subtotal", "total")
#: The CSS class of the HTML tables.
TABLE_CLASS = "campaign-perf-table"

_ROW_CSS: dict[str, str] = {
    "subtotal": "font-style: italic; color: #555555;",
    "total": "font-weight: bold; border-top: 1px solid #333333;",
}


def _label(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _shown_keys(rep: Report, table: pd.DataFrame) -> list[str]:
    """The group columns people see: the names, not the ids (ids when there is no name)."""
    keys = [k for k in table.columns if k not in rep.columns]  # type: ignore[operator]
    return [k for k in keys if not k.endswith("_id")] or keys


def table_rows(rep: Report, *, subtotals: bool = True, total: bool = True) -> pd.DataFrame:
    """The rows of the people-facing table, with real numbers.

    Parameters
    ----------
    rep : Report
        The report.
    subtotals : bool, default True
        When the report is grouped by campaign × email, add a subtotal row after the
        emails of each campaign (labelled "<campaign> — subtotal").
    total : bool, default True
        End with a total row (labelled "Total").

    Returns
    -------
    pandas.DataFrame
        The group columns people see (names as text, "" when empty), the metric columns
        by id (counts as integers, rates as fractions, missing rates NaN), and
        ``row_kind``: "row", "subtotal" or "total".

    Examples
    --------
    >>> import campaign_perf as cp
    >>> log = cp.load_events("sample_data/events.parquet")  # doctest: +SKIP
    >>> table_rows(cp.Report(log))["row_kind"].iloc[-1]  # doctest: +SKIP
    'total'
    """
    t = rep.table()
    shown = _shown_keys(rep, t)
    ids = [m.id for m in rep.metrics]
    rows: list[dict[str, Any]] = []

    def add(labels: dict[str, str], values: Any, kind: RowKind) -> None:
        rows.append({**dict.fromkeys(shown, ""), **labels, **{i: values[i] for i in ids},
                     "row_kind": kind})  # fmt: skip

    def add_rows(table: pd.DataFrame) -> None:
        for rec in table.to_dict("records"):
            add({k: _label(rec[k]) for k in shown}, rec, "row")

    if subtotals and rep.group_by == ("campaign_email",) and len(t):
        sub = rep.by("campaign").table().set_index("campaign_id")
        for cid, emails in t.groupby("campaign_id", sort=False):
            add_rows(emails)
            if len(emails) > 1:  # a campaign of one email: its row is its subtotal
                name = _label(emails["campaign_name"].iloc[0]) or str(cid)
                add({"campaign_name": f"{name} — subtotal"}, sub.loc[cid], "subtotal")
    elif len(t):
        add_rows(t)
    if total:
        add({shown[0]: "Total"}, rep.total(), "total")
    out = pd.DataFrame(rows, columns=[*shown, *ids, "row_kind"])
    for m in rep.metrics:
        out[m.id] = out[m.id].astype("int64" if m.fmt == "int" else "float64")
    return out[[*shown, *ids, "row_kind"]]


def _headers(rep: Report, shown: list[str]) -> dict[str, str]:
    return {k: GROUP_LABELS.get(k, k) for k in shown} | {m.id: m.label for m in rep.metrics}


def styled(rep: Report, *, subtotals: bool = True, total: bool = True) -> Styler:
    """The report as a formatted table for people (a pandas ``Styler``).

    Labels as headers, thousands separators, percentages with one decimal, missing rates
    as "–", campaign subtotal rows in grey italics, a bold total row, no index. The
    numbers underneath stay numbers (``.data``); names are HTML-escaped.

    Parameters
    ----------
    rep : Report
        The report.
    subtotals, total : bool, default True
        As in :func:`table_rows`.

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
    kinds = rows.pop("row_kind")
    shown = [c for c in rows.columns if c not in {m.id for m in rep.metrics}]
    headers = _headers(rep, shown)
    data = rows.rename(columns=headers)
    labels = [headers[k] for k in shown]
    numbers = [m.label for m in rep.metrics]

    st = data.style.format(escape="html", na_rep="", subset=labels)
    for m in rep.metrics:
        st = st.format(lambda v, fmt=m.fmt: format_value(v, fmt), subset=[m.label])
    st = st.format_index(escape="html", axis=1)
    styles = [
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
    st = st.apply(lambda row: [_ROW_CSS.get(kinds[row.name], "")] * len(row), axis=1)
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
{% else %}
<td>{{ cell.text }}</td>
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


def _fmt(metric: Metric | None) -> str:
    return "" if metric is None else metric.fmt


def _sort_key(value: Any) -> str:
    """The machine-readable value of a numeric cell; "" when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return repr(float(value)) if isinstance(value, float) else str(int(value))


def to_html(rep: Report, *, subtotals: bool = True, total: bool = True) -> str:
    """The report as a plain, static HTML table.

    ``<table class="campaign-perf-table">`` with a caption (the report's description),
    a header row (``th`` of metrics carry ``data-metric`` and ``data-fmt``), the rows
    and subtotals (``tr class="row"`` / ``"subtotal"``) in ``tbody`` and the total row
    in ``tfoot``. Numeric cells are ``td class="num"`` with the formatted text and the
    exact value in ``data-sort`` (empty for a missing rate, shown as "–"). Every text is
    HTML-escaped.

    Parameters
    ----------
    rep : Report
        The report.
    subtotals, total : bool, default True
        As in :func:`table_rows`.

    Returns
    -------
    str
    """
    rows = table_rows(rep, subtotals=subtotals, total=total)
    metrics = {m.id: m for m in rep.metrics}
    shown = [c for c in rows.columns if c not in metrics and c != "row_kind"]
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
    for rec in rows.to_dict("records"):
        cells = [{"num": False, "text": rec[c]} for c in shown]
        cells += [
            {"num": True, "text": format_value(rec[i], m.fmt), "sort": _sort_key(rec[i])}
            for i, m in metrics.items()
        ]
        (foot if rec["row_kind"] == "total" else body).append(
            {"kind": rec["row_kind"], "cells": cells}
        )
    return _TEMPLATE.render(
        cls=TABLE_CLASS,
        caption=f"Campaign Email Performance — {rep.description}",
        columns=columns,
        sections=[("tbody", body), ("tfoot", foot)],
    )
