"""Rows of the people-facing table, each with its kind, and the one rule that sorts them.

A stand-in with the final API, so that the views can rely on it; the full module replaces it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from campaign_perf.report.core import ReportCore

__all__ = ["ROW_KINDS", "SORT_MODES", "sort_rows", "table_rows"]

#: The kinds of row, in the ``kind`` column of :func:`table_rows`.
ROW_KINDS: tuple[str, ...] = ("detail", "subtotal", "total")
#: The ways :func:`sort_rows` orders rows, with their labels for people.
SORT_MODES: dict[str, str] = {"campaign": "By campaign", "ranked": "Ranked"}


def table_rows(rep: ReportCore, *, subtotals: bool = True, total: bool = True) -> pd.DataFrame:
    """The table's rows: shown group columns, metric ids, ``kind`` and ``block``.

    Parameters
    ----------
    rep : Report
        The report.
    subtotals, total : bool, default True
        Add campaign subtotals (grouped by campaign × email, campaigns of several emails)
        and a total row.

    Returns
    -------
    pandas.DataFrame
        ``block`` is the campaign id of a row under campaign × email grouping, each detail
        row's own number otherwise, None for the total.
    """
    t = rep.table()
    ids = list(rep.columns)  # type: ignore[arg-type]
    keys = [k for k in t.columns if k not in ids]
    shown = [k for k in keys if not k.endswith("_id")] or keys
    by_campaign = rep.group_by == ("campaign_email",)
    rows = t[shown + ids].astype({k: object for k in shown})
    rows = rows.assign(kind="detail", block=t["campaign_id"] if by_campaign else range(len(t)))
    parts = [rows]
    if by_campaign and subtotals and len(t):
        n = t.groupby("campaign_id", sort=False).size()
        sub = rep.by("campaign").table().set_index("campaign_id").loc[n[n > 1].index]
        subs = pd.DataFrame({k: "" for k in shown}, index=range(len(sub)))
        subs["campaign_name"] = (sub["campaign_name"].astype(str) + " — subtotal").to_numpy()
        subs[ids] = sub[ids].to_numpy()
        parts.append(subs.assign(kind="subtotal", block=sub.index.to_numpy()))
        both = pd.concat(parts, ignore_index=True)
        first = {c: i for i, c in reversed(list(enumerate(t["campaign_id"])))}
        rank = both["block"].map(first) * 2 + (both["kind"] == "subtotal")
        parts = [both.iloc[np.argsort(rank.to_numpy(), kind="stable")]]
    if total:
        row = {k: "" for k in shown} | {shown[0]: "Total"} | dict(rep.total()[ids])
        parts.append(pd.DataFrame([row | {"kind": "total", "block": None}]))
    out = pd.concat(parts, ignore_index=True)[[*shown, *ids, "kind", "block"]]
    return out.astype({m.id: "int64" if m.fmt == "int" else "float64" for m in rep.metrics})


def sort_rows(
    rows: pd.DataFrame, column: str, ascending: bool = False, mode: str = "campaign"
) -> pd.DataFrame:
    """Rows of :func:`table_rows` sorted by ``column``, the total row last.

    ``mode="campaign"`` keeps each campaign's block together (its rows sorted, its subtotal
    last), blocks ordered by their subtotal's value (a one-email campaign by its row's);
    ``"ranked"`` gives the detail rows alone. Missing values last, names ignoring case,
    ties in their order.
    """

    def order(part: pd.DataFrame) -> pd.DataFrame:
        text = not pd.api.types.is_numeric_dtype(part[column])
        key = (lambda s: s.astype(str).str.casefold()) if text else None
        return part.sort_values(column, ascending=ascending, kind="stable", key=key)

    total = rows[rows["kind"] == "total"]
    details = rows[rows["kind"] == "detail"]
    if mode == "ranked":
        return pd.concat([order(details), total])
    body = rows[rows["kind"] != "total"]
    heads = [
        g[g["kind"] == "subtotal"] if (g["kind"] == "subtotal").any() else g
        for _, g in body.groupby("block", sort=False)
    ]
    blocks = order(pd.concat(heads))["block"].drop_duplicates().tolist() if heads else []
    parts = []
    for b in blocks:
        g = body[body["block"] == b]
        parts += [order(g[g["kind"] == "detail"]), g[g["kind"] == "subtotal"]]
    return pd.concat([*parts, total])
