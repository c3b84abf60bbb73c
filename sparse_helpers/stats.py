"""Summary statistics of weights, overall and per layer."""
import pandas as pd

from .model import all_weights, layer_label, weight_names

SMALL = (0.001, 0.01, 0.05, 0.1)


def weight_stats(weights):
    """Count, mean, sd, min, max and the share of |w| below each SMALL cut-off, for a 1-D tensor."""
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
