"""Notebook 06's findings: does a narrower dense network fail more often, does a sparse one of the
same size do better, and what would the post's lottery picture predict?

Failure follows the series' rule: validation accuracy below the threshold (the post's 80%).
A network has collapsed when it ends at chance (stats.collapsed). The lottery picture counts the
subnetworks of a network of n weights two ways: all of them (2^n) and those of the post's ticket
share, C(n, k) with k = n x 544 / 6,344. If each were an independent ticket that wins with
probability p, training would fail with probability (1 - p)^N; every such number is computed
here in logarithms, since N itself has hundreds of digits.
"""
import math
import numbers
import warnings
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import stats as sps

from ..computing.model import describe
from ..experiments.odds import WAYS, Odds
from ..experiments.widths import SIZE_WAYS, SizeRuns, WidthRuns
from .checks import check_result, check_same_data, check_same_source
from .claims import Claim
from .combinatorics import log10_comb
from .prose import POST_TICKET, POST_WEIGHTS
from .stats import CONFIDENCE, Interval, chance_level, check_confidence, collapsed, paired_test, wilson

TICKET_SHARE = POST_TICKET / POST_WEIGHTS   # the post's 544 of 6,344 weights
AT_DEFAULTS = ("epochs", "hidden", "threshold", "optimizer", "lr", "batch_size")
QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
SUCCESS = 0.99  # restarts are counted until at least one succeeds with this probability
PREDICTION = "prediction: (1-p)^N = 10^-(10^x), x"   # lottery_table's columns
LEVEL_COUNT = "log10 N at that level"


def log10_never(log10_tickets, p):
    """x such that (1 - p)^N = 10^-(10^x), for N = 10^log10_tickets independent tickets that
    each win with probability p. -inf when p = 0 (the failure is certain), inf when p = 1."""
    if not 0 <= p <= 1:
        raise ValueError(f"p must be a probability in [0, 1]; got {p!r}")
    if p == 0:
        return -math.inf
    if p == 1:
        return math.inf
    return log10_tickets + math.log10(-math.log1p(-p) / math.log(10))


def never_probability(log10_tickets, p):
    """(1 - p)^N as a float, 0.0 where it is below the smallest float (see log10_never)."""
    x = log10_never(log10_tickets, p)
    if x == -math.inf:
        return 1.0
    return 0.0 if x > 3 else 10.0 ** -(10.0 ** x)


def implied_log10_p(failure, log10_tickets):
    """log10 of the p at which N = 10^log10_tickets independent tickets all lose with probability
    `failure`: p = 1 - failure^(1/N). -inf when failure = 1, 0 (p = 1) when failure = 0."""
    if not 0 <= failure <= 1:
        raise ValueError(f"failure must be a probability in [0, 1]; got {failure!r}")
    if failure == 1:
        return -math.inf
    if failure == 0:
        return 0.0
    if log10_tickets > 15:  # 1 - e^(-y) = y to double precision for y this small
        return math.log10(-math.log(failure)) - log10_tickets
    return math.log10(-math.expm1(math.log(failure) / 10.0 ** log10_tickets))


def restarts_needed(failure, success=SUCCESS):
    """Independent restarts needed for at least one to succeed with probability `success`
    (inf when every start fails)."""
    if failure <= 0:
        return 1
    if failure >= 1:
        return math.inf
    return max(1, math.ceil(math.log(1 - success) / math.log(failure)))


def ticket_count(n, share=TICKET_SHARE):
    """log10 C(n, k) with k = round(n x share): the subnetworks of that share of n weights."""
    return log10_comb(int(n), int(round(n * share)))


def rate_columns(hits, n, prefix):
    """{prefix: rate %, prefix low/high: Wilson bounds %} for hits out of n."""
    low, high = wilson(int(hits), int(n))
    return {f"{prefix} %": 100 * hits / n, f"{prefix} low %": 100 * low, f"{prefix} high %": 100 * high}


def width_table(table, threshold, chance):
    """Per width: its architecture, runs, failures and collapses with Wilson intervals, validation
    accuracy quantiles (%), the best run and the log10 counts of its subnetworks."""
    if isinstance(threshold, (bool, np.bool_)) or not isinstance(threshold, numbers.Real) or not 0 < threshold <= 1:
        raise ValueError(f"threshold must be a fraction in (0, 1], e.g. 0.8 for 80%; got {threshold!r}")
    rows = []
    for w, g in table.groupby("width"):
        n, failed, gone = len(g), int((g.val_acc < threshold).sum()), int(collapsed(g.val_acc, chance).sum())
        acc = 100 * g.val_acc
        rows.append({"width": int(w), "hidden": g.hidden.iloc[0], "weights": int(g.weights.iloc[0]), "runs": n,
                     "failed": failed, **rate_columns(failed, n, "failed"), "collapsed": gone,
                     **rate_columns(gone, n, "collapsed"),
                     **{f"q{int(100 * q)} %": acc.quantile(q) for q in QUANTILES},
                     "best %": acc.max(), "mean test %": 100 * g.test_acc.mean(),
                     "with a silent unit": int((g["silent units"] > 0).sum()),
                     "log10 2^n": int(g.weights.iloc[0]) * math.log10(2),
                     "log10 C(n, k)": ticket_count(int(g.weights.iloc[0]))})
    return pd.DataFrame(rows).set_index("width")


def uniform_odds(odds, threshold):
    """Notebook 05's uniformly random subnetworks: per level, its share of weights remaining, wins,
    draws, the rate and its Wilson interval (fractions). None without odds."""
    if odds is None or not len(odds.table):
        return None
    u = odds.table[odds.table.way == WAYS[2]]
    rows = []
    for r, g in u.groupby("round"):
        wins, n = int((g.val_acc >= threshold).sum()), len(g)
        low, high = wilson(wins, n)
        rows.append({"round": int(r), "remaining": float(g.remaining.mean()), "kept": int(g.kept.median()),
                     "wins": wins, "draws": n, "rate": wins / n, "low": low, "high": high})
    return pd.DataFrame(rows).set_index("round")


def lottery_table(widths, p_level):
    """Per width: the measured failure rate beside what independent tickets would predict.

    p_level: a row of uniform_odds (a level where some random subnetworks won), or None. Its
    Wilson lower bound is the p used: the least the draws allow. The prediction counts the
    subnetworks of that level's share; the implied p counts those of the post's ticket share.
    """
    out = pd.DataFrame(index=widths.index)
    out["weights"], out["failed %"] = widths.weights, widths["failed %"]
    out["log10 C(n, k)"] = widths["log10 C(n, k)"]
    if p_level is not None:
        tickets = [ticket_count(n, p_level.remaining) for n in widths.weights]
        out[LEVEL_COUNT] = tickets
        out[PREDICTION] = [log10_never(t, p_level.low) for t in tickets]
    out["implied log10 p, low"] = [implied_log10_p(min(1.0, h / 100), t) for h, t in
                                   zip(widths["failed high %"], widths["log10 C(n, k)"])]
    out["implied log10 p, high"] = [implied_log10_p(max(0.0, lo / 100), t) for lo, t in
                                    zip(widths["failed low %"], widths["log10 C(n, k)"])]
    out["restarts for 99%"] = [restarts_needed(f / 100) for f in widths["failed %"]]
    return out


def welch(a, b, confidence=CONFIDENCE):
    """The difference of means a - b of two independent samples with Welch's t-interval
    (an Interval whose n counts both samples; nan bounds below two values in either)."""
    check_confidence(confidence)
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    diff = float(a.mean() - b.mean()) if len(a) and len(b) else math.nan
    if len(a) < 2 or len(b) < 2:
        return Interval(len(a) + len(b), diff, math.nan, math.nan, math.nan)
    if a.std() == 0 and b.std() == 0:
        return Interval(len(a) + len(b), diff, diff, diff, 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ci = sps.ttest_ind(a, b, equal_var=False).confidence_interval(confidence)
    return Interval(len(a) + len(b), diff, float(ci.low), float(ci.high), math.nan)


def welch_p(a, b):
    """The two-sided p-value of Welch's test of a against b (nan below two values in either)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if len(a) < 2 or len(b) < 2 or (a.std() == 0 and b.std() == 0):
        return math.nan
    return float(sps.ttest_ind(a, b, equal_var=False).pvalue)


def interval_text(i, unit=" points"):
    """'12.3 points (95% interval 8.1 to 16.5)', or the difference alone without an interval."""
    if math.isnan(i.low):
        return f"{i.mean:.1f}{unit} (no interval)"
    return f"{i.mean:.1f}{unit} ({100 * CONFIDENCE:.0f}% interval {i.low:.1f} to {i.high:.1f})"


@dataclass(frozen=True)
class SizeComparison:
    """At one weight count: the dense narrow network against the sparse ones (test accuracy, %)."""
    width: int
    weights: int
    means: dict               # 'dense, <hidden>' and each of SIZE_WAYS -> mean test %
    failed: dict              # the same keys -> (failed, networks) on the validation threshold
    versus_dense: dict        # each of SIZE_WAYS -> its Interval minus the dense narrow network (Welch,
                              # over per-seed means: a seed's draws share its data order, so they are
                              # averaged before they are compared)
    imp_vs_counts: object     # PairedTest over seeds: IMP minus the seed's masks with its counts
    imp_vs_uniform: object    # PairedTest over seeds: IMP minus the seed's uniform masks
    rounds: tuple             # the IMP rounds the tickets came from (min, max over seeds)
    versus_dense_p: dict = None  # each of SIZE_WAYS -> Welch's p against the dense narrow network
    draws: dict = None           # each of SIZE_WAYS -> (networks, seeds)


def per_seed_mean(rows):
    """Test accuracy (%) per seed, averaged over a seed's draws."""
    return 100 * rows.groupby("seed").test_acc.mean()


def compare_size(width, weights, dense, sparse, threshold):
    """The SizeComparison at one target from the dense narrow runs and the sparse networks there."""
    ways = {w: sparse[sparse.way == w] for w in SIZE_WAYS}
    imp, counts, uniform = (per_seed_mean(ways[w]) for w in SIZE_WAYS)
    groups = {"dense narrow": dense, **ways}
    failed = {k: (int((g.val_acc < threshold).sum()), len(g)) for k, g in groups.items()}
    rounds = ways[SIZE_WAYS[0]]["round"]
    return SizeComparison(int(width), int(weights), {k: 100 * g.test_acc.mean() for k, g in groups.items()},
                          failed, {w: welch(per_seed_mean(g), 100 * dense.test_acc) for w, g in ways.items()},
                          paired_test(imp - counts.reindex(imp.index)), paired_test(imp - uniform.reindex(imp.index)),
                          (int(rounds.min()), int(rounds.max())),
                          {w: welch_p(per_seed_mean(g), 100 * dense.test_acc) for w, g in ways.items()},
                          {w: (len(g), int(g.seed.nunique())) for w, g in ways.items()})


def size_comparisons(sizes, runs, threshold):
    """One SizeComparison per target of the sizes experiment (none without targets)."""
    if sizes is None or not len(sizes.targets):
        return []
    return [compare_size(t.width, t.weights, runs[runs.width == t.width], sizes.table[sizes.table.weights == t.weights],
                         threshold) for t in sizes.targets.itertuples()]


def size_table(comparisons):
    """Mean test accuracy (%) of the dense narrow network and each sparse way, per weight count."""
    return pd.DataFrame([{"weights": c.weights, "width": c.width, **c.means,
                          "IMP minus dense": c.versus_dense[SIZE_WAYS[0]].mean} for c in comparisons]).set_index("weights") \
        if comparisons else pd.DataFrame()


def imp_layer_counts(sizes):
    """The median per-layer counts of IMP's exact-size masks, per weight count: {weights: [...]}."""
    if sizes is None or not len(sizes.table):
        return {}
    imp = sizes.table[sizes.table.way == SIZE_WAYS[0]]
    return {int(n): [int(v) for v in np.median(np.array(g["layer counts"].tolist()), axis=0)]
            for n, g in imp.groupby("weights")}


def pick_level(odds):
    """The sparsest of notebook 05's levels at which some uniformly random subnetwork won (or None)."""
    if odds is None:
        return None
    won = odds[odds.wins > 0]
    return won.loc[won.remaining.idxmin()] if len(won) else None


@dataclass(frozen=True)
class WidthFindings:
    """What notebook 06 says (rates and accuracies in percent)."""
    widths: pd.DataFrame      # width_table
    reference: int            # the series' own first-layer width
    chance: float             # the validation split's most common class share (a fraction)
    capacity: list            # widths whose best run stays below the threshold
    odds: object              # uniform_odds of notebook 05 (or None)
    p_level: object           # the row of odds whose Wilson lower bound is the p used (or None)
    lottery: pd.DataFrame     # lottery_table
    sizes: list               # SizeComparison per weight count
    size_means: pd.DataFrame  # size_table
    layer_counts: dict        # weights -> IMP's median per-layer counts there
    model_epochs: int         # what the width runs trained
    claims: list


def width_findings(runs, sizes, odds, data):
    """The findings of notebook 06 from the width runs, the sizes runs and notebook 05's odds
    (either may be None), all computed on the data given."""
    check_result(runs, WidthRuns, "runs", "WidthExperiment(cfg, data, widths, per_width).result()")
    if sizes is not None:
        check_result(sizes, SizeRuns, "sizes", "SizesExperiment(lottery, widths, draws).result()")
    if odds is not None:
        check_result(odds, Odds, "odds", "OddsExperiment(lottery, levels, per_level).result()")
    for name, result in (("the width runs", runs), ("the sizes runs", sizes), ("the odds", odds)):
        check_same_data(data, name, result)
    check_same_source("the width runs", runs, "the sizes runs", sizes)
    check_same_source("the width runs", runs, "the odds", odds)
    cfg, table = runs.config, runs.table
    chance = chance_level(data.val_y)
    widths = width_table(table, cfg.threshold, chance)
    level = pick_level(uniform_odds(odds, cfg.threshold))
    comparisons = size_comparisons(sizes, table, cfg.threshold)
    f = WidthFindings(widths, cfg.hidden[0], chance, [int(w) for w in widths.index[widths["best %"] < 100 * cfg.threshold]],
                      uniform_odds(odds, cfg.threshold), level, lottery_table(widths, level), comparisons,
                      size_table(comparisons), imp_layer_counts(sizes), len(table) * cfg.epochs, [])
    return replace(f, claims=width_claims(f, cfg))


def network(hidden):
    """'784-1-1-10' for the hidden column's '1-1'."""
    return describe(tuple(int(h) for h in hidden.split("-")))


def width_claims(f, cfg):
    """The claims of notebook 06, each with its rule."""
    w, threshold = f.widths, 100 * cfg.threshold
    narrow, ref = w.iloc[0], w.loc[f.reference]
    if int(w.index[0]) == f.reference:
        return []
    claims = [
        Claim(f"every run of the narrowest network ({network(narrow.hidden)}) fails", "failed runs at the narrowest width "
              "== its runs", narrow.failed == narrow.runs, f"{narrow.failed} of {narrow.runs}", needs=AT_DEFAULTS,
              id="06.narrowest-always-fails"),
        Claim("the narrowest network fails by its capacity, not by bad luck: even its best run ends 20 points or more "
              "below the threshold", "the best validation accuracy of all its runs <= threshold - 20 points",
              narrow["best %"] <= threshold - 20, f"best run {narrow['best %']:.1f}%", needs=AT_DEFAULTS,
              id="06.narrowest-by-capacity"),
        Claim(f"the series' own network ({network(ref.hidden)}) fails in at most one run in ten",
              "failed runs at the series' width <= 10% of its runs", ref["failed %"] <= 10,
              f"{ref.failed} of {ref.runs}", needs=AT_DEFAULTS, id="06.own-width-rarely-fails"),
        Claim("a smaller dense network fails more often: the narrowest fails more often than the series' own",
              "the Wilson 95% interval of the narrowest width's failure rate lies above the series' width's",
              narrow["failed low %"] > ref["failed high %"], f"{narrow['failed low %']:.0f}% to {narrow['failed high %']:.0f}% "
              f"against {ref['failed low %']:.0f}% to {ref['failed high %']:.0f}%", needs=AT_DEFAULTS,
              id="06.smaller-fails-more")]
    return claims + lottery_claims(f) + size_claims(f)


def lottery_claims(f):
    """The claims that set the independent-ticket picture against the measured failures."""
    w, lot = f.widths, f.lottery
    narrow = w.iloc[0]
    need = lot["implied log10 p, high"].iloc[0]
    claims = [Claim("for its failures to come from independent tickets of the post's share, the narrowest network's "
                    "tickets would each have to win less than once in 10^90",
                    "log10 of p = 1 - F^(1/N), F the Wilson 95% lower bound of its failure rate, <= -90",
                    need <= -90, f"p <= 10^{need:.0f}", needs=AT_DEFAULTS,
                    id="06.independent-tickets-need")]
    if f.p_level is not None:
        x = lot[PREDICTION].min()
        claims.append(Claim("with notebook 05's odds, independent tickets predict failure below 10^-(10^100) at every "
                            "width, yet the narrowest network fails in more than half of its runs",
                            "(1-p)^N <= 10^-(10^100) at every width, p the Wilson lower bound at the sparsest level where "
                            "a uniform random subnetwork won; the narrowest width's failure rate's Wilson lower bound > 50%",
                            x >= 100 and narrow["failed low %"] > 50,
                            f"prediction at most 10^-(10^{x:.0f}); measured {narrow.failed} of {narrow.runs} failed",
                            needs=AT_DEFAULTS, id="06.independent-tickets-predict"))
    return claims


def size_claims(f):
    """The claims of the comparison at equal weight counts."""
    if not f.sizes:
        return []
    c, enough = f.sizes[0], {"rounds": 10}
    imp, counts = c.versus_dense[SIZE_WAYS[0]], c.versus_dense[SIZE_WAYS[1]]
    ahead = [s for s in f.sizes if s.versus_dense[SIZE_WAYS[0]].low > 0]
    own = c.imp_vs_counts.interval
    pv = c.versus_dense_p or {}
    return [
        Claim(f"at {c.weights:,} weights, IMP's ticket beats the dense narrow network of that size",
              "Welch's 95% interval of IMP's ticket minus the dense network (test accuracy) lies above 0",
              imp.low > 0, interval_text(imp), needs=AT_DEFAULTS, at_least=enough, id="06.imp-beats-dense-size",
              p=pv.get(SIZE_WAYS[0], math.nan)),
        Claim(f"at {c.weights:,} weights, even random masks with IMP's layer counts beat the dense narrow network",
              "Welch's 95% interval of the per-seed mean of those masks (draws averaged within each seed) minus "
              "the dense network (test accuracy) lies above 0",
              counts.low > 0, interval_text(counts), needs=AT_DEFAULTS, at_least=enough,
              id="06.counts-beat-dense-size", p=pv.get(SIZE_WAYS[1], math.nan)),
        Claim("at every weight count compared, IMP's ticket is ahead of the dense narrow network",
              "Welch's 95% interval of IMP minus dense lies above 0 at every count",
              len(ahead) == len(f.sizes), f"{len(ahead)} of {len(f.sizes)} counts", False, AT_DEFAULTS, enough,
              id="06.imp-ahead-every-size"),
        Claim(f"at {c.weights:,} weights, IMP's own mask beats random masks with its layer counts",
              "the 95% t-interval over seeds of IMP minus the seed's mean random mask with its counts lies above 0",
              own.low > 0, own.text(), False, AT_DEFAULTS, enough, id="06.own-mask-beats-counts",
              p=c.imp_vs_counts.t_p)]
