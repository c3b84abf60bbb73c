"""Training on in-memory tensors: one model (the plain loop) or K models stacked in one pass.

Defaults: Adam (lr 2e-3, fused), batch size 128, cross-entropy, one CPU thread. The post names
none of these; this choice reaches about 83-84% test accuracy in 10 epochs with seed 0.
"""
from contextlib import contextmanager
from typing import NamedTuple

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from .model import default_device, load_state, snapshot, weight_names

LR = 2e-3
BATCH_SIZE = 128
# One thread: this model's matmuls are too small to split, and with another process busy on
# one of the two cores, two threads made an epoch ~40x slower (see benchmarks/train_speed.py).
THREADS = 1


class Run(NamedTuple):
    """One trained member: test accuracy after each epoch, and its final parameters."""
    history: list
    state: dict


@contextmanager
def num_threads(n):
    """Run the block with torch using n CPU threads, then restore the old setting."""
    old = torch.get_num_threads()
    torch.set_num_threads(n or old)
    try:
        yield
    finally:
        torch.set_num_threads(old)


def batches(n, batch_size, generator):
    """Index tensors of one epoch's minibatches, in an order drawn from generator."""
    return torch.randperm(n, generator=generator).split(batch_size)


def check_masks(state, masks):
    """Raise a ValueError unless masks has one mask of the right shape per weight matrix."""
    if masks is None:
        return
    names = weight_names(state)
    if set(masks) != set(names):
        raise ValueError(f"masks must cover exactly the weight matrices {names}; "
                         f"got {sorted(masks)}")
    for name in names:
        if tuple(masks[name].shape) != tuple(state[name].shape):
            raise ValueError(f"mask for {name} has shape {tuple(masks[name].shape)}, but the "
                             f"model's {name} has shape {tuple(state[name].shape)}: the mask "
                             f"was made for another architecture")


def epoch_log(history):
    """The per-epoch log lines, formatted like the post's: 'Epoch  1/10, Accuracy: 75.35%'."""
    n = len(history)
    return "\n".join(f"Epoch {i:>2}/{n}, Accuracy: {100 * a:.2f}%"
                     for i, a in enumerate(history, 1))


@torch.no_grad()
def accuracy(model, x, y):
    """Fraction of (x, y) the model classifies correctly."""
    return (model(x).argmax(1) == y).float().mean().item()


def train(model, data, epochs=10, seed=0, masks=None, lr=LR, batch_size=BATCH_SIZE,
          progress=True, device=None, threads=THREADS):
    """Train one model in place; returns its test accuracy after each epoch.

    With masks (weight name -> 0/1 tensor), masked weights are zero before the first step
    and are set back to zero after every step, so they stay exactly zero.
    """
    device = device or default_device()
    check_masks(snapshot(model), masks)
    model.to(device)
    x, y = data.train_x.to(device), data.train_y.to(device)
    tx, ty = data.test_x.to(device), data.test_y.to(device)
    params = dict(model.named_parameters())
    masked = [(params[n], m.to(device, params[n].dtype)) for n, m in (masks or {}).items()]
    opt = torch.optim.Adam(model.parameters(), lr=lr, fused=True)
    gen = torch.Generator().manual_seed(seed)
    history = []
    with num_threads(threads), torch.no_grad():
        for p, m in masked:
            p.mul_(m)
    with num_threads(threads):
        for _ in tqdm(range(epochs), desc="training", disable=not progress, leave=False):
            model.train()
            for idx in batches(len(x), batch_size, gen):
                idx = idx.to(device)
                loss = F.cross_entropy(model(x.index_select(0, idx)), y.index_select(0, idx))
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                with torch.no_grad():
                    for p, m in masked:
                        p.mul_(m)
            model.eval()
            history.append(accuracy(model, tx, ty))
    return history


# --- K models at once -------------------------------------------------------------------
# All K members' weights live in a few stacked tensors, so one pass trains every member on the
# same minibatch. Activations are kept feature-major, (K, features, batch): the first layer is
# then one wide GEMM (K*out, in) @ (in, batch) instead of K small ones, later layers are
# batched matmuls, and no layer needs a transpose. The loss is the sum of the members' mean
# losses, so each member gets its own gradient, and Adam is elementwise, so one optimizer over
# the stack is K independent optimizers.

def stack_layer(mats, first):
    """K weights (out, in) or biases (out,) of one layer, stacked as stacked_logits wants."""
    if mats[0].dim() == 1:
        return (torch.cat(mats).unsqueeze(1) if first else torch.stack(mats).unsqueeze(2))
    return torch.cat(mats) if first else torch.stack(mats)


def stack_states(states):
    """Stacked leaf tensors [W1, b1, W2, b2, ...] of K state dicts of one architecture."""
    tensors = []
    for i, name in enumerate(weight_names(states[0])):
        bias = name[: -len("weight")] + "bias"
        tensors.append(stack_layer([s[name] for s in states], first=i == 0).contiguous())
        tensors.append(stack_layer([s[bias] for s in states], first=i == 0).contiguous())
    return tensors


def unstack_states(tensors, template):
    """The K state dicts held in stacked tensors, in template's key layout."""
    k = tensors[2].shape[0]
    states = [dict() for _ in range(k)]
    for i, name in enumerate(weight_names(template)):
        bias = name[: -len("weight")] + "bias"
        weights = tensors[2 * i].detach().cpu()
        biases = tensors[2 * i + 1].detach().cpu().squeeze(-1)
        split = (lambda t: t.chunk(k)) if i == 0 else (lambda t: t.unbind())
        for s, w, b in zip(states, split(weights), split(biases)):
            s[name], s[bias] = w.clone(), b.clone()
    return states


def stacked_logits(tensors, x):
    """Logits of every member, shape (K, classes, N), for inputs x of shape (N, features)."""
    k = tensors[2].shape[0]
    h = torch.addmm(tensors[1], tensors[0], x.t()).view(k, -1, len(x))
    for i in range(2, len(tensors), 2):
        h = torch.baddbmm(tensors[i + 1], tensors[i], torch.relu(h))
    return h


@torch.no_grad()
def stacked_accuracy(tensors, x, y):
    """Test accuracy of each member, as a list of K floats."""
    return (stacked_logits(tensors, x).argmax(1) == y).float().mean(1).tolist()


class StackedAdam:
    """Adam over a list of leaf tensors, one fused kernel call per step.

    It calls the kernel torch.optim.Adam(fused=True) uses, with the same numbers, but skips
    the optimizer's per-step Python bookkeeping, which costs more than the whole update at this
    model size (see benchmarks/ensemble_speed.py). Falls back to torch.optim.Adam if the
    kernel is missing.
    """

    def __init__(self, tensors, lr, betas=(0.9, 0.999), eps=1e-8):
        self.tensors, self.lr, self.betas, self.eps = tensors, lr, betas, eps
        self.fallback = None if hasattr(torch, "_fused_adam_") else torch.optim.Adam(tensors, lr)
        self.m = [torch.zeros_like(t) for t in tensors]
        self.v = [torch.zeros_like(t) for t in tensors]
        self.steps = [torch.zeros((), dtype=torch.float32, device=t.device) for t in tensors]

    def step(self, loss):
        """Backpropagate loss and update every tensor."""
        if self.fallback is not None:
            self.fallback.zero_grad(set_to_none=True)
            loss.backward()
            return self.fallback.step()
        grads = list(torch.autograd.grad(loss, self.tensors))
        with torch.no_grad():
            torch._foreach_add_(self.steps, 1)
            torch._fused_adam_(self.tensors, grads, self.m, self.v, [], self.steps, lr=self.lr,
                               beta1=self.betas[0], beta2=self.betas[1], weight_decay=0.0,
                               eps=self.eps, amsgrad=False, maximize=False)


def train_many(states, data, epochs=10, seed=0, masks=None, lr=LR, batch_size=BATCH_SIZE,
               progress=True, device=None, threads=THREADS, desc="training"):
    """Train K models together from their initial states; returns one Run per model.

    states: K state dicts of one architecture (e.g. theta0 of K seeds); masks: None or K mask
    dicts (None entries allowed). All members see the same minibatch order, drawn from seed,
    and each matches what `train` gives for that member alone.
    """
    if not states:
        raise ValueError("train_many needs at least one initial state")
    device = device or default_device()
    masks = list(masks) if masks is not None else [None] * len(states)
    if len(masks) != len(states):
        raise ValueError(f"got {len(states)} states but {len(masks)} masks")
    shapes = [{n: tuple(t.shape) for n, t in s.items()} for s in states]
    for s, shape, m in zip(states, shapes, masks):
        if shape != shapes[0]:
            raise ValueError(f"train_many needs states of one architecture; got {shapes[0]} "
                             f"and {shape}")
        check_masks(s, m)
    tensors = [t.to(device).requires_grad_() for t in stack_states(states)]
    weights = tensors[0::2]
    mask_t = None  # stacked like the weights; None when no member is masked
    if any(m is not None for m in masks):
        full = [m or {n: torch.ones_like(s[n]) for n in weight_names(s)}
                for s, m in zip(states, masks)]
        mask_t = [stack_layer([m[n].float() for m in full], first=i == 0).to(device)
                  for i, n in enumerate(weight_names(states[0]))]
    k = len(states)
    x, y = data.train_x.to(device), data.train_y.to(device)
    tx, ty = data.test_x.to(device), data.test_y.to(device)
    opt = StackedAdam(tensors, lr=lr)
    gen = torch.Generator().manual_seed(seed)
    histories = [[] for _ in range(k)]
    with num_threads(threads):
        if mask_t is not None:
            with torch.no_grad():
                torch._foreach_mul_(weights, mask_t)
        for _ in tqdm(range(epochs), desc=desc, disable=not progress, leave=False):
            for idx in batches(len(x), batch_size, gen):
                idx = idx.to(device)
                logits = stacked_logits(tensors, x.index_select(0, idx))
                target = y.index_select(0, idx).expand(k, -1)
                opt.step(F.cross_entropy(logits, target) * k)
                if mask_t is not None:
                    with torch.no_grad():
                        torch._foreach_mul_(weights, mask_t)
            for h, a in zip(histories, stacked_accuracy(tensors, tx, ty)):
                h.append(a)
    return [Run(h, s) for h, s in zip(histories, unstack_states(tensors, states[0]))]


@torch.no_grad()
def evaluate(state, data, masks=None):
    """Test accuracy of the MLP with the given parameters, masked weights set to zero."""
    check_masks(state, masks)
    state = dict(state)
    for name, m in (masks or {}).items():
        state[name] = state[name] * m
    tensors = stack_states([state])
    return stacked_accuracy(tensors, data.test_x, data.test_y)[0]


def train_one(state, data, **kwargs):
    """Train a fresh copy of the MLP from state with the plain loop; returns a Run."""
    model = load_state(state)
    history = train(model, data, **kwargs)
    return Run(history, snapshot(model))
