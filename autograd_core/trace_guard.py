"""The trace-time guard: no number may leave a Value while ``compile_batch`` traces.

``compile_batch`` records a function's graph once and replays it for every
sample. Any number the function *takes out of* a Value while it is being
traced (``x.data``, ``float(w)``, ``bool(x)``, ``x > 5``, ``f"{x:.2f}"``,
``x.item()``, ``int(x)``, ``round(x)`` ...) is frozen into that recording: a
branch on it takes the same side for every later sample, and a constant made
from a parameter's number goes stale when the optimizer moves the parameter.
So while a thread traces, such reads raise :class:`TraceError` naming the
user's file and line, instead of compiling a silently wrong program.

The API (one check, cheap when nothing is being traced):

* :func:`refuse_number_read(what)` -- call it first in every Value method that
  hands out the number or a decision made from it (``__bool__``, comparisons,
  ``__float__``, ``item``, ``__format__``, ``__int__``, ``__round__`` ...)::

      def item(self) -> float:
          if guard.active:
              refuse_number_read("v.item()")
          return self.data

  ``guard.active`` is a plain attribute read (0 unless some thread traces), so
  the methods cost nothing extra outside tracing; calling
  ``refuse_number_read`` unconditionally is also fine (it returns at once
  when ``guard.active`` is 0). It raises only in the tracing thread and only
  when the read comes from code outside ``autograd_core`` (the engine itself
  reads numbers to compute nodes; ``nn`` and user code count as outside).
* :func:`tracing` -- the context manager ``compile_batch`` wraps each trace in.
  While any thread is inside it, ``Value.data`` is a property (delegating to
  the ``__slots__`` member) whose getter does the same check; on exit the
  plain member is put back, so outside tracing ``.data`` is exactly as fast
  as before. Other threads are never refused, only slightly slower while the
  property is installed.

What it cannot see (the two traces with different inputs and parameter
values in ``compile_batch`` cover these): numbers obtained without a Value
method, such as parsing ``repr(x)`` or ``object.__getattribute__``.
"""

from __future__ import annotations

import linecache
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from autograd_core.errors import TraceError


class _Guard:
    """``active``: how many traces are running now, in any thread (0: no checks)."""

    __slots__ = ("active",)

    def __init__(self) -> None:
        self.active = 0


#: Read ``guard.active`` before calling :func:`refuse_number_read` on hot paths.
guard = _Guard()

#: Thread id -> how deeply that thread is nested in :func:`tracing`.
_tracing_threads: dict[int, int] = {}
_lock = threading.Lock()
_get_ident = threading.get_ident
#: The ``__slots__`` member descriptor of ``Value.data``, saved on first use.
_data_slot: Any = None


def _is_engine(frame: FrameType) -> bool:
    """True for code in ``autograd_core`` (the engine may read numbers while tracing)."""
    module = frame.f_globals.get("__name__", "")
    return isinstance(module, str) and (
        module == "autograd_core" or module.startswith("autograd_core.")
    )


def _refuse(frame: FrameType, what: str) -> None:
    filename, line = frame.f_code.co_filename, frame.f_lineno
    source = linecache.getline(filename, line).strip()
    shown = f": {source}" if source else ""
    raise TraceError(
        f"compile_batch: {what} at {filename}, line {line}{shown} -- the function reads "
        "the number of a Value while it is being traced. The compiled program would "
        "freeze the number seen now (a branch on it would take the same side for every "
        "sample; a constant made from a parameter would not follow its updates). Write "
        "it with operations instead (x.relu() rather than `if x > 0`, x * w rather than "
        "x * w.data), or run this function with the plain engine."
    )


def refuse_number_read(what: str) -> None:
    """Raise :class:`TraceError` if this thread is tracing and the read comes from user code.

    Args:
        what: How the number was read, as the user wrote it, e.g. ``"bool(v)"``,
            ``"v > other"``, ``"float(v)"``, ``"v.item()"``.

    Raises:
        TraceError: The calling thread is inside :func:`tracing` and the first
            caller outside ``autograd_core/value.py`` is not engine code; the
            message names that caller's file and line.
    """
    if not guard.active or _get_ident() not in _tracing_threads:
        return
    frame: FrameType | None = sys._getframe(1)
    # Skip the Value methods themselves (one may call another, e.g. round -> item).
    while frame is not None and frame.f_globals.get("__name__") in (
        "autograd_core.value", __name__
    ):
        frame = frame.f_back
    if frame is not None and not _is_engine(frame):
        _refuse(frame, what)


#: ``id()`` of the module globals of engine code seen reading ``.data``, and
#: those dicts themselves (kept, so that an id is never reused by another dict).
#: A read is classified by the module its code runs in, so one entry covers
#: every function of the module, and an ``id`` is a cheap key (a code object
#: hashes its whole contents on every lookup).
_engine_globals: dict[int, dict[str, Any]] = {}
#: ``_data_slot.__get__``, bound when the property is installed.
_slot_get: Any = None
#: The ``Value.data`` property while some thread traces.
_guarded_data: Any = None
#: The globals of ``autograd_core.value``, where the operators run.
_value_globals: Any = None
_getframe = sys._getframe


def _guarded_data_get(node: Any) -> float:
    """``node.data`` while some thread traces: refused in that thread from user code.

    The fast path is engine code (almost every read while tracing): its
    module is known, so the read costs one frame lookup and one dict test
    (an identity test for the operators, which run in ``autograd_core.value``).
    """
    reader = _getframe(1).f_globals
    if reader is not _value_globals and id(reader) not in _engine_globals:
        _check_reader(_getframe(1))
    value: float = _slot_get(node)
    return value


def _check_reader(frame: FrameType) -> None:
    """Refuse a read from ``frame`` in the tracing thread unless it is engine code."""
    if _get_ident() not in _tracing_threads:
        return
    if not _is_engine(frame):
        _refuse(frame, "reading .data")
    _engine_globals[id(frame.f_globals)] = frame.f_globals


def is_tracing() -> bool:
    """True when the calling thread is inside :func:`tracing`."""
    return _get_ident() in _tracing_threads


@contextmanager
def tracing() -> Iterator[None]:
    """Refuse number reads from user code in this thread until the block ends.

    Nestable and thread-safe: the ``Value.data`` property is installed by the
    first tracing thread and removed by the last, on every exit path.
    """
    global _data_slot, _slot_get, _guarded_data, _value_globals
    from autograd_core import value
    from autograd_core.value import Value

    _value_globals = vars(value)

    ident = _get_ident()
    with _lock:
        if guard.active == 0:
            _data_slot = Value.__dict__["data"]
            _slot_get = _data_slot.__get__
            # Writes go straight to the slot (no Python function in between).
            _guarded_data = property(
                _guarded_data_get, _data_slot.__set__, doc="The number (guarded while tracing)."
            )
            type.__setattr__(Value, "data", _guarded_data)
        guard.active += 1
        _tracing_threads[ident] = _tracing_threads.get(ident, 0) + 1
    try:
        yield
    finally:
        with _lock:
            depth = _tracing_threads.pop(ident) - 1
            if depth:
                _tracing_threads[ident] = depth
            guard.active -= 1
            if guard.active == 0:
                type.__setattr__(Value, "data", _data_slot)
