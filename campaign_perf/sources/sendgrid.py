"""SendGrid Event Webhook payloads -> canonical events.

Input: the JSON array SendGrid POSTs (or one event object, or JSON Lines of events).

=======================  ==================================================================
canonical                SendGrid
=======================  ==================================================================
event_type               ``event``: processed -> sent, delivered -> delivered,
                         bounce -> hard_bounce (``type`` "bounce" or missing) or
                         soft_bounce (``type`` "blocked" or "expired"; any other ``type`` ->
                         hard_bounce), open -> open, click -> click,
                         spamreport -> complaint, unsubscribe / group_unsubscribe ->
                         unsubscribe. Skipped (counted by ``event``): deferred (a retry, not
                         a failure), dropped (SendGrid never sent it: not a send),
                         group_resubscribe. Anything else: ``unknown: <event>``.
timestamp                ``timestamp``: epoch seconds (UTC).
campaign_id              option ``campaign_field`` (a key of the event; list -> first item);
                         default: ``marketing_campaign_id``, then ``singlesend_id``, then
                         the first ``category``, else "(no campaign)".
campaign_name            ``marketing_campaign_name``.
email_id                 ``sg_template_id``, else the categories joined by "," (SendGrid's
                         label of the message), else "(no email)". Never ``subject`` (a
                         custom arg that senders personalise per recipient: an email per
                         person, and their names in the report).
email_name               ``sg_template_name`` (else the email is shown by its id).
lead_id                  ``email`` (the recipient address).
link                     ``url`` (click only).
is_bot                   False (SendGrid flags no bots).
is_machine_open          ``sg_machine_open`` truthy (open only: Apple Mail Privacy
                         Protection and other machine opens).
user_agent, ip           ``useragent``, ``ip`` (open and click only; client, OS and device
                         are parsed from the user agent).
event_id                 ``sg_event_id``.
=======================  ==================================================================

Malformed items (not an object, no ``event``, unreadable ``timestamp``) are rejected.
"""

from __future__ import annotations

from typing import Any

from ._common import (
    EventBuilder,
    Payload,
    SourceData,
    dig,
    first_dicts,
    first_text,
    load,
    mostly,
    not_an_object,
    text,
    truthy,
    where_read,
)

NAME = "sendgrid"

_EVENTS = {
    "processed": "sent",
    "delivered": "delivered",
    "open": "open",
    "click": "click",
    "spamreport": "complaint",
    "unsubscribe": "unsubscribe",
    "group_unsubscribe": "unsubscribe",
}
_SKIPPED = {"deferred", "dropped", "group_resubscribe"}
_SOFT_BOUNCE_TYPES = {"blocked", "expired"}
_SIGNATURE_KEYS = ("sg_event_id", "sg_message_id", "smtp-id")


def detect(obj: Any) -> bool:
    """Tell whether ``obj`` looks like SendGrid Event Webhook events.

    Parameters
    ----------
    obj : path, parsed JSON or Payload

    Returns
    -------
    bool
        True when most of the first objects carry ``event`` and a SendGrid id key
        (``sg_event_id``, ``sg_message_id`` or ``smtp-id``).
    """
    payload = load(obj)
    items = first_dicts(payload) if payload.kind == "json" else []
    return mostly(items, lambda d: "event" in d and any(k in d for k in _SIGNATURE_KEYS))


def _campaign(item: dict, campaign_field: str | None) -> str | None:
    if campaign_field is not None:
        value = item.get(campaign_field)
        return first_text(value[0] if isinstance(value, list) and value else value)
    categories = _categories(item)
    return first_text(
        item.get("marketing_campaign_id"),
        item.get("singlesend_id"),
        categories[0] if categories else None,
    )


def _categories(item: dict) -> list[str]:
    value = item.get("category")
    values = value if isinstance(value, list) else [value]
    return [t for t in map(text, values) if t]


def read(obj: Any, *, campaign_field: str | None = None, tz: str | None = None) -> SourceData:
    """Read SendGrid Event Webhook events.

    Parameters
    ----------
    obj : path, list or dict of parsed JSON, or Payload
    campaign_field : str, optional
        Event key holding the campaign (e.g. a custom arg). Default: see module docstring.
    tz : str, optional
        Unused (SendGrid timestamps are epoch seconds); accepted for a uniform API.

    Returns
    -------
    SourceData
    """
    payload: Payload = load(obj)
    out = EventBuilder(NAME, "epoch", tz, bad=payload.bad)
    for row, item in payload.docs:
        if not_an_object(out, row, item):
            continue
        kind = text(item.get("event"))
        if kind is None:
            out.reject(row, "missing event kind ('event')", item)
            continue
        if kind in _SKIPPED:
            out.skip(kind)
            continue
        if kind == "bounce":
            bounce_type = (text(item.get("type")) or "bounce").lower()
            event_type = "soft_bounce" if bounce_type in _SOFT_BOUNCE_TYPES else "hard_bounce"
        elif kind in _EVENTS:
            event_type = _EVENTS[kind]
        else:
            out.unknown(kind)
            continue
        categories = _categories(item)
        out.add(
            row,
            item,
            event_type,
            item.get("timestamp"),
            _campaign(item, campaign_field),
            first_text(item.get("sg_template_id"), ",".join(categories)),
            item.get("email"),
            campaign_name=item.get("marketing_campaign_name"),
            email_name=item.get("sg_template_name"),
            link=item.get("url") if event_type == "click" else None,
            is_machine_open=event_type == "open" and truthy(dig(item, "sg_machine_open")),
            event_id=item.get("sg_event_id"),
            **(
                where_read(user_agent=item.get("useragent"), ip=item.get("ip"))
                if event_type in ("open", "click")
                else {}
            ),
        )
    return out.finish()
