"""The dense baseline again on torch's generic CPU kernels: how much another CPU changes a run.

ATEN_CPU_CAPABILITY=default makes torch use its generic kernels instead of this CPU's fastest
ones, so sums run in another order, as they would on another processor. It must be set before
torch starts, so the baseline is retrained in a fresh Python process, on the same data.
"""
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from ..computing.config import Config
from ..computing.data import TENSORS, Dataset
from .baseline import BaselineExperiment
from .store import Experiment, StoredResultError

OTHER_PATH = {"ATEN_CPU_CAPABILITY": "default"}
CHILD = """
import json, sys
from sparse_helpers.experiments.floatpath import retrain_here
print(json.dumps(retrain_here(sys.argv[1], json.loads(sys.argv[2]))))
"""


class FloatPath(NamedTuple):
    """The baseline's runs on the generic kernels: final accuracies and their weights' bits."""
    config: object
    test_acc: list       # per seed, after the last epoch
    history: list        # per seed, test accuracy after each epoch
    same_bits: list      # per seed: the final weights equal this CPU's run bit for bit
    weight_gap: list     # per seed: the largest |difference| of a final weight between the two runs
    data: str


class FloatPathExperiment(Experiment):
    """Retrain cfg's baseline with ATEN_CPU_CAPABILITY=default and compare it with the native run."""
    kind = "floatpath"

    def settings(self):
        """The baseline's settings and the other path's variables."""
        baseline = BaselineExperiment(self.cfg, self.data)
        return {**baseline.settings(), "environment": OTHER_PATH, "baseline": baseline.digest()}

    def callables(self):
        """What the child process runs (named in CHILD's text, so no call graph reaches it)."""
        return [retrain_here]

    def compute(self, progress=True):
        """Retrain in a child process; compare with the stored native baseline."""
        native = BaselineExperiment(self.cfg, self.data).result(reuse=True, progress=progress)  # the parent as stored
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "data.safetensors"
            save_file({p: getattr(self.data, p).contiguous() for p in TENSORS}, str(path),
                      metadata={"classes": json.dumps(list(self.data.classes)), "name": self.data.name})
            env = {**os.environ, **OTHER_PATH, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
            out = subprocess.run([sys.executable, "-c", CHILD, str(path), json.dumps(self.cfg.as_dict())],
                                 capture_output=True, text=True, env=env)
        if out.returncode != 0:
            raise RuntimeError(f"retraining on the generic kernels failed:\n{out.stderr[-2000:]}")
        child = json.loads(out.stdout.strip().splitlines()[-1])
        if child["fingerprint"] != self.data.fingerprint:
            raise RuntimeError("the child process saw other data than this one")
        gaps = [max(float((run.state[k] - torch.tensor(v)).abs().max()) for k, v in weights.items())
                for run, weights in zip(native.runs, child["weights"])]
        same = [gap == 0 for gap in gaps]
        return FloatPath(self.cfg, child["test_acc"], child["history"], same, gaps, self.data.label)

    def encode(self, result):
        """The accuracies and the comparison."""
        return {"test_acc": torch.tensor(result.test_acc, dtype=torch.float64),
                "history": torch.tensor(result.history, dtype=torch.float64),
                "same_bits": torch.tensor(result.same_bits),
                "weight_gap": torch.tensor(result.weight_gap, dtype=torch.float64)}, {}

    def decode(self, tensors, tables):
        """A FloatPath, after checking its sizes and ranges."""
        acc, history = tensors["test_acc"].tolist(), tensors["history"].tolist()
        gaps = tensors["weight_gap"].tolist() if "weight_gap" in tensors else []
        if len(acc) != len(self.cfg.seeds) or any(len(h) != self.cfg.epochs for h in history) \
                or not all(0 <= a <= 1 for a in acc) or len(gaps) != len(acc) or not all(g >= 0 for g in gaps):
            raise StoredResultError(f"it does not hold {len(self.cfg.seeds)} runs of {self.cfg.epochs} "
                                    f"epochs with accuracies in [0, 1] and their weight gaps")
        return FloatPath(self.cfg, acc, history, tensors["same_bits"].tolist(), gaps, self.data.label)


def retrain_here(path, config):
    """In the child process: the baseline of config on the data at path, as plain JSON values."""
    tensors = load_file(path)
    with safe_open(path, framework="pt") as f:
        meta = f.metadata()
    data = Dataset(**{p: tensors[p] for p in TENSORS}, classes=tuple(json.loads(meta["classes"])),
                   name=meta["name"])
    cfg = Config(**{k: tuple(v) if isinstance(v, list) else v for k, v in config.items()})
    base = BaselineExperiment(cfg, data).compute(progress=False)
    return {"fingerprint": data.fingerprint, "test_acc": [r.test_acc for r in base.runs],
            "history": [r.history for r in base.runs],
            "weights": [{k: v.tolist() for k, v in r.state.items()} for r in base.runs]}
