"""The public ``Report``: the report core with its views attached as methods.

The views (tables, charts, preview, exports, dashboard, HTML report) are functions of a
:class:`~campaign_perf.report.core.ReportCore` in their own modules; this module, the only one
above both, attaches them so that ``rep.chart()``, ``rep.dashboard()`` and ``rep.write_html()``
read naturally, while no view imports the report at run time and the core never imports a
view (the pattern of great_tables' ``GT`` class).
"""

from __future__ import annotations

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
