"""The shared report's charts as a reader sees them, in headless Chromium: the rates as
small multiples and the funnel drawn by report.js with Python's numbers, the funnel's
rates equal to the table's, and every chart inside the screen at 1400, 1024 and 390 px,
its legend at the foot, never over its title."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import campaign_perf as cp
from campaign_perf.views.charts import CHART_KINDS, chart
from campaign_perf.views.html.report import write_html

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data"
WIDTHS = {"wide": 1400, "laptop": 1024, "phone": 390}
FRAMES = ["past 30 days", "last month", "yesterday"]


@pytest.fixture(scope="module")
def rep() -> cp.Report:
    log = cp.load_events(
        SAMPLE / "events.parquet",
        campaigns=SAMPLE / "campaigns.csv",
        emails=SAMPLE / "emails.parquet",
        warn=False,
    )
    return cp.Report(log, time_frame="past 30 days", today="as_of", tz="America/New_York")


@pytest.fixture(scope="module")
def html_file(rep: cp.Report, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_html(rep, tmp_path_factory.mktemp("charts") / "report.html")


def _open(browser: Any, path: Path, width: int) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(path.resolve().as_uri())
    page.wait_for_selector("html[data-cp-ready]")
    page.errors = errors
    return page


@pytest.fixture(params=list(WIDTHS), scope="module")
def screen(request: Any, browser: Any, html_file: Path) -> Iterator[tuple[int, Any]]:
    page = _open(browser, html_file, WIDTHS[request.param])
    yield WIDTHS[request.param], page
    page.context.close()


@pytest.fixture(scope="module")
def wide(browser: Any, html_file: Path) -> Iterator[Any]:
    page = _open(browser, html_file, 1400)
    yield page
    page.context.close()


def _figure(page: Any, kind: str) -> dict[str, Any]:
    return page.evaluate(
        "k => { const g = document.getElementById('cp-chart-' + k);"
        " return {data: g.data, layout: g.layout}; }",
        kind,
    )


def _numbers(values: Any) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


# -- the same numbers as Python ----------------------------------------------------------
@pytest.mark.parametrize("frame", FRAMES)
def test_the_rates_panels_are_pythons(wide: Any, rep: cp.Report, frame: str) -> None:
    page = wide
    page.select_option("#cp-frame", label=frame)
    got = _figure(page, "rates")
    want = chart(
        rep.with_time_frame(frame),
        "rates",
        width=page.evaluate("document.getElementById('cp-chart-rates').clientWidth"),
    )
    assert [t["name"] for t in got["data"]] == [t.name for t in want.data]
    assert [(t["xaxis"], t["yaxis"]) for t in got["data"]] == [
        (t.xaxis, t.yaxis) for t in want.data
    ]
    for g, w in zip(got["data"], want.data, strict=True):
        # each panel: its rows in Python's order (by value), their values and counts
        assert g["y"] == list(w.y) == g["hovertext"], w.name
        assert np.allclose(_numbers(g["x"]), np.asarray(w.x, float), equal_nan=True), w.name
        assert np.allclose(np.asarray(g["customdata"], float), np.asarray(w.customdata, float)), (
            w.name
        )
        axis = "yaxis" + w.yaxis[1:]
        assert got["layout"][axis]["ticktext"] == list(want.layout[axis].ticktext)
        # its own axis, in the same place as Python lays it out for this width
        for name in ("xaxis" + w.xaxis[1:], axis):
            assert np.allclose(got["layout"][name]["domain"], want.layout[name].domain)
    # the panels' titles (rate, total, family) and the lines at the totals
    assert [a["text"] for a in got["layout"]["annotations"]] == [
        a.text for a in want.layout.annotations
    ]
    lines = [(s["xref"], s["x0"]) for s in got["layout"]["shapes"]]
    assert [x for x, _ in lines] == [s.xref for s in want.layout.shapes]
    assert np.allclose([v for _, v in lines], [s.x0 for s in want.layout.shapes])
    assert got["layout"]["height"] == want.layout.height
    assert page.errors == []


def _shown_funnel(page: Any) -> dict[str, str]:
    """The rates the funnel shows on screen (its step labels): label -> figure."""
    lines = page.eval_on_selector_all(
        "#cp-chart-funnel .ytick text tspan.line", "ls => ls.map(l => l.textContent)"
    )
    out = {}
    for line in lines:
        found = re.fullmatch(r"(\S+) of \w+ \((.+)\)", line)
        if found:
            out[found.group(2)] = found.group(1)
    return out


def _table_total(page: Any) -> dict[str, str]:
    """The total row of the page's table: column label -> cell."""
    heads = page.eval_on_selector_all("#cp-table thead th", "hs => hs.map(h => h.textContent)")
    cells = page.eval_on_selector_all(
        "#cp-table tr.cp-total td", "cs => cs.map(c => c.textContent)"
    )
    return dict(zip([h.strip() for h in heads], cells, strict=True))


@pytest.mark.parametrize("frame", FRAMES)
def test_every_funnel_rate_is_the_tables_figure(wide: Any, rep: cp.Report, frame: str) -> None:
    page = wide
    page.select_option("#cp-frame", label=frame)
    shown = _shown_funnel(page)
    assert set(shown) == {"Delivered %", "Opened %", "Clicked %", "Clicked to Opened %"}
    total = _table_total(page)
    assert shown == {label: total[label] for label in shown}  # the page's own table
    python = rep.with_time_frame(frame).formatted().iloc[-1]
    assert shown == {label: python[label] for label in shown}  # and Python's
    want = chart(rep.with_time_frame(frame), "funnel")
    got = _figure(page, "funnel")
    assert got["data"][0]["y"] == list(want.data[0].y)
    assert got["data"][0]["x"] == list(want.data[0].x)


# -- inside the screen, legends at the foot ------------------------------------------------
_BOXES = """
g => {
  const box = e => { const r = e.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width}; };
  const texts = Array.from(g.querySelectorAll('.main-svg text'))
    .filter(t => t.textContent.trim() && !t.closest('.hoverlayer'))
    .map(t => Object.assign(box(t), {text: t.textContent, cls: t.getAttribute('class') || '',
      ytick: !!t.closest('.yaxislayer-above')}));
  const legend = g.querySelector('.legend');
  return {
    svg: box(g.querySelector('.main-svg')),
    texts: texts,
    plots: Array.from(g.querySelectorAll('.nsewdrag')).map(box),
    title: Array.from(g.querySelectorAll('.gtitle, .gtitle-subtitle')).map(box),
    legend: legend && legend.getBoundingClientRect().height ? box(legend) : null,
    layout: {legend: g.layout.legend, title: g.layout.title, showlegend: g.layout.showlegend},
  };
}
"""


def _overlap(a: dict[str, float], b: dict[str, float], slack: float = 1.0) -> bool:
    return (
        a["left"] < b["right"] - slack
        and b["left"] < a["right"] - slack
        and a["top"] < b["bottom"] - slack
        and b["top"] < a["bottom"] - slack
    )


@pytest.mark.parametrize("kind", list(CHART_KINDS))
def test_no_chart_text_leaves_the_screen_or_covers_a_title(
    screen: tuple[int, Any], kind: str, artifacts: Path
) -> None:
    width, page = screen
    assert page.errors == []
    node = page.locator(f"#cp-chart-{kind}")
    node.scroll_into_view_if_needed()
    found = page.eval_on_selector(f"#cp-chart-{kind}", _BOXES)
    svg = found["svg"]
    assert svg["left"] >= 0 and svg["right"] <= width, (kind, svg)
    for t in found["texts"]:
        # every title, tick, label, legend entry and note is whole on the screen
        assert t["left"] >= svg["left"] - 1 and t["right"] <= svg["right"] + 1, (kind, t)
        assert t["left"] >= 0 and t["right"] <= width, (kind, t)
    plots = found["plots"]
    for t in found["texts"]:
        if t["ytick"] or "gtitle" in t["cls"]:
            # no name of one panel over another panel; no title over a plot
            assert not any(_overlap(t, p) for p in plots), (kind, t)
    for title in found["title"]:
        assert title["bottom"] <= min(p["top"] for p in plots) + 1, (kind, title)
    legend = found["legend"]
    if legend is not None:
        # at the foot: under every plot and axis title, clear of the title and subtitle
        assert legend["top"] >= max(p["bottom"] for p in plots), (kind, legend)
        assert not any(_overlap(legend, t) for t in found["title"]), kind
        axis_titles = [t for t in found["texts"] if t["cls"].startswith(("xtitle", "ytitle"))]
        assert not any(_overlap(legend, t) for t in axis_titles), kind
        assert legend["left"] >= 0 and legend["right"] <= width, kind
    layout = found["layout"]
    assert (layout["legend"]["yref"], layout["legend"]["y"], layout["legend"]["yanchor"]) == (
        "container",
        0,
        "bottom",
    )
    assert (layout["title"]["yref"], layout["title"]["y"], layout["title"]["yanchor"]) == (
        "container",
        1,
        "top",
    )
    if kind in ("rates", "funnel"):
        node.screenshot(path=str(artifacts / f"chart_{kind}_{width}.png"))


def test_a_phone_gets_one_column_of_panels_and_wrapped_titles(
    browser: Any, html_file: Path
) -> None:
    page = _open(browser, html_file, 390)
    try:
        layout = page.evaluate("document.getElementById('cp-chart-rates').layout")
        axes = [k for k in layout if k.startswith("xaxis")]
        assert len(axes) == 5 and len({tuple(layout[a]["domain"]) for a in axes}) == 1
        assert "<br>" in layout["title"]["text"]
        # wider again: the panels are laid out anew, side by side
        page.set_viewport_size({"width": 1400, "height": 900})
        columns = (
            "() => { const l = document.getElementById('cp-chart-rates').layout;"
            " return new Set(Object.keys(l).filter(k => k.startsWith('xaxis'))"
            ".map(k => l[k].domain[0])).size; }"
        )
        for _ in range(100):  # the report redraws once the resizing stops
            if page.evaluate(columns) > 1:
                break
            page.wait_for_timeout(100)
        assert page.evaluate(columns) == 3
        assert page.errors == []
    finally:
        page.context.close()
