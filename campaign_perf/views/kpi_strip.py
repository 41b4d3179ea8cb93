"""The headline strip: each figure of :func:`campaign_perf.report.kpis.kpis` with its change
against the previous period, coloured by whether it is good news, and a trend line.

One template (``templates/kpi_strip.html.j2``) and one style sheet draw the strip in the
notebook, in the dashboard and in the shared report (whose script then refills the same
elements for the reader's frame and filters, with :data:`SPARKLINE` as its geometry).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Sequence
from importlib import resources
from typing import TYPE_CHECKING, Any

import jinja2
import numpy as np
import pandas as pd

from campaign_perf.engine.rules import PENDING_DAYS
from campaign_perf.metrics import METRICS
from campaign_perf.report.kpis import kpis
from campaign_perf.report.stats import settling_days
from campaign_perf.views.specs import fill_slots

if TYPE_CHECKING:
    from campaign_perf.report.core import ReportCore

__all__ = [
    "AGAINST",
    "SETTLING_NOTE",
    "SPARKLINE",
    "VERDICT_TEXT",
    "against_text",
    "kpi_strip",
    "settling_note",
    "sparkline_points",
    "strip_css",
    "strip_items",
]  # fmt: skip

#: The trend line's box (SVG user units) and the margin kept at its top and bottom.
SPARKLINE: dict[str, float] = {"width": 100.0, "height": 24.0, "pad": 2.0}

#: What a change's significance is called, by ``significant`` (True, False, missing).
VERDICT_TEXT: dict[str, str] = {
    "true": "significant",
    "false": "not significant",
    "none": "",
}


#: What the changes are measured against, with the previous period's days in ``{{range}}``.
AGAINST: dict[str, str] = {
    "closed": "Change against the previous period, {{range}}.",
    "settling": "Change of {{current}} against {{range}}: sends after {{settled}} are still "
    f"settling (less than {PENDING_DAYS * 24} hours before as-of) and left out of the change.",
    "all_settling": "No change yet: every send of the frame is less than "
    f"{PENDING_DAYS * 24} hours before as-of (still settling).",
    "open": "No previous period: the time frame is open.",
    "fixed": "No change shown: this file counts by date of activity, so it cannot work out "
    "another period.",
}


#: The note under a table whose frame has sends still settling.
SETTLING_NOTE = (
    f"Sends after {{{{settled}}}} are still settling (less than {PENDING_DAYS * 24} hours before "
    "as-of): their Pending may yet become Delivered or Bounced."
)


def settling_note(rep: ReportCore) -> str:
    """:data:`SETTLING_NOTE` for the report, or "" when no send of its frame is settling."""
    if settling_days(rep) is None:
        return ""
    return fill_slots(SETTLING_NOTE, {"settled": rep.settled_through})


def sparkline_points(values: Sequence[float]) -> str:
    """The SVG ``points`` of a trend line: the values from left to right, the lowest at the
    bottom; missing values skipped; one value is a flat line; none is empty.

    Examples
    --------
    >>> sparkline_points([1.0, 3.0, 2.0])
    '0,22 50,2 100,12'
    """
    w, h, pad = SPARKLINE["width"], SPARKLINE["height"], SPARKLINE["pad"]
    points = [(i, float(v)) for i, v in enumerate(values) if v is not None and np.isfinite(v)]
    if not points:
        return ""
    if len(values) == 1:
        return f"0,{h / 2:g} {w:g},{h / 2:g}"
    lo = min(v for _, v in points)
    hi = max(v for _, v in points)
    span = hi - lo
    step = w / (len(values) - 1)

    def y(v: float) -> float:
        return h / 2 if span == 0 else pad + (hi - v) / span * (h - 2 * pad)

    return " ".join(f"{round(i * step, 2):g},{round(y(v), 2):g}" for i, v in points)


def _significance(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "none"
    return "true" if bool(value) else "false"


def strip_items(table: pd.DataFrame) -> list[dict[str, Any]]:
    """The strip's items from :func:`~campaign_perf.report.kpis.kpis`: what the template
    draws for each figure."""
    items = []
    for row in table.to_dict("records"):
        significance = _significance(row["significant"])
        items.append(
            {
                "metric": row["metric"],
                "label": row["label"],
                "text": row["text"],
                "change": row["change"],
                "verdict": row["verdict"],
                "significance": significance,
                "significance_text": VERDICT_TEXT[significance],
                "description": METRICS[row["metric"]].description,
                "points": sparkline_points([v for _, v in row["trend"]]),
            }
        )
    return items


def against_text(table: pd.DataFrame) -> str:
    """What the changes are measured against: ``vs 2026-08-01 – 2026-08-31``, or why not."""
    a = table.attrs
    if a["no_comparison"] == "open":
        return AGAINST["open"]
    if a["no_comparison"] == "settling":
        return AGAINST["all_settling"]
    if a["settling"] is None:
        return fill_slots(AGAINST["closed"], {"range": a["previous_frame"]})
    settled = a["settling"].first - datetime.timedelta(days=1)
    return fill_slots(
        AGAINST["settling"],
        {"current": a["current_frame"], "range": a["previous_frame"], "settled": settled},
    )


@functools.cache
def _template() -> Any:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("campaign_perf.views", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("kpi_strip.html.j2").module


@functools.cache
def strip_css() -> str:
    """The strip's style sheet (scoped to ``.cp-kpis``)."""
    return (resources.files("campaign_perf.views") / "templates" / "kpi_strip.css").read_text(
        encoding="utf-8"
    )


def kpi_strip(rep: ReportCore, *, style: bool = True, confidence: float = 0.95) -> str:
    """The report's headline figures as HTML: each with its change against the previous
    period (green when good news, red when bad, pale when not significant) and a trend line
    per send day.

    Parameters
    ----------
    rep : Report
        The report.
    style : bool, default True
        Include the style sheet (a page that has it already passes False).
    confidence : float, default 0.95
        The level of the significance test.

    Returns
    -------
    str
        An HTML fragment; every name is escaped.
    """
    table = kpis(rep, confidence=confidence)
    return str(
        _template().strip(
            strip_items(table), against_text(table), strip_css() if style else "", SPARKLINE
        )
    )
