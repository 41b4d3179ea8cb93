"""Postmark webhooks -> canonical events.

Input: one webhook body, a JSON array or JSON Lines of them.

=======================  ==================================================================
canonical                Postmark
=======================  ==================================================================
event_type               ``RecordType``: Delivery -> delivered, Open -> open,
                         Click -> click, SpamComplaint -> complaint, Bounce -> by ``Type``
                         (below), SubscriptionChange -> unsubscribe when ``SuppressSending``
                         is true with ``SuppressionReason`` ManualSuppression (the recipient
                         unsubscribed); with reason HardBounce or SpamComplaint it is
                         skipped ("SubscriptionChange (HardBounce)", ...) because the
                         Bounce / SpamComplaint record is the event; a reactivation
                         (``SuppressSending`` false) is skipped as "SubscriptionChange
                         (reactivated)". Anything else: ``unknown: <RecordType>``.
Bounce ``Type``          HardBounce, BadEmailAddress -> hard_bounce; SoftBounce, Transient,
                         DnsError, SpamNotification, VirusNotification, Blocked,
                         DMARCPolicy, Unknown -> soft_bounce (Transient and DnsError are
                         temporary: when a Delivery or a hard bounce of the same
                         ``MessageID`` follows, Postmark retried and the bounce is skipped
                         as "Bounce (Transient, retried)" / "Bounce (DnsError, retried)");
                         SpamComplaint -> complaint; Unsubscribe -> unsubscribe;
                         AutoResponder, AddressChange,
                         Subscribe, OpenRelayTest, ChallengeVerification,
                         ManuallyDeactivated, Unconfirmed, SMTPApiError, InboundError,
                         TemplateRenderingFailed -> skipped as "Bounce (<Type>)" (not a
                         failed delivery, or the message was never sent); other types ->
                         ``unknown: Bounce <Type>``.
sent                     Postmark sends no "sent" webhook. With ``imply_sent`` (default
                         True) each Delivery and each hard/soft bounce also yields a
                         ``sent`` at the same instant (event_id ``MessageID|sent``), so
                         the records exist; pass ``imply_sent=False`` when sends come from
                         another log.
timestamp                DeliveredAt (Delivery), BouncedAt (Bounce, SpamComplaint),
                         ReceivedAt (Open, Click), ChangedAt (SubscriptionChange); ISO 8601.
lead_id                  ``Recipient``, else ``Email``.
campaign_id              ``Metadata[campaign_metadata]`` when that option is given, else
                         ``Tag``, else "(no campaign)".
email_id                 ``Metadata[email_metadata]`` when that option is given, else
                         ``MessageStream``, else "(no email)".
email_name               ``Subject`` (Bounce and SpamComplaint records carry it).
link                     ``OriginalLink`` (click only).
is_bot                   False (Postmark flags no machine opens).
user_agent               ``UserAgent`` (Open, Click).
client, os               ``Client.Family``, ``OS.Family`` (else their ``Name``).
device                   ``Platform``: Desktop, Mobile, WebMail (-> webmail), Unknown (->
                         the parsed user agent's).
country, ip              ``Geo.CountryISOCode``, ``Geo.IP``.
event_id                 ``MessageID|RecordType|timestamp``.
=======================  ==================================================================

Malformed items (not an object, no ``RecordType``, unreadable timestamp) are rejected.
"""

from __future__ import annotations

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

NAME = "postmark"

_TIME_FIELD = {
    "Delivery": "DeliveredAt",
    "Bounce": "BouncedAt",
    "SpamComplaint": "BouncedAt",
    "Open": "ReceivedAt",
    "Click": "ReceivedAt",
    "SubscriptionChange": "ChangedAt",
}
_SIMPLE = {"Delivery": "delivered", "Open": "open", "Click": "click", "SpamComplaint": "complaint"}
_BOUNCE_TYPES = {
    **dict.fromkeys(("HardBounce", "BadEmailAddress"), "hard_bounce"),
    **dict.fromkeys(
        (
            "SoftBounce",
            "Transient",
            "DnsError",
            "SpamNotification",
            "VirusNotification",
            "Blocked",
            "DMARCPolicy",
            "Unknown",
        ),
        "soft_bounce",
    ),
    "SpamComplaint": "complaint",
    "Unsubscribe": "unsubscribe",
}
_RETRIED = {"Transient", "DnsError"}  # temporary: Postmark tries again
_BOUNCE_SKIPPED = {
    "AutoResponder",
    "AddressChange",
    "Subscribe",
    "OpenRelayTest",
    "ChallengeVerification",
    "ManuallyDeactivated",
    "Unconfirmed",
    "SMTPApiError",
    "InboundError",
    "TemplateRenderingFailed",
}


def detect(obj: Any) -> bool:
    """Tell whether ``obj`` looks like Postmark webhooks (objects with ``RecordType``).

    Parameters
    ----------
    obj : path, parsed JSON or Payload

    Returns
    -------
    bool
    """
    payload = load(obj)
    items = first_dicts(payload) if payload.kind == "json" else []
    return mostly(items, lambda d: "RecordType" in d)


def _classify(kind: str, item: dict) -> tuple[str | None, str | None]:
    """Return (event type, skipped kind); both None for an unknown kind."""
    if kind in _SIMPLE:
        return _SIMPLE[kind], None
    if kind == "Bounce":
        bounce_type = text(item.get("Type")) or "(missing)"
        if bounce_type in _BOUNCE_TYPES:
            return _BOUNCE_TYPES[bounce_type], None
        if bounce_type in _BOUNCE_SKIPPED:
            return None, f"Bounce ({bounce_type})"
        return None, f"unknown: Bounce {bounce_type}"
    if kind == "SubscriptionChange":
        if item.get("SuppressSending") is not True:
            return None, "SubscriptionChange (reactivated)"
        reason = text(item.get("SuppressionReason")) or "(no reason)"
        if reason == "ManualSuppression":
            return "unsubscribe", None
        return None, f"SubscriptionChange ({reason})"
    return None, f"unknown: {kind}"


def _where(item: dict) -> dict[str, Any]:
    """Where an open or a click was read: Client, OS, Platform, UserAgent, Geo."""
    return where_read(
        user_agent=item.get("UserAgent"),
        ip=dig(item, "Geo", "IP"),
        client=first_text(dig(item, "Client", "Family"), dig(item, "Client", "Name")),
        os=first_text(dig(item, "OS", "Family"), dig(item, "OS", "Name")),
        device=item.get("Platform"),
        country=dig(item, "Geo", "CountryISOCode"),
    )


def read(
    obj: Any,
    *,
    campaign_metadata: str | None = None,
    email_metadata: str | None = None,
    imply_sent: bool = True,
    tz: str | None = None,
) -> SourceData:
    """Read Postmark webhook bodies.

    Parameters
    ----------
    obj : path, list or dict of parsed JSON, or Payload
    campaign_metadata : str, optional
        ``Metadata`` key naming the campaign (default: the ``Tag``).
    email_metadata : str, optional
        ``Metadata`` key naming the email asset (default: the ``MessageStream``).
    imply_sent : bool, default True
        Add a ``sent`` for each Delivery and hard/soft bounce (Postmark has no send event).
    tz : str, optional
        Zone of timestamps without an offset.

    Returns
    -------
    SourceData
    """
    payload = load(obj)
    out = EventBuilder(NAME, "iso", tz, bad=payload.bad)
    for row, item in payload.docs:
        if not_an_object(out, row, item):
            continue
        kind = text(item.get("RecordType"))
        if kind is None:
            out.reject(row, "missing event kind ('RecordType')", item)
            continue
        event_type, skipped = _classify(kind, item)
        if event_type is None:
            out.skip(skipped or kind)
            continue
        timestamp = item.get(_TIME_FIELD[kind])
        campaign = dig(item, "Metadata", campaign_metadata) if campaign_metadata else None
        email = dig(item, "Metadata", email_metadata) if email_metadata else None
        common = {
            "campaign_id": first_text(campaign, item.get("Tag")),
            "email_id": first_text(email, item.get("MessageStream")),
            "lead_id": first_text(item.get("Recipient"), item.get("Email")),
            "email_name": item.get("Subject"),
        }
        message_id = text(item.get("MessageID")) or ""
        if imply_sent and event_type in ("delivered", "hard_bounce", "soft_bounce"):
            out.add(row, item, "sent", timestamp, event_id=f"{message_id}|sent", **common)
        bounce_type = text(item.get("Type")) if kind == "Bounce" else None
        out.add(
            row,
            item,
            event_type,
            timestamp,
            link=item.get("OriginalLink") if event_type == "click" else None,
            event_id=f"{message_id}|{kind}|{text(timestamp) or ''}",
            message=f"{message_id}\n{common['lead_id']}" if message_id else None,
            retried=f"Bounce ({bounce_type}, retried)" if bounce_type in _RETRIED else None,
            **common,
            **(_where(item) if event_type in ("open", "click") else {}),
        )
    return out.finish()
