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
# # 03 · Cutting the smallest weights
#
# <!-- navigation -->
# *Part 3 of 6 of* ***Sparse Networks and Lottery Winners, the notebooks***: [01](01_train_baseline.ipynb) · [02](02_weight_statistics.ipynb) · **03** · [04](04_lottery_tickets.ipynb) · [05](05_winning_odds.ipynb) · [06](06_narrow_or_sparse.ipynb)
#
# ← [02 · What the trained weights look like](02_weight_statistics.ipynb) | [04 · Lottery tickets](04_lottery_tickets.ipynb) →
# <!-- /navigation -->
#
# If a weight is close to zero, setting it to exactly zero should change little. The post tests this
# directly: sort the trained weights by magnitude, zero the smallest 10%, 20%, ... 90%, and measure the
# test accuracy each time, **without any retraining**. This is global magnitude pruning: one cut,
# ranked across all layers together. (Frankle and Carbin's "one-shot pruning" is something else:
# prune once, then rewind and *retrain*; notebook 04 runs that. Here nothing is retrained.)
#
# The idea is older than the post suggests. It cites Li et al., "Pruning Filters for Efficient
# ConvNets" (on arXiv in 2016, published 2017), but pruning by weight importance goes back at least to
# LeCun, Denker and Solla's "Optimal Brain Damage" (1990), and pruning the smallest weights of a
# trained network, then retraining it, was Han et al.'s recipe in 2015.
#
# We redo the post's table, then go further: a sweep in 1% steps for every seed, where the cuts land
# layer by layer, cutting every layer by the same share instead, the image border, and a slider to
# prune the network yourself.

# %% tags=["parameters"]
SETTINGS = {}      # the series' settings to change (Config's fields, "levels", "masks_per_level"),
                   # e.g. {"epochs": 3, "seeds": [0, 1]}, or the path of a JSON file of them

# %%
import numpy as np

import sparse_helpers as sh
from sparse_helpers.analysis import plots, pruning
from sparse_helpers.analysis.prose import bullets, say, table, when
from sparse_helpers.analysis.widgets import SparsityExplorer

cfg = sh.series(SETTINGS).cfg  # this run of the series: every notebook reads the same settings
cfg, data, baseline, story = sh.setup(cfg, notebook="03_one_shot_pruning")
f = pruning.pruning_findings(baseline, data)
seed = cfg.seeds[story]

# %% [markdown]
# ## The post's table
#
# A weight is removed when its magnitude is below the given percentile of all the magnitudes (linear
# interpolation between ranks, as `numpy.percentile` does). This rule keeps exactly the counts the post
# reports: 5,709 weights at the 10th percentile, 635 at the 90th. Here is the story seed:

# %%
print(pruning.format_sweep(f.coarse[story]))

# %% tags=["nbval-check-output"]
assert all(t["kept"].tolist() == f.kept_counts for t in f.coarse)  # the counts don't depend on the seed
print("weights kept at each 10% step:", f.kept_counts)

# %% [markdown]
# The same steps over all seeds, with the post's accuracies beside ours:

# %%
table(f.summary, percent=["accuracy % mean", "min", "max", "the post"], counts=["kept"], decimals=2)

# %% jupyter={"source_hidden": true} tags=["remove-input"]
say(f"Cutting the smallest 10% moves accuracy by at most {np.abs(f.drop_10).max():.2f} points for any seed;",
    f"cutting 30% costs {f.drop_30.mean():.2f} points on average (at most {f.drop_30.max():.2f}).",
    f"The post lost {pruning.POST_ACC[0] - pruning.POST_ACC[3]:.2f} points at 30%.")

# %% [markdown]
# ## The whole curve, in 1% steps
#
# Ten points can hide the shape of the curve (the post's table even goes *up* between 50% and 60%,
# which is the noise of one run). Evaluating a pruned network on the 10,000 test images takes
# milliseconds, so we sweep 100 sparsities for each seed.

# %%
plots.save(plots.accuracy_vs_sparsity(f.fine, f.coarse, post=pruning.POST_ACC,
                                      title=f"Pruning without retraining costs under a point up to "
                                            f"{100 * f.flat_until:.0f}% sparsity, then falls"), "accuracy_vs_sparsity.png")

# %% jupyter={"source_hidden": true} tags=["remove-input"]
say(f"Averaged over seeds, the network keeps its accuracy within one point until **{100 * f.flat_until:.0f}%** of "
    f"its weights are gone, with no retraining at all; beyond that it falls steadily, to "
    f"{f.fine_acc[:, 90].mean():.0f}% at 90% sparsity.",
    pruning.post_comparison(f, len(pruning.POST_ACC)))

# %% [markdown]
# ## Where the cuts land
#
# Global pruning ranks all weights together. Notebook 02 showed that the first layer's weights are
# much smaller than the others, so nearly every cut falls there. (The table is the story seed's.)

# %%
plots.save(plots.layer_sparsity(f.fine, title="Global pruning takes nearly all its cuts from the first layer"),
           "layer_sparsity.png")

# %%
story_table = f.fine[story].set_index("percentile").loc[[30, 50, 70, 90], [c for c in f.fine[story].columns if c.startswith("kept")]]
story_table.index = [f"{p:.0f}%" for p in story_table.index]
table(story_table.rename_axis(f"sparsity (seed {seed})"), counts=story_table.columns)

# %% [markdown]
# The two small layers keep most of their weights until the overall sparsity is very high, because
# their weights are larger (notebook 02). Each of them is also one of only 32 or 40 links, where a
# first-layer weight is one of 6,272, which is why that protection matters (the layer-wise
# comparison below measures it).
#
# ## Global against layer-wise
#
# What if every layer had to lose the same share? Then the small layers lose their important
# weights as early as the big one does:

# %%
plots.save(plots.accuracy_vs_sparsity(f.fine, f.coarse, curves={"layer-wise pruning, same share per layer": f.layerwise},
                                      title="Pruning each layer by the same share fails far earlier than global pruning"),
           "global_vs_layerwise.png")

# %% jupyter={"source_hidden": true} tags=["remove-input"]
v = f.versus_layerwise
say(f"At 50% sparsity global pruning is ahead of layer-wise pruning by {v.interval.text()};",
    f"the smallest lead of any seed is {v.differences.min():.1f} points." if len(v.differences) else "")

# %% [markdown]
# ## Prune it yourself
#
# Move the slider to set the sparsity. Each move prunes the story seed's trained network globally by
# magnitude and evaluates it on the full test set. On the left, each input pixel is coloured by how
# many of the first layer's neurons it still reaches. (On GitHub or in a static export you see the
# default setting only; in JupyterLab, run the cell below to move the slider.)

# %%
SparsityExplorer(baseline.runs[story].state, data, sparsity=0.5)

# %% [markdown]
# If you expected the image border to disconnect first, the map disagrees: pruning thins the whole
# picture, border included. Over every seed, here is the mean |w| of a border pixel's links and of a
# central pixel's before any pruning, and how many of the first layer's neurons each still reaches at
# a few sparsities:

# %%
table(f.border.rename_axis("seed"), decimals=3)

# %% jupyter={"source_hidden": true} tags=["remove-input"]
m = f.border_magnitude
ahead = [s for s, t in f.border_links.items() if t.interval.low > 0]
behind = [s for s, t in f.border_links.items() if t.interval.high < 0]
say(f"Over {sh.prose.count(m.interval.n, 'seed')}, a border pixel's links are larger than a central pixel's by "
    f"{m.interval.text('', 3)} in mean |w|:",
    when(m.interval.low > 0, "larger, for every seed. A likely reason is the one notebook 02 gave: a black "
         "pixel is not zero after standardisation but the same negative value every time, so the weights "
         "on the mostly black border keep receiving gradient and grow like biases would.",
         "the seeds do not agree on the sign."),
    (f"So under pruning a border pixel keeps more of its links than a central one at "
     f"{', '.join(f'{s:.0%}' for s in ahead)} sparsity" if ahead else
     "No sparsity shows a border pixel keeping more links than a central one for the seeds as a whole")
    + (f", and fewer at {', '.join(f'{s:.0%}' for s in behind)}" if behind else "")
    + " (95% intervals over seeds): magnitude pruning does not clear the border first.")

# %% [markdown]
# ## Edge cases
#
# The helpers refuse sparsities outside [0, 1) with a message that says so, and a network whose every
# weight is masked still runs: with no path from the pixels, only the last layer's biases decide, so it
# predicts one class for every image and gets 10% right.

# %% tags=["nbval-check-output"]
try:
    sh.prune.global_masks(baseline.runs[story].state, 1.0)
except ValueError as err:
    print("ValueError:", err)
all_pruned = {n: 0 * m for n, m in sh.prune.dense_masks(baseline.runs[story].state).items()}
acc_empty = sh.evaluate(baseline.runs[story].state, data, all_pruned)
assert abs(acc_empty - 0.10) < 0.005
print(f"every weight pruned: accuracy {100 * acc_empty:.0f}% (one class out of ten)")

# %% [markdown]
# ## What this notebook claims

# %%
claims = sh.check(cfg, f.claims)

# %% [markdown]
# ## Summary

# %% jupyter={"source_hidden": true} tags=["remove-input"]
post = sh.prose
bullets(f"Without retraining, the trained network keeps its accuracy within a point until about "
    f"{100 * f.flat_until:.0f}% of its weights are gone. At the post's 30% it costs {f.drop_30.mean():.2f} points on "
    "average: small, but more than the post's \"no measurable decline\".",
    "Global pruning takes its cuts from the big first layer and spares the small ones; cutting every "
    f"layer equally costs {f.versus_layerwise.interval.mean:.0f} points more at 50% sparsity.",
    "The border is not pruned first.",
    f"Next, the post's far better result: a ticket with {100 * (1 - post.POST_TICKET / post.POST_WEIGHTS):.1f}% "
    "of the weights removed (\"roughly 19 out of every 20\" rounds that up to 95%; its \"almost 95 "
    f"percent\" may describe the last point of its plot, the failing round at {100 * post.post_sparsity(12):.1f}%), "
    "found by retraining and a reset to the original initialisation.")

# %% [markdown]
# ## Try this
#
# * Move the slider to 90%: how many pixels still reach a neuron, and which?
# * `SETTINGS = {"hidden": [16]}`: with one hidden layer there is no small middle layer to protect; does
#   layer-wise pruning still lose?
# * `SETTINGS = {"epochs": 3}`: an undertrained network has smaller weights; does it prune as well?
#
# <!-- next -->
# **Next:** [04 · Lottery tickets](04_lottery_tickets.ipynb)
# <!-- /next -->
