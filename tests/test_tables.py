"""The people-facing table drawn: labels, formatted numbers, row styles, escaping."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pandas as pd
import pytest
from pandas.io.formats.style import Styler

import campaign_perf as cp
from campaign_perf.report.rows import sort_rows, table_rows
from campaign_perf.views import tables

BAD = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
COLUMNS = ["sent", "delivered", "opened", "opened_pct"]


def sale_events() -> list[dict]:
    """Events of two campaigns: one of two emails, one of one email with a hostile name."""
    rows: list[dict] = []

    def add(kind: str, c: str, cname: str, e: str, ename: str, lead: str) -> None:
        rows.append(
            {
                "event_type": kind,
                "timestamp": "2026-03-02 09:00" if kind == "sent" else "2026-03-02 10:00",
                "campaign_id": c,
                "campaign_name": cname,
                "email_id": e,
                "email_name": ename,
                "lead_id": lead,
                "program": "Spring" if c == "C1" else "Other",
            }
        )

    # Spring Sale / Hello: 1,200 sent, 1,000 delivered, 250 opened.
    for i in range(1200):
        lead = f"L{i:04d}"
        add("sent", "C1", "Spring Sale", "E1", "Hello", lead)
        if i < 1000:
            add("delivered", "C1", "Spring Sale", "E1", "Hello", lead)
        if i < 250:
            add("open", "C1", "Spring Sale", "E1", "Hello", lead)
    # Spring Sale / Reminder: 3 sent, 3 delivered, 1 opened.
    for i in range(3):
        add("sent", "C1", "Spring Sale", "E2", "Reminder", f"L{i:04d}")
        add("delivered", "C1", "Spring Sale", "E2", "Reminder", f"L{i:04d}")
    add("open", "C1", "Spring Sale", "E2", "Reminder", "L0000")
    # A hostile campaign name; both sends bounce, so its Opened % is missing.
    for lead in ("M1", "M2"):
        add("sent", "C2", BAD, "E3", "Oops", lead)
        add("hard_bounce", "C2", BAD, "E3", "Oops", lead)
    return rows


# (label, sent, delivered, opened) of each row people see, derived from the rows above.
EXPECTED = [
    ("detail", "Spring Sale", "Hello", 1200, 1000, 250),
    ("detail", "Spring Sale", "Reminder", 3, 3, 1),
    ("subtotal", "Spring Sale — subtotal", "", 1203, 1003, 251),
    ("detail", BAD, "Oops", 2, 0, 0),  # a campaign of one email: its row is its subtotal
    ("total", "Total", "", 1205, 1003, 251),
]


@pytest.fixture(scope="module")
def rep() -> cp.Report:
    log = cp.load_events(pd.DataFrame(sale_events()), warn=False)
    return cp.Report(log, columns=COLUMNS)


@pytest.fixture(scope="module")
def html(rep: cp.Report) -> str:
    return tables.styled(rep).to_html()


def _opened_pct(delivered: int, opened: int) -> float:
    return opened / delivered if delivered else math.nan


def _cell(html: str, row: int, col: int) -> str:
    cell = rf'<td id="T_\w+_row{row}_col{col}" class="data row{row} col{col}" >(.*?)</td>'
    match = re.search(cell, html)
    assert match, (row, col)
    return match.group(1)


def _rule(html: str, row: int) -> str:
    """The CSS declarations the Styler gives the first cell of a row."""
    rules = re.findall(r"([^{}]+)\{([^}]*)\}", html.split("</style>")[0])
    return " ".join(
        props for selectors, props in rules if f"_row{row}_col0," in f"{selectors.strip()},"
    )


# -- styled -----------------------------------------------------------------------------
def test_styled_is_a_styler_over_numbers_with_labels_as_headers(rep: cp.Report, html: str) -> None:
    st = tables.styled(rep)
    assert isinstance(st, Styler)
    assert list(st.data.columns) == ["Campaign", "Email", "Sent", "Delivered", "Opened", "Opened %"]
    assert st.data["Sent"].tolist() == [e[3] for e in EXPECTED]
    for label in st.data.columns:
        assert f">{label}</th>" in html
    assert "row_heading" not in html  # no index
    assert 'class="campaign-perf-table"' in html
    assert rep.description in html


def test_styled_formats_thousands_percentages_and_missing_rates(html: str) -> None:
    sent, opened_pct = 2, 5
    assert _cell(html, 0, sent) == "1,200"
    assert _cell(html, 0, opened_pct) == f"{250 / 1000:.1%}"
    assert _cell(html, 1, opened_pct) == f"{1 / 3:.1%}"
    assert _cell(html, 2, sent) == "1,203"
    assert _cell(html, 2, opened_pct) == f"{251 / 1003:.1%}"
    assert _cell(html, 3, opened_pct) == "–"  # 0 delivered: the rate is missing
    assert _cell(html, 4, sent) == "1,205"


def test_styled_subtotals_are_grey_italic_and_the_total_bold(html: str) -> None:
    kinds = [e[0] for e in EXPECTED]
    for row, kind in enumerate(kinds):
        rule = _rule(html, row)
        assert ("italic" in rule) == (kind == "subtotal"), (row, rule)
        assert ("bold" in rule) == (kind == "total"), (row, rule)
    assert _cell(html, 2, 0) == "Spring Sale — subtotal"
    assert _cell(html, 4, 0) == "Total"


def test_styled_rows_keep_their_style_when_a_view_reorders_them(rep: cp.Report) -> None:
    st = tables.styled(rep)
    st.data = st.data.iloc[::-1]  # what a sortable view does
    st.index = st.data.index
    html = st.to_html()
    assert _cell(html, 0, 0) == "Total"
    assert "bold" in _rule(html, 0)
    assert _cell(html, 2, 0) == "Spring Sale — subtotal"
    assert "italic" in _rule(html, 2)
    assert "italic" not in _rule(html, 3) and "bold" not in _rule(html, 3)


def test_styled_escapes_names(html: str) -> None:
    assert ESCAPED in html
    assert "<img" not in html


# -- to_html ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def table(rep: cp.Report) -> ET.Element:
    return ET.fromstring(tables.to_html(rep))


def test_to_html_is_a_static_table_with_sort_values(table: ET.Element) -> None:
    assert table.tag == "table" and table.get("class") == "campaign-perf-table"
    headers = [th.text for th in table.iter("th")]
    assert headers == ["Campaign", "Email", "Sent", "Delivered", "Opened", "Opened %"]
    assert [th.get("data-metric") for th in table.iter("th")][2:] == COLUMNS
    body = table.find("tbody")
    assert body is not None
    rows = body.findall("tr")
    assert [r.get("class") for r in rows] == [e[0] for e in EXPECTED[:-1]]
    for tr, e in zip(rows, EXPECTED, strict=False):
        cells = tr.findall("td")
        assert [c.text or "" for c in cells[:2]] == [e[1], e[2]]
        assert [int(c.get("data-sort")) for c in cells[2:5]] == list(e[3:])
        pct = _opened_pct(e[4], e[5])
        if math.isnan(pct):
            assert (cells[5].get("data-sort"), cells[5].text) == ("", "–")
        else:
            assert float(cells[5].get("data-sort")) == pytest.approx(pct)
            assert cells[5].text == f"{pct:.1%}"
    assert [c.get("class") for c in rows[0].findall("td")] == [None, None] + ["num"] * 4


def test_to_html_puts_the_total_in_the_footer(table: ET.Element) -> None:
    foot = table.find("tfoot")
    assert foot is not None
    (tr,) = foot.findall("tr")
    cells = tr.findall("td")
    assert (tr.get("class"), cells[0].text, cells[2].text) == ("total", "Total", "1,205")


def test_to_html_escapes_names(rep: cp.Report, table: ET.Element) -> None:
    text = tables.to_html(rep)
    assert ESCAPED in text and "<img" not in text
    assert BAD in [td.text for td in table.iter("td")]  # shown as text, not markup


def test_to_html_shows_given_rows_in_their_order(rep: cp.Report) -> None:
    rows = sort_rows(table_rows(rep), "sent", ascending=True, mode="ranked")
    table = ET.fromstring(tables.to_html(rep, rows=rows))
    body = table.findall("tbody/tr")
    assert [tr.findall("td")[1].text for tr in body] == ["Oops", "Reminder", "Hello"]
    assert [tr.get("class") for tr in body] == ["detail"] * 3
    assert [td.text for td in table.findall("tfoot/tr/td")][:3] == ["Total", None, "1,205"]


# -- a grouping by where emails were read (RULES.md section 9) --------------------------------
OUTLOOK = "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.4266; Pro)"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148"
)


@pytest.fixture(scope="module")
def by_device() -> cp.Report:
    """Four sent; L1 opens on an iPhone and in Outlook, L2 and L3 in Outlook."""
    base = {"campaign_id": "C1", "email_id": "E1"}
    rows = [
        {**base, "event_type": "sent", "timestamp": "2026-03-02 09:00", "lead_id": lead}
        for lead in ("L1", "L2", "L3", "L4")
    ]
    for lead, agent in (("L1", IPHONE), ("L1", OUTLOOK), ("L2", OUTLOOK), ("L3", OUTLOOK)):
        rows.append(
            {**base, "event_type": "open", "timestamp": "2026-03-02 10:00", "lead_id": lead}
            | {"user_agent": agent}
        )
    log = cp.load_events(pd.DataFrame(rows), warn=False)
    return cp.Report(log, columns=["sent", "opened"]).by("device")


def test_formatted_shows_share_of_opened_with_its_label_and_format(by_device: cp.Report) -> None:
    t = by_device.formatted()
    assert list(t.columns) == ["Device", "Sent", "Opened", "Share of Opened"]
    assert t.values.tolist() == [
        ["desktop", "–", "3", "100.0%"],
        ["mobile", "–", "1", "33.3%"],
        ["Total", "4", "3", "100.0%"],
    ]
    share = by_device.table().set_index("device")["share_of_opened"]
    assert share.to_dict() == pytest.approx({"desktop": 1.0, "mobile": 1 / 3})


def test_notebook_table_and_its_html_show_share_of_opened_and_the_note(
    by_device: cp.Report,
) -> None:
    page = tables.to_html(by_device)
    assert "Share of Opened" in page and "33.3%" in page
    assert "counts under both" in by_device._repr_html_()
    assert "Share of Opened" in tables.styled(by_device).to_html()
