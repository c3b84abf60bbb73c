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
    """Keep each notebook's cells, and the browser test's two tests, on one xdist worker."""
    for item in items:
        if str(item.fspath).endswith(".ipynb"):
            item.add_marker(pytest.mark.xdist_group("nbval"))
        elif item.fspath.basename == "test_browser.py":
            item.add_marker(pytest.mark.xdist_group("browser"))
