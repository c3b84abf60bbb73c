"""The dense baseline of notebook 01: one network per seed, each from its θ₀ with its data order."""
import math
import time
from typing import NamedTuple

import torch

from ..computing.config import DEFAULTS
from ..computing.model import theta0 as make_theta0
from ..computing.train import EarlyStop, Run, train_many
from .store import Experiment, StoredResultError, pack_states, seconds_tensor, unpack_states


class Baseline(NamedTuple):
    """Dense models trained from θ₀, one per seed, each with its own data order."""
    config: object      # the Config that made them
    theta0: list        # one state dict per seed
    runs: list          # one train.Run per seed
    seconds: float      # how long the training took when it ran
    data: str           # the label of the data they were trained on


class BaselineExperiment(Experiment):
    """Train cfg's dense models for cfg.epochs, tracking the validation-loss minimum."""
    kind = "baseline"

    def settings(self):
        """The seeds and every field that decides how a model trains."""
        return {"seeds": list(self.cfg.seeds), **self.cfg.training(),
                "checks_per_epoch": self.cfg.checks_per_epoch}

    def compute(self, progress=True):
        """Train the dense models from θ₀."""
        cfg, start = self.cfg, time.perf_counter()
        theta0 = [make_theta0(s, cfg.hidden) for s in cfg.seeds]
        runs = train_many(theta0, self.data, cfg, data_seeds=list(cfg.seeds), history=True,
                          early_stop=cfg.val_size > 0, progress=progress,
                          desc="dense models, epochs")
        return Baseline(cfg, theta0, runs, time.perf_counter() - start, self.data.label)

    def encode(self, result):
        """θ₀ and the runs as tensors."""
        return {**pack_states("theta0", result.theta0), **pack_runs("trained", result.runs),
                "seconds": seconds_tensor(result.seconds)}, {}

    def decode(self, tensors, tables):
        """A Baseline, after checking θ₀, shapes, epochs and accuracies."""
        cfg = self.cfg
        theta0, runs = unpack_states("theta0", tensors), unpack_runs("trained", tensors)
        if len(theta0) != len(cfg.seeds) or len(runs) != len(cfg.seeds):
            raise StoredResultError(f"it holds {len(theta0)} models, not {len(cfg.seeds)}")
        for seed, stored, run in zip(cfg.seeds, theta0, runs):
            fresh = make_theta0(seed, cfg.hidden)
            if set(stored) != set(fresh) or not all(torch.equal(stored[k], fresh[k]) for k in fresh):
                raise StoredResultError(f"the stored θ₀ of seed {seed} is not what seed {seed} "
                                        f"gives; the file was edited or damaged")
            check_run(run, fresh, cfg.epochs, f"seed {seed}")
            if len(self.data.val_x) and any(math.isnan(a) for a in [run.val_acc, *run.val_history]):
                raise StoredResultError(f"seed {seed}'s validation accuracies are NaN, but the data have a "
                                        f"validation split: the file was edited or damaged")
        return Baseline(cfg, theta0, runs, tensors["seconds"].item(), self.data.label)


    def placeholders(self):
        """Tensors where NaN stands for "no value" rather than damage: the early stop of a run that
        tracked none, and, without a validation split, the validation accuracies and losses."""
        no_val = ("trained.final", "trained.val_history", "trained.val_loss_history")
        return ("trained.early",) + (no_val if len(self.data.val_x) == 0 else ())


def trained_baseline(cfg=DEFAULTS, data=None, reuse=None, progress=True, path=None):
    """cfg's dense models: stored (checkpoints/, then results/) when valid, else trained."""
    return BaselineExperiment(cfg, data).result(reuse, progress, path)


def check_run(run, like, epochs, who):
    """A StoredResultError unless run has like's shapes, `epochs` epochs and accuracies in [0, 1]."""
    shapes = {k: tuple(t.shape) for k, t in like.items()}
    if {k: tuple(t.shape) for k, t in run.state.items()} != shapes or any(
            t.dtype != torch.float32 for t in run.state.values()):
        raise StoredResultError(f"{who}'s weights are not float32 tensors of the model's shapes {shapes}")
    if len(run.history) != epochs or len(run.val_history) not in (0, epochs):
        raise StoredResultError(f"{who}'s run does not have {epochs} epochs")
    accs = [run.test_acc, *run.history, *run.val_history] + ([run.early.test_acc] if run.early else [])
    if not all(0 <= a <= 1 for a in [run.test_acc, *run.history] + ([run.early.test_acc] if run.early else [])) \
            or not (all(0 <= a <= 1 for a in run.val_history) or all(math.isnan(a) for a in run.val_history)):
        raise StoredResultError(f"{who}'s accuracies are not all fractions in [0, 1]")


def pack_runs(prefix, runs):
    """The tensors of a list of Runs, under prefix (see unpack_runs)."""
    nan = float("nan")
    early = [r.early or (-1, nan, nan, nan) for r in runs]
    return {**pack_states(f"{prefix}.state", [r.state for r in runs]),
            f"{prefix}.final": torch.tensor([[r.test_acc, r.val_acc] for r in runs], dtype=torch.float64),
            f"{prefix}.history": torch.tensor([r.history for r in runs], dtype=torch.float64),
            f"{prefix}.val_history": torch.tensor([r.val_history for r in runs], dtype=torch.float64),
            f"{prefix}.val_loss_history": torch.tensor([r.val_loss_history for r in runs],
                                                       dtype=torch.float64),
            f"{prefix}.early": torch.tensor([list(e) for e in early], dtype=torch.float64)}


def unpack_runs(prefix, tensors):
    """The list of Runs stored by pack_runs."""
    states = unpack_states(f"{prefix}.state", tensors)
    final, early = tensors[f"{prefix}.final"].tolist(), tensors[f"{prefix}.early"].tolist()
    history = tensors[f"{prefix}.history"].tolist()
    val_history = tensors[f"{prefix}.val_history"].tolist()
    val_loss = tensors[f"{prefix}.val_loss_history"].tolist()
    if not len(states) == len(final) == len(early) == len(history) == len(val_history) == len(val_loss):
        raise StoredResultError(f"the {prefix} runs' tensors disagree on how many runs there are")
    return [Run(s, f[0], f[1], h, v, EarlyStop(int(e[0]), *e[1:]) if e[0] >= 0 else None, vl)
            for s, f, h, v, e, vl in zip(states, final, history, val_history, early, val_loss)]
