"""Shared parts of the benchmarks: generated files, child processes, sizes and markdown.

Each measure runs in a child process of its own, so that its peak memory (max RSS of the
child) is its own and no cache of one measure helps another.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
README = HERE.parent / "README.md"


def compile_package() -> None:
    """Compile the package's bytecode, as ``pip install`` of a wheel does.

    An editable install (``make``'s) leaves the modules as source; with
    ``PYTHONDONTWRITEBYTECODE`` set (as on this project's machines) every fresh process
    would compile them again, which a user's installed package never does. pandas, duckdb
    and pyarrow, installed as wheels, have their bytecode already.
    """
    import compileall

    compileall.compile_dir(HERE.parent / "campaign_perf", quiet=1)


def parse_size(text: str) -> int:
    """``"20M"`` -> 20_000_000, ``"500k"`` -> 500_000, ``"1500"`` -> 1500."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*", text)
    if not m:
        raise ValueError(f"not a size: {text!r} (use 1M, 500k or 1500)")
    scale = {"": 1, "k": 1_000, "m": 1_000_000}[m.group(2).lower()]
    return int(float(m.group(1)) * scale)


def size_label(n: int) -> str:
    """20_000_000 -> "20M"."""
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def sample_file(work: Path, n_events: int, seed: int = 11) -> tuple[Path, float]:
    """A generated events file of ``n_events`` (reused when ``work`` already holds it).

    Returns
    -------
    (Path, float)
        The events Parquet file and the seconds its generation took (0 when reused).
    """
    import pyarrow.parquet as pq

    from campaign_perf.sample import write_sample

    folder = work / f"events_{size_label(n_events)}_seed{seed}"
    path = folder / "events.parquet"
    if path.exists() and (folder / "done").exists():
        return path, 0.0
    t = time.perf_counter()
    files = write_sample(folder, n_events, seed=seed, messy=False)
    seconds = time.perf_counter() - t
    (folder / "done").write_text(str(pq.ParquetFile(files["events"]).metadata.num_rows))
    return files["events"], seconds


def run_child(code: str, *args: str, timeout: float | None = None, cwd: Path | None = None) -> dict:
    """Run ``code`` in a fresh Python process; it prints one JSON object as its last line.

    The process runs in ``cwd`` (default the repository), whose ``campaign_perf`` it imports.
    """
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd or HERE.parent,
    )
    if out.returncode != 0:
        raise RuntimeError(f"child failed ({out.returncode}):\n{out.stderr[-3000:]}")
    last = out.stdout.strip().splitlines()[-1]
    return json.loads(last[last.index("{") :])  # after a progress bar that ends the line


#: Appended to each child: its peak memory, then ``result`` as JSON.
#: The peak is the kernel's high-water mark of the child's own memory (``VmHWM``). On Linux
#: ``getrusage(RUSAGE_SELF).ru_maxrss`` survives fork + exec: a child started by a large
#: parent reports the parent's peak if it is higher, so it is only the fallback.
CHILD_FOOTER = r"""
import json as _json, resource as _resource
try:
    with open("/proc/self/status") as _f:
        _hwm = [line.split()[1] for line in _f if line.startswith("VmHWM:")]
    result["rss_mb"] = int(_hwm[0]) / 1024
except (OSError, IndexError):
    result["rss_mb"] = _resource.getrusage(_resource.RUSAGE_SELF).ru_maxrss / 1024
print(_json.dumps(result, default=str))
"""


def update_readme(table: str, marker: str, readme: Path = README) -> bool:
    """Put ``table`` between ``<!-- {marker}:start -->`` and ``<!-- {marker}:end -->``.

    Returns False (and leaves the file alone) when the README lacks the markers.
    """
    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    text = readme.read_text()
    if start not in text or end not in text:
        return False
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(f"{head}{start}\n{table}\n{end}{tail}")
    return True
