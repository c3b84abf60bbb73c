"""Every figure of the series, in one seaborn style; each function returns its Figure.

Figures are built on matplotlib.figure.Figure, not on pyplot's global state, so that a widget
callback can draw one while another is open. A notebook cell shows a figure by returning it.
"""
import io
import os

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter, NullLocator

from ..computing import paths
from ..computing.config import DEFAULTS, Config
from ..computing.layout import weight_names
from ..computing.model import IMAGE_SIDE
from ..computing.paths import REPO_ROOT, figures_dir
from ..computing.settings import SHARED
from .arm_styles import style_of

BAND = "band: min-max over seeds"

# The parameters a notebook passes to setup besides the Config, at their committed values: the
# series' shared settings it reads (computing/settings.py) and its own parameters. With the Config's
# defaults they are the committed settings, the only ones whose figures go to figures/.
# tests/test_notebooks.py checks the notebook's own against its parameters cell.
SHARED_PARAMETERS = {"LEVELS": list(SHARED["levels"]), "MASKS_PER_LEVEL": SHARED["masks_per_level"]}
NOTEBOOK_PARAMETERS = {
    "05_winning_odds": SHARED_PARAMETERS,
    "06_narrow_or_sparse": {**SHARED_PARAMETERS, "WIDTHS": [1, 2, 3, 4, 6, 8, 12, 16, 32], "SEEDS_PER_WIDTH": 64, "DRAWS": 2},
}
MACHINE_FIELDS = ("threads",)  # Config fields that say how this machine runs, not what a run is


def changed_settings(notebook, cfg, **parameters):
    """{PARAMETER: value} for each setting of this run that differs from the committed notebook's:
    the Config's fields (as the parameters cell names them, EPOCHS for epochs) and the notebook's
    own parameters, which must all be given (NOTEBOOK_PARAMETERS lists them)."""
    if not isinstance(cfg, Config):
        raise ValueError(f"cfg must be a Config, e.g. sh.Config(epochs=3); got {type(cfg).__name__}")
    committed = NOTEBOOK_PARAMETERS.get(notebook, {})
    if set(parameters) != set(committed):
        raise ValueError(f"notebook {notebook!r} takes the parameters {sorted(committed) or 'none'} "
                         f"besides its Config; got {sorted(parameters) or 'none'}")
    ours, theirs = cfg.as_dict(), DEFAULTS.as_dict()
    changed = {k.upper(): v for k, v in ours.items() if k not in MACHINE_FIELDS and v != theirs[k]}
    for name, value in parameters.items():
        value = list(value) if isinstance(value, (list, tuple)) else value
        if value != committed[name]:
            changed[name] = value
    return changed


def figures_for(notebook, cfg, **parameters):
    """Declare the notebook run (its name, cfg and its own parameters) and return the folder its
    figures go to: figures/ at the committed settings, else a folder of its own under
    build/figures/, which it names here, once."""
    changed = changed_settings(notebook, cfg, **parameters)
    paths.set_run(notebook, changed)
    folder = figures_dir()
    if changed and "SPARSE_FIGURES_DIR" not in os.environ:
        where = folder.relative_to(REPO_ROOT) if folder.is_relative_to(REPO_ROOT) else folder
        settings = ", ".join(f"{k}={v!r}" for k, v in changed.items())
        print(f"This run's settings differ from the committed ones ({settings}), so its figures go to "
              f"{where}/; figures/ keeps the committed ones.")
    return folder


def use_style():
    """The series' one plotting style; in a notebook, a Figure a cell returns is shown as a PNG."""
    sns.set_theme(style="whitegrid", context="notebook", palette="colorblind",
                  rc={"figure.dpi": 110, "savefig.dpi": 150, "axes.titleweight": "bold",
                      "axes.titlesize": 12})
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        shell.display_formatter.formatters["image/png"].for_type(Figure, png)


def png(fig):
    """A Figure as PNG bytes, cropped to what it draws."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return buf.getvalue()


def palette():
    """The series' colours, in order."""
    return sns.color_palette("colorblind")


def figure(width, height, **kwargs):
    """A new Figure of the given size in inches, laid out to fit."""
    return Figure(figsize=(width, height), layout="constrained", **kwargs)


def save(fig, name):
    """Write fig to figures/<name> and return fig, so that a cell can end with it."""
    if not hasattr(fig, "savefig"):
        raise ValueError(f"save takes a matplotlib Figure (what the plots functions return); got {type(fig).__name__}")
    if not isinstance(name, str) or not name.endswith(".png") or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"name must be a file name ending in .png, with no folder, e.g. 'my_figure.png' "
                         f"(figures go to the figures folder); got {name!r}")
    fig.savefig(figures_dir() / name, bbox_inches="tight")
    return fig


def band(ax, x, ys, label, color, marker=None, ls="-", unit="seeds"):
    """Draw the mean of rows ys (one per seed, or per `unit`) against x, shaded between their min
    and max."""
    ys = np.atleast_2d(np.asarray(ys, dtype=float))
    n = ys.shape[0]
    ax.plot(x, np.nanmean(ys, 0), color=color, marker=marker, ms=4, ls=ls,
            label=f"{label} (mean of {n} {unit})" if n > 1 else label)
    if n > 1:
        ax.fill_between(x, np.nanmin(ys, 0), np.nanmax(ys, 0), color=color, alpha=0.2, lw=0)


def percent_axis(ax, axis="y", decimals=0):
    """Format an axis in percent."""
    fmt = FuncFormatter(lambda v, _: f"{v:.{decimals}f}%")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def percent_label(v, _=None):
    """A tick label in percent: '51%' for large values, '5.5%' for small ones."""
    return f"{v:.0f}%" if v >= 10 else f"{v:.2g}%"


def threshold_line(ax, threshold, label="threshold"):
    """A dashed horizontal line at the threshold (a fraction), labelled in percent."""
    ax.axhline(100 * threshold, color=palette()[3], ls="--", lw=1, label=f"{100 * threshold:.0f}% {label}")


def legend(ax, n_seeds, outside=False, note=None, **kwargs):
    """The legend, titled with the band's meaning when there is more than one seed (and a note)."""
    if outside:
        kwargs = {"loc": "upper left", "bbox_to_anchor": (1.01, 1), **kwargs}
    title = "\n".join(t for t in (BAND if n_seeds > 1 else None, note) if t) or None
    ax.legend(title=title, fontsize=9, title_fontsize=9, **kwargs)


def arm_style(arm):
    """(label, colour, marker) of an arm (see arm_styles.py)."""
    a = style_of(arm)
    return a.label, palette()[a.colour], a.marker


def sample_grid(data, per_class=8):
    """The first few training images of each class, one row per class."""
    n = len(data.classes)
    fig = figure(0.8 * per_class + 1.2, 0.84 * n)
    axes = fig.subplots(n, per_class)
    for c, row in enumerate(axes):
        images = data.train_x[data.train_y == c][:per_class]
        for ax, img in zip(row, images):
            ax.imshow(img.view(IMAGE_SIDE, IMAGE_SIDE), cmap="gray")  # a black background, as the data have
            ax.set_xticks([]), ax.set_yticks([])
        row[0].set_ylabel(data.classes[c], rotation=0, ha="right", va="center")
    fig.suptitle(f"Fashion-MNIST: {n} classes of {IMAGE_SIDE}x{IMAGE_SIDE} greyscale clothing", weight="bold")
    return fig


def training_curves(histories, title, post=None):
    """Test accuracy (%) per epoch of each seed, as mean and band; the post's log as crosses."""
    histories = np.asarray(histories)
    epochs = np.arange(1, histories.shape[1] + 1)
    fig = figure(7, 4)
    ax = fig.subplots()
    band(ax, epochs, histories, "our runs", palette()[0], marker="o")
    if post is not None:
        ax.plot(epochs[: len(post)], post, "x--", color=palette()[3], label="the post's run")
    ax.set(xlabel="epoch", ylabel="test accuracy", title=title, xticks=epochs)
    percent_axis(ax)
    legend(ax, histories.shape[0], loc="lower right")
    return fig


def weight_histogram(weights, title, bins=120):
    """Histogram of weight values, with the |w| < 0.05 and 0.1 zones marked."""
    fig = figure(7, 4)
    ax = fig.subplots()
    sns.histplot(np.asarray(weights), bins=bins, ax=ax, color=palette()[0])
    for c, ls in ((0.05, ":"), (0.1, "--")):
        for s in (-c, c):
            ax.axvline(s, color="0.3", ls=ls, lw=1, label=f"|w| = {c}" if s > 0 else None)
    ax.set(xlabel="weight value", ylabel="number of weights", title=title)
    ax.legend()
    return fig


def init_vs_trained(theta0_weights, trained_weights, title, trained_label, bins=120):
    """Histograms of the weights at initialisation and after training, overlaid."""
    fig = figure(7, 4)
    ax = fig.subplots()
    both = np.concatenate([theta0_weights, trained_weights])
    edges = np.linspace(both.min(), both.max(), bins)
    for w, label, c in ((theta0_weights, "θ₀ (initialisation)", 1), (trained_weights, trained_label, 0)):
        sns.histplot(np.asarray(w), bins=edges, ax=ax, color=palette()[c], label=label,
                     element="step", alpha=0.35)
    ax.set(xlabel="weight value", ylabel="number of weights (log scale)", yscale="log", title=title)
    ax.legend()
    return fig


def first_layer_images(state, title):
    """The first layer's weight vectors drawn as 28x28 images, one per hidden neuron."""
    w = state[weight_names(state)[0]]
    cols = min(len(w), 4)
    rows = -(-len(w) // cols)
    fig = figure(2.2 * cols + 0.8, 2.4 * rows)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    lim, im = float(w.abs().max()), None
    for i, ax in enumerate(axes):
        ax.set_axis_off()
        if i < len(w):
            im = ax.imshow(w[i].view(IMAGE_SIDE, IMAGE_SIDE), cmap="RdBu_r", vmin=-lim, vmax=lim)
            ax.set_title(f"neuron {i}", fontsize=10, weight="normal")
    fig.colorbar(im, ax=list(axes), shrink=0.8, label="weight (red +, blue -)")
    fig.suptitle(title, weight="bold")
    return fig


def sparsity_axes(ax, title, ylabel="test accuracy", ylim=(0, 90)):
    """Label an accuracy-against-sparsity plot (both axes in percent)."""
    ax.set(xlabel="sparsity (share of weights set to zero)", ylabel=ylabel, title=title, ylim=ylim)
    percent_axis(ax), percent_axis(ax, "x")


def accuracy_vs_sparsity(fine, coarse, title, post=None, curves=None):
    """Accuracy against sparsity: fine sweep as band, 10% steps as points, the post's as crosses.

    fine, coarse: lists (one per seed) of sweep tables; curves: more {label: tables} bands.
    """
    fig = figure(10.5, 4.2)
    ax = fig.subplots()
    band(ax, 100 * fine[0].sparsity.to_numpy(), [100 * t.accuracy for t in fine],
         "global pruning, 1% steps", palette()[0])
    for i, (label, tables) in enumerate((curves or {}).items()):
        band(ax, 100 * tables[0].sparsity.to_numpy(), [100 * t.accuracy for t in tables], label,
             palette()[2 + i])
    cx = 100 * coarse[0].sparsity.to_numpy()
    ax.plot(cx, np.mean([100 * t.accuracy for t in coarse], 0), "o", color=palette()[0],
            label="10% steps (mean)")
    if post is not None:
        ax.plot(cx[: len(post)], post, "x", ms=8, mew=2, color=palette()[3], label="the post's table")
    sparsity_axes(ax, title)
    legend(ax, len(fine), outside=True)
    return fig


def layer_sparsity(tables, title):
    """How sparse each layer becomes as global pruning raises the overall sparsity, per seed."""
    fig = figure(10.5, 4)
    ax = fig.subplots()
    ax.plot([0, 100], [0, 100], color="0.55", lw=5, alpha=0.45, zorder=1,
            label="every layer equally sparse (the diagonal)")
    x = 100 * tables[0].sparsity.to_numpy()
    for i, col in enumerate(c for c in tables[0].columns if c.startswith("kept ")):
        total = tables[0][col].iloc[0]
        band(ax, x, [100 * (1 - t[col].to_numpy() / total) for t in tables],
             f"layer {col[5:]} ({total} weights)", palette()[i])
    ax.set(xlabel="overall sparsity", ylabel="sparsity of the layer", title=title)
    percent_axis(ax), percent_axis(ax, "x")
    legend(ax, len(tables), outside=True)
    return fig


def imp_vs_sparsity(sparsity, imp_val, oneshot, threshold, title):
    """The post's figure: IMP's validation accuracy per round against sparsity, with pruning alone.

    sparsity: IMP's sparsity per round (fractions); imp_val: seeds x rounds validation accuracies;
    oneshot: one no-retraining sweep table per seed (test accuracy).
    """
    fig = figure(10.5, 4.2)
    ax = fig.subplots()
    band(ax, 100 * oneshot[0].sparsity.to_numpy(), [100 * t.accuracy for t in oneshot],
         "pruning without retraining (test)", palette()[7])
    band(ax, 100 * np.asarray(sparsity), 100 * np.asarray(imp_val),
         "IMP with rewind to θ₀ (validation)", palette()[2], marker="o")
    threshold_line(ax, threshold, "threshold, applied to validation accuracy")
    sparsity_axes(ax, title, ylabel="accuracy")
    legend(ax, len(oneshot), outside=True)
    return fig


def remaining_axis(ax, remaining):
    """A log x axis of weights remaining from 100% down to just past the smallest share given."""
    low = 100 * min(remaining) / 1.15
    ax.set_xscale("log")
    ax.set_xlim(105, low)
    ax.set_xticks([t for t in (100, 51.2, 21, 10.7, 5.5, 2.8, 1.4, 0.7) if t >= low])
    ax.xaxis.set_major_formatter(FuncFormatter(percent_label))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("weights remaining (log scale)")


def remaining_plot(curves, ylabel, title, threshold=None, percent_y=True, ylim=None, ceiling=None, note=None):
    """Curves against the share of weights remaining, on a log axis running from 100% down.

    curves: (label, remaining fractions, seeds x points values, colour, marker) tuples; ceiling:
    (value, label) of a horizontal line the values cannot exceed; note: a line under the legend's title.
    """
    fig = figure(9, 4.5)
    ax = fig.subplots()
    n = 1
    for label, x, ys, colour, marker in curves:
        ys = np.atleast_2d(np.asarray(ys, dtype=float))
        n = max(n, ys.shape[0])
        band(ax, 100 * np.asarray(x), (100 if percent_y else 1) * ys, label, colour, marker=marker)
    if threshold is not None:
        threshold_line(ax, threshold, "threshold (applied to validation)")
    if ceiling is not None:
        ax.axhline(ceiling[0], color="0.2", ls=":", lw=1.2, label=ceiling[1])
    remaining_axis(ax, [min(c[1]) for c in curves])
    ax.set(ylabel=ylabel, title=title)
    if ylim:
        ax.set_ylim(*ylim)
    if percent_y:
        percent_axis(ax)
    legend(ax, n, outside=True, note=note)
    return fig


def arm_curves(curves, arms, extra=()):
    """remaining_plot's curve tuples for registered arms (from per_seed), plus extra tuples."""
    out = []
    for arm in arms:
        if arm in curves:
            label, colour, marker = arm_style(arm)
            out.append((label, *curves[arm], colour, marker))
    return out + list(extra)


def control_curves(groups, threshold, title, ylabel="validation accuracy"):
    """Accuracy (%) per epoch of the ticket and its controls, each as mean and band.

    groups: {arm name: runs x epochs accuracies (fractions)}; colours come from the registry.
    """
    fig = figure(8.5, 4.2)
    ax = fig.subplots()
    for arm, h in groups.items():
        h = 100 * np.atleast_2d(np.asarray(h, dtype=float))
        label, colour, _ = arm_style(arm)
        band(ax, np.arange(1, h.shape[1] + 1), h, label, colour, unit="networks")
    threshold_line(ax, threshold, "threshold")
    ax.set(xlabel="epoch", ylabel=ylabel, title=title)
    percent_axis(ax)
    ax.legend(title="band: min-max over the networks", fontsize=9, title_fontsize=9,
              loc="upper left", bbox_to_anchor=(1.01, 1))
    return fig


def imp_explorer_figure(rows, threshold, rate, seed):
    """One seed's IMP rounds at a prune rate: validation accuracy against sparsity."""
    fig = figure(6.5, 3.2)
    ax = fig.subplots()
    ax.plot([100 * r["sparsity"] for r in rows], [100 * r["val_acc"] for r in rows], "o-",
            color=palette()[2], label="validation accuracy after each round")
    threshold_line(ax, threshold)
    ax.set(xlabel="sparsity", ylabel="validation accuracy",
           title=f"IMP at {rate:.0%} per round (seed {seed})")
    percent_axis(ax), percent_axis(ax, "x")
    ax.legend(fontsize=8, loc="lower left")
    return fig


def log_remaining_axis(ax, remaining):
    """A log x axis of weights remaining, from 100% down, ticked at the given fractions."""
    ax.set_xscale("log")
    ticks = 100 * np.asarray(remaining)
    ax.set_xticks(ticks)
    # a label closer than a tenth of a decade to the one before it would overprint it
    shown = [i == 0 or np.log10(ticks[i - 1] / t) >= 0.1 for i, t in enumerate(ticks)]
    ax.set_xticklabels([percent_label(t) if keep else "" for t, keep in zip(ticks, shown)])
    ax.xaxis.set_minor_locator(NullLocator())
    ax.invert_xaxis()
    ax.set_xlabel("weights remaining (log scale; only the marked levels were tested)")


def winning_odds(rates, imp_rates, title, threshold):
    """The share of masks that win at each tested level, with Wilson 95% intervals, per way.

    Points only: the levels between were not tested, so nothing joins them.
    """
    fig = figure(9.5, 4.5)
    ax = fig.subplots()
    groups = [*rates.groupby("way", sort=False), *imp_rates.groupby("way", sort=False)]
    for i, (way, g) in enumerate(groups):
        g = g.sort_values("remaining", ascending=False)
        x = 100 * g.remaining.to_numpy() * (1 + 0.03 * (i - 1.5))  # nudged apart on the log axis
        err = 100 * np.clip(np.vstack([g.rate - g.low, g.high - g.rate]), 0, None)
        ax.errorbar(x, 100 * g.rate, yerr=err, marker="os^D"[i % 4], ms=6, capsize=3, ls="none",
                    color=palette()[[0, 1, 4, 2][i % 4]], label=f"{way} (n={g.n.iloc[0]} a level)")
    log_remaining_axis(ax, sorted(set(rates.remaining.round(4)), reverse=True))
    ax.set(ylabel=f"masks that win (validation ≥ {100 * threshold:.0f}%)", title=title, ylim=(-3, 103))
    percent_axis(ax)
    ax.legend(title="bars: Wilson 95% intervals", fontsize=9, title_fontsize=9,
              loc="upper left", bbox_to_anchor=(1.01, 1))
    return fig


def odds_at_level(table, imp, threshold, title):
    """Validation accuracy of every random mask of one level, per way, with IMP's own masks."""
    fig = figure(7.5, 3.6)
    ax = fig.subplots()
    frame = pd.concat([table, imp], ignore_index=True)
    frame["acc"] = 100 * frame.val_acc
    order = list(dict.fromkeys(frame.way))
    colours = [palette()[i] for i in (0, 1, 4, 2)][: len(order)]
    state = np.random.get_state()
    np.random.seed(0)  # seaborn jitters with numpy's global generator: the same figure every run
    sns.stripplot(frame, x="acc", y="way", order=order, ax=ax, hue="way", hue_order=order,
                  palette=colours, size=5, alpha=0.7, legend=False)
    np.random.set_state(state)
    ax.axvline(100 * threshold, color=palette()[3], ls="--", lw=1)
    lo, hi = min(frame.acc.min(), 100 * threshold), max(frame.acc.max(), 100 * threshold)
    ax.set(xlabel="validation accuracy after training", ylabel="", title=title, xlim=(lo - 2, hi + 1))
    percent_axis(ax, "x")
    return fig


def weights_axis(ax, widths):
    """A log x axis of weight counts, ticked at each width's count with its hidden layers below."""
    ax.set_xscale("log")
    ax.set_xticks(widths.weights.to_numpy())
    ax.set_xticklabels([f"{n:,}\n{h}" for n, h in zip(widths.weights, widths.hidden)], fontsize=7,
                       rotation=35, ha="right", rotation_mode="anchor")  # close counts would run together
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlim(widths.weights.min() / 1.25, widths.weights.max() * 1.25)
    ax.set_xlabel("weights of the dense network (log scale); below each count, its hidden layers")


def rate_bars(ax, x, widths, column, label, colour, marker, nudge=1.0):
    """A rate column of a width table (%) with its Wilson interval as error bars, at x * nudge."""
    mid = widths[f"{column} %"].to_numpy()
    err = np.vstack([mid - widths[f"{column} low %"].to_numpy(), widths[f"{column} high %"].to_numpy() - mid])
    ax.errorbar(np.asarray(x) * nudge, mid, yerr=np.clip(err, 0, None), marker=marker, ms=6, capsize=3, color=colour, label=label)


def exponent_axis(ax, exponents):
    """A log y axis of counts written 10^x, x on a log scale (the counts have hundreds of digits)."""
    ax.set_yscale("log")
    low, high = min(exponents) / 1.6, max(exponents) * 1.6
    ticks = [t for t in (10, 30, 100, 300, 1000, 3000, 10000, 30000) if low <= t <= high]
    ax.set_ylim(low, high)
    ax.set_yticks(ticks)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"10^{v:,.0f}"))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.grid(False)


def width_outcomes(widths, runs, threshold, chance, title, prediction=None):
    """Dense networks by size: every run's validation accuracy (top); failure and collapse rates
    with Wilson 95% intervals (middle); the number of their subnetworks, a log count (bottom)."""
    fig = figure(11.5, 9.6)
    top, bottom, counts = fig.subplots(3, 1, sharex=True, height_ratios=[1.15, 1, 0.75])
    x, per = widths.weights.to_numpy(), int(widths.runs.max())
    spread = np.exp(np.random.default_rng(0).uniform(-0.05, 0.05, len(runs)))
    top.scatter(runs.weights * spread, 100 * runs.val_acc, s=8, alpha=0.35, color=palette()[0], lw=0,
                label=f"one network (up to {per} a width,\neach its own θ₀ and data order)")
    top.fill_between(x, widths["q10 %"], widths["q90 %"], color=palette()[0], alpha=0.15, lw=0,
                     label="10th to 90th percentile")
    top.plot(x, widths["q50 %"], "o-", color=palette()[0], ms=5, label="median")
    threshold_line(top, threshold, "threshold (the post's bar)")
    top.axhline(100 * chance, color="0.35", ls=":", lw=1, label=f"chance ({100 * chance:.1f}%)")
    top.set(ylabel="validation accuracy", ylim=(0, 100), title=title)
    percent_axis(top)
    top.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1))
    rate_bars(bottom, x, widths, "failed", f"failed (validation below {100 * threshold:.0f}%)", palette()[3], "o")
    rate_bars(bottom, x, widths, "collapsed", "collapsed (ended at chance; drawn a little to the right)",
              palette()[7], "s", nudge=1.045)
    if prediction:
        bottom.axhline(0, color=palette()[2], ls="--", lw=1.5, label=prediction)
    bottom.set(ylabel="share of the networks\n(bars: Wilson 95%)", ylim=(-5, 105))
    percent_axis(bottom)
    bottom.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1))
    counts.plot(x, widths["log10 2^n"], color="0.55", ls="-.", lw=1.2, label="all its subnetworks, 2^n")
    counts.plot(x, widths["log10 C(n, k)"], color="0.25", ls=":", lw=1.5,
                label="its subnetworks of the post's\nticket share (544 of 6,344), C(n, k)")
    exponent_axis(counts, [*widths["log10 2^n"], *widths["log10 C(n, k)"]])
    counts.set_ylabel("number of\nsubnetworks")
    counts.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1))
    weights_axis(counts, widths)
    return fig


def narrow_or_sparse(runs, sizes, ways, reference, title):
    """Test accuracy against the weight count, every kind of network drawn alike: the median over
    its networks, shaded from the 10th to the 90th percentile. Dense networks of every width, and
    the sparse networks at the narrow widths' counts."""
    fig = figure(9, 5.4)
    ax = fig.subplots()
    dense = runs.groupby("width").agg(weights=("weights", "first"), hidden=("hidden", "first"))
    quantile_band(ax, runs.assign(acc=100 * runs.test_acc), "dense, narrower or wider", palette()[0], "o")
    for way, colour, marker in zip(ways, (2, 4, 1), "o^v"):
        g = sizes[sizes.way == way].assign(acc=100 * sizes.test_acc)
        quantile_band(ax, g, f"sparse {reference}: {way}", palette()[colour], marker)
    ax.set(ylabel="test accuracy", ylim=(0, 100), title=title)
    percent_axis(ax)
    weights_axis(ax, dense)
    ax.set_xlabel("weights (log scale); below each count, the dense network's hidden layers")
    ax.legend(title="lines: medians; bands: 10th-90th percentile of the networks", fontsize=8,
              title_fontsize=8, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    return fig


def quantile_band(ax, table, label, colour, marker):
    """The median of table.acc per weight count, shaded from the 10th to the 90th percentile."""
    acc = table.groupby("weights").acc
    q = pd.DataFrame({"median": acc.median(), "low": acc.quantile(0.1), "high": acc.quantile(0.9),
                      "n": acc.size()})
    ax.fill_between(q.index, q.low, q.high, color=colour, alpha=0.15, lw=0)
    n = int(q.n.min()) if len(q) else 0
    ax.plot(q.index, q["median"], marker=marker, ms=4, color=colour,
            label=f"{label} ({n} networks each)" if n == q.n.max() else f"{label} ({n}-{int(q.n.max())} networks each)")


def width_distribution(runs, width, reference, threshold, chance):
    """Histogram of the validation accuracy of one width's networks beside the series' own width."""
    fig = figure(7.2, 3.4)
    ax = fig.subplots()
    bins = np.arange(0, 101, 2)
    for w, colour in [(width, 0)] + ([(reference, 2)] if width != reference else []):
        g = runs[runs.width == w]
        ax.hist(100 * g.val_acc, bins=bins, color=palette()[colour], alpha=0.55,
                label=f"{g.hidden.iloc[0]} ({int(g.weights.iloc[0]):,} weights), {len(g)} networks")
    ax.axvline(100 * threshold, color=palette()[3], ls="--", lw=1, label=f"{100 * threshold:.0f}% threshold")
    ax.axvline(100 * chance, color="0.35", ls=":", lw=1, label="chance")
    ax.set(xlabel="validation accuracy after training", ylabel="networks", xlim=(0, 100),
           title=f"Width {width} beside the series' width {reference}")
    percent_axis(ax, "x")
    ax.legend(fontsize=8, loc="upper left")
    return fig
