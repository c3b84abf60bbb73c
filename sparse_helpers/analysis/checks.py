"""Checks where the analysis layer meets its inputs: results, the data beside them, and tables.

Each function only refuses: it raises a ValueError naming the bad value and the fix, and
returns nothing. A findings function or a widget calls them first, so that a result of other
data, another lottery's odds or a table in other units never reaches a number.
"""
import math

import numpy as np
import pandas as pd

from ..computing.data import Dataset
from ..computing.prune import kept
from ..experiments.store import KINDS, Experiment, column_ok

DATA_FIX = ("load the data it was computed on, sh.load_fashion_mnist(val_size=cfg.val_size, "
            "split_seed=cfg.split_seed) with the result's config, or compute the result on these data")


def check_result(value, kind, name, how):
    """Refuse anything but a result of the given kind; an experiment in its place is told to call .result()."""
    if isinstance(value, Experiment):
        raise ValueError(f"{name} must be a {kind.__name__} result, e.g. {how}; got the experiment "
                         f"{type(value).__name__} itself: pass its .result()")
    if not isinstance(value, kind):
        raise ValueError(f"{name} must be a {kind.__name__} result, e.g. {how}; got {type(value).__name__}")


def check_data(data, name="data"):
    """Refuse anything but a Dataset."""
    if not isinstance(data, Dataset):
        raise ValueError(f"{name} must be a Dataset, e.g. sh.load_fashion_mnist(); got {type(data).__name__}")


def check_same_data(data, name, result):
    """Refuse a result (or None, which passes) computed on other data than the Dataset given."""
    check_data(data)
    if result is not None and result.data != data.label:
        raise ValueError(f"the data given ({data.label!r}) are not the data of {name} ({result.data!r}): "
                         f"{DATA_FIX}")


def check_same_source(name_a, a, name_b, b):
    """Refuse two results (None passes) of other data or other configs: they cannot be compared."""
    if a is None or b is None:
        return
    if a.data != b.data:
        raise ValueError(f"{name_a} and {name_b} do not share their data ({a.data!r} against {b.data!r}): "
                         f"compute both from one Dataset (and one lottery)")
    if a.config != b.config:
        fields = [k for k, v in a.config.as_dict().items() if b.config.as_dict().get(k) != v]
        differ = "; ".join(f"{k} {getattr(a.config, k)!r} against {getattr(b.config, k)!r}" for k in fields[:3])
        raise ValueError(f"{name_a} and {name_b} do not share their settings ({differ}"
                         f"{'; ...' if len(fields) > 3 else ''}): compute both from one Config")


def check_from_lottery(name, table, lot):
    """Refuse a table whose networks were not built from this lottery's IMP masks: every row's
    (seed, round) must be a round of the lottery and keep exactly as many weights as IMP kept there."""
    if len(table) == 0:
        return
    pairs = list(zip(table.seed.tolist(), table["round"].tolist(), table.kept.tolist()))
    missing = sorted({(s, r) for s, r, _ in pairs if (s, r) not in lot.masks})
    if missing:
        raise ValueError(f"{name} holds networks at (seed, round) {missing[:3]}, which the lottery given "
                         f"(seeds {list(lot.config.seeds)}, rounds 0-{lot.config.rounds}) never reached: "
                         f"pass the lottery they were drawn from")
    counts = {key: kept(lot.masks[key]) for key in {(s, r) for s, r, _ in pairs}}
    off = [(s, r, k, counts[(s, r)]) for s, r, k in pairs if k != counts[(s, r)]]
    if off:
        s, r, k, want = off[0]
        raise ValueError(f"{name} was not drawn from the lottery given: at seed {s}, round {r} it keeps {k:,} "
                         f"weights where that lottery's IMP kept {want:,}; pass the lottery it was drawn from")


def check_table(table, columns, name, how, empty_ok=False):
    """Refuse anything but a DataFrame (non-empty unless empty_ok) whose columns ({name: kind},
    kinds as the stored results use them: int, float, fraction, str, list) hold finite values of
    their kind."""
    if not isinstance(table, pd.DataFrame) or (len(table) == 0 and not empty_ok):
        got = f"an empty {type(table).__name__}" if isinstance(table, pd.DataFrame) else type(table).__name__
        raise ValueError(f"{name} must be {how}, with at least one row; got {got}")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{name} must be {how}; it lacks the columns {missing}")
    if len(table) == 0:
        return
    for column, kind in columns.items():
        values = table[column]
        finite = kind in ("str", "list") or (pd.api.types.is_numeric_dtype(values)
                                             and np.isfinite(values.to_numpy(dtype=float)).all())
        if not column_ok(values, kind) or not finite:
            sample = (f"values from {float(values.min()):g} to {float(values.max()):g}"
                      if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
                      else f"e.g. {values.head(3).tolist()}")
            hint = " (accuracies as fractions, 0.85 for 85%)" if kind == "fraction" else ""
            raise ValueError(f"{name}[{column!r}] must hold finite {KINDS[kind].replace(' (or nan)', '')}"
                             f"{hint}; got dtype {values.dtype}, {sample}. Pass {how}")


def check_close(value, expected, what, fix):
    """Refuse a number that differs from the one the inputs give."""
    if not math.isclose(float(value), float(expected), rel_tol=1e-9, abs_tol=1e-9):
        raise ValueError(f"{what} is {float(value):g}, but the inputs give {float(expected):g}: {fix}")
