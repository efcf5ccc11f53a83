"""The table of operations: the single source of truth of the engine.

Each row says, once, what an operation computes and what its local partial
derivatives are. Everything else reads these rows: :class:`Value` builds nodes
with them, the tests are generated from them, and diagrams and explanations
print their symbols and formulas.

A row's two functions take a *math namespace* ``m`` as their first argument
(``m.exp``, ``m.log``, ``m.pow`` ...). With :mod:`autograd_core.scalar_math` the
row runs on plain floats; other namespaces run the very same formulas on NumPy
arrays or on ``Value`` nodes. Plain arithmetic (``+ - * /``) is written with
operators, which every one of those types understands.

* ``forward(m, *inputs[, constant]) -> y``
* ``local_grads(m, y, *inputs[, constant]) -> (dy/dinput_1, dy/dinput_2, ...)``

Local derivatives are written in terms of the inputs *and the output* ``y``
where that is simpler: exp's derivative is ``y`` itself, tanh's is ``1 - y**2``.
Adding an operation means adding a row here and a method on ``Value``; the
table-driven tests then cover it automatically. A learner adds one from their
own code with :func:`autograd_core.define_operation`, which puts the row into
the same table (:func:`add_row`), so every tool reads it the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class Operation:
    """One row of the table.

    Attributes:
        name: The name stored in ``Value.op`` of every node this row makes.
        arity: Number of inputs, or ``None`` for any number (n-ary sum).
        symbol: A short label for diagrams, e.g. ``"*"``.
        formula: The forward math in words, e.g. ``"y = a * b"``.
        derivatives: The local derivatives in words, e.g. ``"dy/da = b, dy/db = a"``.
        forward: ``forward(m, *inputs[, constant])`` returns the output.
        local_grads: ``local_grads(m, y, *inputs[, constant])`` returns one
            local derivative per input, in input order.
        domain: For each input, an interval ``(low, high)`` where the operation
            is smooth; the tests sample finite-difference checks from it. An
            n-ary row (``arity=None``) gives either one interval (any number of
            inputs, each drawn from it: ``sum``) or one interval per input of a
            typical call (the tests then use exactly ``len(domain)`` inputs:
            ``softmax_cross_entropy`` needs K logits followed by K targets).
        constant_examples: For rows that take a fixed number besides their
            inputs (the exponent of ``x ** c``), values the tests try.
        kinks: Inputs where the operation is not differentiable (relu at 0);
            finite-difference tests keep away from them.
    """

    name: str
    arity: int | None
    symbol: str
    formula: str
    derivatives: str
    forward: Callable[..., Any]
    local_grads: Callable[..., tuple[Any, ...]]
    domain: tuple[tuple[float, float], ...]
    constant_examples: tuple[float, ...] = ()
    kinks: tuple[float, ...] = ()

    @property
    def takes_constant(self) -> bool:
        """True when nodes of this row carry a fixed number (``Value.constant``)."""
        return bool(self.constant_examples)


def _pow_constant_grads(m: Any, y: Any, x: Any, c: float) -> tuple[Any]:
    """d/dx x**c = c * x**(c-1); written out so that c = 0 needs no 0 ** -1."""
    if c == 0.0:
        return (0.0,)
    if c == 1.0:
        return (1.0,)
    return (c * m.pow(x, c - 1.0),)


def _split_logits_targets(inputs: tuple[Any, ...]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """(a_1..a_K, t_1..t_K) from the 2K inputs of ``softmax_cross_entropy``."""
    count = len(inputs)
    if count == 0 or count % 2:
        raise ValueError(
            f"softmax_cross_entropy: expects K logits followed by K targets (an even, "
            f"non-zero number of inputs), got {count}. Pass [*logits, *targets]."
        )
    half = count // 2
    return inputs[:half], inputs[half:]


def _softmax_cross_entropy_forward(m: Any, *inputs: Any) -> Any:
    """J = sum_k t_k (logsumexp(a) - a_k) = logsumexp(a) * sum(t) - sum_k t_k a_k.

    Each term lse - a_k is -log y_k (y = softmax(a)) computed without forming
    y, so no log(0) and no overflow for any finite logits.
    """
    logits, targets = _split_logits_targets(inputs)
    lse = m.logsumexp(logits)
    return sum(t * (lse - a) for a, t in zip(logits, targets))


def _softmax_cross_entropy_grads(m: Any, y: Any, *inputs: Any) -> tuple[Any, ...]:
    """dJ/da_k = y_k * sum(t) - t_k (y_k - t_k for one-hot t); dJ/dt_k = -log y_k."""
    logits, targets = _split_logits_targets(inputs)
    lse = m.logsumexp(logits)
    total = sum(targets)
    d_logits = tuple(m.exp(a - lse) * total - t for a, t in zip(logits, targets))
    d_targets = tuple(lse - a for a in logits)
    return d_logits + d_targets


_ROWS = (
    Operation(
        "add", 2, "+", "y = a + b", "dy/da = 1, dy/db = 1",
        forward=lambda m, a, b: a + b,
        local_grads=lambda m, y, a, b: (1.0, 1.0),
        domain=((-3.0, 3.0), (-3.0, 3.0)),
    ),
    Operation(
        "sub", 2, "-", "y = a - b", "dy/da = 1, dy/db = -1",
        forward=lambda m, a, b: a - b,
        local_grads=lambda m, y, a, b: (1.0, -1.0),
        domain=((-3.0, 3.0), (-3.0, 3.0)),
    ),
    Operation(
        "mul", 2, "*", "y = a * b", "dy/da = b, dy/db = a",
        forward=lambda m, a, b: a * b,
        local_grads=lambda m, y, a, b: (b, a),
        domain=((-3.0, 3.0), (-3.0, 3.0)),
    ),
    Operation(
        "div", 2, "/", "y = a / b", "dy/da = 1/b, dy/db = -a/b**2 = -y/b",
        forward=lambda m, a, b: m.div(a, b),
        local_grads=lambda m, y, a, b: (1.0 / b, -y / b),
        domain=((-3.0, 3.0), (0.5, 3.0)),
    ),
    Operation(
        "neg", 1, "neg", "y = -x", "dy/dx = -1",
        forward=lambda m, x: -x,
        local_grads=lambda m, y, x: (-1.0,),
        domain=((-3.0, 3.0),),
    ),
    Operation(
        "pow", 1, "**", "y = x ** c (c a fixed number)", "dy/dx = c * x**(c-1)",
        forward=lambda m, x, c: m.pow(x, c),
        local_grads=_pow_constant_grads,
        domain=((0.5, 3.0),),
        constant_examples=(3.0, 2.0, 0.5, -1.5, 0.0),
    ),
    Operation(
        "powv", 2, "**", "y = a ** b (both Values; a > 0, or a = 0 with b >= 1)",
        "dy/da = b * a**(b-1), dy/db = y * ln(a) (0 where y = 0)",
        forward=lambda m, a, b: m.powv(a, b),
        local_grads=lambda m, y, a, b: (b * m.pow(a, b - 1.0), m.xlogy(y, a)),
        domain=((0.5, 3.0), (-2.0, 2.0)),
    ),
    Operation(
        "square", 1, "square", "y = x ** 2", "dy/dx = 2x",
        forward=lambda m, x: x * x,
        local_grads=lambda m, y, x: (2.0 * x,),
        domain=((-3.0, 3.0),),
    ),
    Operation(
        "exp", 1, "exp", "y = e ** x", "dy/dx = e ** x = y",
        forward=lambda m, x: m.exp(x),
        local_grads=lambda m, y, x: (y,),
        domain=((-3.0, 3.0),),
    ),
    Operation(
        "log", 1, "log", "y = ln x (x > 0)", "dy/dx = 1/x",
        forward=lambda m, x: m.log(x),
        local_grads=lambda m, y, x: (1.0 / x,),
        domain=((0.2, 5.0),),
    ),
    Operation(
        "tanh", 1, "tanh", "y = tanh x", "dy/dx = 1 - y**2",
        forward=lambda m, x: m.tanh(x),
        local_grads=lambda m, y, x: (1.0 - y * y,),
        domain=((-3.0, 3.0),),
    ),
    Operation(
        "sigmoid", 1, "sigmoid", "y = 1 / (1 + e ** -x)", "dy/dx = y * (1 - y)",
        forward=lambda m, x: m.sigmoid(x),
        local_grads=lambda m, y, x: (y * (1.0 - y),),
        domain=((-4.0, 4.0),),
    ),
    Operation(
        "relu", 1, "relu", "y = max(x, 0)", "dy/dx = 1 if x > 0 else 0",
        forward=lambda m, x: m.relu(x),
        local_grads=lambda m, y, x: (m.step(x),),
        domain=((-3.0, 3.0),),
        kinks=(0.0,),
    ),
    Operation(
        "sin", 1, "sin", "y = sin x", "dy/dx = cos x",
        forward=lambda m, x: m.sin(x),
        local_grads=lambda m, y, x: (m.cos(x),),
        domain=((-4.0, 4.0),),
    ),
    Operation(
        "cos", 1, "cos", "y = cos x", "dy/dx = -sin x",
        forward=lambda m, x: m.cos(x),
        local_grads=lambda m, y, x: (-m.sin(x),),
        domain=((-4.0, 4.0),),
    ),
    Operation(
        "sqrt", 1, "sqrt", "y = sqrt x (x > 0)", "dy/dx = 1 / (2 sqrt x) = 1 / (2y)",
        forward=lambda m, x: m.sqrt(x),
        local_grads=lambda m, y, x: (0.5 / y,),
        domain=((0.2, 5.0),),
    ),
    Operation(
        "abs", 1, "abs", "y = |x|", "dy/dx = sign(x) (0 at x = 0)",
        forward=lambda m, x: m.sign(x) * x + 0.0,  # + 0.0 turns -0.0 into 0.0
        local_grads=lambda m, y, x: (m.sign(x),),
        domain=((-3.0, 3.0),),
        kinks=(0.0,),
    ),
    Operation(
        "maximum", 2, "max", "y = max(a, b)",
        "dy/da = 1 if a > b, 0 if a < b, 1/2 at a tie; dy/db = 1 - dy/da",
        forward=lambda m, a, b: m.maximum(a, b),
        local_grads=lambda m, y, a, b: (m.heaviside(a - b), m.heaviside(b - a)),
        domain=((-3.0, 3.0), (-3.0, 3.0)),
    ),
    Operation(
        "minimum", 2, "min", "y = min(a, b)",
        "dy/da = 1 if a < b, 0 if a > b, 1/2 at a tie; dy/db = 1 - dy/da",
        forward=lambda m, a, b: m.minimum(a, b),
        local_grads=lambda m, y, a, b: (m.heaviside(b - a), m.heaviside(a - b)),
        domain=((-3.0, 3.0), (-3.0, 3.0)),
    ),
    Operation(
        "leaky_relu", 1, "leaky_relu", "y = x if x > 0 else c * x (c the slope, a fixed number)",
        "dy/dx = 1 if x > 0 else c",
        forward=lambda m, x, c: m.relu(x) - c * m.relu(-x),
        local_grads=lambda m, y, x, c: (m.step(x) + c * (1.0 - m.step(x)),),
        domain=((-3.0, 3.0),),
        constant_examples=(0.01, 0.2),
        kinks=(0.0,),
    ),
    Operation(
        "softplus", 1, "softplus", "y = ln(1 + e ** x)", "dy/dx = sigmoid(x) = 1 / (1 + e ** -x)",
        forward=lambda m, x: m.softplus(x),
        local_grads=lambda m, y, x: (m.sigmoid(x),),
        domain=((-4.0, 4.0),),
    ),
    Operation(
        "log1p", 1, "log1p", "y = ln(1 + x) (x > -1)", "dy/dx = 1 / (1 + x)",
        forward=lambda m, x: m.log1p(x),
        local_grads=lambda m, y, x: (1.0 / (1.0 + x),),
        domain=((-0.8, 3.0),),
    ),
    Operation(
        "expm1", 1, "expm1", "y = e ** x - 1", "dy/dx = e ** x = y + 1",
        forward=lambda m, x: m.expm1(x),
        local_grads=lambda m, y, x: (y + 1.0,),
        domain=((-3.0, 3.0),),
    ),
    Operation(
        "sum", None, "sum", "y = x1 + x2 + ... + xn", "dy/dxi = 1 for every i",
        forward=lambda m, *xs: sum(xs),
        local_grads=lambda m, y, *xs: (1.0,) * len(xs),
        domain=((-3.0, 3.0),),
    ),
    Operation(
        "softmax_cross_entropy", None, "softmax CE",
        "y = logsumexp(a) * sum(t) - sum_k t_k a_k  (inputs: K logits a, then K targets t)",
        "dy/da_k = p_k * sum(t) - t_k (= p_k - t_k for one-hot t), dy/dt_k = -log p_k, "
        "where p = softmax(a)",
        forward=_softmax_cross_entropy_forward,
        local_grads=_softmax_cross_entropy_grads,
        domain=((-3.0, 3.0), (-3.0, 3.0), (-3.0, 3.0), (0.0, 1.0), (0.0, 1.0), (0.0, 1.0)),
    ),
    Operation(
        "binary_cross_entropy_with_logits", 2, "BCE",
        "y = softplus(z) - z * t  (z a logit, t a target in [0, 1])",
        "dy/dz = sigmoid(z) - t, dy/dt = -z",
        forward=lambda m, z, t: m.softplus(z) - z * t,
        local_grads=lambda m, y, z, t: (m.sigmoid(z) - t, -z),
        domain=((-4.0, 4.0), (0.0, 1.0)),
    ),
)

_TABLE: dict[str, Operation] = {row.name: row for row in _ROWS}

#: Every operation by name: the rows above, in order, then any a learner added
#: with :func:`autograd_core.define_operation`. Read-only.
OPERATIONS: Mapping[str, Operation] = MappingProxyType(_TABLE)

#: The names of the rows written in this file (which learner rows may not replace).
BUILT_IN_NAMES: frozenset[str] = frozenset(_TABLE)


def add_row(row: Operation) -> None:
    """Put a learner's row into the table (replacing an earlier learner row of that name).

    The one way rows enter the table after import; used by
    :func:`autograd_core.define_operation`, which checks the row first.

    Raises:
        ValueError: ``row.name`` is a built-in row.
    """
    if row.name in BUILT_IN_NAMES:
        raise ValueError(f"add_row: {row.name!r} is a built-in row of the table; pick another name.")
    _TABLE[row.name] = row


def remove_row(name: str) -> None:
    """Take a learner's row out of the table again (built-in rows stay).

    Raises:
        ValueError: ``name`` is a built-in row.
        KeyError: there is no such row.
    """
    if name in BUILT_IN_NAMES:
        raise ValueError(f"remove_row: {name!r} is a built-in row of the table and stays.")
    if name not in _TABLE:
        raise KeyError(f"remove_row: no operation named {name!r} in the table.")
    del _TABLE[name]
