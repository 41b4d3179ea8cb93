"""The public ``Report``: the report core with its views attached as methods.

The views (tables, charts, preview, exports, dashboard, HTML report) and the statistics
(comparisons, confidence intervals) are functions of a
:class:`~campaign_perf.report.core.ReportCore` in their own modules; this module, the only one
above both, attaches them so that ``rep.chart()``, ``rep.dashboard()`` and ``rep.write_html()``
read naturally, while no view imports the report at run time and the core never imports a
view (the pattern of great_tables' ``GT`` class).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec

import pandas as pd

from campaign_perf.report import kpis as headline
from campaign_perf.report import performers as standouts
from campaign_perf.report import stats
from campaign_perf.report.core import ReportCore
from campaign_perf.views import (
    charts,
    dashboard,
    export,
    kpi_strip,
    performers_panel,
    preview,
    tables,
)
from campaign_perf.views.html import report as html_report

__all__ = ["HtmlFragment", "Report"]

_P = ParamSpec("_P")


class HtmlFragment(str):
    """An HTML fragment that a notebook shows drawn (a ``str`` everywhere else)."""

    def _repr_html_(self) -> str:
        return str(self)


def _shown(view: Callable[_P, str]) -> Callable[_P, HtmlFragment]:
    """``view`` returning its HTML as an :class:`HtmlFragment`, drawn in a notebook."""

    @functools.wraps(view)
    def drawn(*args: _P.args, **kwargs: _P.kwargs) -> HtmlFragment:
        return HtmlFragment(view(*args, **kwargs))

    return drawn


class Report(ReportCore):
    __doc__ = ReportCore.__doc__

    chart = charts.chart
    dashboard = dashboard.dashboard
    preview = preview.preview
    styled = tables.styled
    to_html = html_report.to_html
    write_html = html_report.write_html
    to_csv = export.to_csv
    to_excel = export.to_excel
    compare = stats.compare_emails
    compare_periods = stats.compare_periods
    kpis = headline.kpis
    performers = standouts.performers
    kpi_strip = _shown(kpi_strip.kpi_strip)
    performers_panel = _shown(performers_panel.performers_panel)

    def table(self, *, ci: bool = False, confidence: float = 0.95) -> pd.DataFrame:
        """The report: one row per group, the group ids and names, then the metric columns.

        Counts are integers; rates are fractions (0.25 is 25 %), missing (NaN) where the
        denominator is 0. No total rows: see :meth:`total` and :meth:`formatted`.

        Parameters
        ----------
        ci : bool, default False
            Add Wilson confidence intervals (``<rate>_low``, ``<rate>_high``) after each
            rate that is a proportion (see :func:`campaign_perf.report.stats.table_with_ci`).
        confidence : float, default 0.95
            The intervals' confidence level.

        Returns
        -------
        pandas.DataFrame
        """
        return stats.table_with_ci(self, confidence) if ci else super().table()
