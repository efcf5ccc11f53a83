"""Tests for nn.optim: SGD (with momentum) and Adam against hand-computed steps."""

from __future__ import annotations

import math

import pytest

from autograd_core import Value
from nn import MLP, SGD, Adam, softmax_cross_entropy


def _quadratic_steps(optimizer_factory, steps: int) -> list[float]:  # type: ignore[no-untyped-def]
    """Minimise J = p**2 from p = 1 and return p after each step."""
    p = Value(1.0)
    optimizer = optimizer_factory([p])
    trace = []
    for _ in range(steps):
        optimizer.zero_grad()
        p.square().backward()
        optimizer.step()
        trace.append(p.data)
    return trace


def test_sgd_reproduces_the_articles_worked_step() -> None:
    """One SGD step with lr 0.01 on the seed example: w 9.7, b 0.94, loss 9 -> 2.0736."""
    w, b = Value(10.0), Value(1.0)

    def loss() -> Value:
        return (w * 5.0 + b - 48.0).square()

    optimizer = SGD([w, b], lr=0.01)
    first = loss()
    first.backward()
    optimizer.step()
    assert (first.data, w.data, b.data) == (9.0, pytest.approx(9.7), pytest.approx(0.94))
    assert loss().data == pytest.approx(2.0736, rel=1e-12)


def test_sgd_with_momentum_matches_the_hand_computed_reference() -> None:
    """lr 0.1, mu 0.9 on p**2 from 1: v = 2, 3.4, 3.98 so p = 0.8, 0.46, 0.062."""
    trace = _quadratic_steps(lambda ps: SGD(ps, lr=0.1, momentum=0.9), 3)
    assert trace == pytest.approx([0.8, 0.46, 0.062], rel=1e-12)


def test_adam_matches_the_hand_computed_reference() -> None:
    """lr 0.1 on p**2 from 1: bias-corrected steps give 0.9000000005, 0.80041222869, 0.70158627295."""
    trace = _quadratic_steps(lambda ps: Adam(ps, lr=0.1), 3)
    # Step 1 by hand: m = 0.2, v = 0.004, m_hat = 2, v_hat = 4, p = 1 - 0.1 * 2 / (2 + 1e-8).
    assert trace[0] == 1.0 - 0.1 * 2.0 / (2.0 + 1e-8)
    assert trace == pytest.approx([0.9000000005, 0.8004122286917928, 0.7015862729460303], rel=1e-14)


@pytest.mark.parametrize("kind", ["sgd", "momentum", "adam"])
def test_optimizers_match_pytorch(kind: str) -> None:
    """Ten steps on a small quadratic match torch.optim (float64) to 1e-12."""
    torch = pytest.importorskip("torch")
    start = [1.5, -0.5, 2.0]
    make = {
        "sgd": (lambda ps: SGD(ps, lr=0.05), lambda ps: torch.optim.SGD(ps, lr=0.05)),
        "momentum": (lambda ps: SGD(ps, lr=0.05, momentum=0.8),
                     lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.8)),
        "adam": (lambda ps: Adam(ps, lr=0.05, betas=(0.8, 0.99)),
                 lambda ps: torch.optim.Adam(ps, lr=0.05, betas=(0.8, 0.99))),
    }[kind]
    ours = [Value(x) for x in start]
    theirs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in start]
    opt_ours, opt_theirs = make[0](ours), make[1](theirs)
    for _ in range(10):
        opt_ours.zero_grad()
        Value.sum([(p - 0.3) * (p - 0.3) * (i + 1.0) for i, p in enumerate(ours)]).backward()
        opt_ours.step()
        opt_theirs.zero_grad()
        sum((p - 0.3) * (p - 0.3) * (i + 1.0) for i, p in enumerate(theirs)).backward()
        opt_theirs.step()
    for p, q in zip(ours, theirs):
        assert p.data == pytest.approx(q.item(), rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("make", [lambda m: SGD(m.parameters(), lr=0.1), lambda m: SGD(m, lr=0.1, momentum=0.5),
                                  lambda m: Adam(m.parameters(), lr=0.01)])
def test_one_step_lowers_the_loss(make) -> None:  # type: ignore[no-untyped-def]
    """A single small step against the gradient lowers a network's loss."""
    model = MLP(3, [4, 3], seed=0)
    samples = [([0.5, -1.0, 0.2], 0), ([-0.3, 0.8, 1.1], 2), ([1.0, 0.1, -0.7], 1)]

    def loss() -> Value:
        return Value.sum([softmax_cross_entropy(model(x), t) for x, t in samples])

    optimizer = make(model)
    before = loss()
    before.backward()
    optimizer.step()
    assert loss().data < before.data


def test_zero_grad_clears_the_optimizers_parameters() -> None:
    """optimizer.zero_grad() resets the accumulated gradients of its parameters."""
    p = Value(2.0)
    optimizer = Adam([p])
    p.square().backward()
    assert p.grad == 4.0
    optimizer.zero_grad()
    assert p.grad == 0.0


def test_bad_settings_and_divergence_raise_clear_errors() -> None:
    """Invalid hyper-parameters, no parameters and a non-finite update are refused."""
    with pytest.raises(ValueError, match="lr must be a positive finite number"):
        SGD([Value(1.0)], lr=0.0)
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\)"):
        SGD([Value(1.0)], momentum=1.0)
    with pytest.raises(ValueError, match="beta2"):
        Adam([Value(1.0)], betas=(0.9, 1.5))
    with pytest.raises(ValueError, match="no parameters"):
        Adam([])
    with pytest.raises(TypeError, match="must be Values"):
        SGD([1.0])  # type: ignore[list-item]
    p = Value(1e300)
    optimizer = SGD([p], lr=1e10)
    p.grad = 1e300
    with pytest.raises(FloatingPointError, match="diverged"):
        optimizer.step()
    assert p.data == 1e300 and math.isfinite(p.data)
