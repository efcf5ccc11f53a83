"""Notebook 08's exercise check accepts the right answer and explains the usual mistakes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "08_handwritten_digits.ipynb"


def check_function() -> Any:
    """The notebook's check cell, run on a made-up confusion matrix."""
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    sources = ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]
    check_cell = next(source for source in sources if source.startswith("def check_exercise"))
    exercise_cell = next(source for source in sources if source.startswith("def accuracy_per_digit"))
    rng = np.random.default_rng(0)
    confusion = rng.integers(0, 5, size=(10, 10)) + np.diag(rng.integers(50, 100, size=10))
    namespace: dict[str, Any] = {"np": np, "confusion": confusion, "print": lambda *args: None}
    exec(exercise_cell, namespace)  # noqa: S102 - the notebook's own cells
    exec(check_cell, namespace)  # noqa: S102
    return namespace["check_exercise"], namespace["accuracy_per_digit"], confusion


def test_the_check_cell_guides_towards_the_answer() -> None:
    """None: not done yet; column sums and raw counts get their own hints; the right rows say Correct."""
    check, placeholder, confusion = check_function()
    assert check(placeholder).startswith("Not done yet")
    assert check(lambda c: np.diag(c) / c.sum(axis=1)).startswith("Correct")
    assert "column sums" in check(lambda c: np.diag(c) / c.sum(axis=0))
    assert "counts" in check(lambda c: np.diag(c))
    assert "Expected 10 numbers" in check(lambda c: [1.0])
    assert check(lambda c: np.zeros(10)).startswith("Not yet")
