"""Marketo activity types, shared by the Bulk Extract, REST and Fivetran readers."""

from __future__ import annotations

from typing import Any

from campaign_perf.clients import normal_device

from ._common import EventBuilder, text, truthy, where_read

#: Email activity type id -> canonical event type.
EMAIL_ACTIVITIES: dict[int, str] = {
    6: "sent",  # Send Email
    7: "delivered",  # Email Delivered
    8: "hard_bounce",  # Email Bounced
    27: "soft_bounce",  # Email Bounced Soft
    9: "unsubscribe",  # Unsubscribe Email
    10: "open",  # Open Email
    11: "click",  # Click Email
}

#: Names of common standard activity types, used in skipped counts.
ACTIVITY_NAMES: dict[int, str] = {
    1: "Visit Webpage",
    2: "Fill Out Form",
    3: "Click Link",
    6: "Send Email",
    7: "Email Delivered",
    8: "Email Bounced",
    9: "Unsubscribe Email",
    10: "Open Email",
    11: "Click Email",
    12: "New Lead",
    13: "Change Data Value",
    22: "Change Score",
    24: "Add to List",
    25: "Remove from List",
    27: "Email Bounced Soft",
    32: "Merge Leads",
    37: "Delete Lead",
    46: "Interesting Moment",
    110: "Call Webhook",
    113: "Add to Nurture",
}

#: Bounce categories Marketo counts as soft (3 temporary, 4 technical, 9 unknown).
SOFT_BOUNCE_CATEGORIES = frozenset({"3", "4", "9"})

#: Send results of an Email Send activity that mean no email went out.
NOT_SENT_RESULTS = frozenset({"skipped", "failed"})


def null_text(value: Any) -> str | None:
    """:func:`text`, reading Marketo's literal ``null`` as missing."""
    out = text(value)
    return None if out is None or out.lower() == "null" else out


def type_id(value: Any) -> int | None:
    """Return an activity type id as int, or None when it is not an integer."""
    raw = null_text(value)
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


def skipped_kind(activity_type: int) -> str:
    """Skipped-count key of a non-email activity type: ``activity type 12 (New Lead)``."""
    name = ACTIVITY_NAMES.get(activity_type)
    return f"activity type {activity_type}" + (f" ({name})" if name else "")


def event_type(activity_type: int, category: Any = None) -> str | None:
    """Canonical event type of an activity (None for non-email types).

    An Email Bounced (8) whose bounce ``category`` is 3, 4 or 9 is a soft bounce.
    """
    found = EMAIL_ACTIVITIES.get(activity_type)
    if found == "hard_bounce" and null_text(category) in SOFT_BOUNCE_CATEGORIES:
        return "soft_bounce"
    return found


def add_activity(
    out: EventBuilder,
    row: int,
    item: Any,
    fields: dict[str, Any],
    attributes: dict[str, Any],
) -> None:
    """Add the event of one Marketo activity (or count it as skipped, or reject it).

    ``fields`` holds the REST / Bulk names ``activityTypeId``, ``activityDate``,
    ``leadId``, ``campaignId``, ``primaryAttributeValueId``, ``primaryAttributeValue``,
    ``marketoGUID``; ``attributes`` the activity attributes by name.
    """
    raw_type = null_text(fields.get("activityTypeId"))
    if raw_type is None:
        out.reject(row, "missing event kind ('activityTypeId')", item)
        return
    activity_type = type_id(raw_type)
    if activity_type is None:
        out.reject(row, f"activityTypeId {raw_type!r} is not an integer", item)
        return
    kind = event_type(activity_type, attributes.get("Category"))
    if kind is None:
        out.skip(skipped_kind(activity_type))
        return
    out.add(
        row,
        item,
        kind,
        null_text(fields.get("activityDate")),
        null_text(fields.get("campaignId")),
        null_text(fields.get("primaryAttributeValueId")),
        null_text(fields.get("leadId")),
        email_name=null_text(fields.get("primaryAttributeValue")),
        link=null_text(attributes.get("Link")) if kind == "click" else None,
        is_bot=truthy(null_text(attributes.get("Is Bot Activity"))),
        event_id=null_text(fields.get("marketoGUID")) or null_text(fields.get("id")),
        **(where_read_marketo(attributes) if kind in ("open", "click") else {}),
    )


def where_read_marketo(attributes: dict[str, Any]) -> dict[str, str | None]:
    """Where an Open Email or Click Email was read: its attributes Device, Platform, Is
    Mobile Device, User Agent (Marketo's names; Fivetran's columns, renamed)."""
    device = normal_device(null_text(attributes.get("Device")))
    if device is None and truthy(null_text(attributes.get("Is Mobile Device"))):
        device = "mobile"
    out = where_read(
        user_agent=null_text(attributes.get("User Agent")),
        os=null_text(attributes.get("Platform")),
    )
    out["device"] = device
    return out
