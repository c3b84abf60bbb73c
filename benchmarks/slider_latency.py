"""How long a slider move takes to answer, beside the slow way of doing the same, in one run.

* notebook 03's sparsity slider: SparsityExplorer.update at 20 sparsities (targets: under 0.3 s),
  beside rebuilding an nn.Module and drawing the map through pyplot;
* notebook 04's prune-rate slider: a move to each rate stored with the results (a redraw; target
  under 0.5 s), and one move to a rate that is not stored (IMP for the story seed; target 15 s).

It reads the committed results (results/, or $SPARSE_CHECKPOINT_DIR) and trains only the
unstored rate. Run:  .venv/bin/python benchmarks/slider_latency.py
"""
import io
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("SPARSE_CHECKPOINT_DIR", str(Path(__file__).resolve().parents[1] / "results"))

import matplotlib  # noqa: E402
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

import sparse_helpers as sh  # noqa: E402
from sparse_helpers.analysis.widgets import ImpExplorer, SparsityExplorer  # noqa: E402
from sparse_helpers.computing import prune  # noqa: E402
from sparse_helpers.experiments.lottery import LotteryExperiment  # noqa: E402

SPARSITIES = [i / 20 for i in range(20)]


def timed(fn, values):
    """Median and worst seconds of fn over values."""
    times = []
    for v in values:
        start = time.perf_counter()
        fn(v)
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times)


def slow_update(state, data):
    """The obvious way: rebuild the model, evaluate it, draw the map through pyplot."""
    def run(s):
        masks = prune.global_masks(state, s)
        model = sh.load_state(prune.apply_masks(state, masks))
        with torch.no_grad():
            (model(data.test_x).argmax(1) == data.test_y).float().mean()
        fig, ax = plt.subplots(figsize=(3, 3))
        ax.imshow(prune.input_pixel_map(masks, state))
        fig.savefig(io.BytesIO(), format="png")
        plt.close(fig)
    return run


def set_rate(explorer):
    """A function that moves the explorer's prune-rate slider to a rate."""
    def move(rate):
        explorer.rate.value = rate
    return move


def main():
    cfg, data, baseline, story = sh.setup(sh.DEFAULTS, progress=False)
    state = baseline.runs[story].state
    sparsity = SparsityExplorer(state, data)
    rows = [("03 sparsity: SparsityExplorer.update", timed(sparsity.update, SPARSITIES), 0.3),
            ("03 sparsity, slow way: nn.Module + pyplot", timed(slow_update(state, data), SPARSITIES), None)]
    lot = LotteryExperiment(cfg, data).result(progress=False)
    imp = ImpExplorer(lot, baseline.theta0[story], data)
    stored = sorted(r for r in imp.stored if r != round(cfg.prune_rate, 6))
    rows.append((f"04 prune rate, {len(stored)} stored rates (redraw)", timed(set_rate(imp), stored), 0.5))
    fresh = next(r / 100 for r in range(33, 90) if round(r / 100, 6) not in imp.cache)
    rows.append((f"04 prune rate, unstored {fresh:.0%} (IMP runs)", timed(set_rate(imp), [fresh]), 15))
    print(f"one slider move ({torch.get_num_threads()} threads)")
    for name, (median, worst), target in rows:
        goal = f"target {target:g} s" if target else "baseline"
        print(f"  {name:<48} median {median:7.3f} s  worst {worst:7.3f} s   {goal}")


if __name__ == "__main__":
    main()
