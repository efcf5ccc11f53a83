"""The math namespace for ``Value`` nodes: differentiable local derivatives.

The rows of :mod:`autograd_core.ops` compute with a math namespace ``m`` that
is passed in. :mod:`autograd_core.scalar_math` is the namespace for floats:
``m.exp(x)`` returns a float. This module has the very same function names,
but each one takes :class:`~autograd_core.Value` arguments and returns a Value
node, recorded in the graph like any other operation. So when a row's local
derivatives are evaluated here,

    local_grads(value_math, y, *inputs)      # y and inputs are Values

the derivatives are themselves Values with a graph, and can be differentiated
again. That is all that higher-order gradients need: tanh's local derivative
``1 - y*y`` becomes three nodes that depend on ``y = tanh(x)``, and the
derivative of those nodes is tanh's second derivative.

Each function here is the Value form of its float twin, built from the table
itself (through ``Value``'s operators and methods), so domain errors are the
same as for floats. The exceptions are ``step`` (relu's derivative), ``sign``
(abs's) and ``heaviside`` (maximum's): they are piecewise constant, their
derivative is 0 wherever it exists, so they return plain floats and the graph
stops there.
"""

from __future__ import annotations

from collections.abc import Sequence

from autograd_core.value import Operand, Value


def _as_value(x: Operand) -> Value:
    """A Value as is; a plain number as a constant leaf."""
    return x if isinstance(x, Value) else Value(x)


def div(a: Operand, b: Operand) -> Value:
    """y = a / b as a node (the ``div`` row). Raises ZeroDivisionError for b = 0."""
    return _as_value(a) / b


def pow(x: Operand, c: Operand) -> Value:
    """y = x ** c as a node.

    A plain number ``c`` gives the ``pow`` row (only x is differentiated); a
    Value ``c`` gives the ``powv`` row (both are, which needs x > 0). The second
    case occurs in powv's own derivative ``b * a ** (b - 1)``.

    Raises:
        DomainError: a negative base with a fractional exponent, or a base
            <= 0 with a Value exponent.
        ZeroDivisionError: 0 to a negative power.
    """
    return _as_value(x) ** c


def powv(a: Operand, b: Operand) -> Value:
    """y = a ** b with both differentiated (the ``powv`` row; a > 0, or a = 0 with b >= 1)."""
    return _as_value(a) ** _as_value(b)


def exp(x: Operand) -> Value:
    """y = e ** x as a node, dy/dx = y. Raises OverflowError for x > 709.78."""
    return _as_value(x).exp()


def log(x: Operand) -> Value:
    """y = ln x as a node, dy/dx = 1/x. Raises DomainError for x <= 0."""
    return _as_value(x).log()


def tanh(x: Operand) -> Value:
    """y = tanh x as a node, dy/dx = 1 - y**2."""
    return _as_value(x).tanh()


def sigmoid(x: Operand) -> Value:
    """y = 1 / (1 + e**-x) as a node, dy/dx = y (1 - y)."""
    return _as_value(x).sigmoid()


def relu(x: Operand) -> Value:
    """y = max(x, 0) as a node, dy/dx = step(x)."""
    return _as_value(x).relu()


def step(x: Operand) -> float:
    """The unit step, 1.0 for x > 0 else 0.0, as a plain float (a constant).

    Its derivative is 0 everywhere except at 0, where it does not exist, so
    no node is needed: relu's second derivative is 0, as in PyTorch and JAX.
    """
    data = x.data if isinstance(x, Value) else float(x)
    return 1.0 if data > 0.0 else 0.0


def softplus(x: Operand) -> Value:
    """y = ln(1 + e**x) as a node (the ``softplus`` row), dy/dx = sigmoid(x)."""
    return _as_value(x).softplus()


def sin(x: Operand) -> Value:
    """y = sin x as a node, dy/dx = cos x."""
    return _as_value(x).sin()


def cos(x: Operand) -> Value:
    """y = cos x as a node, dy/dx = -sin x."""
    return _as_value(x).cos()


def sqrt(x: Operand) -> Value:
    """y = sqrt x as a node, dy/dx = 1 / (2y). Raises DomainError for x <= 0."""
    return _as_value(x).sqrt()


def log1p(x: Operand) -> Value:
    """y = ln(1 + x) as a node, dy/dx = 1 / (1 + x). Raises DomainError for x <= -1."""
    return _as_value(x).log1p()


def expm1(x: Operand) -> Value:
    """y = e**x - 1 as a node, dy/dx = y + 1. Raises OverflowError for x > 709.78."""
    return _as_value(x).expm1()


def maximum(a: Operand, b: Operand) -> Value:
    """y = max(a, b) as a node (the ``maximum`` row)."""
    return _as_value(a).maximum(b)


def minimum(a: Operand, b: Operand) -> Value:
    """y = min(a, b) as a node (the ``minimum`` row)."""
    return _as_value(a).minimum(b)


def xlogy(y: Operand, a: Operand) -> Value | float:
    """y * ln(a) as nodes; a plain 0.0 where y = 0 (powv's dy/db at a zero base).

    At a zero base y = a ** b is 0 for every b >= 1 near the point, so the
    derivative of this term towards b is 0 there too: a constant is exact.
    """
    y_data = y.data if isinstance(y, Value) else float(y)
    if y_data == 0.0:
        return 0.0
    return _as_value(y) * log(a)


def sign(x: Operand) -> float:
    """-1.0, 0.0 or 1.0 as a plain float: abs's derivative, piecewise constant like ``step``."""
    data = x.data if isinstance(x, Value) else float(x)
    return 1.0 if data > 0.0 else (-1.0 if data < 0.0 else 0.0)


def heaviside(x: Operand) -> float:
    """The unit step with H(0) = 1/2, as a plain float (maximum's derivative; a constant)."""
    data = x.data if isinstance(x, Value) else float(x)
    return 1.0 if data > 0.0 else (0.5 if data == 0.0 else 0.0)


def logsumexp(values: Sequence[Operand]) -> Value:
    """y = ln(e**x1 + ... + e**xn) as nodes, computed without overflow.

    The largest input ``c`` is subtracted first as a plain float:
    y = c + ln(sum_i e**(xi - c)). The shift changes no derivative
    (dy/dxi = e**xi / sum_j e**xj, the softmax), so it may be a constant.

    Raises:
        ValueError: ``values`` is empty.
    """
    inputs = [_as_value(v) for v in values]
    if not inputs:
        raise ValueError("logsumexp: needs at least one value, got an empty sequence.")
    shift = max(v.data for v in inputs)
    return Value.sum([(v - shift).exp() for v in inputs]).log() + shift
