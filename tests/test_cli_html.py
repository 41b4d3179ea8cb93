"""``campaign-perf report ... -o report.html``: the shareable HTML report from the shell."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import campaign_perf as cp
from campaign_perf.cli import app
from campaign_perf.views.html.report import unpacked

runner = CliRunner()

# (event_type, timestamp UTC, campaign_id, email_id, lead_id, link)
EVENTS = [
    ("sent", "2026-03-02T09:00:00Z", "C1", "E1", "L1", ""),
    ("delivered", "2026-03-02T09:01:00Z", "C1", "E1", "L1", ""),
    ("open", "2026-03-02T10:00:00Z", "C1", "E1", "L1", ""),
    ("click", "2026-03-02T10:05:00Z", "C1", "E1", "L1", "https://example.com/a"),
    ("sent", "2026-03-02T09:00:00Z", "C1", "E1", "L2", ""),
    ("hard_bounce", "2026-03-02T09:02:00Z", "C1", "E1", "L2", ""),
    ("sent", "2026-03-09T23:30:00Z", "C2", "E2", "L1", ""),
    ("delivered", "2026-03-09T23:31:00Z", "C2", "E2", "L1", ""),
    ("sent", "2026-03-10T10:00:00Z", "C2", "E2", "L3", ""),
]


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    events = tmp_path / "events.csv"
    with events.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["event_type", "timestamp", "campaign_id", "email_id", "lead_id", "link"])
        w.writerows(EVENTS)
    campaigns = tmp_path / "campaigns.csv"
    campaigns.write_text(
        "campaign_id,campaign_name,program,status\nC1,Spring Sale,Promo,active\n"
        "C2,<b>Fall</b> News,News,active\n"
    )
    emails = tmp_path / "emails.csv"
    emails.write_text(
        "email_id,email_name,subject,html\nE1,Spring Email,Hello spring,<p>Spring</p>\n"
        "E2,Fall Email,Hello fall,<p>Fall</p>\n"
    )
    return {"events": events, "campaigns": campaigns, "emails": emails, "dir": tmp_path}


def run(*args: Any) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def payload(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    found = re.search(r'<script type="application/json" id="cp-data">(.*?)</script>', text, re.S)
    packed = re.search(
        r'<script type="application/octet-stream" id="cp-buffer">(.*?)</script>', text
    )
    assert found and packed, "no payload"
    return json.loads(found.group(1)) | {"buffer": packed.group(1)}


def test_writes_the_interactive_report(files: dict[str, Path]) -> None:
    out = files["dir"] / "report.html"
    res = run(
        "report", files["events"], "--campaigns", files["campaigns"], "--emails", files["emails"],
        "-t", "past 7 days", "--today", "2026-03-10", "--tz", "Europe/Stockholm",
        "--title", "Weekly report", "-o", out,
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert res.stdout == ""
    assert f"to {out}" in res.stderr and "MB" in res.stderr
    data = payload(out)
    s = data["settings"]
    assert data["title"] == "Weekly report"
    assert (s["tz"], s["today"], s["time_frame"]["label"]) == (
        "Europe/Stockholm",
        "2026-03-10",
        "past 7 days",
    )
    # the same numbers as the library's report for these settings
    log = cp.load_events(files["events"], campaigns=files["campaigns"], emails=files["emails"])
    rep = cp.Report(log, time_frame="past 7 days", today="2026-03-10", tz="Europe/Stockholm")
    assert s["description"] == rep.description
    assert data["campaigns"]["name"] == ["Spring Sale", "<b>Fall</b> News"]
    sent = unpacked(data["aggregates"]["cube"]["measures"]["sent"], data["buffer"])
    assert sent.sum() == rep.with_time_frame("all time").total()["sent"]
    assert [p and p["subject"] for p in data["previews"]] == ["Hello spring", "Hello fall"]
    text = out.read_text(encoding="utf-8")
    assert "<b>Fall</b>" not in text  # escaped in the table and in the payload
    assert "&lt;b&gt;Fall&lt;/b&gt; News" in text
    embedded = json.dumps(data)
    for lead in ("L1", "L2", "L3"):  # no lead id as a value anywhere in the data
        assert f'"{lead}"' not in embedded


def test_filters_and_the_cdn_option(files: dict[str, Path]) -> None:
    out = files["dir"] / "small.htm"
    res = run(
        "report", files["events"], "--campaigns", files["campaigns"],
        "--where-campaign", "C2", "--plotlyjs", "cdn", "-o", out,
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    data = payload(out)
    assert data["campaigns"]["id"] == ["C2"]
    assert data["settings"]["filters"] == [["campaigns", ["C2"]]]
    text = out.read_text(encoding="utf-8")
    assert '<script src="https://cdn.plot.ly/plotly-' in text
    assert out.stat().st_size < 600_000


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["-o", "{dir}/out.csv", "--plotlyjs", "cdn"], "--plotlyjs"),
        (["--plotlyjs", "cdn"], "--plotlyjs"),
        (["-o", "{dir}/out.xlsx", "--title", "T"], "--title"),
        (["-o", "{dir}/out.html", "--plotlyjs", "web"], "--plotlyjs"),
        (["-o", "{dir}/out.txt"], ".csv, .json, .xlsx, .html"),
    ],
)
def test_usage_errors(files: dict[str, Path], args: list[str], words: str) -> None:
    res = run("report", files["events"], *[a.format(dir=files["dir"]) for a in args])
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0]
    assert not list(files["dir"].glob("out.*"))


def test_unwritable_path_is_a_data_error(files: dict[str, Path]) -> None:
    res = run("report", files["events"], "-o", files["dir"] / "no" / "such" / "report.html")
    assert res.exit_code == 1
    assert "cannot be written" in res.stderr


def test_help_mentions_html() -> None:
    res = run("report", "--help")
    assert res.exit_code == 0
    assert "--plotlyjs" in res.stdout and ".html" in res.stdout


def test_lead_groups_fold_and_identifying_attributes_are_refused(
    files: dict[str, Path],
) -> None:
    leads = files["dir"] / "leads.csv"
    leads.write_text(
        "lead_id,segment,address\nL1,retail,ann@example.org\nL2,retail,bo@example.org\n"
        "L3,b2b,cy@example.org\n"
    )
    base = ["report", files["events"], "--leads", leads]
    out = files["dir"] / "seg.html"
    res = run(*base, "--group-by", "segment", "-o", out)
    assert res.exit_code == 0, res.output
    data = payload(out)
    assert data["aggregates"]["cube"]["labels"]["segment"] == ["Other (groups under 5 people)"]
    assert "retail" not in out.read_text(encoding="utf-8")
    res = run(*base, "--group-by", "segment", "--min-group-size", "2", "-o", out)
    assert res.exit_code == 0, res.output
    labels = payload(out)["aggregates"]["cube"]["labels"]["segment"]
    assert labels == ["Other (groups under 2 people)", "retail"]
    res = run(
        *base, "--group-by", "address", "--min-group-size", "1", "-o", files["dir"] / "a.html"
    )
    assert res.exit_code == 2, res.output  # a setting the shared file refuses
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "lead attribute 'address'" in lines[0], res.stderr
    assert "ann@" not in res.stderr and not (files["dir"] / "a.html").exists()
    res = run(*base, "--min-group-size", "3", "-o", files["dir"] / "out.csv")
    assert res.exit_code == 2 and "--min-group-size" in res.stderr
