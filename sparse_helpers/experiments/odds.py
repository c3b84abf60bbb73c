"""How often does a random subnetwork win? Random masks trained from θ₀ at IMP's sparsities.

At a few of IMP's rounds, masks are drawn three ways and trained like an IMP round: keeping
IMP's per-layer counts, keeping the same share of every layer, or keeping weights drawn
uniformly from all of them. The masks of a level are spread evenly over several seeds' θ₀,
each with its data order. Each trained network's units that output zero on every validation
image are counted too: those are dead after training, whatever the mask allowed.
"""
import math
import time
from typing import NamedTuple

import pandas as pd
import torch

from ..computing.model import seed_for, silent_units, theta0 as make_theta0
from ..computing.progress import Progress
from ..computing.prune import dead_units, even_counts, kept, random_masks, uniform_counts
from ..computing.train import train_many
from ..computing.validate import as_int, as_list
from .store import Experiment, StoredResultError, check_table, seconds_tensor

WAYS = ("IMP's layer counts", "even per layer", "uniform over weights")
STACK = 192  # networks per stack (benchmarks/trainer_speed.py)
COLUMNS = {"round": "int", "way": "str", "seed": "int", "draw": "int", "kept": "int",
           "remaining": "fraction", "dead units": "int", "silent units": "int",
           "val_acc": "fraction", "test_acc": "fraction"}


class Draw(NamedTuple):
    """One random mask to train: its level, way of drawing, θ₀ seed and the mask."""
    round: int
    way: str
    seed: int
    draw: int
    masks: dict


class Odds(NamedTuple):
    """One row per trained random mask, and the training's throughput."""
    config: object
    table: pd.DataFrame
    speed: float        # model-epochs per second when it ran
    seconds: float
    data: str


def layer_counts(masks):
    """Weights kept in each layer of a mask dict, input layer first."""
    return [int(m.sum()) for m in masks.values()]


class OddsExperiment(Experiment):
    """per_level random masks per (level, way), from the lottery's IMP masks at those rounds."""
    kind = "odds"

    def __init__(self, lottery, levels, per_level, seeds=None):
        if not callable(getattr(lottery, "result", None)) or not callable(getattr(lottery, "digest", None)):
            raise ValueError("lottery must be the lottery experiment, not its result, e.g. "
                             "OddsExperiment(LotteryExperiment(cfg, data), levels, per_level); "
                             f"got {type(lottery).__name__}")
        super().__init__(lottery.cfg, lottery.data)
        self.lottery = lottery
        self.levels, self.per_level, self.seeds = check_plan(levels, per_level, seeds, self.cfg)

    def settings(self):
        """The lottery it reads and the plan of draws."""
        return {"lottery": self.lottery.digest(), "levels": self.levels,
                "per_level": self.per_level, "odds_seeds": self.seeds}

    def draws(self, lot):
        """per_level masks per (level, way), cycling over the seeds so each gets its share."""
        out = []
        for r in self.levels:
            for w, way in enumerate(WAYS):
                for i in range(self.per_level):
                    s = self.seeds[i % len(self.seeds)]
                    imp = lot.masks[(s, r)]
                    counts = {WAYS[0]: layer_counts(imp), WAYS[1]: even_counts(imp, kept(imp)),
                              WAYS[2]: uniform_counts(imp, kept(imp), seed_for(s, r, w, i, 5))}[way]
                    out.append(Draw(r, way, s, i, random_masks(imp, counts, seed_for(s, r, w, i, 6))))
        return out

    def compute(self, progress=True):
        """Draw and train every mask, in stacks."""
        cfg, lot = self.cfg, self.lottery.result(reuse=True, progress=progress)  # the parent as stored
        todo = self.draws(lot)
        thetas = {s: make_theta0(s, cfg.hidden) for s in self.seeds}
        total = sum(m.numel() for m in todo[0].masks.values())
        rows, start = [], time.perf_counter()
        with Progress(math.ceil(len(todo) / STACK), f"{len(todo)} random masks", progress) as bar:
            for i in range(0, len(todo), STACK):
                part = todo[i: i + STACK]
                runs = train_many([thetas[d.seed] for d in part], self.data, cfg,
                                  masks=[d.masks for d in part], data_seeds=[d.seed for d in part],
                                  history=False, progress=False)
                rows += [{"round": d.round, "way": d.way, "seed": d.seed, "draw": d.draw,
                          "kept": kept(d.masks), "remaining": kept(d.masks) / total,
                          "dead units": sum(dead_units(d.masks)),
                          "silent units": sum(silent_units(run.state, self.data.val_x)),
                          "val_acc": run.val_acc, "test_acc": run.test_acc}
                         for d, run in zip(part, runs)]
                bar.update()
        seconds = time.perf_counter() - start
        return Odds(cfg, pd.DataFrame(rows), len(todo) * cfg.epochs / seconds, seconds, self.data.label)

    def encode(self, result):
        """The table, with the throughput and time as tensors."""
        return ({"speed": torch.tensor(result.speed, dtype=torch.float64),
                 "seconds": seconds_tensor(result.seconds)}, {"draws": result.table})

    def decode(self, tensors, tables):
        """The Odds, after checking the table against the plan."""
        table = check_table(tables.get("draws"), COLUMNS, "draws",
                            rows=len(self.levels) * len(WAYS) * self.per_level)
        if set(table["round"]) != set(self.levels) or set(table.way) != set(WAYS):
            raise StoredResultError("its draws are not at the levels and ways asked for")
        if sorted(zip(table["round"], table.way, table.draw, table.seed)) != sorted(
                (r, way, i, self.seeds[i % len(self.seeds)]) for r in self.levels for way in WAYS
                for i in range(self.per_level)):
            raise StoredResultError(f"its draws are not the plan's: each level and way must hold draws "
                                    f"0-{self.per_level - 1}, drawn in turn from the seeds {self.seeds}; "
                                    f"the file was edited or damaged")
        return Odds(self.cfg, table, tensors["speed"].item(), tensors["seconds"].item(),
                    self.data.label)


def check_plan(levels, per_level, seeds, cfg):
    """Levels, masks per level and seeds as plain lists, checked against the lottery's config."""
    per_level = as_int(per_level, "masks per level", minimum=1, example=24)
    levels = [as_int(r, "each level (an IMP round)", minimum=0, example=3)
              for r in as_list(levels, "levels", "[3, 5, 7]")]
    seeds = list(cfg.seeds) if seeds is None else [
        as_int(s, "each of the seeds", minimum=0, example=0) for s in as_list(seeds, "seeds", "[0, 1, 2]")]
    if len(set(levels)) < len(levels) or len(set(seeds)) < len(seeds):
        raise ValueError(f"levels and seeds must not repeat (a repeated one draws the same masks "
                         f"again and counts them twice); got levels {levels}, seeds {seeds}")
    if not levels or not seeds or any(r > cfg.rounds for r in levels) or not set(seeds) <= set(cfg.seeds):
        raise ValueError(f"levels and seeds must be non-empty and come from the lottery's IMP runs "
                         f"(rounds 0-{cfg.rounds}, seeds {list(cfg.seeds)}); got levels {levels}, "
                         f"seeds {seeds}")
    return levels, per_level, seeds
