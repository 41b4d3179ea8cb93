"""What stood out: the best and the worst rows of a report for one rate.

A ranking of rates is only fair between rows with enough volume: an email sent to three
people can have a Clicked % of 67%. So a row takes part only when the rate's denominator
(delivered, for Clicked %) is at least ``min_volume`` — by default :data:`MIN_TRIALS`, the
size below which the statistics module calls a sample small — and each figure comes with
its Wilson interval, so a reader sees how sure it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from campaign_perf.errors import StatsError
from campaign_perf.metrics import METRICS, get_metric, proportion
from campaign_perf.report.rows import ROW_KINDS, table_rows
from campaign_perf.report.stats import MIN_TRIALS, wilson_interval

if TYPE_CHECKING:
    from campaign_perf.report.core import ReportCore

__all__ = ["DEFAULT_RATE", "NAME_SEPARATOR", "PERFORMERS", "performers"]

#: The rate ranked unless another is chosen.
DEFAULT_RATE = "clicked_pct"
#: How many rows each side shows.
PERFORMERS = 5
#: Between the names of a row's groups ("Newsletter · Newsletter – October").
NAME_SEPARATOR = " · "


def performers(
    rep: ReportCore,
    metric: str = DEFAULT_RATE,
    *,
    n: int = PERFORMERS,
    min_volume: int = MIN_TRIALS,
    confidence: float = 0.95,
    fold: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """The ``n`` best and ``n`` worst rows of the report for a rate, with enough volume.

    Parameters
    ----------
    rep : Report
        The report: its rows (by its grouping, campaign × email by default), frame and
        filters.
    metric : str, default "clicked_pct"
        A rate that is a proportion (a count over a count: every built-in ``_pct`` rate,
        or a registered ``a / b`` metric).
    n : int, default 5
        Rows on each side. When fewer than ``2 n`` rows qualify, the worst side holds
        those not among the best.
    min_volume : int, default 30
        The fewest records in the rate's denominator (e.g. delivered) a row needs to be
        ranked.
    confidence : float, default 0.95
        The level of the Wilson intervals.
    fold : callable, optional
        Folds the report's cube before it is ranked (a shared file folds groups too small
        to share into one, so that none of them is named).

    Returns
    -------
    pandas.DataFrame
        ``side`` ("best" or "worst"), ``rank`` (1 = best of the best, or worst of the
        worst), ``name`` (the row's group names joined by " · "), ``value``, ``low``,
        ``high`` (the interval) and ``volume`` (the denominator). Ties rank the row with
        more volume first, then the table's order. ``attrs`` hold ``metric``,
        ``denominator``, ``min_volume``, ``ranked`` (rows that qualified) and ``too_small``
        (rows left out for their volume).

    Raises
    ------
    StatsError
        The metric is not a proportion, or ``n`` / ``min_volume`` is not a positive number.
    """
    m = get_metric(metric)
    prop = proportion(m.id)
    if prop is None:
        choices = ", ".join(i for i in METRICS if proportion(i) is not None)
        raise StatsError(f"{m.id!r} is not a proportion rate; rank by one of: {choices}")
    for name, given in (("n", n), ("min_volume", min_volume)):
        if not isinstance(given, int) or isinstance(given, bool) or given < 1:
            raise StatsError(f"{name} must be a whole number of at least 1, not {given!r}")
    needed = list(dict.fromkeys([m.id, *prop.numerator, prop.denominator]))
    wide = rep.with_columns(needed)
    table = None
    if fold is not None:
        table = wide.table_of(fold(wide.table_cube()))
    rows = table_rows(wide, subtotals=False, total=False, table=table)
    rows = rows[rows["kind"] == ROW_KINDS[0]]
    # a grouping by where emails were read does not split sends: a rate of delivered (or
    # of sent) is missing in its rows, which are not ranked (nor counted as too small)
    rows = rows[rows[prop.denominator].notna()]
    values = {m.id for m in wide.table_metrics}  # share_of_opened too, in its groupings
    shown = [c for c in rows.columns if c not in {*values, "kind", "block"}]
    names = [NAME_SEPARATOR.join(str(v) for v in r if str(v)) for r in rows[shown].to_numpy()]
    volume = rows[prop.denominator].to_numpy(dtype="int64")
    successes = rows[list(prop.numerator)].to_numpy(dtype="int64").sum(axis=1)
    value = rows[m.id].to_numpy(dtype="float64")
    low, high = wilson_interval(successes, volume, confidence)
    table = pd.DataFrame(
        {
            "name": names,
            "value": value,
            "low": np.asarray(low, dtype="float64"),
            "high": np.asarray(high, dtype="float64"),
            "volume": volume,
            "position": np.arange(len(rows)),
        }
    )
    ranked = table[(table["volume"] >= min_volume) & table["value"].notna()]
    best = ranked.iloc[np.lexsort((ranked["position"], -ranked["volume"], -ranked["value"]))]
    best = best.head(n)
    rest = ranked.drop(best.index)
    worst = rest.iloc[np.lexsort((rest["position"], -rest["volume"], rest["value"]))].head(n)
    out = pd.concat(
        [
            best.assign(side="best", rank=np.arange(1, len(best) + 1)),
            worst.assign(side="worst", rank=np.arange(1, len(worst) + 1)),
        ],
        ignore_index=True,
    )[["side", "rank", "name", "value", "low", "high", "volume"]]
    out.attrs.update(
        metric=m.id,
        denominator=prop.denominator,
        min_volume=min_volume,
        ranked=len(ranked),
        too_small=int((table["volume"] < min_volume).sum()),
        confidence=confidence,
    )
    return out
