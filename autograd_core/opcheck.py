"""Check a row of the operation table against finite differences, and explain what is wrong.

:func:`check_operation` takes an operation (a learner's, from
:func:`autograd_core.define_operation`, or a built-in row) and compares its
local derivatives with central differences of its forward function,

    dy/dx_i  ~  (f(..., x_i + h, ...) - f(..., x_i - h, ...)) / 2h,
    h = sqrt(machine epsilon) * max(|x_i|, 1),

at points drawn from the row's domain. Where they disagree it does not stop
at "fail": it tries the usual mistakes and says which one fits

* a sign: yours is minus the true derivative;
* y and x mixed up: the formula gives the right numbers once the output y and
  the input x trade places (tanh's 1 - x**2 where 1 - y**2 was meant);
* a constant factor: yours times the same number everywhere is right, typically
  the inner derivative the chain rule asks for (the 2 of d/dx sin(2x));
* a factor that changes from point to point (an inner derivative such as the
  2x of d/dx sin(x**2));
* the derivatives of two inputs in the wrong order;
* the function itself returned instead of its derivative.

It also tries the row where other tools will run it: with ``m = value_math``
(higher-order gradients need Value nodes, not floats from ``math.cos``) and
with ``m = array_math`` (the compiled batch mode needs array forms).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from autograd_core import array_math, scalar_math, value_math
from autograd_core.gradcheck import step_size
from autograd_core.languages import resolve_language
from autograd_core.ops import Operation
from autograd_core.value import Value
from autograd_core.wording import pad, say

_RTOL = 1e-5
_ATOL = 1e-7


@dataclass(frozen=True)
class PointCheck:
    """One input of one test point: your derivative against the numerical one."""

    point: tuple[float, ...]
    constant: float | None
    input_index: int
    yours: float
    numerical: float

    @property
    def agrees(self) -> bool:
        """True when the two agree to 1e-5 relative (1e-7 absolute)."""
        return _close(self.yours, self.numerical)


@dataclass
class OperationReport:
    """What :func:`check_operation` found. ``print(report)`` explains it.

    Attributes:
        name: The operation's name.
        checks: One entry per test point and input.
        diagnoses: The likely mistakes, in words (empty when all agree).
        notes: Where else the row runs (higher-order gradients, compiled mode)
            and whether it works there.
        forward_errors: Points where the row itself raised.
        lang: The language the sentences are written in (``"en"`` or ``"ja"``).
    """

    name: str
    checks: list[PointCheck] = field(default_factory=list)
    diagnoses: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    forward_errors: list[str] = field(default_factory=list)
    lang: str = "en"

    @property
    def passed(self) -> bool:
        """True when every local derivative matched the finite differences."""
        return not self.forward_errors and all(check.agrees for check in self.checks)

    @property
    def worst(self) -> PointCheck | None:
        """The check with the largest disagreement (None if there are none)."""
        if not self.checks:
            return None
        return max(self.checks, key=lambda c: abs(c.yours - c.numerical) / (abs(c.numerical) + _ATOL))

    def __str__(self) -> str:
        lang = self.lang
        lines = [say("opcheck_passed" if self.passed else "opcheck_failed", lang, name=repr(self.name))]
        lines.extend(f"  {error}" for error in self.forward_errors)
        wrong = [c for c in self.checks if not c.agrees]
        shown = wrong[:5] if wrong else self.checks[:3]
        if shown:
            lines.append("  " + "".join([
                pad(say("opcheck_point", lang), 27), pad(say("opcheck_input", lang), 8),
                pad(say("opcheck_yours", lang), 15), pad(say("opcheck_numerical", lang), 15),
                say("opcheck_difference", lang),
            ]))
            for c in shown:
                where = ", ".join(f"{x:.4g}" for x in c.point)
                if c.constant is not None:
                    where += f"; c={c.constant:g}"
                mark = "" if c.agrees else say("opcheck_wrong", lang)
                lines.append(
                    f"  ({where}){' ' * max(1, 26 - len(where))}{c.input_index:<7d} "
                    f"{c.yours:<+14.7g} {c.numerical:<+14.7g} {c.yours - c.numerical:<+12.3g}{mark}"
                )
            if len(wrong) > len(shown):
                lines.append(say("opcheck_more_wrong", lang, count=len(wrong) - len(shown)))
        if self.diagnoses:
            lines.append(say("opcheck_diagnoses", lang))
            lines.extend(f"  * {d}" for d in self.diagnoses)
        if self.notes:
            lines.append(say("opcheck_elsewhere", lang))
            lines.extend(f"  * {n}" for n in self.notes)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= _ATOL + _RTOL * abs(b)


def _arguments(point: Sequence[float], constant: float | None) -> list[float]:
    return [*point, constant] if constant is not None else list(point)


def _numerical(row: Operation, point: Sequence[float], constant: float | None, index: int) -> float:
    """Central difference of the row's forward with respect to input ``index``."""
    h = step_size(point[index])
    ahead, behind = list(point), list(point)
    ahead[index] += h
    behind[index] -= h
    up = row.forward(scalar_math, *_arguments(ahead, constant))
    down = row.forward(scalar_math, *_arguments(behind, constant))
    return (float(up) - float(down)) / (2 * h)


def _points(row: Operation, count: int, seed: int) -> list[list[float]]:
    rng = random.Random(seed)
    points = []
    for _ in range(count):
        point = []
        for low, high in row.domain:
            x = rng.uniform(low, high)
            while any(abs(x - k) <= 0.01 for k in row.kinks):
                x = rng.uniform(low, high)
            point.append(x)
        points.append(point)
    return points


def _diagnose(row: Operation, checks: list[PointCheck], lang: str) -> list[str]:
    """Which usual mistake fits the disagreeing derivatives, in ``lang``."""
    found: list[str] = []
    arity = len(row.domain)
    for index in range(arity):
        mine = [c for c in checks if c.input_index == index]
        wrong = [c for c in mine if not c.agrees]
        if not wrong:
            continue
        label = say("opcheck_label", lang, index=index) if arity > 1 else "dy/dx"
        sample = wrong[0]
        head = say(
            "opcheck_head", lang, label=label, wrong=len(wrong), total=len(mine),
            where=", ".join(f"{x:.4g}" for x in sample.point),
            yours=f"{sample.yours:.6g}", numerical=f"{sample.numerical:.6g}",
        )
        if all(_close(-c.yours, c.numerical) for c in mine):
            found.append(say("opcheck_sign", lang, head=head))
            continue
        if arity == 1 and _swapped_y_and_x_fits(row, mine):
            found.append(say("opcheck_swapped_y_x", lang, head=head))
            continue
        swapped_with = _input_whose_derivative_it_is(checks, mine, index, arity)
        if swapped_with is not None:
            found.append(say("opcheck_order", lang, head=head, other=swapped_with))
            continue
        ratios = [c.numerical / c.yours for c in mine if abs(c.yours) > _ATOL]
        if ratios and max(ratios) - min(ratios) <= 1e-4 * max(1.0, abs(ratios[0])):
            found.append(say("opcheck_factor", lang, head=head, ratio=f"{ratios[0]:.6g}"))
            continue
        if all(_close(c.yours, _output(row, c)) for c in mine):
            found.append(say("opcheck_output", lang, head=head))
            continue
        if len(ratios) > 1:
            found.append(say(
                "opcheck_varying", lang, head=head,
                low=f"{min(ratios):.4g}", high=f"{max(ratios):.4g}",
            ))
        else:
            found.append(say("opcheck_zero", lang, head=head))
    return found


def _input_whose_derivative_it_is(
    checks: list[PointCheck], mine: list[PointCheck], index: int, arity: int
) -> int | None:
    """Another input whose numerical derivative equals these at every point, if any."""
    for other in range(arity):
        if other == index:
            continue
        theirs = {(c.point, c.constant): c for c in checks if c.input_index == other}
        if all(_close(c.yours, theirs[(c.point, c.constant)].numerical) for c in mine):
            return other
    return None


def _output(row: Operation, check: PointCheck) -> float:
    return float(row.forward(scalar_math, *_arguments(check.point, check.constant)))


def _swapped_y_and_x_fits(row: Operation, mine: list[PointCheck]) -> bool:
    """True when local_grads(m, y=x, x=y) gives the numerical derivative everywhere."""
    try:
        for c in mine:
            y = _output(row, c)
            extra = [c.constant] if c.constant is not None else []
            swapped = row.local_grads(scalar_math, c.point[0], y, *extra)[0]
            if not _close(float(swapped), c.numerical):
                return False
    except (ArithmeticError, ValueError, TypeError):
        return False
    return True


def _elsewhere(
    row: Operation, points: list[list[float]], constant: float | None, lang: str
) -> list[str]:
    """Whether the row runs with value_math (higher order) and array_math (compiled), in ``lang``."""
    notes = []
    point = points[0]
    extra = [constant] if constant is not None else []
    floats = [row.local_grads(scalar_math, row.forward(scalar_math, *point, *extra), *point, *extra)
              for point in points[:2]]
    varies = len(floats) > 1 and any(not _close(a, b) for a, b in zip(*floats))
    try:
        leaves = [Value(x) for x in point]
        y = row.forward(scalar_math, *point, *extra)
        node = Value(y)
        nodes = row.local_grads(value_math, node, *leaves, *extra)
        plain = [not isinstance(g, Value) for g in nodes]
        if varies and any(plain):
            notes.append(say("opcheck_higher_plain", lang))
        else:
            notes.append(say("opcheck_higher_fine", lang))
    except Exception as error:  # noqa: BLE001 - any failure here is the learner's to read
        notes.append(say("opcheck_higher_failed", lang, error=f"{type(error).__name__}: {error}"))
    try:
        columns = [np.array([[x, x]]) for x in point]
        y_array = row.forward(array_math, *columns, *extra)
        grads = row.local_grads(array_math, y_array, *columns, *extra)
        if np.shape(y_array) != (1, 2):
            raise TypeError(f"forward gave shape {np.shape(y_array)} for inputs of shape (1, 2)")
        expected = row.forward(scalar_math, *point, *extra)
        if not math.isclose(float(np.asarray(y_array)[0, 0]), float(expected), rel_tol=1e-9, abs_tol=1e-12):
            raise ValueError("forward on arrays differs from forward on floats")
        for g in grads:
            np.broadcast_to(np.asarray(g, dtype=float), (1, 2))
        notes.append(say("opcheck_compiled_fine", lang))
    except Exception as error:  # noqa: BLE001 - any failure here is the learner's to read
        notes.append(
            say("opcheck_compiled_failed", lang, error=f"{type(error).__name__}: {error}")
        )
    return notes


def check_operation(
    operation: object, points: int = 8, seed: int = 0, *, lang: str | None = None
) -> OperationReport:
    """Compare an operation's local derivatives with central differences, and explain.

    Args:
        operation: What :func:`define_operation` returned, an :class:`Operation`
            row, or the name of a row in ``OPERATIONS``.
        points: How many points to draw from the row's domain.
        seed: The seed of the points (the same seed, the same points).
        lang: The language of the report's sentences: ``"en"`` or ``"ja"``
            (日本語); ``None``: the current setting
            (:func:`~autograd_core.languages.get_language`). The numbers are
            the same in every language.

    Returns:
        An :class:`OperationReport`: ``report.passed``, and ``print(report)``
        for the table of disagreements, the likely mistake and whether the row
        also works for higher-order gradients and the compiled mode.

    Raises:
        TypeError: ``operation`` is none of the above.
        KeyError: no row of that name.
        ValueError: ``lang`` is not a known language.
    """
    lang = resolve_language(lang, "check_operation")
    from autograd_core.define import UserOperation
    from autograd_core.ops import OPERATIONS

    if isinstance(operation, UserOperation):
        row = operation.row
    elif isinstance(operation, Operation):
        row = operation
    elif isinstance(operation, str):
        row = OPERATIONS[operation]
    else:
        raise TypeError(
            f"check_operation: expected what define_operation returned (or a row or its "
            f"name), got {type(operation).__name__} {operation!r}."
        )
    report = OperationReport(row.name, lang=lang)
    sample = _points(row, points, seed)
    constants: list[float | None] = list(row.constant_examples) if row.takes_constant else [None]
    for constant in constants:
        for point in sample:
            arguments = _arguments(point, constant)
            try:
                y = row.forward(scalar_math, *arguments)
                yours = row.local_grads(scalar_math, y, *arguments)
                numerical = [_numerical(row, point, constant, i) for i in range(len(point))]
            except (ArithmeticError, ValueError) as error:
                report.forward_errors.append(say(
                    "opcheck_forward_error", lang, point=tuple(round(x, 4) for x in point),
                    error=f"{type(error).__name__}: {error}",
                ))
                continue
            for index, (mine, theirs) in enumerate(zip(yours, numerical)):
                report.checks.append(
                    PointCheck(tuple(point), constant, index, float(mine), float(theirs))
                )
    report.diagnoses = _diagnose(row, report.checks, lang)
    report.notes = _elsewhere(row, sample, constants[0], lang)
    return report
