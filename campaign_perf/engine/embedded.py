"""Records and the per-send-day cube, built by an engine and cached on the log.

The records of a set of rule settings are built once (the only heavy step) and kept as a
table in the engine. The cube sums them by campaign, email, send day in the report's zone
and any lead attributes asked for; on the sent basis it holds every send day, so any time
frame of whole days is a sum over it and never touches the events again.

:class:`DuckDBEngine` is the embedded engine. Another engine (Spark) provides the same
three methods, each returning pandas, so every view works unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable
from dataclasses import replace
from typing import Protocol

import duckdb
import pandas as pd

from campaign_perf.engine.cache import Cache, results_cache
from campaign_perf.engine.rules import (
    RuleParams,
    _ts,
    filtered_events_sql,
    records_from_aggregates_sql,
    records_sql,
)
from campaign_perf.engine.session import within_budget
from campaign_perf.engine.sql import quote_ident, quote_literal

__all__ = ["DuckDBEngine", "Engine"]

_MAX_CACHED = 16
Bounds = tuple[pd.Timestamp | None, pd.Timestamp | None]


class Engine(Protocol):
    """What a Report needs from an engine: records, cube and events, as pandas, and a
    cache for what the report computes from them."""

    def memo(self, key: Hashable, make: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        """The result kept under ``key``, or ``make()``'s, kept (see :mod:`.cache`)."""
        ...

    def cube(self, params: RuleParams, tz: str, lead_attrs: tuple[str, ...] = ()) -> pd.DataFrame:
        """Counts by campaign_id, email_id, send_day (datetime64), lead attributes."""
        ...

    def records(self, params: RuleParams, tz: str) -> pd.DataFrame:
        """One row per record with ``first_sent_at``, ``send_day`` and the counts."""
        ...

    def events(
        self,
        params: RuleParams,
        tz: str,
        sent_between: Bounds | None,
        event_types: tuple[str, ...] | None = None,
    ) -> pd.DataFrame:
        """The counted events of the records (first sent between the bounds, if given),
        optionally only of some event types."""
        ...


def _key(*parts: object) -> str:
    return hashlib.sha1(repr(parts).encode()).hexdigest()[:16]


class DuckDBEngine:
    """The embedded engine: the rules' SQL run in-process by DuckDB, results cached.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The connection holding the ``events`` and ``leads`` tables of a log.
    aggregates : str, optional
        A table of :func:`~campaign_perf.rules.record_aggregates_sql` over all events with
        default settings (the loader makes it on its way): records of default settings and
        an ``as_of`` at or after ``last_event`` are a view over it, not a new pass.
    last_event : pandas.Timestamp, optional
        The latest event of the log.
    guard : callable, optional
        Called before the events are read again; raises if an input changed since loading.
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        *,
        aggregates: str | None = None,
        last_event: pd.Timestamp | None = None,
        guard: Callable[[], None] | None = None,
    ) -> None:
        self.con = con
        self._aggregates = aggregates
        self._last_event = last_event
        self._guard = guard or (lambda: None)
        self._records: Cache[RuleParams, str] = Cache(_MAX_CACHED, on_evict=self._drop)
        self._cubes: Cache[Hashable, pd.DataFrame] = Cache(_MAX_CACHED)
        self._results = results_cache()

    def memo(self, key: Hashable, make: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        """A result a report computed from this engine's output, kept by its key."""
        return self._results.get(key, make)

    def _drop(self, params: RuleParams, name: str) -> None:
        kind = "VIEW" if name.startswith("records_view_") else "TABLE"
        self.con.execute(f"DROP {kind} IF EXISTS {name}")

    def _reuses_aggregates(self, params: RuleParams) -> bool:
        """Whether the load's aggregates hold these settings' records (defaults, late as_of)."""
        return (
            self._aggregates is not None
            and params.as_of is not None
            and (self._last_event is None or params.as_of >= self._last_event)
            and replace(params, as_of=None) == RuleParams(as_of=None)
        )

    def records_table(self, params: RuleParams) -> str:
        """The name of the engine table (or view) holding the records of these settings."""

        def make() -> str:
            if self._reuses_aggregates(params):
                name = f"records_view_{_key(params)}"
                sql = records_from_aggregates_sql(params, self._aggregates)  # type: ignore[arg-type]
                self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}")
                return name
            self._guard()
            name = f"records_{_key(params)}"
            with within_budget(self.con):
                self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {records_sql(params)}")
            return name

        return self._records.get(params, make)

    def records(self, params: RuleParams, tz: str) -> pd.DataFrame:
        """The records as a DataFrame, with ``send_day`` in the zone ``tz``."""
        table = self.records_table(params)
        out = self.con.execute(
            f"SELECT *, CAST(timezone({quote_literal(tz)}, first_sent_at) AS DATE) AS send_day "
            f"FROM {table} ORDER BY campaign_id, email_id, lead_id"
        ).df()
        out["send_day"] = pd.to_datetime(out["send_day"])
        return out

    def cube(self, params: RuleParams, tz: str, lead_attrs: tuple[str, ...] = ()) -> pd.DataFrame:
        """The counts of the records summed by campaign, email, send day and lead attributes.

        Parameters
        ----------
        params : RuleParams
            The rule settings (with ``frame`` set on the activity basis).
        tz : str
            The zone of the send days.
        lead_attrs : tuple of str
            Lead attributes to keep as dimensions (for grouping or filtering by them).

        Returns
        -------
        pandas.DataFrame
            ``campaign_id, email_id, send_day`` (datetime64, the local day of the first
            send), the lead attributes, then the counts of ``params.count_columns``.
        """
        return self._cubes.get((params, tz, lead_attrs), lambda: self._cube(params, tz, lead_attrs))

    def _cube(self, params: RuleParams, tz: str, lead_attrs: tuple[str, ...]) -> pd.DataFrame:
        table = self.records_table(params)
        attrs = "".join(
            f", CAST(l.{quote_ident(a)} AS VARCHAR) AS {quote_ident(a)}" for a in lead_attrs
        )
        join = " LEFT JOIN leads l ON l.lead_id = r.lead_id" if lead_attrs else ""
        sums = ", ".join(f"CAST(sum({c}) AS BIGINT) AS {c}" for c in params.count_columns)
        out = self.con.execute(
            f"SELECT r.campaign_id, r.email_id, "
            f"CAST(timezone({quote_literal(tz)}, r.first_sent_at) AS DATE) AS send_day{attrs}, "
            f"{sums} FROM {table} r{join} GROUP BY ALL ORDER BY ALL"
        ).df()
        out["send_day"] = pd.to_datetime(out["send_day"])
        for a in lead_attrs:
            out[a] = out[a].fillna("(unknown)")
        return out

    def events(
        self,
        params: RuleParams,
        tz: str,
        sent_between: Bounds | None,
        event_types: tuple[str, ...] | None = None,
    ) -> pd.DataFrame:
        """The counted events of the records, each with its record's first send.

        Parameters
        ----------
        params : RuleParams
            The rule settings.
        tz : str
            The zone of ``send_day``.
        sent_between : (Timestamp or None, Timestamp or None) or None
            Keep only records first sent in these half-open UTC bounds (sent basis).
        event_types : tuple of str, optional
            Keep only these event types.
        """
        table = self.records_table(params)
        self._guard()
        where = "e.f"
        if sent_between is not None:
            lo, hi = sent_between
            where += f" AND r.first_sent_at >= {_ts(lo)}" if lo is not None else ""
            where += f" AND r.first_sent_at < {_ts(hi)}" if hi is not None else ""
        if event_types:
            where += f" AND e.event_type IN ({', '.join(quote_literal(t) for t in event_types)})"
        out = self.con.execute(
            "SELECT e.campaign_id, e.email_id, e.lead_id, e.event_type, e.timestamp, e.link, "
            "e.is_bot, e.unsub_link, r.first_sent_at, "
            f"CAST(timezone({quote_literal(tz)}, r.first_sent_at) AS DATE) AS send_day "
            f"FROM ({filtered_events_sql(params)}) e JOIN {table} r "
            "ON e.campaign_id = r.campaign_id AND e.email_id = r.email_id "
            f"AND e.lead_id = r.lead_id WHERE {where} ORDER BY e.timestamp"
        ).df()
        out["send_day"] = pd.to_datetime(out["send_day"])
        return out
