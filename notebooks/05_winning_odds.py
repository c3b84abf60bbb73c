# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 · How rare is a winning ticket?
#
# *Part 5 of 5.* [01 baseline](01_train_baseline.ipynb) · [02 weight statistics](02_weight_statistics.ipynb) ·
# [03 pruning](03_one_shot_pruning.ipynb) · [04 lottery tickets](04_lottery_tickets.ipynb) ·
# [05 winning odds](05_winning_odds.ipynb)
#
# The post ends with a count: a 6,344-weight network holds about 10^804 subnetworks of 544 weights
# (notebook 04 corrected its 10^1,089), and says training "searched them all in parallel,
# essentially". The picture it leaves is a lottery with astronomical odds, where a winner exists only
# because so many tickets were bought. (The roulette analogy also treats the tickets as independent
# spins; subnetworks share their weights, so they are anything but independent.) But nobody in the post, or in notebook 04, asked **how many of those subnetworks actually
# win**. A count of tickets is not a count of winners.
#
# That is measurable. Draw a random subnetwork (a random mask) at a given sparsity, train it from θ₀
# exactly like an IMP round, and see whether it reaches the threshold on the validation split. Do that
# many times and the share of winners is an estimate of the odds, with an interval. We draw masks three
# ways, because *how* the surviving weights are spread over the layers may matter as much as how many
# there are:
#
# * **IMP's layer counts**: as many weights in each layer as IMP's ticket of that seed and round keeps,
#   at random places within each layer;
# * **even per layer**: the same share of every layer;
# * **uniform over weights**: the surviving weights drawn uniformly from all of them, which is what
#   "a random 544-weight subnetwork" means in the post's count.

# %% tags=["parameters"]
from sparse_helpers import DEFAULTS

SEEDS = list(DEFAULTS.seeds)          # notebook 04's seeds: their IMP runs give the levels
EPOCHS = DEFAULTS.epochs              # every mask trains as long as an IMP round
HIDDEN = DEFAULTS.hidden
ROUNDS = DEFAULTS.rounds              # notebook 04's IMP schedule, reused when it already ran
REINITS = DEFAULTS.reinits            # notebook 04's setting, only so that its saved runs are found
THRESHOLD = DEFAULTS.threshold        # a mask wins when its validation accuracy reaches this
LEVELS = [3, 5, 7, 9, 11, 13, 15, 16] # IMP rounds whose sparsity we test: 49% to 97%
MASKS_PER_LEVEL = 24                  # masks per level and way of drawing; scale this up on a GPU
ODDS_SEEDS = 3                        # the masks of a level are spread over this many seeds' θ₀
RECOMPUTE = False                     # True: train afresh even where results of these settings exist

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from IPython.display import Markdown, display

import sparse_helpers as sh
from sparse_helpers import combinatorics as comb, inference, lottery as L, odds, plots

cfg, data, baseline, story = sh.setup(sh.Config(seeds=SEEDS, epochs=EPOCHS, hidden=HIDDEN, rounds=ROUNDS,
                                                threshold=THRESHOLD, reinits=REINITS))
reuse = False if RECOMPUTE else None
lot = L.run(cfg, data, controls=False, reuse=reuse)  # notebook 04's IMP runs (reused when they exist)
levels = [r for r in LEVELS if r <= cfg.rounds]
seeds = list(cfg.seeds[:ODDS_SEEDS])
n = sum(sh.weight_counts(baseline.theta0[0]).values())
AT_DEFAULTS = ("epochs", "hidden", "threshold", "prune_rate", "schedule", "optimizer", "lr", "batch_size")
ENOUGH_ROUNDS = {"rounds": 12}  # so that a level of 90% sparsity or more (round 11) is tested

# %% [markdown]
# ## The experiment
#
# At each level, every way of drawing gets `MASKS_PER_LEVEL` masks, spread evenly over the first
# `ODDS_SEEDS` seeds' θ₀ (each seed with its own data order, as in notebook 04). All of them train
# together in large stacks: this is a few hundred networks, and the stacked trainer is what makes that
# a matter of minutes on a laptop CPU.

# %%
# NBVAL_CHECK_OUTPUT
imp = odds.imp_at(lot, levels)
plan = imp.groupby("round").agg(kept=("kept", "median"), remaining=("remaining", "mean"))
plan["sparsity %"] = 100 * (1 - plan.remaining)
print(f"{len(levels)} levels x {len(odds.WAYS)} ways x {MASKS_PER_LEVEL} masks = "
      f"{len(levels) * len(odds.WAYS) * MASKS_PER_LEVEL} networks, "
      f"{len(levels) * len(odds.WAYS) * MASKS_PER_LEVEL * cfg.epochs:,} model-epochs")
print(plan[["kept", "sparsity %"]].round(1).to_string())

# %%
table, speed = odds.measure(lot, levels, MASKS_PER_LEVEL, seeds, data, reuse=reuse)
print(f"trained at {speed:.0f} model-epochs per second when this ran")
for m in (MASKS_PER_LEVEL, 96, 384):
    print(f"  {m:>4} masks per level and way would take about "
          f"{odds.expected_seconds(len(levels), m, cfg.epochs, speed) / 60:.1f} min at that speed")

# %% [markdown]
# ## The win rate
#
# A rate from 24 draws is uncertain, so every rate comes with its **Wilson 95% interval**, which stays
# sensible at 0 and at 100%. The interval treats the draws as independent; they share the θ₀ of three
# seeds, so read it as a little too narrow. IMP's own masks at the same levels (one per seed of notebook
# 04, all five seeds, trained there) are on the same figure, with intervals from only five networks.

# %%
rates = odds.win_rates(table, cfg.threshold).merge(plan.remaining.reset_index(), on="round")
imp_rates = odds.win_rates(imp, cfg.threshold).merge(plan.remaining.reset_index(), on="round")
wide = pd.concat([rates, imp_rates]).pivot(index="round", columns="way", values="rate")[[*odds.WAYS, "IMP's own mask"]]
counts_way, even_way, uniform_way = odds.WAYS
own = "IMP's own mask"
rate = lambda way, r: wide.loc[r, way]  # noqa: E731
spars = lambda r: plan.loc[r, "sparsity %"]  # noqa: E731
last_win = {way: max([r for r in levels if rate(way, r) > 0], default=None) for way in wide.columns}
spread_last = max([last_win[w] for w in (even_way, uniform_way) if last_win[w] is not None], default=None)
left = lambda r: 100 - spars(r)  # noqa: E731
title = ("How often a random mask wins, by the way it is drawn" if last_win[counts_way] is None else
         f"Random masks with IMP's layer counts still win with {left(last_win[counts_way]):.0f}% of the weights, "
         + (f"even or uniform ones only down to {left(spread_last):.0f}%" if spread_last else "even or uniform ones never"))
fig = plots.winning_odds(rates, imp_rates, title=title, threshold=cfg.threshold)
plots.save(fig, "winning_odds.png")
plt.show()
(100 * wide).assign(**{"sparsity %": plan["sparsity %"]}).round(1)

# %%
first, later = levels[0], levels[1:]
spread_later = rates[(rates.way != counts_way) & rates["round"].isin(later)]
never = [r for r in levels if rate(counts_way, r) == 0 and all(rate(counts_way, q) == 0 for q in levels if q > r)]
display(Markdown(
    f"At {spars(first):.0f}% sparsity, {100 * rate(counts_way, first):.0f}% of the masks that copy IMP's "
    f"layer counts win, against {100 * rate(even_way, first):.0f}% (even per layer) and "
    f"{100 * rate(uniform_way, first):.0f}% (uniform). "
    + (f"At the sparser levels, even and uniform masks win "
       f"{int(spread_later.wins.sum()) or 'none'} of {int(spread_later.n.sum())} draws. " if later else "")
    + (f"Masks with IMP's counts win no draw from {spars(never[0]):.0f}% sparsity on, where IMP's own "
       f"masks still win for {100 * rate(own, never[0]):.0f}% of the seeds. " if never else "")
    + sh.when(rate(counts_way, first) > 0.5 and never and rate(own, never[0]) > 0,
              "Where the layer sizes are right, most draws win at first; the sparser the network, the "
              "more it matters which weights survive.")))

# %% [markdown]
# ## Back to the lottery
#
# The post's question was how many winning subnetworks a dense network holds. The third way of drawing
# is exactly a uniformly random subnetwork of k weights, one of the C(n, k) the post counts. So its
# win rate times C(n, k) is the **expected number of winning subnetworks of that size**, and the rate
# itself is **the odds of one random draw winning**, the number to put beside the roulette wheel's
# 1 in 37.

# %%
uniform = rates[rates.way == uniform_way].merge(plan.kept.reset_index(), on="round")
lottery_table = pd.DataFrame({
    "sparsity": [f"{100 * (1 - r):.1f}%" for r in uniform.remaining], "k (weights kept)": uniform.kept.astype(int),
    "log10 C(n, k)": [comb.log10_comb(n, int(k)) for k in uniform.kept],
    "random draws that win": [f"{w}/{m}" for w, m in zip(uniform.wins, uniform.n)],
    "one draw wins (95% interval)": [f"{100 * lo:.0f}% to {100 * hi:.0f}%" for lo, hi in zip(uniform.low, uniform.high)],
    "winning subnetworks": [odds.winners_range(r.low, r.high, comb.log10_comb(n, int(r.kept)))
                            for r in uniform.itertuples()]}).set_index("sparsity").round(1)
lottery_table

# %%
u0 = uniform.iloc[0]
zero = uniform[uniform.wins == 0]
display(Markdown(
    f"At {100 * (1 - u0.remaining):.0f}% sparsity a random subnetwork wins {int(u0.wins) or 'none'} of "
    f"{int(u0.n)} draws, odds of about {100 * u0.rate:.0f}% ({100 * u0.low:.0f}-{100 * u0.high:.0f}%), against the roulette wheel's "
    f"{100 / comb.POCKETS:.1f}%, and the number of winning subnetworks of that size is "
    f"{odds.winners_range(u0.low, u0.high, comb.log10_comb(n, int(u0.kept)))}. "
    + (f"At {100 * (1 - zero.remaining.iloc[0]):.0f}% sparsity, none of {int(zero.n.iloc[0])} random "
       f"draws wins: the odds of one draw are somewhere between 0 and {100 * zero.high.iloc[0]:.0f}% (the "
       f"interval's upper end), so there may be up to 10^{comb.log10_comb(n, int(zero.kept.iloc[0])) + np.log10(zero.high.iloc[0]):.0f} "
       f"winners or very few; {MASKS_PER_LEVEL} draws cannot tell. "
       if len(zero) else "")
    + "The post's big number counts tickets; whether the lottery is easy depends on the share that "
    f"wins. To pin down odds below 1 in {MASKS_PER_LEVEL}, raise `MASKS_PER_LEVEL`; the time it "
    "would take is printed above."))

# %% [markdown]
# ## Which weights, or how many per layer?
#
# The three ways differ only in where the surviving weights sit. "IMP's layer counts" copies how many
# weights IMP keeps in each layer but not which ones; IMP's own mask has both. So comparing the ways
# separates two questions: does it matter how the weights are spread over the layers, and does it matter
# which weights survive within a layer?

# %%
mid = [r for r in levels if rate(counts_way, r) >= 0.5]
high = [r for r in levels if rate(counts_way, r) == 0 and rate(own, r) > 0]
spread_rate = lambda r: max(rate(even_way, r), rate(uniform_way, r))  # noqa: E731
display(Markdown(
    (f"**How many per layer decides first.** Up to {spars(mid[-1]):.0f}% sparsity, masks with IMP's "
     f"layer counts win in {100 * min(rate(counts_way, r) for r in mid):.0f}% or more of the draws, "
     "while even and uniform masks of the same size win less often, and soon never. "
     if mid and all(spread_rate(r) < rate(counts_way, r) for r in mid) else "")
    + (f"**Which weights decides next.** " + (f"From {spars(high[0]):.0f}% to {spars(high[-1]):.0f}% "
       if len(high) > 1 else f"At {spars(high[0]):.0f}% " if high else "") + "sparsity, no random mask with IMP's counts wins, but IMP's own masks win for "
       f"{100 * np.mean([rate(own, r) for r in high]):.0f}% of the seeds. " if high else "")
    + sh.when(mid and high, "In a network this narrow, the first lesson of the lottery is to leave the "
              "small layers alone; the second, at high sparsity, is that the particular weights IMP "
              "keeps matter, which is the lottery ticket hypothesis itself.",
              "At these settings the levels do not separate the two questions clearly.")))

# %% [markdown]
# ## Dead units
#
# With only 8 and 4 hidden units, a mask can cut a unit off: no surviving weight into it, none out of
# it, or no path through it from the pixels to the outputs. A dead unit is one of only eight, or four,
# in its layer. Is the failure of the even and uniform masks just that? Dead units become more common
# as sparsity grows, and so does failure, so the fair comparison is within one level.

# %%
dead = odds.dead_unit_rates(table, cfg.threshold)
share = table.assign(dead=table["dead units"] > 0).groupby("way", sort=False).dead.mean()
dead.assign(**{"share of the way's masks": [
    share[w] if d else 1 - share[w] for w, d in zip(dead.way, dead["has a dead unit"])]}).round(2)

# %%
spread = [even_way, uniform_way]
imp_dead = imp[imp["dead units"] > 0]
within = sh.stats.wins_by_dead_units(table, spread, cfg.threshold)
every_level = sh.stats.wins_by_dead_units(table, spread, cfg.threshold, minimum=0)
beyond = every_level[every_level.index > first]
connected_losers = int(beyond[beyond["wins without"] == 0]["masks without"].sum())
connected = [r for r, w in every_level.iterrows() if w["masks without"] > 0]
all_dead = [r for r in every_level.index if r > max(connected, default=first)]  # the levels past the last connected mask
lines = [f"at {spars(r):.0f}% sparsity, masks with a dead unit win {w['wins with']} of {w['masks with']} "
         f"and masks without one {w['wins without']} of {w['masks without']}" for r, w in within.iterrows()]
later_layers = list(sh.weight_counts(baseline.theta0[0]).items())[1:]
small_layers = (" and ".join(k for k, _ in later_layers) + " layers ("
                + " and ".join(str(c) for _, c in later_layers) + " weights)")
display(Markdown(
    f"{100 * share[spread].mean():.0f}% of the even and uniform masks have at least one dead unit. "
    + (f"Within one level: {'; '.join(lines)}. " if lines else
       "No level has enough masks both with and without a dead unit to compare them within it. ")
    + sh.when(lines and all(w["wins with"] / w["masks with"] < w["wins without"] / w["masks without"]
                            for _, w in within.iterrows()),
              f"So a good part of the failure is disconnection: spreading the cuts evenly leaves the "
              f"{small_layers} as sparse as the first layer, which cuts units off long before the first "
              "layer runs short. ")
    + sh.when(connected_losers,
              f"Where even masks stop winning, the {connected_losers} masks without a dead unit lose too, "
              f"a hint that spreading the cuts evenly leaves the {small_layers} with too few weights to "
              f"carry the signal even when every unit is connected; {connected_losers} masks are too few to "
              "be sure. ")
    + (f"From {spars(all_dead[0]):.0f}% sparsity on, every even or uniform mask has a dead unit, so "
       "these draws cannot separate disconnection from having too few weights there. " if all_dead else "")
    + f"Masks with IMP's layer counts have a dead unit in {100 * share[counts_way]:.0f}% of the draws, "
    f"and so do {len(imp_dead)} of IMP's own {len(imp)} masks here."))

# %% [markdown]
# ## What sparsity buys
#
# People who use lottery tickets keep asking whether a ticket is smaller or faster. Stored as sparse
# CSR matrices, only the surviving weights (and their column indices) are kept. We train the story
# seed's ticket from notebook 04 and time both versions on the 10,000 test images, in one run.

# %%
tickets = L.pick_tickets(lot).query("rule == 'post'").dropna(subset=["round"]).set_index("seed")
seed = cfg.seeds[story] if cfg.seeds[story] in tickets.index else tickets.index[0] if len(tickets) else cfg.seeds[story]
masks = lot.masks[(seed, int(tickets.loc[seed, "round"]) if seed in tickets.index else 0)]
(run,) = sh.train_many([sh.theta0(seed, cfg.hidden)], data, cfg, masks=[masks], data_seeds=seed, progress=False)
dense, sparse = inference.layers(sh.prune.apply_masks(run.state, masks)), inference.csr_layers(run.state, masks)
same = bool((inference.predict(dense, data.test_x) == inference.predict(sparse, data.test_x)).all())
t_dense = inference.median_seconds(lambda: inference.predict(dense, data.test_x))
t_sparse = inference.median_seconds(lambda: inference.predict(sparse, data.test_x))
cost = pd.DataFrame({"bytes": [inference.size_in_bytes(dense), inference.size_in_bytes(sparse)],
                     "ms for 10,000 images (1 thread)": [1e3 * t_dense, 1e3 * t_sparse]},
                    index=["dense, zeros stored", "CSR, survivors only"])
print(f"seed {seed}'s ticket: {sh.prune.kept(masks)} of {n} weights, {100 * run.test_acc:.2f}% test "
      f"accuracy; the same predictions either way: {same}")
cost.round(2)

# %%
speed = (f"{t_dense / t_sparse:.1f}x faster" if t_sparse < t_dense else f"{t_sparse / t_dense:.1f}x slower")
size = (f"{cost.bytes.iloc[0] / cost.bytes.iloc[1]:.1f}x smaller" if cost.bytes.iloc[1] < cost.bytes.iloc[0]
        else f"{cost.bytes.iloc[1] / cost.bytes.iloc[0]:.1f}x larger: too few weights were pruned to pay for the indices")
display(Markdown(
    f"Stored as CSR, the ticket takes {cost.bytes.iloc[1]:,} bytes instead of {cost.bytes.iloc[0]:,} "
    f"({size}), and classifies the test set "
    f"{speed}: {1e3 * t_sparse:.1f} ms against {1e3 * t_dense:.1f} ms. At this size neither number "
    f"matters much: the dense network is {cost.bytes.iloc[0] / 1024:.0f} KiB, and a dense product with "
    f"only {cfg.hidden[0]} output rows is cheap and highly tuned, while a sparse kernel pays for its "
    f"index bookkeeping. Sparse storage pays off when the weights dominate memory and the hardware can "
    f"skip the zeros; for a network this small a ticket is evidence about training; 25 KiB is not worth "
    f"compressing."))

# %% [markdown]
# ## Look at one level
#
# The slider moves through the levels; the plot shows the validation accuracy of every mask trained
# there, by way of drawing, with IMP's own masks and the threshold. (A static view shows the first
# level only.)

# %%
from sparse_helpers.widgets import OddsExplorer

OddsExplorer(table, imp, cfg.threshold)

# %% [markdown]
# ## What these results claim
#
# As in notebook 04, each claim holds with a margin; `make test` reruns this notebook with other seeds,
# on another floating-point path, with 12 rounds instead of 18 and 6 masks per level instead of 24, and
# checks every one.

# %%
sparsest = [r for r in levels if spars(r) >= 90]
findings = [
    (rate(counts_way, first) >= 0.75,
     f"at {spars(first):.0f}% sparsity, at least 75% of the masks with IMP's layer counts win"),
    (spread_later.rate.max() <= 0.2 if later else True,
     "beyond the first level, even and uniform masks win at most 20% of their draws at any level"),
]
if sparsest:
    findings.append((rates[rates["round"].isin(sparsest)].wins.sum() == 0,
                     f"at the levels of 90% sparsity and more ({', '.join(f'{spars(r):.1f}%' for r in sparsest)}), "
                     "no random mask wins"))
else:
    print("not checked at these settings (no level of 90% sparsity or more): no random mask wins there")
for holds, finding in findings:
    sh.claim(cfg, holds, finding, AT_DEFAULTS, ENOUGH_ROUNDS)
