"""The email previewer's frame policy: nothing remote loads unless remote images are asked
for (the browser test tests/browser/test_preview_remote.py shows it in Chromium)."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest

import campaign_perf as cp
from campaign_perf.views.dashboard import Dashboard
from campaign_perf.views.preview import email_preview, preview_html

BODY = '<img src="https://tracker.example/p.gif"><p>Hi</p>'


@pytest.fixture
def log() -> cp.EventLog:
    events = pd.DataFrame(
        {
            "event_type": ["sent"],
            "timestamp": ["2026-03-02"],
            "campaign_id": ["C1"],
            "email_id": ["E1"],
            "lead_id": ["L1"],
        }
    )
    emails = pd.DataFrame({"email_id": ["E1"], "email_name": ["Launch"], "html": [BODY]})
    return cp.load_events(events, emails=emails)


def policy(shown: str) -> dict[str, str]:
    """The directives of the Content-Security-Policy at the top of the frame's srcdoc."""
    srcdoc = html.unescape(re.search(r'srcdoc="([^"]*)"', shown).group(1))  # type: ignore[union-attr]
    meta = re.match(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', srcdoc)
    assert meta is not None and srcdoc[meta.end() :] == BODY
    return dict(d.strip().split(" ", 1) for d in meta.group(1).split(";"))


def test_the_frame_loads_nothing_remote_by_default(log: cp.EventLog) -> None:
    p = policy(preview_html(log, "E1"))
    assert p["default-src"] == "'none'"
    assert p["img-src"] == "data:" and p["font-src"] == "data:"
    assert p["style-src"] == "'unsafe-inline'"


def test_remote_images_are_a_choice(log: cp.EventLog) -> None:
    p = policy(email_preview(log, "E1", remote_images=True).value)
    assert set(p["img-src"].split()) == {"data:", "http:", "https:"}
    assert p["style-src"] == "'unsafe-inline'" and p["default-src"] == "'none'"
    assert "https:" in policy(cp.Report(log).preview("E1", remote_images=True).value)["img-src"]


def test_the_dashboard_previewer_follows_its_setting(log: cp.EventLog) -> None:
    for remote, images in ((False, "data:"), (True, "data: http: https:")):
        dash = Dashboard(cp.Report(log), preview_remote_images=remote)
        dash.email_picker.value = "E1"
        assert policy(dash.preview.value)["img-src"] == images
