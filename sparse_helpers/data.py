"""Fashion-MNIST as in-memory tensors: find the files, check them, load them once."""
import gzip
import hashlib
import os
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch

from .paths import REPO_ROOT

CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")

# MD5 of each file's *uncompressed* payload. torchvision's own table hashes its .gz files,
# but Debian ships the same payload recompressed, so we hash what is inside instead.
FILES = {
    "train-images-idx3-ubyte": ("f4a8712d7a061bf5bd6d2ca38dc4d50a", (60000, 28, 28)),
    "train-labels-idx1-ubyte": ("9018921c3c673c538a1fc5bad174d6f9", (60000,)),
    "t10k-images-idx3-ubyte": ("8181f5470baa50b63fa0f6fddb340f0a", (10000, 28, 28)),
    "t10k-labels-idx1-ubyte": ("15d484375f8d13e6eb1aabb0c3f46965", (10000,)),
}
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
HOW_TO_GET = (
    "Get the data in one of two ways:\n"
    "  * Debian/Ubuntu: sudo apt-get install -y dataset-fashion-mnist   "
    f"(puts the files in {DEBIAN_DIR})\n"
    "  * anywhere with internet: python -c \"import torchvision; "
    f"torchvision.datasets.FashionMNIST('{REPO_ROOT / 'data'}', download=True)\"\n"
    "or point FASHION_MNIST_DIR at a folder holding the four *-ubyte(.gz) files.")


class FashionMNIST(NamedTuple):
    """The whole dataset: flattened, normalised float32 images and int64 labels."""
    train_x: torch.Tensor
    train_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    classes: tuple


class DataError(RuntimeError):
    """Fashion-MNIST is missing or damaged; the message says what to do."""


def candidate_dirs(root=None):
    """The folders searched, in order: root, $FASHION_MNIST_DIR, ./data, Debian's folder."""
    roots = [root, os.environ.get("FASHION_MNIST_DIR"), REPO_ROOT / "data", DEBIAN_DIR]
    dirs = []
    for r in roots:
        if r:
            # torchvision keeps its download under <root>/FashionMNIST/raw
            dirs += [Path(r), Path(r) / "FashionMNIST" / "raw"]
    return dirs


def find_file(folder, name):
    """The path of `name` or `name.gz` in folder, or None."""
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def payload(path):
    """The bytes of an idx file, decompressed when its name ends in .gz."""
    return gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()


def read_checked(path, name):
    """The uint8 array stored in one idx file, after checking its size and MD5."""
    md5, shape = FILES[name]
    try:
        raw = payload(path)
    except (OSError, EOFError, gzip.BadGzipFile) as err:
        raise DataError(f"{path} is damaged ({err}); expected a gzip of the {name} file. "
                        f"Delete it and fetch it again.\n{HOW_TO_GET}") from err
    header = 4 * (len(shape) + 1)
    expected = header + int(np.prod(shape))
    if len(raw) != expected or hashlib.md5(raw).hexdigest() != md5:
        raise DataError(f"{path} is truncated or corrupt: expected {expected:,} bytes with "
                        f"MD5 {md5}, got {len(raw):,} bytes with MD5 "
                        f"{hashlib.md5(raw).hexdigest()}. Delete it and fetch it again.\n"
                        f"{HOW_TO_GET}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def locate(root=None):
    """The folder holding all four files, the first found in search order, or None."""
    for folder in candidate_dirs(root):
        found = {name: find_file(folder, name) for name in FILES}
        if all(found.values()):
            return found
        if any(found.values()):
            missing = [n for n, p in found.items() if p is None]
            raise DataError(f"{folder} holds only part of Fashion-MNIST: missing "
                            f"{', '.join(missing)}.\n{HOW_TO_GET}")
    return None


def download(target):
    """Fetch the files with torchvision into target; None on success, else why it failed."""
    import torchvision
    try:
        torchvision.datasets.FashionMNIST(str(target), train=True, download=True)
        torchvision.datasets.FashionMNIST(str(target), train=False, download=True)
        return None
    except Exception as err:  # no network, a proxy, a full disk: all mean "not from here"
        return f"{type(err).__name__}: {err}"


def pixel_mean_std(images):
    """Mean and standard deviation of uint8 pixel values scaled to [0, 1], computed exactly."""
    counts = torch.bincount(images.flatten(), minlength=256).double()
    values = torch.arange(256, dtype=torch.float64) / 255
    mean = (counts * values).sum() / counts.sum()
    var = (counts * (values - mean) ** 2).sum() / (counts.sum() - 1)
    return mean.item(), var.sqrt().item()


def normalise(images, mean, std):
    """uint8 images (N, 28, 28) as float32 rows of 784, scaled so the train set has mean 0, sd 1."""
    x = images.reshape(len(images), -1).float()
    return x.mul_(1 / (255 * std)).sub_(mean / std)


_CACHE = {}


def load_fashion_mnist(root=None, download_if_missing=True):
    """Fashion-MNIST (60,000 train, 10,000 test) as normalised in-memory tensors."""
    key = str(root)
    if key in _CACHE:
        return _CACHE[key]
    found = locate(root)
    failure = "was not tried"
    if found is None and download_if_missing:
        error = download(REPO_ROOT / "data")
        found = locate(root) if error is None else None
        failure = f"failed ({error or 'it ran, but the files are still not there'})"
    if found is None:
        searched = "\n".join(f"  {d}" for d in candidate_dirs(root))
        raise DataError(f"Fashion-MNIST not found. Searched:\n{searched}\n"
                        f"and torchvision's download into {REPO_ROOT / 'data'} {failure}.\n"
                        f"{HOW_TO_GET}")
    arrays = {name: torch.from_numpy(read_checked(path, name).copy())
              for name, path in found.items()}
    train, test = arrays["train-images-idx3-ubyte"], arrays["t10k-images-idx3-ubyte"]
    mean, std = pixel_mean_std(train)
    data = FashionMNIST(
        train_x=normalise(train, mean, std),
        train_y=arrays["train-labels-idx1-ubyte"].long(),
        test_x=normalise(test, mean, std),
        test_y=arrays["t10k-labels-idx1-ubyte"].long(),
        classes=CLASSES)
    _CACHE[key] = data
    return data


def synthetic_data(n_train=512, n_test=256, n_features=784, n_classes=10, seed=0):
    """A small learnable stand-in for Fashion-MNIST (Gaussian class blobs), for fast tests."""
    g = torch.Generator().manual_seed(seed)
    centers = torch.randn(n_classes, n_features, generator=g)
    def draw(n):
        y = torch.randint(n_classes, (n,), generator=g)
        return centers[y] + 1.5 * torch.randn(n, n_features, generator=g), y
    train_x, train_y = draw(n_train)
    test_x, test_y = draw(n_test)
    return FashionMNIST(train_x, train_y, test_x, test_y, tuple(map(str, range(n_classes))))
