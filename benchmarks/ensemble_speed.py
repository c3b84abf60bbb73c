"""K models in one stacked pass against one model alone, and the whole notebook series.

Prints, in one run on this machine (median of 3 epochs each):
  * one epoch of the plain loop (one model, sparse_helpers.train): the baseline;
  * one epoch of K = 1, 8, 32 models trained together by sparse_helpers.train_many (stacked
    weights, one wide GEMM for the first layer, bmm after), at 1 and 2 threads;
  * the same with torch.func.stack_module_state + vmap, for comparison;
  * the wall time of executing each notebook (as `make figures` does, into a temp folder).
Run: .venv/bin/python benchmarks/ensemble_speed.py [--no-series]
"""
import copy
import statistics
import subprocess
import sys
import tempfile
import time
import os
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.func import functional_call, stack_module_state

import sparse_helpers as sh
from timing import median_time
from sparse_helpers.paths import REPO_ROOT
from sparse_helpers.train import BATCH_SIZE, LR, num_threads

REPEATS = 3


def stacked(data, k, threads):
    states = [sh.snapshot(sh.make_mlp(seed=s)) for s in range(k)]
    return lambda: sh.train_many(states, data, epochs=1, progress=False, device="cpu",
                                 threads=threads)


def vmapped(data, k, threads):
    """K models via torch.func: stack_module_state + vmap(functional_call)."""
    models = [sh.make_mlp(seed=s) for s in range(k)]
    base = copy.deepcopy(models[0]).to("meta")

    def run():
        params, buffers = stack_module_state(models)
        leaves = [p.detach().requires_grad_() for p in params.values()]
        params = dict(zip(params, leaves))
        opt = torch.optim.Adam(leaves, lr=LR, fused=True)
        call = lambda p, b, x: functional_call(base, (p, b), (x,))
        forward = torch.vmap(call, in_dims=(0, 0, None))
        gen = torch.Generator().manual_seed(0)
        with num_threads(threads):
            for idx in torch.randperm(len(data.train_x), generator=gen).split(BATCH_SIZE):
                logits = forward(params, buffers, data.train_x.index_select(0, idx))
                target = data.train_y.index_select(0, idx).unsqueeze(1).expand(-1, k)
                loss = F.cross_entropy(logits.permute(1, 2, 0), target) * k
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
    return run


def series_times():
    """Seconds to execute each notebook in order, kernel start included, outside the repo."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, SPARSE_FIGURES_DIR=tmp)
        for nb in sorted((REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook",
                            "--execute", "--output-dir", tmp, "--log-level=ERROR", str(nb)],
                           check=True, env=env, cwd=REPO_ROOT / "notebooks")
            out[nb.name] = time.perf_counter() - start
    return out


def main():
    data = sh.load_fashion_mnist()
    plain = median_time(lambda: sh.train(sh.make_mlp(), data, epochs=1, progress=False,
                                         device="cpu", threads=1))
    print(f"one epoch, batch {BATCH_SIZE}, median of {REPEATS}; baseline: one model alone, "
          f"plain loop, 1 thread = {plain:.3f} s")
    print(f"  {'K':>3} {'method':<26} {'threads':>7} {'epoch':>8} {'vs one alone':>13} {'per model':>10}")
    for k in (1, 8, 32):
        for name, make in (("stacked (train_many)", stacked), ("vmap + stack_module_state", vmapped)):
            for threads in (1, 2):
                t = median_time(make(data, k, threads))
                print(f"  {k:>3} {name:<26} {threads:>7} {t:>7.3f}s {t / plain:>12.2f}x "
                      f"{t / k:>9.3f}s")
    if "--no-series" not in sys.argv:
        times = series_times()
        print("\nexecuting the notebooks (as make figures does, 5 seeds):")
        for name, t in times.items():
            print(f"  {name:<36} {t:6.1f} s")
        print(f"  {'whole series':<36} {sum(times.values()):6.1f} s   (target <= 180 s)")


if __name__ == "__main__":
    main()
