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


@pytest.mark.parametrize("call,match", [
    (lambda: C.digits(-5), "x must be a whole number >= 0"),
    (lambda: C.one_in(0), r"probability in \(0, 1\]"),
    (lambda: C.one_in(2), r"probability in \(0, 1\]"),
    (lambda: C.p_hit_distinct(-3), "balls must be a whole number >= 0"),
    (lambda: C.p_never(2.5), "spins must be a whole number >= 0"),
    (lambda: C.log10_comb(5, 7), "k must be at most n"),
])
def test_bad_arguments_are_refused(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_numpy_ints_and_huge_integers_are_fine():
    import numpy as np
    assert C.digits(np.int64(100)) == 3
    assert C.digits(C.comb_exact(20000, 5000)) == 4883  # beyond str()'s 4,300-digit limit


@pytest.mark.parametrize("call,match", [
    (lambda: C.p_never(2, pockets=-1), "pockets must be a whole number >= 2"),
    (lambda: C.p_hit_distinct(3, pockets=1.5), "pockets must be a whole number >= 2"),
    (lambda: C.log10_exact(0), "x must be a whole number >= 1"),
    (lambda: C.one_in("0.5"), "p must be a probability"),
    (lambda: C.head_and_tail(12345, tail=-1), "tail must be a whole number >= 1"),
])
def test_impossible_wheels_and_numbers_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()
