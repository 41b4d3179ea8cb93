"""Spark: the same report on data that outgrows one machine (local mode or Spark Connect).

>>> from campaign_perf.spark import load_events_spark, local_spark  # doctest: +SKIP
"""

from campaign_perf.engine.spark import SparkEngine, local_spark, to_spark_sql
from campaign_perf.load.spark import SparkEventLog, load_events_spark

__all__ = ["SparkEngine", "SparkEventLog", "load_events_spark", "local_spark", "to_spark_sql"]
