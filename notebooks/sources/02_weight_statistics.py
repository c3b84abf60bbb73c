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
# # 02 · What the trained weights look like
#
# <!-- navigation -->
# *Part 2 of 6 of* ***Sparse Networks and Lottery Winners, the notebooks***: [01](01_train_baseline.ipynb) · **02** · [03](03_one_shot_pruning.ipynb) · [04](04_lottery_tickets.ipynb) · [05](05_winning_odds.ipynb) · [06](06_narrow_or_sparse.ipynb)
#
# ← [01 · A very small network learns to sort clothes](01_train_baseline.ipynb) | [03 · Cutting the smallest weights](03_one_shot_pruning.ipynb) →
# <!-- /navigation -->
#
# Each weight scales what one neuron passes to the next, so a weight near zero passes almost nothing
# on. The post looks at the trained weights, finds that half of them are smaller than 0.1, and
# wonders whether those connections do anything at all. (It speaks of "thousands of neurons that
# aren't passing much on"; it means weights, since the network has twelve hidden neurons.) That
# question drives the rest of the series.
#
# Here we recompute its statistics, then ask two questions the post does not: **does the picture
# hold in every layer?** and **did training make all those small weights, or were they small from the
# start?** The second answer changes how the post's observation should be read.

# %% tags=["parameters"]
SETTINGS = {}      # the series' settings to change (Config's fields, "levels", "masks_per_level"),
                   # e.g. {"epochs": 3, "seeds": [0, 1]}, or the path of a JSON file of them

# %%
import sparse_helpers as sh
from sparse_helpers.analysis import plots, weights
from sparse_helpers.analysis.prose import bullets, say, table, when

cfg = sh.series(SETTINGS).cfg  # this run of the series: every notebook reads the same settings
cfg, data, baseline, story = sh.setup(cfg, notebook="02_weight_statistics")
f = weights.weight_findings(baseline, story)
trained, theta0, seed = baseline.runs[story].state, baseline.theta0[story], cfg.seeds[story]

# %% [markdown]
# ## The post's statistics, recomputed
#
# The same summary the post prints, for our story seed:

# %%
print(weights.format_stats(f.story))

# %% tags=["nbval-check-output"]
print("weights counted:", f.story["count"], "=", " + ".join(map(str, sh.weight_counts(trained).values())))

# %% [markdown]
# Side by side with the post's numbers and the range over our seeds. The post names neither its
# optimizer nor its learning rate nor its seed, so its run surely differs from ours; the question is
# whether it looks like one of them.

# %%
table(f.versus_post)

# %% jupyter={"source_hidden": true} tags=["remove-input"]
small, tenth = 100 * f.per_seed["|w|<0.05"], 100 * f.per_seed["|w|<0.1"]
say(f"For the story seed, **{100 * f.story['|w|<0.05']:.0f}%** of the weights are below 0.05 in magnitude "
    f"and **{100 * f.story['|w|<0.1']:.0f}%** below 0.1 (over all seeds {sh.prose.span(small.min(), small.max(), '{:.0f}', '-')}% "
    f"and {sh.prose.span(tenth.min(), tenth.max(), '{:.0f}', '-')}%); the post reports 29% and 54% and calls the first "
    "\"almost a third\".",
    when(f.post_outside, f"The post's run lies outside the range of all {len(f.per_seed)} of our seeds "
         f"for {', '.join(f.post_outside)}: a similar shape, a tall narrow peak around zero, but its "
         "weights are not the weights of any of our runs, so we read its figures as one neighbouring "
         "training recipe rather than as ours.",
         "Every statistic of the post lies inside the range of our seeds."))

# %%
plots.save(plots.weight_histogram(sh.all_weights(trained).numpy(),
                                  title=f"Seed {seed}: {100 * f.story['|w|<0.1']:.0f}% of the trained weights have |w| < 0.1"),
           "trained_weight_histogram.png")

# %% [markdown]
# ## Layer by layer
#
# The single histogram hides something: nearly all the weights belong to the first layer, so the
# overall numbers are really the first layer's numbers. The two small layers look nothing like it.

# %%
table(f.layers, counts=["count"])

# %% jupyter={"source_hidden": true} tags=["remove-input"]
first, *rest = f.layers.index[1:]
say(f"The first layer ({first}) has a standard deviation of {f.layers.loc[first, 'std']:.2f}; "
    + " and ".join(f"the {name} layer's is {f.layers.loc[name, 'std']:.2f}" for name in rest) + ".",
    when(f.small_layers_wider, "The small layers' weights are larger, so any rule that removes \"the "
         "smallest weights\" across all layers takes nearly all of them from the first layer; notebook 03 "
         "measures how lopsided that is."))

# %% [markdown]
# ## Before and after training
#
# The post knows that a network starts with small random weights, and reads the small trained
# weights as connections that training weakened. The initial weights θ₀ show how far that reading
# goes. PyTorch starts a layer with `fan_in` inputs uniformly within ±1/√fan_in, and the first layer
# has 784 inputs, so every one of its initial weights lies in a narrow band around zero.

# %%
print(f"first-layer initial weights lie within ±1/√{sh.model.N_INPUTS} = ±{sh.model.N_INPUTS ** -0.5:.4f}")
table(f.before_after)

# %% jupyter={"source_hidden": true} tags=["remove-input"]
say(f"For every seed the share of weights below 0.05 falls by {f.small_drop.min():.0f} to "
    f"{f.small_drop.max():.0f} points during training, and the standard deviation grows "
    f"{f.spread.min():.1f}- to {f.spread.max():.1f}-fold.",
    when(f.small_drop.min() > 0, "So the post's \"whole lotta nothin'\" near zero is not something training "
         "made: every first-layer weight started there (θ₀ lies within ±1/√784), and training *widened* the "
         "distribution, growing most weights and leaving some small."),
    "Does a weight's starting size predict where it ends? Spearman's rank correlation between |θ₀| and "
    f"the trained |w| of the first layer, averaged over seeds, is {f.first_rank.text('', 2)}; the table "
    "below gives every layer.",
    when(f.first_rank.n > 1 and f.first_rank.low > 0,
         "It is positive: initially larger weights tend to end larger.",
         "So a first-layer weight's final size has almost nothing to do with its initial size.")
    + " In the small layers the mean correlation is "
    + " and ".join(f"{rho:.2f} ({name})" for name, rho in f.ranks.iloc[:, 1:].mean().items())
    + ": there a weight's start matters more.")

# %%
table(f.ranks.set_axis([f"seed {s}" for s in cfg.seeds]).rename_axis("Spearman's rho"))

# %%
init_small, trained_small = 100 * f.before_after.loc["|w|<0.05"]
plots.save(plots.init_vs_trained(sh.all_weights(theta0).numpy(), sh.all_weights(trained).numpy(),
                                 trained_label=f"after {sh.prose.count(cfg.epochs, 'epoch')}",
                                 title=f"Seed {seed}: training spreads the weights, |w| < 0.05 falls from "
                                       f"{init_small:.0f}% to {trained_small:.0f}%"), "init_vs_trained.png")

# %% [markdown]
# ## What each first-layer neuron looks at
#
# Each first-layer neuron has one weight per pixel, so its weights can be drawn as a 28×28 picture.
# A red weight adds to the neuron's input where the (standardised) pixel is brighter than the training
# average and subtracts where it is darker, black background included; blue weights do the opposite.
# Pale pixels are the small weights the post is curious about.

# %%
plots.save(plots.first_layer_images(trained, title=f"Seed {seed}: each first-layer neuron's weights, "
                                                   "one per pixel; pale means near zero"), "first_layer_weights.png")

# %% [markdown]
# Some neurons show recognisable structure, such as a vertical stripe down the middle, where trousers
# have a gap between the legs, or a band along the top, where collars and shoulders sit.
#
# One might expect the pixels at the edge of the picture to have the weights closest to zero, on the
# idea that the border is always black. The raw images say otherwise:

# %%
border = weights.border_facts(sh.raw_arrays().train_images, width=3)
weights.border_table(border)

# %% jupyter={"source_hidden": true} tags=["remove-input"]
black = data.train_x.min().item()  # a pixel value of 0 after standardisation
say(f"Only {100 * border['share of border values that are 0']:.0f}% of the border's pixel values are exactly 0,",
    f"**{border['images with an all-black border'] or 'none'} of the {border['images']:,} training "
    "images** have an all-black border, and the least often black border pixel is black in "
    f"just {100 * border['least often black border pixel: share of images']:.0f}% of the images.",
    "So the border is mostly, not always, background. Where it is black it is not silent either: after "
    f"standardisation a black pixel is not 0 but {black:.2f}, the same value every time, so its weights "
    "still receive gradient whenever their neuron is active and act much like part of a bias. Notebook 03 "
    "looks at what that means for pruning.")

# %% [markdown]
# ## What this notebook claims

# %%
claims = sh.check(cfg, f.claims)

# %% [markdown]
# ## Summary

# %% jupyter={"source_hidden": true} tags=["remove-input"]
post_tenth = 100 * weights.POST["|w|<0.1"]
bullets(f"{sh.prose.span(tenth.min(), tenth.max(), '{:.0f}', '-')}% of the trained weights are below 0.1 over our seeds (the post: "
    f"{post_tenth:.0f}%" + when(not tenth.min() <= post_tenth <= tenth.max(), ", just outside that range") + "); "
    "almost all of them sit in the first layer, whose weights are much smaller than the others'.",
    f"Before training even more of them were small: the share below 0.05 falls by "
    f"{sh.prose.span(f.small_drop.min(), f.small_drop.max(), '{:.0f}', '-')} points. The small trained weights are not "
    "a sign that training weakened connections; in the first layer every weight started small, and "
    "training grew most of them"
    + when(abs(f.first_rank.mean) < 0.1, f". Which ones end small has almost nothing to do with their "
           f"starting size (first-layer rank correlation {f.first_rank.mean:.2f})") + ".",
    "The image border is not reliably black, and a black pixel is a constant input, not a zero one.")

# %% [markdown]
# ## Try this
#
# * `SETTINGS = {"hidden": [32, 16]}`: with 32 first-layer neurons θ₀'s band is the same (it depends on the 784
#   inputs), but does training widen it as much?
# * `SETTINGS = {"epochs": 2}`: how much of the widening happens in the first two epochs?
# * `SETTINGS = {"story_seed": 3}`, then compare the pictures of the first-layer neurons: which features recur?
#
# <!-- next -->
# **Next:** [03 · Cutting the smallest weights](03_one_shot_pruning.ipynb)
# <!-- /next -->
