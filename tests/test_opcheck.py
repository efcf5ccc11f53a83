"""check_operation: local derivatives against central differences, with the usual mistake named."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from autograd_core import OPERATIONS, check_operation, define_operation, remove_operation


@pytest.fixture
def define() -> Iterator[Callable[..., Any]]:
    """define_operation, with every row it made removed after the test."""
    made: list[str] = []

    def make(name: str, forward: Any, local_grads: Any, **options: Any) -> Any:
        operation = define_operation(name, forward, local_grads, **options)
        made.append(name)
        return operation

    yield make
    for name in made:
        remove_operation(name)


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_every_built_in_row_passes(name: str) -> None:
    """The table's own rows are right (the checker is not too strict)."""
    report = check_operation(name)
    assert report.passed, str(report)
    assert "fine" in " ".join(report.notes)


@pytest.mark.parametrize(
    ("forward", "local_grads", "hint"),
    [
        (lambda m, x: m.tanh(x), lambda m, y, x: (1.0 - x * x,), "trade places"),
        (lambda m, x: m.exp(x), lambda m, y, x: (x,), "trade places"),
        (lambda m, x: m.sin(2.0 * x), lambda m, y, x: (m.cos(2.0 * x),), "2 times yours"),
        (lambda m, x: m.sin(x * x), lambda m, y, x: (m.cos(x * x),), "changes from point to point"),
        (lambda m, x: m.cos(x), lambda m, y, x: (m.sin(x),), "minus the right one"),
        (lambda m, x: m.exp(2.0 * x), lambda m, y, x: (y,), "2 times yours"),
        (lambda m, x: m.sigmoid(x), lambda m, y, x: (y,), "equals the output y"),
    ],
    ids=["tanh-x-for-y", "exp-x-for-y", "chain-factor-2", "chain-factor-2x", "sign", "exp2x", "returned-y"],
)
def test_usual_mistakes_are_named(
    define: Callable[..., Any], forward: Any, local_grads: Any, hint: str
) -> None:
    """A wrong derivative fails, and the report says which usual mistake it looks like."""
    report = check_operation(define("wrong", forward, local_grads))
    assert not report.passed
    assert hint in str(report), str(report)
    assert "<-- wrong" in str(report)


def test_derivatives_in_the_wrong_order(define: Callable[..., Any]) -> None:
    """Two inputs with their derivatives swapped: the report says so for both."""
    op = define(
        "my_div", lambda m, a, b: a / b, lambda m, y, a, b: (-y / b, 1.0 / b),
        domain=[(-3.0, 3.0), (0.5, 3.0)],
    )
    text = str(check_operation(op))
    assert "it is the derivative towards input 1" in text
    assert "it is the derivative towards input 0" in text


def test_math_module_instead_of_m_is_caught_where_it_matters(define: Callable[..., Any]) -> None:
    """math.sin/math.cos pass on floats, but the report warns about higher order and compiling."""
    op = define("math_sin", lambda m, x: math.sin(x), lambda m, y, x: (math.cos(x),))
    report = check_operation(op)
    assert report.passed
    text = str(report)
    assert "second derivatives come out 0" in text
    assert "compiled mode: not available" in text and "m.sin(x) instead of math.sin(x)" in text


def test_a_domain_that_leaves_the_function_is_reported(define: Callable[..., Any]) -> None:
    """log drawn from (-3, 3) raises at some points: the report says to give a domain."""
    op = define("my_log", lambda m, x: m.log(x), lambda m, y, x: (1.0 / x,), domain=[(0.1, 3.0)])
    assert check_operation(op).passed
    wide = define("my_log_wide", lambda m, x: m.log(x), lambda m, y, x: (1.0 / x,), domain=[(0.5, 3.0)])
    object.__setattr__(wide.row, "domain", ((-3.0, 3.0),))
    report = check_operation(wide)
    assert not report.passed and "Give a domain= where it is defined" in str(report)


def test_checker_refuses_what_is_not_an_operation() -> None:
    """A plain function is not an operation: the message says what to pass."""
    with pytest.raises(TypeError, match="define_operation returned"):
        check_operation(lambda x: x)
