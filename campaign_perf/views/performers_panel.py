"""The "what stood out" panel: the best and worst rows for a rate
(:func:`campaign_perf.report.performers.performers`), each with its interval and volume.

One template (``templates/performers.html.j2``) draws it in the notebook, the dashboard and
the shared report, whose script redraws the lists for the reader's choices from
:func:`panel_data`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Mapping
from importlib import resources
from typing import TYPE_CHECKING, Any

import jinja2
import pandas as pd

from campaign_perf.metrics import METRICS, Format, format_value, proportion
from campaign_perf.report.performers import DEFAULT_RATE, NAME_SEPARATOR, PERFORMERS, performers
from campaign_perf.report.stats import MIN_TRIALS, critical_z
from campaign_perf.views.specs import fill_slots

if TYPE_CHECKING:
    from campaign_perf.report.core import ReportCore

__all__ = ["NOTE", "panel_css", "panel_data", "performers_panel", "rate_choices"]

#: What the panel says of its ranking; ``{{...}}`` are filled from the ranking's attrs.
NOTE = (
    "{{label}}, among rows with at least {{min_volume}} {{denominator}} "
    "({{too_small}} left out as too small); {{level}} intervals."
)
#: A side with no row.
NONE_TEXT = "No row has enough volume."


def rate_choices() -> list[tuple[str, str]]:
    """The rates a ranking can use: (label, id) of every proportion metric."""
    return [(m.label, m.id) for m in METRICS.values() if proportion(m.id) is not None]


def _item(row: Mapping[Hashable, Any], fmt: Format, denominator: str) -> dict[str, str]:
    low, high = (format_value(float(row[k]), fmt) for k in ("low", "high"))
    return {
        "name": str(row["name"]),
        "text": format_value(float(row["value"]), fmt),
        "ci": f"{low}–{high}",
        "volume": f"{format_value(int(row['volume']), 'int')} {denominator}",
    }


def note_text(table: pd.DataFrame) -> str:
    """The panel's note for a ranking (:data:`NOTE`, filled)."""
    a = table.attrs
    return fill_slots(
        NOTE,
        {
            "label": METRICS[a["metric"]].label,
            "min_volume": format_value(a["min_volume"], "int"),
            "denominator": METRICS[a["denominator"]].label.lower(),
            "too_small": format_value(a["too_small"], "int"),
            "level": f"{a['confidence'] * 100:g}%",
        },
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
    return env.get_template("performers.html.j2").module


@functools.cache
def panel_css() -> str:
    """The panel's style sheet (scoped to ``.cp-performers``)."""
    files = resources.files("campaign_perf.views") / "templates" / "performers.css"
    return files.read_text(encoding="utf-8")


def performers_panel(
    rep: ReportCore,
    metric: str = DEFAULT_RATE,
    *,
    style: bool = True,
    choices: bool = False,
    min_volume: int = MIN_TRIALS,
    fold: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> str:
    """The best and worst rows of the report for a rate, as HTML.

    Parameters
    ----------
    rep : Report
        The report.
    metric : str, default "clicked_pct"
        A proportion rate.
    style : bool, default True
        Include the style sheet.
    choices : bool, default False
        Include a menu of the rates (the shared report's script makes it work).
    min_volume : int, default 30
        The fewest records in the rate's denominator a row needs to be ranked.
    fold : callable, optional
        Folds the report's cube first (see :func:`~campaign_perf.report.performers.performers`).

    Returns
    -------
    str
        An HTML fragment; every name is escaped.
    """
    table = performers(rep, metric, min_volume=min_volume, fold=fold)
    m = METRICS[table.attrs["metric"]]
    denominator = METRICS[table.attrs["denominator"]].label.lower()
    sides = {
        side: [
            _item(r, m.fmt, denominator) for r in table[table["side"] == side].to_dict("records")
        ]
        for side in ("best", "worst")
    }
    return str(
        _template().panel(
            sides,
            note_text(table),
            NONE_TEXT,
            rate_choices() if choices else [],
            m.id,
            panel_css() if style else "",
        )
    )


def panel_data(confidence: float = 0.95) -> dict[str, Any]:
    """What the shared report's script needs to rank rows as :func:`performers` does."""
    rates = {}
    for _, mid in rate_choices():
        prop = proportion(mid)
        assert prop is not None
        rates[mid] = {
            "numerator": list(prop.numerator),
            "denominator": prop.denominator,
            "denominator_label": METRICS[prop.denominator].label.lower(),
        }
    return {
        "default": DEFAULT_RATE,
        "n": PERFORMERS,
        "min_volume": MIN_TRIALS,
        "z": critical_z(confidence),
        "level": f"{confidence * 100:g}%",
        "rates": rates,
        "separator": NAME_SEPARATOR,
        "note": NOTE,
        "none": NONE_TEXT,
    }
