"""Notebook 12's exercise checks accept the right answers and explain the usual wrong ones.

The notebook is committed with the answers left as ``None`` (its outputs show
the hints); here the import cell and the two exercise cells run in one
namespace, and the check functions get answers as a learner would type them.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
from pathlib import Path
from typing import Any

import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "12_initialisation.ipynb"


@pytest.fixture(scope="module")
def notebook() -> dict[str, Any]:
    """The namespace after the imports and the exercise cells (the rest is not needed)."""
    pytest.importorskip("matplotlib", reason="pip install 'autograd-core[notebook]'")
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    sources = ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]
    chosen = [sources[0]] + [s for s in sources if s.startswith(("my_std = None", "my_count = None"))]
    assert len(chosen) == 3, "the import cell and the two exercise cells"
    namespace: dict[str, Any] = {}
    with contextlib.redirect_stdout(io.StringIO()):
        for source in chosen:
            exec(compile(source, str(NOTEBOOK), "exec"), namespace)  # noqa: S102
    return namespace


def test_he_exercise_accepts_sqrt_2_over_50_and_names_each_slip(notebook: dict[str, Any]) -> None:
    """0.2 (also rounded) is right; the variance, Xavier, the limit and fan_out each get their hint."""
    check = notebook["check_he_std"]
    assert check(None).startswith("Fill in my_std")
    assert check(0.2).startswith("Correct: sqrt(2 / 50) = 0.2000")
    assert check(math.sqrt(2 / 50)).startswith("Correct")
    assert "the variance" in check(0.04)
    assert "Xavier's scale for equal widths" in check(0.1414)
    assert "Xavier's sqrt(2 / (n_in + n_out))" in check(math.sqrt(2 / 70))
    assert "limit a" in check(math.sqrt(6 / 50))
    assert "20 outputs" in check(math.sqrt(2 / 20))
    assert check(0.7).startswith("Not yet")
    assert check("0.2").startswith("Give a number")
    assert check(True).startswith("Give a number")


def test_symmetry_exercise_says_six_and_explains_why_not_one(notebook: dict[str, Any]) -> None:
    """Random output weights break the tie: 6 is right, 1 gets the delta argument, others a hint."""
    check = notebook["check_distinct_neurons"]
    assert check(None).startswith("Fill in my_count")
    assert check(6).startswith("Correct: 6 different neurons")
    assert "their own output weight v_j" in check(1)
    assert check(3).startswith("Not yet")
    assert check(0).startswith("Give a whole number from 1 to 6")
    assert check(2.5).startswith("Give a whole number")
