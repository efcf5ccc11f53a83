"""The optimizers' update formulas on NumPy arrays, for ``fit(..., compiled=True)``.

:mod:`nn.optim` updates one ``Value`` at a time in a Python loop: clear and
right for teaching, but for a 784-64-10 MLP (50,890 parameters) that loop is
most of a compiled training step. Compiled training therefore keeps every
parameter and the optimizer's state (momentum, Adam's moments) in NumPy
arrays and updates them with the *same formulas* in the same order of
operations, so the numbers are the ones :meth:`nn.SGD.step` and
:meth:`nn.Adam.step` give (the tests compare them bit for bit).

How an optimizer gets an array form: one small factory per optimizer class,
registered with :func:`register_array_form`::

    @register_array_form(SGD)
    def _sgd(optimizer: SGD) -> ArrayUpdate | None:
        return SGDArrays(optimizer)   # reads lr, momentum and the velocities

SGD, AdaGrad, RMSProp and Adam have array forms here, weight decay
included. A factory returns ``None`` when it cannot reproduce an optimizer
exactly (an option it does not apply); :func:`array_update` then falls back to :class:`ValueStep`, which runs the optimizer's own
``step()`` on the Values (right for any optimizer, slow for large models). A
subclass is never given its parent's array form: its ``step()`` may differ.

An :class:`ArrayUpdate` changes ``data`` in place from ``grad`` in
:meth:`~ArrayUpdate.step`, and :meth:`~ArrayUpdate.write_back` stores its
state in the optimizer's own attributes (``velocities``, ``first_moments``,
...), so that training can go on with the Value-based ``step()`` afterwards.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from autograd_core import Value
from nn.optim import SGD, AdaGrad, Adam, Optimizer, RMSProp

Array = NDArray[np.float64]
OptimizerT = TypeVar("OptimizerT", bound=Optimizer)
UpdateT = TypeVar("UpdateT", bound="ArrayUpdate")
#: A factory: the optimizer -> its array form, or None when it cannot mirror it exactly.
Factory = Callable[[OptimizerT], "ArrayUpdate | None"]


def quiet_overflow(step: Callable[[UpdateT, Array, Array], None]) -> Callable[[UpdateT, Array, Array], None]:
    """Run an array step without NumPy's overflow warnings: the step raises its own clear error."""

    @functools.wraps(step)
    def quiet(self: UpdateT, data: Array, grad: Array) -> None:
        with np.errstate(over="ignore", invalid="ignore"):
            step(self, data, grad)

    return quiet


def refuse_non_finite(optimizer: Optimizer, new_data: Array, data: Array, grad: Array) -> None:
    """Raise FloatingPointError, as the Value-based ``step()`` does, if an update is NaN or infinite."""
    if not np.isfinite(new_data).all():
        index = int(np.argmax(~np.isfinite(new_data)))
        raise FloatingPointError(
            f"{type(optimizer).__name__}: an update produced {float(new_data[index])!r} "
            f"(parameter {index} was {float(data[index])!r}, its gradient "
            f"{float(grad[index])!r}); training has diverged. Lower the learning rate "
            "or rescale the inputs."
        )


def refuse_infinite_state(optimizer: Optimizer, name: str, state: Array, grad: Array) -> None:
    """Raise FloatingPointError, as the Value-based ``step()`` does, if a running average overflowed."""
    if not np.isfinite(state).all():
        index = int(np.argmax(~np.isfinite(state)))
        raise FloatingPointError(
            f"{type(optimizer).__name__}: the {name} of parameter {index} became "
            f"{float(state[index])!r} (its gradient is {float(grad[index])!r}; squared, it "
            "does not fit in a float), so the parameter would silently stop moving; training "
            "has diverged. Lower the learning rate, rescale the inputs or clip the gradients."
        )


class ArrayUpdate:
    """One optimizer's update on arrays; subclasses implement :meth:`step` and :meth:`write_back`.

    Intermediate results go into buffers allocated once (:meth:`buffer`): for
    50,890 parameters a fresh array per operation costs more than the
    arithmetic. New state is kept only once the update is known to be
    finite, as in the Value-based steps.

    Args:
        optimizer: The ``nn.optim`` optimizer whose formulas and state this mirrors.
    """

    def __init__(self, optimizer: Optimizer) -> None:
        self.optimizer = optimizer
        self._buffers: dict[str, Array] = {}

    def buffer(self, name: str, like: Array) -> Array:
        """A scratch array of ``like``'s size, made on first use and reused."""
        array = self._buffers.get(name)
        if array is None or array.shape != like.shape:
            array = self._buffers[name] = np.empty_like(like)
        return array

    def gradient(self, data: Array, grad: Array) -> Array:
        """The gradient the update uses: ``grad + weight_decay * data`` (``grad`` without decay)."""
        decay = self.optimizer.weight_decay
        if decay == 0.0:
            return grad
        used = np.multiply(data, decay, out=self.buffer("decayed", grad))
        used += grad
        return used

    def step(self, data: Array, grad: Array) -> None:
        """Update ``data`` (one number per parameter) from ``grad``, in place."""
        raise NotImplementedError

    def write_back(self) -> None:
        """Store the state (momentum, moments) in the optimizer's own attributes."""
        raise NotImplementedError


class SGDArrays(ArrayUpdate):
    """:class:`nn.SGD` on arrays: v <- mu v + g, w <- w - lr v (w <- w - lr g without momentum)."""

    def __init__(self, optimizer: SGD) -> None:
        super().__init__(optimizer)
        self.sgd = optimizer
        self.velocities = np.array(optimizer.velocities, dtype=float)

    @quiet_overflow
    def step(self, data: Array, grad: Array) -> None:
        lr, mu = self.sgd.lr, self.sgd.momentum
        g = self.gradient(data, grad)
        if mu == 0.0:
            new_data = np.subtract(data, np.multiply(g, lr, out=self.buffer("term", g)), out=self.buffer("new", g))
            refuse_non_finite(self.sgd, new_data, data, grad)
        else:
            velocities = np.multiply(self.velocities, mu, out=self.buffer("velocities", g))
            velocities += g
            step = np.multiply(velocities, lr, out=self.buffer("term", g))
            new_data = np.subtract(data, step, out=self.buffer("new", g))
            refuse_non_finite(self.sgd, new_data, data, grad)
            self._buffers["velocities"], self.velocities = self.velocities, velocities
        data[...] = new_data

    def write_back(self) -> None:
        self.sgd.velocities = self.velocities.tolist()


class AdaGradArrays(ArrayUpdate):
    """:class:`nn.AdaGrad` on arrays: s <- s + g**2, w <- w - lr * g / (sqrt(s) + eps)."""

    def __init__(self, optimizer: AdaGrad) -> None:
        super().__init__(optimizer)
        self.adagrad = optimizer
        self.squared_sums = np.array(optimizer.squared_sums, dtype=float)

    @quiet_overflow
    def step(self, data: Array, grad: Array) -> None:
        adagrad = self.adagrad
        g = self.gradient(data, grad)
        term = np.multiply(g, g, out=self.buffer("term", g))
        sums = np.add(self.squared_sums, term, out=self.buffer("sums", g))
        denominator = np.sqrt(sums, out=self.buffer("denominator", g))
        denominator += adagrad.eps
        np.multiply(g, adagrad.lr, out=term)
        term /= denominator
        new_data = np.subtract(data, term, out=self.buffer("new", g))
        refuse_infinite_state(adagrad, "sum of squared gradients", sums, g)
        refuse_non_finite(adagrad, new_data, data, grad)
        data[...] = new_data
        self._buffers["sums"], self.squared_sums = self.squared_sums, sums

    def write_back(self) -> None:
        self.adagrad.squared_sums = self.squared_sums.tolist()


class RMSPropArrays(ArrayUpdate):
    """:class:`nn.RMSProp` on arrays: v <- alpha v + (1 - alpha) g**2, w <- w - lr * g / (sqrt(v) + eps)."""

    def __init__(self, optimizer: RMSProp) -> None:
        super().__init__(optimizer)
        self.rmsprop = optimizer
        self.square_averages = np.array(optimizer.square_averages, dtype=float)

    @quiet_overflow
    def step(self, data: Array, grad: Array) -> None:
        rmsprop = self.rmsprop
        a = rmsprop.alpha
        g = self.gradient(data, grad)
        averages = np.multiply(self.square_averages, a, out=self.buffer("averages", g))
        term = np.multiply(g, 1.0 - a, out=self.buffer("term", g))
        term *= g
        averages += term
        denominator = np.sqrt(averages, out=self.buffer("denominator", g))
        denominator += rmsprop.eps
        np.multiply(g, rmsprop.lr, out=term)
        term /= denominator
        new_data = np.subtract(data, term, out=self.buffer("new", g))
        refuse_infinite_state(rmsprop, "average squared gradient", averages, g)
        refuse_non_finite(rmsprop, new_data, data, grad)
        data[...] = new_data
        self._buffers["averages"], self.square_averages = self.square_averages, averages

    def write_back(self) -> None:
        self.rmsprop.square_averages = self.square_averages.tolist()


class AdamArrays(ArrayUpdate):
    """:class:`nn.Adam` on arrays: the same formulas in the same order (see its docstring).

    The step count lives in the optimizer itself (``optimizer.steps``).
    """

    def __init__(self, optimizer: Adam) -> None:
        super().__init__(optimizer)
        self.adam = optimizer
        self.first_moments = np.array(optimizer.first_moments, dtype=float)
        self.second_moments = np.array(optimizer.second_moments, dtype=float)

    @quiet_overflow
    def step(self, data: Array, grad: Array) -> None:
        adam = self.adam
        b1, b2 = adam.betas
        t = adam.steps + 1
        correction1, correction2 = 1.0 - b1**t, 1.0 - b2**t
        g = self.gradient(data, grad)
        term = self.buffer("term", g)
        # m = b1 * m + (1 - b1) * g
        m = np.multiply(self.first_moments, b1, out=self.buffer("first", g))
        m += np.multiply(g, 1.0 - b1, out=term)
        # v = b2 * v + (1 - b2) * g * g
        v = np.multiply(self.second_moments, b2, out=self.buffer("second", g))
        np.multiply(g, 1.0 - b2, out=term)
        term *= g
        v += term
        # w - lr * (m / c1) / (sqrt(v / c2) + eps)
        denominator = np.divide(v, correction2, out=self.buffer("denominator", g))
        np.sqrt(denominator, out=denominator)
        denominator += adam.eps
        np.divide(m, correction1, out=term)
        term *= adam.lr
        term /= denominator
        new_data = np.subtract(data, term, out=self.buffer("new", g))
        refuse_infinite_state(adam, "first moment", m, g)
        refuse_infinite_state(adam, "second moment", v, g)
        refuse_non_finite(adam, new_data, data, grad)
        data[...] = new_data
        self._buffers["first"], self.first_moments = self.first_moments, m
        self._buffers["second"], self.second_moments = self.second_moments, v
        adam.steps = t

    def write_back(self) -> None:
        self.adam.first_moments = self.first_moments.tolist()
        self.adam.second_moments = self.second_moments.tolist()


class ValueStep(ArrayUpdate):
    """The fallback for an optimizer without an array form: its own ``step()`` on the Values.

    Each step writes ``data`` and ``grad`` into the parameters, calls
    ``optimizer.step()`` and reads the new ``data`` back: the plain
    behaviour, with one Python loop over the parameters per mini-batch.

    Args:
        optimizer: Any ``nn.optim`` optimizer.
        parameters: The parameters in the order of the arrays (the model's).
    """

    def __init__(self, optimizer: Optimizer, parameters: Sequence[Value]) -> None:
        super().__init__(optimizer)
        self.parameters = list(parameters)

    def step(self, data: Array, grad: Array) -> None:
        for p, value, g in zip(self.parameters, data.tolist(), grad.tolist()):
            p.data, p.grad = value, g
        self.optimizer.step()
        data[...] = np.fromiter((p.data for p in self.parameters), dtype=float, count=len(data))

    def write_back(self) -> None:
        """Nothing to do: the optimizer's own state is already up to date."""


#: Optimizer class -> factory of its array form (exact classes only, not subclasses).
ARRAY_FORMS: dict[type[Optimizer], Factory[Optimizer]] = {}


def register_array_form(
    optimizer_class: type[OptimizerT],
) -> Callable[[Factory[OptimizerT]], Factory[OptimizerT]]:
    """Decorator: register ``factory(optimizer) -> ArrayUpdate | None`` for exactly this class."""

    def register(factory: Factory[OptimizerT]) -> Factory[OptimizerT]:
        # Looked up by type(optimizer), so the factory only ever gets its own class.
        ARRAY_FORMS[optimizer_class] = factory  # type: ignore[assignment]
        return factory

    return register


@register_array_form(SGD)
def _sgd(optimizer: SGD) -> ArrayUpdate | None:
    return SGDArrays(optimizer)


@register_array_form(AdaGrad)
def _adagrad(optimizer: AdaGrad) -> ArrayUpdate | None:
    return AdaGradArrays(optimizer)


@register_array_form(RMSProp)
def _rmsprop(optimizer: RMSProp) -> ArrayUpdate | None:
    return RMSPropArrays(optimizer)


@register_array_form(Adam)
def _adam(optimizer: Adam) -> ArrayUpdate | None:
    return AdamArrays(optimizer)


def array_update(optimizer: Optimizer, parameters: Sequence[Value]) -> ArrayUpdate:
    """The fastest exact update for ``optimizer`` over ``parameters`` (the arrays' order).

    The registered array form when the optimizer's class has one that accepts
    it and the optimizer trains exactly these parameters in this order; else
    :class:`ValueStep`.
    """
    factory = ARRAY_FORMS.get(type(optimizer))
    same = len(optimizer.parameters) == len(parameters) and all(
        a is b for a, b in zip(optimizer.parameters, parameters)
    )
    if factory is not None and same:
        update = factory(optimizer)
        if update is not None:
            return update
    return ValueStep(optimizer, parameters)


__all__ = [
    "ARRAY_FORMS",
    "AdaGradArrays",
    "AdamArrays",
    "ArrayUpdate",
    "RMSPropArrays",
    "SGDArrays",
    "ValueStep",
    "array_update",
    "refuse_infinite_state",
    "refuse_non_finite",
    "register_array_form",
]
