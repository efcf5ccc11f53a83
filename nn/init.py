"""Seeded weight initialisation suited to the activation.

A layer's outputs should neither grow nor shrink as the signal passes through
many layers. With weights drawn uniformly from [-limit, limit] (variance
limit**2 / 3):

* **Xavier/Glorot** (tanh, sigmoid, identity): limit = sqrt(6 / (fan_in + fan_out)),
  so Var(w) = 2 / (fan_in + fan_out): the variance is kept both forwards and
  backwards for activations that are roughly linear around 0.
* **He** (relu): limit = sqrt(6 / fan_in), so Var(w) = 2 / fan_in: relu zeroes half
  of its inputs on average, and the factor 2 makes up for it.

Biases start at 0. Everything is drawn from a NumPy ``Generator``, so the same
seed gives the same network.
"""

from __future__ import annotations

import math

import numpy as np

#: The activations a neuron can have, each with its initialisation scheme.
ACTIVATIONS: dict[str, str] = {
    "tanh": "xavier",
    "sigmoid": "xavier",
    "identity": "xavier",
    "relu": "he",
}

#: What ``seed`` arguments accept: an int, a NumPy Generator (used as is), or None
#: (fresh randomness, different every run).
SeedLike = int | np.random.Generator | None


def make_rng(seed: SeedLike) -> np.random.Generator:
    """A NumPy Generator from an int seed; a Generator is returned unchanged."""
    return np.random.default_rng(seed)


def check_activation(activation: str) -> str:
    """Return ``activation`` if it is a known name, else raise a clear error.

    Raises:
        ValueError: The name is not one of tanh, sigmoid, relu, identity.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"activation: unknown activation {activation!r}. "
            f"Choose one of {', '.join(repr(name) for name in ACTIVATIONS)}."
        )
    return activation


def weight_limit(activation: str, fan_in: int, fan_out: int) -> float:
    """Half-width of the uniform distribution weights are drawn from.

    Args:
        activation: ``"tanh"``, ``"sigmoid"``, ``"identity"`` (Xavier/Glorot) or ``"relu"`` (He).
        fan_in: Inputs of the neuron.
        fan_out: Neurons in the layer (how many outputs the inputs feed).

    Returns:
        sqrt(6 / (fan_in + fan_out)) for Xavier/Glorot, sqrt(6 / fan_in) for He.
    """
    if ACTIVATIONS[check_activation(activation)] == "he":
        return math.sqrt(6.0 / fan_in)
    return math.sqrt(6.0 / (fan_in + fan_out))


def initial_weights(
    fan_in: int, activation: str, *, fan_out: int = 1, rng: np.random.Generator
) -> list[float]:
    """``fan_in`` weights for one neuron, uniform in [-limit, limit] (see :func:`weight_limit`).

    Returns:
        Plain Python floats, ready to become ``Value`` parameters.
    """
    limit = weight_limit(activation, fan_in, fan_out)
    return [float(w) for w in rng.uniform(-limit, limit, size=fan_in)]
