"""Tests for nn.dropout, nn.sequential and the training/evaluation modes of nn.module."""

from __future__ import annotations

import numpy as np
import pytest

from autograd_core import Value
from nn import MLP, Dropout, Layer, Sequential, predict


def test_dropout_keeps_or_zeroes_each_input_and_scales_the_kept_ones() -> None:
    """In training mode every output is 0 or x / (1 - p); the gradient follows the same factor."""
    inputs = [Value(float(i + 1)) for i in range(200)]
    outputs = Dropout(0.25, seed=0)(inputs)
    Value.sum(outputs).backward()
    for x, z in zip(inputs, outputs):
        if z.data == 0.0:
            assert x.grad == 0.0
        else:
            assert z.data == pytest.approx(x.data / 0.75, rel=1e-15)
            assert x.grad == pytest.approx(1.0 / 0.75, rel=1e-15)
    dropped = sum(z.data == 0.0 for z in outputs)
    assert 30 <= dropped <= 70  # about a quarter of 200 (binomial sd ~6)


def test_dropout_keeps_the_expected_value() -> None:
    """Averaged over many masks, each output is its input (inverted dropout)."""
    drop = Dropout(0.5, seed=1)
    totals = np.zeros(4)
    for _ in range(4000):
        totals += [z.data for z in drop([1.0, 2.0, 3.0, 4.0])]
    assert totals / 4000 == pytest.approx([1.0, 2.0, 3.0, 4.0], rel=0.05)


def test_same_seed_same_masks_and_new_masks_each_call() -> None:
    """Masks are reproducible from the seed and change from call to call."""
    first, second = Dropout(0.5, seed=3), Dropout(0.5, seed=3)
    calls_first = [[z.data for z in first([1.0] * 10)] for _ in range(3)]
    calls_second = [[z.data for z in second([1.0] * 10)] for _ in range(3)]
    assert calls_first == calls_second
    assert calls_first[0] != calls_first[1]


def test_eval_mode_passes_inputs_through_and_train_mode_comes_back() -> None:
    """model.eval() switches every sub-module off dropout; model.train() switches it back on."""
    model = Sequential(Layer(3, 20, "tanh", seed=0), Dropout(0.5, seed=1), Layer(20, 1, "identity", seed=2))
    assert model.training and all(m.training for _, m in model.named_modules())
    assert model.eval() is model
    assert not any(m.training for _, m in model.named_modules())
    x = [0.3, -0.2, 0.9]
    assert model(x)[0].data == model(x)[0].data
    assert repr(model.layers[1]) == "Dropout(p=0.5, evaluation mode)"
    model.train()
    assert all(m.training for _, m in model.named_modules())
    outputs = {model(x)[0].data for _ in range(5)}
    assert len(outputs) > 1


def test_sequential_is_the_layers_one_after_the_other() -> None:
    """Sequential(Layer, Layer) computes what the MLP with the same weights computes."""
    mlp = MLP(2, [3, 1], activation="tanh", output_activation="sigmoid", seed=4)
    chain = Sequential(*mlp.layers)
    x = [0.5, -1.5]
    assert chain(x)[0].data == mlp(x)[0].data
    assert [name for name, _ in chain.named_parameters()] == [name for name, _ in mlp.named_parameters()]
    assert chain.output_activation == "sigmoid"
    assert np.array_equal(predict(chain, [[0.5, -1.5], [2.0, 1.0]]), predict(mlp, [[0.5, -1.5], [2.0, 1.0]]))


def test_bad_arguments_are_refused() -> None:
    """p outside [0, 1), an empty Sequential and a non-module step raise clear errors."""
    with pytest.raises(ValueError, match=r"Dropout: p .* must be in \[0, 1\), got 1.0"):
        Dropout(1.0)
    with pytest.raises(ValueError, match="Dropout"):
        Dropout(-0.1)
    with pytest.raises(ValueError, match="Sequential: give at least one module"):
        Sequential()
    with pytest.raises(TypeError, match="Sequential: step 1 is a function, not a Module"):
        Sequential(Layer(2, 2), lambda x: x)  # type: ignore[arg-type]
