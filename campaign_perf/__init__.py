"""campaign_perf: Marketo-style Campaign Email Performance reports over your own events.

>>> import campaign_perf as cp
>>> log = cp.load_events("sample_data/events.parquet")  # doctest: +SKIP
>>> cp.Report(log, time_frame="past 30 days", today="as_of").table()  # doctest: +SKIP
"""

from campaign_perf import stats
from campaign_perf.events import EventLog, LoadSummary, RejectedRowsWarning, load_events
from campaign_perf.metrics import (
    DEFAULT_COLUMNS,
    METRICS,
    Metric,
    MetricError,
    count,
    metric,
    registry_snapshot,
    unregister,
)
from campaign_perf.report import GROUPS, Filters, Report, ReportError
from campaign_perf.rules import COUNT_COLUMNS, DEFAULT_UNSUBSCRIBE_LINK_PATTERN
from campaign_perf.schema import (
    EVENT_TYPES,
    CampaignPerfError,
    LoadError,
    MemoryBudgetError,
    SchemaError,
    TimeFrameError,
)
from campaign_perf.stats import StatsError
from campaign_perf.timeframes import DateRange, TimeFrame

__version__ = "0.1.0"

__all__ = [
    "COUNT_COLUMNS",
    "DEFAULT_COLUMNS",
    "DEFAULT_UNSUBSCRIBE_LINK_PATTERN",
    "EVENT_TYPES",
    "GROUPS",
    "METRICS",
    "CampaignPerfError",
    "DateRange",
    "EventLog",
    "Filters",
    "LoadError",
    "LoadSummary",
    "MemoryBudgetError",
    "Metric",
    "MetricError",
    "RejectedRowsWarning",
    "Report",
    "ReportError",
    "SchemaError",
    "StatsError",
    "TimeFrame",
    "TimeFrameError",
    "count",
    "load_events",
    "metric",
    "registry_snapshot",
    "stats",
    "unregister",
]
