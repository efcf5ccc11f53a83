"""Switching graph recording off: ``no_grad()``.

Inside ``with no_grad():`` operations still compute their values, but the new
nodes are leaves: no parents and no local derivatives are stored, so nothing
can be backpropagated through them and no memory is spent on a graph. Use it
for evaluation, for parameter updates, and for finite differences.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class _GradMode:
    """Holds the one switch; read by every operation (one attribute lookup)."""

    __slots__ = ("enabled",)

    def __init__(self) -> None:
        self.enabled = True


grad_mode = _GradMode()


def is_grad_enabled() -> bool:
    """True when new operations record their parents and local derivatives."""
    return grad_mode.enabled


@contextmanager
def no_grad() -> Iterator[None]:
    """Context manager (or decorator) that stops graph recording inside it.

    The previous setting is restored on exit, also when an exception escapes,
    so ``no_grad`` blocks can be nested.
    """
    previous = grad_mode.enabled
    grad_mode.enabled = False
    try:
        yield
    finally:
        grad_mode.enabled = previous
