"""Checked torch math: the table's functions on PyTorch tensors (the torch backend).

The torch twin of :mod:`autograd_core.array_math`: the same public functions
(``div, pow, powv, exp, log, tanh, sigmoid, relu, step, softplus,
logsumexp`` ...), each taking and returning ``torch.Tensor`` s, so that the rows
of the operation table (:mod:`autograd_core.ops`) run on PyTorch, on the CPU
or on a CUDA device, with ``m = torch_math``. The formulas stay written once,
in the table; this module only says what ``m.exp``, ``m.log`` ... mean for a
tensor. Exact formulas follow the array namespace (sigmoid and softplus use the
same branches), so in float64 the results agree with NumPy to the last bit or
two.

The same convention as the array namespace: the last axis runs over the
samples of a batch. The same errors too: a domain problem (log of x <= 0,
division by zero, exp above 709.78, ...) is detected on the tensor and then
reported by the array namespace's own check on a NumPy copy, so the message,
which names the operation, the offending value and its sample, is written only
once (in :mod:`autograd_core.array_math`).

Importing this module imports ``torch``; nothing in the default import path
of ``autograd_core`` does. Install it with ``pip install torch`` (or the
project's ``torch`` extra).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NoReturn, TypeAlias

import numpy as np
import torch

from autograd_core import array_math
from autograd_core.scalar_math import EXP_MAX_INPUT

Tensor: TypeAlias = torch.Tensor
TensorLike: TypeAlias = "torch.Tensor | float"

__all__ = [
    "EXP_MAX_INPUT",
    "cos",
    "div",
    "exp",
    "expm1",
    "heaviside",
    "log",
    "log1p",
    "logsumexp",
    "maximum",
    "minimum",
    "pow",
    "powv",
    "relu",
    "sigmoid",
    "sign",
    "sin",
    "softplus",
    "sqrt",
    "step",
    "tanh",
    "xlogy",
]


def _numpy(x: TensorLike) -> Any:
    """A NumPy copy of a tensor (or the float itself), for the array namespace's messages."""
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x, dtype=float)


def _refuse(check: Callable[..., Any], *inputs: TensorLike) -> NoReturn:
    """Raise the array namespace's error for inputs a torch-side test found bad.

    ``check`` is the array namespace's function of the same name; run on NumPy
    copies of the same inputs it raises the error with the offending value and
    its sample. It always raises, since it tests the very same condition.
    """
    check(*(_numpy(x) for x in inputs))
    raise RuntimeError(  # pragma: no cover - the two namespaces test the same condition
        f"torch_math: {check.__name__} found a bad input on torch but not on NumPy; "
        "the two namespaces' checks disagree."
    )


def _tensor(x: TensorLike, like: TensorLike | None = None) -> Tensor:
    """``x`` as a float64 tensor (on the device of ``like`` when ``x`` is a plain number)."""
    if isinstance(x, torch.Tensor):
        return x
    device = like.device if isinstance(like, torch.Tensor) else None
    return torch.as_tensor(x, dtype=torch.float64, device=device)


def div(a: TensorLike, b: TensorLike) -> Tensor:
    """a / b elementwise, refusing b = 0 with a readable message.

    Raises:
        ZeroDivisionError: some element of ``b`` is 0 (names the sample).
    """
    denominator = _tensor(b, a)
    if bool(torch.eq(denominator, 0.0).any()):
        _refuse(array_math.div, a, b)
    return torch.div(_tensor(a, b), denominator)


def pow(x: TensorLike, c: TensorLike) -> Tensor:  # noqa: A001 - the table's own name for x ** c
    """x ** c elementwise for a fixed number (or tensor) ``c``.

    Raises:
        ZeroDivisionError: 0 to a negative power.
        DomainError: a negative base with a non-integer exponent.
        OverflowError: the result does not fit in a float.
    """
    base = _tensor(x, c)
    exponent = _tensor(c, base)
    zero_to_negative = (base == 0.0) & (exponent < 0.0)
    no_real_value = (base < 0.0) & (exponent != torch.trunc(exponent))
    if bool((zero_to_negative | no_real_value).any()):
        _refuse(array_math.pow, x, c)
    result = torch.pow(base, exponent)
    if bool(torch.isinf(result).any()):
        _refuse(array_math.pow, x, c)
    return result


def powv(a: TensorLike, b: TensorLike) -> Tensor:
    """a ** b where the exponent varies too: needs a > 0, or a = 0 with b >= 1.

    Raises:
        DomainError: some base is < 0, or 0 with an exponent below 1.
        OverflowError: the result does not fit in a float.
    """
    base, exponent = _tensor(a, b), _tensor(b, a)
    if bool((torch.lt(base, 0.0) | (torch.eq(base, 0.0) & torch.lt(exponent, 1.0))).any()):
        _refuse(array_math.powv, a, b)
    return pow(a, b)


def xlogy(y: TensorLike, a: TensorLike) -> Tensor:
    """y * ln(a) elementwise, 0 where y = 0 (powv's dy/db at a zero base)."""
    output, base = _tensor(y, a), _tensor(a, y)
    safe = torch.where(base > 0.0, base, 1.0)
    return torch.where(output == 0.0, 0.0, output * torch.log(safe))


def exp(x: TensorLike) -> Tensor:
    """e ** x elementwise, refusing inputs whose result does not fit in a float.

    Raises:
        OverflowError: some element is above ln(max float) ~ 709.78.
    """
    tensor = _tensor(x)
    if bool(torch.gt(tensor, EXP_MAX_INPUT).any()):
        _refuse(array_math.exp, x)
    return torch.exp(tensor)


def log(x: TensorLike) -> Tensor:
    """Natural logarithm elementwise, defined only for x > 0.

    Raises:
        DomainError: some element is <= 0.
    """
    tensor = _tensor(x)
    if bool(torch.le(tensor, 0.0).any()):
        _refuse(array_math.log, x)
    return torch.log(tensor)


def tanh(x: TensorLike) -> Tensor:
    """Hyperbolic tangent elementwise; never overflows."""
    return torch.tanh(_tensor(x))


def sigmoid(x: TensorLike) -> Tensor:
    """1 / (1 + e^-x) elementwise, without overflow for any x.

    The same two branches as the other namespaces: 1 / (1 + e^-x) for x >= 0
    and e^x / (1 + e^x) for x < 0; both read e = e^-|x|, which is at most 1.
    """
    tensor = _tensor(x)
    e = torch.exp(-torch.abs(tensor))
    return torch.where(tensor >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


def relu(x: TensorLike) -> Tensor:
    """max(x, 0) elementwise (0 where x = 0)."""
    tensor = _tensor(x)
    return torch.where(tensor > 0.0, tensor, 0.0)


def step(x: TensorLike) -> Tensor:
    """The unit step elementwise: 1 where x > 0, else 0 (relu's derivative)."""
    tensor = _tensor(x)
    return (tensor > 0.0).to(tensor.dtype)


def softplus(x: TensorLike) -> Tensor:
    """ln(1 + e^x) elementwise, without overflow: max(x, 0) + ln(1 + e^-|x|)."""
    tensor = _tensor(x)
    return torch.where(tensor > 0.0, tensor, 0.0) + torch.log1p(torch.exp(-torch.abs(tensor)))


def logsumexp(xs: Sequence[TensorLike]) -> Tensor:
    """ln(e^x1 + ... + e^xn) elementwise over a sequence of tensors, without overflow.

    The largest input is subtracted first, so every exponential is at most 1:
    ln sum_i e^xi = peak + ln sum_i e^(xi - peak).

    Raises:
        ValueError: ``xs`` is empty.
    """
    if len(xs) == 0:
        raise ValueError("logsumexp: needs at least one input, got an empty sequence.")
    tensors = [_tensor(x) for x in xs]
    peak = tensors[0]
    for x in tensors[1:]:
        peak = torch.maximum(peak, x)
    total = torch.exp(tensors[0] - peak)
    for x in tensors[1:]:
        total = total + torch.exp(x - peak)
    return peak + torch.log(total)


def sin(x: TensorLike) -> Tensor:
    """Sine elementwise (radians)."""
    return torch.sin(_tensor(x))


def cos(x: TensorLike) -> Tensor:
    """Cosine elementwise (radians)."""
    return torch.cos(_tensor(x))


def sqrt(x: TensorLike) -> Tensor:
    """Square root elementwise, for x > 0 (at 0 the derivative is infinite).

    Raises:
        DomainError: some element is <= 0.
    """
    tensor = _tensor(x)
    if bool(torch.le(tensor, 0.0).any()):
        _refuse(array_math.sqrt, x)
    return torch.sqrt(tensor)


def sign(x: TensorLike) -> Tensor:
    """-1, 0 or 1 elementwise (abs's derivative, 0 at 0)."""
    return torch.sign(_tensor(x))


def heaviside(x: TensorLike) -> Tensor:
    """The unit step with H(0) = 1/2 elementwise (maximum's derivative at a tie)."""
    tensor = _tensor(x)
    return torch.heaviside(tensor, torch.tensor(0.5, dtype=tensor.dtype, device=tensor.device))


def maximum(a: TensorLike, b: TensorLike) -> Tensor:
    """The larger of a and b elementwise."""
    return torch.maximum(_tensor(a, b), _tensor(b, a))


def minimum(a: TensorLike, b: TensorLike) -> Tensor:
    """The smaller of a and b elementwise."""
    return torch.minimum(_tensor(a, b), _tensor(b, a))


def log1p(x: TensorLike) -> Tensor:
    """ln(1 + x) elementwise, for x > -1.

    Raises:
        DomainError: some element is <= -1.
    """
    tensor = _tensor(x)
    if bool(torch.le(tensor, -1.0).any()):
        _refuse(array_math.log1p, x)
    return torch.log1p(tensor)


def expm1(x: TensorLike) -> Tensor:
    """e ** x - 1 elementwise.

    Raises:
        OverflowError: some element is above ln(max float) ~ 709.78.
    """
    tensor = _tensor(x)
    if bool(torch.gt(tensor, EXP_MAX_INPUT).any()):
        _refuse(array_math.expm1, x)
    return torch.expm1(tensor)
