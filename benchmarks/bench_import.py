"""The cost of ``import campaign_perf`` against importing pandas, duckdb and pyarrow.

Each import runs in a fresh process (``python -X importtime``), alternating the two so that
both see the same machine; the figure is the cumulative time the interpreter reports for the
imported modules, medians over ``--runs``. The package's bytecode is compiled first, as an
installed wheel has it (pandas, duckdb and pyarrow have theirs). plotly, ipywidgets, jinja2
and openpyxl are imported by the views that use them, the first time they are used, and
ua-parser by the first user agent parsed (the statistics need no scipy).

    python benchmarks/bench_import.py --runs 15
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

from _common import compile_package

CASES = {
    "pandas + duckdb + pyarrow": "import pandas, duckdb, pyarrow",
    "campaign_perf": "import campaign_perf",
}


def import_ms(statement: str) -> float:
    """Milliseconds the interpreter spends importing ``statement``'s top-level modules."""
    err = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    # Top-level modules are the lines whose name is indented by one space only.
    total = 0
    for line in err.splitlines()[1:]:
        _self, cumulative, name = line.split("|")
        if not name.startswith("  "):
            total += int(cumulative)
    return total / 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    compile_package()
    times: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(args.runs):
        for name, statement in CASES.items():
            times[name].append(import_ms(statement))
    base = statistics.median(times["pandas + duckdb + pyarrow"])
    print(f"| import | median ms | ratio |  ({args.runs} fresh processes each)")
    print("|---|---:|---:|")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"| {name} | {median:.0f} | {median / base:.2f}× |")


if __name__ == "__main__":
    main()
