"""The same network in PyTorch: export an ``MLP`` to ``torch.nn``, and load weights back.

One layer of an ``MLP`` is ``nout`` neurons, each computing
``f(w1*x1 + ... + wn*xn + b)``. Stacked, their weights are the rows of a
matrix: ``W[j, k]`` is weight k of neuron j and ``b[j]`` its bias, so the
layer is ``f(W x + b)``, which is exactly what ``torch.nn.Linear(nin, nout)``
followed by the activation module computes (``Linear.weight`` has shape
``(nout, nin)``: outputs x inputs). So:

* :func:`to_torch` builds ``torch.nn.Sequential(Linear, Tanh, Linear, ...)``
  holding the same numbers in float64; its outputs and the gradients of the
  same loss equal the scalar engine's to rounding;
* :func:`load_torch_weights` copies the weights of a PyTorch module (or of a
  ``state_dict``) into an ``MLP`` of the same sizes, checking every shape first;
* :func:`from_torch` builds the ``MLP`` from a ``Sequential`` of linear layers
  and activations, and loads its weights;
* :func:`checkpoint_to_torch` and :func:`checkpoint_from_torch` convert this
  library's JSON checkpoints to PyTorch's ``.pt`` files and back.

An ``nn.Sequential`` of Layers and ``Dropout`` converts too, step by step
(``Dropout(p)`` to ``torch.nn.Dropout(p)``).

PyTorch is optional: this module imports it only inside its functions, so
``import nn`` never needs it. Install it with ``pip install torch``.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nn.checkpoint import load_checkpoint, save_checkpoint
from nn.dropout import Dropout
from nn.layers import MLP, Layer
from nn.sequential import Sequential

if TYPE_CHECKING:
    import torch

#: What converts: an MLP, or an nn.Sequential of Layers and Dropout.
Network = MLP | Sequential

#: The PyTorch module class of each activation, by the name ``nn`` uses.
TORCH_ACTIVATIONS = {"tanh": "Tanh", "sigmoid": "Sigmoid", "relu": "ReLU", "identity": "Identity"}


def _require_torch(caller: str) -> None:
    """Import ``torch`` once, or raise an ImportError saying what to install."""
    try:
        import torch  # noqa: F401 - only checks that it imports
    except ModuleNotFoundError as error:
        if error.name != "torch":
            raise
        raise ImportError(
            f"{caller}: needs PyTorch, which is not installed. Install it with: "
            "pip install torch  (or the project's extra: pip install 'autograd-core[torch]')."
        ) from None


def layer_matrices(model: Network, what: str = "data") -> list[tuple[np.ndarray, np.ndarray]]:
    """Each layer's weights as a matrix and its biases as a vector (NumPy, float64).

    ``W[j, k]`` is weight k of neuron j (shape outputs x inputs, as
    ``torch.nn.Linear.weight``) and ``b[j]`` the bias of neuron j.

    Args:
        model: The MLP (or ``nn.Sequential``: its Layers, in order).
        what: ``"data"`` for the values, ``"grad"`` for their gradients.

    Raises:
        ValueError: ``what`` is neither "data" nor "grad".
        TypeError: ``model`` is neither an MLP nor a Sequential of Layers and Dropout.
    """
    if what not in ("data", "grad"):
        raise ValueError(f"layer_matrices: what must be 'data' or 'grad', got {what!r}.")
    matrices = []
    for layer in _linear_layers(model, "layer_matrices"):
        W = np.array([[getattr(w, what) for w in n.weights] for n in layer.neurons], dtype=float)
        b = np.array([getattr(n.bias, what) for n in layer.neurons], dtype=float)
        matrices.append((W, b))
    return matrices


def _steps(model: object, caller: str) -> list[Layer | Dropout]:
    """The steps a network runs, in order: its Layers (and, in a Sequential, Dropout)."""
    if isinstance(model, MLP):
        return list(model.layers)
    if isinstance(model, Sequential):
        for index, step in enumerate(model.layers):
            if not isinstance(step, (Layer, Dropout)):
                raise TypeError(
                    f"{caller}: step {index} of the Sequential is a {type(step).__name__}; only "
                    "nn.Layer and nn.Dropout have PyTorch counterparts (Linear, Dropout)."
                )
        return list(model.layers)  # type: ignore[arg-type]
    raise TypeError(
        f"{caller}: expects an nn.MLP (or an nn.Sequential of Layers and Dropout), got "
        f"{type(model).__name__}. Only those have the layer-by-layer shape of torch.nn.Linear modules."
    )


def _linear_layers(model: object, caller: str) -> list[Layer]:
    """The Layers of a network, in order (the ones that become torch.nn.Linear)."""
    return [step for step in _steps(model, caller) if isinstance(step, Layer)]


def _check_network(model: object, caller: str) -> Network:
    _steps(model, caller)
    return model  # type: ignore[return-value]


def to_torch(model: Network) -> torch.nn.Sequential:
    """The same network as a ``torch.nn.Sequential`` of float64 ``Linear`` layers and activations.

    For ``MLP(2, [16, 1], activation="tanh")`` it is
    ``Sequential(Linear(2, 16), Tanh(), Linear(16, 1))``; an output activation
    other than identity adds its module at the end. Every weight is copied
    exactly (float64 holds a Python float bit for bit), so on the same inputs
    the outputs, and the gradients of the same loss, equal the scalar model's
    to rounding. For an MLP the state_dict keys are ``"0.weight", "0.bias",
    "2.weight" ...`` (layer i is entry 2i).

    An ``nn.Sequential`` of Layers and Dropout converts step by step, each
    ``Dropout(p)`` becoming ``torch.nn.Dropout(p)`` (the same inverted
    dropout; the random masks differ, so compare in evaluation mode). The
    module gets the model's mode: ``model.eval()`` before gives ``net.eval()``.

    Args:
        model: The scalar MLP or Sequential (it is not changed).

    Returns:
        A new module on the CPU in float64 (``.to("cuda")`` moves it).

    Raises:
        TypeError: ``model`` is not an ``nn.MLP`` or a Sequential of Layers and Dropout.
        ImportError: PyTorch is not installed.
    """
    steps = _steps(model, "to_torch")
    _require_torch("to_torch")
    import torch

    modules: list[torch.nn.Module] = []
    matrices = iter(layer_matrices(model))
    for index, step in enumerate(steps):
        if isinstance(step, Dropout):
            modules.append(torch.nn.Dropout(step.p))
            continue
        layer, (W, b) = step, next(matrices)
        # skip_init: no random initialisation (and no use of torch's global
        # random state) for weights that are overwritten right away.
        linear: torch.nn.Linear = torch.nn.utils.skip_init(  # type: ignore[no-untyped-call]
            torch.nn.Linear, layer.nin, len(layer.neurons), dtype=torch.float64
        )  # (torch leaves skip_init without type hints)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W))
            linear.bias.copy_(torch.from_numpy(b))
        modules.append(linear)
        if index < len(steps) - 1 or layer.activation != "identity":
            modules.append(getattr(torch.nn, TORCH_ACTIVATIONS[layer.activation])())
    net = torch.nn.Sequential(*modules)
    net.train(getattr(model, "training", True))
    return net


def _linear_entries(source: Any, torch: Any, caller: str) -> list[tuple[str, Any, Any]]:
    """(name, weight, bias) of each linear layer of a module or state_dict, in order."""
    if isinstance(source, torch.nn.Module):
        layers = [
            (name, module)
            for name, module in source.named_modules()
            if isinstance(module, torch.nn.Linear)
        ]
        entries = []
        for name, linear in layers:
            if linear.bias is None:
                raise ValueError(
                    f"{caller}: linear layer {name!r} has no bias (bias=False), but every "
                    "neuron of an nn.MLP has one. Use Linear(..., bias=True)."
                )
            entries.append((name, linear.weight.detach(), linear.bias.detach()))
        return entries
    if not isinstance(source, Mapping):
        raise TypeError(
            f"{caller}: expects a torch.nn.Module or a state_dict (a mapping of names to "
            f"tensors), got {type(source).__name__}."
        )
    weights: dict[str, Any] = {}
    biases: dict[str, Any] = {}
    for key, tensor in source.items():
        prefix, _, kind = str(key).rpartition(".")
        if kind == "weight" and getattr(tensor, "ndim", None) == 2:
            weights[prefix] = tensor
        elif kind == "bias" and getattr(tensor, "ndim", None) == 1:
            biases[prefix] = tensor
        else:
            raise ValueError(
                f"{caller}: state_dict entry {key!r} (shape "
                f"{tuple(getattr(tensor, 'shape', ()))}) is not the weight matrix or bias "
                "vector of a linear layer; an nn.MLP holds only those."
            )
    for prefix in weights.keys() ^ biases.keys():
        kind = "bias" if prefix in weights else "weight"
        raise ValueError(
            f"{caller}: state_dict has no {prefix + '.' + kind!r} to go with "
            f"{prefix + '.' + ('weight' if kind == 'bias' else 'bias')!r}; every linear "
            "layer needs both."
        )
    return [(prefix, weights[prefix], biases[prefix]) for prefix in weights]


def _checked_matrices(
    model: Network, source: Any, torch: Any, caller: str
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The source's (W, b) per layer as float64 arrays, after checking every shape and number."""
    entries = _linear_entries(source, torch, caller)
    layers = _linear_layers(model, caller)
    if len(entries) != len(layers):
        raise ValueError(
            f"{caller}: the PyTorch side has {len(entries)} linear layer(s) "
            f"({', '.join(repr(name) for name, _, _ in entries) or 'none'}), but {model!r} "
            f"has {len(layers)}. Build the MLP with one size per linear layer."
        )
    matrices = []
    for index, ((name, weight, bias), layer) in enumerate(zip(entries, layers)):
        need = (len(layer.neurons), layer.nin)
        for label, tensor, shape in (("weight", weight, need), ("bias", bias, need[:1])):
            if tuple(tensor.shape) != shape:
                raise ValueError(
                    f"{caller}: layer {index} ({name!r}) has a {label} of shape "
                    f"{tuple(tensor.shape)}, but the MLP's layer {index} "
                    f"({layer.nin} -> {len(layer.neurons)}) needs {shape}"
                    + (" (outputs x inputs)" if label == "weight" else "")
                    + ". Build the MLP with the module's sizes, or use nn.from_torch(module)."
                )
        arrays = tuple(t.detach().to("cpu", torch.float64).numpy() for t in (weight, bias))
        for label, array in zip(("weight", "bias"), arrays):
            if not np.isfinite(array).all():
                position = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
                raise ValueError(
                    f"{caller}: layer {index} ({name!r}) {label}{list(position)} is "
                    f"{float(array[position])!r}; parameters must be finite numbers."
                )
        matrices.append((arrays[0], arrays[1]))
    return matrices


def load_torch_weights(model: Network, source: torch.nn.Module | Mapping[str, Any]) -> None:
    """Copy the weights of a PyTorch module (or a ``state_dict``) into ``model``.

    The linear layers are taken in the order the module lists them
    (``named_modules()``; for ``nn.Sequential`` the order they run in), or
    for a state_dict its ``*.weight`` / ``*.bias`` pairs in order. Layer i's
    ``weight[j, k]`` becomes weight k of neuron j, ``bias[j]`` that neuron's
    bias. Only the weights are copied: the activations stay the MLP's (use
    :func:`from_torch` to take them from a ``Sequential``). Everything is
    checked before the first value is assigned, so on an error the model is
    unchanged. Gradients are left as they are.

    Args:
        model: An MLP (or an ``nn.Sequential`` of Layers and Dropout) with the
            same layer sizes.
        source: A ``torch.nn.Module`` or a mapping of names to tensors.

    Raises:
        ValueError: Another number of linear layers, a weight or bias of
            another shape (names the layer and both shapes), a layer without
            bias, an entry that is not a linear layer's, or a non-finite value.
        TypeError: ``model`` is not an MLP or such a Sequential, or ``source``
            neither a module nor a mapping.
        ImportError: PyTorch is not installed.
    """
    layers = _linear_layers(model, "load_torch_weights")
    _require_torch("load_torch_weights")
    import torch

    matrices = _checked_matrices(model, source, torch, "load_torch_weights")
    for layer, (W, b) in zip(layers, matrices):
        for neuron, row, bias in zip(layer.neurons, W.tolist(), b.tolist()):
            for weight, value in zip(neuron.weights, row):
                weight.data = value
            neuron.bias.data = bias


def _activation_name(module: Any, torch: Any) -> str | None:
    """The ``nn`` name of a torch activation module, or None if it is not one."""
    for name, class_name in TORCH_ACTIVATIONS.items():
        if type(module) is getattr(torch.nn, class_name):
            return name
    return None


def from_torch(module: torch.nn.Module) -> MLP:
    """A new ``MLP`` with the sizes, activations and weights of a PyTorch ``Sequential``.

    The module must run linear layers and activations (Tanh, Sigmoid, ReLU,
    Identity) one after the other, like the ones :func:`to_torch` makes:
    ``Sequential(Linear(2, 16), Tanh(), Linear(16, 1))`` becomes
    ``MLP(2, [16, 1], activation="tanh")``. All hidden layers must share one
    activation (an ``MLP`` has one); a linear layer followed directly by
    another has the identity.

    Raises:
        ValueError: A module other than those (names it and its position),
            hidden layers with different activations, two activations in a
            row, or consecutive layers whose sizes do not fit.
        ImportError: PyTorch is not installed.
    """
    _require_torch("from_torch")
    import torch

    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"from_torch: expects a torch.nn.Module, got {type(module).__name__}.")
    children = list(module.children()) if isinstance(module, torch.nn.Sequential) else [module]
    layers: list[tuple[str, Any, str]] = []  # (path, linear, activation)
    for position, child in enumerate(children):
        path = f"{position} ({type(child).__name__})"
        if isinstance(child, torch.nn.Linear):
            layers.append((path, child, "identity"))
            continue
        activation = _activation_name(child, torch)
        if activation is None:
            raise ValueError(
                f"from_torch: module {path} is neither torch.nn.Linear nor one of "
                f"{', '.join('nn.' + c for c in TORCH_ACTIVATIONS.values())}; an nn.MLP "
                "has only linear layers and those activations."
            )
        if not layers:
            raise ValueError(f"from_torch: module {path} comes before any linear layer.")
        if activation != "identity":
            previous_path, linear, previous = layers[-1]
            if previous != "identity":
                raise ValueError(
                    f"from_torch: module {path} is a second activation after layer "
                    f"{previous_path}; an nn.MLP applies one activation per layer."
                )
            layers[-1] = (previous_path, linear, activation)
    if not layers:
        raise ValueError("from_torch: the module has no torch.nn.Linear layer.")
    hidden = {activation for _, _, activation in layers[:-1]}
    if len(hidden) > 1:
        raise ValueError(
            f"from_torch: the hidden layers use different activations ({', '.join(sorted(hidden))}); "
            "an nn.MLP has one activation for all hidden layers."
        )
    for (path, linear, _), (next_path, following, _) in zip(layers, layers[1:]):
        if following.in_features != linear.out_features:
            raise ValueError(
                f"from_torch: layer {path} has {linear.out_features} outputs but the next, "
                f"{next_path}, takes {following.in_features} inputs."
            )
    output = layers[-1][2]
    mlp = MLP(
        layers[0][1].in_features,
        [linear.out_features for _, linear, _ in layers],
        activation=hidden.pop() if hidden else "tanh",
        output_activation=None if output == "identity" else output,
        seed=0,
    )
    load_torch_weights(mlp, module)
    return mlp


def checkpoint_to_torch(
    model: Network, checkpoint: str | os.PathLike[str], target: str | os.PathLike[str]
) -> Path:
    """Convert a JSON checkpoint of this library into a PyTorch ``state_dict`` file.

    The file at ``target`` is what ``torch.save(to_torch(m).state_dict(), target)``
    writes for the checkpoint's weights; load it with
    ``to_torch(model).load_state_dict(torch.load(target))``.

    Args:
        model: An MLP of the checkpoint's architecture (it is not changed: a
            copy receives the weights).
        checkpoint: The JSON file written by :func:`nn.save_checkpoint`.
        target: The ``.pt`` file to write.

    Raises:
        nn.CheckpointError: The checkpoint does not fit the model (see
            :func:`nn.load_checkpoint`).
        ImportError: PyTorch is not installed.
    """
    _require_torch("checkpoint_to_torch")
    import torch

    scratch = copy.deepcopy(_check_network(model, "checkpoint_to_torch"))
    load_checkpoint(scratch, checkpoint)
    path = Path(target)
    torch.save(to_torch(scratch).state_dict(), path)
    return path


def checkpoint_from_torch(
    model: Network, source: str | os.PathLike[str], target: str | os.PathLike[str]
) -> Path:
    """Convert a PyTorch ``state_dict`` file into a JSON checkpoint of this library.

    Args:
        model: An MLP of the file's layer sizes, with the activations wanted
            (a state_dict holds none); it is not changed: a copy receives the
            weights and is saved.
        source: A file written by ``torch.save(module.state_dict(), source)``.
            It is read with ``weights_only=True``: loading runs no code.
        target: The JSON checkpoint to write (atomically, see :func:`nn.save_checkpoint`).

    Raises:
        ValueError: The weights do not fit the model (names the layer and shapes).
        ImportError: PyTorch is not installed.
    """
    _require_torch("checkpoint_from_torch")
    import torch

    scratch = copy.deepcopy(_check_network(model, "checkpoint_from_torch"))
    state = torch.load(Path(source), map_location="cpu", weights_only=True)
    load_torch_weights(scratch, state)
    return save_checkpoint(scratch, target)


__all__ = [
    "checkpoint_from_torch",
    "checkpoint_to_torch",
    "from_torch",
    "layer_matrices",
    "load_torch_weights",
    "to_torch",
]
