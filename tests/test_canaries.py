"""Canaries: a tiny version of every experiment, stored with its key in tests/canaries/.

A key leaves out what cannot change a number (messages, refusals, presentation: see
experiments/codekey.py). These tests are the safety net for that claim: whenever today's key of
a canary equals the stored one, recomputing it must give the stored numbers, within the
tolerance another CPU's floating-point path needs. A canary whose key changed is stale: the
code that computes it changed on purpose, and `make canaries` stores it afresh (commit the
files with the change, so that the review shows which results it retired).
"""
import os
import shutil

import numpy as np
import pytest
import torch

import sparse_helpers as sh
from sparse_helpers.experiments.baseline import BaselineExperiment
from sparse_helpers.experiments.floatpath import FloatPathExperiment
from sparse_helpers.experiments.lottery import LotteryExperiment
from sparse_helpers.experiments.odds import OddsExperiment
from sparse_helpers.experiments.store import differences, read_file
from sparse_helpers.experiments.tickets import TicketExperiment
from sparse_helpers.experiments.widths import SizesExperiment, WidthExperiment

from conftest import REPO
from reference import blobs

CANARIES = REPO / "tests" / "canaries"
WRITE = os.environ.get("SPARSE_WRITE_CANARIES") == "1"
CFG = sh.Config(epochs=1, seeds=(0, 1), rounds=2, reinits=1, prune_rate=0.7, explorer_rates=(0.5,),
                control_epochs=2)  # 0.7: round 2 is below widths 1 and 2, so the sizes canary is not empty
ORDER = ("baseline", "floatpath", "lottery", "tickets", "odds", "widths", "sizes")  # parents first
TOLERANCE = {"atol": 0.02, "rtol": 0.02}  # weights and accuracies on another CPU's path
LOOSE = ("early_step", "seconds", "speed", "history",  # timings, and where a last-bit tie may move a value further
         "same_bits", "weight_gap")  # what the float path measures is this machine's own path


def canary_data():
    """The canaries' data: reference.blobs at 1024/256/256 (numpy-drawn, the same bits on every CPU)."""
    return blobs(1024, 256, 256)


@pytest.fixture(scope="module")
def canaries(tmp_path_factory):
    """{kind: experiment} of the canaries, reading their parents from a copy of tests/canaries."""
    folder = tmp_path_factory.mktemp("canaries")
    for path in CANARIES.glob("*.safetensors"):
        shutil.copy(path, folder)
    old = os.environ.get("SPARSE_CHECKPOINT_DIR")
    os.environ["SPARSE_CHECKPOINT_DIR"] = str(CANARIES if WRITE else folder)
    data = canary_data()
    lottery = LotteryExperiment(CFG, data)
    yield {"baseline": BaselineExperiment(CFG, data), "floatpath": FloatPathExperiment(CFG, data),
           "lottery": lottery, "tickets": TicketExperiment(lottery, [(0, 1), (1, 2)]),
           "odds": OddsExperiment(lottery, [1, 2], 2), "widths": WidthExperiment(CFG, data, [1, 2], 2),
           "sizes": SizesExperiment(lottery, [1, 2], 1)}
    if old is None:
        del os.environ["SPARSE_CHECKPOINT_DIR"]
    else:
        os.environ["SPARSE_CHECKPOINT_DIR"] = old


def assert_close(name, stored, fresh):
    """Stored and fresh values agree: exactly for whole numbers and text, within TOLERANCE else."""
    loose = any(word in name for word in LOOSE)
    if isinstance(stored, torch.Tensor):
        assert stored.shape == fresh.shape and stored.dtype == fresh.dtype, name
        if stored.is_floating_point():
            assert loose or torch.allclose(stored, fresh, **TOLERANCE), f"{name} moved"
        else:
            assert loose or torch.equal(stored, fresh), f"{name} moved"
        return
    assert list(stored.columns) == list(fresh.columns) and len(stored) == len(fresh), name
    for column in stored.columns:
        a, b = stored[column], fresh[column]
        if loose or any(word in column for word in LOOSE):
            continue
        if a.dtype.kind == "f":
            assert np.allclose(a, b, equal_nan=True, **TOLERANCE), f"{name}'s column {column!r} moved"
        elif a.dtype.kind == "O" and isinstance(a.iloc[0], list):
            assert all(np.allclose(x, y, **TOLERANCE) for x, y in zip(a, b)), f"{name}'s {column!r} moved"
        else:
            assert (a.values == b.values).all(), f"{name}'s column {column!r} moved"


@pytest.mark.xdist_group("canaries")
@pytest.mark.parametrize("kind", ORDER)
def test_a_canary_whose_key_still_matches_recomputes_to_its_stored_numbers(canaries, kind):
    exp = canaries[kind]
    if WRITE:  # store afresh only the canaries whose key changed
        for old in CANARIES.glob(f"{kind}-*.safetensors"):
            if old.name != exp.filename():
                old.unlink()
        if not (CANARIES / exp.filename()).exists():
            exp.result(reuse=False, progress=False, path=CANARIES / exp.filename())
        return
    stored = sorted(CANARIES.glob(f"{kind}-*.safetensors"))
    assert len(stored) == 1, f"tests/canaries/ holds {len(stored)} {kind} canaries; run `make canaries`"
    header, tensors, tables = read_file(stored[0])
    assert stored[0].name == exp.filename(), (
        f"the {kind} canary is stale: its key changed ("
        + "; ".join(differences(header["key"], exp.key())) + "). If the edit is meant to change what "
        "is computed, run `make canaries` and commit tests/canaries/ with it")
    fresh_tensors, fresh_tables = exp.encode(exp.compute(progress=False))
    assert set(fresh_tensors) == set(tensors) and set(fresh_tables) == set(tables)
    for name in tensors:
        assert_close(name, tensors[name], fresh_tensors[name])
    for name in tables:
        assert_close(name, tables[name], fresh_tables[name])
