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

Dropout: a traced program cannot draw new random numbers, so every active
:class:`~nn.dropout.Dropout` module's mask becomes one more input of the
program (one column per unit the module silences). Each step draws the
batch's masks from the module's own generator (:meth:`Dropout.draw_masks`,
the numbers the plain loop would draw, sample after sample); evaluation feeds
masks of ones, which is evaluation mode (z = x). So a seeded run with dropout
gives the plain loop's parameters too.

Targets become one row of numbers per sample: class labels of a classifier
with K outputs become one-hot rows, labels or numbers of a one-output model a
column. Losses must treat those numbers as Values, which every loss in
:mod:`nn.losses` does except the ``*_composed`` softmax forms and
:func:`nn.losses.softmax` (they subtract ``max(a.data)``, a number taken from
the data, which a trace cannot follow; compiling them raises ``TraceError``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import ExitStack
from typing import Any

import numpy as np

from autograd_core import Value, no_grad
from autograd_core.compiler import BatchProgram, compile_batch
from nn.array_optim import ArrayUpdate, array_update
from nn.dropout import Dropout
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


def active_dropouts(
    model: Any, outputs_of: Callable[[Any, Sequence[Any]], list[Value]], x: Sequence[float]
) -> list[tuple[Dropout, int]]:
    """The model's Dropout modules that drop something while training, each with its input width.

    The widths are found by one call of the model in evaluation mode (no
    graph, no random numbers drawn); the model's modes are restored.

    Raises:
        ValueError: An active Dropout module that the model does not call.
    """
    modules = model.named_modules() if hasattr(model, "named_modules") else []
    active = [(name, m) for name, m in modules if isinstance(m, Dropout) and m.training and m.p > 0.0]
    if not active:
        return []
    modes = [(m, m.training) for _, m in modules]
    for _, module in active:
        module.input_width = None
    try:
        model.train(False)
        with no_grad():
            outputs_of(model, x)
    finally:
        for module, mode in modes:
            module.training = mode
    unused = [name for name, module in active if module.input_width is None]
    if unused:
        raise ValueError(
            f"fit(compiled=True): the model has Dropout modules it never calls ({', '.join(unused)}); "
            "remove them or call them in the model's __call__."
        )
    return [(module, int(module.input_width or 0)) for _, module in active]


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
        dropouts: (Dropout module, input width) of every active dropout; each
            mask is one more input of the program.

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
        self.dropouts = active_dropouts(model, outputs_of, X[0].tolist())

        def per_sample(x: list[Value], t: list[Value], *masks: list[Value]) -> list[Value]:
            with ExitStack() as stack:
                for (dropout, _), mask in zip(self.dropouts, masks):
                    stack.enter_context(dropout.given_mask(mask))
                values = outputs_of(model, x)
            return [loss_fn(values, t), *values]

        mask_widths = [width for _, width in self.dropouts]
        self.program: BatchProgram = compile_batch(
            per_sample,
            self.parameters,
            (X.shape[1], targets.shape[1], *mask_widths),
            reduction="mean",
            example=(X[0], targets[0], *(np.ones(width) for width in mask_widths)),
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
        masks = [dropout.draw_masks(len(X), width) for dropout, width in self.dropouts]
        _, self.grad = self.program.gradient(X, targets, *masks, parameter_values=self.data)
        self.update.step(self.data, self.grad)
        loss_sum = float(self.program.last_outputs[:, 0].sum())
        return loss_sum, len(X), self.correct(threshold, true_classes)

    def evaluate(
        self, X: np.ndarray, targets: np.ndarray, threshold: float, true_classes: np.ndarray | None
    ) -> tuple[float, float | None]:
        """Mean loss and accuracy at :attr:`data` (accuracy None for regression), no gradients."""
        no_dropout = [np.ones((len(X), width)) for _, width in self.dropouts]   # evaluation mode
        mean_loss = self.program.loss(X, targets, *no_dropout, parameter_values=self.data)
        if true_classes is None:
            return mean_loss, None
        return mean_loss, self.correct(threshold, true_classes) / len(X)

    def write_back(self) -> None:
        """Copy :attr:`data` into the parameters' ``data``, :attr:`grad` into their ``grad``,
        and the array state into the optimizer (so its own ``step()`` can carry on)."""
        for p, value, g in zip(self.parameters, self.data.tolist(), self.grad.tolist()):
            p.data, p.grad = value, g
        self.update.write_back()
