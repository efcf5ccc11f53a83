"""Optimizers: SGD (with momentum), AdaGrad, RMSProp and Adam, used the way PyTorch users know.

::

    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    for step in range(100):
        optimizer.zero_grad()     # leaves accumulate gradients: clear them first
        loss = ...                # forward pass
        loss.backward()           # every parameter's grad = dloss/dparameter
        optimizer.step()          # move every parameter against its gradient

An optimizer only reads ``p.grad`` and writes ``p.data``; it builds no graph.

Every optimizer takes ``weight_decay`` (L2 regularisation, as in PyTorch): with
decay lambda the gradient it uses is ``g = dJ/dw + lambda * w``, the gradient of
J + lambda/2 * sum(w**2), so every step also pulls each weight towards 0.
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

    def __init__(self, parameters: Iterable[Value] | Module, weight_decay: float = 0.0) -> None:
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
        if not (isinstance(weight_decay, (int, float)) and math.isfinite(weight_decay) and weight_decay >= 0):
            raise ValueError(
                f"{name}: weight_decay must be a finite number >= 0 (0 turns it off), got {weight_decay!r}."
            )
        self.weight_decay = float(weight_decay)

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0 before the next ``backward()``."""
        for p in self.parameters:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter from its ``grad`` (implemented by each optimizer)."""
        raise NotImplementedError

    def gradients(self) -> list[float]:
        """The gradient each update uses: ``p.grad + weight_decay * p.data`` (just ``p.grad`` without decay)."""
        decay = self.weight_decay
        if decay == 0.0:
            return [p.grad for p in self.parameters]
        return [p.grad + decay * p.data for p in self.parameters]

    def _refuse_infinite_state(
        self, name: str, states: Sequence[float], gradients: Sequence[float] | None = None
    ) -> None:
        """Refuse a running average (a moment, a sum of squares) that overflowed.

        An infinite second moment makes every later step ``m / inf = 0``: the
        parameter would stop moving for ever, silently.
        """
        for index, state in enumerate(states):
            if not math.isfinite(state):
                gradient = self.parameters[index].grad if gradients is None else gradients[index]
                raise FloatingPointError(
                    f"{type(self).__name__}: the {name} of parameter {index} became "
                    f"{state!r} (its gradient is {gradient!r}; squared, it does not fit in a "
                    "float), so the parameter would silently stop moving; training has "
                    "diverged. Lower the learning rate, rescale the inputs or clip the gradients."
                )

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
        weight_decay: L2 decay lambda >= 0 (dJ/dw + lambda * w is the gradient used).
    """

    def __init__(
        self,
        parameters: Iterable[Value] | Module,
        lr: float = 0.01,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(parameters, weight_decay)
        self.lr = _positive("lr", lr, "SGD")
        self.momentum = _fraction("momentum", momentum, "SGD")
        self.velocities = [0.0] * len(self.parameters)

    def step(self) -> None:
        """One update of every parameter from its current ``grad``."""
        lr, mu = self.lr, self.momentum
        grads = self.gradients()
        if mu == 0.0:
            self._assign([p.data - lr * g for p, g in zip(self.parameters, grads)])
            return
        velocities = [mu * v + g for g, v in zip(grads, self.velocities)]
        self._assign([p.data - lr * v for p, v in zip(self.parameters, velocities)])
        self.velocities = velocities


class AdaGrad(Optimizer):
    """AdaGrad: each parameter's step shrinks with the sum of its past squared gradients.

    With g = dJ/dw (the sum s starts at 0)::

        s <- s + g**2
        w <- w - lr * g / (sqrt(s) + eps)

    A parameter that has had large gradients takes small steps from then on;
    since s only grows, every step gets smaller and learning slows down in long
    runs (RMSProp forgets old gradients to avoid this). Matches PyTorch's
    ``torch.optim.Adagrad`` with its defaults for ``lr_decay`` and the initial sum (0).

    Args:
        parameters: The Values to train, or a Module.
        lr: Learning rate (> 0).
        eps: Small positive number that keeps the division safe.
        weight_decay: L2 decay lambda >= 0 (dJ/dw + lambda * w is the gradient used).
    """

    def __init__(
        self,
        parameters: Iterable[Value] | Module,
        lr: float = 0.01,
        eps: float = 1e-10,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(parameters, weight_decay)
        self.lr = _positive("lr", lr, "AdaGrad")
        self.eps = _positive("eps", eps, "AdaGrad")
        self.squared_sums = [0.0] * len(self.parameters)

    def step(self) -> None:
        """One update of every parameter from its current ``grad``."""
        sums, new_data = [], []
        for p, g, s in zip(self.parameters, self.gradients(), self.squared_sums):
            s = s + g * g
            sums.append(s)
            new_data.append(p.data - self.lr * g / (math.sqrt(s) + self.eps))
        self._refuse_infinite_state("sum of squared gradients", sums)
        self._assign(new_data)
        self.squared_sums = sums


class RMSProp(Optimizer):
    """RMSProp: like AdaGrad, but a running average of squared gradients that forgets.

    With g = dJ/dw and decay rate alpha (v starts at 0)::

        v <- alpha * v + (1 - alpha) * g**2
        w <- w - lr * g / (sqrt(v) + eps)

    Old gradients fade by a factor alpha per step, so the step size follows the
    recent scale of the gradient instead of shrinking forever. Matches PyTorch's
    ``torch.optim.RMSprop`` (without its momentum and centred options).

    Args:
        parameters: The Values to train, or a Module.
        lr: Learning rate (> 0).
        alpha: Decay rate of the average, in [0, 1).
        eps: Small positive number that keeps the division safe.
        weight_decay: L2 decay lambda >= 0 (dJ/dw + lambda * w is the gradient used).
    """

    def __init__(
        self,
        parameters: Iterable[Value] | Module,
        lr: float = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(parameters, weight_decay)
        self.lr = _positive("lr", lr, "RMSProp")
        self.alpha = _fraction("alpha", alpha, "RMSProp")
        self.eps = _positive("eps", eps, "RMSProp")
        self.square_averages = [0.0] * len(self.parameters)

    def step(self) -> None:
        """One update of every parameter from its current ``grad``."""
        a = self.alpha
        averages, new_data = [], []
        for p, g, v in zip(self.parameters, self.gradients(), self.square_averages):
            v = a * v + (1.0 - a) * g * g
            averages.append(v)
            new_data.append(p.data - self.lr * g / (math.sqrt(v) + self.eps))
        self._refuse_infinite_state("average squared gradient", averages)
        self._assign(new_data)
        self.square_averages = averages


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
        weight_decay: L2 decay lambda >= 0 (g = dJ/dw + lambda * w, PyTorch's ``Adam``,
            not the decoupled ``AdamW``).
    """

    def __init__(
        self,
        parameters: Iterable[Value] | Module,
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(parameters, weight_decay)
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
        for p, g, m, v in zip(self.parameters, self.gradients(), self.first_moments, self.second_moments):
            m = b1 * m + (1.0 - b1) * g
            v = b2 * v + (1.0 - b2) * g * g
            firsts.append(m)
            seconds.append(v)
            new_data.append(p.data - self.lr * (m / correction1) / (math.sqrt(v / correction2) + self.eps))
        self._refuse_infinite_state("first moment", firsts)
        self._refuse_infinite_state("second moment", seconds)
        self._assign(new_data)
        self.first_moments, self.second_moments, self.steps = firsts, seconds, t
