"""Tracing: record the graph of a per-sample function once, as flat lists.

For a fixed model, the graph of ``loss(model(x), t)`` has the same shape for
every sample x: only the numbers differ. So we build it once, with
*placeholder* leaves standing for the inputs, and write down what it is made
of, node by node in topological order:

* which row of the operation table made each node (``ops``) and its fixed
  number if it has one (``constants``, the c of ``x ** c``);
* the positions of its parents (``parents``, in argument order; stored flat,
  as every node's parent count and one list of all positions);
* for each leaf, what it is: a **parameter** (one of the given Values, matched
  by identity, in the given order), an **input** (a placeholder) or a
  **constant** (any other leaf, such as the 1.0 of ``1 - y``).

The :class:`TracedGraph` holds only numbers and rows, no Values, so it can be
compared with another trace (see :func:`trace_twice`) and compiled into a
batch program (:mod:`autograd_core.compiler.schedule`).
"""

from __future__ import annotations

import gc
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate, chain, repeat
from typing import Any

from autograd_core.errors import TraceError as TraceError  # re-exported: its old home
from autograd_core.grad_mode import enable_grad
from autograd_core.graph import topological_order
from autograd_core.ops import OPERATIONS, Operation
from autograd_core.trace_guard import tracing
from autograd_core.value import Value


#: What a leaf is. Interior nodes are OPERATION.
PARAMETER, INPUT, CONSTANT, OPERATION = 0, 1, 2, 3
KIND_NAMES = ("parameter", "input", "constant", "operation")


@dataclass(frozen=True)
class TracedGraph:
    """A recorded graph as flat lists, one entry per node in topological order.

    Attributes:
        kinds: PARAMETER, INPUT, CONSTANT or OPERATION for each node.
        ops: The table row of each operation node (``None`` for leaves).
        op_names: Each node's ``Value.op``: the row's name, ``""`` for leaves.
        parent_counts: How many parents each node has (0 for leaves).
        parent_positions: The parents' positions, node after node, each
            node's in argument order (``parents`` splits them up per node).
        constants: The fixed number of rows that take one (``x ** c``), else None.
        leaf_refs: For a parameter its index in the parameter list, for an
            input its column in the concatenated inputs; 0 otherwise.
        constant_values: The data of constant leaves (0.0 for other nodes).
        outputs: Positions of the function's results (a loss: one position).
        n_parameters: How many parameters were given.
        input_widths: How many placeholder Values each input argument had.
        sample_outputs: The outputs' data at the traced placeholder values.
        constant_leaves: The constant leaf Values themselves (not part of the
            structure): a leaf that shows up in two traces is not a constant
            made by the function but a Value it captured, likely a forgotten
            parameter.
        output_values: The traced output Values (not part of the structure;
            the compiler backpropagates through them once to check itself,
            then drops them).
    """

    kinds: tuple[int, ...]
    ops: tuple[Operation | None, ...]
    op_names: tuple[str, ...]
    parent_counts: tuple[int, ...]
    parent_positions: tuple[int, ...]
    constants: tuple[float | None, ...]
    leaf_refs: tuple[int, ...]
    constant_values: tuple[float, ...]
    outputs: tuple[int, ...]
    n_parameters: int
    input_widths: tuple[int, ...]
    sample_outputs: tuple[float, ...]
    constant_leaves: tuple[Value, ...] = ()
    output_values: tuple[Value, ...] = ()

    @property
    def size(self) -> int:
        """Number of nodes."""
        return len(self.kinds)

    @cached_property
    def parents(self) -> tuple[tuple[int, ...], ...]:
        """Parent positions of each node (empty for leaves), in argument order."""
        flat = self.parent_positions
        ends = list(accumulate(self.parent_counts))
        return tuple(flat[end - count : end] for end, count in zip(ends, self.parent_counts))

    def structure(self) -> tuple[Any, ...]:
        """Everything that must not change from one sample to the next.

        Two traces of the same function at different inputs must have equal
        structures; if not, the function's graph depends on its input data.
        """
        return (
            self.kinds, self.op_names, self.parent_counts, self.parent_positions, self.constants,
            self.leaf_refs, self.constant_values, self.outputs,
        )


def _as_outputs(result: object) -> list[Value]:
    """The function's result as a list of Values (a loss is a list of one)."""
    items: list[object] = list(result) if isinstance(result, (list, tuple)) else [result]
    if not items:
        raise TraceError("compile: the function returned an empty sequence; return a loss Value.")
    values: list[Value] = []
    for item in items:
        if not isinstance(item, Value):
            raise TraceError(
                f"compile: the function must return a Value (a loss) or a list of "
                f"Values, got {type(item).__name__} {item!r}. Build the result from "
                "the inputs and parameters it is given."
            )
        values.append(item)
    return values


def _merged_order(outputs: Sequence[Value]) -> list[Value]:
    """Topological order of everything the outputs depend on, each node once."""
    if len(outputs) == 1:
        return topological_order(outputs[0])
    # One walk from a stand-in node whose parents are the outputs (it is dropped).
    stand_in = Value(0.0)
    stand_in.parents = tuple(outputs)
    return topological_order(stand_in)[:-1]


def _positions_of_parameters(parameters: Sequence[Value]) -> dict[int, int]:
    """``id(parameter)`` -> its position, refusing non-Values and repeats.

    Built in one pass (a model can have 100,000 parameters); the loop that
    finds the culprit runs only when something is wrong.
    """
    position_of_parameter = dict(zip(map(id, parameters), range(len(parameters))))
    if len(position_of_parameter) == len(parameters) and all(
        map(isinstance, parameters, repeat(Value))
    ):
        return position_of_parameter
    first_position: dict[int, int] = {}
    for index, parameter in enumerate(parameters):
        if not isinstance(parameter, Value):
            raise TraceError(
                f"compile: parameters must be Values, got {type(parameter).__name__} "
                f"at position {index}. Pass model.parameters()."
            )
        if id(parameter) in first_position:
            raise TraceError(
                f"compile: parameter {parameter!r} is listed twice (positions "
                f"{first_position[id(parameter)]} and {index}); each "
                "parameter must appear once."
            )
        first_position[id(parameter)] = index
    return first_position


def trace(
    function: Callable[..., object],
    parameters: Sequence[Value],
    input_values: Sequence[Sequence[float]],
) -> TracedGraph:
    """Call ``function`` once on placeholder leaves and record its graph.

    Args:
        function: Called as ``function(*placeholder_lists)``: one list of
            placeholder Values per entry of ``input_values``. It must return a
            Value (usually a loss) or a list of Values.
        parameters: The Values the function reads as parameters (the model's
            own, in its order); matched by identity.
        input_values: The numbers to give the placeholders, one sequence per
            input argument (for example a real sample and its target).

    Returns:
        The recorded graph.

    Raises:
        TraceError: The result is not made of Values; a parameter is listed
            twice; a node was made by an operation that is not in the table.
    """
    position_of_parameter = _positions_of_parameters(parameters)

    placeholder_lists = [
        [Value(float(x), label=f"in{arg}[{col}]") for col, x in enumerate(values)]
        for arg, values in enumerate(input_values)
    ]
    column_of_placeholder: dict[int, int] = {}
    column = 0
    for placeholders in placeholder_lists:
        for placeholder in placeholders:
            column_of_placeholder[id(placeholder)] = column
            column += 1

    # The graph has no reference cycles: pausing the cyclic garbage collector
    # while it is built and walked saves it from scanning every new node.
    collector_was_enabled = gc.isenabled()
    gc.disable()
    try:
        # Record the graph even inside no_grad(); user code may not read a
        # Value's number meanwhile (see trace_guard).
        with enable_grad(), tracing():
            result = function(*placeholder_lists)
        return _record(result, parameters, input_values,
                       position_of_parameter, column_of_placeholder)
    finally:
        if collector_was_enabled:
            gc.enable()


def _record(
    result: object,
    parameters: Sequence[Value],
    input_values: Sequence[Sequence[float]],
    position_of_parameter: dict[int, int],
    column_of_placeholder: dict[int, int],
) -> TracedGraph:
    """The flat lists of the graph behind ``result`` (see :func:`trace`)."""
    outputs = _as_outputs(result)
    order = _merged_order(outputs)

    # One pass per attribute (list comprehensions and map, no Python call per
    # node of our own): a graph of 100,000 nodes is recorded in a fraction of a
    # second.
    index_of = dict(zip(order, range(len(order))))
    parent_lists = [node.parents for node in order]
    parent_counts = tuple(map(len, parent_lists))
    parent_positions = tuple(map(index_of.__getitem__, chain.from_iterable(parent_lists)))
    names = [node.op for node in order]
    rows_by_name = {name: OPERATIONS.get(name) for name in set(names) if name}
    for name, row in rows_by_name.items():
        if row is None:
            node = order[names.index(name)]
            raise TraceError(
                f"compile: node {node!r} was made by operation {name!r}, which is not "
                "a row of the operation table, so it has no vectorised form. Build it "
                "from the table's operations."
            )
    ops = [rows_by_name[name] if name else None for name in names]
    constants = [node.constant for node in order]
    kinds = [OPERATION] * len(order)
    leaf_refs = [0] * len(order)
    constant_values = [0.0] * len(order)
    constant_leaves: list[Value] = []
    leaves = [position for position, count in enumerate(parent_counts) if not count]
    # Most leaves are parameters: look them all up at once, then sort out the rest.
    parameter_refs = map(position_of_parameter.get, [id(order[p]) for p in leaves])
    for position, parameter_ref in zip(leaves, parameter_refs):
        if parameter_ref is not None:
            kinds[position] = PARAMETER
            leaf_refs[position] = parameter_ref
            continue
        node = order[position]
        key = id(node)
        if key in column_of_placeholder:
            kinds[position] = INPUT
            leaf_refs[position] = column_of_placeholder[key]
        else:
            kinds[position] = CONSTANT
            constant_values[position] = node.data
            constant_leaves.append(node)
    return TracedGraph(
        kinds=tuple(kinds),
        ops=tuple(ops),
        op_names=tuple(names),
        parent_counts=parent_counts,
        parent_positions=parent_positions,
        constants=tuple(constants),
        leaf_refs=tuple(leaf_refs),
        constant_values=tuple(constant_values),
        outputs=tuple(index_of[v] for v in outputs),
        n_parameters=len(parameters),
        input_widths=tuple(len(v) for v in input_values),
        sample_outputs=tuple(v.data for v in outputs),
        constant_leaves=tuple(constant_leaves),
        output_values=tuple(outputs),
    )


def first_difference(first: TracedGraph, second: TracedGraph) -> str:
    """Describe where two traces of one function differ (for error messages)."""
    if first.size != second.size:
        return f"the graph has {first.size} nodes in one trace and {second.size} in another (other inputs and parameter values)"
    for position in range(first.size):
        a_op, b_op = first.ops[position], second.ops[position]
        a_name = a_op.name if a_op else KIND_NAMES[first.kinds[position]]
        b_name = b_op.name if b_op else KIND_NAMES[second.kinds[position]]
        if a_name != b_name or first.parents[position] != second.parents[position]:
            return f"node {position} is {a_name!r} in one trace and {b_name!r} in another (other inputs and parameter values)"
        if first.constant_values[position] != second.constant_values[position]:
            return (
                f"constant leaf {position} is {first.constant_values[position]!r} in one "
                f"trace and {second.constant_values[position]!r} in another (a number "
                "computed from the inputs or the parameters, e.g. a gradient taken "
                "inside the function, is frozen into the graph)"
            )
        if first.constants[position] != second.constants[position]:
            return (
                f"node {position} ({a_name}) has the fixed exponent "
                f"{first.constants[position]!r} in one trace and "
                f"{second.constants[position]!r} in another"
            )
    return "the outputs or the leaves differ"


def check_finite(values: Sequence[float], what: str) -> None:
    """Refuse NaN or infinity in placeholder values, naming the position."""
    for index, x in enumerate(values):
        if not math.isfinite(x):
            raise TraceError(f"compile: {what} has {x!r} at position {index}; it must be finite.")
