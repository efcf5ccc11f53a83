"""numerical_grad and gradcheck: the finite-difference oracle of SEEDS.md section 6."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd_core import DomainError, GradcheckError, Value, gradcheck, gradgradcheck, numerical_grad, step_size
from autograd_core.gradcheck import MACHINE_EPSILON


def test_machine_epsilon_is_numpys() -> None:
    """The epsilon is 2.220446049250313e-16, numpy.finfo(float).eps."""
    assert MACHINE_EPSILON == 2.220446049250313e-16 == np.finfo(float).eps


def test_step_is_sqrt_eps_times_w_with_a_floor() -> None:
    """h = sqrt(eps) * |w| for |w| >= 1, and sqrt(eps) for smaller |w| (including 0)."""
    root_eps = math.sqrt(MACHINE_EPSILON)
    assert step_size(100.0) == root_eps * 100.0
    assert step_size(-4.0) == root_eps * 4.0
    assert step_size(0.0) == root_eps == step_size(1e-30)


def test_numerical_gradient_of_the_seed_example() -> None:
    """Central differences reproduce dL/dw = 30, dL/db = 6, dL/dx = 60, dL/dyc = -6."""
    leaves = [Value(10.0), Value(5.0), Value(1.0), Value(48.0)]
    grads = numerical_grad(lambda w, x, b, yc: (w * x + b - yc).square(), leaves)
    assert grads == pytest.approx([30.0, 60.0, 6.0, -6.0], rel=1e-7)
    assert [v.data for v in leaves] == [10.0, 5.0, 1.0, 48.0]  # restored


def test_numerical_grad_restores_data_when_f_raises() -> None:
    """If f fails at a perturbed point, the input's data is restored anyway."""
    x = Value(0.0)
    with pytest.raises(DomainError, match="log"):
        numerical_grad(lambda v: v.log(), [x])
    assert x.data == 0.0


def test_gradcheck_passes_and_reports_the_worst_error() -> None:
    """A correct gradient passes with a tiny relative error and a readable table."""
    a, b = Value(1.5, "a"), Value(-0.5, "b")
    result = gradcheck(lambda a, b: (a * b).tanh() + a.exp() / b.square(), [a, b])
    assert result.passed and result.worst_relative_error < 1e-6
    assert "a" in str(result) and "worst relative error" in str(result)


def test_gradcheck_table_columns_line_up_with_long_names() -> None:
    """Names longer than the default column (a network's parameter names) keep the numbers aligned."""
    inputs = [Value(0.5, "layers.0.neurons.3.weights.1"), Value(-1.0, "b")]
    lines = str(gradcheck(lambda w, b: (w * b).tanh(), inputs)).splitlines()
    rows = lines[:3]  # the header and one line per input
    assert len({len(line) for line in rows}) == 1
    assert all(line.startswith(name) for line, name in zip(rows, ["input", *[v.label for v in inputs]]))


def test_gradcheck_keeps_the_callers_gradients() -> None:
    """gradcheck restores the inputs' grad fields afterwards."""
    x = Value(2.0)
    x.grad = 123.0
    gradcheck(lambda v: v * v, [x])
    assert x.grad == 123.0


def test_gradcheck_catches_a_wrong_derivative() -> None:
    """A node with a deliberately wrong local derivative fails with GradcheckError."""

    def wrong(v: Value) -> Value:
        y = v.exp()
        y.local_grads = (y.data * 1.01,)  # 1% off
        return y

    with pytest.raises(GradcheckError, match="mismatch"):
        gradcheck(wrong, [Value(0.3, "v")])
    result = gradcheck(wrong, [Value(0.3, "v")], raise_on_failure=False)
    assert not result.passed and result.worst_relative_error == pytest.approx(0.01 / 1.01, rel=1e-4)


def test_gradcheck_needs_a_value() -> None:
    """A function that returns a float cannot be backpropagated: TypeError."""
    with pytest.raises(TypeError, match="gradcheck: f must return a Value"):
        gradcheck(lambda v: 1.0, [Value(1.0)])


def test_large_losses_do_not_fail_spuriously() -> None:
    """The rounding noise of the difference (eps * |E| / h) is allowed for."""
    x = Value(3.0)
    gradcheck(lambda v: v * 1e6 + 1e9, [x])


def test_relative_step_rule_is_the_articles_sqrt_eps_times_abs_w() -> None:
    """step_rule="relative": h = sqrt(eps) * |w| (4.47e-9 at w = 0.3), floored only below |w| = 1e-3."""
    root_eps = math.sqrt(MACHINE_EPSILON)
    assert step_size(0.3, "relative") == root_eps * 0.3
    assert f"{step_size(0.3, 'relative'):.3g}" == "4.47e-09"
    assert f"{step_size(0.3):.3g}" == "1.49e-08"
    assert step_size(-50.0, "relative") == step_size(-50.0) == root_eps * 50.0
    assert step_size(0.0, "relative") == step_size(1e-9, "relative") == root_eps * 1e-3
    w = Value(0.3)
    relative = numerical_grad(lambda v: v.tanh(), [w], step_rule="relative")[0]
    assert relative == pytest.approx(1.0 - math.tanh(0.3) ** 2, rel=1e-7)
    assert gradcheck(lambda v: v.tanh() * v, [w], step_rule="relative").passed
    with pytest.raises(ValueError, match="unknown step_rule 'tiny'"):
        numerical_grad(lambda v: v.tanh(), [w], step_rule="tiny")


@pytest.mark.parametrize("check", [gradcheck, gradgradcheck, numerical_grad])
def test_plain_numbers_as_inputs_get_a_clear_type_error(check) -> None:  # type: ignore[no-untyped-def]
    """gradcheck(f, [1.0]) used to fail with AttributeError on float; now it names the input and the fix."""
    name = check.__name__
    with pytest.raises(TypeError, match=rf"{name}: inputs\[0\] must be a Value.*got float 1\.0.*Value\(1\.0\)"):
        check(lambda x: x * x, [1.0])
