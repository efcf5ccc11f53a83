"""Tests for nn.layers: the neuron's graph, layers returning lists, MLP shape, repr and seeds."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd_core import Value, gradcheck
from nn import MLP, Layer, Neuron


def test_neuron_is_one_sum_node_over_products_then_its_activation() -> None:
    """A neuron computes Value.sum([w1*x1, ..., wn*xn, b]) (mul nodes, one sum) then f."""
    neuron = Neuron(3, "tanh", seed=0)
    x = [Value(0.5), Value(-1.0), Value(2.0)]
    z = neuron(x)
    assert z.op == "tanh"
    (u,) = z.parents
    assert u.op == "sum" and len(u.parents) == 4
    assert [p.op for p in u.parents[:3]] == ["mul"] * 3
    assert u.parents[3] is neuron.bias
    for product, w, xi in zip(u.parents, neuron.weights, x):
        assert product.parents == (w, xi)
    expected = math.tanh(sum(w.data * xi.data for w, xi in zip(neuron.weights, x)))
    assert z.data == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "identity"])
def test_each_activation_is_the_engine_operation(activation: str) -> None:
    """tanh, sigmoid and relu end in that node; identity returns the sum node itself."""
    neuron = Neuron(2, activation, seed=1)
    out = neuron([1.0, 2.0])
    assert out.op == ("sum" if activation == "identity" else activation)
    assert neuron.activation == activation


def test_neuron_accepts_floats_values_and_numpy_rows() -> None:
    """Plain floats, Values and a 1-D NumPy array give the same output."""
    neuron = Neuron(2, "sigmoid", seed=3)
    outputs = [neuron([0.25, -0.75]).data, neuron([Value(0.25), Value(-0.75)]).data,
               neuron(np.array([0.25, -0.75])).data]
    assert outputs[0] == outputs[1] == outputs[2]


def test_wrong_input_width_names_the_expected_count() -> None:
    """Calling with the wrong number of inputs raises a ValueError that says how many."""
    with pytest.raises(ValueError, match="expected 3 inputs, got 2"):
        MLP(3, [2, 1], seed=0)([1.0, 2.0])
    with pytest.raises(ValueError, match="1-D array"):
        Layer(2, 2, seed=0)(np.zeros((2, 2)))


def test_layer_returns_a_list_even_for_one_neuron() -> None:
    """Layer(n, 1) still returns a list of one Value."""
    out = Layer(2, 1, seed=0)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 1 and isinstance(out[0], Value)


def test_mlp_shape_repr_and_parameter_count() -> None:
    """MLP(2, [16, 16, 1]) has 337 parameters and a repr showing every layer."""
    model = MLP(2, [16, 16, 1], activation="relu", output_activation="sigmoid", seed=0)
    assert repr(model) == "MLP(2 -> 16 relu -> 16 relu -> 1 sigmoid, 337 parameters)"
    assert len(model.parameters()) == 337 == model.parameter_count()
    assert repr(model.layers[0]) == "Layer(2 -> 16, relu, 48 parameters)"
    assert repr(model.layers[0].neurons[0]) == "Neuron(2 inputs, relu, 3 parameters)"
    out = model([0.1, 0.2])
    assert isinstance(out, list) and len(out) == 1 and 0.0 < out[0].data < 1.0


def test_seed_reproduces_the_network_and_biases_start_at_zero() -> None:
    """The same seed gives identical weights; biases are 0."""
    a, b = MLP(4, [5, 3], seed=7), MLP(4, [5, 3], seed=7)
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    assert [p.data for p in a.parameters()] != [p.data for p in MLP(4, [5, 3], seed=8).parameters()]
    assert all(n.bias.data == 0.0 for layer in a.layers for n in layer.neurons)


def test_bad_sizes_are_refused() -> None:
    """Empty sizes, zero-width layers and unknown activations raise ValueError."""
    with pytest.raises(ValueError, match="sizes is empty"):
        MLP(2, [])
    with pytest.raises(ValueError, match=r"MLP: sizes\[0\] must be at least 1, got 0"):
        MLP(2, [0, 1])
    with pytest.raises(ValueError, match="Neuron: nin must be at least 1"):
        Neuron(0)
    with pytest.raises(ValueError, match="unknown activation"):
        MLP(2, [1], output_activation="softmax")


def test_mlp_gradients_match_finite_differences() -> None:
    """Backprop through a small MLP equals central differences for every parameter."""
    model = MLP(2, [3, 2], activation="tanh", seed=5)
    params = model.parameters()

    def loss(*_: Value) -> Value:
        return Value.sum([o.square() for o in model([0.3, -1.2])])

    assert gradcheck(loss, params).worst_relative_error < 1e-6


# ----- a micrograd user's first loop ---------------------------------------------------------
def test_micrograd_style_arithmetic_on_the_output_list_says_use_index_0() -> None:
    """(1 + -y * model(x)).relu() (micrograd's SVM loss) names the fix instead of giving [] or a list error."""
    import pytest

    from nn import MLP, Outputs

    model = MLP(2, [4, 1], activation="relu", seed=0)
    out = model([0.5, -1.0])
    assert isinstance(out, Outputs) and isinstance(out, list) and len(out) == 1
    for attempt in (
        lambda: (1 + -1 * model([0.5, -1.0])).relu(),  # an int label: list * int would be []
        lambda: (1 + -1.0 * model([0.5, -1.0])).relu(),
        lambda: model([0.5, -1.0]) > 0,
        lambda: -model([0.5, -1.0]),
        lambda: float(model([0.5, -1.0])),
    ):
        with pytest.raises(TypeError, match=r"model\(x\) returns a list of outputs.*use model\(x\)\[0\]"):
            attempt()
    with pytest.raises(AttributeError, match=r"use model\(x\)\[0\]\.relu\(\)"):
        model([0.5, -1.0]).relu()  # type: ignore[attr-defined]
    loss = (1 + -1 * model([0.5, -1.0])[0]).relu()  # what the message says works
    loss.backward()
    assert out + [1.0] == [out[0], 1.0] and [1.0] + out == [1.0, out[0]]  # concatenation stays


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ((2, [2.7]), TypeError, r"MLP: sizes\[0\] must be a whole number .* got float 2\.7"),
        (("2", [3]), TypeError, r"MLP: nin must be a whole number .* got str '2'"),
        ((2, 3), TypeError, r"MLP: sizes must be a list of layer sizes, got int 3"),
        ((2, [4, 0]), ValueError, r"MLP: sizes\[1\] must be at least 1, got 0"),
    ],
)
def test_mlp_sizes_are_whole_numbers_never_truncated(arguments: tuple[object, object], error: type, message: str) -> None:
    """MLP(2, [2.7]) used to build 2 neurons silently; MLP("2", [3]) failed with a bare comparison error."""
    with pytest.raises(error, match=message):
        MLP(*arguments)  # type: ignore[arg-type]


def test_numpy_integers_are_fine_as_sizes() -> None:
    """Counts read from an array (np.int64) are whole numbers too."""
    model = MLP(np.int64(2), np.array([3, 1]), seed=0)
    assert model.sizes == [3, 1] and len(model([0.5, -0.5])) == 1
