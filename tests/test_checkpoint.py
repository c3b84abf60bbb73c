import pickle

import pytest
import torch

import sparse_helpers as sh
from sparse_helpers.baseline import trained_baseline


def test_roundtrip_keeps_tensors_and_config(tmp_path):
    path = tmp_path / "c.safetensors"
    sh.save_checkpoint(path, {"hidden": [8, 4], "seed": 1}, {"a/0/w": torch.arange(6.).view(2, 3)})
    config, tensors = sh.load_checkpoint(path, {"hidden": (8, 4), "seed": 1})
    assert config == {"hidden": [8, 4], "seed": 1}
    assert torch.equal(tensors["a/0/w"], torch.arange(6.).view(2, 3))


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


def test_baseline_is_reused_when_config_matches_and_rebuilt_otherwise(tiny, tmp_path, capsys):
    path = tmp_path / "b.safetensors"
    kw = dict(data=tiny, path=path, progress=False, seeds=(0, 1), epochs=1)
    first = trained_baseline(**kw)
    again = trained_baseline(**kw)
    assert again.runs[0].history == first.runs[0].history
    assert all(torch.equal(again.theta0[1][k], first.theta0[1][k]) for k in first.theta0[1])
    assert "Training afresh" not in capsys.readouterr().out
    other = trained_baseline(**{**kw, "epochs": 2})
    assert len(other.runs[0].history) == 2
    assert "epochs: checkpoint has 1, wanted 2" in capsys.readouterr().out


def test_baseline_with_wrong_shapes_is_refused(tiny, tmp_path):
    from sparse_helpers.baseline import baseline_config, check_architecture
    state = sh.snapshot(sh.make_mlp((16, 4)))
    with pytest.raises(sh.CheckpointMismatch, match="shapes"):
        check_architecture(baseline_config(hidden=(8, 4)), [state])
