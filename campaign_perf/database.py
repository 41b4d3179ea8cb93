"""SQL databases: the report where the data lives (PostgreSQL pushed down; SQL generated for
the warehouses). Needs ``pip install 'campaign_perf[postgres]'``.

>>> import campaign_perf as cp
>>> log = cp.load_events("postgresql://analyst@db:5432/marketing",
...                      table="email_events")  # doctest: +SKIP
>>> from campaign_perf.database import transpile, WAREHOUSES  # doctest: +SKIP
"""

from campaign_perf.engine.dialects import WAREHOUSES, UntranslatableError, transpile
from campaign_perf.engine.postgres import Database, PostgresEngine, connect_database
from campaign_perf.load.database import DatabaseEventLog

__all__ = [
    "WAREHOUSES",
    "Database",
    "DatabaseEventLog",
    "PostgresEngine",
    "UntranslatableError",
    "connect_database",
    "transpile",
]
