"""The statistics every notebook uses: intervals over seeds, paired tests, rates, collapses.

Every test here comes from scipy; this module only decides what is compared and says what
a small sample can and cannot show.
"""
import math
import numbers
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats as sps

from ..computing.validate import as_fraction, as_int, as_list

CONFIDENCE = 0.95
# A network has collapsed when its validation accuracy is no better than always answering the
# split's most common class plus this margin: it learned nothing (chance here is about 10%).
COLLAPSE_MARGIN = 0.02


class Interval(NamedTuple):
    """A mean over n values with its two-sided t-interval."""
    n: int
    mean: float
    low: float
    high: float
    sd: float

    def excludes_zero(self):
        """Whether the interval lies wholly above or wholly below zero."""
        return self.low > 0 or self.high < 0

    def text(self, unit=" points", decimals=1):
        """'3.2 points (95% interval 1.1 to 5.3, n = 5)'."""
        f = f"{{:.{decimals}f}}"
        if self.n == 0:
            return "no values to average (n = 0)"
        if self.n < 2:
            return f"{f.format(self.mean)}{unit} (n = {self.n}: no interval)"
        return (f"{f.format(self.mean)}{unit} ({100 * CONFIDENCE:.0f}% interval {f.format(self.low)} "
                f"to {f.format(self.high)}, n = {self.n})")


def check_confidence(confidence):
    """Refuse a confidence level outside (0, 1): 1.5 or 95 would give nan or nonsense bounds."""
    if isinstance(confidence, (bool, np.bool_)) or not isinstance(confidence, numbers.Real) \
            or not 0 < confidence < 1:
        raise ValueError(f"confidence must be a fraction in (0, 1), e.g. confidence=0.95 for a 95% "
                         f"interval; got {confidence!r}")


def t_interval(values, confidence=CONFIDENCE):
    """The mean of values with its t-interval (nan bounds for fewer than two values)."""
    check_confidence(confidence)
    v = numbers_of(values, "values")
    v = v[~np.isnan(v)]
    n = len(v)
    if n == 0:
        return Interval(0, math.nan, math.nan, math.nan, math.nan)
    mean = float(v.mean())
    if n < 2:
        return Interval(1, mean, math.nan, math.nan, math.nan)
    sd = float(v.std(ddof=1))
    half = float(sps.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return Interval(n, mean, mean - half, mean + half, sd)


class PairedTest(NamedTuple):
    """A paired comparison over seeds: the per-seed differences, their interval and two tests."""
    differences: np.ndarray
    interval: Interval
    t_p: float           # two-sided paired t-test
    wilcoxon_p: float    # two-sided exact signed-rank test
    smallest_p: float    # the smallest p the signed-rank test can give at this n

    def verdict(self, above="ahead", below="behind"):
        """'ahead', 'behind' or 'not shown at n = 5', by whether the interval excludes zero."""
        if self.interval.excludes_zero():
            return above if self.interval.mean > 0 else below
        return f"not shown at n = {self.interval.n}"


def paired_test(differences):
    """The paired test of per-seed differences (a minus b, one per seed; nan ones dropped)."""
    d = numbers_of(differences, "differences")
    d = d[~np.isnan(d)]
    interval = t_interval(d)
    if len(d) < 2 or np.allclose(d, d[0], rtol=1e-12, atol=1e-12):
        p = math.nan  # every difference the same: no spread, so the t-test is undefined
        return PairedTest(d, interval, p, math.nan, smallest_signed_rank_p(len(d)))
    t_p = float(sps.ttest_1samp(d, 0.0).pvalue)
    w_p = float(sps.wilcoxon(d, method="exact").pvalue) if np.any(d != 0) else 1.0
    return PairedTest(d, interval, t_p, w_p, smallest_signed_rank_p(len(d)))


def smallest_signed_rank_p(n):
    """The smallest two-sided p-value the exact signed-rank test can reach with n pairs: 2 / 2^n."""
    return 2.0 / 2 ** n if n > 0 else math.nan


def wilson(wins, n, confidence=CONFIDENCE):
    """The Wilson score interval of a success rate wins / n (scipy's binomtest)."""
    n = as_int(n, "n", minimum=0, example=24)
    wins = as_int(wins, "wins", minimum=0, maximum=n, example=0)
    confidence = as_fraction(confidence, "confidence", low_open=True, example=0.95)
    if n == 0:
        return (0.0, 1.0)
    ci = sps.binomtest(wins, n).proportion_ci(confidence_level=confidence, method="wilson")
    return (max(0.0, float(ci.low)), min(1.0, float(ci.high)))


def accuracy_se(accuracy, n):
    """The sampling error (binomial standard error) of one accuracy measured on n examples."""
    return math.sqrt(accuracy * (1 - accuracy) / n)


def rule_of_three(n):
    """About the largest rate that n draws without a single win still leave plausible (95%)."""
    n = as_int(n, "n", minimum=1, example=24)
    return 1 - 0.05 ** (1 / n)


def cluster_rate_interval(wins, n, confidence=CONFIDENCE, resamples=4000, seed=0):
    """A percentile bootstrap interval of a pooled rate, resampling whole clusters (seeds).

    wins, n: one count per cluster. Draws that share a seed's θ₀ and data order are not
    independent; resampling seeds instead of draws shows how much that widens the interval.
    """
    check_confidence(confidence)
    w_, n_ = np.asarray(wins), np.asarray(n)
    if w_.ndim != 1 or w_.shape != n_.shape or not all(
            isinstance(v, numbers.Integral) or (isinstance(v, numbers.Real) and float(v).is_integer())
            for v in [*w_.tolist(), *n_.tolist()]) or (w_ < 0).any() or (w_ > n_).any():
        raise ValueError(f"wins and n must be two equally long lists of whole numbers, one per cluster, "
                         f"with 0 <= wins <= n in each, e.g. wins=[3, 1], n=[4, 4]; got wins {wins!r}, n {n!r}")
    wins, n = np.asarray(wins, dtype=float), np.asarray(n, dtype=float)
    if len(wins) < 2 or n.sum() == 0:
        return (math.nan, math.nan)
    if np.all(wins / np.maximum(n, 1) == wins[0] / max(n[0], 1)):
        rate = wins.sum() / n.sum()
        return (rate, rate)
    res = sps.bootstrap((wins, n), lambda w, m: w.sum() / m.sum(), paired=True, vectorized=False,
                        confidence_level=confidence, n_resamples=resamples, method="percentile",
                        rng=np.random.default_rng(seed))
    return (float(res.confidence_interval.low), float(res.confidence_interval.high))


def numbers_of(values, name):
    """values as a 1-D float array (nan allowed: a missing value), or a ValueError naming the fix."""
    if values is None or isinstance(values, (str, bytes, numbers.Number)):
        raise ValueError(f"{name} must be a list or 1-D array of numbers, e.g. [1.2, 0.8, 2.5]; got {values!r:.60}")
    try:
        v = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must hold numbers only, e.g. [1.2, 0.8, 2.5]; got {values!r:.60}") from err
    if v.ndim != 1 or np.isinf(v).any():
        raise ValueError(f"{name} must be a 1-D list of finite numbers (nan for a missing one); got shape "
                         f"{v.shape} with {int(np.isinf(v).sum())} infinite")
    return v


def chance_level(labels):
    """The accuracy of always answering a split's most common class."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or not len(labels) or labels.dtype.kind not in "iu" or (labels < 0).any():
        raise ValueError(f"chance_level needs a split's class labels, a non-empty 1-D list of whole numbers "
                         f">= 0, e.g. sh.stats.chance_level(data.val_y); got {labels!r:.60}")
    counts = np.bincount(labels)
    return counts.max() / counts.sum()


def collapsed(val_acc, chance):
    """Which networks learned nothing: validation accuracy within COLLAPSE_MARGIN of chance."""
    if isinstance(chance, (bool, np.bool_)) or not isinstance(chance, numbers.Real) or not 0 <= chance < 1:
        raise ValueError(f"chance must be the validation split's chance level, a fraction in [0, 1), e.g. "
                         f"chance=sh.stats.chance_level(data.val_y); got {chance!r}")
    return np.asarray(val_acc, dtype=float) <= chance + COLLAPSE_MARGIN


def quantile_table(table, value, by, qs=(0.1, 0.25, 0.5, 0.75, 0.9)):
    """The value's count, mean and quantiles per group of the table."""
    by = [by] if isinstance(by, str) else list(by)
    g = table.groupby(by, sort=False)[value]
    out = g.agg(["count", "mean"])
    for q in qs:
        out[f"q{int(100 * q)}"] = g.quantile(q)
    return out


def with_mean_sd(table):
    """The table with a 'mean' row and, for two rows or more, an 'sd' row (ddof=1) added."""
    out = table.copy()
    mean = table.mean(numeric_only=True)
    out.loc["mean"] = mean
    if len(table) > 1:
        out.loc["sd"] = table.std(numeric_only=True)
    return out


def win_rates(table, threshold, by=("round", "way")):
    """Wins, trials, rate and Wilson interval per group of the table (wins: val_acc >= threshold)."""
    threshold = as_fraction(threshold, "threshold", high_open=False, example=0.8)
    by = [by] if isinstance(by, str) else list(as_list(by, "by", '["round", "way"]'))
    rows = []
    for key, g in table.groupby(by, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        wins, n = int((g.val_acc >= threshold).sum()), len(g)
        lo, hi = wilson(wins, n)
        rows.append({**dict(zip(by, key)), "wins": wins, "n": n, "rate": wins / n,
                     "low": lo, "high": hi, "median val_acc": g.val_acc.median()})
    return pd.DataFrame(rows)


def t_p(interval, value=0.0):
    """The two-sided p-value of a one-sample t-test of the interval's mean against value (nan below n = 2)."""
    if interval.n < 2 or not np.isfinite(interval.sd):
        return math.nan
    if interval.sd == 0:
        return 0.0 if interval.mean != value else 1.0
    t = (interval.mean - value) / (interval.sd / math.sqrt(interval.n))
    return float(2 * sps.t.sf(abs(t), interval.n - 1))
