"""The README tells the truth: its quickstart, its core examples and its table of operations."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from autograd_core import OPERATIONS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def section(heading: str) -> str:
    """The text of one README section, from its heading to the next heading of any level <= 3."""
    start = README.index(heading)
    following = re.search(r"^#{1,3} ", README[start + len(heading) :], flags=re.MULTILINE)
    return README[start : start + len(heading) + (following.start() if following else len(README))]


def python_blocks(text: str) -> list[str]:
    """Every ```python fenced block in ``text``."""
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def test_quickstart_is_exactly_two_commands() -> None:
    """Between the quickstart markers stand two commands: install+demo, install+tests."""
    block = README.split("<!-- quickstart:begin -->")[1].split("<!-- quickstart:end -->")[0]
    commands = [line for line in block.splitlines() if line.startswith("python ")]
    assert len(commands) == 2
    assert commands[0].endswith("python -m autograd_core")
    assert commands[1].endswith("python -m pytest")


@pytest.mark.parametrize("heading", ["## The worked example", "### Gradient check"])
def test_core_examples_run_and_print_what_they_claim(heading: str) -> None:
    """The README's core snippets run, and values they state in comments hold."""
    for code in python_blocks(section(heading)):
        namespace: dict[str, object] = {}
        exec(compile(code, heading, "exec"), namespace)  # noqa: S102 - our own README
    if heading == "## The worked example":
        assert [namespace[k].grad for k in ("w", "b", "x", "yc")] == [30.0, 6.0, 60.0, -6.0]  # type: ignore[attr-defined]


def test_operation_table_lists_every_row_with_its_formulas() -> None:
    """Each row of OPERATIONS appears in the README table with its forward and derivatives."""
    table = section("### The table of operations")
    for row in OPERATIONS.values():
        assert f"| `{row.name}` | {row.formula} | {row.derivatives} |" in table, row.name
