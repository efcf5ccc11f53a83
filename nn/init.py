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

Which scheme a layer uses is its ``init`` argument (see :func:`check_init`):

* ``"auto"`` (the default): Xavier/Glorot for tanh, sigmoid and identity, He for relu;
* ``"xavier"`` or ``"he"``: that scheme whatever the activation;
* ``"zeros"``: every weight 0, to see why that fails (all neurons of a layer stay alike);
* a number s > 0: weights uniform with standard deviation s (limit s * sqrt(3)).

In terms of the standard deviation (limit / sqrt(3)): Xavier/Glorot gives
sqrt(2 / (fan_in + fan_out)), which is sqrt(1 / n) when fan_in = fan_out = n;
He gives sqrt(2 / fan_in).
"""

from __future__ import annotations

import math
from numbers import Real

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


#: The initialisation schemes ``init`` accepts by name; a number (a weight standard
#: deviation) is accepted too.
INIT_SCHEMES: tuple[str, ...] = ("auto", "xavier", "he", "zeros")

#: What ``init`` arguments accept: a name from :data:`INIT_SCHEMES` or a standard deviation > 0.
InitLike = str | float


def check_init(init: object, where: str = "init") -> str | float:
    """``init`` as a scheme name or a float standard deviation, else a clear error.

    Args:
        init: What the caller passed.
        where: Who asks (``"MLP"``, ``"Layer"``), named first in the message.

    Returns:
        The name unchanged, or the number as a float.

    Raises:
        ValueError: An unknown name, or a number that is not finite or not > 0.
        TypeError: Neither a name nor a number (``None``, ``True``, a list).
    """
    choices = ", ".join(repr(name) for name in INIT_SCHEMES)
    if isinstance(init, str):
        if init not in INIT_SCHEMES:
            raise ValueError(
                f"{where}: init={init!r} is not a known initialisation. "
                f"Choose one of {choices}, "
                "or give the weights' standard deviation as a number > 0 (e.g. init=0.1)."
            )
        return init
    if isinstance(init, bool) or not isinstance(init, Real):
        raise TypeError(
            f"{where}: init expects a scheme name ({choices}) "
            "or a standard deviation (a number > 0), "
            f"got {type(init).__name__} {init!r}."
        )
    std = float(init)
    if not (math.isfinite(std) and std > 0.0):
        raise ValueError(
            f"{where}: init as a weight standard deviation must be a finite number > 0, "
            f"got {init!r}. "
            "For all-zero weights write init='zeros'."
        )
    return std


def weight_limit(activation: str, fan_in: int, fan_out: int, init: InitLike = "auto") -> float:
    """Half-width of the uniform distribution weights are drawn from.

    Args:
        activation: ``"tanh"``, ``"sigmoid"``, ``"identity"`` (Xavier/Glorot under
            ``init="auto"``) or ``"relu"`` (He under ``init="auto"``).
        fan_in: Inputs of the neuron.
        fan_out: Neurons in the layer (how many outputs the inputs feed).
        init: The scheme (see :func:`check_init`); ``"auto"`` picks it by activation.

    Returns:
        sqrt(6 / (fan_in + fan_out)) for Xavier/Glorot, sqrt(6 / fan_in) for He,
        0 for ``"zeros"`` and s * sqrt(3) for a standard deviation s.

    Raises:
        ValueError, TypeError: An unknown activation or a bad ``init`` (see :func:`check_init`).
    """
    scheme = check_init(init)
    check_activation(activation)
    if not isinstance(scheme, str):
        return scheme * math.sqrt(3.0)
    if scheme == "zeros":
        return 0.0
    if scheme == "auto":
        scheme = ACTIVATIONS[activation]
    if scheme == "he":
        return math.sqrt(6.0 / fan_in)
    return math.sqrt(6.0 / (fan_in + fan_out))


def weight_std(activation: str, fan_in: int, fan_out: int, init: InitLike = "auto") -> float:
    """Standard deviation of the initial weights: ``weight_limit(...) / sqrt(3)``.

    A uniform distribution on [-limit, limit] has variance limit**2 / 3, so this is
    sqrt(2 / (fan_in + fan_out)) for Xavier/Glorot, sqrt(2 / fan_in) for He, 0 for
    ``"zeros"`` and s itself for a number s. Same arguments as :func:`weight_limit`.
    """
    scheme = check_init(init)
    if not isinstance(scheme, str):
        check_activation(activation)
        return scheme
    return weight_limit(activation, fan_in, fan_out, scheme) / math.sqrt(3.0)


def initial_weights(
    fan_in: int,
    activation: str,
    *,
    fan_out: int = 1,
    rng: np.random.Generator,
    init: InitLike = "auto",
) -> list[float]:
    """``fan_in`` weights for one neuron, uniform in [-limit, limit] (see :func:`weight_limit`).

    ``init="zeros"`` gives zeros without drawing from ``rng``.

    Returns:
        Plain Python floats, ready to become ``Value`` parameters.
    """
    limit = weight_limit(activation, fan_in, fan_out, init)
    if limit == 0.0:
        return [0.0] * fan_in
    return [float(w) for w in rng.uniform(-limit, limit, size=fan_in)]
