"""Iterative magnitude pruning with rewinding to theta0, and its two controls."""
from typing import NamedTuple

import pandas as pd
from tqdm.auto import tqdm

from .model import hidden_sizes, make_mlp, snapshot
from .prune import check_fraction, dense_masks, global_masks, kept, random_masks_like, sparsity_of
from .train import train_many


class Ticket(NamedTuple):
    """A member's winning ticket: the last IMP round whose retrained accuracy passed."""
    round: int
    masks: dict
    history: list


class ImpResult(NamedTuple):
    """Every IMP round of every member (a table), each member's ticket (None if none), and
    the masks each member's next round would have used (to resume the schedule)."""
    rounds: pd.DataFrame
    tickets: list
    next_masks: list


def check_rate(rate):
    """rate as a float, or a ValueError naming the open range (0, 1)."""
    number = isinstance(rate, (int, float)) and not isinstance(rate, bool)
    if not (number and 0 < rate < 1):
        raise ValueError(f"prune rate must be a fraction in (0, 1), e.g. 0.2 for 20% of the "
                         f"remaining weights per round; got {rate!r}")
    return float(rate)


def first_epoch_at(history, threshold):
    """The first epoch (1-based) whose accuracy reached threshold, or None."""
    return next((i for i, a in enumerate(history, 1) if a >= threshold), None)


def imp_round(theta0s, masks, data, rate, epochs, seed):
    """One IMP round: train each theta0 under its mask; the runs, and each member's next masks
    (rate of its surviving weights pruned by magnitude)."""
    runs = train_many(theta0s, data, epochs=epochs, seed=seed, masks=masks, progress=False)
    return runs, [global_masks(run.state, rate, m) for run, m in zip(runs, masks)]


def imp(theta0s, data, rate=0.2, threshold=0.8, epochs=10, max_rounds=20, seed=0,
        progress=True):
    """Frankle & Carbin's IMP for each theta0 at once: train, prune rate of the rest, rewind.

    A member stops after the first round whose final accuracy falls below threshold; its
    ticket is the last round that passed.
    """
    rate = check_rate(rate)
    threshold = check_fraction(threshold, "accuracy threshold", closed_right=True)
    masks = [dense_masks(t) for t in theta0s]
    tickets = [None] * len(theta0s)
    active, rows = list(range(len(theta0s))), []
    bar = tqdm(range(max_rounds + 1), desc="IMP rounds", disable=not progress, leave=False)
    for r in bar:
        runs, next_masks = imp_round([theta0s[k] for k in active], [masks[k] for k in active],
                                     data, rate, epochs, seed)
        still = []
        for k, run, following in zip(active, runs, next_masks):
            passed = run.history[-1] >= threshold
            rows.append({"member": k, "round": r, "kept": kept(masks[k]),
                         "sparsity": sparsity_of(masks[k]), "final": run.history[-1],
                         "best": max(run.history), "passed": passed,
                         "epoch_to_threshold": first_epoch_at(run.history, threshold)})
            if passed:
                tickets[k] = Ticket(r, masks[k], run.history)
                still.append(k)
            masks[k] = following
        active = still
        bar.set_postfix(active=len(active))
        if not active:
            break
    return ImpResult(pd.DataFrame(rows), tickets, masks)


def controls(theta0s, ticket_masks, data, epochs=40, seed=0, reinit_offset=1000,
             progress=True):
    """The ticket from theta0, its mask re-initialised, and a random mask from theta0, all trained.

    Returns {'ticket': runs, 'random re-init': runs, 'random mask': runs}, one run per member;
    the random masks keep as many weights per layer as the ticket.
    """
    hidden = hidden_sizes(theta0s[0])
    reinit = [snapshot(make_mlp(hidden, seed=reinit_offset + k)) for k in range(len(theta0s))]
    random_masks = [random_masks_like(m, seed=reinit_offset + k)
                    for k, m in enumerate(ticket_masks)]
    states = list(theta0s) + reinit + list(theta0s)
    masks = list(ticket_masks) * 2 + random_masks
    runs = train_many(states, data, epochs=epochs, seed=seed, masks=masks, progress=progress,
                      desc="controls")
    n = len(theta0s)
    return {"ticket": runs[:n], "random re-init": runs[n:2 * n], "random mask": runs[2 * n:]}


def round_summary(rounds):
    """Mean and sd over members of each IMP round: kept, sparsity, accuracies, pass count."""
    g = rounds.groupby("round")
    return pd.DataFrame({
        "members": g.size(), "kept": g.kept.first(), "sparsity %": 100 * g.sparsity.first(),
        "final % mean": 100 * g.final.mean(), "final % sd": 100 * g.final.std(),
        "best % mean": 100 * g.best.mean(), "passed": g.passed.sum(),
        "epoch to threshold": g.epoch_to_threshold.mean()})
