"""The catalogue of metrics: what a metric is, the built-in ones, and those registered.

:data:`METRICS` and :data:`CUSTOM_COUNTS` are the one registry: the built-ins, then what
:func:`campaign_perf.metrics.metric` and :func:`campaign_perf.metrics.count` add (only the
functions of :mod:`campaign_perf.metrics.registry` change them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from campaign_perf.engine.rules import COUNT_COLUMNS
from campaign_perf.errors import MetricError
from campaign_perf.metrics.formats import Format
from campaign_perf.metrics.syntax import names, parse

__all__ = [
    "BUILTIN",
    "CUSTOM_COUNTS",
    "DEFAULT_COLUMNS",
    "EVENT_COUNTS",
    "EXCLUSIVE_STATUSES",
    "METRICS",
    "Better",
    "Metric",
    "custom_counts",
    "get_metric",
    "is_builtin",
]


#: Which way a change of a metric is good news.
Better = Literal["higher", "lower"]


@dataclass(frozen=True)
class Metric:
    """One column of the report.

    Attributes
    ----------
    id : str
        The metric's id, used in code, the CLI and CSV headers.
    label : str
        Its Marketo-like label, shown to people.
    fmt : {"int", "pct", "float"}
        Display format: a whole number, a percentage (the value is a fraction), a number.
    expression : str or None
        For a derived metric: arithmetic over other metric ids. ``None`` for a count.
    description : str
        What it counts, in a sentence.
    better : {"higher", "lower"} or None
        Which way a change is good news (a higher Opened %, a lower Bounced %); None when
        neither is (a count of sends grows with the list, not with the email's quality).
    """

    id: str
    label: str
    fmt: Format
    expression: str | None = None
    description: str = ""
    better: Better | None = None

    @property
    def is_count(self) -> bool:
        """True for the additive counts kept in the cube."""
        return self.expression is None

    def dependencies(self) -> set[str]:
        """The metric ids the expression uses (directly)."""
        if self.expression is None:
            return set()
        return names(parse(self.expression, self.id))


_COUNTS = [
    ("sent", "Sent", "Records with a send: one per campaign, email and person."),
    ("delivered", "Delivered", "Sent records that were delivered (opened implies delivered)."),
    ("hard_bounced", "Hard Bounced", "Sent records with a hard bounce and no open."),
    ("soft_bounced", "Soft Bounced", "Sent records with a soft bounce, no hard bounce, no open."),
    ("pending", "Pending", "Sent records with no outcome yet, sent less than 3 days before as-of."),
    ("aborted", "Aborted", "Sent records with no outcome 3 days or more after the send."),
    ("opened", "Opened", "People who opened (an open, a counted click or an unsubscribe)."),
    ("clicked", "Clicked Link", "People who clicked a link other than an unsubscribe link."),
    ("unsubscribed", "Unsubscribed", "People who unsubscribed."),
    ("complained", "Complained", "People who reported the email as spam."),
    ("total_opens", "Total Opens", "Open events (not people)."),
    ("total_clicks", "Total Clicks", "Counted click events (not people)."),
    (
        "machine_opened",
        "Machine Opened",
        "Records opened only by a privacy proxy (Apple Mail Privacy Protection): a machine "
        "open and no other open, counted click or unsubscribe (0 with machine opens excluded).",
    ),
]
_RATES = [
    ("delivered_pct", "Delivered %", "delivered / sent"),
    ("hard_bounced_pct", "Hard Bounced %", "hard_bounced / sent"),
    ("soft_bounced_pct", "Soft Bounced %", "soft_bounced / sent"),
    ("bounced_pct", "Bounced %", "(hard_bounced + soft_bounced) / sent"),
    ("opened_pct", "Opened %", "opened / delivered"),
    ("clicked_pct", "Clicked %", "clicked / delivered"),
    ("click_to_open_pct", "Clicked to Opened %", "clicked / opened"),
    ("unsubscribed_pct", "Unsubscribed %", "unsubscribed / delivered"),
    ("complained_pct", "Complained %", "complained / delivered"),
    ("machine_opened_pct", "Machine Opened %", "machine_opened / opened"),
]
assert tuple(c[0] for c in _COUNTS) == COUNT_COLUMNS
#: The rates whose rise is bad news; every other built-in rate is better higher but those
#: that are neither (the share of opens by machines says how people read, not how well).
_LOWER_IS_BETTER = frozenset(
    {"hard_bounced_pct", "soft_bounced_pct", "bounced_pct", "unsubscribed_pct", "complained_pct"}
)
_NEITHER = frozenset({"machine_opened_pct"})

#: The built-in metrics by id, in report order.
BUILTIN: Mapping[str, Metric] = {
    **{i: Metric(i, label, "int", None, d) for i, label, d in _COUNTS},
    **{
        i: Metric(
            i,
            label,
            "pct",
            expr,
            f"{expr}; missing when the denominator is 0.",
            None if i in _NEITHER else "lower" if i in _LOWER_IS_BETTER else "higher",
        )
        for i, label, expr in _RATES
    },
}

#: The metrics by id, in report order: the built-ins, then those :func:`metric` and
#: :func:`count` add.
METRICS: dict[str, Metric] = dict(BUILTIN)

#: Custom counts by id: the SQL predicate (over the columns of
#: :func:`campaign_perf.engine.rules.filtered_events_sql`) that a record's events must match.
#: Filled by :func:`count`; never from user SQL.
CUSTOM_COUNTS: dict[str, str] = {}

#: The columns of a report unless chosen otherwise (Marketo's Campaign Email Performance).
DEFAULT_COLUMNS: tuple[str, ...] = (
    "sent",
    "delivered",
    "hard_bounced",
    "soft_bounced",
    "pending",
    "aborted",
    "opened",
    "clicked",
    "unsubscribed",
    "delivered_pct",
    "opened_pct",
    "clicked_pct",
    "click_to_open_pct",
    "unsubscribed_pct",
)

#: Counts of events rather than of records (people): not the successes of a proportion.
EVENT_COUNTS = frozenset({"total_opens", "total_clicks"})
#: Statuses that exclude one another: a sum of them counts records.
EXCLUSIVE_STATUSES = frozenset({"delivered", "hard_bounced", "soft_bounced", "pending", "aborted"})


def custom_counts() -> tuple[tuple[str, str], ...]:
    """The registered custom counts as ``(id, predicate)`` pairs, in registration order."""
    return tuple(CUSTOM_COUNTS.items())


def get_metric(metric_id: str, registry: Mapping[str, Metric] | None = None) -> Metric:
    """Look a metric up by id, with an error that lists the known ids."""
    registry = METRICS if registry is None else registry
    try:
        return registry[metric_id]
    except KeyError:
        raise MetricError(
            f"unknown metric {metric_id!r}; known metrics: {', '.join(registry)}"
        ) from None


def is_builtin(metric_id: str) -> bool:
    """Whether ``metric_id`` is one of the built-in metrics (and not replaced)."""
    return metric_id in BUILTIN and METRICS.get(metric_id) is BUILTIN[metric_id]
