"""Marketo Bulk Activity Extract CSV -> canonical events.

Input: the CSV file of a bulk activity export job (columns ``marketoGUID, leadId,
activityDate, activityTypeId, campaignId, primaryAttributeValueId,
primaryAttributeValue, attributes``), or that table as a DataFrame. The literal ``null``
means empty in every column. Rows are CSV data row numbers (header excluded).

=======================  ==================================================================
canonical                Marketo Bulk Activity Extract
=======================  ==================================================================
event_type               ``activityTypeId``: 6 Send Email -> sent, 7 Email Delivered ->
                         delivered, 8 Email Bounced -> hard_bounce (soft_bounce when its
                         ``Category`` attribute is 3, 4 or 9, Marketo's soft categories),
                         27 Email Bounced Soft -> soft_bounce, 9 Unsubscribe Email ->
                         unsubscribe, 10 Open Email -> open, 11 Click Email -> click. Other
                         types are skipped and counted as "activity type <id> (<name>)"
                         (the name when it is a standard type, e.g. 12 New Lead).
timestamp                ``activityDate`` (ISO 8601; without an offset: UTC, or option
                         ``tz``).
campaign_id              ``campaignId`` (the smart campaign), else "(no campaign)".
email_id                 ``primaryAttributeValueId`` (the email asset id), else
                         "(no email)".
email_name               ``primaryAttributeValue``.
lead_id                  ``leadId``.
link                     attribute ``Link`` (click only).
is_bot                   attribute ``Is Bot Activity`` ("true" / true); the pattern
                         (``Bot Activity Pattern``), ``Campaign Run ID``, ``Step ID`` and
                         ``Choice Number`` are not canonical and are not kept (a bot's
                         reason is ``source``).
user_agent, os, device   attributes ``User Agent``, ``Platform``, ``Device`` ("unknown" reads
                         as missing; else ``Is Mobile Device`` true -> mobile) of Open Email
                         and Click Email; the client is parsed from the user agent.
event_id                 ``marketoGUID``.
=======================  ==================================================================

Malformed rows (no or non-integer ``activityTypeId``, ``attributes`` of an email activity
that is not a JSON object, unreadable ``activityDate``) are rejected with the row as CSV.
"""

from __future__ import annotations

import json
from typing import Any

from campaign_perf.errors import SchemaError

from . import _marketo
from ._common import EventBuilder, SourceData, csv_line, load

NAME = "marketo_bulk"

COLUMNS = (
    "marketoGUID",
    "leadId",
    "activityDate",
    "activityTypeId",
    "campaignId",
    "primaryAttributeValueId",
    "primaryAttributeValue",
    "attributes",
)
_REQUIRED = ("leadId", "activityDate", "activityTypeId")


def detect(obj: Any) -> bool:
    """Tell whether ``obj`` is a Marketo Bulk Activity Extract table.

    Parameters
    ----------
    obj : path, DataFrame or Payload

    Returns
    -------
    bool
        True for a CSV table with the ``leadId``, ``activityDate`` and ``activityTypeId``
        columns.
    """
    frame = load(obj).frame
    return frame is not None and set(_REQUIRED) <= set(frame.columns)


def _attributes(raw: str | None) -> dict[str, Any]:
    if raw is None:
        return {}
    parsed = json.loads(raw)
    if not isinstance(parsed, dict):
        raise ValueError(f"a JSON {type(parsed).__name__}, not an object")
    return parsed


def read(obj: Any, *, tz: str | None = None) -> SourceData:
    """Read a Marketo Bulk Activity Extract CSV.

    Parameters
    ----------
    obj : path, DataFrame or Payload
    tz : str, optional
        Zone of ``activityDate`` values written without an offset (default UTC).

    Returns
    -------
    SourceData

    Raises
    ------
    SchemaError
        The table lacks ``leadId``, ``activityDate`` or ``activityTypeId``.
    """
    payload = load(obj)
    frame = payload.frame
    if payload.kind != "csv" or frame is None:
        raise SchemaError(f"{payload.name}: a Marketo bulk extract is a CSV table")
    missing = [c for c in _REQUIRED if c not in frame.columns]
    if missing:
        raise SchemaError(f"{payload.name}: Marketo bulk extract lacks columns {missing}")
    columns = list(frame.columns)
    out = EventBuilder(NAME, "iso", tz, raw=csv_line)
    for row, values in enumerate(frame.itertuples(index=False, name=None), start=1):
        fields = dict(zip(columns, values, strict=True))
        attributes: dict[str, Any] = {}
        if _marketo.type_id(fields["activityTypeId"]) in _marketo.EMAIL_ACTIVITIES:
            try:
                attributes = _attributes(_marketo.null_text(fields.get("attributes")))
            except ValueError as exc:
                out.reject(row, f"attributes is not a JSON object: {exc}", values)
                continue
        _marketo.add_activity(out, row, values, fields, attributes)
    return out.finish()
