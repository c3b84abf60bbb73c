"""Copy each text source's cells into its notebook, keeping the notebook's outputs (what
`jupytext --to ipynb --update` does), for every source in one process.

The source is then written back from the notebook, in the form JupyterLab's jupytext writes when
it saves the pair (its cell options in jupytext's order, its header as the notebook's metadata
says), so that opening and saving an unchanged notebook in Lab changes neither file.

Run: python tools/sync_notebooks.py notebooks/sources/NN_*.py
"""
import sys
from pathlib import Path

import jupytext
from jupytext.combine import combine_inputs_with_outputs


def sync(source):
    """Write notebooks/<stem>.ipynb from its source, with the outputs it already has, then the
    source from the notebook."""
    target = Path(source).parents[1] / f"{Path(source).stem}.ipynb"
    nb = jupytext.read(source)
    if target.exists():
        nb = combine_inputs_with_outputs(nb, jupytext.read(target), fmt="py:percent")
    jupytext.write(nb, target)
    text = jupytext.writes(jupytext.read(target), fmt="py:percent")
    if Path(source).read_text() != text:
        Path(source).write_text(text)


if __name__ == "__main__":
    for src in sys.argv[1:]:
        sync(src)
