"""The package's three layers import in one direction, and nothing imports in a circle."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sparse_helpers"
LAYERS = ("computing", "experiments", "analysis")  # each may import only the ones before it


def imports(path):
    """The package modules (as 'layer/module') one module imports."""
    tree, out = ast.parse(path.read_text()), set()
    here = path.relative_to(PACKAGE).parent.parts
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(here[: len(here) - node.level + 1])
            parts = base + (node.module.split(".") if node.module else [])
            for alias in node.names:
                for candidate in (parts, parts + [alias.name]):
                    if (PACKAGE.joinpath(*candidate).with_suffix(".py")).is_file():
                        out.add("/".join(candidate))
    return out


def modules():
    """Every module of the three layers, as 'layer/module'."""
    return {p.relative_to(PACKAGE).with_suffix("").as_posix(): p for layer in LAYERS
            for p in (PACKAGE / layer).glob("*.py") if p.name != "__init__.py"}


@pytest.mark.parametrize("name", sorted(modules()))
def test_a_module_imports_only_its_own_layer_and_those_below(name):
    layer = LAYERS.index(name.split("/")[0])
    above = [m for m in imports(modules()[name]) if LAYERS.index(m.split("/")[0]) > layer]
    assert not above, f"{name} imports {above} from a layer above it"


def test_no_module_imports_itself_in_a_circle():
    graph = {name: {m for m in imports(path) if m in modules()} for name, path in modules().items()}
    state = {}

    def visit(node, trail):
        if state.get(node) == "done":
            return
        assert state.get(node) != "open", f"import cycle: {' -> '.join(trail + [node])}"
        state[node] = "open"
        for nxt in graph[node]:
            visit(nxt, trail + [node])
        state[node] = "done"
    for name in graph:
        visit(name, [])


def test_the_package_has_exactly_the_three_layers():
    folders = sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and not p.name.startswith("__"))
    assert folders == sorted(LAYERS)
    assert [p.name for p in PACKAGE.glob("*.py")] == ["__init__.py"]


def test_importing_the_package_loads_no_plotting_or_widget_library():
    code = ("import sys, sparse_helpers as sh\n"
            "loaded = [m for m in ('matplotlib', 'seaborn', 'ipywidgets') if m in sys.modules]\n"
            "assert not loaded, loaded\n"
            "assert sh.plots.figure and 'seaborn' in sys.modules  # and they load when asked for\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]


# What trains: the analysis layer reads results and never imports or calls any of it. Evaluating
# (computing.train.evaluate, computing.stack.stacked_eval) is reading, not training. The
# experiments layer's objects that train on request (experiments/explorer.py) train there.
TRAINING = {"computing/train": {"train", "train_one", "train_many", "make_optimizer", "epoch_batches"},
            "computing/stack": {"Stack", "Workspace", "EarlyStopTracker"},
            "experiments/lottery": {"imp_round", "run"}, "experiments/baseline": {"trained_baseline"},
            "experiments/floatpath": {"retrain_here"}, "experiments/session": {"session"}}
TRAINING_CALLS = {"compute", "backward", "fit", "train", "train_one", "train_many", "imp_round",
                  "trained_baseline", "retrain_here", "session", "zero_grad"}


def training_uses(source, here=("analysis",)):
    """What trains that a module's source imports or calls: ['imports computing/train.train_many', ...]."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            base = list(here[: len(here) - node.level + 1]) if node.level else []
            module = "/".join(base + (node.module.split(".") if node.module else []))
            module = module.removeprefix("sparse_helpers/")
            for alias in node.names:
                if alias.name in TRAINING.get(module, ()) or f"{module}/{alias.name}" in (
                        "computing/train", "computing/stack"):
                    out.append(f"imports {module}.{alias.name}")
        elif isinstance(node, ast.Import):
            out += [f"imports {a.name}" for a in node.names if a.name.startswith("torch.optim")]
        elif isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if name in TRAINING_CALLS:
                out.append(f"calls {name}()")
    return out


@pytest.mark.parametrize("path", sorted((PACKAGE / "analysis").glob("*.py")), ids=lambda p: p.name)
def test_no_analysis_module_imports_or_calls_what_trains(path):
    assert not training_uses(path.read_text()), (
        f"analysis/{path.name} {training_uses(path.read_text())}: training belongs in the experiments layer")


@pytest.mark.parametrize("source", ["from ..computing.train import evaluate, train_many",
                                    "from ..computing import train", "from ..experiments.lottery import imp_round",
                                    "from ..experiments.baseline import trained_baseline",
                                    "x = Experiment(cfg).compute()", "loss.backward()", "import torch.optim"])
def test_the_training_check_catches_what_it_names(source):
    assert training_uses(source)
