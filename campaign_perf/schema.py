"""The canonical event schema (RULES.md section 1) and the errors raised on bad input."""

from __future__ import annotations

from typing import Final

#: Event types of the canonical schema, in funnel order.
EVENT_TYPES: Final[tuple[str, ...]] = (
    "sent",
    "delivered",
    "hard_bounce",
    "soft_bounce",
    "open",
    "click",
    "unsubscribe",
    "complaint",
)

#: Columns every event must have.
REQUIRED_COLUMNS: Final[tuple[str, ...]] = (
    "event_type",
    "timestamp",
    "campaign_id",
    "email_id",
    "lead_id",
)

#: Columns an event may have.
OPTIONAL_COLUMNS: Final[tuple[str, ...]] = (
    "campaign_name",
    "email_name",
    "program",
    "link",
    "is_bot",
    "event_id",
)

CANONICAL_COLUMNS: Final[tuple[str, ...]] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

#: The key of a record (RULES.md section 2).
RECORD_KEY: Final[tuple[str, ...]] = ("campaign_id", "email_id", "lead_id")


class CampaignPerfError(Exception):
    """Base class of the errors campaign_perf raises on bad input."""


class SchemaError(CampaignPerfError, ValueError):
    """A table lacks a required column, or a column cannot be read as its type."""


class LoadError(CampaignPerfError, OSError):
    """A file cannot be read: it is missing, empty or not of the format it claims."""


class MemoryBudgetError(CampaignPerfError, MemoryError):
    """The engine needed more memory than its budget (``CAMPAIGN_PERF_MEMORY_LIMIT``)."""


class TimeFrameError(CampaignPerfError, ValueError):
    """A time frame string or value is not one of the accepted forms."""
