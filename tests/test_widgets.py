import torch

import sparse_helpers as sh
from sparse_helpers import lottery, widgets


def test_sparsity_explorer_updates_accuracy_and_pixel_map(real):
    state = sh.train_one(sh.snapshot(sh.make_mlp()), real, epochs=1, progress=False).state
    ex = widgets.SparsityExplorer(state, real, sparsity=0.0)
    acc0, pix0, html0 = ex.accuracy, ex.pixel_map.clone(), ex.readout.value
    ex.slider.value = 0.95  # as a user's drag would
    assert ex.accuracy < acc0 and (ex.pixel_map <= pix0).all() and not torch.equal(ex.pixel_map, pix0)
    assert ex.readout.value != html0 and "Accuracy" in ex.readout.value
    assert "data:image/png;base64" in ex._repr_mimebundle_()["text/html"]


def test_imp_explorer_caches_each_rate(tiny, monkeypatch):
    calls = []
    real_train_many = lottery.train_many  # the explorer trains through lottery.imp_round
    monkeypatch.setattr(lottery, "train_many", lambda *a, **k: calls.append(1) or real_train_many(*a, **k))
    ex = widgets.ImpExplorer(sh.snapshot(sh.make_mlp()), tiny, rate=0.5, threshold=0.3, epochs=1,
                             max_rounds=2)
    first = len(calls)
    assert first >= 1
    ex.rate.value = 0.25
    second = len(calls)
    assert second > first
    ex.rate.value = 0.5  # back to a cached rate: no training
    assert len(calls) == second
    assert "Ticket at 50%" in ex.readout.value or "No ticket" in ex.readout.value
