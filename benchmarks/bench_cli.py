"""Small data, whole processes: the CLI against the hand-written query run as a script.

What a user of a shell waits for on the sample (500k events): ``campaign-perf report
sample_data/events.parquet -t 2026-10-01..2026-10-31 -o out.csv``, against ``python
script.py`` running the hand-written DuckDB SQL query of the rules (``bench_report.py``'s)
and writing the same table to CSV, with DuckDB's ``COPY`` (no pandas) and, as many scripts
do, through pandas. Each run is a fresh process, imports and start-up included (the
package's bytecode compiled first, as an installed wheel has it), the two alternating so
that both see the same machine; medians of ``--runs``. The two CSV files must hold the same
sent total. Usage::

    python benchmarks/bench_cli.py [--runs 9] [--out benchmarks/cli_results.md]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import HERE, compile_package
from bench_report import BASELINE_SQL, FRAME

SAMPLE = HERE.parent / "sample_data" / "events.parquet"

SCRIPT = r"""
import sys
import duckdb
path, lo, hi, sql_file, out = sys.argv[1:6]
con = duckdb.connect()
con.execute("SET TimeZone = 'UTC'")
con.execute("SET enable_progress_bar = false")
sql = open(sql_file).read().format(path=path, lo=lo, hi=hi)
if "--pandas" in sys.argv:  # as many scripts do: the result as a DataFrame, to_csv
    con.execute(sql).df().to_csv(out, index=False)
else:
    con.execute(f"COPY ({sql}) TO '{out}' (HEADER)")
"""


def _timed(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - t


def _sent(path: Path) -> int:
    with path.open(newline="") as f:
        return sum(int(r["sent"]) for r in csv.DictReader(f))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--out", type=Path, default=HERE / "cli_results.md")
    args = ap.parse_args()
    compile_package()

    cli = shutil.which("campaign-perf", path=str(Path(sys.executable).parent))
    if cli is None:
        raise SystemExit("campaign-perf is not installed beside this Python (make setup)")
    work = Path(tempfile.mkdtemp(prefix="cp-bench-cli-"))
    sql_file, script = work / "baseline.sql", work / "baseline.py"
    sql_file.write_text(BASELINE_SQL)
    script.write_text(SCRIPT)
    first, last = FRAME
    lo = f"{first} 00:00:00+00"
    hi = f"{dt.date.fromisoformat(last) + dt.timedelta(days=1)} 00:00:00+00"
    ours_csv, base_csv = work / "out.csv", work / "baseline.csv"
    commands = {
        "campaign_perf": [
            cli,
            "report",
            str(SAMPLE),
            "-t",
            f"{first}..{last}",
            "-o",
            str(ours_csv),
        ],
        "script": [sys.executable, str(script), str(SAMPLE), lo, hi, str(sql_file), str(base_csv)],
        "script, pandas": [
            *(sys.executable, str(script), str(SAMPLE), lo, hi, str(sql_file)),
            *(str(work / "pandas.csv"), "--pandas"),
        ],
    }
    times: dict[str, list[float]] = {k: [] for k in commands}
    for i in range(args.runs):
        for kind, cmd in commands.items():
            times[kind].append(_timed(cmd))
        print(f"  run {i + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()),
              file=sys.stderr)  # fmt: skip
    ours, base, with_pandas = (statistics.median(times[k]) for k in commands)
    agree = _sent(ours_csv) == _sent(base_csv) == _sent(work / "pandas.csv")
    load = os.getloadavg()[0]
    text = (
        f"Small data, whole processes (`benchmarks/bench_cli.py`): the sample "
        f"({SAMPLE.name}, 500k events), the table of {first}..{last} written to CSV; "
        f"medians of {args.runs} fresh processes each, alternating, start-up and imports "
        "included; 2 cores.\n\n"
        "| command | median | ratio |\n|:---|---:|---:|\n"
        f"| `campaign-perf report events.parquet -t {first}..{last} -o out.csv` "
        f"| {ours:.2f} s | {ours / base:.2f}× |\n"
        f"| `python script.py` (the hand-written DuckDB SQL, `COPY … TO 'out.csv'`) "
        f"| {base:.2f} s | 1.00× |\n"
        f"| the same script, the result through pandas (`.df().to_csv(...)`) "
        f"| {with_pandas:.2f} s | {with_pandas / base:.2f}× |\n\n"
        f"Sent totals agree: {'yes' if agree else 'NO'}. Measured {dt.date.today()}; "
        f"machine load {load:.1f}.\n"
    )
    print(text)
    args.out.write_text(text)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
