"""Interactive explorers for the notebooks: a sparsity slider and an IMP prune-rate slider."""
import base64
import io

import ipywidgets as W
import matplotlib.pyplot as plt
from IPython.display import display
from tqdm.auto import tqdm

from .lottery import check_rate, imp_round
from .model import weight_names
from .prune import check_fraction, dense_masks, global_masks, input_pixel_map, kept
from .prune import kept_per_layer, sparsity_of
from .train import evaluate


def png_bytes(image, vmax, scale=8, cmap="magma"):
    """A 2-D tensor as PNG bytes, each value a scale x scale block of colour."""
    big = image.repeat_interleave(scale, 0).repeat_interleave(scale, 1)
    buf = io.BytesIO()
    plt.imsave(buf, big.numpy(), cmap=cmap, vmin=0, vmax=vmax, format="png")
    return buf.getvalue()


class Explorer:
    """Base: a widget box that also renders a static HTML copy where widgets can't run."""
    box: W.Widget

    def static_html(self):
        """The current state as plain HTML (for nbconvert, GitHub, and other static views)."""
        raise NotImplementedError

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.box._repr_mimebundle_(**kwargs) or {}
        bundle["text/html"] = self.static_html()
        return bundle


class SparsityExplorer(Explorer):
    """Prune a trained model globally by magnitude with a slider; see accuracy and pixels."""

    def __init__(self, state, data, sparsity=0.5):
        self.state, self.data = state, data
        self.total = sum(state[n].numel() for n in weight_names(state))
        self.fan_out = state[weight_names(state)[0]].shape[0]
        self.slider = W.FloatSlider(value=sparsity, min=0, max=0.99, step=0.01,
                                    description="sparsity", readout_format=".0%",
                                    continuous_update=True, layout=W.Layout(width="460px"))
        self.readout = W.HTML()
        self.pixels = W.Image(format="png", layout=W.Layout(width="224px", height="224px"))
        caption = W.HTML(f"<small>input pixels still connected (0-{self.fan_out} of the "
                         f"first layer's neurons)</small>")
        self.box = W.VBox([self.slider, W.HBox([W.VBox([self.pixels, caption]),
                                                self.readout])])
        self.slider.observe(lambda change: self.update(change["new"]), names="value")
        self.update(sparsity)

    def update(self, sparsity):
        """Prune to the given sparsity and refresh accuracy, per-layer counts and pixel map."""
        sparsity = check_fraction(sparsity)
        masks = global_masks(self.state, sparsity)
        self.accuracy = evaluate(self.state, self.data, masks)
        self.layers = kept_per_layer(self.state, masks)
        self.pixel_map = input_pixel_map(masks, self.state)
        rows = "".join(f"<tr><td>{k}</td><td style='text-align:right'>{v:,}</td></tr>"
                       for k, v in self.layers.items())
        self.readout.value = (
            f"<div class='sparsity-readout'><b>Accuracy: {100 * self.accuracy:.2f}%</b><br>"
            f"sparsity {100 * sparsity_of(masks):.1f}%: {kept(masks):,} of {self.total:,} "
            f"weights kept<table><tr><th>layer</th><th>kept</th></tr>{rows}</table>"
            f"{int((self.pixel_map > 0).sum())} of 784 pixels still connected</div>")
        self.pixels.value = png_bytes(self.pixel_map, vmax=self.fan_out)

    def static_html(self):
        img = base64.b64encode(self.pixels.value).decode()
        return (f"<p><i>Static view at sparsity {self.slider.value:.0%}: run the notebook in "
                f"JupyterLab to move the slider.</i></p><div style='display:flex;gap:1em'>"
                f"<img width=224 src='data:image/png;base64,{img}'>{self.readout.value}</div>")


class ImpExplorer(Explorer):
    """Rerun IMP for one seed at any prune rate and threshold; results are cached per rate."""

    def __init__(self, theta0, data, rate=0.2, threshold=0.8, epochs=10, max_rounds=20,
                 seed=0, known=None):
        """known: optionally (rate, ImpResult, member) of an IMP already run on this theta0
        with the same epochs and seed, so that rate starts out cached."""
        self.theta0, self.data, self.epochs = theta0, data, epochs
        self.max_rounds, self.seed = max_rounds, seed
        self.cache = {}  # rate -> {"rows": [...], "masks": next round's masks}
        if known is not None:
            known_rate, result, member = known
            rows = result.rounds[result.rounds.member == member]
            self.cache[check_rate(known_rate)] = {
                "rows": rows[["round", "kept", "sparsity", "final"]].to_dict("records"),
                "masks": result.next_masks[member]}
        self.rate = W.FloatSlider(value=rate, min=0.05, max=0.5, step=0.05,
                                  description="prune rate", readout_format=".0%",
                                  continuous_update=False, layout=W.Layout(width="420px"))
        self.threshold = W.FloatSlider(value=threshold, min=0.5, max=0.85, step=0.01,
                                       description="threshold", readout_format=".0%",
                                       continuous_update=False, layout=W.Layout(width="420px"))
        self.progress = W.Output()
        self.readout = W.HTML()
        self.plot = W.Output()
        self.box = W.VBox([self.rate, self.threshold, self.progress, self.readout, self.plot])
        for s in (self.rate, self.threshold):
            s.observe(lambda change: self.update(), names="value")
        self.update()

    def rounds(self, rate, threshold):
        """IMP rounds at this rate up to and including the first below threshold."""
        rate = check_rate(rate)
        threshold = check_fraction(threshold, "accuracy threshold", closed_right=True)
        entry = self.cache.setdefault(rate, {"rows": [], "masks": dense_masks(self.theta0)})
        rows = entry["rows"]
        todo = self.max_rounds + 1 - len(rows)
        if todo > 0 and all(r["final"] >= threshold for r in rows):
            with self.progress:
                bar = tqdm(total=todo, desc=f"IMP at {rate:.0%} per round", leave=False)
                while len(rows) <= self.max_rounds and all(r["final"] >= threshold
                                                           for r in rows):
                    masks = entry["masks"]
                    (run,), (entry["masks"],) = imp_round([self.theta0], [masks], self.data,
                                                          rate, self.epochs, self.seed)
                    rows.append({"round": len(rows), "kept": kept(masks),
                                 "sparsity": sparsity_of(masks), "final": run.history[-1]})
                    bar.update()
                bar.close()
            self.progress.clear_output()
        stop = next((i for i, r in enumerate(rows) if r["final"] < threshold), len(rows) - 1)
        return rows[: stop + 1]

    def update(self):
        """Show the ticket for the current slider settings, running IMP only if not cached."""
        rate, threshold = self.rate.value, self.threshold.value
        rows = self.rounds(rate, threshold)
        passed = [r for r in rows if r["final"] >= threshold]
        if passed:
            t = passed[-1]
            text = (f"<b>Ticket at {rate:.0%} per round: {t['kept']:,} weights "
                    f"({100 * t['sparsity']:.1f}% sparse), round {t['round']}, "
                    f"{100 * t['final']:.2f}% accuracy</b>")
        else:
            text = f"<b>No ticket: even the dense model stays below {threshold:.0%}</b>"
        self.readout.value = (f"<div class='imp-readout'>{text}<br>{len(rows)} rounds shown; "
                              f"{len(self.cache)} prune rate(s) cached</div>")
        self.plot.clear_output(wait=True)
        with self.plot:
            fig, ax = plt.subplots(figsize=(6, 3))
            ax.plot([100 * r["sparsity"] for r in rows], [100 * r["final"] for r in rows], "o-")
            ax.axhline(100 * threshold, ls="--", color="C3", lw=1)
            ax.set(xlabel="sparsity (%)", ylabel="test accuracy (%)",
                   title=f"IMP at {rate:.0%} per round")
            display(fig)
            plt.close(fig)

    def static_html(self):
        return (f"<p><i>Static view (prune rate {self.rate.value:.0%}, threshold "
                f"{self.threshold.value:.0%}): run the notebook in JupyterLab to move the sliders."
                f"</i></p>{self.readout.value}")

