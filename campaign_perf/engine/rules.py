"""The counting rules of RULES.md as one SQL query: events -> records.

This module is the single place where the rules live. :func:`records_sql` writes the
query that turns canonical events into one row per record (campaign, email, lead) with
its status and engagement; the embedded engine runs it as it is, and the Spark engine
(:mod:`campaign_perf.spark`) runs the same query transpiled to Spark SQL by sqlglot. So
the SQL keeps to constructs that mean the same in both dialects: ``FILTER (WHERE)``,
``bool_or``, ``epoch(ts)``, ``INTERVAL n HOUR``, timestamp literals with an explicit
offset, and regular expressions whose flags are inline (``(?i)``).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace
from typing import Literal

import pandas as pd

from campaign_perf.botlist import BotList
from campaign_perf.clients import MACHINE_OPEN_USER_AGENTS
from campaign_perf.engine.sql import quote_literal
from campaign_perf.schema import EVENT_TYPES

__all__ = [
    "COUNT_COLUMNS",
    "DEFAULT_UNSUBSCRIBE_LINK_PATTERN",
    "KIND_BITS",
    "MACHINE_OPENS",
    "PENDING_DAYS",
    "RuleParams",
    "filtered_events_sql",
    "instant_literal",
    "record_aggregates_sql",
    "records_from_aggregates_sql",
    "records_sql",
    "serves",
]

#: Clicks on links matching this (case-insensitive) pattern are not counted as clicks.
DEFAULT_UNSUBSCRIBE_LINK_PATTERN = r"unsubscribe|opt-?out"
#: A record with no outcome is Aborted once this many days (of 24 hours) passed since its send.
PENDING_DAYS = 3
#: The additive counts of a record, in report order.
COUNT_COLUMNS = (
    "sent",
    "delivered",
    "hard_bounced",
    "soft_bounced",
    "pending",
    "aborted",
    "opened",
    "clicked",
    "unsubscribed",
    "complained",
    "total_opens",
    "total_clicks",
    "machine_opened",
)
#: What the report does with machine opens (RULES.md section 9): count them as opens
#: (Marketo's behaviour) or exclude them before the rules, like excluded bots.
MACHINE_OPENS: tuple[str, ...] = ("count", "exclude")
MachineOpens = Literal["count", "exclude"]


@dataclass(frozen=True)
class RuleParams:
    """What the rules need besides the events.

    Attributes
    ----------
    as_of : pandas.Timestamp or None
        The report's reference time (UTC); later events are ignored. ``None`` (the loader's
        own aggregates only) leaves no event out; records need it set.
    exclude_bots : bool
        Remove opens and clicks flagged as bot activity.
    proximity_seconds : int or None
        Flag opens and clicks of a record within this many seconds of one another as bots.
    unsubscribe_link_pattern : str
        Regular expression (case-insensitive) of unsubscribe links.
    frame : tuple of (Timestamp or None, Timestamp or None) or None
        Activity basis only: the half-open UTC frame outside which events are dropped.
        ``None`` is the sent basis (every event up to ``as_of`` counts).
    extra_counts : tuple of (id, predicate)
        Custom counts: records (people) with at least one counted event matching the SQL
        predicate over the columns of :func:`filtered_events_sql`.
    machine_opens : {"count", "exclude"}
        Count machine opens as opens, or remove them before the rules (like excluded bots).
    bot_list : BotList or None
        User-agent patterns and IP networks: a matching open or click is a bot (reason
        ``list``).
    """

    as_of: pd.Timestamp | None
    exclude_bots: bool = False
    proximity_seconds: int | None = None
    unsubscribe_link_pattern: str = DEFAULT_UNSUBSCRIBE_LINK_PATTERN
    frame: tuple[pd.Timestamp | None, pd.Timestamp | None] | None = None
    extra_counts: tuple[tuple[str, str], ...] = ()
    machine_opens: MachineOpens = "count"
    bot_list: BotList | None = None

    def counting_machine_opens(self) -> RuleParams:
        """These settings with machine opens counted: the queries that keep machine opens
        apart (to sum them in or leave them out later) run with these."""
        return replace(self, machine_opens="count")

    @property
    def count_columns(self) -> tuple[str, ...]:
        """The built-in counts, then the custom counts."""
        return COUNT_COLUMNS + tuple(i for i, _ in self.extra_counts)


def instant_literal(value: pd.Timestamp) -> str:
    """SQL of an instant (an aware timestamp) as a ``TIMESTAMPTZ`` literal in UTC."""
    return f"CAST({quote_literal(value.tz_convert('UTC').isoformat())} AS TIMESTAMPTZ)"


#: The columns of the events the rules count (:func:`filtered_events_sql`), before ``f``
#: and ``unsub_link``.
FILTERED_COLUMNS = (
    "campaign_id",
    "email_id",
    "lead_id",
    "event_type",
    "timestamp",
    "link",
    "is_bot",
    "bot_reason",
    "is_machine_open",
    "user_agent",
    "ip",
    "client",
    "os",
    "device",
    "country",
)
_ACTIVITY = "event_type IN ('open', 'click')"
#: An IPv4 address, alone or mapped into IPv6 (no backslashes: the SQL goes to Spark too).
_IPV4 = "^(?:::ffff:)?([0-9]{1,3})[.]([0-9]{1,3})[.]([0-9]{1,3})[.]([0-9]{1,3})$"


def _ipv4_sql(ip: str) -> str:
    """SQL of an IPv4 address as a number (NULL when ``ip`` is not one)."""
    v4 = quote_literal(_IPV4)
    octets = [f"TRY_CAST(regexp_extract({ip}, {v4}, {k}) AS BIGINT)" for k in range(1, 5)]
    return " + ".join(f"{o} * {256 ** (3 - i)}" for i, o in enumerate(octets))


def _ipv6_sql(ip: str) -> str:
    """SQL of an IPv6 address as 32 lower-case hex digits (NULL when ``ip`` has no colon).

    The groups left of ``::`` are counted from the start, those right of it from the end,
    and the groups it stands for are zero; each group is padded to 4 digits, so that two
    addresses compare as text as they do as numbers.
    """
    cut = f"strpos({ip}, '::')"
    left = f"(CASE WHEN {cut} > 0 THEN substr({ip}, 1, {cut} - 1) ELSE {ip} END)"
    right = f"(CASE WHEN {cut} > 0 THEN substr({ip}, {cut} + 2) ELSE '' END)"

    def n_groups(part: str) -> str:
        colons = f"length({part}) - length(replace({part}, ':', ''))"
        return f"(CASE WHEN {part} = '' THEN 0 ELSE {colons} + 1 END)"

    n_left, n_right = n_groups(left), n_groups(right)
    groups = []
    for i in range(8):
        from_start = quote_literal(f"^(?:[^:]*:){{{i}}}([^:]*)")
        from_end = quote_literal(f"([^:]*)(?::[^:]*){{{7 - i}}}$")
        groups.append(
            f"lpad(CASE WHEN {i} < {n_left} THEN regexp_extract({left}, {from_start}, 1) "
            f"WHEN {i} >= 8 - {n_right} THEN regexp_extract({right}, {from_end}, 1) "
            "ELSE '0' END, 4, '0')"
        )
    return f"CASE WHEN strpos({ip}, ':') > 0 THEN {' || '.join(groups)} END"


def bot_list_sql(bots: BotList, user_agent: str = "user_agent", ip: str = "ip") -> str:
    """SQL: whether an event's user agent or IP matches the bot list.

    Patterns are case-insensitive and match anywhere in the user agent; an IP matches a
    network when it lies in it (IPv4, IPv6, and IPv4 mapped into IPv6).
    """
    conds = []
    if bots.patterns:
        pattern = "(?i)" + "|".join(f"(?:{p})" for p in bots.patterns)
        conds.append(f"coalesce(regexp_matches({user_agent}, {quote_literal(pattern)}), false)")
    nets = bots.ip_networks()
    v4 = [n for n in nets if isinstance(n, ipaddress.IPv4Network)]
    v6 = [n for n in nets if isinstance(n, ipaddress.IPv6Network)]
    # An IPv4 network also holds its addresses written as IPv4-mapped IPv6.
    addr = f"lower(trim({ip}))"
    if v4:
        num = f"({_ipv4_sql(addr)})"
        conds += [
            f"coalesce({num} BETWEEN {int(n.network_address)} "
            f"AND {int(n.broadcast_address)}, false)"
            for n in v4
        ]
    if v6:
        hexed = f"({_ipv6_sql(addr)})"
        conds += [
            f"coalesce({hexed} BETWEEN '{int(n.network_address):032x}' "
            f"AND '{int(n.broadcast_address):032x}', false)"
            for n in v6
        ]
    return "(" + " OR ".join(conds or ["false"]) + ")"


def machine_open_sql(table: str = "") -> str:
    """SQL: an open fetched by a privacy proxy: the source's flag, or the proxy's
    documented user agent (:data:`~campaign_perf.clients.MACHINE_OPEN_USER_AGENTS`);
    ``table`` qualifies the columns (``"e"``). Loaded text is trimmed already, so the user
    agent compares as it is (an equality, not a scan of every user agent)."""
    t = f"{table}." if table else ""
    sigs = ", ".join(quote_literal(u) for u in MACHINE_OPEN_USER_AGENTS)
    return (
        f"({t}event_type = 'open' AND (coalesce({t}is_machine_open, false) "
        f"OR coalesce({t}user_agent IN ({sigs}), false)))"
    )


def filtered_events_sql(p: RuleParams, events: str = "events") -> str:
    """The events the rules count, after RULES.md sections 8 and 9's steps in order.

    Duplicates were merged and orphans set aside at load. Here: events after ``as_of``
    are dropped; the source's bots get the reason ``source``, the bot list's ``list``,
    proximity's ``proximity`` (the first reason wins); machine opens are marked; then bots
    and machine opens are excluded if asked. ``f`` tells whether an event is inside the
    frame (always true on the sent basis), and ``unsub_link`` marks clicks on unsubscribe
    links.

    Parameters
    ----------
    p : RuleParams
        The report's rule settings.
    events : str
        The table or view of canonical events.

    Returns
    -------
    str
        SQL returning :data:`FILTERED_COLUMNS`, then ``f, unsub_link``.
    """
    # 1. Events after as_of are ignored; the source's bots and machine opens are marked.
    listed = bot_list_sql(p.bot_list) if p.bot_list else "false"
    flagged = f"coalesce(is_bot, false) AND {_ACTIVITY}"
    carry = "user_agent, ip, client, os, device, country"
    base = (
        "SELECT campaign_id, email_id, lead_id, event_type, timestamp, link, "
        f"coalesce(is_bot, false) OR ({_ACTIVITY} AND {listed}) AS is_bot, "
        f"CASE WHEN {flagged} THEN coalesce(bot_reason, 'source') "
        f"WHEN {_ACTIVITY} AND {listed} THEN 'list' END AS bot_reason, "
        f"{machine_open_sql()} AS is_machine_open, {carry} FROM {events}"
    )
    if p.as_of is not None:
        base += f" WHERE timestamp <= {instant_literal(p.as_of)}"
    # 2. Proximity: opens and clicks within s seconds of another of the same record are bots.
    #    On whole seconds, the nearest other activity is the previous or the next one.
    #    (No arithmetic right after `OVER w`: Spark's parser would read `w - sec` as a name.)
    if p.proximity_seconds is not None:
        s = int(p.proximity_seconds)
        cols = ", ".join(FILTERED_COLUMNS)
        base = (
            "SELECT campaign_id, email_id, lead_id, event_type, timestamp, link, "
            "is_bot OR close AS is_bot, "
            "CASE WHEN is_bot THEN bot_reason WHEN close THEN 'proximity' END AS bot_reason, "
            f"is_machine_open, {carry} FROM ("
            f"SELECT *, coalesce(sec - lag(sec) OVER w <= {s}, false) "
            f"OR coalesce(lead(sec) OVER w <= sec + {s}, false) AS close "
            "FROM (SELECT *, CAST(floor(epoch(timestamp)) AS BIGINT) AS sec FROM base "
            f"WHERE {_ACTIVITY}) "
            "WINDOW w AS (PARTITION BY campaign_id, email_id, lead_id ORDER BY sec)) "
            f"UNION ALL SELECT {cols} FROM base WHERE NOT {_ACTIVITY}"
        ).replace("FROM base", f"FROM ({base})")
    # 3. Bots and machine opens are excluded if asked.
    drop = []
    if p.exclude_bots:
        drop.append(f"(is_bot AND {_ACTIVITY})")
    if p.machine_opens == "exclude":
        drop.append("is_machine_open")
    keep = f"NOT ({' OR '.join(drop)})" if drop else "true"
    # 4. The frame (activity basis): events outside it do not count.
    if p.frame is None:
        in_frame = "true"
    else:
        lo, hi = p.frame
        conds = [f"timestamp >= {instant_literal(lo)}" if lo is not None else "true"]
        conds.append(f"timestamp < {instant_literal(hi)}" if hi is not None else "true")
        in_frame = " AND ".join(conds)
    # Case-insensitive by an inline flag rather than an option argument: the same meaning
    # in DuckDB (RE2) and in Spark (Java regex), so the query transpiles unchanged.
    pattern = quote_literal("(?i)" + p.unsubscribe_link_pattern)
    return (
        f"SELECT *, {in_frame} AS f, event_type = 'click' "
        f"AND coalesce(regexp_matches(link, {pattern}), false) AS unsub_link "
        f"FROM ({base}) WHERE {keep}"
    )


#: Each event type's bit in a record's ``kinds``: the bitwise OR of its counted events' bits
#: (one aggregate instead of one ``bool_or`` per type: a third faster on 20M events).
KIND_BITS = {t: 1 << i for i, t in enumerate(EVENT_TYPES)}


def has_kind(event_type: str, kinds: str = "kinds") -> str:
    """SQL: whether a record's ``kinds`` holds an event of this type."""
    return f"({kinds} & {KIND_BITS[event_type]} <> 0)"


def record_aggregates_sql(p: RuleParams, events: str = "events") -> str:
    """Per record (campaign, email, lead), what the rules need of its counted events.

    Parameters
    ----------
    p : RuleParams
        The report's rule settings; with ``as_of=None`` no event is left out for being late
        (the loader computes these aggregates once over all events, which any report with
        default settings and an ``as_of`` at or after the last event can reuse).
    events : str
        The table or view of canonical events.

    Returns
    -------
    str
        SQL returning ``campaign_id, email_id, lead_id, first_sent_at`` (the earliest send,
        whatever the frame), ``kinds`` (:data:`KIND_BITS` of the event types counted),
        ``total_opens, total_clicks, machine_opens`` (opens fetched by a privacy proxy),
        and on the activity basis ``first_sent_in_frame`` and
        ``n_events``; then ``x_<id>`` of the custom counts.
    """
    # Small types: the loader keeps these rows (one per record) for the whole session.
    f = "" if p.frame is None else " FILTER (WHERE f)"
    bits = " ".join(f"WHEN {quote_literal(t)} THEN {b}" for t, b in KIND_BITS.items())
    extra = "".join(f",\n bool_or(f AND ({pred})) AS x_{i}" for i, pred in p.extra_counts)
    in_frame = (
        ""
        if p.frame is None
        else (
            "min(timestamp) FILTER (WHERE event_type = 'sent' AND f) AS first_sent_in_frame,\n"
            "count(*) FILTER (WHERE f) AS n_events,"
        )
    )
    return f"""
        SELECT campaign_id, email_id, lead_id,
            min(timestamp) FILTER (WHERE event_type = 'sent') AS first_sent_at, {in_frame}
            bit_or(CAST(CASE event_type {bits} END AS SMALLINT)){f} AS kinds,
            CAST(count(*) FILTER (WHERE {"f AND " if f else ""}event_type = 'open')
                AS INTEGER) AS total_opens,
            CAST(count(*) FILTER (WHERE {"f AND " if f else ""}event_type = 'click'
                AND NOT unsub_link) AS INTEGER) AS total_clicks,
            CAST(count(*) FILTER (WHERE {"f AND " if f else ""}is_machine_open)
                AS INTEGER) AS machine_opens{extra}
        FROM ({filtered_events_sql(p, events)})
        GROUP BY campaign_id, email_id, lead_id
    """


def records_from_aggregates_sql(p: RuleParams, aggregates: str) -> str:
    """The records (status and engagement) from :func:`record_aggregates_sql`'s rows.

    Parameters
    ----------
    p : RuleParams
        The report's rule settings (``as_of`` set: it decides Pending from Aborted).
    aggregates : str
        A table, view or parenthesised query of the record aggregates of ``p``, or of
        ``p`` with machine opens counted (see :func:`serves`).

    Returns
    -------
    str
        SQL returning one row per record: see :func:`records_sql`.
    """
    if p.as_of is None:
        raise ValueError("records from aggregates need an as_of")
    as_of = instant_literal(p.as_of)
    extra_cols = "".join(
        f", CAST(coalesce(x_{i}, false) AS INTEGER) AS {i}" for i, _ in p.extra_counts
    )
    # Machine opens excluded: aggregates of these very settings hold none, and those of
    # machine opens counted (the loader's) hold them apart, opens only: taking them away
    # leaves what excluding them before the rules leaves.
    excluded = p.machine_opens == "exclude"
    opens = "total_opens - machine_opens" if excluded else "total_opens"
    machines = "0" if excluded else "machine_opens"
    opens_out = f"CAST({opens} AS INTEGER) AS total_opens" if excluded else "total_opens"
    if p.frame is None:
        having, sent_in_frame = "first_sent_at IS NOT NULL", "first_sent_at"
    else:
        events = "n_events - machine_opens" if excluded else "n_events"
        having, sent_in_frame = f"{events} > 0", "first_sent_in_frame"
    hard, soft = has_kind("hard_bounce", "k"), has_kind("soft_bounce", "k")
    unsub, complaint = has_kind("unsubscribe", "k"), has_kind("complaint", "k")
    delivered = has_kind("delivered", "k")
    no_outcome = (
        f"NOT is_opened AND NOT {hard} AND NOT {soft} AND NOT {delivered} "
        f"AND NOT {complaint} AND {sent_in_frame} IS NOT NULL"
    )
    # Ages compare each send with a constant (as_of - 72 h): interval arithmetic per row is
    # twice as slow on millions of records.
    return f"""
        WITH agg AS (SELECT *, coalesce(kinds, 0) AS k FROM {aggregates} WHERE {having}),
        eng AS (SELECT *, ({opens} > 0 OR total_clicks > 0 OR {unsub}) AS is_opened FROM agg)
        SELECT campaign_id, email_id, lead_id, first_sent_at,
            CAST({sent_in_frame} IS NOT NULL AS INTEGER) AS sent,
            CAST(is_opened OR (NOT {hard} AND NOT {soft}
                AND ({delivered} OR {complaint})) AS INTEGER) AS delivered,
            CAST(NOT is_opened AND {hard} AS INTEGER) AS hard_bounced,
            CAST(NOT is_opened AND NOT {hard} AND {soft} AS INTEGER) AS soft_bounced,
            CAST({no_outcome} AND {sent_in_frame} > {as_of} - INTERVAL {PENDING_DAYS * 24} HOUR
                AS INTEGER) AS pending,
            CAST({no_outcome} AND {sent_in_frame} <= {as_of} - INTERVAL {PENDING_DAYS * 24} HOUR
                AS INTEGER) AS aborted,
            CAST(is_opened AS INTEGER) AS opened,
            CAST(total_clicks > 0 AS INTEGER) AS clicked,
            CAST({unsub} AS INTEGER) AS unsubscribed,
            CAST({complaint} AS INTEGER) AS complained,
            {opens_out}, total_clicks,
            CAST({machines} > 0 AND {machines} = {opens} AND total_clicks = 0
                AND NOT {unsub} AS INTEGER) AS machine_opened{extra_cols}
        FROM eng
    """


def serves(p: RuleParams, last_event: pd.Timestamp | None) -> bool:
    """Whether the loader's record aggregates (:func:`record_aggregates_sql` with default
    settings and no ``as_of``) hold the records of ``p``: default settings but for machine
    opens, and an ``as_of`` at or after the last event.

    Parameters
    ----------
    p : RuleParams
        A report's rule settings.
    last_event : pandas.Timestamp or None
        The time of the log's last event (None: no event).
    """
    return (
        p.as_of is not None
        and (last_event is None or p.as_of >= last_event)
        and replace(p.counting_machine_opens(), as_of=None) == RuleParams(as_of=None)
    )


def records_sql(p: RuleParams, events: str = "events") -> str:
    """The query of the records of RULES.md sections 2 to 5 and 8.

    Parameters
    ----------
    p : RuleParams
        The report's rule settings.
    events : str
        The table or view of canonical events (duplicates removed, orphans set aside).

    Returns
    -------
    str
        SQL returning one row per record: ``campaign_id, email_id, lead_id,
        first_sent_at`` (the earliest send up to ``as_of``, whatever the frame), then the
        0/1 flags and counts of :data:`COUNT_COLUMNS`.
    """
    return records_from_aggregates_sql(p, f"({record_aggregates_sql(p, events)})")
