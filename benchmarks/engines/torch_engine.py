"""PyTorch on 0-d float64 tensors: one tensor per weight, one autograd node per operation.

This is how a learner would write a scalar engine's network in PyTorch (the
same shape as micrograd's). A neuron's weighted sum is one ``torch.stack`` and
one ``sum``, PyTorch's own n-ary sum, the counterpart of this project's
``Value.sum`` (a chain of additions is slower). One thread
(``torch.set_num_threads(1)``), as every engine here runs on one core.
"""

from __future__ import annotations

from typing import Any

from benchmarks.engines.base import Engine, count_graph
from benchmarks.problems import CHAIN_FACTOR, CHAIN_SHIFT, CHAIN_START, MLPProblem


class TorchEngine(Engine):
    name = "torch"
    graph_note = "autograd Function nodes (grad_fn) and AccumulateGrad leaves"

    def __init__(self, variant: str = "stack") -> None:
        super().__init__(variant)
        import torch

        torch.set_num_threads(1)
        self.torch = torch
        self.label = f"PyTorch {torch.__version__} (0-d float64 tensors)"

    def _scalar(self, number: float, requires_grad: bool = False) -> Any:
        return self.torch.tensor(number, dtype=self.torch.float64, requires_grad=requires_grad)

    def build(self, problem: MLPProblem) -> None:
        self.layers = [
            [
                ([self._scalar(w, True) for w in row[:-1]], self._scalar(row[-1], True))
                for row in layer
            ]
            for layer in problem.weights
        ]
        self.parameters = [
            p for layer in self.layers for weights, bias in layer for p in (*weights, bias)
        ]

    def _neuron_sum(self, terms: list[Any]) -> Any:
        if self.variant == "chain":
            total = terms[0]
            for term in terms[1:]:
                total = total + term
            return total
        return self.torch.stack(terms).sum()

    def _model(self, x: list[Any]) -> list[Any]:
        last = len(self.layers) - 1
        for index, layer in enumerate(self.layers):
            outputs = []
            for weights, bias in layer:
                total = self._neuron_sum([w * xi for w, xi in zip(weights, x)] + [bias])
                outputs.append(total if index == last else self.torch.relu(total))
            x = outputs
        return x

    def forward(self, inputs: list[list[float]], targets: list[list[float]]) -> Any:
        problem = self.problem
        assert problem is not None
        if problem.loss == "hinge_l2":
            relu = self.torch.relu
            scores = [self._model([self._scalar(v) for v in x])[0] for x in inputs]
            losses = [relu(1 + -t[0] * score) for t, score in zip(targets, scores)]
            data_loss = self._neuron_sum(losses) * (1.0 / len(losses))
            reg_loss = problem.l2_alpha * self._neuron_sum([p * p for p in self.parameters])
            return data_loss + reg_loss
        losses = []
        for x, t in zip(inputs, targets):
            outputs = self._model([self._scalar(v) for v in x])
            squares = [(y - d) ** 2 for y, d in zip(outputs, t)]
            losses.append(self._neuron_sum(squares) / len(squares))
        return self._neuron_sum(losses) / len(losses)

    def backward(self, loss: Any) -> None:
        for p in self.parameters:
            p.grad = None
        loss.backward()

    def update(self) -> None:
        learning_rate = self.learning_rate()
        with self.torch.no_grad():
            for p in self.parameters:
                p -= learning_rate * p.grad

    def loss_value(self, loss: Any) -> float:
        return float(loss.item())

    def gradient_list(self) -> list[float]:
        return [float(p.grad) if p.grad is not None else 0.0 for p in self.parameters]

    def count_nodes(self, root: Any) -> int:
        def parents(function: Any) -> list[Any]:
            return [f for f, _ in function.next_functions if f is not None]

        return count_graph(root.grad_fn, parents)

    def build_chain(self, links: int) -> tuple[Any, Any]:
        x = self._scalar(CHAIN_START, True)
        y = x
        for _ in range(links):
            y = y * CHAIN_FACTOR + CHAIN_SHIFT
        return x, y

    def chain_gradient(self, x: Any, y: Any) -> float:
        y.backward()
        return float(x.grad)


def make_engine(variant: str = "stack") -> Engine:
    """The engine for a worker process."""
    return TorchEngine(variant)
