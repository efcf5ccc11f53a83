"""Switching graph recording off: ``no_grad()``, and back on: ``enable_grad()``.

Inside ``with no_grad():`` operations still compute their values, but the new
nodes are leaves: no parents and no local derivatives are stored, so nothing
can be backpropagated through them and no memory is spent on a graph. Use it
for evaluation, for parameter updates, and for finite differences.

The setting belongs to the running thread and asyncio task, not to the
process: it is a :class:`contextvars.ContextVar`. A thread inside ``no_grad()``
does not stop another thread from recording, and blocks of two threads (or
two tasks) that interleave cannot leave each other's setting changed. Each
new thread starts with recording on; an asyncio task starts with the setting
of the code that created it (it runs in a copy of that context), like every
context variable.

Every operation reads the setting once per node (:data:`is_recording`, the
variable's own ``get``: about as fast as the attribute read it replaces).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

_recording: ContextVar[bool] = ContextVar("autograd_core_recording", default=True)

#: ``is_recording()``: True when new operations record their graph (the hot path's check).
is_recording = _recording.get


def is_grad_enabled() -> bool:
    """True when new operations record their parents and local derivatives (in this thread/task)."""
    return _recording.get()


def _restore(token: Token[bool]) -> None:
    """Put back the setting ``token`` replaced, on every exit path."""
    try:
        _recording.reset(token)
    except ValueError:
        # The block is left in another context than it was entered in (a
        # generator suspended inside it and resumed elsewhere): restore the
        # value it replaced, in the context it is left in.
        old = token.old_value
        _recording.set(True if old is Token.MISSING else bool(old))


@contextmanager
def no_grad() -> Iterator[None]:
    """Context manager (or decorator) that stops graph recording inside it.

    The previous setting is restored on exit, also when an exception escapes,
    so ``no_grad`` blocks can be nested. Only the calling thread (or asyncio
    task) is affected.
    """
    token = _recording.set(False)
    try:
        yield
    finally:
        _restore(token)


@contextmanager
def enable_grad() -> Iterator[None]:
    """Context manager (or decorator) that records the graph even inside ``no_grad()``.

    What ``gradients(..., create_graph=True)``, ``grad(f)`` and compiled-mode
    tracing use: they need the graph whatever the caller's setting. Restored
    on exit, in the calling thread or task only.
    """
    token = _recording.set(True)
    try:
        yield
    finally:
        _restore(token)
