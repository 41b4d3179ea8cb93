"""The pandas types every engine gives its results in (the embedded engine's)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

__all__ = ["text_as_strings"]


def _is_text(value: object) -> bool:
    return value is None or isinstance(value, str)


def text_as_strings(frame: pd.DataFrame, text: Iterable[str] | None = None) -> pd.DataFrame:
    """Text columns as pandas' string dtype, even when every value is missing.

    A driver hands text over as objects when a column has no value (or always); the
    embedded engine's results carry pandas' ``str`` dtype, and so must every engine's.

    Parameters
    ----------
    frame : DataFrame
        An engine's result; changed in place.
    text : iterable of str, optional
        The columns the engine's own types call text. Without them (a driver that gives no
        types), the object columns whose every value is text or missing.

    Returns
    -------
    DataFrame
        ``frame``.
    """
    names = list(frame.columns if text is None else text)
    for name in names:
        column = frame[name]
        if column.dtype == object and (text is not None or column.map(_is_text).all()):
            frame[name] = column.astype("str")
    return frame
