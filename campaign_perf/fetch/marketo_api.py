"""Marketo's REST API over HTTP: the identity endpoint, the JSON envelope and its error
codes, paging, and file downloads that resume.

Every call sends the access token in the ``Authorization`` header (never in the URL) and:

* renews the token before it expires, and when Marketo answers 601 / 602;
* keeps under 100 calls per 20 seconds, and waits and tries again (doubling the wait) on
  606 (rate limit), 615 (concurrency limit), 604 / 608 / 611 / 713 (temporary), HTTP 5xx
  and a dropped connection;
* turns a wrong instance URL, refused credentials and a missing permission (603) into one
  :class:`~campaign_perf.errors.FetchError` line, with every secret masked.
"""

from __future__ import annotations

import collections
import hashlib
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from campaign_perf._version import __version__
from campaign_perf.errors import FetchError
from campaign_perf.fetch.credentials import ENV_ID, ENV_SECRET, Credentials, Redactor

__all__ = [
    "FileGone",
    "MarketoAPI",
    "MarketoError",
    "QueueFull",
    "QuotaExceeded",
    "normalize_instance",
]

#: Codes that mean: the token is invalid or expired; get a new one and call again.
_TOKEN_CODES = frozenset({"601", "602"})
#: Codes that mean: not now; wait and call again.
_RETRY_CODES = frozenset({"604", "606", "608", "611", "615", "713"})
#: The permission an API user's role needs for each group of endpoints.
_PERMISSIONS = (
    ("/bulk/v1/activities", "Read-Only Activity"),
    ("/rest/v1/activities", "Read-Only Activity"),
    ("/rest/asset", "Read-Only Assets"),
)
_WHERE = "the REST API endpoint of Admin > Integration > Web Services, e.g. https://123-ABC-456.mktorest.com"


class MarketoError(FetchError):
    """Marketo answered a call with an error code the caller may handle."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class QuotaExceeded(MarketoError):
    """1029 "Export daily quota exceeded": no export job can start before the reset."""


class QueueFull(MarketoError):
    """1029 "Too many jobs in queue": the subscription's export queue holds 10 jobs."""


class FileGone(MarketoError):
    """The file of an export job is not there (the job is unknown, or its file expired)."""


def normalize_instance(instance: str) -> str:
    """The base URL of a Marketo instance: ``https://123-ABC-456.mktorest.com``.

    A trailing ``/rest`` or ``/identity`` (as Admin > Web Services shows them) is dropped;
    a URL without a scheme gets ``https://``.

    Raises
    ------
    FetchError
        Not a URL with a host.
    """
    text = str(instance).strip().rstrip("/")
    if "://" not in text:
        text = "https://" + text
    for suffix in ("/rest", "/identity"):
        text = text.removesuffix(suffix)
    try:
        url = httpx.URL(text)
    except (httpx.InvalidURL, TypeError, ValueError):
        url = None
    if url is None or not url.host or url.scheme not in ("http", "https"):
        raise FetchError(f"{instance!r} is not an instance URL: give {_WHERE}")
    return text


class MarketoAPI:
    """A session with one Marketo instance.

    Parameters
    ----------
    instance : str
        The REST API endpoint (see :func:`normalize_instance`).
    credentials : Credentials
    retry_wait : float, default 2.0
        Seconds to wait before the first new try after a rate limit, a temporary error or a
        dropped connection; each further try waits twice as long.
    retries : int, default 5
        New tries before giving up.
    timeout : float, default 60.0
        Seconds to wait for an answer.
    calls_per_20s : int, default 100
        Marketo's rate limit; the session waits rather than exceed it.
    sleep : callable
        How to wait (``time.sleep``).
    """

    def __init__(
        self,
        instance: str,
        credentials: Credentials,
        *,
        retry_wait: float = 2.0,
        retries: int = 5,
        timeout: float = 60.0,
        calls_per_20s: int = 100,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base = normalize_instance(instance)
        self._credentials = credentials
        self.redact = Redactor(credentials.client_id, credentials.client_secret)
        self._retry_wait = retry_wait
        self._retries = retries
        self._sleep = sleep
        self._limit = calls_per_20s
        self._calls: collections.deque[float] = collections.deque()
        self._token: str | None = None
        self._token_until = 0.0
        self._authenticated = False
        self.calls = 0
        self._client = httpx.Client(
            base_url=self.base,
            timeout=timeout,
            headers={"User-Agent": f"campaign-perf/{__version__}"},
        )

    def __enter__(self) -> MarketoAPI:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections."""
        self._client.close()

    # ------------------------------------------------------------------ errors and waits

    def error(self, message: str) -> FetchError:
        """A :class:`FetchError` with every secret of the session masked."""
        return FetchError(self.redact(message))

    def _unreachable(self, exc: Exception) -> FetchError:
        reason = str(exc) or type(exc).__name__
        return self.error(
            f"cannot reach Marketo at {self.base}: {reason}; check the instance: {_WHERE}"
        )

    def _wait(self, attempt: int, why: str) -> None:
        if attempt > self._retries:
            raise self.error(
                f"Marketo kept answering {why} after {self._retries} new tries; try again later"
            )
        self._sleep(self._retry_wait * 2 ** (attempt - 1))

    def _pace(self) -> None:
        """Wait, when needed, so that no more than ``calls_per_20s`` calls start in 20 s."""
        now = time.monotonic()
        while self._calls and now - self._calls[0] >= 20.0:
            self._calls.popleft()
        if len(self._calls) >= self._limit:
            self._sleep(20.0 - (now - self._calls[0]))
            self._calls.popleft()
        self._calls.append(time.monotonic())
        self.calls += 1

    # ------------------------------------------------------------------ the access token

    def _access_token(self) -> str:
        if self._token is None or time.monotonic() >= self._token_until:
            self._authenticate()
        assert self._token is not None
        return self._token

    def _authenticate(self) -> None:
        """Ask the identity endpoint for a token (client id and secret in the POST body)."""
        form = {
            "grant_type": "client_credentials",
            "client_id": self._credentials.client_id,
            "client_secret": self._credentials.client_secret,
        }
        attempt = 0
        while True:
            self._pace()
            try:
                r = self._client.post("/identity/oauth/token", data=form)
            except httpx.TransportError as exc:
                if not self._authenticated:  # a wrong instance: say so at once
                    raise self._unreachable(exc) from None
                attempt += 1
                self._wait(attempt, f"no connection ({exc})")
                continue
            if r.status_code >= 500:
                attempt += 1
                self._wait(attempt, f"HTTP {r.status_code} to a new access token")
                continue
            break
        doc = _json_or_none(r)
        if r.status_code in (400, 401, 403):
            why = ""
            if isinstance(doc, dict):
                why = str(doc.get("error_description") or doc.get("error") or "")
            where = self._credentials.origin
            raise self.error(
                f"Marketo refused the client id and secret{f' ({why})' if why else ''}: "
                f"check {ENV_ID} and {ENV_SECRET} (read from {where}); they are in Admin > "
                "Integration > LaunchPoint > View Details"
            )
        if r.status_code != 200 or not isinstance(doc, dict) or "access_token" not in doc:
            raise self.error(
                f"{self.base} does not answer as a Marketo instance (HTTP {r.status_code} "
                f"from /identity/oauth/token); check the instance: {_WHERE}"
            )
        self._token = str(doc["access_token"])
        self.redact.add(self._token)
        lifespan = float(doc.get("expires_in") or 3600)
        self._token_until = time.monotonic() + max(lifespan - 60.0, lifespan / 2)
        self._authenticated = True

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._access_token()}", **(extra or {})}

    # ------------------------------------------------------------------ calls

    def call(
        self,
        method: str,
        path: str,
        *,
        what: str,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Call an endpoint and return Marketo's answer (``success`` true).

        Parameters
        ----------
        method, path : str
            e.g. ``"GET"``, ``"/rest/v1/activities/types.json"``.
        what : str
            What the call does, for messages ("the activity types").
        params, body : dict, optional
            The query string; a JSON body.

        Raises
        ------
        MarketoError
            An error code the caller may handle (1029, 709, ...).
        FetchError
            Unreachable, refused, a missing permission, or errors that did not pass.
        """
        attempt = renewed = 0
        while True:
            headers = self._headers()
            self._pace()
            try:
                r = self._client.request(method, path, params=params, json=body, headers=headers)
            except httpx.TransportError as exc:
                attempt += 1
                self._wait(attempt, f"no connection ({exc})")
                continue
            retry = self._retry_after(r, what)
            if retry == "token":
                renewed = self._renew(renewed, r)
                continue
            if retry is not None:
                attempt += 1
                self._wait(attempt, f"{retry} to {what}")
                continue
            doc = _json_or_none(r)
            if not isinstance(doc, dict) or "success" not in doc:
                raise self.error(
                    f"{self.base}{path} does not answer as Marketo's API (HTTP "
                    f"{r.status_code}, not Marketo's JSON); check the instance: {_WHERE}"
                )
            return doc

    def _renew(self, renewed: int, r: httpx.Response) -> int:
        if renewed >= 2:
            raise self.error(
                "Marketo refuses every new access token (601/602): check that the API user "
                "of the client id is active"
            )
        self._token = None
        return renewed + 1

    def _retry_after(self, r: httpx.Response, what: str) -> str | None:
        """``"token"`` (renew and call again), a reason to wait and call again, or None.

        Raises for the answers that end the call (a missing permission, other errors).
        """
        if r.status_code >= 500 or r.status_code == 429:
            return f"HTTP {r.status_code}"
        if r.status_code == 401:
            return "token"
        doc = _json_or_none(r)
        if not isinstance(doc, dict) or doc.get("success") is not False:
            return None
        errors = doc.get("errors") or [{}]
        first = errors[0] if isinstance(errors[0], dict) else {}
        code, message = str(first.get("code", "")), str(first.get("message", ""))
        if code in _TOKEN_CODES:
            return "token"
        if code in _RETRY_CODES:
            return f"{code} {message}".strip()
        path = r.request.url.path
        if code == "603":
            permission = next((p for prefix, p in _PERMISSIONS if path.startswith(prefix)), None)
            need = f"the '{permission}' permission" if permission else "the permission"
            raise self.error(
                f"Marketo denied {what} (603 {message or 'Access denied'}): give the API "
                f"user's role {need} (Admin > Users & Roles), or allow this machine's address "
                "if the instance restricts API access by IP"
            )
        text = self.redact(f"Marketo refused {what}: {code} {message}".strip())
        low = message.lower()
        if code == "1029" and "quota" in low:
            raise QuotaExceeded(code, text)
        if code == "1029" and "too many" in low:
            raise QueueFull(code, text)
        raise MarketoError(code, text)

    def browse(
        self, path: str, *, what: str, params: dict[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        """The records of an asset browse endpoint, page by page (``maxReturn`` 200)."""
        offset = 0
        while True:
            page = {**(params or {}), "maxReturn": 200, "offset": offset}
            items = self.call("GET", path, what=what, params=page).get("result") or []
            yield from (item for item in items if isinstance(item, dict))
            if len(items) < 200:
                return
            offset += 200

    def pages(
        self, path: str, *, what: str, params: dict[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        """The records of an endpoint paged with ``nextPageToken``."""
        token: str | None = None
        seen: set[str] = set()
        while True:
            page = {**(params or {}), **({"nextPageToken": token} if token else {})}
            doc = self.call("GET", path, what=what, params=page)
            items = doc.get("result") or []
            yield from (item for item in items if isinstance(item, dict))
            token = doc.get("nextPageToken")
            if not items or not token or token in seen:
                return
            seen.add(token)

    # ------------------------------------------------------------------ files

    def download(
        self, path: str, dest: Path, *, what: str, size: int | None, checksum: str | None
    ) -> int:
        """Download a bulk export file to ``dest``, resuming a broken transfer with ``Range``.

        The file is checked against the job's ``fileSize`` and SHA-256 ``fileChecksum``.

        Returns
        -------
        int
            Its size in bytes.

        Raises
        ------
        FileGone
            HTTP 404: no such job, or its file expired.
        FetchError
            The transfer kept failing, or the file does not match its checksum.
        """
        attempt = renewed = restarts = 0
        have = 0
        with open(dest, "wb") as fh:
            while True:
                headers = self._headers({"Range": f"bytes={have}-"} if have else None)
                self._pace()
                try:
                    with self._client.stream("GET", path, headers=headers) as r:
                        if r.status_code == 404:
                            raise FileGone("404", self.redact(f"the file of {what} is gone"))
                        if r.status_code in (200, 206) and not _is_json(r):
                            if r.status_code == 200 and have:
                                fh.seek(0)
                                fh.truncate()
                                have = 0
                            for chunk in r.iter_bytes():
                                fh.write(chunk)
                                have += len(chunk)
                            retry = None
                        else:
                            r.read()
                            retry = self._retry_after(r, what) or f"HTTP {r.status_code}"
                except httpx.TransportError as exc:
                    attempt += 1
                    self._wait(attempt, f"a dropped connection ({exc}) during {what}")
                    continue
                if retry == "token":
                    renewed = self._renew(renewed, r)
                    continue
                if retry is not None:
                    attempt += 1
                    self._wait(attempt, f"{retry} to {what}")
                    continue
                fh.flush()
                if _complete(dest, have, size, checksum):
                    return have
                restarts += 1
                if restarts > 1:
                    raise self.error(
                        f"the file of {what} does not match its size or SHA-256 checksum "
                        "after a second download"
                    )
                fh.seek(0)
                fh.truncate()
                have = 0


def _complete(dest: Path, have: int, size: int | None, checksum: str | None) -> bool:
    if size is not None and have != size:
        return False
    if checksum:
        algorithm, _, expected = checksum.partition(":")
        if algorithm.lower() == "sha256" and expected:
            digest = hashlib.sha256()
            with open(dest, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
            return digest.hexdigest() == expected.lower()
    return True


def _is_json(r: httpx.Response) -> bool:
    return r.headers.get("content-type", "").split(";")[0].strip() == "application/json"


def _json_or_none(r: httpx.Response) -> Any:
    try:
        return json.loads(r.content)
    except (ValueError, UnicodeDecodeError):
        return None
