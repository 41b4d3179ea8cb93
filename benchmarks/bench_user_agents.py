"""What user agents cost: a 5M-event log with a user agent on every open and click, against
the same log without, file -> report table, in fresh processes, medians of 3.

The load parses each distinct user agent once (ua-parser) and counts machine opens and the
source's bots; the target is less than 10% added to the end-to-end time::

    python benchmarks/bench_user_agents.py --events 5M --agents 3000

Writes ``benchmarks/user_agents_results.md``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import HERE, parse_size, sample_file, size_label

CHILD = """
import json, sys, time
t = time.perf_counter()
import campaign_perf as cp
log = cp.load_events(sys.argv[1], warn=False)
loaded = time.perf_counter()
cp.Report(log).table()
end = time.perf_counter()
s = log.summary()
print(json.dumps({"load": loaded - t, "total": end - t, "agents": s.user_agents,
                  "machine_opens": s.machine_opens}))
"""


def with_agents(src: Path, out: Path, n_agents: int, seed: int = 5) -> Path:
    """The events of ``src`` with a user agent and an IP on every open and click, drawn from
    ``n_agents`` distinct user agents (a third of Apple Mail's opens MPP's bare one)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    if out.exists():
        return out
    table = pq.read_table(src)
    rng = np.random.default_rng(seed)
    bases = [
        "Mozilla/5.0 (iPhone; CPU iPhone OS {v}_1 like Mac OS X) AppleWebKit/605.1.{b} "
        "(KHTML, like Gecko) Mobile/15E148",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_{v}) AppleWebKit/605.1.{b} "
        "(KHTML, like Gecko)",
        "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.{b}{v}; Pro)",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/1{v}.0.{b}.0 Safari/537.36",
        "Mozilla/5.0 (Linux; Android 1{v}; SM-S9{b}B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/12{v}.0 Mobile Safari/537.36",
    ]
    pool = ["Mozilla/5.0"] + [
        bases[i % len(bases)].format(v=i % 10, b=i // len(bases)) for i in range(n_agents - 1)
    ]
    n = table.num_rows
    engaged = pc.is_in(table["event_type"], pa.array(["open", "click"])).to_numpy(
        zero_copy_only=False
    )
    ua = np.asarray(pool, dtype=object)[rng.integers(0, len(pool), n)]
    ips = np.char.add("192.0.2.", (rng.integers(0, 255, n)).astype(str)).astype(object)
    ua[~engaged] = None
    ips[~engaged] = None
    table = table.append_column("user_agent", pa.array(ua, pa.string()))
    table = table.append_column("ip", pa.array(ips, pa.string()))
    pq.write_table(table, out)
    return out


def run(path: Path) -> dict:
    """One measure in a fresh process."""
    res = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=True
    )
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    """Measure and write the results."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", default="5M")
    ap.add_argument("--agents", type=int, default=3000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--work", type=Path, default=Path("/tmp/campaign_perf_bench"))
    args = ap.parse_args()
    n = parse_size(args.events)
    args.work.mkdir(parents=True, exist_ok=True)
    plain, _ = sample_file(args.work, n)
    agents = with_agents(plain, args.work / f"events_{size_label(n)}_agents.parquet", args.agents)
    times: dict[str, list[dict]] = {"without user agents": [], "with user agents": []}
    for _ in range(args.repeat):  # interleaved, so that a busy moment hits both
        times["without user agents"].append(run(plain))
        times["with user agents"].append(run(agents))
    med = {k: statistics.median(r["total"] for r in v) for k, v in times.items()}
    load = {k: statistics.median(r["load"] for r in v) for k, v in times.items()}
    extra = med["with user agents"] / med["without user agents"] - 1
    lines = [
        f"# User agents: {size_label(n)} events, {args.agents:,} distinct user agents",
        "",
        f"Measured {time.strftime('%Y-%m-%d')}, medians of {args.repeat} fresh processes "
        "(file -> load -> report table).",
        "",
        "| log | load (s) | end to end (s) |",
        "|---|---|---|",
        *(f"| {k} | {load[k]:.2f} | {med[k]:.2f} |" for k in med),
        "",
        f"User agents add {extra:+.1%} to the end-to-end time (target: under +10%); "
        f"{times['with user agents'][0]['agents']:,} distinct user agents parsed, "
        f"{times['with user agents'][0]['machine_opens']:,} machine opens found.",
    ]
    (HERE / "user_agents_results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
