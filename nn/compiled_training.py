"""``fit(..., compiled=True)``: the model and its loss traced once, every mini-batch run as one NumPy program.

The per-sample function ``[loss_fn(model(x), t), *model(x)]`` is compiled with
:func:`autograd_core.compile_batch` (batch loss = the mean over the batch,
exactly what :func:`nn.train.train_step` backpropagates). The parameters stay
the model's Values: each step zeroes their ``grad`` through the optimizer,
adds the batch gradient into them, and lets the optimizer update ``data``, so
the same seed gives the same parameters as the plain loop (up to rounding).

Targets become one row of numbers per sample: class labels of a classifier
with K outputs become one-hot rows, labels or numbers of a one-output model a
column. Losses must treat those numbers as Values, which every loss in
:mod:`nn.losses` does except the ``*_composed`` softmax forms and
:func:`nn.losses.softmax` (they subtract ``max(a.data)``, a number taken from
the data, which a trace cannot follow; compiling them raises ``TraceError``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd_core import Value
from autograd_core.compiler import BatchProgram, compile_batch


def target_rows(y: np.ndarray, outputs: int) -> np.ndarray:
    """The targets as a (samples, width) float array the compiled program reads.

    Args:
        y: Class labels (ints), one number per sample, or one row per sample.
        outputs: The model's number of outputs.

    Raises:
        ValueError: Non-integer single targets for a model with several outputs.
    """
    if y.ndim == 2:
        return y.astype(float)
    if outputs == 1:
        return y.astype(float)[:, None]
    labels = y.astype(float)
    if not np.array_equal(labels, np.round(labels)):
        raise ValueError(
            f"fit(compiled=True): a model with {outputs} outputs needs class labels (ints) "
            "or one row of targets per sample."
        )
    return np.eye(outputs)[labels.astype(np.int64)]


class CompiledTraining:
    """The compiled program of one model and loss, and a training step with it.

    Args:
        model: An ``nn`` module (it must have ``parameters()``).
        loss_fn: (outputs of one sample, its targets) -> Value.
        outputs_of: Maps (model, one sample) to the list of output Values.
        X: The training inputs (one row per sample).
        targets: :func:`target_rows` of the training targets.

    Raises:
        ValueError: The model has no ``parameters()``.
        autograd_core.compiler.TraceError: The model or the loss cannot be
            traced (the message names the cause).
    """

    def __init__(
        self,
        model: Any,
        loss_fn: Callable[[Sequence[Value], Any], Value],
        outputs_of: Callable[[Any, Sequence[Any]], list[Value]],
        X: np.ndarray,
        targets: np.ndarray,
    ) -> None:
        if not hasattr(model, "parameters"):
            raise ValueError(
                "fit(compiled=True): the model needs a parameters() method (an nn Module) "
                "so that the compiled program can read and update its weights."
            )
        self.parameters: list[Value] = list(model.parameters())
        self.outputs = targets.shape[1]

        def per_sample(x: list[Value], t: list[Value]) -> list[Value]:
            values = outputs_of(model, x)
            return [loss_fn(values, t), *values]

        self.program: BatchProgram = compile_batch(
            per_sample,
            self.parameters,
            (X.shape[1], targets.shape[1]),
            reduction="mean",
            example=(X[0], targets[0]),
        )

    def correct(self, threshold: float, true_classes: np.ndarray | None) -> int:
        """How many samples of the latest run the model classified right (0 for regression)."""
        if true_classes is None:
            return 0
        scores = self.program.last_outputs[:, 1:]
        if scores.shape[1] == 1:
            predicted = (scores[:, 0] > threshold).astype(np.int64)
        else:
            predicted = np.argmax(scores, axis=1)
        return int(np.sum(predicted == true_classes))

    def step(
        self, optimizer: Any, X: np.ndarray, targets: np.ndarray, threshold: float,
        true_classes: np.ndarray | None,
    ) -> tuple[float, int, int]:
        """Zero the gradients, forward + backward the mean loss of the batch, update.

        Returns:
            (summed per-sample loss, sample count, correct predictions).
        """
        optimizer.zero_grad()
        self.program.backward(X, targets)
        optimizer.step()
        loss_sum = float(self.program.last_outputs[:, 0].sum())
        return loss_sum, len(X), self.correct(threshold, true_classes)

    def evaluate(
        self, X: np.ndarray, targets: np.ndarray, threshold: float, true_classes: np.ndarray | None
    ) -> tuple[float, float | None]:
        """Mean loss and accuracy on data (accuracy None for regression), no gradients."""
        mean_loss = self.program.loss(X, targets)
        if true_classes is None:
            return mean_loss, None
        return mean_loss, self.correct(threshold, true_classes) / len(X)
