"""Checked array math: the table's functions on NumPy arrays (compiled batch mode).

This module offers the same public functions as :mod:`autograd_core.scalar_math`
(``div, pow, powv, exp, log, tanh, sigmoid, relu, step`` ...), but each one
takes and returns NumPy arrays and works on every element at once. The rows of
the operation table (:mod:`autograd_core.ops`) are evaluated with
``m = array_math`` to run a whole batch of samples through one operation: the
formulas are still written only once, in the table.

Convention: the **last axis runs over the samples** of a batch. An array of
shape ``(nodes, batch)`` holds one row per graph node and one column per
sample; parameters and constants, which are the same for every sample, have
one column (shape ``(nodes, 1)``) and broadcast.

Every function turns a domain problem into the same kind of error as the
scalar namespace (``ZeroDivisionError``, :class:`DomainError`,
``OverflowError``), and the message names the operation, the offending value
and the sample it came from, so that the bad row of the data can be found.
Exact formulas follow the scalar namespace (sigmoid uses the same two
branches), so results agree with the plain engine to the last bit or two.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

import numpy as np
from numpy.typing import NDArray

from autograd_core.errors import DomainError
from autograd_core.scalar_math import EXP_MAX_INPUT

Array = NDArray[np.float64]
ArrayLike: TypeAlias = "Array | float"

__all__ = [
    "EXP_MAX_INPUT",
    "cos",
    "div",
    "exp",
    "expm1",
    "first_offender",
    "heaviside",
    "log",
    "log1p",
    "logsumexp",
    "maximum",
    "minimum",
    "pow",
    "powv",
    "relu",
    "sigmoid",
    "sign",
    "sin",
    "softplus",
    "sqrt",
    "step",
    "tanh",
    "xlogy",
]


def first_offender(x: ArrayLike, bad: NDArray[np.bool_] | bool) -> tuple[float, str]:
    """The first element of ``x`` where ``bad`` holds, and which sample it is in.

    Args:
        x: The array that was checked.
        bad: A boolean mask of the same (or broadcastable) shape, true somewhere.

    Returns:
        (the offending value, a phrase such as ``"sample 3"``). The sample is
        the index along the last axis; a value with one column is the same
        for every sample.
    """
    x_array = np.asarray(x, dtype=float)
    bad_shape = np.shape(bad)
    shape = np.broadcast_shapes(x_array.shape, bad_shape)
    mask = np.broadcast_to(np.asarray(bad), shape)
    position = np.unravel_index(int(np.flatnonzero(mask)[0]), shape)
    value = float(np.broadcast_to(x_array, shape)[position])
    if not shape or not bad_shape or (bad_shape[-1] == 1 < shape[-1]):
        return value, "every sample"
    return value, f"sample {int(position[-1])}"


def div(a: ArrayLike, b: ArrayLike) -> Array:
    """a / b elementwise, refusing b = 0 with a readable message.

    Raises:
        ZeroDivisionError: some element of ``b`` is 0 (names the sample).
    """
    zero = np.equal(b, 0.0)
    if zero.any():
        numerator, where = first_offender(a, zero)
        raise ZeroDivisionError(
            f"div: {numerator!r} / 0.0 divides by zero (in {where}). Guard the "
            "denominator, e.g. add a small constant (x / (y + 1e-12)), or remove "
            "that sample."
        )
    quotient: Array = np.divide(a, b)
    return quotient


def pow(x: ArrayLike, c: ArrayLike) -> Array:
    """x ** c elementwise for a fixed number (or array) ``c``.

    Raises:
        ZeroDivisionError: 0 to a negative power.
        DomainError: a negative base with a non-integer exponent.
        OverflowError: the result does not fit in a float.
    """
    base = np.asarray(x, dtype=float)
    exponent = np.asarray(c, dtype=float)
    zero_to_negative = (base == 0.0) & (exponent < 0.0)
    if zero_to_negative.any():
        value, where = first_offender(base, zero_to_negative)
        raise ZeroDivisionError(
            f"pow: 0.0 ** (negative) divides by zero (base {value!r} in {where}). "
            "Keep the base away from 0, e.g. (x + 1e-12) ** c."
        )
    no_real_value = (base < 0.0) & (exponent != np.trunc(exponent))
    if no_real_value.any():
        value, where = first_offender(base, no_real_value)
        raise DomainError(
            f"pow: ({value!r}) ** (non-integer) has no real value (in {where}): a "
            "negative base with a non-integer exponent. Use a positive base, e.g. "
            "abs(x) ** c or (x * x) ** (c / 2)."
        )
    with np.errstate(over="ignore"):
        result: Array = np.power(base, exponent)
    overflowed = np.isinf(result)
    if overflowed.any():
        value, where = first_offender(base, overflowed)
        raise OverflowError(
            f"pow: {value!r} ** c overflows a float (larger than 1.8e308, in "
            f"{where}). Scale the input down or work with logarithms."
        )
    return result


def powv(a: ArrayLike, b: ArrayLike) -> Array:
    """a ** b where the exponent varies too: needs a > 0, or a = 0 with b >= 1.

    Raises:
        DomainError: some base is < 0, or 0 with an exponent below 1.
        OverflowError: the result does not fit in a float.
    """
    bad = np.less(a, 0.0) | (np.equal(a, 0.0) & np.less(b, 1.0))
    if bad.any():
        value, where = first_offender(a, bad)
        raise DomainError(
            f"pow: a Value exponent needs a positive base (or a zero base with an "
            f"exponent >= 1), got base {value!r} (in {where}), because d(a**b)/db = "
            "a**b * ln(a) and d(a**b)/da = b * a**(b-1). For a fixed exponent, pass a "
            "plain number instead (x ** 2.0)."
        )
    return pow(a, b)


def xlogy(y: ArrayLike, a: ArrayLike) -> Array:
    """y * ln(a) elementwise, 0 where y = 0 (powv's dy/db at a zero base)."""
    safe = np.where(np.greater(a, 0.0), a, 1.0)
    result: Array = np.where(np.equal(y, 0.0), 0.0, np.multiply(y, np.log(safe)))
    return result


def exp(x: ArrayLike) -> Array:
    """e ** x elementwise, refusing inputs whose result does not fit in a float.

    Raises:
        OverflowError: some element is above ln(max float) ~ 709.78.
    """
    too_large = np.greater(x, EXP_MAX_INPUT)
    if too_large.any():
        value, where = first_offender(x, too_large)
        raise OverflowError(
            f"exp: exp({value!r}) overflows a float (in {where}; inputs above "
            f"{EXP_MAX_INPUT:.2f} do). Use a stable form: .sigmoid() instead of "
            "1/(1+exp(-x)), or a fused loss such as softmax cross-entropy."
        )
    return np.exp(x)


def log(x: ArrayLike) -> Array:
    """Natural logarithm elementwise, defined only for x > 0.

    Raises:
        DomainError: some element is <= 0.
    """
    not_positive = np.less_equal(x, 0.0)
    if not_positive.any():
        value, where = first_offender(x, not_positive)
        raise DomainError(
            f"log: log({value!r}) is undefined (in {where}; log needs x > 0). If "
            "this is a loss such as -log(p), clip p away from 0 or use a fused "
            "stable loss (softmax cross-entropy, binary cross-entropy from logits)."
        )
    return np.log(x)


def tanh(x: ArrayLike) -> Array:
    """Hyperbolic tangent elementwise; never overflows."""
    return np.tanh(x)


def sigmoid(x: ArrayLike) -> Array:
    """1 / (1 + e^-x) elementwise, without overflow for any x.

    The same two branches as the scalar namespace: 1 / (1 + e^-x) for x >= 0
    and e^x / (1 + e^x) for x < 0; both read e = e^-|x|, which is at most 1.
    """
    e = np.exp(-np.abs(x))
    return np.where(np.greater_equal(x, 0.0), 1.0 / (1.0 + e), e / (1.0 + e))


def relu(x: ArrayLike) -> Array:
    """max(x, 0) elementwise (0 where x = 0)."""
    return np.where(np.greater(x, 0.0), x, 0.0)


def step(x: ArrayLike) -> Array:
    """The unit step elementwise: 1 where x > 0, else 0 (relu's derivative)."""
    return np.greater(x, 0.0).astype(float)


def softplus(x: ArrayLike) -> Array:
    """ln(1 + e^x) elementwise, without overflow: max(x, 0) + ln(1 + e^-|x|).

    Its derivative is sigmoid(x); it is the stable core of binary
    cross-entropy from a logit.
    """
    return np.where(np.greater(x, 0.0), x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def logsumexp(xs: Sequence[ArrayLike]) -> Array:
    """ln(e^x1 + ... + e^xn) elementwise over a sequence of arrays, without overflow.

    The largest input is subtracted first, so every exponential is at most 1:
    ln sum_i e^xi = peak + ln sum_i e^(xi - peak).

    Raises:
        ValueError: ``xs`` is empty.
    """
    if len(xs) == 0:
        raise ValueError("logsumexp: needs at least one input, got an empty sequence.")
    peak = np.asarray(xs[0], dtype=float)
    for x in xs[1:]:
        peak = np.maximum(peak, x)
    total = np.exp(np.subtract(xs[0], peak))
    for x in xs[1:]:
        total = total + np.exp(np.subtract(x, peak))
    result: Array = peak + np.log(total)
    return result


def sin(x: ArrayLike) -> Array:
    """Sine elementwise (radians)."""
    return np.sin(x)


def cos(x: ArrayLike) -> Array:
    """Cosine elementwise (radians)."""
    return np.cos(x)


def sqrt(x: ArrayLike) -> Array:
    """Square root elementwise, for x > 0 (at 0 the derivative is infinite).

    Raises:
        DomainError: some element is <= 0.
    """
    not_positive = np.less_equal(x, 0.0)
    if not_positive.any():
        value, where = first_offender(x, not_positive)
        why = "has no real value" if value < 0.0 else "has an infinite derivative 1/(2 sqrt x)"
        raise DomainError(
            f"sqrt: sqrt({value!r}) {why} (in {where}; sqrt needs x > 0). Keep the "
            "input positive, e.g. (x * x + 1e-12).sqrt() for a smooth |x|."
        )
    return np.sqrt(x)


def sign(x: ArrayLike) -> Array:
    """-1, 0 or 1 elementwise (abs's derivative, 0 at 0)."""
    signs: Array = np.sign(np.asarray(x, dtype=float))
    return signs


def heaviside(x: ArrayLike) -> Array:
    """The unit step with H(0) = 1/2 elementwise (maximum's derivative at a tie)."""
    steps: Array = np.heaviside(np.asarray(x, dtype=float), 0.5)
    return steps


def maximum(a: ArrayLike, b: ArrayLike) -> Array:
    """The larger of a and b elementwise."""
    return np.maximum(a, b)


def minimum(a: ArrayLike, b: ArrayLike) -> Array:
    """The smaller of a and b elementwise."""
    return np.minimum(a, b)


def log1p(x: ArrayLike) -> Array:
    """ln(1 + x) elementwise, for x > -1.

    Raises:
        DomainError: some element is <= -1.
    """
    too_small = np.less_equal(x, -1.0)
    if too_small.any():
        value, where = first_offender(x, too_small)
        raise DomainError(
            f"log1p: log1p({value!r}) is undefined (in {where}; log1p needs x > -1). "
            "Keep 1 + x positive, e.g. clip x above -1."
        )
    return np.log1p(x)


def expm1(x: ArrayLike) -> Array:
    """e ** x - 1 elementwise.

    Raises:
        OverflowError: some element is above ln(max float) ~ 709.78.
    """
    too_large = np.greater(x, EXP_MAX_INPUT)
    if too_large.any():
        value, where = first_offender(x, too_large)
        raise OverflowError(
            f"expm1: expm1({value!r}) overflows a float (in {where}; inputs above "
            f"{EXP_MAX_INPUT:.2f} do). Scale the input down or work with logarithms."
        )
    return np.expm1(x)
