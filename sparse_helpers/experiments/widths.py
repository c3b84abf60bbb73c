"""Notebook 06's experiments: dense networks at many widths, and sparse networks of their sizes.

WidthExperiment trains the series' architecture made narrower and wider (the first hidden
layer `width` units, the others scaled with it, at least one unit each) from many independent
starts: one stack per width, every member with its own θ₀ and its own data order (its seed).

SizesExperiment reads the lottery. At the weight count of each narrower dense network, it takes
each seed's IMP round just above that count, prunes that round's *trained* weights by magnitude
down to exactly the count (one more IMP step, to an exact size), rewinds to θ₀ and trains; and
beside it random masks of the same size from the same θ₀, with the same data order.
"""
import math
import time
from typing import NamedTuple

import pandas as pd
import torch

from ..computing.layout import weight_names
from ..computing.model import N_CLASSES, N_INPUTS, seed_for, silent_units, theta0 as make_theta0
from ..computing.progress import Progress
from ..computing.prune import dead_units, kept, random_masks, uniform_counts
from ..computing.train import train_many
from ..computing.validate import as_int, as_list
from .store import Experiment, StoredResultError, check_table, seconds_tensor

FIRST_SEED = 1000    # the width runs' seeds start here (x (1 + the smallest series seed))
STACK = 192          # members per stack in the sizes experiment, as in the lottery's controls
SIZE_WAYS = ("IMP, one more step", "random, IMP's layer counts", "random, uniform over weights")
RUN_COLUMNS = {"width": "int", "hidden": "str", "seed": "int", "weights": "int", "silent units": "int",
               "val_acc": "fraction", "test_acc": "fraction"}
SIZE_COLUMNS = {"width": "int", "weights": "int", "seed": "int", "round": "int", "way": "str",
                "draw": "int", "kept": "int", "layer counts": "list", "dead units": "int", "silent units": "int",
                "val_acc": "fraction", "test_acc": "fraction"}


def hidden_for(width, shape):
    """The hidden sizes of the series' shape with its first layer `width` units wide: each later
    layer keeps its ratio to the first, rounded down, at least 1 ((8, 4) and 3 give (3, 1))."""
    width = as_int(width, "width", minimum=1, example=8)
    return tuple(max(1, width * h // shape[0]) for h in shape)


def dense_count(hidden):
    """The weights of a dense 784-hidden...-10 MLP, biases apart (6,344 for (8, 4))."""
    sizes = (N_INPUTS, *hidden, N_CLASSES)
    return sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))


def width_seeds(series_seeds, n):
    """n seeds for the width runs, none of them a series seed: consecutive from
    1000 x (1 + the smallest series seed), so that other series seeds give other starts too."""
    n, series = as_int(n, "seeds per width", minimum=1, example=64), set(series_seeds)
    out, s = [], FIRST_SEED * (1 + min(series))
    while len(out) < n:
        out += [] if s in series else [s]
        s += 1
    return out


def check_widths(widths, reference):
    """Widths as a sorted list of distinct whole numbers >= 1, with the reference width added."""
    widths = [as_int(w, "each width", minimum=1, example=8) for w in as_list(widths, "widths", "[1, 2, 4, 8]")]
    if len(set(widths)) < len(widths):
        raise ValueError(f"widths must not repeat (a repeated one trains the same networks twice); got {widths}")
    return sorted(set(widths) | {reference})


class WidthRuns(NamedTuple):
    """One row per dense network trained at a width, and what the training cost."""
    config: object
    table: pd.DataFrame    # width, hidden, seed, weights, silent units, val_acc, test_acc
    timing: pd.DataFrame   # per width: networks, seconds
    seconds: float
    data: str


class WidthExperiment(Experiment):
    """per_width dense networks at each width (and at the series' own), one stack per width."""
    kind = "widths"

    def __init__(self, cfg, data=None, widths=(1, 2, 4, 8), per_width=64):
        super().__init__(cfg, data)
        self.widths = check_widths(widths, self.cfg.hidden[0])
        self.seeds = width_seeds(self.cfg.seeds, per_width)

    def settings(self):
        """The widths, their seeds and every field that decides how a model trains."""
        return {"widths": self.widths, "width_seeds": self.seeds, **self.cfg.training()}

    def compute(self, progress=True):
        """Train every width's networks in one stack each."""
        rows, timing, start = [], [], time.perf_counter()
        with Progress(len(self.widths), f"{len(self.widths)} widths x {len(self.seeds)} networks",
                      progress) as bar:
            for w in self.widths:
                hidden, t = hidden_for(w, self.cfg.hidden), time.perf_counter()
                runs = train_many([make_theta0(s, hidden) for s in self.seeds], self.data,
                                  self.cfg.but(hidden=hidden), data_seeds=self.seeds, history=False,
                                  progress=False)
                timing.append({"width": w, "networks": len(runs), "seconds": time.perf_counter() - t})
                rows += [{"width": w, "hidden": "-".join(map(str, hidden)), "seed": s,
                          "weights": dense_count(hidden),
                          "silent units": sum(silent_units(run.state, self.data.val_x)),
                          "val_acc": run.val_acc, "test_acc": run.test_acc} for s, run in zip(self.seeds, runs)]
                bar.update()
        return WidthRuns(self.cfg, pd.DataFrame(rows), pd.DataFrame(timing),
                         time.perf_counter() - start, self.data.label)

    def encode(self, result):
        """The two tables, with the seconds as a tensor."""
        return {"seconds": seconds_tensor(result.seconds)}, {"runs": result.table, "timing": result.timing}

    def decode(self, tensors, tables):
        """WidthRuns, after checking every row against the widths, seeds and architectures."""
        table = check_table(tables.get("runs"), RUN_COLUMNS, "runs", rows=len(self.widths) * len(self.seeds))
        if set(zip(table.width, table.seed)) != {(w, s) for w in self.widths for s in self.seeds}:
            raise StoredResultError("its runs are not one per width and seed asked for")
        for w, g in table.groupby("width"):
            hidden = hidden_for(int(w), self.cfg.hidden)
            if not (g.weights == dense_count(hidden)).all() or not (g.hidden == "-".join(map(str, hidden))).all():
                raise StoredResultError(f"its width-{w} rows do not describe a {hidden} network")
        timing = check_table(tables.get("timing"), {"width": "int", "networks": "int", "seconds": "float"},
                             "timing", rows=len(self.widths))
        if sorted(timing.width) != self.widths or (timing.seconds < 0).any():
            raise StoredResultError("its timing table does not hold one time per width")
        return WidthRuns(self.cfg, table, timing, tensors["seconds"].item(), self.data.label)


def exact_size_masks(state, masks, count):
    """Masks keeping exactly `count` of the weights the masks keep, those of largest trained |w|
    across all layers (the post's global rule): one more IMP step, to an exact size."""
    names = weight_names(masks)
    alive = torch.cat([masks[n].flatten() for n in names]) > 0
    count = as_int(count, "count", minimum=0, maximum=int(alive.sum()), example=795)
    score = torch.cat([state[n].abs().flatten() for n in names]).double()
    score[~alive] = -1.0  # never chosen before a surviving weight, even one that trained to 0
    keep = torch.zeros(len(score))
    keep[score.topk(count).indices] = 1
    sizes = [masks[n].numel() for n in names]
    return {n: part.view_as(masks[n]) for n, part in zip(names, keep.split(sizes))}


def round_above(lot, seed, count):
    """The last IMP round of a seed that keeps at least count weights."""
    rounds = [r for (s, r), m in lot.masks.items() if s == seed and kept(m) >= count]
    return max(rounds)


class Sized(NamedTuple):
    """One sparse network of the sizes experiment: where it comes from, its θ₀ seed and mask."""
    width: int
    weights: int
    seed: int
    round: int
    way: str
    draw: int
    masks: dict


class SizeRuns(NamedTuple):
    """One row per sparse network trained at a narrow width's weight count."""
    config: object
    table: pd.DataFrame
    targets: pd.DataFrame  # width, weights: the sizes compared (those IMP's rounds reach)
    seconds: float
    data: str


class SizesExperiment(Experiment):
    """At each narrower width's weight count: IMP one step further to that exact count, and
    `draws` random masks of that size per seed and way, all from the seed's θ₀."""
    kind = "sizes"

    def __init__(self, lottery, widths, draws=2):
        if not callable(getattr(lottery, "result", None)) or not callable(getattr(lottery, "digest", None)):
            raise ValueError("lottery must be the lottery experiment, not its result, e.g. "
                             "SizesExperiment(LotteryExperiment(cfg, data), widths); "
                             f"got {type(lottery).__name__}")
        super().__init__(lottery.cfg, lottery.data)
        self.lottery = lottery
        self.widths = [w for w in check_widths(widths, self.cfg.hidden[0]) if w < self.cfg.hidden[0]]
        self.draws = as_int(draws, "draws", minimum=1, example=2)

    def settings(self):
        """The lottery it reads, the widths whose sizes it takes and the draws per way."""
        return {"lottery": self.lottery.digest(), "widths": self.widths, "draws": self.draws}

    def targets(self, lot):
        """(width, weights) of every narrower width whose count every seed's IMP rounds reach."""
        cfg = self.cfg
        last = min(kept(lot.masks[(s, cfg.rounds)]) for s in cfg.seeds)
        counts = [(w, dense_count(hidden_for(w, cfg.hidden))) for w in self.widths]
        return [(w, n) for w, n in counts if last <= n < dense_count(cfg.hidden)]

    def members(self, lot):
        """Every network to train: per target and seed, IMP's exact-size mask and the random ones."""
        out = []
        for w, n in self.targets(lot):
            for s in self.cfg.seeds:
                r = round_above(lot, s, n)
                imp = exact_size_masks(lot.states[(s, r)], lot.masks[(s, r)], n)
                theta = make_theta0(s, self.cfg.hidden)
                counts = [int(m.sum()) for m in imp.values()]
                out.append(Sized(w, n, s, r, SIZE_WAYS[0], 0, imp))
                for d in range(self.draws):
                    out.append(Sized(w, n, s, r, SIZE_WAYS[1], d, random_masks(theta, counts, seed_for(s, n, d, 7))))
                    spread = uniform_counts(theta, n, seed_for(s, n, d, 8))
                    out.append(Sized(w, n, s, r, SIZE_WAYS[2], d, random_masks(theta, spread, seed_for(s, n, d, 9))))
        return out

    def compute(self, progress=True):
        """Build every network from the lottery and train them all, in stacks."""
        lot = self.lottery.result(reuse=True, progress=progress)  # the stored one, even under $SPARSE_RECOMPUTE
        cfg, start = self.cfg, time.perf_counter()
        todo, thetas = self.members(lot), {s: make_theta0(s, cfg.hidden) for s in cfg.seeds}
        rows = []
        with Progress(math.ceil(len(todo) / STACK), f"{len(todo)} sparse networks", progress) as bar:
            for i in range(0, len(todo), STACK):
                part = todo[i: i + STACK]
                runs = train_many([thetas[m.seed] for m in part], self.data, cfg, masks=[m.masks for m in part],
                                  data_seeds=[m.seed for m in part], history=False, progress=False)
                rows += [size_row(m, run, self.data) for m, run in zip(part, runs)]
                bar.update()
        table = pd.DataFrame(rows, columns=list(SIZE_COLUMNS))
        targets = pd.DataFrame(self.targets(lot), columns=["width", "weights"])
        return SizeRuns(cfg, table, targets, time.perf_counter() - start, self.data.label)

    def encode(self, result):
        """The two tables, with the seconds as a tensor."""
        return {"seconds": seconds_tensor(result.seconds)}, {"runs": result.table, "targets": result.targets}

    def decode(self, tensors, tables):
        """SizeRuns, after checking the targets, the row counts and every network's size."""
        targets, table, seconds = tables.get("targets"), tables.get("runs"), tensors["seconds"].item()
        if isinstance(targets, pd.DataFrame) and len(targets) == 0:
            if not isinstance(table, pd.DataFrame) or len(table):
                raise StoredResultError("it lists no targets, yet holds networks")
            return SizeRuns(self.cfg, table, targets, seconds, self.data.label)
        targets = check_table(targets, {"width": "int", "weights": "int"}, "targets")
        if not set(targets.width) <= set(self.widths):
            raise StoredResultError("its targets are not among the widths asked for")
        per = len(self.cfg.seeds) * (1 + 2 * self.draws)
        table = check_table(table, SIZE_COLUMNS, "runs", rows=len(targets) * per)
        if (table.kept != table.weights).any() or (table["layer counts"].map(sum) != table.kept).any():
            raise StoredResultError("its networks do not all keep exactly their target's weights")
        if not set(table.way) <= set(SIZE_WAYS) or not set(table.seed) <= set(self.cfg.seeds):
            raise StoredResultError("its networks are of ways or seeds this experiment does not train")
        if set(zip(table.width, table.weights)) != set(zip(targets.width, targets.weights)):
            raise StoredResultError("its networks are not at the targets it lists")
        return SizeRuns(self.cfg, table, targets, seconds, self.data.label)


def size_row(m, run, data):
    """The table row of one trained sparse network."""
    return {"width": m.width, "weights": m.weights, "seed": m.seed, "round": m.round, "way": m.way,
            "draw": m.draw, "kept": kept(m.masks), "layer counts": [int(t.sum()) for t in m.masks.values()],
            "dead units": sum(dead_units(m.masks)),
            "silent units": sum(silent_units(run.state, data.val_x)), "val_acc": run.val_acc,
            "test_acc": run.test_acc}
