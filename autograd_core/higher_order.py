"""Gradients as a function of the graph, optionally differentiable again.

``output.backward()`` writes plain floats into every node's ``grad``. This
module offers the same chain rule as a function that *returns* the gradients
instead, PyTorch's ``torch.autograd.grad``::

    dx, dy = gradients(output, [x, y])                     # floats
    dx, dy = gradients(output, [x, y], create_graph=True)  # Values with a graph

With ``create_graph=True`` every local derivative is recomputed from its row
of the table with the Value namespace :mod:`autograd_core.value_math`, on the
node's parents and on the node itself as ``y`` (so exp's derivative is the exp
node itself), and the chain rule ``grad[parent] += local * grad[node]`` is
carried out with Value operations. The returned gradients are therefore
ordinary nodes: differentiate them again for second derivatives, and again
for third.

Neither mode touches the ``grad`` fields of the graph: the gradients live in a
dictionary keyed by node (identity) during the walk and are returned, so a
training loop's accumulated ``.grad`` values are left as they were.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Sequence
from typing import Literal, overload

from autograd_core import value_math
from autograd_core.grad_mode import enable_grad
from autograd_core.graph import topological_order
from autograd_core.ops import OPERATIONS
from autograd_core.value import Value


def _check_output(output: object) -> Value:
    """The output as a Value with finite data, or a clear error."""
    if not isinstance(output, Value):
        raise TypeError(
            f"gradients: the output must be a Value (the result of operations on "
            f"Values), got {type(output).__name__} {output!r}. A plain number has "
            "no graph to differentiate."
        )
    if not math.isfinite(output.data):
        raise FloatingPointError(
            f"gradients: the output is {output.data!r}, so its gradients would be "
            "meaningless; an intermediate result overflowed. Rescale the inputs."
        )
    return output


def _check_inputs(inputs: Sequence[Value]) -> list[Value]:
    """The inputs as a list of Values, or a clear error."""
    if isinstance(inputs, Value):
        raise TypeError(
            "gradients: inputs must be a sequence of Values, got a single Value. "
            "Wrap it in a list: gradients(output, [x])."
        )
    checked = list(inputs)
    for position, node in enumerate(checked):
        if not isinstance(node, Value):
            raise TypeError(
                f"gradients: input {position} must be a Value, got "
                f"{type(node).__name__} {node!r}. Differentiate with respect to "
                "the Value nodes the output was computed from."
            )
    return checked


def differentiable_local_grads(node: Value) -> tuple[Value | float, ...]:
    """The node's local derivatives as Values, recomputed from its table row.

    Evaluates ``row.local_grads(value_math, node, *node.parents[, constant])``:
    the same formula that produced the floats in ``node.local_grads``, but on
    Values, so the results are nodes that depend on the parents. Rows whose
    derivative is a constant (add: 1, relu: step) give plain floats.

    Args:
        node: An interior node (one with parents).

    Returns:
        One local derivative d(node)/d(parent) per parent, in parent order.

    Raises:
        KeyError: ``node.op`` is not a row of the table.
    """
    row = OPERATIONS[node.op]
    if node.constant is None:
        return tuple(row.local_grads(value_math, node, *node.parents))
    return tuple(row.local_grads(value_math, node, *node.parents, node.constant))


@overload
def gradients(
    output: Value, inputs: Sequence[Value], create_graph: Literal[False] = ...
) -> list[float]: ...


@overload
def gradients(
    output: Value, inputs: Sequence[Value], create_graph: Literal[True]
) -> list[Value]: ...


@overload
def gradients(
    output: Value, inputs: Sequence[Value], create_graph: bool = ...
) -> list[float] | list[Value]: ...


def gradients(
    output: Value, inputs: Sequence[Value], create_graph: bool = False
) -> list[float] | list[Value]:
    """d(output)/d(input) for each input, by reverse mode, without touching ``.grad``.

    Walks ``topological_order(output)`` backwards, seeding d(output)/d(output)
    = 1 and applying ``grad[parent] += local * grad[node]``. The inputs may be
    leaves or interior nodes; an input the output does not depend on gets 0.

    Args:
        output: The Value to differentiate (usually a loss, or a gradient).
        inputs: The Values to differentiate with respect to.
        create_graph: False: use the floats stored in ``node.local_grads`` and
            return floats (the fast path, the same numbers as ``backward()``).
            True: recompute every local derivative with
            :mod:`autograd_core.value_math` and return Values that carry their
            own graph, so they can be differentiated again (also inside
            ``no_grad()``: that graph is always recorded).

    Returns:
        One gradient per input, in order: floats, or Values when
        ``create_graph`` is True.

    Raises:
        TypeError: ``output`` or an input is not a Value.
        FloatingPointError: ``output.data`` is NaN or infinite.
        DomainError, ZeroDivisionError, OverflowError: with ``create_graph``,
            a local derivative has no finite value at this point (e.g. the
            derivative of x ** 0.5 at x = 0).
    """
    output = _check_output(output)
    wanted = _check_inputs(inputs)
    # As in backward(): the graph has no reference cycles, so the cyclic
    # garbage collector would only slow the walk down (by about 4x with
    # create_graph, which makes many nodes); pause it, restore the caller's setting.
    collector_was_enabled = gc.isenabled()
    gc.disable()
    try:
        order = topological_order(output)
        if create_graph:
            # The new graph is recorded whatever the caller's mode, as in
            # PyTorch: inside no_grad() the result must still be differentiable.
            with enable_grad():
                return _differentiable_gradients(output, order, wanted)
        results = _float_gradients(output, order, wanted)
        if any(g - g != 0.0 for g in results):  # NaN or infinite: name where it came from
            from autograd_core.nonfinite import check_float_gradients

            check_float_gradients(output, order, results)
        return results
    finally:
        if collector_was_enabled:
            gc.enable()


def _float_gradients(output: Value, order: list[Value], wanted: list[Value]) -> list[float]:
    """The chain rule on the floats stored at forward time (``create_graph=False``)."""
    grads: dict[Value, float] = {output: 1.0}
    for node in reversed(order):
        if not node.parents:
            continue
        # Every node in the order is an ancestor of the output, and all its
        # children come later in the order, so its gradient is complete here.
        upstream = grads[node]
        for parent, local in zip(node.parents, node.local_grads):
            grads[parent] = grads.get(parent, 0.0) + local * upstream
    return [grads.get(node, 0.0) for node in wanted]


def _differentiable_gradients(
    output: Value, order: list[Value], wanted: list[Value]
) -> list[Value]:
    """The chain rule carried out with Value operations (``create_graph=True``).

    Gradients are kept as Values, or as plain floats while they are still
    constants (a node's gradient that is only ever 1 * 1 * ... stays 1.0), so
    that the new graph holds no nodes that multiply by one.
    """
    grads: dict[Value, Value | float] = {output: 1.0}
    for node in reversed(order):
        if not node.parents:
            continue
        upstream = grads[node]
        for parent, local in zip(node.parents, differentiable_local_grads(node)):
            contribution = _times(local, upstream)
            previous = grads.get(parent)
            grads[parent] = contribution if previous is None else previous + contribution
    results = []
    for node in wanted:
        result = grads.get(node, 0.0)
        results.append(result if isinstance(result, Value) else Value(result))
    return results


def _times(local: Value | float, upstream: Value | float) -> Value | float:
    """local * upstream, without a node when either factor is exactly 1 or -1."""
    if local.__class__ is float:
        if local == 1.0:
            return upstream
        if local == -1.0:
            return -upstream
    if upstream.__class__ is float:
        if upstream == 1.0:
            return local
        if upstream == -1.0:
            return -local
    return local * upstream
