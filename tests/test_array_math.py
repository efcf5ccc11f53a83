"""Tests for the array math namespace: the scalar namespace's functions, vectorised and checked."""

from __future__ import annotations

import inspect
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_core import DomainError, array_math, scalar_math


def public_functions(module: object) -> set[str]:
    """Names of the functions a module defines itself (not the ones it imports)."""
    return {
        name
        for name, member in inspect.getmembers(module, inspect.isfunction)
        if not name.startswith("_") and member.__module__ == module.__name__  # type: ignore[attr-defined]
    }


def test_namespaces_expose_the_same_functions() -> None:
    """Every function of scalar_math exists in array_math, so every table row can run on arrays."""
    missing = public_functions(scalar_math) - public_functions(array_math)
    assert not missing, f"array_math lacks {sorted(missing)}"


ELEMENTWISE = {
    "exp": (-20.0, 20.0),
    "log": (0.01, 50.0),
    "tanh": (-20.0, 20.0),
    "sigmoid": (-40.0, 40.0),
    "relu": (-5.0, 5.0),
    "step": (-5.0, 5.0),
    "softplus": (-40.0, 40.0),
    "sin": (-20.0, 20.0),
    "cos": (-20.0, 20.0),
    "sqrt": (0.01, 50.0),
    "sign": (-5.0, 5.0),
    "heaviside": (-5.0, 5.0),
    "log1p": (-0.99, 50.0),
    "expm1": (-20.0, 20.0),
}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_one_input_functions_match_the_scalar_namespace(name: str, data: st.DataObject) -> None:
    """Each one-input function gives, element by element, what the scalar function gives."""
    low, high = ELEMENTWISE[name]
    xs = data.draw(st.lists(st.floats(low, high), min_size=1, max_size=8))
    got = getattr(array_math, name)(np.array(xs))
    expected = [getattr(scalar_math, name)(x) for x in xs]
    np.testing.assert_allclose(got, expected, rtol=2e-15, atol=0.0)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.floats(-5, 5), st.floats(0.1, 5), st.floats(-2, 2)), min_size=1, max_size=6)
)
def test_two_input_functions_match_the_scalar_namespace(rows: list[tuple[float, float, float]]) -> None:
    """div, pow with a fixed exponent and powv agree with the scalar namespace."""
    a = np.array([r[0] for r in rows])
    b = np.array([r[1] for r in rows])
    c = np.array([r[2] for r in rows])
    np.testing.assert_allclose(array_math.div(a, b), [scalar_math.div(x, y) for x, y in zip(a, b)], rtol=1e-15)
    np.testing.assert_allclose(array_math.pow(b, 1.5), [scalar_math.pow(x, 1.5) for x in b], rtol=1e-15)
    np.testing.assert_allclose(
        array_math.powv(b, c), [scalar_math.powv(x, y) for x, y in zip(b, c)], rtol=1e-15
    )


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.floats(-800, 800), min_size=3, max_size=3), min_size=1, max_size=5))
def test_logsumexp_matches_the_scalar_namespace(columns: list[list[float]]) -> None:
    """logsumexp over a sequence of arrays equals the scalar logsumexp sample by sample, even at +-800."""
    seq = [np.array([col[k] for col in columns]) for k in range(3)]
    got = array_math.logsumexp(seq)
    expected = [scalar_math.logsumexp(col) for col in columns]
    np.testing.assert_allclose(got, expected, rtol=1e-14)


def test_stable_functions_do_not_overflow() -> None:
    """sigmoid, softplus and logsumexp handle +-1000 without warnings or infinities."""
    x = np.array([-1000.0, 0.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.array_equal(array_math.sigmoid(x), [0.0, 0.5, 1.0])
        assert np.array_equal(array_math.softplus(x), [0.0, math.log(2.0), 1000.0])
        assert array_math.logsumexp([x, x])[2] == pytest.approx(1000.0 + math.log(2.0))


def test_division_by_zero_names_the_value_and_the_sample() -> None:
    """A zero denominator raises ZeroDivisionError naming the numerator and the sample (column)."""
    a = np.array([[1.0, 2.0, 3.0]])
    b = np.array([[1.0, 1.0, 0.0]])
    with pytest.raises(ZeroDivisionError, match=r"div: 3\.0 / 0\.0.*sample 2"):
        array_math.div(a, b)


def test_log_of_a_non_positive_value_names_it_and_the_sample() -> None:
    """log of x <= 0 raises DomainError with the value and its sample."""
    with pytest.raises(DomainError, match=r"log\(-0\.5\).*sample 1"):
        array_math.log(np.array([[2.0, -0.5]]))


def test_exp_overflow_names_the_value() -> None:
    """exp above ~709.78 raises OverflowError naming the input."""
    with pytest.raises(OverflowError, match=r"exp\(800\.0\).*sample 0"):
        array_math.exp(np.array([800.0, 1.0]))


def test_pow_domain_errors() -> None:
    """A negative base with a fractional exponent, 0 to a negative power, and overflow are refused."""
    with pytest.raises(DomainError, match=r"pow: \(-2\.0\)"):
        array_math.pow(np.array([1.0, -2.0]), 0.5)
    with pytest.raises(ZeroDivisionError, match="pow: 0.0"):
        array_math.pow(np.array([0.0]), -1.0)
    with pytest.raises(OverflowError, match="pow: 1e\\+200"):
        array_math.pow(np.array([1e200]), 2.0)
    assert array_math.pow(np.array([-2.0]), 3.0)[0] == -8.0


def test_powv_needs_a_positive_base() -> None:
    """powv with a base < 0, or 0 with an exponent below 1, raises DomainError like the scalar one."""
    with pytest.raises(DomainError, match="positive base"):
        array_math.powv(np.array([-1.0]), np.array([2.0]))
    with pytest.raises(DomainError, match=r"zero base with an exponent >= 1.*sample 1"):
        array_math.powv(np.array([[1.0, 0.0]]), np.array([[2.0, 0.5]]))
    assert list(array_math.powv(np.array([0.0, 0.0]), np.array([2.0, 1.0]))) == [0.0, 0.0]
    assert list(array_math.xlogy(np.array([0.0, 2.0]), np.array([0.0, 1.0]))) == [0.0, 0.0]


def test_a_parameter_column_is_reported_as_every_sample() -> None:
    """A bad value in a one-column (uniform) array broadcast over a batch belongs to every sample."""
    with pytest.raises(ZeroDivisionError, match="every sample"):
        array_math.div(np.ones((2, 4)), np.zeros((2, 1)))


def test_logsumexp_of_nothing_raises() -> None:
    """An empty sequence has no logsumexp."""
    with pytest.raises(ValueError, match="at least one"):
        array_math.logsumexp([])


def test_maximum_and_minimum_match_the_scalar_namespace() -> None:
    """Elementwise max and min, ties included, as the scalar functions give them."""
    a, b = np.array([1.0, -2.0, 0.5]), np.array([0.5, 3.0, 0.5])
    assert list(array_math.maximum(a, b)) == [scalar_math.maximum(x, y) for x, y in zip(a, b)]
    assert list(array_math.minimum(a, b)) == [scalar_math.minimum(x, y) for x, y in zip(a, b)]
    assert list(array_math.heaviside(a - b)) == [1.0, 0.0, 0.5]


def test_new_domain_errors_name_the_value_and_the_sample() -> None:
    """sqrt of x <= 0, log1p of x <= -1 and expm1 above 709.78 say which value and sample."""
    with pytest.raises(DomainError, match=r"sqrt: sqrt\(-1.0\) has no real value \(in sample 1"):
        array_math.sqrt(np.array([[4.0, -1.0]]))
    with pytest.raises(DomainError, match=r"infinite derivative"):
        array_math.sqrt(np.array([[0.0]]))
    with pytest.raises(DomainError, match=r"log1p: log1p\(-1.5\) is undefined \(in sample 0"):
        array_math.log1p(np.array([[-1.5, 2.0]]))
    with pytest.raises(OverflowError, match=r"expm1: expm1\(800.0\) overflows"):
        array_math.expm1(np.array([[800.0]]))
