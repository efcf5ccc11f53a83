"""Tests for the torch math namespace: array_math's functions on torch tensors, checked the same way.

PyTorch is optional; these tests skip where it is missing (CI installs it).
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="pip install torch")

from autograd_core import OPERATIONS, DomainError, Operation, array_math  # noqa: E402
from autograd_core import torch_math  # noqa: E402

ROWS = list(OPERATIONS.values())


def public_functions(module: object) -> set[str]:
    """Names of the functions a module defines itself (not the ones it imports)."""
    return {
        name
        for name, member in inspect.getmembers(module, inspect.isfunction)
        if not name.startswith("_") and member.__module__ == module.__name__  # type: ignore[attr-defined]
    }


def tensor(values: object) -> torch.Tensor:
    return torch.as_tensor(np.asarray(values, dtype=float))


def test_torch_math_has_every_function_of_array_math() -> None:
    """Every math function the array namespace offers the rows exists for tensors too."""
    # first_offender is the array namespace's helper for its messages, not a function rows call.
    missing = public_functions(array_math) - {"first_offender"} - public_functions(torch_math)
    assert not missing, f"torch_math lacks {sorted(missing)}: add their torch twins"


def row_inputs(row: Operation) -> int:
    """How many inputs to give a row (n-ary rows: one per domain interval, or 3)."""
    if row.arity is not None:
        return row.arity
    return len(row.domain) if len(row.domain) > 1 else 3


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_every_row_gives_the_same_numbers_on_tensors_as_on_arrays(row: Operation) -> None:
    """Each row's own formulas, run with torch_math, equal the array_math results to 1e-14."""
    rng = np.random.default_rng(7)
    count = row_inputs(row)
    intervals = row.domain if len(row.domain) == count else row.domain * count
    columns = [rng.uniform(lo, hi, size=(3, 5)) for lo, hi in intervals]
    for constant in list(row.constant_examples) or [None]:
        extra = [] if constant is None else [constant]
        y_array = row.forward(array_math, *columns, *extra)
        y_tensor = row.forward(torch_math, *(tensor(c) for c in columns), *extra)
        assert isinstance(y_tensor, torch.Tensor) and y_tensor.dtype == torch.float64
        np.testing.assert_allclose(y_tensor.numpy(), y_array, rtol=1e-14, atol=1e-15)
        local_array = row.local_grads(array_math, y_array, *columns, *extra)
        local_tensor = row.local_grads(torch_math, y_tensor, *(tensor(c) for c in columns), *extra)
        for got, expected in zip(local_tensor, local_array):
            got_numbers = got.numpy() if isinstance(got, torch.Tensor) else got
            np.testing.assert_allclose(
                np.broadcast_to(got_numbers, (3, 5)), np.broadcast_to(expected, (3, 5)),
                rtol=1e-14, atol=1e-15,
            )


def test_extreme_inputs_stay_finite() -> None:
    """sigmoid, softplus and logsumexp of +-1000 neither overflow nor lose the answer."""
    x = tensor([-1000.0, 0.0, 1000.0])
    assert torch.equal(torch_math.sigmoid(x), tensor([0.0, 0.5, 1.0]))
    assert torch.equal(torch_math.softplus(x), tensor([0.0, np.log(2.0), 1000.0]))
    assert float(torch_math.logsumexp([x, x])[2]) == pytest.approx(1000.0 + np.log(2.0))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: torch_math.log(tensor([[1.0, -2.0, 3.0]])), DomainError, r"log\(-2\.0\).*sample 1"),
        (lambda: torch_math.div(tensor([[1.0, 4.0]]), tensor([[2.0, 0.0]])), ZeroDivisionError,
         r"4\.0 / 0\.0.*sample 1"),
        (lambda: torch_math.exp(tensor([[800.0]])), OverflowError, r"exp\(800\.0\) overflows"),
        (lambda: torch_math.pow(tensor([[2.0, -1.0]]), 0.5), DomainError, "no real value"),
        (lambda: torch_math.pow(tensor([[0.0]]), -1.0), ZeroDivisionError, "divides by zero"),
        (lambda: torch_math.pow(tensor([[1e200]]), 3.0), OverflowError, "overflows"),
        (lambda: torch_math.powv(tensor([[-1.0]]), tensor([[2.0]])), DomainError, "positive base"),
        (lambda: torch_math.logsumexp([]), ValueError, "at least one input"),
    ],
)
def test_domain_problems_raise_the_array_namespaces_errors(
    call: object, error: type[Exception], message: str
) -> None:
    """Bad inputs raise the same error types and messages (value and sample) as array_math."""
    with pytest.raises(error, match=message):
        call()  # type: ignore[operator]
