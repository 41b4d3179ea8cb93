"""The notebook dashboard: Marketo's Campaign Email Performance report as an ipywidgets app.

:class:`Dashboard` wraps one :class:`ipywidgets.VBox` of controls (time frame, zone, basis,
columns, group-by, filters, bots), a plotly ``FigureWidget`` updated in place, the
formatted table, a status line, the email previewer and the downloads. It holds the current
:class:`~campaign_perf.Report` in ``.report``; every control change builds a new Report with
``with_*`` (a reslice of the cached cube) and redraws the view.

Two things a notebook widget cannot do, and what the dashboard does instead:

* the table is HTML: clicking a column header cannot sort it, so a **Sort by** dropdown and
  an ascending toggle sort the rows;
* a click on an email name inside the table cannot reach Python, so the **Preview email**
  dropdown lists the emails of the table's rows and opens the chosen one in the previewer.
"""

from __future__ import annotations

import base64
import html
import tempfile
import zoneinfo
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import anywidget
import ipywidgets as w
import pandas as pd
import plotly.graph_objects as go
import traitlets

from campaign_perf.errors import CampaignPerfError, TimeFrameError
from campaign_perf.metrics import METRICS
from campaign_perf.report.core import ReportCore
from campaign_perf.report.groups import GROUP_LABELS, GROUPS
from campaign_perf.timeframes import TimeFrame, check_tz, preset_choices
from campaign_perf.views.charts import CHART_KINDS, _known, _without_template, chart
from campaign_perf.views.export import write_report
from campaign_perf.views.html.report import write_html
from campaign_perf.views.preview import preview_html
from campaign_perf.views.tables import _ROW_CSS, TABLE_CLASS, _rows, sort_rows, to_html

__all__ = ["EMPTY_MESSAGE", "GROUP_CHOICES", "Dashboard"]

#: What the chart and the table say when the frame has no sends.
EMPTY_MESSAGE = "No emails were sent in this time frame."

#: The group-by choices of the dashboard (lead attributes are added per log).
GROUP_CHOICES: dict[str, str] = {
    "campaign_email": "Campaign × Email",
    "program": "Program",
    "campaign": "Campaign",
    "email": "Email",
    "day": "Send day",
    "week": "Send week",
    "month": "Send month",
}

# The table (tables.to_html) scrolls inside its box: one line per row, the header stays in
# view; numbers right-aligned in tabular figures; subtotal and total rows as tables.styled
# shows them. Every rule is scoped to the dashboard's table.
_TABLE_STYLES = {
    "": "border-collapse: collapse;",
    "caption": "caption-side: top; text-align: left; color: #555555;",
    "th": "text-align: left; vertical-align: bottom; padding: 2px 8px; white-space: nowrap;",
    "thead th": "position: sticky; top: 0; background: var(--jp-layout-color0, #fff); z-index: 1;",
    "td": "padding: 2px 8px; white-space: nowrap; font-variant-numeric: tabular-nums;",
    "th.num": "text-align: right;",
    "td.num": "text-align: right;",
    **{f"tr.{kind} td": css for kind, css in _ROW_CSS.items()},
}
_TABLE_CSS = (
    "<style>"
    + "".join(
        f".cp-table-scroll .{TABLE_CLASS} {selector}".rstrip() + f" {{ {css} }}"
        for selector, css in _TABLE_STYLES.items()
    )
    + "</style>"
)

CUSTOM = "custom"
PAST_N = "past N days"
_ALL = "all"
_NO_EMAIL = ""
_WIDE = {"description_width": "initial"}
#: The public widgets of a Dashboard; each gets the CSS class ``cp-<name>``.
_CONTROL_NAMES = (
    "time_frame",
    "past_days",
    "date_from",
    "date_to",
    "tz",
    "basis",
    "columns",
    "group_by",
    "sort_by",
    "sort_ascending",
    "chart_kind",
    "exclude_bots",
    "programs",
    "programs_search",
    "campaigns",
    "campaigns_search",
    "campaign_status",
    "emails",
    "emails_search",
    "figure",
    "table",
    "status",
    "email_picker",
    "preview",
    "download",
    "export_html",
    "export_path",
)


def _name(name: Any, key: Any) -> str:
    """A display name, or the id when the name is missing."""
    return str(key) if name is None or pd.isna(name) or str(name) == "" else str(name)


def _choice_label(value: str) -> str:
    return value[:1].upper() + value[1:]


def _options_for(values: Sequence[str]) -> list[tuple[str, str]]:
    return [(_choice_label(v), v) for v in values]


class _BoxWidth(anywidget.AnyWidget):
    """The width of the dashboard in the page, in pixels (None until it is shown).

    plotly's FigureWidget does not follow its box in JupyterLab: it is drawn at plotly's
    default 700 px and a new height pins its width. This invisible widget measures the
    dashboard (and follows its resizes) so that the figure can be given that width.
    """

    _esm = """
    function render({ model, el }) {
      const measure = (box) => {
        const width = Math.floor(box.clientWidth);
        if (width > 0 && width !== model.get("width")) {
          model.set("width", width);
          model.save_changes();
        }
      };
      let observer = null;
      const attach = () => {
        const box = el.closest(".cp-dashboard");
        if (!box) { requestAnimationFrame(attach); return; }
        observer = new ResizeObserver(() => measure(box));
        observer.observe(box);
        measure(box);
      };
      attach();
      return () => observer && observer.disconnect();
    }
    export default { render };
    """
    width = traitlets.Int(None, allow_none=True).tag(sync=True)


class Dashboard:
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
    export_path : str, default "campaign_email_performance.html"
        Where "Export HTML" writes.
    preview_remote_images : bool, default False
        Let the email previewer load the emails' remote images (tracking pixels among
        them); otherwise it loads nothing remote.

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
    ``columns``, ``group_by``, ``sort_by``, ``sort_ascending``, ``programs``, ``campaigns``,
    ``campaign_status``, ``emails`` (with ``programs_search``, ``campaigns_search``,
    ``emails_search``), ``exclude_bots``, ``chart_kind``, ``email_picker``; the views are
    ``figure``, ``table``, ``status``, ``preview``, ``download`` and ``export_html``. Each
    has a CSS class ``cp-<name>`` (``cp-time-frame``, ...) to find it in the page.

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
        export_path: str = "campaign_email_performance.html",
        preview_remote_images: bool = False,
    ) -> None:
        if not isinstance(report, ReportCore):
            raise TypeError(f"Dashboard needs a Report, not {type(report).__name__}")
        self._base = report
        self.report = report
        self.error: str | None = None
        self._chart_options = dict(chart_options or {})
        self._table_height = table_height
        self._preview_height = preview_height
        self._preview_remote_images = preview_remote_images
        self._syncing = False
        self._table_frame = pd.DataFrame()
        self._table_of: ReportCore | None = None  # the report of _table_frame
        self._empty = False
        self._total: tuple[ReportCore, pd.Series] | None = None  # (report, its total())
        self._has_template = False  # whether the figure has the charts' template
        self._build_controls(report, chart_kind, export_path)
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

    # -- controls ---------------------------------------------------------------------
    def _build_controls(self, rep: ReportCore, chart_kind: str, export_path: str) -> None:
        log = rep.log
        # Time frame: presets, past N days, custom dates, zone, basis.
        choices = preset_choices()
        tf: TimeFrame = rep.time_frame  # type: ignore[assignment]
        current = str(tf)
        past_days = 30
        if tf.preset is None:
            current = CUSTOM
        elif tf.preset == "past days" and current not in choices:
            current, past_days = PAST_N, int(tf.days or 30)
        options = [*choices, PAST_N, CUSTOM]
        self.time_frame = w.Dropdown(
            options=_options_for(options), value=current, description="Time frame", style=_WIDE
        )
        self.past_days = w.BoundedIntText(
            value=past_days, min=1, max=36500, description="N days", style=_WIDE
        )
        self.past_days.layout = w.Layout(width="130px")
        self.date_from = w.DatePicker(description="From", style=_WIDE)
        self.date_to = w.DatePicker(description="To", style=_WIDE)
        zones = sorted(zoneinfo.available_timezones() | {"UTC", str(rep.tz)})
        self.tz = w.Combobox(
            value=str(rep.tz),
            options=zones,
            ensure_option=True,
            description="Zone",
            placeholder="IANA zone, e.g. Europe/Stockholm",
            style=_WIDE,
        )
        self.basis = w.ToggleButtons(
            options=[("Sent date", "sent"), ("Date of activity", "activity")],
            value=rep.basis,
            tooltips=[
                "Records first sent in the frame, with all their events (Marketo's Sent Date)",
                "Only the events inside the frame (Marketo's Date of Activity)",
            ],
        )
        self.basis.style.button_width = "120px"
        # Columns: every metric by its label, in the chosen order.
        self._column_ids: dict[str, str] = {}
        self.columns = w.TagsInput(allow_duplicates=False, placeholder="add a column…")
        self._refresh_metric_choices()
        self.columns.value = [self._column_label(c) for c in rep.columns]  # type: ignore[union-attr]
        # Group by, sorting, chart kind, bots.
        self.group_by = w.Dropdown(
            options=self._group_options(rep),
            value=",".join(rep.group_by),  # type: ignore[arg-type]
            description="Group by",
            style=_WIDE,
        )
        self.sort_by = w.Dropdown(description="Sort by", style=_WIDE)
        self.sort_ascending = w.ToggleButton(
            value=False, description="Ascending", icon="sort-amount-asc", tooltip="Sort order"
        )
        self.sort_ascending.layout = w.Layout(width="120px")
        kinds = list(CHART_KINDS)
        self.chart_kind = w.Dropdown(
            options=[(k.replace("_", " ").capitalize(), k) for k in kinds],
            value=chart_kind if chart_kind in kinds else kinds[0],
            description="Chart",
            style=_WIDE,
        )
        self.exclude_bots = w.Checkbox(
            value=bool(rep.exclude_bots), description="Exclude bot activity", indent=False
        )
        # Filters (Marketo's Smart List): searchable multi-selects.
        camps = log.dims.campaigns
        programs = sorted(camps["program"].dropna().astype(str).unique())
        self._filter_options: dict[str, list[tuple[str, str]]] = {
            "programs": [(p, p) for p in programs],
            "campaigns": [
                (
                    _name(r.campaign_name, r.campaign_id)
                    + (" (archived)" if str(r.status) == "archived" else ""),
                    str(r.campaign_id),
                )
                for r in camps.sort_values("campaign_name").itertuples()
            ],
            "emails": [
                (_name(r.email_name, r.email_id), str(r.email_id))
                for r in log.dims.emails.sort_values("email_name").itertuples()
            ],
        }
        f = rep.filters
        self.programs, self.programs_search = self._multi_select("programs", f.programs)
        self.campaigns, self.campaigns_search = self._multi_select("campaigns", f.campaigns)
        self.emails, self.emails_search = self._multi_select("emails", f.emails)
        status = f.campaign_status[0] if len(f.campaign_status) == 1 else _ALL
        self.campaign_status = w.ToggleButtons(
            options=[("All", _ALL), ("Active", "active"), ("Archived", "archived")],
            value=status,
        )
        self.campaign_status.style.button_width = "80px"
        # Views.
        self.figure = go.FigureWidget()
        self._box_width = _BoxWidth(layout=w.Layout(display="none"))
        self.table = w.HTML()
        self.status = w.HTML()
        self.email_picker = w.Dropdown(
            options=[("— choose an email —", _NO_EMAIL)],
            value=_NO_EMAIL,
            description="Preview email",
            style=_WIDE,
        )
        self.email_picker.layout = w.Layout(width="520px")
        self.preview = w.HTML()
        self.download = w.HTML()
        self.export_html = w.Button(description="Export HTML", icon="file-code-o")
        self.export_path = w.Text(value=export_path, description="to", style=_WIDE)
        for name in _CONTROL_NAMES:
            getattr(self, name).add_class("cp-" + name.replace("_", "-"))
        self._show_past_days()

    def _multi_select(self, name: str, chosen: Sequence[str]) -> tuple[w.SelectMultiple, w.Text]:
        options = self._filter_options[name]
        by_label = {label: value for label, value in options}
        values = {v for _, v in options}
        value = tuple(dict.fromkeys(c if c in values else by_label.get(c, "") for c in chosen))
        select = w.SelectMultiple(options=options, value=tuple(v for v in value if v), rows=6)
        select.layout = w.Layout(width="100%")
        search = w.Text(placeholder=f"search {name}…", continuous_update=True)
        search.layout = w.Layout(width="100%")
        return select, search

    def _group_options(self, rep: ReportCore) -> list[tuple[str, str]]:
        options = [(label, g) for g, label in GROUP_CHOICES.items() if g in GROUPS]
        options += [(f"Lead: {a}", a) for a in rep.log.dims.lead_attributes]
        current = ",".join(rep.group_by)  # type: ignore[arg-type]
        if current not in {v for _, v in options}:
            label = " + ".join(dict(options).get(g, g) for g in rep.group_by)  # type: ignore[union-attr]
            options.append((label, current))
        return options

    def _column_label(self, metric_id: str) -> str:
        return next(label for label, i in self._column_ids.items() if i == metric_id)

    def _refresh_metric_choices(self) -> None:
        """Offer every metric (custom metrics too) by its label, unique per metric."""
        seen: dict[str, int] = {}
        for m in METRICS.values():
            seen[m.label] = seen.get(m.label, 0) + 1
        self._column_ids = {
            (m.label if seen[m.label] == 1 else f"{m.label} ({m.id})"): m.id
            for m in METRICS.values()
        }
        self.columns.allowed_tags = list(self._column_ids)

    def _layout(self) -> w.VBox:
        def box(title: str, *children: w.Widget) -> w.VBox:
            return w.VBox([w.HTML(f"<b>{html.escape(title)}</b>"), *children])

        frame_row = w.HBox(
            [self.time_frame, self.past_days, self.date_from, self.date_to],
            layout=w.Layout(flex_flow="row wrap", align_items="center"),
        )
        zone_row = w.HBox(
            [self.tz, self.basis, self.exclude_bots],
            layout=w.Layout(flex_flow="row wrap", align_items="center", grid_gap="12px"),
        )
        view_row = w.HBox(
            [self.group_by, self.sort_by, self.sort_ascending, self.chart_kind],
            layout=w.Layout(flex_flow="row wrap", align_items="center", grid_gap="8px"),
        )
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
        actions = w.HBox(
            [self.download, self.export_html, self.export_path],
            layout=w.Layout(align_items="center", grid_gap="12px"),
        )
        root = w.VBox(
            [
                w.HTML("<h3 style='margin:4px 0'>Campaign Email Performance</h3>"),
                frame_row,
                zone_row,
                box("Columns (drag to reorder)", self.columns),
                view_row,
                filters,
                self.status,
                self.figure,
                self._box_width,
                self.table,
                actions,
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
            self.programs,
            self.campaigns,
            self.campaign_status,
            self.emails,
        ):
            control.observe(self._on_setting, "value")
        for picker in (self.date_from, self.date_to):
            picker.observe(self._on_dates, "value")
        for control in (self.sort_by, self.sort_ascending):
            control.observe(self._on_sort, "value")
        self.chart_kind.observe(self._on_chart, "value")
        for name in ("programs", "campaigns", "emails"):
            getattr(self, f"{name}_search").observe(self._searcher(name), "value")
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
            self._guarded(self._draw_table, self.report, self._table_frame, self._empty)

    def _on_chart(self, change: Mapping[str, Any]) -> None:
        if not self._syncing:
            self._guarded(self._draw_figure, self.report)

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

    def _searcher(self, name: str) -> Callable[[Mapping[str, Any]], None]:
        def search(change: Mapping[str, Any]) -> None:
            select: w.SelectMultiple = getattr(self, name)
            query = str(change["new"]).strip().casefold()
            chosen = tuple(select.value)
            options = [
                (label, value)
                for label, value in self._filter_options[name]
                if not query
                or query in label.casefold()
                or query in value.casefold()
                or value in chosen
            ]
            with self._sync():  # new options must not drop the chosen values
                select.options = options
                select.value = chosen

        return search

    @contextmanager
    def _sync(self) -> Iterator[None]:
        """A context in which setting control values does not trigger updates."""
        outer, self._syncing = self._syncing, True
        try:
            yield
        finally:
            self._syncing = outer

    def _show_past_days(self) -> None:
        self.past_days.layout.display = None if self.time_frame.value == PAST_N else "none"

    # -- building the report ----------------------------------------------------------
    def _chosen_time_frame(self) -> TimeFrame | str | tuple[Any, Any]:
        value = self.time_frame.value
        if value == CUSTOM:
            first, last = self.date_from.value, self.date_to.value
            if first is not None and last is not None and first > last:
                raise TimeFrameError(
                    f"the custom time frame starts ({first}) after it ends ({last})"
                )
            return (first, last)
        if value == PAST_N:
            return f"past {int(self.past_days.value)} days"
        return str(value)

    def report_from_controls(self) -> ReportCore:
        """The report the controls describe (built from the starting report).

        Returns
        -------
        Report

        Raises
        ------
        CampaignPerfError
            A setting is not valid (e.g. a custom frame that ends before it starts).
        """
        base = self._base
        tz = str(self.tz.value).strip()
        check_tz(tz)
        columns = [self._column_ids[label] for label in self.columns.value]
        if not columns:
            raise CampaignPerfError("choose at least one column")
        bots = bool(self.exclude_bots.value)
        status = () if self.campaign_status.value == _ALL else (self.campaign_status.value,)
        return (
            base.with_time_frame(self._chosen_time_frame())
            .with_tz(tz)
            .with_basis(self.basis.value)
            .with_columns(columns)
            .with_bots(bots, base.proximity_seconds if bots else None)
            .by(*str(self.group_by.value).split(","))
            .where(
                programs=tuple(self.programs.value),
                campaigns=tuple(self.campaigns.value),
                emails=tuple(self.emails.value),
                campaign_status=status,
            )
        )

    def update(self) -> None:
        """Rebuild the report from the controls and redraw the chart, table and status.

        A setting that cannot be applied keeps the last view and shows the reason in the
        status line (and in :attr:`error`).
        """
        if set(METRICS) != set(self._column_ids.values()):
            self._refresh_metric_choices()  # a metric was registered or removed
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
        self._refresh_metric_choices()
        self.update()

    # -- rendering --------------------------------------------------------------------
    def _render(self, rep: ReportCore) -> None:
        table = rep.table()
        sent = _records_sent(rep, table)
        self._table_frame, self._table_of = table, rep
        self._empty = empty = table.empty or (rep.basis == "sent" and sent == 0)
        self._sync_dates(rep)
        self._sync_sort_options(rep, table)
        self._draw_figure(rep)
        self._draw_table(rep, table, empty)
        self._sync_email_picker(table)
        self._draw_download(rep, table)
        self._set_status(sent=sent)

    def _sync_dates(self, rep: ReportCore) -> None:
        frame = rep.frame
        with self._sync():
            self.date_from.value = frame.first
            self.date_to.value = frame.last

    def _sync_sort_options(self, rep: ReportCore, table: pd.DataFrame) -> None:
        options = [("Report order", "")]
        keys = [c for c in table.columns if c not in rep.columns]  # type: ignore[operator]
        shown = [k for k in keys if not k.endswith("_id")] or keys
        options += [(GROUP_LABELS.get(k, k), k) for k in shown]
        options += [(m.label, m.id) for m in rep.metrics]
        if list(self.sort_by.options) == options:
            return
        value = self.sort_by.value if self.sort_by.value in dict(options).values() else ""
        with self._sync():
            self.sort_by.options = options
            self.sort_by.value = value

    def _draw_figure(self, rep: ReportCore) -> None:
        # An empty report gives a figure that says so (see campaign_perf.charts).
        # The chart takes the report's table and total from the view (not computing them
        # again). Every chart has the same template: once the FigureWidget has it, the
        # charts are drawn without it (plotly would validate it again in each, for nothing).
        known = (
            _known(rep, self._table_frame, self._totals(rep))
            if self._table_of is rep
            else nullcontext()
        )
        with known, _without_template() if self._has_template else nullcontext():
            fig = chart(rep, self.chart_kind.value, **self._chart_options)
        if self._box_width.width and fig.layout.width is None:
            fig.layout.width = self._box_width.width
        _apply_figure(self.figure, fig, template=not self._has_template)
        self._has_template = True

    def _on_box_width(self, change: Mapping[str, Any]) -> None:
        if change["new"]:
            self.figure.layout.width = change["new"]

    def _draw_table(self, rep: ReportCore, table: pd.DataFrame, empty: bool) -> None:
        if empty:
            self.table.value = (
                f"<div class='cp-empty' style='padding:12px;color:#6b7280'><i>{EMPTY_MESSAGE}"
                "</i></div>"
            )
            return
        sort = self.sort_by.value
        # A sorted table is flat: campaign subtotals would be out of place.
        rows = _rows(rep, table, subtotals=not sort, total=True, totals=self._totals(rep))
        if sort:
            rows = sort_rows(rows, sort, self.sort_ascending.value)
        self.table.value = (
            f"{_TABLE_CSS}<div class='cp-table-scroll' style='max-height:{self._table_height};"
            f"overflow:auto'>{to_html(rep, rows=rows)}</div>"
        )

    def _totals(self, rep: ReportCore) -> pd.Series:
        """``rep.total()``, computed once per report (sorting the table again reuses it)."""
        if self._total is None or self._total[0] is not rep:
            self._total = (rep, rep.total())
        return self._total[1]

    def _sync_email_picker(self, table: pd.DataFrame) -> None:
        if "email_id" in table.columns:
            rows = table[["email_id", "email_name"]].drop_duplicates("email_id")
        else:
            rows = self._base.log.dims.emails[["email_id", "email_name"]]
        options = [("— choose an email —", _NO_EMAIL)] + [
            (_name(n, i), str(i)) for i, n in zip(rows["email_id"], rows["email_name"], strict=True)
        ]
        current = self.email_picker.value
        if current and current not in {v for _, v in options}:
            options.append((dict(self.email_picker.options).get(current, current), current))
        if list(self.email_picker.options) == options:
            return
        with self._sync():
            self.email_picker.options = options
            self.email_picker.value = current

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
            self.preview.value = f"<p style='color:#b91c1c'>{html.escape(str(exc))}</p>"

    def _draw_download(self, rep: ReportCore, table: pd.DataFrame) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = write_report(rep, Path(tmp) / "report.csv", table=table)
            data = base64.b64encode(path.read_bytes()).decode("ascii")
        name = _file_name(rep)
        self.download.value = (
            f'<a class="cp-download-link" download="{html.escape(name, quote=True)}" '
            f'href="data:text/csv;base64,{data}" style="padding:4px 10px;border:1px solid '
            '#9ca3af;border-radius:3px;text-decoration:none">⬇ Download CSV</a>'
        )

    def _set_status(
        self,
        *,
        sent: int | None = None,
        error: str | None = None,
        note: str | None = None,
    ) -> None:
        rep = self.report
        if sent is None:
            try:
                sent = _records_sent(rep, self._table_frame)
            except CampaignPerfError:
                sent = None
        log = rep.log
        parts = [
            "<b>–</b> records sent" if sent is None else f"<b>{sent:,}</b> records sent",
            f"{len(log):,} events loaded",
            f"{len(log.rejected):,} rejected rows (log.rejected)",
            f"as of {rep.as_of:%Y-%m-%d %H:%M} UTC",
            html.escape(f"{rep.time_frame} ({rep.frame}) · {rep.tz}"),
            "by sent date" if rep.basis == "sent" else "by date of activity",
        ]
        if rep.exclude_bots:
            parts.append("bots excluded")
        line = " · ".join(parts)
        if error:
            line += (
                f"<br><span class='cp-error' style='color:#b91c1c'>⚠ {html.escape(error)}</span>"
            )
        if note:
            line += f"<br><span class='cp-note'>{html.escape(note)}</span>"
        self.status.value = f"<div style='font-size:90%;color:#374151'>{line}</div>"


def _records_sent(rep: ReportCore, table: pd.DataFrame) -> int:
    """The report's records (its sent count): the sum of the table's "sent" column when it
    has one (each record is in exactly one row), else the report's total."""
    if "sent" in table.columns:
        return int(table["sent"].sum())
    return int(rep.total()["sent"])


def _file_name(rep: ReportCore) -> str:
    frame = str(rep.frame).replace(" – ", "_to_").replace(" ", "_")
    return f"campaign_email_performance_{frame}.csv"


def _apply_figure(target: go.FigureWidget, new: go.Figure, *, template: bool = True) -> None:
    """Make ``target`` show ``new`` without re-creating the widget.

    When the traces keep their number and types, each trace and the layout are updated in
    one ``batch_update`` (one message to the browser); otherwise the traces are replaced.
    With ``template=False`` the target keeps its template (``new`` was drawn without one).
    """
    same = len(target.data) == len(new.data) and all(
        a.type == b.type for a, b in zip(target.data, new.data, strict=True)
    )
    layout = new.layout.to_plotly_json()
    if not template or target.layout.template == new.layout.template:
        layout.pop("template", None)  # validating a template again costs tens of ms
    with target.batch_update():
        if same:
            for old, fresh in zip(target.data, new.data, strict=True):
                props = fresh.to_plotly_json()
                props.pop("uid", None)
                for key in set(old.to_plotly_json()) - set(props) - {"type", "uid"}:
                    old[key] = None
                old.update(props, overwrite=True)
        else:
            target.data = ()
            target.add_traces(list(new.data))
        for key in set(target.layout.to_plotly_json()) - set(layout) - {"template"}:
            target.layout[key] = None
        target.update_layout(layout, overwrite=True)


def dashboard(rep: ReportCore, **options: Any) -> Dashboard:
    """The notebook dashboard of this report: time frame, columns, grouping, filters,
    a chart updated in place, the table and the email previewer (see :class:`Dashboard`)."""
    return Dashboard(rep, **options)
