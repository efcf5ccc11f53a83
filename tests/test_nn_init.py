"""Tests for nn.init: Xavier/Glorot and He limits, the ``init`` choices, seeded reproducibility."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nn import MLP, Layer, Neuron
from nn.init import (
    check_activation,
    check_init,
    initial_weights,
    make_rng,
    weight_limit,
    weight_std,
)


@given(fan_in=st.integers(1, 500), fan_out=st.integers(1, 500))
def test_limits_follow_xavier_for_tanh_and_he_for_relu(fan_in: int, fan_out: int) -> None:
    """tanh/sigmoid/identity use sqrt(6/(in+out)); relu uses sqrt(6/in)."""
    xavier = math.sqrt(6.0 / (fan_in + fan_out))
    for activation in ("tanh", "sigmoid", "identity"):
        assert weight_limit(activation, fan_in, fan_out) == xavier
    assert weight_limit("relu", fan_in, fan_out) == math.sqrt(6.0 / fan_in)


def test_weights_lie_within_the_limit_with_the_expected_variance() -> None:
    """Uniform weights in [-limit, limit] have variance limit**2 / 3 (2/fan_in for He)."""
    weights = np.array(initial_weights(20000, "relu", rng=make_rng(0)))
    limit = weight_limit("relu", 20000, 1)
    assert np.all(np.abs(weights) <= limit)
    assert np.var(weights) == pytest.approx(2.0 / 20000, rel=0.03)


def test_same_seed_same_weights() -> None:
    """A seed reproduces the weights exactly; another seed gives other weights."""
    first = initial_weights(5, "tanh", rng=make_rng(42))
    assert first == initial_weights(5, "tanh", rng=make_rng(42))
    assert first != initial_weights(5, "tanh", rng=make_rng(43))
    assert all(type(w) is float for w in first)


def test_unknown_activation_is_refused_with_the_choices() -> None:
    """An unknown activation name raises a ValueError listing the valid names."""
    with pytest.raises(ValueError, match="unknown activation 'softsign'.*'relu'"):
        check_activation("softsign")


@pytest.mark.parametrize(
    ("init", "activation", "fan_in", "fan_out", "std"),
    [
        ("xavier", "tanh", 400, 400, math.sqrt(1.0 / 400)),  # 2 / (n + n) = 1 / n
        ("xavier", "relu", 300, 100, math.sqrt(2.0 / 400)),
        ("he", "tanh", 400, 100, math.sqrt(2.0 / 400)),
        ("he", "relu", 50, 200, 0.2),
        ("auto", "sigmoid", 200, 50, math.sqrt(2.0 / 250)),
        ("auto", "relu", 200, 50, math.sqrt(2.0 / 200)),
        (0.05, "tanh", 100, 100, 0.05),
    ],
)
def test_measured_std_of_a_layer_matches_the_formula(
    init: str | float, activation: str, fan_in: int, fan_out: int, std: float
) -> None:
    """A layer's weights have the standard deviation its scheme promises (and weight_std says)."""
    assert weight_std(activation, fan_in, fan_out, init) == pytest.approx(std, rel=1e-12)
    layer = Layer(fan_in, fan_out, activation, init=init, seed=0)
    weights = np.array([w.data for neuron in layer.neurons for w in neuron.weights])
    assert len(weights) >= 10000
    assert np.std(weights) == pytest.approx(std, rel=0.03)  # about 7 standard errors at 10^4 weights
    assert abs(np.mean(weights)) < 0.05 * std
    assert np.max(np.abs(weights)) <= weight_limit(activation, fan_in, fan_out, init)
    assert np.max(np.abs(weights)) > 0.99 * std * math.sqrt(3.0)  # uniform: the limit is reached


def data_of(model: MLP) -> list[float]:
    """Every parameter's number, in the model's order."""
    return [p.data for p in model.parameters()]


def test_default_is_unchanged_auto_picks_the_scheme_by_activation() -> None:
    """No init, init="auto" and the activation's own scheme give the very same weights as before."""
    for activation, scheme in (("tanh", "xavier"), ("relu", "he"), ("sigmoid", "xavier")):
        default = data_of(MLP(3, [4, 2], activation=activation, seed=1))
        assert default == data_of(MLP(3, [4, 2], activation=activation, seed=1, init="auto"))
        if activation != "relu":  # the identity output layer is Xavier under auto, He under "he"
            assert default == data_of(MLP(3, [4, 2], activation=activation, seed=1, init=scheme))
    # The draw itself: uniform on [-sqrt(6 / (fan_in + fan_out)), ...] from the seeded generator.
    neuron = Neuron(3, "tanh", fan_out=4, seed=5)
    limit = math.sqrt(6.0 / 7)
    expected = np.random.default_rng(5).uniform(-limit, limit, size=3)
    assert [w.data for w in neuron.weights] == expected.tolist()


def test_zeros_gives_zero_weights_and_every_neuron_alike() -> None:
    """init="zeros" sets every weight and bias to 0, so all neurons of a layer are identical."""
    model = MLP(2, [4, 3, 1], activation="sigmoid", init="zeros", seed=0)
    assert all(p.data == 0.0 for p in model.parameters())
    out = model.layers[0]([0.3, -1.2])
    assert len({z.data for z in out}) == 1 and out[0].data == 0.5


def test_a_number_is_the_standard_deviation_and_the_seed_still_decides() -> None:
    """init=0.1 draws uniform weights of std 0.1; the same seed gives the same weights."""
    first = data_of(MLP(5, [6, 1], init=0.1, seed=3))
    assert first == data_of(MLP(5, [6, 1], init=np.float64(0.1), seed=3))
    assert first != data_of(MLP(5, [6, 1], init=0.1, seed=4))
    assert max(abs(w) for w in first) <= 0.1 * math.sqrt(3.0)


@pytest.mark.parametrize(
    ("init", "error", "message"),
    [
        ("xavir", ValueError, r"MLP: init='xavir' is not a known initialisation\. Choose one of "
         r"'auto', 'xavier', 'he', 'zeros'"),
        ("Xavier", ValueError, "not a known initialisation"),
        (0.0, ValueError, r"MLP: init as a weight standard deviation must be a finite number > 0, "
         r"got 0\.0\. For all-zero weights write init='zeros'"),
        (-0.5, ValueError, "must be a finite number > 0, got -0.5"),
        (float("nan"), ValueError, "must be a finite number > 0, got nan"),
        (float("inf"), ValueError, "must be a finite number > 0, got inf"),
        (None, TypeError, r"MLP: init expects a scheme name .* or a standard deviation "
         r"\(a number > 0\), got NoneType None"),
        (True, TypeError, "got bool True"),
        ([0.1], TypeError, r"got list \[0\.1\]"),
    ],
)
def test_bad_init_is_refused_naming_the_value_and_the_choices(
    init: object, error: type, message: str
) -> None:
    """A misspelt name, a std that is not a positive finite number, or another type raise clearly."""
    with pytest.raises(error, match=message):
        MLP(2, [3, 1], init=init)  # type: ignore[arg-type]
    with pytest.raises(error, match="Layer: init"):
        Layer(2, 3, init=init)  # type: ignore[arg-type]
    with pytest.raises(error, match="Neuron: init"):
        Neuron(2, init=init)  # type: ignore[arg-type]


def test_check_init_returns_names_unchanged_and_numbers_as_floats() -> None:
    """Valid names come back as they are; an int standard deviation becomes a float."""
    for name in ("auto", "xavier", "he", "zeros"):
        assert check_init(name) == name
    assert check_init(1) == 1.0 and type(check_init(1)) is float
