import dataclasses
import gzip
import random
import zlib

import numpy as np
import pytest
import torch

import sparse_helpers as sh
from sparse_helpers.computing import data as D

FIELDS = ("train_x", "train_y", "val_x", "val_y", "test_x", "test_y", "classes", "name", "fingerprint")


# ---------------------------------------------------------------- real data

def test_real_data_shapes_types_and_normalisation(real):
    assert isinstance(real, D.Dataset) and tuple(f.name for f in dataclasses.fields(real)) == FIELDS
    assert real.train_x.shape == (55000, 784) and real.val_x.shape == (5000, 784)
    assert real.test_x.shape == (10000, 784)
    for x, y in ((real.train_x, real.train_y), (real.val_x, real.val_y),
                 (real.test_x, real.test_y)):
        assert x.dtype == torch.float32 and y.dtype == torch.int64 and len(x) == len(y)
    assert torch.cat([real.train_y, real.val_y]).bincount().tolist() == [6000] * 10
    assert real.test_y.bincount().tolist() == [1000] * 10
    assert abs(real.train_x.mean().item()) < 1e-4 and abs(real.train_x.std().item() - 1) < 1e-4
    assert real.classes[0] == "T-shirt/top" and len(real.classes) == 10


def test_second_load_in_process_is_the_cached_object(real):
    assert sh.load_fashion_mnist() is real


def test_raw_arrays_are_the_stored_bytes_and_cached(real_files):
    raw = D.raw_arrays()
    assert raw is D.raw_arrays()
    assert raw.train_images.dtype == torch.uint8 and raw.train_images.shape == (60000, 28, 28)
    assert raw.test_images.shape == (10000, 28, 28) and raw.train_labels.dtype == torch.int64
    stored = np.frombuffer(D.payload(real_files["train-images-idx3-ubyte"]), np.uint8, offset=16)
    assert torch.equal(raw.train_images.flatten()[:5000], torch.from_numpy(stored[:5000].copy()))
    # The fact the notebook measures: the top-left pixel is blank in almost every image.
    assert (raw.train_images[:, 0, 0] == 0).float().mean() > 0.9


def test_validation_split_is_seeded_disjoint_and_uses_train_stats_only(real):
    raw = D.raw_arrays()
    train_idx, val_idx = D.split_indices(5000, 0)
    assert torch.equal(torch.cat([train_idx, val_idx]).sort().values, torch.arange(60000))
    assert torch.equal(D.split_indices(5000, 0)[1], val_idx)
    assert not torch.equal(D.split_indices(5000, 1)[1], val_idx)
    stats = D.pixel_mean_std(raw.train_images[train_idx])
    assert stats != D.pixel_mean_std(raw.train_images)  # so the next lines can tell them apart
    assert torch.equal(real.train_y, raw.train_labels[train_idx])
    assert torch.equal(real.val_y, raw.train_labels[val_idx])
    assert torch.equal(real.val_x, D.normalise(raw.train_images[val_idx], *stats))
    assert torch.equal(real.test_x, D.normalise(raw.test_images, *stats))
    other = sh.load_fashion_mnist(val_size=100, split_seed=1)
    assert torch.equal(other.val_y, raw.train_labels[D.split_indices(100, 1)[1]])


def test_val_size_zero_keeps_all_training_images_in_file_order(real):
    data = sh.load_fashion_mnist(val_size=0)
    assert data.val_x.shape == (0, 784) and data.val_y.shape == (0,)
    raw = D.raw_arrays()
    assert torch.equal(data.train_y, raw.train_labels)
    stats = D.pixel_mean_std(raw.train_images)
    assert torch.equal(data.train_x[:100], D.normalise(raw.train_images[:100], *stats))


@pytest.mark.parametrize("kwargs, name", [
    ({"val_size": -1}, "val_size"), ({"val_size": 60000}, "val_size"),
    ({"val_size": 2.5}, "val_size"), ({"val_size": True}, "val_size"),
    ({"val_size": "5000"}, "val_size"), ({"split_seed": -1}, "split_seed"),
    ({"split_seed": 0.5}, "split_seed"), ({"split_seed": None}, "split_seed"),
    ({"root": 3}, "root"),
])
def test_bad_arguments_are_refused_before_any_search(isolated, kwargs, name):
    # isolated holds no data: a check made after the search would raise DataError instead.
    with pytest.raises(ValueError, match=name) as err:
        sh.load_fashion_mnist(**kwargs)
    assert repr(next(iter(kwargs.values()))) in str(err.value)


# ---------------------------------------------------------------- finding the files

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
    """Copy (some of) the real files into folder, gzipped or not."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, path in real_files.items():
        if names is not None and name not in names:
            continue
        raw = D.payload(path)
        if compress:
            (folder / f"{name}.gz").write_bytes(gzip.compress(raw, compresslevel=1))
        else:
            (folder / name).write_bytes(raw)


def link(real_files, folder, names=None):
    """Symlink (some of) the real files into folder: a complete copy at no cost."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, path in real_files.items():
        if names is None or name in names:
            (folder / path.name).symlink_to(path)


def test_missing_everywhere_lists_places_and_both_remedies(isolated):
    with pytest.raises(sh.DataError) as err:
        sh.load_fashion_mnist()
    msg = str(err.value)
    for place in (isolated / "repo" / "data", isolated / "debian"):
        assert str(place) in msg
    assert "apt-get install -y dataset-fashion-mnist" in msg
    assert "download=True" in msg
    assert "failed (URLError: no network here)" in msg
    assert D.locate() is None  # the Makefile's "is the data there?" check


def test_root_missing_or_empty_is_refused_not_replaced(isolated, real_files):
    link(real_files, isolated / "debian")  # a complete copy the old code fell back to
    with pytest.raises(sh.DataError, match="does not exist") as err:
        sh.load_fashion_mnist(root=isolated / "nope")
    assert str(isolated / "nope") in str(err.value) and "root=" in str(err.value)
    (isolated / "empty").mkdir()
    with pytest.raises(sh.DataError, match="holds none") as err:
        sh.load_fashion_mnist(root=str(isolated / "empty"))
    assert all(name in str(err.value) for name in D.FILES)
    with pytest.raises(sh.DataError, match="holds none"):
        D.locate(isolated / "empty")


def test_env_var_missing_or_empty_is_refused_naming_it(isolated, real_files, monkeypatch):
    link(real_files, isolated / "debian")
    monkeypatch.setenv("FASHION_MNIST_DIR", str(isolated / "nope"))
    with pytest.raises(sh.DataError, match="does not exist") as err:
        sh.load_fashion_mnist()
    assert f"FASHION_MNIST_DIR='{isolated / 'nope'}'" in str(err.value)
    (isolated / "empty").mkdir()
    monkeypatch.setenv("FASHION_MNIST_DIR", str(isolated / "empty"))
    with pytest.raises(sh.DataError, match="holds none") as err:
        sh.load_fashion_mnist()
    assert "FASHION_MNIST_DIR" in str(err.value) and str(isolated / "empty") in str(err.value)
    assert all(name in str(err.value) for name in D.FILES)


def test_cache_follows_the_folder_actually_used(isolated, real_files, monkeypatch):
    link(real_files, isolated / "a")
    link(real_files, isolated / "b")
    (isolated / "empty").mkdir()
    monkeypatch.setenv("FASHION_MNIST_DIR", str(isolated / "a"))
    first = sh.load_fashion_mnist()
    assert sh.load_fashion_mnist() is first
    assert sh.load_fashion_mnist(root=isolated / "b" / ".." / "a") is first  # same folder
    monkeypatch.setenv("FASHION_MNIST_DIR", str(isolated / "empty"))
    with pytest.raises(sh.DataError, match="holds none"):
        sh.load_fashion_mnist()
    monkeypatch.setenv("FASHION_MNIST_DIR", str(isolated / "b"))
    second = sh.load_fashion_mnist()
    assert second is not first and sh.load_fashion_mnist() is second
    assert torch.equal(second.val_y, first.val_y)


def test_env_var_folder_with_uncompressed_torchvision_layout(isolated, real_files, monkeypatch):
    install(real_files, isolated / "env" / "FashionMNIST" / "raw", compress=False)
    monkeypatch.setenv("FASHION_MNIST_DIR", str(isolated / "env"))
    data = sh.load_fashion_mnist()
    assert data.train_x.shape == (55000, 784)


def test_stale_partial_download_does_not_hide_the_debian_copy(isolated, real_files):
    link(real_files, isolated / "repo" / "data", names=list(D.FILES)[:2])
    link(real_files, isolated / "debian")
    assert all(p.parent == isolated / "debian" for p in D.locate().values())
    assert sh.load_fashion_mnist().train_x.shape == (55000, 784)


def test_no_complete_folder_names_what_each_incomplete_one_lacks(isolated, real_files):
    link(real_files, isolated / "repo" / "data", names=list(D.FILES)[:2])
    link(real_files, isolated / "debian", names=["t10k-labels-idx1-ubyte"])
    assert D.locate() is None
    with pytest.raises(sh.DataError) as err:
        sh.load_fashion_mnist()
    msg = str(err.value)
    assert (f"{isolated / 'repo' / 'data'} lacks t10k-images-idx3-ubyte, "
            "t10k-labels-idx1-ubyte") in msg
    assert (f"{isolated / 'debian'} lacks train-images-idx3-ubyte, train-labels-idx1-ubyte, "
            "t10k-images-idx3-ubyte") in msg


def test_partial_asked_for_folder_is_still_an_error(isolated, real_files, monkeypatch):
    link(real_files, isolated / "debian")
    install(real_files, isolated / "mine", names={"train-labels-idx1-ubyte"})
    with pytest.raises(sh.DataError, match="t10k-labels-idx1-ubyte"):
        sh.load_fashion_mnist(root=isolated / "mine")
    monkeypatch.setenv("FASHION_MNIST_DIR", str(isolated / "mine"))
    with pytest.raises(sh.DataError, match="only part") as err:
        sh.load_fashion_mnist()
    assert "FASHION_MNIST_DIR" in str(err.value)


# ---------------------------------------------------------------- advice

def test_advice_when_debian_copy_is_complete_says_use_it(isolated, real_files):
    link(real_files, isolated / "debian")
    with pytest.raises(sh.DataError) as err:
        sh.load_fashion_mnist(root=isolated / "nope")
    msg = str(err.value)
    assert f"{isolated / 'debian'} holds all four files" in msg
    assert f"root='{isolated / 'debian'}'" in msg and "apt-get install" not in msg


def test_advice_when_debian_copy_is_partial_says_reinstall(isolated, real_files):
    link(real_files, isolated / "debian", names=list(D.FILES)[:2])
    with pytest.raises(sh.DataError) as err:
        sh.load_fashion_mnist()
    msg = str(err.value)
    assert "apt-get install --reinstall -y dataset-fashion-mnist" in msg
    assert "apt-get install -y dataset-fashion-mnist" not in msg
    assert "lacks t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte" in msg


def test_advice_for_a_damaged_debian_file_says_reinstall(isolated, real_files):
    link(real_files, isolated / "debian", names=list(D.FILES)[1:])
    bad = isolated / "debian" / "train-images-idx3-ubyte.gz"
    bad.write_bytes(b"not a gzip file at all")
    with pytest.raises(sh.DataError) as err:
        sh.load_fashion_mnist()
    msg = str(err.value)
    assert str(bad) in msg and "--reinstall" in msg and "Delete it" not in msg


# ---------------------------------------------------------------- damaged files

def test_truncated_file_is_named_with_expected_size(isolated, real_files):
    link(real_files, isolated / "mine", names=list(D.FILES)[:3])
    install(real_files, isolated / "mine", names={"t10k-labels-idx1-ubyte"})
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
    assert str(bad) in str(err.value) and "Delete it and fetch it again" in str(err.value)


def test_broken_gzip_is_named(isolated, real_files):
    link(real_files, isolated / "mine", names=list(D.FILES)[1:])
    bad = isolated / "mine" / "train-images-idx3-ubyte.gz"
    bad.write_bytes(gzip.compress(D.payload(real_files["train-images-idx3-ubyte"])[:5000])[:1000])
    with pytest.raises(sh.DataError) as err:
        sh.load_fashion_mnist(root=isolated / "mine")
    assert str(bad) in str(err.value)


def test_random_gzip_corruption_is_always_a_named_data_error(isolated, real_files):
    name = "t10k-labels-idx1-ubyte"
    good = gzip.compress(D.payload(real_files[name]))
    expected = D.read_checked(real_files[name], name)
    bad = isolated / f"{name}.gz"
    rng, causes = random.Random(0), []
    for _ in range(50):
        raw = bytearray(good)
        at = rng.randrange(len(raw) - 3)
        raw[at:at + 4] = rng.randbytes(4)
        bad.write_bytes(bytes(raw))
        try:
            assert np.array_equal(D.read_checked(bad, name), expected)  # a harmless hit
        except sh.DataError as err:
            assert str(bad) in str(err) and "fetch it again" in str(err)
            causes.append(err.__cause__)
    assert len(causes) >= 40
    assert any(isinstance(c, zlib.error) for c in causes)  # the case that used to escape


# ---------------------------------------------------------------- synthetic data

def test_synthetic_data_is_a_seeded_dataset_with_a_val_part():
    a, b = sh.synthetic_data(seed=3), sh.synthetic_data(seed=3)
    assert isinstance(a, D.Dataset) and tuple(f.name for f in dataclasses.fields(a)) == FIELDS
    assert a.train_x.shape == (512, 784) and a.val_x.shape == (128, 784)
    assert a.test_x.shape == (256, 784) and a.val_y.dtype == torch.int64
    assert all(torch.equal(getattr(a, f), getattr(b, f)) for f in D.TENSORS) and a.fingerprint == b.fingerprint
    assert not torch.equal(a.val_x, sh.synthetic_data(seed=4).val_x)
    none = sh.synthetic_data(seed=3, n_val=0)
    assert none.val_x.shape == (0, 784) and none.val_y.shape == (0,)
    # Adding a val part leaves train and test as they were for the seed.
    assert torch.equal(none.train_x, a.train_x) and torch.equal(none.test_y, a.test_y)
    with pytest.raises(ValueError, match="n_val"):
        sh.synthetic_data(n_val=-1)
