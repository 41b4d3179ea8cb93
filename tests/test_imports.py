"""``import campaign_perf`` loads the engine and the report core; views, statistics and
clients load on first use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "events.parquet"
VIEW_ONLY = (
    "plotly",
    "ipywidgets",
    "anywidget",
    "jinja2",
    "openpyxl",
    "scipy",
    "httpx",
    "sqlglot",
    "ua_parser",
)


def modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {name.split(".")[0] for name in out.split()}


def test_import_leaves_the_view_libraries_for_later() -> None:
    loaded = modules_after("import campaign_perf")
    assert {"pandas", "duckdb", "pyarrow"} <= loaded
    assert loaded.isdisjoint(VIEW_ONLY)


def test_a_view_method_imports_its_module_when_first_used() -> None:
    loaded = modules_after(
        "import campaign_perf as cp\n"
        "doc = cp.Report.chart.__doc__\n"
        "assert doc and doc.startswith('Draw a chart')"
    )
    assert "plotly" in loaded
    assert "ipywidgets" not in loaded


def test_parsing_a_user_agent_imports_the_parser_when_first_used() -> None:
    iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15"
    loaded = modules_after(
        "import campaign_perf as cp\n"
        f"got = cp.classify_user_agents([{iphone!r}]).iloc[0].tolist()\n"
        "assert got[2:] == ['iOS', 'mobile'], got"
    )
    assert "ua_parser" in loaded


def test_user_agents_are_parsed_when_a_client_is_first_asked_for() -> None:
    """A load counts the distinct user agents; the parser and its rules are loaded only
    when a report groups by client, OS, device or country (or reads ``log.events``)."""
    load = (
        "import campaign_perf as cp\n"
        f"log = cp.load_events({str(SAMPLE)!r}, warn=False)\n"
        "assert log.summary().user_agents > 10\n"
        "assert cp.Report(log, today='as_of').table()['sent'].sum() > 0\n"
    )
    assert "ua_parser" not in modules_after(load)
    loaded = modules_after(
        load + "t = cp.Report(log, today='as_of').by('device').table()\n"
        "assert {'desktop', 'mobile'} <= set(t['device']), t['device'].tolist()"
    )
    assert "ua_parser" in loaded


def test_a_shared_report_needs_no_scipy(tmp_path: Path) -> None:
    """The headline's critical value comes from the standard library: writing a shared
    report (a fresh process, as the CLI's) does not import scipy (0.2-0.4 s)."""
    out = tmp_path / "report.html"
    loaded = modules_after(
        "import campaign_perf as cp\n"
        f"log = cp.load_events({str(SAMPLE)!r}, warn=False)\n"
        "rep = cp.Report(log, time_frame='past 30 days', today='as_of')\n"
        f"rep.write_html({str(out)!r})\n"
        "assert len(rep.kpis()) > 0\n"
    )
    assert out.stat().st_size > 0
    assert "scipy" not in loaded
