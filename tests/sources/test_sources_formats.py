"""File formats, malformed items, and source detection errors."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pytest

from campaign_perf.errors import LoadError, SchemaError
from campaign_perf.sources import SOURCES, detect_source, read_source

from ._fixtures import FIXTURES, event_rows, ts


def _record(name: str) -> dict:
    return json.loads((FIXTURES / "ses" / name).read_text(encoding="utf-8"))


def test_api_surface() -> None:
    assert list(SOURCES) == [
        "sendgrid",
        "ses",
        "mailgun",
        "postmark",
        "brevo",
        "mailchimp",
        "marketo_bulk",
        "marketo_rest",
        "fivetran_marketo",
    ]
    for name, module in SOURCES.items():
        assert name == module.NAME
        assert callable(module.read) and callable(module.detect)
        assert "=====" in (module.__doc__ or ""), f"{name} documents its mapping table"


def test_json_lines_firehose(tmp_path: Path) -> None:
    lines = [
        json.dumps(_record("send.json")),
        "",
        json.dumps(_record("delivery.json")),
        '{"eventType": "Open", "mail": ',
        json.dumps(_record("open.json")),
    ]
    path = tmp_path / "firehose-2024-01-01-00"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert detect_source(path) == "ses"
    data = read_source(path)
    assert data.events["event_type"].tolist() == ["sent", "delivered", "open"]
    assert data.events["_row"].tolist() == [1, 3, 5]
    assert data.rejected["row"].tolist() == [4]
    assert data.rejected["reason"].iloc[0].startswith("invalid JSON")
    assert data.rejected["raw"].iloc[0] == '{"eventType": "Open", "mail": '


def test_concatenated_json_records(tmp_path: Path) -> None:
    path = tmp_path / "records.json.gz"
    text = json.dumps(_record("send.json")) + json.dumps(_record("bounce.json"))
    path.write_bytes(gzip.compress(text.encode("utf-8")))
    data = read_source(path)
    assert data.source == "ses"
    assert data.events["event_type"].tolist() == ["sent", "hard_bounce"]


def test_sns_envelope() -> None:
    bare = _record("delivery.json")
    envelope = {
        "Type": "Notification",
        "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:ses-events",
        "Message": json.dumps(bare),
        "Timestamp": "2016-10-19T23:21:05.000Z",
    }
    broken = {**envelope, "Message": "{not json"}
    confirm = {"Type": "SubscriptionConfirmation", "Message": "You have chosen to subscribe"}
    assert detect_source([envelope]) == "ses"
    data = read_source([envelope, broken, confirm])
    assert event_rows(data.events) == event_rows(read_source(bare).events)
    assert data.skipped == {"SNS SubscriptionConfirmation": 1}
    assert data.rejected["row"].tolist() == [2]
    assert data.rejected["reason"].iloc[0].startswith("SNS Message is not a JSON record")
    assert json.loads(data.rejected["raw"].iloc[0]) == broken


@pytest.mark.parametrize(
    ("source", "good", "kind_key"),
    [
        ("sendgrid", json.loads((FIXTURES / "sendgrid/processed.json").read_text())[0], "event"),
        ("ses", _record("send.json"), "eventType"),
        ("mailgun", json.loads((FIXTURES / "mailgun/accepted.json").read_text()), "event"),
        ("postmark", json.loads((FIXTURES / "postmark/delivery.json").read_text()), "RecordType"),
        ("brevo", json.loads((FIXTURES / "brevo/request.json").read_text()), "event"),
    ],
)
def test_malformed_items_are_rejected(source: str, good: dict, kind_key: str) -> None:
    no_kind = json.loads(json.dumps(good))
    target = no_kind["event-data"] if source == "mailgun" else no_kind
    del target[kind_key]
    bad_time = json.loads(json.dumps(good))
    _set_time(source, bad_time["event-data"] if source == "mailgun" else bad_time)
    unknown = json.loads(json.dumps(good))
    (unknown["event-data"] if source == "mailgun" else unknown)[kind_key] = "teleported"
    data = read_source([good, 42, no_kind, bad_time, unknown], source=source)
    assert len(data.events) >= 1 and set(data.events["_row"]) == {1}
    assert data.skipped == {"unknown: teleported": 1}
    assert data.rejected["row"].tolist() == [2, 3, 4]
    reasons = data.rejected["reason"].tolist()
    assert reasons[0] == "not a JSON object but int"
    assert reasons[1] == f"missing event kind ('{kind_key}')"
    assert reasons[2].startswith("unparseable timestamp 'yesterday'")
    assert data.rejected["raw"].iloc[0] == "42"
    assert json.loads(data.rejected["raw"].iloc[1]) == no_kind
    assert json.loads(data.rejected["raw"].iloc[2]) == bad_time


def _set_time(source: str, item: dict) -> None:
    if source == "ses":
        item["mail"]["timestamp"] = "yesterday"
    elif source == "postmark":
        item["DeliveredAt"] = "yesterday"
    elif source == "brevo":
        item["ts_epoch"] = "yesterday"  # the time read first
    else:
        item["timestamp"] = "yesterday"


def test_missing_timestamp_and_lead_are_left_for_the_loader() -> None:
    event = {"event": "processed", "email": None, "sg_event_id": "x", "category": "c"}
    data = read_source([event], source="sendgrid")
    assert data.rejected.empty
    row = data.events.iloc[0]
    assert pd.isna(row["timestamp"]) and pd.isna(row["lead_id"])
    assert (row["campaign_id"], row["email_id"]) == ("c", "c")


def test_unknown_payload_names_what_it_saw(tmp_path: Path) -> None:
    with pytest.raises(SchemaError) as info:
        detect_source([{"type": "delivered", "address": "a@example.com"}])
    message = str(info.value)
    for name in SOURCES:
        assert name in message
    assert "['address', 'type']" in message
    csv_path = tmp_path / "report.csv"
    csv_path.write_text("Campaign,Sent,Opened\nX,10,3\n", encoding="utf-8")
    with pytest.raises(SchemaError, match=r"CSV columns \['Campaign', 'Sent', 'Opened'\]"):
        read_source(csv_path)
    with pytest.raises(SchemaError, match="an empty JSON array"):
        detect_source([])
    with pytest.raises(SchemaError, match=r"tables \['a'\]"):
        detect_source({"a": pd.DataFrame({"x": [1]})})


def test_unknown_source_name() -> None:
    with pytest.raises(SchemaError, match=r"unknown source 'sendgird'.*sendgrid"):
        read_source([], source="sendgird")


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="no such file"):
        read_source(tmp_path / "missing.json")
    empty = tmp_path / "empty.json"
    empty.write_text("  \n", encoding="utf-8")
    with pytest.raises(LoadError, match="empty"):
        read_source(empty)
    garbage = tmp_path / "garbage.json"
    garbage.write_text("this is not json\n", encoding="utf-8")
    with pytest.raises(LoadError, match="neither JSON nor JSON Lines"):
        read_source(garbage)
    with pytest.raises(LoadError, match="holds no CSV or Parquet table"):
        read_source(_empty_dir(tmp_path))
    with pytest.raises(TypeError):
        read_source(3.5)


def _empty_dir(tmp_path: Path) -> Path:
    path = tmp_path / "tables"
    path.mkdir()
    return path


def test_single_object_and_array_give_the_same_events() -> None:
    item = json.loads((FIXTURES / "postmark" / "open.json").read_text())
    assert event_rows(read_source(item).events) == event_rows(read_source([item]).events)
    assert read_source([item, item]).events["_row"].tolist() == [1, 2]


def test_timestamps_are_exact_utc_instants() -> None:
    events = read_source(
        [
            {"event": "open", "email": "a@x", "sg_event_id": "1", "timestamp": 1521243339.873676},
            {"event": "open", "email": "a@x", "sg_event_id": "2", "timestamp": "1513299569"},
        ],
        source="sendgrid",
    ).events
    assert events["timestamp"].tolist() == [
        ts("2018-03-16T23:35:39.873676Z"),
        ts("2017-12-15T00:59:29Z"),
    ]
    assert str(events["timestamp"].dt.tz) == "UTC"
