"""Run every notebook on a seed set never run before, and list each claim's verdict.

The robustness run's settings (fewer re-inits and masks, one explorer rate, the generic CPU
kernels), with the seeds given. Results and figures go to build/never-seen-<seeds>/, never to
results/ or figures/. Nothing here decides a rule: the register (analysis/register.py) records
which runs confirm which rules.

Run: .venv/bin/python tools/never_seen.py 300 301 302
"""
import json
import os
import re
import sys
from pathlib import Path

import nbformat
import papermill

REPO = Path(__file__).resolve().parents[1]
ROBUST = json.loads((REPO / "tests" / "settings" / "robust.json").read_text())  # the robustness run's settings
VERDICT = re.compile(r"^- (holds|not shown|not checked at these settings|undecided)[^:]*: (.*?)(?: \[|$)", re.M)


def main(seeds):
    """Execute notebooks 01-06 in order with these seeds; print the verdicts."""
    folder = REPO / "build" / f"never-seen-{'-'.join(map(str, seeds))}"
    folder.mkdir(parents=True, exist_ok=True)
    os.environ.update(SPARSE_CHECKPOINT_DIR=str(folder / "checkpoints"), SPARSE_FIGURES_DIR=str(folder / "figures"),
                      ATEN_CPU_CAPABILITY="default")
    values = {"SETTINGS": {**ROBUST, "seeds": seeds, "story_seed": seeds[0]}, "SEEDS_PER_WIDTH": 16}
    for path in sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        declared = papermill.inspect_notebook(str(path))
        out = folder / path.name
        try:
            papermill.execute_notebook(str(path), str(out), parameters={k: v for k, v in values.items() if k in declared},
                                       kernel_name="python3", cwd=str(path.parent), progress_bar=False)
        except papermill.PapermillExecutionError as err:  # a required claim failed: say so, go on
            print(f"{path.stem[:2]}  STOPPED      {str(err.evalue)[:2000]}")
        nb = nbformat.read(out, as_version=4)
        text = "\n".join("".join(o.get("data", {}).get("text/markdown", "")) for c in nb.cells
                         if c.cell_type == "code" for o in c.get("outputs", []))
        for verdict, finding in VERDICT.findall(text):
            print(f"{path.stem[:2]}  {verdict:<12} {finding}")
    print(f"executed notebooks in {folder}")


if __name__ == "__main__":
    main([int(s) for s in sys.argv[1:]] or [300, 301, 302])
