"""The dense baseline of notebook 01: trained once, checkpointed, reused by the others."""
from pathlib import Path
from typing import NamedTuple

import torch

from .checkpoint import (CheckpointMismatch, load_checkpoint, pack_states, save_checkpoint,
                         unpack_states)
from .data import load_fashion_mnist
from .model import make_mlp, snapshot
from .paths import checkpoints_dir
from .train import BATCH_SIZE, LR, Run, train_many


class Baseline(NamedTuple):
    """Dense models trained from theta0, one per seed."""
    config: dict
    theta0: list
    runs: list


def baseline_config(seeds=(0, 1, 2, 3, 4), epochs=10, hidden=(8, 4), data_seed=0,
                    lr=LR, batch_size=BATCH_SIZE):
    """The config that identifies a baseline checkpoint."""
    return {"kind": "baseline", "hidden": list(hidden), "seeds": list(seeds), "epochs": epochs,
            "data_seed": data_seed, "lr": lr, "batch_size": batch_size, "optimizer": "Adam"}


def check_architecture(config, states):
    """Raise CheckpointMismatch unless every state has the shapes config['hidden'] implies."""
    want = {k: tuple(v.shape) for k, v in snapshot(make_mlp(config["hidden"])).items()}
    for s in states:
        got = {k: tuple(v.shape) for k, v in s.items()}
        if got != want:
            raise CheckpointMismatch(f"checkpoint tensors have shapes {got}, but hidden="
                                     f"{config['hidden']} needs {want}")


def trained_baseline(data=None, path=None, reuse=True, progress=True, **config):
    """The baseline runs: from a checkpoint whose config matches (if reuse), else trained and saved."""
    config = baseline_config(**config)
    path = Path(path or checkpoints_dir() / "baseline.safetensors")
    if reuse and path.exists():
        try:
            _, tensors = load_checkpoint(path, config)
            theta0, states = unpack_states("theta0", tensors), unpack_states("trained", tensors)
            check_architecture(config, theta0 + states)
            runs = [Run(h.tolist(), s) for h, s in zip(tensors["history"], states)]
            return Baseline(config, theta0, runs)
        except CheckpointMismatch as err:
            print(f"Not reusing the checkpoint: {err}\nTraining afresh.")
    data = data or load_fashion_mnist()
    theta0 = [snapshot(make_mlp(config["hidden"], seed=s)) for s in config["seeds"]]
    runs = train_many(theta0, data, epochs=config["epochs"], seed=config["data_seed"],
                      lr=config["lr"], batch_size=config["batch_size"], progress=progress)
    tensors = {**pack_states("theta0", theta0), **pack_states("trained", [r.state for r in runs]),
               "history": torch.tensor([r.history for r in runs])}
    save_checkpoint(path, config, tensors)
    return Baseline(config, theta0, runs)
