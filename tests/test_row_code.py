"""Tests of the operators written out from the rows (autograd_core.row_code)."""

from __future__ import annotations

import inspect
import random

import pytest

from autograd_core import OPERATIONS, Operation, Value, scalar_math
from autograd_core.row_code import (
    binary_operator_source,
    method_source,
    row_formulas,
    unary_method_source,
)
from table_cases import sample_point

#: Value's operator or method for each row that has one written out.
METHODS = {
    "add": ["__add__", "__radd__"], "sub": ["__sub__", "__rsub__"],
    "mul": ["__mul__", "__rmul__"], "div": ["__truediv__", "__rtruediv__"],
    "neg": ["__neg__"], "square": ["square"], "exp": ["exp"], "log": ["log"],
    "tanh": ["tanh"], "sigmoid": ["sigmoid"], "relu": ["relu"], "sin": ["sin"],
    "cos": ["cos"], "sqrt": ["sqrt"], "abs": ["abs"], "maximum": ["maximum"],
    "minimum": ["minimum"], "softplus": ["softplus"], "log1p": ["log1p"], "expm1": ["expm1"],
}


def test_the_source_of_mul_shows_the_rows_formulas() -> None:
    """A learner can read what Value.__mul__ runs: the row's forward and local derivatives."""
    source = method_source(Value.__mul__)
    assert "result = a_data * b_data" in source
    assert "node._da, node._db = b_data, a_data" in source
    assert inspect.getsource(Value.__mul__).count("a_data * b_data") == 1


def test_every_written_out_row_uses_its_own_formulas() -> None:
    """The built-in one- and two-input rows are all written out with their formulas, not calls."""
    for name, methods in METHODS.items():
        assert row_formulas(OPERATIONS[name]) is not None, name
        for method in methods:
            assert "forward(" not in method_source(getattr(Value, method)), method


@pytest.mark.parametrize("name", sorted(METHODS))
def test_written_out_operators_give_the_rows_numbers_bit_for_bit(name: str) -> None:
    """Each operator's data and local derivatives are exactly what the row's functions give."""
    row = OPERATIONS[name]
    rng = random.Random(name)
    for _ in range(20):
        inputs = sample_point(row, rng)
        y = row.forward(scalar_math, *inputs)
        expected = (y, tuple(row.local_grads(scalar_math, y, *inputs)))
        for method in METHODS[name]:
            leaves = [Value(x) for x in inputs]
            if method.startswith("__r") and len(leaves) == 2:
                node = getattr(leaves[1], method)(leaves[0])
            else:
                node = getattr(leaves[0], method)(*leaves[1:])
            assert (node.data, node.local_grads) == expected, (method, inputs)
            assert node.parents == tuple(leaves) and node.op == name


def test_a_row_written_with_def_is_called_instead() -> None:
    """A row whose functions are not one-line lambdas gets the form with calls to them."""

    def forward(m: object, a: float, b: float) -> float:
        return a * b

    def local_grads(m: object, y: float, a: float, b: float) -> tuple[float, float]:
        return (b, a)

    row = Operation("times", 2, "x", "y = a * b", "dy/da = b, dy/db = a", forward,
                    local_grads, ((-1.0, 1.0), (-1.0, 1.0)))
    assert row_formulas(row) is None
    assert "result = forward(m, a_data, b_data)" in binary_operator_source(row, "times")
    unary = Operation("twice", 1, "2x", "y = 2x", "dy/dx = 2", lambda m, x: 2.0 * x,
                      lambda m, y, x: (2.0,), ((-1.0, 1.0),))
    assert "result = 2.0 * x_data" in unary_method_source(unary, "twice")


def test_method_source_says_which_methods_it_knows() -> None:
    """Asking for the source of a method that was not written out names it and says which are."""
    with pytest.raises(ValueError, match="Value.backward.*not an operator written from a row"):
        method_source(Value.backward)


def _graph(root: Value) -> list[tuple[str, float, tuple[float, ...], tuple[int, ...]]]:
    """A graph as (op, data, local derivatives, parent positions) in topological order."""
    from autograd_core import topological_order

    order = topological_order(root)
    position = {id(node): k for k, node in enumerate(order)}
    return [
        (node.op, node.data, node.local_grads, tuple(position[id(p)] for p in node.parents))
        for node in order
    ]


def test_sum_is_written_out_from_the_n_ary_row() -> None:
    """Value.sum runs the sum row's own formulas, and gives its numbers bit for bit."""
    source = method_source(Value.sum)
    assert "result = sum(inputs)  # the row's forward" in source
    assert "(1.0,) * len(inputs)" in source
    rng = random.Random(3)
    for count in (1, 2, 3, 17):
        leaves = [Value(rng.uniform(-3, 3)) for _ in range(count)]
        numbers = [leaf.data for leaf in leaves]
        node = Value.sum(leaves)
        row = OPERATIONS["sum"]
        assert node.data == row.forward(scalar_math, *numbers)
        assert node.local_grads == row.local_grads(scalar_math, node.data, *numbers)
        assert node.parents == tuple(leaves) and node.op == "sum"


@pytest.mark.parametrize("width", [1, 2, 16])
@pytest.mark.parametrize("with_bias", [True, False])
def test_weighted_sum_makes_the_nodes_of_the_plain_expression(width: int, with_bias: bool) -> None:
    """weighted_sum is Value.sum([w * x ...] + [b]): the same nodes, numbers and gradients."""
    rng = random.Random(width)
    weights = [Value(rng.uniform(-2, 2)) for _ in range(width)]
    inputs = [Value(rng.uniform(-2, 2)).tanh() for _ in range(width)]
    bias = Value(rng.uniform(-1, 1)) if with_bias else None
    fast = Value.weighted_sum(weights, inputs, bias)
    terms = [w * x for w, x in zip(weights, inputs)] + ([bias] if bias is not None else [])
    plain = Value.sum(terms)
    assert _graph(fast) == _graph(plain)
    fast.backward()
    fast_grads = [v.grad for v in weights + ([bias] if bias is not None else [])]
    for v in weights + ([bias] if bias is not None else []):
        v.grad = 0.0
    plain.backward()
    assert fast_grads == [v.grad for v in weights + ([bias] if bias is not None else [])]


def test_weighted_sum_with_numbers_or_without_recording_is_the_plain_expression() -> None:
    """Numbers become constant leaves, and no_grad() gives a leaf, exactly as written plainly."""
    from autograd_core import no_grad

    x = [Value(2.0), Value(-1.0)]
    with_numbers = Value.weighted_sum([0.5, 3.0], x, 1.0)
    assert _graph(with_numbers) == _graph(Value.sum([0.5 * x[0], 3.0 * x[1], 1.0]))
    with no_grad():
        leaf = Value.weighted_sum([Value(0.5), Value(3.0)], x, Value(1.0))
    assert leaf.data == -1.0 and leaf.parents == ()


def test_weighted_sum_refuses_mismatched_or_empty_inputs_and_names_overflow() -> None:
    """Bad input gets an error that names the function and what to fix."""
    with pytest.raises(ValueError, match="weighted_sum: 2 weights but 1 inputs"):
        Value.weighted_sum([Value(1.0), Value(2.0)], [Value(1.0)])
    with pytest.raises(ValueError, match="sum: needs at least one value"):
        Value.weighted_sum([], [])
    with pytest.raises(OverflowError, match="mul"):
        Value.weighted_sum([Value(1e200)], [Value(1e200)], Value(0.0))
