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
# # 06 · Narrow or sparse?
#
# <!-- navigation -->
# *Part 6 of 6 of* ***Sparse Networks and Lottery Winners, the notebooks***: [01](01_train_baseline.ipynb) · [02](02_weight_statistics.ipynb) · [03](03_one_shot_pruning.ipynb) · [04](04_lottery_tickets.ipynb) · [05](05_winning_odds.ipynb) · **06**
#
# ← [05 · How rare is a winning ticket?](05_winning_odds.ipynb)
# <!-- /navigation -->
#
# The post ends on its real claim. Training "never seems to fail" because a dense network holds an
# astronomical number of subnetworks (10^804 of the ticket's size, notebook 04 counted; the post says
# 10^1,089), and training searches them all at once: "betting it all on lucky 13 a thousand times in
# parallel". If that is why training works, it makes a prediction nobody in the post tests: **a
# smaller dense network holds fewer tickets, so it should fail more often, and in the way the lottery
# arithmetic says.** This notebook tests it three ways, and asks the practical question behind it:
#
# 1. **Does a smaller dense network fail more often?** The series' network made narrower and wider,
#    from a first hidden layer of 1 unit to 32, each trained from many independent starts.
# 2. **Narrow or sparse, at the same weight count?** The post's 544-weight ticket has fewer weights
#    than the narrowest dense network of this shape (one hidden unit already needs 795). At the weight
#    count of each narrow network we train IMP's ticket of the 8-4 network cut to exactly that size,
#    and random masks of that size: if a sparse network of *n* weights learns and a dense one of *n*
#    weights does not, why not train the small network in the first place?
# 3. **What does the lottery picture predict?** If every subnetwork were an independent ticket that
#    wins with probability p, training would fail with probability (1 − p)^N. We put that beside the
#    measured failures, with p from notebook 05's random subnetworks.

# %% tags=["parameters"]
SETTINGS = {}      # the series' settings to change (Config's fields, "levels", "masks_per_level"),
                   # e.g. {"epochs": 3, "seeds": [0, 1]}, or the path of a JSON file of them
WIDTHS = [1, 2, 3, 4, 6, 8, 12, 16, 32]  # first hidden layer; later layers keep the series' ratios
SEEDS_PER_WIDTH = 64                  # independent starts per width: each its own θ₀ and data order
DRAWS = 2                             # random masks per seed, size and way in the comparison at equal size
RECOMPUTE = False                     # True: train afresh even where stored results of these settings exist

# %%
import numpy as np
import pandas as pd

import sparse_helpers as sh
from sparse_helpers.analysis import plots, widths as A
from sparse_helpers.analysis.prose import POST_TICKET, POST_WEIGHTS, bullets, count, say, table, when
from sparse_helpers.analysis.widgets import WidthExplorer
from sparse_helpers.experiments.lottery import LotteryExperiment
from sparse_helpers.experiments.odds import OddsExperiment
from sparse_helpers.experiments.widths import SIZE_WAYS, SizesExperiment, WidthExperiment, hidden_for

run = sh.series(SETTINGS)  # this run of the series: the settings 04 and 05 ran with, so their results are found
cfg, LEVELS, MASKS_PER_LEVEL = run.cfg, run.levels, run.masks_per_level  # notebook 05's levels and draws
reuse = False if RECOMPUTE else None
cfg, data, baseline, story = sh.setup(cfg, reuse=reuse, notebook="06_narrow_or_sparse", LEVELS=LEVELS,
                                      MASKS_PER_LEVEL=MASKS_PER_LEVEL, WIDTHS=WIDTHS,
                                      SEEDS_PER_WIDTH=SEEDS_PER_WIDTH, DRAWS=DRAWS)
ref = sh.describe(cfg.hidden)
if cfg.hidden != sh.DEFAULTS.hidden:
    print(f"Note: hidden={list(cfg.hidden)} is not the post's (8, 4): every width below keeps the shape of "
          f"{ref}, and the sparse networks are tickets of {ref}.")

# %% [markdown]
# ## The experiments
#
# **Widths.** Each width trains `SEEDS_PER_WIDTH` dense networks, every one from its own θ₀ and with
# its own data order, for the series' `epochs` with the series' optimiser. The later hidden layers keep
# their ratio to the first (half as wide here, rounded down, at least one unit). Their seeds start at
# 1000 times one more than the smallest series seed, so they never repeat a seed of notebooks 01-05
# and move when the series' `seeds` do. One stack per width trains all its networks together.
#
# **Equal sizes.** For every width narrower than the series' own, at exactly its dense weight count,
# each series seed contributes: IMP's ticket of that size (its last round still above the count,
# pruned by trained magnitude down to the count, rewound to θ₀ and trained: one more IMP step, to an
# exact size), `DRAWS` random masks with the same per-layer counts, and `DRAWS` random masks drawn
# uniformly over all weights, all from the seed's θ₀ and with its data order.
#
# **Odds.** Notebook 05's random masks, reused from its stored result when it ran with these settings.

# %%
lottery = LotteryExperiment(cfg, data)
runs = WidthExperiment(cfg, data, WIDTHS, SEEDS_PER_WIDTH).result(reuse=reuse)
sizes = SizesExperiment(lottery, WIDTHS, DRAWS).result(reuse=reuse)
levels = [r for r in LEVELS if r <= cfg.rounds]
odds = OddsExperiment(lottery, levels, MASKS_PER_LEVEL).result(reuse=reuse) if levels else None
f = A.width_findings(runs, sizes, odds, data)
w = f.widths
print(f"widths: {len(runs.table)} networks x {count(cfg.epochs, 'epoch')} = {f.model_epochs:,} model-epochs in "
      f"{runs.seconds:.0f} s when this ran ({f.model_epochs / runs.seconds:.1f} model-epochs per second, "
      f"{sh.prose.count(len(w), 'stack')})")
print(f"width seeds: {runs.table.seed.min()} to {runs.table.seed.max()}, the same {count(SEEDS_PER_WIDTH, 'seed')} at every width")
print(f"equal sizes: {len(sizes.table)} sparse networks x {count(cfg.epochs, 'epoch')} in {sizes.seconds:.0f} s "
      f"when this ran")
timing = runs.timing.set_index("width")
timing["model-epochs per second"] = timing.networks * cfg.epochs / timing.seconds
table(timing, counts=["networks"], decimals=1)

# %% tags=["nbval-check-output"]
for width, r in w.iterrows():
    print(f"width {width:>2}: {sh.describe(hidden_for(width, cfg.hidden)):<14} {r.weights:>6,} weights | "
          f"2^n = 10^{r['log10 2^n']:.0f} subnetworks, C(n, {round(r.weights * POST_TICKET / POST_WEIGHTS)}) = "
          f"10^{r['log10 C(n, k)']:.0f} of the post's ticket share")

# %% [markdown]
# ## 1. Does a smaller dense network fail more often?
#
# A network **fails** when its validation accuracy ends below the threshold (the post's 80%), and
# **collapses** when it ends at chance (within 2 points of always answering the most common class).
# Every rate has its Wilson 95% interval. The bottom panel counts each network's subnetworks: all of
# them (2^n) and those of the post's ticket share, 544 of 6,344 weights (C(n, k)); its axis is
# logarithmic in the exponent, since the counts run from 10^100 to 10^10,000.

# %%
all_fail = [int(x) for x in w.index[w.failed == w.runs]]
never = [int(x) for x in w.index[w.failed == 0]]
mixed = [int(x) for x in w.index if x not in all_fail and x not in never]
narrow = w.iloc[0]
lot_p = f.p_level
prediction = (f"independent tickets, notebook 05's p: (1-p)^N < 10^-(10^{f.lottery[A.PREDICTION].min():.0f})"
              if lot_p is not None else None)
leading = [int(x) for x in w.index[: (w.failed < w.runs).to_numpy().argmax()]] if mixed or never else all_fail
title = (f"Every run fails up to width {leading[-1]}, though the narrowest holds 10^{narrow['log10 C(n, k)']:.0f} "
         "tickets of the post's share" if leading else "Validation accuracy and failures by width")
plots.save(plots.width_outcomes(w, runs.table, cfg.threshold, f.chance, title, prediction), "width_failures.png")

# %%
def rate(kind):
    return [f"{r[kind]} of {r.runs}: {r[kind + ' %']:.0f}% ({r[kind + ' low %']:.0f}% to {r[kind + ' high %']:.0f}%)"
            for _, r in w.iterrows()]
shown = w[["hidden", "weights"]].assign(**{"failed (Wilson 95%)": rate("failed"), "collapsed (Wilson 95%)": rate("collapsed")})
shown = shown.join(w[["q10 %", "q25 %", "q50 %", "q75 %", "q90 %", "best %", "mean test %"]])
table(shown, percent=[c for c in shown.columns if c.endswith(" %")], counts=["weights"])

# %% jupyter={"source_hidden": true} tags=["remove-input"]
one_unit = [int(x) for x in w.index if min(map(int, w.loc[x, "hidden"].split("-"))) == 1]
gone = w[w.collapsed > 0]
medians = ", ".join(f"{w.loc[x, 'q50 %']:.0f}%" for x in one_unit)
say((f"Every one of the networks at width{'s' if len(all_fail) > 1 else ''} "
     f"{', '.join(map(str, all_fail))} fails: even the best of {count(w.loc[all_fail[-1], 'runs'], 'start')} at width "
     f"{all_fail[-1]} ends at {w.loc[all_fail[-1], 'best %']:.1f}%, and the best at width {all_fail[0]} at "
     f"{w.loc[all_fail[0], 'best %']:.1f}%, so no lucky start rescues them.") if all_fail else
    "No width fails in every run at these settings.",
    when(len(one_unit) > 1, f"Widths {', '.join(map(str, one_unit))} all have a one-unit layer, and their medians "
         f"({medians}) are alike: the narrowest layer, not the first, "
         "sets the ceiling."),
    when(any(w.loc[x, "best %"] >= 100 * cfg.threshold - 3 for x in all_fail),
         "Every width trains with the series' optimiser and learning rate, untuned for it, and for "
         + ", ".join(f"width {x}, whose best run ends {100 * cfg.threshold - w.loc[x, 'best %']:.1f} points short"
                     for x in all_fail if w.loc[x, "best %"] >= 100 * cfg.threshold - 3)
         + ", tuning or longer training might still reach the bar."),
    (f"At width{'s' if len(mixed) > 1 else ''} {', '.join(map(str, mixed))} some starts fail and others do not ("
     + ", ".join(f"{w.loc[x, 'failed']} of {w.loc[x, 'runs']} fail" for x in mixed) + ").") if mixed else "",
    (f"From width {never[0]} on, no network fails." if never and all(x in never for x in w.index if x >= never[0])
     else "") if never else "",
    (f"{count(gone.collapsed.sum(), 'network')} ended at chance, all at width{'s' if len(gone) > 1 else ''} "
     f"{', '.join(map(str, gone.index))}: there training failed completely.") if len(gone) else "No network collapsed.",
    (f"At the series' own width ({w.loc[f.reference, 'hidden']}) no network fails: the post's \"never seems to fail\" "
     "holds for its network" + when(all(x in never for x in w.index if x >= f.reference), " and every wider one")
     + when(bool(all_fail), ", not for networks a few units narrower") + ".") if f.reference in never else
    f"At these settings the series' own width fails too ({w.loc[f.reference, 'failed']} of {w.loc[f.reference, 'runs']}).")

# %% [markdown]
# ## 2. Narrow or sparse, at the same weight count
#
# At each narrow width's weight count: the dense narrow networks of part 1, IMP's tickets of the series'
# network cut to exactly that count, and random masks of that count, all trained for the same epochs.
# Accuracies here are on the test set, which no choice in this comparison looked at. The dense
# networks and the sparse ones come from different seeds, so their difference gets **Welch's
# t-interval** (two independent samples, unequal variances); IMP and the random masks share each
# seed's θ₀ and data order, so theirs is **paired** over seeds.

# %%
(plots.save(plots.narrow_or_sparse(runs.table, sizes.table, SIZE_WAYS, ref,
                                   title=(f"At equal weight counts, sparse {ref} tickets beat dense narrow networks "
                                          f"by up to {f.size_means['IMP minus dense'].max():.0f} points (means)")
                                   if f.size_means['IMP minus dense'].min() > 0 else
                                   f"Sparse {ref} tickets and dense narrow networks at equal weight counts"),
            "narrow_or_sparse.png") if f.sizes else
 say(f"At these settings IMP's {cfg.rounds} rounds end above every narrower width's weight count, so there "
     "is nothing to compare at equal size."))

# %%
def brief(i):
    return f"{i.mean:+.1f} ({i.low:+.1f} to {i.high:+.1f})" if np.isfinite(i.low) else f"{i.mean:+.1f}"
rows = [{"weights": f"{c.weights:,}", "dense network": w.loc[c.width, "hidden"],
         "IMP round cut": f"{c.rounds[0]}-{c.rounds[1]}" if c.rounds[0] != c.rounds[1] else str(c.rounds[0]),
         **{f"{k}, test %": v for k, v in c.means.items()},
         "IMP minus dense": brief(c.versus_dense[SIZE_WAYS[0]]),
         "IMP's counts minus dense": brief(c.versus_dense[SIZE_WAYS[1]]),
         "uniform minus dense": brief(c.versus_dense[SIZE_WAYS[2]]),
         "IMP minus its counts, paired": brief(c.imp_vs_counts.interval)} for c in f.sizes]
table(pd.DataFrame(rows).set_index("weights"), percent=[f"{k}, test %" for k in ("dense narrow", *SIZE_WAYS)]) \
    if rows else "No sizes compared."

# %% jupyter={"source_hidden": true} tags=["remove-input"]
def size_sentence(c):
    imp, dense, gap = c.means[SIZE_WAYS[0]], c.means["dense narrow"], c.versus_dense[SIZE_WAYS[0]]
    return (f"At {c.weights:,} weights, the dense {w.loc[c.width, 'hidden']} network reaches {dense:.1f}% test accuracy on "
            f"average and IMP's ticket {imp:.1f}%, a difference of {A.interval_text(gap)}.")
first, last = (f.sizes[0], f.sizes[-1]) if f.sizes else (None, None)
kept_ = f.layer_counts.get(first.weights, []) if first else []
layers = list(sh.weight_counts(baseline.theta0[0]).items())
say(size_sentence(first) if first else "No weight count could be compared at these settings.",
    size_sentence(last) if first and last is not first else "",
    (f"Random masks with IMP's per-layer counts reach {first.means[SIZE_WAYS[1]]:.1f}% at {first.weights:,} weights, "
     f"and masks drawn uniformly over all weights {first.means[SIZE_WAYS[2]]:.1f}%.") if first else "",
    (f"IMP's {first.weights:,}-weight masks keep " + ", ".join(f"{k:,} of the {n:,} weights of layer {name}"
                                                               for (name, n), k in zip(layers, kept_))
     + when(all(k >= n / 2 for (_, n), k in zip(layers[1:], kept_[1:])),
            ": the small layers stay largely whole, so the network keeps its width.", ".")) if kept_ else "")

# %% jupyter={"source_hidden": true} tags=["remove-input"]
imp_win = bool(first) and first.versus_dense[SIZE_WAYS[0]].low > 0
counts_win = bool(first) and first.versus_dense[SIZE_WAYS[1]].low > 0
units = min(map(int, w.loc[first.width, "hidden"].split("-"))) if first else 0
uniform_gap = first.versus_dense[SIZE_WAYS[2]].mean if first else 0
say(*([
    "**Why not train the small network in the first place?**",
    when(first.width in all_fail, f"Because here a small dense network is a narrow one: at {first.weights:,} weights its "
         f"{units}-unit layer caps what any start can learn ({w.loc[first.width, 'best %']:.0f}% at best)."),
    when(counts_win, f"The same weight budget spread sparsely over the {ref} network does far better, even at random "
         "places within each layer, as long as each layer keeps IMP's share of it.",
         when(imp_win, f"Spread sparsely over the {ref} network, the same budget does better where IMP chose the weights.")),
    when(counts_win, "Masks drawn uniformly over all weights, which starve the small layers, "
         + ("do no better than the dense network there." if uniform_gap <= 0 else "keep only part of that advantage.")),
    f"The price is the search: IMP's ticket came from training the full {sum(sh.weight_counts(baseline.theta0[0]).values()):,}-"
    f"weight network {count(first.rounds[1] + 1, 'time')} first, and even the random masks borrowed IMP's per-layer counts.",
    when(counts_win, "So at a fixed weight count, width mattered more here than which weights are kept: what the narrow "
         "networks lack is not a count of tickets.")] if first else []))

# %% [markdown]
# ## 3. What the lottery picture predicts, against what we see
#
# Read literally, the post's picture is a lottery: a network of n weights holds N subnetworks, each an
# independent ticket that wins (trains to the threshold) with probability p, and training fails only if
# every ticket loses, with probability (1 − p)^N. With N in the hundreds of orders of magnitude that
# number underflows any calculator, so everything below is in logarithms: a prediction is written
# 10^−(10^x). Notebook 05 measured p for one kind of ticket, a uniformly random subnetwork of the 8-4
# network trained from θ₀. We take the sparsest level at which any of them won, use the lower end of
# its Wilson interval as p (the least the draws allow) and count each width's subnetworks of that
# share. Then we turn the question round: for each width, which p would make independent tickets fail
# as often as we measured? (With the post's ticket share, C(n, k); the interval comes from the failure
# rate's Wilson interval.)

# %%
lt = f.lottery.copy()
shown = pd.DataFrame({"weights": lt.weights, "failed %": lt["failed %"],
                      "tickets of the post's share": [f"10^{x:.0f}" for x in lt["log10 C(n, k)"]]})
if lot_p is not None:
    shown["predicted failure"] = [f"10^-(10^{x:.1f})" for x in lt[A.PREDICTION]]
shown["p that explains it"] = [("p ≥ 10^{:.0f}".format(lo) if hi == 0 else
                                "p ≤ 10^{:.0f}".format(hi) if lo == -np.inf else f"10^{lo:.0f} to 10^{hi:.0f}")
                               for lo, hi in zip(lt["implied log10 p, low"], lt["implied log10 p, high"])]
shown["restarts for 99% success"] = ["none suffice" if r == np.inf else str(int(r)) for r in lt["restarts for 99%"]]
table(shown, percent=["failed %"], counts=["weights"])

# %% jupyter={"source_hidden": true} tags=["remove-input"]
x_min = lt[A.PREDICTION].min() if lot_p is not None else None
need = lt["implied log10 p, high"]
fit_low, fit_high = lt["implied log10 p, low"].max(), lt["implied log10 p, high"].min()  # the p every width allows
say((f"Notebook 05's uniformly random subnetworks won {int(lot_p.wins)} of {int(lot_p.draws)} draws at "
     f"{100 * (1 - lot_p.remaining):.0f}% sparsity, so p is at least {100 * lot_p.low:.0f}% there (Wilson). Even the "
     f"narrowest network holds 10^{lt[A.LEVEL_COUNT].min():.0f} subnetworks of that share, and (1 − p)^N is below "
     f"10^−(10^{x_min:.0f}) at every width: the lottery picture predicts that no network here ever fails.")
    if lot_p is not None else "No uniformly random subnetwork won at any of notebook 05's levels at these settings, "
    "so there is no measured p above zero to predict with.",
    f"Measured, {count(len(all_fail), 'width')} fail{'s' if len(all_fail) == 1 else ''} in every run." if all_fail else "",
    "(The last column is arithmetic, not a second measurement: with a failure rate F and N tickets, "
    "p = 1 − F^(1/N), about 1/N wherever nearly every run fails.)",
    (f"Read that way, one fixed p does fit every width: tickets of the post's share that each win with odds "
     f"between 10^{fit_low:.0f} and 10^{fit_high:.0f}. But that p is fitted to the failures after the fact, and "
     "it lies hundreds of orders of magnitude below anything a few dozen random draws (notebook 05) could "
     "measure; the count of tickets adds nothing that the width itself does not already say."
     if fit_low <= fit_high else
     "No single p fits every width's failure rate, so independent tickets with fixed odds cannot describe "
     "these networks.") if all_fail else "")

# %% jupyter={"source_hidden": true} tags=["remove-input"]
say("**Where the analogy holds.** Between starts, not between subnetworks. Two runs with different θ₀ and data "
    "orders are independent draws, so restarts multiply exactly like the post's spins"
    + (": at width " + ", ".join(f"{x} ({w.loc[x, 'failed %']:.0f}% of starts fail, {int(lt.loc[x, 'restarts for 99%'])} "
                                 "restarts for a 99% chance that one succeeds)" for x in mixed) + "." if mixed else "."),
    (f"And where there are weights to spare, winning subnetworks are not rare: notebook 05's uniformly random "
     f"subnetworks won {int(lot_p.wins)} of {int(lot_p.draws)} draws at {100 * (1 - lot_p.remaining):.0f}% sparsity.")
    if lot_p is not None else "",
    "**Where it fails.** " + (f"Where every start fails (width{'s' if len(all_fail) > 1 else ''} "
                              f"{', '.join(map(str, all_fail))}), no number of restarts helps, and the 10^"
                              f"{w.loc[all_fail, 'log10 C(n, k)'].min():.0f} or more tickets inside each network do "
                              "not either: capacity, not the count of tickets, decides. " if all_fail else "")
    + "The subnetworks of one network share their weights and train together, so they are not independent "
    "tickets at all, and their number alone says nothing about the odds. The post hedges for this: training "
    "works \"as long as you have trainable data and good architecture for your problem\". A one-unit layer is "
    "not good architecture, so the narrow networks test the lottery arithmetic, not that caveat.")

# %% [markdown]
# ## 4. Explore the widths
#
# The slider picks a width and draws the validation accuracy of all its networks beside those of the
# series' own width. (A static view shows the narrowest width only.)

# %%
WidthExplorer(runs.table, w, cfg.threshold, f.chance, f.reference)

# %% [markdown]
# ## What this notebook claims
#
# Required claims stop the notebook if they fail, and `make test` checks them again with other seeds
# (so other starts at every width) on another floating-point path; reported ones are shown whichever
# way they come out.

# %%
claims = sh.check(cfg, f.claims)

# %% [markdown]
# ## Summary

# %% jupyter={"source_hidden": true} tags=["remove-input"]
first = f.sizes[0] if f.sizes else None
smaller = bool(all_fail) and narrow["failed low %"] > w.loc[f.reference, "failed high %"]
bullets((f"A smaller dense network does fail more often: every run fails at width{'s' if len(all_fail) > 1 else ''} "
         f"{', '.join(map(str, all_fail))}" + (f", some at width {', '.join(map(str, mixed))}" if mixed else "")
         + (f", none from width {never[0]} on" if never else "") + ".") if smaller else
        "At these settings the narrowest network is not shown to fail more often than the series' own.",
        (f"But not the way the lottery picture says: networks with 10^{narrow['log10 C(n, k)']:.0f} and more tickets "
         "fail in every run, where independent tickets would need odds below 1 in "
         f"10^{-f.lottery['implied log10 p, high'].iloc[0]:.0f} each to fail that often. Capacity decides first.")
        if smaller else "",
        (f"At equal weight counts, sparse is better than narrow: at {first.weights:,} weights IMP's ticket is "
         f"{A.interval_text(first.versus_dense[SIZE_WAYS[0]])} ahead of the dense {w.loc[first.width, 'hidden']} network"
         + when(first.versus_dense[SIZE_WAYS[1]].low > 0, ", and even random masks with IMP's layer counts are "
                f"{first.versus_dense[SIZE_WAYS[1]].mean:.0f} points ahead") + ". Two caveats: the dense means "
         "include the narrow networks' collapsed runs, and IMP trained the full network ten times to find its "
         "mask, so the compute is not equal.") if first else "",
        "The honest version of \"betting a thousand times in parallel\" is restarting: independent starts do "
        "multiply, as long as a start can succeed at all.")

# %% [markdown]
# ## Try this
#
# * `WIDTHS = [4, 5, 6, 7]`: where exactly does failure stop?
# * `SETTINGS = {"epochs": 40}`: does longer training rescue the narrow networks, or is it capacity?
# * `SETTINGS = {"threshold": 0.7}`: a lower bar; which widths start succeeding, and does the lottery arithmetic do any better?
# * `SETTINGS = {"hidden": [16]}`: one hidden layer; the widths keep that shape.
#
# <!-- next -->
# **That is the end of the series.** Back to the start: [01 · A very small network learns to sort clothes](01_train_baseline.ipynb)
# <!-- /next -->
