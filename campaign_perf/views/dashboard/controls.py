"""The dashboard's controls, built from the report's meanings and read back into a report.

Every choice comes from the one place that defines it: the time-frame presets from
:func:`campaign_perf.timeframes.preset_choices`, the sort modes from
:data:`campaign_perf.report.rows.SORT_MODES`, the chart kinds from
:data:`campaign_perf.views.charts.CHART_KINDS`, and the rest through :mod:`.choices`.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import ipywidgets as w
import pandas as pd

from campaign_perf.errors import CampaignPerfError, TimeFrameError
from campaign_perf.metrics import METRICS
from campaign_perf.report.core import ReportCore
from campaign_perf.report.rows import SORT_MODES
from campaign_perf.timeframes import TimeFrame, check_tz, preset_choices
from campaign_perf.views.charts import CHART_KINDS
from campaign_perf.views.dashboard.choices import (
    NO_EMAIL,
    NO_EMAIL_LABEL,
    email_options,
    filter_options,
    group_options,
    metric_choices,
    sort_directions,
    sort_options,
)
from campaign_perf.views.specs import MACHINE_OPENS

__all__ = ["CONTROL_NAMES", "Controls"]

CUSTOM = "custom"
PAST_N = "past N days"
_ALL = "all"
_WIDE = {"description_width": "initial"}

#: The controls of a dashboard, by attribute name; each gets the CSS class ``cp-<name>``.
CONTROL_NAMES = (
    "time_frame",
    "past_days",
    "date_from",
    "date_to",
    "tz",
    "basis",
    "columns",
    "group_by",
    "sort_by",
    "sort_mode",
    "sort_ascending",
    "chart_kind",
    "exclude_bots",
    "exclude_machine_opens",
    "programs",
    "programs_search",
    "campaigns",
    "campaigns_search",
    "campaign_status",
    "emails",
    "emails_search",
    "email_picker",
    "export_html",
    "export_path",
)


def _capitalized(value: str) -> str:
    return value[:1].upper() + value[1:]


def _multi_select(
    options: list[tuple[str, str]], chosen: Sequence[str], name: str
) -> tuple[w.SelectMultiple, w.Text]:
    """A multi-select of ``options`` with ``chosen`` (values or labels) selected, and its
    search box."""
    by_label = {label: value for label, value in options}
    values = {v for _, v in options}
    value = tuple(dict.fromkeys(c if c in values else by_label.get(c, "") for c in chosen))
    select = w.SelectMultiple(options=options, value=tuple(v for v in value if v), rows=6)
    select.layout = w.Layout(width="100%")
    search = w.Text(placeholder=f"search {name}…", continuous_update=True)
    search.layout = w.Layout(width="100%")
    return select, search


class Controls:
    """The controls of the dashboard, set from a report (see :class:`Dashboard`).

    Parameters
    ----------
    report : Report
        The report whose settings the controls start from; its other settings (as-of,
        today, week start, proximity, lead filters) are kept by :meth:`report_from_controls`.
    chart_kind : str
        The chart chosen first.
    export_path : str
        Where "Export HTML" writes.
    """

    def __init__(self, report: ReportCore, chart_kind: str, export_path: str) -> None:
        self._base = report
        self._syncing = False
        self._build_time_frame(report)
        self._build_view_choices(report, chart_kind)
        self._build_filters(report)
        self.email_picker = w.Dropdown(
            options=[(NO_EMAIL_LABEL, NO_EMAIL)],
            value=NO_EMAIL,
            description="Preview email",
            style=_WIDE,
        )
        self.email_picker.layout = w.Layout(width="520px", max_width="100%")
        self.export_html = w.Button(description="Export HTML", icon="file-code-o")
        self.export_path = w.Text(value=export_path, description="to", style=_WIDE)
        self.export_path.layout = w.Layout(width="auto", min_width="200px", flex="1 1 260px")
        for name in CONTROL_NAMES:
            getattr(self, name).add_class("cp-" + name.replace("_", "-"))
        self._show_past_days()

    # -- building ---------------------------------------------------------------------
    def _build_time_frame(self, rep: ReportCore) -> None:
        """Time frame (presets, past N days, custom dates), zone and basis."""
        choices = preset_choices()
        tf: TimeFrame = rep.time_frame
        current = str(tf)
        past_days = 30
        if tf.preset is None:
            current = CUSTOM
        elif tf.preset == "past days" and current not in choices:
            current, past_days = PAST_N, int(tf.days or 30)
        self.time_frame = w.Dropdown(
            options=[(_capitalized(v), v) for v in [*choices, PAST_N, CUSTOM]],
            value=current,
            description="Time frame",
            style=_WIDE,
        )
        self.past_days = w.BoundedIntText(
            value=past_days, min=1, max=36500, description="N days", style=_WIDE
        )
        self.past_days.layout = w.Layout(width="130px")
        self.date_from = w.DatePicker(description="From", style=_WIDE)
        self.date_to = w.DatePicker(description="To", style=_WIDE)
        for picker in (self.date_from, self.date_to):
            picker.layout = w.Layout(width="200px")
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

    def _build_view_choices(self, rep: ReportCore, chart_kind: str) -> None:
        """Columns, grouping, sorting, chart kind and bots."""
        self._column_ids: dict[str, str] = {}
        self.columns = w.TagsInput(allow_duplicates=False, placeholder="add a column…")
        self.refresh_metric_choices()
        self.columns.value = [self._column_label(c) for c in rep.columns]
        self.group_by = w.Dropdown(
            options=group_options(rep),
            value=",".join(rep.group_by),
            description="Group by",
            style=_WIDE,
        )
        self.sort_by = w.Dropdown(description="Sort by", style=_WIDE)
        # The direction says the order it gives, for the column chosen ("Highest first",
        # "A → Z", see choices.sort_directions); hidden while the report's order is kept.
        self.sort_ascending = w.ToggleButtons(
            options=[("Highest first", False), ("Lowest first", True)], value=False
        )
        self.sort_ascending.style.button_width = "110px"
        self.sort_mode = w.ToggleButtons(
            options=[(label, mode) for mode, label in SORT_MODES.items()],
            value=next(iter(SORT_MODES)),
            tooltips=[
                "Each campaign's emails together, its subtotal last; campaigns in order",
                "Every email in one list, without subtotals",
            ],
        )
        self.sort_mode.style.button_width = "110px"
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
        self.exclude_machine_opens = w.Checkbox(
            value=rep.machine_opens == "exclude",
            description=MACHINE_OPENS["label"],
            indent=False,
        )

    def _build_filters(self, rep: ReportCore) -> None:
        """Marketo's Smart List: searchable multi-selects and the campaign status."""
        self._filter_options = filter_options(rep.log)
        f = rep.filters
        self.programs, self.programs_search = self._filter("programs", f.programs)
        self.campaigns, self.campaigns_search = self._filter("campaigns", f.campaigns)
        self.emails, self.emails_search = self._filter("emails", f.emails)
        status = f.campaign_status[0] if len(f.campaign_status) == 1 else _ALL
        self.campaign_status = w.ToggleButtons(
            options=[("All", _ALL), ("Active", "active"), ("Archived", "archived")],
            value=status,
        )
        self.campaign_status.style.button_width = "80px"

    def _filter(self, name: str, chosen: Sequence[str]) -> tuple[w.SelectMultiple, w.Text]:
        select, search = _multi_select(self._filter_options[name], chosen, name)
        search.observe(self._searcher(name, select), "value")
        return select, search

    def _column_label(self, metric_id: str) -> str:
        return next(label for label, i in self._column_ids.items() if i == metric_id)

    def refresh_metric_choices(self) -> None:
        """Offer every registered metric (custom metrics too) in the column picker."""
        self._column_ids = metric_choices()
        self.columns.allowed_tags = list(self._column_ids)

    def _metrics_changed(self) -> bool:
        """Whether a metric was registered or removed since the picker was filled."""
        return set(METRICS) != set(self._column_ids.values())

    # -- reading ----------------------------------------------------------------------
    def _chosen_time_frame(self) -> TimeFrame:
        value = self.time_frame.value
        if value == CUSTOM:
            first, last = self.date_from.value, self.date_to.value
            if first is not None and last is not None and first > last:
                raise TimeFrameError(
                    f"the custom time frame starts ({first}) after it ends ({last})"
                )
            return TimeFrame.parse((first, last))
        if value == PAST_N:
            return TimeFrame.parse(f"past {int(self.past_days.value)} days")
        return TimeFrame.parse(str(value))

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
            .with_machine_opens("exclude" if self.exclude_machine_opens.value else "count")
            .by(*str(self.group_by.value).split(","))
            .where(
                programs=tuple(self.programs.value),
                campaigns=tuple(self.campaigns.value),
                emails=tuple(self.emails.value),
                campaign_status=status,
            )
        )

    # -- following the report ---------------------------------------------------------
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

    def _searcher(self, name: str, select: w.SelectMultiple) -> Callable[[Mapping[str, Any]], None]:
        def search(change: Mapping[str, Any]) -> None:
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

    def _sync_to(self, rep: ReportCore, table: pd.DataFrame, rows: pd.DataFrame) -> None:
        """Make the dates, sort choices and email list follow the report shown (its table
        and the table's rows)."""
        frame = rep.frame
        with self._sync():
            self.date_from.value = frame.first
            self.date_to.value = frame.last
        # The sort modes differ only where campaigns have subtotals.
        self.sort_mode.disabled = not (rows["kind"] == "subtotal").any()
        self._set_options(self.sort_by, sort_options(rep, rows), keep="")
        self.show_directions(rows)
        current = self.email_picker.value
        options = email_options(table, rep.log)
        if current and current not in {v for _, v in options}:
            options.append((dict(self.email_picker.options).get(current, current), current))
        self._set_options(self.email_picker, options, keep=current)

    def show_directions(self, rows: pd.DataFrame, *, first: bool = False) -> None:
        """Label the sort direction for the column chosen in ``rows`` (hidden without one);
        with ``first``, take the direction a first sort by that column takes."""
        directions = sort_directions(rows, self.sort_by.value)
        self.sort_ascending.layout.display = None if directions else "none"
        if not directions or (list(self.sort_ascending.options) == directions and not first):
            return
        value = directions[0][1] if first else self.sort_ascending.value
        with self._sync():
            self.sort_ascending.options = directions
            self.sort_ascending.value = value

    def _set_options(self, control: w.Dropdown, options: list[tuple[str, str]], keep: str) -> None:
        """New options for a dropdown, keeping its value when it is among them."""
        if list(control.options) == options:
            return
        value = control.value if control.value in {v for _, v in options} else keep
        with self._sync():
            control.options = options
            control.value = value
