"""The headline figures of a report: each with its change against the previous period.

The first thing a weekly review asks is "how did we do, against what": the figures of
:data:`KPI_COLUMNS` (and any metric the user added to the report's columns) for the report's
frame, the same figures for the previous period (:meth:`TimeFrame.previous`), whether the
change is good news for that metric (:attr:`Metric.better`), whether it is significant (the
two-proportion test of :func:`compare_periods`), and the figure per send day for a small
trend line. The notebook, the dashboard and the shared report show this one table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from campaign_perf.errors import TimeFrameError
from campaign_perf.metrics import METRICS, compute_metrics, format_value, is_builtin
from campaign_perf.report.stats import compare_periods, settling_days

if TYPE_CHECKING:
    from campaign_perf.report.core import ReportCore

__all__ = ["KPI_COLUMNS", "kpi_columns", "kpis"]

#: The headline figures an analyst reads first (Email Insights' and Mailchimp's strip).
KPI_COLUMNS: tuple[str, ...] = (
    "sent",
    "delivered_pct",
    "bounced_pct",
    "opened_pct",
    "clicked_pct",
    "click_to_open_pct",
    "unsubscribed_pct",
)


def kpi_columns(rep: ReportCore) -> list[str]:
    """The headline metrics of a report: :data:`KPI_COLUMNS`, then the metrics the user
    added (custom metrics among the report's columns)."""
    added = [c for c in rep.columns if not is_builtin(c) and c not in KPI_COLUMNS]
    return [*KPI_COLUMNS, *added]


def _verdict(delta: float, better: str | None) -> str:
    """ "better", "worse" or "same" for a metric with a direction; "" without one."""
    if better is None or np.isnan(delta):
        return ""
    if delta == 0:
        return "same"
    return "better" if (delta > 0) == (better == "higher") else "worse"


def kpis(rep: ReportCore, *, confidence: float = 0.95) -> pd.DataFrame:
    """The report's headline figures, each against the previous period.

    Parameters
    ----------
    rep : Report
        The report: its frame, filters, basis, zone and as-of are used as they are.
    confidence : float, default 0.95
        The level of the significance test of the changes of proportion rates.

    Returns
    -------
    pandas.DataFrame
        One row per metric of :func:`kpi_columns`: ``metric, label, current, text``
        (the figure of the whole frame, as the table's total shows it), ``compared``
        (the figure compared: the frame without the days still settling),
        ``previous, delta, change`` (``+1.2 pts``, ``+120 (+5.0%)``), ``significant``
        (proportion rates only), ``verdict`` (``better``, ``worse`` or ``same`` by the
        metric's direction; empty for a metric without one, such as Sent) and ``trend``
        (the figure per send day of the frame, a list of ``(day, value)``). ``attrs`` hold
        ``current_frame`` and ``previous_frame`` as compared (see
        :func:`~campaign_perf.report.stats.compare_periods`: sends less than three days
        before as-of are left out of the change), ``settling`` (those days, or None) and
        ``no_comparison``: None, ``"open"`` (an open frame has no previous period) or
        ``"settling"`` (every send of the frame is still settling); without a comparison
        ``previous`` and ``change`` are missing.

    Examples
    --------
    >>> import campaign_perf as cp
    >>> rep = cp.Report(cp.load_sample(), time_frame="last month")  # doctest: +SKIP
    >>> rep.kpis()[["label", "text", "change", "verdict"]]  # doctest: +SKIP
    """
    ids = kpi_columns(rep)
    rep = rep.with_columns(ids)
    sums = rep.cube()[list(rep.count_columns)].sum().to_frame().T.astype("int64")
    full = compute_metrics(sums, ids).iloc[0]
    try:
        out = compare_periods(rep, confidence=confidence).rename(columns={"current": "compared"})
        out.attrs["no_comparison"] = None
    except TimeFrameError:
        out = pd.DataFrame(
            {
                "metric": ids,
                "label": [METRICS[i].label for i in ids],
                "compared": np.nan,
                "previous": np.nan,
                "delta": np.nan,
                "relative_delta": np.nan,
                "change": "–",
                "p_value": np.nan,
                "significant": pd.array([pd.NA] * len(ids), dtype="boolean"),
            }
        )
        frame = rep.frame
        out.attrs.update(
            current_frame=frame,
            previous_frame=None,
            settling=settling_days(rep),
            confidence=confidence,
            no_comparison="open" if frame.first is None or frame.last is None else "settling",
        )
    out.insert(2, "current", [float(full[i]) for i in ids])
    out.insert(
        3,
        "text",
        [format_value(v, METRICS[i].fmt) for i, v in zip(ids, out["current"], strict=True)],
    )
    out["verdict"] = [
        _verdict(d, METRICS[i].better) for i, d in zip(ids, out["delta"], strict=True)
    ]
    out["trend"] = pd.Series(_trends(rep, ids), index=out.index, dtype=object)
    return out


def _trends(rep: ReportCore, ids: list[str]) -> list[list[tuple[str, float]]]:
    """Each metric per send day of the frame, as ``(ISO day, value)`` pairs."""
    cube = rep.cube()
    counts = list(rep.count_columns)
    if cube.empty:
        return [[] for _ in ids]
    per_day = cube.groupby("send_day", sort=True)[counts].sum()
    values = compute_metrics(per_day, ids)
    days = [d.date().isoformat() for d in per_day.index]
    return [
        [(day, float(v)) for day, v in zip(days, values[i].astype(float), strict=True)] for i in ids
    ]
