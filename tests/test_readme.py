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


# ----- the glossary (both READMEs) and the Japanese README's table -------------------------

README_JA = (Path(__file__).resolve().parent.parent / "README.ja.md").read_text(encoding="utf-8")


def glossary(text: str, heading: str) -> list[list[str]]:
    """The cells of every row of the glossary table under ``heading`` (header rows left out)."""
    start = text.index(heading)
    following = re.search(r"^## ", text[start + len(heading) :], flags=re.MULTILINE)
    body = text[start : start + len(heading) + following.start()] if following else text[start:]
    rows = [line.strip().strip("|").split("|") for line in body.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row] for row in rows[2:]]


GLOSSARY_EN = glossary(README, "## Glossary / 用語集")
GLOSSARY_JA = glossary(README_JA, "## 用語集 / Glossary")


def _code_names(cell: str) -> list[str]:
    """The identifiers a cell quotes as code: `grad`, `step()`, `MLP(2, [16, 1])` -> MLP."""
    names = []
    for code in re.findall(r"`([^`]+)`", cell):
        match = re.match(r"[A-Za-z_][A-Za-z_0-9]*", code)
        if match:
            names.append(match.group(0))
    return names


def _engine_names() -> set[str]:
    """Everything a learner can reach by that name: public functions, rows, attributes, keywords."""
    import inspect

    import autograd_core
    import nn
    from autograd_core import Value, gradients
    from nn import SGD, History, Neuron, datasets, fit

    value = Value(1.0)
    owners: list[object] = [autograd_core, nn, datasets, value, Neuron(2), SGD([value]), History()]
    owners.append(next(iter(OPERATIONS.values())))
    names = {name for owner in owners for name in dir(owner) if not name.startswith("_")}
    names |= set(OPERATIONS)
    for function in (fit, SGD, nn.Adam, nn.MLP, gradients, autograd_core.draw_graph):
        names |= set(inspect.signature(function).parameters)
    return names


def test_the_glossary_is_the_same_in_both_readmes() -> None:
    """Row for row the same Japanese and English terms and the same engine names."""
    assert len(GLOSSARY_EN) >= 40, "the glossary lost its rows"
    assert len(GLOSSARY_EN) == len(GLOSSARY_JA), (
        f"README.md's glossary has {len(GLOSSARY_EN)} rows, README.ja.md's {len(GLOSSARY_JA)}: "
        "add the same rows to both"
    )
    for en, ja in zip(GLOSSARY_EN, GLOSSARY_JA):
        assert en[:2] == ja[:2], f"glossary rows differ: {en[:2]} in README.md, {ja[:2]} in README.ja.md"
        assert sorted(_code_names(en[2])) == sorted(_code_names(ja[2])), (
            f"the glossary row {en[0]!r} names {_code_names(en[2])} in README.md but "
            f"{_code_names(ja[2])} in README.ja.md"
        )


def test_every_name_in_the_glossary_is_the_engines() -> None:
    """A name the glossary gives for a term is a real function, class, row, attribute or keyword."""
    known = _engine_names()
    unknown = [(row[0], name) for row in GLOSSARY_EN for name in _code_names(row[2]) if name not in known]
    assert not unknown, f"the glossary names what the engine does not have: {unknown}"


def test_the_japanese_operation_table_lists_every_row_in_order() -> None:
    """README.ja.md's table of operations has a line for each row of OPERATIONS, as README.md's."""
    start = README_JA.index("### 演算の表")
    table = README_JA[start : README_JA.index("\n#", start + 1)]
    listed = re.findall(r"^\| `([a-z_0-9]+)` \|", table, flags=re.MULTILINE)
    assert listed == list(OPERATIONS), (
        "README.ja.md's table of operations does not list the rows of OPERATIONS in order: "
        f"{listed} vs {list(OPERATIONS)} (translate the new row from README.md's table)"
    )


def test_japanese_prose_is_not_broken_between_two_japanese_characters() -> None:
    """A newline inside a Japanese sentence renders as a stray space: paragraphs are one line."""
    fenced, broken = False, []
    lines = README_JA.splitlines()
    for number, (line, following) in enumerate(zip(lines, lines[1:]), start=1):
        if line.startswith("```"):
            fenced = not fenced
        head = following.lstrip()[:1]
        if not fenced and line and head and ord(line[-1]) >= 0x3000 and ord(head) >= 0x3000:
            if not following.lstrip().startswith(("#", "|", "*")):
                broken.append(number)
    assert not broken, (
        f"README.ja.md breaks a Japanese sentence across lines {broken[:10]} (shown as a space "
        "between the characters): join each paragraph or list item into one line"
    )
