"""Fivetran's Marketo tables -> canonical events and dimensions.

Input: a directory of the tables as CSV (``marketo_activity_send_email_data.csv``, ...), a
dict of table name -> DataFrame, or one activity table (CSV path or DataFrame). A table
is recognised by the part of its name after ``activity_`` (``send_email``,
``email_delivered``, ...; an optional ``_data`` suffix and any prefix such as
``marketo_`` or ``stg_marketo__`` are ignored). Rows are CSV data row numbers within
their table; events carry the table name in ``_table`` and rejected reasons start with
it. Tables neither listed below nor ``activity_*`` are ignored.

=======================  ==================================================================
canonical                Fivetran Marketo
=======================  ==================================================================
event_type               table: activity_send_email -> sent, except rows whose
                         ``action_result`` is skipped / failed (no email went out: skipped
                         as "send email: skipped" / "send email: failed"; empty or
                         succeeded is a send; another value is skipped as
                         "unknown: send email action_result <value>");
                         activity_email_delivered -> delivered; activity_email_bounced ->
                         hard_bounce: Marketo logs hard bounces (categories 1 spam block
                         and 2 invalid address) as Email Bounced and soft ones as
                         activity_email_bounced_soft -> soft_bounce, so a row of
                         email_bounced with ``category`` 3, 4 or 9 (Marketo's soft
                         categories) is a soft_bounce (``subcategory`` and ``details``
                         are not used); activity_open_email -> open; activity_click_email
                         -> click; activity_unsubscribe_email -> unsubscribe. Other
                         ``activity_*`` tables (and a table of unknown name) are mapped
                         row by row from ``activity_type_id`` like the Bulk extract;
                         non-email types are skipped as "activity type <id> (<name>)".
timestamp                ``activity_date`` (naive: UTC, or option ``tz``).
campaign_id              ``campaign_id``, else "(no campaign)".
campaign_name, program   from the campaign table (``name``; ``program_id`` -> ``name`` of
                         the program table).
email_id                 ``email_template_id``, else ``primary_attribute_value_id``, else
                         "(no email)".
email_name               ``primary_attribute_value``, else the email template's ``name``.
lead_id                  ``lead_id``.
link                     ``link`` (click only).
is_bot                   ``is_bot_activity`` when the column exists (true / "TRUE"), else
                         False.
user_agent, os, device   ``user_agent``, ``platform``, ``device`` ("unknown" reads as
                         missing; else ``is_mobile_device`` true -> mobile) of opens and
                         clicks; the client is parsed from the user agent.
event_id                 ``id`` (the Marketo activity id).
=======================  ==================================================================

Dimensions: ``campaigns`` (campaign_id, campaign_name, program_id, program, status) from
``campaign``; ``emails`` (email_id, email_name, subject) from ``email_template_history``,
the row with the latest ``updated_at`` per id; ``leads`` (lead_id and every other column)
from ``lead``. Deleted rows (``_fivetran_deleted``) are kept: past activities point to them.

The same mapping as one SQL query (:func:`pushdown_sql`, DuckDB's dialect, which the
database loader transpiles), so that the tables are read where they lie. It maps the tables
named above; an other ``activity_*`` table (mapped row by row from ``activity_type_id``)
has no SQL here: :func:`pushdown_sql` returns None and the tables are read as files are.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from campaign_perf.clients import DEVICE_NAMES, NOT_KNOWN
from campaign_perf.errors import SchemaError

from . import _marketo
from ._common import (
    FALSE_WORDS,
    NO_CAMPAIGN,
    NO_EMAIL,
    Payload,
    SourceData,
    conform_events,
    csv_line,
    load,
    rejected_frame,
    split_timestamps,
    str_frame,
    truthy,
    unreadable_reason,
)

NAME = "fivetran_marketo"

_ACTIVITY = re.compile(r"activity_([a-z0-9_]+?)(?:_data)?$")
_TABLE_EVENTS = {
    "send_email": "sent",
    "email_delivered": "delivered",
    "email_bounced": "hard_bounce",
    "email_bounced_soft": "soft_bounce",
    "open_email": "open",
    "click_email": "click",
    "unsubscribe_email": "unsubscribe",
}
_DIMENSIONS = {
    "campaign": re.compile(r"(?:^|_)campaign(?:_data)?$"),
    "program": re.compile(r"(?:^|_)program(?:_data)?$"),
    "email_template_history": re.compile(r"(?:^|_)email_template_history(?:_data)?$"),
    "lead": re.compile(r"(?:^|_)lead(?:_data)?$"),
}
_ACTIVITY_COLUMNS = {"activity_date", "lead_id"}


def _tables(payload: Payload) -> dict[str, pd.DataFrame]:
    if payload.kind == "tables":
        return payload.tables
    if payload.kind == "csv" and payload.frame is not None:
        name = Path(payload.name).name.removesuffix(".gz").rsplit(".", 1)[0]
        return {name: payload.frame}
    return {}


def _role(name: str) -> str | None:
    """Return ``activity`` or a dimension name for a table name (None: not used)."""
    name = name.lower()
    if _ACTIVITY.search(name):
        return "activity"
    return next((role for role, rx in _DIMENSIONS.items() if rx.search(name)), None)


def detect(obj: Any) -> bool:
    """Tell whether ``obj`` holds Fivetran Marketo tables.

    Parameters
    ----------
    obj : path (directory or CSV), DataFrame, dict of DataFrames or Payload

    Returns
    -------
    bool
        True when a table has Fivetran's activity columns ``activity_date`` and
        ``lead_id``.
    """
    tables = _tables(load(obj))
    return any(set(frame.columns) >= _ACTIVITY_COLUMNS for frame in tables.values())


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    """Return a column with empty cells as None (all None when the column is absent)."""
    if name not in frame:
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    return frame[name].astype(object).where(frame[name] != "", None)


def _table_kind(name: str) -> str | None:
    """The event type of every row of a table, by its name (None: another table)."""
    match = _ACTIVITY.search(name.lower())
    return _TABLE_EVENTS.get(match.group(1)) if match else None


def _event_types(name: str, frame: pd.DataFrame, skipped: Counter, rejected: list) -> pd.Series:
    """Return the canonical event type of each row (None: skipped or rejected)."""
    kind = _table_kind(name)
    if kind is not None:
        types = pd.Series(kind, index=frame.index, dtype=object)
    elif "activity_type_id" in frame:
        ids = frame["activity_type_id"].map(_marketo.type_id)
        for pos in np.flatnonzero(ids.isna().to_numpy()).tolist():
            reason = f"table {name}: activity_type_id {frame['activity_type_id'].iat[pos]!r}"
            rejected.append((pos + 1, reason + " is not an integer", csv_line(frame.iloc[pos])))
        types = ids.map(lambda t: None if pd.isna(t) else _marketo.event_type(int(t)))
        not_email = ids[types.isna() & ids.notna()].astype(int)
        for type_id, count in Counter(not_email).most_common():
            skipped[_marketo.skipped_kind(type_id)] += count
    else:
        skipped[f"table {name}"] += len(frame)
        return pd.Series(None, index=frame.index, dtype=object)
    if "category" in frame:
        soft = (types == "hard_bounce") & frame["category"].isin(_marketo.SOFT_BOUNCE_CATEGORIES)
        types[soft] = "soft_bounce"
    if "action_result" in frame:
        result = frame["action_result"].str.strip().str.lower()
        sends = types == "sent"
        not_sent = sends & result.isin(_marketo.NOT_SENT_RESULTS)
        other = sends & ~result.isin({"", "succeeded", *_marketo.NOT_SENT_RESULTS})
        for value, count in result[not_sent].value_counts().items():
            skipped[f"send email: {value}"] += int(count)
        for value, count in result[other].value_counts().items():
            skipped[f"unknown: send email action_result {value}"] += int(count)
        types[not_sent | other] = None
    return types


def _where_read(frame: pd.DataFrame, types: pd.Series) -> dict[str, pd.Series]:
    """Where the opens and clicks of a table were read (Marketo's attributes, as columns)."""
    engaged = types.isin(("open", "click"))
    names = {
        "Device": "device",
        "Platform": "platform",
        "Is Mobile Device": "is_mobile_device",
        "User Agent": "user_agent",
    }
    cols = {a: _column(frame, c) for a, c in names.items()}
    rows = [
        _marketo.where_read_marketo(dict(zip(cols, values, strict=True))) if engaged_row else {}
        for engaged_row, *values in zip(engaged, *cols.values(), strict=True)
    ]
    return {
        c: pd.Series([r.get(c) for r in rows], index=frame.index, dtype=object)
        for c in ("user_agent", "ip", "client", "os", "device", "country")
    }


def _activity_events(
    name: str, frame: pd.DataFrame, tz: str | None, skipped: Counter, rejected: list
) -> pd.DataFrame:
    missing = sorted(_ACTIVITY_COLUMNS - set(frame.columns))
    if missing:
        raise SchemaError(f"Fivetran Marketo table {name} lacks columns {missing}")
    types = _event_types(name, frame, skipped, rejected)
    email = _column(frame, "email_template_id").fillna(_column(frame, "primary_attribute_value_id"))
    events = pd.DataFrame(
        {
            "event_type": types,
            "timestamp": _column(frame, "activity_date"),
            "campaign_id": _column(frame, "campaign_id").fillna(NO_CAMPAIGN),
            "email_id": email.fillna(NO_EMAIL),
            "lead_id": _column(frame, "lead_id"),
            "email_name": _column(frame, "primary_attribute_value"),
            "link": _column(frame, "link").where(types == "click", None),
            "is_bot": _column(frame, "is_bot_activity").map(truthy).astype(bool),
            "event_id": _column(frame, "id"),
            **_where_read(frame, types),
            "_row": np.arange(1, len(frame) + 1),
            "_table": name,
        }
    )
    keep = types.notna().to_numpy()
    positions = np.flatnonzero(keep)
    events, bad = split_timestamps(events[keep], "iso", tz)
    for pos in np.flatnonzero(bad.to_numpy()):
        source_pos = positions[pos]
        value = frame["activity_date"].iat[source_pos]
        reason = f"table {name}: {unreadable_reason(value, tz)}"
        rejected.append((int(source_pos) + 1, reason, csv_line(frame.iloc[source_pos])))
    return events[~bad.to_numpy()]


def _text_frame(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({new: _column(frame, old) for old, new in columns.items()}).astype("str")


def _campaigns(tables: dict[str, pd.DataFrame]) -> pd.DataFrame | None:
    campaigns = tables.get("campaign")
    if campaigns is None:
        return None
    out = _text_frame(
        campaigns, {"id": "campaign_id", "name": "campaign_name", "program_id": "program_id"}
    )
    programs = tables.get("program")
    if programs is not None:
        names = dict(zip(programs["id"], _column(programs, "name"), strict=True))
        out["program"] = out["program_id"].map(names).astype("str")
    else:
        out["program"] = pd.Series(None, index=out.index, dtype="str")
    out["status"] = _column(campaigns, "status").astype("str")
    return out.drop_duplicates("campaign_id", keep="last").reset_index(drop=True)


def _emails(tables: dict[str, pd.DataFrame]) -> pd.DataFrame | None:
    history = tables.get("email_template_history")
    if history is None:
        return None
    out = _text_frame(history, {"id": "email_id", "name": "email_name", "subject": "subject"})
    out["_updated"] = split_timestamps(
        pd.DataFrame({"timestamp": _column(history, "updated_at")}), "iso", None
    )[0]["timestamp"]
    out = out.sort_values("_updated", kind="stable", na_position="first")
    out = out.drop_duplicates("email_id", keep="last").drop(columns="_updated")
    return out.sort_index().reset_index(drop=True)


def _leads(tables: dict[str, pd.DataFrame]) -> pd.DataFrame | None:
    leads = tables.get("lead")
    if leads is None:
        return None
    columns = {"id": "lead_id", **{c: c for c in leads.columns if c != "id"}}
    return _text_frame(leads, columns)


def read(obj: Any, *, tz: str | None = None) -> SourceData:
    """Read Fivetran Marketo tables.

    Parameters
    ----------
    obj : path (directory or CSV), DataFrame, dict of DataFrames or Payload
    tz : str, optional
        Zone of the naive ``activity_date`` values (default UTC).

    Returns
    -------
    SourceData

    Raises
    ------
    SchemaError
        No activity table, or an activity table without ``activity_date`` / ``lead_id``.
    """
    payload = load(obj)
    skipped: Counter[str] = Counter()
    rejected: list[tuple[int, str, str]] = []
    dims: dict[str, pd.DataFrame] = {}
    parts = []
    for name, frame in _tables(payload).items():
        role = _role(name)
        if role == "activity" or (role is None and set(frame.columns) >= _ACTIVITY_COLUMNS):
            parts.append(_activity_events(name, frame, tz, skipped, rejected))
        elif role is not None:
            dims.setdefault(role, frame)
    if not parts:
        raise SchemaError(f"{payload.name}: no Marketo activity table among {sorted(dims)}")
    events = pd.concat(parts, ignore_index=True)
    campaigns, emails = _campaigns(dims), _emails(dims)
    if campaigns is not None:
        by_id = campaigns.set_index("campaign_id")
        events["campaign_name"] = events["campaign_id"].map(by_id["campaign_name"])
        events["program"] = events["campaign_id"].map(by_id["program"])
    if emails is not None:
        names = events["email_id"].map(emails.set_index("email_id")["email_name"])
        events["email_name"] = events["email_name"].fillna(names)
    tables_order = {name: i for i, name in enumerate(_tables(payload))}
    events = conform_events(events)
    events = events.sort_values(
        ["_table", "_row"], key=lambda s: s.map(tables_order) if s.name == "_table" else s
    ).reset_index(drop=True)
    return SourceData(
        source=NAME,
        events=events,
        campaigns=campaigns,
        emails=emails,
        leads=_leads(dims),
        skipped=dict(skipped),
        rejected=rejected_frame(rejected),
    )


# ---------------------------------------------------------------------------------
# The same mapping in SQL, for tables read where they lie (a database)
# ---------------------------------------------------------------------------------
class PushdownSQL(NamedTuple):
    """The mapping of a database's Fivetran tables as SQL (see :func:`pushdown_sql`).

    Attributes
    ----------
    events : str
        The canonical events: ``_row`` (the table's number times ``seq_base``, plus the
        row's number in its table), the canonical columns, NULL where :func:`read` leaves
        them empty; rows skipped by :func:`read` are left out.
    activities : list of str
        The activity tables, in the order of their numbers.
    skipped : str or None
        The send results that are no send: ``_input`` (the table's number), ``result``
        (trimmed, lower case), ``n`` and ``first`` (the first row holding it).
    dimensions : dict of str to str
        By role (``campaign``, ``program``, ``email_template_history``, ``lead``), the
        name of its table.
    """

    events: str
    activities: list[str]
    skipped: str | None
    dimensions: dict[str, str]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _text_sql(column: str, columns: Collection[str], alias: str = "") -> str:
    """A column as text, empty as NULL (as :func:`_column`); NULL when it is absent."""
    if column not in columns:
        return "CAST(NULL AS VARCHAR)"
    return f"NULLIF(CAST({alias}{_q(column)} AS VARCHAR), '')"


def _where_read_sql(kind: str, columns: Collection[str]) -> str:
    """The user agent, OS and device of an open or a click, as :func:`_where_read` reads
    them (:func:`~campaign_perf.sources._marketo.where_read_marketo`); NULL otherwise."""
    if kind not in ("open", "click"):
        return ", ".join(f"CAST(NULL AS VARCHAR) AS {c}" for c in ("user_agent", "os", "device"))
    not_known = ", ".join(_lit(w) for w in sorted(NOT_KNOWN))

    def known_sql(column: str) -> str:
        value = f"trim({_text_sql(column, columns)})"
        return f"CASE WHEN lower({value}) IN ({not_known}) THEN NULL ELSE {value} END"

    names = " ".join(
        f"WHEN {_lit(name)} THEN {_lit(device)}"
        for name, device in sorted(DEVICE_NAMES.items())
        if device != "unknown"
    )
    device = f"CASE lower({known_sql('device')}) {names} END"
    words = ", ".join(_lit(w) for w in FALSE_WORDS)
    mobile = f"coalesce(lower(trim({_text_sql('is_mobile_device', columns)})), '') NOT IN ({words})"
    return (
        f"{_text_sql('user_agent', columns)} AS user_agent, {known_sql('platform')} AS os, "
        f"coalesce({device}, CASE WHEN {mobile} THEN 'mobile' END) AS device"
    )


def _result_sql() -> str:
    return f"lower(trim(coalesce(CAST({_q('action_result')} AS VARCHAR), '')))"


def _activity_sql(name: str, view: str, columns: Collection[str], offset: int) -> str:
    kind = _table_kind(name) or ""
    event_type = _lit(kind)
    if kind == "hard_bounce" and "category" in columns:
        soft = ", ".join(_lit(c) for c in sorted(_marketo.SOFT_BOUNCE_CATEGORIES))
        event_type = (
            f"CASE WHEN CAST({_q('category')} AS VARCHAR) IN ({soft}) "
            f"THEN 'soft_bounce' ELSE {event_type} END"
        )
    if "is_bot_activity" in columns:
        words = ", ".join(_lit(w) for w in FALSE_WORDS)
        is_bot = (
            f"coalesce(lower(trim(CAST({_q('is_bot_activity')} AS VARCHAR))), '') NOT IN ({words})"
        )
    else:
        is_bot = "false"
    where = ""
    if kind == "sent" and "action_result" in columns:
        where = f" WHERE {_result_sql()} IN ('', 'succeeded')"
    email = (
        f"coalesce({_text_sql('email_template_id', columns)}, "
        f"{_text_sql('primary_attribute_value_id', columns)}, {_lit(NO_EMAIL)})"
    )
    link = _text_sql("link", columns) if kind == "click" else "CAST(NULL AS VARCHAR)"
    return (
        f"SELECT {offset} + _row AS _row, {event_type} AS event_type, "
        f"CAST({_q('activity_date')} AS VARCHAR) AS timestamp, "
        f"coalesce({_text_sql('campaign_id', columns)}, {_lit(NO_CAMPAIGN)}) AS campaign_id, "
        f"{email} AS email_id, {_text_sql('lead_id', columns)} AS lead_id, "
        f"{_text_sql('primary_attribute_value', columns)} AS email_name, {link} AS link, "
        f"{is_bot} AS is_bot, {_text_sql('id', columns)} AS event_id, "
        f"{_where_read_sql(kind, columns)} FROM {view}{where}"
    )


def _last_sql(view: str, key: str, columns: Collection[str], select: str, order: str) -> str:
    """The rows of a dimension table, the last of each key (as ``drop_duplicates``)."""
    k = _text_sql(key, columns)
    return (
        f"SELECT * FROM (SELECT {select}, row_number() OVER (PARTITION BY {k} "
        f"ORDER BY {order}_row DESC) AS _k FROM {view}) AS d WHERE _k = 1"
    )


def _campaigns_sql(
    views: Mapping[str, tuple[str, Collection[str]]], dims: Mapping[str, str]
) -> str | None:
    """Campaign id -> campaign name and program name, as :func:`_campaigns`."""
    if "campaign" not in dims:
        return None
    view, cols = views[dims["campaign"]]
    program = "CAST(NULL AS VARCHAR)"
    join = ""
    if "program" in dims:
        p_view, p_cols = views[dims["program"]]
        programs = _last_sql(
            p_view,
            "id",
            p_cols,
            f"CAST({_q('id')} AS VARCHAR) AS program_id, {_text_sql('name', p_cols)} AS program",
            "",
        )
        program = "p.program"
        join = (
            f" LEFT JOIN ({programs}) AS p ON p.program_id = {_text_sql('program_id', cols, 'c.')}"
        )
    select = (
        f"{_text_sql('id', cols, 'c.')} AS campaign_id, "
        f"{_text_sql('name', cols, 'c.')} AS campaign_name, {program} AS program, "
        f"row_number() OVER (PARTITION BY {_text_sql('id', cols, 'c.')} "
        "ORDER BY c._row DESC) AS _k"
    )
    return f"SELECT * FROM (SELECT {select} FROM {view} AS c{join}) AS d WHERE _k = 1"


def _emails_sql(
    views: Mapping[str, tuple[str, Collection[str]]], dims: Mapping[str, str]
) -> str | None:
    """Email id -> the template's latest name, as :func:`_emails`."""
    if "email_template_history" not in dims:
        return None
    view, cols = views[dims["email_template_history"]]
    updated = f"TRY_CAST({_text_sql('updated_at', cols)} AS TIMESTAMPTZ)"
    return _last_sql(
        view,
        "id",
        cols,
        f"{_text_sql('id', cols)} AS email_id, {_text_sql('name', cols)} AS template_name",
        f"{updated} DESC NULLS LAST, ",
    )


def pushdown_sql(
    views: Mapping[str, tuple[str, Collection[str]]], *, seq_base: int
) -> PushdownSQL | None:
    """The mapping of :func:`read` as one SQL query over the tables where they lie.

    Parameters
    ----------
    views : mapping of str to (str, collection of str)
        By each table's name (as for :func:`read`), the SQL name of a relation of its rows,
        numbered in ``_row``, and the table's columns.
    seq_base : int
        The ``_row`` of a table's rows starts at its number times ``seq_base``.

    Returns
    -------
    PushdownSQL or None
        None when a table is mapped row by row from ``activity_type_id`` (an activity table
        of another name), which only :func:`read` does.

    Raises
    ------
    SchemaError
        No activity table, or an activity table without ``activity_date`` / ``lead_id``.
    """
    activities: list[str] = []
    dims: dict[str, str] = {}
    for name, (_, columns) in views.items():
        role = _role(name)
        if role == "activity" or (role is None and set(columns) >= _ACTIVITY_COLUMNS):
            if _table_kind(name) is None:
                return None
            missing = sorted(_ACTIVITY_COLUMNS - set(columns))
            if missing:
                raise SchemaError(f"Fivetran Marketo table {name} lacks columns {missing}")
            activities.append(name)
        elif role is not None:
            dims.setdefault(role, name)
    if not activities:
        raise SchemaError(f"tables: no Marketo activity table among {sorted(dims)}")
    parts = [
        _activity_sql(name, views[name][0], views[name][1], i * seq_base)
        for i, name in enumerate(activities)
    ]
    sql = f"({' UNION ALL '.join(parts)}) AS a"
    campaign_name, program, email_name = (
        "CAST(NULL AS VARCHAR)",
        "CAST(NULL AS VARCHAR)",
        "a.email_name",
    )
    campaigns, emails = _campaigns_sql(views, dims), _emails_sql(views, dims)
    if campaigns is not None:
        sql += f" LEFT JOIN ({campaigns}) AS c ON c.campaign_id = a.campaign_id"
        campaign_name, program = "c.campaign_name", "c.program"
    if emails is not None:
        sql += f" LEFT JOIN ({emails}) AS e ON e.email_id = a.email_id"
        email_name = "coalesce(a.email_name, e.template_name)"
    canonical = ", ".join(
        f"a.{c}" for c in ("event_type", "timestamp", "campaign_id", "email_id", "lead_id")
    )
    events = (
        f"SELECT a._row, {canonical}, {campaign_name} AS campaign_name, {program} AS program, "
        f"{email_name} AS email_name, a.link, a.is_bot, a.event_id, a.user_agent, a.os, "
        f"a.device FROM {sql}"
    )
    sends = [
        (i, name)
        for i, name in enumerate(activities)
        if _table_kind(name) == "sent" and "action_result" in views[name][1]
    ]
    skipped = " UNION ALL ".join(
        f"SELECT {i} AS _input, result, count(*) AS n, min(_row) AS first FROM "
        f"(SELECT {_result_sql()} AS result, _row FROM {views[name][0]}) AS s "
        "WHERE result NOT IN ('', 'succeeded') GROUP BY result"
        for i, name in sends
    )
    return PushdownSQL(events, activities, skipped or None, dims)


def skipped_kinds(found: pd.DataFrame) -> dict[str, int]:
    """The skipped counts of :func:`read` from the rows of :attr:`PushdownSQL.skipped`."""
    out: Counter[str] = Counter()
    found = found.sort_values(["_input", "n", "first"], ascending=[True, False, True])
    for _, rows in found.groupby("_input", sort=True):
        not_sent = rows["result"].isin(_marketo.NOT_SENT_RESULTS)
        for value, n in zip(rows["result"][not_sent], rows["n"][not_sent], strict=True):
            out[f"send email: {value}"] += int(n)
        for value, n in zip(rows["result"][~not_sent], rows["n"][~not_sent], strict=True):
            out[f"unknown: send email action_result {value}"] += int(n)
    return dict(out)


#: The columns of each dimension table that :func:`read_dimensions` reads (None: all).
DIMENSION_COLUMNS: dict[str, tuple[str, ...] | None] = {
    "campaign": ("id", "name", "program_id", "status"),
    "program": ("id", "name"),
    "email_template_history": ("id", "name", "subject", "updated_at"),
    "lead": None,
}


def read_dimensions(tables: Mapping[str, pd.DataFrame]) -> SourceData:
    """The dimensions of :func:`read` from the dimension tables alone, by role.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        By role (a key of :data:`DIMENSION_COLUMNS`), the table.

    Returns
    -------
    SourceData
        No events; ``campaigns``, ``emails`` and ``leads`` as :func:`read` gives them.
    """
    dims = {role: str_frame(frame) for role, frame in tables.items()}
    return SourceData(
        source=NAME,
        events=conform_events(pd.DataFrame({"_row": pd.Series([], dtype="int64")})),
        campaigns=_campaigns(dims),
        emails=_emails(dims),
        leads=_leads(dims),
    )
