"""Tests generated from the table of operations: every row, checked against independent oracles.

Adding a row to ``OPERATIONS`` adds it to every test here: finite differences
over the row's domain, and PyTorch (installed in CI) where the row has a twin.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import pytest

from autograd_core import OPERATIONS, Operation, Value, gradcheck
from autograd_core.value import apply_operation
from table_cases import constants_of, sample_point

ROWS = list(OPERATIONS.values())








@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_row_gradients_match_finite_differences(row: Operation) -> None:
    """Backprop through one node of each row equals central differences over its domain."""
    rng = random.Random(row.name)
    for constant in constants_of(row):
        for _ in range(10):
            leaves = [Value(x, f"x{i}") for i, x in enumerate(sample_point(row, rng))]
            result = gradcheck(lambda *xs: apply_operation(row, xs, constant), leaves, rtol=1e-6)
            assert result.worst_relative_error < 1e-6


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_row_records_its_node(row: Operation) -> None:
    """A node made from a row stores the row's name, its parents in order and one local derivative each."""
    rng = random.Random(1)
    leaves = [Value(x) for x in sample_point(row, rng)]
    constant = constants_of(row)[0]
    node = apply_operation(row, leaves, constant)
    assert node.op == row.name
    assert node.parents == tuple(leaves)
    assert len(node.local_grads) == len(leaves)
    assert all(type(g) is float for g in node.local_grads)
    assert type(node.data) is float
    assert node.constant == constant


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_row_documents_itself(row: Operation) -> None:
    """Every row has a symbol, a formula, derivative text and a domain for each input."""
    assert row.symbol and row.formula.startswith("y =") and row.derivatives.startswith("dy/d")
    assert row.domain and all(low < high for low, high in row.domain)
    assert row.arity is None or len(row.domain) == row.arity


def test_apply_operation_checks_its_arguments() -> None:
    """Wrong input counts and a missing or extra constant are refused with the row's name."""
    with pytest.raises(ValueError, match="mul: takes 2 input"):
        apply_operation(OPERATIONS["mul"], [Value(1.0)])
    with pytest.raises(ValueError, match="pow: needs a constant"):
        apply_operation(OPERATIONS["pow"], [Value(1.0)])
    with pytest.raises(ValueError, match="exp: takes no constant"):
        apply_operation(OPERATIONS["exp"], [Value(1.0)], 2.0)
    with pytest.raises(ValueError, match="sum: needs at least one input"):
        apply_operation(OPERATIONS["sum"], [])


# ----- PyTorch as a second, independent oracle ---------------------------------------------
TORCH_TWINS: dict[str, Callable[..., Any]] = {
    "add": lambda t, a, b: a + b,
    "sub": lambda t, a, b: a - b,
    "mul": lambda t, a, b: a * b,
    "div": lambda t, a, b: a / b,
    "neg": lambda t, x: -x,
    "pow": lambda t, x, c: x**c,
    "powv": lambda t, a, b: a**b,
    "square": lambda t, x: x**2,
    "exp": lambda t, x: t.exp(x),
    "log": lambda t, x: t.log(x),
    "tanh": lambda t, x: t.tanh(x),
    "sigmoid": lambda t, x: t.sigmoid(x),
    "relu": lambda t, x: t.relu(x),
    "sum": lambda t, *xs: t.stack(xs).sum(),
    "sin": lambda t, x: t.sin(x),
    "cos": lambda t, x: t.cos(x),
    "sqrt": lambda t, x: t.sqrt(x),
    "abs": lambda t, x: t.abs(x),
    "maximum": lambda t, a, b: t.maximum(a, b),
    "minimum": lambda t, a, b: t.minimum(a, b),
    "leaky_relu": lambda t, x, c: t.nn.functional.leaky_relu(x, c),
    "softplus": lambda t, x: t.nn.functional.softplus(x),
    "log1p": lambda t, x: t.log1p(x),
    "expm1": lambda t, x: t.expm1(x),
}


@pytest.mark.parametrize("name", sorted(TORCH_TWINS))
def test_row_matches_pytorch(name: str) -> None:
    """Forward value and every local derivative agree with PyTorch float64 autograd to 1e-12."""
    torch = pytest.importorskip("torch")
    row = OPERATIONS[name]
    rng = random.Random(name)
    for constant in constants_of(row):
        for _ in range(5):
            point = sample_point(row, rng)
            leaves = [Value(x) for x in point]
            node = apply_operation(row, leaves, constant)
            node.backward()
            tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
            args = [*tensors, constant] if constant is not None else tensors
            out = TORCH_TWINS[name](torch, *args)
            out.backward()
            assert node.data == pytest.approx(out.item(), rel=1e-12, abs=1e-300)
            for leaf, tensor in zip(leaves, tensors):
                expected = 0.0 if tensor.grad is None else tensor.grad.item()
                assert leaf.grad == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_every_row_has_an_oracle_beyond_finite_differences() -> None:
    """Each elementary row has a PyTorch twin; only fused rows (checked elsewhere) may lack one."""
    missing = [name for name in OPERATIONS if name not in TORCH_TWINS]
    fused = {name for name in missing if "entropy" in name}
    assert set(missing) == fused, f"add a TORCH_TWINS entry for {sorted(set(missing) - fused)}"


def test_sigmoid_derivative_never_exceeds_a_quarter() -> None:
    """sigmoid's local derivative y(1 - y) peaks at 0.25 at x = 0 (SEEDS.md section 3)."""
    slopes = [Value(x / 10).sigmoid().local_grads[0] for x in range(-100, 101)]
    assert max(slopes) == 0.25
    assert Value(0.0).sigmoid().local_grads[0] == 0.25


def test_tanh_and_relu_local_derivatives() -> None:
    """tanh's derivative is 1 - y**2 and relu's is the unit step (0 at x = 0)."""
    y = Value(0.7).tanh()
    assert y.local_grads[0] == 1 - y.data**2
    assert [Value(x).relu().local_grads[0] for x in (-2.0, 0.0, 3.0)] == [0.0, 0.0, 1.0]


@pytest.mark.parametrize("x", [-800.0, -40.0, 0.0, 40.0, 800.0])
def test_sigmoid_is_stable_for_large_inputs(x: float) -> None:
    """sigmoid never overflows and stays within [0, 1]."""
    y = Value(x).sigmoid().data
    assert 0.0 <= y <= 1.0 and math.isfinite(y)
