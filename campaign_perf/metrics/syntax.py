"""The safe expression language of derived metrics: parsing and checking, never running.

An expression is arithmetic over metric ids: names, numbers, ``+ - * /``, parentheses,
``min(...)`` and ``max(...)`` with two or more arguments. It is parsed by :mod:`ast` and
every node is checked against that list; nothing is ever compiled or run as Python.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from campaign_perf.errors import MetricError

__all__ = ["FUNCTIONS", "MAX_DEPTH", "MAX_LENGTH", "Shape", "names", "parse", "shape", "shorten"]

#: The functions an expression may call, and what computes them (elementwise).
FUNCTIONS: dict[str, Callable[..., Any]] = {"min": np.minimum, "max": np.maximum}
#: The longest expression accepted, in characters.
MAX_LENGTH = 1000
#: The most levels an expression may nest (a number or a name is one level; each operation,
#: sign or min/max around it adds one; a metric it uses adds its own). The evaluators recurse
#: once per level, so this keeps them far from Python's recursion limit.
MAX_DEPTH = 100

#: The size of an expression: (levels of nesting, terms), as :func:`shape` measures it.
Shape = tuple[int, int]

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


def shorten(text: str, width: int = 60) -> str:
    """``text``, cut to ``width`` characters with an ellipsis, for error messages."""
    return text if len(text) <= width else text[: width - 1] + "…"


def _operands(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.Call):
        return list(node.args)
    return []


def shape(tree: ast.Expression, of_name: Callable[[str], Shape] = lambda _: (1, 1)) -> Shape:
    """The levels of nesting and the terms of a checked expression, without recursion.

    Parameters
    ----------
    tree : ast.Expression
        A tree from :func:`parse`.
    of_name : callable, optional
        The shape a name stands for; default one level and one term (a count).

    Returns
    -------
    (int, int)
        Levels: 1 for a number, 1 more per operation around it, ``of_name`` for a name.
        Terms: numbers and names (as ``of_name`` counts them) plus operations.
    """
    done: dict[int, Shape] = {}
    stack: list[tuple[ast.expr, bool]] = [(tree.body, False)]
    while stack:
        node, ready = stack.pop()
        operands = _operands(node)
        if not ready:
            stack.append((node, True))
            stack.extend((o, False) for o in operands)
        elif isinstance(node, ast.Name):
            done[id(node)] = of_name(node.id)
        elif not operands:
            done[id(node)] = (1, 1)
        else:
            inner = [done[id(o)] for o in operands]
            done[id(node)] = (1 + max(d for d, _ in inner), 1 + sum(t for _, t in inner))
    return done[id(tree.body)]


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
            return (
                f"{shorten(_source(expression, node))} is not allowed ({what}); use metric "
                "ids, numbers, + - * /, parentheses, min() and max()"
            )
        if isinstance(node, ast.Constant) and not _is_float(node.value):
            return f"the number {shorten(_source(expression, node), 20)} is too large"
    levels, _ = shape(tree)
    if levels > MAX_DEPTH:
        return (
            f"nested {levels} levels deep, more than the {MAX_DEPTH} allowed "
            "(each + - * /, sign and min/max adds a level)"
        )
    return tree


def _source(expression: str, node: ast.AST) -> str:
    return ast.get_source_segment(expression.strip(), node) or expression.strip()


def _is_float(value: object) -> bool:
    """Whether a number is a finite float (900 digits, or 1e400, are not)."""
    if not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


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
        Not a string, a syntax error, a construct that is not allowed (named), a number too
        large for a float, or nesting deeper than :data:`MAX_DEPTH`.
    """
    if not isinstance(expression, str):
        raise MetricError(f"metric {metric_id!r}: the expression must be a string")
    tree = _refusal(expression)
    if isinstance(tree, str):
        raise MetricError(f"metric {metric_id!r}: {shorten(expression)!r}: {tree}")
    return tree
