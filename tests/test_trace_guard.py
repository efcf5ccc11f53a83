"""The trace-time guard: while compile_batch traces, user code may not take a number out of a Value.

Every test here would compile a silently wrong program on an engine without
the guard (or without the second trace at other parameter values).
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from autograd_core import TraceError, Value, compile_batch, gradients
from autograd_core.trace_guard import guard, is_tracing, refuse_number_read, tracing


def _data_is_the_plain_slot() -> bool:
    return type(Value.__dict__["data"]).__name__ == "member_descriptor"


def test_the_issue_example_branching_only_on_the_middle_sample_is_refused() -> None:
    """Samples 1, 10, 1: only sample 2 takes the other branch; compiling must not give 1, 10, 1."""
    w = Value(0.5)

    def f(x: list[Value]) -> Value:
        return x[0] * w if x[0].data > 5 else x[0] * 2.0 * w

    plain = [f([Value(s)]).data for s in (1.0, 10.0, 1.0)]
    assert plain == [1.0, 5.0, 1.0]
    with pytest.raises(TraceError, match=r"reading \.data at .*test_trace_guard\.py, line \d+"):
        program = compile_batch(f, [w], (1,))
        program.forward(np.array([1.0, 10.0, 1.0]))


@pytest.mark.parametrize(
    ("function", "what"),
    [
        (lambda x, w: x[0] * w if x[0] > 5 else x[0] * 2.0 * w, "comparison `v > other`"),
        (lambda x, w: x[0] * w if 5 < x[0] else x[0] * w * 2.0, "comparison `v > other`"),
        (lambda x, w: x[0] * w if x[0] else x[0] * 2.0, r"bool\(v\)"),
        (lambda x, w: (x[0] * w) or x[0], r"bool\(v\)"),
        (lambda x, w: max(x[0], w), "comparison"),
        (lambda x, w: x[0] * float(w), r"float\(v\)"),
        (lambda x, w: x[0] * w.data, r"reading \.data"),
        (lambda x, w: x[0] * np.float64(w), r"float\(v\)"),
    ],
)
def test_every_way_of_reading_a_number_is_refused(function, what: str) -> None:  # type: ignore[no-untyped-def]
    """Branches, comparisons, float() and .data on inputs or parameters raise TraceError naming the line."""
    w = Value(0.5)
    with pytest.raises(TraceError, match=what + r".*test_trace_guard\.py, line \d+"):
        compile_batch(lambda x: function(x, w), [w], (1,))
    assert _data_is_the_plain_slot() and guard.active == 0


def test_a_parameter_number_frozen_by_the_engine_is_caught_by_the_second_trace() -> None:
    """A gradient of w taken inside the function is a float the guard cannot see; tracing at other w catches it."""
    w = Value(0.5)

    def f(x: list[Value]) -> Value:
        (slope,) = gradients(w * w, [w])      # 2 w, a plain float: would not follow w's updates
        return x[0] * slope

    with pytest.raises(TraceError, match="constant leaf"):
        compile_batch(f, [w], (1,))
    assert w.data == 0.5, "the second trace restores the parameters"


def test_outside_tracing_the_protocols_read_the_data() -> None:
    """Comparisons, bool and float are plain numbers outside tracing, and == stays identity."""
    a, b = Value(2.0), Value(3.0)
    assert a < b and a <= 2 and b > a and b >= 3.0 and not a > 5 and 1 < b
    assert bool(Value(0.0)) is False and bool(a) is True and float(b) == 3.0
    assert a != Value(2.0) and len({a, Value(2.0)}) == 2
    with pytest.raises(TypeError):
        _ = a < "3"  # type: ignore[operator]


def test_engine_code_may_read_numbers_while_tracing() -> None:
    """relu's derivative and the nn layers read data inside autograd_core: compiling an MLP works."""
    from nn import MLP, squared_error

    model = MLP(2, [3, 1], activation="relu", seed=0)
    program = compile_batch(lambda x, t: squared_error(model(x), t), model.parameters(), (2, 1))
    X, T = np.array([[0.5, -1.0], [1.0, 2.0]]), np.array([1.0, 0.0])
    expected = sum(squared_error(model([Value(a), Value(b)]), [t]).data for (a, b), t in zip(X, T))
    assert program.loss(X, T) == pytest.approx(expected, rel=1e-12)


def test_other_threads_are_not_refused_while_one_traces() -> None:
    """A second thread reads .data, float() and compares while the first is inside the trace."""
    w = Value(0.5)
    inside, done = threading.Event(), threading.Event()
    seen: list[object] = []

    def reader() -> None:
        inside.wait(10)
        try:
            assert not is_tracing()
            seen.extend([w.data, float(w), w > 0.1, bool(w)])
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            seen.append(error)
        finally:
            done.set()

    def traced(x: list[Value]) -> Value:
        inside.set()
        assert done.wait(10), "the reader thread did not finish"
        return x[0] * w

    thread = threading.Thread(target=reader)
    thread.start()
    compile_batch(traced, [w], (1,), verify=False)
    thread.join(10)
    assert seen[:2] == [0.5, 0.5] and seen[2:] == [True, True], seen
    assert _data_is_the_plain_slot()


def test_two_threads_tracing_at_once_both_get_the_guard_and_clean_up() -> None:
    """Overlapping traces in two threads: each refuses its own reads; the plain slot comes back after both."""
    barrier = threading.Barrier(2, timeout=10)
    errors: list[BaseException] = []

    def compile_one() -> None:
        w = Value(0.5)

        def f(x: list[Value]) -> Value:
            barrier.wait()            # both threads are tracing now
            return x[0] * w.data

        try:
            compile_batch(f, [w], (1,), verify=False)
        except TraceError as error:
            errors.append(error)

    threads = [threading.Thread(target=compile_one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(errors) == 2
    assert guard.active == 0 and _data_is_the_plain_slot()


def test_refuse_number_read_is_the_shared_check() -> None:
    """The function other Value methods call: silent outside tracing, TraceError in user code inside."""
    refuse_number_read("v.item()")
    with tracing():
        assert is_tracing() and not _data_is_the_plain_slot()
        with pytest.raises(TraceError, match=r"v\.item\(\) at .*test_trace_guard\.py"):
            refuse_number_read("v.item()")
    assert not is_tracing() and _data_is_the_plain_slot()


def test_the_guard_is_removed_when_the_function_raises() -> None:
    """A traced function that fails leaves .data as the plain slot and the guard off."""
    def broken(x: list[Value]) -> Value:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        compile_batch(broken, [Value(1.0)], (1,))
    assert guard.active == 0 and _data_is_the_plain_slot()
    assert Value(2.0).data == 2.0
