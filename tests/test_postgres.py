"""Reports where the data lives: a real PostgreSQL server (``tests/_postgres.py``) holds the
sample data, the messy sample, random event logs and Fivetran's Marketo tables; the report
pushed down into it equals the embedded engine's, number for number, and so do the load
summary, the ledger and the duplicates.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from _parity import REPORTS, chart_aggregates, normalised
from _postgres import DATA, ingest, load_sample, sql, text_table, with_line
from hypothesis import HealthCheck, given, settings
from test_properties import event_rows, report_of, settings_

import campaign_perf as cp

adbc_pg = pytest.importorskip("adbc_driver_postgresql.dbapi")

from campaign_perf.engine.postgres import PostgresEngine  # noqa: E402
from campaign_perf.load.database import DatabaseEventLog  # noqa: E402

FIVETRAN = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "fivetran_marketo"
DIMS = {
    "campaigns": DATA / "campaigns.csv",
    "emails": DATA / "emails.parquet",
    "leads": DATA / "leads.parquet",
}
ANALYST_PASSWORD = "s3cret-Analyst!"


@pytest.fixture(scope="module")
def db(pg_server) -> str:
    """The URL of a database holding the sample data, as the superuser."""
    sql(
        pg_server.url(),
        f"CREATE ROLE analyst LOGIN PASSWORD '{ANALYST_PASSWORD}'",
        "CREATE ROLE outsider LOGIN PASSWORD 'outsider-pw'",
    )
    url = load_sample(pg_server, "cp_sample")
    sql(
        url,
        "GRANT SELECT ON email_events, emails, leads, campaigns, messy_events TO analyst",
        "GRANT SELECT ON campaigns TO outsider",
    )
    return url


@pytest.fixture(scope="module")
def sample(db: str) -> tuple[cp.EventLog, DatabaseEventLog]:
    """The sample data loaded from files (embedded) and pushed down: (embedded, database)."""
    pushed = cp.load_events(
        db,
        table="email_events",
        order_by="line",
        campaigns="campaigns",
        emails="emails",
        leads="leads",
    )
    assert isinstance(pushed, DatabaseEventLog)
    yield cp.load_events(str(DATA / "events.parquet"), **DIMS), pushed
    pushed.close()


def _without_inputs(summary: cp.LoadSummary) -> list[str]:
    """The summary's lines but the first, which names the inputs (a file, a table)."""
    return str(summary).splitlines()[1:]


def _same_rows(got: pd.DataFrame, expected: pd.DataFrame, *sources: str) -> None:
    """Equal frames but for the name of the input (a table, a file) in ``sources``."""
    got, expected = got.copy(), expected.copy()
    for col in sources:
        got[col] = expected[col] = "input"
    pd.testing.assert_frame_equal(normalised(got), normalised(expected))


def test_the_sample_pushed_down_loads_like_the_files(sample) -> None:
    duck, pushed = sample
    assert isinstance(pushed.engine, PostgresEngine)
    assert str(pushed.summary()).splitlines()[0] == "read 501,205 rows from email_events"
    assert _without_inputs(pushed.summary()) == _without_inputs(duck.summary())
    assert pushed.summary().duplicates > 0
    _same_rows(pushed.duplicates, duck.duplicates, "source", "duplicate_of_source")
    for dim in ("campaigns", "emails"):
        pd.testing.assert_frame_equal(getattr(pushed, dim), getattr(duck, dim))
    # (a table's rows have no order: the leads as a set; PostgreSQL keeps microseconds
    # where the Parquet file held milliseconds)
    leads = [log.leads.sort_values("lead_id", ignore_index=True) for log in (pushed, duck)]
    pd.testing.assert_frame_equal(*leads, check_dtype=False)


@pytest.mark.parametrize("name", list(REPORTS))
def test_sample_reports_pushed_down_are_identical(sample, name: str) -> None:
    duck, pushed = sample
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        expected, got = (
            REPORTS[name](cp.Report(log, time_frame="past 30 days", today="as_of"))
            for log in (duck, pushed)
        )
    table = got.table()
    assert table["sent"].sum() > 0
    pd.testing.assert_frame_equal(table, expected.table())
    pd.testing.assert_series_equal(got.total(), expected.total())


@pytest.mark.parametrize("name", list(REPORTS))
def test_chart_aggregates_pushed_down_are_identical(sample, name: str) -> None:
    """Opens and clicks by hours since the send, weekday and hour, and link: summed in
    PostgreSQL as in the embedded engine."""
    duck, pushed = sample
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        expected, got = (
            REPORTS[name](cp.Report(log, time_frame="past 30 days", today="as_of"))
            for log in (duck, pushed)
        )
    got_aggs, expected_aggs = chart_aggregates(got), chart_aggregates(expected)
    assert got_aggs["hours"]["opens"].sum() > 0
    for kind, frame in got_aggs.items():
        pd.testing.assert_frame_equal(frame, expected_aggs[kind], obj=kind)


def test_records_and_events_of_a_slice_are_identical_pushed_down(sample) -> None:
    duck, pushed = sample
    expected, got = (
        cp.Report(
            log,
            time_frame="2026-10-27..2026-10-31",
            tz="Europe/Stockholm",
            today="as_of",
            exclude_bots=True,
            proximity_seconds=1,
        ).where(programs="SMB Nurture")
        for log in (duck, pushed)
    )
    records = got.records()
    assert len(records) > 0
    pd.testing.assert_frame_equal(records, expected.records())
    order = ["campaign_id", "email_id", "lead_id", "timestamp", "event_type", "link"]
    events = got.events().sort_values(order, ignore_index=True)
    pd.testing.assert_frame_equal(events, expected.events().sort_values(order, ignore_index=True))


def test_a_reslice_never_goes_back_to_the_database(db: str) -> None:
    """The cube is local: once it came back, other frames, groupings and filters of the
    same rule settings are computed with the session closed."""
    log = cp.load_events(db, table="email_events", campaigns="campaigns", leads="leads")
    rep = cp.Report(log, time_frame="past 30 days", today="as_of")
    whole = rep.table()
    sent = log.db.statements
    rep.with_time_frame("last month").by("week").where(programs="SMB Nurture").table()
    assert log.db.statements == sent  # nothing was asked of the database
    log.db.close()  # the database is gone from here on
    week = rep.with_time_frame("past 7 days").by("program").table()
    assert 0 < week["sent"].sum() < whole["sent"].sum()
    assert rep.where(programs="SMB Nurture").total()["sent"] > 0
    with pytest.raises(cp.LoadError):  # new rule settings need the database
        rep.with_bots(True).table()


def test_copied_into_the_embedded_engine_gives_the_same_report(db: str, sample) -> None:
    duck, _ = sample
    copied = cp.load_events(db, table="email_events", order_by="line", engine="embedded", **DIMS)
    assert not isinstance(copied, DatabaseEventLog)
    assert _without_inputs(copied.summary()) == _without_inputs(duck.summary())
    rep = cp.Report(copied, time_frame="past 30 days", today="as_of").by("segment")
    expected = cp.Report(duck, time_frame="past 30 days", today="as_of").by("segment")
    pd.testing.assert_frame_equal(rep.table(), expected.table())


def test_a_query_and_an_open_connection_read_the_same_events(db: str, sample) -> None:
    import psycopg

    duck, _ = sample
    expected = cp.Report(duck, time_frame="last month", today="as_of").table()
    query = "SELECT * FROM email_events WHERE campaign_id IS NOT NULL"
    by_query = cp.load_events(db, query=query, **DIMS)
    assert str(by_query.summary()).splitlines()[0] == "read 501,205 rows from query"
    with psycopg.connect(db) as conn:
        by_psycopg = cp.load_events(conn, table="email_events", **DIMS)
        got = cp.Report(by_psycopg, time_frame="last month", today="as_of").table()
        pd.testing.assert_frame_equal(got, expected)
    with adbc_pg.connect(db) as conn:
        by_adbc = cp.load_events(conn, query=query, **DIMS)
        got = cp.Report(by_adbc, time_frame="last month", today="as_of").table()
        pd.testing.assert_frame_equal(got, expected)
        by_adbc.close()
    by_query.close()


def test_the_messy_sample_in_the_database_gives_the_files_ledger(db: str, tmp_path: Path) -> None:
    """A text table of the messy CSV: NULL lead ids, an unknown event type, an unparseable
    timestamp, epoch and offset timestamps, a duplicate and an orphan."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cp.RejectedRowsWarning)
        duck = cp.load_events(str(DATA / "messy_events.csv"))
    with pytest.warns(cp.RejectedRowsWarning, match="4 of 203 rows were not counted"):
        pushed = cp.load_events(db, table="messy_events", order_by="line")
    assert _without_inputs(pushed.summary()) == _without_inputs(duck.summary())
    reasons = set(pushed.summary().rejected_by_reason)
    assert {"missing lead_id", "unparseable timestamp 'yesterday-ish'"} <= reasons
    assert len(pushed.rejected) == 4
    ledger = pushed.rejected.to_pandas()
    assert list(ledger["line"].iloc[:3]) == ["40", "81", "121"]  # the raw values, as text
    _same_rows(ledger.drop(columns="line"), duck.rejected, "source")
    _same_rows(pushed.rejected.head(2).drop(columns="line"), duck.rejected.head(2), "source")
    assert "4 rejected rows" in repr(pushed.rejected)
    _same_rows(pushed.events, duck.events, "source")
    # the export streams the ledger from the database: the file's CSV, row for row
    pushed.write_rejected(tmp_path / "db.csv")
    duck.write_rejected(tmp_path / "file.csv")
    read = [pd.read_csv(tmp_path / f, dtype=str) for f in ("db.csv", "file.csv")]
    _same_rows(read[0].drop(columns="line"), read[1], "source")
    pd.testing.assert_frame_equal(cp.Report(pushed).table(), cp.Report(duck).table())
    pushed.close()


SCHEMA = pa.schema(
    [
        ("event_type", pa.string()),
        ("timestamp", pa.timestamp("us", tz="UTC")),
        ("campaign_id", pa.string()),
        ("email_id", pa.string()),
        ("lead_id", pa.string()),
        ("link", pa.string()),
        ("is_bot", pa.bool_()),
        ("event_id", pa.string()),
        ("user_agent", pa.string()),
        ("ip", pa.string()),
        ("is_machine_open", pa.bool_()),
        ("country", pa.string()),
    ]
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=event_rows(), s=settings_())
def test_random_logs_give_identical_reports(db: str, rows: list[dict], s: dict) -> None:
    """Random logs (duplicates, orphans, bots, bot lists, machine opens, user agents, both
    bases, proximity, as-of, zones), and their engagement by client, device and country."""
    frame = pd.DataFrame(rows, columns=SCHEMA.names)
    table = pa.Table.from_pandas(frame, schema=SCHEMA, preserve_index=False)
    ingest(db, "random_events", with_line(table))
    duck = cp.load_events(frame, warn=False)
    pushed = cp.load_events(db, table="random_events", order_by="line", warn=False)
    try:
        _same_reports(duck, pushed, s)
    finally:
        pushed.close()


def _same_reports(duck: cp.EventLog, pushed: DatabaseEventLog, s: dict) -> None:
    assert _without_inputs(pushed.summary()) == _without_inputs(duck.summary())
    expected, got = (report_of(log, s, cp.COUNT_COLUMNS) for log in (duck, pushed))
    pd.testing.assert_frame_equal(got.table(), expected.table())
    assert got.bot_counts() == expected.bot_counts()
    for group in ("client", "device", "country"):
        pd.testing.assert_frame_equal(
            got.by(group).table(), expected.by(group).table(), check_dtype=False
        )


FIVETRAN_REPORTS = {
    "sent basis, all time": lambda r: r,
    "activity basis, by program": lambda r: r.with_basis("activity").by("program"),
    "bots excluded, proximity 1 s, by week": lambda r: r.with_bots(True, 1).by("week"),
    "by email, New York": lambda r: r.by("email").with_tz("America/New_York"),
}


def test_fivetran_marketo_tables_are_mapped_in_the_database_as_the_files_are(db: str) -> None:
    """The reader's mapping runs in the database as one query: the events, the summary
    (send results skipped included), the dimensions and the reports are the files', and
    nothing the size of the events comes back."""
    tables = sorted(p.stem for p in FIVETRAN.glob("*.csv"))
    for name in tables:
        ingest(db, name, text_table(FIVETRAN / f"{name}.csv"))
    from_files = cp.load_events(str(FIVETRAN), source="fivetran_marketo", warn=False)
    from_db = cp.load_events(db, table=tables, source="fivetran_marketo", warn=False)
    assert isinstance(from_db, DatabaseEventLog)  # pushed down, not copied
    assert from_files.summary().skipped  # (the fixtures hold sends that went nowhere)
    assert _without_inputs(from_db.summary()) == _without_inputs(from_files.summary())
    for dim in ("campaigns", "emails"):
        pd.testing.assert_frame_equal(getattr(from_db, dim), getattr(from_files, dim))
    leads = [log.leads.sort_values("lead_id", ignore_index=True) for log in (from_db, from_files)]
    pd.testing.assert_frame_equal(*leads)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for name, report in FIVETRAN_REPORTS.items():
            expected, got = (report(cp.Report(log, today="as_of")) for log in (from_files, from_db))
            assert expected.total()["sent"] > 0
            pd.testing.assert_frame_equal(got.table(), expected.table(), obj=name)
            pd.testing.assert_series_equal(got.total(), expected.total())
    # What came back for the load and every report (the counts, the dimension tables, the
    # cubes) is far less than the activity tables, which copying would bring back whole.
    # (The fixtures' 600 activities give 151 events, most sends being elsewhere: here the
    # small dimension tables alone weigh as much as the events.)
    activities = [t for t in tables if "_activity_" in t]
    copied = sum(text_table(FIVETRAN / f"{t}.csv").nbytes for t in activities)
    assert from_db.db.received < copied / 3
    files_events, db_events = from_files.events, from_db.events
    assert len(db_events) == len(files_events) > 0
    # each table is an input of its own: named after the folder, or the database
    assert db_events["source"].str.startswith("postgresql://cp_admin@127.0.0.1").all()
    files_events["source"] = files_events["source"].str.replace(str(FIVETRAN), "", regex=False)
    db_events["source"] = db_events["source"].str.replace(from_db.db.label, "", regex=False)
    pd.testing.assert_frame_equal(normalised(db_events), normalised(files_events))
    from_db.close()


# -- credentials and errors -------------------------------------------------------------
def _analyst(pg_server, password: str | None = ANALYST_PASSWORD) -> str:
    return pg_server.url("cp_sample", user="analyst", password=password)


def test_the_password_comes_from_the_url_the_environment_or_pgpass(
    db: str, pg_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = cp.load_events(_analyst(pg_server), table="messy_events", warn=False)
    assert len(log) == 198
    log.close()
    no_password = _analyst(pg_server, password=None)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "none"))
    with pytest.raises(cp.LoadError, match=r"cannot connect: .*password"):
        cp.load_events(no_password, table="messy_events")
    monkeypatch.setenv("PGPASSWORD", ANALYST_PASSWORD)
    assert len(cp.load_events(no_password, table="messy_events", warn=False)) == 198
    monkeypatch.delenv("PGPASSWORD")
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"127.0.0.1:{pg_server.port}:cp_sample:analyst:{ANALYST_PASSWORD}\n")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    assert len(cp.load_events(no_password, table="messy_events", warn=False)) == 198


def test_the_password_is_never_shown(pg_server, db: str, tmp_path: Path) -> None:
    url = _analyst(pg_server)
    log = cp.load_events(url, table="email_events", campaigns="campaigns")
    rep = cp.Report(log, time_frame="past 30 days", today="as_of")
    html = rep.write_html(tmp_path / "report.html").read_text()
    said = [str(log.summary()), repr(log), repr(log.rejected), html, rep.table().to_string()]
    assert not any(ANALYST_PASSWORD in text for text in said)
    assert "postgresql://analyst@127.0.0.1" not in html  # nor where the data lives
    log.close()
    with pytest.raises(cp.LoadError) as wrong:
        cp.load_events(_analyst(pg_server, "Wrong-" + ANALYST_PASSWORD), table="email_events")
    message = str(wrong.value)
    assert message == (
        f"postgresql://analyst@127.0.0.1:{pg_server.port}/cp_sample: cannot connect: "
        'password authentication failed for user "analyst"'
    )
    assert ANALYST_PASSWORD not in message and wrong.value.__cause__ is None


def test_a_missing_table_column_or_permission_is_one_line_naming_the_table(
    pg_server, db: str
) -> None:
    url = _analyst(pg_server)
    with pytest.raises(cp.LoadError, match=r"^email_event: no such table or view in postgres"):
        cp.load_events(url, table="email_event")
    with pytest.raises(cp.SchemaError, match=r"^campaigns: missing required columns event_type"):
        cp.load_events(url, table="campaigns")
    with pytest.raises(cp.SchemaError, match=r'^query: column "when" does not exist'):
        cp.load_events(url, query='SELECT "when" FROM email_events')
    outsider = pg_server.url("cp_sample", user="outsider", password="outsider-pw")
    with pytest.raises(cp.LoadError) as denied:
        cp.load_events(outsider, table="email_events")
    assert str(denied.value).startswith("email_events: permission denied in postgresql://")
    assert "\n" not in str(denied.value)
    with pytest.raises(cp.LoadError, match=r"^leads: permission denied"):
        cp.load_events(outsider, table="campaigns", leads="leads")
    with pytest.raises(cp.LoadError, match="not a table name"):
        cp.load_events(url, table="email_events; DROP TABLE leads")


# -- the command line -----------------------------------------------------------------------
def test_the_cli_reports_from_a_database(pg_server, db: str, sample, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from campaign_perf.cli import app

    duck, _ = sample
    runner = CliRunner()
    url = _analyst(pg_server, password=None)
    args = ["report", url, "--table", "email_events", "--order-by", "line"]
    args += ["--campaigns", "campaigns", "--leads", "leads", "-t", "past 30 days"]
    args += ["--today", "as_of", "--group-by", "segment", "-o", str(tmp_path / "r.csv")]
    result = runner.invoke(app, args, env={"PGPASSWORD": ANALYST_PASSWORD})
    assert result.exit_code == 0, result.output
    got = pd.read_csv(tmp_path / "r.csv")
    rep = cp.Report(duck, time_frame="past 30 days", today="as_of").by("segment")
    assert got["sent"].tolist() == rep.table()["sent"].tolist()
    wrong = runner.invoke(app, ["report", url, "--table", "email_events"], env={"PGPASSWORD": "x"})
    assert wrong.exit_code == 1
    assert wrong.output.strip() == (
        f'error: {url}: cannot connect: password authentication failed for user "analyst"'
    )
    missing = runner.invoke(app, ["report", url], env={"PGPASSWORD": ANALYST_PASSWORD})
    assert missing.exit_code == 2 and "--table" in missing.output


def test_a_pushed_down_load_shows_its_progress_in_statements(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL cannot say how far a query is: the bar moves a step per statement."""
    from test_progress import Recorder

    from campaign_perf.engine import progress

    monkeypatch.setattr(progress, "DELAY_SECONDS", 0.0)
    monkeypatch.setattr(progress, "POLL_SECONDS", 0.001)
    Recorder.made.clear()
    with progress.shown_by(Recorder):
        log = cp.load_events(db, table="email_events", order_by="line", progress=True)
    (bar,) = Recorder.made
    assert bar.closed
    assert {u.what for u in bar.updates} == {"Loading email_events"}
    shown = [u.percent for u in bar.updates]
    assert shown == sorted(shown), "the bar went back"
    assert shown[0] >= 0 and shown[-1] < 100
    assert shown[-1] >= 50, "the load sent far fewer statements than the bar expects"
    log.close()
