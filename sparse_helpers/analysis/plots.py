"""Every figure of the series, in one seaborn style; each function returns its Figure."""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from ..computing.layout import weight_names
from ..computing.model import IMAGE_SIDE
from ..computing.paths import figures_dir

BAND = "band: min-max over seeds"


def use_style():
    """The series' one plotting style."""
    sns.set_theme(style="whitegrid", context="notebook", palette="colorblind",
                  rc={"figure.dpi": 110, "savefig.dpi": 150, "axes.titleweight": "bold",
                      "axes.titlesize": 12})


def palette():
    """The series' colours, in order."""
    return sns.color_palette("colorblind")


def save(fig, name):
    """Write fig to figures/<name> and return the path."""
    path = figures_dir() / name
    fig.savefig(path, bbox_inches="tight")
    return path


def band(ax, x, ys, label, color, marker=None, ls="-"):
    """Draw the mean of rows ys against x, shaded between their min and max."""
    ys = np.atleast_2d(np.asarray(ys, dtype=float))
    n = ys.shape[0]
    ax.plot(x, np.nanmean(ys, 0), color=color, marker=marker, ms=4, ls=ls,
            label=f"{label} (mean of {n})" if n > 1 else label)
    if n > 1:
        ax.fill_between(x, np.nanmin(ys, 0), np.nanmax(ys, 0), color=color, alpha=0.2, lw=0)


def percent_axis(ax, axis="y", decimals=0):
    """Format an axis in percent."""
    fmt = plt.FuncFormatter(lambda v, _: f"{v:.{decimals}f}%")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def percent_label(v, _=None):
    """A tick label in percent: '51%' for large values, '5.5%' for small ones."""
    return f"{v:.0f}%" if v >= 10 else f"{v:.2g}%"


def threshold_line(ax, threshold, label="threshold"):
    """A dashed horizontal line at the threshold (a fraction), labelled in percent."""
    ax.axhline(100 * threshold, color=palette()[3], ls="--", lw=1,
               label=f"{100 * threshold:.0f}% {label}")


def legend(ax, n_seeds, **kwargs):
    """The legend, titled with the band's meaning when there is more than one seed."""
    ax.legend(title=BAND if n_seeds > 1 else None, fontsize=9, title_fontsize=9, **kwargs)


def sample_grid(data, per_class=8):
    """The first few training images of each class, one row per class."""
    n = len(data.classes)
    fig, axes = plt.subplots(n, per_class, figsize=(0.8 * per_class + 1.2, 0.84 * n),
                             layout="constrained")
    for c, row in enumerate(axes):
        images = data.train_x[data.train_y == c][:per_class]
        for ax, img in zip(row, images):
            ax.imshow(img.view(IMAGE_SIDE, IMAGE_SIDE), cmap="gray_r")
            ax.set_xticks([]), ax.set_yticks([])
        row[0].set_ylabel(data.classes[c], rotation=0, ha="right", va="center")
    fig.suptitle(f"Fashion-MNIST: {n} classes of {IMAGE_SIDE}x{IMAGE_SIDE} greyscale clothing",
                 weight="bold")
    return fig


def training_curves(histories, title, post=None):
    """Test accuracy per epoch of each seed, as mean and band; the post's log as crosses."""
    histories = 100 * np.asarray(histories)
    epochs = np.arange(1, histories.shape[1] + 1)
    fig, ax = plt.subplots(figsize=(7, 4))
    band(ax, epochs, histories, "our runs", palette()[0], marker="o")
    if post is not None:
        ax.plot(epochs[: len(post)], post, "x--", color=palette()[3], label="the post's run")
    ax.set(xlabel="epoch", ylabel="test accuracy", title=title, xticks=epochs)
    percent_axis(ax)
    legend(ax, histories.shape[0], loc="lower right")
    return fig


def weight_histogram(weights, title, bins=120):
    """Histogram of weight values, with the |w| < 0.05 and 0.1 zones marked."""
    fig, ax = plt.subplots(figsize=(7, 4))
    sns.histplot(np.asarray(weights), bins=bins, ax=ax, color=palette()[0])
    for c, ls in ((0.05, ":"), (0.1, "--")):
        for s in (-c, c):
            ax.axvline(s, color="0.3", ls=ls, lw=1, label=f"|w| = {c}" if s > 0 else None)
    ax.set(xlabel="weight value", ylabel="number of weights", title=title)
    ax.legend()
    return fig


def init_vs_trained(theta0_weights, trained_weights, title, trained_label, bins=120):
    """Histograms of the weights at initialisation and after training, overlaid."""
    fig, ax = plt.subplots(figsize=(7, 4))
    both = np.concatenate([theta0_weights, trained_weights])
    edges = np.linspace(both.min(), both.max(), bins)
    for w, label, c in ((theta0_weights, "θ₀ (initialisation)", 1),
                        (trained_weights, trained_label, 0)):
        sns.histplot(np.asarray(w), bins=edges, ax=ax, color=palette()[c], label=label,
                     element="step", alpha=0.35)
    ax.set(xlabel="weight value", ylabel="number of weights (log scale)", yscale="log",
           title=title)
    ax.legend()
    return fig


def first_layer_images(state, title):
    """The first layer's weight vectors drawn as 28x28 images, one per hidden neuron."""
    w = state[weight_names(state)[0]]
    cols = min(len(w), 4)
    rows = -(-len(w) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(2.2 * cols, 2.4 * rows), squeeze=False)
    lim = float(w.abs().max())
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i < len(w):
            im = ax.imshow(w[i].view(IMAGE_SIDE, IMAGE_SIDE), cmap="RdBu_r", vmin=-lim, vmax=lim)
            ax.set_title(f"neuron {i}", fontsize=10, weight="normal")
    fig.colorbar(im, ax=axes, shrink=0.8, label="weight (red +, blue -)")
    fig.suptitle(title, weight="bold")
    return fig


def sparsity_axes(ax, title, ylim=(0, 90)):
    """Label an accuracy-against-sparsity plot (both axes in percent)."""
    ax.set(xlabel="sparsity (share of weights set to zero)", ylabel="test accuracy",
           title=title, ylim=ylim)
    percent_axis(ax), percent_axis(ax, "x")


def accuracy_vs_sparsity(fine, coarse, title, post=None, curves=None):
    """Accuracy against sparsity: fine sweep as band, 10% steps as points, the post's as crosses.

    fine, coarse: lists (one per seed) of sweep tables; curves: more {label: tables} bands.
    """
    fig, ax = plt.subplots(figsize=(7, 4.2))
    band(ax, 100 * fine[0].sparsity.to_numpy(), [100 * t.accuracy for t in fine],
         "global pruning, 1% steps", palette()[0])
    for i, (label, tables) in enumerate((curves or {}).items()):
        band(ax, 100 * tables[0].sparsity.to_numpy(), [100 * t.accuracy for t in tables],
             label, palette()[2 + i])
    cx = 100 * coarse[0].sparsity.to_numpy()
    ax.plot(cx, np.mean([100 * t.accuracy for t in coarse], 0), "o", color=palette()[0],
            label="10% steps (mean)")
    if post is not None:
        ax.plot(cx[: len(post)], post, "x", ms=8, mew=2, color=palette()[3],
                label="the post's table")
    sparsity_axes(ax, title)
    legend(ax, len(fine), loc="lower left")
    return fig


def layer_sparsity(tables, title):
    """How sparse each layer becomes as global pruning raises the overall sparsity, per seed."""
    fig, ax = plt.subplots(figsize=(7, 4))
    x = 100 * tables[0].sparsity.to_numpy()
    for i, col in enumerate(c for c in tables[0].columns if c.startswith("kept ")):
        total = tables[0][col].iloc[0]
        band(ax, x, [100 * (1 - t[col].to_numpy() / total) for t in tables],
             f"layer {col[5:]} ({total} weights)", palette()[i])
    ax.plot([0, 100], [0, 100], "--", color="0.2", lw=1, zorder=5, label="every layer equal")
    ax.set(xlabel="overall sparsity", ylabel="sparsity of the layer", title=title)
    percent_axis(ax), percent_axis(ax, "x")
    legend(ax, len(tables))
    return fig


def lottery_results(sparsity, imp_acc, oneshot, threshold, title):
    """The post's figure: IMP's accuracy per round against sparsity, with pruning alone.

    sparsity: IMP's sparsity per round (fractions); imp_acc: seeds x rounds test accuracies;
    oneshot: one no-retraining sweep table per seed.
    """
    fig, ax = plt.subplots(figsize=(7, 4.2))
    band(ax, 100 * oneshot[0].sparsity.to_numpy(), [100 * t.accuracy for t in oneshot],
         "pruning without retraining", palette()[0])
    band(ax, 100 * np.asarray(sparsity), 100 * np.asarray(imp_acc),
         "IMP with rewind to θ₀", palette()[2], marker="o")
    threshold_line(ax, threshold)
    sparsity_axes(ax, title)
    legend(ax, len(oneshot), loc="lower left")
    return fig


def remaining_plot(curves, ylabel, title, threshold=None, percent_y=True, ylim=None):
    """Curves against the share of weights remaining, on a log axis running from 100% down.

    curves: (label, remaining fractions, seeds x points values, colour index, marker) tuples.
    """
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    n = 1
    for label, x, ys, colour, marker in curves:
        ys = np.atleast_2d(np.asarray(ys, dtype=float))
        n = max(n, ys.shape[0])
        band(ax, 100 * np.asarray(x), (100 if percent_y else 1) * ys, label, palette()[colour],
             marker=marker)
    if threshold is not None:
        threshold_line(ax, threshold)
    ax.set_xscale("log")
    ax.set_xlim(105, 100 * min(min(c[1]) for c in curves) / 1.1)
    ticks = [100, 51.2, 21, 10.7, 5.5, 2.8, 1.4]
    ax.set_xticks([t for t in ticks if t >= 100 * min(min(c[1]) for c in curves) / 1.1])
    ax.xaxis.set_major_formatter(plt.FuncFormatter(percent_label))
    ax.xaxis.set_minor_formatter(plt.NullFormatter())
    ax.set(xlabel="weights remaining (log scale)", ylabel=ylabel, title=title)
    if ylim:
        ax.set_ylim(*ylim)
    if percent_y:
        percent_axis(ax)
    legend(ax, n, loc="lower left")
    return fig


def control_curves(groups, threshold, title):
    """Accuracy per epoch of the ticket and its controls, each as mean and band.

    groups: {label: runs x epochs test accuracies}.
    """
    fig, ax = plt.subplots(figsize=(7, 4.2))
    n = 1
    for (label, h), colour in zip(groups.items(), (2, 1, 4, 0)):
        h = 100 * np.atleast_2d(np.asarray(h))
        n = max(n, h.shape[0])
        band(ax, np.arange(1, h.shape[1] + 1), h, label, palette()[colour])
    threshold_line(ax, threshold)
    ax.set(xlabel="epoch", ylabel="test accuracy", title=title)
    percent_axis(ax)
    ax.legend(title="band: min-max over the runs", loc="lower right", fontsize=9,
              title_fontsize=9)
    return fig


def imp_explorer_figure(rows, threshold, rate):
    """One seed's IMP rounds at a prune rate: validation accuracy against sparsity."""
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot([100 * r["sparsity"] for r in rows], [100 * r["val_acc"] for r in rows], "o-",
            color=palette()[2], label="validation accuracy after each round")
    threshold_line(ax, threshold)
    ax.set(xlabel="sparsity", ylabel="validation accuracy", title=f"IMP at {rate:.0%} per round")
    percent_axis(ax), percent_axis(ax, "x")
    ax.legend(fontsize=8, loc="lower left")
    return fig


def log_remaining_axis(ax, remaining):
    """A log x axis of weights remaining, from 100% down, ticked at the given fractions."""
    ax.set_xscale("log")
    ax.set_xticks(100 * np.asarray(remaining))
    ax.xaxis.set_major_formatter(plt.FuncFormatter(percent_label))
    ax.xaxis.set_minor_locator(plt.NullLocator())
    ax.invert_xaxis()
    ax.set_xlabel("weights remaining (log scale)")


def winning_odds(rates, imp_rates, title, threshold):
    """The share of masks that win at each level, with Wilson 95% intervals, per way of drawing.

    rates, imp_rates: win_rates tables with a 'remaining' column (fractions).
    """
    fig, ax = plt.subplots(figsize=(8.5, 4.5))
    groups = [*rates.groupby("way", sort=False), *imp_rates.groupby("way", sort=False)]
    for i, (way, g) in enumerate(groups):
        g = g.sort_values("remaining", ascending=False)
        x = 100 * g.remaining.to_numpy() * (1 + 0.025 * (i - 1.5))  # nudged apart on the log axis
        err = 100 * np.clip(np.vstack([g.rate - g.low, g.high - g.rate]), 0, None)  # float dust
        ax.errorbar(x, 100 * g.rate, yerr=err, marker="os^D"[i % 4], ms=5, capsize=3,
                    color=palette()[[0, 1, 4, 2][i % 4]], label=f"{way} (n={g.n.iloc[0]})")
    log_remaining_axis(ax, sorted(set(rates.remaining.round(4)), reverse=True))
    ax.set(ylabel=f"masks that win (validation ≥ {100 * threshold:.0f}%)", title=title, ylim=(-3, 103))
    percent_axis(ax)
    ax.legend(title="bars: Wilson 95% intervals", fontsize=9, title_fontsize=9,
              loc="upper left", bbox_to_anchor=(1.01, 1))
    return fig


def odds_at_level(table, imp, threshold, title):
    """Validation accuracy of every random mask of one level, per way, with IMP's own masks."""
    fig, ax = plt.subplots(figsize=(7, 3.6))
    frame = pd.concat([table, imp], ignore_index=True)
    frame["acc"] = 100 * frame.val_acc
    order = list(dict.fromkeys(frame.way))
    colours = [palette()[i] for i in (0, 1, 4, 2)][: len(order)]
    sns.stripplot(frame, x="acc", y="way", order=order, ax=ax, hue="way", hue_order=order,
                  palette=colours, size=5, alpha=0.7, legend=False)
    ax.axvline(100 * threshold, color=palette()[3], ls="--", lw=1)
    lo, hi = min(frame.acc.min(), 100 * threshold), max(frame.acc.max(), 100 * threshold)
    ax.set(xlabel="validation accuracy after training", ylabel="", title=title,
           xlim=(lo - 2, hi + 1))
    percent_axis(ax, "x")
    return fig
