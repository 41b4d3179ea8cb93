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

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

DATA = Path(__file__).resolve().parents[1] / "sample_data"

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


# -- tables -------------------------------------------------------------------------------
def text_table(path: Path) -> pa.Table:
    """A CSV as a table of text columns (empty cells as NULL)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    return pa.Table.from_pandas(frame, preserve_index=False)


def with_line(table: pa.Table) -> pa.Table:
    """The table with ``line``, its rows' numbers: a database keeps no order of rows, so a
    table loaded from a file says which line each row was (read with ``order_by="line"``)."""
    return table.append_column("line", pa.array(range(1, table.num_rows + 1), pa.int64()))


def sql(url: str, *statements: str) -> None:
    """Run statements in the database of ``url``."""
    import adbc_driver_postgresql.dbapi as adbc_pg

    with adbc_pg.connect(url, autocommit=True) as conn, conn.cursor() as cur:
        for statement in statements:
            cur.execute(statement)


def ingest(url: str, name: str, table: pa.Table) -> None:
    """Create (or replace) the table ``name`` holding ``table``'s rows."""
    import adbc_driver_postgresql.dbapi as adbc_pg

    with adbc_pg.connect(url, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(f'DROP TABLE IF EXISTS "{name}"')
        cur.adbc_ingest(name, table, mode="create")


def load_sample(server: Server, db: str) -> str:
    """Create the database ``db`` holding the sample data (``email_events`` with ``line``,
    ``campaigns``, ``emails``, ``leads``, ``messy_events``); its URL as the superuser."""
    sql(server.url(), f"CREATE DATABASE {db}")
    url = server.url(db)
    ingest(url, "email_events", with_line(pq.read_table(DATA / "events.parquet")))
    ingest(url, "emails", pq.read_table(DATA / "emails.parquet"))
    ingest(url, "leads", pq.read_table(DATA / "leads.parquet"))
    ingest(url, "campaigns", text_table(DATA / "campaigns.csv"))
    ingest(url, "messy_events", with_line(text_table(DATA / "messy_events.csv")))
    return url
