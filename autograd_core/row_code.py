"""The source code of ``Value``'s operators, written from the rows of the table.

What every operator does is the loop of :mod:`autograd_core.value`'s docstring:
run the row's ``forward`` on the input numbers, make a node, and store its
parents and the row's ``local_grads``. Written with calls, that is two Python
function calls per node (plus the tuple ``local_grads`` returns), a third of
the time of a small step. So each operator of a one- or two-input row is
*written out* here as Python source, with the row's two formulas put in
place of the calls, and compiled once when :mod:`autograd_core.value` is
imported. The row stays the single source of truth: the formulas are read
from the row's own ``lambda`` (its source text, checked against the code that
runs), never typed twice. A row whose functions are not one-line lambdas
(a learner's ``def``, a formula that uses other names) gets the same method
with plain calls to ``forward`` and ``local_grads``.

To see what runs, print the source::

    >>> from autograd_core import Value
    >>> from autograd_core.row_code import method_source
    >>> print(method_source(Value.__mul__))  # doctest: +ELLIPSIS
    def __mul__(self, other):
    ...
        result = a_data * b_data  # the row's forward
    ...

``inspect.getsource(Value.__mul__)`` and tracebacks show the same text.
"""

from __future__ import annotations

import ast
import inspect
import linecache
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from autograd_core.ops import Operation

#: The names the generated code gives a row's arguments.
_BINARY_INPUTS = ("a_data", "b_data")
_UNARY_INPUTS = ("x_data",)


@lru_cache(maxsize=None)
def _lambdas_in(filename: str) -> dict[int, list[ast.Lambda]]:
    """Every ``lambda`` in a source file, by the line it starts on."""
    with open(filename, encoding="utf-8") as file:
        tree = ast.parse(file.read(), filename)
    found: dict[int, list[ast.Lambda]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Lambda):
            found.setdefault(node.lineno, []).append(node)
    return found


def _same_code(expression: ast.Lambda, function: Callable[..., Any]) -> bool:
    """True when ``expression`` compiles to the very code of ``function``."""
    code = compile(ast.Expression(body=expression), "<row>", "eval")
    made = next(c for c in code.co_consts if inspect.iscode(c))
    running = function.__code__
    return (made.co_code, made.co_consts, made.co_names) == (
        running.co_code,
        running.co_consts,
        running.co_names,
    )


def _lambda_of(function: Callable[..., Any]) -> ast.Lambda | None:
    """The ``lambda`` expression ``function`` was made from, or None (not a lambda, no source)."""
    if getattr(function, "__name__", "") != "<lambda>" or function.__closure__:
        return None
    try:
        filename = inspect.getsourcefile(function)
        candidates = _lambdas_in(filename) if filename else {}
    except (OSError, TypeError, SyntaxError):
        return None
    matches = [
        lam
        for lam in candidates.get(function.__code__.co_firstlineno, [])
        if _same_code(lam, function)
    ]
    return matches[0] if len(matches) == 1 else None


class _Rename(ast.NodeTransformer):
    """Rename a lambda's parameters; note any other name (then the formula is not used)."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        self.foreign = False

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id not in self.names:
            self.foreign = True
            return node
        return ast.copy_location(ast.Name(id=self.names[node.id], ctx=node.ctx), node)


def _body(function: Callable[..., Any], names: tuple[str, ...]) -> ast.expr | None:
    """The lambda's expression with its parameters renamed to ``names``, or None."""
    expression = _lambda_of(function)
    if expression is None:
        return None
    arguments = expression.args
    if arguments.vararg or arguments.kwarg or arguments.kwonlyargs or arguments.defaults:
        return None
    parameters = [a.arg for a in arguments.posonlyargs + arguments.args]
    if len(parameters) != len(names):
        return None
    rename = _Rename(dict(zip(parameters, names)))
    body = rename.visit(ast.parse(ast.unparse(expression.body), mode="eval").body)
    return None if rename.foreign else body


def row_formulas(operation: Operation) -> tuple[str, tuple[str, ...]] | None:
    """The row's forward and local derivatives as Python expressions, or None.

    The expressions use ``a_data, b_data`` (two inputs) or ``x_data`` (one),
    ``result`` for the output y and ``m`` for the math namespace, e.g. for
    ``mul``: ``("a_data * b_data", ("b_data", "a_data"))``. None when the
    row's functions are not one-line lambdas of their own arguments.
    """
    inputs = {2: _BINARY_INPUTS, 1: _UNARY_INPUTS}.get(operation.arity or 0)
    if inputs is None or operation.takes_constant:
        return None
    forward = _body(operation.forward, ("m", *inputs))
    grads = _body(operation.local_grads, ("m", "result", *inputs))
    if forward is None or not isinstance(grads, ast.Tuple) or len(grads.elts) != len(inputs):
        return None
    return ast.unparse(forward), tuple(ast.unparse(g) for g in grads.elts)


def binary_operator_source(operation: Operation, method: str, reflected: bool = False) -> str:
    """The source of ``Value.<method>`` (``a (op) b``) for a two-input row.

    ``reflected=True`` is the right-hand version (``2 * v`` calls
    ``v.__rmul__(2)``: ``self`` is the second input).
    """
    formulas = row_formulas(operation)
    if formulas is None:
        forward = "forward(m, a_data, b_data)"
        grads = "local_grads(m, result, a_data, b_data)"
    else:
        forward, (grad_a, grad_b) = formulas[0], formulas[1]
        grads = f"{grad_a}, {grad_b}"
    a, b = ("other", "self") if reflected else ("self", "other")
    name = operation.name
    return f'''def {method}(self, other):
    if type(other) is not Value:
        other = _operand(other, {name!r})
    a_data = {a}.data
    b_data = {b}.data
    result = {forward}  # the row's forward
    if result - result != 0.0:  # NaN or infinity from finite inputs
        raise _overflow({name!r}, (a_data, b_data), result)
    node = _new_value(Value)
    node.data = result
    node.grad = 0.0
    node._extra = None
    if is_recording():
        node._a = {a}
        node._b = {b}
        node._da, node._db = {grads}  # the row's local_grads
        node.op = {name!r}
    else:
        node._a = None
        node.op = ""
    return node
'''


def unary_method_source(operation: Operation, method: str) -> str:
    """The source of ``Value.<method>`` (``x.tanh()``, ``-x`` ...) for a one-input row."""
    formulas = row_formulas(operation)
    if formulas is None:
        forward = "forward(m, x_data)"
        store = "(node._da,) = local_grads(m, result, x_data)"
    else:
        forward, store = formulas[0], f"node._da = {formulas[1][0]}"
    name = operation.name
    return f'''def {method}(self):
    x_data = self.data
    result = {forward}  # the row's forward
    if result - result != 0.0:  # NaN or infinity from a finite input
        raise _overflow({name!r}, (x_data,), result)
    node = _new_value(Value)
    node.data = result
    node.grad = 0.0
    node._extra = None
    if is_recording():
        node._a = self
        node._b = None
        {store}  # the row's local_grads
        node.op = {name!r}
    else:
        node._a = None
        node.op = ""
    return node
'''


#: Generated function -> its source.
_SOURCES: dict[Callable[..., Any], str] = {}


def compile_method(
    source: str,
    operation: Operation,
    namespace: dict[str, Any],
    math_namespace: Any,
) -> Callable[..., Any]:
    """Compile a generated method in ``namespace`` (the globals of :mod:`autograd_core.value`).

    ``m`` (the math namespace), ``forward`` and ``local_grads`` (the row's
    functions, for the form with calls) are the method's closure. The source
    is registered with :mod:`linecache`, so ``inspect.getsource`` and
    tracebacks show it.
    """
    method = source.split("(", 1)[0].removeprefix("def ")
    filename = f"<autograd_core: Value.{method}, written from the row {operation.name!r}>"
    factory = "def _make(m, forward, local_grads):\n" + "".join(
        f"    {line}\n" if line else "\n" for line in source.splitlines()
    ) + f"    return {method}\n"
    scope: dict[str, Any] = {}
    exec(compile(factory, filename, "exec"), namespace, scope)
    function: Callable[..., Any] = scope["_make"](
        math_namespace, operation.forward, operation.local_grads
    )
    lines = [line + "\n" for line in factory.splitlines()]
    linecache.cache[filename] = (len(factory), None, lines, filename)
    _SOURCES[function] = source
    return function


def method_source(method: Callable[..., Any]) -> str:
    """The generated source of one of ``Value``'s operators (``Value.__mul__``, ``Value.exp``).

    Raises:
        ValueError: ``method`` was not written by this module.
    """
    function = getattr(method, "__func__", method)
    if function not in _SOURCES:
        raise ValueError(
            f"method_source: {getattr(method, '__qualname__', method)!r} is not an operator "
            "written from a row of the table (Value's operators such as Value.__mul__ "
            "and Value.exp are)."
        )
    return _SOURCES[function]
