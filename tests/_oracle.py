"""A plain-Python reading of RULES.md, written independently of the SQL in rules.py.

It is slow and obvious on purpose: the property tests check that the engine gives the same
numbers as this literal reading of the rules on random event logs.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
import re
from collections import defaultdict
from zoneinfo import ZoneInfo

import pandas as pd

COUNTS = (
    "sent",
    "delivered",
    "hard_bounced",
    "soft_bounced",
    "pending",
    "aborted",
    "opened",
    "clicked",
    "unsubscribed",
    "complained",
    "total_opens",
    "total_clicks",
    "machine_opened",
)
#: Apple Mail Privacy Protection's user agent (RULES.md section 9: the documented signature).
MACHINE_UA = "Mozilla/5.0"
COLS = (
    "event_type",
    "timestamp",
    "campaign_id",
    "email_id",
    "lead_id",
    "link",
    "is_bot",
    "event_id",
    "user_agent",
    "ip",
    "is_machine_open",
)


def _listed(r: dict, patterns: tuple[str, ...], networks: tuple[str, ...]) -> bool:
    """Whether an event's user agent or IP is on the bot list."""
    ua = r.get("user_agent") or ""
    if any(re.search(p, ua, re.IGNORECASE) for p in patterns):
        return True
    try:
        ip = ipaddress.ip_address((r.get("ip") or "").strip())
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        mapped = (ip, ip.ipv4_mapped)
        return any(a in ipaddress.ip_network(n) for a in mapped for n in networks)
    return any(ip in ipaddress.ip_network(n) for n in networks)


def is_machine_open(r: dict) -> bool:
    """An open fetched by a privacy proxy: the source's flag or the proxy's user agent."""
    return r["event_type"] == "open" and (
        bool(r.get("is_machine_open")) or (r.get("user_agent") or "").strip() == MACHINE_UA
    )


def _day_start(day: dt.date, tz: str) -> pd.Timestamp:
    return pd.Timestamp(day).tz_localize(tz, nonexistent="shift_forward", ambiguous=True)


def oracle_records(
    rows: list[dict],
    *,
    as_of: pd.Timestamp | None = None,
    exclude_bots: bool = False,
    proximity: int | None = None,
    pattern: str = r"unsubscribe|opt-?out",
    basis: str = "sent",
    first_day: dt.date | None = None,
    last_day: dt.date | None = None,
    tz: str = "UTC",
    machine_opens: str = "count",
    bot_patterns: tuple[str, ...] = (),
    bot_networks: tuple[str, ...] = (),
    left_events: dict | None = None,
) -> dict[tuple[str, str, str], dict[str, int]]:
    """Counts per record (campaign, email, lead) by the letter of RULES.md; ``left_events``,
    if given, receives each record's events that the rules count."""
    # Duplicates are removed first (the same event_id, type and record, or the same row
    # without an id).
    seen: set = set()
    events: list[dict] = []
    for r in rows:
        key = (
            ("id", r["event_id"], r["event_type"], r["campaign_id"], r["email_id"], r["lead_id"])
            if r.get("event_id")
            else ("row", tuple(r.get(c) for c in COLS))
        )
        if key not in seen:
            seen.add(key)
            events.append(dict(r, is_bot=bool(r.get("is_bot"))))

    def rec(r: dict) -> tuple[str, str, str]:
        return (r["campaign_id"], r["email_id"], r["lead_id"])

    # A record exists only where there is a sent event; other activity is orphaned.
    with_send = {rec(r) for r in events if r["event_type"] == "sent"}
    events = [r for r in events if rec(r) in with_send]
    if not events:
        return {}
    if as_of is None:
        as_of = max(r["timestamp"] for r in events)
    # Events after as_of are ignored.
    events = [r for r in events if r["timestamp"] <= as_of]
    # The bot list marks the opens and clicks it matches.
    for r in events:
        if r["event_type"] in ("open", "click") and _listed(r, bot_patterns, bot_networks):
            r["is_bot"] = True
    # Proximity: opens/clicks within s whole seconds of another of the same record are bots.
    if proximity is not None:
        acts: dict = defaultdict(list)
        for r in events:
            if r["event_type"] in ("open", "click"):
                acts[rec(r)].append(r)
        for group in acts.values():
            secs = [math.floor(r["timestamp"].timestamp()) for r in group]
            for i, r in enumerate(group):
                if any(j != i and abs(secs[i] - secs[j]) <= proximity for j in range(len(group))):
                    r["is_bot"] = True
    if exclude_bots:
        events = [r for r in events if not (r["event_type"] in ("open", "click") and r["is_bot"])]
    # Machine opens are removed like excluded bots, if asked.
    if machine_opens == "exclude":
        events = [r for r in events if not is_machine_open(r)]
    lo = _day_start(first_day, tz) if first_day else None
    hi = _day_start(last_day + dt.timedelta(days=1), tz) if last_day else None

    def in_frame(ts: pd.Timestamp) -> bool:
        return (lo is None or ts >= lo) and (hi is None or ts < hi)

    by_record: dict = defaultdict(list)
    for r in events:
        by_record[rec(r)].append(r)
    out = {}
    unsub_link = re.compile(pattern, re.IGNORECASE)
    for key, evs in by_record.items():
        sends = [r["timestamp"] for r in evs if r["event_type"] == "sent"]
        if basis == "sent":
            if not sends:
                continue
            first_sent = min(sends)
            local_day = first_sent.tz_convert(ZoneInfo(tz)).date()
            if (first_day and local_day < first_day) or (last_day and local_day > last_day):
                continue
            left = evs
        else:
            left = [r for r in evs if in_frame(r["timestamp"])]
            if not left:
                continue
            sends = [r["timestamp"] for r in left if r["event_type"] == "sent"]
            first_sent = min(sends) if sends else None
        types = [r["event_type"] for r in left]
        counted_clicks = [
            r
            for r in left
            if r["event_type"] == "click" and not (r.get("link") and unsub_link.search(r["link"]))
        ]
        opened = "open" in types or bool(counted_clicks) or "unsubscribe" in types
        c = dict.fromkeys(COUNTS, 0)
        c["sent"] = int(bool(sends))
        if opened:
            c["delivered"] = 1
        elif "hard_bounce" in types:
            c["hard_bounced"] = 1
        elif "soft_bounce" in types:
            c["soft_bounced"] = 1
        elif "delivered" in types or "complaint" in types:
            c["delivered"] = 1
        elif first_sent is not None:
            if as_of - first_sent >= pd.Timedelta(days=3):
                c["aborted"] = 1
            else:
                c["pending"] = 1
        c["opened"] = int(opened)
        c["clicked"] = int(bool(counted_clicks))
        c["unsubscribed"] = int("unsubscribe" in types)
        c["complained"] = int("complaint" in types)
        c["total_opens"] = types.count("open")
        c["total_clicks"] = len(counted_clicks)
        opens = [r for r in left if r["event_type"] == "open"]
        c["machine_opened"] = int(
            bool(opens)
            and all(is_machine_open(r) for r in opens)
            and not counted_clicks
            and "unsubscribe" not in types
        )
        out[key] = c
        if left_events is not None:
            left_events[key] = left
    return out


def oracle_engagement(
    records: dict, left_events: dict, dim: str, pattern: str = r"unsubscribe|opt-?out"
) -> dict[tuple[str, str, str], dict[str, int]]:
    """RULES.md section 9's grouping by an event attribute, per (campaign, email, value):
    opened under v = an open or a counted click carrying v (missing: "unknown"), clicked
    under v = a counted click carrying v."""
    unsub_link = re.compile(pattern, re.IGNORECASE)
    out: dict = defaultdict(lambda: dict.fromkeys(("opened", "clicked"), 0))
    for key in records:
        opened, clicked = set(), set()
        for r in left_events[key]:
            value = r.get(dim) or "unknown"
            counted_click = r["event_type"] == "click" and not (
                r.get("link") and unsub_link.search(r["link"])
            )
            if r["event_type"] == "open" or counted_click:
                opened.add(value)
            if counted_click:
                clicked.add(value)
        for v in opened:
            out[(key[0], key[1], v)]["opened"] += 1
        for v in clicked:
            out[(key[0], key[1], v)]["clicked"] += 1
    return dict(out)


def oracle_table(records: dict) -> dict[tuple[str, str], dict[str, int]]:
    """The records summed per (campaign, email)."""
    table: dict = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    for (campaign, email, _lead), c in records.items():
        for k in COUNTS:
            table[(campaign, email)][k] += c[k]
    return dict(table)
