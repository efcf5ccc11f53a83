"""Tests for gradients(output, inputs, create_graph=...) and gradgradcheck.

Second derivatives are checked against three independent oracles: finite
differences of first derivatives (every row of the table, random graphs),
closed forms, and PyTorch's double backward on random graphs.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd_core import (
    OPERATIONS,
    GradcheckError,
    Operation,
    Value,
    gradgradcheck,
    gradients,
    no_grad,
    topological_order,
    value_math,
)
from autograd_core.higher_order import differentiable_local_grads
from autograd_core.value import apply_operation
from table_cases import constants_of, sample_point

ROWS = list(OPERATIONS.values())
NARY_INPUTS = 3  # inputs given to a row of any arity that declares one interval






# ----- random graphs, as small programs ------------------------------------------
# Each step combines two earlier nodes; the steps keep values in a range where
# every operation is smooth and finite (relu, with its kink, only where no
# finite difference is taken).
SMOOTH_STEPS: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1.0),
    "neg": lambda a, b: -a,
    "pow": lambda a, b: (a.tanh() + 2.0) ** 2.5,
    "powv": lambda a, b: (a.sigmoid() + 0.5) ** b.tanh(),
    "square": lambda a, b: a.square(),
    "exp": lambda a, b: a.tanh().exp(),
    "log": lambda a, b: (a * a + 1.0).log(),
    "tanh": lambda a, b: a.tanh(),
    "sigmoid": lambda a, b: a.sigmoid(),
    "sum": lambda a, b: type(a).sum([a, b, a]) if isinstance(a, Value) else a + b + a,
}
ALL_STEPS = {**SMOOTH_STEPS, "relu": lambda a, b: (a + b).relu()}

Program = list[tuple[str, int, int]]


@st.composite
def programs(draw: st.DrawFn, n_inputs: int, steps: tuple[str, ...]) -> Program:
    """A random program: up to 6 steps, each reading two earlier nodes."""
    program = []
    for k in range(draw(st.integers(1, 6))):
        name = draw(st.sampled_from(steps))
        program.append(
            (name, draw(st.integers(0, n_inputs + k - 1)), draw(st.integers(0, n_inputs + k - 1)))
        )
    return program


def run(program: Program, inputs: list[Any]) -> Any:
    """Evaluate a program on Values (or tensors); the last node is the output."""
    nodes = list(inputs)
    for name, i, j in program:
        nodes.append(ALL_STEPS[name](nodes[i], nodes[j]))
    return nodes[-1]


points = st.lists(st.floats(-1.5, 1.5), min_size=3, max_size=3)


# ----- every row of the table ----------------------------------------------------
@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_differentiable_local_grads_equal_the_stored_floats(row: Operation) -> None:
    """The row evaluated on Values gives the very numbers stored on the node at forward time."""
    rng = random.Random(row.name)
    for constant in constants_of(row):
        for _ in range(5):
            leaves = [Value(x) for x in sample_point(row, rng, nary_inputs=NARY_INPUTS)]
            node = apply_operation(row, leaves, constant)
            again = differentiable_local_grads(node)
            assert len(again) == len(node.local_grads)
            for value, stored in zip(again, node.local_grads):
                data = value.data if isinstance(value, Value) else value
                assert data == pytest.approx(stored, rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_second_derivatives_of_every_row_match_finite_differences(row: Operation) -> None:
    """d2y/dxi dxj of one node of each row equals central differences of its first derivatives."""
    rng = random.Random(row.name)
    for constant in constants_of(row):
        for _ in range(5):
            point = sample_point(row, rng, nary_inputs=NARY_INPUTS)
            leaves = [Value(x, f"x{i}") for i, x in enumerate(point)]
            gradgradcheck(lambda *xs, c=constant: apply_operation(row, xs, c), leaves)


def test_relu_second_derivative_is_zero_and_a_constant() -> None:
    """relu's derivative is a step, so its second derivative is 0 (no graph behind it)."""
    x = Value(0.7)
    (first,) = gradients(x.relu(), [x], create_graph=True)
    assert first.data == 1.0 and first.parents == ()
    assert gradients(first, [x]) == [0.0]


# ----- closed forms ---------------------------------------------------------------
@given(st.floats(-3.0, 3.0))
@settings(max_examples=50, deadline=None)
def test_tanh_derivatives_up_to_the_fourth_order(x: float) -> None:
    """Repeated create_graph gives tanh', tanh'', tanh''', tanh'''' in closed form."""
    t = math.tanh(x)
    expected = [
        1.0 - t * t,
        -2.0 * t * (1.0 - t * t),
        -2.0 * (1.0 - t * t) * (1.0 - 3.0 * t * t),
        8.0 * t * (1.0 - t * t) * (2.0 - 3.0 * t * t),
    ]
    leaf = Value(x)
    derivative = leaf.tanh()
    for order, closed_form in enumerate(expected, start=1):
        (derivative,) = gradients(derivative, [leaf], create_graph=True)
        assert derivative.data == pytest.approx(closed_form, rel=1e-9, abs=1e-12), order


def test_the_derivative_of_exp_is_the_exp_node_itself() -> None:
    """exp's local derivative is y, so d/dx e**x is the very node e**x: the graph shows why."""
    x = Value(1.3)
    y = x.exp()
    (first,) = gradients(y, [x], create_graph=True)
    assert first is y


def test_mixed_partials_of_a_product() -> None:
    """For f = x**2 * y: d2f/dx2 = 2y, d2f/dxdy = 2x, d2f/dy2 = 0."""
    x, y = Value(3.0), Value(-2.0)
    f = x.square() * y
    dx, dy = gradients(f, [x, y], create_graph=True)
    assert gradients(dx, [x, y]) == [-4.0, 6.0]
    assert gradients(dy, [x, y]) == [6.0, 0.0]


def test_gradient_with_respect_to_an_interior_node() -> None:
    """An interior node may be an input: d(h**3)/dh at h = x + 1."""
    x = Value(1.0)
    h = x + 1.0
    out = h**3
    (dh,) = gradients(out, [h], create_graph=True)
    assert dh.data == 12.0
    assert gradients(dh, [h, x]) == [12.0, 12.0]


def test_an_input_the_output_does_not_use_gets_zero() -> None:
    """Unused inputs get 0 (a float, or a constant leaf with create_graph)."""
    x, unused = Value(2.0), Value(5.0)
    out = x * x
    assert gradients(out, [unused]) == [0.0]
    (zero,) = gradients(out, [unused], create_graph=True)
    assert isinstance(zero, Value) and zero.data == 0.0 and zero.parents == ()


# ----- random graphs --------------------------------------------------------------
@given(programs(3, tuple(SMOOTH_STEPS)), points)
@settings(max_examples=60, deadline=None)
def test_grad_of_grad_matches_finite_differences_on_random_graphs(
    program: Program, point: list[float]
) -> None:
    """On random smooth graphs, second derivatives equal differences of first derivatives."""
    leaves = [Value(x) for x in point]
    gradgradcheck(lambda *xs: run(program, list(xs)), leaves, rtol=1e-4, atol=1e-5)


@given(programs(3, tuple(ALL_STEPS)), points)
@settings(max_examples=60, deadline=None)
def test_grad_of_grad_matches_pytorch_on_random_graphs(
    program: Program, point: list[float]
) -> None:
    """On random graphs (relu included), second derivatives equal PyTorch's double backward."""
    torch = pytest.importorskip("torch")
    leaves = [Value(x) for x in point]
    output = run(program, leaves)
    # PyTorch's backward of a ** b is a where(b == 0, 0, ...), which hides the
    # exponent's second-order term at b = 0 exactly; see the test after this one.
    assume(not any(n.op == "powv" and n.parents[1].data == 0.0 for n in topological_order(output)))
    first = gradients(output, leaves, create_graph=True)
    ours = [gradients(g, leaves) for g in first]

    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    out = run(program, tensors)
    torch_first = torch.autograd.grad(out, tensors, create_graph=True, allow_unused=True)
    for i, g in enumerate(torch_first):
        if g is None or not g.requires_grad:  # constant first derivative: a zero row
            expected = [0.0] * len(point)
        else:
            row = torch.autograd.grad(g, tensors, retain_graph=True, allow_unused=True)
            expected = [0.0 if r is None else r.item() for r in row]
        assert ours[i] == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_power_with_a_zero_exponent_has_its_full_second_derivative() -> None:
    """f = (sigmoid(x) + 0.5) ** tanh(x) at 0: f'' = 0.5 by finite differences (PyTorch says 0.25)."""
    x = Value(0.0)
    (first,) = gradients((x.sigmoid() + 0.5) ** x.tanh(), [x], create_graph=True)
    assert gradients(first, [x]) == [pytest.approx(0.5, rel=1e-12)]
    gradgradcheck(lambda v: (v.sigmoid() + 0.5) ** v.tanh(), [x])


@given(programs(3, tuple(ALL_STEPS)), points)
@settings(max_examples=60, deadline=None)
def test_without_create_graph_the_numbers_are_backwards(
    program: Program, point: list[float]
) -> None:
    """create_graph=False gives exactly what backward() leaves in .grad, and writes no .grad."""
    leaves = [Value(x) for x in point]
    out = run(program, leaves)
    result = gradients(out, leaves)
    assert all(leaf.grad == 0.0 for leaf in leaves)
    out.backward()
    assert result == [leaf.grad for leaf in leaves]
    assert all(type(g) is float for g in result)


@given(programs(3, tuple(ALL_STEPS)), points)
@settings(max_examples=60, deadline=None)
def test_with_create_graph_the_first_derivatives_are_the_same(
    program: Program, point: list[float]
) -> None:
    """create_graph=True returns Values whose data are the float gradients (to rounding)."""
    leaves = [Value(x) for x in point]
    out = run(program, leaves)
    floats = gradients(out, leaves)
    values = gradients(out, leaves, create_graph=True)
    assert all(isinstance(v, Value) for v in values)
    assert [v.data for v in values] == pytest.approx(floats, rel=1e-12, abs=1e-12)


def test_the_fast_path_and_the_graph_are_left_unchanged() -> None:
    """A differentiable pass changes no .grad, no stored local derivative, no later backward()."""
    w, x = Value(10.0), Value(5.0)
    loss = (w * x + 1.0 - 48.0).square()
    stored = [(node.data, node.local_grads) for node in (loss, *loss.parents)]
    loss.backward()
    assert (w.grad, x.grad) == (30.0, 60.0)
    first = gradients(loss, [w, x], create_graph=True)
    gradients(first[0], [w, x])
    assert (w.grad, x.grad) == (30.0, 60.0)
    assert stored == [(node.data, node.local_grads) for node in (loss, *loss.parents)]
    w.grad = x.grad = 0.0
    loss.backward()
    assert (w.grad, x.grad) == (30.0, 60.0)


@pytest.mark.parametrize("collector_on", [True, False])
def test_the_garbage_collector_setting_is_restored(collector_on: bool) -> None:
    """gradients() pauses the cyclic collector and restores the caller's setting, even on errors."""
    import gc

    was = gc.isenabled()
    try:
        gc.enable() if collector_on else gc.disable()
        x = Value(2.0)
        gradients(x.exp(), [x], create_graph=True)
        assert gc.isenabled() == collector_on
        with pytest.raises(ZeroDivisionError):
            gradients(Value(0.0) ** 1.5, [x], create_graph=True)  # pow's derivative at 0
        assert gc.isenabled() == collector_on
    finally:
        gc.enable() if was else gc.disable()


def test_backward_has_no_extra_parameters() -> None:
    """backward() has no create_graph: higher order lives in gradients(), not in the hot loop.

    Its one option is the seed, backward(gradient=g), as in PyTorch.
    """
    import inspect

    assert list(inspect.signature(Value.backward).parameters) == ["self", "gradient"]


# ----- bad input ------------------------------------------------------------------
def test_bad_arguments_raise_clear_errors() -> None:
    """A non-Value output or input, or a bare Value as inputs, raise TypeError naming the fix."""
    x = Value(1.0)
    with pytest.raises(TypeError, match="output must be a Value"):
        gradients(3.0, [x])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"Wrap it in a list: gradients\(output, \[x\]\)"):
        gradients(x * 2.0, x)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="input 1 must be a Value"):
        gradients(x * 2.0, [x, 2.0])  # type: ignore[list-item]


def test_a_non_finite_output_is_refused() -> None:
    """gradients() refuses an overflowed output, as backward() does."""
    x = Value(1e100)
    y = x * x
    y.data = float("inf")          # operations refuse to make it; set by hand
    with pytest.raises(FloatingPointError, match="gradients: the output is inf"):
        gradients(y, [x])


def test_a_derivative_outside_the_domain_raises() -> None:
    """For y = x**1.5 at 0, dy/dx = 1.5 x**0.5 has no derivative there: create_graph says so."""
    x = Value(0.0)
    y = x**1.5
    assert gradients(y, [x]) == [0.0]
    with pytest.raises(ZeroDivisionError, match=r"x \*\* 0\.5 at x = 0\.0 is 0\.0, but its derivative"):
        gradients(y, [x], create_graph=True)


def test_under_no_grad_create_graph_still_records_the_gradient_graph() -> None:
    """Inside no_grad() create_graph=True records the gradient's graph anyway (as PyTorch does)."""
    x = Value(2.0)
    y = x**3
    with no_grad():
        (first,) = gradients(y, [x], create_graph=True)
        (second,) = gradients(first, [x])
    assert first.data == 12.0 and first.parents != ()
    assert second == pytest.approx(12.0, rel=1e-12)     # d2/dx2 x**3 = 6x


# ----- gradgradcheck ----------------------------------------------------------------
def test_gradgradcheck_passes_and_reports_every_pair() -> None:
    """A correct graph passes, with one row d2/d(a)d(b) per pair of inputs."""
    a, b = Value(1.5, "a"), Value(-0.5, "b")
    result = gradgradcheck(lambda a, b: (a * b).tanh() + a.exp() / b.square(), [a, b])
    assert result.passed and result.worst_relative_error < 1e-6
    assert [row.name for row in result.rows] == [
        "d2/d(a)d(a)",
        "d2/d(a)d(b)",
        "d2/d(b)d(a)",
        "d2/d(b)d(b)",
    ]
    assert (a.data, b.data, a.grad, b.grad) == (1.5, -0.5, 0.0, 0.0)


def test_gradgradcheck_catches_a_wrong_second_derivative(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a wrong Value form of log, powv's second derivative is wrong and the check says so."""
    monkeypatch.setattr(value_math, "log", lambda x: 2.0 * x.log())
    a, b = Value(2.0, "a"), Value(0.5, "b")
    with pytest.raises(GradcheckError, match=r"d2/d\(b\)d\(b\).*<-- mismatch"):
        gradgradcheck(lambda a, b: a**b, [a, b])
    result = gradgradcheck(lambda a, b: a**b, [a, b], raise_on_failure=False)
    assert not result.passed


def test_gradgradcheck_needs_a_value() -> None:
    """f must return a Value (a graph), not a number."""
    with pytest.raises(TypeError, match="gradgradcheck: f must return a Value"):
        gradgradcheck(lambda x: 3.0, [Value(1.0)])  # type: ignore[arg-type, return-value]


def test_gradgradcheck_restores_the_inputs_when_f_raises() -> None:
    """If f fails at a shifted point, the input's data is put back."""
    x = Value(1.0)

    def fragile(v: Value) -> Value:
        if v.data != 1.0:
            raise RuntimeError("only defined at 1")
        return v * v

    with pytest.raises(RuntimeError):
        gradgradcheck(fragile, [x])
    assert x.data == 1.0
