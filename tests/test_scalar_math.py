"""The hints in the engine's error messages are calls that work.

Each case triggers an error, finds the suggested code in its message, and runs
that code on the same kind of Value that failed: a hint that raises (as
``abs(x)`` once did, before ``abs`` was a row) would send a learner from one
error to the next.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from autograd_core import DomainError, Value

CASES: list[tuple[str, Callable[[], object], type[Exception], dict[str, object], list[str]]] = [
    (
        "negative base, fractional exponent",
        lambda: Value(-2.0) ** 0.5, DomainError,
        {"x": Value(-2.0), "c": 0.5}, ["abs(x) ** c", "(x * x) ** (c / 2)"],
    ),
    (
        "zero to a negative power",
        lambda: Value(0.0) ** -1.5, ZeroDivisionError,
        {"x": Value(0.0), "c": -1.5}, ["(x + 1e-12) ** c"],
    ),
    (
        "division by zero",
        lambda: Value(1.0) / Value(0.0), ZeroDivisionError,
        {"x": Value(1.0), "y": Value(0.0)}, ["x / (y + 1e-12)"],
    ),
    (
        "Value exponent with a negative base",
        lambda: Value(-2.0) ** Value(2.0), DomainError,
        {"x": Value(-2.0)}, ["x ** 2.0"],
    ),
    (
        "exp overflow",
        lambda: Value(800.0).exp(), OverflowError,
        {"x": Value(800.0)}, [".sigmoid()"],
    ),
    (
        "sqrt of a negative number",
        lambda: Value(-4.0).sqrt(), DomainError,
        {"x": Value(-4.0)}, ["(x * x + 1e-12).sqrt()", "abs(x)"],
    ),
    (
        "sqrt at zero",
        lambda: Value(0.0).sqrt(), DomainError,
        {"x": Value(0.0)}, ["(x * x + 1e-12).sqrt()"],
    ),
]


@pytest.mark.parametrize(
    ("case", "trigger", "error", "names", "hints"), CASES, ids=[c[0] for c in CASES]
)
def test_every_suggested_call_runs(
    case: str,
    trigger: Callable[[], object],
    error: type[Exception],
    names: dict[str, object],
    hints: list[str],
) -> None:
    """The message contains each hint, and each hint evaluates to a finite Value."""
    with pytest.raises(error) as raised:
        trigger()
    message = str(raised.value)
    for hint in hints:
        assert hint in message, (case, hint, message)
        code = f"x{hint}" if hint.startswith(".") else hint
        result = eval(code, {}, dict(names))  # noqa: S307 - our own hint strings
        assert isinstance(result, Value), (case, hint)
        result.backward()  # and it is differentiable
