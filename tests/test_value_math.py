"""Tests for the Value math namespace: the differentiable twin of scalar_math."""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_core import (
    DomainError,
    Value,
    gradcheck,
    gradgradcheck,
    gradients,
    scalar_math,
    value_math,
)


def public_functions(module: ModuleType) -> set[str]:
    """Names of the functions a module defines itself and does not mark private."""
    return {
        name
        for name, member in vars(module).items()
        if inspect.isfunction(member)
        and member.__module__ == module.__name__
        and not name.startswith("_")
    }


#: Arguments to try for each namespace function (a list means "one sequence argument").
SAMPLE_ARGUMENTS: dict[str, list[tuple[Any, ...]]] = {
    "div": [(3.0, 4.0), (-1.5, 0.5)],
    "pow": [(2.0, 3.0), (1.7, 0.5), (-2.0, 2.0), (0.8, -1.5)],
    "powv": [(2.0, 0.5), (0.7, -1.2)],
    "exp": [(0.3,), (-2.0,)],
    "log": [(0.4,), (3.0,)],
    "tanh": [(0.3,), (-2.0,)],
    "sigmoid": [(0.3,), (-2.0,)],
    "relu": [(0.3,), (-2.0,)],
    "step": [(0.3,), (-2.0,), (0.0,)],
    "softplus": [(0.3,), (-2.0,), (5.0,)],
    "logsumexp": [([0.3, -1.0, 2.0],), ([1.5],)],
    "sin": [(0.3,), (-2.0,)],
    "cos": [(0.3,), (-2.0,)],
    "sqrt": [(0.3,), (4.0,)],
    "log1p": [(0.3,), (-0.5,), (1e-10,)],
    "expm1": [(0.3,), (-2.0,), (1e-10,)],
    "maximum": [(0.3, -1.0), (-2.0, 1.5)],
    "minimum": [(0.3, -1.0), (-2.0, 1.5)],
    "sign": [(0.3,), (-2.0,), (0.0,)],
    "xlogy": [(0.5, 2.0), (0.0, 0.0), (2.0, 0.3)],
    "heaviside": [(0.3,), (-2.0,), (0.0,)],
}


def as_values(name: str, arguments: tuple[Any, ...]) -> tuple[Any, ...]:
    """The same arguments as Value leaves (pow's exponent stays a fixed number)."""
    values = [[Value(x) for x in a] if isinstance(a, list) else Value(a) for a in arguments]
    if name == "pow":
        values[1] = arguments[1]
    return tuple(values)


def test_the_namespaces_expose_the_same_functions() -> None:
    """Every float function has a Value twin (and no extra), so a new table row cannot miss one."""
    assert public_functions(value_math) == public_functions(scalar_math)


def test_every_function_has_sample_arguments_here() -> None:
    """A function added to the namespaces must also be added to the samples of these tests."""
    assert set(SAMPLE_ARGUMENTS) == public_functions(scalar_math)


CASES = [(name, args) for name, samples in sorted(SAMPLE_ARGUMENTS.items()) for args in samples]


@pytest.mark.parametrize(("name", "arguments"), CASES, ids=[f"{n}{a}" for n, a in CASES])
def test_value_form_computes_the_same_number(name: str, arguments: tuple[Any, ...]) -> None:
    """On Values each function gives the float function's result (to rounding)."""
    expected = getattr(scalar_math, name)(*arguments)
    result = getattr(value_math, name)(*as_values(name, arguments))
    data = result.data if isinstance(result, Value) else result
    assert data == pytest.approx(expected, rel=1e-14, abs=1e-300)


#: Piecewise constant (plain floats, no graph) or piecewise linear: nothing to check twice.
PIECEWISE = ("step", "relu", "sign", "heaviside", "maximum", "minimum", "xlogy")
SMOOTH_CASES = [(n, a) for n, a in CASES if n not in PIECEWISE]


@pytest.mark.parametrize(
    ("name", "arguments"), SMOOTH_CASES, ids=[f"{n}{a}" for n, a in SMOOTH_CASES]
)
def test_value_form_is_differentiable_twice(name: str, arguments: tuple[Any, ...]) -> None:
    """The result is a graph: first and second derivatives match finite differences."""
    function: Callable[..., Value] = getattr(value_math, name)
    if name == "pow":  # the exponent is a fixed number; only the base is a variable
        exponent = arguments[1]
        variables = [Value(arguments[0])]

        def f(*xs: Value) -> Value:
            return function(xs[0], exponent)

    elif name == "logsumexp":  # one argument: a sequence of Values
        variables = [Value(x) for x in arguments[0]]

        def f(*xs: Value) -> Value:
            return function(list(xs))

    else:
        variables = [Value(x) for x in arguments]
        f = function
    gradcheck(f, variables)
    gradgradcheck(f, variables)


def test_sign_and_heaviside_are_plain_constants() -> None:
    """abs's and maximum's derivatives are floats: 0 at 0 for sign, 1/2 at a tie for heaviside."""
    assert [value_math.sign(Value(x)) for x in (-2.0, 0.0, 3.0)] == [-1.0, 0.0, 1.0]
    assert [value_math.heaviside(Value(x)) for x in (-2.0, 0.0, 3.0)] == [0.0, 0.5, 1.0]
    assert type(value_math.sign(Value(2.0))) is float
    assert type(value_math.heaviside(Value(2.0))) is float


def test_step_is_a_plain_constant() -> None:
    """relu's derivative is a float, not a node: its own derivative is 0 almost everywhere."""
    assert value_math.step(Value(2.0)) == 1.0
    assert value_math.step(Value(-2.0)) == 0.0
    assert value_math.step(Value(0.0)) == 0.0
    assert type(value_math.step(Value(2.0))) is float


def test_functions_build_nodes_from_the_table() -> None:
    """Each Value form records an ordinary node made by the matching row."""
    x = Value(0.5)
    assert value_math.exp(x).op == "exp"
    assert value_math.tanh(x).op == "tanh"
    assert value_math.div(x, 2.0).op == "div"
    assert value_math.pow(x, 3.0).op == "pow" and value_math.pow(x, 3.0).constant == 3.0
    assert value_math.pow(x, Value(3.0)).op == "powv"
    assert value_math.powv(x, 3.0).op == "powv"
    assert value_math.exp(x).parents == (x,)


def test_plain_numbers_are_accepted_as_constants() -> None:
    """Numbers mix in as constant leaves, as in a row's formula written with 1.0 and c."""
    assert value_math.div(1.0, Value(4.0)).data == 0.25
    assert value_math.exp(0.0).data == 1.0
    assert value_math.logsumexp([0.0, Value(0.0)]).data == pytest.approx(math.log(2.0))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: value_math.log(Value(-1.0)), DomainError, r"log: log\(-1.0\)"),
        (lambda: value_math.div(Value(1.0), Value(0.0)), ZeroDivisionError, "div: 1.0 / 0.0"),
        (lambda: value_math.powv(Value(-2.0), Value(0.5)), DomainError, "positive base"),
        (lambda: value_math.pow(Value(-2.0), 0.5), DomainError, "no real value"),
        (lambda: value_math.exp(Value(800.0)), OverflowError, "exp: exp"),
        (lambda: value_math.logsumexp([]), ValueError, "logsumexp: needs at least one"),
    ],
)
def test_domain_errors_are_the_float_errors(
    call: Callable[[], object], error: type[Exception], message: str
) -> None:
    """Outside a function's domain the Value form raises what the float form raises."""
    with pytest.raises(error, match=message):
        call()


@given(st.lists(st.floats(-1000.0, 1000.0), min_size=1, max_size=6))
@settings(max_examples=50, deadline=None)
def test_logsumexp_is_stable_and_its_gradient_is_the_softmax(xs: list[float]) -> None:
    """logsumexp of Values never overflows, and d/dxi = softmax_i (the shift is a constant)."""
    leaves = [Value(x) for x in xs]
    result = value_math.logsumexp(leaves)
    assert result.data == pytest.approx(scalar_math.logsumexp(xs), rel=1e-12, abs=1e-12)
    grads = gradients(result, leaves)
    softmax = [math.exp(x - scalar_math.logsumexp(xs)) for x in xs]
    assert grads == pytest.approx(softmax, rel=1e-9, abs=1e-12)


@given(st.floats(-700.0, 700.0))
@settings(max_examples=50, deadline=None)
def test_softplus_is_stable_and_its_derivatives_are_sigmoids(x: float) -> None:
    """softplus of a Value matches the float form; d/dx = sigmoid(x), d2/dx2 = sigmoid'(x)."""
    leaf = Value(x)
    result = value_math.softplus(leaf)
    # Without a log1p node the value is exact to about 1e-16 absolute, not relative.
    assert result.data == pytest.approx(scalar_math.softplus(x), rel=1e-12, abs=1e-15)
    (first,) = gradients(result, [leaf], create_graph=True)
    (second,) = gradients(first, [leaf])
    s = scalar_math.sigmoid(x)
    assert first.data == pytest.approx(s, rel=1e-9, abs=1e-300)
    assert second == pytest.approx(s * (1.0 - s), rel=1e-6, abs=1e-15)
