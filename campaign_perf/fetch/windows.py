"""Time windows of a bulk activity export: what is covered already, what is left to fetch.

Times are UTC; a window is half-open, ``[start, end)``. Windows never cross the start of a
calendar month, so each is at most 31 days long (Marketo's limit for a ``createdAt``
filter) and falls in one monthly partition of the output.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from campaign_perf.errors import FetchError

__all__ = ["Window", "final_end", "merge", "month_start", "parse_time", "plan"]

UTC = dt.UTC

#: The part of the last day fetched within this long of the fetch is fetched again next time.
SETTLING = dt.timedelta(hours=1)


@dataclass(frozen=True, order=True)
class Window:
    """``[start, end)`` in UTC."""

    start: dt.datetime
    end: dt.datetime

    @property
    def month(self) -> str:
        """``YYYY-MM`` of the month the window lies in."""
        return f"{self.start.year:04d}-{self.start.month:02d}"

    def label(self) -> str:
        """``2026-01-01 – 2026-01-31`` (the last day included), or with times when partial."""
        last = self.end - dt.timedelta(seconds=1)
        if self.start.time() == dt.time() and self.end.time() == dt.time():
            return f"{self.start:%Y-%m-%d} – {last:%Y-%m-%d}"
        return f"{self.start:%Y-%m-%d %H:%M} – {self.end:%Y-%m-%d %H:%M} UTC"

    def created_at(self) -> dict[str, str]:
        """Marketo's ``createdAt`` filter: ``startAt`` and ``endAt`` (the last second)."""
        last = self.end - dt.timedelta(seconds=1)
        return {"startAt": iso(self.start), "endAt": iso(last)}

    def to_json(self) -> list[str]:
        return [iso(self.start), iso(self.end)]

    @classmethod
    def from_json(cls, pair: list[str]) -> Window:
        return cls(parse_time(pair[0], "window"), parse_time(pair[1], "window"))


def iso(t: dt.datetime) -> str:
    """``2026-01-01T00:00:00Z``."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: str | dt.date | dt.datetime | pd.Timestamp, what: str) -> dt.datetime:
    """A date or time as an aware UTC datetime, whole seconds (a date: its midnight, UTC).

    Raises
    ------
    FetchError
        ``value`` is not a date or a time.
    """
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise FetchError(f"{what} {value!r} is not a date (2026-01-31) or a time") from None
    if pd.isna(stamp):
        raise FetchError(f"{what} {value!r} is not a date (2026-01-31) or a time")
    stamp = stamp.tz_localize(UTC) if stamp.tzinfo is None else stamp.tz_convert(UTC)
    return stamp.floor("s").to_pydatetime()


def month_start(t: dt.datetime) -> dt.datetime:
    """Midnight UTC of the first day of ``t``'s month."""
    return dt.datetime(t.year, t.month, 1, tzinfo=UTC)


def _next_month(t: dt.datetime) -> dt.datetime:
    return dt.datetime(t.year + t.month // 12, t.month % 12 + 1, 1, tzinfo=UTC)


def merge(windows: Iterable[Window]) -> list[Window]:
    """The windows joined where they touch or overlap, in order."""
    out: list[Window] = []
    for w in sorted(windows):
        if w.end <= w.start:
            continue
        if out and w.start <= out[-1].end:
            if w.end > out[-1].end:
                out[-1] = Window(out[-1].start, w.end)
        else:
            out.append(w)
    return out


def plan(since: dt.datetime, until: dt.datetime, covered: Iterable[Window]) -> list[Window]:
    """The windows of ``[since, until)`` not covered yet, split at the start of each month."""
    gaps: list[Window] = []
    cursor = since
    for w in merge(covered):
        if w.end <= cursor:
            continue
        if w.start >= until:
            break
        if w.start > cursor:
            gaps.append(Window(cursor, min(w.start, until)))
        cursor = max(cursor, w.end)
    if cursor < until:
        gaps.append(Window(cursor, until))
    out: list[Window] = []
    for gap in gaps:
        start = gap.start
        while start < gap.end:
            end = min(_next_month(start), gap.end)
            out.append(Window(start, end))
            start = end
    return out


def final_end(until: dt.datetime, now: dt.datetime) -> dt.datetime:
    """Up to when a fetch ending at ``until`` is final: the start of the last day that had
    not ended an hour before ``now`` (that day is fetched again next time)."""
    settled = min(until, now - SETTLING)
    day = dt.datetime(settled.year, settled.month, settled.day, tzinfo=UTC)
    return until if until <= day else day
