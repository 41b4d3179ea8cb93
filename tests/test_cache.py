"""The one cache: least recently used out, within its limit, and what eviction releases."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import campaign_perf as cp
from campaign_perf.engine.cache import Cache
from campaign_perf.engine.rules import RuleParams

DATA = Path(__file__).resolve().parents[1] / "sample_data"


def test_the_least_recently_used_entry_goes_first() -> None:
    evicted: list[tuple[str, int]] = []
    cache: Cache[str, int] = Cache(2, on_evict=lambda k, v: evicted.append((k, v)))
    made: list[str] = []

    def get(key: str) -> int:
        return cache.get(key, lambda: made.append(key) or len(made))

    assert (get("a"), get("b"), get("a")) == (1, 2, 1)  # "a" is kept, and now the newest
    get("c")
    assert evicted == [("b", 2)]
    assert "a" in cache and "b" not in cache and len(cache) == 2
    assert get("b") == 4 and made == ["a", "b", "c", "b"]  # "b" is made again
    cache.clear()
    assert len(cache) == 0 and [k for k, _ in evicted] == ["b", "a", "c", "b"]


def test_a_weighed_cache_keeps_the_newest_entry_even_when_it_alone_is_too_heavy() -> None:
    cache: Cache[str, str] = Cache(10, weigh=len)
    cache.get("small", lambda: "x" * 4)
    cache.get("medium", lambda: "x" * 5)
    assert len(cache) == 2
    cache.get("large", lambda: "x" * 30)
    assert "large" in cache and len(cache) == 1


def _temp_relations(log: cp.EventLog) -> set[str]:
    con = log.engine.con  # type: ignore[attr-defined]
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary UNION ALL "
        "SELECT view_name FROM duckdb_views() WHERE temporary AND NOT internal"
    ).fetchall()
    return {r[0] for r in rows if r[0].startswith("records_")}


def test_the_engine_drops_the_records_tables_it_evicts() -> None:
    log = cp.load_events(
        pd.DataFrame(
            {
                "event_type": ["sent", "open"],
                "timestamp": ["2026-03-02 09:00", "2026-03-02 10:00"],
                "campaign_id": "C1",
                "email_id": "E1",
                "lead_id": "L1",
            }
        )
    )
    engine = log.engine
    first = pd.Timestamp("2026-03-02 09:30", tz="UTC")
    settings = [RuleParams(as_of=first + pd.Timedelta(minutes=i)) for i in range(40)]
    names = [engine.records_table(p) for p in settings]  # type: ignore[attr-defined]
    assert len(set(names)) == 40
    kept = _temp_relations(log)
    assert 0 < len(kept) < 40
    assert names[0] not in kept  # the oldest are gone from the engine, not only forgotten
    assert names[-1] in kept
    # An evicted setting is built again when asked for, and counts the same.
    assert engine.records(settings[0], "UTC")["opened"].tolist() == [0]  # type: ignore[attr-defined]
    assert engine.records(settings[-1], "UTC")["opened"].tolist() == [1]  # type: ignore[attr-defined]


def test_reports_never_write_into_their_event_log() -> None:
    log = cp.load_events(DATA / "events.parquet", campaigns=DATA / "campaigns.csv")
    before = dict(vars(log))
    rep = cp.Report(log, time_frame="past 30 days", today="as_of")
    rep.table()
    rep.by("program").with_basis("activity").table()
    rep.events()
    rep.chart("engagement")
    assert vars(log).keys() == before.keys()
    assert all(vars(log)[k] is v for k, v in before.items())


def test_a_first_frame_is_summed_by_the_engine_and_a_second_is_a_slice_of_the_cube() -> None:
    """The first table of a frame needs no per-send-day cube (the engine sums the frame's
    records); moving the frame builds the cube once, and every table equals the cube's."""

    def report(frame: str) -> cp.Report:
        log = cp.load_events(DATA / "events.parquet", campaigns=DATA / "campaigns.csv")
        return cp.Report(log, time_frame=frame, today="as_of", tz="Europe/Stockholm")

    frames = ["2026-10-27..2026-10-30", "last month", "2026-09-15..", "all time"]
    sliced = report("all time")
    sliced.cube()  # the cube is there: every frame below is a slice of it
    for frame in frames:
        first = report(frame)  # a fresh log: the engine sums the frame
        table, total = first.table(), first.total()
        assert not first.log.engine.has(("named cube", first.rule_params, first.tz, ()))
        other = sliced.with_time_frame(frame)
        assert table["sent"].sum() > 0
        pd.testing.assert_frame_equal(other.table(), table)
        pd.testing.assert_series_equal(other.total(), total)
        # a second frame of the same settings builds the cube; the tables stay the same
        moved = first.with_time_frame("all time" if frame != "all time" else "last month")
        moved.with_time_frame("2026-10-01..2026-10-05").table()
        pd.testing.assert_frame_equal(first.table(), table)
