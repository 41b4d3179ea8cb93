"""Every published fixture loads into the exact canonical events it describes."""

from __future__ import annotations

import pandas as pd
import pytest

from campaign_perf.sources import SOURCES, SourceData, detect_source, read_source

from ._fixtures import FIXTURES, event_rows, ts

SG_CAT = ("cat facts", "cat facts", "example@test.com")
SES_MSG = "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000"
SES_SUBJECT = "Message sent from Amazon SES"
SES_KEY = ("ConfigSet", SES_SUBJECT, "recipient@example.com")
PM_ID = "00000000-0000-0000-0000-000000000000"
MG_OPEN_ID = "Ase7i2zsRYeDXztHGENqRA"


def _sg(event_type: str, link: str | None = None) -> tuple:
    return (event_type, ts("2017-12-15T00:59:29Z"), *SG_CAT, link, False, "sg_event_id")


def _ses(event_type: str, kind: str, at: str, link: str | None = None) -> tuple:
    event_id = f"{SES_MSG}|{kind}|recipient@example.com|{at}"
    return (event_type, ts(at), *SES_KEY, link, False, event_id)


def _brevo(event_type, at, campaign, email, message, kind, epoch, is_bot=False, link=None):
    event_id = f"<{message}>|{kind}|{epoch}"
    return (event_type, ts(at), campaign, email, "example@gmail.com", link, is_bot, event_id)


def _mg(event_type: str, at: str, email: str, event_id: str, campaign="my_tag_1") -> tuple:
    return (event_type, ts(at), campaign, email, "alice@example.com", None, False, event_id)


def _pm(event_type, at, campaign, event_id, link=None) -> tuple:
    return (event_type, ts(at), campaign, "outbound", "john@example.com", link, False, event_id)


#: fixture -> (events as (event_type, timestamp, campaign, email, lead, link, is_bot,
#: event_id), skipped counts)
EXPECTED: dict[str, tuple[list[tuple], dict[str, int]]] = {
    # SendGrid: campaign = first category, email = categories (no template id).
    "sendgrid/batch.json": (
        [
            (
                "click",
                ts("2020-09-14T19:41:32Z"),
                "(no campaign)",
                "(no email)",
                "hello@world.com",
                None,
                False,
                "ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA",
            )
        ],
        {"dropped": 1},
    ),
    "sendgrid/webhook.json": ([], {"dropped": 1}),
    "sendgrid/bounce.json": ([_sg("hard_bounce")], {}),
    "sendgrid/click.json": ([_sg("click", "http://www.sendgrid.com/")], {}),
    "sendgrid/deferred.json": ([], {"deferred": 1}),
    "sendgrid/delivered.json": ([_sg("delivered")], {}),
    "sendgrid/dropped.json": ([], {"dropped": 1}),
    "sendgrid/group_unsubscribe.json": ([_sg("unsubscribe")], {}),
    "sendgrid/open.json": ([_sg("open")], {}),
    "sendgrid/processed.json": ([_sg("sent")], {}),
    "sendgrid/spamreport.json": (
        [
            (
                "complaint",
                ts("2017-12-15T00:59:29Z"),
                "(no campaign)",
                "(no email)",
                "example@test.com",
                None,
                False,
                "sg_event_id",
            )
        ],
        {},
    ),
    "sendgrid/unsubscribe.json": ([_sg("unsubscribe")], {}),
    # SES: campaign = ses:configuration-set tag, email = subject.
    "ses/bounce.json": ([_ses("hard_bounce", "Bounce", "2017-08-05T00:41:02.669Z")], {}),
    "ses/complaint.json": ([_ses("complaint", "Complaint", "2017-08-05T00:41:02.669Z")], {}),
    "ses/delivery.json": ([_ses("delivered", "Delivery", "2016-10-19T23:21:04.133Z")], {}),
    "ses/send.json": ([_ses("sent", "Send", "2016-10-14T05:02:16.645Z")], {}),
    "ses/reject.json": ([], {"Reject": 1}),
    "ses/open.json": ([_ses("open", "Open", "2017-08-09T22:00:19.652Z")], {}),
    "ses/click.json": (
        [
            _ses(
                "click",
                "Click",
                "2017-08-09T23:51:25.570Z",
                "http://docs.aws.amazon.com/ses/latest/DeveloperGuide/send-email-smtp.html",
            )
        ],
        {},
    ),
    "ses/rendering_failure.json": ([], {"Rendering Failure": 1}),
    "ses/delivery_delay.json": ([], {"DeliveryDelay": 1}),
    "ses/subscription.json": (
        [
            (
                "unsubscribe",
                ts("2022-01-12T01:00:17.910Z"),
                *SES_KEY,
                None,
                False,
                "EXAMPLEe4bccb684-777bc8de-afa7-4970-92b0-f515137b1497-000000|Subscription|"
                "recipient@example.com|2022-01-12T01:00:17.910Z",
            )
        ],
        {},
    ),
    # Mailgun: campaign = first tag; email = subject (opens/clicks carry none).
    "mailgun/accepted.json": (
        [
            _mg(
                "sent",
                "2024-02-08T14:25:41.912420Z",
                "Please verify your email address.",
                "4o7-z86dSkSI54c6IudeuA",
                campaign="(no campaign)",
            )
        ],
        {},
    ),
    "mailgun/clicks.json": (
        [_mg("click", "2018-03-16T23:35:39.873676Z", "(no email)", MG_OPEN_ID)],
        {},
    ),
    "mailgun/delivered_messages.json": (
        [
            _mg(
                "delivered",
                "2018-03-19T15:11:02.000002Z",
                "Test delivered webhook",
                "CPgfbmQMTCKtHW6uIWtuVe",
            )
        ],
        {},
    ),
    "mailgun/opens.json": (
        [_mg("open", "2018-03-16T23:35:39.873676Z", "(no email)", MG_OPEN_ID)],
        {},
    ),
    "mailgun/permanent_failure.json": (
        [
            _mg(
                "hard_bounce",
                "2018-03-16T20:46:35.375624Z",
                "Test permanent_fail webhook",
                "G9Bn5sl1TC6nu79C8C0bwg",
            )
        ],
        {},
    ),
    "mailgun/permanent_failure_no_description.json": (
        [
            _mg(
                "hard_bounce",
                "2018-03-16T20:46:35.375624Z",
                "Test permanent_fail webhook",
                "G9Bn5sl1TC6nu79C8C0bwg",
            )
        ],
        {},
    ),
    "mailgun/spam_complaints.json": (
        [
            _mg(
                "complaint",
                "2018-03-16T20:45:23.501324Z",
                "Test complained webhook",
                "-Agny091SquKnsrW2NEKUA",
            )
        ],
        {},
    ),
    "mailgun/suppression_failure.json": ([], {"suppressed": 1}),
    "mailgun/temporary_failure.json": (
        [
            _mg(
                "soft_bounce",
                "2018-03-19T15:11:02.908181Z",
                "Test delivered webhook",
                "Fs7-5t81S2ispqxqDw2U4Q",
            )
        ],
        {},
    ),
    "mailgun/unsubscribes.json": (
        [_mg("unsubscribe", "2018-03-16T23:35:39.873676Z", "(no email)", MG_OPEN_ID)],
        {},
    ),
    # Postmark: campaign = Tag, email = MessageStream; Delivery / Bounce imply a sent.
    "postmark/bounce.json": (
        [
            _pm("sent", "2022-09-02T14:29:19.1234567Z", "Test", f"{PM_ID}|sent"),
            _pm(
                "hard_bounce",
                "2022-09-02T14:29:19.1234567Z",
                "Test",
                f"{PM_ID}|Bounce|2022-09-02T14:29:19.1234567Z",
            ),
        ],
        {},
    ),
    "postmark/delivery.json": (
        [
            _pm("sent", "2022-09-02T11:49:27Z", "welcome-email", f"{PM_ID}|sent"),
            _pm(
                "delivered",
                "2022-09-02T11:49:27Z",
                "welcome-email",
                f"{PM_ID}|Delivery|2022-09-02T11:49:27Z",
            ),
        ],
        {},
    ),
    "postmark/link_click.json": (
        [
            _pm(
                "click",
                "2022-09-02T14:31:09Z",
                "welcome-email",
                f"{PM_ID}|Click|2022-09-02T14:31:09Z",
                link="https://example.com",
            )
        ],
        {},
    ),
    "postmark/open.json": (
        [
            _pm(
                "open",
                "2022-09-02T14:30:47Z",
                "welcome-email",
                f"{PM_ID}|Open|2022-09-02T14:30:47Z",
            )
        ],
        {},
    ),
    "postmark/spam_complaint.json": (
        [
            _pm(
                "complaint",
                "2022-09-02T14:29:57.123456Z",
                "Test",
                f"{PM_ID}|SpamComplaint|2022-09-02T14:29:57.123456Z",
            )
        ],
        {},
    ),
    "postmark/subscription_change.json": ([], {"SubscriptionChange (HardBounce)": 1}),
    # Brevo: campaign = tags[0], email = template_id else subject; time = ts_epoch, else ts_event.
    "brevo/blocked.json": ([], {"blocked": 1}),
    "brevo/click.json": (
        [
            _brevo(
                "click",
                "2023-05-31T14:08:28.462Z",
                "welcome",
                "Subject Line",
                "202305311408.17112967225@smtp-relay.mailin.fr",
                "click",
                1685542108,
                link="https://www.google.com",
            )
        ],
        {},
    ),
    "brevo/complaint.json": (
        [
            _brevo(
                "complaint",
                "2020-11-09T14:54:14Z",
                "transac_messages",
                "(no email)",
                "201798300811.5787683@smtp-relay.mailin.fr",
                "complaint",
                1604933654,
            )
        ],
        {},
    ),
    "brevo/defered.json": ([], {"deferred": 1}),
    "brevo/delivered.json": (
        [
            _brevo(
                "delivered",
                "2023-05-31T13:28:33.018Z",
                "tag1",
                "Subject Line",
                "202305311328.81899448177@smtp-relay.mailin.fr",
                "delivered",
                1685539713,
            )
        ],
        {},
    ),
    "brevo/error.json": ([], {"invalid_email": 1}),
    "brevo/hard_bounce.json": (
        [
            _brevo(
                "hard_bounce",
                "2023-05-31T14:37:07.372Z",
                "welcome",
                "Subject Line",
                "202305311437.85220493321@smtp-relay.mailin.fr",
                "hard_bounce",
                1685543827,
            )
        ],
        {},
    ),
    "brevo/invalid_email.json": ([], {"invalid_email": 1}),
    "brevo/opened.json": (
        [
            _brevo(
                "open",
                "2023-05-31T14:45:09.368Z",
                "welcome",
                "Subject Line",
                "202305311408.17112967225@smtp-relay.mailin.fr",
                "open",
                1685544309,
            )
        ],
        {},
    ),
    "brevo/proxy_open.json": (
        [
            _brevo(
                "open",
                "2020-11-09T14:54:14Z",
                "transactionalTag",
                "1",
                "201798300811.5787683@relay.domain.com",
                "proxy_open",
                1604933654,
                is_bot=False,  # a machine open, not a bot (tests/sources/test_sources_clients.py)
            )
        ],
        {},
    ),
    "brevo/request.json": (
        [
            _brevo(
                "sent",
                "2023-05-31T13:13:08.179Z",
                "tag1",
                "Subject Line",
                "202305311313.92192897094@smtp-relay.mailin.fr",
                "request",
                1685538788,
            )
        ],
        {},
    ),
    "brevo/request_without_tags.json": (
        [
            _brevo(
                "sent",
                "2023-05-31T13:13:08.179Z",
                "(no campaign)",
                "Subject Line",
                "202305311313.92192897094@smtp-relay.mailin.fr",
                "request",
                1685538788,
            )
        ],
        {},
    ),
    "brevo/soft_bounce.json": (
        [
            _brevo(
                "soft_bounce",
                "2020-11-09T14:54:14Z",
                "transac_messages",
                "22",
                "201798300811.5787683@smtp-relay.mailin.fr",
                "soft_bounce",
                1604933654,
            )
        ],
        {},
    ),
    "brevo/unique_opened.json": (
        [
            _brevo(
                "open",
                "2023-05-31T14:48:52.962Z",
                "welcome",
                "Subject Line",
                "202305311447.66548003588@smtp-relay.mailin.fr",
                "open",
                1685544532,
            )
        ],
        {},
    ),
    "brevo/unsubscribed.json": (
        [
            _brevo(
                "unsubscribe",
                "2023-05-31T13:52:01.606Z",
                "tag1",
                "Subject Line",
                "202305311328.81899448177@smtp-relay.mailin.fr",
                "unsubscribed",
                1685541121,
            )
        ],
        {},
    ),
    # Marketo bulk: only activity type 12 rows (no email activity).
    "marketo_bulk/activity_extract1.csv": ([], {"activity type 12 (New Lead)": 34}),
    "marketo_bulk/activity_extract2.csv": ([], {"activity type 12 (New Lead)": 21}),
}

#: Fivetran tables: activity table -> (event type, events, skipped); dimension tables.
FIVETRAN_ACTIVITY = {
    "marketo_activity_send_email_data.csv": ("sent", 98, {"send email: skipped": 2}),
    "marketo_activity_email_delivered_data.csv": ("delivered", 100, {}),
    "marketo_activity_email_bounced_data.csv": ("hard_bounce", 100, {}),
    "marketo_activity_open_email_data.csv": ("open", 100, {}),
    "marketo_activity_click_email_data.csv": ("click", 100, {}),
    "marketo_activity_unsubscribe_email_data.csv": ("unsubscribe", 100, {}),
}
FIVETRAN_DIMENSIONS = {
    "marketo_campaign_data.csv",
    "marketo_program_data.csv",
    "marketo_email_template_history_data.csv",
    "marketo_lead_data.csv",
}


def _relative_files() -> set[str]:
    return {
        p.relative_to(FIXTURES).as_posix()
        for p in FIXTURES.rglob("*")
        if p.is_file() and p.name != "README.md"
    }


def test_every_fixture_file_has_an_expectation() -> None:
    fivetran = {f"fivetran_marketo/{n}" for n in (*FIVETRAN_ACTIVITY, *FIVETRAN_DIMENSIONS)}
    assert _relative_files() == set(EXPECTED) | fivetran


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_gives_exact_events(name: str) -> None:
    events, skipped = EXPECTED[name]
    data = read_source(FIXTURES / name)
    assert isinstance(data, SourceData)
    assert data.source == name.split("/")[0]
    assert event_rows(data.events) == events
    assert data.skipped == skipped
    assert data.rejected.empty


def test_rows_name_the_array_item() -> None:
    data = read_source(FIXTURES / "sendgrid" / "batch.json")
    assert data.events["_row"].tolist() == [2]  # item 1 is the dropped event
    assert read_source(FIXTURES / "ses" / "send.json").events["_row"].tolist() == [1]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_exactly_one_source_recognises_each_fixture(name: str) -> None:
    path = FIXTURES / name
    assert [s for s, module in SOURCES.items() if module.detect(path)] == [name.split("/")[0]]
    assert detect_source(path) == name.split("/")[0]


@pytest.mark.parametrize("name", sorted(FIVETRAN_ACTIVITY))
def test_fivetran_activity_table_alone(name: str) -> None:
    event_type, count, skipped = FIVETRAN_ACTIVITY[name]
    path = FIXTURES / "fivetran_marketo" / name
    assert detect_source(path) == "fivetran_marketo"
    data = read_source(path)
    assert data.events["event_type"].value_counts().to_dict() == {event_type: count}
    assert data.skipped == skipped
    assert data.rejected.empty
    assert data.campaigns is None and data.emails is None and data.leads is None


def test_canonical_dtypes() -> None:
    events = read_source(FIXTURES / "ses" / "click.json").events
    assert str(events["timestamp"].dtype) == "datetime64[ns, UTC]"
    assert events["is_bot"].dtype == bool
    assert events["_row"].dtype == "int64"
    for column in ("event_type", "campaign_id", "email_id", "lead_id", "event_id", "link"):
        assert pd.api.types.is_string_dtype(events[column]), column


def test_display_names_of_fixtures() -> None:
    names = read_source(FIXTURES / "postmark" / "bounce.json").events["email_name"]
    assert names.tolist() == ["Test subject", "Test subject"]
    brevo = read_source(FIXTURES / "brevo" / "soft_bounce.json").events
    assert brevo["email_name"].tolist() == ["My first Transactional"]
    ses = read_source(FIXTURES / "ses" / "send.json").events
    assert ses["email_name"].tolist() == [SES_SUBJECT]


# --------------------------------------------------------------------------- Fivetran


@pytest.fixture(scope="module")
def fivetran() -> SourceData:
    return read_source(FIXTURES / "fivetran_marketo")


def test_fivetran_directory_counts(fivetran: SourceData) -> None:
    assert detect_source(FIXTURES / "fivetran_marketo") == "fivetran_marketo"
    assert fivetran.source == "fivetran_marketo"
    counts = fivetran.events["event_type"].value_counts().to_dict()
    assert counts == {
        "sent": 98,
        "delivered": 100,
        "hard_bounce": 100,
        "open": 100,
        "click": 100,
        "unsubscribe": 100,
    }
    assert fivetran.skipped == {"send email: skipped": 2}
    assert fivetran.rejected.empty
    assert fivetran.events["is_bot"].sum() == 0
    assert fivetran.events["event_id"].is_unique


def test_fivetran_send_rows(fivetran: SourceData) -> None:
    sends = fivetran.events[fivetran.events["_table"] == "marketo_activity_send_email_data"]
    assert len(sends) == 98
    # rows 2 and 6 have action_result "skipped": not sends.
    assert 2 not in set(sends["_row"]) and 6 not in set(sends["_row"])
    assert "88461462" not in set(sends["event_id"]) and "88425314" not in set(sends["event_id"])
    first = sends.iloc[0]
    assert first["_row"] == 1
    assert first["timestamp"] == ts("2020-05-11T18:00:04Z")
    assert (first["campaign_id"], first["email_id"], first["lead_id"]) == (
        "2821",
        "2500",
        "1343039",
    )
    assert first["email_name"] == "a536c8df3664510799f47910c2548b26"
    assert first["event_id"] == "88461610"


def test_fivetran_clicks_and_links(fivetran: SourceData) -> None:
    clicks = fivetran.events[fivetran.events["event_type"] == "click"]
    assert clicks["link"].notna().sum() == 51
    first = clicks.iloc[0]
    assert first["timestamp"] == ts("2020-04-30T08:05:11Z")
    assert first["link"] == (
        "https://get.fivetran.com/fivetran-databytes-elt.html?utm_source=fivetran"
        "&utm_medium=email&utm_campaign=-fivetran-databytes-elt&utm_term=invite3"
    )
    assert pd.isna(clicks.iloc[2]["link"])
    others = fivetran.events[fivetran.events["event_type"] != "click"]
    assert others["link"].isna().all()


def test_fivetran_tz_option() -> None:
    path = FIXTURES / "fivetran_marketo" / "marketo_activity_send_email_data.csv"
    events = read_source(path, tz="America/New_York").events
    assert events.iloc[0]["timestamp"] == ts("2020-05-11T22:00:04Z")


def test_fivetran_campaigns(fivetran: SourceData) -> None:
    campaigns = fivetran.campaigns
    assert campaigns is not None and len(campaigns) == 100
    assert {"campaign_id", "campaign_name", "program", "status"} <= set(campaigns.columns)
    row = campaigns.set_index("campaign_id").loc["1235"]
    assert row["campaign_name"] == "94966d90747b97d1f0f206c98a8b1ac3"
    assert row["program"] == "0b8fa6920bd45db64555481c89c8b6d4"
    assert row["status"] == "Inactive"
    assert campaigns["program"].notna().sum() == 25
    # the sample's activities point to campaigns outside its campaign sample
    assert fivetran.events["campaign_name"].isna().all()


def test_fivetran_emails_latest_version(fivetran: SourceData) -> None:
    emails = fivetran.emails
    assert emails is not None and len(emails) == 79
    assert list(emails.columns) == ["email_id", "email_name", "subject"]
    latest = emails.set_index("email_id").loc["1055"]
    assert latest["email_name"] == "3854aba73427d031d633f2c0ed81d5de"
    assert latest["subject"] == "2c0c74b1dda8a20c6e33048c0eaa36ed"


def test_fivetran_leads(fivetran: SourceData) -> None:
    leads = fivetran.leads
    assert leads is not None and len(leads) == 100
    assert list(leads.columns) == [
        "lead_id",
        "created_at",
        "updated_at",
        "email",
        "first_name",
        "last_name",
    ]
    assert leads.iloc[-1].to_dict()["email"] == "first_last_100@email.com"
    assert leads["lead_id"].is_unique
