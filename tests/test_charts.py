"""Charts: the figure data equal the report's numbers, derived here from the events written."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

import campaign_perf as cp
from campaign_perf.views import charts
from campaign_perf.views.charts import CHART_KINDS, EMPTY_MESSAGE, PALETTE, chart
from campaign_perf.views.specs import PANELS

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 3, 10)
FRAME = "past 10 days (2026-03-01 – 2026-03-10)"
A = "https://x.com/a"
B = "https://x.com/b"
UNSUB = "https://x.com/unsubscribe?id=1"

NAMES = {
    "C1": ("Spring Sale", "Spring"),
    "C2": ("Newsletter", "News"),
    "C3": ("All Bounced", "News"),
}
EMAILS = {"E1": "Hello", "E2": "News", "E3": "Oops"}


def _event(kind: str, ts: str, c: str, e: str, lead: str, link: str | None = None) -> dict:
    campaign, program = NAMES[c]
    return {
        "event_type": kind,
        "timestamp": ts,
        "campaign_id": c,
        "email_id": e,
        "lead_id": lead,
        "link": link,
        "campaign_name": campaign,
        "program": program,
        "email_name": EMAILS[e],
    }


def c1(kind: str, ts: str, lead: str, link: str | None = None) -> dict:
    return _event(kind, ts, "C1", "E1", lead, link)


def c2(kind: str, ts: str, lead: str, link: str | None = None) -> dict:
    return _event(kind, ts, "C2", "E2", lead, link)


# Spring Sale / Hello, sent Monday 2026-03-02 09:00 UTC to L1, L2, L3, L4, L7.
# Newsletter / News, sent Thursday 2026-03-05 09:00 UTC to L1 and L5.
# All Bounced / Oops, sent Sunday 2026-03-08 09:00 UTC to L6 (hard bounce: no delivery).
EVENTS = [
    *(c1("sent", "2026-03-02 09:00", lead) for lead in ("L1", "L2", "L3", "L4", "L7")),
    *(c1("delivered", "2026-03-02 09:01", lead) for lead in ("L1", "L2", "L4", "L7")),
    c1("open", "2026-03-02 10:30", "L1"),  # 1.5 h after the send
    c1("click", "2026-03-02 10:31", "L1", A),  # 1.52 h
    c1("click", "2026-03-02 11:00", "L1", A),  # 2 h: the same person, the same link
    c1("open", "2026-03-02 12:00", "L1"),  # 3 h
    c1("open", "2026-03-03 09:30", "L2"),  # 24.5 h
    c1("click", "2026-03-03 09:31", "L2", UNSUB),  # not counted
    c1("unsubscribe", "2026-03-03 09:32", "L2"),
    c1("hard_bounce", "2026-03-02 09:02", "L3"),
    c1("click", "2026-03-02 13:15", "L4", A),  # 4.25 h, an implied open
    c2("sent", "2026-03-05 09:00", "L1"),
    c2("sent", "2026-03-05 09:00", "L5"),
    c2("delivered", "2026-03-05 09:01", "L1"),
    c2("soft_bounce", "2026-03-05 09:01", "L5"),
    c2("open", "2026-03-09 03:00", "L1"),  # 90 h; Sunday 23:00 in New York (EDT)
    c2("click", "2026-03-09 03:05", "L1", B),
    _event("sent", "2026-03-08 09:00", "C3", "E3", "L6"),
    _event("hard_bounce", "2026-03-08 09:02", "C3", "E3", "L6"),
]
# What those rows mean (RULES.md), per campaign: sent, delivered, opened, clicked.
EXPECTED = {
    "Spring Sale · Hello": (5, 4, 3, 2),  # opened: L1, L2 and L4 (by its click)
    "Newsletter · News": (2, 1, 1, 1),
    "All Bounced · Oops": (1, 0, 0, 0),
}


def rate(num: int, den: int) -> float:
    return num / den if den else math.nan


def same(values: Sequence[float], expected: Sequence[float]) -> bool:
    return np.allclose(np.asarray(values, float), np.asarray(expected, float), equal_nan=True)


@pytest.fixture(scope="module")
def log() -> cp.EventLog:
    return cp.load_events(pd.DataFrame(EVENTS), warn=False)


@pytest.fixture(scope="module")
def rep(log: cp.EventLog) -> cp.Report:
    return cp.Report(log, time_frame="past 10 days", today=TODAY)


@pytest.fixture(scope="module")
def sample_rep() -> cp.Report:
    data = ROOT / "sample_data"
    log = cp.load_events(
        data / "events.parquet",
        campaigns=data / "campaigns.csv",
        emails=data / "emails.parquet",
        leads=data / "leads.parquet",
        warn=False,
    )
    return cp.Report(log, time_frame="past 30 days", today="as_of", tz="Europe/Stockholm")


def trace(fig: go.Figure, name: str) -> go.BaseTraceType:
    found = [t for t in fig.data if t.name == name]
    assert len(found) == 1, [t.name for t in fig.data]
    return found[0]


def colors(fig: go.Figure) -> set[str]:
    """The colours the traces are drawn with (a heatmap: the top of its scale)."""
    out: set[str] = set()
    for t in fig.data:
        c = t.colorscale[-1][1] if t.type == "heatmap" else t.marker.color
        out.update([c] if isinstance(c, str) else list(c))
    return out


# -- every chart ------------------------------------------------------------------------
def test_chart_kinds_are_the_documented_ones() -> None:
    assert list(CHART_KINDS) == [
        "rates",
        "funnel",
        "volume",
        "rates_over_time",
        "engagement",
        "heatmap",
        "links",
        "machine_opens",
        "clients",
        "domains",
    ]


def test_machine_opens_chart_is_machine_opened_over_opened_per_send_day() -> None:
    ua = "Mozilla/5.0"  # Apple Mail Privacy Protection
    rows = []
    for day, machine, human in (("2026-03-02", 1, 3), ("2026-03-03", 2, 2)):
        for i in range(machine + human):
            lead = f"{day}-{i}"
            base = {"campaign_id": "C1", "email_id": "E1", "lead_id": lead}
            rows.append({**base, "event_type": "sent", "timestamp": f"{day} 09:00"})
            agent = ua if i < machine else "Microsoft Office/16.0 (Windows NT 10.0; Pro)"
            rows.append(
                {**base, "event_type": "open", "timestamp": f"{day} 10:00", "user_agent": agent}
            )
    log = cp.load_events(pd.DataFrame(rows), warn=False)
    fig = cp.Report(log).chart("machine_opens")
    assert list(fig.data[0].y) == pytest.approx([1 / 4, 2 / 4])
    assert "Machine Opened %" in fig.layout.title.text


@pytest.mark.parametrize("kind", list(CHART_KINDS))
def test_every_chart_is_white_titled_with_the_frame_and_uses_the_palette(
    rep: cp.Report, kind: str
) -> None:
    fig = chart(rep, kind)
    assert isinstance(fig, go.Figure)
    assert fig.layout.template == pio.templates["plotly_white"]
    assert FRAME in fig.layout.title.text
    assert "UTC · by sent date" in fig.layout.title.subtitle.text
    assert fig.data and colors(fig) <= set(PALETTE)
    assert list(fig.layout.colorway) == list(PALETTE)
    for axis in (fig.layout.xaxis, fig.layout.yaxis):
        assert axis.visible is False or axis.title.text is not None


@pytest.mark.parametrize("kind", list(CHART_KINDS))
@pytest.mark.parametrize("width", [None, 390])
def test_no_legend_over_a_title(rep: cp.Report, kind: str, width: int | None) -> None:
    fig = chart(rep, kind, width=width)
    title, legend = fig.layout.title, fig.layout.legend
    # the title and subtitle hang from the top of the figure, in a margin made for them
    assert (title.yref, title.y, title.yanchor) == ("container", 1, "top")
    lines = title.text.count("<br>") + 1 + title.subtitle.text.count("<br>") + 1
    assert fig.layout.margin.t >= 22 + lines * 17 + 22
    # the legend, when there is one, sits at the foot of the figure, under the plot
    assert (legend.orientation, legend.yref, legend.y, legend.yanchor) == (
        "h",
        "container",
        0,
        "bottom",
    )
    if kind == "rates":
        assert fig.layout.showlegend is False  # each panel names its rate


@pytest.mark.parametrize("kind", list(CHART_KINDS))
def test_titles_wrap_to_a_phone(sample_rep: cp.Report, kind: str) -> None:
    from campaign_perf.views.specs import FIT

    wide, phone = chart(sample_rep, kind, width=1400), chart(sample_rep, kind, width=390)
    assert phone.layout.title.text.replace("<br>", " ") == wide.layout.title.text
    chars = (390 - 20) // (FIT["title"] * FIT["em"])
    assert all(len(line) <= chars for line in phone.layout.title.text.split("<br>"))
    assert "<br>" in phone.layout.title.text
    assert phone.layout.margin.t > wide.layout.margin.t


def test_subtitle_says_when_filters_apply(rep: cp.Report) -> None:
    assert "filters applied" not in chart(rep, "funnel").layout.title.subtitle.text
    fig = chart(rep.where(programs="Spring"), "funnel")
    assert "filters applied" in fig.layout.title.subtitle.text
    assert list(fig.data[0].x) == list(EXPECTED["Spring Sale · Hello"])


def test_unknown_kind_is_an_error_that_lists_the_kinds(rep: cp.Report) -> None:
    with pytest.raises(cp.ReportError, match=r"unknown chart kind 'pie'.*rates, funnel"):
        chart(rep, "pie")


def test_unknown_option_is_an_error_that_lists_the_options(rep: cp.Report) -> None:
    with pytest.raises(cp.ReportError, match="'volume' chart; it takes options: period"):
        chart(rep, "volume", bins=3)


@pytest.mark.parametrize("kind", list(CHART_KINDS))
def test_a_frame_without_sends_gives_an_annotated_empty_figure(rep: cp.Report, kind: str) -> None:
    fig = chart(rep.with_time_frame("2025-01-01..2025-01-31"), kind)
    assert not fig.data
    assert [a.text for a in fig.layout.annotations] == [EMPTY_MESSAGE]
    assert "2025-01-01 – 2025-01-31" in fig.layout.title.text


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("engagement", "No opens or clicks in this time frame"),
        ("heatmap", "No opens in this time frame"),
        ("links", "No link clicks in this time frame"),
    ],
)
def test_event_charts_say_when_there_was_nothing_to_count(
    rep: cp.Report, kind: str, message: str
) -> None:
    fig = chart(rep.where(campaigns="All Bounced"), kind)
    assert not fig.data
    assert [a.text for a in fig.layout.annotations] == [message]


def test_names_are_data_and_are_escaped_in_html(log: cp.EventLog) -> None:
    bad = "<img src=x onerror=alert(1)></script>"
    rows = [
        {**e, "campaign_name": bad, "link": bad if e["link"] else None}
        for e in EVENTS
        if e["campaign_id"] == "C1"
    ]
    rep = cp.Report(cp.load_events(pd.DataFrame(rows), warn=False))
    escaped = "&lt;img src=x onerror=alert(1)&gt;&lt;/script&gt;"
    for kind in ("rates", "links"):
        fig = chart(rep, kind)
        assert any(escaped in str(v) for v in fig.data[0].y)
        html = fig.to_html(include_plotlyjs=False)
        assert bad not in html and "<img src=x" not in html


# Plotly reads <b>, <i>, <br>, <sup>, <span style> and <a href> in the text it draws; the
# names of these rows must show as the text they are.
BOLD = "Plain & <b>bold</b>"
ANCHOR = '<a href="https://evil.example">x</a>'
MARKUP_LINK = "https://x.com/R&D/<b>bold</b>?a=1&b=<i>it</i>"
MARKUP_PAGE = "https://x.com/R&D/<b>bold</b>"  # the link without its query string
MARKUP_PROGRAM = "R&D <i>it</i>"
MARKUP_COUNTRY = "<sup>up</sup> & <span style='color:red'>red</span>"
TAGS = ("<b>", "</b>", "<i>", "</i>", "<a ", "</a>", "<sup>", "<span")


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@pytest.fixture(scope="module")
def markup_rep() -> cp.Report:
    names = {"campaign_name": BOLD, "email_name": ANCHOR, "program": MARKUP_PROGRAM}
    rows = [{**e, **names} for e in EVENTS if e["campaign_id"] == "C1"]
    rows += [
        {**c1("click", "2026-03-02 10:40", "L1", ANCHOR), **names},
        {**c1("click", "2026-03-02 10:41", "L4", MARKUP_LINK), **names},
    ]
    leads = pd.DataFrame({"lead_id": ["L1", "L2", "L3", "L4", "L7"], "country": MARKUP_COUNTRY})
    log = cp.load_events(pd.DataFrame(rows), leads=leads, warn=False)
    return cp.Report(log, time_frame="past 10 days", today=TODAY)


def drawn_texts(fig: go.Figure) -> list[str]:
    """Every string of the figure's data and layout (not its template)."""
    out: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list | tuple | np.ndarray):
            for v in value:
                walk(v)

    spec = fig.to_plotly_json()
    spec["layout"].pop("template", None)
    walk(spec)
    return out


@pytest.mark.parametrize("kind", list(CHART_KINDS))
@pytest.mark.parametrize("groups", [("campaign_email",), ("program",), ("country",)])
def test_markup_in_names_is_escaped_in_every_chart_text(
    markup_rep: cp.Report, kind: str, groups: tuple[str, ...]
) -> None:
    fig = chart(markup_rep.by(*groups), kind)
    assert fig.data
    texts = drawn_texts(fig)
    for text in texts:
        assert not any(tag in text for tag in TAGS), text
        # every & is one of the entities plotly turns back into a character
        assert "&" not in text.replace("&amp;", "").replace("&lt;", "").replace("&gt;", ""), text


def test_markup_names_are_escaped_in_the_rates_labels(markup_rep: cp.Report) -> None:
    fig = chart(markup_rep, "rates")
    label = f"{esc(BOLD)} · {esc(ANCHOR)}"
    assert label == (
        'Plain &amp; &lt;b&gt;bold&lt;/b&gt; · &lt;a href="https://evil.example"&gt;x&lt;/a&gt;'
    )
    assert all(list(t.y) == [label] for t in fig.data)
    assert list(fig.layout.yaxis.categoryarray) == [label]
    assert "%{hovertext}" in fig.data[0].hovertemplate  # the hover shows the escaped label
    assert list(fig.data[0].hovertext) == [label]
    # the numbers are untouched
    assert same(trace(fig, "Opened %").x, [3 / 4])
    assert [tuple(r) for r in trace(fig, "Opened %").customdata] == [(3, 4)]
    assert list(chart(markup_rep.by("program"), "rates").data[0].y) == [esc(MARKUP_PROGRAM)]
    by_country = chart(markup_rep.by("country"), "rates")
    assert list(by_country.data[0].y) == [esc(MARKUP_COUNTRY)]
    # cut, then escaped: no entity is cut in two
    cut = MARKUP_COUNTRY[: PANELS["label_chars"] - 1] + "…"
    assert list(by_country.layout.yaxis.ticktext) == [esc(cut)]
    assert "by country" in by_country.layout.title.text


@pytest.mark.parametrize("full_urls, link", [(False, MARKUP_PAGE), (True, MARKUP_LINK)])
def test_markup_links_are_escaped_in_the_links_chart(
    markup_rep: cp.Report, full_urls: bool, link: str
) -> None:
    fig = chart(markup_rep, "links", full_urls=full_urls)
    clicks = trace(fig, "Clicks")
    want = [esc(A), esc(ANCHOR), esc(link)]
    assert list(clicks.y) == want
    assert [row[0] for row in clicks.customdata] == want
    assert list(fig.layout.yaxis.tickvals) == list(fig.layout.yaxis.categoryarray) == want
    assert list(fig.layout.yaxis.ticktext) == want
    assert list(clicks.x) == [3, 1, 1]


def test_long_links_are_cut_before_they_are_escaped(log: cp.EventLog) -> None:
    link = "https://x.com/" + "a&b/" * 20
    rows = [{**e, "link": link if e["link"] else None} for e in EVENTS]
    rep = cp.Report(cp.load_events(pd.DataFrame(rows), warn=False))
    (tick,) = chart(rep, "links").layout.yaxis.ticktext
    assert tick == esc(link[:59]) + "…"


def test_metric_labels_are_escaped_in_traces_titles_and_hover(rep: cp.Report) -> None:
    from campaign_perf.metrics import metric, registry_snapshot

    with registry_snapshot():
        metric("bold_pct", "clicked / delivered", fmt="pct", label="<b>Clicks</b> & co")
        fig = chart(rep, "rates", columns=["bold_pct"])
        over_time = chart(rep, "rates_over_time", columns=["bold_pct"])
    label = "&lt;b&gt;Clicks&lt;/b&gt; &amp; co"
    for f in (fig, over_time):
        assert [t.name for t in f.data] == [label]
        assert f.layout.title.text.startswith(f"{label} by ")
        assert f.data[0].hovertemplate.count(label) == 1
        assert "<b>" not in f.data[0].hovertemplate


# -- rates ------------------------------------------------------------------------------
def panels(fig: go.Figure) -> dict[str, dict[str, float]]:
    """Each panel of a rates chart: its rate's label -> {row label: value}."""
    return {
        t.name: {y: x for y, x in zip(t.y, t.x, strict=True) if not math.isnan(x)} for t in fig.data
    }


def test_rates_are_one_panel_per_rate_with_the_report_rates(rep: cp.Report) -> None:
    fig = chart(rep, "rates")
    pct = [m for m in rep.metrics if m.fmt == "pct"]
    assert [t.name for t in fig.data] == [m.label for m in pct]  # delivered % first
    assert all(t.type == "scatter" and t.mode == "markers" for t in fig.data)
    expected = {
        "Delivered %": [rate(d, s) for s, d, _, _ in EXPECTED.values()],
        "Opened %": [rate(o, d) for _, d, o, _ in EXPECTED.values()],
        "Clicked %": [rate(c, d) for _, d, _, c in EXPECTED.values()],
        "Clicked to Opened %": [rate(c, o) for _, _, o, c in EXPECTED.values()],
    }
    for label, values in expected.items():
        t = trace(fig, label)
        assert set(t.y) == set(EXPECTED)
        by_row = dict(zip(t.y, t.x, strict=True))
        assert same([by_row[k] for k in EXPECTED], values), label
    table = rep.table()
    names = table["campaign_name"] + " · " + table["email_name"]
    for m in pct:
        t = trace(fig, m.label)
        by_row = dict(zip(t.y, t.x, strict=True))
        assert same([by_row[n] for n in names], table[m.id]), m.id
    assert "by campaign and email" in fig.layout.title.text


def test_rates_panels_have_their_own_axes_and_never_mix_families(rep: cp.Report) -> None:
    columns = ["opened_pct", "bounced_pct", "clicked_pct", "delivered_pct"]
    fig = chart(rep, "rates", columns=columns)
    # deliverability (of sent) first, then engagement (of delivered), each in chosen order
    assert [t.name for t in fig.data] == ["Bounced %", "Delivered %", "Opened %", "Clicked %"]
    axes = [(t.xaxis, t.yaxis) for t in fig.data]
    assert axes == [("x", "y"), ("x2", "y2"), ("x3", "y3"), ("x4", "y4")]
    layout = fig.layout
    for n in ("", "2", "3", "4"):
        x, y = layout[f"xaxis{n}"], layout[f"yaxis{n}"]
        assert x.tickformat == ".2~%" and x.anchor == f"y{n}" and y.anchor == f"x{n}"
        assert y.type == "category" and y.autorange == "reversed"
    notes = [a.text for a in layout.annotations]
    assert notes == [
        "Bounced % · total 37.5%",
        "Deliverability · of sent",
        "Delivered % · total 62.5%",
        "Deliverability · of sent",
        "Opened % · total 80.0%",
        "Engagement · of delivered",
        "Clicked % · total 60.0%",
        "Engagement · of delivered",
    ]
    # the panels do not overlap: each its own box
    boxes = [
        (tuple(layout[f"xaxis{n}"].domain), tuple(layout[f"yaxis{n}"].domain))
        for n in ("", "2", "3", "4")
    ]
    for i, (xa, ya) in enumerate(boxes):
        for xb, yb in boxes[i + 1 :]:
            apart = xa[1] <= xb[0] or xb[1] <= xa[0] or ya[1] <= yb[0] or yb[1] <= ya[0]
            assert apart, (xa, ya, xb, yb)


def test_rates_reference_line_is_at_the_total(rep: cp.Report) -> None:
    fig = chart(rep, "rates")
    total = rep.total()
    lines = {s.xref: s.x0 for s in fig.layout.shapes}
    for t in fig.data:
        metric = next(m for m in rep.metrics if m.label == t.name)
        assert lines[t.xaxis] == pytest.approx(total[metric.id]), t.name
        assert all(
            s.x0 == s.x1 and s.yref == f"{s.xref.replace('x', 'y')} domain"
            for s in fig.layout.shapes
        )


def test_rates_rows_are_sorted_by_value_missing_last(rep: cp.Report) -> None:
    fig = chart(rep, "rates")
    for t in fig.data:
        values = np.asarray(t.x, dtype=float)
        shown = values[~np.isnan(values)]
        assert list(shown) == sorted(shown, reverse=True), t.name
        assert not np.isnan(values[: len(shown)]).any(), t.name  # missing ones after
        axis = fig.layout["yaxis" + t.yaxis[1:]]
        assert list(axis.categoryarray) == list(t.y) == list(axis.tickvals)
    opened = trace(fig, "Opened %")
    assert list(opened.y) == ["Newsletter · News", "Spring Sale · Hello", "All Bounced · Oops"]


def test_rates_hover_gives_the_exact_counts_and_the_whole_name(rep: cp.Report) -> None:
    opened = trace(chart(rep, "rates"), "Opened %")
    counts = {
        "Spring Sale · Hello": (3, 4),
        "Newsletter · News": (1, 1),
        "All Bounced · Oops": (0, 0),
    }
    assert {y: tuple(r) for y, r in zip(opened.y, opened.customdata, strict=True)} == counts
    assert "of %{customdata[1]:,.0f} delivered" in opened.hovertemplate
    assert opened.hovertemplate.startswith("%{hovertext}<br>")
    assert list(opened.hovertext) == list(opened.y)  # the whole name


def test_rates_long_names_are_a_line_per_column_cut_with_the_whole_name_on_hover() -> None:
    campaign, email = "A campaign with a very long name indeed", "Short"
    rows = [
        {
            **_event("sent", "2026-03-02 09:00", "C1", "E1", "L1"),
            "campaign_name": campaign,
            "email_name": email,
        },
    ]
    rep = cp.Report(cp.load_events(pd.DataFrame(rows), warn=False))
    fig = chart(rep, "rates", columns=["delivered_pct"])
    (t,) = fig.data
    assert list(t.y) == [f"{campaign} · {email}"]
    chars = PANELS["label_chars"]
    assert list(fig.layout.yaxis.ticktext) == [f"{campaign[: chars - 1]}…<br>{email}"]


def test_rates_panels_follow_the_width(rep: cp.Report) -> None:
    from campaign_perf.views.charts import panel_grid

    def columns(fig: go.Figure) -> int:
        return len({fig.layout["xaxis" + t.xaxis[1:]].domain for t in fig.data})

    assert columns(chart(rep, "rates", width=390)) == 1
    assert columns(chart(rep, "rates", width=1024)) == 2
    assert columns(chart(rep, "rates", width=1400)) == 3
    wide = chart(rep, "rates", width=1400)
    assert wide.layout.width == 1400
    assert chart(rep, "rates").layout.width is None  # plotly's responsive width
    grid = panel_grid(PANELS, 4, 10, 2, 1380)
    assert grid["columns"] == 3 and len(grid["panels"]) == 4
    assert all(
        0 <= b["x"][0] < b["x"][1] <= 1 and 0 <= b["y"][0] < b["y"][1] <= 1 for b in grid["panels"]
    )


def test_rates_missing_rate_has_no_dot(rep: cp.Report) -> None:
    fig = chart(rep, "rates")
    by_row = dict(zip(trace(fig, "Opened %").y, trace(fig, "Opened %").x, strict=True))
    assert math.isnan(by_row["All Bounced · Oops"])
    by_row = dict(zip(trace(fig, "Delivered %").y, trace(fig, "Delivered %").x, strict=True))
    assert by_row["All Bounced · Oops"] == 0


def test_rates_without_rate_columns_shows_open_click_and_click_to_open(rep: cp.Report) -> None:
    fig = chart(rep.with_columns(["sent", "opened"]), "rates")
    assert [t.name for t in fig.data] == ["Opened %", "Clicked %", "Clicked to Opened %"]
    assert fig.layout.title.text.startswith("Opened %, Clicked % and Clicked to Opened % by ")


def test_rates_follow_the_report_grouping(rep: cp.Report) -> None:
    fig = chart(rep.by("program"), "rates", columns=["opened_pct"])
    assert list(fig.data[0].y) == ["News", "Spring"]
    # News: Newsletter (1 opened of 1 delivered) and All Bounced (0 delivered)
    assert same(fig.data[0].x, [1 / 1, 3 / 4])
    assert "by program" in fig.layout.title.text


def test_rates_labels_that_repeat_get_their_ids() -> None:
    rows = [
        _event("sent", "2026-03-02 09:00", "C1", "E1", "L1"),
        {**_event("sent", "2026-03-02 09:00", "C2", "E1", "L1"), "campaign_name": "Spring Sale"},
    ]
    rep = cp.Report(cp.load_events(pd.DataFrame(rows), warn=False))
    assert list(chart(rep, "rates").data[0].y) == [
        "Spring Sale · Hello (C1 · E1)",
        "Spring Sale · Hello (C2 · E1)",
    ]


def test_rates_refuses_a_count_column(rep: cp.Report) -> None:
    with pytest.raises(cp.ReportError, match="sent are not rates"):
        chart(rep, "rates", columns=["sent"])


# -- funnel -----------------------------------------------------------------------------
def funnel_rates(fig: go.Figure) -> dict[str, str]:
    """Every rate the funnel shows: its label -> the figure shown, read from the steps."""
    out = {}
    for step in fig.data[0].y:
        for line in step.split("<br>")[1:]:
            value, label = re.fullmatch(r"(\S+) of \w+ \((.+)\)", line).groups()
            out[label] = value
    return out


def test_funnel_counts_sent_delivered_opened_clicked_with_the_tables_rates(
    rep: cp.Report,
) -> None:
    fig = chart(rep, "funnel")
    (t,) = fig.data
    assert t.type == "funnel"
    totals = [sum(v[i] for v in EXPECTED.values()) for i in range(4)]
    assert list(t.x) == totals == [8, 5, 4, 3]
    assert list(t.y) == [
        "Sent: 8",
        "Delivered: 5<br>62.5% of sent (Delivered %)",
        "Opened: 4<br>80.0% of delivered (Opened %)",
        "Clicked Link: 3<br>60.0% of delivered (Clicked %)"
        "<br>75.0% of opened (Clicked to Opened %)",
    ]
    assert "percent" not in t.hovertemplate  # no share of the first step: the table's rates
    assert [t.marker.color[i] for i in range(4)] == [
        charts.metric_color(m) for m in ("sent", "delivered", "opened", "clicked")
    ]


@pytest.mark.parametrize("frame", ["past 30 days", "last month", "yesterday"])
def test_funnel_rates_are_the_tables_figures_for_the_sample(
    sample_rep: cp.Report, frame: str
) -> None:
    rep = sample_rep.with_time_frame(frame).with_columns(
        ["sent", "delivered_pct", "opened_pct", "clicked_pct", "click_to_open_pct"]
    )
    shown = funnel_rates(chart(rep, "funnel"))
    total = rep.formatted().iloc[-1]
    assert shown == {label: total[label] for label in shown}
    assert set(shown) == {"Delivered %", "Opened %", "Clicked %", "Clicked to Opened %"}


# -- over time --------------------------------------------------------------------------
def test_volume_by_day_has_every_day_of_the_frame(rep: cp.Report) -> None:
    fig = chart(rep, "volume")
    sent, delivered = trace(fig, "Sent"), trace(fig, "Delivered")
    days = [f"2026-03-{d:02d}" for d in range(1, 11)]
    assert list(sent.x) == days
    by_day = {"2026-03-02": (5, 4), "2026-03-05": (2, 1), "2026-03-08": (1, 0)}
    assert list(sent.y) == [by_day.get(d, (0, 0))[0] for d in days]
    assert list(delivered.y) == [by_day.get(d, (0, 0))[1] for d in days]
    assert fig.layout.xaxis.title.text == "Send day"
    assert "by send day" in fig.layout.title.text


@pytest.mark.parametrize(
    ("week_start", "weeks"),
    [
        ("monday", {"2026-02-23": 0, "2026-03-02": 8, "2026-03-09": 0}),
        ("sunday", {"2026-03-01": 7, "2026-03-08": 1}),
    ],
)
def test_volume_by_week_honours_week_start(
    log: cp.EventLog, week_start: str, weeks: dict[str, int]
) -> None:
    rep = cp.Report(log, time_frame="past 10 days", today=TODAY, week_start=week_start)
    fig = chart(rep, "volume", period="week")
    sent = trace(fig, "Sent")
    assert dict(zip(sent.x, sent.y, strict=True)) == weeks
    table = rep.by("week").with_columns(["sent"]).table()
    assert {f"{w:%Y-%m-%d}": s for w, s in zip(table["send_week"], table["sent"], strict=True)} == {
        w: s for w, s in weeks.items() if s
    }
    assert week_start.capitalize() in fig.layout.xaxis.title.text


def test_volume_by_month(rep: cp.Report) -> None:
    sent = trace(chart(rep, "volume", period="month"), "Sent")
    assert (list(sent.x), list(sent.y)) == (["2026-03-01"], [8])


def test_volume_refuses_an_unknown_period(rep: cp.Report) -> None:
    with pytest.raises(cp.ReportError, match="period must be one of day, week, month"):
        chart(rep, "volume", period="year")


def test_rates_over_time_are_lines_of_each_days_rates_with_gaps(rep: cp.Report) -> None:
    fig = chart(rep, "rates_over_time")
    assert [t.name for t in fig.data] == ["Opened %", "Clicked %"]
    days = [f"2026-03-{d:02d}" for d in range(1, 11)]
    opened = {"2026-03-02": rate(3, 4), "2026-03-05": rate(1, 1), "2026-03-08": rate(0, 0)}
    clicked = {"2026-03-02": rate(2, 4), "2026-03-05": rate(1, 1), "2026-03-08": rate(0, 0)}
    assert list(fig.data[0].x) == days
    assert same(fig.data[0].y, [opened.get(d, math.nan) for d in days])
    assert same(fig.data[1].y, [clicked.get(d, math.nan) for d in days])
    assert all(t.mode == "lines+markers" and t.connectgaps is False for t in fig.data)
    assert fig.layout.yaxis.tickformat == ".0%"


# -- engagement -------------------------------------------------------------------------
def _bins(t: go.BaseTraceType) -> dict[str, int]:
    return {x: int(y) for x, y in zip(t.x, t.y, strict=True) if y}


def test_engagement_counts_events_by_hours_since_send(rep: cp.Report) -> None:
    fig = chart(rep, "engagement")
    opens, clicks = trace(fig, "Opens"), trace(fig, "Clicks")
    assert list(opens.x) == [str(h) for h in range(72)] + ["later"]
    assert _bins(opens) == {"1": 1, "3": 1, "24": 1, "later": 1}
    # the unsubscribe-link click is not counted
    assert _bins(clicks) == {"1": 1, "2": 1, "4": 1, "later": 1}
    assert fig.layout.yaxis.title.text == "Events"
    assert "every open and counted click" in fig.layout.title.subtitle.text


def test_engagement_counts_people_once_at_their_first_open_and_click(rep: cp.Report) -> None:
    fig = chart(rep, "engagement", unit="people")
    assert _bins(trace(fig, "People who opened")) == {"1": 1, "24": 1, "later": 1}
    assert _bins(trace(fig, "People who clicked")) == {"1": 1, "4": 1, "later": 1}
    assert fig.layout.yaxis.title.text == "People (records)"


def test_engagement_hours_option_moves_later(rep: cp.Report) -> None:
    opens = trace(chart(rep, "engagement", hours=3), "Opens")
    assert _bins(opens) == {"1": 1, "later": 3}


# -- heatmap ----------------------------------------------------------------------------
def _cells(fig: go.Figure) -> dict[tuple[str, int], int]:
    (t,) = fig.data
    z = np.asarray(t.z)
    return {(t.y[r], int(t.x[c])): int(z[r, c]) for r, c in zip(*np.nonzero(z), strict=True)}


def test_heatmap_puts_opens_at_their_weekday_and_hour_in_utc(rep: cp.Report) -> None:
    fig = chart(rep, "heatmap")
    assert _cells(fig) == {
        ("Monday", 10): 1,
        ("Monday", 12): 1,
        ("Tuesday", 9): 1,
        ("Monday", 3): 1,
    }
    assert fig.data[0].y[0] == "Monday"
    assert fig.layout.xaxis.title.text == "Hour of day (UTC)"


def test_heatmap_uses_the_report_zone_across_a_dst_change(log: cp.EventLog) -> None:
    rep = cp.Report(log, time_frame="past 10 days", today=TODAY, tz="America/New_York")
    fig = chart(rep, "heatmap")
    # 10:30Z and 12:00Z on 2 March are 05:30 and 07:00 EST; 09:30Z on 3 March is 04:30 EST;
    # 03:00Z on Monday 9 March is 23:00 EDT on Sunday 8 March.
    assert _cells(fig) == {("Monday", 5): 1, ("Monday", 7): 1, ("Tuesday", 4): 1, ("Sunday", 23): 1}
    assert "America/New_York" in fig.layout.title.text


def test_heatmap_weekdays_start_on_the_report_week_start(log: cp.EventLog) -> None:
    rep = cp.Report(log, time_frame="past 10 days", today=TODAY, week_start="sunday")
    fig = chart(rep, "heatmap")
    assert list(fig.data[0].y) == [
        "Sunday",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
    ]
    assert _cells(fig)[("Monday", 10)] == 1
    assert np.asarray(fig.data[0].z)[1].sum() == 3  # the Monday row holds Monday's opens
    assert fig.layout.yaxis.autorange == "reversed"


# -- links ------------------------------------------------------------------------------
def test_links_count_clicks_and_people_once_without_unsubscribe_links(rep: cp.Report) -> None:
    fig = chart(rep, "links")
    clicks, people = trace(fig, "Clicks"), trace(fig, "People")
    assert list(clicks.y) == list(people.y) == [A, B]  # the unsubscribe link is left out
    assert list(clicks.x) == [3, 1]  # L1 clicked A twice, L4 once; L1 clicked B
    assert list(people.x) == [2, 1]
    assert "unsubscribe links not counted" in fig.layout.title.subtitle.text


def test_links_top_n(rep: cp.Report) -> None:
    fig = chart(rep, "links", top=1)
    assert list(fig.data[0].y) == [A]
    assert fig.layout.title.text.startswith("Top 1 links")


# -- clients and devices (RULES.md section 9) --------------------------------------------------
def bars(fig: go.Figure, name: str) -> dict[str, float]:
    t = trace(fig, name)
    return dict(zip(t.y, t.x, strict=True))


@pytest.mark.parametrize("machine_opens", ["count", "exclude"])
def test_clients_chart_is_share_of_opened_of_the_client_and_device_tables(
    sample_rep: cp.Report, machine_opens: str
) -> None:
    rep = sample_rep.with_machine_opens(machine_opens)
    fig = chart(rep, "clients")
    assert [t.name for t in fig.data] == ["Client", "Device"]
    assert fig.layout.title.text.startswith("Share of Opened by client and by device")
    for name, group in (("Client", "client"), ("Device", "device")):
        table = rep.by(group).table()
        drawn = bars(fig, name)
        expected = dict(zip(table[group], table["share_of_opened"], strict=True))
        assert drawn == pytest.approx(expected), group
        # most opened first, and the hover's people are the table's opened
        assert list(trace(fig, name).x) == sorted(drawn.values(), reverse=True)
        opened = dict(zip(table[group], table["opened"], strict=True))
        t = trace(fig, name)
        assert {y: c[0] for y, c in zip(t.y, t.customdata, strict=True)} == opened
    # a person who opened on two devices counts under both: the bars can add up to more
    assert sum(bars(fig, "Device").values()) >= 1


def test_clients_chart_machine_opens_follow_the_report(sample_rep: cp.Report) -> None:
    counted = bars(chart(sample_rep, "clients"), "Device")
    excluded = bars(chart(sample_rep.with_machine_opens("exclude"), "Clients"), "Device")
    # Apple's proxy fetches are the device "proxy"; Gmail's and Yahoo's image proxies stay
    assert excluded["proxy"] < counted["proxy"]
    assert "machine opens excluded" in chart(
        sample_rep.with_machine_opens("exclude"), "clients"
    ).layout.title.subtitle.text.replace("<br>", " ")


def test_clients_chart_top_cuts_the_clients_and_says_so(sample_rep: cp.Report) -> None:
    table = sample_rep.by("client").table().sort_values("opened", ascending=False)
    fig = chart(sample_rep, "clients", top=3)
    assert list(trace(fig, "Client").y) == table["client"].head(3).tolist()
    every = len(table)
    assert fig.layout.yaxis.title.text == f"Client (the 3 of {every} with most opened)"
    assert fig.layout.yaxis2.title.text == "Device (the 3 of 5 with most opened)"
    # the parts are stacked, apart
    assert fig.layout.yaxis2.domain[1] < fig.layout.yaxis.domain[0]


def test_clients_chart_without_user_agents_is_all_unknown(rep: cp.Report) -> None:
    fig = chart(rep, "clients")
    assert bars(fig, "Client") == {"unknown": 1.0}
    assert bars(fig, "Device") == {"unknown": 1.0}


def test_clients_chart_says_why_not_with_a_lead_filter(sample_rep: cp.Report) -> None:
    fig = chart(sample_rep.where(leads={"country": ["SE"]}), "clients")
    assert not fig.data
    assert "cannot yet be combined with a lead filter" in fig.layout.annotations[0].text


def test_rates_by_client_name_each_client_once(sample_rep: cp.Report) -> None:
    grouped = sample_rep.by("client")
    fig = chart(grouped, "rates", columns=["click_to_open_pct"])
    table = grouped.table()
    assert bars(fig, "Clicked to Opened %") == pytest.approx(
        dict(zip(table["client"], table["click_to_open_pct"], strict=True))
    )


def _domain_log() -> cp.EventLog:
    """Sends to 12 domains: domain i gets i + 1 sends, i % 3 of them hard bounced."""
    rows = []
    for i in range(12):
        for j in range(i + 1):
            base = {"campaign_id": "C1", "email_id": "E1", "lead_id": f"p{j}@d{i:02d}.example"}
            rows.append({**base, "event_type": "sent", "timestamp": "2026-03-02 09:00"})
            kind = "hard_bounce" if j < i % 3 else "delivered"
            rows.append({**base, "event_type": kind, "timestamp": "2026-03-02 09:01"})
    rows.append(
        {"campaign_id": "C1", "email_id": "E1", "lead_id": "L-without-address"}
        | {"event_type": "sent", "timestamp": "2026-03-02 09:00"}
    )
    return cp.load_events(pd.DataFrame(rows), warn=False)


def test_domains_chart_is_bounced_and_delivered_of_the_recipient_domain_table() -> None:
    rep = cp.Report(_domain_log(), today=TODAY)
    fig = chart(rep, "domains", top=20)
    assert [t.name for t in fig.data] == ["Bounced %", "Delivered %"]
    assert fig.layout.title.text.startswith("Bounced % and Delivered % by recipient domain")
    table = rep.by("recipient_domain").with_columns(["bounced_pct", "delivered_pct"]).table()
    for name, metric in (("Bounced %", "bounced_pct"), ("Delivered %", "delivered_pct")):
        expected = dict(zip(table["recipient_domain"], table[metric], strict=True))
        assert bars(fig, name) == pytest.approx(expected), metric
    assert "(unknown)" in bars(fig, "Bounced %")


def test_domains_chart_keeps_the_top_domains_by_sent_and_the_rest_as_other() -> None:
    rep = cp.Report(_domain_log(), today=TODAY)
    fig = chart(rep, "domains", top=5)
    table = rep.by("recipient_domain").table()
    top = table.sort_values("sent", ascending=False, kind="stable").head(5)
    rest = table[~table["recipient_domain"].isin(top["recipient_domain"])]
    drawn = bars(fig, "Bounced %")
    assert set(drawn) == {*top["recipient_domain"], f"Other ({len(rest)} domains)"}
    other = (rest["hard_bounced"].sum() + rest["soft_bounced"].sum()) / rest["sent"].sum()
    assert drawn[f"Other ({len(rest)} domains)"] == pytest.approx(other)
    assert list(trace(fig, "Bounced %").y)[-1].startswith("Other")  # last


# -- the sample -------------------------------------------------------------------------
@pytest.mark.parametrize("kind", list(CHART_KINDS))
def test_every_kind_draws_the_sample(sample_rep: cp.Report, kind: str) -> None:
    fig = chart(sample_rep, kind)
    sizes = [len(t.z if t.type == "heatmap" else t.x) for t in fig.data]
    assert sizes and max(sizes) > 0
    assert not any("in this time frame" in a.text for a in fig.layout.annotations)


# -- long and far time frames -----------------------------------------------------------
@pytest.mark.parametrize(
    ("frame", "period", "points"),
    [
        # one point per day would be millions: the days that hold sends, by day
        ("0001-01-01..9999-12-31", "day", 7),
        ("0206-10-01..2026-10-31", "day", 7),
        # 730 days: weeks, over the whole frame
        ("2024-03-11..2026-03-10", "week", 105),
    ],
)
def test_over_time_charts_of_long_frames_are_bounded(
    rep: cp.Report, frame: str, period: str, points: int
) -> None:
    long = rep.with_time_frame(frame)
    for kind in ("volume", "rates_over_time"):
        fig = chart(long, kind)
        assert {len(t.x) for t in fig.data} == {points}, kind
        assert f"by send {period}" in fig.layout.title.text
    sent = trace(chart(long, "volume"), "Sent")
    assert sum(sent.y) == 8  # every send, once


def test_a_frame_far_from_the_data_is_empty(rep: cp.Report) -> None:
    far = rep.with_time_frame("9000-01-01..9999-12-31")
    for kind in CHART_KINDS:
        fig = chart(far, kind)
        assert not fig.data and [a.text for a in fig.layout.annotations] == [EMPTY_MESSAGE]


def test_axis_periods_coarsen_then_keep_to_the_data() -> None:
    day = dt.date
    assert charts.axis_periods(day(2026, 1, 1), day(2026, 1, 3), (day(2026, 1, 2),) * 2, "day") == (
        "day",
        [day(2026, 1, 1), day(2026, 1, 2), day(2026, 1, 3)],
    )
    period, starts = charts.axis_periods(
        day(2020, 1, 1), day(2026, 12, 31), (day(2026, 1, 5), day(2026, 2, 5)), "day"
    )
    assert (period, len(starts)) == ("week", 366)  # 7 years of weeks
    period, starts = charts.axis_periods(
        day(1, 1, 1), day(9999, 12, 31), (day(2026, 1, 5), day(2026, 2, 5)), "week"
    )
    assert (period, starts[0], starts[-1]) == ("week", day(2026, 1, 5), day(2026, 2, 2))
    period, starts = charts.axis_periods(None, None, (day(1990, 1, 1), day(2026, 1, 1)), "day")
    assert (period, len(starts)) == ("month", 433)  # more months than points: all of them


# -- metric labels, infinite values, many rows ---------------------------------------------
def test_a_label_that_looks_like_a_template_is_shown_as_it_is(rep: cp.Report) -> None:
    from campaign_perf.metrics import metric, registry_snapshot

    with registry_snapshot():
        metric("tricky_pct", "clicked / delivered", fmt="pct", label="%{y} of %{x}")
        fig = chart(rep, "rates", columns=["tricky_pct"])
        over_time = chart(rep, "rates_over_time", columns=["tricky_pct"])
    for f in (fig, over_time):
        hover = f.data[0].hovertemplate
        assert "&#37;{y} of &#37;{x}" in hover  # plotly shows the entity as "%"
        assert hover.count("%{") == 4, hover  # plotly's own: the row or day, value, counts
        assert f.data[0].name == "%{y} of %{x}"  # a legend entry is not a template


def test_the_rates_chart_shows_the_top_rows_and_the_others_as_one_dot_last() -> None:
    from campaign_perf.views.specs import TOP_ROWS

    n = TOP_ROWS + 5
    events = [
        {
            "event_type": kind,
            "timestamp": "2026-03-02 09:00",
            "campaign_id": "C1",
            "email_id": f"E{i:02d}",
            "lead_id": f"L{k}",
            "campaign_name": "Spring Sale",
            "email_name": f"Email {i:02d}",
        }
        for i in range(n)
        for k in range(1 + i % 7)  # email i is sent to 1 + i % 7 people...
        for kind in ("sent", "delivered")
        if kind == "sent" or k % 2 == 0  # ...and delivered to every other one
    ]
    rep = cp.Report(cp.load_events(pd.DataFrame(events), warn=False))
    (dots,) = chart(rep, "rates", columns=["delivered_pct"]).data
    sent = {i: 1 + i % 7 for i in range(n)}
    delivered = {i: (sent[i] + 1) // 2 for i in range(n)}
    kept = sorted(sorted(sent, key=lambda i: -sent[i])[:TOP_ROWS])  # most sends, stable
    rest = [i for i in range(n) if i not in kept]
    # the kept rows by value (highest first, ties in table order), then the others
    ranked = sorted(kept, key=lambda i: -delivered[i] / sent[i])
    assert list(dots.y) == [f"Spring Sale · Email {i:02d}" for i in ranked] + ["Other (5 rows)"]
    want = [delivered[i] / sent[i] for i in ranked]
    want.append(sum(delivered[i] for i in rest) / sum(sent[i] for i in rest))
    assert same(dots.x, want)
    assert tuple(dots.customdata[-1]) == (
        sum(delivered[i] for i in rest),
        sum(sent[i] for i in rest),
    )


def test_volume_shows_each_outcome_as_a_segment_that_adds_up_to_sent(rep: cp.Report) -> None:
    early = rep.with_as_of("2026-03-02 09:01:30")  # L3's hard bounce has not come yet
    fig = chart(early, "volume")
    names = [t.name for t in fig.data]
    assert names == [
        "Delivered",
        "Pending (still settling)",
        "Soft Bounced",
        "Hard Bounced",
        "Aborted",
        "Sent",
    ]
    assert fig.layout.barmode == "stack"
    segments = [list(t.y) for t in fig.data[:-1]]
    assert [sum(day) for day in zip(*segments, strict=True)] == list(trace(fig, "Sent").y)
    table = early.by("day").table().set_index("send_day")
    pending = dict(
        zip(
            trace(fig, "Pending (still settling)").x,
            trace(fig, "Pending (still settling)").y,
            strict=True,
        )
    )
    for day, row in table.iterrows():
        assert pending[f"{day:%Y-%m-%d}"] == row["pending"]
    assert sum(pending.values()) > 0  # a recent send with no outcome yet is its own segment
