import pytest
import torch

import sparse_helpers as sh
from sparse_helpers import prune
from sparse_helpers.train import epoch_log


def test_training_learns_and_is_deterministic(tiny):
    h1 = sh.train(sh.make_mlp(seed=1), tiny, epochs=3, seed=4, progress=False)
    h2 = sh.train(sh.make_mlp(seed=1), tiny, epochs=3, seed=4, progress=False)
    assert h1 == h2 and len(h1) == 3
    assert h1[-1] > 0.5  # chance is 0.1


def test_another_data_seed_gives_another_run(tiny):
    h1 = sh.train(sh.make_mlp(seed=1), tiny, epochs=2, seed=0, progress=False)
    h2 = sh.train(sh.make_mlp(seed=1), tiny, epochs=2, seed=1, progress=False)
    assert h1 != h2


def test_masked_weights_stay_zero_and_all_others_train(tiny):
    model = sh.make_mlp(seed=2)
    theta0 = sh.snapshot(model)
    masks = prune.global_masks(theta0, 0.5)
    sh.train(model, tiny, epochs=2, masks=masks, progress=False)
    after = sh.snapshot(model)
    for name, m in masks.items():
        assert (after[name][m == 0] == 0).all(), f"a masked weight of {name} moved"
        alive = m == 1
        moved = after[name][alive] != theta0[name][alive]
        negative = theta0[name][alive] < 0
        # every surviving weight trains, the negative ones included (no `w < 1e-6` freezing)
        assert moved.float().mean() > 0.99
        assert moved[negative].float().mean() > 0.99


def test_stacked_training_matches_training_alone(tiny):
    states = [sh.snapshot(sh.make_mlp(seed=s)) for s in range(4)]
    masks = [None, prune.global_masks(states[1], 0.5), None, prune.global_masks(states[3], 0.9)]
    for k in (1, 4):
        runs = sh.train_many(states[:k], tiny, epochs=2, seed=3, masks=masks[:k], progress=False)
        for s, m, run in zip(states, masks, runs):
            alone = sh.train_one(s, tiny, epochs=2, seed=3, masks=m, progress=False)
            assert max(abs(a - b) for a, b in zip(alone.history, run.history)) <= 1e-4
            for name in s:
                assert torch.allclose(alone.state[name], run.state[name], atol=1e-5, rtol=0), name


def test_real_data_one_epoch_reaches_75_percent(real):
    history = sh.train(sh.make_mlp(seed=0), real, epochs=1, progress=False)
    assert history[0] > 0.75


def test_masks_of_the_wrong_shape_are_refused(tiny):
    other = sh.snapshot(sh.make_mlp((16, 4)))
    masks = prune.dense_masks(other)
    with pytest.raises(ValueError, match="another architecture"):
        sh.train(sh.make_mlp(), tiny, epochs=1, masks=masks, progress=False)
    with pytest.raises(ValueError, match="cover exactly"):
        sh.train_many([sh.snapshot(sh.make_mlp())], tiny, masks=[{"0.weight": masks["0.weight"]}])


def test_epoch_log_matches_the_posts_format():
    assert epoch_log([0.7535, 0.805]).splitlines() == [
        "Epoch  1/2, Accuracy: 75.35%", "Epoch  2/2, Accuracy: 80.50%"]


def test_evaluate_with_every_weight_pruned_predicts_one_class(real):
    state = sh.snapshot(sh.make_mlp())
    masks = {n: torch.zeros_like(state[n]) for n in sh.weight_names(state)}
    assert sh.evaluate(state, real, masks) == pytest.approx(0.1, abs=1e-6)


def test_states_of_different_architectures_are_refused(tiny):
    states = [sh.snapshot(sh.make_mlp()), sh.snapshot(sh.make_mlp((16, 4)))]
    with pytest.raises(ValueError, match="one architecture"):
        sh.train_many(states, tiny, epochs=1, progress=False)
