"""Iterative magnitude pruning with rewinding to θ₀ (IMP), with the paper's controls.

Every seed runs the whole schedule; each round trains, in one stack, every seed's IMP network
and its controls at that round's sparsity: re-initialisations of the round's mask, a random
mask with the same per-layer counts from θ₀, one-shot pruning of the dense model to the same
size (the paper's one-shot), and IMP under the other pruning schedule. A seed's members share
its data order (a paired comparison); different seeds have their own.
"""
import time
from typing import NamedTuple

import numpy as np
import pandas as pd
import torch

from .checkpoint import (CheckpointMismatch, existing_checkpoint, in_layer_order,
                         load_checkpoint, reuse_or_compute, save_checkpoint)
from .config import DEFAULTS
from .data import data_name, load_fashion_mnist
from .model import seed_for, theta0 as make_theta0
from .paths import recompute_requested
from .progress import Progress
from .prune import (dead_units, dense_masks, global_top_masks, kept, kept_per_layer,
                    next_masks, random_masks_like, top_masks)
from .train import train_many
from .validate import as_fraction, as_mask

OTHER = {"global": "layerwise", "layerwise": "global"}


class Member(NamedTuple):
    """One network of a round: whose trial it is, what it is, where it starts, its mask."""
    seed: int
    kind: str
    schedule: str
    draw: int
    theta0: dict
    masks: dict


class Lottery(NamedTuple):
    """Every round of every seed (one row per trained network) and IMP's masks per round."""
    config: object
    rounds: pd.DataFrame
    masks: dict          # (seed, round) -> the masks IMP trained under in that round
    seconds: float       # how long the training took when it ran


def first_epoch_at(history, threshold):
    """The first epoch (1-based) whose accuracy reached threshold, or None."""
    return next((i for i, a in enumerate(history, 1) if a >= threshold), None)


def imp_step(theta0s, masks, data, cfg=DEFAULTS, data_seeds=0):
    """One IMP round: train each θ₀ under its mask; (runs, each member's next masks)."""
    runs = train_many(theta0s, data, cfg, masks=masks, data_seeds=data_seeds, history=False,
                      progress=False)
    return runs, [next_masks(run.state, m, cfg) for run, m in zip(runs, masks)]


def one_shot_like(dense_state, masks, schedule):
    """The trained dense weights pruned at once to the size of masks (per layer if layer-wise)."""
    if schedule == "global":
        return global_top_masks(dense_state, kept(masks))
    return top_masks(dense_state, [int(m.sum()) for m in masks.values()])


def round_members(r, cfg, theta0s, chains, dense, controls):
    """The networks of round r: IMP per schedule and seed, and the main schedule's controls."""
    members = []
    for s in cfg.seeds:
        main = chains[cfg.schedule][s]
        members.append(Member(s, "IMP", cfg.schedule, 0, theta0s[s], main))
        if not controls:
            continue
        members += [Member(s, "re-init", cfg.schedule, j,
                           make_theta0(seed_for(s, r, j, 1), cfg.hidden), main)
                    for j in range(cfg.reinits)]
        if r > 0:  # at round 0 these are the dense network itself: IMP's round 0 stands in
            other = OTHER[cfg.schedule]
            members += [
                Member(s, "IMP", other, 0, theta0s[s], chains[other][s]),
                Member(s, "random mask", cfg.schedule, 0, theta0s[s],
                       random_masks_like(main, seed_for(s, r, 2))),
                Member(s, "one-shot", cfg.schedule, 0, theta0s[s],
                       one_shot_like(dense[s], main, cfg.schedule))]
    return members


def row(r, m, run, total):
    """The table row of one trained network."""
    n = kept(m.masks)
    return {"seed": m.seed, "round": r, "kind": m.kind, "schedule": m.schedule, "draw": m.draw,
            "kept": n, "remaining": n / total, "sparsity": 1 - n / total,
            **{f"kept {k}": v for k, v in kept_per_layer(m.theta0, m.masks).items()},
            "dead units": sum(dead_units(m.masks)), "val_acc": run.val_acc,
            "test_acc": run.test_acc, "early_step": run.early.step,
            "early_val_loss": run.early.val_loss, "early_test_acc": run.early.test_acc}


def run(cfg=DEFAULTS, data=None, controls=True, reuse=None, progress=True):
    """IMP for every seed over cfg.rounds rounds, with controls at every round (if asked).

    From this config's checkpoint when one passes its checks (a run with controls also serves
    one without); reuse=False (or $SPARSE_RECOMPUTE) runs afresh.
    """
    key = lottery_key(cfg, controls, data)
    fuller = None if controls else existing_checkpoint("lottery", lottery_key(cfg, True, data))
    if fuller and reuse is not False and not recompute_requested():
        try:
            return read_lottery(fuller, cfg, lottery_key(cfg, True, data))
        except CheckpointMismatch as err:
            print(f"Not reusing {fuller.name}: {err}")
    return reuse_or_compute("lottery", key, lambda p: read_lottery(p, cfg, key),
                            lambda: train_rounds(cfg, data, controls, progress),
                            lambda path, lot: save_lottery(lot, path, key), reuse)


def train_rounds(cfg, data, controls, progress):
    """Train every round of every seed (see run)."""
    data = data or load_fashion_mnist(val_size=cfg.val_size, split_seed=cfg.split_seed)
    theta0s = {s: make_theta0(s, cfg.hidden) for s in cfg.seeds}
    chains = {sch: {s: dense_masks(theta0s[s]) for s in cfg.seeds} for sch in OTHER}
    dense, rows, imp_masks = {}, [], {}
    total = kept(dense_masks(theta0s[cfg.seeds[0]]))
    start = time.perf_counter()
    with Progress(cfg.rounds + 1, "IMP rounds", progress) as bar:
        for r in range(cfg.rounds + 1):
            members = round_members(r, cfg, theta0s, chains, dense, controls)
            runs = train_many([m.theta0 for m in members], data, cfg,
                              masks=[m.masks for m in members], early_stop=True, history=False,
                              data_seeds=[m.seed for m in members], progress=False)
            rows += [row(r, m, run, total) for m, run in zip(members, runs)]
            advance(r, cfg, members, runs, chains, dense, imp_masks)
            bar.update(kept=rows[-1]["kept"])
    return Lottery(cfg, with_round0_copies(pd.DataFrame(rows), controls), imp_masks,
                   time.perf_counter() - start)


def advance(r, cfg, members, runs, chains, dense, imp_masks):
    """After round r: remember IMP's masks and the dense models, prune every IMP chain."""
    for m, run in zip(members, runs):
        if m.kind != "IMP":
            continue
        if r == 0:
            dense[m.seed] = run.state
            for schedule in OTHER:  # both schedules start from the one dense network
                chains[schedule][m.seed] = next_masks(run.state, m.masks,
                                                      cfg.but(schedule=schedule))
            imp_masks[(m.seed, r)] = m.masks
            continue
        chains[m.schedule][m.seed] = next_masks(run.state, m.masks, cfg.but(schedule=m.schedule))
        if m.schedule == cfg.schedule:
            imp_masks[(m.seed, r)] = m.masks


def with_round0_copies(table, controls):
    """Round 0's dense IMP row repeated for the kinds that are the dense network at round 0."""
    if not controls:
        return table
    dense = table[(table["round"] == 0) & (table.kind == "IMP")]
    other = OTHER[dense.schedule.iloc[0]]
    copies = [dense.assign(kind=k) for k in ("random mask", "one-shot")]
    copies.append(dense.assign(schedule=other))
    return pd.concat([table, *copies], ignore_index=True).sort_values(
        ["round", "seed"], kind="stable").reset_index(drop=True)


def imp_rows(rounds, schedule):
    """The IMP rows of a lottery table under one pruning schedule."""
    return rounds[(rounds.kind == "IMP") & (rounds.schedule == schedule)]


def pick_tickets(lot, threshold=None):
    """Each seed's ticket by the post's rule and by the sparsest-passing rule, on validation.

    Post's rule: the last round before the first whose validation accuracy is below threshold.
    Sparsest: the last round at or above threshold. None where even the dense model fails.
    """
    threshold = lot.config.threshold if threshold is None else threshold
    threshold = as_fraction(threshold, "threshold", high_open=False, example=0.8)
    out = []
    for seed, g in imp_rows(lot.rounds, lot.config.schedule).sort_values("round").groupby(
            "seed", sort=False):
        ok = (g.val_acc >= threshold).tolist()
        first_fail = ok.index(False) if False in ok else len(ok)
        for rule, i in (("post", first_fail - 1), ("sparsest", max(
                (j for j, good in enumerate(ok) if good), default=-1))):
            r = g.iloc[i] if i >= 0 else None
            out.append({"seed": seed, "rule": rule, "round": None if r is None else int(r["round"]),
                        **{c: (None if r is None else r[c]) for c in
                           ("kept", "sparsity", "val_acc", "test_acc")}})
    return pd.DataFrame(out)


def ticket_members(lot, tickets):
    """Per seed with a ticket: the ticket, cfg.reinits re-initialisations, a random mask."""
    cfg, members = lot.config, []
    for t in tickets.dropna(subset=["round"]).itertuples():
        seed, r = int(t.seed), int(t.round)
        masks, start = lot.masks[(seed, r)], make_theta0(seed, cfg.hidden)
        members.append(Member(seed, "ticket", cfg.schedule, 0, start, masks))
        members += [Member(seed, "re-init", cfg.schedule, j,
                           make_theta0(seed_for(seed, r, j, 3), cfg.hidden), masks)
                    for j in range(cfg.reinits)]
        members.append(Member(seed, "random mask", cfg.schedule, 0, start,
                              random_masks_like(masks, seed_for(seed, r, 4))))
    return members


def ticket_comparison(lot, tickets, data=None, reuse=None, progress=True):
    """The post's 4x comparison: every seed's ticket, its re-initialisations and a random mask,
    trained cfg.control_epochs epochs. One row per network, with its test accuracy per epoch.

    tickets: one row per seed with a 'round' column (seeds without a ticket are skipped).
    """
    cfg, chosen = lot.config, tickets.dropna(subset=["round"])
    if chosen.seed.duplicated().any():
        raise ValueError("tickets must hold one row per seed; pick one rule first, e.g. "
                         "tickets.query(\"rule == 'post'\")")
    rounds = {}
    for t in chosen.itertuples():
        if not (float(t.seed).is_integer() and float(t.round).is_integer()):
            raise ValueError(f"ticket seeds and rounds must be whole numbers; got seed {t.seed}, "
                             f"round {t.round}")
        rounds[int(t.seed)] = int(t.round)
    missing = sorted(k for k in rounds.items() if k not in lot.masks)
    if missing:
        raise ValueError(f"no IMP masks for (seed, round) {missing}: tickets must come from this lottery")
    key = {**lottery_key(cfg, True, data), "kind": "tickets", "control_epochs": cfg.control_epochs,
           "tickets": {str(k): v for k, v in sorted(rounds.items())}}

    def compute():
        """Train the ticket and its controls."""
        members = ticket_members(lot, tickets)
        if not members:
            return pd.DataFrame(columns=["seed", "kind", "draw", "round", "test_acc", "val_acc",
                                         "history"])
        runs = train_many([m.theta0 for m in members], data or load_fashion_mnist(
            val_size=cfg.val_size, split_seed=cfg.split_seed), cfg, masks=[m.masks for m in members],
            data_seeds=[m.seed for m in members], epochs=cfg.control_epochs, progress=progress,
            desc="4x training at the ticket")
        return pd.DataFrame([{"seed": m.seed, "kind": m.kind, "draw": m.draw, "round": rounds[m.seed],
                              "test_acc": r.test_acc, "val_acc": r.val_acc, "history": r.history}
                             for m, r in zip(members, runs)])

    return reuse_or_compute("tickets", key, lambda p: read_table(p, key, "runs"), compute,
                            lambda path, table: save_checkpoint(path, key, {}, {"runs": table}),
                            reuse)


def read_table(path, key, name):
    """One table from a checkpoint of key."""
    _, _, tables = load_checkpoint(path, key)
    if name not in tables:
        raise CheckpointMismatch(f"{path} holds no table {name!r}")
    return tables[name]


def lottery_key(cfg, controls, data=None):
    """The settings (and data) that identify a lottery checkpoint."""
    keys = ("prune_rate", "output_rate", "schedule", "rounds", "reinits", "checks_per_epoch")
    return {"kind": "lottery", "controls": controls, "seeds": list(cfg.seeds),
            **cfg.training(), **{k: getattr(cfg, k) for k in keys}, "data": data_name(data, cfg)}


def save_lottery(lot, path, key):
    """Write a Lottery's table and IMP masks (as uint8) to a checkpoint."""
    tensors = {f"masks/{s}/{r}/{n}": m.to(torch.uint8)
               for (s, r), masks in lot.masks.items() for n, m in masks.items()}
    tensors["seconds"] = torch.tensor(lot.seconds, dtype=torch.float64)
    return save_checkpoint(path, key, tensors, tables={"rounds": lot.rounds})


def read_lottery(path, cfg, key):
    """A Lottery from its checkpoint, after checking masks and the table's shape."""
    _, tensors, tables = load_checkpoint(path, key)
    masks, seconds = {}, tensors.pop("seconds", torch.tensor(float("nan"))).item()
    try:
        for name, t in tensors.items():
            _, s, r, layer = name.split("/", 3)
            masks.setdefault((int(s), int(r)), {})[layer] = as_mask(t, layer, t.shape)
    except ValueError as err:
        raise CheckpointMismatch(f"{path}: {err}") from err
    rounds = tables.get("rounds")
    want = {(s, r) for s in cfg.seeds for r in range(cfg.rounds + 1)}
    if rounds is None or set(masks) != want or len(imp_rows(rounds, cfg.schedule)) != len(want):
        raise CheckpointMismatch(f"{path} does not hold every seed's {cfg.rounds + 1} rounds")
    masks = {k: in_layer_order(v) for k, v in masks.items()}
    return Lottery(cfg, rounds, masks, seconds)


def label(kind, schedule, cfg):
    """A kind's name for tables and legends, naming the schedule where it is not the main one."""
    return kind if schedule == cfg.schedule else f"{kind} ({schedule})"


def per_seed(lot, value):
    """{label: (remaining per round, seeds x rounds array of value)}, draws averaged per seed."""
    t = lot.rounds.assign(label=[label(k, s, lot.config) for k, s in
                                 zip(lot.rounds.kind, lot.rounds.schedule)])
    out = {}
    for name, g in t.groupby("label", sort=False):
        grid = g.groupby(["seed", "round"])[value].mean().unstack("round")
        out[name] = (g.groupby("round").remaining.mean().to_numpy(), grid.to_numpy())
    return out


def summary(lot, value="test_acc"):
    """Mean of value over seeds (and draws) per round and kind, with IMP's weights remaining."""
    curves = per_seed(lot, value)
    remaining = curves["IMP"][0]
    table = pd.DataFrame({name: ys.mean(0) for name, (_, ys) in curves.items()})
    table.insert(0, "remaining %", 100 * remaining)
    table.index.name = "round"
    return table


def gap(curves, a, b, max_remaining=1.0, until=None):
    """Per seed: the mean of curve a minus curve b over the rounds with at most max_remaining
    of the weights left, up to round until[seed index] if given (nan where that is None).

    curves as per_seed returns them; until is typically each seed's ticket round.
    """
    x, ya = curves[a]
    yb, first = curves[b][1], int(np.argmax(np.asarray(x) <= max_remaining + 1e-9))
    out = []
    for i, end in enumerate([len(x) - 1] * len(ya) if until is None else until):
        if end is None or np.isnan(end):
            out.append(np.nan)
            continue
        cols = slice(first, max(first, int(end)) + 1)
        out.append((ya[i, cols] - yb[i, cols]).mean())
    return np.array(out)


def last_round_at(curves, name, floor):
    """The sparsest round whose mean over seeds is at or above floor: (round, remaining, mean)."""
    x, ys = curves[name]
    means = ys.mean(axis=0)
    ok = [r for r, m in enumerate(means) if m >= floor]
    r = ok[-1] if ok else 0
    return r, x[r], means[r]


def known_rows(lot, seed):
    """One seed's IMP rounds as ImpExplorer caches them: (round, kept, sparsity, val_acc)."""
    rows = imp_rows(lot.rounds, lot.config.schedule)
    rows = rows[rows.seed == seed].sort_values("round")
    return rows[["round", "kept", "sparsity", "val_acc"]].to_dict("records")
