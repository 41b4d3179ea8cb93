"""A log larger than the engine's memory budget still loads and reports, identically.

The embedded engine may use ``CAMPAIGN_PERF_MEMORY_LIMIT`` of memory; past it DuckDB spills
tables and intermediate results to disk. A CSV is parsed into the engine (and spills); a
Parquet file is read where it lies. Each run is a fresh process so that its
peak memory (VmHWM) is its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from campaign_perf.sample import write_sample

CHILD = r"""
import json, sys, warnings
warnings.simplefilter("ignore")
import campaign_perf as cp
log = cp.load_events(sys.argv[1])
rep = cp.Report(log, time_frame="2026-09-01..2026-10-31")
table = rep.by("program").table()
limit = log._con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
spilled = log._con.execute(
    "SELECT coalesce(sum(size), 0) FROM duckdb_temporary_files()").fetchone()[0]
peak = int([l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM:")][0])
print(json.dumps({"table": table.to_json(orient="split"), "limit": limit,
                  "events": len(log), "peak_kb": peak, "spilled": int(spilled)}))
"""


def run(path: Path, limit: str) -> dict:
    env = {**os.environ, "CAMPAIGN_PERF_MEMORY_LIMIT": limit}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("large")
    return write_sample(folder, 1_500_000, seed=5, messy=False)["events"]


@pytest.fixture(scope="module")
def big_csv(big_file: Path) -> Path:
    path = big_file.with_suffix(".csv")
    duckdb.sql(f"COPY (SELECT * FROM read_parquet('{big_file}')) TO '{path}' (HEADER)")
    return path


@pytest.mark.slow
def test_a_csv_larger_than_the_memory_budget_gives_the_same_report(big_csv: Path) -> None:
    roomy = run(big_csv, "4GB")
    tight = run(big_csv, "100MB")
    # 1.5M events parsed into the engine take far more than 100 MB: the tight run spilled...
    assert tight["events"] == roomy["events"] > 1_000_000
    assert tight["spilled"] > 0 and roomy["spilled"] == 0
    # ...and still gives exactly the same report.
    assert tight["table"] == roomy["table"]
    assert tight["peak_kb"] < roomy["peak_kb"]


@pytest.mark.slow
def test_a_parquet_file_is_read_in_place_within_a_small_budget(
    big_file: Path, big_csv: Path
) -> None:
    roomy = run(big_file, "4GB")
    tight = run(big_file, "100MB")
    # The engine never holds the events of a Parquet file, only per-record aggregates:
    # the budget that made the CSV spill is enough without spilling.
    assert tight["events"] == roomy["events"] > 1_000_000
    assert tight["spilled"] == 0
    assert tight["table"] == roomy["table"] == run(big_csv, "4GB")["table"]


@pytest.mark.slow
def test_a_budget_too_small_says_what_to_do(big_file: Path) -> None:
    env = {**os.environ, "CAMPAIGN_PERF_MEMORY_LIMIT": "16MB"}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(big_file)], env=env, capture_output=True, text=True
    )
    assert out.returncode != 0
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("campaign_perf.errors.MemoryBudgetError: ")
    assert "(15.2 MiB)" in last  # 16 MB and "CAMPAIGN_PERF_MEMORY_LIMIT" in last
