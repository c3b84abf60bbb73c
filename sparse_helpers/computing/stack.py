"""K MLPs of one architecture held in a few stacked tensors, trained and evaluated together.

Activations are feature-major, (K, features, batch): the first layer is one wide GEMM
(K*out, in) @ (in, batch) per data order, later layers are batched matmuls, and no layer needs
a transpose. The loss is the sum of the members' mean losses, so each member gets its own
gradient; Adam and SGD are elementwise, so one optimizer over the stack is K optimizers.
"""
import math

import torch
import torch.nn.functional as F

from .layout import weight_names


def stack_layer(mats, first):
    """K weights (out, in) or biases (out,) of one layer, stacked as stacked_logits wants."""
    if mats[0].dim() == 1:
        return torch.cat(mats).unsqueeze(1) if first else torch.stack(mats).unsqueeze(2)
    return torch.cat(mats) if first else torch.stack(mats)


def stack_states(states):
    """Stacked tensors [W1, b1, W2, b2, ...] of K state dicts of one architecture."""
    tensors = []
    for i, name in enumerate(weight_names(states[0])):
        bias = name[: -len("weight")] + "bias"
        tensors.append(stack_layer([s[name] for s in states], first=i == 0).contiguous())
        tensors.append(stack_layer([s[bias] for s in states], first=i == 0).contiguous())
    return tensors


def unstack_states(tensors, template):
    """The K state dicts held in stacked tensors, in template's key layout, on the CPU."""
    k = tensors[2].shape[0]
    states = [dict() for _ in range(k)]
    for i, name in enumerate(weight_names(template)):
        bias = name[: -len("weight")] + "bias"
        w, b = (t.detach().cpu() for t in tensors[2 * i: 2 * i + 2])
        for s, wk, bk in zip(states, w.view(k, -1, w.shape[-1]), b.view(k, -1)):
            s[name], s[bias] = wk.clone(), bk.clone()
    return states


def first_layer(tensors, x, sizes=None):
    """The first layer's pre-activations (K, h1, B).

    x is one batch (B, in) for every member, or one batch per group of adjacent members,
    (G, B, in), with sizes[g] members in group g.
    """
    w, b, k = tensors[0], tensors[1], tensors[2].shape[0]
    if x.dim() == 2:
        return torch.addmm(b, w, x.t()).view(k, -1, len(x))
    g, batch = x.shape[0], x.shape[1]
    if len(set(sizes)) == 1:  # equal groups: one batched GEMM
        return torch.baddbmm(b.view(g, -1, 1), w.view(g, -1, w.shape[1]),
                             x.transpose(1, 2)).view(k, -1, batch)
    rows, start, parts = w.shape[0] // k, 0, []
    for xg, n in zip(x, sizes):
        end = start + rows * n
        parts.append(torch.addmm(b[start:end], w[start:end], xg.t()))
        start = end
    return torch.cat(parts).view(k, rows, batch)


def stacked_logits(tensors, x, sizes=None):
    """Logits of every member, (K, classes, N), for x as first_layer takes it."""
    h = first_layer(tensors, x, sizes)
    for i in range(2, len(tensors), 2):
        h = torch.baddbmm(tensors[i + 1], tensors[i], torch.relu(h))
    return h


@torch.no_grad()
def stacked_eval(tensors, x, y, chunk=2500):
    """Mean cross-entropy and accuracy of each member on (x, y), as two (K,) tensors (nan if empty)."""
    k = tensors[2].shape[0]
    if len(x) == 0:
        return torch.full((k,), math.nan), torch.full((k,), math.nan)
    loss, correct = torch.zeros(k, device=x.device), torch.zeros(k, device=x.device)
    for xc, yc in zip(x.split(chunk), y.split(chunk)):
        logits = stacked_logits(tensors, xc)
        target = yc.expand(k, -1)
        loss += F.cross_entropy(logits, target, reduction="none").sum(1)
        # argmax over the last, contiguous dim: over dim 1 it is ten times slower on a CPU
        correct += (logits.transpose(1, 2).contiguous().argmax(2) == target).sum(1)
    return (loss / len(x)).cpu(), (correct / len(x)).cpu()


class Stack:
    """K MLPs as stacked leaf tensors on a device, with their stacked 0/1 masks (or None)."""

    def __init__(self, states, masks, device):
        self.template, self.k = states[0], len(states)
        self.tensors = [t.to(device).requires_grad_() for t in stack_states(states)]
        self.masks = None
        if any(m is not None for m in masks):
            names = weight_names(self.template)
            full = [m or {n: torch.ones_like(s[n]) for n in names} for s, m in zip(states, masks)]
            self.masks = [stack_layer([m[n] for m in full], first=i == 0).to(device)
                          for i, n in enumerate(names)]

    @torch.no_grad()
    def apply_masks(self):
        """Set every pruned weight to exactly zero."""
        for w, m in zip(self.tensors[0::2], self.masks or []):
            w.mul_(m)

    def step(self, opt, x, y, idx, sizes):
        """One optimizer step on one minibatch per group; idx holds each group's indices."""
        idx = torch.stack(idx).to(x.device)  # (groups, batch)
        xs = x.index_select(0, idx.flatten()).view(*idx.shape, x.shape[1])
        ys = y.index_select(0, idx.flatten()).view(idx.shape)
        target = ys.repeat_interleave(torch.tensor(sizes, device=x.device), dim=0)
        logits = stacked_logits(self.tensors, xs, sizes)
        loss = F.cross_entropy(logits, target) * self.k
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        self.apply_masks()

    def evaluate(self, x, y):
        """(loss, accuracy) of every member on (x, y)."""
        return stacked_eval(self.tensors, x, y)

    def states(self):
        """The members' current parameters as state dicts."""
        return unstack_states(self.tensors, self.template)


class EarlyStopTracker:
    """Checks validation loss a few times per epoch and keeps each member's best weights."""

    def __init__(self, stack, val, steps_per_epoch, checks_per_epoch):
        self.stack, self.val, self.k = stack, val, stack.k
        self.at = {round(steps_per_epoch * (c + 1) / checks_per_epoch)
                   for c in range(checks_per_epoch)}
        self.loss, self.acc = torch.full((self.k,), math.inf), torch.zeros(self.k)
        self.step = torch.zeros(self.k, dtype=torch.long)
        self.best = [t.detach().clone() for t in stack.tensors]

    @torch.no_grad()
    def after(self, step, step_in_epoch):
        """At a check point, remember the members whose validation loss fell."""
        if step_in_epoch not in self.at:
            return
        loss, acc = self.stack.evaluate(*self.val)
        better = loss < self.loss
        if better.any():
            self.loss[better], self.acc[better], self.step[better] = loss[better], acc[better], step
            on = better.to(self.best[0].device)
            for b, t in zip(self.best, self.stack.tensors):
                b.view(self.k, -1)[on] = t.detach().view(self.k, -1)[on]

    def results(self, test):
        """Per member: (step, val loss, val accuracy, test accuracy) at the loss minimum."""
        test_acc = stacked_eval(self.best, *test)[1]
        return list(zip(self.step.tolist(), self.loss.tolist(), self.acc.tolist(),
                        test_acc.tolist()))
