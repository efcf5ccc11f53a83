"""The notebooks are committed as a reader on the web should see them: executed, with outputs, portable.

CI also re-executes every notebook from scratch (``pytest --nbmake``, see
pyproject.toml); these checks are about the committed files themselves.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
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
    """The notebooks are numbered NN_short_title.ipynb."""
    assert NOTEBOOKS, "no notebooks found"
    for path in NOTEBOOKS:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name), path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_executed_with_outputs(path: Path) -> None:
    """Every code cell ran, in order, without an error, on the python3 kernel."""
    notebook = load(path)
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    code_cells = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    counts = [cell["execution_count"] for cell in code_cells]
    assert counts == list(range(1, len(code_cells) + 1)), f"{path.name}: run it top to bottom once"
    for cell in code_cells:
        assert all(output["output_type"] != "error" for output in cell["outputs"])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_outputs_name_no_machine_paths(path: Path) -> None:
    """No output mentions a folder of the machine it was executed on."""
    for text in output_texts(load(path)):
        assert not MACHINE_PATH.search(text), f"{path.name}: {MACHINE_PATH.search(text)!r}"


def test_readme_lists_only_notebooks_that_exist() -> None:
    """Every notebook the README's Notebooks section names is in notebooks/."""
    section = README.split("## Notebooks", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`(\d\d_[a-z0-9_]+\.ipynb)`", section))
    assert named, "the README's Notebooks section lists no notebook"
    assert named <= {path.name for path in NOTEBOOKS}
