"""Tests for forward mode: Dual numbers and jvp, against reverse mode and finite differences."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_core import OPERATIONS, DomainError, Dual, Operation, Value, gradients, jvp
from autograd_core.forward_mode import apply_dual
from autograd_core.value import apply_operation
from table_cases import constants_of, sample_point

ROWS = list(OPERATIONS.values())






# ----- random graphs, as small programs (run on Values and on Duals alike) --------
STEPS: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "rsub": lambda a, b: 1.0 - a,
    "mul": lambda a, b: a * b,
    "rmul": lambda a, b: 2.0 * a,
    "div": lambda a, b: a / (b * b + 1.0),
    "rdiv": lambda a, b: 1.0 / (a * a + 1.0),
    "neg": lambda a, b: -a,
    "pow": lambda a, b: (a.tanh() + 2.0) ** 2.5,
    "powv": lambda a, b: (a.sigmoid() + 0.5) ** b.tanh(),
    "rpow": lambda a, b: 2.0 ** a.tanh(),
    "square": lambda a, b: a.square(),
    "exp": lambda a, b: a.tanh().exp(),
    "log": lambda a, b: (a * a + 1.0).log(),
    "tanh": lambda a, b: a.tanh(),
    "sigmoid": lambda a, b: a.sigmoid(),
    "relu": lambda a, b: (a + b).relu(),
    "sum": lambda a, b: type(a).sum([a, b, a]),
}

Program = list[tuple[str, int, int]]


@st.composite
def programs(draw: st.DrawFn) -> Program:
    """A random program on 3 inputs: up to 8 steps, each reading two earlier nodes."""
    program = []
    for k in range(draw(st.integers(1, 8))):
        i, j = draw(st.integers(0, 2 + k)), draw(st.integers(0, 2 + k))
        program.append((draw(st.sampled_from(sorted(STEPS))), i, j))
    return program


def run(program: Program, inputs: list[Any]) -> Any:
    """Evaluate a program on Values or Duals; the last node is the output."""
    nodes = list(inputs)
    for name, i, j in program:
        nodes.append(STEPS[name](nodes[i], nodes[j]))
    return nodes[-1]


points = st.lists(st.floats(-1.5, 1.5), min_size=3, max_size=3)
directions = st.lists(st.floats(-2.0, 2.0), min_size=3, max_size=3)


# ----- every row of the table ----------------------------------------------------
@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_each_row_pushes_tangents_with_its_local_derivatives(row: Operation) -> None:
    """With unit tangent on input i, a row's output tangent is the node's local derivative i."""
    rng = random.Random(row.name)
    for constant in constants_of(row):
        point = sample_point(row, rng, nary_inputs=3)
        node = apply_operation(row, [Value(x) for x in point], constant)
        for i in range(len(point)):
            duals = [Dual(x, 1.0 if k == i else 0.0) for k, x in enumerate(point)]
            result = apply_dual(row, duals, constant)
            assert result.primal == node.data
            assert result.tangent == node.local_grads[i]


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_each_row_matches_finite_differences(row: Operation) -> None:
    """A row's directional derivative equals the central difference along a random direction."""
    rng = random.Random(row.name + "fd")
    for constant in constants_of(row):
        point = sample_point(row, rng, nary_inputs=3)
        direction = [rng.uniform(-1.0, 1.0) for _ in point]
        h = 1e-6
        upper = apply_dual(row, [x + h * v for x, v in zip(point, direction)], constant).primal
        lower = apply_dual(row, [x - h * v for x, v in zip(point, direction)], constant).primal
        tangent = apply_dual(row, [Dual(x, v) for x, v in zip(point, direction)], constant).tangent
        assert tangent == pytest.approx((upper - lower) / (2 * h), rel=1e-6, abs=1e-8)


def test_dual_has_a_method_for_every_row_value_has_one_for() -> None:
    """Functions written with Value methods run on Duals: same method names for the same rows."""
    methods = {name for name in OPERATIONS if callable(getattr(Value, name, None))}
    missing = sorted(name for name in methods if not callable(getattr(Dual, name, None)))
    assert not missing, f"add these methods to Dual: {missing}"
    for operator in (
        "__add__",
        "__radd__",
        "__sub__",
        "__rsub__",
        "__mul__",
        "__rmul__",
        "__truediv__",
        "__rtruediv__",
        "__pow__",
        "__rpow__",
        "__neg__",
    ):
        assert hasattr(Dual, operator)


# ----- jvp against reverse mode ---------------------------------------------------
@given(programs(), points, directions)
@settings(max_examples=100, deadline=None)
def test_jvp_equals_the_gradient_dotted_with_the_direction(
    program: Program, point: list[float], direction: list[float]
) -> None:
    """On random graphs, one forward pass gives grad f . v, as reverse mode computes it."""
    value, tangent = jvp(lambda *xs: run(program, list(xs)), point, direction)
    leaves = [Value(x) for x in point]
    output = run(program, leaves)
    grad = gradients(output, leaves)
    assert value == output.data
    expected = sum(g * v for g, v in zip(grad, direction))
    scale = sum(abs(g * v) for g, v in zip(grad, direction))
    assert tangent == pytest.approx(expected, rel=1e-9, abs=1e-12 + 1e-12 * scale)


@given(programs(), points)
@settings(max_examples=50, deadline=None)
def test_n_forward_passes_give_the_whole_gradient(program: Program, point: list[float]) -> None:
    """With v the unit vectors, n jvps give the n partial derivatives that one backward gives."""
    leaves = [Value(x) for x in point]
    output = run(program, leaves)
    output.backward()
    for i, leaf in enumerate(leaves):
        unit = [1.0 if k == i else 0.0 for k in range(len(point))]
        _, partial = jvp(lambda *xs: run(program, list(xs)), point, unit)
        assert partial == pytest.approx(leaf.grad, rel=1e-9, abs=1e-12)


def test_jvp_on_the_seed_example() -> None:
    """Moving only w: dL/dw = 30 at x=5, w=10, b=1, yc=48; along (1,1,1,1): 60+30+6-6 = 90."""
    L = lambda x, w, b, yc: (w * x + b - yc).square()
    assert jvp(L, [5.0, 10.0, 1.0, 48.0], [0.0, 1.0, 0.0, 0.0]) == (9.0, 30.0)
    assert jvp(L, [5.0, 10.0, 1.0, 48.0], [1.0, 1.0, 1.0, 1.0]) == (9.0, 90.0)


def test_jvp_matches_pytorch() -> None:
    """A function using every smooth method agrees with PyTorch's jvp."""
    torch = pytest.importorskip("torch")

    def f(x: Any, y: Any) -> Any:
        return (
            (x * y).tanh()
            + (y / (x * x + 1.0)).exp()
            + (x.sigmoid() + 0.5) ** y
            - (y.square() + 1.0).log()
            + x**3.0
        )

    point, direction = (0.4, -0.7), (0.3, 1.1)
    ours = jvp(f, point, direction)
    # (torch.func.jvp and forward_ad would be the forward-mode twins, but they take
    # seconds to set up; functional.jvp gets the same numbers by double backward.)
    value, tangent = torch.autograd.functional.jvp(
        f,
        tuple(torch.tensor(x, dtype=torch.float64) for x in point),
        tuple(torch.tensor(v, dtype=torch.float64) for v in direction),
    )
    assert ours == pytest.approx((value.item(), tangent.item()), rel=1e-12)


# ----- Dual arithmetic ------------------------------------------------------------
def test_dual_arithmetic_follows_the_rules_of_derivatives() -> None:
    """(x**2 + 3x)' = 2x + 3, numbers mix in on either side, and methods compose."""
    x = Dual(2.0, 1.0)
    y = x * x + 3 * x
    assert (y.primal, y.tangent) == (10.0, 7.0)
    for result, value, slope in [
        (1 - x, -1.0, -1.0),
        (x / 4, 0.5, 0.25),
        (8 / x, 4.0, -2.0),
        (x**3, 8.0, 12.0),
        (2**x, 4.0, 4.0 * math.log(2.0)),
        (-x, -2.0, -1.0),
        (np.float64(2.0) * x, 4.0, 2.0),
        (x.square().log(), math.log(4.0), 1.0),
        (Dual.sum([x, x, 1.0]), 5.0, 2.0),
    ]:
        assert result.primal == pytest.approx(value) and result.tangent == pytest.approx(slope)


def test_builtin_sum_works_on_duals() -> None:
    """sum() starts from 0 and adds with __radd__, as for Values."""
    x = Dual(1.0, 1.0)
    total = sum([x, x, x])
    assert isinstance(total, Dual) and (total.primal, total.tangent) == (3.0, 3.0)


def test_repr_and_float() -> None:
    """A Dual shows both parts, and float() gives the primal."""
    assert repr(Dual(1.5, 2.0)) == "Dual(primal=1.5, tangent=2.0)"
    assert float(Dual(1.5, 2.0)) == 1.5


# ----- bad input ------------------------------------------------------------------
def test_bad_input_raises_clear_errors() -> None:
    """Mismatched lengths, NaN, a Value in a Dual, a bad output, domain errors: clear messages."""
    with pytest.raises(ValueError, match="jvp: got 2 primal"):
        jvp(lambda x, y: x * y, [1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="Dual: got nan"):
        Dual(float("nan"))
    with pytest.raises(TypeError, match="cannot mix a Value with a Dual"):
        Dual(1.0, 1.0) * Value(2.0)
    with pytest.raises(TypeError, match="jvp: f must return one number"):
        jvp(lambda x: [x], [1.0], [1.0])
    with pytest.raises(DomainError, match=r"log: log\(-1.0\)"):
        jvp(lambda x: x.log(), [-1.0], [1.0])
    with pytest.raises(ValueError, match="sum: needs at least one input"):
        Dual.sum([])
    with pytest.raises(ValueError, match="add: takes 2 input"):
        apply_dual(OPERATIONS["add"], [1.0])
    with pytest.raises(ValueError, match="pow: needs a constant"):
        apply_dual(OPERATIONS["pow"], [1.0])


def test_a_function_that_ignores_its_inputs_has_zero_tangent() -> None:
    """f returning a plain number gives (that number, 0.0)."""
    assert jvp(lambda x: 3.0, [1.0], [1.0]) == (3.0, 0.0)


# ----- functions that need Values: grad inside, Value.sum, nn layers --------------------------
def _central_difference(f: Any, point: list[float], direction: list[float], h: float = 1e-6) -> float:
    ahead = f(*[x + h * v for x, v in zip(point, direction)])
    behind = f(*[x - h * v for x, v in zip(point, direction)])
    return (float(ahead) - float(behind)) / (2 * h)


def test_jvp_of_a_gradient_is_a_hessian_vector_product() -> None:
    """Forward over reverse (HIPS check_grads): jvp(grad(f)) = f'' along v, to differences."""
    from autograd_core import grad, hessian

    f = lambda x, y: (x * y).sin() + x.exp() * y  # noqa: E731
    point, direction = [0.7, -0.4], [1.0, 0.5]
    value, tangent = jvp(grad(f, argnums=0), point, direction)
    rows = hessian(f)(*point)
    assert value == pytest.approx(grad(f, argnums=0)(*point), rel=1e-15)
    assert tangent == pytest.approx(rows[0][0] * 1.0 + rows[0][1] * 0.5, rel=1e-12)
    assert tangent == pytest.approx(
        _central_difference(grad(f, argnums=0), point, direction), rel=1e-6
    )


def test_jvp_through_value_sum() -> None:
    """Value.sum inside f: jvp gives the directional derivative instead of a TypeError."""
    f = lambda a, b, c: Value.sum([a * b, b.tanh(), c.square()])  # noqa: E731
    point, direction = [0.3, -1.2, 2.0], [1.0, -1.0, 0.5]
    value, tangent = jvp(f, point, direction)
    assert value == pytest.approx(f(*[Value(x) for x in point]).data, rel=1e-15)
    expected = _central_difference(lambda *xs: f(*[Value(x) for x in xs]).data, point, direction)
    assert tangent == pytest.approx(expected, rel=1e-6)


def test_jvp_through_an_nn_model() -> None:
    """An MLP's output along a direction of its inputs, weights held fixed, matches differences."""
    from nn import MLP

    model = MLP(3, [4, 1], activation="tanh", seed=0)
    f = lambda *xs: model(list(xs))[0]  # noqa: E731
    point, direction = [0.5, -0.2, 1.0], [0.0, 1.0, -1.0]
    value, tangent = jvp(f, point, direction)
    assert value == pytest.approx(f(*point).data, rel=1e-15)
    expected = _central_difference(lambda *xs: f(*xs).data, point, direction)
    assert tangent == pytest.approx(expected, rel=1e-6)
    assert all(p.grad == 0.0 for p in model.parameters())  # jvp leaves .grad alone


def test_jvp_of_a_list_output_says_which_output() -> None:
    """A model's list of outputs is refused with the fix."""
    from nn import MLP

    model = MLP(2, [2], activation="tanh", seed=0)
    with pytest.raises(TypeError, match=r"pick one output, e.g. model\(x\)\[0\]"):
        jvp(lambda a, b: model([a, b]), [0.1, 0.2], [1.0, 0.0])
