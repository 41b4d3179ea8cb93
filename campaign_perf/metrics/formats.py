"""The display formats of metrics: a whole number, a percentage, a number."""

from __future__ import annotations

import math
from typing import Literal

import pandas as pd

__all__ = ["FORMATS", "Format", "format_value"]

#: A metric's display format: a whole number, a percentage (the value is a fraction), a number.
Format = Literal["int", "pct", "float"]
FORMATS: tuple[Format, ...] = ("int", "pct", "float")


def format_value(value: float | int | None, fmt: Format) -> str:
    """Format one value for people: ``1,234``, ``12.3%``; a missing value is ``–``."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "–"
    if fmt == "pct":
        return f"{value * 100:.1f}%"
    if fmt == "int":
        return f"{int(value):,}"
    return f"{value:,.3g}"
