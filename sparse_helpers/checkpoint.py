"""Checkpoints as safetensors (loading never runs code), with the config that made them.

One file per configuration: the name carries a hash of the config, so runs with other
settings sit beside each other instead of overwriting one another.
"""
import ast
import hashlib
import json
import os
import tempfile
import warnings
from io import StringIO
from pathlib import Path

import pandas as pd
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file, safe_open

from .paths import RESULTS_DIR, checkpoints_dir, recompute_requested
from .validate import plain

# The modules whose code decides what a checkpoint holds; any edit to them retires old results.
RESULT_MODULES = ("config", "data", "model", "stack", "train", "prune", "lottery", "odds")


class CheckpointMismatch(ValueError):
    """A checkpoint is unreadable, was made with another config, or fails a check."""


def code_version():
    """A hash of the code of the modules that decide results (RESULT_MODULES), docstrings and
    comments left out, so that editing prose does not retire results."""
    here, digest = Path(__file__).resolve().parent, hashlib.sha256()
    for module in RESULT_MODULES:
        tree = ast.parse((here / f"{module}.py").read_text())
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                    and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
        digest.update(ast.dump(tree).encode())
    return digest.hexdigest()[:12]


def keyed(config):
    """config with the code version added: what a checkpoint's name and header record."""
    return {**plain(config), "code": code_version()}


def checkpoint_path(kind, config, folder=None):
    """<folder, default checkpoints/>/<kind>-<hash of config and code>.safetensors."""
    digest = hashlib.sha256(json.dumps(keyed(config), sort_keys=True).encode()).hexdigest()
    return Path(folder or checkpoints_dir()) / f"{kind}-{digest[:10]}.safetensors"


def existing_checkpoint(kind, config):
    """The checkpoint of this config in checkpoints/, else in the committed results/, or None."""
    for folder in (checkpoints_dir(), RESULTS_DIR):
        path = checkpoint_path(kind, config, folder)
        if path.exists():
            return path
    return None


def save_checkpoint(path, config, tensors, tables=None):
    """Write tensors, their JSON config and DataFrames to one file; warn (not fail) if it can't.

    The file is written to a temporary name and renamed, so a reader never sees half a file.
    Returns True when the checkpoint was written.
    """
    path = Path(path)
    meta = {"config": json.dumps(keyed(config), sort_keys=True)}
    meta.update({f"table:{k}": t.to_json(orient="split", double_precision=15)
                 for k, t in (tables or {}).items()})
    flat = {k: v.detach().cpu().clone().contiguous() for k, v in tensors.items()}  # no shared storage
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        os.close(fd)
        save_file(flat, tmp, metadata=meta)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a checkpoint is meant to be shared
        os.replace(tmp, path)
        return True
    except (OSError, SafetensorError) as err:
        if tmp and os.path.exists(tmp):
            os.remove(tmp)
        warnings.warn(f"could not write the checkpoint {path} ({err}); the results are returned "
                      f"but not saved. Set SPARSE_CHECKPOINT_DIR to a writable folder to keep "
                      f"them.", stacklevel=2)
        return False


def read_metadata(path):
    """The metadata dict stored in a checkpoint."""
    try:
        with safe_open(str(path), framework="pt") as f:
            return f.metadata() or {}
    except (SafetensorError, OSError, ValueError) as err:
        what = "a folder, not a checkpoint file" if Path(path).is_dir() else "not a readable checkpoint"
        raise CheckpointMismatch(f"{path} is {what} ({err}); pass the path of a .safetensors "
                                 f"file, or delete this one and rerun the notebook that makes it") from err


def load_checkpoint(path, expected=None):
    """(config, tensors, tables) from a checkpoint; with `expected`, refuse another config."""
    meta = read_metadata(path)
    try:
        config = json.loads(meta.get("config", "null"))
    except ValueError as err:
        raise CheckpointMismatch(f"{path} holds an unreadable config ({err}); delete it") from err
    if expected is not None and config != keyed(expected):
        expected = keyed(expected)
        if not isinstance(config, dict):
            raise CheckpointMismatch(f"{path} holds no config of settings; delete it")
        keys = sorted(set(config) | set(expected), key=str)
        diff = [f"{k}: checkpoint has {config.get(k)!r}, wanted {expected.get(k)!r}"
                for k in keys if config.get(k) != expected.get(k)]
        raise CheckpointMismatch(f"{path} was made with another config:\n  " + "\n  ".join(diff))
    try:
        tensors = load_file(str(path))
        tables = {k[len("table:"):]: pd.read_json(StringIO(v), orient="split")
                  for k, v in meta.items() if k.startswith("table:")}
    except (SafetensorError, OSError, ValueError) as err:
        raise CheckpointMismatch(f"{path} is damaged ({err}); delete it") from err
    bad = [k for k, t in tensors.items() if t.is_floating_point() and not torch.isfinite(t).all()]
    if bad:
        raise CheckpointMismatch(f"{path} holds non-finite values in {bad[:3]}: it was damaged "
                                 f"or edited")
    return config, tensors, tables


def pack_states(prefix, states):
    """{'prefix/k/name': tensor} for a list of state dicts."""
    return {f"{prefix}/{k}/{n}": t for k, s in enumerate(states) for n, t in s.items()}


def unpack_states(prefix, tensors):
    """The list of state dicts stored under prefix by pack_states."""
    states = {}
    for key, t in tensors.items():
        parts = key.split("/", 2)
        if len(parts) == 3 and parts[0] == prefix:
            states.setdefault(int(parts[1]), {})[parts[2]] = t
    return [in_layer_order(states[k]) for k in sorted(states)]


def in_layer_order(state):
    """The state dict with keys in layer order ('0.weight', '0.bias', '2.weight', ...)."""
    def key(name):
        """'2.bias' -> (2, True): layer index, then weight before bias."""
        index, _, kind = name.partition(".")
        return (int(index), kind != "weight")
    return {n: state[n] for n in sorted(state, key=key)}


def pack_runs(prefix, runs):
    """The tensors of a list of Runs, under prefix (see unpack_runs)."""
    early = [r.early or (-1, float("nan"), float("nan"), float("nan")) for r in runs]
    return {**pack_states(f"{prefix}.state", [r.state for r in runs]),
            f"{prefix}.final": torch.tensor([[r.test_acc, r.val_acc] for r in runs]),
            f"{prefix}.history": torch.tensor([r.history for r in runs]),
            f"{prefix}.val_history": torch.tensor([r.val_history for r in runs]),
            f"{prefix}.early": torch.tensor([list(e) for e in early], dtype=torch.float64)}


def unpack_runs(prefix, tensors):
    """The list of Runs stored by pack_runs."""
    from .train import EarlyStop, Run
    states = unpack_states(f"{prefix}.state", tensors)
    final, early = tensors[f"{prefix}.final"].tolist(), tensors[f"{prefix}.early"].tolist()
    history = tensors[f"{prefix}.history"].tolist()
    val_history = tensors[f"{prefix}.val_history"].tolist()
    return [Run(s, f[0], f[1], h, v, EarlyStop(int(e[0]), *e[1:]) if e[0] >= 0 else None)
            for s, f, h, v, e in zip(states, final, history, val_history, early)]


def reuse_or_compute(kind, key, read, compute, write, reuse=None, path=None):
    """The result stored for key, read by read(path), when reuse allows and a checkpoint passes
    its checks; else compute(), written by write(path, result) to checkpoints/ (or path).

    reuse defaults to True unless $SPARSE_RECOMPUTE is set.
    """
    reuse = not recompute_requested() if reuse is None else reuse
    if path is not None and Path(path).is_dir():
        raise ValueError(f"path must name a checkpoint file, e.g. {Path(path) / (kind + '.safetensors')}; "
                         f"{path} is a folder")
    found = Path(path) if path else existing_checkpoint(kind, key)
    if reuse and found is not None and found.exists():
        try:
            return read(found)
        except CheckpointMismatch as err:
            print(f"Not reusing {found.name}: {err}\nComputing afresh.")
    result = compute()
    write(Path(path or checkpoint_path(kind, key)), result)
    return result
