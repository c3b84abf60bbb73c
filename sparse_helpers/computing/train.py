"""Training on in-memory tensors: one model (the plain loop) or K models stacked in one pass.

The settings come from a Config (config.py); the post names none of them. Pruned weights are
kept at exactly zero by multiplying them by their 0/1 mask after every optimizer step.
"""
import inspect
import math
import numbers
from contextlib import contextmanager
from typing import NamedTuple

import torch
import torch.nn.functional as F

from .config import DEFAULTS, as_config
from .model import default_device, load_state, snapshot
from .progress import Progress
from .stack import EarlyStopTracker, Stack, stack_states, stacked_eval
from .validate import (as_dataset, as_finite_state, as_int, as_list, as_masks, as_seed, refuse_bad_device,
                       refuse_empty_split, refuse_unscorable_state, refuse_unscorable_states,
                       refuse_untrainable_model, refuse_unusable_data)

# Two threads pay off only for a stack this large (benchmarks/trainer_speed.py --threads 1,2 measures it).
MIN_K_FOR_ALL_THREADS = 16


class EarlyStop(NamedTuple):
    """The iteration of minimum validation loss, and the model's accuracy there."""
    step: int
    val_loss: float
    val_acc: float
    test_acc: float


class Run(NamedTuple):
    """One trained member of a stack."""
    state: dict          # parameters after the last epoch
    test_acc: float      # test accuracy after the last epoch
    val_acc: float       # validation accuracy after the last epoch (nan without a split)
    history: list        # test accuracy after each epoch (empty unless asked for)
    val_history: list    # validation accuracy after each epoch (empty unless asked for)
    early: EarlyStop     # the validation-loss minimum (None unless asked for)
    val_loss_history: list = []  # validation loss after each epoch (empty unless asked for)


@contextmanager
def num_threads(n):
    """Run the block with torch using n CPU threads, then restore the old setting."""
    old = torch.get_num_threads()
    torch.set_num_threads(n or old)
    try:
        yield
    finally:
        torch.set_num_threads(old)


def threads_for(k, cfg=DEFAULTS):
    """CPU threads for a stack of k models: cfg.threads, or all cores for a large stack."""
    return cfg.threads or (torch.get_num_threads() if k >= MIN_K_FOR_ALL_THREADS else 1)


def make_optimizer(params, cfg=DEFAULTS):
    """cfg's optimizer (public torch.optim), fused where this torch build offers it."""
    params = list(params)
    cls, kwargs = ((torch.optim.Adam, {}) if cfg.optimizer == "adam"
                   else (torch.optim.SGD, {"momentum": cfg.momentum}))
    if "fused" in inspect.signature(cls).parameters:
        try:
            return cls(params, lr=cfg.lr, fused=True, **kwargs)
        except RuntimeError:  # fused kernels missing for this device or dtype
            pass
    return cls(params, lr=cfg.lr, **kwargs)


def epoch_log(history):
    """The per-epoch log lines, formatted like the post's: 'Epoch  1/10, Accuracy: 75.35%'."""
    n = len(history)
    return "\n".join(f"Epoch {i:>2}/{n}, Accuracy: {100 * a:.2f}%"
                     for i, a in enumerate(history, 1))


def train(model, data, cfg=DEFAULTS, masks=None, data_seed=0, epochs=None, progress=True,
          device=None):
    """Train one model in place with the plain loop; returns its test accuracy after each epoch.

    This is the reference `train_many` is tested against; masked weights stay exactly zero.
    """
    refuse_untrainable_model(model)
    refuse_bad_device(device)
    cfg = as_config(cfg)
    epochs = as_int(cfg.epochs if epochs is None else epochs, "epochs", minimum=1, example=10)
    data, device = as_dataset(data), device or default_device()
    refuse_unusable_data(data)
    refuse_empty_split(data, "test")
    masks = as_masks(masks, snapshot(model)) or {}
    model.to(device)
    params = dict(model.named_parameters())
    masked = [(params[n], m.to(device)) for n, m in masks.items()]
    opt, gen, history = make_optimizer(model.parameters(), cfg), seeded(data_seed), []
    x, y = data.train_x.to(device), data.train_y.to(device)
    with num_threads(threads_for(1, cfg)), Progress(epochs, "training", progress) as bar:
        apply_masks(masked)
        for _ in range(epochs):
            model.train()
            for idx in torch.randperm(len(x), generator=gen).to(device).split(cfg.batch_size):
                # index_select, not x[idx]: advanced indexing is 2.5x slower at this size
                loss = F.cross_entropy(model(x.index_select(0, idx)), y.index_select(0, idx))
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                apply_masks(masked)
            state = snapshot(model)
            if not all(torch.isfinite(t).all() for t in state.values()):
                raise ValueError("training diverged: the weights became NaN or infinite. Lower the "
                                 "learning rate (lr) or check the data for NaNs")
            history.append(evaluate(state, data))
            bar.update()
    return history


def seeded(seed):
    """A CPU random generator seeded with seed (the data order's seed)."""
    return torch.Generator().manual_seed(as_seed(seed, "data seed"))


@torch.no_grad()
def apply_masks(pairs):
    """Multiply each (weights, mask) pair in place: pruned weights become exactly zero."""
    for w, m in pairs:
        w.mul_(m)


@torch.no_grad()
def evaluate(state, data, masks=None, split="test"):
    """Accuracy of the MLP with the given parameters on a split, masked weights set to zero."""
    refuse_unscorable_state(state)
    masks = as_masks(masks, as_finite_state(state)) or {}
    state = {k: v * masks[k] if k in masks else v for k, v in state.items()}
    x, y = split_of(as_dataset(data, need_train=False), split)
    refuse_unusable_data(data, (split,))
    refuse_empty_split(data, split)
    return stacked_eval(stack_states([state]), x, y)[1][0].item()


def split_of(data, split):
    """(x, y) of the 'train', 'val' or 'test' part of a Dataset."""
    if split not in ("train", "val", "test"):
        raise ValueError(f"split must be 'train', 'val' or 'test'; got {split!r}")
    return getattr(data, f"{split}_x"), getattr(data, f"{split}_y")


def train_one(state, data, **kwargs):
    """Train a fresh copy of the MLP from state with the plain loop; (history, final state)."""
    model = load_state(state)
    history = train(model, data, **kwargs)
    return history, snapshot(model)



def train_many(states, data, cfg=DEFAULTS, masks=None, data_seeds=0, epochs=None, history=True,
               early_stop=False, progress=True, device=None, desc="training"):
    """Train K models together from their initial states; one Run per model, in order.

    masks: None, or one mask dict (or None) per state. data_seeds: one seed for every member,
    or one per member; members with the same data seed see the same minibatch order (a
    paired comparison), the others their own. Each member's run matches `train` alone.
    history: record test and validation accuracy after every epoch; early_stop: track the
    validation-loss minimum cfg.checks_per_epoch times per epoch.
    """
    cfg = as_config(cfg)
    states, masks, seeds = check_members(states, masks, data_seeds)
    data = as_dataset(data)
    refuse_unfit_for_stack(data, cfg, early_stop, device)
    epochs = as_int(cfg.epochs if epochs is None else epochs, "epochs", minimum=1, example=10)
    order, sizes, group_seeds = group_by_seed(seeds)
    device = device or default_device()
    stack = Stack([states[i] for i in order], [masks[i] for i in order], device, sizes)
    x, y = data.train_x.to(device), data.train_y.to(device)
    val, test = [(a.to(device), b.to(device)) for a, b in
                 ((data.val_x, data.val_y), (data.test_x, data.test_y))]
    opt, gens = make_optimizer([stack.flat], cfg), [seeded(s) for s in group_seeds]
    steps = math.ceil(len(x) / cfg.batch_size)
    tracker = EarlyStopTracker(stack, val, steps, cfg.checks_per_epoch) if early_stop else None
    curves = []
    with num_threads(threads_for(stack.k, cfg)), Progress(epochs, desc, progress) as bar:
        stack.apply_masks()
        for epoch in range(epochs):
            for j, idx in enumerate(epoch_batches(gens, len(x), cfg.batch_size, device), 1):
                stack.step(opt, x, y, idx)
                if tracker:
                    tracker.after(epoch * steps + j, j)
            if history:
                curves.append((stack.evaluate(*test)[1], *stack.evaluate(*val)))
            bar.update()
    runs = collect_runs(stack, test, val, curves, tracker)
    return [runs[order.index(i)] for i in range(len(states))]


def refuse_unfit_for_stack(data, cfg, early_stop, device):
    """A ValueError when train_many cannot train on data with cfg: a bad device, edited data or
    non-finite images, no test images to score, early stopping without a validation split, or a
    batch larger than the training set."""
    refuse_bad_device(device)
    refuse_unusable_data(data)
    refuse_empty_split(data, "test")
    if early_stop and len(data.val_x) == 0:
        raise ValueError("early_stop needs a validation split, but data.val_x is empty" + (
            f", although cfg.val_size={cfg.val_size}: these data were made without one (e.g. "
            f"sh.synthetic_data(n_val=0)); pass data made with one, e.g. sh.load_fashion_mnist("
            f"val_size={cfg.val_size}) or sh.synthetic_data(n_val=128)" if cfg.val_size else
            ": load the data with val_size > 0, e.g. sh.load_fashion_mnist(val_size=5000)"))
    if cfg.batch_size > len(data.train_x):
        raise ValueError(f"batch_size={cfg.batch_size} is larger than the {len(data.train_x)} training "
                         f"images: the stacked trainer needs at least one full batch. Choose "
                         f"batch_size <= {len(data.train_x)}, e.g. cfg.but(batch_size={min(128, len(data.train_x))})")


def epoch_batches(gens, n, batch, device):
    """One epoch's minibatch indices, one 1-D tensor per step: each group's batch in turn.

    Each group's order is `train`'s: torch.randperm(n, generator=g).split(batch).
    """
    perms = torch.stack([torch.randperm(n, generator=g) for g in gens]).to(device)
    full = n // batch
    steps = perms[:, : full * batch].view(len(gens), full, batch).transpose(0, 1).reshape(full, -1)
    yield from steps
    if n % batch:
        yield perms[:, full * batch:].reshape(-1)


def collect_runs(stack, test, val, curves, tracker):
    """One Run per stacked member: final state and accuracies, curves, early stop."""
    bad = [i for i, s in enumerate(stack.states()) if not all(torch.isfinite(t).all() for t in s.values())]
    if bad:
        raise ValueError(f"training diverged: the weights of member(s) {bad} became NaN or infinite. "
                         f"Lower the learning rate (lr) or check the data for NaNs")
    test_acc, val_acc = stack.evaluate(*test)[1].tolist(), stack.evaluate(*val)[1].tolist()
    early = tracker.results(test) if tracker else [None] * stack.k
    per_epoch = [(t.tolist(), vl.tolist(), v.tolist()) for t, vl, v in curves]
    return [Run(state, test_acc[i], val_acc[i], [t[i] for t, _, _ in per_epoch],
                [v[i] for _, _, v in per_epoch], EarlyStop(*early[i]) if early[i] else None,
                [vl[i] for _, vl, _ in per_epoch])
            for i, state in enumerate(stack.states())]


def group_by_seed(seeds):
    """Members ordered so that each data seed's members are adjacent: (order, sizes, seeds)."""
    group_seeds = list(dict.fromkeys(seeds))
    order = sorted(range(len(seeds)), key=lambda i: group_seeds.index(seeds[i]))
    sizes = [seeds.count(s) for s in group_seeds]
    return order, sizes, group_seeds


def check_members(states, masks, data_seeds):
    """states, masks and data seeds as lists of one length, checked; a ValueError if not."""
    states = list(states) if isinstance(states, (list, tuple)) else None
    if not states or not all(isinstance(s, dict) for s in states):
        raise ValueError("train_many needs a non-empty list of initial state dicts "
                         "(e.g. [sh.theta0(seed) for seed in seeds])" + (
                             "; got a model among them: take its state dict with sh.snapshot(model)"
                             if any(isinstance(s, torch.nn.Module) for s in states or []) else ""))
    refuse_unscorable_states(states)
    shape = {n: tuple(t.shape) for n, t in states[0].items()}
    for s in states:
        if {n: tuple(t.shape) for n, t in s.items()} != shape:
            raise ValueError(f"train_many needs states of one architecture; got {shape} and "
                             f"{ {n: tuple(t.shape) for n, t in s.items()} }")
    if isinstance(masks, dict):
        raise ValueError("masks must be a list with one mask dict (or None) per state; got one dict "
                         "(wrap it in a list for a single model)")
    masks = [None] * len(states) if masks is None else list(masks)
    if len(masks) != len(states):
        raise ValueError(f"got {len(states)} initial states but {len(masks)} masks: pass one "
                         f"mask dict (or None for dense) per state")
    masks = [as_masks(m, s) for m, s in zip(masks, states)]
    seeds = ([data_seeds] * len(states) if isinstance(data_seeds, numbers.Integral)
             else as_list(data_seeds, "data_seeds", "[0, 1, 2]"))
    if len(seeds) != len(states):
        raise ValueError(f"got {len(states)} initial states but {len(seeds)} data seeds: pass "
                         f"one seed for all, or one per state")
    return states, masks, [as_seed(s, "data seed") for s in seeds]
