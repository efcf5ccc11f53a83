"""Tests for the compiled batch mode: the same gradients as the plain engine, over whole batches.

The oracle is the plain engine looping over the samples and adding their
losses (``Value.sum`` of the per-sample losses, then ``backward()``): the
compiled program must give the same batch loss and the same gradient for every
parameter, to about 1e-12 relative.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_core import OPERATIONS, Operation, Value, array_math, gradients
from autograd_core.compiler import BatchProgram, TraceError, compile_batch
from autograd_core.compiler.per_node import PerNodeProgram
from autograd_core.value import apply_operation

ROWS = list(OPERATIONS.values())


def engine_gradient(
    function: Callable[..., Value], parameters: Sequence[Value], *arrays: np.ndarray,
    mean: bool = False,
) -> tuple[float, np.ndarray]:
    """Batch loss and parameter gradients by the plain engine, one sample at a time."""
    saved = [p.grad for p in parameters]
    for p in parameters:
        p.grad = 0.0
    parts = [a[:, None] if a.ndim == 1 else a for a in arrays]
    losses = [
        function(*[[Value(float(x)) for x in part[i]] for part in parts]) for i in range(len(parts[0]))
    ]
    total = Value.sum(losses)
    root = total / len(losses) if mean else total
    root.backward()
    gradient = np.array([p.grad for p in parameters])
    for p, g in zip(parameters, saved):
        p.grad = g
    return root.data, gradient


def assert_close(got: np.ndarray, expected: np.ndarray, scale: float = 1.0) -> None:
    """Equal to 1e-12 relative (with an absolute floor of 1e-12 * scale for values near 0)."""
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12 * scale)


def small_mlp(sizes: Sequence[int], activation: str, rng: random.Random) -> tuple[Callable[..., list[Value]], list[Value]]:
    """A plain-Value MLP (no nn import needed): the model function and its parameters."""
    layers = [
        [([Value(rng.uniform(-1, 1)) for _ in range(nin)], Value(rng.uniform(-0.5, 0.5))) for _ in range(nout)]
        for nin, nout in pairwise(sizes)
    ]
    parameters = [p for layer in layers for weights, bias in layer for p in (*weights, bias)]

    def model(x: Sequence[Value]) -> list[Value]:
        h = list(x)
        for depth, layer in enumerate(layers):
            h = [Value.sum([w * xi for w, xi in zip(weights, h)] + [bias]) for weights, bias in layer]
            if depth < len(layers) - 1:
                h = [getattr(v, activation)() for v in h]
        return h

    return model, parameters


# ----- the table, row by row -------------------------------------------------------
def row_inputs(row: Operation) -> int:
    """How many inputs to give a row (n-ary rows: one per domain interval, or 3)."""
    if row.arity is not None:
        return row.arity
    return len(row.domain) if len(row.domain) > 1 else 3


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_every_row_compiles_to_the_engine_gradient(row: Operation) -> None:
    """Each row, fed by parameter-weighted inputs, gives the plain engine's batch loss and gradients."""
    rng = np.random.default_rng(0)
    count = row_inputs(row)
    intervals = row.domain if len(row.domain) == count else row.domain * count
    constants = list(row.constant_examples) or [None]
    for constant in constants:
        # Each input is w_i * x_i + b_i with w_i = 1, b_i = 0 at first: parameters reach every slot.
        weights = [Value(1.0) for _ in range(count)]
        biases = [Value(0.0) for _ in range(count)]
        parameters = [*weights, *biases]

        def loss(
            x: list[Value], constant: float | None = constant,
            weights: list[Value] = weights, biases: list[Value] = biases,
        ) -> Value:
            inputs = [w * xi + b for w, xi, b in zip(weights, x, biases)]
            return apply_operation(row, inputs, constant)

        X = np.column_stack([rng.uniform(lo + 0.05, hi - 0.05, size=5) for lo, hi in intervals])
        if row.kinks:
            X[np.abs(X - row.kinks[0]) < 0.05] += 0.1
        program = compile_batch(loss, parameters, (count,), example=(X[0],))
        expected_loss, expected = engine_gradient(loss, parameters, X)
        got_loss, got = program.gradient(X)
        assert got_loss == pytest.approx(expected_loss, rel=1e-12)
        assert_close(got, expected, scale=float(np.abs(expected).max()))


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_every_row_runs_on_arrays(row: Operation) -> None:
    """Each row's own formulas evaluated with array_math equal the scalar results sample by sample."""
    rng = np.random.default_rng(1)
    count = row_inputs(row)
    intervals = row.domain if len(row.domain) == count else row.domain * count
    columns = [rng.uniform(lo, hi, size=4) for lo, hi in intervals]
    extra = [row.constant_examples[0]] if row.takes_constant else []
    y = row.forward(array_math, *columns, *extra)
    local = row.local_grads(array_math, y, *columns, *extra)
    for sample in range(4):
        point = [Value(float(c[sample])) for c in columns]
        node = apply_operation(row, point, extra[0] if extra else None)
        assert float(np.asarray(y)[sample]) == pytest.approx(node.data, rel=1e-14, abs=1e-15)
        for derivative, expected in zip(local, node.local_grads):
            value = float(np.broadcast_to(derivative, (4,))[sample])
            assert value == pytest.approx(expected, rel=1e-14, abs=1e-15)


# ----- models and random graphs ---------------------------------------------------
@settings(max_examples=15, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 5), min_size=2, max_size=4),
    activation=st.sampled_from(["tanh", "sigmoid", "relu"]),
    batch=st.integers(1, 9),
    seed=st.integers(0, 10_000),
    mean=st.booleans(),
)
def test_random_mlps_match_the_plain_engine(
    sizes: list[int], activation: str, batch: int, seed: int, mean: bool
) -> None:
    """For random MLPs and batches, compiled batch loss and gradients equal the plain engine's."""
    rng = random.Random(seed)
    model, parameters = small_mlp(sizes, activation, rng)

    def loss(x: list[Value], t: list[Value]) -> Value:
        return Value.sum([(y - ti).square() for y, ti in zip(model(x), t)])

    data = np.random.default_rng(seed)
    X = data.normal(size=(batch, sizes[0]))
    T = data.normal(size=(batch, sizes[-1]))
    program = compile_batch(loss, parameters, (sizes[0], sizes[-1]), reduction="mean" if mean else "sum")
    expected_loss, expected = engine_gradient(loss, parameters, X, T, mean=mean)
    got_loss, got = program.gradient(X, T)
    assert got_loss == pytest.approx(expected_loss, rel=1e-12)
    assert_close(got, expected, scale=float(np.abs(expected).max()))


def random_graph(rng: random.Random, inputs: list[Value], parameters: list[Value], size: int) -> Value:
    """A random expression over inputs and parameters: shared nodes, repeated operands, every kind of op."""
    pool = [*inputs, *parameters]
    for _ in range(size):
        a, b = rng.choice(pool), rng.choice(pool)
        kind = rng.randrange(11)
        if kind == 0:
            node = a + b
        elif kind == 1:
            node = a - b
        elif kind == 2:
            node = a * b
        elif kind == 3:
            node = a / (1.0 + b.square())
        elif kind == 4:
            node = a.tanh()
        elif kind == 5:
            node = a.sigmoid()
        elif kind == 6:
            node = (1.0 + a.square()).log()
        elif kind == 7:
            node = Value.sum(rng.sample(pool, min(len(pool), rng.randint(1, 4))))
        elif kind == 8:
            node = a * a
        elif kind == 9:
            node = a.tanh().exp()
        else:
            node = (1.0 + a.square()) ** 1.5
        pool.append(node.tanh())
    return Value.sum(pool[-5:])


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 100_000), batch=st.integers(1, 6), size=st.integers(1, 25))
def test_random_graphs_match_the_plain_engine(seed: int, batch: int, size: int) -> None:
    """Random graphs with shared subexpressions and gathered inputs give the plain engine's gradients."""
    parameters = [Value(random.Random(seed + k).uniform(-1, 1)) for k in range(3)]

    def loss(x: list[Value]) -> Value:
        return random_graph(random.Random(seed), x, parameters, size)

    X = np.random.default_rng(seed).normal(size=(batch, 3))
    program = compile_batch(loss, parameters, (3,))
    expected_loss, expected = engine_gradient(loss, parameters, X)
    got_loss, got = program.gradient(X)
    assert got_loss == pytest.approx(expected_loss, rel=1e-12, abs=1e-12)
    assert_close(got, expected, scale=max(1.0, float(np.abs(expected).max())))
    _, per_node = PerNodeProgram(program.graph, parameters).gradient(X)
    assert_close(per_node, expected, scale=max(1.0, float(np.abs(expected).max())))


def test_mlp_layers_become_matrix_products() -> None:
    """An MLP's mul->sum pairs are fused, and the result still equals the plain engine."""
    model, parameters = small_mlp([3, 4, 2], "tanh", random.Random(3))

    def loss(x: list[Value]) -> Value:
        return Value.sum([y.square() for y in model(x)])

    program = compile_batch(loss, parameters, (3,))
    fused = [step for step in program.schedule.steps if step.fused_away]
    assert len(fused) == 2
    assert program.step_count <= 8
    X = np.random.default_rng(0).normal(size=(7, 3))
    assert_close(program.gradient(X)[1], engine_gradient(loss, parameters, X)[1], scale=10.0)


def test_an_l2_term_leaves_the_layers_their_layout_and_gathers_once() -> None:
    """hinge + alpha * sum(p * p): the layers read their weights as views, the L2
    term gathers the parameters once (not once per factor), and the gradient is
    the plain engine's."""
    model, parameters = small_mlp([2, 5, 4, 1], "relu", random.Random(7))

    def loss(x: list[Value], t: list[Value]) -> Value:
        hinge = (1 + -t[0] * model(x)[0]).relu()
        return hinge + 1e-2 * Value.sum([p * p for p in parameters])

    program = compile_batch(loss, parameters, (2, 1), reduction="mean")
    rng = np.random.default_rng(1)
    X, T = rng.normal(size=(9, 2)), np.sign(rng.normal(size=9))
    got_loss, got = program.gradient(X, T)
    expected_loss, expected = engine_gradient(loss, parameters, X, T, mean=True)
    assert got_loss == pytest.approx(expected_loss, rel=1e-13)
    assert_close(got, expected)
    takes = {
        step.size: [access.pattern for access in step.inputs]
        for step in program.schedule.steps
        if step.fused_away
    }
    assert takes[5 * 2][0] != "take" and takes[4 * 5][0] != "take"  # the layers' weights
    assert takes[len(parameters)] == ["take", "take"]  # the L2 term: p * p in model order
    runner = next(iter(program._runners.values()))
    l2 = next(
        what for step in runner.steps for _, _, what in getattr(step, "parts", ())
        if getattr(what, "inner", None) is not None and what.inner.step.size == len(parameters)
    )
    assert len(l2.inner.gathers) == 1 and l2.square_put is not None


def test_batch_of_one_equals_a_single_backward() -> None:
    """A batch of one sample gives exactly the gradients of one plain backward()."""
    model, parameters = small_mlp([2, 3, 1], "tanh", random.Random(5))

    def loss(x: list[Value], t: list[Value]) -> Value:
        return (model(x)[0] - t[0]).square()

    program = compile_batch(loss, parameters, (2, 1))
    x, t = np.array([[0.3, -0.7]]), np.array([0.25])
    expected_loss, expected = engine_gradient(loss, parameters, x, t)
    got_loss, got = program.gradient(x, t)
    assert got_loss == pytest.approx(expected_loss, rel=1e-13)
    assert_close(got, expected)


def test_backward_accumulates_into_the_model_parameters() -> None:
    """backward() adds the batch gradient into each parameter's grad, like a leaf of the plain engine."""
    model, parameters = small_mlp([2, 2, 1], "sigmoid", random.Random(1))

    def loss(x: list[Value]) -> Value:
        return model(x)[0]

    program = compile_batch(loss, parameters, (2,))
    X = np.array([[0.1, 0.2], [0.3, -0.4]])
    _, once = program.gradient(X)
    for p in parameters:
        p.grad = 0.0
    program.backward(X)
    program.backward(X)
    assert_close(np.array([p.grad for p in parameters]), 2 * once)


def test_mean_reduction_divides_by_the_batch_size() -> None:
    """With reduction="mean" the loss and gradients are the sum's divided by the batch size."""
    model, parameters = small_mlp([2, 3, 1], "tanh", random.Random(2))

    def loss(x: list[Value]) -> Value:
        return model(x)[0].square()

    X = np.random.default_rng(2).normal(size=(6, 2))
    total, gradient = compile_batch(loss, parameters, (2,)).gradient(X)
    mean, mean_gradient = compile_batch(loss, parameters, (2,), reduction="mean").gradient(X)
    assert mean == pytest.approx(total / 6, rel=1e-14)
    assert_close(mean_gradient, gradient / 6)


def test_forward_returns_every_output_per_sample() -> None:
    """A function returning [loss, *outputs] runs forward for all outputs and backward from the loss."""
    model, parameters = small_mlp([2, 3, 2], "tanh", random.Random(4))

    def per_sample(x: list[Value]) -> list[Value]:
        outputs = model(x)
        return [Value.sum([y.square() for y in outputs]), *outputs]

    program = compile_batch(per_sample, parameters, (2,))
    X = np.random.default_rng(4).normal(size=(5, 2))
    outputs = program.forward(X)
    assert outputs.shape == (5, 3)
    for row, x in zip(outputs, X):
        expected = [v.data for v in per_sample([Value(float(v)) for v in x])]
        np.testing.assert_allclose(row, expected, rtol=1e-13)
    assert_close(program.gradient(X)[1], engine_gradient(lambda x: per_sample(x)[0], parameters, X)[1], 10.0)


def test_parameters_stay_the_models_values() -> None:
    """After an update of p.data, the next run reads the new values (nothing is copied at compile time)."""
    w = Value(2.0)
    program = compile_batch(lambda x: (w * x[0]).square(), [w], (1,))
    assert program.loss(np.array([1.0, 2.0])) == pytest.approx(4.0 + 16.0)
    w.data = 3.0
    assert program.loss(np.array([1.0, 2.0])) == pytest.approx(9.0 + 36.0)


def test_describe_names_nodes_and_steps() -> None:
    """describe() says how many nodes became how many steps, and the reduction."""
    model, parameters = small_mlp([2, 2, 1], "tanh", random.Random(0))
    program = compile_batch(lambda x: model(x)[0], parameters, (2,))
    assert isinstance(program, BatchProgram)
    text = program.describe()
    assert f"{program.node_count} nodes" in text and "sum over samples" in text


# ----- errors -------------------------------------------------------------------
def tiny_program() -> tuple[BatchProgram, list[Value]]:
    w = Value(0.5)
    return compile_batch(lambda x, t: (w * x[0] + x[1] - t[0]).square(), [w], (2, 1)), [w]


def test_wrong_input_width_is_refused() -> None:
    """An array with the wrong number of columns raises ValueError naming the expected width."""
    program, _ = tiny_program()
    with pytest.raises(ValueError, match=r"array 0 has shape \(4, 3\).*takes 2 number"):
        program.gradient(np.zeros((4, 3)), np.zeros(4))


def test_nan_in_a_batch_is_refused() -> None:
    """NaN or infinity in a batch raises ValueError naming the sample and column."""
    program, _ = tiny_program()
    X = np.zeros((3, 2))
    X[2, 1] = np.nan
    with pytest.raises(ValueError, match="nan at sample 2, column 1"):
        program.gradient(X, np.zeros(3))
    with pytest.raises(ValueError, match="inf at sample 0, column 0"):
        program.forward(np.zeros((1, 2)), np.array([np.inf]))


def test_empty_batch_is_refused() -> None:
    """A batch without samples raises ValueError."""
    program, _ = tiny_program()
    with pytest.raises(ValueError, match="empty"):
        program.gradient(np.zeros((0, 2)), np.zeros(0))


def test_wrong_number_of_arrays_and_mismatched_lengths_are_refused() -> None:
    """Too few arrays, or arrays with different numbers of samples, raise ValueError."""
    program, _ = tiny_program()
    with pytest.raises(ValueError, match="takes 2 array"):
        program.gradient(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="different numbers of samples"):
        program.gradient(np.zeros((2, 2)), np.zeros(3))


def test_parameter_list_must_match_the_traced_one() -> None:
    """check_parameters refuses another count or another order of parameters."""
    a, b = Value(1.0), Value(2.0)
    program = compile_batch(lambda x: a * x[0] + b, [a, b], (1,))
    program.check_parameters([a, b])
    with pytest.raises(TraceError, match="traced with 2 parameters but given 1"):
        program.check_parameters([a])
    with pytest.raises(TraceError, match="parameter 0 is not the traced one"):
        program.check_parameters([b, a])


def test_data_dependent_branch_is_refused_when_tracing() -> None:
    """A function that branches on an input's .data is refused while tracing, naming the line."""
    w = Value(1.0)

    def branchy(x: list[Value]) -> Value:
        return w * x[0] if x[0].data > 0.5 else (w * x[0]).tanh()

    with pytest.raises(TraceError, match=r"reading \.data at .*test_compiled\.py, line \d+: return w"):
        compile_batch(branchy, [w], (1,))


def test_a_branch_no_placeholder_would_take_is_refused_too() -> None:
    """A branch both placeholder traces would miss (x > -5) is refused at compile time, not on data."""
    w = Value(1.0)

    def branchy(x: list[Value]) -> Value:
        return w * x[0] if x[0].data > -5.0 else (w * x[0]).tanh()

    with pytest.raises(TraceError, match="reads the number of a Value"):
        compile_batch(branchy, [w], (1,))


def test_a_number_frozen_from_the_data_is_detected() -> None:
    """A number computed from the input by the engine (a gradient) is a constant that differs between traces."""
    w = Value(1.0)

    def frozen(x: list[Value]) -> Value:
        (slope,) = gradients(x[0] * x[0], [x[0]])     # a float, 2 * x: frozen into the graph
        return w * slope

    with pytest.raises(TraceError, match="constant leaf"):
        compile_batch(frozen, [w], (1,))


def test_a_captured_value_that_is_not_a_parameter_is_refused() -> None:
    """A Value used by the function but missing from the parameter list raises TraceError."""
    w, forgotten = Value(1.0), Value(3.0, label="forgotten")
    with pytest.raises(TraceError, match="forgotten.*not in the parameter list"):
        compile_batch(lambda x: w * x[0] + forgotten, [w], (1,))


def test_an_operation_outside_the_table_is_refused() -> None:
    """A node made by hand with an unknown op cannot be vectorised: TraceError names the op."""
    w = Value(1.0)

    def handmade(x: list[Value]) -> Value:
        node = Value(0.0)
        node.parents, node.local_grads, node.op = (w, x[0]), (1.0, 1.0), "mystery"
        return node

    with pytest.raises(TraceError, match="'mystery'.*not a row of the operation table"):
        compile_batch(handmade, [w], (1,))


def test_an_operation_without_a_vectorised_form_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """If array_math lacks a function a row needs, compiling raises TraceError naming the row."""
    monkeypatch.delattr(array_math, "tanh")
    w = Value(1.0)
    with pytest.raises(TraceError, match="operation 'tanh' has no vectorised form"):
        compile_batch(lambda x: (w * x[0]).tanh(), [w], (1,))


def test_a_function_that_returns_no_value_is_refused() -> None:
    """Returning a plain number cannot be traced: TraceError says to return a Value."""
    with pytest.raises(TraceError, match="must return a Value"):
        compile_batch(lambda x: 3.0, [], (1,))


def test_domain_errors_name_the_operation_and_the_sample() -> None:
    """log of a non-positive value in some sample raises DomainError naming that sample."""
    w = Value(1.0)
    program = compile_batch(lambda x: (w * x[0]).log(), [w], (1,))
    with pytest.raises(ValueError, match=r"log\(-2\.0\).*sample 1"):
        program.gradient(np.array([1.0, -2.0, 3.0]))


def test_bad_arguments_to_compile_are_refused() -> None:
    """An unknown reduction or a duplicated parameter raises a clear error."""
    w = Value(1.0)
    with pytest.raises(ValueError, match="reduction"):
        compile_batch(lambda x: w * x[0], [w], (1,), reduction="median")  # type: ignore[arg-type]
    with pytest.raises(TraceError, match="listed twice"):
        compile_batch(lambda x: w * x[0], [w, w], (1,))


def test_readme_example_runs_and_learns() -> None:
    """The README's compiled-mode example runs and reaches the test accuracy it states."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Compiled batch mode")[1].split("\n## ")[0]
    code = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)[0]  # the training example
    namespace: dict[str, object] = {}
    exec(compile(code, "README compiled batch mode", "exec"), namespace)  # noqa: S102 - our README
    outputs, y_test = namespace["outputs"], namespace["y_test"]
    assert np.mean(np.argmax(outputs[:, 1:], axis=1) == y_test) >= 0.95  # type: ignore[index, call-overload]


def test_unverified_compile_gives_the_same_program() -> None:
    """verify=False skips the second trace and the gradient check but computes the same gradients."""
    model, parameters = small_mlp([3, 4, 1], "relu", random.Random(8))

    def loss(x: list[Value]) -> Value:
        return model(x)[0].square()

    X = np.random.default_rng(8).normal(size=(5, 3))
    checked = compile_batch(loss, parameters, (3,)).gradient(X)[1]
    unchecked = compile_batch(loss, parameters, (3,), verify=False).gradient(X)[1]
    np.testing.assert_array_equal(checked, unchecked)


def test_a_string_array_is_refused_with_a_message_naming_the_array() -> None:
    """Strings in a batch give a TypeError naming the BatchProgram, the array and what to do."""
    w = Value(1.0)
    program = compile_batch(lambda x: x[0] * w, [w], (1,))
    with pytest.raises(TypeError, match=r"BatchProgram: array 0 must hold numbers.*<U1.*astype\(float\)"):
        program.forward(np.array(["a", "b"]))


def test_a_batch_is_copied_in_as_runs_of_consecutive_rows_or_by_indexing() -> None:
    """Columns that land in consecutive rows become a few slices; scattered ones are indexed."""
    from autograd_core.compiler.program import _consecutive_runs

    # pixels in rows 10.., the target in rows 0..: two slices
    assert _consecutive_runs(np.array([10, 11, 12, 0, 1])) == [(0, 10, 3), (3, 0, 2)]
    assert _consecutive_runs(np.arange(4)) == [(0, 0, 4)]
    assert _consecutive_runs(np.array([0, -1, 1])) is None  # an unused column
    assert _consecutive_runs(np.arange(20)[::-1]) is None  # too scattered
