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

import operator
from collections.abc import Callable, Sequence
from typing import SupportsIndex

import numpy as np

from autograd_core import Value
from nn.init import InitLike, SeedLike, check_activation, check_init, initial_weights, make_rng
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


class Outputs(list[Value]):
    """The list of Values a layer or an MLP returns: one per output neuron.

    It is a plain list (index it, iterate it, pass it to a loss), except for
    one trap it closes. micrograd's MLP returns a bare Value when there is
    one output, so its users write ``(1 + -y * model(x)).relu()``. Here the
    model always returns a list (every loss, ``fit`` and ``compile_batch``
    take one list per sample, whatever the number of outputs), and on a
    plain list ``-1 * [v]`` silently gives ``[]``. So arithmetic, comparisons
    and Value methods on it raise a ``TypeError`` that says what to write:
    ``model(x)[0]``. Concatenating with another list still works.
    """

    __slots__ = ()

    def _refuse(self, what: str) -> TypeError:
        shown = f": {list.__repr__(self)}" if len(self) <= 2 else ""
        return TypeError(
            f"model(x) returns a list of outputs (here {len(self)}{shown}), "
            f"not a Value, so {what} is not defined on it: use model(x)[0] for the first "
            "output (micrograd returns a bare Value for one output; nn always returns a list)."
        )

    # list's __add__ accepts only lists; this one also meets numbers, to refuse them.
    def __add__(self, other: object) -> Outputs:  # type: ignore[override]
        if isinstance(other, list):
            return Outputs(list.__add__(self, other))
        raise self._refuse("'+'")

    def __radd__(self, other: object) -> Outputs:
        if isinstance(other, list):
            return Outputs(list.__add__(other, self))
        raise self._refuse("'+'")

    def __mul__(self, other: object) -> Outputs:
        raise self._refuse("'*'")

    __rmul__ = __mul__

    def __sub__(self, other: object) -> Outputs:
        raise self._refuse("'-'")

    __rsub__ = __sub__

    def __truediv__(self, other: object) -> Outputs:
        raise self._refuse("'/'")

    __rtruediv__ = __truediv__

    def __pow__(self, other: object) -> Outputs:
        raise self._refuse("'**'")

    def __neg__(self) -> Outputs:
        raise self._refuse("'-' (negation)")

    def __lt__(self, other: object) -> bool:
        raise self._refuse("'<'")

    def __le__(self, other: object) -> bool:
        raise self._refuse("'<='")

    def __gt__(self, other: object) -> bool:
        raise self._refuse("'>'")

    def __ge__(self, other: object) -> bool:
        raise self._refuse("'>='")

    def __float__(self) -> float:
        raise self._refuse("float()")

    def __getattr__(self, name: str) -> object:
        if callable(getattr(Value, name, None)) or name in ("data", "grad"):
            call = "()" if name not in ("data", "grad") else ""
            raise AttributeError(
                f"model(x) returns a list of outputs (here {len(self)}), which has no "
                f".{name}: use model(x)[0].{name}{call} for the first output (nn "
                "always returns a list, also for one output)."
            )
        raise AttributeError(f"'Outputs' (a list of output Values) has no attribute {name!r}")

    def __reduce__(self) -> tuple[type[list[Value]], tuple[list[Value]]]:
        return (list, (list(self),))  # copies and pickles as a plain list


def _count(value: object, argument: str, where: str) -> int:
    """A whole number >= 1 (int or NumPy integer), or an error naming the argument.

    Raises:
        TypeError: ``value`` is not a whole number (``2.7``, ``"2"``, ``True``).
        ValueError: ``value`` < 1.
    """
    if isinstance(value, bool) or not isinstance(value, SupportsIndex):
        raise TypeError(
            f"{where}: {argument} must be a whole number (an int) >= 1, got "
            f"{type(value).__name__} {value!r}; a count is never rounded for you. "
            f"Pass an int, e.g. int({value!r}) if that is what you mean."
        )
    number = operator.index(value)
    if number < 1:
        raise ValueError(f"{where}: {argument} must be at least 1, got {number!r}.")
    return number


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
        init: How the weights are drawn: ``"auto"`` (default: Xavier/Glorot for tanh,
            sigmoid and identity, He for relu), ``"xavier"``, ``"he"``, ``"zeros"``, or a
            number s > 0 (uniform with standard deviation s); see :mod:`nn.init`.

    Attributes:
        weights: ``nin`` parameter Values, w1..wn.
        bias: The parameter b (starts at 0).
        activation: The activation's name.

    Raises:
        ValueError: ``nin`` < 1, an unknown activation or a bad ``init``.
        TypeError: ``init`` is neither a name nor a number.
    """

    def __init__(
        self,
        nin: int,
        activation: str = "tanh",
        *,
        fan_out: int = 1,
        seed: SeedLike = None,
        init: InitLike = "auto",
    ) -> None:
        nin = _count(nin, "nin", "Neuron")
        self.activation = check_activation(activation)
        init = check_init(init, "Neuron")
        rng = make_rng(seed)
        self.weights = [
            Value(w) for w in initial_weights(nin, activation, fan_out=fan_out, rng=rng, init=init)
        ]
        self.bias = Value(0.0)
        self._activate = ACTIVATION_FUNCTIONS[activation]

    def __call__(self, x: Inputs) -> Value:
        """f(w1*x1 + ... + wn*xn + b) as graph nodes.

        Raises:
            ValueError: ``x`` does not have ``nin`` inputs.
        """
        return self._output(_as_values(x))

    def _output(self, x: list[Value]) -> Value:
        """``__call__`` for inputs that are Values already (a layer converts them once)."""
        if len(x) != len(self.weights):
            raise ValueError(
                f"Neuron: expected {len(self.weights)} inputs, got {len(x)}. "
                "Check the input width (the model's nin)."
            )
        # The nodes of Value.sum([w * xi for w, xi in zip(self.weights, x)] + [self.bias]):
        # one mul node per input and one sum node, made in one loop.
        return self._activate(Value.weighted_sum(self.weights, x, self.bias))

    def __repr__(self) -> str:
        return f"Neuron({len(self.weights)} inputs, {self.activation}, {self.parameter_count()} parameters)"


class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs; calling it returns a list, always.

    Args:
        nin: Inputs of each neuron.
        nout: Number of neurons (outputs).
        activation: Activation of every neuron.
        seed: Int seed or NumPy Generator for the initial weights; None for fresh randomness.
        init: How the weights are drawn (``"auto"``, ``"xavier"``, ``"he"``, ``"zeros"`` or a
            standard deviation > 0; see :class:`Neuron` and :mod:`nn.init`).

    Raises:
        ValueError: ``nin`` or ``nout`` < 1, an unknown activation or a bad ``init``.
        TypeError: ``init`` is neither a name nor a number.
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "tanh",
        *,
        seed: SeedLike = None,
        init: InitLike = "auto",
    ) -> None:
        nin, nout = _count(nin, "nin", "Layer"), _count(nout, "nout", "Layer")
        init = check_init(init, "Layer")
        rng = make_rng(seed)
        self.nin = nin
        self.activation = check_activation(activation)
        self.neurons = [
            Neuron(nin, activation, fan_out=nout, seed=rng, init=init) for _ in range(nout)
        ]

    def __call__(self, x: Inputs) -> Outputs:
        """Each neuron's output, in order (a list even for one neuron: see :class:`Outputs`)."""
        x = _as_values(x)  # once for all the neurons
        return Outputs([neuron._output(x) for neuron in self.neurons])

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
        init: How every layer's weights are drawn: ``"auto"`` (default: Xavier/Glorot for
            tanh, sigmoid and identity layers, He for relu layers), ``"xavier"``, ``"he"``,
            ``"zeros"``, or a number s > 0 (uniform with standard deviation s); see :mod:`nn.init`.

    Raises:
        ValueError: An empty ``sizes``, a size < 1, an unknown activation or a bad ``init``.
        TypeError: ``init`` is neither a name nor a number.

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
        init: InitLike = "auto",
    ) -> None:
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
            raise TypeError(
                f"MLP: sizes must be a list of layer sizes, got {type(sizes).__name__} "
                f"{sizes!r}. Give one count per layer, e.g. MLP(2, [16, 1])."
            )
        if len(sizes) == 0:
            raise ValueError("MLP: sizes is empty; give at least the number of outputs, e.g. [1].")
        init = check_init(init, "MLP")
        rng = make_rng(seed)
        self.nin = _count(nin, "nin", "MLP")
        self.sizes = [_count(size, f"sizes[{i}]", "MLP") for i, size in enumerate(sizes)]
        self.activation = check_activation(activation)
        self.output_activation = output_activation
        last = check_activation(output_activation or "identity")
        widths = [self.nin, *self.sizes]
        activations = [activation] * (len(self.sizes) - 1) + [last]
        self.layers = [
            Layer(widths[i], widths[i + 1], activations[i], seed=rng, init=init)
            for i in range(len(self.sizes))
        ]

    def __call__(self, x: Inputs) -> Outputs:
        """The outputs of the last layer for one sample (a list of Values, one per output).

        A list even for one output, so that losses, ``fit`` and ``compile_batch``
        treat every model alike; arithmetic on the list (micrograd's
        ``1 + -y * model(x)``) raises a TypeError that says ``model(x)[0]``.

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
