"""Iterative magnitude pruning with rewinding to θ₀ (IMP), with the paper's controls.

Only IMP is sequential: each round's masks come from the previous round's trained weights. So
the experiment runs in two passes. The chain pass trains every seed's IMP network under each
schedule round by round (and, for the story seed, IMP at every rate the notebook's slider
offers, riding in the same stacks). The control pass then builds every control of every round
from the masks the chains reached (the arms registry says how) and trains them all in large
stacks. A seed's networks share its data order, in either pass: every comparison within a seed
is paired; different seeds draw their own orders.
"""
import math
import time
from typing import NamedTuple

import pandas as pd
import torch

from ..computing.config import DEFAULTS
from ..computing.model import theta0 as make_theta0
from ..computing.progress import Progress
from ..computing.prune import dead_units, dense_masks, kept, kept_per_layer, next_masks
from ..computing.train import train_many
from ..computing.validate import as_mask
from ..computing.config import SCHEDULES
from .arms import Member, RoundInputs, active_arms, imp_arm, is_dense_copy, main_arm
from .store import Experiment, StoredResultError, check_table, seconds_tensor

STACK = 192          # members per stack in the control pass (benchmarks/trainer_speed.py)
EXPLORER = "explorer"


class Lottery(NamedTuple):
    """Every round of every seed (one row per trained network) and what IMP kept and learned."""
    config: object
    rounds: pd.DataFrame   # one row per network: seed, round, arm, kept, accuracies, early stop,
                           # and its validation accuracy after each epoch (val_history)
    masks: dict            # (seed, round) -> the masks the main IMP arm trained under
    states: dict           # (seed, round) -> the main IMP arm's weights after that round
    explorer: pd.DataFrame  # the story seed's IMP at each explorer rate: rate, round, kept, val_acc
    seconds: float         # how long the training took when it ran
    model_epochs: int      # how much training that was
    data: str              # the label of the data it was trained on


class Chain(NamedTuple):
    """One IMP run that prunes round after round: its arm, seed, schedule and prune rate."""
    arm: str
    seed: int
    schedule: str
    rate: float
    last_round: int


def explorer_rounds(rate, rounds, floor=0.01):
    """The last round of the explorer's chain at a rate: until 1% of the weights or cfg.rounds."""
    return min(rounds, math.ceil(math.log(floor) / math.log(1 - rate)))


class LotteryExperiment(Experiment):
    """IMP for every seed over cfg.rounds rounds, with every registered arm at every round."""
    kind = "lottery"

    def settings(self):
        """Seeds, training, the pruning schedule, the arms and the explorer's rates."""
        cfg = self.cfg
        keys = ("prune_rate", "output_rate", "schedule", "rounds", "reinits", "checks_per_epoch",
                "story_seed", "explorer_rates")
        return {"seeds": list(cfg.seeds), **cfg.training(), **{k: getattr(cfg, k) for k in keys},
                "arms": [(a.name, a.seed_tag, a.dense_at_round0) for a in active_arms(cfg)]}

    def callables(self):
        """Each active arm's builder: the arms' own code is part of the key."""
        return [a.members for a in active_arms(self.cfg)]

    def chains(self):
        """Every IMP chain: each seed under each schedule, and the story seed at each rate."""
        cfg = self.cfg
        out = [Chain(imp_arm(s), seed, s, cfg.prune_rate, cfg.rounds) for seed in cfg.seeds
               for s in SCHEDULES if imp_arm(s) in {a.name for a in active_arms(cfg)}]
        if cfg.story_seed in cfg.seeds:
            out += [Chain(EXPLORER, cfg.story_seed, cfg.schedule, rate, explorer_rounds(rate, cfg.rounds))
                    for rate in cfg.explorer_rates if rate != cfg.prune_rate]
        return out

    def compute(self, progress=True):
        """The chain pass, then the control pass."""
        start = time.perf_counter()
        chain_rows, masks, states, explorer = self.chain_pass(progress)
        control_rows = self.control_pass(masks, states, progress)
        table = pd.DataFrame(chain_rows + control_rows)
        trained = len(table) + sum(1 for e in explorer if e["round"] > 0)
        main = {k: v[self.cfg.schedule] for k, v in masks.items()}
        return Lottery(self.cfg, with_round0_copies(table, self.cfg), main, states,
                       explorer_table(explorer), time.perf_counter() - start,
                       trained * self.cfg.epochs, self.data.label)

    def chain_pass(self, progress):
        """Train every chain round by round; (rows, masks, main-arm states, explorer rows)."""
        cfg, chains = self.cfg, self.chains()
        theta0s = {s: make_theta0(s, cfg.hidden) for s in cfg.seeds}
        current = {c: dense_masks(theta0s[c.seed]) for c in chains}
        masks, states, rows, explorer = {}, {}, [], []
        main = main_arm(cfg)
        with Progress(cfg.rounds + 1, "IMP rounds", progress) as bar:
            for r in range(cfg.rounds + 1):
                live = [c for c in chains if r <= c.last_round and (r > 0 or c.arm == main)]
                runs = train_many([theta0s[c.seed] for c in live], self.data, cfg,
                                  masks=[current[c] for c in live], data_seeds=[c.seed for c in live],
                                  early_stop=True, history=True, progress=False)
                for c, run in zip(live, runs):
                    record(c, r, run, current[c], theta0s, masks, states, rows, explorer, cfg)
                if r == 0:  # every chain starts from the one dense network of its seed
                    for c in chains:
                        dense = states[(c.seed, 0)]
                        current[c] = next_masks(dense, current[c], cfg.but(schedule=c.schedule,
                                                                            prune_rate=c.rate))
                        if c.arm == EXPLORER:
                            explorer.append(explorer_row(c, 0, dense_masks(dense),
                                                         first_val(rows, c.seed)))
                else:
                    for c, run in zip(live, runs):
                        current[c] = next_masks(run.state, current[c],
                                                cfg.but(schedule=c.schedule, prune_rate=c.rate))
                bar.update()
        return rows, masks, states, explorer

    def control_pass(self, masks, states, progress):
        """Train every control arm's networks of every round, in stacks; their rows."""
        cfg = self.cfg
        theta0s = {s: make_theta0(s, cfg.hidden) for s in cfg.seeds}
        controls = [a for a in active_arms(cfg) if a.prunes is None]
        members = [(r, m) for r in range(cfg.rounds + 1) for s in cfg.seeds for a in controls
                   if not is_dense_copy(a, cfg, r)
                   for m in a.built(RoundInputs(cfg, s, r, theta0s[s], masks[(s, r)], states[(s, 0)]))]
        rows = []
        with Progress(math.ceil(len(members) / STACK), f"{len(members)} controls", progress) as bar:
            for i in range(0, len(members), STACK):
                part = sorted(members[i: i + STACK], key=lambda rm: rm[1].seed)
                runs = train_many([m.theta0 for _, m in part], self.data, cfg,
                                  masks=[m.masks for _, m in part], data_seeds=[m.seed for _, m in part],
                                  early_stop=True, history=True, progress=False)
                rows += [row(r, m, run) for (r, m), run in zip(part, runs)]
                bar.update()
        return rows

    def encode(self, result):
        """The table, the main arm's masks (uint8) and weights per (seed, round), the explorer."""
        tensors = {f"masks/{s}/{r}/{n}": m.to(torch.uint8)
                   for (s, r), masks in result.masks.items() for n, m in masks.items()}
        tensors.update({f"states/{s}/{r}/{n}": t for (s, r), state in result.states.items()
                        for n, t in state.items()})
        tensors["seconds"] = seconds_tensor(result.seconds)
        tensors["model_epochs"] = torch.tensor(result.model_epochs)
        return tensors, {"rounds": result.rounds, "explorer": result.explorer}

    def decode(self, tensors, tables):
        """A Lottery, after checking every mask, weight and row against the architecture."""
        cfg = self.cfg
        shapes = {n: tuple(t.shape) for n, t in make_theta0(cfg.seeds[0], cfg.hidden).items()}
        masks, states = {}, {}
        for name, t in tensors.items():
            part, *rest = name.split("/")
            if part in ("masks", "states"):
                s, r, layer = int(rest[0]), int(rest[1]), "/".join(rest[2:])
                if layer not in shapes or tuple(t.shape) != shapes[layer]:
                    raise StoredResultError(f"{name} has shape {tuple(t.shape)}, but this "
                                            f"architecture's {layer} is {shapes.get(layer)}")
                store = masks if part == "masks" else states
                value = as_mask(t, layer, shapes[layer]) if part == "masks" else t
                store.setdefault((s, r), {})[layer] = value
        want = {(s, r) for s in cfg.seeds for r in range(cfg.rounds + 1)}
        if set(masks) != want or set(states) != want:
            raise StoredResultError(f"it does not hold every seed's {cfg.rounds + 1} rounds")
        names = [n for n in shapes if n.endswith("weight")]  # θ₀'s keys are in layer order
        masks = {k: {n: v[n] for n in names} for k, v in masks.items()}
        states = {k: {n: v[n] for n in shapes} for k, v in states.items()}
        rounds = check_rounds(tables.get("rounds"), cfg, masks)
        explorer = tables.get("explorer")
        if explorer is None or not {"rate", "round", "kept", "sparsity", "val_acc"} <= set(explorer):
            raise StoredResultError("it holds no explorer table")
        return Lottery(cfg, rounds, masks, states, explorer, tensors["seconds"].item(),
                       int(tensors["model_epochs"]), self.data.label)


def run(cfg=DEFAULTS, data=None, reuse=None, progress=True):
    """IMP for every seed and every arm: stored when valid, else trained (see LotteryExperiment)."""
    return LotteryExperiment(cfg, data).result(reuse, progress)


def imp_round(theta0, masks, data, cfg, seed):
    """One IMP round of one network: train θ₀ under masks; (its run, the next round's masks)."""
    (run_,) = train_many([theta0], data, cfg, masks=[masks], data_seeds=seed, history=False,
                         progress=False)
    return run_, next_masks(run_.state, masks, cfg)


def record(chain, r, run_, masks_now, theta0s, masks, states, rows, explorer, cfg):
    """Remember one chain's trained round: its row, or the explorer's, and the main arm's masks."""
    if chain.arm == EXPLORER:
        explorer.append(explorer_row(chain, r, masks_now, run_.val_acc))
        return
    member = Member(chain.seed, chain.arm, chain.schedule, 0, theta0s[chain.seed], masks_now)
    rows.append(row(r, member, run_))
    masks.setdefault((chain.seed, r), {})[chain.schedule] = masks_now
    if r == 0:  # the dense network: every schedule's round 0
        masks[(chain.seed, 0)] = {s: masks_now for s in SCHEDULES}
    if chain.arm == main_arm(cfg):
        states[(chain.seed, r)] = run_.state


def first_val(rows, seed):
    """The validation accuracy of a seed's dense network (its round-0 row)."""
    return next(r["val_acc"] for r in rows if r["seed"] == seed and r["round"] == 0)


def explorer_row(chain, r, masks, val_acc):
    """A row of the explorer's table."""
    n, total = kept(masks), sum(m.numel() for m in masks.values())
    return {"rate": chain.rate, "round": r, "kept": n, "sparsity": 1 - n / total, "val_acc": val_acc}


def explorer_table(explorer):
    """The explorer's rows as a table, sorted by rate and round."""
    columns = ["rate", "round", "kept", "sparsity", "val_acc"]
    if not explorer:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(explorer)[columns].sort_values(["rate", "round"]).reset_index(drop=True)



def row(r, m, run_):
    """The table row of one trained network."""
    n = kept(m.masks)
    total = sum(t.numel() for t in m.masks.values())
    return {"seed": m.seed, "round": r, "arm": m.arm, "schedule": m.schedule, "draw": m.draw,
            "kept": n, "remaining": n / total, "sparsity": 1 - n / total,
            **{f"kept {k}": v for k, v in kept_per_layer(m.theta0, m.masks).items()},
            "dead units": sum(dead_units(m.masks)), "val_acc": run_.val_acc,
            "test_acc": run_.test_acc, "early_step": run_.early.step,
            "early_val_loss": run_.early.val_loss, "early_val_acc": run_.early.val_acc,
            "early_test_acc": run_.early.test_acc, "val_history": run_.val_history}


def with_round0_copies(table, cfg):
    """Round 0's dense row repeated for every arm that is the dense network at round 0."""
    dense = table[(table["round"] == 0) & (table.arm == main_arm(cfg))]
    copies = [dense.assign(arm=a.name, schedule=a.prunes or cfg.schedule)
              for a in active_arms(cfg) if is_dense_copy(a, cfg, 0)]
    order = {a.name: i for i, a in enumerate(active_arms(cfg))}
    table = pd.concat([table, *copies], ignore_index=True)
    table["_order"] = table.arm.map(order)
    return (table.sort_values(["round", "seed", "_order", "draw"], kind="stable")
            .drop(columns="_order").reset_index(drop=True))


ROUND_COLUMNS = {"seed": "int", "round": "int", "arm": "str", "schedule": "str", "draw": "int",
                 "kept": "int", "remaining": "fraction", "sparsity": "fraction",
                 "dead units": "int", "val_acc": "fraction", "test_acc": "fraction",
                 "early_step": "int", "early_val_loss": "float", "early_val_acc": "fraction",
                 "early_test_acc": "fraction", "val_history": "list"}


def check_rounds(table, cfg, masks):
    """The rounds table if its columns, values and IMP rows agree with cfg and the masks."""
    table = check_table(table, ROUND_COLUMNS, "rounds")
    if not set(table.seed) <= set(cfg.seeds) or not table["round"].between(0, cfg.rounds).all():
        raise StoredResultError("the rounds table holds seeds or rounds this config does not run")
    imp = table[table.arm == main_arm(cfg)]
    if len(imp) != len(cfg.seeds) * (cfg.rounds + 1):
        raise StoredResultError(f"the rounds table does not hold {cfg.rounds + 1} IMP rounds per seed")
    cells = len(cfg.seeds) * (cfg.rounds + 1)
    for arm in [a.name for a in active_arms(cfg)]:
        sizes = table[table.arm == arm].groupby(["seed", "round"]).size()
        if len(sizes) != cells or sizes.nunique() != 1:
            raise StoredResultError(f"the rounds table lacks rows of the arm {arm!r}: it must have the same "
                                    f"number of networks at each of {cells} (seed, round) pairs")
    for r in imp.itertuples():
        if r.kept != kept(masks[(r.seed, r.round)]):
            raise StoredResultError(f"seed {r.seed}'s round {r.round} keeps {r.kept} weights in the "
                                    f"table but {kept(masks[(r.seed, r.round)])} in its masks")
    return table
