"""Statistics against independent references (scipy, exact arithmetic) and the weight tables."""
import math

import numpy as np
import pandas as pd
import pytest
import torch
from scipy import stats as sps

import sparse_helpers as sh
from sparse_helpers.analysis import stats as S
from sparse_helpers.analysis.weights import format_stats, layer_stats, weight_stats


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


@pytest.mark.parametrize("values", [[1.0, 2.0, 4.0], [0.3, -0.2, 0.1, 0.5, 0.4], list(np.linspace(-1, 3, 11))])
def test_t_interval_agrees_with_scipy(values):
    i = S.t_interval(values)
    lo, hi = sps.t.interval(0.95, len(values) - 1, loc=np.mean(values), scale=sps.sem(values))
    assert (i.low, i.high) == pytest.approx((lo, hi)) and i.n == len(values)
    narrow = S.t_interval(values, confidence=0.5)
    assert narrow.high - narrow.low < i.high - i.low  # the confidence level is honoured


def test_paired_test_agrees_with_scipy_and_knows_its_floor():
    a, b = np.array([0.8, 0.82, 0.79, 0.85, 0.81]), np.array([0.75, 0.8, 0.78, 0.8, 0.79])
    p = S.paired_test(a - b)
    assert p.t_p == pytest.approx(sps.ttest_rel(a, b).pvalue)
    assert p.wilcoxon_p == pytest.approx(sps.wilcoxon(a - b, method="exact").pvalue)
    assert p.smallest_p == pytest.approx(2 / 32) and p.wilcoxon_p >= p.smallest_p
    assert p.verdict() == "ahead"
    assert S.paired_test([0.1, -0.1, 0.05]).verdict() == "not shown at n = 3"
    assert S.paired_test([-1.0, -1.2, -0.9, -1.1]).verdict("ahead", "behind") == "behind"
    assert S.paired_test([np.nan, 1.0, 2.0]).interval.n == 2  # nan seeds are left out


@pytest.mark.parametrize("wins,n", [(0, 24), (24, 24), (12, 24), (3, 7)])
def test_wilson_agrees_with_the_closed_form(wins, n):
    z, p = sps.norm.ppf(0.975), wins / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert S.wilson(wins, n) == pytest.approx((max(0, centre - half), min(1, centre + half)), abs=1e-9)
    assert S.wilson(wins, n, confidence=0.5)[1] - S.wilson(wins, n, confidence=0.5)[0] < \
        S.wilson(wins, n)[1] - S.wilson(wins, n)[0]


@pytest.mark.parametrize("wins,n", [(11, 10), (-1, 10), (1, -2)])
def test_wilson_refuses_impossible_counts(wins, n):
    with pytest.raises(ValueError):
        S.wilson(wins, n)


def test_rule_of_three_is_the_zero_win_bound():
    assert S.rule_of_three(24) == pytest.approx(1 - 0.05 ** (1 / 24))
    assert S.wilson(0, 24)[1] > S.rule_of_three(24) > 3 / 24 * 0.9


def test_the_seed_bootstrap_widens_when_seeds_disagree():
    lo, hi = S.cluster_rate_interval([5, 0, 5, 0, 5], [5, 5, 5, 5, 5])
    wl, wh = S.wilson(15, 25)
    assert hi - lo > wh - wl
    assert S.cluster_rate_interval([2, 2, 2], [4, 4, 4]) == (0.5, 0.5)


def test_collapsed_means_at_chance():
    assert S.chance_level(np.array([0, 0, 1, 2])) == 0.5
    assert S.collapsed([0.1, 0.115, 0.13, 0.8], 0.1).tolist() == [True, True, False, False]


def test_win_rates_count_validation_wins_and_check_the_threshold():
    t = pd.DataFrame({"round": [1, 1, 1, 2], "way": ["a"] * 4, "val_acc": [0.81, 0.79, 0.80, 0.5],
                      "test_acc": [0.0, 1.0, 0.0, 1.0]})
    r = S.win_rates(t, 0.8).set_index("round")
    assert r.loc[1, "wins"] == 2 and r.loc[1, "n"] == 3 and r.loc[2, "rate"] == 0
    with pytest.raises(ValueError, match="threshold must be a fraction"):
        S.win_rates(t, 80)
