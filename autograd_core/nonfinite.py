"""Errors for numbers that stopped being finite: which node, which operation, which derivative.

The engine refuses NaN and infinity where they enter (``Value(nan)``), but
finite inputs can still produce them: ``1 / Value(1e-320)`` overflows, and
the local derivative ``-y/b`` of ``a / b`` at a = 1e-300, b = 1e-305 is
-1e310. Nothing may go on silently with such a number, so:

* **forward**: every operation checks its result (one subtraction,
  ``y - y != 0`` only for NaN and infinity) and raises :func:`forward_overflow`'s
  ``OverflowError``;
* **backward**: the sweep adds up the gradients it reaches at the leaves (a
  non-finite gradient anywhere reaches at least one leaf: inf times any
  local derivative, even 0, stays inf or NaN), so one check at the end tells
  whether anything went wrong; only then :func:`check_gradients` replays the
  sweep to find the first node whose contribution was not finite and raises
  ``FloatingPointError`` naming it.

This module is only imported when something is off, so it costs nothing on
the common path.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from autograd_core.ops import OPERATIONS
from autograd_core.wording import local_derivative_formula, node_names

if TYPE_CHECKING:
    from autograd_core.value import Value

_HINT = (
    "Rescale the inputs (work in smaller units, standardise the data), keep "
    "denominators and logarithm arguments away from 0 (x + 1e-12), or use a "
    "stable form (log-sum-exp, .sigmoid(), the fused losses)."
)


def forward_overflow(
    operation: str, inputs: Sequence[float], result: float, constant: float | None = None
) -> OverflowError:
    """The error for an operation whose result is NaN or infinite although its inputs are finite."""
    row = OPERATIONS.get(operation)
    formula = f" ({row.formula})" if row is not None else ""
    shown = ", ".join(repr(x) for x in inputs)
    fixed = f" with the constant {constant!r}" if constant is not None else ""
    return OverflowError(
        f"{operation}{formula}: the inputs ({shown}){fixed} give {result!r}, which does "
        f"not fit in a float (|y| <= 1.8e308); nothing downstream could be trusted. {_HINT}"
    )


def _describe(node: Value, name: str, names: dict[int, str]) -> str:
    """``op#3 = div(a (1e-300), b (1e-305))`` for an interior node."""
    parts = ", ".join(
        f"{names.get(id(parent), '?')} = {parent.data!r}" for parent in node.parents
    )
    constant = f", constant {node.constant!r}" if node.constant is not None else ""
    return f"{name} = {node.op}({parts}{constant}) = {node.data!r}"


def _raise_at_first_overflow(root: Value, order: Sequence[Value], seed: float, caller: str) -> None:
    """Replay the chain rule on a private table; raise at the first non-finite step."""
    names = {id(node): name for node, name in zip(order, node_names(order))}
    grads: dict[int, float] = {id(root): seed}
    advice = (
        "The gradients this backward() call wrote are not usable; zero them before the next step. "
        if caller == "backward"
        else ""
    ) + _HINT
    for node in reversed(order):
        upstream = grads.get(id(node), 0.0)
        if upstream == 0.0 or not node.parents:
            continue
        name = names[id(node)]
        for slot, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
            contribution = local * upstream
            wanted = f"d({names[id(root)]})/d({names[id(parent)]})"
            if not math.isfinite(contribution):
                formula = local_derivative_formula(node, slot)
                cause = (
                    f"its local derivative {formula} is {local!r} (it overflowed when the "
                    "node was computed)"
                    if not math.isfinite(local)
                    else f"its local derivative {formula} = {local!r} times the upstream "
                    f"gradient {upstream!r} overflows"
                )
                raise FloatingPointError(
                    f"{caller}: the gradient {wanted} is not finite: at node "
                    f"{_describe(node, name, names)}, {cause}. {advice}"
                )
            collected = grads.get(id(parent), 0.0)
            total = collected + contribution
            if not math.isfinite(total):
                raise FloatingPointError(
                    f"{caller}: the gradient {wanted} is not finite: adding the "
                    f"contribution {contribution!r} from node {_describe(node, name, names)} "
                    f"to the {collected!r} already collected overflows. {advice}"
                )
            grads[id(parent)] = total


def check_gradients(root: Value, order: Sequence[Value], seed: float) -> None:
    """Raise FloatingPointError if ``root.backward()`` left a non-finite gradient.

    Called by ``backward()`` only when the sum of the leaves' gradients is not
    finite. Returns quietly when every gradient is finite after all (that sum
    overflowed on its own). Otherwise it replays the sweep on a private table
    (the nodes' ``grad`` stay as the sweep wrote them) and names the first
    contribution ``local * upstream``, or sum of contributions, that is not finite.

    Raises:
        FloatingPointError: naming the node (its label or ``op#i``), its
            operation and inputs, the local derivative (the table's formula
            and its value) and the upstream gradient, with a hint; or naming a
            leaf whose gradient was already non-finite before the call.
    """
    if all(math.isfinite(node.grad) for node in order):
        return
    _raise_at_first_overflow(root, order, seed, "backward")
    for node, name in zip(order, node_names(order)):
        if not math.isfinite(node.grad):
            raise FloatingPointError(
                f"backward: {name}.grad is {node.grad!r}: it was not finite before this "
                "backward() call (leaves accumulate). Zero the gradients (zero_grad()) "
                "before calling backward() again."
            )


def check_float_gradients(output: Value, order: Sequence[Value], results: Sequence[float]) -> None:
    """``gradients(...)``'s twin of :func:`check_gradients`, for the gradients it returns."""
    if all(math.isfinite(g) for g in results):
        return
    _raise_at_first_overflow(output, order, 1.0, "gradients")
