"""A deterministic, realistic sample of email events for demos, tests and benchmarks.

:func:`generate_sample` builds four tables -- canonical events plus the campaigns, emails and
leads that name them -- from a seed, and :func:`write_sample` writes them to a folder (with an
optional ``messy_events.csv`` that shows the rejected-rows ledger at work).

The sample exercises every rule of RULES.md with plausible rates: resends (two ``sent`` of one
record), emails sent by two campaigns, soft bounces followed by a delivery, opens after a hard
bounce, clicks without an open event, unsubscribe-link clicks, complaints, bot-flagged scanner
activity, unflagged same-second open/click clusters, webhook retries (duplicate ``event_id``),
records still Pending on the last days and records Aborted without any outcome.

Everything is drawn from ``numpy.random.Generator(PCG64(...))`` streams seeded from ``seed``
only: the same arguments give byte-identical tables, whatever today's date is.
"""

from __future__ import annotations

import datetime
import html
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from campaign_perf.files import atomic_path
from campaign_perf.schema import EVENT_TYPES

__all__ = [
    "EVENT_COLUMNS",
    "MAX_EVENTS",
    "MIN_EVENTS",
    "SampleData",
    "check_n_events",
    "generate_sample",
    "messy_events",
    "write_sample",
]

#: Columns of :attr:`SampleData.events`, in order.
EVENT_COLUMNS: Final[tuple[str, ...]] = (
    "event_id",
    "event_type",
    "timestamp",
    "campaign_id",
    "email_id",
    "lead_id",
    "link",
    "is_bot",
    "user_agent",
)

_MS: Final = 1_000
_MIN: Final = 60 * _MS
_HOUR: Final = 60 * _MIN
_DAY: Final = 24 * _HOUR
_WINDOW_DAYS: Final = 182  # sends span about six months before ``end``

# Event type codes, in the order of EVENT_TYPES.
_SENT, _DELIVERED, _HARD, _SOFT, _OPEN, _CLICK, _UNSUB, _COMPLAINT = range(8)
assert EVENT_TYPES[_COMPLAINT] == "complaint" and EVENT_TYPES[_OPEN] == "open"

# Calibration: events per lead at scale 1 (measured), and the scale a top-level audience may
# reach before the lead pool is grown (an audience never takes more than 95% of its pool).
_EVENTS_PER_LEAD_AT_SCALE_1: Final = 24.4
_MAX_POOL_SHARE: Final = 0.95
_TOLERANCE: Final = 0.03

# Per-record probabilities (before campaign, email and lead factors).
_P_BAD_ADDRESS: Final = 0.008  # leads whose address hard-bounces
_P_HARD_BAD, _P_HARD_OK = 0.9, 0.002
_P_SOFT: Final = 0.015
_P_SOFT_THEN_DELIVERED: Final = 0.35
_P_PENDING_RECENT: Final = 0.25  # sends of the last 48 h whose outcome has not arrived
_P_ABORTED: Final = 0.0025  # older sends that never got an outcome
_P_CLICK_GIVEN_OPEN: Final = 0.115
_P_CLICK_WITHOUT_OPEN: Final = 0.12  # clickers whose client blocked the tracking pixel
_P_UNSUB: Final = 0.003
_P_COMPLAINT: Final = 0.0005
_P_OPEN_AFTER_HARD: Final = 0.02
_P_SCANNER = {"Enterprise": 0.10, "Mid-Market": 0.05, "SMB": 0.015}  # flagged bots
_P_SCANNER_CLICKS: Final = 0.15
_P_CLUSTER: Final = 0.008  # unflagged same-second open + clicks (link scanners)
_P_DUPLICATE: Final = 0.0016  # webhook retries: same event_id twice

# Lead attributes.
_COUNTRIES = {
    "US": 0.34, "GB": 0.12, "DE": 0.10, "CA": 0.07, "FR": 0.06, "AU": 0.05, "SE": 0.05,
    "NL": 0.05, "NO": 0.04, "IE": 0.04, "DK": 0.03, "ES": 0.03, "JP": 0.01, "BR": 0.01,
}  # fmt: skip
_SEGMENTS = {"Enterprise": 0.20, "Mid-Market": 0.35, "SMB": 0.45}
_INDUSTRIES = {
    "Software": 0.26, "Retail": 0.16, "Finance": 0.16, "Healthcare": 0.14,
    "Manufacturing": 0.16, "Education": 0.12,
}  # fmt: skip
_DOMAINS = {
    "example.com": 0.22, "example.org": 0.16, "example.net": 0.14, "mail.example.net": 0.12,
    "corp.example.com": 0.10, "inbox.example.org": 0.08, "webmail.example.net": 0.06,
    "eu.example.org": 0.05, "nordic.example.com": 0.04, "apac.example.net": 0.03,
}  # fmt: skip
_FIRST_NAMES = (
    "anna", "erik", "lars", "ingrid", "sofia", "lukas", "emma", "noah", "olivia", "liam", "mia",
    "lucas", "hannah", "felix", "ella", "oscar", "nora", "jonas", "amelia", "hugo", "chloe",
    "leon", "maja", "elias", "alice", "theo", "clara", "max", "ida", "leo", "grace", "adam",
    "julia", "samuel", "zoe", "daniel", "laura", "thomas", "sarah", "james", "emily", "david",
    "charlotte", "pierre", "camille", "marie", "kenji", "aiko", "lucia", "mateo"
)  # fmt: skip
_LAST_NAMES = (
    "smith", "johnson", "brown", "taylor", "wilson", "martin", "andersson", "johansson",
    "hansen", "olsen", "nilsen", "larsen", "muller", "schmidt", "schneider", "fischer", "weber",
    "dubois", "bernard", "moreau", "lefevre", "garcia", "martinez", "rossi", "ferrari", "jones",
    "williams", "davies", "evans", "roberts", "walker", "wright", "clarke", "hall", "lee",
    "king", "scott", "green", "baker", "nguyen", "tanaka", "sato", "kowalski", "novak", "berg",
    "lindqvist", "eriksen", "haugen", "dahl"
)  # fmt: skip

_MONTH_TOPICS = (
    "Planning your year in data",
    "Five dashboards our customers love",
    "Spring cleaning for your CRM",
    "What's new in reporting",
    "How Nordlys cut reporting time in half",
    "Mid-year benchmarks for email marketers",
    "Summer reading: our top guides",
    "Back to school for data teams",
    "Autumn release highlights",
    "Getting ready for Q4 planning",
    "Your holiday campaign checklist",
    "Our year in review",
)
_WEBINARS = (
    ("Scaling Data Pipelines", "scaling-data-pipelines"),
    ("Attribution Without Tears", "attribution-without-tears"),
    ("The Email Deliverability Masterclass", "deliverability-masterclass"),
)


@dataclass(frozen=True)
class SampleData:
    """The generated sample: canonical events and the tables that name them.

    Attributes
    ----------
    events : pandas.DataFrame
        One row per event, columns :data:`EVENT_COLUMNS`: ``event_id`` (str, unique except
        for a few webhook retries), ``event_type`` (str, one of ``EVENT_TYPES``),
        ``timestamp`` (``datetime64[ms, UTC]``), ``campaign_id``, ``email_id``, ``lead_id``
        (str), ``link`` (str, clicks only, else missing), ``is_bot`` (bool) and
        ``user_agent`` (str, opens and clicks only: Apple Mail, Gmail, Outlook, Yahoo and
        Android readers, a third of Apple Mail's opens Apple Mail Privacy Protection's
        machine opens, bot clicks a link scanner's). Sorted by timestamp, then event_id.
    campaigns : pandas.DataFrame
        ``campaign_id, campaign_name, program, status`` (``"active"`` / ``"archived"``).
    emails : pandas.DataFrame
        ``email_id, email_name, subject, html, campaign_id`` (the campaign that owns and
        sends the email; a few emails are also sent by a second campaign).
    leads : pandas.DataFrame
        ``lead_id, email, country, segment, industry, email_domain, created_at``.
    """

    events: pd.DataFrame
    campaigns: pd.DataFrame
    emails: pd.DataFrame
    leads: pd.DataFrame


# ---------------------------------------------------------------------------------------
# The plan: campaigns, emails and who gets what when
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Campaign:
    campaign_id: str
    name: str
    program: str
    status: str
    open_f: float  # engagement factors relative to the baseline
    click_f: float
    unsub_f: float
    resend: float  # share of records sent twice


@dataclass(frozen=True)
class _Email:
    email_id: str
    name: str
    subject: str
    headline: str
    paragraph: str
    links: tuple[tuple[str, str], ...]  # content links (url, label); 1 to 3
    unsubscribe: str
    campaign: int
    color: str


@dataclass(frozen=True)
class _Audience:
    """Who a campaign sends which emails to, and when.

    ``blast``: every selected lead gets ``emails[i]`` at ``times[i]``. ``waves``: one email,
    each lead gets it at one of ``times``. ``sequence``: batches at ``times``; a lead that
    starts at batch ``s`` gets ``emails[j]`` at batch ``s + step * j``.
    """

    key: str
    campaign: int
    emails: tuple[int, ...]
    times: tuple[int, ...]
    mode: Literal["blast", "waves", "sequence"]
    pool: str  # a lead pool name, or "aud:<key>" for the leads of an earlier audience
    frac: float  # share of the pool at scale 1 (top-level pools) or of the parent audience
    weight: Literal["engaged", "unengaged"] | None = None
    step: int = 1

    @property
    def scaled(self) -> bool:
        return not self.pool.startswith("aud:")


@dataclass(frozen=True)
class _Plan:
    campaigns: tuple[_Campaign, ...]
    emails: tuple[_Email, ...]
    audiences: tuple[_Audience, ...]
    links: tuple[str, ...]  # every URL; events refer to links by position
    start_ms: int
    end_ms: int  # exclusive: midnight UTC after the ``end`` day


def _utm(url: str, slug: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}utm_source=marketo&utm_medium=email&utm_campaign={slug}"


def _ms(day: datetime.date, hour: int = 0, minute: int = 0) -> int:
    stamp = datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=datetime.UTC)
    return int(stamp.timestamp()) * _MS


def _second_tuesday(year: int, month: int) -> datetime.date:
    first = datetime.date(year, month, 1)
    return first + datetime.timedelta(days=(1 - first.weekday()) % 7 + 7)


def _build_plan(end: datetime.date) -> _Plan:
    campaigns: list[_Campaign] = []
    emails: list[_Email] = []
    audiences: list[_Audience] = []

    def campaign(name: str, program: str, status: str, *factors: float) -> int:
        campaigns.append(_Campaign(f"C{1001 + len(campaigns)}", name, program, status, *factors))
        return len(campaigns) - 1

    colors = {
        "Monthly Newsletter": "#1d4ed8",
        "Q3 Webinar Series": "#7c3aed",
        "Product Launch – Atlas": "#0f766e",
        "SMB Nurture": "#c2410c",
    }

    def email(
        camp: int,
        name: str,
        subject: str,
        headline: str,
        paragraph: str,
        slug: str,
        links: list[tuple[str, str]],
    ) -> int:
        email_id = f"E{2001 + len(emails)}"
        emails.append(
            _Email(
                email_id=email_id,
                name=name,
                subject=subject,
                headline=headline,
                paragraph=paragraph,
                links=tuple((_utm(url, slug), label) for url, label in links),
                unsubscribe=f"https://example.com/unsubscribe?eid={email_id}&src=email",
                campaign=camp,
                color=colors[campaigns[camp].program],
            )
        )
        return len(emails) - 1

    def day(offset: int) -> datetime.date:
        return end + datetime.timedelta(days=offset)

    start = day(-_WINDOW_DAYS)

    # -- Monthly Newsletter -------------------------------------------------------------
    news = campaign(
        "Newsletter – Monthly Send", "Monthly Newsletter", "active", 1.0, 1.0, 1.5, 0.01
    )
    resend = campaign(
        "Newsletter – Resend to Non-Openers", "Monthly Newsletter", "active", 0.5, 0.8, 1.0, 0.0
    )
    digest = campaign(
        "Newsletter – Spring Digest", "Monthly Newsletter", "archived", 0.9, 0.9, 1.5, 0.0
    )
    months: list[datetime.date] = []  # the second Tuesday of the last five or six months
    for back in range(8, -1, -1):
        y, m = divmod(end.year * 12 + end.month - 1 - back, 12)
        send_day = _second_tuesday(y, m + 1)
        if start + datetime.timedelta(days=7) <= send_day <= day(-5):
            months.append(send_day)
    news_emails, news_times = [], []
    for send_day in months:
        month = send_day.strftime("%B %Y")
        topic = _MONTH_TOPICS[send_day.month - 1]
        slug = f"newsletter-{send_day:%Y-%m}"
        news_emails.append(
            email(
                news,
                f"Newsletter – {month}",
                f"{send_day:%B} update: {topic}",
                topic,
                f"Our {send_day:%B} roundup: product news, a customer story and the guides our "
                "readers bookmarked most this month.",
                slug,
                [
                    (f"https://example.com/blog/{slug}", "Read the full story"),
                    ("https://example.com/pricing", "See plans and pricing"),
                    ("https://example.com/events", "Upcoming events"),
                ][: 2 + send_day.month % 2],
            )
        )
        news_times.append(_ms(send_day, 14))
    audiences.append(
        _Audience(
            "newsletter", news, tuple(news_emails), tuple(news_times), "blast", "newsletter", 0.7
        )
    )
    for i in range(2, len(news_emails)):
        audiences.append(
            _Audience(
                f"newsletter-resend-{i}",
                resend,
                (news_emails[i],),
                (news_times[i] + 5 * _DAY + _HOUR,),
                "blast",
                "aud:newsletter",
                0.3,
                weight="unengaged",
            )
        )
    digest_emails = (
        email(
            digest,
            "Spring Digest – Best of the Blog",
            "The 10 most-read posts of the season",
            "The best of the blog",
            "Catch up on the ten posts our readers shared most this spring, from attribution "
            "models to subject-line experiments.",
            "spring-digest",
            [("https://example.com/blog/best-of-spring", "Read the top 10")],
        ),
        email(
            digest,
            "Spring Digest – Customer Stories",
            "How three teams doubled their pipeline",
            "Customer stories",
            "Three marketing teams share how they rebuilt their reporting and what they would "
            "do differently.",
            "spring-digest",
            [
                ("https://example.com/customers", "Read the stories"),
                ("https://example.com/pricing", "Compare plans"),
            ],
        ),
    )
    audiences.append(
        _Audience(
            "digest",
            digest,
            digest_emails,
            (_ms(day(-170), 14), _ms(day(-156), 14, 30)),
            "blast",
            "all",
            0.5,
        )
    )

    # -- Q3 Webinar Series --------------------------------------------------------------
    invites = campaign("Webinar – Invitations", "Q3 Webinar Series", "active", 0.9, 1.3, 1.0, 0.04)
    reminders = campaign("Webinar – Reminders", "Q3 Webinar Series", "active", 1.9, 1.6, 0.3, 0.02)
    follow = campaign("Webinar – Follow-ups", "Q3 Webinar Series", "active", 1.5, 2.0, 0.5, 0.0)
    for w, ((title, slug), offset) in enumerate(zip(_WEBINARS, (-95, -74, -53), strict=True)):
        invite = email(
            invites,
            f"Webinar Invite – {title}",
            f"You're invited: {title} (live, 45 minutes)",
            title,
            "Join our product experts live for 45 minutes of practical advice, a customer "
            "case study and open Q&A. Can't make it? Register and we'll send the recording.",
            slug,
            [
                (f"https://example.com/webinar/register?w={slug}", "Save my seat"),
                (f"https://example.com/webinar/{slug}/agenda", "See the agenda"),
            ],
        )
        audiences.append(
            _Audience(
                f"invite-{w}",
                invites,
                (invite,),
                (_ms(day(offset - 14), 15), _ms(day(offset - 7), 15)),
                "waves",
                "non_smb",
                0.6,
            )
        )
        remind = (
            email(
                reminders,
                f"Webinar Reminder – {title} (tomorrow)",
                f"Tomorrow: {title}",
                f"See you tomorrow at {title}",
                "Your seat is saved. Add the session to your calendar so you don't miss it.",
                slug,
                [
                    (f"https://example.com/webinar/{slug}/join", "Add to calendar"),
                    (f"https://example.com/webinar/{slug}/agenda", "See the agenda"),
                ],
            ),
            email(
                reminders,
                f"Webinar Reminder – {title} (1 hour)",
                f"Starting in 1 hour: {title}",
                "We're going live in one hour",
                "Grab a coffee: the session starts in one hour. Join from your browser, no "
                "download needed.",
                slug,
                [(f"https://example.com/webinar/{slug}/join", "Join the webinar")],
            ),
        )
        audiences.append(
            _Audience(
                f"registrants-{w}",
                reminders,
                remind,
                (_ms(day(offset - 1), 15), _ms(day(offset), 15)),
                "blast",
                f"aud:invite-{w}",
                0.15,
                weight="engaged",
            )
        )
        recording = email(
            follow,
            f"Webinar Follow-up – {title}",
            f"The recording: {title}",
            "Thanks for joining us",
            "Here is the recording and the slides, plus the three resources our speakers "
            "mentioned during the Q&A.",
            slug,
            [
                (f"https://example.com/webinar/{slug}/recording", "Watch the recording"),
                (f"https://example.org/resources/{slug}-slides.pdf", "Download the slides"),
                ("https://example.com/pricing", "Talk to sales"),
            ],
        )
        audiences.append(
            _Audience(
                f"follow-{w}",
                follow,
                (recording,),
                (_ms(day(offset + 2), 15),),
                "blast",
                f"aud:registrants-{w}",
                1.0,
            )
        )

    # -- Product Launch – Atlas ---------------------------------------------------------
    program = "Product Launch – Atlas"
    teaser = campaign("Atlas – Teaser", program, "archived", 1.0, 0.8, 1.0, 0.0)
    launch = campaign("Atlas – Launch Announcement", program, "active", 1.1, 1.4, 1.0, 0.01)
    onboard = campaign("Atlas – Customer Onboarding", program, "active", 1.6, 1.5, 0.2, 0.03)
    teasers = (
        email(
            teaser,
            "Atlas Teaser – Something New Is Coming",
            "Something new is coming",
            "Something new is coming",
            "We've spent a year rebuilding how teams see their customers. Be the first to "
            "know when it lands.",
            "atlas-teaser",
            [("https://example.com/atlas/waitlist", "Join the waitlist")],
        ),
        email(
            teaser,
            "Atlas Teaser – Two Weeks to Go",
            "Two weeks to go",
            "Two weeks to go",
            "A first look at the new journey map, live dashboards and the open data model.",
            "atlas-teaser",
            [
                ("https://example.com/atlas", "Take a first look"),
                ("https://example.com/atlas/waitlist", "Join the waitlist"),
            ],
        ),
    )
    audiences.append(
        _Audience(
            "teaser",
            teaser,
            teasers,
            (_ms(day(-40), 14), _ms(day(-26), 14)),
            "blast",
            "all",
            0.4,
        )
    )
    introducing = email(
        launch,
        "Atlas Launch – Introducing Atlas",
        "Introducing Atlas: see every customer journey in one place",
        "Introducing Atlas",
        "Atlas maps every touchpoint of every customer, in real time, and tells you which "
        "ones matter. Available today on every plan.",
        "atlas-launch",
        [
            ("https://example.com/atlas", "Discover Atlas"),
            ("https://example.com/pricing", "See pricing"),
            ("https://example.org/docs/atlas/getting-started", "Read the docs"),
        ],
    )
    enterprise = email(
        launch,
        "Atlas Launch – Atlas for Enterprise",
        "Atlas for enterprise teams: SSO, audit logs and more",
        "Atlas for enterprise teams",
        "Single sign-on, audit logs, data residency in the EU and a 99.95% uptime SLA.",
        "atlas-launch",
        [
            ("https://example.com/atlas/enterprise", "Explore Atlas Enterprise"),
            ("https://example.com/contact-sales", "Talk to sales"),
        ],
    )
    recap = email(
        launch,
        "Atlas Launch – Launch Week Recap",
        "Atlas launch week: everything we shipped",
        "Launch week recap",
        "Five days, twelve features and one very tired product team. Here's everything that "
        "shipped during launch week.",
        "atlas-launch",
        [
            ("https://example.com/blog/atlas-launch-week", "Read the recap"),
            ("https://example.com/webinar/register?w=atlas-live", "Join the live demo"),
        ],
    )
    audiences += [
        _Audience("launch", launch, (introducing,), (_ms(day(-12), 13),), "blast", "all", 0.6),
        _Audience(
            "launch-ent", launch, (enterprise,), (_ms(day(-10), 15),), "blast", "enterprise", 0.8
        ),
        _Audience("recap", launch, (recap,), (_ms(day(0), 9),), "blast", "all", 0.2),
    ]
    steps = (
        ("Get started", "Connect your first data source in under five minutes."),
        (
            "Build your first journey map",
            "Drag two events onto the canvas and Atlas does the rest.",
        ),
        ("Invite your team", "Atlas is better together: share maps and dashboards with your team."),
    )
    onboarding = tuple(
        email(
            onboard,
            f"Atlas Onboarding {i} – {title}",
            f"Atlas tip {i}/3: {title.lower()}",
            title,
            text,
            "atlas-onboarding",
            [
                (f"https://example.org/docs/atlas/onboarding/{i}", "Show me how"),
                ("https://example.com/support", "Contact support"),
            ][: 1 + i % 2],
        )
        for i, (title, text) in enumerate(steps, start=1)
    )
    audiences.append(
        _Audience(
            "onboarding",
            onboard,
            onboarding,
            tuple(_ms(day(d), 16) for d in range(-12, 1)),
            "sequence",
            "customers",
            0.5,
            step=2,
        )
    )

    # -- SMB Nurture --------------------------------------------------------------------
    welcome = campaign("SMB Nurture – Welcome Track", "SMB Nurture", "active", 1.2, 1.1, 0.8, 0.03)
    edu = campaign("SMB Nurture – Education Track", "SMB Nurture", "active", 0.8, 0.9, 1.2, 0.03)
    legacy = campaign(
        "SMB Nurture – Legacy Drip 2025", "SMB Nurture", "archived", 0.6, 0.6, 2.0, 0.0
    )
    welcome_topics = (
        ("Welcome aboard", "Three quick wins for your first week", "https://example.com/start"),
        ("Set up in 10 minutes", "A checklist that gets you from zero to your first report.",
         "https://example.com/guides/setup"),
        ("Meet your dashboard", "Everything on one screen: what each tile tells you.",
         "https://example.com/guides/dashboard"),
        ("Ready for more?", "Teams like yours upgrade when they hit these three limits.",
         "https://example.com/pricing"),
    )  # fmt: skip
    welcome_emails = tuple(
        email(
            welcome,
            f"SMB Welcome {i} – {title}",
            title if i > 1 else "Welcome aboard! Here's where to start",
            title,
            text,
            "smb-welcome",
            [
                (url, "Show me"),
                ("https://example.com/customers/small-business", "Customer stories"),
            ][: 1 + (i % 2)],
        )
        for i, (title, text, url) in enumerate(welcome_topics, start=1)
    )
    edu_topics = (
        ("Segmentation 101", "https://example.com/guides/segmentation"),
        ("Writing subject lines that get opened", "https://example.com/guides/subject-lines"),
        ("A/B testing without a statistician", "https://example.com/guides/ab-testing"),
        ("Reading your funnel", "https://example.com/guides/funnel"),
        ("Automation recipes for small teams", "https://example.com/guides/automation"),
    )
    edu_emails = tuple(
        email(
            edu,
            f"SMB Education {i} – {title}",
            f"Lesson {i}: {title}",
            title,
            "A five-minute read with one idea you can try today, written for small teams "
            "without a data department.",
            "smb-education",
            [(url, "Read the lesson"), ("https://example.com/events", "Join a live workshop")][
                : 1 + (i % 2)
            ],
        )
        for i, (title, url) in enumerate(edu_topics, start=1)
    )
    legacy_emails = tuple(
        email(
            legacy,
            f"Legacy Drip {i} – {title}",
            title,
            title,
            "A short note from our team with one resource we think you'll find useful.",
            "smb-legacy",
            [(url, "Take a look")],
        )
        for i, (title, url) in enumerate(
            (
                ("Still thinking it over?", "https://example.com/pricing"),
                ("Your free trial, extended", "https://example.com/trial"),
                ("A quick question", "https://example.org/survey/smb"),
            ),
            start=1,
        )
    )
    audiences += [
        _Audience(
            "welcome",
            welcome,
            welcome_emails,
            tuple(_ms(day(d), 10) for d in range(-175, 1, 7)),
            "sequence",
            "smb",
            0.5,
        ),
        _Audience(
            "education",
            edu,
            edu_emails,
            tuple(_ms(day(d), 11) for d in range(-172, 1, 7)),
            "sequence",
            "smb",
            0.4,
            step=2,
        ),
        # The launch email, sent a second time by a nurture campaign: separate records.
        _Audience("education-atlas", edu, (introducing,), (_ms(day(-5), 14),), "blast", "smb", 0.3),
        _Audience(
            "legacy",
            legacy,
            legacy_emails,
            tuple(_ms(day(d), 10) for d in range(-180, -120, 7)),
            "sequence",
            "smb",
            0.3,
            step=2,
        ),
    ]

    links = sorted({url for e in emails for url, _ in e.links} | {e.unsubscribe for e in emails})
    return _Plan(
        campaigns=tuple(campaigns),
        emails=tuple(emails),
        audiences=tuple(audiences),
        links=tuple(links),
        start_ms=_ms(start),
        end_ms=_ms(day(1)),
    )


def _render_html(e: _Email) -> str:
    """A small responsive HTML email: header, paragraph, a button, links and a footer."""
    esc = html.escape
    (first_url, first_label), *more = e.links
    extra = "".join(
        f'<li><a href="{esc(url)}" style="color:{e.color}">{esc(label)}</a></li>'
        for url, label in more
    )
    more_html = f'<ul class="links">{extra}</ul>' if extra else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(e.subject)}</title>"
        "<style>body{margin:0;background:#f3f4f6;font-family:Arial,Helvetica,sans-serif;"
        "color:#1f2937}.wrap{max-width:600px;margin:0 auto;background:#ffffff}"
        f".hdr{{background:{e.color};color:#ffffff;padding:24px}}"
        ".hdr h1{margin:0;font-size:22px;line-height:1.3}"
        ".body{padding:24px;font-size:16px;line-height:1.5}"
        f".btn{{display:inline-block;background:{e.color};color:#ffffff !important;"
        "text-decoration:none;padding:12px 20px;border-radius:4px}"
        ".links{padding-left:18px}.ftr{padding:16px 24px;font-size:12px;color:#6b7280}"
        "@media (max-width:620px){.wrap{width:100% !important}"
        ".hdr,.body,.ftr{padding:16px !important}}</style></head>\n"
        '<body><div class="wrap">'
        f'<div class="hdr"><h1>{esc(e.headline)}</h1></div>'
        '<div class="body"><p>Hi {{lead.First Name:default=there}},</p>'
        f"<p>{esc(e.paragraph)}</p>"
        f'<p><a class="btn" href="{esc(first_url)}">{esc(first_label)}</a></p>'
        f"{more_html}</div>"
        '<div class="ftr">Example Analytics Inc., 1 Example Street, Springfield. '
        "You receive this email because you signed up at example.com. "
        f'<a href="{esc(e.unsubscribe)}">Unsubscribe</a> · '
        '<a href="https://example.com/preferences">Email preferences</a></div>'
        "</div></body></html>\n"
    )


# ---------------------------------------------------------------------------------------
# Vectorised helpers
# ---------------------------------------------------------------------------------------
def _str_index(values: list[str] | tuple[str, ...]) -> pd.Index:
    return pd.Index(list(values), dtype="str")


def _take(labels: pd.Index, codes: np.ndarray) -> np.ndarray | pd.api.extensions.ExtensionArray:
    """Labels at ``codes`` as a pandas ``str`` array (code -1 gives a missing value)."""
    return labels.take(codes, allow_fill=True, fill_value=None).array


def _choice(rng: np.random.Generator, weights: dict[str, float], size: int) -> np.ndarray:
    p = np.array(list(weights.values()))
    return rng.choice(len(p), size=size, p=p / p.sum())


def _pick(
    rng: np.random.Generator, eligible: np.ndarray, p: float | np.ndarray, min_count: int
) -> np.ndarray:
    """Bernoulli(p) among ``eligible``, topped up at random to at least ``min_count``."""
    out = eligible & (rng.random(eligible.size) < p)
    short = min_count - int(out.sum())
    if short > 0:
        rest = np.flatnonzero(eligible & ~out)
        if rest.size:
            out[rng.choice(rest, size=min(short, rest.size), replace=False)] = True
    return out


def _group_cumsum(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Cumulative sums that restart at every group of ``counts`` consecutive values."""
    total = np.cumsum(values)
    starts = np.cumsum(counts) - counts
    return total - np.repeat(total[starts] - values[starts], counts)


def _lognormal(rng: np.random.Generator, median_ms: float, sigma: float, size: int) -> np.ndarray:
    return rng.lognormal(math.log(median_ms), sigma, size)


# ---------------------------------------------------------------------------------------
# Leads
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Leads:
    table: pd.DataFrame
    created_ms: np.ndarray
    segment: np.ndarray  # codes into _SEGMENTS
    propensity: np.ndarray  # how likely the person opens
    bad_address: np.ndarray
    pools: dict[str, np.ndarray]


def _make_leads(n: int, plan: _Plan, rng: np.random.Generator) -> _Leads:
    recent = rng.random(n) < 0.2
    old_from = plan.start_ms - 4 * 365 * _DAY
    created = np.where(
        recent,
        rng.integers(plan.start_ms - _DAY, plan.end_ms - 2 * _DAY, n),
        rng.integers(old_from, plan.start_ms - _DAY, n),
    )
    created = np.sort(created // _MS) * _MS  # lead ids grow with creation time
    country = _choice(rng, _COUNTRIES, n)
    segment = _choice(rng, _SEGMENTS, n)
    industry = _choice(rng, _INDUSTRIES, n)
    domain = _choice(rng, _DOMAINS, n)
    first = rng.integers(0, len(_FIRST_NAMES), n)
    last = rng.integers(0, len(_LAST_NAMES), n)
    number = rng.integers(1, 1000, n)
    propensity = rng.beta(1.0, 3.0, n)
    bad = rng.random(n) < _P_BAD_ADDRESS
    propensity[bad] = 0.0
    newsletter = rng.random(n) < 0.75
    customer = rng.random(n) < np.array([0.25, 0.18, 0.10])[segment]

    width = max(6, len(str(n)))
    digits = pd.Series(
        pc.utf8_lpad(pa.array(np.arange(1, n + 1)).cast(pa.string()), width, "0"), dtype="str"
    )
    lead_id = "L" + digits
    domains = _str_index(tuple(_DOMAINS))
    local = (
        pd.Series(_take(_str_index(_FIRST_NAMES), first))
        + "."
        + pd.Series(_take(_str_index(_LAST_NAMES), last))
    )
    address = local + pd.Series(number).astype("str") + "@" + pd.Series(_take(domains, domain))
    clash = address.duplicated(keep="first").to_numpy()
    if clash.any():  # make addresses unique with the lead number (never clashes: 0-padded)
        fixed = local + digits + "@" + pd.Series(_take(domains, domain))
        address = address.where(~clash, fixed)
    table = pd.DataFrame(
        {
            "lead_id": lead_id,
            "email": address,
            "country": _take(_str_index(tuple(_COUNTRIES)), country),
            "segment": _take(_str_index(tuple(_SEGMENTS)), segment),
            "industry": _take(_str_index(tuple(_INDUSTRIES)), industry),
            "email_domain": _take(domains, domain),
            "created_at": pd.Series(created.astype("datetime64[ms]")).dt.tz_localize("UTC"),
        }
    )
    seg = list(_SEGMENTS)
    pools = {
        "all": np.arange(n),
        "newsletter": np.flatnonzero(newsletter),
        "non_smb": np.flatnonzero(segment != seg.index("SMB")),
        "enterprise": np.flatnonzero(segment == seg.index("Enterprise")),
        "smb": np.flatnonzero(segment == seg.index("SMB")),
        "customers": np.flatnonzero(customer),
    }
    return _Leads(table, created, segment, propensity, bad, pools)


# ---------------------------------------------------------------------------------------
# Records: one per (campaign, email, lead), with the first send time
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Records:
    campaign: np.ndarray
    email: np.ndarray
    lead: np.ndarray
    sent_ms: np.ndarray

    def __len__(self) -> int:
        return self.lead.size


def _throttle(rng: np.random.Generator, batch: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Send times: a batch goes out over a few minutes (about 120,000 emails an hour)."""
    counts = np.bincount(batch, minlength=times.size)
    spread = np.maximum(2 * _MIN, counts * (_HOUR / 120_000))
    return times[batch] + (rng.random(batch.size) * spread[batch]).astype(np.int64)


def _build_records(plan: _Plan, leads: _Leads, scale: float, rng: np.random.Generator) -> _Records:
    parts: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]] = []  # (campaign, email, lead, t)
    reached: dict[str, np.ndarray] = {}
    for aud in plan.audiences:
        pool = reached[aud.pool[4:]] if not aud.scaled else leads.pools[aud.pool]
        size = min(pool.size, round(aud.frac * (scale if aud.scaled else 1.0) * pool.size))
        u = rng.random(pool.size)
        if aud.weight is None:
            keys = u
        else:  # weighted sampling without replacement (Efraimidis-Spirakis)
            w = leads.propensity[pool] if aud.weight == "engaged" else 1 - leads.propensity[pool]
            keys = np.log(u) / (w**2 + 1e-3)
        chosen = np.sort(pool[np.argsort(-keys, kind="stable")[:size]])
        created = leads.created_ms[chosen] + _HOUR
        times = np.array(aud.times, dtype=np.int64)
        got: list[np.ndarray] = []
        if aud.mode == "blast":
            for i, e in enumerate(aud.emails):
                who = chosen[created < times[i]]
                sent = _throttle(rng, np.zeros(who.size, np.intp), times[i : i + 1])
                parts.append((aud.campaign, np.full(who.size, e), who, sent))
                got.append(who)
        elif aud.mode == "waves":
            first = np.searchsorted(times, created, side="right")
            ok = first < times.size
            who, first = chosen[ok], first[ok]
            wave = first + (rng.random(who.size) * (times.size - first)).astype(np.intp)
            parts.append(
                (aud.campaign, np.full(who.size, aud.emails[0]), who, _throttle(rng, wave, times))
            )
            got.append(who)
        else:  # sequence
            first = np.searchsorted(times, created, side="right")
            begin = np.where(first > 0, first, rng.integers(0, times.size, chosen.size))
            for j, e in enumerate(aud.emails):
                batch = begin + aud.step * j
                ok = batch < times.size
                parts.append(
                    (
                        aud.campaign,
                        np.full(int(ok.sum()), e),
                        chosen[ok],
                        _throttle(rng, batch[ok], times),
                    )
                )
                got.append(chosen[ok])
        reached[aud.key] = np.unique(np.concatenate(got)) if got else np.empty(0, np.int64)
    return _Records(
        campaign=np.concatenate([np.full(p[2].size, p[0], np.int16) for p in parts]),
        email=np.concatenate([p[1].astype(np.int16) for p in parts]),
        lead=np.concatenate([p[2] for p in parts]).astype(np.int32),
        sent_ms=np.minimum(np.concatenate([p[3] for p in parts]), plan.end_ms - _MS),
    )


# ---------------------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------------------
class _EventParts:
    def __init__(self) -> None:
        self.rec: list[np.ndarray] = []
        self.etype: list[np.ndarray] = []
        self.ts: list[np.ndarray] = []
        self.link: list[np.ndarray] = []
        self.bot: list[np.ndarray] = []

    def add(
        self,
        rec: np.ndarray,
        etype: int,
        ts: np.ndarray,
        link: np.ndarray | None = None,
        bot: bool = False,
    ) -> None:
        self.rec.append(rec.astype(np.int64))
        self.etype.append(np.full(rec.size, etype, np.int8))
        self.ts.append(np.asarray(ts).astype(np.int64))
        self.link.append(np.full(rec.size, -1, np.int32) if link is None else link.astype(np.int32))
        self.bot.append(np.full(rec.size, bot))

    def arrays(self) -> tuple[np.ndarray, ...]:
        return tuple(
            np.concatenate(x) for x in (self.rec, self.etype, self.ts, self.link, self.bot)
        )


def _build_events(
    plan: _Plan, leads: _Leads, rec: _Records, rng: np.random.Generator
) -> tuple[np.ndarray, ...]:
    """Events as arrays: record, type code, timestamp (ms), link code, is_bot, event number."""
    n = len(rec)
    camp = plan.campaigns
    c_open = np.array([c.open_f for c in camp])[rec.campaign]
    c_click = np.array([c.click_f for c in camp])[rec.campaign]
    c_unsub = np.array([c.unsub_f for c in camp])[rec.campaign]
    c_resend = np.array([c.resend for c in camp])[rec.campaign]
    n_emails = len(plan.emails)
    e_open = rng.uniform(0.8, 1.2, n_emails)[rec.email]
    e_click = rng.uniform(0.7, 1.3, n_emails)[rec.email]
    link_code = {url: i for i, url in enumerate(plan.links)}
    content = np.full((n_emails, 3), -1, np.int32)
    n_content = np.zeros(n_emails, np.int64)
    for i, e in enumerate(plan.emails):
        content[i, : len(e.links)] = [link_code[url] for url, _ in e.links]
        n_content[i] = len(e.links)
    unsub_link = np.array([link_code[e.unsubscribe] for e in plan.emails], np.int32)

    def content_link(r: np.ndarray) -> np.ndarray:
        em = rec.email[r]
        return content[em, (rng.random(r.size) * n_content[em]).astype(np.int64)]

    ev = _EventParts()
    all_recs = np.arange(n)
    sent = rec.sent_ms
    ev.add(all_recs, _SENT, sent)

    # Resends: the same email from the same campaign again, one to eight days later.
    can_resend = sent < plan.end_ms - 9 * _DAY
    resend = _pick(rng, can_resend, c_resend, min_count=2)
    resent_at = sent + rng.integers(_DAY, 8 * _DAY, n)
    ev.add(all_recs[resend], _SENT, resent_at[resend])

    # Outcome of the send.
    recent = sent >= plan.end_ms - 2 * _DAY
    none = _pick(rng, recent, _P_PENDING_RECENT, min_count=3) | _pick(
        rng, ~recent, _P_ABORTED, min_count=3
    )
    u = rng.random(n)
    p_hard = np.where(leads.bad_address[rec.lead], _P_HARD_BAD, _P_HARD_OK)
    hard = ~none & (u < p_hard)
    soft = ~none & ~hard & (u < p_hard + _P_SOFT)
    delivered = ~none & ~hard & ~soft
    t_hard = sent + 300 + _lognormal(rng, 4_000, 1.0, n)
    t_soft = sent + 1_000 + _lognormal(rng, 90_000, 1.5, n)
    t_reach = sent + 300 + _lognormal(rng, 2_500, 0.9, n)
    soft_then = _pick(rng, soft, _P_SOFT_THEN_DELIVERED, min_count=2)
    t_reach = np.where(soft_then, t_soft + rng.integers(30 * _MIN, 36 * _HOUR, n), t_reach)
    reach = delivered | soft_then
    ev.add(all_recs[reach], _DELIVERED, t_reach[reach])
    ev.add(all_recs[hard], _HARD, t_hard[hard])
    ev.add(all_recs[soft], _SOFT, t_soft[soft])
    again = resend & delivered
    ev.add(all_recs[again], _DELIVERED, (resent_at + 300 + _lognormal(rng, 2_500, 0.9, n))[again])

    # Human opens: several per person, mostly within hours, with a long tail over days.
    p_open = np.clip(leads.propensity[rec.lead] * c_open * e_open, 0, 0.95)
    opener = reach & (rng.random(n) < p_open)
    p_click = np.clip(_P_CLICK_GIVEN_OPEN * c_click * e_click, 0, 0.6)
    clicker = opener & (rng.random(n) < p_click)
    no_pixel = _pick(rng, clicker, _P_CLICK_WITHOUT_OPEN, min_count=3)  # implied opens
    with_open = opener & ~no_pixel

    def first_delay(size: int) -> np.ndarray:
        quick = rng.random(size) < 0.6
        d = np.where(
            quick, _lognormal(rng, 40 * _MIN, 1.1, size), _lognormal(rng, 7 * _HOUR, 1.2, size)
        )
        return np.clip(d, 20 * _MS, 30 * _DAY)

    r_open = all_recs[with_open]
    n_opens = rng.geometric(0.55, r_open.size)
    gaps = np.clip(_lognormal(rng, 5 * _HOUR, 1.6, int(n_opens.sum())), 30 * _MS, 20 * _DAY)
    starts = np.cumsum(n_opens) - n_opens
    gaps[starts] = first_delay(r_open.size)
    open_rec = np.repeat(r_open, n_opens)
    ev.add(open_rec, _OPEN, t_reach[open_rec] + _group_cumsum(gaps, n_opens))
    first_open = np.full(n, np.iinfo(np.int64).max)
    first_open[r_open] = (t_reach[r_open] + gaps[starts]).astype(np.int64)

    # Human clicks: seconds to minutes after the first open (or, pixel blocked, instead of it).
    r_click = all_recs[clicker]
    anchor = np.where(
        with_open[r_click], first_open[r_click], t_reach[r_click] + first_delay(r_click.size)
    )
    n_clicks = rng.geometric(0.7, r_click.size)
    gaps = np.clip(_lognormal(rng, 45 * _MS, 1.0, int(n_clicks.sum())), 5 * _MS, 2 * _HOUR)
    click_rec = np.repeat(r_click, n_clicks)
    ev.add(
        click_rec,
        _CLICK,
        np.repeat(anchor, n_clicks) + _group_cumsum(gaps, n_clicks),
        content_link(click_rec),
    )

    # Unsubscribes: mostly a click on the unsubscribe link and then the unsubscribe event;
    # some click the link and leave; some use the List-Unsubscribe header (no click).
    unsub = _pick(rng, reach, _P_UNSUB * c_unsub, min_count=4)
    r_unsub = all_recs[unsub]
    t_unsub = np.where(
        with_open[r_unsub],
        first_open[r_unsub] + rng.integers(10 * _MS, 10 * _MIN, r_unsub.size),
        t_reach[r_unsub] + _lognormal(rng, 3 * _HOUR, 1.3, r_unsub.size),
    )
    path = rng.random(r_unsub.size)
    if path.size >= 2:
        path[:2] = (0.0, 0.9)  # always at least one of the link path and the header path
    via_link = path < 0.88
    completes = (path < 0.78) | (path >= 0.88)
    ev.add(r_unsub[via_link], _CLICK, t_unsub[via_link], unsub_link[rec.email[r_unsub[via_link]]])
    t_done = t_unsub + np.where(via_link, rng.integers(5 * _MS, 120 * _MS, r_unsub.size), 0)
    ev.add(r_unsub[completes], _UNSUB, t_done[completes])

    # Complaints (spam reports), hours after delivery.
    r_comp = all_recs[_pick(rng, reach, _P_COMPLAINT, min_count=1)]
    ev.add(r_comp, _COMPLAINT, t_reach[r_comp] + _lognormal(rng, 8 * _HOUR, 1.2, r_comp.size))

    # An open after a hard bounce (a forwarding mailbox): opened wins over bounced.
    r_hb = all_recs[_pick(rng, hard, _P_OPEN_AFTER_HARD, min_count=1)]
    ev.add(r_hb, _OPEN, t_hard[r_hb] + _lognormal(rng, 3 * _HOUR, 1.2, r_hb.size))

    # Security scanners the source flags as bots: an open seconds after delivery, sometimes
    # followed by clicks on the links.
    p_scan = np.array(list(_P_SCANNER.values()))[leads.segment[rec.lead]]
    r_scan = all_recs[_pick(rng, reach, p_scan, min_count=2)]
    t_scan = t_reach[r_scan] + rng.integers(800, 15 * _MS, r_scan.size)
    ev.add(r_scan, _OPEN, t_scan, bot=True)
    clicks_too = _pick(rng, np.ones(r_scan.size, bool), _P_SCANNER_CLICKS, min_count=1)
    n_bot = np.where(clicks_too, rng.integers(1, 3, r_scan.size), 0)
    bot_rec = np.repeat(r_scan, n_bot)
    t_bot = np.repeat(t_scan, n_bot) + rng.integers(100, 3 * _MS, bot_rec.size)
    ev.add(bot_rec, _CLICK, t_bot, content_link(bot_rec), bot=True)

    # Link scanners the source does not flag: an open and 1-3 clicks within 2 seconds.
    r_cl = all_recs[_pick(rng, reach, _P_CLUSTER, min_count=3)]
    t0 = t_reach[r_cl] + np.clip(_lognormal(rng, 90 * _MS, 1.5, r_cl.size), 1_000, 2 * _DAY)
    ev.add(r_cl, _OPEN, t0)
    n_cl = rng.integers(1, 4, r_cl.size)
    cl_rec = np.repeat(r_cl, n_cl)
    ev.add(
        cl_rec,
        _CLICK,
        np.repeat(t0, n_cl) + rng.integers(0, 2_000, cl_rec.size),
        content_link(cl_rec),
    )

    # Keep what happened by the end of the ``end`` day, in a deterministic order.
    r, et, ts, link, bot = ev.arrays()
    keep = ts < plan.end_ms
    r, et, ts, link, bot = r[keep], et[keep], ts[keep], link[keep], bot[keep]
    order = np.lexsort((et, r, ts))
    r, et, ts, link, bot = r[order], et[order], ts[order], link[order], bot[order]
    number = np.arange(1, r.size + 1)
    # Webhook retries: a few events delivered twice, with the same event_id.
    dup = _pick(rng, et != _SENT, _P_DUPLICATE, min_count=2)
    times = 1 + dup.astype(np.intp)
    return tuple(np.repeat(a, times) for a in (r, et, ts, link, bot, number))


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pd.api.extensions.ExtensionArray:
    digits = pc.utf8_lpad(pa.array(numbers).cast(pa.string()), width, "0")
    return pd.array(pc.binary_join_element_wise(prefix, digits, ""), dtype="str")


#: Where the sample's leads read their email: (share of leads, user agent of an open, user
#: agent of a click, whether it is Apple Mail). Apple Mail users' opens are a third machine
#: opens (Apple Mail Privacy Protection's bare user agent), as ESPs reported since 2021.
_READERS: Final[tuple[tuple[float, str, str, bool], ...]] = (
    (
        0.36,
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        True,
    ),
    (
        0.08,
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) Version/17.5 Safari/605.1.15",
        True,
    ),
    (
        0.03,
        "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Mobile/15E148",
        "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.5 Mobile/15E148 Safari/604.1",
        True,
    ),
    (
        0.27,
        "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Safari/537.36",
        False,
    ),
    (
        0.14,
        "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17726; Pro)",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
        False,
    ),
    (
        0.04,
        "Outlook-iOS/709.2189947.prod.iphone (4.2424.0)",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        False,
    ),
    (
        0.04,
        "YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like "
        "Gecko) Chrome/126.0.0.0 Safari/537.36",
        False,
    ),
    (
        0.04,
        "Mozilla/5.0 (Linux; Android 14; SM-S918B Build/UP1A; wv) AppleWebKit/537.36 (KHTML, "
        "like Gecko) Version/4.0 Chrome/126.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Mobile Safari/537.36",
        False,
    ),
)
#: The user agent of a security scanner that follows links (the sample's bot clicks).
_SCANNER = "Mozilla/5.0 (compatible; Barracuda Sentinel (EE))"
#: Apple Mail Privacy Protection's fetch (see :mod:`campaign_perf.clients`).
_MPP = "Mozilla/5.0"


def _user_agents(
    leads: _Leads, rec: _Records, arrays: tuple[np.ndarray, ...], rng: np.random.Generator
) -> np.ndarray:
    """The user agent of each open and click (None for other events): each lead reads on
    one of :data:`_READERS`; a third of Apple Mail's opens are machine opens; bot clicks are
    a link scanner's."""
    r, et, _ts, _link, bot, number = arrays
    shares = np.array([x[0] for x in _READERS])
    reader = rng.choice(len(_READERS), size=len(leads.table), p=shares / shares.sum())
    machine = rng.random(int(number.max(initial=0)) + 1) < 1 / 3  # per event: retries agree
    who = reader[rec.lead[r]]
    opens, clicks = et == _OPEN, et == _CLICK
    out = np.full(len(r), None, dtype=object)
    out[opens] = np.array([x[1] for x in _READERS], dtype=object)[who[opens]]
    out[clicks] = np.array([x[2] for x in _READERS], dtype=object)[who[clicks]]
    apple = np.array([x[3] for x in _READERS])[who]
    out[opens & apple & machine[number]] = _MPP
    out[clicks & bot] = _SCANNER
    return out


def _events_frame(
    plan: _Plan,
    leads: _Leads,
    rec: _Records,
    arrays: tuple[np.ndarray, ...],
    rng: np.random.Generator,
) -> pd.DataFrame:
    r, et, ts, link, bot, number = arrays
    return pd.DataFrame(
        {
            "event_id": _ids("e", number, max(8, len(str(number.max(initial=0))))),
            "event_type": _take(_str_index(EVENT_TYPES), et),
            "timestamp": pd.Series(ts.astype("datetime64[ms]")).dt.tz_localize("UTC"),
            "campaign_id": _take(
                _str_index([c.campaign_id for c in plan.campaigns]), rec.campaign[r]
            ),
            "email_id": _take(_str_index([e.email_id for e in plan.emails]), rec.email[r]),
            "lead_id": _take(pd.Index(leads.table["lead_id"]), rec.lead[r]),
            "link": _take(_str_index(plan.links), link),
            "is_bot": bot,
            "user_agent": pd.array(_user_agents(leads, rec, arrays, rng), dtype="str"),
        }
    )


# ---------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------
def _end_date(end: str | datetime.date) -> datetime.date:
    if isinstance(end, datetime.datetime):
        return end.date()
    if isinstance(end, datetime.date):
        return end
    try:
        return datetime.date.fromisoformat(str(end))
    except ValueError:
        raise ValueError(f"end must be a date like '2026-10-31', not {end!r}") from None


def _rng(seq: np.random.SeedSequence) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(seq))


def _streams(seed: int) -> dict[str, np.random.SeedSequence]:
    # A new stream goes last: spawned children keep their seeds, so the others do not move.
    names = ("leads", "records", "events", "messy", "agents")
    return dict(zip(names, np.random.SeedSequence(seed).spawn(len(names)), strict=True))


#: The sizes :func:`generate_sample` accepts: the generator holds every event in memory,
#: about 0.35 kB each at its peak, so 50 million events need about 18 GB.
MIN_EVENTS, MAX_EVENTS = 1_000, 50_000_000


def check_n_events(n_events: int) -> int:
    """Check a sample size; return it unchanged.

    Raises
    ------
    ValueError
        ``n_events`` is below :data:`MIN_EVENTS` or above :data:`MAX_EVENTS` (the message
        says why).
    """
    if n_events < MIN_EVENTS:
        raise ValueError(f"n_events must be at least {MIN_EVENTS:,}, not {n_events:,}")
    if n_events > MAX_EVENTS:
        raise ValueError(
            f"n_events must be at most {MAX_EVENTS:,}, not {n_events:,}: the generator holds "
            "every event in memory (about 0.35 kB each)"
        )
    return n_events


def _calibrated(
    plan: _Plan, n_events: int, n_leads: int, streams: dict[str, np.random.SeedSequence]
) -> tuple[_Leads, _Records, tuple[np.ndarray, ...]]:
    """Leads, records and event arrays of about ``n_events`` events (within the tolerance,
    or the fourth try); usually one pass, more when the calibration constant is off."""
    max_scale = _MAX_POOL_SHARE / max(a.frac for a in plan.audiences if a.scaled)
    per_lead = _EVENTS_PER_LEAD_AT_SCALE_1
    leads_n, leads = n_leads, None
    for tries in range(1, 5):
        scale = n_events / (per_lead * leads_n)
        if scale > max_scale:  # more leads, so that no audience takes its whole pool
            leads_n = math.ceil(n_events / (per_lead * 0.9 * max_scale))
            scale = n_events / (per_lead * leads_n)
        if leads is None or len(leads.table) != leads_n:
            leads = _make_leads(leads_n, plan, _rng(streams["leads"]))
        rec = _build_records(plan, leads, scale, _rng(streams["records"]))
        arrays = _build_events(plan, leads, rec, _rng(streams["events"]))
        got = arrays[0].size
        if abs(got / n_events - 1) <= _TOLERANCE or tries == 4:
            return leads, rec, arrays
        per_lead = got / (scale * leads_n)
    raise AssertionError("unreachable: the fourth try returns")


def generate_sample(
    n_events: int = 500_000,
    *,
    seed: int = 7,
    end: str | datetime.date = "2026-10-31",
    n_leads: int = 20_000,
) -> SampleData:
    """Generate a deterministic, realistic sample of campaign email events.

    About twelve campaigns in four programs send about forty emails to subsets of the leads
    over the six months that end on ``end``. Every rule of RULES.md is exercised.

    Parameters
    ----------
    n_events : int, default 500_000
        About how many events to generate (the result is within a few percent).
    seed : int, default 7
        Seed of the random streams; the same arguments give identical tables.
    end : str or datetime.date, default "2026-10-31"
        The last day of the sample (UTC): every event lies before the midnight after it,
        and some sends of the last two days are still Pending.
    n_leads : int, default 20_000
        Number of leads. Grown automatically when too small to carry ``n_events`` without
        an audience taking more than 95% of its pool (about 26 events per lead).

    Returns
    -------
    SampleData
        ``events``, ``campaigns``, ``emails`` and ``leads`` tables.

    Examples
    --------
    >>> s = generate_sample(20_000, seed=1)
    >>> sorted(s.events["event_type"].unique())[:3]
    ['click', 'complaint', 'delivered']
    >>> s.events["timestamp"].max() < pd.Timestamp("2026-11-01", tz="UTC")
    True
    """
    check_n_events(n_events)
    if n_leads < 500:
        raise ValueError(f"n_leads must be at least 500, not {n_leads}")
    plan = _build_plan(_end_date(end))
    streams = _streams(seed)
    leads, rec, arrays = _calibrated(plan, n_events, n_leads, streams)
    campaigns = pd.DataFrame(
        {
            "campaign_id": [c.campaign_id for c in plan.campaigns],
            "campaign_name": [c.name for c in plan.campaigns],
            "program": [c.program for c in plan.campaigns],
            "status": [c.status for c in plan.campaigns],
        },
        dtype="str",
    )
    emails = pd.DataFrame(
        {
            "email_id": [e.email_id for e in plan.emails],
            "email_name": [e.name for e in plan.emails],
            "subject": [e.subject for e in plan.emails],
            "html": [_render_html(e) for e in plan.emails],
            "campaign_id": [plan.campaigns[e.campaign].campaign_id for e in plan.emails],
        },
        dtype="str",
    )
    return SampleData(
        events=_events_frame(plan, leads, rec, arrays, _rng(streams["agents"])),
        campaigns=campaigns,
        emails=emails,
        leads=leads.table,
    )


# ---------------------------------------------------------------------------------------
# Messy CSV: a slice of real events with mixed timestamp formats, plus bad rows
# ---------------------------------------------------------------------------------------
_OFFSET_ZONES: Final = ("Europe/Stockholm", "America/New_York", "Europe/Oslo", "Australia/Sydney")


def _format_timestamp(t: pd.Timestamp, kind: int, zone: str) -> str:
    ms = t.microsecond // 1000
    if kind == 0:  # naive, read as UTC
        return f"{t:%Y-%m-%d %H:%M:%S}.{ms:03d}"
    if kind == 1:  # ISO-8601 with the offset of a zone
        return t.tz_convert(zone).isoformat(timespec="milliseconds")
    if kind == 2:  # ISO-8601 in UTC
        return f"{t:%Y-%m-%dT%H:%M:%S}.{ms:03d}Z"
    return str(int(t.timestamp()))  # epoch seconds


def messy_events(sample: SampleData, *, seed: int = 7, n_rows: int = 200) -> pd.DataFrame:
    """A small CSV-like table that shows the loader's rejected-rows ledger at work.

    About ``n_rows`` canonical rows (every event of a few records, so that no row is an
    orphan) with timestamps written as naive ISO-8601 strings (UTC), ISO-8601 strings with
    an offset or ``Z``, and epoch seconds; plus one row of each kind of bad input: an unknown
    event type (``"bounced"``), an empty ``lead_id``, an unparseable timestamp
    (``"yesterday-ish"``), an exact duplicate row, and an open for a lead that was never sent
    that email (orphan). Bad rows have ids starting with ``m``.

    Parameters
    ----------
    sample : SampleData
        The sample to take the rows from.
    seed : int, default 7
        Seed of the choice of rows and formats.
    n_rows : int, default 200
        About how many canonical rows to take.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`EVENT_COLUMNS`, every value a string (empty when missing).
    """
    rng = _rng(_streams(seed)["messy"])
    ev = sample.events.drop_duplicates("event_id", ignore_index=True)
    rec = ev.groupby(["campaign_id", "email_id", "lead_id"], sort=True).ngroup().to_numpy()
    size = np.bincount(rec)
    kind = ev["event_type"]
    engaged = np.bincount(rec, weights=kind.isin(["open", "click"]).to_numpy()) > 0
    unsub = np.bincount(rec, weights=(kind == "unsubscribe").to_numpy()) > 0
    bot = np.bincount(rec, weights=ev["is_bot"].to_numpy()) > 0
    fits = (size >= 3) & (size <= 12)
    chosen: list[int] = []
    for want in (fits & unsub, fits & bot & ~unsub, fits & engaged & ~unsub & ~bot):
        order = rng.permutation(np.flatnonzero(want))
        take = order[np.cumsum(size[order]) <= n_rows - size[chosen].sum()]
        chosen += take[: 1 if len(chosen) < 2 else None].tolist()
    rows = ev[np.isin(rec, chosen)].reset_index(drop=True)

    formats = rng.choice(4, size=len(rows), p=[0.4, 0.25, 0.15, 0.2])
    zones = rng.choice(len(_OFFSET_ZONES), size=len(rows))
    out = pd.DataFrame(
        {
            "event_id": rows["event_id"],
            "event_type": rows["event_type"],
            "timestamp": [
                _format_timestamp(t, int(k), _OFFSET_ZONES[z])
                for t, k, z in zip(rows["timestamp"], formats, zones, strict=True)
            ],
            "campaign_id": rows["campaign_id"],
            "email_id": rows["email_id"],
            "lead_id": rows["lead_id"],
            "link": rows["link"].fillna(""),
            "is_bot": np.where(rows["is_bot"], "true", "false"),
            "user_agent": rows["user_agent"].fillna(""),
        },
        dtype="str",
    )

    def copy(of_type: str, nth: int, **changes: str) -> pd.DataFrame:
        row = out[out["event_type"] == of_type].iloc[[nth]].copy()
        row["event_id"] = f"m{len(bad) + 1:04d}"
        for col, value in changes.items():
            row[col] = value
        return row

    bad: list[pd.DataFrame] = []
    bad.append(copy("delivered", 0, event_type="bounced"))
    bad.append(copy("open", 1, lead_id=""))
    bad.append(copy("open", 2, timestamp="yesterday-ish"))
    # An open for a lead that got no send of this (campaign, email) anywhere in the sample.
    first = rows[rows["event_type"] == "sent"].iloc[0]
    same = (sample.events["campaign_id"] == first["campaign_id"]) & (
        sample.events["email_id"] == first["email_id"]
    )
    leads = sample.leads["lead_id"]
    never = leads[~leads.isin(sample.events.loc[same, "lead_id"])].to_numpy()
    orphan = copy("sent", 0, event_type="open", lead_id=str(never[rng.integers(never.size)]))
    orphan["timestamp"] = _format_timestamp(first["timestamp"] + pd.Timedelta(hours=2), 2, "")
    bad.append(orphan)

    # Spread the bad rows through the file; the exact duplicate comes a few rows after its
    # original.
    parts, at = [], 0
    cuts = np.linspace(0, len(out), len(bad) + 2).astype(int)[1:-1]
    for cut, row in zip(cuts, bad, strict=True):
        parts += [out.iloc[at:cut], row]
        at = cut
    dup_of = int(cuts[-1]) + 3
    parts += [out.iloc[at:dup_of], out.iloc[[dup_of - 2]], out.iloc[dup_of:]]
    return pd.concat(parts, ignore_index=True)


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd", compression_level=9)


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False, lineterminator="\n")


def write_sample(
    out_dir: str | Path,
    n_events: int = 500_000,
    *,
    seed: int = 7,
    end: str | datetime.date = "2026-10-31",
    n_leads: int = 20_000,
    messy: bool = True,
) -> dict[str, Path]:
    """Generate a sample (see :func:`generate_sample`) and write it to ``out_dir``.

    Parameters
    ----------
    out_dir : str or Path
        The folder; created when missing. Existing files of the same names are replaced.
    n_events, seed, end, n_leads
        As in :func:`generate_sample`.
    messy : bool, default True
        Also write ``messy_events.csv`` (see :func:`messy_events`).

    Returns
    -------
    dict of str to Path
        The files written, by name: ``events`` (``events.parquet``, zstd), ``campaigns``
        (``campaigns.csv``), ``emails`` (``emails.parquet``, with the HTML bodies),
        ``leads`` (``leads.parquet``) and, with ``messy``, ``messy_events``
        (``messy_events.csv``).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sample = generate_sample(n_events, seed=seed, end=end, n_leads=n_leads)
    paths = {
        "events": out / "events.parquet",
        "campaigns": out / "campaigns.csv",
        "emails": out / "emails.parquet",
        "leads": out / "leads.parquet",
    }
    _write_parquet(sample.events, paths["events"])
    _write_csv(sample.campaigns, paths["campaigns"])
    _write_parquet(sample.emails, paths["emails"])
    _write_parquet(sample.leads, paths["leads"])
    if messy:
        paths["messy_events"] = out / "messy_events.csv"
        _write_csv(messy_events(sample, seed=seed), paths["messy_events"])
    return paths
