"""The SQL of custom counts: a predicate over the rules' filtered events, built from
keyword arguments only (never from user SQL; every value is a quoted literal)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import duckdb

from campaign_perf.engine.sql import quote_literal
from campaign_perf.errors import MetricError
from campaign_perf.schema import EVENT_TYPES

__all__ = ["WHERE_COLUMNS", "count_predicate"]

#: The event columns that a custom count's ``where=`` may match exactly.
WHERE_COLUMNS = ("campaign_id", "email_id", "link")


def _str_list(value: str | Iterable[str], what: str) -> list[str]:
    if isinstance(value, str):
        items: list[Any] = [value]
    elif isinstance(value, Iterable):
        items = list(value)
    else:
        items = []
    if not items or not all(isinstance(v, str) and v for v in items):
        raise MetricError(f"{what} must be a non-empty string or list of strings: {value!r}")
    return items


def count_predicate(
    event: str,
    link_contains: str | Iterable[str] | None,
    link_pattern: str | None,
    bots: bool | None,
    where: Mapping[str, str | Iterable[str]] | None,
    include_unsubscribe_links: bool,
) -> tuple[str, str]:
    """The SQL predicate of a custom count and a sentence describing it."""
    if event not in EVENT_TYPES:
        raise MetricError(f"event must be one of {', '.join(EVENT_TYPES)}, not {event!r}")
    link_rules = link_contains is not None or link_pattern is not None
    if event != "click" and (link_rules or include_unsubscribe_links):
        raise MetricError("link_contains, link_pattern and unsubscribe links apply to clicks only")
    if event not in ("open", "click") and bots is not None:
        raise MetricError("bots= applies to opens and clicks only")
    conds = [f"event_type = {quote_literal(event)}"]
    words = [f"People with a {event.replace('_', ' ')}"]
    if link_contains is not None:
        parts = _str_list(link_contains, "link_contains")
        conds.append(
            "("
            + " OR ".join(
                f"strpos(lower(coalesce(link, '')), {quote_literal(p.lower())}) > 0" for p in parts
            )
            + ")"
        )
        words.append("whose link contains " + " or ".join(map(repr, parts)))
    if link_pattern is not None:
        if not isinstance(link_pattern, str) or not link_pattern:
            raise MetricError(f"link_pattern must be a regular expression: {link_pattern!r}")
        # Case-insensitive by an inline flag: the same in DuckDB (RE2) and Spark (Java).
        pattern = "(?i)" + link_pattern
        try:
            with duckdb.connect(":memory:") as con:
                con.execute("SELECT regexp_matches('', ?)", [pattern])
        except duckdb.Error as exc:
            raise MetricError(f"link_pattern {link_pattern!r} is not valid: {exc}") from None
        conds.append(f"coalesce(regexp_matches(link, {quote_literal(pattern)}), false)")
        words.append(f"whose link matches {link_pattern!r}")
    if event == "click" and not include_unsubscribe_links:
        conds.append("NOT unsub_link")
        words.append("(unsubscribe links excluded)")
    if bots is not None:
        if not isinstance(bots, bool):
            raise MetricError(f"bots must be None, True or False, not {bots!r}")
        conds.append("coalesce(is_bot, false)" if bots else "NOT coalesce(is_bot, false)")
        words.append("flagged as bot activity" if bots else "not flagged as bot activity")
    for column, value in (where or {}).items():
        if column not in WHERE_COLUMNS:
            raise MetricError(
                f"where: unknown column {column!r}; use {', '.join(WHERE_COLUMNS)} "
                "(link_contains / link_pattern / bots for the rest)"
            )
        values = _str_list(value, f"where[{column!r}]")
        conds.append(f"{column} IN ({', '.join(quote_literal(v) for v in values)})")
        words.append(f"where {column} is " + " or ".join(map(repr, values)))
    return " AND ".join(conds), " ".join(words) + "."
