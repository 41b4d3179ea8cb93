"""The notebook dashboard: Marketo's Campaign Email Performance report as an ipywidgets app.

:class:`Dashboard` wraps one :class:`ipywidgets.VBox` of controls (time frame, zone, basis,
columns, group-by, sorting, filters, bots; see :mod:`.controls`), a plotly ``FigureWidget``
updated in place, the table, a status line, the email previewer and the downloads. It holds
the current :class:`~campaign_perf.Report` in ``.report``; every control change builds a new
Report with ``with_*`` (a reslice of the cached cube) and redraws the view.

Two things a notebook widget cannot do, and what the dashboard does instead:

* the table is HTML: clicking a column header cannot sort it, so a **Sort by** dropdown,
  the **By campaign / Ranked** choice and an ascending toggle sort the rows (with
  :func:`campaign_perf.report.rows.sort_rows`, the rule of the shared HTML report too);
* a click on an email name inside the table cannot reach Python, so the **Preview email**
  dropdown lists the emails of the table's rows and opens the chosen one in the previewer.
"""

from __future__ import annotations

import base64
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ipywidgets as w
import pandas as pd
import plotly.graph_objects as go

from campaign_perf.errors import CampaignPerfError
from campaign_perf.report.core import ReportCore
from campaign_perf.report.performers import DEFAULT_RATE
from campaign_perf.report.rows import sort_rows, table_rows
from campaign_perf.views.charts import chart
from campaign_perf.views.dashboard import markup
from campaign_perf.views.dashboard.controls import CUSTOM, Controls
from campaign_perf.views.dashboard.figure import BoxWidth, apply_figure
from campaign_perf.views.export import write_report
from campaign_perf.views.html.report import write_html
from campaign_perf.views.kpi_strip import kpi_strip
from campaign_perf.views.performers_panel import performers_panel, rate_choices
from campaign_perf.views.preview import preview_html
from campaign_perf.views.tables import to_html

__all__ = ["Dashboard", "dashboard"]

#: The views of a Dashboard; each gets the CSS class ``cp-<name>``.
_VIEW_NAMES = ("kpis", "performers", "figure", "table", "status", "preview", "download")


@dataclass(frozen=True)
class _Shown:
    """What the dashboard shows: a report, its table and total, the table's rows, and
    whether nothing was sent in the frame."""

    report: ReportCore
    table: pd.DataFrame
    total: pd.Series
    rows: pd.DataFrame
    empty: bool


class Dashboard(Controls):
    """An interactive Campaign Email Performance report for notebooks.

    Parameters
    ----------
    report : Report
        The report to start from: its settings fill the controls, and its other settings
        (as-of, today, week start, proximity, lead filters) are kept.
    chart_kind : str, default "rates"
        The chart shown first (one of ``campaign_perf.charts.CHART_KINDS``).
    chart_options : mapping, optional
        Keyword options passed to :func:`campaign_perf.charts.chart`.
    table_height : str, default "420px"
        The table scrolls beyond this height.
    preview_height : int, default 480
        Height of the email previewer's frame in pixels.
    preview_remote_images : bool, default False
        Let the email previewer load the emails' remote images (tracking pixels among
        them); otherwise it loads nothing remote.
    export_path : str, default "campaign_email_performance.html"
        Where "Export HTML" writes.

    Attributes
    ----------
    report : Report
        The report the dashboard shows now.
    widget : ipywidgets.VBox
        The whole app (displayed when the dashboard is the value of a cell).
    error : str or None
        The last setting that could not be applied (also shown in the status line).

    Notes
    -----
    The controls are public attributes with stable names, to drive the dashboard from code
    and tests: ``time_frame``, ``past_days``, ``date_from``, ``date_to``, ``tz``, ``basis``,
    ``columns``, ``group_by``, ``sort_by``, ``sort_mode`` ("campaign" or "ranked", see
    :data:`campaign_perf.report.rows.SORT_MODES`), ``sort_ascending``, ``programs``,
    ``campaigns``, ``campaign_status``, ``emails`` (with ``programs_search``,
    ``campaigns_search``, ``emails_search``), ``exclude_bots``, ``exclude_machine_opens``,
    ``chart_kind``, ``email_picker``; the views are ``figure``, ``table``, ``status``, ``preview``,
    ``download`` and ``export_html``. Each has a CSS class ``cp-<name>`` (``cp-time-frame``,
    ...) to find it in the page.

    Examples
    --------
    >>> import campaign_perf as cp
    >>> log = cp.load_events("../sample_data/events.parquet",
    ...                      campaigns="../sample_data/campaigns.csv",
    ...                      emails="../sample_data/emails.parquet")  # doctest: +SKIP
    >>> dash = Dashboard(cp.Report(log, time_frame="past 30 days", today="as_of"))  # doctest: +SKIP
    >>> dash  # doctest: +SKIP
    >>> dash.time_frame.value = "last month"  # doctest: +SKIP
    >>> dash.report.table()  # doctest: +SKIP
    """

    def __init__(
        self,
        report: ReportCore,
        *,
        chart_kind: str = "rates",
        chart_options: Mapping[str, Any] | None = None,
        table_height: str = "420px",
        preview_height: int = 480,
        preview_remote_images: bool = False,
        export_path: str = "campaign_email_performance.html",
    ) -> None:
        if not isinstance(report, ReportCore):
            raise TypeError(f"Dashboard needs a Report, not {type(report).__name__}")
        super().__init__(report, chart_kind, export_path)
        self.report = report
        self.error: str | None = None
        self._chart_options = dict(chart_options or {})
        self._table_height = table_height
        self._preview_height = preview_height
        self._preview_remote_images = preview_remote_images
        self._shown: _Shown | None = None
        self._has_template = False  # whether the figure has the charts' template
        self.figure = go.FigureWidget()
        self._box_width = BoxWidth(layout=w.Layout(display="none"))
        self.table = w.HTML()
        self.kpis = w.HTML()
        self.performers = w.HTML()
        self.performer_rate = w.Dropdown(
            options=rate_choices(), value=DEFAULT_RATE, description="Ranked by"
        )
        self.performer_rate.add_class("cp-performer-rate")
        self.status = w.HTML()
        self.preview = w.HTML()
        self.download = w.HTML()
        for name in _VIEW_NAMES:
            getattr(self, name).add_class("cp-" + name.replace("_", "-"))
        self.widget = self._layout()
        self._observe()
        self.update()

    # -- display ----------------------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        return self.widget._repr_mimebundle_(**kwargs)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    def __repr__(self) -> str:
        return f"<Dashboard {self.report.description}>"

    def _layout(self) -> w.VBox:
        def box(title: str, *children: w.Widget) -> w.VBox:
            return w.VBox([w.HTML(markup.section(title)), *children])

        def row(*children: w.Widget, gap: str = "8px") -> w.HBox:
            layout = w.Layout(flex_flow="row wrap", align_items="center", grid_gap=gap)
            return w.HBox(list(children), layout=layout)

        filters = w.GridBox(
            [
                box("Programs", self.programs_search, self.programs),
                box("Campaigns", self.campaign_status, self.campaigns_search, self.campaigns),
                box("Emails", self.emails_search, self.emails),
            ],
            layout=w.Layout(grid_template_columns="repeat(3, minmax(0, 1fr))", grid_gap="12px"),
        )
        self.columns.layout = w.Layout(width="100%")
        self.table.layout = w.Layout(width="100%")
        root = w.VBox(
            [
                w.HTML(markup.heading("Campaign Email Performance")),
                self.kpis,
                self.performer_rate,
                self.performers,
                row(self.time_frame, self.past_days, self.date_from, self.date_to, gap="0"),
                row(self.tz, self.basis, self.exclude_bots, self.exclude_machine_opens, gap="12px"),
                box("Columns (drag to reorder)", self.columns),
                row(self.group_by, self.chart_kind),
                row(self.sort_by, self.sort_mode, self.sort_ascending),
                filters,
                self.status,
                self.figure,
                self._box_width,
                self.table,
                row(self.download, self.export_html, self.export_path, gap="12px"),
                box("Email previewer", self.email_picker, self.preview),
            ],
            layout=w.Layout(width="100%"),
        )
        root.add_class("cp-dashboard")
        return root

    # -- events -----------------------------------------------------------------------
    def _observe(self) -> None:
        for control in (
            self.time_frame,
            self.past_days,
            self.tz,
            self.basis,
            self.columns,
            self.group_by,
            self.exclude_bots,
            self.exclude_machine_opens,
            self.programs,
            self.campaigns,
            self.campaign_status,
            self.emails,
        ):
            control.observe(self._on_setting, "value")
        for picker in (self.date_from, self.date_to):
            picker.observe(self._on_dates, "value")
        for control in (self.sort_by, self.sort_mode, self.sort_ascending):
            control.observe(self._on_sort, "value")
        self.chart_kind.observe(self._on_chart, "value")
        self.performer_rate.observe(lambda _: self._guarded(self._draw_performers), "value")
        self.email_picker.observe(self._on_email, "value")
        self.export_html.on_click(self._on_export)
        self._box_width.observe(self._on_box_width, "width")

    def _on_setting(self, change: Mapping[str, Any]) -> None:
        if not self._syncing:
            self._show_past_days()
            self.update()

    def _on_dates(self, change: Mapping[str, Any]) -> None:
        if self._syncing:
            return
        with self._sync():
            self.time_frame.value = CUSTOM
        self._show_past_days()
        self.update()

    def _on_sort(self, change: Mapping[str, Any]) -> None:
        if not self._syncing:
            self._guarded(self._draw_table)

    def _on_chart(self, change: Mapping[str, Any]) -> None:
        if not self._syncing:
            self._guarded(self._draw_figure)

    def _on_email(self, change: Mapping[str, Any]) -> None:
        if not self._syncing:
            self._show_preview()

    def _on_export(self, button: w.Button | None = None) -> None:
        path = Path(self.export_path.value or "campaign_email_performance.html")
        try:
            written = write_html(self.report, path)
        except (CampaignPerfError, OSError, ValueError) as exc:
            self._set_status(error=f"Export failed: {exc}")
            return
        self._set_status(note=f"Wrote {Path(written or path).resolve()}")

    def _on_box_width(self, change: Mapping[str, Any]) -> None:
        if change["new"]:
            self.figure.layout.width = change["new"]

    def _guarded(self, draw: Callable[..., None], *args: Any) -> bool:
        """Run a drawing step; an invalid setting shows in the status line, not as a
        traceback in the notebook."""
        try:
            draw(*args)
        except (CampaignPerfError, ValueError) as exc:
            self.error = str(exc)
            self._set_status(error=self.error)
            return False
        return True

    # -- updating ---------------------------------------------------------------------
    def update(self) -> None:
        """Rebuild the report from the controls and redraw the chart, table and status.

        A setting that cannot be applied keeps the last view and shows the reason in the
        status line (and in :attr:`error`).
        """
        if self._metrics_changed():
            self.refresh_metric_choices()
        try:
            rep = self.report_from_controls()
        except (CampaignPerfError, ValueError, KeyError) as exc:
            self.error = str(exc).strip("'\"")
            self._set_status(error=self.error)
            return
        self.error = None
        self.report = rep
        self._guarded(self._render, rep)

    def refresh(self) -> None:
        """Offer newly registered metrics in the column picker and redraw."""
        self.refresh_metric_choices()
        self.update()

    # -- rendering --------------------------------------------------------------------
    def _render(self, rep: ReportCore) -> None:
        table = rep.table()
        sent = _records_sent(rep, table)
        total = rep.total()
        empty = table.empty or (rep.basis == "sent" and sent == 0)
        rows = table_rows(rep, table=table, totals=total)
        self._shown = _Shown(rep, table, total, rows, empty)
        self._sync_to(rep, table, rows)
        self.kpis.value = kpi_strip(rep)
        self._draw_performers()
        self._draw_figure()
        self._draw_table()
        self._draw_download(rep, table)
        self._set_status(sent=sent)

    def _draw_figure(self) -> None:
        # An empty report gives a figure that says so (see campaign_perf.charts). The chart
        # takes the table and total the view has. Every chart has the same template: once
        # the FigureWidget has it, the charts are drawn without it (plotly would validate
        # it again in each, for nothing).
        shown = self._shown
        if shown is None:
            return
        fig = chart(
            shown.report,
            self.chart_kind.value,
            table=shown.table,
            total=shown.total,
            template=not self._has_template,
            **self._chart_options,
        )
        if self._box_width.width and fig.layout.width is None:
            fig.layout.width = self._box_width.width
        apply_figure(self.figure, fig, template=not self._has_template)
        self._has_template = True

    def _draw_performers(self) -> None:
        shown = self._shown
        if shown is None:
            return
        self.performers.value = performers_panel(shown.report, self.performer_rate.value)

    def _draw_table(self) -> None:
        shown = self._shown
        if shown is None:
            return
        if shown.empty:
            self.table.value = markup.empty()
            return
        rows = sort_rows(
            shown.rows,
            self.sort_by.value or None,
            self.sort_ascending.value,
            self.sort_mode.value,
        )
        self.table.value = markup.table(to_html(shown.report, rows=rows), self._table_height)

    def _show_preview(self) -> None:
        email = self.email_picker.value
        if not email:
            self.preview.value = ""
            return
        try:
            self.preview.value = preview_html(
                self.report,
                email,
                height=self._preview_height,
                remote_images=self._preview_remote_images,
            )
        except CampaignPerfError as exc:
            self.preview.value = markup.problem(str(exc))

    def _draw_download(self, rep: ReportCore, table: pd.DataFrame) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = write_report(rep, Path(tmp) / "report.csv", table=table)
            data = base64.b64encode(path.read_bytes()).decode("ascii")
        self.download.value = markup.download(_file_name(rep), data)

    def _set_status(
        self,
        *,
        sent: int | None = None,
        error: str | None = None,
        note: str | None = None,
    ) -> None:
        rep = self.report
        if sent is None and self._shown is not None:
            try:
                sent = _records_sent(rep, self._shown.table)
            except CampaignPerfError:
                sent = None
        log = rep.log
        parts = [
            f"{len(log):,} events loaded",
            f"{len(log.rejected):,} rejected rows (log.rejected)",
            f"as of {rep.as_of:%Y-%m-%d %H:%M} UTC",
            f"{rep.time_frame} ({rep.frame}) · {rep.tz}",
            "by sent date" if rep.basis == "sent" else "by date of activity",
        ]
        if rep.exclude_bots:
            parts.append("bots excluded")
        bots = rep.bot_counts()
        if bots:
            parts.append("bots: " + ", ".join(f"{n:,} {reason}" for reason, n in bots.items()))
        if rep.machine_opens == "exclude":
            parts.append("machine opens excluded")
        self.status.value = markup.status(sent, parts, error=error, note=note)


def _records_sent(rep: ReportCore, table: pd.DataFrame) -> int:
    """The report's records (its sent count): the sum of the table's "sent" column when it
    has one (each record is in exactly one row), else the report's total."""
    if "sent" in table.columns:
        return int(table["sent"].sum())
    return int(rep.total()["sent"])


def _file_name(rep: ReportCore) -> str:
    frame = str(rep.frame).replace(" – ", "_to_").replace(" ", "_")
    return f"campaign_email_performance_{frame}.csv"


def dashboard(rep: ReportCore, **options: Any) -> Dashboard:
    """The notebook dashboard of this report: time frame, columns, grouping, filters,
    a chart updated in place, the table and the email previewer (see :class:`Dashboard`)."""
    return Dashboard(rep, **options)
