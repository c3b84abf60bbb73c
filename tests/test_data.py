import gzip

import pytest
import torch

import sparse_helpers as sh
from sparse_helpers import data as D


def test_real_data_shapes_types_and_normalisation(real):
    assert real.train_x.shape == (60000, 784) and real.test_x.shape == (10000, 784)
    assert real.train_x.dtype == torch.float32 and real.train_y.dtype == torch.int64
    assert real.train_y.bincount().tolist() == [6000] * 10
    assert real.test_y.bincount().tolist() == [1000] * 10
    assert abs(real.train_x.mean().item()) < 1e-4 and abs(real.train_x.std().item() - 1) < 1e-4
    assert real.classes[0] == "T-shirt/top" and len(real.classes) == 10
    assert real._fields == ("train_x", "train_y", "test_x", "test_y", "classes")


def test_second_load_in_process_is_the_cached_object(real):
    assert sh.load_fashion_mnist() is real


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """Point every search location at empty temp folders; no download."""
    monkeypatch.delenv("FASHION_MNIST_DIR", raising=False)
    monkeypatch.setattr(D, "REPO_ROOT", tmp_path / "repo")
    monkeypatch.setattr(D, "DEBIAN_DIR", tmp_path / "debian")
    monkeypatch.setattr(D, "download", lambda target: "URLError: no network here")
    monkeypatch.setattr(D, "_CACHE", {})
    return tmp_path


@pytest.fixture(scope="module")
def real_files():
    """Paths of the four real files, wherever the loader found them."""
    found = D.locate(None)
    assert found is not None
    return found


def install(real_files, folder, names=None, compress=True):
    folder.mkdir(parents=True, exist_ok=True)
    for name, path in real_files.items():
        if names is not None and name not in names:
            continue
        raw = D.payload(path)
        if compress:
            (folder / f"{name}.gz").write_bytes(gzip.compress(raw, compresslevel=1))
        else:
            (folder / name).write_bytes(raw)


def test_missing_everywhere_lists_places_and_both_remedies(isolated):
    with pytest.raises(sh.DataError) as err:
        sh.load_fashion_mnist(root=isolated / "mine")
    msg = str(err.value)
    for place in (isolated / "mine", isolated / "repo" / "data", isolated / "debian"):
        assert str(place) in msg
    assert "apt-get install -y dataset-fashion-mnist" in msg
    assert "download=True" in msg
    assert "failed (URLError: no network here)" in msg


def test_env_var_folder_with_uncompressed_torchvision_layout(isolated, real_files, monkeypatch):
    install(real_files, isolated / "env" / "FashionMNIST" / "raw", compress=False)
    monkeypatch.setenv("FASHION_MNIST_DIR", str(isolated / "env"))
    data = sh.load_fashion_mnist()
    assert data.train_x.shape == (60000, 784)


def test_truncated_file_is_named_with_expected_size(isolated, real_files):
    install(real_files, isolated / "mine")
    bad = isolated / "mine" / "t10k-labels-idx1-ubyte.gz"
    bad.write_bytes(gzip.compress(gzip.decompress(bad.read_bytes())[:5000]))
    with pytest.raises(sh.DataError) as err:
        sh.load_fashion_mnist(root=isolated / "mine")
    assert str(bad) in str(err.value) and "10,008 bytes" in str(err.value)


def test_corrupt_file_same_size_fails_md5(isolated, real_files):
    install(real_files, isolated / "mine", compress=False)
    bad = isolated / "mine" / "train-labels-idx1-ubyte"
    raw = bytearray(bad.read_bytes())
    raw[100] ^= 0xFF
    bad.write_bytes(bytes(raw))
    with pytest.raises(sh.DataError, match="MD5") as err:
        sh.load_fashion_mnist(root=isolated / "mine")
    assert str(bad) in str(err.value)


def test_broken_gzip_is_named(isolated, real_files):
    install(real_files, isolated / "mine")
    bad = isolated / "mine" / "train-images-idx3-ubyte.gz"
    bad.write_bytes(bad.read_bytes()[:1000])
    with pytest.raises(sh.DataError) as err:
        sh.load_fashion_mnist(root=isolated / "mine")
    assert str(bad) in str(err.value)


def test_partial_folder_names_missing_files(isolated, real_files):
    install(real_files, isolated / "mine", names={"train-images-idx3-ubyte"})
    with pytest.raises(sh.DataError, match="t10k-labels-idx1-ubyte"):
        sh.load_fashion_mnist(root=isolated / "mine")


def test_synthetic_data_is_deterministic():
    a, b = sh.synthetic_data(seed=3), sh.synthetic_data(seed=3)
    assert torch.equal(a.train_x, b.train_x) and torch.equal(a.test_y, b.test_y)
