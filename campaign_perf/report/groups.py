"""The report's groupings and filters: what a table can be grouped and filtered by.

Besides the built-in groupings (:data:`GROUPINGS`) a report can be grouped by a lead
attribute. The views offer only the attributes that make groups people can read
(:func:`lead_groupings`): values that are categories, not dates or measurements, and not
too many of them (:data:`MAX_LEAD_GROUPS`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from campaign_perf.engine.queries import ENGAGEMENT_COUNTS, RECIPIENT_DOMAIN
from campaign_perf.metrics import Metric

__all__ = [
    "DATE_COLUMNS",
    "ENGAGEMENT_COUNTS",
    "ENGAGEMENT_GROUPS",
    "ENGAGEMENT_NOTE",
    "GROUPINGS",
    "GROUPS",
    "GROUP_ALIASES",
    "GROUP_CHOICES",
    "GROUP_LABELS",
    "MAX_LEAD_GROUPS",
    "RECIPIENT_DOMAIN",
    "SHARE",
    "SHARE_OF_OPENED",
    "Filters",
    "Grouping",
    "lead_group_label",
    "lead_groupings",
    "why_not_grouping",
]


@dataclass(frozen=True)
class Grouping:
    """A grouping of the report's rows: its label for people and the columns it puts in
    the table."""

    label: str
    columns: tuple[str, ...]
    #: Splits engagement, not sends (RULES.md section 9): where an open or a click was read.
    engagement: bool = False


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
    RECIPIENT_DOMAIN: Grouping("Recipient domain", (RECIPIENT_DOMAIN,)),
    "client": Grouping("Client", ("client",), engagement=True),
    "os": Grouping("OS", ("os",), engagement=True),
    "device": Grouping("Device", ("device",), engagement=True),
    "country": Grouping("Country", ("country",), engagement=True),
}
#: The groupings that split engagement, not sends (RULES.md section 9).
ENGAGEMENT_GROUPS: tuple[str, ...] = tuple(n for n, g in GROUPINGS.items() if g.engagement)
# The engine's queries name the counts an engagement grouping splits (ENGAGEMENT_COUNTS; the
# others, sent, delivered, bounces, pending, aborted..., are missing in it) and the record
# attribute of the recipient's mailbox domain (RECIPIENT_DOMAIN): both are re-exported here.
#: The column of an engagement grouping: opened under the value / opened in total.
SHARE_OF_OPENED = "share_of_opened"
#: Its label and format, as a metric's (every view shows it as it shows a metric column).
#: It is not in the metric catalogue: it divides by the report's total, not by a count of
#: its own row, so it exists only in the table of an engagement grouping.
SHARE = Metric(
    SHARE_OF_OPENED,
    "Share of Opened",
    "pct",
    None,
    "People who opened under this value, of those who opened in total (a person who "
    "opened on two clients or devices counts under both).",
)
#: What an engagement grouping's table says under it.
ENGAGEMENT_NOTE = (
    "Split by where emails were read: a person who opened on two clients or devices counts "
    "under both, so the rows can add up to more than the total; sends, deliveries and "
    "bounces are not split by it (–). Opens and clicks without the attribute count under "
    "'unknown'."
)
#: Group names and the columns they put in the table.
GROUPS: dict[str, tuple[str, ...]] = {name: g.columns for name, g in GROUPINGS.items()}
#: The group columns that hold a day (a send day, the first day of a send week or month).
DATE_COLUMNS: tuple[str, ...] = tuple(c for g in ("day", "week", "month") for c in GROUPS[g])
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
}


#: The most distinct values a lead attribute may have to be offered as a grouping. More
#: would make a table of hundreds of rows that nobody reads (a timestamp or an address
#: has one value per person).
MAX_LEAD_GROUPS = 50

# Text that reads as a date or a time: 2026-10-31, 2026-10-31T09:00, 31/10/2026, 10/31/26.
_DATE_TEXT = re.compile(r"\d{4}-\d{1,2}-\d{1,2}([ T].*)?|\d{1,2}/\d{1,2}/\d{2,4}( .*)?")


def lead_group_label(attr: str) -> str:
    """What people see for a grouping by a lead attribute: "Lead: country". The prefix
    keeps an attribute apart from a built-in grouping of a similar name."""
    return f"Lead: {attr}"


def _is_date_text(values: pd.Series) -> bool:
    text = values.astype(str).str.strip()
    return bool(len(text)) and bool(text.str.fullmatch(_DATE_TEXT).all())


def why_not_grouping(leads: pd.DataFrame, attr: str) -> str | None:
    """Why the lead attribute ``attr`` is not offered as a grouping; None when it is.

    An attribute is offered when its values are categories: not dates or times (as
    timestamps or as text such as ``2026-10-31``), not numbers with decimals, at most
    :data:`MAX_LEAD_GROUPS` distinct values, and not named like a built-in grouping or
    its alias (``email``, ``campaign``, ``send_day``, ...), which the report reads as the
    built-in one.

    Parameters
    ----------
    leads : pandas.DataFrame
        The leads table (``lead_id`` and the attributes).
    attr : str
        One of its columns.

    Returns
    -------
    str or None
        The reason in a few words, for people.
    """
    name = attr.strip().lower()
    # A lead attribute named like a grouping by where emails were read ("country") is the
    # lead attribute when grouped by (see ReportCore.lead_groups); other built-in names
    # ("email") are the built-in grouping.
    if (name in GROUPS or name in GROUP_ALIASES) and attr not in ENGAGEMENT_GROUPS:
        return f"named like the built-in grouping {name!r}"
    column = leads[attr]
    if pd.api.types.is_datetime64_any_dtype(column) or pd.api.types.is_timedelta64_dtype(column):
        return "dates or times"
    if pd.api.types.is_float_dtype(column):
        return "numbers with decimals"
    values = column.dropna().drop_duplicates()
    if len(values) > MAX_LEAD_GROUPS:
        return f"{len(values):,} distinct values (more than {MAX_LEAD_GROUPS})"
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind in ("datetime", "datetime64", "date", "time", "timedelta", "period"):
        return "dates or times"
    if kind in ("floating", "mixed-integer-float", "decimal"):
        return "numbers with decimals"
    if kind == "string" and _is_date_text(values):
        return "dates or times"
    return None


def lead_groupings(leads: pd.DataFrame) -> list[str]:
    """The lead attributes offered as groupings, in the leads table's order (see
    :func:`why_not_grouping` for those left out).

    Parameters
    ----------
    leads : pandas.DataFrame
        The leads table (``lead_id`` and the attributes).

    Returns
    -------
    list of str
    """
    return [a for a in leads.columns if a != "lead_id" and why_not_grouping(leads, a) is None]


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
