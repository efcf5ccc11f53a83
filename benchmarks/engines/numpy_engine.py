"""The ceiling: the same network written by hand with NumPy matrix products.

No graph at all: the forward pass keeps each layer's pre-activations, and the
backward pass is the delta recursion written out (SEEDS.md section 5):
delta of the output = dL/ds, then delta(l) = (delta(l+1) W(l+1)) * relu'(z(l)),
and dL/dW(l) = delta(l)^T a(l-1). One BLAS thread (``OPENBLAS_NUM_THREADS=1``,
set by the harness before NumPy is imported).

The deep chain cannot be vectorised (each step needs the previous one), so its
"ceiling" is the same loop in plain Python floats, with the derivative
multiplied out by hand.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks.engines.base import Engine
from benchmarks.problems import CHAIN_FACTOR, CHAIN_SHIFT, CHAIN_START, MLPProblem


class NumpyEngine(Engine):
    name = "numpy"
    graph_note = "no graph"

    def __init__(self, variant: str = "") -> None:
        super().__init__(variant)
        self.label = f"NumPy {np.__version__}, written by hand"

    def build(self, problem: MLPProblem) -> None:
        self.weights = [np.array([row[:-1] for row in layer]) for layer in problem.weights]
        self.biases = [np.array([row[-1] for row in layer]) for layer in problem.weights]
        self.gradients: list[tuple[np.ndarray, np.ndarray]] = []

    def forward(self, inputs: list[list[float]], targets: list[list[float]]) -> Any:
        activation = np.asarray(inputs, dtype=np.float64)
        layers_in, pre_activations = [], []
        last = len(self.weights) - 1
        for index, (W, b) in enumerate(zip(self.weights, self.biases)):
            layers_in.append(activation)
            z = activation @ W.T + b
            pre_activations.append(z)
            activation = z if index == last else np.maximum(z, 0.0)
        T = np.asarray(targets, dtype=np.float64)
        problem = self.problem
        assert problem is not None
        if problem.loss == "hinge_l2":
            # L = mean_i relu(1 - y_i s_i) + alpha * sum_p p**2
            margins = 1.0 - T * activation
            squares = sum(
                float(np.sum(W * W)) + float(b @ b) for W, b in zip(self.weights, self.biases)
            )
            loss = float(np.mean(np.maximum(margins, 0.0))) + problem.l2_alpha * squares
            # dL/ds_i = -y_i / n where the margin is positive
            output_delta = -T * (margins > 0.0) / len(T)
        else:
            difference = activation - T
            loss = float(np.mean(difference * difference))
            output_delta = 2.0 * difference / difference.size  # dL/ds for L = mean of squares
        return loss, output_delta, layers_in, pre_activations

    def backward(self, loss: Any) -> None:
        _, delta, layers_in, pre_activations = loss
        problem = self.problem
        assert problem is not None
        alpha2 = 2.0 * problem.l2_alpha if problem.loss == "hinge_l2" else 0.0
        gradients = []
        for index in range(len(self.weights) - 1, -1, -1):
            gW, gb = delta.T @ layers_in[index], delta.sum(axis=0)
            if alpha2:
                gW += alpha2 * self.weights[index]
                gb += alpha2 * self.biases[index]
            gradients.append((gW, gb))
            if index > 0:
                delta = (delta @ self.weights[index]) * (pre_activations[index - 1] > 0.0)
        self.gradients = gradients[::-1]

    def update(self) -> None:
        learning_rate = self.learning_rate()
        for W, b, (gW, gb) in zip(self.weights, self.biases, self.gradients):
            W -= learning_rate * gW
            b -= learning_rate * gb

    def loss_value(self, loss: Any) -> float:
        return float(loss[0])

    def gradient_list(self) -> list[float]:
        flat: list[float] = []
        for gW, gb in self.gradients:
            for row, bias in zip(gW.tolist(), gb.tolist()):
                flat.extend(row)
                flat.append(bias)
        return flat

    def count_nodes(self, root: Any) -> None:
        return None

    def build_chain(self, links: int) -> tuple[Any, Any]:
        y = CHAIN_START
        for _ in range(links):
            y = y * CHAIN_FACTOR + CHAIN_SHIFT
        return links, y

    def chain_gradient(self, x: Any, y: Any) -> float:
        gradient = 1.0
        for _ in range(x):
            gradient *= CHAIN_FACTOR
        return gradient


def make_engine(variant: str = "") -> Engine:
    """The engine for a worker process."""
    return NumpyEngine(variant)
