"""Spark: the same report on data that outgrows one machine (local mode or Spark Connect).

>>> from campaign_perf.spark import load_events_spark, local_spark  # doctest: +SKIP
"""

from campaign_perf.load.spark import (
    SparkEngine,
    SparkEventLog,
    load_events_spark,
    local_spark,
    to_spark_sql,
)

__all__ = ["SparkEngine", "SparkEventLog", "load_events_spark", "local_spark", "to_spark_sql"]
