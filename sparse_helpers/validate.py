"""One place that checks what users pass in: whole numbers, fractions, choices, seeds, masks.

Every check returns the value in its plain Python form (numpy numbers accepted) or raises a
ValueError that names the value, what was expected, and an example of a good one.
"""
import numbers

import torch


def as_int(value, name, minimum=None, example=None):
    """value as a Python int (numpy ints too), or a ValueError naming it and the fix."""
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not ok or (minimum is not None and value < minimum):
        need = "a whole number" + (f" >= {minimum}" if minimum is not None else "")
        hint = f", e.g. {name}={example}" if example is not None else ""
        raise ValueError(f"{name} must be {need}{hint}; got {value!r}")
    return int(value)


def as_fraction(value, name, low_open=False, high_open=True, example=0.2):
    """value as a float in [0, 1] (ends open as asked), or a ValueError naming the range."""
    lo, hi = "(" if low_open else "[", ")" if high_open else "]"
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok:
        value = float(value)
        ok = (0 < value if low_open else 0 <= value) and (value < 1 if high_open else value <= 1)
    if not ok:
        raise ValueError(f"{name} must be a fraction in {lo}0, 1{hi}, e.g. {example} for "
                         f"{100 * example:g}%; got {value!r}")
    return value


def as_positive(value, name, example):
    """value as a float > 0, or a ValueError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"{name} must be a number > 0, e.g. {name}={example}; got {value!r}")
    return float(value)


def as_choice(value, name, options):
    """value if it is one of options (case-insensitive strings), or a ValueError listing them."""
    if isinstance(value, str) and value.lower() in options:
        return value.lower()
    raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}; got {value!r}")


def as_seeds(seeds, name="seeds"):
    """seeds as a tuple of distinct ints (at least one), or a ValueError."""
    if isinstance(seeds, (numbers.Number, str, bytes)) or not hasattr(seeds, "__iter__"):
        raise ValueError(f"{name} must be a list of whole numbers, e.g. {name}=[0, 1, 2]; "
                         f"got {seeds!r}")
    out = tuple(as_int(s, f"each of {name}", minimum=0, example=0) for s in seeds)
    if not out or len(set(out)) != len(out):
        raise ValueError(f"{name} must hold at least one seed and no seed twice; got {seeds!r}")
    return out


def as_hidden(hidden):
    """Hidden layer sizes as a tuple of positive ints, or a ValueError."""
    if isinstance(hidden, (numbers.Number, str, bytes)) or not hasattr(hidden, "__len__") \
            or len(hidden) == 0:
        raise ValueError(f"hidden must be a sequence of hidden layer sizes, e.g. hidden=(8, 4) "
                         f"for 784-8-4-10 or hidden=(16,) for one layer; got {hidden!r}")
    return tuple(as_int(h, "each hidden size", minimum=1, example=8) for h in hidden)


def as_mask(mask, name, shape):
    """One mask as a float32 tensor of 0s and 1s with the given shape, or a ValueError."""
    if not isinstance(mask, torch.Tensor):
        raise ValueError(f"mask for {name} must be a tensor of 0s and 1s; got {type(mask).__name__}")
    if tuple(mask.shape) != tuple(shape):
        raise ValueError(f"mask for {name} has shape {tuple(mask.shape)}, but the model's {name} "
                         f"has shape {tuple(shape)}: the mask was made for another architecture")
    values = mask.detach().to("cpu", torch.float32)
    if not bool(((values == 0) | (values == 1)).all()):
        bad = values[(values != 0) & (values != 1)].unique()[:3].tolist()
        raise ValueError(f"mask for {name} must hold only 0 (pruned) and 1 (kept); it also holds "
                         f"{bad}. Build masks with sparse_helpers.prune, or use (w != 0).float()")
    return mask.detach().to(torch.float32)


def as_masks(masks, state):
    """masks (weight name -> 0/1 tensor) checked against a state dict; None stays None."""
    if masks is None:
        return None
    from .model import weight_names
    names = weight_names(state)
    if not isinstance(masks, dict) or set(masks) != set(names):
        got = sorted(masks) if isinstance(masks, dict) else type(masks).__name__
        raise ValueError(f"masks must be a dict covering exactly the weight matrices {names}; "
                         f"got {got}")
    return {n: as_mask(masks[n], n, state[n].shape) for n in names}


def plain(value):
    """value with numpy numbers and tuples turned into plain Python, for JSON configs."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return value
