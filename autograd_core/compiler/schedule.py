"""Scheduling: turn a traced graph into a few large NumPy steps.

A traced graph of an MLP has thousands of nodes but only a handful of
*kinds* of work: "multiply every weight by its input", "sum every neuron",
"tanh every hidden unit". Nodes that

* sit at the same **level** (1 + the highest level of their parents, leaves
  are level 0), so that none depends on another, and
* are made by the same **row** of the table (same number of inputs, same
  fixed constant, inputs from the same kind of storage)

form one **group**, and a group runs as one call of the row's own formulas
on arrays (``row.forward(array_math, ...)``): one NumPy operation for
hundreds of nodes and every sample of the batch at once.

Storage. Every node gets one row of one of two 2-D arrays:

* the **uniform** store, shape ``(rows, 1)``: parameters, constants, and
  anything computed from them only; the same for every sample;
* the **batched** store, shape ``(rows, batch)``: inputs and everything
  that depends on them, one column per sample.

Layout. A group's outputs take consecutive rows, ordered the way their first
consumer reads them. Then most inputs of a group are *slices* of a store (a
view, no copy). The remaining patterns are recognised too: an input that
repeats each row K times (one hidden unit feeding K neurons) or cycles
through a run of rows is a broadcast view; only what is left is gathered
(``np.take``). Gradients flow back along the same accesses, summed over the
broadcast axes and the batch axis where needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from autograd_core.compiler.trace import CONSTANT, INPUT, OPERATION, PARAMETER, TracedGraph
from autograd_core.ops import Operation

IntArray = NDArray[np.intp]

#: The two stores.
UNIFORM, BATCHED = 0, 1

#: How a group reads one of its inputs (see the module docstring).
SLICE, SINGLE, REPEAT, TILE, TAKE = "slice", "single", "repeat", "tile", "take"


@dataclass
class Access:
    """Where one input slot of a group comes from.

    Attributes:
        pattern: SLICE (rows start..start+g), SINGLE (one row for every
            member), REPEAT (member (j, k) reads row start + j), TILE (member
            (j, k) reads row start + k) or TAKE (any rows, gathered).
        store: UNIFORM or BATCHED.
        start: First row (SLICE, SINGLE, REPEAT, TILE).
        rows: The row of every member (always filled; TAKE uses it).
        needs_grad: Whether gradients must flow back into this slot.
        unique_rows: For TAKE, whether no row appears twice (then a plain
            fancy-index ``+=`` accumulates gradients correctly).
    """

    pattern: str
    store: int
    start: int
    rows: IntArray
    needs_grad: bool
    unique_rows: bool = True


@dataclass
class Step:
    """One group: the same row applied to ``size`` nodes at once.

    Attributes:
        row: The table row.
        constant: Its fixed number (``x ** c``), or None.
        store: Where the outputs go (UNIFORM or BATCHED).
        start: First output row; outputs take rows start..start+size.
        size: Number of nodes in the group.
        level: The topological level shared by the group.
        inputs: One :class:`Access` per input slot.
        factor: (J, K) with J * K = size when some input is a REPEAT or TILE
            view: the group is then evaluated in shape (J, K, width).
        needs_grad: Whether any parameter lies upstream (else no backward).
        fused_blocks: For a ``sum`` step, runs of input slots [a, b) that read
            every output of one ``mul`` step, in order, and nothing else reads
            those products: the pair is a matrix product (see
            :func:`fuse_multiply_sum`). Entries are (a, b, the mul step).
        fused_away: True for a ``mul`` step whose work is done by its sum.
    """

    row: Operation
    constant: float | None
    store: int
    start: int
    size: int
    level: int
    inputs: list[Access]
    factor: tuple[int, int] | None
    needs_grad: bool
    fused_blocks: list[tuple[int, int, Step]] = field(default_factory=list)
    fused_away: bool = False
    nodes: list[int] = field(default_factory=list, repr=False)


@dataclass
class Schedule:
    """The whole program: leaf placement, steps in order, outputs.

    Attributes:
        steps: Groups in an order where every step comes after its inputs.
        store_sizes: Rows of the (uniform, batched) stores.
        parameter_rows: Uniform-store row of each parameter (-1 if unused).
        input_rows: Batched-store row of each input column (-1 if unused).
        constant_rows: Uniform-store rows of the constants.
        constant_values: Their values.
        outputs: (store, row) of each output.
        node_count: Nodes in the traced graph.
        level_count: Highest level + 1.
    """

    steps: list[Step]
    store_sizes: tuple[int, int]
    parameter_rows: IntArray
    input_rows: IntArray
    constant_rows: IntArray
    constant_values: NDArray[np.float64]
    outputs: list[tuple[int, int]]
    node_count: int
    level_count: int
    group_sizes: list[int] = field(default_factory=list)


def _classify(rows: IntArray) -> tuple[str, int, tuple[int, int] | None]:
    """Recognise the access pattern of a list of rows: (pattern, start, factor)."""
    size = len(rows)
    first = int(rows[0])
    if size == 1:
        return SLICE, first, None
    steps = np.diff(rows)
    if (steps == 1).all():
        return SLICE, first, None
    if (steps == 0).all():
        return SINGLE, first, None
    positions = np.arange(size)
    nonzero = np.flatnonzero(steps)
    run = int(nonzero[0]) + 1 if len(nonzero) else size
    if size % run == 0 and np.array_equal(rows, first + positions // run):
        return REPEAT, first, (size // run, run)
    not_one = np.flatnonzero(steps != 1)
    cycle = int(not_one[0]) + 1 if len(not_one) else size
    if size % cycle == 0 and np.array_equal(rows, first + positions % cycle):
        return TILE, first, (size // cycle, cycle)
    return TAKE, first, None


def sum_blocks(step: Step) -> list[tuple[int, int]]:
    """Runs [a, b) of >= 2 input slots that are consecutive slices of one store."""
    if step.factor is not None:
        return []
    runs: list[tuple[int, int]] = []
    inputs = step.inputs
    a = 0
    while a < len(inputs):
        b = a + 1
        if inputs[a].pattern == SLICE:
            while (
                b < len(inputs)
                and inputs[b].pattern == SLICE
                and inputs[b].store == inputs[a].store
                and inputs[b].needs_grad == inputs[a].needs_grad
                and inputs[b].start == inputs[b - 1].start + step.size
            ):
                b += 1
        if b - a >= 2:
            runs.append((a, b))
        a = b
    return runs


def fuse_multiply_sum(
    steps: list[Step], parents: Sequence[tuple[int, ...]], outputs: set[int]
) -> None:
    """Mark ``mul`` steps whose products only feed one ``sum`` step as one matrix product.

    A layer of neurons computes u_k = sum_j w_jk * h_j + b_k: a ``mul`` step
    of J x K products and a ``sum`` step whose J input slots read those
    products slot by slot. Run as written, the J x K x batch products are
    built and then added up; as one ``np.matmul`` (or ``np.einsum``) they
    never exist, and BLAS does the work. The rewrite changes only the order
    of the additions, not the math. Edits ``steps`` in place.
    """
    consumers: dict[int, int] = {}
    for step in steps:
        for i in step.nodes:
            for p in parents[i]:
                consumers[p] = consumers.get(p, 0) + 1
    producer_of_row: dict[tuple[int, int], Step] = {
        (step.store, step.start): step for step in steps if step.row.name == "mul"
    }
    for step in steps:
        if step.row.name != "sum":
            continue
        for a, b in sum_blocks(step):
            first = step.inputs[a]
            producer = producer_of_row.get((first.store, first.start))
            if (
                producer is None
                or producer.fused_away
                or producer.size != (b - a) * step.size
                or producer.factor not in (None, (b - a, step.size))
                or producer.constant is not None
                or any(consumers.get(i, 0) != 1 or i in outputs for i in producer.nodes)
            ):
                continue
            producer.fused_away = True
            step.fused_blocks.append((a, b, producer))


def build_schedule(graph: TracedGraph) -> Schedule:
    """Group, order and lay out the nodes of a traced graph.

    Args:
        graph: A recorded graph (see :func:`autograd_core.compiler.trace.trace`).

    Returns:
        The schedule a :class:`~autograd_core.compiler.program.BatchProgram` runs.
    """
    n = graph.size
    kinds, parents_of, ops = graph.kinds, graph.parents, graph.ops

    # 1. Per node: batched?, needs a gradient?, level; constants shared by value.
    batched = [False] * n
    needs_grad = [False] * n
    level = [0] * n
    canonical = list(range(n))
    constant_of_value: dict[tuple[float, bool], int] = {}
    parents: list[tuple[int, ...]] = [()] * n
    for i in range(n):
        kind = kinds[i]
        if kind == OPERATION:
            ps = tuple([canonical[p] for p in parents_of[i]])
            parents[i] = ps
            batched[i] = any([batched[p] for p in ps])
            needs_grad[i] = any([needs_grad[p] for p in ps])
            level[i] = 1 + max([level[p] for p in ps])
        elif kind == INPUT:
            batched[i] = True
        elif kind == PARAMETER:
            needs_grad[i] = True
        elif kind == CONSTANT:
            value = graph.constant_values[i]
            key = (value, str(value).startswith("-"))
            canonical[i] = constant_of_value.setdefault(key, i)

    # Only nodes the first output (the loss) depends on take part in backward;
    # further outputs (e.g. the logits, for accuracy) are computed forward only.
    in_loss = [False] * n
    in_loss[graph.outputs[0]] = True
    for i in range(n - 1, -1, -1):
        if in_loss[i]:
            for p in parents[i]:
                in_loss[p] = True
    for i in range(n):
        needs_grad[i] = needs_grad[i] and in_loss[i]

    # 2. Groups of nodes that run as one NumPy step.
    group_of_key: dict[tuple[object, ...], int] = {}
    members: list[list[int]] = []
    group_keys: list[tuple[object, ...]] = []
    for i in range(n):
        if kinds[i] != OPERATION:
            continue
        ps = parents[i]
        row = ops[i]
        assert row is not None  # noqa: S101 - an OPERATION always has its row
        signature = bytes([2 * batched[p] + needs_grad[p] for p in ps])
        key = (level[i], row.name, graph.constants[i], signature)
        group = group_of_key.get(key)
        if group is None:
            group = group_of_key[key] = len(members)
            members.append([])
            group_keys.append(key)
        members[group].append(i)

    # 3. Order each group's members the way their first consumer reads them,
    #    deciding consumers (higher levels) first. Outputs come first of all.
    read_key: list[tuple[int, int, int] | None] = [None] * n
    for position, output in enumerate(graph.outputs):
        if read_key[output] is None:
            read_key[output] = (-1, 0, position)
    processing = sorted(range(len(members)), key=lambda g: (-group_keys[g][0], g))  # type: ignore[operator]
    for rank, group in enumerate(processing):
        nodes = members[group]
        nodes.sort(key=lambda i: read_key[i] or (rank, 0, 0))
        for slot in range(len(parents[nodes[0]])):
            for position, i in enumerate(nodes):
                parent = parents[i][slot]
                if read_key[parent] is None:
                    read_key[parent] = (rank, slot, position)
    never = (len(members) + 1, 0, 0)

    # 4. Rows: leaves first, then groups in execution (level) order.
    store_size = [0, 0]
    row_of = [-1] * n

    def place(nodes: Sequence[int], store: int) -> int:
        start = store_size[store]
        for offset, i in enumerate(nodes):
            row_of[i] = start + offset
        store_size[store] += len(nodes)
        return start

    leaves = [i for i in range(n) if kinds[i] != OPERATION and canonical[i] == i]
    parameter_nodes = sorted((i for i in leaves if kinds[i] == PARAMETER), key=lambda i: read_key[i] or never)
    constant_nodes = sorted((i for i in leaves if kinds[i] == CONSTANT), key=lambda i: read_key[i] or never)
    input_nodes = sorted((i for i in leaves if kinds[i] == INPUT), key=lambda i: read_key[i] or never)
    place(parameter_nodes, UNIFORM)
    place(constant_nodes, UNIFORM)
    place(input_nodes, BATCHED)
    for i in range(n):
        if canonical[i] != i:
            row_of[i] = row_of[canonical[i]]

    execution = sorted(range(len(members)), key=lambda g: (group_keys[g][0], g))  # type: ignore[operator]
    starts: dict[int, int] = {}
    for group in execution:
        nodes = members[group]
        starts[group] = place(nodes, BATCHED if batched[nodes[0]] else UNIFORM)

    # 5. One step per group, with the access pattern of every input slot.
    steps: list[Step] = []
    for group in execution:
        nodes = members[group]
        first = nodes[0]
        row = ops[first]
        assert row is not None  # noqa: S101
        accesses: list[Access] = []
        factors: dict[tuple[int, int], int] = {}
        for slot, parent in enumerate(parents[first]):
            rows = np.fromiter((row_of[parents[i][slot]] for i in nodes), dtype=np.intp, count=len(nodes))
            pattern, start, factor = _classify(rows)
            if factor is not None:
                factors[factor] = factors.get(factor, 0) + 1
            store = BATCHED if batched[parent] else UNIFORM
            accesses.append(Access(pattern, store, start, rows, needs_grad[parent]))
        factor = max(factors, key=lambda f: factors[f]) if factors else None
        for access in accesses:
            if access.pattern in (REPEAT, TILE) and _classify(access.rows)[2] != factor:
                access.pattern = TAKE
            if access.pattern == TAKE:
                access.unique_rows = len(np.unique(access.rows)) == len(access.rows)
        steps.append(
            Step(
                row=row,
                constant=graph.constants[first],
                store=BATCHED if batched[first] else UNIFORM,
                start=starts[group],
                size=len(nodes),
                level=level[first],
                inputs=accesses,
                factor=factor,
                needs_grad=needs_grad[first],
                nodes=nodes,
            )
        )
    fuse_multiply_sum(steps, parents, set(graph.outputs))

    parameter_rows = np.full(graph.n_parameters, -1, dtype=np.intp)
    input_rows = np.full(sum(graph.input_widths), -1, dtype=np.intp)
    for i in leaves:
        if kinds[i] == PARAMETER:
            parameter_rows[graph.leaf_refs[i]] = row_of[i]
        elif kinds[i] == INPUT:
            input_rows[graph.leaf_refs[i]] = row_of[i]
    return Schedule(
        steps=steps,
        store_sizes=(store_size[UNIFORM], store_size[BATCHED]),
        parameter_rows=parameter_rows,
        input_rows=input_rows,
        constant_rows=np.array([row_of[i] for i in constant_nodes], dtype=np.intp),
        constant_values=np.array([graph.constant_values[i] for i in constant_nodes], dtype=float),
        outputs=[(BATCHED if batched[o] else UNIFORM, row_of[o]) for o in graph.outputs],
        node_count=n,
        level_count=1 + max(level, default=0),
        group_sizes=[len(members[g]) for g in execution],
    )
