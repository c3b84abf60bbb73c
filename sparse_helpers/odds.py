"""How often does a random subnetwork win? Random masks trained from θ₀, with intervals.

At a few of IMP's sparsity levels, masks are drawn three ways and trained like an IMP round:
keeping IMP's per-layer counts, keeping the same share of every layer, or keeping weights
drawn uniformly from all of them. A mask wins when its validation accuracy reaches the
threshold. The masks of a level are spread over several seeds' θ₀, each with its data order.
"""
import math
import time
from typing import NamedTuple

import pandas as pd
import torch

from .checkpoint import CheckpointMismatch, load_checkpoint, reuse_or_compute, save_checkpoint
from .config import DEFAULTS
from .data import load_fashion_mnist
from .lottery import imp_rows, lottery_key
from .model import seed_for, theta0 as make_theta0
from .progress import Progress
from .prune import dead_units, even_counts, kept, random_masks, uniform_counts
from .train import train_many
from .validate import as_fraction, as_int, as_list, as_positive

WAYS = ("IMP's layer counts", "even per layer", "uniform over weights")


class Draw(NamedTuple):
    """One random mask to train: its level, way of drawing, θ₀ seed and the mask."""
    round: int
    way: str
    seed: int
    draw: int
    masks: dict


def layer_counts(masks):
    """Weights kept in each layer of a mask dict, input layer first."""
    return [int(m.sum()) for m in masks.values()]


def draws(lot, rounds, per_level, seeds):
    """per_level masks per (level, way), cycling over seeds so each seed gets its share."""
    per_level = as_int(per_level, "masks per level", minimum=1, example=24)
    rounds, seeds = as_list(rounds, "rounds", "[3, 5, 7]"), as_list(seeds, "seeds", "[0, 1, 2]")
    rounds = [as_int(r, "each round", minimum=0, example=3) for r in rounds]
    if len(set(rounds)) < len(rounds) or len(set(seeds)) < len(seeds):
        raise ValueError(f"rounds and seeds must not repeat (a repeated one draws the same masks "
                         f"again and counts them twice); got rounds {rounds}, seeds {seeds}")
    missing = sorted({(s, r) for r in rounds for s in seeds} - set(lot.masks))
    if not rounds or not seeds or missing:
        raise ValueError(f"rounds and seeds must be non-empty and come from the lottery's IMP runs "
                         f"(rounds 0-{lot.config.rounds}, seeds {list(lot.config.seeds)}); got rounds "
                         f"{rounds}, seeds {seeds}")
    out = []
    for r in rounds:
        for w, way in enumerate(WAYS):
            for i in range(per_level):
                s = seeds[i % len(seeds)]
                imp = lot.masks[(s, r)]
                counts = {WAYS[0]: layer_counts(imp), WAYS[1]: even_counts(imp, kept(imp)),
                          WAYS[2]: uniform_counts(imp, kept(imp), seed_for(s, r, w, i, 5))}[way]
                out.append(Draw(r, way, s, i, random_masks(imp, counts, seed_for(s, r, w, i, 6))))
    return out


def train_draws(todo, data, cfg=DEFAULTS, chunk=192, progress=True):
    """Train every draw from its seed's θ₀ for cfg.epochs; a table row per draw, and the
    throughput in model-epochs per second."""
    thetas = {s: make_theta0(s, cfg.hidden) for s in {d.seed for d in todo}}
    total = sum(t.numel() for n, t in next(iter(thetas.values())).items() if n.endswith("weight"))
    rows, start = [], time.perf_counter()
    with Progress(math.ceil(len(todo) / chunk), f"{len(todo)} random masks", progress) as bar:
        for i in range(0, len(todo), chunk):
            part = todo[i: i + chunk]
            runs = train_many([thetas[d.seed] for d in part], data, cfg,
                              masks=[d.masks for d in part], data_seeds=[d.seed for d in part],
                              history=False, progress=False)
            rows += [{"round": d.round, "way": d.way, "seed": d.seed, "draw": d.draw,
                      "kept": kept(d.masks), "remaining": kept(d.masks) / total,
                      "dead units": sum(dead_units(d.masks)),
                      "val_acc": run.val_acc, "test_acc": run.test_acc}
                     for d, run in zip(part, runs)]
            bar.update()
    seconds = time.perf_counter() - start
    return pd.DataFrame(rows), len(todo) * cfg.epochs / seconds


def imp_at(lot, rounds):
    """IMP's own networks at the given rounds, in the same columns as train_draws' table."""
    imp = imp_rows(lot.rounds, lot.config.schedule)
    imp = imp[imp["round"].isin(rounds)]
    return imp.assign(way="IMP's own mask")[["round", "way", "seed", "kept", "remaining",
                                             "dead units", "val_acc", "test_acc"]]


def wilson(wins, n, z=1.96):
    """The Wilson score interval (95% for z=1.96) of a success rate wins/n."""
    n = as_int(n, "n", minimum=0, example=24)
    wins = as_int(wins, "wins", minimum=0, maximum=n, example=0)
    z = as_positive(z, "z", 1.96)
    if n == 0:
        return (0.0, 1.0)
    p = wins / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def win_rates(table, threshold, by=("round", "way")):
    """Wins, trials, rate and Wilson 95% interval per group of the table."""
    threshold = as_fraction(threshold, "threshold", high_open=False, example=0.8)
    by = [by] if isinstance(by, str) else list(by)
    rows = []
    for key, g in table.groupby(list(by), sort=False):
        wins, n = int((g.val_acc >= threshold).sum()), len(g)
        lo, hi = wilson(wins, n)
        rows.append({**dict(zip(by, key)), "wins": wins, "n": n, "rate": wins / n,
                     "low": lo, "high": hi, "median val_acc": g.val_acc.median()})
    return pd.DataFrame(rows)


def odds_key(lot, rounds, per_level, seeds, data=None):
    """The settings (and data) that identify a measurement of winning odds."""
    return {**lottery_key(lot.config, True, data), "kind": "odds",
            "levels": as_list(rounds, "rounds", "[3, 5, 7]"), "per_level": per_level,
            "odds_seeds": as_list(seeds, "seeds", "[0, 1, 2]")}


def measure(lot, rounds, per_level, seeds, data=None, reuse=None, progress=True):
    """Draw and train the random masks (see draws); (table, model-epochs per second), from this
    setting's checkpoint when one exists and reuse allows."""
    rounds, seeds = as_list(rounds, "rounds", "[3, 5, 7]"), as_list(seeds, "seeds", "[0, 1, 2]")
    cfg, key = lot.config, odds_key(lot, rounds, per_level, seeds, data)

    def compute():
        """Draw and train every mask."""
        todo = draws(lot, rounds, per_level, seeds)
        return train_draws(todo, data or load_fashion_mnist(val_size=cfg.val_size,
                                                            split_seed=cfg.split_seed), cfg,
                           progress=progress)

    def write(path, result):
        """Save the table, and the throughput as a one-row table."""
        table, speed = result
        save_checkpoint(path, key, {"speed": torch.tensor(speed, dtype=torch.float64)},
                        {"draws": table})

    def read(path):
        """The table and throughput from a checkpoint."""
        _, tensors, tables = load_checkpoint(path, key)
        if "draws" not in tables or len(tables["draws"]) != len(rounds) * len(WAYS) * per_level:
            raise CheckpointMismatch(f"{path} does not hold every draw")
        return tables["draws"], tensors["speed"].item()

    return reuse_or_compute("odds", key, read, compute, write, reuse)


def expected_seconds(n_levels, per_level, epochs, speed):
    """Seconds to train per_level masks per level and way at a measured speed."""
    return n_levels * len(WAYS) * per_level * epochs / speed


def winners_range(low, high, log10_count):
    """'10^a to 10^b' winners for a win-rate interval [low, high] of log10_count subnetworks."""
    low = as_fraction(low, "low", high_open=False, example=0.1)
    high = as_fraction(high, "high", high_open=False, example=0.5)
    if low > high:
        raise ValueError(f"the interval's low end {low} is above its high end {high}")
    if high <= 0:
        return "none"
    top = f"10^{log10_count + math.log10(high):.0f}"
    return f"10^{log10_count + math.log10(low):.0f} to {top}" if low > 0 else f"up to {top}"


def dead_unit_rates(table, threshold):
    """Win rate and share of masks per way, split by whether a mask has a dead unit."""
    t = table.assign(**{"has a dead unit": table["dead units"] > 0})
    return win_rates(t, threshold, by=("way", "has a dead unit"))
