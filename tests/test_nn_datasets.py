"""Tests for nn.datasets: shapes, labels, seeds, the digits and the split."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from nn.datasets import circles, digits, moons, spiral, train_test_split, xor


def test_xor_is_the_truth_table() -> None:
    """XOR has the four corners and the labels 0, 1, 1, 0."""
    X, y = xor()
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and y.tolist() == [0, 1, 1, 0]


@pytest.mark.parametrize("make", [moons, circles])
def test_two_class_sets_have_the_asked_size_and_balanced_labels(make) -> None:  # type: ignore[no-untyped-def]
    """n points, float64 X of width 2, int labels 0/1 split evenly (up to one)."""
    X, y = make(101, seed=4)
    assert X.shape == (101, 2) and X.dtype == np.float64 and y.dtype == np.int64
    assert sorted(set(y.tolist())) == [0, 1] and abs(int(y.sum()) - 50) <= 1


@pytest.mark.parametrize("make", [moons, circles, spiral])
def test_same_seed_same_data_other_seed_other_data(make) -> None:  # type: ignore[no-untyped-def]
    """Data sets are reproducible from their seed."""
    X1, y1 = make(seed=1)
    X2, y2 = make(seed=1)
    X3, _ = make(seed=2)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2) and not np.array_equal(X1, X3)


def test_moons_and_circles_geometry_without_noise() -> None:
    """Noise-free moons lie on their half circles; circles on radius 1 and factor."""
    X, y = moons(50, noise=0.0, seed=0)
    top, bottom = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(*top.T), 1.0)
    np.testing.assert_allclose(np.hypot(bottom[:, 0] - 1.0, bottom[:, 1] - 0.5), 1.0)
    X, y = circles(40, noise=0.0, factor=0.3, seed=0)
    np.testing.assert_allclose(np.hypot(*X[y == 0].T), 1.0)
    np.testing.assert_allclose(np.hypot(*X[y == 1].T), 0.3)


def test_spiral_has_k_classes_inside_the_unit_disc() -> None:
    """spiral(n, K) has n points per class, labels 0..K-1, radius at most 1."""
    X, y = spiral(30, classes=4, seed=0)
    assert X.shape == (120, 2) and np.bincount(y).tolist() == [30] * 4
    assert np.all(np.hypot(*X.T) <= 1.0 + 1e-12)


def test_bad_arguments_are_refused() -> None:
    """Too few samples, a bad ring factor or one spiral class raise ValueError."""
    with pytest.raises(ValueError, match="at least 2 samples"):
        moons(1)
    with pytest.raises(ValueError, match="factor"):
        circles(10, factor=1.5)
    with pytest.raises(ValueError, match="at least 2 classes"):
        spiral(10, classes=1)


def test_digits_are_scaled_to_unit_interval() -> None:
    """The 1,797 8x8 digits come as 64 pixels in [0, 1] and labels 0..9."""
    pytest.importorskip("sklearn")
    X, y = digits()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert X.min() == 0.0 and X.max() == 1.0 and sorted(set(y.tolist())) == list(range(10))


def test_digits_without_scikit_learn_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without scikit-learn, digits() raises ImportError naming the extra to install."""
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"autograd-core\[train\]"):
        digits()


def test_split_is_seeded_disjoint_and_sized_like_scikit_learn() -> None:
    """1,797 samples split 0.2 into 1,437 + 360, disjoint, reproducible from the seed."""
    X = np.arange(1797, dtype=float).reshape(-1, 1)
    y = np.arange(1797)
    X_train, X_test, y_train, y_test = train_test_split(X, y, 0.2, seed=0)
    assert (len(y_train), len(y_test)) == (1437, 360)
    assert np.array_equal(X_train[:, 0], y_train) and np.array_equal(X_test[:, 0], y_test)
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == list(range(1797))
    assert np.array_equal(train_test_split(X, y, 0.2, seed=0)[3], y_test)
    with pytest.raises(ValueError, match="leaves the training or the test part empty"):
        train_test_split(X, y, 1.0)
    with pytest.raises(ValueError, match="1797 rows but y has 3"):
        train_test_split(X, y[:3])
