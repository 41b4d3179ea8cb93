"""Speed benchmark: campaign_perf against a hand-written DuckDB SQL query of the same rules.

Writes N generated events to Parquet, then measures in the same run, on the same file:

(a) file -> report table, end to end (``load_events`` + ``Report.table()``), against a
    plain DuckDB query of the rules (duplicates, as-of, status, engagement, frame);
(b) a reslice of an existing report to another time frame;
(c) peak memory (max RSS) of each end-to-end run, each in its own process.

Prints a markdown table (medians of several runs and the ratio to the baseline) and writes
it to ``benchmarks/results.md``. Usage::

    python benchmarks/bench_report.py [--events 5000000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
FRAME = ("2026-10-01", "2026-10-31")

BASELINE_SQL = """
WITH ev AS (
    SELECT * FROM read_parquet('{path}')
    QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY timestamp) = 1
),
rec AS (
    SELECT campaign_id, email_id, lead_id,
        min(timestamp) FILTER (WHERE event_type = 'sent') AS first_sent,
        bool_or(event_type = 'open') AS o,
        bool_or(event_type = 'click' AND NOT coalesce(regexp_matches(link,
            'unsubscribe|opt-?out', 'i'), false)) AS c,
        bool_or(event_type = 'unsubscribe') AS u,
        bool_or(event_type = 'hard_bounce') AS hb,
        bool_or(event_type = 'soft_bounce') AS sb,
        bool_or(event_type IN ('delivered', 'complaint')) AS d,
        bool_or(event_type = 'complaint') AS sp,
        count(*) FILTER (WHERE event_type = 'open') AS n_open,
        count(*) FILTER (WHERE event_type = 'click' AND NOT coalesce(regexp_matches(link,
            'unsubscribe|opt-?out', 'i'), false)) AS n_click
    FROM ev WHERE timestamp <= (SELECT max(timestamp) FROM ev)
    GROUP BY ALL HAVING first_sent IS NOT NULL
)
SELECT campaign_id, email_id, count(*) AS sent,
    count(*) FILTER (WHERE o OR c OR u OR (NOT hb AND NOT sb AND d)) AS delivered,
    count(*) FILTER (WHERE NOT (o OR c OR u) AND hb) AS hard_bounced,
    count(*) FILTER (WHERE NOT (o OR c OR u) AND NOT hb AND sb) AS soft_bounced,
    count(*) FILTER (WHERE NOT (o OR c OR u OR hb OR sb OR d)
        AND (SELECT max(timestamp) FROM ev) - first_sent < INTERVAL 72 HOUR) AS pending,
    count(*) FILTER (WHERE NOT (o OR c OR u OR hb OR sb OR d)
        AND (SELECT max(timestamp) FROM ev) - first_sent >= INTERVAL 72 HOUR) AS aborted,
    count(*) FILTER (WHERE o OR c OR u) AS opened, count(*) FILTER (WHERE c) AS clicked,
    count(*) FILTER (WHERE u) AS unsubscribed, count(*) FILTER (WHERE sp) AS complained,
    sum(n_open) AS total_opens, sum(n_click) AS total_clicks
FROM rec
WHERE first_sent >= TIMESTAMPTZ '{lo}' AND first_sent < TIMESTAMPTZ '{hi}'
GROUP BY ALL ORDER BY ALL
"""

CHILD = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
kind, path, first, last = sys.argv[1:5]
t = time.perf_counter()
if kind == "baseline":
    import datetime as dt
    lo = f"{first} 00:00:00+00"
    hi = f"{dt.date.fromisoformat(last) + dt.timedelta(days=1)} 00:00:00+00"
    import duckdb
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    sql = open(sys.argv[5]).read().format(path=path, lo=lo, hi=hi)
    rows = con.execute(sql).fetchall()
    n = len(rows)
    total_sent = sum(r[2] for r in rows)
else:
    import campaign_perf as cp
    log = cp.load_events(path)
    t_load = time.perf_counter() - t
    rep = cp.Report(log, time_frame=f"{first}..{last}")
    table = rep.table()
    n = len(table)
    total_sent = int(table["sent"].sum())
seconds = time.perf_counter() - t
# VmHWM, not ru_maxrss: a child's ru_maxrss keeps the parent's peak across fork and exec
rss_mb = int([l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM:")][0]) / 1024
print(json.dumps({"seconds": seconds, "rss_mb": rss_mb, "rows": n, "sent": total_sent}))
"""


def run_child(kind: str, path: Path, sql_file: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, kind, str(path), *FRAME, str(sql_file)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=5_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--reslices", type=int, default=50)
    ap.add_argument("--out", type=Path, default=HERE / "results.md")
    ap.add_argument("--update-readme", action="store_true", help="put the table in README.md")
    args = ap.parse_args()

    import campaign_perf as cp
    from campaign_perf.sample import write_sample

    work = Path(tempfile.mkdtemp(prefix="cp-bench-"))
    t = time.perf_counter()
    files = write_sample(work, args.events, seed=11, messy=False)
    path = files["events"]
    gen_s = time.perf_counter() - t
    size_mb = path.stat().st_size / 2**20
    import pyarrow.parquet as pq

    n_events = pq.ParquetFile(path).metadata.num_rows
    print(
        f"{n_events:,} events in {path} ({size_mb:.0f} MB), generated in {gen_s:.0f} s",
        file=sys.stderr,
    )
    sql_file = work / "baseline.sql"
    sql_file.write_text(BASELINE_SQL)

    ours, base = [], []
    for i in range(args.runs):
        base.append(run_child("baseline", path, sql_file))
        ours.append(run_child("campaign_perf", path, sql_file))
        print(
            f"run {i + 1}: baseline {base[-1]['seconds']:.2f} s, "
            f"campaign_perf {ours[-1]['seconds']:.2f} s",
            file=sys.stderr,
        )
    if ours[0]["sent"] != base[0]["sent"] or ours[0]["rows"] != base[0]["rows"]:
        raise SystemExit(f"results differ: ours {ours[0]} vs baseline {base[0]}")

    # (b) reslice: an existing report moved to other frames (cube already built)
    log = cp.load_events(path, warn=False)
    rep = cp.Report(log, time_frame=f"{FRAME[0]}..{FRAME[1]}")
    rep.table()
    frames = [
        "2026-09-01..2026-09-30",
        "2026-10-15..2026-10-31",
        "2026-06-01..2026-08-31",
        "all time",
        "2026-10-31..2026-10-31",
    ]
    times = []
    for i in range(args.reslices):
        t = time.perf_counter()
        rep.with_time_frame(frames[i % len(frames)]).table()
        times.append((time.perf_counter() - t) * 1000)

    med = statistics.median
    o_s, b_s = med(r["seconds"] for r in ours), med(r["seconds"] for r in base)
    o_m, b_m = med(r["rss_mb"] for r in ours), med(r["rss_mb"] for r in base)
    cpus = os.cpu_count()
    lines = [
        f"Benchmark: {n_events:,} events ({size_mb:.0f} MB Parquet), {cpus} cores, "
        f"medians of {args.runs} runs (reslice: {args.reslices}).",
        "",
        "| measure | campaign_perf | DuckDB SQL baseline | ratio |",
        "|---|---:|---:|---:|",
        f"| (a) file → report table, end to end | {o_s:.2f} s | {b_s:.2f} s | {o_s / b_s:.2f}× |",
        f"| (b) reslice to another time frame | {med(times):.1f} ms | – | – |",
        f"| (c) peak memory (max RSS) | {o_m:,.0f} MB | {b_m:,.0f} MB | {o_m / b_m:.2f}× |",
    ]
    text = "\n".join(lines)
    print(text)
    args.out.write_text(text + "\n")
    print(f"written to {args.out}", file=sys.stderr)
    if args.update_readme:
        update_readme(text)


def update_readme(table: str, readme: Path = HERE.parent / "README.md") -> None:
    """Put the table between the README's ``<!-- bench:start -->`` markers."""
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    text = readme.read_text()
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(f"{head}{start}\n{table}\n{end}{tail}")
    print(f"updated {readme}", file=sys.stderr)


if __name__ == "__main__":
    main()
