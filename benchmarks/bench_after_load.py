"""What a user waits for once the events are loaded: the first table and the shared report.

On one generated file (``--shape trigger``: 1,600 emails each sent on most days of ten
months, ``benchmarks/trigger_shape.py``; or ``blast``: the generated sample), each run is a
fresh process that loads the file and then measures:

* **table**: the default ``Report(log).table()`` right after the load;
* **HTML export, first**: ``Report(log, time_frame=<last month>).write_html(...)`` on a
  report whose table was asked for (as a notebook would), the first time;
* **HTML export, again**: the same call twice more (median): what the engine keeps helps;
* **HTML file**: its size, and with ``plotlyjs="cdn"`` (the data without plotly.js);
* **file → table**: ``load_events`` and the last month's table, in a process of its own
  (the end-to-end measure of ``bench_scale.py``).

The baselines are measured in the same run, interleaved with this tree's runs:

* ``--against REF`` (default ``HEAD``): the same process with the package of a git
  commit (``git archive REF`` into a temporary folder), so before and after are measured
  on the same machine at the same time;
* the hand-written DuckDB SQL query of the rules, file → table (``bench_report.py``):
  the yardstick of the other benchmarks.

Medians of ``--runs`` runs; ratios are to the ``--against`` commit. Usage::

    python benchmarks/bench_after_load.py [--shape trigger] [--size 5M] [--runs 3]
        [--against HEAD] [--out benchmarks/after_load_results.md]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import CHILD_FOOTER, HERE, parse_size, run_child, sample_file, size_label
from bench_scale import CHILDREN, FRAME
from trigger_shape import trigger_file

CHILD = r"""
import statistics, sys, tempfile, time, warnings
from pathlib import Path
warnings.simplefilter("ignore")
path, first, last = sys.argv[1:4]
import campaign_perf as cp
t = time.perf_counter()
log = cp.load_events(path)
load_s = time.perf_counter() - t
t = time.perf_counter()
table = cp.Report(log).table()
table_s = time.perf_counter() - t
rep = cp.Report(log, time_frame=f"{first}..{last}")
rep.table()
out = Path(tempfile.mkdtemp()) / "report.html"
times = []
for _ in range(3):
    t = time.perf_counter()
    rep.write_html(out)
    times.append(time.perf_counter() - t)
cdn = out.with_name("cdn.html")
rep.write_html(cdn, plotlyjs="cdn")
result = {
    "load_s": load_s,
    "table_s": table_s,
    "table_sent": int(table["sent"].sum()),
    "html_first_s": times[0],
    "html_again_s": statistics.median(times[1:]),
    "html_mb": out.stat().st_size / 2**20,
    "cdn_mb": cdn.stat().st_size / 2**20,
    "campaign_perf": cp.__file__,
}
"""


def tree_of(ref: str, work: Path) -> Path:
    """The package of git commit ``ref`` in a folder of its own (for PYTHONPATH)."""
    sha = subprocess.run(
        ["git", "rev-parse", "--short", ref], check=True, capture_output=True, text=True,
        cwd=HERE.parent,
    ).stdout.strip()  # fmt: skip
    folder = work / f"tree_{sha}"
    if not (folder / "campaign_perf" / "__init__.py").exists():
        folder.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "archive", sha, "campaign_perf"], check=True, capture_output=True,
            cwd=HERE.parent,
        ).stdout  # fmt: skip
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def child(code: str, path: Path, tree: Path) -> dict:
    """``code`` in a fresh process that imports campaign_perf from ``tree`` (and only there)."""
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(tree)
    try:
        return run_child(code + CHILD_FOOTER, str(path), *FRAME, cwd=tree)
    finally:
        if old is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = old


MEASURES = (
    ("file_table_s", "file → table of the last month (as `bench_scale.py`)", "s"),
    ("table_s", "`Report(log).table()` after the load", "s"),
    ("html_first_s", "HTML export, first", "s"),
    ("html_again_s", "HTML export, again", "s"),
    ("html_mb", "HTML file", "MB"),
    ("cdn_mb", "HTML file with plotly.js from the CDN", "MB"),
    ("load_s", "`load_events` (for reference)", "s"),
)


def markdown(label: str, shape: str, ref: str, runs: int, res: dict, sql_s: float) -> str:
    """The results as a markdown table."""
    lines = [
        f"After a load (`benchmarks/bench_after_load.py`): {shape} shape, {label} events, "
        f"{os.cpu_count()} cores, medians of {runs} runs, each a fresh process; this tree "
        f"against `{ref}` in the same run, interleaved. HTML export: the report of "
        f"{FRAME[0]}..{FRAME[1]} (`write_html`, plotly.js inline). Yardstick: the "
        f"hand-written DuckDB SQL query of the rules, file → table, {sql_s:.2f} s.",
        "",
        f"| measure | `{ref}` | this tree | ratio |",
        "|:---|---:|---:|---:|",
    ]
    for key, text, unit in MEASURES:
        before, after = res["before"][key], res["after"][key]
        lines.append(
            f"| {text} | {before:.2f} {unit} | {after:.2f} {unit} | {after / before:.2f}× |"
        )
    same = res["before"]["table_sent"] == res["after"]["table_sent"]
    lines += ["", f"Totals agree (sent over all time): {'yes' if same else '**no**'}."]
    lines += ["", f"Measured {dt.date.today().isoformat()}; machine load {res['loadavg']}."]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shape", default="trigger", choices=("blast", "trigger"))
    ap.add_argument("--size", default="5M")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--against", default="HEAD", help="git commit of the baseline package")
    ap.add_argument("--work", type=Path, help="folder for the generated files (reused)")
    ap.add_argument("--out", type=Path, default=HERE / "after_load_results.md")
    args = ap.parse_args()

    work = args.work or Path(tempfile.gettempdir()) / "cp-bench-scale"
    work.mkdir(parents=True, exist_ok=True)
    n = parse_size(args.size)
    make = trigger_file if args.shape == "trigger" else sample_file
    path, _ = make(work, n)
    path.read_bytes()  # in the page cache for every run
    trees = {"before": tree_of(args.against, work), "after": HERE.parent}
    load_before = os.getloadavg()[0]
    got: dict[str, list[dict]] = {"before": [], "after": [], "sql": []}
    for i in range(args.runs):
        for name, tree in trees.items():
            r = child(CHILD, path, tree)
            r["file_table_s"] = child(CHILDREN["campaign_perf"], path, tree)["seconds"]
            got[name].append(r)
            print(f"  run {i + 1} {name}: {r}", file=sys.stderr)
        r = child(CHILDREN["duckdb_sql"], path, HERE.parent)  # reads benchmarks/
        got["sql"].append(r)
        print(f"  run {i + 1} sql: {r['seconds']:.2f} s", file=sys.stderr)
    med = statistics.median
    res: dict = {
        name: {k: med(r[k] for r in rs) for k in rs[0] if isinstance(rs[0][k], int | float)}
        for name, rs in got.items()
    }
    res["loadavg"] = f"{load_before:.1f} → {os.getloadavg()[0]:.1f}"
    text = markdown(size_label(n), args.shape, args.against, args.runs, res, res["sql"]["seconds"])
    print(text)
    args.out.write_text(text + "\n")
    print(f"written to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
