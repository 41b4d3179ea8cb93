"""The engine: the counting rules as SQL, run in-process by DuckDB or on Spark.

``rules`` holds RULES.md as one SQL source; ``embedded`` runs it in DuckDB, ``spark`` in Spark
(transpiled by sqlglot); ``session`` opens and budgets the DuckDB connection; ``sql`` quotes.
Nothing here knows of reports or views.
"""
