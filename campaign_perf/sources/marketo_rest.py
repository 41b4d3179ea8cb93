"""Marketo REST activities (``GET /rest/v1/activities.json``) -> canonical events.

Input: a response page (``{"success": true, "result": [...], "nextPageToken": ...}``), a
list or JSON Lines of pages, or the list of ``result`` items. Rows are the position of
the item in ``result`` (running over all pages).

=======================  ==================================================================
canonical                Marketo REST activity item
=======================  ==================================================================
event_type               ``activityTypeId``: 6 -> sent, 7 -> delivered, 8 -> hard_bounce
                         (soft_bounce when attribute ``Category`` is 3, 4 or 9),
                         27 -> soft_bounce, 9 -> unsubscribe, 10 -> open, 11 -> click.
                         Other types: skipped as "activity type <id> (<name>)".
timestamp                ``activityDate`` (ISO 8601, ``Z``; naive values: UTC or ``tz``).
campaign_id              ``campaignId``, else "(no campaign)".
email_id                 ``primaryAttributeValueId``, else "(no email)".
email_name               ``primaryAttributeValue``.
lead_id                  ``leadId``.
link                     attribute ``Link`` (click only).
is_bot                   attribute ``Is Bot Activity`` true / "true".
event_id                 ``marketoGUID``, else ``id``.
=======================  ==================================================================

``attributes`` is a list of ``{"name": ..., "value": ...}``; a dict of name -> value is
read too. A page with ``success`` false is rejected with its ``errors``. Malformed items
(not an object, no ``activityTypeId``, unreadable ``activityDate``) are rejected.
"""

from __future__ import annotations

from typing import Any

from . import _marketo
from ._common import EventBuilder, SourceData, expand, first_dicts, load, mostly, not_an_object

NAME = "marketo_rest"


def _is_page(doc: Any) -> bool:
    return isinstance(doc, dict) and "success" in doc and ("result" in doc or "errors" in doc)


def _result(doc: Any) -> list | None:
    if not _is_page(doc):
        return None
    return doc.get("result") if isinstance(doc.get("result"), list) else []


def detect(obj: Any) -> bool:
    """Tell whether ``obj`` looks like Marketo REST activities.

    Parameters
    ----------
    obj : path, parsed JSON or Payload

    Returns
    -------
    bool
        True for ``success``/``result`` pages whose items carry ``activityTypeId``, and
        for lists of such items.
    """
    payload = load(obj)
    if payload.kind != "json" or not first_dicts(payload):
        return False
    items = [d for _, d in expand(payload.docs[:5], _result) if isinstance(d, dict)][:5]
    if not items:
        return all(_is_page(d) for d in first_dicts(payload))
    return mostly(items, lambda d: "activityTypeId" in d and "leadId" in d)


def _attributes(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, list):
        return {a["name"]: a.get("value") for a in value if isinstance(a, dict) and "name" in a}
    return {}


def read(obj: Any, *, tz: str | None = None) -> SourceData:
    """Read Marketo REST activity pages or items.

    Parameters
    ----------
    obj : path, list or dict of parsed JSON, or Payload
    tz : str, optional
        Zone of ``activityDate`` values written without an offset (default UTC).

    Returns
    -------
    SourceData
    """
    payload = load(obj)
    out = EventBuilder(NAME, "iso", tz, bad=payload.bad)
    for row, doc in payload.docs:
        if _is_page(doc) and doc.get("success") is False:
            out.reject(row, f"Marketo error page: {doc.get('errors')}", doc)
    for row, item in expand(payload.docs, _result):
        if not_an_object(out, row, item):
            continue
        _marketo.add_activity(out, row, item, item, _attributes(item.get("attributes")))
    return out.finish()
