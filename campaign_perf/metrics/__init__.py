"""Metrics: the counts and rates of the report, their labels and display formats.

Counts are sums of record flags (additive over any slice of the cube); rates and other
derived metrics are arithmetic expressions over counts, evaluated after summing, so a
rate of a group is always its own ratio of sums, never an average of ratios.

New metrics are prototyped with :func:`metric` (an expression over metric ids) and
:func:`count` (people with a matching event, e.g. clicks on a pricing link); both register
into :data:`METRICS`, so a report, its exports and its views show them like built-ins.

The modules, each importing only those after it: ``registry`` (registering), ``expressions``
(evaluation, trees for the HTML report, proportions), ``catalogue`` (:class:`Metric`, the
built-ins and the one registry), then ``syntax`` (the safe expression language), ``formats``
and ``counts_sql`` (the SQL predicate of custom counts).

Examples
--------
>>> from campaign_perf.metrics import count, metric, registry_snapshot
>>> with registry_snapshot():
...     _ = count("pricing_clicks", "click", link_contains="pricing")
...     m = metric("pricing_ctr", "pricing_clicks / delivered", fmt="pct")
...     m.label, sorted(m.dependencies())
('Pricing ctr', ['delivered', 'pricing_clicks'])
"""

from campaign_perf.errors import MetricError
from campaign_perf.metrics.catalogue import (
    CUSTOM_COUNTS,
    DEFAULT_COLUMNS,
    METRICS,
    Metric,
    custom_counts,
    get_metric,
    is_builtin,
)
from campaign_perf.metrics.expressions import (
    Proportion,
    compute_metrics,
    evaluate,
    expression_tree,
    proportion,
)
from campaign_perf.metrics.formats import Format, format_value
from campaign_perf.metrics.registry import (
    count,
    metric,
    metric_option,
    registry_snapshot,
    unregister,
)

__all__ = [
    "CUSTOM_COUNTS",
    "DEFAULT_COLUMNS",
    "METRICS",
    "Format",
    "Metric",
    "MetricError",
    "Proportion",
    "compute_metrics",
    "count",
    "custom_counts",
    "evaluate",
    "expression_tree",
    "format_value",
    "get_metric",
    "is_builtin",
    "metric",
    "metric_option",
    "proportion",
    "registry_snapshot",
    "unregister",
]
