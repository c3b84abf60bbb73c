"""Mutation testing of the experiments, pruning and claim-deciding code against the fast tests: mutmut, scored.

Run: make mutate            (installs mutmut==3.8.1 into the venv, then runs this)
     .venv/bin/python tools/mutation_run.py [--max-children N] [--all] [--report-only]

It runs `mutmut run` (configured in pyproject.toml's [tool.mutmut]: which files, which tests)
on the functions in scope below, reads `mutmut results`, and prints the score
killed / (killed + survived) per module and overall, the equivalent mutants it left out of the
denominator (EQUIVALENT below, each with its reason), and every other survivor with its diff.
It exits 1 if the score is below 90%, or if an entry of EQUIVALENT no longer matches its mutant.
docs/mutation.md says what it covers, what it leaves out and what it measured.

It installs nothing. It runs mutmut at the lowest CPU priority (nice 19), one mutant at a
time by default, every library single-threaded, and writes new results to a temporary folder.
mutmut works in a copy of the project, mutants/ (git should ignore it).

The same file is a pytest plugin (pyproject's pytest_add_cli_args: -p tools.mutation_run,
which mutmut copies into mutants/): under mutmut only, it freezes the objects the fork server
already holds, so that pytest's garbage collections at the end of every session do not walk
torch and pandas again for each mutant, and it runs a mutant's tests fastest first, so that a
killed mutant stops (pytest -x) after the cheapest test that kills it. Neither changes which
tests run on a mutant or what they check.
"""
import argparse
import ast
import gc
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
THRESHOLD = 0.90
MUTMUT_VERSION = "3.8.1"

# The modules mutated (pyproject's only_mutate minus do_not_mutate), as source paths.
MODULES = ["sparse_helpers/computing/prune.py", "sparse_helpers/experiments/arms.py",
           "sparse_helpers/experiments/baseline.py", "sparse_helpers/experiments/lottery.py",
           "sparse_helpers/experiments/odds.py", "sparse_helpers/experiments/store.py",
           "sparse_helpers/experiments/tickets.py", "sparse_helpers/experiments/widths.py",
           "sparse_helpers/analysis/stats.py", "sparse_helpers/analysis/lottery.py",
           "sparse_helpers/analysis/claims.py"]

# Modules of which only some functions are mutated: those that decide a claim. The rest of
# analysis/lottery.py lays out tables, sentences and figures; stats.py's two left out format text.
ONLY = {
    "sparse_helpers/analysis/lottery.py": {
        "x_window_rounds", "x_gap", "x_arm_gaps", "x_pick_tickets", "x_epochs_to", "x_censored_median",
        "x_speed_score", "x_seed_scores", "x_speed_findings", "x_window_speed", "x_sign_test",
        "x_first_round_bounds"},
    "sparse_helpers/analysis/stats.py": {
        f for f in ("x_check_confidence", "x_t_interval", "x_paired_test", "x_smallest_signed_rank_p", "x_wilson",
                    "x_rule_of_three", "x_cluster_rate_interval", "x_numbers_of", "x_chance_level", "x_collapsed",
                    "x_win_rates", "x_t_p")},
}

# Functions of those modules left out of the default run (--all includes them), each with why:
# the stored-file layer. They decide whether a file on disk is trusted and how it is laid out,
# not which networks are trained from what or what is recorded about them; test_store.py and the
# damaged-file tests exercise them, and with them in scope a run takes well over 30 minutes here.
# mutmut names a function x_<name>, a method xǁ<Class>ǁ<name>.
FILE_LAYER = "the stored-file layer: encoding, decoding and checking what a result file holds"
OUT_OF_SCOPE = {
    **{f"sparse_helpers.experiments.{m}.xǁ{c}ǁ{f}": FILE_LAYER
       for m, c in (("baseline", "BaselineExperiment"), ("lottery", "LotteryExperiment"),
                    ("odds", "OddsExperiment"), ("tickets", "TicketExperiment"),
                    ("widths", "WidthExperiment"), ("widths", "SizesExperiment"))
       for f in ("encode", "decode")},
    **{f"sparse_helpers.experiments.baseline.x_{f}": FILE_LAYER for f in ("check_run", "pack_runs", "unpack_runs")},
    "sparse_helpers.experiments.lottery.x_check_rounds": FILE_LAYER,
    **{f"sparse_helpers.experiments.store.x_{f}": FILE_LAYER
       for f in ("encode_table", "decode_table", "checksum", "save_file_atomically", "remove_stale_partials",
                 "read_file", "differences", "column_ok", "check_table", "pack_states", "unpack_states",
                 "report", "seconds_tensor")},
    **{f"sparse_helpers.experiments.store.xǁExperimentǁ{f}": FILE_LAYER for f in ("read", "write")},
    **{f"sparse_helpers.experiments.store.xǁExperimentǁ{f}": "abstract: raises NotImplementedError"
       for f in ("settings", "compute", "encode", "decode")},
    "sparse_helpers.analysis.claims.x_emit": "display only: it shows the markdown it is given",
}

# Surviving mutants that no test can kill because they do not change what the code computes:
# mutant name -> (why it is equivalent, a fragment of its mutated line). mutmut numbers the
# mutants of a function in order, so an edit of the function renumbers them; the fragment lets
# this script notice an entry that no longer names the mutant it explains (it then fails).
P, L, S, W = ("sparse_helpers.computing.prune.", "sparse_helpers.experiments.lottery.",
              "sparse_helpers.experiments.store.", "sparse_helpers.experiments.widths.")
UNREACHABLE_MESSAGE = ("as_list is called only when np.ndim(rates) > 0 (a list, tuple or array), which "
                       "it never refuses, so the name and example of its message are never shown")
ZERO_WHERE_PRUNED = ("a network trained under masks is exactly 0 where they prune and nonzero elsewhere, "
                     "so its nonzero weights (what next_masks takes without masks) are the masks")
SAME_ROWS = ("the rows are sorted on round, seed, arm order and draw, unique per row, and the index is "
             "rebuilt by reset_index(drop=True): the table is the same")
MULTI_KEY_SORT = ("pandas ignores `kind` when sorting on several columns (and the keys are unique), so "
                  "any kind gives the same order")
EQUIVALENT = {
    **{f"{P}x_layerwise_masks__mutmut_{i}": (UNREACHABLE_MESSAGE, frag) for i, frag in (
        (14, 'as_list(rates, None, "[0.2, 0.2, 0.1]")'), (15, 'as_list(rates, "rates", None)'),
        (19, '"XXratesXX"'), (20, '"RATES"'), (21, '"XX[0.2, 0.2, 0.1]XX"'))},
    f"{P}x_magnitude_threshold__mutmut_7": (
        "with no weight left alive the masks are already all 0 there, so masks * (|w| >= threshold) is 0 "
        "whatever the threshold", "if len(values) else 1.0"),
    f"{P}x_uniform_counts__mutmut_23": (
        "torch.repeat_interleave(repeats) alone repeats each index i repeats[i] times: the same tensor as "
        "repeat_interleave(arange(len(repeats)), repeats)", "torch.repeat_interleave(torch.tensor(sizes))"),
    f"{L}x_imp_round__mutmut_19": (ZERO_WHERE_PRUNED, "next_masks(run_.state, None, cfg)"),
    f"{L}xǁLotteryExperimentǁchain_pass__mutmut_103": (ZERO_WHERE_PRUNED, "next_masks(run.state, None,"),
    f"{L}xǁLotteryExperimentǁchain_pass__mutmut_72": (
        "at round 0 the masks keep everything, and a trained dense network has no weight exactly 0, so its "
        "nonzero weights (what next_masks takes without masks) are all of them", "next_masks(dense, None,"),
    f"{L}x_imp_round__mutmut_7": ("train_many only tests `if history:`; None is as false as False",
                                  "history=None"),
    f"{L}x_imp_round__mutmut_8": ("a Progress bar is drawn only when `enabled` is true; None is as false as "
                                  "False (display only)", "progress=None"),
    **{f"{L}x_with_round0_copies__mutmut_{i}": (SAME_ROWS, frag) for i, frag in (
        (28, "ignore_index=None"), (30, "pd.concat([table, *copies], )"), (31, "ignore_index=False"))},
    **{f"{L}x_with_round0_copies__mutmut_{i}": (MULTI_KEY_SORT, frag) for i, frag in (
        (39, "kind=None"), (41, '["round", "seed", "_order", "draw"], )'), (50, 'kind="XXstableXX"'),
        (51, 'kind="STABLE"'))},
    "sparse_helpers.experiments.odds.xǁOddsExperimentǁcompute__mutmut_13": (
        "every draw masks the same architecture, and there are always at least three (one per way), so the "
        "second draw's weight count is the first's", "todo[1].masks"),
    f"{S}xǁExperimentǁkey__mutmut_8": (
        "__import__ returns the named (non-package) module itself for any non-empty fromlist",
        'fromlist=["XX_XX"]'),
    f"{W}x_exact_size_masks__mutmut_28": (
        "surviving weights score |w| >= 0; any negative score for the others ranks them last the same way",
        "score[~alive] = -2.0"),
    f"{W}xǁSizesExperimentǁtargets__mutmut_12": (
        "the widths are narrower than the series' own, so their weight counts are strictly below its count",
        "last <= n <= dense_count(cfg.hidden)"),
}


# ---------------------------------------------------------------- the pytest plugin (under mutmut)

def under_mutmut():
    """Whether this process is one of mutmut's test runs (it sets MUTANT_UNDER_TEST)."""
    return "MUTANT_UNDER_TEST" in os.environ


def pytest_configure(config):
    """Freeze what the forked process inherited: end-of-session gc.collect() then skips it."""
    if under_mutmut():
        gc.freeze()


def pytest_collection_finish(session):
    """In mutmut's fork server (it collects once, then forks a process per mutant): warm up."""
    if under_mutmut() and session.config.option.collectonly:
        warm_up()


def warm_up():
    """Do once what every mutant's tests would otherwise each do first: torch's and pandas'
    lazy imports and first-call set-up (about 1.5 s), reading Fashion-MNIST (cached by
    load_fashion_mnist), and parsing the package for the keys (codekey.index(), cached while no
    file changes). Random states and the
    checkpoint folder are left as they were."""
    import random

    import numpy as np
    import torch
    states = random.getstate(), np.random.get_state(), torch.get_rng_state()
    folder = os.environ.get("SPARSE_CHECKPOINT_DIR")
    try:
        import sparse_helpers as sh
        from sparse_helpers.experiments.lottery import LotteryExperiment
        from sparse_helpers.experiments.odds import OddsExperiment
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["SPARSE_CHECKPOINT_DIR"] = tmp
            data = sh.synthetic_data(n_train=256, n_val=64, n_test=64)
            lottery = LotteryExperiment(sh.Config(seeds=(0,), epochs=1, rounds=1, explorer_rates=()), data)
            lottery.result(reuse=False, progress=False)
            lottery.read(lottery.stored())
            OddsExperiment(lottery, [1], 1).result(reuse=False, progress=False)
        sh.load_fashion_mnist()

        from sparse_helpers.experiments import codekey
        codekey.index()
    except Exception:  # best effort: a test that needs any of it does it again
        pass
    finally:
        if folder is None:
            os.environ.pop("SPARSE_CHECKPOINT_DIR", None)
        else:
            os.environ["SPARSE_CHECKPOINT_DIR"] = folder
        random.setstate(states[0])
        np.random.set_state(states[1])
        torch.set_rng_state(states[2])


@pytest.hookimpl(trylast=True)  # after the conftest's own ordering
def pytest_collection_modifyitems(session, config, items):
    """Under mutmut, run the tests fastest first, by the durations of mutmut's stats run."""
    stats = Path("mutmut-stats.json")  # pytest runs in mutants/ under mutmut
    if not under_mutmut() or not stats.is_file():
        return
    try:
        duration = json.loads(stats.read_text()).get("duration_by_test", {})
    except (OSError, ValueError):
        return
    items.sort(key=lambda item: duration.get(item.nodeid, 0.0))



# ---------------------------------------------------------------- which mutants, and their verdicts

def functions(path):
    """mutmut's names (x_f, xǁClassǁmethod) of a module's top-level functions and methods."""
    tree = ast.parse((REPO / path).read_text())
    out = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out.append(f"x_{node.name}")
        elif isinstance(node, ast.ClassDef):
            out += [f"xǁ{node.name}ǁ{n.name}" for n in node.body
                    if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    return out


def module_name(path):
    """sparse_helpers/computing/prune.py -> sparse_helpers.computing.prune"""
    return path[:-3].replace("/", ".")


def in_scope(everything=False):
    """Qualified function names to mutate: every function of MODULES but those OUT_OF_SCOPE."""
    return [f"{module_name(p)}.{f}" for p in MODULES for f in functions(p)
            if everything or (f"{module_name(p)}.{f}" not in OUT_OF_SCOPE and f in ONLY.get(p, {f}))]


def function_of(mutant):
    """sparse_helpers.x.y.x_f__mutmut_3 -> sparse_helpers.x.y.x_f"""
    return mutant.partition("__mutmut_")[0]


def module_of(mutant):
    """The module part of a mutant's name."""
    return function_of(mutant).rpartition(".")[0]


def run_mutmut(*args, log=None):
    """Run the venv's mutmut at the lowest priority; its exit status (output to log, or captured)."""
    exe = Path(sys.executable).with_name("mutmut")
    cmd = ["nice", "-n", "19", str(exe), *args]
    if log is None:
        return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, env=environment())
    with open(log, "w") as f:
        return subprocess.run(cmd, cwd=REPO, stdout=f, stderr=subprocess.STDOUT, env=environment())


_CHECKPOINTS = None


def environment():
    """One CPU thread everywhere; results written to a temporary folder, never to checkpoints/."""
    global _CHECKPOINTS
    if _CHECKPOINTS is None:
        _CHECKPOINTS = tempfile.mkdtemp(prefix="mutation-checkpoints-")
    return {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "SPARSE_THREADS": "1",
            "SPARSE_CHECKPOINT_DIR": _CHECKPOINTS, "PYTHONDONTWRITEBYTECODE": "1"}


def verdicts():
    """{mutant name: status} from `mutmut results --all true`."""
    out = run_mutmut("results", "--all", "true")
    if out.returncode != 0:
        sys.exit(f"mutmut results failed:\n{out.stdout}\n{out.stderr}")
    found = {}
    for line in out.stdout.splitlines():
        m = re.match(r"^\s+(\S+__mutmut_\d+): (.+)$", line)
        if m:
            found[m.group(1)] = m.group(2).strip()
    return found


def diff(mutant):
    """The mutant's diff against the original function (mutmut's own `show`)."""
    try:
        from mutmut.mutation.diff_apply import get_diff_for_mutant
        cwd = os.getcwd()
        os.chdir(REPO)
        try:
            path = module_of(mutant).replace(".", "/") + ".py"
            return get_diff_for_mutant(mutant, path=path)
        finally:
            os.chdir(cwd)
    except Exception:  # an older or newer mutmut: ask its command line
        out = run_mutmut("show", mutant)
        return out.stdout.strip()


def mutated_lines(text):
    """The added lines of a diff."""
    return [line[1:] for line in text.splitlines() if line.startswith("+") and not line.startswith("+++")]


def cpu_seconds():
    """CPU seconds of this process's finished children (mutmut, its fork server and its workers)."""
    import resource
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def test_seconds(since):
    """{module: seconds its mutants' tests took} from mutmut's debug log (log_to_file), since a time."""
    log, per = REPO / "mutants" / "mutmut-debug.log", {}
    if not log.is_file():
        return per
    for line in log.read_text(errors="replace").splitlines():
        m = re.match(r"(\S+ \S+?)(?:\.\d+)? .*Completed (\S+): exit=-?\d+ \(([\d.]+)s\)", line)
        if m and m.group(1) >= since:
            per[module_of(m.group(2))] = per.get(module_of(m.group(2)), 0.0) + float(m.group(3))
    return per


# ---------------------------------------------------------------- the score

CAUGHT = {"killed", "timeout", "segfault", "suspicious", "caught by type check"}
MISSED = {"survived", "no tests"}
COLUMNS = ("killed", "timeout", "survived", "no tests", "equivalent", "untested")


def check_equivalents(status):
    """The EQUIVALENT entries that no longer fit: a missing mutant, another diff, or a kill."""
    stale = {}
    for name, (_, fragment) in EQUIVALENT.items():
        if name not in status:
            stale[name] = "no such mutant any more"
        elif status[name] in CAUGHT:
            stale[name] = f"listed as equivalent, but {status[name]}"
        elif not any(fragment in line for line in mutated_lines(diff(name))):
            stale[name] = f"its diff no longer changes a line to contain {fragment!r}"
    return stale


def tally(status, scope, stale):
    """{module: {column: count}} over the mutants of the functions in scope."""
    rows = {}
    for name, verdict in status.items():
        if function_of(name) not in scope:
            continue
        row = rows.setdefault(module_of(name), dict.fromkeys(COLUMNS, 0))
        if verdict in MISSED and name in EQUIVALENT and name not in stale:
            row["equivalent"] += 1
        elif verdict == "timeout":
            row["timeout"] += 1
        elif verdict in CAUGHT:
            row["killed"] += 1
        elif verdict in MISSED:
            row[verdict] += 1
        else:  # not checked, or interrupted: the run did not get to it
            row["untested"] += 1
    return rows


def ratio(row):
    """Killed (timeouts too) over killed + survived; a mutant no fast test reaches is a survivor."""
    caught = row["killed"] + row["timeout"]
    total = caught + row["survived"] + row["no tests"]
    return caught / total if total else 1.0


def report(status, scope, seconds):
    """Print the score per module, the equivalents and the survivors with their diffs; the exit
    status: 0 when the score is at least THRESHOLD, every mutant was tested and EQUIVALENT fits."""
    stale = check_equivalents(status)
    rows = tally(status, scope, stale)
    total = {c: sum(r[c] for r in rows.values()) for c in COLUMNS}
    print(f"\n{'module':<36}" + "".join(f"{c:>11}" for c in COLUMNS) + "      score")
    for mod, r in sorted(rows.items()) + [("overall", total)]:
        print(f"{mod:<36}" + "".join(f"{r[c]:>11}" for c in COLUMNS) + f"  {100 * ratio(r):8.1f}%")
    if seconds is not None:
        wall, cpu, began = seconds
        print(f"mutmut run: {wall / 60:.1f} min ({cpu / 60:.1f} min of CPU, nice 19)")
        per = test_seconds(began)
        if per:
            print("time in the mutants' tests, by module: " + ", ".join(
                f"{m.rsplit('.', 1)[1]} {t / 60:.1f} min" for m, t in sorted(per.items(), key=lambda x: -x[1])))
    equivalents = sorted(n for n in EQUIVALENT if n not in stale and function_of(n) in scope
                         and status.get(n) in MISSED)
    if equivalents:
        print(f"\n{len(equivalents)} equivalent mutants, left out of the score (EQUIVALENT):")
        for n in equivalents:
            print(f"  {n}: {EQUIVALENT[n][0]}")
    survivors = sorted(n for n, v in status.items() if function_of(n) in scope and v in MISSED
                       and (n not in EQUIVALENT or n in stale))
    if survivors:
        print(f"\n{len(survivors)} survivors, neither killed nor explained:")
        for n in survivors:
            print(f"\n# {n}: {status[n]}\n{diff(n)}")
    if stale:
        print("\nEQUIVALENT entries that no longer fit their mutant (update them):")
        for n, why in sorted(stale.items()):
            print(f"  {n}: {why}")
    untested = total["untested"]
    if untested:
        print(f"\n{untested} mutants in scope were not tested: the run was interrupted or is stale")
    score = ratio(total)
    print(f"\nscore: {100 * score:.1f}% of {total['killed'] + total['timeout'] + total['survived'] + total['no tests']}"
          f" non-equivalent mutants killed ({'at least' if score >= THRESHOLD else 'BELOW'} "
          f"{100 * THRESHOLD:.0f}%)")
    return 0 if score >= THRESHOLD and not stale and not untested else 1


def main(argv=None):
    """Run mutmut over the scope (unless --report-only), then report."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("mutants", nargs="*", help="only run these mutants (names or globs, as mutmut takes)")
    p.add_argument("--max-children", type=int, default=1, help="mutants tested at once (default 1)")
    p.add_argument("--all", action="store_true", help="also the functions OUT_OF_SCOPE leaves out")
    p.add_argument("--report-only", action="store_true", help="report the last run, run nothing")
    args = p.parse_args(argv)
    try:
        import mutmut  # noqa: F401
    except ImportError:
        sys.exit(f"mutmut is not installed: .venv/bin/pip install mutmut=={MUTMUT_VERSION} (make mutate does)")
    os.nice(max(0, 19 - os.nice(0)))
    scope = set(in_scope(args.all))
    seconds = None
    if not args.report_only:
        (REPO / "mutants").mkdir(exist_ok=True)
        # mutmut maps tests to functions once and then only adds new test names: a test whose
        # body changed would keep its old mapping, so every run maps afresh (a minute or two).
        (REPO / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
        names = args.mutants or sorted(f"{f}__mutmut_*" for f in scope)
        print(f"mutmut run over {'the mutants named' if args.mutants else f'{len(scope)} functions'}, "
              f"{args.max_children} at a time (its output: mutants/mutation-run.log)", flush=True)
        start, began, cpu = time.perf_counter(), time.strftime("%Y-%m-%d %H:%M:%S"), cpu_seconds()
        run(names, args.max_children, "mutation-run.log")
        # A timeout is a kill only if the mutant hangs: one stopped or starved by the machine's other
        # work would count too. Those that timed out are tested once more.
        hung = [n for n, v in verdicts().items() if v == "timeout" and function_of(n) in scope]
        if hung:
            print(f"{len(hung)} mutants timed out; testing them once more", flush=True)
            run(hung, args.max_children, "mutation-rerun.log")
        seconds = (time.perf_counter() - start, cpu_seconds() - cpu, began)
    return report(verdicts(), scope, seconds)


def run(names, max_children, log_name):
    """mutmut run over the names (or globs), its output to mutants/<log_name>; exits if it fails."""
    log = REPO / "mutants" / log_name
    out = run_mutmut("run", "--max-children", str(max_children), *names, log=log)
    if out.returncode != 0:
        print(log.read_text(errors="replace")[-3000:])
        sys.exit(f"mutmut run failed (exit status {out.returncode}); see {log}")


if __name__ == "__main__":
    sys.exit(main())
