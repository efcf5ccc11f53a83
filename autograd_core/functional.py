"""Derivatives as transformations of functions: ``grad``, ``value_and_grad``, ``hessian``.

The style of JAX and HIPS autograd: ``grad(f)`` is a new function that
returns the derivative of ``f``, so it composes::

    f = lambda x: x.tanh()
    d2f = grad(grad(f))
    d2f(0.5)        # tanh''(0.5) = -2 tanh(0.5) (1 - tanh(0.5)**2) = -0.7268...

``f`` is written with Value operations (``x.tanh()``, ``x * y`` ...) and is
called with Values; every call builds a fresh graph and differentiates it with
:func:`autograd_core.higher_order.gradients`. Arguments that are not
differentiated reach ``f`` as constant Values if they are floats, and
unchanged otherwise (an int count, a string, a list of data).

What comes out:

* called with plain numbers (the usual case), a transformed function returns
  plain floats;
* called with any Value argument, or from inside another transformed function
  (``grad(grad(f))``), it returns Values that carry their graph, so that the
  caller can differentiate them again.

Each differentiated argument enters ``f`` as a fresh node of its own, so the
derivative is taken through that argument only, as in JAX: in
``grad(lambda x: grad(lambda y: x * y)(x))`` the inner derivative is ``x``
(y and x are different variables, even though the same number is passed),
and the outer one is 1. A transformed function called with plain numbers does
not see Values that ``f`` captures from outside (it returns floats): pass such
a Value as an argument instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from autograd_core.grad_mode import enable_grad
from autograd_core.higher_order import gradients
from autograd_core.value import Value, as_float

#: Which positional arguments to differentiate: one index, or several.
ArgNums = int | Sequence[int]


#: How many transformed functions are running right now in this thread or
#: asyncio task (nesting depth); per context, like the grad mode.
_depth: ContextVar[int] = ContextVar("autograd_core_transform_depth", default=0)


@contextmanager
def _inside_transform() -> Iterator[None]:
    """Count this transform as running, and record the graph it needs.

    Graph recording is switched on even inside ``no_grad()``: a transform
    always needs the graph of ``f`` to differentiate it. Both settings are
    restored on exit, also when ``f`` raises.
    """
    token = _depth.set(_depth.get() + 1)
    try:
        with enable_grad():
            yield
    finally:
        _depth.reset(token)


def _keep_graph(args: tuple[Any, ...]) -> bool:
    """True when results must stay Values: Values were passed in, or a transform is running."""
    return _depth.get() > 0 or any(isinstance(a, Value) for a in args)


def _positions(argnums: ArgNums | None, n_args: int, name: str) -> tuple[int, ...]:
    """The argument indices to differentiate, checked against the call."""
    if argnums is None:
        if n_args == 0:
            raise ValueError(
                f"{name}: the function was called without arguments; "
                "there is nothing to differentiate."
            )
        return tuple(range(n_args))
    positions = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not positions:
        raise ValueError(f"{name}: argnums is empty; name at least one argument index.")
    for position in positions:
        if not isinstance(position, int) or isinstance(position, bool):
            raise TypeError(f"{name}: argnums must be ints, got {position!r}.")
        if not 0 <= position < n_args:
            raise ValueError(
                f"{name}: argnums {position} is out of range for a call with {n_args} "
                f"positional argument(s). Pass the argument, or change argnums."
            )
    if len(set(positions)) != len(positions):
        raise ValueError(f"{name}: argnums {positions} names an argument twice.")
    return positions


def _prepare_call(
    args: tuple[Any, ...], positions: tuple[int, ...], name: str
) -> tuple[list[Any], list[Value]]:
    """Turn the differentiated arguments into fresh variable nodes.

    The other arguments pass through, except floats, which become constants.

    Returns:
        The arguments to call ``f`` with, and the variable nodes (one per
        position).
    """
    # Floats that are not differentiated enter as constant leaves, so that f
    # can call Value methods on every number it gets (y.tanh()); ints and
    # other objects (counts, names, options) are passed on as they are.
    call_args = [Value(a) if isinstance(a, float) else a for a in args]
    variables = []
    for position in positions:
        argument = args[position]
        if isinstance(argument, Value):
            # A one-input sum: a new node equal to the argument (derivative 1),
            # so that this argument is a variable of its own (see the module
            # docstring) while the caller can still differentiate through it.
            variable = Value.sum([argument])
        else:
            variable = Value(as_float(argument, name))
        call_args[position] = variable
        variables.append(variable)
    return call_args, variables


def _evaluate(f: Callable[..., Any], call_args: list[Any], name: str) -> Value:
    """Call ``f``; a plain number result is a constant (a leaf Value)."""
    result = f(*call_args)
    if isinstance(result, Value):
        return result
    try:
        return Value(as_float(result, name))
    except TypeError:
        raise TypeError(
            f"{name}: f must return one number (a Value built from its arguments), "
            f"got {type(result).__name__}. For several outputs, transform each "
            "output separately."
        ) from None


def _shape(results: list[Any], argnums: ArgNums | None) -> Any:
    """One result for an int argnums, a tuple for a sequence of them."""
    return results[0] if isinstance(argnums, int) else tuple(results)


def value_and_grad(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., tuple[Any, Any]]:
    """A function that returns ``f``'s value and its gradient in one pass.

    Args:
        f: A function of scalars written with Value operations, returning
            one number.
        argnums: The index of the argument to differentiate, or a sequence
            of indices.

    Returns:
        ``g(*args) -> (f(*args), derivative)``; the derivative is one number
        for an int ``argnums``, a tuple of numbers for a sequence. Floats
        when called with plain numbers, Values (differentiable again) when
        called with Values or inside another transform.

    Raises:
        (when g is called) ValueError: ``argnums`` out of range or repeated.
        TypeError: an argument or ``f``'s result is not a real number or Value.
    """

    def value_and_grad_of_f(*args: Any) -> tuple[Any, Any]:
        positions = _positions(argnums, len(args), "value_and_grad")
        keep_graph = _keep_graph(args)
        with _inside_transform():
            call_args, variables = _prepare_call(args, positions, "value_and_grad")
            output = _evaluate(f, call_args, "value_and_grad")
            derivatives = gradients(output, variables, create_graph=keep_graph)
        value = output if keep_graph else output.data
        return value, _shape(list(derivatives), argnums)

    value_and_grad_of_f.__name__ = f"value_and_grad({getattr(f, '__name__', 'f')})"
    value_and_grad_of_f.__doc__ = f"Value and gradient of {getattr(f, '__name__', 'f')}."
    return value_and_grad_of_f


def grad(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., Any]:
    """The derivative of ``f`` as a new function: ``grad(f)(x) = df/dx``.

    Composable: ``grad(grad(f))`` is the second derivative, and
    ``grad(grad(f, argnums=0), argnums=1)`` a mixed partial d2f/dy dx.

    Args:
        f: A function of scalars written with Value operations, returning
            one number.
        argnums: The index of the argument to differentiate (default: the
            first), or a sequence of indices.

    Returns:
        ``g(*args) -> derivative``: one number for an int ``argnums``, a tuple
        for a sequence. Floats when called with plain numbers; Values with a
        graph when called with Values or inside another transform.

    Raises:
        (when g is called) ValueError: ``argnums`` out of range or repeated.
        TypeError: an argument or ``f``'s result is not a real number or Value.

    Example:
        >>> grad(lambda x: x ** 3)(2.0)
        12.0
        >>> grad(grad(lambda x: x ** 3))(2.0)
        12.0
    """
    with_value = value_and_grad(f, argnums)

    def grad_of_f(*args: Any) -> Any:
        return with_value(*args)[1]

    grad_of_f.__name__ = f"grad({getattr(f, '__name__', 'f')})"
    grad_of_f.__doc__ = f"Derivative of {getattr(f, '__name__', 'f')}."
    return grad_of_f


def hessian(f: Callable[..., Any], argnums: ArgNums | None = None) -> Callable[..., Any]:
    """The matrix of second derivatives H[i][j] = d2f / dx_i dx_j as a function.

    Meant for a handful of inputs: it costs one differentiable backward pass
    for the gradient and one more per input. Unlike JAX, the default is every
    positional argument, since here each argument is one scalar:
    ``hessian(f)(x, y)`` is the 2 x 2 matrix.

    Args:
        f: A function of scalars written with Value operations, returning
            one number.
        argnums: None for all positional arguments; an int for the single
            second derivative d2f/dx2; or a sequence of indices.

    Returns:
        ``h(*args)``: a tuple of rows (tuples), or one number for an int
        ``argnums``. Floats when called with plain numbers, Values otherwise
        (see :func:`grad`). The matrix is symmetric for smooth ``f``.

    Raises:
        (when h is called) ValueError: ``argnums`` out of range or repeated,
            or no arguments.
        TypeError: an argument or ``f``'s result is not a real number or Value.
    """

    def hessian_of_f(*args: Any) -> Any:
        positions = _positions(argnums, len(args), "hessian")
        keep_graph = _keep_graph(args)
        with _inside_transform():
            call_args, variables = _prepare_call(args, positions, "hessian")
            output = _evaluate(f, call_args, "hessian")
            first = gradients(output, variables, create_graph=True)
            rows = [
                tuple(gradients(derivative, variables, create_graph=keep_graph))
                for derivative in first
            ]
        if isinstance(argnums, int):
            return rows[0][0]
        return tuple(rows)

    hessian_of_f.__name__ = f"hessian({getattr(f, '__name__', 'f')})"
    hessian_of_f.__doc__ = f"Hessian of {getattr(f, '__name__', 'f')}."
    return hessian_of_f
