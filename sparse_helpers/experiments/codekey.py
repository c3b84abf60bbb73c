"""Which code a result's numbers depend on: the functions its compute step reaches, nothing else.

A result's key holds a hash of code. Hashing whole modules made every edit retire results: a
reworded error message, a new input check, an arm's colour. Here the hash covers only the
definitions that the experiment's compute step can reach, found on a static call graph of the
package (computing and experiments layers), and each definition is hashed after removing what
cannot change a number:

* docstrings and comments;
* refusals: `assert`, and an `if` whose body only raises (its `else` stays); a raise keeps its
  exception class but not its message;
* calls made only for their side effects on the screen or the log: `print`, `warnings.warn`,
  and calls to a function whose whole body is refusals (a check that only raises);
* the analysis layer, where files go (`paths.py`), progress bars (`progress.py`) and the cache
  itself (`store.py`): none of them decides a number a result holds.

A name is followed to its definition through the module's own definitions and its imports; an
attribute on an imported module to that module's definition; `self.x` to the class's (and its
bases') methods; any other `obj.x` to every package method called x (a safe overestimate). A
class brings its fields, bases, decorators and special methods. A check that coerces a value
(`x = as_int(x)`) is followed like any other code: if it changed a value, the key must change.

Functions from outside the package (an arm registered from your own code) are read with
`inspect` and followed through their globals, so editing them retires what they built.
"""
import ast
import copy
import functools
import hashlib
import inspect
import textwrap
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
LAYERS = ("computing", "experiments")
# Classes whose fields are settings: every experiment keys the values it reads (tests/test_keys.py
# checks each field), so a field's default value is not code.
SETTINGS_CLASSES = {("computing/config.py", "Config")}
# Modules that decide no number a result holds: where files go, progress bars, the cache and
# this file; and the data loader, because the data enter every key by their contents' fingerprint.
NOT_COMPUTING = {"computing/paths.py", "computing/progress.py", "computing/data.py",
                 "experiments/store.py", "experiments/codekey.py"}
SIDE_EFFECTS = {"print", "warn"}  # print(...), warnings.warn(...)


# ---------------------------------------------------------------- what a definition computes

def without_docstring(body):
    """A statement list without its leading docstring."""
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        return body[1:]
    return body


def callee_name(call):
    """The last name of what a call calls: f(...) -> 'f', a.b.f(...) -> 'f'."""
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


class Refusals(ast.NodeTransformer):
    """Removes what only refuses or reports (see the module's docstring) from a definition."""

    def __init__(self, refusers=frozenset()):
        self.refusers = refusers

    def statements(self, body):
        """A statement list with refusals removed (the else branch of a refusing if kept)."""
        out = []
        for stmt in without_docstring(body):
            new = self.visit(stmt)
            out += new if isinstance(new, list) else [] if new is None else [new]
        return out

    def generic_visit(self, node):
        """Every statement list inside node, with refusals removed."""
        for field in ("body", "orelse", "finalbody"):
            if isinstance(getattr(node, field, None), list) and getattr(node, field) \
                    and isinstance(getattr(node, field)[0], ast.stmt):
                setattr(node, field, self.statements(getattr(node, field)) or
                        ([ast.Pass()] if field == "body" else []))
        return super().generic_visit(node)

    def visit_Assert(self, node):
        """An assert only refuses."""
        return None

    def visit_Raise(self, node):
        """A raise keeps its exception class, not its message."""
        exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        return ast.Raise(exc=exc, cause=None)

    def visit_If(self, node):
        """An if that only raises goes, leaving its else branch."""
        body = self.statements(node.body)
        if body and all(isinstance(s, ast.Raise) for s in body):
            return self.statements(node.orelse) or None
        node.body, node.orelse = body or [ast.Pass()], self.statements(node.orelse)
        return node

    def visit_Expr(self, node):
        """A call for the screen or the log, or to a check that only refuses, goes."""
        if isinstance(node.value, ast.Call) and callee_name(node.value) in SIDE_EFFECTS | self.refusers:
            return None
        if isinstance(node.value, ast.Constant):
            return None  # a stray string: a comment by another name
        return self.generic_visit(node)


def local_names(node):
    """Names a function binds itself (arguments, assignments, loop and comprehension targets)."""
    out = set()
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        a = node.args
        out |= {x.arg for x in a.posonlyargs + a.args + a.kwonlyargs}
        out |= {x.arg for x in (a.vararg, a.kwarg) if x}
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)):
            out.add(sub.id)
        elif isinstance(sub, ast.arg):
            out.add(sub.arg)
    return out if not isinstance(node, ast.ClassDef) else set()


def is_refuser(node, refusers):
    """Whether a function does nothing but refuse: its body without refusals is empty."""
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    body = Refusals(refusers).statements(copy.deepcopy(node.body))
    return all(isinstance(s, ast.Pass) or (isinstance(s, ast.Return) and s.value is None) for s in body)


# ---------------------------------------------------------------- the package's definitions

class Module:
    """One parsed module: its definitions, the names it imports, and its classes' methods."""

    def __init__(self, rel, tree):
        self.rel, self.defs, self.imports, self.modules = rel, {}, {}, {}
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.defs[node.name] = node
                if isinstance(node, ast.ClassDef):
                    for item in node.body:
                        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                            self.defs[f"{node.name}.{item.name}"] = item
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    for name in ast.walk(t):
                        if isinstance(name, ast.Name):
                            self.defs[name.id] = node
            elif isinstance(node, ast.ImportFrom):
                self.add_import(node)

    def add_import(self, node):
        """Record `from .x import y as z` (package imports only, relative or absolute)."""
        if node.level:
            parts = self.rel.split("/")[:-node.level]
        elif (node.module or "").startswith("sparse_helpers"):
            parts = []
            node = ast.ImportFrom(module=node.module[len("sparse_helpers."):] if "." in node.module
                                  else None, names=node.names, level=1)
        else:
            return
        base = parts + (node.module.split(".") if node.module else [])
        for alias in node.names:
            local = alias.asname or alias.name
            as_module = "/".join(base + [alias.name]) + ".py"
            if (PACKAGE / as_module).is_file():
                self.modules[local] = as_module
            else:
                self.imports[local] = ("/".join(base) + ".py", alias.name)


class Index:
    """Every module of the computing and experiments layers, parsed once."""

    def __init__(self, root=PACKAGE):
        self.root, self.modules, self.texts, self.refs = root, {}, {}, {}
        for layer in LAYERS:
            for path in sorted((root / layer).glob("*.py")):
                rel = path.relative_to(root).as_posix()
                self.modules[rel] = Module(rel, ast.parse(path.read_text()))
        self.methods = {}  # method name -> [(module, 'Class.method')], experiments' own left out
        experiments = self.experiment_classes()
        for rel, mod in self.modules.items():
            for name, node in mod.defs.items():
                if "." in name and (rel, name.split(".")[0]) not in experiments:
                    self.methods.setdefault(name.split(".")[1], []).append((rel, name))
        self.refusers = self.find_refusers()

    def experiment_classes(self):
        """(module, class) of every subclass of store.Experiment: each keys its own code, and
        reaches another's only by naming it (its parents enter the key by their digests)."""
        found, grew = {("experiments/store.py", "Experiment")}, True
        while grew:
            grew = False
            for rel, mod in self.modules.items():
                for name, node in mod.defs.items():
                    if isinstance(node, ast.ClassDef) and (rel, name) not in found and any(
                            isinstance(b, ast.Name) and self.resolve(rel, b.id) in found for b in node.bases):
                        found.add((rel, name))
                        grew = True
        return found

    def find_refusers(self):
        """Names of package functions that only refuse, to a fixed point (a check calling checks)."""
        refusers = set()
        while True:
            found = {name.split(".")[-1] for mod in self.modules.values()
                     for name, node in mod.defs.items() if is_refuser(node, frozenset(refusers))}
            if found <= refusers:
                return frozenset(refusers)
            refusers |= found

    def resolve(self, rel, name):
        """(module, definition name) that a bare name in module rel means, or None."""
        mod = self.modules.get(rel)
        if mod is None:
            return None
        if name in mod.defs:
            return rel, name
        if name in mod.imports:
            target, real = mod.imports[name]
            if target in self.modules and real in self.modules[target].defs:
                return self.resolve(target, real)
        return None

    def computes(self, rel):
        """Whether a module's definitions can decide a number."""
        return rel in self.modules and rel not in NOT_COMPUTING

    def text(self, rel, name):
        """The hashed form of a definition: methods of a class left to their own entries."""
        if (rel, name) not in self.texts:
            self.texts[(rel, name)] = self.normalised(rel, name)
        return self.texts[(rel, name)]

    def normalised(self, rel, name):
        """A definition's source without what cannot change a number (see Refusals)."""
        node = self.modules[rel].defs[name]
        if isinstance(node, ast.ClassDef):
            node = copy.copy(node)
            node.body = [s for s in without_docstring(node.body)
                         if not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))] or [ast.Pass()]
            if (rel, name) in SETTINGS_CLASSES:
                node.body = [ast.AnnAssign(target=s.target, annotation=s.annotation, value=None, simple=1)
                             if isinstance(s, ast.AnnAssign) else s for s in node.body]
        return ast.unparse(Refusals(self.refusers).visit(copy.deepcopy(node)) or ast.Pass())

    def references(self, rel, name):
        """The definitions one definition reaches directly."""
        if (rel, name) not in self.refs:
            self.refs[(rel, name)] = self.direct_references(rel, name)
        return self.refs[(rel, name)]

    def direct_references(self, rel, name):
        """The definitions one definition names (see references)."""
        node = ast.parse(self.text(rel, name)).body[0]
        mod, out = self.modules[rel], set()
        cls = name.split(".")[0] if "." in name else None
        if isinstance(self.modules[rel].defs[name], ast.ClassDef):
            cls = name  # a class brings its special methods: construction runs them
            out |= {(rel, n) for n in mod.defs if n.startswith(f"{name}.__")}
        if cls:
            out.add((rel, cls))
        local = local_names(node)
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and sub.id not in local:
                hit = self.resolve(rel, sub.id)
                out |= {hit} if hit else set()
            elif isinstance(sub, ast.Attribute):
                out |= self.attribute(rel, sub, cls)
        return {r for r in out if r != (rel, name) and self.computes(r[0])}

    def attribute(self, rel, node, cls):
        """What `value.attr` may mean: a module's definition, a class's method, or any method."""
        value, attr = node.value, node.attr
        if isinstance(value, ast.Name):
            target = self.modules[rel].modules.get(value.id)
            if target:
                return {(target, attr)} if target in self.modules and attr in self.modules[target].defs \
                    else set()
            if value.id in ("self", "cls") and cls:
                own = self.method_of(rel, cls, attr)
                return {own} if own else set()  # else an instance attribute, set by a root
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):  # Class(...).attr
            made = self.resolve(rel, value.func.id)
            if made and isinstance(self.modules[made[0]].defs[made[1]], ast.ClassDef):
                own = self.method_of(made[0], made[1], attr)
                return {own} if own else set()
        return set(self.methods.get(attr, []))

    def method_of(self, rel, cls, attr):
        """(module, 'Class.attr') for a method of cls or of a package base class, or None."""
        if f"{cls}.{attr}" in self.modules[rel].defs:
            return rel, f"{cls}.{attr}"
        node = self.modules[rel].defs.get(cls)
        for base in getattr(node, "bases", []):
            hit = self.resolve(rel, base.id) if isinstance(base, ast.Name) else None
            if hit:
                found = self.method_of(hit[0], hit[1], attr)
                if found:
                    return found
        return None

    def reach(self, roots):
        """Every definition reachable from roots, (module, name) pairs, sorted."""
        seen, todo = set(), [r for r in roots if self.computes(r[0])]
        while todo:
            item = todo.pop()
            if item in seen or item[1] not in self.modules[item[0]].defs:
                continue
            seen.add(item)
            todo += self.references(*item)
        return sorted(seen)

    def hashes(self, roots):
        """{'module:name': 12 hex digits} of every definition reachable from roots."""
        return {f"{rel}:{name}": digest(self.text(rel, name)) for rel, name in self.reach(roots)}


def digest(text):
    """12 hex digits of a text."""
    return hashlib.sha256(text.encode()).hexdigest()[:12]


@functools.lru_cache(maxsize=4)
def index_of(signature):
    """The Index of the package as it is on disk (signature: the files' sizes and times)."""
    return Index()


def index():
    """The package's Index, parsed again whenever a file changed."""
    files = sorted(p for layer in LAYERS for p in (PACKAGE / layer).glob("*.py"))
    return index_of(tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files))


# ---------------------------------------------------------------- roots: classes and callables

def package_name(obj):
    """(module under the package, qualified name) of a package function or class, or None."""
    module = getattr(obj, "__module__", "") or ""
    if not module.startswith("sparse_helpers."):
        return None
    rel = module[len("sparse_helpers."):].replace(".", "/") + ".py"
    return rel, getattr(obj, "__qualname__", "")


ROOTS = ("compute", "__init__", "encode", "decode")  # what an experiment's numbers pass through


def class_roots(cls, names=ROOTS, idx=None):
    """The definitions an experiment class computes through: by default its compute step, its
    constructor, and the encode/decode pair its stored numbers are read back by."""
    rel, qual = package_name(cls)
    idx, out = idx or index(), []
    for name in names:
        found = idx.method_of(rel, qual, name) if rel in idx.modules else None
        out += [found] if found else []
    return out


def callable_hashes(func, idx=None):
    """{'name': digest} of a callable and what it reaches, in the package or outside it."""
    idx = idx or index()
    if isinstance(func, functools.partial):
        bound = repr((func.args, sorted(func.keywords.items())))
        name = f"{getattr(func.func, '__module__', '')}:{getattr(func.func, '__qualname__', '')}"
        return {**callable_hashes(func.func, idx), f"{name} with {bound}": digest(bound)}
    pkg = package_name(func)
    if pkg and pkg[0] in idx.modules and "<" not in pkg[1]:
        return idx.hashes([pkg])
    return foreign_hashes(func, set(), idx)


def foreign_hashes(func, seen, idx):
    """Hashes of a function defined outside the package (or a lambda), following its globals."""
    key = f"{getattr(func, '__module__', '?')}:{getattr(func, '__qualname__', repr(func))}"
    if key in seen:
        return {}
    seen.add(key)
    try:
        source = textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError):
        code = getattr(func, "__code__", None)
        return {key: digest(repr((code.co_code, code.co_consts, code.co_names)) if code else repr(func))}
    try:
        tree = ast.parse(source)
    except SyntaxError:  # a lambda inside a longer statement: its line as written
        return {key: digest(source)}
    text = ast.unparse(Refusals(idx.refusers).visit(tree))
    out = {key: digest(text)}
    scope = getattr(func, "__globals__", {})
    for name in {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}:
        target = scope.get(name)
        if callable(target) and (inspect.isfunction(target) or isinstance(target, functools.partial)):
            out.update(callable_hashes(target, idx) if package_name(target) else foreign_hashes(target, seen, idx))
    return out


def combined(hashes):
    """12 hex digits of a {name: digest} map."""
    return digest("\n".join(f"{k}={v}" for k, v in sorted(hashes.items())))
