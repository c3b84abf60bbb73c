"""Fashion-MNIST as in-memory tensors: find the files, check them, split and load them once."""
import gzip
import hashlib
import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch

from .config import DEFAULTS
from .paths import REPO_ROOT
from .validate import N_CLASSES, N_PIXELS, as_int, as_seed

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
N_TRAIN = FILES["train-images-idx3-ubyte"][1][0]
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
APT_INSTALL = "sudo apt-get install -y dataset-fashion-mnist"
APT_REINSTALL = "sudo apt-get install --reinstall -y dataset-fashion-mnist"
FILE_LIST = "\n".join(f"  {name}  (or {name}.gz)" for name in FILES)


TENSORS = ("train_x", "train_y", "val_x", "val_y", "test_x", "test_y")


@dataclass(frozen=True, eq=False)
class Dataset:
    """A dataset split three ways: flattened float32 images and int64 labels, plus class names.

    Its tensors are private copies that torch refuses to edit in place, and its fingerprint is
    taken once, when it is made, so that every result computed from it names exactly these
    contents. An edit that gets through anyway (through `.numpy()`, say) is caught where the data
    enter training, evaluation or a result's key: each tensor's digest is checked again there
    (`edited_parts`), and the data are refused. Make a changed copy with
    dataclasses.replace(data, train_x=...): it gets its own fingerprint.
    """
    train_x: torch.Tensor
    train_y: torch.Tensor
    val_x: torch.Tensor
    val_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    classes: tuple
    name: str = "unnamed"  # which data these are, for people; the fingerprint is for the code
    fingerprint: str = field(init=False)

    def __post_init__(self):
        for part in TENSORS:
            t = getattr(self, part)
            if torch.is_tensor(t) and not t.is_inference():
                with torch.inference_mode():  # a private copy that refuses in-place edits
                    object.__setattr__(self, part, t.clone())
        refuse_non_finite_images(self)
        whole, parts = digests(self)
        object.__setattr__(self, "fingerprint", whole)
        object.__setattr__(self, "_part_digests", parts)  # tensor name -> digest; not a field

    @property
    def label(self):
        """The name and fingerprint, as results record them: 'fashion-mnist, ... #1a2b3c4d5e6f'."""
        return f"{self.name} #{self.fingerprint}"

    def edited_parts(self, splits=("train", "val", "test")):
        """The tensors of the given splits ('train', 'val', 'test') whose contents changed since
        the Dataset was made (an edit through a numpy view, say); [] when none did."""
        names = [f"{s}_{xy}" for s in splits for xy in "xy"]
        return [n for n in names if part_digest(n, getattr(self, n)) != self._part_digests.get(n)]


def refuse_non_finite_images(data):
    """A ValueError when a split's images hold NaN or infinite values (they would be scored)."""
    for part in ("train_x", "val_x", "test_x"):
        x = getattr(data, part)
        if torch.is_tensor(x) and x.is_floating_point() and not all_finite(x):
            raise ValueError(f"data.{part} holds NaN or infinite pixels ({int((~torch.isfinite(x)).sum())} "
                             f"values): a model would score them as one class. Replace or drop those "
                             f"images, or build the data with sh.load_fashion_mnist() or sh.synthetic_data()")


def all_finite(x):
    """Whether every value of a float tensor is finite (a finite sum settles it quickly)."""
    return bool(x.sum().isfinite()) or bool(torch.isfinite(x).all())


def fashion_name(val_size, split_seed):
    """The name load_fashion_mnist gives the Dataset of a split."""
    return f"fashion-mnist, val_size={val_size}, split_seed={split_seed}"


def fingerprint(data):
    """12 hex digits that change with the size or contents of any split, so that a subset, an edit
    or shuffled labels under the same name never reuse another's results."""
    return digests(data)[0]


def tensor_bytes(part, t):
    """The description and raw bytes (the same on every CPU) a digest of one tensor reads."""
    if not torch.is_tensor(t):
        return f"{part}:{type(t).__name__}|".encode(), b""
    t = t.detach().cpu().contiguous()
    return f"{tuple(t.shape)}:{t.dtype}|".encode(), t.numpy()


def part_digest(part, t):
    """A digest of one tensor's shape, dtype and bytes (as `digests` takes it)."""
    digest = hashlib.blake2b(digest_size=8)
    for chunk in tensor_bytes(part, t):
        digest.update(chunk)
    return digest.hexdigest()


def digests(data):
    """(the fingerprint, {tensor name: its own digest}), reading each tensor's bytes once."""
    whole, parts = hashlib.blake2b(digest_size=6), {}
    for part in TENSORS:
        own = hashlib.blake2b(digest_size=8)
        for chunk in tensor_bytes(part, getattr(data, part)):
            whole.update(chunk)
            own.update(chunk)
        parts[part] = own.hexdigest()
    return whole.hexdigest(), parts


class RawArrays(NamedTuple):
    """The files as stored: uint8 images (N, 28, 28) and int64 labels, before any split."""
    train_images: torch.Tensor
    train_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor


class DataError(RuntimeError):
    """Fashion-MNIST is missing or damaged; the message says what to do."""


# ---------------------------------------------------------------- advice

def how_to_get(apt=True):
    """The general ways to get the four files (built per call: REPO_ROOT may be patched)."""
    ways = [f"  * Debian/Ubuntu: {APT_INSTALL}   (puts the files in {DEBIAN_DIR})"] if apt else []
    ways += ["  * anywhere with internet: python -c \"import torchvision; "
             f"torchvision.datasets.FashionMNIST('{REPO_ROOT / 'data'}', download=True)\"",
             "  * or point FASHION_MNIST_DIR at a folder holding the four *-ubyte(.gz) files."]
    return "Get the data in one of these ways:\n" + "\n".join(ways)


def advice(damaged=None):
    """What to do next, tailored to what Debian's folder holds and to where a damaged file lies."""
    if damaged is not None and is_under(damaged, DEBIAN_DIR):
        return ("The file belongs to the installed Debian package dataset-fashion-mnist: "
                f"reinstall it with\n  {APT_REINSTALL}")
    first = "Delete it and fetch it again.\n" if damaged is not None else ""
    missing = missing_names(scan(DEBIAN_DIR))
    if not missing:
        return (f"{first}The Debian package is installed and {DEBIAN_DIR} holds all four files: "
                f"use that copy with load_fashion_mnist(root='{DEBIAN_DIR}') or "
                f"FASHION_MNIST_DIR={DEBIAN_DIR}.")
    if len(missing) < len(FILES):
        return (f"{first}The Debian package is installed but {DEBIAN_DIR} lacks "
                f"{', '.join(missing)}: reinstall it with\n  {APT_REINSTALL}\n"
                f"{how_to_get(apt=False)}")
    return first + how_to_get()


def is_under(path, folder):
    """Whether path lies inside folder (after resolving links)."""
    return Path(path).resolve().is_relative_to(Path(folder).resolve())


# ---------------------------------------------------------------- reading one file

def find_file(folder, name):
    """The path of `name` or `name.gz` in folder, or None."""
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def scan(folder):
    """name -> path of each of the four files found in folder, None where absent."""
    try:
        return {name: find_file(Path(folder), name) for name in FILES}
    except PermissionError as err:
        raise DataError(f"{folder} cannot be searched ({err}). Give yourself read access "
                        f"(chmod u+rx '{folder}'), or set FASHION_MNIST_DIR to another folder "
                        f"that holds the four files.") from err


def payload(path):
    """The bytes of an idx file, decompressed when its name ends in .gz; DataError if unreadable."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise DataError(f"{path} cannot be read ({err}). Check that it is a file you may "
                        f"read.\n{advice(path)}") from err
    if path.suffix != ".gz":
        return raw
    try:
        return gzip.decompress(raw)
    # A damaged gzip fails in any of these ways, depending on which bytes were hit.
    except (zlib.error, gzip.BadGzipFile, EOFError, OSError) as err:
        raise DataError(f"{path} is damaged: it is not a valid gzip file "
                        f"({type(err).__name__}: {err}).\n{advice(path)}") from err


def read_checked(path, name):
    """The uint8 array stored in one idx file, after checking its size and MD5."""
    md5, shape = FILES[name]
    raw = payload(path)
    header = 4 * (len(shape) + 1)
    expected = header + int(np.prod(shape))
    got = hashlib.md5(raw).hexdigest()
    if len(raw) != expected or got != md5:
        raise DataError(f"{path} is truncated or corrupt: expected {expected:,} bytes with "
                        f"MD5 {md5} (the {name} file), got {len(raw):,} bytes with MD5 {got}.\n"
                        f"{advice(path)}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


# ---------------------------------------------------------------- finding the folder

class Place(NamedTuple):
    """A folder the user asked for, how they asked, and how to ask for another."""
    folder: Path
    label: str
    fix: str


class Found(NamedTuple):
    """The folder the files are loaded from, and name -> path of each file in it."""
    folder: Path
    files: dict


def layouts(folder):
    """folder itself, then <folder>/FashionMNIST/raw where torchvision keeps its download."""
    return [folder, folder / "FashionMNIST" / "raw"]


def asked_place(root=None):
    """The place the user named (root, else $FASHION_MNIST_DIR), or None to search the defaults."""
    if root is not None:
        if not isinstance(root, (str, os.PathLike)):
            raise ValueError(f"root must be a folder path (str or Path), e.g. "
                             f"root='{DEBIAN_DIR}'; got {root!r}")
        return Place(Path(root), f"root={str(root)!r}",
                     "pass the folder that holds them as root, or pass no root to search "
                     f"{REPO_ROOT / 'data'} and {DEBIAN_DIR}")
    env = os.environ.get("FASHION_MNIST_DIR")
    if env is not None and not env.strip():
        raise ValueError(f"FASHION_MNIST_DIR is set but empty; unset it to search {REPO_ROOT / 'data'} "
                         f"and {DEBIAN_DIR}, or set it to the folder that holds the four files, e.g. "
                         f"FASHION_MNIST_DIR={DEBIAN_DIR}")
    if env:
        return Place(Path(env), f"FASHION_MNIST_DIR={env!r}",
                     "set FASHION_MNIST_DIR to the folder that holds them, or unset it to "
                     f"search {REPO_ROOT / 'data'} and {DEBIAN_DIR}")
    return None


def default_dirs():
    """The folders searched when the user names none: ./data, then Debian's folder."""
    return layouts(REPO_ROOT / "data") + layouts(DEBIAN_DIR)


def missing_names(files):
    """The names absent from a name -> path mapping."""
    return [name for name, path in files.items() if path is None]


def use_asked(place):
    """The four files in the place the user named, or a DataError saying what is wrong there."""
    if not place.folder.is_dir():
        what = "does not exist" if not place.folder.exists() else "is not a folder"
        raise DataError(f"{place.label}: {place.folder} {what}. It should hold these four files:"
                        f"\n{FILE_LIST}\nFix: {place.fix}.\n{advice()}")
    scans = [(d, scan(d)) for d in layouts(place.folder)]
    for folder, files in scans:
        if not missing_names(files):
            return Found(folder, files)
    for folder, files in scans:
        if any(files.values()):
            raise DataError(f"{place.label}: {folder} holds only part of Fashion-MNIST: missing "
                            f"{', '.join(missing_names(files))}. Put the missing files there, "
                            f"or {place.fix}.\n{advice()}")
    raise DataError(f"{place.label}: {place.folder} holds none of the Fashion-MNIST files. "
                    f"Expected these four, in it or in {layouts(place.folder)[1]}:\n{FILE_LIST}"
                    f"\nFix: {place.fix}.\n{advice()}")


def search_defaults():
    """The first complete default folder (or None), and the incomplete ones skipped on the way."""
    incomplete = []
    for folder in default_dirs():
        files = scan(folder)
        if not missing_names(files):
            return Found(folder, files), incomplete
        if any(files.values()):
            incomplete.append((folder, missing_names(files)))
    return None, incomplete


def locate(root=None):
    """name -> path of the four files that would be loaded; None if no default folder has them."""
    place = asked_place(root)
    found = use_asked(place) if place else search_defaults()[0]
    return found.files if found else None


def download(target):
    """Fetch the files with torchvision into target; None on success, else why it failed."""
    import torchvision
    try:
        torchvision.datasets.FashionMNIST(str(target), train=True, download=True)
        torchvision.datasets.FashionMNIST(str(target), train=False, download=True)
        return None
    except Exception as err:  # no network, a proxy, a full disk: all mean "not from here"
        return f"{type(err).__name__}: {err}"


def not_found_error(incomplete, failure):
    """The DataError for a default search that found no complete folder."""
    searched = "\n".join(f"  {d}" for d in default_dirs())
    partial = "".join(f"\n  {d} lacks {', '.join(names)}" for d, names in incomplete)
    partial = f"\nThese folders hold only part of the files:{partial}" if partial else ""
    return DataError(f"Fashion-MNIST not found. Searched:\n{searched}{partial}\n"
                     f"and torchvision's download into {REPO_ROOT / 'data'} {failure}.\n"
                     f"{advice()}")


def resolve(root=None, download_if_missing=True):
    """The folder to load from: the named place, else the first complete default (downloading)."""
    place = asked_place(root)
    if place:
        return use_asked(place)
    found, incomplete = search_defaults()
    failure = "was not tried"
    if found is None and download_if_missing:
        error = download(REPO_ROOT / "data")
        found, incomplete = search_defaults()
        failure = f"failed ({error or 'it ran, but the files are still not there'})"
    if found is None:
        raise not_found_error(incomplete, failure)
    return found


# ---------------------------------------------------------------- loading

_CACHE = {}


def read_raw(found):
    """The four files of a Found folder as RawArrays, read and checked once per folder.

    The cached copy is shared by every caller: if one edited it in place (through a numpy view),
    its digest no longer matches and the files are read again.
    """
    key = ("raw", found.folder.resolve())
    if key in _CACHE and raw_digest(_CACHE[key][0]) != _CACHE[key][1]:
        del _CACHE[key]
    if key not in _CACHE:
        with torch.inference_mode():  # read-only, shared by every caller
            arrays = {name: torch.from_numpy(read_checked(path, name).copy()).clone()
                      for name, path in found.files.items()}
            raw = RawArrays(
                train_images=arrays["train-images-idx3-ubyte"],
                train_labels=arrays["train-labels-idx1-ubyte"].long(),
                test_images=arrays["t10k-images-idx3-ubyte"],
                test_labels=arrays["t10k-labels-idx1-ubyte"].long())
            _CACHE[key] = (raw, raw_digest(raw))
    return _CACHE[key][0]


def raw_digest(raw):
    """A digest of the four raw arrays' bytes, to notice an in-place edit of the cached copy."""
    digest = hashlib.blake2b(digest_size=8)
    for t in raw:
        digest.update(t.contiguous().numpy())
    return digest.hexdigest()


def raw_arrays(root=None, download_if_missing=True):
    """The files as stored (uint8 images, int64 labels, no split), cached; treat as read-only."""
    return read_raw(resolve(root, download_if_missing))


def check_split(val_size, split_seed, n=N_TRAIN):
    """val_size and split_seed as ints, or a ValueError naming the bad one and the fix."""
    val_size = as_int(val_size, "val_size", minimum=0, example=5000)
    if val_size >= n:
        raise ValueError(f"val_size must be below the {n:,} training images so some are left to "
                         f"train on, e.g. val_size=5000; got {val_size!r}")
    return val_size, as_seed(split_seed, "split_seed")


def split_indices(val_size=DEFAULTS.val_size, split_seed=DEFAULTS.split_seed, n=N_TRAIN):
    """Sorted (train, val) indices: val_size of n images held out by a seeded permutation."""
    val_size, split_seed = check_split(val_size, split_seed, n)
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(split_seed))
    return perm[val_size:].sort().values, perm[:val_size].sort().values


def pixel_mean_std(images):
    """Mean and standard deviation of uint8 pixel values scaled to [0, 1], computed exactly."""
    counts = torch.bincount(images.flatten(), minlength=256).double()
    values = torch.arange(256, dtype=torch.float64) / 255
    mean = (counts * values).sum() / counts.sum()
    var = (counts * (values - mean) ** 2).sum() / (counts.sum() - 1)
    return mean.item(), var.sqrt().item()


def normalise(images, mean, std):
    """uint8 images (N, 28, 28) as float32 rows of 784, scaled so the train set has mean 0, sd 1."""
    x = images.flatten(1).float()
    return x.mul_(1 / (255 * std)).sub_(mean / std)


def build(raw, val_size, split_seed):
    """The Dataset from raw arrays: hold out val, normalise all with the train part's stats."""
    train_idx, val_idx = split_indices(val_size, split_seed, len(raw.train_images))
    with torch.inference_mode():  # read-only tensors, so that no caller changes the cached copy
        train = raw.train_images[train_idx]
        mean, std = pixel_mean_std(train)
        return Dataset(
            train_x=normalise(train, mean, std),
            train_y=raw.train_labels[train_idx],
            val_x=normalise(raw.train_images[val_idx], mean, std),
            val_y=raw.train_labels[val_idx],
            test_x=normalise(raw.test_images, mean, std),
            test_y=raw.test_labels.clone(),
            classes=CLASSES, name=fashion_name(val_size, split_seed))


def load_fashion_mnist(root=None, val_size=DEFAULTS.val_size, split_seed=DEFAULTS.split_seed,
                       download_if_missing=True):
    """Fashion-MNIST as normalised tensors: 60,000 - val_size train, val_size val, 10,000 test."""
    val_size, split_seed = check_split(val_size, split_seed)
    found = resolve(root, download_if_missing)
    # Keyed on the folder actually used, so a new root or $FASHION_MNIST_DIR loads anew.
    key = ("dataset", found.folder.resolve(), val_size, split_seed)
    if key in _CACHE and _CACHE[key].edited_parts():
        del _CACHE[key]  # a caller edited the shared copy in place: build it again from the files
    if key not in _CACHE:
        _CACHE[key] = build(read_raw(found), val_size, split_seed)
    return _CACHE[key]


def synthetic_data(n_train=512, n_val=128, n_test=256, n_features=784, n_classes=10, seed=0):
    """A small learnable stand-in for Fashion-MNIST (Gaussian class blobs), for fast tests."""
    n_train = as_int(n_train, "n_train", minimum=1, example=512)
    n_test = as_int(n_test, "n_test", minimum=1, example=256)
    n_val = as_int(n_val, "n_val", minimum=0, example=128)
    n_features = as_int(n_features, "n_features", minimum=1, example=784)
    n_classes = as_int(n_classes, "n_classes", minimum=2, example=10)
    if n_features != N_PIXELS:
        raise ValueError(f"n_features must be {N_PIXELS}: the package's MLP takes 28x28 = {N_PIXELS} "
                         f"pixels, so data of {n_features} features could be neither trained nor "
                         f"scored; leave n_features at {N_PIXELS}")
    if n_classes > N_CLASSES:
        raise ValueError(f"n_classes must be from 2 to {N_CLASSES}: the package's MLP has {N_CLASSES} "
                         f"outputs; got {n_classes}")
    g = torch.Generator().manual_seed(as_seed(seed))
    centers = torch.randn(n_classes, n_features, generator=g)

    def draw(n):
        """n points and their labels, from the same class centres."""
        y = torch.randint(n_classes, (n,), generator=g)
        return centers[y] + 1.5 * torch.randn(n, n_features, generator=g), y
    # Drawn train, test, val so train and test match what earlier versions gave for a seed.
    train_x, train_y = draw(n_train)
    test_x, test_y = draw(n_test)
    val_x, val_y = draw(n_val)
    return Dataset(train_x, train_y, val_x, val_y, test_x, test_y, tuple(map(str, range(n_classes))),
                   f"synthetic, seed={seed}, n={n_train}/{n_val}/{n_test}, {n_features} features, "
                   f"{n_classes} classes")
