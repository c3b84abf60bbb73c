"""Which stored results each of a list of typical edits would retire, read from `make plan`.

Each edit is made on a copy of the package, and the plan (python -m sparse_helpers.experiments.plan)
runs against the committed results/ with that copy on the path. Nothing is trained.

Run: .venv/bin/python tools/key_edits.py
"""
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EDITS = [  # (what, file, old, new)
    ("reword an error message in computing/data.py", "computing/data.py",
     "raise ValueError(f", "raise ValueError('Reworded. ' f"),
    ("add an input check (a function that raises) to train_many", "computing/train.py",
     "    cfg = as_config(cfg)\n    states, masks",
     "    refuse_none(data)\n    cfg = as_config(cfg)\n    states, masks"),
    ("change an arm's label and colour (analysis/arm_styles.py)", "analysis/arm_styles.py",
     'ArmStyle("same mask, random re-init", colour=1', 'ArmStyle("random re-init, same mask", colour=7'),
    ("edit a docstring in train.py", "computing/train.py",
     '"""Train K models together', '"""Train K models side by side, together'),
    ("reword a refusal in prune.py", "computing/prune.py", "raise ValueError(f", "raise ValueError('Reworded. ' f"),
    ("edit lottery.imp_round (the widget's step)", "experiments/lottery.py",
     "def imp_round(theta0, masks, data, cfg, seed):\n",
     "def imp_round(theta0, masks, data, cfg, seed):\n    seed = int(seed)\n"),
    ("change the control_epochs default", "computing/config.py",
     "control_epochs: int = 40", "control_epochs: int = 41"),
    ("edit SizesExperiment.members", "experiments/widths.py",
     "    def members(self, lot):\n", "    def members(self, lot):\n        lot = lot\n"),
    ("edit prune.input_pixel_map (display only)", "computing/prune.py",
     "def input_pixel_map(", "def unused_helper():\n    return 1\n\n\ndef input_pixel_map("),
    ("change the arithmetic of the training step (Stack.step)", "computing/stack.py",
     "    def step(self", "    def step_renamed(self"),
    ("change IMP's mask function (prune.pruned_count)", "computing/prune.py",
     "def pruned_count(", "def pruned_count_renamed("),
    ("change the random-mask arm's builder (arms.random_mask)", "experiments/arms.py",
     "def random_mask(inputs):\n", "def random_mask(inputs):\n    inputs = inputs\n"),
]
PREAMBLE = "def refuse_none(x):\n    if x is None:\n        raise ValueError('data is None')\n\n\n"


def plan_with(package):
    """The plan's lines with the package at `package` first on the path."""
    env = {**os.environ, "PYTHONPATH": str(package.parent)}
    out = subprocess.run([sys.executable, "-m", "sparse_helpers.experiments.plan", str(REPO / "results")],
                         capture_output=True, text=True, env=env, cwd=package.parent)
    if out.returncode:
        raise SystemExit(out.stderr[-2000:])
    return [line for line in out.stdout.splitlines() if line.startswith("compute")]


def main():
    """Print, for each edit, the results its plan would compute."""
    for what, rel, old, new in EDITS:
        with tempfile.TemporaryDirectory() as tmp:
            package = Path(tmp) / "sparse_helpers"
            shutil.copytree(REPO / "sparse_helpers", package, ignore=shutil.ignore_patterns("__pycache__"))
            shutil.copy(REPO / "pyproject.toml", tmp)
            path = package / rel
            text = path.read_text()
            if old not in text:
                raise SystemExit(f"{old!r} is not in {rel}")
            text = text.replace(old, new, 1)
            if "refuse_none(" in new:
                text = text.replace("def train_many(", PREAMBLE + "def train_many(", 1)
            path.write_text(text)
            retired = [line.split()[1] for line in plan_with(package)]
            print(f"| {what} | {', '.join(retired) if retired else 'nothing'} |")


if __name__ == "__main__":
    main()
