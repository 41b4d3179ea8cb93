"""Source readers against payloads shaped like django-anymail's webhook tests (an
independent normalisation of the same providers): times, retries and names."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import campaign_perf as cp
from campaign_perf.sources import read_source

from ._fixtures import ts

# --------------------------------------------------------------------------- Brevo

#: A Brevo "request" as anymail captured it: ``ts`` and ``ts_event`` are the account's wall
#: clock (9 hours off UTC), ``ts_epoch`` the UTC instant in milliseconds.
ANYMAIL_BREVO = {
    "event": "request",
    "email": "recipient@example.com",
    "id": 9999999,
    "message-id": "<201803062010.27287306012@smtp-relay.mailin.fr>",
    "subject": "Test subject",
    "date": "2018-03-06 11:10:23",
    "ts": 1520331023,
    "ts_event": 1520331023,
    "ts_epoch": 1520363423000,
    "tags": ["tag1", "tag2"],
    "template_id": 12,
}
UTC_SENT = ts("2018-03-06T19:10:23Z")


@pytest.mark.parametrize("tz", [None, "UTC", "Europe/Paris"])
def test_brevo_prefers_ts_epoch_in_any_zone(tz: str | None) -> None:
    data = read_source([ANYMAIL_BREVO], "brevo", tz=tz)
    assert data.events["timestamp"].tolist() == [UTC_SENT]


def test_brevo_ts_epoch_in_seconds_is_read_by_magnitude() -> None:
    seconds = {**ANYMAIL_BREVO, "ts_epoch": 1520363423}
    assert read_source([seconds], "brevo").events["timestamp"].tolist() == [UTC_SENT]


def test_brevo_ts_event_is_the_accounts_wall_clock() -> None:
    no_epoch = {k: v for k, v in ANYMAIL_BREVO.items() if k != "ts_epoch"}
    # 10:10:23 on the account's clock in Alaska (UTC-9 in March 2018) is 19:10:23 UTC.
    alaska = read_source([no_epoch], "brevo", tz="America/Anchorage")
    assert alaska.events["timestamp"].tolist() == [UTC_SENT]
    only_ts = {k: v for k, v in no_epoch.items() if k != "ts_event"}
    assert read_source([only_ts], "brevo", tz="America/Anchorage").events["timestamp"].tolist() == [
        UTC_SENT
    ]
    utc = read_source([no_epoch], "brevo")  # the zone of the load (default UTC)
    assert utc.events["timestamp"].tolist() == [ts("2018-03-06T10:10:23Z")]


def test_brevo_fixtures_take_ts_epoch(FIXTURES: Path) -> None:
    for path in sorted((FIXTURES / "brevo").glob("*.json")):
        item = json.loads(path.read_text(encoding="utf-8"))
        events = read_source(item, "brevo").events
        if events.empty:
            continue
        epoch = item.get("ts_epoch")
        if epoch is None:
            expected = pd.Timestamp(item["ts_event"], unit="s", tz="UTC")
        else:
            expected = pd.Timestamp(epoch, unit="ms" if epoch > 1e11 else "s", tz="UTC")
        assert events["timestamp"].tolist() == [expected], path.name


def test_brevo_load_reads_the_account_zone(tmp_path: Path) -> None:
    no_epoch = {k: v for k, v in ANYMAIL_BREVO.items() if k != "ts_epoch"}
    path = tmp_path / "brevo.json"
    path.write_text(json.dumps([no_epoch]))
    log = cp.load_events(path, tz="America/Anchorage")
    assert log.summary().first_event == UTC_SENT


# --------------------------------------------------------------------------- Mailgun


def _mg(event: str, at: float, message: str = "m1@example.com", **fields: object) -> dict:
    data = {
        "event": event,
        "timestamp": at,
        "id": f"{event}-{at}",
        "recipient": "alice@example.com",
        "log-level": "info",
        "message": {"headers": {"message-id": message, "subject": "Spring sale"}},
        "user-variables": {"campaign_id": "C1", "email_id": "E1"},
        **fields,
    }
    return {"signature": {}, "event-data": data}


def _kinds(items: list[dict]) -> tuple[list[str], dict[str, int]]:
    data = read_source(items, "mailgun")
    return data.events["event_type"].tolist(), data.skipped


T0 = 1_700_000_000.0
TEMPORARY = {"severity": "temporary", "reason": "generic"}
PERMANENT = {"severity": "permanent", "reason": "bounce"}


def test_mailgun_a_retried_temporary_failure_is_no_bounce() -> None:
    events, skipped = _kinds(
        [_mg("accepted", T0), _mg("failed", T0 + 60, **TEMPORARY), _mg("delivered", T0 + 600)]
    )
    assert events == ["sent", "delivered"]
    assert skipped == {"failed (temporary, retried)": 1}


def test_mailgun_a_temporary_failure_without_a_later_outcome_is_a_soft_bounce() -> None:
    events, skipped = _kinds([_mg("accepted", T0), _mg("failed", T0 + 60, **TEMPORARY)])
    assert events == ["sent", "soft_bounce"]
    assert skipped == {}
    # an outcome of another message to the same person does not retry this one
    other = _mg("delivered", T0 + 600, message="m2@example.com")
    assert _kinds([_mg("accepted", T0), _mg("failed", T0 + 60, **TEMPORARY), other])[0] == [
        "sent",
        "soft_bounce",
        "delivered",
    ]
    # nor does a delivery before the failure
    before = [_mg("delivered", T0), _mg("failed", T0 + 60, **TEMPORARY)]
    assert _kinds(before)[0] == ["delivered", "soft_bounce"]


def test_mailgun_a_temporary_failure_then_a_permanent_one_is_a_hard_bounce() -> None:
    events, skipped = _kinds(
        [
            _mg("accepted", T0),
            _mg("failed", T0 + 60, **TEMPORARY),
            _mg("failed", T0 + 120, **TEMPORARY),
            _mg("failed", T0 + 900, **PERMANENT),
        ]
    )
    assert events == ["sent", "hard_bounce"]
    assert skipped == {"failed (temporary, retried)": 2}


def test_mailgun_retry_in_a_report(tmp_path: Path) -> None:
    path = tmp_path / "mailgun.jsonl"
    items = [_mg("accepted", T0), _mg("failed", T0 + 60, **TEMPORARY), _mg("delivered", T0 + 600)]
    path.write_text("".join(json.dumps(i) + "\n" for i in items))
    log = cp.load_events(path)
    row = cp.Report(log).table().iloc[0]
    assert (row["sent"], row["delivered"], row["soft_bounced"]) == (1, 1, 0)
    assert log.summary().skipped == {"failed (temporary, retried)": 1}


# --------------------------------------------------------------------------- Postmark


def _pm_bounce(kind: str, at: str) -> dict:
    return {
        "RecordType": "Bounce",
        "Type": kind,
        "MessageID": "pm-1",
        "Email": "bob@example.com",
        "BouncedAt": at,
        "Tag": "spring",
        "MessageStream": "outbound",
    }


DELIVERY = {
    "RecordType": "Delivery",
    "MessageID": "pm-1",
    "Recipient": "bob@example.com",
    "DeliveredAt": "2026-03-02T10:00:00Z",
    "Tag": "spring",
    "MessageStream": "outbound",
}


@pytest.mark.parametrize("kind", ["Transient", "DnsError"])
def test_postmark_retried_transient_failures_are_no_bounce(kind: str) -> None:
    data = read_source([_pm_bounce(kind, "2026-03-02T09:00:00Z"), DELIVERY], "postmark")
    assert sorted(data.events["event_type"].tolist()) == ["delivered", "sent", "sent"]
    assert data.skipped == {f"Bounce ({kind}, retried)": 1}
    alone = read_source([_pm_bounce(kind, "2026-03-02T09:00:00Z")], "postmark")
    assert alone.events["event_type"].tolist() == ["sent", "soft_bounce"]


def test_postmark_a_soft_bounce_stays_a_soft_bounce() -> None:
    data = read_source([_pm_bounce("SoftBounce", "2026-03-02T09:00:00Z"), DELIVERY], "postmark")
    assert "soft_bounce" in data.events["event_type"].tolist()


# --------------------------------------------------------------------------- SES


def _sns(record: dict | str, at: str = "2026-03-02T09:05:00.000Z") -> dict:
    message = record if isinstance(record, str) else json.dumps(record)
    return {"Type": "Notification", "MessageId": "sns-1", "Timestamp": at, "Message": message}


OPEN_WITHOUT_TIME = {
    "eventType": "Open",
    "mail": {
        "timestamp": "2026-03-02T09:00:00.000Z",
        "messageId": "ses-1",
        "destination": ["carol@example.com"],
        "tags": {"campaign": ["C1"], "email": ["E1"]},
    },
    "open": {"ipAddress": "192.0.2.1", "userAgent": "x"},
}


def test_ses_an_event_without_its_time_takes_the_sns_envelopes() -> None:
    data = read_source([_sns(OPEN_WITHOUT_TIME)], "ses")
    assert data.events["timestamp"].tolist() == [ts("2026-03-02T09:05:00Z")]
    bare = read_source([OPEN_WITHOUT_TIME], "ses")  # no envelope: the mail's time
    assert bare.events["timestamp"].tolist() == [ts("2026-03-02T09:00:00Z")]


def test_ses_sns_notices_are_skipped_and_counted(FIXTURES: Path) -> None:
    send = json.loads((FIXTURES / "ses" / "send.json").read_text(encoding="utf-8"))
    notice = _sns("Successfully validated SNS topic for Amazon SES event publishing.")
    confirm = {"Type": "SubscriptionConfirmation", "Message": "You have chosen to subscribe"}
    data = read_source([confirm, notice, _sns(send)], "ses")
    assert data.rejected.empty
    assert data.events["event_type"].tolist() == ["sent"]
    assert data.skipped == {
        "SNS SubscriptionConfirmation": 1,
        "SNS notice (Successfully validated SNS topic)": 1,
    }


# --------------------------------------------------------------------------- SendGrid


def test_sendgrid_subjects_personalised_per_recipient_are_not_names() -> None:
    items = [
        {"event": "processed", "email": f"{who}@example.com", "timestamp": 1_700_000_000,
         "sg_event_id": who, "subject": f"Hi {who.title()}, your offer", "category": ["spring"]}
        for who in ("alice", "bob", "carol")
    ]  # fmt: skip
    data = read_source(items, "sendgrid")
    assert set(data.events["email_id"]) == {"spring"}
    assert not any("Hi " in str(v) for v in data.events["email_name"])
    templated = [{**i, "sg_template_id": "d-1", "sg_template_name": "Spring offer"} for i in items]
    named = read_source(templated, "sendgrid").events
    assert set(zip(named["email_id"], named["email_name"], strict=True)) == {
        ("d-1", "Spring offer")
    }
