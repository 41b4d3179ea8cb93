"""The dashboard's HTML pieces (heading, table box, status line, export confirmation,
download link), drawn from the package's template ``templates/dashboard.html.j2``; every
value is escaped."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from campaign_perf.views.tables import ROW_CSS, TABLE_CLASS

__all__ = ["EMPTY_MESSAGE", "box_width_js", "download", "empty", "export_error", "heading",
           "problem", "saved", "section", "status", "table"]  # fmt: skip

#: What the chart and the table say when the frame has no sends.
EMPTY_MESSAGE = "No emails were sent in this time frame."


@functools.cache
def _macros() -> Any:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("campaign_perf.views.dashboard", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("dashboard.html.j2").module


@functools.cache
def box_width_js() -> str:
    """The script of :class:`~campaign_perf.views.dashboard.figure.BoxWidth`."""
    files = resources.files("campaign_perf.views.dashboard") / "static" / "box_width.js"
    return files.read_text(encoding="utf-8")


def heading(title: str) -> str:
    """The dashboard's title, with the dashboard's style rules."""
    return str(_macros().heading(title))


def section(title: str) -> str:
    """The title of a group of controls."""
    return str(_macros().section(title))


def table(html: str, height: str, *, note: str | None = None) -> str:
    """The table's HTML (from :func:`campaign_perf.views.tables.to_html`, escaped already)
    in a box that scrolls beyond ``height`` (a CSS length) with its header, first column and
    total row in view, with the dashboard's table styles; ``note`` under it (what the
    rows of a grouping by where emails were read mean)."""
    return str(_macros().table(Markup(html), height, TABLE_CLASS, ROW_CSS, note))


def empty() -> str:
    """What the table says when the frame has no sends."""
    return str(_macros().empty(EMPTY_MESSAGE))


def status(sent: int | None, parts: Sequence[str], *, error: str | None = None) -> str:
    """The status line: the records sent, then the other parts; an error below."""
    shown = "–" if sent is None else f"{sent:,}"
    return str(_macros().status(shown, parts, error))


def saved(shown: str, full: str) -> str:
    """The confirmation of a file written: "✓ Saved ``shown``" (``full`` on hover)."""
    return str(_macros().saved(shown, full))


def export_error(message: str) -> str:
    """Why a file could not be written."""
    return str(_macros().export_error(message))


def download(name: str, data: str) -> str:
    """A link that downloads ``data`` (base64 CSV) as the file ``name``."""
    return str(_macros().download(name, data))


def problem(message: str) -> str:
    """A message in red, where a view could not be drawn."""
    return str(_macros().problem(message))
