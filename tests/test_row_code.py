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
