"""Parity of the Spark engine with the embedded one: the same files and random event logs
give the same load summary, ledger and reports, on both bases and with bot filters.

One local Spark session serves the module (Spark starts slowly); the tests are few and
each compares much.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest
from _parity import REPORTS, chart_aggregates
from _parity import normalised as _normalised
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_properties import event_rows, report_of, settings_

import campaign_perf as cp

pytest.importorskip("pyspark")
if shutil.which("java") is None:  # pragma: no cover - `make test` installs a Java runtime
    pytest.skip("Spark needs a Java runtime", allow_module_level=True)

from campaign_perf.spark import (
    SparkEngine,
    SparkEventLog,
    load_events_spark,
    local_spark,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

DATA = Path(__file__).resolve().parents[1] / "sample_data"
DIMS = {
    "campaigns": DATA / "campaigns.csv",
    "emails": DATA / "emails.parquet",
    "leads": DATA / "leads.parquet",
}
SCHEMA = (
    "event_type string, timestamp timestamp, campaign_id string, email_id string, "
    "lead_id string, link string, is_bot boolean, event_id string"
)


@pytest.fixture(scope="module")
def spark():
    # The module's sample log keeps its events and records cached in the driver (500k
    # events with user agents); PySpark's default 1 GB driver left the other tests' queries
    # too little room for aggregation.
    session = local_spark(**{"spark.driver.memory": "2g"})
    yield session
    session.stop()


@pytest.fixture(scope="module")
def sample(spark) -> tuple[cp.EventLog, SparkEventLog]:
    """The sample data loaded by both engines: (embedded, Spark)."""
    events = str(DATA / "events.parquet")
    return cp.load_events(events, **DIMS), load_events_spark(events, spark, **DIMS)


def test_spark_loads_the_sample_like_the_embedded_loader(sample) -> None:
    duck, spark_log = sample
    assert isinstance(spark_log.engine, SparkEngine)
    assert str(spark_log.summary()) == str(duck.summary())
    assert spark_log.summary().duplicates > 0  # the sample repeats some webhook events
    pd.testing.assert_frame_equal(spark_log.duplicates, duck.duplicates)
    for dim in ("campaigns", "emails", "leads"):
        pd.testing.assert_frame_equal(getattr(spark_log, dim), getattr(duck, dim))


@pytest.mark.parametrize("name", list(REPORTS))
def test_sample_reports_are_identical_on_spark(sample, name: str) -> None:
    duck, spark_log = sample
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        expected, got = (
            REPORTS[name](cp.Report(log, time_frame="past 30 days", today="as_of"))
            for log in (duck, spark_log)
        )
    table = got.table()
    assert table["sent"].sum() > 0
    pd.testing.assert_frame_equal(table, expected.table())
    pd.testing.assert_series_equal(got.total(), expected.total())


def test_where_emails_were_read_and_bots_per_reason_are_identical_on_spark(sample) -> None:
    duck, spark_log = sample
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        expected, got = (
            cp.Report(log, time_frame="past 30 days", today="as_of", proximity_seconds=1)
            .with_bot_list(["outlook-ios"])  # the scanner's clicks are the source's bots already
            .by("campaign", "device")
            for log in (duck, spark_log)
        )
    table = got.table()
    assert table["opened"].sum() > 0
    pd.testing.assert_frame_equal(table, expected.table())
    assert got.bot_counts() == expected.bot_counts()
    assert set(got.bot_counts()) == {"source", "list", "proximity"}


def test_records_and_events_of_a_slice_are_identical_on_spark(sample) -> None:
    duck, spark_log = sample
    expected, got = (
        cp.Report(
            log,
            time_frame="2026-10-27..2026-10-31",
            tz="Europe/Stockholm",
            today="as_of",
            exclude_bots=True,
            proximity_seconds=1,  # the rule settings of a report above: records are reused
        ).where(programs="SMB Nurture")
        for log in (duck, spark_log)
    )
    records = got.records()
    assert len(records) > 0
    pd.testing.assert_frame_equal(records, expected.records())
    order = ["campaign_id", "email_id", "lead_id", "timestamp", "event_type", "link"]
    events = got.events().sort_values(order, ignore_index=True)
    pd.testing.assert_frame_equal(events, expected.events().sort_values(order, ignore_index=True))
    # the charts' aggregates: hours since the send, weekday and hour (Stockholm), links
    got_aggs, expected_aggs = chart_aggregates(got), chart_aggregates(expected)
    assert got_aggs["hours"]["opens"].sum() > 0
    for kind, frame in got_aggs.items():
        pd.testing.assert_frame_equal(frame, expected_aggs[kind], obj=kind)


def test_a_messy_csv_gives_the_same_ledger_and_report(spark) -> None:
    path = str(DATA / "messy_events.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cp.RejectedRowsWarning)
        duck = cp.load_events(path)
    with pytest.warns(cp.RejectedRowsWarning, match="rows were not counted"):
        spark_log = load_events_spark(path, spark)
    s = spark_log.summary()
    assert str(s) == str(duck.summary())
    assert {"missing lead_id", "unparseable timestamp 'yesterday-ish'"} <= set(s.rejected_by_reason)
    pd.testing.assert_frame_equal(_normalised(spark_log.rejected), _normalised(duck.rejected))
    pd.testing.assert_frame_equal(spark_log.duplicates, duck.duplicates)
    pd.testing.assert_frame_equal(_normalised(spark_log.events), _normalised(duck.events))
    pd.testing.assert_frame_equal(cp.Report(spark_log).table(), cp.Report(duck).table())
    spark_log.close()


def test_a_missing_required_column_is_a_schema_error(spark) -> None:
    df = spark.createDataFrame(
        [("sent", "2026-03-02 09:00", "C1", "E1")],
        "event_type string, ts string, c string, e string",
    )
    with pytest.raises(cp.SchemaError, match="missing required columns timestamp, campaign_id"):
        load_events_spark(df, spark)
    renamed = load_events_spark(
        df.withColumn("lead_id", df["c"]),
        spark,
        columns={"ts": "timestamp", "c": "campaign_id", "e": "email_id"},
    )
    assert renamed.summary().events == 1
    renamed.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=event_rows(), s=settings_(), split=st.integers(0, 50))
def test_random_logs_give_identical_reports(spark, rows: list[dict], s: dict, split: int) -> None:
    """Random logs in two inputs (duplicates may straddle them), random report settings."""
    frame = pd.DataFrame(rows, columns=[c.split()[0] for c in SCHEMA.split(", ")])
    parts = [frame.iloc[:split], frame.iloc[split:]]
    parts = [p.reset_index(drop=True) for p in parts if len(p)]
    duck = cp.load_events(parts, warn=False)
    spark_log = load_events_spark(
        [spark.createDataFrame(p.astype(object).where(p.notna(), None), SCHEMA) for p in parts],
        spark,
        warn=False,
    )
    try:
        for attr in ("rows_read", "events", "duplicates", "orphaned", "first_event", "last_event"):
            assert getattr(spark_log.summary(), attr) == getattr(duck.summary(), attr), attr
        expected, got = (report_of(log, s, cp.COUNT_COLUMNS) for log in (duck, spark_log))
        pd.testing.assert_frame_equal(got.table(), expected.table())
    finally:
        spark_log.close()  # a failing example releases what it persisted


def test_per_file_id_counters_give_the_same_summary_on_spark(spark) -> None:
    """Two inputs numbering their events 1..100, to other people: both engines keep every
    send and report the same id conflicts."""
    parts = [
        pd.DataFrame(
            {
                "event_type": "sent",
                "timestamp": pd.Timestamp("2026-03-02 09:00", tz="UTC"),
                "campaign_id": "C1",
                "email_id": "E1",
                "lead_id": [f"{part}{i}" for i in range(1, 101)],
                "link": None,
                "is_bot": False,
                "event_id": [str(i) for i in range(1, 101)],
            }
        )
        for part in ("a", "b")
    ]
    duck = cp.load_events(parts)
    spark_log = load_events_spark(
        [spark.createDataFrame(p.astype(object), SCHEMA) for p in parts], spark
    )
    assert (len(duck), duck.summary().id_conflicts) == (200, 200)
    # (the first line names the inputs: DataFrames of pandas, of Spark)
    assert str(spark_log.summary()).splitlines()[1:] == str(duck.summary()).splitlines()[1:]
    spark_log.close()


def test_implausible_times_give_the_same_ledger_on_spark(spark, tmp_path: Path) -> None:
    from test_load import _with_implausible_times

    path = str(_with_implausible_times(tmp_path / "events.csv"))
    duck = cp.load_events(path, warn=False)
    spark_log = load_events_spark(path, spark, warn=False)
    assert duck.summary().rejected == 3

    def same_minute(ledger: pd.DataFrame) -> pd.DataFrame:
        # (the two loads ran seconds apart: the window's end may differ by a minute)
        return _normalised(ledger.assign(reason=ledger["reason"].str.replace(r" \(after .*", "")))

    pd.testing.assert_frame_equal(same_minute(spark_log.rejected), same_minute(duck.rejected))
    s, d = spark_log.summary(), duck.summary()
    assert (s.events, s.first_event, s.last_event) == (d.events, d.first_event, d.last_event)
    spark_log.close()
