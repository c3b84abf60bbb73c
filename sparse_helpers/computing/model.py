"""The 784-8-4-10 ReLU MLP of the post, its weights counted and snapshotted."""
import os

import numpy as np
import torch
from torch import nn

from .config import DEFAULTS
from .layout import hidden_sizes, layer_label, weight_names
from .validate import as_hidden, as_seed, refuse_bad_device, refuse_unscorable_state

IMAGE_SIDE, N_CLASSES = 28, 10
N_INPUTS = IMAGE_SIDE * IMAGE_SIDE


def parameter_count(hidden):
    """Weights and biases of the 784-hidden...-10 MLP."""
    sizes = (N_INPUTS, *hidden, N_CLASSES)
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


def check_fits(hidden):
    """A ValueError when one such MLP would need more than a quarter of this machine's memory."""
    need = 4 * parameter_count(hidden)
    pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    if need > pages * size / 4:
        raise ValueError(f"hidden={hidden} needs {need / 2 ** 30:,.1f} GiB for one network's weights alone "
                         f"(training needs several times that), but this machine has "
                         f"{pages * size / 2 ** 30:.0f} GiB; choose smaller hidden sizes, e.g. hidden=(32, 16)")


def make_mlp(hidden=DEFAULTS.hidden, seed=0):
    """A 784-hidden...-10 ReLU MLP whose initial weights depend only on seed."""
    hidden, seed = as_hidden(hidden), as_seed(seed)
    check_fits(hidden)
    sizes = (N_INPUTS, *hidden, N_CLASSES)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        layers = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def theta0(seed, hidden=DEFAULTS.hidden):
    """The initial parameters θ₀ of seed's MLP, as a state dict."""
    return snapshot(make_mlp(hidden, seed))


def seed_for(*parts):
    """A seed derived from several numbers (a trial, a round, a draw), unlikely to collide."""
    return int(np.random.SeedSequence([int(p) for p in parts]).generate_state(1)[0] >> 1)


def snapshot(model):
    """A detached copy of the model's parameters (e.g. θ₀), on the CPU."""
    return {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}


def load_state(state, device="cpu"):
    """A fresh MLP holding the given parameters."""
    refuse_unscorable_state(state)
    refuse_bad_device(device)
    model = make_mlp(hidden_sizes(state))
    model.load_state_dict(state)
    return model.to(device)


def as_state(model_or_state):
    """The state dict of a model, or the state dict itself."""
    return model_or_state if isinstance(model_or_state, dict) else snapshot(model_or_state)


def weight_counts(model_or_state):
    """Weights per layer as {'784x8': 6272, ...}; biases are not counted."""
    state = as_state(model_or_state)
    return {layer_label(n, state): state[n].numel() for n in weight_names(state)}


def bias_count(model_or_state):
    """The number of bias parameters, which the post leaves out of its weight count."""
    state = as_state(model_or_state)
    return sum(t.numel() for n, t in state.items() if n.endswith("bias"))


def all_weights(state):
    """Every weight (not bias) flattened into one vector."""
    return torch.cat([state[n].flatten() for n in weight_names(state)])


def describe(hidden):
    """'784-8-4-10' for hidden sizes (8, 4)."""
    return "-".join(map(str, (N_INPUTS, *hidden, N_CLASSES)))


def default_device():
    """'cuda' when a GPU is present, else 'cpu'."""
    return "cuda" if torch.cuda.is_available() else "cpu"


@torch.no_grad()
def silent_units(state, x):
    """Per hidden layer, the units whose ReLU output is zero for every row of x: dead after
    training, whatever the mask allowed."""
    names, h, counts = weight_names(state), x, []
    for name in names[:-1]:
        h = torch.relu(torch.addmm(state[name[: -len("weight")] + "bias"], h, state[name].t()))
        counts.append(int((h.amax(0) <= 0).sum()))
    return counts
