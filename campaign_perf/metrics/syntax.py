"""The safe expression language of derived metrics: parsing and checking, never running.

An expression is arithmetic over metric ids: names, numbers, ``+ - * /``, parentheses,
``min(...)`` and ``max(...)`` with two or more arguments. It is parsed by :mod:`ast` and
every node is checked against that list; nothing is ever compiled or run as Python.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

import numpy as np

from campaign_perf.errors import MetricError

__all__ = ["FUNCTIONS", "MAX_LENGTH", "names", "parse"]

#: The functions an expression may call, and what computes them (elementwise).
FUNCTIONS: dict[str, Callable[..., Any]] = {"min": np.minimum, "max": np.maximum}
#: The longest expression accepted, in characters.
MAX_LENGTH = 1000

_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div)
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


def names(tree: ast.AST) -> set[str]:
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


def _refusal(expression: str) -> ast.Expression | str:
    """The parsed expression, or the reason it is not allowed."""
    if len(expression) > MAX_LENGTH:
        return f"longer than {MAX_LENGTH} characters"
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
            and node.func.id in FUNCTIONS
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


def parse(expression: str, metric_id: str) -> ast.Expression:
    """Parse and check an expression of the metric ``metric_id``.

    Parameters
    ----------
    expression : str
        Arithmetic over metric ids, e.g. ``"(clicked + unsubscribed) / delivered"``.
    metric_id : str
        The metric it defines, for error messages.

    Returns
    -------
    ast.Expression
        Its tree: only names, numbers, ``+ - * /``, unary ``-``/``+`` and min/max calls.

    Raises
    ------
    MetricError
        Not a string, a syntax error, or a construct that is not allowed (named).
    """
    if not isinstance(expression, str):
        raise MetricError(f"metric {metric_id!r}: the expression must be a string")
    tree = _refusal(expression)
    if isinstance(tree, str):
        raise MetricError(f"metric {metric_id!r}: {expression!r}: {tree}")
    return tree
