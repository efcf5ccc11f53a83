"""Forward mode: dual numbers that carry a derivative along with each value.

Reverse mode (``backward()``) first builds the whole graph, then sweeps it
once from the output back to every input. Forward mode needs no graph at all:
every number travels together with its *tangent*, the derivative of that
number along one chosen direction v of the inputs,

    Dual(primal=x, tangent=dx/dt)        where the inputs move as x(t) = x0 + t v.

Each operation computes its output from the table row's ``forward`` and the
output's tangent from the row's ``local_grads`` (the very same rows that
reverse mode uses), by the chain rule in the forward direction:

    tangent(y) = sum_i  dy/dinput_i * tangent(input_i)

One pass therefore gives one *directional derivative* grad f . v, the
Jacobian-vector product (``jvp``). For the full gradient of a function of n
inputs, forward mode needs n passes (v = each unit vector) where reverse mode
needs one: that is why training, with one loss and millions of parameters,
uses reverse mode. Forward mode wins for the opposite shape: one input and
many outputs.

Both primal and tangent are plain floats: ``Dual`` is for forward mode on its
own and does not mix with ``Value`` (a Value inside a Dual raises TypeError).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Union

from autograd_core import scalar_math
from autograd_core.higher_order import gradients
from autograd_core.ops import OPERATIONS, Operation
from autograd_core.value import Value, as_float

DualOperand = Union["Dual", int, float]

_ADD, _SUB, _MUL, _DIV = (OPERATIONS[n] for n in ("add", "sub", "mul", "div"))
_NEG, _POW, _POWV, _SQUARE = (OPERATIONS[n] for n in ("neg", "pow", "powv", "square"))
_EXP, _LOG, _TANH = (OPERATIONS[n] for n in ("exp", "log", "tanh"))
_SIGMOID, _RELU, _SUM = (OPERATIONS[n] for n in ("sigmoid", "relu", "sum"))
_SIN, _COS, _SQRT, _ABS = (OPERATIONS[n] for n in ("sin", "cos", "sqrt", "abs"))
_MAXIMUM, _MINIMUM, _LEAKY_RELU = (OPERATIONS[n] for n in ("maximum", "minimum", "leaky_relu"))
_SOFTPLUS, _LOG1P, _EXPM1 = (OPERATIONS[n] for n in ("softplus", "log1p", "expm1"))


class Dual:
    """A number with a tangent: ``primal + tangent * eps`` where eps**2 = 0.

    Supports the same operators and methods as :class:`~autograd_core.Value`
    (``+ - * / **``, ``square``, ``exp``, ``log``, ``tanh``, ``sigmoid``,
    ``relu``, ``Dual.sum``), so a function written for Values runs on Duals.

    Args:
        primal: The value (a real number).
        tangent: Its derivative along the chosen direction (default 0: a constant).

    Raises:
        TypeError: ``primal`` or ``tangent`` is not a real number.
        ValueError: ``primal`` or ``tangent`` is NaN or infinite.

    Example:
        >>> x = Dual(2.0, 1.0)          # dx/dx = 1
        >>> y = x * x + 3 * x
        >>> y.primal, y.tangent          # 10 and dy/dx = 2x + 3 = 7
        (10.0, 7.0)
    """

    __slots__ = ("primal", "tangent")

    # Makes NumPy hand mixed arithmetic (np.float64(2) * d) back to Dual.
    __array_ufunc__ = None

    primal: float
    tangent: float

    def __init__(self, primal: float, tangent: float = 0.0) -> None:
        self.primal = as_float(primal, "Dual")
        self.tangent = as_float(tangent, "Dual")

    def __repr__(self) -> str:
        return f"Dual(primal={self.primal!r}, tangent={self.tangent!r})"

    def __float__(self) -> float:
        return self.primal

    # ----- arithmetic ----------------------------------------------------------
    def __add__(self, other: DualOperand) -> Dual:
        return _binary(_ADD, self, other)

    def __radd__(self, other: DualOperand) -> Dual:
        return _binary(_ADD, other, self)

    def __sub__(self, other: DualOperand) -> Dual:
        return _binary(_SUB, self, other)

    def __rsub__(self, other: DualOperand) -> Dual:
        return _binary(_SUB, other, self)

    def __mul__(self, other: DualOperand) -> Dual:
        return _binary(_MUL, self, other)

    def __rmul__(self, other: DualOperand) -> Dual:
        return _binary(_MUL, other, self)

    def __truediv__(self, other: DualOperand) -> Dual:
        return _binary(_DIV, self, other)

    def __rtruediv__(self, other: DualOperand) -> Dual:
        return _binary(_DIV, other, self)

    def __pow__(self, exponent: DualOperand) -> Dual:
        """``x ** c`` for a number c (the ``pow`` row), ``x ** y`` for a Dual y (``powv``)."""
        if isinstance(exponent, Dual):
            return _binary(_POWV, self, exponent)
        return _unary(_POW, self, as_float(exponent, "pow"))

    def __rpow__(self, base: DualOperand) -> Dual:
        return _binary(_POWV, base, self)

    def __neg__(self) -> Dual:
        return _unary(_NEG, self)

    # ----- elementary functions ------------------------------------------------
    def square(self) -> Dual:
        """y = x**2, tangent 2x * dx."""
        return _unary(_SQUARE, self)

    def exp(self) -> Dual:
        """y = e**x, tangent y * dx."""
        return _unary(_EXP, self)

    def log(self) -> Dual:
        """y = ln x, tangent dx / x. Raises DomainError for x <= 0."""
        return _unary(_LOG, self)

    def tanh(self) -> Dual:
        """y = tanh x, tangent (1 - y**2) dx."""
        return _unary(_TANH, self)

    def sigmoid(self) -> Dual:
        """y = 1/(1 + e**-x), tangent y (1 - y) dx."""
        return _unary(_SIGMOID, self)

    def relu(self) -> Dual:
        """y = max(x, 0), tangent step(x) dx."""
        return _unary(_RELU, self)

    def sin(self) -> Dual:
        """y = sin x, tangent cos(x) dx."""
        return _unary(_SIN, self)

    def cos(self) -> Dual:
        """y = cos x, tangent -sin(x) dx."""
        return _unary(_COS, self)

    def sqrt(self) -> Dual:
        """y = sqrt x, tangent dx / (2y). Raises DomainError for x <= 0."""
        return _unary(_SQRT, self)

    def abs(self) -> Dual:
        """y = |x|, tangent sign(x) dx."""
        return _unary(_ABS, self)

    __abs__ = abs

    def softplus(self) -> Dual:
        """y = ln(1 + e**x), tangent sigmoid(x) dx."""
        return _unary(_SOFTPLUS, self)

    def log1p(self) -> Dual:
        """y = ln(1 + x), tangent dx / (1 + x). Raises DomainError for x <= -1."""
        return _unary(_LOG1P, self)

    def expm1(self) -> Dual:
        """y = e**x - 1, tangent (y + 1) dx."""
        return _unary(_EXPM1, self)

    def maximum(self, other: DualOperand) -> Dual:
        """y = max(a, b); at a tie the tangent is the mean of both."""
        return _binary(_MAXIMUM, self, other)

    def minimum(self, other: DualOperand) -> Dual:
        """y = min(a, b); at a tie the tangent is the mean of both."""
        return _binary(_MINIMUM, self, other)

    def leaky_relu(self, slope: float = 0.01) -> Dual:
        """y = x if x > 0 else slope * x, tangent (1 if x > 0 else slope) dx."""
        return _unary(_LEAKY_RELU, self, as_float(slope, "leaky_relu"))

    @staticmethod
    def sum(values: Iterable[DualOperand]) -> Dual:
        """y = x1 + ... + xn, tangent dx1 + ... + dxn. Raises ValueError if empty."""
        return apply_dual(_SUM, tuple(values))


def _as_dual(x: object, operation: str) -> Dual:
    """A Dual as is; a number as a constant (tangent 0)."""
    if isinstance(x, Dual):
        return x
    if isinstance(x, Value):
        raise TypeError(
            f"{operation}: cannot mix a Value with a Dual. Forward mode (Dual) and "
            "reverse mode (Value) are separate: write f with operations only, and "
            "call it with Duals (jvp) or with Values (backward, grad)."
        )
    return Dual(as_float(x, operation))


_new_dual = Dual.__new__


def _dual_of(primal: float, tangent: float) -> Dual:
    """A Dual from two floats the engine computed itself (no re-validation)."""
    result = _new_dual(Dual)
    result.primal = primal
    result.tangent = tangent
    return result


def _unary(operation: Operation, x: Dual, constant: float | None = None) -> Dual:
    """Apply a one-input row: tangent(y) = dy/dx * tangent(x)."""
    primal = x.primal
    if constant is None:
        y = operation.forward(scalar_math, primal)
        (local,) = operation.local_grads(scalar_math, y, primal)
    else:
        y = operation.forward(scalar_math, primal, constant)
        (local,) = operation.local_grads(scalar_math, y, primal, constant)
    return _dual_of(y, local * x.tangent)


def _binary(operation: Operation, a: DualOperand, b: DualOperand) -> Dual:
    """Apply a two-input row: tangent(y) = dy/da * tangent(a) + dy/db * tangent(b)."""
    if a.__class__ is not Dual:
        a = _as_dual(a, operation.name)
    if b.__class__ is not Dual:
        b = _as_dual(b, operation.name)
    y = operation.forward(scalar_math, a.primal, b.primal)
    local_a, local_b = operation.local_grads(scalar_math, y, a.primal, b.primal)
    return _dual_of(y, local_a * a.tangent + local_b * b.tangent)


def apply_dual(
    operation: Operation, inputs: Sequence[DualOperand], constant: float | None = None
) -> Dual:
    """Apply one row of the table in forward mode.

    primal = ``row.forward(scalar_math, *primals)`` and
    tangent = sum_i ``local_grads[i] * tangent_i``, the local derivatives
    coming from the same row that reverse mode stores on its nodes. This is
    the generic form; the operators and methods of :class:`Dual` do the same
    through shortcuts for one and two inputs.

    Args:
        operation: The row of the table.
        inputs: Duals or numbers (numbers are constants, tangent 0).
        constant: The fixed number of rows that take one (the c of ``x ** c``).

    Returns:
        The output with its tangent.

    Raises:
        ValueError: Wrong number of inputs, or a constant missing or extra.
        DomainError, ZeroDivisionError, OverflowError: as the float operation.
    """
    duals = [_as_dual(x, operation.name) for x in inputs]
    if operation.arity is not None and len(duals) != operation.arity:
        raise ValueError(f"{operation.name}: takes {operation.arity} input(s), got {len(duals)}.")
    if not duals:
        raise ValueError(f"{operation.name}: needs at least one input, got none.")
    if operation.takes_constant != (constant is not None):
        need = "needs a constant" if operation.takes_constant else "takes no constant"
        raise ValueError(f"{operation.name}: {need}, got constant={constant!r}.")
    arguments: list[float] = [d.primal for d in duals]
    if constant is not None:
        arguments.append(constant)
    primal = operation.forward(scalar_math, *arguments)
    local_grads = operation.local_grads(scalar_math, primal, *arguments)
    tangent = 0.0
    for local, dual in zip(local_grads, duals):
        tangent += local * dual.tangent
    return _dual_of(float(primal), float(tangent))


def jvp(
    f: Callable[..., Any], primals: Sequence[float], tangents: Sequence[float]
) -> tuple[float, float]:
    """Evaluate ``f`` and its directional derivative in one forward pass.

    jvp(f, x, v) = (f(x), grad f(x) . v): the derivative of t -> f(x + t v)
    at t = 0. With v the i-th unit vector it is df/dx_i. It agrees with
    reverse mode: ``jvp(f, x, v)[1] == sum_i grad(f, i)(x) * v_i``.

    Args:
        f: A function of scalars written with operations (``x * y``,
            ``x.tanh()`` ...), returning one number.
        primals: The point x, one number per argument of ``f``.
        tangents: The direction v, one number per argument.

    ``f`` runs on Duals (forward mode, no graph) when it is written with
    operations only. Some functions need Values instead: one that calls
    ``grad`` (forward over reverse: the jvp of a gradient is a
    Hessian-vector product, as HIPS ``check_grads`` computes for every
    gradient), ``Value.sum``, or an ``nn`` model whose weights are Values.
    When ``f`` refuses Duals with a ``TypeError``, jvp calls it again with
    Values, records its graph once and returns the derivative of that graph
    along v by one reverse sweep (:func:`gradients`): the same number.

    Returns:
        ``(f(x), grad f(x) . v)`` as floats.

    Raises:
        ValueError: ``primals`` and ``tangents`` differ in length.
        TypeError: ``f`` returned something other than a number, Dual or
            Value (or failed with Values too).
    """
    primals, tangents = list(primals), list(tangents)
    if len(primals) != len(tangents):
        raise ValueError(
            f"jvp: got {len(primals)} primal(s) but {len(tangents)} tangent(s); "
            "give one tangent (direction component) per input."
        )
    inputs = [Dual(x, v) for x, v in zip(primals, tangents)]
    try:
        result = f(*inputs)
    except TypeError:
        return _jvp_through_a_graph(f, primals, tangents)
    if isinstance(result, Dual):
        return result.primal, result.tangent
    if isinstance(result, Value) or not isinstance(result, (int, float)):
        raise TypeError(
            f"jvp: f must return one number (a Dual built from its inputs), got "
            f"{type(result).__name__}. For several outputs, call jvp on each."
        )
    return float(result), 0.0  # f does not depend on its inputs


def _jvp_through_a_graph(
    f: Callable[..., Any], primals: Sequence[float], tangents: Sequence[float]
) -> tuple[float, float]:
    """jvp for an ``f`` that needs Values: f(x) and sum_i df/dx_i * v_i from f's graph."""
    leaves = [Value(x) for x in primals]
    result = f(*leaves)
    if isinstance(result, Value):
        slopes = gradients(result, leaves)
        return result.data, sum((g * v for g, v in zip(slopes, tangents)), 0.0)
    if isinstance(result, (int, float)) and not isinstance(result, bool):
        return float(result), 0.0
    hint = " (a list: pick one output, e.g. model(x)[0])" if isinstance(result, list) else ""
    raise TypeError(
        f"jvp: f must return one number (a Value or Dual built from its inputs), got "
        f"{type(result).__name__}{hint}. For several outputs, call jvp on each."
    )
