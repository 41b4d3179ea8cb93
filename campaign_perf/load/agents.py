"""The user agents of a log, parsed once each at load, and what the load saw of bots and
machine opens (RULES.md section 9).

One pass over the opens and clicks gathers the distinct user agents with the machine opens
and source-flagged bots of each; :func:`~campaign_perf.clients.classify` parses each
distinct user agent once, into the small ``agents`` table that
:func:`~campaign_perf.engine.queries.with_agents_sql` joins to the events where a client,
OS or device is asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from campaign_perf.clients import AGENT_COLUMNS, classify
from campaign_perf.engine.queries import agent_counts_sql

__all__ = ["AgentsFound", "parse_user_agents"]


@dataclass(frozen=True)
class AgentsFound:
    """What the load found of user agents, bots and machine opens.

    Attributes
    ----------
    user_agents : int
        Distinct user agents parsed.
    machine_opens : int
        Open events fetched by a privacy proxy (the source's flag or the signature).
    bots : dict of str to int
        Opens and clicks flagged as bots by the source, per reason.
    """

    user_agents: int = 0
    machine_opens: int = 0
    bots: dict[str, int] = field(default_factory=dict)


def parse_user_agents(
    con: duckdb.DuckDBPyConnection, events: str = "events", table: str = "agents"
) -> AgentsFound:
    """Parse the distinct user agents of ``events`` into ``table``; count bots and machine
    opens.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The load's connection.
    events : str
        The counted events.
    table : str
        The table to create: :data:`~campaign_perf.clients.AGENT_COLUMNS`.
    """
    per_agent, per_reason = agent_counts_sql(events)
    rows = con.execute(per_agent).fetchall()
    agents = classify(ua for ua, _ in rows if ua is not None)
    con.register("_agents_df", agents)
    cols = ", ".join(f"CAST({c} AS VARCHAR) AS {c}" for c in AGENT_COLUMNS)
    con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT {cols} FROM _agents_df")
    con.unregister("_agents_df")
    bots = {str(r): int(n) for r, n in con.execute(per_reason).fetchall()}
    return AgentsFound(
        user_agents=len(agents),
        machine_opens=int(sum(n for _, n in rows)),
        bots=bots,
    )
