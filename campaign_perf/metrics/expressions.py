"""Evaluating metrics: their values over summed counts, their trees for the HTML report, and
which of them are proportions.

Counts are sums of record flags (additive over any slice of the cube); derived metrics are
evaluated after summing, so a rate of a group is always its own ratio of sums, never an
average of ratios. ``x / 0`` is missing (NaN), never an error or an infinity.
"""

from __future__ import annotations

import ast
import functools
import math
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple, cast

import numpy as np
import pandas as pd

from campaign_perf.errors import MetricError
from campaign_perf.metrics.catalogue import (
    EVENT_COUNTS,
    EXCLUSIVE_STATUSES,
    METRICS,
    Metric,
    get_metric,
)
from campaign_perf.metrics.syntax import FUNCTIONS, MAX_DEPTH, Shape, parse, shape

__all__ = [
    "MAX_TERMS",
    "Proportion",
    "check_expansion",
    "compute_metrics",
    "evaluate",
    "expression_tree",
    "proportion",
]

#: The most terms a metric may have once the metrics it uses are written out over counts:
#: the HTML report embeds that expansion (:func:`expression_tree`) for the reader's browser.
MAX_TERMS = 10_000


# -- evaluation --------------------------------------------------------------------------
# An expression's checked tree, parsed once (the trees are only read; errors are not kept).
_parsed = functools.lru_cache(maxsize=4096)(parse)


class _Evaluator:
    """Evaluates expressions over counts; derived names are evaluated on demand, once.

    The arithmetic runs on float arrays (a Series only at the end): the same IEEE
    operations as on Series, without pandas' overhead on every step.
    """

    def __init__(
        self,
        values: Mapping[str, pd.Series],
        registry: Mapping[str, Metric],
        index: pd.Index,
    ) -> None:
        self.given = values
        self.values: dict[str, np.ndarray] = {}
        self.registry = registry
        self.index = index
        self.stack: list[str] = []

    def metric(self, metric_id: str) -> np.ndarray:
        if metric_id in self.values:
            return self.values[metric_id]
        if metric_id in self.given:
            out = self.given[metric_id].to_numpy(dtype="float64", na_value=np.nan)
            self.values[metric_id] = out
            return out
        m = self.registry.get(metric_id)
        if m is None:
            raise MetricError(f"unknown metric {metric_id!r}")
        if m.expression is None:
            raise MetricError(f"count {metric_id!r} is not in the data")
        if metric_id in self.stack:
            cycle = " -> ".join([*self.stack[self.stack.index(metric_id) :], metric_id])
            raise MetricError(f"metric {metric_id!r}: cycle {cycle}")
        self.stack.append(metric_id)
        try:
            out = self.expression(m.expression, metric_id)
        finally:
            self.stack.pop()
        self.values[metric_id] = out
        return out

    def expression(self, expression: str, metric_id: str) -> np.ndarray:
        tree = _parsed(expression, metric_id)

        def ev(node: ast.AST) -> np.ndarray | float:
            if isinstance(node, ast.Expression):
                return ev(node.body)
            if isinstance(node, ast.Constant):
                return float(cast(float, node.value))  # a number: checked by parse
            if isinstance(node, ast.Name):
                if node.id not in self.given and node.id not in self.registry:
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
                    out = FUNCTIONS[cast(ast.Name, node.func).id](out, a)
                return out
            assert isinstance(node, ast.BinOp)
            left, right = ev(node.left), ev(node.right)
            if isinstance(node.op, ast.Add):
                return left + right
            if isinstance(node.op, ast.Sub):
                return left - right
            if isinstance(node.op, ast.Mult):
                return left * right
            if isinstance(right, np.ndarray):
                den: np.ndarray | float = np.where(right != 0, right, np.nan)
            else:
                den = math.nan if right == 0 else right
            with np.errstate(divide="ignore", invalid="ignore"):
                return left / den

        out = ev(tree)
        return np.broadcast_to(np.asarray(out, dtype="float64"), (len(self.index),)).copy()


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
    out = _Evaluator(values, registry, index).expression(expression, metric_id)
    return pd.Series(out, index=index, dtype="float64")


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
    out: dict[str, Any] = {}
    for metric_id in metric_ids:
        m = get_metric(metric_id, registry)
        if m.is_count:
            if metric_id not in sums.columns:
                raise MetricError(f"count {metric_id!r} is not in the data")
            out[metric_id] = sums[metric_id].array  # its values and dtype, no index to align
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
        if m.expression is None:
            return mid
        return node(parse(m.expression, mid).body, (*stack, mid))

    def node(n: ast.AST, stack: tuple[str, ...]) -> Any:
        if isinstance(n, ast.Constant):
            return float(cast(float, n.value))
        if isinstance(n, ast.Name):
            return tree(n.id, stack)
        if isinstance(n, ast.UnaryOp):
            inner = node(n.operand, stack)
            return ["neg", inner] if isinstance(n.op, ast.USub) else inner
        if isinstance(n, ast.Call):
            return [cast(ast.Name, n.func).id, *(node(a, stack) for a in n.args)]
        assert isinstance(n, ast.BinOp)
        return [ops[type(n.op)], node(n.left, stack), node(n.right, stack)]

    return tree(metric_id, ())


def check_expansion(metric_ids: Iterable[str], registry: Mapping[str, Metric]) -> None:
    """Refuse metrics that are too big once the metrics they use are written out.

    A metric that uses another nests that one's levels inside its own (plus one, for the
    step of evaluation); the terms of an expansion are those of :func:`expression_tree`,
    which can double with each metric that uses another twice.

    Parameters
    ----------
    metric_ids : iterable of str
        The metrics to check (counts and unknown ids pass).
    registry : mapping of str to Metric
        The metrics they may use.

    Raises
    ------
    MetricError
        Nesting deeper than :data:`~campaign_perf.metrics.syntax.MAX_DEPTH` levels or more
        than :data:`MAX_TERMS` terms, naming the metric.
    """
    shapes: dict[str, Shape] = {}

    def of_metric(mid: str, chain: tuple[str, ...]) -> Shape:
        expression = getattr(registry.get(mid), "expression", None)
        if expression is None:
            return 1, 1  # a count, or an unknown name (refused elsewhere)
        if mid not in shapes:
            if len(chain) > MAX_DEPTH:  # each metric in the chain adds a level, or a cycle
                raise MetricError(
                    f"metric {chain[0]!r}: nested more than {MAX_DEPTH} levels deep with the "
                    "metrics it uses"
                )
            levels, terms = shape(
                parse(expression, mid), lambda name: of_metric(name, (*chain, mid))
            )
            shapes[mid] = (levels + 1, terms)
        return shapes[mid]

    for metric_id in metric_ids:
        levels, terms = of_metric(metric_id, ())
        if levels - 1 > MAX_DEPTH:
            raise MetricError(
                f"metric {metric_id!r}: nested {levels - 1} levels deep with the metrics it "
                f"uses, more than the {MAX_DEPTH} allowed"
            )
        if terms > MAX_TERMS:
            raise MetricError(
                f"metric {metric_id!r}: {terms:,} terms once the metrics it uses are written "
                f"out over counts, more than the {MAX_TERMS:,} allowed"
            )


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
    if m.expression is None:
        return None
    body = parse(m.expression, metric_id).body
    if not (isinstance(body, ast.BinOp) and isinstance(body.op, ast.Div)):
        return None

    def people(n: ast.AST) -> str | None:
        if isinstance(n, ast.Name) and n.id not in EVENT_COUNTS:
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
    num = [p for p in map(people, terms) if p is not None]
    if len(num) < len(terms):
        return None
    if len(num) > 1 and (not set(num) <= EXCLUSIVE_STATUSES or len(set(num)) < len(num)):
        return None
    return Proportion(tuple(num), den)
