"""The notebooks are committed as a reader on the web should see them: executed, with outputs, portable.

CI also re-executes every notebook from scratch (``pytest --nbmake``, see
pyproject.toml); these checks are about the committed files themselves, the
English ones in notebooks/ and the Japanese edition in notebooks/ja/
(tests/test_japanese_notebooks.py checks that the two agree).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
#: Both editions: the English notebooks and the Japanese ones built from them.
ALL_NOTEBOOKS = NOTEBOOKS + sorted((ROOT / "notebooks" / "ja").glob("*.ipynb"))


def notebook_id(path: Path) -> str:
    """``01_worked_example.ipynb`` or ``ja/01_worked_example.ipynb``."""
    return path.relative_to(ROOT / "notebooks").as_posix()
README = (ROOT / "README.md").read_text(encoding="utf-8")

#: Paths of the machine a notebook ran on have no place in a committed output.
MACHINE_PATH = re.compile(r"(?<![\w.])/(?:tmp|work|home|root|Users)/")


def load(path: Path) -> dict[str, Any]:
    """The notebook's JSON."""
    return json.loads(path.read_text(encoding="utf-8"))


def output_texts(notebook: dict[str, Any]) -> list[str]:
    """The text of every output (streams, plain text, SVG, errors), images left out."""
    texts = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            texts.append("".join(output.get("text", "")))
            for kind, data in output.get("data", {}).items():
                if not kind.startswith("image/png"):
                    texts.append("".join(data) if isinstance(data, list) else str(data))
            texts.append("".join(output.get("traceback", [])))
    return texts


def test_the_learning_path_is_there() -> None:
    """The notebooks (and their Japanese editions) are numbered NN_short_title.ipynb."""
    assert NOTEBOOKS, "no notebooks found"
    for path in ALL_NOTEBOOKS:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name), path.name


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=notebook_id)
def test_notebook_is_committed_executed_with_outputs(path: Path) -> None:
    """Every code cell ran, in order, without an error, on the python3 kernel."""
    notebook = load(path)
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    code_cells = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    counts = [cell["execution_count"] for cell in code_cells]
    assert counts == list(range(1, len(code_cells) + 1)), f"{notebook_id(path)}: run it top to bottom once"
    for cell in code_cells:
        assert all(output["output_type"] != "error" for output in cell["outputs"])


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=notebook_id)
def test_notebook_outputs_name_no_machine_paths(path: Path) -> None:
    """No output mentions a folder of the machine it was executed on."""
    for text in output_texts(load(path)):
        assert not MACHINE_PATH.search(text), f"{notebook_id(path)}: {MACHINE_PATH.search(text)!r}"


def test_readme_lists_only_notebooks_that_exist() -> None:
    """Every notebook the README's Notebooks section names is in notebooks/."""
    section = README.split("## Notebooks", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`(\d\d_[a-z0-9_]+\.ipynb)`", section))
    assert named, "the README's Notebooks section lists no notebook"
    assert named <= {path.name for path in NOTEBOOKS}


def _notebook_hooks() -> object:
    """notebooks/conftest.py, imported as a module (it is pytest's hook file for that folder)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("notebook_hooks", ROOT / "notebooks" / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_notebooks_that_need_torch_say_so_and_skip_only_without_it(tmp_path: Path) -> None:
    """Notebook 16 declares torch; a declared module that is missing is reported, an installed one is not."""
    import importlib.util

    hooks: Any = _notebook_hooks()
    torch_notebook = ROOT / "notebooks" / "16_from_autograd_core_to_pytorch.ipynb"
    assert hooks.needed_modules(torch_notebook) == ["torch"]
    expected_missing = [] if importlib.util.find_spec("torch") else ["torch"]
    assert hooks.missing_modules(torch_notebook) == expected_missing
    fake = tmp_path / "99_fake.ipynb"
    fake.write_text(json.dumps({"metadata": {"autograd_core": {"needs": ["numpy", "no_such_module_xyz"]}}}))
    assert hooks.missing_modules(fake) == ["no_such_module_xyz"]
    assert hooks.needed_modules(ROOT / "notebooks" / "01_worked_example.ipynb") == []


def test_notebook_16_exercise_check_accepts_the_answer_and_explains_mistakes() -> None:
    """The exercise's check cell says 'Correct' for a right module and names the usual mistakes."""
    torch = pytest.importorskip("torch", reason="pip install torch")
    from nn import to_torch

    notebook = load(ROOT / "notebooks" / "16_from_autograd_core_to_pytorch.ipynb")
    sources = ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"]
    namespace: dict[str, Any] = {}
    exec(sources[0], namespace)  # noqa: S102 - the notebook's imports
    exec(sources[-2], namespace)  # noqa: S102 - the exercise cell (my_net = None)
    exec(sources[-1], namespace)  # noqa: S102 - the check cell
    check, model = namespace["check_exercise"], namespace["exercise_model"]
    assert check(None).startswith("Not done yet")
    assert check(to_torch(model)).startswith("Correct")
    assert "float64" in check(to_torch(model).float())
    transposed = torch.nn.Sequential(torch.nn.Linear(5, 3), torch.nn.Linear(5, 4), torch.nn.Linear(4, 2))
    assert "transposed" in check(transposed)
    wrong_bias = to_torch(model)
    with torch.no_grad():
        wrong_bias[2].bias.add_(1.0)
    assert "check the biases" in check(wrong_bias)
