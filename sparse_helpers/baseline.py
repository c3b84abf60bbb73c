"""The dense baseline of notebook 01: trained once per configuration, reused by the others."""
import time
from typing import NamedTuple

import torch

from .checkpoint import (CheckpointMismatch, load_checkpoint, pack_runs, pack_states,
                         reuse_or_compute, save_checkpoint, unpack_runs, unpack_states)
from .config import DEFAULTS
from .data import data_name, load_fashion_mnist
from .model import theta0 as make_theta0
from .train import train_many


class Baseline(NamedTuple):
    """Dense models trained from θ₀, one per seed, each with its own data order."""
    config: object      # the Config that made them
    theta0: list
    runs: list
    seconds: float      # how long the training took when it ran


def baseline_key(cfg, data=None):
    """The settings (and data) that identify a baseline checkpoint."""
    return {"kind": "baseline", "seeds": list(cfg.seeds), **cfg.training(),
            "checks_per_epoch": cfg.checks_per_epoch, "data": data_name(data, cfg)}


def trained_baseline(cfg=DEFAULTS, data=None, reuse=None, progress=True, path=None):
    """The dense models of cfg: from their checkpoint (checkpoints/, then the committed
    results/) when one passes its checks, else trained with early-stop tracking and saved.

    reuse=False (or $SPARSE_RECOMPUTE) trains afresh; path overrides where to look and write.
    """
    key = baseline_key(cfg, data)

    def compute():
        """Train the dense models from θ₀."""
        start, theta0 = time.perf_counter(), [make_theta0(s, cfg.hidden) for s in cfg.seeds]
        runs = train_many(theta0, data or load_fashion_mnist(val_size=cfg.val_size,
                                                             split_seed=cfg.split_seed),
                          cfg, data_seeds=list(cfg.seeds), history=True,
                          early_stop=cfg.val_size > 0, progress=progress, desc="dense models, epochs")
        return Baseline(cfg, theta0, runs, time.perf_counter() - start)

    def write(target, b):
        """Save θ₀ and the runs."""
        save_checkpoint(target, key, {**pack_states("theta0", b.theta0),
                                      **pack_runs("trained", b.runs),
                                      "seconds": torch.tensor(b.seconds, dtype=torch.float64)})

    return reuse_or_compute("baseline", key, lambda p: read_baseline(p, cfg, key), compute, write,
                            reuse, path)


def read_baseline(path, cfg, key):
    """A Baseline from its checkpoint, after checking what can be checked."""
    _, tensors, _ = load_checkpoint(path, key)
    try:
        theta0, runs = unpack_states("theta0", tensors), unpack_runs("trained", tensors)
    except (KeyError, ValueError, IndexError) as err:
        raise CheckpointMismatch(f"{path} lacks part of a baseline ({err})") from err
    for seed, stored, run in zip(cfg.seeds, theta0, runs):
        fresh = make_theta0(seed, cfg.hidden)
        if set(stored) != set(fresh) or not all(torch.equal(stored[k], fresh[k]) for k in fresh):
            raise CheckpointMismatch(f"{path}: the stored θ₀ of seed {seed} is not what seed "
                                     f"{seed} gives; the file was edited or damaged")
        shapes = {k: t.shape for k, t in fresh.items()}
        if len(run.history) != cfg.epochs or {k: t.shape for k, t in run.state.items()} != shapes:
            raise CheckpointMismatch(f"{path}: seed {seed}'s run does not have {cfg.epochs} "
                                     f"epochs and the model's shapes")
    if len(theta0) != len(cfg.seeds):
        raise CheckpointMismatch(f"{path} holds {len(theta0)} models, not {len(cfg.seeds)}")
    seconds = tensors["seconds"].item() if "seconds" in tensors else float("nan")
    return Baseline(cfg, theta0, runs, seconds)
