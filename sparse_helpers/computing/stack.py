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

# Cut large equal groups' first-layer GEMMs into one block per thread from this many rows a block
# (benchmarks/trainer_speed.py; below it a batched GEMM of the whole groups is as fast).
MIN_SPLIT_ROWS = 128


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
    parts = [torch.addmm(b[part], w[part], xg.t()) for xg, part in zip(x, group_rows(sizes, w.shape[0] // k))]
    return torch.cat(parts).view(k, -1, batch)


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
        self.split = stack.split_for()
        self.x_split = torch.empty(groups * self.split, batch, stack.sizes[0], device=dev)
        self.one_hot = torch.empty(groups, stack.sizes[-1], batch, device=dev)
        self.member_one_hot = torch.empty(k, stack.sizes[-1], batch, device=dev)
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
        """The buffers for a step of this batch size at this thread count (made once)."""
        key = (batch, torch.get_num_threads())
        if key not in self.workspaces:
            self.workspaces[key] = Workspace(self, batch)
        return self.workspaces[key]

    def split_for(self):
        """Into how many row blocks to cut each group's first-layer GEMMs (1: none).

        A batched GEMM shares its threads out by batch entry: 3 groups on 2 threads leave one
        idle a third of the time, so large equal groups are cut into `threads` blocks each.
        """
        threads, g, rows = torch.get_num_threads(), len(self.groups), self.groups[0] * self.sizes[1]
        even = len(set(self.groups)) == 1 and g % threads != 0 and rows % threads == 0
        return threads if threads > 1 and even and rows // threads >= MIN_SPLIT_ROWS else 1

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
        blocks = self.first_layer_blocks(xs.view(groups, batch, -1), ws)
        self.first_layer(blocks, ws.h[0].view(-1, batch))
        for h, w, b, out in zip(ws.h, self.tensors[2::2], self.tensors[3::2], ws.h[1:]):
            torch.baddbmm(b, w, h.relu_(), out=out)
        dz = self.logits_grad(ws.h[-1], ys.view(groups, 1, batch), ws)
        self.backward(dz, blocks, ws)

    def first_layer_blocks(self, xs, ws):
        """The inputs of the first layer's GEMMs: (blocks, B, in), each group's split times."""
        if ws.split == 1:
            return xs
        g, batch, n_in = xs.shape
        ws.x_split.view(g, ws.split, batch, n_in).copy_(xs.unsqueeze(1).expand(-1, ws.split, -1, -1))
        return ws.x_split

    def row_blocks(self, blocks):
        """The row slices of the (K*h1, ...) first-layer matrices that each block owns."""
        if len(set(self.groups)) == 1:
            rows = self.k * self.sizes[1] // len(blocks)
            return [slice(i * rows, (i + 1) * rows) for i in range(len(blocks))]
        return group_rows(self.groups, self.sizes[1])

    def first_layer(self, blocks, out):
        """The first layer's pre-activations into out (K*h1, B): one batched GEMM if it can."""
        w, b = self.tensors[0], self.tensors[1]
        n = len(blocks)
        if len(set(self.groups)) == 1:
            torch.baddbmm(b.view(n, -1, 1), w.view(n, -1, w.shape[1]), blocks.transpose(1, 2),
                          out=out.view(n, -1, out.shape[1]))
            return
        for xb, part in zip(blocks, self.row_blocks(blocks)):
            torch.addmm(b[part], w[part], xb.t(), out=out[part])

    def logits_grad(self, logits, ys, ws):
        """d(loss)/d(logits) = softmax / B - one-hot / B, for every member, in ws.dz[-1]."""
        batch, g = logits.shape[2], len(self.groups)
        dz = torch.softmax(logits, 1, out=ws.dz[-1])
        one_hot = ws.one_hot.zero_().scatter_(1, ys, -1.0 / batch)
        if len(set(self.groups)) == 1:  # broadcast each group's one-hot over its members
            dz, one_hot = dz.view(g, -1, *dz.shape[1:]), one_hot.unsqueeze(1)
        else:
            one_hot = torch.index_select(one_hot, 0, self.member_group, out=ws.member_one_hot)
        torch.add(one_hot, dz, alpha=1.0 / batch, out=dz)
        return ws.dz[-1]

    def backward(self, dz, blocks, ws):
        """Weight and bias gradients of every layer, from the logits' gradient down."""
        for i in range(len(self.sizes) - 2, 0, -1):
            h = ws.h[i - 1]
            torch.bmm(dz, h.transpose(1, 2), out=self.grads[2 * i])
            torch.sum(dz, 2, keepdim=True, out=self.grads[2 * i + 1])
            dh = torch.bmm(self.tensors[2 * i].transpose(1, 2), dz, out=ws.dz[i - 1])
            # relu's derivative as sign(h), h >= 0: a float op; h > 0 makes a slow bool tensor
            dz = dh.mul_(torch.sign(h, out=ws.relu_grad[i - 1]))
        self.first_layer_grads(dz.view(-1, dz.shape[2]), blocks)

    def first_layer_grads(self, dz, blocks):
        """The first layer's gradients from its pre-activations' gradient (K*h1, B)."""
        gw, gb, n = self.grads[0], self.grads[1], len(blocks)
        torch.sum(dz, 1, keepdim=True, out=gb)
        if len(set(self.groups)) == 1:
            torch.bmm(dz.view(n, -1, dz.shape[1]), blocks, out=gw.view(n, -1, gw.shape[1]))
            return
        for xb, part in zip(blocks, self.row_blocks(blocks)):
            torch.mm(dz[part], xb, out=gw[part])

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
