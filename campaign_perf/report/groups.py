"""The report's groupings and filters: what a table can be grouped and filtered by."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ENGAGEMENT_COUNTS",
    "ENGAGEMENT_GROUPS",
    "ENGAGEMENT_NOTE",
    "GROUPINGS",
    "GROUPS",
    "GROUP_ALIASES",
    "GROUP_CHOICES",
    "GROUP_LABELS",
    "RECIPIENT_DOMAIN",
    "SHARE_OF_OPENED",
    "Filters",
    "Grouping",
]


@dataclass(frozen=True)
class Grouping:
    """A grouping of the report's rows: its label for people and the columns it puts in
    the table."""

    label: str
    columns: tuple[str, ...]
    #: Splits engagement, not sends (RULES.md section 9): where an open or a click was read.
    engagement: bool = False
    #: Offered in the dashboard's and the shared report's menus (the groupings of section 9
    #: are not drawn there yet: use ``rep.by(...)`` and the CLI).
    offered: bool = True


#: The groupings people choose from, by name, in the order they are offered (a report can
#: also be grouped by a lead attribute of the log).
GROUPINGS: dict[str, Grouping] = {
    "campaign_email": Grouping(
        "Campaign × Email", ("campaign_id", "campaign_name", "email_id", "email_name")
    ),
    "program": Grouping("Program", ("program",)),
    "campaign": Grouping("Campaign", ("campaign_id", "campaign_name")),
    "email": Grouping("Email", ("email_id", "email_name")),
    "day": Grouping("Send day", ("send_day",)),
    "week": Grouping("Send week", ("send_week",)),
    "month": Grouping("Send month", ("send_month",)),
    "recipient_domain": Grouping("Recipient domain", ("recipient_domain",), offered=False),
    "client": Grouping("Client", ("client",), engagement=True, offered=False),
    "os": Grouping("OS", ("os",), engagement=True, offered=False),
    "device": Grouping("Device", ("device",), engagement=True, offered=False),
    "country": Grouping("Country", ("country",), engagement=True, offered=False),
}
#: The groupings that split engagement, not sends (RULES.md section 9).
ENGAGEMENT_GROUPS: tuple[str, ...] = tuple(n for n, g in GROUPINGS.items() if g.engagement)
#: The counts an engagement grouping splits; the others (sent, delivered, bounces, pending,
#: aborted, ...) are missing in it.
ENGAGEMENT_COUNTS: tuple[str, ...] = ("opened", "clicked", "total_opens", "total_clicks")
#: The column of an engagement grouping: opened under the value / opened in total.
SHARE_OF_OPENED = "share_of_opened"
#: What an engagement grouping's table says under it.
ENGAGEMENT_NOTE = (
    "Split by where emails were read: a person who opened on two clients or devices counts "
    "under both, so the rows can add up to more than the total; sends, deliveries and "
    "bounces are not split by it (–). Opens and clicks without the attribute count under "
    "'unknown'."
)
#: The record attribute of the recipient's mailbox domain (the lead id's, when an address).
RECIPIENT_DOMAIN = "recipient_domain"
#: Group names and the columns they put in the table.
GROUPS: dict[str, tuple[str, ...]] = {name: g.columns for name, g in GROUPINGS.items()}
#: Group names and their labels, as people choose them.
GROUP_CHOICES: dict[str, str] = {name: g.label for name, g in GROUPINGS.items() if g.offered}
GROUP_ALIASES = {
    "campaign×email": "campaign_email",
    "campaign x email": "campaign_email",
    "campaign-email": "campaign_email",
    "send_day": "day",
    "send_week": "week",
    "send_month": "month",
    "send day": "day",
    "send week": "week",
    "send month": "month",
    "domain": "recipient_domain",
    "recipient domain": "recipient_domain",
    "mailbox provider": "recipient_domain",
}
#: Labels of the group columns, shown to people.
GROUP_LABELS: dict[str, str] = {
    "campaign_id": "Campaign ID",
    "campaign_name": "Campaign",
    "email_id": "Email ID",
    "email_name": "Email",
    "program": "Program",
    "send_day": "Send Day",
    "send_week": "Send Week",
    "send_month": "Send Month",
    "recipient_domain": "Recipient Domain",
    "client": "Client",
    "os": "OS",
    "device": "Device",
    # no label for "country": a lead attribute of that name keeps showing as it is named
    SHARE_OF_OPENED: "Share of Opened",
}


@dataclass(frozen=True)
class Filters:
    """Which records the report keeps (Marketo's Smart List tab).

    Each field is a tuple of accepted values; an empty tuple keeps everything.
    """

    campaigns: tuple[str, ...] = ()
    programs: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    campaign_status: tuple[str, ...] = ()
    leads: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def lead_attrs(self) -> tuple[str, ...]:
        return tuple(a for a, _ in self.leads)
