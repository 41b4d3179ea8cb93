"""A local emulation of the Marketo REST API, on 127.0.0.1, for testing the fetch client.

It follows Marketo's documented protocol (developer docs: Authentication, Error Codes,
Bulk Extract, Bulk Activity Extract, Activities, Folders, Programs, Smart Campaigns,
Emails):

* ``POST|GET /identity/oauth/token`` (grant_type=client_credentials, client_id,
  client_secret) -> ``{"access_token", "token_type", "expires_in", "scope"}``; bad
  credentials -> HTTP 401 ``{"error", "error_description"}``.
* Every other endpoint wants ``Authorization: Bearer <token>`` and answers Marketo's
  envelope ``{"requestId", "success", "errors": [{"code", "message"}], "result": [...]}``
  with HTTP 200 (601 invalid token, 602 expired token, 603 access denied, 606 rate limit,
  615 concurrency, 610 unknown resource, 1029 queue full / daily quota / already queued).
* Bulk activity export: ``create.json`` (createdAt filter of at most 31 days, endAt
  inclusive; activityTypeIds), ``{id}/enqueue.json``, ``{id}/status.json`` (Created,
  Queued, Processing, Completed, Failed, Cancelled; at most 2 Processing and 10 queued;
  ``fileSize``, ``numberOfRecords``, ``fileChecksum`` "sha256:..."), ``{id}/file.json``
  (the CSV; ``Range: bytes=`` gives 206; a job not completed, unknown or expired gives a
  plain-text 404), ``{id}/cancel.json``, ``export.json`` (the user's jobs). The daily
  allocation is the sum of the ``fileSize`` of the jobs completed today (Central Time).
* ``/rest/v1/activities/types.json``; asset browse endpoints (``maxReturn`` at most 200,
  ``offset``; past the end: success with the warning "No assets found for the given search
  criteria." and no result) for folders (``folder/byName.json``, ``folders.json`` with
  ``root`` and ``maxDepth``), programs, smart campaigns and emails; email content through
  ``email/{id}/fullContent.json`` (version 1 emails; version 2 -> 709) and
  ``email/{id}/content.json`` (the editable sections).

Knobs make the error answers happen on purpose: ``inject`` (the n-th API call answers 601,
602, 606, 615, 500 or 502), ``inject_at`` (so does the next call to a path ending so),
``fail_jobs`` (the next jobs end Failed), ``queue_polls`` (how many status looks a job
waits in Queued and then Processing: a slow queue),
``daily_quota`` (bytes), ``expire_files`` (the next completed files are gone),
``denied`` (path prefixes answering 603), ``drop_download`` (the next file transfer breaks
half way).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import itertools
import json
import secrets
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

UTC = dt.UTC
CENTRAL = ZoneInfo("America/Chicago")

#: Standard activity types of a subscription (id, name) and the ones tests use.
ACTIVITY_TYPES: list[tuple[int, str]] = [
    (1, "Visit Webpage"),
    (2, "Fill Out Form"),
    (6, "Send Email"),
    (7, "Email Delivered"),
    (8, "Email Bounced"),
    (9, "Unsubscribe Email"),
    (10, "Open Email"),
    (11, "Click Email"),
    (12, "New Lead"),
    (13, "Change Data Value"),
    (27, "Email Bounced Soft"),
    (100001, "Email Spam Complaint"),
]

BULK_COLUMNS = [
    "marketoGUID",
    "leadId",
    "activityDate",
    "activityTypeId",
    "campaignId",
    "primaryAttributeValueId",
    "primaryAttributeValue",
    "attributes",
]


@dataclass
class Activity:
    guid: int
    lead_id: int
    date: dt.datetime
    type_id: int
    campaign_id: int | None
    email_id: int | None
    email_name: str | None
    attributes: dict[str, Any] | None = None

    def row(self) -> list[str]:
        def cell(v: Any) -> str:
            return "null" if v is None else str(v)

        attrs = json.dumps(self.attributes) if self.attributes else None
        return [
            str(self.guid),
            str(self.lead_id),
            self.date.strftime("%Y-%m-%dT%H:%M:%SZ"),
            str(self.type_id),
            cell(self.campaign_id),
            cell(self.email_id),
            cell(self.email_name),
            cell(attrs),
        ]


@dataclass
class Folder:
    id: int
    name: str
    parent: tuple[str, int] | None
    kind: str = "Folder"  # or "Program"
    archive: bool = False


@dataclass
class Email:
    id: int
    name: str
    subject: str
    program_id: int
    html: str  # the full content (version 1) or the one section's HTML (version 2)
    version: int = 1
    updated_at: str = "2024-12-01T10:00:00Z+0000"


@dataclass
class Job:
    export_id: str
    start: dt.datetime
    end: dt.datetime  # inclusive, as Marketo's endAt
    types: list[int]
    status: str = "Created"
    created_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(UTC))
    queued_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    polls: int = 0
    fail: bool = False
    content: bytes | None = None
    records: int = 0

    def status_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "exportId": self.export_id,
            "format": "CSV",
            "status": self.status,
            "createdAt": _ts(self.created_at),
        }
        if self.queued_at:
            out["queuedAt"] = _ts(self.queued_at)
        if self.status == "Completed":
            assert self.content is not None and self.finished_at is not None
            out.update(
                startedAt=_ts(self.queued_at or self.created_at),
                finishedAt=_ts(self.finished_at),
                numberOfRecords=self.records,
                fileSize=len(self.content),
                fileChecksum="sha256:" + hashlib.sha256(self.content).hexdigest(),
            )
        if self.status == "Failed":
            out["errorMsg"] = "Export failed: internal error"
        return out


def _ts(t: dt.datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(value: Any) -> dt.datetime | None:
    try:
        t = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


class MarketoEmulator:
    """The emulated instance: data, knobs, and what the client asked (``requests``)."""

    def __init__(
        self,
        *,
        activities: list[Activity] | None = None,
        folders: list[Folder] | None = None,
        campaigns: list[dict[str, Any]] | None = None,
        emails: list[Email] | None = None,
        activity_types: list[tuple[int, str]] | None = None,
        client_id: str = "emu-client-5f1b2c9d",
        client_secret: str = "emu-secret-" + "9c4e7a1d3b6f8e20",
    ) -> None:
        self.activities = list(activities or [])
        self.folders = list(folders or [])
        self.campaigns = list(campaigns or [])
        self.emails = list(emails or [])
        self.activity_types = list(activity_types or ACTIVITY_TYPES)
        self.client_id, self.client_secret = client_id, client_secret
        # knobs
        self.inject: dict[int, str] = {}
        self.inject_at: dict[str, str] = {}  # the next call to a path ending so answers this
        self.fail_jobs = 0
        self.queue_polls = 0
        self.daily_quota: int | None = None
        self.expire_files = 0
        self.denied: set[str] = set()
        self.drop_download = 0
        self.rate_limit = (100, 20.0)
        # state
        self.tokens: dict[str, bool] = {}  # token -> still valid
        self.issued: list[str] = []
        self.jobs: dict[str, Job] = {}
        self.requests: list[tuple[str, str, dict[str, Any], Any]] = []
        self.ranges: list[str | None] = []  # the Range header of each file request
        self.api_calls = 0
        self._times: deque[float] = deque()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ server

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> MarketoEmulator:
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as two writes

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def do_GET(self) -> None:
                emulator._handle(self, "GET")

            def do_POST(self) -> None:
                emulator._handle(self, "POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    # ------------------------------------------------------------------ helpers

    def quota_used_today(self) -> int:
        today = dt.datetime.now(CENTRAL).date()
        return sum(
            len(j.content or b"")
            for j in self.jobs.values()
            if j.status == "Completed"
            and j.finished_at is not None
            and j.finished_at.astimezone(CENTRAL).date() == today
        )

    def created_windows(self) -> list[tuple[str, str]]:
        """The createdAt filters of the jobs created, in order."""
        return [
            (_ts(j.start), _ts(j.end))
            for j in sorted(self.jobs.values(), key=lambda j: j.created_at)
        ]

    # ------------------------------------------------------------------ dispatch

    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(h.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        ctype = (h.headers.get("Content-Type") or "").split(";")[0]
        body: Any = None
        if raw and ctype == "application/x-www-form-urlencoded":
            body = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
        elif raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw
        path = parts.path
        with self._lock:
            self.requests.append((method, path, query, body))
        if path == "/identity/oauth/token":
            form = {**query, **(body if isinstance(body, dict) else {})}
            return self._identity(h, form)
        with self._lock:
            status, headers, payload = self._api(h, method, path, query, body)
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        if status in (200, 206) and headers.pop("X-Drop", None):
            h.send_response(status)
            for k, v in headers.items():
                h.send_header(k, v)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data[: len(data) // 2])
            h.wfile.flush()
            h.close_connection = True
            return
        h.send_response(status)
        headers.setdefault("Content-Type", "application/json;charset=UTF-8")
        for k, v in headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    def _identity(self, h: BaseHTTPRequestHandler, form: dict[str, Any]) -> None:
        if form.get("grant_type") != "client_credentials":
            status, doc = (
                400,
                {"error": "invalid_request", "error_description": "Missing grant type"},
            )
        elif form.get("client_id") != self.client_id:
            status = 401
            doc = {
                "error": "unauthorized",
                "error_description": f"No client with requested id: {form.get('client_id')}",
            }
        elif form.get("client_secret") != self.client_secret:
            status, doc = (
                401,
                {"error": "invalid_client", "error_description": "Bad client credentials"},
            )
        else:
            with self._lock:
                token = f"{uuid.uuid4()}:ab"
                self.tokens[token] = True
                self.issued.append(token)
            status = 200
            doc = {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": 3599,
                "scope": "api@emu",
            }
        data = json.dumps(doc).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json;charset=UTF-8")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    @staticmethod
    def _envelope(result: list[Any] | None = None, **extra: Any) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "requestId": f"{secrets.token_hex(2)}#{secrets.token_hex(5)}",
            "success": True,
        }
        if result is not None:
            doc["result"] = result
        doc.update(extra)
        return doc

    def _error(self, code: str, message: str) -> tuple[int, dict[str, str], Any]:
        doc = self._envelope(None, errors=[{"code": code, "message": message}])
        doc["success"] = False
        return 200, {}, doc

    def _api(
        self, h: BaseHTTPRequestHandler, method: str, path: str, query: dict[str, Any], body: Any
    ) -> tuple[int, dict[str, str], Any]:
        auth = h.headers.get("Authorization") or ""
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else ""
        if token not in self.tokens:
            return self._error("601", "Access token invalid")
        if not self.tokens[token]:
            return self._error("602", "Access token expired")
        self.api_calls += 1
        injected = self.inject.pop(self.api_calls, None)
        for end in [e for e in self.inject_at if path.endswith(e)][:1]:
            injected = self.inject_at.pop(end)
        if injected == "602":
            self.tokens[token] = False
            return self._error("602", "Access token expired")
        if injected == "601":
            self.tokens.pop(token)
            return self._error("601", "Access token invalid")
        if injected == "606":
            return self._error("606", "Max rate limit '100' exceeded with in '20' secs")
        if injected == "615":
            return self._error("615", "Concurrent access limit reached")
        if injected in ("500", "502"):
            return int(injected), {"Content-Type": "text/html"}, b"<html>Bad Gateway</html>"
        now = time.monotonic()
        limit, span = self.rate_limit
        while self._times and now - self._times[0] >= span:
            self._times.popleft()
        if len(self._times) >= limit:
            return self._error(
                "606", f"Max rate limit '{limit}' exceeded with in '{int(span)}' secs"
            )
        self._times.append(now)
        if any(path.startswith(p) for p in self.denied):
            return self._error("603", "Access denied")
        return self._route(method, path, query, body, h)

    # ------------------------------------------------------------------ routes

    def _route(
        self, method: str, path: str, query: dict[str, Any], body: Any, h: BaseHTTPRequestHandler
    ) -> tuple[int, dict[str, str], Any]:
        bulk = "/bulk/v1/activities/export"
        if path == "/rest/v1/activities/types.json" and method == "GET":
            result = [
                {
                    "id": i,
                    "name": n,
                    "description": n,
                    "primaryAttribute": {"name": "Mailing ID", "dataType": "integer"},
                    "attributes": [],
                }
                for i, n in self.activity_types
            ]
            return 200, {}, self._envelope(result)
        if path == f"{bulk}/create.json" and method == "POST":
            return self._create(body)
        if path == f"{bulk}.json" and method == "GET":
            statuses = set(str(query.get("status", "")).split(",")) - {""}
            week = dt.datetime.now(UTC) - dt.timedelta(days=7)
            jobs = [
                j.status_json()
                for j in self.jobs.values()
                if (not statuses or j.status in statuses) and j.created_at >= week
            ]
            return 200, {}, self._envelope(jobs)
        if path.startswith(f"{bulk}/"):
            export_id, _, action = path[len(bulk) + 1 :].partition("/")
            job = self.jobs.get(export_id)
            if action == "file.json" and method == "GET":
                return self._file(job, h)
            if job is None:
                return self._error("1003", "Export id not found")  # ids of other users too
            if action == "enqueue.json" and method == "POST":
                return self._enqueue(job)
            if action == "status.json" and method == "GET":
                self._advance(job)
                return 200, {}, self._envelope([job.status_json()])
            if action == "cancel.json" and method == "POST":
                if job.status in ("Created", "Queued", "Processing"):
                    job.status = "Cancelled"
                return 200, {}, self._envelope([job.status_json()])
        asset = "/rest/asset/v1"
        if path == f"{asset}/folder/byName.json":
            found = [self._folder_json(f, 0) for f in self.folders if f.name == query.get("name")]
            return 200, {}, self._page(found, {"maxReturn": 200})
        if path == f"{asset}/folders.json":
            return self._folders(query)
        if path == f"{asset}/programs.json":
            return (
                200,
                {},
                self._page(
                    [self._program_json(f) for f in self.folders if f.kind == "Program"], query
                ),
            )
        if path == f"{asset}/smartCampaigns.json":
            return 200, {}, self._page(self.campaigns, query)
        if path == f"{asset}/emails.json":
            return 200, {}, self._page([self._email_json(e) for e in self.emails], query)
        if path.startswith(f"{asset}/email/"):
            eid, _, action = path[len(asset) + 7 :].partition("/")
            email = next((e for e in self.emails if str(e.id) == eid), None)
            if email is None:
                return (
                    200,
                    {},
                    self._envelope(
                        None, errors=[], warnings=["No assets found for the given search criteria."]
                    ),
                )
            if action == "fullContent.json":
                if email.version != 1:
                    return self._error(
                        "709", "Full content is only available for version 1.0 emails"
                    )
                return (
                    200,
                    {},
                    self._envelope([{"id": email.id, "status": "approved", "content": email.html}]),
                )
            if action == "content.json":
                section = {
                    "htmlId": "main",
                    "value": [
                        {"type": "HTML", "value": email.html},
                        {"type": "Text", "value": "text"},
                    ],
                    "contentType": "Text",
                }
                return 200, {}, self._envelope([section])
        return self._error("610", "Requested resource not found")

    def _page(self, items: list[Any], query: dict[str, Any]) -> dict[str, Any]:
        size = min(int(query.get("maxReturn", 20)), 200)
        offset = int(query.get("offset", 0))
        page = items[offset : offset + size]
        if not page:
            return self._envelope(
                None, errors=[], warnings=["No assets found for the given search criteria."]
            )
        return self._envelope(page, errors=[], warnings=[])

    def _folder_json(self, f: Folder, _depth: int) -> dict[str, Any]:
        parent = {"id": f.parent[1], "type": f.parent[0]} if f.parent else None
        return {
            "name": f.name,
            "folderId": {"id": f.id, "type": f.kind},
            "folderType": "Program" if f.kind == "Program" else "Marketing Folder",
            "parent": parent,
            "path": f"/{f.name}",
            "isArchive": f.archive,
            "isSystem": f.parent is None,
            "workspace": "Default",
            "id": f.id,
        }

    def _folders(self, query: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        try:
            root = json.loads(query["root"])
            key = (str(root["type"]), int(root["id"]))
        except (KeyError, ValueError, TypeError):
            return self._error("701", "root cannot be blank")
        depth_max = int(query.get("maxDepth", 2))
        by_parent: dict[tuple[str, int], list[Folder]] = {}
        for f in self.folders:
            if f.parent:
                by_parent.setdefault(f.parent, []).append(f)
        start = next((f for f in self.folders if (f.kind, f.id) == key), None)
        out: list[dict[str, Any]] = []
        level = [start] if start else []
        for depth in range(depth_max + 1):
            out += [self._folder_json(f, depth) for f in level]
            level = [c for f in level for c in by_parent.get((f.kind, f.id), [])]
        return 200, {}, self._page(out, query)

    def _program_json(self, f: Folder) -> dict[str, Any]:
        assert f.parent is not None
        return {
            "id": f.id,
            "name": f.name,
            "description": "",
            "type": "Email",
            "channel": "Email Send",
            "folder": {"type": f.parent[0], "value": f.parent[1], "folderName": "x"},
            "status": "unlocked",
            "workspace": "Default",
        }

    def _email_json(self, e: Email) -> dict[str, Any]:
        return {
            "id": e.id,
            "name": e.name,
            "subject": {"type": "Text", "value": e.subject},
            "fromName": {"type": "Text", "value": "Emu"},
            "folder": {"type": "Program", "value": e.program_id, "folderName": "x"},
            "status": "approved",
            "version": e.version,
            "updatedAt": e.updated_at,
            "workspace": "Default",
        }

    # ------------------------------------------------------------------ bulk jobs

    def _quota_spent(self) -> bool:
        return self.daily_quota is not None and self.quota_used_today() >= self.daily_quota

    def _create(self, body: Any) -> tuple[int, dict[str, str], Any]:
        if not isinstance(body, dict):
            return self._error("609", "Invalid JSON")
        created = (body.get("filter") or {}).get("createdAt") or {}
        start, end = _parse(created.get("startAt")), _parse(created.get("endAt"))
        if start is None or end is None:
            return self._error("1003", "createdAt filter needs startAt and endAt")
        if end - start > dt.timedelta(days=31):
            return self._error("1003", "createdAt date range exceeds 31 days")
        if self._quota_spent():
            return self._error("1029", "Export daily quota 500MB exceeded")
        types = [int(t) for t in (body.get("filter") or {}).get("activityTypeIds") or []]
        job = Job(str(uuid.uuid4()), start, end, types)
        self.jobs[job.export_id] = job
        return 200, {}, self._envelope([job.status_json()])

    def _enqueue(self, job: Job) -> tuple[int, dict[str, str], Any]:
        if job.status != "Created":
            return self._error("1029", "Job already queued")
        if self._quota_spent():
            return self._error("1029", "Export daily quota 500MB exceeded")
        queued = sum(j.status in ("Queued", "Processing") for j in self.jobs.values())
        if queued >= 10:
            return self._error("1029", "Too many jobs (10) in queue")
        job.status, job.queued_at = "Queued", dt.datetime.now(UTC)
        if self.fail_jobs:
            self.fail_jobs -= 1
            job.fail = True
        return 200, {}, self._envelope([job.status_json()])

    def _advance(self, job: Job) -> None:
        """A status look moves the job on (after ``queue_polls`` looks in each stage)."""
        job.polls += 1
        if job.status == "Queued" and job.polls > self.queue_polls:
            processing = sum(j.status == "Processing" for j in self.jobs.values())
            if processing < 2:
                job.status, job.polls = "Processing", 0
        elif job.status == "Processing" and job.polls > self.queue_polls:
            if job.fail:
                job.status = "Failed"
                return
            rows = [
                a.row()
                for a in sorted(self.activities, key=lambda a: (a.date, a.guid))
                if job.start <= a.date <= job.end and (not job.types or a.type_id in job.types)
            ]
            buf = io.StringIO()
            writer = csv.writer(buf, lineterminator="\n")
            writer.writerow(BULK_COLUMNS)
            writer.writerows(rows)
            job.content, job.records = buf.getvalue().encode(), len(rows)
            job.status, job.finished_at = "Completed", dt.datetime.now(UTC)

    def _file(self, job: Job | None, h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], Any]:
        gone = {"Content-Type": "text/plain"}
        if job is None or job.status != "Completed" or job.content is None:
            return 404, gone, b"File not found"
        if self.expire_files:
            self.expire_files -= 1
            job.content = None  # past the retention period
            return 404, gone, b"File not found"
        data, status = job.content, 200
        headers = {"Content-Type": "text/csv", "Accept-Ranges": "bytes"}
        rng = h.headers.get("Range")
        self.ranges.append(rng)
        if rng and rng.startswith("bytes="):
            first, _, last = rng[6:].partition("-")
            lo = int(first)
            hi = int(last) if last else len(data) - 1
            headers["Content-Range"] = f"bytes {lo}-{hi}/{len(data)}"
            data, status = data[lo : hi + 1], 206
        if self.drop_download:
            self.drop_download -= 1
            headers["X-Drop"] = "1"
        return status, headers, data


# ---------------------------------------------------------------------- a test instance

_ids = itertools.count(5_000_000)


def instance(start: dt.datetime, days: int, *, leads: int = 12, seed: int = 3) -> MarketoEmulator:
    """An emulated instance with folders (one archived), three programs, four smart
    campaigns, three emails (versions 1 and 2) and every day from ``start`` a send of one
    campaign to ``leads`` people with their deliveries, bounces, opens, clicks,
    unsubscribes and spam complaints, plus activities of other types."""
    import random

    rnd = random.Random(seed)
    folders = [
        Folder(14, "Marketing Activities", None),
        Folder(15, "Default", ("Folder", 14)),
        Folder(20, "Newsletters", ("Folder", 15)),
        Folder(21, "Archive", ("Folder", 15), archive=True),
        Folder(1001, "Monthly Newsletter", ("Folder", 20), kind="Program"),
        Folder(1002, "Spring Promo", ("Folder", 20), kind="Program"),
        Folder(1003, "Old Webinar", ("Folder", 21), kind="Program"),
        Folder(30, "Sends", ("Program", 1001)),
    ]
    campaigns = [
        {"id": 501, "name": "Newsletter – send", "folder": {"id": 30, "type": "Folder"},
         "status": "Active", "type": "batch", "isActive": False},
        {"id": 502, "name": "Promo blast", "folder": {"id": 1002, "type": "Program"},
         "status": "Completed", "type": "batch", "isActive": False},
        {"id": 503, "name": "Webinar invite <old>", "folder": {"id": 1003, "type": "Program"},
         "status": "Inactive", "type": "trigger", "isActive": False},
        {"id": 504, "name": "Loose campaign", "folder": {"id": 20, "type": "Folder"},
         "status": "Never Run", "type": "batch", "isActive": False},
    ]  # fmt: skip
    emails = [
        Email(9001, "Newsletter", "Our news", 1001, "<html><body><h1>News</h1></body></html>"),
        Email(9002, "Promo", "Spring deals", 1002, "<p>Deals <b>now</b></p>", version=2),
        Email(9003, "Webinar", "Join us", 1003, "<html><body>Webinar</body></html>"),
    ]
    pairs = [(501, 9001), (502, 9002), (503, 9003), (504, 9001)]
    acts: list[Activity] = []
    for day in range(days):
        campaign, email = pairs[day % len(pairs)]
        name = next(e.name for e in emails if e.id == email)
        at = start + dt.timedelta(days=day, hours=9)
        for lead in range(1, leads + 1):
            one = (100 + lead, campaign, email, name)

            def add(type_id: int, minutes: float, attrs: Any = None, one: Any = one, at: Any = at):
                lead_id, campaign_id, email_id, email_name = one
                when = at + dt.timedelta(minutes=minutes)
                acts.append(
                    Activity(
                        next(_ids), lead_id, when, type_id, campaign_id, email_id, email_name, attrs
                    )
                )

            add(6, 0, {"Campaign Run ID": "1", "Step ID": "2"})
            fate = rnd.random()
            if fate < 0.08:
                add(8, 1, {"Category": "1", "Details": "550 unknown user"})
                continue
            if fate < 0.14:
                add(27, 1, {"Category": "4"})
                continue
            add(7, 1)
            if rnd.random() < 0.5:
                add(10, 30 + lead, {"Is Bot Activity": rnd.random() < 0.2})
                if rnd.random() < 0.4:
                    link = rnd.choice(["https://example.com/a?x=1", "https://example.com/b"])
                    add(11, 31 + lead, {"Link": link, "Is Bot Activity": False})
                if rnd.random() < 0.1:
                    add(9, 40 + lead)
            if rnd.random() < 0.03:
                add(100001, 50 + lead)
        acts.append(
            Activity(
                next(_ids),
                999,
                at + dt.timedelta(hours=3),
                1,
                None,
                77,
                "/page",
                {"Webpage URL": "/x"},
            )
        )
    return MarketoEmulator(activities=acts, folders=folders, campaigns=campaigns, emails=emails)
