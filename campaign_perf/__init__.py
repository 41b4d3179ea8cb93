"""campaign_perf: Marketo-style Campaign Email Performance reports over your own events.

>>> import campaign_perf as cp
>>> log = cp.load_events("sample_data/events.parquet")  # doctest: +SKIP
>>> cp.Report(log, time_frame="past 30 days", today="as_of").table()  # doctest: +SKIP
"""

from campaign_perf._version import __version__
from campaign_perf.botlist import BotList, bot_list
from campaign_perf.clients import classify as classify_user_agents
from campaign_perf.engine.rules import COUNT_COLUMNS, DEFAULT_UNSUBSCRIBE_LINK_PATTERN
from campaign_perf.errors import (
    CampaignPerfError,
    LoadError,
    MemoryBudgetError,
    MetricError,
    ReportError,
    SchemaError,
    StatsError,
    TimeFrameError,
)
from campaign_perf.facade import Report
from campaign_perf.load.eventlog import EventLog, LoadSummary, RejectedRowsWarning
from campaign_perf.load.loader import load_events
from campaign_perf.metrics import (
    DEFAULT_COLUMNS,
    METRICS,
    Metric,
    count,
    metric,
    registry_snapshot,
    unregister,
)
from campaign_perf.report import stats
from campaign_perf.report.groups import GROUPS, Filters
from campaign_perf.schema import EVENT_TYPES
from campaign_perf.timeframes import DateRange, TimeFrame

__all__ = [
    "COUNT_COLUMNS",
    "DEFAULT_COLUMNS",
    "DEFAULT_UNSUBSCRIBE_LINK_PATTERN",
    "EVENT_TYPES",
    "GROUPS",
    "METRICS",
    "BotList",
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
    "__version__",
    "bot_list",
    "classify_user_agents",
    "count",
    "load_events",
    "metric",
    "registry_snapshot",
    "stats",
    "unregister",
]
