"""The Report: an immutable set of choices over an event log that returns tables.

Every ``with_*``/``by``/``where`` method returns a new Report; nothing is recomputed that
the change does not need: a new time frame, filter, column set or grouping reslices the
cached cube (milliseconds), and only new rule settings (as-of, bots, basis) rebuild records.
The first table of a rule setting is summed by the embedded engine without the cube (see
``_summed``); the cube is built when a second frame or a view needs it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Self

import numpy as np
import pandas as pd

from campaign_perf.botlist import BotList, BotListLike, bot_list
from campaign_perf.engine.queries import ACTIVITY_KINDS, Bounds
from campaign_perf.engine.rules import (
    DEFAULT_UNSUBSCRIBE_LINK_PATTERN,
    MACHINE_OPENS,
    PENDING_DAYS,
    MachineOpens,
    RuleParams,
)
from campaign_perf.errors import ReportError, TimeFrameError
from campaign_perf.load.eventlog import EventLog
from campaign_perf.metrics import (
    DEFAULT_COLUMNS,
    METRICS,
    Metric,
    compute_metrics,
    custom_counts,
    get_metric,
)
from campaign_perf.report.groups import (
    DATE_COLUMNS,
    ENGAGEMENT_COUNTS,
    ENGAGEMENT_GROUPS,
    ENGAGEMENT_NOTE,
    GROUP_ALIASES,
    GROUPS,
    RECIPIENT_DOMAIN,
    SHARE,
    SHARE_OF_OPENED,
    Filters,
    lead_groupings,
)
from campaign_perf.report.rows import as_text, table_rows
from campaign_perf.schema import BOT_REASONS
from campaign_perf.timeframes import DateRange, TimeFrame, check_tz, parse_week_start, today_in

__all__ = ["Basis", "ReportCore"]

Basis = Literal["sent", "activity"]


def _tuple(value: str | Iterable[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


@dataclass(frozen=True, eq=False)
class ReportCore:
    """Campaign email performance over an event log.

    Parameters
    ----------
    log : EventLog
        The events (see :func:`campaign_perf.load_events`).
    time_frame : str or TimeFrame, default "all time"
        A preset ("past 30 days", "last month", ...), a custom range
        ("2026-01-01..2026-01-31", "..2026-01-31", "2026-01-01..") or a TimeFrame.
    tz : str, default "UTC"
        The report's IANA time zone: days, weeks and months are calendar days there.
    today : date, str or None
        The day relative frames count from; default the current date in ``tz``.
        ``"as_of"`` takes the date of ``as_of`` (handy for historical data).
    as_of : timestamp or str, optional
        The reference time: later events are ignored and Pending turns to Aborted 3 days
        after a send. Default: the latest event of the log. A naive value is read in ``tz``.
    basis : {"sent", "activity"}, default "sent"
        "sent" (Marketo's Sent Date): records first sent in the frame, with all their
        events; "activity" (Date of Activity): only events inside the frame count.
    exclude_bots : bool, default False
        Remove opens and clicks flagged as bots.
    proximity_seconds : int, optional
        0 to 3: opens and clicks of a record this close to one another are flagged as bots
        (removed with ``exclude_bots=True``).
    week_start : str or int, default "monday"
        The first day of a week, for "this week", "last week" and weekly grouping.
    unsubscribe_link_pattern : str
        Regular expression (case-insensitive) of links whose clicks are not counted.
    columns : sequence of str, optional
        Metric ids to show, in order (default :data:`~campaign_perf.metrics.DEFAULT_COLUMNS`).
    group_by : sequence of str, default ("campaign_email",)
        Groups: ``campaign_email``, ``program``, ``campaign``, ``email``, ``day``, ``week``,
        ``month``, or a lead attribute.
    machine_opens : {"count", "exclude"}, default "count"
        Opens fetched by a privacy proxy (Apple Mail Privacy Protection): counted as opens
        (Marketo's behaviour), or removed before counting like excluded bots.
    bot_list : path, list of str, mapping or BotList, optional
        User-agent patterns and IP networks (see :func:`campaign_perf.bot_list`): matching
        opens and clicks are bots (removed with ``exclude_bots=True``).

    Examples
    --------
    >>> import campaign_perf as cp
    >>> log = cp.load_events("sample_data/events.parquet",
    ...                      campaigns="sample_data/campaigns.csv")  # doctest: +SKIP
    >>> rep = cp.Report(log, time_frame="past 30 days", tz="Europe/Stockholm",
    ...                 today="as_of")  # doctest: +SKIP
    >>> rep.by("program").with_columns(["sent", "opened_pct"]).table()  # doctest: +SKIP
    """

    log: EventLog
    time_frame: TimeFrame
    tz: str
    today: dt.date
    as_of: pd.Timestamp
    basis: Basis
    exclude_bots: bool
    proximity_seconds: int | None
    week_start: int
    unsubscribe_link_pattern: str
    columns: tuple[str, ...]
    group_by: tuple[str, ...]
    filters: Filters
    machine_opens: MachineOpens
    bot_list: BotList | None

    def __init__(
        self,
        log: EventLog,
        time_frame: TimeFrame | str | None = "all time",
        tz: str = "UTC",
        today: dt.date | str | None = None,
        as_of: pd.Timestamp | str | None = None,
        basis: Basis = "sent",
        exclude_bots: bool = False,
        proximity_seconds: int | None = None,
        week_start: int | str = 0,
        unsubscribe_link_pattern: str = DEFAULT_UNSUBSCRIBE_LINK_PATTERN,
        columns: Sequence[str] | None = None,
        group_by: Sequence[str] | str = ("campaign_email",),
        filters: Filters | None = None,
        machine_opens: MachineOpens = "count",
        bot_list: BotListLike | None = None,
    ) -> None:
        if not isinstance(log, EventLog):
            raise ReportError(
                f"Report needs an EventLog (from cp.load_events), not {type(log).__name__}"
            )
        object.__setattr__(self, "log", log)
        self._settle(
            time_frame=time_frame,
            tz=tz,
            today=today,
            as_of=as_of,
            basis=basis,
            exclude_bots=exclude_bots,
            proximity_seconds=proximity_seconds,
            week_start=week_start,
            unsubscribe_link_pattern=unsubscribe_link_pattern,
            columns=columns,
            group_by=group_by,
            filters=Filters() if filters is None else filters,
            machine_opens=machine_opens,
            bot_list=bot_list,
        )

    def _settle(self, **raw: Any) -> None:
        """Clean the settings given, in the order they depend on one another, and set them.

        The one place where settings are checked: the constructor passes all of them,
        :meth:`_replace` only those that change (the others are clean already).
        """
        unknown = raw.keys() - {f.name for f in dataclasses.fields(self)} - {"log"}
        if unknown:
            raise ReportError(f"unknown report setting(s): {', '.join(sorted(unknown))}")
        clean: dict[str, Any] = {}
        if "tz" in raw:
            clean["tz"] = check_tz(raw["tz"])
        if "time_frame" in raw:
            clean["time_frame"] = TimeFrame.parse(raw["time_frame"])
        if "week_start" in raw:
            clean["week_start"] = parse_week_start(raw["week_start"])
        if "basis" in raw:
            if raw["basis"] not in ("sent", "activity"):
                raise ReportError(f"basis must be 'sent' or 'activity', not {raw['basis']!r}")
            clean["basis"] = raw["basis"]
        tz = clean.get("tz") or self.tz
        if "as_of" in raw:
            clean["as_of"] = self._resolve_as_of(raw["as_of"], tz)
        if "today" in raw:
            clean["today"] = self._resolve_today(raw["today"], tz, clean.get("as_of"))
        if "exclude_bots" in raw:
            if not isinstance(raw["exclude_bots"], bool | np.bool_):
                raise ReportError(
                    f"exclude_bots must be True or False, not {raw['exclude_bots']!r}"
                )
            clean["exclude_bots"] = bool(raw["exclude_bots"])
        if "proximity_seconds" in raw:
            s = raw["proximity_seconds"]
            if s is not None:
                if isinstance(s, bool) or not isinstance(s, int | np.integer) or not 0 <= s <= 3:
                    raise ReportError(
                        f"proximity_seconds must be a whole number from 0 to 3, not {s!r}"
                    )
                s = int(s)
                if not clean.get("exclude_bots", getattr(self, "exclude_bots", False)):
                    warnings.warn(
                        "proximity_seconds flags bot activity; it is removed only with "
                        "exclude_bots=True",
                        UserWarning,
                        stacklevel=4,
                    )
            clean["proximity_seconds"] = s
        if "machine_opens" in raw:
            if raw["machine_opens"] not in MACHINE_OPENS:
                raise ReportError(
                    f"machine_opens must be 'count' or 'exclude', not {raw['machine_opens']!r}"
                )
            clean["machine_opens"] = raw["machine_opens"]
        if "bot_list" in raw:
            clean["bot_list"] = bot_list(raw["bot_list"])
        if "unsubscribe_link_pattern" in raw:
            clean["unsubscribe_link_pattern"] = str(raw["unsubscribe_link_pattern"])
        if "columns" in raw:
            cols = DEFAULT_COLUMNS if raw["columns"] is None else _tuple(raw["columns"])
            for c in cols:
                get_metric(c, METRICS)
            if not cols:
                raise ReportError("choose at least one column")
            clean["columns"] = cols
        if "group_by" in raw:
            clean["group_by"] = self._check_groups(_tuple(raw["group_by"]))
        if "filters" in raw:
            for attr in raw["filters"].lead_attrs():
                self._check_lead_attr(attr)
            clean["filters"] = raw["filters"]
        for name, value in clean.items():
            object.__setattr__(self, name, value)

    # -- resolving settings -----------------------------------------------------------
    def _resolve_as_of(self, value: Any, tz: str) -> pd.Timestamp:
        if value is None:
            last = self.log.time_range[1]
            return last if last is not None else pd.Timestamp.now(tz="UTC")
        try:
            ts = pd.Timestamp(value)
        except (ValueError, TypeError) as exc:
            raise ReportError(f"as_of {value!r} is not a timestamp: {exc}") from None
        if ts.tzinfo is None:
            ts = ts.tz_localize(tz, nonexistent="shift_forward", ambiguous=True)
        return ts.tz_convert("UTC")

    def _resolve_today(self, value: Any, tz: str, as_of: pd.Timestamp | None) -> dt.date:
        if value is None:
            return today_in(tz)
        if isinstance(value, str) and value.strip().lower().replace("-", "_") == "as_of":
            return (self.as_of if as_of is None else as_of).tz_convert(tz).date()
        if isinstance(value, dt.datetime | pd.Timestamp):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise ReportError(
                f"today must be a date (YYYY-MM-DD) or 'as_of', not {value!r}"
            ) from None

    def _check_lead_attr(self, attr: str) -> None:
        attrs = self.log.dims.lead_attributes
        if attr not in attrs:
            known = ", ".join(attrs) if attrs else "none: load a leads table with leads="
            raise ReportError(f"unknown lead attribute {attr!r}; lead attributes: {known}")

    def _check_groups(self, groups: tuple[str, ...]) -> tuple[str, ...]:
        out = []
        for g in groups or ("campaign_email",):
            name = GROUP_ALIASES.get(g.strip().lower(), g.strip().lower())
            if name in GROUPS:
                out.append(name)
            elif g in self.log.dims.lead_attributes:
                out.append(g)
            else:
                attrs = lead_groupings(self.log.dims.leads)
                raise ReportError(
                    f"unknown group {g!r}; group by one of {', '.join(GROUPS)}"
                    + (f" or a lead attribute ({', '.join(attrs)})" if attrs else "")
                )
        return tuple(dict.fromkeys(out))

    # -- derived values ---------------------------------------------------------------
    @property
    def frame(self) -> DateRange:
        """The time frame as days in the report's zone (inclusive; None for an open side)."""
        return self.time_frame.resolve(self.today, self.week_start)

    @property
    def settled_through(self) -> dt.date:
        """The last day (in the report's zone) whose sends are all at least Pending's three
        days before as-of: a later send's outcome may still change (it is *still settling*).
        """
        cut = self.as_of - pd.Timedelta(days=PENDING_DAYS)
        return cut.tz_convert(self.tz).date() - dt.timedelta(days=1)

    @property
    def rule_params(self) -> RuleParams:
        """The settings the counting rules run with.

        A log without a machine open (none flagged by its source, none with the proxy's
        signature) counts the same whether they are excluded or not: its rules run with
        them counted either way, so that both settings share every query and result.
        """
        frame = self.frame.bounds_utc(self.tz) if self.basis == "activity" else None
        machine_opens = self.machine_opens if self.log.summary().machine_opens else "count"
        return RuleParams(
            as_of=self.as_of,
            exclude_bots=self.exclude_bots,
            proximity_seconds=self.proximity_seconds,
            unsubscribe_link_pattern=self.unsubscribe_link_pattern,
            frame=frame,
            extra_counts=custom_counts(),
            machine_opens=machine_opens,
            bot_list=self.bot_list,
        )

    @property
    def count_columns(self) -> tuple[str, ...]:
        """The additive counts of the cube: the built-ins, then the custom counts."""
        return self.rule_params.count_columns

    @property
    def metrics(self) -> list[Metric]:
        """The metrics of the report's columns."""
        return [METRICS[c] for c in self.columns]

    @property
    def table_metrics(self) -> list[Metric]:
        """The value columns of :meth:`table`, as metrics (their labels and formats): the
        report's metrics, and in a grouping by where emails were read ``share_of_opened``."""
        return [*self.metrics, *([SHARE] if self.engagement_dims else [])]

    @property
    def description(self) -> str:
        """One line saying what the report shows."""
        basis = "sent date" if self.basis == "sent" else "date of activity"
        bots = " · bots excluded" if self.exclude_bots else ""
        machines = " · machine opens excluded" if self.machine_opens == "exclude" else ""
        return (
            f"{self.time_frame} ({self.frame}) · {self.tz} · by {basis} · "
            f"as of {self.as_of:%Y-%m-%d %H:%M} UTC{bots}{machines}"
        )

    # -- changing settings ------------------------------------------------------------
    def _replace(self, **changes: Any) -> Self:
        """A copy with some settings changed; only those are checked again."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new._settle(**changes)
        return new

    def with_time_frame(self, time_frame: TimeFrame | str | None) -> Self:
        """A copy over another time frame."""
        return self._replace(time_frame=time_frame)

    def with_tz(self, tz: str) -> Self:
        """A copy in another time zone (``today`` and ``as_of`` keep their values)."""
        return self._replace(tz=tz)

    def with_basis(self, basis: Basis) -> Self:
        """A copy on the "sent" or the "activity" basis."""
        return self._replace(basis=basis)

    def with_columns(self, columns: Sequence[str]) -> Self:
        """A copy with these metric columns, in this order."""
        return self._replace(columns=tuple(columns))

    def with_bots(self, exclude_bots: bool = True, proximity_seconds: int | None = None) -> Self:
        """A copy with other bot filters."""
        return self._replace(exclude_bots=exclude_bots, proximity_seconds=proximity_seconds)

    def with_machine_opens(self, machine_opens: MachineOpens) -> Self:
        """A copy that counts (``"count"``) or excludes (``"exclude"``) machine opens."""
        return self._replace(machine_opens=machine_opens)

    def with_bot_list(self, bot_list: BotListLike | None) -> Self:
        """A copy with another bot list (None: none)."""
        return self._replace(bot_list=bot_list)

    def with_as_of(self, as_of: pd.Timestamp | str | None) -> Self:
        """A copy with another reference time."""
        return self._replace(as_of=as_of)

    def with_today(self, today: dt.date | str | None) -> Self:
        """A copy whose relative time frames count from another day."""
        return self._replace(today=today)

    def by(self, *groups: str) -> Self:
        """A copy grouped by these groups (see :data:`GROUPS`) or lead attributes."""
        flat: list[str] = []
        for g in groups:
            flat.extend(_tuple(g))
        return self._replace(group_by=tuple(flat))

    def where(
        self,
        *,
        campaigns: str | Iterable[str] | None = None,
        programs: str | Iterable[str] | None = None,
        emails: str | Iterable[str] | None = None,
        campaign_status: str | Iterable[str] | None = None,
        leads: Mapping[str, str | Iterable[str]] | None = None,
    ) -> Self:
        """A copy that keeps only some records (arguments not given keep their filter).

        Parameters
        ----------
        campaigns, emails : str or list of str
            Ids or names.
        programs : str or list of str
            Program names.
        campaign_status : {"active", "archived"} or a list of them
        leads : mapping
            Lead attribute -> accepted values, e.g. ``{"country": ["SE", "NO"]}``.
        """
        f = self.filters
        status = _tuple(campaign_status)
        known = {"active", "archived", *self.log.campaigns["status"].dropna()}
        for s in status:
            if s not in known:
                raise ReportError(
                    f"campaign_status must be one of {', '.join(sorted(known))}, not {s!r}"
                )
        new = Filters(
            campaigns=_tuple(campaigns) if campaigns is not None else f.campaigns,
            programs=_tuple(programs) if programs is not None else f.programs,
            emails=_tuple(emails) if emails is not None else f.emails,
            campaign_status=status if campaign_status is not None else f.campaign_status,
            leads=tuple((k, _tuple(v)) for k, v in leads.items()) if leads is not None else f.leads,
        )
        return self._replace(filters=new)

    # -- computing --------------------------------------------------------------------
    def _lead_dims(self) -> tuple[str, ...]:
        attrs = list(self.record_groups)
        attrs += [a for a in self.filters.lead_attrs() if a not in attrs]
        return tuple(sorted(attrs))

    def cube(self, *, all_days: bool = False) -> pd.DataFrame:
        """The cube rows of the report, with names joined and the filters applied.

        Parameters
        ----------
        all_days : bool, default False
            Keep every send day, not only the frame's (sent basis): the data an
            interactive view needs to move the frame without Python.

        Returns
        -------
        pandas.DataFrame
            One row per campaign, email, send day (and lead attributes in use), with
            ``campaign_name, program, status, email_name`` and the counts.
        """
        # Charts, table, totals and subtotals of one report all ask for the same cube slice:
        # the engine keeps it (a Report is immutable, so its settings are the key).
        params, attrs = self.rule_params, self._lead_dims()
        key = ("cube", params, self.tz, attrs, self.filters, all_days,
               None if all_days else (self.basis, self.frame))  # fmt: skip

        def named() -> pd.DataFrame:
            return self._named(self._engine_cube(params, attrs))

        def make() -> pd.DataFrame:
            # Named once per cube: a reslice to another frame only picks rows.
            c = self.log.engine.memo(("named cube", params, self.tz, attrs), named)
            if not all_days:
                c = c[self._in_frame(c["send_day"])].reset_index(drop=True)
            return self._filter(c)

        return self.log.engine.memo(key, make).copy(deep=False)

    def _summed(self) -> pd.DataFrame:
        """The rows :meth:`table` and :meth:`total` sum, with names joined and the filters
        applied: the counts of each campaign and email over the frame's send days, summed
        by the engine, unless the grouping asks for send days or the per-send-day cube is
        there to slice (it is built for the second frame of the same settings, so that
        moving the frame after that is a slice). An engine whose queries are not cheap (a
        database, Spark) always gives the cube: a reslice never goes back to it."""
        by_date = any(c in DATE_COLUMNS for g in self.group_by for c in GROUPS.get(g, ()))
        if by_date or not self.log.engine.cheap_queries:  # (a database: one query, kept)
            return self.cube()
        engine, params, attrs = self.log.engine, self.rule_params, self._lead_dims()
        bounded = self.basis == "sent" and (self.frame.first, self.frame.last) != (None, None)
        try:
            between = self.frame.bounds_utc(self.tz) if bounded else None
        except TimeFrameError:  # days near year 1 or 9999: the cube's days hold them
            return self.cube()
        key = ("frame sums", params, self.tz, attrs, self.filters, between)
        if bounded and not engine.has(key):
            summed_once = ("a frame summed", params, self.tz, attrs)
            if engine.has(("named cube", params, self.tz, attrs)) or engine.has(summed_once):
                return self.cube()
            engine.memo(summed_once, pd.DataFrame)

        def make() -> pd.DataFrame:
            c = self._engine_cube(params, attrs, days=False, sent_between=between)
            return self._filter(self._named(c))

        return engine.memo(key, make).copy(deep=False)

    def _engine_cube(
        self,
        params: RuleParams,
        attrs: tuple[str, ...],
        *,
        days: bool = True,
        sent_between: Bounds | None = None,
    ) -> pd.DataFrame:
        """The engine's cube (:meth:`Engine.cube`) of these lead attributes.

        Lead attributes that hold one value over all the records (the recipient domain of
        a log whose lead ids are not addresses: ``(unknown)``) split nothing: on an engine
        whose queries are cheap, their cube is the cube without them, with the value. The
        engine counts the people of each value first (a tenth of the cube's time, kept:
        a shared report's groups ask for it anyway).
        """
        engine = self.log.engine
        if attrs and engine.cheap_queries:
            people = engine.people(params, attrs)
            if len(people) == 1:
                c = engine.cube(params, self.tz, (), days=days, sent_between=sent_between)
                c = c.copy(deep=False)
                at = list(c.columns).index(params.count_columns[0])  # where the counts start
                for i, attr in enumerate(attrs):
                    value = pd.Series(people[attr].iloc[0], c.index, dtype="str")
                    c.insert(at + i, attr, value)
                return c
        return engine.cube(params, self.tz, attrs, days=days, sent_between=sent_between)

    def bot_counts(self) -> dict[str, int]:
        """The opens and clicks of the log's records that count as bots, per reason
        (``source``, ``list``, ``proximity``; RULES.md section 9), up to as-of (on the
        activity basis, inside the frame), whether or not ``exclude_bots`` removes them.
        Machine opens are not bots and are not counted here."""
        out = self.log.engine.bots(self.rule_params)
        counts = {str(r): int(n) for r, n in zip(out["reason"], out["n"], strict=True)}
        order = {r: i for i, r in enumerate(BOT_REASONS)}
        return dict(sorted(counts.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))

    @property
    def lead_groups(self) -> tuple[str, ...]:
        """The report's groups that are lead attributes of the log (a lead attribute named
        like a grouping of RULES.md section 9, such as ``country``, is the lead attribute)."""
        attrs = self.log.dims.lead_attributes
        # Every other built-in name ("email") is the built-in grouping.
        return tuple(
            g for g in self.group_by if g not in GROUPS or (g in ENGAGEMENT_GROUPS and g in attrs)
        )

    @property
    def record_groups(self) -> tuple[str, ...]:
        """The report's groups that are attributes of a record in its cube: its lead
        attributes and ``recipient_domain``."""
        return tuple(g for g in self.group_by if g in self.lead_groups or g == RECIPIENT_DOMAIN)

    @property
    def engagement_dims(self) -> tuple[str, ...]:
        """The groups that split engagement by where it happened (client, os, device,
        country; RULES.md section 9), in the report's order."""
        # A lead attribute of the same name ("country") wins: it splits records.
        lead_attrs = self.log.dims.lead_attributes
        return tuple(g for g in self.group_by if g in ENGAGEMENT_GROUPS and g not in lead_attrs)

    @property
    def grouping_note(self) -> str | None:
        """What a table grouped by where emails were read must say under it (else None)."""
        return ENGAGEMENT_NOTE if self.engagement_dims else None

    def engagement_cube(self, *, all_days: bool = False) -> pd.DataFrame:
        """The cube of an engagement grouping: opened, clicked, total opens and clicks by
        campaign, email, send day and the report's engagement groups; every other count is
        missing (NaN): sends are not split by where they were read.

        Parameters
        ----------
        all_days : bool, default False
            Keep every send day, not only the frame's (sent basis).
        """
        dims = self.engagement_dims
        if not dims:
            raise ReportError("engagement_cube needs a grouping by client, os, device or country")
        if self.filters.leads or self._lead_dims():
            raise ReportError(
                "a grouping by client, os, device or country cannot be combined with lead "
                "attributes yet"
            )
        params = self.rule_params
        key = ("engagement", params, self.tz, dims, self.filters, all_days,
               None if all_days else (self.basis, self.frame))  # fmt: skip

        def make() -> pd.DataFrame:
            c = self.log.engine.engagement(params, self.tz, dims)
            if not all_days:
                c = c[self._in_frame(c["send_day"])]
            c = c.assign(**{k: np.nan for k in self.count_columns if k not in ENGAGEMENT_COUNTS})
            return self._filter(self._named(c))

        return self.log.engine.memo(key, make).copy(deep=False)

    def activity(self, kind: str, *, hours: int = 72, all_days: bool = False) -> pd.DataFrame:
        """The report's opens and counted clicks summed by campaign, email, send day and one
        more dimension (what :mod:`campaign_perf.views.aggregates` draws from).

        Parameters
        ----------
        kind : {"hours", "clock", "clicks"}
            By the whole hours since the record's first send (``bin``), by the weekday and
            hour of the open in the report's zone, or by link and person (see
            :func:`~campaign_perf.engine.queries.activity_sql`).
        hours : int, default 72
            (``hours``) The last bin: everything later.
        all_days : bool, default False
            Keep every send day, not only the frame's (sent basis).

        Returns
        -------
        pandas.DataFrame
            ``campaign_id, email_id, send_day``, the kind's dimensions and its counts, of
            the report's records (frame and filters).
        """
        dims, counts = ACTIVITY_KINDS[kind]
        params, attrs, f = self.rule_params, tuple(sorted(self.filters.lead_attrs())), self.filters
        sent = self.basis == "sent" and not all_days
        between = self.frame.bounds_utc(self.tz) if sent else None
        key = ("activity", kind, hours, params, self.tz, attrs, f, between)

        def make() -> pd.DataFrame:
            a = self.log.engine.activity(params, self.tz, kind, between, attrs, hours)
            if not (f.campaigns or f.programs or f.emails or f.campaign_status or f.leads):
                return a
            a = self._filter(self._named(a))
            keys = ["campaign_id", "email_id", "send_day", *dims]
            return a.groupby(keys, sort=True, dropna=False)[list(counts)].sum().reset_index()

        return self.log.engine.memo(key, make).copy(deep=False)

    def _in_frame(self, send_day: pd.Series) -> np.ndarray:
        """Which send days are in the frame (all of them on the activity basis)."""
        mask = np.ones(len(send_day), dtype=bool)
        if self.basis == "sent":
            first, last = self.frame.first, self.frame.last
            if first is not None:
                mask &= (send_day >= pd.Timestamp(first)).to_numpy()
            if last is not None:
                mask &= (send_day <= pd.Timestamp(last)).to_numpy()
        return mask

    def _named(self, c: pd.DataFrame) -> pd.DataFrame:
        """The cube with the names of its campaigns and emails (a left join on the ids).

        The cube holds thousands of rows per campaign and email: each id is looked up once
        (the ids factorized, their names taken from the small dimension tables), not once
        per row as a merge would.
        """
        dims = self.log.dims
        c = c.reset_index(drop=True)
        for key, table, columns in (
            ("campaign_id", dims.campaigns, ["campaign_name", "program", "status"]),
            ("email_id", dims.emails, ["email_name"]),
        ):
            codes, ids = pd.factorize(c[key])
            names = table.drop_duplicates(key).set_index(key)[columns].reindex(ids)
            for col in columns:
                c[col] = names[col].array.take(codes, allow_fill=True)
        return c

    def _with_lead_attrs(self, r: pd.DataFrame) -> pd.DataFrame:
        attrs = list(self.filters.lead_attrs())
        if not attrs:
            return r
        leads = self.log.leads[["lead_id", *attrs]].astype(str)
        r = r.merge(leads, on="lead_id", how="left")
        r[attrs] = r[attrs].fillna("(unknown)")
        return r

    def _filter(self, c: pd.DataFrame) -> pd.DataFrame:
        f = self.filters
        if not (f.campaigns or f.programs or f.emails or f.campaign_status or f.leads):
            return c
        mask = pd.Series(True, index=c.index)
        if f.campaigns:
            mask &= c["campaign_id"].isin(f.campaigns) | c["campaign_name"].isin(f.campaigns)
        if f.programs:
            mask &= c["program"].isin(f.programs)
        if f.emails:
            mask &= c["email_id"].isin(f.emails) | c["email_name"].isin(f.emails)
        if f.campaign_status:
            mask &= c["status"].isin(f.campaign_status)
        for attr, values in f.leads:
            mask &= c[attr].isin(values)
        return c[mask]

    def _group_columns(self, c: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
        keys: list[str] = []
        for g in self.group_by:
            if g == "week":
                # (NaN for a record without a send up to as-of, on the activity basis)
                shift = (c["send_day"].dt.day_of_week - self.week_start) % 7
                c = c.assign(send_week=c["send_day"] - pd.to_timedelta(shift, unit="D"))
            elif g == "month":
                c = c.assign(send_month=c["send_day"].dt.to_period("M").dt.start_time)
            keys.extend(GROUPS.get(g, (g,)))
        return c, keys

    def _with_metrics(self, sums: pd.DataFrame) -> pd.DataFrame:
        return compute_metrics(sums, self.columns)

    def table(self) -> pd.DataFrame:
        """The report: one row per group, the group ids and names, then the metric columns.

        Counts are integers; rates are fractions (0.25 is 25 %), missing (NaN) where the
        denominator is 0. No total rows: see :meth:`total` and :meth:`formatted`.

        Grouped by ``client``, ``os``, ``device`` or ``country`` (RULES.md section 9), the
        table splits engagement only: opened, clicked and the totals of opens and clicks
        under each value, ``share_of_opened`` (opened under the value / opened in total),
        and every send-side metric missing; a person can count under several values (see
        :attr:`grouping_note`). Grouped by ``recipient_domain``, every metric is split.

        Returns
        -------
        pandas.DataFrame
        """
        return self.table_of(self.table_cube())

    def table_cube(self) -> pd.DataFrame:
        """The rows :meth:`table` sums: :meth:`engagement_cube` in a grouping by where
        emails were read, else the counts of each campaign, email and lead group over the
        frame (summed by the engine, or :meth:`cube`)."""
        return self.engagement_cube() if self.engagement_dims else self._summed()

    def table_of(self, cube: pd.DataFrame) -> pd.DataFrame:
        """:meth:`table` summing these rows of :meth:`cube` (or of :meth:`engagement_cube`
        in a grouping by where emails were read; the shared HTML report sums them with its
        small groups folded)."""
        sums, keys = self._sums(cube)
        out = self._table(sums, keys)
        if self.engagement_dims:
            # "opened" need not be a column of the report: its count is in every cube row
            opened = self._summed()["opened"].sum()
            out[SHARE_OF_OPENED] = sums["opened"] / opened if opened else np.nan
        return out

    def _sums(self, cube: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
        """The counts of ``cube`` summed by the report's groups, and the group columns."""
        c, keys = self._group_columns(cube)
        if c.empty:
            cols = [*keys, *self.count_columns]
            return pd.DataFrame({k: pd.Series(dtype="int64") for k in cols}), keys
        # min_count: a count an engagement grouping does not split stays missing
        sums = (
            c.groupby(keys, sort=True, dropna=False)[list(self.count_columns)]
            .sum(min_count=1)
            .reset_index()
        )
        return sums, keys

    def _table(self, sums: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
        out = pd.concat([sums[keys], self._with_metrics(sums)], axis=1)
        for k in keys:
            if k.startswith("send_"):
                out[k] = pd.to_datetime(out[k]).dt.date
        return out.reset_index(drop=True)

    def total(self) -> pd.Series:
        """The metrics over every record of the report (the total row); in a grouping by
        where emails were read also ``share_of_opened`` (1: everyone who opened)."""
        c = self._summed()
        sums = c[list(self.count_columns)].sum().to_frame().T.astype("int64")
        out = self._with_metrics(sums).iloc[0]
        if self.engagement_dims:  # the total's share of opened: every person who opened
            opened = sums["opened"].iloc[0]
            out[SHARE_OF_OPENED] = opened / opened if opened else np.nan
        return out

    def records(self) -> pd.DataFrame:
        """The records behind the report: one row per (campaign, email, lead) with its
        ``first_sent_at``, ``send_day``, status flags and engagement (for drill-down)."""
        r = self.log.engine.records(self.rule_params, self.tz)
        r = self._with_lead_attrs(self._named(r[self._in_frame(r["send_day"])]))
        return self._filter(r).reset_index(drop=True)

    def events(self, event_types: Sequence[str] | None = None) -> pd.DataFrame:
        """The events the report counts, for charts and drill-down.

        The events of the report's records after the rules' filters (as-of, bots, and on
        the activity basis the frame), each with its record's ``first_sent_at``.

        Returns
        -------
        pandas.DataFrame
            ``campaign_id, email_id, lead_id, event_type, timestamp, link, is_bot,
            bot_reason, is_machine_open, unsub_link, first_sent_at, send_day`` and the names.
        """
        types = tuple(event_types) if event_types else None
        params, basis, frame = self.rule_params, self.basis, self.frame
        key = ("events", params, self.tz, basis, frame, self.filters, types)

        def make() -> pd.DataFrame:
            sent_between = frame.bounds_utc(self.tz) if basis == "sent" else None
            e = self.log.engine.events(params, self.tz, sent_between, types)
            e = self._with_lead_attrs(self._named(e[self._in_frame(e["send_day"])]))
            return self._filter(e).reset_index(drop=True)

        return self.log.engine.memo(key, make).copy(deep=False)

    # -- for people ---------------------------------------------------------------------
    def formatted(self, *, subtotals: bool = True, total: bool = True) -> pd.DataFrame:
        """The table as people read it: labels, formatted numbers, campaign subtotals
        (when grouped by campaign × email, for campaigns of several emails) and a total row.

        The rows of :func:`~campaign_perf.report.rows.table_rows` as text (that function
        also says which row is a subtotal or the total).

        Returns
        -------
        pandas.DataFrame
            All cells are strings; the columns are the labels.
        """
        rows = table_rows(self, subtotals=subtotals, total=total)
        return as_text(self, rows).reset_index(drop=True)

    def __repr__(self) -> str:
        return f"<Report {self.description}; by {', '.join(self.group_by)}>"

    def _repr_html_(self) -> str:
        t = self.formatted()
        if t.shape[0] <= 1 and self.total()["sent"] == 0 and self.basis == "sent":
            body = "<p><i>No emails were sent in this time frame.</i></p>"
        else:
            body = t.to_html(index=False, escape=True, border=0, classes="campaign-perf-table")
            if self.grouping_note:
                body += f"<p><i>{html.escape(self.grouping_note)}</i></p>"
        title = f"<b>Campaign Email Performance</b> — {html.escape(self.description)}"
        return f"<div><p>{title}</p>{body}</div>"
