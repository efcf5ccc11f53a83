"""Notebook 10's exercise checks say what is right and, for the usual wrong answers, why.

The notebook is committed with the answers left as ``None`` (so its outputs
show the "not answered yet" hints); here its code runs in one namespace and the
check functions get wrong and right answers, as a learner would type them.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from autograd_core import OPERATIONS, remove_operation

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "10_build_it_yourself.ipynb"


@pytest.fixture(scope="module")
def notebook() -> Iterator[dict[str, Any]]:
    """The notebook's namespace after running every code cell (its rows removed afterwards)."""
    pytest.importorskip("graphviz", reason="pip install 'autograd-core[viz]'")
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    namespace: dict[str, Any] = {}
    before = set(OPERATIONS)
    with contextlib.redirect_stdout(io.StringIO()):
        for cell in cells:
            if cell["cell_type"] == "code":
                exec(compile("".join(cell["source"]), str(NOTEBOOK), "exec"), namespace)  # noqa: S102
    yield namespace
    for name in set(OPERATIONS) - before:
        remove_operation(name)


def said(check: Callable[[Any], None], answer: Any) -> str:
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        check(answer)
    return output.getvalue()


def test_exercise_1_names_the_usual_slips(notebook: dict[str, Any]) -> None:
    """30 is right; 6, 50 and -30 each get their own explanation; None a hint."""
    check = notebook["check_chain_product"]
    assert "right" in said(check, 30)
    assert "one more factor: dI/dw = x = 5" in said(check, 6)
    assert "forward value" in said(check, 50)
    assert "sign is off" in said(check, -30)
    assert "not answered yet" in said(check, None)


def test_exercise_2_explains_a_wrong_derivative(notebook: dict[str, Any]) -> None:
    """sinh is right; cosh itself, or a sign slip, gets check_operation's explanation."""
    check = notebook["check_cosh_derivative"]
    assert "right, that is sinh x" in said(check, lambda m, y, x: ((m.exp(x) - m.exp(-x)) / 2.0,))
    assert "equals the output y" in said(check, lambda m, y, x: (y,))
    text = said(check, lambda m, y, x: ((m.exp(x) + m.exp(-x)) / 2.0 - m.exp(-x) * 0.0,))
    assert "not yet" in text
    assert "my_cosh" not in OPERATIONS  # the check cleans up after itself


def test_exercise_3_checks_a_subtraction_against_the_engine(notebook: dict[str, Any]) -> None:
    """A right sub passes; a +1 where -1 belongs, a wrong value or a float are each named."""
    scalar = notebook["Scalar"]

    def right(a: Any, b: Any) -> Any:
        return scalar(a.data - b.data, (a, b), (1.0, -1.0), "-")

    def wrong_sign(a: Any, b: Any) -> Any:
        return scalar(a.data - b.data, (a, b), (1.0, 1.0), "-")

    check = notebook["check_scalar_sub"]
    assert "right" in said(check, right)
    assert "should be -6" in said(check, wrong_sign)
    assert "check the forward value" in said(check, lambda a, b: scalar(b.data - a.data, (a, b), (1.0, -1.0)))
    assert "not a Scalar node" in said(check, lambda a, b: a.data - b.data)
    assert "not answered yet" in said(check, None)
