"""Mapping choices of each email service provider beyond what the fixtures show."""

from __future__ import annotations

import copy
import json

import pandas as pd
import pytest

from campaign_perf.errors import SchemaError
from campaign_perf.sources import read_source

from ._fixtures import FIXTURES, event_rows, ts


def _load(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- SendGrid


def _sg(**fields) -> dict:
    return {"email": "a@example.com", "timestamp": 1700000000, "sg_event_id": "e", **fields}


def test_sendgrid_bounce_types_bots_and_skips() -> None:
    data = read_source(
        [
            _sg(event="bounce", type="bounce"),
            _sg(event="bounce", type="blocked"),
            _sg(event="bounce", type="expired"),
            _sg(event="bounce"),
            _sg(event="open", sg_machine_open=True),
            _sg(event="open", sg_machine_open=False),
            _sg(event="group_resubscribe"),
            _sg(event="deferred"),
        ],
        source="sendgrid",
    )
    assert data.events["event_type"].tolist() == [
        "hard_bounce",
        "soft_bounce",
        "soft_bounce",
        "hard_bounce",
        "open",
        "open",
    ]
    assert data.events["is_bot"].tolist() == [False] * 6  # a machine open is not a bot
    assert data.events["is_machine_open"].tolist() == [False, False, False, False, True, False]
    assert data.skipped == {"group_resubscribe": 1, "deferred": 1}


def test_sendgrid_campaign_and_email_ids() -> None:
    marketing = _sg(
        event="processed",
        marketing_campaign_id=12345,
        marketing_campaign_name="Spring sale",
        singlesend_id="ss-1",
        category=["promo", "spring"],
        sg_template_id="d-abc",
        sg_template_name="Spring template",
    )
    single = _sg(event="processed", singlesend_id="ss-1", category="promo")
    custom = _sg(event="processed", campaign="newsletter-7", subject="Hello", category="promo")
    data = read_source([marketing, single, custom], source="sendgrid")
    assert data.events[["campaign_id", "email_id"]].values.tolist() == [
        ["12345", "d-abc"],
        ["ss-1", "promo"],
        ["promo", "promo"],  # never the subject (see test_sources_anymail)
    ]
    assert data.events["campaign_name"].iloc[0] == "Spring sale"
    assert data.events["email_name"].tolist()[0] == "Spring template"
    by_field = read_source([marketing, custom], source="sendgrid", campaign_field="campaign")
    assert by_field.events["campaign_id"].tolist() == ["(no campaign)", "newsletter-7"]
    by_list = read_source([marketing], source="sendgrid", campaign_field="category")
    assert by_list.events["campaign_id"].tolist() == ["promo"]


# --------------------------------------------------------------------------- SES


def test_ses_bounce_per_recipient_and_subtypes() -> None:
    record = _load("ses/bounce.json")
    record["bounce"]["bounceType"] = "Transient"
    record["bounce"]["bouncedRecipients"].append({"emailAddress": "second@example.com"})
    undetermined = copy.deepcopy(record)
    undetermined["bounce"]["bounceType"] = "Undetermined"
    undetermined["bounce"]["bouncedRecipients"] = [{"emailAddress": "third@example.com"}]
    data = read_source([record, undetermined])
    assert data.events[["event_type", "lead_id", "_row"]].values.tolist() == [
        ["soft_bounce", "recipient@example.com", 1],
        ["soft_bounce", "second@example.com", 1],
        ["soft_bounce", "third@example.com", 2],
    ]
    assert data.events["event_id"].is_unique


def test_ses_send_to_several_destinations_and_tags() -> None:
    record = _load("ses/send.json")
    record["mail"]["destination"] = ["one@example.com", "two@example.com"]
    record["mail"]["tags"]["campaign"] = ["spring-2024"]
    record["mail"]["tags"]["email"] = ["welcome-v2"]
    record["mail"]["tags"]["journey"] = ["onboarding"]
    data = read_source(record)
    assert event_rows(data.events, ("lead_id", "campaign_id", "email_id", "email_name")) == [
        ("one@example.com", "spring-2024", "welcome-v2", "Message sent from Amazon SES"),
        ("two@example.com", "spring-2024", "welcome-v2", "Message sent from Amazon SES"),
    ]
    chosen = read_source(record, campaign_tag="journey", email_tag="myCustomTag1")
    assert chosen.events["campaign_id"].tolist() == ["onboarding"] * 2
    assert chosen.events["email_id"].tolist() == ["myCustomTagValue1"] * 2
    del record["mail"]["tags"]
    del record["mail"]["commonHeaders"]
    bare = read_source(record)
    assert set(bare.events["campaign_id"]) == {"(no campaign)"}
    assert set(bare.events["email_id"]) == {"(no email)"}


def test_ses_subscription_without_opt_out_is_skipped() -> None:
    record = _load("ses/subscription.json")
    record["subscription"]["newTopicPreferences"]["unsubscribeAll"] = False
    assert read_source(record).skipped == {"Subscription (no opt-out)": 1}
    topic = _load("ses/subscription.json")
    topic["subscription"]["newTopicPreferences"]["unsubscribeAll"] = False
    topic["subscription"]["oldTopicPreferences"]["topicSubscriptionStatus"][0][
        "subscriptionStatus"
    ] = "OptIn"
    assert read_source(topic).events["event_type"].tolist() == ["unsubscribe"]


def test_ses_unknown_event_type() -> None:
    record = _load("ses/send.json")
    record["eventType"] = "Teleport"
    assert read_source(record).skipped == {"unknown: Teleport": 1}


# --------------------------------------------------------------------------- Mailgun


def test_mailgun_event_page_subject_bot_and_suppression() -> None:
    delivered = _load("mailgun/delivered_messages.json")["event-data"]
    opened = copy.deepcopy(_load("mailgun/opens.json")["event-data"])
    opened["client-info"]["bot"] = "apple"
    clicked = copy.deepcopy(_load("mailgun/clicks.json")["event-data"])
    clicked["url"] = "https://example.com/offer"
    suppressed = copy.deepcopy(_load("mailgun/suppression_failure.json")["event-data"])
    suppressed["reason"] = "suppress-unsubscribe"
    legacy = copy.deepcopy(_load("mailgun/permanent_failure.json")["event-data"])
    del legacy["severity"]
    page = {"items": [delivered, opened, clicked, suppressed, legacy], "paging": {}}
    data = read_source(page)
    assert data.source == "mailgun"
    assert event_rows(data.events, ("event_type", "email_id", "link", "is_bot", "_row")) == [
        ("delivered", "Test delivered webhook", None, False, 1),
        # opens and clicks take the subject of the same message-id
        ("open", "Test delivered webhook", None, False, 2),
        ("click", "Test delivered webhook", "https://example.com/offer", False, 3),
        ("hard_bounce", "Test permanent_fail webhook", None, False, 5),
    ]
    # client-info.bot "apple" is Apple Mail Privacy Protection: a machine open, not a bot
    assert data.events["is_machine_open"].tolist() == [False, True, False, False]
    assert data.events.loc[1, ["client", "device"]].tolist() == ["Apple Mail", "proxy"]
    assert data.skipped == {"suppressed": 1}


def test_mailgun_campaign_sources() -> None:
    base = _load("mailgun/accepted.json")
    with_vars = copy.deepcopy(base)
    with_vars["event-data"]["user-variables"] = {"campaign_id": "cmp-9", "wave": "w2"}
    legacy = copy.deepcopy(base)
    legacy["event-data"]["campaigns"] = [{"id": "c1", "name": "Legacy campaign"}]
    data = read_source([with_vars, legacy])
    assert data.events["campaign_id"].tolist() == ["cmp-9", "c1"]
    assert data.events["campaign_name"].tolist()[1] == "Legacy campaign"
    chosen = read_source([with_vars], campaign_variable="wave", email_variable="wave")
    assert (chosen.events["campaign_id"].iloc[0], chosen.events["email_id"].iloc[0]) == ("w2", "w2")


# --------------------------------------------------------------------------- Postmark


def test_postmark_subscription_changes() -> None:
    manual = _load("postmark/subscription_change.json")
    manual["SuppressionReason"] = "ManualSuppression"
    complaint = {**manual, "SuppressionReason": "SpamComplaint"}
    reactivated = {**manual, "SuppressSending": False, "SuppressionReason": None}
    data = read_source([manual, complaint, reactivated])
    assert event_rows(data.events) == [
        (
            "unsubscribe",
            ts("2022-09-02T14:32:30Z"),
            "welcome-email",
            "outbound",
            "john@example.com",
            None,
            False,
            "00000000-0000-0000-0000-000000000000|SubscriptionChange|2022-09-02T14:32:30Z",
        )
    ]
    assert data.skipped == {
        "SubscriptionChange (SpamComplaint)": 1,
        "SubscriptionChange (reactivated)": 1,
    }


@pytest.mark.parametrize(
    ("bounce_type", "event_type", "skipped"),
    [
        ("HardBounce", "hard_bounce", {}),
        ("BadEmailAddress", "hard_bounce", {}),
        ("SoftBounce", "soft_bounce", {}),
        ("Transient", "soft_bounce", {}),
        ("DnsError", "soft_bounce", {}),
        ("SpamComplaint", "complaint", {}),
        ("Unsubscribe", "unsubscribe", {}),
        ("AutoResponder", None, {"Bounce (AutoResponder)": 1}),
        ("ManuallyDeactivated", None, {"Bounce (ManuallyDeactivated)": 1}),
        ("Teleported", None, {"unknown: Bounce Teleported": 1}),
    ],
)
def test_postmark_bounce_types(bounce_type: str, event_type: str | None, skipped: dict) -> None:
    bounce = {**_load("postmark/bounce.json"), "Type": bounce_type}
    data = read_source(bounce, imply_sent=False)
    assert data.events["event_type"].tolist() == ([event_type] if event_type else [])
    assert data.skipped == skipped


def test_postmark_options() -> None:
    delivery = _load("postmark/delivery.json")
    delivery["Metadata"] = {"campaign": "spring", "email": "tpl-7"}
    data = read_source(
        delivery, campaign_metadata="campaign", email_metadata="email", imply_sent=False
    )
    assert event_rows(data.events, ("event_type", "campaign_id", "email_id")) == [
        ("delivered", "spring", "tpl-7")
    ]


# --------------------------------------------------------------------------- Brevo


def test_brevo_unique_open_shares_the_open_id() -> None:
    opened = _load("brevo/opened.json")
    unique = {**opened, "event": "unique_opened"}
    proxy = {**opened, "event": "unique_proxy_open"}
    data = read_source([unique, opened, proxy])
    assert data.events["event_type"].tolist() == ["open", "open", "open"]
    assert data.events["event_id"].iloc[0] == data.events["event_id"].iloc[1]
    assert data.events["event_id"].iloc[2] != data.events["event_id"].iloc[0]
    assert data.events["is_bot"].tolist() == [False, False, False]
    assert data.events["is_machine_open"].tolist() == [False, False, True]


def test_brevo_marketing_webhook_and_timestamp_fallback() -> None:
    marketing = {
        "id": 1,
        "camp_id": 88,
        "campaign name": "May newsletter",
        "email": "reader@example.com",
        "event": "spam",
        "ts_epoch": 1685544309368,
        "tags": ["newsletter"],
    }
    data = read_source([marketing], source="brevo")
    assert event_rows(data.events, ("event_type", "timestamp", "campaign_id", "campaign_name")) == [
        ("complaint", ts("2023-05-31T14:45:09.368Z"), "88", "May newsletter")
    ]
    custom = {**_load("brevo/request.json"), "X-Mailin-custom": "crm-42"}
    chosen = read_source(custom, campaign_field="X-Mailin-custom")
    assert chosen.events["campaign_id"].tolist() == ["crm-42"]
    only_tag = {**_load("brevo/request_without_tags.json"), "tag": '["from-string"]'}
    assert read_source(only_tag).events["campaign_id"].tolist() == ["from-string"]


# --------------------------------------------------------------------------- Fivetran


def _fivetran_tables() -> dict[str, pd.DataFrame]:
    bounced = pd.DataFrame(
        {
            "activity_date": ["2020-05-08 17:45:53.000", "2020-05-08 17:46:00.000", "soon"],
            "activity_type_id": ["8", "8", "8"],
            "campaign_id": ["2681", "", "2681"],
            "category": ["2", "3", "1"],
            "email_template_id": ["2370", "", "2370"],
            "primary_attribute_value_id": ["2370", "2371", "2370"],
            "id": ["1", "2", "3"],
            "lead_id": ["10", "11", "12"],
        }
    )
    opens = pd.DataFrame(
        {
            "activity_date": ["2020-05-09 19:46:36.000"],
            "email_template_id": ["2370"],
            "campaign_id": ["2681"],
            "id": ["4"],
            "lead_id": ["10"],
            "is_bot_activity": ["TRUE"],
        }
    )
    mixed = pd.DataFrame(
        {
            "activity_date": ["2020-05-10 10:00:00", "2020-05-10 10:00:01", "2020-05-10 10:00:02"],
            "activity_type_id": ["27", "12", "x"],
            "lead_id": ["13", "13", "13"],
            "id": ["5", "6", "7"],
        }
    )
    campaigns = pd.DataFrame({"id": ["2681"], "name": ["Webinar invite"], "program_id": ["9"]})
    programs = pd.DataFrame({"id": ["9"], "name": ["Webinar program"]})
    return {
        "activity_email_bounced": bounced,
        "stg_marketo__activity_open_email": opens,
        "activity_export": mixed,
        "campaign": campaigns,
        "program": programs,
    }


def test_fivetran_tables_as_dataframes() -> None:
    data = read_source(_fivetran_tables())
    assert data.source == "fivetran_marketo"
    assert event_rows(
        data.events,
        ("event_type", "campaign_id", "email_id", "lead_id", "is_bot", "_table", "_row"),
    ) == [
        ("hard_bounce", "2681", "2370", "10", False, "activity_email_bounced", 1),
        ("soft_bounce", "(no campaign)", "2371", "11", False, "activity_email_bounced", 2),
        ("open", "2681", "2370", "10", True, "stg_marketo__activity_open_email", 1),
        ("soft_bounce", "(no campaign)", "(no email)", "13", False, "activity_export", 1),
    ]
    assert data.events["campaign_name"].tolist()[0] == "Webinar invite"
    assert data.events["program"].tolist()[0] == "Webinar program"
    assert data.skipped == {"activity type 12 (New Lead)": 1}
    assert data.rejected[["row", "reason"]].values.tolist() == [
        [3, "table activity_email_bounced: unparseable timestamp 'soon'"],
        [3, "table activity_export: activity_type_id 'x' is not an integer"],
    ]
    assert data.rejected["raw"].iloc[0] == "soon,8,2681,1,2370,2370,3,12"


def test_fivetran_without_activity_table() -> None:
    with pytest.raises(SchemaError, match="no Marketo activity table"):
        read_source({"campaign": pd.DataFrame({"id": ["1"]})}, source="fivetran_marketo")
