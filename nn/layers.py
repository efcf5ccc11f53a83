"""Neurons, layers and multi-layer perceptrons built from ``Value`` nodes.

One neuron computes, for inputs x1..xn::

    u = w1*x1 + ... + wn*xn + b      (one n-ary ``sum`` node over n ``mul`` nodes and b)
    z = f(u)                         (the activation: tanh, sigmoid, relu or identity)

A layer is a list of neurons that all read the same inputs, and an MLP is
layers one after the other: u = W x + b, z = f(u), repeated (SEEDS.md section 5).
Every number on the way is a ``Value``, so ``loss.backward()`` reaches every
weight.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from autograd_core import Value
from nn.init import SeedLike, check_activation, initial_weights, make_rng
from nn.module import Module

#: What a layer or neuron accepts as input: numbers or Values (a list, tuple or 1-D array).
Inputs = Sequence[float | Value] | np.ndarray

#: The activation functions by name: each is the engine's own operation.
ACTIVATION_FUNCTIONS: dict[str, Callable[[Value], Value]] = {
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "relu": Value.relu,
    "identity": lambda u: u,
}


def _as_values(x: Inputs) -> list[Value]:
    """Inputs as a list of Values; numbers become constant leaves.

    Done once per layer call, so the n neurons of a layer share the same input
    leaves instead of each making its own: fewer nodes to create and to walk.
    """
    if isinstance(x, np.ndarray):
        if x.ndim != 1:
            raise ValueError(
                f"inputs: expected one sample (a 1-D array), got an array of shape {x.shape}. "
                "Call the model once per row, or use nn.predict(model, X) for a whole batch."
            )
        x = x.tolist()
    return [xi if isinstance(xi, Value) else Value(xi) for xi in x]


class Neuron(Module):
    """One unit: z = f(w . x + b).

    Args:
        nin: Number of inputs.
        activation: ``"tanh"``, ``"sigmoid"``, ``"relu"`` or ``"identity"``.
        fan_out: Neurons in the surrounding layer (Xavier/Glorot uses it; see :mod:`nn.init`).
        seed: Int seed or NumPy Generator for the initial weights; None for fresh randomness.

    Attributes:
        weights: ``nin`` parameter Values, w1..wn.
        bias: The parameter b (starts at 0).
        activation: The activation's name.

    Raises:
        ValueError: ``nin`` < 1 or an unknown activation.
    """

    def __init__(
        self, nin: int, activation: str = "tanh", *, fan_out: int = 1, seed: SeedLike = None
    ) -> None:
        if nin < 1:
            raise ValueError(f"Neuron: needs at least one input, got nin={nin!r}.")
        self.activation = check_activation(activation)
        rng = make_rng(seed)
        self.weights = [Value(w) for w in initial_weights(nin, activation, fan_out=fan_out, rng=rng)]
        self.bias = Value(0.0)
        self._activate = ACTIVATION_FUNCTIONS[activation]

    def __call__(self, x: Inputs) -> Value:
        """f(w1*x1 + ... + wn*xn + b) as graph nodes.

        Raises:
            ValueError: ``x`` does not have ``nin`` inputs.
        """
        x = _as_values(x)
        if len(x) != len(self.weights):
            raise ValueError(
                f"Neuron: expected {len(self.weights)} inputs, got {len(x)}. "
                "Check the input width (the model's nin)."
            )
        terms = [w * xi for w, xi in zip(self.weights, x)]
        terms.append(self.bias)
        return self._activate(Value.sum(terms))

    def __repr__(self) -> str:
        return f"Neuron({len(self.weights)} inputs, {self.activation}, {self.parameter_count()} parameters)"


class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs; calling it returns a list, always.

    Args:
        nin: Inputs of each neuron.
        nout: Number of neurons (outputs).
        activation: Activation of every neuron.
        seed: Int seed or NumPy Generator for the initial weights; None for fresh randomness.

    Raises:
        ValueError: ``nin`` or ``nout`` < 1, or an unknown activation.
    """

    def __init__(self, nin: int, nout: int, activation: str = "tanh", *, seed: SeedLike = None) -> None:
        if nout < 1:
            raise ValueError(f"Layer: needs at least one neuron, got nout={nout!r}.")
        rng = make_rng(seed)
        self.nin = nin
        self.activation = check_activation(activation)
        self.neurons = [Neuron(nin, activation, fan_out=nout, seed=rng) for _ in range(nout)]

    def __call__(self, x: Inputs) -> list[Value]:
        """Each neuron's output, in order (a list even for one neuron)."""
        x = _as_values(x)
        return [neuron(x) for neuron in self.neurons]

    def __repr__(self) -> str:
        return (
            f"Layer({self.nin} -> {len(self.neurons)}, {self.activation}, "
            f"{self.parameter_count()} parameters)"
        )


class MLP(Module):
    """A multi-layer perceptron: layers of neurons, each layer feeding the next.

    Args:
        nin: Number of inputs.
        sizes: Neurons per layer; the last entry is the number of outputs.
            ``MLP(2, [16, 16, 1])`` is 2 inputs -> 16 -> 16 -> 1 output.
        activation: Activation of the hidden layers.
        output_activation: Activation of the last layer; None means identity
            (raw scores/logits, what the fused losses expect).
        seed: Int seed (same seed, same weights) or NumPy Generator; None for fresh randomness.

    Raises:
        ValueError: An empty ``sizes``, a size < 1 or an unknown activation.

    Example:
        >>> model = MLP(2, [4, 1], activation="tanh", seed=0)
        >>> model
        MLP(2 -> 4 tanh -> 1 identity, 17 parameters)
        >>> len(model([0.5, -1.0]))
        1
    """

    def __init__(
        self,
        nin: int,
        sizes: Sequence[int],
        activation: str = "tanh",
        output_activation: str | None = None,
        *,
        seed: SeedLike = None,
    ) -> None:
        if len(sizes) == 0:
            raise ValueError("MLP: sizes is empty; give at least the number of outputs, e.g. [1].")
        rng = make_rng(seed)
        self.nin = nin
        self.sizes = [int(size) for size in sizes]
        self.activation = check_activation(activation)
        self.output_activation = output_activation
        last = check_activation(output_activation or "identity")
        widths = [nin, *self.sizes]
        activations = [activation] * (len(self.sizes) - 1) + [last]
        self.layers = [
            Layer(widths[i], widths[i + 1], activations[i], seed=rng) for i in range(len(self.sizes))
        ]

    def __call__(self, x: Inputs) -> list[Value]:
        """The outputs of the last layer for one sample (a list of Values, one per output).

        Raises:
            ValueError: ``x`` does not have ``nin`` inputs.
        """
        outputs: Inputs = x
        for layer in self.layers:
            outputs = layer(outputs)
        return outputs  # type: ignore[return-value]

    def __repr__(self) -> str:
        steps = " -> ".join(f"{len(layer.neurons)} {layer.activation}" for layer in self.layers)
        return f"MLP({self.nin} -> {steps}, {self.parameter_count()} parameters)"
