"""Notebook 05's findings: how often random subnetworks win, how far they miss, and why.

Wins are counted on validation accuracy at the series' threshold (the post's 80%), not at the
paper's criterion of matching the dense network: that is a stricter bar, and notebook 04 gives
both. Draws of one seed share its θ₀ and data order, so every rate also gets an interval that
resamples whole seeds.
"""
import math
import numbers
from dataclasses import dataclass, replace

import pandas as pd
from scipy.stats import fisher_exact

from ..experiments.arms import main_arm
from ..experiments.lottery import Lottery
from ..experiments.odds import WAYS, Odds
from .checks import check_from_lottery, check_result, check_same_data, check_same_source
from .claims import IMP_DEFAULTS, Claim
from .lottery import POST_ROUND
from .combinatorics import log10_comb
from .stats import chance_level, cluster_rate_interval, collapsed, paired_test, quantile_table, \
    wilson, win_rates

OWN = "IMP's own mask"
NEAR = 0.01   # a near miss: within one point below the threshold


def imp_at(lot, levels):
    """IMP's own networks at the given rounds, in the same columns as the draws' table."""
    missing = sorted(set(levels) - set(lot.rounds["round"])) if hasattr(lot, "rounds") else None
    if missing is None or missing:
        raise ValueError(f"imp_at needs a Lottery result and rounds it ran; rounds {missing} are not in it"
                         if missing else f"imp_at needs a Lottery result (LotteryExperiment(...).result()); got "
                         f"{type(lot).__name__}")
    imp = lot.rounds[(lot.rounds.arm == main_arm(lot.config)) & lot.rounds["round"].isin(levels)]
    return imp.assign(way=OWN, draw=0)[["round", "way", "seed", "draw", "kept", "remaining",
                                         "dead units", "val_acc", "test_acc"]]


def winners_range(low, high, log10_count):
    """'10^a to 10^b' winners for a win-rate interval [low, high] of 10^log10_count subnetworks."""
    if not (0 <= low <= high <= 1):
        raise ValueError(f"the interval must satisfy 0 <= low <= high <= 1; got low {low}, high {high}")
    if high <= 0:
        return "none"
    top = f"10^{log10_count + math.log10(high):.0f}"
    return f"10^{log10_count + math.log10(low):.0f} to {top}" if low > 0 else f"up to {top}"


def rates_with_clusters(table, threshold):
    """win_rates per (round, way), with an interval that resamples whole seeds beside Wilson's."""
    rates = win_rates(table, threshold)
    bounds = []
    for r in rates.itertuples():
        g = table[(table["round"] == r.round) & (table.way == r.way)]
        per = g.groupby("seed").val_acc.agg(lambda v: int((v >= threshold).sum())).to_numpy()
        n = g.groupby("seed").size().to_numpy()
        bounds.append(cluster_rate_interval(per, n))
    rates["seed low"], rates["seed high"] = [b[0] for b in bounds], [b[1] for b in bounds]
    return rates


def own_mask_gaps(table, imp):
    """Per level: each seed's own IMP mask minus the median of its random masks with IMP's counts
    (validation accuracy, points), as a paired test over seeds."""
    counts = table[table.way == WAYS[0]].groupby(["round", "seed"]).val_acc.median()
    own = imp.set_index(["round", "seed"]).val_acc
    both = pd.concat({"own": own, "random": counts}, axis=1).dropna()
    return {r: paired_test(100 * (g.own - g.random)) for r, g in both.groupby(level="round")}


def dead_unit_comparison(table, threshold, level):
    """At one level, wins of masks with and without a unit that is dead by its mask or silent
    after training (even and uniform draws, which are the ones that have both)."""
    t = table[(table["round"] == level) & table.way.isin(WAYS[1:])]
    t = t.assign(dead=(t["dead units"] > 0) | (t["silent units"] > 0), win=t.val_acc >= threshold)
    return t.groupby("dead").win.agg(wins="sum", masks="count").reindex([True, False], fill_value=0)


@dataclass(frozen=True)
class OddsFindings:
    """What notebook 05 says (rates as fractions)."""
    plan: pd.DataFrame          # per level: median kept, sparsity %
    rates: pd.DataFrame         # per (round, way): wins, n, rate, Wilson and seed-resampled bounds
    imp_rates: pd.DataFrame     # IMP's own masks at the same levels
    wide: pd.DataFrame          # levels x ways of win rates
    quantiles: pd.DataFrame     # validation accuracy quantiles (%) per way and level
    near_misses: pd.DataFrame   # per (round, way): draws within a point below the threshold
    own_gaps: dict              # round -> PairedTest of own mask minus random IMP-count masks
    collapsed: pd.DataFrame     # per (round, way): draws that learned nothing
    ticket_counts: pd.DataFrame  # the uniform way: C(n, k), wins, intervals, winners
    resolvable: float           # the largest rate 0 wins of per-level draws leave plausible (Wilson's upper end)
    dead_share: pd.Series       # per way: share of masks with a unit dead by the mask
    silent_share: pd.Series     # per way: share of networks with a unit silent after training
    dead_first_level: pd.DataFrame  # dead_unit_comparison at the first level
    dead_fisher_p: float        # Fisher's exact test of wins with and without a dead unit there
    claims: list


def dead_fisher(d):
    """Fisher's exact p of wins against losses, with a dead or silent unit and without (nan if a side is empty)."""
    if True not in d.index or False not in d.index or not d.masks.all():
        return float("nan")
    rows = [[int(d.loc[k, "wins"]), int(d.loc[k, "masks"] - d.loc[k, "wins"])] for k in (True, False)]
    return float(fisher_exact(rows).pvalue)


def odds_findings(odds, lot, data, n_weights):
    """The findings of notebook 05 from the trained random masks and the lottery they came from."""
    check_result(odds, Odds, "odds", "OddsExperiment(lottery, levels, per_level).result()")
    check_result(lot, Lottery, "lot", "LotteryExperiment(cfg, data).result()")
    check_same_data(data, "the lottery", lot)
    check_same_source("the odds", odds, "the lottery", lot)
    check_from_lottery("the odds' table", odds.table, lot)
    total = sum(m.numel() for m in next(iter(lot.masks.values())).values())
    if isinstance(n_weights, (bool, float)) or not isinstance(n_weights, numbers.Integral) or n_weights != total:
        raise ValueError(f"n_weights must be the {total:,} weights of the lottery's network, biases apart, "
                         f"e.g. sum(sh.weight_counts(baseline.theta0[0]).values()); got {n_weights!r}")
    cfg, table, threshold = odds.config, odds.table, odds.config.threshold
    levels = sorted(table["round"].unique())
    imp = imp_at(lot, levels)
    plan = imp.groupby("round").agg(kept=("kept", "median"), remaining=("remaining", "mean"))
    plan["sparsity %"] = 100 * (1 - plan.remaining)
    rates = rates_with_clusters(table, threshold).merge(plan.remaining.reset_index(), on="round")
    imp_rates = win_rates(imp, threshold).merge(plan.remaining.reset_index(), on="round")
    wide = pd.concat([rates, imp_rates]).pivot(index="round", columns="way", values="rate")[[*WAYS, OWN]]
    both = pd.concat([table, imp])
    quantiles = quantile_table(both.assign(acc=100 * both.val_acc), "acc", ["round", "way"])
    near = table.assign(near=(table.val_acc < threshold) & (table.val_acc >= threshold - NEAR)) \
        .groupby(["round", "way"], sort=False).near.sum().unstack("way")
    chance = chance_level(data.val_y)
    dead = dead_unit_comparison(table, threshold, levels[0])
    gone = table.assign(c=collapsed(table.val_acc, chance)).groupby(["round", "way"], sort=False).c.sum().unstack("way")
    findings = OddsFindings(
        plan=plan, rates=rates, imp_rates=imp_rates, wide=wide, quantiles=quantiles, near_misses=near,
        own_gaps=own_mask_gaps(table, imp), collapsed=gone, ticket_counts=ticket_count_table(rates, plan, n_weights),
        resolvable=wilson(0, int(odds.table.groupby(["round", "way"]).size().min()))[1],
        dead_share=table.assign(d=table["dead units"] > 0).groupby("way", sort=False).d.mean(),
        silent_share=table.assign(d=table["silent units"] > 0).groupby("way", sort=False).d.mean(),
        dead_first_level=dead, dead_fisher_p=dead_fisher(dead), claims=[])
    return replace(findings, claims=odds_claims(findings, levels))


def ticket_count_table(rates, plan, n_weights):
    """The uniform way's levels as counts of tickets: C(n, k), draws that win, and the winners implied."""
    u = rates[rates.way == WAYS[2]].merge(plan.kept.reset_index(), on="round")
    return pd.DataFrame({
        "sparsity": [f"{100 * (1 - r):.1f}%" for r in u.remaining], "k (weights kept)": u.kept.astype(int),
        "log10 C(n, k)": [round(log10_comb(n_weights, int(k)), 1) for k in u.kept],
        "random draws that win": [f"{w}/{m}" for w, m in zip(u.wins, u.n)],
        "one draw wins (Wilson 95%)": [f"{100 * lo:.0f}% to {100 * hi:.0f}%" for lo, hi in zip(u.low, u.high)],
        "winning subnetworks": [winners_range(r.low, r.high, log10_comb(n_weights, int(r.kept)))
                                for r in u.itertuples()]}).set_index("sparsity")


def odds_claims(f, levels):
    """The claims of notebook 05, each with its rule."""
    rate = lambda way, r: f.wide.loc[r, way]  # noqa: E731
    first, later = levels[0], levels[1:]
    spread_later = f.rates[(f.rates.way != WAYS[0]) & f.rates["round"].isin(later)]
    sparsest = [r for r in levels if f.plan.loc[r, "sparsity %"] >= 90]
    enough = {"rounds": 12}
    claims = [
        Claim(f"at {f.plan.loc[first, 'sparsity %']:.0f}% sparsity, most masks with IMP's layer counts win",
              "at the first level, the share of IMP-count masks reaching the threshold >= 75%",
              rate(WAYS[0], first) >= 0.75, f"{100 * rate(WAYS[0], first):.0f}%", needs=IMP_DEFAULTS,
              at_least=enough, id="05.first-level-most-win"),
        Claim("beyond the first level, even and uniform masks win at most 20% of their draws at any level",
              "max over later levels and those two ways of the win share <= 20%",
              not later or spread_later.rate.max() <= 0.2,
              f"at most {100 * spread_later.rate.max():.0f}%" if later else "no later level",
              needs=IMP_DEFAULTS, at_least=enough, id="05.later-levels-rare")]
    if sparsest:
        wins = int(f.rates[f.rates["round"].isin(sparsest)].wins.sum())
        claims.append(Claim("at 90% sparsity and beyond, no random mask wins",
                            "wins of every random draw at levels >= 90% sparse == 0", wins == 0,
                            f"{wins} wins", needs=IMP_DEFAULTS, at_least=enough, id="05.none-win-90"))
        gaps = [f.own_gaps[r] for r in sparsest if r in f.own_gaps]
        if gaps:
            g = gaps[0]
            claims.append(Claim(f"at {f.plan.loc[sparsest[0], 'sparsity %']:.1f}% sparsity, IMP's own masks beat "
                                "random masks with the same layer counts",
                                "the 95% t-interval of own mask minus the seed's median random "
                                "IMP-count mask lies above 0", g.interval.low > 0, g.interval.text(),
                                required=False, needs=IMP_DEFAULTS, at_least=enough, id="05.own-mask-beats-random-90", p=g.t_p))
    return claims


def post_level(f, levels):
    """The level at the post's own ticket size (round 11 at 20% a round), or None."""
    return POST_ROUND if POST_ROUND in levels and POST_ROUND in f.wide.index else None


def wins_text(f, level, ways):
    """'0 of 25 uniform masks win, 0 of 25 even ... and 5 of 5 of IMP's own masks' at a level."""
    both = pd.concat([f.rates, f.imp_rates])
    r = both[both["round"] == level].set_index("way")
    parts = [f"{int(r.loc[w, 'wins'])} of {int(r.loc[w, 'n'])} ({w})" for w in ways if w in r.index]
    own = f"{int(r.loc[OWN, 'wins'])} of {int(r.loc[OWN, 'n'])} of IMP's own masks" if OWN in r.index else ""
    listed = ", ".join(parts[:-1]) + f" and {parts[-1]}" if len(parts) > 1 else "".join(parts)
    return "random masks win " + listed + (f", against {own}" if own else "")


def no_random_wins(f, level, ways):
    """Whether no random mask of any way won at a level."""
    r = f.rates[(f.rates["round"] == level) & f.rates.way.isin(list(ways))]
    return len(r) > 0 and int(r.wins.sum()) == 0
