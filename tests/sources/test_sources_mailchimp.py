"""Mailchimp email-activity reports (no published fixture: built from the API's format)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from campaign_perf.errors import SchemaError
from campaign_perf.sources import detect_source, read_source

from ._fixtures import event_rows, ts

CAMPAIGN = "42694e9e57"

#: Shape of ``GET /reports/{campaign_id}/email-activity`` (Mailchimp Marketing API 3.0).
REPORT = {
    "emails": [
        {
            "campaign_id": CAMPAIGN,
            "list_id": "4ca5becb8d",
            "list_is_active": True,
            "email_id": "62eeb292278cc15f5817cb78f7790b08",
            "email_address": "urist.mcvankab@freddiesjokes.com",
            "activity": [
                {"action": "open", "timestamp": "2015-09-15T19:15:47+00:00", "ip": "198.2.191.34"},
                {
                    "action": "click",
                    "timestamp": "2015-09-15T19:16:10+00:00",
                    "url": "http://freddiesjokes.com/joke-of-the-day",
                    "ip": "198.2.191.34",
                },
                {"action": "open", "timestamp": "2015-09-16T08:02:00+02:00", "ip": "198.2.191.34"},
            ],
            "_links": [],
        },
        {
            "campaign_id": CAMPAIGN,
            "list_id": "4ca5becb8d",
            "list_is_active": True,
            "email_id": "a8b3bbd1c1bd4b0e3e4fa6d1d1a2a6e6",
            "email_address": "bounced@example.com",
            "activity": [
                {"action": "bounce", "type": "hard", "timestamp": "2015-09-15T19:00:05+00:00"}
            ],
            "_links": [],
        },
        {
            "campaign_id": CAMPAIGN,
            "list_id": "4ca5becb8d",
            "list_is_active": True,
            "email_id": "0f6f4bbd5c1c0c4e0b8f0a3a2b1c0d9e",
            "email_address": "full@example.com",
            "activity": [
                {"action": "bounce", "type": "soft", "timestamp": "2015-09-15T19:00:07+00:00"}
            ],
            "_links": [],
        },
        {
            "campaign_id": CAMPAIGN,
            "list_id": "4ca5becb8d",
            "list_is_active": True,
            "email_id": "9d4a1f0a2b3c4d5e6f708192a3b4c5d6",
            "email_address": "quiet@example.com",
            "activity": [],
            "_links": [],
        },
    ],
    "campaign_id": CAMPAIGN,
    "total_items": 4,
    "_links": [],
}
URIST = "urist.mcvankab@freddiesjokes.com"
JOKE = "http://freddiesjokes.com/joke-of-the-day"
FIRST = "2015-09-15T19:00:05+00:00"  # earliest activity of the campaign


def _ev(event_type, at, lead, event_id, link=None):
    return (event_type, ts(at), CAMPAIGN, CAMPAIGN, lead, link, False, event_id)


def test_report_default_send_time(tmp_path: Path) -> None:
    path = tmp_path / "email-activity.json"
    path.write_text(json.dumps(REPORT), encoding="utf-8")
    assert detect_source(path) == "mailchimp"
    data = read_source(path)
    p = f"{CAMPAIGN}|{URIST}"
    assert event_rows(data.events) == [
        _ev("sent", FIRST, URIST, f"{p}|sent"),
        _ev("open", "2015-09-15T19:15:47Z", URIST, f"{p}|open|2015-09-15T19:15:47+00:00"),
        _ev(
            "click",
            "2015-09-15T19:16:10Z",
            URIST,
            f"{p}|click|2015-09-15T19:16:10+00:00|{JOKE}",
            link=JOKE,
        ),
        _ev("open", "2015-09-16T06:02:00Z", URIST, f"{p}|open|2015-09-16T08:02:00+02:00"),
        _ev("delivered", FIRST, URIST, f"{p}|delivered"),
        _ev("sent", FIRST, "bounced@example.com", f"{CAMPAIGN}|bounced@example.com|sent"),
        _ev(
            "hard_bounce",
            "2015-09-15T19:00:05Z",
            "bounced@example.com",
            f"{CAMPAIGN}|bounced@example.com|bounce|2015-09-15T19:00:05+00:00",
        ),
        _ev("sent", FIRST, "full@example.com", f"{CAMPAIGN}|full@example.com|sent"),
        _ev(
            "soft_bounce",
            "2015-09-15T19:00:07Z",
            "full@example.com",
            f"{CAMPAIGN}|full@example.com|bounce|2015-09-15T19:00:07+00:00",
        ),
        _ev("sent", FIRST, "quiet@example.com", f"{CAMPAIGN}|quiet@example.com|sent"),
        _ev("delivered", FIRST, "quiet@example.com", f"{CAMPAIGN}|quiet@example.com|delivered"),
    ]
    assert data.events["_row"].tolist() == [1, 1, 1, 1, 1, 2, 2, 3, 3, 4, 4]
    assert data.skipped == {}
    assert data.rejected.empty


def test_sent_at_option_and_no_implied_delivery() -> None:
    data = read_source(REPORT, sent_at="2015-09-15T18:00:00Z", imply_delivered=False)
    sent = data.events[data.events["event_type"] == "sent"]
    assert sent["timestamp"].tolist() == [ts("2015-09-15T18:00:00Z")] * 4
    assert "delivered" not in set(data.events["event_type"])
    by_campaign = read_source(REPORT, sent_at={CAMPAIGN: "2015-09-15 20:00:00"}, tz="Europe/Paris")
    sent = by_campaign.events[by_campaign.events["event_type"] == "sent"]
    assert sent["timestamp"].tolist() == [ts("2015-09-15T18:00:00Z")] * 4


def test_entries_list_and_placeholders() -> None:
    entries = [{k: v for k, v in REPORT["emails"][1].items() if k != "campaign_id"}]
    assert detect_source(entries) == "mailchimp"
    data = read_source(entries)
    assert set(data.events["campaign_id"]) == {"(no campaign)"}
    assert data.events["event_type"].tolist() == ["sent", "hard_bounce"]
    named = read_source(entries, campaign_id="abc123")
    assert set(named.events["campaign_id"]) == {"abc123"}
    assert set(named.events["email_id"]) == {"abc123"}


def test_malformed_entries_and_activities() -> None:
    report = copy.deepcopy(REPORT)
    report["emails"][0]["activity"] += [
        {"timestamp": "2015-09-15T19:20:00+00:00"},
        {"action": "open", "timestamp": "sometime"},
        {"action": "forward", "timestamp": "2015-09-15T19:21:00+00:00"},
        "junk",
    ]
    report["emails"].append("not an entry")
    data = read_source(report)
    assert data.skipped == {"unknown: forward": 1}
    assert data.rejected["row"].tolist() == [1, 1, 1, 5]
    assert data.rejected["reason"].tolist() == [
        "missing event kind ('action')",
        "not a JSON object but str",
        "unparseable timestamp 'sometime'",
        "not a JSON object but str",
    ]
    assert json.loads(data.rejected["raw"].iloc[2]) == {"action": "open", "timestamp": "sometime"}
    assert len(data.events) == 11


def test_campaign_without_activity_needs_sent_at() -> None:
    report = {"emails": [REPORT["emails"][3]], "campaign_id": CAMPAIGN}
    data = read_source(report)
    assert data.events.empty
    assert data.rejected["reason"].tolist() == [
        "no send time: no activity in the campaign and no sent_at"
    ]
    given = read_source(report, sent_at="2015-09-15T18:00:00Z")
    assert given.events["event_type"].tolist() == ["sent", "delivered"]


def test_entry_without_activity_list_is_not_recognised() -> None:
    entry = {k: v for k, v in REPORT["emails"][0].items() if k != "activity"}
    with pytest.raises(SchemaError, match="email_address"):
        detect_source([entry])
