"""``Value``: one number in a computational graph.

A node stores its ``data``, the ``parents`` it was computed from (a tuple, in
argument order, so ``a * a`` has two slots), the name of the operation ``op``
that made it, and, computed at forward time, the ``local_grads``: the partial
derivative of this node with respect to each parent. Backpropagation is then
one generic loop over the graph in reverse topological order::

    parent.grad += local_grad * node.grad      # the chain rule

How a node keeps them: almost every node has one or two parents, so those are
kept in the node itself, in four slots (``_a``, ``_b`` for the parents,
``_da``, ``_db`` for their local derivatives). What few nodes have sits in
one more slot, ``_extra``, which is ``None`` on almost every node: a label, the
fixed number of rows such as ``x ** c`` (``constant``), and the two tuples of a
node with three or more parents (an n-ary ``sum``). ``node.parents``,
``node.local_grads``, ``node.label`` and ``node.constant`` hand them out, so
nothing else needs to know.
Why: every tuple that holds a node is one more object Python's cyclic garbage
collector tracks and walks, and one more allocation; with the parents inside
the node, a node is one tracked object instead of three (half the time the
collector takes in a hand-written training loop, and a third less memory).
Each slot is 8 bytes in every node and one store when the node is made, so
the rarely used parts share one slot.

Every operation comes from the table in :mod:`autograd_core.ops`: each operator
and method is made from its row (:func:`_binary_operator`, :func:`_unary_method`),
so the row's ``forward`` and ``local_grads`` are what compute every node.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Callable, Iterable, Sequence
from numbers import Real
from typing import Union

from autograd_core import scalar_math
from autograd_core.grad_mode import is_recording
from autograd_core.graph import topological_order
from autograd_core.ops import OPERATIONS, Operation
from autograd_core.row_code import (
    binary_operator_source,
    compile_method,
    sum_method_source,
    unary_method_source,
    weighted_sum_source,
)
from autograd_core.trace_guard import guard as trace_guard
from autograd_core.trace_guard import refuse_number_read

Number = Union[int, float]
Operand = Union["Value", int, float]

_ADD, _SUB, _MUL, _DIV = (OPERATIONS[n] for n in ("add", "sub", "mul", "div"))
_NEG, _POW, _POWV, _SQUARE = (OPERATIONS[n] for n in ("neg", "pow", "powv", "square"))
_EXP, _LOG, _TANH = (OPERATIONS[n] for n in ("exp", "log", "tanh"))
_SIGMOID, _RELU, _SUM = (OPERATIONS[n] for n in ("sigmoid", "relu", "sum"))
_SIN, _COS, _SQRT, _ABS = (OPERATIONS[n] for n in ("sin", "cos", "sqrt", "abs"))
_MAXIMUM, _MINIMUM, _LEAKY_RELU = (OPERATIONS[n] for n in ("maximum", "minimum", "leaky_relu"))
_SOFTPLUS, _LOG1P, _EXPM1 = (OPERATIONS[n] for n in ("softplus", "log1p", "expm1"))


def as_float(x: object, operation: str) -> float:
    """Convert a user-supplied number to a finite float, or raise a clear error.

    Accepts ``int``, ``float`` and NumPy real scalars (anything registered as
    :class:`numbers.Real`).

    Raises:
        TypeError: ``x`` is not a real number (a ``str``, ``None``, ``complex`` ...).
        ValueError: ``x`` is NaN or infinite.
        OverflowError: ``x`` is an int too large for a float (``10**400``).
    """
    if type(x) is float:
        value = x
    elif isinstance(x, Real) and not isinstance(x, Value):
        try:
            value = float(x)
        except OverflowError:
            digits = len(str(abs(x))) if isinstance(x, int) else None
            shown = f"an int of {digits} digits" if digits else f"{type(x).__name__} {x!r}"
            raise OverflowError(
                f"{operation}: got {shown}, too large for a float (the largest is about "
                "1.8e308). Scale it down first (work in other units or with its "
                "logarithm, math.log(x) works on big ints)."
            ) from None
    else:
        hint = " (the engine works on real numbers only)" if isinstance(x, complex) else ""
        raise TypeError(
            f"{operation}: expected a real number (int or float) or a Value, got "
            f"{type(x).__name__} {x!r}{hint}. Convert it first, e.g. float(x)."
        )
    if not math.isfinite(value):
        raise ValueError(
            f"{operation}: got {value!r}, but the engine needs finite numbers: NaN "
            "and infinity would silently spread into every gradient. Clean or "
            "rescale the input first."
        )
    return value


def _overflow(
    operation: str, inputs: Sequence[float], result: float, constant: float | None = None
) -> OverflowError:
    """The error for a result that is not finite (imported only when one occurs)."""
    from autograd_core.nonfinite import forward_overflow

    return forward_overflow(operation, inputs, result, constant)


def _binary_operator(
    operation: Operation, method: str, reflected: bool = False
) -> Callable[[Value, Operand], Value]:
    """Make the method ``Value.<method>`` behind ``a (op) b`` from a two-input row of the table.

    What the method does, written plainly::

        if type(other) is not Value:
            other = _operand(other, name)          # a number becomes a constant leaf
        a, b = (other, self) if reflected else (self, other)
        result = forward(scalar_math, a.data, b.data)
        node = Value(result)                       # (made without re-checking result)
        if is_recording():                         # not inside no_grad()
            node._a, node._b = a, b                # its parents, in argument order
            node._da, node._db = local_grads(scalar_math, result, a.data, b.data)
            node.op = name
        return node

    ``reflected=True`` makes the right-hand version: ``2 * v`` calls
    ``v.__rmul__(2)``, where ``self`` is the *second* argument.

    Why it is not written like that: every node of a training step passes
    through here (hundreds of thousands per step), and the two calls to the
    row's functions are a third of its time. So the method is written out as
    Python source with the row's formulas in place of the calls
    (:mod:`autograd_core.row_code`: ``result = a_data * b_data`` for ``mul``)
    and compiled once. The row stays the single source of truth; print
    ``row_code.method_source(Value.__mul__)`` to read what runs.
    """
    source = binary_operator_source(operation, method, reflected)
    operator = compile_method(source, operation, globals(), scalar_math)
    operator.__qualname__ = f"Value.{method}"
    operator.__doc__ = f"{operation.formula}; local derivatives {operation.derivatives}."
    return operator


def _unary_method(
    operation: Operation, method: str, notes: str = ""
) -> Callable[[Value], Value]:
    """Make the method ``Value.<method>`` (``x.tanh()``, ``-x`` ...) from a one-input row.

    Like :func:`_binary_operator`: ``result = forward(scalar_math, x.data)``,
    and the node stores its one parent ``x`` and the row's ``local_grads``
    (dy/dx), written out from the row. ``notes`` is added to the method's
    docstring (what it raises, for example).
    """
    source = unary_method_source(operation, method)
    function = compile_method(source, operation, globals(), scalar_math)
    function.__qualname__ = f"Value.{method}"
    function.__doc__ = f"{operation.formula}; local derivative {operation.derivatives}.{notes}"
    return function


def _sum_method(operation: Operation) -> Callable[[Iterable[Operand]], Value]:
    """Make ``Value.sum(values)`` from the n-ary row: one node ``y = x1 + ... + xn``.

    Written out like the operators (``row_code.method_source(Value.sum)``)::

        parents = tuple(values)                    # numbers become constant leaves
        result = forward(scalar_math, *[p.data for p in parents])   # sum(inputs)
        node = Value(result)
        if is_recording():
            node.parents = parents                 # n of them
            node.local_grads = local_grads(...)    # (1.0,) * n
    """
    function = compile_method(sum_method_source(operation), operation, globals(), scalar_math)
    function.__name__, function.__qualname__ = "sum", "Value.sum"
    function.__doc__ = f"""One node {operation.formula} with n parents ({operation.derivatives}).

        Smaller and faster than a chain of n - 1 additions, and it reads as
        one step in a diagram (a neuron's weighted sum). The values may be
        Values or numbers (a number becomes a constant leaf).

        Raises:
            ValueError: ``values`` is empty.
        """
    return function


def _weighted_sum_method(
    product: Operation, total: Operation
) -> Callable[[Sequence[Operand], Sequence[Operand], Operand | None], Value]:
    """Make ``Value.weighted_sum`` from the ``mul`` and ``sum`` rows (a neuron's sum)."""
    function = compile_method(
        weighted_sum_source(product, total), total, globals(), scalar_math,
        rows=f"the rows {product.name!r} and {total.name!r}",
    )
    function.__qualname__ = "Value.weighted_sum"
    function.__doc__ = """``w1*x1 + ... + wn*xn + b``: n ``mul`` nodes and one ``sum`` node.

        Exactly the nodes (and numbers) of::

            Value.sum([w * x for w, x in zip(weights, inputs)] + [bias])

        a neuron's weighted sum, made in one loop instead of one operator call
        per product (read it with ``row_code.method_source(Value.weighted_sum)``).
        ``bias=None`` leaves the bias out. Numbers are accepted anywhere, as in
        the expression above.

        Raises:
            ValueError: ``weights`` and ``inputs`` differ in length, or both
                are empty and there is no bias.
        """
    return function


def _plain_weighted_sum(
    weights: Sequence[Operand], inputs: Sequence[Operand], bias: Operand | None
) -> Value:
    """What ``Value.weighted_sum`` makes, written plainly (numbers, ``no_grad()``)."""
    terms = [w * x for w, x in zip(weights, inputs)]
    if bias is not None:
        terms.append(bias)
    return Value.sum(terms)


class Value:
    """A scalar node of the computational graph.

    Args:
        data: The number (int, float or NumPy real scalar; stored as a float).
        label: An optional name, shown in diagrams and explanations.

    Raises:
        TypeError: ``data`` is not a real number.
        ValueError: ``data`` is NaN or infinite.

    Example:
        >>> w, x = Value(10.0, label="w"), Value(5.0, label="x")
        >>> loss = (w * x + 1 - 48).square()
        >>> loss.backward()
        >>> w.grad
        30.0
    """

    # _a, _b, _da, _db: one or two parents and their local derivatives; _extra:
    # None, or the rarely used parts (see the module docstring). Read them
    # through ``parents``, ``local_grads``, ``label`` and ``constant``.
    __slots__ = ("data", "grad", "op", "_a", "_b", "_da", "_db", "_extra")

    # Makes NumPy hand mixed arithmetic (np.float64(2) * v) back to Value.
    __array_ufunc__ = None

    data: float
    grad: float
    op: str
    _a: Value | None
    _b: Value | None
    _da: float
    _db: float
    _extra: _Extra | None

    def __init__(self, data: Number | Value, label: str | None = None) -> None:
        if label is not None and not isinstance(label, str):
            raise TypeError(f"Value: label must be a str or None, got {type(label).__name__}")
        # Value(v) copies v's number into a new leaf, like v.detach() (and
        # torch.tensor(t)): the graph behind v is not followed.
        self.data = data.data if isinstance(data, Value) else as_float(data, "Value")
        self.grad = 0.0
        self._a = None
        self.op = ""
        self._extra = None if label is None else _Extra(label=label)

    # ----- the graph: parents and local derivatives ---------------------------
    @property
    def parents(self) -> tuple[Value, ...]:
        """The nodes this one was computed from, in argument order; ``()`` for a leaf."""
        a = self._a
        if a is None:
            extra = self._extra
            return () if extra is None or extra.parents is None else extra.parents
        b = self._b
        return (a,) if b is None else (a, b)

    @parents.setter
    def parents(self, parents: Sequence[Value]) -> None:
        # New parents get local derivatives 0.0 until ``local_grads`` is set.
        parents = tuple(parents)
        _store_graph(self, parents, (0.0,) * len(parents))

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d(self)/d(parent) for each parent, in the order of ``parents``."""
        if self._a is None:
            extra = self._extra
            return () if extra is None or extra.local_grads is None else extra.local_grads
        return (self._da,) if self._b is None else (self._da, self._db)

    @local_grads.setter
    def local_grads(self, local_grads: Sequence[float]) -> None:
        local_grads = tuple(local_grads)
        parents = self.parents
        if not parents:
            return  # a leaf (or a node made under no_grad()): nothing to differentiate towards
        if len(local_grads) != len(parents):
            raise ValueError(
                f"Value.local_grads: one local derivative per parent is needed "
                f"({len(parents)}), got {len(local_grads)}."
            )
        _store_graph(self, parents, local_grads)

    # ----- the rarely used parts, kept in ``_extra`` ------------------------------
    @property
    def label(self) -> str | None:
        """An optional name, shown in diagrams and explanations (None: no name)."""
        extra = self._extra
        return None if extra is None else extra.label

    @label.setter
    def label(self, label: str | None) -> None:
        if label is not None or self._extra is not None:
            _extras_of(self).label = label

    @property
    def constant(self) -> float | None:
        """The row's fixed number (the c of ``x ** c``, leaky_relu's slope); None for most nodes."""
        extra = self._extra
        return None if extra is None else extra.constant

    @constant.setter
    def constant(self, constant: float | None) -> None:
        if constant is not None or self._extra is not None:
            _extras_of(self).constant = constant

    def __repr__(self) -> str:
        name = f", label={self.label!r}" if self.label else ""
        made_by = f", op={self.op!r}" if self.op else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{made_by}{name})"

    # ----- the number as Python sees it -------------------------------------------
    # Each of these hands out the number (or a decision made from it). While
    # compile_batch traces, that number would be frozen into the program, so
    # they ask the trace guard first (a plain attribute read outside tracing).
    def __float__(self) -> float:
        """``float(v)``: the data, as a plain float: the graph stops here.

        ``math.exp(v)`` goes through this and returns a float with no graph
        (and no gradient); write ``v.exp()`` to stay in the graph. Refused
        while ``compile_batch`` traces (TraceError).
        """
        if trace_guard.active:
            refuse_number_read("float(v)")
        return self.data

    def __bool__(self) -> bool:
        """``bool(v)``, ``if v:``: the truth of the data (False only for 0.0).

        Refused while ``compile_batch`` traces (TraceError): a branch on a
        value would be frozen into the compiled program.
        """
        if trace_guard.active:
            refuse_number_read("bool(v) (an `if`, `and`, `or` or `not` on a Value)")
        return self.data != 0.0

    def _compared_number(self, other: object, symbol: str) -> float | None:
        """The number ``self`` is compared with (None: not comparable)."""
        if trace_guard.active:
            refuse_number_read(f"a comparison `v {symbol} other`")
        if type(other) is Value or isinstance(other, Value):
            return other.data
        if isinstance(other, Real):
            return float(other)
        return None

    def __lt__(self, other: object) -> bool:
        """``v < other`` compares the data (a plain bool, no graph; refused while tracing)."""
        number = self._compared_number(other, "<")
        return NotImplemented if number is None else self.data < number

    def __le__(self, other: object) -> bool:
        """``v <= other`` compares the data (a plain bool, no graph; refused while tracing)."""
        number = self._compared_number(other, "<=")
        return NotImplemented if number is None else self.data <= number

    def __gt__(self, other: object) -> bool:
        """``v > other`` compares the data (a plain bool, no graph; refused while tracing)."""
        number = self._compared_number(other, ">")
        return NotImplemented if number is None else self.data > number

    def __ge__(self, other: object) -> bool:
        """``v >= other`` compares the data (a plain bool, no graph; refused while tracing)."""
        number = self._compared_number(other, ">=")
        return NotImplemented if number is None else self.data >= number

    # Comparisons must not change identity semantics: nodes stay hashable by
    # identity (visited sets and dicts of nodes depend on it), so == is not data.
    __eq__ = object.__eq__
    __hash__ = object.__hash__

    # ----- reading the number (none of these is differentiable) ----------------
    # Like float(v) each hands out the number, so each asks the trace guard.
    def item(self) -> float:
        """The number as a Python float (PyTorch's name for it); not differentiable.

        Refused while ``compile_batch`` traces (TraceError), like ``float(v)``.
        """
        if trace_guard.active:
            refuse_number_read("v.item()")
        return self.data

    def __format__(self, spec: str) -> str:
        """``f"{v:.2f}"`` formats the data; an empty spec gives ``str(v)`` (the repr).

        Refused while ``compile_batch`` traces (TraceError), like ``float(v)``.
        """
        if not spec:
            return str(self)
        if trace_guard.active:
            refuse_number_read(f'an f-string f"{{v:{spec}}}"')
        return format(self.data, spec)

    def __int__(self) -> int:
        """``int(v)``: the data truncated to an int; not differentiable (refused while tracing)."""
        if trace_guard.active:
            refuse_number_read("int(v)")
        return int(self.data)

    def __round__(self, ndigits: int | None = None) -> float | int:
        """``round(v)`` / ``round(v, n)``: the rounded data as a plain number (no graph).

        Refused while ``compile_batch`` traces (TraceError), like ``float(v)``.
        """
        if trace_guard.active:
            refuse_number_read("round(v)")
        return round(self.data, ndigits)

    def __floordiv__(self, other: object) -> Value:
        raise TypeError(
            f"Value: '//' is not differentiable (floor division is a step function: "
            f"its derivative is 0 wherever it exists), so the engine has no row for it. "
            f"For the number, write v.data // {other!r}; to keep the graph, use '/'."
        )

    def __rfloordiv__(self, other: object) -> Value:
        raise TypeError(
            f"Value: '//' is not differentiable (floor division is a step function: "
            f"its derivative is 0 wherever it exists), so the engine has no row for it. "
            f"For the number, write {other!r} // v.data; to keep the graph, use '/'."
        )

    def __mod__(self, other: object) -> Value:
        raise TypeError(
            "Value: '%' is not an operation of the engine. For the number, write "
            f"v.data % {other!r}."
        )

    __rmod__ = __mod__

    # ----- arithmetic: each operator is made from its row of the table ---------
    __add__ = _binary_operator(_ADD, "__add__")
    __radd__ = _binary_operator(_ADD, "__radd__", reflected=True)

    __sub__ = _binary_operator(_SUB, "__sub__")
    __rsub__ = _binary_operator(_SUB, "__rsub__", reflected=True)

    __mul__ = _binary_operator(_MUL, "__mul__")
    __rmul__ = _binary_operator(_MUL, "__rmul__", reflected=True)

    __truediv__ = _binary_operator(_DIV, "__truediv__")
    __rtruediv__ = _binary_operator(_DIV, "__rtruediv__", reflected=True)

    def __pow__(self, exponent: Operand) -> Value:
        """``x ** c`` for a number ``c`` (only x is differentiated), or
        ``x ** y`` for a Value ``y`` (both are; needs x > 0, as d/dy = x**y ln x,
        or x = 0 with y >= 1, where the value is 0 and d/dy is 0, as in HIPS
        autograd and PyTorch).

        Raises:
            DomainError: a negative base with a fractional exponent, or with a
                Value exponent a base < 0, or 0 with an exponent below 1.
            ZeroDivisionError: 0 to a negative power; or, while recording,
                0 to a power between 0 and 1 (the value 0 is fine, but its
                derivative c * x ** (c - 1) is infinite at x = 0).
            OverflowError: the result does not fit in a float.
        """
        if isinstance(exponent, Value):
            return _power_of_values(self, exponent)
        c = as_float(exponent, "pow")
        if self.data == 0.0 and 0.0 < c < 1.0 and is_recording():
            raise ZeroDivisionError(
                f"pow: x ** {c!r} at x = 0.0 is 0.0, but its derivative {c!r} * x ** "
                f"({c!r} - 1) is infinite there, so no gradient could flow through this "
                "node. Keep the base away from 0, e.g. (x + 1e-12) ** c, or compute it "
                "inside no_grad() if no gradient is needed."
            )
        return _record1(_POW, self, c)

    def __rpow__(self, base: Operand) -> Value:
        return _operand(base, "pow") ** self

    __neg__ = _unary_method(_NEG, "__neg__")

    # ----- elementary functions, each made from its row of the table -----------
    square = _unary_method(_SQUARE, "square")

    exp = _unary_method(_EXP, "exp", " Raises OverflowError for x > 709.78.")

    log = _unary_method(_LOG, "log", " Raises DomainError for x <= 0.")

    tanh = _unary_method(_TANH, "tanh")

    sigmoid = _unary_method(_SIGMOID, "sigmoid", " At most 0.25; never overflows.")

    relu = _unary_method(_RELU, "relu", " (0 at x = 0).")

    sin = _unary_method(_SIN, "sin", " x in radians.")

    cos = _unary_method(_COS, "cos", " x in radians.")

    sqrt = _unary_method(
        _SQRT, "sqrt", " Raises DomainError for x <= 0 (at 0 the derivative is infinite)."
    )

    abs = _unary_method(_ABS, "abs", " Also ``abs(v)``.")
    __abs__ = abs

    softplus = _unary_method(_SOFTPLUS, "softplus", " Never overflows.")

    log1p = _unary_method(_LOG1P, "log1p", " Exact for tiny x. Raises DomainError for x <= -1.")

    expm1 = _unary_method(
        _EXPM1, "expm1", " Exact for tiny x. Raises OverflowError for x > 709.78."
    )

    maximum = _binary_operator(_MAXIMUM, "maximum")
    minimum = _binary_operator(_MINIMUM, "minimum")

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """y = x if x > 0 else slope * x; local derivative 1 if x > 0 else slope.

        The slope is the row's fixed number (``node.constant``), like the c of
        ``x ** c``: it is not differentiated. At x = 0 the derivative is the
        slope, as in PyTorch.
        """
        return _record1(_LEAKY_RELU, self, as_float(slope, "leaky_relu"))

    sum = staticmethod(_sum_method(_SUM))
    weighted_sum = staticmethod(_weighted_sum_method(_MUL, _SUM))

    # ----- graph -----------------------------------------------------------------
    def detach(self) -> Value:
        """A new leaf with the same data (and label): the graph stops here."""
        return Value(self.data, label=self.label)

    def backward(self, gradient: Number | Value = 1.0) -> None:
        """Fill in ``grad`` of every node this value depends on: d(self)/d(node).

        Walks the graph in reverse topological order, seeding ``self.grad`` with
        ``gradient`` (1.0 unless given) and applying the chain rule
        ``parent.grad += local * node.grad``. ``y.backward(gradient=g)`` (the
        PyTorch and MiniTorch spelling) gives every node g * dy/d(node): the
        gradient of a larger function whose derivative towards y is g.
        A node whose gradient is 0 passes nothing on (every term would be
        ``local * 0``), so the parts of a graph behind inactive relus cost
        almost nothing.

        Calling it more than once: *leaves* (nodes without parents, such as
        parameters and inputs) **accumulate**, like PyTorch, so zero them
        between training steps. *Interior* nodes are reset at the start of each
        call and hold the gradient of the latest call. For y = x**3 at x = 3,
        two calls leave x.grad == 54.0 (27 + 27).

        Raises:
            FloatingPointError: ``self.data`` is NaN or infinite (an intermediate
                overflowed), so no gradient would be meaningful; or a gradient
                came out NaN or infinite (a local derivative, or its product
                with the upstream gradient, overflowed): the message names the
                node, its operation and inputs, and the local derivative. The
                gradients of that call are left as written; zero them.
            TypeError, ValueError: ``gradient`` is not a finite real number
                (a Value gives its data).
        """
        seed = (
            gradient.data if isinstance(gradient, Value) else as_float(gradient, "backward")
        )
        if not math.isfinite(self.data):
            raise FloatingPointError(
                f"backward: the output is {self.data!r}, so its gradients would be "
                "meaningless; an intermediate result overflowed. Rescale the inputs "
                "or lower the learning rate."
            )
        # The graph has no reference cycles, so the cyclic garbage collector has
        # nothing to find here; pause it and restore the caller's setting.
        collector_was_enabled = gc.isenabled()
        gc.disable()
        try:
            order = topological_order(self)
            for node in order:
                if node._a is not None or (node._extra is not None and node.parents):
                    node.grad = 0.0  # not a leaf
            self.grad += seed
            leaf_total = 0.0
            for node in reversed(order):
                upstream = node.grad
                if upstream == 0.0:
                    # Nothing to pass on (a node behind an inactive relu, say):
                    # every term below would be local * 0.
                    continue
                # The chain rule, parent.grad += local * upstream, for each
                # parent. One and two parents (almost every node) sit in the
                # node's own slots (see the module docstring).
                a = node._a
                if a is not None:
                    a.grad += node._da * upstream
                    b = node._b
                    if b is not None:
                        b.grad += node._db * upstream
                else:
                    extra = node._extra
                    if extra is not None and extra.parents is not None:
                        for parent, local in zip(extra.parents, extra.local_grads):
                            parent.grad += local * upstream
                    else:
                        # A leaf: its gradient is complete. A NaN or infinity
                        # anywhere reaches at least one leaf (inf times any local
                        # derivative stays inf or NaN), so this sum is the check.
                        leaf_total += upstream
            if leaf_total - leaf_total != 0.0:  # NaN or infinite: look closer
                from autograd_core.nonfinite import check_gradients

                check_gradients(self, order, seed)
        finally:
            if collector_was_enabled:
                gc.enable()


def _operand(x: object, operation: str) -> Value:
    """A Value as is; a number as a new constant leaf."""
    if isinstance(x, Value):
        return x
    return _new_node(as_float(x, operation))


_new_value = Value.__new__


class _Extra:
    """The parts of a node that few nodes have, kept in its one ``_extra`` slot.

    ``label`` and ``constant`` (None when absent), and for a node with three or
    more parents its ``parents`` and ``local_grads`` tuples (None otherwise).
    """

    __slots__ = ("label", "constant", "parents", "local_grads")

    def __init__(self, label: str | None = None) -> None:
        self.label = label
        self.constant: float | None = None
        self.parents: tuple[Value, ...] | None = None
        self.local_grads: tuple[float, ...] | None = None


def _extras_of(node: Value) -> _Extra:
    """The node's ``_Extra``, made on first use."""
    extra = node._extra
    if extra is None:
        extra = node._extra = _Extra()
    return extra


def _store_graph(
    node: Value, parents: tuple[Value, ...], local_grads: tuple[float, ...]
) -> None:
    """Keep ``parents`` and their ``local_grads`` in the node's slots (module docstring)."""
    count = len(parents)
    if count <= 2:
        node._a = parents[0] if count else None
        if count:
            node._da = local_grads[0]
        if count == 2:
            node._b, node._db = parents[1], local_grads[1]
        else:
            node._b = None
        extra = node._extra
        if extra is not None:
            extra.parents = extra.local_grads = None
    else:
        node._a = None
        extra = _extras_of(node)
        extra.parents, extra.local_grads = parents, local_grads


def _new_node(data: float) -> Value:
    """A bare leaf, made without re-validating data the engine computed itself."""
    node = _new_value(Value)
    node.data = data
    node.grad = 0.0
    node._a = None
    node.op = ""
    node._extra = None
    return node


def _record1(operation: Operation, x: Value, constant: float | None = None) -> Value:
    """Apply a one-input row of the table; store parents and local derivative."""
    x_data = x.data
    if constant is None:
        result = operation.forward(scalar_math, x_data)
    else:
        result = operation.forward(scalar_math, x_data, constant)
    if result - result != 0.0:
        raise _overflow(operation.name, (x_data,), result, constant)
    node = _new_node(result)
    if is_recording():
        node._a = x
        node._b = None
        if constant is None:
            (node._da,) = operation.local_grads(scalar_math, result, x_data)
        else:
            (node._da,) = operation.local_grads(scalar_math, result, x_data, constant)
            node.constant = constant
        node.op = operation.name
    return node


#: ``a ** b`` with a Value exponent (both differentiated), used by ``__pow__``.
_power_of_values = _binary_operator(_POWV, "_power_of_values")


def apply_operation(
    operation: Operation, inputs: Sequence[Operand], constant: float | None = None
) -> Value:
    """Apply any row of the table to its inputs and record the node.

    The generic form of what the operators and methods do (they take faster
    routes for one and two inputs). Use it for rows that have no method of
    their own, and in code that works from the table (tests, compilers).

    Args:
        operation: The row.
        inputs: Values or numbers, as many as ``operation.arity`` asks for.
        constant: The fixed number of rows that take one (the c of ``x ** c``).

    Raises:
        ValueError: Wrong number of inputs, or a constant missing or extra.
    """
    parents = tuple(_operand(v, operation.name) for v in inputs)
    if operation.arity is not None and len(parents) != operation.arity:
        raise ValueError(
            f"{operation.name}: takes {operation.arity} input(s), got {len(parents)}."
        )
    if not parents:
        raise ValueError(f"{operation.name}: needs at least one input, got none.")
    if operation.takes_constant != (constant is not None):
        need = "needs a constant" if operation.takes_constant else "takes no constant"
        raise ValueError(f"{operation.name}: {need}, got constant={constant!r}.")
    arguments = [p.data for p in parents]
    if constant is not None:
        arguments.append(constant)
    result = operation.forward(scalar_math, *arguments)
    if result - result != 0.0:
        raise _overflow(operation.name, [p.data for p in parents], result, constant)
    node = _new_node(result)
    if is_recording():
        _store_graph(node, parents, tuple(operation.local_grads(scalar_math, result, *arguments)))
        node.op = operation.name
        node.constant = constant
    return node
