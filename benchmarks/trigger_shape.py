"""The *trigger* shape of the scale benchmark: nurture campaigns, string ids, shuffled rows.

The generated sample (``campaign_perf.sample``, the *blast* shape) is kind to an engine:
a few dozen emails each sent on a few days, compact ``e00000001`` event ids, rows in
time order. Real Marketo subscriptions are full of trigger campaigns -- a welcome or
nurture email sent every day for months -- and exports come with string ids in no
particular order. This module writes such a file, as canonical events Parquet with the
columns of the sample (``campaign_perf.sample.EVENT_COLUMNS``):

* 400 trigger campaigns of 4 emails each (1,600 emails), each email sent on most days
  (70–95%, drawn per email) of the ten months that end on 2026-10-31, with volumes that
  differ by email (log-normal);
* about 2.65 events per record (sent, delivered or a bounce, opens, clicks -- some on the
  unsubscribe link --, unsubscribes, complaints, a few bot-flagged), some sends of the
  last two days still without an outcome, a few webhook retries (an event twice, same id);
* event ids as random UUID strings, lead ids as strings, every row in random order.

Deterministic: the same size and seed give the same file. Usage (or through
``bench_scale.py --shape trigger``)::

    python benchmarks/trigger_shape.py 5M out/trigger.parquet
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from campaign_perf.schema import EVENT_TYPES

START = np.datetime64("2026-01-01", "ms")
DAYS = 304  # 2026-01-01 .. 2026-10-31
N_CAMPAIGNS, EMAILS_PER_CAMPAIGN = 400, 4
N_EMAILS = N_CAMPAIGNS * EMAILS_PER_CAMPAIGN
EVENTS_PER_RECORD = 2.65  # measured on the output; calibrates the number of records
CHUNK = 1_000_000  # rows per Parquet row group (and per batch of strings built)

_MS_HOUR = 3_600_000
_SENT, _DELIVERED, _HARD, _SOFT, _OPEN, _CLICK, _UNSUB, _COMPLAINT = range(8)


def _uuid_strings(raw: np.ndarray) -> pa.Array:
    """``(n, 16)`` random bytes as UUID-4 strings (``8-4-4-4-12`` lower-case hex)."""
    raw = raw.copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hexd = np.frombuffer(b"0123456789abcdef", np.uint8)
    digits = np.empty((len(raw), 32), np.uint8)
    digits[:, 0::2] = hexd[raw >> 4]
    digits[:, 1::2] = hexd[raw & 15]
    out = np.full((len(raw), 36), ord("-"), np.uint8)
    pos = [i for i in range(36) if i not in (8, 13, 18, 23)]
    out[:, pos] = digits
    offsets = np.arange(0, 36 * (len(raw) + 1), 36, dtype=np.int64)
    return pa.LargeStringArray.from_buffers(
        len(raw), pa.py_buffer(offsets), pa.py_buffer(out.tobytes())
    )


def _labels(prefix: str, n: int, width: int) -> pa.Array:
    return pa.array([f"{prefix}{i:0{width}d}" for i in range(n)], pa.large_string())


def _links() -> pa.Array:
    """Per email: two content links, then its unsubscribe link (codes ``3 * email + k``)."""
    out = []
    for e in range(N_EMAILS):
        c = e // EMAILS_PER_CAMPAIGN
        tag = f"utm_source=marketo&utm_medium=email&utm_campaign=nurture-{c:03d}"
        out += [
            f"https://example.com/guides/{e:04d}?{tag}",
            f"https://example.com/pricing?{tag}",
            f"https://example.com/unsubscribe?eid=E{e:04d}&src=email",
        ]
    return pa.array(out, pa.large_string())


def generate(n_events: int, seed: int = 11) -> dict[str, np.ndarray]:
    """The events as arrays of codes, already shuffled (strings are built when written).

    Returns
    -------
    dict of str to numpy.ndarray
        ``type`` (code into ``EVENT_TYPES``), ``ts`` (ms since the epoch), ``email``,
        ``lead``, ``link`` (-1 for none), ``bot`` and ``id`` (``(n, 16)`` bytes), one row
        per event; ``campaign`` is ``email // 4``.
    """
    rng = np.random.Generator(np.random.PCG64(seed))
    n_rec = max(1_000, round(n_events / EVENTS_PER_RECORD))
    n_leads = max(20_000, n_rec // 4)

    # Each email: the day it starts, the days it sends on, its volume and its engagement.
    first_day = rng.integers(0, 30, N_EMAILS)
    p_day = rng.uniform(0.70, 0.95, N_EMAILS)
    days = np.arange(DAYS)
    active = (rng.random((N_EMAILS, DAYS)) < p_day[:, None]) & (days >= first_day[:, None])
    volume = rng.lognormal(0.0, 0.8, N_EMAILS)
    open_rate = np.clip(rng.normal(0.30, 0.08, N_EMAILS), 0.03, 0.7)
    click_rate = np.clip(rng.normal(0.12, 0.04, N_EMAILS), 0.01, 0.4)

    # Records: an email by volume, one of its active days, a time of day, a lead.
    email = rng.choice(N_EMAILS, n_rec, p=volume / volume.sum()).astype(np.int16)
    n_active = active.sum(axis=1)
    starts = np.concatenate([[0], np.cumsum(n_active)[:-1]])
    active_days = np.nonzero(active)[1]  # row-major: each email's days, in order
    pick = starts[email] + (rng.random(n_rec) * n_active[email]).astype(np.int64)
    day = active_days[pick]
    t0 = START.astype(np.int64) + day * 24 * _MS_HOUR + rng.integers(0, 24 * _MS_HOUR, n_rec)
    lead = rng.integers(0, n_leads, n_rec).astype(np.int32)

    # Outcomes.
    u = rng.random(n_rec)
    hard = u < 0.010
    soft = (u >= 0.010) & (u < 0.025)
    soft_then_ok = soft & (rng.random(n_rec) < 0.35)
    end_ms = (START + np.timedelta64(DAYS, "D")).astype(np.int64)
    recent = t0 > end_ms - 48 * _MS_HOUR
    no_outcome = (recent & (rng.random(n_rec) < 0.25)) | (rng.random(n_rec) < 0.0025)
    delivered = (~hard & ~soft | soft_then_ok) & ~no_outcome
    hard &= ~no_outcome
    soft &= ~no_outcome
    opener = delivered & (rng.random(n_rec) < open_rate[email])
    n_open = np.where(opener, rng.geometric(0.5, n_rec), 0)
    clicker = (opener & (rng.random(n_rec) < click_rate[email])) | (
        delivered & (rng.random(n_rec) < 0.01)
    )
    n_click = np.where(clicker, rng.geometric(0.7, n_rec), 0)
    unsub = opener & (rng.random(n_rec) < 0.01)
    complaint = delivered & (rng.random(n_rec) < 0.0005)

    def delay(size: int, median_ms: float, sigma: float) -> np.ndarray:
        return (median_ms * rng.lognormal(0.0, sigma, size)).astype(np.int64) + 1

    parts: list[tuple[np.ndarray, int, np.ndarray, np.ndarray]] = []  # rec, type, ts, link

    def add(recs: np.ndarray, kind: int, ts: np.ndarray, link: np.ndarray | None = None) -> None:
        parts.append((recs, kind, ts, np.full(len(recs), -1) if link is None else link))

    every = np.arange(n_rec)
    add(every, _SENT, t0)
    for mask, kind, median in (
        (delivered, _DELIVERED, 4_000),
        (hard, _HARD, 3_000),
        (soft, _SOFT, 3_000),
    ):
        r = every[mask]
        add(r, kind, t0[r] + delay(len(r), median, 1.0))
    r = np.repeat(every, n_open)
    add(r, _OPEN, t0[r] + delay(len(r), 3 * _MS_HOUR, 1.5))
    r = np.repeat(every, n_click)
    unsub_link = rng.random(len(r)) < 0.05
    link = 3 * email[r].astype(np.int64) + np.where(unsub_link, 2, rng.integers(0, 2, len(r)))
    add(r, _CLICK, t0[r] + delay(len(r), 4 * _MS_HOUR, 1.5), link)
    r = every[unsub]
    add(r, _UNSUB, t0[r] + delay(len(r), 5 * _MS_HOUR, 1.0))
    r = every[complaint]
    add(r, _COMPLAINT, t0[r] + delay(len(r), 24 * _MS_HOUR, 1.0))

    rec = np.concatenate([p[0] for p in parts])
    kind = np.concatenate([np.full(len(p[0]), p[1], np.int8) for p in parts])
    ts = np.concatenate([p[2] for p in parts])
    link_code = np.concatenate([p[3] for p in parts]).astype(np.int32)
    keep = ts < end_ms  # the export ends at midnight after 2026-10-31
    rec, kind, ts, link_code = rec[keep], kind[keep], ts[keep], link_code[keep]
    engaged = (kind == _OPEN) | (kind == _CLICK)
    bot = engaged & (rng.random(len(kind)) < 0.03)
    ids = rng.integers(0, 256, (len(kind), 16), dtype=np.uint8)

    # Webhook retries: 0.16% of events arrive twice, with the same id.
    again = np.nonzero(rng.random(len(kind)) < 0.0016)[0]
    rows = np.concatenate([np.arange(len(kind)), again])
    order = rng.permutation(len(rows))
    rows = rows[order]
    r = rec[rows]
    return {
        "type": kind[rows],
        "ts": ts[rows],
        "email": email[r],
        "lead": lead[r],
        "link": link_code[rows],
        "bot": bot[rows],
        "id": ids[rows],
    }


def write(n_events: int, path: Path, seed: int = 11) -> int:
    """Generate the trigger shape and write it to ``path`` (zstd Parquet); returns the rows."""
    ev = generate(n_events, seed)
    n = len(ev["type"])
    types = pa.array(EVENT_TYPES, pa.large_string())
    campaigns = _labels("C", N_CAMPAIGNS, 4)
    emails = _labels("E", N_EMAILS, 4)
    n_leads = int(ev["lead"].max()) + 1
    leads = pa.array([f"{i:08d}" for i in range(n_leads)], pa.large_string())
    links = _links()
    schema = pa.schema(
        [
            ("event_id", pa.large_string()),
            ("event_type", pa.large_string()),
            ("timestamp", pa.timestamp("ms", tz="UTC")),
            ("campaign_id", pa.large_string()),
            ("email_id", pa.large_string()),
            ("lead_id", pa.large_string()),
            ("link", pa.large_string()),
            ("is_bot", pa.bool_()),
        ]
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with pq.ParquetWriter(tmp, schema, compression="zstd") as w:
        for a in range(0, n, CHUNK):
            s = slice(a, a + CHUNK)
            link = ev["link"][s]
            batch = pa.record_batch(
                [
                    _uuid_strings(ev["id"][s]),
                    types.take(ev["type"][s]),
                    pa.array(ev["ts"][s].astype("datetime64[ms]"), pa.timestamp("ms", tz="UTC")),
                    campaigns.take(ev["email"][s] // EMAILS_PER_CAMPAIGN),
                    emails.take(ev["email"][s]),
                    leads.take(ev["lead"][s]),
                    links.take(pa.array(np.maximum(link, 0), mask=link < 0)),
                    pa.array(ev["bot"][s]),
                ],
                schema=schema,
            )
            w.write_batch(batch, row_group_size=CHUNK)
    tmp.replace(path)
    return n


def trigger_file(work: Path, n_events: int, seed: int = 11) -> tuple[Path, float]:
    """A trigger-shape file of about ``n_events`` (reused when ``work`` already holds it).

    Returns
    -------
    (Path, float)
        The events Parquet file and the seconds its generation took (0 when reused).
    """
    from _common import size_label

    folder = work / f"trigger_{size_label(n_events)}_seed{seed}"
    path = folder / "events.parquet"
    if path.exists() and (folder / "done").exists():
        return path, 0.0
    t = time.perf_counter()
    n = write(n_events, path, seed)
    (folder / "done").write_text(str(n))
    return path, time.perf_counter() - t


if __name__ == "__main__":
    from _common import parse_size

    size, out = sys.argv[1], Path(sys.argv[2])
    t = time.perf_counter()
    rows = write(parse_size(size), out)
    mb = out.stat().st_size / 2**20
    print(f"{rows:,} events, {mb:.0f} MB, in {time.perf_counter() - t:.0f} s", file=sys.stderr)
