"""Copy each text source's cells into its notebook, keeping the notebook's outputs (what
`jupytext --to ipynb --update` does), for every source in one process.

Run: python tools/sync_notebooks.py notebooks/sources/NN_*.py
"""
import sys
from pathlib import Path

import jupytext
from jupytext.combine import combine_inputs_with_outputs


def sync(source):
    """Write notebooks/<stem>.ipynb from its source, with the outputs it already has."""
    target = Path(source).parents[1] / f"{Path(source).stem}.ipynb"
    nb = jupytext.read(source)
    if target.exists():
        nb = combine_inputs_with_outputs(nb, jupytext.read(target), fmt="py:percent")
    jupytext.write(nb, target)


if __name__ == "__main__":
    for src in sys.argv[1:]:
        sync(src)
