import dataclasses
import pandas as pd
import pytest
import torch

import sparse_helpers as sh
from sparse_helpers import lottery as L, prune

SMALL = sh.Config(seeds=(0, 1), epochs=1, rounds=3, threshold=0.3)


@pytest.fixture(scope="module")
def lot(tiny, tmp_path_factory):
    import os
    os.environ["SPARSE_CHECKPOINT_DIR"] = str(tmp_path_factory.mktemp("ck"))
    try:
        return L.run(SMALL, tiny, reuse=False, progress=False)
    finally:
        del os.environ["SPARSE_CHECKPOINT_DIR"]


def test_every_seed_runs_every_round_with_every_control(lot):
    t = lot.rounds
    counts = t.groupby(["round", "kind", "schedule"]).size().unstack(["kind", "schedule"]).fillna(0)
    assert (counts[("IMP", "global")] == 2).all() and (counts[("IMP", "layerwise")] == 2).all()
    assert (counts[("re-init", "global")] == 2 * SMALL.reinits).all()
    assert (counts[("random mask", "global")] == 2).all() and (counts[("one-shot", "global")] == 2).all()
    assert set(lot.masks) == {(s, r) for s in (0, 1) for r in range(4)}


def test_imp_prunes_20_percent_of_the_survivors_per_round(lot):
    imp = L.imp_rows(lot.rounds, "global")
    assert imp[imp.seed == 0].sort_values("round")["kept"].tolist() == [6344, 5075, 4060, 3248]
    lw = L.imp_rows(lot.rounds, "layerwise")
    last = lw[(lw.seed == 0) & (lw["round"] == 3)].iloc[0]
    # the paper's rates: 20% of each hidden layer, 10% of the output layer, per round
    assert (last["kept 784x8"], last["kept 8x4"], last["kept 4x10"]) == (3210, 16, 28)


def test_controls_share_the_round_and_differ_as_designed(lot):
    t = lot.rounds[lot.rounds["round"] == 2]
    imp = t[(t.kind == "IMP") & (t.schedule == "global")].set_index("seed")
    for kind in ("re-init", "random mask", "one-shot"):
        ctrl = t[t.kind == kind].groupby("seed")["kept"].first()
        assert (ctrl == imp["kept"]).all(), kind  # the same number of weights as the ticket
    rand = t[t.kind == "random mask"].set_index("seed")
    assert (rand["kept 784x8"] == imp["kept 784x8"]).all()  # per layer, too


def test_imp_rewinds_to_theta0(tiny, monkeypatch):
    seen = []
    real = L.train_many
    monkeypatch.setattr(L, "train_many", lambda states, *a, **k: (seen.append(states), real(states, *a, **k))[1])
    L.run(SMALL.but(seeds=(0,), rounds=2), tiny, controls=False, reuse=False, progress=False,)
    assert len(seen) == 3 and all(torch.equal(s[0]["0.weight"], sh.theta0(0)["0.weight"]) for s in seen)


def table(val_accs):
    """A lottery table of one seed's IMP rounds with the given validation accuracies."""
    rows = [{"seed": 7, "round": r, "kind": "IMP", "schedule": "global", "kept": 100 - r,
             "sparsity": r / 100, "val_acc": v, "test_acc": v} for r, v in enumerate(val_accs)]
    return L.Lottery(sh.Config(seeds=(7,)), pd.DataFrame(rows), {}, 0.0)


@pytest.mark.parametrize("accs,post,sparsest", [
    ([0.85, 0.83, 0.79, 0.81, 0.78], 1, 3),   # a dip that recovers: the rules disagree
    ([0.85, 0.83, 0.82, 0.81, 0.80], 4, 4),   # never below: the last round
    ([0.75, 0.83, 0.79], None, 1),            # the dense network already fails
])
def test_the_two_ticket_rules(accs, post, sparsest):
    t = L.pick_tickets(table(accs), threshold=0.8).set_index("rule")["round"]
    assert (None if pd.isna(t["post"]) else t["post"]) == post
    assert t["sparsest"] == sparsest


def test_ticket_comparison_trains_the_ticket_and_its_controls(lot, tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("SPARSE_CHECKPOINT_DIR", str(tmp_path))
    tickets = L.pick_tickets(lot).query("rule == 'post'")
    runs = L.ticket_comparison(lot, tickets, tiny, progress=False)
    assert runs.groupby("kind").size().to_dict() == {"ticket": 2, "re-init": 2 * SMALL.reinits,
                                                     "random mask": 2}
    assert runs.history.map(len).eq(SMALL.control_epochs).all()
    again = L.ticket_comparison(lot, tickets, tiny, progress=False)  # from the checkpoint now
    assert again.test_acc.tolist() == runs.test_acc.tolist()


def test_a_lottery_is_reused_and_a_tampered_one_refused(lot, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SPARSE_CHECKPOINT_DIR", str(tmp_path))
    key = L.lottery_key(SMALL, True)  # data=None: the Fashion-MNIST split SMALL would load
    path = sh.checkpoint.checkpoint_path("lottery", key)
    L.save_lottery(lot, path, key)
    back = L.run(SMALL, None, progress=False)  # data=None: it must not need to train
    pd.testing.assert_frame_equal(back.rounds, lot.rounds, check_exact=False, rtol=1e-12)
    assert back.seconds == lot.seconds
    assert all(torch.equal(back.masks[k][n], lot.masks[k][n]) for k in lot.masks for n in lot.masks[k])
    twos = dict(lot.masks)
    twos[(0, 1)] = {n: 2 * m for n, m in twos[(0, 1)].items()}  # stored as uint8: 2, not 0 or 1
    L.save_lottery(dataclasses.replace(lot, masks=twos), path, key)
    with pytest.raises(ValueError, match="only 0 .pruned. and 1"):
        L.read_lottery(path, SMALL, key)
    del twos[(0, 1)]  # a round missing
    L.save_lottery(dataclasses.replace(lot, masks=twos), path, key)
    with pytest.raises(sh.CheckpointMismatch, match="every seed's 4 rounds"):
        L.read_lottery(path, SMALL, key)


def test_explorer_rows_of_a_seed(lot):
    rows = L.known_rows(lot, 1)
    assert [r["round"] for r in rows] == [0, 1, 2, 3] and rows[1]["kept"] == 5075
