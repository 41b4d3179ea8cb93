"""Scale benchmark: campaign_perf at 1, 5 and 20 million events against two baselines.

Two shapes of data (``--shape``): *blast*, the generated sample
(``campaign_perf.sample.write_sample``: a few dozen emails each sent on a few days, compact
ids, rows in time order), and *trigger* (``trigger_shape.py``: 1,600 nurture emails each
sent on most days of ten months, UUID event ids, rows in random order). For each shape and
size, one Parquet file, and on that file, in the same run, each measure in a fresh process
(so its peak memory is its own):

* **campaign_perf, end to end**: ``load_events(path)`` + ``Report(log, time_frame=...).table()``;
* **DuckDB SQL baseline**: the hand-written query of the rules of ``bench_report.py``;
* **pandas baseline**: a straightforward pandas reading of the rules (``read_parquet``,
  ``drop_duplicates``, a group-by per record, the status by ``numpy.select``, sums);
* **after a load**: ``load_events`` alone, then the default ``Report(log).table()``;
* **reslice**: an existing report moved to other time frames (median of 50);
* **HTML export**: ``Report.write_html`` (when the Report has it);
* **peak memory**: the max RSS of each end-to-end process.

The three end-to-end measures must agree on the sent, delivered, opened and clicked
totals; a disagreement is reported in the table, not hidden. Timings exclude the imports.
The machine's load average (1 minute) is noted before and after each file's measures.
Results are kept per shape and size in ``scale_results.json`` (so they can be measured in
separate runs) and written as a markdown table to ``scale_results.md``. Usage::

    python benchmarks/bench_scale.py [--shape blast|trigger|blast,trigger]
        [--sizes 1M,5M,20M] [--runs 3] [--update-readme]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _common import (
    CHILD_FOOTER,
    HERE,
    parse_size,
    run_child,
    sample_file,
    size_label,
    update_readme,
)
from trigger_shape import trigger_file

#: The report's frame: the last month of the generated data (which ends on 2026-10-31).
FRAME = ("2026-10-01", "2026-10-31")
TOTALS = ("sent", "delivered", "opened", "clicked")
KINDS = ("campaign_perf", "duckdb_sql", "pandas")
SHAPES = ("blast", "trigger")

_HEAD = rf"""
import sys, time, warnings
warnings.simplefilter("ignore")
path, first, last = sys.argv[1:4]
TOTALS = {TOTALS!r}
"""

CHILDREN = {
    "campaign_perf": _HEAD
    + r"""
import campaign_perf as cp
t = time.perf_counter()
log = cp.load_events(path)
table = cp.Report(log, time_frame=f"{first}..{last}").table()
result = {"seconds": time.perf_counter() - t, "rows": len(table)}
result.update({k: int(table[k].sum()) for k in TOTALS})
""",
    "duckdb_sql": _HEAD
    + r"""
import datetime as dt
import duckdb
sys.path.insert(0, "benchmarks")
from bench_report import BASELINE_SQL
lo = f"{first} 00:00:00+00"
hi = f"{dt.date.fromisoformat(last) + dt.timedelta(days=1)} 00:00:00+00"
t = time.perf_counter()
con = duckdb.connect()
con.execute("SET TimeZone = 'UTC'")
con.execute("SET enable_progress_bar = false")
table = con.execute(BASELINE_SQL.format(path=path, lo=lo, hi=hi)).df()
result = {"seconds": time.perf_counter() - t, "rows": len(table)}
result.update({k: int(table[k].sum()) for k in TOTALS})
""",
    "pandas": _HEAD
    + r"""
import numpy as np
import pandas as pd
lo = pd.Timestamp(first, tz="UTC")
hi = pd.Timestamp(last, tz="UTC") + pd.Timedelta(days=1)
t = time.perf_counter()
cols = ["event_id", "event_type", "timestamp", "campaign_id", "email_id", "lead_id", "link"]
df = pd.read_parquet(path, columns=cols)
df = df.drop_duplicates(["event_id", "event_type"])  # webhook retries
as_of = df["timestamp"].max()
df = df[df["timestamp"] <= as_of]
et = df["event_type"]
unsub_link = df["link"].str.contains("unsubscribe|opt-?out", case=False, regex=True, na=False)
flags = pd.DataFrame({
    "campaign_id": df["campaign_id"], "email_id": df["email_id"], "lead_id": df["lead_id"],
    "sent_at": df["timestamp"].where(et == "sent"),
    "open": et == "open",
    "click": (et == "click") & ~unsub_link,
    "unsub": et == "unsubscribe",
    "hard": et == "hard_bounce",
    "soft": et == "soft_bounce",
    "delivered": et.isin(["delivered", "complaint"]),
})
rec = flags.groupby(["campaign_id", "email_id", "lead_id"], sort=False).agg(
    first_sent=("sent_at", "min"), o=("open", "any"), c=("click", "any"), u=("unsub", "any"),
    hb=("hard", "any"), sb=("soft", "any"), d=("delivered", "any"),
)
rec = rec[rec["first_sent"].notna()]
rec = rec[(rec["first_sent"] >= lo) & (rec["first_sent"] < hi)]
opened = rec["o"] | rec["c"] | rec["u"]
aborted = as_of - rec["first_sent"] >= pd.Timedelta(hours=72)
status = np.select(
    [opened, rec["hb"], rec["sb"], rec["d"], aborted],
    ["delivered", "hard_bounced", "soft_bounced", "delivered", "aborted"],
    "pending",
)
counts = pd.DataFrame(
    {"sent": 1, "delivered": status == "delivered", "opened": opened, "clicked": rec["c"]},
    index=rec.index,
)
table = counts.groupby(level=["campaign_id", "email_id"]).sum()
result = {"seconds": time.perf_counter() - t, "rows": len(table)}
result.update({k: int(table[k].sum()) for k in TOTALS})
""",
    "reslice": _HEAD
    + r"""
import statistics, tempfile
from pathlib import Path
import campaign_perf as cp
t = time.perf_counter()
log = cp.load_events(path)
load_s = time.perf_counter() - t
t = time.perf_counter()
cp.Report(log).table()
table_s = time.perf_counter() - t
rep = cp.Report(log, time_frame=f"{first}..{last}")
rep.table()
frames = ["2026-09-01..2026-09-30", "2026-10-15..2026-10-31", "2026-06-01..2026-08-31",
          "all time", "2026-10-31..2026-10-31"]
times = []
for i in range(50):
    t = time.perf_counter()
    rep.with_time_frame(frames[i % len(frames)]).table()
    times.append((time.perf_counter() - t) * 1000)
result = {
    "reslice_ms": statistics.median(times),
    "load_s": load_s,
    "table_s": table_s,
    "html_s": None,
    "html_mb": None,
}
if hasattr(cp.Report, "write_html"):
    out = Path(tempfile.mkdtemp()) / "report.html"
    html = []
    for _ in range(3):
        t = time.perf_counter()
        rep.write_html(out)
        html.append(time.perf_counter() - t)
    result["html_s"] = statistics.median(html)
    result["html_mb"] = out.stat().st_size / 2**20
""",
}


def measure(path: Path, runs: int) -> dict:
    """Every measure on one file: medians of ``runs`` runs, the baselines interleaved."""
    runs_of: dict[str, list[dict]] = {k: [] for k in KINDS}
    path.read_bytes()  # the file in the page cache for every measure, the first one too
    load_before = os.getloadavg()[0]
    for i in range(runs):
        for kind in KINDS:
            r = run_child(CHILDREN[kind] + CHILD_FOOTER, str(path), *FRAME)
            runs_of[kind].append(r)
            print(
                f"  run {i + 1} {kind}: {r['seconds']:.2f} s, {r['rss_mb']:,.0f} MB",
                file=sys.stderr,
            )
    med = statistics.median
    out: dict = {}
    for kind, rs in runs_of.items():
        out[kind] = {
            "seconds": med(r["seconds"] for r in rs),
            "rss_mb": med(r["rss_mb"] for r in rs),
            "totals": {k: rs[0][k] for k in TOTALS},
            "rows": rs[0]["rows"],
        }
    out["reslice"] = run_child(CHILDREN["reslice"] + CHILD_FOOTER, str(path), *FRAME)
    print(f"  reslice/export: {out['reslice']}", file=sys.stderr)
    out["loadavg"] = [round(load_before, 1), round(os.getloadavg()[0], 1)]
    return out


def _fmt_s(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds:.2f} s"


def _key(shape: str, label: str) -> str:
    return f"{shape} {label}"


def _targets(label: str, shape: str, r: dict) -> list[str]:
    """The targets of issue 15 that this shape and size can judge."""
    cp_, sql, rs = r["campaign_perf"], r["duckdb_sql"], r["reslice"]
    n, out = r["events"], []

    def check(what: str, ok: bool, value: str) -> None:
        out.append(f"{what} at {shape} {label}: {'met' if ok else 'not met'} ({value})")

    if n >= 5_000_000:
        ratio = cp_["seconds"] / sql["seconds"]
        check("end to end at most 0.6× DuckDB SQL", ratio <= 0.6, f"{ratio:.2f}×")
    if n >= 20_000_000:
        check("peak memory at most 1.2 GB", cp_["rss_mb"] <= 1200, f"{cp_['rss_mb']:,.0f} MB")
    if shape == "trigger" and 4_000_000 <= n < 20_000_000:
        ms = rs["reslice_ms"]
        check("reslice under 20 ms", ms < 20, f"{ms:.1f} ms")
        if rs.get("table_s") is not None:
            check(
                "Report(log).table() after a load under 0.3 s",
                rs["table_s"] < 0.3,
                f"{rs['table_s']:.2f} s",
            )
        if rs.get("html_s") is not None:
            check("HTML export under 1 s", rs["html_s"] < 1, f"{rs['html_s']:.2f} s")
            check("HTML file under 6 MB", rs["html_mb"] < 6, f"{rs['html_mb']:.1f} MB")
    return out


def markdown(results: dict[str, dict]) -> str:
    """The results as a markdown table, with the targets checked."""
    cpus = os.cpu_count()
    runs = "/".join(str(n) for n in sorted({r.get("runs", 1) for r in results.values()}))
    lines = [
        f"Scale benchmark (`benchmarks/bench_scale.py`): generated events, one Parquet file per "
        f"shape and size; {cpus} cores; medians of {runs} runs, each measure in a fresh process "
        "on the same file in the same run. Shapes: *blast* = the generated sample (a few dozen "
        "emails each sent on a few days, compact ids, rows in time order); *trigger* = 1,600 "
        "nurture emails each sent on most days of ten months, UUID event ids, rows in random "
        "order (`benchmarks/trigger_shape.py`). End to end = file → report table "
        f"(`load_events` + `Report(time_frame='{FRAME[0]}..{FRAME[1]}').table()`), imports "
        "excluded. Ratios are to the hand-written DuckDB SQL query of the rules. *Load* and "
        "*table* = `load_events` alone, then the default `Report(log).table()`, in one more "
        "process (with the reslice, a median of 50, and the HTML export, of 3). *Machine "
        "load* = the 1-minute load average before and after the file's measures (the machine "
        "is shared: above the core count, every figure is slower than on a quiet machine, and a "
        "ratio can move by tens of percent from one run to the next; judge a target on a quiet "
        "machine).",
        "",
        "| shape | events | Parquet | campaign_perf | DuckDB SQL | pandas | campaign_perf ÷ SQL "
        "| pandas ÷ SQL | load | table | reslice | HTML export | peak RSS campaign_perf "
        "| DuckDB SQL | pandas | totals agree | machine load |",
        "|:---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|---:|",
    ]
    targets = []
    order = sorted(results.values(), key=lambda r: (SHAPES.index(r["shape"]), r["events"]))
    for r in order:
        cp_, sql, pd_ = r["campaign_perf"], r["duckdb_sql"], r["pandas"]
        same = cp_["totals"] == sql["totals"] == pd_["totals"]
        agree = "yes" if same else "**no**: " + "; ".join(f"{k} {r[k]['totals']}" for k in KINDS)
        rs = r["reslice"]
        load = r.get("loadavg")
        lines.append(
            f"| {r['shape']} | {r['events']:,} | {r['file_mb']:.0f} MB "
            f"| {_fmt_s(cp_['seconds'])} | {_fmt_s(sql['seconds'])} | {_fmt_s(pd_['seconds'])} "
            f"| {cp_['seconds'] / sql['seconds']:.2f}× | {pd_['seconds'] / sql['seconds']:.2f}× "
            f"| {_fmt_s(rs.get('load_s'))} | {_fmt_s(rs.get('table_s'))} "
            f"| {rs['reslice_ms']:.1f} ms | {_fmt_s(rs['html_s'])} "
            f"| {cp_['rss_mb']:,.0f} MB | {sql['rss_mb']:,.0f} MB | {pd_['rss_mb']:,.0f} MB "
            f"| {agree} | {'–' if load is None else f'{load[0]:.1f} → {load[1]:.1f}'} |"
        )
        targets += _targets(r["label"], r["shape"], r)
    judged = "; ".join(targets) if targets else "none judged at these sizes"
    lines += ["", f"Targets (issue 15): {judged}."]
    dates = sorted({r["measured"] for r in results.values()})
    lines += ["", f"Measured {', '.join(dates)}."]
    return "\n".join(lines)


def _stored(store: Path) -> dict[str, dict]:
    """The results measured before; those from before the shapes existed are *blast*."""
    if not store.exists():
        return {}
    results = {}
    for key, r in json.loads(store.read_text()).items():
        r.setdefault("shape", "blast")
        r.setdefault("label", key.split()[-1])
        results[_key(r["shape"], r["label"])] = r
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1M,5M,20M", help="comma-separated: 1M,5M,20M")
    ap.add_argument(
        "--shape", default="blast", help="blast, trigger, or both: blast,trigger (see above)"
    )
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--work", type=Path, help="folder for the generated files (reused)")
    ap.add_argument("--out", type=Path, default=HERE / "scale_results.md")
    ap.add_argument("--fresh", action="store_true", help="forget the sizes measured before")
    ap.add_argument("--update-readme", action="store_true", help="put the table in README.md")
    args = ap.parse_args()

    shapes = [s.strip() for s in args.shape.split(",") if s.strip()]
    if not shapes or any(s not in SHAPES for s in shapes):
        ap.error(f"--shape: one or more of {', '.join(SHAPES)}, not {args.shape!r}")
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    work = args.work or Path(tempfile.gettempdir()) / "cp-bench-scale"
    work.mkdir(parents=True, exist_ok=True)
    store = args.out.with_suffix(".json")
    results = {} if args.fresh else _stored(store)

    import pyarrow.parquet as pq

    for shape in shapes:
        for n in sizes:
            label = size_label(n)
            make = sample_file if shape == "blast" else trigger_file
            path, gen_s = make(work, n, seed=args.seed)
            events = pq.ParquetFile(path).metadata.num_rows
            file_mb = path.stat().st_size / 2**20
            note = f"generated in {gen_s:.0f} s" if gen_s else "reused"
            print(f"{shape} {label}: {events:,} events, {file_mb:.0f} MB ({note})", file=sys.stderr)
            t = time.perf_counter()
            r = measure(path, args.runs)
            r.update(
                shape=shape,
                label=label,
                events=events,
                file_mb=file_mb,
                runs=args.runs,
                measured=dt.date.today().isoformat(),
            )
            results[_key(shape, label)] = r
            store.write_text(json.dumps(results, indent=1))
            print(f"{shape} {label}: measured in {time.perf_counter() - t:.0f} s", file=sys.stderr)

    text = markdown(results)
    print(text)
    args.out.write_text(text + "\n")
    print(f"written to {args.out}", file=sys.stderr)
    if args.update_readme:
        if update_readme(text, "scale"):
            print("updated README.md", file=sys.stderr)
        else:
            print("README.md has no <!-- scale:start --> marker; not updated", file=sys.stderr)


if __name__ == "__main__":
    main()
