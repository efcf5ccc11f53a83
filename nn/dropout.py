"""Dropout: randomly silence a fraction of a layer's outputs while training.

In training mode each input x_i is kept with probability 1 - p and scaled up,
or dropped (multiplied by 0)::

    m_i ~ Bernoulli(1 - p)                 (one draw per input per call)
    z_i = x_i * m_i / (1 - p)

so the expected value of z_i is x_i ("inverted" dropout, as in PyTorch). In
evaluation mode (``model.eval()``) z_i = x_i: nothing is dropped and nothing is
scaled. The backward pass follows the multiplication: a dropped input gets
gradient 0, a kept one gets the upstream gradient times 1 / (1 - p).

A network that cannot rely on any single hidden unit has to spread what it
learns over many, which reduces overfitting. The masks come from a seeded
NumPy Generator, so a run is reproducible.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from autograd_core import Value
from nn.init import SeedLike, make_rng
from nn.module import Module


class Dropout(Module):
    """Zero each input with probability ``p`` while training, scale the rest by 1 / (1 - p).

    Args:
        p: Probability of dropping each input, in [0, 1); 0 passes everything through.
        seed: Int seed or NumPy Generator for the masks; None for fresh randomness.

    Raises:
        ValueError: ``p`` outside [0, 1).

    Example:
        >>> drop = Dropout(0.5, seed=1)
        >>> [z.data for z in drop([1.0, 2.0, 3.0, 4.0])]
        [2.0, 4.0, 0.0, 8.0]
        >>> [z.data for z in drop.eval()([1.0, 2.0, 3.0, 4.0])]
        [1.0, 2.0, 3.0, 4.0]
    """

    def __init__(self, p: float = 0.5, *, seed: SeedLike = None) -> None:
        if not (isinstance(p, (int, float)) and math.isfinite(p) and 0.0 <= p < 1.0):
            raise ValueError(
                f"Dropout: p is the probability of dropping an input and must be in [0, 1), got {p!r}."
            )
        self.p = float(p)
        self._rng = make_rng(seed)

    def __call__(self, x: Sequence[float | Value]) -> list[Value]:
        """The inputs, some dropped and the rest scaled (training), or unchanged (evaluation)."""
        values = [xi if isinstance(xi, Value) else Value(xi) for xi in x]
        if not self.training or self.p == 0.0:
            return values
        kept = self._rng.random(len(values)) >= self.p
        scale = 1.0 / (1.0 - self.p)
        return [v * (scale if keep else 0.0) for v, keep in zip(values, kept.tolist())]

    def __repr__(self) -> str:
        mode = "training" if self.training else "evaluation"
        return f"Dropout(p={self.p}, {mode} mode)"
