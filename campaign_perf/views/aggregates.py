"""The per-send-day aggregates the charts read, besides the report cube.

Each aggregate counts the report's opens and counted clicks by campaign, email and the
records' send day, and by one more dimension: the hours since the send (``hours``), the
weekday and hour of the open in the report's zone (``clock``), or the page a click went to
(``links``). A record has one send day, so every count is additive: summing the rows of
any set of send days, campaigns and emails gives the numbers of that slice. The charts of
a report sum the report's own rows; the shared HTML report embeds the rows of every send
day and sums them in the reader's browser for the frame and filters the reader chooses.

No lead ids, addresses, timestamps or query strings survive: people appear only as counts.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit, urlunsplit

import pandas as pd

from campaign_perf.engine.queries import ACTIVITY_KINDS
from campaign_perf.timeframes import TimeFrame

if TYPE_CHECKING:
    from campaign_perf.report.core import ReportCore

__all__ = ["KEYS", "clock", "hours_since_send", "link_page", "links"]

#: The columns every aggregate is keyed by, before its own dimension.
KEYS: list[str] = ["campaign_id", "email_id", "send_day"]


def _empty(kind: str) -> pd.DataFrame:
    dims, counts = ACTIVITY_KINDS[kind]
    return pd.DataFrame(
        {
            "campaign_id": pd.Series(dtype="str"),
            "email_id": pd.Series(dtype="str"),
            "send_day": pd.Series(dtype="datetime64[us]"),
            **{d: pd.Series(dtype="str" if d in ("link", "lead_id") else "int64") for d in dims},
            **{c: pd.Series(dtype="int64") for c in counts},
        }
    )


def _in_data(rep: ReportCore) -> ReportCore | None:
    """``rep`` with the sides of its frame that lie beyond the log's days left open (the
    same events, and no date arithmetic near year 1 or 9999); None when the frame holds
    none of the log's days."""
    lo, hi = rep.log.time_range
    frame = rep.frame
    if lo is None or hi is None or (frame.first is None and frame.last is None):
        return rep
    # a day of the log in any zone lies within a day of its UTC day
    lo_day, hi_day = lo.date() - dt.timedelta(days=1), hi.date() + dt.timedelta(days=1)
    first = None if frame.first is None or frame.first <= lo_day else frame.first
    last = None if frame.last is None or frame.last >= hi_day else frame.last
    if (first is not None and first > hi_day) or (last is not None and last < lo_day):
        return None
    if (first, last) == (frame.first, frame.last):
        return rep
    return rep.with_time_frame(TimeFrame(start=first, end=last))


def _activity(rep: ReportCore, kind: str, hours: int = 72) -> pd.DataFrame:
    """The report's opens and counted clicks by ``kind`` (:meth:`Report.activity`: summed
    by the engine, kept by it for the other charts of the report)."""
    source = _in_data(rep)
    if source is None:
        return _empty(kind)
    return source.activity(kind, hours=hours)


def hours_since_send(rep: ReportCore, hours: int = 72) -> pd.DataFrame:
    """Opens and clicks by whole hours since the record's first send.

    Parameters
    ----------
    rep : Report
        The report.
    hours : int, default 72
        Hours ``0 .. hours - 1`` each have a bin; ``hours`` holds everything later and
        ``-1`` what came before the send.

    Returns
    -------
    pandas.DataFrame
        :data:`KEYS`, ``bin``, ``opens`` and ``clicks`` (events), ``opened`` and
        ``clicked`` (records, at their first open and first counted click).
    """
    return _activity(rep, "hours", hours)


def clock(rep: ReportCore) -> pd.DataFrame:
    """Opens by the weekday (Monday = 0) and hour of the open in the report's zone.

    Returns
    -------
    pandas.DataFrame
        :data:`KEYS`, ``weekday``, ``hour``, ``opens``.
    """
    return _activity(rep, "clock")


#: What stands for a masked segment of a link's path.
MASK = "…"

_PERSONAL_SEGMENT = re.compile(
    r"@"  # an address
    r"|\d{6,}"  # a long run of digits: an id
    r"|^[0-9a-fA-F-]{16,}$"  # hex: a hash, a UUID
    r"|^(?=[^/]*\d)(?=[^/]*[A-Z])(?=[^/]*[a-z])[A-Za-z0-9+=_-]{16,}$"  # base64: a token
    r"|^[A-Za-z0-9+_-]{16,}={1,2}$"  # padded base64
)


def _page_path(path: str) -> str:
    """A path with ``;params`` dropped and each personal-looking segment masked."""
    segments = [s.split(";", 1)[0] for s in path.split("/")]
    return "/".join(MASK if _PERSONAL_SEGMENT.search(unquote(s)) else s for s in segments)


def link_page(link: str) -> str:
    """The page of a link, with nothing in it that could name a person.

    A link is reduced to its scheme, host and path: the query string, fragment, user name
    and ``;params`` (``;jsessionid=…``) are dropped, and a path segment that looks
    personal is replaced by "…": one with an ``@`` (an address, also percent-encoded), a
    run of six or more digits (an id), 16 or more hex digits (a hash, a UUID) or a
    base64-like token of 16 or more characters. A link with a scheme but no host
    (``mailto:``, ``tel:``) is its scheme alone: all ``mailto:`` links are one entry.
    This is the one rule of the links chart, in Python and in the shared HTML report.

    Examples
    --------
    >>> link_page("https://ann@x.com/u/ann%40x.com/p;jsessionid=1?uid=7#top")
    'https://x.com/u/…/p'
    >>> link_page("mailto:ann@x.com")
    'mailto'
    """
    cut = link.split("#", 1)[0].split("?", 1)[0]  # also for links that are not URLs
    try:
        parts = urlsplit(cut)
    except ValueError:  # a malformed host, such as "https://[x"
        return _page_path(cut)
    if parts.scheme and not parts.netloc and not cut[len(parts.scheme) + 1 :].startswith("/"):
        return parts.scheme.lower()  # mailto:, tel:, sms:
    if parts.scheme and parts.netloc:
        netloc = parts.netloc.rpartition("@")[2]
        return urlunsplit(parts._replace(netloc=netloc, path=_page_path(parts.path)))
    return _page_path(cut)


def links(rep: ReportCore, full_urls: bool = False) -> pd.DataFrame:
    """Counted clicks and the records that clicked, by link.

    Parameters
    ----------
    rep : Report
        The report.
    full_urls : bool, default False
        Keep each link as it is; by default a link is its page (:func:`link_page`): query
        strings, fragments, user names and parts of paths often carry personal tokens.

    Returns
    -------
    pandas.DataFrame
        :data:`KEYS`, ``link`` ("(no link)" when the click has none), ``clicks`` (events)
        and ``people`` (records: one per campaign, email and person).
    """
    clicks = _activity(rep, "clicks")
    link = clicks["link"].fillna("(no link)")
    if not full_urls:
        link = link.map({x: link_page(x) for x in link.unique()})
    clicks = clicks.assign(link=link)
    by = [*KEYS, "link"]
    out = clicks.groupby(by, sort=True).agg(clicks=("clicks", "sum"), people=("lead_id", "nunique"))
    return out.reset_index().astype({"clicks": "int64", "people": "int64"})
