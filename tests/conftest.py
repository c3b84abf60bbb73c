import pytest

import sparse_helpers as sh


@pytest.fixture(scope="session")
def real():
    """The real Fashion-MNIST (make test installs it)."""
    return sh.load_fashion_mnist()


@pytest.fixture(scope="session")
def tiny():
    """A small learnable synthetic problem with Fashion-MNIST's shapes."""
    return sh.synthetic_data(n_train=2048, n_test=256)
