"""The package stays readable: short functions, each with a docstring, no dead imports."""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sparse_helpers"
MODULES = sorted(PACKAGE.rglob("*.py"))


def functions(tree):
    return [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_function_is_longer_than_40_lines(path):
    tree = ast.parse(path.read_text())
    long = [f"{f.name}: {f.end_lineno - f.lineno + 1} lines" for f in functions(tree)
            if f.end_lineno - f.lineno + 1 > 40]
    assert not long, f"{path.name}: {long}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_public_function_has_a_docstring(path):
    tree = ast.parse(path.read_text())
    missing = [f.name for f in functions(tree)
               if not f.name.startswith("_") and ast.get_docstring(f) is None]
    assert not missing, f"{path.name}: functions without a docstring: {missing}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_unused_imports(path):
    if path.name == "__init__.py":
        return  # it imports to re-export
    tree = ast.parse(path.read_text())
    imported = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                imported[(a.asname or a.name).split(".")[0]] = node.lineno
        elif isinstance(node, ast.ImportFrom):
            for a in node.names:
                imported[a.asname or a.name] = node.lineno
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    used |= {n.value.id for n in ast.walk(tree)
             if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)}
    unused = sorted(name for name in imported if name not in used)
    assert not unused, f"{path.name}: unused imports {unused}"


@pytest.mark.parametrize("script", sorted((Path(__file__).parents[1] / "benchmarks").glob("*.py"))
                         + sorted((Path(__file__).parents[1] / "tools").glob("*.py")), ids=lambda p: p.name)
def test_every_benchmark_script_compiles(script):
    compile(script.read_text(), str(script), "exec")  # make bench runs them; a SyntaxError fails here
