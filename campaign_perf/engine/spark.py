"""The Spark engine: the rules and queries of this package, transpiled, run by Spark.

Nothing is written again for Spark. The SQL of :mod:`.rules` and :mod:`.queries` (DuckDB's
dialect) is transpiled to Spark SQL by sqlglot (:func:`to_spark_sql`); this module supplies
only what is Spark's own: the session (:func:`local_spark`), temporary views, persisting
records, and collecting results to pandas (:func:`to_pandas`) in the types the embedded
engine returns, so that every view works unchanged.

Spark is an optional extra: ``pip install 'campaign_perf[spark]'`` (PySpark and sqlglot;
Spark also needs a Java runtime).
"""

from __future__ import annotations

import functools
import itertools
import os
import sys
import warnings
from collections.abc import Callable, Hashable
from typing import Any

import pandas as pd

from campaign_perf.engine.cache import Cache, results_cache
from campaign_perf.engine.frames import text_as_strings
from campaign_perf.engine.queries import (
    ACTIVITY_KINDS,
    ENGAGEMENT_COUNTS,
    RECIPIENT_DOMAIN,
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
from campaign_perf.engine.rules import RuleParams, records_sql
from campaign_perf.engine.sql import quote_ident

try:
    import sqlglot
    from pyspark import StorageLevel
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql import functions as F
    from pyspark.sql import types as T
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        "campaign_perf.spark needs PySpark and sqlglot: pip install 'campaign_perf[spark]'"
    ) from exc

__all__ = ["SparkEngine", "local_spark", "spark_ident", "to_pandas", "to_spark_sql"]

_MAX_CACHED = 16
_ids = itertools.count()


# ---------------------------------------------------------------------------------
# Spark session and SQL
# ---------------------------------------------------------------------------------
def local_spark(cores: int = 2, *, app_name: str = "campaign_perf", **conf: str) -> SparkSession:
    """A Spark session in local mode, set up for campaign_perf.

    Parameters
    ----------
    cores : int, default 2
        Worker threads (``local[cores]``).
    app_name : str
        The application's name.
    **conf : str
        More Spark settings, e.g. ``local_spark(**{"spark.driver.memory": "8g"})``.

    Returns
    -------
    pyspark.sql.SparkSession
        The session (the active one, if a session already runs in this process): UTC
        session time zone, 4 shuffle partitions, Arrow transfers to pandas, no web UI, the
        records of only the last few queries kept, and the driver bound to the loopback
        interface.
    """
    settings = {
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": "4",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        # Spark keeps the plans and metrics of its last 1,000 queries, jobs and stages in
        # the driver's memory even without a web UI; a notebook that reslices a report runs
        # many queries, and those records filled a 1 GB driver (queries then failed with
        # AGGREGATE_OUT_OF_MEMORY). Keep a few.
        "spark.sql.ui.retainedExecutions": "20",
        "spark.ui.retainedJobs": "50",
        "spark.ui.retainedStages": "50",
        "spark.ui.retainedTasks": "1000",
        **conf,
    }
    # Bind to the loopback interface from the start (no warning about the host name).
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # Python workers run this interpreter (the one with pandas and pyarrow), not `python3`.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder.master(f"local[{int(cores)}]").appName(app_name)
    for key, value in settings.items():
        builder = builder.config(key, value)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # PySpark's notice about pandas 3
        spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


@functools.lru_cache(maxsize=256)
def to_spark_sql(sql: str) -> str:
    """Transpile campaign_perf's DuckDB SQL (the rules) to Spark SQL.

    Parameters
    ----------
    sql : str
        A query in DuckDB's dialect, such as :func:`campaign_perf.rules.records_sql`.

    Returns
    -------
    str
        The same query in Spark SQL. A construct sqlglot cannot express in Spark raises
        ``sqlglot.errors.UnsupportedError`` rather than changing meaning silently.
    """
    return sqlglot.transpile(
        sql, read="duckdb", write="spark", unsupported_level=sqlglot.ErrorLevel.RAISE
    )[0]


def spark_ident(name: str) -> str:
    """Quote a column name for Spark (backticks)."""
    return "`" + name.replace("`", "``") + "`"


def to_pandas(df: DataFrame) -> pd.DataFrame:
    """Collect a (small) Spark DataFrame as pandas, in the embedded engine's types.

    Timestamps travel as microseconds since the epoch, so the result does not depend on
    the session's time zone: they come back as ``datetime64[us, UTC]`` instants, and dates
    (day numbers, by ``unix_date``) as ``datetime64[us]`` midnights.
    """
    kinds = {f.name: type(f.dataType) for f in df.schema.fields}
    instants = [c for c, k in kinds.items() if k is T.TimestampType]
    days = [c for c, k in kinds.items() if k is T.DateType]
    cols = [
        F.unix_micros(F.col(spark_ident(c))).alias(c)
        if c in instants
        else F.unix_date(F.col(spark_ident(c))).alias(c)
        if c in days
        else F.col(spark_ident(c))
        for c in df.columns
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # PySpark's notice about pandas 3
        out = df.select(*cols).toPandas()
    for c in instants:
        micros = out[c].astype("Int64")
        out[c] = pd.to_datetime(micros, unit="us", utc=True).astype("datetime64[us, UTC]")
    for c in days:
        out[c] = pd.to_datetime(out[c].astype("Int64"), unit="D").astype("datetime64[us]")
    return text_as_strings(out, (c for c, k in kinds.items() if k is T.StringType))


# ---------------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------------
class SparkEngine:
    """The rules' SQL, transpiled to Spark SQL, run by Spark; the results come back as pandas.

    Implements :class:`campaign_perf.engine.embedded.Engine`. Records are built once per set
    of rule settings and kept persisted in Spark (memory, spilling to disk); cubes and the
    reports' results are kept as pandas (see :mod:`.cache`).

    Parameters
    ----------
    spark : SparkSession
        The session holding the events view.
    events_view : str
        The temporary view of the canonical events (duplicates merged, orphans set aside).
    con : duckdb.DuckDBPyConnection
        The log's embedded connection, which holds the ``leads`` table.
    agents : str, optional
        The Spark view of the log's parsed user agents (client, OS, device per user agent).
    """

    cheap_queries = False  # a reslice never goes back to it

    def __init__(
        self, spark: SparkSession, events_view: str, con: Any, *, agents: str | None = None
    ) -> None:
        self.spark = spark
        self.agents = agents
        self.events_view = events_view
        self.con = con
        self._records: Cache[RuleParams, tuple[str, DataFrame | None]] = Cache(
            _MAX_CACHED, on_evict=self._release
        )
        self._leads: Cache[tuple[str, ...], tuple[str, DataFrame | None]] = Cache(
            _MAX_CACHED, on_evict=self._release
        )
        self._cubes: Cache[Hashable, pd.DataFrame] = Cache(_MAX_CACHED)
        self._results = results_cache()

    def memo(self, key: Hashable, make: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        """A result a report computed from this engine's output, kept by its key."""
        return self._results.get(key, make)

    def has(self, key: Hashable) -> bool:
        """Whether a result is kept under ``key``."""
        return key in self._results

    def _release(self, key: object, view: tuple[str, DataFrame | None]) -> None:
        name, df = view
        if df is not None:
            df.unpersist()
        self.spark.catalog.dropTempView(name)

    def _sql(self, sql: str) -> DataFrame:
        return self.spark.sql(to_spark_sql(sql))

    def records_view(self, params: RuleParams) -> str:
        """The name of the Spark view holding the records for these rule settings."""

        def make() -> tuple[str, DataFrame | None]:
            name = f"{self.events_view}_records_{next(_ids)}"
            df = self._sql(records_sql(params, self.events_view))
            df = df.persist(StorageLevel.MEMORY_AND_DISK)
            df.createOrReplaceTempView(name)
            return name, df

        return self._records.get(params, make)[0]

    def records(self, params: RuleParams, tz: str) -> pd.DataFrame:
        """The records (collected to pandas), with ``send_day`` in the zone ``tz``.

        One row per record: meant for drill-down into small slices, not for big data.
        """
        return to_pandas(self._sql(records_by_day_sql(self.records_view(params), tz)))

    def _leads_view(self, attrs: tuple[str, ...]) -> str:
        """A Spark view of lead ids and these attributes, as text (cast by the embedded
        engine, so the values read exactly as they do there)."""

        def make() -> tuple[str, DataFrame | None]:
            cast = ", ".join(
                f"CAST({quote_ident(a)} AS VARCHAR) AS {quote_ident(a)}" for a in attrs
            )
            leads = self.con.execute(f"SELECT lead_id, {cast} FROM leads").df()
            schema = T.StructType(
                [T.StructField(c, T.StringType(), True) for c in ("lead_id", *attrs)]
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)  # PySpark's pandas 3 notice
                df = self.spark.createDataFrame(leads.astype(object), schema=schema)
            name = f"{self.events_view}_leads_{next(_ids)}"
            df.createOrReplaceTempView(name)
            return name, None

        return self._leads.get(attrs, make)[0]

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

        A Spark group-by; only the (small) cube is collected, as
        :meth:`DuckDBEngine.cube <campaign_perf.engine.embedded.DuckDBEngine.cube>` returns it.
        """

        def make() -> pd.DataFrame:
            attrs = tuple(a for a in lead_attrs if a != RECIPIENT_DOMAIN)
            leads = self._leads_view(attrs) if attrs else ""
            view = self.records_view(params)
            sql = cube_sql(
                params, view, tz, lead_attrs, leads, days=days, sent_between=sent_between
            )
            return to_pandas(self._sql(sql))

        return self._cubes.get((params, tz, lead_attrs, days, sent_between), make)

    def events(
        self,
        params: RuleParams,
        tz: str,
        sent_between: Bounds | None,
        event_types: tuple[str, ...] | None = None,
    ) -> pd.DataFrame:
        """The counted events of the records (collected to pandas: for small slices); see
        :func:`~campaign_perf.engine.queries.counted_events_sql`."""
        view = self.records_view(params)
        sql = counted_events_sql(params, self.events_view, view, tz, sent_between, event_types)
        return to_pandas(self._sql(sql))

    def engagement(self, params: RuleParams, tz: str, dims: tuple[str, ...]) -> pd.DataFrame:
        """Engagement split by where it happened (see :meth:`DuckDBEngine.engagement
        <campaign_perf.engine.embedded.DuckDBEngine.engagement>`); a Spark group-by."""

        counting = params.counting_machine_opens()

        def make() -> pd.DataFrame:
            view = self.records_view(counting)
            events = self.events_view
            if self.agents:
                events = f"({with_agents_sql(self.events_view, self.agents)})"
            return to_pandas(self._sql(engagement_cube_sql(counting, events, view, tz, dims)))

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
        """Opens and clicks by one more dimension (see :meth:`DuckDBEngine.activity
        <campaign_perf.engine.embedded.DuckDBEngine.activity>`); a Spark group-by."""

        def make() -> pd.DataFrame:
            attrs = tuple(a for a in lead_attrs if a != RECIPIENT_DOMAIN)
            leads = self._leads_view(attrs) if attrs else ""
            counting = params.counting_machine_opens()
            view = self.records_view(counting)
            events = activity_events_sql(
                counting, self.events_view, view, tz, sent_between, lead_attrs, leads
            )
            return to_pandas(self._sql(activity_sql(f"({events})", kind, lead_attrs, hours=hours)))

        counting = params.counting_machine_opens()
        key = ("activity", kind, hours, counting, tz, sent_between, lead_attrs)
        both = self._cubes.get(key, make)
        return in_setting(both, params.machine_opens, ACTIVITY_KINDS[kind][1])

    def people(self, params: RuleParams, lead_attrs: tuple[str, ...]) -> pd.DataFrame:
        """The people of the records counted by their lead attributes; a Spark group-by
        (see :func:`~campaign_perf.engine.queries.people_sql`)."""

        def make() -> pd.DataFrame:
            attrs = tuple(a for a in lead_attrs if a != RECIPIENT_DOMAIN)
            leads = self._leads_view(attrs) if attrs else ""
            return to_pandas(self._sql(people_sql(self.records_view(params), lead_attrs, leads)))

        return self._cubes.get(("people", params, lead_attrs), make)

    def bots(self, params: RuleParams) -> pd.DataFrame:
        """The opens and clicks of the records flagged as bots, per reason (``reason, n``)."""

        def make() -> pd.DataFrame:
            view = self.records_view(params)
            return to_pandas(self._sql(bots_sql(params, self.events_view, view)))

        return self._cubes.get(("bots", params), make)

    def close(self) -> None:
        """Release the persisted records and drop the views this engine made."""
        for cache in (self._records, self._leads, self._cubes, self._results):
            cache.clear()
