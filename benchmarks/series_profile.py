"""Where the series' computation spends its time: the lottery, odds and width experiments under
cProfile at a reduced but representative scale, as shares of the time (training steps, evaluation,
early-stopping bookkeeping, IMP's masks, everything else).

Shares stay meaningful on a shared machine, absolute seconds do not. Results go to a temporary
folder ($SPARSE_CHECKPOINT_DIR if set); nothing under results/ is read or written.

  --scale small|full   small (default): 3 seeds, 2 epochs, every 4th slider rate, fewer draws;
                       full: the committed notebooks' settings (make retrain's work, ~15 min).
  --top N              also print the N functions of largest own time.
Run: .venv/bin/python benchmarks/series_profile.py [--scale small] [--top 15]
"""
import argparse
import cProfile
import os
import pstats
import tempfile
import time

# What each bucket's time is: cumulative time of these functions (first match from the top wins).
BUCKETS = [("early-stop checks (validation loss)", "stack.py", "after"),
           ("evaluation (per-epoch curves, final scores)", "stack.py", "stacked_eval"),
           ("training steps", "stack.py", "step"),
           ("IMP's next masks", "prune.py", "next_masks"),
           ("silent units (after training)", "model.py", "silent_units"),
           ("collecting runs (unstack, copies)", "train.py", "collect_runs"),
           ("storing, keys, hashing", "store.py", "write")]


def settings(scale):
    """(lottery cfg changes, odds levels and draws, widths and seeds per width) for a scale."""
    import sparse_helpers as sh
    if scale == "full":
        return {}, ([3, 5, 7, 9, 11, 13, 15, 16], 25), ([1, 2, 3, 4, 6, 8, 12, 16, 32], 64)
    rates = sh.computing.config.SLIDER_RATES[::4]
    return (dict(seeds=(0, 1, 2), epochs=2, explorer_rates=rates),
            ([3, 7, 11], 12), ([1, 4, 8, 16], 16))


def compute(scale):
    """Compute the three experiments afresh; {name: seconds}."""
    import sparse_helpers as sh
    from sparse_helpers.experiments.lottery import LotteryExperiment
    from sparse_helpers.experiments.odds import OddsExperiment
    from sparse_helpers.experiments.widths import WidthExperiment
    lot_cfg, (levels, per_level), (widths, per_width) = settings(scale)
    cfg, data = sh.DEFAULTS.but(**lot_cfg), sh.load_fashion_mnist()
    lottery, out = LotteryExperiment(cfg, data), {}
    for name, make in [("lottery", lambda: lottery),
                       ("odds", lambda: OddsExperiment(lottery, levels, per_level)),
                       ("widths", lambda: WidthExperiment(cfg, data, widths, per_width))]:
        start = time.perf_counter()
        make().result(progress=False)
        out[name] = time.perf_counter() - start
    return out


def cumulative(stats, file_end, name):
    """Cumulative seconds of the function `name` in a file ending in file_end (0 if not called)."""
    return sum(v[3] for (f, _, n), v in stats.stats.items() if f.endswith(file_end) and n == name)


def main():
    """Profile, then print the seconds per experiment and each bucket's share."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", choices=("small", "full"), default="small")
    ap.add_argument("--top", type=int, default=0)
    args = ap.parse_args()
    os.environ.setdefault("SPARSE_CHECKPOINT_DIR", tempfile.mkdtemp(prefix="series-profile-"))
    os.environ["SPARSE_RECOMPUTE"] = "1"
    prof = cProfile.Profile()
    seconds = prof.runcall(compute, args.scale)
    stats, total = pstats.Stats(prof), sum(seconds.values())
    print("experiment seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in seconds.items()) + f"; total {total:.1f}")
    # the early-stop checks call stacked_eval, so evaluation is its cumulative time minus theirs
    checks = cumulative(stats, "stack.py", "after")
    rows = {name: cumulative(stats, f, n) for name, f, n in BUCKETS}
    rows["evaluation (per-epoch curves, final scores)"] -= checks
    rows["everything else"] = total - sum(rows.values())
    print("| where | seconds | share |\n|---|---|---|")
    for name, s in rows.items():
        print(f"| {name} | {s:.1f} | {100 * s / total:.1f}% |")
    passes = {p: cumulative(stats, "lottery.py", p) for p in ("chain_pass", "control_pass")}
    print("lottery: " + ", ".join(f"{p} {s:.1f} s" for p, s in passes.items()))
    if args.top:
        stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
