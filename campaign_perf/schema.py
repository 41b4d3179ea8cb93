"""The canonical event schema (RULES.md section 1)."""

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

#: Where and by what an open or a click was read (RULES.md section 9): optional columns of
#: ``open`` and ``click`` events, filled with what a source carries.
CLIENT_COLUMNS: Final[tuple[str, ...]] = (
    "user_agent",
    "ip",
    "client",
    "os",
    "device",
    "country",
    "is_machine_open",
    "bot_reason",
)

#: The values of ``device``, in the order views list them.
DEVICES: Final[tuple[str, ...]] = ("desktop", "mobile", "tablet", "webmail", "proxy", "unknown")

#: Why an event counts as a bot, in the order the rules give the reason (the first wins):
#: the source's flag, the report's bot list, then proximity.
BOT_REASONS: Final[tuple[str, ...]] = ("source", "list", "proximity")

#: What an event without a client, OS, device or country counts under when grouped by it.
UNKNOWN: Final[str] = "unknown"

#: Columns an event may have.
OPTIONAL_COLUMNS: Final[tuple[str, ...]] = (
    "campaign_name",
    "email_name",
    "program",
    "link",
    "is_bot",
    "event_id",
    *CLIENT_COLUMNS,
)

#: The optional flags of an event (booleans; a missing value reads as false).
FLAG_COLUMNS: Final[tuple[str, ...]] = ("is_bot", "is_machine_open")

CANONICAL_COLUMNS: Final[tuple[str, ...]] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

#: The key of a record (RULES.md section 2).
RECORD_KEY: Final[tuple[str, ...]] = ("campaign_id", "email_id", "lead_id")

#: Epoch numbers at or above this magnitude are milliseconds, below it seconds (1e11 s is
#: the year 5138, 1e11 ms the year 1973).
EPOCH_MS_THRESHOLD: Final[int] = 100_000_000_000

#: The years a timestamp may fall in (pandas' nanosecond range, in whole years): a value
#: outside (the year 1, the year 294247, ``infinity``) cannot be held and is rejected.
TIMESTAMP_YEARS: Final[tuple[int, int]] = (1678, 2261)

#: Why an id that holds a list or an object (``["L1", "L2"]``) is rejected: an id is one value.
NOT_ONE_ID: Final[str] = "is a list or an object, not one id"
