"""Parquet files and Arrow tables are read where they lie; CSV and DataFrames are copied.

Both paths must give the same log (events, ledger, duplicates, summary) and the same report
for the same rows, clean or messy; and a file read in place that changes afterwards is
named in an error rather than mixed into later reports.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import campaign_perf as cp

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"


def _load(data: object) -> cp.EventLog:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cp.RejectedRowsWarning)
        return cp.load_events(data)


def _without_source(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=[c for c in df.columns if c.endswith("source")]).reset_index(drop=True)


#: Rows messier still, as text: ids to trim, blank ids, event types to normalise, unknown
#: types and flags, duplicates without an id, activity without a send.
EXTRA = """event_id,event_type,timestamp,campaign_id,email_id,lead_id,link,is_bot,user_agent
x1,sent,2026-06-01 10:00:00,C9, E9,L9 ,,false,
x2, Open ,2026-06-01 11:00:00,C9,E9,L9,,no,
x3,CLICK,2026-06-01 11:01:00,C9,E9, L9,https://x.com/a,yes,
x4,click,2026-06-01 11:02:00,,E9,L9,https://x.com/a,false,
x5,bounced,2026-06-01 11:03:00,C9,E9,L9,,false,
x6,open,2026-06-01 11:04:00,C9,E9,L9,,maybe,
,open,2026-06-01 12:00:00,C9,E9,L9,,false,
,open,2026-06-01 12:00:00,C9,E9,L9,,false,
x7,hard-bounce,2026-06-01 12:30:00,C9,E8,L9,,false,
"""


@pytest.fixture(scope="module")
def messy_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The messy sample with :data:`EXTRA` appended."""
    path = tmp_path_factory.mktemp("messy") / "messy.csv"
    text = (SAMPLE / "messy_events.csv").read_text()
    path.write_text(text.rstrip("\n") + "\n" + EXTRA.split("\n", 1)[1])
    return path


@pytest.fixture(scope="module")
def messy_as_text(messy_csv: Path) -> pa.Table:
    """The messy rows exactly as their text: every column a string, blanks as NULL."""
    return duckdb.sql(f"SELECT * FROM read_csv('{messy_csv}', all_varchar = true)").to_arrow_table()


@pytest.mark.parametrize("form", ["parquet", "arrow"])
def test_messy_rows_give_the_same_log_in_place_as_copied(
    messy_csv: Path, messy_as_text: pa.Table, form: str, tmp_path: Path
) -> None:
    copied = _load(messy_csv)
    if form == "parquet":
        pq.write_table(messy_as_text, tmp_path / "messy.parquet")
        in_place = _load(tmp_path / "messy.parquet")
    else:
        in_place = _load(messy_as_text)
    a, b = copied.summary(), in_place.summary()
    # the sample is messy enough to exercise every ledger reason, duplicates and orphans
    assert a.rejected >= 8 and a.duplicates >= 2 and a.orphaned >= 2
    for field in ("rows_read", "events", "rejected", "rejected_by_reason", "duplicates"):
        assert getattr(a, field) == getattr(b, field), field
    assert (a.orphaned, a.first_event, a.last_event) == (b.orphaned, b.first_event, b.last_event)
    pd.testing.assert_frame_equal(_without_source(copied.events), _without_source(in_place.events))
    pd.testing.assert_frame_equal(
        _without_source(copied.rejected), _without_source(in_place.rejected)
    )
    pd.testing.assert_frame_equal(
        _without_source(copied.duplicates), _without_source(in_place.duplicates)
    )
    for settings in ({}, {"exclude_bots": True, "proximity_seconds": 1}, {"basis": "activity"}):
        frame = {"time_frame": "all time", **settings}
        pd.testing.assert_frame_equal(
            cp.Report(copied, **frame).table(), cp.Report(in_place, **frame).table()
        )


def test_a_clean_parquet_file_gives_the_sample_report_of_its_dataframe() -> None:
    path = SAMPLE / "events.parquet"
    in_place, copied = _load(path), _load(pd.read_parquet(path))
    assert len(in_place) == len(copied) > 100_000
    for frame in ("all time", "2026-10-01..2026-10-31"):
        pd.testing.assert_frame_equal(
            cp.Report(in_place, time_frame=frame).table(),
            cp.Report(copied, time_frame=frame).table(),
        )


def test_a_parquet_file_changed_after_loading_is_named(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    rows = {
        "event_type": ["sent", "open"],
        "timestamp": pd.to_datetime(["2026-03-02 09:00", "2026-03-02 10:00"], utc=True),
        "campaign_id": "C1",
        "email_id": "E1",
        "lead_id": "L1",
        "is_bot": [False, True],
    }
    pd.DataFrame(rows).to_parquet(path, index=False)
    log = _load(path)
    before = cp.Report(log).table()
    assert before["opened"].tolist() == [1]
    pd.DataFrame(rows).iloc[:1].to_parquet(path, index=False)  # rewritten: the open is gone
    os.utime(path, ns=(0, 0))  # even with a different modification time only
    # What the load computed stays: the default report and the ledger are of the file as read.
    pd.testing.assert_frame_equal(cp.Report(log).table(), before)
    # Reading the events again (other rule settings, the events) names the file instead.
    with pytest.raises(cp.LoadError, match=r"events\.parquet changed after it was loaded"):
        cp.Report(log, exclude_bots=True).table()
    with pytest.raises(cp.LoadError, match="load it again"):
        _ = log.events
    path.unlink()
    with pytest.raises(cp.LoadError, match="no longer there"):
        cp.Report(log, basis="activity").table()


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    """The rows as a canonical, typed file holds them (instants with their zone)."""
    return df.assign(timestamp=pd.to_datetime(df["timestamp"], utc=True))


@pytest.mark.parametrize("form", ["parquet", "arrow"])
def test_keys_that_need_parsing_in_an_otherwise_canonical_file(form: str, tmp_path: Path) -> None:
    """The check of a file read in place takes its record keys as they are and looks at
    them once per record: a key with spaces around it, or empty, found there makes the
    load check the file again fully, and the log is the one its copy gives."""
    clean = pd.DataFrame(
        {
            "event_id": ["a1", "a2", "a3", "a4", "a5"],
            "event_type": ["sent", "sent", "open", "click", "open"],
            "timestamp": [
                "2026-06-01 10:00Z",
                "2026-06-01 10:00Z",
                "2026-06-01 11:00Z",
                "2026-06-01 11:05Z",
                "2026-06-01 12:00Z",
            ],
            "campaign_id": "C1",
            "email_id": "E1",
            "lead_id": ["L1", "L2", "L1", "L2", "L2"],
        }
    )
    dirty = pd.DataFrame(
        {
            "event_id": ["b1", "a3", "b3", "b4"],
            "event_type": ["open", "open", "open", "click"],
            "timestamp": [
                "2026-06-02 09:00Z",
                "2026-06-01 11:00Z",
                "2026-06-02 10:00Z",
                "2026-06-02 11:00Z",
            ],
            "campaign_id": ["C1", "C1", "C1 ", "C1"],
            "email_id": ["E1", "E1", "E1", ""],
            "lead_id": [" L1", "L1 ", "L2", "L2"],
        }
    )  # b1 and b3 are L1's and L2's opens, a3 repeats L1's open, b4 has no email
    for name, rows in (("clean", clean), ("dirty", dirty)):
        pq.write_table(pa.Table.from_pandas(_typed(rows)), tmp_path / f"{name}.parquet")
    if form == "parquet":
        in_place = _load([tmp_path / "clean.parquet", tmp_path / "dirty.parquet"])
    else:
        in_place = _load([pa.Table.from_pandas(_typed(rows)) for rows in (clean, dirty)])
    copied = _load([_typed(clean), _typed(dirty)])  # DataFrames are copied and parsed
    s = in_place.summary()
    assert (s.events, s.duplicates, s.orphaned, s.rejected) == (7, 1, 0, 1)
    assert s.rejected_by_reason == copied.summary().rejected_by_reason
    pd.testing.assert_frame_equal(_without_source(copied.events), _without_source(in_place.events))
    pd.testing.assert_frame_equal(
        _without_source(copied.rejected), _without_source(in_place.rejected)
    )
    pd.testing.assert_frame_equal(
        _without_source(copied.duplicates), _without_source(in_place.duplicates)
    )
    table = cp.Report(in_place, time_frame="all time").table()
    assert table[["sent", "opened", "clicked"]].values.tolist() == [[2, 2, 1]]
    pd.testing.assert_frame_equal(table, cp.Report(copied, time_frame="all time").table())
