"""What the tests check the package against: derivations written apart from it, and one spy.

The derivations rebuild, by a different route than the package's, what the design says a network
starts from and is masked by (IMP's next masks by the percentile rule, a random mask of given
layer counts, an even split of a weight count, ...). `spy` records every network an experiment
hands to train_many, so that a test can compare what was trained with what the design names.
"""
import hashlib
import math

import numpy as np
import torch

import sparse_helpers as sh
from sparse_helpers.computing.data import Dataset


# ---------------------------------------------------------------- data

def blobs(n_train=1024, n_val=256, n_test=256):
    """Gaussian class blobs drawn by numpy, whose generator gives the same bits on every CPU
    (torch's randn does not: its vectorised kernels differ by CPU)."""
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((10, 784)).astype(np.float32)

    def draw(n):
        """n points and their labels."""
        y = rng.integers(0, 10, n)
        x = centres[y] + 1.5 * rng.standard_normal((n, 784)).astype(np.float32)
        return torch.from_numpy(x), torch.from_numpy(y).long()
    (train_x, train_y), (val_x, val_y), (test_x, test_y) = draw(n_train), draw(n_val), draw(n_test)
    return Dataset(train_x, train_y, val_x, val_y, test_x, test_y, tuple(map(str, range(10))),
                   f"canary blobs, numpy seed 0, n={n_train}/{n_val}/{n_test}")


# ---------------------------------------------------------------- recording train_many

class Trained:
    """One network handed to train_many: where it started, its mask, its data seed, its run."""
    def __init__(self, state, masks, seed, run, call):
        self.state, self.masks, self.seed, self.run, self.call = state, masks, seed, run, call


class Call:
    """One call of train_many: its config, its keyword arguments, its data and its networks."""
    def __init__(self, cfg, kw, data):
        self.cfg, self.kw, self.data, self.members = cfg, kw, data, []


def spy(monkeypatch, module):
    """Record every call of module.train_many (it still trains); the list of Calls it fills."""
    calls, real = [], module.train_many

    def recording(states, data, cfg, masks=None, data_seeds=0, **kw):
        """train_many, remembered."""
        runs = real(states, data, cfg, masks=masks, data_seeds=data_seeds, **kw)
        n = len(states)
        seeds = list(data_seeds) if isinstance(data_seeds, (list, tuple)) else [data_seeds] * n
        call = Call(cfg, kw, data)
        call.members = [Trained(s, m, d, r, call) for s, m, d, r in
                        zip(states, masks if masks is not None else [None] * n, seeds, runs)]
        calls.append(call)
        return runs
    monkeypatch.setattr(module, "train_many", recording)
    return calls


def trained(calls):
    """Every network of every recorded call."""
    return [m for c in calls for m in c.members]


# ---------------------------------------------------------------- comparing networks

def digest(tensors):
    """A fingerprint of a dict of tensors (names and exact bits)."""
    h = hashlib.sha256()
    for name in sorted(tensors):
        h.update(name.encode())
        h.update(tensors[name].detach().contiguous().numpy().tobytes())
    return h.hexdigest()


def fingerprint(seed, state, masks):
    """What identifies a network before training: its data seed, its start and what it keeps."""
    kept = None if masks is None else {n: (m > 0).to(torch.uint8) for n, m in masks.items()}
    return seed, digest(state), None if kept is None else digest(kept)


def same_state(a, b):
    """Two state dicts with the same keys and bit-identical tensors."""
    return set(a) == set(b) and all(torch.equal(a[k], b[k]) for k in a)


def same_masks(a, b):
    """Two mask dicts that keep the same weights (whatever their dtype)."""
    return set(a) == set(b) and all(torch.equal(a[n] > 0, b[n] > 0) for n in a)


def find(members, state, masks, seed):
    """The one recorded member with this start, mask and data seed."""
    want = fingerprint(seed, state, masks)
    found = [m for m in members if fingerprint(m.seed, m.state, m.masks) == want]
    assert len(found) == 1, f"{len(found)} networks of seed {seed} start and are masked as expected"
    return found[0]


# ---------------------------------------------------------------- the architecture

def names(hidden=(8, 4)):
    """The weight matrices of the architecture, input layer first."""
    return [f"{2 * i}.weight" for i in range(len(hidden) + 1)]


def sizes(hidden=(8, 4)):
    """Their sizes."""
    widths = (784, *hidden, 10)
    return [a * b for a, b in zip(widths[:-1], widths[1:])]


def counts(masks):
    """Weights kept per layer, input layer first."""
    return [int(masks[n].sum()) for n in sorted(masks, key=lambda n: int(n.split(".")[0]))]


def ones(hidden=(8, 4)):
    """Nothing pruned."""
    return {n: torch.ones(t.shape) for n, t in sh.theta0(0, hidden).items() if n in names(hidden)}


# ---------------------------------------------------------------- pruning, derived apart

def quantile_cut(weights, masks, rate):
    """Masks keeping the alive weights with |w| >= the rate-quantile of the alive |w|."""
    alive = torch.cat([weights[n].abs()[masks[n] > 0].double() for n in weights])
    cut = torch.quantile(alive, rate).item() if len(alive) else 0.0
    return {n: ((masks[n] > 0) & (weights[n].abs() >= cut)).float() for n in weights}


def next_imp(state, masks, schedule, rate, output_rate):
    """IMP's next masks from trained weights: global, or each layer at its own rate."""
    layers = list(masks)
    if schedule == "global":
        return quantile_cut({n: state[n] for n in layers}, masks, rate)
    out = {}
    for i, n in enumerate(layers):
        out.update(quantile_cut({n: state[n]}, {n: masks[n]}, output_rate if i == len(layers) - 1 else rate))
    return out


def random_keep(per_layer, seed, hidden=(8, 4)):
    """Masks keeping per_layer[i] random weights of layer i: one generator, layers in order."""
    g, out, shapes = torch.Generator().manual_seed(seed), {}, sh.theta0(0, hidden)
    for n, size, k in zip(names(hidden), sizes(hidden), per_layer):
        keep = torch.zeros(size)
        keep[torch.randperm(size, generator=g)[:k]] = 1
        out[n] = keep.view(shapes[n].shape)
    return out


def even_split(total, hidden=(8, 4)):
    """total weights shared by layer size, the largest remainders rounded up."""
    exact = [total * s / sum(sizes(hidden)) for s in sizes(hidden)]
    out = [math.floor(e) for e in exact]
    for i in sorted(range(len(out)), key=lambda i: -(exact[i] - out[i]))[: total - sum(out)]:
        out[i] += 1
    return out


def uniform_split(total, seed, hidden=(8, 4)):
    """The layers of total weights drawn uniformly without replacement from all of them."""
    s = sizes(hidden)
    layer = np.repeat(np.arange(len(s)), s)
    picked = layer[torch.randperm(sum(s), generator=torch.Generator().manual_seed(seed))[:total].numpy()]
    return [int((picked == i).sum()) for i in range(len(s))]


def largest_of(weights, masks, count=None, per_layer=None):
    """Whether masks keep exactly `count` weights (or per_layer counts) of largest |weights|."""
    layers = list(masks)
    groups = [layers] if per_layer is None else [[n] for n in layers]
    wanted = [count] if per_layer is None else per_layer
    for group, k in zip(groups, wanted):
        w = torch.cat([weights[n].abs().flatten() for n in group])
        keep = torch.cat([masks[n].flatten() for n in group]) > 0
        if int(keep.sum()) != k:
            return False
        if 0 < k < len(w) and not w[keep].min() >= w[~keep].max():
            return False
    return True


def dead_by_search(masks):
    """Per hidden layer, the units on no input-to-output path, by following every path."""
    mats = [masks[n].numpy() > 0 for n in sorted(masks, key=lambda n: int(n.split(".")[0]))]
    reach = [np.ones(mats[0].shape[1], bool)]  # from the inputs, forwards
    for m in mats:
        reach.append(np.array([any(m[j, i] and reach[-1][i] for i in range(m.shape[1])) for j in range(m.shape[0])]))
    back = [np.ones(mats[-1].shape[0], bool)]  # to the outputs, backwards
    for m in reversed(mats):
        back.insert(0, np.array([any(m[j, i] and back[0][j] for j in range(m.shape[0])) for i in range(m.shape[1])]))
    return [int((~(a & b)).sum()) for a, b in zip(reach[1:-1], back[1:-1])]
