"""The committed notebooks: one per text source, in sync with it, navigable, and stored cleanly."""
import re
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest

import sparse_helpers as sh
from sparse_helpers import DEFAULTS
from sparse_helpers.analysis import navigation, plots

REPO = Path(__file__).resolve().parents[1]
FOLDER = REPO / "notebooks"
NOTEBOOKS = sorted(FOLDER.glob("[0-9][0-9]_*.ipynb"))
SOURCES = sorted((FOLDER / "sources").glob("[0-9][0-9]_*.py"))
BAR_REMNANT = re.compile(r"\d+%\|")  # tqdm's text form: ' 0%|          | 0/21'


def cells(nb):
    """(type, source, tags) of every cell: what the text file and the notebook must share."""
    return [(c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", []))) for c in nb.cells]


def test_every_source_has_its_notebook_and_the_table_of_contents_lists_them_in_order():
    assert [p.stem for p in SOURCES] == [p.stem for p in NOTEBOOKS] == [s for s, _ in navigation.NOTEBOOKS]
    assert not list(FOLDER.glob("*.py")), "text sources belong in notebooks/sources/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_each_notebook_matches_its_text_source(path):
    text = FOLDER / "sources" / f"{path.stem}.py"
    assert cells(jupytext.read(text)) == cells(nbformat.read(path, as_version=4)), (
        f"{path.name} and sources/{text.name} differ: edit the .py, then run `make figures` (it syncs "
        f"the pair and executes the notebook), and commit both")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_saving_a_notebook_in_jupyterlab_leaves_both_files_as_committed(path):
    """What JupyterLab's jupytext writes on save: the source from the notebook, no version numbers,
    and the kernelspec of the kernel it runs."""
    from jupyter_client.kernelspec import KernelSpecManager
    nb = nbformat.read(path, as_version=4)
    text = FOLDER / "sources" / f"{path.stem}.py"
    assert jupytext.writes(nb, fmt="py:percent") == text.read_text(), (
        f"saving {path.name} in JupyterLab would rewrite sources/{text.name}: run "
        f"`.venv/bin/python tools/sync_notebooks.py {text.relative_to(REPO)}`")
    spec = KernelSpecManager().get_kernel_spec("python3")
    assert nb.metadata.kernelspec.display_name == spec.display_name, "JupyterLab would rename the kernel"
    assert "NBVAL_CHECK_OUTPUT" not in text.read_text(), "tag the cell nbval-check-output instead"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_the_parameters_cell_holds_the_committed_settings(path):
    """At their defaults a notebook's parameters are no change to the series' settings (SETTINGS = {})
    and its own parameters as plots.NOTEBOOK_PARAMETERS lists them, which decide whether a run
    writes figures/. The series' settings are read with sh.series, never declared again."""
    cell = next(c for c in jupytext.read(path).cells if "parameters" in c.metadata.get("tags", []))
    names = {}
    exec(cell.source, names)
    names = {k: v for k, v in names.items() if k.isupper() and k != "RECOMPUTE"}
    assert names.pop("SETTINGS") == {}
    own = {k: v for k, v in plots.NOTEBOOK_PARAMETERS.get(path.stem, {}).items() if k not in plots.SHARED_PARAMETERS}
    assert names == own
    assert not {k for k in names if k.lower() in DEFAULTS.as_dict() or k.lower() in sh.settings.SHARED}
    assert "sh.series(SETTINGS)" in path.read_text()


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_each_source_carries_its_navigation_from_the_one_list(path):
    text = path.read_text()
    assert navigation.with_navigation(text, path.stem) == text, "run `make sync` to write the links"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_outputs_are_clean(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        assert cell.execution_count is not None, f"{path.name}: code cell {i} was not executed"
        for out in cell.get("outputs", []):
            where = f"{path.name}, code cell {i}"
            assert out.output_type != "error", f"{where}: an error is stored"
            assert not (out.output_type == "stream" and out.name == "stderr"), (
                f"{where}: a stderr stream is stored: {out.text[:200]!r}")
            text = out.get("text", "") + "".join(out.get("data", {}).get("text/plain", ""))
            assert not BAR_REMNANT.search(text), f"{where}: a progress-bar remnant: {text[:120]!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_computed_prose_hides_its_code_and_every_notebook_ends_with_try_this(path):
    nb = nbformat.read(path, as_version=4)
    prose = [c for c in nb.cells if c.cell_type == "code" and c.source.lstrip().startswith(("say(", "bullets("))]
    assert prose, f"{path.name} has no computed prose"
    for c in prose:
        assert "remove-input" in c.metadata.get("tags", []) and c.metadata.get("jupyter", {}).get("source_hidden")
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "## Try this" in markdown and "## Summary" in markdown


def test_readme_findings_are_the_notebooks_summaries():
    """The README's findings block is what the committed notebooks' Summary cells printed."""
    sys.path.insert(0, str(REPO / "tools"))
    from readme_findings import main
    notebooks = [str(p) for p in NOTEBOOKS]
    assert main(["--check", str(REPO / "README.md"), *notebooks]) == 0, (
        "README.md's findings differ from the notebooks' summaries: run `make figures`")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_streams_are_merged_as_jupyterlab_saves_them(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        kinds = [(o.output_type, o.get("name")) for o in cell.outputs]
        assert not any(a == b and a[0] == "stream" for a, b in zip(kinds, kinds[1:])), (
            f"{path.name}: code cell {i} stores two stream outputs in a row, which Lab merges on save: run "
            "`.venv/bin/python tools/merge_streams.py` on it (make figures does)")
