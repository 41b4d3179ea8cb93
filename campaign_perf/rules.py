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

from dataclasses import dataclass

import pandas as pd

from campaign_perf._engine import quote_literal

__all__ = [
    "COUNT_COLUMNS",
    "DEFAULT_UNSUBSCRIBE_LINK_PATTERN",
    "PENDING_DAYS",
    "RuleParams",
    "filtered_events_sql",
    "records_sql",
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
)


@dataclass(frozen=True)
class RuleParams:
    """What the rules need besides the events.

    Attributes
    ----------
    as_of : pandas.Timestamp
        The report's reference time (UTC); later events are ignored.
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
    """

    as_of: pd.Timestamp
    exclude_bots: bool = False
    proximity_seconds: int | None = None
    unsubscribe_link_pattern: str = DEFAULT_UNSUBSCRIBE_LINK_PATTERN
    frame: tuple[pd.Timestamp | None, pd.Timestamp | None] | None = None
    extra_counts: tuple[tuple[str, str], ...] = ()

    @property
    def count_columns(self) -> tuple[str, ...]:
        """The built-in counts, then the custom counts."""
        return COUNT_COLUMNS + tuple(i for i, _ in self.extra_counts)


def _ts(value: pd.Timestamp) -> str:
    return f"CAST({quote_literal(value.tz_convert('UTC').isoformat())} AS TIMESTAMPTZ)"


def filtered_events_sql(p: RuleParams, events: str = "events") -> str:
    """The events the rules count, after RULES.md section 8's steps in order.

    Duplicates were merged and orphans set aside at load. Here: events after ``as_of``
    are dropped, bots are flagged by proximity, then excluded if asked; ``f`` tells
    whether an event is inside the frame (always true on the sent basis), and
    ``unsub_link`` marks clicks on unsubscribe links.

    Parameters
    ----------
    p : RuleParams
        The report's rule settings.
    events : str
        The table or view of canonical events.

    Returns
    -------
    str
        SQL returning ``campaign_id, email_id, lead_id, event_type, timestamp, link,
        is_bot, f, unsub_link``.
    """
    as_of = _ts(p.as_of)
    # 1. Events after as_of are ignored.
    base = (
        f"SELECT campaign_id, email_id, lead_id, event_type, timestamp, link, is_bot "
        f"FROM {events} WHERE timestamp <= {as_of}"
    )
    # 2. Proximity: opens and clicks within s seconds of another of the same record are bots.
    #    On whole seconds, the nearest other activity is the previous or the next one.
    #    (No arithmetic right after `OVER w`: Spark's parser would read `w - sec` as a name.)
    if p.proximity_seconds is not None:
        s = int(p.proximity_seconds)
        base = (
            "SELECT campaign_id, email_id, lead_id, event_type, timestamp, link, "
            f"is_bot OR coalesce(sec - lag(sec) OVER w <= {s}, false) "
            f"OR coalesce(lead(sec) OVER w <= sec + {s}, false) AS is_bot "
            "FROM (SELECT *, CAST(floor(epoch(timestamp)) AS BIGINT) AS sec FROM base "
            "WHERE event_type IN ('open', 'click')) "
            "WINDOW w AS (PARTITION BY campaign_id, email_id, lead_id ORDER BY sec) "
            "UNION ALL SELECT * FROM base WHERE event_type NOT IN ('open', 'click')"
        ).replace("FROM base", f"FROM ({base})")
    # 3. Bots are excluded if asked.
    keep = "NOT (is_bot AND event_type IN ('open', 'click'))" if p.exclude_bots else "true"
    # 4. The frame (activity basis): events outside it do not count.
    if p.frame is None:
        in_frame = "true"
    else:
        lo, hi = p.frame
        conds = [f"timestamp >= {_ts(lo)}" if lo is not None else "true"]
        conds.append(f"timestamp < {_ts(hi)}" if hi is not None else "true")
        in_frame = " AND ".join(conds)
    # Case-insensitive by an inline flag rather than an option argument: the same meaning
    # in DuckDB (RE2) and in Spark (Java regex), so the query transpiles unchanged.
    pattern = quote_literal("(?i)" + p.unsubscribe_link_pattern)
    return (
        f"SELECT *, {in_frame} AS f, event_type = 'click' "
        f"AND coalesce(regexp_matches(link, {pattern}), false) AS unsub_link "
        f"FROM ({base}) WHERE {keep}"
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
    as_of = _ts(p.as_of)
    extra_aggs = "".join(f",\n bool_or(f AND ({pred})) AS x_{i}" for i, pred in p.extra_counts)
    extra_cols = "".join(
        f", CAST(coalesce(x_{i}, false) AS INTEGER) AS {i}" for i, _ in p.extra_counts
    )
    agg = f"""
        SELECT campaign_id, email_id, lead_id,
            min(timestamp) FILTER (WHERE event_type = 'sent') AS first_sent_at,
            min(timestamp) FILTER (WHERE event_type = 'sent' AND f) AS first_sent_in_frame,
            count(*) FILTER (WHERE f) AS n_events,
            count(*) FILTER (WHERE f AND event_type = 'open') AS total_opens,
            count(*) FILTER (WHERE f AND event_type = 'click' AND NOT unsub_link) AS total_clicks,
            bool_or(f AND event_type = 'hard_bounce') AS any_hard,
            bool_or(f AND event_type = 'soft_bounce') AS any_soft,
            bool_or(f AND event_type = 'delivered') AS any_delivered,
            bool_or(f AND event_type = 'unsubscribe') AS any_unsub,
            bool_or(f AND event_type = 'complaint') AS any_complaint{extra_aggs}
        FROM ({filtered_events_sql(p, events)})
        GROUP BY campaign_id, email_id, lead_id
    """
    having = "first_sent_at IS NOT NULL" if p.frame is None else "n_events > 0"
    # Ages compare each send with a constant (as_of - 72 h): interval arithmetic per row is
    # twice as slow on millions of records.
    return f"""
        WITH agg AS ({agg}),
        eng AS (
            SELECT *, (total_opens > 0 OR total_clicks > 0 OR any_unsub) AS is_opened
            FROM agg WHERE {having}
        )
        SELECT campaign_id, email_id, lead_id, first_sent_at,
            CAST(first_sent_in_frame IS NOT NULL AS INTEGER) AS sent,
            CAST(is_opened OR (NOT any_hard AND NOT any_soft
                AND (any_delivered OR any_complaint)) AS INTEGER) AS delivered,
            CAST(NOT is_opened AND any_hard AS INTEGER) AS hard_bounced,
            CAST(NOT is_opened AND NOT any_hard AND any_soft AS INTEGER) AS soft_bounced,
            CAST(NOT is_opened AND NOT any_hard AND NOT any_soft AND NOT any_delivered
                AND NOT any_complaint AND first_sent_in_frame IS NOT NULL
                AND first_sent_in_frame > {as_of} - INTERVAL {PENDING_DAYS * 24} HOUR
                AS INTEGER) AS pending,
            CAST(NOT is_opened AND NOT any_hard AND NOT any_soft AND NOT any_delivered
                AND NOT any_complaint AND first_sent_in_frame IS NOT NULL
                AND first_sent_in_frame <= {as_of} - INTERVAL {PENDING_DAYS * 24} HOUR
                AS INTEGER) AS aborted,
            CAST(is_opened AS INTEGER) AS opened,
            CAST(total_clicks > 0 AS INTEGER) AS clicked,
            CAST(any_unsub AS INTEGER) AS unsubscribed,
            CAST(any_complaint AS INTEGER) AS complained,
            total_opens, total_clicks{extra_cols}
        FROM eng
    """
