"""Summary statistics: of weights (overall and per layer), over seeds, of image borders."""
import numpy as np
import pandas as pd
import torch

from .model import all_weights, layer_label, weight_names
from .validate import as_fraction, as_int, as_list

SMALL = (0.001, 0.01, 0.05, 0.1)


def weight_stats(weights):
    """Count, mean, sd, min, max and the share of |w| below each SMALL cut-off, for a 1-D tensor."""
    if not torch.is_tensor(weights) or weights.numel() == 0:
        raise ValueError("weight_stats needs a non-empty tensor of weights, e.g. sh.all_weights(state)")
    w = weights.double()
    stats = {"count": len(w), "mean": w.mean().item(), "std": w.std().item(),
             "min": w.min().item(), "max": w.max().item()}
    stats.update({f"|w|<{c}": (w.abs() < c).double().mean().item() for c in SMALL})
    return stats


def format_stats(stats):
    """The statistics as a readable block, laid out like the post's."""
    lines = ["=== Weight Statistics ===", f"Total weights: {stats['count']}",
             f"Mean: {stats['mean']:.6f}", f"Std Dev: {stats['std']:.6f}",
             f"Min: {stats['min']:.6f}", f"Max: {stats['max']:.6f}", "",
             "=== Percentage of weights by absolute value ==="]
    lines += [f"|w| < {c}: {100 * stats[f'|w|<{c}']:.2f}%" for c in SMALL]
    return "\n".join(lines)


def layer_stats(state):
    """weight_stats for all weights and for each layer, one row each."""
    rows = {"all": weight_stats(all_weights(state))}
    rows.update({layer_label(n, state): weight_stats(state[n].flatten())
                 for n in weight_names(state)})
    return pd.DataFrame(rows).T


def with_mean_sd(table):
    """The table with a 'mean' row and, for two rows or more, an 'sd' row (ddof=1) added."""
    out = table.copy()
    n = len(table)
    mean, sd = table.mean(numeric_only=True), table.std(numeric_only=True) if n > 1 else None
    out.loc["mean"] = mean
    if sd is not None:
        out.loc["sd"] = sd
    return out


def spread_sentence(label, values, unit="%", decimals=2):
    """'<label> over n seeds: mean m, sd s, from a to b' (or the one value for one seed)."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return f"{label}: no values"
    f = lambda v: f"{v:.{decimals}f}{unit}"
    if len(values) == 1:
        return f"{label} (one seed): {f(values[0])}"
    return (f"{label} over {len(values)} seeds: mean {f(values.mean())}, sd "
            f"{values.std(ddof=1):.{decimals}f}, from {f(values.min())} to {f(values.max())}")


def border_facts(images, width=3):
    """How black the outer `width` pixels of uint8 images (N, H, W) really are."""
    width = as_int(width, "width", minimum=1, maximum=min(images.shape[1:]) // 2 - 1, example=3)
    inner = torch.zeros(images.shape[1:], dtype=torch.bool)
    inner[width:-width, width:-width] = True
    border = images[:, ~inner]                       # (N, border pixels)
    black = border == 0
    return {"border pixels": int((~inner).sum()), "images": len(images),
            "share of border values that are 0": black.float().mean().item(),
            "images with an all-black border": int(black.all(1).sum()),
            "least often black border pixel: share of images": black.float().mean(0).min().item(),
            "most often black border pixel: share of images": black.float().mean(0).max().item()}


def wins_by_dead_units(table, ways, threshold, minimum=3):
    """Per round, wins and masks with and without a dead unit among the given ways' masks,
    keeping only rounds with at least `minimum` masks of each kind."""
    threshold = as_fraction(threshold, "threshold", high_open=False, example=0.8)
    ways = as_list(ways, "ways", '["even", "uniform"]')
    rows = table[table.way.isin(ways)].assign(dead=lambda t: t["dead units"] > 0,
                                              win=lambda t: t.val_acc >= threshold)
    counts = rows.groupby(["round", "dead"]).win.agg(["sum", "count"]).unstack("dead")
    counts = counts.reindex(columns=pd.MultiIndex.from_product([["sum", "count"], [True, False]]),
                            fill_value=0).fillna(0).astype(int)
    out = pd.DataFrame({"wins with": counts["sum", True], "masks with": counts["count", True],
                        "wins without": counts["sum", False], "masks without": counts["count", False]})
    return out[(out["masks with"] >= minimum) & (out["masks without"] >= minimum)]
