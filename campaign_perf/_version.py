"""The package's version, in one place (read by ``campaign_perf.__version__`` and the views)."""

__version__ = "0.1.0"
