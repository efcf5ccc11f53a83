"""Tests for nn.to_torch and the way back: the same network in PyTorch, number for number.

The oracle is PyTorch itself: outputs of the exported module and the gradients
of the same loss computed by torch.autograd must equal the scalar engine's to
1e-12. PyTorch is optional; these tests skip where it is missing (CI installs it).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch", reason="pip install torch")

from autograd_core import Value  # noqa: E402
from nn import (  # noqa: E402
    MLP,
    binary_cross_entropy_with_logits,
    checkpoint_from_torch,
    checkpoint_to_torch,
    from_torch,
    layer_matrices,
    load_checkpoint,
    load_torch_weights,
    save_checkpoint,
    softmax_cross_entropy,
    squared_error,
)
from nn import to_torch  # noqa: E402

F = torch.nn.functional


def scalar_outputs(model: MLP, X: np.ndarray) -> np.ndarray:
    return np.array([[v.data for v in model(x)] for x in X])


def torch_outputs(module: torch.nn.Module, X: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return module(torch.from_numpy(X)).numpy()


@settings(max_examples=15, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 6), min_size=1, max_size=3),
    nin=st.integers(1, 5),
    activation=st.sampled_from(["tanh", "sigmoid", "relu", "identity"]),
    output_activation=st.sampled_from([None, "sigmoid", "tanh"]),
    seed=st.integers(0, 10_000),
)
def test_exported_outputs_equal_the_scalar_model(
    sizes: list[int], nin: int, activation: str, output_activation: str | None, seed: int
) -> None:
    """On random inputs the exported module's outputs equal the scalar MLP's to 1e-12."""
    model = MLP(nin, sizes, activation=activation, output_activation=output_activation, seed=seed)
    module = to_torch(model)
    X = np.random.default_rng(seed).normal(size=(7, nin)) * 2.0
    np.testing.assert_allclose(torch_outputs(module, X), scalar_outputs(model, X), rtol=1e-12, atol=1e-12)


def test_export_is_a_sequential_of_float64_linear_layers_and_activations() -> None:
    """MLP(2, [16, 1], tanh) becomes Sequential(Linear(2, 16), Tanh(), Linear(16, 1)) in float64."""
    model = MLP(2, [16, 1], activation="tanh", seed=0)
    module = to_torch(model)
    kinds = [type(m).__name__ for m in module]
    assert kinds == ["Linear", "Tanh", "Linear"]
    assert list(module.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert all(p.dtype == torch.float64 for p in module.parameters())
    W, b = layer_matrices(model)[0]
    assert np.array_equal(module[0].weight.detach().numpy(), W)  # bit for bit
    assert module[0].weight[3, 1].item() == model.layers[0].neurons[3].weights[1].data
    assert kinds == [type(m).__name__ for m in to_torch(MLP(2, [16, 1], output_activation=None))]
    assert type(to_torch(MLP(2, [3, 1], output_activation="sigmoid"))[-1]).__name__ == "Sigmoid"


LOSSES = {
    "squared_error": (
        lambda outputs, target: squared_error(outputs, [target]),
        lambda out, t: 0.5 * ((out[:, 0] - t) ** 2).sum(),
        1,
    ),
    "binary_cross_entropy_with_logits": (
        lambda outputs, target: binary_cross_entropy_with_logits(outputs, target),
        lambda out, t: F.binary_cross_entropy_with_logits(out[:, 0], t, reduction="sum"),
        1,
    ),
    "softmax_cross_entropy": (
        lambda outputs, target: softmax_cross_entropy(outputs, int(target)),
        lambda out, t: F.cross_entropy(out, t.long(), reduction="sum"),
        3,
    ),
}


@pytest.mark.parametrize("loss_name", sorted(LOSSES))
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_gradients_of_the_same_loss_equal_torch_autograd(loss_name: str, activation: str) -> None:
    """backward() through the scalar graph and loss.backward() in torch give the same gradients (1e-12)."""
    scalar_loss, torch_loss, outputs = LOSSES[loss_name]
    model = MLP(4, [6, 5, outputs], activation=activation, seed=3)
    module = to_torch(model)
    rng = np.random.default_rng(3)
    X = rng.normal(size=(9, 4))
    y = rng.integers(0, 3, size=9).astype(float) if outputs == 3 else rng.integers(0, 2, size=9) * 1.0

    model.zero_grad()
    total = Value.sum([scalar_loss(model(x), target) for x, target in zip(X, y)])
    total.backward()
    loss = torch_loss(module(torch.from_numpy(X)), torch.from_numpy(y))
    loss.backward()

    assert loss.item() == pytest.approx(total.data, rel=1e-12)
    for (dW, db), linear in zip(layer_matrices(model, "grad"), module[::2]):
        scale = max(1.0, float(np.abs(dW).max()))
        np.testing.assert_allclose(linear.weight.grad.numpy(), dW, rtol=1e-12, atol=1e-12 * scale)
        np.testing.assert_allclose(linear.bias.grad.numpy(), db, rtol=1e-12, atol=1e-12 * scale)


def user_module() -> torch.nn.Sequential:
    """A network written the PyTorch way, with torch's own initialisation (float32 by default)."""
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(3, 8), torch.nn.ReLU(), torch.nn.Linear(8, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2)
    )


@pytest.mark.parametrize("as_state_dict", [False, True])
def test_loading_a_torch_modules_weights_gives_its_outputs(as_state_dict: bool) -> None:
    """Weights from a PyTorch module (or its state_dict) make the scalar MLP compute what it computes."""
    module = user_module().double()
    model = MLP(3, [8, 8, 2], activation="relu", seed=1)
    load_torch_weights(model, module.state_dict() if as_state_dict else module)
    X = np.random.default_rng(0).normal(size=(6, 3))
    np.testing.assert_allclose(scalar_outputs(model, X), torch_outputs(module, X), rtol=1e-12, atol=1e-12)


def test_float32_weights_load_as_their_exact_values() -> None:
    """A float32 module's weights arrive as the same numbers (float32 -> float64 is exact)."""
    module = user_module()
    model = MLP(3, [8, 8, 2], activation="relu")
    load_torch_weights(model, module)
    assert model.layers[2].neurons[1].weights[5].data == module[4].weight.detach()[1, 5].item()


def test_from_torch_reads_sizes_activations_and_weights() -> None:
    """from_torch(Sequential) builds the MLP with the module's sizes and activations, and its weights."""
    module = user_module().double()
    model = from_torch(module)
    assert repr(model) == "MLP(3 -> 8 relu -> 8 relu -> 2 identity, 122 parameters)"
    X = np.random.default_rng(1).normal(size=(5, 3))
    np.testing.assert_allclose(scalar_outputs(model, X), torch_outputs(module, X), rtol=1e-12, atol=1e-12)
    original = MLP(2, [4, 3, 1], activation="sigmoid", output_activation="sigmoid", seed=4)
    back = from_torch(to_torch(original))
    assert repr(back) == repr(original)
    assert [p.data for p in back.parameters()] == [p.data for p in original.parameters()]


def test_a_shape_mismatch_names_the_layer_and_both_shapes_and_changes_nothing() -> None:
    """Another layer size raises ValueError naming the layer, its shape and the needed one; the MLP keeps its weights."""
    model = MLP(3, [8, 4, 2], activation="relu", seed=0)
    before = [p.data for p in model.parameters()]
    with pytest.raises(ValueError, match=r"layer 1 \('2'\) has a weight of shape \(8, 8\), but the MLP's "
                       r"layer 1 \(8 -> 4\) needs \(4, 8\) \(outputs x inputs\)"):
        load_torch_weights(model, user_module())
    assert [p.data for p in model.parameters()] == before


def test_other_mismatches_are_refused_with_what_to_do() -> None:
    """Layer count, missing bias, foreign entries, a lone weight, NaN and non-MLPs raise clear errors."""
    model = MLP(3, [8, 8, 2], activation="relu", seed=0)
    with pytest.raises(ValueError, match=r"has 2 linear layer\(s\) \('0', '2'\), but MLP\(3 -> 8 relu"):
        load_torch_weights(model, torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2)))
    no_bias = user_module()
    no_bias[2] = torch.nn.Linear(8, 8, bias=False)
    with pytest.raises(ValueError, match="linear layer '2' has no bias"):
        load_torch_weights(model, no_bias)
    state = dict(user_module().state_dict())
    state["norm.running_mean"] = torch.zeros(8)
    with pytest.raises(ValueError, match="entry 'norm.running_mean'.*not the weight matrix or bias"):
        load_torch_weights(model, state)
    state = dict(user_module().state_dict())
    del state["2.bias"]
    with pytest.raises(ValueError, match="no '2.bias' to go with '2.weight'"):
        load_torch_weights(model, state)
    broken = user_module()
    with torch.no_grad():
        broken[2].weight[3, 4] = float("nan")
    with pytest.raises(ValueError, match=r"layer 1 \('2'\) weight\[3, 4\] is nan"):
        load_torch_weights(model, broken)
    with pytest.raises(TypeError, match="expects a torch.nn.Module or a state_dict"):
        load_torch_weights(model, [1, 2, 3])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"to_torch: expects an nn.MLP \(or an nn.Sequential.*got Neuron"):
        to_torch(model.layers[0].neurons[0])  # type: ignore[arg-type]


def test_from_torch_refuses_what_an_mlp_cannot_hold() -> None:
    """Dropout, mixed hidden activations, two activations in a row or sizes that do not chain are named."""
    with pytest.raises(ValueError, match=r"module 1 \(Dropout\) is neither torch.nn.Linear"):
        from_torch(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Dropout(), torch.nn.Linear(3, 1)))
    mixed = torch.nn.Sequential(
        torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1)
    )
    with pytest.raises(ValueError, match="different activations \\(relu, tanh\\)"):
        from_torch(mixed)
    with pytest.raises(ValueError, match="second activation"):
        from_torch(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.ReLU()))
    with pytest.raises(ValueError, match="has 3 outputs but the next"):
        from_torch(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(4, 1)))
    with pytest.raises(ValueError, match="comes before any linear layer"):
        from_torch(torch.nn.Sequential(torch.nn.Tanh(), torch.nn.Linear(4, 1)))


def test_checkpoints_convert_both_ways(tmp_path: Path) -> None:
    """JSON checkpoint -> .pt state_dict -> PyTorch module, and .pt -> JSON checkpoint -> MLP, bit for bit."""
    model = MLP(2, [5, 1], activation="tanh", seed=7)
    save_checkpoint(model, tmp_path / "model.json")
    blank = MLP(2, [5, 1], activation="tanh", seed=99)
    before = [p.data for p in blank.parameters()]
    checkpoint_to_torch(blank, tmp_path / "model.json", tmp_path / "model.pt")
    assert [p.data for p in blank.parameters()] == before  # the given model is not changed
    module = to_torch(blank)
    module.load_state_dict(torch.load(tmp_path / "model.pt", weights_only=True))
    assert np.array_equal(module[0].weight.detach().numpy(), layer_matrices(model)[0][0])

    torch.save(to_torch(model).state_dict(), tmp_path / "from_torch.pt")
    checkpoint_from_torch(blank, tmp_path / "from_torch.pt", tmp_path / "from_torch.json")
    assert [p.data for p in blank.parameters()] == before
    load_checkpoint(blank, tmp_path / "from_torch.json")
    assert [p.data for p in blank.parameters()] == [p.data for p in model.parameters()]
    with pytest.raises(ValueError, match="layer 0"):
        checkpoint_from_torch(MLP(2, [4, 1]), tmp_path / "from_torch.pt", tmp_path / "bad.json")
    assert not (tmp_path / "bad.json").exists()


def test_every_activation_of_nn_has_a_torch_module() -> None:
    """Each activation an nn layer accepts maps to a torch.nn module class, so every MLP exports."""
    from nn.layers import ACTIVATION_FUNCTIONS
    from nn.torch_bridge import TORCH_ACTIVATIONS

    assert set(TORCH_ACTIVATIONS) == set(ACTIVATION_FUNCTIONS)
    for class_name in TORCH_ACTIVATIONS.values():
        assert issubclass(getattr(torch.nn, class_name), torch.nn.Module)


def test_a_sequential_of_layers_and_dropout_converts_step_by_step() -> None:
    """nn.Sequential(Layer, Dropout, Layer) becomes Linear, Tanh, Dropout(p), Linear; equal outputs in eval mode."""
    from nn import Dropout, Layer, Sequential

    model = Sequential(Layer(3, 6, "tanh", seed=0), Dropout(0.3, seed=0), Layer(6, 2, "identity", seed=1))
    net = to_torch(model)
    assert [type(m).__name__ for m in net] == ["Linear", "Tanh", "Dropout", "Linear"]
    assert net[2].p == 0.3 and net.training
    model.eval()
    net = to_torch(model)
    assert not net.training
    X = np.random.default_rng(5).normal(size=(6, 3))
    np.testing.assert_allclose(torch_outputs(net, X), scalar_outputs(model, X), rtol=1e-12, atol=1e-12)
    fresh = Sequential(Layer(3, 6, "tanh", seed=7), Dropout(0.3), Layer(6, 2, "identity", seed=8)).eval()
    load_torch_weights(fresh, net.state_dict())
    np.testing.assert_allclose(scalar_outputs(fresh, X), scalar_outputs(model, X), rtol=0, atol=0)


def test_a_sequential_with_another_kind_of_step_is_refused() -> None:
    """A step without a PyTorch counterpart in the Sequential raises TypeError naming it."""
    from nn import Layer, Sequential

    model = Sequential(Layer(2, 3, seed=0), MLP(3, [1], seed=0))
    with pytest.raises(TypeError, match="step 1 of the Sequential is a MLP"):
        to_torch(model)
