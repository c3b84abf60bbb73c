import pandas as pd
import pytest
import torch

import sparse_helpers as sh
from sparse_helpers import lottery, widgets


def test_sparsity_explorer_updates_accuracy_and_pixel_map(real):
    _, state = sh.train_one(sh.theta0(0), real, cfg=sh.Config(epochs=1), progress=False)
    ex = widgets.SparsityExplorer(state, real, sparsity=0.0)
    acc0, pix0, html0 = ex.accuracy, ex.pixel_map.clone(), ex.readout.value
    ex.slider.value = 0.95  # as a user's drag would
    assert ex.accuracy < acc0 and (ex.pixel_map <= pix0).all() and not torch.equal(ex.pixel_map, pix0)
    assert ex.readout.value != html0 and "accuracy" in ex.readout.value
    assert "data:image/png;base64" in ex._repr_mimebundle_()["text/html"]


@pytest.mark.parametrize("value", [0.995, 1.0, -0.1, 0.333])
def test_sparsity_explorer_refuses_values_its_slider_cannot_show(tiny, value):
    with pytest.raises(ValueError, match="sparsity"):
        widgets.SparsityExplorer(sh.theta0(0), tiny, sparsity=value)


@pytest.mark.parametrize("changes,match", [(dict(prune_rate=0.95), "prune rate must be on the slider"),
                                           (dict(prune_rate=0.125), "prune rate must be on the slider"),
                                           (dict(threshold=0.995), "threshold must be on the slider")])
def test_imp_explorer_refuses_settings_outside_its_sliders(tiny, changes, match):
    with pytest.raises(ValueError, match=match):
        widgets.ImpExplorer(sh.theta0(0), tiny, sh.Config(**changes))


def test_imp_explorer_caches_each_rate(tiny, monkeypatch):
    calls = []
    real_train_many = lottery.train_many  # the explorer trains through lottery.imp_step
    monkeypatch.setattr(lottery, "train_many", lambda *a, **k: calls.append(1) or real_train_many(*a, **k))
    cfg = sh.Config(epochs=1, rounds=2, prune_rate=0.5, threshold=0.5)
    ex = widgets.ImpExplorer(sh.theta0(0), tiny, cfg)
    first = len(calls)
    assert first >= 1
    ex.rate.value = 0.25
    second = len(calls)
    assert second > first
    ex.rate.value = 0.5  # back to a cached rate: no training
    assert len(calls) == second
    assert "Ticket at 50%" in ex.readout.value or "No ticket" in ex.readout.value
    assert "data:image/png;base64" in ex.static_html()


def test_odds_explorer_moves_between_levels():
    table = pd.DataFrame({"round": [3, 3, 5, 5], "way": ["even per layer"] * 4, "kept": [3248, 3248, 2078, 2078],
                          "remaining": [0.512, 0.512, 0.328, 0.328], "val_acc": [0.82, 0.78, 0.7, 0.6]})
    imp = table.assign(way="IMP's own mask", val_acc=[0.83, 0.84, 0.83, 0.82])
    ex = widgets.OddsExplorer(table, imp, 0.8)
    assert "1/2" in ex.readout.value and "48.8%" in ex.readout.value
    before = ex.image.value
    ex.slider.value = 5
    assert "0/2" in ex.readout.value and ex.image.value != before
    assert "67.2% sparsity" in ex.static_html()
