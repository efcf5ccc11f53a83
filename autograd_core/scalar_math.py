"""Checked float math: the functions the operation table calls on plain floats.

The rows in :mod:`autograd_core.ops` never call :mod:`math` directly. They call
``m.exp(x)``, ``m.log(x)`` ... on a *math namespace* ``m`` that is passed in.
This module is the namespace for plain Python floats (the fast default path).
Other modules provide the same names for NumPy arrays (the compiled batch mode)
and for :class:`~autograd_core.Value` nodes (higher-order gradients), so that
each forward function and each local derivative is written exactly once.

Every function here returns a ``float`` and turns a domain problem into an
error that names the operation, the offending value and what to do.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from autograd_core.errors import DomainError

#: Largest x with a finite exp(x): ln(max float) ~ 709.78.
EXP_MAX_INPUT = math.log(1.7976931348623157e308)


def div(a: float, b: float) -> float:
    """a / b, refusing b = 0 with a readable message."""
    if b == 0.0:
        raise ZeroDivisionError(
            f"div: {a!r} / {b!r} divides by zero. Guard the denominator, "
            "e.g. add a small constant (x / (y + 1e-12)) or skip this sample."
        )
    return a / b


def pow(x: float, c: float) -> float:  # noqa: A001 - the table's own name for x ** c
    """x ** c for floats, with errors for the cases that have no real answer."""
    if x == 0.0 and c < 0.0:
        raise ZeroDivisionError(
            f"pow: 0.0 ** {c!r} divides by zero (a negative power of zero). "
            "Keep the base away from 0, e.g. (x + 1e-12) ** c."
        )
    if x < 0.0 and c != int(c):
        raise DomainError(
            f"pow: ({x!r}) ** {c!r} has no real value (a negative base with a "
            "non-integer exponent). Use a positive base, e.g. abs(x) ** c or (x * x) ** (c / 2)."
        )
    try:
        return float(x**c)
    except OverflowError:
        raise OverflowError(
            f"pow: {x!r} ** {c!r} overflows a float (larger than 1.8e308). "
            "Scale the input down or work with logarithms."
        ) from None


def powv(a: float, b: float) -> float:
    """a ** b where the exponent is a Value too.

    Needs a > 0 (dy/db = y ln a), or a = 0 with b >= 1: there y = 0, dy/db = 0
    (y ln a -> 0 as a -> 0+) and dy/da = b * 0 ** (b - 1) is finite, as HIPS
    autograd and PyTorch give it. A base 0 with b < 1 has an infinite (or no)
    derivative towards a, and a negative base has no real power in general.
    """
    if a < 0.0 or (a == 0.0 and b < 1.0):
        why = (
            f"0.0 ** {b!r} has an infinite or undefined derivative towards the base "
            "(b * a ** (b - 1) at a = 0 with b < 1)"
            if a == 0.0
            else "d(a**b)/db = a**b * ln(a) needs a > 0"
        )
        raise DomainError(
            f"pow: a Value exponent needs a positive base (or a zero base with an "
            f"exponent >= 1), got base {a!r} and exponent {b!r}: {why}. For a fixed "
            "exponent, pass a plain number instead (x ** 2.0): then only the base is "
            "differentiated."
        )
    return pow(a, b)


def xlogy(y: float, a: float) -> float:
    """y * ln(a), taken as 0 where y = 0 (powv's dy/db at a zero base)."""
    return 0.0 if y == 0.0 else y * log(a)


def exp(x: float) -> float:
    """e ** x, refusing inputs whose result does not fit in a float."""
    if x > EXP_MAX_INPUT:
        raise OverflowError(
            f"exp: exp({x!r}) overflows a float (inputs above {EXP_MAX_INPUT:.2f} "
            "do). Use a stable form: .sigmoid() instead of 1/(1+exp(-x)), or "
            "subtract the maximum before exponentiating (log-sum-exp) for softmax."
        )
    return math.exp(x)


def log(x: float) -> float:
    """Natural logarithm, defined only for x > 0."""
    if x <= 0.0:
        raise DomainError(
            f"log: log({x!r}) is undefined (log needs x > 0). If this is a loss "
            "such as -log(p), clip p away from 0 or use a fused stable loss "
            "(softmax cross-entropy, binary cross-entropy from logits)."
        )
    return math.log(x)


def tanh(x: float) -> float:
    """Hyperbolic tangent; never overflows."""
    return math.tanh(x)


def sigmoid(x: float) -> float:
    """1 / (1 + e^-x), computed without overflow for any x."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def relu(x: float) -> float:
    """max(x, 0)."""
    return x if x > 0.0 else 0.0


def step(x: float) -> float:
    """The unit step: 1 for x > 0, else 0 (relu's derivative; 0 at x = 0)."""
    return 1.0 if x > 0.0 else 0.0


def softplus(x: float) -> float:
    """ln(1 + e^x), computed without overflow: max(x, 0) + ln(1 + e^-|x|).

    Its derivative is sigmoid(x); it is the stable core of binary
    cross-entropy from a logit z: -ln sigmoid(z) = softplus(-z).
    """
    return (x if x > 0.0 else 0.0) + math.log1p(math.exp(-abs(x)))


def logsumexp(xs: Sequence[float]) -> float:
    """ln(e^x1 + ... + e^xn), computed as c + ln(sum e^(xi - c)) with c = max(xs).

    Subtracting the largest value first keeps every exponent <= 0, so logits
    such as 1000 or -1000 neither overflow nor lose the answer. The derivative
    with respect to xi is the softmax e^(xi - logsumexp(xs)).

    Raises:
        ValueError: ``xs`` is empty.
    """
    if len(xs) == 0:
        raise ValueError("logsumexp: needs at least one value, got an empty sequence.")
    largest = max(xs)
    return largest + math.log(sum(math.exp(x - largest) for x in xs))


def sin(x: float) -> float:
    """Sine (radians); never fails for a finite x."""
    return math.sin(x)


def cos(x: float) -> float:
    """Cosine (radians); never fails for a finite x."""
    return math.cos(x)


def sqrt(x: float) -> float:
    """Square root for x > 0.

    x < 0 has no real root; at x = 0 the root is 0 but its derivative
    1 / (2 sqrt x) is infinite, which the engine refuses like any infinity.
    """
    if x <= 0.0:
        why = (
            "has no real value (sqrt needs x >= 0)"
            if x < 0.0
            else "has an infinite derivative 1/(2 sqrt x)"
        )
        raise DomainError(
            f"sqrt: sqrt({x!r}) {why}. Keep the input positive, e.g. "
            "(x * x + 1e-12).sqrt() for a smooth |x|, or abs(x) for the absolute value."
        )
    return math.sqrt(x)


def sign(x: float) -> float:
    """-1, 0 or 1: the derivative of abs (0 at x = 0, as in PyTorch)."""
    return 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)


def heaviside(x: float) -> float:
    """The unit step with H(0) = 1/2: 1 for x > 0, 1/2 at 0, 0 for x < 0.

    The derivative of maximum(a, b) towards a is H(a - b): at a tie the
    gradient is shared half and half, as PyTorch and JAX do.
    """
    return 1.0 if x > 0.0 else (0.5 if x == 0.0 else 0.0)


def maximum(a: float, b: float) -> float:
    """The larger of a and b."""
    return a if a >= b else b


def minimum(a: float, b: float) -> float:
    """The smaller of a and b."""
    return a if a <= b else b


def log1p(x: float) -> float:
    """ln(1 + x), accurate for tiny x; defined for x > -1."""
    if x <= -1.0:
        raise DomainError(
            f"log1p: log1p({x!r}) = ln(1 + {x!r}) is undefined (log1p needs x > -1). "
            "Keep 1 + x positive, e.g. clip x above -1."
        )
    return math.log1p(x)


def expm1(x: float) -> float:
    """e ** x - 1, accurate for tiny x; refuses x > 709.78 like exp."""
    if x > EXP_MAX_INPUT:
        raise OverflowError(
            f"expm1: expm1({x!r}) overflows a float (inputs above {EXP_MAX_INPUT:.2f} "
            "do). Scale the input down or work with logarithms."
        )
    return math.expm1(x)
