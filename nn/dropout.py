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

Compiled training (``fit(..., compiled=True)``) replays one traced graph, so
the mask cannot be drawn inside it: there the mask is an input of the program.
:meth:`Dropout.draw_masks` draws a whole batch of masks from the same
generator (the same numbers as one call per sample would use), and
:meth:`Dropout.given_mask` makes the traced call multiply by the mask it is
handed instead of drawing one.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from autograd_core import Value
from nn.init import SeedLike, make_rng
from nn.module import Module


@dataclass
class _GivenMask:
    """The mask handed to one call (held in an object, so that ``Module`` does not take
    its placeholder Values for parameters), and whether that call happened."""

    mask: list[float | Value]
    used: bool = False


class Dropout(Module):
    """Zero each input with probability ``p`` while training, scale the rest by 1 / (1 - p).

    Args:
        p: Probability of dropping each input, in [0, 1); 0 passes everything through.
        seed: Int seed or NumPy Generator for the masks; None for fresh randomness.

    Attributes:
        input_width: How many inputs the latest call had (None before the first call).

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
        self.input_width: int | None = None
        self._given: _GivenMask | None = None

    def __call__(self, x: Sequence[float | Value]) -> list[Value]:
        """The inputs, some dropped and the rest scaled (training), or unchanged (evaluation)."""
        values = [xi if isinstance(xi, Value) else Value(xi) for xi in x]
        self.input_width = len(values)
        if not self.training or self.p == 0.0:
            return values
        if self._given is not None:
            return self._apply_given_mask(self._given, values)
        mask = self.draw_masks(1, len(values))[0]
        return [v * m for v, m in zip(values, mask.tolist())]

    def draw_masks(self, count: int, width: int) -> np.ndarray:
        """``count`` masks for ``width`` inputs: each entry 0 (dropped) or 1 / (1 - p) (kept).

        The masks come from this module's generator in the order ``count``
        calls in training mode would draw them, so a compiled program fed
        these masks computes what the plain engine computes sample by sample.

        Returns:
            Array of shape (count, width).
        """
        kept = self._rng.random((count, width)) >= self.p
        return kept * (1.0 / (1.0 - self.p))

    @contextmanager
    def given_mask(self, mask: Sequence[float | Value]) -> Iterator[None]:
        """Inside the block, the (single) training-mode call multiplies by ``mask`` instead of a random one.

        Compiled training traces the model with the mask as program inputs
        (``mask`` is then a list of placeholder Values, one per input).

        Raises:
            ValueError: The call inside has a different number of inputs than
                ``mask``, or the module is called twice in the block (one mask
                serves one call; use a separate Dropout at each place).
        """
        self._given = _GivenMask(list(mask))
        try:
            yield
        finally:
            self._given = None

    @staticmethod
    def _apply_given_mask(given: _GivenMask, values: list[Value]) -> list[Value]:
        if given.used:
            raise ValueError(
                "Dropout: called twice for one sample while compiled training hands it one mask "
                "per sample; use a separate Dropout module at each place, or fit(compiled=False)."
            )
        if len(given.mask) != len(values):
            raise ValueError(
                f"Dropout: got {len(values)} inputs but a mask for {len(given.mask)}; "
                "the layer before it changed width between calls."
            )
        given.used = True
        return [v * m for v, m in zip(values, given.mask)]

    def __repr__(self) -> str:
        mode = "training" if self.training else "evaluation"
        return f"Dropout(p={self.p}, {mode} mode)"
