"""A report's bot list: user-agent patterns and IP networks whose opens and clicks are bots.

Like Marketo's "match with the IAB list", with the user's own list (RULES.md section 9). A
list is a text file, one entry per line (a line starting with ``#`` is a comment)::

    # scanners
    (?:Barracuda|Mimecast|Proofpoint)
    python-requests
    192.0.2.0/24
    2001:db8::/32

A line that reads as an IP network (CIDR, or a single address) is a network; any other line
is a user-agent pattern: a case-insensitive regular expression matched anywhere in the user
agent. Patterns should keep to the syntax that DuckDB's RE2 and Spark's Java regular
expressions share (no look-arounds, no back-references).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from campaign_perf.errors import ReportError

__all__ = ["BotList", "BotListLike", "bot_list"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class BotList:
    """User-agent patterns and IP networks that mark an open or a click as a bot.

    Attributes
    ----------
    patterns : tuple of str
        Case-insensitive regular expressions, each matched anywhere in the user agent.
    networks : tuple of str
        IP networks in CIDR notation, normalised (``192.0.2.0/24``, ``2001:db8::/32``).
    """

    patterns: tuple[str, ...] = ()
    networks: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.patterns or self.networks)

    def ip_networks(self) -> list[Network]:
        """The networks as :mod:`ipaddress` objects."""
        return [ipaddress.ip_network(n) for n in self.networks]


def _network(entry: str) -> str | None:
    try:
        return str(ipaddress.ip_network(entry, strict=False))
    except ValueError:
        return None


def _entries(lines: Iterable[tuple[str, str]]) -> BotList:
    patterns: list[str] = []
    networks: list[str] = []
    for where, raw in lines:
        entry = raw.strip()
        if not entry or entry.startswith("#"):
            continue
        net = _network(entry)
        if net is not None:
            networks.append(net)
            continue
        try:
            re.compile(entry)
        except re.error as exc:
            raise ReportError(
                f"bot list {where}: {entry!r} is not a regular expression: {exc}"
            ) from None
        patterns.append(entry)
    return BotList(tuple(dict.fromkeys(patterns)), tuple(dict.fromkeys(networks)))


BotListLike = BotList | str | Path | Mapping[str, Iterable[str]] | Iterable[str]


def bot_list(value: BotListLike | None) -> BotList | None:
    """Read a bot list from a file, a mapping, a list of entries or a :class:`BotList`.

    Parameters
    ----------
    value : BotList, path, mapping, iterable of str or None
        A :class:`BotList`; a path to a text file (one entry per line, see the module);
        a mapping ``{"user_agents": [...], "networks": [...]}``; or entries, each read as a
        line of the file.

    Returns
    -------
    BotList or None
        None when ``value`` is None or holds no entry.

    Raises
    ------
    ReportError
        The file cannot be read, a network is malformed, or a pattern is not a regular
        expression (the message names the file and line).

    Examples
    --------
    >>> bot_list(["python-requests", "192.0.2.0/24"])
    BotList(patterns=('python-requests',), networks=('192.0.2.0/24',))
    """
    if value is None:
        return None
    if isinstance(value, BotList):
        out = value
    elif isinstance(value, str | Path):
        path = Path(value)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ReportError(f"bot list {path}: cannot be read: {exc}") from None
        out = _entries((f"{path}, line {i}", line) for i, line in enumerate(text.splitlines(), 1))
    elif isinstance(value, Mapping):
        unknown = set(value) - {"user_agents", "networks"}
        if unknown:
            raise ReportError(
                f"bot list: unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
                "use 'user_agents' and 'networks'"
            )
        nets = []
        for n in value.get("networks", ()):
            net = _network(str(n).strip())
            if net is None:
                raise ReportError(f"bot list: {n!r} is not an IP network (CIDR)")
            nets.append(net)
        agents = enumerate(value.get("user_agents", ()))
        pats = _entries((f"user_agents[{i}]", str(p)) for i, p in agents)
        if pats.networks:
            raise ReportError(f"bot list: {pats.networks[0]!r} under user_agents is an IP network")
        out = BotList(pats.patterns, tuple(dict.fromkeys(nets)))
    elif isinstance(value, Iterable):
        out = _entries((f"entry {i}", str(v)) for i, v in enumerate(value, 1))
    else:
        raise ReportError(
            f"bot_list must be a file, a list of entries or a BotList, not {type(value).__name__}"
        )
    return out if out else None
