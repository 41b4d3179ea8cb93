"""Where an email was read: client, operating system and device from a user agent.

User agents are parsed by ``ua-parser`` (the uap-core rules it bundles, with its native
accelerator when installed), once per distinct user agent of a log: :func:`classify`
takes the distinct strings and returns one row each. What a source reports itself
(Postmark's ``Client``, Mailgun's ``client-info``) wins over what is parsed (RULES.md
section 9); :func:`normal_device` reads a source's device names.

Two kinds of proxy fetch an email's images (README, "Clients, devices and machine opens"):

- **Apple Mail Privacy Protection** fetches every image of a message when it reaches the
  inbox, whether or not the person reads it: a *machine open*. Its fetches carry the bare
  user agent ``Mozilla/5.0`` (:data:`MACHINE_OPEN_USER_AGENTS`) from Apple's relay
  addresses. Such an open is classified client "Apple Mail", device ``proxy``, and flagged
  ``is_machine_open``.
- **Image proxies** of webmail (Gmail's ``GoogleImageProxy``, Yahoo's ``YahooMailProxy``)
  fetch when the person opens the message, so their opens are human opens: client "Gmail" or
  "Yahoo Mail", device ``proxy`` (the device behind the proxy is unknown), no operating
  system (the proxy's user agent names its own, not the reader's).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

import pandas as pd

from campaign_perf.schema import DEVICES

__all__ = [
    "AGENT_COLUMNS",
    "DEVICE_NAMES",
    "IMAGE_PROXIES",
    "MACHINE_OPEN_USER_AGENTS",
    "NOT_KNOWN",
    "classify",
    "known",
    "normal_device",
]

#: User agents of privacy proxies that fetch an email without a person reading it: Apple
#: Mail Privacy Protection fetches with the bare ``Mozilla/5.0`` (SocketLabs, "Identifying
#: Apple MPP opens"; Suped, "What methods do ESPs use to identify Apple MPP"; see README).
MACHINE_OPEN_USER_AGENTS: Final[tuple[str, ...]] = ("Mozilla/5.0",)

#: ua-parser's family of a webmail image proxy -> the mail client it stands for. Their opens
#: are human opens (the proxy fetches when the person opens the message).
IMAGE_PROXIES: Final[dict[str, str]] = {
    "GmailImageProxy": "Gmail",
    "YahooMailProxy": "Yahoo Mail",
}

#: ua-parser's family of a mail client -> the name the report shows (other families, such
#: as browsers reading webmail or opening a clicked link, keep ua-parser's name).
_CLIENT_NAMES: Final[dict[str, str]] = {
    "Apple Mail": "Apple Mail",
    "Mobile Safari UI/WKWebView": "Apple Mail",  # iOS Mail fetches with a bare WebKit view
    "Outlook": "Outlook",
    "Outlook-iOS": "Outlook",
    "Outlook-Android": "Outlook",
    "Thunderbird": "Thunderbird",
}
_OS_NAMES: Final[dict[str, str]] = {"Mac OS X": "macOS"}
_DESKTOP_OS: Final[frozenset[str]] = frozenset(
    {"Windows", "Mac OS X", "Linux", "Ubuntu", "Fedora", "Debian", "Chrome OS", "FreeBSD"}
)
_MOBILE_OS: Final[frozenset[str]] = frozenset(
    {"Windows Phone", "BlackBerry OS", "KaiOS", "Symbian OS", "Firefox OS", "HarmonyOS"}
)
_TABLET_DEVICES: Final[frozenset[str]] = frozenset({"iPad", "Kindle", "Generic Tablet"})

#: The columns of :func:`classify`'s rows.
AGENT_COLUMNS: Final[tuple[str, ...]] = ("user_agent", "client", "os", "device")

#: A source's device or platform name -> the canonical device (lower-cased keys).
DEVICE_NAMES: Final[dict[str, str]] = {
    **{d: d for d in DEVICES},
    "phone": "mobile",
    "smartphone": "mobile",
    "mobile device": "mobile",
    "computer": "desktop",
    "pc": "desktop",
    "web mail": "webmail",
    "webmail": "webmail",
    "mobile browser": "mobile",
}
#: What sources write when they do not know a value: read as no value, so that the parsed
#: user agent can tell.
NOT_KNOWN: Final[frozenset[str]] = frozenset({"", "unknown", "other", "null", "none", "n/a"})


def known(value: object) -> str | None:
    """A source's client, OS or country as text; None when missing or "unknown"."""
    if value is None:
        return None
    name = str(value).strip()
    return None if name.lower() in NOT_KNOWN else name


def normal_device(value: object) -> str | None:
    """The canonical device (:data:`~campaign_perf.schema.DEVICES`) of a source's name.

    Parameters
    ----------
    value : object
        A device or platform name as a source writes it ("Desktop", "WebMail", "phone").

    Returns
    -------
    str or None
        ``desktop``, ``mobile``, ``tablet``, ``webmail`` or ``proxy``; None when ``value``
        is missing, "unknown" or a name not known (the parsed user agent then tells).
    """
    name = known(value)
    if name is None:
        return None
    device = DEVICE_NAMES.get(name.lower())
    return None if device == "unknown" else device


def _device(ua: str, os_family: str | None, device_family: str | None) -> str:
    if device_family in _TABLET_DEVICES:
        return "tablet"
    if os_family == "iOS":
        return "mobile"
    if os_family == "Android":  # Android tablets leave "Mobile" out (Google's convention)
        return "mobile" if "Mobile" in ua else "tablet"
    if os_family in _MOBILE_OS:
        return "mobile"
    if os_family in _DESKTOP_OS:
        return "desktop"
    return "unknown"


def _one(ua: str) -> tuple[str | None, str | None, str]:
    """Client, OS and device of one user agent."""
    if ua.strip() in MACHINE_OPEN_USER_AGENTS:
        return "Apple Mail", None, "proxy"
    import ua_parser  # on first use: ``import campaign_perf`` leaves its rules unloaded

    parsed = ua_parser.parse(ua)
    family = parsed.user_agent.family if parsed.user_agent else None
    if family in IMAGE_PROXIES:
        return IMAGE_PROXIES[family], None, "proxy"
    os_family = parsed.os.family if parsed.os else None
    device_family = parsed.device.family if parsed.device else None
    client = _CLIENT_NAMES.get(family, family) if family else None
    if device_family == "Spider":
        return client, None, "unknown"
    os_name = _OS_NAMES.get(os_family, os_family) if os_family else None
    return client, os_name, _device(ua, os_family, device_family)


def classify(user_agents: Iterable[str]) -> pd.DataFrame:
    """Client, operating system and device of each distinct user agent.

    Parameters
    ----------
    user_agents : iterable of str
        Distinct user agents (each is parsed once).

    Returns
    -------
    pandas.DataFrame
        :data:`AGENT_COLUMNS`: the user agent, then its client ("Apple Mail", "Gmail",
        "Chrome", ...; None when unknown), OS family ("iOS", "Windows", ...; None when
        unknown) and device (one of :data:`~campaign_perf.schema.DEVICES`).

    Examples
    --------
    >>> classify(["Mozilla/5.0"]).iloc[0].tolist()
    ['Mozilla/5.0', 'Apple Mail', None, 'proxy']
    """
    rows = [(ua, *_one(ua)) for ua in user_agents]
    return pd.DataFrame(rows, columns=list(AGENT_COLUMNS), dtype=object)
