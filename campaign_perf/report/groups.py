"""The report's groupings and filters: what a table can be grouped and filtered by."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "GROUPINGS",
    "GROUPS",
    "GROUP_ALIASES",
    "GROUP_CHOICES",
    "GROUP_LABELS",
    "Filters",
    "Grouping",
]


@dataclass(frozen=True)
class Grouping:
    """A grouping of the report's rows: its label for people and the columns it puts in
    the table."""

    label: str
    columns: tuple[str, ...]


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
}
#: Group names and the columns they put in the table.
GROUPS: dict[str, tuple[str, ...]] = {name: g.columns for name, g in GROUPINGS.items()}
#: Group names and their labels, as people choose them.
GROUP_CHOICES: dict[str, str] = {name: g.label for name, g in GROUPINGS.items()}
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
