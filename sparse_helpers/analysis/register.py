"""The claims register: every claim's rule, where the rule came from, and what has tested it since.

Read from the git history (`git log -p -- sparse_helpers/analysis/ notebooks/`). Three seed sets
have been run:

* the series' seeds 0-4, first run in 9a4ef7c (2026-11-26), before any claim was written: every
  rule below was written with them in view;
* the robustness run's seeds 100-102 on the generic kernels, first run in b04fb4f (2026-11-27),
  rerun by every `make test` since;
* seeds 200-202 on the generic kernels, run once, between 157d36a and 11552df (2026-12-02);
* seeds 300-302 on the generic kernels, run once on 2026-12-04 after every rule's last change
  (tools/never_seen.py, the robustness run's small settings): their verdicts are ON_300_302.
  With three seeds a t-interval is wide and the one-sided sign test cannot go below p = 1/8, so
  a rule of p < 0.05 on a sign test can never hold there.

Until 0e87e0d (2026-12-01) a claim was a predicate and a sentence with no rule written beside it;
0e87e0d wrote the rules out, and rewrote most of them. A seed set confirms a rule only when it was
first run after the rule's last change; a later run of it is a regression check.

`Claim(..., id=...)` refuses a rule text that differs from the one recorded here, so a rule cannot
change without its entry (and its provenance) changing too.
"""
from typing import NamedTuple

SEED_SETS = {
    "0-4": ("9a4ef7c", "the series' seeds, this CPU's kernels"),
    "100-102": ("b04fb4f", "the robustness run, generic kernels, rerun by every make test"),
    "200-202": ("157d36a..11552df", "never seen before, generic kernels, run once"),
    "300-302": ("2026-12-04 revision", "never seen before, generic kernels, run once by tools/never_seen.py "
                "after every rule's last change (3 seeds, 1 re-init a round, 6 masks a level)"),
}
ORDER = ("0-4", "100-102", "200-202", "300-302")
REVISION = "2026-12-04 revision"  # rules written or changed in this revision, before 300-302 ran

# provenance kinds
BEFORE = "stated before any data"
REVISED = "revised after seeing seeds {seen}"
EXPLORATORY = "exploratory"


class Entry(NamedTuple):
    """One claim of the register."""
    id: str
    rule: str
    kind: str        # BEFORE, REVISED or EXPLORATORY
    changed: str     # the commit at which the rule (or whether it is required) last changed
    seen: tuple      # the seed sets run by then
    what: str        # what the last change did, and why
    confirmed_by: tuple = ()   # seed sets first run after `changed`, and the outcome there
    tested: bool = False       # decided by a test with a p-value, so in the Holm family

    @property
    def provenance(self):
        """'revised after seeing seeds 0-4 and 100-102 (what changed)' and so on."""
        if self.kind == REVISED:
            return REVISED.format(seen=" and ".join(self.seen))
        return self.kind

    @property
    def regression_checks(self):
        """The seed sets that had been run by the rule's last change: they no longer confirm it."""
        return tuple(s for s in self.seen)

    def status(self):
        """'confirmed on seeds 100-102; regression check on 0-4' or 'no confirmation yet; ...'."""
        later = ((f"{ON_300_302[self.id][0]} on 300-302 ({ON_300_302[self.id][1]})",) if self.id in ON_300_302 else ())
        confirmed = self.confirmed_by + later
        conf = "; ".join(confirmed) if confirmed else "no confirmation yet"
        reg = ", ".join(self.regression_checks)
        return f"{conf}; regression check on {reg}" if reg else conf


OLD = ("0-4",)                       # rules written before the robustness run
MID = ("0-4", "100-102")             # rules written or rewritten from 0e87e0d to 157d36a
ALL = ("0-4", "100-102", "200-202")  # rules changed at 11552df or later

ENTRIES = [
    # notebook 01
    Entry("01.most-seeds-reach-80",
          "count of seeds below 80% test accuracy after the last epoch <= 1", REVISED, "fa82384", OLD,
          "the margin (all seeds but one) set with the series' seeds in view",
          ("held on 100-102 (first run in b04fb4f)", "held on 200-202"), False),
    Entry("01.mean-near-post",
          "the 95% t-interval of the mean over seeds lies inside 81.35%-85.35%", REVISED, "0e87e0d", MID,
          "the bare mean between 81% and 86% became this interval within 2 points of the post's 83.35%",
          ("held on 200-202",), False),
    # notebook 02
    Entry("02.small-weights-drop",
          "for every seed, the share of weights with |w| < 0.05 falls by more than 30 points", REVISED,
          "0e87e0d", MID, "rewritten as a rule over every seed", ("held on 200-202",), False),
    Entry("02.size-follows-init",
          "the 95% t-interval of Spearman's rho between |θ₀| and |w| in the first layer lies above 0",
          REVISED, "0e87e0d", MID, "new: replaced a circular statistic", ("reported; run on 200-202",), True),
    # notebook 03
    Entry("03.prune-10-harmless",
          "max over seeds of |accuracy at 10% - dense accuracy| <= 1 point", REVISED, "fa82384", OLD,
          "the 1-point margin set with the series' seeds in view",
          ("held on 100-102 (first run in b04fb4f)", "held on 200-202"), False),
    Entry("03.prune-30-cheap",
          "the 95% t-interval of the mean loss at 30% sparsity lies below 3 points", REVISED, "11552df", ALL,
          "the 3-point margin (set after seeing 0-4) failed its confirmation on 200-202 (1.3 points, "
          "-2.5 to 5.1, n = 3); since 11552df reported, not required", (), True),
    Entry("03.global-beats-layerwise-50",
          "the 95% t-interval of global minus layer-wise accuracy at 50% sparsity lies above 0", REVISED,
          "0e87e0d", MID, "new in 0e87e0d", ("held on 200-202",), True),
    # notebook 04
    Entry("04.ticket-80-sparse",
          "median over seeds of the sparsest round with validation >= threshold, >= 80% sparse", REVISED,
          "76cfa8c", MID, "the margin was lowered from 89% to 80% sparse", ("held on 200-202",), False),
    Entry("04.ahead-of-reinit",
          "the 95% t-interval of the per-seed mean gap (IMP minus the arm, test accuracy at early stop, "
          "collapsed networks left out) lies above 0", REVISED, "11552df", ALL,
          "collapsed networks left out after seeds 100-102 failed the random-mask version of this rule "
          "(8.1 points, -8.7 to 24.9, n = 3); the last session's note says 200-202 ran after this change, "
          "but it was committed with the 200-202 results in 11552df, so the history cannot show it", (), True),
    Entry("04.ahead-of-random-mask",
          "the 95% t-interval of the per-seed mean gap (IMP minus the arm, test accuracy at early stop, "
          "collapsed networks left out) lies above 0", REVISED, "11552df", ALL,
          "collapsed networks left out after seeds 100-102 failed this rule with every network (8.1 points, "
          "-8.7 to 24.9, n = 3); committed with the 200-202 results in 11552df, so 200-202 cannot be shown "
          "to confirm it", (), True),
    Entry("04.ahead-of-one-shot",
          "the 95% t-interval of the per-seed mean gap (IMP minus the arm, test accuracy at early stop, "
          "collapsed networks left out) lies above 0", REVISED, "11552df", ALL,
          "collapsed networks left out, as for the two required controls; reported only", (), True),
    Entry("04.reinit-within-15",
          "the mean per-seed gap is below 15 points", REVISED, "0e87e0d", MID,
          "a sanity bound set with the series' seeds in view", ("held on 200-202",), False),
    Entry("04.random-mask-within-15",
          "the mean per-seed gap is below 15 points", REVISED, "0e87e0d", MID,
          "a sanity bound set with the series' seeds in view", ("held on 200-202",), False),
    Entry("04.one-shot-within-15",
          "the mean per-seed gap is below 15 points", REVISED, "0e87e0d", MID,
          "a sanity bound set with the series' seeds in view", ("held on 200-202",), False),
    Entry("04.global-ahead-of-layerwise",
          "the 95% t-interval of the per-seed gap lies above 0", REVISED, "11552df", ALL,
          "new at 11552df: the sign, after the 10-point margin failed on 200-202", (), True),
    Entry("04.global-10-ahead-of-layerwise",
          "the 95% t-interval of the per-seed gap lies above 10 points", REVISED, "11552df", ALL,
          "the 10-point margin (set after seeing 0-4) failed its confirmation on 200-202 (lower end 9.8); "
          "since 11552df reported, not required", (), True),
    Entry("04.reinit-round-1",
          "|mean over seeds of (arm minus IMP) at round 1| <= 1.5 points", REVISED, "11552df", ALL,
          "a 1.5-point sanity bound; demoted to reported at 11552df with the random-mask one", (), False),
    Entry("04.random-mask-round-1",
          "|mean over seeds of (arm minus IMP) at round 1| <= 1.5 points", REVISED, "11552df", ALL,
          "the 1.5-point bound failed its confirmation on 200-202 (-1.5 points, -7.2 to 4.2); since "
          "11552df reported, not required", (), False),
    Entry("04.beats-dense-moderate",
          "the 95% t-interval of IMP minus dense, averaged over those rounds, lies above 0", REVISED,
          "0e87e0d", MID, "new in 0e87e0d (the paper's claim, reported)", ("reported; run on 200-202",), True),
    Entry("04.early-stop-late",
          "median early-stop step of IMP, re-init and random-mask networks >= 0.8 x steps", REVISED,
          "fa82384", OLD, "the 80% margin set with the series' seeds in view",
          ("held on 100-102 (first run in b04fb4f)", "held on 200-202"), False),
    Entry("04.long-beats-reinit-post-size",
          "the 95% t-interval of ticket minus mean re-init, per seed, lies above 0", REVISED, "0e87e0d", MID,
          "was '2+ points on average, for all seeds but one'", ("reported; run on 200-202",), True),
    Entry("04.long-beats-reinit-own-ticket",
          "the 95% t-interval of ticket minus mean re-init, per seed, lies above 0", REVISED, "0e87e0d", MID,
          "was '2+ points on average, for all seeds but one'", ("reported; run on 200-202",), True),
    Entry("04.faster-than-reinit",
          "per seed, the share of re-initialisations the ticket reaches the speed threshold (95% of the "
          "seed's dense validation accuracy) before, minus the share that reach it first (never reaching "
          "it counts as slower than any epoch); the exact one-sided sign test over seeds (tickets faster) gives p < 0.05",
          EXPLORATORY, REVISION, ("0-4",), "new: learning speed as time to a threshold, from the stored 40-epoch "
          "curves", (), True),
    Entry("04.faster-than-random-mask",
          "per seed, the share of random masks the ticket reaches the speed threshold (95% of the seed's "
          "dense validation accuracy) before, minus the share that reach it first (never reaching it "
          "counts as slower than any epoch); the exact one-sided sign test over seeds (tickets faster) gives p < 0.05",
          EXPLORATORY, REVISION, ("0-4",), "new: learning speed as time to a threshold, from the stored 40-epoch "
          "curves", (), True),
    Entry("04.faster-window-reinit",
          "per seed, the score of the speed claims at each round of the window, averaged over the window; "
          "the exact one-sided sign test over seeds (IMP faster) gives p < 0.05",
          EXPLORATORY, REVISION, ("0-4",), "new: learning speed at every 10-epoch round, from per-epoch validation "
          "curves the lottery stores from this revision on (its threshold and score are the 4x runs')", (), False),
    Entry("04.faster-window-random-mask",
          "per seed, the score of the speed claims at each round of the window, averaged over the window; "
          "the exact one-sided sign test over seeds (IMP faster) gives p < 0.05",
          EXPLORATORY, REVISION, ("0-4",), "new: learning speed at every 10-epoch round, from per-epoch validation "
          "curves the lottery stores from this revision on (its threshold and score are the 4x runs')", (), False),
    # notebook 05
    Entry("05.first-level-most-win",
          "at the first level, the share of IMP-count masks reaching the threshold >= 75%", REVISED,
          "fa82384", OLD, "the 75% margin set with the series' seeds in view",
          ("held on 100-102 (first run in b04fb4f)", "held on 200-202"), False),
    Entry("05.later-levels-rare",
          "max over later levels and those two ways of the win share <= 20%", REVISED, "fa82384", OLD,
          "the 20% margin set with the series' seeds in view",
          ("held on 100-102 (first run in b04fb4f)", "held on 200-202"), False),
    Entry("05.none-win-90",
          "wins of every random draw at levels >= 90% sparse == 0", REVISED, "0e87e0d", MID,
          "was 'the four sparsest levels'; now every level at 90% sparsity or more", ("held on 200-202",),
          False),
    Entry("05.own-mask-beats-random-90",
          "the 95% t-interval of own mask minus the seed's median random IMP-count mask lies above 0",
          REVISED, "0e87e0d", MID, "new in 0e87e0d", ("reported; run on 200-202",), True),
    # notebook 06
    Entry("06.narrowest-always-fails",
          "failed runs at the narrowest width == its runs", REVISED, "fb25462", MID, "new with notebook 06",
          ("held on 200-202",), False),
    Entry("06.narrowest-by-capacity",
          "the best validation accuracy of all its runs <= threshold - 20 points", REVISED, "fb25462", MID,
          "the 20-point bound set with the series' seeds in view", ("held on 200-202",), False),
    Entry("06.own-width-rarely-fails",
          "failed runs at the series' width <= 10% of its runs", REVISED, "fb25462", MID,
          "new with notebook 06", ("held on 200-202",), False),
    Entry("06.smaller-fails-more",
          "the Wilson 95% interval of the narrowest width's failure rate lies above the series' width's",
          REVISED, "fb25462", MID, "new with notebook 06", ("held on 200-202",), False),
    Entry("06.independent-tickets-need",
          "log10 of p = 1 - F^(1/N), F the Wilson 95% lower bound of its failure rate, <= -90", REVISED,
          "fb25462", MID, "the 10^-90 bound set with the series' numbers in view", ("held on 200-202",),
          False),
    Entry("06.independent-tickets-predict",
          "(1-p)^N <= 10^-(10^100) at every width, p the Wilson lower bound at the sparsest level where a "
          "uniform random subnetwork won; the narrowest width's failure rate's Wilson lower bound > 50%",
          REVISED, "fb25462", MID, "new with notebook 06", ("held on 200-202",), False),
    Entry("06.imp-beats-dense-size",
          "Welch's 95% interval of IMP's ticket minus the dense network (test accuracy) lies above 0",
          REVISED, "fb25462", MID, "new with notebook 06 (one ticket per seed)", ("held on 200-202",), True),
    Entry("06.counts-beat-dense-size",
          "Welch's 95% interval of the per-seed mean of those masks (draws averaged within each seed) minus "
          "the dense network (test accuracy) lies above 0", REVISED, REVISION, ALL,
          "the two masks a seed draws are averaged first: they share the seed's data order, so they are "
          "not independent", (), True),
    Entry("06.imp-ahead-every-size",
          "Welch's 95% interval of IMP minus dense lies above 0 at every count", REVISED, "fb25462", MID,
          "new with notebook 06", ("held on 200-202",), False),
    Entry("06.own-mask-beats-counts",
          "the 95% t-interval over seeds of IMP minus the seed's mean random mask with its counts lies "
          "above 0", REVISED, "fb25462", MID, "new with notebook 06", ("reported; run on 200-202",), True),
]

REGISTER = {e.id: e for e in ENTRIES}
assert len(REGISTER) == len(ENTRIES), "duplicate claim ids"
TESTED = tuple(e.id for e in ENTRIES if e.tested)   # the family a multiplicity correction covers


def markdown():
    """The register as the Markdown table of docs/claims-register.md."""
    lines = ["| id | rule | provenance | last changed | seed sets run by then | what changed | "
             "confirmation and regression checks | in the Holm family |",
             "|---|---|---|---|---|---|---|---|"]
    for e in ENTRIES:
        changed = e.changed
        lines.append(f"| `{e.id}` | {e.rule.replace('|', '&#124;')} | {e.provenance} | {changed} | "
                     f"{', '.join(e.seen)} | {e.what} | {e.status()} | {'yes' if e.tested else 'no'} |")
    return "\n".join(lines)

# Every rule's verdict on seeds 300-302, never run before, run once after every rule's last change
# (tools/never_seen.py 300 301 302): the one seed set that confirms, or fails to confirm, every rule.
ON_300_302 = {
    '01.most-seeds-reach-80': ('held', '0 of 3 below'),
    '01.mean-near-post': ('held', '83.35% (95% interval 81.67 to 85.02, n = 3)'),
    '02.small-weights-drop': ('held', 'drops of 64 to 73 points'),
    '02.size-follows-init': ('not shown', '0.01 (95% interval -0.03 to 0.05, n = 3)'),
    '03.prune-10-harmless': ('held', 'at most 0.05 points'),
    '03.prune-30-cheap': ('held', '0.5 points (95% interval -0.5 to 1.5, n = 3)'),
    '03.global-beats-layerwise-50': ('held', '42.9 points (95% interval 20.7 to 65.2, n = 3)'),
    '04.ticket-80-sparse': ('held', 'median 94.5%'),
    '04.ahead-of-reinit': ('not shown', '2.9 points (95% interval -1.4 to 7.2, n = 3); with every network 6.6 points (95% interval -12.8 to 26.0, n = 3)'),
    '04.reinit-within-15': ('held', '6.6 points (95% interval -12.8 to 26.0, n = 3)'),
    '04.ahead-of-random-mask': ('not shown', '3.5 points (95% interval -2.8 to 9.9, n = 3); with every network 3.5 points (95% interval -2.8 to 9.9, n = 3)'),
    '04.random-mask-within-15': ('held', '3.5 points (95% interval -2.8 to 9.9, n = 3)'),
    '04.ahead-of-one-shot': ('not shown', '1.1 points (95% interval -3.5 to 5.6, n = 3); with every network 1.1 points (95% interval -3.5 to 5.6, n = 3)'),
    '04.one-shot-within-15': ('held', '1.1 points (95% interval -3.5 to 5.6, n = 3)'),
    '04.global-ahead-of-layerwise': ('not shown', '24.8 points (95% interval -3.9 to 53.5, n = 3)'),
    '04.global-10-ahead-of-layerwise': ('not shown', '24.8 points (95% interval -3.9 to 53.5, n = 3)'),
    '04.reinit-round-1': ('held', '-0.3 points (95% interval -2.4 to 1.8, n = 3)'),
    '04.random-mask-round-1': ('held', '-0.4 points (95% interval -1.4 to 0.6, n = 3)'),
    '04.beats-dense-moderate': ('not shown', '-1.2 points (95% interval -2.4 to 0.0, n = 3)'),
    '04.early-stop-late': ('held', 'median step 4128 of 4300'),
    '04.long-beats-reinit-post-size': ('not shown', '1.7 points (95% interval -2.5 to 6.0, n = 2)'),
    '04.faster-than-reinit': ('not shown', 'mean score 1.00, ticket first in 3 of 3 seeds; 2 of 3 never reach it'),
    '04.faster-than-random-mask': ('not shown', 'mean score 1.00, ticket first in 3 of 3 seeds; 2 of 3 never reach it'),
    '04.long-beats-reinit-own-ticket': ('not shown', '5.5 points (95% interval -16.3 to 27.4, n = 3)'),
    '04.faster-window-reinit': ('not shown', 'mean score 0.67, IMP first in 3 of 3 seeds'),
    '04.faster-window-random-mask': ('not shown', 'mean score 0.89, IMP first in 3 of 3 seeds'),
    '05.first-level-most-win': ('held', '83%'),
    '05.later-levels-rare': ('held', 'at most 0%'),
    '05.none-win-90': ('held', '0 wins'),
    '05.own-mask-beats-random-90': ('not shown', '10.5 points (95% interval -12.6 to 33.7, n = 3)'),
    '06.narrowest-always-fails': ('held', '16 of 16'),
    '06.narrowest-by-capacity': ('held', 'best run 44.2%'),
    '06.own-width-rarely-fails': ('held', '0 of 16'),
    '06.smaller-fails-more': ('held', '81% to 100% against 0% to 19%'),
    '06.independent-tickets-need': ('held', 'p <= 10^-100'),
    '06.independent-tickets-predict': ('held', 'prediction at most 10^-(10^236); measured 16 of 16 failed'),
    '06.imp-beats-dense-size': ('held', '58.2 points (95% interval 50.6 to 65.9)'),
    '06.counts-beat-dense-size': ('held', '51.8 points (95% interval 43.8 to 59.7)'),
    '06.imp-ahead-every-size': ('held', '5 of 5 counts'),
    '06.own-mask-beats-counts': ('not shown', '6.5 points (95% interval -0.7 to 13.6, n = 3)'),
}
