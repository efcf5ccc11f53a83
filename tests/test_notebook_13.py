"""Notebook 13's exercise checks say what is right and, for the usual wrong answers, why.

The notebooks (English, and the Japanese edition built from it) are committed
with the answers left as ``None`` (their outputs show the hints); here the
imports and the two exercise cells run in one namespace and the check
functions get right and wrong answers, as a learner would type them. The
training cells are not run (executing the notebooks covers them).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
STEM = "13_overfitting_and_regularisation"
PATHS = {"en": NOTEBOOKS / f"{STEM}.ipynb", "ja": NOTEBOOKS / "ja" / f"{STEM}.ipynb"}

#: For each answer, a phrase of the message it must get, in each language.
WEIGHT_DECAY_ANSWERS = [
    (None, "Fill in my_w", "my_w に答えを入れてください"),
    (1.49, "Correct: w = 1.5 - 0.1 * (-0.2 + 0.2 * 1.5) = 1.49", "正解です: w = 1.5 - 0.1 * (-0.2 + 0.2 * 1.5) = 1.49"),
    (1.52, "the step without weight decay", "荷重減衰なしの1歩"),
    (1.55, "wrong sign", "符号が逆"),
    (1.46, "gradient of lambda/2 * w**2", "lambda/2 * w**2 の勾配"),
    (1.47, "left out the loss's gradient", "損失の勾配 g = -0.2 が抜けて"),
    (1.0, "Not yet: 1.0 is not 1.49", "まだです: 1.0 は 1.49 ではありません"),
]
DROPOUT_ANSWERS = [
    (None, "Fill in my_kept", "my_kept に答えを入れてください"),
    (4.0, "Correct: 3.0 / (1 - 0.25) = 4", "正解です: 3.0 / (1 - 0.25) = 4"),
    (3.0, "Without the scale", "倍率がなければ"),
    (2.25, "multiplies by 1 - p", "1 - p を掛けて"),
    (12.0, "divides by p", "落とす確率 p で割って"),
    (5.0, "Not yet: 5.0 is not 4", "まだです: 5.0 は 4 ではありません"),
]


def exercise_namespace(path: Path) -> dict[str, Any]:
    """The namespace after a notebook's imports cell and the cells that define the checks."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    sources = ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]
    imports = next(source for source in sources if source.startswith("import matplotlib"))
    namespace: dict[str, Any] = {}
    exec(compile(imports, str(path), "exec"), namespace)  # noqa: S102 - our own notebook
    for source in sources:
        if "def check_" in source:
            exec(compile(source, str(path), "exec"), namespace)  # noqa: S102 - our own notebook
    return namespace


@pytest.fixture(scope="module", params=["en", "ja"])
def notebook(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    """(language, the exercise namespace of that edition)."""
    pytest.importorskip("matplotlib", reason='pip install "autograd-core[notebook]"')
    return request.param, exercise_namespace(PATHS[request.param])


def said(answers: list[tuple[Any, str, str]], language: str) -> list[tuple[Any, str]]:
    return [(answer, english if language == "en" else japanese) for answer, english, japanese in answers]


def test_the_notebooks_are_committed_with_the_answers_open(notebook: tuple[str, dict[str, Any]]) -> None:
    """The exercise cells leave my_w and my_kept as None, so the committed output is the hint."""
    _, namespace = notebook
    assert namespace["my_w"] is None and namespace["my_kept"] is None


def assert_each_answer_gets_its_message(
    notebook: tuple[str, dict[str, Any]], check: str, answers: list[tuple[Any, str, str]]
) -> None:
    """The notebook's ``check`` says each answer's phrase, and no two answers get the same message."""
    language, namespace = notebook
    messages = set()
    for answer, phrase in said(answers, language):
        message = namespace[check](answer)
        assert phrase in message, (answer, message)
        messages.add(message)
    assert len(messages) == len(answers)


def test_weight_decay_step_check(notebook: tuple[str, dict[str, Any]]) -> None:
    """1.49 is right; no decay, the wrong sign, 2 lambda and a forgotten g each get their own message."""
    assert_each_answer_gets_its_message(notebook, "check_weight_decay_step", WEIGHT_DECAY_ANSWERS)


def test_dropout_scale_check(notebook: tuple[str, dict[str, Any]]) -> None:
    """The right scale 1 / (1 - p) is confirmed; no scale, 1 - p and 1 / p are explained."""
    assert_each_answer_gets_its_message(notebook, "check_dropout_scale", DROPOUT_ANSWERS)
