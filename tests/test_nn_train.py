"""Tests for nn.train: fit on two moons and XOR, history, the collector, predictions."""

from __future__ import annotations

import gc
import sys

import numpy as np
import pytest

from autograd_core import Value
from nn import MLP, SGD, Adam, Neuron, accuracy, fit, predict, train_step
from nn.datasets import moons, spiral, xor
from nn.losses import squared_error


def test_two_moons_reaches_97_percent_training_accuracy() -> None:
    """An MLP 2-16-1 trained with Adam reaches >= 97% on 100 two-moons points in a few seconds."""
    X, y = moons(100, noise=0.1, seed=0)
    model = MLP(2, [16, 1], activation="tanh", seed=0)
    history = fit(model, X, y, loss="binary_cross_entropy_with_logits",
                  optimizer=Adam(model.parameters(), lr=0.1), epochs=30, batch_size=20,
                  seed=0, progress=False)
    assert accuracy(model, X, y) >= 0.97
    assert history.loss[-1] < history.loss[0]
    assert len(history.loss) == len(history.accuracy) == len(history.seconds) == 30
    assert len(history.cpu_seconds) == 30 and all(c >= 0.0 for c in history.cpu_seconds)


def test_xor_is_solved() -> None:
    """A 2-4-1 network classifies all four XOR points, which no single neuron can."""
    X, y = xor()
    model = MLP(2, [4, 1], activation="tanh", seed=0)
    history = fit(model, X, y, loss="binary_cross_entropy_with_logits",
                  optimizer=Adam(model.parameters(), lr=0.1), epochs=100, batch_size=None,
                  progress=False)
    assert predict(model, X).tolist() == [0, 1, 1, 0]
    assert history.accuracy[-1] == 1.0 and history.loss[-1] < 0.05


def test_fit_is_the_hand_written_loop() -> None:
    """fit without shuffling does exactly what the hand-written full-batch loop does."""
    X, y = spiral(5, classes=3, seed=1)
    by_hand, by_fit = MLP(2, [6, 3], seed=2), MLP(2, [6, 3], seed=2)
    optimizer = SGD(by_hand.parameters(), lr=0.2, momentum=0.5)
    for _ in range(3):
        optimizer.zero_grad()
        loss = Value.sum([squared_error(by_hand(x), t) for x, t in zip(X.tolist(), y.tolist())]) / len(y)
        loss.backward()
        optimizer.step()
    fit(by_fit, X, y, loss=squared_error, optimizer=SGD(by_fit, lr=0.2, momentum=0.5), epochs=3,
        batch_size=None, shuffle=False, progress=False)
    assert [p.data for p in by_fit.parameters()] == [p.data for p in by_hand.parameters()]


def test_same_seed_same_training_run() -> None:
    """Two fits with the same model seed and shuffle seed give identical histories and weights."""
    X, y = moons(40, seed=3)
    runs = []
    for _ in range(2):
        model = MLP(2, [4, 1], seed=1)
        history = fit(model, X, y, loss="binary_cross_entropy_with_logits",
                      optimizer=Adam(model, lr=0.05), epochs=3, batch_size=8, seed=9, progress=False)
        runs.append((history.loss, [p.data for p in model.parameters()]))
    assert runs[0] == runs[1]


def test_validation_and_regression_histories() -> None:
    """Validation data adds per-epoch numbers; float targets (regression) record no accuracy."""
    X, y = spiral(6, classes=3, seed=0)
    model = MLP(2, [5, 3], seed=0)
    history = fit(model, X, y, loss="softmax_cross_entropy", optimizer=Adam(model, lr=0.05),
                  epochs=2, batch_size=6, progress=False, validation=(X[:5], y[:5]))
    assert len(history.validation_loss) == len(history.validation_accuracy) == 2
    regression = MLP(1, [3, 1], seed=0)
    X_r = np.linspace(-1, 1, 8).reshape(-1, 1)
    history = fit(regression, X_r, np.sin(X_r[:, 0]), loss="mean_squared_error",
                  optimizer=SGD(regression, lr=0.1), epochs=2, progress=False)
    assert history.accuracy == [] and len(history.loss) == 2


def test_the_collector_is_paused_inside_a_step_and_restored_on_errors() -> None:
    """gc is disabled during a step and re-enabled afterwards, also when the loss raises."""
    X, y = xor()
    model = MLP(2, [2, 1], seed=0)
    seen = []

    def spying_loss(outputs, target):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        return squared_error(outputs, target)

    assert gc.isenabled()
    fit(model, X, y, loss=spying_loss, optimizer=SGD(model, lr=0.1), epochs=1, progress=False)
    assert seen and not any(seen) and gc.isenabled()

    def failing_loss(outputs, target):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fit(model, X, y, loss=failing_loss, optimizer=SGD(model, lr=0.1), progress=False)
    assert gc.isenabled()
    gc.disable()
    try:  # a caller who had switched it off keeps it off
        fit(model, X, y, loss=squared_error, optimizer=SGD(model, lr=0.1), epochs=1, progress=False)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_progress_bar_shows_loss_and_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    """With tqdm installed, the bar reports the loss and accuracy on stderr."""
    pytest.importorskip("tqdm")
    X, y = xor()
    model = MLP(2, [2, 1], seed=0)
    fit(model, X, y, loss="binary_cross_entropy_with_logits", optimizer=SGD(model, lr=0.1),
        epochs=2, progress=True)
    err = capsys.readouterr().err
    assert "loss=" in err and "acc=" in err


def test_missing_tqdm_gives_a_note_and_training_continues(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without tqdm, fit warns what to install and still trains."""
    monkeypatch.setitem(sys.modules, "tqdm", None)
    X, y = xor()
    model = MLP(2, [2, 1], seed=0)
    with pytest.warns(UserWarning, match="tqdm is not installed"):
        history = fit(model, X, y, loss=squared_error, optimizer=SGD(model, lr=0.1), epochs=2)
    assert len(history.loss) == 2


def test_prediction_rules() -> None:
    """Several outputs: argmax; one output: > 0.5 after sigmoid, > 0 otherwise; labels -1/+1 work."""
    X = np.array([[1.0], [-1.0]])
    logit = Neuron(1, "identity", seed=0)
    logit.weights[0].data = 2.0
    assert predict(logit, X).tolist() == [1, 0]
    probability = MLP(1, [1], output_activation="sigmoid", seed=0)
    probability.layers[0].neurons[0].weights[0].data = 2.0
    assert predict(probability, X).tolist() == [1, 0]
    assert accuracy(probability, X, np.array([1, -1])) == 1.0
    three = MLP(1, [3], seed=0)
    for k, neuron in enumerate(three.layers[0].neurons):
        neuron.weights[0].data = float(k - 1)
    assert predict(three, X).tolist() == [2, 0]
    with pytest.raises(ValueError, match="class labels"):
        accuracy(three, X, np.array([0.5, 1.5]))


def test_train_step_reports_the_batch() -> None:
    """train_step returns the summed loss, sample count and correct predictions of its batch."""
    model = MLP(2, [3, 2], seed=0)
    result = train_step(model, squared_error, SGD(model, lr=0.01), [[0.0, 1.0], [1.0, 0.0]], [0, 1],
                        true_classes=[0, 1])
    assert result.count == 2 and 0 <= result.correct <= 2 and result.loss_sum > 0


def test_bad_arguments_are_refused() -> None:
    """Mismatched data, NaN inputs, an unknown loss and bad epochs/batch sizes raise ValueError."""
    model = MLP(2, [1], seed=0)
    optimizer = SGD(model, lr=0.1)
    X, y = xor()
    with pytest.raises(ValueError, match="4 rows but y has 3"):
        fit(model, X, y[:3], loss=squared_error, optimizer=optimizer)
    with pytest.raises(ValueError, match="NaN"):
        fit(model, np.full((2, 2), np.nan), [0, 1], loss=squared_error, optimizer=optimizer)
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        fit(model, X, y, loss="hinge", optimizer=optimizer)
    with pytest.raises(ValueError, match="epochs"):
        fit(model, X, y, loss=squared_error, optimizer=optimizer, epochs=0)
    with pytest.raises(ValueError, match="batch_size"):
        fit(model, X, y, loss=squared_error, optimizer=optimizer, batch_size=0)


def _overfitting_run(epochs: int, early_stopping: int | None):  # type: ignore[no-untyped-def]
    """A 16-16 network on 20 noisy moons, validated on 100 others (the validation loss turns up)."""
    X, y = moons(20, noise=0.3, seed=0)
    X_val, y_val = moons(100, noise=0.3, seed=1)
    model = MLP(2, [16, 16, 1], seed=0)
    history = fit(model, X, y, loss="binary_cross_entropy_with_logits", optimizer=Adam(model, lr=0.05),
                  epochs=epochs, batch_size=10, progress=False, validation=(X_val, y_val),
                  early_stopping=early_stopping)
    return model, history


def test_early_stopping_stops_after_patience_and_restores_the_best_epoch() -> None:
    """Training stops `patience` epochs after the lowest validation loss, with that epoch's parameters."""
    model, history = _overfitting_run(epochs=60, early_stopping=5)
    losses = history.validation_loss
    best = int(np.argmin(losses)) + 1
    assert history.stopped_early and history.best_epoch == best
    assert len(losses) == best + 5 < 60
    assert all(loss >= losses[best - 1] for loss in losses[best:])
    # The same run stopped by hand after the best epoch has exactly these parameters.
    reference, _ = _overfitting_run(epochs=best, early_stopping=None)
    assert [p.data for p in model.parameters()] == [p.data for p in reference.parameters()]


def test_early_stopping_needs_validation_and_a_positive_patience() -> None:
    """early_stopping without validation data, or a patience < 1, is refused with a clear message."""
    model = MLP(2, [1], seed=0)
    X, y = xor()
    with pytest.raises(ValueError, match="early_stopping watches the validation loss"):
        fit(model, X, y, loss=squared_error, optimizer=SGD(model, lr=0.1), early_stopping=3)
    with pytest.raises(ValueError, match="patience in epochs and must be an int >= 1"):
        fit(model, X, y, loss=squared_error, optimizer=SGD(model, lr=0.1), validation=(X, y),
            early_stopping=0)


def test_validation_runs_without_dropout_and_training_with_it() -> None:
    """fit evaluates the validation data in evaluation mode and leaves the model in training mode."""
    from nn import Dropout, Layer, Sequential

    X, y = moons(30, noise=0.2, seed=0)
    model = Sequential(Layer(2, 8, "tanh", seed=0), Dropout(0.5, seed=1), Layer(8, 1, "identity", seed=2))
    history = fit(model, X, y, loss="binary_cross_entropy_with_logits", optimizer=Adam(model, lr=0.05),
                  epochs=2, batch_size=10, progress=False, validation=(X, y))
    assert model.training
    model.eval()
    again = np.mean([binary_loss(model, x, t) for x, t in zip(X.tolist(), y.tolist())])
    assert history.validation_loss[-1] == pytest.approx(again, rel=1e-12)


def test_predict_and_accuracy_run_in_evaluation_mode_and_restore_the_mode() -> None:
    """A model with dropout predicts the same classes every time, as in eval(), and stays in training mode."""
    from nn import Dropout, Layer, Sequential, accuracy, predict

    X, y = moons(50, noise=0.2, seed=0)
    model = Sequential(Layer(2, 8, "tanh", seed=0), Dropout(0.9, seed=1), Layer(8, 1, "identity", seed=2))
    first, second = predict(model, X), predict(model, X, compiled=True)
    assert model.training
    model.eval()
    expected = predict(model, X)
    assert not model.training
    model.train()
    np.testing.assert_array_equal(first, expected)
    np.testing.assert_array_equal(second, expected)
    assert accuracy(model, X, y) == float(np.mean(expected == y))
    assert model.training
    drop = model.layers[1]
    unused = drop.draw_masks(1, 8)  # nothing above drew a mask: the generator is where it started
    np.testing.assert_array_equal(unused, Dropout(0.9, seed=1).draw_masks(1, 8))


def binary_loss(model, x, t):  # type: ignore[no-untyped-def]
    """One sample's logistic loss, the way fit evaluates it."""
    from nn.losses import LOSSES

    return LOSSES["binary_cross_entropy_with_logits"](model(x), t).data


def test_compiled_early_stopping_restores_the_same_best_epoch() -> None:
    """compiled=True stops at the same epoch and restores the same parameters (up to rounding)."""
    X, y = moons(20, noise=0.3, seed=0)
    X_val, y_val = moons(100, noise=0.3, seed=1)
    results = []
    for compiled in (False, True):
        model = MLP(2, [16, 16, 1], seed=0)
        history = fit(model, X, y, loss="binary_cross_entropy_with_logits", optimizer=Adam(model, lr=0.05),
                      epochs=60, batch_size=10, progress=False, validation=(X_val, y_val),
                      early_stopping=5, compiled=compiled)
        results.append((history.best_epoch, len(history.loss), [p.data for p in model.parameters()]))
    (plain_best, plain_epochs, plain_data), (best, epochs, data) = results
    assert (best, epochs) == (plain_best, plain_epochs)
    assert data == pytest.approx(plain_data, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"epochs": 2.5}, r"fit: epochs must be a whole number .* got float 2\.5"),
        ({"epochs": True}, r"fit: epochs must be a whole number .* got bool True"),
        ({"batch_size": 1.5}, r"fit: batch_size must be a whole number .* got float 1\.5"),
        ({"y": ["cat", "dog", "cat", "dog"]}, r"fit: y must hold numbers .*'cat', 'dog'.*np\.unique"),
        ({"y": [0.0, float("nan"), 1.0, 0.0]}, r"fit: y contains NaN"),
    ],
)
def test_fit_names_the_argument_and_the_value(changes: dict[str, object], message: str) -> None:
    """Fractional epochs, string labels and NaN targets get an error that says what to do."""
    X = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [1.0, 1.0]])
    model = MLP(2, [2], seed=0)
    arguments: dict[str, object] = {"y": [0, 1, 0, 1], "epochs": 1, "batch_size": 2, **changes}
    y = arguments.pop("y")
    with pytest.raises((TypeError, ValueError), match=message):
        fit(model, X, y, loss="softmax_cross_entropy", optimizer=SGD(model.parameters(), lr=0.1),
            progress=False, **arguments)  # type: ignore[arg-type]
