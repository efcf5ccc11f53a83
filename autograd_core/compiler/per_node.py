"""The simple design, kept for comparison: one NumPy call per node.

Every node of the traced graph becomes one vectorised call of its row over the
batch (an array with one entry per sample), in topological order; backward
walks the nodes in reverse and adds ``local * upstream`` into each parent,
out of place. It is easy to read and already far faster than the plain engine,
because each Python-level operation now handles a whole batch. But an MLP has
thousands of nodes, so the Python loop itself dominates; the grouped design
(:mod:`~autograd_core.compiler.schedule`) runs one call per *group* of nodes.
``benchmarks/compiled.py`` measures both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from autograd_core import array_math
from autograd_core.compiler.trace import INPUT, OPERATION, PARAMETER, TracedGraph
from autograd_core.value import Value

Array = NDArray[np.float64]


class PerNodeProgram:
    """Run a traced graph node by node, each node vectorised over the batch.

    Args:
        graph: A traced graph (``BatchProgram.graph``).
        parameters: The traced parameter Values, in order.
    """

    def __init__(self, graph: TracedGraph, parameters: Sequence[Value]) -> None:
        self.graph = graph
        self.parameters = list(parameters)
        needs_grad = [False] * graph.size
        for i in range(graph.size):
            if graph.kinds[i] == PARAMETER:
                needs_grad[i] = True
            elif graph.kinds[i] == OPERATION:
                needs_grad[i] = any(needs_grad[p] for p in graph.parents[i])
        self.needs_grad = needs_grad

    def _forward(self, batch: Array) -> list[Any]:
        graph = self.graph
        values: list[Any] = [None] * graph.size
        for i in range(graph.size):
            kind = graph.kinds[i]
            if kind == OPERATION:
                row = graph.ops[i]
                arguments = [values[p] for p in graph.parents[i]]
                if graph.constants[i] is not None:
                    arguments.append(graph.constants[i])
                values[i] = row.forward(array_math, *arguments)  # type: ignore[union-attr]
            elif kind == PARAMETER:
                values[i] = self.parameters[graph.leaf_refs[i]].data
            elif kind == INPUT:
                values[i] = np.ascontiguousarray(batch[:, graph.leaf_refs[i]])
            else:
                values[i] = graph.constant_values[i]
        return values

    def gradient(self, *arrays: ArrayLike) -> tuple[float, Array]:
        """Batch loss (sum over samples) and its gradient for every parameter."""
        parts = [np.asarray(a, dtype=float) for a in arrays]
        batch = np.concatenate([p[:, None] if p.ndim == 1 else p for p in parts], axis=1)
        graph = self.graph
        values = self._forward(batch)
        root = graph.outputs[0]
        grads: list[Any] = [None] * graph.size
        grads[root] = np.ones(len(batch))
        for i in range(root, -1, -1):
            upstream = grads[i]
            if upstream is None or graph.kinds[i] != OPERATION:
                continue
            arguments = [values[p] for p in graph.parents[i]]
            if graph.constants[i] is not None:
                arguments.append(graph.constants[i])
            local = graph.ops[i].local_grads(array_math, values[i], *arguments)  # type: ignore[union-attr]
            for parent, derivative in zip(graph.parents[i], local):
                if self.needs_grad[parent]:
                    contribution = derivative * upstream
                    previous = grads[parent]
                    grads[parent] = contribution if previous is None else previous + contribution
        gradient = np.zeros(len(self.parameters))
        for i in range(graph.size):
            if graph.kinds[i] == PARAMETER and grads[i] is not None:
                gradient[graph.leaf_refs[i]] += float(np.sum(grads[i]))
        return float(np.sum(values[root])), gradient
