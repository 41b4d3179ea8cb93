"""Loading events from a SQL database (PostgreSQL): the report where the data lives.

**Pushed down** (the default): the check pass, the duplicate search, the orphans, the rules
and the cube run in the database as the SQL of the engine's one source, transpiled
(:mod:`campaign_perf.engine.dialects`). The events are parsed once into a temporary table of
the session (the staging of every engine, :func:`~campaign_perf.load.check.staging_sql`);
what comes back is small: the load's counts, the merged duplicates, the dimension tables and,
for each report, its cube. The ledger of rejected rows stays a query, fetched when asked
(:class:`RejectedRows`).

**Copied** (``engine="embedded"``): the table is read as Arrow into the embedded engine,
which loads it as any Arrow table; the database is not needed afterwards.

A row's number (the ledger's ``row``) is its place in the order of ``order_by=`` (a line or
id column), else in the table's physical order, or in the query's result for ``query=``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from campaign_perf.clients import AGENT_COLUMNS, classify
from campaign_perf.engine.postgres import (
    Database,
    PostgresEngine,
    connect_database,
    pg_sql,
    plain_arrow,
    table_sql,
)
from campaign_perf.engine.progress import Statements, watching
from campaign_perf.engine.queries import (
    agent_counts_sql,
    duplicates_sql,
    id_conflicts_sql,
    id_rows_sql,
    orphans_sql,
    pairs_sql,
    rows_as_text_sql,
    with_agents_sql,
)
from campaign_perf.engine.rules import RuleParams, record_aggregates_sql
from campaign_perf.engine.session import connect
from campaign_perf.engine.sql import quote_ident, quote_literal
from campaign_perf.errors import LoadError
from campaign_perf.load.check import staging_sql
from campaign_perf.load.columns import canonical_names
from campaign_perf.load.dimensions import Dimensions, inline_names_table, load_dimensions
from campaign_perf.load.duplicates import ORPHAN_REASON, duplicates_frame
from campaign_perf.load.eventlog import (
    SEQ_BASE,
    EventLog,
    LedgerPart,
    LoadSummary,
    RejectedRows,
    with_source_rows,
)
from campaign_perf.load.ledger import warn_rejected
from campaign_perf.load.parse import TimeWindow
from campaign_perf.schema import CANONICAL_COLUMNS
from campaign_perf.sources import fivetran_marketo
from campaign_perf.sources._common import SourceData

__all__ = ["DatabaseEventLog", "load_events_db"]

ENGINES = ("pushdown", "embedded")
_NAMES = ("campaign_name", "program", "email_name")

#: PostgreSQL's type names (``format_type``) read as the loader's parsers know them.
_PG_TYPES = {
    "timestamp with time zone": "TIMESTAMP WITH TIME ZONE",
    "timestamp without time zone": "TIMESTAMP",
    "date": "DATE",
    "boolean": "BOOLEAN",
    "smallint": "SMALLINT",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "real": "FLOAT",
    "double precision": "DOUBLE",
}


def _duckdb_type(pg_type: str) -> str:
    """The loader's name of a PostgreSQL type (text for every type it does not parse)."""
    base = pg_type.split("(")[0].strip()
    if base == "numeric":
        return "DECIMAL" + pg_type[len(base) :]
    if base.startswith("timestamp"):  # timestamp(3) with time zone
        base = "timestamp " + pg_type.split(")")[-1].strip() if "(" in pg_type else base
    return _PG_TYPES.get(base, "VARCHAR")


class _QueryPart:
    """Rejected rows as a query of the session, turned into ledger rows by ``shape``."""

    def __init__(
        self, db: Database, sql: str, shape: Callable[[pd.DataFrame], pd.DataFrame]
    ) -> None:
        self.db, self.sql, self.shape = db, sql, shape

    def rows(self, limit: int | None) -> pd.DataFrame:
        sql = self.sql if limit is None else f"SELECT * FROM ({self.sql}) AS q LIMIT {limit}"
        return self.shape(self.db.frame(sql, what="the rejected rows"))

    def batches(self) -> Iterator[pd.DataFrame]:
        for batch in self.db.batches(self.sql, what="the rejected rows"):
            yield self.shape(self.db.to_frame(pa.Table.from_batches([batch])))


class DatabaseEventLog(EventLog):
    """An :class:`~campaign_perf.EventLog` whose events stay in a database.

    Made by :func:`campaign_perf.load_events` from a database. Reports over it run there
    (:class:`~campaign_perf.engine.postgres.PostgresEngine`); each report's cube comes back
    and is resliced locally. The ledger is a :class:`RejectedRows` (queries, fetched when
    asked). Close the log (or the connection) when done: the temporary tables live as long
    as the session.
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        summary: LoadSummary,
        dims: Dimensions,
        rejected: RejectedRows,
        duplicates: pd.DataFrame,
        *,
        engine: PostgresEngine,
    ) -> None:
        super().__init__(con, summary, dims, rejected, duplicates, engine=engine)
        self.engine: PostgresEngine = engine
        self.db = engine.db

    @property
    def events(self) -> pd.DataFrame:
        """The canonical events fetched from the database, with their source and row.

        This brings every event over the network: use it on small data only.
        """
        if self._events is None:
            cols = ", ".join(quote_ident(c) for c in (*CANONICAL_COLUMNS, "_seq"))
            events = self.engine.events_table
            if self.engine.agents:  # client, OS, device, machine opens resolved (RULES.md 9)
                events = f"({pg_sql(with_agents_sql(events, self.engine.agents))}) AS e"
            sql = f"SELECT {cols} FROM {events} ORDER BY _seq"
            self._events = with_source_rows(self.db.frame(sql), self._summary.inputs)
        return self._events

    def close(self) -> None:
        """Drop the temporary tables and close the session (when opened from a URL)."""
        self.engine.close()
        self.db.close()

    def __repr__(self) -> str:
        return "<Database" + super().__repr__()[1:]


# ---------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------
def _relation(
    db: Database, table: str | None, query: str | None, order_by: str | list[str] | None
) -> tuple[str, str, str]:
    """The input's label, SQL of its rows numbered (``_row``), and SQL of its rows in order.

    Rows are numbered in the order of ``order_by`` (columns), else as the database returns
    them: a table's physical order (which follows the order rows were written in until
    rows are updated or moved), a query's result order.
    """
    if (table is None) == (query is None):
        raise LoadError(f"{db.label}: give table= (a table's name) or query= (a SELECT)")
    keys = [order_by] if isinstance(order_by, str) else list(order_by or [])
    order = f"ORDER BY {', '.join(quote_ident(k) for k in keys)}" if keys else ""
    if query is not None:
        source, label = f"({query}) AS q", "query"
    else:
        assert table is not None
        source, label = table_sql(table), table
        kind = db.scalar(
            f"SELECT c.relkind FROM pg_class c WHERE c.oid = to_regclass({quote_literal(source)})",
            what=table,
        )
        if kind is None:
            raise LoadError(f"{table}: no such table or view in {db.label}")
        if not keys and kind in ("r", "p", "m"):
            order = "ORDER BY tableoid, ctid"
    return (
        label,
        f"SELECT row_number() OVER ({order}) AS _row, * FROM {source}",
        f"SELECT * FROM {source} {order}",
    )


def _dimension(db: Database, value: Any) -> Any:
    """A dimension table given by name (a table of the database) as a DataFrame."""
    if not isinstance(value, str) or os.path.exists(value):
        return value
    return db.frame(f"SELECT * FROM {table_sql(value)}", what=value)


def load_events_db(
    target: Any,
    *,
    table: str | list[str] | None = None,
    query: str | None = None,
    order_by: str | list[str] | None = None,
    columns: Mapping[str, str] | None = None,
    tz: str = "UTC",
    campaigns: Any = None,
    emails: Any = None,
    leads: Any = None,
    source: str = "auto",
    source_options: Mapping[str, Any] | None = None,
    engine: str = "pushdown",
    warn: bool = True,
    progress: bool | None = None,
) -> EventLog:
    """Load events from a database: see :func:`campaign_perf.load_events`."""
    if engine not in ENGINES:
        raise LoadError(f"unknown engine {engine!r}; use one of: {', '.join(ENGINES)}")
    native = source not in ("auto", "canonical")
    if isinstance(table, list) and not native:
        raise LoadError("table=: one table's name (a list is for a source's tables, source=)")
    db = connect_database(target)
    try:
        dims = {
            what: _dimension(db, value)
            for what, value in (("campaigns", campaigns), ("emails", emails), ("leads", leads))
        }
        if source == "fivetran_marketo" and engine == "pushdown":
            with _watching(db, table, progress):
                log = _fivetran(db, table, tz=tz, columns=dict(columns or {}), dims=dims)
            if log is not None:
                if warn:
                    warn_rejected(log)
                return log
        if native or engine == "embedded":
            data = _copied(db, table, query, order_by) if not native else _source_tables(db, table)
            from campaign_perf.load.loader import load_events

            return load_events(
                data,
                columns=columns,
                tz=tz,
                source=source,
                source_options=source_options,
                warn=warn,
                progress=progress,
                **dims,
            )
        assert not isinstance(table, list)
        with _watching(db, table, progress):
            loader = _Pushdown(db, tz=tz, columns=dict(columns or {}))
            log = loader.load(table, query, order_by, **dims)
    except BaseException:
        db.close()
        raise
    if warn:
        warn_rejected(log)
    return log


#: About how many statements a pushed-down load sends (its progress moves one per statement).
LOAD_STATEMENTS = 24


def _watching(
    db: Database, table: str | list[str] | None, progress: bool | None
) -> contextlib.AbstractContextManager[None]:
    """A bar for a pushed-down load that takes a while, told in statements: PostgreSQL
    cannot say how far a query is."""
    what = f"Loading {table if isinstance(table, str) else 'the query'}"
    return watching(Statements(lambda: db.statements, LOAD_STATEMENTS), what, progress=progress)


def _copied(db: Database, table: str | list[str] | None, query: str | None, order_by: Any) -> Any:
    """The input read whole, as a labelled Arrow table (``engine="embedded"``)."""
    from campaign_perf.load.inputs import Labelled

    assert not isinstance(table, list)
    label, _, plain = _relation(db, table, query, order_by)
    try:
        return Labelled(label, plain_arrow(db.arrow(plain, what=label)))
    finally:
        db.close()


def _source_tables(db: Database, table: str | list[str] | None) -> Any:
    """A source's tables (``source=``), read whole by their names."""
    from campaign_perf.load.inputs import Labelled

    names = [table] if isinstance(table, str) else list(table or [])
    if not names:
        raise LoadError(f"{db.label}: name the source's tables with table=[...]")
    try:
        tables = {
            name.split(".")[-1].strip('"'): db.frame(f"SELECT * FROM {table_sql(name)}", what=name)
            for name in names
        }
        return Labelled(db.label, tables)
    finally:
        db.close()


def _view_types(db: Database, view: str, label: str) -> dict[str, str]:
    """A temporary view's columns and their types as the loader's parsers know them."""
    found = db.frame(
        "SELECT attname, format_type(atttypid, atttypmod) AS t FROM pg_attribute "
        f"WHERE attrelid = 'pg_temp.{view}'::regclass AND attnum > 0 "
        "AND NOT attisdropped ORDER BY attnum",
        what=label,
    )
    return {str(n): _duckdb_type(str(t)) for n, t in zip(found["attname"], found["t"], strict=True)}


def _fivetran(
    db: Database, table: str | list[str] | None, *, tz: str, columns: dict[str, str], dims: dict
) -> DatabaseEventLog | None:
    """Fivetran's Marketo tables read where they lie: the reader's mapping as one SQL query
    (:func:`~campaign_perf.sources.fivetran_marketo.pushdown_sql`), loaded as any query.
    None when the tables need the reader itself (an activity table of another name)."""
    names = [table] if isinstance(table, str) else list(table or [])
    if not names:
        raise LoadError(f"{db.label}: name the source's tables with table=[...]")
    views: dict[str, tuple[str, list[str]]] = {}
    for name in names:
        _, rows, _ = _relation(db, name, None, None)
        view = db.name("table")
        db.execute(f"CREATE TEMP VIEW {view} AS {rows}", what=name)
        views[name.split(".")[-1].strip('"')] = (view, list(_view_types(db, view, name)))
    by_short = dict(zip(views, names, strict=True))
    mapping = fivetran_marketo.pushdown_sql(views, seq_base=SEQ_BASE)
    if mapping is None:
        for view, _ in views.values():
            db.drop(view, "VIEW")
        return None
    skipped: dict[str, int] = {}
    if mapping.skipped is not None:
        found = db.frame(pg_sql(mapping.skipped), what="the send results")
        skipped = fivetran_marketo.skipped_kinds(found)
    tables = {}
    for role, short in mapping.dimensions.items():
        wanted = fivetran_marketo.DIMENSION_COLUMNS[role]
        present = views[short][1]
        cols = "*" if wanted is None else ", ".join(quote_ident(c) for c in wanted if c in present)
        if cols:
            tables[role] = db.frame(
                f"SELECT {cols} FROM {table_sql(by_short[short])}", what=by_short[short]
            )
    native = fivetran_marketo.read_dimensions(tables)
    labels = [f"{db.label}/{t} ({fivetran_marketo.NAME})" for t in mapping.activities]
    loader = _Pushdown(db, tz=tz, columns=columns)
    return loader.load_rows(
        labels, pg_sql(mapping.events), skipped=skipped, native=[native], **dims
    )


class _Pushdown:
    """Checks, merges and sets aside in the database; the log keeps the session."""

    def __init__(self, db: Database, *, tz: str, columns: dict[str, str]) -> None:
        self.db = db
        self.tz = tz
        self.columns = columns
        self.window = TimeWindow.at_load()

    def _types(self, view: str, label: str) -> dict[str, str]:
        return _view_types(self.db, view, label)

    def load(
        self,
        table: str | None,
        query: str | None,
        order_by: str | list[str] | None,
        *,
        campaigns: Any,
        emails: Any,
        leads: Any,
    ) -> DatabaseEventLog:
        label, rows, _ = _relation(self.db, table, query, order_by)
        return self.load_rows([label], rows, campaigns=campaigns, emails=emails, leads=leads)

    def load_rows(
        self,
        labels: list[str],
        rows: str,
        *,
        campaigns: Any,
        emails: Any,
        leads: Any,
        skipped: dict[str, int] | None = None,
        native: Sequence[SourceData] = (),
    ) -> DatabaseEventLog:
        """Load the rows of the PostgreSQL query ``rows`` (``_row``: the input's number
        times ``SEQ_BASE`` plus its row, and the input's columns); ``labels`` names the
        inputs by their numbers; ``skipped`` and ``native`` are a source reader's."""
        db = self.db
        label = labels[0] if len(labels) == 1 else db.label
        source = db.name("input")
        db.execute(f"CREATE TEMP VIEW {source} AS {rows}", what=label)
        types = self._types(source, label)
        del types["_row"]
        raw = canonical_names(label, list(types), self.columns)
        # 1. The check pass: every row parsed, with its reasons, into the session's table.
        events = db.name("events")
        select = staging_sql(source, raw, types, tz=self.tz, number=0, window=self.window)
        db.execute(f"CREATE TEMP TABLE {events} AS {pg_sql(select)}", what=label)
        counts = db.arrow(
            "SELECT count(*) AS n, count(*) FILTER (WHERE _reason IS NOT NULL) AS bad, "
            f"count(*) FILTER (WHERE _reason IS NULL AND event_id IS NULL) AS no_id FROM {events}"
        ).to_pylist()[0]
        n, bad, no_id = counts["n"], counts["bad"], counts["no_id"]
        if n == 0:
            raise LoadError(f"{label}: holds no rows")
        parts: list[LedgerPart] = []
        if bad:
            kept = db.name("bad")
            db.execute(
                f"CREATE TEMP TABLE {kept} AS SELECT _seq, _reason FROM {events} "
                "WHERE _reason IS NOT NULL"
            )
            db.execute(f"DELETE FROM {events} WHERE _reason IS NOT NULL")
            parts.append(self._bad_rows(source, kept, labels, raw, list(types)))
        db.execute(f"ALTER TABLE {events} DROP COLUMN _reason")
        # 2. Exact duplicates, then orphans: the engine's one SQL source, transpiled.
        id_rows, dups = db.name("id_rows"), db.name("dups")
        db.execute(f"CREATE TEMP TABLE {id_rows} AS {pg_sql(id_rows_sql(events))}")
        sql = duplicates_sql(events, id_rows, rows_without_id=bool(no_id))
        db.execute(f"CREATE TEMP TABLE {dups} AS {pg_sql(sql)}")
        duplicates = db.frame(f"SELECT * FROM {dups} ORDER BY _seq")
        id_conflicts = int(db.scalar(pg_sql(id_conflicts_sql(id_rows))) or 0)
        if len(duplicates):
            db.execute(f"DELETE FROM {events} WHERE _seq IN (SELECT _seq FROM {dups})")
        agg, orphans = db.name("agg"), db.name("orphans")
        sql = record_aggregates_sql(RuleParams(as_of=None), events)
        db.execute(f"CREATE TEMP TABLE {agg} AS {pg_sql(sql)}")
        db.execute(f"CREATE TEMP TABLE {orphans} AS {pg_sql(orphans_sql(events, agg))}")
        n_orphans = int(db.scalar(f"SELECT count(*) FROM {orphans}") or 0)
        if n_orphans:
            db.execute(f"DELETE FROM {events} WHERE _seq IN (SELECT _seq FROM {orphans})")
            db.execute(f"DELETE FROM {agg} WHERE first_sent_at IS NULL")
            sql = pg_sql(rows_as_text_sql(orphans, ORPHAN_REASON))
            parts.append(_QueryPart(db, sql, lambda f: with_source_rows(f, labels)))
        for name in (id_rows, dups):
            db.drop(name)
        db.execute(f"ANALYZE {events}")
        db.execute(f"ANALYZE {agg}")
        # The distinct user agents, parsed once each here, and the bots and machine opens
        # the sources flagged (the embedded loader's queries, transpiled).
        per_agent, per_reason = agent_counts_sql(events)
        agent_rows = db.frame(pg_sql(per_agent))
        agents = classify(u for u in agent_rows["user_agent"] if isinstance(u, str))
        agents_table = db.name("agents")
        db.ingest(
            agents_table, pa.Table.from_pandas(agents[list(AGENT_COLUMNS)], preserve_index=False)
        )
        bots = {str(r): int(n) for r, n in db.frame(pg_sql(per_reason)).itertuples(index=False)}
        # 3. What comes back: per campaign and email, the counts and names.
        names = tuple(c for c in _NAMES if c in raw)
        pairs = db.frame(pg_sql(pairs_sql(events, names)))
        for c in _NAMES:
            if c not in pairs:
                pairs[c], pairs[f"{c}_at"] = None, pd.NaT
        reasons = self._reasons(kept if bad else None, n_orphans)
        summary = LoadSummary(
            inputs=labels,
            rows_read=int(n) + sum((skipped or {}).values()),
            events=int(pairs["n"].sum()),
            rejected=int(bad) + n_orphans,
            rejected_by_reason=reasons,
            duplicates=len(duplicates),
            orphaned=n_orphans,
            first_event=pd.Timestamp(pairs["first"].min()) if len(pairs) else None,
            last_event=pd.Timestamp(pairs["last"].max()) if len(pairs) else None,
            id_conflicts=id_conflicts,
            user_agents=len(agents),
            machine_opens=int(agent_rows["machine_opens"].sum()),
            bots=bots,
            skipped=dict(skipped or {}),
        )
        con = connect()
        inline_names_table(con, pairs)
        dims = load_dimensions(con, campaigns=campaigns, emails=emails, leads=leads, native=native)
        engine = PostgresEngine(
            db,
            events,
            con,
            aggregates=agg,
            last_event=summary.last_event,
            agents=agents_table,
        )
        ledger = RejectedRows(int(bad) + n_orphans, parts)
        return DatabaseEventLog(
            con, summary, dims, ledger, duplicates_frame(duplicates, labels), engine=engine
        )

    def _bad_rows(
        self, source: str, bad: str, labels: list[str], raw: dict[str, str], found: list[str]
    ) -> _QueryPart:
        """The ledger's rows of an input's rejected rows: raw values as text, named
        canonically where they map (as :func:`~campaign_perf.load.ledger.ledger_rows`)."""
        values = ", ".join(f"CAST(v.{quote_ident(c)} AS TEXT) AS {quote_ident(c)}" for c in found)
        sql = (
            f"SELECT v._row AS _seq, b._reason AS reason, "
            f"{values} FROM {bad} b JOIN {source} v ON v._row = b._seq ORDER BY b._seq"
        )
        renames = {raw[c]: c for c in raw}

        def shape(frame: pd.DataFrame) -> pd.DataFrame:
            frame = with_source_rows(frame, labels)
            return frame.rename(columns={k: v for k, v in renames.items() if k in frame.columns})

        return _QueryPart(self.db, sql, shape)

    def _reasons(self, bad: str | None, n_orphans: int) -> dict[str, int]:
        """Rejected rows per reason, in the embedded loader's order (``value_counts`` of
        the ledger's reasons: the rows of the input, then the orphans)."""
        reasons, counts = [], []
        if bad is not None:
            found = self.db.frame(
                f"SELECT _reason, count(*) AS n FROM {bad} GROUP BY 1 ORDER BY min(_seq)"
            )
            reasons += [str(r) for r in found["_reason"]]
            counts += [int(k) for k in found["n"]]
        if n_orphans:
            reasons.append(ORPHAN_REASON)
            counts.append(n_orphans)
        if not reasons:
            return {}
        by_reason = pd.Series(np.repeat(reasons, counts)).value_counts()
        return {str(k): int(v) for k, v in by_reason.items()}
