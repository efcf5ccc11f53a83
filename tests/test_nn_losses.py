"""Tests for nn.losses: SEEDS.md section 5 gradients, fused vs composed softmax cross-entropy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_core import DomainError, Value, gradcheck
from nn import (
    MLP,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    mean_squared_error,
    one_hot,
    softmax,
    softmax_cross_entropy,
    softmax_cross_entropy_composed,
    squared_error,
)

logit = st.floats(-30.0, 30.0)


def _values(numbers: list[float]) -> list[Value]:
    return [Value(x) for x in numbers]


def _softmax(a: np.ndarray) -> np.ndarray:
    e = np.exp(a - a.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# ----- SEEDS.md section 5: the explicit two-layer gradients ---------------------------------
@pytest.mark.parametrize("loss", [softmax_cross_entropy, softmax_cross_entropy_composed])
def test_two_layer_network_matches_the_explicit_gradients(loss) -> None:  # type: ignore[no-untyped-def]
    """Sigmoid hidden layer, softmax output, cross-entropy: every weight's grad equals SEEDS.md 5 to 1e-10."""
    rng = np.random.default_rng(2024)
    N, D, M, K = 6, 3, 4, 3
    X = rng.normal(size=(N, D))
    T = np.eye(K)[rng.integers(0, K, size=N)]
    model = MLP(D, [M, K], activation="sigmoid", output_activation=None, seed=11)
    for layer in model.layers:  # random biases too, so b and c are exercised
        for neuron in layer.neurons:
            neuron.bias.data = float(rng.normal())
    hidden, output = model.layers
    W = np.array([[hidden.neurons[m].weights[d].data for m in range(M)] for d in range(D)])
    b = np.array([n.bias.data for n in hidden.neurons])
    V = np.array([[output.neurons[k].weights[m].data for k in range(K)] for m in range(M)])
    c = np.array([n.bias.data for n in output.neurons])

    J = Value.sum([loss(model(X[n]), T[n]) for n in range(N)])
    J.backward()

    Z = 1.0 / (1.0 + np.exp(-(X @ W + b)))
    Y = _softmax(Z @ V + c)
    assert J.data == pytest.approx(-np.sum(T * np.log(Y)), rel=1e-12)
    delta = Y - T  # output delta: y - t
    dV = Z.T @ delta  # dJ/dV[m,k] = sum_n (Y - T)[n,k] Z[n,m]
    dc = delta.sum(axis=0)
    hidden_delta = (delta @ V.T) * Z * (1.0 - Z)
    dW = X.T @ hidden_delta  # dJ/dW[d,m] = sum_n sum_k (Y-T)[n,k] V[m,k] Z(1-Z)[n,m] X[n,d]
    db = hidden_delta.sum(axis=0)

    got_W = np.array([[hidden.neurons[m].weights[d].grad for m in range(M)] for d in range(D)])
    got_b = np.array([n.bias.grad for n in hidden.neurons])
    got_V = np.array([[output.neurons[k].weights[m].grad for k in range(K)] for m in range(M)])
    got_c = np.array([n.bias.grad for n in output.neurons])
    for got, expected in ((got_W, dW), (got_b, db), (got_V, dV), (got_c, dc)):
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-10)


# ----- fused and composed softmax cross-entropy ---------------------------------------------
@settings(max_examples=60, deadline=None)
@given(st.lists(logit, min_size=2, max_size=6), st.data())
def test_fused_and_composed_agree_and_the_logit_gradient_is_y_minus_t(logits, data) -> None:  # type: ignore[no-untyped-def]
    """Same loss and same logit gradients; for one-hot targets dJ/da_k = y_k - t_k."""
    K = len(logits)
    target = one_hot(data.draw(st.integers(0, K - 1)), K)
    fused_inputs, composed_inputs = _values(logits), _values(logits)
    fused = softmax_cross_entropy(fused_inputs, target)
    composed = softmax_cross_entropy_composed(composed_inputs, target)
    fused.backward()
    composed.backward()
    assert fused.op == "softmax_cross_entropy" and len(fused.parents) == 2 * K
    assert fused.data == pytest.approx(composed.data, rel=1e-12, abs=1e-12)
    y = _softmax(np.array(logits))
    for a_fused, a_composed, y_k, t_k in zip(fused_inputs, composed_inputs, y, target):
        assert a_fused.grad == pytest.approx(y_k - t_k, rel=1e-12, abs=1e-14)
        assert a_composed.grad == pytest.approx(y_k - t_k, rel=1e-9, abs=1e-12)
        assert a_fused.local_grads == () and fused.local_grads[:K] == tuple(
            a.grad for a in fused_inputs
        )


@settings(max_examples=40, deadline=None)
@given(st.lists(logit, min_size=2, max_size=5), st.data())
def test_soft_targets_follow_the_general_rule(logits, data) -> None:  # type: ignore[no-untyped-def]
    """For any targets, dJ/da_k = y_k * sum(t) - t_k and dJ/dt_k = -ln y_k (the row's local derivatives)."""
    targets = data.draw(st.lists(st.floats(0.0, 1.0), min_size=len(logits), max_size=len(logits)))
    inputs = _values(logits)
    fused = softmax_cross_entropy(inputs, targets)
    fused.backward()
    y = _softmax(np.array(logits))
    log_y = np.array(logits) - (max(logits) + math.log(np.exp(np.array(logits) - max(logits)).sum()))
    for a, y_k, t_k in zip(inputs, y, targets):
        assert a.grad == pytest.approx(y_k * sum(targets) - t_k, rel=1e-9, abs=1e-12)
    target_grads = fused.local_grads[len(logits):]
    np.testing.assert_allclose(target_grads, -log_y, rtol=1e-12, atol=1e-12)
    composed = softmax_cross_entropy_composed(_values(logits), targets)
    assert composed.data == pytest.approx(fused.data, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("target", [0, 1])
@pytest.mark.parametrize("loss", [softmax_cross_entropy, softmax_cross_entropy_composed])
def test_huge_logits_neither_overflow_nor_lose_the_loss(loss, target: int) -> None:  # type: ignore[no-untyped-def]
    """Logits 1000 and -1000 give J = 0 or 2000 and gradients +-1, with no overflow."""
    logits = _values([1000.0, -1000.0])
    J = loss(logits, target)
    J.backward()
    assert J.data == (0.0 if target == 0 else 2000.0)
    expected = [0.0, 0.0] if target == 0 else [1.0, -1.0]
    assert [a.grad for a in logits] == expected


def test_textbook_graph_softmax_then_cross_entropy_matches_the_fused_node() -> None:
    """cross_entropy(softmax(a), t), the full exp/sum/div/log graph, agrees with the fused node."""
    a1, a2 = _values([0.3, -1.2, 2.0]), _values([0.3, -1.2, 2.0])
    textbook = cross_entropy(softmax(a1), 2)
    fused = softmax_cross_entropy(a2, 2)
    textbook.backward()
    fused.backward()
    assert textbook.data == pytest.approx(fused.data, rel=1e-14)
    for p, q in zip(a1, a2):
        assert p.grad == pytest.approx(q.grad, rel=1e-12, abs=1e-15)
    ops = {node.op for y in softmax(_values([1.0, 2.0])) for node in (y, *y.parents)}
    assert {"div", "exp", "sum"} <= ops


def test_softmax_is_stable_and_sums_to_one() -> None:
    """softmax of huge logits stays finite, sums to 1, and the max is a constant, not a node."""
    y = softmax(_values([1000.0, 999.0, -1000.0]))
    assert sum(v.data for v in y) == pytest.approx(1.0, rel=1e-15)
    assert y[0].data == pytest.approx(1.0 / (1.0 + math.exp(-1.0)), rel=1e-14)
    assert y[2].data == 0.0


def test_cross_entropy_of_an_underflowed_probability_says_what_to_use() -> None:
    """ln 0 in the textbook form raises a DomainError pointing to the fused loss."""
    with pytest.raises(DomainError, match="fused stable loss"):
        cross_entropy(softmax(_values([1000.0, -1000.0])), 1)


# ----- squared error, binary cross-entropy --------------------------------------------------
def test_squared_error_is_the_articles_half_sum_and_mse_divides_by_k() -> None:
    """E = 1/2 sum (y - d)**2 with dE/dy = y - d; MSE = sum / K."""
    y = _values([1.0, 3.0])
    E = squared_error(y, [0.0, 1.0])
    E.backward()
    assert E.data == 0.5 * (1.0 + 4.0)
    assert [v.grad for v in y] == [1.0, 2.0]
    assert mean_squared_error(_values([1.0, 3.0]), [0.0, 1.0]).data == 2.5
    assert squared_error(_values([2.0]), 5.0).data == 4.5  # one output, one number


@settings(max_examples=60, deadline=None)
@given(z=st.floats(-10.0, 10.0), d=st.sampled_from([0.0, 1.0, 0.25]))
def test_binary_cross_entropy_forms_agree(z: float, d: float) -> None:
    """From probabilities sigmoid(z) and from the logit z: same loss, dE/dz = sigmoid(z) - d.

    |z| <= 10: beyond, 1 - sigmoid(z) cancels and the probability form loses digits
    (the reason the logit form exists; see the huge-logit test below).
    """
    z1, z2 = Value(z), Value(z)
    composed = binary_cross_entropy([z1.sigmoid()], d)
    fused = binary_cross_entropy_with_logits([z2], d)
    composed.backward()
    fused.backward()
    assert fused.data == pytest.approx(composed.data, rel=1e-8, abs=1e-12)
    sigmoid = 1.0 / (1.0 + math.exp(-z))
    assert z2.grad == pytest.approx(sigmoid - d, rel=1e-12, abs=1e-15)
    assert z1.grad == pytest.approx(sigmoid - d, rel=1e-7, abs=1e-12)


def test_binary_cross_entropy_from_logits_is_stable_for_huge_logits() -> None:
    """z = +-1000 gives the exact losses 0 and 1000 and gradients 0 and +-1."""
    for z, d, loss, grad in [(1000.0, 1.0, 0.0, 0.0), (1000.0, 0.0, 1000.0, 1.0), (-1000.0, 1.0, 1000.0, -1.0)]:
        v = Value(z)
        E = binary_cross_entropy_with_logits([v], d)
        E.backward()
        assert (E.data, v.grad) == (loss, grad)
    with pytest.raises(DomainError):  # the probability form cannot: 1 - sigmoid(1000) == 0
        binary_cross_entropy([Value(1000.0).sigmoid()], 0.0)


def test_loss_gradients_match_finite_differences() -> None:
    """Every loss's gradient towards its outputs equals central differences."""
    losses = [squared_error, mean_squared_error, softmax_cross_entropy,
              softmax_cross_entropy_composed, binary_cross_entropy_with_logits]
    for loss in losses:
        outputs = _values([0.4, -0.9, 1.3])
        gradcheck(lambda *v, loss=loss: loss(list(v), [0.2, 0.0, 0.8]), outputs)
    probabilities = _values([0.3, 0.6])
    gradcheck(lambda *p: binary_cross_entropy(list(p), [0.25, 1.0]), probabilities)
    gradcheck(lambda *p: cross_entropy(list(p), [0.5, 0.5]), probabilities)


# ----- targets ------------------------------------------------------------------------------
def test_targets_accept_class_indices_and_refuse_mismatches() -> None:
    """An int is a class index for K > 1; wrong counts and out-of-range labels raise clearly."""
    assert one_hot(2, 4) == [0.0, 0.0, 1.0, 0.0]
    assert softmax_cross_entropy(_values([1.0, 2.0]), 1).data == pytest.approx(
        softmax_cross_entropy(_values([1.0, 2.0]), [0.0, 1.0]).data
    )
    assert squared_error(_values([1.0, 2.0]), np.int64(0)).data == 0.5 * (0.0 + 4.0)
    with pytest.raises(ValueError, match="class label 3 is outside 0..1"):
        softmax_cross_entropy(_values([1.0, 2.0]), 3)
    with pytest.raises(ValueError, match="3 targets for 2 outputs"):
        squared_error(_values([1.0, 2.0]), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="single target 0.5 for 2 outputs"):
        squared_error(_values([1.0, 2.0]), 0.5)
    with pytest.raises(ValueError, match="got no outputs"):
        softmax_cross_entropy([], [])


@pytest.mark.parametrize("name", ["softmax_cross_entropy", "softmax_cross_entropy_composed"])
def test_softmax_cross_entropy_on_one_output_is_refused(name: str) -> None:
    """With one logit softmax is 1 for every input: the loss would be identically 0, so it is refused."""
    import nn

    loss = getattr(nn, name)
    with pytest.raises(ValueError, match=f"{name}: got 1 output.*binary_cross_entropy_with_logits"):
        loss([Value(3.0)], 0)
