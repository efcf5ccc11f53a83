"""An optional training helper, plus prediction and accuracy.

The training loop written by hand is the teaching path and stays the clearest
way to see what happens::

    for epoch in range(100):
        optimizer.zero_grad()
        loss = Value.sum([loss_fn(model(x), t) for x, t in zip(X, y)]) / len(y)
        loss.backward()
        optimizer.step()

:func:`fit` runs the same loop with the usual extras: epochs, shuffled
mini-batches (seeded), a progress bar (tqdm, if installed) showing loss and
accuracy, optional validation data, and a :class:`History` of the numbers for
plotting. One mini-batch is one call of :func:`train_step`.

Classification or regression? Accuracy is measured when ``y`` holds class
labels (an int or bool array), or when ``y`` is a 2-D array of target rows
for a model with several outputs (the true class is the row's largest entry).
A model with several outputs predicts the class of its largest output; a model
with one output predicts class 1 when the output exceeds 0.5 for a sigmoid
output and 0 otherwise (logits, tanh), and the true class is 1 when the label
is > 0 (so labels 0/1 and -1/+1 both work).
"""

from __future__ import annotations

import gc
import operator
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, SupportsIndex

import numpy as np

from autograd_core import Value, no_grad
from nn.init import SeedLike, make_rng
from nn.losses import LOSSES, Targets
from nn.optim import Optimizer

#: A model: anything that maps one sample's inputs to its outputs (a list of Values, or one Value).
Model = Callable[[Sequence[float]], Sequence[Value] | Value]
#: A loss: (outputs of one sample, its targets) -> a Value.
LossFunction = Callable[[Sequence[Value], Targets], Value]


@dataclass
class History:
    """What :func:`fit` measured, one entry per epoch, ready for plotting.

    Attributes:
        loss: Mean training loss over the epoch's samples (as computed during training).
        accuracy: Training accuracy over the epoch's samples (classification only, else empty).
        validation_loss: Mean loss on the validation data after each epoch (if given).
        validation_accuracy: Accuracy on the validation data after each epoch (classification only).
        seconds: Wall-clock time of each epoch's training.
        cpu_seconds: CPU time of this process during each epoch's training
            (``time.process_time()``): unlike ``seconds``, it does not count
            time the machine gave to other programs.
        best_epoch: With early stopping, the epoch (counted from 1) whose parameters
            the model was given back: the one with the lowest validation loss.
        stopped_early: True when early stopping ended training before ``epochs``.
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    validation_loss: list[float] = field(default_factory=list)
    validation_accuracy: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False


@dataclass(frozen=True)
class BatchResult:
    """One mini-batch: the summed per-sample loss, how many samples, how many classified right."""

    loss_sum: float
    count: int
    correct: int


# ----- predictions --------------------------------------------------------------------------
def _outputs_of(model: Model, x: Sequence[float]) -> list[Value]:
    outputs = model(x)
    return [outputs] if isinstance(outputs, Value) else list(outputs)


def decision_threshold(model: object) -> float:
    """The output value above which a one-output model says "class 1": 0.5 after a sigmoid, else 0."""
    activation = getattr(model, "output_activation", None)
    if activation is None and hasattr(model, "weights") and hasattr(model, "activation"):
        activation = model.activation  # a lone Neuron used as the model
    return 0.5 if activation == "sigmoid" else 0.0


def predicted_class(outputs: Sequence[Value], threshold: float = 0.0) -> int:
    """The class one sample's outputs vote for: argmax, or ``output > threshold`` for one output."""
    if len(outputs) == 1:
        return int(outputs[0].data > threshold)
    scores = [v.data for v in outputs]
    return scores.index(max(scores))


def _true_classes(y: np.ndarray, outputs: int) -> np.ndarray | None:
    """Class labels from targets, or None when the targets are not classes (regression)."""
    if y.ndim == 2 and outputs > 1:
        return np.asarray(np.argmax(y, axis=1), dtype=np.int64)
    if y.ndim == 1 and (np.issubdtype(y.dtype, np.integer) or y.dtype == np.bool_):
        return (y > 0).astype(np.int64) if outputs == 1 else y.astype(np.int64)
    return None


def predict(
    model: Model, X: np.ndarray | Sequence[Sequence[float]], *, compiled: bool = False
) -> np.ndarray:
    """Predicted class of every row of ``X`` (see the module docstring for the rule).

    Runs under ``no_grad()`` and in evaluation mode (no dropout; the model's
    mode is restored afterwards): no graph is built and the same model always
    predicts the same classes. ``compiled=True`` traces the
    model once and runs all rows as one NumPy program (the same classes; for
    a 784-64-10 MLP, 1,000 images in well under a second instead of about a
    minute).
    """
    threshold = decision_threshold(model)
    if compiled:
        from nn.compiled_training import compiled_outputs

        with _evaluation_mode(model):
            scores = compiled_outputs(model, _outputs_of, np.asarray(X, dtype=float))
        if scores.shape[1] == 1:
            return (scores[:, 0] > threshold).astype(np.int64)
        return np.asarray(np.argmax(scores, axis=1), dtype=np.int64)
    with no_grad(), _evaluation_mode(model):
        return np.array(
            [predicted_class(_outputs_of(model, x), threshold) for x in np.asarray(X, float).tolist()],
            dtype=np.int64,
        )


def accuracy(
    model: Model,
    X: np.ndarray | Sequence[Sequence[float]],
    y: np.ndarray | Sequence[Any],
    *,
    compiled: bool = False,
) -> float:
    """Fraction of the rows of ``X`` whose predicted class equals the label in ``y``.

    ``compiled=True`` predicts with one compiled program (see :func:`predict`).

    Raises:
        ValueError: ``y`` does not hold class labels (e.g. float regression targets).
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    outputs = len(_outputs_of_no_grad(model, X[0]))
    truth = _true_classes(y, outputs)
    if truth is None:
        raise ValueError(
            f"accuracy: y must hold class labels (ints), got a {y.dtype} array of shape {y.shape}. "
            "Convert it with y.astype(int) if the floats are labels."
        )
    predicted = predict(model, X, compiled=compiled)
    return float(np.mean(predicted == truth))


def _outputs_of_no_grad(model: Model, x: np.ndarray) -> list[Value]:
    """One sample's outputs, to count them: no graph, no dropout (so no random numbers drawn)."""
    with no_grad(), _evaluation_mode(model):
        return _outputs_of(model, x.tolist())


# ----- training -----------------------------------------------------------------------------
@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector, restoring the caller's setting on every exit.

    The graph of a training step has no reference cycles, so the collector has
    nothing to free in it, yet it would walk the hundreds of thousands of new
    nodes again and again while they are being created.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def train_step(
    model: Model,
    loss_fn: LossFunction,
    optimizer: Optimizer,
    inputs: Sequence[Sequence[float]],
    targets: Sequence[Targets],
    threshold: float = 0.0,
    true_classes: Sequence[int] | None = None,
) -> BatchResult:
    """One mini-batch: zero the gradients, forward every sample, backward the mean loss, update.

    The batch loss is the mean of the per-sample losses, so the learning rate
    does not depend on the batch size.

    Args:
        model: Maps one sample to its outputs.
        loss_fn: (outputs, targets) -> Value.
        optimizer: Updates the parameters from their gradients.
        inputs: The batch's samples (lists of floats).
        targets: Each sample's targets.
        threshold: Decision threshold for one-output models (:func:`decision_threshold`).
        true_classes: Each sample's class, to count correct predictions; None for regression.

    Returns:
        The summed loss, the sample count and the number of correct predictions.
    """
    optimizer.zero_grad()
    losses: list[Value] = []
    correct = 0
    for index, (x, t) in enumerate(zip(inputs, targets)):
        outputs = _outputs_of(model, x)
        losses.append(loss_fn(outputs, t))
        if true_classes is not None:
            correct += predicted_class(outputs, threshold) == true_classes[index]
    total = Value.sum(losses)
    (total / len(losses)).backward()
    optimizer.step()
    return BatchResult(total.data, len(losses), correct)


def _resolve_loss(loss: str | LossFunction) -> LossFunction:
    if callable(loss):
        return loss
    if loss not in LOSSES:
        raise ValueError(f"fit: unknown loss {loss!r}. Pass a function or one of {sorted(LOSSES)}.")
    return LOSSES[loss]


def _progress_bar(total: int, enabled: bool) -> Any:
    """A tqdm bar over every mini-batch, or None when disabled or tqdm is missing."""
    if not enabled:
        return None
    try:
        from tqdm import tqdm  # type: ignore[import-untyped, unused-ignore]
    except ImportError:
        warnings.warn(
            "fit: no progress bar because tqdm is not installed "
            '(pip install "autograd-core[train]"); training continues without it.',
            stacklevel=3,
        )
        return None
    return tqdm(total=total, unit="batch", leave=True)


def _evaluate(
    model: Model, loss_fn: LossFunction, rows: list[Any], targets: list[Any], threshold: float,
    true_classes: list[int] | None,
) -> tuple[float, float | None]:
    """Mean loss and accuracy on data, without building a graph."""
    loss_sum, correct = 0.0, 0
    with no_grad():
        for index, (x, t) in enumerate(zip(rows, targets)):
            outputs = _outputs_of(model, x)
            loss_sum += loss_fn(outputs, t).data
            if true_classes is not None:
                correct += predicted_class(outputs, threshold) == true_classes[index]
    mean_accuracy = correct / len(rows) if true_classes is not None else None
    return loss_sum / len(rows), mean_accuracy


@contextmanager
def _evaluation_mode(model: Model) -> Iterator[None]:
    """Evaluation mode (no dropout) for a Module, restoring its previous mode afterwards."""
    if not hasattr(model, "training") or not hasattr(model, "train"):
        yield
        return
    was_training = bool(model.training)
    model.train(False)
    try:
        yield
    finally:
        model.train(was_training)


class _EarlyStopping:
    """Patience on the validation loss, remembering the parameters of the best epoch."""

    def __init__(self, model: Model, patience: int) -> None:
        if not hasattr(model, "parameters"):
            raise ValueError(
                "fit: early_stopping needs a model with parameters() (an nn Module) "
                "so that the best parameters can be restored."
            )
        self.parameters: list[Value] = list(model.parameters())
        self.patience = patience
        self.best_loss = float("inf")
        self.best_epoch = 0
        self.best_data: list[float] = [p.data for p in self.parameters]
        self.epochs_without_improvement = 0

    def should_stop(self, epoch: int, validation_loss: float, current: list[float]) -> bool:
        """Record epoch ``epoch`` (from 1) with the parameters ``current`` it ended with;
        True once ``patience`` epochs in a row did not improve."""
        if validation_loss < self.best_loss:
            self.best_loss, self.best_epoch = validation_loss, epoch
            self.best_data = current
            self.epochs_without_improvement = 0
            return False
        self.epochs_without_improvement += 1
        return self.epochs_without_improvement >= self.patience

    def restore_best(self) -> None:
        for p, value in zip(self.parameters, self.best_data):
            p.data = value


def _as_arrays(X: Any, y: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    if X.ndim != 2 or len(X) == 0:
        raise ValueError(f"{name}: X must be a non-empty 2-D array (one row per sample), got shape {X.shape}.")
    if len(y) != len(X):
        raise ValueError(f"{name}: X has {len(X)} rows but y has {len(y)} targets.")
    if y.dtype.kind not in "biuf":
        try:
            y = y.astype(float)
        except (TypeError, ValueError):
            examples = ", ".join(repr(v) for v in y.ravel()[:3].tolist())
            raise TypeError(
                f"{name}: y must hold numbers (class indices 0..K-1, or target values), got "
                f"{y.dtype} values such as {examples}. Turn labels into indices first, e.g. "
                "classes, y = np.unique(y, return_inverse=True)."
            ) from None
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        raise ValueError(f"{name}: y contains NaN or infinity; clean the targets first.")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name}: X contains NaN or infinity; clean the data first.")
    return X, y


def _check_count(value: object, argument: str, hint: str) -> None:
    """``fit``'s counts: a whole number >= 1 (not 2.5, not True, not "3")."""
    if isinstance(value, bool) or not isinstance(value, SupportsIndex):
        raise TypeError(
            f"fit: {argument} must be a whole number (an int) >= 1, got "
            f"{type(value).__name__} {value!r}. {hint}."
        )
    if operator.index(value) < 1:
        raise ValueError(f"fit: {argument} must be at least 1, got {value!r}. {hint}.")


def fit(
    model: Model,
    X: np.ndarray | Sequence[Sequence[float]],
    y: np.ndarray | Sequence[Any],
    *,
    loss: str | LossFunction,
    optimizer: Optimizer,
    epochs: int = 10,
    batch_size: int | None = 32,
    shuffle: bool = True,
    seed: SeedLike = 0,
    progress: bool = True,
    validation: tuple[Any, Any] | None = None,
    compiled: bool = False,
    early_stopping: int | None = None,
    backend: str = "numpy",
    device: Any = None,
) -> History:
    """Train ``model`` on ``(X, y)`` with mini-batches; return what was measured per epoch.

    Each epoch shuffles the samples (with a generator made from ``seed``, so a
    run is reproducible), cuts them into batches of ``batch_size`` and calls
    :func:`train_step` on each. The cyclic garbage collector is paused inside
    each step and the caller's setting restored afterwards, even on errors.

    Args:
        model: An ``nn`` module (or any callable mapping one sample to its outputs).
        X: Inputs, one row per sample.
        y: Targets: class labels, one number per sample, or one row per sample.
        loss: A loss function ``(outputs, targets) -> Value`` or its name in
            :data:`nn.losses.LOSSES` (e.g. ``"softmax_cross_entropy"``).
        optimizer: E.g. ``Adam(model.parameters(), lr=0.01)``.
        epochs: Passes over the data.
        batch_size: Samples per update; None for the whole data set at once.
        shuffle: Shuffle the samples every epoch.
        seed: Seed of the shuffling.
        progress: Show a tqdm progress bar (skipped with a warning if tqdm is missing).
        validation: Optional ``(X_val, y_val)`` evaluated after every epoch.
        compiled: Trace the model and loss once and run every mini-batch as one
            NumPy program (:mod:`nn.compiled_training`): the same parameters as
            the plain loop up to rounding, many times faster. The parameters and
            the optimizer state are kept in NumPy arrays during training and
            written back into the model's Values (and the optimizer) when fit
            returns or stops with an error. Dropout masks are drawn from each
            module's generator as the plain loop draws them and fed to the
            program as inputs.
        backend: Where the compiled program runs (with ``compiled=True``):
            ``"numpy"`` (default) or ``"torch"``, the same grouped steps on
            float64 torch tensors (``compile_batch(..., backend="torch")``;
            needs PyTorch). The parameters and optimizer state stay NumPy
            arrays either way; the torch backend gets them at every step.
        device: For ``backend="torch"``: ``"cpu"`` (default), ``"cuda"`` or ``"cuda:N"``.
        early_stopping: Patience: stop when the validation loss has not improved
            for this many epochs in a row, and give the model back the parameters
            of the epoch with the lowest validation loss (``History.best_epoch``).
            Needs ``validation``. The optimizer's state is not rewound.

    The validation data is evaluated in evaluation mode (``model.eval()``: no
    dropout); the model is left in the mode it was given.

    Returns:
        A :class:`History` with the loss and accuracy of every epoch.

    Raises:
        ValueError: Empty or mismatched data, NaN in X, an unknown loss name,
            a non-positive ``epochs``, ``batch_size`` or ``early_stopping``,
            early stopping without validation data,
            or a ``backend``/``device`` without ``compiled=True`` (or unknown).
        ImportError: ``backend="torch"`` without PyTorch installed.
    """
    X, y = _as_arrays(X, y, "fit")
    _check_count(epochs, "epochs", "Passes over the data are counted whole")
    if batch_size is not None:
        _check_count(batch_size, "batch_size", "Pass None for the whole data set at once")
    if early_stopping is not None:
        if validation is None:
            raise ValueError(
                "fit: early_stopping watches the validation loss; pass validation=(X_val, y_val) too."
            )
        if isinstance(early_stopping, bool) or not isinstance(early_stopping, int) or early_stopping < 1:
            raise ValueError(
                f"fit: early_stopping is the patience in epochs and must be an int >= 1 (or None), "
                f"got {early_stopping!r}."
            )
    if not compiled and (backend != "numpy" or device is not None):
        raise ValueError(
            f"fit: backend={backend!r} and device={device!r} choose where the compiled program "
            "runs; pass compiled=True too (the plain loop runs on the model's Values)."
        )
    loss_fn = _resolve_loss(loss)
    # The plain loop reads Python lists; the compiled program reads the arrays
    # (60,000 images as lists of floats would take gigabytes).
    rows, targets = ([], []) if compiled else (X.tolist(), y.tolist())
    outputs = len(_outputs_of_no_grad(model, X[0]))
    threshold = decision_threshold(model)
    truth = _true_classes(y, outputs)
    if validation is not None:
        X_val, y_val = _as_arrays(*validation, "fit (validation)")
        val_rows, val_targets = ([], []) if compiled else (X_val.tolist(), y_val.tolist())
        val_classes = _true_classes(y_val, outputs)
        val_truth = None if val_classes is None else val_classes.tolist()
    batch_program = None
    if compiled:
        from nn.compiled_training import CompiledTraining, target_rows

        batch_program = CompiledTraining(
            model, loss_fn, _outputs_of, X, target_rows(y, outputs), optimizer,
            backend=backend, device=device,
        )
        train_rows = target_rows(y, outputs)
        if validation is not None:
            val_rows_compiled = target_rows(y_val, outputs)
    size = batch_size or len(X)
    batches_per_epoch = -(-len(X) // size)
    rng = make_rng(seed)
    history = History()
    stopper = None if early_stopping is None else _EarlyStopping(model, early_stopping)
    bar = _progress_bar(epochs * batches_per_epoch, progress)
    try:
        for epoch in range(epochs):
            order = rng.permutation(len(X)) if shuffle else np.arange(len(X))
            started, started_cpu = time.perf_counter(), time.process_time()
            loss_sum, correct = 0.0, 0
            for start in range(0, len(X), size):
                chosen = order[start:start + size].tolist()
                with collector_paused():
                    if batch_program is not None:
                        result = BatchResult(*batch_program.step(
                            X[chosen], train_rows[chosen], threshold,
                            None if truth is None else truth[chosen],
                        ))
                    else:
                        result = train_step(
                            model, loss_fn, optimizer,
                            [rows[i] for i in chosen], [targets[i] for i in chosen],
                            threshold, None if truth is None else truth[chosen].tolist(),
                        )
                loss_sum += result.loss_sum
                correct += result.correct
                if bar is not None:
                    bar.update(1)
            history.seconds.append(time.perf_counter() - started)
            history.cpu_seconds.append(time.process_time() - started_cpu)
            history.loss.append(loss_sum / len(X))
            postfix = {"epoch": epoch + 1, "loss": f"{history.loss[-1]:.4f}"}
            if truth is not None:
                history.accuracy.append(correct / len(X))
                postfix["acc"] = f"{history.accuracy[-1]:.3f}"
            if validation is not None:
                if batch_program is not None:
                    val_loss, val_accuracy = batch_program.evaluate(
                        X_val, val_rows_compiled, threshold, val_classes
                    )
                else:
                    with _evaluation_mode(model):
                        val_loss, val_accuracy = _evaluate(
                            model, loss_fn, val_rows, val_targets, threshold, val_truth
                        )
                history.validation_loss.append(val_loss)
                postfix["val_loss"] = f"{val_loss:.4f}"
                if val_accuracy is not None:
                    history.validation_accuracy.append(val_accuracy)
                    postfix["val_acc"] = f"{val_accuracy:.3f}"
            if bar is not None:
                bar.set_postfix(postfix)
            if stopper is not None and stopper.should_stop(
                epoch + 1, history.validation_loss[-1],
                # Compiled training keeps the parameters in its array until fit returns.
                batch_program.data.tolist() if batch_program is not None else [p.data for p in stopper.parameters],
            ):
                history.stopped_early = epoch + 1 < epochs
                break
    finally:
        if batch_program is not None:
            batch_program.write_back()  # the model's Values get the trained numbers
        if bar is not None:
            bar.close()
    if stopper is not None:
        stopper.restore_best()
        history.best_epoch = stopper.best_epoch
    return history

