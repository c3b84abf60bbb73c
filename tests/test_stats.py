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
