"""Checkpoints as safetensors (loading never runs code), with the config that made them."""
import json
from pathlib import Path
from typing import NamedTuple

from safetensors import SafetensorError
from safetensors.torch import load_file, save_file, safe_open

from .model import make_mlp, snapshot


class CheckpointMismatch(ValueError):
    """A checkpoint was made for another architecture or config."""


def save_checkpoint(path, config, tensors):
    """Write named tensors and their JSON config to one safetensors file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    flat = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
    save_file(flat, str(path), metadata={"config": json.dumps(config, sort_keys=True)})


def read_config(path):
    """The config stored in a checkpoint."""
    try:
        with safe_open(str(path), framework="pt") as f:
            return json.loads((f.metadata() or {}).get("config", "null"))
    except (SafetensorError, OSError, ValueError) as err:
        raise CheckpointMismatch(f"{path} is not a readable checkpoint ({err}); delete it and "
                                 f"rerun the notebook that makes it") from err


def load_checkpoint(path, expected=None):
    """(config, tensors) from a checkpoint; with `expected`, refuse one whose config differs."""
    config = read_config(path)
    if expected is not None:
        expected = json.loads(json.dumps(expected))  # tuples -> lists, as stored
        if config != expected:
            keys = sorted(set(config or {}) | set(expected))
            diff = [f"{k}: checkpoint has {(config or {}).get(k)!r}, wanted {expected.get(k)!r}"
                    for k in keys if (config or {}).get(k) != expected.get(k)]
            raise CheckpointMismatch(f"{path} was made with another config:\n  "
                                     + "\n  ".join(diff)
                                     + "\nDelete it or rerun notebook 01 with these settings.")
    return config, load_file(str(path))


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
        index, _, kind = name.partition(".")
        return (int(index), kind != "weight")
    return {n: state[n] for n in sorted(state, key=key)}
