"""micrograd 0.1.0 (PyPI ``micrograd``), used exactly as its demo notebook does.

Its own ``MLP``, ``Value`` inputs, the loss written with its operators, its
``zero_grad()`` and the update ``p.data -= lr * p.grad``; the garbage collector
at Python's defaults. Each operation stores a closure that refers back to its
output node, so every node is part of a reference cycle: the graph is only
freed by the cyclic garbage collector, and its topological sort is recursive.

The ``"deep"`` variant (W2 only) raises the recursion limit and runs backward
in a thread with a large stack, which is what it takes for micrograd to
backpropagate through a long chain (:func:`run_deep`).
"""

from __future__ import annotations

import importlib.metadata
import sys
import threading
from typing import Any

from benchmarks.engines.base import Engine, count_graph
from benchmarks.problems import CHAIN_FACTOR, CHAIN_SHIFT, CHAIN_START, MLPProblem


class MicrogradEngine(Engine):
    name = "micrograd"
    graph_note = "Values (leaves and constants included); a neuron is a chain of + nodes"

    def __init__(self, variant: str = "") -> None:
        super().__init__(variant)
        self.label = f"micrograd {importlib.metadata.version('micrograd')}"
        if variant == "deep":
            self.label += " (recursion limit and thread stack raised)"

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
        problem = self.problem
        assert problem is not None
        if problem.loss == "hinge_l2":  # the demo notebook's loss(), line for line
            yb = [t[0] for t in targets]
            inputs_values = [list(map(Value, xrow)) for xrow in inputs]
            scores = list(map(model, inputs_values))
            losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(yb, scores)]
            data_loss = sum(losses) * (1.0 / len(losses))
            alpha = problem.l2_alpha
            reg_loss = alpha * sum(p * p for p in model.parameters())
            return data_loss + reg_loss
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
        learning_rate = self.learning_rate()
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
        if self.variant != "deep":
            y.backward()
            return float(x.grad)
        return run_deep(lambda: (y.backward(), float(x.grad))[1])


#: The "deep" variant's limits: micrograd's recursive topological sort goes one
#: Python frame deeper per node, so a chain of N links needs about 2N frames.
DEEP_RECURSION_LIMIT = 10_000_000
DEEP_THREAD_STACK = 2**30


def run_deep(function: Any) -> Any:
    """``function()`` in a thread with a 1 GiB stack and a recursion limit of 10 million.

    This is what a user must do to backpropagate through a deep micrograd
    graph: raise ``sys.setrecursionlimit`` and, so that the C stack does not
    overflow first, run in a thread whose stack is large enough. The limits
    are restored afterwards.
    """
    result: list[Any] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            result.append(function())
        except BaseException as error:  # noqa: BLE001 - re-raised in the caller's thread
            errors.append(error)

    old_limit, old_stack = sys.getrecursionlimit(), threading.stack_size()
    sys.setrecursionlimit(DEEP_RECURSION_LIMIT)
    threading.stack_size(DEEP_THREAD_STACK)
    try:
        thread = threading.Thread(target=target)
        thread.start()
        thread.join()
    finally:
        threading.stack_size(old_stack)
        sys.setrecursionlimit(old_limit)
    if errors:
        raise errors[0]
    return result[0]


def make_engine(variant: str = "") -> Engine:
    """The engine for a worker process."""
    return MicrogradEngine(variant)
