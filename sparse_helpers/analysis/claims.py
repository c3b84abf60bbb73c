"""What the series claims: each claim is a test with a rule stated before looking.

A claim names its finding, the rule that decides it (a paired test or interval over seeds with
a margin, a count, a bound), the evidence the rule was applied to, and whether the robustness
run requires it. A required claim that fails stops the notebook; a reported one is printed as
shown or not shown, so that a result n = 5 cannot settle is never worded as if it had.
"""
from dataclasses import dataclass, field

import pandas as pd

from ..computing.config import DEFAULTS


@dataclass(frozen=True)
class Claim:
    """One finding, the rule that decides it, the evidence and the verdict."""
    finding: str                  # what is claimed, in words
    rule: str                     # the test, as it was stated before the data were seen
    holds: bool                   # the test's verdict
    evidence: str = ""            # the numbers the rule was applied to
    required: bool = True         # the robustness run requires it; False: reported either way
    needs: tuple = ()             # Config fields at whose defaults it was measured
    at_least: dict = field(default_factory=dict)  # {field: minimum} it needs, e.g. {"rounds": 12}

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
        return "holds" if self.holds else "not shown"


def check(cfg, claims):
    """Show each claim's verdict and return them as a table; an AssertionError for a required
    claim that fails where it applies."""
    rows, lines = [], []
    for c in claims:
        verdict = c.verdict(cfg)
        kind = "" if c.required else " (reported, not required)"
        shown = c.evidence and not verdict.startswith("not checked")  # no numbers where it does not apply
        lines.append(f"- {verdict}: {c.finding}{kind}" + (f" [{c.evidence}]" if shown else ""))
        rows.append({"finding": c.finding, "rule": c.rule, "evidence": c.evidence,
                     "verdict": verdict.split(" (")[0], "required": c.required})
    emit("\n".join(lines))
    failed = [c for c in claims if c.required and not c.applies(cfg) and not c.holds]
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
