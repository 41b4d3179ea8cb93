"""A throwaway PostgreSQL server for the tests: initdb and pg_ctl on a temporary folder,
listening on 127.0.0.1 on a free port, stopped and removed at the end of the session.

``initdb`` refuses to run as root (CI runs as root): then the server runs as Debian's
``postgres`` system user, in a folder that user owns. The superuser ``cp_admin`` logs in
with a password over TCP (scram-sha-256), as a real server asks; ``make test`` installs
Debian's ``postgresql`` when it is absent.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: Seconds the server may take to accept connections on a busy machine (not a speed test).
STARTUP_LIMIT = 120
ADMIN, ADMIN_PASSWORD = "cp_admin", "adm1n-pw"


def bindir() -> Path | None:
    """Where initdb and pg_ctl are: Debian's newest /usr/lib/postgresql/N/bin, or PATH."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3])
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Server:
    """A running server: its port and the URL of a database as the superuser."""

    port: int
    base: Path

    def url(self, db: str = "postgres", user: str = ADMIN, password: str | None = ADMIN_PASSWORD):
        auth = user if password is None else f"{user}:{password}"
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{db}"


@contextlib.contextmanager
def running_server() -> Iterator[Server]:
    """Start a server for the block; stop it and remove its folder afterwards."""
    found = bindir()
    if found is None:
        raise FileNotFoundError("no PostgreSQL server (initdb): apt-get install postgresql")
    binaries = found
    as_root = os.geteuid() == 0
    base = Path(tempfile.mkdtemp(prefix="campaign_perf-pg-"))
    prefix: list[str] = []
    if as_root:
        user = pwd.getpwnam("postgres")
        os.chown(base, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    pwfile = base / "pw"
    pwfile.write_text(ADMIN_PASSWORD + "\n")
    if as_root:
        os.chown(pwfile, user.pw_uid, user.pw_gid)
    data, port = base / "data", _free_port()

    def run(*args: str) -> None:
        subprocess.run([*prefix, *args], check=True, capture_output=True, cwd=base)

    run(
        str(binaries / "initdb"),
        "-D",
        str(data),
        "-U",
        ADMIN,
        f"--pwfile={pwfile}",
        "--auth-local=trust",
        "--auth-host=scram-sha-256",
        "-E",
        "UTF8",
        "--no-locale",
    )
    options = f"-h 127.0.0.1 -p {port} -k {base} -c fsync=off -c full_page_writes=off"
    try:
        run(
            str(binaries / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(base / "log"),
            "-t",
            str(STARTUP_LIMIT),
            "-w",
            "start",
        )
        deadline = time.monotonic() + STARTUP_LIMIT
        while True:  # pg_ctl waited for the socket; make sure TCP answers too
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if time.monotonic() > deadline:
                raise TimeoutError((base / "log").read_text(errors="replace")[-2000:])
            time.sleep(0.2)
        yield Server(port, base)
    finally:
        subprocess.run(
            [*prefix, str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
            check=False,
            capture_output=True,
            cwd=base,
        )
        shutil.rmtree(base, ignore_errors=True)
