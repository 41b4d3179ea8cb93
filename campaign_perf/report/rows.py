"""The rows people read: detail rows, campaign subtotals and a total, each with its kind.

:meth:`ReportCore.table <campaign_perf.report.core.ReportCore.table>` is the plain table for
programs. The views people read (the notebook table, the dashboard, the CLI, the shared HTML
report) show more rows: when the report is grouped by campaign × email, a subtotal after the
emails of each campaign of several emails, and a total row at the end. This module builds
those rows once, with real numbers and an explicit ``kind`` (see :data:`ROW_KINDS`), and
holds the one sort rule of the interactive views (:func:`sort_rows`).
"""

from __future__ import annotations

import math
from typing import Any, Protocol, Self

import numpy as np
import pandas as pd

from campaign_perf.errors import ReportError
from campaign_perf.metrics import Metric, format_value
from campaign_perf.report.groups import GROUP_LABELS

__all__ = ["ROW_KINDS", "SORT_MODES", "Tabular", "as_text", "sort_rows", "table_rows"]


class Tabular(Protocol):
    """What the rows are built from: a report's table, total, columns and grouping (the
    report core provides it; typing against this keeps the core above its rows)."""

    @property
    def columns(self) -> tuple[str, ...]: ...

    @property
    def group_by(self) -> tuple[str, ...]: ...

    @property
    def metrics(self) -> list[Metric]: ...

    @property
    def table_metrics(self) -> list[Metric]: ...

    def table(self) -> pd.DataFrame: ...

    def total(self) -> pd.Series: ...

    def by(self, *groups: str) -> Self: ...


#: The kinds of row, in the ``kind`` column of :func:`table_rows`: a row of the report's
#: table, a campaign's subtotal, the total.
ROW_KINDS: tuple[str, ...] = ("detail", "subtotal", "total")

#: The ways :func:`sort_rows` sorts, by id, with the label people see.
SORT_MODES: dict[str, str] = {"campaign": "By campaign", "ranked": "Ranked"}

_SUBTOTAL = "{name} — subtotal"
_TOTAL = "Total"


def _label(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _shown_keys(rep: Tabular, table: pd.DataFrame) -> list[str]:
    """The group columns people see: the names, not the ids (ids when there is no name)."""
    values = {m.id for m in rep.table_metrics}  # share_of_opened too, in its groupings
    keys = [k for k in table.columns if k not in values]
    return [k for k in keys if not k.endswith("_id")] or keys


def table_rows(
    rep: Tabular,
    *,
    subtotals: bool = True,
    total: bool = True,
    table: pd.DataFrame | None = None,
    totals: pd.Series | None = None,
) -> pd.DataFrame:
    """The rows of the people-facing table, with real numbers and their kind.

    Parameters
    ----------
    rep : Report
        The report.
    subtotals : bool, default True
        When the report is grouped by campaign × email, add a subtotal row after the
        emails of each campaign of several emails (labelled "<campaign> — subtotal"; a
        campaign of one email has none: its row is its subtotal).
    total : bool, default True
        End with a total row (labelled "Total").
    table, totals : optional
        ``rep.table()`` and ``rep.total()``, when the caller has them already.

    Returns
    -------
    pandas.DataFrame
        The group columns people see (names as text, "" when empty), the metric columns
        by id (counts as integers, rates as fractions, missing rates NaN; ``rep``'s
        ``table_metrics``, so ``share_of_opened`` in its groupings), ``kind`` (one
        of :data:`ROW_KINDS`) and ``block``: the campaign id of a detail or subtotal row
        when grouped by campaign × email; for other groupings each detail row is its own
        block (its position in ``rep.table()``); None for the total. A row's kind is
        read from ``kind``, never from its label.

    Examples
    --------
    >>> import campaign_perf as cp
    >>> log = cp.load_events("sample_data/events.parquet")  # doctest: +SKIP
    >>> table_rows(cp.Report(log))["kind"].iloc[-1]  # doctest: +SKIP
    'total'
    """
    t = rep.table() if table is None else table
    shown = _shown_keys(rep, t)
    ids = [m.id for m in rep.table_metrics]
    names = {k: [_label(v) for v in t[k].tolist()] for k in shown}
    take: list[int] = []  # rows of the pooled values: the table's, subtotals', the total's
    kinds: list[str] = []
    blocks: list[Any] = []
    labels: list[tuple[str, ...] | None] = []  # None: the table row's own names
    pools = {i: [t[i].to_numpy()] for i in ids}
    if rep.group_by == ("campaign_email",) and len(t):
        by_campaign = rep.by("campaign").table() if subtotals else None
        where = (
            {} if by_campaign is None else {c: j for j, c in enumerate(by_campaign["campaign_id"])}
        )
        campaigns = t.groupby("campaign_id", sort=False).indices.items()
        with_subtotal: list[int] = []  # rows of by_campaign
        blank = dict.fromkeys(shown, "")
        for cid, positions in sorted(campaigns, key=lambda item: item[1][0]):
            pos: list[int] = np.asarray(positions).tolist()
            take += pos
            kinds += ["detail"] * len(pos)
            blocks += [cid] * len(pos)
            labels += [None] * len(pos)
            if by_campaign is not None and len(pos) > 1:
                name = names["campaign_name"][pos[0]] or str(cid)
                take.append(len(t) + len(with_subtotal))
                with_subtotal.append(where[cid])
                kinds.append("subtotal")
                blocks.append(cid)
                subtotal = _SUBTOTAL.format(name=name)
                labels.append(tuple({**blank, "campaign_name": subtotal}.values()))
        if by_campaign is not None:
            for i in ids:
                pools[i].append(by_campaign[i].to_numpy()[with_subtotal])
    else:
        take += range(len(t))
        kinds += ["detail"] * len(t)
        blocks += range(len(t))
        labels += [None] * len(t)
    if total:
        if totals is None:
            totals = rep.total()
        take.append(sum(len(p) for p in pools[ids[0]]))
        kinds.append("total")
        blocks.append(None)
        labels.append(tuple({**dict.fromkeys(shown, ""), shown[0]: _TOTAL}.values()))
        for i in ids:
            pools[i].append(np.asarray([totals[i]]))
    columns: dict[str, Any] = {
        k: [names[k][p] if lab is None else lab[j] for p, lab in zip(take, labels, strict=True)]
        for j, k in enumerate(shown)
    }
    values = {i: np.concatenate(pools[i])[take].astype("float64") for i in ids}
    # Counts are whole numbers, but a count an engagement grouping does not split stays
    # missing (float) in its rows.
    whole = {m.id for m in rep.table_metrics if m.fmt == "int" and not np.isnan(values[m.id]).any()}
    columns |= {i: v.astype("int64") if i in whole else v for i, v in values.items()}
    columns["kind"] = kinds
    columns["block"] = pd.Series(blocks, dtype=object)
    if not take:  # no rows: the names and kinds are objects, as in an empty frame
        columns |= {k: pd.Series(dtype=object) for k in [*shown, "kind"]}
    return pd.DataFrame(columns, columns=[*shown, *ids, "kind", "block"])


def as_text(rep: Tabular, rows: pd.DataFrame) -> pd.DataFrame:
    """Rows of :func:`table_rows` as people read them: every cell formatted text.

    Parameters
    ----------
    rep : Report
        The report the rows are of.
    rows : pandas.DataFrame
        Rows of :func:`table_rows` (in any order).

    Returns
    -------
    pandas.DataFrame
        The labels as columns (no ``kind`` nor ``block``); the rows in the same order and
        with the same index as ``rows``, so that ``rows["kind"]`` says what each row is.
    """
    metrics = {m.id: m for m in rep.table_metrics}
    shown = [c for c in rows.columns if c not in metrics and c not in ("kind", "block")]
    text = {GROUP_LABELS.get(k, k): rows[k].astype(object) for k in shown}
    for i, m in metrics.items():
        text[m.label] = pd.Series(
            [format_value(v, m.fmt) for v in rows[i].tolist()], index=rows.index, dtype=object
        )
    return pd.DataFrame(text, index=rows.index)


def _sort_keys(values: pd.Series) -> pd.Series:
    """What a column sorts by: numbers as they are; names ignoring case, a blank name
    missing."""
    if pd.api.types.is_numeric_dtype(values):
        return values.reset_index(drop=True)
    text = pd.Series([_label(v).casefold() for v in values.tolist()], dtype=object)
    return text.where(text != "", None)


def sort_rows(
    rows: pd.DataFrame,
    column: str | None,
    ascending: bool = False,
    mode: str = "campaign",
) -> pd.DataFrame:
    """Rows of :func:`table_rows` in the order the interactive views show them.

    This is the one sort rule of the notebook dashboard and the shared HTML report:

    * ``mode="campaign"`` ("By campaign"): the rows of a block (a campaign's emails when
      grouped by campaign × email) stay together, its detail rows sorted by ``column`` and
      its subtotal last in the block. The blocks are ordered by their subtotal's value in a
      number column (a block without a subtotal row, such as a campaign of one email, by
      its row's value); in a name column by their first row once sorted.
    * ``mode="ranked"`` ("Ranked"): a flat list of the detail rows only, no subtotals,
      sorted by ``column``.

    In both modes missing values (a missing rate, a blank name) go last whatever the
    direction, names sort ignoring case, ties keep their order, and the total row stays
    last. Without a column the rows keep their order (ranked still leaves out subtotals).

    Parameters
    ----------
    rows : pandas.DataFrame
        Rows of :func:`table_rows` (with their ``kind`` and ``block`` columns).
    column : str or None
        The column to sort by (a group column or a metric id); None keeps the order.
    ascending : bool, default False
        Smallest first (names A to Z) instead of largest first.
    mode : str, default "campaign"
        One of :data:`SORT_MODES`.

    Returns
    -------
    pandas.DataFrame
        The rows reordered (their index kept).

    Raises
    ------
    ReportError
        For an unknown mode or column.
    """
    if mode not in SORT_MODES:
        raise ReportError(f"sort mode must be one of {', '.join(SORT_MODES)}, not {mode!r}")
    if column is not None and (column not in rows.columns or column in ("kind", "block")):
        shown = [c for c in rows.columns if c not in ("kind", "block")]
        raise ReportError(f"cannot sort by {column!r}; columns: {', '.join(map(str, shown))}")
    kind = rows["kind"].to_numpy()
    detail, totals = np.flatnonzero(kind == "detail"), np.flatnonzero(kind == "total")
    keys = None if column is None else _sort_keys(rows[column])

    def ranked(positions: np.ndarray) -> list[int]:
        if keys is None:
            return positions.tolist()
        chosen = keys.iloc[positions]
        order = chosen.sort_values(ascending=ascending, na_position="last", kind="stable")
        return order.index.tolist()

    if mode == "ranked":
        return rows.iloc[[*ranked(detail), *totals.tolist()]]
    block = rows["block"].tolist()
    subtotal = {block[p]: p for p in np.flatnonzero(kind == "subtotal").tolist()}
    members: dict[Any, list[int]] = {b: [] for p, b in enumerate(block) if kind[p] != "total"}
    for p in ranked(detail):
        members[block[p]].append(p)
    order = list(members)  # the blocks in their order
    if keys is not None:
        by_subtotal = column is not None and pd.api.types.is_numeric_dtype(rows[column])
        first = [
            subtotal[b] if by_subtotal and b in subtotal else (members[b] or [subtotal[b]])[0]
            for b in order
        ]
        values = keys.iloc[first].reset_index(drop=True)
        values = values.sort_values(ascending=ascending, na_position="last", kind="stable")
        order = [order[i] for i in values.index]
    positions: list[int] = []
    for b in order:
        positions += members[b]
        if b in subtotal:
            positions.append(subtotal[b])
    return rows.iloc[[*positions, *totals.tolist()]]
