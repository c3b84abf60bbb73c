"""One cache for every experiment: its key, its stored file, and reuse or compute.

An experiment is an object with a config slice (`settings`), a `compute` step, and an
`encode`/`decode` pair for one safetensors file (plain tensors and a JSON header: loading one
never runs code). Its key holds the settings, the fingerprint of its data, and a hash of the
code its numbers depend on: the definitions its compute step reaches, with refusals, messages
and presentation left out (`codekey.py`). Editing a plot, a sentence, an error message or an
input check therefore retires nothing; editing the training step retires every result that
trains, and no other.
"""
import hashlib
import json
import math
import os
import tempfile
import time
import warnings
from pathlib import Path

import pandas as pd
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, safe_open, save_file

from ..computing.data import Dataset, load_fashion_mnist
from ..computing.layout import in_layer_order
from ..computing.paths import RESULTS_DIR, checkpoints_dir, recompute_requested, results_log
from ..computing.config import as_config
from ..computing.validate import plain, refuse_unusable_data
from .codekey import callable_hashes, class_roots, combined, index


class StoredResultError(ValueError):
    """A stored result is unreadable, was made with other settings or data, or fails a check."""


# ---------------------------------------------------------------- one file: tensors, tables, header

def encode_table(table):
    """A DataFrame as JSON that reads back exactly: columns, dtypes and every float's bits."""
    columns = {c: table[c].tolist() for c in table.columns}
    dtypes = {c: str(table[c].dtype) for c in table.columns}
    return json.dumps({"columns": list(map(str, table.columns)), "dtypes": dtypes, "data": columns})


def decode_table(text):
    """The DataFrame encode_table wrote."""
    raw = json.loads(text)
    table = pd.DataFrame({c: raw["data"][c] for c in raw["columns"]}, columns=raw["columns"])
    for c, dtype in raw["dtypes"].items():
        if dtype in ("int64", "float64", "bool") and len(table):
            table[c] = table[c].astype(dtype)
    return table


def checksum(tensors, meta):
    """SHA-256 of a file's tensors (names, dtypes, shapes, bytes) and of its header and tables."""
    digest = hashlib.sha256()
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous().reshape(-1)
        digest.update(f"{name}|{t.dtype}|{tuple(t.shape)}|".encode())
        digest.update(t.view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    for k in sorted(k for k in meta if k != "checksum"):
        digest.update(f"{k}={meta[k]}".encode())
    return digest.hexdigest()


def save_file_atomically(path, header, tensors, tables):
    """Write one result file under a temporary name, then rename it; True when written.

    An unwritable folder is a warning, not a failure: the caller still has the result.
    """
    path = Path(path)
    meta = {"header": json.dumps(plain(header), sort_keys=True)}
    meta.update({f"table:{k}": encode_table(t) for k, t in tables.items()})
    flat = {k: v.detach().cpu().clone().contiguous() for k, v in tensors.items()}  # no shared storage
    meta["checksum"] = checksum(flat, meta)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_partials(path)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".partial")
        os.close(fd)
        save_file(flat, tmp, metadata=meta)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a result is meant to be shared
        os.replace(tmp, path)
        return True
    except (OSError, SafetensorError) as err:
        if tmp and os.path.exists(tmp):
            os.remove(tmp)
        warnings.warn(f"could not write {path} ({err}); the result is returned but not saved. "
                      f"Set SPARSE_CHECKPOINT_DIR to a writable folder to keep it.", stacklevel=3)
        return False


def remove_stale_partials(path, minutes=30):
    """Delete half-written copies of path that a killed process left behind (older than minutes)."""
    for stale in path.parent.glob(f".{path.stem}-*.partial"):
        try:
            if time.time() - stale.stat().st_mtime > 60 * minutes:
                stale.unlink()
        except OSError:
            pass  # another process removed it first, or it is not ours to remove


def read_header(path):
    """The header of a result file without checking the rest, or None when it has none readable."""
    try:
        with safe_open(str(path), framework="pt") as f:
            header = json.loads((f.metadata() or {}).get("header", "null"))
    except (SafetensorError, OSError, ValueError, KeyError, TypeError):
        return None
    return header if isinstance(header, dict) else None


def read_file(path, nan_ok=()):
    """(header, tensors, tables) of a result file, or a StoredResultError saying why not.

    nan_ok: tensors where NaN is a placeholder the result stores on purpose (a validation
    accuracy without a validation split); NaN anywhere else, and infinity anywhere, is damage.
    """
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
        header = json.loads(meta.get("header", "null"))
        tensors = load_file(str(path))
        tables = {k[len("table:"):]: decode_table(v) for k, v in meta.items() if k.startswith("table:")}
    except (SafetensorError, OSError, ValueError, KeyError, TypeError) as err:
        what = "a folder, not a result file" if Path(path).is_dir() else "not a readable result file"
        raise StoredResultError(f"{path} is {what} ({type(err).__name__}: {err}); delete it and "
                                f"rerun the notebook that makes it") from err
    if not isinstance(header, dict):
        raise StoredResultError(f"{path} holds no header of settings; delete it")
    if meta.get("checksum") != checksum(tensors, meta):
        raise StoredResultError(f"{path} does not match its checksum: it was damaged or edited after it "
                                "was written")
    bad = [k for k, t in tensors.items() if t.is_floating_point() and not torch.isfinite(t).all()
           and (k not in nan_ok or torch.isinf(t).any())]
    if bad:
        raise StoredResultError(f"{path} holds non-finite values in {bad[:3]}: it was damaged or edited")
    return header, tensors, tables


def differences(stored, wanted):
    """'field: stored X, wanted Y' for each field where two keys differ."""
    keys = sorted(set(stored) | set(wanted), key=str)
    return [f"{k}: stored {stored.get(k)!r}, wanted {wanted.get(k)!r}"
            for k in keys if stored.get(k) != wanted.get(k)]


KINDS = {"int": "whole numbers", "float": "numbers", "fraction": "fractions in [0, 1] (or nan)",
         "str": "text", "list": "lists of numbers"}


def column_ok(values, kind):
    """Whether a column holds values of a kind (see KINDS)."""
    if kind == "str":
        return values.map(lambda v: isinstance(v, str)).all()
    if kind == "list":
        return values.map(lambda v: isinstance(v, list) and all(
            isinstance(x, (int, float)) and not isinstance(x, bool) for x in v)).all()
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return False
    if kind == "int":
        return pd.api.types.is_integer_dtype(values)
    if kind == "fraction":
        return bool(values.dropna().between(0, 1).all())
    return True


def check_table(table, columns, name, rows=None):
    """table if it is a DataFrame with these columns ({name: kind}) and `rows` rows, else a
    StoredResultError naming the first column that is off."""
    if not isinstance(table, pd.DataFrame):
        raise StoredResultError(f"it holds no {name} table")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise StoredResultError(f"its {name} table lacks the columns {missing}")
    for column, kind in columns.items():
        if not column_ok(table[column], kind):
            raise StoredResultError(f"the {name} table's column {column!r} does not hold "
                                    f"{KINDS[kind]} (dtype {table[column].dtype})")
    if rows is not None and len(table) != rows:
        raise StoredResultError(f"its {name} table has {len(table)} rows, not {rows}")
    return table


def pack_states(prefix, states):
    """{'prefix/k/name': tensor} for a list of state dicts."""
    return {f"{prefix}/{k}/{n}": t for k, s in enumerate(states) for n, t in s.items()}


def unpack_states(prefix, tensors):
    """The list of state dicts stored under prefix by pack_states."""
    states = {}
    for key, t in tensors.items():
        parts = key.split("/", 2)
        if len(parts) == 3 and parts[0] == prefix:
            states.setdefault(int(parts[1]), {})[parts[2]] = t
    if sorted(states) != list(range(len(states))):
        raise StoredResultError(f"the states under {prefix!r} are not numbered 0 to {len(states) - 1}")
    return [in_layer_order(states[k]) for k in sorted(states)]


# ---------------------------------------------------------------- the experiment and its cache

class Experiment:
    """One computation: settings, data, a key, a compute step and one stored file.

    Subclasses set `kind` and define settings(), compute(progress), encode(result) ->
    (tensors, tables) and decode(tensors, tables) -> result; decode checks what it reads and
    raises StoredResultError when something is off, so that a damaged file is recomputed.
    """
    kind = "experiment"

    def __init__(self, cfg, data=None):
        self.cfg = as_config(cfg)
        if data is not None and not isinstance(data, Dataset):
            raise ValueError(f"data must be a Dataset (sh.load_fashion_mnist() or sh.synthetic_data()); "
                             f"got {type(data).__name__}")
        self.data = data if data is not None else load_fashion_mnist(
            val_size=self.cfg.val_size, split_seed=self.cfg.split_seed)

    def settings(self):
        """The settings this result depends on, as plain JSON-able values."""
        raise NotImplementedError

    def compute(self, progress=True):
        """Compute the result."""
        raise NotImplementedError

    def encode(self, result):
        """(tensors, tables) that hold the result."""
        raise NotImplementedError

    def decode(self, tensors, tables):
        """The result from what encode wrote, after checking it."""
        raise NotImplementedError

    def placeholders(self):
        """Names of the stored tensors where NaN is a placeholder, not damage (none by default)."""
        return ()

    def callables(self):
        """Functions the compute step calls through values, not names (an arm's builder)."""
        return []

    def code_hashes(self, idx=None):
        """{'module:definition': digest} of the code this result's numbers depend on (idx: the
        package's parsed code, today's by default)."""
        idx = idx or index()
        hashes = idx.hashes(class_roots(type(self), idx=idx))
        for func in self.callables():
            hashes.update(callable_hashes(func, idx))
        return hashes

    def key(self):
        """Everything that decides the result: kind, settings, data and code."""
        return plain({"kind": self.kind, **self.settings(), "data": self.data.label,
                      "code": combined(self.code_hashes())})

    def digest(self):
        """10 hex digits of the key: the stored file's name, and how dependants name this one."""
        return hashlib.sha256(json.dumps(self.key(), sort_keys=True).encode()).hexdigest()[:10]

    def filename(self):
        """'<kind>-<digest>.safetensors'."""
        return f"{self.kind}-{self.digest()}.safetensors"

    def stored(self):
        """The stored file of this key in checkpoints/, else in the committed results/, or None."""
        found = self.stored_copies()
        return found[0] if found else None

    def stored_copies(self):
        """Every stored file of this key: in checkpoints/, then in the committed results/."""
        paths = (checkpoints_dir() / self.filename(), RESULTS_DIR / self.filename())
        return [p for i, p in enumerate(paths) if p.is_file() and p.resolve() not in
                {q.resolve() for q in paths[:i]}]

    def read(self, path):
        """The result stored at path, after checking its key and contents."""
        header, tensors, tables = read_file(path, nan_ok=self.placeholders())
        wanted = self.key()
        if header.get("key") != wanted:
            stored = header.get("key") if isinstance(header.get("key"), dict) else {}
            raise StoredResultError(f"{path} was made with other settings, data or code:\n  "
                                    + "\n  ".join(differences(stored, wanted)))
        try:
            return self.decode(tensors, tables)
        except StoredResultError as err:
            raise StoredResultError(f"{path}: {err}") from err
        except (KeyError, ValueError, IndexError, TypeError, RuntimeError) as err:
            raise StoredResultError(f"{path} does not hold a whole {self.kind} result "
                                    f"({type(err).__name__}: {err}); it was damaged or edited") from err

    def write(self, result, path=None):
        """Store the result under its key (in checkpoints/, or at path); True when written."""
        tensors, tables = self.encode(result)
        return save_file_atomically(path or checkpoints_dir() / self.filename(),
                                    {"key": self.key(), "code": self.code_hashes()}, tensors, tables)

    def result(self, reuse=None, progress=True, path=None):
        """The stored result when reuse allows and it passes its checks, else computed and stored.

        reuse defaults to True unless $SPARSE_RECOMPUTE is set and this run (the one that writes
        $SPARSE_RESULTS_LOG) has not computed this result yet: `make retrain` computes each result
        once, however many notebooks read it. path overrides where to look and write. Prints one
        line saying which it was.
        """
        if reuse is not None and not isinstance(reuse, bool):
            raise ValueError(f"reuse must be True, False or None (the default: reuse unless "
                             f"$SPARSE_RECOMPUTE is set); got {reuse!r}")
        if reuse is None:
            reuse = not recompute_requested() or self.filename() in computed_this_run()
        if path is not None and not isinstance(path, (str, os.PathLike)) or path == "":
            raise ValueError(f"path must name a result file, e.g. results/{self.filename()}; got {path!r}")
        if path is not None and Path(path).is_dir():
            raise ValueError(f"path must name a result file, e.g. {Path(path) / self.filename()}; "
                             f"{path} is a folder")
        results_log()  # a bad $SPARSE_RESULTS_LOG is refused now, not after the computing
        refuse_unusable_data(self.data)  # edited in place since made: its fingerprint would be stale
        if path is not None:
            self.refuse_others_file(Path(path))
        found = [Path(path)] if path is not None else self.stored_copies()
        stored = self.first_valid([p for p in found if p.is_file()]) if reuse else None
        if stored is not None:
            return stored
        start = time.perf_counter()
        result = self.compute(progress)
        target = Path(path) if path is not None else checkpoints_dir() / self.filename()
        self.write(result, target)
        report("computed", target, self.kind, time.perf_counter() - start)
        return result

    def first_valid(self, copies):
        """The result in the first of copies that passes its checks (and says so), or None; each
        copy refused is reported, so that a damaged one never hides a valid one after it."""
        for i, copy in enumerate(copies):
            try:
                result = self.read(copy)
                report("reused", copy, self.kind)
                return result
            except StoredResultError as err:
                after = (f"Trying {copies[i + 1].parent.name}/{copies[i + 1].name}." if i + 1 < len(copies)
                         else "Computing afresh.")
                print(f"Not reusing {copy.name}: {err}\n{after}")
        return None

    def refuse_others_file(self, path):
        """A ValueError, before anything is computed, when path holds finished work that is not
        this result: a file that is no result at all, or another experiment's or key's result."""
        if not path.exists():
            return
        header = read_header(path)
        if header is None:  # not ours, or ours damaged past reading: which, we cannot tell
            raise ValueError(f"path {path} exists and is not a result file this package can read (another program's "
                             f"file, or a damaged result); it would be overwritten. Name a new file ending in "
                             f".safetensors, e.g. {path.parent / self.filename()}, or delete it if it is a "
                             f"damaged result")
        stored = header.get("key") if isinstance(header.get("key"), dict) else {}
        wanted = self.key()
        if stored != wanted:
            what = (f"a {stored.get('kind')} result" if stored.get("kind") != self.kind
                    else f"a {self.kind} result of other settings, data or code")
            raise ValueError(f"path {path} holds {what}, not this one, and would be overwritten:\n  "
                             + "\n  ".join(differences(stored, wanted)[:6])
                             + f"\nName another file, e.g. {path.parent / self.filename()}, or delete it")


def computed_this_run():
    """Names of the result files this run computed, from $SPARSE_RESULTS_LOG (empty if unset)."""
    log = results_log()
    if log is None or not log.is_file():
        return set()
    return {Path(line.split(" ", 1)[1]).name for line in log.read_text().splitlines()
            if line.startswith("computed ")}


def report(how, path, kind, seconds=None):
    """Say which result was reused or computed, and log it to $SPARSE_RESULTS_LOG if set."""
    took = f" in {seconds:.0f} s" if seconds is not None else ""
    print(f"{kind}: {how}{took} ({Path(path).parent.name}/{Path(path).name})")
    log = results_log()
    if log is not None:
        with open(log, "a") as f:
            f.write(f"{how} {Path(path).resolve()}\n")


def seconds_tensor(seconds):
    """A float64 scalar tensor of seconds (nan when unknown)."""
    return torch.tensor(math.nan if seconds is None else float(seconds), dtype=torch.float64)
