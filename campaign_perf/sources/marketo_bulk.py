"""Marketo Bulk Activity Extract CSV -> canonical events.

Input: the CSV file of a bulk activity export job (columns ``marketoGUID, leadId,
activityDate, activityTypeId, campaignId, primaryAttributeValueId,
primaryAttributeValue, attributes``), that table as a DataFrame, or a folder of such
tables (CSV, or Parquet at any depth) such as :func:`campaign_perf.fetch_marketo` writes,
with its dimension tables (see :func:`read`). The literal ``null`` means empty in every
column. Rows are CSV data row numbers (header excluded).

=======================  ==================================================================
canonical                Marketo Bulk Activity Extract
=======================  ==================================================================
event_type               ``activityTypeId``: 6 Send Email -> sent, 7 Email Delivered ->
                         delivered, 8 Email Bounced -> hard_bounce (soft_bounce when its
                         ``Category`` attribute is 3, 4 or 9, Marketo's soft categories),
                         27 Email Bounced Soft -> soft_bounce, 9 Unsubscribe Email ->
                         unsubscribe, 10 Open Email -> open, 11 Click Email -> click. Other
                         types are skipped and counted as "activity type <id> (<name>)"
                         (the name when it is a standard type, e.g. 12 New Lead). A folder
                         with an ``activity_types`` table maps the ids by type name instead,
                         and a type named for spam complaints -> complaint.
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
from collections import Counter
from typing import Any

import pandas as pd

from campaign_perf.errors import SchemaError

from . import _marketo
from ._common import EventBuilder, Payload, SourceData, csv_line, empty_rejected, load

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
_CAMPAIGN_COLUMNS = ("campaign_id", "campaign_name", "program", "status")
_EMAIL_COLUMNS = ("email_id", "email_name", "subject", "html")


def _activity_tables(payload: Payload) -> dict[str, pd.DataFrame]:
    """The tables of ``payload`` that are bulk activity extracts, by name."""
    if payload.kind == "csv" and payload.frame is not None:
        tables = {payload.name: payload.frame}
    elif payload.kind == "tables":
        tables = payload.tables
    else:
        return {}
    return {name: t for name, t in tables.items() if set(_REQUIRED) <= set(t.columns)}


def detect(obj: Any) -> bool:
    """Tell whether ``obj`` is a Marketo Bulk Activity Extract table (or a folder of them).

    Parameters
    ----------
    obj : path, DataFrame or Payload

    Returns
    -------
    bool
        True for a CSV table, or a folder with a CSV or Parquet table, with the ``leadId``,
        ``activityDate`` and ``activityTypeId`` columns.
    """
    return bool(_activity_tables(load(obj)))


def _attributes(raw: str | None) -> dict[str, Any]:
    if raw is None:
        return {}
    parsed = json.loads(raw)
    if not isinstance(parsed, dict):
        raise ValueError(f"a JSON {type(parsed).__name__}, not an object")
    return parsed


def _read_table(
    frame: pd.DataFrame,
    tz: str | None,
    types: dict[int, str] | None,
    names: dict[int, str] | None,
) -> SourceData:
    columns = list(frame.columns)
    email_types = _marketo.EMAIL_ACTIVITIES if types is None else types
    out = EventBuilder(NAME, "iso", tz, raw=csv_line)
    cells = zip(*(frame[c].tolist() for c in columns), strict=True)  # faster than itertuples
    for row, values in enumerate(cells, start=1):
        fields = dict(zip(columns, values, strict=True))
        attributes: dict[str, Any] = {}
        if _marketo.type_id(fields["activityTypeId"]) in email_types:
            try:
                attributes = _attributes(_marketo.null_text(fields.get("attributes")))
            except ValueError as exc:
                out.reject(row, f"attributes is not a JSON object: {exc}", values)
                continue
        _marketo.add_activity(out, row, values, fields, attributes, types, names)
    return out.finish()


def _blank_as_missing(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """The ``columns`` of a table read as text, empty cells as missing (absent: missing)."""
    out = pd.DataFrame(index=frame.index)
    for col in columns:
        values = frame[col] if col in frame else pd.Series("", index=frame.index)
        out[col] = values.astype("str").where(values.astype("str").str.strip() != "", None)
    return out.astype("str")


def _dimension(
    tables: dict[str, pd.DataFrame], name: str, columns: tuple[str, ...]
) -> pd.DataFrame | None:
    table = tables.get(name)
    if table is None or columns[0] not in table.columns:
        return None
    return _blank_as_missing(table, columns)


def _types(tables: dict[str, pd.DataFrame]) -> tuple[dict[int, str] | None, dict[int, str]]:
    """The email types and all type names of an ``activity_types`` table (id, name)."""
    table = tables.get("activity_types")
    if table is None or not {"activity_type_id", "name"} <= set(table.columns):
        return None, {}
    names = {
        int(i): n
        for i, n in zip(table["activity_type_id"], table["name"], strict=True)
        if _marketo.type_id(i) is not None
    }
    return _marketo.email_activity_ids(names.items()), names


def read(obj: Any, *, tz: str | None = None) -> SourceData:
    """Read a Marketo Bulk Activity Extract CSV, or a folder of extracts.

    A folder written by :func:`campaign_perf.fetch_marketo` holds the extracts as Parquet
    (``activities/month=YYYY-MM/activities.parquet``) and the tables ``campaigns``
    (campaign_id, campaign_name, program, status), ``emails`` (email_id, email_name,
    subject, html) and ``activity_types`` (activity_type_id, name): the campaign and email
    names come from the first two, and the email activity types (a spam-complaint type
    too, where the subscription has one) from the last. In a folder, events carry their
    table's name in ``_table``, rows are counted within their table and rejected reasons
    start with ``table <name>:``.

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
        The table lacks ``leadId``, ``activityDate`` or ``activityTypeId`` (a folder: no
        table has them).
    """
    payload = load(obj)
    if payload.kind == "tables":
        return _read_folder(payload, tz)
    frame = payload.frame
    if payload.kind != "csv" or frame is None:
        raise SchemaError(f"{payload.name}: a Marketo bulk extract is a CSV table")
    missing = [c for c in _REQUIRED if c not in frame.columns]
    if missing:
        raise SchemaError(f"{payload.name}: Marketo bulk extract lacks columns {missing}")
    return _read_table(frame, tz, None, None)


def _read_folder(payload: Payload, tz: str | None) -> SourceData:
    activities = _activity_tables(payload)
    if not activities:
        raise SchemaError(
            f"{payload.name}: no Marketo bulk extract among the tables {sorted(payload.tables)} "
            f"(one needs the columns {list(_REQUIRED)})"
        )
    types, names = _types(payload.tables)
    parts = [_read_table(t, tz, types, names) for t in activities.values()]
    skipped: Counter[str] = Counter()
    rejected = []
    for name, part in zip(activities, parts, strict=True):
        skipped.update(part.skipped)
        if len(part.rejected):
            rejected.append(
                part.rejected.assign(reason=f"table {name}: " + part.rejected["reason"])
            )
    tables = zip(activities, parts, strict=True)
    events = pd.concat([p.events.assign(_table=n) for n, p in tables], ignore_index=True)
    return SourceData(
        source=NAME,
        events=events,
        campaigns=_dimension(payload.tables, "campaigns", _CAMPAIGN_COLUMNS),
        emails=_dimension(payload.tables, "emails", _EMAIL_COLUMNS),
        skipped=dict(skipped),
        rejected=pd.concat(rejected, ignore_index=True) if rejected else empty_rejected(),
    )
