"""Lead attributes in a shared report: groups too small to share fold into one, and an
attribute that identifies people is refused.

A report grouped by a lead attribute has a row per value; grouped by an address, a name or
an id it has a row per person. The notebook is private and shows them all; a shared report
(:func:`~campaign_perf.views.html.report.to_html`) holds no group of fewer than
``min_group_size`` people: such groups fold into one "Other" group, and the file says so.
An attribute whose values mostly belong to one person each, or that shows an address, is
refused, for grouping and for filtering alike. The recipient domain folds the same way (a
domain of fewer than ``min_group_size`` recipients would single a small company out) but is
never refused: a domain is an aggregate. So do the values of a grouping by where emails
were read (client, OS, device, country; RULES.md section 9): a value shows when at least
``min_group_size`` people opened with it in one email (the people of one email are
distinct; across emails the file cannot tell one person from two, so this is the safe side).

People are counted among the records the file holds: every send day of the report, after
its filters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from campaign_perf.errors import ReportError
from campaign_perf.report.groups import RECIPIENT_DOMAIN

if TYPE_CHECKING:
    from campaign_perf.report.core import ReportCore

__all__ = ["DEFAULT_MIN_GROUP_SIZE", "Folds", "lead_folds", "read_where"]

#: The fewest people a group of a lead attribute shows in a shared report.
DEFAULT_MIN_GROUP_SIZE = 5

_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_UNKNOWN = "(unknown)"  # a lead without the attribute, as the cube says it


@dataclass(frozen=True)
class Folds:
    """The values of each grouped lead attribute that a shared report shows; the others
    fold into the "Other" group.

    Attributes
    ----------
    min_group_size : int
        The fewest people a group shows.
    kept : dict
        Per lead attribute (or recipient domain, client, OS, device, country) of the
        grouping, the values of groups of ``min_group_size`` people or more (any other
        value folds, also one not counted: the safe side).
    """

    min_group_size: int
    kept: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The name of the folded group."""
        return f"Other (groups under {self.min_group_size} people)"

    @property
    def note(self) -> str:
        """What the file says about the folding."""
        return (
            f"Grouped by a lead attribute, the recipient domain or where emails were read: "
            f"groups of fewer than {self.min_group_size} people are folded into "
            f"“{self.label}”."
        )

    def apply(self, cube: pd.DataFrame) -> pd.DataFrame:
        """``cube`` (rows of :meth:`ReportCore.cube` or of its ``engagement_cube``) with
        the folded values of the columns it has renamed."""
        out = cube.copy(deep=False)
        for attr, values in self.kept.items():
            if attr in out.columns:
                out[attr] = out[attr].where(out[attr].isin(values), self.label)
        return out

    @property
    def folding(self) -> bool:
        """Whether the report is grouped by a lead attribute (so groups may fold)."""
        return bool(self.kept)


def _check_size(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ReportError(f"min_group_size must be a whole number of at least 1, not {value!r}")
    return value


def people(wide: ReportCore, attrs: list[str]) -> pd.DataFrame:
    """The people of the report's records counted by their attributes (as the cube's text):
    the attributes, then ``people``; lead filters applied.

    Counted by the engine (the people are never fetched) unless a campaign or email filter
    or a time frame narrows the records: then from :meth:`ReportCore.records`.
    """
    f = wide.filters
    narrowed = f.campaigns or f.programs or f.emails or f.campaign_status
    everything = wide.basis == "sent" and wide.frame.first is None and wide.frame.last is None
    if everything and not narrowed:
        out = wide.log.engine.people(wide.rule_params, tuple(attrs))
    else:
        out = _counted(wide, attrs)
    for attr, values in f.leads:
        out = out[out[attr].isin({str(v) for v in values})]
    return out.reset_index(drop=True)


def _counted(wide: ReportCore, attrs: list[str]) -> pd.DataFrame:
    """:func:`people` from the report's records, in Python."""
    leads = pd.Index(wide.records()["lead_id"].unique())
    table = wide.log.leads.drop_duplicates("lead_id").set_index("lead_id")
    lead_attrs = [a for a in attrs if a != RECIPIENT_DOMAIN]
    out = table.reindex(leads)[lead_attrs]
    each = {a: [_UNKNOWN if pd.isna(v) else str(v) for v in out[a].tolist()] for a in lead_attrs}
    if RECIPIENT_DOMAIN in attrs:  # the cube's rule (recipient_domain_sql), in Python
        each[RECIPIENT_DOMAIN] = [
            d.strip().lower()
            if "@" in str(i) and (d := str(i).rsplit("@", 1)[1]).strip()
            else _UNKNOWN
            for i in leads
        ]
    frame = pd.DataFrame(each, columns=attrs)
    return frame.groupby(attrs, sort=True).size().rename("people").reset_index()


def _refuse_identifying(attr: str, counts: pd.Series, shown: list[str]) -> None:
    """Refuse ``attr`` when most people have a value of their own (``counts``: the people
    of each value), or a value ``shown`` in the file is an address."""
    own, everyone = int((counts == 1).sum()), int(counts.sum())
    why = None
    if everyone and own / everyone > 0.5:
        why = f"{own:,} of {everyone:,} people have a value of their own"
    elif any(_ADDRESS.fullmatch(v.strip()) for v in shown):
        why = "its values are email addresses"
    if why:
        raise ReportError(
            f"lead attribute {attr!r} identifies people ({why}): a shared report cannot "
            "group or filter by it"
        )


def read_where(wide: ReportCore, dim: str, min_group_size: int) -> frozenset[str]:
    """The values of a grouping by where emails were read (``client``, ``os``, ``device``,
    ``country``) that a shared report shows: those at least ``min_group_size`` people
    opened with in one email, with machine opens counted and excluded alike (the file
    holds both settings' counts).

    Parameters
    ----------
    wide : Report
        The report over every send day the file holds.
    dim : str
        One of the groupings of RULES.md section 9.
    min_group_size : int
        The fewest people a value shows.

    Returns
    -------
    frozenset of str
    """
    kept: frozenset[str] | None = None
    for setting in ("count", "exclude"):  # the file holds both: the smaller decides
        cube = wide.by(dim).with_machine_opens(setting).engagement_cube(all_days=True)
        per_email = cube.groupby(["campaign_id", "email_id", dim], sort=False)["opened"].sum()
        most = per_email.groupby(level=dim).max()
        shown = frozenset(str(v) for v in most.index[most >= min_group_size])
        kept = shown if kept is None else kept & shown
    assert kept is not None
    return kept


def lead_folds(wide: ReportCore, min_group_size: int = DEFAULT_MIN_GROUP_SIZE) -> Folds:
    """Check the report's lead attributes for sharing, and the groups that fold.

    Parameters
    ----------
    wide : Report
        The report over every send day the file holds.
    min_group_size : int, default 5
        The fewest people a group of a lead attribute shows.

    Returns
    -------
    Folds

    Raises
    ------
    ReportError
        For an attribute grouped or filtered by that identifies people, or a lead filter
        that selects fewer than ``min_group_size`` people.
    """
    size = _check_size(min_group_size)
    kept = {dim: read_where(wide, dim, size) for dim in wide.engagement_dims}
    grouped = list(wide.record_groups)
    filtered = wide.filters.lead_attrs()
    attrs = list(dict.fromkeys([*grouped, *filtered]))
    if not attrs:
        return Folds(size, kept)
    counted = people(wide, attrs)
    for attr in grouped:
        counts = counted.groupby(attr)["people"].sum()
        kept[attr] = frozenset(counts.index[counts >= size])
        if attr != RECIPIENT_DOMAIN:
            _refuse_identifying(attr, counts, sorted(kept[attr]))
    everyone = int(counted["people"].sum())
    for attr, chosen in wide.filters.leads:
        _refuse_identifying(attr, counted.groupby(attr)["people"].sum(), list(chosen))
        if everyone < size:
            raise ReportError(
                f"the filter on lead attribute {attr!r} selects {everyone:,} people: a "
                f"shared report shows no group of fewer than {size} people (min_group_size)"
            )
    return Folds(size, kept)
