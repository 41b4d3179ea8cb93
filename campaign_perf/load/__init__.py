"""Loading: any supported input -> an EventLog of canonical events and a rejected-rows ledger."""

from campaign_perf.load.eventlog import EventLog, LoadSummary, RejectedRowsWarning
from campaign_perf.load.loader import load_events

__all__ = ["EventLog", "LoadSummary", "RejectedRowsWarning", "load_events"]
