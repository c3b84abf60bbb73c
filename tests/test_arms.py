"""Every network of every registered arm is what the arm's registry entry says.

For each arm in the registry (read when the test runs, so a newly registered arm is covered with
no edit here: test_a_toy_arm_gets_the_same_checks registers one to show it), each network the
lottery and the ticket runs trained must be one its entry builds from the round's inputs: its θ₀,
its mask and its data order (the seed's), matched by their exact bits; its row must be its own
run; an arm that the entry marks as the dense network at round 0 (or that prunes) is that
network's copy there. The round's inputs are derived apart from the package: θ₀ from the seed,
IMP's masks by reference.next_imp from the trained weights recorded round by round. How the
built-in arms turn those inputs into networks is checked against reference derivations too.
"""
import math

import pytest
import torch

import sparse_helpers as sh
from sparse_helpers.computing.config import SCHEDULES
from sparse_helpers.computing.model import seed_for
from sparse_helpers.computing.prune import random_masks_like
from sparse_helpers.experiments import arms, lottery as L, tickets as T
from sparse_helpers.experiments.lottery import LotteryExperiment
from sparse_helpers.experiments.tickets import TicketExperiment

from reference import (blobs, counts, fingerprint, largest_of, next_imp, ones, random_keep, same_masks,
                       same_state, spy, sizes, trained)

# Seed 3 as well as the story seed 0, so that a seed's position is never mistaken for the seed.
SMALL = sh.Config(seeds=(0, 3), epochs=1, rounds=2, reinits=2, batch_size=64, threshold=0.3,
                  explorer_rates=(0.5,), control_epochs=2)
# Another architecture, schedule and story seed, so that no default stands in for a setting.
OTHER = SMALL.but(hidden=(6, 3), schedule="layerwise", story_seed=3, explorer_rates=(0.6,), epochs=2)
CONFIGS = pytest.mark.parametrize("cfg", [SMALL, OTHER], ids=["global-8-4", "layerwise-6-3"])
# The control pass trains in stacks of STACK networks: one stack, and stacks of 3 that split a round.
STACKS = pytest.mark.parametrize("cfg,stack", [(SMALL, L.STACK), (OTHER, 3)], ids=["global-8-4", "layerwise-6-3-stacks-of-3"])
TARGETS = {3: [2], 0: [1]}


@pytest.fixture(scope="module")
def data():
    """Tiny numpy-drawn blobs (100 test images, so that accuracies are not exact in float32)."""
    return blobs(256, 100, 100)


@pytest.fixture
def ck(tmp_path, monkeypatch):
    """Results written to and read from a temporary folder only."""
    from sparse_helpers.experiments import store
    monkeypatch.setenv("SPARSE_CHECKPOINT_DIR", str(tmp_path))
    monkeypatch.delenv("SPARSE_RECOMPUTE", raising=False)
    monkeypatch.setattr(store, "RESULTS_DIR", tmp_path / "no-committed-results")
    return tmp_path


# ---------------------------------------------------------------- what the design names

class Pool:
    """The recorded networks by fingerprint: a test takes each one the design names."""
    def __init__(self, calls):
        self.left = {}
        for m in trained(calls):
            self.left.setdefault(fingerprint(m.seed, m.state, m.masks), []).append(m)

    def peek(self, seed, state, masks):
        """A trained network of this data seed, start and mask (identical ones train identically)."""
        found = self.left.get(fingerprint(seed, state, masks))
        assert found, f"no network of data seed {seed} was trained from this start under this mask"
        return found[0]

    def take(self, seed, state, masks):
        """peek, and remove it: each network the design names is trained once."""
        found = self.peek(seed, state, masks)
        self.left[fingerprint(seed, state, masks)].remove(found)
        return found

    def count(self):
        """How many recorded networks no test took."""
        return sum(len(v) for v in self.left.values())


def imp_schedules(cfg):
    """The schedules a registered arm prunes by."""
    return [a.prunes for a in arms.active_arms(cfg) if a.prunes is not None]


def derived_imp(cfg, pool):
    """{(seed, round): {schedule: masks}} and {(seed, round): {schedule: trained network}} of IMP,
    round by round: round 0 is one dense network per seed, a later round prunes the last one's
    trained weights by the percentile rule."""
    masks, nets = {}, {}
    for s in cfg.seeds:
        theta, dense = sh.theta0(s, cfg.hidden), ones(cfg.hidden)
        masks[(s, 0)] = {sch: dense for sch in SCHEDULES}
        nets[(s, 0)] = dict.fromkeys(SCHEDULES, pool.peek(s, theta, dense))
        for r in range(1, cfg.rounds + 1):
            masks[(s, r)], nets[(s, r)] = {}, {}
            for sch in imp_schedules(cfg):
                before = nets[(s, r - 1)][sch]
                masks[(s, r)][sch] = next_imp(before.run.state, masks[(s, r - 1)][sch], sch,
                                              cfg.prune_rate, cfg.output_rate)
                nets[(s, r)][sch] = pool.peek(s, theta, masks[(s, r)][sch])
    return masks, nets


def inputs_at(cfg, s, r, masks, nets):
    """The round's inputs, as derived: the seed's θ₀, IMP's masks, the trained dense network."""
    return arms.RoundInputs(cfg=cfg, seed=s, round=r, theta0=sh.theta0(s, cfg.hidden), masks=masks[(s, r)],
                            dense=nets[(s, 0)][cfg.schedule].run.state)


def copies_the_dense_network(arm, cfg, r):
    """What the entry says of round 0: the main IMP arm trains the dense network; an arm marked
    dense_at_round0, or another IMP arm, is that network."""
    main = arm.prunes == cfg.schedule
    return r == 0 and not main and (arm.dense_at_round0 or arm.prunes is not None)


def lottery_identities(cfg, data, monkeypatch, write=False):
    """Run the lottery (and store it, if asked) and check every network of every registered arm
    against its entry; the names of the arms checked, the lottery and what was derived."""
    calls = spy(monkeypatch, L)
    exp = LotteryExperiment(cfg, data)
    lot = exp.result(reuse=False, progress=False) if write else exp.compute(progress=False)
    pool = Pool(calls)
    masks, nets = derived_imp(cfg, pool)
    take_explorer(cfg, pool, nets, lot)
    checked = set()
    for arm in arms.active_arms(cfg):
        for s in cfg.seeds:
            for r in range(cfg.rounds + 1):
                rows = lot.rounds[(lot.rounds.arm == arm.name) & (lot.rounds.seed == s) & (lot.rounds["round"] == r)]
                if copies_the_dense_network(arm, cfg, r):
                    dense = nets[(s, 0)][cfg.schedule]
                    assert rows.val_acc.tolist() == [dense.run.val_acc], (arm.name, s)
                    assert rows.kept.tolist() == [sum(sizes(cfg.hidden))], (arm.name, s)
                    continue
                built = arm.members(inputs_at(cfg, s, r, masks, nets))
                assert len(rows) == len(built), (arm.name, s, r)
                for draw, theta0, m in built:
                    net = pool.take(s, theta0, m)
                    (row,) = rows[rows.draw == draw].to_dict("records")
                    row_is_its_run(row, m, net.run, cfg.hidden)
                    assert row["schedule"] == (arm.prunes or cfg.schedule)
        checked.add(arm.name)
    assert pool.count() == 0, "networks were trained that no arm's entry names"
    return checked, lot, masks, nets, calls


def take_explorer(cfg, pool, nets, lot):
    """The story seed's IMP at each explorer rate: until 1% of the weights are left, or the last
    round; its table rows are its networks'."""
    s, theta, total = cfg.story_seed, sh.theta0(cfg.story_seed, cfg.hidden), sum(sizes(cfg.hidden))
    for rate in [x for x in cfg.explorer_rates if x != cfg.prune_rate]:
        e = lot.explorer[lot.explorer.rate == rate].set_index("round")
        assert e.loc[0, "val_acc"] == nets[(s, 0)][cfg.schedule].run.val_acc
        before, last = nets[(s, 0)][cfg.schedule], min(cfg.rounds, math.ceil(math.log(0.01) / math.log(1 - rate)))
        for r in range(1, last + 1):
            m = next_imp(before.run.state, before.masks, cfg.schedule, rate, cfg.output_rate)
            before = pool.take(s, theta, m)
            assert e.loc[r, "kept"] == sum(counts(m))
            assert e.loc[r, "sparsity"] == 1 - sum(counts(m)) / total
            assert e.loc[r, "val_acc"] == before.run.val_acc
        assert len(e) == last + 1


def row_is_its_run(row, masks, run, hidden):
    """A lottery row against its network's mask and run."""
    kept, total = sum(counts(masks)), sum(sizes(hidden))
    widths = (784, *hidden, 10)
    assert row["kept"] == kept
    assert row["remaining"] == kept / total
    assert row["sparsity"] == 1 - kept / total
    assert [row[f"kept {a}x{b}"] for a, b in zip(widths[:-1], widths[1:])] == counts(masks)
    assert row["val_acc"] == run.val_acc
    assert row["test_acc"] == run.test_acc
    assert row["early_step"] == run.early.step
    assert row["early_val_loss"] == run.early.val_loss
    assert row["early_val_acc"] == run.early.val_acc
    assert row["early_test_acc"] == run.early.test_acc
    assert row["val_history"] == run.val_history


def ticket_identities(cfg, data, monkeypatch, masks, nets):
    """Run the ticket experiment (its lottery stored) and check every network against the long-run
    arms' entries; the names of the arms checked."""
    calls = spy(monkeypatch, T)
    runs = TicketExperiment(LotteryExperiment(cfg, data), TARGETS).compute(progress=False).runs
    pool, checked = Pool(calls), set()
    for arm in [a for a in arms.active_arms(cfg) if a.long_run and a.prunes in (None, cfg.schedule)]:
        for s, rounds in TARGETS.items():
            for r in rounds:
                one = {cfg.schedule: masks[(s, r)][cfg.schedule]}
                built = arm.members(inputs_at(cfg, s, r, {(s, r): one}, nets))
                rows = runs[(runs.arm == arm.name) & (runs.seed == s) & (runs["round"] == r)]
                assert len(rows) == len(built), (arm.name, s, r)
                for draw, theta0, m in built:
                    net = pool.take(s, theta0, m)
                    (row,) = rows[rows.draw == draw].to_dict("records")
                    assert len(net.run.history) == cfg.control_epochs
                    assert row["kept"] == sum(counts(m))
                    assert row["test_acc"] == net.run.test_acc
                    assert row["val_acc"] == net.run.val_acc
                    assert row["history"] == net.run.history
                    assert row["val_history"] == net.run.val_history
                    assert row["val_loss_history"] == net.run.val_loss_history
        checked.add(arm.name)
    assert pool.count() == 0, "networks were trained at the targets that no long-run arm names"
    return checked


# ---------------------------------------------------------------- the lottery and the ticket runs

@STACKS
def test_every_network_of_every_arm_is_what_its_entry_builds(cfg, stack, data, monkeypatch):
    monkeypatch.setattr(L, "STACK", stack)
    checked, *_ = lottery_identities(cfg, data, monkeypatch)
    assert checked == set(arms.ARMS)


@CONFIGS
def test_the_lottery_keeps_the_main_imp_arms_masks_and_weights(cfg, data, monkeypatch):
    _, lot, masks, nets, calls = lottery_identities(cfg, data, monkeypatch)
    assert set(lot.masks) == {(s, r) for s in cfg.seeds for r in range(cfg.rounds + 1)}
    assert set(lot.states) == set(lot.masks)
    for key in lot.masks:
        assert same_masks(lot.masks[key], masks[key][cfg.schedule]), key
        assert same_state(lot.states[key], nets[key][cfg.schedule].run.state), key
    assert lot.model_epochs == len(trained(calls)) * cfg.epochs
    assert lot.data == data.label


@CONFIGS
def test_the_ticket_runs_train_every_long_run_arm_as_its_entry_builds(cfg, data, ck, monkeypatch):
    _, _, masks, nets, _ = lottery_identities(cfg, data, monkeypatch, write=True)
    checked = ticket_identities(cfg, data, monkeypatch, masks, nets)
    assert checked == {a.name for a in arms.ARMS.values() if a.long_run and a.prunes in (None, cfg.schedule)}


@pytest.fixture
def toy(monkeypatch):
    """A toy arm registered for one test (the registry is restored after it): a fresh start from
    its own seed tag under a random mask like IMP's, and the trained dense network under IMP's
    mask as draw round + 1, at every round, 4x runs too."""
    monkeypatch.setattr(arms, "ARMS", dict(arms.ARMS))
    tag = 1 + max(a.seed_tag or 0 for a in arms.ARMS.values())

    def fresh_under_random(inputs):
        """θ₀ of seed_for(seed, round, tag) under a random mask like IMP's; the dense network under IMP's."""
        s, r, cfg = inputs.seed, inputs.round, inputs.cfg
        return [(0, sh.theta0(seed_for(s, r, tag), cfg.hidden),
                 random_masks_like(inputs.masks[cfg.schedule], seed_for(s, r, tag))),
                (r + 1, inputs.dense, inputs.masks[cfg.schedule])]  # reads the round and the dense network too
    return arms.register(arms.Arm(name="toy", seed_tag=tag, dense_at_round0=False, members=fresh_under_random,
                                  long_run=True))


@CONFIGS
def test_a_toy_arm_gets_the_same_checks(cfg, toy, data, ck, monkeypatch):
    checked, _, masks, nets, _ = lottery_identities(cfg, data, monkeypatch, write=True)
    assert toy.name in checked
    assert toy.name in ticket_identities(cfg, data, monkeypatch, masks, nets)


@CONFIGS
def test_an_arm_may_read_the_masks_of_either_schedule(cfg, data, monkeypatch):
    monkeypatch.setattr(arms, "ARMS", dict(arms.ARMS))
    other = next(s for s in SCHEDULES if s != cfg.schedule)

    def under_other(inputs):
        """θ₀ under the masks of the schedule the config does not prune by."""
        return [(0, inputs.theta0, inputs.masks[other])]
    arm = arms.register(arms.Arm(name="other schedule", seed_tag=None, dense_at_round0=False, members=under_other))
    checked, *_ = lottery_identities(cfg, data, monkeypatch)
    assert arm.name in checked


# ---------------------------------------------------------------- the built-in arms' builders

def some_inputs(cfg, s=3, r=2):
    """A round's inputs that no default stands in for: seed 3, round 2, IMP masks of weights other
    than θ₀ under each schedule, a dense network other than θ₀."""
    trained_ = sh.theta0(s + 50, cfg.hidden)
    masks = {sch: next_imp(trained_, ones(cfg.hidden), sch, 0.6, 0.3) for sch in SCHEDULES}
    return arms.RoundInputs(cfg=cfg, seed=s, round=r, theta0=sh.theta0(s, cfg.hidden), masks=masks,
                            dense=sh.theta0(s + 60, cfg.hidden))


def reinit_design(arm, i):
    """cfg.reinits fresh starts, from seed_for(seed, round, draw, its tag), under IMP's masks."""
    return [(j, sh.theta0(seed_for(i.seed, i.round, j, arm.seed_tag), i.cfg.hidden), i.masks[i.cfg.schedule])
            for j in range(i.cfg.reinits)]


def random_mask_design(arm, i):
    """θ₀ under a random mask of IMP's layer counts, drawn from seed_for(seed, round, its tag)."""
    m = i.masks[i.cfg.schedule]
    return [(0, i.theta0, random_keep(counts(m), seed_for(i.seed, i.round, arm.seed_tag), i.cfg.hidden))]


def rewound_design(arm, i):
    """θ₀ under the masks of the schedule it prunes by."""
    return [(0, i.theta0, i.masks[arm.prunes])]


DESIGN = {"re-init": reinit_design, "random mask": random_mask_design}


@CONFIGS
def test_the_built_in_arms_build_what_the_design_says(cfg):
    i = some_inputs(cfg)
    designed = {**DESIGN, **{a.name: rewound_design for a in arms.ARMS.values() if a.prunes is not None}}
    for name, design in designed.items():
        arm = arms.ARMS[name]
        got, want = arm.members(i), design(arm, i)
        assert [d for d, _, _ in got] == [d for d, _, _ in want], name
        for (_, theta, masks), (_, theta_, masks_) in zip(got, want):
            assert same_state(theta, theta_), name
            assert same_masks(masks, masks_), name


@CONFIGS
def test_one_shot_keeps_the_largest_trained_weights_at_imps_size(cfg):
    i = some_inputs(cfg)
    ((_, theta, shot),) = arms.ARMS["one-shot"].members(i)
    imp = counts(i.masks[cfg.schedule])
    assert same_state(theta, i.theta0)
    if cfg.schedule == "global":  # across layers
        assert largest_of(i.dense, shot, count=sum(imp))
    else:  # within each layer, at IMP's counts
        assert largest_of(i.dense, shot, per_layer=imp)
    assert not largest_of(i.theta0, shot, count=sum(imp))


def test_an_arm_builds_members_of_its_own_name_and_schedule():
    i = some_inputs(OTHER)
    for arm in arms.ARMS.values():
        for m in arm.built(i):
            assert m.arm == arm.name
            assert m.seed == i.seed
            assert m.schedule == (arm.prunes or OTHER.schedule)


def test_the_arms_seed_tags_differ_and_the_key_names_every_entry(data):
    tags = [a.seed_tag for a in arms.ARMS.values() if a.seed_tag is not None]
    assert len(tags) == len(set(tags))  # no two arms draw the same random numbers
    for cfg in (SMALL, OTHER):
        listed = LotteryExperiment(cfg, data).settings()["arms"]
        assert sorted(listed, key=str) == sorted([(a.name, a.seed_tag, a.dense_at_round0) for a in arms.ARMS.values()],
                                                 key=str)


def test_register_takes_an_arm_and_replaces_one_of_the_same_name(monkeypatch):
    monkeypatch.setattr(arms, "ARMS", dict(arms.ARMS))
    names = list(arms.ARMS)
    again = arms.register(arms.ARMS["re-init"])
    assert again is arms.ARMS["re-init"]
    assert list(arms.ARMS) == names
    with pytest.raises(ValueError, match="register takes an Arm"):
        arms.register("re-init")


def test_one_imp_round_trains_theta0_under_the_mask_and_prunes_the_trained_weights(data, capsys):
    cfg = SMALL.but(schedule="layerwise")
    masks = next_imp(sh.theta0(5), ones(), "global", 0.5, 0.1)
    run, nxt = L.imp_round(sh.theta0(5), masks, data, cfg, 5)
    (again,) = sh.train_many([sh.theta0(5)], data, cfg, masks=[masks], data_seeds=5, history=False, progress=False)
    assert same_state(run.state, again.state)  # seed 5's data order, θ₀, the mask
    assert run.history == []
    assert capsys.readouterr().err == ""  # no progress bar of its own
    assert same_masks(nxt, next_imp(run.state, masks, "layerwise", cfg.prune_rate, cfg.output_rate))
    assert not same_masks(nxt, next_imp(sh.theta0(5), masks, "layerwise", cfg.prune_rate, cfg.output_rate))

