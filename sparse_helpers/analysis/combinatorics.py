"""How many sparse subnetworks a dense network holds, and the post's roulette odds, exactly."""
import math
import numbers
from fractions import Fraction

from ..computing.validate import as_int

POCKETS = 37  # a European roulette wheel: 0 to 36


def as_count(value, name):
    """A whole number >= 0 (numpy ints too), or a ValueError."""
    return as_int(value, name, minimum=0, example=544)


def comb_exact(n, k):
    """C(n, k) as an exact Python integer."""
    return math.comb(as_count(n, "n"), as_count(k, "k"))


def digits(x):
    """The number of decimal digits of a whole number >= 0, however large (no str() limit)."""
    x = as_count(x, "x")
    d = max(1, int(x.bit_length() * math.log10(2)))
    while 10 ** d <= x:
        d += 1
    while d > 1 and 10 ** (d - 1) > x:
        d -= 1
    return d


def as_pockets(pockets):
    """The number of pockets on a wheel: a whole number of at least 2, or a ValueError."""
    return as_int(pockets, "pockets", minimum=2, example=37)


def log10_exact(x):
    """log10 of an arbitrarily large positive integer (math.log10 takes big ints)."""
    return math.log10(as_int(x, "x", minimum=1, example=544))


def log10_comb(n, k):
    """log10 C(n, k) from the log-gamma function, for n too large for an exact count."""
    n, k = as_count(n, "n"), as_count(k, "k")
    if k > n:
        raise ValueError(f"k must be at most n for log10 C(n, k) (C is 0 then); got n={n}, k={k}")
    return (math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)) / math.log(10)


def head_and_tail(x, n=30, tail=10):
    """The first n and the last `tail` digits of a big integer, as strings."""
    d, x = digits(x), int(x)
    n, tail = as_int(n, "n", minimum=1, example=30), as_int(tail, "tail", minimum=1, example=10)
    head = str(x // 10 ** max(d - n, 0))
    return head, str(x % 10 ** tail).zfill(min(tail, d))


def p_hit_distinct(balls, pockets=POCKETS):
    """Chance that one of `balls` balls in one spin lands on your number (distinct pockets)."""
    pockets = as_pockets(pockets)
    return Fraction(min(as_count(balls, "balls"), pockets), pockets)


def p_never(spins, pockets=POCKETS):
    """Exact chance of never winning in `spins` independent spins on one number."""
    pockets = as_pockets(pockets)
    return Fraction(pockets - 1, pockets) ** as_count(spins, "spins")


def p_hit_any(spins, pockets=POCKETS):
    """Exact chance of winning at least once in `spins` independent spins on one number."""
    return 1 - p_never(spins, pockets)


def one_in(p):
    """N such that p is '1 in N', rounded to the nearest whole number (p an exact Fraction)."""
    if not isinstance(p, numbers.Real) or not 0 < p <= 1:
        raise ValueError(f"p must be a probability in (0, 1] to be '1 in N'; got {p!r}")
    return round(1 / (Fraction(p) if isinstance(p, numbers.Rational) else Fraction(float(p))))
