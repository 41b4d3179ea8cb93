"""The engine's one SQL source, transpiled to another database's dialect by sqlglot.

The rules (:mod:`.rules`) and the other queries (:mod:`.queries`) are written once, in
DuckDB's dialect. :func:`transpile` writes them for PostgreSQL (which the suite runs
against a real server) and for the warehouses whose SQL is generated and kept as reviewed
snapshots (:data:`WAREHOUSES`). What sqlglot models it translates; what it does not, this
module either maps to a function of the same meaning in the target (a short, reviewed list:
:data:`_FUNCTIONS`) or refuses with :class:`UntranslatableError`, never letting a name
pass through to mean something else there:

- a function sqlglot does not know (``hash``, ``timezone``) passes by name, so it is mapped
  per dialect or refused; ``regexp_full_match``, which sqlglot knows but writes by name,
  becomes an anchored ``REGEXP_LIKE`` (``~``);
- ``TRY_CAST`` (NULL where the value cannot be read) is written as a plain ``CAST`` (an
  error there) for dialects without it: refused, except in PostgreSQL, where the engine's
  session holds ``pg_temp`` functions of the same meaning (:data:`PG_SESSION_FUNCTIONS`);
- named windows (``WINDOW w AS``), which some generators drop, are written out in full;
- ``epoch(ts)`` in BigQuery, for which sqlglot writes a function BigQuery lacks, is
  ``UNIX_MICROS(ts) / 1e6``;
- a case-insensitive search (``regexp_matches(s, '(?i)p')``) where the target reads no
  inline flag or matches whole strings: Snowflake's ``REGEXP_INSTR(s, 'p', 1, 1, 0, 'i') > 0``,
  Redshift's ``s ~* 'p'``;
- PostgreSQL before 16 needs an alias on every subquery in ``FROM``: each gets one.

sqlglot is an optional dependency (the ``postgres`` and ``spark`` extras).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable

from campaign_perf.errors import CampaignPerfError

try:
    import sqlglot
    from sqlglot import exp, transforms
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        "SQL for other databases needs sqlglot: pip install 'campaign_perf[postgres]'"
    ) from exc

__all__ = ["PG_SESSION_FUNCTIONS", "WAREHOUSES", "UntranslatableError", "transpile"]

#: The warehouses whose SQL is generated (and kept as reviewed snapshots), not run in tests.
WAREHOUSES = ("snowflake", "bigquery", "redshift", "databricks", "trino")

#: Dialects whose generator writes DuckDB's ``TRY_CAST`` with the same meaning.
_TRY_CAST_OK = frozenset({"duckdb", "spark", "databricks", "bigquery", "redshift", "trino"})

#: ``TRY_CAST(x AS t)`` in PostgreSQL: functions the engine creates in its session's
#: temporary schema, NULL where PostgreSQL's input function fails. The text is first held
#: to the ISO 8601 layouts DuckDB reads (``2026-05-13``, ``2026-05-13 09:00[:00[.f]]``,
#: ``T`` or space, an optional zone), so words PostgreSQL alone reads (``yesterday``,
#: ``epoch``, ``May 13 2026``) are unreadable in both engines.
_ISO = (
    r"^\s*\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?"
    r"\s*(Z|z|UTC|GMT|[+-]\d{2}(:?\d{2})?)?\s*$"
)
_PG_TRY = {
    "TIMESTAMPTZ": ("cp_try_timestamptz", "timestamptz"),
    "TIMESTAMP": ("cp_try_timestamp", "timestamp"),
    "DOUBLE": ("cp_try_double", "double precision"),
    "BIGINT": ("cp_try_bigint", "bigint"),
}
PG_SESSION_FUNCTIONS = (
    *(
        f"CREATE OR REPLACE FUNCTION pg_temp.{name}(v text) RETURNS {pg_type} "
        "LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$ BEGIN "
        + (f"IF v !~ '{_ISO}' THEN RETURN NULL; END IF; " if "timestamp" in pg_type else "")
        + f"RETURN v::{pg_type}; EXCEPTION WHEN others THEN RETURN NULL; END $$"
        for name, pg_type in _PG_TRY.values()
    ),
    # DuckDB's regexp_extract(s, pattern, group): the group's text, '' when s does not
    # match or the group took no part, NULL when s is NULL.
    "CREATE OR REPLACE FUNCTION pg_temp.cp_regexp_extract(v text, p text, g integer) "
    "RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT CASE WHEN v IS NULL "
    "THEN NULL ELSE coalesce((regexp_match(v, p))[g], '') END $$",
)


class UntranslatableError(CampaignPerfError, NotImplementedError):
    """A query of the rules has no faithful translation in a database's dialect."""


def _hash_pg(args: list[exp.Expression]) -> exp.Expression:
    # A 64-bit hash of the values' text (a ROW's text tells NULL from '').
    row = args[0] if len(args) == 1 else exp.Anonymous(this="ROW", expressions=args)
    return exp.Anonymous(
        this="hashtextextended",
        expressions=[exp.cast(row, "text"), exp.Literal.number(0)],
    )


def _full_match(node: exp.RegexpFullMatch) -> exp.Expression:
    # DuckDB's regexp_full_match(s, p): the whole string matches p.
    pattern = node.expression
    if isinstance(pattern, exp.Literal) and pattern.is_string:
        anchored: exp.Expression = exp.Literal.string(f"^({pattern.this})$")
    else:
        anchored = exp.Paren(
            this=exp.DPipe(
                this=exp.DPipe(this=exp.Literal.string("^("), expression=pattern),
                expression=exp.Literal.string(")$"),
            )
        )
    return exp.RegexpLike(this=node.this, expression=anchored)


def _regexp_extract_pg(node: exp.RegexpExtract) -> exp.Expression:
    # PostgreSQL has regexp_match (an array, NULL without a match): the session's function
    # gives DuckDB's meaning (see PG_SESSION_FUNCTIONS).
    group = node.args.get("group")
    if group is None or group.name == "0":
        raise UntranslatableError("regexp_extract of the whole match, in postgres SQL")
    args = [node.this, node.expression, group]
    call = exp.Anonymous(this="cp_regexp_extract", expressions=args)
    return exp.Dot(this=exp.to_identifier("pg_temp"), expression=call)


def _same(name: str) -> Callable[[list[exp.Expression]], exp.Expression]:
    return lambda args: exp.Anonymous(this=name, expressions=args)


#: DuckDB functions sqlglot passes by name, mapped where the target has the same meaning:
#: ``hash`` (any 64-bit hash of the values: only used to find candidate duplicates, whose
#: values are then compared), ``timezone(zone, timestamp)`` (a local time read in a zone),
#: ``regexp_full_match``. A function missing here for a dialect is refused.
_FUNCTIONS: dict[str, dict[str, Callable[[list[exp.Expression]], exp.Expression]]] = {
    "postgres": {
        "hash": _hash_pg,
        "timezone": _same("timezone"),
    },
    "snowflake": {"hash": _same("HASH")},
    "databricks": {"hash": _same("xxhash64")},
}


def _unix_seconds_bq(node: exp.TimeToUnix) -> exp.Expression:
    # DuckDB's epoch(ts): seconds, with their fraction (sqlglot writes TIME_TO_UNIX).
    micros = exp.Anonymous(this="UNIX_MICROS", expressions=[node.this])
    return exp.Div(this=micros, expression=exp.Literal.number("1000000.0"))


def _map_functions(tree: exp.Expr, dialect: str) -> exp.Expr:
    mapped = _FUNCTIONS.get(dialect, {})
    for node in list(tree.find_all(exp.Anonymous)):
        name = node.name.lower()
        if name not in mapped:
            raise UntranslatableError(
                f"{name}() has no counterpart of the same meaning in {dialect} SQL"
            )
        node.replace(mapped[name](list(node.expressions)))
    for full in list(tree.find_all(exp.RegexpFullMatch)):
        full.replace(_full_match(full))
    if dialect == "postgres":
        for extract in list(tree.find_all(exp.RegexpExtract)):
            extract.replace(_regexp_extract_pg(extract))
    if dialect == "bigquery":
        for epoch in list(tree.find_all(exp.TimeToUnix)):
            epoch.replace(_unix_seconds_bq(epoch))
    if dialect in ("snowflake", "redshift"):
        for search in list(tree.find_all(exp.RegexpLike)):
            search.replace(_search_ignoring_case(search, dialect))
    return tree


def _search_ignoring_case(node: exp.RegexpLike, dialect: str) -> exp.Expression:
    pattern = node.expression
    if not (isinstance(pattern, exp.Literal) and pattern.is_string):
        raise UntranslatableError(f"a regular expression held in a column, in {dialect} SQL")
    text, flags = pattern.this, ""
    if text.startswith("(?i)"):
        text, flags = text[4:], "i"
    if "(?" in text:
        raise UntranslatableError(f"the regular expression {pattern.this!r} in {dialect} SQL")
    if dialect == "redshift":
        kind = exp.RegexpILike if flags else exp.RegexpLike
        return kind(this=node.this, expression=exp.Literal.string(text))
    # Snowflake's REGEXP_LIKE matches whole strings: find the pattern anywhere instead.
    args = [node.this, exp.Literal.string(text), *map(exp.Literal.number, (1, 1, 0))]
    found = exp.Anonymous(this="REGEXP_INSTR", expressions=[*args, exp.Literal.string(flags)])
    return exp.GT(this=found, expression=exp.Literal.number(0))


def _map_try_casts(tree: exp.Expr, dialect: str) -> exp.Expr:
    for node in list(tree.find_all(exp.TryCast)):
        if dialect in _TRY_CAST_OK:
            continue
        target = node.to.sql("duckdb").upper()
        if dialect != "postgres" or target not in _PG_TRY:
            raise UntranslatableError(
                f"TRY_CAST(... AS {target}) would become a CAST that fails in {dialect} SQL"
            )
        name = _PG_TRY[target][0]
        call = exp.Anonymous(this=name, expressions=[exp.cast(node.this, "text")])
        node.replace(exp.Dot(this=exp.to_identifier("pg_temp"), expression=call))
    return tree


def _alias_subqueries(tree: exp.Expr) -> exp.Expr:
    names = (f"_q{i}" for i in itertools.count())
    for node in list(tree.find_all(exp.Subquery)):
        if isinstance(node.parent, (exp.From, exp.Join)) and not node.alias:
            node.set("alias", exp.TableAlias(this=exp.to_identifier(next(names))))
    return tree


@functools.lru_cache(maxsize=512)
def transpile(sql: str, dialect: str, *, pretty: bool = False) -> str:
    """Write a query of the engine's one SQL source (DuckDB's dialect) in another dialect.

    Parameters
    ----------
    sql : str
        One query in DuckDB's dialect, such as :func:`campaign_perf.engine.rules.records_sql`.
    dialect : str
        A sqlglot dialect: ``"postgres"``, or one of :data:`WAREHOUSES`.
    pretty : bool, default False
        Indent the query (for reading and for the reviewed snapshots).

    Returns
    -------
    str
        The same query in ``dialect``.

    Raises
    ------
    UntranslatableError
        A function or cast has no translation of the same meaning (see the module's notes);
        ``sqlglot.errors.UnsupportedError`` where sqlglot itself cannot express a construct.
    """
    tree = sqlglot.parse_one(sql, read="duckdb")
    tree = _map_functions(tree, dialect)
    tree = _map_try_casts(tree, dialect)
    tree = tree.transform(transforms.eliminate_window_clause)
    if dialect == "postgres":
        tree = _alias_subqueries(tree)
    return tree.sql(
        dialect=dialect,
        unsupported_level=sqlglot.ErrorLevel.RAISE,
        identify=dialect == "postgres",
        pretty=pretty,
    )
