"""Exact duplicates merged, orphans set aside: the embedded loader's run of the engine's
one SQL source (:mod:`campaign_perf.engine.queries`), which the Spark loader runs too."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from campaign_perf.engine.queries import (
    duplicates_sql,
    id_conflicts_sql,
    id_rows_sql,
    orphans_sql,
    rows_as_text_sql,
    without_sql,
)
from campaign_perf.engine.rules import RuleParams, record_aggregates_sql
from campaign_perf.load.check import keys_need_parsing_sql
from campaign_perf.load.eventlog import with_source_rows

__all__ = ["ORPHAN_REASON", "SetAside", "repeated_hashes", "set_aside"]

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


def repeated_hashes(con: duckdb.DuckDBPyConnection, events: str) -> pa.Table:
    """The hashes of ``event_id`` that more than one row of ``events`` carries.

    The hashes (8 bytes a row) are sorted in NumPy and the repeated ones read off
    neighbours: on millions of mostly distinct ids, three times faster than the engine's
    group-by, whose hash table holds a group for every id. A hash shared by two different
    ids only adds candidates, which :func:`~campaign_perf.engine.queries.id_rows_sql`
    tells apart on the ids themselves.

    Returns
    -------
    pyarrow.Table
        One column ``h`` (UINT64), each repeated hash once.
    """
    reader = con.sql(
        f"SELECT hash(event_id) AS h FROM {events} WHERE event_id IS NOT NULL"
    ).to_arrow_reader(1 << 20)
    batches = [b.column(0).to_numpy() for b in reader]
    hashes = np.concatenate(batches) if batches else np.empty(0, np.uint64)
    del batches
    hashes.sort()
    same = hashes[1:] == hashes[:-1]
    return pa.table({"h": pa.array(np.unique(hashes[1:][same]), pa.uint64())})


def set_aside(
    con: duckdb.DuckDBPyConnection,
    labels: list[str],
    *,
    rows_without_id: bool,
    check_keys: bool = False,
) -> SetAside | None:
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
    check_keys : bool, default False
        Whether record keys were taken unchecked (:attr:`~.check.Checked.recheck`): then
        they are looked at in the record aggregates, and if one needs parsing nothing is
        kept and None is returned (check the inputs fully, then search again).

    Returns
    -------
    SetAside or None
    """
    repeated = repeated_hashes(con, "counted")
    con.register("repeated_ids", repeated)
    con.execute(f"CREATE TEMP TABLE id_rows AS {id_rows_sql('counted', 'repeated_ids')}")
    con.unregister("repeated_ids")
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
    if check_keys and con.execute(keys_need_parsing_sql("load_agg")).fetchall()[0][0]:
        for table in ("id_rows", "dups", "excluded", "load_agg"):
            con.execute(f"DROP TABLE {table}")
        return None
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
