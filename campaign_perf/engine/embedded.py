"""Records and the per-send-day cube, built by an engine and kept in its caches.

The records of a set of rule settings are built once (the only heavy step) and kept as a
table in the engine. The cube sums them by campaign, email, send day in the report's zone
and any lead attributes asked for; on the sent basis it holds every send day, so any time
frame of whole days is a sum over it and never touches the events again.

:class:`DuckDBEngine` is the embedded engine: it runs the SQL of :mod:`.rules` and
:mod:`.queries` as it is. Another engine (Spark) provides the same methods, each returning
pandas, so every view works unchanged.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Hashable
from typing import Protocol

import duckdb
import pandas as pd
import pyarrow as pa

from campaign_perf.engine.cache import Cache, results_cache
from campaign_perf.engine.frames import text_as_strings
from campaign_perf.engine.progress import watching
from campaign_perf.engine.queries import (
    ACTIVITY_KINDS,
    ENGAGEMENT_COUNTS,
    Bounds,
    activity_events_sql,
    activity_sql,
    bots_sql,
    counted_events_sql,
    cube_sql,
    engagement_cube_sql,
    in_setting,
    people_sql,
    records_by_day_sql,
    with_agents_sql,
)
from campaign_perf.engine.rules import (
    RuleParams,
    records_from_aggregates_sql,
    records_sql,
    serves,
)
from campaign_perf.engine.session import within_budget

__all__ = ["Bounds", "DuckDBEngine", "Engine"]

_MAX_CACHED = 16


class Engine(Protocol):
    """What a Report needs from an engine: records, cube and events, as pandas, and a
    cache for what the report computes from them."""

    #: Whether a small query costs less than keeping the per-send-day cube at hand (the
    #: embedded engine); else a report asks for the cube once and reslices it locally.
    cheap_queries: bool

    def memo(self, key: Hashable, make: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        """The result kept under ``key``, or ``make()``'s, kept (see :mod:`.cache`)."""
        ...

    def has(self, key: Hashable) -> bool:
        """Whether a result is kept under ``key``."""
        ...

    def cube(
        self,
        params: RuleParams,
        tz: str,
        lead_attrs: tuple[str, ...] = (),
        *,
        days: bool = True,
        sent_between: Bounds | None = None,
    ) -> pd.DataFrame:
        """Counts by campaign_id, email_id, send_day (datetime64; not with ``days=False``),
        lead attributes, of the records first sent between the bounds (if given)."""
        ...

    def records(self, params: RuleParams, tz: str) -> pd.DataFrame:
        """One row per record with ``first_sent_at``, ``send_day`` and the counts."""
        ...

    def people(self, params: RuleParams, lead_attrs: tuple[str, ...]) -> pd.DataFrame:
        """The people of the records counted by lead attributes (``people``)."""
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

    def engagement(self, params: RuleParams, tz: str, dims: tuple[str, ...]) -> pd.DataFrame:
        """Engagement by campaign_id, email_id, send_day and where it happened (dims)."""
        ...

    def activity(
        self,
        params: RuleParams,
        tz: str,
        kind: str,
        sent_between: Bounds | None = None,
        lead_attrs: tuple[str, ...] = (),
        hours: int = 72,
    ) -> pd.DataFrame:
        """Opens and clicks by campaign_id, email_id, send_day, lead attributes and the
        dimension of ``kind`` (see :func:`~campaign_perf.engine.queries.activity_sql`)."""
        ...

    def bots(self, params: RuleParams) -> pd.DataFrame:
        """The opens and clicks of the records flagged as bots, per reason (``reason, n``)."""
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
    agents : callable, optional
        Gives the table of the log's parsed user agents (client, OS, device per user
        agent), parsing them on its first call.
    progress : bool, optional
        Whether a report's queries that run long show a bar (see :mod:`.progress`).
    rows : int, optional
        The events of the log, for the bar's rows per second.
    """

    cheap_queries = True

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        *,
        aggregates: str | None = None,
        last_event: pd.Timestamp | None = None,
        guard: Callable[[], None] | None = None,
        progress: bool | None = None,
        rows: int | None = None,
        agents: Callable[[], str] | None = None,
    ) -> None:
        self.con = con
        self.progress = progress
        self._rows = rows
        self.agents = agents
        self._aggregates = aggregates
        self._last_event = last_event
        self._guard = guard or (lambda: None)
        self._records: Cache[RuleParams, str] = Cache(_MAX_CACHED, on_evict=self._drop)
        self._cubes: Cache[Hashable, pd.DataFrame] = Cache(_MAX_CACHED)
        self._activity: Cache[Hashable, str] = Cache(2, on_evict=self._drop_activity)
        self._results = results_cache()

    def memo(self, key: Hashable, make: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        """A result a report computed from this engine's output, kept by its key."""
        return self._results.get(key, make)

    def has(self, key: Hashable) -> bool:
        """Whether a result is kept under ``key``."""
        return key in self._results

    def _watching(self) -> contextlib.AbstractContextManager[None]:
        """A bar with the engine's progress while a report's query runs long."""
        return watching(self.con, "Counting", rows=self._rows, progress=self.progress)

    def _frame(self, sql: str) -> pd.DataFrame:
        """A query's result as pandas, through Arrow (text stays Arrow's: twice as fast as
        ``.df()`` on a cube's rows), dates as ``datetime64[us]`` midnights."""
        table = self.con.sql(sql).to_arrow_table()
        out = table.to_pandas(date_as_object=False)
        for field in table.schema:
            if pa.types.is_date(field.type):
                out[field.name] = out[field.name].astype("datetime64[us]")
        return out

    def _drop(self, params: RuleParams, name: str) -> None:
        kind = "VIEW" if name.startswith("records_view_") else "TABLE"
        self.con.execute(f"DROP {kind} IF EXISTS {name}")

    def _drop_activity(self, key: object, name: str) -> None:
        self.con.execute(f"DROP TABLE IF EXISTS {name}")

    def records_table(self, params: RuleParams) -> str:
        """The name of the engine table (or view) holding the records of these settings."""

        def make() -> str:
            if self._aggregates is not None and serves(params, self._last_event):
                name = f"records_view_{_key(params)}"
                sql = records_from_aggregates_sql(params, self._aggregates)
                self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}")
                return name
            self._guard()
            name = f"records_{_key(params)}"
            with within_budget(self.con), self._watching():
                self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {records_sql(params)}")
            return name

        return self._records.get(params, make)

    def records(self, params: RuleParams, tz: str) -> pd.DataFrame:
        """The records as a DataFrame, with ``send_day`` in the zone ``tz``."""
        out = self.con.execute(records_by_day_sql(self.records_table(params), tz)).df()
        out["send_day"] = pd.to_datetime(out["send_day"])
        return out

    def people(self, params: RuleParams, lead_attrs: tuple[str, ...]) -> pd.DataFrame:
        """The people of the records counted by their lead attributes, as text
        (:func:`~campaign_perf.engine.queries.people_sql`)."""

        def make() -> pd.DataFrame:
            return self._frame(people_sql(self.records_table(params), lead_attrs))

        return self._cubes.get(("people", params, lead_attrs), make)

    def cube(
        self,
        params: RuleParams,
        tz: str,
        lead_attrs: tuple[str, ...] = (),
        *,
        days: bool = True,
        sent_between: Bounds | None = None,
    ) -> pd.DataFrame:
        """The counts of the records summed by campaign, email, send day and lead attributes.

        Parameters
        ----------
        params : RuleParams
            The rule settings (with ``frame`` set on the activity basis).
        tz : str
            The zone of the send days.
        lead_attrs : tuple of str
            Lead attributes to keep as dimensions (for grouping or filtering by them).
        days : bool, default True
            Sum by send day; False: every send day of a campaign and email in one row.
        sent_between : (Timestamp or None, Timestamp or None), optional
            Only the records first sent in these half-open UTC bounds.

        Returns
        -------
        pandas.DataFrame
            ``campaign_id, email_id, send_day`` (datetime64, the local day of the first
            send; not with ``days=False``), the lead attributes, then the counts of
            ``params.count_columns``.
        """

        def make() -> pd.DataFrame:
            sql = cube_sql(
                params,
                self.records_table(params),
                tz,
                lead_attrs,
                days=days,
                sent_between=sent_between,
            )
            with self._watching():
                return self._frame(sql)

        return self._cubes.get((params, tz, lead_attrs, days, sent_between), make)

    def engagement(self, params: RuleParams, tz: str, dims: tuple[str, ...]) -> pd.DataFrame:
        """Opened, clicked, total opens and clicks split by where they happened.

        See :func:`~campaign_perf.engine.queries.engagement_cube_sql`; the client, OS and
        device of an event are its source's, else its parsed user agent's.
        """

        counting = params.counting_machine_opens()

        def make() -> pd.DataFrame:
            table = self.records_table(counting)
            self._guard()
            events = f"({with_agents_sql('events', self.agents())})" if self.agents else "events"
            out = self.con.execute(engagement_cube_sql(counting, events, table, tz, dims)).df()
            out["send_day"] = pd.to_datetime(out["send_day"])
            return out

        both = self._cubes.get(("engagement", counting, tz, dims), make)
        return in_setting(both, params.machine_opens, ENGAGEMENT_COUNTS)

    def activity(
        self,
        params: RuleParams,
        tz: str,
        kind: str,
        sent_between: Bounds | None = None,
        lead_attrs: tuple[str, ...] = (),
        hours: int = 72,
    ) -> pd.DataFrame:
        """Opens and clicks by campaign, email, send day, lead attributes and the dimension
        of ``kind``: ``hours`` since the send, ``clock`` (weekday and hour) or ``clicks`` (by
        link and person); see :func:`~campaign_perf.engine.queries.activity_sql`.

        The events are joined with their records once for every kind and both
        machine-opens settings (a table kept while the same settings are asked for), then
        summed per kind.
        """
        counting = params.counting_machine_opens()
        shared = (counting, tz, sent_between, lead_attrs)

        def table() -> str:
            records = self.records_table(counting)
            self._guard()
            name = f"activity_{_key(*shared)}"
            sql = activity_events_sql(counting, "events", records, tz, sent_between, lead_attrs)
            with within_budget(self.con), self._watching():
                self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
            return name

        def make() -> pd.DataFrame:
            source = self._activity.get(shared, table)
            return self._frame(activity_sql(source, kind, lead_attrs, hours=hours))

        both = self._cubes.get(("activity", kind, hours, *shared), make)
        return in_setting(both, params.machine_opens, ACTIVITY_KINDS[kind][1])

    def bots(self, params: RuleParams) -> pd.DataFrame:
        """The opens and clicks of the records flagged as bots, per reason (``reason, n``),
        excluded or not (see :func:`~campaign_perf.engine.queries.bots_sql`)."""

        def make() -> pd.DataFrame:
            table = self.records_table(params)
            self._guard()
            return self.con.execute(bots_sql(params, "events", table)).df()

        return self._cubes.get(("bots", params), make)

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
        sql = counted_events_sql(params, "events", table, tz, sent_between, event_types)
        with self._watching():
            rel = self.con.sql(sql)
            out = rel.df()
        out["send_day"] = pd.to_datetime(out["send_day"])
        text = (n for n, k in zip(rel.columns, rel.types, strict=True) if str(k) == "VARCHAR")
        return text_as_strings(out, text)
