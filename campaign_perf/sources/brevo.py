"""Brevo (ex Sendinblue) webhooks -> canonical events.

Input: one transactional (or marketing) webhook body, a JSON array or JSON Lines of them.

=======================  ==================================================================
canonical                Brevo
=======================  ==================================================================
event_type               ``event``: request -> sent, delivered -> delivered,
                         hard_bounce / hardBounce -> hard_bounce, soft_bounce / softBounce
                         -> soft_bounce, opened and unique_opened -> open, proxy_open and
                         unique_proxy_open -> open with is_machine_open, click -> click,
                         unsubscribed / unsubscribe -> unsubscribe, complaint and spam ->
                         complaint. Skipped by kind: blocked, invalid_email, deferred,
                         error (the message was not sent, or not yet). Anything else:
                         ``unknown: <event>``.
unique opens             Brevo sends ``unique_opened`` for the first open and, to accounts
                         subscribed to both, an ``opened`` for that same open. Both map to
                         open and share one event_id (``message-id|open|ts``), so the pair
                         is one open once exact duplicates are removed; a ``unique_opened``
                         alone still counts.
timestamp                ``ts_epoch`` (the UTC instant; milliseconds or seconds, told
                         apart by magnitude), else ``ts_event``, else ``ts``. Those two are
                         epoch numbers of the account's wall clock (anymail's captures are
                         9 hours off UTC): they are read as local time in the zone ``tz``
                         (the load's ``tz``, default UTC). ``date`` is not used.
lead_id                  ``email``.
campaign_id              the key named by option ``campaign_field``; default: ``camp_id``
                         (marketing webhooks; ``campaign name`` -> campaign_name), then
                         ``tags[0]``, then the first tag of ``tag``, else "(no campaign)".
email_id                 ``template_id``, else ``subject``, else "(no email)".
email_name               ``subject``.
link                     ``link`` / ``URL`` (click only).
is_bot                   False (Brevo flags no bots).
is_machine_open          True for proxy_open / unique_proxy_open (a machine open by a mail
                         privacy proxy such as Apple Mail Privacy Protection). The webhook
                         carries no user agent nor the reader's IP (``sending_ip`` is
                         Brevo's own sending address, not mapped).
event_id                 ``message-id|event|ts`` with ``ts_event`` (else ``ts``, else
                         ``ts_epoch``) as written (opens: ``message-id|open|ts``, machine
                         opens ``message-id|proxy_open|ts``).
=======================  ==================================================================

Malformed items (not an object, no ``event``, unreadable timestamp) are rejected.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd

from campaign_perf.schema import EPOCH_MS_THRESHOLD

from ._common import (
    EventBuilder,
    SourceData,
    first_dicts,
    first_text,
    load,
    mostly,
    not_an_object,
    text,
)

NAME = "brevo"

_EVENTS = {
    "request": "sent",
    "delivered": "delivered",
    "hard_bounce": "hard_bounce",
    "hardBounce": "hard_bounce",
    "soft_bounce": "soft_bounce",
    "softBounce": "soft_bounce",
    "opened": "open",
    "unique_opened": "open",
    "proxy_open": "open",
    "unique_proxy_open": "open",
    "click": "click",
    "unsubscribed": "unsubscribe",
    "unsubscribe": "unsubscribe",
    "complaint": "complaint",
    "spam": "complaint",
}
_ID_KIND = {"unique_opened": "open", "opened": "open", "unique_proxy_open": "proxy_open"}
_MACHINE = {"proxy_open", "unique_proxy_open"}
_SKIPPED = {"blocked", "invalid_email", "deferred", "error"}


def detect(obj: Any) -> bool:
    """Tell whether ``obj`` looks like Brevo webhooks.

    Parameters
    ----------
    obj : path, parsed JSON or Payload

    Returns
    -------
    bool
        True when most of the first objects carry ``event``, ``email`` and a Brevo key
        (``message-id``, ``ts_event``, ``ts_epoch`` or ``camp_id``).
    """
    payload = load(obj)
    items = first_dicts(payload) if payload.kind == "json" else []
    return mostly(
        items,
        lambda d: (
            "event" in d
            and "email" in d
            and any(k in d for k in ("message-id", "ts_event", "ts_epoch", "camp_id"))
        ),
    )


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _timestamp(item: dict, tz: str | None) -> Any:
    """The event's instant as epoch seconds (UTC), or the raw value when unreadable."""
    if text(item.get("ts_epoch")) is not None:
        epoch = _number(item["ts_epoch"])
        if epoch is None:
            return item["ts_epoch"]  # unreadable: rejected with its value
        return epoch / 1000 if abs(epoch) >= EPOCH_MS_THRESHOLD else epoch
    for key in ("ts_event", "ts"):
        value = item.get(key)
        if text(value) is None:
            continue
        wall = _number(value)
        if wall is None or tz in (None, "UTC"):
            return value
        try:  # the account's wall clock, written as if it were UTC
            local = pd.Timestamp(wall, unit="s").tz_localize(
                tz, ambiguous=True, nonexistent="shift_forward"
            )
        except (OverflowError, ValueError):
            return value  # out of range: rejected as unreadable
        return local.timestamp()
    return None


def _id_time(item: dict) -> Any:
    return first_text(item.get("ts_event"), item.get("ts"), item.get("ts_epoch"))


def _first_tag(item: dict) -> str | None:
    tags = item.get("tags")
    if isinstance(tags, list) and tags:
        return text(tags[0])
    tag = text(item.get("tag"))
    if tag and tag.startswith("["):
        try:
            parsed = json.loads(tag)
        except json.JSONDecodeError:
            return tag
        return text(parsed[0]) if isinstance(parsed, list) and parsed else None
    return tag


def read(obj: Any, *, campaign_field: str | None = None, tz: str | None = None) -> SourceData:
    """Read Brevo webhook bodies.

    Parameters
    ----------
    obj : path, list or dict of parsed JSON, or Payload
    campaign_field : str, optional
        Payload key naming the campaign (e.g. ``X-Mailin-custom``); default: see module.
    tz : str, optional
        The account's time zone: ``ts_event`` and ``ts`` are its wall clock (``ts_epoch``,
        preferred when present, is UTC). Default UTC.

    Returns
    -------
    SourceData
    """
    payload = load(obj)
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
        if kind not in _EVENTS:
            out.unknown(kind)
            continue
        event_type = _EVENTS[kind]
        if campaign_field is not None:
            campaign, campaign_name = text(item.get(campaign_field)), None
        elif text(item.get("camp_id")):
            campaign, campaign_name = text(item.get("camp_id")), item.get("campaign name")
        else:
            campaign, campaign_name = _first_tag(item), None
        timestamp = _timestamp(item, tz)
        id_parts = (item.get("message-id"), _ID_KIND.get(kind, kind), _id_time(item))
        out.add(
            row,
            item,
            event_type,
            timestamp,
            campaign,
            first_text(item.get("template_id"), item.get("subject")),
            item.get("email"),
            campaign_name=campaign_name,
            email_name=item.get("subject"),
            link=first_text(item.get("link"), item.get("URL")) if event_type == "click" else None,
            is_machine_open=kind in _MACHINE,
            event_id="|".join(text(v) or "" for v in id_parts),
        )
    return out.finish()
