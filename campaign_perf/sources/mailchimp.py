"""Mailchimp email-activity reports -> canonical events.

Input: the response of ``GET /reports/{campaign_id}/email-activity`` (``{"emails": [...],
"campaign_id": ..., "total_items": ...}``), a list or JSON Lines of such pages, or a list
of its ``emails`` entries. Each entry is one recipient of the campaign:
``{"campaign_id", "email_address", "email_id", "activity": [{"action", "type",
"timestamp", "url", "ip"}]}``. Rows are the position of the entry in ``emails``.

=======================  ==================================================================
canonical                Mailchimp
=======================  ==================================================================
sent                     every entry (the report lists the members the campaign was sent
                         to). Its time: option ``sent_at`` (one instant, or a mapping
                         campaign_id -> instant, e.g. the campaign's ``send_time``); without
                         it, the earliest activity timestamp of the campaign in the payload
                         (the closest observed time to the send); an entry of a campaign
                         without any activity and no ``sent_at`` is rejected.
delivered                with ``imply_delivered`` (default True) every entry without a
                         bounce also gets a ``delivered`` at its send time: Mailchimp
                         reports deliveries as sends minus bounces and sends no delivery
                         event.
event_type               ``activity[].action``: open -> open, click -> click,
                         bounce -> hard_bounce (``type`` hard, or missing / other) or
                         soft_bounce (``type`` soft). Anything else:
                         ``unknown: <action>``.
timestamp                ``activity[].timestamp``: ISO 8601 with offset.
campaign_id              entry ``campaign_id``, else the page's ``campaign_id``, else option
                         ``campaign_id``, else "(no campaign)".
email_id                 the campaign id: a Mailchimp regular campaign is one email.
lead_id                  ``email_address`` (``email_id`` is only its MD5 hash).
link                     ``url`` (click only).
is_bot                   False (the report flags no machine activity).
ip                       ``activity[].ip`` (open and click; the activity report carries
                         no user agent, client or device).
event_id                 ``campaign_id|email_address|action|timestamp[|url]``
                         (``...|sent`` / ``...|delivered`` for the implied events).
=======================  ==================================================================

Malformed items (an entry or activity that is not an object, an activity without
``action``, an unreadable timestamp) are rejected.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ._common import (
    NO_CAMPAIGN,
    EventBuilder,
    SourceData,
    first_dicts,
    first_text,
    load,
    mostly,
    not_an_object,
    parse_timestamps,
    text,
    where_read,
)

NAME = "mailchimp"

_ACTIONS = {"open": "open", "click": "click"}


def _entries(docs: list[tuple[int, Any]]) -> list[tuple[int, Any, str | None]]:
    """Return (row, entry, page campaign id) for every entry of every page."""
    pages = any(isinstance(d, dict) and isinstance(d.get("emails"), list) for _, d in docs)
    if not pages:
        return [(row, doc, None) for row, doc in docs]
    out: list[tuple[int, Any, str | None]] = []
    for _, doc in docs:
        is_page = isinstance(doc, dict) and isinstance(doc.get("emails"), list)
        page_campaign = text(doc.get("campaign_id")) if is_page else None
        for entry in doc["emails"] if is_page else [doc]:
            out.append((len(out) + 1, entry, page_campaign))
    return out


def detect(obj: Any) -> bool:
    """Tell whether ``obj`` looks like a Mailchimp email-activity report.

    Parameters
    ----------
    obj : path, parsed JSON or Payload

    Returns
    -------
    bool
        True for pages with an ``emails`` list and for entries with ``email_address``
        and an ``activity`` list.
    """
    payload = load(obj)
    if payload.kind != "json" or not first_dicts(payload):
        return False
    entries = [e for _, e, _ in _entries(payload.docs[:5]) if isinstance(e, dict)][:5]
    if not entries:
        return all(isinstance(d.get("emails"), list) for d in first_dicts(payload))
    return mostly(entries, lambda e: "email_address" in e and isinstance(e.get("activity"), list))


def _earliest_activity(entries: list[tuple[int, Any, str]], tz: str | None) -> dict[str, str]:
    """Return the earliest readable activity time of each campaign, as ISO text."""
    campaigns, times = [], []
    for _, entry, campaign in entries:
        activities = entry.get("activity") if isinstance(entry, dict) else None
        for activity in activities if isinstance(activities, list) else []:
            if isinstance(activity, dict):
                campaigns.append(campaign)
                times.append(activity.get("timestamp"))
    parsed = parse_timestamps(pd.Series(times, dtype=object), "iso", tz)
    earliest = parsed.groupby(pd.Series(campaigns, dtype=object)).min().dropna()
    return {str(k): v.isoformat() for k, v in earliest.items()}


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _send_time(campaign: str, sent_at: Any, earliest: dict[str, str]) -> Any:
    if isinstance(sent_at, Mapping):
        given = sent_at.get(campaign)
        return _iso(given) if given is not None else earliest.get(campaign)
    return earliest.get(campaign) if sent_at is None else _iso(sent_at)


def _entry_campaign(entry: Any) -> str | None:
    return text(entry.get("campaign_id")) if isinstance(entry, dict) else None


def read(
    obj: Any,
    *,
    sent_at: Any = None,
    campaign_id: str | None = None,
    imply_delivered: bool = True,
    tz: str | None = None,
) -> SourceData:
    """Read a Mailchimp email-activity report.

    Parameters
    ----------
    obj : path, list or dict of parsed JSON, or Payload
    sent_at : str, datetime or mapping of campaign id to str/datetime, optional
        When the campaign was sent (its ``send_time``). Default: the earliest activity.
    campaign_id : str, optional
        Campaign of entries whose payload names none.
    imply_delivered : bool, default True
        Add a ``delivered`` for each entry without a bounce.
    tz : str, optional
        Zone of ``sent_at`` / timestamps written without an offset.

    Returns
    -------
    SourceData
    """
    payload = load(obj)
    out = EventBuilder(NAME, "iso", tz, bad=payload.bad)
    entries = [
        (row, entry, first_text(_entry_campaign(entry), page, campaign_id) or NO_CAMPAIGN)
        for row, entry, page in _entries(payload.docs)
    ]
    earliest = _earliest_activity(entries, tz)
    for row, entry, campaign in entries:
        if not_an_object(out, row, entry):
            continue
        lead = entry.get("email_address")
        activities = entry.get("activity") if isinstance(entry.get("activity"), list) else []
        sent = _send_time(campaign, sent_at, earliest)
        if sent is None:
            out.reject(row, "no send time: no activity in the campaign and no sent_at", entry)
            continue
        prefix = f"{campaign}|{text(lead) or ''}"
        out.add(row, entry, "sent", sent, campaign, campaign, lead, event_id=f"{prefix}|sent")
        bounced = False
        for activity in activities:
            if not_an_object(out, row, activity):
                continue
            action = text(activity.get("action"))
            if action is None:
                out.reject(row, "missing event kind ('action')", activity)
                continue
            if action == "bounce":
                bounced = True
                soft = text(activity.get("type")) == "soft"
                event_type = "soft_bounce" if soft else "hard_bounce"
            elif action in _ACTIONS:
                event_type = _ACTIONS[action]
            else:
                out.unknown(action)
                continue
            link = activity.get("url") if event_type == "click" else None
            parts = (prefix, action, text(activity.get("timestamp")) or "", text(link))
            out.add(
                row,
                activity,
                event_type,
                activity.get("timestamp"),
                campaign,
                campaign,
                lead,
                link=link,
                event_id="|".join(p for p in parts if p is not None),
                **(where_read(ip=activity.get("ip")) if event_type in ("open", "click") else {}),
            )
        if imply_delivered and not bounced:
            out.add(
                row,
                entry,
                "delivered",
                sent,
                campaign,
                campaign,
                lead,
                event_id=f"{prefix}|delivered",
            )
    return out.finish()
