"""Small data sets as plain NumPy arrays ``(X, y)``, reproducible from a seed.

``X`` has one row per sample (float64) and ``y`` one int class label per sample.

* :func:`xor`: the four corners of the unit square, the classic problem one
  neuron cannot solve.
* :func:`moons`, :func:`circles`: two interleaved half circles, two rings.
* :func:`spiral`: K arms of a spiral, one class per arm.
* :func:`digits`: the 8x8 handwritten digits that scikit-learn ships (1,797
  images, offline), the real-data version of the articles' goal.
* :func:`mnist`, :func:`fashion_mnist`: real 28x28 images (:mod:`nn.mnist`):
  the MNIST database's IDX files from a folder, 5,000 real MNIST digits that
  the ``mnist`` extra installs, and Fashion-MNIST (60,000 + 10,000 images).
* :func:`train_test_split`: a seeded split into training and test parts.
"""

from __future__ import annotations

import math

import numpy as np

from nn.init import SeedLike, make_rng
from nn.mnist import FASHION_MNIST_CLASSES, Split, fashion_mnist, mnist

Dataset = tuple[np.ndarray, np.ndarray]


def _shuffled(X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> Dataset:
    order = rng.permutation(len(y))
    return X[order], y[order]


def _check_count(name: str, n: int, minimum: int = 1) -> None:
    if not isinstance(n, (int, np.integer)) or n < minimum:
        raise ValueError(f"{name}: needs at least {minimum} samples, got {n!r}.")


def xor() -> Dataset:
    """The XOR problem: X = the four corners of the unit square, y = x1 XOR x2.

    Returns:
        X of shape (4, 2) and y = [0, 1, 1, 0].
    """
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0])
    return X, y


def moons(n_samples: int = 100, noise: float = 0.1, seed: SeedLike = 0) -> Dataset:
    """Two interleaving half circles (class 0 on top, class 1 below), with Gaussian noise.

    Args:
        n_samples: Total number of points (class 0 gets the extra one when odd).
        noise: Standard deviation of the noise added to each coordinate.
        seed: Int seed or NumPy Generator.

    Returns:
        X of shape (n_samples, 2), y of shape (n_samples,) with labels 0 and 1, shuffled.
    """
    _check_count("moons", n_samples, 2)
    rng = make_rng(seed)
    n_top = (n_samples + 1) // 2
    n_bottom = n_samples - n_top
    angle_top = np.linspace(0.0, math.pi, n_top)
    angle_bottom = np.linspace(0.0, math.pi, n_bottom)
    top = np.column_stack([np.cos(angle_top), np.sin(angle_top)])
    bottom = np.column_stack([1.0 - np.cos(angle_bottom), 0.5 - np.sin(angle_bottom)])
    X = np.vstack([top, bottom]) + rng.normal(0.0, noise, size=(n_samples, 2))
    y = np.concatenate([np.zeros(n_top, dtype=np.int64), np.ones(n_bottom, dtype=np.int64)])
    return _shuffled(X, y, rng)


def circles(n_samples: int = 100, noise: float = 0.05, factor: float = 0.5, seed: SeedLike = 0) -> Dataset:
    """Two concentric rings: class 0 the outer ring (radius 1), class 1 the inner (radius ``factor``).

    Args:
        n_samples: Total number of points.
        noise: Standard deviation of the noise added to each coordinate.
        factor: Radius of the inner ring, in (0, 1).
        seed: Int seed or NumPy Generator.

    Returns:
        X of shape (n_samples, 2), y of shape (n_samples,), shuffled.
    """
    _check_count("circles", n_samples, 2)
    if not 0.0 < factor < 1.0:
        raise ValueError(f"circles: factor is the inner radius and must be in (0, 1), got {factor!r}.")
    rng = make_rng(seed)
    n_outer = (n_samples + 1) // 2
    n_inner = n_samples - n_outer
    angle_outer = np.linspace(0.0, 2.0 * math.pi, n_outer, endpoint=False)
    angle_inner = np.linspace(0.0, 2.0 * math.pi, n_inner, endpoint=False)
    outer = np.column_stack([np.cos(angle_outer), np.sin(angle_outer)])
    inner = factor * np.column_stack([np.cos(angle_inner), np.sin(angle_inner)])
    X = np.vstack([outer, inner]) + rng.normal(0.0, noise, size=(n_samples, 2))
    y = np.concatenate([np.zeros(n_outer, dtype=np.int64), np.ones(n_inner, dtype=np.int64)])
    return _shuffled(X, y, rng)


def spiral(n_per_class: int = 50, classes: int = 3, noise: float = 0.2, seed: SeedLike = 0) -> Dataset:
    """``classes`` spiral arms around the origin, one class per arm.

    Arm k has points at radius r from 0 to 1 and angle 4k + 4r (radians) plus
    Gaussian noise on the angle: a problem no linear model solves.

    Returns:
        X of shape (n_per_class * classes, 2) inside the unit disc, y with labels 0..classes-1, shuffled.
    """
    _check_count("spiral", n_per_class)
    if classes < 2:
        raise ValueError(f"spiral: needs at least 2 classes, got {classes!r}.")
    rng = make_rng(seed)
    radius = np.linspace(0.0, 1.0, n_per_class)
    points, labels = [], []
    for k in range(classes):
        angle = 4.0 * k + 4.0 * radius + rng.normal(0.0, noise, size=n_per_class)
        points.append(np.column_stack([radius * np.sin(angle), radius * np.cos(angle)]))
        labels.append(np.full(n_per_class, k, dtype=np.int64))
    return _shuffled(np.vstack(points), np.concatenate(labels), rng)


def digits() -> Dataset:
    """The 8x8 handwritten digits shipped with scikit-learn (offline), pixels scaled to [0, 1].

    Returns:
        X of shape (1797, 64) (16 grey levels divided by 16) and y with labels 0..9.

    Raises:
        ImportError: scikit-learn is not installed (it is in the ``train`` extra).
    """
    try:
        from sklearn.datasets import load_digits  # type: ignore[import-untyped, unused-ignore]
    except ImportError:
        raise ImportError(
            "digits: needs scikit-learn, which ships the 8x8 digits. Install it with "
            'pip install "autograd-core[train]" (or pip install scikit-learn).'
        ) from None
    bunch = load_digits()
    X = np.asarray(bunch.data, dtype=np.float64) / 16.0
    y = np.asarray(bunch.target, dtype=np.int64)
    return X, y


def train_test_split(
    X: np.ndarray, y: np.ndarray, test_fraction: float = 0.2, seed: SeedLike = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle with a seed, then cut off ``ceil(n * test_fraction)`` samples for testing.

    Returns:
        ``X_train, X_test, y_train, y_test`` (the order scikit-learn uses). For the
        1,797 digits and 0.2: 1,437 training and 360 test images.

    Raises:
        ValueError: ``X`` and ``y`` differ in length, or the fraction leaves a part empty.
    """
    if len(X) != len(y):
        raise ValueError(f"train_test_split: X has {len(X)} rows but y has {len(y)} labels.")
    n_test = math.ceil(len(y) * test_fraction)
    if not 0 < n_test < len(y):
        raise ValueError(
            f"train_test_split: test_fraction={test_fraction!r} of {len(y)} samples leaves "
            "the training or the test part empty; use a fraction between 0 and 1."
        )
    order = make_rng(seed).permutation(len(y))
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]
