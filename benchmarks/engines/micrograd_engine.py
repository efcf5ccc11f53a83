"""micrograd 0.1.0 (PyPI ``micrograd``), used exactly as its demo notebook does.

Its own ``MLP``, ``Value`` inputs, the loss written with its operators, its
``zero_grad()`` and the update ``p.data -= lr * p.grad``; the garbage collector
at Python's defaults. Each operation stores a closure that refers back to its
output node, so every node is part of a reference cycle: the graph is only
freed by the cyclic garbage collector, and its topological sort is recursive.
"""

from __future__ import annotations

import importlib.metadata
from typing import Any

from benchmarks.engines.base import Engine, count_graph
from benchmarks.problems import CHAIN_FACTOR, CHAIN_SHIFT, CHAIN_START, MLPProblem


class MicrogradEngine(Engine):
    name = "micrograd"
    graph_note = "Values (leaves and constants included); a neuron is a chain of + nodes"

    def __init__(self, variant: str = "") -> None:
        super().__init__(variant)
        self.label = f"micrograd {importlib.metadata.version('micrograd')}"

    def build(self, problem: MLPProblem) -> None:
        from micrograd.engine import Value
        from micrograd.nn import MLP

        self.Value = Value
        self.model = MLP(problem.sizes[0], problem.sizes[1:])  # relu hidden, linear output
        for layer, layer_weights in zip(self.model.layers, problem.weights):
            for neuron, row in zip(layer.neurons, layer_weights):
                for weight, value in zip(neuron.w, row[:-1]):
                    weight.data = value
                neuron.b.data = row[-1]
        self.parameters = self.model.parameters()

    def forward(self, inputs: list[list[float]], targets: list[list[float]]) -> Any:
        model, Value = self.model, self.Value
        losses = []
        for x, t in zip(inputs, targets):
            outputs = model(list(map(Value, x)))
            outputs = outputs if isinstance(outputs, list) else [outputs]
            squares = [(y - d) ** 2 for y, d in zip(outputs, t)]
            losses.append(sum(squares) * (1.0 / len(squares)))
        return sum(losses) * (1.0 / len(losses))

    def backward(self, loss: Any) -> None:
        self.model.zero_grad()
        loss.backward()

    def update(self) -> None:
        learning_rate = self.problem.learning_rate  # type: ignore[union-attr]
        for p in self.parameters:
            p.data -= learning_rate * p.grad

    def loss_value(self, loss: Any) -> float:
        return float(loss.data)

    def gradient_list(self) -> list[float]:
        return [float(p.grad) for p in self.parameters]

    def count_nodes(self, root: Any) -> int:
        return count_graph(root, lambda node: node._prev)

    def build_chain(self, links: int) -> tuple[Any, Any]:
        from micrograd.engine import Value

        x = Value(CHAIN_START)
        y = x
        for _ in range(links):
            y = y * CHAIN_FACTOR + CHAIN_SHIFT
        return x, y

    def chain_gradient(self, x: Any, y: Any) -> float:
        y.backward()
        return float(x.grad)


def make_engine(variant: str = "") -> Engine:
    """The engine for a worker process."""
    return MicrogradEngine(variant)
