"""This project, used as its README teaches: ``nn.MLP``, ``Value`` arithmetic, ``nn.SGD``.

W1's loss is micrograd's demo loss written with this project's operators
(``(1 + -y * score).relu()`` per sample, ``Value.sum`` for the mean and the L2
term); W4's is ``nn.mean_squared_error``.

Two variants:

* ``"loop"``: the hand-written training loop of the README, with the garbage
  collector as the worker has it (on by default; off in the "collector off"
  rows, see :mod:`benchmarks.engines.base`);
* ``"fit"``: the same step inside ``nn``'s ``collector_paused()``, which is
  how ``nn.fit`` runs every mini-batch (the collector is paused for the step
  and the user's setting restored afterwards). For the deep chain (W2), the
  chain is built and differentiated inside ``collector_paused()`` too.

Nodes are ``Value`` objects; a neuron is one n-ary ``sum`` node over its
``mul`` nodes, so this engine makes fewer nodes than micrograd for the same
network.
"""

from __future__ import annotations

import importlib.metadata
from typing import Any

from autograd_core import Value, numerical_grad, topological_order
from benchmarks.engines.base import Engine
from benchmarks.measure import Instant
from benchmarks.problems import CHAIN_FACTOR, CHAIN_SHIFT, CHAIN_START, MLPProblem


class AutogradCoreEngine(Engine):
    name = "autograd_core"
    graph_note = "Values (leaves included); one n-ary sum node per neuron"

    def __init__(self, variant: str = "loop") -> None:
        super().__init__(variant)
        version = importlib.metadata.version("autograd-core")
        how = "hand-written loop" if variant == "loop" else "collector paused, as nn.fit runs a step"
        self.label = f"autograd_core {version} ({how})"

    def build(self, problem: MLPProblem) -> None:
        import nn

        sizes = problem.sizes
        self.model = nn.MLP(sizes[0], sizes[1:], activation="relu")
        for layer, layer_weights in zip(self.model.layers, problem.weights):
            for neuron, row in zip(layer.neurons, layer_weights):
                for weight, value in zip(neuron.weights, row[:-1]):
                    weight.data = value
                neuron.bias.data = row[-1]
        self.parameters = self.model.parameters()
        self.optimizer = nn.SGD(self.model, lr=problem.learning_rate)
        self.loss_function = nn.mean_squared_error

    def step(self, inputs: list[list[float]], targets: list[list[float]]) -> dict[str, Any]:
        if self.variant != "fit":
            return super().step(inputs, targets)
        from nn.train import collector_paused

        with collector_paused():
            return super().step(inputs, targets)

    def chain(self, links: int) -> dict[str, Any]:
        if self.variant != "fit":
            return super().chain(links)
        from nn.train import collector_paused

        with collector_paused():
            return super().chain(links)

    def forward(self, inputs: list[list[float]], targets: list[list[float]]) -> Value:
        model = self.model
        problem = self.problem
        assert problem is not None
        if problem.loss == "hinge_l2":
            scores = [model(x)[0] for x in inputs]
            losses = [(1 + -t[0] * score).relu() for t, score in zip(targets, scores)]
            data_loss = Value.sum(losses) * (1.0 / len(losses))
            reg_loss = problem.l2_alpha * Value.sum([p * p for p in self.parameters])
            return data_loss + reg_loss
        loss_function = self.loss_function
        losses = [loss_function(model(x), t) for x, t in zip(inputs, targets)]
        return Value.sum(losses) / len(losses)

    def backward(self, loss: Value) -> None:
        self.optimizer.zero_grad()
        loss.backward()

    def update(self) -> None:
        self.optimizer.lr = self.learning_rate()
        self.optimizer.step()

    def loss_value(self, loss: Value) -> float:
        return loss.data

    def gradient_list(self) -> list[float]:
        return [p.grad for p in self.parameters]

    def count_nodes(self, root: Value) -> int:
        return len(topological_order(root))

    def build_chain(self, links: int) -> tuple[Value, Value]:
        x = Value(CHAIN_START)
        y = x
        for _ in range(links):
            y = y * CHAIN_FACTOR + CHAIN_SHIFT
        return x, y

    def chain_gradient(self, x: Value, y: Value) -> float:
        y.backward()
        return x.grad

    # ----- the articles' claim: numerical gradients cost far more than one backward ----
    def numerical_gradient_cost(self, parameters: int | None = None) -> dict[str, Any]:
        """Central differences for the first batch's loss vs one backward pass.

        Args:
            parameters: Differentiate only the first ``parameters`` parameters
                (quick runs; the report scales the time up); None for all.

        Returns:
            CPU seconds of the central differences, of one forward pass and of
            one backward pass, how many parameters were differentiated, and
            the largest difference between the two gradients, relative to the
            largest gradient.
        """
        inputs, targets = self._batches[0]
        chosen = self.parameters if parameters is None else self.parameters[:parameters]
        start = Instant.now()
        loss = self.forward(inputs, targets)
        forwarded = Instant.now()
        self.backward(loss)
        backwarded = Instant.now()
        backprop = [p.grad for p in chosen]
        del loss

        def batch_loss(*_: Value) -> Value:
            return self.forward(inputs, targets)

        started = Instant.now()
        numerical = numerical_grad(batch_loss, chosen)
        finished = Instant.now()
        largest = max(max(abs(g) for g in backprop), 1e-300)
        worst = max(abs(a - b) for a, b in zip(backprop, numerical)) / largest
        return {
            "numerical_cpu": finished.cpu - started.cpu,
            "forward_cpu": forwarded.cpu - start.cpu,
            "backward_cpu": backwarded.cpu - forwarded.cpu,
            "parameters_done": len(chosen),
            "parameters_total": len(self.parameters),
            "worst_relative_difference": worst,
        }


def make_engine(variant: str = "loop") -> Engine:
    """The engine for a worker process."""
    return AutogradCoreEngine(variant)
