"""Loading events: any supported input -> an :class:`EventLog` of canonical events.

The loader reads files with the embedded engine (DuckDB) without going through pandas
(:mod:`.inputs`), checks every row against the canonical schema (RULES.md section 1) and
keeps the rows it cannot count in a ledger, each with its source, row number, reason and
raw values (:mod:`.check`, :mod:`.ledger`).

Parquet files and Arrow tables are read where they lie (a view; nothing is copied): one
pass checks them, taking what it can from Parquet's statistics (their record keys are looked
at later, once per record). CSV, JSON, DataFrames and provider exports are parsed once into
a staging table. Repeated event ids are found by sorting their 64-bit hashes and confirmed
on the ids; one aggregation per record (campaign, email, lead) then finds the orphans
(records without a send) and holds the records of default rule settings, which reports
reuse without reading the events again (:mod:`.duplicates`). The counted events are a view
of the inputs without the small table of duplicates and orphans.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from campaign_perf.engine.embedded import DuckDBEngine
from campaign_perf.engine.progress import watching
from campaign_perf.engine.session import connect, within_budget
from campaign_perf.errors import LoadError
from campaign_perf.load.agents import parse_user_agents
from campaign_perf.load.check import Checked, staged
from campaign_perf.load.dimensions import load_dimensions
from campaign_perf.load.duplicates import SetAside, drop_search_tables, set_aside
from campaign_perf.load.eventlog import EventLog, LoadSummary
from campaign_perf.load.inputs import (
    Input,
    Inputs,
    as_list,
    check_source,
    check_unchanged,
    is_database,
)
from campaign_perf.load.ledger import combine_ledgers, warn_rejected
from campaign_perf.timeframes import check_tz

__all__ = ["load_events"]


def load_events(
    data: Input | Iterable[Input],
    *,
    columns: Mapping[str, str] | None = None,
    tz: str = "UTC",
    campaigns: str | Path | pd.DataFrame | None = None,
    emails: str | Path | pd.DataFrame | None = None,
    leads: str | Path | pd.DataFrame | None = None,
    source: str = "auto",
    source_options: Mapping[str, Any] | None = None,
    warn: bool = True,
    table: str | list[str] | None = None,
    query: str | None = None,
    order_by: str | list[str] | None = None,
    engine: str = "pushdown",
    progress: bool | None = None,
) -> EventLog:
    """Load email events into an :class:`EventLog`.

    Parameters
    ----------
    data : path, DataFrame, pyarrow Table, database, or a list of them
        Canonical events as CSV, Parquet, JSON Lines or a JSON array (a path may hold a
        glob such as ``"events/*.parquet"``), a pandas DataFrame or a pyarrow Table; or a
        native export of a source that :mod:`campaign_perf.sources` reads (a file, a folder
        such as :func:`campaign_perf.fetch_marketo` writes, or a dict of table name ->
        DataFrame for Fivetran's tables). Or a database: a PostgreSQL URL
        (``"postgresql://user@host:5432/db"``; the password from the URL, ``PGPASSWORD``
        or ``~/.pgpass``) or an open DB-API connection (ADBC, psycopg), read with
        ``table=`` or ``query=``.
    columns : mapping, optional
        Renames input columns to canonical names, like ``DataFrame.rename``:
        ``{"EventType": "event_type", "When": "timestamp"}``.
    tz : str, default "UTC"
        IANA zone in which timestamps without a zone are read.
    campaigns, emails, leads : path or DataFrame, optional
        Dimension tables: campaigns (``campaign_id, campaign_name, program, status``),
        emails (``email_id, email_name, subject, html`` where ``html`` may be a path to
        an .html file), leads (``lead_id`` and any attributes).
    source : str, default "auto"
        ``"canonical"`` for canonical events, a source name (``"sendgrid"``, ``"ses"``,
        ``"marketo_bulk"``, ...), or ``"auto"`` to recognise it from the content.
    source_options : mapping, optional
        Options of the source's reader, e.g. ``{"campaign_field": "category"}`` for
        SendGrid or ``{"campaign_tag": "campaign"}`` for SES (see each source module).
    warn : bool, default True
        Issue a :class:`RejectedRowsWarning` that says how many rows were rejected.
    table : str or list of str, optional
        A database's table (or view) of events, ``"table"`` or ``"schema.table"``; with a
        ``source=`` reader, the list of the source's tables (Fivetran's Marketo tables).
        With a database, ``campaigns``, ``emails`` and ``leads`` may name tables too.
    query : str, optional
        A database's ``SELECT`` of events, instead of ``table``.
    order_by : str or list of str, optional
        A database's column(s) whose order numbers the rows (the ledger's ``row``, and
        which of two duplicates is the first): a line number or an id. By default, the
        order the database returns the rows in (a table's physical order: the order the
        rows were written in, until rows are updated or moved).
    engine : {"pushdown", "embedded"}, default "pushdown"
        For a database: run the checks, the rules and the cube in the database (only
        the cube of each report comes back), or copy the table into the embedded engine
        (through Arrow) and work offline.
    progress : bool, optional
        A load (or a report of the log) still running after two seconds shows a bar with
        the engine's progress and rows per second: a widget in a notebook, on stderr in a
        terminal, nothing elsewhere. False never shows it, True shows it everywhere; the
        environment variable ``CAMPAIGN_PERF_PROGRESS=0`` turns it off (see
        :mod:`campaign_perf.engine.progress`).

    Returns
    -------
    EventLog

    Raises
    ------
    SchemaError
        A required column is missing (the message lists what is missing and what was found).
    LoadError
        A file is missing, empty or unreadable.

    Examples
    --------
    >>> import pandas as pd, campaign_perf as cp
    >>> df = pd.DataFrame({
    ...     "event_type": ["sent", "open", "click"],
    ...     "timestamp": ["2026-03-02 09:00", "2026-03-02 10:00", "2026-03-02 10:01"],
    ...     "campaign_id": "C1", "email_id": "E1", "lead_id": "L1"})
    >>> log = cp.load_events(df)
    >>> len(log)
    3
    """
    tz = check_tz(tz)
    check_source(source)
    if is_database(data):
        from campaign_perf.load.database import load_events_db  # needs the [postgres] extra

        return load_events_db(
            data,
            table=table,
            query=query,
            order_by=order_by,
            columns=columns,
            tz=tz,
            campaigns=campaigns,
            emails=emails,
            leads=leads,
            source=source,
            source_options=source_options,
            engine=engine,
            warn=warn,
            progress=progress,
        )
    if table is not None or query is not None or order_by is not None:
        raise LoadError("table=, query= and order_by= read a database: give its postgresql:// URL")
    con = connect()
    inputs = Inputs(
        con, tz=tz, columns=dict(columns or {}), source=source, options=dict(source_options or {})
    )
    items = as_list(data)
    what = f"Loading {_name(items[0]) if items else 'events'}"
    what += f" and {len(items) - 1} more" if len(items) > 1 else ""
    with within_budget(con), watching(con, what, rows=lambda: inputs.rows_read, progress=progress):
        for item in items:
            inputs.add(item)
        if not inputs.labels and not inputs.native_labels:
            raise LoadError("no input: give a file, a list of files, a DataFrame or an Arrow table")
        log = _finish(inputs, campaigns=campaigns, emails=emails, leads=leads, progress=progress)
    if warn:
        warn_rejected(log)
    return log


def _name(item: Any) -> str:
    """An input as a progress bar names it: a file's name, else its kind."""
    return Path(item).name if isinstance(item, (str, Path)) else type(item).__name__


def _set_aside(inputs: Inputs, parts: list[Checked]) -> SetAside | None:
    """The view ``counted`` of every input's counted rows, then duplicates and orphans set
    aside (:func:`~campaign_perf.load.duplicates.set_aside`; None: a record key taken
    unchecked needs parsing)."""
    counted = " UNION ALL ".join(c.counted for c in parts if c.counted is not None)
    inputs.con.execute(f"CREATE OR REPLACE TEMP VIEW counted AS {counted}")
    return set_aside(
        inputs.con,
        inputs.labels,
        rows_without_id=any(c.no_id for c in parts),
        check_keys=any(c.recheck is not None for c in parts),
    )


def _finish(
    inputs: Inputs, *, campaigns: Any, emails: Any, leads: Any, progress: bool | None = None
) -> EventLog:
    """Merge duplicates, set orphans aside, sum up, and make the log and its engine.

    The counted events are a view: the inputs read in place and the staging table,
    without the rows of the small ``excluded`` table (duplicates and orphans). On the
    way, the records of default rule settings are aggregated once (``load_agg``): the
    orphans are its records without a send, and reports reuse it.
    """
    con = inputs.con
    in_place = [c for c in inputs.checked if c.counted is not None]
    copied = []  # the staging table (also for native inputs that gave no events: empty)
    if inputs.staged or not in_place:
        copied = [staged(con, bad=any(c.bad for c in inputs.checked if c.counted is None))]
    found = _set_aside(inputs, [*in_place, *copied])
    if found is None:  # a record key taken unchecked needs parsing: check those inputs
        inputs.recheck()  # fully, and search again
        in_place = [c for c in inputs.checked if c.counted is not None]
        found = _set_aside(inputs, [*in_place, *copied])
    assert found is not None, "inputs checked fully take no key unchecked"
    parts = [*in_place, *copied]
    duplicates, orphans = found.duplicates, found.orphans
    n_excluded = len(duplicates) + len(orphans)
    bounds = [t for c in parts for t in (c.first, c.last) if t is not None]
    first, last = min(bounds, default=None), max(bounds, default=None)
    if n_excluded and first is not None:
        # The first and last event stand unless a row set aside held one of them.
        touched = con.execute(
            "SELECT count(*) FROM (SELECT timestamp FROM dups UNION ALL "
            "SELECT timestamp FROM orphan_rows) WHERE timestamp <= ? OR timestamp >= ?",
            [first, last],
        ).fetchall()[0][0]
        if touched:
            first, last = con.execute(
                "SELECT min(timestamp), max(timestamp) FROM events"
            ).fetchall()[0]
    drop_search_tables(con)
    agents, parsed_agents = parse_user_agents(con, "events", "agents")
    rejected = combine_ledgers([*inputs.rejected, orphans])
    n_events = sum(c.rows - c.bad for c in parts) - n_excluded
    by_reason = rejected["reason"].value_counts().to_dict() if len(rejected) else {}
    summary = LoadSummary(
        inputs=inputs.labels + inputs.native_labels,
        rows_read=inputs.rows_read,
        events=int(n_events),
        rejected=len(rejected),
        rejected_by_reason={str(k): int(v) for k, v in by_reason.items()},
        duplicates=len(duplicates),
        orphaned=len(orphans),
        skipped=dict(inputs.skipped),
        first_event=pd.Timestamp(first) if n_events and first is not None else None,
        last_event=pd.Timestamp(last) if n_events and last is not None else None,
        id_conflicts=found.id_conflicts,
        user_agents=agents.user_agents,
        machine_opens=agents.machine_opens,
        bots=agents.bots,
    )
    dims = load_dimensions(
        con,
        campaigns=campaigns,
        emails=emails,
        leads=leads,
        native=inputs.source_dims,
        inline_names=inputs.inline_names,
        ids_from="load_agg",
    )
    guard = functools.partial(check_unchanged, dict(inputs.files))
    engine = DuckDBEngine(
        con,
        aggregates="load_agg",
        last_event=summary.last_event,
        guard=guard,
        progress=progress,
        rows=summary.events,
        agents=parsed_agents,
    )
    return EventLog(
        con, summary, dims, rejected, duplicates, engine=engine, guard=guard, agents=parsed_agents
    )
