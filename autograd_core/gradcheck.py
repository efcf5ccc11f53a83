"""Checking backpropagation against finite differences.

The numerical derivative is the central difference

    dE/dw ~ (E(w + h) - E(w - h)) / (2h)

with a step that grows with the variable. Two rules are offered (``step_rule``):

* ``"floored"`` (the default): h = sqrt(machine epsilon) * max(|w|, 1). Every
  |w| < 1 gets the same step 1.49e-8.
* ``"relative"`` (the source articles' rule): h = sqrt(machine epsilon) * |w|,
  with a floor only near w = 0: |w| below ``RELATIVE_STEP_FLOOR`` (1e-3) counts as
  1e-3. ``step_size(0.3, "relative")`` is 4.47e-9.

machine epsilon = 2.220446049250313e-16 (``numpy.finfo(float).eps``). Some floor
is needed: at w = 0 the relative step would be 0 (a division by zero), and for
a tiny w the two evaluations E(w + h) and E(w - h) would differ only in their
last bits, so the difference would be rounding noise.

A finite difference is itself only accurate to about eps * |E| / h (rounding)
plus a term in h**2 (truncation); :func:`gradcheck` adds the rounding part to
its tolerance so that large losses do not fail spuriously.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from autograd_core.errors import GradcheckError
from autograd_core.grad_mode import no_grad
from autograd_core.higher_order import gradients
from autograd_core.languages import resolve_language
from autograd_core.value import Value
from autograd_core.wording import display_width, pad, say

#: 2.220446049250313e-16, the gap between 1.0 and the next float.
MACHINE_EPSILON = sys.float_info.epsilon

#: Below this |w| the articles' relative rule uses 1e-3 as the scale (so h never reaches 0).
RELATIVE_STEP_FLOOR = 1e-3

#: The names ``step_rule`` accepts, each with the floor of its scale |w|.
STEP_RULES: dict[str, float] = {"floored": 1.0, "relative": RELATIVE_STEP_FLOOR}

Function = Callable[..., "Value | float"]


def step_size(w: float, rule: str = "floored") -> float:
    """The finite-difference step for a variable at ``w``.

    ``"floored"``: h = sqrt(eps) * max(|w|, 1). ``"relative"`` (the articles' rule):
    h = sqrt(eps) * max(|w|, 1e-3), i.e. sqrt(eps) * |w| except near w = 0.

    Raises:
        ValueError: An unknown rule.
    """
    if rule not in STEP_RULES:
        raise ValueError(
            f"step_size: unknown step_rule {rule!r}; use one of {sorted(STEP_RULES)} "
            "(or pass a fixed step)."
        )
    return math.sqrt(MACHINE_EPSILON) * max(abs(w), STEP_RULES[rule])


def _leaf_inputs(inputs: Sequence[Value], function: str) -> list[Value]:
    """The inputs as a list of Values, or a TypeError that says how to pass them."""
    if isinstance(inputs, Value):
        raise TypeError(
            f"{function}: inputs must be a list of Values, got a single Value. "
            f"Wrap it in a list: {function}(f, [x])."
        )
    checked = list(inputs)
    for position, node in enumerate(checked):
        if not isinstance(node, Value):
            raise TypeError(
                f"{function}: inputs[{position}] must be a Value (it is nudged and "
                f"differentiated in place), got {type(node).__name__} {node!r}. "
                f"Pass Values: {function}(f, [Value({node!r})])."
            )
    return checked


def _output(f: Function, inputs: Sequence[Value]) -> float:
    result = f(*inputs)
    return result.data if isinstance(result, Value) else float(result)


def _central_difference(
    f: Function, inputs: Sequence[Value], index: int, step: float | None, rule: str = "floored"
) -> tuple[float, float]:
    """(derivative, rounding noise) of f with respect to inputs[index]."""
    variable = inputs[index]
    original = variable.data
    h = step if step is not None else step_size(original, rule)
    try:
        variable.data = original + h
        upper = _output(f, inputs)
        variable.data = original - h
        lower = _output(f, inputs)
    finally:
        variable.data = original
    # The exact distance between the two floats actually evaluated.
    width = (original + h) - (original - h)
    noise = 4.0 * MACHINE_EPSILON * max(abs(upper), abs(lower)) / width
    return (upper - lower) / width, noise


def numerical_grad(
    f: Function, inputs: Sequence[Value], step: float | None = None, *, step_rule: str = "floored"
) -> list[float]:
    """Central-difference derivative of ``f(*inputs)`` with respect to each input.

    ``f`` is called with the input Values and must rebuild its result from
    their current ``data`` (it may return a Value or a float). Each input's data
    is moved to w + h and w - h and always restored, even if ``f`` raises.
    Runs under ``no_grad()``: no graph is built. Costs two calls of ``f`` per
    input, where one ``backward()`` gives every gradient at once.

    Args:
        f: The function to differentiate.
        inputs: Leaf Values; f's derivative is taken with respect to each.
        step: A fixed step h; by default :func:`step_size` of each input.
        step_rule: ``"floored"`` (sqrt(eps) * max(|w|, 1)) or ``"relative"``
            (the articles' sqrt(eps) * |w|, floored only near 0); see :func:`step_size`.

    Returns:
        One derivative per input, in order.

    Raises:
        ValueError: An unknown ``step_rule``.
    """
    step_size(0.0, step_rule)  # refuse an unknown rule before calling f
    with no_grad():
        inputs = _leaf_inputs(inputs, "numerical_grad")
        return [_central_difference(f, inputs, i, step, step_rule)[0] for i in range(len(inputs))]


@dataclass(frozen=True)
class GradcheckRow:
    """The comparison for one input."""

    name: str
    backprop: float
    numerical: float
    allowed: float

    @property
    def error(self) -> float:
        """|backprop - numerical|."""
        return abs(self.backprop - self.numerical)

    @property
    def relative_error(self) -> float:
        """error / max(|backprop|, |numerical|), 0 when both are 0."""
        scale = max(abs(self.backprop), abs(self.numerical))
        return self.error / scale if scale > 0.0 else 0.0

    @property
    def passed(self) -> bool:
        return self.error <= self.allowed


@dataclass(frozen=True)
class GradcheckResult:
    """Every input's comparison and the verdict."""

    rows: tuple[GradcheckRow, ...]

    @property
    def passed(self) -> bool:
        return all(row.passed for row in self.rows)

    @property
    def worst_relative_error(self) -> float:
        return max((row.relative_error for row in self.rows), default=0.0)

    def report(self, *, lang: str | None = None) -> str:
        """The comparison as a table: one row per input, then the worst relative error.

        Args:
            lang: The language of the headings: ``"en"`` or ``"ja"`` (入力,
                逆伝播, 数値微分, 相対誤差); ``None``: the current setting
                (:func:`~autograd_core.languages.get_language`). The numbers
                are the same in every language.

        Raises:
            ValueError: ``lang`` is not a known language.
        """
        lang = resolve_language(lang, "GradcheckResult.report")
        # The name column is as wide as the longest name (a network's parameter
        # names, such as layers.0.neurons.3.weights.1), so the numbers line up;
        # widths count terminal columns, in which a Japanese character takes two.
        width = max([12, *(display_width(row.name) for row in self.rows)])
        headings = [
            pad(say("gradcheck_input", lang), width),
            pad(say("gradcheck_backprop", lang), 22, ">"),
            pad(say("gradcheck_numerical", lang), 22, ">"),
            pad(say("gradcheck_relative", lang), 10, ">"),
        ]
        lines = [" ".join(headings)]
        for row in self.rows:
            mark = "" if row.passed else say("gradcheck_mismatch", lang)
            lines.append(
                f"{pad(row.name, width)} {row.backprop:>22.15g} {row.numerical:>22.15g} "
                f"{row.relative_error:>10.2e}{mark}"
            )
        lines.append(say("gradcheck_worst", lang, error=f"{self.worst_relative_error:.2e}"))
        return "\n".join(lines)

    def __str__(self) -> str:
        """:meth:`report` in the current language."""
        return self.report()


def gradcheck(
    f: Function,
    inputs: Sequence[Value],
    *,
    rtol: float = 1e-5,
    atol: float = 1e-8,
    step: float | None = None,
    step_rule: str = "floored",
    raise_on_failure: bool = True,
) -> GradcheckResult:
    """Compare ``backward()`` with central differences for every input.

    Passes when, for every input, |backprop - numerical| <= atol +
    rtol * max(|backprop|, |numerical|) + the rounding noise of the difference.
    The inputs' ``grad`` fields are restored afterwards.

    Args:
        f: Called as ``f(*inputs)``; must return a Value built from the inputs.
        inputs: Leaf Values to check.
        rtol: Relative tolerance.
        atol: Absolute tolerance.
        step: A fixed step h instead of :func:`step_size`.
        step_rule: ``"floored"`` or ``"relative"`` (the articles' rule), see :func:`step_size`.
        raise_on_failure: If False, return the failing result instead of raising.

    Returns:
        The per-input comparison; ``str(result)`` is a readable table,
        ``result.report(lang="ja")`` the same in Japanese.

    Raises:
        ValueError: An unknown ``step_rule``.
        TypeError: ``f`` did not return a Value.
        GradcheckError: Some input's gradients disagree (the message is the table).
    """
    step_size(0.0, step_rule)  # refuse an unknown rule before any work
    inputs = _leaf_inputs(inputs, "gradcheck")
    saved_grads = [v.grad for v in inputs]
    try:
        for v in inputs:
            v.grad = 0.0
        output = f(*inputs)
        if not isinstance(output, Value):
            raise TypeError(
                f"gradcheck: f must return a Value built from its inputs, got "
                f"{type(output).__name__}."
            )
        output.backward()
        backprop = [v.grad for v in inputs]
    finally:
        for v, grad in zip(inputs, saved_grads):
            v.grad = grad
    rows = []
    with no_grad():
        for i, (v, analytic) in enumerate(zip(inputs, backprop)):
            numerical, noise = _central_difference(f, inputs, i, step, step_rule)
            allowed = atol + rtol * max(abs(analytic), abs(numerical)) + noise
            rows.append(GradcheckRow(v.label or f"input {i}", analytic, numerical, allowed))
    result = GradcheckResult(tuple(rows))
    if raise_on_failure and not result.passed:
        # An exception: in English whatever the language setting (what users search for).
        raise GradcheckError(
            "backprop and finite differences disagree:\n" + result.report(lang="en")
        )
    return result


def _output_node(f: Function, inputs: Sequence[Value]) -> Value:
    """f(*inputs), which must be a Value (a graph to differentiate)."""
    output = f(*inputs)
    if not isinstance(output, Value):
        raise TypeError(
            f"gradgradcheck: f must return a Value built from its inputs, got "
            f"{type(output).__name__}."
        )
    return output


def gradgradcheck(
    f: Function,
    inputs: Sequence[Value],
    *,
    rtol: float = 1e-4,
    atol: float = 1e-6,
    step: float | None = None,
    raise_on_failure: bool = True,
) -> GradcheckResult:
    """Compare second derivatives with central differences of first derivatives.

    The second derivatives H[i][j] = d2f / dx_i dx_j come from the
    differentiable backward pass (:func:`autograd_core.higher_order.gradients`
    with ``create_graph=True``, differentiated once more). The independent
    estimate moves one input at a time by the step h of :func:`step_size`:

        H[i][j] ~ (g_i(x + h e_j) - g_i(x - h e_j)) / 2h

    where g = grad f is computed by ordinary (float) backpropagation. Every
    pair (i, j) is one row of the result, named ``d2/d(x_i)d(x_j)``. Passes
    when |analytic - numerical| <= atol + rtol * max(|analytic|, |numerical|)
    + the rounding noise of the difference. The default tolerances are looser
    than :func:`gradcheck`'s: the first derivatives being differenced carry
    rounding errors of their own (from every term of the chain rule), so the
    estimate is less accurate than a difference of function values. Inputs'
    data and ``grad`` are left as they were.

    Args:
        f: Called as ``f(*inputs)``; must return a Value built from the inputs.
        inputs: Leaf Values; meant for a handful (it costs n + 1 differentiable
            backward passes and 2n plain ones).
        rtol: Relative tolerance.
        atol: Absolute tolerance.
        step: A fixed step h instead of :func:`step_size`.
        raise_on_failure: If False, return the failing result instead of raising.

    Returns:
        The comparison for every pair (i, j); ``str(result)`` is a table.

    Raises:
        TypeError: ``f`` did not return a Value.
        GradcheckError: Some second derivative disagrees (the message is the table).
    """
    inputs = _leaf_inputs(inputs, "gradgradcheck")
    first = gradients(_output_node(f, inputs), inputs, create_graph=True)
    analytic = [gradients(derivative, inputs) for derivative in first]
    names = [v.label or f"input {i}" for i, v in enumerate(inputs)]
    numerical: list[list[float]] = [[0.0] * len(inputs) for _ in inputs]
    noise: list[list[float]] = [[0.0] * len(inputs) for _ in inputs]
    for j, variable in enumerate(inputs):
        original = variable.data
        h = step if step is not None else step_size(original)
        try:
            variable.data = original + h
            upper = gradients(_output_node(f, inputs), inputs)
            variable.data = original - h
            lower = gradients(_output_node(f, inputs), inputs)
        finally:
            variable.data = original
        width = (original + h) - (original - h)
        for i in range(len(inputs)):
            numerical[i][j] = (upper[i] - lower[i]) / width
            noise[i][j] = 4.0 * MACHINE_EPSILON * max(abs(upper[i]), abs(lower[i])) / width
    rows = []
    for i in range(len(inputs)):
        for j in range(len(inputs)):
            exact, estimate = analytic[i][j], numerical[i][j]
            allowed = atol + rtol * max(abs(exact), abs(estimate)) + noise[i][j]
            name = f"d2/d({names[i]})d({names[j]})"
            rows.append(GradcheckRow(name, exact, estimate, allowed))
    result = GradcheckResult(tuple(rows))
    if raise_on_failure and not result.passed:
        raise GradcheckError(
            "second derivatives and finite differences of first derivatives disagree:\n"
            + result.report(lang="en")
        )
    return result
