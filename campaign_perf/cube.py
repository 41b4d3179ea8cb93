"""Records and the per-send-day cube, built by the embedded engine and cached on the log.

The records of a set of rule settings are built once (the only heavy step) and kept as a
table in the engine. The cube sums them by campaign, email, send day in the report's zone
and any lead attributes asked for; on the sent basis it holds every send day, so any time
frame of whole days is a sum over it and never touches the events again.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import pandas as pd

from campaign_perf._engine import quote_ident, quote_literal
from campaign_perf.rules import COUNT_COLUMNS, RuleParams, records_sql

if TYPE_CHECKING:
    from campaign_perf.events import EventLog

__all__ = ["cube", "records_table"]

_MAX_CACHED = 16


def _key(*parts: object) -> str:
    return hashlib.sha1(repr(parts).encode()).hexdigest()[:16]


def _remember(log: EventLog, key: object, value: object) -> None:
    cache = log._cache
    if len(cache) >= _MAX_CACHED:
        oldest = next(iter(cache))
        old = cache.pop(oldest)
        if isinstance(old, str) and old.startswith("records_"):
            log._con.execute(f"DROP TABLE IF EXISTS {old}")
    cache[key] = value


def records_table(log: EventLog, params: RuleParams) -> str:
    """The name of the engine table holding the records for these rule settings."""
    key = ("records", params)
    if key not in log._cache:
        name = f"records_{_key(params)}"
        log._con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {records_sql(params)}")
        _remember(log, key, name)
    return log._cache[key]


def records_frame(log: EventLog, params: RuleParams, tz: str) -> pd.DataFrame:
    """The records as a DataFrame, with ``send_day`` in the zone ``tz``."""
    table = records_table(log, params)
    return log._con.execute(
        f"SELECT *, CAST(timezone({quote_literal(tz)}, first_sent_at) AS DATE) AS send_day "
        f"FROM {table} ORDER BY campaign_id, email_id, lead_id"
    ).df()


def cube(
    log: EventLog, params: RuleParams, tz: str, lead_attrs: tuple[str, ...] = ()
) -> pd.DataFrame:
    """The counts of the records summed by campaign, email, send day and lead attributes.

    Parameters
    ----------
    log : EventLog
        The events.
    params : RuleParams
        The rule settings (with ``frame`` set on the activity basis).
    tz : str
        The zone of the send days.
    lead_attrs : tuple of str
        Lead attributes to keep as dimensions (for grouping or filtering by them).

    Returns
    -------
    pandas.DataFrame
        ``campaign_id, email_id, send_day`` (datetime64, the local day of the first send),
        the lead attributes, then the counts of :data:`~campaign_perf.rules.COUNT_COLUMNS`.
    """
    key = ("cube", params, tz, lead_attrs)
    if key in log._cache:
        return log._cache[key]
    table = records_table(log, params)
    attrs = "".join(
        f", CAST(l.{quote_ident(a)} AS VARCHAR) AS {quote_ident(a)}" for a in lead_attrs
    )
    join = " LEFT JOIN leads l ON l.lead_id = r.lead_id" if lead_attrs else ""
    sums = ", ".join(f"sum({c})::BIGINT AS {c}" for c in COUNT_COLUMNS)
    out = log._con.execute(
        f"SELECT r.campaign_id, r.email_id, "
        f"CAST(timezone({quote_literal(tz)}, r.first_sent_at) AS DATE) AS send_day{attrs}, {sums} "
        f"FROM {table} r{join} GROUP BY ALL ORDER BY ALL"
    ).df()
    out["send_day"] = pd.to_datetime(out["send_day"])
    for a in lead_attrs:
        out[a] = out[a].fillna("(unknown)")
    _remember(log, key, out)
    return out
