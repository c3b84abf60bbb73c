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
# # 02 · What the trained weights look like
#
# *Part 2 of 5.* [01 baseline](01_train_baseline.ipynb) · [02 weight statistics](02_weight_statistics.ipynb) ·
# [03 pruning](03_one_shot_pruning.ipynb) · [04 lottery tickets](04_lottery_tickets.ipynb) ·
# [05 winning odds](05_winning_odds.ipynb)
#
# Each weight scales what one neuron hands to the next, so a weight near zero passes almost nothing on.
# The post looks at the trained weights, finds that half of them are smaller than 0.1, and wonders
# whether those connections do anything at all. (It speaks of "thousands of neurons that aren't
# passing much on"; it means weights: the network has twelve hidden neurons.) That question drives the
# rest of the series.
#
# Here we reproduce its statistics, then ask two questions the post does not: **does the picture hold
# for every layer?** and **did training create all those small weights, or were they there from the
# start?** The second answer changes how the post's observation should be read.

# %% tags=["parameters"]
from sparse_helpers import DEFAULTS

SEEDS = list(DEFAULTS.seeds)
EPOCHS = DEFAULTS.epochs
HIDDEN = DEFAULTS.hidden
STORY_SEED = 0

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

import sparse_helpers as sh
from sparse_helpers import plots
from sparse_helpers.model import N_INPUTS
from sparse_helpers.stats import format_stats, layer_stats, weight_stats

cfg, data, baseline, story = sh.setup(sh.Config(seeds=SEEDS, epochs=EPOCHS, hidden=HIDDEN), STORY_SEED)
trained, theta0 = baseline.runs[story].state, baseline.theta0[story]

# %% [markdown]
# ## The post's statistics, recomputed
#
# The same summary the post prints, for our story seed:

# %%
stats = weight_stats(sh.all_weights(trained))
print(format_stats(stats))

# %%
# NBVAL_CHECK_OUTPUT
assert stats["count"] == sum(sh.weight_counts(trained).values())
print("weights counted:", stats["count"], "=", " + ".join(map(str, sh.weight_counts(trained).values())))

# %% [markdown]
# Side by side with the post's numbers, and with the spread over our seeds. The post does not name its
# optimizer, learning rate or random seed, so ours surely differ from its; the question is whether the
# picture is the same.

# %%
POST = {"mean": -0.004816, "std": 0.158104, "min": -1.124022, "max": 0.924387,
        "|w|<0.001": 0.0066, "|w|<0.01": 0.0588, "|w|<0.05": 0.2911, "|w|<0.1": 0.5392}
per_seed = pd.DataFrame([weight_stats(sh.all_weights(r.state)) for r in baseline.runs])
comparison = pd.DataFrame({"the post": pd.Series(POST), f"seed {cfg.seeds[story]}": pd.Series(stats),
                           "mean over seeds": per_seed.mean()})
if len(per_seed) > 1:
    comparison["sd over seeds"] = per_seed.std()
comparison.drop("count").round(4)

# %%
small = 100 * per_seed["|w|<0.05"]
tenth = 100 * per_seed["|w|<0.1"]
display(Markdown(
    f"For our story seed, **{100 * stats['|w|<0.05']:.0f}%** of the weights are smaller than 0.05 in "
    f"magnitude and **{100 * stats['|w|<0.1']:.0f}%** smaller than 0.1 (over all seeds: "
    f"{small.min():.0f}-{small.max():.0f}% and {tenth.min():.0f}-{tenth.max():.0f}%). The post reports "
    f"29% and 54%, and calls the first \"almost a third\". "
    + sh.when(abs(small.mean() - 29.11) < 8 and abs(tenth.mean() - 53.92) < 8,
              "The same picture: a tall narrow peak around zero.",
              "Our weights sit differently from the post's at these settings.")))

# %%
fig = plots.weight_histogram(sh.all_weights(trained).numpy(),
    title=f"{100 * stats['|w|<0.1']:.0f}% of the trained weights have |w| < 0.1")
plots.save(fig, "trained_weight_histogram.png")
plt.show()

# %% [markdown]
# ## Layer by layer
#
# The single histogram hides something: nearly all the weights belong to the first layer, so the
# overall numbers are really the first layer's numbers. The two small layers look nothing like it.

# %%
per_layer = layer_stats(trained)
per_layer["count"] = per_layer["count"].astype(int)
per_layer.round(4)

# %%
first, *rest = per_layer.index[1:]
wider = all(per_layer.loc[name, "std"] > per_layer.loc[first, "std"] for name in rest)
display(Markdown(
    f"The first layer ({first}) has a standard deviation of {per_layer.loc[first, 'std']:.2f}; "
    + " and ".join(f"the {name} layer's is {per_layer.loc[name, 'std']:.2f}" for name in rest) + ". "
    + sh.when(wider, "The small layers' weights are larger, so any rule that removes \"the smallest "
              "weights\" across all layers will take nearly all of them from the first layer; notebook "
              "03 measures how lopsided that is.")))

# %% [markdown]
# ## Before and after training
#
# The post knows that a network starts with small random weights, and then reads the small trained
# weights as connections that training weakened. The initial weights θ₀ show how far that reading
# goes. PyTorch starts a layer with `fan_in` inputs uniformly in ±1/√fan_in, and the first layer has
# 784 inputs, so every one of its initial weights lies within a very narrow band around zero.

# %%
init_stats = weight_stats(sh.all_weights(theta0))
cuts = ["|w|<0.001", "|w|<0.01", "|w|<0.05", "|w|<0.1", "std", "max"]
before_after = pd.DataFrame({"θ₀ (before)": pd.Series(init_stats)[cuts],
                             "trained (after)": pd.Series(stats)[cuts]})
print(f"first-layer initial weights lie within ±1/√{N_INPUTS} = ±{N_INPUTS ** -0.5:.4f}")
before_after.round(4)

# %%
init_small, trained_small = 100 * init_stats["|w|<0.05"], 100 * stats["|w|<0.05"]
sh.claim(cfg, init_small > trained_small + 30,
         "training leaves far fewer weights below 0.05 than θ₀ had (a drop of over 30 points)",
         ("hidden", "epochs"))
fig = plots.init_vs_trained(sh.all_weights(theta0).numpy(), sh.all_weights(trained).numpy(),
    trained_label=f"after {cfg.epochs} epochs",
    title=f"Training spreads the weights out: |w| < 0.05 falls from {init_small:.0f}% to {trained_small:.0f}%")
plots.save(fig, "init_vs_trained.png")
plt.show()

# %%
w0, w1 = sh.all_weights(theta0), sh.all_weights(trained)
ends_small = w1.abs() < 0.05
moved_small, moved_rest = (w1 - w0).abs()[ends_small].median().item(), (w1 - w0).abs()[~ends_small].median().item()
started_small = 100 * (w0.abs()[ends_small] < 0.05).float().mean().item()
display(Markdown(
    f"Before training {init_small:.0f}% of the weights were below 0.05, after it {trained_small:.0f}%, "
    f"and the standard deviation grew {stats['std'] / init_stats['std']:.1f}-fold. Of the weights that end "
    f"below 0.05, {started_small:.0f}% started there, and training moved them by a median of "
    f"{moved_small:.3f}, against {moved_rest:.3f} for the others. "
    + sh.when(init_small > trained_small and moved_small < moved_rest,
              "So the post's \"whole lotta nothin'\" near zero is mostly **where the weights started**, "
              "not where training sent them: training *widened* the distribution, and the weights that "
              "stay small are the ones it moved least. ")
    + "The post's next question still stands (do they matter?), and notebook 03 answers it by "
    "deleting them."))

# %% [markdown]
# ## What each first-layer neuron looks at
#
# Each first-layer neuron has one weight per pixel, so its weights can be drawn as a 28×28 picture.
# A red weight adds to the neuron's input where the (standardised) pixel is brighter than the training
# average and subtracts where it is darker, black background included; blue weights do the opposite.
# Pale pixels are the small weights the post is curious about.

# %%
fig = plots.first_layer_images(trained, title="Each first-layer neuron's weights, one per pixel; pale means near zero")
plots.save(fig, "first_layer_weights.png")
plt.show()

# %% [markdown]
# Some neurons show recognisable structure: a vertical stripe down the middle, where trousers have a
# gap between the legs, or a band along the top edge, where collars and shoulders sit.
#
# One might expect the pixels at the edge of the picture to carry the weights closest to zero, on the
# idea that the border is always black. The raw images say otherwise:

# %%
raw = sh.raw_arrays()
border = sh.stats.border_facts(raw.train_images, width=3)
pd.Series(border).to_frame("the 3-pixel border of the training images").round(3)

# %%
black = data.train_x.min().item()  # a pixel value of 0 after standardisation
display(Markdown(
    f"Only {100 * border['share of border values that are 0']:.0f}% of the border's pixel values are "
    f"exactly 0, **{border['images with an all-black border'] or 'none'} of the "
    f"{border['images']:,} training images** have an all-black border, and the least often black "
    f"border pixel is black in just {100 * border['least often black border pixel: share of images']:.0f}% "
    f"of the images. So the border is mostly, not always, background. And where it is black, it is "
    f"not silent: after standardisation a black pixel is not 0 but {black:.2f}, the same value every "
    f"time, so its weights still receive gradient whenever their neuron is active and work much like "
    f"part of a bias. Notebook 03 looks at what that means for pruning."))

# %% [markdown]
# Next: [03 · Cutting the smallest weights](03_one_shot_pruning.ipynb).
