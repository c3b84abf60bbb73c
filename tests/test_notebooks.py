"""The committed notebooks: in sync with their text sources, and stored cleanly."""
import re
from pathlib import Path

import jupytext
import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))
BAR_REMNANT = re.compile(r"\d+%\|")  # tqdm's text form: ' 0%|          | 0/21'


def cells(nb):
    """(type, source, tags) of every cell: what the text file and the notebook must share."""
    return [(c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", []))) for c in nb.cells]


def test_there_are_five_notebooks():
    assert [p.name[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04", "05"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_each_notebook_matches_its_text_source(path):
    text = path.with_suffix(".py")
    assert text.exists(), f"{text.name} is missing: every notebook is paired with a percent-format .py"
    assert cells(jupytext.read(text)) == cells(nbformat.read(path, as_version=4)), (
        f"{path.name} and {text.name} differ: edit the .py, then run `make figures` (it syncs the "
        f"pair and executes the notebook), and commit both")


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
