"""Magnitude pruning: masks from weights, masks applied, sparsity measured and swept."""
import pandas as pd
import torch

from .model import all_weights, layer_label, weight_names
from .train import check_masks, evaluate


def check_fraction(value, name="sparsity", closed_right=False):
    """value as a float, or a ValueError naming the allowed range."""
    hi = "1]" if closed_right else "1)"
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    ok = number and (0 <= value <= 1 if closed_right else 0 <= value < 1)
    if not ok:
        raise ValueError(f"{name} must be a fraction in [0, {hi}, e.g. 0.3 for 30%; got {value!r}")
    return float(value)


def dense_masks(state):
    """All-ones masks, one per weight matrix: nothing pruned."""
    return {n: torch.ones_like(state[n]) for n in weight_names(state)}


def magnitude_threshold(values, fraction):
    """The fraction-th quantile of |values| (linear interpolation, like numpy.percentile)."""
    return torch.quantile(values.abs().double(), fraction).item() if len(values) else 0.0


def global_masks(state, sparsity, masks=None):
    """Masks pruning the given fraction of the still-unmasked weights, smallest |w| across all layers.

    Weights with |w| below the sparsity-th percentile are pruned, as in the post's table;
    weights already masked stay masked.
    """
    sparsity = check_fraction(sparsity)
    masks = masks or dense_masks(state)
    check_masks(state, masks)
    alive = torch.cat([state[n][masks[n] > 0].flatten() for n in weight_names(state)])
    threshold = magnitude_threshold(alive, sparsity)
    return {n: masks[n] * (state[n].abs() >= threshold) for n in weight_names(state)}


def layerwise_masks(state, sparsity):
    """Masks pruning the same fraction of each layer separately, smallest |w| first."""
    sparsity = check_fraction(sparsity)
    return {n: (state[n].abs() >= magnitude_threshold(state[n].flatten(), sparsity)).float()
            for n in weight_names(state)}


def random_masks_like(masks, seed=0):
    """Random masks keeping as many weights in each layer as the given masks do."""
    g = torch.Generator().manual_seed(seed)
    out = {}
    for name, m in masks.items():
        keep = torch.zeros(m.numel())
        keep[torch.randperm(m.numel(), generator=g)[: int(m.sum().item())]] = 1
        out[name] = keep.view_as(m)
    return out


def apply_masks(state, masks):
    """A copy of state with the masked weights set to zero."""
    check_masks(state, masks)
    return {k: v * masks[k] if k in masks else v.clone() for k, v in state.items()}


def kept(masks):
    """How many weights the masks keep."""
    return int(sum(m.sum().item() for m in masks.values()))


def sparsity_of(masks):
    """The fraction of weights the masks remove."""
    total = sum(m.numel() for m in masks.values())
    return 1 - kept(masks) / total


def kept_per_layer(state, masks):
    """Weights kept in each layer, as {'784x8': kept, ...}."""
    return {layer_label(n, state): int(masks[n].sum().item()) for n in weight_names(state)}


def input_pixel_map(masks, state):
    """A 28x28 map of how many first-layer connections each input pixel still has."""
    first = weight_names(state)[0]
    return masks[first].sum(0).view(28, 28)


def sweep(state, data, sparsities, how="global"):
    """One-shot pruning at each sparsity, no retraining: a table with the post's columns."""
    if how not in ("global", "layerwise"):
        raise ValueError(f"how must be 'global' or 'layerwise', got {how!r}")
    weights = all_weights(state)
    rows = []
    for s in sparsities:
        masks = global_masks(state, s) if how == "global" else layerwise_masks(state, s)
        rows.append({
            "percentile": round(100 * s, 6),
            "threshold": magnitude_threshold(weights, s) if how == "global" else float("nan"),
            "sparsity": sparsity_of(masks),
            "kept": kept(masks),
            "total": len(weights),
            "accuracy": evaluate(state, data, masks),
            **{f"kept {k}": v for k, v in kept_per_layer(state, masks).items()},
        })
    return pd.DataFrame(rows)


def format_sweep(table):
    """The sweep as the post printed it, one line per percentile."""
    return "\n".join(
        f"Pruned {r.percentile:>3.0f}th percentile | |w| < {r.threshold:.4f} | "
        f"Sparsity: {100 * r.sparsity:5.1f}% | Params: {r.kept:>4}/{r.total} | "
        f"Accuracy: {100 * r.accuracy:.2f}%" for r in table.itertuples())
