"""The email previewer: an email's subject and HTML body, shown in a sandboxed frame.

Marketo lets you click the name of an email in the Campaign Email Performance report to
open it in the Email Previewer. Here :func:`email_preview` returns a widget and
:func:`preview_html` the HTML (for the dashboard and the HTML export). The body is put in
an ``<iframe sandbox="" srcdoc="...">``: the email's own styles apply inside the frame
only, and its scripts, forms and plugins never run (``sandbox`` without ``allow-scripts``).
A Content-Security-Policy at the top of the ``srcdoc`` keeps the frame from loading
anything remote (tracking pixels, stylesheets, fonts, background images), so that opening
a preview tells no sender it was read; remote images load only when asked
(``remote_images=True``).
"""

from __future__ import annotations

import difflib
import html
from typing import TYPE_CHECKING, Any

import pandas as pd

from campaign_perf.errors import ReportError
from campaign_perf.load.eventlog import EventLog

if TYPE_CHECKING:
    import ipywidgets

    from campaign_perf.report.core import ReportCore

__all__ = ["email_preview", "find_email", "preview_html"]

_KNOWN_SHOWN = 8


def _policy(remote_images: bool) -> str:
    """The frame's Content-Security-Policy: inline styles and data: images only, plus
    remote images with ``remote_images``."""
    images = "data: http: https:" if remote_images else "data:"
    return (
        f"default-src 'none'; style-src 'unsafe-inline'; img-src {images}; font-src data:; "
        "base-uri 'none'; form-action 'none'"
    )


_NO_BODY = (
    "<p style='font-family:sans-serif;color:#6b7280;padding:16px'>"
    "This email has no HTML body in the emails table (load one with "
    "<code>emails=</code>, columns <code>email_id, email_name, subject, html</code>).</p>"
)


def _log_of(source: EventLog | ReportCore) -> EventLog:
    log = getattr(source, "log", source)
    if not isinstance(log, EventLog):
        raise ReportError(
            f"the previewer needs an EventLog or a Report, not {type(source).__name__}"
        )
    return log


def _text(value: Any) -> str:
    """A cell as text; missing values are empty."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def find_email(log: EventLog | ReportCore, email: str) -> pd.Series:
    """The row of the emails table for an email id or name.

    Parameters
    ----------
    log : EventLog or Report
        The event log (a Report's log is used).
    email : str
        An email id (``"E2001"``) or name (``"Newsletter – May 2026"``); a name is
        matched exactly first, then ignoring case.

    Returns
    -------
    pandas.Series
        ``email_id, email_name`` and, when the emails table has them, ``subject, html``.

    Raises
    ------
    ReportError
        The email is unknown (the message lists a few known names and close matches),
        or the name belongs to several emails (the message lists their ids).

    Examples
    --------
    >>> import campaign_perf as cp, pandas as pd
    >>> log = cp.load_events(pd.DataFrame({"event_type": ["sent"],
    ...     "timestamp": ["2026-01-05"], "campaign_id": ["C1"], "email_id": ["E1"],
    ...     "lead_id": ["L1"], "email_name": ["Welcome"]}))
    >>> find_email(log, "welcome")["email_id"]
    'E1'
    """
    emails = _log_of(log).dims.emails
    key = str(email).strip()
    ids = emails["email_id"].astype(str)
    names = emails["email_name"].map(_text) if "email_name" in emails else ids
    for match in (ids == key, names == key, names.str.casefold() == key.casefold()):
        hits = emails[match.to_numpy()]
        if len(hits) == 1:
            return hits.iloc[0]
        if len(hits) > 1:
            listed = ", ".join(hits["email_id"].astype(str))
            raise ReportError(f"{key!r} names several emails ({listed}); choose one by its id")
    labels = [f"{i} ({n})" if n and n != i else i for i, n in zip(ids, names, strict=True)]
    close = difflib.get_close_matches(key, list(names) + list(ids), n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    more = f", … ({len(labels)} in all)" if len(labels) > _KNOWN_SHOWN else ""
    known = ", ".join(labels[:_KNOWN_SHOWN]) + more if labels else "none"
    raise ReportError(f"unknown email {key!r}.{hint} Known emails: {known}")


def preview_html(
    log: EventLog | ReportCore, email: str, *, height: int = 520, remote_images: bool = False
) -> str:
    """The previewer as HTML: the email's name, id and subject, then its body in a
    sandboxed ``iframe``.

    Parameters
    ----------
    log : EventLog or Report
        The event log whose emails table holds the email.
    email : str
        The email's id or name (see :func:`find_email`).
    height : int, default 520
        Height of the frame in CSS pixels.
    remote_images : bool, default False
        Load the email's remote images (which tells a tracking pixel that it was opened).
        Remote stylesheets and fonts never load.

    Returns
    -------
    str
        A ``<div class="cp-email-preview">``. The body is escaped into the ``srcdoc``
        attribute of ``<iframe sandbox="">``: no script of the email runs, and it cannot
        reach the page that shows it. A ``<meta http-equiv="Content-Security-Policy">``
        before the body keeps the frame from loading remote content.

    Raises
    ------
    ReportError
        The email is unknown (see :func:`find_email`).
    """
    row = find_email(log, email)
    email_id = _text(row.get("email_id"))
    name = _text(row.get("email_name")) or email_id
    subject = _text(row.get("subject")) or "(no subject)"
    esc = html.escape
    csp = f'<meta http-equiv="Content-Security-Policy" content="{_policy(remote_images)}">'
    body = csp + (_text(row.get("html")) or _NO_BODY)
    return (
        f'<div class="cp-email-preview" data-email-id="{esc(email_id, quote=True)}">'
        '<div class="cp-email-preview-meta" style="font-family:sans-serif;'
        'padding:6px 0;line-height:1.5">'
        f"<div><b>Email:</b> {esc(name)} <span style='color:#6b7280'>({esc(email_id)})"
        "</span></div>"
        f'<div><b>Subject:</b> <span class="cp-email-subject">{esc(subject)}</span></div>'
        "</div>"
        f'<iframe class="cp-email-preview-frame" sandbox="" referrerpolicy="no-referrer" '
        f'title="{esc("Email preview: " + name, quote=True)}" '
        f'style="width:100%;height:{int(height)}px;border:1px solid #d1d5db;'
        f'background:#ffffff" srcdoc="{esc(body, quote=True)}"></iframe>'
        "</div>"
    )


def email_preview(
    log: EventLog | ReportCore, email: str, *, height: int = 520, remote_images: bool = False
) -> ipywidgets.HTML:
    """The email previewer as a widget (Marketo's Email Previewer).

    Parameters
    ----------
    log : EventLog or Report
        The event log whose emails table holds the email.
    email : str
        The email's id or name.
    height : int, default 520
        Height of the frame in CSS pixels.
    remote_images : bool, default False
        Load the email's remote images (see :func:`preview_html`).

    Returns
    -------
    ipywidgets.HTML
        Shows the subject and the body in a sandboxed frame (see :func:`preview_html`).

    Raises
    ------
    ReportError
        The email is unknown; the message lists known emails.

    Examples
    --------
    >>> import campaign_perf as cp
    >>> log = cp.load_events("../sample_data/events.parquet",
    ...                      emails="../sample_data/emails.parquet")  # doctest: +SKIP
    >>> email_preview(log, "Newsletter – May 2026")  # doctest: +SKIP
    """
    import ipywidgets

    widget = ipywidgets.HTML(preview_html(log, email, height=height, remote_images=remote_images))
    widget.add_class("cp-preview")
    return widget


def preview(rep: ReportCore, email: str, *, remote_images: bool = False) -> ipywidgets.HTML:
    """Marketo's Email Previewer: the subject and HTML body of an email (id or name)
    in a sandboxed frame where no script runs and nothing remote loads (remote images
    with ``remote_images=True``)."""
    return email_preview(rep.log, email, remote_images=remote_images)
