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

The factory returns ``None`` when it cannot reproduce that optimizer exactly
(an option it does not apply, such as weight decay); :func:`array_update`
then falls back to :class:`ValueStep`, which runs the optimizer's own
``step()`` on the Values (right for any optimizer, slow for large models). A
subclass is never given its parent's array form: its ``step()`` may differ.

An :class:`ArrayUpdate` changes ``data`` in place from ``grad`` in
:meth:`~ArrayUpdate.step`, and :meth:`~ArrayUpdate.write_back` stores its
state in the optimizer's own attributes (``velocities``, ``first_moments``,
...), so that training can go on with the Value-based ``step()`` afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from autograd_core import Value
from nn.optim import SGD, Adam, Optimizer

Array = NDArray[np.float64]
OptimizerT = TypeVar("OptimizerT", bound=Optimizer)
#: A factory: the optimizer -> its array form, or None when it cannot mirror it exactly.
Factory = Callable[[OptimizerT], "ArrayUpdate | None"]


def refuse_non_finite(optimizer: Optimizer, new_data: Array, data: Array, grad: Array) -> None:
    """Raise FloatingPointError, as the Value-based ``step()`` does, if an update is NaN or infinite."""
    bad = ~np.isfinite(new_data)
    if bad.any():
        index = int(np.argmax(bad))
        raise FloatingPointError(
            f"{type(optimizer).__name__}: an update produced {float(new_data[index])!r} "
            f"(parameter {index} was {float(data[index])!r}, its gradient "
            f"{float(grad[index])!r}); training has diverged. Lower the learning rate "
            "or rescale the inputs."
        )


class ArrayUpdate:
    """One optimizer's update on arrays; subclasses implement :meth:`step` and :meth:`write_back`.

    Args:
        optimizer: The ``nn.optim`` optimizer whose formulas and state this mirrors.
    """

    def __init__(self, optimizer: Optimizer) -> None:
        self.optimizer = optimizer

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

    def step(self, data: Array, grad: Array) -> None:
        lr, mu = self.sgd.lr, self.sgd.momentum
        if mu == 0.0:
            new_data = data - lr * grad
            refuse_non_finite(self.sgd, new_data, data, grad)
        else:
            velocities = mu * self.velocities + grad
            new_data = data - lr * velocities
            refuse_non_finite(self.sgd, new_data, data, grad)
            self.velocities = velocities
        data[...] = new_data

    def write_back(self) -> None:
        self.sgd.velocities = self.velocities.tolist()


class AdamArrays(ArrayUpdate):
    """:class:`nn.Adam` on arrays: the same formulas in the same order (see its docstring).

    The step count lives in the optimizer itself (``optimizer.steps``).
    """

    def __init__(self, optimizer: Adam) -> None:
        super().__init__(optimizer)
        self.adam = optimizer
        self.first_moments = np.array(optimizer.first_moments, dtype=float)
        self.second_moments = np.array(optimizer.second_moments, dtype=float)

    def step(self, data: Array, grad: Array) -> None:
        adam = self.adam
        b1, b2 = adam.betas
        t = adam.steps + 1
        correction1, correction2 = 1.0 - b1**t, 1.0 - b2**t
        m = b1 * self.first_moments + (1.0 - b1) * grad
        v = b2 * self.second_moments + (1.0 - b2) * grad * grad
        new_data = data - adam.lr * (m / correction1) / (np.sqrt(v / correction2) + adam.eps)
        for name, state in (("first moment", m), ("second moment", v)):
            if not np.isfinite(state).all():  # m / inf = 0: the parameter would stop, silently
                adam._refuse_infinite_state(name, state.tolist(), grad.tolist())
        refuse_non_finite(adam, new_data, data, grad)
        data[...] = new_data
        self.first_moments, self.second_moments, adam.steps = m, v, t

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


def _applies_every_option(optimizer: Optimizer) -> bool:
    """False when the optimizer has weight decay switched on, which SGDArrays/AdamArrays do not apply."""
    return not getattr(optimizer, "weight_decay", 0.0)


@register_array_form(SGD)
def _sgd(optimizer: SGD) -> ArrayUpdate | None:
    return SGDArrays(optimizer) if _applies_every_option(optimizer) else None


@register_array_form(Adam)
def _adam(optimizer: Adam) -> ArrayUpdate | None:
    return AdamArrays(optimizer) if _applies_every_option(optimizer) else None


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
    "AdamArrays",
    "ArrayUpdate",
    "SGDArrays",
    "ValueStep",
    "array_update",
    "refuse_non_finite",
    "register_array_form",
]
