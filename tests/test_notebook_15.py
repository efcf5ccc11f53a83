"""Notebook 15's exercise checks say what is right and, for the usual wrong answers, why.

The notebook is committed with the answers left as ``None`` (its outputs show
the hints); here its code runs in one namespace and the check functions get
the answers a learner would type, right and wrong. The Japanese edition gets
the same answers and must give the same diagnoses, in Japanese.
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

import autograd_core

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
EDITIONS = {"en": NOTEBOOKS / "15_matrix_form.ipynb", "ja": NOTEBOOKS / "ja" / "15_matrix_form.ipynb"}

#: What each diagnosis says, in the English wording and in the Japanese edition's.
PHRASES = {
    "Correct": "正解です",
    "Fill in": "を埋めてください",
    "Not yet": "まだです",
    "transpose": "転置",
    "divided by N": "N で割られています",
    "axis=0": "axis=0",
    "add up dU's rows": "dU の行",
    "other numbers": "数が違います",
    "multiply entrywise by tanh's derivative": "成分ごとに掛けます",
    "sigmoid's derivative": "シグモイドの微分",
    "not with u": "u ではなく",
    "which of V and V.T": "V と V.T のどちら",
    "numbers are not": "数が違います",
}


@pytest.fixture(scope="module", params=sorted(EDITIONS))
def notebook(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """The notebook's namespace after running every code cell (figures drawn off screen).

    The Japanese edition switches the language and the plot font; both are
    restored afterwards.
    """
    pytest.importorskip("graphviz", reason="pip install 'autograd-core[viz]'")
    matplotlib = pytest.importorskip("matplotlib", reason="pip install 'autograd-core[notebook]'")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = EDITIONS[request.param]
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    namespace: dict[str, Any] = {"__edition__": request.param}
    language = autograd_core.get_language()
    try:
        with matplotlib.rc_context(), contextlib.redirect_stdout(io.StringIO()):
            for cell in cells:
                if cell["cell_type"] == "code":
                    exec(compile("".join(cell["source"]), str(path), "exec"), namespace)  # noqa: S102
            plt.close("all")
    finally:
        autograd_core.set_language(language)
    yield namespace


def says(notebook: dict[str, Any], text: str, phrase: str) -> bool:
    """Whether a check's message contains ``phrase`` in the edition's language."""
    return (phrase if notebook["__edition__"] == "en" else PHRASES[phrase]) in text


def test_exercise_1_accepts_the_formulas(notebook: dict[str, Any]) -> None:
    """X^T dU and dU summed over axis 0 are right; None gets a hint."""
    check, X, dU = notebook["check_layer_gradients"], notebook["X_data"], notebook["dU"]
    assert says(notebook, check(X.T @ dU, dU.sum(axis=0)), "Correct")
    assert says(notebook, check(None, None), "Fill in")


def test_exercise_1_names_the_usual_slips(notebook: dict[str, Any]) -> None:
    """The transpose, a mean instead of a sum, the wrong axis and a missing sum each get their reason."""
    check, X, dU = notebook["check_layer_gradients"], notebook["X_data"], notebook["dU"]
    right_db = dU.sum(axis=0)
    assert says(notebook, check(dU.T @ X, right_db), "transpose")
    assert says(notebook, check(X.T @ dU / len(X), right_db), "divided by N")
    assert says(notebook, check(X.T @ dU, dU.sum(axis=1)), "axis=0")
    assert says(notebook, check(X.T @ dU, dU), "add up dU's rows")
    assert says(notebook, check(X.T @ dU + 1.0, right_db), "other numbers")
    assert says(notebook, check(X.T @ dU, dU.mean(axis=0)), "divided by N")
    both = check(dU.T @ X, dU.sum(axis=1))
    assert all(says(notebook, both, phrase) for phrase in ("Not yet", "transpose", "axis=0"))
    assert not says(notebook, both, "Correct")


def test_exercise_2_accepts_the_delta_recursion(notebook: dict[str, Any]) -> None:
    """(delta_out V^T) * (1 - Z1**2) is right; None gets a hint."""
    check = notebook["check_delta_hidden"]
    delta_out, V, Z1 = notebook["delta_out"], notebook["V"], notebook["Z1"]
    assert says(notebook, check((delta_out @ V.T) * (1 - Z1**2)), "Correct")
    assert says(notebook, check(None), "Fill in")


def test_exercise_2_explains_a_wrong_derivative_or_shape(notebook: dict[str, Any]) -> None:
    """No activation factor, sigmoid's factor, tanh' written with u, a wrong shape: each is named."""
    check = notebook["check_delta_hidden"]
    delta_out, V, Z1 = notebook["delta_out"], notebook["V"], notebook["Z1"]
    back = delta_out @ V.T
    assert says(notebook, check(back), "multiply entrywise by tanh's derivative")
    assert says(notebook, check(back * Z1 * (1 - Z1)), "sigmoid's derivative")
    U1 = np.arctanh(Z1)
    assert says(notebook, check(back * (1 - U1**2)), "not with u")
    assert says(notebook, check(delta_out), "which of V and V.T")
    assert says(notebook, check(back * (1 - Z1**2) + 0.5), "numbers are not")
