"""The claims register: the notebooks' claims are the register's (ids and rule text), and a claim
without a number to decide on never holds."""
import ast
import math
from pathlib import Path

import numpy as np
import pytest

import sparse_helpers as sh
import sparse_helpers.analysis.lottery  # noqa: F401
from sparse_helpers.analysis import claims as C, register as R

ANALYSIS = Path(__file__).resolve().parents[1] / "sparse_helpers" / "analysis"


def claim_calls():
    """(file, call) of every Claim(...) in the analysis layer."""
    for path in sorted(ANALYSIS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Claim":
                yield path.name, node


def constants():
    """Every string constant (and f-string's constant parts) in the analysis layer."""
    out = set()
    for path in sorted(ANALYSIS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                out.add(node.value)
    return out


def test_every_claim_in_the_code_has_an_id_and_a_rule_of_the_register():
    rules = {e.rule for e in R.ENTRIES}
    for name, call in claim_calls():
        keywords = {k.arg for k in call.keywords}
        assert "id" in keywords, f"{name}:{call.lineno}: a Claim without an id"
        rule = call.args[1] if len(call.args) > 1 else None
        if isinstance(rule, ast.Constant):
            assert rule.value in rules, f"{name}:{call.lineno}: its rule is not in the register"


def test_every_entry_of_the_register_is_claimed_somewhere_with_its_rule():
    found = constants()
    speed = sh.analysis.lottery.SPEED_RULE
    for e in R.ENTRIES:
        assert e.rule in found or e.rule in {speed.format(arms=a) for a in ("re-initialisations", "random masks")}, \
            f"{e.id}: the register's rule is not in the code"


def test_a_rule_that_differs_from_the_register_is_refused():
    entry = R.ENTRIES[0]
    assert sh.Claim("f", entry.rule, True, id=entry.id).provenance.startswith(entry.provenance)
    with pytest.raises(ValueError, match="differs from the register"):
        sh.Claim("f", entry.rule + " (edited)", True, id=entry.id)
    with pytest.raises(ValueError, match="not in the register"):
        sh.Claim("f", "rule", True, id="99.nothing")


def test_the_register_records_a_provenance_and_confirmation_for_every_claim():
    for e in R.ENTRIES:
        assert e.kind in (R.BEFORE, R.REVISED, R.EXPLORATORY)
        assert set(e.seen) <= set(R.SEED_SETS)
        assert e.kind != R.BEFORE or not e.seen, f"{e.id}: stated before any data, yet seeds had been run"
        if e.kind == R.EXPLORATORY or set(e.seen) == set(R.ORDER):
            assert not e.confirmed_by, f"{e.id}: no seed set was first run after its last change"
    assert R.TESTED and all(R.REGISTER[i].tested for i in R.TESTED)


def test_the_register_document_is_the_register():
    doc = (ANALYSIS.parents[1] / "docs" / "claims-register.md").read_text()
    assert R.markdown() in doc, "docs/claims-register.md is out of date: paste register.markdown()"


@pytest.mark.parametrize("holds", [np.nan, float("nan"), None, np.float64("nan")])
def test_a_claim_without_a_number_never_holds_and_stops_check_when_required(holds, capsys):
    c = sh.Claim("finding N", "rule N", holds, "no numbers")
    assert c.undecided and c.holds is None and c.verdict(sh.DEFAULTS).startswith("undecided")
    with pytest.raises(AssertionError, match="finding N"):
        sh.check(sh.DEFAULTS, [c])
    table = sh.check(sh.DEFAULTS, [sh.Claim("finding R", "rule R", holds, required=False)])
    assert table.verdict.iloc[0] == "undecided"


def test_numpy_booleans_still_decide():
    assert sh.Claim("f", "r", np.bool_(True)).holds is True
    assert sh.Claim("f", "r", np.bool_(False)).holds is False


def test_holm_matches_the_step_down_by_hand():
    p = [0.01, 0.04, 0.03, 0.005, math.nan]
    # sorted: 0.005 (x4), 0.01 (x3), 0.03 (x2), 0.04 (x1), each at least the one before
    want = [0.03, 0.06, 0.06, 0.02, math.nan]
    np.testing.assert_allclose(C.holm(p), want)
    assert C.holm([0.5, 0.9]).tolist() == [1.0, 1.0]
    assert C.series_bound(0.001) == pytest.approx(min(1, len(R.TESTED) * 0.001))


def test_a_verdict_that_is_nan_in_any_form_never_holds_and_text_is_refused():
    import torch
    from sparse_helpers.analysis import prose
    from sparse_helpers.analysis.claims import Claim
    for nan in (float("nan"), np.float64("nan"), torch.tensor(float("nan")), np.array(float("nan"))):
        assert Claim("f", "r", nan).holds is None
    assert Claim("f", "r", torch.tensor(True)).holds is True and Claim("f", "r", np.bool_(False)).holds is False
    for bad in ("False", "yes", 0.3, [True]):
        with pytest.raises(ValueError, match="verdict must be True, False or nan"):
            Claim("f", "r", bad)
    with pytest.raises(ValueError, match="when\\(\\) got nan"):
        prose.when(float("nan"), "holds", "not shown")


def test_the_series_wide_holm_table_is_the_committed_notebooks_own():
    import sys
    from pathlib import Path
    tools = Path(__file__).resolve().parents[1] / "tools"
    sys.path.insert(0, str(tools))
    from holm_table import main, printed_p
    assert main(["--check"]) == 0, "docs/claims-register.md's Holm table is out of date: run `make figures`"
    assert {i for i in R.TESTED if i in printed_p()}, "no tested claim's p was found in the notebooks"
