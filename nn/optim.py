"""Optimizers: SGD (with momentum) and Adam, used the way PyTorch users know.

::

    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    for step in range(100):
        optimizer.zero_grad()     # leaves accumulate gradients: clear them first
        loss = ...                # forward pass
        loss.backward()           # every parameter's grad = dloss/dparameter
        optimizer.step()          # move every parameter against its gradient

An optimizer only reads ``p.grad`` and writes ``p.data``; it builds no graph.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from autograd_core import Value
from nn.module import Module


def _positive(name: str, value: float, optimizer: str) -> float:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise ValueError(f"{optimizer}: {name} must be a positive finite number, got {value!r}.")
    return float(value)


def _fraction(name: str, value: float, optimizer: str) -> float:
    if not (isinstance(value, (int, float)) and 0.0 <= value < 1.0):
        raise ValueError(f"{optimizer}: {name} must be in [0, 1), got {value!r}.")
    return float(value)


class Optimizer:
    """What every optimizer shares: the parameter list, ``zero_grad()`` and a checked update.

    Args:
        parameters: The Values to train (``model.parameters()``), or a Module.

    Raises:
        ValueError: No parameters.
        TypeError: Something other than a Value in the list.
    """

    def __init__(self, parameters: Iterable[Value] | Module) -> None:
        if isinstance(parameters, Module):
            parameters = parameters.parameters()
        self.parameters: list[Value] = list(parameters)
        name = type(self).__name__
        if not self.parameters:
            raise ValueError(f"{name}: got no parameters to optimise (an empty list).")
        for p in self.parameters:
            if not isinstance(p, Value):
                raise TypeError(
                    f"{name}: parameters must be Values, got {type(p).__name__}. "
                    "Pass model.parameters()."
                )

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0 before the next ``backward()``."""
        for p in self.parameters:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter from its ``grad`` (implemented by each optimizer)."""
        raise NotImplementedError

    def _assign(self, new_data: Sequence[float]) -> None:
        """Write the new parameter values, refusing to write NaN or infinity."""
        for p, value in zip(self.parameters, new_data):
            if not math.isfinite(value):
                raise FloatingPointError(
                    f"{type(self).__name__}: an update produced {value!r} (the parameter "
                    f"was {p.data!r}, its gradient {p.grad!r}); training has diverged. "
                    "Lower the learning rate or rescale the inputs."
                )
        for p, value in zip(self.parameters, new_data):
            p.data = value


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum.

    Without momentum: w <- w - lr * dJ/dw (the articles' update rule).
    With momentum mu (the PyTorch convention)::

        v <- mu * v + dJ/dw        (v starts at 0)
        w <- w - lr * v

    so a gradient that keeps its sign builds up speed (up to 1 / (1 - mu) times).

    Args:
        parameters: The Values to train, or a Module.
        lr: Learning rate (> 0).
        momentum: mu in [0, 1); 0 is plain gradient descent.
    """

    def __init__(self, parameters: Iterable[Value] | Module, lr: float = 0.01, momentum: float = 0.0) -> None:
        super().__init__(parameters)
        self.lr = _positive("lr", lr, "SGD")
        self.momentum = _fraction("momentum", momentum, "SGD")
        self.velocities = [0.0] * len(self.parameters)

    def step(self) -> None:
        """One update of every parameter from its current ``grad``."""
        lr, mu = self.lr, self.momentum
        if mu == 0.0:
            self._assign([p.data - lr * p.grad for p in self.parameters])
            return
        velocities = [mu * v + p.grad for p, v in zip(self.parameters, self.velocities)]
        self._assign([p.data - lr * v for p, v in zip(self.parameters, velocities)])
        self.velocities = velocities


class Adam(Optimizer):
    """Adam: a step per parameter scaled by running averages of its gradient.

    With g = dJ/dw at step t = 1, 2, ... (m and v start at 0)::

        m <- b1 * m + (1 - b1) * g            (average gradient)
        v <- b2 * v + (1 - b2) * g**2         (average squared gradient)
        m_hat = m / (1 - b1**t),  v_hat = v / (1 - b2**t)   (undo the bias towards 0)
        w <- w - lr * m_hat / (sqrt(v_hat) + eps)

    Every parameter moves by about ``lr`` per step at first, whatever the scale
    of its gradient.

    Args:
        parameters: The Values to train, or a Module.
        lr: Learning rate (> 0).
        betas: (b1, b2), each in [0, 1).
        eps: Small positive number that keeps the division safe.
    """

    def __init__(
        self,
        parameters: Iterable[Value] | Module,
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(parameters)
        self.lr = _positive("lr", lr, "Adam")
        self.betas = (_fraction("beta1", betas[0], "Adam"), _fraction("beta2", betas[1], "Adam"))
        self.eps = _positive("eps", eps, "Adam")
        self.steps = 0
        self.first_moments = [0.0] * len(self.parameters)
        self.second_moments = [0.0] * len(self.parameters)

    def step(self) -> None:
        """One update of every parameter from its current ``grad``."""
        b1, b2 = self.betas
        t = self.steps + 1
        correction1, correction2 = 1.0 - b1**t, 1.0 - b2**t
        firsts, seconds, new_data = [], [], []
        for p, m, v in zip(self.parameters, self.first_moments, self.second_moments):
            g = p.grad
            m = b1 * m + (1.0 - b1) * g
            v = b2 * v + (1.0 - b2) * g * g
            firsts.append(m)
            seconds.append(v)
            new_data.append(p.data - self.lr * (m / correction1) / (math.sqrt(v / correction2) + self.eps))
        self._assign(new_data)
        self.first_moments, self.second_moments, self.steps = firsts, seconds, t
