"""no_grad: recording switches off inside and always comes back."""

from __future__ import annotations

import pytest

from autograd_core import Value, is_grad_enabled, no_grad


def test_inside_no_grad_nothing_is_recorded() -> None:
    """Every kind of operation makes leaves inside no_grad."""
    x = Value(2.0)
    with no_grad():
        assert not is_grad_enabled()
        results = [x + 1, x * x, x**2, x ** Value(2.0), x.exp(), x.log(), Value.sum([x, x]), -x]
    assert all(r.parents == () and r.op == "" and r.local_grads == () for r in results)
    assert is_grad_enabled()


def test_nesting_restores_the_outer_setting() -> None:
    """Nested no_grad blocks leave recording off until the outermost one exits."""
    with no_grad():
        with no_grad():
            pass
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_an_exception_still_restores_recording() -> None:
    """An error inside no_grad does not leave recording switched off."""
    with pytest.raises(ZeroDivisionError):
        with no_grad():
            Value(1.0) / 0
    assert is_grad_enabled()


def test_no_grad_as_a_decorator() -> None:
    """no_grad also decorates a function."""

    @no_grad()
    def evaluate(v: Value) -> Value:
        return v * 3

    assert evaluate(Value(1.0)).parents == ()


# ----- per thread and per asyncio task ------------------------------------------------
def test_no_grad_in_one_thread_does_not_stop_another_thread_recording() -> None:
    """Thread A sits inside no_grad while thread B builds and differentiates x * x."""
    import threading

    a_inside, b_done = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def thread_a() -> None:
        with no_grad():
            a_inside.set()
            b_done.wait(10)
            results["a_recording"] = is_grad_enabled()

    def thread_b() -> None:
        a_inside.wait(10)
        x = Value(3.0)
        (x * x).backward()
        results["b_grad"] = x.grad
        results["b_recording"] = is_grad_enabled()
        b_done.set()

    threads = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert results == {"a_recording": False, "b_grad": 6.0, "b_recording": True}


def test_interleaved_no_grad_blocks_of_two_threads_leave_recording_on() -> None:
    """A enters, B enters, A leaves, B leaves: afterwards every thread records again."""
    import threading

    steps = [threading.Event() for _ in range(4)]
    seen: dict[str, bool] = {}

    def thread_a() -> None:
        with no_grad():
            steps[0].set()          # A entered
            steps[1].wait(10)       # B entered
        seen["a_after"] = is_grad_enabled()
        steps[2].set()              # A left

    def thread_b() -> None:
        steps[0].wait(10)
        with no_grad():
            steps[1].set()
            steps[2].wait(10)
            seen["b_inside_after_a_left"] = is_grad_enabled()
        seen["b_after"] = is_grad_enabled()
        steps[3].set()

    threads = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert steps[3].is_set()
    assert seen == {"a_after": True, "b_inside_after_a_left": False, "b_after": True}
    x = Value(2.0)
    assert (x * x).parents == (x, x) and is_grad_enabled()


def test_each_asyncio_task_has_its_own_mode() -> None:
    """Two tasks interleave at awaits: the one inside no_grad records nothing, the other records."""
    import asyncio

    async def evaluating(entered: asyncio.Event, other_done: asyncio.Event) -> bool:
        with no_grad():
            entered.set()
            await other_done.wait()
            x = Value(1.0)
            return (x * 2).parents == ()

    async def training(entered: asyncio.Event, done: asyncio.Event) -> float:
        await entered.wait()
        x = Value(3.0)
        (x * x).backward()
        done.set()
        return x.grad

    async def main() -> tuple[bool, float, bool]:
        entered, done = asyncio.Event(), asyncio.Event()
        no_graph, grad = await asyncio.gather(evaluating(entered, done), training(entered, done))
        return no_graph, grad, is_grad_enabled()

    assert asyncio.run(main()) == (True, 6.0, True)


def test_enable_grad_records_inside_no_grad_and_restores() -> None:
    """enable_grad inside no_grad records; leaving it returns to no recording."""
    from autograd_core import enable_grad

    x = Value(2.0)
    with no_grad():
        with enable_grad():
            assert (x * x).parents == (x, x)
        assert (x * x).parents == ()
    assert is_grad_enabled()


def test_create_graph_inside_no_grad_still_builds_the_graph() -> None:
    """gradients(create_graph=True) inside no_grad: tanh''(0.5) = -0.7268619813835873, not 0."""
    import math

    from autograd_core import grad, gradients

    x = Value(0.5)
    y = x.tanh()                      # the graph of y is recorded outside
    with no_grad():
        (dy,) = gradients(y, [x], create_graph=True)
        (d2y,) = gradients(dy, [x])
        nested = grad(grad(lambda v: v.tanh()))(0.5)
    t = math.tanh(0.5)
    assert d2y == pytest.approx(-2 * t * (1 - t * t), rel=1e-12)
    assert d2y == pytest.approx(-0.7268619813835873, rel=1e-12)
    assert nested == pytest.approx(-0.7268619813835873, rel=1e-12)
    assert dy.parents != ()
