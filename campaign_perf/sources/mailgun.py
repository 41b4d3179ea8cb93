"""Mailgun webhooks and event-list exports -> canonical events.

Input: webhook bodies (``{"signature": ..., "event-data": {...}}``), pages of the Events
API (``{"items": [...], "paging": ...}``), or a list / JSON Lines of either or of bare
event-data objects.

=======================  ==================================================================
canonical                Mailgun (fields of ``event-data``)
=======================  ==================================================================
event_type               ``event``: accepted -> sent, delivered -> delivered,
                         failed -> hard_bounce (``severity`` permanent or missing) or
                         soft_bounce (``severity`` temporary: Mailgun retries, so a
                         temporary failure that a delivery or a permanent failure of the
                         same message follows is skipped as "failed (temporary, retried)";
                         only the last word of a message counts), opened -> open,
                         clicked -> click, unsubscribed -> unsubscribe,
                         complained -> complaint. A failed event whose ``reason`` is
                         suppress-bounce, suppress-unsubscribe or suppress-complaint
                         (Mailgun refused to send to a suppressed address) is no bounce:
                         skipped as "suppressed". Skipped by kind: rejected, stored,
                         list_member_uploaded, list_uploaded. Anything else:
                         ``unknown: <event>``.
timestamp                ``timestamp``: epoch seconds with microseconds (UTC).
lead_id                  ``recipient``.
campaign_id              ``user-variables`` [option ``campaign_variable``]; default:
                         user variable ``campaign_id`` or ``campaign``, then the first
                         ``campaigns[].id`` (legacy campaigns; its ``name`` ->
                         campaign_name), then the first of ``tags``, else "(no campaign)".
email_id                 ``user-variables`` [option ``email_variable``]; default: user
                         variable ``email_id`` or ``email``, then
                         ``message.headers.subject``, else "(no email)". Opens, clicks
                         and unsubscribes carry no subject: within one payload they take the
                         subject of another event of the same ``message.headers.message-id``.
email_name               ``message.headers.subject`` (filled the same way).
link                     ``url`` (click only).
is_bot                   ``client-info.bot`` truthy, but "apple" on an open (a machine
                         open) and "gmail" (Gmail's image proxy: a person's open); else
                         False.
is_machine_open          ``client-info.bot`` "apple" on an open (Apple Mail Privacy
                         Protection): client "Apple Mail", device ``proxy``.
user_agent, ip           ``client-info.user-agent``, ``ip`` (open and click only).
client, os, device       ``client-info.client-name``, ``client-os``, ``device-type``
                         ("unknown" reads as missing: the user agent then tells);
                         ``client-info.bot`` "gmail": client "Gmail", device ``proxy``.
country                  ``geolocation.country``.
event_id                 ``id``.
=======================  ==================================================================

Malformed items (not an object, no ``event``, unreadable ``timestamp``) are rejected.
"""

from __future__ import annotations

from typing import Any

from ._common import (
    NO_EMAIL,
    EventBuilder,
    SourceData,
    dig,
    expand,
    first_dicts,
    first_text,
    load,
    mostly,
    not_an_object,
    text,
    truthy,
    where_read,
)

NAME = "mailgun"

_EVENTS = {
    "accepted": "sent",
    "delivered": "delivered",
    "opened": "open",
    "clicked": "click",
    "unsubscribed": "unsubscribe",
    "complained": "complaint",
}
_SUPPRESSED = {"suppress-bounce", "suppress-unsubscribe", "suppress-complaint"}
_SKIPPED = {"rejected", "stored", "list_member_uploaded", "list_uploaded"}


def _items(payload_docs: list[tuple[int, Any]]) -> list[tuple[int, Any, Any]]:
    """Return (row, event data, native item) for every event of the payload."""
    docs = expand(
        payload_docs,
        lambda d: d["items"] if isinstance(d, dict) and isinstance(d.get("items"), list) else None,
    )
    return [(row, d["event-data"] if _is_webhook(d) else d, d) for row, d in docs]


def _is_webhook(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("event-data"), dict)


def detect(obj: Any) -> bool:
    """Tell whether ``obj`` looks like Mailgun webhooks or event pages.

    Parameters
    ----------
    obj : path, parsed JSON or Payload

    Returns
    -------
    bool
        True when most items are ``event-data`` webhook bodies or event objects (bare or in an
        ``items`` page) carrying ``event``, ``recipient`` and a ``log-level`` or
        ``recipient-domain`` or ``envelope``.
    """
    payload = load(obj)
    if payload.kind != "json":
        return False
    items = [d for _, d, _ in _items(payload.docs[:5]) if isinstance(d, dict)][:5]
    return bool(first_dicts(payload)) and mostly(
        items,
        lambda d: (
            "event" in d
            and "recipient" in d
            and any(k in d for k in ("log-level", "recipient-domain", "envelope", "message"))
        ),
    )


def _variable(item: dict, name: str | None, defaults: tuple[str, ...]) -> str | None:
    variables = item.get("user-variables")
    if not isinstance(variables, dict):
        return None
    return first_text(*(variables.get(n) for n in ((name,) if name else defaults)))


def _campaign(item: dict, name: str | None) -> tuple[str | None, str | None]:
    found = _variable(item, name, ("campaign_id", "campaign"))
    if found or name:
        return found, None
    legacy = dig(item, "campaigns", 0)
    if isinstance(legacy, dict) and text(legacy.get("id")):
        return text(legacy.get("id")), text(legacy.get("name"))
    return text(dig(item, "tags", 0)), None


#: Mailgun's ``client-info.bot`` of a privacy proxy (a machine open) and of a webmail image
#: proxy (a person's open, through the proxy).
_MACHINE_BOTS = {"apple"}
_PROXY_BOTS = {"gmail": "Gmail"}


def _bots(event_type: str, bot: Any) -> dict[str, Any]:
    """is_bot and is_machine_open of Mailgun's ``client-info.bot``."""
    name = (text(bot) or "").strip().lower()
    if not truthy(bot) and name not in _MACHINE_BOTS | set(_PROXY_BOTS):
        return {"is_bot": False}
    if name in _MACHINE_BOTS and event_type == "open":
        return {"is_bot": False, "is_machine_open": True}
    return {"is_bot": name not in _PROXY_BOTS}


def _where(item: dict) -> dict[str, Any]:
    """Where an open or a click was read: ``client-info``, ``geolocation``, ``ip``."""
    raw = item.get("client-info")
    info: dict[str, Any] = raw if isinstance(raw, dict) else {}
    bot = (text(info.get("bot")) or "").strip().lower()
    out = where_read(
        user_agent=info.get("user-agent"),
        ip=item.get("ip"),
        client=info.get("client-name"),
        os=info.get("client-os"),
        device=info.get("device-type"),
        country=dig(item, "geolocation", "country"),
    )
    if bot in _PROXY_BOTS:
        out.update(client=_PROXY_BOTS[bot], device="proxy", os=None)
    elif bot in _MACHINE_BOTS:
        out.update(client="Apple Mail", device="proxy", os=None)
    return out


def read(
    obj: Any,
    *,
    campaign_variable: str | None = None,
    email_variable: str | None = None,
    tz: str | None = None,
) -> SourceData:
    """Read Mailgun webhook bodies or event-list pages.

    Parameters
    ----------
    obj : path, list or dict of parsed JSON, or Payload
    campaign_variable : str, optional
        User variable (``v:`` / ``X-Mailgun-Variables``) naming the campaign.
    email_variable : str, optional
        User variable naming the email asset.
    tz : str, optional
        Unused (Mailgun timestamps are epoch seconds); accepted for a uniform API.

    Returns
    -------
    SourceData
    """
    payload = load(obj)
    out = EventBuilder(NAME, "epoch", tz, bad=payload.bad)
    subjects: dict[str, str] = {}
    for _, item, _ in _items(payload.docs):
        if not isinstance(item, dict):
            continue
        subject = text(dig(item, "message", "headers", "subject"))
        message_id = text(dig(item, "message", "headers", "message-id"))
        if subject and message_id:
            subjects.setdefault(message_id, subject)
    for row, item, native in _items(payload.docs):
        if not_an_object(out, row, item):
            continue
        kind = text(item.get("event"))
        if kind is None:
            out.reject(row, "missing event kind ('event')", native)
            continue
        if kind == "failed":
            if text(item.get("reason")) in _SUPPRESSED:
                out.skip("suppressed")
                continue
            temporary = text(item.get("severity")) == "temporary"
            event_type = "soft_bounce" if temporary else "hard_bounce"
        elif kind in _EVENTS:
            event_type = _EVENTS[kind]
        elif kind in _SKIPPED:
            out.skip(kind)
            continue
        else:
            out.unknown(kind)
            continue
        campaign, campaign_name = _campaign(item, campaign_variable)
        message_id = text(dig(item, "message", "headers", "message-id"))
        subject = first_text(
            dig(item, "message", "headers", "subject"), subjects.get(message_id or "")
        )
        out.add(
            row,
            native,
            event_type,
            item.get("timestamp"),
            campaign,
            _variable(item, email_variable, ("email_id", "email")) or subject or NO_EMAIL,
            item.get("recipient"),
            campaign_name=campaign_name,
            email_name=subject,
            link=item.get("url") if event_type == "click" else None,
            **_bots(event_type, dig(item, "client-info", "bot")),
            event_id=item.get("id"),
            **(_where(item) if event_type in ("open", "click") else {}),
            message=f"{message_id}\n{text(item.get('recipient'))}" if message_id else None,
            retried="failed (temporary, retried)" if event_type == "soft_bounce" else None,
        )
    return out.finish()
