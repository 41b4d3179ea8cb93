"""Fetching from Marketo (campaign_perf.fetch_marketo and 'campaign-perf fetch marketo'),
against a local emulation of Marketo's documented REST API (tests/marketo_emulator.py)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from marketo_emulator import Activity, MarketoEmulator, instance
from typer.testing import CliRunner

import campaign_perf as cp
from campaign_perf.cli import app
from campaign_perf.fetch import marketo as fetch_module
from campaign_perf.fetch import store
from campaign_perf.fetch.credentials import Credentials
from campaign_perf.fetch.marketo_api import MarketoAPI

START = dt.datetime(2025, 1, 6, tzinfo=dt.UTC)  # the first send; 50 days: into February
FAST = {"poll_interval": 0, "retry_wait": 0}

#: Marketo's email activity types as the report counts them (the emulator's ids).
EVENTS = {6: "sent", 7: "delivered", 8: "hard_bounce", 27: "soft_bounce", 9: "unsubscribe",
          10: "open", 11: "click", 100001: "complaint"}  # fmt: skip


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[MarketoEmulator]:
    """An emulated instance with 50 days of sends, its credentials in the environment."""
    with instance(START, 50) as server:
        monkeypatch.setenv("MARKETO_CLIENT_ID", server.client_id)
        monkeypatch.setenv("MARKETO_CLIENT_SECRET", server.client_secret)
        yield server


def expected(activities: list[Activity], until: dt.datetime | None = None) -> pd.DataFrame:
    """The canonical events the emulator's activities stand for, worked out here."""
    rows = []
    for a in activities:
        if a.type_id not in EVENTS or (until is not None and a.date >= until):
            continue
        attrs = a.attributes or {}
        rows.append(
            {
                "event_type": EVENTS[a.type_id],
                "timestamp": pd.Timestamp(a.date),
                "campaign_id": str(a.campaign_id),
                "email_id": str(a.email_id),
                "lead_id": str(a.lead_id),
                "link": attrs.get("Link") if a.type_id == 11 else None,
                "is_bot": bool(attrs.get("Is Bot Activity", False)),
                "event_id": str(a.guid),
            }
        )
    return _sorted(pd.DataFrame(rows))


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    columns = [
        "event_type",
        "timestamp",
        "campaign_id",
        "email_id",
        "lead_id",
        "link",
        "is_bot",
        "event_id",
    ]
    out = frame[columns].copy()
    out["timestamp"] = pd.to_datetime(out["timestamp"], utc=True).dt.as_unit("us")
    out["link"] = out["link"].astype(object).where(out["link"].notna(), None)
    return out.sort_values("event_id", key=lambda s: s.astype(int)).reset_index(drop=True)


def loaded(folder: Path) -> tuple[cp.EventLog, pd.DataFrame]:
    log = cp.load_events(folder)
    return log, _sorted(log.events)


def fetch(emu: MarketoEmulator, out: Path, **options: Any) -> cp.FetchResult:
    args: dict[str, Any] = {"since": "2025-01-01", "until": "2025-03-01", **FAST, **options}
    return cp.fetch_marketo(emu.url, out=out, **args)


# ------------------------------------------------------------------ fetch + load


def test_fetch_then_load_equals_the_instance(emu: MarketoEmulator, tmp_path: Path) -> None:
    out = tmp_path / "marketo"
    result = fetch(emu, out)
    assert result.complete and result.windows_done == result.windows_total == 2
    # one export job per calendar month, within 31 days, for the email activity types only
    assert emu.created_windows() == [
        ("2025-01-01T00:00:00Z", "2025-01-31T23:59:59Z"),
        ("2025-02-01T00:00:00Z", "2025-02-28T23:59:59Z"),
    ]
    job = next(iter(emu.jobs.values()))
    assert sorted(job.types) == sorted(EVENTS)  # the spam-complaint type looked up by name
    log, events = loaded(out)
    pd.testing.assert_frame_equal(events, expected(emu.activities))
    summary = log.summary()
    assert summary.duplicates == 0 and summary.rejected == 0
    assert result.rows == len(events)
    # Parquet partitioned by month
    assert [p.parent.name for p in store.partitions(out)] == ["month=2025-01", "month=2025-02"]


def test_campaigns_programs_and_emails_come_with_their_names_status_and_html(
    emu: MarketoEmulator, tmp_path: Path
) -> None:
    out = tmp_path / "marketo"
    fetch(emu, out)
    log = cp.load_events(out)
    campaigns = log.campaigns.set_index("campaign_id")
    assert campaigns.loc["501"].tolist() == ["Newsletter – send", "Monthly Newsletter", "active"]
    assert campaigns.loc["502"].tolist() == ["Promo blast", "Spring Promo", "active"]
    # in a program inside the archived folder
    assert campaigns.loc["503"].tolist() == ["Webinar invite <old>", "Old Webinar", "archived"]
    assert campaigns.loc["504", "program"] == "(no program)"
    emails = log.emails.set_index("email_id")
    assert emails.loc["9001", "subject"] == "Our news"
    # a version 1 email: its full content; version 2: its editable sections put together
    assert emails.loc["9001", "html"] == "<html><body><h1>News</h1></body></html>"
    assert '<div id="main"><p>Deals <b>now</b></p></div>' in emails.loc["9002", "html"]
    asked = [path for _, path, _, _ in emu.requests]
    assert "/rest/asset/v1/email/9001/fullContent.json" in asked
    assert "/rest/asset/v1/email/9002/content.json" in asked
    sends = expected(emu.activities).query("event_type == 'sent'")
    records = sends[["campaign_id", "email_id", "lead_id"]].drop_duplicates()
    assert cp.Report(log).table()["sent"].sum() == len(records)


# ------------------------------------------------------------------ incremental


def test_a_second_run_fetches_only_new_windows_and_the_last_partial_day_again(
    emu: MarketoEmulator, tmp_path: Path
) -> None:
    out = tmp_path / "marketo"
    fetch(emu, out, until="2025-02-10T15:00")
    _, first = loaded(out)
    cut = dt.datetime(2025, 2, 10, 15, tzinfo=dt.UTC)
    pd.testing.assert_frame_equal(first, expected(emu.activities, until=cut))
    emu.jobs.clear()
    result = fetch(emu, out, since=None, until="2025-03-01")  # since: the one given before
    # February 10 had not ended: fetched again, with the days after it, and nothing else
    assert emu.created_windows() == [("2025-02-10T00:00:00Z", "2025-02-28T23:59:59Z")]
    assert result.windows_total == 1
    log, events = loaded(out)
    pd.testing.assert_frame_equal(events, expected(emu.activities))
    assert log.summary().duplicates == 0
    emu.jobs.clear()
    again = fetch(emu, out)
    assert emu.jobs == {} and again.windows_total == 0 and again.complete
    assert (
        again.summary()
        == f"nothing new to fetch: {out} holds every activity up to 2025-03-01T00:00:00Z"
    )


def test_an_earlier_since_fetches_the_gap_only(emu: MarketoEmulator, tmp_path: Path) -> None:
    out = tmp_path / "marketo"
    fetch(emu, out, since="2025-02-01")
    emu.jobs.clear()
    fetch(emu, out, since="2025-01-15")
    assert emu.created_windows() == [("2025-01-15T00:00:00Z", "2025-01-31T23:59:59Z")]
    start = dt.datetime(2025, 1, 15, tzinfo=dt.UTC)
    _, events = loaded(out)
    pd.testing.assert_frame_equal(events, expected([a for a in emu.activities if a.date >= start]))


class Stop(BaseException):
    """Stands for the user pressing Ctrl-C (KeyboardInterrupt) at a given step."""


def test_an_interrupted_run_resumes_without_duplicates_or_gaps(
    emu: MarketoEmulator, tmp_path: Path
) -> None:
    out = tmp_path / "marketo"

    def stop_after_first_window(p: cp.FetchProgress) -> None:
        if p.windows_done == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fetch(emu, out, max_jobs=1, progress=stop_after_first_window)
    assert len(store.partitions(out)) == 1
    first_jobs = len(emu.jobs)
    result = fetch(emu, out, max_jobs=1)
    assert result.complete and result.windows_total == 1
    assert len(emu.jobs) == first_jobs + 1  # January was not exported again
    log, events = loaded(out)
    pd.testing.assert_frame_equal(events, expected(emu.activities))
    assert log.summary().duplicates == 0


def test_jobs_under_way_when_interrupted_are_taken_up_not_made_again(
    emu: MarketoEmulator, tmp_path: Path
) -> None:
    out = tmp_path / "marketo"
    emu.queue_polls = 2  # a slow queue

    def stop_while_waiting(p: cp.FetchProgress) -> None:
        if p.message.startswith("waiting"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fetch(emu, out, progress=stop_while_waiting)
    ids = set(emu.jobs)
    assert len(ids) == 2 and not store.partitions(out)
    fetch(emu, out)
    assert set(emu.jobs) == ids  # the same two jobs, each exported (and counted) once
    _, events = loaded(out)
    pd.testing.assert_frame_equal(events, expected(emu.activities))


def test_a_job_that_never_finishes_stops_the_fetch_and_the_next_run_takes_it_up(
    emu: MarketoEmulator, tmp_path: Path
) -> None:
    out = tmp_path / "marketo"
    emu.queue_polls = 10**9  # Marketo's queue never moves
    with pytest.raises(
        cp.FetchError,
        match=r"^Marketo's export job for 2025-01-01 – 2025-01-31 is still (Queued|Processing) "
        r"after 0:00:0\d \(max_wait 0.3 s\); what was fetched is kept and the next run takes "
        r"the job up$",
    ):  # a look every 20 ms: under Marketo's rate limit, which the client waits out
        fetch(emu, out, max_jobs=1, max_wait=0.3, poll_interval=0.02)
    ids = set(emu.jobs)
    assert len(ids) == 1 and not store.partitions(out)
    emu.queue_polls = 1  # it moves again
    assert fetch(emu, out, max_jobs=1).complete
    assert len(emu.jobs) == 2 and ids <= set(emu.jobs)  # the first job taken up, not made again
    _, events = loaded(out)
    pd.testing.assert_frame_equal(events, expected(emu.activities))


def test_a_crash_between_the_data_and_the_state_leaves_no_duplicate(
    emu: MarketoEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "marketo"
    real = store.write_window
    written: list[str] = []

    def write_then_crash(folder: Path, window: Any, rows: pd.DataFrame) -> None:
        real(folder, window, rows)
        written.append(window.month)
        if len(written) == 2:
            raise Stop  # the February file is written, the state does not know it

    monkeypatch.setattr(store, "write_window", write_then_crash)
    with pytest.raises(Stop):
        fetch(emu, out)
    monkeypatch.setattr(store, "write_window", real)
    fetch(emu, out)
    log, events = loaded(out)
    pd.testing.assert_frame_equal(events, expected(emu.activities))
    assert log.summary().duplicates == 0


# ------------------------------------------------------------------ Marketo's limits


def test_daily_quota_stops_cleanly_and_the_next_run_goes_on(
    emu: MarketoEmulator, tmp_path: Path
) -> None:
    out = tmp_path / "marketo"
    emu.daily_quota = 1  # spent by the first file
    result = fetch(emu, out, max_jobs=1)
    assert not result.complete and result.windows_done == 1 and result.windows_total == 2
    assert result.quota_resets_at is not None
    assert result.quota_resets_at.astimezone(fetch_module.QUOTA_ZONE).time() == dt.time(0, 0)
    text = result.summary()
    assert "daily export quota is spent" in text and "fetched 1 of 2 windows" in text
    assert f"{result.rows:,} activities" in text and "resets at" in text
    assert result.quota_used == emu.quota_used_today()
    emu.daily_quota = None  # the next day
    second = fetch(emu, out, max_jobs=1)
    assert second.complete and second.windows_total == 1
    _, events = loaded(out)
    pd.testing.assert_frame_equal(events, expected(emu.activities))


def test_token_expiry_rate_limits_and_server_errors_are_waited_out(
    emu: MarketoEmulator, tmp_path: Path
) -> None:
    emu.inject = {3: "606", 5: "602", 6: "615", 9: "502", 12: "601", 14: "500", 16: "606"}
    result = fetch(emu, tmp_path / "m")
    assert result.complete and not emu.inject  # every injected error was met
    assert len(emu.issued) >= 3  # the token was renewed after 602 and 601
    _, events = loaded(tmp_path / "m")
    pd.testing.assert_frame_equal(events, expected(emu.activities))


def test_errors_on_the_bulk_endpoints_themselves(emu: MarketoEmulator, tmp_path: Path) -> None:
    emu.inject_at = {"/file.json": "602", "/status.json": "606", "/enqueue.json": "615",
                     "/create.json": "601", "/fullContent.json": "502"}  # fmt: skip
    result = fetch(emu, tmp_path / "m")
    assert result.complete and not emu.inject_at and len(emu.jobs) == 2
    _, events = loaded(tmp_path / "m")
    pd.testing.assert_frame_equal(events, expected(emu.activities))


def test_a_failed_job_and_an_expired_file_are_made_again(
    emu: MarketoEmulator, tmp_path: Path
) -> None:
    emu.fail_jobs = 1
    emu.expire_files = 1
    result = fetch(emu, tmp_path / "m")
    assert result.complete
    assert len(emu.jobs) == 4  # two windows, two of them made twice
    assert sorted(j.status for j in emu.jobs.values()) == ["Completed"] * 3 + ["Failed"]
    _, events = loaded(tmp_path / "m")
    pd.testing.assert_frame_equal(events, expected(emu.activities))


def test_a_job_that_keeps_failing_is_one_clear_error(emu: MarketoEmulator, tmp_path: Path) -> None:
    emu.fail_jobs = 99
    with pytest.raises(
        cp.FetchError, match=r"export job for 2025-01-01 – 2025-01-31 failed 3 times"
    ):
        fetch(emu, tmp_path / "m", max_jobs=1)


def test_a_slow_queue_and_a_broken_download(emu: MarketoEmulator, tmp_path: Path) -> None:
    emu.queue_polls = 4
    emu.drop_download = 1
    result = fetch(emu, tmp_path / "m")
    assert result.complete
    assert len(emu.ranges) == 3  # two files, one of them broken half way and resumed:
    resumed = [r for r in emu.ranges if r is not None]
    assert len(resumed) == 1 and resumed[0].startswith("bytes=") and resumed[0] != "bytes=0-"
    _, events = loaded(tmp_path / "m")
    pd.testing.assert_frame_equal(events, expected(emu.activities))


def test_never_more_jobs_under_way_than_asked(emu: MarketoEmulator, tmp_path: Path) -> None:
    emu.queue_polls = 1
    most = [0]

    def watch(p: cp.FetchProgress) -> None:
        under_way = sum(j.status in ("Created", "Queued", "Processing") for j in emu.jobs.values())
        most[0] = max(most[0], under_way)

    fetch(emu, tmp_path / "m", since="2024-06-01", max_jobs=3, progress=watch)
    assert len(emu.jobs) == 9 and most[0] == 3


def test_calls_keep_under_the_rate_limit_and_waits_double(emu: MarketoEmulator) -> None:
    waits: list[float] = []
    credentials = Credentials(emu.client_id, emu.client_secret)
    with MarketoAPI(emu.url, credentials, calls_per_20s=4, sleep=waits.append) as api:
        for _ in range(3):  # with the identity call: 4 calls in 20 seconds, no wait
            api.call("GET", "/rest/v1/activities/types.json", what="the types")
        assert waits == []
        api.call("GET", "/rest/v1/activities/types.json", what="the types")
        assert len(waits) == 1 and 19 < waits[0] <= 20  # the fifth call waits for the window
    waits.clear()
    emu.inject = {emu.api_calls + 1: "606", emu.api_calls + 2: "606", emu.api_calls + 3: "615"}
    with MarketoAPI(emu.url, credentials, retry_wait=1.5, sleep=waits.append) as api:
        api.call("GET", "/rest/v1/activities/types.json", what="the types")
    assert waits == [1.5, 3.0, 6.0]
    emu.inject = {emu.api_calls + i: "606" for i in range(1, 8)}
    with (
        MarketoAPI(emu.url, credentials, retry_wait=0, sleep=waits.append) as api,
        pytest.raises(cp.FetchError) as caught,
    ):
        api.call("GET", "/rest/v1/activities/types.json", what="the activity types")
    assert _one_line(caught.value) == (
        "Marketo kept answering 606 Max rate limit '100' exceeded with in '20' secs to the "
        "activity types after 5 new tries; try again later"
    )


def test_an_emails_html_is_read_again_only_when_it_changed(
    emu: MarketoEmulator, tmp_path: Path
) -> None:
    out = tmp_path / "m"
    fetch(emu, out)
    emu.requests.clear()
    fetch(emu, out)
    assert not [r for r in emu.requests if "/content" in r[1] or "/fullContent" in r[1]]
    emu.emails[0].html, emu.emails[0].updated_at = "<p>new</p>", "2025-03-02T10:00:00Z+0000"
    fetch(emu, out)
    asked = [r[1] for r in emu.requests if "ontent.json" in r[1]]
    assert asked == ["/rest/asset/v1/email/9001/fullContent.json"]
    assert cp.load_events(out).emails.set_index("email_id").loc["9001", "html"] == "<p>new</p>"


# ------------------------------------------------------------------ one clear line


def _one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text and text
    return text


def test_wrong_credentials(
    emu: MarketoEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MARKETO_CLIENT_SECRET", "not-the-secret-0000")
    with pytest.raises(cp.FetchError) as caught:
        fetch(emu, tmp_path / "m")
    text = _one_line(caught.value)
    assert "refused the client id and secret" in text and "MARKETO_CLIENT_SECRET" in text
    assert "not-the-secret-0000" not in text
    monkeypatch.setenv("MARKETO_CLIENT_ID", "unknown-client-1234")
    with pytest.raises(cp.FetchError) as caught:
        fetch(emu, tmp_path / "m")
    text = _one_line(caught.value)  # Marketo's own words name the id: masked
    assert "No client with requested id: ***" in text and "unknown-client-1234" not in text


def test_missing_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MARKETO_CLIENT_ID", raising=False)
    monkeypatch.delenv("MARKETO_CLIENT_SECRET", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(cp.FetchError, match="set MARKETO_CLIENT_ID and MARKETO_CLIENT_SECRET"):
        cp.fetch_marketo("https://1.example", since="2025-01-01", out=tmp_path / "m")
    monkeypatch.setenv("MARKETO_CLIENT_ID", "x-client")
    with pytest.raises(cp.FetchError, match=r"^MARKETO_CLIENT_SECRET is not set"):
        cp.fetch_marketo("https://1.example", since="2025-01-01", out=tmp_path / "m")


def test_credentials_from_a_config_file(
    emu: MarketoEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MARKETO_CLIENT_ID")
    monkeypatch.delenv("MARKETO_CLIENT_SECRET")
    config = tmp_path / "marketo.toml"
    config.write_text(
        f'[marketo]\nclient_id = "{emu.client_id}"\nclient_secret = "{emu.client_secret}"\n'
    )
    config.chmod(0o600)
    assert fetch(emu, tmp_path / "m", config=config).complete
    config.chmod(0o644)
    with pytest.warns(UserWarning, match=r"other users can read it; make it private: chmod 600"):
        fetch(emu, tmp_path / "m", config=config)
    config.write_text('[marketo]\nclient_id = "x"\n')
    with pytest.raises(cp.FetchError, match=r"marketo.toml: the config file lacks client_secret"):
        fetch(emu, tmp_path / "m", config=config)


def test_wrong_instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARKETO_CLIENT_ID", "id-0001")
    monkeypatch.setenv("MARKETO_CLIENT_SECRET", "secret-0001")
    with pytest.raises(cp.FetchError) as caught:
        cp.fetch_marketo("http://127.0.0.1:9", since="2025-01-01", out=tmp_path / "m")
    assert _one_line(caught.value).startswith("cannot reach Marketo at http://127.0.0.1:9: ")

    class NotMarketo(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            body = b"<html>Welcome</html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), NotMarketo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        with pytest.raises(cp.FetchError) as caught:
            cp.fetch_marketo(url, since="2025-01-01", out=tmp_path / "m")
    finally:
        server.shutdown()
        server.server_close()
    assert "does not answer as a Marketo instance" in _one_line(caught.value)
    with pytest.raises(cp.FetchError, match="is not an instance URL"):
        cp.fetch_marketo("ftp://x", since="2025-01-01", out=tmp_path / "m")


@pytest.mark.parametrize(
    ("denied", "permission"),
    [("/rest/v1/activities", "Read-Only Activity"), ("/bulk/v1", "Read-Only Activity"),
     ("/rest/asset", "Read-Only Assets")],
)  # fmt: skip
def test_a_missing_permission(
    emu: MarketoEmulator, tmp_path: Path, denied: str, permission: str
) -> None:
    emu.denied = {denied}
    with pytest.raises(cp.FetchError) as caught:
        fetch(emu, tmp_path / "m")
    text = _one_line(caught.value)
    assert "(603 Access denied)" in text and f"'{permission}' permission" in text


def test_another_instance_in_the_same_folder(emu: MarketoEmulator, tmp_path: Path) -> None:
    fetch(emu, tmp_path / "m")
    with pytest.raises(cp.FetchError, match=r"holds activities fetched from http://127\.0\.0\.1"):
        cp.fetch_marketo("https://123-ABC-456.mktorest.com", out=tmp_path / "m")


# ------------------------------------------------------------------ secrets


def test_no_secret_in_any_output_log_error_or_file(
    emu: MarketoEmulator,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    emu.inject = {4: "602"}
    out = tmp_path / "m"
    messages: list[str] = []
    result = fetch(emu, out, progress=lambda p: messages.append(repr(p)))
    emu.denied = {"/rest/asset"}
    with pytest.raises(cp.FetchError) as caught:
        fetch(emu, out)
    cli = CliRunner().invoke(
        app,
        ["fetch", "marketo", "--instance", emu.url, "-o", str(out), "--poll-interval", "0"],
    )
    captured = capsys.readouterr()
    texts = [caplog.text, captured.out, captured.err, str(caught.value), repr(caught.value),
             result.summary(), repr(result), cli.output, *messages]  # fmt: skip
    files = [p.read_bytes() for p in out.rglob("*") if p.is_file()]
    secrets = [emu.client_id, emu.client_secret, *emu.issued]
    assert len(emu.issued) >= 2 and "HTTP Request" in caplog.text  # there were logs to look at
    for secret in secrets:
        assert not any(secret in t for t in texts), secret
        assert not any(secret.encode() in f for f in files), secret


# ------------------------------------------------------------------ the command


def test_the_command(emu: MarketoEmulator, tmp_path: Path) -> None:
    out = tmp_path / "marketo"
    args = ["fetch", "marketo", "--instance", emu.url, "--since", "2025-01-01",
            "--until", "2025-03-01", "-o", str(out), "--poll-interval", "0"]  # fmt: skip
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "fetched 2 of 2 windows" in res.stdout
    assert "4 smart campaigns, 3 programs, 3 emails (3 with their HTML)" in res.stdout
    assert "fetched 2025-01-01 – 2025-01-31" in res.stderr  # progress, one line per window
    report = CliRunner().invoke(app, ["report", str(out)])
    assert report.exit_code == 0 and "Newsletter – send" in report.stdout
    state = json.loads((out / store.STATE_NAME).read_text())
    assert state["covered"] == [["2025-01-01T00:00:00Z", "2025-03-01T00:00:00Z"]]


def test_the_command_when_the_quota_runs_out_and_on_errors(
    emu: MarketoEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "marketo"
    emu.daily_quota = 1
    args = ["fetch", "marketo", "--instance", emu.url, "--since", "2025-01-01", "--until",
            "2025-03-01", "-o", str(out), "--poll-interval", "0", "--max-jobs", "1"]  # fmt: skip
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 75
    assert "daily export quota is spent: fetched 1 of 2 windows" in res.stdout
    monkeypatch.setenv("MARKETO_CLIENT_SECRET", "wrong-secret-0000")
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 3
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: Marketo refused the client id")
    res = CliRunner().invoke(
        app, ["fetch", "marketo", "--instance", emu.url, "-o", str(tmp_path / "new")]
    )
    assert res.exit_code == 3 and res.stderr.startswith("error: give --since")


def test_the_command_stops_when_a_job_waits_too_long(emu: MarketoEmulator, tmp_path: Path) -> None:
    emu.queue_polls = 10**9
    args = ["fetch", "marketo", "--instance", emu.url, "--since", "2025-01-01", "--until",
            "2025-02-01", "-o", str(tmp_path / "m"), "--poll-interval", "0.02",
            "--max-wait", "0.3"]  # fmt: skip
    res = CliRunner().invoke(app, args)
    lines = res.stderr.strip().splitlines()
    assert res.exit_code != 0 and len(lines) == 1
    assert lines[0].startswith("error: Marketo's export job for 2025-01-01 – 2025-01-31 is still")
    assert lines[0].endswith("the next run takes the job up")
