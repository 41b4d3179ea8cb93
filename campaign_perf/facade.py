"""The public ``Report``: the report core with its views attached as methods.

The views (tables, charts, preview, exports, dashboard, HTML report) and the statistics
(comparisons, confidence intervals) are functions of a
:class:`~campaign_perf.report.core.ReportCore` in their own modules; this module, the only one
above both, attaches them so that ``rep.chart()``, ``rep.dashboard()`` and ``rep.write_html()``
read naturally, while no view imports the report at run time and the core never imports a
view (the pattern of great_tables' ``GT`` class).
"""

from __future__ import annotations

import pandas as pd

from campaign_perf.report import kpis as headline
from campaign_perf.report import performers as standouts
from campaign_perf.report import stats
from campaign_perf.report.core import ReportCore
from campaign_perf.views import charts, dashboard, export, preview, tables
from campaign_perf.views.html import report as html_report

__all__ = ["Report"]


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
