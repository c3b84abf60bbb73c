"""The three explorers: they answer slider moves, train only what is missing, draw whole figures."""
import io

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image

import sparse_helpers as sh
from sparse_helpers.analysis import widgets
from sparse_helpers.experiments import lottery as L
from sparse_helpers.experiments.lottery import LotteryExperiment


def picture(png):
    """(width, height, share of pixels that are not the background) of PNG bytes."""
    img = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    return img.shape[1], img.shape[0], float((img < 250).mean())


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


@pytest.fixture(scope="module")
def small_lottery(tiny, tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("SPARSE_CHECKPOINT_DIR", str(tmp_path_factory.mktemp("ck")))
    cfg = sh.Config(seeds=(0,), epochs=1, rounds=3, prune_rate=0.5, threshold=0.3, explorer_rates=(0.25, 0.5))
    lot = LotteryExperiment(cfg, tiny).result(progress=False)
    mp.undo()
    return lot


@pytest.mark.parametrize("changes,match", [(dict(prune_rate=0.95), "prune rate must be on the slider"),
                                           (dict(prune_rate=0.125), "prune rate must be on the slider"),
                                           (dict(threshold=0.995), "threshold must be on the slider")])
def test_imp_explorer_refuses_settings_outside_its_sliders(small_lottery, tiny, changes, match):
    lot = small_lottery._replace(config=small_lottery.config.but(**changes))
    with pytest.raises(ValueError, match=match):
        widgets.ImpExplorer(lot, sh.theta0(0), tiny)


def test_imp_explorer_redraws_stored_rates_and_trains_others_once(small_lottery, tiny, monkeypatch):
    calls, dimmed, real = [], [], L.train_many
    ex = None

    def spy(*a, **k):
        calls.append(1)
        dimmed.append(ex is not None and widgets.BUSY in ex.image._dom_classes)
        return real(*a, **k)
    monkeypatch.setattr(L, "train_many", spy)
    ex = widgets.ImpExplorer(small_lottery, sh.theta0(0), tiny)
    ex.rate.value = 0.25  # stored with the lottery: no training
    assert not calls and "stored with the results" in ex.readout.value
    ex.rate.value = 0.33  # not stored: trained, round by round
    trained = len(calls)
    assert trained >= 1 and "trained here and cached" in ex.readout.value
    rows = ex.imp.cache[0.33]["rows"]
    assert rows[0] == ex.imp.cache[0.5]["rows"][0] and trained == len(rows) - 1, \
        "a new rate reuses the stored dense round 0 and trains only the rounds after it"
    ex.rate.value = 0.5
    ex.rate.value = 0.33  # back to a cached rate: no training
    assert len(calls) == trained
    width, height, ink = picture(ex.image.value)
    assert width > 400 and height > 200 and ink > 0.03  # a whole figure, not a blank canvas
    assert dimmed and all(dimmed), "the old figure must be dimmed (a CSS class) while IMP trains"
    assert widgets.BUSY not in ex.image._dom_classes
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
    for bad in (None, pd.DataFrame()):
        with pytest.raises(ValueError, match="table must be"):
            widgets.OddsExplorer(bad, imp, 0.8)


@pytest.mark.parametrize("theta0", [lambda: sh.theta0(1), lambda: sh.theta0(0, (16,)), lambda: None])
def test_imp_explorer_refuses_another_theta0(small_lottery, tiny, theta0):
    with pytest.raises(ValueError, match="theta0|state"):
        widgets.ImpExplorer(small_lottery, theta0(), tiny)


def test_imp_explorer_refuses_other_data(small_lottery, tiny):
    other = sh.synthetic_data(n_train=256, n_val=64, n_test=64, seed=5) if hasattr(sh, "synthetic_data") else None
    if other is None:
        pytest.skip("no synthetic_data helper")
    with pytest.raises(ValueError, match="data must be the data the lottery was trained on"):
        widgets.ImpExplorer(small_lottery, sh.theta0(0), other)


def test_explorer_boxes_get_the_same_model_ids_in_every_fresh_kernel():
    import subprocess
    import sys
    code = ("from sparse_helpers.analysis import widgets\n"
            "class A: pass\n"
            "print(widgets.box(A(), []).model_id, widgets.box(A(), []).model_id)")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
            for _ in range(2)]
    first, second = runs[0].split()
    assert runs[0] == runs[1] and first != second, "a fresh kernel repeats the ids; a second explorer gets its own"
