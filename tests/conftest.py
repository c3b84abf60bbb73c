import pytest

import sparse_helpers as sh


@pytest.fixture(scope="session")
def real():
    """The real Fashion-MNIST (make test installs it)."""
    return sh.load_fashion_mnist()


@pytest.fixture(scope="session")
def tiny():
    """A small learnable synthetic problem with Fashion-MNIST's shapes."""
    return sh.synthetic_data(n_train=2048, n_val=256, n_test=256)


def pytest_collection_modifyitems(items):
    """Start the two parts of the robustness run first, one on each worker, and the groups after
    the single tests, so that the worker with the long part is not left holding another long group."""
    def group(item):
        """The item's xdist group, or ''."""
        mark = item.get_closest_marker("xdist_group")
        return mark.args[0] if mark else ""
    first = {"robust-late": 0, "robust-early": 1}  # then single tests, then the other groups
    items.sort(key=lambda item: first.get(group(item), 2 if not group(item) else 3))
