"""``Module``: the base class that finds a model's parameters by name.

A module keeps its parameters and sub-modules as ordinary attributes. The base
class walks those attributes in the order they were assigned in ``__init__``
and collects:

* a :class:`~autograd_core.Value` attribute: a parameter (``bias``);
* a list or tuple of Values: parameters named by index (``weights.0``, ``weights.1``);
* a ``Module`` attribute, or a list or tuple of Modules: sub-modules, walked in turn
  (``layers.0``, ``layers.0.neurons.3``).

So a neuron's first weight in the second layer of an MLP is named
``layers.1.neurons.0.weights.0``. The order is stable: the same model always
lists the same parameters in the same order, which optimizers and checkpoints
rely on. Anything else (strings, numbers, lists of floats) is ignored.
"""

from __future__ import annotations

from collections.abc import Iterator

from autograd_core import Value


def _is_list_of(items: object, kind: type) -> bool:
    """True for a non-empty list or tuple whose items are all ``kind``."""
    return (
        isinstance(items, (list, tuple))
        and len(items) > 0
        and all(isinstance(item, kind) for item in items)
    )


class Module:
    """Base class of neurons, layers and networks.

    Subclasses assign their parameters (Values) and sub-modules as attributes
    in ``__init__`` and implement ``__call__``; the base class provides the
    bookkeeping below.

    Attributes:
        training: True in training mode (the default), False after :meth:`eval`.
            Only modules that behave differently while training read it
            (:class:`~nn.dropout.Dropout`).
    """

    training: bool = True

    def _own_parts(self) -> Iterator[tuple[str, Value | Module]]:
        """(name, parameter or sub-module) for each direct part, in attribute order."""
        for name, attribute in vars(self).items():
            if isinstance(attribute, (Value, Module)):
                yield name, attribute
            elif _is_list_of(attribute, Value) or _is_list_of(attribute, Module):
                for index, item in enumerate(attribute):
                    yield f"{name}.{index}", item

    def named_modules(self, prefix: str = "") -> list[tuple[str, Module]]:
        """This module and every sub-module, each with its dotted path.

        Args:
            prefix: Path of this module; ``""`` for the root.

        Returns:
            ``[("", root), ("layers.0", layer), ("layers.0.neurons.0", neuron), ...]``,
            every module before its sub-modules.
        """
        found: list[tuple[str, Module]] = []
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            path, module = stack.pop()
            found.append((path, module))
            children = [
                (f"{path}.{name}" if path else name, part)
                for name, part in module._own_parts()
                if isinstance(part, Module)
            ]
            stack.extend(reversed(children))
        return found

    def named_parameters(self) -> list[tuple[str, Value]]:
        """Every parameter with its dotted name, e.g. ``layers.0.neurons.3.weights.1``.

        Returns:
            ``(name, Value)`` pairs in a stable order: depth first, attributes in
            assignment order (a neuron's weights, then its bias).
        """
        named: list[tuple[str, Value]] = []
        for path, module in self.named_modules():
            for name, part in module._own_parts():
                if isinstance(part, Value):
                    named.append((f"{path}.{name}" if path else name, part))
        return named

    def parameters(self) -> list[Value]:
        """Every parameter, in the order of :meth:`named_parameters`."""
        return [parameter for _, parameter in self.named_parameters()]

    def parameter_count(self) -> int:
        """How many numbers the model learns."""
        return len(self.named_parameters())

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0 (leaves accumulate across ``backward()``)."""
        for parameter in self.parameters():
            parameter.grad = 0.0

    def train(self, mode: bool = True) -> Module:
        """Put this module and every sub-module in training mode (``mode=False``: evaluation).

        Returns:
            The module itself, so ``model.train()`` can be chained.
        """
        for _, module in self.named_modules():
            module.training = bool(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode for this module and every sub-module: ``train(False)``.

        Dropout then passes its inputs through unchanged, so predictions are
        deterministic. Call :meth:`train` before training again.
        """
        return self.train(False)
