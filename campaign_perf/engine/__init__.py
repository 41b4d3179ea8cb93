"""The engine: the counting rules as SQL, run in-process by DuckDB or on Spark.

``rules`` holds RULES.md as one SQL source and ``queries`` every other query (the loader's
duplicate and orphan search, the cube, records and events a report reads), both in DuckDB's
dialect; ``embedded`` runs them in DuckDB as they are, ``spark`` in Spark (transpiled by
sqlglot); ``cache`` is the one cache the engines keep their results in; ``session`` opens and
budgets the DuckDB connection; ``progress`` shows the engine's progress while a long load or
report runs; ``sql`` quotes; ``frames`` gives every engine's results the embedded engine's
pandas types. Nothing here knows of reports or views.
"""
