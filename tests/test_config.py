import numpy as np
import pandas as pd
import pytest

import sparse_helpers as sh


def test_defaults_are_the_posts_setting():
    d = sh.DEFAULTS
    assert (d.hidden, d.epochs, d.prune_rate, d.threshold) == ((8, 4), 10, 0.2, 0.8)
    assert d.seeds == (0, 1, 2, 3, 4) and d.val_size == 5000


def test_numpy_float32_is_read_as_the_number_it_prints():
    cfg = sh.Config(prune_rate=np.float32(0.2), threshold=np.float32(0.8))
    assert cfg.prune_rate == 0.2 and cfg.threshold == 0.8 and cfg == sh.DEFAULTS


def test_a_bad_threads_variable_is_named(monkeypatch):
    from sparse_helpers.computing.config import threads_from_env
    monkeypatch.setenv("SPARSE_THREADS", "abc")
    with pytest.raises(ValueError, match="SPARSE_THREADS must be a whole number"):
        threads_from_env()


def test_numpy_numbers_become_plain_python():
    cfg = sh.Config(seeds=np.arange(3), epochs=np.int64(3), hidden=np.array([8, 4]), lr=np.float32(0.01))
    assert cfg.seeds == (0, 1, 2) and type(cfg.epochs) is int and cfg.hidden == (8, 4)
    assert type(cfg.lr) is float
    assert cfg.as_dict()["seeds"] == [0, 1, 2]


@pytest.mark.parametrize("field,value,match", [
    ("epochs", 2.5, "epochs must be a whole number >= 1"),
    ("epochs", 0, "epochs must be a whole number >= 1"),
    ("batch_size", 0, "batch_size must be a whole number >= 1"),
    ("hidden", 8, r"hidden must be an ordered sequence of hidden layer sizes, e.g. hidden=\(8, 4\)"),
    ("hidden", (8, 0), "each hidden size must be a whole number >= 1"),
    ("seeds", [], "at least one seed"),
    ("seeds", [1, 1], "no seed twice"),
    ("seeds", [1.5], "each of seeds must be a whole number"),
    ("seeds", 3, "seeds must be a list"),
    ("prune_rate", 1.0, r"prune_rate must be a fraction in \(0, 1\)"),
    ("prune_rate", 0, r"prune_rate must be a fraction in \(0, 1\)"),
    ("threshold", 80, r"threshold must be a fraction in \[0, 1\]"),
    ("optimizer", "adamw", "optimizer must be one of 'adam', 'sgd'"),
    ("schedule", "random", "schedule must be one of 'global', 'layerwise'"),
    ("lr", 0, "lr must be a finite number > 0"),
    ("lr", float("inf"), "lr must be a finite number > 0"),
    ("val_size", -1, "val_size must be a whole number >= 0"),
    ("val_size", 60000, "val_size must be a whole number >= 0 and <= 59999"),
    ("split_seed", 2 ** 64, "split_seed must be a whole number >= 0 and <= 9223372036854775807"),
    ("seeds", [2 ** 64], "each of seeds must be a whole number"),
])
def test_bad_values_are_refused_with_the_name_and_a_fix(field, value, match):
    with pytest.raises(ValueError, match=match):
        sh.Config(**{field: value})


def test_but_changes_and_checks_fields():
    cfg = sh.DEFAULTS.but(epochs=3)
    assert cfg.epochs == 3 and sh.DEFAULTS.epochs == 10
    with pytest.raises(ValueError, match="unknown setting"):
        sh.DEFAULTS.but(epoch=3)
    with pytest.raises(ValueError, match="epochs"):
        sh.DEFAULTS.but(epochs=-3)


def test_signatures_take_their_defaults_from_the_config():
    import inspect
    assert inspect.signature(sh.make_mlp).parameters["hidden"].default == sh.DEFAULTS.hidden
    assert inspect.signature(sh.load_fashion_mnist).parameters["val_size"].default == sh.DEFAULTS.val_size
    for fn in (sh.train, sh.train_many, sh.trained_baseline, sh.lottery.run):
        assert inspect.signature(fn).parameters["cfg"].default is sh.DEFAULTS


def test_make_mlp_refuses_fractional_seeds():
    with pytest.raises(ValueError, match="seed must be a whole number"):
        sh.make_mlp(seed=1.5)


def test_claims_are_decided_by_their_rule_and_skipped_with_a_note_elsewhere(capsys):
    ok = sh.Claim("finding A", "rule A", True, "evidence A", needs=("epochs",), at_least={"rounds": 14})
    bad = sh.Claim("finding B", "rule B", False, "evidence B", needs=("epochs",), at_least={"rounds": 14})
    told = sh.Claim("finding C", "rule C", False, "evidence C", required=False)
    table = sh.check(sh.DEFAULTS, [ok, told])
    out = capsys.readouterr().out
    assert "- holds: finding A [evidence A]" in out and "- not shown: finding C (reported, not required)" in out
    assert table.verdict.tolist() == ["holds", "not shown"] and table.rule.tolist() == ["rule A", "rule C"]
    with pytest.raises(AssertionError, match="no longer hold: finding B .rule: rule B; evidence B"):
        sh.check(sh.DEFAULTS.but(rounds=14), [bad])
    sh.check(sh.DEFAULTS.but(rounds=5, epochs=2), [bad])
    out = capsys.readouterr().out
    assert "not checked at these settings (epochs=2, rounds=5" in out and "finding B" in out


def test_a_or_an_follows_how_the_number_is_spoken():
    assert [sh.prose.a_or_an(n) for n in (805, 8, 11, 18, 18000, 100, 544, 1089)] == \
        ["an", "an", "an", "an", "an", "a", "a", "a"]


def test_hidden_sizes_must_come_in_order_and_threads_within_the_machine(monkeypatch):
    with pytest.raises(ValueError, match="ordered sequence"):
        sh.Config(hidden={4, 16})
    with pytest.raises(ValueError, match="threads must be a whole number >= 0 and <= "):
        sh.Config(threads=100000)
    monkeypatch.setenv("SPARSE_THREADS", "²")
    with pytest.raises(ValueError, match="SPARSE_THREADS must be a whole number"):
        sh.config.threads_from_env()


def test_a_range_of_one_value_reads_as_that_value():
    assert sh.prose.span(80.91, 80.88, "{:.1f}%") == "80.9%"
    assert sh.prose.span(83.2, 96.5, "{:.1f}%") == "83.2% to 96.5%"
    assert sh.prose.span(46, 52, "{:.0f}", "-") == "46-52"
    assert sh.prose.between(80.9, 80.9, "{:.1f}%") == "at 80.9%"
    assert sh.prose.between(82.6, 83.7, "{:.1f}%") == "between 82.6% and 83.7%"
    assert sh.prose.between(91.4, 96.5, "{:.1f}%", ("from", "to")) == "from 91.4% to 96.5%"


def test_tables_show_the_same_ids_and_text_in_every_run():
    frame = pd.DataFrame({"final %": [82.6, 83.1]}, index=pd.Index([0, 1], name="seed"))
    first, again = (sh.prose.table(frame, percent=["final %"]) for _ in range(2))
    assert first.to_html() == again.to_html() and "0x" not in repr(first)
    assert repr(first) == frame.to_string()
    assert sh.prose.table(frame.assign(**{"final %": [1.0, 2.0]})).to_html() != first.to_html()
