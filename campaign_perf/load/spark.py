"""Loading events into Apache Spark: events that outgrow one machine, the same reports.

The loader checks rows (with the ledger reasons of :func:`~campaign_perf.load_events`,
transpiled), then merges duplicates and sets orphans aside with the engine's one SQL source
(:mod:`campaign_perf.engine.queries`, transpiled by sqlglot), so no event passes through
the driver. Reports over the log run on :class:`~campaign_perf.engine.spark.SparkEngine`.
What comes back to Python is small: the rejected-rows ledger, the merged duplicates and the
dimension tables.

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

import itertools
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from campaign_perf.clients import AGENT_COLUMNS, classify
from campaign_perf.engine.queries import (
    agent_counts_sql,
    duplicates_sql,
    id_conflicts_sql,
    id_rows_sql,
    orphans_sql,
    rows_as_text_sql,
    with_agents_sql,
    without_sql,
)
from campaign_perf.engine.rules import RuleParams, record_aggregates_sql
from campaign_perf.engine.session import connect
from campaign_perf.engine.sql import quote_ident
from campaign_perf.errors import LoadError, first_line
from campaign_perf.load import parse as _parse
from campaign_perf.load.columns import canonical_names
from campaign_perf.load.dimensions import Dimensions, inline_names_table, load_dimensions
from campaign_perf.load.duplicates import ORPHAN_REASON, duplicates_frame
from campaign_perf.load.eventlog import SEQ_BASE, EventLog, LoadSummary, with_source_rows
from campaign_perf.load.ledger import combine_ledgers, warn_rejected
from campaign_perf.schema import CANONICAL_COLUMNS, FLAG_COLUMNS
from campaign_perf.timeframes import check_tz

try:
    from pyspark import StorageLevel
    from pyspark.errors import AnalysisException
    from pyspark.sql import Column, DataFrame, SparkSession
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    from campaign_perf.engine.spark import (
        SparkEngine,
        local_spark,
        spark_ident,
        to_pandas,
        to_spark_sql,
    )
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        "campaign_perf.spark needs PySpark and sqlglot: pip install 'campaign_perf[spark]'"
    ) from exc

__all__ = ["SparkEventLog", "load_events_spark"]

#: Low bits of ``monotonically_increasing_id()``: the row's number within its partition.
_PARTITION_BITS = 33
#: A string with a time of day in it (as the embedded loader asks before reading a zone).
_HAS_TIME = r"\d:\d"
_ids = itertools.count()


def _lit(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


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
        views: Iterable[str] = (),
        agents: str | None = None,
    ) -> None:
        self.engine: SparkEngine = SparkEngine(spark, events_view, con, agents=agents)
        super().__init__(con, summary, dims, rejected, duplicates, engine=self.engine, agents=None)
        self.spark = spark
        self.events_view = events_view
        self._spark_events = spark.table(events_view)  # over Connect, a view outlives SQL
        self._views = [*views, events_view]

    def close(self) -> None:
        """Release what the log keeps in Spark (persisted events and records, views).

        Reports over the log cannot be computed afterwards.
        """
        self.engine.close()
        for name in self._views:  # dropping a cached view uncaches it
            self.spark.catalog.dropTempView(name)

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
            source = self._spark_events
            if self.engine.agents:  # client, OS, device, machine opens resolved (RULES.md 9)
                sql = with_agents_sql(self.events_view, self.engine.agents)
                source = self.spark.sql(to_spark_sql(sql))
            df = source.select(*(spark_ident(c) for c in cols)).orderBy("_seq")
            self._events = with_source_rows(to_pandas(df), self._summary.inputs)
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
    c, z = spark_ident(name), _lit(tz)
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
        self.no_id = 0  # valid rows without an event_id
        self.window = _parse.TimeWindow.at_load()  # the plausible time of an event
        self._persisted: list[DataFrame] = []  # what finish() persists, then releases
        self._views: list[str] = []  # the temporary views finish() makes, then drops

    def _read(self, item: str | Path) -> DataFrame:
        path = str(item)
        name = path.lower().removesuffix(".gz").removesuffix(".zst")
        reader = self.spark.read
        try:
            if name.endswith((".csv", ".txt")):
                df = reader.csv(path, header=True)
            elif name.endswith(".tsv"):
                df = reader.csv(path, header=True, sep="\t")
            elif name.endswith((".jsonl", ".ndjson", ".json")):
                df = reader.json(path)
            else:
                df = reader.parquet(path)
            df.schema  # noqa: B018 - Spark Connect reads lazily: a missing path shows here
        except AnalysisException as exc:
            raise LoadError(f"{path}: cannot be read: {first_line(exc)}") from exc
        return df

    def _raw_names(self, label: str, found: list[str]) -> dict[str, str]:
        """Canonical name -> input column; a SchemaError when a required one is missing."""
        return canonical_names(label, found, self.columns)

    def _parsed(self, df: DataFrame, raw: dict[str, str]) -> DataFrame:
        """The canonical columns parsed from the raw ones, the reason a row is rejected
        (NULL for a good row), ``__cp_mid`` (see :meth:`add`) and every raw value as text."""
        types = {f.name: f.dataType for f in df.schema.fields}

        def col(canon: str) -> Column:
            if canon not in raw:
                return F.lit(False) if canon in FLAG_COLUMNS else F.lit(None).cast("string")
            name = raw[canon]
            if canon == "timestamp":
                return F.expr(_timestamp_sql(name, types[name], self.tz))
            sql_type = _duckdb_type(types[name])
            if canon == "event_type":
                expr = _parse.event_type_sql(name)
            elif canon in FLAG_COLUMNS:
                expr = _parse.bool_sql(name, sql_type)
            else:
                expr = _parse.text_sql(name, sql_type)
            return F.expr(to_spark_sql(expr))

        kept: dict[str, str] = {
            c: f"__raw_{c}" for c in ("event_type", "timestamp", "is_bot") if c in raw
        }
        parsed = df.select(
            F.monotonically_increasing_id().alias("__cp_mid"),
            *(col(c).alias(c) for c in CANONICAL_COLUMNS),
            *(F.col(spark_ident(raw[c])).alias(k) for c, k in kept.items()),
            F.struct(*(F.col(spark_ident(c)).cast("string").alias(c) for c in df.columns)).alias(
                "__raw"
            ),
        )
        # The ledger's reasons: the embedded loader's own definition, transpiled.
        reason = to_spark_sql(_parse.reject_reason_sql(kept, self.window))
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
                .agg(
                    F.count("*").alias("n"),
                    F.count("_reason").alias("bad"),
                    F.count(
                        F.when(F.col("_reason").isNull() & F.col("event_id").isNull(), 1)
                    ).alias("no_id"),
                )
                .collect()
            )
        except Exception as exc:  # Spark reports unreadable files when a job runs
            staged.unpersist()
            raise LoadError(f"{label}: cannot be read: {first_line(exc)}") from exc
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
        base = len(self.inputs) * SEQ_BASE
        if sum(r["bad"] for r in counts):
            bad = parsed.where(F.col("_reason").isNotNull()).select(
                F.lit(label).alias("source"),
                row.alias("row"),
                F.col("_reason").alias("reason"),
                "__raw.*",
            )
            rej = to_pandas(bad.orderBy("row"))
            rej = rej.rename(columns={raw[c]: c for c in raw if raw[c] in rej.columns})
            rej["row"] = rej["row"].astype("int64")
            self.rejected.append(rej)
        self.rows_read += n
        self.no_id += sum(r["no_id"] for r in counts)
        self.inputs.append(label)
        self._persisted.append(staged)  # released by finish(), once the events are cached
        self.staged.append(
            staged.select((F.lit(base) + row).alias("_seq"), *CANONICAL_COLUMNS, "_reason")
        )

    def _view(self, name: str, sql: str, *, persist: bool = False) -> DataFrame:
        """Run a query of the engine's one SQL source (transpiled) as a temporary view."""
        df = self.spark.sql(to_spark_sql(sql))
        if persist:
            df = df.persist(StorageLevel.MEMORY_AND_DISK)
            self._persisted.append(df)
        df.createOrReplaceTempView(name)
        self._views.append(name)
        return df

    def finish(self, *, campaigns: Any, emails: Any, leads: Any) -> SparkEventLog:
        """Merge duplicates and set orphans aside with the embedded loader's queries
        (:mod:`campaign_perf.engine.queries`), then sum up."""
        spark, labels = self.spark, self.inputs
        staged = self.staged[0]
        for more in self.staged[1:]:
            staged = staged.unionByName(more)
        tag = f"cp_{next(_ids)}"
        staged.where("_reason IS NULL").drop("_reason").createOrReplaceTempView(f"{tag}_valid")
        self._views.append(f"{tag}_valid")
        valid = f"{tag}_valid"
        # 1. Exact duplicates.
        self._view(f"{tag}_id_rows", id_rows_sql(valid), persist=True)
        sql = duplicates_sql(valid, f"{tag}_id_rows", rows_without_id=bool(self.no_id))
        self._view(f"{tag}_dups", sql, persist=True)
        duplicates = to_pandas(spark.sql(f"SELECT * FROM {tag}_dups ORDER BY _seq"))
        id_conflicts = spark.sql(to_spark_sql(id_conflicts_sql(f"{tag}_id_rows"))).collect()[0]["n"]
        kept = valid
        if len(duplicates):
            kept = f"{tag}_kept"
            self._view(kept, without_sql(valid, f"{tag}_dups"))
        # 2. Orphans: the events of records without a send.
        self._view(f"{tag}_agg", record_aggregates_sql(RuleParams(as_of=None), kept))
        self._view(f"{tag}_orphans", orphans_sql(kept, f"{tag}_agg"), persist=True)
        orphans = to_pandas(
            spark.sql(to_spark_sql(rows_as_text_sql(f"{tag}_orphans", ORPHAN_REASON)))
        )
        view = f"{tag}_events"
        cols = ", ".join(quote_ident(c) for c in ("_seq", *CANONICAL_COLUMNS))
        counted = without_sql(kept, f"{tag}_orphans") if len(orphans) else f"SELECT * FROM {kept}"
        # The counted events: a view cached by its name until the log is closed (a Spark
        # Connect DataFrame is re-read from its SQL, after the views it used are dropped).
        spark.sql(to_spark_sql(f"SELECT {cols} FROM ({counted})")).createOrReplaceTempView(view)
        spark.catalog.cacheTable(view, StorageLevel.MEMORY_AND_DISK)
        # The distinct user agents, parsed once each on the driver, and the bots and machine
        # opens the sources flagged (the embedded loader's queries, transpiled).
        per_agent, per_reason = agent_counts_sql(view)
        agent_rows = spark.sql(to_spark_sql(per_agent)).collect()
        agents = classify(r["user_agent"] for r in agent_rows if r["user_agent"] is not None)
        agents_view = f"{view}_agents"
        schema = T.StructType([T.StructField(c, T.StringType(), True) for c in AGENT_COLUMNS])
        spark.createDataFrame(
            agents.astype(object).where(agents.notna(), None).values.tolist(), schema=schema
        ).createOrReplaceTempView(agents_view)
        bots = {r["reason"]: int(r["n"]) for r in spark.sql(to_spark_sql(per_reason)).collect()}
        # 3. One pass over the events: counts, time range and the names they carry
        #    (per campaign and email, each with the time of its latest non-missing value).
        latest = "max_by({c}, timestamp) FILTER (WHERE {c} IS NOT NULL) AS {c}, " + (
            "max(timestamp) FILTER (WHERE {c} IS NOT NULL) AS {c}_at"
        )
        names = ", ".join(latest.format(c=c) for c in ("campaign_name", "program", "email_name"))
        pairs = to_pandas(
            spark.sql(
                f"SELECT campaign_id, email_id, count(*) AS n, "
                f"min(timestamp) AS first, max(timestamp) AS last, {names} "
                f"FROM {view} GROUP BY 1, 2"
            )
        )
        for frame in self._persisted:
            frame.unpersist()
        for name in self._views:
            spark.catalog.dropTempView(name)
        duplicates = duplicates_frame(duplicates, labels)
        orphans = with_source_rows(orphans, labels)

        rejected = combine_ledgers([*self.rejected, orphans])
        by_reason = rejected["reason"].value_counts().to_dict() if len(rejected) else {}
        summary = LoadSummary(
            inputs=list(self.inputs),
            rows_read=self.rows_read,
            events=int(pairs["n"].sum()),
            rejected=len(rejected),
            rejected_by_reason={str(k): int(v) for k, v in by_reason.items()},
            duplicates=len(duplicates),
            orphaned=len(orphans),
            first_event=pairs["first"].min() if len(pairs) else None,
            last_event=pairs["last"].max() if len(pairs) else None,
            id_conflicts=int(id_conflicts),
            user_agents=len(agents),
            machine_opens=int(sum(r["machine_opens"] for r in agent_rows)),
            bots=bots,
        )
        con = connect()
        inline_names_table(con, pairs)
        dims = load_dimensions(con, campaigns=campaigns, emails=emails, leads=leads)
        return SparkEventLog(
            con,
            summary,
            dims,
            rejected,
            duplicates,
            spark=self.spark,
            events_view=view,
            views=[agents_view],
            agents=agents_view,
        )
