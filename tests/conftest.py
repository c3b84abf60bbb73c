import os
import re
from pathlib import Path

import nbformat
import pytest

import sparse_helpers as sh

REPO = Path(__file__).resolve().parents[1]
VERDICT = re.compile(r"^- (holds|not shown|not checked at these settings)\b", re.M)


@pytest.fixture(scope="session")
def real():
    """The real Fashion-MNIST (make test installs it)."""
    return sh.load_fashion_mnist()


@pytest.fixture
def ck(tmp_path, monkeypatch):
    """Results written to and read from a temporary folder only, never the committed results/."""
    from sparse_helpers.experiments import store
    monkeypatch.setenv("SPARSE_CHECKPOINT_DIR", str(tmp_path))
    monkeypatch.setattr(store, "RESULTS_DIR", tmp_path / "no-committed-results")
    return tmp_path


@pytest.fixture(scope="session")
def tiny():
    """A small learnable synthetic problem with Fashion-MNIST's shapes."""
    return sh.synthetic_data(n_train=2048, n_val=256, n_test=256)


def pytest_collection_modifyitems(items):
    """Start the two first parts of the robustness run, one on each worker, and the groups after
    the single tests; the part that reuses robust-04's results comes last, when it is done."""
    def group(item):
        """The item's xdist group, or ''."""
        mark = item.get_closest_marker("xdist_group")
        return mark.args[0] if mark else ""
    first = {"robust-04": 0, "robust-early": 1, "robust-05-06": 4}  # 2: single tests, 3: other groups
    items.sort(key=lambda item: first.get(group(item), 2 if not group(item) else 3))


def verdicts(path):
    """{verdict: count} of the claims a notebook showed."""
    nb = nbformat.read(path, as_version=4)
    text = "\n".join("".join(o.get("data", {}).get("text/markdown", "")) for c in nb.cells
                     if c.cell_type == "code" for o in c.get("outputs", []))
    out = {}
    for v in VERDICT.findall(text):
        out[v] = out.get(v, 0) + 1
    return out


def pytest_terminal_summary(terminalreporter):
    """After the tests: the claims each run of each notebook showed, by verdict."""
    runs = {"committed notebooks": sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))}
    artifacts = Path(os.environ.get("SPARSE_ARTIFACTS_DIR", REPO / "test-artifacts")) / "notebook-runs"
    for folder in sorted(p for p in artifacts.glob("*") if p.is_dir()):
        runs[folder.name] = sorted(folder.glob("*.ipynb"))
    lines = []
    for run, paths in runs.items():
        for path in paths:
            counts = verdicts(path)
            if counts:
                lines.append(f"  {run:<32} {path.stem:<24} " + ", ".join(f"{n} {v}" for v, n in counts.items()))
    if lines and not hasattr(terminalreporter.config, "workerinput"):
        terminalreporter.write_sep("=", "claims (holds = its rule held; not shown = a reported claim did not)")
        for line in lines:
            terminalreporter.write_line(line)
