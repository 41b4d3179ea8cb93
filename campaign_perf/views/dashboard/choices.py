"""What each control of the dashboard offers, read from the one place that defines it.

The groupings come from :data:`campaign_perf.report.groups.GROUP_CHOICES` and
:func:`~campaign_perf.report.groups.lead_groupings`, the columns from
the metric registry, the sort columns and their directions from the table's rows, the
filters' values and the emails from the log. :func:`settings_summary` says in one line what
the controls chose.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from campaign_perf.load.eventlog import EventLog
from campaign_perf.metrics import METRICS
from campaign_perf.report.core import ReportCore
from campaign_perf.report.groups import (
    DATE_COLUMNS,
    ENGAGEMENT_GROUPS,
    GROUP_CHOICES,
    GROUP_LABELS,
    GROUPINGS,
    lead_group_label,
    lead_groupings,
)

__all__ = [
    "NO_EMAIL",
    "NO_EMAIL_LABEL",
    "email_options",
    "filter_options",
    "group_options",
    "metric_choices",
    "settings_summary",
    "sort_directions",
    "sort_options",
]

#: The email picker's value and label when no email is chosen.
NO_EMAIL = ""
NO_EMAIL_LABEL = "— choose an email —"


def _name(name: Any, key: Any) -> str:
    """A display name, or the id when the name is missing."""
    return str(key) if name is None or pd.isna(name) or str(name) == "" else str(name)


def metric_choices() -> dict[str, str]:
    """Every registered metric (custom metrics too) by a label unique per metric."""
    seen: dict[str, int] = {}
    for m in METRICS.values():
        seen[m.label] = seen.get(m.label, 0) + 1
    return {
        (m.label if seen[m.label] == 1 else f"{m.label} ({m.id})"): m.id for m in METRICS.values()
    }


def group_options(rep: ReportCore) -> list[tuple[str, str]]:
    """The groupings to choose from: the built-ins, the lead attributes that make readable
    groups (:func:`~campaign_perf.report.groups.lead_groupings`, each labelled "Lead: ..."),
    and the report's own grouping when it is none of those (several groups, or a lead
    attribute chosen in code). A grouping by where emails were read that a lead attribute
    of its name replaces (the report reads ``country`` as the lead attribute) is left out."""
    replaced = set(ENGAGEMENT_GROUPS) & set(rep.log.dims.lead_attributes)
    options = [(label, g) for g, label in GROUP_CHOICES.items() if g not in replaced]
    options += [(lead_group_label(a), a) for a in lead_groupings(rep.log.dims.leads)]
    current = ",".join(rep.group_by)
    if current not in {v for _, v in options}:
        labels = dict((v, k) for k, v in options)
        label = " + ".join(labels.get(g) or lead_group_label(g) for g in rep.group_by)
        options.append((label, current))
    return options


def sort_options(rep: ReportCore, rows: pd.DataFrame) -> list[tuple[str, str]]:
    """The columns to sort by: the report's order, then the columns of the table's rows
    (:func:`~campaign_perf.report.rows.table_rows`): the group names and the metrics."""
    metrics = {m.id: m.label for m in rep.table_metrics}
    return [
        ("Report order", ""),
        *(
            (metrics.get(c) or GROUP_LABELS.get(c, c), c)
            for c in rows.columns
            if c not in ("kind", "block")
        ),
    ]


def sort_directions(rows: pd.DataFrame, column: str) -> list[tuple[str, bool]]:
    """The two directions of a sort by ``column`` of the table's rows, as (label, ascending),
    the one a first sort takes first (as a click on a header of the shared report does):
    numbers "Highest first", dates "Oldest first", names "A → Z". None without a column."""
    if not column:
        return []
    if pd.api.types.is_numeric_dtype(rows[column]):
        return [("Highest first", False), ("Lowest first", True)]
    if column in DATE_COLUMNS:
        return [("Oldest first", True), ("Newest first", False)]
    return [("A → Z", True), ("Z → A", False)]


def _several(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def settings_summary(rep: ReportCore) -> str:
    """The report's settings in one line of plain words: "Past 30 days (2026-10-02 –
    2026-10-31) · America/New_York · by sent date · grouped by Campaign × Email · no
    filters" ("filtered: 2 programs, archived campaigns"; "bots excluded" when they are)."""
    frame = str(rep.frame)
    name = str(rep.time_frame)
    when = frame if rep.time_frame.preset is None or name == frame else f"{name} ({frame})"
    groups = " + ".join(
        GROUPINGS[g].label if g in GROUPINGS else lead_group_label(g) for g in rep.group_by
    )
    f = rep.filters
    filters = [
        _several(len(f.programs), "program") if f.programs else "",
        _several(len(f.campaigns), "campaign") if f.campaigns else "",
        " or ".join(f.campaign_status) + " campaigns" if f.campaign_status else "",
        _several(len(f.emails), "email") if f.emails else "",
        *(f"{lead_group_label(a)} in {', '.join(v)}" for a, v in f.leads),
    ]
    chosen = [x for x in filters if x]
    return " · ".join(
        [
            when[:1].upper() + when[1:],
            rep.tz,
            "by sent date" if rep.basis == "sent" else "by date of activity",
            f"grouped by {groups}",
            "filtered: " + ", ".join(chosen) if chosen else "no filters",
            *(["bots excluded"] if rep.exclude_bots else []),
        ]
    )


def filter_options(log: EventLog) -> dict[str, list[tuple[str, str]]]:
    """The values of each filter, by name: (label, value), sorted by name."""
    camps = log.dims.campaigns
    programs = sorted(camps["program"].dropna().astype(str).unique())
    return {
        "programs": [(p, p) for p in programs],
        "campaigns": [
            (
                _name(r.campaign_name, r.campaign_id)
                + (" (archived)" if str(r.status) == "archived" else ""),
                str(r.campaign_id),
            )
            for r in camps.sort_values("campaign_name").itertuples()
        ],
        "emails": [
            (_name(r.email_name, r.email_id), str(r.email_id))
            for r in log.dims.emails.sort_values("email_name").itertuples()
        ],
    }


def email_options(table: pd.DataFrame, log: EventLog) -> list[tuple[str, str]]:
    """The emails to preview: those of the table's rows (every email when the table has
    no email column)."""
    if "email_id" in table.columns:
        rows = table[["email_id", "email_name"]].drop_duplicates("email_id")
    else:
        rows = log.dims.emails[["email_id", "email_name"]]
    return [(NO_EMAIL_LABEL, NO_EMAIL)] + [
        (_name(n, i), str(i)) for i, n in zip(rows["email_id"], rows["email_name"], strict=True)
    ]
