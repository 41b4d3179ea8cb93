"""Where the shared payload fixtures live, and helpers to compare events."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import pandas as pd


def fixtures_dir() -> Path:
    """Return the shared fixtures directory (``<repo>/../shared/fixtures``).

    ``CAMPAIGN_PERF_FIXTURES`` overrides it. Raises when it cannot be found, so the tests
    fail instead of silently testing nothing.
    """
    repo = Path(__file__).resolve().parents[2]
    candidates = [repo.parent / "shared" / "fixtures", repo / "shared" / "fixtures"]
    if os.environ.get("CAMPAIGN_PERF_FIXTURES"):
        candidates.insert(0, Path(os.environ["CAMPAIGN_PERF_FIXTURES"]))
    for candidate in candidates:
        if (candidate / "README.md").is_file():
            return candidate
    raise RuntimeError(f"shared fixtures not found in {[str(c) for c in candidates]}")


FIXTURES = fixtures_dir()

#: Columns compared by :func:`event_rows`.
COLUMNS = (
    "event_type",
    "timestamp",
    "campaign_id",
    "email_id",
    "lead_id",
    "link",
    "is_bot",
    "event_id",
)


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT:
        return None
    return value


def event_rows(events: pd.DataFrame, columns: tuple[str, ...] = COLUMNS) -> list[tuple]:
    """Return the events as tuples of ``columns`` (missing values as None)."""
    return [tuple(_clean(v) for v in row) for row in events[list(columns)].itertuples(index=False)]


def ts(value: str) -> pd.Timestamp:
    """Return the UTC instant written as ISO 8601 ``value``."""
    return pd.Timestamp(value).tz_convert("UTC")
