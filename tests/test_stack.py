"""The stacked MLPs' hand-written forward and backward against autograd, and the flat layout."""
import pytest
import torch
import torch.nn.functional as F

import sparse_helpers as sh
from sparse_helpers import prune
from sparse_helpers.computing.stack import (EarlyStopTracker, Stack, flat_views, member_of_each_parameter,
                                            stack_states, stacked_logits)
from sparse_helpers.computing.train import make_optimizer, num_threads


def members(k, hidden, masked=()):
    """k initial states and masks (90% pruned for the members in masked, dense otherwise)."""
    states = [sh.theta0(s, hidden=hidden) for s in range(k)]
    masks = [prune.global_masks(s, 0.9) if i in masked else None for i, s in enumerate(states)]
    return states, masks


def autograd_grads(tensors, xs, ys, groups):
    """The gradients of the summed mean cross-entropies, by autograd on stacked_logits."""
    leaves = [t.detach().clone().requires_grad_() for t in tensors]
    batch = len(xs) // len(groups)
    logits = stacked_logits(leaves, xs.view(len(groups), batch, -1), groups)
    target = ys.view(len(groups), batch).repeat_interleave(torch.tensor(groups), dim=0)
    F.cross_entropy(logits, target, reduction="none").mean(1).sum().backward()
    return [t.grad for t in leaves]


def batch_of(groups, batch, seed=0):
    """Random images (G*B, 784) and labels (G*B,)."""
    gen = torch.Generator().manual_seed(seed)
    return (torch.randn(len(groups) * batch, 784, generator=gen),
            torch.randint(0, 10, (len(groups) * batch,), generator=gen))


@pytest.mark.parametrize("groups,hidden,batch,masked", [
    ([1], (8, 4), 128, ()),
    ([3], (8, 4), 128, (1,)),
    ([2, 2, 2], (8, 4), 128, (0, 5)),
    ([3, 1, 2], (8, 4), 88, (2,)),
    ([4, 4], (16,), 64, (0,)),
    ([1, 2], (32, 16), 128, (1, 2)),
    ([2, 3], (8, 6, 4), 7, (0,)),
], ids=["one", "one order", "equal groups", "unequal groups", "one hidden layer",
        "wide, unequal", "three hidden layers, odd batch"])
def test_hand_written_gradients_match_autograd(groups, hidden, batch, masked):
    states, masks = members(sum(groups), hidden, masked)
    stack = Stack(states, masks, "cpu", groups)
    stack.apply_masks()
    xs, ys = batch_of(groups, batch)
    stack.compute_grads(xs, ys)
    for got, want in zip(stack.grads, autograd_grads(stack.tensors, xs, ys, groups)):
        torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-6)


def test_large_equal_groups_cut_into_blocks_per_thread_match_autograd():
    groups = [32, 32, 32]  # 256 first-layer rows a group: cut into 2 blocks on 2 threads
    states, masks = members(sum(groups), (8, 4), masked=(3, 40))
    stack = Stack(states, masks, "cpu", groups)
    stack.apply_masks()
    xs, ys = batch_of(groups, 128)
    with num_threads(2):
        assert stack.workspace(128).split == 2
        stack.compute_grads(xs, ys)
    for got, want in zip(stack.grads, autograd_grads(stack.tensors, xs, ys, groups)):
        torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-6)


def test_the_flat_buffer_holds_the_states_exactly():
    states, masks = members(5, (8, 4))
    stack = Stack(states, masks, "cpu", [2, 3])
    for before, after in zip(states, stack.states()):
        assert before.keys() == after.keys()
        assert all(torch.equal(before[n], after[n]) for n in before)
    for view, t in zip(stack.tensors, stack_states(states)):
        assert view.shape == t.shape and view.untyped_storage().data_ptr() == stack.flat.untyped_storage().data_ptr()


def steps(stack, n, cfg=sh.DEFAULTS):
    """n optimizer steps of the stack on random minibatches; the flat parameters after."""
    opt = make_optimizer([stack.flat], cfg)
    stack.apply_masks()
    for i in range(n):
        stack.step(opt, *batch_of(stack.groups, 32, seed=i), torch.arange(len(stack.groups) * 32))
    return stack.flat.clone()


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_steps_keep_masked_weights_at_zero_and_are_deterministic(optimizer):
    cfg = sh.Config(optimizer=optimizer)
    states, masks = members(4, (8, 4), masked=(0, 2))
    a = steps(Stack(states, masks, "cpu", [2, 2]), 5, cfg)
    b = steps(Stack(states, masks, "cpu", [2, 2]), 5, cfg)
    assert torch.equal(a, b)
    stack = Stack(states, masks, "cpu", [2, 2])
    stack.flat.copy_(a)
    for state, mask in zip(stack.states(), masks):
        for name, m in (mask or {}).items():
            assert (state[name][m == 0] == 0).all()
            assert (state[name][m == 1] != 0).float().mean() > 0.99


def test_each_flat_entry_knows_its_member():
    sizes, k = (784, 8, 4, 10), 3
    owner = flat_views(member_of_each_parameter(sizes, k).float(), sizes, k)
    assert (owner[0].view(k, -1) == torch.arange(k).view(k, 1)).all()  # W1 rows, member-major
    for t in owner[1:]:
        assert (t.reshape(k, -1) == torch.arange(k).view(k, 1)).all()


def test_early_stop_copies_only_the_members_that_improved():
    states, masks = members(3, (8, 4))
    stack = Stack(states, masks, "cpu")
    val = batch_of([1], 64)
    tracker = EarlyStopTracker(stack, val, steps_per_epoch=1, checks_per_epoch=1)
    tracker.loss = torch.tensor([float("inf"), -1.0, float("inf")])  # member 1 cannot improve
    before = tracker.best.clone()
    stack.flat.add_(1.0)
    tracker.after(1, 1)
    best = flat_views(tracker.best, stack.sizes, 3)
    now, old = flat_views(stack.flat, stack.sizes, 3), flat_views(before, stack.sizes, 3)
    for b, n, o in zip(best[2:], now[2:], old[2:]):
        assert torch.equal(b[[0, 2]], n[[0, 2]]) and torch.equal(b[1], o[1])
    assert tracker.step.tolist() == [1, 0, 1]
