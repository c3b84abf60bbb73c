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
