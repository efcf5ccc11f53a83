"""Loss functions for one sample: a list of output Values and its targets.

Targets may be given as a list of numbers (one per output), as one number when
there is one output, or, for a classifier with K > 1 outputs, as an int class
index (turned into the one-hot vector with a 1 at that index).

==================================  ====================================================
loss                                formula (y outputs, d or t targets, a logits)
==================================  ====================================================
:func:`squared_error`               E = 1/2 * sum_k (y_k - d_k)**2   (the articles' form)
:func:`mean_squared_error`          E = 1/K * sum_k (y_k - d_k)**2
:func:`binary_cross_entropy`        E = -sum_k [d_k ln y_k + (1 - d_k) ln(1 - y_k)], y in (0, 1)
:func:`binary_cross_entropy_with_logits`  the same from logits z, y = sigmoid(z): stable
:func:`softmax`                     y_k = e**(a_k - c) / sum_j e**(a_j - c), c = max(a)
:func:`cross_entropy`               J = -sum_k t_k ln y_k, y probabilities (e.g. softmax)
:func:`softmax_cross_entropy`       J = -sum_k t_k ln softmax(a)_k as ONE fused node
:func:`softmax_cross_entropy_composed`  the same from elementary nodes, stable
==================================  ====================================================

The fused softmax cross-entropy is one row of the operation table whose local
derivative towards each logit is y_k - t_k, the shortcut the articles derive;
the composed form builds the whole graph (exp, sum, log, sub) so the same
numbers can be watched coming out of the chain rule. Both use the log-sum-exp
trick, so logits of +-1000 are fine.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Real

from autograd_core import OPERATIONS, Value
from autograd_core.value import apply_operation

#: Targets of one sample: numbers, one number, or a class index.
Targets = Sequence[float | Value] | float | int | Value

_SOFTMAX_CROSS_ENTROPY = OPERATIONS["softmax_cross_entropy"]
_BCE_WITH_LOGITS = OPERATIONS["binary_cross_entropy_with_logits"]


def one_hot(label: int, classes: int) -> list[float]:
    """[0, ..., 1, ..., 0] with the 1 at ``label``.

    Raises:
        ValueError: ``label`` is not in 0..classes-1.
    """
    if not 0 <= label < classes:
        raise ValueError(
            f"one_hot: class label {label!r} is outside 0..{classes - 1} for {classes} outputs. "
            "Check the labels or the size of the model's last layer."
        )
    vector = [0.0] * classes
    vector[label] = 1.0
    return vector


def as_target_list(targets: Targets, count: int, loss: str) -> list[float | Value]:
    """Targets as ``count`` floats.

    A sequence must have ``count`` entries; a single number is the target of a
    single output; with ``count`` > 1 outputs a single int is a class index.
    A target that is a ``Value`` stays a Value (a placeholder when a loss is
    traced for the compiled batch mode).

    Raises:
        ValueError: Wrong number of targets, or a non-integer single target for
            several outputs.
    """
    if isinstance(targets, Value):
        if count == 1:
            return [targets]
        targets = targets.data
    if isinstance(targets, (int, float, Real)):  # NumPy scalars are Real too
        number = float(targets)
        if count == 1:
            return [number]
        if number.is_integer():
            return one_hot(int(number), count)  # type: ignore[return-value]
        raise ValueError(
            f"{loss}: got the single target {targets!r} for {count} outputs. Give "
            f"{count} targets, or an int class index for a classifier."
        )
    values: list[float | Value] = [t if isinstance(t, Value) else float(t) for t in targets]
    if len(values) != count:
        raise ValueError(
            f"{loss}: got {len(values)} targets for {count} outputs; they must match."
        )
    return values


def _check_outputs(outputs: Sequence[Value], loss: str) -> list[Value]:
    outputs = list(outputs)
    if not outputs:
        raise ValueError(f"{loss}: got no outputs; pass the model's list of output Values.")
    return outputs


def _check_classes(logits: list[Value], loss: str) -> list[Value]:
    """Refuse a softmax over one logit: softmax(a) = [1] for every a, so the loss is always 0."""
    if len(logits) < 2:
        raise ValueError(
            f"{loss}: got {len(logits)} output; a softmax over one logit is 1 for every "
            "input, so this loss would be 0 whatever the model does and nothing would "
            "learn. Give the model one output per class (2 or more), or use "
            "binary_cross_entropy_with_logits for two classes with one output."
        )
    return logits


def squared_error(outputs: Sequence[Value], targets: Targets) -> Value:
    """E = 1/2 * sum_k (y_k - d_k)**2, the articles' form: dE/dy_k = y_k - d_k."""
    outputs = _check_outputs(outputs, "squared_error")
    wanted = as_target_list(targets, len(outputs), "squared_error")
    return 0.5 * Value.sum([(y - d).square() for y, d in zip(outputs, wanted)])


def mean_squared_error(outputs: Sequence[Value], targets: Targets) -> Value:
    """E = 1/K * sum_k (y_k - d_k)**2 over the K outputs."""
    outputs = _check_outputs(outputs, "mean_squared_error")
    wanted = as_target_list(targets, len(outputs), "mean_squared_error")
    return Value.sum([(y - d).square() for y, d in zip(outputs, wanted)]) / len(outputs)


def binary_cross_entropy(probabilities: Sequence[Value], targets: Targets) -> Value:
    """E = -sum_k [d_k ln y_k + (1 - d_k) ln(1 - y_k)] for outputs y in (0, 1) (sigmoid outputs).

    Composed from log nodes, as written in the articles. A term whose weight
    d_k or 1 - d_k is 0 is left out, so a hard 0/1 target never takes ln 0 of
    the side it does not need. A saturated output (exactly 0 or 1) on the side
    it does need raises; train from logits with
    :func:`binary_cross_entropy_with_logits` to avoid that altogether.

    Raises:
        DomainError: ln of an output that is exactly 0 (or 1 - output exactly 0).
    """
    outputs = _check_outputs(probabilities, "binary_cross_entropy")
    wanted = as_target_list(targets, len(outputs), "binary_cross_entropy")
    terms: list[Value] = []
    for y, d in zip(outputs, wanted):
        if d != 0.0:
            terms.append(d * y.log())
        if d != 1.0:
            terms.append((1.0 - d) * (1.0 - y).log())
    if not terms:  # only possible for an empty output list, already refused
        return Value(0.0)
    return -Value.sum(terms)


def binary_cross_entropy_with_logits(logits: Sequence[Value], targets: Targets) -> Value:
    """Binary cross-entropy of y = sigmoid(z), computed from the logits z: stable for any z.

    Each output is one fused node J = softplus(z) - z * d with local
    derivative dJ/dz = sigmoid(z) - d. Use it with a model whose last layer has
    no activation (``MLP(..., output_activation=None)``).
    """
    outputs = _check_outputs(logits, "binary_cross_entropy_with_logits")
    wanted = as_target_list(targets, len(outputs), "binary_cross_entropy_with_logits")
    terms = [apply_operation(_BCE_WITH_LOGITS, (z, d)) for z, d in zip(outputs, wanted)]
    return terms[0] if len(terms) == 1 else Value.sum(terms)


def softmax(logits: Sequence[Value]) -> list[Value]:
    """y_k = e**(a_k - c) / sum_j e**(a_j - c), with c = max(a) a plain number.

    Subtracting c changes nothing mathematically (it cancels in the ratio) but
    keeps every exponent <= 0, so large logits cannot overflow. c is a constant,
    not a node: no gradient flows through it, and none needs to.
    """
    logits = _check_outputs(logits, "softmax")
    largest = max(a.data for a in logits)
    exps = [(a - largest).exp() for a in logits]
    total = Value.sum(exps)
    return [e / total for e in exps]


def cross_entropy(probabilities: Sequence[Value], targets: Targets) -> Value:
    """J = -sum_k t_k ln y_k for probabilities y (e.g. the outputs of :func:`softmax`).

    ``cross_entropy(softmax(a), t)`` is the full textbook graph (exp, sum, div,
    log). Terms with t_k = 0 are left out (they add 0). A probability that has
    underflowed to exactly 0 where t_k > 0 raises: use
    :func:`softmax_cross_entropy` (or the composed form from logits) instead.

    Raises:
        DomainError: ln 0 for a class whose target is not 0.
    """
    outputs = _check_outputs(probabilities, "cross_entropy")
    wanted = as_target_list(targets, len(outputs), "cross_entropy")
    terms = [t * y.log() for y, t in zip(outputs, wanted) if t != 0.0]
    if not terms:
        return Value(0.0)
    return -Value.sum(terms)


def softmax_cross_entropy(logits: Sequence[Value], targets: Targets) -> Value:
    """J = -sum_k t_k ln softmax(a)_k as ONE node whose local derivative towards a_k is y_k - t_k.

    The node comes from the operation table's ``softmax_cross_entropy`` row:
    its parents are the K logits followed by the K targets (constant leaves),
    and its local derivatives are y_k * sum(t) - t_k for the logits (y_k - t_k
    for one-hot targets) and -ln y_k for the targets. Stable for any finite
    logits (log-sum-exp).

    Args:
        logits: The model's raw outputs a_1..a_K (no softmax applied).
        targets: K target probabilities (one-hot for hard labels) or an int class index.
    """
    logits = _check_classes(_check_outputs(logits, "softmax_cross_entropy"), "softmax_cross_entropy")
    wanted = as_target_list(targets, len(logits), "softmax_cross_entropy")
    return apply_operation(_SOFTMAX_CROSS_ENTROPY, [*logits, *wanted])


def softmax_cross_entropy_composed(logits: Sequence[Value], targets: Targets) -> Value:
    """The same loss as :func:`softmax_cross_entropy`, built from elementary nodes.

    ln softmax(a)_k = (a_k - c) - ln sum_j e**(a_j - c) with c = max(a), so

        J = -sum_k t_k * ((a_k - c) - ln S),   S = sum_j e**(a_j - c)

    (sub, exp, sum, log, mul nodes). Writing ln of the ratio as a difference of
    logs is what keeps it stable: e**(a_k - c) may underflow to 0, but
    a_k - c is never lost. Backprop through this graph gives y_k - t_k for
    one-hot targets, the same as the fused node.
    """
    logits = _check_classes(
        _check_outputs(logits, "softmax_cross_entropy_composed"), "softmax_cross_entropy_composed"
    )
    wanted = as_target_list(targets, len(logits), "softmax_cross_entropy_composed")
    largest = max(a.data for a in logits)
    shifted = [a - largest for a in logits]
    log_total = Value.sum([s.exp() for s in shifted]).log()
    terms = [t * (s - log_total) for s, t in zip(shifted, wanted) if t != 0.0]
    if not terms:
        return Value(0.0)
    return -Value.sum(terms)


#: Losses by name, for ``fit(..., loss="...")``.
LOSSES = {
    "squared_error": squared_error,
    "mean_squared_error": mean_squared_error,
    "binary_cross_entropy": binary_cross_entropy,
    "binary_cross_entropy_with_logits": binary_cross_entropy_with_logits,
    "cross_entropy": cross_entropy,
    "softmax_cross_entropy": softmax_cross_entropy,
    "softmax_cross_entropy_composed": softmax_cross_entropy_composed,
}
