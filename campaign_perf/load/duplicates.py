"""Exact duplicates merged, orphans set aside: the embedded loader's run of the engine's
one SQL source (:mod:`campaign_perf.engine.queries`), which the Spark loader runs too."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from campaign_perf.engine.queries import (
    duplicates_sql,
    id_conflicts_sql,
    id_rows_sql,
    orphans_sql,
    rows_as_text_sql,
    without_sql,
)
from campaign_perf.engine.rules import RuleParams, record_aggregates_sql
from campaign_perf.load.eventlog import with_source_rows

__all__ = ["ORPHAN_REASON", "SetAside", "set_aside"]

#: The ledger's reason for an orphaned row.
ORPHAN_REASON = "orphaned: no 'sent' event for this campaign, email and lead"


@dataclass(frozen=True)
class SetAside:
    """What the search set aside.

    Attributes
    ----------
    duplicates : pandas.DataFrame
        The merged duplicates: ``source, row, duplicate_of_source, duplicate_of_row`` and
        the event's ids, type and time.
    orphans : pandas.DataFrame
        The orphaned rows as the ledger holds them: ``source, row, reason`` and the values.
    id_conflicts : int
        Events kept whose ``event_id`` another record's event carries too.
    """

    duplicates: pd.DataFrame
    orphans: pd.DataFrame
    id_conflicts: int


def duplicates_frame(rows: pd.DataFrame, labels: list[str]) -> pd.DataFrame:
    """The duplicates of :func:`~campaign_perf.engine.queries.duplicates_sql` as the log
    lists them: each row's source and row number, then those of the row it repeats."""
    out = with_source_rows(rows, labels)
    return with_source_rows(out, labels, "_keep", "duplicate_of_")


def set_aside(
    con: duckdb.DuckDBPyConnection, labels: list[str], *, rows_without_id: bool
) -> SetAside:
    """Merge the exact duplicates of the ``counted`` events and set the orphans aside.

    Defines the view ``events`` (``counted`` without the rows set aside) and the table
    ``load_agg``: the record aggregates of default rule settings (the orphans are its records
    without a send), which reports reuse.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The connection holding the view ``counted`` of the valid rows of every input.
    labels : list of str
        The inputs' labels, by their number in ``_seq``.
    rows_without_id : bool
        Whether some rows have no ``event_id``.
    """
    con.execute(f"CREATE TEMP TABLE id_rows AS {id_rows_sql('counted')}")
    con.execute(
        "CREATE TEMP TABLE dups AS "
        + duplicates_sql("counted", "id_rows", rows_without_id=rows_without_id)
    )
    duplicates = con.execute("SELECT * FROM dups ORDER BY _seq").df()
    id_conflicts = con.execute(id_conflicts_sql("id_rows")).fetchall()[0][0]
    con.execute("CREATE TEMP TABLE excluded AS SELECT _seq FROM dups")
    events = f"({without_sql('counted', 'excluded')})" if len(duplicates) else "counted"
    con.execute(
        "CREATE TEMP TABLE load_agg AS " + record_aggregates_sql(RuleParams(as_of=None), events)
    )
    con.execute(f"CREATE TEMP TABLE orphan_rows AS {orphans_sql(events, 'load_agg')}")
    orphans = con.execute(rows_as_text_sql("orphan_rows", ORPHAN_REASON)).df()
    if len(orphans):
        con.execute("INSERT INTO excluded SELECT _seq FROM orphan_rows")
        con.execute("DELETE FROM load_agg WHERE first_sent_at IS NULL")
    kept = "SELECT * FROM counted"
    if len(duplicates) + len(orphans):
        kept = without_sql("counted", "excluded")
    con.execute(f"CREATE TEMP VIEW events AS {kept}")
    return SetAside(
        duplicates=duplicates_frame(duplicates, labels),
        orphans=with_source_rows(orphans, labels),
        id_conflicts=int(id_conflicts),
    )


def drop_search_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Drop what the search needed only while loading (``excluded`` stays: ``events``
    reads it)."""
    for table in ("id_rows", "dups", "orphan_rows"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
