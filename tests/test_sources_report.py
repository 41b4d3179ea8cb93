"""Native exports through ``cp.load_events`` (auto-detected) to the report they give.

Each family of shared fixtures is loaded together, as an analyst would load a folder of
webhook payloads. The expected numbers follow from the payloads (see the comments) and
RULES.md: activity of a (campaign, email, recipient) that was never sent is orphaned.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import campaign_perf as cp

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"


def load(family: str) -> cp.EventLog:
    return cp.load_events(sorted(str(p) for p in (FIXTURES / family).glob("*.json")), warn=False)


def counts(log: cp.EventLog) -> dict[str, int]:
    total = cp.Report(log, columns=cp.COUNT_COLUMNS).total()
    return {k: int(total[k]) for k in cp.COUNT_COLUMNS if total[k]}


def test_every_fixture_file_loads_and_says_which_source_it_was() -> None:
    for path in sorted(FIXTURES.rglob("*")):
        if path.suffix not in (".json", ".csv") or path.parent.name == "fivetran_marketo":
            continue
        log = cp.load_events(path, warn=False)
        s = log.summary()
        assert any(f"({path.parent.name})" in i for i in s.inputs), (path, s.inputs)
        assert s.rows_read == s.events + s.rejected + s.duplicates + sum(s.skipped.values())


def test_sendgrid_folder_gives_one_engaged_record() -> None:
    log = load("sendgrid")
    s = log.summary()
    # processed, delivered, bounce, open, click and two unsubscribes of "cat facts" to
    # example@test.com; the two unsubscribes share one sg_event_id: a retry, merged.
    assert s.duplicates == 1
    # dropped ×3 (batch, dropped, webhook) and deferred are not sends: counted, skipped.
    assert s.skipped == {"dropped": 3, "deferred": 1}
    # batch.json's click (hello@world.com) and the spam report (no category) have no send.
    assert s.orphaned == 2
    # The open wins over the hard bounce: delivered, opened, clicked, unsubscribed.
    assert counts(log) == {
        "sent": 1,
        "delivered": 1,
        "opened": 1,
        "clicked": 1,
        "unsubscribed": 1,
        "total_opens": 1,
        "total_clicks": 1,
    }


def test_ses_records_make_one_record_with_every_activity() -> None:
    log = load("ses")
    s = log.summary()
    assert s.skipped == {"DeliveryDelay": 1, "Reject": 1, "Rendering Failure": 1}
    assert counts(log) == {
        "sent": 1,
        "delivered": 1,
        "opened": 1,
        "clicked": 1,
        "unsubscribed": 1,
        "complained": 1,
        "total_opens": 1,
        "total_clicks": 1,
    }


def test_mailgun_only_the_accepted_message_is_a_send() -> None:
    log = load("mailgun")
    s = log.summary()
    # Suppression failures are not bounces; the other webhooks tag "my_tag_1", which the
    # accepted message (no tags) does not: their activity is orphaned.
    assert s.skipped == {"suppressed": 1}
    assert s.orphaned == 7
    # The accepted message has no outcome yet at as-of (its own time): Pending.
    assert counts(log) == {"sent": 1, "pending": 1}


def test_postmark_bounce_implies_its_send_and_the_complaint_counts() -> None:
    log = load("postmark")
    assert log.summary().skipped == {"SubscriptionChange (HardBounce)": 1}
    # The fixture files are separate samples that reuse one MessageID under two tags
    # ("Test" and "welcome-email"): two records. Rows of different records under one id are
    # not duplicates (README, decisions); the summary counts them as id conflicts.
    assert log.summary().id_conflicts == 2
    assert counts(log) == {
        "sent": 2,
        "delivered": 1,
        "hard_bounced": 1,
        "opened": 1,
        "clicked": 1,
        "complained": 1,
        "total_opens": 1,
        "total_clicks": 1,
    }


def test_brevo_request_delivered_unsubscribed() -> None:
    log = load("brevo")
    s = log.summary()
    assert s.skipped == {"blocked": 1, "deferred": 1, "invalid_email": 2}
    # request (sent), delivered and unsubscribed share tag1 / "Subject Line"; the sample
    # request without tags reuses the message id under no campaign: a record of its own
    # (still pending), counted as an id conflict, not merged away.
    assert s.id_conflicts == 2
    assert counts(log) == {
        "sent": 2,
        "delivered": 1,
        "pending": 1,
        "opened": 1,
        "unsubscribed": 1,
    }


def test_fivetran_marketo_tables_give_sends_and_deliveries() -> None:
    log = cp.load_events(FIXTURES / "fivetran_marketo", warn=False)
    s = log.summary()
    # 100 sends of which 2 were skipped by Marketo ("send email: skipped"): 98 records.
    assert s.skipped == {"send email: skipped": 2}
    t = counts(log)
    assert t["sent"] == 98
    assert t["sent"] == sum(
        t.get(k, 0) for k in ("delivered", "hard_bounced", "soft_bounced", "pending", "aborted")
    )
    # Derived from the raw tables: deliveries of the sampled sends (same campaign, email
    # template and lead), none of which bounced or was opened.
    send = pd.read_csv(FIXTURES / "fivetran_marketo" / "marketo_activity_send_email_data.csv")
    send = send[~send["action_result"].isin(["skipped", "failed"])]
    keys = set(zip(send.campaign_id, send.email_template_id, send.lead_id, strict=True))
    dlv = pd.read_csv(FIXTURES / "fivetran_marketo" / "marketo_activity_email_delivered_data.csv")
    delivered = {
        k
        for k in zip(dlv.campaign_id, dlv.email_template_id, dlv.lead_id, strict=True)
        if k in keys
    }
    assert t["delivered"] == len(delivered) > 0
    assert len(log.campaigns) >= 100


@pytest.mark.parametrize("name", ["activity_extract1.csv", "activity_extract2.csv"])
def test_marketo_bulk_extracts_of_other_activity_types_load_empty(name: str) -> None:
    log = cp.load_events(FIXTURES / "marketo_bulk" / name, warn=False)
    s = log.summary()
    assert s.events == 0
    assert set(s.skipped) == {"activity type 12 (New Lead)"}
    assert cp.Report(log).table().empty


def test_reader_options_and_zone_reach_the_source(tmp_path: Path) -> None:
    event = {
        "email": "ana@example.com",
        "timestamp": 1772442000,
        "event": "processed",
        "category": ["cats"],
        "marketing_campaign_id": "mc1",
        "sg_event_id": "e1",
    }
    path = tmp_path / "processed.json"
    path.write_text(json.dumps([event]))
    default = cp.load_events(path, warn=False)
    by_category = cp.load_events(
        path, source="sendgrid", source_options={"campaign_field": "category"}, warn=False
    )
    assert set(default.events["campaign_id"]) == {"mc1"}
    assert set(by_category.events["campaign_id"]) == {"cats"}
    # Marketo's naive activity dates are read in the zone given at load.
    csv = (
        "marketoGUID,leadId,activityDate,activityTypeId,campaignId,primaryAttributeValueId,"
        'primaryAttributeValue,attributes\n1,7,2026-03-02 09:00:00,6,11,22,Welcome,"{}"\n'
    )
    (tmp_path / "extract.csv").write_text(csv)
    log = cp.load_events(tmp_path / "extract.csv", tz="America/New_York", warn=False)
    assert log.events["timestamp"].iloc[0] == pd.Timestamp("2026-03-02 14:00", tz="UTC")


def test_a_file_without_a_suffix_is_recognised_by_its_content(tmp_path: Path) -> None:
    # Firehose writes S3 objects without an extension.
    obj = tmp_path / "PUT-S3-ses-1-2026-03-02-09-00-00-abc"
    lines = [json.loads((FIXTURES / "ses" / f"{n}.json").read_text()) for n in ("send", "open")]
    obj.write_text("\n".join(json.dumps(x) for x in lines))
    log = cp.load_events(obj, warn=False)
    assert "(ses)" in log.summary().inputs[0]
    assert sorted(log.events["event_type"]) == ["open", "sent"]


def test_an_option_the_reader_does_not_take_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "open.json"
    path.write_text((FIXTURES / "sendgrid" / "open.json").read_text())
    with pytest.raises(cp.SchemaError, match=r"open\.json.*sendgrid reader.*campaign_tag"):
        cp.load_events(path, source_options={"campaign_tag": "x"})


def test_an_unknown_json_payload_says_it_is_neither_canonical_nor_a_source(
    tmp_path: Path,
) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps([{"msys": {"message_event": {"type": "delivery"}}}]))
    with pytest.raises(cp.SchemaError, match=r"missing required columns.*known source"):
        cp.load_events(path)


def test_a_path_with_a_glob_reads_every_match(tmp_path: Path) -> None:
    for name in ("processed", "open"):
        (tmp_path / f"{name}.json").write_text((FIXTURES / "sendgrid" / f"{name}.json").read_text())
    log = cp.load_events(tmp_path / "*.json", warn=False)
    assert len(log.summary().inputs) == 2
    assert "kept 2 events" in repr(log.summary())
