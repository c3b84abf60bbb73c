"""What a ticket buys at inference: its size and speed as sparse (CSR) tensors vs dense."""
import time
import warnings

import torch

from ..computing.layout import weight_names
from ..computing.prune import apply_masks
from ..computing.train import num_threads
from ..computing.validate import as_finite_state, as_int, as_masks


def layers(state):
    """[(weight, bias), ...] of a state dict, input layer first."""
    as_finite_state(state)  # refuses None, a model or a list with what to pass instead
    return [(state[n], state[n[: -len("weight")] + "bias"]) for n in weight_names(state)]


def csr_layers(state, masks):
    """The masked weights as CSR tensors, with their biases."""
    as_finite_state(state)
    if masks is None:
        raise ValueError("masks must be a dict of 0/1 tensors, one per weight matrix, e.g. "
                         "sh.prune.global_masks(state, 0.9); got None")
    as_masks(masks, state)  # refuses a model, a list or masks of another architecture
    with warnings.catch_warnings():  # torch's "CSR support is in beta" notice: nothing to act on
        warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
        return [(w.to_sparse_csr(), b) for w, b in layers(apply_masks(state, masks))]


def nbytes(tensor):
    """Bytes a dense or CSR tensor holds (values and indices)."""
    if tensor.layout == torch.sparse_csr:
        parts = (tensor.values(), tensor.crow_indices(), tensor.col_indices())
        return sum(p.numel() * p.element_size() for p in parts)
    return tensor.numel() * tensor.element_size()


def size_in_bytes(pairs):
    """Bytes of all weights and biases of [(weight, bias), ...]."""
    return sum(nbytes(w) + nbytes(b) for w, b in pairs)


@torch.no_grad()
def predict(pairs, x):
    """Class predictions of the MLP given as [(weight, bias), ...], dense or CSR weights."""
    h = x.t()
    for i, (w, b) in enumerate(pairs):
        h = torch.addmm(b.unsqueeze(1), w, h) if w.layout == torch.strided else w @ h + b[:, None]
        if i < len(pairs) - 1:
            h = torch.relu(h)
    return h.argmax(0)


def median_seconds(fn, repeats=21, threads=1):
    """The median wall time of fn() over repeats calls on `threads` CPU threads, after a warm-up."""
    times, repeats = [], as_int(repeats, "repeats", minimum=1, example=21)
    with num_threads(threads):
        fn()
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]
