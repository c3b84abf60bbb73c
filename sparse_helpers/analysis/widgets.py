"""Interactive explorers: a sparsity slider, an IMP prune-rate slider, a winning-odds slider.

Each also renders a static HTML copy of its current state, for nbconvert, GitHub and other
views where widgets cannot run. Every figure is drawn by plots.py on its own Figure, never on
pyplot's global state, so that a callback always renders the whole figure.
"""
import base64
import io
import itertools
import uuid

import ipywidgets as W
import numpy as np
from matplotlib.image import imsave

from ..computing.layout import weight_names
from ..computing.model import IMAGE_SIDE
from ..computing.progress import Progress
from ..computing.prune import dense_masks, global_masks, input_pixel_map, kept, kept_per_layer, sparsity_of
from ..computing.train import evaluate
from ..computing.data import Dataset
from ..computing.validate import as_finite_state, as_fraction, expect
from ..experiments.explorer import imp_rates
from . import plots
from .checks import check_close, check_table
from .stats import collapsed

# Layout has no opacity trait, so a busy figure is dimmed by a CSS class the box's own style defines.
BUSY = "sparse-busy"
BUSY_STYLE = f"<style>.{BUSY} {{ opacity: 0.35; }}</style>"


_BOXES = itertools.count()  # explorers made in this kernel, for their boxes' model ids


def box(explorer, children):
    """The explorer's outer box, with a model id drawn from its class and a count of the explorers
    made in this kernel, not at random: a notebook run afresh stores the same ids every time, and
    a cell run again still gets a new one."""
    name = f"{type(explorer).__name__}-{next(_BOXES)}"
    return W.VBox(children, model_id=uuid.uuid5(uuid.NAMESPACE_URL, name).hex)


def png_bytes(image, vmax, scale=8, cmap="magma"):
    """A 2-D tensor as PNG bytes, each value a scale x scale block of colour."""
    big = image.repeat_interleave(scale, 0).repeat_interleave(scale, 1)
    buf = io.BytesIO()
    imsave(buf, big.numpy(), cmap=cmap, vmin=0, vmax=vmax, format="png")
    return buf.getvalue()


def on_slider(value, name, lo, hi, step):
    """value if a slider from lo to hi in steps of step can show it exactly, else a ValueError."""
    value = as_fraction(value, name, high_open=False)
    steps = (value - lo) / step
    if not lo - 1e-9 <= value <= hi + 1e-9 or abs(steps - round(steps)) > 1e-6:
        raise ValueError(f"{name} must be on the slider: from {lo:g} to {hi:g} in steps of "
                         f"{step:g}; got {value!r}")
    return round(lo + round(steps) * step, 10)


def slider(value, lo, hi, step, description, width="460px", continuous=True):
    """A percent slider that starts at value."""
    return W.FloatSlider(value=value, min=lo, max=hi, step=step, description=description,
                         readout_format=".0%", continuous_update=continuous,
                         layout=W.Layout(width=width))


class Explorer:
    """Base: a widget box that also renders a static HTML copy where widgets can't run.

    Subclasses set box, readout (an HTML widget) and image (an Image widget), and say in
    static_note() which setting the static copy shows.
    """
    box: W.Widget
    readout: W.HTML
    image: W.Image

    def static_note(self):
        """Which setting a static copy shows, e.g. 'sparsity 50%'."""
        raise NotImplementedError

    def static_html(self):
        """The current state as plain HTML: the note, the picture and the readout."""
        img = base64.b64encode(self.image.value).decode()
        return (f"<p><i>Static view ({self.static_note()}): run this cell in JupyterLab (or "
                f"Jupyter Notebook) to move the sliders.</i></p><div style='display:flex;gap:1em;align-items:start'>"
                f"<img width={self.image.layout.width or 224} src='data:image/png;base64,{img}'>"
                f"{self.readout.value}</div>")

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.box._repr_mimebundle_(**kwargs) or {}
        bundle["text/html"] = self.static_html()
        return bundle


class SparsityExplorer(Explorer):
    """Prune a trained model globally by magnitude with a slider; see accuracy and pixels."""
    LO, HI, STEP = 0.0, 0.99, 0.01

    def __init__(self, state, data, sparsity=0.5):
        sparsity = on_slider(sparsity, "sparsity", self.LO, self.HI, self.STEP)
        self.state = as_finite_state(state)
        self.data = expect(data, Dataset, "data", "sh.load_fashion_mnist()")
        self.total = kept(dense_masks(state))
        self.fan_out = state[weight_names(state)[0]].shape[0]
        self.slider = slider(sparsity, self.LO, self.HI, self.STEP, "sparsity")
        self.readout = W.HTML()
        side = f"{8 * IMAGE_SIDE}px"
        self.image = W.Image(format="png", layout=W.Layout(width=side, height=side))
        caption = W.HTML(f"<small>input pixels still connected (0-{self.fan_out} of the "
                         f"first layer's neurons)</small>")
        self.box = box(self, [self.slider, W.HBox([W.VBox([self.image, caption]), self.readout])])
        self.slider.observe(lambda change: self.update(change["new"]), names="value")
        self.update(sparsity)

    def update(self, sparsity):
        """Prune to the given sparsity (a value the slider can show) and refresh accuracy,
        per-layer counts and pixel map; the slider moves there too, so the static copy agrees."""
        sparsity = on_slider(sparsity, "sparsity", self.LO, self.HI, self.STEP)
        if abs(self.slider.value - sparsity) > 1e-9:
            self.slider.value = sparsity  # its observer calls update again, with the slider there
            return
        masks = global_masks(self.state, sparsity)
        self.accuracy = evaluate(self.state, self.data, masks)
        self.layers = kept_per_layer(self.state, masks)
        self.pixel_map = input_pixel_map(masks, self.state)
        rows = "".join(f"<tr><td>{k}</td><td style='text-align:right'>{v:,}</td></tr>"
                       for k, v in self.layers.items())
        self.readout.value = (
            f"<div class='sparsity-readout'><b>Test accuracy: {100 * self.accuracy:.2f}%</b>"
            f"<br>sparsity {100 * sparsity_of(masks):.1f}%: {kept(masks):,} of "
            f"{self.total:,} weights kept<table><tr><th>layer</th><th>kept</th></tr>{rows}"
            f"</table>{int((self.pixel_map > 0).sum())} of {IMAGE_SIDE ** 2} pixels still "
            f"connected</div>")
        self.image.value = png_bytes(self.pixel_map, vmax=self.fan_out)

    def static_note(self):
        """The slider's sparsity."""
        return f"sparsity {self.slider.value:.0%}"


class ImpExplorer(Explorer):
    """IMP for the story seed at any prune rate and threshold: stored rates redraw at once; others
    the experiments layer trains (experiments/explorer.py), with a progress bar here, and caches."""
    RATE, THRESHOLD = (0.05, 0.9, 0.01), (0.1, 0.99, 0.01)

    def __init__(self, lot, theta0, data):
        self.imp = imp_rates(lot, theta0, data)
        cfg = self.imp.cfg
        rate = on_slider(cfg.prune_rate, "prune rate", *self.RATE)
        threshold = on_slider(cfg.threshold, "threshold", *self.THRESHOLD)
        self.rate = slider(rate, *self.RATE, "prune rate", "420px", continuous=False)
        self.threshold = slider(threshold, *self.THRESHOLD, "threshold", "420px", continuous=False)
        self.progress, self.readout = W.Output(), W.HTML()
        self.image = W.Image(format="png", layout=W.Layout(width="620px"))
        self.box = box(self, [W.HTML(BUSY_STYLE), self.rate, self.threshold, self.progress, self.readout,
                              self.image])
        for s in (self.rate, self.threshold):
            s.observe(lambda change: self.update(), names="value")
        self.update()

    def rounds(self, rate, threshold):
        """IMP rounds at this rate up to and including the first below threshold, with a progress
        bar while the experiments layer trains the ones not stored or cached."""
        imp = self.imp
        if not imp.needs_training(rate, threshold):
            return imp.rows_until(rate, threshold)
        left = imp.likely_rounds(rate, threshold) - len(imp.chain_at(rate, threshold)["rows"])
        self.busy(f"Running IMP at {rate:.0%} a round for seed {imp.seed}, until the first round "
                  f"below {threshold:.0%}: about {left} rounds")
        with self.progress, Progress(left, f"IMP at {rate:.0%} per round") as bar:
            rows = imp.rows_until(rate, threshold, bar.update)
        self.progress.clear_output()
        return rows

    def busy(self, text):
        """Dim the old readout and figure and say what is being computed."""
        self.readout.value = f"<div class='imp-readout'><i>{text}</i></div>"
        self.image.add_class(BUSY)

    def update(self):
        """Show the ticket for the current slider settings, running IMP only if not cached."""
        rate, threshold = round(self.rate.value, 6), self.threshold.value
        rows = self.rounds(rate, threshold)
        passed = [r for r in rows if r["val_acc"] >= threshold]
        if passed:
            t = passed[-1]
            text = (f"<b>Ticket at {rate:.0%} per round: {t['kept']:,} weights "
                    f"({100 * t['sparsity']:.1f}% sparse), round {t['round']}, "
                    f"{100 * t['val_acc']:.2f}% validation accuracy</b>")
        else:
            text = f"<b>No ticket: even the dense model stays below {threshold:.0%}</b>"
        where = "stored with the results" if rate in self.imp.stored else "trained here and cached"
        self.readout.value = (f"<div class='imp-readout'>{text}<br>{len(rows)} rounds shown; this rate "
                              f"was {where}; {len(self.imp.cache)} prune rates available</div>")
        self.image.value = plots.png(plots.imp_explorer_figure(rows, threshold, rate, self.imp.seed))
        self.image.remove_class(BUSY)

    def static_note(self):
        """The two sliders' settings."""
        return f"prune rate {self.rate.value:.0%}, threshold {self.threshold.value:.0%}"


class OddsExplorer(Explorer):
    """A slider over sparsity levels: every random mask's accuracy there, against IMP's."""

    def __init__(self, table, imp, threshold):
        check_table(table, {"round": "int", "way": "str", "kept": "int", "remaining": "fraction",
                            "val_acc": "fraction"}, "table", "the random masks' table (Odds.table)")
        check_table(imp, {"round": "int", "way": "str", "val_acc": "fraction"}, "imp",
                    "IMP's own masks at the same levels (analysis.odds.imp_at(lot, levels))", empty_ok=True)
        if not set(imp["round"]) <= set(table["round"]):
            raise ValueError(f"imp must be IMP's own masks at the table's levels {sorted(set(table['round']))} "
                             f"(analysis.odds.imp_at(lot, levels)); it holds rounds {sorted(set(imp['round']))}")
        threshold = as_fraction(threshold, "threshold", high_open=False, example=0.8)
        levels = table.sort_values("remaining", ascending=False).drop_duplicates("round")
        self.table, self.imp, self.threshold = table, imp, threshold
        options = [(f"{100 * (1 - r.remaining):.1f}%", int(r.round)) for r in levels.itertuples()]
        self.labels = {level: text for text, level in options}
        self.slider = W.SelectionSlider(options=options, value=options[0][1], description="sparsity",
                                        continuous_update=True, layout=W.Layout(width="460px"))
        self.readout = W.HTML()
        self.image = W.Image(format="png", layout=W.Layout(width="640px"))
        self.box = box(self, [self.slider, self.readout, self.image])
        self.slider.observe(lambda change: self.update(change["new"]), names="value")
        self.update(options[0][1])

    def update(self, level):
        """Redraw the accuracies of one level (an IMP round of the table) and count the winners;
        the slider moves there too, so the static copy agrees."""
        if level not in self.labels:
            raise ValueError(f"level must be one of the table's levels (IMP rounds) {list(self.labels)}; "
                             f"got {level!r}")
        if self.slider.value != level:
            self.slider.value = level  # its observer calls update again, with the slider there
            return
        table = self.table[self.table["round"] == level]
        imp = self.imp[self.imp["round"] == level]
        counts = ", ".join(f"{w}: {int((g.val_acc >= self.threshold).sum())}/{len(g)}"
                           for w, g in [*table.groupby("way", sort=False), *imp.groupby("way", sort=False)])
        label = self.labels[level]
        self.readout.value = (f"<div class='odds-readout'><b>{label} sparse ({int(table.kept.median()):,} "
                              f"weights)</b>: masks reaching {self.threshold:.0%}: {counts}</div>")
        title = f"Validation accuracy of every mask at {label} sparsity"
        self.image.value = plots.png(plots.odds_at_level(table, imp, self.threshold, title))

    def static_note(self):
        """The level shown."""
        return f"{self.labels[self.slider.value]} sparsity"


class WidthExplorer(Explorer):
    """A slider over the widths: one width's accuracy distribution beside the series' own width."""

    def __init__(self, runs, widths, threshold, chance, reference):
        check_table(runs, {"width": "int", "hidden": "str", "weights": "int", "val_acc": "fraction"}, "runs",
                    "the width runs' table (WidthRuns.table)")
        check_table(widths, {"hidden": "str", "weights": "int", "runs": "int", "failed": "int", "collapsed": "int",
                             "q50 %": "float", "best %": "float"}, "widths",
                    "the per-width table of the findings (analysis.widths.width_table)")
        if reference not in widths.index or set(widths.index) != set(runs.width):
            raise ValueError(f"the width runs must hold the reference width {reference} and the widths of the table")
        self.runs, self.widths, self.reference = runs, widths, int(reference)
        self.threshold = as_fraction(threshold, "threshold", high_open=False, example=0.8)
        self.chance = as_fraction(chance, "chance", example=0.1)
        fix = "pass the findings' widths of these runs, analysis.widths.width_table(runs, threshold, chance)"
        for w, g in runs.groupby("width"):
            given, acc = widths.loc[w], 100 * g.val_acc
            for column, want in (("runs", len(g)), ("failed", int((g.val_acc < self.threshold).sum())),
                                 ("collapsed", int(collapsed(g.val_acc, self.chance).sum())),
                                 ("q50 %", acc.quantile(0.5)), ("best %", acc.max())):
                check_close(given[column], want, f"widths[{column!r}] at width {w}", fix + ", at the same "
                            "threshold and chance" if column in ("failed", "collapsed") else fix)
        options = [(f"{w} ({r.hidden}, {r.weights:,} weights)", int(w)) for w, r in widths.sort_index().iterrows()]
        self.labels = {w: text for text, w in options}
        self.slider = W.SelectionSlider(options=options, value=options[0][1], description="width",
                                        continuous_update=False, readout=False, layout=W.Layout(width="560px"))
        self.readout = W.HTML()
        self.image = W.Image(format="png", layout=W.Layout(width="620px"))
        self.box = box(self, [self.slider, self.readout, self.image])
        self.slider.observe(lambda change: self.update(change["new"]), names="value")
        self.update(options[0][1])

    def summary(self, width):
        """One width's runs in words: failures, collapses, median and best validation accuracy."""
        r = self.widths.loc[width]
        return (f"{r.failed} of {r.runs} below {self.threshold:.0%}, {r.collapsed} at chance; median "
                f"{r['q50 %']:.1f}%, best {r['best %']:.1f}%")

    def update(self, width):
        """Redraw one width's distribution beside the series' width and describe both; the slider
        moves there too, so the static copy agrees."""
        if isinstance(width, (bool, np.bool_)) or width not in self.labels:
            raise ValueError(f"width must be one of the table's widths {list(self.labels)}; got {width!r}")
        if self.slider.value != width:
            self.slider.value = width  # its observer calls update again, with the slider there
            return
        self.readout.value = (f"<div class='width-readout'><b>width {self.labels[width]}</b>: {self.summary(width)}"
                              f"<br>the series' width {self.labels[self.reference]}: {self.summary(self.reference)}</div>")
        self.image.value = plots.png(plots.width_distribution(self.runs, width, self.reference, self.threshold,
                                                              self.chance))

    def static_note(self):
        """The width shown."""
        return f"width {self.labels[self.slider.value]}"
