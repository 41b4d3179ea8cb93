"""Registering metrics: derived metrics (:func:`metric`), custom counts (:func:`count`), and
undoing either (:func:`unregister`, :func:`registry_snapshot`).

Both register into :data:`~campaign_perf.metrics.catalogue.METRICS`, so a report, its exports
and its views show them like built-ins.
"""

from __future__ import annotations

import contextlib
import functools
import keyword
import re
from collections.abc import Iterable, Iterator, Mapping

import duckdb

from campaign_perf.engine.rules import COUNT_COLUMNS
from campaign_perf.errors import MetricError
from campaign_perf.metrics.catalogue import (
    BUILTIN,
    CUSTOM_COUNTS,
    METRICS,
    Better,
    Metric,
    get_metric,
    is_builtin,
)
from campaign_perf.metrics.counts_sql import count_predicate
from campaign_perf.metrics.expressions import check_expansion, proportion
from campaign_perf.metrics.formats import FORMATS, Format
from campaign_perf.metrics.syntax import names, parse

__all__ = ["count", "metric", "metric_option", "registry_snapshot", "unregister"]

#: Column names of tables, records and the rules' query that a metric id must not take.
_TAKEN_NAMES = frozenset(
    {
        "campaign_id",
        "campaign_name",
        "email_id",
        "email_name",
        "lead_id",
        "program",
        "status",
        "send_day",
        "send_week",
        "send_month",
        "first_sent_at",
        "first_sent_in_frame",
        "n_events",
        "any_hard",
        "any_soft",
        "any_delivered",
        "any_unsub",
        "any_complaint",
        "is_opened",
        "event_type",
        "event_id",
        "timestamp",
        "link",
        "is_bot",
        "f",
        "unsub_link",
        "min",
        "max",
    }
)
_ID_RE = re.compile(r"[a-z][a-z0-9_]*")


@functools.lru_cache(maxsize=1)
def _sql_keywords() -> frozenset[str]:
    with duckdb.connect(":memory:") as con:
        rows = con.execute(
            "SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category <> 'unreserved'"
        ).fetchall()
    return frozenset(r[0].lower() for r in rows)


def _check_id(metric_id: object, replace: bool) -> str:
    if not isinstance(metric_id, str) or not _ID_RE.fullmatch(metric_id):
        raise MetricError(
            f"metric id {metric_id!r} must be lowercase letters, digits and _, "
            "starting with a letter (e.g. 'pricing_ctr')"
        )
    if keyword.iskeyword(metric_id) or metric_id in _TAKEN_NAMES or metric_id in _sql_keywords():
        raise MetricError(f"metric id {metric_id!r} is a reserved name; choose another")
    if metric_id in COUNT_COLUMNS:
        raise MetricError(f"{metric_id!r} is a built-in count and cannot be replaced")
    if metric_id in METRICS and not replace:
        kind = "a built-in metric" if is_builtin(metric_id) else "already registered"
        raise MetricError(f"{metric_id!r} is {kind}; pass replace=True to redefine it")
    return metric_id


def _default_label(metric_id: str) -> str:
    words = metric_id.split("_")
    if words[-1] == "pct" and len(words) > 1:
        words[-1] = "%"
    text = " ".join(w for w in words if w)
    return text[:1].upper() + text[1:]


def _find_cycle(registry: Mapping[str, Metric], start: str) -> list[str] | None:
    path: list[str] = []
    done: set[str] = set()

    def visit(mid: str) -> list[str] | None:
        if mid in path:
            return [*path[path.index(mid) :], mid]
        if mid in done or mid not in registry:
            return None
        path.append(mid)
        for dep in sorted(registry[mid].dependencies()):
            found = visit(dep)
            if found:
                return found
        path.pop()
        done.add(mid)
        return None

    return visit(start)


def metric(
    metric_id: str,
    expression: str,
    *,
    label: str | None = None,
    fmt: Format = "float",
    description: str = "",
    better: Better | None = None,
    replace: bool = False,
) -> Metric:
    """Define a derived metric from an expression over other metrics, and register it.

    The expression may use metric ids (built-in, custom counts, other derived metrics),
    numbers, ``+ - * /``, parentheses, ``min(...)`` and ``max(...)``. It is parsed, never
    run as Python. A zero denominator gives a missing value. Once registered, the metric
    is a column like the built-ins: ``Report(..., columns=[..., metric_id])``.

    Parameters
    ----------
    metric_id : str
        The new id: lowercase letters, digits and ``_``, not a built-in or already
        registered id (unless ``replace=True``; built-in counts can never be replaced).
    expression : str
        E.g. ``"(clicked + unsubscribed) / delivered"``.
    label : str, optional
        Shown to people; default from the id (``engaged_pct`` -> ``"Engaged %"``).
    fmt : {"float", "pct", "int"}, default "float"
        Display format; ``"pct"`` for a fraction shown as a percentage.
    description : str
        A sentence saying what it measures; default the expression.
    better : {"higher", "lower"}, optional
        Which way a change is good news: the headline figures colour a change green or
        red by it. Default neither (a change is shown without a colour).
    replace : bool, default False
        Redefine an existing derived metric, custom count or built-in rate.

    Returns
    -------
    Metric
        The registered metric.

    Raises
    ------
    MetricError
        A bad id, an unknown name, a syntax error, a construct that is not allowed, a
        number too large, nesting too deep, or a cycle (a metric that uses itself through
        others); nothing is registered then.

    Examples
    --------
    >>> with registry_snapshot():
    ...     metric("engaged_pct", "(clicked + unsubscribed) / delivered", fmt="pct").label
    'Engaged %'
    """
    metric_id = _check_id(metric_id, replace)
    if fmt not in FORMATS:
        raise MetricError(f"metric {metric_id!r}: fmt must be one of {FORMATS}, not {fmt!r}")
    if better not in (None, "higher", "lower"):
        raise MetricError(
            f"metric {metric_id!r}: better must be 'higher', 'lower' or None, not {better!r}"
        )
    tree = parse(expression, metric_id)
    used = names(tree)
    if metric_id in used:
        raise MetricError(f"metric {metric_id!r}: cycle {metric_id} -> {metric_id}")
    unknown = sorted(used - set(METRICS))
    if unknown:
        raise MetricError(
            f"metric {metric_id!r}: unknown name{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(map(repr, unknown))} in {expression!r}; known metrics: "
            f"{', '.join(METRICS)}"
        )
    new = Metric(
        metric_id,
        label or _default_label(metric_id),
        fmt,
        expression.strip(),
        description or expression.strip(),
        better,
    )
    candidate = {**METRICS, metric_id: new}
    cycle = _find_cycle(candidate, metric_id)
    if cycle:
        raise MetricError(f"metric {metric_id!r}: cycle {' -> '.join(cycle)}")
    check_expansion([metric_id, *candidate], candidate)  # what uses a replaced one grows too
    METRICS[metric_id] = new
    CUSTOM_COUNTS.pop(metric_id, None)
    return new


def metric_option(text: str, *, replace: bool = False) -> Metric:
    """Register a metric from the CLI's ``--metric 'id=expression'``.

    The format is ``pct`` when the expression is a proportion (``a / b`` of counts) or the
    id ends with ``_pct``, else ``float``.

    Parameters
    ----------
    text : str
        ``"id=expression"``.
    replace : bool, default False
        Redefine an existing metric.

    Returns
    -------
    Metric

    Examples
    --------
    >>> with registry_snapshot():
    ...     metric_option("engaged_pct=(clicked + unsubscribed) / delivered").fmt
    'pct'
    """
    metric_id, sep, expression = text.partition("=")
    if not sep or not metric_id.strip() or not expression.strip():
        raise MetricError(f"--metric {text!r}: write it as 'id=expression'")
    metric_id = metric_id.strip()
    m = metric(metric_id, expression, replace=replace)
    if metric_id.endswith("_pct") or proportion(metric_id) is not None:
        m = metric(metric_id, expression, fmt="pct", replace=True)
    return m


def count(
    metric_id: str,
    event: str = "click",
    *,
    link_contains: str | Iterable[str] | None = None,
    link_pattern: str | None = None,
    bots: bool | None = None,
    where: Mapping[str, str | Iterable[str]] | None = None,
    include_unsubscribe_links: bool = False,
    label: str | None = None,
    description: str = "",
    replace: bool = False,
) -> Metric:
    """Define a custom count: the people (records) with at least one matching event.

    Counted per record like the built-ins (two matching clicks of one person count once),
    after the report's filters (as-of, bots, and on the activity basis the frame); kept in
    the cube, so it adds up across days and slices by time frame. Usable in expressions
    (``pricing_clicks / delivered``).

    The canonical events carry the event type, the clicked link and the bot flag, so these
    are what a count can match on; device or client information (e.g. "opens on mobile")
    is not in the schema.

    Parameters
    ----------
    metric_id : str
        The new id (see :func:`metric`).
    event : str, default "click"
        One of the canonical event types (``sent``, ``delivered``, ``hard_bounce``,
        ``soft_bounce``, ``open``, ``click``, ``unsubscribe``, ``complaint``).
    link_contains : str or list of str, optional
        Clicks only: the link contains this text (any of these), case-insensitively.
    link_pattern : str, optional
        Clicks only: the link matches this regular expression (case-insensitive, RE2).
    bots : bool, optional
        Opens and clicks only: ``True`` counts only bot-flagged events, ``False`` only the
        others; default both (a report with ``exclude_bots=True`` has none of them).
    where : mapping, optional
        Exact values the event must have: ``{"link": [...], "email_id": ..., "campaign_id":
        ...}`` (a value or a list of accepted values). Never SQL.
    include_unsubscribe_links : bool, default False
        Clicks only: also count clicks on unsubscribe links (not counted as clicks by the
        report's rules).
    label : str, optional
        Shown to people; default from the id.
    description : str, optional
        Default: a sentence built from the arguments.
    replace : bool, default False
        Redefine an existing custom count or derived metric.

    Returns
    -------
    Metric
        The registered count (format ``"int"``).

    Raises
    ------
    MetricError
        A bad id, an unknown event type, an option that does not apply to the event, or
        an invalid pattern; nothing is registered then.

    Examples
    --------
    >>> with registry_snapshot():
    ...     count("pricing_clicks", link_contains="pricing").description
    "People with a click whose link contains 'pricing' (unsubscribe links excluded)."
    """
    metric_id = _check_id(metric_id, replace)
    predicate, words = count_predicate(
        event, link_contains, link_pattern, bots, where, include_unsubscribe_links
    )
    new = Metric(metric_id, label or _default_label(metric_id), "int", None, description or words)
    METRICS[metric_id] = new
    CUSTOM_COUNTS[metric_id] = predicate
    return new


def unregister(metric_id: str) -> None:
    """Remove a registered metric or custom count (a replaced built-in comes back).

    Parameters
    ----------
    metric_id : str

    Raises
    ------
    MetricError
        Unknown id, a built-in metric, or a metric that other metrics use (the message
        names them: unregister those first).
    """
    get_metric(metric_id)
    if is_builtin(metric_id):
        raise MetricError(f"{metric_id!r} is a built-in metric and cannot be unregistered")
    users = sorted(
        m.id for m in METRICS.values() if m.id != metric_id and metric_id in m.dependencies()
    )
    if users and metric_id not in BUILTIN:
        raise MetricError(f"cannot unregister {metric_id!r}: {', '.join(map(repr, users))} use it")
    CUSTOM_COUNTS.pop(metric_id, None)
    if metric_id in BUILTIN:
        METRICS[metric_id] = BUILTIN[metric_id]
        # keep the built-in order
        order = [*BUILTIN, *(k for k in METRICS if k not in BUILTIN)]
        restored = {k: METRICS[k] for k in order}
        METRICS.clear()
        METRICS.update(restored)
    else:
        del METRICS[metric_id]


@contextlib.contextmanager
def registry_snapshot() -> Iterator[None]:
    """Undo every registration made inside the ``with`` block (for tests and trials).

    Examples
    --------
    >>> with registry_snapshot():
    ...     _ = metric("x", "sent * 2")
    ...     "x" in METRICS
    True
    >>> "x" in METRICS
    False
    """
    metrics, counts = dict(METRICS), dict(CUSTOM_COUNTS)
    try:
        yield
    finally:
        METRICS.clear()
        METRICS.update(metrics)
        CUSTOM_COUNTS.clear()
        CUSTOM_COUNTS.update(counts)
