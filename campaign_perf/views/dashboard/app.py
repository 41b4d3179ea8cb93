"""The notebook dashboard: Marketo's Campaign Email Performance report as an ipywidgets app.

:class:`Dashboard` wraps one :class:`ipywidgets.VBox`, results first: the title; the
settings in a bar that opens on a click (closed at first, its title says what is chosen)
with tabs for the time frame, the table's columns and grouping, and the filters (see
:mod:`.controls`); a status line; the headline strip; what stood out; a plotly
``FigureWidget`` updated in place; the table (a page high, its header, name column and
total row in view); the downloads, each confirmation next to its button; the email
previewer. It holds the current :class:`~campaign_perf.Report` in ``.report``; every
control change builds a new Report with ``with_*`` (a reslice of the cached cube) and
redraws the view.

Two things a notebook widget cannot do, and what the dashboard does instead:

* the table is HTML: clicking a column header cannot sort it, so a **Sort by** dropdown,
  its direction ("Highest first", "A → Z") and the **Rows: By campaign / Ranked** choice
  sort the rows (with :func:`campaign_perf.report.rows.sort_rows`, the rule of the shared
  HTML report too);
* a click on an email name inside the table cannot reach Python, so the **Preview email**
  dropdown lists the emails of the table's rows and opens the chosen one in the previewer.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ipywidgets as w
import pandas as pd
import plotly.graph_objects as go

from campaign_perf.errors import CampaignPerfError
from campaign_perf.metrics import METRICS
from campaign_perf.report.core import ReportCore
from campaign_perf.report.kpis import kpi_columns
from campaign_perf.report.performers import DEFAULT_RATE
from campaign_perf.report.rows import sort_rows, table_rows
from campaign_perf.views.charts import chart
from campaign_perf.views.dashboard import markup
from campaign_perf.views.dashboard.choices import settings_summary
from campaign_perf.views.dashboard.controls import CUSTOM, Controls
from campaign_perf.views.dashboard.figure import BoxWidth, apply_figure
from campaign_perf.views.export import csv_text
from campaign_perf.views.html.report import write_html
from campaign_perf.views.kpi_strip import kpi_strip
from campaign_perf.views.performers_panel import performers_panel, rate_choices
from campaign_perf.views.preview import preview_html
from campaign_perf.views.tables import to_html

__all__ = ["Dashboard", "dashboard"]

#: The views of a Dashboard; each gets the CSS class ``cp-<name>``.
_VIEW_NAMES = (
    "settings",
    "kpis",
    "performers",
    "performer_rate",
    "figure",
    "table",
    "status",
    "preview",
    "download",
    "export_note",
)
#: The tabs of the settings bar, in order.
SETTINGS_TABS = ("Time frame", "Columns and grouping", "Filters")
#: How high the table's box is: about 30 rows on a screen 1,000 pixels high.
TABLE_HEIGHT = "80vh"


def _row(*children: w.Widget, gap: str = "8px") -> w.HBox:
    """Widgets side by side, wrapping onto more lines in a narrow cell."""
    layout = w.Layout(flex_flow="row wrap", align_items="center", grid_gap=gap)
    return w.HBox(list(children), layout=layout)


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
    table_height : str, default "80vh"
        The height of the table's box (a CSS length; the default is four fifths of the
        window, about 30 rows on a screen 1,000 pixels high): a longer table scrolls inside
        it with its header, name column and total row in view.
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
        The last setting that could not be applied (also shown in the status line, under
        the settings).

    Notes
    -----
    The controls are public attributes with stable names, to drive the dashboard from code
    and tests: ``time_frame``, ``past_days``, ``date_from``, ``date_to``, ``tz``, ``basis``,
    ``columns``, ``group_by``, ``sort_by``, ``sort_mode`` ("campaign" or "ranked", see
    :data:`campaign_perf.report.rows.SORT_MODES`), ``sort_ascending``, ``programs``,
    ``campaigns``, ``campaign_status``, ``emails`` (with ``programs_search``,
    ``campaigns_search``, ``emails_search``), ``exclude_bots``, ``exclude_machine_opens``,
    ``chart_kind``, ``performer_rate``, ``email_picker``, ``export_html`` and
    ``export_path``; the views are ``settings`` (the bar that holds the settings and
    filters), ``kpis``, ``performers``,
    ``figure``, ``table``, ``status``, ``preview``, ``download`` and ``export_note`` (the
    confirmation of "Export HTML"). Each has a CSS class ``cp-<name>`` (``cp-time-frame``,
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
        table_height: str = TABLE_HEIGHT,
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
        # What the headline and the ranking were drawn from: a change of grouping leaves the
        # headline as it is, a change of columns both (see _inputs).
        self._drawn: dict[str, tuple[Any, ...]] = {}
        self._has_template = False  # whether the figure has the charts' template
        self.figure = go.FigureWidget()
        self._box_width = BoxWidth(layout=w.Layout(display="none"))
        self.table = w.HTML()
        self.kpis = w.HTML()
        self.performers = w.HTML()
        self.performer_rate = w.Dropdown(
            options=rate_choices(), value=DEFAULT_RATE, description="Rank by"
        )
        self.status = w.HTML()
        self.preview = w.HTML()
        self.download = w.HTML()
        self.export_note = w.HTML()
        self.settings = self._settings_bar()
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

    def _settings_bar(self) -> w.Accordion:
        """The settings and filters, in tabs, in a bar closed at first (its title says the
        settings chosen)."""

        def filter_box(title: str, *children: w.Widget) -> w.VBox:
            box = w.VBox([w.HTML(markup.section(title)), *children])
            box.add_class("cp-filter-box")
            return box

        self.columns.layout = w.Layout(width="100%")
        time_tab = w.VBox(
            [
                _row(self.time_frame, self.past_days, self.date_from, self.date_to, gap="0"),
                _row(
                    self.tz, self.basis, self.exclude_bots, self.exclude_machine_opens, gap="12px"
                ),
            ]
        )
        table_tab = w.VBox(
            [self.group_by, w.HTML(markup.section("Columns (drag to reorder)")), self.columns]
        )
        filters = w.GridBox(
            [
                filter_box("Programs", self.programs_search, self.programs),
                filter_box(
                    "Campaigns", self.campaign_status, self.campaigns_search, self.campaigns
                ),
                filter_box("Emails", self.emails_search, self.emails),
            ],
            layout=w.Layout(
                grid_template_columns="repeat(auto-fit, minmax(220px, 1fr))", grid_gap="12px"
            ),
        )
        tabs = w.Tab([time_tab, table_tab, filters], titles=SETTINGS_TABS)
        return w.Accordion([tabs], titles=("Settings",), selected_index=None)

    def _layout(self) -> w.VBox:
        self.table.layout = w.Layout(width="100%")
        self.chart_kind.layout.margin = "16px 2px 2px 2px"  # apart from the panel above
        root = w.VBox(
            [
                w.HTML(markup.heading("Campaign Email Performance")),
                self.settings,
                self.status,
                self.kpis,
                self.performers,
                self.performer_rate,
                self.chart_kind,
                self.figure,
                self._box_width,
                _row(self.sort_by, self.sort_ascending, w.Label("Rows"), self.sort_mode, gap="8px"),
                self.table,
                _row(self.download, self.export_html, self.export_path, self.export_note),
                w.VBox(
                    [w.HTML(markup.section("Email previewer")), self.email_picker, self.preview]
                ),
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
        if self._syncing:
            return
        if change["owner"] is self.sort_by and self._shown is not None:
            self.show_directions(self._shown.rows, first=True)
        self._guarded(self._draw_table)

    def _on_chart(self, change: Mapping[str, Any]) -> None:
        if not self._syncing:
            self._guarded(self._draw_figure)

    def _on_email(self, change: Mapping[str, Any]) -> None:
        if not self._syncing:
            self._show_preview()

    def _on_export(self, button: w.Button | None = None) -> None:
        """Write the report shown as a shared HTML report; say so next to the button."""
        path = Path(self.export_path.value.strip() or "campaign_email_performance.html")
        try:
            written = Path(write_html(self.report, path) or path)
        except (CampaignPerfError, OSError, ValueError) as exc:
            self.export_note.value = markup.export_error(str(exc))
            return
        self.export_note.value = markup.saved(str(path), str(written.resolve()))

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
        self.settings.titles = (f"Settings: {settings_summary(rep)}",)
        self.export_note.value = ""  # a file saved before shows another report
        self._draw_kpis()
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
            width=self._box_width.width or None,  # laid out for the dashboard's width
            **self._chart_options,
        )
        apply_figure(self.figure, fig, template=not self._has_template)
        self._has_template = True

    def _draw_kpis(self) -> None:
        shown = self._shown
        if shown is None:
            return
        ids = kpi_columns(shown.report)
        inputs = _inputs(shown.report.with_columns(ids).by("campaign_email"))
        if self._drawn.get("kpis") != inputs:
            self.kpis.value = kpi_strip(shown.report)
            self._drawn["kpis"] = inputs

    def _draw_performers(self) -> None:
        shown = self._shown
        if shown is None:
            return
        rate = self.performer_rate.value
        inputs = _inputs(shown.report.with_columns((rate,)))
        if self._drawn.get("performers") != inputs:
            self.performers.value = performers_panel(shown.report, rate)
            self._drawn["performers"] = inputs

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
        self.table.value = markup.table(
            to_html(shown.report, rows=rows), self._table_height, note=shown.report.grouping_note
        )

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
        data = base64.b64encode(csv_text(table).encode("utf-8")).decode("ascii")
        self.download.value = markup.download(_file_name(rep), data)

    def _set_status(self, *, sent: int | None = None, error: str | None = None) -> None:
        """The status line: the records sent, the data read, and the last error."""
        rep = self.report
        if sent is None and self._shown is not None:
            try:
                sent = _records_sent(rep, self._shown.table)
            except CampaignPerfError:
                sent = None
        log = rep.log
        rejected = len(log.rejected)
        parts = [
            f"{len(log):,} events loaded",
            "no rows rejected"
            if not rejected
            else f"{rejected:,} row{'' if rejected == 1 else 's'} rejected when loading",
            f"data as of {rep.as_of:%Y-%m-%d %H:%M} UTC",
        ]
        if rep.exclude_bots:
            parts.append("bots excluded")
        bots = rep.bot_counts()
        if bots:
            parts.append("bots: " + ", ".join(f"{n:,} {reason}" for reason, n in bots.items()))
        if rep.machine_opens == "exclude":
            parts.append("machine opens excluded")
        self.status.value = markup.status(sent, parts, error=error)


def _inputs(rep: ReportCore) -> tuple[Any, ...]:
    """Everything a view of ``rep`` is drawn from: its log, every setting, and the
    definitions of its columns' metrics (a metric registered again may change)."""
    return (*vars(rep).items(), *(METRICS.get(c) for c in rep.columns))


def _records_sent(rep: ReportCore, table: pd.DataFrame) -> int:
    """The report's records (its sent count): the sum of the table's "sent" column when it
    has one (each record is in exactly one row), else the report's total (also in a
    grouping by where emails were read, which does not split sends)."""
    if "sent" in table.columns and not rep.engagement_dims:
        return int(table["sent"].sum())
    return int(rep.total()["sent"])


def _file_name(rep: ReportCore) -> str:
    frame = str(rep.frame).replace(" – ", "_to_").replace(" ", "_")
    return f"campaign_email_performance_{frame}.csv"


def dashboard(rep: ReportCore, **options: Any) -> Dashboard:
    """The notebook dashboard of this report: time frame, columns, grouping, filters,
    a chart updated in place, the table and the email previewer (see :class:`Dashboard`)."""
    return Dashboard(rep, **options)
