"""The lottery experiment: every seed, every round, every registered arm, stored and checked."""
import dataclasses
import math

import pandas as pd
import pytest
import torch

import sparse_helpers as sh
from sparse_helpers.analysis import lottery as A, plots
from sparse_helpers.analysis.arm_styles import STYLES, set_style
from sparse_helpers.computing import prune
from sparse_helpers.experiments import arms, lottery as L
from sparse_helpers.experiments.lottery import LotteryExperiment
from sparse_helpers.experiments.tickets import TicketExperiment

SMALL = sh.Config(seeds=(0, 1), epochs=1, rounds=3, threshold=0.3, explorer_rates=(0.5,))


@pytest.fixture(scope="module")
def ck(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ck")
    mp = pytest.MonkeyPatch()
    mp.setenv("SPARSE_CHECKPOINT_DIR", str(folder))
    yield folder
    mp.undo()


@pytest.fixture(scope="module")
def lot(tiny, ck):
    return LotteryExperiment(SMALL, tiny).result(reuse=False, progress=False)


def test_every_seed_runs_every_round_with_every_arm(lot):
    counts = lot.rounds.groupby(["round", "arm"]).size().unstack("arm").fillna(0)
    assert (counts["IMP global"] == 2).all() and (counts["IMP layerwise"] == 2).all()
    assert (counts["re-init"] == 2 * SMALL.reinits).all()
    assert (counts["random mask"] == 2).all() and (counts["one-shot"] == 2).all()
    assert set(lot.masks) == set(lot.states) == {(s, r) for s in (0, 1) for r in range(4)}


def test_imp_prunes_20_percent_of_the_survivors_per_round(lot):
    imp = A.rows_of(lot, "IMP global")
    assert imp[imp.seed == 0].sort_values("round")["kept"].tolist() == [6344, 5075, 4060, 3248]
    lw = A.rows_of(lot, "IMP layerwise")
    last = lw[(lw.seed == 0) & (lw["round"] == 3)].iloc[0]
    # the paper's rates: 20% of each hidden layer, 10% of the output layer, per round
    assert (last["kept 784x8"], last["kept 8x4"], last["kept 4x10"]) == (3210, 16, 28)


def test_controls_share_the_round_and_differ_as_designed(lot):
    t = lot.rounds[lot.rounds["round"] == 2]
    imp = t[t.arm == "IMP global"].set_index("seed")
    for arm in ("re-init", "random mask", "one-shot"):
        assert (t[t.arm == arm].groupby("seed")["kept"].first() == imp["kept"]).all(), arm
    rand = t[t.arm == "random mask"].set_index("seed")
    assert (rand["kept 784x8"] == imp["kept 784x8"]).all()  # per layer, too


def test_the_stored_masks_are_the_ones_each_round_trained_under(lot):
    imp = A.rows_of(lot, "IMP global")
    for r in imp.itertuples():
        assert prune.kept(lot.masks[(r.seed, r.round)]) == r.kept
    assert all(m.sum() == m.numel() for m in lot.masks[(0, 0)].values())


def test_the_explorer_rides_along_for_the_story_seed(lot):
    e = lot.explorer
    assert set(e.rate) == {0.5} and e["round"].tolist() == list(range(len(e)))
    assert e["kept"].iloc[1] == 3172  # half of 6,344 by the percentile rule
    dense = A.rows_of(lot, "IMP global").query("seed == 0 and round == 0").val_acc.item()
    assert e.val_acc.iloc[0] == dense  # round 0 is the one dense network


def test_one_shot_prunes_the_dense_trained_network_and_equals_imp_at_round_one(lot):
    dense = lot.states[(0, 0)]
    inputs = arms.RoundInputs(SMALL, 0, 2, sh.theta0(0), {"global": lot.masks[(0, 2)]}, dense)
    (_, start, shot), = arms.one_shot(inputs)
    assert torch.equal(start["0.weight"], sh.theta0(0)["0.weight"])
    assert prune.kept(shot) == prune.kept(lot.masks[(0, 2)])
    w = torch.cat([dense[n].abs().flatten() for n in shot])
    keep = torch.cat([shot[n].flatten() for n in shot]) > 0
    assert w[keep].min() >= w[~keep].max()  # it kept the largest trained magnitudes, across layers
    theta = torch.cat([sh.theta0(0)[n].abs().flatten() for n in shot])
    assert not theta[keep].min() >= theta[~keep].max()  # not θ₀'s largest
    one = lot.rounds[(lot.rounds["round"] == 1) & (lot.rounds.seed == 0)].set_index("arm")
    assert one.loc["one-shot", "val_acc"] == one.loc["IMP global", "val_acc"]  # the same network


@pytest.mark.parametrize("accs,post,sparsest,paper", [
    ([0.85, 0.83, 0.79, 0.81, 0.78], 1, 3, 0),   # a dip that recovers: the rules disagree
    ([0.85, 0.85, 0.82, 0.81, 0.80], 4, 4, 1),   # never below: the last round
    ([0.75, 0.83, 0.79], None, 1, 2),            # the dense network already fails
])
def test_the_three_ticket_rules(accs, post, sparsest, paper):
    rows = [{"seed": 7, "round": r, "arm": "IMP global", "kept": 100 - r, "sparsity": r / 100,
             "val_acc": v, "test_acc": 0.5} for r, v in enumerate(accs)]
    lot = L.Lottery(sh.Config(seeds=(7,)), pd.DataFrame(rows), {}, {}, pd.DataFrame(), 0.0, 0, "x")
    t, tol = A.pick_tickets(lot, threshold=0.8, tolerance=0.0)
    t = t.set_index("rule")["round"]
    assert (None if pd.isna(t["post"]) else t["post"]) == post
    assert t["sparsest"] == sparsest and t["paper"] == paper


def test_tickets_are_picked_on_validation_not_test():
    rows = [{"seed": 1, "round": r, "arm": "IMP global", "kept": 10 - r, "sparsity": r / 10, "val_acc": v,
             "test_acc": t} for r, (v, t) in enumerate([(0.9, 0.9), (0.85, 0.5), (0.5, 0.95)])]
    lot = L.Lottery(sh.Config(seeds=(1,)), pd.DataFrame(rows), {}, {}, pd.DataFrame(), 0.0, 0, "x")
    t = A.pick_tickets(lot, threshold=0.8)[0].set_index("rule")
    assert t.loc["post", "round"] == 1 and t.loc["sparsest", "round"] == 1


def test_ticket_runs_train_the_ticket_its_reinits_and_a_random_mask(lot, tiny, ck):
    exp = LotteryExperiment(SMALL, tiny)
    runs = TicketExperiment(exp, [(0, 2), (1, 3)]).result(progress=False).runs
    assert runs.groupby("arm").size().to_dict() == {"IMP global": 2, "re-init": 2 * SMALL.reinits, "random mask": 2}
    assert runs.history.map(len).eq(SMALL.control_epochs).all()  # which network each is: test_arms.py
    again = TicketExperiment(exp, [(1, 3), (0, 2)]).result(progress=False).runs  # same targets, stored
    assert again.test_acc.tolist() == runs.test_acc.tolist()


def test_ticket_targets_must_come_from_the_lottery(tiny):
    exp = LotteryExperiment(SMALL, tiny)
    with pytest.raises(ValueError, match="not in the lottery"):
        TicketExperiment(exp, [(0, 9)])
    with pytest.raises(ValueError, match=r"\(seed, round\) pairs"):
        TicketExperiment(exp, [(0, 1, 2)])


def test_a_lottery_is_reused_and_a_damaged_one_refused(lot, tiny, ck, capsys, monkeypatch):
    exp = LotteryExperiment(SMALL, tiny)
    monkeypatch.setattr(L, "train_many", lambda *a, **k: pytest.fail("trained again"))
    back = exp.result(progress=False)
    pd.testing.assert_frame_equal(back.rounds, lot.rounds)
    assert all(torch.equal(back.masks[k][n], lot.masks[k][n]) for k in lot.masks for n in lot.masks[k])
    path = exp.stored()
    for damage, reason in ((lambda r: r.assign(val_acc=r.val_acc.map(lambda v: f"{100 * v:.1f}%")), "fractions"),
                           (lambda r: r.assign(val_acc=100 * r.val_acc), "fractions"),
                           (lambda r: r.assign(kept=r.kept + 1), "keeps"),
                           (lambda r: r.iloc[:-3], "lacks rows"),
                           (lambda r: r[r.arm != "IMP global"], "IMP rounds")):
        bad = lot._replace(rounds=damage(lot.rounds))
        exp.write(bad, path)
        with pytest.raises(sh.StoredResultError, match=reason):
            exp.read(path)
    twisted = {k: {n: m.t().contiguous() if n == "2.weight" else m for n, m in v.items()} for k, v in lot.masks.items()}
    exp.write(lot._replace(masks=twisted), path)
    with pytest.raises(sh.StoredResultError, match="has shape"):
        exp.read(path)
    exp.write(lot, path)


def test_a_toy_arm_is_trained_tabled_and_plotted_with_no_other_edit(tiny, ck):
    def everything_kept(inputs):
        """θ₀ with nothing pruned, at every round: a control that should win everywhere."""
        return [(0, inputs.theta0, prune.dense_masks(inputs.theta0))]
    toy = arms.Arm("dense again", seed_tag=None, dense_at_round0=False, members=everything_kept)
    arms.register(toy)
    set_style("dense again", "dense again, from θ₀", colour=9, marker="*")  # presentation, optional
    try:
        cfg = SMALL.but(explorer_rates=())
        lot = LotteryExperiment(cfg, tiny).result(progress=False)
        rows = A.rows_of(lot, "dense again")
        assert len(rows) == len(cfg.seeds) * (cfg.rounds + 1) and (rows.kept == 6344).all()
        assert "dense again, from θ₀" in A.summary(lot).columns
        curves = A.per_seed(lot, "early_test_acc")
        fig = plots.remaining_plot(plots.arm_curves(curves, list(curves)), "accuracy", "title")
        assert "dense again, from θ₀ (mean of 2 seeds)" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        assert "dense again" in A.lottery_findings(lot, pd.DataFrame(columns=["seed", "round", "arm"]), tiny).gaps
    finally:
        del arms.ARMS["dense again"]
        del STYLES["dense again"]


def test_registering_an_arm_changes_the_lottery_key(tiny):
    before = LotteryExperiment(SMALL, tiny).key()
    arms.register(dataclasses.replace(arms.ARMS["random mask"], name="random mask 2"))
    try:
        assert LotteryExperiment(SMALL, tiny).key() != before
    finally:
        del arms.ARMS["random mask 2"]
    assert LotteryExperiment(SMALL, tiny).key() == before


def test_the_speed_score_counts_never_reaching_as_slower_and_two_nevers_as_a_tie():
    nan = float("nan")
    assert A.speed_score(nan, [nan, nan]) == 0
    assert A.speed_score(3, [nan, 5, 2]) == pytest.approx(1 / 3)  # later, later, earlier
    assert A.speed_score(nan, [4]) == -1 and A.speed_score(2, [2]) == 0
    assert math.isnan(A.speed_score(2, []))
