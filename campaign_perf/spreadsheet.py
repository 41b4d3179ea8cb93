"""Spreadsheet safety: text cells that a spreadsheet would run as formulas.

Used wherever text leaves the package for a file a person may open in a spreadsheet:
the report's CSV and Excel exports and the rejected-rows ledger.
"""

from __future__ import annotations

import re

__all__ = ["FORMULA_PREFIXES", "neutralise"]

#: Leading characters that make a spreadsheet read a text cell as a formula: the signs,
#: their full-width forms (which some spreadsheets read as the signs), a tab and line breaks.
FORMULA_PREFIXES: tuple[str, ...] = (
    *("=", "+", "-", "@"),
    *("\uff1d", "\uff0b", "\uff0d", "\uff20"),  # ＝ ＋ － ＠
    *("\t", "\r", "\n"),
)

_LINE_BREAK = re.compile(r"(\r\n|\r|\n)")


def _guard(piece: str) -> str:
    """``piece`` with a ``'`` before a formula start (after any leading double quotes)."""
    quotes = len(piece) - len(piece.lstrip('"'))
    if piece[quotes:].startswith(FORMULA_PREFIXES):
        return piece[:quotes] + "'" + piece[quotes:]
    return piece


def neutralise(value: str) -> str:
    """Make a text cell safe to open in a spreadsheet.

    Parameters
    ----------
    value : str
        The text.

    Returns
    -------
    str
        ``value`` with a leading ``'`` when it starts with one of :data:`FORMULA_PREFIXES`
        (``=``, ``+``, ``-``, ``@``, their full-width forms, a tab, a carriage return or a
        line feed), so that it is not run as a formula; otherwise unchanged. Some
        spreadsheets split a row at a line break even inside a quoted field and read the
        rest of the line as new cells: after a line break, every comma-separated piece that
        starts with a formula character gets a ``'`` too.

    Examples
    --------
    >>> neutralise("=1+2")
    "'=1+2"
    >>> neutralise("Spring launch")
    'Spring launch'
    >>> neutralise("x\\r=cmd|' /C calc'!A0")
    "x\\r'=cmd|' /C calc'!A0"
    """
    out = "'" + value if value.startswith(FORMULA_PREFIXES) else value
    if "\r" not in value and "\n" not in value:
        return out
    first, *rest = _LINE_BREAK.split(out)
    lines = [first] + [
        part if i % 2 == 0 else ",".join(_guard(p) for p in part.split(","))
        for i, part in enumerate(rest)
    ]
    return "".join(lines)
