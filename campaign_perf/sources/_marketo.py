"""Marketo activity types, shared by the Bulk Extract, REST and Fivetran readers."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from campaign_perf.clients import normal_device

from ._common import EventBuilder, text, truthy, where_read

#: Email activity type name -> canonical event type.
EMAIL_ACTIVITY_NAMES: dict[str, str] = {
    "Send Email": "sent",
    "Email Delivered": "delivered",
    "Email Bounced": "hard_bounce",
    "Email Bounced Soft": "soft_bounce",
    "Unsubscribe Email": "unsubscribe",
    "Open Email": "open",
    "Click Email": "click",
}

#: A spam-complaint activity type, which only some subscriptions have, is known by its name.
COMPLAINT_NAME = re.compile(r"spam|complain", re.IGNORECASE)

#: The ids of the standard email activity types (the same in every subscription).
_STANDARD_IDS: dict[str, int] = {
    "Send Email": 6,
    "Email Delivered": 7,
    "Email Bounced": 8,
    "Email Bounced Soft": 27,
    "Unsubscribe Email": 9,
    "Open Email": 10,
    "Click Email": 11,
}

#: Email activity type id -> canonical event type, for payloads that do not say their types.
EMAIL_ACTIVITIES: dict[int, str] = {
    _STANDARD_IDS[name]: kind for name, kind in EMAIL_ACTIVITY_NAMES.items()
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


def email_activity_ids(types: Iterable[tuple[int, str]]) -> dict[int, str]:
    """Email activity type id -> canonical event type, from a subscription's activity types.

    Parameters
    ----------
    types : iterable of (int, str)
        ``(id, name)`` of each activity type (Marketo's Get Activity Types).

    Returns
    -------
    dict of int to str
        The types named in :data:`EMAIL_ACTIVITY_NAMES`, and a type whose name speaks of
        spam or a complaint as ``complaint``.
    """
    out: dict[int, str] = {}
    for type_id, name in types:
        kind = EMAIL_ACTIVITY_NAMES.get(name.strip())
        if kind is None and COMPLAINT_NAME.search(name):
            kind = "complaint"
        if kind is not None:
            out[int(type_id)] = kind
    return out


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


def skipped_kind(activity_type: int, names: Mapping[int, str] | None = None) -> str:
    """Skipped-count key of a non-email activity type: ``activity type 12 (New Lead)``.

    ``names`` (id -> name, e.g. a subscription's own types) is looked up before the
    standard names.
    """
    name = (names or {}).get(activity_type) or ACTIVITY_NAMES.get(activity_type)
    return f"activity type {activity_type}" + (f" ({name})" if name else "")


def event_type(
    activity_type: int, category: Any = None, types: Mapping[int, str] | None = None
) -> str | None:
    """Canonical event type of an activity (None for non-email types).

    ``types`` maps type ids to event types (default :data:`EMAIL_ACTIVITIES`). An Email
    Bounced (8) whose bounce ``category`` is 3, 4 or 9 is a soft bounce.
    """
    found = (EMAIL_ACTIVITIES if types is None else types).get(activity_type)
    if found == "hard_bounce" and null_text(category) in SOFT_BOUNCE_CATEGORIES:
        return "soft_bounce"
    return found


def add_activity(
    out: EventBuilder,
    row: int,
    item: Any,
    fields: dict[str, Any],
    attributes: dict[str, Any],
    types: Mapping[int, str] | None = None,
    names: Mapping[int, str] | None = None,
) -> None:
    """Add the event of one Marketo activity (or count it as skipped, or reject it).

    ``fields`` holds the REST / Bulk names ``activityTypeId``, ``activityDate``,
    ``leadId``, ``campaignId``, ``primaryAttributeValueId``, ``primaryAttributeValue``,
    ``marketoGUID``; ``attributes`` the activity attributes by name. ``types`` and
    ``names`` are the subscription's email types and type names when known (see
    :func:`event_type`, :func:`skipped_kind`).
    """
    raw_type = null_text(fields.get("activityTypeId"))
    if raw_type is None:
        out.reject(row, "missing event kind ('activityTypeId')", item)
        return
    activity_type = type_id(raw_type)
    if activity_type is None:
        out.reject(row, f"activityTypeId {raw_type!r} is not an integer", item)
        return
    kind = event_type(activity_type, attributes.get("Category"), types)
    if kind is None:
        out.skip(skipped_kind(activity_type, names))
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
