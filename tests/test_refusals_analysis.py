"""Issue 26, the analysis layer's part: every class of hostile input is refused with a message that
names the bad value and the fix, never a library traceback and never a silently wrong number."""
import math

import numpy as np
import pandas as pd
import pytest

import sparse_helpers as sh
from sparse_helpers.analysis import (inference, lottery as AL, odds as AO, pruning, stats, training, weights,
                                     widgets, widths as AW)
from sparse_helpers.analysis.prose import count
from sparse_helpers.computing import prune
from sparse_helpers.experiments import widths as W
from sparse_helpers.experiments.baseline import Baseline
from sparse_helpers.experiments.floatpath import FloatPath
from sparse_helpers.experiments.lottery import LotteryExperiment
from sparse_helpers.experiments.odds import OddsExperiment
from sparse_helpers.experiments.tickets import TicketExperiment
from sparse_helpers.experiments.widths import SIZE_WAYS, SizesExperiment

SMALL = sh.Config(seeds=(0, 1), epochs=1, rounds=3, threshold=0.3, explorer_rates=(), control_epochs=1)


@pytest.fixture(scope="module")
def other():
    """Data with other images and labels: results of tiny must refuse them."""
    return sh.synthetic_data(n_train=256, n_val=64, n_test=64, seed=1)


@pytest.fixture(scope="module")
def small(tiny, tmp_path_factory):
    """A small lottery on tiny, its ticket runs at round 2 and random masks at rounds 1 and 2."""
    mp = pytest.MonkeyPatch()
    mp.setenv("SPARSE_CHECKPOINT_DIR", str(tmp_path_factory.mktemp("ck")))
    lottery = LotteryExperiment(SMALL, tiny)
    lot = lottery.result(progress=False)
    runs = TicketExperiment(lottery, [(0, 2), (1, 2)]).result(progress=False)
    odds = OddsExperiment(lottery, [1, 2], 2).result(progress=False)
    mp.undo()
    return lottery, lot, runs, odds


def width_runs(cfg, accs, label):
    """WidthRuns from {width: [validation accuracies]} (test accuracy one point lower)."""
    rows = [{"width": w, "hidden": "-".join(map(str, W.hidden_for(w, cfg.hidden))), "seed": 1000 + i,
             "weights": W.dense_count(W.hidden_for(w, cfg.hidden)), "silent units": 0,
             "val_acc": a, "test_acc": a - 0.01} for w, values in accs.items() for i, a in enumerate(values)]
    return W.WidthRuns(cfg, pd.DataFrame(rows), pd.DataFrame({"width": list(accs), "networks": 4, "seconds": 1.0}),
                       1.0, label)


# ------------------------------------------------------------ class 2: other data, another lottery

def test_findings_refuse_results_of_other_data(small, tiny, other):
    _, lot, runs, odds = small
    n = sum(sh.weight_counts(sh.theta0(0)).values())
    with pytest.raises(ValueError, match="not the data of the baseline.*load_fashion_mnist"):
        pruning.pruning_findings(Baseline(SMALL, [], [], 0.0, tiny.label), other)
    with pytest.raises(ValueError, match="not the data of the lottery"):
        AL.lottery_findings(lot, runs, other)
    with pytest.raises(ValueError, match="not the data of the lottery"):
        AO.odds_findings(odds, lot, other, n)
    with pytest.raises(ValueError, match="ticket runs and the lottery do not share their data"):
        AL.lottery_findings(lot, runs._replace(data=other.label), tiny)
    with pytest.raises(ValueError, match="odds and the lottery do not share their data"):
        AO.odds_findings(odds._replace(data=other.label), lot, tiny, n)
    wruns = width_runs(SMALL, {1: [0.1, 0.2], 8: [0.8, 0.9]}, tiny.label)
    with pytest.raises(ValueError, match="not the data of the width runs"):
        AW.width_findings(wruns, None, None, other)
    with pytest.raises(ValueError, match="not the data of the odds"):
        AW.width_findings(wruns, None, odds._replace(data=other.label), tiny)
    sizes = W.SizeRuns(SMALL, pd.DataFrame(), pd.DataFrame(columns=["width", "weights"]), 0.0, other.label)
    with pytest.raises(ValueError, match="not the data of the sizes runs"):
        AW.width_findings(wruns, sizes, None, tiny)
    float_path = FloatPath(SMALL, [0.5, 0.5], [[0.5], [0.5]], [True, True], [0.0, 0.0], other.label)
    with pytest.raises(ValueError, match="float_path and the baseline do not share their data"):
        training.training_findings(Baseline(SMALL, [], [], 0.0, tiny.label), float_path)


def test_findings_refuse_another_lottery_or_other_settings(small, tiny):
    _, lot, runs, odds = small
    n = sum(sh.weight_counts(sh.theta0(0)).values())
    assert AO.odds_findings(odds, lot, tiny, n).claims and AL.lottery_findings(lot, runs, tiny).claims  # valid
    dense = {k: prune.dense_masks(m) for k, m in lot.masks.items()}  # a lottery whose IMP kept other weights
    with pytest.raises(ValueError, match="not drawn from the lottery given: at seed 0, round 1"):
        AO.odds_findings(odds, lot._replace(masks=dense), tiny, n)
    with pytest.raises(ValueError, match="runs was not drawn from the lottery given"):
        AL.lottery_findings(lot._replace(masks=dense), runs, tiny)
    with pytest.raises(ValueError, match=r"never reached"):
        AL.lottery_findings(lot, runs._replace(runs=runs.runs.assign(seed=7)), tiny)
    with pytest.raises(ValueError, match="do not share their settings.*threshold 0.3 against 0.5"):
        AO.odds_findings(odds, lot._replace(config=SMALL.but(threshold=0.5)), tiny, n)
    with pytest.raises(ValueError, match="n_weights must be the 6,344 weights"):
        AO.odds_findings(odds, lot, tiny, 6000)
    wruns = width_runs(SMALL, {1: [0.1, 0.2], 8: [0.8, 0.9]}, tiny.label)
    with pytest.raises(ValueError, match="width runs and the odds do not share their settings.*seeds"):
        AW.width_findings(wruns, None, odds._replace(config=SMALL.but(seeds=(0,))), tiny)
    with pytest.raises(ValueError, match=r"the experiment LotteryExperiment itself: pass its \.result\(\)"):
        AO.odds_findings(odds, LotteryExperiment(SMALL, tiny), tiny, n)
    with pytest.raises(ValueError, match="pass the TicketRuns result itself"):  # a bare table: whose is it?
        AL.lottery_findings(lot, runs.runs, tiny)
    with pytest.raises(ValueError, match=r"runs\['test_acc'\] must hold finite fractions"):
        AL.lottery_findings(lot, runs._replace(runs=runs.runs.assign(test_acc=100 * runs.runs.test_acc)), tiny)


# ------------------------------------------------------------ class 8: widgets display wrong values

def test_the_sparsity_explorer_shows_what_it_computed(tiny):
    ex = widgets.SparsityExplorer(sh.theta0(0), tiny, sparsity=0.5)
    for bad in (0.995, 1.0, -0.1, "0.3", None):
        with pytest.raises(ValueError, match="sparsity must"):
            ex.update(bad)
    ex.update(0.3)
    assert ex.slider.value == pytest.approx(0.3) and "sparsity 30%" in ex.static_html()
    assert "sparsity 30.0%" in ex.readout.value


def odds_tables():
    table = pd.DataFrame({"round": [3, 3, 5, 5], "way": ["even per layer"] * 4, "kept": [3248, 3248, 2078, 2078],
                          "remaining": [0.512, 0.512, 0.328, 0.328], "val_acc": [0.82, 0.78, 0.7, 0.6]})
    return table, table.assign(way="IMP's own mask", val_acc=[0.83, 0.84, 0.83, 0.82])


def test_the_odds_explorer_refuses_tables_in_other_units_and_levels_it_lacks():
    table, imp = odds_tables()
    for bad, match in ((table.assign(val_acc=100 * table.val_acc), r"table\['val_acc'\] must hold finite fractions"),
                       (table.assign(val_acc=table.val_acc.astype(str)), r"table\['val_acc'\]"),
                       (table.assign(val_acc=np.nan), r"table\['val_acc'\]"),
                       (table.assign(kept=table.kept + 0.5), r"table\['kept'\] must hold finite whole numbers")):
        with pytest.raises(ValueError, match=match):
            widgets.OddsExplorer(bad, imp, 0.8)
    with pytest.raises(ValueError, match=r"imp\['val_acc'\] must hold finite fractions"):
        widgets.OddsExplorer(table, imp.assign(val_acc=100 * imp.val_acc), 0.8)
    with pytest.raises(ValueError, match="imp must be IMP's own masks at the table's levels"):
        widgets.OddsExplorer(table, imp.assign(round=7), 0.8)
    ex = widgets.OddsExplorer(table, imp, 0.8)
    with pytest.raises(ValueError, match=r"level must be one of the table's levels \(IMP rounds\) \[3, 5\]"):
        ex.update(7)
    ex.update(5)
    assert ex.slider.value == 5 and "67.2% sparsity" in ex.static_html() and "0/2" in ex.readout.value


def test_the_width_explorer_refuses_tables_that_disagree_with_its_runs(tiny):
    cfg = sh.Config(threshold=0.8)
    runs = width_runs(cfg, {1: [0.1, 0.3, 0.35, 0.33], 3: [0.7, 0.81, 0.79, 0.82], 8: [0.83, 0.84, 0.85, 0.79]},
                      tiny.label)
    f = AW.width_findings(runs, None, None, tiny)
    t, w = runs.table, f.widths
    for table, widths, threshold, match in (
            (t, w.assign(failed=np.nan), 0.8, r"widths\['failed'\] must hold finite whole numbers"),
            (t, w.assign(**{"q50 %": w["q50 %"] / 100}), 0.8, r"widths\['q50 %'\] at width 1 is 0.315, but the inputs "
                                                               "give 31.5"),
            (t.assign(val_acc=t.val_acc.astype(str)), w, 0.8, r"runs\['val_acc'\] must hold finite fractions"),
            (t.assign(val_acc=100 * t.val_acc), w, 0.8, r"runs\['val_acc'\] must hold finite fractions"),
            (t, w, 0.7, r"widths\['failed'\] at width 3 is 2, but the inputs give 0.*same threshold")):
        with pytest.raises(ValueError, match=match):
            widgets.WidthExplorer(table, widths, threshold, f.chance, 8)
    ex = widgets.WidthExplorer(t, w, 0.8, f.chance, 8)
    with pytest.raises(ValueError, match=r"width must be one of the table's widths \[1, 3, 8\]"):
        ex.update(5)
    ex.update(3)
    assert ex.slider.value == 3 and "width 3 (3-1, 2,365 weights)" in ex.static_html()
    assert "2 of 4 below 80%" in ex.readout.value


# ------------------------------------------------------------ class 9: statistics and prose at odd inputs

def test_statistics_refuse_impossible_confidence_and_counts():
    for confidence in (1.5, 0, 1, 95, -0.5, True, "0.95", None):
        with pytest.raises(ValueError, match="confidence must be a fraction in"):
            stats.t_interval([1, 2, 3], confidence=confidence)
    with pytest.raises(ValueError, match="confidence"):
        AW.welch([1, 2], [3, 4], confidence=1.5)
    with pytest.raises(ValueError, match="confidence"):
        stats.cluster_rate_interval([1, 2], [4, 4], confidence=2)
    for wins, n in (([3, 1], [2, 2]), ([-1, 1], [2, 2]), ([0.5, 1], [2, 2]), ([1, 1], [2, 2, 2]), ([[1]], [[2]])):
        with pytest.raises(ValueError, match="0 <= wins <= n"):
            stats.cluster_rate_interval(wins, n)
    assert stats.cluster_rate_interval([3, 1], [4, 4]) == pytest.approx((0.25, 0.75))
    assert stats.t_interval([1, 2, 3]).low < 2 < stats.t_interval([1, 2, 3]).high
    for bad in (None, "0.1", 1.0, -0.1, np.nan):
        with pytest.raises(ValueError, match="chance must be the validation split's chance level"):
            stats.collapsed([0.5], bad)


def test_prose_refuses_counts_that_are_not_whole():
    for bad in (2.7, -1, float("nan"), float("inf"), "3", None, True):
        with pytest.raises(ValueError, match="count needs a whole number of seeds >= 0"):
            count(bad, "seed")
    assert count(3.0, "seed") == "3 seeds" and count(np.int64(1), "seed") == "1 seed" and count(0, "seed") == "no seeds"


def test_last_within_says_nothing_passed_instead_of_its_first_x():
    assert math.isnan(pruning.last_within([0.1, 0.2, 0.3], [50, 60, 70], 80))
    assert pruning.last_within([0.1, 0.2, 0.3], [90, 85, 70], 80) == 0.2
    assert pruning.last_within([0.1, 0.2, 0.3], [90, 85, 81], 80) == 0.3
    for xs, values in (([], []), ([0.1, 0.2], [90])):
        with pytest.raises(ValueError, match="equally long and non-empty"):
            pruning.last_within(xs, values, 80)


# ------------------------------------------------------------ bare tracebacks: one boundary check per class

def test_lottery_findings_survive_an_arm_whose_every_network_collapsed(small, tiny):
    _, lot, runs, _ = small
    for arm in ("random mask", "IMP global"):
        dead = lot._replace(rounds=lot.rounds.assign(val_acc=np.where(lot.rounds.arm == arm, 0.0, lot.rounds.val_acc)))
        f = AL.lottery_findings(dead, runs, tiny)
        table = AL.gap_table(f.gaps)
        assert "mean, collapsed runs left out" in table.columns and len(table) == len(f.gaps)
        if arm == "random mask":
            assert np.isnan(f.gaps[arm].without_collapsed.interval.mean) and f.gaps[arm].without_collapsed.interval.n == 0
    with pytest.raises(ValueError, match=r"needs chance.*chance_level\(data.val_y\)"):
        AL.per_seed(lot, "test_acc", drop_collapsed=True)
    empty = AL.gap_table({})
    assert empty.empty and "95% low" in empty.columns and empty.index.name == "IMP ahead of"
    for bad in (None, [1], {"re-init": 3}):
        with pytest.raises(ValueError, match="gaps must be the findings' gaps"):
            AL.gap_table(bad)
    for bad, match in ((None, "got NoneType"), (pd.DataFrame(), "lacks the columns"), (lot, "got Lottery")):
        with pytest.raises(ValueError, match=f"runs must be.*{match}"):
            AL.lottery_findings(lot, bad, tiny)


def test_mask_helpers_of_the_analysis_refuse_none_a_model_and_a_list():
    state = sh.theta0(0)
    for bad in (None, sh.make_mlp(), [state], {}):
        for call in (inference.layers, pruning.border_links, weights.layer_stats):
            with pytest.raises(ValueError, match=r"state dict.*sh.snapshot\(model\)"):
                call(bad)
    for masks, match in ((None, "masks must be a dict.*got None"), (sh.make_mlp(), "masks must be a dict"),
                         ([1, 2], "masks must be a dict"), (prune.dense_masks(sh.theta0(0, (16,))), "masks must be")):
        with pytest.raises(ValueError, match=match):
            inference.csr_layers(state, masks)
    with pytest.raises(ValueError, match="must take the 784 pixels"):
        pruning.border_links({"0.weight": state["0.weight"][:, :100].contiguous(), "0.bias": state["0.bias"],
                              "2.weight": state["2.weight"], "2.bias": state["2.bias"],
                              "4.weight": state["4.weight"], "4.bias": state["4.bias"]})


def test_a_result_where_an_experiment_is_expected_is_refused(small):
    _, lot, _, _ = small
    for make in (lambda x: TicketExperiment(x, [(0, 2)]), lambda x: OddsExperiment(x, [1], 2),
                 lambda x: SizesExperiment(x, [1])):
        for bad in (lot, None, "lottery"):
            with pytest.raises(ValueError, match="lottery must be the lottery experiment, not its result"):
                make(bad)


def test_findings_given_an_experiment_ask_for_its_result(small, tiny):
    lottery, lot, runs, odds = small
    cfg = sh.Config(threshold=0.8)
    with pytest.raises(ValueError, match=r"WidthExperiment itself: pass its \.result\(\)"):
        AW.width_findings(W.WidthExperiment(cfg, tiny), None, None, tiny)
    with pytest.raises(ValueError, match=r"LotteryExperiment itself: pass its \.result\(\)"):
        AL.lottery_findings(lottery, runs, tiny)
    with pytest.raises(ValueError, match="sizes must be a SizeRuns result"):
        AW.width_findings(width_runs(cfg, {1: [0.1], 8: [0.9]}, tiny.label), odds, None, tiny)
    assert SIZE_WAYS  # the sizes' ways are what width_findings compares


# ------------------------------------------------------------ the second hostile sweep's findings

def test_helpers_refuse_what_would_give_a_silently_wrong_number_or_sentence(small, tiny, tmp_path, monkeypatch):
    from sparse_helpers.analysis import plots, prose, widths as AW
    _, lot, _, _ = small
    base = sh.trained_baseline(sh.Config(seeds=(0, 1), epochs=1), tiny, progress=False, path=tmp_path / "b.safetensors")
    for story in (-1, 2, True, 1.5, "0", None):  # an index among the baseline's seeds, nothing else
        with pytest.raises(ValueError, match="story must be the story seed's index"):
            weights.weight_findings(base, story)
    table = pd.DataFrame({"width": [1, 1], "hidden": ["1-1", "1-1"], "seed": [0, 1], "weights": [795, 795],
                          "val_acc": [0.5, 0.9], "test_acc": [0.5, 0.9], "silent units": [0, 0]})
    for threshold in (80, 0, -0.5, True):  # a percent, or no bar at all
        with pytest.raises(ValueError, match="threshold must be a fraction"):
            AW.width_table(table, threshold, 0.1)
    for values in (None, "123", 5, [[1, 2], [3, 4]], [1, float("inf")], ["a"]):
        with pytest.raises(ValueError, match="values must"):
            stats.t_interval(values)
    with pytest.raises(ValueError, match="differences must"):
        stats.paired_test([1, float("inf"), 2])
    for labels in ([], [0.5, 1.5], [[0, 1]]):
        with pytest.raises(ValueError, match="chance_level needs"):
            stats.chance_level(labels)
    for bad in ((1,), (float("nan"),), (["a", "b"],)):
        with pytest.raises(ValueError, match="takes sentences"):
            prose.say(*bad)
    for noun in ("", None, 5):
        with pytest.raises(ValueError, match="count needs the thing counted"):
            count(1, noun)
    fig = plots.figure(2, 2)
    for name in ("../escape.png", "sub/x.png", "x.jpg", ".hidden.png"):
        with pytest.raises(ValueError, match="name must be a file name ending in .png"):
            plots.save(fig, name)
    with pytest.raises(ValueError, match="save takes a matplotlib Figure"):
        plots.save("notafig", "x.png")
    with pytest.raises(ValueError, match="tolerance must be a fraction"):
        AL.pick_tickets(lot, tolerance=-1)
    with pytest.raises(ValueError, match=r"rounds \[99\] are not in it"):
        AO.imp_at(lot, [99])
    blocked = tmp_path / "a-file"
    blocked.write_text("x")
    monkeypatch.setenv("SPARSE_CHECKPOINT_DIR", str(blocked))
    with pytest.raises(ValueError, match="SPARSE_CHECKPOINT_DIR names .* which is a file"):
        sh.trained_baseline(sh.Config(seeds=(0,), epochs=1), tiny, progress=False)


def test_claims_and_prose_helpers_refuse_malformed_arguments_by_name():
    from sparse_helpers.analysis import prose
    from sparse_helpers.analysis.claims import Claim, check
    for kwargs, match in ((dict(p="0.01"), "p must be a p-value"), (dict(p=None), "p must be a p-value"),
                          (dict(p=2.0), "p must be a p-value"), (dict(needs=("epochz",)), "needs must be a tuple"),
                          (dict(needs="epochs"), "needs must be a tuple"), (dict(at_least={"rounds": "12"}), "at_least must"),
                          (dict(at_least={"roundz": 12}), "at_least must")):
        with pytest.raises(ValueError, match=match):
            Claim("f", "r", True, **kwargs)
    for claims in (None, ["claim"], Claim("f", "r", True)):
        with pytest.raises(ValueError, match="check takes a list of Claims"):
            check(sh.DEFAULTS, claims)
    with pytest.raises(ValueError, match="words must be two words"):
        prose.between(1, 2, words=("from",))
    with pytest.raises(ValueError, match="table takes a pandas DataFrame"):
        prose.table("notaframe")
    assert stats.t_interval([]).text() == "no values to average (n = 0)"
    assert math.isnan(stats.paired_test([1, 1, 1]).t_p)  # no spread: the t-test is undefined, not p = 0
