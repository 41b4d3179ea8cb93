"""Metrics: the counts and rates of the report, their labels and display formats.

Counts are sums of record flags (additive over any slice of the cube); rates and other
derived metrics are arithmetic expressions over counts, evaluated after summing, so a
rate of a group is always its own ratio of sums, never an average of ratios.

New metrics are prototyped with :func:`metric` (an expression over metric ids) and
:func:`count` (people with a matching event, e.g. clicks on a pricing link); both register
into :data:`METRICS`, so a report, its exports and its views show them like built-ins.

Examples
--------
>>> from campaign_perf.metrics import count, metric, registry_snapshot
>>> with registry_snapshot():
...     _ = count("pricing_clicks", "click", link_contains="pricing")
...     m = metric("pricing_ctr", "pricing_clicks / delivered", fmt="pct")
...     m.label, sorted(m.dependencies())
('Pricing ctr', ['delivered', 'pricing_clicks'])
"""

from __future__ import annotations

import ast
import contextlib
import functools
import keyword
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

import duckdb
import numpy as np
import pandas as pd

from campaign_perf.engine.rules import COUNT_COLUMNS
from campaign_perf.engine.sql import quote_literal
from campaign_perf.errors import MetricError
from campaign_perf.schema import EVENT_TYPES

__all__ = [
    "CUSTOM_COUNTS",
    "DEFAULT_COLUMNS",
    "METRICS",
    "Metric",
    "Proportion",
    "compute_metrics",
    "count",
    "custom_counts",
    "evaluate",
    "expression_tree",
    "format_value",
    "get_metric",
    "is_builtin",
    "metric",
    "metric_option",
    "proportion",
    "registry_snapshot",
    "unregister",
]

Format = Literal["int", "pct", "float"]
_FORMATS = ("int", "pct", "float")


@dataclass(frozen=True)
class Metric:
    """One column of the report.

    Attributes
    ----------
    id : str
        The metric's id, used in code, the CLI and CSV headers.
    label : str
        Its Marketo-like label, shown to people.
    fmt : {"int", "pct", "float"}
        Display format: a whole number, a percentage (the value is a fraction), a number.
    expression : str or None
        For a derived metric: arithmetic over other metric ids. ``None`` for a count.
    description : str
        What it counts, in a sentence.
    """

    id: str
    label: str
    fmt: Format
    expression: str | None = None
    description: str = ""

    @property
    def is_count(self) -> bool:
        """True for the additive counts kept in the cube."""
        return self.expression is None

    def dependencies(self) -> set[str]:
        """The metric ids the expression uses (directly)."""
        if self.expression is None:
            return set()
        return _names(_parse(self.expression, self.id))


_COUNTS = [
    ("sent", "Sent", "Records with a send: one per campaign, email and person."),
    ("delivered", "Delivered", "Sent records that were delivered (opened implies delivered)."),
    ("hard_bounced", "Hard Bounced", "Sent records with a hard bounce and no open."),
    ("soft_bounced", "Soft Bounced", "Sent records with a soft bounce, no hard bounce, no open."),
    ("pending", "Pending", "Sent records with no outcome yet, sent less than 3 days before as-of."),
    ("aborted", "Aborted", "Sent records with no outcome 3 days or more after the send."),
    ("opened", "Opened", "People who opened (an open, a counted click or an unsubscribe)."),
    ("clicked", "Clicked Link", "People who clicked a link other than an unsubscribe link."),
    ("unsubscribed", "Unsubscribed", "People who unsubscribed."),
    ("complained", "Complained", "People who reported the email as spam."),
    ("total_opens", "Total Opens", "Open events (not people)."),
    ("total_clicks", "Total Clicks", "Counted click events (not people)."),
]
_RATES = [
    ("delivered_pct", "Delivered %", "delivered / sent"),
    ("hard_bounced_pct", "Hard Bounced %", "hard_bounced / sent"),
    ("soft_bounced_pct", "Soft Bounced %", "soft_bounced / sent"),
    ("bounced_pct", "Bounced %", "(hard_bounced + soft_bounced) / sent"),
    ("opened_pct", "Opened %", "opened / delivered"),
    ("clicked_pct", "Clicked %", "clicked / delivered"),
    ("click_to_open_pct", "Clicked to Opened %", "clicked / opened"),
    ("unsubscribed_pct", "Unsubscribed %", "unsubscribed / delivered"),
    ("complained_pct", "Complained %", "complained / delivered"),
]
assert tuple(c[0] for c in _COUNTS) == COUNT_COLUMNS

#: The built-in metrics by id, in report order; :func:`metric` and :func:`count` add more.
METRICS: dict[str, Metric] = {
    **{i: Metric(i, label, "int", None, d) for i, label, d in _COUNTS},
    **{
        i: Metric(i, label, "pct", expr, f"{expr}; missing when the denominator is 0.")
        for i, label, expr in _RATES
    },
}
_BUILTIN: dict[str, Metric] = dict(METRICS)

#: The columns of a report unless chosen otherwise (Marketo's Campaign Email Performance).
DEFAULT_COLUMNS: tuple[str, ...] = (
    "sent",
    "delivered",
    "hard_bounced",
    "soft_bounced",
    "pending",
    "aborted",
    "opened",
    "clicked",
    "unsubscribed",
    "delivered_pct",
    "opened_pct",
    "clicked_pct",
    "click_to_open_pct",
    "unsubscribed_pct",
)


#: Custom counts by id: the SQL predicate (over the columns of
#: :func:`campaign_perf.rules.filtered_events_sql`) that a record's events must match.
#: Filled by :func:`count`; never from user SQL.
CUSTOM_COUNTS: dict[str, str] = {}

#: Counts of events rather than of records (people): not the successes of a proportion.
_EVENT_COUNTS = frozenset({"total_opens", "total_clicks"})
#: Statuses that exclude one another: a sum of them counts records.
_EXCLUSIVE_STATUSES = frozenset({"delivered", "hard_bounced", "soft_bounced", "pending", "aborted"})
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
_MAX_EXPRESSION = 1000


def custom_counts() -> tuple[tuple[str, str], ...]:
    """The registered custom counts as ``(id, predicate)`` pairs, in registration order."""
    return tuple(CUSTOM_COUNTS.items())


def get_metric(metric_id: str, registry: Mapping[str, Metric] | None = None) -> Metric:
    """Look a metric up by id, with an error that lists the known ids."""
    registry = METRICS if registry is None else registry
    try:
        return registry[metric_id]
    except KeyError:
        raise MetricError(
            f"unknown metric {metric_id!r}; known metrics: {', '.join(registry)}"
        ) from None


def is_builtin(metric_id: str) -> bool:
    """Whether ``metric_id`` is one of the built-in metrics (and not replaced)."""
    return metric_id in _BUILTIN and METRICS.get(metric_id) is _BUILTIN[metric_id]


# -- safe expression parsing ------------------------------------------------------------
_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div)
_FUNCS = {"min": np.minimum, "max": np.maximum}
_ALLOWED = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.USub, ast.UAdd, ast.Name, ast.Load)
_WHAT = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripts",
    ast.Lambda: "lambda",
    ast.Call: "calls other than min() and max() with 2 or more arguments",
    ast.Compare: "comparisons",
    ast.BoolOp: "and / or",
    ast.IfExp: "if / else",
    ast.Pow: "**",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Starred: "*args",
    ast.UnaryOp: "not / ~",
    ast.operator: "operators other than + - * /",
}


def _names(tree: ast.AST) -> set[str]:
    """The names an expression refers to (not the functions it calls)."""
    funcs = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in funcs}


def _what(node: ast.AST) -> str:
    for kind, what in _WHAT.items():
        if isinstance(node, kind):
            return what
    if isinstance(node, ast.Constant):
        return f"{type(node.value).__name__} constants"
    return type(node).__name__


@functools.lru_cache(maxsize=512)
def _parse_cached(expression: str) -> ast.Expression | str:
    """The parsed expression, or the reason it is not allowed."""
    if len(expression) > _MAX_EXPRESSION:
        return f"longer than {_MAX_EXPRESSION} characters"
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        return f"syntax error: {exc.msg}"
    except (RecursionError, MemoryError, ValueError):
        return "nested too deeply"
    for node in ast.walk(tree):
        if isinstance(node, (ast.operator, ast.unaryop)):
            continue  # checked with the operation that holds it, named by its source
        ok = isinstance(node, _ALLOWED)
        what = _what(node)
        if isinstance(node, ast.BinOp) and not isinstance(node.op, _BINOPS):
            ok, what = False, _what(node.op)
        if isinstance(node, ast.UnaryOp) and not isinstance(node.op, (ast.USub, ast.UAdd)):
            ok = False
        ok = ok or (
            isinstance(node, ast.Constant)
            and isinstance(node.value, (int, float))
            and not isinstance(node.value, bool)
        )
        ok = ok or (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in _FUNCS
            and not node.keywords
            and len(node.args) >= 2
        )
        if not ok:
            part = ast.get_source_segment(expression.strip(), node) or expression.strip()
            return (
                f"{part} is not allowed ({what}); use metric ids, numbers, + - * /, "
                "parentheses, min() and max()"
            )
    return tree


def _parse(expression: str, metric_id: str) -> ast.Expression:
    if not isinstance(expression, str):
        raise MetricError(f"metric {metric_id!r}: the expression must be a string")
    tree = _parse_cached(expression)
    if isinstance(tree, str):
        raise MetricError(f"metric {metric_id!r}: {expression!r}: {tree}")
    return tree


# -- evaluation --------------------------------------------------------------------------
class _Evaluator:
    """Evaluates expressions over counts; derived names are evaluated on demand, once."""

    def __init__(
        self,
        values: Mapping[str, pd.Series],
        registry: Mapping[str, Metric],
        index: pd.Index,
    ) -> None:
        self.values: dict[str, pd.Series] = dict(values)
        self.registry = registry
        self.index = index
        self.stack: list[str] = []

    def metric(self, metric_id: str) -> pd.Series:
        if metric_id in self.values:
            return self.values[metric_id].astype("float64")
        m = self.registry.get(metric_id)
        if m is None:
            raise MetricError(f"unknown metric {metric_id!r}")
        if m.is_count:
            raise MetricError(f"count {metric_id!r} is not in the data")
        if metric_id in self.stack:
            cycle = " -> ".join([*self.stack[self.stack.index(metric_id) :], metric_id])
            raise MetricError(f"metric {metric_id!r}: cycle {cycle}")
        self.stack.append(metric_id)
        try:
            out = self.expression(m.expression, metric_id)  # type: ignore[arg-type]
        finally:
            self.stack.pop()
        self.values[metric_id] = out
        return out

    def expression(self, expression: str, metric_id: str) -> pd.Series:
        tree = _parse(expression, metric_id)

        def ev(node: ast.AST) -> pd.Series | float:
            if isinstance(node, ast.Expression):
                return ev(node.body)
            if isinstance(node, ast.Constant):
                return float(node.value)
            if isinstance(node, ast.Name):
                if node.id not in self.values and node.id not in self.registry:
                    raise MetricError(
                        f"metric {metric_id!r}: unknown name {node.id!r} in {expression!r}"
                    )
                return self.metric(node.id)
            if isinstance(node, ast.UnaryOp):
                v = ev(node.operand)
                return -v if isinstance(node.op, ast.USub) else v
            if isinstance(node, ast.Call):
                args = [ev(a) for a in node.args]
                out = args[0]
                for a in args[1:]:
                    out = _FUNCS[node.func.id](out, a)  # type: ignore[union-attr]
                return out
            assert isinstance(node, ast.BinOp)
            left, right = ev(node.left), ev(node.right)
            if isinstance(node.op, ast.Add):
                return left + right
            if isinstance(node.op, ast.Sub):
                return left - right
            if isinstance(node.op, ast.Mult):
                return left * right
            if isinstance(right, pd.Series):
                den: pd.Series | float = right.where(right != 0)
            else:
                den = math.nan if right == 0 else right
            with np.errstate(divide="ignore", invalid="ignore"):
                return left / den

        out = ev(tree)
        if not isinstance(out, pd.Series):
            out = pd.Series(float(out), index=self.index)
        return out.astype("float64")


def evaluate(
    expression: str,
    values: Mapping[str, pd.Series],
    metric_id: str = "?",
    registry: Mapping[str, Metric] | None = None,
) -> pd.Series:
    """Evaluate an arithmetic expression over columns; x / 0 is missing (NaN).

    Names missing from ``values`` that are derived metrics of ``registry`` are evaluated
    from their own expressions first (in dependency order), so a metric may use others.

    Parameters
    ----------
    expression : str
        Arithmetic over names in ``values`` or derived metrics of ``registry``.
    values : mapping of str to Series
        The columns the names refer to (the counts).
    metric_id : str
        For error messages.
    registry : mapping of str to Metric, optional
        The metrics; default :data:`METRICS`.

    Returns
    -------
    pandas.Series of float

    Examples
    --------
    >>> v = {"a": pd.Series([1, 2]), "b": pd.Series([4, 0])}
    >>> evaluate("max(a, 1.5) / b", v).tolist()
    [0.375, nan]
    """
    registry = METRICS if registry is None else registry
    index = next(iter(values.values())).index if values else pd.RangeIndex(1)
    return _Evaluator(values, registry, index).expression(expression, metric_id)


def compute_metrics(
    sums: pd.DataFrame,
    metric_ids: Iterable[str],
    registry: Mapping[str, Metric] | None = None,
) -> pd.DataFrame:
    """The metric columns of summed counts: counts as they are, derived metrics evaluated.

    Derived metrics may use other derived metrics; each is evaluated once, after what it
    uses. This is what a report runs after summing its cube.

    Parameters
    ----------
    sums : pandas.DataFrame
        One row per group, a column per count (built-in and custom).
    metric_ids : iterable of str
        The metrics to compute, in output order.
    registry : mapping of str to Metric, optional
        The metrics; default :data:`METRICS`.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``sums``; counts keep their dtype, derived metrics are float (NaN
        where a denominator is 0).

    Raises
    ------
    MetricError
        An unknown id, a count missing from ``sums``, or a cycle.

    Examples
    --------
    >>> sums = pd.DataFrame({"delivered": [10, 0], "clicked": [2, 0], "opened": [5, 0]})
    >>> compute_metrics(sums, ["clicked", "clicked_pct"])
       clicked  clicked_pct
    0        2          0.2
    1        0          NaN
    """
    registry = METRICS if registry is None else registry
    counts = {c: sums[c] for c in sums.columns if c in registry and registry[c].is_count}
    ev = _Evaluator(counts, registry, sums.index)
    out: dict[str, pd.Series] = {}
    for metric_id in metric_ids:
        m = get_metric(metric_id, registry)
        if m.is_count:
            if metric_id not in sums.columns:
                raise MetricError(f"count {metric_id!r} is not in the data")
            out[metric_id] = sums[metric_id]
        else:
            out[metric_id] = ev.metric(metric_id)
    return pd.DataFrame(out, index=sums.index)


def expression_tree(metric_id: str, registry: Mapping[str, Metric] | None = None) -> Any:
    """A metric as a JSON-able tree over counts only, for evaluation outside Python.

    Derived metrics it uses are expanded, so only count ids remain. A number is a number,
    a count is its id (a string), an operation is a list ``[op, operand, ...]`` with ``op``
    one of ``"+" "-" "*" "/" "neg" "min" "max"``; ``x / 0`` must give a missing value.

    Parameters
    ----------
    metric_id : str
        A registered metric.
    registry : mapping of str to Metric, optional
        The metrics; default :data:`METRICS`.

    Returns
    -------
    str, float or list

    Examples
    --------
    >>> expression_tree("bounced_pct")
    ['/', ['+', 'hard_bounced', 'soft_bounced'], 'sent']
    """
    registry = METRICS if registry is None else registry
    ops = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}

    def tree(mid: str, stack: tuple[str, ...]) -> Any:
        if mid in stack:
            raise MetricError(f"metric {mid!r}: cycle {' -> '.join([*stack, mid])}")
        m = get_metric(mid, registry)
        if m.is_count:
            return mid
        return node(_parse(m.expression, mid).body, (*stack, mid))  # type: ignore[arg-type]

    def node(n: ast.AST, stack: tuple[str, ...]) -> Any:
        if isinstance(n, ast.Constant):
            return float(n.value)
        if isinstance(n, ast.Name):
            return tree(n.id, stack)
        if isinstance(n, ast.UnaryOp):
            inner = node(n.operand, stack)
            return ["neg", inner] if isinstance(n.op, ast.USub) else inner
        if isinstance(n, ast.Call):
            return [n.func.id, *(node(a, stack) for a in n.args)]  # type: ignore[attr-defined]
        assert isinstance(n, ast.BinOp)
        return [ops[type(n.op)], node(n.left, stack), node(n.right, stack)]

    return tree(metric_id, ())


# -- proportions ---------------------------------------------------------------------------
class Proportion(NamedTuple):
    """A rate that is a share of people: ``sum(numerator)`` successes of ``denominator``."""

    numerator: tuple[str, ...]
    denominator: str


def proportion(metric_id: str, registry: Mapping[str, Metric] | None = None) -> Proportion | None:
    """The successes and trials of a rate, if it is a proportion; else None.

    A proportion is ``a / b`` where ``a`` and ``b`` are counts of people (records): every
    built-in ``_pct`` rate and custom metrics of that shape. ``a`` may also be a sum of
    statuses that exclude one another (``(hard_bounced + soft_bounced) / sent``). Counts of
    events (total opens / clicks) are not people and make no proportion. Confidence
    intervals and tests apply to proportions only.

    Parameters
    ----------
    metric_id : str
        A registered metric.
    registry : mapping of str to Metric, optional
        The metrics; default :data:`METRICS`.

    Returns
    -------
    Proportion or None

    Examples
    --------
    >>> proportion("clicked_pct")
    Proportion(numerator=('clicked',), denominator='delivered')
    >>> proportion("sent") is None
    True
    """
    registry = METRICS if registry is None else registry
    m = get_metric(metric_id, registry)
    if m.is_count:
        return None
    body = _parse(m.expression, metric_id).body  # type: ignore[arg-type]
    if not (isinstance(body, ast.BinOp) and isinstance(body.op, ast.Div)):
        return None

    def people(n: ast.AST) -> str | None:
        if isinstance(n, ast.Name) and n.id not in _EVENT_COUNTS:
            known = registry.get(n.id)
            if known is not None and known.is_count:
                return n.id
        return None

    den = people(body.right)
    if den is None:
        return None
    terms: list[ast.AST] = []
    stack = [body.left]
    while stack:
        n = stack.pop()
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Add):
            stack.extend([n.right, n.left])
        else:
            terms.append(n)
    num = [people(t) for t in terms]
    if any(t is None for t in num):
        return None
    if len(num) > 1 and (
        not set(num) <= _EXCLUSIVE_STATUSES or len(set(num)) < len(num)  # type: ignore[operator]
    ):
        return None
    return Proportion(tuple(num), den)  # type: ignore[arg-type]


# -- registering metrics -------------------------------------------------------------------
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
    replace : bool, default False
        Redefine an existing derived metric, custom count or built-in rate.

    Returns
    -------
    Metric
        The registered metric.

    Raises
    ------
    MetricError
        A bad id, an unknown name, a syntax error, a construct that is not allowed, or a
        cycle (a metric that uses itself through others); nothing is registered then.

    Examples
    --------
    >>> with registry_snapshot():
    ...     metric("engaged_pct", "(clicked + unsubscribed) / delivered", fmt="pct").label
    'Engaged %'
    """
    metric_id = _check_id(metric_id, replace)
    if fmt not in _FORMATS:
        raise MetricError(f"metric {metric_id!r}: fmt must be one of {_FORMATS}, not {fmt!r}")
    tree = _parse(expression, metric_id)
    names = _names(tree)
    if metric_id in names:
        raise MetricError(f"metric {metric_id!r}: cycle {metric_id} -> {metric_id}")
    unknown = sorted(names - set(METRICS))
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
    )
    cycle = _find_cycle({**METRICS, metric_id: new}, metric_id)
    if cycle:
        raise MetricError(f"metric {metric_id!r}: cycle {' -> '.join(cycle)}")
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


_WHERE_COLUMNS = ("campaign_id", "email_id", "link")


def _count_predicate(
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
        if column not in _WHERE_COLUMNS:
            raise MetricError(
                f"where: unknown column {column!r}; use {', '.join(_WHERE_COLUMNS)} "
                "(link_contains / link_pattern / bots for the rest)"
            )
        values = _str_list(value, f"where[{column!r}]")
        conds.append(f"{column} IN ({', '.join(quote_literal(v) for v in values)})")
        words.append(f"where {column} is " + " or ".join(map(repr, values)))
    return " AND ".join(conds), " ".join(words) + "."


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
    predicate, words = _count_predicate(
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
    if users and metric_id not in _BUILTIN:
        raise MetricError(f"cannot unregister {metric_id!r}: {', '.join(map(repr, users))} use it")
    CUSTOM_COUNTS.pop(metric_id, None)
    if metric_id in _BUILTIN:
        METRICS[metric_id] = _BUILTIN[metric_id]
        # keep the built-in order
        order = [*_BUILTIN, *(k for k in METRICS if k not in _BUILTIN)]
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


def format_value(value: float | int | None, fmt: Format) -> str:
    """Format one value for people: ``1,234``, ``12.3%``; a missing value is ``–``."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "–"
    if fmt == "pct":
        return f"{value * 100:.1f}%"
    if fmt == "int":
        return f"{int(value):,}"
    return f"{value:,.3g}"
