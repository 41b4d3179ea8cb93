"""Speed of the notebook dashboard: how long each kind of control change takes.

On the sample data, builds a :class:`campaign_perf.views.dashboard.Dashboard` and changes
each kind of control back and forth (so that every measurement is a real change), timing
the whole handler that a change runs: a new Report, then the headline strip, what stood
out, the figure (updated in place), the table, the settings bar's title, the status line,
the email list and the CSV link. The first change of each kind is shown
apart ("first"): it may build records that later changes find cached (basis, bots).

Also times the steps of one time-frame change, to show where the time goes.

Prints a markdown table (median and 90th percentile) and writes it to
``benchmarks/dashboard_results.md``. Usage::

    python benchmarks/bench_dashboard.py [--repeats 20]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import campaign_perf as cp
from campaign_perf.report.rows import table_rows
from campaign_perf.views.charts import chart
from campaign_perf.views.dashboard import Dashboard
from campaign_perf.views.dashboard.choices import settings_summary
from campaign_perf.views.kpi_strip import kpi_strip
from campaign_perf.views.performers_panel import performers_panel
from campaign_perf.views.tables import styled

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parent / "sample_data"
TARGET_MS = 100.0


def _load() -> cp.EventLog:
    return cp.load_events(
        SAMPLE / "events.parquet",
        campaigns=SAMPLE / "campaigns.csv",
        emails=SAMPLE / "emails.parquet",
        leads=SAMPLE / "leads.parquet",
    )


def _changes(d: Dashboard) -> dict[str, tuple[Any, str, list[Any]]]:
    """Each kind of change: the widget, what it is, and the values to alternate."""
    program = d.programs.options[0][1]
    labels = [d.columns.value, ["Sent", "Delivered", "Opened %", "Clicked %"]]
    return {
        "time frame preset": (d.time_frame, "past 30 days ↔ last month", ["last month", None]),
        "custom dates": (
            d.date_from,
            "custom frame, move the first day",
            [dt.date(2026, 9, 1), dt.date(2026, 9, 15)],
        ),
        "zone": (d.tz, "America/New_York ↔ Europe/Stockholm", ["Europe/Stockholm", None]),
        "basis": (d.basis, "sent date ↔ date of activity", ["activity", None]),
        "columns": (d.columns, "14 default columns ↔ 4 columns", [labels[1], labels[0]]),
        "group by": (d.group_by, "campaign × email ↔ program", ["program", None]),
        "filter: program": (d.programs, f"none ↔ {program}", [(program,), ()]),
        "filter: campaign status": (d.campaign_status, "all ↔ archived", ["archived", None]),
        "bots": (d.exclude_bots, "include ↔ exclude bot activity", [True, None]),
        "chart kind (view only)": (d.chart_kind, "rates ↔ funnel", ["funnel", None]),
        "sort (view only)": (d.sort_by, "report order ↔ by Sent", ["sent", None]),
        "sort mode (view only)": (d.sort_mode, "by campaign ↔ ranked", ["ranked", None]),
        "sort direction (view only)": (
            d.sort_ascending,
            "by Sent: highest ↔ lowest first",
            [True, None],
        ),
        "what stood out: rate (view only)": (
            d.performer_rate,
            "Clicked % ↔ Opened %",
            ["opened_pct", None],
        ),
    }


def _clock(fn: Callable[[], Any]) -> tuple[float, float]:
    """Wall-clock and CPU milliseconds of one call (CPU time hardly depends on what else
    the machine is running; the handler is single-threaded Python for the most part)."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def _p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


Row = tuple[str, str, float, float, float, float]


def _set(widget: Any, value: Any) -> Callable[[], None]:
    return lambda: setattr(widget, "value", value)


def measure(repeats: int) -> tuple[list[Row], dict[str, float]]:
    """Time every kind of change; returns rows (kind, what, first, median, p90, median CPU)
    in ms and the step breakdown (CPU ms) of a time-frame change."""
    log = _load()
    rows = []
    for kind in _changes(Dashboard(cp.Report(log))):
        # A fresh dashboard per kind, so that "first" is the first such change.
        rep = cp.Report(log, time_frame="past 30 days", today="as_of", tz="America/New_York")
        d = Dashboard(rep)
        widget, what, values = _changes(d)[kind]
        if kind == "custom dates":
            d.time_frame.value = "custom"
        if kind == "sort direction (view only)":
            d.sort_by.value = "sent"
        start = widget.value
        values = [start if v is None else v for v in values]
        clocks = [_clock(_set(widget, values[i % 2])) for i in range(repeats)]
        assert d.error is None, (kind, d.error)
        walls, cpus = [c[0] for c in clocks[1:]], [c[1] for c in clocks[1:]]
        median, cpu = statistics.median(walls), statistics.median(cpus)
        rows.append((kind, what, clocks[0][0], median, _p90(walls), cpu))
    d = Dashboard(cp.Report(log, time_frame="last month", today="as_of", tz="America/New_York"))
    rep = d.report  # the report the dashboard shows (its table is the view's)
    table, total = rep.table(), rep.total()

    steps = {
        "new Report (with_*)": lambda: d.report_from_controls(),
        "table()": rep.table,
        "total()": rep.total,
        "headline strip: kpi_strip (against the previous period, trends)": lambda: kpi_strip(rep),
        "what stood out: performers_panel": lambda: performers_panel(rep),
        "chart(rep, 'rates'), as the API draws it": lambda: chart(rep, "rates"),
        "the same chart without its template, given the table and total (what the "
        "dashboard draws)": lambda: chart(rep, "rates", table=table, total=total, template=False),
        "figure update in place (drawing the chart included)": d._draw_figure,
        "table rows: table_rows (table() and total() computed already)": (
            lambda: table_rows(rep, table=table, totals=total)
        ),
        "table update: sort_rows and tables.to_html (what a sort change runs)": d._draw_table,
        "the table through pandas' Styler, for comparison: styled(rep).to_html()": (
            lambda: styled(rep).to_html()
        ),
        "CSV link": lambda: d._draw_download(rep, table),
        "status; settings title; dates, sort and email lists": lambda: (
            d._set_status(),
            settings_summary(rep),
            d._sync_to(rep, table, d._shown.rows),
        ),
    }
    breakdown = {
        name: statistics.median([_clock(fn)[1] for _ in range(max(5, repeats // 2))])
        for name, fn in steps.items()
    }
    return rows, breakdown


def report(rows: list[Row], breakdown: dict[str, float]) -> str:
    """The results as markdown."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    out = [
        f"Dashboard benchmark: sample data (500,727 events), {os.cpu_count()} cores, "
        f"load average {load:.1f} at the end; times in ms, end to end through the control's "
        "handler (report, headline strip, what stood out, figure, table, settings title, "
        f"status, email list, CSV link); target {TARGET_MS:.0f} ms.",
        "",
        "| change | what | first | median | p90 | median CPU | median ≤ target |",
        "|---|---|---:|---:|---:|---:|:---:|",
    ]
    for kind, what, first, median, p90, cpu in rows:
        ok = "yes" if median <= TARGET_MS else "no"
        out.append(
            f"| {kind} | {what} | {first:.0f} | {median:.0f} | {p90:.0f} | {cpu:.0f} | {ok} |"
        )
    out += [
        "",
        "Where one time-frame change spends its time (median CPU ms). The handler runs the"
        " report, table() and total() (once each), the headline strip, what stood out, the"
        " figure update, the table's rows and HTML, the CSV link and the status; the rows"
        " about the API's chart and the Styler are for comparison:",
        "",
        "| step | ms |",
        "|---|---:|",
    ]
    out += [f"| {name} | {ms:.1f} |" for name, ms in breakdown.items()]
    return "\n".join(out) + "\n"


def main() -> None:
    """Run the benchmark, print the table and write ``dashboard_results.md``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=20, help="changes per kind (default 20)")
    args = parser.parse_args()
    rows, breakdown = measure(max(4, args.repeats))
    text = report(rows, breakdown)
    print(text)
    (HERE / "dashboard_results.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
