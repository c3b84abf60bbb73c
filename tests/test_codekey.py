"""A result's key follows the code its numbers depend on, and nothing else (experiments/codekey.py).

Edits are made on a copy of the package and the keys of small versions of every experiment are
compared before and after: an edit that cannot change a number retires nothing; one that can
retires exactly the results that reach it.
"""
import ast
import shutil

import pytest

import sparse_helpers as sh
from sparse_helpers.experiments import arms, codekey
from sparse_helpers.experiments.baseline import BaselineExperiment
from sparse_helpers.experiments.floatpath import FloatPathExperiment
from sparse_helpers.experiments.lottery import LotteryExperiment
from sparse_helpers.experiments.odds import OddsExperiment
from sparse_helpers.experiments.tickets import TicketExperiment
from sparse_helpers.experiments.widths import SizesExperiment, WidthExperiment

SMALL = sh.Config(epochs=1, seeds=(0, 1), rounds=2, reinits=1, explorer_rates=(0.5,))


def hashed(src):
    """The hashed form of a one-function module's function."""
    return ast.unparse(codekey.Refusals().visit(ast.parse(src).body[0]))


def test_refusals_messages_and_docstrings_are_not_hashed():
    plain = "def f(x):\n    return x + 1\n"
    noisy = ('def f(x):\n    """Doc."""\n    assert x > 0, "positive"\n'
             '    if x is None:\n        raise ValueError(f"x must be a number; got {x!r}")\n'
             '    print("progress")\n    warnings.warn("careful")\n    return x + 1  # comment\n')
    assert hashed(noisy) == hashed(plain)
    assert hashed(noisy.replace("x + 1", "x + 2")) != hashed(plain)


def test_an_if_that_computes_is_kept_and_a_refusing_ifs_else_stays():
    refusing = "def f(x):\n    if x < 0:\n        raise ValueError('no')\n    else:\n        x = 2 * x\n    return x\n"
    assert "x = 2 * x" in hashed(refusing) and "raise" not in hashed(refusing)
    computing = "def f(x):\n    if x < 0:\n        x = -x\n    return x\n"
    assert "x = -x" in hashed(computing)
    raising = "def f(x):\n    raise ValueError('one text')\n"
    assert hashed(raising) == hashed(raising.replace("one text", "another"))


@pytest.fixture(scope="module")
def experiments(tiny):
    """Small versions of every experiment of the series."""
    lottery = LotteryExperiment(SMALL, tiny)
    return {"baseline": BaselineExperiment(SMALL, tiny), "floatpath": FloatPathExperiment(SMALL, tiny),
            "lottery": lottery, "tickets": TicketExperiment(lottery, [(0, 1)]),
            "odds": OddsExperiment(lottery, [1], 1), "widths": WidthExperiment(SMALL, tiny, [1], 1),
            "sizes": SizesExperiment(lottery, [1], 1)}


@pytest.fixture()
def package(tmp_path):
    """A copy of the package's computing and experiments layers, to edit."""
    for layer in codekey.LAYERS:
        shutil.copytree(codekey.PACKAGE / layer, tmp_path / layer)
    return tmp_path


def retired(experiments, package, rel, old, new):
    """The kinds whose code hash changes when `old` becomes `new` in package/rel (or each of
    several olds its new)."""
    idx = codekey.Index(package)
    before = {k: e.code_hashes(idx) for k, e in experiments.items()}
    path = package / rel
    text = path.read_text()
    for o, n in zip(*((old, new) if isinstance(old, tuple) else ((old,), (new,)))):
        assert text.count(o) >= 1, f"{o!r} is not in {rel}"
        text = text.replace(o, n, 1)
    path.write_text(text)
    idx = codekey.Index(package)
    after = {k: e.code_hashes(idx) for k, e in experiments.items()}
    return {k for k in experiments if before[k] != after[k]}


TRAINERS = {"baseline", "floatpath", "lottery", "tickets", "odds", "widths", "sizes"}
RANDOM_MASKS = {"lottery", "tickets", "odds", "sizes"}  # the random-mask arm, the draws, the sizes


@pytest.mark.parametrize("rel, old, new, kinds", [
    # a message, advice, a new check, a docstring: nothing
    ("computing/train.py", "raise ValueError(f", "raise ValueError('reworded; ' f", set()),
    ("computing/prune.py", "raise ValueError(f", "raise ValueError('reworded; ' f", set()),
    ("computing/train.py", '"""', '"""Another docstring line.\n', set()),
    ("computing/train.py", ("def train_many(", "    cfg = as_config(cfg)\n    states, masks"),
     ("def refuse_odd(x):\n    if x is None:\n        raise ValueError('x is None')\n\n\ndef train_many(",
      "    refuse_odd(data)\n    cfg = as_config(cfg)\n    states, masks"), set()),  # a new check, called
    ("computing/train.py", "    cfg = as_config(cfg)\n    states, masks",
     "    cfg = as_config(cfg)\n    cfg = cfg.but(lr=2 * cfg.lr)\n    states, masks", TRAINERS),  # not a check
    ("computing/model.py", "def theta0(", "def unused_check(v):\n    assert v\n\n\ndef theta0(", set()),
    # widget-only and display-only code: nothing
    ("experiments/lottery.py", "def imp_round(theta0, masks, data, cfg, seed):\n",
     "def imp_round(theta0, masks, data, cfg, seed):\n    cfg = cfg.but(epochs=cfg.epochs)\n", set()),
    ("computing/prune.py", "def input_pixel_map(", "def input_pixel_map(*_):\n    return 0\n\n\ndef _old_map(", set()),
    # arithmetic: the results that reach it
    ("computing/stack.py", "def step(self", "def step_(self", TRAINERS),
    ("computing/prune.py", "def pruned_count(", "def pruned_count_(", {"lottery"}),  # IMP's count
    ("computing/prune.py", "def random_masks(", "def random_masks_(", RANDOM_MASKS),
    ("experiments/widths.py", "    def members(self, lot):\n", "    def members(self, lot):\n        lot = lot\n", {"sizes"}),
    ("experiments/arms.py", "def random_mask(inputs):\n", "def random_mask(inputs):\n    inputs = inputs\n",
     {"lottery", "tickets"}),
])
def test_an_edit_retires_exactly_the_results_whose_numbers_it_can_change(experiments, package, rel, old, new, kinds):
    assert retired(experiments, package, rel, old, new) == kinds


def test_a_default_of_a_setting_is_not_code(experiments, package):
    assert retired(experiments, package, "computing/config.py", "control_epochs: int = 40",
                   "control_epochs: int = 41") == set()


def test_an_arm_of_your_own_keys_its_own_code(tiny):
    def mine(inputs):
        """θ₀ under IMP's masks."""
        return [(0, inputs.theta0, inputs.masks[inputs.cfg.schedule])]

    def mine_changed(inputs):
        """θ₀ under the other schedule's masks."""
        return [(0, inputs.theta0, inputs.masks["layerwise"])]
    keys = []
    for members in (mine, mine_changed):
        arms.register(arms.Arm("mine", seed_tag=None, dense_at_round0=False, members=members))
        try:
            keys.append(LotteryExperiment(SMALL, tiny).key()["code"])
        finally:
            del arms.ARMS["mine"]
    assert keys[0] != keys[1]


def test_a_lottery_key_lists_each_arms_builder(tiny):
    hashes = LotteryExperiment(SMALL, tiny).code_hashes()
    assert "experiments/arms.py:reinitialised" in hashes and "experiments/arms.py:one_shot" in hashes
    assert sum(1 for k in hashes if "rewound with" in k) == 2  # one per schedule
    assert not [k for k in hashes if k.startswith(("analysis/", "experiments/store.py", "computing/progress.py"))]


def test_an_experiment_reaches_another_only_through_its_digest(experiments):
    baseline = set(experiments["baseline"].code_hashes())
    assert not [k for k in baseline if "Lottery" in k or "prune.py" in k]
    assert "experiments/lottery.py:LotteryExperiment.compute" not in experiments["odds"].code_hashes()
    assert experiments["odds"].settings()["lottery"] == experiments["lottery"].digest()
