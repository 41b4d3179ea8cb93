"""Every query over events and records besides the rules, written once in DuckDB's dialect.

The loader's duplicate and orphan search and the three reads a report makes (the cube, the
records, the counted events) are SQL text here, beside the rules (:mod:`.rules`). The
embedded engine runs them as they are; the Spark engine runs them transpiled by sqlglot
(:func:`campaign_perf.engine.spark.to_spark_sql`) and supplies only what is Spark's own:
temporary views, persisting, collecting to pandas. So this SQL keeps to what means the same
in both dialects: ordinal ``GROUP BY``, ``AT TIME ZONE`` for a local day, ``SEMI``/``ANTI``
joins, windows over named partitions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pandas as pd

from campaign_perf.engine.rules import (
    RuleParams,
    filtered_events_sql,
    instant_literal,
    machine_open_sql,
)
from campaign_perf.engine.sql import quote_ident, quote_literal
from campaign_perf.schema import CANONICAL_COLUMNS, RECORD_KEY

__all__ = [
    "ACTIVITY_KINDS",
    "ENGAGEMENT_COUNTS",
    "HUMAN",
    "PARSED_COLUMNS",
    "RECIPIENT_DOMAIN",
    "Bounds",
    "activity_events_sql",
    "activity_sql",
    "agent_counts_sql",
    "bots_sql",
    "counted_events_sql",
    "cube_sql",
    "duplicates_sql",
    "engagement_cube_sql",
    "id_conflicts_sql",
    "id_rows_sql",
    "in_setting",
    "orphans_sql",
    "pairs_sql",
    "people_sql",
    "recipient_domain_sql",
    "records_by_day_sql",
    "rows_as_text_sql",
    "with_agents_sql",
    "without_sql",
]

Bounds = tuple[pd.Timestamp | None, pd.Timestamp | None]
#: The record attribute of the recipient's mailbox domain (see :func:`recipient_domain_sql`).
RECIPIENT_DOMAIN = "recipient_domain"


def recipient_domain_sql(lead_id: str) -> str:
    """SQL of a record's recipient domain: the lower-cased part after the last ``@`` of the
    lead id, ``(unknown)`` when the lead id is not an address."""
    domain = f"lower(trim(regexp_extract({lead_id}, '@([^@]+)$', 1)))"
    return f"coalesce(NULLIF({domain}, ''), '(unknown)')"


_ON_RECORD = " AND ".join(f"e.{c} = r.{c}" for c in RECORD_KEY)
#: What the loader shows of a merged duplicate.
_DUPLICATE_COLUMNS = "_seq, _keep, event_id, event_type, timestamp, campaign_id, email_id, lead_id"


def _local_day(instant: str, tz: str) -> str:
    """SQL of the calendar day, in zone ``tz``, of a UTC instant."""
    return f"CAST({instant} AT TIME ZONE {quote_literal(tz)} AS DATE)"


# -- loading: duplicates and orphans ------------------------------------------------------
def id_rows_sql(events: str, repeated: str | None = None) -> str:
    """The rows whose ``event_id`` another row carries too, each with the first row of its
    event and whether the id also names another record's event.

    Ids are grouped by their hash (one key, few groups of more than one row); the rows of
    a repeated hash are then grouped by the values themselves, so a hash collision adds a
    candidate row, never a duplicate.

    Parameters
    ----------
    events : str
        A table or view of valid events with ``_seq`` (their order across inputs).
    repeated : str, optional
        A table of the hashes (column ``h``, the engine's ``hash(event_id)``) that more
        than one row carries, when the caller found them another way (the embedded loader
        sorts the hashes: see :func:`campaign_perf.load.duplicates.repeated_hashes`);
        by default a group-by finds them.

    Returns
    -------
    str
        SQL returning ``_seq, _keep, _conflict, event_id, event_type, timestamp,
        campaign_id, email_id, lead_id``: ``_keep`` is the ``_seq`` of the first row of the
        same event (the same id, event type and record), ``_conflict`` whether a row of
        another record carries the id too.
    """
    found = (
        f"SELECT h FROM {repeated}"
        if repeated
        else f"SELECT hash(event_id) FROM {events} WHERE event_id IS NOT NULL "
        "GROUP BY 1 HAVING count(*) > 1"
    )
    by_id = "OVER (PARTITION BY event_id)"
    conflict = " OR ".join(f"min({c}) {by_id} <> max({c}) {by_id}" for c in RECORD_KEY)
    return f"""
        SELECT _seq,
            min(_seq) OVER (PARTITION BY event_id, event_type, {", ".join(RECORD_KEY)}) AS _keep,
            ({conflict}) AS _conflict,
            event_id, event_type, timestamp, campaign_id, email_id, lead_id
        FROM {events}
        WHERE event_id IS NOT NULL AND hash(event_id) IN ({found})
    """


def id_conflicts_sql(id_rows: str) -> str:
    """SQL of the number of events kept (not duplicates) whose ``event_id`` another
    record's event carries too, from the rows of :func:`id_rows_sql`."""
    return f"SELECT count(*) AS n FROM {id_rows} WHERE _conflict AND _seq = _keep"


def duplicates_sql(events: str, id_rows: str, *, rows_without_id: bool) -> str:
    """The exact duplicates: rows that repeat an earlier row's event.

    With an ``event_id``, the same id, event type and record (campaign, email, lead): a
    retried delivery of one event. Rows that share an id but not the record are distinct
    events (counted by :func:`id_conflicts_sql`). Without an id, the same canonical row.
    The first occurrence (lowest ``_seq``) is kept.

    Parameters
    ----------
    events : str
        The valid events (with ``_seq``).
    id_rows : str
        The rows of :func:`id_rows_sql` over ``events`` (a table or view).
    rows_without_id : bool
        Whether some events have no ``event_id`` (else their search is skipped).

    Returns
    -------
    str
        SQL returning ``_seq, _keep`` (the row it repeats), ``event_id, event_type,
        timestamp, campaign_id, email_id, lead_id``.
    """
    found = [f"SELECT {_DUPLICATE_COLUMNS} FROM {id_rows} WHERE _seq <> _keep"]
    if rows_without_id:
        row = ", ".join(quote_ident(c) for c in CANONICAL_COLUMNS if c != "event_id")
        found.append(
            f"SELECT {_DUPLICATE_COLUMNS} FROM ("
            f"SELECT *, min(_seq) OVER (PARTITION BY {row}) AS _keep FROM {events} "
            f"WHERE event_id IS NULL AND hash({row}) IN (SELECT hash({row}) FROM {events} "
            "WHERE event_id IS NULL GROUP BY 1 HAVING count(*) > 1)) WHERE _seq <> _keep"
        )
    return " UNION ALL ".join(found)


def without_sql(events: str, excluded: str) -> str:
    """The events but the rows whose ``_seq`` is in ``excluded`` (a table or view)."""
    return f"SELECT e.* FROM {events} e ANTI JOIN {excluded} x ON e._seq = x._seq"


def orphans_sql(events: str, aggregates: str) -> str:
    """The orphaned rows: the events of records that have no send.

    Parameters
    ----------
    events : str
        The events (duplicates merged).
    aggregates : str
        :func:`~.rules.record_aggregates_sql` over ``events`` (a table or view).
    """
    on = " AND ".join(f"e.{c} = k.{c}" for c in RECORD_KEY)
    return (
        f"SELECT e.* FROM {events} e SEMI JOIN "
        f"(SELECT * FROM {aggregates} WHERE first_sent_at IS NULL) k ON {on}"
    )


def rows_as_text_sql(rows: str, reason: str) -> str:
    """Rows set aside as the ledger holds them: ``_seq``, the reason, every value as text.

    An instant reads as DuckDB writes one (``2026-03-02 09:00:00+00``): the UTC time, then
    the offset, written out so that Spark writes the same.
    """
    text = {c: f"CAST({quote_ident(c)} AS VARCHAR)" for c in CANONICAL_COLUMNS}
    text["timestamp"] = "CAST(CAST(timestamp AS TIMESTAMP) AS VARCHAR) || '+00'"
    values = ", ".join(f"{sql} AS {quote_ident(c)}" for c, sql in text.items())
    return f"SELECT _seq, {quote_literal(reason)} AS reason, {values} FROM {rows} ORDER BY _seq"


def pairs_sql(events: str, names: tuple[str, ...]) -> str:
    """Per campaign and email: the events, their time span and the latest names they carry.

    For a log whose events live outside the embedded engine: the dimension tables are made
    from these rows (:func:`campaign_perf.load.dimensions.inline_names_table`).

    Parameters
    ----------
    events : str
        The counted events.
    names : tuple of str
        The name columns the events carry (``campaign_name``, ``program``, ``email_name``).

    Returns
    -------
    str
        SQL returning ``campaign_id, email_id, n, first, last``, then per name column its
        latest non-missing value and ``<name>_at``, the time of that value.
    """
    select = "SELECT p.campaign_id, p.email_id, p.n, p.first, p.last"
    joins = ""
    for i, c in enumerate(names):
        n = quote_ident(c)
        select += f", l{i}.{n}, l{i}.ts AS {quote_ident(c + '_at')}"
        latest = (
            f"SELECT campaign_id, email_id, {n}, ts FROM (SELECT campaign_id, email_id, {n}, "
            "timestamp AS ts, row_number() OVER (PARTITION BY campaign_id, email_id "
            f"ORDER BY timestamp DESC) AS rn FROM {events} WHERE {n} IS NOT NULL) WHERE rn = 1"
        )
        joins += (
            f" LEFT JOIN ({latest}) l{i} "
            f"ON l{i}.campaign_id = p.campaign_id AND l{i}.email_id = p.email_id"
        )
    counts = (
        "SELECT campaign_id, email_id, count(*) AS n, min(timestamp) AS first, "
        f"max(timestamp) AS last FROM {events} GROUP BY campaign_id, email_id"
    )
    return f"{select} FROM ({counts}) p{joins} ORDER BY p.campaign_id, p.email_id"


# -- loading: user agents ------------------------------------------------------------------
#: The columns a parsed user agent fills where the source gave none.
PARSED_COLUMNS = ("client", "os", "device")


def agent_counts_sql(events: str) -> tuple[str, str]:
    """The load's pass over the opens and clicks for their user agents.

    Returns
    -------
    tuple of str
        SQL of the distinct user agents with the machine opens of each
        (``user_agent, machine_opens``), and SQL of the source's bots per reason
        (``reason, n``).
    """
    act = "event_type IN ('open', 'click')"
    per_agent = (
        f"SELECT user_agent, count(*) FILTER (WHERE {machine_open_sql()}) AS machine_opens "
        f"FROM {events} WHERE {act} GROUP BY 1"
    )
    per_reason = (
        "SELECT coalesce(bot_reason, 'source') AS reason, count(*) AS n FROM "
        f"{events} WHERE coalesce(is_bot, false) AND {act} GROUP BY 1 ORDER BY 1"
    )
    return per_agent, per_reason


def with_agents_sql(events: str, agents: str) -> str:
    """The events as RULES.md section 9 reads them: the client, OS and device of their user
    agent where the source gave none (the source's value wins), machine opens by the
    source's flag or the proxy's signature, and the reason of the source's bots.

    Parameters
    ----------
    events : str
        The canonical events (with ``_seq``).
    agents : str
        The parsed user agents: ``user_agent, client, os, device``.
    """
    resolved = {c: f"coalesce(e.{c}, a.{c})" for c in PARSED_COLUMNS} | {
        "is_machine_open": machine_open_sql("e"),
        "bot_reason": "CASE WHEN coalesce(e.is_bot, false) AND e.event_type IN ('open', "
        "'click') THEN coalesce(e.bot_reason, 'source') END",
    }
    cols = ", ".join(
        f"{resolved[c]} AS {c}" if c in resolved else f"e.{quote_ident(c)}"
        for c in CANONICAL_COLUMNS
    )
    return (
        f"SELECT e._seq, {cols} FROM {events} e LEFT JOIN {agents} a ON a.user_agent = e.user_agent"
    )


# -- reporting: cube, records, events -----------------------------------------------------
def _lead_columns(lead_attrs: tuple[str, ...], leads: str) -> tuple[str, str]:
    """The select list (``, <attr> AS name``...) of a record's lead attributes, as text
    (``(unknown)`` for a lead without), and the join of the leads it needs (records ``r``)."""
    attrs = "".join(
        f", {recipient_domain_sql('r.lead_id')} AS {quote_ident(a)}"
        if a == RECIPIENT_DOMAIN
        else f", coalesce(CAST(l.{quote_ident(a)} AS VARCHAR), '(unknown)') AS {quote_ident(a)}"
        for a in lead_attrs
    )
    joined = any(a != RECIPIENT_DOMAIN for a in lead_attrs)
    return attrs, f" LEFT JOIN {leads} l ON l.lead_id = r.lead_id" if joined else ""


def cube_sql(
    params: RuleParams,
    records: str,
    tz: str,
    lead_attrs: tuple[str, ...] = (),
    leads: str = "leads",
    *,
    days: bool = True,
    sent_between: Bounds | None = None,
) -> str:
    """The counts of the records summed by campaign, email, send day and lead attributes.

    Parameters
    ----------
    params : RuleParams
        The rule settings the records were built with (their counts are summed).
    records : str
        The records' table or view (:func:`~.rules.records_sql`).
    tz : str
        The zone of the send days.
    lead_attrs : tuple of str
        Lead attributes to keep as dimensions, as text (``(unknown)`` for a lead without);
        :data:`RECIPIENT_DOMAIN` is the domain of the lead id when it is an address.
    leads : str
        The leads' table or view (``lead_id`` and the attributes).
    days : bool, default True
        Sum by send day; False sums every send day of a campaign and email into one row
        (no ``send_day``): a table of all time needs no more, and the records hold a
        hundred times fewer groups.
    sent_between : (Timestamp or None, Timestamp or None), optional
        Only the records first sent in these half-open UTC bounds (a frame's days).

    Returns
    -------
    str
        SQL returning ``campaign_id, email_id, send_day`` (a date; not with ``days=False``),
        the lead attributes, then the counts of ``params.count_columns``, ordered by the
        dimensions.
    """
    attrs, join = _lead_columns(lead_attrs, leads)
    sums = ", ".join(
        f"CAST(sum(r.{quote_ident(c)}) AS BIGINT) AS {quote_ident(c)}" for c in params.count_columns
    )
    day = f", {_local_day('r.first_sent_at', tz)} AS send_day" if days else ""
    keys = ", ".join(str(i) for i in range(1, 3 + bool(days) + len(lead_attrs)))
    return (
        f"SELECT r.campaign_id, r.email_id{day}"
        f"{attrs}, {sums} FROM {records} r{join}{_sent_between(sent_between)} "
        f"GROUP BY {keys} ORDER BY {keys}"
    )


def people_sql(records: str, lead_attrs: tuple[str, ...], leads: str = "leads") -> str:
    """The people of the records counted by their lead attributes (as :func:`cube_sql`
    says them): how many people each combination of values has.

    Parameters
    ----------
    records : str
        The records' table or view.
    lead_attrs : tuple of str
        Lead attributes (or :data:`RECIPIENT_DOMAIN`), at least one.
    leads : str
        The leads' table or view.

    Returns
    -------
    str
        SQL returning the attributes, then ``people``.
    """
    attrs, join = _lead_columns(lead_attrs, leads)
    keys = ", ".join(str(i) for i in range(1, 1 + len(lead_attrs)))
    return (
        f"SELECT {attrs.removeprefix(', ')}, count(*) AS people "
        f"FROM (SELECT DISTINCT lead_id FROM {records}) r{join} GROUP BY {keys} ORDER BY {keys}"
    )


def _sent_between(bounds: Bounds | None) -> str:
    """`` WHERE`` the record's first send is in the half-open UTC bounds (or nothing)."""
    lo, hi = bounds or (None, None)
    where = [f"r.first_sent_at >= {instant_literal(lo)}"] if lo is not None else []
    where += [f"r.first_sent_at < {instant_literal(hi)}"] if hi is not None else []
    return f" WHERE {' AND '.join(where)}" if where else ""


#: The counts of :func:`engagement_cube_sql` (an engagement grouping splits these only).
ENGAGEMENT_COUNTS: tuple[str, ...] = ("opened", "clicked", "total_opens", "total_clicks")


def engagement_cube_sql(
    params: RuleParams,
    events: str,
    records: str,
    tz: str,
    dims: tuple[str, ...],
) -> str:
    """Engagement split by where it happened (RULES.md section 9), per send day, with
    machine opens counted and excluded (one pass for both settings).

    A record counts as opened under a value when it has an open or a counted click carrying
    it, as clicked under it when it has a counted click carrying it; opens and clicks
    without the attribute count under ``unknown``. A record can count under several values.

    Parameters
    ----------
    params : RuleParams
        The rule settings (bots, frame); machine opens are counted whatever it says, and
        apart.
    events : str
        The events with their client, OS, device and country (:func:`with_agents_sql`).
    records : str
        The records of ``params`` with machine opens counted.
    tz : str
        The zone of the send days.
    dims : tuple of str
        Event attributes: ``client``, ``os``, ``device``, ``country``.

    Returns
    -------
    str
        SQL returning ``campaign_id, email_id, send_day``, the dims, then ``opened, clicked,
        total_opens, total_clicks`` with machine opens counted, and ``human_opened,
        human_total_opens`` (opened and total opens without them; see :func:`in_setting`).
    """
    counting = params.counting_machine_opens()
    values = ", ".join(f"coalesce(e.{quote_ident(d)}, 'unknown') AS {quote_ident(d)}" for d in dims)
    n = len(dims)
    per_value = (
        f"SELECT e.campaign_id, e.email_id, e.lead_id, {values}, "
        "count(*) FILTER (WHERE e.event_type = 'open') AS opens, "
        "count(*) FILTER (WHERE e.event_type = 'open' AND NOT e.is_machine_open) AS human, "
        "count(*) FILTER (WHERE e.event_type = 'click' AND NOT e.unsub_link) AS clicks "
        f"FROM ({filtered_events_sql(counting, events)}) e "
        "WHERE e.f AND e.event_type IN ('open', 'click') "
        f"GROUP BY {', '.join(str(i) for i in range(1, 4 + n))}"
    )
    on = " AND ".join(f"x.{c} = r.{c}" for c in RECORD_KEY)
    keys = ", ".join(str(i) for i in range(1, 4 + n))
    shown = "".join(f", x.{quote_ident(d)}" for d in dims)
    return (
        f"SELECT r.campaign_id, r.email_id, {_local_day('r.first_sent_at', tz)} AS send_day"
        f"{shown}, "
        "CAST(sum(CASE WHEN x.opens > 0 OR x.clicks > 0 THEN 1 ELSE 0 END) AS BIGINT) AS opened, "
        "CAST(sum(CASE WHEN x.clicks > 0 THEN 1 ELSE 0 END) AS BIGINT) AS clicked, "
        "CAST(sum(x.opens) AS BIGINT) AS total_opens, "
        "CAST(sum(x.clicks) AS BIGINT) AS total_clicks, "
        "CAST(sum(CASE WHEN x.human > 0 OR x.clicks > 0 THEN 1 ELSE 0 END) AS BIGINT) "
        "AS human_opened, CAST(sum(x.human) AS BIGINT) AS human_total_opens "
        f"FROM ({per_value}) x JOIN {records} r ON {on} "
        f"GROUP BY {keys} HAVING sum(x.opens) + sum(x.clicks) > 0 ORDER BY {keys}"
    )


def in_setting(both: pd.DataFrame, machine_opens: str, measures: Sequence[str]) -> pd.DataFrame:
    """The rows of a query that counts machine opens in and apart (each ``human_<m>``
    beside ``<m>``: :func:`engagement_cube_sql`, :func:`activity_sql`) in one setting:
    the counts of ``measures`` with machine opens counted, or left out (the rows that have
    nothing left then go).

    Parameters
    ----------
    both : pandas.DataFrame
        The query's result.
    machine_opens : {"count", "exclude"}
        The setting.
    measures : sequence of str
        The counts of a row.

    Returns
    -------
    pandas.DataFrame
        ``both``'s columns but the ``human_`` ones.
    """
    human = [c for c in both.columns if c.startswith(HUMAN)]
    columns = [c for c in both.columns if c not in human]
    if machine_opens == "count":
        return both[columns]
    out = both.drop(columns=[h.removeprefix(HUMAN) for h in human])
    out = out.rename(columns={h: h.removeprefix(HUMAN) for h in human})[columns]
    return out[(out[list(measures)] != 0).any(axis=1)].reset_index(drop=True)


#: The aggregates of opens and clicks by one more dimension than campaign, email and send
#: day (:func:`activity_sql`): hours since the send, weekday and hour, link and person;
#: each kind's dimensions and counts.
ACTIVITY_KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "hours": (("bin",), ("opens", "clicks", "opened", "clicked")),
    "clock": (("weekday", "hour"), ("opens",)),
    "clicks": (("link", "lead_id"), ("clicks",)),
}
_HOUR_US = 3_600_000_000
#: An event of the activity table that is not a machine open.
_HUMAN = "NOT is_machine_open"
#: A count without machine opens beside the count with them (``human_opens``...).
HUMAN = "human_"


def activity_events_sql(
    params: RuleParams,
    events: str,
    records: str,
    tz: str,
    sent_between: Bounds | None = None,
    lead_attrs: tuple[str, ...] = (),
    leads: str = "leads",
) -> str:
    """The opens and counted clicks of the records, with what :func:`activity_sql` sums
    them by: one row per event.

    Machine opens are kept and marked whatever ``params`` says: :func:`activity_sql` sums
    them in or leaves them out, so one table serves both settings.

    Parameters
    ----------
    params, events, tz, sent_between
        As for :func:`counted_events_sql`.
    records : str
        The records of ``params`` with machine opens counted.
    lead_attrs : tuple of str
        Lead attributes to carry (for a filter on them), as in :func:`cube_sql`.
    leads : str
        The leads' table or view.

    Returns
    -------
    str
        SQL returning ``campaign_id, email_id, lead_id, send_day`` (the record's), the lead
        attributes, ``is_open``, ``is_first`` (the record's first open, or first counted
        click, in time), ``is_machine_open``, ``is_first_human`` (first among the
        record's opens that are not machine opens, or its first counted click), ``since``
        (microseconds from the record's first send; NULL without one), ``weekday`` (Monday
        0) and ``hour`` of the event in zone ``tz``, and ``link``.
    """
    counting = params.counting_machine_opens()
    where = "e.f AND (e.event_type = 'open' OR (e.event_type = 'click' AND NOT e.unsub_link))"
    if sent_between is not None:
        lo, hi = sent_between
        where += f" AND r.first_sent_at >= {instant_literal(lo)}" if lo is not None else ""
        where += f" AND r.first_sent_at < {instant_literal(hi)}" if hi is not None else ""
    attrs, join = _lead_columns(lead_attrs, leads)
    local = f"e.timestamp AT TIME ZONE {quote_literal(tz)}"
    # Days since a Monday, as days between dates (the same in every dialect).
    weekday = f"date_diff('day', DATE '1970-01-05', {_local_day('e.timestamp', tz)})"
    partition = ", ".join(f"e.{c}" for c in RECORD_KEY)
    return (
        f"SELECT e.campaign_id, e.email_id, e.lead_id, {_local_day('r.first_sent_at', tz)} "
        f"AS send_day{attrs}, e.event_type = 'open' AS is_open, "
        f"row_number() OVER (PARTITION BY {partition}, e.event_type ORDER BY e.timestamp) = 1 "
        "AS is_first, e.is_machine_open, row_number() OVER "
        f"(PARTITION BY {partition}, e.event_type, e.is_machine_open ORDER BY e.timestamp) = 1 "
        "AS is_first_human, date_diff('microsecond', r.first_sent_at, e.timestamp) AS since, "
        f"CAST((({weekday} % 7) + 7) % 7 AS BIGINT) AS weekday, "
        f"CAST(EXTRACT(HOUR FROM {local}) AS BIGINT) AS hour, e.link "
        f"FROM ({filtered_events_sql(counting, events)}) e JOIN {records} r ON {_ON_RECORD}"
        f"{join} WHERE {where}"
    )


def activity_sql(
    source: str,
    kind: str,
    lead_attrs: tuple[str, ...] = (),
    *,
    hours: int = 72,
) -> str:
    """Opens and counted clicks summed by campaign, email, send day, lead attributes and one
    more dimension. Each event counts under its record's send day, so every aggregate is
    additive over send days, campaigns and emails.

    Parameters
    ----------
    source : str
        A table or parenthesised query of :func:`activity_events_sql`.
    kind : {"hours", "clock", "clicks"}
        ``hours``: by ``bin``, the whole hours since the record's first send (``0`` to
        ``hours - 1``; ``hours`` for later, ``-1`` for before), of the records with a send,
        with ``opens, clicks`` (events) and ``opened, clicked`` (records, at their first
        open and first counted click); ``clock``: the ``opens`` by ``weekday`` (Monday 0)
        and ``hour`` of the open in the zone; ``clicks``: the counted ``clicks`` by
        ``link`` and ``lead_id`` (a link's people are counted from these rows).
        The opens also without machine opens (``human_opens``, ``human_opened``: at the
        record's first open that is not one); see :func:`in_setting`.
    lead_attrs : tuple of str
        The lead attributes ``source`` carries.
    hours : int, default 72
        The last whole hour with a bin of its own (``hours``).

    Returns
    -------
    str
        SQL returning ``campaign_id, email_id, send_day``, the lead attributes, the
        dimension and the counts, ordered by the dimensions.
    """
    if kind not in ACTIVITY_KINDS:
        raise ValueError(f"kind must be one of {', '.join(ACTIVITY_KINDS)}, not {kind!r}")
    attrs = "".join(f", {quote_ident(a)}" for a in lead_attrs)
    if kind == "hours":
        h = int(hours)
        dims = (
            f"CAST(CASE WHEN since < 0 THEN -1 WHEN since >= {h * _HOUR_US} THEN {h} "
            f"ELSE since // {_HOUR_US} END AS BIGINT) AS bin"
        )
        counts = (
            "count(*) FILTER (WHERE is_open) AS opens, "
            "count(*) FILTER (WHERE NOT is_open) AS clicks, "
            "count(*) FILTER (WHERE is_open AND is_first) AS opened, "
            "count(*) FILTER (WHERE NOT is_open AND is_first) AS clicked, "
            f"count(*) FILTER (WHERE is_open AND {_HUMAN}) AS human_opens, "
            f"count(*) FILTER (WHERE is_open AND {_HUMAN} AND is_first_human) AS human_opened"
        )
        where, n = " WHERE since IS NOT NULL", 1
    elif kind == "clock":
        counts = f"count(*) AS opens, count(*) FILTER (WHERE {_HUMAN}) AS human_opens"
        dims, where, n = "weekday, hour", " WHERE is_open", 2
    else:
        dims, counts, where, n = "link, lead_id", "count(*) AS clicks", " WHERE NOT is_open", 2
    keys = ", ".join(str(i) for i in range(1, 4 + len(lead_attrs) + n))
    return (
        f"SELECT campaign_id, email_id, send_day{attrs}, {dims}, {counts} FROM {source}"
        f"{where} GROUP BY {keys} ORDER BY {keys}"
    )


def bots_sql(params: RuleParams, events: str, records: str) -> str:
    """The opens and clicks of the records that count as bots, per reason (RULES.md
    section 9: ``source``, ``list``, ``proximity``), whether or not they are excluded.

    Returns
    -------
    str
        SQL returning ``reason, n``.
    """
    flagged = replace(params, exclude_bots=False, machine_opens="count")
    return (
        "SELECT e.bot_reason AS reason, count(*) AS n "
        f"FROM ({filtered_events_sql(flagged, events)}) e "
        f"SEMI JOIN {records} r ON {_ON_RECORD} "
        "WHERE e.f AND e.is_bot AND e.event_type IN ('open', 'click') GROUP BY 1 ORDER BY 1"
    )


def records_by_day_sql(records: str, tz: str) -> str:
    """The records, each with ``send_day``: the day of its first send in zone ``tz``."""
    return (
        f"SELECT *, {_local_day('first_sent_at', tz)} AS send_day FROM {records} "
        "ORDER BY campaign_id, email_id, lead_id"
    )


def counted_events_sql(
    params: RuleParams,
    events: str,
    records: str,
    tz: str,
    sent_between: Bounds | None,
    event_types: tuple[str, ...] | None = None,
) -> str:
    """The counted events of the records, each with its record's first send.

    Parameters
    ----------
    params : RuleParams
        The rule settings.
    events : str
        The canonical events' table or view.
    records : str
        The records of ``params`` over ``events``.
    tz : str
        The zone of ``send_day``.
    sent_between : (Timestamp or None, Timestamp or None) or None
        Keep only records first sent in these half-open UTC bounds (sent basis).
    event_types : tuple of str, optional
        Keep only these event types.

    Returns
    -------
    str
        SQL returning ``campaign_id, email_id, lead_id, event_type, timestamp, link,
        is_bot, bot_reason, is_machine_open, unsub_link, first_sent_at, send_day``, in time
        order.
    """
    where = "e.f"
    if sent_between is not None:
        lo, hi = sent_between
        where += f" AND r.first_sent_at >= {instant_literal(lo)}" if lo is not None else ""
        where += f" AND r.first_sent_at < {instant_literal(hi)}" if hi is not None else ""
    if event_types:
        where += f" AND e.event_type IN ({', '.join(quote_literal(t) for t in event_types)})"
    return (
        "SELECT e.campaign_id, e.email_id, e.lead_id, e.event_type, e.timestamp, e.link, "
        "e.is_bot, e.bot_reason, e.is_machine_open, "
        f"e.unsub_link, r.first_sent_at, {_local_day('r.first_sent_at', tz)} "
        f"AS send_day FROM ({filtered_events_sql(params, events)}) e JOIN {records} r "
        f"ON {_ON_RECORD} WHERE {where} ORDER BY e.timestamp"
    )
