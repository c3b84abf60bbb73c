import pytest
import torch

import sparse_helpers as sh


def test_default_mlp_has_the_posts_weight_count():
    model = sh.make_mlp()
    assert sh.weight_counts(model) == {"784x8": 6272, "8x4": 32, "4x10": 40}
    assert sum(sh.weight_counts(model).values()) == 6344
    assert sh.bias_count(model) == 22


def test_same_seed_same_init_other_seed_differs():
    a, b, c = (sh.snapshot(sh.make_mlp(seed=s)) for s in (7, 7, 8))
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["0.weight"], c["0.weight"])


def test_make_mlp_leaves_global_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    sh.make_mlp(seed=5)
    assert torch.equal(torch.rand(3), expected)


def test_other_hidden_sizes():
    assert sum(sh.weight_counts(sh.make_mlp((16,))).values()) == 784 * 16 + 16 * 10


@pytest.mark.parametrize("hidden", [(), (0, 4), (8, -1), (2.5,)])
def test_bad_hidden_sizes_are_refused(hidden):
    with pytest.raises(ValueError, match="hidden"):
        sh.make_mlp(hidden)


def test_snapshot_is_a_detached_copy():
    model = sh.make_mlp()
    snap = sh.snapshot(model)
    with torch.no_grad():
        model[0].weight.add_(1)
    assert not torch.equal(snap["0.weight"], model[0].weight)
