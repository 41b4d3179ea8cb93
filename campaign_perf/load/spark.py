"""The counting rules on Apache Spark: events that outgrow one machine, the same reports.

The rules are not written again for Spark. The one SQL source of
:mod:`campaign_perf.rules` (DuckDB dialect) is transpiled to Spark SQL by sqlglot and run
over the canonical events, registered as a temporary view. The loader checks rows, merges
duplicates and sets orphans aside in Spark SQL too, with the ledger reasons of
:func:`~campaign_perf.load_events`, so no event passes through the driver. What comes back
to Python is small: the per-send-day cube (as pandas, so that :class:`~campaign_perf.Report`
and every view work unchanged), the rejected-rows ledger, the merged duplicates and the
dimension tables.

Spark is an optional extra: ``pip install 'campaign_perf[spark]'`` (PySpark and sqlglot;
Spark also needs a Java runtime).

Examples
--------
>>> import campaign_perf as cp
>>> from campaign_perf.spark import load_events_spark, local_spark
>>> spark = local_spark()  # doctest: +SKIP
>>> log = load_events_spark("s3a://bucket/events/*.parquet", spark,
...                         campaigns="campaigns.csv")  # doctest: +SKIP
>>> cp.Report(log, time_frame="last month").table()  # doctest: +SKIP
"""

from __future__ import annotations

import functools
import itertools
import os
import sys
import warnings
from collections.abc import Callable, Hashable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from campaign_perf.engine.cache import Cache, results_cache
from campaign_perf.engine.rules import RuleParams, filtered_events_sql, records_sql
from campaign_perf.engine.session import connect
from campaign_perf.engine.sql import quote_ident
from campaign_perf.errors import LoadError
from campaign_perf.load import parse as _parse
from campaign_perf.load.dimensions import Dimensions, load_dimensions
from campaign_perf.load.eventlog import EventLog, LoadSummary
from campaign_perf.load.loader import (
    _ORPHAN_REASON,
    canonical_names,
    combine_ledgers,
    warn_rejected,
)
from campaign_perf.schema import CANONICAL_COLUMNS
from campaign_perf.timeframes import check_tz

try:
    import sqlglot
    from pyspark import StorageLevel
    from pyspark.errors import AnalysisException
    from pyspark.sql import Column, DataFrame, SparkSession
    from pyspark.sql import functions as F
    from pyspark.sql import types as T
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        "campaign_perf.spark needs PySpark and sqlglot: pip install 'campaign_perf[spark]'"
    ) from exc

if TYPE_CHECKING:
    from campaign_perf.engine.embedded import Bounds

__all__ = ["SparkEngine", "SparkEventLog", "load_events_spark", "local_spark", "to_spark_sql"]

#: A row's ``_seq`` is its input's number times this, plus its 1-based row number.
_SEQ_BASE = 2**40
#: Low bits of ``monotonically_increasing_id()``: the row's number within its partition.
_PARTITION_BITS = 33
_MAX_CACHED = 16
#: A string with a time of day in it (as the embedded loader asks before reading a zone).
_HAS_TIME = r"\d:\d"
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
        session time zone, 4 shuffle partitions, Arrow transfers to pandas, no web UI, and
        the driver bound to the loopback interface.
    """
    settings = {
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": "4",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
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


def _ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _lit(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _ts_lit(value: pd.Timestamp) -> str:
    """An instant as an exact Spark timestamp expression (microseconds since the epoch)."""
    micros = (pd.Timestamp(value) - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(1, unit="us")
    return f"timestamp_micros({micros})"


def _send_day(col: str, tz: str) -> str:
    """Spark SQL of the local day (days since 1970-01-01) of a UTC instant in zone ``tz``."""
    return f"unix_date(to_date(from_utc_timestamp({col}, {_lit(tz)})))"


def _to_pandas(
    df: DataFrame, *, instants: Iterable[str] = (), days: Iterable[str] = ()
) -> pd.DataFrame:
    """Collect a (small) Spark DataFrame as pandas, with timestamps as UTC instants.

    Timestamps travel as microseconds since the epoch, so the result does not depend on
    the session's time zone: the ``instants`` columns come back as ``datetime64[us, UTC]``,
    and the ``days`` columns (day numbers, from ``unix_date``) as ``datetime64[us]``
    midnights, as the embedded engine returns them.
    """
    instants, days = list(instants), list(days)
    cols = [
        F.unix_micros(F.col(_ident(c))).alias(c) if c in instants else F.col(_ident(c))
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
    return out


# ---------------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------------
class SparkEngine:
    """The rules' SQL, transpiled to Spark SQL, run by Spark; the results come back as pandas.

    Implements :class:`campaign_perf.cube.Engine`. Records are built once per set of rule
    settings and kept persisted in Spark (memory, spilling to disk); cubes are cached as
    pandas.

    Parameters
    ----------
    spark : SparkSession
        The session holding the events view.
    events_view : str
        The temporary view of the canonical events (duplicates merged, orphans set aside).
    con : duckdb.DuckDBPyConnection
        The log's embedded connection, which holds the ``leads`` table.
    """

    def __init__(self, spark: SparkSession, events_view: str, con: Any) -> None:
        self.spark = spark
        self.events_view = events_view
        self.con = con
        self._records: Cache[RuleParams, tuple[str, DataFrame]] = Cache(
            _MAX_CACHED, on_evict=self._release
        )
        self._cubes: Cache[Hashable, pd.DataFrame] = Cache(_MAX_CACHED)
        self._leads: Cache[tuple[str, ...], tuple[str, None]] = Cache(
            _MAX_CACHED, on_evict=self._release
        )
        self._results = results_cache()

    def memo(self, key: Hashable, make: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        """A result a report computed from this engine's output, kept by its key."""
        return self._results.get(key, make)

    def _release(self, key: object, view: tuple[str, DataFrame | None]) -> None:
        name, df = view
        if df is not None:
            df.unpersist()
        self.spark.catalog.dropTempView(name)

    def records_view(self, params: RuleParams) -> str:
        """The name of the Spark view holding the records for these rule settings."""

        def make() -> tuple[str, DataFrame]:
            name = f"{self.events_view}_records_{next(_ids)}"
            df = self.spark.sql(to_spark_sql(records_sql(params, self.events_view)))
            df = df.persist(StorageLevel.MEMORY_AND_DISK)
            df.createOrReplaceTempView(name)
            return name, df

        return self._records.get(params, make)[0]

    def records(self, params: RuleParams, tz: str) -> pd.DataFrame:
        """The records (collected to pandas), with ``send_day`` in the zone ``tz``.

        One row per record: meant for drill-down into small slices, not for big data.
        """
        view = self.records_view(params)
        df = self.spark.sql(
            f"SELECT *, {_send_day('first_sent_at', tz)} AS send_day FROM {view} "
            "ORDER BY campaign_id, email_id, lead_id"
        )
        return _to_pandas(df, instants=["first_sent_at"], days=["send_day"])

    def _leads_view(self, attrs: tuple[str, ...]) -> str:
        """A Spark view of lead ids and these attributes, as text (cast by the embedded
        engine, so the values read exactly as they do there)."""

        def make() -> tuple[str, None]:
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

    def cube(self, params: RuleParams, tz: str, lead_attrs: tuple[str, ...] = ()) -> pd.DataFrame:
        """The counts of the records summed by campaign, email, send day and lead attributes.

        A Spark group-by; only the (small) cube is collected.

        Parameters
        ----------
        params : RuleParams
            The rule settings (with ``frame`` set on the activity basis).
        tz : str
            The zone of the send days.
        lead_attrs : tuple of str
            Lead attributes to keep as dimensions.

        Returns
        -------
        pandas.DataFrame
            ``campaign_id, email_id, send_day`` (datetime64), the lead attributes, then the
            counts of ``params.count_columns``, as :meth:`DuckDBEngine.cube` returns them.
        """
        return self._cubes.get((params, tz, lead_attrs), lambda: self._cube(params, tz, lead_attrs))

    def _cube(self, params: RuleParams, tz: str, lead_attrs: tuple[str, ...]) -> pd.DataFrame:
        view = self.records_view(params)
        attrs = "".join(f", l.{_ident(a)}" for a in lead_attrs)
        join = ""
        if lead_attrs:
            join = f" LEFT JOIN {self._leads_view(lead_attrs)} l ON l.lead_id = r.lead_id"
        sums = ", ".join(
            f"CAST(sum(r.{_ident(c)}) AS BIGINT) AS {_ident(c)}" for c in params.count_columns
        )
        keys = ", ".join(str(i) for i in range(1, 4 + len(lead_attrs)))
        df = self.spark.sql(
            f"SELECT r.campaign_id, r.email_id, {_send_day('r.first_sent_at', tz)} AS send_day"
            f"{attrs}, {sums} FROM {view} r{join} GROUP BY {keys}"
        )
        out = _to_pandas(df, days=["send_day"])
        for a in lead_attrs:
            out[a] = out[a].fillna("(unknown)")
        for c in params.count_columns:
            out[c] = out[c].astype("int64")
        order = ["campaign_id", "email_id", "send_day", *lead_attrs]
        return out.sort_values(order, ignore_index=True, kind="stable")

    def events(
        self,
        params: RuleParams,
        tz: str,
        sent_between: Bounds | None,
        event_types: tuple[str, ...] | None = None,
    ) -> pd.DataFrame:
        """The counted events of the records (collected to pandas: for small slices).

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
        view = self.records_view(params)
        where = "e.f"
        if sent_between is not None:
            lo, hi = sent_between
            where += f" AND r.first_sent_at >= {_ts_lit(lo)}" if lo is not None else ""
            where += f" AND r.first_sent_at < {_ts_lit(hi)}" if hi is not None else ""
        if event_types:
            where += f" AND e.event_type IN ({', '.join(_lit(t) for t in event_types)})"
        filtered = to_spark_sql(filtered_events_sql(params, self.events_view))
        df = self.spark.sql(
            "SELECT e.campaign_id, e.email_id, e.lead_id, e.event_type, e.timestamp, e.link, "
            f"e.is_bot, e.unsub_link, r.first_sent_at, {_send_day('r.first_sent_at', tz)} "
            f"AS send_day FROM ({filtered}) e JOIN {view} r "
            "ON e.campaign_id = r.campaign_id AND e.email_id = r.email_id "
            f"AND e.lead_id = r.lead_id WHERE {where} ORDER BY e.timestamp"
        )
        return _to_pandas(df, instants=["timestamp", "first_sent_at"], days=["send_day"])

    def close(self) -> None:
        """Release the persisted records and drop the views this engine made."""
        for cache in (self._records, self._leads, self._cubes, self._results):
            cache.clear()


class SparkEventLog(EventLog):
    """An :class:`~campaign_perf.EventLog` whose events live in Spark.

    Made by :func:`load_events_spark`. Reports over it run on Spark through
    :class:`SparkEngine`; the dimension tables, the ledger and the merged duplicates are
    pandas, as for any log.

    Attributes
    ----------
    spark : SparkSession
        The session holding the events.
    events_view : str
        The name of the temporary view of the canonical events (with ``_seq``, the input's
        number times 2**40 plus the row number).
    """

    def __init__(
        self,
        con: Any,
        summary: LoadSummary,
        dims: Dimensions,
        rejected: pd.DataFrame,
        duplicates: pd.DataFrame,
        *,
        spark: SparkSession,
        events_view: str,
        events_frame: DataFrame,
        cached: Iterable[DataFrame] = (),
    ) -> None:
        self.engine: SparkEngine = SparkEngine(spark, events_view, con)
        super().__init__(con, summary, dims, rejected, duplicates, engine=self.engine)
        self.spark = spark
        self.events_view = events_view
        self._spark_events = events_frame
        self._cached = list(cached)

    def close(self) -> None:
        """Release what the log keeps in Spark (persisted events and records, views).

        Reports over the log cannot be computed afterwards.
        """
        self.engine.close()
        for df in self._cached:
            df.unpersist()
        self.spark.catalog.dropTempView(self.events_view)

    @property
    def spark_events(self) -> DataFrame:
        """The canonical events as a Spark DataFrame (``_seq`` then the canonical columns)."""
        return self._spark_events

    @property
    def events(self) -> pd.DataFrame:
        """The canonical events collected to pandas, with their source and row.

        This brings every event to the driver: use it on small data only (use
        :attr:`spark_events` otherwise).
        """
        if self._events is None:
            cols = [*CANONICAL_COLUMNS, "_seq"]
            df = self._spark_events.select(*(_ident(c) for c in cols)).orderBy("_seq")
            out = _to_pandas(df, instants=["timestamp"])
            labels = dict(enumerate(self._summary.inputs))
            out["source"] = (out["_seq"] // _SEQ_BASE).map(labels)
            out["row"] = (out["_seq"] % _SEQ_BASE).astype("int64")
            self._events = out.drop(columns="_seq")
        return self._events

    def __repr__(self) -> str:
        return "<Spark" + super().__repr__()[1:]


# ---------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------
def load_events_spark(
    data: DataFrame | str | Path | Iterable[DataFrame | str | Path],
    spark: SparkSession | None = None,
    *,
    campaigns: str | Path | pd.DataFrame | None = None,
    emails: str | Path | pd.DataFrame | None = None,
    leads: str | Path | pd.DataFrame | None = None,
    columns: Mapping[str, str] | None = None,
    tz: str = "UTC",
    warn: bool = True,
) -> SparkEventLog:
    """Load canonical events into Spark and return an event log that reports run on.

    The rows are checked against the canonical schema (RULES.md section 1), exact
    duplicates merged and orphaned activity set aside, all in Spark SQL with the same
    rules and ledger reasons as :func:`campaign_perf.load_events`.

    Parameters
    ----------
    data : Spark DataFrame, path, or a list of them
        Canonical events: a Spark DataFrame, or paths Spark reads (Parquet files or
        folders, ``.csv``/``.tsv`` with a header, ``.jsonl``/``.ndjson``), globs and
        remote URLs included. Each item is one input of the ledger.
    spark : SparkSession, optional
        The session; default the active session, or a new :func:`local_spark`. Its SQL
        time zone is set to UTC (zones are applied explicitly, as in the embedded engine).
    campaigns, emails, leads : path or pandas DataFrame, optional
        Dimension tables, as in :func:`campaign_perf.load_events` (read with pandas).
    columns : mapping, optional
        Renames input columns to canonical names.
    tz : str, default "UTC"
        IANA zone in which timestamps without a zone are read.
    warn : bool, default True
        Issue a :class:`~campaign_perf.RejectedRowsWarning` when rows were rejected.

    Returns
    -------
    SparkEventLog
        ``Report(log)`` works as for any log; the engine is a :class:`SparkEngine`.

    Raises
    ------
    SchemaError
        A required column is missing.
    LoadError
        A path cannot be read, or an input holds no rows.

    Notes
    -----
    The ledger's ``row`` is the 1-based position in the input (file order for files; for
    a DataFrame, its partition order). Timestamp strings are read by Spark's own ISO 8601
    parser, which is stricter than DuckDB's for unusual layouts (``2026/05/13``).

    Examples
    --------
    >>> spark = local_spark()  # doctest: +SKIP
    >>> log = load_events_spark("sample_data/events.parquet", spark,
    ...                         campaigns="sample_data/campaigns.csv")  # doctest: +SKIP
    >>> cp.Report(log, time_frame="past 30 days", today="as_of").table()  # doctest: +SKIP
    """
    tz = check_tz(tz)
    if spark is None:
        spark = SparkSession.getActiveSession() or local_spark()
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    loader = _SparkLoader(spark, tz=tz, columns=dict(columns or {}))
    items = [data] if isinstance(data, (DataFrame, str, Path)) else list(data)
    if not items:
        raise LoadError("no input: give a path, a list of paths or a Spark DataFrame")
    for item in items:
        loader.add(item)
    log = loader.finish(campaigns=campaigns, emails=emails, leads=leads)
    if warn:
        warn_rejected(log)
    return log


_SPARK_TO_DUCKDB = {
    T.StringType: "VARCHAR",
    T.VarcharType: "VARCHAR",
    T.CharType: "VARCHAR",
    T.BooleanType: "BOOLEAN",
    T.ByteType: "TINYINT",
    T.ShortType: "SMALLINT",
    T.IntegerType: "INTEGER",
    T.LongType: "BIGINT",
    T.FloatType: "FLOAT",
    T.DoubleType: "DOUBLE",
    T.DecimalType: "DECIMAL",
    T.TimestampType: "TIMESTAMP WITH TIME ZONE",
    T.TimestampNTZType: "TIMESTAMP",
    T.DateType: "DATE",
}


def _duckdb_type(dtype: T.DataType) -> str:
    """The DuckDB name of a Spark type, to reuse the loader's column parsers."""
    return _SPARK_TO_DUCKDB.get(type(dtype), "VARCHAR")


def _epoch_sql(num: str) -> str:
    """Epoch seconds or milliseconds (told apart by magnitude, as the embedded loader does)."""
    x = f"CAST({num} AS DOUBLE)"
    return (
        f"CASE WHEN abs({x}) >= {_parse.EPOCH_MS_THRESHOLD} "
        f"THEN timestamp_millis(CAST(round({x}) AS BIGINT)) "
        f"ELSE timestamp_micros(CAST(round({x} * 1000000) AS BIGINT)) END"
    )


def _timestamp_sql(name: str, dtype: T.DataType, tz: str) -> str:
    """Spark SQL of a timestamp column of any supported type as a UTC instant (NULL when
    unreadable).

    The Spark counterpart of :func:`campaign_perf._parse.timestamp_sql`: naive values are
    read in ``tz``; strings may be ISO 8601 with or without a zone, or epoch numbers.
    """
    c, z = _ident(name), _lit(tz)
    if isinstance(dtype, T.TimestampType):
        return c
    if isinstance(dtype, (T.TimestampNTZType, T.DateType)):
        return f"to_utc_timestamp(CAST(CAST({c} AS TIMESTAMP_NTZ) AS TIMESTAMP), {z})"
    if isinstance(dtype, T.NumericType):
        return _epoch_sql(c)
    s = f"trim(CAST({c} AS STRING))"
    return (
        f"CASE WHEN {s} = '' THEN NULL "
        f"WHEN {s} RLIKE {_lit(f'^{_parse._EPOCH}$')} "
        f"THEN {_epoch_sql(f'try_cast({s} AS DOUBLE)')} "
        f"WHEN {s} RLIKE {_lit(_parse._ZONE_SUFFIX)} AND {s} RLIKE {_lit(_HAS_TIME)} "
        f"THEN try_cast({s} AS TIMESTAMP) "
        f"ELSE to_utc_timestamp(CAST(try_cast({s} AS TIMESTAMP_NTZ) AS TIMESTAMP), {z}) END"
    )


class _SparkLoader:
    """Reads inputs into staged Spark DataFrames, then merges duplicates and orphans.

    Spark jobs, for clean data: one per input (parse and stage, counting rows per
    partition), one for the duplicates, one that flags records without a send and sums
    up. The ledger's rows are read again only when there are bad rows or orphans.
    """

    def __init__(self, spark: SparkSession, *, tz: str, columns: dict[str, str]) -> None:
        self.spark = spark
        self.tz = tz
        self.columns = columns
        self.inputs: list[str] = []
        self.rows_read = 0
        self.rejected: list[pd.DataFrame] = []
        self.staged: list[DataFrame] = []

    def _read(self, item: str | Path) -> DataFrame:
        path = str(item)
        name = path.lower().removesuffix(".gz").removesuffix(".zst")
        reader = self.spark.read
        try:
            if name.endswith((".csv", ".txt")):
                return reader.csv(path, header=True)
            if name.endswith(".tsv"):
                return reader.csv(path, header=True, sep="\t")
            if name.endswith((".jsonl", ".ndjson", ".json")):
                return reader.json(path)
            return reader.parquet(path)
        except AnalysisException as exc:
            raise LoadError(f"{path}: cannot be read: {_first_line(exc)}") from exc

    def _raw_names(self, label: str, found: list[str]) -> dict[str, str]:
        """Canonical name -> input column; a SchemaError when a required one is missing."""
        return canonical_names(label, found, self.columns)

    def _parsed(self, df: DataFrame, raw: dict[str, str]) -> DataFrame:
        """The canonical columns parsed from the raw ones, the reason a row is rejected
        (NULL for a good row), ``__cp_mid`` (see :meth:`add`) and every raw value as text."""
        types = {f.name: f.dataType for f in df.schema.fields}

        def col(canon: str) -> Column:
            if canon not in raw:
                return F.lit(False) if canon == "is_bot" else F.lit(None).cast("string")
            name = raw[canon]
            if canon == "timestamp":
                return F.expr(_timestamp_sql(name, types[name], self.tz))
            sql_type = _duckdb_type(types[name])
            if canon == "event_type":
                expr = _parse.event_type_sql(name)
            elif canon == "is_bot":
                expr = _parse.bool_sql(name, sql_type)
            else:
                expr = _parse.text_sql(name, sql_type)
            return F.expr(to_spark_sql(expr))

        kept = {c: f"__raw_{c}" for c in ("event_type", "timestamp", "is_bot") if c in raw}
        parsed = df.select(
            F.monotonically_increasing_id().alias("__cp_mid"),
            *(col(c).alias(c) for c in CANONICAL_COLUMNS),
            *(F.col(_ident(raw[c])).alias(k) for c, k in kept.items()),
            F.struct(*(F.col(_ident(c)).cast("string").alias(c) for c in df.columns)).alias(
                "__raw"
            ),
        )
        # The ledger's reasons: the embedded loader's own definition, transpiled.
        reason = to_spark_sql(_parse.reject_reason_sql(kept))
        return parsed.withColumn("_reason", F.expr(f"NULLIF({reason}, '')"))

    def add(self, item: DataFrame | str | Path) -> None:
        """Parse one input and stage it (persisted), with its rows numbered.

        ``monotonically_increasing_id`` holds a row's partition in its high bits and its
        place in the partition in the low bits; the job that stages the input also counts
        the rows of each partition, so a row's number is the rows of the partitions before
        it plus its place. Reading a file is deterministic, so the numbers hold when the
        ledger reads rows again.
        """
        if isinstance(item, DataFrame):
            label, df = f"<Spark DataFrame {len(self.inputs) + 1}>", item
        else:
            label, df = str(item), self._read(item)
        raw = self._raw_names(label, list(df.columns))
        parsed = self._parsed(df, raw)
        staged = parsed.select("__cp_mid", *CANONICAL_COLUMNS, "_reason").persist(
            StorageLevel.MEMORY_AND_DISK
        )
        part = F.shiftright("__cp_mid", _PARTITION_BITS)
        try:
            counts = (
                staged.groupBy(part.alias("p"))
                .agg(F.count("*").alias("n"), F.count("_reason").alias("bad"))
                .collect()
            )
        except Exception as exc:  # Spark reports unreadable files when a job runs
            staged.unpersist()
            raise LoadError(f"{label}: cannot be read: {_first_line(exc)}") from exc
        n = sum(r["n"] for r in counts)
        if n == 0:
            staged.unpersist()
            raise LoadError(f"{label}: holds no rows")
        per_part = {r["p"]: r["n"] for r in counts}
        offsets, total = [], 0
        for p in range(max(per_part) + 1):
            offsets.append(total)
            total += per_part.get(p, 0)
        within = F.col("__cp_mid").bitwiseAND((1 << _PARTITION_BITS) - 1)
        start = F.element_at(F.array(*(F.lit(o) for o in offsets)), (part + 1).cast("int"))
        row = start + within + 1
        base = len(self.inputs) * _SEQ_BASE
        if sum(r["bad"] for r in counts):
            bad = parsed.where(F.col("_reason").isNotNull()).select(
                F.lit(label).alias("source"),
                row.alias("row"),
                F.col("_reason").alias("reason"),
                "__raw.*",
            )
            rej = _to_pandas(bad.orderBy("row"))
            rej = rej.rename(columns={raw[c]: c for c in raw if raw[c] in rej.columns})
            rej["row"] = rej["row"].astype("int64")
            self.rejected.append(rej)
        self.rows_read += n
        self.inputs.append(label)
        self.staged.append(
            staged.select((F.lit(base) + row).alias("_seq"), *CANONICAL_COLUMNS, "_reason")
        )

    def _source_row(self, col: str, prefix: str = "") -> str:
        """Spark SQL of the source label and row number of a ``_seq``."""
        cases = " ".join(f"WHEN {i} THEN {_lit(label)}" for i, label in enumerate(self.inputs))
        return (
            f"CASE {col} div {_SEQ_BASE} {cases} END AS {prefix}source, "
            f"{col} % {_SEQ_BASE} AS {prefix}row"
        )

    def finish(self, *, campaigns: Any, emails: Any, leads: Any) -> SparkEventLog:
        spark = self.spark
        staged = self.staged[0]
        for more in self.staged[1:]:
            staged = staged.unionByName(more)
        tag = f"cp_{next(_ids)}"
        staged.where("_reason IS NULL").drop("_reason").createOrReplaceTempView(f"{tag}_valid")
        # 1. Exact duplicates: the same event_id and event type (a retried delivery of one
        #    event), or, without an id, the same canonical row. An aggregate finds the
        #    (few) repeated keys and their first occurrence.
        row_cols = [c for c in CANONICAL_COLUMNS if c not in ("event_id", "event_type")]
        keys = [
            "event_id",
            "event_type",
            *(f"IF(event_id IS NULL, {_ident(c)}, NULL)" for c in row_cols),
        ]
        spark.sql(
            f"SELECT {', '.join(f'{k} AS _k{i}' for i, k in enumerate(keys))}, "
            f"min(_seq) AS _keep FROM {tag}_valid GROUP BY {', '.join(keys)} "
            "HAVING count(*) > 1"
        ).createOrReplaceTempView(f"{tag}_dup_keys")
        same = " AND ".join(
            f"d._k{i} <=> {k.replace('event_id', 'v.event_id')}" for i, k in enumerate(keys)
        )
        spark.sql(
            f"SELECT v._seq, d._keep, v.event_id, v.event_type, v.timestamp, v.campaign_id, "
            f"v.email_id, v.lead_id FROM {tag}_valid v JOIN {tag}_dup_keys d ON {same} "
            "WHERE v._seq <> d._keep"
        ).createOrReplaceTempView(f"{tag}_dups")
        duplicates = _to_pandas(
            spark.sql(
                f"SELECT {self._source_row('_seq')}, "
                f"{self._source_row('_keep', 'duplicate_of_')}, event_id, event_type, "
                f"timestamp, campaign_id, email_id, lead_id, _seq FROM {tag}_dups"
            ),
            instants=["timestamp"],
        )
        for c in ("row", "duplicate_of_row"):
            duplicates[c] = duplicates[c].astype("int64")
        duplicates = duplicates.sort_values("_seq", ignore_index=True)
        dup_seqs = duplicates.pop("_seq")
        if len(duplicates):
            gone = spark.createDataFrame([(int(v),) for v in dup_seqs], "_seq long")
            gone.createOrReplaceTempView(f"{tag}_gone")
            kept = f"(SELECT v.* FROM {tag}_valid v LEFT ANTI JOIN {tag}_gone g ON v._seq = g._seq)"
        else:
            kept = f"{tag}_valid"
        # 2. Orphans: activity of a record that has no send.
        flagged = spark.sql(
            f"SELECT *, bool_or(event_type = 'sent') OVER (PARTITION BY campaign_id, "
            f"email_id, lead_id) AS _has_send FROM {kept}"
        ).persist(StorageLevel.MEMORY_AND_DISK)
        flagged.createOrReplaceTempView(f"{tag}_flagged")
        # 3. One pass over the flagged events: counts, time range and the names they carry
        #    (per campaign and email, each with the time of its latest non-missing value).
        latest = "max_by({c}, timestamp) FILTER (WHERE {c} IS NOT NULL) AS {c}, " + (
            "max(timestamp) FILTER (WHERE {c} IS NOT NULL) AS {c}_at"
        )
        names = ", ".join(latest.format(c=c) for c in ("campaign_name", "program", "email_name"))
        pairs = _to_pandas(
            spark.sql(
                f"SELECT _has_send, campaign_id, email_id, count(*) AS n, "
                f"min(timestamp) AS first, max(timestamp) AS last, {names} "
                f"FROM {tag}_flagged GROUP BY 1, 2, 3"
            ),
            instants=["first", "last", "campaign_name_at", "program_at", "email_name_at"],
        )
        sent = pairs[pairs["_has_send"]]
        n_orphans = int(pairs.loc[~pairs["_has_send"], "n"].sum())
        orphans = pd.DataFrame()
        if n_orphans:
            # Values as text, as the embedded engine writes them (timestamps with offset).
            as_text = ", ".join(
                f"concat(CAST({_ident(c)} AS STRING), '+00') AS {_ident(c)}"
                if c == "timestamp"
                else f"CAST({_ident(c)} AS STRING) AS {_ident(c)}"
                for c in CANONICAL_COLUMNS
            )
            orphans = _to_pandas(
                spark.sql(
                    f"SELECT {self._source_row('_seq')}, {_lit(_ORPHAN_REASON)} AS reason, "
                    f"{as_text} FROM {tag}_flagged WHERE NOT _has_send ORDER BY _seq"
                )
            )
        cols = ", ".join(_ident(c) for c in ("_seq", *CANONICAL_COLUMNS))
        events = spark.sql(f"SELECT {cols} FROM {tag}_flagged WHERE _has_send")
        view = f"{tag}_events"
        events.createOrReplaceTempView(view)
        for frame in self.staged:
            frame.unpersist()
        for name in ("valid", "dup_keys", "dups", "gone", "flagged"):
            spark.catalog.dropTempView(f"{tag}_{name}")

        rejected = combine_ledgers([*self.rejected, orphans])
        by_reason = rejected["reason"].value_counts().to_dict() if len(rejected) else {}
        summary = LoadSummary(
            inputs=list(self.inputs),
            rows_read=self.rows_read,
            events=int(sent["n"].sum()),
            rejected=len(rejected),
            rejected_by_reason={str(k): int(v) for k, v in by_reason.items()},
            duplicates=len(duplicates),
            orphaned=n_orphans,
            first_event=sent["first"].min() if len(sent) else None,
            last_event=sent["last"].max() if len(sent) else None,
        )
        con = connect()
        _inline_names(con, sent)
        dims = load_dimensions(con, campaigns=campaigns, emails=emails, leads=leads)
        return SparkEventLog(
            con,
            summary,
            dims,
            rejected,
            duplicates,
            spark=self.spark,
            events_view=view,
            events_frame=events,
            cached=[flagged],
        )


def _inline_names(con: Any, pairs: pd.DataFrame) -> None:
    """Put the names carried on the events in a tiny embedded ``events`` table.

    :func:`~campaign_perf.dimensions.load_dimensions` takes a campaign's (an email's)
    latest non-missing name from the events, and lists every campaign and email of them.
    ``pairs`` holds, per campaign and email, each name's latest value and its time; a row
    per pair and one per name and pair give the embedded engine the same answers.
    """
    parts = [pairs[["campaign_id", "email_id"]]]  # every campaign and email, named or not
    for c in ("campaign_name", "program", "email_name"):
        part = pairs[["campaign_id", "email_id", c, f"{c}_at"]].rename(columns={f"{c}_at": "ts"})
        parts.append(part[part[c].notna()])
    names = pd.concat(parts, ignore_index=True)
    names = names.reindex(columns=["campaign_id", "email_id", "ts", *CANONICAL_COLUMNS[5:]])
    names = names.astype({c: "object" for c in names.columns if c != "ts"})
    names["ts"] = pd.to_datetime(names["ts"], utc=True)
    con.register("_names_df", names)
    select = {
        c: f"CAST({quote_ident(c)} AS VARCHAR)" if c in names.columns else "NULL"
        for c in CANONICAL_COLUMNS
    }
    select["timestamp"] = "ts"
    select["is_bot"] = "false"
    select["event_type"] = "'sent'"
    con.execute(
        "CREATE TABLE events AS SELECT CAST(0 AS BIGINT) AS _seq, "
        + ", ".join(f"{select[c]} AS {quote_ident(c)}" for c in CANONICAL_COLUMNS)
        + " FROM _names_df"
    )
    con.unregister("_names_df")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
