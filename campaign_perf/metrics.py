"""Metrics: the counts and rates of the report, their labels and display formats.

Counts are sums of record flags (additive over any slice of the cube); rates and other
derived metrics are arithmetic expressions over counts, evaluated after summing, so a
rate of a group is always its own ratio of sums, never an average of ratios.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from campaign_perf.rules import COUNT_COLUMNS
from campaign_perf.schema import CampaignPerfError

__all__ = ["METRICS", "Metric", "MetricError", "format_value", "get_metric"]

Format = Literal["int", "pct", "float"]


class MetricError(CampaignPerfError, ValueError):
    """An unknown metric id, or a metric expression that cannot be evaluated."""


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
        """The metric ids the expression uses."""
        if self.expression is None:
            return set()
        return {n.id for n in ast.walk(_parse(self.expression, self.id)) if isinstance(n, ast.Name)}


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

#: The built-in metrics by id, in report order.
METRICS: dict[str, Metric] = {
    **{i: Metric(i, label, "int", None, d) for i, label, d in _COUNTS},
    **{
        i: Metric(i, label, "pct", expr, f"{expr}; missing when the denominator is 0.")
        for i, label, expr in _RATES
    },
}

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
CUSTOM_COUNTS: dict[str, str] = {}


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


# -- safe expression evaluation ---------------------------------------------------------
_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div)
_FUNCS = {"min": np.fmin, "max": np.fmax}


def _parse(expression: str, metric_id: str) -> ast.Expression:
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as exc:
        raise MetricError(
            f"metric {metric_id!r}: syntax error in {expression!r}: {exc.msg}"
        ) from None
    for node in ast.walk(tree):
        ok = isinstance(
            node,
            (
                ast.Expression,
                ast.BinOp,
                ast.UnaryOp,
                ast.USub,
                ast.UAdd,
                ast.Name,
                ast.Load,
                *_BINOPS,
            ),
        )
        ok = ok or (isinstance(node, ast.Constant) and isinstance(node.value, (int, float)))
        ok = ok or (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in _FUNCS
            and not node.keywords
            and len(node.args) >= 2
        )
        if not ok:
            raise MetricError(
                f"metric {metric_id!r}: {expression!r} may only use metric ids, numbers, "
                "+ - * /, parentheses, min() and max()"
            )
    return tree


def evaluate(expression: str, values: Mapping[str, pd.Series], metric_id: str = "?") -> pd.Series:
    """Evaluate an arithmetic expression over columns; x / 0 is missing (NaN).

    Parameters
    ----------
    expression : str
        Arithmetic over names in ``values``.
    values : mapping of str to Series
        The columns the names refer to.
    metric_id : str
        For error messages.

    Returns
    -------
    pandas.Series of float
    """
    tree = _parse(expression, metric_id)

    def ev(node: ast.AST) -> pd.Series | float:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            if node.id not in values:
                raise MetricError(
                    f"metric {metric_id!r}: unknown name {node.id!r} in {expression!r}"
                )
            return values[node.id].astype("float64")
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
        with np.errstate(divide="ignore", invalid="ignore"):
            den = (
                right.where(right != 0)
                if isinstance(right, pd.Series)
                else (math.nan if right == 0 else right)
            )
            return left / den

    return ev(tree)  # type: ignore[return-value]


def format_value(value: float | int | None, fmt: Format) -> str:
    """Format one value for people: ``1,234``, ``12.3%``; a missing value is ``–``."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "–"
    if fmt == "pct":
        return f"{value * 100:.1f}%"
    if fmt == "int":
        return f"{int(value):,}"
    return f"{value:,.3g}"
