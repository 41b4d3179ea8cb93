"""The Marketo client id and secret: read from the environment or a config file, never from
an argument, and kept out of every message.

The environment (``MARKETO_CLIENT_ID``, ``MARKETO_CLIENT_SECRET``) wins; otherwise the
config file (``~/.config/campaign-perf/marketo.toml`` unless another is named) is read::

    [marketo]
    client_id = "..."
    client_secret = "..."
"""

from __future__ import annotations

import os
import stat
import tomllib
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from campaign_perf.errors import FetchError

__all__ = ["DEFAULT_CONFIG", "ENV_ID", "ENV_SECRET", "Credentials", "Redactor", "read_credentials"]

ENV_ID = "MARKETO_CLIENT_ID"
ENV_SECRET = "MARKETO_CLIENT_SECRET"
DEFAULT_CONFIG = Path("~/.config/campaign-perf/marketo.toml")

#: What a secret is replaced by in a message.
MASK = "***"


@dataclass(frozen=True)
class Credentials:
    """A Marketo custom service's client id and secret (neither is shown by ``repr``)."""

    client_id: str = field(repr=False)
    client_secret: str = field(repr=False)
    #: Where they came from: "the environment" or the config file's path.
    origin: str = "the environment"


class Redactor:
    """Replaces the secrets it knows (client id and secret, access tokens) in a text."""

    def __init__(self, *secrets: str) -> None:
        self._secrets: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        """Remember one more secret (ignored when empty or too short to be one)."""
        if secret and len(secret) >= 4:
            self._secrets.add(secret)

    def __call__(self, text: str) -> str:
        """``text`` with every known secret replaced by ``***``."""
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
        return text


def read_credentials(config: str | os.PathLike[str] | None = None) -> Credentials:
    """Read the client id and secret from the environment, else from the config file.

    Parameters
    ----------
    config : path, optional
        A TOML file with ``client_id`` and ``client_secret`` (at the top or under
        ``[marketo]``). Default: ``~/.config/campaign-perf/marketo.toml`` when it exists.

    Returns
    -------
    Credentials

    Raises
    ------
    FetchError
        Neither place holds both values, or the config file cannot be read.
    """
    env_id, env_secret = os.environ.get(ENV_ID, ""), os.environ.get(ENV_SECRET, "")
    if env_id.strip() and env_secret.strip():
        return Credentials(env_id.strip(), env_secret.strip())
    if env_id.strip() or env_secret.strip():
        unset = ENV_SECRET if env_id.strip() else ENV_ID
        raise FetchError(f"{unset} is not set: set both {ENV_ID} and {ENV_SECRET}")
    path = Path(config).expanduser() if config is not None else DEFAULT_CONFIG.expanduser()
    if config is None and not path.exists():
        raise FetchError(
            f"no Marketo credentials: set {ENV_ID} and {ENV_SECRET} in the environment, or "
            f"put client_id and client_secret under [marketo] in {DEFAULT_CONFIG} "
            "(Admin > Integration > LaunchPoint > View Details)"
        )
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FetchError(f"{path}: no such config file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FetchError(f"{path}: cannot read the config file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:  # its message quotes no value
        raise FetchError(f"{path}: not a TOML file: {exc}") from None
    found = doc.get("marketo", doc)
    section: dict = found if isinstance(found, dict) else {}
    values = {k: section.get(k) for k in ("client_id", "client_secret")}
    missing = [k for k, v in values.items() if not (isinstance(v, str) and v.strip())]
    if missing:
        raise FetchError(f"{path}: the config file lacks {' and '.join(missing)} (under [marketo])")
    mode = path.stat().st_mode
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        warnings.warn(
            f"{path} holds the Marketo client secret and other users can read it; "
            f"make it private: chmod 600 {path}",
            UserWarning,
            stacklevel=2,
        )
    return Credentials(
        str(values["client_id"]).strip(), str(values["client_secret"]).strip(), str(path)
    )
