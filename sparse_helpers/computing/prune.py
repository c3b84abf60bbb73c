"""Magnitude pruning: masks from weights, random masks, sparsity measured.

Every function that ranks weights treats them alike: NaN or infinite weights are refused, and a
weight that is exactly zero counts as already pruned (it ranks below every other, and a fraction
pruned is a fraction of the weights still alive). Every mask keeps exactly the count it
promises: among equal magnitudes, the earlier weight (in layer order, then row-major) is kept.
"""
import math

import numpy as np
import torch

from .config import DEFAULTS
from .layout import layer_label, weight_names
from .model import IMAGE_SIDE, all_weights
from .validate import (as_counts, as_finite_state, as_fraction, as_int, as_list, as_mask, as_masks, as_seed,
                       as_state, refuse_bad_masks, refuse_bad_state_kind)


def dense_masks(state):
    """All-ones masks, one per weight matrix: nothing pruned."""
    return {n: torch.ones_like(state[n]) for n in weight_names(as_state(state))}


def magnitude_threshold(values, fraction):
    """The fraction-th quantile of |values| (linear interpolation, like numpy.percentile)."""
    return torch.quantile(values.abs().double(), fraction).item() if len(values) else 0.0


def pruned_count(n, fraction):
    """How many of n alive weights a fraction prunes: ceil(fraction * (n - 1)), the count that a
    percentile threshold (linear interpolation, as in the post's table) prunes when no two
    magnitudes tie. The 1e-9 absorbs float error in the product (0.2 * 5 = 1.0000000000000002)."""
    return min(n, math.ceil(fraction * (n - 1) - 1e-9)) if n else 0


def keep_largest(values, alive, k):
    """A 0/1 vector keeping the k largest of values among the alive positions (earlier index first
    among equals); the others, and every position not alive, 0."""
    where = alive.nonzero().flatten()
    keep = torch.zeros_like(values)
    keep[where[largest(values[where], k) > 0]] = 1
    return keep


def global_masks(state, sparsity, masks=None):
    """Masks pruning the given fraction of the still-unmasked weights, smallest |w| across layers.

    The count is pruned_count(alive, sparsity): what a percentile threshold prunes, as in the
    post's table, and exactly that many even where magnitudes tie; weights already masked stay
    masked.
    """
    sparsity = as_fraction(sparsity, "sparsity", example=0.3)
    masks = alive_masks(state, masks)
    names = weight_names(state)
    values = torch.cat([state[n].abs().flatten() for n in names])
    alive = torch.cat([masks[n].flatten() > 0 for n in names])
    n_alive = int(alive.sum())
    keep = keep_largest(values, alive, n_alive - pruned_count(n_alive, sparsity))
    parts = keep.split([state[n].numel() for n in names])
    return {n: masks[n] * part.view_as(state[n]) for n, part in zip(names, parts)}


def layerwise_masks(state, rates, masks=None):
    """Masks pruning each layer's own share of its unmasked weights (one rate, or one per layer)."""
    names = weight_names(as_finite_state(state))
    many = np.ndim(rates) > 0 and not isinstance(rates, (str, bytes))
    rates = as_list(rates, "rates", "[0.2, 0.2, 0.1]") if many else [rates] * len(names)
    if len(rates) != len(names):
        raise ValueError(f"got {len(rates)} rates for {len(names)} weight matrices; give one rate, "
                         f"or one per weight matrix, e.g. {[0.2] * (len(names) - 1) + [0.1]}")
    masks = alive_masks(state, masks)
    out = {}
    for n, rate in zip(names, rates):
        rate = as_fraction(rate, f"sparsity of {n}", example=0.3)
        alive = masks[n].flatten() > 0
        n_alive = int(alive.sum())
        keep = keep_largest(state[n].abs().flatten(), alive, n_alive - pruned_count(n_alive, rate))
        out[n] = masks[n] * keep.view_as(state[n])
    return out


def alive_masks(state, masks=None):
    """masks checked against a finite MLP state, or where none are given, the nonzero weights."""
    masks = as_masks(masks, as_finite_state(state))
    return masks if masks is not None else {n: (state[n] != 0).float() for n in weight_names(state)}


def largest(values, k):
    """A 0/1 vector keeping the k largest of values; ties (and zeros) fall to the later index."""
    keep = torch.zeros_like(values)
    keep[torch.sort(values, descending=True, stable=True).indices[:k]] = 1
    return keep


def schedule_rates(state, cfg=DEFAULTS):
    """The per-round rate of each layer: cfg.prune_rate, and cfg.output_rate for the last layer."""
    return [cfg.prune_rate] * (len(weight_names(state)) - 1) + [cfg.output_rate]


def next_masks(state, masks, cfg=DEFAULTS):
    """One IMP pruning step on trained weights: cfg.schedule 'global' or 'layerwise'."""
    if cfg.schedule == "global":
        return global_masks(state, cfg.prune_rate, masks)
    return layerwise_masks(state, schedule_rates(state, cfg), masks)


def layer_sizes(state):
    """The number of weights in each weight matrix, input layer first."""
    return [state[n].numel() for n in weight_names(as_state(state))]


def top_masks(state, counts):
    """Masks keeping the counts[i] largest |w| of each layer (one-shot, same per-layer sizes)."""
    names = weight_names(as_finite_state(state))
    return {n: largest(state[n].abs().flatten(), k).view_as(state[n])
            for n, k in zip(names, as_counts(counts, layer_sizes(state)))}


def global_top_masks(state, k):
    """Masks keeping the k largest |w| across all layers."""
    sizes = layer_sizes(as_finite_state(state))
    w = all_weights(state).abs()
    keep = largest(w, as_int(k, "kept count", minimum=0, maximum=len(w)))
    return {n: part.view_as(state[n]) for n, part in zip(weight_names(state), keep.split(sizes))}


def random_masks(state, counts, seed=0):
    """Random masks keeping counts[i] weights of each layer, drawn from seed."""
    refuse_bad_state_kind(state, "state (or masks)")
    g, out = torch.Generator().manual_seed(as_seed(seed)), {}
    for n, k in zip(weight_names(state), as_counts(counts, layer_sizes(state))):
        keep = torch.zeros(state[n].numel())
        keep[torch.randperm(state[n].numel(), generator=g)[:k]] = 1
        out[n] = keep.view_as(state[n])
    return out


def random_masks_like(masks, seed=0):
    """Random masks keeping as many weights in each layer as the given masks do."""
    refuse_bad_masks(masks)
    return random_masks(masks, [int(as_mask(m, n, m.shape).sum()) for n, m in masks.items()], seed)


def even_counts(state, kept_total):
    """Per-layer counts that keep the same share of every layer and add up to kept_total
    (largest remainders rounded up)."""
    sizes = layer_sizes(state)
    kept_total = as_int(kept_total, "kept_total", minimum=0, maximum=sum(sizes))
    exact = [kept_total * s / sum(sizes) for s in sizes]
    counts = [int(e) for e in exact]
    for i in sorted(range(len(sizes)), key=lambda i: counts[i] - exact[i])[: kept_total - sum(counts)]:
        counts[i] += 1
    return counts


def uniform_counts(state, kept_total, seed=0):
    """Per-layer counts of kept_total weights drawn uniformly from all weights."""
    sizes = layer_sizes(state)
    kept_total = as_int(kept_total, "kept_total", minimum=0, maximum=sum(sizes))
    g = torch.Generator().manual_seed(as_seed(seed))
    layer = torch.repeat_interleave(torch.arange(len(sizes)), torch.tensor(sizes))
    picked = layer[torch.randperm(len(layer), generator=g)[:kept_total]]
    return torch.bincount(picked, minlength=len(sizes)).tolist()


def apply_masks(state, masks):
    """A copy of state with the masked weights set to zero."""
    refuse_bad_state_kind(state)
    refuse_bad_masks(masks)
    masks = as_masks(masks, state)
    return {k: torch.where(masks[k] > 0, v, torch.zeros_like(v)) if k in masks else v.clone()
            for k, v in state.items()}


def checked(masks):
    """masks with every tensor checked to hold only 0 and 1."""
    refuse_bad_masks(masks)
    return {n: as_mask(m, n, m.shape) for n, m in masks.items()}


def kept(masks):
    """How many weights the masks keep."""
    refuse_bad_masks(masks)
    return int(sum(m.sum().item() for m in checked(masks).values()))


def sparsity_of(masks):
    """The fraction of weights the masks remove."""
    refuse_bad_masks(masks)
    total = sum(m.numel() for m in masks.values())
    if not total:
        raise ValueError("masks must hold at least one weight matrix; got none")
    return 1 - kept(masks) / total


def kept_per_layer(state, masks):
    """Weights kept in each layer, as {'784x8': kept, ...}."""
    refuse_bad_state_kind(state)
    refuse_bad_masks(masks)
    return {layer_label(n, state): int(m.sum()) for n, m in as_masks(masks, state).items()}


def dead_units(masks):
    """Hidden units on no surviving input-to-output path, per hidden layer: a list of counts."""
    if isinstance(masks, dict) and not masks:
        raise ValueError("dead_units needs the masks of every weight matrix of one MLP, input layer first; got none")
    refuse_bad_masks(masks)
    masks = checked(masks)
    mats = [masks[n] > 0 for n in weight_names(masks)]  # (out, in) each, input layer first
    if not mats or any(a.shape[0] != b.shape[1] for a, b in zip(mats, mats[1:])):
        raise ValueError("dead_units needs the masks of every weight matrix of one MLP, input layer first")
    live_in = [torch.ones(mats[0].shape[1], dtype=torch.bool)]
    for m in mats:
        live_in.append((m & live_in[-1]).any(1))
    live_out = [torch.ones(mats[-1].shape[0], dtype=torch.bool)]
    for m in reversed(mats):
        live_out.insert(0, (m & live_out[0].unsqueeze(1)).any(0))
    return [int((~(a & b)).sum()) for a, b in zip(live_in[1:-1], live_out[1:-1])]


def input_pixel_map(masks, state):
    """A 28x28 map of how many first-layer connections each input pixel still has."""
    refuse_bad_masks(masks)
    refuse_bad_state_kind(state)
    if not weight_names(state) or weight_names(state)[0] not in masks:
        raise ValueError(f"masks must include the first weight matrix of the state "
                         f"({(weight_names(state) or ['none'])[0]}); got masks for {sorted(masks)}")
    if state[weight_names(state)[0]].shape[1] != IMAGE_SIDE * IMAGE_SIDE:
        raise ValueError(f"input_pixel_map needs a first layer of {IMAGE_SIDE * IMAGE_SIDE} inputs (28x28 "
                         f"pixels); got {state[weight_names(state)[0]].shape[1]}")
    first = weight_names(state)[0]
    return as_mask(masks[first], first, state[first].shape).sum(0).view(IMAGE_SIDE, IMAGE_SIDE)
