"""Fixtures shared by the test modules."""

from __future__ import annotations

import pytest


@pytest.fixture
def canonical_rows() -> list[dict[str, str]]:
    """Three canonical events of one record (sent, open, click), as a source would hold them."""
    record = {"campaign_id": "C1", "email_id": "E1", "lead_id": "L1"}
    return [
        {"event_type": "sent", "timestamp": "2026-03-02T09:00:00Z", **record},
        {"event_type": "open", "timestamp": "2026-03-02T10:15:00Z", **record},
        {"event_type": "click", "timestamp": "2026-03-02T10:16:30Z", **record},
    ]


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL server for the session (see ``tests/_postgres.py``)."""
    from _postgres import bindir, running_server

    pytest.importorskip("adbc_driver_postgresql")  # the [postgres] extra (`make test` has it)
    if bindir() is None:  # pragma: no cover - `make test` installs Debian's postgresql
        pytest.skip("no PostgreSQL server binaries (initdb): apt-get install postgresql")
    with running_server() as server:
        yield server
