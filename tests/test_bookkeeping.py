"""Which θ₀, mask, data order and seed every network of the experiments that read the lottery used.

The lottery's own arms are checked over the registry in test_arms.py. Here each test runs the
ticket targets, the random draws at IMP's sparsities, the width runs, the size runs or the
baseline on a very small synthetic problem, records every call of train_many
(reference.spy), and checks each network against the derivations in reference.py: θ₀ from its
own seed (or from seed_for and the draw's tag), the mask from the weights the design names, the
data order of its seed, and its table row against its own run.
"""
import re

import numpy as np
import pandas as pd
import pytest
import torch

import sparse_helpers as sh
from sparse_helpers.computing import prune
from sparse_helpers.computing.model import seed_for, silent_units
from sparse_helpers.experiments import baseline as B, codekey, lottery as L, odds as O, store, tickets as T
from sparse_helpers.experiments import widths as W
from sparse_helpers.experiments.baseline import BaselineExperiment
from sparse_helpers.experiments.lottery import LotteryExperiment
from sparse_helpers.experiments.odds import WAYS, OddsExperiment
from sparse_helpers.experiments.tickets import TicketExperiment
from sparse_helpers.experiments.widths import SIZE_WAYS, SizesExperiment, WidthExperiment

from reference import counts, even_split, ones, random_keep, same_masks, same_state, sizes, spy, uniform_split

# Seed 3 as well as the story seed 0, so that a seed's position is never mistaken for the seed.
SMALL = sh.Config(seeds=(0, 3), epochs=1, rounds=2, reinits=2, batch_size=64, threshold=0.3,
                  explorer_rates=(0.5,), control_epochs=2)
# Another architecture, schedule and story seed, so that no default stands in for a setting.
OTHER = SMALL.but(hidden=(6, 3), schedule="layerwise", story_seed=3, explorer_rates=(0.6,), epochs=2)


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
def quiet(call, history=False):
    """Whether a call of train_many draws no progress bar of its own and keeps `history` as asked."""
    return call.kw.get("progress") is False and call.kw.get("history") is history


def test_the_explorer_table_is_sorted_by_rate_and_round():
    rows = [{"rate": r, "round": n, "kept": 10 - n, "sparsity": n / 10, "val_acc": 0.5, "extra": 1}
            for r, n in ((0.5, 1), (0.3, 2), (0.5, 0), (0.3, 0))]
    t = L.explorer_table(rows)
    assert t[["rate", "round"]].values.tolist() == [[0.3, 0], [0.3, 2], [0.5, 0], [0.5, 1]]
    assert list(t.columns) == ["rate", "round", "kept", "sparsity", "val_acc"]
    assert t.index.tolist() == [0, 1, 2, 3]
    empty = L.explorer_table([])
    assert list(empty.columns) == list(t.columns)
    assert len(empty) == 0


def test_no_targets_train_nothing(data, ck, monkeypatch):
    exp = LotteryExperiment(SMALL, data)
    exp.result(progress=False)
    monkeypatch.setattr(T, "train_many", lambda *a, **k: pytest.fail("trained"))
    empty = TicketExperiment(exp, []).compute(progress=False)
    assert empty.config == SMALL
    assert empty.data == data.label
    assert list(empty.runs.columns) == list(T.COLUMNS)
    assert len(empty.runs) == 0


def test_ticket_targets_are_sorted_distinct_and_from_the_lottery():
    cfg = SMALL
    assert T.check_targets({0: [2, 1], 3: [0]}, cfg) == [(0, 1), (0, 2), (3, 0)]
    assert T.check_targets([(3, 2), (0, 1), (3, 2)], cfg) == [(0, 1), (3, 2)]
    assert T.check_targets([(np.int64(3), 2)], cfg) == [(3, 2)] and T.check_targets([(0, 2)], cfg) == [(0, 2)]
    # the message is the fix here: it names the lottery's seeds and rounds
    with pytest.raises(ValueError, match=re.escape("its seeds are [0, 3] and its rounds 0-2")):
        T.check_targets([(0, 3)], cfg)
    for bad in ([(1, 0)], [(0, -1)], [(0.5, 1)], [(0, 1, 2)]):
        with pytest.raises(ValueError):
            T.check_targets(bad, cfg)


@pytest.mark.parametrize("cfg,stack", [(SMALL, 192), (OTHER, 4)], ids=["global", "layerwise-6-3-small-stacks"])
def test_the_random_draws_at_imps_sparsities_keep_their_seed_and_their_way(cfg, stack, data, ck, monkeypatch):
    exp = LotteryExperiment(cfg, data)
    lot = exp.result(progress=False)
    calls = spy(monkeypatch, O)
    monkeypatch.setattr(O, "STACK", stack)
    odds = OddsExperiment(exp, [2, 1], 3, seeds=[3, 0]).compute(progress=False)
    members = [m for c in calls for m in c.members]
    assert len(members) == 2 * 3 * 3  # every draw once, whatever the stacks
    for c in calls:
        assert quiet(c)
        assert c.cfg == cfg
        assert c.kw.get("epochs") is None
    t, total = odds.table, sum(sizes(cfg.hidden))
    assert list(t.columns) == list(O.COLUMNS)
    assert len(t) == len(members)
    assert t.index.tolist() == list(range(len(t)))
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
    assert odds.speed == len(members) * cfg.epochs / odds.seconds
    assert odds.config == cfg and odds.data == data.label
    assert O.layer_counts(ones()) == sizes()
    assert OddsExperiment(exp, [1], 2).seeds == [0, 3]
    assert OddsExperiment(exp, (2, 0), 5, (3,)).settings() == {"lottery": exp.digest(), "levels": [2, 0],
                                                               "per_level": 5, "odds_seeds": [3]}


def test_the_width_runs_train_each_width_from_the_width_seeds(data, ck, monkeypatch):
    calls = spy(monkeypatch, W)
    cfg = OTHER  # series width 6
    runs = WidthExperiment(cfg, data, [2, 1], 2).compute(progress=False)
    seeds = W.width_seeds(cfg.seeds, 2)
    assert seeds == [1000, 1001] and len(calls) == 3
    for call, width in zip(calls, (1, 2, 6)):
        hidden = W.hidden_for(width, cfg.hidden)
        assert call.cfg == cfg.but(hidden=hidden)
        assert quiet(call)
        assert call.kw.get("epochs") is None
        rows = runs.table[runs.table.width == width]
        assert len(rows) == 2
        for m, (_, row) in zip(call.members, rows.iterrows()):
            assert same_state(m.state, sh.theta0(m.seed, hidden)) and m.masks is None
            assert row.seed == m.seed and row.hidden == "-".join(map(str, hidden))
            assert row.weights == W.dense_count(hidden) and row.val_acc == m.run.val_acc
            assert row.test_acc == m.run.test_acc
            assert row["silent units"] == sum(silent_units(m.run.state, data.val_x))
        assert [m.seed for m in call.members] == seeds
    assert list(runs.table.columns) == list(W.RUN_COLUMNS)
    assert runs.timing.width.tolist() == [1, 2, 6] and runs.timing.networks.tolist() == [2, 2, 2]
    assert runs.timing.seconds.sum() <= runs.seconds  # the widths' times are parts of the whole
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
    assert W.round_above(lot, 0, 795) == 2
    assert W.round_above(lot, 3, 796) == 1
    assert W.round_above(lot, 0, 6344) == 0
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
    result = sizes_.compute(progress=False)
    members = [m for c in calls for m in c.members]
    for c in calls:
        assert quiet(c)
        assert c.cfg == cfg
        assert c.kw.get("epochs") is None
    t = result.table
    assert len(t) == len(members) == 2 * len(cfg.seeds) * 5  # every draw once, whatever the stacks
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
    assert result.config == cfg
    assert result.data == data.label


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


# ---------------------------------------------------------------- the baseline, and which data

def test_the_baseline_trains_each_seeds_theta0_with_its_own_data_order(data, monkeypatch):
    calls = spy(monkeypatch, B)
    cfg = OTHER.but(seeds=(4, 1))
    base = BaselineExperiment(cfg, data).compute(progress=False)
    (call,) = calls
    assert [m.seed for m in call.members] == [4, 1]
    assert call.kw.get("history") is True
    assert call.kw.get("early_stop") is True
    assert call.cfg == cfg
    for m, s, start, run in zip(call.members, (4, 1), base.theta0, base.runs):
        assert same_state(m.state, sh.theta0(s, cfg.hidden))
        assert same_state(start, sh.theta0(s, cfg.hidden))
        assert run is m.run
        assert m.masks is None
    assert base.data == data.label
    assert base.config == cfg
    calls.clear()
    BaselineExperiment(cfg.but(val_size=0), data).compute(progress=False)
    BaselineExperiment(cfg.but(val_size=1), data).compute(progress=False)
    assert [c.kw.get("early_stop") for c in calls] == [False, True]
    assert BaselineExperiment(cfg, data).settings() == {"seeds": [4, 1], **cfg.training(), "checks_per_epoch": 5}


def test_the_trained_baseline_is_reused_unless_asked_and_written_where_asked(data, ck, monkeypatch):
    cfg = SMALL.but(seeds=(2,))
    first = B.trained_baseline(cfg, data, progress=False)
    with monkeypatch.context() as m:
        m.setattr(B, "train_many", lambda *a, **k: pytest.fail("trained again"))
        again = B.trained_baseline(cfg, data, progress=False)  # reused
    assert again.runs[0].test_acc == first.runs[0].test_acc
    calls = spy(monkeypatch, B)
    B.trained_baseline(cfg, data, reuse=False, progress=False)
    assert calls, "asked to train again, it did not"
    path = ck / "elsewhere" / "base.safetensors"
    B.trained_baseline(cfg, data, progress=False, path=path)
    assert path.is_file()


def test_an_experiment_without_data_loads_the_split_its_config_names(data, monkeypatch):
    asked = []
    monkeypatch.setattr(store, "load_fashion_mnist", lambda **kw: asked.append(kw) or data)
    exp = LotteryExperiment(SMALL.but(val_size=1234, split_seed=7))
    assert asked == [{"val_size": 1234, "split_seed": 7}]
    assert exp.data is data
    assert exp.key()["data"] == data.label
    assert exp.key()["split_seed"] == 7
    assert BaselineExperiment(SMALL, data).data is data and len(asked) == 1
    with pytest.raises(ValueError, match="data must be a Dataset .*; got str"):
        BaselineExperiment(SMALL, "fashion-mnist")


def test_a_result_says_what_it_computed_and_writes_where_it_was_asked(data, ck, capsys, monkeypatch):
    log = ck / "used.log"
    monkeypatch.setenv("SPARSE_RESULTS_LOG", str(log))
    exp = BaselineExperiment(SMALL.but(seeds=(5,)), data)
    exp.result(progress=False)
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert re.fullmatch(rf"baseline: computed in \d+ s \({ck.name}/{exp.filename()}\)", line), line
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
def test_a_wrong_argument_is_told_its_name_and_the_value_it_got(call, message):
    """The wording may change; the message names the argument and the value it refused."""
    with pytest.raises(ValueError) as refused:
        call()
    assert message.split(" must")[0] in str(refused.value)
    assert "got " + message.rsplit("got ", 1)[1] in str(refused.value)


def test_the_plan_of_random_draws_is_plain_lists_checked_against_the_lottery():
    assert O.check_plan((2, np.int64(0)), np.int64(3), None, SMALL) == ([2, 0], 3, [0, 3])
    assert O.check_plan([0], 1, (3,), SMALL) == ([0], 1, [3])
    assert W.check_widths((4, np.int64(1)), 8) == [1, 4, 8] and W.check_widths([8], 8) == [8]
