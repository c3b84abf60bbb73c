"""Notebook 06: dense networks at many widths, sparse networks of their sizes, the lottery arithmetic."""
import math
import warnings

import numpy as np
import pandas as pd
import pytest
import torch

import sparse_helpers as sh
from sparse_helpers.analysis import plots, widgets, widths as A
from sparse_helpers.computing import prune
from sparse_helpers.experiments import lottery as L, widths as W
from sparse_helpers.experiments.widths import SIZE_WAYS, SizesExperiment, WidthExperiment

from reference import spy

CFG = sh.Config(seeds=(0, 1), epochs=1, rounds=2, threshold=0.3, explorer_rates=())


@pytest.fixture
def ck(tmp_path, monkeypatch):
    """Results written to and read from a temporary folder only."""
    monkeypatch.setenv("SPARSE_CHECKPOINT_DIR", str(tmp_path))
    return tmp_path


def test_a_width_keeps_the_series_shape_and_its_weight_count():
    assert [W.hidden_for(w, (8, 4)) for w in (1, 2, 3, 4, 6, 8, 32)] == [
        (1, 1), (2, 1), (3, 1), (4, 2), (6, 3), (8, 4), (32, 16)]
    assert W.hidden_for(4, (16,)) == (4,)
    assert W.dense_count((8, 4)) == 6344 and W.dense_count((1, 1)) == 795
    assert W.dense_count((8, 4)) == sum(sh.weight_counts(sh.theta0(0)).values())


def test_width_seeds_never_repeat_a_series_seed():
    assert W.width_seeds((0, 1, 2, 3, 4), 3) == [1000, 1001, 1002]
    assert W.width_seeds((0, 1000), 2) == [1001, 1002]
    assert W.width_seeds((100, 101, 102), 2) == [101000, 101001]


def test_the_width_runs_train_one_stack_per_width_from_distinct_starts(tiny, ck, monkeypatch):
    calls = spy(monkeypatch, W)
    runs = WidthExperiment(CFG, tiny, [3, 1], 3).result(progress=False)
    assert len(calls) == 3  # widths 1 and 3, and the series' own width 8, added
    seeds = W.width_seeds(CFG.seeds, 3)
    for call, width in zip(calls, (1, 3, 8)):
        hidden = W.hidden_for(width, CFG.hidden)
        data_seeds = [m.seed for m in call.members]
        assert data_seeds == seeds
        assert not set(data_seeds) & set(CFG.seeds)
        assert all(m.masks is None for m in call.members)
        for state, s in zip([m.state for m in call.members], data_seeds):
            assert all(torch.equal(state[n], t) for n, t in sh.theta0(s, hidden).items())  # θ₀ of its seed
    t = runs.table
    assert len(t) == 9 and t.groupby("width").seed.nunique().eq(3).all()
    assert t.set_index("width").weights.groupby("width").first().to_dict() == {1: 795, 3: 2365, 8: 6344}
    assert sorted(runs.timing.width) == [1, 3, 8] and (runs.timing.seconds > 0).all()


def test_the_width_runs_are_reused_and_a_damaged_table_refused(tiny, ck, monkeypatch):
    exp = WidthExperiment(CFG, tiny, [1], 2)
    first = exp.result(progress=False)
    monkeypatch.setattr(W, "train_many", lambda *a, **k: pytest.fail("trained again"))
    again = WidthExperiment(CFG, tiny, [1], 2).result(progress=False)
    pd.testing.assert_frame_equal(again.table, first.table, check_exact=True)
    assert again.seconds == first.seconds
    path = exp.stored()
    for damage, reason in ((lambda t: t.assign(val_acc=100 * t.val_acc), "fractions"),
                           (lambda t: t.iloc[:-1], "rows"),
                           (lambda t: t.assign(weights=t.weights + 1), "network"),
                           (lambda t: t.assign(hidden="8-4"), "network"),
                           (lambda t: t.assign(seed=t.seed + 1), "one per width and seed")):
        exp.write(first._replace(table=damage(first.table)), path)
        with pytest.raises(sh.StoredResultError, match=reason):
            exp.read(path)
    exp.write(first._replace(timing=first.timing.iloc[:1]), path)
    with pytest.raises(sh.StoredResultError, match="timing"):
        exp.read(path)


def test_the_exact_size_step_keeps_exactly_the_count_and_the_largest_trained_magnitudes():
    state = sh.theta0(3)
    masks = prune.global_masks(state, 0.6)
    trained = prune.apply_masks({k: v * 3 for k, v in state.items()}, masks)  # pruned weights are 0
    exact = W.exact_size_masks(trained, masks, 795)
    assert prune.kept(exact) == 795
    assert all(((exact[n] > 0) <= (masks[n] > 0)).all() for n in masks)  # only weights IMP still kept
    w = torch.cat([trained[n].abs().flatten() for n in masks])
    keep = torch.cat([exact[n].flatten() for n in masks]) > 0
    alive = torch.cat([masks[n].flatten() for n in masks]) > 0
    assert w[keep].min() >= w[alive & ~keep].max()
    everything = W.exact_size_masks(trained, masks, prune.kept(masks))
    assert all(torch.equal(everything[n], masks[n]) for n in masks)
    trained["0.weight"][masks["0.weight"] > 0] = 0.0  # a surviving weight that trained to exactly 0
    assert all(torch.equal(a, b) for a, b in zip(W.exact_size_masks(trained, masks, prune.kept(masks)).values(),
                                                 masks.values()))


class FakeLottery:
    """Stands in for a LotteryExperiment: rounds keeping 6,344, 3,000 and 700 weights per seed."""
    def __init__(self, cfg, data):
        self.cfg, self.data = cfg, data
        masks, states = {}, {}
        for s in cfg.seeds:
            trained = {k: v * (1 + torch.rand_like(v)) for k, v in sh.theta0(s + 50).items()}
            for r, k in enumerate((6344, 3000, 700)):
                masks[(s, r)] = prune.global_top_masks(trained, k)
                states[(s, r)] = prune.apply_masks(trained, masks[(s, r)])
        self.lot = L.Lottery(cfg, pd.DataFrame(), masks, states, pd.DataFrame(), 0.0, 0, data.label)

    def result(self, **kwargs):
        return self.lot

    def digest(self):
        return "fake"


def test_the_sizes_experiment_trains_imp_one_step_further_and_random_masks_of_that_size(tiny, ck, monkeypatch):
    calls, fake = spy(monkeypatch, W), FakeLottery(CFG, tiny)
    sizes = SizesExperiment(fake, [1, 2, 4, 8, 16], draws=2).result(progress=False)
    assert sizes.targets.values.tolist() == [[1, 795], [2, 1580], [4, 3164]]  # narrower than 8 and reached
    assert len(sizes.table) == 3 * 2 * (1 + 2 * 2) and (sizes.table.kept == sizes.table.weights).all()
    # the last round still above each count: 3,000 weights for 795 and 1,580, the dense round for 3,164
    assert sizes.table.groupby("weights")["round"].unique().map(list).to_dict() == {795: [1], 1580: [1], 3164: [0]}
    (call,) = calls
    states, masks, data_seeds = ([getattr(m, a) for m in call.members] for a in ("state", "masks", "seed"))
    t = sizes.table
    for state, m, s, row in zip(states, masks, data_seeds, t.itertuples()):
        assert s == row.seed and torch.equal(state["0.weight"], sh.theta0(s)["0.weight"])  # from θ₀, its data order
    imp = [m for m, row in zip(masks, t.itertuples()) if row.way == SIZE_WAYS[0] and row.weights == 795]
    want = W.exact_size_masks(fake.lot.states[(0, 1)], fake.lot.masks[(0, 1)], 795)
    assert all(torch.equal(imp[0][n], want[n]) for n in want)
    counts = t[(t.way == SIZE_WAYS[1]) & (t.weights == 795) & (t.seed == 0)]["layer counts"].tolist()
    assert counts == [[int(m.sum()) for m in want.values()]] * 2  # IMP's layer counts, twice
    monkeypatch.setattr(W, "train_many", lambda *a, **k: pytest.fail("trained again"))
    exp = SizesExperiment(fake, [1, 2, 4, 8, 16], draws=2)
    pd.testing.assert_frame_equal(exp.result(progress=False).table, t)
    exp.write(sizes._replace(table=t.assign(kept=t.kept - 1)), exp.stored())
    with pytest.raises(sh.StoredResultError, match="exactly"):
        exp.read(exp.stored())


def test_the_lottery_prediction_is_computed_in_logs_without_underflow():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow or underflow warning either
        assert A.log10_never(804, 0.5) == pytest.approx(804 + math.log10(math.log10(2)))
        assert A.never_probability(804, 0.5) == 0.0 and A.never_probability(3271, 1e-300) == 0.0
        assert A.never_probability(1, 0.5) == pytest.approx(0.5 ** 10)
        assert A.log10_never(2, 0.01) == pytest.approx(math.log10(-math.log10(0.99 ** 100)))
        assert A.log10_never(804, 0) == -math.inf and A.never_probability(804, 0) == 1.0
        assert A.log10_never(804, 1) == math.inf and A.never_probability(804, 1) == 0.0
        assert A.implied_log10_p(0.5, 804) == pytest.approx(math.log10(math.log(2)) - 804)
        assert A.implied_log10_p(0.5, 1) == pytest.approx(math.log10(1 - 0.5 ** 0.1))
        assert A.implied_log10_p(1.0, 804) == -math.inf and A.implied_log10_p(0.0, 804) == 0.0
    assert A.ticket_count(6344) == pytest.approx(804.4, abs=0.05)
    assert A.restarts_needed(0.5) == 7 and A.restarts_needed(1.0) == math.inf and A.restarts_needed(0.0) == 1
    with pytest.raises(ValueError, match="probability"):
        A.log10_never(10, 1.5)


def width_runs(cfg, accs, data):
    """WidthRuns on data from {width: [validation accuracies]} (test accuracy one point lower)."""
    rows = [{"width": w, "hidden": "-".join(map(str, W.hidden_for(w, cfg.hidden))), "seed": 1000 + i,
             "weights": W.dense_count(W.hidden_for(w, cfg.hidden)), "silent units": int(a < 0.2),
             "val_acc": a, "test_acc": a - 0.01} for w, values in accs.items() for i, a in enumerate(values)]
    return W.WidthRuns(cfg, pd.DataFrame(rows), pd.DataFrame({"width": list(accs), "networks": 4, "seconds": 1.0}),
                       1.0, data.label)


def test_the_findings_handle_a_width_where_every_run_fails(tiny):
    cfg = sh.Config(threshold=0.8)
    runs = width_runs(cfg, {1: [0.1, 0.1, 0.3, 0.35], 4: [0.7, 0.81, 0.79, 0.82], 8: [0.83, 0.84, 0.85, 0.83]}, tiny)
    f = A.width_findings(runs, None, None, tiny)
    one = f.widths.loc[1]
    assert one.failed == 4 and one["failed %"] == 100 and one["collapsed"] == 2 and f.capacity == [1]
    assert f.lottery.loc[1, "restarts for 99%"] == math.inf and f.lottery.loc[4, "restarts for 99%"] == 7
    assert f.lottery.loc[1, "implied log10 p, low"] == -math.inf
    assert f.lottery.loc[1, "implied log10 p, high"] < -90 and f.sizes == [] and f.p_level is None
    verdicts = {c.finding: c.holds for c in f.claims}
    assert verdicts["every run of the narrowest network (784-1-1-10) fails"]
    everything_fails = A.width_findings(width_runs(cfg, {1: [0.1] * 4, 8: [0.5] * 4}, tiny), None, None, tiny)
    assert everything_fails.widths["failed %"].eq(100).all() and not all(c.holds for c in everything_fails.claims)
    fig = plots.width_outcomes(f.widths, runs.table, cfg.threshold, f.chance, "title", "prediction")
    assert len(fig.axes) == 3


def test_the_size_comparison_pairs_imp_with_random_masks_by_seed_and_welch_against_dense(tiny):
    cfg = sh.Config(seeds=(0, 1, 2), threshold=0.8)
    runs = width_runs(cfg, {1: [0.30, 0.32, 0.34, 0.36], 8: [0.84] * 4}, tiny)
    rows = [{"width": 1, "weights": 795, "seed": s, "round": 9, "way": way, "draw": d, "kept": 795,
             "layer counts": [749, 19, 27], "dead units": 0, "silent units": 0, "val_acc": acc, "test_acc": acc}
            for s in cfg.seeds for way, acc in zip(SIZE_WAYS, (0.80 + 0.01 * s, 0.75, 0.2)) for d in range(2)
            if d == 0 or way != SIZE_WAYS[0]]
    sizes = W.SizeRuns(cfg, pd.DataFrame(rows), pd.DataFrame({"width": [1], "weights": [795]}), 1.0, tiny.label)
    f = A.width_findings(runs, sizes, None, tiny)
    c, = f.sizes
    assert c.imp_vs_counts.differences.tolist() == pytest.approx([5.0, 6.0, 7.0])  # paired by seed
    assert c.versus_dense[SIZE_WAYS[0]].mean == pytest.approx(81 - 32 - 1 + 1)
    assert c.versus_dense[SIZE_WAYS[0]].low > 40 and c.failed["dense narrow"] == (4, 4)
    assert f.layer_counts == {795: [749, 19, 27]}
    fig = plots.narrow_or_sparse(runs.table, sizes.table, SIZE_WAYS, "784-8-4-10", "title")
    assert fig.axes[0].get_legend() is not None


def test_the_width_explorer_moves_between_widths(tiny):
    cfg = sh.Config(threshold=0.8)
    runs = width_runs(cfg, {1: [0.1, 0.3, 0.35, 0.33], 8: [0.83, 0.84, 0.85, 0.79]}, tiny)
    f = A.width_findings(runs, None, None, tiny)
    ex = widgets.WidthExplorer(runs.table, f.widths, cfg.threshold, f.chance, 8)
    assert "4 of 4 below 80%" in ex.readout.value and "1 of 4 below 80%" in ex.readout.value
    before = ex.image.value
    ex.slider.value = 8
    assert ex.image.value != before and "width 8 (8-4, 6,344 weights)" in ex.static_html()
    with pytest.raises(ValueError, match="runs must be"):
        widgets.WidthExplorer(pd.DataFrame(), f.widths, cfg.threshold, f.chance, 8)
    with pytest.raises(ValueError, match="reference width"):
        widgets.WidthExplorer(runs.table, f.widths, cfg.threshold, f.chance, 4)
    assert np.isfinite(f.chance)
