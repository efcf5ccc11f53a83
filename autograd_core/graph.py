"""Walking the graph: one iterative topological sort shared by everything.

Backward, diagrams, explanations and the compiler all need the nodes that a
result depends on, each after its parents. The walk below uses an explicit
stack instead of recursion, so a chain of a million nodes is no problem.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autograd_core.value import Value


#: Marker on the stack: "the node below me has all its parents emitted".
_EMIT_NEXT = None


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on (itself included), parents before children.

    A depth-first search with an explicit stack: a node is emitted once all of
    its parents have been emitted. The order is deterministic: parents are
    visited in argument order, so the same graph always gives the same list.

    Args:
        root: The node to start from, usually a loss.

    Returns:
        The nodes, each exactly once, every node after all of its parents;
        ``root`` is last.
    """
    order: list[Value] = []
    visited: set[Value] = set()
    stack: list[Value | None] = [root]
    push, pop, emit, mark = stack.append, stack.pop, order.append, visited.add
    # The walk reads a node's parents from its slots (``_a``, ``_b``, or the
    # tuple in ``_extra.parents`` for three or more; see autograd_core.value),
    # which is what ``node.parents`` hands out, without building a tuple per node.
    while stack:
        node = pop()
        if node is _EMIT_NEXT:
            # All parents of the node below the marker are emitted by now.
            emit(pop())  # type: ignore[arg-type]  # below a marker is always a node
        elif node not in visited:
            mark(node)
            first = node._a
            if first is None:
                extra = node._extra
                if extra is None or extra.parents is None:  # a leaf
                    emit(node)
                    continue
                push(node)
                push(_EMIT_NEXT)
                parents = extra.parents
                # The first parents that could be emitted at once (a leaf, or
                # a node with both parents emitted: a neuron's products) are
                # emitted here, in order, without a trip through the stack;
                # that is what popping them one by one would do.
                ready = 0
                for parent in parents:
                    if parent not in visited:
                        grand = parent._a
                        if grand is None:
                            if parent._extra is not None and parent._extra.parents is not None:
                                break  # three or more parents: walk it
                        elif grand not in visited or (
                            parent._b is not None and parent._b not in visited
                        ):
                            break
                        mark(parent)
                        emit(parent)
                    ready += 1
                # Push the rest not yet visited, last first, so that the
                # first of them is popped (and emitted) first.
                for parent in reversed(parents[ready:]):
                    if parent not in visited:
                        push(parent)
                continue
            second = node._b
            if first in visited:
                if second is None or second in visited:
                    # Both parents are emitted already (a visited node that is
                    # not yet emitted would be its own ancestor: a cycle), so
                    # the node can go now, with no marker. In a training step
                    # this is most nodes: their inputs are shared.
                    emit(node)
                    continue
                push(node)
                push(_EMIT_NEXT)
                push(second)
            else:
                push(node)
                push(_EMIT_NEXT)
                if second is not None and second not in visited:
                    push(second)
                push(first)
    return order
