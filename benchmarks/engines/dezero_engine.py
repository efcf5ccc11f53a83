"""DeZero (PyPI ``dezero``, "Deep Learning from Scratch 3") on scalar data.

Every number is a ``Variable`` holding a 0-d float64 NumPy array and every
operation is one ``Function`` node, written like the micrograd model (one
Variable per weight) so that both build the same graph. Its backward pass is
iterative (ordered by generation) and it keeps weak references from functions
to their outputs, so its graphs have no reference cycles.
"""

from __future__ import annotations

import importlib.metadata
from typing import Any

from benchmarks.engines.base import Engine, count_graph
from benchmarks.problems import CHAIN_FACTOR, CHAIN_SHIFT, CHAIN_START, MLPProblem


def import_dezero() -> Any:
    """Import DeZero, which still refers to ``numpy.int`` (removed in NumPy 1.24).

    The alias is lent to NumPy for the import only (DeZero reads it once, as a
    default argument) and taken back afterwards.
    """
    import numpy as np

    lent = not hasattr(np, "int")
    if lent:
        np.int = int  # type: ignore[attr-defined]
    try:
        import dezero
    finally:
        if lent:
            del np.int  # type: ignore[attr-defined]
    return dezero


class DezeroEngine(Engine):
    name = "dezero"
    graph_note = "Variables (leaves and constants included); a neuron is a chain of + nodes"

    def __init__(self, variant: str = "") -> None:
        super().__init__(variant)
        self.dezero = import_dezero()
        import dezero.functions

        self.relu = dezero.functions.relu
        self.label = f"DeZero {importlib.metadata.version('dezero')} (0-d arrays)"

    def _scalar(self, number: float) -> Any:
        import numpy as np

        return self.dezero.Variable(np.array(number, dtype=np.float64))

    def build(self, problem: MLPProblem) -> None:
        self.layers = [
            [([self._scalar(w) for w in row[:-1]], self._scalar(row[-1])) for row in layer]
            for layer in problem.weights
        ]
        self.parameters = [
            p for layer in self.layers for weights, bias in layer for p in (*weights, bias)
        ]

    def _model(self, x: list[Any]) -> list[Any]:
        last = len(self.layers) - 1
        for index, layer in enumerate(self.layers):
            outputs = []
            for weights, bias in layer:
                total = bias
                for w, xi in zip(weights, x):
                    total = total + w * xi
                outputs.append(total if index == last else self.relu(total))
            x = outputs
        return x

    def _chain_sum(self, terms: list[Any]) -> Any:
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        return total

    def forward(self, inputs: list[list[float]], targets: list[list[float]]) -> Any:
        problem = self.problem
        assert problem is not None
        if problem.loss == "hinge_l2":
            scores = [self._model([self._scalar(v) for v in x])[0] for x in inputs]
            losses = [self.relu(1 + -t[0] * score) for t, score in zip(targets, scores)]
            data_loss = self._chain_sum(losses) * (1.0 / len(losses))
            reg_loss = problem.l2_alpha * self._chain_sum([p * p for p in self.parameters])
            return data_loss + reg_loss
        losses = []
        for x, t in zip(inputs, targets):
            outputs = self._model([self._scalar(v) for v in x])
            squares = [(y - d) ** 2 for y, d in zip(outputs, t)]
            total = squares[0]
            for square in squares[1:]:
                total = total + square
            losses.append(total * (1.0 / len(squares)))
        total = losses[0]
        for loss in losses[1:]:
            total = total + loss
        return total * (1.0 / len(losses))

    def backward(self, loss: Any) -> None:
        for p in self.parameters:
            p.cleargrad()
        loss.backward()

    def update(self) -> None:
        learning_rate = self.learning_rate()
        for p in self.parameters:
            p.data -= learning_rate * p.grad.data

    def loss_value(self, loss: Any) -> float:
        return float(loss.data)

    def gradient_list(self) -> list[float]:
        return [float(p.grad.data) if p.grad is not None else 0.0 for p in self.parameters]

    def count_nodes(self, root: Any) -> int:
        return count_graph(root, lambda v: v.creator.inputs if v.creator is not None else ())

    def build_chain(self, links: int) -> tuple[Any, Any]:
        x = self._scalar(CHAIN_START)
        y = x
        for _ in range(links):
            y = y * CHAIN_FACTOR + CHAIN_SHIFT
        return x, y

    def chain_gradient(self, x: Any, y: Any) -> float:
        y.backward()
        return float(x.grad.data)


def make_engine(variant: str = "") -> Engine:
    """The engine for a worker process."""
    return DezeroEngine(variant)
