"""The public ``Report``: the report core with its views attached as methods.

The views (tables, charts, preview, exports, dashboard, HTML report) and the statistics
(comparisons, confidence intervals) are functions of a
:class:`~campaign_perf.report.core.ReportCore` in their own modules; this module, the only one
above both, attaches them so that ``rep.chart()``, ``rep.dashboard()`` and ``rep.write_html()``
read naturally, while no view imports the report at run time and the core never imports a
view (the pattern of great_tables' ``GT`` class).

A view's module (and what it needs: plotly, ipywidgets, jinja2, openpyxl) is imported the
first time one of its methods is looked up, so ``import campaign_perf`` costs no more than
the engine and the report core.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from campaign_perf.report import stats
from campaign_perf.report.core import ReportCore

if TYPE_CHECKING:
    from campaign_perf.report import kpis as headline
    from campaign_perf.report import performers as standouts
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


class HtmlFragment(str):
    """An HTML fragment that a notebook shows drawn (a ``str`` everywhere else)."""

    def _repr_html_(self) -> str:
        return str(self)


class _View:
    """A method whose function lives in a module imported on first lookup.

    ``shown=True`` wraps a view that returns HTML so that its result is an
    :class:`HtmlFragment`, drawn in a notebook.
    """

    def __init__(self, module: str, name: str, *, shown: bool = False) -> None:
        self._module = module
        self._name = name
        self._shown = shown

    def function(self) -> Callable[..., Any]:
        view: Callable[..., Any] = getattr(importlib.import_module(self._module), self._name)
        if not self._shown:
            return view

        @functools.wraps(view)
        def drawn(*args: Any, **kwargs: Any) -> HtmlFragment:
            return HtmlFragment(view(*args, **kwargs))

        return drawn

    def __get__(self, obj: object, objtype: type | None = None) -> Any:
        function = self.function()
        return function if obj is None else function.__get__(obj, objtype)


class Report(ReportCore):
    __doc__ = ReportCore.__doc__

    if TYPE_CHECKING:
        chart = charts.chart
        dashboard = dashboard.dashboard
        preview = preview.preview
        styled = tables.styled
        to_html = html_report.to_html
        write_html = html_report.write_html
        to_csv = export.to_csv
        to_excel = export.to_excel
        kpis = headline.kpis
        performers = standouts.performers
        kpi_strip = kpi_strip.kpi_strip
        performers_panel = performers_panel.performers_panel
    else:
        chart = _View("campaign_perf.views.charts", "chart")
        dashboard = _View("campaign_perf.views.dashboard", "dashboard")
        preview = _View("campaign_perf.views.preview", "preview")
        styled = _View("campaign_perf.views.tables", "styled")
        to_html = _View("campaign_perf.views.html.report", "to_html")
        write_html = _View("campaign_perf.views.html.report", "write_html")
        to_csv = _View("campaign_perf.views.export", "to_csv")
        to_excel = _View("campaign_perf.views.export", "to_excel")
        kpis = _View("campaign_perf.report.kpis", "kpis")
        performers = _View("campaign_perf.report.performers", "performers")
        kpi_strip = _View("campaign_perf.views.kpi_strip", "kpi_strip", shown=True)
        performers_panel = _View(
            "campaign_perf.views.performers_panel", "performers_panel", shown=True
        )
    compare = stats.compare_emails
    compare_periods = stats.compare_periods

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
