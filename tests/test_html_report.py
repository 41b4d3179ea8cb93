"""The shareable HTML report file: its structure, what it embeds and what it must not.

The page's behaviour in a browser is tested in tests/browser/test_html_report.py; here the
file itself: one escaped JSON payload, plotly.js once, a policy that forbids the network,
no lead ids or addresses, names escaped, and the notebook that writes it via papermill.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import re
import shutil
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import campaign_perf as cp
from campaign_perf.errors import ReportError
from campaign_perf.report.rows import ROW_KINDS, table_rows
from campaign_perf.views import aggregates
from campaign_perf.views.html import lead_groups
from campaign_perf.views.html.report import (
    Packer,
    buffer_of,
    content_security_policy,
    packed,
    read_aggregate,
    report_data,
    script_json,
    text_of,
    to_html,
    unpacked,
    write_html,
)
from campaign_perf.views.specs import plotly_text

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
HOSTILE_CAMPAIGN = "<img src=x onerror=alert(1)>"
HOSTILE_EMAIL = "</script><script>alert(1)</script>"
MAX_BYTES = 6_000_000


class Page(HTMLParser):
    """The parts of an HTML page the tests look at."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.rows: list[tuple[str, list[str]]] = []
        self.header: list[str] = []
        self._script: dict[str, str | None] | None = None
        self._text: list[str] = []
        self._cell: list[str] | None = None
        self._row: tuple[str, list[str]] | None = None
        self._in_table = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "script":
            self._script, self._text = a, []
        elif tag == "table" and a.get("id") == "cp-table":
            self._in_table = True
        elif self._in_table and tag == "tr":
            self._row = (a.get("class") or "", [])
        elif self._in_table and tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._text)))
            self._script = None
        elif tag == "table":
            self._in_table = False
        elif self._in_table and tag in ("td", "th") and self._cell is not None:
            assert self._row is not None
            self._row[1].append("".join(self._cell).strip())
            self._cell = None
        elif self._in_table and tag == "tr" and self._row is not None:
            if self.header:
                self.rows.append(self._row)
            else:
                self.header = self._row[1]
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._text.append(data)
        elif self._cell is not None:
            self._cell.append(data)

    def payload(self) -> dict[str, Any]:
        """The page's data, with its packed buffer (a script element of its own)."""
        (text,) = [t for a, t in self.scripts if a.get("id") == "cp-data"]
        (buffer,) = [t for a, t in self.scripts if a.get("id") == "cp-buffer"]
        return json.loads(text) | {"buffer": buffer}


# -- fixtures ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def log() -> cp.EventLog:
    return cp.load_events(
        SAMPLE / "events.parquet",
        campaigns=SAMPLE / "campaigns.csv",
        emails=SAMPLE / "emails.parquet",
        leads=SAMPLE / "leads.parquet",
    )


@pytest.fixture(scope="module")
def rep(log: cp.EventLog) -> cp.Report:
    return cp.Report(log, time_frame="past 30 days", tz="America/New_York", today="as_of")


@pytest.fixture(scope="module")
def page_text(rep: cp.Report) -> str:
    return to_html(rep)


@pytest.fixture(scope="module")
def page(page_text: str) -> Page:
    return Page(page_text)


def hostile_log() -> cp.EventLog:
    events = pd.DataFrame(
        {
            "event_type": ["sent", "delivered", "open", "sent"],
            "timestamp": ["2026-03-02T09:00:00Z", "2026-03-02T09:01:00Z", "2026-03-02T10:00:00Z",
                          "2026-03-03T09:00:00Z"],
            "campaign_id": ["C1", "C1", "C1", "C2"],
            "email_id": ["E1", "E1", "E1", "E2"],
            "lead_id": ["L1", "L1", "L1", "L2"],
        }
    )  # fmt: skip
    campaigns = pd.DataFrame(
        {"campaign_id": ["C1", "C2"], "campaign_name": [HOSTILE_CAMPAIGN, "Q&A <news>"]}
    )
    emails = pd.DataFrame(
        {
            "email_id": ["E1", "E2"],
            "email_name": [HOSTILE_EMAIL, "x\u2028y"],
            "subject": ["<b>hi</b>", "s"],
            "html": ["<script>alert(1)</script><p>body</p>", "<p>b</p>"],
        }
    )
    return cp.load_events(events, campaigns=campaigns, emails=emails)


# -- JSON inside a script element ----------------------------------------------------------
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
        max_leaves=20,
    )
)
def test_script_json_round_trips_and_cannot_end_the_element(data: Any) -> None:
    text = script_json(data)
    assert json.loads(text) == data
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in text


@given(st.binary(max_size=300))
def test_packed_text_round_trips_and_cannot_end_the_element(data: bytes) -> None:
    text = text_of(data)
    assert buffer_of(text) == data
    assert "<" not in text and "/" not in text  # nor "</script", nor "<!--"


def test_script_json_escapes_a_closing_tag() -> None:
    text = script_json({"name": HOSTILE_EMAIL})
    assert "</script" not in text.lower()
    assert json.loads(text) == {"name": HOSTILE_EMAIL}


# -- the sample's report file --------------------------------------------------------------
def test_one_file_with_plotly_inlined_once(page_text: str, page: Page) -> None:
    from plotly.offline import get_plotlyjs

    # plotly.js travels gzip-compressed, once; the page's script inflates it
    (packed_js,) = [t for a, t in page.scripts if a.get("id") == "cp-plotly"]
    assert buffer_of(packed_js).decode("utf-8") == get_plotlyjs()
    assert page_text.count(packed_js) == 1
    payloads = [a for a, _ in page.scripts if a.get("id") == "cp-data"]
    assert payloads == [{"type": "application/json", "id": "cp-data"}]
    # nothing is loaded from anywhere: no external scripts, styles, images, frames, fonts
    for tag, attrs in page.tags:
        assert "src" not in attrs or tag == "iframe", (tag, attrs)
        assert tag != "link", attrs
        assert not (attrs.get("href") or "").startswith(("http", "//")), attrs
    assert "@import" not in page_text and "url(http" not in page_text


def test_content_security_policy_forbids_the_network(page: Page) -> None:
    metas = [a for t, a in page.tags if t == "meta"]
    assert metas[0] == {"charset": "utf-8"}
    assert metas[1]["http-equiv"] == "Content-Security-Policy"
    policy = metas[1]["content"]
    assert policy == content_security_policy("inline")
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["connect-src"] == "'none'"
    assert "http" not in policy
    # the preview frame runs no script
    (frame,) = [a for t, a in page.tags if t == "iframe"]
    assert frame["sandbox"] == "" and "srcdoc" not in frame


def test_the_sample_report_stays_under_6_mb(page_text: str) -> None:
    size = len(page_text.encode("utf-8"))
    assert size < MAX_BYTES, f"{size / 1e6:.2f} MB"


def test_no_lead_ids_or_addresses_in_the_file(page_text: str, log: cp.EventLog) -> None:
    leads = log.leads
    ids = set(re.findall(r"L\d{6}", page_text))
    assert not ids & set(leads["lead_id"])
    addresses = set(re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", page_text))
    assert not addresses & set(leads["email"])
    assert leads["email"].iloc[0] not in page_text  # the search above finds addresses


def test_a_client_small_once_machine_opens_are_excluded_folds_too() -> None:
    # five people's opens by Apple's proxy (client Apple Mail), two of them also read on
    # an iPhone: five people with machine opens counted, two without
    rows = []
    for i in range(5):
        base = {"campaign_id": "C1", "email_id": "E1", "lead_id": f"p{i}@x.example"}
        rows.append({**base, "event_type": "sent", "timestamp": "2026-03-02 09:00"})
        for agent in ["Mozilla/5.0", *([IPHONE] if i < 2 else [])]:
            rows.append(
                {**base, "event_type": "open", "timestamp": "2026-03-02 10:00", "user_agent": agent}
            )
    rep = cp.Report(cp.load_events(pd.DataFrame(rows), warn=False), today="2026-03-10")
    assert rep.by("client").table()["opened"].tolist() == [5]
    labels = Page(to_html(rep.by("client"), charts=())).payload()["aggregates"]["engagement"]
    assert labels["labels"]["client"] == ["Other (groups under 5 people)"]


def test_no_user_agent_of_the_sample_in_the_file(rep: cp.Report, page_text: str) -> None:
    # the bare "Mozilla/5.0" (Apple's proxy) is part of every other one; plotly.js has it too
    agents = set(pd.read_parquet(SAMPLE / "events.parquet", columns=["user_agent"])["user_agent"])
    agents = {a for a in agents if isinstance(a, str) and a != "Mozilla/5.0"}
    assert len(agents) > 10
    by_client = to_html(rep.by("client"), plotlyjs="cdn")
    for text in (page_text, by_client):
        assert not [a for a in agents if a in text or html.escape(a) in text]
        assert "Apple Mail" in by_client  # the names of clients are aggregates


def test_the_file_holds_the_counts_of_both_machine_opens_settings(page: Page) -> None:
    data = page.payload()
    switch = data["machine_opens"]
    assert (switch["mode"], switch["other"]) == ("count", "exclude")
    assert switch["label"] == "Exclude machine opens (Apple Mail Privacy Protection)"
    texts = switch["texts"]["exclude"]
    assert list(texts["charts"]) == list(data["charts"])
    assert all(
        p["description"].endswith("machine opens excluded") for p in texts["frames"]["presets"]
    )
    # only the counts that machine opens change are sent twice: not the sends
    alt = data["aggregates"]["cube"]["alt"]
    assert {"opened", "machine_opened"} <= set(alt) and "sent" not in alt
    cube = read_aggregate(data, "cube")
    assert cube["alt:machine_opened"].sum() == 0  # excluded: none left
    assert cube["machine_opened"].sum() > 0
    assert (cube["alt:opened"] <= cube["opened"]).all() and (
        cube["alt:opened"] < cube["opened"]
    ).any()


def _sends(data: dict[str, Any], name: str) -> pd.DataFrame:
    """An embedded aggregate as a frame, with each row's campaign, email and send day."""
    frame = read_aggregate(data, name)
    frame["campaign_id"] = [data["campaigns"]["id"][c] for c in frame["campaign"]]
    frame["email_id"] = [data["emails"]["id"][e] for e in frame["email"]]
    return frame


@given(st.lists(st.integers(-(2**31), 2**31 - 1), max_size=30), st.booleans())
def test_packed_columns_read_back(values: list[int], ordered: bool) -> None:
    values = sorted(values) if ordered else values
    column, buffer = packed(values)
    assert unpacked(column, buffer).tolist() == values
    # among other columns, each at its own place in one buffer
    packer = Packer()
    columns = [packer.add(v) for v in ([7, 7], values, [1, 300, 2], values[::-1])]
    raw = buffer_of(packer.encoded())
    got = [unpacked(c, raw).tolist() for c in columns]
    assert got == [[7, 7], values, [1, 300, 2], values[::-1]]
    # a column added again (two groupings with the same rows) reads back without its
    # bytes being carried twice
    again = packer.add(values)
    assert unpacked(again, buffer_of(packer.encoded())).tolist() == values
    assert len(buffer_of(packer.encoded())) == len(raw)


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(-300, 300)), max_size=30))
def test_columns_ordered_within_groups_read_back(rows: list[tuple[int, int]]) -> None:
    rows = sorted(rows)  # each group's values in order, as an aggregate's dims within a send
    groups = np.array([g for g, _ in rows], dtype=np.int64)
    values = [v for _, v in rows]
    packer = Packer()
    column = packer.add(values, groups)
    assert unpacked(column, packer.encoded(), groups).tolist() == values


def test_the_embedded_aggregates_are_pythons(page: Page, rep: cp.Report) -> None:
    """Every row of every aggregate reads back as Python computes it: send, dimension and
    counts (the cells of the clock, sent turned by the send's weekday, too)."""
    _assert_aggregates_are_pythons(page.payload(), rep)


def test_without_machine_opens_the_file_holds_one_setting_that_reads_right(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A log without a machine open counts the same either way: each aggregate is read
    once, none carries the other setting's counts, and each reads back as Python's (in
    both settings: the switch changes nothing)."""
    events = pd.read_parquet(SAMPLE / "events.parquet")
    events = events[events["campaign_id"].isin(sorted(set(events["campaign_id"]))[:6])]
    proxy = events["user_agent"] == "Mozilla/5.0"  # Apple's proxy: a machine open
    events = events.assign(
        is_machine_open=False, user_agent=events["user_agent"].where(~proxy, IPHONE)
    )
    log = cp.load_events(events, warn=False)
    assert log.summary().machine_opens == 0
    rep = cp.Report(log, time_frame="past 30 days", today="as_of")
    read: list[cp.Report] = []
    hours = aggregates.hours_since_send
    monkeypatch.setattr(aggregates, "hours_since_send", lambda r: read.append(r) or hours(r))
    data = Page(to_html(rep)).payload()
    monkeypatch.undo()
    assert len(read) == 1  # not once per setting
    assert data["machine_opens"]["other"] == "exclude"
    assert not [name for name, agg in data["aggregates"].items() if agg.get("alt")]
    assert {"cube", "hours", "clock", "links", "engagement:client"} <= set(data["aggregates"])
    for setting in ("count", "exclude"):
        _assert_aggregates_are_pythons(data, rep.with_machine_opens(setting))


def _assert_aggregates_are_pythons(data: dict[str, Any], rep: cp.Report) -> None:
    wide = rep.with_time_frame("all time")
    clock = aggregates.clock(wide)
    python = {
        "cube": (wide.cube(all_days=True), []),
        "hours": (aggregates.hours_since_send(wide), ["bin"]),
        "clock": (clock.assign(cell=clock["weekday"] * 24 + clock["hour"]), ["cell"]),
        "links": (aggregates.links(wide), ["link"]),
    }
    for name, (want, dims) in python.items():
        got = _sends(data, name)
        labels = data["aggregates"][name].get("labels", {}).get("key")
        if labels:  # links: the page's labels are plotly text; compare their positions
            got["link"] = [labels[i] for i in got["link"]]
            want = want.assign(link=[plotly_text(x) for x in want["link"]])
        measures = list(data["aggregates"][name]["measures"])
        keys = ["campaign_id", "email_id", "day", *dims]
        want = want.assign(day=_day_numbers(want["send_day"]))
        a = got[keys + measures].sort_values(keys, ignore_index=True)
        b = want[keys + measures].sort_values(keys, ignore_index=True)
        assert a.astype(str).to_numpy().tolist() == b.astype(str).to_numpy().tolist(), name


def _day_numbers(days: pd.Series) -> list[int]:
    return [(d.date() - dt.date(1970, 1, 1)).days for d in pd.to_datetime(days)]


def test_the_payload_is_aggregates_only(page: Page, rep: cp.Report, log: cp.EventLog) -> None:
    data = page.payload()
    assert set(data["aggregates"]) == {
        *("cube", "hours", "clock", "links"),
        *("engagement:client", "engagement:device", "domains"),  # the clients and domains charts
    }
    cube = data["aggregates"]["cube"]
    assert set(cube["measures"]) == set(rep.count_columns)
    python_cube = rep.cube(all_days=True)
    assert len(_sends(data, "cube")) == len(python_cube) < log.summary().events / 100
    # the cube adds up to Python's report over all time, per campaign
    frame = _sends(data, "cube")
    counts = list(rep.count_columns)
    sums = frame.groupby("campaign_id")[counts].sum().reset_index()
    want = rep.with_time_frame("all time").by("campaign").with_columns(counts).table()
    assert sums[counts].to_numpy().tolist() == want[counts].to_numpy().tolist()
    assert sums["campaign_id"].tolist() == want["campaign_id"].tolist()
    # so do the event aggregates: opens and counted clicks over all time
    events = rep.with_time_frame("all time").events(event_types=("open", "click"))
    counted = events[(events["event_type"] == "open") | ~events["unsub_link"]]
    want_events = counted.groupby("event_type").size()
    hours = _sends(data, "hours")
    assert (hours["opens"].sum(), hours["clicks"].sum()) == (
        want_events["open"],
        want_events["click"],
    )
    assert _sends(data, "clock")["opens"].sum() == want_events["open"]
    assert _sends(data, "links")["clicks"].sum() == want_events["click"]
    # opened by client (every client of the sample has 5 people in an email: none folds)
    whole = rep.with_time_frame("all time")
    for dim in ("client", "device"):
        agg = data["aggregates"][f"engagement:{dim}"]
        frame = _sends(data, f"engagement:{dim}")
        frame[dim] = [agg["labels"][dim][i] for i in frame[dim]]
        opened = frame.groupby(dim)["opened"].sum()
        assert opened.to_dict() == whole.by(dim).table().set_index(dim)["opened"].to_dict()
    domains = _sends(data, "domains")
    assert domains["sent"].sum() == whole.total()["sent"]
    # links are pages: no query strings, so no tokens
    assert not [x for x in data["aggregates"]["links"]["labels"]["key"] if "?" in x]
    # every email of the cube has its preview, and only those
    assert len(data["emails"]["id"]) == len(data["previews"]) == python_cube["email_id"].nunique()
    emails = log.emails.set_index("email_id")
    for email_id, preview in zip(data["emails"]["id"], data["previews"], strict=True):
        assert preview == {
            "subject": emails.at[email_id, "subject"],
            "html": emails.at[email_id, "html"],
        }


def test_settings_and_presets(page: Page, rep: cp.Report) -> None:
    data = page.payload()
    s = data["settings"]
    assert s["tz"] == "America/New_York" and s["today"] == rep.today.isoformat()
    assert s["description"] == rep.description
    assert s["time_frame"]["label"] == "past 30 days"
    assert (s["frame"]["first"], s["frame"]["last"]) == (
        rep.frame.first.isoformat(),
        rep.frame.last.isoformat(),
    )
    frames = data["frames"]
    labels = [p["label"] for p in frames["presets"]]
    assert {"past 30 days", "last month", "this quarter", "all time"} <= set(labels)
    assert labels[frames["initial"]] == "past 30 days"


def _day(number: int | None) -> dt.date | None:
    return None if number is None else dt.date(1970, 1, 1) + dt.timedelta(days=number)


@pytest.mark.parametrize(
    ("today", "week_start"), [("2024-02-29", "sunday"), ("2026-01-01", "monday"), ("2025-12-31", 3)]
)
def test_presets_are_resolved_in_python_against_today(today: str, week_start: str | int) -> None:
    small = cp.Report(hostile_log(), today=today, week_start=week_start)
    frames = report_data(small, charts=())["frames"]
    for preset in frames["presets"]:
        other = small.with_time_frame(preset["label"])
        assert (_day(preset["first"]), _day(preset["last"])) == (
            other.frame.first,
            other.frame.last,
        ), preset["label"]
        assert preset["description"] == other.description
    anchor = _day(frames["week_anchor"])
    assert anchor is not None and anchor.weekday() == small.week_start


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("2026-08-10", "2026-09-20"),
        ("2026-10-25", None),
        (None, "2026-05-31"),
        ("2026-03-03", "2026-03-03"),
    ],
)
def test_custom_frames_are_worded_from_pythons_templates(
    rep: cp.Report, first: str | None, last: str | None
) -> None:
    custom = report_data(rep, charts=())["frames"]["custom"]
    other = rep.with_time_frame(f"{first or ''}..{last or ''}")
    slots = {"first": first or "", "last": last or ""}
    ranges = custom["range"]
    kind = "both" if first and last and first != last else "one" if first and last else "from"
    kind = kind if first else "until"
    range_text = (
        ranges[kind].replace("{{first}}", slots["first"]).replace("{{last}}", slots["last"])
    )
    label = custom["label"].replace("{{first}}", slots["first"]).replace("{{last}}", slots["last"])
    assert range_text == str(other.frame)
    assert label == str(other.time_frame)
    filled = custom["description"].replace("{{label}}", label).replace("{{range}}", range_text)
    assert filled == other.description


def test_the_subtotal_and_total_labels_are_the_rows_labels(rep: cp.Report) -> None:
    spec = report_data(rep, charts=())["table"]
    rows = table_rows(rep)
    sub = rows[rows["kind"] == "subtotal"].iloc[0]
    campaign = rows[(rows["block"] == sub["block"]) & (rows["kind"] == "detail")].iloc[0]
    column = spec["subtotal_label"]["column"]
    assert sub[column] == spec["subtotal_label"]["text"].replace(
        "{{" + column + "}}", campaign[column]
    )
    assert rows.iloc[-1][spec["shown"][0]] == spec["total_label"]
    details = rows[rows["kind"] == "detail"].groupby("block").size()
    with_subtotal = set(rows.loc[rows["kind"] == "subtotal", "block"])
    assert with_subtotal == set(details[details >= spec["subtotal_rows"]].index)
    assert spec["kinds"] == list(ROW_KINDS)


def test_the_first_paint_is_pythons_table(page: Page, rep: cp.Report) -> None:
    formatted = rep.formatted()
    assert page.header == list(formatted.columns)
    assert [cells for _, cells in page.rows] == formatted.astype(str).to_numpy().tolist()
    kinds = [k for k, _ in page.rows]
    assert kinds[-1] == "cp-total"
    subtotals = [c[0] for k, c in page.rows if k == "cp-subtotal"]
    emails = rep.table().groupby("campaign_name", sort=False).size()
    assert subtotals == [f"{n} — subtotal" for n, k in emails.items() if k > 1]
    assert 0 < len(subtotals) < len(emails)  # campaigns of one email have none


def test_the_header_says_what_the_report_shows(page_text: str, rep: cp.Report) -> None:
    s = rep.log.summary()
    text = html.unescape(re.sub(r"<[^>]+>", " ", page_text.split("<script")[0]))
    words = " ".join(text.split())
    assert rep.description in words
    assert f"{s.events:,} events counted" in words
    assert f"{s.rejected:,} rejected rows" in words
    assert "America/New_York" in words and f"{rep.as_of:%Y-%m-%d %H:%M} UTC" in words


def test_every_chart_is_defined_once_for_both_renderers(page: Page, rep: cp.Report) -> None:
    from campaign_perf.views.charts import CHART_KINDS
    from campaign_perf.views.specs import chart_spec

    kinds = list(CHART_KINDS)
    charts = page.payload()["charts"]
    assert list(charts) == kinds
    for kind, spec in charts.items():
        # the very definition Python draws from, and the aggregate it reads is embedded
        assert spec == json.loads(json.dumps(chart_spec(rep, kind))), kind
        aggregates = page.payload()["aggregates"]
        if "parts" in spec:  # the clients chart: an aggregate per part
            assert all(f"{spec['source']}:{p['group']}" in aggregates for p in spec["parts"])
        else:
            assert spec["source"] in aggregates, kind
    figures = [a["id"] for t, a in page.tags if t == "figure"]
    assert figures == [f"cp-chart-{k}" for k in kinds]


# -- options ---------------------------------------------------------------------------------
def test_cdn_file_is_small_and_pins_plotly(rep: cp.Report, tmp_path: Path) -> None:
    from plotly.io._utils import plotly_cdn_url

    path = write_html(rep, tmp_path / "cdn.html", plotlyjs="cdn", charts=("rates",))
    text = path.read_text()
    page = Page(text)
    assert path.stat().st_size < 600_000
    srcs = [a for a, _ in page.scripts if "src" in a]
    assert len(srcs) == 1 and srcs[0]["src"] == plotly_cdn_url()
    assert srcs[0]["integrity"].startswith("sha256-")
    assert "https://cdn.plot.ly" in content_security_policy("cdn")
    assert content_security_policy("cdn") in html.unescape(text)


def test_options_are_checked(rep: cp.Report) -> None:
    with pytest.raises(ReportError, match="unknown chart kind 'pie'"):
        to_html(rep, charts=["pie"])
    with pytest.raises(ReportError, match="plotlyjs"):
        to_html(rep, plotlyjs="local")  # type: ignore[arg-type]


def test_without_charts_and_previews(rep: cp.Report) -> None:
    data = report_data(rep, charts=(), previews=False)
    assert data["charts"] == {} and list(data["aggregates"]) == ["cube"]
    assert not any(data["previews"])
    page = Page(to_html(rep, charts=(), previews=False, title="Weekly"))
    assert not [a for t, a in page.tags if t == "figure"]
    assert page.payload()["title"] == "Weekly"


def test_custom_metrics_travel_as_expression_trees(rep: cp.Report) -> None:
    from campaign_perf.metrics import metric, registry_snapshot

    with registry_snapshot():
        metric("engaged_pct", "(clicked + unsubscribed) / delivered", fmt="pct")
        metric("engaged_per_open", "engaged_pct * delivered / max(opened, 1)")
        data = report_data(rep.with_columns(["sent", "engaged_pct", "engaged_per_open"]), charts=())
    metrics = {m["id"]: m for m in data["metrics"]}
    assert [m["id"] for m in data["metrics"]][:3] == ["sent", "engaged_pct", "engaged_per_open"]
    assert metrics["engaged_pct"]["tree"] == ["/", ["+", "clicked", "unsubscribed"], "delivered"]
    assert metrics["engaged_per_open"]["tree"] == [
        "/",
        ["*", ["/", ["+", "clicked", "unsubscribed"], "delivered"], "delivered"],
        ["max", "opened", 1.0],
    ]
    assert metrics["sent"]["tree"] == "sent"


# -- names that try to be markup ----------------------------------------------------------------
def test_hostile_names_are_escaped_everywhere(tmp_path: Path) -> None:
    rep = cp.Report(hostile_log(), today="2026-03-10")
    text = to_html(rep)
    assert HOSTILE_CAMPAIGN not in text
    assert HOSTILE_EMAIL not in text
    assert "<script>alert(1)" not in text  # the email's HTML is in the JSON, escaped
    assert "\u2028" not in text.split('id="cp-data">')[1].split("</script>")[0]
    page = Page(text)
    # data, its packed buffer, plotly config, plotly.js packed, the report's script
    assert [a.get("id") for a, _ in page.scripts] == [
        "cp-data",
        "cp-buffer",
        None,
        "cp-plotly",
        None,
    ]
    cells = [c for _, row in page.rows for c in row]
    assert HOSTILE_CAMPAIGN in cells and HOSTILE_EMAIL in cells and "Q&A <news>" in cells
    assert [t for t, _ in page.tags if t == "img"] == []
    data = page.payload()
    assert HOSTILE_CAMPAIGN in data["campaigns"]["name"]
    assert data["previews"][0]["html"] == "<script>alert(1)</script><p>body</p>"


# -- notebook 03 through papermill ---------------------------------------------------------------
def test_notebook_03_runs_with_other_parameters(tmp_path: Path) -> None:
    import papermill

    # a copy of the layout (notebooks/ next to sample_data/), so that nothing is written
    # into the repository
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "sample_data").symlink_to(SAMPLE)
    notebook = tmp_path / "notebooks" / "03_share_a_report.ipynb"
    shutil.copy(ROOT / "notebooks" / "03_share_a_report.ipynb", notebook)
    out = tmp_path / "subscription"
    papermill.execute_notebook(
        str(notebook),
        str(tmp_path / "run.ipynb"),
        parameters={
            "time_frame": "2026-09-01..2026-09-30",
            "campaign": "C1004",
            "out_dir": str(out),
        },
        cwd=str(notebook.parent),
        progress_bar=False,
        kernel_name="python3",
    )
    name = "campaign_report_2026_09_01__2026_09_30"
    data = Page((out / f"{name}.html").read_text()).payload()
    assert data["settings"]["time_frame"]["label"] == "2026-09-01..2026-09-30"
    assert data["settings"]["filters"] == [["campaigns", ["C1004"]]]
    assert data["campaigns"]["id"] == ["C1004"]
    assert data["title"] == "Campaign report: 2026-09-01..2026-09-30"
    book = pd.read_excel(out / f"{name}.xlsx")
    assert set(book["Campaign"]) == {"Webinar – Invitations"}
    # the unparameterised part wrote its files next to the notebook copy
    assert (notebook.parent / "out" / "campaign_email_performance.html").exists()
    assert (notebook.parent / "out" / "campaign_email_performance.xlsx").exists()


# -- infinite values -----------------------------------------------------------
def test_an_infinite_metric_value_is_missing_visibly(rep: cp.Report) -> None:
    from campaign_perf.metrics import metric, registry_snapshot

    with registry_snapshot():
        metric("huge", "sent * 1e308")  # overflows to infinity for 2 sends or more
        metric("huge_pct", "sent * 1e308 / delivered", fmt="pct")
        huge = rep.with_columns(["sent", "huge", "huge_pct"])
        assert huge.table()["huge"].isin([float("inf")]).all()
        page = Page(to_html(huge))
        fig = huge.chart("rates")
    assert {row[-1] for _, row in page.rows} == {"–"}
    assert {row[-2] for _, row in page.rows} == {"–"}
    assert all(math.isnan(x) for x in fig.data[0].x)


# -- personal data: lead groupings and ledger reasons ------------------------------------------
def _people_log() -> cp.EventLog:
    """14 people: 6 in segment "big", 5 in "mid", 2 in "small", 1 in "solo"; each with an
    address and a name of their own, and one of two account owners (7 people each)."""
    segments = ["big"] * 6 + ["mid"] * 5 + ["small"] * 2 + ["solo"]
    leads = pd.DataFrame(
        {
            "lead_id": [f"L{i}" for i in range(len(segments))],
            "segment": segments,
            "address": [f"person{i}@example.org" for i in range(len(segments))],
            "name": [f"Person Number{i}" for i in range(len(segments))],
            "owner": ["owner.one@corp.example"] * 7 + ["owner.two@corp.example"] * 7,
        }
    )
    rows = [
        {"event_type": kind, "timestamp": f"2026-03-0{day} 09:00", "campaign_id": "C1",
         "email_id": f"E{day}", "lead_id": lead}
        for lead in leads["lead_id"]
        for day in (2, 3)
        for kind in ("sent", "delivered")
    ]  # fmt: skip
    return cp.load_events(pd.DataFrame(rows), leads=leads, warn=False)


@pytest.fixture(scope="module")
def people() -> cp.Report:
    return cp.Report(_people_log(), today="2026-03-10")


def test_small_lead_groups_fold_into_other_in_the_shared_file(people: cp.Report) -> None:
    grouped = people.by("segment")
    other = "Other (groups under 5 people)"
    text = to_html(grouped, charts=("rates",))
    page = Page(text)
    labels = page.payload()["aggregates"]["cube"]["labels"]["segment"]
    assert labels == ["Other (groups under 5 people)", "big", "mid"]
    assert "small" not in labels and "solo" not in labels
    # the first paint folds the same way, and the file says so
    assert [r[1][0] for r in page.rows] == [other, "big", "mid", "Total"]
    assert [r[1][1] for r in page.rows] == ["6", "12", "10", "28"]
    assert "groups of fewer than 5 people are folded" in html.unescape(text)
    # a lower minimum shows them; the notebook's table is unchanged
    labels = Page(to_html(grouped, charts=(), min_group_size=2)).payload()
    other = "Other (groups under 2 people)"
    assert labels["aggregates"]["cube"]["labels"]["segment"] == [other, "big", "mid", "small"]
    assert grouped.table()["segment"].tolist() == ["big", "mid", "small", "solo"]
    with pytest.raises(ReportError, match="min_group_size"):
        to_html(grouped, min_group_size=0)


@pytest.mark.parametrize(
    "narrow",
    [
        lambda r: r,
        lambda r: r.where(leads={"country": ["SE", "US"]}),
        lambda r: r.where(programs="SMB Nurture"),  # (counted from the records)
        lambda r: r.with_basis("activity"),
    ],
)
def test_the_people_of_lead_groups_are_counted_as_the_records_say(
    rep: cp.Report, narrow: Callable[[cp.Report], cp.Report]
) -> None:
    """A shared file folds small lead groups by their people, counted by the engine: the
    same as from the records, after every filter."""
    wide = narrow(rep.with_time_frame("all time"))
    attrs = list(dict.fromkeys(["segment", "recipient_domain", *wide.filters.lead_attrs()]))
    ids = wide.records()["lead_id"].drop_duplicates()
    leads = wide.log.leads.set_index("lead_id").reindex(ids).reset_index()
    leads = leads.fillna({a: "(unknown)" for a in attrs if a in leads}).astype(str)
    leads["recipient_domain"] = [
        i.rsplit("@", 1)[1].strip().lower() if "@" in i else "(unknown)" for i in ids
    ]
    want = leads.groupby(attrs).size().rename("people").reset_index()
    got = lead_groups.people(wide, attrs)
    assert got["people"].sum() == len(ids) > 0
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


@pytest.mark.parametrize("attr", ["address", "name", "owner"])
def test_an_attribute_that_identifies_people_is_refused(people: cp.Report, attr: str) -> None:
    with pytest.raises(ReportError, match=f"lead attribute '{attr}'") as err:
        to_html(people.by(attr), charts=())
    assert "\n" not in str(err.value)
    with pytest.raises(ReportError, match=f"lead attribute '{attr}'"):
        to_html(people.where(leads={attr: people.log.leads[attr].iloc[0]}), charts=())
    assert len(people.by(attr).table()) > 1  # the notebook still shows it


def test_a_filter_on_a_small_lead_group_is_refused(people: cp.Report, tmp_path: Path) -> None:
    with pytest.raises(ReportError, match=r"segment.*fewer than 5 people"):
        write_html(people.where(leads={"segment": ["small", "solo"]}), tmp_path / "x.html")
    assert not (tmp_path / "x.html").exists()
    text = to_html(people.where(leads={"segment": "big"}), charts=())
    assert Page(text).payload()["settings"]["filters"] == [["segment", ["big"]]]


def test_ledger_reasons_are_counted_by_kind_without_raw_values(tmp_path: Path) -> None:
    rows = pd.DataFrame(
        {
            "event_type": ["sent", "alice@example.com", "bob@example.com", "sent"],
            "timestamp": ["2026-03-02 09:00", "2026-03-02 09:00", "2026-03-02 09:00", "carol"],
            "campaign_id": ["C1"] * 4,
            "email_id": ["E1"] * 4,
            "lead_id": ["L1", "L2", "L3", "L4"],
        }
    )
    log = cp.load_events(rows, warn=False)
    assert "unknown event_type 'alice@example.com'" in set(log.rejected["reason"])
    rep = cp.Report(log, today="2026-03-10")
    text = write_html(rep, tmp_path / "r.html", plotlyjs="cdn").read_text("utf-8")
    for raw in ("alice@example.com", "bob@example.com", "carol"):
        assert raw not in text
    data = Page(text).payload()["summary"]["rejected_by_reason"]
    assert data == {"unknown event_type": 2, "unparseable timestamp": 1}
    assert "2 × unknown event_type" in html.unescape(text)


def _domain_log() -> cp.EventLog:
    leads = [f"p{i}@gmail.com" for i in range(6)] + ["c@solo.example", "d@solo.example"]
    rows = [
        {
            "event_type": "sent",
            "timestamp": "2026-03-02 09:00",
            "campaign_id": "C1",
            "email_id": "E1",
            "lead_id": lead,
        }
        for lead in leads
    ]
    return cp.load_events(pd.DataFrame(rows), warn=False)


def test_a_recipient_domain_of_fewer_than_five_recipients_is_other_in_a_shared_file() -> None:
    page = cp.Report(_domain_log()).by("recipient_domain").to_html()
    assert "gmail.com" in page
    assert "solo.example" not in page
    assert "Other (groups under 5 people)" in page


OUTLOOK = "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.4266; Pro)"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148"
)


def _read_on_log() -> cp.EventLog:
    """Two emails to p0..p7: p0-p5 open both in Outlook; p6 opens E1 on an iPhone and E2
    in Outlook, p7 opens E2 on an iPhone; every open from one IP address."""
    rows = []
    for email, day in (("E1", "02"), ("E2", "03")):
        for i in range(8):
            base = {"campaign_id": "C1", "email_id": email, "lead_id": f"p{i}@x.example"}
            rows.append({**base, "event_type": "sent", "timestamp": f"2026-03-{day} 09:00"})
            agent = IPHONE if (i, email) in ((6, "E1"), (7, "E2")) else OUTLOOK
            if i < 6 or i == 6 or (i == 7 and email == "E2"):
                rows.append(
                    {**base, "event_type": "open", "timestamp": f"2026-03-{day} 10:00"}
                    | {"user_agent": agent, "ip": "203.0.113.77"}
                )
    return cp.load_events(pd.DataFrame(rows), warn=False)


def test_a_client_of_fewer_than_five_people_in_an_email_is_other_in_a_shared_file() -> None:
    rep = cp.Report(_read_on_log(), today="2026-03-10").by("client")
    text = to_html(rep, charts=("rates",))
    page = Page(text)
    data = page.payload()
    other = "Other (groups under 5 people)"
    # Apple Mail: 1 person in each email (2 in all, but the file cannot tell 2 from 1)
    assert data["aggregates"]["engagement"]["labels"]["client"] == [other, "Outlook"]
    assert '"Apple Mail"' not in text and ">Apple Mail<" not in text  # not as a name
    assert data["table"]["share"]["label"] == "Share of Opened"
    assert data["table"]["source"] == "engagement"
    # the first paint: opened and its share per client, sends missing, the total's sends
    assert page.header[-1] == "Share of Opened"
    assert [r[1][0] for r in page.rows] == [other, "Outlook", "Total"]
    # 15 records opened: Outlook 6 of E1's and 7 of E2's, Apple Mail one of each
    assert [r[1][-1] for r in page.rows] == ["13.3%", "86.7%", "100.0%"]
    assert [r[1][1] for r in page.rows] == ["–", "–", "16"]  # sent
    assert "groups of fewer than 5 people are folded" in html.unescape(text)
    assert rep.grouping_note in html.unescape(text)
    # nothing of an event: no user agent, no IP
    for secret in (OUTLOOK, IPHONE, "Microsoft Office", "iPhone OS", "203.0.113.77"):
        assert secret not in text, secret
    # a lower minimum shows Apple Mail; the notebook's table is unchanged
    low = Page(to_html(rep, charts=(), min_group_size=1)).payload()
    assert low["aggregates"]["engagement"]["labels"]["client"] == ["Apple Mail", "Outlook"]
    assert rep.table()["client"].tolist() == ["Apple Mail", "Outlook"]


def test_a_small_group_with_volume_enough_to_rank_is_never_named_in_the_shared_file() -> None:
    """One person sent 40 emails: enough records to top the performers panel, too few
    people to be shown. The file's first paint ranks the folded groups, as its script does."""
    segments = ["big"] * 6 + ["lonely"]
    leads = pd.DataFrame({"lead_id": [f"L{i}" for i in range(7)], "segment": segments})
    rows = []
    for lead, segment in zip(leads["lead_id"], segments, strict=True):
        for e in range(40):
            sent = pd.Timestamp("2026-03-02 09:00") + pd.Timedelta(hours=e)
            kinds = ("sent", "delivered") + (("open", "click") if segment == "lonely" else ())
            rows += [
                {"event_type": kind, "timestamp": sent + pd.Timedelta(minutes=i),
                 "campaign_id": "C1", "email_id": f"E{e}", "lead_id": lead}
                for i, kind in enumerate(kinds)
            ]  # fmt: skip
    log = cp.load_events(pd.DataFrame(rows), leads=leads, warn=False)
    grouped = cp.Report(log, today="2026-03-10").by("segment")
    assert grouped.performers()["name"].iloc[0] == "lonely"  # the notebook names it
    text = to_html(grouped)
    assert "lonely" not in text
    best = re.search(r'id="cp-best".*?class="cp-p-name"[^>]*>([^<]*)<', text, re.S)
    assert best is not None and best.group(1) == "Other (groups under 5 people)"
