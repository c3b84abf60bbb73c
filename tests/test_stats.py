import pytest
import torch

import sparse_helpers as sh
from sparse_helpers.stats import format_stats, layer_stats, weight_stats


def test_weight_stats_on_known_values():
    s = weight_stats(torch.tensor([-0.5, 0.0005, 0.02, 0.07, 1.0]))
    assert s["count"] == 5 and s["min"] == -0.5 and s["max"] == 1.0
    assert s["mean"] == pytest.approx(0.1181)
    assert [s[f"|w|<{c}"] for c in (0.001, 0.01, 0.05, 0.1)] == [0.2, 0.2, 0.4, 0.6]
    assert "|w| < 0.05: 40.00%" in format_stats(s)


def test_layer_stats_has_all_and_each_layer():
    table = layer_stats(sh.snapshot(sh.make_mlp()))
    assert table.index.tolist() == ["all", "784x8", "8x4", "4x10"]
    assert table["count"].tolist() == [6344, 6272, 32, 40]


def test_wins_by_dead_units_keeps_levels_with_both_kinds_and_survives_one_kind_only():
    import pandas as pd
    rows = [(1, "even", 0, 0.9), (1, "even", 0, 0.7), (1, "even", 1, 0.6), (1, "even", 2, 0.85),
            (2, "even", 1, 0.5), (2, "even", 1, 0.5), (2, "other", 0, 0.9)]
    table = pd.DataFrame(rows, columns=["round", "way", "dead units", "val_acc"])
    out = sh.stats.wins_by_dead_units(table, ["even"], 0.8, minimum=2)
    assert out.index.tolist() == [1]
    assert out.loc[1].tolist() == [1, 2, 1, 2]
    assert sh.stats.wins_by_dead_units(table[table["round"] == 2], ["even"], 0.8, minimum=1).empty
