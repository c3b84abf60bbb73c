"""How long one move of notebook 03's sparsity slider takes to answer (target: 0.3 s).

Times SparsityExplorer.update (masks, evaluation on the 10,000 test images, per-layer counts,
pixel map PNG) at 20 sparsities, next to its parts and to the slow way of doing the same
(a full nn.Module rebuilt per move and a matplotlib figure drawn). Run:
  .venv/bin/python benchmarks/slider_latency.py
"""
import io
import statistics
import time

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import torch  # noqa: E402

import sparse_helpers as sh  # noqa: E402
from sparse_helpers import prune  # noqa: E402
from sparse_helpers.widgets import SparsityExplorer  # noqa: E402

SPARSITIES = [i / 20 for i in range(20)]


def timed(fn):
    times = []
    for s in SPARSITIES:
        start = time.perf_counter()
        fn(s)
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times)


def slow_update(state, data):
    """The obvious way: rebuild the model, evaluate it, draw the map with a matplotlib figure."""
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


def main():
    data = sh.load_fashion_mnist()
    state = sh.trained_baseline(data=data, progress=False).runs[0].state
    explorer = SparsityExplorer(state, data)
    rows = [
        ("SparsityExplorer.update (what a move costs)", timed(explorer.update)),
        ("  of which: global_masks", timed(lambda s: prune.global_masks(state, s))),
        ("  of which: evaluate on 10,000 test images",
         timed(lambda s: sh.evaluate(state, data, prune.global_masks(state, s)))),
        ("baseline: rebuild nn.Module + matplotlib figure", timed(slow_update(state, data))),
    ]
    print(f"one slider move, over {len(SPARSITIES)} sparsities (target: under 0.3 s)")
    for name, (median, worst) in rows:
        print(f"  {name:<50} median {1000 * median:6.1f} ms   worst {1000 * worst:6.1f} ms")


if __name__ == "__main__":
    main()
