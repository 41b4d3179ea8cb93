"""Spreadsheet safety: text cells that a spreadsheet would run as formulas.

Used wherever text leaves the package for a file a person may open in a spreadsheet:
the report's CSV and Excel exports and the rejected-rows ledger.
"""

from __future__ import annotations

__all__ = ["FORMULA_PREFIXES", "neutralise"]

#: Leading characters that make a spreadsheet read a text cell as a formula.
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """Make a text cell safe to open in a spreadsheet.

    Parameters
    ----------
    value : str
        The text.

    Returns
    -------
    str
        ``value`` with a leading ``'`` when it starts with ``=``, ``+``, ``-``, ``@``, a tab
        or a carriage return (so that it is not run as a formula); otherwise unchanged.

    Examples
    --------
    >>> neutralise("=1+2")
    "'=1+2"
    >>> neutralise("Spring launch")
    'Spring launch'
    """
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value
