"""What the series claims: each claim is a test with a written rule and a recorded provenance.

A claim names its finding, the rule that decides it (a paired test or interval over seeds with
a margin, a count, a bound), the evidence the rule was applied to, and whether the robustness
run requires it. A required claim that fails stops the notebook; a reported one is printed as
shown or not shown, so that a result n = 5 cannot settle is never worded as if it had.

No rule here was written before any data: every one was written with the series' seeds 0-4 in
view, and some were changed after other seed sets had been run. The register (`register.py`,
docs/claims-register.md) records, for every claim id, when its rule last changed, which seed
sets had been run by then, and which runs still confirm it; a claim shows that beside its verdict.
"""
import math
from dataclasses import dataclass, field, fields as dataclass_fields

import numpy as np
import pandas as pd

from ..computing.config import DEFAULTS
from .register import REGISTER, TESTED

# The Config fields a notebook's claims were measured at, for Claim(needs=...): the baseline's size
# and epochs (notebooks 02 and 03 read its networks), a dense network's training (notebook 01), and IMP's rounds on
# top of it (notebooks 04 and 05).
BASELINE_DEFAULTS = ("hidden", "epochs")
TRAINING_DEFAULTS = ("epochs", "hidden", "optimizer", "lr", "batch_size")
IMP_DEFAULTS = ("epochs", "hidden", "threshold", "prune_rate", "schedule", "optimizer", "lr", "batch_size")

@dataclass(frozen=True)
class Claim:
    """One finding, the rule that decides it, the evidence and the verdict."""
    finding: str                  # what is claimed, in words
    rule: str                     # the test, as the register records it (see its provenance)
    holds: bool                   # the test's verdict; nan or None: undecided (no number to decide on)
    evidence: str = ""            # the numbers the rule was applied to
    required: bool = True         # the robustness run requires it; False: reported either way
    needs: tuple = ()             # Config fields at whose defaults it was measured
    at_least: dict = field(default_factory=dict)  # {field: minimum} it needs, e.g. {"rounds": 12}
    id: str = ""                  # its entry in the register ("" only for claims made in tests)
    p: float = math.nan           # the p-value of its test, where it has one (two-sided)

    def __post_init__(self):
        object.__setattr__(self, "holds", decided(self.holds))
        fields_ = {f.name for f in dataclass_fields(DEFAULTS)}
        if isinstance(self.needs, str) or not all(n in fields_ for n in self.needs):
            raise ValueError(f"needs must be a tuple of Config field names, e.g. ('epochs', 'hidden'); got {self.needs!r}")
        if not isinstance(self.at_least, dict) or not all(
                k in fields_ and isinstance(v, (int, float)) and not isinstance(v, bool) for k, v in self.at_least.items()):
            raise ValueError(f"at_least must map Config field names to numbers, e.g. {{'rounds': 12}}; got {self.at_least!r}")
        if isinstance(self.p, bool) or not isinstance(self.p, (int, float)) or not (math.isnan(self.p) or 0 <= self.p <= 1):
            raise ValueError(f"p must be a p-value in [0, 1], or nan where the claim has no test; got {self.p!r}")
        if self.id:
            entry = REGISTER.get(self.id)
            if entry is None:
                raise ValueError(f"claim id {self.id!r} is not in the register (analysis/register.py)")
            if entry.rule != self.rule:
                raise ValueError(f"claim {self.id!r}: its rule differs from the register's; change the register "
                                 f"entry (and its provenance) with it.\n  here:     {self.rule}\n  register: {entry.rule}")

    @property
    def undecided(self):
        """Whether the rule had no number to decide on (a nan verdict)."""
        return self.holds is None

    @property
    def provenance(self):
        """Where the rule came from and what confirms it, from the register."""
        entry = REGISTER.get(self.id)
        if entry is None:
            return "not in the register"
        return f"{entry.provenance}, last changed in {entry.changed}; {entry.status()}"

    def applies(self, cfg):
        """The settings (as 'field=value' strings) that put cfg outside what the claim was made for."""
        other = [f for f in self.needs if getattr(cfg, f) != getattr(DEFAULTS, f)]
        other += [f for f, low in self.at_least.items() if getattr(cfg, f) < low]
        return [f"{f}={getattr(cfg, f)!r}" for f in other]

    def verdict(self, cfg):
        """'holds', 'not shown' or 'not checked at these settings (...)'."""
        outside = self.applies(cfg)
        if outside:
            return f"not checked at these settings ({', '.join(outside)}; measured at the defaults only)"
        if self.undecided:
            return "undecided (no number to decide on)"
        return "holds" if self.holds else "not shown"


def decided(holds):
    """True or False for a verdict; None for one that is nan or None (so that it never 'holds').
    A one-element tensor or array counts as its value; text, or several values, is refused."""
    if hasattr(holds, "item") and not isinstance(holds, (bool, np.bool_)):
        try:  # a 0-d array, a one-element tensor; several values stay and are refused below
            holds = holds.item()
        except (ValueError, RuntimeError):
            pass
    if holds is None:
        return None
    if isinstance(holds, (float, np.floating)) and math.isnan(holds):
        return None
    if not isinstance(holds, (bool, np.bool_, int, np.integer)) or isinstance(holds, int) and holds not in (0, 1):
        raise ValueError(f"a claim's verdict must be True, False or nan (undecided); got {holds!r}")
    return bool(holds)


def holm(pvalues):
    """Holm's step-down adjusted p-values, in the order given (nan ones stay nan, and are left out
    of the family)."""
    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    m = len(ok)
    running = 0.0
    for rank, i in enumerate(ok[np.argsort(p[ok], kind="stable")]):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out


def series_bound(p):
    """An upper bound on a claim's Holm-adjusted p across the series' tested claims: m x p, m the size of
    the register's family. Holm's adjusted p is never larger than this (Bonferroni's), whatever the other
    notebooks' p-values are; the exact Holm value needs every notebook's p-values at once."""
    return min(1.0, len(TESTED) * p) if not math.isnan(p) else math.nan


def check(cfg, claims):
    """Show each claim's verdict and return them as a table; an AssertionError for a required
    claim that fails where it applies."""
    if isinstance(claims, Claim) or not isinstance(claims, (list, tuple)) or not all(isinstance(c, Claim) for c in claims):
        raise ValueError(f"check takes a list of Claims (a findings' .claims); got {type(claims).__name__}")
    rows, lines = [], []
    for c in claims:
        verdict = c.verdict(cfg)
        kind = "" if c.required else " (reported, not required)"
        shown = c.evidence and not verdict.startswith("not checked")  # no numbers where it does not apply
        p = ""
        if shown and not math.isnan(c.p):
            p = f"; p = {c.p:.2g}" + (f"; over the series' {len(TESTED)} tested claims, Bonferroni's bound "
                                     f"{series_bound(c.p):.2g} (Holm's adjusted p is no larger)" if c.id in TESTED else
                                     ", not in the series' tested family (exploratory)")
        lines.append(f"- {verdict}: {c.finding}{kind}" + (f" [{c.evidence}{p}]" if shown else "")
                     + (f"  \n  *`{c.id}`: {c.provenance}*" if c.id else ""))
        rows.append({"id": c.id, "finding": c.finding, "rule": c.rule, "evidence": c.evidence,
                     "verdict": verdict.split(" (")[0], "required": c.required, "p": c.p,
                     "Holm bound": series_bound(c.p), "provenance": c.provenance})
    emit("\n".join(lines))
    failed = [c for c in claims if c.required and not c.applies(cfg) and not c.holds]
    undecided = [c for c in failed if c.holds is None]
    if undecided:
        raise AssertionError("These required findings could not be decided (no number to decide on): " + "; ".join(
            f"{c.finding} (rule: {c.rule}; {c.evidence})" for c in undecided))
    if failed:
        raise AssertionError("These findings no longer hold: " + "; ".join(
            f"{c.finding} (rule: {c.rule}; {c.evidence})" for c in failed))
    return pd.DataFrame(rows)


def emit(markdown):
    """Markdown shown in a notebook (so that it wraps between words), printed elsewhere."""
    try:
        from IPython import get_ipython
        kernel = get_ipython() is not None and hasattr(get_ipython(), "kernel")
    except ImportError:
        kernel = False
    if kernel:
        from IPython.display import Markdown, display
        display(Markdown(markdown))
    else:
        print(markdown)
