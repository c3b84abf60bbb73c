"""The stacked trainer's speed against its floor, in one run: train_many at K = 1, 10, 30, 192.

For each K (with 1, 5, 5 and 3 data orders by default: the notebooks use 5 seeds, each seed one
data order), on 1 and 2 threads, it prints:
  * the seconds of a 1-epoch train_many call, and of one more epoch (the marginal epoch: a call of
    2 epochs minus a call of 1, so that the per-call set-up and final evaluation are left out);
  * the floor: the first layer's forward GEMM and weight-gradient GEMM alone, at the same grouped
    shapes, over the same steps (the fastest of two layouts), timed in the same run; with early
    stopping it adds the first-layer GEMM of every validation check;
  * the ratio epoch / floor and the model-epochs per second;
  * the plain single-model loop (`train`) as the K = 1 reference;
for history=False without and with early stopping (the experiments use it).
Measurements are interleaved (each repeat times every row once) and medians printed, since
other work on the machine skews single timings. Nothing is asserted.

  --against COMMIT  also benchmarks COMMIT (checked out with `git worktree add` into a temp dir)
                    side by side, each row timed alternately in the two trees, with the ratio.
  --series          times executing each notebook notebooks/NN_*.ipynb from scratch (nbconvert
                    into a temp dir, SPARSE_RECOMPUTE=1), in this tree (and COMMIT's).
  --cases 30:5,192:3 --threads 1,2 --repeats 3 --hidden 8,4   what to measure.
Run: .venv/bin/python benchmarks/trainer_speed.py [--against 6024fc3] [--series]
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
ROOT = HERE.parents[1]
MARK = "@@result "  # the worker's answers; anything else it prints is passed through
N_TRAIN, BATCH, VAL, CHECKS = 55000, 128, 5000, 5
LAYOUTS = ("mm", "mm-t", "bmm", "bmm-split")


# ---------------------------------------------------------------- the worker (one per tree)

def group_sizes(k, groups):
    """Members per data order when k members cycle through `groups` seeds."""
    return [len(range(g, k, groups)) for g in range(groups)]


def epoch_batches():
    """The batch sizes of one epoch's steps."""
    return [BATCH] * (N_TRAIN // BATCH) + ([N_TRAIN % BATCH] if N_TRAIN % BATCH else [])


def gemm_blocks(k, groups, hidden1, threads, layout):
    """The first layer's weight blocks (rows each) for one floor layout, or None if it does not apply.

    mm, mm-t: one GEMM per group (W @ x^T and dz @ x, or x @ W^T and dz^T @ x); bmm: one batched
    GEMM over equal groups; bmm-split: each equal group cut into `threads` blocks.
    """
    sizes = group_sizes(k, groups)
    rows = [n * hidden1 for n in sizes]
    if layout in ("mm", "mm-t"):
        return rows
    if len(set(rows)) > 1 or (layout == "bmm-split" and (threads == 1 or rows[0] % threads)):
        return None
    return [rows[0] // threads] * (groups * threads) if layout == "bmm-split" else rows


def floor_seconds(k, groups, hidden1, threads, checks, layout):
    """Seconds of the first layer's forward and weight-gradient GEMMs over one epoch of steps at
    the grouped shapes, in one layout (plus `checks` first-layer GEMMs over the validation set)."""
    import torch
    torch.set_num_threads(threads)
    blocks = gemm_blocks(k, groups, hidden1, threads, layout)
    if blocks is None:
        return None
    step = {b: step_gemms(layout, blocks, b) for b in set(epoch_batches())}
    w, val = torch.randn(k * hidden1, 784), torch.randn(VAL, 784)
    start = time.perf_counter()
    for b in epoch_batches():
        step[b]()
    for _ in range(checks):
        torch.mm(w, val.t())
    return time.perf_counter() - start


def step_gemms(layout, blocks, batch):
    """A function doing one step's two first-layer GEMMs in a layout, on tensors made here."""
    import torch
    r, n = blocks[0], len(blocks)
    if layout.startswith("bmm"):
        w, x, dz = torch.randn(n, r, 784), torch.randn(n, batch, 784), torch.randn(n, r, batch)
        out, gw = torch.empty(n, r, batch), torch.empty(n, r, 784)
        return lambda: (torch.bmm(w, x.transpose(1, 2), out=out), torch.bmm(dz, x, out=gw))
    feature = layout == "mm"  # else the transposed problem: x @ W^T, and dz^T @ x
    ts = [(torch.randn(r, 784), torch.randn(batch, 784),
           torch.randn(r, batch) if feature else torch.randn(batch, r),
           torch.empty(r, batch) if feature else torch.empty(batch, r), torch.empty(r, 784))
          for r in blocks]
    if feature:
        return lambda: [(torch.mm(w, x.t(), out=o), torch.mm(d, x, out=g)) for w, x, d, o, g in ts]
    return lambda: [(torch.mm(x, w.t(), out=o), torch.mm(d.t(), x, out=g)) for w, x, d, o, g in ts]


class Worker:
    """Answers timing requests with whatever sparse_helpers PYTHONPATH points at."""

    def __init__(self):
        import dataclasses
        import inspect
        import sparse_helpers as sh
        self.sh, self.data, self.states = sh, sh.load_fashion_mnist(), {}
        self.fields = {f.name for f in dataclasses.fields(sh.Config)}
        self.params = set(inspect.signature(sh.train_many).parameters)
        self.best_layout = {}
        self.plain(1, 1, sh.DEFAULTS.hidden)  # warm up: the first call in a process is slow
        self.train_many(1, 1, 1, 1, False, sh.DEFAULTS.hidden)

    def config(self, epochs, threads, hidden):
        """A Config for this tree (older Configs may lack some fields)."""
        kwargs = {"epochs": epochs, "threads": threads, "hidden": tuple(hidden)}
        return self.sh.Config(**{k: v for k, v in kwargs.items() if k in self.fields})

    def train_many(self, k, groups, threads, epochs, early_stop, hidden):
        """Seconds of one train_many call."""
        import torch
        key = (k, tuple(hidden))
        if key not in self.states:
            self.states[key] = [self.sh.theta0(s, hidden=tuple(hidden)) for s in range(k)]
        kwargs = {"data_seeds": [i % groups for i in range(k)], "history": False,
                  "progress": False, "device": "cpu", "early_stop": early_stop}
        kwargs = {n: v for n, v in kwargs.items() if n in self.params}
        if early_stop and "early_stop" not in kwargs:
            return None
        torch.set_num_threads(threads)
        start = time.perf_counter()
        self.sh.train_many(self.states[key], self.data, self.config(epochs, threads, hidden), **kwargs)
        return time.perf_counter() - start

    def plain(self, threads, epochs, hidden):
        """Seconds of the plain single-model loop `train`."""
        import torch
        torch.set_num_threads(threads)
        model = self.sh.make_mlp(tuple(hidden), seed=0)
        start = time.perf_counter()
        self.sh.train(model, self.data, self.config(epochs, threads, hidden), progress=False,
                      device="cpu")
        return time.perf_counter() - start

    def floor(self, **shape):
        """The floor in its fastest layout: every layout is tried at a new shape, then the best."""
        key = json.dumps(shape, sort_keys=True)
        if key not in self.best_layout:
            floor_seconds(**shape, layout="mm")  # warm up
            times = {lay: floor_seconds(**shape, layout=lay) for lay in LAYOUTS}
            self.best_layout[key] = min((t, lay) for lay, t in times.items() if t is not None)[1]
            return min(t for t in times.values() if t is not None)
        return floor_seconds(**shape, layout=self.best_layout[key])

    def answer(self, request):
        """The seconds a request asks for (None where this tree cannot do it), and how busy the
        other processes kept the machine meanwhile."""
        kind = request.pop("kind")
        if kind == "hello":
            return {"file": self.sh.__file__, "torch": __import__("torch").__version__}
        before = cpu_seconds()
        if kind == "floor":
            seconds = self.floor(**request)
        else:
            seconds = self.plain(**request) if kind == "plain" else self.train_many(**request)
        return {"seconds": seconds, "others": others_load(before, cpu_seconds())}


def cpu_seconds():
    """(wall clock, CPU seconds of every process on the machine, CPU seconds of this one)."""
    try:
        with open("/proc/stat") as f:
            ticks = [int(v) for v in f.readline().split()[1:]]
        machine = (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # less idle, iowait
    except (OSError, ValueError, IndexError):
        machine = math.nan  # not Linux: the load goes unmeasured
    own = os.times()
    return time.perf_counter(), machine, own.user + own.system


def others_load(before, after):
    """Cores kept busy by other processes between two cpu_seconds() readings, as a fraction."""
    wall, machine, own = (b - a for a, b in zip(before, after))
    return max(0.0, (machine - own) / wall / (os.cpu_count() or 1)) if wall > 0 else 0.0


def worker_main():
    """Read one JSON request per line, answer each on a line starting with MARK."""
    worker = Worker()
    for line in sys.stdin:
        print(MARK + json.dumps(worker.answer(json.loads(line))), flush=True)


# ---------------------------------------------------------------- the parent

class Tree:
    """A worker process running one source tree's sparse_helpers."""

    def __init__(self, label, root):
        env = dict(os.environ, PYTHONPATH=str(root), PYTHONUNBUFFERED="1")
        self.label, self.root = label, Path(root)
        self.proc = subprocess.Popen([sys.executable, str(HERE), "--worker"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, env=env, cwd=root)
        hello = self.ask(kind="hello")
        print(f"# {label}: sparse_helpers from {hello['file']}, torch {hello['torch']}", flush=True)

    def ask(self, **request):
        """Send one request and wait for its answer."""
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        for line in self.proc.stdout:
            if line.startswith(MARK):
                return json.loads(line[len(MARK):])
            print(f"  [{self.label}] {line.rstrip()}", flush=True)
        raise RuntimeError(f"the {self.label} worker stopped (see its error above)")

    def close(self):
        """End the worker."""
        self.proc.stdin.close()
        self.proc.wait()


def median_or_none(values):
    """The median of the values, None if any is None."""
    return None if any(v is None for v in values) else statistics.median(values)


BUSY = 0.10  # a timing during which other processes used more of the machine than this is retried
RETRIES = 4
NOISY = []   # the timings kept although the machine stayed busy


def timed(tree, **request):
    """Seconds of one request, retried while other processes were busy (up to RETRIES times)."""
    for attempt in range(RETRIES + 1):
        got = tree.ask(**request)
        if got["seconds"] is None or not got["others"] > BUSY:
            return got["seconds"]
        time.sleep(2 * attempt)
    NOISY.append(f"{tree.label} {request} with {100 * got['others']:.0f}% of the CPUs busy elsewhere")
    return got["seconds"]


def measure_row(trees, request, repeats):
    """Per tree: medians of a 1-epoch call and of the marginal epoch (2-epoch call minus 1)."""
    one = {t.label: [] for t in trees}
    two = {t.label: [] for t in trees}
    for _ in range(repeats):
        for t in trees:  # interleaved, so that a busy spell hits both trees alike
            one[t.label].append(timed(t, **request, epochs=1))
            two[t.label].append(timed(t, **request, epochs=2))
    out = {}
    for t in trees:
        a, b = median_or_none(one[t.label]), median_or_none(two[t.label])
        out[t.label] = None if a is None else (a, b - a)
    return out


def floor_of(tree, k, groups, threads, hidden1, checks, repeats):
    """Median seconds of the floor (see floor_seconds) in one tree's worker."""
    return statistics.median(timed(tree, kind="floor", k=k, groups=groups, hidden1=hidden1,
                                   threads=threads, checks=checks) for _ in range(repeats))


def fmt(x, width=7, digits=3):
    """A number, or n/a."""
    return f"{'n/a':>{width}}" if x is None else f"{x:>{width}.{digits}f}"


def print_row(name, k, groups, threads, times, floor, labels):
    """One line of the table: per tree call, epoch, ratio, model-epochs/s; then old/new."""
    cells = [f"{k:>4} {groups:>6} {threads:>3}  {name:<13}", fmt(floor)]
    for label in labels:
        t = times.get(label)
        call, epoch = t if t else (None, None)
        ratio = None if epoch is None else epoch / floor
        rate = None if epoch is None else k / epoch
        cells += [fmt(call), fmt(epoch), fmt(ratio, 6, 2) + "x", fmt(rate, 8, 1)]
    if len(labels) == 2 and all(times.get(label) for label in labels):
        cells.append(f"{times[labels[0]][1] / times[labels[1]][1]:>8.2f}x")
    print(" ".join(cells), flush=True)


def header(labels):
    """The table's column names."""
    head = f"{'K':>4} {'groups':>6} {'thr':>3}  {'row':<13} {'floor':>7}"
    for label in labels:
        head += f" | {label + ' call':>7} {'epoch':>7} {'ratio':>7} {'mod-ep/s':>8}"
    if len(labels) == 2:
        head += f" {labels[0] + '/' + labels[1]:>9}"
    print(head)


def benchmark(trees, args):
    """Every row of the table, printed as it is measured."""
    labels = [t.label for t in trees]
    hidden = [int(h) for h in args.hidden.split(",")]
    print(f"# one epoch = {math.ceil(N_TRAIN / BATCH)} steps of batch {BATCH} over {N_TRAIN:,} "
          f"images; seconds, median of {args.repeats}; ratio = epoch / floor; load average "
          f"{os.getloadavg()[0]:.2f}")
    header(labels)
    for threads in [int(t) for t in args.threads.split(",")]:
        for case in args.cases.split(","):
            k, groups = (int(v) for v in case.split(":"))
            base = dict(k=k, groups=groups, threads=threads, hidden=hidden)
            if k == 1:
                plain = measure_row(trees, dict(kind="plain", threads=threads, hidden=hidden), args.repeats)
                floor = floor_of(trees[-1], k, groups, threads, hidden[0], 0, args.repeats)
                print_row("plain train", k, groups, threads, plain, floor, labels)
            for early in (False, True):
                floor = floor_of(trees[-1], k, groups, threads, hidden[0], CHECKS * early, args.repeats)
                row = measure_row(trees, dict(kind="train_many", **base, early_stop=early), args.repeats)
                print_row("early stop" if early else "train_many", k, groups, threads, row, floor, labels)
    print(f"# load average at the end {os.getloadavg()[0]:.2f}; timings kept with the machine busy "
          f"elsewhere (over {100 * BUSY:.0f}% after {RETRIES} retries): {len(NOISY)}")
    for note in NOISY:
        print(f"#   {note}")


# ---------------------------------------------------------------- the notebook series

def series(root, label, timeout):
    """Seconds to execute each notebook of a tree from scratch (None where it failed)."""
    notebooks = sorted((Path(root) / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        print(f"# {label}: no notebooks/NN_*.ipynb found")
    times = {}
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, PYTHONPATH=str(root), SPARSE_RECOMPUTE="1",
                   SPARSE_CHECKPOINT_DIR=os.path.join(tmp, "checkpoints"),
                   SPARSE_FIGURES_DIR=os.path.join(tmp, "figures"))
        for nb in notebooks:
            start = time.perf_counter()
            try:
                done = subprocess.run(
                    [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                     "--output-dir", tmp, "--log-level=ERROR", f"--ExecutePreprocessor.timeout={timeout}",
                     "--ExecutePreprocessor.kernel_name=python3", str(nb)],
                    env=env, cwd=nb.parent, capture_output=True, text=True, timeout=timeout)
                failed = done.returncode != 0 and (done.stderr.strip().splitlines() or ["failed"])[-1]
            except (subprocess.TimeoutExpired, OSError) as err:
                failed = f"{type(err).__name__}: {err}"
            times[nb.name] = None if failed else time.perf_counter() - start
            print(f"  {label:<6} {nb.name:<36} " + (f"{times[nb.name]:8.1f} s" if not failed
                                                      else f"failed: {failed[:100]}"), flush=True)
    return times


def print_series(results):
    """The whole series per tree, and the ratio when there are two."""
    totals = {label: (None if any(v is None for v in t.values()) or not t else sum(t.values()))
              for label, t in results.items()}
    for label, total in totals.items():
        print(f"  {label:<6} whole series {'n/a (a notebook failed)' if total is None else f'{total:.1f} s'}")
    if len(totals) == 2 and None not in totals.values():
        old, new = totals.values()
        print(f"  ratio {old / new:.2f}x")


# ---------------------------------------------------------------- main

def checkout(commit, tmp):
    """A detached worktree of commit under tmp."""
    path = Path(tmp) / "tree"
    subprocess.run(["git", "worktree", "add", "--detach", str(path), commit], cwd=ROOT, check=True,
                   capture_output=True, text=True)
    return path


def parse():
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--against", metavar="COMMIT")
    p.add_argument("--series", action="store_true")
    p.add_argument("--series-timeout", type=int, default=7200)
    p.add_argument("--cases", default="1:1,10:5,30:5,192:3")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--hidden", default="8,4")
    return p.parse_args()


def main():
    """Benchmark this tree (and COMMIT's), then the series if asked for."""
    args = parse()
    if args.worker:
        return worker_main()
    with tempfile.TemporaryDirectory() as tmp:
        old = checkout(args.against, tmp) if args.against else None
        try:
            trees = ([Tree(args.against[:10], old)] if old else []) + [Tree("new", ROOT)]
            benchmark(trees, args)
            for t in trees:
                t.close()
            if args.series:
                print("\n# executing each notebook from scratch (SPARSE_RECOMPUTE=1)")
                print_series({t.label: series(t.root, t.label, args.series_timeout) for t in trees})
        finally:
            if old:
                subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT,
                               capture_output=True)


if __name__ == "__main__":
    main()
