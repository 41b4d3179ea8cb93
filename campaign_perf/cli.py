"""The ``campaign-perf`` command: Campaign Email Performance reports from the shell.

Parsing and presentation only: loading, counting and writing live in the library
(:func:`campaign_perf.load_events`, :class:`campaign_perf.Report`,
:mod:`campaign_perf.export`, :mod:`campaign_perf.sample`).
"""

from __future__ import annotations

import contextlib
import functools
import glob
import os
import sys
import warnings
from collections.abc import Iterator, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

import campaign_perf as cp
from campaign_perf.engine import progress
from campaign_perf.engine.sql import is_database_url
from campaign_perf.files import same_file
from campaign_perf.metrics import get_metric, metric_option
from campaign_perf.report.rows import as_text, table_rows
from campaign_perf.timeframes import check_tz, parse_week_start
from campaign_perf.views.export import SUFFIXES, write_report
from campaign_perf.views.kpi_strip import against_text, strip_items

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["app"]

EXIT_OK = 0
EXIT_DATA = 1
EXIT_USAGE = 2
EXIT_FETCH = 3
EXIT_AGAIN_LATER = 75
EXIT_INTERRUPTED = 130

EXIT_CODES_HELP = (
    "Exit codes: 0 done; "
    "1 the input could not be read (missing, empty or unreadable file, missing column) "
    "or the output could not be written; "
    "2 the command line is wrong (unknown option, bad value: time frame, zone, column, "
    "group, filter, output type); "
    "3 a fetch failed (the provider cannot be reached, refuses the credentials or a "
    "permission); "
    "75 a fetch stopped early on the provider's daily limit: run it again after the reset; "
    "130 interrupted. Errors are one line on stderr starting with 'error: '."
)

#: The data errors (exit 1); every other CampaignPerfError is a bad setting (exit 2).
_DATA_ERRORS: tuple[type[Exception], ...] = (cp.LoadError, cp.SchemaError)


def _err_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _error(message: str) -> None:
    """Print ``error: message`` as one line on stderr."""
    text = " ".join(str(message).split())
    _err_console().print(Text(f"error: {text}"))


def _note(message: str) -> None:
    """Print ``note: message`` as one line on stderr."""
    text = " ".join(str(message).split())
    _err_console().print(Text(f"note: {text}"))


class _Group(TyperGroup):
    """Turns every failure into one ``error:`` line on stderr and an exit code."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        code = EXIT_OK
        try:
            rv = super().main(
                args,
                prog_name,
                complete_var,
                standalone_mode=False,
                windows_expand_args=windows_expand_args,
                **extra,
            )
            if isinstance(rv, int) and not isinstance(rv, bool):
                code = rv  # typer.Exit / --help / --version
        except typer.TyperException as exc:  # the command line's errors (click's, vendored)
            message = exc.format_message()
            if type(exc).__name__ == "NoArgsIsHelpError":
                if message.strip():  # without rich the help text is the message
                    typer.echo(message)
                code = EXIT_USAGE
            else:
                ctx = getattr(exc, "ctx", None)  # a usage error's command, when it has one
                if type(exc).__name__ != "ClickException" and ctx is not None:
                    message = f"{message.rstrip('.')} (see '{ctx.command_path} --help')"
                _error(message)
                code = exc.exit_code
        except cp.CampaignPerfError as exc:
            _error(_cli_words(str(exc)))
            if isinstance(exc, cp.FetchError):
                code = EXIT_FETCH
            else:
                code = EXIT_DATA if isinstance(exc, _DATA_ERRORS) else EXIT_USAGE
        except OSError as exc:  # a file the library did not wrap (permissions, disk full...)
            where = f"{exc.filename}: " if exc.filename else ""
            _error(f"{where}{exc.strerror or exc}")
            code = EXIT_DATA
        except (typer.Abort, KeyboardInterrupt):
            _error("interrupted")
            code = EXIT_INTERRUPTED
        if standalone_mode:
            sys.exit(code)
        return code


app = typer.Typer(
    name="campaign-perf",
    cls=_Group,
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"campaign-perf {cp.__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_version,
            is_eager=True,
            help="Show the version and exit.",
        ),
    ] = False,
) -> None:
    """Marketo-style Campaign Email Performance reports over your own email events.

    'campaign-perf report EVENTS' prints a report, '-o report.xlsx' exports it,
    '-o report.html' makes an interactive report to share;
    'campaign-perf sample DIR' writes a sample data set to try it on;
    'campaign-perf fetch marketo' fetches the events straight from Marketo.
    """


# -- helpers ------------------------------------------------------------------------------
class DbEngine(StrEnum):
    """Where a database's events are counted."""

    pushdown = "pushdown"
    embedded = "embedded"


class Basis(StrEnum):
    """Which events a time frame selects."""

    sent = "sent"
    activity = "activity"


class MachineOpens(StrEnum):
    """What the report does with opens fetched by a privacy proxy."""

    counted = "count"
    excluded = "exclude"


class CampaignStatus(StrEnum):
    """A campaign's status."""

    active = "active"
    archived = "archived"


@contextlib.contextmanager
def _status(message: str) -> Iterator[None]:
    """A spinner on stderr while work runs, only when stderr is a terminal; a load or a
    count that runs long replaces it with a bar of the engine's progress."""
    console = _err_console()
    if console.is_terminal:
        with (
            console.status(message) as spinner,
            progress.shown_by(functools.partial(progress.RichBar, console, pause=spinner)),
        ):
            yield
    else:
        yield


@contextlib.contextmanager
def _notes() -> Iterator[None]:
    """Show the library's warnings as ``note:`` lines instead of Python warnings.

    Deprecation and future warnings (developer noise) are dropped.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        finally:
            seen: set[str] = set()
            for w in caught:
                if not issubclass(w.category, UserWarning) or issubclass(
                    w.category, DeprecationWarning | FutureWarning | PendingDeprecationWarning
                ):
                    continue
                text = _cli_words(str(w.message))
                if text not in seen:
                    seen.add(text)
                    _note(text)


_CLI_WORDS = (
    ("exclude_bots=True", "--exclude-bots"),
    ("proximity_seconds", "--proximity-seconds"),
    ("machine_opens", "--machine-opens"),
    ("columns={'their name': 'canonical name'}", "--rename 'their name=canonical name'"),
    ("a leads table with leads=", "a leads table with --leads"),
    ("give since (", "give --since ("),
)


def _cli_words(message: str) -> str:
    """Say the library's keyword arguments as the command's options."""
    for python, option in _CLI_WORDS:
        message = message.replace(python, option)
    return message


def _split(values: Sequence[str] | None, option: str) -> list[str] | None:
    """Comma-separated (and/or repeated) values; None when the option is not given."""
    if not values:
        return None
    out = [v.strip() for item in values for v in item.split(",") if v.strip()]
    if not out:
        raise typer.BadParameter("give at least one value", param_hint=option)
    return out


def _renames(values: Sequence[str] | None) -> dict[str, str] | None:
    """``their=canonical`` items -> {their: canonical}."""
    if not values:
        return None
    out: dict[str, str] = {}
    for item in values:
        theirs, sep, canonical = item.rpartition("=")
        if not sep or not theirs.strip() or not canonical.strip():
            raise typer.BadParameter(
                f"{item!r} is not THEIR_NAME=CANONICAL_NAME (e.g. When=timestamp)",
                param_hint="--rename",
            )
        out[theirs.strip()] = canonical.strip()
    return out


def _lead_filters(values: Sequence[str] | None) -> dict[str, list[str]] | None:
    """``attr=v1,v2`` items -> {attr: [v1, v2]} (repeating an attribute adds values)."""
    if not values:
        return None
    out: dict[str, list[str]] = {}
    for item in values:
        attr, sep, rest = item.partition("=")
        accepted = [v.strip() for v in rest.split(",") if v.strip()]
        if not sep or not attr.strip() or not accepted:
            raise typer.BadParameter(
                f"{item!r} is not ATTRIBUTE=VALUE[,VALUE...] (e.g. country=SE,NO)",
                param_hint="--where-lead",
            )
        kept = out.setdefault(attr.strip(), [])
        kept.extend(v for v in accepted if v not in kept)
    return out


@contextlib.contextmanager
def _writing(path: Path | str) -> Iterator[None]:
    """Report a failure to write ``path`` as a data error (exit 1), not a traceback."""
    try:
        yield
    except cp.CampaignPerfError:
        raise
    except OSError as exc:
        raise cp.LoadError(f"{path}: cannot be written: {exc.strerror or exc}") from None


def _source_names() -> list[str]:
    """The accepted --source values."""
    try:
        from campaign_perf.sources import SOURCES
    except ImportError:  # pragma: no cover - the sources package ships with the library
        SOURCES = {}
    return ["auto", "canonical", *SOURCES]


def _check_source(source: str) -> None:
    names = _source_names()
    if source not in names:
        raise typer.BadParameter(
            f"unknown source {source!r}; use one of {', '.join(names)}", param_hint="--source"
        )


#: The suffixes of the shareable HTML report (``-o report.html``).
HTML_SUFFIXES: tuple[str, ...] = (".html", ".htm")
_OUTPUTS = ", ".join((*SUFFIXES, HTML_SUFFIXES[0]))


class PlotlyJS(StrEnum):
    """Where an HTML report's plotly.js comes from."""

    inline = "inline"
    cdn = "cdn"


def _is_html(path: Path | None) -> bool:
    return path is not None and path.suffix.lower() in HTML_SUFFIXES


def _check_output(
    path: Path | None,
    plotlyjs: PlotlyJS | None = None,
    title: str | None = None,
    min_group_size: int | None = None,
) -> None:
    html_only = {"--plotlyjs": plotlyjs, "--title": title, "--min-group-size": min_group_size}
    for hint, value in html_only.items():
        if value is not None and not _is_html(path):
            raise typer.BadParameter(
                "only applies to an HTML report (-o report.html)", param_hint=hint
            )
    if path is None or _is_html(path):
        return
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise typer.BadParameter(
            f"{path}: unknown output type {suffix or '(no suffix)'!r}; use {_OUTPUTS}",
            param_hint="-o",
        )


def _database(events: list[str], table: list[str] | None, query: str | None) -> str | None:
    """The database URL when the events are read from one (and its options make sense)."""
    urls = [e for e in events if is_database_url(e)]
    if not urls:
        if table or query:
            raise typer.BadParameter(
                "--table and --query read a database: give its postgresql:// URL as EVENTS",
                param_hint="--table" if table else "--query",
            )
        return None
    if len(events) > 1:
        raise typer.BadParameter("give one database URL, or files", param_hint="EVENTS")
    if not table and not query:
        raise typer.BadParameter(
            "name the table of events with --table (or give a SELECT with --query)",
            param_hint="--table",
        )
    return urls[0]


def _input_files(items: Sequence[str | None]) -> list[str]:
    """The files a report reads: given files, the files of given folders, glob matches."""
    out: list[str] = []
    for item in items:
        if item is None:
            continue
        if os.path.isdir(item):
            out += [e.path for e in os.scandir(item) if e.is_file()]
        elif os.path.exists(item):
            out.append(item)
        else:
            out += glob.glob(item)
    return out


def _check_not_inputs(outputs: dict[str, Path | None], inputs: list[str]) -> None:
    """Refuse an output file that is an input (also through links), or -o = --rejected."""
    for option, path in outputs.items():
        if path is None:
            continue
        for item in inputs:
            if same_file(path, item):
                raise typer.BadParameter(
                    f"{path} is an input ({item}); write to another file", param_hint=option
                )
    out, rejected = outputs.get("-o"), outputs.get("--rejected")
    if (
        out is not None
        and rejected is not None
        and (same_file(out, rejected) or os.path.realpath(out) == os.path.realpath(rejected))
    ):
        raise typer.BadParameter(
            f"{rejected} is also the -o file; write the report and the rejected rows "
            "to different files",
            param_hint="--rejected",
        )


def _rejected_note(summary: cp.LoadSummary, written: Path | None) -> str:
    reasons = "; ".join(f"{n:,} {r}" for r, n in list(summary.rejected_by_reason.items())[:4])
    where = (
        f"written to {written}"
        if written is not None
        else "write them to a file with --rejected FILE.csv"
    )
    return (
        f"{summary.rejected:,} of {summary.rows_read:,} rows were not counted ({reasons}); {where}"
    )


def _summary_lines(summary: cp.LoadSummary, written: Path | None) -> list[str]:
    hint = (
        f"(written to {written})" if written is not None else "(see them with --rejected FILE.csv)"
    )
    lines = summary.lines()
    said = [line.replace("(see log.rejected)", hint) for line in lines]
    if summary.rejected and said == lines:  # the library's wording changed: add the hint
        said.append(f"rejected rows: {hint[1:-1]}")
    return said


_NAME_WIDTH = 32  # at most, on a terminal; longer names fold onto more lines


def _layout(formatted: pd.DataFrame, metric_labels: set[str], width: int) -> list[dict[str, int]]:
    """Column widths for a terminal ``width`` columns wide, as one or more tables.

    Numbers are never cut: when not every metric fits next to the group columns, the metric
    columns are spread over several tables, each repeating the group columns. Headers wrap
    at spaces when space is short.
    """

    def longest(col: str) -> int:
        return max((len(str(v)) for v in formatted[col]), default=0)

    keys = {
        c: min(max(longest(c), len(c)), _NAME_WIDTH)
        for c in formatted.columns
        if c not in metric_labels
    }
    low = {
        c: max(longest(c), *(len(w) for w in c.split()))
        for c in formatted.columns
        if c in metric_labels
    }
    base = sum(w + 3 for w in keys.values()) + 1  # padding and borders
    chunks: list[list[str]] = [[]]
    used = base
    for col, w in low.items():
        if chunks[-1] and used + w + 3 > width:
            chunks.append([])
            used = base
        chunks[-1].append(col)
        used += w + 3
    layouts = []
    for chunk in chunks:
        spare = width - base - sum(low[c] + 3 for c in chunk)
        want = {c: max(longest(c), len(c)) - low[c] for c in chunk}  # to unwrap the header
        grown = {}
        for col in sorted(chunk, key=want.__getitem__):  # as many one-line headers as fit
            grown[col] = want[col] if want[col] <= spare else 0  # a partial header still wraps
            spare -= grown[col]
        layouts.append({**keys, **{c: low[c] + grown[c] for c in chunk}})
    return layouts


#: How a change is shown by its verdict (views/kpi_strip: green good news, red bad news).
_VERDICT_STYLES = {"better": "green", "worse": "red"}


def _print_headline(console: Console, rep: cp.Report) -> None:
    """The headline figures (rep.kpis()) as a small table above the report: each figure,
    its change against the previous period and whether the change is significant."""
    k = rep.kpis()
    items = strip_items(k)
    t = Table(title=against_text(k), title_justify="left", title_style="", header_style="bold")
    changes, verdicts = [], []
    for item in items:
        t.add_column(item["label"], justify="right", overflow="fold")
        style = _VERDICT_STYLES.get(item["verdict"], "")
        if item["significance"] == "false":
            style = f"{style} dim".strip()
        changes.append(Text(item["change"], style=style))
        verdicts.append(Text(item["significance_text"], style="dim"))
    t.add_row(*(Text(item["text"], style="bold") for item in items))
    t.add_row(*changes)
    t.add_row(*verdicts)
    console.print(t)


def _print_table(rep: cp.Report, table: pd.DataFrame, rows: pd.DataFrame) -> None:
    """The report as a rich table on stdout (several side by side parts on a narrow terminal):
    the rows of ``table_rows``, subtotals dimmed and the total in bold."""
    formatted = as_text(rep, rows)
    kinds = [*rows["kind"].tolist(), None]  # each row's kind, then none after the last
    console = Console(highlight=False)
    terminal = console.is_terminal
    if not terminal:  # a pipe or a file: one table, no wrapping, no cropping
        console = Console(highlight=False, width=100_000)
    console.print(Text("Campaign Email Performance", style="bold"), Text(f"· {rep.description}"))
    f = rep.filters
    chosen = [
        ("campaigns", f.campaigns),
        ("programs", f.programs),
        ("emails", f.emails),
        ("campaign status", f.campaign_status),
        *((attr, values) for attr, values in f.leads),
    ]
    filters = "; ".join(f"{name}: {', '.join(values)}" for name, values in chosen if values)
    if filters:
        console.print(Text(f"Filters · {filters}"))
    _print_headline(console, rep)
    if len(table) == 0:
        console.print(Text("No records in this time frame with these filters.", style="italic"))
    labels = {m.label for m in rep.table_metrics}
    if terminal:
        layouts: Sequence[Mapping[str, int | None]] = _layout(formatted, labels, console.width)
    else:
        layouts = [dict.fromkeys(formatted.columns)]
    for widths in layouts:
        t = Table(header_style="bold")
        for col, width in widths.items():
            if col in labels:
                t.add_column(col, justify="right", width=width)
            else:
                t.add_column(col, overflow="fold", width=width)
        cells = formatted[list(widths)].itertuples(index=False, name=None)
        for i, row in enumerate(cells):
            kind, after = kinds[i], kinds[i + 1]
            style = {"total": "bold", "subtotal": "dim bold"}.get(kind)
            t.add_row(
                *map(str, row), style=style, end_section=kind == "subtotal" or after == "total"
            )
        console.print(t)
    if rep.grouping_note:  # a grouping by where emails were read: what its rows mean
        console.print(Text(rep.grouping_note, style="dim"))


# -- commands -----------------------------------------------------------------------------
@app.command(epilog=EXIT_CODES_HELP)
def report(
    events: Annotated[
        list[str],
        typer.Argument(
            metavar="EVENTS",
            help="Event files: CSV, Parquet, JSON Lines or JSON (canonical or a native "
            "export), or a folder. Give several, or a quoted glob like 'events/*.parquet'. "
            "Or a database: postgresql://user@host:5432/db with --table or --query (the "
            "password from PGPASSWORD or ~/.pgpass).",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            metavar="OUT",
            help="Write the table to this file (.csv, .json or .xlsx) instead of printing it, "
            "or the whole report as one interactive HTML file (.html) to share.",
            show_default=False,
        ),
    ] = None,
    plotlyjs: Annotated[
        PlotlyJS | None,
        typer.Option(
            "--plotlyjs",
            help="For -o report.html: 'inline' puts plotly.js in the file (1.9 MB, opens "
            "offline); 'cdn' loads it from cdn.plot.ly (a small file for readers who are "
            "online).  [default: inline]",
            show_default=False,
        ),
    ] = None,
    title: Annotated[
        str | None,
        typer.Option(
            metavar="TEXT",
            help="For -o report.html: the report's heading.  [default: Campaign Email Performance]",
            show_default=False,
        ),
    ] = None,
    min_group_size: Annotated[
        int | None,
        typer.Option(
            "--min-group-size",
            metavar="N",
            min=1,
            help="For -o report.html: groups of a lead attribute with fewer than N people "
            "fold into one 'Other' group.  [default: 5]",
            show_default=False,
        ),
    ] = None,
    campaigns: Annotated[
        str | None,
        typer.Option(
            metavar="FILE",
            help="Campaigns table (campaign_id, campaign_name, program, status).",
            rich_help_panel="Input",
        ),
    ] = None,
    emails: Annotated[
        str | None,
        typer.Option(
            metavar="FILE",
            help="Emails table (email_id, email_name, subject, html).",
            rich_help_panel="Input",
        ),
    ] = None,
    leads: Annotated[
        str | None,
        typer.Option(
            metavar="FILE",
            help="Leads table (lead_id and attributes to group and filter by).",
            rich_help_panel="Input",
        ),
    ] = None,
    source: Annotated[
        str,
        typer.Option(
            metavar="S",
            help="What the event files are: 'auto' (recognise them), 'canonical', or a "
            f"native export: {', '.join(_source_names()[2:])}.",
            rich_help_panel="Input",
        ),
    ] = "auto",
    db_table: Annotated[
        list[str] | None,
        typer.Option(
            "--table",
            metavar="TABLE",
            help="With a postgresql:// URL: the table (or view) of events, e.g. "
            "'email_events' or 'marketing.email_events'; repeat for a source's tables "
            "(--source fivetran_marketo). --campaigns, --emails and --leads may then name "
            "tables too.",
            show_default=False,
            rich_help_panel="Database",
        ),
    ] = None,
    query: Annotated[
        str | None,
        typer.Option(
            metavar="SQL",
            help="With a postgresql:// URL: a SELECT of events, instead of --table.",
            show_default=False,
            rich_help_panel="Database",
        ),
    ] = None,
    order_by: Annotated[
        str | None,
        typer.Option(
            metavar="COLS",
            help="Comma-separated columns whose order numbers the rows (the rejected rows' "
            "row numbers). Default: the order the database returns them in.",
            show_default=False,
            rich_help_panel="Database",
        ),
    ] = None,
    engine: Annotated[
        DbEngine,
        typer.Option(
            help="'pushdown': the rules and the cube run in the database, only the cube "
            "comes back; 'embedded': copy the table and work here.",
            rich_help_panel="Database",
        ),
    ] = DbEngine.pushdown,
    rename: Annotated[
        list[str] | None,
        typer.Option(
            metavar="THEIRS=CANONICAL",
            help="Read an input column under a canonical name, e.g. 'When=timestamp'; "
            "repeat for more.",
            show_default=False,
            rich_help_panel="Input",
        ),
    ] = None,
    input_tz: Annotated[
        str,
        typer.Option(
            metavar="ZONE",
            help="IANA zone of input timestamps that carry no zone.",
            rich_help_panel="Input",
        ),
    ] = "UTC",
    time_frame: Annotated[
        str,
        typer.Option(
            "--time-frame",
            "-t",
            metavar="TF",
            help="'all time', 'today', 'yesterday', 'this/last week|month|quarter|year', "
            "'past N days', or dates 'YYYY-MM-DD..YYYY-MM-DD' (either side may be open).",
            rich_help_panel="Time",
        ),
    ] = "all time",
    tz: Annotated[
        str,
        typer.Option(
            metavar="ZONE",
            help="IANA zone of the report: days, weeks and months are calendar days there.",
            rich_help_panel="Time",
        ),
    ] = "UTC",
    today: Annotated[
        str | None,
        typer.Option(
            metavar="DATE|as_of",
            help="The day relative time frames count from: YYYY-MM-DD, or 'as_of' for the "
            "date of --as-of. Default: the current date in --tz.",
            show_default=False,
            rich_help_panel="Time",
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            metavar="TIMESTAMP",
            help="Reference time: later events are ignored; Pending turns to Aborted 3 days "
            "after a send. Default: the latest event. Without a zone it is read in --tz.",
            show_default=False,
            rich_help_panel="Time",
        ),
    ] = None,
    basis: Annotated[
        Basis,
        typer.Option(
            help="'sent': records first sent in the time frame, with all their events "
            "(Marketo's Sent Date); 'activity': only events inside the time frame count.",
            rich_help_panel="Time",
        ),
    ] = Basis.sent,
    week_start: Annotated[
        str,
        typer.Option(
            metavar="DAY",
            help="First day of a week (name, 3-letter abbreviation or 0-6 from Monday), for "
            "'this/last week' and --group-by week.",
            rich_help_panel="Time",
        ),
    ] = "monday",
    exclude_bots: Annotated[
        bool,
        typer.Option(
            "--exclude-bots",
            help="Remove opens and clicks flagged as bots.",
            rich_help_panel="Bots",
        ),
    ] = False,
    proximity_seconds: Annotated[
        int | None,
        typer.Option(
            metavar="S",
            help="0-3: flag opens and clicks of a record this close together as bots "
            "(removed with --exclude-bots).",
            show_default=False,
            rich_help_panel="Bots",
        ),
    ] = None,
    machine_opens: Annotated[
        MachineOpens,
        typer.Option(
            help="'count': opens fetched by a privacy proxy (Apple Mail Privacy Protection) "
            "are opens (Marketo's behaviour); 'exclude': remove them before counting.",
            rich_help_panel="Bots",
        ),
    ] = MachineOpens.counted,
    bot_list: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="A file of user-agent patterns (regular expressions) and IP networks "
            "(CIDR), one per line: matching opens and clicks are bots (removed with "
            "--exclude-bots).",
            show_default=False,
            rich_help_panel="Bots",
        ),
    ] = None,
    group_by: Annotated[
        list[str] | None,
        typer.Option(
            metavar="LIST",
            help="Comma-separated groups: campaign_email (default), campaign, email, program, "
            "day, week, month, or a lead attribute.",
            show_default=False,
            rich_help_panel="Table",
        ),
    ] = None,
    columns: Annotated[
        list[str] | None,
        typer.Option(
            metavar="LIST",
            help="Comma-separated metric ids, in order, e.g. 'sent,opened,opened_pct' "
            f"(known: {', '.join(cp.METRICS)}).",
            show_default=False,
            rich_help_panel="Table",
        ),
    ] = None,
    metric: Annotated[
        list[str] | None,
        typer.Option(
            "--metric",
            metavar="ID=EXPR",
            help="Define a metric, e.g. 'engaged_pct=(clicked + unsubscribed) / delivered' "
            "(metric ids, numbers, + - * /, parentheses, min, max); repeat for more. It is "
            "added to the columns unless --columns is given.",
            show_default=False,
            rich_help_panel="Table",
        ),
    ] = None,
    where_campaign: Annotated[
        list[str] | None,
        typer.Option(
            metavar="X",
            help="Keep this campaign (id or name); repeat for more.",
            show_default=False,
            rich_help_panel="Filters",
        ),
    ] = None,
    where_program: Annotated[
        list[str] | None,
        typer.Option(
            metavar="X",
            help="Keep this program; repeat for more.",
            show_default=False,
            rich_help_panel="Filters",
        ),
    ] = None,
    where_email: Annotated[
        list[str] | None,
        typer.Option(
            metavar="X",
            help="Keep this email (id or name); repeat for more.",
            show_default=False,
            rich_help_panel="Filters",
        ),
    ] = None,
    campaign_status: Annotated[
        list[CampaignStatus] | None,
        typer.Option(
            help="Keep campaigns with this status; repeat for both.",
            show_default=False,
            rich_help_panel="Filters",
        ),
    ] = None,
    where_lead: Annotated[
        list[str] | None,
        typer.Option(
            metavar="ATTR=V1,V2",
            help="Keep leads whose attribute has one of these values: ATTRIBUTE=V1,V2 "
            "(needs --leads); repeat for more attributes.",
            show_default=False,
            rich_help_panel="Filters",
        ),
    ] = None,
    rejected: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Write the rows that could not be counted (the rejected-rows ledger) to this "
            "CSV (or .parquet) file.",
            show_default=False,
            rich_help_panel="Input",
        ),
    ] = None,
) -> None:
    """Build a Campaign Email Performance report: print it, or write it with -o.

    Examples:

      campaign-perf report events.parquet -t "past 30 days" --today as_of

      campaign-perf report 'events/*.csv' --group-by program,week -o out.xlsx

      campaign-perf report events.parquet --emails emails.parquet -o report.html
    """
    # validate what needs no data first, so that mistakes show before a long load
    _check_output(output, plotlyjs, title, min_group_size)
    _check_not_inputs(
        {"-o": output, "--rejected": rejected},
        _input_files([*events, campaigns, emails, leads]),
    )
    _check_source(source)
    check_tz(tz)
    check_tz(input_tz)
    cp.TimeFrame.parse(time_frame)
    parse_week_start(week_start)
    group_list = _split(group_by, "--group-by")
    column_list = _split(columns, "--columns")
    new_ids = [metric_option(text).id for text in metric or ()]
    if new_ids and not column_list:
        column_list = [*cp.DEFAULT_COLUMNS, *new_ids]
    for c in column_list or ():
        get_metric(c)
    lead_filters = _lead_filters(where_lead)
    renames = _renames(rename)

    database = _database(events, db_table, query)
    tables: str | list[str] | None = db_table or None
    if db_table and len(db_table) == 1 and source in ("auto", "canonical"):
        tables = db_table[0]
    with _notes():
        with _status("Loading events…"):
            log = cp.load_events(
                database or events,
                table=tables,
                query=query,
                order_by=_split([order_by] if order_by else None, "--order-by") or None,
                engine=engine.value,
                columns=renames,
                tz=input_tz,
                campaigns=campaigns,
                emails=emails,
                leads=leads,
                source=source,
                warn=False,
            )
        summary = log.summary()
        written_rejected = None
        if rejected is not None:
            with _writing(rejected):
                written_rejected = log.write_rejected(rejected)

        rep = cp.Report(
            log,
            time_frame=time_frame,
            tz=tz,
            today=today,
            as_of=as_of,
            basis=basis.value,
            exclude_bots=exclude_bots,
            proximity_seconds=proximity_seconds,
            machine_opens=machine_opens.value,
            bot_list=bot_list,
            week_start=week_start,
            columns=column_list,
            group_by=group_list or ("campaign_email",),
        )
        if where_campaign or where_program or where_email or campaign_status or lead_filters:
            rep = rep.where(
                campaigns=where_campaign or None,
                programs=where_program or None,
                emails=where_email or None,
                campaign_status=[s.value for s in campaign_status] if campaign_status else None,
                leads=lead_filters,
            )
        with _status("Counting…"):
            table = rep.table()
            rows = None if output is not None else table_rows(rep, table=table)

        if rows is not None:  # no output file: the table on stdout
            _print_table(rep, table, rows)
            out = Console(highlight=False, soft_wrap=True)
            for line in _summary_lines(summary, written_rejected):
                out.print(Text(line, style="dim"))
        elif output is not None and _is_html(output):
            from campaign_perf.views.html.report import write_html

            with _status(f"Writing {output}…"), _writing(output):
                write_html(
                    rep,
                    output,
                    plotlyjs=(plotlyjs or PlotlyJS.inline).value,
                    title=title,
                    **({} if min_group_size is None else {"min_group_size": min_group_size}),
                )
            size = _size(output.stat().st_size)
            _err_console().print(
                Text(f"wrote the report ({len(table):,} rows) to {output} ({size})")
            )
            if summary.rejected:
                _note(_rejected_note(summary, written_rejected))
        elif output is not None:
            with _status(f"Writing {output}…"), _writing(output):
                write_report(rep, output, table=table)
            _err_console().print(Text(f"wrote {len(table):,} rows to {output}"))
            if summary.rejected:
                _note(_rejected_note(summary, written_rejected))


@app.command(epilog=EXIT_CODES_HELP)
def sample(
    out_dir: Annotated[
        Path,
        typer.Argument(
            metavar="OUT_DIR", help="Folder to write to (created when missing).", show_default=False
        ),
    ],
    n_events: Annotated[
        int,
        typer.Option("--events", help="About how many events to generate (1,000 or more)."),
    ] = 500_000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same files.")] = 7,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Write into OUT_DIR even when it holds files (replacing files of the same names).",
        ),
    ] = False,
) -> None:
    """Write a deterministic sample data set: events, campaigns, emails, leads and a messy CSV.

    Example: campaign-perf sample sample_data --events 500000 --seed 7
    """
    from campaign_perf.sample import check_n_events, write_sample

    try:
        check_n_events(n_events)
    except ValueError as exc:
        raise typer.BadParameter(str(exc).replace("n_events ", ""), param_hint="--events") from None
    if os.path.isdir(out_dir) and any(os.scandir(out_dir)) and not force:
        raise typer.BadParameter(
            f"{out_dir} is not empty: its files would be replaced; choose an empty or new "
            "folder, or add --force",
            param_hint="OUT_DIR",
        )

    with _notes(), _status(f"Generating {n_events:,} events…"), _writing(out_dir):
        paths = write_sample(out_dir, n_events=n_events, seed=seed)
    out = Console(highlight=False, soft_wrap=True)
    out.print(Text(f"wrote {len(paths)} files to {out_dir}:"))
    width = max((len(name) for name in paths), default=0)
    for name, path in paths.items():
        size = Path(path).stat().st_size
        out.print(Text(f"  {name:<{width}}  {path}  ({_size(size)})"))


fetch_app = typer.Typer(
    cls=TyperGroup,
    no_args_is_help=True,
    help="Fetch email events straight from a provider's API into a folder to report on.",
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(fetch_app, name="fetch")


@fetch_app.command("marketo", epilog=EXIT_CODES_HELP)
def fetch_marketo(
    instance: Annotated[
        str,
        typer.Option(
            help="The REST API endpoint (Admin > Integration > Web Services), "
            "e.g. https://123-ABC-456.mktorest.com.",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path,
        typer.Option("-o", "--out", help="The folder to fetch into (created when missing)."),
    ],
    since: Annotated[
        str | None,
        typer.Option(
            help="The first day to fetch (UTC), e.g. 2026-01-01; needed the first time, "
            "later runs default to the one given before.",
            show_default=False,
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(help="Where to stop (exclusive, UTC). [default: now]", show_default=False),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            help="A TOML file with client_id and client_secret under [marketo], read when "
            "MARKETO_CLIENT_ID and MARKETO_CLIENT_SECRET are not set. "
            "[default: ~/.config/campaign-perf/marketo.toml]",
            show_default=False,
        ),
    ] = None,
    max_jobs: Annotated[
        int,
        typer.Option(min=1, max=10, help="Export jobs under way at once (Marketo queues 10)."),
    ] = 2,
    poll_interval: Annotated[
        float,
        typer.Option(min=0, help="Seconds between looks at the jobs (Marketo: once a minute)."),
    ] = 60.0,
    max_wait: Annotated[
        float,
        typer.Option(
            min=0,
            help="Seconds a job may stay queued or processing before the fetch stops; the "
            "next run takes it up.",
        ),
    ] = 6 * 3600.0,
    daily_quota_mb: Annotated[
        float,
        typer.Option(min=1, help="The subscription's daily export allocation, in MB."),
    ] = 500.0,
) -> None:
    """Fetch email activities, smart campaigns, programs and emails (with their HTML) from
    Marketo's Bulk Activity Extract and asset API into a folder; 'campaign-perf report
    FOLDER' then reports on it.

    The client id and secret come from MARKETO_CLIENT_ID and MARKETO_CLIENT_SECRET, or from
    --config; never from the command line. Running again fetches only what is new. When the
    daily export quota runs out, the fetch stops, says when it resets, and exits with 75.

    Example: campaign-perf fetch marketo --instance https://123-ABC-456.mktorest.com
    --since 2026-01-01 -o marketo/
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from campaign_perf.fetch.marketo import FetchProgress, megabytes

    console = _err_console()
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[counts]}"),
        console=console,
        transient=True,
    )
    task = bar.add_task("Fetching from Marketo", total=None, counts="")
    last_done = [0]

    def show(p: FetchProgress) -> None:
        counts = (
            f"windows · {p.rows:,} activities · {megabytes(p.bytes)} · quota "
            f"{megabytes(p.quota_used)} of {megabytes(p.quota_limit)}"
        )
        bar.update(
            task,
            description=p.message,
            completed=p.windows_done,
            total=p.windows_total or None,
            counts=counts,
        )
        if not console.is_terminal and p.windows_done > last_done[0]:
            last_done[0] = p.windows_done
            console.print(Text(f"{p.message} ({p.windows_done} of {p.windows_total} windows)"))

    with _notes(), bar if console.is_terminal else contextlib.nullcontext():
        result = cp.fetch_marketo(
            instance,
            since=since,
            until=until,
            out=out,
            config=config,
            max_jobs=max_jobs,
            poll_interval=poll_interval,
            max_wait=max_wait,
            daily_quota_mb=daily_quota_mb,
            progress=show,
        )
    console_out = Console(highlight=False, soft_wrap=True)
    console_out.print(Text(result.summary()))
    console_out.print(
        Text(
            f"{result.campaigns:,} smart campaigns, {result.programs:,} programs, "
            f"{result.emails:,} emails ({result.emails_with_html:,} with their HTML); "
            f"report on it: campaign-perf report {out}"
        )
    )
    if not result.complete:
        raise typer.Exit(EXIT_AGAIN_LATER)


def _size(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000
    return f"{n} B"  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    app()
