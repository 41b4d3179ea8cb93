"""Every notebook in notebooks/ runs top to bottom on the sample data.

Notebooks are committed without outputs; this executes them with a real kernel from the
notebooks/ folder (so they load ``../sample_data/...``) and fails on the first error. A
notebook that reads a database (07) gets the suite's throwaway PostgreSQL server, holding
the sample data, through ``CAMPAIGN_PERF_DATABASE_URL``.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
#: Notebooks that read the sample data from a PostgreSQL database.
NEEDS_DATABASE = {"07_database.ipynb"}


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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(
    path: Path, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    if path.name in NEEDS_DATABASE:
        from _postgres import load_sample

        server = request.getfixturevalue("pg_server")
        url = load_sample(server, "cp_notebook_" + path.stem[:2])
        monkeypatch.setenv("CAMPAIGN_PERF_DATABASE_URL", url)  # the kernel inherits it
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=900,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert not errors
    # Keep the executed copy as a test artefact for a look afterwards.
    nbformat.write(nb, tmp_path / path.name)
