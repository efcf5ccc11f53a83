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

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from autograd_core.compiler.trace import CONSTANT, INPUT, PARAMETER, TracedGraph
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
    nodes: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.intp), repr=False)


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


def fuse_multiply_sum(steps: list[Step], edges: _Edges, outputs: set[int]) -> None:
    """Mark ``mul`` steps whose products only feed one ``sum`` step as one matrix product.

    A layer of neurons computes u_k = sum_j w_jk * h_j + b_k: a ``mul`` step
    of J x K products and a ``sum`` step whose J input slots read those
    products slot by slot. Run as written, the J x K x batch products are
    built and then added up; as one ``np.matmul`` (or ``np.einsum``) they
    never exist, and BLAS does the work. The rewrite changes only the order
    of the additions, not the math. Edits ``steps`` in place.
    """
    consumers = np.bincount(edges.flat, minlength=len(edges.lengths))
    output_nodes = np.array(sorted(outputs), dtype=np.intp)
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
                or (consumers[producer.nodes] != 1).any()
                or np.isin(output_nodes, producer.nodes).any()
            ):
                continue
            producer.fused_away = True
            step.fused_blocks.append((a, b, producer))


#: Up to this depth, per-node properties are propagated with whole-array NumPy
#: passes (one per level); deeper graphs use one plain Python pass instead.
_VECTOR_DEPTH = 64
#: Read keys: (rank of the reading group) * _RANK + position of the read.
_RANK = 1 << 40
_UNREAD = np.iinfo(np.int64).max


@dataclass
class _Edges:
    """The parents of every node in one flat array (compressed rows)."""

    flat: IntArray  # parent of each edge, node by node, slot by slot
    offsets: IntArray  # edges of node i are flat[offsets[i]:offsets[i + 1]]
    lengths: IntArray  # number of parents of each node

    def matrix(self, nodes: IntArray, arity: int) -> IntArray:
        """Parents of ``nodes`` (all with ``arity`` parents) as a (nodes, arity) array."""
        parents: IntArray = self.flat[self.offsets[nodes][:, None] + np.arange(arity)]
        return parents


def _node_properties(
    graph: TracedGraph, edges: _Edges
) -> tuple[NDArray[np.bool_], NDArray[np.bool_], IntArray]:
    """(batched, needs a gradient, level) of every node.

    batched: depends on an input; needs a gradient: depends on a parameter and
    the first output depends on it; level: 0 for leaves, else 1 + the highest
    level among the parents.
    """
    n = graph.size
    kinds = np.array(graph.kinds, dtype=np.int8)
    batched = kinds == INPUT
    needs = kinds == PARAMETER
    level = np.zeros(n, dtype=np.intp)
    operations = np.flatnonzero(edges.lengths > 0)
    starts = edges.offsets[operations]
    flat = edges.flat
    for _ in range(_VECTOR_DEPTH):
        if not len(operations):
            break
        new_level = np.maximum.reduceat(level[flat], starts) + 1
        new_batched = np.logical_or.reduceat(batched[flat], starts)
        new_needs = np.logical_or.reduceat(needs[flat], starts)
        if (
            np.array_equal(new_level, level[operations])
            and np.array_equal(new_batched, batched[operations])
            and np.array_equal(new_needs, needs[operations])
        ):
            break
        level[operations], batched[operations], needs[operations] = new_level, new_batched, new_needs
    else:
        # A deep graph: one pass in topological order (parents come first).
        levels, batch, need = level.tolist(), batched.tolist(), needs.tolist()
        for i in operations.tolist():
            ps = flat[edges.offsets[i] : edges.offsets[i + 1]].tolist()
            levels[i] = 1 + max([levels[p] for p in ps])
            batch[i] = any(batch[p] for p in ps)
            need[i] = any(need[p] for p in ps)
        level, batched, needs = np.array(levels), np.array(batch), np.array(need)
    # Only what the first output (the loss) depends on takes part in backward;
    # further outputs (e.g. the logits, for accuracy) are computed forward only.
    in_loss = np.zeros(n, dtype=bool)
    in_loss[graph.outputs[0]] = True
    child = np.repeat(np.arange(n), edges.lengths)
    for _ in range(_VECTOR_DEPTH):
        reached = flat[in_loss[child]]
        if in_loss[reached].all():
            break
        in_loss[reached] = True
    else:
        marks = in_loss.tolist()
        for i in range(n - 1, -1, -1):
            if marks[i]:
                for p in flat[edges.offsets[i] : edges.offsets[i + 1]].tolist():
                    marks[p] = True
        in_loss = np.array(marks)
    return batched, needs & in_loss, level


def _groups(
    graph: TracedGraph, edges: _Edges, batched: NDArray[np.bool_], needs: NDArray[np.bool_],
    level: IntArray,
) -> list[IntArray]:
    """Operation nodes split into groups: same level, row, arity, constant and
    the same storage kind (uniform/batched, gradient or not) in every slot."""
    names = {name: code for code, name in enumerate(sorted(set(graph.op_names)))}
    op_code = np.fromiter(map(names.__getitem__, graph.op_names), dtype=np.intp, count=graph.size)
    constant_codes: dict[float, int] = {}
    constant_code = np.array(
        [-1 if c is None else constant_codes.setdefault(c, len(constant_codes)) for c in graph.constants],
        dtype=np.intp,
    )
    operations = np.flatnonzero(edges.lengths > 0)
    keys = (constant_code[operations], edges.lengths[operations], op_code[operations], level[operations])
    by_key = np.lexsort(keys)
    ordered = operations[by_key]
    sorted_keys = np.stack([k[by_key] for k in keys])
    cuts = np.flatnonzero((np.diff(sorted_keys, axis=1) != 0).any(axis=0)) + 1
    slot_code = (2 * batched + needs).astype(np.int8)[edges.flat]
    groups: list[IntArray] = []
    for members in np.split(ordered, cuts):
        members = np.sort(members)  # trace order inside a group
        arity = int(edges.lengths[members[0]])
        codes = slot_code[edges.offsets[members][:, None] + np.arange(arity)]
        if (codes == codes[0]).all():
            groups.append(members)
            continue
        _, which = np.unique(codes, axis=0, return_inverse=True)
        which = which.ravel()
        groups.extend(members[which == w] for w in range(int(which.max()) + 1))
    return groups


def _order_members(
    graph: TracedGraph, edges: _Edges, groups: list[IntArray], level: IntArray,
    batched: NDArray[np.bool_],
) -> IntArray:
    """Sort each group the way its first consumer reads it; return every node's read key.

    Groups are visited consumers first (highest level first; within a level,
    batched groups before uniform ones). A group's members are sorted by their
    read key; then each parent not yet read gets the key (this group's rank,
    slot, position): so a producer's rows end up in the order in which a later
    step reads them, slot by slot.

    Why batched groups choose first: where two groups read the same rows in
    different orders (a layer reads its weights slot by slot, an L2 term
    ``sum(p * p)`` reads them neuron by neuron), the one that does not get its
    order gathers its inputs (a copy) and scatters its gradients back. For a
    batched group that is work on every sample, for a uniform group once.
    """
    read_key = np.full(graph.size, _UNREAD, dtype=np.int64)
    for position, output in enumerate(graph.outputs):
        if read_key[output] == _UNREAD:
            read_key[output] = position - len(graph.outputs)
    visiting = sorted(
        range(len(groups)),
        key=lambda g: (-int(level[groups[g][0]]), not batched[groups[g][0]], g),
    )
    for rank, g in enumerate(visiting):
        members = groups[g]
        if len(members) > 1:
            members = groups[g] = members[np.argsort(read_key[members], kind="stable")]
        arity = int(edges.lengths[members[0]])
        parents = edges.matrix(members, arity).T.ravel()  # slot by slot
        unique, first = np.unique(parents, return_index=True)
        unread = read_key[unique] == _UNREAD
        read_key[unique[unread]] = rank * _RANK + first[unread]
    return read_key


def build_schedule(graph: TracedGraph, fuse: bool = True) -> Schedule:
    """Group, order and lay out the nodes of a traced graph.

    Args:
        graph: A recorded graph (see :func:`autograd_core.compiler.trace.trace`).
        fuse: Run mul->sum pairs as matrix products (:func:`fuse_multiply_sum`);
            False keeps one step per group (for measuring what fusion gains).

    Returns:
        The schedule a :class:`~autograd_core.compiler.program.GroupedRunner` runs.
    """
    n = graph.size
    lengths = np.array(graph.parent_counts, dtype=np.intp)
    offsets = np.zeros(n + 1, dtype=np.intp)
    np.cumsum(lengths, out=offsets[1:])
    flat = np.array(graph.parent_positions, dtype=np.intp)
    kinds = np.array(graph.kinds, dtype=np.int8)

    # Constants with the same value share one row.
    canonical = np.arange(n)
    first_of_value: dict[tuple[float, float], int] = {}
    for i in np.flatnonzero(kinds == CONSTANT).tolist():
        value = graph.constant_values[i]
        canonical[i] = first_of_value.setdefault((value, math.copysign(1.0, value)), i)
    edges = _Edges(canonical[flat], offsets, lengths)

    batched, needs, level = _node_properties(graph, edges)
    groups = _groups(graph, edges, batched, needs, level)
    read_key = _order_members(graph, edges, groups, level, batched)

    # Rows: leaves first (each kind in read order), then groups by level.
    store_size = [0, 0]
    row_of = np.full(n, -1, dtype=np.intp)

    def place(nodes: IntArray, store: int) -> int:
        start = store_size[store]
        row_of[nodes] = start + np.arange(len(nodes))
        store_size[store] += len(nodes)
        return start

    def leaves_of(kind: int) -> IntArray:
        nodes = np.flatnonzero((kinds == kind) & (canonical == np.arange(n)))
        return nodes[np.argsort(read_key[nodes], kind="stable")]

    parameter_nodes, constant_nodes, input_nodes = (
        leaves_of(PARAMETER), leaves_of(CONSTANT), leaves_of(INPUT)
    )
    place(parameter_nodes, UNIFORM)
    place(constant_nodes, UNIFORM)
    place(input_nodes, BATCHED)
    row_of = row_of[canonical]

    execution = sorted(range(len(groups)), key=lambda g: (int(level[groups[g][0]]), g))
    steps: list[Step] = []
    for g in execution:
        members = groups[g]
        first = int(members[0])
        store = BATCHED if batched[first] else UNIFORM
        start = place(members, store)
        arity = int(lengths[first])
        parents = edges.matrix(members, arity)
        rows = row_of[parents]
        if len(members) == 1:
            plain = np.ones(arity, dtype=bool)
            single = np.zeros(arity, dtype=bool)
        else:
            steps_between = np.diff(rows, axis=0)
            plain = (steps_between == 1).all(axis=0)
            single = (steps_between == 0).all(axis=0)
        accesses: list[Access] = []
        factors: dict[tuple[int, int], int] = {}
        first_parents = parents[0].tolist()
        first_rows = rows[0].tolist()
        for slot in range(arity):
            parent = first_parents[slot]
            if plain[slot]:
                pattern, begin, factor = SLICE, first_rows[slot], None
            elif single[slot]:
                pattern, begin, factor = SINGLE, first_rows[slot], None
            else:
                pattern, begin, factor = _classify(rows[:, slot])
            if factor is not None:
                factors[factor] = factors.get(factor, 0) + 1
            accesses.append(
                Access(
                    pattern,
                    BATCHED if batched[parent] else UNIFORM,
                    begin,
                    rows[:, slot],
                    bool(needs[parent]),
                )
            )
        factor = max(factors, key=lambda f: factors[f]) if factors else None
        for access in accesses:
            if access.pattern in (REPEAT, TILE) and _classify(access.rows)[2] != factor:
                access.pattern = TAKE
            if access.pattern == TAKE:
                access.rows = np.ascontiguousarray(access.rows)
                access.unique_rows = len(np.unique(access.rows)) == len(access.rows)
        row = graph.ops[first]
        assert row is not None
        steps.append(
            Step(
                row=row,
                constant=graph.constants[first],
                store=store,
                start=start,
                size=len(members),
                level=int(level[first]),
                inputs=accesses,
                factor=factor,
                needs_grad=bool(needs[first]),
                nodes=members,
            )
        )
    if fuse:
        fuse_multiply_sum(steps, edges, set(graph.outputs))

    parameter_rows = np.full(graph.n_parameters, -1, dtype=np.intp)
    leaf_refs = np.array(graph.leaf_refs, dtype=np.intp)
    parameter_rows[leaf_refs[parameter_nodes]] = row_of[parameter_nodes]
    input_rows = np.full(sum(graph.input_widths), -1, dtype=np.intp)
    input_rows[leaf_refs[input_nodes]] = row_of[input_nodes]
    outputs = [(BATCHED if batched[o] else UNIFORM, int(row_of[o])) for o in graph.outputs]
    return Schedule(
        steps=steps,
        store_sizes=(store_size[UNIFORM], store_size[BATCHED]),
        parameter_rows=parameter_rows,
        input_rows=input_rows,
        constant_rows=row_of[constant_nodes],
        constant_values=np.array([graph.constant_values[i] for i in constant_nodes], dtype=float),
        outputs=outputs,
        node_count=n,
        level_count=1 + int(level.max(initial=0)),
        group_sizes=[len(groups[g]) for g in execution],
    )
