"""An input's columns: which of them are the canonical ones (after renaming by
``columns=``), and the error when a required one is missing."""

from __future__ import annotations

from collections.abc import Mapping

from campaign_perf.errors import SchemaError
from campaign_perf.schema import CANONICAL_COLUMNS, REQUIRED_COLUMNS

__all__ = ["canonical_names", "is_canonical", "missing_columns_error"]


def is_canonical(names: list[str], columns: Mapping[str, str]) -> bool:
    """Whether an input of these columns holds every required one (renamed by ``columns``)."""
    return set(REQUIRED_COLUMNS) <= {columns.get(n, n) for n in names}


def missing_columns_error(label: str, found: list[str], columns: Mapping[str, str]) -> SchemaError:
    """The error for an input that lacks required columns (after renaming by ``columns``)."""
    renamed = {columns.get(n, n) for n in found}
    missing = [c for c in REQUIRED_COLUMNS if c not in renamed]
    hint = " (map other names with columns={'their name': 'canonical name'})"
    return SchemaError(
        f"{label}: missing required column{'s' if len(missing) > 1 else ''} "
        f"{', '.join(missing)}; found: {', '.join(found) or 'no columns'}{hint}"
    )


def canonical_names(
    label: str, found: list[str], columns: Mapping[str, str], *, check_unknown: bool = True
) -> dict[str, str]:
    """Map canonical names to the input's columns, renamed by ``columns``.

    Raises
    ------
    SchemaError
        ``columns`` names a column the input lacks (with ``check_unknown``), or a required
        column is missing; the message lists what was found.
    """
    unknown = [s for s in columns if s not in found and columns[s] not in found]
    if unknown and check_unknown:
        raise SchemaError(
            f"{label}: columns= names {', '.join(unknown)}, not in the input; "
            f"found: {', '.join(found)}"
        )
    raw: dict[str, str] = {}
    for name in found:
        canon = columns.get(name, name)
        if canon in CANONICAL_COLUMNS and canon not in raw:
            raw[canon] = name
    if any(c not in raw for c in REQUIRED_COLUMNS):
        raise missing_columns_error(label, found, columns)
    return raw
