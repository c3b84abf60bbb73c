"""K MLPs of one architecture held in one flat buffer, trained and evaluated together.

Activations are feature-major, (K, features, batch): the first layer is one wide GEMM
(K*out, in) @ (in, batch) per data order (one batched GEMM when the groups are equal), later
layers are batched matmuls, and no layer needs a transpose. Every weight and bias of the stack
is a view of one flat tensor, every gradient a view of one flat gradient tensor, so the
optimizer is one fused call over one tensor; Adam and SGD are elementwise, so that one call is
K optimizers. Forward and backward are written out by hand (no autograd): the loss is the sum
of the members' mean cross-entropies, so each member gets its own gradient.
"""
import math

import torch
import torch.nn.functional as F

from .layout import bias_name, weight_names


def stack_layer(mats, first):
    """K weights (out, in) or biases (out,) of one layer, stacked as stacked_logits wants."""
    if mats[0].dim() == 1:
        return torch.cat(mats).unsqueeze(1) if first else torch.stack(mats).unsqueeze(2)
    return torch.cat(mats) if first else torch.stack(mats)


def stack_states(states):
    """Stacked tensors [W1, b1, W2, b2, ...] of K state dicts of one architecture."""
    tensors = []
    for i, name in enumerate(weight_names(states[0])):
        tensors.append(stack_layer([s[name] for s in states], first=i == 0).contiguous())
        tensors.append(stack_layer([s[bias_name(name)] for s in states], first=i == 0).contiguous())
    return tensors


def unstack_states(tensors, template):
    """The K state dicts held in stacked tensors, in template's key layout, on the CPU."""
    k = tensors[2].shape[0]
    states = [dict() for _ in range(k)]
    for i, name in enumerate(weight_names(template)):
        w, b = (t.detach().cpu() for t in tensors[2 * i: 2 * i + 2])
        for s, wk, bk in zip(states, w.reshape(k, -1, w.shape[-1]), b.reshape(k, -1)):
            s[name], s[bias_name(name)] = wk.clone(), bk.clone()
    return states


def layer_sizes(state):
    """(inputs, hidden..., outputs) of the MLP a state dict belongs to."""
    names = weight_names(state)
    return (state[names[0]].shape[1], *(state[n].shape[0] for n in names))


def flat_views(flat, sizes, k):
    """[W1, b1, W2, b2, ...] as views of one flat tensor, in stack_states' shapes.

    All the weights come first, then all the biases, so that the masked part is one span.
    """
    shapes = [((k * o, i), (k * o, 1)) if n == 0 else ((k, o, i), (k, o, 1))
              for n, (i, o) in enumerate(zip(sizes[:-1], sizes[1:]))]
    ordered = [w for w, _ in shapes] + [b for _, b in shapes]
    parts = flat.split([math.prod(s) for s in ordered])
    views = [p.view(s) for p, s in zip(parts, ordered)]
    layers = len(shapes)
    return [t for pair in zip(views[:layers], views[layers:]) for t in pair]


def first_layer(tensors, x, sizes=None, out=None):
    """The first layer's pre-activations (K, h1, B), into out (K, h1, B) if given.

    x is one batch (B, in) for every member, or one batch per group of adjacent members,
    (G, B, in), with sizes[g] members in group g.
    """
    w, b, k = tensors[0], tensors[1], tensors[2].shape[0]
    batch = x.shape[-2]
    out = torch.empty(k, w.shape[0] // k, batch, device=x.device) if out is None else out
    rows = out.view(-1, batch)
    if x.dim() == 2:
        torch.addmm(b, w, x.t(), out=rows)
    elif len(set(sizes)) == 1:  # equal groups: one batched GEMM
        g = len(sizes)
        torch.baddbmm(b.view(g, -1, 1), w.view(g, -1, w.shape[1]), x.transpose(1, 2),
                      out=rows.view(g, -1, batch))
    else:
        for xg, part in zip(x, group_rows(sizes, w.shape[0] // k)):
            torch.addmm(b[part], w[part], xg.t(), out=rows[part])
    return out


def group_rows(sizes, rows_per_member):
    """The row slice of the first layer's (K*h1, ...) matrices that each group owns."""
    ends = torch.tensor(sizes).cumsum(0).tolist()
    return [slice(rows_per_member * (e - n), rows_per_member * e) for n, e in zip(sizes, ends)]


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


class Workspace:
    """The buffers one step writes into, for one batch size: nothing is allocated per step."""

    def __init__(self, stack, batch):
        k, groups, dev = stack.k, len(stack.groups), stack.flat.device
        self.x = torch.empty(groups * batch, stack.sizes[0], device=dev)
        self.y = torch.empty(groups * batch, dtype=torch.long, device=dev)
        self.target = torch.empty(k, 1, batch, dtype=torch.long, device=dev)
        self.minus_one = torch.full((k, 1, batch), -1.0, device=dev)
        self.h = [torch.empty(k, s, batch, device=dev) for s in stack.sizes[1:]]
        self.dz = [torch.empty(k, s, batch, device=dev) for s in stack.sizes[1:]]
        self.relu_grad = [torch.empty(k, s, batch, device=dev) for s in stack.sizes[1:-1]]


class Stack:
    """K MLPs in one flat parameter tensor (with one flat gradient tensor) and their 0/1 masks.

    groups: how many adjacent members share each data order (one minibatch per group per step).
    """

    def __init__(self, states, masks, device, groups=None):
        self.template, self.k, self.sizes = states[0], len(states), layer_sizes(states[0])
        self.groups = list(groups or [self.k])
        stacked = stack_states(states)
        self.flat = torch.empty(sum(t.numel() for t in stacked), device=device)
        self.flat.grad = torch.zeros_like(self.flat)
        self.tensors = flat_views(self.flat, self.sizes, self.k)
        self.grads = flat_views(self.flat.grad, self.sizes, self.k)
        with torch.no_grad():
            for view, t in zip(self.tensors, stacked):
                view.copy_(t)
        self.n_weights = sum(t.numel() for t in self.tensors[0::2])
        self.mask = self.stacked_mask(states, masks)
        self.member_group = torch.repeat_interleave(
            torch.arange(len(self.groups)), torch.tensor(self.groups)).to(device)
        self.workspaces = {}

    def stacked_mask(self, states, masks):
        """The 0/1 masks of the flat tensor's weight span as one float tensor, or None if dense.

        Float, not bool: multiplying by it is many times faster than masked_fill_ on a CPU.
        """
        if all(m is None for m in masks):
            return None
        names = weight_names(self.template)
        full = [m or {n: torch.ones_like(s[n]) for n in names} for s, m in zip(states, masks)]
        parts = [stack_layer([m[n] for m in full], first=i == 0).flatten() for i, n in enumerate(names)]
        return torch.cat(parts).float().to(self.flat.device)

    @torch.no_grad()
    def apply_masks(self):
        """Set every pruned weight to exactly zero (one op over the weight span)."""
        if self.mask is not None:
            self.flat[: self.n_weights].mul_(self.mask)

    def workspace(self, batch):
        """The buffers for a step of this batch size (made once per size)."""
        if batch not in self.workspaces:
            self.workspaces[batch] = Workspace(self, batch)
        return self.workspaces[batch]

    def step(self, opt, x, y, idx):
        """One optimizer step; idx holds each group's minibatch indices, group after group."""
        ws = self.workspace(len(idx) // len(self.groups))
        xs = torch.index_select(x, 0, idx, out=ws.x)
        ys = torch.index_select(y, 0, idx, out=ws.y)
        self.compute_grads(xs, ys, ws)
        opt.step()
        self.apply_masks()

    def compute_grads(self, xs, ys, ws=None):
        """The gradient of the summed mean losses into self.grads, for stacked minibatches.

        xs (G*B, in) and ys (G*B,): group g's minibatch is rows g*B to (g+1)*B.
        """
        groups, batch = len(self.groups), len(xs) // len(self.groups)
        ws = ws or self.workspace(batch)
        xs = xs.view(groups, batch, -1)
        first_layer(self.tensors, xs, self.groups, out=ws.h[0])
        for h, w, b, out in zip(ws.h, self.tensors[2::2], self.tensors[3::2], ws.h[1:]):
            torch.baddbmm(b, w, h.relu_(), out=out)
        dz = self.logits_grad(ws.h[-1], ys.view(groups, batch), ws)
        self.backward(dz, xs, ws)

    def logits_grad(self, logits, ys, ws):
        """d(loss)/d(logits) = (softmax - one-hot) / B, for every member, in ws.dz[-1]."""
        dz = torch.softmax(logits, 1, out=ws.dz[-1])
        if len(self.groups) == 1:
            target = ys.view(1, 1, -1).expand(self.k, 1, -1)
        else:
            target = torch.index_select(ys, 0, self.member_group, out=ws.target.view(self.k, -1))
        dz.scatter_add_(1, target.view(self.k, 1, -1), ws.minus_one)
        return dz.mul_(1.0 / logits.shape[2])

    def backward(self, dz, xs, ws):
        """Weight and bias gradients of every layer, from the logits' gradient down."""
        for i in range(len(self.sizes) - 2, 0, -1):
            h = ws.h[i - 1]
            torch.bmm(dz, h.transpose(1, 2), out=self.grads[2 * i])
            torch.sum(dz, 2, keepdim=True, out=self.grads[2 * i + 1])
            dh = torch.bmm(self.tensors[2 * i].transpose(1, 2), dz, out=ws.dz[i - 1])
            # relu's derivative as sign(h), h >= 0: a float op; h > 0 makes a slow bool tensor
            dz = dh.mul_(torch.sign(h, out=ws.relu_grad[i - 1]))
        self.first_layer_grads(dz.view(-1, dz.shape[2]), xs)

    def first_layer_grads(self, dz, xs):
        """The first layer's gradients from its pre-activations' gradient (K*h1, B)."""
        gw, gb = self.grads[0], self.grads[1]
        torch.sum(dz, 1, keepdim=True, out=gb)
        if len(set(self.groups)) == 1:
            g = len(self.groups)
            torch.bmm(dz.view(g, -1, dz.shape[1]), xs, out=gw.view(g, -1, gw.shape[1]))
            return
        for xg, part in zip(xs, group_rows(self.groups, gw.shape[0] // self.k)):
            torch.mm(dz[part], xg, out=gw[part])

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
        self.best = stack.flat.detach().clone()
        self.owner = member_of_each_parameter(stack.sizes, stack.k).to(self.best.device)

    @torch.no_grad()
    def after(self, step, step_in_epoch):
        """At a check point, remember the members whose validation loss fell."""
        if step_in_epoch not in self.at:
            return
        loss, acc = self.stack.evaluate(*self.val)
        better = loss < self.loss
        if better.any():
            self.loss[better], self.acc[better], self.step[better] = loss[better], acc[better], step
            if better.all():
                self.best.copy_(self.stack.flat)
            else:
                on = better.to(self.best.device)[self.owner]
                torch.where(on, self.stack.flat, self.best, out=self.best)

    def results(self, test):
        """Per member: (step, val loss, val accuracy, test accuracy) at the loss minimum."""
        best = flat_views(self.best, self.stack.sizes, self.k)
        test_acc = stacked_eval(best, *test)[1]
        return list(zip(self.step.tolist(), self.loss.tolist(), self.acc.tolist(),
                        test_acc.tolist()))


def member_of_each_parameter(sizes, k):
    """For each entry of the flat tensor, the member it belongs to (flat_views' layout)."""
    owner = torch.arange(k)
    counts = [o * i for i, o in zip(sizes[:-1], sizes[1:])] + list(sizes[1:])
    return torch.cat([owner.repeat_interleave(c) for c in counts])
