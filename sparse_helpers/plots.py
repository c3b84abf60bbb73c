"""Every figure of the series, in one seaborn style; each function returns its Figure."""
import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from .model import weight_names
from .paths import figures_dir

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


def band(ax, x, ys, label, color, marker=None):
    """Draw the mean of rows ys against x, shaded between their min and max."""
    ys = np.atleast_2d(np.asarray(ys, dtype=float))
    mean = np.nanmean(ys, 0)
    n = ys.shape[0]
    ax.plot(x, mean, color=color, marker=marker, ms=4,
            label=f"{label} (mean of {n})" if n > 1 else label)
    if n > 1:
        ax.fill_between(x, np.nanmin(ys, 0), np.nanmax(ys, 0), color=color, alpha=0.2, lw=0)


def percent_axis(ax, axis="y"):
    """Format an axis in percent."""
    fmt = plt.FuncFormatter(lambda v, _: f"{v:.0f}%")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def sample_grid(data, per_class=8):
    """The first few training images of each class, one row per class."""
    fig, axes = plt.subplots(len(data.classes), per_class, figsize=(0.8 * per_class + 1.2, 8.4),
                             layout="constrained")
    for c, row in enumerate(axes):
        images = data.train_x[data.train_y == c][:per_class]
        for ax, img in zip(row, images):
            ax.imshow(img.view(28, 28), cmap="gray_r")
            ax.set_xticks([]), ax.set_yticks([])
        row[0].set_ylabel(data.classes[c], rotation=0, ha="right", va="center")
    fig.suptitle("Fashion-MNIST: ten classes of 28x28 greyscale clothing", weight="bold")
    return fig


def training_curves(histories, title, post=None):
    """Test accuracy per epoch of each seed, as mean and band; post's log as markers."""
    histories = 100 * np.asarray(histories)
    epochs = np.arange(1, histories.shape[1] + 1)
    fig, ax = plt.subplots(figsize=(7, 4))
    band(ax, epochs, histories, "our runs", palette()[0], marker="o")
    if post is not None:
        ax.plot(epochs[: len(post)], post, "x--", color=palette()[3], label="the post's run")
    ax.set(xlabel="epoch", ylabel="test accuracy", title=title, xticks=epochs)
    percent_axis(ax)
    ax.legend(title=BAND if histories.shape[0] > 1 else None, loc="lower right")
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


def init_vs_trained(theta0_weights, trained_weights, title, bins=120):
    """Histograms of the weights at initialisation and after training, overlaid."""
    fig, ax = plt.subplots(figsize=(7, 4))
    lo = float(min(np.min(theta0_weights), np.min(trained_weights)))
    hi = float(max(np.max(theta0_weights), np.max(trained_weights)))
    edges = np.linspace(lo, hi, bins)
    sns.histplot(np.asarray(theta0_weights), bins=edges, ax=ax, color=palette()[1],
                 label="θ₀ (initialisation)", element="step", alpha=0.35)
    sns.histplot(np.asarray(trained_weights), bins=edges, ax=ax, color=palette()[0],
                 label="after 10 epochs", element="step", alpha=0.35)
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
            im = ax.imshow(w[i].view(28, 28), cmap="RdBu_r", vmin=-lim, vmax=lim)
            ax.set_title(f"neuron {i}", fontsize=10, weight="normal")
    fig.colorbar(im, ax=axes, shrink=0.8, label="weight (red +, blue -)")
    fig.suptitle(title, weight="bold")
    return fig


def accuracy_vs_sparsity(fine, coarse, title, post=None, curves=None):
    """Accuracy against sparsity: fine sweep as band, 10% steps as points, post's as crosses.

    fine, coarse: lists (one per seed) of sweep tables; curves: more {label: tables} bands.
    """
    fig, ax = plt.subplots(figsize=(7, 4.2))
    x = 100 * fine[0].sparsity.to_numpy()
    band(ax, x, [100 * t.accuracy for t in fine], "global pruning, 1% steps", palette()[0])
    for i, (label, tables) in enumerate((curves or {}).items()):
        band(ax, 100 * tables[0].sparsity.to_numpy(), [100 * t.accuracy for t in tables],
             label, palette()[2 + i])
    cx = 100 * coarse[0].sparsity.to_numpy()
    ax.plot(cx, np.mean([100 * t.accuracy for t in coarse], 0), "o", color=palette()[0],
            label="10% steps (mean)")
    if post is not None:
        ax.plot(cx[: len(post)], post, "x", ms=8, mew=2, color=palette()[3],
                label="the post's table")
    ax.set(xlabel="sparsity (share of weights set to zero)", ylabel="test accuracy",
           title=title, ylim=(0, 90))
    percent_axis(ax), percent_axis(ax, "x")
    ax.legend(title=BAND, loc="lower left", fontsize=9)
    return fig


def layer_sparsity(tables, title):
    """How sparse each layer becomes as global pruning raises the overall sparsity, per seed."""
    fig, ax = plt.subplots(figsize=(7, 4))
    x = 100 * tables[0].sparsity.to_numpy()
    for i, col in enumerate(c for c in tables[0].columns if c.startswith("kept ")):
        total = tables[0][col].iloc[0]
        band(ax, x, [100 * (1 - t[col].to_numpy() / total) for t in tables],
             f"layer {col[5:]} ({total} weights)", palette()[i])
    ax.plot([0, 100], [0, 100], ":", color="0.5", label="every layer equal")
    ax.set(xlabel="overall sparsity", ylabel="sparsity of the layer", title=title)
    percent_axis(ax), percent_axis(ax, "x")
    ax.legend(title=BAND if len(tables) > 1 else None, fontsize=9)
    return fig


def lottery_results(summary_x, ticket_acc, oneshot, threshold, title):
    """Accuracy of IMP tickets against sparsity, with the one-shot sweep and the threshold."""
    fig, ax = plt.subplots(figsize=(7, 4.2))
    band(ax, 100 * oneshot[0].sparsity.to_numpy(), [100 * t.accuracy for t in oneshot],
         "one-shot pruning, no retraining", palette()[0])
    band(ax, 100 * np.asarray(summary_x), 100 * np.asarray(ticket_acc),
         "IMP with rewind to θ₀", palette()[2], marker="o")
    ax.axhline(100 * threshold, color=palette()[3], ls="--", lw=1,
               label=f"{100 * threshold:.0f}% threshold")
    ax.set(xlabel="sparsity (share of weights set to zero)", ylabel="test accuracy",
           title=title, ylim=(0, 90))
    percent_axis(ax), percent_axis(ax, "x")
    ax.legend(title=BAND, loc="lower left", fontsize=9)
    return fig


def control_curves(groups, threshold, title):
    """Per-epoch accuracy of the ticket and its controls, each as mean and band."""
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for i, (label, runs) in enumerate(groups.items()):
        h = 100 * np.asarray([r.history for r in runs])
        band(ax, np.arange(1, h.shape[1] + 1), h, label, palette()[[2, 1, 4][i % 3]])
    ax.axhline(100 * threshold, color=palette()[3], ls="--", lw=1,
               label=f"{100 * threshold:.0f}% threshold")
    ax.set(xlabel="epoch", ylabel="test accuracy", title=title)
    percent_axis(ax)
    ax.legend(title=BAND, loc="lower right", fontsize=9)
    return fig
