"""The floor: a minimal pure-Python tape written by hand for W1's arithmetic.

Not an engine anyone would teach with, but the least a pure-Python scalar
engine can do for the same graph: every number of the step is one entry of a
list (``values``), and every node one tuple in a second list (``nodes``) that
holds its parents' positions and its local derivatives, flattened::

    nodes[k] = (parent_1, d_k/d_parent_1, parent_2, d_k/d_parent_2, ...)

The parameters come first (leaves: the empty tuple), and every node is
appended after its parents, so the list is already in a valid order and the
backward pass is one loop from the end, ``grads[parent] += grads[k] * local``.
No objects per node but the tuple, and a tuple of numbers only is untracked
by the garbage collector. The graph is the one this project builds: a neuron
is one ``mul`` node per input, one n-ary ``sum`` node with the bias and a
``relu`` node; inputs and targets are plain numbers, not nodes. W4 (mean
squared error) and the deep chain (W2) are written the same way.
"""

from __future__ import annotations

from typing import Any

from benchmarks.engines.base import Engine
from benchmarks.problems import CHAIN_FACTOR, CHAIN_SHIFT, CHAIN_START, MLPProblem

#: A layer: per neuron, the positions of its weights in ``values`` and of its bias.
Layout = list[list[tuple[list[int], int]]]


class Tape:
    """One step's numbers and nodes (see the module docstring)."""

    def __init__(self, leaves: list[float]) -> None:
        self.values: list[float] = list(leaves)
        self.nodes: list[tuple[Any, ...]] = [()] * len(leaves)

    def backward(self) -> list[float]:
        """d(last value)/d(every value), by one loop over the nodes from the end."""
        nodes = self.nodes
        grads = [0.0] * len(nodes)
        grads[-1] = 1.0
        for k in range(len(nodes) - 1, -1, -1):
            g = grads[k]
            if g:
                node = nodes[k]
                for i in range(0, len(node), 2):
                    grads[node[i]] += g * node[i + 1]
        return grads


class TapeEngine(Engine):
    name = "tape"
    graph_note = "tuples on the tape (parameters included); one n-ary sum node per neuron"

    def __init__(self, variant: str = "") -> None:
        super().__init__(variant)
        self.label = "pure-Python tape, written by hand"
        self.grads: list[float] = []

    def build(self, problem: MLPProblem) -> None:
        self.parameter_values: list[float] = []
        self.layout: Layout = []
        for layer in problem.weights:
            neurons = []
            for row in layer:
                first = len(self.parameter_values)
                self.parameter_values.extend(row)
                neurons.append((list(range(first, first + len(row) - 1)), first + len(row) - 1))
            self.layout.append(neurons)

    def _sample(self, tape: Tape, x: list[float]) -> list[int]:
        """Record one sample's forward pass; return the positions of its outputs."""
        values, nodes = tape.values, tape.nodes
        add_value, add_node = values.append, nodes.append
        # an activation is (position, value); position -1 for an input number (no node)
        activations = [(-1, xi) for xi in x]
        last = len(self.layout) - 1
        for index, layer in enumerate(self.layout):
            outputs = []
            for weights, bias in layer:
                total = values[bias]
                sum_node = [bias, 1.0]
                for w, (a, av) in zip(weights, activations):
                    wv = values[w]
                    add_node((w, av) if a < 0 else (w, av, a, wv))
                    add_value(wv * av)
                    sum_node += (len(values) - 1, 1.0)
                    total += wv * av
                add_node(tuple(sum_node))
                add_value(total)
                position = len(values) - 1
                if index != last:  # relu
                    add_node((position, 1.0 if total > 0.0 else 0.0))
                    add_value(total if total > 0.0 else 0.0)
                    position += 1
                outputs.append((position, values[position]))
            activations = outputs
        return [position for position, _ in activations]

    def forward(self, inputs: list[list[float]], targets: list[list[float]]) -> Tape:
        problem = self.problem
        assert problem is not None
        tape = Tape(self.parameter_values)
        values, nodes = tape.values, tape.nodes
        add_value, add_node = values.append, nodes.append
        n = len(inputs)
        mean: list[Any] = []  # the n-ary sum node of the per-sample losses, each times 1/n
        for x, t in zip(inputs, targets):
            outputs = self._sample(tape, x)
            if problem.loss == "hinge_l2":  # relu(1 + -y * s)
                y, s = t[0], outputs[0]
                margin = 1.0 + -y * values[s]
                add_node((s, -y))
                add_value(margin)
                add_node((len(values) - 1, 1.0 if margin > 0.0 else 0.0))
                add_value(margin if margin > 0.0 else 0.0)
                mean += (len(values) - 1, 1.0 / n)
            else:  # mean of squared differences over the outputs
                sample: list[Any] = []
                for position, target in zip(outputs, t):
                    difference = values[position] - target
                    add_node((position, 2.0 * difference))
                    add_value(difference * difference)
                    sample += (len(values) - 1, 1.0 / len(t))
                add_node(tuple(sample))
                add_value(sum(values[i] for i in sample[::2]) / len(t))
                mean += (len(values) - 1, 1.0 / n)
        add_node(tuple(mean))
        add_value(sum(values[i] for i in mean[::2]) / n)
        if problem.loss == "hinge_l2":  # + alpha * sum_p p**2
            data_loss = len(values) - 1
            parameters = len(self.parameter_values)
            squares = [p * p for p in values[:parameters]]
            add_node(tuple(x for i in range(parameters) for x in (i, 2.0 * values[i])))
            add_value(sum(squares))
            add_node((len(values) - 1, problem.l2_alpha))
            add_value(problem.l2_alpha * values[-1])
            add_node((data_loss, 1.0, len(values) - 1, 1.0))
            add_value(values[data_loss] + values[-1])
        return tape

    def backward(self, loss: Tape) -> None:
        self.grads = loss.backward()[: len(self.parameter_values)]

    def update(self) -> None:
        rate = self.learning_rate()
        self.parameter_values = [p - rate * g for p, g in zip(self.parameter_values, self.grads)]

    def loss_value(self, loss: Tape) -> float:
        return loss.values[-1]

    def gradient_list(self) -> list[float]:
        return list(self.grads)

    def count_nodes(self, root: Tape) -> int:
        return len(root.nodes)

    def build_chain(self, links: int) -> tuple[Any, Any]:
        tape = Tape([CHAIN_START])
        values, nodes = tape.values, tape.nodes
        y = CHAIN_START
        for k in range(links):
            y = y * CHAIN_FACTOR
            nodes.append((2 * k, CHAIN_FACTOR))
            values.append(y)
            y = y + CHAIN_SHIFT
            nodes.append((2 * k + 1, 1.0))
            values.append(y)
        return None, tape

    def chain_gradient(self, x: Any, y: Tape) -> float:
        return y.backward()[0]


def make_engine(variant: str = "") -> Engine:
    """The engine for a worker process."""
    return TapeEngine(variant)
