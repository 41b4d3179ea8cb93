"""The notebook previewer loads nothing remote unless asked: no tracking pixel, no remote
stylesheet, no background image (a Content-Security-Policy in the frame's ``srcdoc``).

A local HTTP server stands in for the sender's tracker and records what is asked of it.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import campaign_perf as cp
from campaign_perf.views.preview import preview_html


class Tracker:
    """A server that records the paths requested from it."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.asked = threading.Event()
        tracker = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                tracker.paths.append(self.path)
                tracker.asked.set()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def tracker() -> Iterator[Tracker]:
    t = Tracker()
    yield t
    t.server.shutdown()


def body(url: str) -> str:
    return (
        f'<html><head><link rel="stylesheet" href="{url}/style.css"></head><body>'
        f'<div style="background-image:url({url}/bg.png)">Hello</div>'
        f'<img src="{url}/pixel.gif" width="1" height="1"></body></html>'
    )


def open_preview(page: Any, tmp_path: Path, tracker: Tracker, **options: Any) -> Any:
    """A page showing the previewer of an email whose body asks the tracker for three files."""
    events = pd.DataFrame(
        {
            "event_type": ["sent"],
            "timestamp": ["2026-03-02"],
            "campaign_id": ["C1"],
            "email_id": ["E1"],
            "lead_id": ["L1"],
        }
    )
    emails = pd.DataFrame(
        {"email_id": ["E1"], "email_name": ["Launch"], "html": [body(tracker.url)]}
    )
    log = cp.load_events(events, emails=emails)
    path = tmp_path / "preview.html"
    html = preview_html(log, "E1", **options)
    path.write_text(f"<!DOCTYPE html><html><body>{html}</body></html>", encoding="utf-8")
    return path.as_uri()


def refused(page: Any, what: str) -> Any:
    """Wait for the browser's report that the frame's policy refused to load ``what``."""
    return page.expect_console_message(
        lambda m: "Content Security Policy" in m.text and what in m.text
    )


def test_remote_content_is_not_loaded(page: Any, tmp_path: Path, tracker: Tracker) -> None:
    url = open_preview(page, tmp_path, tracker)
    with refused(page, "pixel.gif"), refused(page, "style.css"), refused(page, "bg.png"):
        page.goto(url)
    assert "Hello" in page.frames[1].inner_text("body")
    assert tracker.paths == []


def test_remote_images_load_when_asked(page: Any, tmp_path: Path, tracker: Tracker) -> None:
    url = open_preview(page, tmp_path, tracker, remote_images=True)
    with refused(page, "style.css"):
        page.goto(url)
    assert tracker.asked.wait(30)
    page.frames[1].wait_for_load_state("load")
    assert "/style.css" not in tracker.paths
    assert "/pixel.gif" in tracker.paths or "/bg.png" in tracker.paths
