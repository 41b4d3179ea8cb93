"""Email activities, campaigns and emails straight from Marketo: :func:`fetch_marketo`.

The activities come through Marketo's Bulk Activity Extract: one export job per window of
at most a calendar month (:mod:`.windows`), created, enqueued, polled and downloaded, never
more than ``max_jobs`` at a time; the names, programs, archive status and HTML of the
campaigns and emails through the asset API (:mod:`.assets`). Everything lands in one folder
(:mod:`.store`) that :func:`campaign_perf.load_events` reads as a Marketo source.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from campaign_perf.errors import FetchError
from campaign_perf.fetch import assets, store
from campaign_perf.fetch.credentials import read_credentials
from campaign_perf.fetch.marketo_api import (
    FileGone,
    MarketoAPI,
    MarketoError,
    QueueFull,
    QuotaExceeded,
    normalize_instance,
)
from campaign_perf.fetch.windows import Window, final_end, iso, merge, parse_time, plan
from campaign_perf.sources._marketo import email_activity_ids

__all__ = ["FetchProgress", "FetchResult", "fetch_marketo"]

#: Where Marketo's daily export quota resets: midnight, Central Time.
QUOTA_ZONE = ZoneInfo("America/Chicago")
#: How often an export job of a window is made before the fetch gives up on it.
MAX_ATTEMPTS = 3
_EXPORTS = "/bulk/v1/activities/export"


@dataclass(frozen=True)
class FetchProgress:
    """Where a fetch stands (given to the ``progress`` callback after each step)."""

    windows_done: int
    windows_total: int
    rows: int
    bytes: int
    quota_used: int
    quota_limit: int
    message: str


@dataclass(frozen=True)
class FetchResult:
    """What a fetch did.

    Attributes
    ----------
    out : Path
        The folder (load it with ``cp.load_events(out)``).
    windows_done, windows_total : int
        Windows fetched by this run, and how many it had to fetch.
    rows, bytes : int
        Activities and bytes downloaded by this run.
    quota_used, quota_limit : int
        Bytes of today's daily export allocation used (by this API user's activity
        exports, as far as Marketo lists them) and the allocation.
    complete : bool
        Every window up to ``until`` is fetched; False when the daily quota ran out.
    quota_resets_at : datetime or None
        When the quota resets (midnight Central Time), when it ran out.
    covered_until : datetime or None
        Everything since the first day is fetched, and final, up to here (UTC).
    campaigns, programs, emails, emails_with_html : int
        Rows of the dimension tables, and the emails whose HTML is in ``emails``.
    """

    out: Path
    windows_done: int
    windows_total: int
    rows: int
    bytes: int
    quota_used: int
    quota_limit: int
    complete: bool
    quota_resets_at: dt.datetime | None
    covered_until: dt.datetime | None
    campaigns: int
    programs: int
    emails: int
    emails_with_html: int

    def summary(self) -> str:
        """One line saying what was fetched (and, when the quota ran out, what now)."""
        if self.complete and self.windows_total == 0:
            upto = f" up to {iso(self.covered_until)}" if self.covered_until else ""
            return f"nothing new to fetch: {self.out} holds every activity{upto}"
        fetched = (
            f"fetched {self.windows_done} of {self.windows_total} windows "
            f"({self.rows:,} activities, {megabytes(self.bytes)}) into {self.out}; "
            f"quota used today {megabytes(self.quota_used)} of {megabytes(self.quota_limit)}"
        )
        if self.complete:
            return fetched
        assert self.quota_resets_at is not None
        local = self.quota_resets_at.astimezone(QUOTA_ZONE)
        utc = self.quota_resets_at.astimezone(dt.UTC)
        return (
            f"Marketo's daily export quota is spent: {fetched}; it resets at "
            f"{local:%Y-%m-%d %H:%M %Z} ({utc:%Y-%m-%d %H:%M} UTC): run the same fetch again "
            "then for the rest"
        )


def megabytes(n: int) -> str:
    """``12.3 MB`` (decimal megabytes, as Marketo counts its quota)."""
    return f"{n / 1e6:,.1f} MB"


def quota_reset(now: dt.datetime) -> dt.datetime:
    """The next midnight in Central Time after ``now``."""
    local = now.astimezone(QUOTA_ZONE)
    midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), QUOTA_ZONE)
    return midnight


def fetch_marketo(
    instance: str,
    since: str | dt.date | dt.datetime | None = None,
    until: str | dt.date | dt.datetime | None = None,
    out: str | os.PathLike[str] = "marketo",
    *,
    config: str | os.PathLike[str] | None = None,
    max_jobs: int = 2,
    poll_interval: float = 60.0,
    max_wait: float = 6 * 3600,
    daily_quota_mb: float = 500,
    retry_wait: float = 2.0,
    progress: Callable[[FetchProgress], None] | None = None,
) -> FetchResult:
    """Fetch email activities, smart campaigns, programs and emails from Marketo into a folder.

    The client id and secret come from the environment (``MARKETO_CLIENT_ID``,
    ``MARKETO_CLIENT_SECRET``) or the config file, never from an argument; no message, log or
    file holds them or an access token.

    Parameters
    ----------
    instance : str
        The REST API endpoint (Admin > Integration > Web Services), e.g.
        ``"https://123-ABC-456.mktorest.com"``.
    since : date, datetime or str, optional
        The first day to fetch (UTC). Needed for the first fetch into ``out``; later fetches
        default to the one given before.
    until : date, datetime or str, optional
        Where to stop (exclusive; default now). A date means its midnight, UTC.
    out : path, default "marketo"
        The folder: activities as Parquet, one file per month, the tables ``campaigns``,
        ``programs``, ``emails`` (with their HTML) and ``activity_types``, and
        ``fetch_state.json``. Running again fetches only what is new, and the last day again
        when it had not ended an hour before the fetch.
    config : path, optional
        A TOML file with ``client_id`` and ``client_secret`` (default
        ``~/.config/campaign-perf/marketo.toml``).
    max_jobs : int, default 2
        Export jobs under way at once (Marketo runs 2 at a time and queues at most 10).
    poll_interval : float, default 60.0
        Seconds between looks at the jobs' status (Marketo updates it once a minute).
    max_wait : float, default 21600 (6 hours)
        Seconds a job may stay unfinished (queued behind other integrations' jobs, or
        processing) from its creation, or from being taken up again, in this run. Beyond
        that the fetch stops with a :class:`FetchError` naming the job; what was fetched is
        kept, and the next run takes the job up where it is.
    daily_quota_mb : float, default 500
        The subscription's daily export allocation, for the progress figures.
    retry_wait : float, default 2.0
        Seconds before the first new try after a rate limit (606, 615), a temporary error
        or a dropped connection; each next try waits twice as long.
    progress : callable, optional
        Called with a :class:`FetchProgress` after each step.

    Returns
    -------
    FetchResult
        ``complete`` is False when Marketo's daily export quota ran out: what was fetched is
        kept, and the next run goes on from there.

    Raises
    ------
    FetchError
        The instance cannot be reached, the credentials or a permission are refused, or
        Marketo's answers cannot be used (one line, secrets masked).

    Examples
    --------
    >>> import campaign_perf as cp
    >>> cp.fetch_marketo("https://123-ABC-456.mktorest.com", since="2026-01-01",
    ...                  out="marketo/")  # doctest: +SKIP
    >>> log = cp.load_events("marketo/")  # doctest: +SKIP
    """
    if not 1 <= int(max_jobs) <= 10:
        raise FetchError(f"max_jobs {max_jobs} is not between 1 and 10 (Marketo queues 10 jobs)")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    folder = Path(out)
    state = store.read_state(folder) if folder.is_dir() else {}
    base = normalize_instance(instance)
    if state.get("instance") not in (None, base):
        raise FetchError(
            f"{folder} holds activities fetched from {state['instance']}, not {base}: "
            "fetch into another folder"
        )
    end = min(parse_time(until, "until"), now) if until is not None else now
    if since is not None:
        start = parse_time(since, "since")
    elif state.get("since"):
        start = parse_time(state["since"], "since")
    else:
        raise FetchError(f"give since (the first day to fetch) for the first fetch into {folder}")
    if start >= end:
        raise FetchError(f"since {iso(start)} is not before until {iso(end)}")
    credentials = read_credentials(config)
    folder.mkdir(parents=True, exist_ok=True)
    for leftover in folder.glob(".export-*.csv"):  # downloads an interrupted run left
        leftover.unlink(missing_ok=True)
    state.update(instance=base, since=iso(start))
    with MarketoAPI(base, credentials, retry_wait=retry_wait) as api:
        run = _Run(
            api,
            folder,
            state,
            now=now,
            until=end,
            max_jobs=int(max_jobs),
            poll_interval=poll_interval,
            max_wait=max_wait,
            quota_limit=int(daily_quota_mb * 1e6),
            progress=progress,
        )
        return run.go(start)


@dataclass
class _Job:
    window: Window
    export_id: str | None = None
    status: str = "New"
    attempts: int = 0
    since: float = field(default_factory=time.monotonic)  # created or taken up, this run

    def to_json(self) -> dict[str, Any]:
        return {
            "export_id": self.export_id,
            "window": self.window.to_json(),
            "status": self.status,
            "attempts": self.attempts,
        }


class _Run:
    """One fetch: the windows to do, the jobs under way, the state and the counts."""

    def __init__(
        self,
        api: MarketoAPI,
        out: Path,
        state: dict[str, Any],
        *,
        now: dt.datetime,
        until: dt.datetime,
        max_jobs: int,
        poll_interval: float,
        max_wait: float,
        quota_limit: int,
        progress: Callable[[FetchProgress], None] | None,
    ) -> None:
        self.api, self.out, self.state = api, out, state
        self.now, self.until = now, until
        self.final = final_end(until, now)
        self.max_jobs, self.poll_interval, self.max_wait = max_jobs, poll_interval, max_wait
        self.quota_limit, self.quota_used = quota_limit, 0
        self.callback = progress
        self.covered = [Window.from_json(p) for p in state.get("covered", [])]
        self.jobs: list[_Job] = []
        self.done = self.total = self.rows = self.bytes = 0
        self.email_types: dict[int, str] = {}

    # ------------------------------------------------------------------ bookkeeping

    def report(self, message: str) -> None:
        if self.callback is not None:
            self.callback(
                FetchProgress(
                    self.done,
                    self.total,
                    self.rows,
                    self.bytes,
                    self.quota_used,
                    self.quota_limit,
                    message,
                )
            )

    def save(self) -> None:
        self.covered = merge(self.covered)
        self.state["covered"] = [w.to_json() for w in self.covered]
        self.state["jobs"] = [j.to_json() for j in self.jobs if j.export_id]
        self.state["updated_at"] = iso(dt.datetime.now(dt.UTC))
        store.write_state(self.out, self.state)

    # ------------------------------------------------------------------ the steps

    def go(self, since: dt.datetime) -> FetchResult:
        self.report("reading the activity types")
        self.activity_types()
        self.report("reading the folders, programs and smart campaigns")
        tree = assets.folder_tree(self.api)
        programs = assets.programs_table(self.api, tree)
        campaigns = assets.campaigns_table(self.api, tree, programs)
        store.write_table(self.out, "programs", programs)
        store.write_table(self.out, "campaigns", campaigns)
        self.report("reading the emails")
        emails = assets.emails_table(self.api)
        self.quota_used = self.quota_today()
        windows = plan(since, self.until, self.covered)
        self.total = len(windows)
        pending = self.resume(windows)
        quota_spent = self.export(pending)
        with_html = self.email_html(emails)
        self.save()
        complete = not quota_spent
        covered = next((w.end for w in self.covered if w.start <= since < w.end), None)
        return FetchResult(
            out=self.out,
            windows_done=self.done,
            windows_total=self.total,
            rows=self.rows,
            bytes=self.bytes,
            quota_used=self.quota_used,
            quota_limit=self.quota_limit,
            complete=complete,
            quota_resets_at=None if complete else quota_reset(dt.datetime.now(dt.UTC)),
            covered_until=covered,
            campaigns=len(campaigns),
            programs=len(programs),
            emails=len(emails),
            emails_with_html=with_html,
        )

    def activity_types(self) -> None:
        """Look the email activity types up by name and keep every type's name."""
        found = self.api.call("GET", "/rest/v1/activities/types.json", what="the activity types")
        types = [
            (int(t["id"]), str(t["name"]))
            for t in found.get("result") or []
            if isinstance(t, dict) and str(t.get("id", "")).isdigit() and t.get("name")
        ]
        self.email_types = email_activity_ids(types)
        if not self.email_types:
            raise self.api.error(
                "Marketo lists none of the email activity types (Send Email, Email Delivered, "
                "Open Email, Click Email, ...) among the instance's activity types"
            )
        table = pd.DataFrame(
            {
                "activity_type_id": [str(i) for i, _ in types],
                "name": [n for _, n in types],
                "event_type": [self.email_types.get(i) for i, _ in types],
            }
        )
        store.write_table(self.out, "activity_types", table)

    def quota_today(self) -> int:
        """Bytes of the export jobs of this API user that completed today (Central Time)."""
        today = dt.datetime.now(QUOTA_ZONE).date()
        used = 0
        params = {"status": "Completed", "batchSize": 300}
        for job in self.api.pages(f"{_EXPORTS}.json", what="the recent export jobs", params=params):
            try:
                finished = pd.Timestamp(str(job.get("finishedAt")))
            except (ValueError, TypeError):
                continue
            if pd.isna(finished) or finished.tzinfo is None:
                continue
            if finished.tz_convert(QUOTA_ZONE).date() == today:
                used += int(job.get("fileSize") or 0)
        return used

    def resume(self, windows: list[Window]) -> deque[_Job]:
        """Take up the jobs an earlier run left under way; cancel those no longer wanted."""
        wanted = set(windows)
        for saved in self.state.get("jobs", []):
            job = _Job(
                Window.from_json(saved["window"]),
                saved.get("export_id"),
                str(saved.get("status", "Queued")),
                int(saved.get("attempts", 1)),
            )
            if job.window in wanted and job.export_id:
                self.jobs.append(job)
                wanted.discard(job.window)
            elif job.export_id and job.status in ("Created", "Queued"):
                with contextlib.suppress(MarketoError):  # finished or gone meanwhile
                    self.api.call(
                        "POST",
                        f"{_EXPORTS}/{job.export_id}/cancel.json",
                        what="cancelling an export job no longer needed",
                    )
        return deque(_Job(w) for w in windows if w in wanted)

    def export(self, pending: deque[_Job]) -> bool:
        """Run the export jobs of the windows; True when the daily quota ran out."""
        quota_spent = False
        while self.jobs or (pending and not quota_spent):
            while pending and not quota_spent and len(self.jobs) < self.max_jobs:
                job = pending.popleft()
                try:
                    self.create(job)
                except QuotaExceeded:
                    pending.appendleft(job)
                    quota_spent = True
            for job in [j for j in self.jobs if j.status == "Created"]:
                try:
                    self.enqueue(job)
                except QuotaExceeded:
                    self.jobs.remove(job)
                    pending.appendleft(_Job(job.window, attempts=job.attempts - 1))
                    quota_spent = True
                    self.save()
            if not self.jobs:
                break
            waiting = sum(j.status in ("Created", "Queued") for j in self.jobs)
            self.report(
                f"waiting for Marketo: {len(self.jobs) - waiting} exporting, {waiting} queued"
            )
            time.sleep(self.poll_interval)
            for job in list(self.jobs):
                if job.status != "Created":
                    self.check(job, pending)
            self.stop_if_stuck()
        return quota_spent

    def stop_if_stuck(self) -> None:
        """Stop (the jobs stay in the state, for the next run) when a job has been
        unfinished for longer than ``max_wait``."""
        now = time.monotonic()
        for job in self.jobs:
            if now - job.since > self.max_wait:
                self.save()
                waited = dt.timedelta(seconds=round(now - job.since))
                raise FetchError(
                    f"Marketo's export job for {job.window.label()} is still {job.status} "
                    f"after {waited} (max_wait {self.max_wait:g} s); what was fetched is kept "
                    "and the next run takes the job up"
                )

    def create(self, job: _Job) -> None:
        if job.attempts >= MAX_ATTEMPTS:
            raise self.api.error(
                f"Marketo's export job for {job.window.label()} failed {job.attempts} times; "
                "try again later"
            )
        self.report(f"creating the export job for {job.window.label()}")
        body = {
            "format": "CSV",
            "filter": {
                "createdAt": job.window.created_at(),
                "activityTypeIds": sorted(self.email_types),
            },
        }
        found = self.api.call(
            "POST", f"{_EXPORTS}/create.json", what="creating an export job", body=body
        )
        result = (found.get("result") or [{}])[0]
        if not result.get("exportId"):
            raise self.api.error("Marketo created an export job without an exportId")
        job.export_id, job.status = str(result["exportId"]), "Created"
        job.attempts += 1
        self.jobs.append(job)
        self.save()

    def enqueue(self, job: _Job) -> None:
        try:
            self.api.call(
                "POST", f"{_EXPORTS}/{job.export_id}/enqueue.json", what="enqueuing an export job"
            )
        except QueueFull:
            return  # other jobs fill the queue: try again at the next look
        except MarketoError as exc:
            if exc.code != "1029":  # 1029 "Job already queued" is what we wanted
                raise
        job.status = "Queued"
        self.save()

    def check(self, job: _Job, pending: deque[_Job]) -> None:
        """Look at a job; download a completed one, make a failed one again."""
        found = self.api.call(
            "GET", f"{_EXPORTS}/{job.export_id}/status.json", what="the status of an export job"
        )
        status = (found.get("result") or [{}])[0]
        job.status = str(status.get("status", job.status))
        if job.status == "Completed":
            try:
                self.download(job, status)
            except FileGone:
                self.again(job, pending)
        elif job.status in ("Failed", "Cancelled", "Canceled"):
            self.again(job, pending)

    def again(self, job: _Job, pending: deque[_Job]) -> None:
        self.jobs.remove(job)
        pending.appendleft(_Job(job.window, attempts=job.attempts))
        self.save()

    def download(self, job: _Job, status: dict[str, Any]) -> None:
        window = job.window
        self.report(f"downloading {window.label()}")
        tmp = self.out / f".export-{job.export_id}.csv"
        try:
            size = self.api.download(
                f"{_EXPORTS}/{job.export_id}/file.json",
                tmp,
                what=f"the export of {window.label()}",
                size=_int(status.get("fileSize")),
                checksum=status.get("fileChecksum"),
            )
            rows = store.read_export(tmp)
            store.write_window(self.out, window, rows)
        finally:
            tmp.unlink(missing_ok=True)
        if self.final > window.start:
            self.covered.append(Window(window.start, min(window.end, self.final)))
        self.jobs.remove(job)
        self.done += 1
        self.rows += len(rows)
        self.bytes += size
        self.quota_used += _int(status.get("fileSize")) or size
        self.save()
        self.report(f"fetched {window.label()}: {len(rows):,} activities")

    def email_html(self, emails: pd.DataFrame) -> int:
        """Write the emails table with the HTML of the emails the activities name."""
        before = store.read_table(self.out, "emails")
        kept: dict[str, str] = {}
        if before is not None and {"html", "updated_at"} <= set(before.columns):
            now = dict(zip(emails["email_id"], emails["updated_at"], strict=True))
            for eid, html, updated in zip(
                before["email_id"], before["html"], before["updated_at"], strict=True
            ):
                if html is not None and now.get(eid) == updated:
                    kept[eid] = html
        wanted = store.referenced(self.out, self.email_types)
        todo = [
            (eid, version)
            for eid, version in zip(emails["email_id"], emails["version"], strict=True)
            if eid in wanted and eid not in kept
        ]
        for n, (eid, version) in enumerate(todo, start=1):
            self.report(f"reading the HTML of the emails ({n} of {len(todo)})")
            html = assets.email_html(self.api, eid, version)
            if html is not None:
                kept[eid] = html
        emails = emails.assign(html=emails["email_id"].map(kept))
        columns = ["email_id", "email_name", "subject", "html", "status", "version", "updated_at"]
        store.write_table(self.out, "emails", emails[columns])
        return int(emails["html"].notna().sum())


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
