"""Statistics of a report: confidence intervals of rates, email against email, period over
period.

Only rates that are proportions (people who did something out of people who could: see
:func:`campaign_perf.metrics.proportion`) get intervals and tests: every built-in ``_pct``
rate, and custom metrics of the form ``count / count``.

Examples
--------
>>> low, high = wilson_interval(30, 200)
>>> round(low, 4), round(high, 4)
(0.1071, 0.2061)
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from statistics import NormalDist
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from campaign_perf.engine.rules import PENDING_DAYS
from campaign_perf.errors import StatsError, TimeFrameError
from campaign_perf.metrics import (
    METRICS,
    Proportion,
    compute_metrics,
    format_value,
    get_metric,
    proportion,
)
from campaign_perf.timeframes import DateRange, TimeFrame

if TYPE_CHECKING:
    from campaign_perf.report.core import ReportCore

__all__ = [
    "MIN_EXPECTED",
    "MIN_TRIALS",
    "compare_emails",
    "compare_periods",
    "critical_z",
    "rate_intervals",
    "settling_days",
    "table_with_ci",
    "two_proportion_test",
    "wilson_interval",
]

#: Below this many trials (e.g. delivered emails) a comparison carries a small-sample warning.
MIN_TRIALS = 30
#: Below this expected count of successes or failures, the normal approximation is rough.
MIN_EXPECTED = 5


_erfc = np.vectorize(math.erfc, otypes=[np.float64])


def critical_z(confidence: float) -> float:
    """The two-sided critical value of the standard normal at ``confidence``
    (1.96 at 0.95): a z-statistic beyond it is significant.

    Examples
    --------
    >>> round(critical_z(0.95), 3)
    1.96
    """
    if not isinstance(confidence, (int, float)) or not 0 < confidence < 1:
        raise StatsError(f"confidence must be between 0 and 1 (e.g. 0.95), not {confidence!r}")
    # The standard library's quantile (Wichura's AS241, to within 1e-15 of scipy's ndtri):
    # a report's headline needs no scipy.special, which imports in 0.2-0.4 s.
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def _level(confidence: float) -> str:
    return f"{confidence * 100:g}%"


def wilson_interval(successes: Any, trials: Any, confidence: float = 0.95) -> tuple[Any, Any]:
    """The Wilson score interval of a proportion (vectorised).

    Parameters
    ----------
    successes, trials : int or array-like
        E.g. clicked and delivered; broadcast against each other.
    confidence : float, default 0.95
        The confidence level.

    Returns
    -------
    (low, high)
        Floats for scalar input, otherwise arrays of the broadcast shape. Missing (NaN)
        where ``trials`` is 0 or the counts are not a proportion (``successes`` negative
        or above ``trials``).

    Examples
    --------
    >>> low, high = wilson_interval([0, 5], [10, 10])
    >>> low.round(4).tolist(), high.round(4).tolist()
    ([0.0, 0.2366], [0.2775, 0.7634])
    """
    z = critical_z(confidence)
    x = np.asarray(successes, dtype="float64")
    n = np.asarray(trials, dtype="float64")
    x, n = np.broadcast_arrays(x, n)
    ok = (n > 0) & (x >= 0) & (x <= n)
    with np.errstate(divide="ignore", invalid="ignore"):
        nn = np.where(ok, n, np.nan)
        p = x / nn
        denom = 1 + z**2 / nn
        center = (p + z**2 / (2 * nn)) / denom
        half = z / denom * np.sqrt(p * (1 - p) / nn + z**2 / (4 * nn**2))
    # Exact ends where the closed form rounds: 0 successes -> 0, all successes -> 1.
    low = np.where(x == 0, 0.0, np.clip(center - half, 0.0, 1.0))
    high = np.where(x == n, 1.0, np.clip(center + half, 0.0, 1.0))
    low, high = np.where(ok, low, np.nan), np.where(ok, high, np.nan)
    if low.ndim == 0:
        return float(low), float(high)
    return low, high


def two_proportion_test(
    successes_a: Any, trials_a: Any, successes_b: Any, trials_b: Any
) -> tuple[Any, Any]:
    """The two-sided two-proportion z-test with a pooled standard error (vectorised).

    ``z = (p_b - p_a) / sqrt(p (1 - p) (1/n_a + 1/n_b))`` where ``p`` is the pooled
    proportion ``(x_a + x_b) / (n_a + n_b)``.

    Parameters
    ----------
    successes_a, trials_a, successes_b, trials_b : int or array-like

    Returns
    -------
    (z, p_value)
        Floats for scalar input, otherwise arrays. Missing where a side has no trials or
        the pooled proportion is 0 or 1 (no variation: nothing to test).

    Examples
    --------
    >>> z, p = two_proportion_test(40, 1000, 60, 1000)
    >>> round(z, 3), round(p, 4)
    (2.052, 0.0402)
    """
    xa, na, xb, nb = np.broadcast_arrays(
        *(np.asarray(v, dtype="float64") for v in (successes_a, trials_a, successes_b, trials_b))
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        na_ = np.where(na > 0, na, np.nan)
        nb_ = np.where(nb > 0, nb, np.nan)
        pooled = (xa + xb) / (na_ + nb_)
        se = np.sqrt(pooled * (1 - pooled) * (1 / na_ + 1 / nb_))
        se = np.where(se > 0, se, np.nan)
        z = (xb / nb_ - xa / na_) / se
    # Two-sided: 2 * sf(|z|) = erfc(|z| / sqrt(2)), with the standard library's erfc
    # (scipy.special imports in 0.2-0.4 s; a report compares a few rates).
    p = _erfc(np.abs(z) / math.sqrt(2))
    if z.ndim == 0:
        return float(z), float(p)
    return z, p


# -- report helpers ------------------------------------------------------------------------
def _proportions(ids: Iterable[str]) -> dict[str, Proportion]:
    out = {}
    for i in ids:
        prop = proportion(i)
        if prop is not None:
            out[i] = prop
    return out


def _successes(sums: pd.DataFrame | pd.Series, prop: Proportion) -> Any:
    return sum(sums[c] for c in prop.numerator)


def _with_counts(rep: ReportCore) -> tuple[pd.DataFrame, list[str]]:
    """The report's table with every count column added, and the table's own columns."""
    extra = [c for c in rep.count_columns if c not in rep.columns]
    t = rep.with_columns([*rep.columns, *extra]).table()
    own = [c for c in t.columns if c not in extra]
    return t, own


def table_with_ci(rep: ReportCore, confidence: float = 0.95) -> pd.DataFrame:
    """The report's table with a Wilson interval after each proportion rate.

    Parameters
    ----------
    rep : Report
        The report.
    confidence : float, default 0.95
        The confidence level.

    Returns
    -------
    pandas.DataFrame
        ``rep.table()`` with ``<rate>_low`` and ``<rate>_high`` right after each rate
        that is a proportion (missing where its denominator is 0).
    """
    critical_z(confidence)
    t, own = _with_counts(rep)
    props = _proportions(rep.columns)
    out: dict[str, pd.Series] = {}
    for c in own:
        out[c] = t[c]
        if c in props:
            low, high = wilson_interval(
                _successes(t, props[c]), t[props[c].denominator], confidence
            )
            out[f"{c}_low"] = pd.Series(low, index=t.index)
            out[f"{c}_high"] = pd.Series(high, index=t.index)
    return pd.DataFrame(out, index=t.index)


def rate_intervals(
    rep: ReportCore, confidence: float = 0.95, *, total: bool = False
) -> pd.DataFrame:
    """The proportion rates of a report with their Wilson intervals, one row per group and
    rate: the data of error bars.

    Parameters
    ----------
    rep : Report
        The report; its proportion rates among its columns are used.
    confidence : float, default 0.95
        The confidence level.
    total : bool, default False
        One row per rate for the whole report instead of one per group.

    Returns
    -------
    pandas.DataFrame
        The group columns (none with ``total=True``), then ``metric, label, value, low,
        high, successes, trials``; ``high - value`` and ``value - low`` are the error bars.
    """
    critical_z(confidence)
    props = _proportions(rep.columns)
    if total:
        c = rep.cube()
        sums = c[list(rep.count_columns)].sum().to_frame().T
        keys: list[str] = []
    else:
        sums, own = _with_counts(rep)
        keys = [k for k in own if k not in rep.columns]
    parts = []
    for mid, prop in props.items():
        x = _successes(sums, prop).astype("float64")
        n = sums[prop.denominator].astype("float64")
        low, high = wilson_interval(x, n, confidence)
        part = sums[keys].copy()
        part["metric"] = mid
        part["label"] = METRICS[mid].label
        part["value"] = (x / n.where(n > 0)).to_numpy()
        part["low"] = low
        part["high"] = high
        part["successes"] = x.astype("int64")
        part["trials"] = n.astype("int64")
        parts.append(part)
    cols = [*keys, "metric", "label", "value", "low", "high", "successes", "trials"]
    if not parts:
        return pd.DataFrame(columns=cols)
    return pd.concat(parts, ignore_index=True)[cols]


# -- email against email -------------------------------------------------------------------
def _match(c: pd.DataFrame, value: str, id_col: str, name_col: str) -> pd.Series:
    return (c[id_col] == value) | (c[name_col] == value)


def _email_name(rep: ReportCore, value: str) -> str:
    e = rep.log.dims.emails
    hit = e[(e["email_id"] == value) | (e["email_name"] == value)]
    if hit.empty or pd.isna(hit["email_name"].iloc[0]):
        return value
    return str(hit["email_name"].iloc[0])


def _known_email(rep: ReportCore, value: str) -> bool:
    e = rep.log.dims.emails
    return bool(
        (e["email_id"] == value).any()
        or (e["email_name"] == value).any()
        or (rep.log.events["email_id"] == value).any()
    )


def _pct(value: float) -> str:
    return format_value(value, "pct")


def _verdict(
    label: str,
    names: tuple[str, str],
    rates: tuple[float, float],
    trials: tuple[int, int],
    p_value: float,
    significant: bool,
    small: bool,
    confidence: float,
    trials_label: str,
) -> str:
    level = _level(confidence)
    (na, nb), (ra, rb), (ta, tb) = names, rates, trials
    for name, t in ((na, ta), (nb, tb)):
        if t == 0:
            return f"not enough data yet: {name} has no {trials_label}"
    if ra == rb:
        return f"no difference: both are {_pct(ra)}"
    hi, lo = ((nb, rb), (na, ra)) if rb > ra else ((na, ra), (nb, rb))
    rates_text = f"{_pct(hi[1])} vs {_pct(lo[1])}"
    if np.isnan(p_value):
        return f"not enough data yet: {hi[0]} {_pct(hi[1])}, {lo[0]} {_pct(lo[1])}"
    if significant:
        return (
            f"{hi[0]}'s {label} is higher ({rates_text}); the difference is significant at "
            f"{level} (p = {p_value:.2g})"
        )
    if small:
        return (
            f"not enough data yet: {hi[0]}'s {label} is higher ({rates_text}), but there are "
            f"too few records to tell at {level} (p = {p_value:.2g})"
        )
    return (
        f"{hi[0]}'s {label} is higher ({rates_text}), but the difference is not significant "
        f"at {level} (p = {p_value:.2g}): it may be chance"
    )


def _warning(names: tuple[str, str], trials: tuple[int, int], successes: tuple[int, int]) -> str:
    reasons = []
    for name, t in zip(names, trials, strict=True):
        if t < MIN_TRIALS:
            reasons.append(f"{name} has {t} records (fewer than {MIN_TRIALS})")
    n = trials[0] + trials[1]
    if n and all(trials):
        pooled = (successes[0] + successes[1]) / n
        expected = min(min(t * pooled, t * (1 - pooled)) for t in trials)
        if expected < MIN_EXPECTED:
            reasons.append(
                f"expected counts below {MIN_EXPECTED} ({expected:.1f}): the test is approximate"
            )
    return "small sample: " + "; ".join(reasons) if reasons else ""


def compare_emails(
    rep: ReportCore,
    a: str,
    b: str,
    *,
    campaign: str | None = None,
    metrics: Sequence[str] | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Champion against challenger: two emails compared on each rate, with a verdict.

    A pooled two-proportion z-test per rate (two-sided). The records are those of the
    report (its time frame and filters); without ``campaign``, every campaign that sent
    an email counts.

    Parameters
    ----------
    rep : Report
        The report.
    a, b : str
        The two emails (ids or names): ``a`` the champion, ``b`` the challenger.
    campaign : str, optional
        Only the records of this campaign (id or name).
    metrics : sequence of str, optional
        Rates to compare; each must be a proportion. Default: the report's proportion
        columns, or every proportion rate if it has none.
    confidence : float, default 0.95
        The level of significance tests (0.95: significant when p < 0.05).

    Returns
    -------
    pandas.DataFrame
        One row per rate: ``metric, label, rate_a, successes_a, n_a, rate_b, successes_b,
        n_b, difference`` (b - a), ``relative_difference`` ((b - a) / a), ``z, p_value,
        significant, verdict`` (in plain words), ``warning`` ("small sample: ..." when a
        side has fewer than :data:`MIN_TRIALS` records or an expected count is below
        :data:`MIN_EXPECTED`; else empty). ``attrs`` hold ``a``, ``b`` (names),
        ``campaign`` and ``confidence``.

    Raises
    ------
    StatsError
        An unknown email or campaign, the same email twice, a rate that is not a
        proportion, or a bad confidence.
    """
    critical_z(confidence)
    if a == b:
        raise StatsError("compare two different emails, not the same one twice")
    c = rep.cube()
    if campaign is not None:
        camps = rep.log.dims.campaigns
        if (
            not (_match(camps, campaign, "campaign_id", "campaign_name").any())
            and not (rep.log.events["campaign_id"] == campaign).any()
        ):
            raise StatsError(f"unknown campaign {campaign!r}")
        c = c[_match(c, campaign, "campaign_id", "campaign_name")]
    for e in (a, b):
        if not _known_email(rep, e):
            raise StatsError(f"unknown email {e!r}")
    if metrics is None:
        ids = [m for m in rep.columns if proportion(m) is not None]
        ids = ids or [m for m in METRICS if proportion(m) is not None]
    else:
        ids = list(metrics)
        for m in ids:
            get_metric(m)
            if proportion(m) is None:
                raise StatsError(
                    f"{m!r} is not a proportion (a count of people over a count of people); "
                    "tests apply to proportions only"
                )
    counts = list(rep.count_columns)
    sums = pd.DataFrame(
        [c[_match(c, e, "email_id", "email_name")][counts].sum() for e in (a, b)],
        index=["a", "b"],
    )
    values = compute_metrics(sums, ids)
    names = (_email_name(rep, a), _email_name(rep, b))
    if names[0] == names[1]:
        names = (a, b)
    rows = []
    for mid in ids:
        prop = proportion(mid)
        assert prop is not None
        x = _successes(sums, prop).astype("int64")
        n = sums[prop.denominator].astype("int64")
        z, p = two_proportion_test(x["a"], n["a"], x["b"], n["b"])
        rates = values[mid].astype(float)
        ra, rb = float(rates["a"]), float(rates["b"])
        significant = bool(p < 1 - confidence)
        warning = _warning(names, (int(n["a"]), int(n["b"])), (int(x["a"]), int(x["b"])))
        rows.append(
            {
                "metric": mid,
                "label": METRICS[mid].label,
                "rate_a": ra,
                "successes_a": int(x["a"]),
                "n_a": int(n["a"]),
                "rate_b": rb,
                "successes_b": int(x["b"]),
                "n_b": int(n["b"]),
                "difference": rb - ra,
                "relative_difference": (rb - ra) / ra if ra else np.nan,
                "z": z,
                "p_value": p,
                "significant": significant,
                "verdict": _verdict(
                    METRICS[mid].label,
                    names,
                    (ra, rb),
                    (int(n["a"]), int(n["b"])),
                    p,
                    significant,
                    bool(warning),
                    confidence,
                    METRICS[prop.denominator].label,
                ),
                "warning": warning,
            }
        )
    out = pd.DataFrame(rows)
    out.attrs.update(a=names[0], b=names[1], campaign=campaign, confidence=confidence)
    return out


# -- period over period ----------------------------------------------------------------------
#: Compare whole frames, or leave the days still settling out (:func:`compare_periods`).
Settling = Literal["exclude", "include"]


def settling_days(rep: ReportCore) -> DateRange | None:
    """The days of the report's frame whose sends are still settling (after
    :attr:`Report.settled_through`), or None.

    Examples
    --------
    >>> import campaign_perf as cp  # doctest: +SKIP
    >>> rep = cp.Report(log, time_frame="past 7 days", as_of="2026-10-31 12:00")  # doctest: +SKIP
    >>> str(settling_days(rep))  # doctest: +SKIP
    '2026-10-28 – 2026-10-31'
    """
    frame, settled = rep.frame, rep.settled_through
    last = frame.last if frame.last is not None else rep.as_of.tz_convert(rep.tz).date()
    first = settled + dt.timedelta(days=1)
    if frame.first is not None:
        first = max(first, frame.first)
    return DateRange(first, last) if first <= last else None


def _change(delta: float, relative: float, fmt: str) -> str:
    if np.isnan(delta):
        return "–"
    if fmt == "pct":
        return f"{delta * 100:+.1f} pts"
    text = f"{delta:+,.0f}" if fmt == "int" else f"{delta:+,.3g}"
    if not np.isnan(relative):
        text += f" ({relative:+.1%})"
    return text


def compare_periods(
    rep: ReportCore,
    *,
    confidence: float = 0.95,
    settling: Settling = "exclude",
    rows: bool = False,
) -> pd.DataFrame:
    """The report's time frame against the previous period (like Email Insights' compare).

    A calendar preset is compared with the calendar period before it: "last month"
    (September) with August, "last week" with the week before, "this quarter" to date
    with the same days of the previous quarter, "today" with yesterday. "past 7 days" is
    compared with the 7 days before, a custom range with as many days before its start
    (:meth:`TimeFrame.previous`). Everything else (zone, basis, filters, as-of) stays.

    Sends less than three days (Pending's 72 hours) before as-of are *still settling*:
    their outcome may change. By default the days after :attr:`Report.settled_through`
    are left out of the comparison, and as many days at the end of the previous period,
    so that a recent send's Pending does not read as a drop in Delivered %.

    Parameters
    ----------
    rep : Report
        The report; its time frame must be closed (a first and a last day).
    confidence : float, default 0.95
        The level of the significance test of proportion rates.
    settling : {"exclude", "include"}, default "exclude"
        Leave the days still settling out of both periods, or compare whole frames.
    rows : bool, default False
        Compare each row of the report (by its grouping: ``rep.by("campaign")``) instead
        of its total: which rows moved the total's change.

    Returns
    -------
    pandas.DataFrame
        One row per column of the report: ``metric, label, current, previous, delta``
        (current - previous), ``relative_delta`` (delta / previous; missing when previous
        is 0 or missing), ``change`` (for people: ``+1.2 pts`` for rates, ``+120 (+5.0%)``
        for counts), ``p_value`` and ``significant`` (two-proportion test; proportions
        only, missing for the rest). ``attrs`` hold ``current_frame`` and
        ``previous_frame`` (DateRange, as compared) and ``settling`` (the days left out,
        or None).

        With ``rows=True``: one row per column and row of the report (a row in one period
        only is there too), its group columns first, and ``contribution``: the part of the
        total's change the row accounts for, which adds up to the total's ``delta`` over
        the rows. For a count it is the row's delta; for a proportion rate it is
        ``share_now * (rate_now - R) - share_before * (rate_before - R)``, with ``share``
        the row's part of the rate's denominator and ``R`` the total's previous rate, so a
        row that grew while below the previous total rate pulls the total down (missing
        for other metrics, and when either period sent nothing). ``significant`` is
        missing where a period has nothing to test.

    Raises
    ------
    TimeFrameError
        The time frame is open ("all time", "until ...", "from ..."), or every day of it
        is still settling (with ``settling="exclude"``).
    """
    critical_z(confidence)
    if settling not in ("exclude", "include"):
        raise StatsError(f"settling must be 'exclude' or 'include', not {settling!r}")
    frame = rep.frame
    if frame.first is None or frame.last is None:
        raise TimeFrameError(
            f"period over period needs a closed time frame; {rep.time_frame} ({frame}) is "
            "open: choose e.g. 'last month', 'past 30 days' or 'YYYY-MM-DD..YYYY-MM-DD'"
        )
    before_frame = rep.time_frame.previous(rep.today, rep.week_start)
    left_out = settling_days(rep) if settling == "exclude" else None
    if left_out is not None:
        assert left_out.first is not None and left_out.last is not None
        if left_out.first <= frame.first:
            raise TimeFrameError(
                f"every send of {frame} is less than {PENDING_DAYS * 24} hours before as-of "
                "(still settling): nothing to compare yet (or compare with settling='include')"
            )
        cut = dt.timedelta(days=left_out.n_days() or 0)
        frame = DateRange(frame.first, frame.last - cut)
        assert before_frame.first is not None and before_frame.last is not None
        last = max(before_frame.last - cut, before_frame.first)
        before_frame = DateRange(before_frame.first, last)
        rep = rep.with_time_frame(TimeFrame.parse(frame))
    before = rep.with_time_frame(TimeFrame.parse(before_frame))
    attrs = {
        "current_frame": frame,
        "previous_frame": before_frame,
        "settling": left_out,
        "confidence": confidence,
    }
    if rows:
        by_row = _row_changes(rep, before, confidence)
        by_row.attrs.update(attrs)
        return by_row
    counts = list(rep.count_columns)
    sums = pd.DataFrame(
        [r.cube()[counts].sum() for r in (rep, before)], index=["current", "previous"]
    ).astype("int64")
    ids = list(rep.columns)
    values = compute_metrics(sums, ids)
    lines = []
    for mid in ids:
        m = METRICS[mid]
        rates = values[mid].astype(float)
        now, then = float(rates["current"]), float(rates["previous"])
        delta = now - then
        relative = delta / then if then and not np.isnan(then) else np.nan
        prop = proportion(mid)
        p = np.nan
        significant: Any = pd.NA
        if prop is not None:
            x = _successes(sums, prop)
            n = sums[prop.denominator]
            _, p = two_proportion_test(x["previous"], n["previous"], x["current"], n["current"])
            significant = bool(p < 1 - confidence)
        lines.append(
            {
                "metric": mid,
                "label": m.label,
                "current": now,
                "previous": then,
                "delta": delta,
                "relative_delta": relative,
                "change": _change(delta, relative, m.fmt),
                "p_value": p,
                "significant": significant,
            }
        )
    out = pd.DataFrame(lines)
    out["significant"] = out["significant"].astype("boolean")
    out.attrs.update(attrs)
    return out


def _row_changes(rep: ReportCore, before: ReportCore, confidence: float) -> pd.DataFrame:
    """:func:`compare_periods` of each row of ``rep`` against the same row of ``before``."""
    counts = list(rep.count_columns)
    now, own = _with_counts(rep)
    keys = [k for k in own if k not in rep.columns]
    then, _ = _with_counts(before)
    both = now[keys + counts].merge(
        then[keys + counts], on=keys, how="outer", suffixes=("", "__before"), sort=False
    )
    sums = {
        "current": both[counts].fillna(0).astype("int64"),
        "previous": both[[f"{c}__before" for c in counts]]
        .set_axis(counts, axis=1)
        .fillna(0)
        .astype("int64"),
    }
    ids = list(rep.columns)
    values = {side: compute_metrics(s, ids) for side, s in sums.items()}
    parts = []
    for mid in ids:
        m = METRICS[mid]
        cur = values["current"][mid].astype("float64")
        prev = values["previous"][mid].astype("float64")
        delta = cur - prev
        relative = delta / prev.where(prev != 0)
        p = pd.Series(np.nan, index=both.index)
        contribution = pd.Series(np.nan, index=both.index)
        prop = proportion(mid)
        if prop is not None:
            x = {side: _successes(s, prop).astype("float64") for side, s in sums.items()}
            n = {side: s[prop.denominator].astype("float64") for side, s in sums.items()}
            _, p_values = two_proportion_test(
                x["previous"], n["previous"], x["current"], n["current"]
            )
            p = pd.Series(p_values, index=both.index)
            total_now, total_then = n["current"].sum(), n["previous"].sum()
            if total_now > 0 and total_then > 0:
                rate = x["previous"].sum() / total_then
                contribution = (x["current"] - rate * n["current"]) / total_now - (
                    x["previous"] - rate * n["previous"]
                ) / total_then
        elif mid in counts:
            contribution = delta
        part = both[keys].copy()
        part["metric"] = mid
        part["label"] = m.label
        part["current"] = cur
        part["previous"] = prev
        part["delta"] = delta
        part["relative_delta"] = relative
        part["change"] = [_change(d, r, m.fmt) for d, r in zip(delta, relative, strict=True)]
        part["p_value"] = p
        part["significant"] = pd.array(
            [pd.NA if np.isnan(v) else bool(v < 1 - confidence) for v in p], dtype="boolean"
        )
        part["contribution"] = contribution
        parts.append(part)
    return pd.concat(parts, ignore_index=True)
