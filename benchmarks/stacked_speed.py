"""K models trained in one stacked pass: throughput at the K the notebooks use, data orders, vmap.

Prints, in one run on this machine (median of 3 epochs each, 55,000 training images):
  * model-epochs per second of train_many at K = 1, 5, 15, 30, 192 (notebook 01 uses 5,
    notebook 04's rounds 15 and 30, notebook 05's chunks 192), 1 and 2 threads, against one
    model alone with the plain loop (the baseline);
  * at K = 30, the cost of data orders: one order for all, one per seed group (5 groups, one
    batched GEMM), unequal groups (a GEMM per group), and one order per member;
  * torch.func's stack_module_state + vmap at K = 30, for comparison;
  * with --float-paths, one epoch at K = 30 on torch's generic kernels (ATEN_CPU_CAPABILITY=default,
    the robustness run of make test) and with MKL's reproducible mode, each in a fresh process;
  * with --series, the wall time of executing each notebook as `make figures` does.
Run: .venv/bin/python benchmarks/stacked_speed.py [--float-paths] [--series]
"""
import copy
import os
import subprocess
import sys
import tempfile
import time

import torch
import torch.nn.functional as F
from torch.func import functional_call, stack_module_state

import sparse_helpers as sh
from sparse_helpers.paths import REPO_ROOT
from sparse_helpers.train import num_threads
from timing import median_time


def stacked(data, k, threads, groups=1):
    """One epoch of train_many over k models whose data orders come from `groups` seeds."""
    states = [sh.theta0(s) for s in range(k)]
    seeds = [i % groups for i in range(k)] if groups > 0 else [0] * (k - 1) + [1]
    cfg = sh.Config(epochs=1, threads=threads)
    return lambda: sh.train_many(states, data, cfg, data_seeds=seeds, history=False, progress=False,
                                 device="cpu")


def vmapped(data, k, threads):
    """K models via torch.func: stack_module_state + vmap(functional_call), one shared order."""
    models = [sh.make_mlp(seed=s) for s in range(k)]
    base = copy.deepcopy(models[0]).to("meta")

    def run():
        params, buffers = stack_module_state(models)
        leaves = [p.detach().requires_grad_() for p in params.values()]
        params = dict(zip(params, leaves))
        opt = torch.optim.Adam(leaves, lr=sh.DEFAULTS.lr, fused=True)
        forward = torch.vmap(lambda p, b, x: functional_call(base, (p, b), (x,)), in_dims=(0, 0, None))
        gen = torch.Generator().manual_seed(0)
        with num_threads(threads):
            for idx in torch.randperm(len(data.train_x), generator=gen).split(sh.DEFAULTS.batch_size):
                logits = forward(params, buffers, data.train_x[idx])
                loss = F.cross_entropy(logits.permute(1, 2, 0), data.train_y[idx].unsqueeze(1).expand(-1, k)) * k
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
    return run


def series_times():
    """Seconds to execute each notebook in order, training from scratch, outside the repo."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, SPARSE_FIGURES_DIR=tmp, SPARSE_CHECKPOINT_DIR=tmp, SPARSE_RECOMPUTE="")
        for nb in sorted((REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook",
                            "--execute", "--output-dir", tmp, "--log-level=ERROR", str(nb)],
                           check=True, env=env, cwd=REPO_ROOT / "notebooks")
            out[nb.name] = time.perf_counter() - start
    return out


def float_paths():
    """Seconds of one epoch at K = 30, 1 thread, in a fresh process per floating-point path."""
    code = ("import sys, time; sys.path.insert(0, 'benchmarks'); import sparse_helpers as sh; "
            "from stacked_speed import stacked; from timing import median_time; "
            "print(median_time(stacked(sh.load_fashion_mnist(), 30, 1, 5)))")
    paths = {"native (this CPU's kernels)": {}, "ATEN_CPU_CAPABILITY=default": {"ATEN_CPU_CAPABILITY": "default"},
             "MKL_CBWR=COMPATIBLE": {"MKL_CBWR": "COMPATIBLE"},
             "both": {"ATEN_CPU_CAPABILITY": "default", "MKL_CBWR": "COMPATIBLE"}}
    return {name: float(subprocess.check_output([sys.executable, "-c", code], text=True, cwd=REPO_ROOT,
                                                env={**os.environ, **env}))
            for name, env in paths.items()}


def main():
    data = sh.load_fashion_mnist()
    one = median_time(lambda: sh.train(sh.make_mlp(), data, sh.Config(epochs=1), progress=False, device="cpu"))
    print(f"one epoch over {len(data.train_x):,} images, batch {sh.DEFAULTS.batch_size}, median of 3")
    print(f"baseline: one model alone, plain loop, 1 thread: {one:.3f} s = {1 / one:.1f} model-epochs/s\n")
    print(f"  {'K':>4} {'threads':>7} {'epoch':>8} {'model-epochs/s':>15} {'vs one alone':>13}")
    for k in (1, 5, 15, 30, 192):
        for threads in (1, 2):
            t = median_time(stacked(data, k, threads, groups=min(k, 5)))
            print(f"  {k:>4} {threads:>7} {t:>7.2f}s {k / t:>15.1f} {k * one / t:>12.1f}x")
    print("\n  K = 30, 1 thread: what the data order costs")
    for label, groups in (("one order for all members", 1), ("one order per seed, 5 equal groups", 5),
                          ("two unequal groups (29 + 1)", -1), ("one order per member (30 groups)", 30)):
        t = median_time(stacked(data, 30, 1, groups))
        print(f"    {label:<38} {t:6.2f} s  {30 / t:6.1f} model-epochs/s")
    t = median_time(vmapped(data, 30, 1))
    print(f"    {'torch.func vmap, one order for all':<38} {t:6.2f} s  {30 / t:6.1f} model-epochs/s")
    if "--float-paths" in sys.argv:
        times = float_paths()
        print("\n  K = 30, 1 thread, 5 data orders: one epoch on each floating-point path")
        native = next(iter(times.values()))
        for name, t in times.items():
            print(f"    {name:<38} {t:6.2f} s  {t / native:5.2f}x")
    if "--series" in sys.argv:
        times = series_times()
        print("\nexecuting the notebooks (as make figures does, from scratch):")
        for name, t in times.items():
            print(f"  {name:<36} {t:6.1f} s")
        print(f"  {'whole series':<36} {sum(times.values()):6.1f} s")


if __name__ == "__main__":
    main()
