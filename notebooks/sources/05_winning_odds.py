# ---
# jupyter:
#   jupytext:
#     formats: ipynb,sources//py:percent
#     notebook_metadata_filter: -jupytext.text_representation.format_version,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 · How rare is a winning ticket?
#
# <!-- navigation -->
# *Part 5 of 6 of* ***Sparse Networks and Lottery Winners, the notebooks***: [01](01_train_baseline.ipynb) · [02](02_weight_statistics.ipynb) · [03](03_one_shot_pruning.ipynb) · [04](04_lottery_tickets.ipynb) · **05** · [06](06_narrow_or_sparse.ipynb)
#
# ← [04 · Lottery tickets](04_lottery_tickets.ipynb) | [06 · Narrow or sparse?](06_narrow_or_sparse.ipynb) →
# <!-- /navigation -->
#
# The post ends with a count: a 6,344-weight network holds about 10^804 subnetworks of 544 weights
# (notebook 04 corrected its 10^1,089), and training "searched them all in parallel, essentially". The
# picture it leaves is a lottery with astronomical odds, where a winner exists only because so many
# tickets were bought. (The roulette analogy also treats the tickets as independent spins; subnetworks
# share their weights, so they are anything but independent.) Neither the post nor notebook 04 asks
# **how many of those subnetworks actually win**. A count of tickets is not a count of winners.
#
# That is measurable. Draw a random subnetwork (a random mask) at a given sparsity, train it from θ₀
# exactly like an IMP round, and see whether it reaches the threshold on the validation split. Do that
# many times and the share of winners estimates the odds, with an interval. "Winning" here is the
# post's bar, 80% validation accuracy; the paper's bar (matching the dense network) is stricter, and
# notebook 04 gives both. We draw masks three ways, because *how* the surviving weights are spread over
# the layers may matter as much as how many there are:
#
# * **IMP's layer counts**: as many weights in each layer as IMP's mask of that seed and round keeps,
#   at random places within each layer;
# * **even per layer**: the same share of every layer;
# * **uniform over weights**: the surviving weights drawn uniformly from all of them, which is what
#   "a random 544-weight subnetwork" means in the post's count.

# %% tags=["parameters"]
SETTINGS = {}      # the series' settings to change (Config's fields, "levels", "masks_per_level"),
                   # e.g. {"epochs": 3, "seeds": [0, 1]}, or the path of a JSON file of them
RECOMPUTE = False  # True: train afresh even where stored results of these settings exist

# %%
import numpy as np
import pandas as pd

import sparse_helpers as sh
from sparse_helpers.analysis import combinatorics as comb, inference, odds as A, plots
from sparse_helpers.analysis.prose import bullets, say, table, when
from sparse_helpers.analysis.widgets import OddsExplorer
from sparse_helpers.experiments.lottery import LotteryExperiment
from sparse_helpers.experiments.odds import WAYS, OddsExperiment

run = sh.series(SETTINGS)  # this run of the series: notebook 04's settings, so its stored run is found
cfg, LEVELS, MASKS_PER_LEVEL = run.cfg, run.levels, run.masks_per_level  # IMP rounds tested; masks per level and way
reuse = False if RECOMPUTE else None
cfg, data, baseline, story = sh.setup(cfg, reuse=reuse, notebook="05_winning_odds", LEVELS=LEVELS,
                                      MASKS_PER_LEVEL=MASKS_PER_LEVEL)
lottery = LotteryExperiment(cfg, data)
lot = lottery.result(reuse=reuse)  # notebook 04's IMP runs: stored when it ran with these settings
levels = [r for r in LEVELS if r <= cfg.rounds]
n = sum(sh.weight_counts(baseline.theta0[0]).values())

# %% [markdown]
# ## The experiment
#
# At each level, every way of drawing gets `MASKS_PER_LEVEL` masks, spread evenly over the seeds' θ₀
# (each seed with its own data order, as in notebook 04, and the same seeds). All of them train
# together, in stacks of 192: several hundred networks, minutes on a laptop CPU.

# %%
experiment = OddsExperiment(lottery, levels, MASKS_PER_LEVEL)
odds = experiment.result(reuse=reuse)
f = A.odds_findings(odds, lot, data, n)
post = A.post_level(f, levels)  # the post's own ticket size, when it is one of the levels
print(f"{len(odds.table)} networks x {sh.prose.count(cfg.epochs, 'epoch')}, trained at {odds.speed:.0f} model-epochs per second "
      f"({odds.seconds:.0f} s) when this ran")

# %% tags=["nbval-check-output"]
print(f"{len(levels)} levels x {len(WAYS)} ways x {MASKS_PER_LEVEL} masks = {len(levels) * len(WAYS) * MASKS_PER_LEVEL} networks")
print(f.plan[["kept", "sparsity %"]].astype({"kept": int}).round(1).to_string())

# %% [markdown]
# ## The win rate
#
# A rate from a few dozen draws is uncertain, so every rate comes with its **Wilson 95% interval**,
# which stays sensible at 0 and at 100%. Wilson treats the draws as independent, but the draws of one
# seed share its θ₀ and its data order; the columns "seed low" and "seed high" give a bootstrap
# interval that resamples whole seeds instead, to show how much that matters. IMP's own masks at the
# same levels (one per seed, trained in notebook 04) are on the same figure.

# %%
def sparsest_win(way):
    """The sparsest level (%) at which a way won any draw, or None."""
    won = [r for r in levels if f.wide.loc[r, way] > 0]
    return f.plan.loc[won[-1], "sparsity %"] if won else None
reach = {w: sparsest_win(w) for w in (WAYS[2], WAYS[0], A.OWN)}
plots.save(plots.winning_odds(f.rates, f.imp_rates, threshold=cfg.threshold,
                              title="Sparsest level with a win: " + ", ".join(f"{w} {'none' if x is None else f'{x:.1f}%'}"
                                                                 for w, x in reach.items())),
           "winning_odds.png")

# %%
shown = f.rates.assign(sparsity=100 * (1 - f.rates.remaining), rate=100 * f.rates.rate, low=100 * f.rates.low,
                       high=100 * f.rates.high, **{"seed low": 100 * f.rates["seed low"], "seed high": 100 * f.rates["seed high"]})
table(shown[["round", "way", "sparsity", "wins", "n", "rate", "low", "high", "seed low", "seed high"]].set_index(["round", "way"]),
      percent=["sparsity", "rate", "low", "high", "seed low", "seed high"], counts=["wins", "n"], decimals=0)

# %% jupyter={"source_hidden": true} tags=["remove-input"]
first, later = levels[0], levels[1:]
rate = lambda way, r: f.wide.loc[r, way]  # noqa: E731
spars = lambda r: f.plan.loc[r, "sparsity %"]  # noqa: E731
spread_later = f.rates[(f.rates.way != WAYS[0]) & f.rates["round"].isin(later)]
never = [r for r in levels if all(rate(WAYS[0], q) == 0 for q in levels if q >= r)]
say(f"At {spars(first):.0f}% sparsity, {100 * rate(WAYS[0], first):.0f}% of the masks that copy IMP's layer "
    f"counts win, against {100 * rate(WAYS[1], first):.0f}% (even per layer) and {100 * rate(WAYS[2], first):.0f}% (uniform).",
    f"At the sparser levels even and uniform masks win {int(spread_later.wins.sum()) or 'none'} of "
    f"{int(spread_later.n.sum())} draws." if later else "",
    (f"Masks with IMP's counts win no draw from {spars(never[0]):.0f}% sparsity on"
     + (f", where IMP's own masks still win for {100 * rate(A.OWN, never[0]):.0f}% of the seeds."
        if rate(A.OWN, never[0]) > 0 else ", and neither do IMP's own masks.")) if never else "",
    "Where the seed-resampled interval is wider than Wilson's, the seeds disagree more than independent "
    "draws would, and Wilson's interval understates the uncertainty there.")

# %% [markdown]
# ## Not only who wins: how far each misses
#
# Win or lose hides how close a mask came. Here is the validation accuracy of every draw, as quantiles
# per way and level (%), with the number of near misses (within a point below the threshold):

# %%
table(f.quantiles, counts=["count"], digits=1)

# %%
table(f.near_misses.rename_axis(index="round", columns="near misses"), counts=f.near_misses.columns)

# %% [markdown]
# The slider picks a level. The figure shows the validation accuracy of every mask trained there, one
# row for each way the masks were drawn, beside IMP's own masks and the threshold. (A static view
# shows the first level only.)

# %%
OddsExplorer(odds.table, A.imp_at(lot, levels), cfg.threshold)

# %% [markdown]
# ## IMP's own mask against masks with its layer counts
#
# The continuous version of "which weights matter": per seed, IMP's own network minus the median of
# that seed's random masks with the same per-layer counts, at each level, with a t-interval over seeds
# (points of validation accuracy):

# %%
gaps = pd.DataFrame({f"{spars(r):.1f}%": {"mean": g.interval.mean, "95% low": g.interval.low, "95% high": g.interval.high,
                                          "seeds": g.interval.n} for r, g in f.own_gaps.items()}).T
table(gaps.rename_axis("sparsity"), counts=["seeds"], digits=1)

# %% jupyter={"source_hidden": true} tags=["remove-input"]
ahead = [r for r, g in f.own_gaps.items() if g.interval.low > 0]
say(f"IMP's own masks beat random masks with the same layer counts, for the seeds as a whole, at "
    + ("every level tested" if len(ahead) == len(f.own_gaps) else
       f"{', '.join(f'{spars(r):.1f}%' for r in ahead)} sparsity; at the other levels the interval includes zero")
    + f"; the mean lead is {f.own_gaps[ahead[0]].interval.mean:.1f} points at {spars(ahead[0]):.1f}% sparsity "
      f"and at most {max(f.own_gaps[r].interval.mean for r in ahead):.1f}."
    if ahead else "At no level is IMP's own mask shown to beat random masks with its layer counts.")

# %% [markdown]
# ## Back to the lottery
#
# The third way of drawing is exactly a uniformly random subnetwork of k weights, one of the C(n, k)
# the post counts. Its win rate times C(n, k) is the **expected number of winning subnetworks of that
# size**, and the rate itself is **the odds of one random draw winning**, the number to put beside the
# roulette wheel's 1 in 37.

# %%
table(f.ticket_counts, counts=["k (weights kept)"], digits=1)

# %% jupyter={"source_hidden": true} tags=["remove-input"]
u = f.rates[f.rates.way == WAYS[2]].iloc[0]
say(f"At {100 * (1 - u.remaining):.0f}% sparsity a uniformly random subnetwork wins {int(u.wins) or 'none'} of "
    f"{int(u.n)} draws: one draw's odds are {100 * u.low:.0f}% to {100 * u.high:.0f}%, against the wheel's "
    f"{100 / comb.POCKETS:.1f}%.",
    f"What {int(u.n)} draws can say is limited: with no win in {int(u.n)} draws, a rate up to "
    f"{100 * f.resolvable:.0f}% is still plausible (the upper end of Wilson's 95% interval), so a level with 0 "
    "wins only says the odds are below "
    f"about 1 in {1 / f.resolvable:.0f}.",
    "The post's argument needs odds of one in 10^hundreds, which no number of draws here could measure; "
    "what the draws do show is that at moderate sparsity the odds are not astronomical at all, and that "
    "at high sparsity they fall below what a few dozen draws can see. So the \"winning subnetworks\" "
    "column is only informative where some draws win; where none do it is an upper bound that, multiplied "
    "by C(n, k), still leaves astronomically many.")

# %% [markdown]
# ## Which weights, or how many per layer?
#
# The three ways differ only in where the surviving weights sit. "IMP's layer counts" copies how many
# weights IMP keeps in each layer but not which; IMP's own mask has both. Comparing the ways separates
# two questions: does it matter how the weights are spread over the layers, and does it matter which
# weights survive within a layer?

# %% jupyter={"source_hidden": true} tags=["remove-input"]
mid = [r for r in levels if rate(WAYS[0], r) >= 0.5]
high = [r for r in levels if rate(WAYS[0], r) == 0 and rate(A.OWN, r) > 0]
spread_rate = lambda r: max(rate(WAYS[1], r), rate(WAYS[2], r))  # noqa: E731
say((f"**How many per layer decides first.** Up to {spars(mid[-1]):.0f}% sparsity, masks with IMP's layer "
     f"counts win in {100 * min(rate(WAYS[0], r) for r in mid):.0f}% or more of the draws, while even and "
     "uniform masks of the same size win less often, and soon never."
     if mid and all(spread_rate(r) < rate(WAYS[0], r) for r in mid) else ""),
    (("**Which weights decides next.** " + (f"From {spars(high[0]):.0f}% to {spars(high[-1]):.0f}% sparsity"
      if len(high) > 1 else f"At {spars(high[0]):.0f}% sparsity") + ", no random mask with IMP's counts wins, "
      f"but IMP's own masks win in {int(round(sum(rate(A.OWN, r) for r in high) * len(cfg.seeds)))} of "
      f"{len(high) * len(cfg.seeds)} (seed, level) pairs.") if high else ""),
    when(mid and high, "In a network this narrow the first lesson is to leave the small layers alone; the second, "
         "at high sparsity, is that the particular weights IMP keeps matter. That is what IMP's mask carries "
         "from its ten or so trainings, and every mask here starts from the same θ₀: this is Frankle and "
         "Carbin's random-pruning control, with the layer counts matched. (Random masks also cut off units "
         "more often than IMP's do, a confound the dead-unit section below measures.) The other half of "
         "the hypothesis, that those weights need their original θ₀, is a different question: notebook 04's "
         "re-initialisation control tests it, and these draws cannot. That control redraws the signs as well "
         "as the sizes, so it cannot say which of the two the ticket needs (Zhou et al. 2019 point at the signs).",
         "At these settings the levels do not separate the two questions clearly."))

# %% [markdown]
# ## Dead units
#
# With only 8 and 4 hidden units, a mask can cut a unit off: no surviving weight into it, none out of
# it, or no path through it from the pixels to the outputs. Training can also silence a unit the mask
# left connected: a ReLU whose input is negative for every image outputs zero and stops learning. We
# count both, the second as units that output zero on every validation image after training.

# %%
table(pd.DataFrame({"a unit dead by its mask": f.dead_share, "a unit silent after training": f.silent_share}).mul(100),
      percent=["a unit dead by its mask", "a unit silent after training"], decimals=0)

# %%
table(f.dead_first_level.rename(index={True: "with a dead or silent unit", False: "without"}).rename_axis(
    f"even and uniform masks at {spars(first):.0f}%"), counts=["wins", "masks"])

# %% jupyter={"source_hidden": true} tags=["remove-input"]
d = f.dead_first_level
with_, without = d.loc[True], d.loc[False]
both = bool(with_.masks and without.masks)
mixed = 0 < d.wins.sum() < d.masks.sum()  # some of these masks win and some lose
say((f"At {spars(first):.0f}% sparsity" + when(mixed, ", where even and uniform masks both win and lose,")
     + f" masks with a dead or silent unit win {int(with_.wins)} of {int(with_.masks)} and masks without one "
     f"{int(without.wins)} of {int(without.masks)}.") if both else
    (f"At {spars(first):.0f}% sparsity {'every' if with_.masks else 'no'} even or uniform mask has a dead or "
     "silent unit, so masks with one cannot be compared with masks without."),
    when(both and mixed, (
         f"So a dead unit is not what makes them lose here: with {sh.prose.count(cfg.hidden[-1], 'unit')} in the last hidden "
         "layer, losing one still leaves a working network, and the masks without any dead unit fail as often. "
         "The failure of even and uniform masks is better explained by the small layers having too few weights "
         "to carry the signal.") if both and with_.wins / with_.masks >= without.wins / without.masks else
         (f"Masks with a dead unit win less often (Fisher's exact test: p = {f.dead_fisher_p:.2f}), which "
          "suggests, without showing it at this size, that disconnection explains part of the failure; a unit "
          "silent after training may also be a result of the failure rather than its cause.")))

# %% [markdown]
# ## What sparsity buys
#
# People who use lottery tickets keep asking whether a ticket is smaller or faster. Stored as sparse
# CSR matrices, only the surviving weights (and their column indices) are kept. Here is the story
# seed's round-11 network from notebook 04 (its trained weights are stored with the lottery), timed
# both ways on the 10,000 test images in one run.

# %%
r_csr = min(11, cfg.rounds)
state, masks = lot.states[(cfg.seeds[story], r_csr)], lot.masks[(cfg.seeds[story], r_csr)]
dense, sparse = inference.layers(sh.prune.apply_masks(state, masks)), inference.csr_layers(state, masks)
same = bool((inference.predict(dense, data.test_x) == inference.predict(sparse, data.test_x)).all())
t_dense = inference.median_seconds(lambda: inference.predict(dense, data.test_x))
t_sparse = inference.median_seconds(lambda: inference.predict(sparse, data.test_x))
cost = pd.DataFrame({"bytes": [inference.size_in_bytes(dense), inference.size_in_bytes(sparse)],
                     "ms for 10,000 images (1 thread)": [1e3 * t_dense, 1e3 * t_sparse]},
                    index=["dense, zeros stored", "CSR, survivors only"])
print(f"seed {cfg.seeds[story]}, round {r_csr}: {sh.prune.kept(masks)} of {n} weights; the same predictions either way: {same}")
table(cost, counts=["bytes"], decimals=2)

# %% jupyter={"source_hidden": true} tags=["remove-input"]
b_dense, b_sparse = cost.bytes
say(f"Stored as CSR, the network takes {b_sparse:,} bytes instead of {b_dense:,} "
    + (f"({b_dense / b_sparse:.1f}x smaller)" if b_sparse < b_dense else "(larger: too few weights were pruned to pay for the indices)")
    + " and classifies the test set " + (f"{t_dense / t_sparse:.1f}x faster" if t_sparse < t_dense
                                          else f"{t_sparse / t_dense:.1f}x slower")
    + f" ({1e3 * t_sparse:.1f} ms against {1e3 * t_dense:.1f} ms).",
    f"At this size neither matters much: the dense network is {b_dense / 1024:.0f} KiB, and a dense product with "
    f"only {cfg.hidden[0]} output rows is cheap and highly tuned, while a sparse kernel pays for its index "
    "bookkeeping. Sparse storage pays off when weights dominate memory and the hardware can skip the zeros; "
    "for a network this small a ticket is evidence about training, not a saving.")

# %% [markdown]
# ## What this notebook claims

# %%
claims = sh.check(cfg, f.claims)

# %% [markdown]
# ## Summary

# %% jupyter={"source_hidden": true} tags=["remove-input"]
bullets((f"At the post's own level ({spars(post):.1f}% sparse) {A.wins_text(f, post, WAYS)}: "
         + (f"with no win in {MASKS_PER_LEVEL} draws, the odds of a random mask are only bounded, below about "
            f"{100 * f.resolvable:.0f}% (Wilson's upper end). That is far above the post's 10^-hundreds, and says "
            "nothing more about how rare a win is there." if A.no_random_wins(f, post, WAYS) else
            "some random masks win there.")) if post is not None else "",
        f"At {spars(first):.0f}% sparsity, a level the post does not discuss, {100 * rate(WAYS[2], first):.0f}% of "
        f"uniformly random subnetworks win, and {100 * rate(WAYS[0], first):.0f}% of those with IMP's layer counts"
        + when(rate(WAYS[2], first) >= 0.2, ": there the odds are not astronomical.", "."),
        when(later and spread_later.rate.max() <= 0.2 and rate(WAYS[0], first) > 0.5,
             "Beyond that, even and uniform masks stop winning; masks with IMP's layer counts last longer"
             + (f", and {sh.prose.between(spars(high[0]), spars(high[-1]), '{:.1f}%', ('from', 'to'))} sparsity "
                "only IMP's own masks win" if high else "") + "."),
        f"{MASKS_PER_LEVEL} draws per level and way resolve odds down to about 1 in {1 / f.resolvable:.0f}, nowhere "
        "near the post's 10^-hundreds; the draws say where winning is common, not how rare it becomes.",
        when(with_.masks and without.masks and with_.wins / with_.masks >= without.wins / without.masks,
             "Dead units do not explain the losses at the one level that can tell; the spread of weights over "
             "the layers does."))

# %% [markdown]
# ## Try this
#
# * `SETTINGS = {"masks_per_level": 100}`: four times the draws, intervals about half as wide (a few minutes more).
# * `SETTINGS = {"levels": [11]}`: all the draws at the post's ticket size.
# * `SETTINGS = {"threshold": 0.7}` (for notebook 04 too, which it reads): a lower bar; which ways start winning again?
#
# <!-- next -->
# **Next:** [06 · Narrow or sparse?](06_narrow_or_sparse.ipynb)
# <!-- /next -->
