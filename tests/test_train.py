import dataclasses
import numpy as np
import pytest
import torch

import sparse_helpers as sh
from sparse_helpers import prune
from sparse_helpers.computing.train import epoch_log, make_optimizer, train_many

FAST = sh.Config(epochs=2)


def test_training_learns_and_is_deterministic(tiny):
    h1 = sh.train(sh.make_mlp(seed=1), tiny, FAST, data_seed=4, progress=False)
    h2 = sh.train(sh.make_mlp(seed=1), tiny, FAST, data_seed=4, progress=False)
    assert h1 == h2 and len(h1) == 2
    assert h1[-1] > 0.3  # chance is 0.1


def test_another_data_seed_gives_another_run(tiny):
    h1 = sh.train(sh.make_mlp(seed=1), tiny, FAST, data_seed=0, progress=False)
    h2 = sh.train(sh.make_mlp(seed=1), tiny, FAST, data_seed=1, progress=False)
    assert h1 != h2


def test_masked_weights_stay_zero_and_all_others_train(tiny):
    model = sh.make_mlp(seed=2)
    theta0 = sh.snapshot(model)
    masks = prune.global_masks(theta0, 0.5)
    sh.train(model, tiny, FAST, masks=masks, progress=False)
    after = sh.snapshot(model)
    for name, m in masks.items():
        assert (after[name][m == 0] == 0).all(), f"a masked weight of {name} moved"
        alive = m == 1
        moved = after[name][alive] != theta0[name][alive]
        negative = theta0[name][alive] < 0
        # every surviving weight trains, the negative ones included (no `w < 1e-6` freezing)
        assert moved.float().mean() > 0.99
        assert moved[negative].float().mean() > 0.99


@pytest.mark.parametrize("data_seeds", [[3, 3, 3, 3], [0, 1, 0, 1], [5, 5, 5, 6]],
                         ids=["one order", "equal groups", "unequal groups"])
def test_stacked_training_matches_training_alone(tiny, data_seeds):
    states = [sh.theta0(s) for s in range(4)]
    masks = [None, prune.global_masks(states[1], 0.5), None, prune.global_masks(states[3], 0.9)]
    runs = train_many(states, tiny, FAST, masks=masks, data_seeds=data_seeds, progress=False)
    for s, m, seed, run in zip(states, masks, data_seeds, runs):
        history, state = sh.train_one(s, tiny, cfg=FAST, masks=m, data_seed=seed, progress=False)
        assert max(abs(a - b) for a, b in zip(history, run.history)) <= 1e-4
        assert run.test_acc == run.history[-1]
        for name in s:
            assert torch.allclose(state[name], run.state[name], atol=1e-5, rtol=0), name


def test_sgd_is_one_argument_away_and_matches_the_plain_loop(tiny):
    sgd = sh.Config(epochs=2, optimizer="sgd", lr=0.05)
    opt = make_optimizer([torch.zeros(3, requires_grad=True)], sgd)
    assert isinstance(opt, torch.optim.SGD) and opt.defaults["momentum"] == 0.9
    (run,) = train_many([sh.theta0(0)], tiny, sgd, progress=False)
    history, _ = sh.train_one(sh.theta0(0), tiny, cfg=sgd, progress=False)
    assert run.history == pytest.approx(history, abs=1e-4) and history[-1] > 0.3


def test_adam_is_the_public_fused_optimizer():
    opt = make_optimizer([torch.zeros(3, requires_grad=True)])
    assert isinstance(opt, torch.optim.Adam) and opt.defaults["lr"] == sh.DEFAULTS.lr


def test_early_stop_keeps_the_weights_of_the_lowest_validation_loss(tiny):
    # a learning rate this large makes training worse after the first epoch
    wild = sh.Config(epochs=4, optimizer="sgd", lr=3.0, momentum=0.0, checks_per_epoch=1)
    (run,) = train_many([sh.theta0(0)], tiny, wild, early_stop=True, progress=False)
    steps = int(np.ceil(len(tiny.train_x) / wild.batch_size))
    assert run.early.step % steps == 0  # checks fall at epoch ends here
    epoch = run.early.step // steps
    assert run.early.test_acc == run.history[epoch - 1]
    assert run.early.val_acc == run.val_history[epoch - 1]


def test_early_stop_checks_five_times_an_epoch(tiny, monkeypatch):
    seen = []
    from sparse_helpers import stack
    original = stack.EarlyStopTracker.after
    monkeypatch.setattr(stack.EarlyStopTracker, "after",
                        lambda self, step, j: (seen.append(step) if j in self.at else None,
                                               original(self, step, j))[1])
    train_many([sh.theta0(0)], tiny, sh.Config(epochs=1), early_stop=True, progress=False)
    assert seen == [3, 6, 10, 13, 16]  # 16 steps of 128 over 2,048 images


def test_early_stop_without_a_validation_split_is_refused(tiny):
    no_val = dataclasses.replace(tiny, val_x=tiny.val_x[:0], val_y=tiny.val_y[:0])
    with pytest.raises(ValueError, match="although cfg.val_size=5000: these data were made without one"):
        train_many([sh.theta0(0)], no_val, FAST, early_stop=True, progress=False)
    with pytest.raises(ValueError, match="val_size > 0"):
        train_many([sh.theta0(0)], no_val, FAST.but(val_size=0), early_stop=True, progress=False)


def test_real_data_one_epoch_reaches_75_percent(real):
    history = sh.train(sh.make_mlp(seed=0), real, sh.Config(epochs=1), progress=False)
    assert history[0] > 0.75


def test_epoch_log_matches_the_posts_format():
    assert epoch_log([0.7535, 0.805]).splitlines() == [
        "Epoch  1/2, Accuracy: 75.35%", "Epoch  2/2, Accuracy: 80.50%"]


def test_evaluate_with_every_weight_pruned_predicts_one_class(real):
    state = sh.theta0(0)
    masks = {n: torch.zeros_like(state[n]) for n in sh.weight_names(state)}
    assert sh.evaluate(state, real, masks) == pytest.approx(0.1, abs=1e-6)


def test_masks_of_other_dtypes_work_and_non_binary_masks_are_refused(tiny):
    state = sh.theta0(0)
    masks = prune.global_masks(state, 0.5)
    as64 = {n: m.double() for n, m in masks.items()}
    as_bool = {n: m.bool() for n, m in masks.items()}
    assert sh.evaluate(state, tiny, as64) == sh.evaluate(state, tiny, masks) == sh.evaluate(state, tiny, as_bool)
    half = {n: 0.5 * m for n, m in masks.items()}
    for call in (lambda: sh.evaluate(state, tiny, half), lambda: prune.kept(half),
                 lambda: prune.sparsity_of(half),
                 lambda: sh.train(sh.make_mlp(), tiny, FAST, masks=half, progress=False),
                 lambda: train_many([state], tiny, FAST, masks=[half], progress=False)):
        with pytest.raises(ValueError, match="only 0 .pruned. and 1"):
            call()


def test_masks_of_the_wrong_shape_are_refused(tiny):
    masks = prune.dense_masks(sh.theta0(0, hidden=(16, 4)))
    with pytest.raises(ValueError, match="another architecture"):
        sh.train(sh.make_mlp(), tiny, FAST, masks=masks, progress=False)
    with pytest.raises(ValueError, match="covering exactly"):
        train_many([sh.theta0(0)], tiny, masks=[{"0.weight": masks["0.weight"]}])


@pytest.mark.parametrize("kwargs,match", [
    (dict(states=[]), "non-empty list"),
    (dict(masks=[None, None]), "1 initial states but 2 masks"),
    (dict(data_seeds=[0, 1]), "1 initial states but 2 data seeds"),
    (dict(data_seeds=[-1]), "data seed must be a whole number >= 0"),
    (dict(epochs=2.5), "epochs must be a whole number >= 1"),
    (dict(epochs=0), "epochs must be a whole number >= 1"),
])
def test_bad_arguments_get_a_clear_error(tiny, kwargs, match):
    args = {"states": [sh.theta0(0)], "data": tiny, "progress": False, **kwargs}
    with pytest.raises(ValueError, match=match):
        train_many(**args)


def test_numpy_numbers_are_accepted(tiny):
    runs = train_many([sh.theta0(np.int64(0))], tiny, FAST, data_seeds=np.int64(3),
                      epochs=np.int64(1), progress=False)
    assert len(runs[0].history) == 1


def test_states_of_different_architectures_are_refused(tiny):
    states = [sh.theta0(0), sh.theta0(0, hidden=(16, 4))]
    with pytest.raises(ValueError, match="one architecture"):
        train_many(states, tiny, FAST, progress=False)


def test_the_robustness_runs_float_path_changes_the_last_digits(tmp_path):
    """make test reruns the notebooks with ATEN_CPU_CAPABILITY=default; that must really change
    the arithmetic here, or the rerun would prove nothing about other CPUs."""
    import os
    import subprocess
    import sys
    if torch.backends.cpu.get_cpu_capability() == "DEFAULT":
        pytest.skip("this CPU already runs torch's generic kernels")
    code = ("import torch, sparse_helpers as sh; d = sh.synthetic_data(n_train=1024); "
            "(r,) = sh.train_many([sh.theta0(0)], d, sh.Config(epochs=1), progress=False); "
            "print(repr(r.state['0.weight'].flatten()[:1000].tolist()))")
    run = lambda env: subprocess.check_output([sys.executable, "-c", code], text=True,  # noqa: E731
                                              env={**os.environ, **env})
    native, generic = run({}), run({"ATEN_CPU_CAPABILITY": "default"})
    assert native != generic
    assert max(abs(a - b) for a, b in zip(eval(native), eval(generic))) < 1e-3  # only the last digits


@pytest.mark.parametrize("change,match", [
    (lambda d: dataclasses.replace(d, train_x=d.train_x.double()), "images must be float32"),
    (lambda d: dataclasses.replace(d, train_y=d.train_y.int()), "labels must be int64"),
    (lambda d: dataclasses.replace(d, train_y=d.train_y + 10), "labels must lie in 0-9"),
    (lambda d: dataclasses.replace(d, train_x=d.train_x[:, :100]), "rows of 784 pixels"),
    (lambda d: dataclasses.replace(d, train_y=d.train_y[:10]), "one per image"),
    (lambda d: dataclasses.replace(d, train_x=d.train_x[:0], train_y=d.train_y[:0]), "no training images"),
    (lambda d: (1, 2, 3), "data must be a Dataset"),
])
def test_hand_built_datasets_are_checked(tiny, change, match):
    with pytest.raises(ValueError, match=match):
        train_many([sh.theta0(0)], change(tiny), FAST, progress=False)


def test_a_run_without_a_validation_split_reports_nan(tiny):
    no_val = dataclasses.replace(tiny, val_x=tiny.val_x[:0], val_y=tiny.val_y[:0])
    (run,) = train_many([sh.theta0(0)], no_val, FAST, progress=False)
    assert np.isnan(run.val_acc) and run.test_acc > 0.1
    with pytest.raises(ValueError, match="data.val_x holds no images"):  # not a silent nan
        sh.evaluate(sh.theta0(0), no_val, split="val")


def test_diverging_training_is_reported_not_returned(tiny):
    wild = sh.Config(epochs=1, optimizer="sgd", lr=1e30)
    with pytest.raises(ValueError, match="training diverged"):
        train_many([sh.theta0(0)], tiny, wild, progress=False)
    with pytest.raises(ValueError, match="training diverged"):
        sh.train(sh.make_mlp(), tiny, wild, progress=False)


def test_one_mask_dict_instead_of_a_list_is_explained(tiny):
    masks = prune.dense_masks(sh.theta0(0))
    with pytest.raises(ValueError, match="one mask dict .or None. per state"):
        train_many([sh.theta0(0)], tiny, FAST, masks=masks, progress=False)


def test_data_seeds_may_be_any_sequence(tiny):
    states = [sh.theta0(0), sh.theta0(1)]
    a = train_many(states, tiny, FAST, data_seeds=np.array([3, 4]), progress=False)
    b = train_many(states, tiny, FAST, data_seeds=range(3, 5), progress=False)
    assert [r.history for r in a] == [r.history for r in b]
