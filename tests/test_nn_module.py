"""Tests for nn.module: parameter discovery by attribute, dotted names, stable order."""

from __future__ import annotations

from autograd_core import Value
from nn import MLP, Module, Neuron


class Affine(Module):
    """A hand-written module: y = a * x + b, with a sub-module."""

    def __init__(self) -> None:
        self.a = Value(2.0)
        self.b = Value(0.5)
        self.note = "not a parameter"
        self.scales = [1.0, 2.0]  # plain numbers are ignored
        self.inner = Neuron(2, "identity", seed=0)

    def __call__(self, x: float) -> Value:
        return self.a * x + self.b


def test_named_parameters_use_dotted_attribute_paths() -> None:
    """An MLP names each weight layers.<i>.neurons.<j>.weights.<k> and each bias ...bias."""
    model = MLP(3, [4, 2], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert names[:4] == [
        "layers.0.neurons.0.weights.0",
        "layers.0.neurons.0.weights.1",
        "layers.0.neurons.0.weights.2",
        "layers.0.neurons.0.bias",
    ]
    assert "layers.0.neurons.3.bias" in names
    assert names[-1] == "layers.1.neurons.1.bias"
    assert len(names) == len(set(names)) == (3 + 1) * 4 + (4 + 1) * 2


def test_parameters_follow_named_parameters_and_are_stable() -> None:
    """parameters() is named_parameters() without names, the same objects every call."""
    model = MLP(2, [3, 1], seed=0)
    first, second = model.parameters(), model.parameters()
    assert all(p is q for p, q in zip(first, second))
    assert all(p is q for p, (_, q) in zip(first, model.named_parameters()))
    neuron = model.layers[1].neurons[0]
    assert model.parameters()[-4:] == [*neuron.weights, neuron.bias]


def test_named_modules_lists_root_then_children_depth_first() -> None:
    """named_modules starts with ("", root) and nests layers before their neurons."""
    model = MLP(2, [2, 1], seed=0)
    paths = [path for path, _ in model.named_modules()]
    assert paths == [
        "",
        "layers.0",
        "layers.0.neurons.0",
        "layers.0.neurons.1",
        "layers.1",
        "layers.1.neurons.0",
    ]
    modules = dict(model.named_modules())
    assert modules[""] is model and modules["layers.1.neurons.0"] is model.layers[1].neurons[0]


def test_a_hand_written_module_finds_its_values_and_submodules() -> None:
    """Value attributes are parameters, Module attributes are walked, other attributes ignored."""
    module = Affine()
    names = [name for name, _ in module.named_parameters()]
    assert names == ["a", "b", "inner.weights.0", "inner.weights.1", "inner.bias"]
    assert [path for path, _ in module.named_modules()] == ["", "inner"]
    assert module.parameter_count() == 5


def test_zero_grad_clears_every_parameter() -> None:
    """zero_grad sets each parameter's accumulated gradient back to 0."""
    model = MLP(2, [3, 1], seed=0)
    model([0.5, -0.5])[0].backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())
