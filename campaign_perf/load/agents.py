"""The user agents of a log, parsed once each at load, and what the load saw of bots and
machine opens (RULES.md section 9).

One pass over the opens and clicks gathers the distinct user agents with the machine opens
and source-flagged bots of each; :func:`~campaign_perf.clients.classify` parses each
distinct user agent once, the first time a client, OS or device is asked for, into the
small ``agents`` table that :func:`~campaign_perf.engine.queries.with_agents_sql` joins to
the events.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
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
        Distinct user agents (each parsed once, when first needed).
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
) -> tuple[AgentsFound, Callable[[], str]]:
    """Count the distinct user agents of ``events``, the bots and the machine opens; and
    what parses the user agents into ``table`` the first time a client, OS or device is
    asked for (ua-parser's rules take a tenth of a second to compile: a report that never
    groups by where emails were read does not pay it).

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The load's connection.
    events : str
        The counted events.
    table : str
        The table the parse creates: :data:`~campaign_perf.clients.AGENT_COLUMNS`.

    Returns
    -------
    (AgentsFound, callable)
        What the load found, and a function that gives the table's name, parsing the user
        agents into it on its first call.
    """
    per_agent, per_reason = agent_counts_sql(events)
    rows = con.execute(per_agent).fetchall()
    distinct = [ua for ua, _ in rows if ua is not None]
    bots = {str(r): int(n) for r, n in con.execute(per_reason).fetchall()}

    @functools.cache
    def parsed() -> str:
        con.register("_agents_df", classify(distinct))
        cols = ", ".join(f"CAST({c} AS VARCHAR) AS {c}" for c in AGENT_COLUMNS)
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT {cols} FROM _agents_df")
        con.unregister("_agents_df")
        return table

    found = AgentsFound(
        user_agents=len(distinct),
        machine_opens=int(sum(n for _, n in rows)),
        bots=bots,
    )
    return found, parsed
