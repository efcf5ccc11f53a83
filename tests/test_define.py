"""Learner-defined operations: one call adds a row, and every tool picks it up with no other code."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pytest

from autograd_core import (
    OPERATIONS,
    Value,
    check_operation,
    compile_batch,
    define_operation,
    explain,
    gradcheck,
    gradgradcheck,
    gradients,
    jvp,
    remove_operation,
    trace_backward,
)
from autograd_core.define import UserOperation


@pytest.fixture
def my_sin() -> Iterator[UserOperation]:
    """sin defined the way the notebook defines it, removed again after the test."""
    operation = define_operation(
        "my_sin",
        forward=lambda m, x: m.sin(x),
        local_grads=lambda m, y, x: (m.cos(x),),
        symbol="sin", formula="y = sin x", derivatives="dy/dx = cos x",
        domain=[(-4.0, 4.0)], method="my_sin",
    )
    yield operation
    remove_operation(operation, method="my_sin")


def test_the_row_joins_the_table_and_leaves_it_again(my_sin: UserOperation) -> None:
    """OPERATIONS holds the learner's row while it is defined."""
    assert OPERATIONS["my_sin"] is my_sin.row
    assert my_sin.row.symbol == "sin" and my_sin.row.arity == 1
    remove_operation("my_sin", method="my_sin")
    assert "my_sin" not in OPERATIONS and not hasattr(Value, "my_sin")
    define_operation("my_sin", lambda m, x: m.sin(x), lambda m, y, x: (m.cos(x),), method="my_sin")


def test_backward_gradcheck_and_jvp(my_sin: UserOperation) -> None:
    """The node stores cos x; backprop, finite differences and forward mode agree."""
    x = Value(0.5)
    y = my_sin(x) * x
    y.backward()
    assert y.parents[0].op == "my_sin" and y.parents[0].local_grads == (math.cos(0.5),)
    assert x.grad == pytest.approx(math.cos(0.5) * 0.5 + math.sin(0.5), rel=1e-15)
    assert gradcheck(lambda v: my_sin(v) * v, [Value(1.3)]).worst_relative_error < 1e-6
    assert jvp(lambda v: my_sin(v), [0.5], [2.0]) == pytest.approx((math.sin(0.5), 2 * math.cos(0.5)))


def test_method_form(my_sin: UserOperation) -> None:
    """method="my_sin" also makes x.my_sin()."""
    assert Value(1.0).my_sin().data == math.sin(1.0)  # type: ignore[attr-defined]


def test_higher_order_gradients_come_from_m(my_sin: UserOperation) -> None:
    """local_grads written with m: d2/dx2 sin = -sin, d3 = -cos, checked against differences too."""
    x = Value(0.8)
    (d1,) = gradients(my_sin(x), [x], create_graph=True)
    (d2,) = gradients(d1, [x], create_graph=True)
    (d3,) = gradients(d2, [x])
    assert (d1.data, d2.data, d3) == pytest.approx((math.cos(0.8), -math.sin(0.8), -math.cos(0.8)))
    gradgradcheck(lambda v: my_sin(v), [Value(0.3)])


def test_explain_trace_and_diagram_use_the_row(my_sin: UserOperation) -> None:
    """explain prints the formula, trace_backward the step, the diagram the symbol."""
    pytest.importorskip("graphviz", reason="pip install 'autograd-core[viz]'")
    from autograd_core import draw_graph

    x = Value(0.5, label="x")
    y = my_sin(x)
    y.label = "y"
    y.backward()
    assert "dy/dx = cos x = 0.877583    (y = sin x)" in explain(y, x)
    assert "x.grad += 0.877583 * 1  ->  x.grad = 0.877583" in trace_backward(y)
    source = draw_graph(y).source
    assert ">sin<" in source or "label=sin" in source or '"sin"' in source


def test_compiled_mode_runs_the_row_on_arrays(my_sin: UserOperation) -> None:
    """compile_batch picks the row up: the batch gradient equals the plain engine's."""
    w = Value(0.7)
    program = compile_batch(lambda x: my_sin(x[0] * w), [w], (1,))
    batch = np.array([0.1, -0.4, 1.5])
    loss, gradient = program.gradient(batch)
    assert loss == pytest.approx(sum(math.sin(0.7 * b) for b in batch), rel=1e-12)
    assert gradient[0] == pytest.approx(sum(b * math.cos(0.7 * b) for b in batch), rel=1e-12)


def test_two_inputs_and_a_constant() -> None:
    """A two-input row and a row with a fixed number work through the same call."""
    hypot = define_operation(
        "my_hypot",
        forward=lambda m, a, b: m.sqrt(a * a + b * b),
        local_grads=lambda m, y, a, b: (a / y, b / y),
        domain=[(0.5, 3.0), (0.5, 3.0)],
    )
    scaled = define_operation(
        "my_scale",
        forward=lambda m, x, c: c * x,
        local_grads=lambda m, y, x, c: (c,),
        constant_examples=(2.0, -0.5),
    )
    try:
        a, b = Value(3.0), Value(4.0)
        z = hypot(a, b)
        z.backward()
        assert (z.data, a.grad, b.grad) == (5.0, 0.6, 0.8)
        s = scaled(Value(1.5), constant=-2.0)
        assert (s.data, s.constant, s.local_grads) == (-3.0, -2.0, (-2.0,))
        assert check_operation(hypot).passed and check_operation(scaled).passed
    finally:
        remove_operation(hypot)
        remove_operation(scaled)


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        (("exp", lambda m, x: m.exp(x), lambda m, y, x: (y,)), ValueError, "built-in row.*'my_exp'"),
        (("my op", lambda m, x: x, lambda m, y, x: (1.0,)), ValueError, "identifier"),
        (("mine", lambda m, x: x.sin(), lambda m, y, x: (1.0,)), TypeError, r"write m\.sin\(x\)"),
        (("mine", lambda m, x: m.sin(x), lambda m, y, x: m.cos(x)), TypeError, "with the comma"),
        (("mine", lambda m, a, b: a * b, lambda m, y, a, b: (b,)), TypeError, "1 derivative.*for 2"),
        (("mine", lambda m, x: [x], lambda m, y, x: (1.0,)), TypeError, "one finite number"),
    ],
)
def test_mistakes_in_a_definition_are_refused_with_the_fix(
    arguments: tuple[object, ...], error: type[Exception], message: str
) -> None:
    """A built-in name, a bad name, Value methods on floats, a missing comma, a wrong count."""
    with pytest.raises(error, match=message):
        define_operation(*arguments)  # type: ignore[arg-type]
    assert "mine" not in OPERATIONS


def test_a_method_name_value_already_has_is_refused() -> None:
    """method="exp" would replace Value.exp: refused."""
    with pytest.raises(ValueError, match="Value already has 'exp'"):
        define_operation("my_exp", lambda m, x: m.exp(x), lambda m, y, x: (y,), method="exp")
    assert "my_exp" not in OPERATIONS


def test_built_in_rows_cannot_be_removed() -> None:
    """remove_operation only takes out learner rows."""
    with pytest.raises(ValueError, match="built-in"):
        remove_operation("tanh")
    with pytest.raises(KeyError):
        remove_operation("never_defined")
