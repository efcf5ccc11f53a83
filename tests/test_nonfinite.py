"""No data and no gradient may silently be NaN or infinite (autograd_core.nonfinite).

Finite inputs can still overflow: forward, every operation checks its result;
backward, one sum over the leaves' gradients tells whether to look closer.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_core import DomainError, Value, compile_batch, gradients


def test_the_local_derivative_of_a_division_that_overflows_is_named() -> None:
    """a / b at a = 1e-300, b = 1e-305: y = 1e5 is fine, but -y/b = -1e310 is not: the error names it."""
    a, b = Value(1e-300, label="a"), Value(1e-305, label="b")
    y = a / b
    assert y.data == pytest.approx(1e5)
    with pytest.raises(
        FloatingPointError,
        match=r"d\(div#2\)/d\(b\) is not finite: at node div#2 = div\(a = 1e-300, b = 1e-305\).*"
        r"dy/db = -a/b\*\*2 = -y/b is -inf.*Rescale the inputs",
    ):
        y.backward()


def test_a_nan_from_two_infinite_contributions_is_traced_to_its_node() -> None:
    """log(x) * 1e10 - log(x) * 1e10 at x = 1e-300: 1/x times 1e10 overflows on each path."""
    x = Value(1e-300, label="x")
    loss = x.log() * 1e10 - x.log() * 1e10
    with pytest.raises(FloatingPointError, match=r"at node log#\d+ = log\(x = 1e-300\).*1/x = 9\.99.*e\+299 times the upstream gradient"):
        loss.backward()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: 1 / Value(1e-320), r"div \(y = a / b\): the inputs \(1\.0, 1e-320\) give inf"),
        (lambda: Value(1e200) * Value(1e200), r"mul .* give inf"),
        (lambda: Value(1e308) + 1e308, r"add .* give inf"),
        (lambda: Value(1e200).square(), r"square .* give inf"),
        (lambda: Value.sum([Value(1e308), Value(1e308)]), r"sum .* give inf"),
    ],
)
def test_a_forward_overflow_raises_where_it_happens(make, message: str) -> None:  # type: ignore[no-untyped-def]
    """No node is ever made with inf data: OverflowError names the operation and its inputs."""
    with pytest.raises(OverflowError, match=message):
        make()


def test_gradients_refuses_a_non_finite_result_too() -> None:
    """gradients() (no .grad involved) names the same node as backward()."""
    a, b = Value(1e-300, label="a"), Value(1e-305, label="b")
    with pytest.raises(FloatingPointError, match=r"gradients: the gradient d\(div#2\)/d\(b\)"):
        gradients(a / b, [a, b])


def test_a_summed_gradient_that_overflows_is_named() -> None:
    """Two finite contributions whose sum overflows: the message says so."""
    x = Value(1e-10, label="x")
    y = Value.sum([x * 1e308, x * 1e308])      # 2e298: fine; dy/dx = 2e308: not
    with pytest.raises(FloatingPointError, match=r"d\(sum#\d+\)/d\(x\) is not finite: adding the contribution"):
        y.backward()


def test_a_leaf_that_was_already_infinite_is_named() -> None:
    """A gradient set to inf by hand before backward(): the message says to zero the gradients."""
    x = Value(1.0, label="x")
    x.grad = math.inf
    with pytest.raises(FloatingPointError, match=r"x\.grad is inf: it was not finite before"):
        (x * 2.0).backward()


def test_a_large_but_finite_sum_of_leaf_gradients_is_no_false_alarm() -> None:
    """The leaves' check sum may overflow on its own; backward then finds every gradient finite and returns."""
    a, b = Value(1.0), Value(1.0)
    (a * 1e308 + b * 1e308 * 0.5).backward()
    assert a.grad == 1e308 and b.grad == 5e307


_UNARY = ("exp", "log", "tanh", "sigmoid", "relu", "square", "neg")
_BINARY = ("add", "sub", "mul", "div")


@st.composite
def _expressions(draw: st.DrawFn) -> tuple[list[float], list[tuple[str, int, int]]]:
    """Random programs on 3 inputs of extreme size: (inputs, steps of (op, i, j))."""
    magnitude = st.sampled_from([1e-320, 1e-305, 1e-300, 1e-150, 1e-10, 1.0, 1e10, 1e150, 1e300, 1e307])
    inputs = [draw(magnitude) * draw(st.sampled_from([1.0, -1.0, 0.5, 3.0])) for _ in range(3)]
    steps = []
    for position in range(draw(st.integers(1, 6))):
        available = 3 + position
        op = draw(st.sampled_from(_UNARY + _BINARY))
        steps.append((op, draw(st.integers(0, available - 1)), draw(st.integers(0, available - 1))))
    return inputs, steps


@settings(max_examples=400, deadline=None)
@given(_expressions())
def test_random_extreme_expressions_never_give_silent_non_finite_numbers(
    case: tuple[list[float], list[tuple[str, int, int]]],
) -> None:
    """Either an error is raised, or every data and every gradient is finite."""
    inputs, steps = case
    values = [Value(x) for x in inputs]
    try:
        for op, i, j in steps:
            a, b = values[i], values[j]
            if op in _BINARY:
                result = {"add": a + b, "sub": a - b, "mul": a * b}[op] if op != "div" else a / b
            else:
                result = -a if op == "neg" else getattr(a, op)()
            values.append(result)
        values[-1].backward()
    except (ArithmeticError, DomainError):
        return
    for value in values:
        assert math.isfinite(value.data) and math.isfinite(value.grad), (inputs, steps)


def test_compiled_mode_names_the_sample_and_the_node_of_an_overflow() -> None:
    """The program computes with arrays; the plain engine re-runs the first bad sample and names the node."""
    w = Value(1.0, label="w")
    program = compile_batch(lambda x: x[0] * x[1] * w, [w], (2,))
    with pytest.warns(RuntimeWarning), pytest.raises(OverflowError, match=r"BatchProgram: sample 1 of the batch: mul .*1e\+300, 1e\+300"):
        program.forward(np.array([[1.0, 1.0], [1e300, 1e300], [1.0, 2.0]]))
    tiny = Value(1e-300, label="tiny")
    program = compile_batch(lambda x: x[0] / tiny, [tiny], (1,), example=[[1e-300]])
    with pytest.warns(RuntimeWarning), pytest.raises(FloatingPointError, match=r"sample 0 of the batch: gradients: .*d\(div#2\)/d\(tiny\).*-inf"):
        program.gradient(np.array([1.0, 2.0]))
