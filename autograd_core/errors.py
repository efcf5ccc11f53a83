"""Errors raised by the engine.

Division by zero and overflow use Python's own ``ZeroDivisionError`` and
``OverflowError``; the engine only rewrites their messages so that they name the
operation and the value. ``DomainError`` covers the remaining "no real answer"
cases such as ``log(-1)``.
"""

from __future__ import annotations


class DomainError(ValueError):
    """An operation was given a value outside its mathematical domain."""


class GradcheckError(Exception):
    """Backpropagation and finite differences disagree beyond the tolerance."""


class TraceError(ValueError):
    """A function cannot be compiled into a batch program; the message says why."""
