"""Notebook 02's findings: the trained weights' statistics, per layer, against θ₀, and the border."""
import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from scipy import stats as sps

from ..computing.layout import layer_label, weight_names
from ..computing.model import all_weights
from ..computing.validate import as_finite_state, as_int, expect
from ..experiments.baseline import Baseline
from .claims import BASELINE_DEFAULTS, Claim
from .prose import span
from .stats import Interval, t_interval, t_p

SMALL = (0.001, 0.01, 0.05, 0.1)
POST = {"mean": -0.004816, "std": 0.158104, "min": -1.124022, "max": 0.924387,
        "|w|<0.001": 0.0066, "|w|<0.01": 0.0588, "|w|<0.05": 0.2911, "|w|<0.1": 0.5392}


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
    as_finite_state(state)  # refuses None, a model or a list with what to pass instead
    rows = {"all": weight_stats(all_weights(state))}
    rows.update({layer_label(n, state): weight_stats(state[n].flatten()) for n in weight_names(state)})
    table = pd.DataFrame(rows).T
    table["count"] = table["count"].astype(int)
    return table


def border_facts(images, width=3):
    """How black the outer `width` pixels of uint8 images (N, H, W) really are."""
    width = as_int(width, "width", minimum=1, maximum=min(images.shape[1:]) // 2 - 1, example=3)
    inner = torch.zeros(images.shape[1:], dtype=torch.bool)
    inner[width:-width, width:-width] = True
    black = images[:, ~inner] == 0                  # (N, border pixels)
    return {"border pixels": int((~inner).sum()), "images": len(images),
            "share of border values that are 0": black.float().mean().item(),
            "images with an all-black border": int(black.all(1).sum()),
            "least often black border pixel: share of images": black.float().mean(0).min().item(),
            "most often black border pixel: share of images": black.float().mean(0).max().item()}


def border_table(facts):
    """border_facts for reading: counts as whole numbers, shares in percent."""
    text = {k: (f"{100 * v:.1f}%" if "share" in k else f"{int(v):,}") for k, v in facts.items()}
    return pd.Series(text).to_frame("the 3-pixel border of the training images")


def rank_correlations(theta0s, states):
    """Spearman's rank correlation of |θ₀| and |trained w|, per seed (rows) and layer (columns)."""
    rows = []
    for w0, w1 in zip(theta0s, states):
        rows.append({layer_label(n, w1): sps.spearmanr(w0[n].abs().flatten().numpy(),
                                                       w1[n].abs().flatten().numpy()).statistic
                     for n in weight_names(w1)})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class WeightFindings:
    """What notebook 02 says about the weights (shares as fractions)."""
    story: dict                  # weight_stats of the story seed's trained weights
    per_seed: pd.DataFrame       # weight_stats of every seed's trained weights
    versus_post: pd.DataFrame    # the post, the story seed, our range, and whether the post lies in it
    post_outside: list           # statistics where the post lies outside every seed's value
    layers: pd.DataFrame         # the story seed, per layer
    small_layers_wider: bool     # every later layer's sd exceeds the first layer's
    before_after: pd.DataFrame   # θ₀ against trained, story seed
    small_drop: np.ndarray       # per seed: share below 0.05 at θ₀ minus after training, points
    spread: np.ndarray           # per seed: sd after training / sd at θ₀
    ranks: pd.DataFrame          # Spearman |θ₀| vs |w|, seeds x layers
    first_rank: Interval         # the first layer's correlation over seeds
    claims: list


def weight_findings(baseline, story):
    """The findings of notebook 02 from the baseline; story is the story seed's index."""
    trained = [r.state for r in expect(baseline, Baseline, "baseline", "sh.trained_baseline(cfg, data)").runs]
    if isinstance(story, (bool, np.bool_)) or not isinstance(story, numbers.Integral) or not 0 <= story < len(trained):
        raise ValueError(f"story must be the story seed's index among the baseline's {len(trained)} seeds, "
                         f"0 to {len(trained) - 1}, e.g. list(cfg.seeds).index(cfg.story_seed); got {story!r}")
    stats = weight_stats(all_weights(trained[story]))
    per_seed = pd.DataFrame([weight_stats(all_weights(s)) for s in trained])
    cols = list(POST)
    lo, hi = per_seed[cols].min(), per_seed[cols].max()
    inside = (pd.Series(POST) >= lo) & (pd.Series(POST) <= hi)
    versus = pd.DataFrame({"the post": pd.Series(POST), f"seed {baseline.config.seeds[story]}":
                           pd.Series(stats)[cols], "our lowest": lo, "our highest": hi,
                           "post inside our range": inside})
    layers = layer_stats(trained[story])
    first, rest = layers.index[1], layers.index[2:]
    init = [weight_stats(all_weights(t)) for t in baseline.theta0]
    drop = 100 * np.array([i["|w|<0.05"] - s["|w|<0.05"] for i, s in zip(init, per_seed.to_dict("records"))])
    spread = np.array([s["std"] / i["std"] for i, s in zip(init, per_seed.to_dict("records"))])
    cuts = ["|w|<0.001", "|w|<0.01", "|w|<0.05", "|w|<0.1", "std", "max"]
    before_after = pd.DataFrame({"θ₀ (before)": pd.Series(init[story])[cuts],
                                 "trained (after)": pd.Series(stats)[cuts]})
    ranks = rank_correlations(baseline.theta0, trained)
    first_rank = t_interval(ranks.iloc[:, 0])
    claims = [
        Claim("training leaves far fewer weights below 0.05 than θ₀ had",
              "for every seed, the share of weights with |w| < 0.05 falls by more than 30 points",
              bool((drop > 30).all()), f"drops of {span(drop.min(), drop.max(), '{:.0f}')} points",
              needs=BASELINE_DEFAULTS, id="02.small-weights-drop"),
        Claim("a first-layer weight's final size follows its initial size",
              "the 95% t-interval of Spearman's rho between |θ₀| and |w| in the first layer lies above 0",
              first_rank.low > 0, first_rank.text("", 2), required=False, needs=BASELINE_DEFAULTS,
              id="02.size-follows-init", p=t_p(first_rank)),
    ]
    return WeightFindings(stats, per_seed, versus, [c for c in cols if not inside[c]], layers,
                          bool(all(layers.loc[n, "std"] > layers.loc[first, "std"] for n in rest)),
                          before_after, drop, spread, ranks, first_rank, claims)
