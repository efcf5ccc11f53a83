"""``Sequential``: modules applied one after the other, e.g. layers with dropout between them.

::

    model = Sequential(
        Layer(2, 32, "tanh", seed=0), Dropout(0.2, seed=1),
        Layer(32, 1, "identity", seed=2),
    )
    outputs = model([0.5, -1.0])      # Layer -> Dropout -> Layer

Parameters are named by position, like an MLP's: ``layers.0.neurons.3.weights.1``.
"""

from __future__ import annotations

from collections.abc import Sequence

from autograd_core import Value
from nn.module import Module


class Sequential(Module):
    """Call each module on the previous one's outputs and return the last outputs.

    Args:
        *modules: The steps, in order (Layers, Dropout, any Module mapping a list of
            inputs to a list of outputs).

    Attributes:
        layers: The modules, in order.
        output_activation: The ``activation`` of the last module that has one (a Layer),
            so that :func:`nn.predict` picks the right decision threshold.

    Raises:
        ValueError: No modules.
        TypeError: Something that is not a Module.
    """

    def __init__(self, *modules: Module) -> None:
        if not modules:
            raise ValueError("Sequential: give at least one module, e.g. Sequential(Layer(2, 1)).")
        for index, module in enumerate(modules):
            if not isinstance(module, Module):
                raise TypeError(
                    f"Sequential: step {index} is a {type(module).__name__}, not a Module "
                    "(use nn.Layer, nn.Dropout, ...)."
                )
        self.layers = list(modules)
        activations = [getattr(m, "activation", None) for m in self.layers]
        self.output_activation: str | None = next((a for a in reversed(activations) if a), None)

    def __call__(self, x: Sequence[float | Value]) -> list[Value]:
        """The outputs of the last module for one sample."""
        outputs: Sequence[float | Value] = x
        for module in self.layers:
            outputs = module(outputs)  # type: ignore[operator]
        return list(outputs)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        steps = ", ".join(repr(m) for m in self.layers)
        return f"Sequential({steps})"
