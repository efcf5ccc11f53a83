"""Operations that learners define themselves: a new row of the table from user code.

A row is two functions written with the math namespace ``m``, exactly like the
built-in rows of :mod:`autograd_core.ops`::

    from autograd_core import define_operation

    sin = define_operation(
        "my_sin",
        forward=lambda m, x: m.sin(x),             # y = sin x
        local_grads=lambda m, y, x: (m.cos(x),),   # dy/dx = cos x
        formula="y = sin x", derivatives="dy/dx = cos x",
    )
    y = sin(Value(0.5))

:func:`define_operation` checks the two functions once, puts the row into the
table (``OPERATIONS[name]``) and returns the function that applies it. Because
every tool reads the table, the new operation then gets, with no other code:

* ``backward()``, ``gradcheck`` and ``jvp`` (forward and local derivatives on floats);
* diagrams (its ``symbol`` on the operation's circle), ``explain`` and
  ``trace_backward`` (its ``formula`` and ``derivatives`` next to the numbers);
* higher-order gradients, when ``local_grads`` computes with ``m`` (then, with
  ``m = value_math``, the derivatives are Value nodes that can be
  differentiated again);
* the compiled batch mode, when both functions compute with ``m`` and
  operators only (then ``m = array_math`` runs them on whole arrays).

:func:`autograd_core.check_operation` then compares the derivatives with
finite differences and says what looks wrong.
"""

from __future__ import annotations

import inspect
import keyword
import math
from collections.abc import Callable, Sequence
from numbers import Real
from typing import Any

from autograd_core import scalar_math
from autograd_core.ops import BUILT_IN_NAMES, OPERATIONS, Operation, add_row, remove_row
from autograd_core.value import Operand, Value, apply_operation

#: The interval each input is drawn from when no ``domain`` is given.
DEFAULT_INTERVAL = (-3.0, 3.0)


class UserOperation:
    """The function :func:`define_operation` returns: call it on Values or numbers.

    ``op(x)``, ``op(a, b)``, ``op(x, constant=c)`` for a row with a fixed
    number. ``op.row`` is the row of the table (an :class:`Operation`).
    """

    __slots__ = ("row",)

    def __init__(self, row: Operation) -> None:
        self.row = row

    @property
    def name(self) -> str:
        """The row's name, stored in ``Value.op`` of every node it makes."""
        return self.row.name

    def __call__(self, *inputs: Operand, constant: float | None = None) -> Value:
        """Apply the row: a node whose parents are ``inputs`` (numbers become constant leaves).

        Raises:
            ValueError: a wrong number of inputs, or a constant missing or extra.
        """
        return apply_operation(self.row, inputs, constant)

    def __repr__(self) -> str:
        return f"<operation {self.row.name!r}: {self.row.formula}; {self.row.derivatives}>"


def _input_names(forward: Callable[..., Any], takes_constant: bool) -> tuple[list[str], bool]:
    """The names of forward's inputs (after ``m``, before a constant), and whether it is n-ary."""
    try:
        parameters = list(inspect.signature(forward).parameters.values())
    except (TypeError, ValueError):  # a builtin without a signature
        return ["x"], False
    positional = [
        p.name for p in parameters
        if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    ]
    variadic = any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in parameters)
    names = positional[1:]  # the first is the math namespace m
    if takes_constant and names:
        names = names[:-1]
    return names, variadic


def _sample_point(domain: Sequence[tuple[float, float]]) -> list[float]:
    """A point inside the domain, away from its middle (where kinks such as 0 often sit)."""
    return [low + 0.37 * (high - low) for low, high in domain]


def _check_definition(row: Operation, method: str | None) -> None:
    """Run the row once on floats; refuse it with a message that says how to fix it."""
    name = row.name
    point = _sample_point(row.domain)
    arguments: list[float] = point + ([row.constant_examples[0]] if row.takes_constant else [])
    try:
        y = row.forward(scalar_math, *arguments)
    except AttributeError as error:
        raise TypeError(
            f"define_operation({name!r}): forward failed on plain floats ({error}). forward "
            "is called with the math namespace m and numbers: write m.sin(x), m.exp(x) "
            "... and + - * /, not x.sin()."
        ) from error
    if isinstance(y, bool) or not isinstance(y, Real) or not math.isfinite(float(y)):
        raise TypeError(
            f"define_operation({name!r}): forward(m, {', '.join(map(repr, arguments))}) "
            f"returned {y!r}; it must return one finite number."
        )
    try:
        grads = row.local_grads(scalar_math, y, *arguments)
    except AttributeError as error:
        raise TypeError(
            f"define_operation({name!r}): local_grads failed on plain floats ({error}). It "
            "is called as local_grads(m, y, *inputs): write m.cos(x) ..., not x.cos()."
        ) from error
    if not isinstance(grads, (tuple, list)):
        raise TypeError(
            f"define_operation({name!r}): local_grads must return a tuple with one "
            f"derivative per input, got {type(grads).__name__} {grads!r}. For one input "
            "write (derivative,) with the comma."
        )
    if len(grads) != len(point):
        raise TypeError(
            f"define_operation({name!r}): local_grads returned {len(grads)} derivative(s) "
            f"for {len(point)} input(s); return one per input, in the order of the inputs."
        )
    for index, g in enumerate(grads):
        if isinstance(g, bool) or not isinstance(g, Real):
            raise TypeError(
                f"define_operation({name!r}): derivative {index} is {g!r}, not a number."
            )
    if method is not None:
        if not method.isidentifier() or keyword.iskeyword(method):
            raise ValueError(f"define_operation({name!r}): method={method!r} is not a valid name.")
        existing = getattr(Value, method, None)
        if existing is not None and not getattr(existing, "_defined_operation", False):
            raise ValueError(
                f"define_operation({name!r}): Value already has {method!r}; pick another "
                "method name (or method=None and call the returned function)."
            )


def define_operation(
    name: str,
    forward: Callable[..., Any],
    local_grads: Callable[..., Sequence[Any]],
    *,
    symbol: str | None = None,
    formula: str | None = None,
    derivatives: str | None = None,
    domain: Sequence[tuple[float, float]] | None = None,
    constant_examples: Sequence[float] = (),
    kinks: Sequence[float] = (),
    method: str | None = None,
) -> UserOperation:
    """Add a row to the table of operations from your own code, and get its function.

    Args:
        name: The row's name (stored in ``Value.op``); not one of the built-in rows.
            Defining the same name again replaces your earlier row (re-running a
            notebook cell).
        forward: ``forward(m, *inputs[, constant]) -> y``, written with ``m``
            (``m.exp``, ``m.sin`` ..., and operators), like the built-in rows.
        local_grads: ``local_grads(m, y, *inputs[, constant])`` returning a tuple
            with dy/dinput for each input; it may use the output ``y``.
        symbol: The label on the diagram's operation circle (default: ``name``).
        formula: The forward math in words, e.g. ``"y = sin x"``.
        derivatives: The local derivatives in words, e.g. ``"dy/dx = cos x"``.
        domain: One interval ``(low, high)`` per input where the operation is
            smooth; :func:`check_operation` draws its test points from it.
            Default (-3, 3) for each input.
        constant_examples: For an operation with a fixed number besides its
            inputs (like the slope of leaky_relu), values to check it with.
        kinks: Inputs where it is not differentiable; checks keep away from them.
        method: Also attach the operation to ``Value`` under this name, so that
            ``x.my_sin()`` works (None: only the returned function).

    Returns:
        The function that applies the row (``op(x)``, ``op(a, b)``; ``op.row``).

    Raises:
        ValueError: a built-in name, a name that is not an identifier, a bad
            domain, or a method name ``Value`` already has.
        TypeError: ``forward`` or ``local_grads`` fails on floats, returns
            something other than numbers, or gives the wrong number of derivatives.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"define_operation: name must be an identifier such as 'my_sin', got {name!r}.")
    if name in BUILT_IN_NAMES:
        raise ValueError(
            f"define_operation: {name!r} is a built-in row of the table; choose another "
            f"name, e.g. 'my_{name}'."
        )
    if not callable(forward) or not callable(local_grads):
        raise TypeError(f"define_operation({name!r}): forward and local_grads must be functions.")
    takes_constant = bool(constant_examples)
    inputs, variadic = _input_names(forward, takes_constant)
    if domain is None:
        if variadic:
            raise ValueError(
                f"define_operation({name!r}): forward takes *inputs; give domain=[...] with one "
                "interval per input of a typical call."
            )
        domain = [DEFAULT_INTERVAL] * max(len(inputs), 1)
    intervals = tuple((float(low), float(high)) for low, high in domain)
    if not intervals or any(not low < high for low, high in intervals):
        raise ValueError(
            f"define_operation({name!r}): domain needs one interval (low, high) with low < high "
            f"per input, got {domain!r}."
        )
    arity = None if variadic else len(intervals)
    if arity is not None and inputs and len(inputs) != arity:
        raise ValueError(
            f"define_operation({name!r}): forward takes {len(inputs)} input(s) "
            f"({', '.join(inputs)}) but domain gives {arity} interval(s); give one per input."
        )
    shown = ", ".join(inputs) if inputs and not variadic else "x"
    row = Operation(
        name=name,
        arity=arity,
        symbol=symbol or name,
        formula=formula or f"y = {name}({shown})",
        derivatives=derivatives or f"dy/d{inputs[0] if len(inputs) == 1 else 'input'}: see local_grads",
        forward=forward,
        local_grads=local_grads,  # type: ignore[arg-type]
        domain=intervals,
        constant_examples=tuple(float(c) for c in constant_examples),
        kinks=tuple(float(k) for k in kinks),
    )
    _check_definition(row, method)
    add_row(row)
    operation = UserOperation(row)
    if method is not None:
        def as_method(self: Value, *others: Operand, constant: float | None = None) -> Value:
            return apply_operation(OPERATIONS[name], (self, *others), constant)

        as_method.__doc__ = f"{row.formula}; local derivatives {row.derivatives} (defined by you)."
        as_method.__name__ = method
        as_method._defined_operation = True  # type: ignore[attr-defined]
        setattr(Value, method, as_method)
    return operation


def remove_operation(operation: UserOperation | str, method: str | None = None) -> None:
    """Take a learner-defined row out of the table again (and its ``Value`` method).

    Nodes already made with it keep their data and gradients, but diagrams and
    explanations of them need the row, so remove it when you are done with them.

    Raises:
        ValueError: a built-in row, or ``method`` is not a method you defined.
        KeyError: no such row.
    """
    name = operation.name if isinstance(operation, UserOperation) else operation
    remove_row(name)
    if method is not None:
        existing = getattr(Value, method, None)
        if not getattr(existing, "_defined_operation", False):
            raise ValueError(f"remove_operation: Value.{method} is not a method you defined.")
        delattr(Value, method)
