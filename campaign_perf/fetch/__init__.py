"""Fetching email activities straight from a provider's API into a folder that
:func:`campaign_perf.load_events` reads: :func:`fetch_marketo` (Marketo's Bulk Activity
Extract and asset API)."""

from campaign_perf.fetch.marketo import FetchProgress, FetchResult, fetch_marketo

__all__ = ["FetchProgress", "FetchResult", "fetch_marketo"]
