"""Notebook 13's exercise checks say what is right and, for the usual wrong answers, why.

The notebook is committed with the answers left as ``None`` (its outputs show
the hints); here its imports and the two exercise cells run in one namespace
and the check functions get right and wrong answers, as a learner would type
them. The training cells are not run (they are covered by executing the
notebook).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "13_overfitting_and_regularisation.ipynb"


@pytest.fixture(scope="module")
def checks() -> dict[str, Any]:
    """The namespace after the imports cell and the cells that define the checks."""
    pytest.importorskip("matplotlib", reason='pip install "autograd-core[notebook]"')
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    sources = ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]
    namespace: dict[str, Any] = {}
    exec(compile(sources[0], str(NOTEBOOK), "exec"), namespace)  # noqa: S102 - the notebook's imports
    for source in sources:
        if "def check_" in source:
            exec(compile(source, str(NOTEBOOK), "exec"), namespace)  # noqa: S102 - our own notebook
    return namespace


def test_the_notebook_is_committed_with_the_answers_open(checks: dict[str, Any]) -> None:
    """The exercise cells leave my_w and my_kept as None, so the committed output is the hint."""
    assert checks["my_w"] is None and checks["my_kept"] is None


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (None, "Fill in my_w"),
        (1.49, "Correct: w = 1.5 - 0.1 * (-0.2 + 0.2 * 1.5) = 1.49"),
        (1.52, "the step without weight decay"),
        (1.55, "wrong sign"),
        (1.46, "gradient of lambda/2 * w**2"),
        (1.47, "left out the loss's gradient"),
        (1.0, "Not yet: 1.0 is not 1.49"),
    ],
)
def test_weight_decay_step_check(checks: dict[str, Any], answer: float | None, said: str) -> None:
    """1.49 is right; no decay, the wrong sign, 2 lambda and a forgotten g each get their own message."""
    assert said in checks["check_weight_decay_step"](answer)


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (None, "Fill in my_kept"),
        (4.0, "Correct: 3.0 / (1 - 0.25) = 4"),
        (3.0, "Without the scale"),
        (2.25, "multiplies by 1 - p"),
        (12.0, "divides by p"),
        (5.0, "Not yet: 5.0 is not 4"),
    ],
)
def test_dropout_scale_check(checks: dict[str, Any], answer: float | None, said: str) -> None:
    """The right scale 1 / (1 - p) is confirmed; no scale, 1 - p and 1 / p are explained."""
    assert said in checks["check_dropout_scale"](answer)
