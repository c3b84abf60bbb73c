"""The one cache every experiment uses: keys, files, reuse, refusal and recompute."""
import dataclasses
import json
import math

import numpy as np
import pandas as pd
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

import sparse_helpers as sh
from sparse_helpers.experiments import store
from sparse_helpers.experiments.baseline import BaselineExperiment, trained_baseline
from sparse_helpers.experiments.lottery import LotteryExperiment

ONE_EPOCH = sh.Config(seeds=(0, 1), epochs=1)


def test_tables_read_back_exactly_with_their_dtypes(tmp_path):
    table = pd.DataFrame({"a": [1, 2], "f": [0.40625, 1 / 3], "nan": [math.nan, 0.1],
                          "s": ["x", "y"], "h": [[0.1, 0.2], [1 / 7, 0.3]], "b": [True, False]})
    store.save_file_atomically(tmp_path / "t.safetensors", {"k": 1}, {"w": torch.arange(3.0)}, {"t": table})
    header, tensors, tables = store.read_file(tmp_path / "t.safetensors")
    back = tables["t"]
    assert header == {"k": 1} and torch.equal(tensors["w"], torch.arange(3.0))
    assert back.f.tolist() == [0.40625, 1 / 3] and back.h.tolist() == [[0.1, 0.2], [1 / 7, 0.3]]
    assert [str(back[c].dtype) for c in ("a", "f", "b")] == ["int64", "float64", "bool"]
    assert math.isnan(back.nan[0]) and back.s.tolist() == ["x", "y"]


def test_a_pickle_is_refused_not_executed(tmp_path):
    import pickle
    path = tmp_path / "evil.safetensors"
    path.write_bytes(pickle.dumps({"x": 1}))
    with pytest.raises(store.StoredResultError, match="not a readable result file"):
        store.read_file(path)


def test_the_key_holds_the_code_that_computes_and_not_the_analysis(tiny):
    files = {k.split(":")[0] for k in LotteryExperiment(ONE_EPOCH, tiny).code_hashes()}
    assert "computing/train.py" in files and "computing/stack.py" in files
    assert "experiments/arms.py" in files and "experiments/lottery.py" in files
    assert not [f for f in files if f.startswith("analysis/")]
    assert "experiments/store.py" not in files and "computing/progress.py" not in files
    base = {k.split(":")[0] for k in BaselineExperiment(ONE_EPOCH, tiny).code_hashes()}
    assert "computing/prune.py" not in base  # editing pruning does not retire the dense baseline


def test_a_baseline_is_reused_without_training_again(tiny, ck, monkeypatch, capsys):
    first = trained_baseline(ONE_EPOCH, tiny, progress=False)
    from sparse_helpers.experiments import baseline
    monkeypatch.setattr(baseline, "train_many", lambda *a, **k: pytest.fail("trained again"))
    again = trained_baseline(ONE_EPOCH, tiny, progress=False)
    assert again.runs[0].history == first.runs[0].history and again.seconds == first.seconds
    assert again.runs[1].early == first.runs[1].early and again.data == tiny.label
    assert "baseline: reused" in capsys.readouterr().out


def test_each_setting_and_each_dataset_gets_its_own_file(tiny, ck):
    trained_baseline(ONE_EPOCH, tiny, progress=False)
    trained_baseline(ONE_EPOCH.but(hidden=(16, 4)), tiny, progress=False)
    other = sh.synthetic_data(n_train=512, n_val=64, n_test=64, seed=9)
    trained_baseline(ONE_EPOCH, other, progress=False)
    assert len(list(ck.glob("baseline-*.safetensors"))) == 3


def test_a_subset_or_shuffled_labels_get_their_own_key(tiny):
    subset = dataclasses.replace(tiny, train_x=tiny.train_x[:100], train_y=tiny.train_y[:100])
    shuffled = dataclasses.replace(tiny, train_y=tiny.train_y.flip(0))
    keys = [BaselineExperiment(ONE_EPOCH, d).key()["data"] for d in (tiny, subset, shuffled)]
    assert len(set(keys)) == 3 and all(k.startswith(tiny.name) for k in keys)
    assert BaselineExperiment(ONE_EPOCH, tiny).key() == BaselineExperiment(ONE_EPOCH, dataclasses.replace(tiny)).key()


def tamper(path, edit_header=None, edit_tensors=None):
    """Rewrite a result file with its header or tensors edited."""
    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata()
    tensors = load_file(str(path))
    if edit_header:
        header = json.loads(meta["header"])
        edit_header(header["key"])
        meta["header"] = json.dumps(header, sort_keys=True)
    if edit_tensors:
        edit_tensors(tensors)
    meta["checksum"] = store.checksum(tensors, meta)  # a deliberate edit: the decode checks must catch it
    save_file(tensors, str(path), metadata=meta)


def test_a_flipped_byte_fails_the_checksum(tiny, ck, capsys):
    trained_baseline(ONE_EPOCH, tiny, progress=False)
    (path,) = ck.glob("baseline-*.safetensors")
    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata()
    tensors = load_file(str(path))
    tensors["trained.state/0/4.weight"][0, 0] += 1e-3
    save_file(tensors, str(path), metadata=meta)  # the old checksum kept
    trained_baseline(ONE_EPOCH, tiny, progress=False)
    out = capsys.readouterr().out
    assert "does not match its checksum" in out and "Computing afresh" in out


@pytest.mark.parametrize("reuse", ["no", 0, 1, "False"])
def test_reuse_must_be_a_bool_or_none(tiny, reuse):
    with pytest.raises(ValueError, match="reuse must be True, False or None"):
        BaselineExperiment(ONE_EPOCH, tiny).result(reuse=reuse, progress=False)


def test_an_existing_file_that_is_not_a_result_is_not_overwritten(tiny, tmp_path):
    other = tmp_path / "notes.txt"
    other.write_text("mine")
    with pytest.raises(ValueError, match="exists and is not a result file"):
        BaselineExperiment(ONE_EPOCH, tiny).result(path=other, progress=False)
    assert other.read_text() == "mine"


@pytest.mark.parametrize("value", ["maybe", "2", "on"])
def test_sparse_recompute_refuses_other_values(monkeypatch, value):
    from sparse_helpers.computing.paths import recompute_requested
    monkeypatch.setenv("SPARSE_RECOMPUTE", value)
    with pytest.raises(ValueError, match="SPARSE_RECOMPUTE must be"):
        recompute_requested()


@pytest.mark.parametrize("edit_header,edit_tensors,changes,reason", [
    (lambda k: k.update(seeds=[5, 1]), None, dict(seeds=(5, 1)), "θ₀ of seed 5 is not what seed 5 gives"),
    (lambda k: k.update(epochs=3), None, dict(epochs=3), "does not have 3 epochs"),
    (None, lambda t: t["trained.state/0/0.weight"].fill_(float("nan")), {}, "non-finite"),
    (None, lambda t: t.update({"trained.state/0/0.weight": torch.zeros(16, 784)}), {}, "shapes"),
    (None, lambda t: t.update({"trained.state/0/0.weight": t["trained.state/0/0.weight"].half()}), {}, "float32"),
    (None, lambda t: t["trained.history"].fill_(83.1), {}, "fractions in"),
], ids=["seeds edited", "epochs edited", "NaN weights", "wrong shape", "float16", "accuracy x100"])
def test_a_damaged_baseline_is_refused_and_retrained(tiny, ck, capsys, edit_header, edit_tensors, changes, reason):
    trained_baseline(ONE_EPOCH, tiny, progress=False)
    (path,) = ck.glob("baseline-*.safetensors")
    tamper(path, edit_header, edit_tensors)
    exp = BaselineExperiment(ONE_EPOCH.but(**changes), tiny)
    path.rename(ck / exp.filename())  # an edited header names another key: put the file where that key looks
    fresh = exp.result(progress=False)
    out = capsys.readouterr().out
    assert reason in out and "Computing afresh" in out
    assert all(np.isfinite(r.history).all() for r in fresh.runs)


def test_a_file_of_other_settings_at_a_given_path_is_refused_with_the_difference(tiny, ck, capsys):
    trained_baseline(ONE_EPOCH, tiny, progress=False)
    (path,) = ck.glob("baseline-*.safetensors")
    other = BaselineExperiment(ONE_EPOCH.but(lr=1e-3), tiny)
    with pytest.raises(store.StoredResultError, match=r"lr: stored 0.002, wanted 0.001"):
        other.read(path)


def test_an_unwritable_folder_warns_and_keeps_the_result(tiny, tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("SPARSE_CHECKPOINT_DIR", str(blocked / "results"))
    with pytest.warns(UserWarning, match="could not write"):
        base = trained_baseline(ONE_EPOCH.but(seeds=np.arange(2)), tiny, progress=False)
    assert len(base.runs) == 2


def test_recompute_trains_even_when_a_result_is_stored(tiny, ck, monkeypatch):
    trained_baseline(ONE_EPOCH, tiny, progress=False)
    monkeypatch.setenv("SPARSE_RECOMPUTE", "1")
    from sparse_helpers.experiments import baseline
    calls, real = [], baseline.train_many
    monkeypatch.setattr(baseline, "train_many", lambda *a, **k: (calls.append(1), real(*a, **k))[1])
    trained_baseline(ONE_EPOCH, tiny, progress=False)
    assert calls


def test_recompute_computes_each_result_once_a_run_and_parents_are_read_as_stored(tiny, ck, monkeypatch):
    from sparse_helpers.experiments import lottery as L, odds as O
    monkeypatch.setenv("SPARSE_RECOMPUTE", "1")
    monkeypatch.setenv("SPARSE_RESULTS_LOG", str(ck / "used.log"))  # what make retrain sets
    computes = []
    real = L.LotteryExperiment.compute
    monkeypatch.setattr(L.LotteryExperiment, "compute", lambda self, progress=True: (
        computes.append(1), real(self, progress))[1])
    cfg = ONE_EPOCH.but(rounds=1, reinits=1, explorer_rates=())
    lottery = L.LotteryExperiment(cfg, tiny)
    lottery.result(progress=False)  # notebook 04
    O.OddsExperiment(lottery, [1], 1).result(progress=False)  # notebook 05 reads it as its parent
    lottery.result(progress=False)  # and again, as notebooks 05 and 06 do
    assert len(computes) == 1
    assert lottery.result(reuse=False, progress=False) and len(computes) == 2  # asked for explicitly


def test_a_folder_as_the_path_is_refused_before_training(tiny, tmp_path):
    with pytest.raises(ValueError, match="path must name a result file.*is a folder"):
        trained_baseline(ONE_EPOCH, tiny, path=tmp_path)


def test_tensors_that_share_memory_are_saved(tmp_path):
    t = torch.arange(6.0)
    assert store.save_file_atomically(tmp_path / "c.safetensors", {}, {"a": t, "b": t, "c": t[:3]}, {})
    assert torch.equal(store.read_file(tmp_path / "c.safetensors")[1]["c"], t[:3])


def test_a_result_logs_whether_it_was_reused_or_computed(tiny, ck, monkeypatch):
    log = ck / "used.log"
    monkeypatch.setenv("SPARSE_RESULTS_LOG", str(log))
    trained_baseline(ONE_EPOCH, tiny, progress=False)
    trained_baseline(ONE_EPOCH, tiny, progress=False)
    verbs = [line.split()[0] for line in log.read_text().splitlines()]
    assert verbs == ["computed", "reused"]


def test_experiments_refuse_a_config_or_data_of_the_wrong_kind(tiny):
    for cfg in ({"epochs": 1}, 3, None):
        with pytest.raises(ValueError, match="cfg must be a Config"):
            BaselineExperiment(cfg, tiny)
    with pytest.raises(ValueError, match="data must be a Dataset"):
        BaselineExperiment(ONE_EPOCH, {"train_x": 1})
