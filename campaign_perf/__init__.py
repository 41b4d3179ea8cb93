"""campaign_perf: Marketo-style Campaign Email Performance reports over your own events.

>>> import campaign_perf as cp
>>> log = cp.load_events("sample_data/events.parquet")  # doctest: +SKIP
>>> cp.Report(log, time_frame="past 30 days", today="as_of").table()  # doctest: +SKIP
"""

import importlib
from typing import TYPE_CHECKING, Any

from campaign_perf._version import __version__
from campaign_perf.botlist import BotList, bot_list
from campaign_perf.clients import classify as classify_user_agents
from campaign_perf.engine.rules import COUNT_COLUMNS, DEFAULT_UNSUBSCRIBE_LINK_PATTERN
from campaign_perf.errors import (
    CampaignPerfError,
    FetchError,
    LoadError,
    MemoryBudgetError,
    MetricError,
    ReportError,
    SchemaError,
    StatsError,
    TimeFrameError,
)
from campaign_perf.facade import Report
from campaign_perf.load.eventlog import EventLog, LoadSummary, RejectedRows, RejectedRowsWarning
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

if TYPE_CHECKING:
    from campaign_perf.fetch import FetchProgress, FetchResult, fetch_marketo

#: Names imported the first time they are used (the Marketo client needs an HTTP library).
_LATER = {
    "FetchProgress": "campaign_perf.fetch",
    "FetchResult": "campaign_perf.fetch",
    "fetch_marketo": "campaign_perf.fetch",
}


def __getattr__(name: str) -> Any:
    if name in _LATER:
        return getattr(importlib.import_module(_LATER[name]), name)
    raise AttributeError(f"module 'campaign_perf' has no attribute {name!r}")


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
    "FetchError",
    "FetchProgress",
    "FetchResult",
    "Filters",
    "LoadError",
    "LoadSummary",
    "MemoryBudgetError",
    "Metric",
    "MetricError",
    "RejectedRows",
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
    "fetch_marketo",
    "load_events",
    "metric",
    "registry_snapshot",
    "stats",
    "unregister",
]
