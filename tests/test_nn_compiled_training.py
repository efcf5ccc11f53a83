"""Tests for fit(..., compiled=True): the same training as the plain loop, run as NumPy batch programs."""

from __future__ import annotations

import numpy as np
import pytest

from autograd_core.compiler import TraceError
from nn import MLP, SGD, Adam, Dropout, Layer, Sequential, datasets, fit
from nn.compiled_training import target_rows


def train(compiled: bool, optimizer: str, loss: str, sizes: list[int], y: np.ndarray, X: np.ndarray):
    """Fit a fresh seeded model; return its parameters and the History."""
    model = MLP(X.shape[1], sizes, activation="tanh", seed=3)
    parameters = model.parameters()
    opt = Adam(parameters, lr=0.02) if optimizer == "adam" else SGD(parameters, lr=0.1, momentum=0.9)
    history = fit(
        model, X, y, loss=loss, optimizer=opt, epochs=3, batch_size=16, seed=1,
        progress=False, validation=(X[:20], y[:20]), compiled=compiled,
    )
    return np.array([p.data for p in parameters]), history


@pytest.mark.parametrize(
    ("optimizer", "loss", "outputs"),
    [("adam", "softmax_cross_entropy", 2), ("sgd", "squared_error", 1), ("sgd", "binary_cross_entropy_with_logits", 1)],
)
def test_compiled_fit_gives_the_plain_parameters(optimizer: str, loss: str, outputs: int) -> None:
    """After a few epochs the compiled fit and the plain fit hold the same parameters (1e-12 relative)."""
    X, y = datasets.moons(60, seed=0)
    plain, plain_history = train(False, optimizer, loss, [5, outputs], y, X)
    compiled, compiled_history = train(True, optimizer, loss, [5, outputs], y, X)
    np.testing.assert_allclose(compiled, plain, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(compiled_history.loss, plain_history.loss, rtol=1e-12)
    assert compiled_history.accuracy == plain_history.accuracy
    np.testing.assert_allclose(compiled_history.validation_loss, plain_history.validation_loss, rtol=1e-12)
    assert compiled_history.validation_accuracy == plain_history.validation_accuracy


def dropout_model() -> Sequential:
    """Two dropout modules of different widths and rates, each with its own seed."""
    return Sequential(
        Layer(2, 8, "tanh", seed=0), Dropout(0.3, seed=1),
        Layer(8, 6, "tanh", seed=2), Dropout(0.5, seed=3), Layer(6, 1, "identity", seed=4),
    )


@pytest.mark.parametrize("batch_size", [7, None])
def test_compiled_fit_with_dropout_draws_the_plain_loops_masks(batch_size: int | None) -> None:
    """With dropout, weight decay and early stopping, compiled training ends where the plain loop ends."""
    X, y = datasets.moons(30, noise=0.3, seed=0)
    X_val, y_val = datasets.moons(40, noise=0.3, seed=1)
    results = []
    for compiled in (False, True):
        model = dropout_model()
        history = fit(
            model, X, y, loss="binary_cross_entropy_with_logits",
            optimizer=Adam(model, lr=0.05, weight_decay=1e-3), epochs=12, batch_size=batch_size,
            progress=False, validation=(X_val, y_val), early_stopping=4, compiled=compiled,
        )
        assert model.training
        results.append((np.array([p.data for p in model.parameters()]), history))
    (plain, plain_history), (compiled_data, compiled_history) = results
    np.testing.assert_allclose(compiled_data, plain, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(compiled_history.loss, plain_history.loss, rtol=1e-12)
    np.testing.assert_allclose(compiled_history.validation_loss, plain_history.validation_loss, rtol=1e-12)
    assert compiled_history.accuracy == plain_history.accuracy
    assert compiled_history.best_epoch == plain_history.best_epoch


def test_compiled_fit_with_dropout_really_drops() -> None:
    """The masks reach the program: with p = 0.5 training differs from the same model with p = 0."""
    X, y = datasets.moons(30, noise=0.3, seed=0)
    endings = []
    for p in (0.0, 0.5):
        model = Sequential(Layer(2, 8, "tanh", seed=0), Dropout(p, seed=1), Layer(8, 1, "identity", seed=2))
        fit(model, X, y, loss="binary_cross_entropy_with_logits", optimizer=Adam(model, lr=0.05),
            epochs=3, batch_size=10, progress=False, compiled=True)
        endings.append(np.array([q.data for q in model.parameters()]))
    assert np.abs(endings[0] - endings[1]).max() > 1e-3


def test_dropout_called_twice_or_never_is_refused_by_compiled_fit() -> None:
    """One mask per module per sample: a module used twice, or one the model never calls, is named."""
    from nn import Module

    class Twice(Module):
        def __init__(self) -> None:
            self.first, self.drop, self.second = Layer(2, 4, seed=0), Dropout(0.5, seed=1), Layer(4, 1, seed=2)

        def __call__(self, x):  # type: ignore[no-untyped-def]
            return self.second(self.drop(self.drop(self.first(x))))

    class Unused(Twice):
        def __call__(self, x):  # type: ignore[no-untyped-def]
            return self.second(self.first(x))

    X, y = datasets.moons(10, seed=0)
    for model, message in ((Twice(), "called twice for one sample"), (Unused(), r"never calls \(drop\)")):
        with pytest.raises(ValueError, match=message):
            fit(model, X, y, loss="binary_cross_entropy_with_logits", optimizer=Adam(model, lr=0.05),
                epochs=1, progress=False, compiled=True)


def test_target_rows_turn_labels_into_one_hot_rows() -> None:
    """Class labels of a K-output model become one-hot rows; a one-output model gets a column."""
    np.testing.assert_array_equal(target_rows(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])
    np.testing.assert_array_equal(target_rows(np.array([0.5, 1.5]), 1), [[0.5], [1.5]])
    with pytest.raises(ValueError, match="class labels"):
        target_rows(np.array([0.5]), 3)


def test_a_loss_that_reads_data_cannot_be_compiled() -> None:
    """The composed softmax subtracts max(a.data): fit(compiled=True) raises TraceError naming a frozen constant."""
    X, y = datasets.moons(20, seed=0)
    model = MLP(2, [3, 2], seed=0)
    with pytest.raises(TraceError, match="constant"):
        fit(
            model, X, y, loss="softmax_cross_entropy_composed",
            optimizer=SGD(model.parameters(), lr=0.1), epochs=1, progress=False, compiled=True,
        )


@pytest.mark.parametrize(("outputs", "loss"), [(3, "softmax_cross_entropy"), (1, "binary_cross_entropy_with_logits")])
def test_compiled_predict_gives_the_plain_classes(outputs: int, loss: str) -> None:
    """predict/accuracy with compiled=True classify every row as the plain engine does."""
    X, y = datasets.spiral(20, classes=3, seed=0) if outputs == 3 else datasets.moons(60, seed=0)
    model = MLP(2, [6, outputs], activation="tanh", seed=2)
    fit(model, X, y, loss=loss, optimizer=Adam(model.parameters(), lr=0.05), epochs=5, progress=False)
    from nn import accuracy, predict

    np.testing.assert_array_equal(predict(model, X, compiled=True), predict(model, X))
    assert accuracy(model, X, y, compiled=True) == accuracy(model, X, y)


@pytest.mark.parametrize(
    ("optimizer", "loss", "outputs"),
    [("adam", "softmax_cross_entropy", 3), ("sgd", "binary_cross_entropy_with_logits", 1)],
)
def test_fit_on_the_torch_backend_gives_the_numpy_backends_training(
    optimizer: str, loss: str, outputs: int
) -> None:
    """fit(compiled=True, backend="torch") ends with the NumPy backend's parameters and history (1e-12)."""
    pytest.importorskip("torch", reason="pip install torch")
    X, y = datasets.spiral(20, 3, seed=0) if outputs == 3 else datasets.moons(60, seed=0)
    results = []
    for backend in ("numpy", "torch"):
        model = MLP(2, [6, outputs], activation="tanh", seed=3)
        parameters = model.parameters()
        opt = Adam(parameters, lr=0.02) if optimizer == "adam" else SGD(parameters, lr=0.1, momentum=0.9)
        history = fit(
            model, X, y, loss=loss, optimizer=opt, epochs=3, batch_size=16, seed=1, progress=False,
            validation=(X[:20], y[:20]), compiled=True, backend=backend,
            device="cpu" if backend == "torch" else None,
        )
        results.append((np.array([p.data for p in parameters]), history))
    (numpy_parameters, numpy_history), (torch_parameters, torch_history) = results
    np.testing.assert_allclose(torch_parameters, numpy_parameters, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(torch_history.loss, numpy_history.loss, rtol=1e-12)
    assert torch_history.accuracy == numpy_history.accuracy
    np.testing.assert_allclose(torch_history.validation_loss, numpy_history.validation_loss, rtol=1e-12)


def test_a_backend_without_compiled_is_refused() -> None:
    """backend= or device= without compiled=True raises ValueError saying to pass compiled=True."""
    X, y = datasets.moons(10, seed=0)
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(ValueError, match="backend='torch' and device=None.*pass compiled=True"):
        fit(model, X, y, loss="binary_cross_entropy_with_logits", optimizer=SGD(model.parameters()),
            epochs=1, progress=False, backend="torch")
