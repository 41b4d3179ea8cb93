"""Tests of campaign_perf.sample: determinism, schema, realism and the messy CSV."""

from __future__ import annotations

import datetime
import html
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from campaign_perf.sample import EVENT_COLUMNS, SampleData, generate_sample, write_sample
from campaign_perf.schema import EVENT_TYPES, RECORD_KEY

N = 20_000
END = "2026-10-31"
END_OF_DAY = pd.Timestamp("2026-11-01", tz="UTC")  # exclusive
UNSUB = re.compile(r"unsubscribe|opt-?out", re.IGNORECASE)


@pytest.fixture(scope="module")
def sample() -> SampleData:
    return generate_sample(N, seed=7, end=END)


@pytest.fixture(scope="module")
def events(sample: SampleData) -> pd.DataFrame:
    """Events without webhook retries, with a record number and the unsubscribe-link flag."""
    ev = sample.events.drop_duplicates("event_id", ignore_index=True)
    rec = ev.groupby(list(RECORD_KEY), sort=True).ngroup()
    unsub_link = ev["link"].fillna("").str.contains(UNSUB)
    return ev.assign(rec=rec, unsub_link=unsub_link)


@pytest.fixture(scope="module")
def records(events: pd.DataFrame) -> pd.DataFrame:
    """One row per record with the kinds of events it has (plain pandas, RULES.md 2-4)."""
    t = events["event_type"]
    flags = pd.DataFrame(
        {
            "rec": events["rec"],
            "n_sent": t == "sent",
            "delivered": t == "delivered",
            "hard": t == "hard_bounce",
            "soft": t == "soft_bounce",
            "open": t == "open",
            "click": (t == "click") & ~events["unsub_link"],
            "unsub_click": (t == "click") & events["unsub_link"],
            "unsubscribe": t == "unsubscribe",
            "complaint": t == "complaint",
        }
    )
    out = flags.groupby("rec").agg(
        {"n_sent": "sum", **{c: "any" for c in flags.columns if c not in ("rec", "n_sent")}}
    )
    sent_at = events[t == "sent"].groupby("rec")["timestamp"].min()
    out["first_sent_at"] = sent_at
    out["outcome"] = out[["delivered", "hard", "soft", "complaint"]].any(axis=1)
    out["opened"] = out["open"] | out["click"] | out["unsubscribe"]
    return out


# -- determinism -----------------------------------------------------------------------
def test_same_seed_gives_equal_frames(sample: SampleData) -> None:
    again = generate_sample(N, seed=7, end=END)
    for name in ("events", "campaigns", "emails", "leads"):
        pd.testing.assert_frame_equal(getattr(sample, name), getattr(again, name))


def test_other_seed_gives_other_events(sample: SampleData) -> None:
    other = generate_sample(N, seed=8, end=END)
    assert not sample.events.equals(other.events)
    assert not sample.leads["email"].equals(other.leads["email"])


def test_write_sample_is_byte_identical(tmp_path: Path) -> None:
    a = write_sample(tmp_path / "a", N, seed=3)
    b = write_sample(tmp_path / "b", N, seed=3)
    for name in a:
        assert a[name].read_bytes() == b[name].read_bytes(), name


def test_end_accepts_dates_and_sets_the_horizon() -> None:
    s = generate_sample(5_000, seed=1, end=datetime.date(2025, 1, 3))
    t = generate_sample(5_000, seed=1, end=datetime.datetime(2025, 1, 3, 17, 0))
    pd.testing.assert_frame_equal(s.events, t.events)
    ts = s.events["timestamp"]
    assert ts.max() < pd.Timestamp("2025-01-04", tz="UTC")
    assert ts.min() >= pd.Timestamp("2025-01-03", tz="UTC") - pd.Timedelta(days=190)
    with pytest.raises(ValueError, match="end"):
        generate_sample(5_000, end="next tuesday")
    with pytest.raises(ValueError, match="n_events"):
        generate_sample(10)


# -- size ------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [5_000, N, 80_000])
def test_n_events_is_approximate(n: int) -> None:
    got = len(generate_sample(n, seed=11).events)
    assert abs(got / n - 1) <= 0.10


def test_leads_grow_when_too_few_for_the_events() -> None:
    s = generate_sample(60_000, seed=2, n_leads=1_000)
    assert len(s.leads) > 1_000
    assert abs(len(s.events) / 60_000 - 1) <= 0.10
    assert s.events["lead_id"].isin(s.leads["lead_id"]).all()


# -- schema ----------------------------------------------------------------------------
def test_events_columns_and_dtypes(sample: SampleData) -> None:
    ev = sample.events
    assert tuple(ev.columns) == EVENT_COLUMNS
    for col in ("event_id", "event_type", "campaign_id", "email_id", "lead_id", "link"):
        assert pd.api.types.is_string_dtype(ev[col]), col
        assert ev[col].dtype == "str", col
    assert isinstance(ev["timestamp"].dtype, pd.DatetimeTZDtype)
    assert str(ev["timestamp"].dtype.tz) == "UTC"
    assert ev["timestamp"].dtype.unit in ("s", "ms")
    assert ev["is_bot"].dtype == bool
    assert (
        ev[["event_id", "event_type", "timestamp", "campaign_id", "email_id", "lead_id"]]
        .notna()
        .all()
        .all()
    )


def test_event_values(sample: SampleData) -> None:
    ev = sample.events
    assert set(ev["event_type"]) == set(EVENT_TYPES)  # every type occurs
    assert ev["event_id"].str.fullmatch(r"e\d{8}").all()
    assert ev["campaign_id"].str.fullmatch(r"C\d{4}").all()
    assert ev["email_id"].str.fullmatch(r"E\d{4}").all()
    assert ev["lead_id"].str.fullmatch(r"L\d{6}").all()
    is_click = ev["event_type"] == "click"
    assert ev.loc[is_click, "link"].notna().all()
    assert ev.loc[~is_click, "link"].isna().all()
    assert not ev.loc[~ev["event_type"].isin(["open", "click"]), "is_bot"].any()
    assert ev["timestamp"].max() < END_OF_DAY
    assert ev["timestamp"].min() >= END_OF_DAY - pd.Timedelta(days=190)
    # Sorted by timestamp, then event_id.
    assert ev.equals(ev.sort_values(["timestamp", "event_id"], kind="stable", ignore_index=True))


def test_dimension_tables(sample: SampleData) -> None:
    c, e, leads = sample.campaigns, sample.emails, sample.leads
    assert list(c.columns) == ["campaign_id", "campaign_name", "program", "status"]
    assert list(e.columns) == ["email_id", "email_name", "subject", "html", "campaign_id"]
    assert list(leads.columns) == [
        "lead_id", "email", "country", "segment", "industry", "email_domain", "created_at",
    ]  # fmt: skip
    assert c["campaign_id"].is_unique and e["email_id"].is_unique and leads["lead_id"].is_unique
    assert 10 <= len(c) <= 14 and 3 <= c["program"].nunique() <= 4
    assert (c["status"] == "archived").sum() == 3 and set(c["status"]) == {"active", "archived"}
    assert 35 <= len(e) <= 45
    assert e["campaign_id"].isin(c["campaign_id"]).all()
    assert len(leads) == 20_000 and leads["email"].is_unique
    assert (leads["email"].str.split("@").str[1] == leads["email_domain"]).all()
    assert leads["email_domain"].str.fullmatch(r"(.+\.)?example\.(com|org|net)").all()
    assert set(leads["segment"]) == {"Enterprise", "Mid-Market", "SMB"}
    assert leads["country"].nunique() >= 8 and leads["industry"].nunique() == 6
    assert isinstance(leads["created_at"].dtype, pd.DatetimeTZDtype)


def test_emails_have_html_with_links(sample: SampleData) -> None:
    for body in sample.emails["html"]:
        hrefs = [html.unescape(h) for h in re.findall(r'href="([^"]+)"', body)]
        assert body.startswith("<!DOCTYPE html>") and "viewport" in body
        assert any(UNSUB.search(h) for h in hrefs)
        assert all(re.match(r"https://([a-z]+\.)?example\.(com|org)/", h) for h in hrefs)
        assert 2 <= sum(1 for h in hrefs if "preferences" not in h) <= 4


def test_events_refer_to_known_dimensions(sample: SampleData) -> None:
    ev = sample.events
    assert ev["campaign_id"].isin(sample.campaigns["campaign_id"]).all()
    assert ev["email_id"].isin(sample.emails["email_id"]).all()
    assert ev["lead_id"].isin(sample.leads["lead_id"]).all()
    # Every clicked link is in the html of its email.
    bodies = dict(
        zip(sample.emails["email_id"], sample.emails["html"].map(html.unescape), strict=True)
    )
    clicks = ev.loc[ev["event_type"] == "click", ["email_id", "link"]].drop_duplicates()
    assert all(link in bodies[eid] for eid, link in clicks.itertuples(index=False))
    # Most sends come from the owning campaign; a few emails are sent by a second one.
    pairs = ev[["campaign_id", "email_id"]].drop_duplicates()
    owner = pairs.merge(
        sample.emails[["email_id", "campaign_id"]], on="email_id", suffixes=("", "_owner")
    )
    assert (owner["campaign_id"] == owner["campaign_id_owner"]).sum() >= 35
    assert (pairs.groupby("email_id").size() > 1).sum() >= 2


def test_leads_receive_email_after_they_are_created(sample: SampleData) -> None:
    sent = sample.events[sample.events["event_type"] == "sent"]
    created = sent["lead_id"].map(sample.leads.set_index("lead_id")["created_at"])
    assert (created < sent["timestamp"]).all()


# -- realism ---------------------------------------------------------------------------
def test_no_orphans_and_activity_after_the_send(
    events: pd.DataFrame, records: pd.DataFrame
) -> None:
    assert (records["n_sent"] >= 1).all()
    first = events["rec"].map(records["first_sent_at"])
    assert (events["timestamp"] >= first).all()


def test_rates_are_plausible(records: pd.DataFrame) -> None:
    n = len(records)
    assert 0.94 <= records["delivered"].mean() <= 0.99
    delivered = records["outcome"] | records["opened"]
    assert 0.005 <= (records["hard"] & ~records["opened"]).mean() <= 0.02
    assert 0.005 <= records["soft"].mean() <= 0.03
    d = delivered.sum()
    assert 0.20 <= records["opened"].sum() / d <= 0.40
    assert 0.02 <= records["click"].sum() / d <= 0.07
    assert 0.001 <= records["unsubscribe"].sum() / d <= 0.008
    assert records["complaint"].sum() >= 1
    assert records["n_sent"].sum() / n < 1.05


def test_resends_are_one_record(records: pd.DataFrame) -> None:
    assert (records["n_sent"] >= 2).sum() >= 2


def test_clicks_without_open_event(records: pd.DataFrame) -> None:
    assert (records["click"] & ~records["open"]).sum() >= 3


def test_unsubscribe_link_clicks_then_unsubscribe(events: pd.DataFrame) -> None:
    unsub_clicks = events[events["unsub_link"]]
    assert len(unsub_clicks) >= 2
    assert (unsub_clicks["event_type"] == "click").all()
    done = events[events["event_type"] == "unsubscribe"].groupby("rec")["timestamp"].min()
    after = unsub_clicks["rec"].map(done) > unsub_clicks["timestamp"]
    assert after.sum() >= 1


def test_soft_bounce_then_delivered_and_open_after_hard_bounce(records: pd.DataFrame) -> None:
    assert (records["soft"] & records["delivered"]).sum() >= 1
    assert (records["hard"] & records["open"]).sum() >= 1


def test_bot_flagged_share(events: pd.DataFrame) -> None:
    activity = events[events["event_type"].isin(["open", "click"])]
    share = activity["is_bot"].mean()
    assert 0.03 <= share <= 0.15
    assert activity.loc[activity["event_type"] == "click", "is_bot"].any()


def test_unflagged_same_second_clusters(events: pd.DataFrame) -> None:
    act = events[events["event_type"].isin(["open", "click"]) & ~events["is_bot"]]
    sec = act.assign(s=act["timestamp"].dt.floor("s"))
    opens = sec.loc[sec["event_type"] == "open", ["rec", "s"]]
    clicks = sec.loc[sec["event_type"] == "click", ["rec", "s"]]
    pairs = opens.merge(clicks, on="rec", suffixes=("_open", "_click"))
    close = (pairs["s_click"] - pairs["s_open"]).abs() <= pd.Timedelta(seconds=2)
    assert pairs.loc[close, "rec"].nunique() >= 3
    same = pairs["s_click"] == pairs["s_open"]
    assert pairs.loc[same, "rec"].nunique() >= 1


def test_webhook_retries_are_exact_duplicates(sample: SampleData) -> None:
    ev = sample.events
    dup_id = ev["event_id"].duplicated(keep=False)
    assert dup_id.sum() >= 4
    assert ev[dup_id].duplicated(keep=False).all()  # same id => same row
    assert (ev["event_id"].value_counts() <= 2).all()


def test_pending_and_aborted_records(records: pd.DataFrame, events: pd.DataFrame) -> None:
    as_of = events["timestamp"].max()
    age = as_of - records["first_sent_at"]
    no_outcome = ~records["outcome"] & ~records["opened"]
    recent = age < pd.Timedelta(days=2)
    assert (recent & no_outcome).sum() >= 3  # Pending
    assert ((age >= pd.Timedelta(days=3)) & no_outcome).sum() >= 3  # Aborted
    assert 0.001 <= no_outcome.mean() <= 0.03


def test_opens_come_within_hours_with_a_long_tail(events: pd.DataFrame) -> None:
    t = events["event_type"]
    delivered = events[t == "delivered"].groupby("rec")["timestamp"].min()
    human = events[(t == "open") & ~events["is_bot"]].groupby("rec")["timestamp"].min()
    delay = (human - delivered.reindex(human.index)).dropna()
    assert (delay < pd.Timedelta(hours=6)).mean() > 0.5
    assert (delay > pd.Timedelta(days=2)).mean() > 0.01


# -- files -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_sample(tmp_path_factory.mktemp("sample"), N, seed=7, end=END)


def test_write_sample_files(written: dict[str, Path], sample: SampleData) -> None:
    assert set(written) == {"events", "campaigns", "emails", "leads", "messy_events"}
    assert [p.name for p in written.values()] == [
        "events.parquet", "campaigns.csv", "emails.parquet", "leads.parquet", "messy_events.csv",
    ]  # fmt: skip
    pd.testing.assert_frame_equal(pd.read_parquet(written["events"]), sample.events)
    pd.testing.assert_frame_equal(pd.read_parquet(written["emails"]), sample.emails)
    pd.testing.assert_frame_equal(pd.read_parquet(written["leads"]), sample.leads)
    campaigns = pd.read_csv(written["campaigns"], dtype="str")
    pd.testing.assert_frame_equal(campaigns, sample.campaigns)
    import pyarrow.parquet as pq

    assert pq.ParquetFile(written["events"]).metadata.row_group(0).column(0).compression == "ZSTD"


def test_write_sample_without_messy(tmp_path: Path) -> None:
    paths = write_sample(tmp_path, 5_000, seed=1, messy=False)
    assert "messy_events" not in paths
    assert not (tmp_path / "messy_events.csv").exists()


@pytest.fixture(scope="module")
def messy(written: dict[str, Path]) -> pd.DataFrame:
    return pd.read_csv(written["messy_events"], dtype="str", keep_default_na=False)


def test_messy_csv_has_canonical_rows_in_mixed_formats(
    messy: pd.DataFrame, sample: SampleData
) -> None:
    assert tuple(messy.columns) == EVENT_COLUMNS
    good = messy[messy["event_id"].str.startswith("e")].drop_duplicates()
    assert 150 <= len(good) <= 220
    ts = good["timestamp"]
    epoch = ts.str.fullmatch(r"\d{9,10}")
    zulu = ts.str.endswith("Z")
    offset = ts.str.contains(r"T.*[+-]\d{2}:\d{2}$")
    naive = ts.str.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?")
    assert epoch.any() and zulu.any() and offset.any() and naive.any()
    assert (epoch | zulu | offset | naive).all()
    # Every canonical row is a real event, its timestamp written faithfully.
    parsed = pd.Series(
        [
            pd.Timestamp(int(v), unit="s", tz="UTC")
            if e
            else pd.Timestamp(v).tz_localize("UTC")
            if n
            else pd.Timestamp(v).tz_convert("UTC")
            for v, e, n in zip(ts, epoch, naive, strict=True)
        ],
        index=good.index,
    )
    real = sample.events.drop_duplicates("event_id").set_index("event_id")
    expected = good["event_id"].map(real["timestamp"])
    assert expected.notna().all()
    exact = ~epoch
    assert (parsed[exact] == expected[exact]).all()
    assert (parsed[epoch] == expected[epoch].dt.floor("s")).all()
    assert (good["event_type"] == good["event_id"].map(real["event_type"])).all()
    # No canonical row is an orphan: each record of the slice has its send.
    key = good[list(RECORD_KEY)].agg("|".join, axis=1)
    assert key[good["event_type"] != "sent"].isin(key[good["event_type"] == "sent"]).all()


def test_messy_csv_has_each_kind_of_bad_row(messy: pd.DataFrame, sample: SampleData) -> None:
    assert (messy["event_type"] == "bounced").sum() == 1
    assert (messy["lead_id"] == "").sum() == 1
    assert (messy["timestamp"] == "yesterday-ish").sum() == 1
    dup = messy[messy.duplicated(keep=False)]
    assert len(dup) == 2 and dup["event_id"].nunique() == 1
    # The orphan: an open of a (campaign, email, lead) that was never sent, anywhere.
    sent = sample.events[sample.events["event_type"] == "sent"]
    sent_keys = set(sent[list(RECORD_KEY)].itertuples(index=False, name=None))
    rows = messy[(messy["lead_id"] != "") & (messy["event_type"] != "bounced")]
    orphans = [
        k for k in rows[list(RECORD_KEY)].itertuples(index=False, name=None) if k not in sent_keys
    ]
    assert len(orphans) == 1
    assert orphans[0][2] in set(sample.leads["lead_id"])
    # Bad rows are spread through the file, not only appended at the end.
    bad_at = np.flatnonzero(messy["event_id"].str.startswith("m").to_numpy())
    assert len(bad_at) == 4 and bad_at.min() < len(messy) / 2
