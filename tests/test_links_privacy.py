"""The links chart shows pages, not the personal tokens click URLs carry in their query."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

import campaign_perf as cp
from campaign_perf.errors import ReportError

TODAY = dt.date(2026, 3, 10)
PAGE = "https://x.com/p"
CLICKS = [  # (lead, link): one page behind four personal links, two other links
    ("L1", PAGE + "?uid=1&email=jane@x.com"),
    ("L1", PAGE + "?uid=1&email=jane@x.com#top"),
    ("L2", PAGE + "?uid=2&mkt_tok=MjAwLUFCQy0xMjMAAA"),
    ("L3", "https://jane:secret@x.com/p?uid=3"),
    ("L3", "https://x.com/q?utm_source=marketo&utm_campaign=spring"),
    ("L3", "brochure.pdf?uid=4"),  # not a URL: kept, without its query
]
TOKENS = ("uid=", "jane", "secret", "mkt_tok", "MjAwLUFCQy0xMjMAAA", "utm_", "#top")


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@pytest.fixture(scope="module")
def rep() -> cp.Report:
    email = {"campaign_id": "C1", "email_id": "E1"}
    rows = [
        {"event_type": kind, "timestamp": "2026-03-02 09:00", "lead_id": lead, **email}
        for lead in ("L1", "L2", "L3")
        for kind in ("sent", "delivered")
    ]
    rows += [
        {"event_type": "click", "timestamp": "2026-03-02 10:00", "lead_id": lead, "link": link}
        | email
        for lead, link in CLICKS
    ]
    log = cp.load_events(pd.DataFrame(rows), warn=False)
    return cp.Report(log, time_frame="past 10 days", today=TODAY)


def test_links_of_one_page_are_one_bar_without_their_tokens(rep: cp.Report) -> None:
    fig = rep.chart("links")
    clicks, people = fig.data
    assert list(clicks.y) == list(people.y) == [PAGE, "brochure.pdf", "https://x.com/q"]
    assert list(clicks.x) == [4, 1, 1]
    assert list(people.x) == [3, 1, 1]
    assert "without query strings" in fig.layout.title.subtitle.text
    spec = fig.to_json()
    assert not [token for token in TOKENS if token in spec]


def test_full_urls_keep_the_links_as_they_are(rep: cp.Report) -> None:
    fig = rep.chart("links", full_urls=True)
    assert sorted(fig.data[0].y) == sorted(esc(link) for _, link in CLICKS)
    assert list(fig.data[0].x) == [1] * len(CLICKS)
    with pytest.raises(ReportError, match="full_urls"):
        rep.chart("links", full_urls="yes")


def test_the_html_report_embeds_no_token(rep: cp.Report, tmp_path: Path) -> None:
    text = rep.write_html(tmp_path / "report.html", plotlyjs="cdn").read_text("utf-8")
    assert PAGE in text
    assert not [token for token in TOKENS if token in text]


# links whose path carries a person or a token, and the page each is reduced to
B64 = "aGVsbG8gd29ybGQgdGhpcyBpcyBhIHRva2Vu"
HEX = "9f86d081884c7d659a2feaa0c55ad015"
PERSONAL = [
    ("L1", "https://x.com/u/alice@example.com/prefs", "https://x.com/u/…/prefs"),
    ("L2", "https://x.com/u/bob%40example.com/prefs", "https://x.com/u/…/prefs"),
    ("L1", "mailto:alice@example.com?subject=Hi", "mailto"),
    ("L3", "MAILTO:carol@example.com", "mailto"),
    ("L2", "https://x.com/app;jsessionid=A1B2C3D4E5/home", "https://x.com/app/home"),
    ("L3", f"https://x.com/r/{B64}/go", "https://x.com/r/…/go"),
    ("L1", f"https://x.com/t/{HEX}", "https://x.com/t/…"),
    ("L2", "https://x.com/orders/48151623429/view", "https://x.com/orders/…/view"),
    ("L3", "https://x.com/2026/03/spring-sale", "https://x.com/2026/03/spring-sale"),
]
SECRETS = ("alice", "bob", "carol", "jsessionid", "A1B2C3D4E5", B64, HEX, "48151623429")


@pytest.fixture(scope="module")
def personal() -> cp.Report:
    email = {"campaign_id": "C1", "email_id": "E1"}
    rows = [
        {"event_type": kind, "timestamp": "2026-03-02 09:00", "lead_id": lead, **email}
        for lead in ("L1", "L2", "L3")
        for kind in ("sent", "delivered")
    ]
    rows += [
        {"event_type": "click", "timestamp": "2026-03-02 10:00", "lead_id": lead, "link": link}
        | email
        for lead, link, _ in PERSONAL
    ]
    log = cp.load_events(pd.DataFrame(rows), warn=False)
    return cp.Report(log, time_frame="past 10 days", today=TODAY)


def test_personal_parts_of_a_path_are_masked(personal: cp.Report) -> None:
    fig = personal.chart("links")
    clicks, people = fig.data
    pages: dict[str, int] = {}
    for _, _, page in PERSONAL:
        pages[page] = pages.get(page, 0) + 1
    assert dict(zip(clicks.y, clicks.x, strict=True)) == pages
    assert dict(zip(people.y, people.x, strict=True))["mailto"] == 2  # one entry, two people
    spec = fig.to_json()
    assert not [s for s in SECRETS if s in spec]


def test_the_html_report_embeds_only_masked_links(personal: cp.Report, tmp_path: Path) -> None:
    text = personal.write_html(tmp_path / "r.html", plotlyjs="cdn").read_text("utf-8")
    assert not [s for s in SECRETS if s in text]
    assert "https://x.com/u/…/prefs" in text and "https://x.com/2026/03/spring-sale" in text
