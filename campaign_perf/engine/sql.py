"""SQL text shared by every engine: quoting names and literals."""

from __future__ import annotations

__all__ = ["quote_ident", "quote_literal"]


def quote_ident(name: str) -> str:
    """Quote a column or table name for SQL."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """Quote a string literal for SQL."""
    return "'" + value.replace("'", "''") + "'"
