"""Native email-event exports -> canonical events (RULES.md section 1).

One module per source; each documents its mapping in its docstring and exposes
``read(obj, **options) -> SourceData`` and ``detect(obj) -> bool``.

==================  ===============================================================
source              input
==================  ===============================================================
sendgrid            SendGrid Event Webhook arrays
ses                 Amazon SES event publishing records (bare, SNS, Firehose lines)
mailgun             Mailgun webhooks and Events API pages
postmark            Postmark webhooks
brevo               Brevo transactional / marketing webhooks
mailchimp           Mailchimp ``/reports/{id}/email-activity`` responses
marketo_bulk        Marketo Bulk Activity Extract CSV, or fetch_marketo's folder
marketo_rest        Marketo REST ``activities.json`` pages
fivetran_marketo    Fivetran's Marketo tables (directory of CSV or dict of DataFrames)
==================  ===============================================================

``obj`` is a path (file or, for Fivetran and Marketo bulk extracts, directory), parsed JSON
(list / dict), a DataFrame (CSV sources) or a dict of DataFrames (Fivetran). Files may be a
JSON array, one JSON object, JSON Lines (or concatenated JSON), or CSV; ``.gz`` files are
decompressed.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from campaign_perf.errors import SchemaError

from . import (
    brevo,
    fivetran_marketo,
    mailchimp,
    mailgun,
    marketo_bulk,
    marketo_rest,
    postmark,
    sendgrid,
    ses,
)
from ._common import NO_CAMPAIGN, NO_EMAIL, SourceData, describe, load

__all__ = [
    "NO_CAMPAIGN",
    "NO_EMAIL",
    "SOURCES",
    "SourceData",
    "UnknownSourceError",
    "detect_source",
    "read_source",
]

#: Source name -> reader module, in detection order.
SOURCES: dict[str, ModuleType] = {
    module.NAME: module
    for module in (
        sendgrid,
        ses,
        mailgun,
        postmark,
        brevo,
        mailchimp,
        marketo_bulk,
        marketo_rest,
        fivetran_marketo,
    )
}


class UnknownSourceError(SchemaError):
    """No source recognises a payload."""


def detect_source(obj: Any) -> str:
    """Return the name of the source whose payload ``obj`` looks like.

    Parameters
    ----------
    obj : path, parsed JSON, DataFrame, dict of DataFrames or Payload

    Returns
    -------
    str
        A key of :data:`SOURCES`.

    Raises
    ------
    SchemaError
        No source (:class:`UnknownSourceError`), or more than one, recognises the payload;
        the message lists the known sources and what was seen (top-level keys or columns).
    LoadError
        A file cannot be read.
    """
    payload = load(obj)
    found = [name for name, module in SOURCES.items() if module.detect(payload)]
    if len(found) == 1:
        return found[0]
    known = ", ".join(SOURCES)
    if found:
        raise SchemaError(
            f"{payload.name}: the payload looks like several sources ({', '.join(found)}); "
            f"pass source= one of them. Saw {describe(payload)}"
        )
    raise UnknownSourceError(
        f"{payload.name}: cannot tell the source of this payload; known sources: {known}. "
        f"Saw {describe(payload)}"
    )


def read_source(obj: Any, source: str = "auto", **options: Any) -> SourceData:
    """Read a native export into canonical events.

    Parameters
    ----------
    obj : path, parsed JSON, DataFrame, dict of DataFrames or Payload
    source : str, default "auto"
        A key of :data:`SOURCES`, or ``"auto"`` to use :func:`detect_source`.
    **options
        Options of that source's ``read`` (e.g. ``tz``, ``campaign_field``).

    Returns
    -------
    SourceData

    Raises
    ------
    SchemaError
        Unknown source name, or a payload no source recognises.
    LoadError
        A file cannot be read.
    """
    payload = load(obj)
    if source == "auto":
        source = detect_source(payload)
    if source not in SOURCES:
        raise SchemaError(f"unknown source {source!r}; known sources: {', '.join(SOURCES)}")
    return SOURCES[source].read(payload, **options)
