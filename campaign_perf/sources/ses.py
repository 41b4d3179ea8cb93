"""Amazon SES event publishing records -> canonical events.

Input: SES event records (``eventType`` + ``mail``) as one object, a JSON array, or JSON
Lines / concatenated records (Kinesis Data Firehose delivers them that way); each record
may be wrapped in an SNS notification envelope (``{"Type": "Notification", "Message":
"<record as JSON text>"}``). SES *notifications* (``notificationType`` instead of
``eventType``) are read the same way.

=======================  ==================================================================
canonical                SES
=======================  ==================================================================
event_type               ``eventType``: Send -> sent, Delivery -> delivered,
                         Bounce -> hard_bounce (``bounceType`` Permanent) or soft_bounce
                         (Transient, Undetermined or missing), Complaint -> complaint,
                         Open -> open, Click -> click, Subscription -> unsubscribe when the
                         new topic preferences opt out (``unsubscribeAll`` turned true, or a
                         topic whose status became OptOut) — any other Subscription change
                         is skipped as "Subscription (no opt-out)". Skipped by kind: Reject,
                         Rendering Failure, DeliveryDelay, SNS SubscriptionConfirmation /
                         UnsubscribeConfirmation, and SNS notices that are no record (SES's
                         "Successfully validated SNS topic ..." when a topic is set up, as
                         "SNS notice (Successfully validated SNS topic)"). Anything else:
                         ``unknown: <eventType>``.
timestamp                the event object's ``timestamp`` (``delivery.timestamp``,
                         ``open.timestamp``, ...); ``mail.timestamp`` for Send; when the
                         event object has none, the SNS envelope's ``Timestamp`` (when the
                         notification was sent), else ``mail.timestamp``. ISO 8601, UTC.
lead_id                  one event per recipient: ``bounce.bouncedRecipients``,
                         ``complaint.complainedRecipients``, ``delivery.recipients``;
                         ``mail.destination`` for Send, Open, Click and Subscription (SES
                         cannot tell which recipient of a multi-recipient message opened,
                         so each is credited).
campaign_id              first value of the ``mail.tags`` key named by option
                         ``campaign_tag``; default: tag ``campaign``, then
                         ``ses:configuration-set``; else "(no campaign)".
email_id                 first value of the ``mail.tags`` key named by option ``email_tag``
                         (default ``email``), else ``mail.commonHeaders.subject``, else
                         "(no email)".
email_name               ``mail.commonHeaders.subject``.
link                     ``click.link``.
is_bot                   False (SES flags no machine activity).
user_agent, ip           ``open.userAgent``, ``open.ipAddress``; ``click.userAgent``,
                         ``click.ipAddress`` (client, OS and device are parsed from the
                         user agent; machine opens by Apple Mail Privacy Protection's).
event_id                 ``mail.messageId|eventType|recipient|event timestamp`` (the
                         timestamp keeps repeated opens and clicks distinct; a record
                         delivered twice keeps the same id).
=======================  ==================================================================

Malformed items (not an object, no ``eventType``, an SNS ``Message`` that is not JSON, an
unreadable timestamp) are rejected.
"""

from __future__ import annotations

import json
from typing import Any

from ._common import (
    EventBuilder,
    SourceData,
    dig,
    first_dicts,
    first_text,
    load,
    mostly,
    not_an_object,
    text,
    where_read,
)

NAME = "ses"

_SIMPLE = {"Send": "sent", "Delivery": "delivered", "Open": "open", "Click": "click"}
_SKIPPED = {"Reject", "Rendering Failure", "RenderingFailure", "DeliveryDelay"}
_EVENT_OBJECT = {
    "Send": "send",
    "Delivery": "delivery",
    "Bounce": "bounce",
    "Complaint": "complaint",
    "Open": "open",
    "Click": "click",
    "Subscription": "subscription",
}


_SNS_CONTROL = ("SubscriptionConfirmation", "UnsubscribeConfirmation")
#: SNS notifications whose Message is a notice, not a record: SES sends one when a topic is
#: set up for event publishing.
_SNS_NOTICES = ("Successfully validated SNS topic",)


class _BadEnvelope(ValueError):
    pass


def _unwrap(item: Any) -> Any:
    """Return the SES record inside an SNS envelope (or ``item`` itself)."""
    if isinstance(item, dict) and item.get("Type") == "Notification" and "Message" in item:
        message = item["Message"]
        if isinstance(message, dict):
            return message
        try:
            return json.loads(message)
        except (TypeError, json.JSONDecodeError) as exc:
            raise _BadEnvelope(f"SNS Message is not a JSON record: {exc}") from exc
    return item


def _notice(item: dict) -> str | None:
    """The skipped kind of an SNS notification whose Message is a known notice."""
    message = item.get("Message")
    if item.get("Type") == "Notification" and isinstance(message, str):
        for notice in _SNS_NOTICES:
            if message.startswith(notice):
                return f"SNS notice ({notice})"
    return None


def _kind(record: dict) -> str | None:
    return text(record.get("eventType")) or text(record.get("notificationType"))


def detect(obj: Any) -> bool:
    """Tell whether ``obj`` looks like SES event records (bare or in SNS envelopes).

    Parameters
    ----------
    obj : path, parsed JSON or Payload

    Returns
    -------
    bool
    """
    payload = load(obj)
    items = first_dicts(payload, 10) if payload.kind == "json" else []
    items = [d for d in items if not _is_sns_only(d)][:5]
    return mostly(items, _is_record)


def _is_sns_only(item: dict) -> bool:
    """SNS control messages and unreadable envelopes tell nothing about the source."""
    if item.get("Type") in _SNS_CONTROL or _notice(item):
        return True
    try:
        _unwrap(item)
    except _BadEnvelope:
        return True
    return False


def _is_record(item: dict) -> bool:
    record = _unwrap(item)
    return isinstance(record, dict) and bool(_kind(record)) and isinstance(record.get("mail"), dict)


def _tag(mail: dict, name: str) -> str | None:
    value = dig(mail, "tags", name)
    return first_text(value[0] if isinstance(value, list) and value else value)


def _addresses(values: Any) -> list[str]:
    if not isinstance(values, list):
        values = [values]
    out = []
    for value in values:
        address = text(value.get("emailAddress")) if isinstance(value, dict) else text(value)
        if address:
            out.append(address)
    return out


def _opted_out(subscription: dict) -> bool:
    new = subscription.get("newTopicPreferences") or {}
    old = subscription.get("oldTopicPreferences") or {}
    if new.get("unsubscribeAll") is True and old.get("unsubscribeAll") is not True:
        return True
    before = {
        t.get("topicName"): t.get("subscriptionStatus")
        for t in old.get("topicSubscriptionStatus") or []
        if isinstance(t, dict)
    }
    return any(
        isinstance(t, dict)
        and t.get("subscriptionStatus") == "OptOut"
        and before.get(t.get("topicName")) != "OptOut"
        for t in new.get("topicSubscriptionStatus") or []
    )


def _recipients(kind: str, record: dict, mail: dict) -> list[str]:
    if kind == "Bounce":
        return _addresses(dig(record, "bounce", "bouncedRecipients"))
    if kind == "Complaint":
        return _addresses(dig(record, "complaint", "complainedRecipients"))
    if kind == "Delivery" and dig(record, "delivery", "recipients"):
        return _addresses(dig(record, "delivery", "recipients"))
    return _addresses(mail.get("destination"))


def _event_type(kind: str, record: dict) -> str | None:
    if kind in _SIMPLE:
        return _SIMPLE[kind]
    if kind == "Bounce":
        permanent = dig(record, "bounce", "bounceType") == "Permanent"
        return "hard_bounce" if permanent else "soft_bounce"
    if kind == "Complaint":
        return "complaint"
    if kind == "Subscription" and _opted_out(record.get("subscription") or {}):
        return "unsubscribe"
    return None


def read(
    obj: Any,
    *,
    campaign_tag: str | None = None,
    email_tag: str = "email",
    tz: str | None = None,
) -> SourceData:
    """Read SES event publishing records.

    Parameters
    ----------
    obj : path, list or dict of parsed JSON, or Payload
    campaign_tag : str, optional
        ``mail.tags`` key naming the campaign; default ``campaign``, then
        ``ses:configuration-set``.
    email_tag : str, default "email"
        ``mail.tags`` key naming the email asset (else the subject is used).
    tz : str, optional
        Zone of timestamps without an offset (SES always writes UTC ``Z`` timestamps).

    Returns
    -------
    SourceData
    """
    payload = load(obj)
    out = EventBuilder(NAME, "iso", tz, bad=payload.bad)
    for row, item in payload.docs:
        if not_an_object(out, row, item):
            continue
        if item.get("Type") in _SNS_CONTROL:
            out.skip(f"SNS {item['Type']}")
            continue
        if notice := _notice(item):
            out.skip(notice)
            continue
        try:
            record = _unwrap(item)
        except _BadEnvelope as exc:
            out.reject(row, str(exc), item)
            continue
        if not_an_object(out, row, record):
            continue
        kind = _kind(record)
        if kind is None:
            out.reject(row, "missing event kind ('eventType')", item)
            continue
        mail = record.get("mail") if isinstance(record.get("mail"), dict) else {}
        if kind in _SKIPPED:
            out.skip(kind)
            continue
        if kind not in _EVENT_OBJECT:
            out.unknown(kind)
            continue
        event_type = _event_type(kind, record)
        if event_type is None:
            out.skip("Subscription (no opt-out)")
            continue
        event = record.get(_EVENT_OBJECT[kind])
        envelope = item.get("Timestamp") if record is not item and kind != "Send" else None
        timestamp = first_text(dig(event, "timestamp"), envelope, mail.get("timestamp"))
        if campaign_tag is not None:
            campaign = _tag(mail, campaign_tag)
        else:
            campaign = _tag(mail, "campaign") or _tag(mail, "ses:configuration-set")
        subject = text(dig(mail, "commonHeaders", "subject"))
        recipients: list[str | None] = [*_recipients(kind, record, mail)] or [None]
        for recipient in recipients:
            out.add(
                row,
                item,
                event_type,
                timestamp,
                campaign,
                _tag(mail, email_tag) or subject,
                recipient,
                email_name=subject,
                link=dig(event, "link") if event_type == "click" else None,
                event_id="|".join(
                    text(v) or "" for v in (mail.get("messageId"), kind, recipient, timestamp)
                ),
                **(
                    where_read(user_agent=dig(event, "userAgent"), ip=dig(event, "ipAddress"))
                    if event_type in ("open", "click")
                    else {}
                ),
            )
    return out.finish()
