"""Running a notebook leaves the repository as it was.

At settings other than the committed ones its figures keep out of figures/, and a notebook
executed twice over stored results comes out byte for byte the same, so that a reader who runs it
and changes nothing sees `git status` clean. Both run notebook 01, the cheapest, over a copy of
results/ (nothing is trained, and nothing can be written into results/).
"""
import hashlib
import shutil
from pathlib import Path

import nbformat
import papermill
import pytest
from nbclient import NotebookClient

from sparse_helpers.computing import paths

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "01_train_baseline.ipynb"


def digests(folder):
    """{file name: sha256} of every file in folder."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def outputs_text(nb):
    """Every text a notebook's cells printed or returned, joined."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            parts.extend(str(v) for v in out.get("data", {}).values())
    return "\n".join(parts)


@pytest.fixture
def stored(tmp_path, monkeypatch):
    """A copy of results/ as the checkpoint folder; no figures folder named in the environment."""
    shutil.copytree(REPO / "results", tmp_path / "results")
    monkeypatch.setenv("SPARSE_CHECKPOINT_DIR", str(tmp_path / "results"))
    monkeypatch.delenv("SPARSE_RECOMPUTE", raising=False)
    return tmp_path


@pytest.mark.xdist_group("rerun-files")
def test_a_papermill_run_at_other_settings_leaves_figures_untouched(stored, monkeypatch):
    monkeypatch.delenv("SPARSE_FIGURES_DIR", raising=False)
    before = digests(REPO / "figures")
    # Another story seed: every result is still the stored one, but the figures follow seed 1.
    out = stored / "01.ipynb"
    papermill.execute_notebook(str(NOTEBOOK), str(out), parameters={"SETTINGS": {"story_seed": 1}}, kernel_name="python3",
                               cwd=str(NOTEBOOK.parent), progress_bar=False, log_output=False)
    paths.set_run("01_train_baseline", {"STORY_SEED": 1})
    try:
        own = REPO / "build" / "figures" / paths.run_label()
        text = outputs_text(nbformat.read(out, as_version=4))
        assert "computed" not in text and "reused" in text, "the run trained instead of reusing results/"
        assert digests(REPO / "figures") == before, "a run at STORY_SEED=1 rewrote figures/"
        assert {"training_curve.png", "fashion_mnist_samples.png"} <= set(digests(own)), own
        assert text.count(f"{own.relative_to(REPO)}/") == 1, "the notebook should name its figures' folder once"
    finally:
        paths.set_run("01_train_baseline", {})
        shutil.rmtree(own, ignore_errors=True)


@pytest.mark.xdist_group("rerun-files")
def test_a_notebook_executed_twice_over_stored_results_is_byte_identical(stored, monkeypatch):
    monkeypatch.setenv("SPARSE_FIGURES_DIR", str(stored / "figures"))
    files = []
    for run in (1, 2):
        nb = nbformat.read(NOTEBOOK, as_version=4)
        NotebookClient(nb, kernel_name="python3", record_timing=False, store_widget_state=False,
                       resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
        files.append(stored / f"run{run}.ipynb")
        nbformat.write(nb, files[-1])
    first, second = (f.read_text() for f in files)
    assert "computed" not in outputs_text(nbformat.reads(first, as_version=4)), "the run trained"
    assert first == second, "two runs over the same stored results wrote different notebooks"
