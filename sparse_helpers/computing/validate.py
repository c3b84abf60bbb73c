"""One place that checks what users pass in: whole numbers, fractions, choices, seeds, masks.

Every check returns the value in its plain Python form (numpy numbers accepted) or raises a
ValueError that names the value, what was expected, and an example of a good one.
"""
import math
import numbers

import numpy as np
import torch

from .layout import weight_names

MAX_SEED = 2 ** 63 - 1  # torch's generators take a signed 64-bit seed
N_CLASSES, N_PIXELS = 10, 784


def scalar(value):
    """A 0-d numpy array as the number it holds; anything else unchanged."""
    return value.item() if isinstance(value, np.ndarray) and value.ndim == 0 else value


def as_int(value, name, minimum=None, example=None, maximum=None):
    """value as a Python int (numpy ints too), or a ValueError naming it and the fix."""
    value = scalar(value)
    ok = isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))
    if not ok or (minimum is not None and value < minimum) or (maximum is not None
                                                                and value > maximum):
        need = "a whole number" + (f" >= {minimum}" if minimum is not None else "") + (
            f" and <= {maximum}" if maximum is not None else "")
        hint = f", e.g. {name}={example}" if example is not None else ""
        raise ValueError(f"{name} must be {need}{hint}; got {value!r}")
    return int(value)


def expect(value, kind, name, how):
    """value if it is a kind (a class or tuple of classes), else a ValueError saying how to get one."""
    if not isinstance(value, kind):
        names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
        raise ValueError(f"{name} must be a {names}, e.g. {how}; got {type(value).__name__}")
    return value


def as_seed(value, name="seed"):
    """A seed as a Python int in [0, 2**63 - 1], or a ValueError."""
    return as_int(value, name, minimum=0, example=0, maximum=MAX_SEED)


def as_float(value):
    """A real number as a Python float; numpy's float32 0.2 becomes 0.2, not 0.20000000298."""
    return float(str(value)) if isinstance(value, np.floating) else float(value)


def as_fraction(value, name, low_open=False, high_open=True, example=0.2):
    """value as a float in [0, 1] (ends open as asked), or a ValueError naming the range."""
    lo, hi, value = "(" if low_open else "[", ")" if high_open else "]", scalar(value)
    ok = isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
    if ok:
        value = as_float(value)
        ok = (0 < value if low_open else 0 <= value) and (value < 1 if high_open else value <= 1)
    if not ok:
        raise ValueError(f"{name} must be a fraction in {lo}0, 1{hi}, e.g. {example} for "
                         f"{100 * example:g}%; got {value!r}")
    return value


def as_positive(value, name, example):
    """value as a finite float > 0, or a ValueError."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) \
            or not (value > 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be a finite number > 0, e.g. {name}={example}; got {value!r}")
    return as_float(value)


def as_list(values, name, example):
    """A sequence (list, tuple, numpy array, range...) as a list, or a ValueError."""
    if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__iter__"):
        raise ValueError(f"{name} must be a list, e.g. {name}={example}; got {values!r}")
    return list(values)


def as_dataset(data, need_train=True):
    """data if it is a Dataset this package can train on, else a ValueError saying what is wrong."""
    fields = ("train_x", "train_y", "val_x", "val_y", "test_x", "test_y")
    if not all(hasattr(data, f) for f in fields):
        raise ValueError("data must be a Dataset, e.g. sh.load_fashion_mnist() or sh.synthetic_data(); "
                         f"got {type(data).__name__}")
    for part in ("train", "val", "test"):
        x, y = getattr(data, f"{part}_x"), getattr(data, f"{part}_y")
        problem = dataset_problem(x, y)
        if problem:
            raise ValueError(f"data.{part}_x / {part}_y: {problem}. Build datasets with "
                             f"sh.load_fashion_mnist() or sh.synthetic_data()")
    if need_train and len(data.train_x) == 0:
        raise ValueError("data has no training images")
    return data


def dataset_problem(x, y):
    """What is wrong with one (images, labels) pair of a Dataset, or ''."""
    if not (torch.is_tensor(x) and torch.is_tensor(y)):
        return "images and labels must be torch tensors"
    if x.dtype != torch.float32 or x.dim() != 2 or x.shape[1] != N_PIXELS:
        return f"images must be float32 rows of {N_PIXELS} pixels; got {x.dtype} {tuple(x.shape)}"
    if y.dtype != torch.int64 or y.dim() != 1 or len(y) != len(x):
        return f"labels must be int64, one per image; got {y.dtype} {tuple(y.shape)} for {len(x)} images"
    if len(y) and not (0 <= int(y.min()) and int(y.max()) < N_CLASSES):
        return f"labels must lie in 0-{N_CLASSES - 1}; got {int(y.min())} to {int(y.max())}"
    return ""


def as_choice(value, name, options):
    """value if it is one of options (case-insensitive strings), or a ValueError listing them."""
    if isinstance(value, str) and value.lower() in options:
        return value.lower()
    raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}; got {value!r}")


def as_seeds(seeds, name="seeds"):
    """seeds as a tuple of distinct ints (at least one), or a ValueError."""
    if isinstance(seeds, np.ndarray) and seeds.ndim == 0:
        raise ValueError(f"{name} must be a list of whole numbers, e.g. {name}=[0, 1, 2]; got the "
                         f"0-d array {seeds!r}: write {name}=({seeds.item()!r},) for one seed, or "
                         f"{name}=range({seeds.item()!r}) for that many")
    if isinstance(seeds, (dict, set, frozenset)):
        raise ValueError(f"{name} must be an ordered list of whole numbers, e.g. {name}=[0, 1, 2]; got "
                         f"a {type(seeds).__name__} ({seeds!r:.60}), whose order is not the one you "
                         f"wrote: pass a list or tuple")
    if isinstance(seeds, (numbers.Number, str, bytes)) or not hasattr(seeds, "__iter__"):
        raise ValueError(f"{name} must be a list of whole numbers, e.g. {name}=[0, 1, 2]; "
                         f"got {seeds!r}")
    out = tuple(as_seed(s, f"each of {name}") for s in seeds)
    if not out or len(set(out)) != len(out):
        raise ValueError(f"{name} must hold at least one seed and no seed twice; got {seeds!r}")
    return out


def as_hidden(hidden):
    """Hidden layer sizes as a tuple of positive ints, or a ValueError."""
    if isinstance(hidden, np.ndarray) and hidden.ndim == 0:
        raise ValueError(f"hidden must be an ordered sequence of hidden layer sizes, e.g. hidden=(8, 4); "
                         f"got the 0-d array {hidden!r}: write hidden=({hidden.item()!r},) for one layer")
    if isinstance(hidden, (numbers.Number, str, bytes, set, frozenset, dict)) \
            or not hasattr(hidden, "__len__") or len(hidden) == 0:
        raise ValueError(f"hidden must be an ordered sequence of hidden layer sizes, e.g. "
                         f"hidden=(8, 4) for 784-8-4-10 or hidden=(16,) for one layer; got {hidden!r}")
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


def as_state(state):
    """state if it is a state dict of tensors, else a ValueError pointing at sh.snapshot."""
    if not isinstance(state, dict) or not state or not all(torch.is_tensor(t) for t in state.values()):
        raise ValueError(f"expected a state dict of tensors (e.g. sh.snapshot(model) or "
                         f"sh.theta0(seed)); got {type(state).__name__}")
    return state


def mlp_problem(state):
    """What keeps a state dict from being an MLP's: missing or extra tensors, dtypes, shapes, or ''."""
    names = weight_names(state)
    if not names:
        return "it holds no weight matrices ('0.weight', '2.weight', ...)"
    want = {n for w in names for n in (w, w[: -len("weight")] + "bias")}
    if set(state) != want:
        return (f"it must hold exactly {sorted(want)}; missing {sorted(want - set(state))}, "
                f"extra {sorted(set(state) - want)}")
    for i, w in enumerate(names):
        b = w[: -len("weight")] + "bias"
        if state[w].dtype != torch.float32 or state[b].dtype != torch.float32:
            return f"{w} and {b} must be float32; got {state[w].dtype} and {state[b].dtype}"
        if state[b].dim() != 1 or state[b].shape[0] != state[w].shape[0]:
            return (f"{b} has shape {tuple(state[b].shape)}, but {w} has {state[w].shape[0]} output units"
                    f" (a transposed or mismatched layer)")
        if i and state[w].shape[1] != state[names[i - 1]].shape[0]:
            return (f"{w} takes {state[w].shape[1]} inputs but {names[i - 1]} gives {state[names[i - 1]].shape[0]}"
                    f" (a transposed or mismatched layer)")
    return ""


def as_finite_state(state):
    """state if it is an MLP's state dict of finite float32 tensors (sh.snapshot(model), sh.theta0(seed)),
    else a ValueError saying what is wrong."""
    problem = mlp_problem(as_state(state))
    if problem:
        raise ValueError(f"state is not the state dict of this package's MLP: {problem}. Make one with "
                         f"sh.snapshot(model) or sh.theta0(seed)")
    bad = [k for k, v in state.items() if not torch.isfinite(v).all()]
    if bad:
        raise ValueError(f"the weights hold NaN or infinite values in {bad}. If they come from training, "
                         f"it diverged: retrain with a lower learning rate (lr). Otherwise the state was "
                         f"damaged or built by hand: make it with sh.snapshot(model) or sh.theta0(seed)")
    return state


def as_counts(counts, sizes, name="kept counts"):
    """One whole number per layer, each between 0 and the layer's size, or a ValueError."""
    counts = as_list(counts, name, "[100, 10, 10]")
    if len(counts) != len(sizes):
        raise ValueError(f"{name} must give one number per weight matrix ({len(sizes)}); got {counts!r}")
    return [as_int(c, f"each of {name}", minimum=0, maximum=s, example=min(s, 10))
            for c, s in zip(counts, sizes)]


def as_masks(masks, state):
    """masks (weight name -> 0/1 tensor) checked against a state dict; None stays None."""
    if masks is None:
        return None
    state = as_state(state)
    names = weight_names(state)
    if not isinstance(masks, dict) or set(masks) != set(names):
        got = sorted(masks) if isinstance(masks, dict) else type(masks).__name__
        raise ValueError(f"masks must be a dict covering exactly the weight matrices {names}; "
                         f"got {got}")
    return {n: as_mask(masks[n], n, state[n].shape) for n in names}


def plain(value):
    """value with numpy numbers, arrays and tuples turned into plain Python, for JSON configs."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return as_float(value)
    return value


# ---------------------------------------------------------------- refusals
# Each refuse_* function below only raises (its body is `if bad: raise ...`), so a call to it on
# its own line keys nothing (docs/architecture.md, "Refusing is not computing"). The *_problem
# helpers they call return what is wrong, or '', and are reached only from those refusals.

PARTS = ("train", "val", "test")
GOOD_MODEL = "sh.make_mlp(hidden, seed) or sh.load_state(state)"
GOOD_STATE = "sh.snapshot(model) or sh.theta0(seed)"


def evaluator_problem(state):
    """What keeps a state dict from being one the package's evaluator can score, or ''.

    The evaluator is a ReLU MLP on 784 pixels with 10 outputs and at least one hidden layer.
    """
    if not isinstance(state, dict) or not state or not all(torch.is_tensor(t) for t in state.values()):
        kind = "a model" if isinstance(state, torch.nn.Module) else type(state).__name__
        return (f"expected a state dict of tensors ({GOOD_STATE}); got {kind}"
                + (": take its state dict with sh.snapshot(model)" if kind == "a model" else ""))
    problem = mlp_problem(state)
    if problem:
        return problem
    names = weight_names(state)
    if len(names) < 2:
        return (f"it has {len(names)} weight matrix, but the package's MLP has at least one hidden "
                f"layer (784-hidden...-10), e.g. {GOOD_STATE}")
    n_in, n_out = state[names[0]].shape[1], state[names[-1]].shape[0]
    if n_in != N_PIXELS or n_out != N_CLASSES:
        return (f"it maps {n_in} inputs to {n_out} outputs, but the images have {N_PIXELS} pixels "
                f"and {N_CLASSES} classes: make it with {GOOD_STATE}")
    return ""


def refuse_unscorable_state(state, what="state"):
    """A ValueError when state is not an MLP state dict the evaluator can score."""
    if problem := evaluator_problem(state):
        raise ValueError(f"{what} is not the state dict of this package's MLP: {problem}")


def refuse_unscorable_states(states):
    """A ValueError naming the first of a list of initial states the trainer cannot train."""
    if bad := next(((i, p) for i, s in enumerate(states) if (p := evaluator_problem(s))), None):
        raise ValueError(f"initial state {bad[0]} is not the state dict of this package's MLP: "
                         f"{bad[1]}. Make initial states with sh.theta0(seed)")
    if bad := next(((i, sorted(k for k, v in s.items() if not torch.isfinite(v).all()))
                    for i, s in enumerate(states) if not all(torch.isfinite(v).all() for v in s.values())),
                   None):
        raise ValueError(f"initial state {bad[0]} holds NaN or infinite values in {bad[1]} before any "
                         f"training: it was damaged or built by hand. Start from sh.theta0(seed)")


def model_problem(model):
    """What keeps a torch model from being the package's MLP (what `train` can train), or ''."""
    if not isinstance(model, torch.nn.Module):
        hint = (": for a state dict use sh.train_one(state, data) or train sh.load_state(state)"
                if isinstance(model, dict) else "")
        return f"got {type(model).__name__}{hint}"
    layers = list(model.children()) if isinstance(model, torch.nn.Sequential) else None
    if not layers or len(layers) % 2 == 0 or not all(
            isinstance(m, torch.nn.Linear if i % 2 == 0 else torch.nn.ReLU) for i, m in enumerate(layers)):
        return (f"it must be an nn.Sequential of Linear layers with a ReLU between each pair, as "
                f"sh.make_mlp builds; got {type(model).__name__} "
                f"{[type(m).__name__ for m in (layers or [])]}: the package's evaluator scores only "
                f"that network, so another one would be trained but mis-scored")
    if not all(p.dtype == torch.float32 for p in model.parameters()):
        return f"its parameters must be float32; got {sorted({str(p.dtype) for p in model.parameters()})} (use model.float())"
    return evaluator_problem(dict(model.state_dict()))


def refuse_untrainable_model(model):
    """A ValueError when `train` cannot train and score model faithfully."""
    if problem := model_problem(model):
        raise ValueError(f"model must be this package's MLP ({GOOD_MODEL}): {problem}")
    if bad := sorted(n for n, p in model.named_parameters() if not torch.isfinite(p).all()):
        raise ValueError(f"the model's weights hold NaN or infinite values in {bad} before any training: "
                         f"it was damaged or built by hand. Start from {GOOD_MODEL}")


def device_problem(device):
    """What is wrong with a device argument, or ''."""
    if device is None:
        return ""
    try:
        kind = torch.device(device).type
    except (RuntimeError, TypeError, ValueError):
        return f"device must be None (automatic), 'cpu' or 'cuda' (or 'cuda:0'); got {device!r}"
    if kind not in ("cpu", "cuda"):
        return f"device must be None (automatic), 'cpu' or 'cuda'; got {device!r}"
    if kind == "cuda" and not torch.cuda.is_available():
        return f"device={device!r} asks for a GPU, but torch finds none here; use device='cpu' or None"
    return ""


def refuse_bad_device(device):
    """A ValueError when device names no device torch can train on here."""
    if problem := device_problem(device):
        raise ValueError(problem)


def data_problem(data, parts=PARTS):
    """What makes the given splits of data unusable, or '': edited in place since the Dataset was
    made (its fingerprint would be stale), or images that are not finite numbers."""
    edited = data.edited_parts(parts) if hasattr(data, "edited_parts") else []
    if edited:
        return (f"data.{', data.'.join(edited)} changed in place after the Dataset was made, so its "
                f"fingerprint ({getattr(data, 'fingerprint', '?')}) no longer names its contents and "
                f"results could be reused for other data. Reload the data (sh.load_fashion_mnist()) or "
                f"make a changed copy with dataclasses.replace(data, {edited[0]}=...), which gets its "
                f"own fingerprint")
    if not hasattr(data, "edited_parts"):  # a hand-built object: its images were never checked
        bad = [p for p in parts if not bool(torch.isfinite(getattr(data, f"{p}_x")).all())]
        if bad:
            return (f"data.{bad[0]}_x holds NaN or infinite pixels; they would be scored as a "
                    f"prediction of one class. Build datasets with sh.load_fashion_mnist() or "
                    f"sh.synthetic_data()")
    return ""


def refuse_unusable_data(data, parts=PARTS):
    """A ValueError when the given splits of data were edited in place or hold non-finite images."""
    if problem := data_problem(data, parts):
        raise ValueError(problem)


def refuse_empty_split(data, split):
    """A ValueError when the split to be scored holds no images (its accuracy would be nan)."""
    if len(getattr(data, f"{split}_x")) == 0:
        raise ValueError(f"data.{split}_x holds no images, so there is nothing to score (the accuracy "
                         f"would be nan, and a claim like 'nan < 0.8' would pass silently). Use a "
                         f"split with images" + (", e.g. load the data with val_size=5000 or "
                                                 "sh.synthetic_data(n_val=128)" if split == "val" else ""))


def masks_problem(masks, what="masks"):
    """What keeps masks from being a dict of weight name -> 0/1 tensor, or ''."""
    if isinstance(masks, torch.nn.Module):
        return (f"{what} must be a dict of weight name -> 0/1 tensor, e.g. sh.prune.global_masks(state, "
                f"0.5); got a model (for its weights use sh.snapshot(model))")
    if isinstance(masks, dict) and not masks:
        return (f"{what} must hold at least one weight matrix (weight name -> 0/1 tensor, e.g. "
                f"sh.prune.global_masks(state, 0.5)); got none")
    if not isinstance(masks, dict):
        return (f"{what} must be a non-empty dict of weight name -> 0/1 tensor, e.g. "
                f"sh.prune.global_masks(state, 0.5); got {type(masks).__name__} {masks!r:.60}")
    if bad := [n for n, m in masks.items() if not torch.is_tensor(m)]:
        return (f"{what}[{bad[0]!r}] must be a tensor of 0s and 1s; got {type(masks[bad[0]]).__name__}"
                f" (make masks with sh.prune, e.g. sh.prune.global_masks(state, 0.5))")
    return ""


def refuse_bad_masks(masks, what="masks"):
    """A ValueError when masks are not a dict of tensors (None, a model, a list...)."""
    if problem := masks_problem(masks, what):
        raise ValueError(problem)


def refuse_bad_state_kind(state, what="state"):
    """A ValueError when state is not a non-empty dict of tensors (a model, None, a list...)."""
    if not isinstance(state, dict) or not state or not all(torch.is_tensor(t) for t in state.values()):
        raise ValueError(f"{what} must be a state dict of tensors, e.g. {GOOD_STATE}; got "
                         + ("a model: take its state dict with sh.snapshot(model)"
                            if isinstance(state, torch.nn.Module) else f"{type(state).__name__} {state!r:.60}"))
