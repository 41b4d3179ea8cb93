"""Tests of campaign_perf.timeframes: presets, custom ranges, parsing and UTC bounds."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from campaign_perf.errors import TimeFrameError
from campaign_perf.timeframes import (
    PRESETS,
    DateRange,
    TimeFrame,
    check_tz,
    parse_time_frame,
    parse_week_start,
    preset_choices,
    resolve,
    today_in,
)

D = datetime.date
UTC = datetime.UTC
ACCEPTED_FORMS = (*PRESETS, "'past N days'", "'YYYY-MM-DD..YYYY-MM-DD'", "'..YYYY-MM-DD'")
ZONES = (
    "UTC",
    "Europe/Stockholm",
    "America/New_York",
    "America/Santiago",
    "America/Havana",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Kiritimati",
)


def days(first: str, last: str) -> DateRange:
    return DateRange(D.fromisoformat(first), D.fromisoformat(last))


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def assert_lists_accepted_forms(message: str, bad: str) -> None:
    assert repr(bad) in message
    for form in ACCEPTED_FORMS:
        assert form in message, form


# --- presets ------------------------------------------------------------------

WED = D(2024, 5, 15)  # a Wednesday
JAN1 = D(2024, 1, 1)


@pytest.mark.parametrize(
    ("frame", "today", "expected"),
    [
        ("today", WED, days("2024-05-15", "2024-05-15")),
        ("yesterday", WED, days("2024-05-14", "2024-05-14")),
        ("yesterday", D(2024, 1, 1), days("2023-12-31", "2023-12-31")),
        ("yesterday", D(2024, 3, 1), days("2024-02-29", "2024-02-29")),
        ("this month", WED, days("2024-05-01", "2024-05-15")),
        ("this month", D(2024, 5, 1), days("2024-05-01", "2024-05-01")),
        ("last month", WED, days("2024-04-01", "2024-04-30")),
        ("last month", D(2024, 3, 31), days("2024-02-01", "2024-02-29")),
        ("last month", D(2023, 3, 31), days("2023-02-01", "2023-02-28")),
        ("last month", D(2024, 1, 1), days("2023-12-01", "2023-12-31")),
        ("this quarter", WED, days("2024-04-01", "2024-05-15")),
        ("this quarter", D(2024, 3, 31), days("2024-01-01", "2024-03-31")),
        ("this quarter", D(2024, 10, 1), days("2024-10-01", "2024-10-01")),
        ("this quarter", D(2024, 12, 31), days("2024-10-01", "2024-12-31")),
        ("last quarter", WED, days("2024-01-01", "2024-03-31")),
        ("last quarter", D(2024, 9, 30), days("2024-04-01", "2024-06-30")),
        ("last quarter", D(2024, 10, 1), days("2024-07-01", "2024-09-30")),
        ("last quarter", D(2024, 1, 1), days("2023-10-01", "2023-12-31")),
        ("last quarter", D(2024, 3, 31), days("2023-10-01", "2023-12-31")),
        ("this year", WED, days("2024-01-01", "2024-05-15")),
        ("this year", D(2024, 1, 1), days("2024-01-01", "2024-01-01")),
        ("this year", D(2024, 12, 31), days("2024-01-01", "2024-12-31")),
        ("last year", WED, days("2023-01-01", "2023-12-31")),
        ("last year", D(2024, 1, 1), days("2023-01-01", "2023-12-31")),
        ("past 1 day", WED, days("2024-05-15", "2024-05-15")),
        ("past 7 days", WED, days("2024-05-09", "2024-05-15")),
        ("past 30 days", D(2024, 3, 1), days("2024-02-01", "2024-03-01")),  # leap Feb
        ("all time", WED, DateRange(None, None)),
    ],
)
def test_preset_resolves(frame: str, today: datetime.date, expected: DateRange) -> None:
    assert TimeFrame.parse(frame).resolve(today) == expected


@pytest.mark.parametrize(
    ("today", "week_start", "this_week", "last_week"),
    [
        # Monday weeks
        (WED, 0, days("2024-05-13", "2024-05-15"), days("2024-05-06", "2024-05-12")),
        (D(2024, 5, 13), 0, days("2024-05-13", "2024-05-13"), days("2024-05-06", "2024-05-12")),
        (D(2024, 5, 19), 0, days("2024-05-13", "2024-05-19"), days("2024-05-06", "2024-05-12")),
        # Sunday weeks
        (WED, 6, days("2024-05-12", "2024-05-15"), days("2024-05-05", "2024-05-11")),
        (D(2024, 5, 19), 6, days("2024-05-19", "2024-05-19"), days("2024-05-12", "2024-05-18")),
        (D(2024, 5, 18), 6, days("2024-05-12", "2024-05-18"), days("2024-05-05", "2024-05-11")),
        # Saturday weeks, across a year boundary
        (D(2024, 1, 2), 5, days("2023-12-30", "2024-01-02"), days("2023-12-23", "2023-12-29")),
    ],
)
def test_weeks(
    today: datetime.date, week_start: int, this_week: DateRange, last_week: DateRange
) -> None:
    assert TimeFrame.parse("this week").resolve(today, week_start) == this_week
    assert TimeFrame.parse("last week").resolve(today, week_start) == last_week
    assert last_week.n_days() == 7
    assert last_week.first is not None
    assert last_week.first.weekday() == week_start


def test_every_preset_is_covered_and_relative() -> None:
    for name in PRESETS:
        tf = TimeFrame.parse(name)
        assert tf == TimeFrame(name)
        assert tf.is_relative == (name != "all time")
        assert str(tf) == name


# --- custom frames ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2024-01-01..2024-01-31", D(2024, 1, 1), D(2024, 1, 31)),
        ("2024-01-01 .. 2024-01-31", D(2024, 1, 1), D(2024, 1, 31)),
        ("  2024-01-01   ..2024-01-31 ", D(2024, 1, 1), D(2024, 1, 31)),
        ("2024-02-29..2024-02-29", D(2024, 2, 29), D(2024, 2, 29)),
        ("..2024-01-31", None, D(2024, 1, 31)),
        (".. 2024-01-31", None, D(2024, 1, 31)),
        ("2024-01-01..", D(2024, 1, 1), None),
        ("2024-01-01 ..", D(2024, 1, 1), None),
    ],
)
def test_custom_strings(text: str, start: datetime.date | None, end: datetime.date | None) -> None:
    tf = TimeFrame.parse(text)
    assert tf == TimeFrame(start=start, end=end)
    assert tf.preset is None
    assert not tf.is_relative
    assert tf.resolve(WED) == DateRange(start, end)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ((D(2024, 1, 1), D(2024, 1, 31)), TimeFrame(start=D(2024, 1, 1), end=D(2024, 1, 31))),
        (("2024-01-01", "2024-01-31"), TimeFrame(start=D(2024, 1, 1), end=D(2024, 1, 31))),
        ((None, "2024-01-31"), TimeFrame(start=None, end=D(2024, 1, 31))),
        (("2024-01-01", None), TimeFrame(start=D(2024, 1, 1))),
        ((pd.Timestamp("2024-01-01"), D(2024, 1, 2)), TimeFrame(start=JAN1, end=D(2024, 1, 2))),
        ([D(2024, 1, 1), ""], TimeFrame(start=D(2024, 1, 1))),
        ((None, None), TimeFrame("all time")),
        (None, TimeFrame("all time")),
        (days("2024-01-01", "2024-01-31"), TimeFrame(start=D(2024, 1, 1), end=D(2024, 1, 31))),
        (DateRange(None, None), TimeFrame("all time")),
    ],
)
def test_parse_non_strings(value: object, expected: TimeFrame) -> None:
    assert TimeFrame.parse(value) == expected  # type: ignore[arg-type]
    assert parse_time_frame(value) == expected  # type: ignore[arg-type]


def test_parse_returns_time_frame_unchanged() -> None:
    tf = TimeFrame("past days", days=5)
    assert TimeFrame.parse(tf) is tf


def test_custom_frame_open_on_both_sides_is_all_time() -> None:
    assert TimeFrame() == TimeFrame("all time")
    assert str(TimeFrame()) == "all time"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("TODAY", TimeFrame("today")),
        ("  Last    Month ", TimeFrame("last month")),
        ("this\tquarter", TimeFrame("this quarter")),
        ("All Time", TimeFrame("all time")),
        ("past 30 days", TimeFrame("past days", days=30)),
        ("Past 1 Day", TimeFrame("past days", days=1)),
        ("past 1 days", TimeFrame("past days", days=1)),
        ("last 7 days", TimeFrame("past days", days=7)),
        ("  LAST  90  DAYS ", TimeFrame("past days", days=90)),
    ],
)
def test_parse_is_case_and_space_insensitive(text: str, expected: TimeFrame) -> None:
    assert TimeFrame.parse(text) == expected


@pytest.mark.parametrize(
    ("tf", "text"),
    [
        (TimeFrame("past days", days=30), "past 30 days"),
        (TimeFrame("past days", days=1), "past 1 day"),
        (TimeFrame("last month"), "last month"),
        (TimeFrame(start=D(2024, 1, 1), end=D(2024, 1, 31)), "2024-01-01..2024-01-31"),
        (TimeFrame(end=D(2024, 1, 31)), "..2024-01-31"),
        (TimeFrame(start=D(2024, 1, 1)), "2024-01-01.."),
        (TimeFrame(), "all time"),
    ],
)
def test_str_round_trip(tf: TimeFrame, text: str) -> None:
    assert str(tf) == text
    assert TimeFrame.parse(text) == tf


def test_preset_choices_all_parse() -> None:
    choices = preset_choices()
    assert choices[0] == "today"
    assert choices[-1] == "all time"
    assert {"past 7 days", "past 30 days", "past 90 days"} <= set(choices)
    assert set(PRESETS) <= set(choices)
    assert len(choices) == len(set(choices)) == len(PRESETS) + 3
    for choice in choices:
        assert str(TimeFrame.parse(choice)) == choice


# --- errors -------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        "lst month",
        "",
        "   ",
        "next month",
        "past days",
        "past 0 days",
        "last 0 days",
        "past -3 days",
        "past 3.5 days",
        "past three days",
        "2024-01-31..2024-01-01",
        "2024-02-30..2024-03-01",
        "2024-1-1..2024-01-31",
        "20240101..",
        "..",
        "2024-01-01...2024-01-31",
        "2024-01-01",
        "2024-01-01..2024-01-31..",
        "2024/01/01..2024/01/31",
    ],
)
def test_bad_string_names_value_and_lists_accepted_forms(bad: str) -> None:
    with pytest.raises(TimeFrameError) as info:
        TimeFrame.parse(bad)
    assert_lists_accepted_forms(str(info.value), bad)


def test_unknown_time_frame_message() -> None:
    with pytest.raises(TimeFrameError, match=r"^unknown time frame 'lst month'\. Accepted: today"):
        TimeFrame.parse("lst month")
    with pytest.raises(TimeFrameError, match="start after end"):
        TimeFrame.parse("2024-02-01..2024-01-01")
    with pytest.raises(TimeFrameError, match="N must be >= 1"):
        TimeFrame.parse("past 0 days")
    with pytest.raises(TimeFrameError, match="invalid date '2024-02-30'"):
        TimeFrame.parse("2024-02-30..")


@pytest.mark.parametrize(
    "bad",
    [
        5,
        3.0,
        b"today",
        {"start": "2024-01-01"},
        ("2024-01-01",),
        ("2024-01-01", "2024-01-02", "2024-01-03"),
        ("2024-01-31", "2024-01-01"),
        ("2024-13-01", None),
        (20240101, None),
        (datetime.datetime(2024, 1, 1, 12), None),
        (datetime.datetime(2024, 1, 1, tzinfo=UTC), None),
    ],
)
def test_bad_value_raises(bad: object) -> None:
    with pytest.raises(TimeFrameError) as info:
        TimeFrame.parse(bad)  # type: ignore[arg-type]
    assert_lists_accepted_forms(str(info.value), bad)  # type: ignore[arg-type]


def test_time_frame_error_is_value_error() -> None:
    with pytest.raises(ValueError):
        TimeFrame.parse("lst month")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"preset": "Last Month"},
        {"preset": "past days"},
        {"preset": "past days", "days": 0},
        {"preset": "past days", "days": True},
        {"preset": "today", "days": 3},
        {"preset": "today", "start": D(2024, 1, 1)},
        {"days": 3},
        {"start": D(2024, 2, 1), "end": D(2024, 1, 1)},
        {"start": "2024-01-01"},
    ],
)
def test_invalid_time_frame_fields(kwargs: dict[str, object]) -> None:
    with pytest.raises(TimeFrameError):
        TimeFrame(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (D(2024, 2, 1), D(2024, 1, 1)),
        (datetime.datetime(2024, 1, 1), None),
        ("2024-01-01", None),
    ],
)
def test_invalid_date_range(first: object, last: object) -> None:
    with pytest.raises(TimeFrameError):
        DateRange(first, last)  # type: ignore[arg-type]


def test_resolve_rejects_non_date_today() -> None:
    with pytest.raises(TimeFrameError, match="today"):
        TimeFrame("today").resolve("2024-01-01")  # type: ignore[arg-type]
    with pytest.raises(TimeFrameError, match="today"):
        TimeFrame("today").resolve(datetime.datetime(2024, 1, 1))


def test_resolve_out_of_range_raises_time_frame_error() -> None:
    with pytest.raises(TimeFrameError, match="out of range"):
        TimeFrame("yesterday").resolve(D.min)
    with pytest.raises(TimeFrameError, match="out of range"):
        TimeFrame("past days", days=10**6).resolve(D(2024, 1, 1))


# --- week start ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 0),
        (6, 6),
        ("monday", 0),
        ("Mon", 0),
        ("TUESDAY", 1),
        ("wed", 2),
        ("Thu", 3),
        ("friday", 4),
        ("sat", 5),
        ("sunday", 6),
        ("Sun", 6),
        (" sun ", 6),
        ("6", 6),
    ],
)
def test_parse_week_start(value: str | int, expected: int) -> None:
    assert parse_week_start(value) == expected


@pytest.mark.parametrize("bad", [7, -1, True, "sundays", "su", "", "7", 1.0, None])
def test_parse_week_start_rejects(bad: object) -> None:
    with pytest.raises(TimeFrameError) as info:
        parse_week_start(bad)  # type: ignore[arg-type]
    message = str(info.value)
    assert repr(bad) in message
    for accepted in ("0-6", "monday", "sunday", "mon", "sun"):
        assert accepted in message


def test_resolve_week_start_changes_result() -> None:
    monday = resolve("this week", today=WED, week_start="monday")
    sunday = resolve("this week", today=WED, week_start="Sun")
    assert monday == days("2024-05-13", "2024-05-15")
    assert sunday == days("2024-05-12", "2024-05-15")
    with pytest.raises(TimeFrameError):
        TimeFrame("this week").resolve(WED, week_start=7)


# --- time zones ---------------------------------------------------------------


@pytest.mark.parametrize("tz", ["UTC", "Europe/Stockholm", "America/New_York", "Asia/Kolkata"])
def test_check_tz_accepts(tz: str) -> None:
    assert check_tz(tz) == tz


@pytest.mark.parametrize("bad", ["Mars/Olympus", "utc ", "", "America", "../etc/passwd", 5, None])
def test_check_tz_rejects(bad: object) -> None:
    with pytest.raises(TimeFrameError) as info:
        check_tz(bad)  # type: ignore[arg-type]
    assert str(info.value) == (
        f"unknown time zone {bad!r}: use an IANA name such as 'UTC', "
        "'Europe/Stockholm' or 'America/New_York'"
    )


def test_bad_tz_rejected_everywhere() -> None:
    with pytest.raises(TimeFrameError, match="unknown time zone 'Europe/Stockhlm'"):
        resolve("today", tz="Europe/Stockhlm")
    with pytest.raises(TimeFrameError, match="unknown time zone 'Nowhere'"):
        today_in("Nowhere")
    with pytest.raises(TimeFrameError, match="unknown time zone 'Nowhere'"):
        days("2024-01-01", "2024-01-02").bounds_utc("Nowhere")


@pytest.mark.parametrize("tz", ["UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Kolkata"])
def test_today_in_matches_zoneinfo(tz: str) -> None:
    before = datetime.datetime.now(ZoneInfo(tz)).date()
    result = today_in(tz)
    after = datetime.datetime.now(ZoneInfo(tz)).date()
    assert result in (before, after)


def test_today_in_differs_between_far_apart_zones() -> None:
    # UTC+14 and UTC-11 are 25 hours apart: their dates always differ.
    ahead, behind = today_in("Pacific/Kiritimati"), today_in("Pacific/Pago_Pago")
    assert (ahead - behind).days in (1, 2)


def test_resolve_default_today_uses_zone() -> None:
    before = datetime.datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
    got = resolve("today", tz="Pacific/Kiritimati")
    after = datetime.datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
    assert got.first == got.last
    assert got.first in (before, after)


def test_resolve_convenience() -> None:
    assert resolve("last month", today="2024-01-15") == days("2023-12-01", "2023-12-31")
    assert resolve(None, today=WED) == DateRange(None, None)
    assert resolve(("2024-01-01", None), today=WED) == DateRange(D(2024, 1, 1), None)
    for bad in ("2024-02-30", "15/01/2024", "yesterday"):
        with pytest.raises(TimeFrameError, match="today"):
            resolve("today", today=bad)


# --- DateRange ------------------------------------------------------------------


def test_bounds_utc_in_utc() -> None:
    start, end = days("2024-01-01", "2024-01-31").bounds_utc()
    assert start == utc("2024-01-01")
    assert end == utc("2024-02-01")
    assert str(start.tz) == "UTC"
    assert DateRange(None, D(2024, 1, 31)).bounds_utc() == (None, utc("2024-02-01"))
    assert DateRange(D(2024, 1, 1), None).bounds_utc() == (utc("2024-01-01"), None)
    assert DateRange(None, None).bounds_utc("Europe/Stockholm") == (None, None)


def test_bounds_utc_fixed_offsets() -> None:
    assert days("2024-01-15", "2024-01-15").bounds_utc("Europe/Stockholm") == (
        utc("2024-01-14 23:00"),
        utc("2024-01-15 23:00"),
    )
    assert days("2024-07-15", "2024-07-15").bounds_utc("Europe/Stockholm") == (
        utc("2024-07-14 22:00"),
        utc("2024-07-15 22:00"),
    )
    assert days("2024-01-15", "2024-01-15").bounds_utc("America/New_York") == (
        utc("2024-01-15 05:00"),
        utc("2024-01-16 05:00"),
    )
    assert days("2024-01-15", "2024-01-15").bounds_utc("Asia/Kolkata") == (
        utc("2024-01-14 18:30"),
        utc("2024-01-15 18:30"),
    )


@pytest.mark.parametrize(
    ("tz", "day", "start", "hours"),
    [
        ("Europe/Stockholm", "2024-03-31", "2024-03-30 23:00", 23),
        ("Europe/Stockholm", "2024-10-27", "2024-10-26 22:00", 25),
        ("America/New_York", "2024-03-10", "2024-03-10 05:00", 23),
        ("America/New_York", "2024-11-03", "2024-11-03 04:00", 25),
        ("Australia/Lord_Howe", "2024-04-07", "2024-04-06 13:00", 24.5),
    ],
)
def test_bounds_utc_dst_days(tz: str, day: str, start: str, hours: float) -> None:
    got_start, got_end = days(day, day).bounds_utc(tz)
    assert got_start == utc(start)
    assert got_end - got_start == pd.Timedelta(hours=hours)


def test_bounds_utc_month_across_dst() -> None:
    # March 2024 in Stockholm loses an hour on the 31st.
    start, end = days("2024-03-01", "2024-03-31").bounds_utc("Europe/Stockholm")
    assert end - start == pd.Timedelta(days=31) - pd.Timedelta(hours=1)


def _first_instant_of(day: datetime.date, tz: str) -> datetime.datetime:
    """Brute force: the first whole minute (UTC) whose local date in tz is ``day``."""
    zone = ZoneInfo(tz)
    probe = datetime.datetime.combine(day, datetime.time(), UTC) - datetime.timedelta(hours=15)
    while probe.astimezone(zone).date() < day:
        probe += datetime.timedelta(minutes=1)
    return probe


@pytest.mark.parametrize(
    ("tz", "day", "expected_utc", "local"),
    [
        # Midnight does not exist: clocks jump from 00:00 to 01:00.
        ("America/Havana", D(2024, 3, 10), "2024-03-10 05:00", "01:00"),
        ("America/Santiago", D(2024, 9, 8), "2024-09-08 04:00", "01:00"),
        # Midnight happens twice (clocks go back from 01:00 to 00:00): the first one counts.
        ("America/Havana", D(2024, 11, 3), "2024-11-03 04:00", "00:00"),
    ],
)
def test_day_start_when_midnight_is_skipped_or_repeated(
    tz: str, day: datetime.date, expected_utc: str, local: str
) -> None:
    start, _ = DateRange(day, day).bounds_utc(tz)
    assert start == utc(expected_utc)
    assert start == pd.Timestamp(_first_instant_of(day, tz))
    zone = ZoneInfo(tz)
    assert start.to_pydatetime().astimezone(zone).strftime("%Y-%m-%d %H:%M") == f"{day} {local}"
    # One second earlier is still the previous local day.
    earlier = (start - pd.Timedelta(seconds=1)).to_pydatetime().astimezone(zone)
    assert earlier.date() == day - datetime.timedelta(days=1)
    # The previous day ends exactly where this one starts.
    assert DateRange(None, day - datetime.timedelta(days=1)).bounds_utc(tz)[1] == start


def test_havana_dst_day_lengths() -> None:
    spring = days("2024-03-10", "2024-03-10").bounds_utc("America/Havana")
    autumn = days("2024-11-03", "2024-11-03").bounds_utc("America/Havana")
    assert spring[1] - spring[0] == pd.Timedelta(hours=23)
    assert autumn[1] - autumn[0] == pd.Timedelta(hours=25)


@pytest.mark.parametrize(
    ("rng", "text", "n"),
    [
        (days("2024-01-01", "2024-01-31"), "2024-01-01 – 2024-01-31", 31),
        (days("2024-03-05", "2024-03-05"), "2024-03-05", 1),
        (days("2024-02-01", "2024-02-29"), "2024-02-01 – 2024-02-29", 29),
        (DateRange(None, None), "all time", None),
        (DateRange(None, D(2024, 1, 31)), "until 2024-01-31", None),
        (DateRange(D(2024, 1, 1), None), "from 2024-01-01", None),
    ],
)
def test_date_range_str_and_n_days(rng: DateRange, text: str, n: int | None) -> None:
    assert str(rng) == text
    assert rng.n_days() == n


def test_previous() -> None:
    assert days("2024-01-01", "2024-01-31").previous() == days("2023-12-01", "2023-12-31")
    assert days("2024-03-01", "2024-03-07").previous() == days("2024-02-23", "2024-02-29")
    assert days("2024-03-05", "2024-03-05").previous() == days("2024-03-04", "2024-03-04")
    # The previous period of "last month" has the same number of days, not the prior month.
    assert days("2024-03-01", "2024-03-31").previous() == days("2024-01-30", "2024-02-29")
    for open_range in (DateRange(None, None), DateRange(None, WED), DateRange(WED, None)):
        with pytest.raises(TimeFrameError, match="open"):
            open_range.previous()


def test_contains() -> None:
    rng = days("2024-01-01", "2024-01-31")
    assert rng.contains(D(2024, 1, 1))
    assert rng.contains(D(2024, 1, 31))
    assert rng.contains(D(2024, 1, 15))
    assert not rng.contains(D(2023, 12, 31))
    assert not rng.contains(D(2024, 2, 1))
    assert DateRange(None, D(2024, 1, 31)).contains(D(1900, 1, 1))
    assert not DateRange(None, D(2024, 1, 31)).contains(D(2024, 2, 1))
    assert DateRange(D(2024, 1, 1), None).contains(D(2999, 1, 1))
    assert not DateRange(D(2024, 1, 1), None).contains(D(2023, 12, 31))
    assert DateRange(None, None).contains(D(2024, 1, 1))


def test_date_range_is_frozen_and_hashable() -> None:
    rng = days("2024-01-01", "2024-01-31")
    with pytest.raises(AttributeError):
        rng.first = D(2024, 1, 2)  # type: ignore[misc]
    assert {rng, days("2024-01-01", "2024-01-31")} == {rng}


# --- properties -------------------------------------------------------------------

dates = st.dates(min_value=D(1971, 1, 1), max_value=D(2099, 12, 31))
zones = st.sampled_from(ZONES)
week_starts = st.integers(min_value=0, max_value=6)
past_frames = st.integers(min_value=1, max_value=3660).map(lambda n: TimeFrame("past days", days=n))
custom_frames = st.tuples(st.none() | dates, st.none() | dates).map(
    lambda pair: (
        TimeFrame(start=pair[0], end=pair[1])
        if None in pair
        else TimeFrame(start=min(pair), end=max(pair))
    )
)
frames = st.sampled_from(PRESETS).map(TimeFrame) | past_frames | custom_frames


@given(frame=frames, today=dates, week_start=week_starts)
def test_resolved_ranges_are_ordered_and_end_by_today(
    frame: TimeFrame, today: datetime.date, week_start: int
) -> None:
    rng = frame.resolve(today, week_start)
    if rng.first is not None and rng.last is not None:
        assert rng.first <= rng.last
    if frame.is_relative:
        assert rng.first is not None and rng.last is not None
        assert rng.last <= today
        excludes_today = str(frame) == "yesterday" or str(frame).startswith("last ")
        assert rng.contains(today) != excludes_today


@given(n=st.integers(min_value=1, max_value=10_000), today=dates)
def test_past_n_days_has_n_days(n: int, today: datetime.date) -> None:
    rng = TimeFrame.parse(f"past {n} days").resolve(today)
    assert rng.n_days() == n
    assert rng.last == today


@given(today=dates, week_start=week_starts)
def test_last_period_is_whole_and_adjacent(today: datetime.date, week_start: int) -> None:
    for period in ("week", "month", "quarter", "year"):
        this = TimeFrame.parse(f"this {period}").resolve(today, week_start)
        last = TimeFrame.parse(f"last {period}").resolve(today, week_start)
        assert this.first is not None and last.last is not None and last.first is not None
        assert last.last + datetime.timedelta(days=1) == this.first
        assert this.last == today
        if period == "week":
            assert last.n_days() == 7
            assert this.first.weekday() == week_start
        else:
            assert last.first.day == 1 and this.first.day == 1
            assert (last.last + datetime.timedelta(days=1)).day == 1
            assert (this.first.month - 1) % {"month": 1, "quarter": 3, "year": 12}[period] == 0


@given(frame=frames)
def test_str_round_trips(frame: TimeFrame) -> None:
    assert TimeFrame.parse(str(frame)) == frame
    assert TimeFrame.parse(str(frame).upper()) == frame


@given(day=dates, tz=zones)
def test_bounds_are_half_open_and_contiguous(day: datetime.date, tz: str) -> None:
    next_day = day + datetime.timedelta(days=1)
    start, end = DateRange(day, day).bounds_utc(tz)
    next_start, _ = DateRange(next_day, next_day).bounds_utc(tz)
    assert start is not None and end is not None
    assert end == next_start
    assert pd.Timedelta(hours=20) <= end - start <= pd.Timedelta(hours=28)
    zone = ZoneInfo(tz)
    assert start.to_pydatetime().astimezone(zone).date() == day
    assert (end - pd.Timedelta(microseconds=1)).to_pydatetime().astimezone(zone).date() == day
    assert end.to_pydatetime().astimezone(zone).date() == next_day


@given(frame=frames, today=dates, tz=zones)
def test_range_bounds_match_day_bounds(frame: TimeFrame, today: datetime.date, tz: str) -> None:
    rng = frame.resolve(today)
    start, end = rng.bounds_utc(tz)
    assert (start is None) == (rng.first is None)
    assert (end is None) == (rng.last is None)
    if rng.first is not None:
        assert start == DateRange(rng.first, rng.first).bounds_utc(tz)[0]
    if rng.last is not None:
        assert end == DateRange(rng.last, rng.last).bounds_utc(tz)[1]
    if start is not None and end is not None:
        assert start < end


@pytest.mark.parametrize(
    ("frame", "today", "current", "previous"),
    [
        # a whole calendar period: the calendar period before it, whatever its length
        ("last month", "2026-10-15", ("2026-09-01", "2026-09-30"), ("2026-08-01", "2026-08-31")),
        ("last month", "2024-04-02", ("2024-03-01", "2024-03-31"), ("2024-02-01", "2024-02-29")),
        ("last quarter", "2026-10-15", ("2026-07-01", "2026-09-30"), ("2026-04-01", "2026-06-30")),
        ("last year", "2026-10-15", ("2025-01-01", "2025-12-31"), ("2024-01-01", "2024-12-31")),
        ("last week", "2026-10-15", ("2026-10-05", "2026-10-11"), ("2026-09-28", "2026-10-04")),
        # to date: the same days of the period before, clamped to its end
        ("this month", "2026-10-15", ("2026-10-01", "2026-10-15"), ("2026-09-01", "2026-09-15")),
        ("this month", "2024-03-31", ("2024-03-01", "2024-03-31"), ("2024-02-01", "2024-02-29")),
        ("this quarter", "2026-11-15", ("2026-10-01", "2026-11-15"), ("2026-07-01", "2026-08-15")),
        ("this year", "2024-02-29", ("2024-01-01", "2024-02-29"), ("2023-01-01", "2023-02-28")),
        ("this week", "2026-10-15", ("2026-10-12", "2026-10-15"), ("2026-10-05", "2026-10-08")),
        ("today", "2026-10-15", ("2026-10-15", "2026-10-15"), ("2026-10-14", "2026-10-14")),
        ("yesterday", "2026-10-15", ("2026-10-14", "2026-10-14"), ("2026-10-13", "2026-10-13")),
        # a number of days: as many days just before
        ("past 7 days", "2026-10-15", ("2026-10-09", "2026-10-15"), ("2026-10-02", "2026-10-08")),
        (
            "2026-03-01..2026-03-31",
            "2026-10-15",
            ("2026-03-01", "2026-03-31"),
            ("2026-01-29", "2026-02-28"),
        ),
    ],
)
def test_the_previous_period_of_each_kind_of_frame(
    frame: str, today: str, current: tuple[str, str], previous: tuple[str, str]
) -> None:
    tf = TimeFrame.parse(frame)
    day = datetime.date.fromisoformat(today)
    assert tf.resolve(day) == days(*current)
    assert tf.previous(day) == days(*previous)


def test_the_previous_week_follows_the_week_start() -> None:
    sunday_weeks = TimeFrame.parse("this week").previous(datetime.date(2026, 10, 15), 6)
    assert sunday_weeks == days("2026-10-04", "2026-10-08")


@pytest.mark.parametrize("frame", ["all time", "2026-01-01..", "..2026-01-01"])
def test_an_open_frame_has_no_previous_period(frame: str) -> None:
    with pytest.raises(TimeFrameError, match="open"):
        TimeFrame.parse(frame).previous(datetime.date(2026, 10, 15))
