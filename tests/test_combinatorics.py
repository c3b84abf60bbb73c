import math

import pytest

from sparse_helpers import combinatorics as C


@pytest.mark.parametrize("n,k", [(10, 3), (1000, 100), (6344, 544), (6344, 278)])
def test_log10_comb_agrees_with_exact_math_comb(n, k):
    exact = math.comb(n, k)
    assert C.comb_exact(n, k) == exact
    assert C.log10_comb(n, k) == pytest.approx(C.log10_exact(exact), abs=1e-9 * max(1, C.digits(exact)))
    assert C.digits(exact) == math.floor(C.log10_exact(exact)) + 1


def test_the_posts_ticket_count_has_805_digits_not_1090():
    assert C.digits(C.comb_exact(6344, 544)) == 805


def test_huge_counts_only_via_log_gamma():
    assert C.log10_comb(10**12, 10**9) == pytest.approx(3.434e9, rel=1e-3)


def test_roulette():
    assert C.p_hit_distinct(2) == pytest.approx(2 / 37)
    assert C.p_hit_any(25) == pytest.approx(0.4959, abs=1e-4)
    assert 1 - C.p_hit_any(100) == pytest.approx(0.0646, abs=1e-4)
    assert 1 / (1 - C.p_hit_any(1000)) == pytest.approx(7.93e11, rel=1e-2)
