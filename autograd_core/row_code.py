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
import builtins
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
    """Rename a lambda's parameters; note any other name (then the formula is not used).

    Python's built-in functions (``sum``, ``len``: the n-ary ``sum`` row) are
    the one exception: they mean the same in the generated code.
    """

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        self.foreign = False

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id not in self.names:
            self.foreign = self.foreign or node.id not in vars(builtins)
            return node
        return ast.copy_location(ast.Name(id=self.names[node.id], ctx=node.ctx), node)


def _body(
    function: Callable[..., Any], names: tuple[str, ...], rest: str | None = None
) -> ast.expr | None:
    """The lambda's expression with its parameters renamed to ``names``, or None.

    ``rest`` is the name for a ``*xs`` parameter (an n-ary row's inputs); a
    lambda has one exactly when ``rest`` is given.
    """
    expression = _lambda_of(function)
    if expression is None:
        return None
    arguments = expression.args
    if arguments.kwarg or arguments.kwonlyargs or arguments.defaults:
        return None
    if (arguments.vararg is None) != (rest is None):
        return None
    parameters = [a.arg for a in arguments.posonlyargs + arguments.args]
    if len(parameters) != len(names):
        return None
    renames = dict(zip(parameters, names))
    if arguments.vararg is not None and rest is not None:
        renames[arguments.vararg.arg] = rest
    rename = _Rename(renames)
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


def nary_formulas(operation: Operation, inputs: str = "inputs") -> tuple[str, str] | None:
    """An n-ary row's forward and local derivatives as Python expressions, or None.

    The expressions use ``inputs`` (the name of the list of input numbers),
    ``result`` and ``m``; for ``sum``: ``("sum(inputs)", "(1.0,) * len(inputs)")``.
    """
    if operation.arity is not None or operation.takes_constant:
        return None
    forward = _body(operation.forward, ("m",), rest=inputs)
    grads = _body(operation.local_grads, ("m", "result"), rest=inputs)
    if forward is None or grads is None:
        return None
    return ast.unparse(forward), ast.unparse(grads)


def _two_parent_node(a: str, b: str, grads: str, name: str, indent: str) -> str:
    """The lines that make the node of a two-input row from ``result`` (recording)."""
    lines = (
        "node = _new_value(Value)",
        "node.data = result",
        "node.grad = 0.0",
        "node._extra = None",
        f"node._a = {a}",
        f"node._b = {b}",
        f"node._da, node._db = {grads}  # the row's local_grads",
        f"node.op = {name!r}",
    )
    return "".join(f"{indent}{line}\n" for line in lines)


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
    if not is_recording():  # inside no_grad(): a leaf, no graph
        return _new_node(result)
{_two_parent_node(a, b, grads, name, "    ")}    return node
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
    if not is_recording():  # inside no_grad(): a leaf, no graph
        return _new_node(result)
    node = _new_value(Value)
    node.data = result
    node.grad = 0.0
    node._extra = None
    node._a = self
    node._b = None
    {store}  # the row's local_grads
    node.op = {name!r}
    return node
'''


def sum_method_source(operation: Operation) -> str:
    """The source of ``Value.sum(values)``: one node of an n-ary row with n parents."""
    formulas = nary_formulas(operation)
    if formulas is None:
        forward, grads = "forward(m, *inputs)", "tuple(local_grads(m, result, *inputs))"
    else:
        forward, grads = formulas
    name = operation.name
    return f'''def value_sum(values):
    parents = tuple(values)
    inputs = [p.data for p in parents if p.__class__ is Value]
    if len(inputs) != len(parents):  # numbers among them become constant leaves
        parents = tuple(_operand(v, {name!r}) for v in parents)
        inputs = [p.data for p in parents]
    if not parents:
        raise ValueError("{name}: needs at least one value, got an empty sequence.")
    result = {forward}  # the row's forward
    if result - result != 0.0:  # NaN or infinity from finite inputs
        raise _overflow({name!r}, inputs, result)
    node = _new_node(result)
    if is_recording():
        _store_graph(node, parents, {grads})  # the row's local_grads
        node.op = {name!r}
    return node
'''


def weighted_sum_source(product: Operation, total: Operation) -> str:
    """The source of ``Value.weighted_sum``: the nodes of ``w1*x1 + ... + wn*xn + b``.

    One ``product`` node (the ``mul`` row) per weight and input, then one
    ``total`` node (the n-ary ``sum`` row) over them and the bias: the very
    nodes of ``Value.sum([w * x for w, x in zip(weights, inputs)] + [bias])``,
    made in one loop instead of one operator call per product. Anything
    else than Values while recording (numbers, ``no_grad()``) takes that
    plain expression (``_plain_weighted_sum``).

    Raises:
        ValueError: a row's formulas are not one-line lambdas.
    """
    products, totals = row_formulas(product), nary_formulas(total, inputs="term_data")
    if products is None or totals is None:
        raise ValueError(
            f"weighted_sum_source: the rows {product.name!r} and {total.name!r} need "
            "one-line lambdas to be written out."
        )
    (forward, (grad_w, grad_x)), (total_forward, total_grads) = products, totals
    node = _two_parent_node("w", "x", f"{grad_w}, {grad_x}", product.name, "        ")
    return f'''def weighted_sum(weights, inputs, bias=None):
    if len(weights) != len(inputs):
        raise ValueError(
            f"weighted_sum: {{len(weights)}} weights but {{len(inputs)}} inputs; "
            "one weight per input is needed."
        )
    if not is_recording() or not weights or (bias is not None and bias.__class__ is not Value):
        return _plain_weighted_sum(weights, inputs, bias)
    terms = []
    term_data = []
    for w, x in zip(weights, inputs):
        if w.__class__ is not Value or x.__class__ is not Value:
            return _plain_weighted_sum(weights, inputs, bias)
        a_data = w.data
        b_data = x.data
        result = {forward}  # the {product.name!r} row's forward
        if result - result != 0.0:  # NaN or infinity from finite inputs
            raise _overflow({product.name!r}, (a_data, b_data), result)
{node}        terms.append(node)
        term_data.append(result)
    if bias is not None:
        terms.append(bias)
        term_data.append(bias.data)
    result = {total_forward}  # the {total.name!r} row's forward
    if result - result != 0.0:  # NaN or infinity from finite inputs
        raise _overflow({total.name!r}, term_data, result)
    node = _new_node(result)
    _store_graph(node, tuple(terms), {total_grads})  # the {total.name!r} row's local_grads
    node.op = {total.name!r}
    return node
'''


#: Generated function -> its source.
_SOURCES: dict[Callable[..., Any], str] = {}


def compile_method(
    source: str,
    operation: Operation,
    namespace: dict[str, Any],
    math_namespace: Any,
    rows: str | None = None,
) -> Callable[..., Any]:
    """Compile a generated method in ``namespace`` (the globals of :mod:`autograd_core.value`).

    ``m`` (the math namespace), ``forward`` and ``local_grads`` (the row's
    functions, for the form with calls) are the method's closure. The source
    is registered with :mod:`linecache`, so ``inspect.getsource`` and
    tracebacks show it, under a file name that says which method it is and
    what it was written from (``rows``, when not just ``operation``'s row).
    """
    method = source.split("(", 1)[0].removeprefix("def ")
    written_from = rows or f"the row {operation.name!r}"
    filename = f"<autograd_core: Value.{method}, written from {written_from}>"
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
