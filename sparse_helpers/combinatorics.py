"""How many sparse subnetworks a dense network holds, and the post's roulette odds."""
import math

POCKETS = 37  # a European roulette wheel: 0 to 36


def comb_exact(n, k):
    """C(n, k) as an exact Python integer."""
    return math.comb(n, k)


def digits(x):
    """The number of decimal digits of a positive integer."""
    return len(str(x))


def log10_comb(n, k):
    """log10 C(n, k) from the log-gamma function, for n too large for an exact count."""
    return (math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)) / math.log(10)


def log10_exact(x):
    """log10 of an arbitrarily large positive integer, accurate to float precision."""
    d = digits(x)
    head = int(str(x)[:17])
    return math.log10(head) + d - 17 if d > 17 else math.log10(x)


def p_hit_distinct(balls, pockets=POCKETS):
    """Chance that one of `balls` distinct pockets is yours on one spin."""
    return balls / pockets


def p_hit_any(spins, pockets=POCKETS):
    """Chance of winning at least once in `spins` independent spins on one number."""
    return 1 - (1 - 1 / pockets) ** spins
