"""The five committed notebooks under nbval, against results/, in a pytest run of their own.

nbval keeps one kernel per notebook across its cells, so the cells must run in order in one
process; spread over xdist's workers they would lose each other's variables.
"""
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.xdist_group("nbval")
def test_the_committed_notebooks_pass_nbval():
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--nbval-lax",
                          "--nbval-current-env", "notebooks"], cwd=REPO, capture_output=True, text=True)
    assert run.returncode == 0, f"nbval failed:\n{run.stdout[-8000:]}\n{run.stderr[-2000:]}"
    assert " passed" in run.stdout and "failed" not in run.stdout.splitlines()[-1], run.stdout[-2000:]
