"""Dimension tables: the names and attributes of campaigns, emails and leads.

Names come, in order of precedence, from the tables the user gives, from the tables a
native source fills, and from names carried inline on the events. Every campaign and email
of the events gets a row; one without a name is shown by its id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from campaign_perf.engine.sql import quote_ident
from campaign_perf.errors import LoadError, SchemaError
from campaign_perf.schema import CANONICAL_COLUMNS, FLAG_COLUMNS
from campaign_perf.sources import SourceData

__all__ = ["Dimensions", "inline_names_table", "load_dimensions", "read_table"]

CAMPAIGN_COLUMNS = ("campaign_id", "campaign_name", "program", "status")
EMAIL_COLUMNS = ("email_id", "email_name", "subject", "html")


@dataclass(frozen=True)
class Dimensions:
    """The campaigns, emails and leads tables of an event log."""

    campaigns: pd.DataFrame
    emails: pd.DataFrame
    leads: pd.DataFrame

    @property
    def lead_attributes(self) -> list[str]:
        """The lead attributes that reports can group and filter by."""
        return [c for c in self.leads.columns if c != "lead_id"]


def read_table(table: str | Path | pd.DataFrame, what: str, key: str) -> pd.DataFrame:
    """Read a dimension table from a DataFrame or a CSV / Parquet / JSON file.

    Parameters
    ----------
    table : path or DataFrame
        The table.
    what : str
        Its role, for error messages ("campaigns", "emails", "leads").
    key : str
        The id column it must have.

    Returns
    -------
    pandas.DataFrame
        The table with the key as text and no duplicate keys (the last row wins).
    """
    if isinstance(table, pd.DataFrame):
        df, label = table.copy(), f"the {what} table"
    else:
        path = Path(table)
        label = str(path)
        if not path.exists():
            raise LoadError(f"{label}: no such file ({what} table)")
        if path.stat().st_size == 0:
            raise LoadError(f"{label}: the file is empty ({what} table)")
        suffix = path.suffix.lower()
        try:
            if suffix in (".parquet", ".pq"):
                df = pd.read_parquet(path)
            elif suffix in (".json", ".jsonl", ".ndjson"):
                df = pd.read_json(path, lines=suffix != ".json", dtype=False)
            else:
                df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        except Exception as exc:
            raise LoadError(f"{label}: cannot be read as a {what} table: {exc}") from exc
    if key not in df.columns:
        raise SchemaError(
            f"{label}: missing required column {key}; found: {', '.join(map(str, df.columns))}"
        )
    ids = df[key]
    if pd.api.types.is_float_dtype(ids) and ids.dropna().mod(1).eq(0).all():
        ids = ids.astype("Int64")  # 101.0 (an id column with gaps) -> "101", as on the events
    df[key] = ids.astype("str").str.strip()
    df = df[df[key].notna() & df[key].ne("") & df[key].ne("nan")]
    if "html" in df.columns and not isinstance(table, pd.DataFrame):
        rows = (df.index.to_numpy() + 1).tolist()  # the index is the 0-based data row
        cells = zip(df["html"], rows, strict=True)
        df["html"] = [_maybe_file(v, Path(table), row) for v, row in cells]
    return df.drop_duplicates(key, keep="last").reset_index(drop=True)


def _maybe_file(value: Any, table: Path, row: int) -> Any:
    """An html cell that names an .html file is replaced by the file's content.

    Only files inside the emails table's own folder are read: an absolute path, or one
    that leads out of the folder (``..``, a symbolic link pointing elsewhere), raises
    :class:`LoadError` naming the table, the row (1-based, the header not counted) and the
    value. A name of a file that does not exist in the folder is kept as it is (text).
    """
    if not (isinstance(value, str) and value.strip().lower().endswith((".html", ".htm"))):
        return value
    name = value.strip()
    base = table.parent.resolve()
    try:
        path = (base / name).resolve()
        inside = not Path(name).is_absolute() and path.is_relative_to(base)
    except (OSError, RuntimeError):  # a symbolic link loop
        inside = False
    if not inside:
        raise LoadError(
            f"{table}, row {row}: html {name!r} is not a file in the emails table's folder "
            f"({base}); only files there are read, so that a report never embeds other files"
        )
    if path.is_file():
        return path.read_text(encoding="utf-8", errors="replace")
    return value


def _merge(base: pd.DataFrame, extra: pd.DataFrame | None, key: str) -> pd.DataFrame:
    """Fill the gaps of ``base`` from ``extra`` (``base`` wins where both have a value)."""
    if extra is None or extra.empty:
        return base
    extra = extra.copy()
    extra[key] = extra[key].astype("str")
    merged = base.set_index(key).combine_first(extra.drop_duplicates(key).set_index(key))
    return merged.reset_index()


def load_dimensions(
    con: duckdb.DuckDBPyConnection,
    *,
    campaigns: Any = None,
    emails: Any = None,
    leads: Any = None,
    native: Sequence[SourceData] = (),
    inline_names: bool = True,
    ids_from: str = "events",
) -> Dimensions:
    """Gather the dimension tables of a loaded event log (see the module docstring).

    The leads table is also stored in the engine as ``leads`` for joins. With
    ``inline_names=False`` (no input carried names on its events) only the ids are read,
    from ``ids_from`` (any table or view with ``campaign_id`` and ``email_id``: the loader
    passes its per-record aggregates, far fewer rows than the events).
    """
    if inline_names:
        inline_c = con.execute(
            "SELECT campaign_id, "
            "max_by(campaign_name, timestamp) FILTER (WHERE campaign_name IS NOT NULL) "
            "AS campaign_name, "
            "max_by(program, timestamp) FILTER (WHERE program IS NOT NULL) AS program "
            "FROM events GROUP BY campaign_id ORDER BY campaign_id"
        ).df()
        inline_e = con.execute(
            "SELECT email_id, "
            "max_by(email_name, timestamp) FILTER (WHERE email_name IS NOT NULL) AS email_name "
            "FROM events GROUP BY email_id ORDER BY email_id"
        ).df()
    else:
        inline_c = con.execute(
            "SELECT DISTINCT campaign_id, NULL::VARCHAR AS campaign_name, "
            f"NULL::VARCHAR AS program FROM {ids_from} ORDER BY campaign_id"
        ).df()
        inline_e = con.execute(
            "SELECT DISTINCT email_id, NULL::VARCHAR AS email_name "
            f"FROM {ids_from} ORDER BY email_id"
        ).df()
    c = pd.DataFrame({k: pd.Series(dtype="str") for k in CAMPAIGN_COLUMNS})
    e = pd.DataFrame({k: pd.Series(dtype="str") for k in EMAIL_COLUMNS})
    ld = pd.DataFrame({"lead_id": pd.Series(dtype="str")})
    if campaigns is not None:
        c = _merge(read_table(campaigns, "campaigns", "campaign_id"), c, "campaign_id")
    if emails is not None:
        e = _merge(read_table(emails, "emails", "email_id"), e, "email_id")
    if leads is not None:
        ld = read_table(leads, "leads", "lead_id")
    for data in native:
        c = _merge(c, data.campaigns, "campaign_id")
        e = _merge(e, data.emails, "email_id")
        if leads is None:
            ld = _merge(ld, data.leads, "lead_id")
    # A given table may lack optional columns (a campaigns table without status, ...).
    c = c.assign(**{k: None for k in CAMPAIGN_COLUMNS if k not in c.columns})
    e = e.assign(**{k: None for k in EMAIL_COLUMNS if k not in e.columns})
    c = _merge(c, inline_c, "campaign_id")
    e = _merge(e, inline_e, "email_id")
    c["campaign_name"] = c["campaign_name"].fillna(c["campaign_id"])
    c["program"] = c["program"].fillna("(no program)")
    status = c["status"].astype("object").fillna("active")  # all-missing reads as float
    c["status"] = status.astype("str").str.strip().str.lower()
    e["email_name"] = e["email_name"].fillna(e["email_id"])
    c = c.astype({"campaign_id": "str", "campaign_name": "str", "program": "str"})
    e = e.astype({"email_id": "str", "email_name": "str"})
    c = c.sort_values("campaign_id", ignore_index=True)
    e = e.sort_values("email_id", ignore_index=True)
    ld = ld.reset_index(drop=True)
    con.register("_leads_df", ld)
    con.execute("CREATE OR REPLACE TABLE leads AS SELECT * FROM _leads_df")
    con.unregister("_leads_df")
    return Dimensions(campaigns=c, emails=e, leads=ld)


def inline_names_table(con: duckdb.DuckDBPyConnection, pairs: pd.DataFrame) -> None:
    """Put the names carried on the events in a tiny embedded ``events`` table.

    For a log whose events live elsewhere (Spark, a database). :func:`load_dimensions`
    takes a campaign's (an email's) latest non-missing name from the events, and lists
    every campaign and email of them.
    ``pairs`` holds, per campaign and email, each name's latest value and its time; a row
    per pair and one per name and pair give the embedded engine the same answers.
    """
    parts = [pairs[["campaign_id", "email_id"]]]  # every campaign and email, named or not
    for c in ("campaign_name", "program", "email_name"):
        part = pairs[["campaign_id", "email_id", c, f"{c}_at"]].rename(columns={f"{c}_at": "ts"})
        parts.append(part[part[c].notna()])
    names = pd.concat(parts, ignore_index=True)
    names = names.reindex(columns=["campaign_id", "email_id", "ts", *CANONICAL_COLUMNS[5:]])
    names = names.astype({c: "object" for c in names.columns if c != "ts"})
    names["ts"] = pd.to_datetime(names["ts"], utc=True)
    con.register("_names_df", names)
    select = {
        c: f"CAST({quote_ident(c)} AS VARCHAR)" if c in names.columns else "NULL"
        for c in CANONICAL_COLUMNS
    }
    select["timestamp"] = "ts"
    for flag in FLAG_COLUMNS:
        select[flag] = "false"
    select["event_type"] = "'sent'"
    con.execute(
        "CREATE TABLE events AS SELECT CAST(0 AS BIGINT) AS _seq, "
        + ", ".join(f"{select[c]} AS {quote_ident(c)}" for c in CANONICAL_COLUMNS)
        + " FROM _names_df"
    )
    con.unregister("_names_df")
