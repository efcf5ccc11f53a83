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
