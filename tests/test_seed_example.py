"""The worked example of the source articles (SEEDS.md sections 1 and 2), number by number."""

from __future__ import annotations

import pytest

from autograd_core import Value, no_grad


def seed_graph() -> dict[str, Value]:
    """I = w*x, M = I + b, D = M - yc, L = D**2 with the articles' numbers."""
    w, x, b, yc = Value(10.0, "w"), Value(5.0, "x"), Value(1.0, "b"), Value(48.0, "yc")
    product = w * x
    shifted = product + b
    difference = shifted - yc
    loss = difference.square()
    return {"w": w, "x": x, "b": b, "yc": yc, "I": product, "M": shifted, "D": difference, "L": loss}


def test_forward_values() -> None:
    """The forward pass gives I = 50, M = 51, D = 3, L = 9."""
    g = seed_graph()
    assert [g[k].data for k in "IMDL"] == [50.0, 51.0, 3.0, 9.0]


def test_gradients_of_every_leaf() -> None:
    """Backprop gives dL/dw = 30, dL/db = 6, dL/dx = 60, dL/dyc = -6 exactly."""
    g = seed_graph()
    g["L"].backward()
    assert (g["w"].grad, g["b"].grad, g["x"].grad, g["yc"].grad) == (30.0, 6.0, 60.0, -6.0)


def test_local_derivatives_along_the_path_to_w() -> None:
    """dL/dD = 6, dD/dM = 1, dM/dI = 1, dI/dw = 5, stored at forward time, multiply to 30."""
    g = seed_graph()
    path = (g["L"].local_grads[0], g["D"].local_grads[0], g["M"].local_grads[0], g["I"].local_grads[0])
    assert path == (6.0, 1.0, 1.0, 5.0)
    assert path[0] * path[1] * path[2] * path[3] == 30.0
    assert g["I"].local_grads == (5.0, 10.0)  # multiply: the *other* input
    assert g["D"].local_grads == (1.0, -1.0)  # subtract passes +1 and -1


def test_closed_form_gradient() -> None:
    """The engine agrees with the closed form dL/dw = 2x((wx + b) - yc)."""
    g = seed_graph()
    g["L"].backward()
    w, x, b, yc = (g[k].data for k in ("w", "x", "b", "yc"))
    assert g["w"].grad == 2 * x * ((w * x + b) - yc)


def test_one_sgd_step() -> None:
    """One SGD step with learning rate 0.01 gives w = 9.7, b = 0.94 and loss 2.0736."""
    g = seed_graph()
    g["L"].backward()
    with no_grad():
        g["w"].data -= 0.01 * g["w"].grad
        g["b"].data -= 0.01 * g["b"].grad
    assert g["w"].data == pytest.approx(9.7, abs=1e-15)
    assert g["b"].data == pytest.approx(0.94, abs=1e-15)
    new_loss = (g["w"] * g["x"] + g["b"] - g["yc"]).square()
    assert new_loss.data == pytest.approx(2.0736, abs=1e-12)
    assert new_loss.data < g["L"].data


def test_gradient_descent_finds_the_minimum_of_x_squared_plus_x() -> None:
    """Gradient descent on J = x**2 + x (dJ/dx = 2x + 1) converges to x = -1/2."""
    x = Value(3.0, "x")
    for _ in range(200):
        J = x.square() + x
        x.grad = 0.0
        J.backward()
        assert x.grad == pytest.approx(2 * x.data + 1)
        x.data -= 0.1 * x.grad
    assert x.data == pytest.approx(-0.5, abs=1e-12)


def test_too_large_a_step_diverges_and_too_small_is_slow() -> None:
    """With J = x**2 + x, a step of 1.1 moves away from -1/2 while 0.001 barely moves."""

    def descend(learning_rate: float, steps: int) -> float:
        x = Value(3.0)
        for _ in range(steps):
            x.grad = 0.0
            (x.square() + x).backward()
            x.data -= learning_rate * x.grad
        return abs(x.data + 0.5)

    assert descend(1.1, 20) > 3.5  # started 3.5 away; every step multiplies the gap by -1.2
    assert descend(0.001, 20) > 3.3  # after 20 tiny steps still far away
    assert descend(0.4, 20) < 1e-10
