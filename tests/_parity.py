"""What the parity tests of the engines share: the reports compared, and a normal form of
frames whose missing values an engine may store differently."""

from __future__ import annotations

import pandas as pd

from campaign_perf.views import aggregates
from campaign_perf.views.html.lead_groups import people

REPORTS = {
    "sent basis, past 30 days": lambda r: r,
    "activity basis, last month": lambda r: r.with_basis("activity").with_time_frame("last month"),
    "bots excluded, proximity 1 s": lambda r: r.with_bots(True, proximity_seconds=1),
    "by program, lead filter": lambda r: r.by("program").where(leads={"country": ["SE", "US"]}),
    "by lead attribute, activity basis, New York": lambda r: (
        r.by("segment").with_basis("activity").with_tz("America/New_York")
    ),
    "machine opens excluded, bot list": lambda r: r.with_machine_opens("exclude").with_bot_list(
        ["barracuda", "192.0.2.0/24", "2001:db8::/32"]
    ),
    "by recipient domain": lambda r: r.by("recipient_domain"),
}


def normalised(df: pd.DataFrame) -> pd.DataFrame:
    """Missing values as None and plain object columns: engines store "no value"
    differently (None or NaN, object or string dtype); the values must be the same."""
    return df.astype(object).where(df.notna(), None)


def chart_aggregates(rep) -> dict[str, pd.DataFrame]:  # any engine's Report
    """The aggregates the charts and the shared report draw from, in a normal form."""
    out = {
        "hours": aggregates.hours_since_send(rep),
        "clock": aggregates.clock(rep),
        "links": aggregates.links(rep),
        # the people a shared report counts to fold small groups, over the days it holds
        "people": people(
            rep.with_time_frame("all time"),
            list(dict.fromkeys(["segment", "recipient_domain", *rep.filters.lead_attrs()])),
        ),
    }
    return {k: normalised(v.astype({c: "int64" for c in v.columns if v[c].dtype.kind in "iu"}))
            for k, v in out.items()}  # fmt: skip
