"""Which θ₀, mask, data order, split and seed tag every trained network used, arm by arm.

Each test runs its experiment itself on a very small synthetic problem (well under a second once
torch is warm), records every call of train_many, and checks each network against an independent
derivation: θ₀ from its own seed (or from seed_for(seed, round, draw, the arm's tag)), the mask
from the weights the design names, the data order of its seed, and its table row against its own
run. These are the fast tests that tools/mutation_run.py (make mutate) runs its mutants against,
so each test builds what it checks rather than sharing a module-wide result.
"""
import math
import re
import time

import numpy as np
import pandas as pd
import pytest
import torch

import sparse_helpers as sh
from sparse_helpers.computing import prune
from sparse_helpers.computing.model import seed_for, silent_units
from sparse_helpers.experiments import arms, baseline as B, codekey, lottery as L, odds as O, store, tickets as T
from sparse_helpers.experiments import widths as W
from sparse_helpers.experiments.baseline import BaselineExperiment
from sparse_helpers.experiments.lottery import LotteryExperiment
from sparse_helpers.experiments.odds import WAYS, OddsExperiment
from sparse_helpers.experiments.tickets import TicketExperiment
from sparse_helpers.experiments.widths import SIZE_WAYS, SizesExperiment, WidthExperiment

# Seed 3 as well as the story seed 0, so that a seed's position is never mistaken for the seed.
SMALL = sh.Config(seeds=(0, 3), epochs=1, rounds=2, reinits=2, batch_size=64, threshold=0.3,
                  explorer_rates=(0.5,), control_epochs=2)
# Another architecture, schedule and story seed, so that no default stands in for a setting.
OTHER = SMALL.but(hidden=(6, 3), schedule="layerwise", story_seed=3, explorer_rates=(0.6,), epochs=2)
ARM_ORDER = ["IMP global", "IMP layerwise", "re-init", "random mask", "one-shot"]


@pytest.fixture
def data():
    """A very small learnable problem with Fashion-MNIST's shapes (100 test images, so that
    accuracies are not exact in float32)."""
    return sh.synthetic_data(n_train=256, n_val=100, n_test=100)


@pytest.fixture
def ck(tmp_path, monkeypatch):
    """Results written to and read from a temporary folder only."""
    monkeypatch.setenv("SPARSE_CHECKPOINT_DIR", str(tmp_path))
    monkeypatch.delenv("SPARSE_RECOMPUTE", raising=False)
    monkeypatch.setattr(store, "RESULTS_DIR", tmp_path / "no-committed-results")
    return tmp_path


class Member:
    """One network handed to train_many: where it started, its mask, data seed, call and run."""
    def __init__(self, state, masks, seed, call, run):
        self.state, self.masks, self.seed, self.call, self.run = state, masks, seed, call, run


def spy(monkeypatch, module):
    """Record every call of module.train_many; a list of calls, each {cfg, kw, data, members}."""
    calls, real = [], module.train_many

    def recording(states, data, cfg, masks=None, data_seeds=0, **kw):
        runs = real(states, data, cfg, masks=masks, data_seeds=data_seeds, **kw)
        n = len(states)
        seeds = list(data_seeds) if isinstance(data_seeds, (list, tuple)) else [data_seeds] * n
        call = {"cfg": cfg, "kw": kw, "data": data}
        call["members"] = [Member(s, m, d, call, r) for s, m, d, r in
                           zip(states, masks if masks is not None else [None] * n, seeds, runs)]
        calls.append(call)
        return runs
    monkeypatch.setattr(module, "train_many", recording)
    return calls


def quiet(call, history=False):
    """Whether a call of train_many draws no progress bar of its own and keeps `history` as asked."""
    return call["kw"].get("progress") is False and call["kw"].get("history") is history


def timed(f, *args, **kwargs):
    """f's result and the seconds it took."""
    start = time.perf_counter()
    out = f(*args, **kwargs)
    return out, time.perf_counter() - start


# ---------------------------------------------------------------- independent derivations

def names(hidden=(8, 4)):
    """The weight matrices of the architecture, input layer first."""
    return [f"{2 * i}.weight" for i in range(len(hidden) + 1)]


def sizes(hidden=(8, 4)):
    """Their sizes."""
    widths = (784, *hidden, 10)
    return [a * b for a, b in zip(widths[:-1], widths[1:])]


def same_state(a, b):
    """Two state dicts with the same keys and bit-identical tensors."""
    return set(a) == set(b) and all(torch.equal(a[k], b[k]) for k in a)


def same_masks(a, b):
    """Two mask dicts that keep the same weights (whatever their dtype)."""
    return set(a) == set(b) and all(torch.equal(a[n] > 0, b[n] > 0) for n in a)


def counts(masks):
    """Weights kept per layer, input layer first."""
    return [int(masks[n].sum()) for n in sorted(masks, key=lambda n: int(n.split(".")[0]))]


def ones(hidden=(8, 4)):
    """Nothing pruned."""
    return {n: torch.ones(t.shape) for n, t in sh.theta0(0, hidden).items() if n in names(hidden)}


def quantile_cut(weights, masks, rate):
    """Masks keeping the alive weights with |w| >= the rate-quantile of the alive |w|."""
    alive = torch.cat([weights[n].abs()[masks[n] > 0].double() for n in weights])
    cut = torch.quantile(alive, rate).item() if len(alive) else 0.0
    return {n: ((masks[n] > 0) & (weights[n].abs() >= cut)).float() for n in weights}


def next_imp(state, masks, schedule, rate, output_rate):
    """IMP's next masks from trained weights: global, or each layer at its own rate."""
    layers = [n for n in masks]
    if schedule == "global":
        return quantile_cut({n: state[n] for n in layers}, masks, rate)
    out = {}
    for i, n in enumerate(layers):
        out.update(quantile_cut({n: state[n]}, {n: masks[n]}, output_rate if i == len(layers) - 1 else rate))
    return out


def random_keep(per_layer, seed, hidden=(8, 4)):
    """Masks keeping per_layer[i] random weights of layer i: one generator, layers in order."""
    g, out, shapes = torch.Generator().manual_seed(seed), {}, sh.theta0(0, hidden)
    for n, size, k in zip(names(hidden), sizes(hidden), per_layer):
        keep = torch.zeros(size)
        keep[torch.randperm(size, generator=g)[:k]] = 1
        out[n] = keep.view(shapes[n].shape)
    return out


def even_split(total, hidden=(8, 4)):
    """total weights shared by layer size, the largest remainders rounded up."""
    exact = [total * s / sum(sizes(hidden)) for s in sizes(hidden)]
    out = [math.floor(e) for e in exact]
    for i in sorted(range(len(out)), key=lambda i: -(exact[i] - out[i]))[: total - sum(out)]:
        out[i] += 1
    return out


def uniform_split(total, seed, hidden=(8, 4)):
    """The layers of total weights drawn uniformly without replacement from all of them."""
    s = sizes(hidden)
    layer = np.repeat(np.arange(len(s)), s)
    picked = layer[torch.randperm(sum(s), generator=torch.Generator().manual_seed(seed))[:total].numpy()]
    return [int((picked == i).sum()) for i in range(len(s))]


def largest_of(weights, masks, count=None, per_layer=None):
    """Whether masks keep exactly `count` weights (or per_layer counts) of largest |weights|."""
    layers = list(masks)
    groups = [layers] if per_layer is None else [[n] for n in layers]
    wanted = [count] if per_layer is None else per_layer
    for group, k in zip(groups, wanted):
        w = torch.cat([weights[n].abs().flatten() for n in group])
        keep = torch.cat([masks[n].flatten() for n in group]) > 0
        if int(keep.sum()) != k or (0 < k < len(w) and not w[keep].min() >= w[~keep].max()):
            return False
    return True


def find(members, state, masks, seed):
    """The one recorded member with this start, mask and data seed."""
    found = [m for m in members if m.seed == seed and same_state(m.state, state) and same_masks(m.masks, masks)]
    assert len(found) == 1, f"{len(found)} networks of seed {seed} start and are masked as expected"
    return found[0]


def row_matches(row, masks, run, hidden=(8, 4)):
    """A lottery row against its network's mask and run."""
    kept, total = sum(counts(masks)), sum(sizes(hidden))
    assert row["kept"] == kept and row["remaining"] == kept / total and row["sparsity"] == 1 - kept / total
    widths = (784, *hidden, 10)
    labels = [f"kept {a}x{b}" for a, b in zip(widths[:-1], widths[1:])]
    assert [row[c] for c in labels] == counts(masks)
    assert row["val_acc"] == run.val_acc and row["test_acc"] == run.test_acc
    assert row["early_step"] == run.early.step and row["early_val_loss"] == run.early.val_loss
    assert row["early_val_acc"] == run.early.val_acc and row["early_test_acc"] == run.early.test_acc
    assert row["dead units"] == sum(prune.dead_units(masks))


# ---------------------------------------------------------------- the lottery

def lottery_and_calls(cfg, data, monkeypatch):
    """The computed lottery, the calls of train_many it made (chain pass, then controls), the time."""
    calls = spy(monkeypatch, L)
    lot, seconds = timed(LotteryExperiment(cfg, data).compute, progress=False)
    return lot, calls, seconds


@pytest.mark.parametrize("cfg", [SMALL, OTHER], ids=["global", "layerwise-6-3"])
def test_every_imp_chain_trains_its_seeds_theta0_under_the_masks_its_own_weights_gave(cfg, data, monkeypatch):
    lot, calls, seconds = lottery_and_calls(cfg, data, monkeypatch)
    chains = calls[: cfg.rounds + 1]
    main = arms.main_arm(cfg)
    # round 0: the one dense network per seed; later: IMP under each schedule per seed, and the explorer
    order = [(main, s) for s in cfg.seeds]
    rate = cfg.explorer_rates[0]
    later = [(f"IMP {sch}", s) for s in cfg.seeds for sch in ("global", "layerwise")] + [("explorer", cfg.story_seed)]
    assert [len(c["members"]) for c in chains] == [len(order), len(later), len(later)]
    previous = {}
    for r, call in enumerate(chains):
        assert call["cfg"] == cfg and call["kw"].get("early_stop") is True and quiet(call, history=True)
        assert call["kw"].get("epochs") is None and call["data"] is data
        for (arm, s), m in zip(order if r == 0 else later, call["members"]):
            assert m.seed == s and same_state(m.state, sh.theta0(s, cfg.hidden))  # its θ₀ and data order
            if r == 0:
                assert same_masks(m.masks, ones(cfg.hidden))
                continue
            schedule, r_ = {"IMP global": ("global", 0.2), "IMP layerwise": ("layerwise", 0.2),
                            "explorer": (cfg.schedule, rate)}[arm]
            before = previous[(main, s)] if r == 1 else previous[(arm, s)]  # round 1: the dense one
            assert same_masks(m.masks, next_imp(before.run.state, before.masks, schedule, r_, cfg.output_rate)), (arm, s, r)
        previous = dict(zip(order if r == 0 else later, call["members"]))
        for s in cfg.seeds:  # what the lottery keeps: the main arm's masks and trained weights
            m = previous[(main, s)]
            assert same_masks(lot.masks[(s, r)], m.masks) and same_state(lot.states[(s, r)], m.run.state)
            rows = lot.rounds[(lot.rounds["round"] == r) & (lot.rounds.seed == s)].set_index("arm")
            row_matches(rows.loc[main], m.masks, m.run, cfg.hidden)
            assert rows.loc[main, "schedule"] == cfg.schedule and rows.loc[main, "draw"] == 0
            if r > 0:
                for sch in ("global", "layerwise"):
                    x = previous[(f"IMP {sch}", s)]
                    row_matches(rows.loc[f"IMP {sch}"], x.masks, x.run, cfg.hidden)
                    assert rows.loc[f"IMP {sch}", "schedule"] == sch
    assert set(lot.masks) == set(lot.states) == {(s, r) for s in cfg.seeds for r in range(cfg.rounds + 1)}
    members = sum(len(c["members"]) for c in calls)
    assert lot.model_epochs == members * cfg.epochs and lot.data == data.label and lot.config == cfg
    assert 0 < lot.seconds <= seconds


@pytest.mark.parametrize("cfg", [SMALL, OTHER], ids=["global", "layerwise-6-3"])
def test_the_explorer_follows_the_story_seed_at_its_own_rate(cfg, data, monkeypatch):
    lot, calls, _ = lottery_and_calls(cfg, data, monkeypatch)
    e, total = lot.explorer, sum(sizes(cfg.hidden))
    assert list(e.columns) == ["rate", "round", "kept", "sparsity", "val_acc"]
    assert e.rate.tolist() == [cfg.explorer_rates[0]] * 3 and e["round"].tolist() == [0, 1, 2]
    (dense,) = [m for m in calls[0]["members"] if m.seed == cfg.story_seed]
    assert e.val_acc.iloc[0] == dense.run.val_acc and e.kept.iloc[0] == total and e.sparsity.iloc[0] == 0
    assert e.val_acc.iloc[0] != [m for m in calls[0]["members"] if m.seed != cfg.story_seed][0].run.val_acc
    for r in (1, 2):
        m = calls[r]["members"][-1]  # the explorer rides last in each round's stack
        assert m.seed == cfg.story_seed and same_state(m.state, sh.theta0(cfg.story_seed, cfg.hidden))
        assert e.kept.iloc[r] == sum(counts(m.masks)) and e.val_acc.iloc[r] == m.run.val_acc
        assert e.sparsity.iloc[r] == 1 - sum(counts(m.masks)) / total
    if cfg is SMALL:
        assert e.kept.iloc[1] == 3172  # half of 6,344 by the percentile rule
    assert L.explorer_rounds(0.5, 18) == 7 and L.explorer_rounds(0.2, 18) == 18 and L.explorer_rounds(0.5, 3) == 3
    assert L.explorer_rounds(0.3, 18) == 13 and L.explorer_rounds(0.5, 18, floor=0.1) == 4
    # an explorer rate equal to the prune rate is the main chain itself: not trained twice
    two = LotteryExperiment(cfg.but(explorer_rates=(0.2, cfg.explorer_rates[0])), data).chains()
    assert [(c.arm, c.rate) for c in two if c.arm == "explorer"] == [("explorer", cfg.explorer_rates[0])]
    assert not any(c.arm == "explorer" for c in LotteryExperiment(cfg.but(story_seed=7), data).chains())


def test_the_explorer_table_is_sorted_by_rate_and_round():
    rows = [{"rate": r, "round": n, "kept": 10 - n, "sparsity": n / 10, "val_acc": 0.5, "extra": 1}
            for r, n in ((0.5, 1), (0.3, 2), (0.5, 0), (0.3, 0))]
    t = L.explorer_table(rows)
    assert t[["rate", "round"]].values.tolist() == [[0.3, 0], [0.3, 2], [0.5, 0], [0.5, 1]]
    assert list(t.columns) == ["rate", "round", "kept", "sparsity", "val_acc"] and t.index.tolist() == [0, 1, 2, 3]
    empty = L.explorer_table([])
    assert list(empty.columns) == ["rate", "round", "kept", "sparsity", "val_acc"] and len(empty) == 0


@pytest.mark.parametrize("cfg,stack", [(SMALL, 192), (OTHER, 3)], ids=["global", "layerwise-6-3-small-stacks"])
def test_every_control_starts_and_is_masked_as_its_arm_says(cfg, stack, data, monkeypatch):
    monkeypatch.setattr(L, "STACK", stack)
    lot, calls, _ = lottery_and_calls(cfg, data, monkeypatch)
    controls = calls[cfg.rounds + 1:]
    expected = len(cfg.seeds) * (cfg.reinits + cfg.rounds * (cfg.reinits + 2))  # round 0: the re-inits only
    assert len(controls) == math.ceil(expected / stack)  # every control of every round, in stacks
    members = [m for c in controls for m in c["members"]]
    for c in controls:
        assert c["kw"].get("early_stop") is True and quiet(c, history=True) and c["cfg"] == cfg and c["kw"].get("epochs") is None
        assert [m.seed for m in c["members"]] == sorted(m.seed for m in c["members"])  # a stack, by seed
    found = 0
    for s in cfg.seeds:
        dense = lot.states[(s, 0)]
        for r in range(cfg.rounds + 1):
            imp = lot.masks[(s, r)]
            rows = lot.rounds[(lot.rounds["round"] == r) & (lot.rounds.seed == s)]
            for j in range(cfg.reinits):  # the same mask, from θ₀ of seed_for(seed, round, draw, 1)
                m = find(members, sh.theta0(seed_for(s, r, j, 1), cfg.hidden), imp, s)
                row = rows[(rows.arm == "re-init") & (rows.draw == j)].iloc[0]
                row_matches(row, imp, m.run, cfg.hidden)
                assert row["schedule"] == cfg.schedule
                found += 1
            if r == 0:
                continue  # the random mask and one-shot are the dense network at round 0
            rand = random_keep(counts(imp), seed_for(s, r, 2), cfg.hidden)  # IMP's layer counts, tag 2
            row_matches(rows[rows.arm == "random mask"].iloc[0], rand, find(members, sh.theta0(s, cfg.hidden), rand, s).run,
                        cfg.hidden)
            assert rows[rows.arm.isin(["random mask", "one-shot"])].draw.tolist() == [0, 0]
            (shot,) = [x for x in members if x.seed == s and same_state(x.state, sh.theta0(s, cfg.hidden))
                       and sum(counts(x.masks)) == sum(counts(imp)) and not same_masks(x.masks, rand)]
            if cfg.schedule == "global":  # across layers
                assert largest_of(dense, shot.masks, count=sum(counts(imp)))
            else:  # within each layer, at IMP's counts
                assert largest_of(dense, shot.masks, per_layer=counts(imp))
                assert not largest_of(dense, shot.masks, count=sum(counts(imp)))
            assert not largest_of(sh.theta0(s, cfg.hidden), shot.masks, count=sum(counts(imp)))
            row_matches(rows[rows.arm == "one-shot"].iloc[0], shot.masks, shot.run, cfg.hidden)
            found += 2
    assert len(members) == found == expected


@pytest.mark.parametrize("cfg", [SMALL, OTHER], ids=["global", "layerwise-6-3"])
def test_round_zero_is_one_dense_network_that_every_arm_but_reinit_shares(cfg, data, monkeypatch):
    lot, calls, _ = lottery_and_calls(cfg, data, monkeypatch)
    t, main = lot.rounds, arms.main_arm(cfg)
    zero = t[t["round"] == 0]
    for s, dense in zip(cfg.seeds, calls[0]["members"]):
        rows = zero[zero.seed == s].set_index("arm")
        for arm in ("IMP global", "IMP layerwise", "random mask", "one-shot"):
            assert rows.loc[arm, "val_acc"] == dense.run.val_acc and rows.loc[arm, "kept"] == sum(sizes(cfg.hidden))
        assert rows.loc["IMP layerwise", "schedule"] == "layerwise" and rows.loc["IMP global", "schedule"] == "global"
        assert rows.loc["random mask", "schedule"] == rows.loc["one-shot", "schedule"] == cfg.schedule
        assert rows.loc[main, "early_step"] == dense.run.early.step
    # one row per network, in the order round, seed, arm (registry order, the main arm first), draw
    per = {"IMP global": 1, "IMP layerwise": 1, "re-init": cfg.reinits, "random mask": 1, "one-shot": 1}
    assert len(t) == len(cfg.seeds) * (cfg.rounds + 1) * sum(per.values())
    order = [a.name for a in arms.active_arms(cfg)]
    assert order[0] == main and sorted(order) == sorted(ARM_ORDER)
    key = list(zip(t["round"], t.seed, t.arm.map(order.index), t.draw))
    assert key == sorted(key) and t.index.tolist() == list(range(len(t)))
    widths = (784, *cfg.hidden, 10)
    assert list(t.columns) == ["seed", "round", "arm", "schedule", "draw", "kept", "remaining", "sparsity",
                               *[f"kept {a}x{b}" for a, b in zip(widths[:-1], widths[1:])], "dead units",
                               "val_acc", "test_acc", "early_step", "early_val_loss", "early_val_acc", "early_test_acc",
                               "val_history"]
    assert t.groupby(["round", "seed", "arm"]).size().unstack("arm").eq(pd.Series(per)).all().all()


def test_an_arm_can_read_every_schedules_masks_at_every_round(data, monkeypatch):
    def other_schedule(inputs):
        """θ₀ under the masks of the schedule the config does not prune by."""
        other = "layerwise" if inputs.cfg.schedule == "global" else "global"
        return [(0, inputs.theta0, inputs.masks[other])]
    arms.register(arms.Arm("other schedule", seed_tag=None, dense_at_round0=False, members=other_schedule))
    try:
        lot, calls, _ = lottery_and_calls(SMALL, data, monkeypatch)
        members = [m for c in calls[SMALL.rounds + 1:] for m in c["members"]]
        chains = {(r, m.seed, i): m for r, c in enumerate(calls[: SMALL.rounds + 1]) for i, m in enumerate(c["members"])}
        for s in SMALL.seeds:
            find(members, sh.theta0(s), ones(), s)  # round 0: the dense network's masks, for either schedule
            for r in (1, 2):
                layerwise = [m for (r_, seed, i), m in chains.items() if r_ == r and seed == s][1]
                find(members, sh.theta0(s), layerwise.masks, s)
    finally:
        del arms.ARMS["other schedule"]


def test_run_is_the_lottery_stored_or_computed(data, ck, monkeypatch):
    calls = spy(monkeypatch, L)
    first = L.run(SMALL, data, progress=False)
    n = len(calls)
    assert n == SMALL.rounds + 2 and all(c["kw"].get("progress") is False for c in calls) and first.data == data.label
    again = L.run(SMALL, data, progress=False)
    assert len(calls) == n and again.rounds.val_acc.tolist() == first.rounds.val_acc.tolist()  # stored
    L.run(SMALL, data, reuse=False, progress=False)
    assert len(calls) == 2 * n  # asked to train again


def test_one_imp_round_trains_theta0_under_the_mask_and_prunes_the_trained_weights(data, capsys):
    cfg = SMALL.but(schedule="layerwise")
    masks = next_imp(sh.theta0(5), ones(), "global", 0.5, 0.1)
    run, nxt = L.imp_round(sh.theta0(5), masks, data, cfg, 5)
    (again,) = sh.train_many([sh.theta0(5)], data, cfg, masks=[masks], data_seeds=5, history=False, progress=False)
    assert run.val_acc == again.val_acc and same_state(run.state, again.state)  # seed 5's data order
    assert run.history == [] and run.early is None
    assert capsys.readouterr().err == ""  # no progress bar of its own
    assert all((run.state[n][masks[n] == 0] == 0).all() for n in masks)  # trained under the mask
    assert same_masks(nxt, next_imp(run.state, masks, "layerwise", cfg.prune_rate, cfg.output_rate))


def test_the_lottery_key_names_every_arm_its_tag_and_whether_round_zero_is_shared(data):
    settings = LotteryExperiment(OTHER, data).settings()
    assert settings == {
        "seeds": [0, 3], **OTHER.training(), "prune_rate": 0.2, "output_rate": 0.1, "schedule": "layerwise",
        "rounds": 2, "reinits": 2, "checks_per_epoch": 5, "story_seed": 3, "explorer_rates": (0.6,),
        "arms": [("IMP layerwise", None, False), ("IMP global", None, False), ("re-init", 1, False),
                 ("random mask", 2, True), ("one-shot", None, True)]}
    assert [a.name for a in arms.active_arms(SMALL)] == ARM_ORDER


def test_a_dense_copy_is_only_round_zero_of_an_arm_that_is_the_dense_network_there():
    cfg, a = SMALL, arms.ARMS
    assert [arms.is_dense_copy(a[n], cfg, 0) for n in ARM_ORDER] == [False, True, False, True, True]
    assert not any(arms.is_dense_copy(a[n], cfg, 1) for n in ARM_ORDER)
    lw = cfg.but(schedule="layerwise")
    assert [arms.is_dense_copy(a[n], lw, 0) for n in ARM_ORDER] == [True, False, False, True, True]


def test_an_arm_builds_members_of_its_own_name_and_schedule():
    inputs = arms.RoundInputs(SMALL, 3, 1, sh.theta0(3), {"global": ones(), "layerwise": ones()}, sh.theta0(3))
    (m,) = arms.ARMS["IMP layerwise"].built(inputs)
    assert (m.seed, m.arm, m.schedule, m.draw) == (3, "IMP layerwise", "layerwise", 0)
    reinit = arms.ARMS["re-init"].built(inputs)
    assert [(x.seed, x.arm, x.schedule, x.draw) for x in reinit] == [(3, "re-init", "global", j) for j in range(2)]
    assert [x.arm for x in arms.ARMS["one-shot"].built(inputs._replace(cfg=SMALL.but(schedule="layerwise")))] == ["one-shot"]
    assert arms.ARMS["one-shot"].built(inputs._replace(cfg=SMALL.but(schedule="layerwise")))[0].schedule == "layerwise"
    with pytest.raises(ValueError, match="register takes an Arm; got str"):
        arms.register("re-init")
    again = arms.register(arms.ARMS["re-init"])
    assert again is arms.ARMS["re-init"] and list(arms.ARMS) == ARM_ORDER  # replaced in place


# ---------------------------------------------------------------- the experiments that read the lottery

@pytest.mark.parametrize("cfg", [SMALL, OTHER], ids=["global", "layerwise-6-3"])
def test_the_ticket_runs_rebuild_the_lotterys_networks_and_train_them_longer(cfg, data, ck, monkeypatch):
    exp = LotteryExperiment(cfg, data)
    lot = exp.result(progress=False)
    calls = spy(monkeypatch, T)
    result, seconds = timed(TicketExperiment(exp, {3: [2], 0: [1]}).compute, progress=False)
    runs = result.runs
    (call,) = calls
    assert call["kw"].get("epochs") == cfg.control_epochs and call["data"] is data and call["cfg"] == cfg
    assert call["kw"].get("progress") is False
    members, want = call["members"], 0
    for s, r in [(0, 1), (3, 2)]:  # sorted targets
        masks = lot.masks[(s, r)]
        nets = [(arms.main_arm(cfg), 0, sh.theta0(s, cfg.hidden), masks)]
        nets += [("re-init", j, sh.theta0(seed_for(s, r, j, 1), cfg.hidden), masks) for j in range(cfg.reinits)]
        nets += [("random mask", 0, sh.theta0(s, cfg.hidden), random_keep(counts(masks), seed_for(s, r, 2), cfg.hidden))]
        for arm, draw, state, m in nets:
            member = find(members, state, m, s)
            row = runs[(runs.seed == s) & (runs["round"] == r) & (runs.arm == arm) & (runs.draw == draw)]
            assert len(row) == 1 and row.kept.item() == sum(counts(m))
            assert row.test_acc.item() == member.run.test_acc and row.val_acc.item() == member.run.val_acc
            assert row.history.item() == member.run.history and len(member.run.history) == cfg.control_epochs
            assert row.val_history.item() == member.run.val_history
            assert row.val_loss_history.item() == member.run.val_loss_history
        want += len(nets)
    assert len(members) == want == len(runs) and list(runs.columns) == list(T.COLUMNS)
    assert result.config == cfg and result.data == data.label and 0 < result.seconds <= seconds
    assert [a.name for a in T.long_arms(cfg)] == [arms.main_arm(cfg), "re-init", "random mask"]
    t = TicketExperiment(exp, [(3, 0)])
    assert t.settings() == {"lottery": exp.digest(), "targets": [[3, 0]], "control_epochs": 2,
                            "arms": [(arms.main_arm(cfg), None), ("re-init", 1), ("random mask", 2)]}
    assert t.lottery is exp and t.cfg == cfg and t.data is data


def test_a_long_run_arm_gets_the_round_and_the_dense_network_the_lottery_gave_it(data, ck, monkeypatch):
    def from_dense(inputs):
        """The dense trained network under the round's masks: reads every input of the round."""
        return [(inputs.round, inputs.dense, inputs.masks[inputs.cfg.schedule])]
    arms.register(arms.Arm("from dense", seed_tag=3, dense_at_round0=True, members=from_dense, long_run=True))
    try:
        exp = LotteryExperiment(SMALL, data)
        lot = exp.result(progress=False)
        calls = spy(monkeypatch, T)
        runs = TicketExperiment(exp, [(3, 2)]).compute(progress=False).runs
        (m,) = [m for m in calls[0]["members"] if same_state(m.state, lot.states[(3, 0)])]
        assert same_masks(m.masks, lot.masks[(3, 2)]) and m.seed == 3
        assert runs[runs.arm == "from dense"].draw.tolist() == [2]  # its draw: the round it was given
    finally:
        del arms.ARMS["from dense"]


def test_no_targets_train_nothing(data, ck, monkeypatch):
    exp = LotteryExperiment(SMALL, data)
    exp.result(progress=False)
    monkeypatch.setattr(T, "train_many", lambda *a, **k: pytest.fail("trained"))
    empty = TicketExperiment(exp, []).compute(progress=False)
    assert empty.config == SMALL and empty.seconds == 0.0 and empty.data == data.label
    assert list(empty.runs.columns) == list(T.COLUMNS) and len(empty.runs) == 0


def test_ticket_targets_are_sorted_distinct_and_from_the_lottery():
    cfg = SMALL
    assert T.check_targets({0: [2, 1], 3: [0]}, cfg) == [(0, 1), (0, 2), (3, 0)]
    assert T.check_targets([(3, 2), (0, 1), (3, 2)], cfg) == [(0, 1), (3, 2)]
    assert T.check_targets([(np.int64(3), 2)], cfg) == [(3, 2)] and T.check_targets([(0, 2)], cfg) == [(0, 2)]
    for bad, why in (([(0, 3)], "targets [(0, 3)] are not in the lottery: its seeds are [0, 3] and its rounds 0-2"),
                     ([(1, 0)], "targets [(1, 0)] are not in the lottery"),
                     ([(0, -1)], "a target's round must be a whole number >= 0; got -1"),
                     ([(0.5, 1)], "a target's seed must be a whole number; got 0.5"),
                     ([(0, 1, 2)], r"targets must be \(seed, round\) pairs, e.g. \[\(0, 11\), \(1, 11\)\], or \{seed: \[rounds\]\}")):
        with pytest.raises(ValueError, match=re.escape(why) if "\\" not in why else why):
            T.check_targets(bad, cfg)


@pytest.mark.parametrize("cfg,stack", [(SMALL, 192), (OTHER, 4)], ids=["global", "layerwise-6-3-small-stacks"])
def test_the_random_draws_at_imps_sparsities_keep_their_seed_and_their_way(cfg, stack, data, ck, monkeypatch):
    exp = LotteryExperiment(cfg, data)
    lot = exp.result(progress=False)
    calls = spy(monkeypatch, O)
    monkeypatch.setattr(O, "STACK", stack)
    odds, seconds = timed(OddsExperiment(exp, [2, 1], 3, seeds=[3, 0]).compute, progress=False)
    members = [m for c in calls for m in c["members"]]
    assert len(members) == 2 * 3 * 3 and len(calls) == math.ceil(len(members) / stack)
    assert all(quiet(c) and c["cfg"] == cfg and c["kw"].get("epochs") is None for c in calls)
    t, total = odds.table, sum(sizes(cfg.hidden))
    assert list(t.columns) == list(O.COLUMNS) and len(t) == len(members) and t.index.tolist() == list(range(len(t)))
    plan = [(r, w, i) for r in (2, 1) for w in range(3) for i in range(3)]
    for (r, w, i), (_, row), m in zip(plan, t.iterrows(), members):
        s = [3, 0][i % 2]
        imp = lot.masks[(s, r)]
        n = sum(counts(imp))
        per_layer = [counts(imp), even_split(n, cfg.hidden), uniform_split(n, seed_for(s, r, w, i, 5), cfg.hidden)][w]
        assert m.seed == s and same_state(m.state, sh.theta0(s, cfg.hidden))
        assert same_masks(m.masks, random_keep(per_layer, seed_for(s, r, w, i, 6), cfg.hidden)), (r, w, i)
        assert (row["round"], row.way, row.seed, row.draw) == (r, WAYS[w], s, i)
        assert row.kept == sum(per_layer) and row.remaining == sum(per_layer) / total
        assert row.val_acc == m.run.val_acc and row.test_acc == m.run.test_acc
        assert row["dead units"] == sum(prune.dead_units(m.masks))
        assert row["silent units"] == sum(silent_units(m.run.state, data.val_x))
    assert odds.speed == len(members) * cfg.epochs / odds.seconds and 0 < odds.seconds <= seconds
    assert odds.config == cfg and odds.data == data.label
    assert O.layer_counts(ones()) == sizes()
    assert OddsExperiment(exp, [1], 2).seeds == [0, 3]
    assert OddsExperiment(exp, (2, 0), 5, (3,)).settings() == {"lottery": exp.digest(), "levels": [2, 0],
                                                               "per_level": 5, "odds_seeds": [3]}


def test_the_width_runs_train_each_width_from_the_width_seeds(data, ck, monkeypatch):
    calls = spy(monkeypatch, W)
    cfg = OTHER  # series width 6
    runs, seconds = timed(WidthExperiment(cfg, data, [2, 1], 2).compute, progress=False)
    seeds = W.width_seeds(cfg.seeds, 2)
    assert seeds == [1000, 1001] and len(calls) == 3
    for call, width in zip(calls, (1, 2, 6)):
        hidden = W.hidden_for(width, cfg.hidden)
        assert call["cfg"] == cfg.but(hidden=hidden) and quiet(call) and call["kw"].get("epochs") is None
        rows = runs.table[runs.table.width == width]
        assert len(rows) == 2
        for m, (_, row) in zip(call["members"], rows.iterrows()):
            assert same_state(m.state, sh.theta0(m.seed, hidden)) and m.masks is None
            assert row.seed == m.seed and row.hidden == "-".join(map(str, hidden))
            assert row.weights == W.dense_count(hidden) and row.val_acc == m.run.val_acc
            assert row.test_acc == m.run.test_acc
            assert row["silent units"] == sum(silent_units(m.run.state, data.val_x))
        assert [m.seed for m in call["members"]] == seeds
    assert list(runs.table.columns) == list(W.RUN_COLUMNS)
    assert runs.timing.width.tolist() == [1, 2, 6] and runs.timing.networks.tolist() == [2, 2, 2]
    assert 0 < runs.timing.seconds.sum() <= runs.seconds <= seconds
    assert runs.config == cfg and runs.data == data.label
    exp = WidthExperiment(cfg, data, [2, 1], 2)
    assert exp.settings() == {"widths": [1, 2, 6], "width_seeds": [1000, 1001], **cfg.training()}
    assert WidthExperiment(cfg, data).widths == [1, 2, 4, 6, 8] and len(WidthExperiment(cfg, data).seeds) == 64


def fake_lottery(cfg, data, kept):
    """A LotteryExperiment's stand-in whose rounds keep kept[r] (or kept[seed][r]) weights of each
    seed's largest |w|."""
    masks, states = {}, {}
    for s in cfg.seeds:
        trained = {k: v * (1 + torch.rand_like(v)) for k, v in sh.theta0(s + 50, cfg.hidden).items()}
        for r, k in enumerate(kept[s] if isinstance(kept, dict) else kept):
            masks[(s, r)] = prune.global_top_masks(trained, k)
            states[(s, r)] = prune.apply_masks(trained, masks[(s, r)])
    lot = L.Lottery(cfg, pd.DataFrame(), masks, states, pd.DataFrame(), 0.0, 0, data.label)

    class Fake:
        """result() -> the lottery; digest() -> 'fake'."""
        def __init__(self):
            self.cfg, self.data = cfg, data

        def result(self, **kwargs):
            """The lottery."""
            return lot

        def digest(self):
            """A stand-in digest."""
            return "fake"
    return Fake(), lot


def test_the_sizes_are_the_narrower_widths_every_seeds_imp_reaches(data, monkeypatch):
    cfg = SMALL
    fake, lot = fake_lottery(cfg, data, (6344, 3000, 795))  # the last round keeps exactly width 1's count
    sizes_ = SizesExperiment(fake, [8, 1, 2, 16], draws=1)
    assert sizes_.widths == [1, 2] and sizes_.targets(lot) == [(1, 795), (2, 1580)]
    assert W.round_above(lot, 0, 795) == 2 and W.round_above(lot, 3, 796) == 1 and W.round_above(lot, 0, 6344) == 0
    fake, lot = fake_lottery(cfg, data, (6344, 3000, 1000))  # no seed gets down to 795
    assert sizes_.targets(lot) == [(2, 1580)]
    fake, lot = fake_lottery(cfg, data, {0: (6344, 3000, 795), 3: (6344, 700, 500)})
    assert [W.round_above(lot, s, 795) for s in (0, 3)] == [2, 0]  # each seed's own rounds
    fake, lot = fake_lottery(cfg, data, (6344, 5000, 4000))  # no narrower width is reached
    monkeypatch.setattr(W, "train_many", lambda *a, **k: pytest.fail("trained"))
    empty = SizesExperiment(fake, [1, 2]).compute(progress=False)
    assert list(empty.table.columns) == list(W.SIZE_COLUMNS) and len(empty.table) == 0
    assert list(empty.targets.columns) == ["width", "weights"] and len(empty.targets) == 0
    assert sizes_.settings() == {"lottery": "fake", "widths": [1, 2], "draws": 1}
    assert SizesExperiment(fake, [1]).draws == 2 and SizesExperiment(fake, [1]).data is data
    with pytest.raises(ValueError, match=re.escape("draws must be a whole number >= 1, e.g. draws=2; got 0")):
        SizesExperiment(fake, [1], draws=0)


@pytest.mark.parametrize("cfg,stack", [(SMALL, 192), (OTHER, 5)], ids=["8-4", "6-3-small-stacks"])
def test_the_sizes_experiment_prunes_imp_one_step_further_and_draws_random_masks_of_that_size(cfg, stack, data, ck, monkeypatch):
    cfg = cfg.but(prune_rate=0.8, explorer_rates=())  # about 6,344 -> 1,269 -> 254 weights (8-4)
    exp = LotteryExperiment(cfg, data)
    lot = exp.result(progress=False)
    monkeypatch.setenv("SPARSE_RECOMPUTE", "1")  # the sizes read the stored lottery even so
    monkeypatch.setattr(L, "train_many", lambda *a, **k: pytest.fail("the lottery was trained again"))
    calls = spy(monkeypatch, W)
    monkeypatch.setattr(W, "STACK", stack)
    sizes_ = SizesExperiment(exp, [2, 1], draws=2)
    targets = [(w, W.dense_count(W.hidden_for(w, cfg.hidden))) for w in (1, 2)]
    assert sizes_.widths == [1, 2] and sizes_.targets(lot) == targets
    result, seconds = timed(sizes_.compute, progress=False)
    members = [m for c in calls for m in c["members"]]
    assert all(quiet(c) and c["cfg"] == cfg and c["kw"].get("epochs") is None for c in calls)
    t = result.table
    assert len(t) == len(members) == 2 * len(cfg.seeds) * 5 and len(calls) == math.ceil(len(members) / stack)
    assert list(t.columns) == list(W.SIZE_COLUMNS)
    i = 0
    for w, n in targets:
        for s in cfg.seeds:
            r = max(r for r in range(cfg.rounds + 1) if sum(counts(lot.masks[(s, r)])) >= n)
            assert W.round_above(lot, s, n) == r
            alive, trained = lot.masks[(s, r)], lot.states[(s, r)]
            ways = [(SIZE_WAYS[0], 0)] + [(way, d) for d in range(2) for way in SIZE_WAYS[1:]]
            for way, d in ways:
                m, row = members[i], t.iloc[i]
                assert m.seed == s and same_state(m.state, sh.theta0(s, cfg.hidden)), (w, s, way)
                assert [row[c] for c in ("width", "weights", "seed", "round", "way", "draw")] == [w, n, s, r, way, d]
                if way == SIZE_WAYS[0]:
                    imp = m.masks
                    assert sum(counts(imp)) == n and all(((imp[x] > 0) <= (alive[x] > 0)).all() for x in imp)
                    mag = torch.cat([trained[x].abs().flatten() for x in imp])
                    keep = torch.cat([imp[x].flatten() for x in imp]) > 0
                    live = torch.cat([alive[x].flatten() for x in imp]) > 0
                    assert mag[keep].min() >= mag[live & ~keep].max()  # the largest trained |w| IMP still kept
                elif way == SIZE_WAYS[1]:
                    assert same_masks(m.masks, random_keep(counts(imp), seed_for(s, n, d, 7), cfg.hidden))
                else:
                    spread = uniform_split(n, seed_for(s, n, d, 8), cfg.hidden)
                    assert same_masks(m.masks, random_keep(spread, seed_for(s, n, d, 9), cfg.hidden))
                assert row.kept == n and row["layer counts"] == counts(m.masks)
                assert row.val_acc == m.run.val_acc and row.test_acc == m.run.test_acc
                assert row["dead units"] == sum(prune.dead_units(m.masks))
                assert row["silent units"] == sum(silent_units(m.run.state, data.val_x))
                i += 1
    assert result.targets.values.tolist() == [list(x) for x in targets] and list(result.targets.columns) == ["width", "weights"]
    assert result.config == cfg and result.data == data.label and 0 < result.seconds <= seconds


def test_the_exact_size_step_counts_only_surviving_weights():
    state = {k: v * 2 for k, v in sh.theta0(4).items()}
    masks = prune.global_top_masks(state, 1000)
    state["0.weight"][masks["0.weight"] > 0] = 0.0  # surviving weights that trained to exactly 0
    exact = W.exact_size_masks(state, masks, 1000)
    assert same_masks(exact, masks)  # all of them kept, before any pruned weight
    assert prune.kept(W.exact_size_masks(state, masks, 0)) == 0
    for bad in (1001, -1):
        with pytest.raises(ValueError, match=re.escape(f"count must be a whole number >= 0 and <= 1000, e.g. count=795; got {bad}")):
            W.exact_size_masks(state, masks, bad)


# ---------------------------------------------------------------- pruning

def test_uniform_counts_are_seeded_and_name_every_layer():
    state = sh.theta0(0)
    assert prune.uniform_counts(state, 300) == prune.uniform_counts(state, 300, 0) != prune.uniform_counts(state, 300, 1)
    assert prune.uniform_counts(state, 0) == [0, 0, 0] and prune.uniform_counts(state, 6344) == sizes()
    assert prune.uniform_counts(state, 300, 4) == uniform_split(300, 4)


def dead_by_search(masks):
    """Per hidden layer, the units on no input-to-output path, by following every path."""
    mats = [masks[n].numpy() > 0 for n in sorted(masks, key=lambda n: int(n.split(".")[0]))]
    reach = [np.ones(mats[0].shape[1], bool)]  # from the inputs, forwards
    for m in mats:
        reach.append(np.array([any(m[j, i] and reach[-1][i] for i in range(m.shape[1])) for j in range(m.shape[0])]))
    back = [np.ones(mats[-1].shape[0], bool)]  # to the outputs, backwards
    for m in reversed(mats):
        back.insert(0, np.array([any(m[j, i] and back[0][j] for j in range(m.shape[0])) for i in range(m.shape[1])]))
    return [int((~(a & b)).sum()) for a, b in zip(reach[1:-1], back[1:-1])]


def test_dead_units_are_those_on_no_path_from_an_input_to_an_output():
    masks = ones((8, 4, 3))
    masks["0.weight"][0] = 0        # unit 0 of layer 1 gets no input
    masks["2.weight"][:, 1] = 0     # unit 1 of layer 1 feeds nothing
    masks["2.weight"][:, 5] = 0
    masks["2.weight"][3, 5] = 1     # unit 5 of layer 1 feeds only unit 3 of layer 2 ...
    masks["4.weight"][:, 3] = 0     # ... which feeds nothing
    masks["2.weight"][2] = 0
    masks["2.weight"][2, 0] = 1     # unit 2 of layer 2 hears only the dead unit 0
    assert prune.dead_units(masks) == dead_by_search(masks) == [3, 2, 0]
    sparse = prune.global_top_masks(sh.theta0(1, (8, 4, 3)), 60)
    assert prune.dead_units(sparse) == dead_by_search(sparse) and sum(prune.dead_units(sparse)) > 0
    assert prune.dead_units(ones()) == [0, 0]
    for bad in ({}, {"0.weight": torch.ones(8, 784), "2.weight": torch.ones(4, 7)}):
        with pytest.raises(ValueError, match="dead_units needs the masks of every weight matrix of one MLP"):
            prune.dead_units(bad)


@pytest.mark.parametrize("schedule", ["global", "layerwise"])
def test_an_imp_step_prunes_a_share_of_the_survivors_only_even_of_weights_not_yet_zero(schedule):
    state, cfg = sh.theta0(6), SMALL.but(schedule=schedule)
    masks = prune.global_top_masks(state, 3000)  # θ₀ is not zero where these masks prune
    nxt = prune.next_masks(state, masks, cfg)
    assert all(((nxt[n] > 0) <= (masks[n] > 0)).all() for n in masks)
    assert same_masks(nxt, next_imp(state, masks, schedule, 0.2, 0.1))
    assert prune.kept(nxt) < 3000 and (schedule == "layerwise" or prune.kept(nxt) == 2400)


def test_layerwise_pruning_at_zero_keeps_everything_and_an_empty_layer_stays_empty():
    state = sh.theta0(2)
    assert prune.kept(prune.layerwise_masks(state, 0.0)) == 6344 and prune.kept(prune.global_masks(state, 0.0)) == 6344
    masks = ones()
    masks["2.weight"][:] = 0  # a layer pruned away
    out = prune.layerwise_masks(state, [0.2, 0.5, 0.1], masks)
    want = {}
    for n, rate in zip(names(), (0.2, 0.5, 0.1)):
        want.update(quantile_cut({n: state[n]}, {n: masks[n]}, rate))
    assert same_masks(out, want) and counts(out) == [5017, 0, 36]
    assert counts(prune.global_masks(state, 0.5, masks)) == counts(quantile_cut({n: state[n] for n in masks}, masks, 0.5))


def test_the_largest_keep_ties_in_index_order_and_draws_have_a_default_seed():
    assert prune.largest(torch.zeros(20_000), 7000).tolist() == [1.0] * 7000 + [0.0] * 13_000
    ties = torch.tensor([1.0, 3.0, 3.0, 3.0, 2.0] * 4000)
    keep = prune.largest(ties, 5000)
    assert torch.equal(keep.nonzero().flatten(), (ties == 3).nonzero().flatten()[:5000])
    state = sh.theta0(0)
    assert same_masks(prune.random_masks(state, [10, 5, 5]), prune.random_masks(state, [10, 5, 5], 0))
    rand = prune.random_masks(state, [10, 5, 5], 1)
    assert same_masks(prune.random_masks_like(rand), prune.random_masks_like(rand, 0))
    assert not same_masks(prune.random_masks_like(rand), prune.random_masks_like(rand, 1))


def test_a_mask_that_is_not_zeros_and_ones_is_refused_by_its_layers_name():
    masks = ones()
    masks["0.weight"][0, 0] = 0.5
    for call in (lambda: prune.kept(masks), lambda: prune.random_masks_like(masks),
                 lambda: prune.input_pixel_map(masks, sh.theta0(0)), lambda: prune.dead_units(masks)):
        with pytest.raises(ValueError, match=re.escape("mask for 0.weight must hold only 0 (pruned) and 1 (kept)")):
            call()


def test_sparsity_is_the_share_of_weights_removed():
    masks = prune.global_top_masks(sh.theta0(0), 1586)
    assert prune.sparsity_of(masks) == 1 - 1586 / 6344 == 0.75
    assert prune.sparsity_of(ones()) == 0
    with pytest.raises(ValueError, match="at least one weight matrix"):
        prune.sparsity_of({})


# ---------------------------------------------------------------- the baseline, and which data

def test_the_baseline_trains_each_seeds_theta0_with_its_own_data_order(data, monkeypatch):
    calls = spy(monkeypatch, B)
    cfg = OTHER.but(seeds=(4, 1))
    base, seconds = timed(BaselineExperiment(cfg, data).compute, progress=False)
    (call,) = calls
    assert [m.seed for m in call["members"]] == [4, 1] and call["kw"].get("history") is True
    assert call["kw"].get("early_stop") is True and call["cfg"] == cfg and call["kw"].get("progress") is False
    for m, s, start, run in zip(call["members"], (4, 1), base.theta0, base.runs):
        assert same_state(m.state, sh.theta0(s, cfg.hidden)) and same_state(start, sh.theta0(s, cfg.hidden))
        assert run is m.run and m.masks is None
    assert base.data == data.label and 0 < base.seconds <= seconds and base.config == cfg
    calls.clear()
    BaselineExperiment(cfg.but(val_size=0), data).compute(progress=False)
    BaselineExperiment(cfg.but(val_size=1), data).compute(progress=False)
    assert [c["kw"].get("early_stop") for c in calls] == [False, True]
    assert BaselineExperiment(cfg, data).settings() == {"seeds": [4, 1], **cfg.training(), "checks_per_epoch": 5}


def test_the_trained_baseline_is_reused_unless_asked_and_written_where_asked(data, ck, monkeypatch):
    cfg = SMALL.but(seeds=(2,))
    calls = spy(monkeypatch, B)
    first = B.trained_baseline(cfg, data, progress=False)
    assert len(calls) == 1 and calls[0]["kw"].get("progress") is False
    again = B.trained_baseline(cfg, data, progress=False)
    assert len(calls) == 1 and again.runs[0].test_acc == first.runs[0].test_acc  # reused
    B.trained_baseline(cfg, data, reuse=False, progress=False)
    assert len(calls) == 2  # asked to train again
    path = ck / "elsewhere" / "base.safetensors"
    B.trained_baseline(cfg, data, progress=False, path=path)
    assert path.is_file() and len(calls) == 3


def test_an_experiment_without_data_loads_the_split_its_config_names(data, monkeypatch):
    asked = []
    monkeypatch.setattr(store, "load_fashion_mnist", lambda **kw: asked.append(kw) or data)
    exp = LotteryExperiment(SMALL.but(val_size=1234, split_seed=7))
    assert asked == [{"val_size": 1234, "split_seed": 7}] and exp.data is data and exp.cfg.val_size == 1234
    assert exp.key()["data"] == data.label and exp.key()["split_seed"] == 7 and exp.key()["kind"] == "lottery"
    assert BaselineExperiment(SMALL, data).data is data and len(asked) == 1
    with pytest.raises(ValueError, match="data must be a Dataset .*; got str"):
        BaselineExperiment(SMALL, "fashion-mnist")


def test_a_result_says_what_it_computed_and_writes_where_it_was_asked(data, ck, capsys, monkeypatch):
    log = ck / "used.log"
    monkeypatch.setenv("SPARSE_RESULTS_LOG", str(log))
    exp = BaselineExperiment(SMALL.but(seeds=(5,)), data)
    _, seconds = timed(exp.result, progress=False)
    line = capsys.readouterr().out.strip().splitlines()[-1]
    said = re.fullmatch(rf"baseline: computed in (\d+) s \({ck.name}/{exp.filename()}\)", line)
    assert said and int(said.group(1)) <= seconds + 1, line
    assert log.read_text().splitlines() == [f"computed {(ck / exp.filename()).resolve()}"]
    with pytest.raises(ValueError, match=re.escape("got ''")):
        exp.result(path="", progress=False)
    unreadable = ck / "mine.safetensors"  # a damaged result, or another program's file: never overwritten
    unreadable.write_text("not a result")
    with pytest.raises(ValueError, match="exists and is not a result file"):
        exp.result(path=unreadable, progress=False)
    assert unreadable.read_text() == "not a result"
    other = ck / "notes.txt"
    other.write_text("my notes")
    with pytest.raises(ValueError, match="exists and is not a result file"):
        exp.result(path=other, progress=False)
    assert other.read_text() == "my notes"


def test_the_key_is_the_kind_the_settings_the_data_and_the_code(data):
    exp = BaselineExperiment(SMALL, data)
    key = exp.key()
    code = codekey.combined(exp.code_hashes())
    assert key == {"kind": "baseline", **exp.settings(), "data": data.label, "code": code}
    assert re.fullmatch(r"[0-9a-f]{12}", code) and re.fullmatch(r"baseline-[0-9a-f]{10}\.safetensors", exp.filename())
    assert exp.digest() == store.hashlib.sha256(store.json.dumps(key, sort_keys=True).encode()).hexdigest()[:10]


# ---------------------------------------------------------------- progress bars

SIZES_CFG = SMALL.but(prune_rate=0.8, explorer_rates=())
BARS = {  # what runs, and the bars it draws when asked (the lottery's first, when it is computed)
    "baseline": (lambda d, **kw: BaselineExperiment(SMALL, d).compute(**kw), ["dense models, epochs"]),
    "result": (lambda d, **kw: BaselineExperiment(SMALL, d).result(**kw), ["dense models, epochs"]),
    "trained_baseline": (lambda d, **kw: B.trained_baseline(SMALL, d, **kw), ["dense models, epochs"]),
    "lottery": (lambda d, **kw: LotteryExperiment(SMALL, d).compute(**kw), ["IMP rounds", "controls"]),
    "run": (lambda d, **kw: L.run(SMALL, d, **kw), ["IMP rounds", "controls"]),
    "odds": (lambda d, **kw: OddsExperiment(LotteryExperiment(SMALL, d), [1], 1).compute(**kw),
             ["IMP rounds", "random masks"]),
    "tickets": (lambda d, **kw: TicketExperiment(LotteryExperiment(SMALL, d), [(0, 1)]).compute(**kw),
                ["IMP rounds", "networks at the tickets"]),
    "widths": (lambda d, **kw: WidthExperiment(SMALL, d, [1], 1).compute(**kw), ["2 widths x 1 networks"]),
    "sizes": (lambda d, **kw: SizesExperiment(LotteryExperiment(SIZES_CFG, d), [1], 1).compute(**kw),
              ["IMP rounds", "sparse networks"]),
}


@pytest.mark.parametrize("what", sorted(BARS))
def test_progress_is_drawn_by_default_and_not_when_declined(what, data, tmp_path, monkeypatch, capsys):
    make, bars = BARS[what]
    monkeypatch.setattr(store, "RESULTS_DIR", tmp_path / "none")
    monkeypatch.delenv("SPARSE_RECOMPUTE", raising=False)
    for folder, kw in (("default", {}), ("declined", {"progress": False})):
        monkeypatch.setenv("SPARSE_CHECKPOINT_DIR", str(tmp_path / folder))  # nothing stored yet
        capsys.readouterr()
        make(data, **kw)
        err = capsys.readouterr().err
        if kw:
            assert err == "", err
        else:
            assert all(bar in err for bar in bars), err


# ---------------------------------------------------------------- what a wrong argument is told

@pytest.mark.parametrize("call,message", [
    (lambda: W.hidden_for(0, (8, 4)), "width must be a whole number >= 1, e.g. width=8; got 0"),
    (lambda: W.width_seeds((0,), 0), "seeds per width must be a whole number >= 1, e.g. seeds per width=64; got 0"),
    (lambda: W.check_widths([1, 0], 8), "each width must be a whole number >= 1, e.g. each width=8; got 0"),
    (lambda: W.check_widths(3, 8), "widths must be a list, e.g. widths=[1, 2, 4, 8]; got 3"),
    (lambda: W.check_widths([2, 2], 8), "widths must not repeat (a repeated one trains the same networks twice); got [2, 2]"),
    (lambda: O.check_plan([1], 0, None, SMALL), "masks per level must be a whole number >= 1, e.g. masks per level=24; got 0"),
    (lambda: O.check_plan([-1], 1, None, SMALL),
     "each level (an IMP round) must be a whole number >= 0, e.g. each level (an IMP round)=3; got -1"),
    (lambda: O.check_plan(1, 1, None, SMALL), "levels must be a list, e.g. levels=[3, 5, 7]; got 1"),
    (lambda: O.check_plan([1], 1, [-1], SMALL), "each of the seeds must be a whole number >= 0, e.g. each of the seeds=0; got -1"),
    (lambda: O.check_plan([1], 1, 0, SMALL), "seeds must be a list, e.g. seeds=[0, 1, 2]; got 0"),
    (lambda: O.check_plan([1], 1, [3, 3], SMALL), "levels and seeds must not repeat (a repeated one draws the same masks "
                                                 "again and counts them twice); got levels [1], seeds [3, 3]"),
    (lambda: O.check_plan([3], 1, None, SMALL), "levels and seeds must be non-empty and come from the lottery's IMP runs "
                                               "(rounds 0-2, seeds [0, 3]); got levels [3], seeds [0, 3]"),
    (lambda: prune.global_masks(sh.theta0(0), 1.5), "sparsity must be a fraction in [0, 1), e.g. 0.3 for 30%; got 1.5"),
    (lambda: prune.layerwise_masks(sh.theta0(0), [0.2, 0.2, 1.0]),
     "sparsity of 4.weight must be a fraction in [0, 1), e.g. 0.3 for 30%; got 1.0"),
    (lambda: prune.global_top_masks(sh.theta0(0), 6345), "kept count must be a whole number >= 0 and <= 6344; got 6345"),
    (lambda: prune.even_counts(sh.theta0(0), 6345), "kept_total must be a whole number >= 0 and <= 6344; got 6345"),
    (lambda: prune.uniform_counts(sh.theta0(0), -1), "kept_total must be a whole number >= 0 and <= 6344; got -1"),
])
def test_a_wrong_argument_is_told_its_rule_and_an_example(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


def test_the_plan_of_random_draws_is_plain_lists_checked_against_the_lottery():
    assert O.check_plan((2, np.int64(0)), np.int64(3), None, SMALL) == ([2, 0], 3, [0, 3])
    assert O.check_plan([0], 1, (3,), SMALL) == ([0], 1, [3])
    assert W.check_widths((4, np.int64(1)), 8) == [1, 4, 8] and W.check_widths([8], 8) == [8]
