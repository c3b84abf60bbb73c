import pytest

import sparse_helpers as sh
from sparse_helpers import lottery, prune


@pytest.fixture(scope="module")
def theta0s():
    return [sh.snapshot(sh.make_mlp(seed=s)) for s in range(2)]


def test_imp_prunes_20_percent_per_round_and_stops_below_threshold(tiny, theta0s):
    res = sh.imp(theta0s, tiny, rate=0.2, threshold=0.4, epochs=3, max_rounds=30, progress=False)
    rounds = res.rounds
    for k, ticket in enumerate(res.tickets):
        mine = rounds[rounds.member == k]
        assert mine["kept"].tolist()[:3] == [6344, 5075, 4060]
        failed = mine[~mine.passed]
        # every round before the stop passed; the stop is the only failure; the ticket is just before it
        assert len(failed) == 1 and mine.passed.iloc[:-1].all()
        assert failed["round"].iloc[0] == mine["round"].max() == ticket.round + 1
        assert prune.kept(ticket.masks) == mine[mine["round"] == ticket.round]["kept"].item()
        assert ticket.history[-1] >= 0.4


def test_imp_rewinds_to_theta0(tiny, theta0s, monkeypatch):
    seen = []
    real_train_many = lottery.train_many
    def spy(states, *a, **kw):
        seen.append([s["0.weight"].clone() for s in states])
        return real_train_many(states, *a, **kw)
    monkeypatch.setattr(lottery, "train_many", spy)
    sh.imp(theta0s[:1], tiny, rate=0.5, threshold=0.0, epochs=1, max_rounds=2, progress=False)
    assert len(seen) == 3 and all((s[0] == theta0s[0]["0.weight"]).all() for s in seen)


@pytest.mark.parametrize("rate", [0, 1, -0.2, 1.2])
def test_prune_rate_outside_open_interval_is_refused(tiny, theta0s, rate):
    with pytest.raises(ValueError, match=r"\(0, 1\)"):
        sh.imp(theta0s, tiny, rate=rate, progress=False)


@pytest.mark.parametrize("threshold", [-0.1, 1.01, 80])
def test_threshold_outside_0_1_is_refused(tiny, theta0s, threshold):
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        sh.imp(theta0s, tiny, threshold=threshold, progress=False)


def test_controls_use_the_ticket_mask_reinit_and_random_mask(tiny, theta0s):
    masks = [prune.global_masks(t, 0.8) for t in theta0s]
    groups = sh.controls(theta0s, masks, tiny, epochs=1, progress=False)
    assert set(groups) == {"ticket", "random re-init", "random mask"}
    for k, m in enumerate(masks):
        for name in m:
            assert (groups["ticket"][k].state[name][m[name] == 0] == 0).all()
            assert (groups["random re-init"][k].state[name][m[name] == 0] == 0).all()
        rm = groups["random mask"][k].state
        assert prune.kept_per_layer(rm, {n: (rm[n] != 0).float() for n in m}) == prune.kept_per_layer(rm, m)


def test_round_summary_aggregates_members(tiny, theta0s):
    res = sh.imp(theta0s, tiny, rate=0.5, threshold=0.0, epochs=1, max_rounds=1, progress=False)
    summary = sh.round_summary(res.rounds)
    assert summary["members"].tolist() == [2, 2] and summary["kept"].tolist() == [6344, 3172]
