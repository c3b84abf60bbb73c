"""One training epoch: our in-memory loop against the common DataLoader loop, and thread counts.

Prints median wall times (of 3) side by side, in one run on this machine:
  * our loop (sparse_helpers.train), 1 and 2 torch threads, idle machine and one core busy;
  * the same loop with torch.nn.utils.prune masks instead of explicit masks;
  * the common torchvision DataLoader + ToTensor/Normalize loop on the same model;
  * loading Fashion-MNIST in a fresh process.
Run: .venv/bin/python benchmarks/train_speed.py
"""
import multiprocessing as mp
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F
import torchvision
from torch.nn.utils import prune as torch_prune

import sparse_helpers as sh
from timing import median_time
from sparse_helpers import prune
from sparse_helpers.data import locate, payload
from sparse_helpers.train import num_threads

BATCH_SIZE, LR = sh.DEFAULTS.batch_size, sh.DEFAULTS.lr

REPEATS = 3


def our_epoch(data, threads, masks=None):
    cfg = sh.Config(epochs=1, threads=threads)
    return lambda: sh.train(sh.make_mlp(), data, cfg, masks=masks, progress=False, device="cpu")


def torch_prune_epoch(data, masks):
    """Our loop, but masks applied by torch.nn.utils.prune's forward pre-hooks."""
    def run():
        model = sh.make_mlp()
        for name, m in masks.items():
            torch_prune.custom_from_mask(model[int(name.split(".")[0])], "weight", m)
        opt = torch.optim.Adam(model.parameters(), lr=LR, fused=True)
        gen = torch.Generator().manual_seed(0)
        with num_threads(1):
            for idx in torch.randperm(len(data.train_x), generator=gen).split(BATCH_SIZE):
                loss = F.cross_entropy(model(data.train_x.index_select(0, idx)),
                                       data.train_y.index_select(0, idx))
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
    return run


def dataloader_epoch(root, threads):
    """The textbook loop: torchvision dataset, per-sample transforms, DataLoader batches."""
    tf = torchvision.transforms.Compose([
        torchvision.transforms.ToTensor(), torchvision.transforms.Normalize((0.2860,), (0.3530,))])
    ds = torchvision.datasets.FashionMNIST(root, train=True, download=False, transform=tf)
    def run():
        model = sh.make_mlp()
        opt = torch.optim.Adam(model.parameters(), lr=LR)
        loader = torch.utils.data.DataLoader(ds, batch_size=BATCH_SIZE, shuffle=True)
        with num_threads(threads):
            for x, y in loader:
                loss = F.cross_entropy(model(x.view(len(x), -1)), y)
                opt.zero_grad()
                loss.backward()
                opt.step()
    return run


def torchvision_layout(tmp):
    """The four files uncompressed under tmp/FashionMNIST/raw, where torchvision looks."""
    raw = Path(tmp) / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for name, path in locate().items():
        (raw / name).write_bytes(payload(path))
    return tmp


def burn():
    while True:
        pass


def main():
    data = sh.load_fashion_mnist()
    trained = sh.trained_baseline(data=data, progress=False).runs[0].state
    masks = prune.global_masks(trained, 0.9)
    rows = []
    fresh = [sys.executable, "-c", "import time, sparse_helpers as sh; t = time.perf_counter(); "
             "sh.load_fashion_mnist(); print(time.perf_counter() - t)"]
    load = statistics.median(float(subprocess.check_output(fresh, text=True)) for _ in range(3))
    rows.append(("load Fashion-MNIST, fresh process", load))
    rows.append(("our loop, 1 thread", median_time(our_epoch(data, 1))))
    rows.append(("our loop, 2 threads", median_time(our_epoch(data, 2))))
    theta0, one = [sh.theta0(0)], sh.Config(epochs=1, threads=1)
    rows.append(("train_many with K=1 (stacked layout), 1 thread", median_time(
        lambda: sh.train_many(theta0, data, one, progress=False, device="cpu"))))
    rows.append(("our loop + explicit masks, 1 thread", median_time(our_epoch(data, 1, masks))))
    rows.append(("our loop + torch.nn.utils.prune masks", median_time(torch_prune_epoch(data, masks))))
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(("DataLoader + ToTensor/Normalize, 1 thread",
                     median_time(dataloader_epoch(torchvision_layout(tmp), 1))))
    busy = mp.Process(target=burn, daemon=True)
    busy.start()
    try:
        rows.append(("our loop, 1 thread, other core busy", median_time(our_epoch(data, 1))))
        rows.append(("our loop, 2 threads, other core busy", median_time(our_epoch(data, 2))))
    finally:
        busy.kill()
    base = dict(rows)["DataLoader + ToTensor/Normalize, 1 thread"]
    print(f"one epoch of the 784-8-4-10 MLP, batch {BATCH_SIZE}, median of {REPEATS}, "
          f"torch {torch.__version__}, {torch.get_num_threads()} cores visible")
    for name, t in rows:
        ratio = ("" if name.startswith("load") else "   (baseline)" if t == base
                 else f"   {base / t:5.1f}x faster than the DataLoader loop")
        print(f"  {name:<48} {t:7.3f} s{ratio}")


if __name__ == "__main__":
    main()
