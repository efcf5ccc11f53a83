"""``fit(..., compiled=True)``: the model and its loss traced once, every mini-batch run as one NumPy program.

The per-sample function ``[loss_fn(model(x), t), *model(x)]`` is compiled with
:func:`autograd_core.compile_batch` (batch loss = the mean over the batch,
exactly what :func:`nn.train.train_step` backpropagates).

During training the parameters and the optimizer's state live in NumPy
arrays (:mod:`nn.array_optim`: the same update formulas as ``nn.SGD`` and
``nn.Adam``), so a step is a few array operations instead of a Python loop
over 50,000 Values. :meth:`CompiledTraining.write_back` copies the numbers
into the model's Values (``data``, and ``grad`` = the latest batch gradient)
and the state into the optimizer; ``fit`` calls it at the end, also when
training stops with an error. The same seed gives the same parameters as the
plain loop (up to rounding). An optimizer without an array form runs its own
``step()`` on the Values every batch (correct, slower).

``fit(..., compiled=True, backend="torch", device=...)`` compiles the same
program for the torch backend (``compile_batch(..., backend="torch")``): the
parameter and state arrays stay NumPy arrays, and each step hands the
parameters to the program, which runs on torch tensors (a CUDA GPU with
``device="cuda"``) and hands back the gradient.

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
from nn.array_optim import ArrayUpdate, array_update
from nn.optim import Optimizer


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


def compiled_outputs(
    model: Any, outputs_of: Callable[[Any, Sequence[Any]], list[Value]], X: np.ndarray
) -> np.ndarray:
    """The model's outputs for every row of ``X``, shape (rows, outputs), by one compiled program.

    Raises:
        ValueError: ``X`` is not a non-empty 2-D array, or the model has no ``parameters()``.
        autograd_core.compiler.TraceError: The model cannot be traced.
    """
    if X.ndim != 2 or len(X) == 0:
        raise ValueError(f"predict(compiled=True): X must be a non-empty 2-D array, got shape {X.shape}.")
    if not hasattr(model, "parameters"):
        raise ValueError("predict(compiled=True): the model needs a parameters() method (an nn Module).")
    program = compile_batch(
        lambda x: outputs_of(model, x), list(model.parameters()), (X.shape[1],),
        example=(X[0],), verify=False,
    )
    program.forward(X)
    return program.last_outputs


class CompiledTraining:
    """The compiled program of one model and loss, and a training step with it.

    Args:
        model: An ``nn`` module (it must have ``parameters()``).
        loss_fn: (outputs of one sample, its targets) -> Value.
        outputs_of: Maps (model, one sample) to the list of output Values.
        X: The training inputs (one row per sample).
        targets: :func:`target_rows` of the training targets.
        optimizer: Its formulas and state are mirrored on arrays (:func:`nn.array_optim.array_update`).
        backend: ``"numpy"`` or ``"torch"``: where the compiled program runs
            (``compile_batch``'s argument); the parameter and state arrays
            stay NumPy arrays.
        device: The torch device (``"cpu"``, ``"cuda"``), for ``backend="torch"``.

    Attributes:
        data: The parameters during training, one number each (model order).
        grad: The latest batch gradient, the same order.

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
        optimizer: Optimizer,
        *,
        backend: str = "numpy",
        device: Any = None,
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
            backend=backend,
            device=device,
        )
        self.optimizer = optimizer
        self.update: ArrayUpdate = array_update(optimizer, self.parameters)
        self.data = self.program.parameter_values()
        self.grad = np.zeros_like(self.data)

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
        self, X: np.ndarray, targets: np.ndarray, threshold: float, true_classes: np.ndarray | None,
    ) -> tuple[float, int, int]:
        """Forward + backward the mean loss of the batch at :attr:`data`, then update :attr:`data`.

        Returns:
            (summed per-sample loss, sample count, correct predictions).
        """
        _, self.grad = self.program.gradient(X, targets, parameter_values=self.data)
        self.update.step(self.data, self.grad)
        loss_sum = float(self.program.last_outputs[:, 0].sum())
        return loss_sum, len(X), self.correct(threshold, true_classes)

    def evaluate(
        self, X: np.ndarray, targets: np.ndarray, threshold: float, true_classes: np.ndarray | None
    ) -> tuple[float, float | None]:
        """Mean loss and accuracy at :attr:`data` (accuracy None for regression), no gradients."""
        mean_loss = self.program.loss(X, targets, parameter_values=self.data)
        if true_classes is None:
            return mean_loss, None
        return mean_loss, self.correct(threshold, true_classes) / len(X)

    def write_back(self) -> None:
        """Copy :attr:`data` into the parameters' ``data``, :attr:`grad` into their ``grad``,
        and the array state into the optimizer (so its own ``step()`` can carry on)."""
        for p, value, g in zip(self.parameters, self.data.tolist(), self.grad.tolist()):
            p.data, p.grad = value, g
        self.update.write_back()
