"""Tests for nn.optim: SGD (with momentum), AdaGrad, RMSProp and Adam against hand-computed steps."""

from __future__ import annotations

import math

import pytest

from autograd_core import Value
from nn import MLP, SGD, AdaGrad, Adam, RMSProp, softmax_cross_entropy


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


def test_adagrad_matches_the_hand_computed_reference() -> None:
    """lr 0.1 on p**2 from 1: s = 4, then 4 + 1.8**2 = 7.24, so p = 0.9, then 0.9 - 0.18 / sqrt(7.24)."""
    trace = _quadratic_steps(lambda ps: AdaGrad(ps, lr=0.1), 2)
    # Step 1: g = 2, s = 4, p = 1 - 0.1 * 2 / (2 + 1e-10); step 2: g = 1.8, s = 7.24 (sqrt 2.69072...).
    assert trace[0] == pytest.approx(0.9, rel=1e-10)
    assert trace[1] == pytest.approx(0.9 - 0.1 * 1.8 / 2.690724809414742, rel=1e-10)
    assert trace[1] == pytest.approx(0.83310352684, rel=1e-10)


def test_rmsprop_matches_the_hand_computed_reference() -> None:
    """lr 0.01, alpha 0.99 on p**2 from 1: v = 0.04 then 0.072, so p = 0.9, then 0.9 - 0.018 / sqrt(0.072)."""
    trace = _quadratic_steps(lambda ps: RMSProp(ps, lr=0.01), 2)
    # Step 1: g = 2, v = 0.01 * 4 = 0.04 (sqrt 0.2), p = 1 - 0.01 * 2 / 0.2.
    # Step 2: g = 1.8, v = 0.99 * 0.04 + 0.01 * 3.24 = 0.072 (sqrt 0.26832...).
    assert trace[0] == pytest.approx(0.9, rel=1e-7)
    assert trace[1] == pytest.approx(0.9 - 0.018 / math.sqrt(0.072), rel=1e-7)
    assert trace[1] == pytest.approx(0.83291796797, rel=1e-10)


def test_adagrad_steps_shrink_and_rmsprop_steps_do_not() -> None:
    """With a constant gradient AdaGrad's step falls like 1/sqrt(t); RMSProp's settles at lr."""
    adagrad_p, rmsprop_p = Value(0.0), Value(0.0)
    adagrad, rmsprop = AdaGrad([adagrad_p], lr=1.0), RMSProp([rmsprop_p], lr=1.0, alpha=0.5)
    adagrad_steps, rmsprop_steps = [], []
    for _ in range(20):
        for p, optimizer, steps in ((adagrad_p, adagrad, adagrad_steps), (rmsprop_p, rmsprop, rmsprop_steps)):
            before = p.data
            p.grad = 3.0
            optimizer.step()
            steps.append(before - p.data)
    assert adagrad_steps[-1] == pytest.approx(1.0 / math.sqrt(20), rel=1e-9)
    assert rmsprop_steps[-1] == pytest.approx(1.0, rel=1e-5)


@pytest.mark.parametrize("make", [
    lambda ps: SGD(ps, lr=0.1, weight_decay=0.5),
    lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.5),
    lambda ps: AdaGrad(ps, lr=0.1, weight_decay=0.5),
    lambda ps: RMSProp(ps, lr=0.1, weight_decay=0.5),
    lambda ps: Adam(ps, lr=0.1, weight_decay=0.5),
])
def test_weight_decay_is_the_gradient_of_half_lambda_w_squared(make) -> None:  # type: ignore[no-untyped-def]
    """weight_decay = lambda gives the same steps as adding lambda/2 * w**2 to the loss."""
    decayed, explicit = Value(1.0), Value(1.0)
    with_decay = make([decayed])
    without = type(with_decay)([explicit], **{k: v for k, v in _settings(with_decay).items()})
    for _ in range(3):
        with_decay.zero_grad()
        decayed.square().backward()
        with_decay.step()
        without.zero_grad()
        (explicit.square() + 0.25 * explicit.square()).backward()
        without.step()
    assert decayed.data == pytest.approx(explicit.data, rel=1e-12)
    # By hand for SGD without momentum: g = 2w + 0.5w = 2.5w, so w -> 0.75 w per step.
    if type(with_decay) is SGD and with_decay.momentum == 0.0:
        assert decayed.data == pytest.approx(0.75**3, rel=1e-12)


def _settings(optimizer: object) -> dict[str, object]:
    """The optimizer's hyper-parameters other than weight decay (to rebuild it without decay)."""
    names = ("lr", "momentum", "eps", "alpha", "betas")
    return {name: getattr(optimizer, name) for name in names if hasattr(optimizer, name)}


@pytest.mark.parametrize("kind", ["sgd", "momentum", "adam", "adagrad", "rmsprop", "sgd_decay", "adam_decay",
                                  "adagrad_decay", "rmsprop_decay"])
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
        "adagrad": (lambda ps: AdaGrad(ps, lr=0.2), lambda ps: torch.optim.Adagrad(ps, lr=0.2)),
        "rmsprop": (lambda ps: RMSProp(ps, lr=0.02, alpha=0.9),
                    lambda ps: torch.optim.RMSprop(ps, lr=0.02, alpha=0.9)),
        "sgd_decay": (lambda ps: SGD(ps, lr=0.05, momentum=0.5, weight_decay=0.1),
                      lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.5, weight_decay=0.1)),
        "adam_decay": (lambda ps: Adam(ps, lr=0.05, weight_decay=0.1),
                       lambda ps: torch.optim.Adam(ps, lr=0.05, weight_decay=0.1)),
        "adagrad_decay": (lambda ps: AdaGrad(ps, lr=0.2, weight_decay=0.1),
                          lambda ps: torch.optim.Adagrad(ps, lr=0.2, weight_decay=0.1)),
        "rmsprop_decay": (lambda ps: RMSProp(ps, lr=0.02, weight_decay=0.1),
                          lambda ps: torch.optim.RMSprop(ps, lr=0.02, weight_decay=0.1)),
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
                                  lambda m: Adam(m.parameters(), lr=0.01), lambda m: AdaGrad(m, lr=0.01),
                                  lambda m: RMSProp(m, lr=0.001)])
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
    with pytest.raises(ValueError, match=r"RMSProp: alpha must be in \[0, 1\)"):
        RMSProp([Value(1.0)], alpha=1.0)
    with pytest.raises(ValueError, match="AdaGrad: eps must be a positive"):
        AdaGrad([Value(1.0)], eps=0.0)
    with pytest.raises(ValueError, match="SGD: weight_decay must be a finite number >= 0"):
        SGD([Value(1.0)], weight_decay=-0.1)
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


@pytest.mark.parametrize(
    ("optimizer_class", "state"),
    [(Adam, "second moment"), (RMSProp, "average squared gradient"), (AdaGrad, "sum of squared gradients")],
)
def test_a_squared_gradient_that_overflows_is_refused_not_frozen(optimizer_class, state: str) -> None:  # type: ignore[no-untyped-def]
    """g = 1e200 makes g**2 infinite: the parameter would then never move again; step() raises instead."""
    w = Value(1.0)
    optimizer = optimizer_class([w], lr=0.1)
    w.grad = 1e200
    with pytest.raises(FloatingPointError, match=f"{optimizer_class.__name__}: the {state} of parameter 0 became inf.*1e\\+200.*diverged"):
        optimizer.step()
    assert w.data == 1.0, "the parameter is left as it was"
