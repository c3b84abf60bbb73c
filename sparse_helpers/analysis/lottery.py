"""Notebook 04's findings: tickets by three rules, IMP against every arm, collapses, 4x training.

Every comparison between arms is paired within a seed (same θ₀ where the design says so, same
data order) and averaged over one window of rounds, the same for every seed, so that a
seed with an early ticket is not averaged over fewer, denser rounds than the others.
"""
import math
import warnings
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats as sps

from ..computing.validate import as_fraction
from ..experiments.lottery import Lottery
from ..experiments.arms import ARMS, active_arms, imp_arm, is_dense_copy, main_arm
from ..experiments.tickets import COLUMNS as RUN_COLUMNS, TicketRuns
from .arm_styles import style_of
from .checks import check_from_lottery, check_result, check_same_data, check_same_source, check_table
from .claims import IMP_DEFAULTS, Claim
from .stats import PairedTest, chance_level, collapsed, paired_test, t_p

# The window every gap is averaged over: from 30% of the weights remaining down to the size of
# the post's ticket (8.6%): rounds 6-11 at 20% a round. Chosen in 0e87e0d, after the gaps of seeds
# 0-4 and 100-102 had been seen (earlier claims averaged from 30% down to each seed's ticket); see
# docs/claims-register.md.
WINDOW = (0.30, 0.08)
# "Moderate sparsity", where the paper's fully connected tickets beat the dense network: 51% to
# 21% of the weights remaining (rounds 3-7 at 20% a round).
MODERATE = (0.52, 0.20)
POST_ROUND = 11          # 0.8^11 of 6,344 weights leaves the post's 544


def label(arm_name):
    """The label an arm is shown under (see arm_styles.py)."""
    return style_of(arm_name).label


def arms_table(cfg):
    """The registered arms as a table: what each trains at a round, and how it is drawn."""
    return pd.DataFrame([{"arm": a.name, "label": label(a.name),
                          "what it trains": (getattr(a.members, "func", a.members).__doc__ or "").strip().split("\n")[0],
                          "its random draws' seed tag": a.seed_tag if a.seed_tag is not None else "–",
                          "at round 0": "the dense network (not retrained)" if a.dense_at_round0 or (
                              a.prunes and a.prunes != cfg.schedule) else "trained",
                          "also trained 4x": "yes" if a.long_run and a.prunes in (None, cfg.schedule) else "no"}
                         for a in active_arms(cfg)]).set_index("arm")


def rows_of(lot, arm):
    """The rows of one arm of a lottery table."""
    return lot.rounds[lot.rounds.arm == arm]


class ArmCurve(NamedTuple):
    """One arm's value per seed and round, with the share of weights remaining at each round."""
    remaining: np.ndarray     # per round, the arm's mean share of weights remaining
    values: np.ndarray        # seeds x rounds, draws averaged per seed (nan: no network there)


def per_seed(lot, value, drop_collapsed=False, chance=None):
    """{arm: ArmCurve of value}, draws averaged per seed.

    drop_collapsed: leave out networks that learned nothing (see stats.collapsed) before
    averaging (chance: the validation split's chance level); a seed whose every draw collapsed
    at a round gets nan there, and an arm whose every network collapsed is all nan.
    """
    check_result(lot, Lottery, "lot", "LotteryExperiment(cfg, data).result()")
    if drop_collapsed and chance is None:
        raise ValueError("per_seed(drop_collapsed=True) needs chance, the validation split's chance level, "
                         "e.g. chance=sh.stats.chance_level(data.val_y)")
    t = lot.rounds
    if drop_collapsed:
        t = t[~collapsed(t.val_acc, chance)]
    out = {}
    for arm in [a.name for a in active_arms(lot.config)]:
        g = t[t.arm == arm]
        if (lot.rounds.arm != arm).all():
            continue
        grid = g.groupby(["seed", "round"])[value].mean().unstack("round") if len(g) else pd.DataFrame()
        grid = grid.reindex(index=list(lot.config.seeds), columns=range(lot.config.rounds + 1)).astype(float)
        remaining = lot.rounds[lot.rounds.arm == arm].groupby("round").remaining.mean()
        out[arm] = ArmCurve(remaining.reindex(range(lot.config.rounds + 1)).to_numpy(), grid.to_numpy())
    return out


def window_rounds(remaining, window):
    """The rounds whose share of weights remaining lies within window (high, low)."""
    high, low = window
    return [r for r, x in enumerate(remaining) if low - 1e-9 <= x <= high + 1e-9]


def gap(curves, a, b, rounds):
    """Per seed: curve a minus curve b, averaged over the given rounds (nan where b is nan)."""
    ya, yb = curves[a].values[:, rounds], curves[b].values[:, rounds]
    if not len(rounds):
        return np.full(len(ya), np.nan)
    with warnings.catch_warnings():  # a seed with no round left (every network collapsed) gets nan
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(ya - yb, axis=1)


def summary(lot, value="test_acc"):
    """Mean of value over seeds (and draws) per round and arm, in percent, with IMP's weights remaining."""
    curves = per_seed(lot, value)
    main = main_arm(lot.config)
    table = pd.DataFrame({label(a): 100 * np.nanmean(c.values, 0) for a, c in curves.items()})
    table.insert(0, "remaining %", 100 * curves[main].remaining)
    table.index.name = "round"
    return table


def pick_tickets(lot, threshold=None, tolerance=None):
    """Each seed's ticket by three rules, all on validation accuracy at the end of a round.

    post: the last round before the first below threshold; sparsest: the last round at or above
    threshold; paper: the last round within tolerance of the seed's dense network (tolerance:
    the sd of the dense networks' validation accuracy over seeds, unless given).
    """
    if tolerance is not None and (isinstance(tolerance, (bool, np.bool_)) or not isinstance(tolerance, (int, float))
                                  or not 0 <= tolerance < 1):
        raise ValueError(f"tolerance must be a fraction of accuracy in [0, 1), e.g. 0.005 for half a point; "
                         f"got {tolerance!r}")
    check_result(lot, Lottery, "lot", "LotteryExperiment(cfg, data).result()")
    cfg = lot.config
    threshold = as_fraction(cfg.threshold if threshold is None else threshold, "threshold",
                            high_open=False, example=0.8)
    imp = rows_of(lot, main_arm(cfg)).sort_values("round")
    dense = imp[imp["round"] == 0].set_index("seed").val_acc
    if tolerance is None:
        tolerance = float(dense.std(ddof=1)) if len(dense) > 1 else 0.0
    out = []
    for seed, g in imp.groupby("seed", sort=False):
        ok = (g.val_acc >= threshold).tolist()
        first_fail = ok.index(False) if False in ok else len(ok)
        match = (g.val_acc >= dense[seed] - tolerance).tolist()
        for rule, i in (("post", first_fail - 1),
                        ("sparsest", max((j for j, good in enumerate(ok) if good), default=-1)),
                        ("paper", max((j for j, good in enumerate(match) if good), default=-1))):
            r = g.iloc[i] if i >= 0 else None
            out.append({"seed": int(seed), "rule": rule,
                        "round": None if r is None else int(r["round"]),
                        **{c: (None if r is None else r[c]) for c in ("kept", "sparsity", "val_acc", "test_acc")}})
    return pd.DataFrame(out), tolerance


def ticket_table(tickets):
    """The tickets as a reader wants them: one row per seed and rule, counts whole, shares in %."""
    t = tickets.dropna(subset=["round"]).copy()
    t["round"], t["kept"] = t["round"].astype(int), t["kept"].astype(int)
    for c in ("sparsity", "val_acc", "test_acc"):
        t[c] = (100 * t[c].astype(float)).round(1)
    return t.rename(columns={"sparsity": "sparsity %", "val_acc": "validation %",
                             "test_acc": "test %"}).set_index(["seed", "rule"])


def rule_spans(tickets):
    """Per rule: the lowest, highest and median sparsity (%) of the seeds' tickets (pick_tickets' rows)."""
    t = tickets.dropna(subset=["round"])
    return 100 * t.assign(sparsity=t.sparsity.astype(float)).groupby("rule").sparsity.agg(["min", "max", "median"])


class TicketsOnTest(NamedTuple):
    """How a rule's tickets, picked on validation accuracy, do on the test set."""
    reached: int              # tickets at or above the threshold on test
    tickets: int              # seeds with a ticket by the rule
    lowest: float             # the lowest ticket's test accuracy (a fraction; nan without tickets)


def tickets_on_test(tickets, threshold, rule="post"):
    """TicketsOnTest of one rule's tickets (pick_tickets' rows) at threshold (a fraction)."""
    t = tickets[tickets.rule == rule].dropna(subset=["round"])
    return TicketsOnTest(int((t.test_acc >= threshold).sum()), len(t),
                         float(t.test_acc.min()) if len(t) else math.nan)


def last_round_above(curve, threshold):
    """The last round whose mean over seeds (of an ArmCurve) is at or above threshold; 0 if none is."""
    return max((r for r in range(curve.values.shape[1]) if np.nanmean(curve.values[:, r]) >= threshold), default=0)


def window_means(f, arm):
    """An arm's mean over seeds of test accuracy at early stop (%) at each round of the window."""
    return 100 * np.nanmean(f.curves[arm].values[:, list(f.window)], 0)


def first_round_at_least(per_round, value):
    """The first round whose value (a Series indexed by round) is at least value, or None."""
    hit = per_round[per_round >= value]
    return int(hit.index.min()) if len(hit) else None


def collapse_counts(lot, chance):
    """Networks that learned nothing, per arm and round (only rounds where some did), with how
    many of them had a unit cut off by their mask."""
    t = lot.rounds.assign(collapsed=collapsed(lot.rounds.val_acc, chance))
    # Only networks trained: an arm's round 0 that is the dense network again is a copy of IMP's row.
    copy = [is_dense_copy(ARMS[a], lot.config, r) if a in ARMS else False for a, r in zip(t.arm, t["round"])]
    t = t[~np.array(copy, dtype=bool)]
    c = t[t.collapsed]
    counts = c.groupby(["arm", "round"]).size().unstack("round", fill_value=0) if len(c) else pd.DataFrame()
    per_arm = t.groupby("arm", sort=False).agg(networks=("collapsed", "size"), collapsed=("collapsed", "sum"))
    per_arm["with no dead unit in the mask"] = c[c["dead units"] == 0].groupby("arm").size().reindex(
        per_arm.index, fill_value=0)
    return counts, per_arm


@dataclass(frozen=True)
class GapFindings:
    """IMP against one arm over the window, per seed, with and without collapsed networks."""
    arm: str
    test: PairedTest
    without_collapsed: PairedTest


def arm_gaps(lot, curves, clean, rounds):
    """GapFindings of the main IMP arm against every other arm, over the given rounds."""
    main = main_arm(lot.config)
    return {a: GapFindings(arm=a, test=paired_test(100 * gap(curves, main, a, rounds)),
                           without_collapsed=paired_test(100 * gap(clean, main, a, rounds)))
            for a in curves if a != main}


@dataclass(frozen=True)
class EarlyStopFindings:
    """When networks reach their lowest validation loss, and how finely that was measured."""
    total_steps: int          # optimizer steps in one training run
    resolution: int           # steps between two validation checks
    median_late: float        # median early-stop step while 21% or more of the weights remain
    imp_earlier: PairedTest   # re-init minus IMP early-stop step over the window, per seed


def early_stop_findings(lot, steps_per_epoch, rounds):
    """EarlyStopFindings of a lottery whose runs had steps_per_epoch steps an epoch."""
    cfg, main = lot.config, main_arm(lot.config)
    steps = per_seed(lot, "early_step")
    upper = steps[main].remaining >= 0.21 - 1e-9
    arms = [a for a in (main, "re-init", "random mask") if a in steps]
    late = np.nanmedian(np.concatenate([steps[a].values[:, upper].ravel() for a in arms]))
    faster = paired_test(gap(steps, "re-init", main, rounds)) if "re-init" in steps else paired_test([])
    return EarlyStopFindings(total_steps=cfg.epochs * steps_per_epoch,
                             resolution=int(np.ceil(steps_per_epoch / cfg.checks_per_epoch)),
                             median_late=float(late), imp_earlier=faster)


class Reached(NamedTuple):
    """How many of an arm's networks reached the threshold on the test set."""
    reached: int
    networks: int


@dataclass(frozen=True)
class LongRunFindings:
    """The post's 4x control at one kind of target (the post's size, or each seed's ticket)."""
    target: str               # "the post's size (round 11)" or "each seed's ticket"
    rounds: dict              # seed -> round trained at
    final: pd.DataFrame       # per arm: mean, median, min and max final test accuracy (%)
    reached: dict             # arm -> Reached: networks reaching the threshold on test, of how many
    collapsed: dict           # arm -> networks that learned nothing
    ticket_vs_reinit: PairedTest            # per seed, ticket minus mean re-init, points
    ticket_vs_reinit_clean: PairedTest      # the same without collapsed networks
    min_loss_epoch: pd.DataFrame            # per arm, the epoch of lowest validation loss (median)
    reinit_later: PairedTest                # per seed, re-init minus ticket min-loss epoch
    speed: "SpeedFindings" = None           # time to the speed threshold, tickets against controls


# Learning speed (exploratory, new): the epoch at which a network's validation accuracy first reaches
# this fraction of its seed's dense network's validation accuracy (10 epochs, round 0). Stated here
# before the comparison was computed; a network that never reaches it in the run is censored.
SPEED_FRACTION = 0.95


@dataclass(frozen=True)
class SpeedFindings:
    """Epochs to the speed threshold in the 4x runs, tickets against each control, paired by seed."""
    fraction: float           # SPEED_FRACTION
    thresholds: dict          # seed -> threshold (a fraction)
    epochs: pd.DataFrame      # per network: seed, arm, epoch reached (nan: never, censored)
    table: pd.DataFrame       # per arm: networks, never reaching it, median epoch (censored ones last)
    scores: dict              # control arm -> PairedTest of the per-seed score (ticket faster minus slower)
    total_epochs: int


def epochs_to(history, threshold):
    """The first epoch (1-based) whose accuracy reaches threshold; nan if none does (censored)."""
    h = np.asarray(history, dtype=float)
    hit = np.flatnonzero(h >= threshold)
    return float(hit[0] + 1) if len(hit) else math.nan


def censored_median(epochs, total):
    """The median epoch with never-reaching networks counted as later than the last epoch (inf if
    half of them or more never reach it)."""
    e = np.where(np.isnan(epochs), np.inf, epochs)
    return float(np.median(e)) if len(e) else math.nan


def speed_score(ticket, controls):
    """Gehan's score of one ticket against its seed's controls: the share of controls it reaches the
    threshold before, minus the share that reach it first (a never-reaching network is later than every
    epoch; two that never reach it tie). Between -1 and 1; nan without a ticket time or controls."""
    if len(controls) == 0:
        return math.nan
    t = np.inf if math.isnan(ticket) else ticket
    c = np.where(np.isnan(np.asarray(controls, dtype=float)), np.inf, controls)
    with np.errstate(invalid="ignore"):
        signs = np.where(np.isinf(c) & np.isinf(t), 0.0, np.sign(c - t))  # both never: a tie
    return float(np.mean(signs))


def seed_scores(epochs, main, arm):
    """{seed: speed_score of its main-arm network against its networks of arm} for every seed with a
    main-arm network (nan where it has none of arm), from an epochs table (seed, arm, epoch)."""
    out = {}
    for seed, g in epochs.groupby("seed"):
        ticket = g[g.arm == main].epoch.to_numpy()
        if len(ticket):
            out[int(seed)] = speed_score(ticket[0], g[g.arm == arm].epoch.to_numpy())
    return out


def speed_findings(t, dense_val, main, total):
    """SpeedFindings of the ticket runs t (with val_history) at one kind of target."""
    thresholds = {int(s): SPEED_FRACTION * float(dense_val[s]) for s in t.seed.unique() if s in dense_val}
    t = t[t.seed.isin(list(thresholds))]
    epochs = pd.DataFrame({"seed": t.seed.astype(int), "arm": t.arm,
                           "epoch": [epochs_to(h, thresholds[int(s)]) for h, s in zip(t.val_history, t.seed)]})
    table = epochs.groupby("arm", sort=False).epoch.agg(
        networks="size", never=lambda e: int(e.isna().sum()),
        median=lambda e: censored_median(e.to_numpy(), total))
    scores = {arm: paired_test(list(seed_scores(epochs, main, arm).values()))
              for arm in epochs.arm.unique() if arm != main}
    return SpeedFindings(fraction=SPEED_FRACTION, thresholds=thresholds, epochs=epochs, table=table, scores=scores,
                         total_epochs=total)


def long_run_findings(runs, target, threshold, chance, main, dense_val=None):
    """LongRunFindings of the ticket runs at one kind of target; main is the ticket's arm; dense_val:
    seed -> the dense network's validation accuracy, for the learning-speed threshold."""
    t = runs.assign(final=100 * runs.test_acc, dead=collapsed(runs.val_acc, chance),
                    best_epoch=runs.val_loss_history.map(lambda h: int(np.argmin(h)) + 1 if len(h) else np.nan))
    final = t.groupby("arm", sort=False).final.agg(["mean", "median", "min", "max"])
    reached = {a: Reached(int((g.test_acc >= threshold).sum()), len(g)) for a, g in t.groupby("arm", sort=False)}
    per = t.groupby(["seed", "arm"]).final.mean().unstack("arm")
    clean = t[~t.dead].groupby(["seed", "arm"]).final.mean().unstack("arm")
    best = t.groupby(["seed", "arm"]).best_epoch.mean().unstack("arm")
    diff = lambda tab, a, b: (tab[a] - tab[b]) if {a, b} <= set(tab) else []  # noqa: E731
    return LongRunFindings(
        target=target, rounds=t.groupby("seed")["round"].first().to_dict(), final=final, reached=reached,
        collapsed=t.groupby("arm", sort=False).dead.sum().astype(int).to_dict(),
        ticket_vs_reinit=paired_test(diff(per, main, "re-init")),
        ticket_vs_reinit_clean=paired_test(diff(clean, main, "re-init")),
        min_loss_epoch=t.groupby("arm", sort=False).best_epoch.median().to_frame("median epoch"),
        reinit_later=paired_test(diff(best, "re-init", main)),
        speed=speed_findings(t, dense_val or {}, main, int(runs.val_history.map(len).max()))
        if len(t) and "val_history" in t else None)


@dataclass(frozen=True)
class LotteryFindings:
    """What notebook 04 says (accuracies in percent unless named a fraction)."""
    kept_by_round: list       # the main IMP arm's weights kept per round (first seed)
    summary: pd.DataFrame     # mean test accuracy per round and arm
    tickets: pd.DataFrame     # pick_tickets' rows
    ticket_view: pd.DataFrame
    tolerance: float          # the paper rule's tolerance (a fraction)
    rules_differ: int         # seeds where the post's and the sparsest rule disagree
    chance: float             # the validation split's most common class share
    dense_val: float          # the dense networks' mean validation accuracy (a fraction)
    collapses: pd.DataFrame   # collapsed networks per arm and round
    collapse_totals: pd.DataFrame
    window: list              # the rounds every gap is averaged over
    curves: dict              # per_seed of early-stop test accuracy
    gaps: dict                # arm -> GapFindings over the window
    versus_dense: PairedTest  # IMP minus the dense network at moderate sparsity, per seed
    moderate: list            # the moderate rounds
    early: EarlyStopFindings
    long: list                # LongRunFindings at the post's size and at the tickets
    dead_layerwise: pd.Series  # mean dead units per round in the layer-wise chain
    claims: list
    clean_curves: dict = None  # per_seed of early-stop test accuracy, collapsed networks left out
    round_speed: dict = None  # round -> SpeedFindings of the 10-epoch networks (None: not stored)


def checked_runs(runs, lot):
    """The table of the ticket runs (a TicketRuns result, or an empty table), after checking that
    they come from this lottery and its data."""
    if isinstance(runs, TicketRuns):
        check_same_source("the ticket runs", runs, "the lottery", lot)
        runs = runs.runs
    elif isinstance(runs, pd.DataFrame) and len(runs):
        raise ValueError("runs must be the TicketRuns result itself (TicketExperiment(lottery, targets).result()), "
                         "not its table: pass the TicketRuns result itself, so that its data and lottery can be "
                         "checked against these; a bare table may come from another lottery")
    used = RUN_COLUMNS if isinstance(runs, pd.DataFrame) and len(runs) else {
        c: RUN_COLUMNS[c] for c in ("seed", "round", "arm")}  # an empty table needs only these
    check_table(runs, used, "runs", "TicketExperiment(lottery, targets).result().runs", empty_ok=True)
    check_from_lottery("runs", runs, lot)
    return runs


def lottery_findings(lot, runs, data):
    """The findings of notebook 04 from the lottery and the 4x runs at its targets (the TicketRuns
    result) on the data the lottery was trained on."""
    check_result(lot, Lottery, "lot", "LotteryExperiment(cfg, data).result()")
    check_same_data(data, "the lottery", lot)
    runs = checked_runs(runs, lot)
    cfg, main = lot.config, main_arm(lot.config)
    steps_per_epoch = math.ceil(len(data.train_x) / cfg.batch_size)
    chance = chance_level(data.val_y)
    curves = per_seed(lot, "early_test_acc")
    clean = per_seed(lot, "early_test_acc", drop_collapsed=True, chance=chance)
    window = window_rounds(curves[main].remaining, WINDOW)
    moderate = window_rounds(curves[main].remaining, MODERATE)
    tickets, tolerance = pick_tickets(lot)
    rounds = tickets.pivot(index="seed", columns="rule", values="round")
    differ = int((rounds["post"].fillna(-1) != rounds["sparsest"].fillna(-1)).sum())
    dense = curves[main].values[:, [0]]
    versus_dense = paired_test(100 * np.nanmean(curves[main].values[:, moderate] - dense, axis=1)
                               if moderate else [])
    collapses, totals = collapse_counts(lot, chance)
    dense_val = rows_of(lot, main).query("round == 0").set_index("seed").val_acc.to_dict()
    long = [long_run_findings(at_rounds(runs, target), name, cfg.threshold, chance, main, dense_val)
            for name, target in long_run_views(tickets, cfg) if len(at_rounds(runs, target))]
    other = imp_arm("layerwise")
    dead = rows_of(lot, other).groupby("round")["dead units"].mean() if other in curves else pd.Series(dtype=float)
    findings = LotteryFindings(
        kept_by_round=rows_of(lot, main)[lambda t: t.seed == cfg.seeds[0]].sort_values("round").kept.tolist(),
        summary=summary(lot), tickets=tickets, ticket_view=ticket_table(tickets), tolerance=tolerance,
        rules_differ=differ, chance=chance, dense_val=float(rows_of(lot, main).query("round == 0").val_acc.mean()),
        collapses=collapses, collapse_totals=totals, window=window, curves=curves,
        gaps=arm_gaps(lot, curves, clean, window), versus_dense=versus_dense, moderate=moderate,
        early=early_stop_findings(lot, steps_per_epoch, window), long=long, dead_layerwise=dead, claims=[],
        clean_curves=clean, round_speed=speed_by_round(lot, main))
    return replace(findings, claims=lottery_claims(findings, cfg))


def speed_by_round(lot, main):
    """Learning speed at every pruned round of the 10-epoch runs: round -> SpeedFindings of IMP's
    networks against each control, with the threshold of the 4x runs; None where the lottery
    stored no per-epoch validation curves."""
    r = lot.rounds
    if "val_history" not in r or not len(r) or not r.val_history.map(len).gt(0).all():
        return None
    dense = r[(r["round"] == 0) & (r.arm == main)].set_index("seed").val_acc.to_dict()
    epochs = int(r.val_history.map(len).max())
    return {int(k): speed_findings(g, dense, main, epochs) for k, g in r[r["round"] > 0].groupby("round")}


def speed_table(f, arms):
    """Per pruned round: each arm's networks never reaching the speed threshold and its median epoch
    (inf: half or more never do), and the seeds whose IMP network reached it before each control's."""
    rows = []
    for r, sp in (f.round_speed or {}).items():
        row = {"round": r}
        for arm in [a for a in arms if a in sp.table.index]:
            row[f"{arm}: never reach it"] = f"{sp.table.loc[arm, 'never']} of {sp.table.loc[arm, 'networks']}"
            m = sp.table.loc[arm, "median"]
            row[f"{arm}: median epoch"] = "never" if m == math.inf else f"{m:.0f}"
        for arm, d in [(a, sp.scores[a]) for a in arms if a in sp.scores]:
            row[f"IMP first vs {arm} (seeds)"] = f"{int((np.asarray(d.differences) > 0).sum())} of {len(d.differences)}"
        rows.append(row)
    return pd.DataFrame(rows).set_index("round") if rows else pd.DataFrame()


def race_rounds(f, main, arm="re-init"):
    """Rounds where at most half of IMP's networks and of the arm's never reach the speed threshold:
    where the two arms' times, not whether they arrive at all, are compared. {round: (IMP, arm) medians}."""
    out = {}
    for r, sp in (f.round_speed or {}).items():
        t = sp.table
        if {main, arm} <= set(t.index) and all(t.loc[a, "never"] <= t.loc[a, "networks"] / 2 for a in (main, arm)):
            out[r] = (t.loc[main, "median"], t.loc[arm, "median"])
    return out


def race_sentence(f, main, arm="re-init"):
    """A sentence on the rounds where both arms mostly reach the threshold, or '' where none do."""
    races = race_rounds(f, main, arm)
    if not races:
        return ""
    rounds = list(races)
    which = (f"rounds {rounds[0]}-{rounds[-1]}" if rounds == list(range(rounds[0], rounds[-1] + 1))
             else "rounds " + ", ".join(map(str, rounds)))
    mine, theirs = [f"{a:.0f}" for a, _ in races.values()], ", ".join(f"{b:.0f}" for _, b in races.values())
    imp = f"{mine[0]} at each" if len(set(mine)) == 1 else ", ".join(mine)
    return (f"Where at most half of either arm's networks fail to reach it ({which}), the comparison is a race "
            f"between networks that arrive: IMP's median epoch is {imp}, the {label(arm)} networks' {theirs}. "
            "At the other rounds the score mostly counts networks that never arrive.")


def window_speed(f, main):
    """arm -> per-seed scores (IMP faster minus slower, see speed_score) averaged over the window."""
    if not f.round_speed or not f.window:
        return {}
    out = {}
    for arm in ("re-init", "random mask"):
        by_seed = {}
        for r in [r for r in f.window if r in f.round_speed]:
            for seed, score in seed_scores(f.round_speed[r].epochs, main, arm).items():
                if not math.isnan(score):
                    by_seed.setdefault(seed, []).append(score)
        if by_seed:
            out[arm] = np.array([np.mean(v) for _, v in sorted(by_seed.items())])
    return out


def long_run_views(tickets, cfg):
    """(name, {seed: round}) of the 4x comparisons: at the post's size, and at each seed's ticket."""
    post = tickets[tickets.rule == "post"].dropna(subset=["round"])
    views = [(f"the post's size (round {POST_ROUND})", {s: POST_ROUND for s in cfg.seeds})] \
        if POST_ROUND <= cfg.rounds else []
    return views + [("each seed's ticket", {int(s): int(r) for s, r in zip(post.seed, post["round"])})]


def long_run_targets(tickets, cfg):
    """Every (seed, round) the 4x comparisons need, for TicketExperiment."""
    return sorted({(s, r) for _, view in long_run_views(tickets, cfg) for s, r in view.items()})


def at_rounds(runs, target):
    """The rows of the ticket runs at {seed: round}."""
    keep = [(s, r) in target.items() for s, r in zip(runs.seed, runs["round"])]
    return runs[keep]


def lottery_claims(f, cfg):
    """The claims of notebook 04, each with its rule."""
    main, enough = main_arm(cfg), {"rounds": POST_ROUND}
    sparsest = f.tickets[f.tickets.rule == "sparsest"].sparsity.dropna().astype(float)
    claims = [Claim("the median seed's ticket (sparsest passing round) is at least 80% sparse",
                    "median over seeds of the sparsest round with validation >= threshold, >= 80% sparse",
                    len(sparsest) > 0 and float(np.median(sparsest)) >= 0.8,
                    f"median {100 * np.median(sparsest):.1f}%" if len(sparsest) else "no tickets",
                    needs=IMP_DEFAULTS, id="04.ticket-80-sparse")]
    claims += control_claims(f, enough)
    other = imp_arm("layerwise" if cfg.schedule == "global" else "global")
    if other in f.gaps:
        g = f.gaps[other].test
        # The 10-point margin was chosen after seeing the data; never-seen seeds 200-202 gave a lower
        # end of 9.8, so the margin is reported and the sign is what is required.
        claims.append(Claim("global IMP is ahead of the layer-wise schedule over the window",
                            "the 95% t-interval of the per-seed gap lies above 0",
                            g.interval.low > 0, g.interval.text(), required=True, needs=IMP_DEFAULTS,
                            at_least=enough, id="04.global-ahead-of-layerwise", p=g.t_p))
        claims.append(Claim("global IMP is more than 10 points ahead of the layer-wise schedule over the window",
                            "the 95% t-interval of the per-seed gap lies above 10 points",
                            g.interval.low > 10, g.interval.text(), required=False, needs=IMP_DEFAULTS, at_least=enough,
                            id="04.global-10-ahead-of-layerwise", p=t_p(g.interval, 10)))
    claims += first_round_bounds(f, main)
    claims.append(Claim("tickets at moderate sparsity (21-51% of the weights) beat the dense network",
                        "the 95% t-interval of IMP minus dense, averaged over those rounds, lies above 0",
                        f.versus_dense.interval.low > 0, f.versus_dense.interval.text(),
                        required=False, needs=IMP_DEFAULTS, at_least={"rounds": 7}, id="04.beats-dense-moderate", p=f.versus_dense.t_p))
    e = f.early
    claims.append(Claim("down to 21% of the weights, the median early stop comes after 80% of training",
                        "median early-stop step of IMP, re-init and random-mask networks >= 0.8 x steps",
                        e.median_late >= 0.8 * e.total_steps, f"median step {e.median_late:.0f} of {e.total_steps}",
                        needs=IMP_DEFAULTS, id="04.early-stop-late"))
    return claims + long_claims(f, cfg, enough) + window_speed_claims(f, cfg, enough)


def long_claims(f, cfg, enough):
    """The claims of the 4x runs: tickets against re-inits, and (exploratory) learning speed."""
    claims = []
    for run in f.long:
        key = "post-size" if run.target.startswith("the post's size") else "own-ticket"
        t = run.ticket_vs_reinit_clean
        claims.append(Claim(f"with {cfg.control_epochs} epochs at {run.target}, tickets beat their "
                            "re-initialisations (networks that learned nothing left out)",
                            "the 95% t-interval of ticket minus mean re-init, per seed, lies above 0",
                            t.interval.low > 0, t.interval.text(), required=False,
                            needs=IMP_DEFAULTS + ("control_epochs",), at_least=enough, id=f"04.long-beats-reinit-{key}", p=t.t_p))
        if key == "post-size" and run.speed is not None:
            claims += speed_claims(run, cfg, enough)
    return claims


SPEED_RULE = ("per seed, the share of {arms} the ticket reaches the speed threshold (95% of the seed's dense "
              "validation accuracy) before, minus the share that reach it first (never reaching it counts as "
              "slower than any epoch); the exact one-sided sign test over seeds (tickets faster) gives p < 0.05")


def sign_test(scores):
    """(seeds whose score is above 0, the exact one-sided sign test's p that scores lean above 0); ties
    (a score of 0) are left out. With 5 seeds, 5 of 5 gives p = 1/32."""
    d = np.asarray(scores, dtype=float)
    d = d[~np.isnan(d) & (d != 0)]
    ahead = int((d > 0).sum())
    if not len(d):
        return ahead, math.nan
    return ahead, float(sps.binomtest(ahead, len(d), 0.5, alternative="greater").pvalue)


def speed_claims(run, cfg, enough):
    """Exploratory: in the 4x runs at the post's size, tickets reach the speed threshold first."""
    out = []
    for arm, arms in (("re-init", "re-initialisations"), ("random mask", "random masks")):
        if arm not in run.speed.scores:
            continue
        d, tab = run.speed.scores[arm], run.speed.table
        never = f"{tab.loc[arm, 'never']} of {tab.loc[arm, 'networks']} never reach it" if arm in tab.index else ""
        ahead, p = sign_test(d.differences)
        out.append(Claim(f"with {cfg.control_epochs} epochs at {run.target}, tickets reach "
                         f"{100 * SPEED_FRACTION:.0f}% of their dense network's validation accuracy before "
                         f"{arms} do (exploratory)",
                         SPEED_RULE.format(arms=arms), p < 0.05 if not math.isnan(p) else math.nan,
                         f"mean score {d.interval.mean:.2f}, ticket first in {ahead} of {len(d.differences)} "
                         f"seeds; {never}", required=False, needs=IMP_DEFAULTS + ("control_epochs",),
                         at_least=enough, id=f"04.faster-than-{slug(arm)}", p=p))
    return out


WINDOW_SPEED_RULE = ("per seed, the score of the speed claims at each round of the window, averaged over the "
                     "window; the exact one-sided sign test over seeds (IMP faster) gives p < 0.05")


def window_speed_claims(f, cfg, enough):
    """Exploratory: over the window's 10-epoch rounds, IMP's networks reach the speed threshold
    before the same round's re-initialisations and random masks do."""
    out = []
    for arm, scores in window_speed(f, main_arm(cfg)).items():
        ahead, p = sign_test(scores)
        out.append(Claim(f"over the window, IMP's networks reach {100 * SPEED_FRACTION:.0f}% of their dense "
                         f"network's validation accuracy within {cfg.epochs} epochs before the {arm} networks "
                         "of the same round do (exploratory)", WINDOW_SPEED_RULE,
                         p < 0.05 if not math.isnan(p) else math.nan,
                         f"mean score {np.mean(scores):.2f}, IMP first in {ahead} of {len(scores)} seeds",
                         required=False, needs=IMP_DEFAULTS, at_least=enough, id=f"04.faster-window-{slug(arm)}", p=p))
    return out


def slug(arm):
    """'random-mask' for 'random mask', 'reinit' for 're-init': an arm's part of a claim id."""
    return arm.replace("re-init", "reinit").replace(" ", "-")


def control_claims(f, enough):
    """IMP against each control over the window: ahead (an interval), and not absurdly so (a bound)."""
    claims = []
    for arm, required in (("re-init", True), ("random mask", True), ("one-shot", False)):
        if arm not in f.gaps:
            continue
        g, clean = f.gaps[arm].test, f.gaps[arm].without_collapsed
        # Collapsed networks are counted as their own finding (collapse_counts), not averaged in: one
        # collapsed control makes the gap huge and its interval useless at n = 3 (seeds 100-102 showed it).
        claims.append(Claim(f"over the window, IMP is ahead of {label(arm)} (networks that learned nothing "
                            "left out and counted apart)",
                            "the 95% t-interval of the per-seed mean gap (IMP minus the arm, test accuracy "
                            "at early stop, collapsed networks left out) lies above 0", clean.interval.low > 0,
                            f"{clean.interval.text()}; with every network {g.interval.text()}",
                            required=required, needs=IMP_DEFAULTS, at_least=enough, id=f"04.ahead-of-{slug(arm)}", p=clean.t_p))
        claims.append(Claim(f"{label(arm)} trails IMP by less than 15 points over the window "
                            "(a sanity bound: a broken control would trail by far more)",
                            "the mean per-seed gap is below 15 points", g.interval.mean < 15,
                            g.interval.text(), required=True, needs=IMP_DEFAULTS, at_least=enough, id=f"04.{slug(arm)}-within-15"))
    return claims


def first_round_bounds(f, main):
    """Two-sided sanity bounds: at the first pruning round every control trains like IMP.

    (One-shot pruning is left out: at round 1 it keeps exactly IMP's weights, by construction.)
    """
    out = []
    for arm in ("re-init", "random mask"):
        if arm not in f.curves or len(f.curves[main].remaining) < 2:
            continue
        d = paired_test(100 * (f.curves[arm].values[:, 1] - f.curves[main].values[:, 1]))
        # A sanity bound, reported only: its 1.5-point margin was chosen after seeing the data, and
        # never-seen seeds 200-202 gave -1.5 points (95% interval -7.2 to 4.2) for random masks.
        out.append(Claim(f"with 80% of the weights left, {label(arm)} trains within 1.5 points of IMP",
                         "|mean over seeds of (arm minus IMP) at round 1| <= 1.5 points",
                         abs(d.interval.mean) <= 1.5, d.interval.text(), required=False, needs=IMP_DEFAULTS,
                         id=f"04.{slug(arm)}-round-1"))
    return out


def gap_table(gaps):
    """IMP's lead over each arm across the window, per seed averaged, as a table (points)."""
    if not isinstance(gaps, dict) or not all(isinstance(g, GapFindings) for g in gaps.values()):
        raise ValueError(f"gaps must be the findings' gaps, {{arm: GapFindings}} (lottery_findings(...).gaps); "
                         f"got {type(gaps).__name__}")
    rows = []
    for arm, g in gaps.items():
        t, c = g.test, g.without_collapsed
        rows.append({"IMP ahead of": label(arm), "mean": t.interval.mean, "95% low": t.interval.low,
                     "95% high": t.interval.high, "lowest seed": np.min(t.differences) if len(t.differences) else np.nan,
                     "paired t p": t.t_p, "signed-rank p": t.wilcoxon_p,
                     "mean, collapsed runs left out": c.interval.mean})
    columns = ["IMP ahead of", "mean", "95% low", "95% high", "lowest seed", "paired t p", "signed-rank p",
               "mean, collapsed runs left out"]
    return pd.DataFrame(rows, columns=columns).set_index("IMP ahead of")


def level_table(curves, shares=(0.21, 0.107, 0.055, 0.018)):
    """Mean and median (over seeds) test accuracy at early stop of every arm at a few levels (%)."""
    main = next(iter(curves))
    x = curves[main].remaining
    cols = {}
    for share in shares:
        if np.nanmin(x) > share + 1e-3:
            continue
        i = int(np.nanargmin(np.abs(x - share)))
        cols[f"{100 * x[i]:.1f}% left, mean"] = {label(a): 100 * np.nanmean(c.values[:, i]) for a, c in curves.items()}
        cols[f"{100 * x[i]:.1f}% left, median"] = {label(a): 100 * np.nanmedian(c.values[:, i]) for a, c in curves.items()}
    return pd.DataFrame(cols)


def early_stop_figure(f, lot, main):
    """Notebook 04's figure of the early-stop iteration against the weights remaining, for IMP,
    its re-initialisations and its random masks, titled by when the median stop comes."""
    e = f.early
    late = 100 * e.median_late / e.total_steps
    title = (f"The lowest validation loss comes late: median at {late:.0f}% of training"
             if e.median_late >= 0.8 * e.total_steps else f"The median early stop comes at {late:.0f}% of training")
    from . import plots  # loaded by the figures only: the package's import loads no plotting library
    curves = plots.arm_curves(per_seed(lot, "early_step"), [main, "re-init", "random mask"])
    return plots.remaining_plot(curves, "early-stop iteration (minibatch steps)", percent_y=False,
                                ylim=(0, e.total_steps * 1.08), title=title,
                                ceiling=(e.total_steps, f"end of training ({e.total_steps:,} steps)"))


def schedules_figure(f, main, network):
    """Notebook 04's figure of IMP under both schedules (test accuracy at early stop), titled by
    the main schedule's lead over the other across the window; network names the architecture."""
    other = [a for a in f.curves if a.startswith("IMP") and a != main]
    gap = f.gaps[other[0]].test if other else None
    title = "IMP under both schedules"
    if gap is not None and len(gap.differences):
        name = lambda arm: arm.split()[1].replace("layerwise", "layer-wise")  # noqa: E731
        verb = "leads" if gap.interval.mean > 0 else "trails"
        title = (f"In a {network} network, {name(main)} IMP {verb} {name(other[0])} IMP by "
                 f"{abs(gap.interval.mean):.0f} points across the window")
    from . import plots
    return plots.remaining_plot(plots.arm_curves(f.curves, [main, *other]), "test accuracy at early stop",
                                ylim=(0, 90), title=title)
