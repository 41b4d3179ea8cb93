"""Tests of cp.load_events: input formats, parsing, the rejected-rows ledger, duplicates,
the load summary and the dimension tables (RULES.md section 1)."""

from __future__ import annotations

import datetime as dt
import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import campaign_perf as cp

HEADER = ("event_type", "timestamp", "campaign_id", "email_id", "lead_id")
NY = "America/New_York"
T0 = pd.Timestamp("2026-03-02 09:00:00", tz="UTC")
EPOCH = int(T0.timestamp())
ORPHAN = "orphaned: no 'sent' event for this campaign, email and lead"


# -- helpers ---------------------------------------------------------------------------
def write_csv(path: Path, rows: list[tuple[Any, ...]], header=HEADER, sep: str = ",") -> Path:
    """Write rows as delimited text, exactly as given (no quoting, no conversion)."""
    lines = [sep.join(header), *(sep.join(str(v) for v in row) for row in rows)]
    path.write_text("\n".join(lines) + "\n")
    return path


def write_rows(path: Path, rows: list[dict[str, Any]]) -> Path:
    """Write dict rows in the format the path's suffix names."""
    suffix = path.suffix
    if suffix in (".csv", ".tsv"):
        sep = "\t" if suffix == ".tsv" else ","
        return write_csv(path, [tuple(r.values()) for r in rows], header=tuple(rows[0]), sep=sep)
    if suffix == ".parquet":
        pd.DataFrame(rows).to_parquet(path, index=False)
    elif suffix == ".jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    elif suffix == ".json":
        path.write_text(json.dumps(rows, indent=1))
    else:  # pragma: no cover - a mistake in a test
        raise ValueError(suffix)
    return path


def load_clean(data: Any, **kwargs: Any) -> cp.EventLog:
    """Load an input that is all valid: any warning at all fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return cp.load_events(data, **kwargs)


def load_rejecting(data: Any, **kwargs: Any) -> tuple[cp.EventLog, str]:
    """Load an input with rows to reject; returns the log and the warning's text."""
    with pytest.warns(cp.RejectedRowsWarning) as record:
        log = cp.load_events(data, **kwargs)
    messages = [str(w.message) for w in record if issubclass(w.category, cp.RejectedRowsWarning)]
    assert len(messages) == 1
    return log, messages[0]


def seen(log: cp.EventLog) -> list[tuple[Any, ...]]:
    """The kept events as (event_type, UTC timestamp, campaign, email, lead) tuples."""
    ev = log.events
    return list(
        zip(
            ev["event_type"],
            ev["timestamp"],
            ev["campaign_id"],
            ev["email_id"],
            ev["lead_id"],
            strict=True,
        )
    )


def expected(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (
            r["event_type"],
            pd.Timestamp(r["timestamp"]),
            r["campaign_id"],
            r["email_id"],
            r["lead_id"],
        )
        for r in rows
    ]


def events_frame(timestamps: Any, **columns: Any) -> pd.DataFrame:
    """One `sent` per timestamp, each to its own lead (so that none is a duplicate)."""
    n = len(timestamps)
    return pd.DataFrame(
        {
            "event_type": "sent",
            "timestamp": timestamps,
            "campaign_id": "C1",
            "email_id": "E1",
            "lead_id": [f"L{i}" for i in range(n)],
            **columns,
        }
    )


def rejected_rows(log: cp.EventLog) -> dict[int, str]:
    """The ledger as {source row: reason}."""
    return dict(zip(log.rejected["row"], log.rejected["reason"], strict=True))


# -- input formats ---------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".parquet", ".jsonl", ".json"])
def test_reads_each_file_format(tmp_path, canonical_rows, suffix):
    path = write_rows(tmp_path / f"events{suffix}", canonical_rows)
    log = load_clean(path)
    assert seen(log) == expected(canonical_rows)
    assert str(path) in str(log.summary())
    assert log.summary().rows_read == len(canonical_rows)


def test_reads_a_dataframe(canonical_rows):
    df = pd.DataFrame(canonical_rows, index=[10, 20, 30])  # a non-default index is ignored
    log = load_clean(df)
    assert seen(log) == expected(canonical_rows)
    assert log.events["row"].tolist() == [1, 2, 3]


def test_reads_a_pyarrow_table(canonical_rows):
    log = load_clean(pa.Table.from_pylist(canonical_rows))
    assert seen(log) == expected(canonical_rows)


def test_reads_a_glob_pattern(tmp_path, canonical_rows):
    first = write_rows(tmp_path / "part-1.csv", canonical_rows[:1])
    second = write_rows(tmp_path / "part-2.csv", canonical_rows[1:])
    write_rows(tmp_path / "other.jsonl", canonical_rows)  # not matched by the pattern
    log = load_clean(str(tmp_path / "part-*.csv"))
    assert seen(log) == expected(canonical_rows)
    assert log.summary().inputs == [str(first), str(second)]


def test_a_glob_that_matches_nothing_is_a_load_error(tmp_path):
    pattern = str(tmp_path / "nothing-*.csv")
    with pytest.raises(cp.LoadError, match="no file matches") as err:
        cp.load_events(pattern)
    assert pattern in str(err.value)


def test_reads_a_list_of_files_and_frames(tmp_path, canonical_rows):
    sent, opened, clicked = canonical_rows
    items = [
        write_rows(tmp_path / "a.parquet", [sent]),
        write_rows(tmp_path / "b.jsonl", [opened]),
        pd.DataFrame([clicked]),
    ]
    log = load_clean(items)
    assert sorted(seen(log)) == sorted(expected(canonical_rows))
    assert len(log.summary().inputs) == 3


def test_a_file_named_twice_is_read_once(tmp_path, canonical_rows):
    path = write_rows(
        tmp_path / "events.csv", [*canonical_rows, {**canonical_rows[0], "event_type": "x"}]
    )
    log, _ = load_rejecting([path, str(tmp_path / "*.csv")])
    assert seen(log) == expected(canonical_rows)
    assert rejected_rows(log) == {4: "unknown event_type 'x'"}
    assert log.summary().duplicates == 0


def test_no_input_is_a_load_error():
    with pytest.raises(cp.LoadError, match="no input"):
        cp.load_events([])


# -- columns= ----------------------------------------------------------------------------
RENAME = {"Type": "event_type", "When": "timestamp", "Camp": "campaign_id", "Mail": "email_id"}
RENAME |= {"Who": "lead_id", "Url": "link"}


def test_columns_mapping_renames_input_columns(tmp_path):
    header = ("Type", "When", "Camp", "Mail", "Who", "Url", "Extra")
    rows = [
        ("sent", "2026-03-02T09:00:00Z", "C7", "E7", "L7", "", "x"),
        ("click", "2026-03-02T09:30:00Z", "C7", "E7", "L7", "https://ex.com/a", "y"),
    ]
    log = load_clean(write_csv(tmp_path / "export.csv", rows, header=header), columns=RENAME)
    assert seen(log) == [
        ("sent", T0, "C7", "E7", "L7"),
        ("click", T0 + pd.Timedelta(minutes=30), "C7", "E7", "L7"),
    ]
    assert log.events["link"].tolist()[1] == "https://ex.com/a"
    assert "Extra" not in log.events.columns


@pytest.mark.parametrize("as_file", [True, False])
def test_columns_mapping_naming_an_absent_column_is_a_schema_error(tmp_path, as_file):
    df = pd.DataFrame({"Type": ["sent"], "When": ["2026-03-02"], "Camp": ["C"], "Mail": ["E"]})
    df["Who"] = "L"
    data: Any = df
    if as_file:
        data = tmp_path / "export.csv"
        df.to_csv(data, index=False)
    with pytest.raises(cp.SchemaError) as err:
        cp.load_events(data, columns={**RENAME, "Recipient": "lead_id"})
    message = str(err.value)
    assert "Recipient" in message
    assert all(name in message for name in df.columns)
    if as_file:
        assert str(data) in message


def test_columns_mapping_that_leaves_a_required_column_out(tmp_path):
    path = write_csv(
        tmp_path / "export.csv",
        [("sent", "2026-03-02", "C", "E", "L")],
        header=("Type", "When", "Camp", "Mail", "Who"),
    )
    mapping = {k: v for k, v in RENAME.items() if k not in ("Who", "Url")}
    with pytest.raises(cp.SchemaError, match="lead_id"):
        cp.load_events(path, columns=mapping)


# -- timestamps ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "tz", "utc"),
    [
        ("2026-03-02T09:00:00Z", "UTC", "2026-03-02 09:00:00"),
        ("2026-03-02T09:00:00Z", NY, "2026-03-02 09:00:00"),  # an explicit zone wins over tz=
        ("2026-03-02T11:00:00+02:00", NY, "2026-03-02 09:00:00"),
        ("2026-03-02T04:00:00-0500", "UTC", "2026-03-02 09:00:00"),
        ("2026-03-02T09:00:00.250Z", "UTC", "2026-03-02 09:00:00.250"),
        ("2026-03-02 09:00:00", "UTC", "2026-03-02 09:00:00"),  # naive, default zone
        ("2026-03-02 04:00:00", NY, "2026-03-02 09:00:00"),  # EST, UTC-5
        ("2026-03-08 01:30", NY, "2026-03-08 06:30:00"),  # the last hour of EST
        ("2026-03-08 03:30", NY, "2026-03-08 07:30:00"),  # the same day, EDT, UTC-4
        ("2026-07-01 05:00", NY, "2026-07-01 09:00:00"),  # summer, EDT
        ("2026-11-01 03:00", NY, "2026-11-01 08:00:00"),  # after the fall back, EST again
        ("2026-03-02", NY, "2026-03-02 05:00:00"),  # a date: midnight in the zone
        (str(EPOCH), NY, "2026-03-02 09:00:00"),  # an epoch is an instant, whatever tz
        (f" {EPOCH * 1000 + 250} ", NY, "2026-03-02 09:00:00.250"),  # epoch ms as text
        (f"{EPOCH}.5", "UTC", "2026-03-02 09:00:00.500"),
    ],
)
def test_timestamp_text_in_a_csv(tmp_path, raw, tz, utc):
    path = write_csv(tmp_path / "events.csv", [("sent", raw, "C1", "E1", "L1")])
    log = load_clean(path, tz=tz)
    assert log.events["timestamp"].tolist() == [pd.Timestamp(utc, tz="UTC")]


@pytest.mark.parametrize(
    ("column", "utc"),
    [
        (pd.Series([EPOCH], dtype="int64"), T0),
        (pd.Series([EPOCH + 0.5], dtype="float64"), T0 + pd.Timedelta(milliseconds=500)),
        (pd.Series([EPOCH * 1000 + 123], dtype="int64"), T0 + pd.Timedelta(milliseconds=123)),
        (pd.Series([str(EPOCH)]), T0),
        # naive datetimes are read in tz= (New York, EST: UTC-5)
        (pd.Series(pd.to_datetime(["2026-03-02 04:00"])), T0),
        (pd.Series([dt.datetime(2026, 3, 2, 4, 0)], dtype=object), T0),
        # aware datetimes keep their instant
        (pd.Series(pd.to_datetime(["2026-03-02 10:00"]).tz_localize("Europe/Berlin")), T0),
        (pd.Series([T0.tz_convert("Asia/Tokyo").to_pydatetime()], dtype=object), T0),
    ],
    ids=[
        "epoch-s",
        "epoch-s-float",
        "epoch-ms",
        "epoch-str",
        "naive64",
        "naive-py",
        "aware64",
        "aware-py",
    ],
)
def test_timestamp_values_in_a_dataframe(column, utc):
    log = load_clean(events_frame(column), tz=NY)
    assert log.events["timestamp"].tolist() == [utc]


def test_epoch_numbers_in_json_lines(tmp_path):
    rows = [
        {
            "event_type": "sent",
            "timestamp": EPOCH,
            "campaign_id": "C",
            "email_id": "E",
            "lead_id": "a",
        },
        {
            "event_type": "sent",
            "timestamp": EPOCH * 1000,
            "campaign_id": "C",
            "email_id": "E",
            "lead_id": "b",
        },
    ]
    log = load_clean(write_rows(tmp_path / "events.jsonl", rows), tz=NY)
    assert log.events["timestamp"].tolist() == [T0, T0]


@pytest.mark.parametrize(
    ("arrow_type", "value", "utc"),
    [
        # a naive parquet TIMESTAMP is wall time in tz= (Stockholm, CET: UTC+1)
        (pa.timestamp("ms"), dt.datetime(2026, 3, 2, 10, 0), T0),
        (pa.timestamp("ns"), dt.datetime(2026, 3, 2, 10, 0), T0),
        (pa.timestamp("us", tz="UTC"), T0.to_pydatetime(), T0),
        (pa.timestamp("ns", tz="UTC"), T0.to_pydatetime(), T0),
        (pa.timestamp("ns", tz="America/Chicago"), T0.to_pydatetime(), T0),
    ],
)
def test_parquet_timestamp_column(tmp_path, arrow_type, value, utc):
    table = pa.table(
        {
            "event_type": ["sent"],
            "timestamp": pa.array([value], arrow_type),
            "campaign_id": ["C1"],
            "email_id": ["E1"],
            "lead_id": ["L1"],
        }
    )
    pq.write_table(table, tmp_path / "events.parquet")
    log = load_clean(tmp_path / "events.parquet", tz="Europe/Stockholm")
    assert log.events["timestamp"].tolist() == [utc]


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_aware_arrow_timestamps_keep_their_instant(unit):
    table = pa.Table.from_pandas(events_frame([T0.tz_convert("Asia/Tokyo")]), preserve_index=False)
    table = table.set_column(1, "timestamp", table["timestamp"].cast(pa.timestamp(unit, tz="UTC")))
    log = load_clean(table, tz=NY)
    assert log.events["timestamp"].tolist() == [T0]


def test_events_timestamps_are_utc():
    log = load_clean(events_frame(["2026-03-02 09:00"]), tz=NY)
    assert str(log.events["timestamp"].dt.tz) == "UTC"


def test_an_unknown_zone_is_refused():
    with pytest.raises(ValueError, match="Mars/Olympus"):
        cp.load_events(events_frame(["2026-03-02"]), tz="Mars/Olympus")


def _with_implausible_times(path: Path) -> Path:
    """Two records sent at T0 and an hour later (the second without an outcome yet), an
    open dated 9999-12-31, a send at the epoch's start (1970) and one whose epoch seconds
    read as the year 5138: CSV, or Parquet with a typed (instant) timestamp column."""
    times = [
        T0,
        T0 + pd.Timedelta(minutes=1),
        T0 + pd.Timedelta(hours=1),
        pd.Timestamp("9999-12-31", tz="UTC"),
        pd.Timestamp(0, tz="UTC"),
        pd.Timestamp(99_999_999_999, unit="s", tz="UTC"),
    ]
    columns = {
        "event_type": ["sent", "delivered", "sent", "open", "sent", "sent"],
        "campaign_id": ["C1"] * 6,
        "email_id": ["E1"] * 6,
        "lead_id": ["L1", "L1", "L2", "L1", "L3", "L4"],
    }
    if path.suffix == ".csv":
        text = [f"{t:%Y-%m-%dT%H:%M:%SZ}" for t in times[:4]] + ["0", "99999999999"]
        rows = [dict(zip(("timestamp", *columns), r, strict=True))
                for r in zip(text, *columns.values(), strict=True)]  # fmt: skip
        return write_rows(path, rows)
    stamps = pa.array([t.to_pydatetime() for t in times], pa.timestamp("us", tz="UTC"))
    pq.write_table(pa.table({"timestamp": stamps, **columns}), path)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_timestamps_outside_the_plausible_window_go_to_the_ledger(tmp_path, suffix):
    path = _with_implausible_times(tmp_path / f"events{suffix}")
    log, warning = load_rejecting(path)
    s = log.summary()
    assert (s.rows_read, len(log), s.rejected) == (6, 3, 3)
    assert (s.first_event, s.last_event) == (T0, T0 + pd.Timedelta(hours=1))
    reasons = dict(zip(log.rejected["row"], log.rejected["reason"], strict=True))
    assert reasons[5] == "timestamp before 1990-01-01"
    assert reasons[4] == reasons[6]
    assert reasons[4].startswith("timestamp more than a day after loading (after ")
    assert "timestamp more than a day after loading" in warning
    assert f"kept 3 events ({T0:%Y-%m-%d %H:%M} to" in str(s)
    # The as-of is the latest plausible event: the hour-old send is pending, not aborted.
    total = cp.Report(log).total()
    assert total[["sent", "delivered", "pending", "aborted", "opened"]].tolist() == [2, 1, 1, 0, 0]


# -- event types, ids, is_bot -------------------------------------------------------------
def test_event_types_are_read_case_and_space_insensitively(tmp_path):
    written = [
        "SENT",
        "Delivered",
        "Hard Bounce",
        "soft-bounce",
        " Open ",
        "CLICK",
        "Unsubscribe",
        "complaint",
    ]
    rows = [(t, f"2026-03-02T09:0{i}:00Z", "C1", "E1", "L1") for i, t in enumerate(written)]
    log = load_clean(write_csv(tmp_path / "events.csv", rows))
    assert log.events["event_type"].tolist() == list(cp.EVENT_TYPES)


def test_ids_written_as_numbers_become_clean_strings(tmp_path):
    df = pd.DataFrame(
        {
            "event_type": ["sent", "open", "sent"],
            "timestamp": ["2026-03-02 09:00", "2026-03-02 10:00", "2026-03-02 09:00"],
            "campaign_id": [123, 123, 124],  # int64
            "email_id": [55.0, 55.0, np.nan],  # float64: a column with a gap
            "lead_id": [7.0, 7.0, 8.0],
            "event_id": [1001.0, 1002.0, 1003.0],
        }
    )
    log, _ = load_rejecting(df)
    ev = log.events
    assert ev["campaign_id"].tolist() == ["123", "123"]
    assert ev["email_id"].tolist() == ["55", "55"]
    assert ev["lead_id"].tolist() == ["7", "7"]
    assert ev["event_id"].tolist() == ["1001", "1002"]
    assert rejected_rows(log) == {3: "missing email_id"}


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl"])
def test_numeric_ids_in_files_become_clean_strings(tmp_path, suffix):
    rows = [
        {
            "event_type": "sent",
            "timestamp": "2026-03-02",
            "campaign_id": 123,
            "email_id": 55.0,
            "lead_id": 9007199254740993,
        }
    ]
    log = load_clean(write_rows(tmp_path / f"events{suffix}", rows))
    assert seen(log)[0][2:] == ("123", "55", "9007199254740993")


def test_ids_are_trimmed_and_blank_ids_are_missing(tmp_path):
    rows = [("sent", "2026-03-02", " C1 ", "E1", "L1"), ("sent", "2026-03-02", "C1", "  ", "L2")]
    log, _ = load_rejecting(write_csv(tmp_path / "events.csv", rows))
    assert seen(log) == [("sent", pd.Timestamp("2026-03-02", tz="UTC"), "C1", "E1", "L1")]
    assert rejected_rows(log) == {2: "missing email_id"}


@pytest.mark.parametrize(
    "flags",
    [
        [True, False, None],
        pd.array([1, 0, None], dtype="Int64"),
        [1.0, 0.0, np.nan],
        ["true", "false", ""],
        ["yes", "no", None],
        ["1", "0", None],
        ["TRUE", "No", " "],
        ["Y", "f", np.nan],
    ],
    ids=["bool", "Int64", "float", "true-false", "yes-no", "1-0", "case-space", "y-f"],
)
def test_is_bot_forms(flags):
    df = events_frame(["2026-03-02 09:00"] * 3, is_bot=flags)
    log = load_clean(df)
    assert log.events["is_bot"].tolist() == [True, False, False]


def test_is_bot_in_a_csv(tmp_path):
    rows = [
        ("sent", "2026-03-02", "C", "E", f"L{i}", flag) for i, flag in enumerate(["yes", "0", ""])
    ]
    log = load_clean(write_csv(tmp_path / "e.csv", rows, header=(*HEADER, "is_bot")))
    assert log.events["is_bot"].tolist() == [True, False, False]


def test_is_bot_absent_reads_as_false():
    log = load_clean(events_frame(["2026-03-02", "2026-03-03"]))
    assert log.events["is_bot"].tolist() == [False, False]


def test_an_invalid_is_bot_value_is_rejected():
    log, message = load_rejecting(events_frame(["2026-03-02"] * 2, is_bot=["true", "maybe"]))
    assert rejected_rows(log) == {2: "is_bot 'maybe' is not true or false"}
    assert log.rejected["is_bot"].tolist() == ["maybe"]
    assert "1 of 2 rows" in message


# -- schema errors -----------------------------------------------------------------------
def test_a_missing_required_column_names_it_the_columns_found_and_the_file(tmp_path):
    header = ("event_type", "timestamp", "campaign_id", "email_id", "person")
    path = write_csv(
        tmp_path / "events.csv", [("sent", "2026-03-02", "C", "E", "L")], header=header
    )
    with pytest.raises(cp.SchemaError) as err:
        cp.load_events(path)
    message = str(err.value)
    assert str(path) in message
    missing, found = message.split("found:", 1)
    assert "lead_id" in missing
    assert all(name in found for name in header)


def test_several_missing_columns_are_all_named():
    df = pd.DataFrame({"event_type": ["sent"], "when": ["2026-03-02"], "campaign_id": ["C"]})
    with pytest.raises(cp.SchemaError) as err:
        cp.load_events(df)
    missing, found = str(err.value).split("found:", 1)
    assert all(name in missing for name in ("timestamp", "email_id", "lead_id"))
    assert all(name in found for name in df.columns)


def test_schema_error_is_a_value_error():
    with pytest.raises(ValueError):
        cp.load_events(pd.DataFrame({"x": [1]}))


# -- load errors ------------------------------------------------------------------------
def _missing(tmp_path: Path) -> Path:
    return tmp_path / "missing.csv"


def _empty(tmp_path: Path) -> Path:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    return path


def _empty_parquet(tmp_path: Path) -> Path:
    path = tmp_path / "empty.parquet"
    path.write_bytes(b"")
    return path


def _header_only(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "header.csv", [])


def _corrupt_parquet(tmp_path: Path) -> Path:
    path = tmp_path / "corrupt.parquet"
    path.write_bytes(np.random.default_rng(7).bytes(2048))
    return path


def _unknown_extension(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "events.xlsx", [("sent", "2026-03-02", "C", "E", "L")])


@pytest.mark.parametrize(
    "make", [_missing, _empty, _empty_parquet, _header_only, _corrupt_parquet, _unknown_extension]
)
def test_unreadable_files_raise_a_load_error_naming_the_file(tmp_path, make):
    path = make(tmp_path)
    with pytest.raises(cp.LoadError) as err:
        cp.load_events(path)
    assert str(path) in str(err.value)
    assert "Traceback" not in str(err.value)


def test_load_error_messages_say_what_is_wrong(tmp_path):
    cases = {
        _missing(tmp_path): "no such file",
        _empty(tmp_path): "empty",
        _header_only(tmp_path): "no rows",
        _unknown_extension(tmp_path): "unknown file type '.xlsx'",
    }
    for path, text in cases.items():
        with pytest.raises(cp.LoadError, match=text):
            cp.load_events(path)


def test_an_unreadable_file_in_a_list_is_named(tmp_path, canonical_rows):
    good = write_rows(tmp_path / "good.csv", canonical_rows)
    bad = _corrupt_parquet(tmp_path)
    with pytest.raises(cp.LoadError) as err:
        cp.load_events([good, bad])
    assert str(bad) in str(err.value)


# -- the rejected-rows ledger -----------------------------------------------------------
LEDGER_ROWS = [
    ("sent", "2026-03-02T09:00:00Z", "C1", "E1", "L1"),  # 1 ok
    ("bogus", "2026-03-02T09:01:00Z", "C1", "E1", "L1"),  # 2 unknown type
    ("open", "31/02/2026 25:61", "C1", "E1", "L1"),  # 3 bad timestamp
    ("open", "2026-03-02T09:03:00Z", "C1", "E1", ""),  # 4 missing lead
    ("nope", "yesterday", "", "E1", "L1"),  # 5 three reasons
    ("open", "2026-03-02T09:05:00Z", "C1", "E1", "L9"),  # 6 orphan: L9 was never sent
    ("click", "2026-03-02T09:06:00Z", "C1", "E1", "L1"),  # 7 ok
    ("", "2026-03-02T09:07:00Z", "C1", "E1", "L1"),  # 8 missing type
    ("open", "", "C1", "E1", "L1"),  # 9 missing timestamp
]
LEDGER_REASONS = {
    2: "unknown event_type 'bogus'",
    3: "unparseable timestamp '31/02/2026 25:61'",
    4: "missing lead_id",
    5: "unknown event_type 'nope'; unparseable timestamp 'yesterday'; missing campaign_id",
    6: ORPHAN,
    8: "missing event_type",
    9: "missing timestamp",
}


@pytest.fixture
def ledger_csv(tmp_path) -> Path:
    return write_csv(tmp_path / "events.csv", LEDGER_ROWS)


def test_ledger_rows_and_reasons(ledger_csv):
    log, _ = load_rejecting(ledger_csv)
    assert rejected_rows(log) == LEDGER_REASONS
    assert set(log.rejected["source"]) == {str(ledger_csv)}
    assert log.events["row"].tolist() == [1, 7]


def test_ledger_keeps_the_raw_values(ledger_csv):
    log, _ = load_rejecting(ledger_csv)
    by_row = log.rejected.set_index("row")
    for row, values in enumerate(LEDGER_ROWS, start=1):
        if row in LEDGER_REASONS and row != 6:
            raw = by_row.loc[row, list(HEADER)].tolist()
            assert [("" if pd.isna(v) else v) for v in raw] == list(values)


def test_orphans_are_in_the_ledger_and_tallied(ledger_csv):
    log, _ = load_rejecting(ledger_csv)
    orphan = log.rejected.set_index("row").loc[6]
    assert orphan["reason"] == ORPHAN
    assert (orphan["event_type"], orphan["lead_id"]) == ("open", "L9")
    assert log.summary().orphaned == 1


def test_activity_of_another_campaign_or_email_is_orphaned():
    df = pd.DataFrame(
        {
            "event_type": ["sent", "open", "open", "click"],
            "timestamp": pd.date_range("2026-03-02", periods=4, freq="h"),
            "campaign_id": ["C1", "C2", "C1", "C1"],
            "email_id": ["E1", "E1", "E2", "E1"],
            "lead_id": "L1",
        }
    )
    log, message = load_rejecting(df)
    assert rejected_rows(log) == {2: ORPHAN, 3: ORPHAN}
    assert log.summary().orphaned == 2
    assert log.events["row"].tolist() == [1, 4]
    assert "2 of 4 rows" in message


def test_the_warning_says_how_many_and_why(ledger_csv):
    _, message = load_rejecting(ledger_csv)
    n_rejected, n_rows = len(LEDGER_REASONS), len(LEDGER_ROWS)
    assert message.startswith(f"{n_rejected} of {n_rows} rows were not counted")
    assert "unknown event_type 'bogus'" in message
    assert "log.rejected" in message


def test_warn_false_loads_silently_but_keeps_the_ledger(ledger_csv):
    log = load_clean(ledger_csv, warn=False)
    assert rejected_rows(log) == LEDGER_REASONS


def test_a_clean_load_has_an_empty_ledger(canonical_rows):
    log = load_clean(pd.DataFrame(canonical_rows))
    assert log.rejected.empty
    assert {"source", "row", "reason"} <= set(log.rejected.columns)


def test_write_rejected_round_trip_csv(ledger_csv, tmp_path):
    log, _ = load_rejecting(ledger_csv)
    out = log.write_rejected(tmp_path / "rejected.csv")
    assert out == tmp_path / "rejected.csv"
    back = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert dict(zip(back["row"].astype(int), back["reason"], strict=True)) == LEDGER_REASONS
    assert back.set_index("row").loc["3", "timestamp"] == "31/02/2026 25:61"
    assert set(back["source"]) == {str(ledger_csv)}


def test_write_rejected_parquet(ledger_csv, tmp_path):
    log, _ = load_rejecting(ledger_csv)
    back = pd.read_parquet(log.write_rejected(tmp_path / "rejected.parquet"))
    assert dict(zip(back["row"], back["reason"], strict=True)) == LEDGER_REASONS


def test_row_numbers_count_per_file(tmp_path):
    a = write_csv(
        tmp_path / "a.csv",
        [("sent", "2026-03-02", "C", "E", "L"), ("x", "2026-03-02", "C", "E", "L")],
    )
    b = write_csv(tmp_path / "b.csv", [("y", "2026-03-02", "C", "E", "L")])
    log, _ = load_rejecting([a, b])
    assert list(zip(log.rejected["source"], log.rejected["row"], strict=True)) == [
        (str(a), 2),
        (str(b), 1),
    ]


# -- duplicates -------------------------------------------------------------------------
def test_duplicates_by_event_id(tmp_path):
    header = ("event_id", *HEADER)
    rows = [
        ("x1", "sent", "2026-03-02T09:00:00Z", "C1", "E1", "L1"),
        ("x2", "open", "2026-03-02T10:00:00Z", "C1", "E1", "L1"),
        ("x1", "sent", "2026-03-02T09:05:00Z", "C1", "E1", "L1"),  # same id, other values
        ("x3", "open", "2026-03-02T10:00:00Z", "C1", "E1", "L1"),  # same values, other id
    ]
    log = load_clean(write_csv(tmp_path / "e.csv", rows, header=header))
    assert log.events["event_id"].tolist() == ["x1", "x2", "x3"]
    assert log.events["timestamp"].tolist()[0] == T0  # the first occurrence is kept
    dups = log.duplicates
    assert {"source", "row", "duplicate_of_source", "duplicate_of_row"} <= set(dups.columns)
    assert dups[["row", "duplicate_of_row", "event_id"]].values.tolist() == [[3, 1, "x1"]]
    assert log.summary().duplicates == 1
    assert log.rejected.empty  # a duplicate is merged, not rejected


def test_identical_rows_without_id_count_once(tmp_path):
    rows = [
        ("sent", "2026-03-02T09:00:00Z", "C1", "E1", "L1"),
        ("open", "2026-03-02T10:00:00Z", "C1", "E1", "L1"),
        ("open", "2026-03-02T10:00:00Z", "C1", "E1", "L1"),  # the very same row
        ("open", str(EPOCH + 3600), "C1", "E1", "L1"),  # the same instant as epoch seconds
        ("open", "2026-03-02 05:00:00-05:00", "C1", "E1", "L1"),  # ... and with an offset
        ("open", "2026-03-02T10:00:01Z", "C1", "E1", "L1"),  # one second later: another open
        ("Open", "2026-03-02T10:00:00Z", "C1", "E1", "L2"),  # another lead
    ]
    path = write_csv(tmp_path / "e.csv", rows)
    log, _ = load_rejecting(path)  # the L2 open is orphaned
    assert log.events["row"].tolist() == [1, 2, 6]
    dups = log.duplicates
    assert dups["row"].tolist() == [3, 4, 5]
    assert dups["duplicate_of_row"].tolist() == [2, 2, 2]
    assert set(dups["source"]) == set(dups["duplicate_of_source"]) == {str(path)}
    assert log.summary().duplicates == 3


def test_one_id_on_sends_of_two_records_keeps_both_sends():
    # x1 names sends of two records (C1's and C2's): not one event delivered twice, so both
    # sends count, C2's open has its send, and the shared id is reported.
    df = events_frame(["2026-03-02 09:00", "2026-03-02 09:01", "2026-03-02 09:30"])
    df = df.assign(
        event_type=["sent", "sent", "open"],
        campaign_id=["C1", "C2", "C2"],
        lead_id="L1",
        event_id=["x1", "x1", "x2"],
    )
    log = load_clean(df)
    assert len(log) == 3
    assert log.duplicates.empty
    assert log.summary().id_conflicts == 2
    assert cp.Report(log).total()[["sent", "opened"]].tolist() == [2, 1]


def test_per_file_id_counters_are_not_duplicates(tmp_path):
    """Two exports that each number their events 1..100, each to other people: every send
    counts; the ids they share are reported as id conflicts, not merged away."""
    header = ("event_id", *HEADER)
    files = [
        write_csv(
            tmp_path / f"{part}.csv",
            [(i, "sent", "2026-03-02T09:00:00Z", "C1", "E1", f"{part}{i}") for i in range(1, 101)],
            header=header,
        )
        for part in ("a", "b")
    ]
    log = load_clean(files)
    s = log.summary()
    assert (len(log), s.duplicates, s.id_conflicts) == (200, 0, 200)
    assert cp.Report(log).total()["sent"] == 200
    assert "kept 200 events that share their event_id with another record's event" in str(s)
    # A retry of one of them (the same id, type and record) is still merged.
    retry = write_csv(
        tmp_path / "retry.csv", [(7, "sent", "2026-03-02T09:05:00Z", "C1", "E1", "b7")], header
    )
    again = load_clean([*files, retry])
    assert (len(again), again.summary().duplicates) == (200, 1)
    assert again.duplicates[["duplicate_of_source", "duplicate_of_row"]].values.tolist() == [
        [str(files[1]), 7]
    ]


def test_a_candidate_id_is_confirmed_on_the_ids(monkeypatch):
    """Repeated ids are found by their 64-bit hashes, then confirmed on the ids: a hash
    that collides makes a candidate of an id carried once. With every row a candidate, the
    duplicates, the id conflicts and every count are those of the real search."""
    df = events_frame(["2026-03-02 09:00"] * 3 + ["2026-03-02 10:00"] * 4)
    df = df.assign(
        event_type=["sent", "sent", "sent", "open", "open", "open", "click"],
        lead_id=["L1", "L2", "L3", "L1", "L1", "L2", "L3"],
        event_id=["s1", "s2", "s3", "o1", "o1", "s3", "c1"],
    )  # o1 twice: a retry; s3 on L3's send and L2's open: an id conflict
    real = load_clean(df)
    assert (real.summary().duplicates, real.summary().id_conflicts) == (1, 2)
    import campaign_perf.load.duplicates as duplicates

    def every_hash(con, events):
        return con.sql(f"SELECT DISTINCT hash(event_id) AS h FROM {events}").to_arrow_table()

    monkeypatch.setattr(duplicates, "repeated_hashes", every_hash)
    colliding = load_clean(df)
    assert colliding.duplicates.drop(columns="source").equals(
        real.duplicates.drop(columns="source")
    )
    assert colliding.summary().id_conflicts == real.summary().id_conflicts
    pd.testing.assert_frame_equal(cp.Report(colliding).table(), cp.Report(real).table())


def test_repeated_hashes_are_those_of_the_ids_carried_twice():
    from campaign_perf.engine.session import connect
    from campaign_perf.load.duplicates import repeated_hashes

    con = connect()
    con.execute(
        "CREATE TABLE ev AS SELECT * FROM (VALUES ('a'), ('b'), ('a'), (NULL), (NULL), ('c'), "
        "('b'), ('a')) t(event_id)"
    )
    got = set(repeated_hashes(con, "ev").column("h").to_pylist())
    want = {
        r[0]
        for r in con.execute(
            "SELECT hash(event_id) FROM ev WHERE event_id IN ('a', 'b')"
        ).fetchall()
    }
    assert got == want and len(want) == 2
    con.execute("CREATE TABLE none_ AS SELECT * FROM ev WHERE event_id = 'c'")
    assert repeated_hashes(con, "none_").num_rows == 0


def test_one_id_on_events_of_different_types_is_not_a_duplicate():
    """Only a repeat of the same event (id and type) merges; SendGrid's documentation
    payloads, for instance, all carry the placeholder id "sg_event_id"."""
    df = events_frame(["2026-03-02 09:00", "2026-03-02 09:01", "2026-03-02 09:30"])
    df = df.assign(event_type=["sent", "delivered", "open"], event_id="sg_event_id", lead_id="L1")
    log = cp.load_events(df)
    assert len(log) == 3
    assert log.summary().duplicates == 0


def test_rows_that_differ_in_an_optional_column_are_not_duplicates():
    df = events_frame(["2026-03-02 09:00"] * 3, link=["https://a", "https://b", "https://a"])
    df["lead_id"] = "L1"
    log = load_clean(df)
    assert log.events["link"].tolist() == ["https://a", "https://b"]
    assert log.duplicates["row"].tolist() == [3]


def test_duplicates_across_files_keep_the_first_file(tmp_path, canonical_rows):
    first = write_rows(tmp_path / "day1.csv", canonical_rows)
    second = write_rows(tmp_path / "day2.jsonl", canonical_rows[1:])
    log = load_clean([first, second])
    assert seen(log) == expected(canonical_rows)
    assert set(log.events["source"]) == {str(first)}
    assert set(log.duplicates["duplicate_of_source"]) == {str(first)}
    assert log.summary().duplicates == len(canonical_rows) - 1


# -- summary, len, time_range, repr -------------------------------------------------------
@pytest.fixture
def mixed_csv(tmp_path) -> Path:
    rows = [
        ("sent", "2026-03-02T09:00:00Z", "C1", "E1", "L1"),
        ("sent", "2026-03-02T09:00:00Z", "C1", "E1", "L2"),
        ("open", "2026-03-02T11:30:00Z", "C1", "E1", "L1"),
        ("open", "2026-03-02T11:30:00Z", "C1", "E1", "L1"),  # duplicate
        ("bogus", "2026-03-02T12:00:00Z", "C1", "E1", "L1"),  # rejected
        ("click", "2026-03-02T12:30:00Z", "C1", "E1", "L3"),  # orphan
    ]
    return write_csv(tmp_path / "mixed.csv", rows)


def test_summary_numbers(mixed_csv):
    log, _ = load_rejecting(mixed_csv)
    s = log.summary()
    assert (s.rows_read, s.events, s.rejected, s.duplicates, s.orphaned) == (6, 3, 2, 1, 1)
    assert s.rejected_by_reason == {"unknown event_type 'bogus'": 1, ORPHAN: 1}
    assert (s.first_event, s.last_event) == (T0, T0 + pd.Timedelta(hours=2, minutes=30))
    assert s.rows_read == s.events + s.rejected + s.duplicates


def test_summary_text(mixed_csv):
    log, _ = load_rejecting(mixed_csv)
    lines = str(log.summary()).splitlines()
    assert lines[0] == f"read 6 rows from {mixed_csv}"
    assert lines[1] == "kept 3 events (2026-03-02 09:00 to 2026-03-02 11:30 UTC)"
    assert lines[2] == "merged 1 exact duplicates"
    assert lines[3] == "rejected 2 rows (see log.rejected)"
    assert sorted(line.strip() for line in lines[4:]) == sorted(
        ["1 × unknown event_type 'bogus'", f"1 × {ORPHAN}"]
    )
    assert "mixed.csv" in log.summary()._repr_html_()


def test_summary_of_a_clean_load(canonical_rows):
    s = load_clean(pd.DataFrame(canonical_rows)).summary()
    assert (s.rows_read, s.events, s.rejected, s.duplicates, s.orphaned) == (3, 3, 0, 0, 0)
    assert "rejected 0 rows" in str(s).splitlines()


def test_len_time_range_and_repr(mixed_csv):
    log, _ = load_rejecting(mixed_csv)
    assert len(log) == len(log.events) == 3
    assert log.time_range == (T0, T0 + pd.Timedelta(hours=2, minutes=30))
    assert repr(log) == "<EventLog: 3 events, 2 rejected, 1 duplicates merged>"


def test_time_range_when_nothing_is_kept():
    log, _ = load_rejecting(events_frame(["2026-03-02"]).assign(event_type="open"))
    assert len(log) == 0
    assert log.time_range == (None, None)
    assert "kept 0 events" in str(log.summary())


def test_events_have_the_canonical_columns(canonical_rows):
    log = load_clean(pd.DataFrame(canonical_rows))
    assert list(log.events.columns[: len(cp.schema.CANONICAL_COLUMNS)]) == list(
        cp.schema.CANONICAL_COLUMNS
    )
    assert {"source", "row"} <= set(log.events.columns)


# -- dimension tables ------------------------------------------------------------------
DIM_EVENTS = pd.DataFrame(
    {
        "event_type": ["sent", "sent", "sent"],
        "timestamp": ["2026-03-02 09:00", "2026-03-02 09:00", "2026-03-03 09:00"],
        "campaign_id": ["C1", "C2", "C3"],
        "email_id": ["E1", "E2", "E3"],
        "lead_id": ["L1", "L2", "L3"],
    }
)
CAMPAIGNS = pd.DataFrame(
    {
        "campaign_id": ["C1", "C2"],
        "campaign_name": ["Spring launch", "Winback"],
        "program": ["Launches", "Retention"],
        "status": ["active", "Archived"],
    }
)
EMAILS = pd.DataFrame(
    {
        "email_id": ["E1", "E2"],
        "email_name": ["Launch mail", "Winback mail"],
        "subject": ["Hello", "We miss you"],
        "html": ["<p>launch</p>", "<p>winback</p>"],
    }
)
LEADS = pd.DataFrame({"lead_id": ["L1", "L2"], "country": ["SE", "US"], "score": ["10", "20"]})


def names(table: pd.DataFrame, key: str, column: str) -> dict[str, Any]:
    return dict(zip(table[key], table[column], strict=True))


def _dims_as(kind: str, tmp_path: Path) -> dict[str, Any]:
    tables = {"campaigns": CAMPAIGNS, "emails": EMAILS, "leads": LEADS}
    if kind == "frame":
        return tables
    out = {}
    for name, df in tables.items():
        path = tmp_path / f"{name}.{kind}"
        if kind == "csv":
            df.to_csv(path, index=False)
        else:
            df.to_parquet(path, index=False)
        out[name] = path
    return out


@pytest.mark.parametrize("kind", ["frame", "csv", "parquet"])
def test_dimension_tables(tmp_path, kind):
    log = load_clean(DIM_EVENTS, **_dims_as(kind, tmp_path))
    assert names(log.campaigns, "campaign_id", "campaign_name") == {
        "C1": "Spring launch",
        "C2": "Winback",
        "C3": "C3",  # not in the table: named by its id
    }
    assert names(log.campaigns, "campaign_id", "program")["C2"] == "Retention"
    assert names(log.campaigns, "campaign_id", "status") == {
        "C1": "active",
        "C2": "archived",
        "C3": "active",
    }
    assert names(log.emails, "email_id", "email_name") == {
        "E1": "Launch mail",
        "E2": "Winback mail",
        "E3": "E3",
    }
    assert names(log.emails, "email_id", "subject")["E2"] == "We miss you"
    assert names(log.emails, "email_id", "html")["E1"] == "<p>launch</p>"
    assert log.leads.set_index("lead_id").loc["L2", "country"] == "US"
    assert log.dims.lead_attributes == ["country", "score"]


def test_html_may_name_a_file_next_to_the_emails_table(tmp_path):
    folder = tmp_path / "assets"
    folder.mkdir()
    (folder / "launch.html").write_text("<html><body>Launch day!</body></html>")
    path = folder / "emails.csv"
    path.write_text(
        "email_id,email_name,subject,html\nE1,Launch,Hi,launch.html\nE2,Winback,Yo,<b>inline</b>\n"
    )
    log = load_clean(DIM_EVENTS, emails=path)
    html = names(log.emails, "email_id", "html")
    assert html["E1"] == "<html><body>Launch day!</body></html>"
    assert html["E2"] == "<b>inline</b>"


def test_inline_names_are_used_when_there_is_no_table():
    df = DIM_EVENTS.assign(
        campaign_name=["Inline one", None, "Inline three"],
        email_name=["Mail one", "Mail two", None],
        program=["Prog", None, None],
    )
    log = load_clean(df)
    assert names(log.campaigns, "campaign_id", "campaign_name") == {
        "C1": "Inline one",
        "C2": "C2",
        "C3": "Inline three",
    }
    assert names(log.emails, "email_id", "email_name") == {
        "E1": "Mail one",
        "E2": "Mail two",
        "E3": "E3",
    }
    assert names(log.campaigns, "campaign_id", "program")["C1"] == "Prog"
    assert set(log.campaigns["status"]) == {"active"}


def test_table_names_win_over_inline_names():
    df = DIM_EVENTS.assign(
        campaign_name=["Old name", "Other", "Only inline"],
        email_name=["Old mail", None, "Inline mail"],
    )
    log = load_clean(df, campaigns=CAMPAIGNS, emails=EMAILS)
    assert names(log.campaigns, "campaign_id", "campaign_name") == {
        "C1": "Spring launch",
        "C2": "Winback",
        "C3": "Only inline",
    }
    assert names(log.emails, "email_id", "email_name") == {
        "E1": "Launch mail",
        "E2": "Winback mail",
        "E3": "Inline mail",
    }


def test_a_campaigns_table_without_status_or_program(tmp_path):
    path = tmp_path / "campaigns.csv"
    path.write_text("campaign_id,campaign_name\nC1,Spring launch\nC2,\n")
    log = load_clean(DIM_EVENTS, campaigns=path)
    assert names(log.campaigns, "campaign_id", "campaign_name") == {
        "C1": "Spring launch",
        "C2": "C2",
        "C3": "C3",
    }
    assert set(log.campaigns["status"]) == {"active"}


def test_numeric_ids_of_a_dimension_frame_match_the_events():
    events = DIM_EVENTS.assign(campaign_id=[101, 102, 103], lead_id=[1, 2, 3])
    campaigns = pd.DataFrame(
        {"campaign_id": [101.0, np.nan, 103.0], "campaign_name": ["A", "?", "C"]}
    )
    leads = pd.DataFrame({"lead_id": [1, 2], "country": ["SE", "US"]})
    log = load_clean(events, campaigns=campaigns, leads=leads)
    assert names(log.campaigns, "campaign_id", "campaign_name") == {
        "101": "A",
        "102": "102",
        "103": "C",
    }
    assert log.leads["lead_id"].tolist() == ["1", "2"]


@pytest.mark.parametrize("role", ["campaigns", "emails", "leads"])
def test_a_dimension_frame_without_its_id_is_a_schema_error(role):
    table = pd.DataFrame({"id": ["X"], "name": ["n"]})
    with pytest.raises(cp.SchemaError) as err:
        cp.load_events(DIM_EVENTS, **{role: table})
    message = str(err.value)
    assert f"{role[:-1]}_id" in message
    assert role in message
    assert "id, name" in message


def test_a_dimension_file_without_its_id_names_the_file(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("email,country\na@example.com,SE\n")
    with pytest.raises(cp.SchemaError) as err:
        cp.load_events(DIM_EVENTS, leads=path)
    assert str(path) in str(err.value)
    assert "lead_id" in str(err.value)
    assert "email, country" in str(err.value)


def test_a_missing_dimension_file_is_a_load_error(tmp_path):
    path = tmp_path / "nope.csv"
    with pytest.raises(cp.LoadError) as err:
        cp.load_events(DIM_EVENTS, campaigns=path)
    assert str(path) in str(err.value)
