"""Each notebook's exercise check says 'Correct' for a right answer and names the usual mistakes.

The check cells are run from the committed notebooks, with only the cells they
need (imports and the helpers they call), and fed right and wrong answers.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def cells_by_id(stem: str) -> dict[str, str]:
    """The source of every cell of ``notebooks/<stem>_*.ipynb``, by cell id."""
    (path,) = NOTEBOOKS.glob(f"{stem}_*.ipynb")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return {cell["id"]: "".join(cell["source"]) for cell in cells}


def run_cells(stem: str, *cell_ids: str) -> dict[str, Any]:
    """Run the given cells of a notebook, in order, in one namespace (printing silenced)."""
    import matplotlib

    matplotlib.use("Agg")
    sources = cells_by_id(stem)
    namespace: dict[str, Any] = {"print": lambda *args, **kwargs: None}
    for cell_id in cell_ids:
        exec(sources[cell_id], namespace)  # noqa: S102 - the notebook's own cells
    return namespace


def check_of(stem: str, imports: str, *helpers: str, name: str = "check_exercise") -> Callable[..., str]:
    """The notebook's check function, after its imports, helpers, exercise and check cells."""
    return run_cells(stem, imports, *helpers, f"{stem}-exercise", f"{stem}-check")[name]


def test_01_chain_rule_at_a_new_point() -> None:
    """(12, 6) is right; the other input, a missing factor and a flipped sign get their own hints."""
    check = check_of("01", "6ddb33d6")
    assert check(None).startswith("Not done yet")
    assert check((12, 6)).startswith("Correct")
    assert "*other* input" in check((18, 6))
    assert "one more factor" in check((6, 6))
    assert "signs are off" in check((-12, -6))
    assert "dL/dw = 12 is right" in check((12, 3))
    assert "pair" in check(12)


def test_02_learning_rate_for_one_step() -> None:
    """1/6 lands on the minimum; 0.5, too small, too large and far too large rates are told apart."""
    check = check_of("02", "bda17ed8")
    assert check(None).startswith("Not done yet")
    assert check(1 / 6).startswith("Correct")
    assert "curvature" in check(0.5)
    assert check(0.1).startswith("Too small")
    assert check(0.25).startswith("Too large")
    assert check(0.4).startswith("Far too large")
    assert "positive" in check(-0.1)


def test_03_hidden_deltas() -> None:
    """The recursion is accepted; a missing or wrong activation derivative and a transposed V are named."""
    check = check_of("03", "50ad460e", "f5dbce64")
    assert check(lambda d, V, z: None).startswith("Not done yet")
    assert check(lambda d, V, z: (V @ d) * z * (1 - z)).startswith("Correct")
    assert "left out the sigmoid's derivative" in check(lambda d, V, z: V @ d)
    assert "tanh's derivative" in check(lambda d, V, z: (V @ d) * (1 - z**2))
    assert "Half of the sigmoid's derivative" in check(lambda d, V, z: (V @ d) * z)
    assert "raised ValueError" in check(lambda d, V, z: (V.T @ d) * z * (1 - z))


def test_04_gradient_of_a_mean_loss() -> None:
    """(p - d) / 3 is right; the sum's gradient, a flipped sign and an uncancelled p(1 - p) get hints."""
    check = check_of("04", "74ffafdc")
    s, d = np.array([2.0, -1.0, 0.5]), np.array([1, 0, 0])
    p = 1 / (1 + np.exp(-s))
    assert check(None).startswith("Not done yet")
    assert check(list((p - d) / 3)).startswith("Correct")
    assert "*sum*" in check(p - d)
    assert "sign is flipped" in check((d - p) / 3)
    assert "cancels" in check((p - d) * p * (1 - p) / 3)
    assert "three numbers" in check([1.0, 2.0])


def stable_gradient(logits: np.ndarray, true_class: int) -> np.ndarray:
    y = np.exp(logits - logits.max())
    return y / y.sum() - np.eye(len(logits))[true_class]


def test_05_softmax_cross_entropy_gradient() -> None:
    """y - t with the largest logit subtracted passes; overflow, softmax alone and t - y are explained."""
    check = check_of("05", "4be7b933")

    def naive(logits: np.ndarray, true_class: int) -> np.ndarray:
        y = np.exp(logits) / np.exp(logits).sum()
        return y - np.eye(len(logits))[true_class]

    def softmax_only(logits: np.ndarray, true_class: int) -> np.ndarray:
        return stable_gradient(logits, true_class) + np.eye(len(logits))[true_class]

    assert check(lambda a, k: None).startswith("Not done yet")
    assert check(stable_gradient).startswith("Correct")
    assert "Subtract the largest" in check(naive)
    assert "softmax(a) alone" in check(softmax_only)
    assert "sign is flipped" in check(lambda a, k: -stable_gradient(a, k))


def test_06_sigmoid_chain_by_hand() -> None:
    """The product along the chain passes; the same point k times, the output and the last factor get hints."""
    check = check_of("06", "9d7af827", "06-q1")
    sigmoid = lambda a: 1 / (1 + math.exp(-a))  # noqa: E731

    def by_hand(k: int, x: float) -> float:
        product = 1.0
        for _ in range(k):
            x = sigmoid(x)
            product *= x * (1 - x)
        return product

    def output(k: int, x: float) -> float:
        for _ in range(k):
            x = sigmoid(x)
        return x

    assert check(lambda k, x: None).startswith("Not done yet")
    assert check(by_hand).startswith("Correct")
    assert "k copies" in check(lambda k, x: (sigmoid(x) * (1 - sigmoid(x))) ** k)
    assert "chain's output" in check(output)
    assert "last local derivative" in check(lambda k, x: by_hand(1, output(k - 1, x)))


def test_07_central_difference() -> None:
    """The central difference passes; forward difference, dividing by h and a flipped sign are named."""
    check = check_of("07", "aa54b8c2")
    assert check(lambda f, w, h: None).startswith("Not done yet")
    assert check(lambda f, w, h: (f(w + h) - f(w - h)) / (2 * h)).startswith("Correct")
    assert "forward difference" in check(lambda f, w, h: (f(w + h) - f(w)) / h)
    assert "divide by 2h" in check(lambda f, w, h: (f(w + h) - f(w - h)) / h)
    assert "sign is flipped" in check(lambda f, w, h: (f(w - h) - f(w + h)) / (2 * h))


def test_09_newton_step() -> None:
    """x - f'/f'' passes; a flipped sign, multiplying, root finding on f and f''/f' are explained."""
    namespace = run_cells("09", "965b6748", "09-exercise", "09-check")
    check, grad, value = namespace["check_exercise"], namespace["grad"], namespace["Value"]
    assert check(lambda f, x: None).startswith("Not done yet")
    assert check(lambda f, x: x - grad(f)(x) / grad(grad(f))(x)).startswith("Correct")
    assert "sign is flipped" in check(lambda f, x: x + grad(f)(x) / grad(grad(f))(x))
    assert "instead of multiplying" in check(lambda f, x: x - grad(f)(x) * grad(grad(f))(x))
    assert "zero of f" in check(lambda f, x: x - f(value(x)).data / grad(f)(x))
    assert "Upside down" in check(lambda f, x: x - grad(grad(f))(x) / grad(f)(x))


def test_11_rmsprop_step() -> None:
    """1.9 (up to eps) is right; a plain SGD step and dividing by |g| get their own hints."""
    check = run_cells("11", "99ce5d3b", "516f0b08")["check_rmsprop_step"]
    assert check(None).startswith("Fill in")
    assert check(1.9).startswith("Correct")
    assert "plain SGD step" in check(2.0 - 0.01 * 4.0)
    assert "divided by |g|" in check(2.0 - 0.01)
    assert check(0.0).startswith("Not yet")


def test_14_mse_gradient() -> None:
    """2 (y1 - d1) / K = 1/3 is right; the 1/2-form, a dropped 2 and a missing 1/K are told apart."""
    check = run_cells("14", "e9b9d9f3", "243dfe57")["check_mse_gradient"]
    assert check(None).startswith("Fill in")
    assert check(1 / 3).startswith("Correct")
    assert "1/2-form" in check(0.5)
    assert "dropped the 2" in check(0.5 / 3)
    assert "divide by K = 3" in check(1.0)
    assert check(7.0).startswith("Not yet")


@pytest.mark.parametrize("stem", ["01", "02", "03", "04", "05", "06", "07", "09"])
def test_the_committed_check_cell_printed_not_done(stem: str) -> None:
    """As committed, each exercise is unanswered and its check cell printed what to do first."""
    (path,) = NOTEBOOKS.glob(f"{stem}_*.ipynb")
    cells = {cell["id"]: cell for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]}
    printed = "".join("".join(output.get("text", "")) for output in cells[f"{stem}-check"]["outputs"])
    assert printed.startswith("Not done yet"), printed
