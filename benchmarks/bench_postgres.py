"""A table of generated events in PostgreSQL: the report pushed down against copied, and the
bytes that travel.

    python benchmarks/bench_postgres.py --events 5M            # starts a throwaway server
    python benchmarks/bench_postgres.py --events 5M --url postgresql://user@host/db

Without ``--url`` the script starts a throwaway server as the suite does
(``tests/_postgres.py``: initdb and pg_ctl on a temporary folder, as Debian's ``postgres`` user
when run as root). The generated events are written to the table ``bench_events`` once (not
timed), then each measure runs in the same process on a fresh load, in this order, medians of
``--runs``:

- pushed down: ``load_events(url, table=...)`` (checks, duplicates, orphans in the database)
  and the first ``Report.table()`` (records and the cube built there, the cube fetched);
- copied: ``load_events(url, table=..., engine="embedded")`` (the table read as Arrow into
  DuckDB) and the first ``Report.table()``;
- a reslice of the pushed-down report (another time frame and grouping: local);
- bytes received: the Arrow size of what came back from the database.

The results go to ``benchmarks/postgres_results.md``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from _common import parse_size, sample_file, size_label

import campaign_perf as cp
from campaign_perf.engine.postgres import connect_database

HERE = Path(__file__).resolve().parent
TABLE = "bench_events"
FRAME = "2026-10-01..2026-10-31"


def _mb(n: int) -> str:
    return f"{n / 2**20:,.1f} MB"


def measure(url: str, runs: int) -> dict:
    pushed_s, copied_s, reslice_s, received = [], [], [], 0
    totals = {}
    for _ in range(runs):
        t = time.perf_counter()
        log = cp.load_events(url, table=TABLE, warn=False)
        rep = cp.Report(log, time_frame=FRAME)
        table = rep.table()
        pushed_s.append(time.perf_counter() - t)
        received = log.db.received
        totals["pushed"] = int(table["sent"].sum())
        t = time.perf_counter()
        rep.with_time_frame("2026-10-15..2026-10-21").by("program").table()
        reslice_s.append(time.perf_counter() - t)
        log.close()
        t = time.perf_counter()
        copied = cp.load_events(url, table=TABLE, engine="embedded", warn=False)
        totals["copied"] = int(cp.Report(copied, time_frame=FRAME).table()["sent"].sum())
        copied_s.append(time.perf_counter() - t)
    db = connect_database(url)
    copied_bytes = db.arrow(f"SELECT * FROM {TABLE}").nbytes
    db.close()
    return {
        "pushed": statistics.median(pushed_s),
        "copied": statistics.median(copied_s),
        "reslice": statistics.median(reslice_s),
        "pushed_bytes": received,
        "copied_bytes": copied_bytes,
        "agree": totals["pushed"] == totals["copied"],
    }


def write_table(url: str, path: Path) -> int:
    import adbc_driver_postgresql.dbapi as adbc_pg

    table = pq.read_table(path)
    with adbc_pg.connect(url, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cur.adbc_ingest(TABLE, table, mode="create")
        cur.execute(f"ANALYZE {TABLE}")
    return table.num_rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", default="5M", help="events to generate (5M, 500k)")
    parser.add_argument("--runs", type=int, default=3, help="runs per measure (median)")
    parser.add_argument("--url", help="a PostgreSQL database (default: a throwaway server)")
    parser.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "cp_bench"))
    args = parser.parse_args()
    n = parse_size(args.events)
    path, _ = sample_file(Path(args.work), n)
    warnings.simplefilter("ignore")
    if args.url:
        rows = write_table(args.url, path)
        result = measure(args.url, args.runs)
    else:
        from _postgres import running_server, sql

        with running_server() as server:
            sql(server.url(), "CREATE DATABASE bench")
            url = server.url("bench")
            rows = write_table(url, path)
            result = measure(url, args.runs)
    lines = [
        f"PostgreSQL benchmark (`benchmarks/bench_postgres.py --events {size_label(n)}`): "
        f"{rows:,} generated events in one table; report of {FRAME}; medians of {args.runs} "
        f"runs; 2 cores shared by client and server. Measured {time.strftime('%Y-%m-%d')}.",
        "",
        '| measure | pushed down | copied (`engine="embedded"`) |',
        "|---|---:|---:|",
        f"| load + first report table | {result['pushed']:.2f} s | {result['copied']:.2f} s |",
        f"| bytes from the database | {_mb(result['pushed_bytes'])} | "
        f"{_mb(result['copied_bytes'])} |",
        f"| reslice (time frame, grouping) | {result['reslice'] * 1000:.1f} ms | – |",
        f"| totals agree | {'yes' if result['agree'] else 'NO'} | |",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    (HERE / "postgres_results.md").write_text(text)


if __name__ == "__main__":
    main()
