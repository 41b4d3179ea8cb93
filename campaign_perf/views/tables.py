"""The report table for people: labels, formatted numbers, subtotals and a total row.

:meth:`Report.table <campaign_perf.report.Report.table>` stays a plain DataFrame for
programs. This module gives the people-facing views of the same numbers, with the
semantics of :meth:`Report.formatted <campaign_perf.report.Report.formatted>` (campaign
subtotals when grouped by campaign × email, then a total row) but real numbers underneath:

* :func:`table_rows` — the rows as a DataFrame of numbers with a ``row_kind`` column
  (:func:`sort_rows` sorts them, the total row kept last);
* :func:`styled` — a pandas ``Styler`` (Jupyter shows it; ``.to_html()`` and
  ``.to_excel()`` work);
* :func:`to_html` — a plain static HTML table with ``data-sort`` attributes on numeric
  cells (the notebook dashboard's table, restyled by the dashboard's CSS).

Every name is user data: every HTML output escapes it.
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING, Any

import jinja2
import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from campaign_perf.metrics import format_value
from campaign_perf.report.groups import GROUP_LABELS

if TYPE_CHECKING:
    from campaign_perf.report.core import ReportCore

__all__ = [
    "ROW_KINDS",
    "TABLE_CLASS",
    "sort_rows",
    "styled",
    "table_rows",
    "to_html",
]

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


def _shown_keys(rep: ReportCore, table: pd.DataFrame) -> list[str]:
    """The group columns people see: the names, not the ids (ids when there is no name)."""
    keys = [k for k in table.columns if k not in rep.columns]  # type: ignore[operator]
    return [k for k in keys if not k.endswith("_id")] or keys


def table_rows(rep: ReportCore, *, subtotals: bool = True, total: bool = True) -> pd.DataFrame:
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
    return _rows(rep, rep.table(), subtotals=subtotals, total=total)


def _rows(
    rep: ReportCore,
    t: pd.DataFrame,
    *,
    subtotals: bool,
    total: bool,
    totals: pd.Series | None = None,
    by_campaign: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """:func:`table_rows` of a report whose ``table()`` is ``t`` (its ``total()`` and its
    campaign table may be given too, when the caller has them already)."""
    shown = _shown_keys(rep, t)
    ids = [m.id for m in rep.metrics]
    names = {k: [_label(v) for v in t[k].tolist()] for k in shown}
    take: list[int] = []  # rows of the pooled values: the table's, subtotals', the total's
    kinds: list[str] = []
    labels: list[tuple[str, ...] | None] = []  # None: the table row's own names
    pools = {i: [t[i].to_numpy()] for i in ids}
    if subtotals and rep.group_by == ("campaign_email",) and len(t):
        if by_campaign is None:
            by_campaign = rep.by("campaign").table()
        where = {cid: j for j, cid in enumerate(by_campaign["campaign_id"].tolist())}
        campaigns = t.groupby("campaign_id", sort=False).indices.items()
        with_subtotal: list[int] = []  # rows of by_campaign
        blank = dict.fromkeys(shown, "")
        for cid, pos in sorted(campaigns, key=lambda item: item[1][0]):
            take += pos.tolist()
            kinds += ["row"] * len(pos)
            labels += [None] * len(pos)
            if len(pos) > 1:  # a campaign of one email: its row is its subtotal
                name = names["campaign_name"][pos[0]] or str(cid)
                take.append(len(t) + len(with_subtotal))
                with_subtotal.append(where[cid])
                kinds.append("subtotal")
                labels.append(tuple({**blank, "campaign_name": f"{name} — subtotal"}.values()))
        for i in ids:
            pools[i].append(by_campaign[i].to_numpy()[with_subtotal])
    else:
        take += range(len(t))
        kinds += ["row"] * len(t)
        labels += [None] * len(t)
    if total:
        if totals is None:
            totals = rep.total()
        take.append(sum(len(p) for p in pools[ids[0]]))
        kinds.append("total")
        labels.append(tuple({**dict.fromkeys(shown, ""), shown[0]: "Total"}.values()))
        for i in ids:
            pools[i].append(np.asarray([totals[i]]))
    columns: dict[str, Any] = {
        k: [names[k][p] if lab is None else lab[j] for p, lab in zip(take, labels, strict=True)]
        for j, k in enumerate(shown)
    }
    columns |= {i: np.concatenate(pools[i])[take] for i in ids}
    columns["row_kind"] = kinds
    if not take:  # no rows: the names and kinds are objects, as in an empty frame
        columns |= {k: pd.Series(dtype=object) for k in [*shown, "row_kind"]}
    out = pd.DataFrame(columns, columns=[*shown, *ids, "row_kind"])
    return out.astype({m.id: "int64" if m.fmt == "int" else "float64" for m in rep.metrics})


def _headers(rep: ReportCore, shown: list[str]) -> dict[str, str]:
    return {k: GROUP_LABELS.get(k, k) for k in shown} | {m.id: m.label for m in rep.metrics}


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


def sort_rows(rows: pd.DataFrame, column: str, ascending: bool = False) -> pd.DataFrame:
    """Rows of :func:`table_rows` sorted by a column, the total row (if any) kept last.

    Missing values go last; names sort ignoring case; ties keep their order.
    """
    last = len(rows) > 0 and rows["row_kind"].iloc[-1] == "total"
    body, total = (rows.iloc[:-1], rows.iloc[-1:]) if last else (rows, rows.iloc[:0])
    key = None if pd.api.types.is_numeric_dtype(body[column]) else _casefold
    order = body.sort_values(
        column, ascending=ascending, na_position="last", kind="stable", key=key
    ).index
    return pd.concat([body.loc[order], total])


def _casefold(values: pd.Series) -> pd.Series:
    return values.astype(str).str.casefold()


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
    rows : pandas.DataFrame, optional
        Rows of :func:`table_rows` of this report to show instead, in their order (say,
        sorted by :func:`sort_rows`); ``subtotals`` and ``total`` are then not used.

    Returns
    -------
    str
    """
    if rows is None:
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
    names = [[{"num": False, "text": v} for v in rows[c].tolist()] for c in shown]
    numbers = [
        [
            {"num": True, "text": format_value(v, m.fmt), "sort": _sort_key(v)}
            for v in rows[i].tolist()
        ]
        for i, m in metrics.items()
    ]
    for kind, *cells in zip(rows["row_kind"].tolist(), *names, *numbers, strict=True):
        (foot if kind == "total" else body).append({"kind": kind, "cells": cells})
    return _TEMPLATE.render(
        cls=TABLE_CLASS,
        caption=f"Campaign Email Performance — {rep.description}",
        columns=columns,
        sections=[("tbody", body), ("tfoot", foot)],
    )
