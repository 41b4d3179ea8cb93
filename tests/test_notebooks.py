"""Every notebook in notebooks/ runs top to bottom on the sample data.

Notebooks are committed without outputs; this executes them with a real kernel from the
notebooks/ folder (so they load ``../sample_data/...``) and fails on the first error. A
notebook whose ``parameters`` cell names an ``out_dir`` writes into a temporary folder
instead (the cell that papermill would inject follows the parameters cell). A notebook that
reads a database (07) gets the suite's throwaway PostgreSQL server, holding the sample data,
through ``CAMPAIGN_PERF_DATABASE_URL``.
"""

from __future__ import annotations

import ast
import html
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

import campaign_perf as cp

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SAMPLE = ROOT / "sample_data"
#: Notebooks that read the sample data from a PostgreSQL database.
NEEDS_DATABASE = {"07_database.ipynb"}

Executed = tuple[Any, dict[str, Any]]


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, "notebooks/ holds no notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    nb = json.loads(path.read_text())
    dirty = [
        i
        for i, c in enumerate(nb["cells"])
        if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))
    ]
    assert not dirty, f"{path.name}: cells {dirty} have outputs; clear them before committing"


def _literal(node: ast.expr) -> Any:
    try:
        return ast.literal_eval(node)
    except ValueError:  # computed (``int(os.environ.get(...))``): not a literal parameter
        return None


def _parameters(nb: Any) -> tuple[int, dict[str, Any]]:
    """The index of the cell tagged ``parameters`` and its literal assignments, or (-1, {})."""
    for i, cell in enumerate(nb.cells):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            values = {
                t.id: _literal(node.value)
                for node in ast.parse(cell.source).body
                if isinstance(node, ast.Assign)
                for t in node.targets
                if isinstance(t, ast.Name)
            }
            return i, values
    return -1, {}


@pytest.fixture(scope="module")
def execute(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Callable[[Path], Executed]:
    """Run a notebook once per test module: its executed copy and its parameters."""
    done: dict[Path, Executed] = {}

    def run(path: Path) -> Executed:
        if path not in done:
            nb = nbformat.read(path, as_version=4)
            at, params = _parameters(nb)
            if "out_dir" in params:
                params["out_dir"] = str(tmp_path_factory.mktemp(path.stem))
                injected = nbformat.v4.new_code_cell(f"out_dir = {params['out_dir']!r}")
                nb.cells.insert(at + 1, injected)
            client = NotebookClient(
                nb,
                timeout=900,
                kernel_name="python3",
                resources={"metadata": {"path": str(path.parent)}},
            )
            before = os.environ.get("CAMPAIGN_PERF_DATABASE_URL")
            if path.name in NEEDS_DATABASE:
                from _postgres import load_sample

                server = request.getfixturevalue("pg_server")
                # The kernel inherits the environment.
                os.environ["CAMPAIGN_PERF_DATABASE_URL"] = load_sample(
                    server, "cp_notebook_" + path.stem[:2]
                )
            try:
                client.execute()
            finally:
                if before is None:
                    os.environ.pop("CAMPAIGN_PERF_DATABASE_URL", None)
                else:
                    os.environ["CAMPAIGN_PERF_DATABASE_URL"] = before
            # Keep the executed copy as a test artefact for a look afterwards.
            nbformat.write(nb, tmp_path_factory.mktemp("executed") / path.name)
            done[path] = (nb, params)
        return done[path]

    return run


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path: Path, execute: Callable[[Path], Executed]) -> None:
    nb, _ = execute(path)
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert not errors


def _html_outputs(nb: Any, marker: str) -> str:
    """The HTML a reader sees in the outputs that contain ``marker``."""
    shown = [
        o["data"]["text/html"]
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if "text/html" in o.get("data", {}) and marker in o["data"]["text/html"]
    ]
    assert len(shown) == 1, f"expected one output with {marker!r}, found {len(shown)}"
    return str(shown[0])


def _spans(text: str, css: str) -> list[str]:
    return [html.unescape(s) for s in re.findall(rf'<span class="{css}"[^>]*>(.*?)</span>', text)]


def test_weekly_review_shows_the_headline_the_emails_to_look_at_and_shares_it(
    execute: Callable[[Path], Executed],
) -> None:
    nb, params = execute(ROOT / "notebooks" / "00_weekly_review.ipynb")
    log = cp.load_events(
        SAMPLE / "events.parquet",
        campaigns=SAMPLE / "campaigns.csv",
        emails=SAMPLE / "emails.parquet",
        leads=SAMPLE / "leads.parquet",
        warn=False,
    )
    rep = cp.Report(log, time_frame=params["time_frame"], tz=params["tz"], today="as_of")
    headline = rep.kpis()

    # the strip at the top shows rep.kpis(): each label, figure and change
    strip = _html_outputs(nb, 'class="cp-kpi-strip"')
    assert _spans(strip, "cp-kpi-label") == headline["label"].tolist()
    assert _spans(strip, "cp-kpi-value") == headline["text"].tolist()
    assert _spans(strip, "cp-kpi-change") == headline["change"].tolist()
    assert str(headline.attrs["previous_frame"]) in html.unescape(strip)

    # the emails to look at are rep.performers of the most significant change
    rate = headline.sort_values("p_value")["metric"].iloc[0]
    panel = _html_outputs(nb, 'class="cp-performers"')
    ranked = rep.performers(rate)
    assert _spans(panel, "cp-p-name") == ranked["name"].tolist()

    # and the shared report was written where the notebook was told, with the same headline
    page = Path(params["out_dir"]) / "weekly_review.html"
    text = page.read_text(encoding="utf-8")
    assert _spans(text, "cp-kpi-value") == headline["text"].tolist()
