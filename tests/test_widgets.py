"""The notebook dashboard and the email previewer, without a browser.

Each test sets control values as a person would (the widgets' ``value``) and checks what
the person would see: the figure's data, the table, the status line and the previewer.
Expected numbers come from a :class:`Report` built directly with the same settings.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import ipywidgets
import markupsafe
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from pandas.io.formats.style import Styler

import campaign_perf as cp
from campaign_perf import Report
from campaign_perf.errors import ReportError
from campaign_perf.metrics import METRICS, format_value, metric, registry_snapshot
from campaign_perf.report.groups import GROUP_CHOICES, GROUP_LABELS
from campaign_perf.report.rows import table_rows
from campaign_perf.views import tables
from campaign_perf.views.charts import chart
from campaign_perf.views.dashboard import EMPTY_MESSAGE, Dashboard
from campaign_perf.views.kpi_strip import kpi_strip, strip_items
from campaign_perf.views.performers_panel import performers_panel
from campaign_perf.views.preview import email_preview, find_email, preview_html

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"


@pytest.fixture(scope="module")
def log() -> cp.EventLog:
    return cp.load_events(
        SAMPLE / "events.parquet",
        campaigns=SAMPLE / "campaigns.csv",
        emails=SAMPLE / "emails.parquet",
        leads=SAMPLE / "leads.parquet",
    )


@pytest.fixture
def rep(log: cp.EventLog) -> Report:
    return Report(log, time_frame="past 30 days", today="as_of", tz="America/New_York")


@pytest.fixture
def dash(rep: Report) -> Dashboard:
    return Dashboard(rep)


def _records(d: Dashboard) -> int:
    """The "N records sent" number of the status line."""
    match = re.search(r"<b>([\d,]+)</b> records sent", d.status.value)
    assert match, d.status.value
    return int(match.group(1).replace(",", ""))


def _settings(d: Dashboard) -> str:
    """The title of the settings bar: the settings chosen, in words."""
    return str(d.settings.titles[0])


def _title(d: Dashboard) -> str:
    return str(d.figure.layout.title.text)


class _Cells(HTMLParser):
    """The text of each row of an HTML table (header row first), and each row's class."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.classes: list[str | None] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
            self.classes.append(dict(attrs).get("class"))
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _shown_table(d: Dashboard) -> pd.DataFrame:
    """The dashboard's table as shown: the header labels and the cells' text."""
    parser = _Cells()
    parser.feed(d.table.value)
    header, *rows = parser.rows
    return pd.DataFrame(rows, columns=header)


def _cells(html_text: str) -> list[list[str]]:
    """The cells' text of an HTML table, row by row (header row first)."""
    parser = _Cells()
    parser.feed(html_text)
    return parser.rows


def _row_kinds(d: Dashboard) -> list[str | None]:
    """The class of each row of the dashboard's table after the header: its kind."""
    parser = _Cells()
    parser.feed(d.table.value)
    return parser.classes[1:]


def _body_rows(d: Dashboard) -> list[list[str]]:
    """The table's rows as text, as shown (the total row last)."""
    return _shown_table(d).values.tolist()


def _numbers(column: pd.Series) -> list[int]:
    return [int(v.replace(",", "")) for v in column]


def _same_traces(d: Dashboard, expected: go.Figure) -> None:
    assert len(d.figure.data) == len(expected.data)
    for shown, want in zip(d.figure.data, expected.data, strict=True):
        assert shown.type == want.type
        for axis in ("x", "y", "z"):
            a, b = getattr(shown, axis, None), getattr(want, axis, None)
            assert (a is None) == (b is None)
            if a is not None:
                np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


# -- starting state -----------------------------------------------------------------------
def test_controls_start_from_the_report(dash: Dashboard, rep: Report) -> None:
    assert dash.time_frame.value == "past 30 days"
    assert (dash.date_from.value, dash.date_to.value) == (rep.frame.first, rep.frame.last)
    assert dash.tz.value == "America/New_York"
    assert dash.basis.value == "sent"
    assert [dash._column_ids[label] for label in dash.columns.value] == list(rep.columns)
    assert dash.columns.value[0] == METRICS[rep.columns[0]].label
    assert dash.group_by.value == "campaign_email"
    assert not dash.exclude_bots.value
    assert dash.report.table().equals(rep.table())
    assert _records(dash) == rep.total()["sent"]
    _same_traces(dash, chart(rep))
    assert "past 30 days" in _title(dash)


def test_time_frame_choices_cover_every_preset(dash: Dashboard) -> None:
    values = [v for _, v in dash.time_frame.options]
    for preset in ("today", "yesterday", "this week", "last week", "this month", "last month"):
        assert preset in values
    for preset in ("this quarter", "last quarter", "this year", "last year", "all time"):
        assert preset in values
    assert {"past 7 days", "past N days", "custom"} <= set(values)


def test_dashboard_displays_as_one_widget(dash: Dashboard) -> None:
    bundle = dash._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == dash.widget.model_id
    assert isinstance(dash.widget, ipywidgets.VBox)
    assert "cp-dashboard" in dash.widget._dom_classes
    assert "cp-time-frame" in dash.time_frame._dom_classes
    assert "cp-figure" in dash.figure._dom_classes


# -- time frame ---------------------------------------------------------------------------
def test_new_time_frame_updates_chart_table_and_status(dash: Dashboard, rep: Report) -> None:
    figure, first_trace = dash.figure, dash.figure.data[0]
    dash.time_frame.value = "last month"
    want = rep.with_time_frame("last month")
    assert dash.report.frame == want.frame
    assert (dash.date_from.value, dash.date_to.value) == (want.frame.first, want.frame.last)
    assert _records(dash) == want.total()["sent"] != rep.total()["sent"]
    assert "last month" in _title(dash)
    _same_traces(dash, chart(want))
    # Updated in place: the same FigureWidget, and the same trace objects restyled.
    assert dash.figure is figure
    assert dash.figure.data[0] is first_trace
    total_row = _body_rows(dash)[-1]
    assert total_row[0] == "Total"
    assert format_value(want.total()["sent"], "int") in total_row


def test_past_n_days(dash: Dashboard, rep: Report) -> None:
    dash.time_frame.value = "past N days"
    assert dash.past_days.layout.display is None  # shown only for this choice
    dash.past_days.value = 12
    assert dash.report.frame == rep.with_time_frame("past 12 days").frame
    assert dash.report.frame.n_days() == 12
    dash.time_frame.value = "last week"
    assert dash.past_days.layout.display == "none"


def test_custom_dates_switch_to_a_custom_frame(dash: Dashboard, rep: Report) -> None:
    first, last = dt.date(2026, 9, 1), dt.date(2026, 9, 15)
    dash.date_from.value = first
    assert dash.time_frame.value == "custom"
    dash.date_to.value = last
    want = rep.with_time_frame((first, last))
    assert dash.report.frame == want.frame
    assert _records(dash) == want.total()["sent"]
    assert "2026-09-01" in _title(dash)


def test_a_frame_that_ends_before_it_starts_is_refused(dash: Dashboard, rep: Report) -> None:
    dash.date_from.value = dt.date(2026, 9, 20)  # the "to" date stays the frame's last day
    kept = rep.with_time_frame((dt.date(2026, 9, 20), rep.frame.last))
    assert dash.report.frame == kept.frame
    dash.date_to.value = dt.date(2026, 9, 10)
    assert dash.error and "after it ends" in dash.error
    assert "after it ends" in dash.status.value
    assert dash.report.frame == kept.frame  # the last valid report stays
    dash.date_to.value = dt.date(2026, 9, 30)
    assert dash.error is None
    assert "after it ends" not in dash.status.value


def test_zone_and_basis(dash: Dashboard, rep: Report) -> None:
    dash.tz.value = "Asia/Tokyo"
    assert dash.report.tz == "Asia/Tokyo"
    dash.basis.value = "activity"
    want = rep.with_tz("Asia/Tokyo").with_basis("activity")
    assert dash.report.basis == "activity"
    assert dash.report.table().equals(want.table())
    assert _settings(dash) == (
        "Settings: Past 30 days (2026-10-02 – 2026-10-31) · Asia/Tokyo · by date of activity"
        " · grouped by Campaign × Email · no filters"
    )


def test_unknown_zone_is_reported_not_raised(dash: Dashboard) -> None:
    dash.tz.value = "Mars/Olympus_Mons"
    assert dash.error and "Mars/Olympus_Mons" in dash.error
    assert dash.report.tz == "America/New_York"


# -- columns, grouping, sorting ----------------------------------------------------------------
def test_columns_keep_the_chosen_order(dash: Dashboard) -> None:
    chosen = ["clicked_pct", "sent", "opened_pct"]
    dash.columns.value = [METRICS[c].label for c in chosen]
    assert dash.report.columns == tuple(chosen)
    header = list(_shown_table(dash).columns)
    labels = [METRICS[c].label for c in chosen]
    assert [h for h in header if h in labels] == labels
    assert [t.name for t in dash.figure.data] == ["Clicked %", "Opened %"]


def test_no_column_is_refused(dash: Dashboard) -> None:
    dash.columns.value = []
    assert dash.error and "column" in dash.error


def test_custom_metrics_appear_in_the_column_picker(rep: Report) -> None:
    with registry_snapshot():
        metric("engaged_pct", "(clicked + unsubscribed) / delivered", fmt="pct")
        d = Dashboard(rep)
        assert "Engaged %" in d.columns.allowed_tags
        d.columns.value = ["Sent", "Engaged %"]
        assert d.report.columns == ("sent", "engaged_pct")
        total = d.report.total()
        assert "Engaged %" in d.table.value
        assert format_value(total["engaged_pct"], "pct") in _body_rows(d)[-1]


@pytest.mark.parametrize("group", ["program", "campaign", "email", "week", "country"])
def test_group_by(dash: Dashboard, rep: Report, group: str) -> None:
    dash.group_by.value = group
    want = rep.by(group).table()
    assert dash.report.table().equals(want)
    rows = _body_rows(dash)
    assert len(rows) == len(want) + 1  # and the total row
    first_key = next(k for k in want.columns if k not in rep.columns and not k.endswith("_id"))
    shown = {r[0] for r in rows}
    assert {str(v) for v in want[first_key]} <= shown


def test_group_choices_offer_the_categorical_lead_attributes(dash: Dashboard) -> None:
    # The built-in groupings as report/groups.py names them, then the lead attributes
    # whose values are categories. The sample's leads also have "email" (an address per
    # person, and the name of the built-in Email grouping) and "created_at" (a timestamp,
    # 19,999 values): neither is offered. Their "country" is the lead attribute (the report
    # reads it so), not the country where emails were read.
    builtin = [(label, name) for name, label in GROUP_CHOICES.items() if name != "country"]
    assert list(dash.group_by.options) == [
        *builtin,
        ("Lead: country", "country"),
        ("Lead: segment", "segment"),
        ("Lead: industry", "industry"),
        ("Lead: email_domain", "email_domain"),
    ]
    labels = dict(dash.group_by.options)
    assert labels["Email"] == "email"  # "Email" is the email asset, the only one so named
    dash.group_by.value = "email"
    assert list(dash.report.table().columns[:2]) == ["email_id", "email_name"]


def test_group_choices_leave_out_dates_measures_and_built_in_names() -> None:
    leads = pd.DataFrame(
        {
            "lead_id": [f"L{i}" for i in range(1, 61)],
            "tier": [i % 3 for i in range(60)],  # whole numbers, 3 values
            "score": [i / 7 for i in range(60)],  # decimals
            "signup_day": [f"2026-01-{1 + i % 9:02d}" for i in range(60)],  # dates as text
            "signed_up": pd.to_datetime([f"2026-01-{1 + i % 5:02d}" for i in range(60)]),
            "zip": [f"{10000 + i}" for i in range(60)],  # 60 values
            "campaign": ["A", "B"] * 30,  # the name of a built-in grouping
            "vip": [True, False] * 30,
        }
    )
    log = cp.load_events(
        pd.DataFrame(
            {
                "event_type": "sent",
                "timestamp": "2026-01-05T09:00Z",
                "campaign_id": "C1",
                "email_id": "E1",
                "lead_id": leads["lead_id"],
            }
        ),
        leads=leads,
    )
    d = Dashboard(Report(log))
    lead_options = [o for o in d.group_by.options if o[1] not in GROUP_CHOICES]
    assert lead_options == [("Lead: tier", "tier"), ("Lead: vip", "vip")]
    # A lead attribute chosen in code is shown under its label all the same.
    d2 = Dashboard(Report(log).by("zip"))
    assert ("Lead: zip", "zip") in d2.group_by.options and d2.group_by.value == "zip"


def _names_and_sent(d: Dashboard) -> list[tuple[str, str, str]]:
    """(campaign, email, sent) of each row of the shown table."""
    frame = _shown_table(d)
    columns = [GROUP_LABELS["campaign_name"], GROUP_LABELS["email_name"], METRICS["sent"].label]
    return list(frame[columns].itertuples(index=False, name=None))


def _expected_by_campaign(rep: Report) -> tuple[list[tuple[str, str, str]], list[str]]:
    """The rows "By campaign", most sent first, read from the report's tables: campaigns by
    their Sent, each campaign's emails by theirs, then its subtotal (when it has several)."""
    table = rep.table()
    campaigns = rep.by("campaign").table().set_index("campaign_id")["sent"]
    ids = sorted(table["campaign_id"].unique(), key=lambda c: -campaigns[c])
    rows, kinds = [], []
    for c in ids:
        emails = table[table["campaign_id"] == c].sort_values(
            "sent", ascending=False, kind="stable"
        )
        for r in emails.itertuples():
            rows.append((r.campaign_name, r.email_name, f"{r.sent:,}"))
            kinds.append("detail")
        if len(emails) > 1:
            name = emails["campaign_name"].iloc[0]
            rows.append((f"{name} — subtotal", "", f"{campaigns[c]:,}"))
            kinds.append("subtotal")
    rows.append(("Total", "", f"{int(rep.total()['sent']):,}"))
    return rows, [*kinds, "total"]


def test_sort_choice_by_campaign_or_ranked(dash: Dashboard, rep: Report) -> None:
    assert [label for label, _ in dash.sort_mode.options] == ["By campaign", "Ranked"]
    assert dash.sort_mode.value == "campaign" and not dash.sort_mode.disabled
    dash.sort_by.value = "sent"
    # By campaign: each campaign's block kept together, its subtotal last.
    rows, kinds = _expected_by_campaign(rep)
    assert _names_and_sent(dash) == rows
    assert _row_kinds(dash) == kinds
    # Ranked: every email in one list, most sent first; no subtotals; the total last.
    dash.sort_mode.value = "ranked"
    ranked = rep.table().sort_values("sent", ascending=False, kind="stable")
    assert _names_and_sent(dash) == [
        *((r.campaign_name, r.email_name, f"{r.sent:,}") for r in ranked.itertuples()),
        ("Total", "", f"{int(rep.total()['sent']):,}"),
    ]
    assert _row_kinds(dash) == ["detail"] * len(ranked) + ["total"]
    dash.sort_ascending.value = True
    sent = _numbers(_shown_table(dash).iloc[:-1][METRICS["sent"].label])
    assert sent == sorted(sent)
    # The report's order, ranked: the emails without their subtotals.
    dash.sort_by.value = ""
    assert _row_kinds(dash) == ["detail"] * len(ranked) + ["total"]
    dash.sort_mode.value = "campaign"
    assert "subtotal" in _row_kinds(dash)


def _labels(widget: ipywidgets.Widget) -> list[str]:
    """The words a widget shows: its description and its options' labels."""
    options = [o[0] if isinstance(o, tuple) else str(o) for o in getattr(widget, "options", ())]
    return [str(getattr(widget, "description", "")), *options]


def test_the_sort_direction_says_the_order_it_gives(dash: Dashboard) -> None:
    # The report's order: no direction to choose.
    assert dash.sort_by.value == "" and dash.sort_ascending.layout.display == "none"
    # A number: highest first, as a first click on a header of the shared report sorts.
    dash.sort_mode.value = "ranked"
    dash.sort_by.value = "opened_pct"
    assert dash.sort_ascending.layout.display is None
    assert dash.sort_ascending.options == (("Highest first", False), ("Lowest first", True))
    assert dash.sort_ascending.label == "Highest first"
    opened = [float(v.rstrip("%")) for v in _shown_table(dash).iloc[:-1]["Opened %"]]
    assert opened == sorted(opened, reverse=True)
    dash.sort_ascending.value = True
    assert dash.sort_ascending.label == "Lowest first"
    opened = [float(v.rstrip("%")) for v in _shown_table(dash).iloc[:-1]["Opened %"]]
    assert opened == sorted(opened)
    # A name: A to Z first.
    dash.sort_by.value = "email_name"
    assert dash.sort_ascending.options == (("A → Z", True), ("Z → A", False))
    assert dash.sort_ascending.label == "A → Z"
    names = list(_shown_table(dash).iloc[:-1][GROUP_LABELS["email_name"]])
    assert names == sorted(names, key=str.casefold)
    # A date: oldest first.
    dash.group_by.value = "week"
    dash.sort_by.value = "send_week"
    assert dash.sort_ascending.options == (("Oldest first", True), ("Newest first", False))
    weeks = list(_shown_table(dash).iloc[:-1][GROUP_LABELS["send_week"]])
    assert weeks == sorted(weeks)
    dash.sort_ascending.value = False
    assert list(_shown_table(dash).iloc[:-1][GROUP_LABELS["send_week"]]) == weeks[::-1]
    # No control says "Ascending" or "Descending".
    words = [w for widget in _inside(dash.widget) for w in _labels(widget)]
    assert not [w for w in words if "scending" in w]


def test_the_status_line_speaks_plainly(dash: Dashboard) -> None:
    text = re.sub("<[^>]+>", "", dash.status.value)
    bots = dash.report.bot_counts()  # the sample's bots, per reason (RULES.md section 9)
    assert bots
    assert text == (
        f"{_records(dash):,} records sent · 500,727 events loaded · no rows rejected · "
        "data as of 2026-10-31 23:59 UTC · bots: "
        + ", ".join(f"{n:,} {reason}" for reason, n in bots.items())
    )
    with pytest.warns(cp.RejectedRowsWarning):
        messy = cp.load_events(SAMPLE / "messy_events.csv")
    text = re.sub("<[^>]+>", "", Dashboard(Report(messy)).status.value)
    assert f"· {len(messy.rejected)} rows rejected when loading ·" in text
    assert "log." not in text and "(" not in text


def test_sort_choice_is_off_without_subtotals(dash: Dashboard) -> None:
    dash.group_by.value = "program"  # no campaign blocks: both choices sort alike
    assert dash.sort_mode.disabled
    dash.group_by.value = "campaign_email"
    assert not dash.sort_mode.disabled


def _same_as_styled(d: Dashboard, st: Styler, kinds: list[str]) -> None:
    """The dashboard's table shows the cells of the Styler, in its order, and rows of these
    kinds: the subtotals and the total styled (see the dashboard's CSS), the total last."""
    assert _cells(d.table.value) == _cells(st.to_html())
    assert _row_kinds(d) == kinds
    assert kinds[-1] == "total" and '<tfoot>\n<tr class="total">' in d.table.value


def test_the_table_shows_the_styled_tables_cells(dash: Dashboard, rep: Report) -> None:
    rows = table_rows(rep)
    assert "subtotal" in set(rows["kind"])
    _same_as_styled(dash, tables.styled(rep), rows["kind"].tolist())
    dash.group_by.value = "program"
    by_program = rep.by("program")
    kinds = table_rows(by_program)["kind"].tolist()
    _same_as_styled(dash, tables.styled(by_program), kinds)
    # Ranked: the flat table (no subtotals) with its rows reordered, the total kept last,
    # as a view that reorders the Styler's rows shows it.
    dash.group_by.value = "campaign_email"
    dash.sort_mode.value = "ranked"
    dash.sort_by.value = "opened_pct"
    st = tables.styled(rep, subtotals=False)
    body = st.data.iloc[:-1]
    order = body.sort_values(METRICS["opened_pct"].label, ascending=False, kind="stable").index
    st.data = pd.concat([body.loc[order], st.data.iloc[-1:]])
    st.index = st.data.index
    _same_as_styled(dash, st, ["detail"] * len(body) + ["total"])


def test_the_table_escapes_names() -> None:
    name = """<script>alert(1)</script> "Spring" & 'Co'"""
    log = _tiny_log(pd.DataFrame({"email_id": ["E1", "E2"], "email_name": ["x", "y"]}), name)
    d = Dashboard(Report(log))
    assert "<script" not in d.table.value
    assert '"Spring"' not in d.table.value and "'Co'" not in d.table.value
    assert str(markupsafe.escape(name)) in d.table.value
    # Shown as text: the name, its subtotal row.
    assert [r[:2] for r in _body_rows(d)[:3]] == [
        [name, "x"],
        [name, "y"],
        [f"{name} — subtotal", ""],
    ]
    assert _row_kinds(d) == ["detail", "detail", "subtotal", "total"]


def test_sort_by_a_name_ignores_case(dash: Dashboard) -> None:
    dash.group_by.value = "email"
    label = GROUP_LABELS["email_name"]
    dash.sort_by.value = "email_name"
    dash.sort_ascending.value = True
    names = list(_shown_table(dash).iloc[:-1][label])
    assert names == sorted(names, key=str.casefold)


def test_sort_choices_follow_the_columns(dash: Dashboard) -> None:
    dash.columns.value = ["Sent", "Opened %"]
    values = [v for _, v in dash.sort_by.options]
    assert values == ["", "campaign_name", "email_name", "sent", "opened_pct"]


# -- filters and bots ---------------------------------------------------------------------
def test_program_filter_with_search(dash: Dashboard, rep: Report, log: cp.EventLog) -> None:
    programs = sorted(log.dims.campaigns["program"].dropna().unique())
    dash.programs_search.value = programs[0][:5].upper()
    shown = [v for _, v in dash.programs.options]
    assert shown and all(programs[0][:5].casefold() in v.casefold() for v in shown)
    dash.programs.value = (programs[0],)
    want = rep.where(programs=[programs[0]])
    assert _records(dash) == want.total()["sent"]
    # Searching again keeps the chosen program chosen (and listed).
    dash.programs_search.value = "zzz-no-such-program"
    assert dash.programs.value == (programs[0],)
    assert [v for _, v in dash.programs.options] == [programs[0]]
    assert _records(dash) == want.total()["sent"]
    dash.programs_search.value = ""
    assert len(dash.programs.options) == len(programs)


def test_campaign_and_email_filters(dash: Dashboard, rep: Report) -> None:
    table = rep.table()
    cid, eid = table["campaign_id"].iloc[0], table["email_id"].iloc[0]
    dash.campaigns.value = (cid,)
    dash.emails.value = (eid,)
    want = rep.where(campaigns=[cid], emails=[eid])
    assert dash.report.table().equals(want.table())
    assert [v for _, v in dash.email_picker.options if v] == [eid]
    assert _settings(dash).endswith(" · filtered: 1 campaign, 1 email")
    dash.campaign_status.value = "archived"
    assert _settings(dash).endswith(" · filtered: 1 campaign, archived campaigns, 1 email")


def test_archived_campaigns(dash: Dashboard, rep: Report, log: cp.EventLog) -> None:
    dash.time_frame.value = "all time"
    dash.campaign_status.value = "archived"
    want = rep.with_time_frame("all time").where(campaign_status="archived")
    assert _records(dash) == want.total()["sent"] > 0
    archived = set(log.dims.campaigns.query("status == 'archived'")["campaign_name"])
    assert set(dash.report.table()["campaign_name"]) <= archived
    labels = dict((v, label) for label, v in dash.campaigns.options)
    assert all(labels[c].endswith("(archived)") for c in want.table()["campaign_id"])


def test_bot_toggle(dash: Dashboard, rep: Report) -> None:
    dash.exclude_bots.value = True
    want = rep.with_bots(True)
    assert dash.report.exclude_bots
    assert dash.report.total()["opened"] == want.total()["opened"] < rep.total()["opened"]
    assert _settings(dash).endswith(" · no filters · bots excluded")


def test_machine_opens_toggle(dash: Dashboard, rep: Report) -> None:
    assert not dash.exclude_machine_opens.value
    dash.exclude_machine_opens.value = True
    assert dash.report.machine_opens == "exclude"
    assert dash.report.total()["opened"] == rep.with_machine_opens("exclude").total()["opened"]
    assert "machine opens excluded" in dash.status.value
    dash.exclude_machine_opens.value = False
    assert dash.report.machine_opens == "count"


# -- where emails were read (RULES.md section 9) -------------------------------------------------
@pytest.mark.parametrize("group", ["client", "os", "device"])
def test_group_by_where_emails_were_read(dash: Dashboard, rep: Report, group: str) -> None:
    label = dict((v, k) for k, v in dash.group_by.options)[group]
    assert label == GROUP_CHOICES[group]
    dash.group_by.value = group
    assert dash.error is None
    want = rep.by(group)
    assert dash.report.table().equals(want.table())
    shown = _shown_table(dash)
    # the table's rows, then its total: opened and its share; sends not split (–)
    assert list(shown.iloc[:-1, 0]) == [str(v) for v in want.table()[group]]
    assert "Share of Opened" in shown.columns
    expected = [format_value(v, "pct") for v in want.table()["share_of_opened"]]
    assert list(shown["Share of Opened"].iloc[:-1]) == expected
    assert set(shown[METRICS["sent"].label].iloc[:-1]) == {"–"}
    assert set(shown[METRICS["delivered_pct"].label].iloc[:-1]) == {"–"}
    assert shown[METRICS["sent"].label].iloc[-1] == format_value(rep.total()["sent"], "int")
    # the note says what the rows mean, and the status line keeps the records sent
    assert want.grouping_note is not None
    assert want.grouping_note in html.unescape(dash.table.value)
    assert _records(dash) == int(rep.total()["sent"])


def test_no_note_under_a_grouping_that_splits_sends(dash: Dashboard) -> None:
    dash.group_by.value = "client"
    assert "cp-table-note" in dash.table.value
    dash.group_by.value = "campaign"
    assert "cp-table-note" not in dash.table.value


def test_group_by_recipient_domain_keeps_every_metric(dash: Dashboard, rep: Report) -> None:
    dash.group_by.value = "recipient_domain"
    want = rep.by("recipient_domain").table()
    assert dash.report.table().equals(want)
    shown = _shown_table(dash)
    assert "–" not in set(shown[METRICS["sent"].label])
    assert "Share of Opened" not in shown.columns
    assert "cp-table-note" not in dash.table.value


def test_group_by_client_with_a_lead_filter_says_why_not(rep: Report) -> None:
    d = Dashboard(rep.where(leads={"segment": ["SMB"]}))  # a lead filter set in code
    shown = d.table.value
    d.group_by.value = "client"
    assert d.error is not None and "lead attributes" in d.error
    assert "lead attributes" in html.unescape(d.status.value)
    assert d.table.value == shown  # the last view stays


# -- chart, empty state ---------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["funnel", "volume", "heatmap", "clients", "domains"])
def test_chart_kind(dash: Dashboard, rep: Report, kind: str) -> None:
    figure = dash.figure
    dash.chart_kind.value = kind
    assert dash.figure is figure
    _same_traces(dash, chart(rep, kind))
    assert str(dash.figure.layout.title.text) == str(chart(rep, kind).layout.title.text)


def test_the_figure_keeps_the_charts_template(dash: Dashboard, rep: Report) -> None:
    # Later charts are drawn without the template: the FigureWidget keeps the first one's.
    template = chart(rep).layout.template
    assert dash.figure.layout.template == template
    dash.time_frame.value = "last month"
    dash.chart_kind.value = "heatmap"
    dash.chart_kind.value = "rates"
    assert dash.figure.layout.template == template
    want = chart(rep.with_time_frame("last month"))
    shown = dash.figure.layout.to_plotly_json()
    expected = want.layout.to_plotly_json()
    assert {k: v for k, v in shown.items() if k != "width"} == expected


def test_empty_time_frame_says_so(dash: Dashboard, log: cp.EventLog) -> None:
    first = log.time_range[0].date()
    before = (first - dt.timedelta(days=40), first - dt.timedelta(days=10))
    dash.time_frame.value = "custom"
    dash.date_from.value, dash.date_to.value = before
    assert dash.error is None
    assert _records(dash) == 0
    assert EMPTY_MESSAGE in dash.table.value
    notes = [a.text for a in dash.figure.layout.annotations]
    assert any("No emails were sent" in str(n) for n in notes)
    assert all(len(t.x or ()) == 0 for t in dash.figure.data)
    dash.time_frame.value = "last month"
    assert not any("No emails were sent" in str(a.text) for a in dash.figure.layout.annotations)
    assert all(len(t.x) > 0 for t in dash.figure.data)
    assert EMPTY_MESSAGE not in dash.table.value


# -- previewer ---------------------------------------------------------------------------
def test_email_picker_lists_the_table_emails(dash: Dashboard) -> None:
    table = dash.report.table()
    ids = [v for _, v in dash.email_picker.options if v]
    assert ids == list(dict.fromkeys(table["email_id"]))
    assert dash.preview.value == ""


def test_choosing_an_email_previews_it(dash: Dashboard, log: cp.EventLog) -> None:
    eid = next(v for _, v in dash.email_picker.options if v)
    row = log.dims.emails.set_index("email_id").loc[eid]
    dash.email_picker.value = eid
    shown = dash.preview.value
    assert html.escape(row["subject"]) in shown
    assert '<iframe class="cp-email-preview-frame" sandbox=""' in shown
    srcdoc = re.search(r'srcdoc="([^"]*)"', shown)
    assert srcdoc and html.unescape(srcdoc.group(1)).endswith(">" + row["html"])  # after the CSP
    # The choice stays when the time frame moves (the email is kept in the list).
    dash.time_frame.value = "all time"
    assert dash.email_picker.value == eid
    assert html.escape(row["subject"]) in dash.preview.value


def test_preview_by_id_or_name(log: cp.EventLog) -> None:
    row = log.dims.emails.iloc[3]
    assert find_email(log, row["email_id"])["email_id"] == row["email_id"]
    assert find_email(log, row["email_name"])["email_id"] == row["email_id"]
    assert find_email(log, row["email_name"].upper())["email_id"] == row["email_id"]
    widget = email_preview(log, row["email_name"])
    assert isinstance(widget, ipywidgets.HTML)
    assert widget.value == preview_html(log, row["email_id"])


def test_unknown_email_lists_known_ones(log: cp.EventLog) -> None:
    name = log.dims.emails["email_name"].iloc[0]
    with pytest.raises(ReportError, match="unknown email") as err:
        preview_html(log, name[:-1] + "X")
    assert f"Did you mean {name!r}" in str(err.value)
    assert log.dims.emails["email_id"].iloc[0] in str(err.value)


def _tiny_log(emails: pd.DataFrame, campaign_name: str = "Spring") -> cp.EventLog:
    events = pd.DataFrame(
        {
            "event_type": ["sent", "delivered", "sent"],
            "timestamp": ["2026-01-05T09:00Z", "2026-01-05T09:01Z", "2026-01-05T10:00Z"],
            "campaign_id": ["C1", "C1", "C1"],
            "email_id": ["E1", "E1", "E2"],
            "lead_id": ["L1", "L1", "L2"],
        }
    )
    campaigns = pd.DataFrame(
        {"campaign_id": ["C1"], "campaign_name": [campaign_name], "program": ["P"]}
    )
    return cp.load_events(events, campaigns=campaigns, emails=emails)


def test_preview_escapes_and_sandboxes_the_body() -> None:
    body = '<p onclick="x()">A & "B"</p><script>alert(1)</script></iframe><b>'
    log = _tiny_log(
        pd.DataFrame(
            {
                "email_id": ["E1", "E2"],
                "email_name": ["<b>Launch</b>", "Plain"],
                "subject": ['Hi "you" & <them>', None],
                "html": [body, None],
            }
        )
    )
    out = preview_html(log, "E1")
    outside = re.sub(r'srcdoc="[^"]*"', "", out)
    assert "<script" not in outside and "onclick" not in outside
    assert "<b>Launch</b>" not in out and html.escape("<b>Launch</b>") in out
    assert html.escape('Hi "you" & <them>') in out
    assert 'sandbox=""' in out and "allow-scripts" not in out
    srcdoc = html.unescape(re.search(r'srcdoc="([^"]*)"', out).group(1))  # type: ignore[union-attr]
    assert srcdoc.startswith('<meta http-equiv="Content-Security-Policy"')
    assert srcdoc.endswith(">" + body)
    plain = preview_html(log, "Plain")
    assert "(no subject)" in plain and "no HTML body" in html.unescape(plain)


def test_same_name_for_two_emails_asks_for_the_id() -> None:
    log = _tiny_log(pd.DataFrame({"email_id": ["E1", "E2"], "email_name": ["Same", "Same"]}))
    with pytest.raises(ReportError, match="E1, E2"):
        find_email(log, "Same")
    assert find_email(log, "E2")["email_id"] == "E2"


# -- downloads --------------------------------------------------------------------------------
def _csv(d: Dashboard) -> pd.DataFrame:
    href = re.search(r'href="data:text/csv;base64,([^"]+)"', d.download.value)
    assert href
    return pd.read_csv(io.BytesIO(base64.b64decode(href.group(1))), dtype={"campaign_id": str})


def test_download_csv_is_the_current_table(dash: Dashboard) -> None:
    dash.group_by.value = "campaign"
    dash.columns.value = ["Sent", "Opened %"]
    csv = _csv(dash)
    table = dash.report.table()
    assert list(csv.columns) == list(table.columns)
    assert list(csv["sent"]) == list(table["sent"])
    assert csv["opened_pct"].tolist() == pytest.approx(table["opened_pct"].tolist())
    frame = dash.report.frame
    assert f'download="campaign_email_performance_{frame.first}_to_{frame.last}.csv"' in (
        dash.download.value
    )


def test_download_csv_neutralises_formulas() -> None:
    log = _tiny_log(pd.DataFrame({"email_id": ["E1"], "email_name": ["x"]}), "=HYPERLINK(1)")
    d = Dashboard(Report(log))
    assert _csv(d)["campaign_name"].iloc[0] == "'=HYPERLINK(1)"
    assert "=HYPERLINK(1)" in d.table.value  # shown as text, escaped


def test_export_html_writes_the_current_report(dash: Dashboard, tmp_path: Path) -> None:
    d = Dashboard(dash.report)
    d.time_frame.value = "last month"
    d.export_path.value = str(tmp_path / "out.html")
    d.export_html.click()
    page = (tmp_path / "out.html").read_text()
    assert "last month" in page and "2026-09-01" in page
    # The confirmation is next to the button, in its row, not in the status line.
    row = next(c for c in d.widget.children if d.export_html in getattr(c, "children", ()))
    assert list(row.children[-3:]) == [d.export_html, d.export_path, d.export_note]
    assert html.unescape(re.sub("<[^>]+>", "", d.export_note.value)) == (
        f"✓ Saved {tmp_path / 'out.html'}"
    )
    assert "Saved" not in d.status.value
    # A file that cannot be written says why, in the same place.
    d.export_path.value = str(tmp_path / "no such folder" / "out.html")
    d.export_html.click()
    assert "Not saved:" in d.export_note.value and "no such folder" in d.export_note.value
    # Another report on screen: the confirmation of the last one goes.
    d.export_path.value = str(tmp_path / "out.html")
    d.export_html.click()
    assert "Saved" in d.export_note.value
    d.time_frame.value = "last week"
    assert d.export_note.value == ""


def test_dashboard_needs_a_report(log: cp.EventLog) -> None:
    with pytest.raises(TypeError, match="Report"):
        Dashboard(log)  # type: ignore[arg-type]


def test_log_without_dimension_tables() -> None:
    events = pd.DataFrame(
        {
            "event_type": ["sent", "open", "sent"],
            "timestamp": ["2026-01-05T09:00Z", "2026-01-05T09:30Z", "2026-01-06T10:00Z"],
            "campaign_id": ["C1", "C1", "C2"],
            "email_id": ["E1", "E1", "E2"],
            "lead_id": ["L1", "L1", "L2"],
        }
    )
    d = Dashboard(Report(cp.load_events(events)))
    assert d.error is None
    assert _records(d) == 2
    assert [v for _, v in d.group_by.options] == [
        "campaign_email",
        "program",
        "campaign",
        "email",
        "day",
        "week",
        "month",
        "recipient_domain",
        "client",
        "os",
        "device",
        "country",
    ]
    assert {v for _, v in d.email_picker.options if v} == {"E1", "E2"}
    d.email_picker.value = "E2"
    assert "no HTML body" in html.unescape(d.preview.value)


def _inside(widget: ipywidgets.Widget) -> list[ipywidgets.Widget]:
    """Every widget inside ``widget``, at any depth."""
    out = []
    for child in getattr(widget, "children", ()):
        out += [child, *_inside(child)]
    return out


SETTINGS = (
    *("time_frame", "past_days", "date_from", "date_to", "tz", "basis", "exclude_bots"),
    *("group_by", "columns"),
    *("programs_search", "programs", "campaign_status", "campaigns_search", "campaigns"),
    *("emails_search", "emails"),
)


def test_results_come_before_the_controls(dash: Dashboard) -> None:
    children = list(dash.widget.children)
    # The title, then the settings in a bar closed at first (one line saying what is
    # chosen), the status line, and the results: the headline, what stood out, the chart
    # and the table, in this order.
    assert children[1] is dash.settings and dash.settings.selected_index is None
    assert _settings(dash).startswith("Settings: Past 30 days (2026-10-02 – 2026-10-31)")
    assert children[2] is dash.status
    results = [children.index(v) for v in (dash.kpis, dash.performers, dash.figure, dash.table)]
    assert results == sorted(results) and results[0] == 3
    # Every setting and filter is in the bar's tabs, none among the results.
    tabs = dash.settings.children[0]
    assert isinstance(tabs, ipywidgets.Tab)
    assert tabs.titles == ("Time frame", "Columns and grouping", "Filters")
    time_tab, table_tab, filters_tab = tabs.children
    assert {dash.time_frame, dash.tz, dash.basis, dash.exclude_bots} <= set(_inside(time_tab))
    assert {dash.group_by, dash.columns} <= set(_inside(table_tab))
    assert {dash.programs, dash.campaigns, dash.emails} <= set(_inside(filters_tab))
    outside = {id(w) for w in _inside(dash.widget)} - {id(w) for w in _inside(dash.settings)}
    assert not {id(getattr(dash, name)) for name in SETTINGS} & outside
    # The choices of a single view sit with it: the rate right under the panel it ranks,
    # the chart's kind right above the chart, the sort right above the table.
    assert children.index(dash.performer_rate) == children.index(dash.performers) + 1
    assert children.index(dash.chart_kind) == children.index(dash.figure) - 1
    sort_row = children[children.index(dash.table) - 1]
    controls = [c for c in sort_row.children if not isinstance(c, ipywidgets.Label)]
    assert controls == [dash.sort_by, dash.sort_ascending, dash.sort_mode]
    assert [c.value for c in sort_row.children if isinstance(c, ipywidgets.Label)] == ["Rows"]
    # The filter lists share their row without overlapping: each column may shrink (a
    # grid of columns of at least 220 px that wrap), each list fills its column.
    grid = filters_tab
    assert grid.layout.grid_template_columns == "repeat(auto-fit, minmax(220px, 1fr))"
    assert all("cp-filter-box" in box._dom_classes for box in grid.children)
    assert dash.programs.layout.width == dash.emails.layout.width == "100%"


def test_the_headline_strip_follows_the_controls(dash: Dashboard, rep: Report) -> None:
    assert dash.kpis.value == kpi_strip(rep)
    dash.time_frame.value = "last month"
    want = rep.with_time_frame("last month")
    assert dash.kpis.value == kpi_strip(want)
    assert "Change against the previous period, 2026-08-01 – 2026-08-31." in dash.kpis.value
    figures = {k["metric"]: k for k in strip_items(want.kpis())}
    assert f'<span class="cp-kpi-value">{figures["opened_pct"]["text"]}</span>' in dash.kpis.value


def test_what_stood_out_follows_the_frame_and_the_chosen_rate(dash: Dashboard, rep: Report) -> None:
    assert dash.performers.value == performers_panel(rep)
    dash.time_frame.value = "last month"
    assert dash.performers.value == performers_panel(rep.with_time_frame("last month"))
    dash.performer_rate.value = "opened_pct"
    want = performers_panel(rep.with_time_frame("last month"), "opened_pct")
    assert dash.performers.value == want
    assert "Opened %, among rows with at least 30 delivered" in want


def test_headline_and_ranking_follow_grouping_columns_and_metrics(rep: Report) -> None:
    with registry_snapshot():
        d = Dashboard(rep)
        d.group_by.value = "email"  # the headline is the same; the ranking is of emails
        assert d.kpis.value == kpi_strip(rep)
        assert d.performers.value == performers_panel(rep.by("email"))
        metric("engaged_pct", "(clicked + unsubscribed) / delivered", fmt="pct")
        d.refresh()
        d.columns.value = [*d.columns.value, "Engaged %"]  # a metric of yours joins the strip
        assert 'data-metric="engaged_pct"' in d.kpis.value
        assert d.kpis.value == kpi_strip(d.report)
        metric("engaged_pct", "clicked / delivered", fmt="pct", replace=True)  # defined again
        d.group_by.value = "campaign_email"
        assert d.kpis.value == kpi_strip(d.report)
        assert d.performers.value == performers_panel(rep)
