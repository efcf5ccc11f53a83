"""The workloads' data, starting weights and settings, shared by every engine.

Every engine builds its model from the *same* numbers made here, so that the
harness can check, before timing anything, that all engines compute the same
loss and gradients. Everything is plain Python lists and floats (cheap to send
to a worker process, and every engine can read them).

* W1, micrograd's demo step, exactly as its notebook writes it: an MLP
  2-16-16-1 (relu hidden layers, a linear output) on 100 points of the two
  moons, targets y_i in {-1, +1}, the hinge loss averaged plus an L2 term,
  L = 1/100 * sum_i relu(1 - y_i * s_i) + 1e-4 * sum_p p**2, and an SGD step
  whose rate falls from 1.0 as in the demo (1.0 - 0.9 * k / 100 at step k,
  starting again after 100 steps).
* W2, a deep chain: x -> x * 1.0001 + 0.0001, N times, then backward.
* W4, one epoch on the 8x8 digits: an MLP 64-32-10 (relu hidden layer, linear
  outputs), mean squared error against one-hot targets (micrograd has no exp
  or log, so no softmax), mini-batches of 32, SGD.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: A layer's weights: one row per neuron, [w_1, ..., w_nin, bias] (the bias last).
LayerWeights = list[list[float]]

#: The deep chain: y <- y * CHAIN_FACTOR + CHAIN_SHIFT, starting from CHAIN_START.
CHAIN_FACTOR = 1.0001
CHAIN_SHIFT = 0.0001
CHAIN_START = 0.5


@dataclass(frozen=True)
class MLPProblem:
    """One supervised problem: the network's starting weights, the data and the update.

    Attributes:
        sizes: Layer widths including the input, e.g. ``[2, 16, 16, 1]``.
        weights: One :data:`LayerWeights` per layer.
        inputs: One list of floats per sample.
        targets: One list of floats per sample (the network's desired outputs).
        learning_rate: The SGD step: p <- p - learning_rate * dL/dp.
        batch_size: Samples per update (W1: all of them, one step).
        loss: ``"hinge_l2"`` (W1: micrograd's demo loss, ``l2_alpha`` its L2
            weight) or ``"mse"`` (mean squared error over outputs and samples).
        l2_alpha: Weight of the L2 term ``alpha * sum_p p**2`` (hinge_l2 only).
        decay_steps: If not 0, the learning rate at step k is
            ``learning_rate * (1 - 0.9 * (k % decay_steps) / decay_steps)``
            (micrograd's demo: 1.0 - 0.9 * k / 100).
    """

    sizes: list[int]
    weights: list[LayerWeights]
    inputs: list[list[float]]
    targets: list[list[float]]
    learning_rate: float
    batch_size: int
    loss: str = "mse"
    l2_alpha: float = 0.0
    decay_steps: int = 0

    def learning_rate_at(self, step: int) -> float:
        """The SGD rate of training step ``step`` (0-based), see ``decay_steps``."""
        if not self.decay_steps:
            return self.learning_rate
        k = step % self.decay_steps
        return self.learning_rate * (1.0 - 0.9 * k / self.decay_steps)

    @property
    def parameter_count(self) -> int:
        """Weights and biases together."""
        return sum(len(row) for layer in self.weights for row in layer)

    def batches(self) -> list[tuple[list[list[float]], list[list[float]]]]:
        """The samples in consecutive mini-batches of ``batch_size`` (the last may be shorter)."""
        size = self.batch_size
        return [
            (self.inputs[start : start + size], self.targets[start : start + size])
            for start in range(0, len(self.inputs), size)
        ]


def he_uniform_weights(sizes: list[int], seed: int) -> list[LayerWeights]:
    """Weights uniform in [-sqrt(6 / fan_in), sqrt(6 / fan_in)] (He, for relu), biases 0."""
    import numpy as np

    rng = np.random.default_rng(seed)
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        limit = math.sqrt(6.0 / fan_in)
        layer = rng.uniform(-limit, limit, size=(fan_out, fan_in))
        layers.append([[*map(float, row), 0.0] for row in layer])
    return layers


def w1_problem(points: int = 100, seed: int = 0) -> MLPProblem:
    """W1: micrograd's demo: MLP 2-16-16-1, ``points`` points of the two moons, hinge + L2."""
    from nn.datasets import moons

    X, labels = moons(points, noise=0.1, seed=seed)
    sizes = [2, 16, 16, 1]
    return MLPProblem(
        sizes=sizes,
        weights=he_uniform_weights(sizes, seed),
        inputs=X.tolist(),
        targets=[[2.0 * float(label) - 1.0] for label in labels],
        learning_rate=1.0,
        batch_size=points,
        loss="hinge_l2",
        l2_alpha=1e-4,
        decay_steps=100,
    )


def w4_problem(images: int | None = None, seed: int = 0) -> MLPProblem:
    """W4: MLP 64-32-10 on the digits' training images (80% of 1,797), batches of 32.

    Args:
        images: Use only the first ``images`` training images (quick runs);
            None for the whole epoch (1,437 images).
        seed: Seed of the train/test split and of the weights.
    """
    from nn.datasets import digits, train_test_split

    X, labels = digits()
    X_train, _, y_train, _ = train_test_split(X, labels, 0.2, seed=seed)
    if images is not None:
        X_train, y_train = X_train[:images], y_train[:images]
    sizes = [64, 32, 10]
    one_hot = [[1.0 if k == int(label) else 0.0 for k in range(10)] for label in y_train]
    return MLPProblem(
        sizes=sizes,
        weights=he_uniform_weights(sizes, seed),
        inputs=X_train.tolist(),
        targets=one_hot,
        learning_rate=0.1,
        batch_size=32,
    )


def chain_reference(links: int) -> tuple[float, float]:
    """The deep chain in plain floats: (y, dy/dx) = (the output, CHAIN_FACTOR ** links)."""
    y = CHAIN_START
    for _ in range(links):
        y = y * CHAIN_FACTOR + CHAIN_SHIFT
    return y, CHAIN_FACTOR**links
