"""Issue 26, the computing layer: each class of hostile input is refused where it enters, with a
message naming the value and the fix, and no refusal retires a stored result (see test_codekey)."""
import dataclasses
import json
import os
import types

import numpy as np
import pandas as pd
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from torch import nn

import sparse_helpers as sh
from sparse_helpers.computing import prune
from sparse_helpers.computing.train import train_many
from sparse_helpers.experiments import baseline as B, store
from sparse_helpers.experiments.baseline import BaselineExperiment, trained_baseline

ONE_EPOCH = sh.Config(seeds=(0, 1), epochs=1)


@pytest.fixture
def small():
    """A fresh small dataset per test, so that editing it spoils no other test."""
    return sh.synthetic_data(n_train=256, n_val=64, n_test=64, seed=7)


def no_training(monkeypatch):
    """Make any training in the baseline fail loudly: a refusal must come before it."""
    def fail(*args, **kwargs):
        raise AssertionError("trained although the input should have been refused first")
    monkeypatch.setattr(B, "train_many", fail)


def retamper(path, edit_tensors=None, edit_tables=None):
    """Edit a stored file's tensors or tables and write it back with a matching checksum."""
    with safe_open(str(path), framework="pt") as f:
        meta = dict(f.metadata())
    tensors = load_file(str(path))
    if edit_tensors:
        edit_tensors(tensors)
    for name in [k for k in meta if k.startswith("table:")]:
        if edit_tables:
            table = store.decode_table(meta[name])
            edit_tables(name[len("table:"):], table)
            meta[name] = store.encode_table(table)
    meta["checksum"] = store.checksum(tensors, meta)
    save_file(tensors, str(path), metadata=meta)


# ---------------------------------------------------------------- class 1: read-only data

EDITS = {
    "labels through numpy": lambda d: d.test_y.numpy().__setitem__(slice(0, 3), (d.test_y[:3] + 1) % 10),
    "images through numpy": lambda d: d.train_x.numpy().__setitem__((0, 0), 5.0),
    "val labels through numpy": lambda d: d.val_y.numpy().__setitem__(0, (int(d.val_y[0]) + 1) % 10),
}


def torch_write_that_raises(d):
    """`d.test_y[:3] = 0` raises (an inference tensor), but the write may land anyway."""
    with pytest.raises(RuntimeError):
        d.test_y[:3] = (d.test_y[:3] + 1) % 10


@pytest.mark.parametrize("edit", [*EDITS.values(), torch_write_that_raises], ids=[*EDITS, "torch write"])
def test_data_edited_in_place_are_refused_wherever_they_enter(small, ck, monkeypatch, edit):
    before = small.fingerprint
    edit(small)
    assert small.edited_parts(), "the edit did not land: nothing to refuse"
    assert small.fingerprint == before  # the stale fingerprint a key would use
    calls = [lambda: train_many([sh.theta0(0)], small, ONE_EPOCH, progress=False),
             lambda: sh.train(sh.make_mlp(), small, ONE_EPOCH, progress=False),
             lambda: BaselineExperiment(ONE_EPOCH, small).result(progress=False)]
    if small.edited_parts(("test",)):
        calls.append(lambda: sh.evaluate(sh.theta0(0), small))
    no_training(monkeypatch)
    for call in calls:
        with pytest.raises(ValueError, match="changed in place after the Dataset was made.*dataclasses.replace"):
            call()


def test_a_changed_copy_gets_its_own_fingerprint_and_trains(small):
    y = small.test_y.clone()
    y[:3] = (y[:3] + 1) % 10
    other = dataclasses.replace(small, test_y=y)
    assert other.fingerprint != small.fingerprint and not other.edited_parts()
    assert 0 <= sh.evaluate(sh.theta0(0), other) <= 1


def test_the_loaders_caches_are_not_left_poisoned(real):
    d = sh.load_fashion_mnist(val_size=1234)
    clean = d.fingerprint
    d.test_y.numpy()[:3] = (d.test_y[:3] + 1) % 10
    again = sh.load_fashion_mnist(val_size=1234)
    assert again is not d and again.fingerprint == clean and not again.edited_parts()
    raw = sh.raw_arrays()
    first = int(raw.test_labels[0])
    raw.test_labels.numpy()[0] = (first + 1) % 10
    assert int(sh.raw_arrays().test_labels[0]) == first  # read from the files again
    assert sh.load_fashion_mnist(val_size=1234).fingerprint == clean
    assert real.fingerprint == sh.load_fashion_mnist().fingerprint == "ae6dfc48231e"  # the real data's


# ---------------------------------------------------------------- class 3: finished work kept

def test_a_path_holding_other_work_is_refused_before_computing(small, ck, monkeypatch):
    notes = ck / "notes.txt"
    notes.write_text("my notes")
    mine = ck / "mine.safetensors"
    trained_baseline(ONE_EPOCH, small, progress=False, path=mine)  # another setting's finished result
    lottery_file = ck / "lottery.safetensors"
    store.save_file_atomically(lottery_file, {"key": {"kind": "lottery"}}, {"w": torch.zeros(2)}, {})
    saved = {p: p.read_bytes() for p in (notes, mine, lottery_file)}
    no_training(monkeypatch)
    other = ONE_EPOCH.but(lr=1e-3)
    for reuse in (False, True, None):
        with pytest.raises(ValueError, match="notes.txt exists and is not a result file"):
            trained_baseline(other, small, reuse=reuse, progress=False, path=str(notes))
        with pytest.raises(ValueError, match=r"(?s)holds a baseline result of other settings.*lr: stored 0.002, wanted 0.001"):
            trained_baseline(other, small, reuse=reuse, progress=False, path=mine)
        with pytest.raises(ValueError, match="holds a lottery result, not this one"):
            trained_baseline(other, small, reuse=reuse, progress=False, path=lottery_file)
    assert {p: p.read_bytes() for p in saved} == saved


def test_its_own_result_at_a_path_is_still_reused_or_recomputed(small, ck):
    mine = ck / "mine.safetensors"
    first = trained_baseline(ONE_EPOCH, small, progress=False, path=mine)
    again = trained_baseline(ONE_EPOCH, small, reuse=False, progress=False, path=mine)  # its own: rewritten
    assert again.runs[0].test_acc == pytest.approx(first.runs[0].test_acc, abs=1e-6)


# ---------------------------------------------------------------- class 4: val_size=0 reused

def test_a_baseline_without_a_validation_split_is_reused(ck, monkeypatch, capsys):
    data = sh.synthetic_data(n_train=256, n_val=0, n_test=64, seed=3)
    cfg = ONE_EPOCH.but(val_size=0)  # no early stop: nothing to track it on
    first = trained_baseline(cfg, data, progress=False)
    assert np.isnan(first.runs[0].val_acc) and first.runs[0].early is None
    for _ in range(2):
        with monkeypatch.context() as m:
            no_training(m)
            again = trained_baseline(cfg, data, progress=False)
        assert "baseline: reused" in capsys.readouterr().out
        assert again.runs[0].test_acc == first.runs[0].test_acc and np.isnan(again.runs[0].val_acc)


def test_nan_where_there_is_a_validation_split_is_still_damage(small, ck, capsys):
    trained_baseline(ONE_EPOCH, small, progress=False)
    (path,) = ck.glob("baseline-*.safetensors")
    retamper(path, lambda t: t["trained.val_history"].fill_(float("nan")))
    trained_baseline(ONE_EPOCH, small, progress=False)
    assert "non-finite" in capsys.readouterr().out


# ---------------------------------------------------------------- class 5: bad images

@pytest.mark.parametrize("part,value", [("test_x", float("nan")), ("test_x", float("inf")),
                                        ("val_x", float("nan")), ("train_x", -float("inf"))])
def test_images_that_are_not_finite_are_refused_when_the_data_are_made(small, part, value):
    x = getattr(small, part).clone()
    x[1, 5] = value
    with pytest.raises(ValueError, match=f"data.{part} holds NaN or infinite pixels"):
        dataclasses.replace(small, **{part: x})


def test_hand_built_data_with_nan_images_are_refused_where_they_enter(small):
    fields = {f: getattr(small, f) for f in ("train_x", "train_y", "val_x", "val_y", "test_x", "test_y")}
    fields["val_x"] = fields["val_x"].clone()
    fields["val_x"][0, 0] = float("nan")
    hand = types.SimpleNamespace(**fields)
    with pytest.raises(ValueError, match="data.val_x holds NaN or infinite pixels"):
        train_many([sh.theta0(0)], hand, ONE_EPOCH, early_stop=True, progress=False)


def test_an_empty_split_is_not_scored_as_nan(small):
    no_test = dataclasses.replace(small, test_x=small.test_x[:0], test_y=small.test_y[:0])
    no_val = dataclasses.replace(small, val_x=small.val_x[:0], val_y=small.val_y[:0])
    for call, split in [(lambda: sh.evaluate(sh.theta0(0), no_test), "test"),
                        (lambda: sh.evaluate(sh.theta0(0), no_val, split="val"), "val"),
                        (lambda: train_many([sh.theta0(0)], no_test, ONE_EPOCH, progress=False), "test"),
                        (lambda: sh.train(sh.make_mlp(), no_test, ONE_EPOCH, progress=False), "test")]:
        with pytest.raises(ValueError, match=f"data.{split}_x holds no images"):
            call()


# ---------------------------------------------------------------- class 6: models the evaluator cannot score

def tanh_mlp():
    """784-8-4-10 with Tanh: trainable, but the evaluator would score it as a ReLU network."""
    return nn.Sequential(nn.Linear(784, 8), nn.Tanh(), nn.Linear(8, 4), nn.Tanh(), nn.Linear(4, 10))


@pytest.mark.parametrize("model,match", [
    (tanh_mlp(), "Linear layers with a ReLU between"),
    (nn.Sequential(nn.Linear(100, 8), nn.ReLU(), nn.Linear(8, 10)), "maps 100 inputs to 10 outputs"),
    (nn.Sequential(nn.Linear(784, 8), nn.ReLU(), nn.Linear(8, 5)), "maps 784 inputs to 5 outputs"),
    (nn.Sequential(nn.Linear(784, 10)), "at least one hidden layer"),
    (nn.Sequential(nn.Linear(784, 8, bias=False), nn.ReLU(), nn.Linear(8, 10)), "missing"),
    (sh.make_mlp().double(), "must be float32"),
    (nn.Linear(784, 10), "nn.Sequential"),
    (sh.theta0(0), "for a state dict use sh.train_one"),
    (None, "got NoneType"),
], ids=["tanh", "100 inputs", "5 outputs", "one layer", "no bias", "float64", "bare Linear", "a state dict", "None"])
def test_a_model_the_evaluator_cannot_represent_is_not_trained(small, model, match):
    with pytest.raises(ValueError, match=match):
        sh.train(model, small, ONE_EPOCH, progress=False)


def nan_state():
    """θ₀ with one NaN weight."""
    s = sh.theta0(0)
    s["2.weight"][0, 0] = float("nan")
    return s


def state_with(**changes):
    """θ₀ with some tensors replaced (None: removed)."""
    s = sh.theta0(0)
    for k, v in changes.items():
        if v is None:
            del s[k.replace("_", ".")]
        else:
            s[k.replace("_", ".")] = v
    return s


BAD_STATES = {
    "missing bias": (state_with(**{"2_bias": None}), "missing \\['2.bias'\\]"),
    "transposed layer": (state_with(**{"2_weight": sh.theta0(0)["2.weight"].t().contiguous()}), "transposed"),
    "list values": ({k: v.tolist() for k, v in sh.theta0(0).items()}, "state dict of tensors"),
    "100 inputs": (sh.snapshot(nn.Sequential(nn.Linear(100, 8), nn.ReLU(), nn.Linear(8, 10))), "100 inputs"),
    "one layer": (sh.snapshot(nn.Sequential(nn.Linear(784, 10))), "at least one hidden layer"),
    "float64": ({k: v.double() for k, v in sh.theta0(0).items()}, "must be float32"),
    "empty": ({}, "state dict of tensors"),
    "a model": (sh.make_mlp(), "take its state dict with sh.snapshot"),
}


@pytest.mark.parametrize("state,match", BAD_STATES.values(), ids=BAD_STATES)
def test_bad_states_are_refused_by_train_many_evaluate_and_load_state(small, state, match):
    for call in (lambda: train_many([state], small, ONE_EPOCH, progress=False),
                 lambda: sh.evaluate(state, small), lambda: sh.load_state(state)):
        with pytest.raises(ValueError, match=match):
            call()


def test_a_nan_initial_state_is_not_called_diverged(small):
    model = sh.load_state(nan_state())
    for call in (lambda: train_many([nan_state()], small, ONE_EPOCH, progress=False),
                 lambda: sh.train(model, small, ONE_EPOCH, progress=False)):
        with pytest.raises(ValueError, match="NaN or infinite values in .*before any training") as err:
            call()
        assert "diverged" not in str(err.value)


def test_load_state_of_an_empty_dict_does_not_talk_about_hidden():
    with pytest.raises(ValueError) as err:
        sh.load_state({})
    assert "hidden" not in str(err.value) and "sh.snapshot(model) or sh.theta0(seed)" in str(err.value)


@pytest.mark.parametrize("device", ["gpu", "tpu", 3.5, "cuda:x"])
def test_a_device_torch_cannot_use_is_named(small, device):
    for call in (lambda: sh.train(sh.make_mlp(), small, ONE_EPOCH, progress=False, device=device),
                 lambda: train_many([sh.theta0(0)], small, ONE_EPOCH, progress=False, device=device),
                 lambda: sh.load_state(sh.theta0(0), device=device)):
        with pytest.raises(ValueError, match="device"):
            call()


# ---------------------------------------------------------------- mask helpers given the wrong thing

STATE = sh.theta0(0)
MASKS = prune.dense_masks(STATE)
MODEL = sh.make_mlp()


@pytest.mark.parametrize("call", [
    lambda m: prune.sparsity_of(m), lambda m: prune.kept(m), lambda m: prune.kept_per_layer(STATE, m),
    lambda m: prune.apply_masks(STATE, m), lambda m: prune.random_masks_like(m),
    lambda m: prune.dead_units(m), lambda m: prune.input_pixel_map(m, STATE),
], ids=["sparsity_of", "kept", "kept_per_layer", "apply_masks", "random_masks_like", "dead_units",
        "input_pixel_map"])
@pytest.mark.parametrize("bad", [None, MODEL, [MASKS], {"0.weight": [[1.0]]}], ids=["None", "model", "list", "list values"])
def test_mask_helpers_refuse_what_is_not_masks(call, bad):
    with pytest.raises(ValueError, match="masks"):
        call(bad)


@pytest.mark.parametrize("call", [lambda s: prune.random_masks(s, [1, 1, 1]), lambda s: prune.apply_masks(s, MASKS),
                                  lambda s: prune.kept_per_layer(s, MASKS), lambda s: prune.input_pixel_map(MASKS, s)],
                         ids=["random_masks", "apply_masks", "kept_per_layer", "input_pixel_map"])
@pytest.mark.parametrize("bad", [None, MODEL, [STATE]], ids=["None", "model", "list"])
def test_mask_helpers_refuse_what_is_not_a_state(call, bad):
    with pytest.raises(ValueError, match="state dict of tensors"):
        call(bad)


def test_mask_helpers_still_work(small):
    masks = prune.global_masks(STATE, 0.5)
    assert prune.sparsity_of(masks) == pytest.approx(0.5, abs=0.01) and prune.kept(masks) > 0
    assert prune.input_pixel_map(masks, STATE).shape == (28, 28) and len(prune.dead_units(masks)) == 2
    assert prune.kept(prune.random_masks_like(masks)) == prune.kept(masks)


# ---------------------------------------------------------------- a batch larger than the training set

def test_a_batch_larger_than_the_training_set_is_named(small, ck):
    big = ONE_EPOCH.but(batch_size=300)
    for call in (lambda: train_many([sh.theta0(0)], small, big, progress=False),
                 lambda: BaselineExperiment(big, small).result(progress=False)):
        with pytest.raises(ValueError, match="batch_size=300 is larger than the 256 training images"):
            call()
    assert len(sh.train(sh.make_mlp(), small, big, progress=False)) == 1  # the plain loop still takes it


# ---------------------------------------------------------------- Config

@pytest.mark.parametrize("kwargs,match", [
    (dict(epoch=3), r"unknown setting\(s\) \['epoch'\]"),
    (dict(hiden=(8,), seeds=(0,)), r"unknown setting\(s\) \['hiden'\]"),
    (dict(hidden=np.array(8)), r"0-d array array\(8\): write hidden=\(8,\)"),
    (dict(seeds=np.array(3)), r"0-d array array\(3\)"),
    (dict(seeds={0, 1}), "got a set"),
    (dict(seeds={0: "a", 1: "b"}), "got a dict"),
    (dict(seeds=frozenset({2})), "got a frozenset"),
    (dict(epochs=10 ** 6), "epochs must be at most 1,000"),
    (dict(control_epochs=5000), "control_epochs must be at most 1,000"),
    (dict(rounds=1000), "rounds must be at most 100"),
    (dict(batch_size=10 ** 6), "batch_size must be at most 60,000"),
    (dict(reinits=1000), "reinits must be at most 100"),
    (dict(checks_per_epoch=10 ** 4), "checks_per_epoch must be at most 100"),
    (dict(explorer_rates=(0.333,)), r"explorer_rates must lie on notebook 04's slider.*\[0.333\]"),
    (dict(explorer_rates=(0.95,)), "explorer_rates must lie on"),
])
def test_bad_settings_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sh.Config(**kwargs)
    if not any(k in ("epoch", "hiden") for k in kwargs):
        with pytest.raises(ValueError, match=match):
            sh.DEFAULTS.but(**kwargs)


def test_good_settings_are_unchanged():
    cfg = sh.Config(hidden=np.array([8, 4]), seeds=np.array([0, 1]), explorer_rates=(0.25, 0.5), epochs=1000)
    assert cfg.hidden == (8, 4) and cfg.seeds == (0, 1) and cfg.explorer_rates == (0.25, 0.5)
    assert sh.Config() == sh.DEFAULTS and sh.Config(seeds=range(3)).seeds == (0, 1, 2)
    assert sh.DEFAULTS.explorer_rates == sh.config.SLIDER_RATES


def test_sparse_threads_is_read_when_a_config_is_made(monkeypatch):
    monkeypatch.setenv("SPARSE_THREADS", "1")
    assert sh.Config().threads == 1
    monkeypatch.setenv("SPARSE_THREADS", "0")
    assert sh.Config().threads == 0
    monkeypatch.setenv("SPARSE_THREADS", "lots")
    with pytest.raises(ValueError, match="SPARSE_THREADS must be a whole number"):
        sh.Config()


# ---------------------------------------------------------------- environment

def test_a_figures_dir_that_is_a_file_is_named(tmp_path, monkeypatch):
    from sparse_helpers.computing.paths import figures_dir
    (tmp_path / "f").write_text("x")
    monkeypatch.setenv("SPARSE_FIGURES_DIR", str(tmp_path / "f"))
    with pytest.raises(ValueError, match="SPARSE_FIGURES_DIR names .*a file, not a folder"):
        figures_dir()
    monkeypatch.setenv("SPARSE_FIGURES_DIR", str(tmp_path / "f" / "below"))
    with pytest.raises(ValueError, match="SPARSE_FIGURES_DIR names"):
        figures_dir()
    monkeypatch.setenv("SPARSE_FIGURES_DIR", str(tmp_path / "new"))
    assert figures_dir().is_dir()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_read_only_places_are_named(tmp_path, monkeypatch):
    from sparse_helpers.computing.paths import figures_dir, results_log
    ro = tmp_path / "ro"
    ro.mkdir()
    (ro / "log.txt").write_text("")
    (ro / "log.txt").chmod(0o444)
    ro.chmod(0o555)
    try:
        monkeypatch.setenv("SPARSE_FIGURES_DIR", str(ro))
        with pytest.raises(ValueError, match="may not write"):
            figures_dir()
        for name, match in (("log.txt", "read-only"), ("new.txt", "is read-only")):
            monkeypatch.setenv("SPARSE_RESULTS_LOG", str(ro / name))
            with pytest.raises(ValueError, match=match):
                results_log()
    finally:
        ro.chmod(0o755)


@pytest.mark.parametrize("where,match", [("folder", "is a folder, not a file"),
                                         ("missing/log.txt", "does not exist")])
def test_a_bad_results_log_is_refused_before_computing(small, ck, monkeypatch, where, match):
    (ck / "folder").mkdir()
    monkeypatch.setenv("SPARSE_RESULTS_LOG", str(ck / where))
    no_training(monkeypatch)
    with pytest.raises(ValueError, match=f"SPARSE_RESULTS_LOG names .*{match}"):
        trained_baseline(ONE_EPOCH, small, progress=False)


@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_fashion_mnist_dir_is_refused_like_the_checkpoint_dir(monkeypatch, value):
    monkeypatch.setenv("FASHION_MNIST_DIR", value)
    with pytest.raises(ValueError, match="FASHION_MNIST_DIR is set but empty"):
        sh.load_fashion_mnist()
    monkeypatch.setenv("SPARSE_CHECKPOINT_DIR", value)
    with pytest.raises(ValueError, match="SPARSE_CHECKPOINT_DIR is set but empty"):
        sh.paths.checkpoints_dir()


# ---------------------------------------------------------------- misleading messages

@pytest.mark.parametrize("kwargs,match", [(dict(n_features=100), "n_features must be 784"),
                                          (dict(n_features=1), "n_features must be 784"),
                                          (dict(n_classes=11), "n_classes must be from 2 to 10")])
def test_synthetic_data_the_model_cannot_take_is_refused_at_once(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sh.synthetic_data(**kwargs)


def test_a_nan_state_in_evaluate_is_not_blamed_on_the_learning_rate_alone(small):
    with pytest.raises(ValueError, match="If they come from training, it diverged.*Otherwise the state was damaged"):
        sh.evaluate(nan_state(), small)


# ---------------------------------------------------------------- reuse

def test_a_damaged_checkpoint_does_not_shadow_a_valid_committed_copy(small, ck, monkeypatch, capsys):
    committed = ck / "committed"
    monkeypatch.setattr(store, "RESULTS_DIR", committed)
    exp = BaselineExperiment(ONE_EPOCH, small)
    first = exp.result(progress=False, path=committed / exp.filename())
    (ck / exp.filename()).write_bytes(b"damaged")
    no_training(monkeypatch)
    again = BaselineExperiment(ONE_EPOCH, small).result(progress=False)
    out = capsys.readouterr().out
    assert f"Not reusing {exp.filename()}" in out and "reused" in out and "Computing afresh" not in out
    assert again.runs[0].test_acc == first.runs[0].test_acc


@pytest.mark.parametrize("edit", [
    lambda t: t.__setitem__("seed", t["seed"].replace({0: 1, 1: 0})),
    lambda t: t.__setitem__("seed", [1] * len(t)),
    lambda t: t.__setitem__("draw", (t["draw"] + 1) % 3),
], ids=["seeds swapped", "one seed for all", "draws renumbered"])
def test_an_odds_file_with_edited_seeds_is_refused(small, ck, edit):
    from sparse_helpers.experiments import lottery as L
    from sparse_helpers.experiments.odds import OddsExperiment

    class FakeLottery:
        """A lottery whose result holds θ₀'s half-pruned masks at round 1."""
        cfg, data = sh.Config(seeds=(0, 1), epochs=1, rounds=1, explorer_rates=()), small
        masks = {(s, 1): prune.global_masks(sh.theta0(s), 0.5) for s in (0, 1)}

        def result(self, **kwargs):
            return L.Lottery(self.cfg, pd.DataFrame(), self.masks, {}, pd.DataFrame(), 0.0, 0, small.label)

        def digest(self):
            return "fake"

    exp = OddsExperiment(FakeLottery(), [1], 2)
    path = ck / "odds.safetensors"
    exp.result(progress=False, path=path)
    exp.read(path)
    retamper(path, edit_tables=lambda name, t: edit(t))
    with pytest.raises(store.StoredResultError, match="its draws are not the plan's"):
        exp.read(path)


def test_a_users_own_safetensors_file_at_path_is_never_overwritten(small, ck, monkeypatch):
    from safetensors.torch import save_file
    mine = ck / "mine.safetensors"
    save_file({"w": torch.ones(3)}, str(mine), metadata={"author": "me"})
    before = mine.read_bytes()
    no_training(monkeypatch)
    for reuse in (None, False):
        with pytest.raises(ValueError, match="exists and is not a result file"):
            sh.trained_baseline(sh.Config(seeds=(0,), epochs=1), small, reuse=reuse, path=mine)
    assert mine.read_bytes() == before
