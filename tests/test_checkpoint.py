import dataclasses
import json
import os
import pickle

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

import sparse_helpers as sh
from sparse_helpers.baseline import baseline_key, trained_baseline

ONE_EPOCH = sh.Config(seeds=(0, 1), epochs=1)


def test_roundtrip_keeps_tensors_tables_and_config(tmp_path):
    import pandas as pd
    path = tmp_path / "c.safetensors"
    table = pd.DataFrame({"a": [1, 2], "h": [[0.1, 0.2], [0.3, 0.4]]})
    sh.save_checkpoint(path, {"hidden": (8, 4), "seed": np.int64(1)}, {"w": torch.arange(6.).view(2, 3)},
                       {"t": table})
    config, tensors, tables = sh.load_checkpoint(path, {"hidden": [8, 4], "seed": 1})
    assert config["hidden"] == [8, 4] and config["code"] == sh.checkpoint.code_version()
    assert torch.equal(tensors["w"], torch.arange(6.).view(2, 3))
    pd.testing.assert_frame_equal(tables["t"], table)


def test_other_config_is_refused_with_the_difference(tmp_path):
    path = tmp_path / "c.safetensors"
    sh.save_checkpoint(path, {"hidden": [8, 4], "epochs": 10}, {"x": torch.zeros(1)})
    with pytest.raises(sh.CheckpointMismatch, match=r"hidden: checkpoint has \[8, 4\], wanted \[16, 8\]"):
        sh.load_checkpoint(path, {"hidden": [16, 8], "epochs": 10})


def test_pickle_file_is_refused_not_executed(tmp_path):
    path = tmp_path / "evil.safetensors"
    path.write_bytes(pickle.dumps({"x": 1}))
    with pytest.raises(sh.CheckpointMismatch, match="not a readable checkpoint"):
        sh.load_checkpoint(path)


def test_code_version_ignores_docstrings_and_comments(monkeypatch, tmp_path):
    from sparse_helpers import checkpoint as C
    assert len(C.code_version()) == 12 and C.code_version() == C.code_version()


def test_each_configuration_gets_its_own_checkpoint(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("SPARSE_CHECKPOINT_DIR", str(tmp_path))
    trained_baseline(ONE_EPOCH, tiny, progress=False)
    trained_baseline(ONE_EPOCH.but(hidden=(16, 4)), tiny, progress=False)
    assert len(list(tmp_path.glob("baseline-*.safetensors"))) == 2


def test_baseline_is_reused_when_settings_and_data_match(tiny, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SPARSE_CHECKPOINT_DIR", str(tmp_path))
    first = trained_baseline(ONE_EPOCH, tiny, progress=False)
    from sparse_helpers import baseline
    monkeypatch.setattr(baseline, "train_many", lambda *a, **k: pytest.fail("trained again"))
    again = trained_baseline(ONE_EPOCH, tiny, progress=False)
    assert again.runs[0].history == first.runs[0].history and again.seconds == first.seconds
    assert again.runs[1].early == first.runs[1].early
    assert "afresh" not in capsys.readouterr().out


def test_other_data_is_not_answered_from_a_checkpoint(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("SPARSE_CHECKPOINT_DIR", str(tmp_path))
    first = trained_baseline(ONE_EPOCH, tiny, progress=False)
    other = sh.synthetic_data(n_train=512, n_val=64, n_test=64, seed=9)
    second = trained_baseline(ONE_EPOCH, other, progress=False)
    assert second.runs[0].history != first.runs[0].history
    assert len(list(tmp_path.glob("baseline-*.safetensors"))) == 2


def tamper(path, edit_config=None, edit_tensors=None):
    from safetensors import safe_open
    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata()
    tensors = load_file(str(path))
    if edit_config:
        config = json.loads(meta["config"])
        edit_config(config)
        meta["config"] = json.dumps(config, sort_keys=True)
    if edit_tensors:
        edit_tensors(tensors)
    save_file(tensors, str(path), metadata=meta)


def nan_weights(tensors):
    tensors["trained.state/0/0.weight"].fill_(float("nan"))


@pytest.mark.parametrize("edit_config,edit_tensors,changes,reason", [
    (lambda c: c.update(seeds=[5, 1]), None, dict(seeds=(5, 1)), "θ₀ of seed 5 is not what seed 5 gives"),
    (lambda c: c.update(epochs=3), None, dict(epochs=3), "does not have 3 epochs"),
    (None, nan_weights, {}, "non-finite"),
], ids=["seeds edited", "epochs edited", "NaN weights"])
def test_a_tampered_baseline_is_refused_and_retrained(tiny, tmp_path, monkeypatch, capsys,
                                                      edit_config, edit_tensors, changes, reason):
    monkeypatch.setenv("SPARSE_CHECKPOINT_DIR", str(tmp_path))
    trained_baseline(ONE_EPOCH, tiny, progress=False)
    (path,) = tmp_path.glob("baseline-*.safetensors")
    tamper(path, edit_config, edit_tensors)
    cfg = ONE_EPOCH.but(**changes)
    # an edited header names another config: put the file where that config's checkpoint goes
    os.replace(path, sh.checkpoint.checkpoint_path("baseline", baseline_key(cfg, tiny)))
    fresh = trained_baseline(cfg, tiny, progress=False)
    assert reason in capsys.readouterr().out
    assert all(np.isfinite(r.history).all() for r in fresh.runs) and len(fresh.runs[0].history) == cfg.epochs


def test_an_unwritable_checkpoint_folder_warns_and_keeps_the_result(tiny, tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("SPARSE_CHECKPOINT_DIR", str(blocked / "checkpoints"))
    with pytest.warns(UserWarning, match="could not write the checkpoint"):
        base = trained_baseline(ONE_EPOCH.but(seeds=np.arange(2)), tiny, progress=False)
    assert len(base.runs) == 2


def test_recompute_env_retrains_even_when_a_checkpoint_exists(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("SPARSE_CHECKPOINT_DIR", str(tmp_path))
    first = trained_baseline(ONE_EPOCH, tiny, progress=False)
    monkeypatch.setenv("SPARSE_RECOMPUTE", "1")
    calls = []
    from sparse_helpers import baseline
    real = baseline.train_many
    monkeypatch.setattr(baseline, "train_many", lambda *a, **k: (calls.append(1), real(*a, **k))[1])
    trained_baseline(ONE_EPOCH, tiny, progress=False)
    assert calls and first is not None


def test_baseline_with_wrong_shapes_is_refused(tiny, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SPARSE_CHECKPOINT_DIR", str(tmp_path))
    trained_baseline(ONE_EPOCH, tiny, progress=False)
    (path,) = tmp_path.glob("baseline-*.safetensors")
    tamper(path, edit_tensors=lambda t: t.update({"trained.state/0/0.weight": torch.zeros(16, 784)}))
    trained_baseline(ONE_EPOCH, tiny, progress=False)
    assert "afresh" in capsys.readouterr().out


def test_a_subset_or_shuffled_labels_under_the_same_name_get_their_own_key(tiny):
    subset = dataclasses.replace(tiny, train_x=tiny.train_x[:100], train_y=tiny.train_y[:100])
    shuffled = dataclasses.replace(tiny, train_y=tiny.train_y.flip(0))
    keys = [baseline_key(ONE_EPOCH, d)["data"] for d in (tiny, subset, shuffled)]
    assert len(set(keys)) == 3 and all(k.startswith(tiny.name) for k in keys)
    assert baseline_key(ONE_EPOCH, tiny) == baseline_key(ONE_EPOCH, dataclasses.replace(tiny))
    assert baseline_key(ONE_EPOCH, tiny) != baseline_key(ONE_EPOCH.but(checks_per_epoch=1), tiny)


def test_the_default_data_has_the_key_of_the_loaded_data(real):
    assert baseline_key(sh.DEFAULTS)["data"] == baseline_key(sh.DEFAULTS, real)["data"]


def test_a_folder_as_the_checkpoint_path_is_refused_before_training(tiny, tmp_path):
    with pytest.raises(ValueError, match="path must name a checkpoint file.*is a folder"):
        trained_baseline(ONE_EPOCH, tiny, path=tmp_path)


def test_tensors_that_share_memory_are_saved(tmp_path):
    t = torch.arange(6.0)
    assert sh.save_checkpoint(tmp_path / "c.safetensors", {"a": 1}, {"a": t, "b": t, "c": t[:3]})
    assert torch.equal(sh.load_checkpoint(tmp_path / "c.safetensors", {"a": 1})[1]["c"], t[:3])
