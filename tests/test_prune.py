import math
import re

import numpy as np
import pytest
import torch

import sparse_helpers as sh
from sparse_helpers import prune
from sparse_helpers.analysis import pruning

from reference import counts, dead_by_search, names, next_imp, ones, quantile_cut, same_masks, sizes, uniform_split


@pytest.fixture(scope="module")
def state():
    return sh.snapshot(sh.make_mlp(seed=0))


@pytest.mark.parametrize("sparsity,kept", [(0.0, 6344), (0.1, 5709), (0.3, 4441), (0.9, 635)])
def test_global_percentile_rule_keeps_the_posts_counts(state, sparsity, kept):
    assert prune.kept(prune.global_masks(state, sparsity)) == kept


def test_global_masks_remove_the_smallest_magnitudes(state):
    masks = prune.global_masks(state, 0.4)
    w = sh.all_weights(state).abs()
    m = torch.cat([masks[n].flatten() for n in sh.weight_names(state)]).bool()
    assert w[~m].max() <= w[m].min()


def test_pruning_again_removes_a_share_of_the_survivors_only(state):
    first = prune.global_masks(state, 0.2)
    second = prune.global_masks(state, 0.2, first)
    assert prune.kept(second) == 4060  # 6344 -> 5075 -> 4060, as in IMP
    assert all(((second[n] > 0) <= (first[n] > 0)).all() for n in first)


@pytest.mark.parametrize("bad", [1.0, -0.1, 1.5, float("nan"), "0.5", None, True])
def test_sparsity_outside_0_1_is_refused(state, bad):
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        prune.global_masks(state, bad)
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        prune.layerwise_masks(state, bad)


def test_layerwise_masks_prune_each_layer_by_the_same_share(state):
    per_layer = prune.kept_per_layer(state, prune.layerwise_masks(state, 0.5))
    assert per_layer == {"784x8": 3136, "8x4": 16, "4x10": 20}


def test_random_masks_keep_the_per_layer_counts(state):
    ticket = prune.global_masks(state, 0.9)
    rand = prune.random_masks_like(ticket, seed=1)
    assert prune.kept_per_layer(state, rand) == prune.kept_per_layer(state, ticket)
    assert not torch.equal(rand["0.weight"], ticket["0.weight"])


def test_apply_masks_zeroes_exactly_the_masked_weights(state):
    masks = prune.global_masks(state, 0.5)
    pruned = prune.apply_masks(state, masks)
    assert (sh.all_weights(pruned) == 0).sum().item() == 6344 - prune.kept(masks)
    assert torch.equal(pruned["0.bias"], state["0.bias"])


def test_input_pixel_map_counts_first_layer_links(state):
    pix = prune.input_pixel_map(prune.global_masks(state, 0.0), state)
    assert pix.shape == (28, 28) and (pix == 8).all()


def test_sweep_table_on_real_data(real):
    _, trained = sh.train_one(sh.theta0(0), real, cfg=sh.Config(epochs=1), progress=False)
    table = pruning.sweep(trained, real, [0.0, 0.1, 0.99])
    assert table["kept"].tolist() == [6344, 5709, math.floor(6344 - 0.99 * 6343) ]
    assert abs(table.accuracy[0] - table.accuracy[1]) < 0.01
    assert table.accuracy[2] < table.accuracy[0]
    assert "Params: 5709/6344" in pruning.format_sweep(table)
    with pytest.raises(ValueError, match="global"):
        pruning.sweep(trained, real, [0.1], how="random")


@pytest.mark.parametrize("total", [0, 1, 45, 3248, 6343, 6344])
def test_even_counts_add_up_and_keep_equal_shares(state, total):
    counts = prune.even_counts(state, total)
    assert sum(counts) == total
    assert all(abs(c - total * s / 6344) < 1 for c, s in zip(counts, (6272, 32, 40)))


@pytest.mark.parametrize("call,match", [
    (lambda s: prune.even_counts(s, -5), "kept_total must be a whole number >= 0 and <= 6344"),
    (lambda s: prune.uniform_counts(s, 7000), "kept_total must be a whole number >= 0 and <= 6344"),
    (lambda s: prune.random_masks(s, [10, 100, 3]), "each of kept counts must be a whole number >= 0 and <= 32"),
    (lambda s: prune.random_masks(s, [10, 10]), "one number per weight matrix"),
    (lambda s: prune.top_masks(s, [7000, 1, 1]), "<= 6272"),
    (lambda s: prune.global_top_masks(s, 7000), "<= 6344"),
    (lambda s: pruning.sweep(s, None, []), "at least one sparsity"),
    (lambda s: prune.global_masks(sh.make_mlp(), 0.5), "state dict"),
    (lambda s: prune.sparsity_of({}), "at least one weight matrix"),
])
def test_bad_counts_and_arguments_are_refused(state, call, match):
    with pytest.raises(ValueError, match=match):
        call(state)


def test_random_masks_accept_numpy_seeds(state):
    a = prune.random_masks(state, [10, 5, 5], seed=np.int64(3))
    b = prune.random_masks(state, [10, 5, 5], seed=3)
    assert all(torch.equal(a[n], b[n]) for n in a)


def test_dead_units_do_not_depend_on_key_order(state):
    masks = prune.global_masks(state, 0.97)
    backwards = dict(reversed(list(masks.items())))
    assert prune.dead_units(backwards) == prune.dead_units(masks)


def broken(state, value):
    """A copy of state with one first-layer weight set to value."""
    out = {k: v.clone() for k, v in state.items()}
    out["0.weight"][0, 0] = value
    return out


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
@pytest.mark.parametrize("call", [
    lambda s: prune.global_masks(s, 0.5), lambda s: prune.layerwise_masks(s, 0.5),
    lambda s: prune.top_masks(s, [10, 10, 10]), lambda s: prune.global_top_masks(s, 100),
    lambda s: prune.next_masks(s, prune.dense_masks(s), sh.DEFAULTS.but(schedule="layerwise")),
    lambda s: pruning.sweep(s, None, [0.1]), lambda s: sh.evaluate(s, sh.synthetic_data()),
], ids=["global", "layerwise", "top", "global top", "next layerwise", "sweep", "evaluate"])
def test_every_function_that_ranks_or_scores_weights_refuses_non_finite_ones(state, call, value):
    with pytest.raises(ValueError, match=r"NaN or infinite values in \['0.weight'\]"):
        call(broken(state, value))


def test_exact_zeros_count_as_pruned_in_every_ranking(state):
    zeroed = {k: v.clone() for k, v in state.items()}
    zeroed["0.weight"][:, :300] = 0  # 2,400 weights already pruned, without a mask
    alive = 6344 - 2400
    assert prune.kept(prune.global_masks(zeroed, 0.2)) == pytest.approx(0.8 * alive, abs=1)
    lw = prune.layerwise_masks(zeroed, 0.5)
    assert int(lw["0.weight"].sum()) == pytest.approx(0.5 * (6272 - 2400), abs=1)
    top = prune.global_top_masks(zeroed, alive)
    assert int((top["0.weight"][:, :300]).sum()) == 0  # the zeros rank last
    assert int(prune.top_masks(zeroed, [6272 - 2400, 32, 40])["0.weight"][:, :300].sum()) == 0


def test_apply_masks_leaves_exact_zeros_even_under_nan():
    state = sh.theta0(0)
    state["0.weight"][0, 0] = float("nan")
    masks = prune.dense_masks(sh.theta0(0))
    masks["0.weight"][0, 0] = 0
    out = prune.apply_masks(state, masks)
    assert out["0.weight"][0, 0] == 0 and torch.isfinite(out["0.weight"]).all()


@pytest.mark.parametrize("change,match", [
    (lambda s: s.pop("4.bias"), r"missing \['4.bias'\]"),
    (lambda s: s.update({"0.weight": s["0.weight"].half()}), "must be float32"),
    (lambda s: s.update({"2.weight": s["2.weight"].t().contiguous()}), "transposed or mismatched"),
    (lambda s: s.update({"9.extra": torch.zeros(1)}), r"extra \['9.extra'\]"),
], ids=["missing bias", "float16", "transposed", "extra tensor"])
def test_a_state_that_is_not_an_mlp_is_refused_by_name(state, change, match, tiny):
    bad = {k: v.clone() for k, v in state.items()}
    change(bad)
    for call in (lambda: prune.global_masks(bad, 0.5), lambda: sh.evaluate(bad, tiny)):
        with pytest.raises(ValueError, match=match):
            call()


def test_a_zero_dimensional_rate_is_one_rate(state):
    masks = prune.layerwise_masks(state, np.array(0.5))
    assert int(masks["2.weight"].sum()) == 16


@pytest.mark.parametrize("make", [
    lambda s: {k: torch.where(torch.rand_like(v) < 0.5, -0.05, 0.05) if k.endswith("weight") else v
               for k, v in s.items()},                                   # two magnitudes only
    lambda s: {k: (v * 100).round() / 100 for k, v in s.items()},        # rounded to two decimals
    lambda s: {k: torch.full_like(v, 0.1) for k, v in s.items()},        # every weight the same
])
def test_tied_magnitudes_prune_exactly_the_count_asked_earlier_weights_kept(make):
    state = make(sh.theta0(3))
    n = sum(int((state[k] != 0).sum()) for k in state if k.endswith("weight"))  # zeros: already pruned
    for fraction in (0.0, 0.2, 0.5, 0.9, 0.99):
        pruned = math.ceil(fraction * (n - 1) - 1e-9)
        masks = prune.global_masks(state, fraction)
        assert prune.kept(masks) == n - pruned
        masks = prune.layerwise_masks(state, fraction)
        for name, m in masks.items():
            size = int((state[name] != 0).sum())
            assert int(m.sum()) == size - math.ceil(fraction * (size - 1) - 1e-9)
    same = {k: torch.full_like(v, 0.1) for k, v in state.items()}
    first = prune.global_masks(same, 0.5)
    flat = torch.cat([m.flatten() for m in first.values()])
    assert flat[: int(flat.sum())].all() and not flat[int(flat.sum()):].any()  # the earlier ones kept


def test_without_ties_the_count_is_what_the_percentile_threshold_prunes():
    state = sh.theta0(4)
    for fraction in (0.1, 0.2, 0.37, 0.5, 0.8):
        masks = prune.global_masks(state, fraction)
        alive = torch.cat([state[k].flatten() for k in masks])
        threshold = prune.magnitude_threshold(alive, fraction)
        assert prune.kept(masks) == int((alive.abs() >= threshold).sum())


# ---------------------------------------------------------------- pruning, against reference.py

def test_uniform_counts_are_seeded_and_name_every_layer():
    state = sh.theta0(0)
    assert prune.uniform_counts(state, 300) == prune.uniform_counts(state, 300, 0) != prune.uniform_counts(state, 300, 1)
    assert prune.uniform_counts(state, 0) == [0, 0, 0] and prune.uniform_counts(state, 6344) == sizes()
    assert prune.uniform_counts(state, 300, 4) == uniform_split(300, 4)


def test_dead_units_are_those_on_no_path_from_an_input_to_an_output():
    masks = ones((8, 4, 3))
    masks["0.weight"][0] = 0        # unit 0 of layer 1 gets no input
    masks["2.weight"][:, 1] = 0     # unit 1 of layer 1 feeds nothing
    masks["2.weight"][:, 5] = 0
    masks["2.weight"][3, 5] = 1     # unit 5 of layer 1 feeds only unit 3 of layer 2 ...
    masks["4.weight"][:, 3] = 0     # ... which feeds nothing
    masks["2.weight"][2] = 0
    masks["2.weight"][2, 0] = 1     # unit 2 of layer 2 hears only the dead unit 0
    assert prune.dead_units(masks) == dead_by_search(masks) == [3, 2, 0]
    sparse = prune.global_top_masks(sh.theta0(1, (8, 4, 3)), 60)
    assert prune.dead_units(sparse) == dead_by_search(sparse) and sum(prune.dead_units(sparse)) > 0
    assert prune.dead_units(ones()) == [0, 0]
    for bad in ({}, {"0.weight": torch.ones(8, 784), "2.weight": torch.ones(4, 7)}):
        with pytest.raises(ValueError, match="dead_units needs the masks of every weight matrix of one MLP"):
            prune.dead_units(bad)


@pytest.mark.parametrize("schedule", ["global", "layerwise"])
def test_an_imp_step_prunes_a_share_of_the_survivors_only_even_of_weights_not_yet_zero(schedule):
    state, cfg = sh.theta0(6), sh.Config(seeds=(0, 3), epochs=1, rounds=2, schedule=schedule)
    masks = prune.global_top_masks(state, 3000)  # θ₀ is not zero where these masks prune
    nxt = prune.next_masks(state, masks, cfg)
    assert all(((nxt[n] > 0) <= (masks[n] > 0)).all() for n in masks)
    assert same_masks(nxt, next_imp(state, masks, schedule, 0.2, 0.1))
    assert prune.kept(nxt) < 3000 and (schedule == "layerwise" or prune.kept(nxt) == 2400)


def test_layerwise_pruning_at_zero_keeps_everything_and_an_empty_layer_stays_empty():
    state = sh.theta0(2)
    assert prune.kept(prune.layerwise_masks(state, 0.0)) == 6344 and prune.kept(prune.global_masks(state, 0.0)) == 6344
    masks = ones()
    masks["2.weight"][:] = 0  # a layer pruned away
    out = prune.layerwise_masks(state, [0.2, 0.5, 0.1], masks)
    want = {}
    for n, rate in zip(names(), (0.2, 0.5, 0.1)):
        want.update(quantile_cut({n: state[n]}, {n: masks[n]}, rate))
    assert same_masks(out, want) and counts(out) == [5017, 0, 36]
    assert counts(prune.global_masks(state, 0.5, masks)) == counts(quantile_cut({n: state[n] for n in masks}, masks, 0.5))


def test_the_largest_keep_ties_in_index_order_and_draws_have_a_default_seed():
    assert prune.largest(torch.zeros(20_000), 7000).tolist() == [1.0] * 7000 + [0.0] * 13_000
    ties = torch.tensor([1.0, 3.0, 3.0, 3.0, 2.0] * 4000)
    keep = prune.largest(ties, 5000)
    assert torch.equal(keep.nonzero().flatten(), (ties == 3).nonzero().flatten()[:5000])
    state = sh.theta0(0)
    assert same_masks(prune.random_masks(state, [10, 5, 5]), prune.random_masks(state, [10, 5, 5], 0))
    rand = prune.random_masks(state, [10, 5, 5], 1)
    assert same_masks(prune.random_masks_like(rand), prune.random_masks_like(rand, 0))
    assert not same_masks(prune.random_masks_like(rand), prune.random_masks_like(rand, 1))


def test_a_mask_that_is_not_zeros_and_ones_is_refused_by_its_layers_name():
    masks = ones()
    masks["0.weight"][0, 0] = 0.5
    for call in (lambda: prune.kept(masks), lambda: prune.random_masks_like(masks),
                 lambda: prune.input_pixel_map(masks, sh.theta0(0)), lambda: prune.dead_units(masks)):
        with pytest.raises(ValueError, match=re.escape("mask for 0.weight must hold only 0 (pruned) and 1 (kept)")):
            call()


def test_sparsity_is_the_share_of_weights_removed():
    masks = prune.global_top_masks(sh.theta0(0), 1586)
    assert prune.sparsity_of(masks) == 1 - 1586 / 6344 == 0.75
    assert prune.sparsity_of(ones()) == 0
    with pytest.raises(ValueError, match="at least one weight matrix"):
        prune.sparsity_of({})
