"""The post's longer control: a ticket, its re-initialisations and a random mask, trained 4x as long.

Given (seed, round) targets of a lottery (each seed's ticket, the post's own size, ...), every
arm marked long_run in the registry builds its networks at that round exactly as the lottery
did, and all of them train for cfg.control_epochs epochs, recording test and validation accuracy
and validation loss after every epoch.
"""
import time
from typing import NamedTuple

import pandas as pd

from ..computing.model import theta0 as make_theta0
from ..computing.prune import kept
from ..computing.train import train_many
from ..computing.validate import as_int
from .arms import RoundInputs, active_arms
from .store import Experiment, StoredResultError, check_table, seconds_tensor

COLUMNS = {"seed": "int", "round": "int", "arm": "str", "draw": "int", "kept": "int",
           "test_acc": "fraction", "val_acc": "fraction", "history": "list",
           "val_history": "list", "val_loss_history": "list"}


class TicketRuns(NamedTuple):
    """One row per network trained at a target: its arm, accuracies and per-epoch curves."""
    config: object
    runs: pd.DataFrame
    seconds: float
    data: str


def long_arms(cfg):
    """The arms trained at the targets: long_run ones, IMP only under cfg's schedule."""
    return [a for a in active_arms(cfg) if a.long_run and a.prunes in (None, cfg.schedule)]


class TicketExperiment(Experiment):
    """cfg.control_epochs of training at each (seed, round) target of a lottery, for every long arm."""
    kind = "tickets"

    def __init__(self, lottery, targets):
        if not callable(getattr(lottery, "result", None)) or not callable(getattr(lottery, "digest", None)):
            raise ValueError("lottery must be the lottery experiment, not its result, e.g. "
                             "TicketExperiment(LotteryExperiment(cfg, data), targets); "
                             f"got {type(lottery).__name__}")
        super().__init__(lottery.cfg, lottery.data)
        self.lottery = lottery
        self.targets = check_targets(targets, self.cfg)

    def settings(self):
        """The lottery it reads, the targets, the longer training and the arms."""
        return {"lottery": self.lottery.digest(), "targets": [list(t) for t in self.targets],
                "control_epochs": self.cfg.control_epochs,
                "arms": [(a.name, a.seed_tag) for a in long_arms(self.cfg)]}

    def callables(self):
        """Each long arm's builder: the arms' own code is part of the key."""
        return [a.members for a in long_arms(self.cfg)]

    def compute(self, progress=True):
        """Build every target's networks from the lottery's masks and train them."""
        cfg, start = self.cfg, time.perf_counter()
        lot = self.lottery.result(reuse=True, progress=progress)  # the parent as stored
        members = []
        for seed, r in self.targets:
            inputs = RoundInputs(cfg, seed, r, make_theta0(seed, cfg.hidden),
                                 {cfg.schedule: lot.masks[(seed, r)]}, lot.states[(seed, 0)])
            members += [(r, m) for a in long_arms(cfg) for m in a.built(inputs)]
        if not members:
            return TicketRuns(cfg, pd.DataFrame(columns=list(COLUMNS)), 0.0, self.data.label)
        runs = train_many([m.theta0 for _, m in members], self.data, cfg,
                          masks=[m.masks for _, m in members], data_seeds=[m.seed for _, m in members],
                          epochs=cfg.control_epochs, progress=progress,
                          desc=f"{len(members)} networks at the tickets, epochs")
        table = pd.DataFrame([{"seed": m.seed, "round": r, "arm": m.arm, "draw": m.draw,
                               "kept": kept(m.masks), "test_acc": run.test_acc, "val_acc": run.val_acc,
                               "history": run.history, "val_history": run.val_history,
                               "val_loss_history": run.val_loss_history}
                              for (r, m), run in zip(members, runs)])
        return TicketRuns(cfg, table, time.perf_counter() - start, self.data.label)

    def encode(self, result):
        """The runs table."""
        return {"seconds": seconds_tensor(result.seconds)}, {"runs": result.runs}

    def decode(self, tensors, tables):
        """The runs, after checking their columns, targets and curve lengths."""
        cfg = self.cfg
        per_target = sum(cfg.reinits if a.name == "re-init" else 1 for a in long_arms(cfg))
        runs = check_table(tables.get("runs"), COLUMNS, "runs", rows=len(self.targets) * per_target)
        if set(zip(runs.seed, runs["round"])) != set(self.targets) and len(runs):
            raise StoredResultError("its runs are not at the targets asked for")
        if len(runs) and not runs.history.map(len).eq(cfg.control_epochs).all():
            raise StoredResultError(f"its curves do not have {cfg.control_epochs} epochs")
        return TicketRuns(cfg, runs, tensors["seconds"].item(), self.data.label)


def check_targets(targets, cfg):
    """(seed, round) pairs, sorted and distinct, each a seed and round the lottery runs."""
    if isinstance(targets, dict):
        targets = [(s, r) for s, rounds in targets.items() for r in rounds]
    try:
        pairs = sorted({(as_int(s, "a target's seed"), as_int(r, "a target's round", minimum=0))
                        for s, r in targets})
    except (TypeError, ValueError) as err:
        raise ValueError(f"targets must be (seed, round) pairs, e.g. [(0, 11), (1, 11)], or "
                         f"{{seed: [rounds]}}; {err}") from None
    bad = [(s, r) for s, r in pairs if s not in cfg.seeds or r > cfg.rounds]
    if bad:
        raise ValueError(f"targets {bad} are not in the lottery: its seeds are {list(cfg.seeds)} "
                         f"and its rounds 0-{cfg.rounds}")
    return pairs
