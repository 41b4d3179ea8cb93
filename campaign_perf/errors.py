"""The errors campaign_perf raises on bad input: one hierarchy under CampaignPerfError."""

from __future__ import annotations

__all__ = [
    "CampaignPerfError",
    "FetchError",
    "LoadError",
    "MemoryBudgetError",
    "MetricError",
    "ReportError",
    "SchemaError",
    "StatsError",
    "TimeFrameError",
    "first_line",
]


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type's name when it has none)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


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


class ReportError(CampaignPerfError, ValueError):
    """A report setting that is not valid (unknown group, column, basis, filter...)."""


class MetricError(CampaignPerfError, ValueError):
    """An unknown metric id, or a metric expression that cannot be evaluated."""


class StatsError(CampaignPerfError, ValueError):
    """A statistics request that cannot be answered (bad confidence, unknown email, ...)."""


class FetchError(CampaignPerfError, RuntimeError):
    """Fetching from a provider's API failed: it cannot be reached, refuses the credentials or
    a permission, or answers in a way the client cannot use. The message never holds a
    secret."""
