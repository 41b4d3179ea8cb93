"""The shareable HTML report in headless Chromium, opened from disk with the network cut.

Every number the page shows after a reader's choice (time frame, columns, filters, sort) is
compared with what Python computes for the same choice: the formatted table cell by cell,
the CSV download value by value, and the title and data of every chart.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import expect

import campaign_perf as cp
from campaign_perf.metrics import format_value
from campaign_perf.report.rows import SORT_MODES, sort_rows, table_rows
from campaign_perf.views.charts import chart
from campaign_perf.views.export import write_report
from campaign_perf.views.html.report import write_html
from campaign_perf.views.kpi_strip import against_text, settling_note, strip_items
from campaign_perf.views.performers_panel import performers_panel
from campaign_perf.views.specs import CHART_KINDS, MAX_POINTS, PANELS, TOP_ROWS, shorten

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data"
TZ = "America/New_York"
HOSTILE_CAMPAIGN = "<img src=x onerror=alert(1)>"
HOSTILE_EMAIL = "</script><script>alert(1)</script>"
HOSTILE_PROGRAM = '"><svg onload=alert(1)>'
FORMULA_EMAIL = '=HYPERLINK("https://example.com","x")'
HOSTILE_HTML = (
    "<html><body><h1>Inert</h1><script>parent.alert('from the email')</script>"
    "<img src=x onerror=\"alert('img')\"><img src='https://example.com/pixel.gif'></body></html>"
)


# -- data and files --------------------------------------------------------------------
@pytest.fixture(scope="module")
def log() -> cp.EventLog:
    return cp.load_events(
        SAMPLE / "events.parquet",
        campaigns=SAMPLE / "campaigns.csv",
        emails=SAMPLE / "emails.parquet",
        leads=SAMPLE / "leads.parquet",
    )


@pytest.fixture(scope="module")
def rep(log: cp.EventLog) -> cp.Report:
    return cp.Report(log, time_frame="past 30 days", tz=TZ, today="as_of")


@pytest.fixture(scope="module")
def html_file(rep: cp.Report, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_html(rep, tmp_path_factory.mktemp("html") / "report.html")


def _hostile_log() -> cp.EventLog:
    """A small log whose names and email HTML try to run script."""
    rows = []
    for lead in ("L1", "L2", "L3"):
        rows.append(("sent", "2026-03-02T09:00:00Z", "C1", "E1", lead))
        rows.append(("sent", "2026-03-03T09:00:00Z", "C2", "E2", lead))
    rows += [
        ("delivered", "2026-03-02T09:01:00Z", "C1", "E1", "L1"),
        ("open", "2026-03-02T10:00:00Z", "C1", "E1", "L1"),
        ("click", "2026-03-02T10:01:00Z", "C1", "E1", "L1"),
        ("delivered", "2026-03-03T09:01:00Z", "C2", "E2", "L2"),
        ("hard_bounce", "2026-03-03T09:01:00Z", "C2", "E2", "L3"),
    ]
    columns = ["event_type", "timestamp", "campaign_id", "email_id", "lead_id"]
    events = pd.DataFrame(rows, columns=columns)
    events["link"] = np.where(events["event_type"] == "click", "https://example.com/a", None)
    campaigns = pd.DataFrame(
        {
            "campaign_id": ["C1", "C2"],
            "campaign_name": [HOSTILE_CAMPAIGN, "Plain & <b>bold</b>"],
            "program": [HOSTILE_PROGRAM, "P"],
            "status": ["active", "active"],
        }
    )
    emails = pd.DataFrame(
        {
            "email_id": ["E1", "E2"],
            "email_name": [HOSTILE_EMAIL, FORMULA_EMAIL],
            "subject": ["<b>not bold</b>", "Hello"],
            "html": [HOSTILE_HTML, "<p>Hi</p>"],
        }
    )
    return cp.load_events(events, campaigns=campaigns, emails=emails)


# -- the page --------------------------------------------------------------------------
class Opened:
    """A page showing a report file, with the requests it made and the dialogs it opened."""

    def __init__(self, page: Any, path: Path) -> None:
        self.page = page
        self.url = path.resolve().as_uri()
        self.requests: list[str] = []
        self.dialogs: list[str] = []

    def open(self) -> Opened:
        def route(r: Any) -> None:
            self.requests.append(r.request.url)
            if r.request.url == self.url:
                r.continue_()
            else:
                r.abort()

        self.page.context.set_offline(True)
        self.page.route("**/*", route)
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(self.url)
        self.page.wait_for_selector("html[data-cp-ready]")
        return self

    def reset(self) -> None:
        """Close the preview and the pickers, and press Reset."""
        self.page.evaluate(
            "() => { const d = document.getElementById('cp-preview'); if (d.open) d.close();"
            " document.querySelectorAll('details[open]').forEach(x => x.open = false); }"
        )
        self.page.click("#cp-reset")

    def table(self) -> list[list[str]]:
        return self.page.eval_on_selector_all(
            "#cp-table tbody tr", "rs => rs.map(r => Array.from(r.cells, c => c.textContent))"
        )

    def header(self) -> list[str]:
        return self.page.eval_on_selector_all(
            "#cp-table thead th", "hs => hs.map(h => h.textContent)"
        )

    def choose_frame(self, label: str) -> None:
        self.page.select_option("#cp-frame", label=label)

    def custom_frame(self, first: str, last: str) -> None:
        self.page.select_option("#cp-frame", value="custom")
        self.page.fill("#cp-from", first)
        self.page.fill("#cp-to", last)
        self.page.dispatch_event("#cp-to", "change")

    def pick(self, picker: str, values: list[str] | None) -> None:
        """Check only these labels in a picker (None: press "All")."""
        self.page.click(f"#{picker}-picker summary")
        body = f"#{picker}-picker"
        if values is None:
            self.page.click(f"{body} [data-all]")
        else:
            self.page.click(f"{body} [data-none]")
            for v in values:
                self.page.get_by_role("checkbox", name=v, exact=True).check()
        self.page.click(f"#{picker}-picker summary")

    def figure(self, kind: str) -> dict[str, Any]:
        return self.page.evaluate(
            "k => { const g = document.getElementById('cp-chart-' + k);"
            " return {data: g.data, title: g.layout.title.text}; }",
            kind,
        )


@pytest.fixture
def opened(page: Any) -> Callable[[Path], Opened]:
    """Open a report file in a fresh page."""
    return lambda path: Opened(page, path).open()


@pytest.fixture(scope="module")
def sample_page(browser: Any, html_file: Path) -> Iterator[Opened]:
    """The sample report, loaded once for the module (loading 5 MB takes seconds)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.console_errors = []
    pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(m.text))
    pg.on("pageerror", lambda e: pg.console_errors.append(str(e)))
    yield Opened(pg, html_file).open()
    context.close()


@pytest.fixture
def sample(sample_page: Opened) -> Opened:
    """The sample report as it was made (the reader's choices reset)."""
    sample_page.reset()
    return sample_page


def python_table(rep: cp.Report) -> tuple[list[str], list[list[str]]]:
    f = rep.formatted()
    return [str(c) for c in f.columns], [[str(v) for v in row] for row in f.to_numpy()]


def assert_same_table(view: Opened, rep: cp.Report) -> None:
    header, rows = python_table(rep)
    assert [h.strip() for h in view.header()] == header
    assert view.table() == rows


# -- the tests ---------------------------------------------------------------------------
def test_opens_offline_draws_everything_and_asks_for_nothing(
    sample: Opened, rep: cp.Report, artifacts: Path
) -> None:
    view = sample
    page = view.page
    assert page.console_errors == []
    assert view.requests == [view.url]
    assert view.dialogs == []
    # every chart drawn by plotly, with marks on it
    kinds = page.eval_on_selector_all(".cp-chart", "fs => fs.map(f => f.dataset.kind)")
    assert kinds == list(CHART_KINDS)
    for kind in kinds:
        drawn = page.eval_on_selector(
            f"#cp-chart-{kind}",
            "f => f.querySelectorAll('.main-svg').length && f.querySelectorAll('path,rect').length",
        )
        assert drawn, kind
    assert page.locator("#cp-chart-rates .trace.scatter .point").count() > 10
    # the first paint is Python's table, description and frame
    assert_same_table(view, rep)
    assert page.text_content("#cp-description") == rep.description
    page.screenshot(path=str(artifacts / "html_report.png"), full_page=True)


@pytest.mark.parametrize(
    "frame",
    ["past 7 days", "last month", "this month", "all time", "yesterday", "last week"],
)
def test_presets_recompute_like_python(sample: Opened, rep: cp.Report, frame: str) -> None:
    view = sample
    view.choose_frame(frame)
    other = rep.with_time_frame(frame)
    assert_same_table(view, other)
    assert view.page.text_content("#cp-description") == other.description
    assert view.page.console_errors == []


@pytest.mark.parametrize(
    ("first", "last", "frame"),
    [
        ("2026-08-10", "2026-09-20", "2026-08-10..2026-09-20"),
        ("2026-10-25", "", "2026-10-25.."),
        ("", "2026-05-31", "..2026-05-31"),
    ],
)
def test_custom_frames_recompute_like_python(
    sample: Opened,
    rep: cp.Report,
    first: str,
    last: str,
    frame: str,
) -> None:
    view = sample
    view.custom_frame(first, last)
    other = rep.with_time_frame(frame)
    assert_same_table(view, other)
    assert view.page.text_content("#cp-description") == other.description


def _numbers(values: Any) -> np.ndarray:
    return np.array([math.nan if v is None else v for v in values], dtype=float)


def _same_values(got: Any, want: Any) -> bool:
    """Equal arrays of a trace: texts exactly, numbers to float precision (null is NaN)."""
    want = np.asarray(want, dtype=object)
    got = np.asarray(got, dtype=object)
    if want.shape != got.shape:
        return False
    flat_want, flat_got = want.ravel(), got.ravel()
    if any(isinstance(v, str) for v in flat_want):
        return flat_got.tolist() == flat_want.tolist()
    return np.allclose(_numbers(flat_got), _numbers(flat_want), equal_nan=True)


def assert_same_figure(view: Opened, kind: str, rep: cp.Report) -> dict[str, Any]:
    """The page's chart of a kind is Python's chart for the same settings: title,
    subtitle, message, and every trace's name and data."""
    got = view.page.evaluate(
        "k => { const g = document.getElementById('cp-chart-' + k); return {data: g.data,"
        " title: g.layout.title.text, subtitle: g.layout.title.subtitle.text,"
        " notes: (g.layout.annotations || []).map(a => a.text)}; }",
        kind,
    )
    want = chart(rep, kind)

    def unwrapped(text: str) -> str:  # each renderer wraps a title to its own width
        return text.replace("<br>", " ")

    assert unwrapped(got["title"]) == unwrapped(want.layout.title.text), kind
    assert unwrapped(got["subtitle"]) == unwrapped(want.layout.title.subtitle.text), kind
    assert got["notes"] == [a.text for a in want.layout.annotations], kind
    assert [t.get("name") for t in got["data"]] == [t.name for t in want.data], kind
    for g, w in zip(got["data"], want.data, strict=True):
        for field in ("x", "y", "z", "customdata", "text"):
            expected = getattr(w, field, None)
            if expected is None:
                assert g.get(field) is None, (kind, field)
            else:
                assert _same_values(g[field], expected), (kind, field, g[field], expected)
    return got


KINDS = ["rates", "funnel", "volume", "rates_over_time", "engagement", "heatmap", "links",
         "clients", "domains"]  # fmt: skip


def test_every_chart_follows_the_time_frame(sample: Opened, rep: cp.Report) -> None:
    view = sample
    before = {kind: assert_same_figure(view, kind, rep) for kind in KINDS}
    view.choose_frame("yesterday")
    yesterday = rep.with_time_frame("yesterday")
    assert yesterday.total()["sent"] > 0  # the sample sends every day
    for kind in KINDS:
        after = assert_same_figure(view, kind, yesterday)
        assert after["data"] != before[kind]["data"], kind  # it changed, to Python's numbers
    assert view.page.console_errors == []


def test_every_chart_follows_the_filters_and_columns(sample: Opened, rep: cp.Report) -> None:
    view = sample
    view.choose_frame("last month")
    campaigns = ["Webinar – Invitations", "Webinar – Reminders"]
    view.pick("cp-campaigns", campaigns)
    other = rep.with_time_frame("last month").where(campaigns=campaigns)
    assert_same_table(view, other)
    for kind in KINDS:
        assert_same_figure(view, kind, other)
    # the rates chart draws the % columns chosen
    view.page.click("#cp-columns-picker summary")
    for label in ("Delivered %", "Clicked to Opened %", "Bounced %"):
        view.page.get_by_role("checkbox", name=label, exact=True).click()
    chosen = [c for c in rep.columns if c not in ("delivered_pct", "click_to_open_pct")]
    order = view.page.eval_on_selector_all("#cp-columns input", "bs => bs.map(b => b.value)")
    columns = sorted([*chosen, "bounced_pct"], key=order.index)
    assert_same_figure(view, "rates", other.with_columns(columns))
    # a frame without sends: every chart says so, like Python's
    view.custom_frame("2020-01-01", "2020-01-31")
    empty = rep.with_time_frame("2020-01-01..2020-01-31").where(campaigns=campaigns)
    for kind in KINDS:
        assert_same_figure(view, kind, empty.with_columns(columns))
    assert view.page.is_visible("#cp-empty")
    assert_same_table(view, empty.with_columns(columns))


@pytest.mark.parametrize(
    ("first", "last"),
    [("0001-01-01", "9999-12-31"), ("0206-10-01", "2026-10-31"), ("9000-01-01", "9999-12-31")],
)
def test_long_and_far_frames_are_answered_at_once(
    sample: Opened, rep: cp.Report, first: str, last: str
) -> None:
    view = sample
    view.custom_frame(first, last)
    other = rep.with_time_frame(f"{first}..{last}")
    assert_same_table(view, other)
    for kind in ("volume", "rates_over_time"):
        got = assert_same_figure(view, kind, other)
        # one point per day would be 3.6 million; the chart is bounded
        assert all(len(t["x"]) <= MAX_POINTS for t in got["data"])
    assert view.page.console_errors == []


def test_filters_and_columns_like_python(sample: Opened, rep: cp.Report) -> None:
    view = sample
    emails = ["Newsletter – October 2026", "Atlas Launch – Launch Week Recap"]
    view.pick("cp-emails", emails)
    assert_same_table(view, rep.where(emails=emails))
    view.pick("cp-emails", None)
    # columns: drop two, add two (shown in the chooser's order)
    view.page.click("#cp-columns-picker summary")
    for label in ("Pending", "Aborted", "Total Opens", "Bounced %"):
        view.page.get_by_role("checkbox", name=label, exact=True).click()
    chosen = [c for c in rep.columns if c not in ("pending", "aborted")]
    chosen += ["total_opens", "bounced_pct"]
    order = view.page.eval_on_selector_all("#cp-columns input", "bs => bs.map(b => b.value)")
    assert_same_table(view, rep.with_columns(sorted(chosen, key=order.index)))


def python_rows(rep: cp.Report, sort: tuple[str, bool, str] | None = None) -> list[list[str]]:
    """Python's rows (sorted by the one rule: column, ascending, mode), formatted as the
    page shows them."""
    rows = table_rows(rep)
    if sort is not None:
        rows = sort_rows(rows, sort[0], ascending=sort[1], mode=sort[2])
    metrics = rep.table_metrics  # share_of_opened too, in its groupings
    shown = [c for c in rows.columns if c not in {*(m.id for m in metrics), "kind", "block"}]
    return [
        [str(r[k]) for k in shown] + [format_value(r[m.id], m.fmt) for m in metrics]
        for _, r in rows.iterrows()
    ]


@pytest.mark.parametrize(
    ("column", "clicks", "mode"),
    [
        ("sent", 1, "campaign"),
        ("sent", 2, "campaign"),
        ("opened_pct", 1, "ranked"),
        ("email_name", 1, "campaign"),
        ("campaign_name", 2, "ranked"),
    ],
)
def test_sorting_follows_the_one_rule(
    sample: Opened, rep: cp.Report, column: str, clicks: int, mode: str
) -> None:
    view = sample
    view.page.select_option("#cp-sort-mode", mode)
    labels = view.page.eval_on_selector_all("#cp-sort-mode option", "os => os.map(o => o.text)")
    assert labels == list(SORT_MODES.values())
    header = f"#cp-table thead th[data-col='{column}']"
    for _ in range(clicks):
        view.page.click(f"{header} button")
    ascending = view.page.get_attribute(header, "aria-sort") == "ascending"
    numeric = column in rep.columns
    assert ascending == ((clicks == 2) if numeric else (clicks == 1))
    assert view.table() == python_rows(rep, (column, ascending, mode))
    view.reset()
    assert_same_table(view, rep)


def test_csv_download_is_pythons_csv(sample: Opened, rep: cp.Report, tmp_path: Path) -> None:
    view = sample
    view.choose_frame("past 90 days")
    with view.page.expect_download() as info:
        view.page.click("#cp-download")
    got = pd.read_csv(info.value.path(), keep_default_na=False, na_values=[""])
    want = write_report(rep.with_time_frame("past 90 days"), tmp_path / "want.csv")
    pd.testing.assert_frame_equal(got, pd.read_csv(want, keep_default_na=False, na_values=[""]))
    # the same text, apart from how a number is written (1.0 or 1; 1e-05 or 0.00001)
    assert Path(info.value.path()).read_text().splitlines()[0] == want.read_text().splitlines()[0]


def test_by_client_table_csv_and_sort_are_pythons(
    opened: Callable[[Path], Opened], rep: cp.Report, tmp_path: Path
) -> None:
    grouped = rep.by("client")
    view = opened(write_html(grouped, tmp_path / "client.html", charts=()))
    assert_same_table(view, grouped)
    assert view.page.text_content("#cp-table-note") == grouped.grouping_note
    with view.page.expect_download() as info:
        view.page.click("#cp-download")
    got = pd.read_csv(info.value.path(), keep_default_na=False, na_values=[""])
    want = pd.read_csv(write_report(grouped, tmp_path / "want.csv"))
    assert list(got.columns) == list(want.columns)  # share_of_opened last
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    # sorted by its share, highest first (the one rule of report/rows.py)
    view.page.click('#cp-table th[data-col="share_of_opened"] button')
    assert view.table() == python_rows(grouped, ("share_of_opened", False, "campaign"))
    assert view.page.console_errors == []


def test_machine_opens_switch_recomputes_like_python(sample: Opened, rep: cp.Report) -> None:
    view = sample
    excluded = rep.with_machine_opens("exclude")
    assert excluded.total()["opened"] < rep.total()["opened"]  # the sample has some
    view.page.check("#cp-machine-opens")
    assert_same_table(view, excluded)
    for kind in [*KINDS, "machine_opens"]:  # the clients chart without Apple's proxy
        assert_same_figure(view, kind, excluded)
    assert view.page.text_content("#cp-description") == excluded.description
    assert view.page.text_content("#cp-machine-opens-said") == "excluded"
    # and with another frame, and back
    view.choose_frame("last month")
    assert_same_table(view, excluded.with_time_frame("last month"))
    view.page.uncheck("#cp-machine-opens")
    assert_same_table(view, rep.with_time_frame("last month"))
    assert_same_figure(view, "engagement", rep.with_time_frame("last month"))
    view.page.check("#cp-machine-opens")
    view.reset()  # the report's own setting again
    assert not view.page.is_checked("#cp-machine-opens")
    assert_same_table(view, rep)
    assert view.page.console_errors == []


def test_a_report_made_without_machine_opens_switches_them_back(
    opened: Callable[[Path], Opened], rep: cp.Report, tmp_path: Path
) -> None:
    excluded = rep.with_machine_opens("exclude").by("client")
    view = opened(write_html(excluded, tmp_path / "excluded.html", charts=("machine_opens",)))
    assert view.page.is_checked("#cp-machine-opens")
    assert_same_table(view, excluded)
    assert_same_figure(view, "machine_opens", excluded)
    view.page.uncheck("#cp-machine-opens")
    counted = excluded.with_machine_opens("count")
    assert_same_table(view, counted)  # by client: opened and its share per client
    assert_same_figure(view, "machine_opens", counted)
    assert view.page.console_errors == []


def _domains_log() -> cp.EventLog:
    """Sends to 12 domains, domain i to 5 + i people (i % 3 of them hard bounced), and
    two to a domain of its own."""
    rows = []
    people = [(f"d{i:02d}.example", 5 + i, i % 3) for i in range(12)] + [("solo.example", 2, 1)]
    for domain, n, bounced in people:
        for j in range(n):
            base = {"campaign_id": "C1", "email_id": "E1", "lead_id": f"p{j}@{domain}"}
            rows.append({**base, "event_type": "sent", "timestamp": "2026-03-02 09:00"})
            kind = "hard_bounce" if j < bounced else "delivered"
            rows.append({**base, "event_type": kind, "timestamp": "2026-03-02 09:01"})
    return cp.load_events(pd.DataFrame(rows), warn=False)


def test_domains_chart_is_pythons(opened: Callable[[Path], Opened], tmp_path: Path) -> None:
    rep = cp.Report(_domains_log(), today="2026-03-10")
    everyone = write_html(rep, tmp_path / "d1.html", charts=("domains",), min_group_size=1)
    view = opened(everyone)
    got = assert_same_figure(view, "domains", rep)
    assert got["data"][0]["y"][-1] == "Other (3 domains)"  # the top 10 by sent, then Other
    # by default the small domain folds: it is in no name, only in the "Other" of the file
    text = write_html(rep, tmp_path / "d5.html", charts=("domains",)).read_text()
    assert "solo.example" not in text
    view = opened(tmp_path / "d5.html")
    names = view.figure("domains")["data"][0]["y"]
    assert "Other (groups under 5 people)" not in names  # among the 3 with fewest sends
    assert names[-1] == "Other (3 domains)"
    assert view.page.console_errors == []


def test_clients_chart_says_why_not_with_a_lead_filter(
    opened: Callable[[Path], Opened], rep: cp.Report, tmp_path: Path
) -> None:
    filtered = rep.where(leads={"segment": ["SMB", "Mid-Market"]})
    view = opened(write_html(filtered, tmp_path / "filtered.html", charts=("clients",)))
    got = assert_same_figure(view, "clients", filtered)  # Python's message, no bars
    assert got["data"] == [] and "cannot yet be combined with a lead filter" in got["notes"][0]
    assert view.page.console_errors == []


def test_preview_opens_in_an_inert_frame(sample: Opened, log: cp.EventLog) -> None:
    view = sample
    page = view.page
    link = page.locator("#cp-table button.cp-link").first
    name = link.text_content()
    link.click()
    assert page.is_visible("#cp-preview")
    email = log.emails[log.emails["email_name"] == name].iloc[0]
    assert page.text_content("#cp-preview-title") == name
    assert page.text_content("#cp-preview-subject") == email["subject"]
    frame = page.locator("#cp-preview-frame")
    sandbox = frame.get_attribute("sandbox")
    assert sandbox == ""
    assert page.evaluate("document.getElementById('cp-preview-frame').sandbox.length") == 0
    assert frame.evaluate("f => f.srcdoc") == email["html"]
    inner = page.frame_locator("#cp-preview-frame").locator("h1")
    assert inner.text_content() in email["html"]
    page.click("#cp-preview-close")
    assert not page.is_visible("#cp-preview")
    assert view.requests == [view.url]


def test_js_formats_like_python(sample: Opened) -> None:
    view = sample
    rng = np.random.default_rng(7)
    values = [k / 400 for k in range(-5, 410)] + [k / 8 for k in range(0, 90)]
    values += [0.0, -0.0, 1e-7, 123456.789, 0.000123456, 999.5, 9.995, 0.5, 1.5, 2.5, 2.675]
    values += rng.random(300).tolist() + (rng.random(100) * 1e6).tolist()
    # exact halves and their neighbours, negative numbers, values far from 1
    values += [k / 2000 for k in range(-60, 2001)] + [-k / 8 for k in range(1, 40)]
    values += [1e-5, 12345.5, -0.04, 0.1075, 1234567.0, 1e15 / 7]
    got = view.page.evaluate(
        "vs => ['pct', 'int', 'float']"
        ".map(f => vs.map(v => window.campaignPerf.formatValue(v, f)))",
        values,
    )
    want = [[format_value(v, f) for v in values] for f in ("pct", "int", "float")]
    assert got == want
    assert view.page.evaluate("window.campaignPerf.formatValue(NaN, 'pct')") == format_value(
        math.nan, "pct"
    )


def test_a_report_of_custom_dates_opens_on_them(
    opened: Callable[[Path], Opened], tmp_path: Path
) -> None:
    small = cp.Report(_hostile_log(), time_frame="2026-03-03..", today="2026-03-10")
    view = opened(write_html(small, tmp_path / "custom.html", charts=(), plotlyjs="cdn"))
    page = view.page
    assert page.input_value("#cp-frame") == "custom"
    assert (page.input_value("#cp-from"), page.input_value("#cp-to")) == ("2026-03-03", "")
    assert_same_table(view, small)
    view.choose_frame("all time")
    assert page.is_hidden("#cp-custom")
    assert_same_table(view, small.with_time_frame("all time"))


@pytest.mark.parametrize(
    "groups",
    [
        ("program", "week"),
        ("country",),
        ("email",),
        ("month",),
        ("client",),
        ("campaign", "device"),
    ],
)
def test_other_groupings_recompute_like_python(
    opened: Callable[[Path], Opened], rep: cp.Report, tmp_path: Path, groups: tuple[str, ...]
) -> None:
    grouped = rep.by(*groups)
    view = opened(write_html(grouped, tmp_path / "grouped.html", charts=("rates",)))
    for frame in ("last month", "past 90 days"):
        view.choose_frame(frame)
        other = grouped.with_time_frame(frame)
        assert_same_table(view, other)
        got = view.figure("rates")["data"]
        want = chart(other, "rates").data
        assert [list(t["y"]) for t in got] == [list(t.y) for t in want]
    assert view.page.console_errors == []


def test_custom_metrics_recompute_like_python(
    opened: Callable[[Path], Opened], rep: cp.Report, tmp_path: Path
) -> None:
    from campaign_perf.metrics import count, metric, registry_snapshot

    with registry_snapshot():
        count("pricing_clicks", "click", link_contains="pricing")
        metric("pricing_ctr", "pricing_clicks / delivered", fmt="pct")
        metric("opens_per_opener", "total_opens / max(opened, 1)")
        metric("engaged", "-(clicked + unsubscribed) * 2 + opened", fmt="int")
        custom = rep.with_columns(
            ["sent", "pricing_clicks", "pricing_ctr", "opens_per_opener", "engaged", "opened_pct"]
        )
        view = opened(write_html(custom, tmp_path / "custom.html", charts=("rates",)))
        assert_same_table(view, custom)
        for frame in ("last month", "yesterday"):
            view.choose_frame(frame)
            assert_same_table(view, custom.with_time_frame(frame))
        rates = view.figure("rates")["data"]
        assert [t["name"] for t in rates] == ["Pricing ctr", "Opened %"]
    assert view.page.console_errors == []


def test_labels_stay_text_in_tooltips_and_infinite_values_are_missing(
    opened: Callable[[Path], Opened], rep: cp.Report, tmp_path: Path
) -> None:
    from campaign_perf.metrics import metric, registry_snapshot

    with registry_snapshot():
        metric("tricky_pct", "clicked / delivered", fmt="pct", label="%{y} of %{x}")
        metric("huge", "sent * 1e308")  # infinite from 2 sends on
        custom = rep.with_columns(["sent", "tricky_pct", "huge"])
        view = opened(write_html(custom, tmp_path / "labels.html", charts=("rates",)))
        page = view.page
        assert {r[-1] for r in view.table()} == {"–"}
        view.choose_frame("last month")
        got = view.table()
        assert {r[-1] for r in got} == {"–"}  # "inf" nowhere, missing like x / 0
        finite = custom.with_time_frame("last month").with_columns(["sent", "tricky_pct"])
        assert [r[:-1] for r in got] == python_table(finite)[1]
        bar = page.locator("#cp-chart-rates .trace.scatter .point").first
        bar.hover(force=True)
        page.wait_for_selector("#cp-chart-rates .hoverlayer .hovertext")
        hover = page.text_content("#cp-chart-rates .hoverlayer")
        assert "%{y} of %{x}: " in hover, hover
    assert page.console_errors == []


def test_hostile_names_stay_text(opened: Callable[[Path], Opened], tmp_path: Path) -> None:
    hostile = cp.Report(_hostile_log(), today="2026-03-10")
    view = opened(write_html(hostile, tmp_path / "hostile.html"))
    page = view.page
    cells = [c for row in view.table() for c in row]
    for name in (HOSTILE_CAMPAIGN, HOSTILE_EMAIL, FORMULA_EMAIL, "Plain & <b>bold</b>"):
        assert name in cells
    assert page.locator("img").count() == 0
    assert page.locator("#cp-table b, #cp-table svg").count() == 0
    assert page.evaluate("document.querySelectorAll('[onerror],[onload]').length") == 0
    # data, its packed buffer, plotly config, plotly.js packed, the report's script and the
    # plotly.js it unpacks
    assert page.locator("script").count() == 6
    # the campaign filter, the email list and the charts show the names as text too
    # (the lists are drawn on the picker's "toggle" event, which the browser fires a moment
    # after the click: expect() waits for it)
    page.click("#cp-campaigns-picker summary")
    expect(page.locator("#cp-campaigns")).to_contain_text(HOSTILE_CAMPAIGN)
    page.click("#cp-campaigns-picker summary")
    expect(page.locator("#cp-email-list")).to_contain_text(HOSTILE_EMAIL)
    # the email's own scripts and images do not run or load in the preview
    page.get_by_role("button", name=HOSTILE_EMAIL).first.click()
    expect(page.locator("#cp-preview-subject")).to_have_text("<b>not bold</b>")
    expect(page.frame_locator("#cp-preview-frame").locator("h1")).to_have_text("Inert")
    assert view.dialogs == []
    assert view.requests == [view.url]
    # a download neutralises the formula
    page.click("#cp-preview-close")
    with page.expect_download() as info:
        page.click("#cp-download")
    text = Path(info.value.path()).read_text()
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text
    assert view.dialogs == []


BOLD = "Plain & <b>bold</b>"
ANCHOR = '<a href="https://evil.example">x</a>'
MARKUP_EMAIL = "<i>it</i> & <sup>2</sup>"
MARKUP_LINK = "https://example.com/R&D/<b>bold</b>?a=1&b=<i>x</i>"
MARKUP_PAGE = "https://example.com/R&D/<b>bold</b>"  # the chart drops query strings


def _markup_log() -> cp.EventLog:
    """A small log whose names and links hold the HTML plotly reads in chart text."""
    rows = []
    for lead in ("L1", "L2", "L3"):
        rows.append(("sent", "2026-03-02T09:00:00Z", "C1", "E1", lead, None))
        rows.append(("sent", "2026-03-03T09:00:00Z", "C2", "E2", lead, None))
    rows += [
        ("delivered", "2026-03-02T09:01:00Z", "C1", "E1", "L1", None),
        ("open", "2026-03-02T10:00:00Z", "C1", "E1", "L1", None),
        ("click", "2026-03-02T10:01:00Z", "C1", "E1", "L1", ANCHOR),
        ("click", "2026-03-02T10:02:00Z", "C1", "E1", "L1", MARKUP_LINK),
        ("delivered", "2026-03-03T09:01:00Z", "C2", "E2", "L2", None),
        ("open", "2026-03-03T10:00:00Z", "C2", "E2", "L2", None),
    ]
    columns = ["event_type", "timestamp", "campaign_id", "email_id", "lead_id", "link"]
    campaigns = pd.DataFrame(
        {
            "campaign_id": ["C1", "C2"],
            "campaign_name": [BOLD, ANCHOR],
            "program": ["P & <b>Q</b>", "P"],
            "status": ["active", "active"],
        }
    )
    emails = pd.DataFrame({"email_id": ["E1", "E2"], "email_name": [ANCHOR, MARKUP_EMAIL]})
    return cp.load_events(
        pd.DataFrame(rows, columns=columns), campaigns=campaigns, emails=emails, warn=False
    )


def _chart_markup(page: Any) -> dict[str, int]:
    """Elements and styles in the charts' SVG that markup in a name would create."""
    return page.evaluate(
        """() => {
        const svg = ".js-plotly-plot svg";
        const count = s => document.querySelectorAll(s).length;
        return {
            links: count(svg + " a"),
            bold: count(svg + " tspan[style*='bold']"),
            italic: count(svg + " tspan[style*='italic']"),
            small: count(svg + " tspan[style*='font-size:70%']"),
            html: count(svg + " b, " + svg + " i, " + svg + " sup"),
        };
    }"""
    )


def _ticks(page: Any, kind: str, axis: str = "y") -> list[str]:
    """The tick labels of a chart's first axis, each line of a label joined by " · "."""
    return page.eval_on_selector_all(
        f"#cp-chart-{kind} .{axis}tick text",
        "ts => ts.map(t => { const lines = t.querySelectorAll('tspan.line');"
        " return lines.length ? Array.from(lines, l => l.textContent).join(' · ')"
        " : t.textContent; })",
    )


def _tick(*names: str) -> str:
    """A row's tick in the rates chart: each name cut to the panels' width."""
    return " · ".join(shorten(n, PANELS["label_chars"]) for n in names)


def test_markup_in_names_is_chart_text(
    opened: Callable[[Path], Opened], page: Any, tmp_path: Path
) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    small = cp.Report(_markup_log(), today="2026-03-10")
    view = opened(write_html(small, tmp_path / "markup.html"))
    none = {"links": 0, "bold": 0, "italic": 0, "small": 0, "html": 0}
    assert page.locator(".js-plotly-plot svg").count() > 0
    assert _chart_markup(page) == none
    assert page.locator(".js-plotly-plot svg a").count() == 0
    # the names and links show as the text they are
    rows = [f"{BOLD} · {ANCHOR}", f"{ANCHOR} · {MARKUP_EMAIL}"]
    ticks = [_tick(BOLD, ANCHOR), _tick(ANCHOR, MARKUP_EMAIL)]
    assert sorted(_ticks(page, "rates")) == sorted(ticks)
    assert sorted(_ticks(page, "links")) == sorted([ANCHOR, MARKUP_PAGE])
    # the hover text too
    page.locator("#cp-chart-rates .trace.scatter .point").first.hover(force=True)
    page.wait_for_selector("#cp-chart-rates .hoverlayer .hovertext")
    hover = page.text_content("#cp-chart-rates .hoverlayer")
    assert any(row in hover for row in rows), hover
    assert _chart_markup(page) == none
    # the rates chart redrawn by report.js labels its rows like Python
    view.choose_frame("all time")
    other = small.with_time_frame("all time")
    rates = view.figure("rates")
    want = chart(other, "rates")
    assert rates["title"] == want.layout.title.text
    assert [list(t["y"]) for t in rates["data"]] == [list(t.y) for t in want.data]
    assert sorted(want.data[0].y) == sorted(
        [
            'Plain &amp; &lt;b&gt;bold&lt;/b&gt; · &lt;a href="https://evil.example"&gt;x&lt;/a&gt;',
            '&lt;a href="https://evil.example"&gt;x&lt;/a&gt; · &lt;i&gt;it&lt;/i&gt; &amp; '
            "&lt;sup&gt;2&lt;/sup&gt;",
        ]
    )
    assert sorted(_ticks(page, "rates")) == sorted(ticks)
    assert _chart_markup(page) == none
    # and after a filter, with one row left
    view.pick("cp-emails", [MARKUP_EMAIL])
    assert _ticks(page, "rates") == [ticks[1]]
    assert _chart_markup(page) == none
    assert errors == []
    assert view.dialogs == []
    assert view.requests == [view.url]


def test_activity_basis_fixes_the_frame(
    opened: Callable[[Path], Opened], rep: cp.Report, tmp_path: Path
) -> None:
    activity = rep.with_time_frame("last month").with_basis("activity")
    view = opened(write_html(activity, tmp_path / "activity.html"))
    page = view.page
    assert page.is_disabled("#cp-frame")
    assert "date of activity" in page.text_content("#cp-frame-note")
    assert_same_table(view, activity)
    campaigns = [activity.table()["campaign_name"].iloc[-1]]
    for kind in KINDS:
        assert_same_figure(view, kind, activity)
    view.pick("cp-campaigns", campaigns)
    assert_same_table(view, activity.where(campaigns=campaigns))
    for kind in KINDS:
        assert_same_figure(view, kind, activity.where(campaigns=campaigns))
    assert page.console_errors == []


def test_cdn_file_offline_keeps_the_table(
    opened: Callable[[Path], Opened], rep: cp.Report, tmp_path: Path
) -> None:
    view = opened(write_html(rep, tmp_path / "cdn.html", plotlyjs="cdn"))
    page = view.page
    assert any(u.startswith("https://cdn.plot.ly/") for u in view.requests)  # refused
    assert "plotly.js" in page.text_content("#cp-chart-rates")
    view.choose_frame("last month")
    assert_same_table(view, rep.with_time_frame("last month"))
    assert not [e for e in page.console_errors if "cp-" in e or "campaignPerf" in e]


# -- a report of 10,000 campaign × email rows ----------------------------------------------
def _many_emails(n: int) -> cp.EventLog:
    """``n`` campaign × email rows: campaign c has 4 emails, each sent to three people on
    one day, delivered to two, opened and clicked by one."""
    rows = []
    for e in range(n):
        day = f"2026-09-{1 + e % 28:02d}"
        for lead, kinds in (
            ("L1", ("sent", "delivered", "open", "click")),
            ("L2", ("sent", "delivered")),
            ("L3", ("sent",)),
        ):
            for hour, kind in enumerate(kinds):
                link = f"https://example.com/p{e % 12}?uid={lead}" if kind == "click" else None
                rows.append(
                    (
                        kind,
                        f"{day}T{9 + hour * (e % 5):02d}:00:00Z",
                        f"C{e // 4:05d}",
                        f"E{e:05d}",
                        lead,
                        link,
                    )
                )
    events = pd.DataFrame(
        rows, columns=["event_type", "timestamp", "campaign_id", "email_id", "lead_id", "link"]
    )
    campaigns = pd.DataFrame(
        {
            "campaign_id": [f"C{c:05d}" for c in range(n // 4)],
            "campaign_name": [f"Autumn campaign {c}" for c in range(n // 4)],
            "program": [f"Program {c % 40}" for c in range(n // 4)],
        }
    )
    emails = pd.DataFrame(
        {
            "email_id": [f"E{e:05d}" for e in range(n)],
            "email_name": [f"Email {e} of the series" for e in range(n)],
        }
    )
    return cp.load_events(events, campaigns=campaigns, emails=emails, warn=False)


MAX_BYTES = 6_000_000


def test_a_report_of_10000_emails_is_small_paged_and_capped(
    opened: Callable[[Path], Opened], tmp_path: Path
) -> None:
    many = cp.Report(_many_emails(10_000), today="2026-09-30")
    path = write_html(many, tmp_path / "many.html")
    assert path.stat().st_size < MAX_BYTES, f"{path.stat().st_size / 1e6:.2f} MB"
    view = opened(path)
    page = view.page
    # nothing is drawn that the reader does not see: one page of rows, the top rows of
    # the rates chart, no check boxes or email list until opened
    rows = python_rows(many)
    assert len(rows) == 12_501  # 10,000 emails, 2,500 subtotals, the total
    assert view.table() == rows[:100] + rows[-1:]
    assert page.text_content("#cp-page-text") == "Rows 1–100 of 12,500"
    assert len(view.figure("rates")["data"][0]["y"]) == TOP_ROWS + 1
    assert page.locator("#cp-campaigns input, #cp-emails input, #cp-email-list li").count() == 0
    page.click("#cp-next")
    assert view.table() == rows[100:200] + rows[-1:]
    assert page.text_content("#cp-page-text") == "Rows 101–200 of 12,500"
    # the controls work at this size like at any other
    view.choose_frame("last week")
    other = many.with_time_frame("last week")
    rows = python_rows(other)
    assert view.table() == rows[:100] + rows[-1:]
    for kind in KINDS:
        if kind in ("clients", "domains"):  # 3 people in all, 1 opens: they fold into Other
            names = view.figure(kind)["data"][0]["y"]
            assert names == ["Other (groups under 5 people)"]
            continue
        assert_same_figure(view, kind, other)
    page.click("#cp-email-details summary")
    expect(page.locator("#cp-email-list li")).to_have_count(10_000)
    assert page.console_errors == []


# -- the headline strip ------------------------------------------------------------------
def strip_in_page(view: Opened) -> dict[str, Any]:
    return view.page.evaluate(
        """() => ({
          against: document.getElementById('cp-kpi-against').textContent,
          items: Array.from(document.querySelectorAll('.cp-kpi'), k => ({
            metric: k.dataset.metric, verdict: k.dataset.verdict,
            significance: k.dataset.significant,
            label: k.querySelector('.cp-kpi-label').textContent,
            text: k.querySelector('.cp-kpi-value').textContent,
            change: k.querySelector('.cp-kpi-change').textContent,
            significance_text: k.querySelector('.cp-kpi-sig').textContent,
            points: k.querySelector('polyline').getAttribute('points'),
          })),
        })"""
    )


def assert_same_strip(view: Opened, rep: cp.Report) -> None:
    """The page's strip says what Python's kpis() says for the same settings."""
    table = rep.kpis()
    got = strip_in_page(view)
    assert got["against"] == against_text(table)
    want = strip_items(table)
    assert [g["metric"] for g in got["items"]] == [w["metric"] for w in want]
    for g, w in zip(got["items"], want, strict=True):
        for field in ("label", "text", "change", "verdict", "significance", "significance_text"):
            assert g[field] == w[field], (w["metric"], field, g[field], w[field])
        assert _points(g["points"]) == pytest.approx(_points(w["points"]), abs=0.011)


def _points(text: str) -> list[float]:
    return [float(v) for pair in text.split() for v in pair.split(",")]


@pytest.mark.parametrize(
    "frame", ["past 30 days", "last month", "this month", "last week", "past 90 days"]
)
def test_the_headline_strip_follows_the_frame_like_python(
    sample: Opened, rep: cp.Report, frame: str
) -> None:
    view = sample
    view.choose_frame(frame)
    other = rep.with_time_frame(frame)
    assert_same_strip(view, other)
    # the previous period is compare_periods' own
    compared = other.compare_periods()
    previous = compared.attrs["previous_frame"]
    assert str(previous) in view.page.text_content("#cp-kpi-against")


def test_the_headline_strip_follows_dates_and_filters_like_python(
    sample: Opened, rep: cp.Report
) -> None:
    view = sample
    assert_same_strip(view, rep)  # as the file opens
    view.custom_frame("2026-09-10", "2026-10-09")
    custom = rep.with_time_frame("2026-09-10..2026-10-09")
    assert_same_strip(view, custom)
    campaigns = sorted(rep.table()["campaign_name"].dropna().unique())[:3]
    view.pick("cp-campaigns", campaigns)
    assert_same_strip(view, custom.where(campaigns=campaigns))
    # an open frame has no previous period
    view.choose_frame("all time")
    assert_same_strip(view, rep.with_time_frame("all time").where(campaigns=campaigns))


def test_js_changes_like_python(sample: Opened) -> None:
    from campaign_perf.report.stats import _change

    rng = np.random.default_rng(11)
    deltas = [0.0, -0.0, 1e-9, -1e-9, 0.0004, -0.0005, 0.00051, 0.1234, -0.25, 3.0]
    deltas += (rng.normal(size=200) / 20).tolist() + (rng.normal(size=100) * 5000).round().tolist()
    relatives = [math.nan, 0.0, 0.05, -0.0005, 1.5, *(rng.normal(size=300) / 3).tolist()]
    cases = [
        (d, relatives[i % len(relatives)], fmt)
        for i, d in enumerate(deltas)
        for fmt in ("pct", "int", "float")
    ]
    got = sample.page.evaluate(
        "cs => cs.map(c => window.campaignPerf.changeText(c[0], c[1] === null ? NaN : c[1], c[2]))",
        [[d, None if math.isnan(r) else r, f] for d, r, f in cases],
    )
    assert got == [_change(d, r, f) for d, r, f in cases]


# -- what stood out ----------------------------------------------------------------------
PANEL_TEXT = """root => ({
  note: root.querySelector('#cp-performers-note').textContent,
  best: Array.from(root.querySelectorAll('#cp-best li'), li => li.textContent),
  worst: Array.from(root.querySelectorAll('#cp-worst li'), li => li.textContent),
})"""


def panel_in_page(view: Opened) -> dict[str, Any]:
    return view.page.evaluate(f"() => ({PANEL_TEXT})(document)")


def python_panel(view: Opened, rep: cp.Report, metric: str = "clicked_pct") -> dict[str, Any]:
    """Python's panel, read by the same page the same way (in an inert template element)."""
    html = performers_panel(rep, metric, style=False)
    return view.page.evaluate(
        f"html => {{ const t = document.createElement('template'); t.innerHTML = html;"
        f" return ({PANEL_TEXT})(t.content); }}",
        html,
    )


def test_what_stood_out_follows_the_reader_like_python(sample: Opened, rep: cp.Report) -> None:
    view = sample
    assert panel_in_page(view) == python_panel(view, rep)
    view.choose_frame("last month")
    other = rep.with_time_frame("last month")
    assert panel_in_page(view) == python_panel(view, other)
    view.page.select_option("#cp-performers-metric", "opened_pct")
    assert panel_in_page(view) == python_panel(view, other, "opened_pct")
    before = panel_in_page(view)
    emails = sorted(other.table()["email_name"].dropna().unique())[:6]
    view.pick("cp-emails", emails)
    got = panel_in_page(view)
    assert got == python_panel(view, other.where(emails=emails), "opened_pct")
    assert got != before
    assert all(any(e in item for e in emails) for item in got["best"] + got["worst"])
    view.page.select_option("#cp-performers-metric", "clicked_pct")


def test_sends_still_settling_are_marked_under_the_table(sample: Opened, rep: cp.Report) -> None:
    view = sample
    for frame in ("past 30 days", "last month", "all time", "today"):
        view.choose_frame(frame)
        note = settling_note(rep.with_time_frame(frame))
        settling = view.page.locator("#cp-settling")
        if note:
            expect(settling).to_be_visible()
            assert settling.text_content() == note
        else:
            expect(settling).to_be_hidden()
    assert settling_note(rep.with_time_frame("last month")) == ""
    assert "still settling" in settling_note(rep)
