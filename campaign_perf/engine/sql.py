"""SQL text shared by every engine: quoting names and literals; database URLs."""

from __future__ import annotations

__all__ = ["DATABASE_SCHEMES", "is_database_url", "quote_ident", "quote_literal"]

#: The URL schemes of the databases the engine runs in (PostgreSQL).
DATABASE_SCHEMES = ("postgresql://", "postgres://")


def is_database_url(value: object) -> bool:
    """Whether ``value`` is a database's connection URL (``postgresql://…``)."""
    return isinstance(value, str) and value.lower().startswith(DATABASE_SCHEMES)


def quote_ident(name: str) -> str:
    """Quote a column or table name for SQL."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """Quote a string literal for SQL."""
    return "'" + value.replace("'", "''") + "'"
