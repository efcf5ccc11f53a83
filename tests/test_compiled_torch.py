"""Tests for compile_batch(..., backend="torch"): the same grouped steps on torch tensors.

The oracle is the NumPy backend (itself checked against the plain engine in
test_compiled.py): on the CPU in float64, losses, outputs and gradients must
agree to 1e-12 relative. PyTorch is optional; these tests skip where it is
missing (CI installs it).
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch", reason="pip install torch")

from autograd_core import OPERATIONS, DomainError, Operation, Value, torch_math  # noqa: E402
from autograd_core.compiler import TraceError, compile_batch  # noqa: E402
from autograd_core.value import apply_operation  # noqa: E402
from tests.test_compiled import assert_close, random_graph, row_inputs, small_mlp  # noqa: E402

ROWS = list(OPERATIONS.values())


def both_backends(function: object, parameters: list[Value], widths: tuple[int, ...], **options: object):  # type: ignore[no-untyped-def]
    """The same function compiled for NumPy and for torch on the CPU."""
    numpy_program = compile_batch(function, parameters, widths, **options)  # type: ignore[arg-type]
    torch_program = compile_batch(function, parameters, widths, backend="torch", **options)  # type: ignore[arg-type]
    return numpy_program, torch_program


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_every_row_runs_on_the_torch_backend(row: Operation) -> None:
    """Each row with an array form compiles for torch and gives the NumPy backend's loss and gradients."""
    rng = np.random.default_rng(0)
    count = row_inputs(row)
    intervals = row.domain if len(row.domain) == count else row.domain * count
    for constant in list(row.constant_examples) or [None]:
        weights = [Value(1.0) for _ in range(count)]
        biases = [Value(0.0) for _ in range(count)]
        parameters = [*weights, *biases]

        def loss(
            x: list[Value], constant: float | None = constant,
            weights: list[Value] = weights, biases: list[Value] = biases,
        ) -> Value:
            inputs = [w * xi + b for w, xi, b in zip(weights, x, biases)]
            return apply_operation(row, inputs, constant)

        X = np.column_stack([rng.uniform(lo + 0.05, hi - 0.05, size=6) for lo, hi in intervals])
        if row.kinks:
            X[np.abs(X - row.kinks[0]) < 0.05] += 0.1
        numpy_program, torch_program = both_backends(loss, parameters, (count,), example=(X[0],))
        expected_loss, expected = numpy_program.gradient(X)
        got_loss, got = torch_program.gradient(X)
        assert got_loss == pytest.approx(expected_loss, rel=1e-12)
        assert_close(got, expected, scale=float(np.abs(expected).max()))


@settings(max_examples=12, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 6), min_size=2, max_size=4),
    activation=st.sampled_from(["tanh", "sigmoid", "relu"]),
    batch=st.integers(1, 9),
    seed=st.integers(0, 10_000),
    mean=st.booleans(),
)
def test_random_mlps_give_the_numpy_results(
    sizes: list[int], activation: str, batch: int, seed: int, mean: bool
) -> None:
    """Random MLPs (matrix products, broadcasts): torch outputs, loss and gradients equal NumPy's to 1e-12."""
    model, parameters = small_mlp(sizes, activation, random.Random(seed))

    def per_sample(x: list[Value], t: list[Value]) -> list[Value]:
        outputs = model(x)
        return [Value.sum([(y - ti).square() for y, ti in zip(outputs, t)]), *outputs]

    data = np.random.default_rng(seed)
    X, T = data.normal(size=(batch, sizes[0])), data.normal(size=(batch, sizes[-1]))
    numpy_program, torch_program = both_backends(
        per_sample, parameters, (sizes[0], sizes[-1]), reduction="mean" if mean else "sum"
    )
    expected_loss, expected = numpy_program.gradient(X, T)
    got_loss, got = torch_program.gradient(X, T)
    assert got_loss == pytest.approx(expected_loss, rel=1e-12)
    assert_close(got, expected, scale=float(np.abs(expected).max()))
    np.testing.assert_allclose(torch_program.last_outputs, numpy_program.last_outputs, rtol=1e-12, atol=1e-12)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 100_000), batch=st.integers(1, 6), size=st.integers(1, 25))
# An add whose gradient is passed on into rows of the same store it is read
# from: torch refuses overlapping writes that NumPy buffers by itself.
@example(seed=77066, batch=1, size=17)
def test_random_graphs_give_the_numpy_results(seed: int, batch: int, size: int) -> None:
    """Shared subexpressions, gathered and repeated rows: the torch backend still equals NumPy."""
    parameters = [Value(random.Random(seed + k).uniform(-1, 1)) for k in range(3)]

    def loss(x: list[Value]) -> Value:
        return random_graph(random.Random(seed), x, parameters, size)

    X = np.random.default_rng(seed).normal(size=(batch, 3))
    numpy_program, torch_program = both_backends(loss, parameters, (3,))
    expected_loss, expected = numpy_program.gradient(X)
    got_loss, got = torch_program.gradient(X)
    assert got_loss == pytest.approx(expected_loss, rel=1e-12, abs=1e-12)
    assert_close(got, expected, scale=max(1.0, float(np.abs(expected).max())))


def test_backward_adds_into_the_model_parameters_on_torch() -> None:
    """backward() on the torch backend adds the batch gradient into p.grad, and reads updated p.data."""
    model, parameters = small_mlp([2, 3, 1], "tanh", random.Random(1))
    program = compile_batch(lambda x: model(x)[0].square(), parameters, (2,), backend="torch")
    X = np.random.default_rng(1).normal(size=(4, 2))
    _, once = program.gradient(X)
    for p in parameters:
        p.grad = 0.0
    program.backward(X)
    program.backward(X)
    assert_close(np.array([p.grad for p in parameters]), 2 * once)
    before = program.loss(X)
    parameters[0].data += 0.5
    assert program.loss(X) != before


def test_describe_names_the_backend_and_device() -> None:
    """describe() says that the steps run on torch and on which device."""
    w = Value(1.0)
    program = compile_batch(lambda x: (w * x[0]).tanh(), [w], (1,), backend="torch", device="cpu")
    assert "torch (cpu) steps" in program.describe()
    assert program.backend.name == "torch" and program.backend.device == "cpu"


def test_domain_errors_name_the_operation_and_the_sample_on_torch() -> None:
    """log of a non-positive value in some sample raises DomainError naming that sample, as with NumPy."""
    w = Value(1.0)
    program = compile_batch(lambda x: (w * x[0]).log(), [w], (1,), backend="torch")
    with pytest.raises(DomainError, match=r"log\(-2\.0\).*sample 1"):
        program.gradient(np.array([1.0, -2.0, 3.0]))


def test_a_row_without_a_torch_form_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """If torch_math lacks a function a row needs, compiling raises TraceError naming the row and torch_math."""
    monkeypatch.delattr(torch_math, "tanh")
    w = Value(1.0)
    with pytest.raises(TraceError, match="'tanh' has no vectorised form.*torch tensors.*torch_math"):
        compile_batch(lambda x: (w * x[0]).tanh(), [w], (1,), backend="torch")


def test_bad_backend_and_device_arguments_are_refused() -> None:
    """An unknown backend, a GPU for NumPy or a device torch does not know raise ValueError naming it."""
    w = Value(1.0)
    with pytest.raises(ValueError, match="backend must be one of 'numpy', 'torch', got 'jax'"):
        compile_batch(lambda x: w * x[0], [w], (1,), backend="jax")
    with pytest.raises(ValueError, match="device='cuda' needs backend='torch'"):
        compile_batch(lambda x: w * x[0], [w], (1,), device="cuda")
    with pytest.raises(ValueError, match="device='toaster' is not a device torch knows"):
        compile_batch(lambda x: w * x[0], [w], (1,), backend="torch", device="toaster")


def test_cuda_runs_the_same_program_or_says_why_it_cannot() -> None:
    """With a GPU, device='cuda' gives the CPU results; without one, a RuntimeError says what to do."""
    model, parameters = small_mlp([3, 4, 2], "tanh", random.Random(2))

    def loss(x: list[Value]) -> Value:
        return Value.sum([y.square() for y in model(x)])

    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="sees none.*device='cpu'"):
            compile_batch(loss, parameters, (3,), backend="torch", device="cuda")
        return
    X = np.random.default_rng(2).normal(size=(16, 3))
    cpu = compile_batch(loss, parameters, (3,), backend="torch").gradient(X)
    gpu = compile_batch(loss, parameters, (3,), backend="torch", device="cuda").gradient(X)
    assert gpu[0] == pytest.approx(cpu[0], rel=1e-12)
    assert_close(gpu[1], cpu[1], scale=float(np.abs(cpu[1]).max()))


def test_a_learner_defined_row_runs_on_the_torch_backend() -> None:
    """A row added with define_operation, written with m.sin and m.cos, compiles for torch and equals NumPy."""
    from autograd_core.define import define_operation, remove_operation

    sin_squared = define_operation(
        "torch_test_sin_squared", lambda m, x: m.sin(x) * m.sin(x),
        lambda m, y, x: (2.0 * m.sin(x) * m.cos(x),),
        formula="y = sin(x)**2", derivatives="dy/dx = 2 sin x cos x",
    )
    try:
        w = Value(0.7)
        numpy_program, torch_program = both_backends(lambda x: sin_squared(w * x[0]), [w], (1,))
        X = np.linspace(-2.0, 2.0, 9)
        expected_loss, expected = numpy_program.gradient(X)
        got_loss, got = torch_program.gradient(X)
        assert got_loss == pytest.approx(expected_loss, rel=1e-12)
        assert_close(got, expected, scale=float(np.abs(expected).max()))
    finally:
        remove_operation(sin_squared)
