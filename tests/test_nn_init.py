"""Tests for nn.init: Xavier/Glorot and He limits, seeded reproducibility."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nn.init import check_activation, initial_weights, make_rng, weight_limit


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
