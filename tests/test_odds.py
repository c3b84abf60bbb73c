import pandas as pd
import pytest
import torch

import sparse_helpers as sh
from sparse_helpers import inference, lottery as L, odds, prune


@pytest.mark.parametrize("wins,n,lo,hi", [(0, 24, 0.0, 0.1380), (24, 24, 0.8620, 1.0), (12, 24, 0.3143, 0.6857)])
def test_wilson_interval_known_values(wins, n, lo, hi):
    assert odds.wilson(wins, n) == pytest.approx((lo, hi), abs=5e-4)


def test_the_three_ways_keep_the_same_number_of_weights():
    imp = prune.global_masks(sh.theta0(0), 0.9)
    lot = L.Lottery(sh.Config(seeds=(0, 1)), pd.DataFrame(), {(0, 5): imp, (1, 5): imp}, 0.0)
    todo = odds.draws(lot, [5], 4, [0, 1])
    assert len(todo) == 3 * 4 and [d.seed for d in todo[:4]] == [0, 1, 0, 1]
    by_way = {w: [d for d in todo if d.way == w] for w in odds.WAYS}
    for d in todo:
        assert prune.kept(d.masks) == pytest.approx(prune.kept(imp), abs=2)  # even: rounding
    assert all(odds.layer_counts(d.masks) == odds.layer_counts(imp) for d in by_way[odds.WAYS[0]])
    shares = [c / t for c, t in zip(odds.layer_counts(by_way[odds.WAYS[1]][0].masks), (6272, 32, 40))]
    assert max(shares) - min(shares) < 0.03
    assert not torch.equal(by_way[odds.WAYS[0]][0].masks["0.weight"], imp["0.weight"])  # new places


def test_win_rates_count_validation_wins():
    t = pd.DataFrame({"round": [1, 1, 1, 2], "way": ["a"] * 4, "val_acc": [0.81, 0.79, 0.80, 0.5]})
    r = odds.win_rates(t, 0.8).set_index("round")
    assert r.loc[1, "wins"] == 2 and r.loc[1, "n"] == 3 and r.loc[2, "rate"] == 0


def test_dead_units_follow_paths_through_the_network():
    m = prune.dense_masks(sh.theta0(0))
    assert prune.dead_units(m) == [0, 0]
    m["0.weight"][3] = 0          # hidden unit 3 of layer 1 gets no input
    m["2.weight"][:, 5] = 0       # unit 5 of layer 1 feeds nothing
    m["4.weight"][:, 2] = 0       # unit 2 of layer 2 reaches no output
    assert prune.dead_units(m) == [2, 1]
    m["2.weight"][1] = 0          # unit 1 of layer 2 gets no input either
    assert prune.dead_units(m) == [2, 2]
    m["2.weight"][:, 0] = 0       # unit 0 of layer 1 only fed units that are now dead
    m["2.weight"][[0, 3]] = 0
    assert prune.dead_units(m)[0] >= 3


def test_odds_are_measured_on_tiny_data_and_reused(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("SPARSE_CHECKPOINT_DIR", str(tmp_path))
    cfg = sh.Config(seeds=(0, 1), epochs=1, rounds=2, threshold=0.3)
    lot = L.run(cfg, tiny, controls=False, progress=False)
    table, speed = odds.measure(lot, [1, 2], 2, [0, 1], tiny, progress=False)
    assert len(table) == 2 * 3 * 2 and speed > 0 and table.val_acc.between(0, 1).all()
    again, speed2 = odds.measure(lot, [1, 2], 2, [0, 1], tiny, progress=False)
    assert again.val_acc.tolist() == table.val_acc.tolist() and speed2 == speed


def test_a_csr_ticket_predicts_like_the_dense_one_in_fewer_bytes(real):
    state = sh.theta0(0)
    masks = prune.global_masks(state, 0.95)
    dense, sparse = inference.layers(prune.apply_masks(state, masks)), inference.csr_layers(state, masks)
    assert torch.equal(inference.predict(dense, real.test_x), inference.predict(sparse, real.test_x))
    assert inference.size_in_bytes(sparse) < inference.size_in_bytes(dense) / 4


@pytest.mark.parametrize("wins,n", [(11, 10), (-1, 10), (1, -2)])
def test_wilson_refuses_impossible_counts(wins, n):
    with pytest.raises(ValueError):
        odds.wilson(wins, n)


def test_draws_refuse_levels_or_seeds_the_lottery_lacks():
    imp = prune.global_masks(sh.theta0(0), 0.9)
    lot = L.Lottery(sh.Config(seeds=(0,)), pd.DataFrame(), {(0, 5): imp}, 0.0)
    for rounds, seeds in (([], [0]), ([5], []), ([6], [0]), ([5], [1])):
        with pytest.raises(ValueError, match="must be non-empty and come from the lottery"):
            odds.draws(lot, rounds, 2, seeds)


def test_ticket_comparison_wants_one_ticket_per_seed(tiny):
    imp = prune.dense_masks(sh.theta0(0))
    lot = L.Lottery(sh.Config(seeds=(0,), epochs=1), pd.DataFrame(), {(0, 0): imp}, 0.0)
    both = pd.DataFrame({"seed": [0, 0], "round": [0, 0]})
    with pytest.raises(ValueError, match="one row per seed"):
        L.ticket_comparison(lot, both, tiny, reuse=False, progress=False)
    with pytest.raises(ValueError, match="must come from this lottery"):
        L.ticket_comparison(lot, pd.DataFrame({"seed": [0], "round": [3]}), tiny, reuse=False, progress=False)


@pytest.mark.parametrize("z", [-1.96, 0, float("nan"), float("inf"), "1.96"])
def test_wilson_refuses_a_z_that_is_not_a_positive_number(z):
    with pytest.raises(ValueError, match="z must be a finite number > 0"):
        odds.wilson(3, 5, z=z)


def test_win_rates_check_the_threshold_and_take_one_column_name():
    table = pd.DataFrame({"round": [1, 1, 1], "way": ["even"] * 3, "val_acc": [0.9, 0.85, 0.7]})
    with pytest.raises(ValueError, match="threshold must be a fraction"):
        odds.win_rates(table, 80)
    assert odds.win_rates(table, 0.8, by="round")[["wins", "n"]].values.tolist() == [[2, 3]]
    with pytest.raises(ValueError, match="low end 0.5 is above its high end 0.1"):
        odds.winners_range(0.5, 0.1, 100)


def test_repeated_or_boolean_rounds_are_refused_before_they_count_twice():
    imp = prune.global_masks(sh.theta0(0), 0.9)
    lot = L.Lottery(sh.Config(seeds=(0,)), pd.DataFrame(), {(0, 1): imp}, 0.0)
    with pytest.raises(ValueError, match="must not repeat"):
        odds.draws(lot, [1, 1], 2, [0])
    with pytest.raises(ValueError, match="each round must be a whole number"):
        odds.draws(lot, [True], 2, [0])
    with pytest.raises(ValueError, match="rounds must be a list"):
        odds.measure(lot, 1, 2, [0])
