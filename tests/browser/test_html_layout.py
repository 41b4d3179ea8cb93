"""The shared report as a reader sees it on a wide screen, a laptop, a phone and on paper:
the headline strip first, nothing wider than the screen, the table's header, name column
and total row in view while it scrolls, pickers that close, and a print layout that shows
every default column."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

import campaign_perf as cp
from campaign_perf.views.html.report import write_html
from campaign_perf.views.kpi_strip import strip_items

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data"
WIDTHS = {"wide": 1400, "laptop": 1024, "phone": 390}


@pytest.fixture(scope="module")
def rep() -> cp.Report:
    log = cp.load_events(
        SAMPLE / "events.parquet",
        campaigns=SAMPLE / "campaigns.csv",
        emails=SAMPLE / "emails.parquet",
    )
    return cp.Report(log, time_frame="last month", today="as_of")


@pytest.fixture(scope="module")
def html_file(rep: cp.Report, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_html(rep, tmp_path_factory.mktemp("layout") / "report.html")


def _open(browser: Any, path: Path, width: int, height: int = 900) -> Any:
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(path.resolve().as_uri())
    page.wait_for_selector("html[data-cp-ready]")
    page.errors = errors
    return page


@pytest.fixture(params=list(WIDTHS), scope="module")
def screen(request: Any, browser: Any, html_file: Path) -> Iterator[tuple[str, Any]]:
    page = _open(browser, html_file, WIDTHS[request.param])
    yield request.param, page
    page.context.close()


def _box(page: Any, selector: str) -> dict[str, float]:
    return page.eval_on_selector(
        selector,
        "e => { const r = e.getBoundingClientRect(); return {x: r.x, y: r.y,"
        " right: r.right, bottom: r.bottom, width: r.width, height: r.height}; }",
    )


def test_the_headline_comes_first_and_nothing_is_wider_than_the_screen(
    screen: tuple[str, Any], rep: cp.Report, artifacts: Path
) -> None:
    name, page = screen
    assert page.errors == []
    width = WIDTHS[name]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # the strip is on the first screen, right under the one line of settings, above the table
    strip = _box(page, ".cp-kpis")
    assert strip["y"] < _box(page, "#cp-table")["y"]
    assert _box(page, "#cp-description")["bottom"] <= strip["y"]
    assert page.locator(".cp-header dl").count() == 0  # the settings moved to the footer
    shown = page.eval_on_selector_all(".cp-kpi .cp-kpi-value", "vs => vs.map(v => v.textContent)")
    assert shown == [k["text"] for k in strip_items(rep.kpis())]
    for item in page.query_selector_all(".cp-kpi"):
        box = item.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
    # the charts fit the screen too
    for chart in page.query_selector_all(".cp-chart .main-svg"):
        box = chart.bounding_box()
        assert box["x"] + box["width"] <= width + 1, name
    page.screenshot(path=str(artifacts / f"report_{name}.png"), full_page=False)


def test_the_table_keeps_header_name_and_total_in_view(screen: tuple[str, Any]) -> None:
    _, page = screen
    wrap = _box(page, ".cp-table-wrap")
    page.eval_on_selector(".cp-table-wrap", "w => { w.scrollTop = 400; w.scrollLeft = 300; }")
    page.wait_for_timeout(50)  # the scroll is applied at the next frame
    header = _box(page, "#cp-table thead th:nth-child(3)")
    assert abs(header["y"] - wrap["y"]) <= 2, "the header scrolled away"
    first = _box(page, "#cp-table tbody tr:nth-child(3) td:first-child")
    assert abs(first["x"] - wrap["x"]) <= 2, "the name column scrolled away"
    total = _box(page, "#cp-table tr.cp-total td:first-child")
    assert total["bottom"] <= wrap["bottom"] + 1 and total["y"] >= wrap["y"]
    assert page.text_content("#cp-table tr.cp-total td:first-child") == "Total"
    page.eval_on_selector(".cp-table-wrap", "w => { w.scrollTop = 0; w.scrollLeft = 0; }")


def test_every_default_column_fits_a_wide_screen(browser: Any, html_file: Path) -> None:
    page = _open(browser, html_file, 1400)
    try:
        sizes = page.eval_on_selector(".cp-table-wrap", "w => [w.scrollWidth, w.clientWidth]")
        assert sizes[0] <= sizes[1], "the default columns need a horizontal scroll at 1400 px"
        caption = page.text_content("#cp-table caption")
        assert caption == page.text_content("#cp-description")
    finally:
        page.context.close()


def test_pickers_close_on_escape_and_on_a_click_outside(browser: Any, html_file: Path) -> None:
    page = _open(browser, html_file, 1024)
    try:
        picker = page.locator("#cp-campaigns-picker")
        page.click("#cp-campaigns-picker summary")
        expect(picker).to_have_attribute("open", "")
        page.keyboard.press("Escape")
        expect(picker).not_to_have_attribute("open", "")
        page.click("#cp-columns-picker summary")
        expect(page.locator("#cp-columns-picker")).to_have_attribute("open", "")
        page.get_by_role("checkbox", name="Sent", exact=True).click()  # inside: stays open
        expect(page.locator("#cp-columns-picker")).to_have_attribute("open", "")
        page.click("h1")
        expect(page.locator("#cp-columns-picker")).not_to_have_attribute("open", "")
    finally:
        page.context.close()


def test_each_chart_has_a_text_summary(browser: Any, html_file: Path) -> None:
    page = _open(browser, html_file, 1400)
    try:
        for chart in page.query_selector_all(".cp-chart"):
            kind = chart.get_attribute("data-kind")
            summary_id = chart.get_attribute("aria-describedby")
            assert summary_id == f"cp-chart-{kind}-summary"
            text = page.text_content(f"#{summary_id}")
            assert "last month" in text, (kind, text)
    finally:
        page.context.close()


def test_printed_landscape_with_every_default_column(
    browser: Any, html_file: Path, rep: cp.Report, artifacts: Path
) -> None:
    page = _open(browser, html_file, 1100)
    try:
        pdf = page.pdf(landscape=True, format="A4", print_background=True)
        (artifacts / "report_print.pdf").write_bytes(pdf)
        assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 2
        # the layout on paper: an A4 landscape page is about 1047 px wide inside its margins
        page.set_viewport_size({"width": 1047, "height": 700})
        page.emulate_media(media="print")
        assert page.locator("#cp-controls").is_hidden()
        assert page.locator("#cp-email-details").is_hidden()
        heads = page.eval_on_selector_all(
            "#cp-table thead th",
            "hs => hs.map(h => [h.textContent, h.getBoundingClientRect().right])",
        )
        labels = [m.label for m in rep.metrics]
        assert [h[0] for h in heads][-len(labels) :] == labels
        assert max(h[1] for h in heads) <= 1047, "a default column is cut off on paper"
    finally:
        page.context.close()
