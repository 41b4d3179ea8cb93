"""The one cache: least recently used out, within its limit, and what eviction releases."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

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


def _log(lead_ids: list[str], machine_open: bool = False) -> cp.EventLog:
    """Two emails sent to these leads on two days; each lead opens, the first also clicks
    (its open a machine open when asked)."""
    rows = []
    for i, lead in enumerate(lead_ids):
        day = f"2026-03-0{2 + i % 2}"
        email = f"E{1 + i % 2}"
        rows += [
            ("sent", f"{day} 09:00", email, lead, False),
            ("delivered", f"{day} 09:01", email, lead, False),
            ("open", f"{day} 10:00", email, lead, machine_open and i == 0),
        ]
        if i == 0:
            rows.append(("click", f"{day} 10:05", email, lead, False))
    frame = pd.DataFrame(rows, columns=["event_type", "timestamp", "email_id", "lead_id", "m"])
    frame = frame.assign(campaign_id="C1", is_machine_open=frame.pop("m"))
    return cp.load_events(frame)


def _calls(engine: object, method: str, monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """Record the calls of an engine's method (the queries it runs)."""
    calls: list[tuple] = []
    real = getattr(engine, method)

    def recorded(*args: object, **kwargs: object) -> object:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, method, recorded)
    return calls


@pytest.mark.parametrize("machine_open", [False, True])
def test_without_a_machine_open_both_settings_share_their_queries(
    machine_open: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A log whose opens include no machine open counts the same whether they are excluded
    or not: the second setting reuses the first's cube instead of counting again."""
    log = _log(["L1", "L2", "L3"], machine_open=machine_open)
    assert log.summary().machine_opens == int(machine_open)
    calls = _calls(log.engine, "cube", monkeypatch)
    rep = cp.Report(log, time_frame="2026-03-01..2026-03-31", today="as_of")
    counted = rep.cube(all_days=True)
    asked = len(calls)
    excluded = rep.with_machine_opens("exclude").cube(all_days=True)
    if machine_open:  # L1's open goes: it still clicked (opened), its open is not counted
        assert len(calls) > asked
        assert excluded["total_opens"].sum() == counted["total_opens"].sum() - 1
    else:
        assert len(calls) == asked
        pd.testing.assert_frame_equal(excluded, counted)


def test_a_lead_attribute_of_one_value_splits_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lead ids that are not addresses have one recipient domain, ``(unknown)``: the cube by
    it is the cube without it, with that value; the same rows as the engine's own query."""
    ids = ["1001", "1002", "1003", "1004"]
    derived = cp.Report(_log(ids), time_frame="2026-03-03..2026-03-03", today="as_of")
    calls = _calls(derived.log.engine, "cube", monkeypatch)
    log = _log(ids)
    people = log.engine.people  # told two domains, the engine counts by the domain itself
    monkeypatch.setattr(log.engine, "people", lambda *a: pd.concat([people(*a)] * 2))
    queried = cp.Report(log, time_frame="2026-03-03..2026-03-03", today="as_of")
    for by in (("recipient_domain",), ("email", "recipient_domain")):
        ours, theirs = derived.by(*by), queried.by(*by)
        cube = ours.cube(all_days=True)
        assert cube["recipient_domain"].tolist() == ["(unknown)"] * 2
        pd.testing.assert_frame_equal(cube, theirs.cube(all_days=True))
        pd.testing.assert_frame_equal(ours.table(), theirs.table())  # the frame's sums
        assert ours.table()["sent"].sum() == 2
    assert calls and all(attrs == () for _, _, attrs in calls)  # never grouped by the domain
