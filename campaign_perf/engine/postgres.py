"""The PostgreSQL engine: the rules and queries of this package, transpiled, run where the
events lie.

Nothing is written again for PostgreSQL. The SQL of :mod:`.rules` and :mod:`.queries`
(DuckDB's dialect) is transpiled by :func:`~campaign_perf.engine.dialects.transpile`; this
module supplies only what is the database's own: the session (:class:`Database`: connecting,
temporary tables, fetching results as Arrow), and one clear error line for what a driver
raises. Records live in temporary tables of the session; what comes back is the small cube,
the records or events of a slice asked for, in the types the embedded engine returns (each
result passes through the log's DuckDB connection), so that every view works unchanged.

PostgreSQL is an optional extra: ``pip install 'campaign_perf[postgres]'`` (the ADBC
driver for PostgreSQL, which reads results as Arrow, and sqlglot). An open DB-API
connection of another driver (psycopg, psycopg2) works too.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import re
import urllib.parse
from collections.abc import Callable, Hashable, Iterator
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from campaign_perf.engine.cache import Cache, results_cache
from campaign_perf.engine.dialects import PG_SESSION_FUNCTIONS, transpile
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
from campaign_perf.engine.rules import (
    RuleParams,
    records_from_aggregates_sql,
    records_sql,
    serves,
)
from campaign_perf.engine.sql import is_database_url, quote_ident
from campaign_perf.errors import CampaignPerfError, LoadError, SchemaError

__all__ = [
    "SESSION_SETTINGS",
    "Database",
    "PostgresEngine",
    "connect_database",
    "pg_sql",
    "plain_arrow",
    "redact_url",
    "table_sql",
]

_MAX_CACHED = 16
#: The session's settings: UTC (instants come back as UTC, zones are applied explicitly, as
#: in the embedded engine), and memory for the load's sorts and group-bys and for its
#: temporary tables (PostgreSQL's defaults, 4 MB and 8 MB, send a million events to disk).
#: ``temp_buffers`` can be set only before the session's first temporary table (a given
#: connection may have had one): where it cannot, the session goes on without it.
SESSION_SETTINGS = ("SET TIME ZONE 'UTC'", "SET work_mem = '256MB'")
_TEMP_BUFFERS = "SET temp_buffers = '256MB'"
#: The drivers whose errors :meth:`Database.explain` reads (their modules' top names).
_DRIVERS = ("adbc_driver_manager", "adbc_driver_postgresql", "psycopg", "psycopg2", "pg8000")
_ids = itertools.count()


def pg_sql(sql: str) -> str:
    """A query of the engine's one SQL source (DuckDB's dialect) in PostgreSQL's."""
    return transpile(sql, "postgres")


def redact_url(url: str) -> str:
    """The URL without its password (in the authority or as a ``password=`` parameter).

    Examples
    --------
    >>> redact_url("postgresql://ann:s3cret@db.example.com:5432/mail?sslmode=require")
    'postgresql://ann@db.example.com:5432/mail?sslmode=require'
    """
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc.rpartition("@")
    host = netloc[2]
    user = netloc[0].partition(":")[0]
    query = [
        (k, v)
        for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() != "password"
    ]
    return urllib.parse.urlunsplit(
        (
            parts.scheme,
            f"{user}@{host}" if user else host,
            parts.path,
            urllib.parse.urlencode(query),
            "",
        )
    )


def _secrets(url: str) -> tuple[str, ...]:
    """The URL's password (raw and decoded), to scrub from any message."""
    parts = urllib.parse.urlsplit(url)
    found = [parts.password or ""]
    found += [
        v for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True) if k == "password"
    ]
    raw = parts.netloc.rpartition("@")[0].partition(":")[2]
    return tuple(s for s in {*found, raw} if s)


def table_sql(name: str) -> str:
    """A table name as PostgreSQL reads it, quoted: ``schema.table`` or ``table``; each
    unquoted part folded to lower case as PostgreSQL does, a ``"Quoted"`` part kept.

    Raises
    ------
    LoadError
        The name is not one, two or three dot-separated parts.
    """
    parts = re.findall(r'"((?:[^"]|"")+)"|([^."]+)', name.strip())
    rebuilt = ".".join(f'"{q}"' if q else u for q, u in parts)
    plain = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
    if (
        not parts
        or len(parts) > 3
        or rebuilt != name.strip()
        or any(not q and not plain.fullmatch(u) for q, u in parts)
    ):
        raise LoadError(f"{name!r} is not a table name (use table or schema.table)")
    return ".".join('"' + q + '"' if q else quote_ident(u.lower()) for q, u in parts)


def plain_arrow(table: pa.Table) -> pa.Table:
    """An Arrow result without the driver's field metadata, and PostgreSQL's own types (an
    extension type such as ``numeric``) as their text."""
    fields = [
        pa.field(
            f.name, f.type.storage_type if isinstance(f.type, pa.BaseExtensionType) else f.type
        )
        for f in table.schema
    ]
    return table.cast(pa.schema(fields))


def _driver_error(exc: BaseException) -> bool:
    return type(exc).__module__.split(".")[0] in _DRIVERS


def _message(exc: BaseException) -> str:
    """The server's (or the client library's) one line, without the driver's wrapping."""
    text = str(exc)
    for mark in ("FATAL:", "ERROR:"):
        if mark in text:
            return text.split(mark, 1)[1].strip().splitlines()[0].strip()
    line = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return re.sub(r"^[A-Z_]+: (\[libpq\] )?(Failed to connect: )?", "", line).strip()


def _sqlstate(exc: BaseException) -> str | None:
    state = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
    if state:
        return str(state)
    found = re.search(r"SQLSTATE: ([0-9A-Z]{5})", str(exc))
    return found.group(1) if found else None


class Database:
    """A session in PostgreSQL where the engine's SQL runs, results coming back as Arrow.

    Parameters
    ----------
    conn : DB-API connection
        An ADBC connection (results as Arrow), or another driver's (psycopg, psycopg2:
        rows, turned into Arrow).
    label : str
        What messages call the database: the URL without its password, or
        ``"<connection>"``.
    owned : bool
        Whether the session was opened here (and is closed by :meth:`close`); a given
        connection stays open, and each statement is committed (temporary tables outlive
        commits), so that an error does not leave the caller's transaction aborted.
    secrets : tuple of str
        Text never to show in a message (the password of the URL).

    Attributes
    ----------
    statements : int
        How many statements the session sent to the database (a reslice of a report
        sends none: its cube is local).
    received : int
        The bytes of the results that came back (their Arrow size).
    """

    def __init__(
        self, conn: Any, *, label: str, owned: bool, secrets: tuple[str, ...] = ()
    ) -> None:
        self.conn = conn
        self.label = label
        self._owned = owned
        self._secrets = secrets
        self._arrow = hasattr(conn, "adbc_connection")
        self.local = duckdb.connect(":memory:")  # reads results into the embedded types
        self.local.execute("SET TimeZone = 'UTC'")
        self.prefix = f"cp{next(_ids)}_"
        self.statements = 0
        self.received = 0
        for setting in SESSION_SETTINGS:
            self.execute(setting, what="the session's settings")
        with contextlib.suppress(CampaignPerfError):
            self.execute(_TEMP_BUFFERS)
        for sql in PG_SESSION_FUNCTIONS:
            self.execute(sql, what="the session's temporary schema")

    def name(self, kind: str) -> str:
        """A new name for a temporary table or view of this session."""
        return f"{self.prefix}{kind}_{next(_ids)}"

    # -- errors -------------------------------------------------------------------------
    def scrub(self, text: str) -> str:
        """The text without the session's secrets."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def explain(self, exc: BaseException, what: str | None) -> CampaignPerfError:
        """One clear line for a driver's error, naming the table (``what``)."""
        state, msg = _sqlstate(exc), self.scrub(_message(exc))
        subject = what or self.label
        if state == "42P01":
            return LoadError(f"{subject}: no such table or view in {self.label} ({msg})")
        if state == "42703":
            return SchemaError(f"{subject}: {msg}")
        if state == "42501":
            return LoadError(f"{subject}: permission denied in {self.label} ({msg})")
        return LoadError(f"{subject}: {msg}")

    @contextlib.contextmanager
    def _errors(self, what: str | None) -> Iterator[None]:
        self.statements += 1
        try:
            yield
        except Exception as exc:
            if not _driver_error(exc):
                raise
            if not self._owned:
                with contextlib.suppress(Exception):
                    self.conn.rollback()
            raise self.explain(exc, what) from None

    # -- running SQL ------------------------------------------------------------------
    def _done(self) -> None:
        if not self._owned:
            self.conn.commit()

    def execute(self, sql: str, *, what: str | None = None) -> None:
        """Run a PostgreSQL statement."""
        with self._errors(what):
            cur = self.conn.cursor()
            try:
                cur.execute(sql)
            finally:
                cur.close()
            self._done()

    def arrow(self, sql: str, *, what: str | None = None) -> pa.Table:
        """The result of a PostgreSQL query as an Arrow table."""
        with self._errors(what):
            cur = self.conn.cursor()
            try:
                cur.execute(sql)
                if self._arrow:
                    table = cur.fetch_arrow_table()
                else:
                    names = [d[0] for d in cur.description]
                    rows = cur.fetchall()
                    table = pa.table(
                        {n: pa.array([r[i] for r in rows]) for i, n in enumerate(names)}
                    )
            finally:
                cur.close()
            self._done()
        self.received += table.nbytes
        return table

    def batches(self, sql: str, *, what: str | None = None) -> Iterator[pa.RecordBatch]:
        """The result of a query, streamed in Arrow record batches (for exports)."""
        with self._errors(what):
            cur = self.conn.cursor()
            try:
                cur.execute(sql)
                if self._arrow:
                    for batch in cur.fetch_record_batch():
                        self.received += batch.nbytes
                        yield batch
                else:
                    names = [d[0] for d in cur.description]
                    while rows := cur.fetchmany(10_000):
                        batch = pa.RecordBatch.from_pydict(
                            {n: pa.array([r[i] for r in rows]) for i, n in enumerate(names)}
                        )
                        self.received += batch.nbytes
                        yield batch
            finally:
                cur.close()
            self._done()

    def frame(self, sql: str, *, what: str | None = None) -> pd.DataFrame:
        """The result of a PostgreSQL query as pandas, in the embedded engine's types."""
        return self.to_frame(self.arrow(sql, what=what))

    def to_frame(self, table: pa.Table) -> pd.DataFrame:
        """An Arrow result as pandas, in the embedded engine's types (read through DuckDB)."""
        return self.local.from_arrow(plain_arrow(table)).df()

    def scalar(self, sql: str, *, what: str | None = None) -> Any:
        """The first value of a query's first row."""
        table = self.arrow(sql, what=what)
        return table.column(0)[0].as_py() if table.num_rows else None

    def ingest(self, name: str, table: pa.Table) -> None:
        """Create the temporary table ``name`` (text columns) holding ``table``'s rows."""
        cols = ", ".join(f"{quote_ident(c)} text" for c in table.column_names)
        self.execute(f"CREATE TEMP TABLE {name} ({cols})")
        if not table.num_rows:
            return
        text = table.cast(pa.schema([pa.field(c, pa.string()) for c in table.column_names]))
        with self._errors(name):
            cur = self.conn.cursor()
            try:
                if self._arrow:
                    cur.adbc_ingest(name, text, mode="append", temporary=True)
                else:
                    marks = ", ".join(["%s"] * text.num_columns)
                    cur.executemany(
                        f"INSERT INTO {name} VALUES ({marks})",
                        [tuple(r.values()) for r in text.to_pylist()],
                    )
            finally:
                cur.close()
            self._done()

    def drop(self, name: str, kind: str = "TABLE") -> None:
        """Drop a temporary table or view of the session (if the session is still open)."""
        with contextlib.suppress(CampaignPerfError):
            self.execute(f"DROP {kind} IF EXISTS {name}")

    def close(self) -> None:
        """Close the session if it was opened here (its temporary tables go with it)."""
        if self._owned:
            with contextlib.suppress(Exception):
                self.conn.close()
        self.local.close()


def connect_database(target: Any) -> Database:
    """Open a session on a PostgreSQL URL, or wrap an open DB-API connection.

    The URL may carry the user and password (``postgresql://user:password@host:5432/db``);
    without a password, libpq reads ``PGPASSWORD`` or the ``.pgpass`` file (``PGPASSFILE``),
    and ``PGHOST``, ``PGUSER``... fill what the URL leaves out. The password never shows in
    a message.

    Raises
    ------
    LoadError
        The server cannot be reached, or refuses the login.
    """
    if not is_database_url(target):
        return Database(target, label="<connection>", owned=False)
    label, secrets = redact_url(target), _secrets(target)
    try:
        import adbc_driver_postgresql.dbapi as adbc_pg
    except ImportError as exc:
        raise ImportError(
            "reading from PostgreSQL needs its driver: pip install 'campaign_perf[postgres]'"
        ) from exc
    try:
        conn = adbc_pg.connect(target, autocommit=True)
    except Exception as exc:
        if not _driver_error(exc):
            raise
        msg = _message(exc)
        for secret in secrets:
            msg = msg.replace(secret, "***")
        raise LoadError(f"{label}: cannot connect: {msg}") from None
    return Database(conn, label=label, owned=True, secrets=secrets)


def _key(*parts: object) -> str:
    return hashlib.sha1(repr(parts).encode()).hexdigest()[:12]


class PostgresEngine:
    """The rules' SQL, transpiled to PostgreSQL, run in the database; results as pandas.

    Implements :class:`campaign_perf.engine.embedded.Engine`. Records are built once per
    set of rule settings into a temporary table of the session; cubes and the reports'
    results are kept as pandas (see :mod:`.cache`).

    Parameters
    ----------
    db : Database
        The session holding the events.
    events : str
        The temporary table of the counted events (duplicates merged, orphans set aside).
    con : duckdb.DuckDBPyConnection
        The log's embedded connection, which holds the ``leads`` table.
    aggregates : str, optional
        The temporary table of the record aggregates of default settings (made at load):
        records of default settings and a late ``as_of`` are read from it.
    last_event : pandas.Timestamp, optional
        The latest event of the log.
    """

    cheap_queries = False  # a reslice never goes back to it

    def __init__(
        self,
        db: Database,
        events: str,
        con: duckdb.DuckDBPyConnection,
        *,
        aggregates: str | None = None,
        last_event: pd.Timestamp | None = None,
        agents: str | None = None,
    ) -> None:
        self.db = db
        self.events_table = events
        self.con = con
        self.agents = agents
        self._aggregates = aggregates
        self._last_event = last_event
        self._records: Cache[RuleParams, str] = Cache(_MAX_CACHED, on_evict=self._drop)
        self._leads: Cache[tuple[str, ...], str] = Cache(_MAX_CACHED, on_evict=self._drop)
        self._cubes: Cache[Hashable, pd.DataFrame] = Cache(_MAX_CACHED)
        self._results = results_cache()

    def memo(self, key: Hashable, make: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        """A result a report computed from this engine's output, kept by its key."""
        return self._results.get(key, make)

    def has(self, key: Hashable) -> bool:
        """Whether a result is kept under ``key``."""
        return key in self._results

    def _drop(self, key: object, name: str) -> None:
        self.db.drop(name, "VIEW" if "_recview_" in name else "TABLE")

    def records_table(self, params: RuleParams) -> str:
        """The name of the session's table (or view) of the records of these settings."""

        def make() -> str:
            if self._aggregates is not None and serves(params, self._last_event):
                name = self.db.name(f"recview_{_key(params)}")
                sql = records_from_aggregates_sql(params, self._aggregates)
                self.db.execute(f"CREATE TEMP VIEW {name} AS {pg_sql(sql)}")
                return name
            name = self.db.name(f"records_{_key(params)}")
            sql = records_sql(params, self.events_table)
            self.db.execute(f"CREATE TEMP TABLE {name} AS {pg_sql(sql)}")
            self.db.execute(f"ANALYZE {name}")
            return name

        return self._records.get(params, make)

    def records(self, params: RuleParams, tz: str) -> pd.DataFrame:
        """The records (fetched: for drill-down into slices), with ``send_day`` in ``tz``."""
        sql = records_by_day_sql(self.records_table(params), tz)
        out = self.db.frame(pg_sql(sql))
        out["send_day"] = pd.to_datetime(out["send_day"])
        return out

    def _leads_table(self, attrs: tuple[str, ...]) -> str:
        """A temporary table of lead ids and these attributes, as text (cast by the
        embedded engine, so the values read exactly as they do there)."""

        def make() -> str:
            cast = ", ".join(
                f"CAST({quote_ident(a)} AS VARCHAR) AS {quote_ident(a)}" for a in attrs
            )
            leads = self.con.sql(f"SELECT lead_id, {cast} FROM leads").to_arrow_table()
            name = self.db.name("leads")
            self.db.ingest(name, leads)
            return name

        return self._leads.get(attrs, make)

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

        A group-by in the database; only the (small) cube comes back, as
        :meth:`DuckDBEngine.cube <campaign_perf.engine.embedded.DuckDBEngine.cube>` returns it.
        """

        def make() -> pd.DataFrame:
            # The recipient domain is read off the lead id, not the leads table.
            joined = tuple(a for a in lead_attrs if a != RECIPIENT_DOMAIN)
            leads = self._leads_table(joined) if joined else "leads"
            sql = cube_sql(
                params,
                self.records_table(params),
                tz,
                lead_attrs,
                leads,
                days=days,
                sent_between=sent_between,
            )
            out = self.db.frame(pg_sql(sql))
            if days:
                out["send_day"] = pd.to_datetime(out["send_day"])
            return out

        return self._cubes.get((params, tz, lead_attrs, days, sent_between), make)

    def events(
        self,
        params: RuleParams,
        tz: str,
        sent_between: Bounds | None,
        event_types: tuple[str, ...] | None = None,
    ) -> pd.DataFrame:
        """The counted events of the records (fetched: for slices); see
        :func:`~campaign_perf.engine.queries.counted_events_sql`."""
        table = self.records_table(params)
        sql = counted_events_sql(params, self.events_table, table, tz, sent_between, event_types)
        out = self.db.frame(pg_sql(sql))
        out["send_day"] = pd.to_datetime(out["send_day"])
        return text_as_strings(out)

    def engagement(self, params: RuleParams, tz: str, dims: tuple[str, ...]) -> pd.DataFrame:
        """Engagement split by where it happened (see :meth:`DuckDBEngine.engagement
        <campaign_perf.engine.embedded.DuckDBEngine.engagement>`); a group-by in the
        database."""

        counting = params.counting_machine_opens()

        def make() -> pd.DataFrame:
            table = self.records_table(counting)
            events = self.events_table
            if self.agents:
                events = f"({with_agents_sql(self.events_table, self.agents)})"
            out = self.db.frame(pg_sql(engagement_cube_sql(counting, events, table, tz, dims)))
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
        """Opens and clicks by one more dimension (see :meth:`DuckDBEngine.activity
        <campaign_perf.engine.embedded.DuckDBEngine.activity>`); a group-by in the
        database."""

        def make() -> pd.DataFrame:
            joined = tuple(a for a in lead_attrs if a != RECIPIENT_DOMAIN)
            leads = self._leads_table(joined) if joined else "leads"
            counting = params.counting_machine_opens()
            table = self.records_table(counting)
            events = activity_events_sql(
                counting, self.events_table, table, tz, sent_between, lead_attrs, leads
            )
            sql = activity_sql(f"({events})", kind, lead_attrs, hours=hours)
            out = self.db.frame(pg_sql(sql))
            out["send_day"] = pd.to_datetime(out["send_day"])
            return out

        counting = params.counting_machine_opens()
        key = ("activity", kind, hours, counting, tz, sent_between, lead_attrs)
        both = self._cubes.get(key, make)
        return in_setting(both, params.machine_opens, ACTIVITY_KINDS[kind][1])

    def people(self, params: RuleParams, lead_attrs: tuple[str, ...]) -> pd.DataFrame:
        """The people of the records counted by their lead attributes; a group-by in the
        database (see :func:`~campaign_perf.engine.queries.people_sql`)."""

        def make() -> pd.DataFrame:
            joined = tuple(a for a in lead_attrs if a != RECIPIENT_DOMAIN)
            leads = self._leads_table(joined) if joined else "leads"
            sql = people_sql(self.records_table(params), lead_attrs, leads)
            return text_as_strings(self.db.frame(pg_sql(sql)))

        return self._cubes.get(("people", params, lead_attrs), make)

    def bots(self, params: RuleParams) -> pd.DataFrame:
        """The opens and clicks of the records flagged as bots, per reason (``reason, n``)."""

        def make() -> pd.DataFrame:
            table = self.records_table(params)
            return self.db.frame(pg_sql(bots_sql(params, self.events_table, table)))

        return self._cubes.get(("bots", params), make)

    def close(self) -> None:
        """Drop the temporary tables this engine made and forget its results."""
        for cache in (self._records, self._leads, self._cubes, self._results):
            cache.clear()
