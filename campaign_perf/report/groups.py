"""The report's groupings and filters: what a table can be grouped and filtered by."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GROUPS", "GROUP_ALIASES", "GROUP_LABELS", "Filters"]

#: Group names and the columns they put in the table.
GROUPS: dict[str, tuple[str, ...]] = {
    "campaign_email": ("campaign_id", "campaign_name", "email_id", "email_name"),
    "program": ("program",),
    "campaign": ("campaign_id", "campaign_name"),
    "email": ("email_id", "email_name"),
    "day": ("send_day",),
    "week": ("send_week",),
    "month": ("send_month",),
}
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
