"""Time frames of a report: presets, custom date ranges and their UTC bounds.

A time frame is resolved to calendar days in the report's time zone (an IANA
name, default ``"UTC"``) and then to a half-open UTC interval
``[start of the first day, start of the day after the last day)``.

Decisions
---------
* ``this week``, ``this month``, ``this quarter`` and ``this year`` run from the
  start of the calendar period *through today* (to date, like ``past N days``,
  which also includes today), not to the end of the period.
* ``last week``, ``last month``, ``last quarter`` and ``last year`` are the whole
  previous calendar period.
* Quarters are calendar quarters (Q1 = January to March).
* Weeks start on the report's ``week_start`` (0 = Monday ... 6 = Sunday).
* The start of a day is local midnight; when midnight does not exist (a DST jump
  at midnight) it is the first instant that exists that day, and when midnight
  occurs twice it is the earlier one.
"""

from __future__ import annotations

import calendar
import datetime
import functools
import re
from dataclasses import dataclass
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from campaign_perf.errors import TimeFrameError

__all__ = [
    "PRESETS",
    "DateRange",
    "TimeFrame",
    "check_tz",
    "parse_time_frame",
    "parse_week_start",
    "preset_choices",
    "resolve",
    "today_in",
]

#: Named time frames (``past N days`` and custom ranges come on top of these).
PRESETS: Final[tuple[str, ...]] = (
    "today",
    "yesterday",
    "this week",
    "last week",
    "this month",
    "last month",
    "this quarter",
    "last quarter",
    "this year",
    "last year",
    "all time",
)

#: The ``preset`` of a ``past N days`` frame.
PAST_DAYS: Final[str] = "past days"

_ACCEPTED: Final[str] = (
    ", ".join(PRESETS) + ", 'past N days', 'YYYY-MM-DD..YYYY-MM-DD', '..YYYY-MM-DD', 'YYYY-MM-DD..'"
)
_PAST_RE: Final = re.compile(r"(?:past|last) ([+-]?\d+) days?")
_RANGE_RE: Final = re.compile(r"([^.]*?) ?\.\. ?([^.]*)")
_DATE_RE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_DAY_NAMES: Final[tuple[str, ...]] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)


def _frame_error(value: object, problem: str) -> TimeFrameError:
    return TimeFrameError(f"{problem} time frame {value!r}. Accepted: {_ACCEPTED}")


def _iso_date(text: str, value: object) -> datetime.date:
    """Parse a strict ``YYYY-MM-DD`` string; ``value`` is quoted in the error."""
    if _DATE_RE.fullmatch(text):
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            pass
    raise _frame_error(value, f"invalid date {text!r} in")


def _as_date(item: object, value: object) -> datetime.date | None:
    """A side of a custom range: a date, a naive midnight datetime, an ISO string or None."""
    if item is None or (
        isinstance(item, datetime.date) and not isinstance(item, datetime.datetime)
    ):
        return item
    if isinstance(item, datetime.datetime):
        if item.tzinfo is None and item.time() == datetime.time():
            return item.date()
        raise _frame_error(value, "a time-of-day or time-zone-aware datetime (use a date) in")
    if isinstance(item, str):
        text = item.strip()
        return None if text == "" else _iso_date(text, value)
    raise _frame_error(value, f"a {type(item).__name__} (use a date, 'YYYY-MM-DD' or None) in")


def _add_months(day: datetime.date, months: int) -> datetime.date:
    """The first day of the month ``months`` after the month of ``day``."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _day_start_utc(day: datetime.date, tz: str) -> pd.Timestamp:
    """The first instant of ``day`` in ``tz``, as a tz-aware UTC Timestamp."""
    naive = pd.Timestamp(day)
    # Both readings of an ambiguous midnight; the earlier one starts the day.
    # A nonexistent midnight is shifted forward to the first instant that exists.
    candidates = (
        naive.tz_localize(tz, ambiguous=flag, nonexistent="shift_forward") for flag in (True, False)
    )
    return min(candidates).tz_convert("UTC")


@dataclass(frozen=True)
class DateRange:
    """An inclusive range of calendar days; either side may be open.

    Parameters
    ----------
    first : datetime.date or None
        First day, inclusive; None for no lower bound.
    last : datetime.date or None
        Last day, inclusive; None for no upper bound.

    Raises
    ------
    TimeFrameError
        If a side is not a date or ``first`` is after ``last``.

    Examples
    --------
    >>> r = DateRange(datetime.date(2024, 1, 1), datetime.date(2024, 1, 31))
    >>> str(r), r.n_days()
    ('2024-01-01 – 2024-01-31', 31)
    >>> str(r.previous())
    '2023-12-01 – 2023-12-31'
    >>> r.bounds_utc("Europe/Stockholm")[0]
    Timestamp('2023-12-31 23:00:00+0000', tz='UTC')
    """

    first: datetime.date | None
    last: datetime.date | None

    def __post_init__(self) -> None:
        for name in ("first", "last"):
            side = getattr(self, name)
            if side is not None and (
                not isinstance(side, datetime.date) or isinstance(side, datetime.datetime)
            ):
                raise TimeFrameError(f"DateRange.{name} must be a datetime.date or None: {side!r}")
        if self.first is not None and self.last is not None and self.first > self.last:
            raise TimeFrameError(f"DateRange starts after it ends: {self.first} > {self.last}")

    def contains(self, day: datetime.date) -> bool:
        """Whether ``day`` is in the range (open sides are unbounded).

        Examples
        --------
        >>> DateRange(None, datetime.date(2024, 1, 31)).contains(datetime.date(1999, 1, 1))
        True
        """
        return (self.first is None or self.first <= day) and (self.last is None or day <= self.last)

    def bounds_utc(self, tz: str = "UTC") -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        """The half-open UTC interval ``[start, end)`` covering the days in ``tz``.

        ``start`` is the first instant of ``first`` and ``end`` the first instant of
        the day after ``last``, both in the zone ``tz``; None for an open side.

        Parameters
        ----------
        tz : str
            IANA time zone name of the report.

        Returns
        -------
        tuple of (pandas.Timestamp or None, pandas.Timestamp or None)
            Tz-aware UTC timestamps.

        Examples
        --------
        >>> day = datetime.date(2024, 3, 31)
        >>> start, end = DateRange(day, day).bounds_utc("Europe/Stockholm")
        >>> end - start
        Timedelta('0 days 23:00:00')
        """
        check_tz(tz)
        try:
            start = None if self.first is None else _day_start_utc(self.first, tz)
            after = None if self.last is None else self.last + datetime.timedelta(days=1)
            end = None if after is None else _day_start_utc(after, tz)
        except (OverflowError, ValueError) as exc:
            raise TimeFrameError(f"cannot convert {self} to UTC bounds: {exc}") from exc
        return start, end

    def n_days(self) -> int | None:
        """The number of calendar days in the range, None if a side is open.

        Examples
        --------
        >>> DateRange(datetime.date(2024, 2, 1), datetime.date(2024, 2, 29)).n_days()
        29
        """
        if self.first is None or self.last is None:
            return None
        return (self.last - self.first).days + 1

    def previous(self) -> DateRange:
        """The range of equal length that ends the day before ``first``.

        Raises
        ------
        TimeFrameError
            If the range is open.

        Examples
        --------
        >>> str(DateRange(datetime.date(2024, 3, 1), datetime.date(2024, 3, 7)).previous())
        '2024-02-23 – 2024-02-29'
        """
        n = self.n_days()
        if n is None or self.first is None:
            raise TimeFrameError(f"an open range ({self}) has no previous period")
        return DateRange(
            self.first - datetime.timedelta(days=n), self.first - datetime.timedelta(days=1)
        )

    def __str__(self) -> str:
        if self.first is None:
            return "all time" if self.last is None else f"until {self.last}"
        if self.last is None:
            return f"from {self.first}"
        if self.first == self.last:
            return str(self.first)
        return f"{self.first} – {self.last}"


@dataclass(frozen=True)
class TimeFrame:
    """A report's time frame: a preset, ``past N days`` or a custom date range.

    Use :meth:`parse` to build one from user input and :meth:`resolve` to turn it
    into calendar days. "this week/month/quarter/year" run from the start of the
    calendar period through today (to date); "last week/month/quarter/year" are
    the whole previous calendar period; quarters are calendar quarters.

    Parameters
    ----------
    preset : str or None
        One of :data:`PRESETS`, ``"past days"`` (with ``days``), or None for a
        custom frame. A custom frame open on both sides becomes ``"all time"``.
    days : int or None
        N of ``past N days`` (>= 1); only with ``preset="past days"``.
    start, end : datetime.date or None
        First and last day (inclusive) of a custom frame; None for an open side.

    Raises
    ------
    TimeFrameError
        If the fields do not describe one of the accepted forms.

    Examples
    --------
    >>> tf = TimeFrame.parse("Past 7 days")
    >>> tf, str(tf)
    (TimeFrame(preset='past days', days=7, start=None, end=None), 'past 7 days')
    >>> str(tf.resolve(datetime.date(2024, 3, 10)))
    '2024-03-04 – 2024-03-10'
    >>> str(TimeFrame.parse("2024-01-01..").resolve(datetime.date(2024, 3, 10)))
    'from 2024-01-01'
    """

    preset: str | None = None
    days: int | None = None
    start: datetime.date | None = None
    end: datetime.date | None = None

    def __post_init__(self) -> None:
        if self.preset is None:
            if self.days is not None:
                raise TimeFrameError("TimeFrame.days is only allowed with preset='past days'")
            DateRange(self.start, self.end)  # validates the sides and their order
            if self.start is None and self.end is None:
                object.__setattr__(self, "preset", "all time")
            return
        if self.start is not None or self.end is not None:
            raise TimeFrameError("TimeFrame.start/end are only allowed in a custom frame")
        if self.preset == PAST_DAYS:
            if not isinstance(self.days, int) or isinstance(self.days, bool) or self.days < 1:
                raise TimeFrameError(f"past N days needs an integer N >= 1, got {self.days!r}")
        elif self.preset not in PRESETS:
            raise _frame_error(self.preset, "unknown")
        elif self.days is not None:
            raise TimeFrameError("TimeFrame.days is only allowed with preset='past days'")

    @classmethod
    def parse(cls, value: str | TimeFrame | DateRange | tuple | list | None) -> TimeFrame:
        """Build a time frame from user input.

        Parameters
        ----------
        value : str, TimeFrame, DateRange, tuple, list or None
            A string (case-insensitive, extra whitespace ignored): a preset,
            ``past N days`` (``past 1 day`` and ``last N days`` too),
            ``YYYY-MM-DD..YYYY-MM-DD``, ``..YYYY-MM-DD`` or ``YYYY-MM-DD..``;
            a ``(start, end)`` pair of dates, ISO date strings or None; a
            DateRange (custom frame); a TimeFrame (returned as is); None for
            ``all time``.

        Returns
        -------
        TimeFrame

        Raises
        ------
        TimeFrameError
            On any other value; the message quotes it and lists the accepted forms.

        Examples
        --------
        >>> str(TimeFrame.parse("  LAST   month "))
        'last month'
        >>> str(TimeFrame.parse(("2024-01-01", None)))
        '2024-01-01..'
        """
        if value is None:
            return cls("all time")
        if isinstance(value, TimeFrame):
            return value
        if isinstance(value, DateRange):
            return cls(start=value.first, end=value.last)
        if isinstance(value, tuple | list):
            if len(value) != 2:
                raise _frame_error(value, "a (start, end) pair needs 2 items, not")
            start, end = (_as_date(item, value) for item in value)
            if start is not None and end is not None and start > end:
                raise _frame_error(value, "start after end in")
            return cls(start=start, end=end)
        if not isinstance(value, str):
            raise _frame_error(value, f"unsupported type {type(value).__name__} for")
        text = " ".join(value.lower().split())
        if text in PRESETS:
            return cls(text)
        if match := _PAST_RE.fullmatch(text):
            days = int(match.group(1))
            if days < 1:
                raise _frame_error(value, "N must be >= 1 in")
            return cls(PAST_DAYS, days=days)
        if (match := _RANGE_RE.fullmatch(text)) and any(match.groups()):
            start, end = (_iso_date(s, value) if s else None for s in match.groups())
            if start is not None and end is not None and start > end:
                raise _frame_error(value, "start after end in")
            return cls(start=start, end=end)
        raise _frame_error(value, "unknown")

    def resolve(self, today: datetime.date, week_start: int = 0) -> DateRange:
        """The calendar days of the frame, given today's date in the report's zone.

        Parameters
        ----------
        today : datetime.date
            Today in the report's time zone (see :func:`today_in`).
        week_start : int
            First day of the week, 0 = Monday ... 6 = Sunday.

        Returns
        -------
        DateRange
            Closed on both sides, except for ``all time`` and open custom frames.

        Examples
        --------
        >>> today = datetime.date(2024, 5, 15)  # a Wednesday
        >>> str(TimeFrame("this week").resolve(today, week_start=6))
        '2024-05-12 – 2024-05-15'
        >>> str(TimeFrame("last quarter").resolve(today))
        '2024-01-01 – 2024-03-31'
        """
        if not isinstance(today, datetime.date) or isinstance(today, datetime.datetime):
            raise TimeFrameError(f"today must be a datetime.date, got {today!r}")
        week_start = parse_week_start(week_start)
        try:
            return self._resolve(today, week_start)
        except (OverflowError, ValueError) as exc:  # before the year 1 or after 9999
            raise TimeFrameError(f"time frame {str(self)!r} is out of range on {today}") from exc

    def _resolve(self, today: datetime.date, week_start: int) -> DateRange:
        one = datetime.timedelta(days=1)
        preset = self.preset
        if preset is None:
            return DateRange(self.start, self.end)
        if preset == "all time":
            return DateRange(None, None)
        if preset == PAST_DAYS:
            assert self.days is not None
            return DateRange(today - (self.days - 1) * one, today)
        if preset in ("today", "yesterday"):
            day = today if preset == "today" else today - one
            return DateRange(day, day)
        period = preset.split()[1]
        if period == "week":
            begin = today - ((today.weekday() - week_start) % 7) * one
            previous = begin - 7 * one
        elif period == "year":
            begin = datetime.date(today.year, 1, 1)
            previous = datetime.date(today.year - 1, 1, 1)
        else:
            months = 1 if period == "month" else 3
            begin = _add_months(today, -((today.month - 1) % months))
            previous = _add_months(begin, -months)
        if preset.startswith("this"):
            return DateRange(begin, today)
        return DateRange(previous, begin - one)

    def previous(self, today: datetime.date, week_start: int = 0) -> DateRange:
        """The period this frame is compared with (period over period).

        A calendar preset is compared with the calendar period before it: "last month"
        with the whole month before it, "last week" with the week before, "this month" (to
        date) with the same days of the month before (clamped to its end: March 1-31 is
        compared with February), "today" with yesterday. "past N days" and custom ranges
        are compared with as many days just before their first day.

        Parameters
        ----------
        today : datetime.date
            Today in the report's time zone.
        week_start : int
            First day of the week, 0 = Monday ... 6 = Sunday.

        Returns
        -------
        DateRange

        Raises
        ------
        TimeFrameError
            If the frame is open ("all time", "..YYYY-MM-DD", "YYYY-MM-DD..").

        Examples
        --------
        >>> today = datetime.date(2026, 10, 15)
        >>> str(TimeFrame("last month").previous(today))
        '2026-08-01 – 2026-08-31'
        >>> str(TimeFrame("this quarter").previous(today))
        '2026-07-01 – 2026-07-15'
        >>> str(TimeFrame.parse("past 7 days").previous(today))
        '2026-10-02 – 2026-10-08'
        """
        current = self.resolve(today, week_start)
        preset = self.preset
        if preset is None or preset in (PAST_DAYS, "all time", "today", "yesterday"):
            return current.previous()
        assert current.first is not None and current.last is not None
        period = preset.split()[1]
        before = TimeFrame(f"last {period}").resolve(current.first, week_start)
        if preset.startswith("last"):
            return before
        assert before.first is not None
        if period == "week":
            return DateRange(before.first, before.first + (current.last - current.first))
        months = {"month": 1, "quarter": 3, "year": 12}[period]
        month = _add_months(current.last, -months)
        length = calendar.monthrange(month.year, month.month)[1]
        return DateRange(before.first, month.replace(day=min(current.last.day, length)))

    def __str__(self) -> str:
        if self.preset == PAST_DAYS:
            return f"past {self.days} day" if self.days == 1 else f"past {self.days} days"
        if self.preset is not None:
            return self.preset
        return f"{self.start or ''}..{self.end or ''}"

    @property
    def is_relative(self) -> bool:
        """Whether the frame depends on today (presets) rather than fixed dates.

        Examples
        --------
        >>> TimeFrame.parse("this month").is_relative, TimeFrame.parse("all time").is_relative
        (True, False)
        """
        return self.preset is not None and self.preset != "all time"


def preset_choices() -> list[str]:
    """Time frame strings for UI dropdowns, in display order.

    Every item is accepted by :meth:`TimeFrame.parse`.

    Examples
    --------
    >>> preset_choices()[:5]
    ['today', 'yesterday', 'this week', 'last week', 'past 7 days']
    """
    return [
        "today",
        "yesterday",
        "this week",
        "last week",
        "past 7 days",
        "past 30 days",
        "past 90 days",
        "this month",
        "last month",
        "this quarter",
        "last quarter",
        "this year",
        "last year",
        "all time",
    ]


def parse_time_frame(value: str | TimeFrame | DateRange | tuple | list | None) -> TimeFrame:
    """Build a time frame from user input; same as :meth:`TimeFrame.parse`.

    Examples
    --------
    >>> str(parse_time_frame("last 30 days"))
    'past 30 days'
    """
    return TimeFrame.parse(value)


def parse_week_start(value: str | int) -> int:
    """The first day of the week as 0 = Monday ... 6 = Sunday.

    Parameters
    ----------
    value : str or int
        An integer 0-6 (or its digit), or a day name or three-letter
        abbreviation, case-insensitive.

    Raises
    ------
    TimeFrameError
        For any other value; the message lists the accepted values.

    Examples
    --------
    >>> parse_week_start("Sun"), parse_week_start("monday"), parse_week_start(2)
    (6, 0, 2)
    """
    if isinstance(value, str):
        text = value.strip().lower()
        for number, name in enumerate(_DAY_NAMES):
            if text in (name, name[:3], str(number)):
                return number
    elif isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:
        return value
    names = ", ".join(_DAY_NAMES)
    short = ", ".join(name[:3] for name in _DAY_NAMES)
    raise TimeFrameError(
        f"unknown week start {value!r}. Accepted: 0-6 (0 = Monday, 6 = Sunday), "
        f"{names} or {short} (any case)"
    )


@functools.cache
def _engine_zones() -> frozenset[str]:
    """The zone names the embedded engine (DuckDB's ICU) knows."""
    import duckdb

    with duckdb.connect() as con:
        return frozenset(
            r[0] for r in con.execute("SELECT name FROM pg_timezone_names()").fetchall()
        )


def check_tz(tz: str) -> str:
    """Validate an IANA time zone name and return it unchanged.

    Raises
    ------
    TimeFrameError
        If ``tz`` is not a zone name known to both :mod:`zoneinfo` and the engine (names
        such as ``posixrules``, ``localtime`` or ``right/UTC`` are files of the system's
        zone database, not zones the engine can compute in).

    Examples
    --------
    >>> check_tz("Europe/Stockholm")
    'Europe/Stockholm'
    """
    try:
        if not isinstance(tz, str):
            raise TypeError(tz)
        ZoneInfo(tz)
        if tz not in _engine_zones():
            raise ValueError(tz)
    except (ZoneInfoNotFoundError, ValueError, OSError, TypeError) as exc:
        plain = tz.split("/", 1)[1] if isinstance(tz, str) and "/" in tz else ""
        names = f"'{plain}'" if plain in _engine_zones() else "'UTC', 'Europe/Stockholm'"
        raise TimeFrameError(
            f"unknown time zone {tz!r}: use an IANA name such as {names} or 'America/New_York'"
        ) from exc
    return tz


def today_in(tz: str = "UTC") -> datetime.date:
    """The current date in the time zone ``tz``.

    Examples
    --------
    >>> isinstance(today_in("Asia/Tokyo"), datetime.date)
    True
    """
    return datetime.datetime.now(ZoneInfo(check_tz(tz))).date()


def resolve(
    value: str | TimeFrame | DateRange | tuple | list | None,
    *,
    tz: str = "UTC",
    today: datetime.date | str | None = None,
    week_start: str | int = 0,
) -> DateRange:
    """Parse a time frame and resolve it to calendar days in the zone ``tz``.

    Parameters
    ----------
    value
        Anything :meth:`TimeFrame.parse` accepts.
    tz : str
        IANA time zone of the report; gives today's date when ``today`` is None.
    today : datetime.date, str or None
        Today's date (``YYYY-MM-DD`` string accepted); None for the current date in ``tz``.
    week_start : str or int
        First day of the week, see :func:`parse_week_start`.

    Examples
    --------
    >>> str(resolve("last month", today="2024-01-15"))
    '2023-12-01 – 2023-12-31'
    """
    check_tz(tz)
    if today is None:
        today = today_in(tz)
    elif isinstance(today, str):
        text = today.strip()
        if not _DATE_RE.fullmatch(text):
            raise TimeFrameError(f"today must be a date or 'YYYY-MM-DD', got {today!r}")
        try:
            today = datetime.date.fromisoformat(text)
        except ValueError as exc:
            raise TimeFrameError(f"today must be a date or 'YYYY-MM-DD', got {today!r}") from exc
    return TimeFrame.parse(value).resolve(today, parse_week_start(week_start))
