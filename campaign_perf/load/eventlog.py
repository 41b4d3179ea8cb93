"""The event log: canonical events, the rejected-rows ledger and the dimension tables."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import duckdb
import pandas as pd

from campaign_perf.engine.embedded import DuckDBEngine, Engine
from campaign_perf.engine.queries import with_agents_sql
from campaign_perf.engine.sql import quote_ident
from campaign_perf.files import atomic_path
from campaign_perf.load.dimensions import Dimensions
from campaign_perf.schema import CANONICAL_COLUMNS
from campaign_perf.spreadsheet import neutralise

__all__ = [
    "SEQ_BASE",
    "EventLog",
    "LedgerPart",
    "LoadSummary",
    "RejectedRows",
    "RejectedRowsWarning",
    "combine_ledgers",
    "with_source_rows",
]

#: A row's _seq is its input's number times this, plus its 1-based row number.
SEQ_BASE = 2**40


def with_source_rows(
    frame: pd.DataFrame, labels: list[str], seq: str = "_seq", prefix: str = ""
) -> pd.DataFrame:
    """Replace the column ``seq`` (a row's ``_seq``) by the input and row it names.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows with a ``_seq``-like column.
    labels : list of str
        The inputs' labels, by their number.
    seq : str
        The column to replace.
    prefix : str
        Prefix of the two new columns, ``<prefix>source`` and ``<prefix>row``.

    Returns
    -------
    pandas.DataFrame
        The frame with ``<prefix>source`` (the label) and ``<prefix>row`` (the 1-based row
        number, int64) where ``seq`` was.
    """
    at = list(frame.columns).index(seq)
    n = frame[seq].astype("int64")
    out = frame.drop(columns=seq)
    out.insert(at, f"{prefix}source", (n // SEQ_BASE).map(dict(enumerate(labels))))
    out.insert(at + 1, f"{prefix}row", n % SEQ_BASE)
    return out


class RejectedRowsWarning(UserWarning):
    """Some input rows could not be counted; they are in ``EventLog.rejected``."""


class LedgerPart(Protocol):
    """Rejected rows kept where the events lie (a query of a database), read when asked."""

    def rows(self, limit: int | None) -> pd.DataFrame:
        """The part's rows as the ledger holds them (the first ``limit``, if given)."""
        ...

    def batches(self) -> Iterator[pd.DataFrame]:
        """The part's rows, streamed."""
        ...


class RejectedRows:
    """A ledger of rejected rows that stays where the events lie, fetched when asked.

    ``len()`` is the number of rows (counted at load); printing shows it and the first
    rows; :meth:`head`, :meth:`to_pandas` fetch them, :meth:`batches` streams them (what
    ``log.write_rejected`` writes to CSV).
    """

    def __init__(self, count: int, parts: list[LedgerPart]) -> None:
        self._count = count
        self._parts = parts

    def __len__(self) -> int:
        return self._count

    def head(self, n: int = 10) -> pd.DataFrame:
        """The first ``n`` rejected rows (with every column of the ledger)."""
        frames, left = [], n
        for part in self._parts:
            frames.append(part.rows(left))
            left -= len(frames[-1])
        return combine_ledgers(frames).reindex(columns=self.columns())

    def to_pandas(self) -> pd.DataFrame:
        """Every rejected row: ``source, row, reason`` and the raw values, as text."""
        return combine_ledgers([part.rows(None) for part in self._parts])

    def batches(self) -> Iterator[pd.DataFrame]:
        """The rejected rows, streamed in batches."""
        for part in self._parts:
            yield from part.batches()

    def columns(self) -> list[str]:
        """The ledger's columns: ``source, row, reason``, then the raw values' columns."""
        out: list[str] = ["source", "row", "reason"]
        for part in self._parts:
            out += [c for c in part.rows(0).columns if c not in out]
        return out

    def write_csv(self, path: Path) -> None:
        """Stream the rows to a formula-safe CSV (as :meth:`EventLog.write_rejected`)."""
        columns = self.columns()
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\r\n")
            writer.writerow([neutralise(c) for c in columns])
            for batch in self.batches():
                rows = batch.reindex(columns=columns).astype(object)
                for row in rows.where(rows.notna(), "").itertuples(index=False):
                    writer.writerow([neutralise(v) if isinstance(v, str) else v for v in row])

    def __repr__(self) -> str:
        if not self._count:
            return "<0 rejected rows>"
        shown = self.head(5)
        more = f", the first {len(shown)}" if self._count > len(shown) else ""
        return f"<{self._count:,} rejected rows{more}>\n{shown.to_string(index=False)}"

    def _repr_html_(self) -> str:
        import html

        shown = self.head(5)
        more = f", the first {len(shown)}" if self._count > len(shown) else ""
        return f"<b>{html.escape(f'{self._count:,} rejected rows{more}')}</b>" + shown.to_html(
            index=False
        )


def combine_ledgers(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The rejected rows of all inputs as one ledger (``source, row, reason`` when empty)."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(
            {
                "source": pd.Series(dtype="str"),
                "row": pd.Series(dtype="int64"),
                "reason": pd.Series(dtype="str"),
            }
        )
    out = pd.concat(frames, ignore_index=True)
    out["row"] = out["row"].astype("int64")
    return out


@dataclass(frozen=True, repr=False)
class LoadSummary:
    """What loading read, kept, merged and rejected.

    Attributes
    ----------
    inputs : list of str
        The files (or in-memory tables) that gave events, with the source each was read as.
    rows_read : int
        Rows (or payload items) read from all inputs.
    events : int
        Canonical events kept for counting.
    rejected : int
        Rows in the rejected-rows ledger (invalid rows plus orphaned activity).
    rejected_by_reason : dict
        Ledger rows per reason.
    duplicates : int
        Exact duplicates merged into the first occurrence (the same ``event_id``, event type
        and record, or the same row when there is no id).
    orphaned : int
        Activity rows without any ``sent`` for their (campaign, email, lead); in the ledger.
    skipped : dict
        Native event kinds that map to no canonical event (ESP sources), per kind.
    first_event, last_event : pandas.Timestamp or None
        The earliest and latest event kept.
    id_conflicts : int
        Events kept whose ``event_id`` an event of another record (campaign, email, lead)
        carries too: ids that are not unique across the inputs (per-file counters), so
        their events are counted as distinct events, not merged.
    user_agents : int
        Distinct user agents (each parsed once into client, OS and device, the first time
        one is asked for).
    machine_opens : int
        Opens fetched by a privacy proxy (the source's flag or Apple Mail Privacy
        Protection's signature).
    bots : dict
        Opens and clicks the source flagged as bots, per reason (``source``, or the reason
        a canonical input gives).
    """

    inputs: list[str]
    rows_read: int
    events: int
    rejected: int
    rejected_by_reason: dict[str, int]
    duplicates: int
    orphaned: int
    skipped: dict[str, int] = field(default_factory=dict)
    first_event: pd.Timestamp | None = None
    last_event: pd.Timestamp | None = None
    id_conflicts: int = 0
    user_agents: int = 0
    machine_opens: int = 0
    bots: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The summary as lines of plain text."""
        out = [
            f"read {self.rows_read:,} rows from {', '.join(self.inputs)}",
            f"kept {self.events:,} events"
            + (
                f" ({self.first_event:%Y-%m-%d %H:%M} to {self.last_event:%Y-%m-%d %H:%M} UTC)"
                if self.first_event is not None
                else ""
            ),
            f"merged {self.duplicates:,} exact duplicates",
            *(
                [
                    f"kept {self.id_conflicts:,} events that share their event_id with another "
                    "record's event (id conflicts: counted as distinct events)"
                ]
                if self.id_conflicts
                else []
            ),
            f"rejected {self.rejected:,} rows (see log.rejected)"
            if self.rejected
            else "rejected 0 rows",
        ]
        out += [f"  {n:,} × {reason}" for reason, n in self.rejected_by_reason.items()]
        out += self.bot_lines()
        if self.skipped:
            out.append(
                f"skipped {sum(self.skipped.values()):,} source events of kinds that "
                "are not email events:"
            )
            out += [f"  {n:,} × {kind}" for kind, n in self.skipped.items()]
        return out

    def bot_lines(self) -> list[str]:
        """The lines on user agents, machine opens and bots (none when there are none)."""
        out = []
        if self.user_agents:
            out.append(f"{self.user_agents:,} distinct user agents")
        if self.machine_opens:
            out.append(
                f"found {self.machine_opens:,} machine opens (fetched by a privacy proxy, "
                "not shown to a person)"
            )
        if self.bots:
            per = ", ".join(f"{n:,} {reason}" for reason, n in self.bots.items())
            out.append(f"flagged {sum(self.bots.values()):,} opens and clicks as bots ({per})")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())

    __repr__ = __str__

    def _repr_html_(self) -> str:
        import html

        return f"<pre class='campaign-perf-summary'>{html.escape(str(self))}</pre>"


class EventLog:
    """Canonical email events, the ledger of rows that could not be counted, and the
    dimension tables (campaigns, emails, leads) that name them.

    Create one with :func:`load_events`. An EventLog is not modified after loading; the
    reports made from it share its engine, which keeps what they computed.

    Attributes
    ----------
    dims : Dimensions
        The campaigns, emails and leads tables (given, or gathered from the events).
    engine : Engine
        What builds records and cubes (the embedded DuckDB engine; Spark for Spark logs).
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        summary: LoadSummary,
        dims: Dimensions,
        rejected: pd.DataFrame | RejectedRows,
        duplicates: pd.DataFrame,
        *,
        engine: Engine | None = None,
        guard: Callable[[], None] | None = None,
        agents: Callable[[], str] | None = None,
    ) -> None:
        self._con = con
        self._summary = summary
        self.dims = dims
        self._rejected = rejected
        self._duplicates = duplicates
        self._events: pd.DataFrame | None = None
        self.engine: Engine = engine if engine is not None else DuckDBEngine(con)
        self._guard = guard  # raises if a file read in place changed since loading
        self._agents = agents  # gives the table of parsed user agents (made when first asked)

    # -- what was loaded -------------------------------------------------------------
    @property
    def events(self) -> pd.DataFrame:
        """The canonical events (RULES.md section 1), with their source file and row; the
        client, OS and device parsed from the user agent where the source gave none."""
        if self._events is None:
            if self._guard is not None:
                self._guard()
            cols = ", ".join(quote_ident(c) for c in CANONICAL_COLUMNS)
            source = f"({with_agents_sql('events', self._agents())})" if self._agents else "events"
            events = self._con.sql(f"SELECT {cols}, _seq FROM {source} ORDER BY _seq").df()
            self._events = with_source_rows(events, self._summary.inputs)
        return self._events

    @property
    def rejected(self) -> pd.DataFrame | RejectedRows:
        """The rejected-rows ledger: ``source``, ``row``, ``reason`` and the raw values.

        A DataFrame; for a log whose events stay in a database, a :class:`RejectedRows`
        (the count and the first rows when shown; ``.to_pandas()`` fetches them all).
        """
        return self._rejected

    @property
    def duplicates(self) -> pd.DataFrame:
        """Rows merged as exact duplicates: ``source``, ``row`` and the row they repeat."""
        return self._duplicates

    @property
    def campaigns(self) -> pd.DataFrame:
        """Campaigns: ``campaign_id, campaign_name, program, status``."""
        return self.dims.campaigns

    @property
    def emails(self) -> pd.DataFrame:
        """Emails: ``email_id, email_name, subject, html``."""
        return self.dims.emails

    @property
    def leads(self) -> pd.DataFrame:
        """Leads: ``lead_id`` and their attributes (empty when none were given)."""
        return self.dims.leads

    def __len__(self) -> int:
        return self._summary.events

    def summary(self) -> LoadSummary:
        """Account of the load: rows read, events kept, duplicates, rejected rows by reason.

        Returns
        -------
        LoadSummary
            Prints as readable lines and renders as a list in notebooks.

        Examples
        --------
        >>> log = load_events(pd.DataFrame({"event_type": ["sent"], "timestamp": ["2026-01-05"],
        ...     "campaign_id": ["C1"], "email_id": ["E1"], "lead_id": ["L1"]}))
        >>> log.summary().events
        1
        """
        return self._summary

    def write_rejected(self, path: str | Path) -> Path:
        """Write the rejected-rows ledger to CSV (or Parquet when the path ends in .parquet).

        The CSV is formula-safe for spreadsheets: text that would run as a formula gets a
        leading ``'`` (see :func:`campaign_perf.spreadsheet.neutralise`), and every field
        holding a comma, a quote, a carriage return or a line feed is quoted. Parquet keeps
        the raw values.

        Parameters
        ----------
        path : str or Path
            Where to write.

        Returns
        -------
        Path
            The path written.
        """
        path = Path(path)
        with atomic_path(path) as tmp:
            self._write_rejected(tmp, parquet=path.suffix == ".parquet")
        return path

    def _write_rejected(self, path: Path, *, parquet: bool) -> None:
        if isinstance(self._rejected, RejectedRows):
            if parquet:
                self._rejected.to_pandas().to_parquet(path, index=False)
            else:  # streamed: the ledger stays in the database until written
                self._rejected.write_csv(path)
        elif parquet:
            self._rejected.to_parquet(path, index=False)
        else:  # raw values are untrusted: neutralise formulas for spreadsheet readers
            safe = self._rejected.map(lambda v: neutralise(v) if isinstance(v, str) else v)
            safe.columns = [neutralise(str(c)) for c in safe.columns]
            # CRLF line ends: the csv module then quotes every field holding a CR or a LF
            # (with LF line ends it leaves a bare CR unquoted, which splits the row).
            safe.to_csv(path, index=False, lineterminator="\r\n")

    @property
    def time_range(self) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        """The earliest and the latest event timestamp (UTC)."""
        return self._summary.first_event, self._summary.last_event

    def __repr__(self) -> str:
        s = self._summary
        return (
            f"<EventLog: {s.events:,} events, {s.rejected:,} rejected, "
            f"{s.duplicates:,} duplicates merged>"
        )

    def _repr_html_(self) -> str:
        return "<b>EventLog</b>" + self._summary._repr_html_()
