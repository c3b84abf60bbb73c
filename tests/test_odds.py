"""Random masks at IMP's sparsities: how they are drawn, trained, stored and counted."""
import pandas as pd
import pytest
import torch

import sparse_helpers as sh
from sparse_helpers.analysis import inference, odds as A
from sparse_helpers.computing import prune
from sparse_helpers.experiments import lottery as L, odds as O
from sparse_helpers.experiments.lottery import LotteryExperiment
from sparse_helpers.experiments.odds import WAYS, OddsExperiment

CFG = sh.Config(seeds=(0, 1), epochs=1, rounds=2, threshold=0.3, explorer_rates=())


class FakeLottery:
    """Stands in for a LotteryExperiment whose result holds the given masks."""
    def __init__(self, cfg, masks, data):
        self.cfg, self.data = cfg, data
        self.lot = L.Lottery(cfg, pd.DataFrame(), masks, {}, pd.DataFrame(), 0.0, 0, data.label)

    def result(self, **kwargs):
        return self.lot

    def digest(self):
        return "fake"


def test_the_three_ways_keep_the_same_number_of_weights_in_new_places(tiny):
    imp = prune.global_masks(sh.theta0(0), 0.9)
    fake = FakeLottery(sh.Config(seeds=(0, 1), rounds=5), {(0, 5): imp, (1, 5): imp}, tiny)
    todo = OddsExperiment(fake, [5], 4).draws(fake.lot)
    assert len(todo) == 3 * 4 and [d.seed for d in todo[:4]] == [0, 1, 0, 1]
    by_way = {w: [d for d in todo if d.way == w] for w in WAYS}
    for d in todo:
        assert prune.kept(d.masks) == pytest.approx(prune.kept(imp), abs=2)  # even: rounding
    assert all(O.layer_counts(d.masks) == O.layer_counts(imp) for d in by_way[WAYS[0]])
    shares = [c / t for c, t in zip(O.layer_counts(by_way[WAYS[1]][0].masks), (6272, 32, 40))]
    assert max(shares) - min(shares) < 0.03
    assert not torch.equal(by_way[WAYS[0]][0].masks["0.weight"], imp["0.weight"])
    firsts = [d.masks["0.weight"] for d in by_way[WAYS[2]]]
    assert all(not torch.equal(a, b) for i, a in enumerate(firsts) for b in firsts[i + 1:])  # every draw differs


def test_odds_are_measured_on_tiny_data_stored_and_reused(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("SPARSE_CHECKPOINT_DIR", str(tmp_path))
    lx = LotteryExperiment(CFG, tiny)
    first = OddsExperiment(lx, [1, 2], 2).result(progress=False)
    assert len(first.table) == 2 * 3 * 2 and first.speed > 0 and first.table.val_acc.between(0, 1).all()
    assert (first.table["silent units"] >= 0).all()
    monkeypatch.setattr(O, "train_many", lambda *a, **k: pytest.fail("trained again"))
    again = OddsExperiment(lx, [1, 2], 2).result(progress=False)
    pd.testing.assert_frame_equal(again.table, first.table, check_exact=True)
    assert again.speed == first.speed


def test_the_plan_is_checked(tiny):
    lx = LotteryExperiment(CFG, tiny)
    for levels, seeds in (([], [0]), ([1], []), ([3], [0]), ([1], [5])):
        with pytest.raises(ValueError, match="must be non-empty and come from the lottery"):
            OddsExperiment(lx, levels, 2, seeds)
    with pytest.raises(ValueError, match="must not repeat"):
        OddsExperiment(lx, [1, 1], 2)
    with pytest.raises(ValueError, match="each level"):
        OddsExperiment(lx, [True], 2)
    with pytest.raises(ValueError, match="levels must be a list"):
        OddsExperiment(lx, 1, 2)


def test_winners_range_and_its_bounds():
    assert A.winners_range(0, 0, 100) == "none"
    assert A.winners_range(0, 0.1, 100) == "up to 10^99"
    assert A.winners_range(0.01, 0.1, 100) == "10^98 to 10^99"
    with pytest.raises(ValueError, match="low <= high"):
        A.winners_range(0.5, 0.1, 100)


def test_imp_own_masks_beat_random_ones_in_the_gap_table():
    table = pd.DataFrame({"round": [1] * 6, "way": [WAYS[0]] * 6, "seed": [0, 0, 0, 1, 1, 1],
                          "val_acc": [0.5, 0.6, 0.7, 0.4, 0.5, 0.9]})
    imp = pd.DataFrame({"round": [1, 1], "seed": [0, 1], "val_acc": [0.8, 0.7]})
    gaps = A.own_mask_gaps(table, imp)
    assert gaps[1].differences.tolist() == pytest.approx([20.0, 20.0])  # own minus the seed's median


def test_a_csr_ticket_predicts_like_the_dense_one_in_fewer_bytes(real):
    state = sh.theta0(0)
    masks = prune.global_masks(state, 0.95)
    dense, sparse = inference.layers(prune.apply_masks(state, masks)), inference.csr_layers(state, masks)
    assert torch.equal(inference.predict(dense, real.test_x), inference.predict(sparse, real.test_x))
    assert inference.size_in_bytes(sparse) < inference.size_in_bytes(dense) / 4
