"""Notebook 15's exercise checks say what is right and, for the usual wrong answers, why.

The notebook is committed with the answers left as ``None`` (its outputs show
the hints); here its code runs in one namespace and the check functions get
the answers a learner would type, right and wrong.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "15_matrix_form.ipynb"


@pytest.fixture(scope="module")
def notebook() -> Iterator[dict[str, Any]]:
    """The notebook's namespace after running every code cell (figures drawn off screen)."""
    pytest.importorskip("graphviz", reason="pip install 'autograd-core[viz]'")
    matplotlib = pytest.importorskip("matplotlib", reason="pip install 'autograd-core[notebook]'")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    namespace: dict[str, Any] = {}
    with contextlib.redirect_stdout(io.StringIO()):
        for cell in cells:
            if cell["cell_type"] == "code":
                exec(compile("".join(cell["source"]), str(NOTEBOOK), "exec"), namespace)  # noqa: S102
    plt.close("all")
    yield namespace


def test_exercise_1_accepts_the_formulas(notebook: dict[str, Any]) -> None:
    """X^T dU and dU summed over axis 0 are right; None gets a hint."""
    check, X, dU = notebook["check_layer_gradients"], notebook["X_data"], notebook["dU"]
    assert check(X.T @ dU, dU.sum(axis=0)).startswith("Correct")
    assert check(None, None).startswith("Fill in")


def test_exercise_1_names_the_usual_slips(notebook: dict[str, Any]) -> None:
    """The transpose, a mean instead of a sum, the wrong axis and a missing sum each get their reason."""
    check, X, dU = notebook["check_layer_gradients"], notebook["X_data"], notebook["dU"]
    right_db = dU.sum(axis=0)
    assert "transpose" in check(dU.T @ X, right_db)
    assert "divided by N" in check(X.T @ dU / len(X), right_db)
    assert "axis=0" in check(X.T @ dU, dU.sum(axis=1))
    assert "add up dU's rows" in check(X.T @ dU, dU)
    assert "other numbers" in check(X.T @ dU + 1.0, right_db)
    assert "divided by N" in check(X.T @ dU, dU.mean(axis=0))
    both = check(dU.T @ X, dU.sum(axis=1))
    assert both.startswith("Not yet") and "transpose" in both and "axis=0" in both


def test_exercise_2_accepts_the_delta_recursion(notebook: dict[str, Any]) -> None:
    """(delta_out V^T) * (1 - Z1**2) is right; None gets a hint."""
    check = notebook["check_delta_hidden"]
    delta_out, V, Z1 = notebook["delta_out"], notebook["V"], notebook["Z1"]
    assert check((delta_out @ V.T) * (1 - Z1**2)).startswith("Correct")
    assert check(None).startswith("Fill in")


def test_exercise_2_explains_a_wrong_derivative_or_shape(notebook: dict[str, Any]) -> None:
    """No activation factor, sigmoid's factor, tanh' written with u, a wrong shape: each is named."""
    check = notebook["check_delta_hidden"]
    delta_out, V, Z1 = notebook["delta_out"], notebook["V"], notebook["Z1"]
    back = delta_out @ V.T
    assert "multiply entrywise by tanh's derivative" in check(back)
    assert "sigmoid's derivative" in check(back * Z1 * (1 - Z1))
    U1 = np.arctanh(Z1)
    assert "not with u" in check(back * (1 - U1**2))
    assert "which of V and V.T" in check(delta_out)
    assert "numbers are not" in check(back * (1 - Z1**2) + 0.5)
