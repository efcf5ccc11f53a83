"""Every ```python block of README.md and README.ja.md runs on its own and prints what its comments claim.

A reader copies one block into a file and runs it: so each block runs here in
a fresh namespace (no names from other blocks), as a script would, in an empty
temporary folder (blocks may write files), and nothing is shown unless the
block prints it.

The convention for claimed values (described in README's Development section):

* ``print(...)  # -> TEXT`` claims that this statement prints ``TEXT``. The
  claim is the whole printed output of the top-level statement that ends on
  that line, with runs of whitespace counted as one space. ``...`` in a claim
  stands for any text (as in doctest). A number in a claim is compared with
  the printed number to the digits it shows: ``# -> 0.964`` holds for 0.9638
  (|printed - claimed| <= half a unit in the last shown digit), ``# -> 30.0``
  for 30.0 or 30.04, ``# -> 65`` only for 65.
* A claim on a statement that prints nothing fails: a bare expression shows
  nothing when the block runs as a script, so wrap it in ``print(...)``.
* Text after a further `` # `` is prose (``# -> 0.964  # on the test images``),
  and so is any comment that does not start with ``# ->``.

Blocks that need something optional carry an HTML comment on the line right
above their opening fence:

* ``<!-- readme-block: needs torch, graphviz -->``: the block runs when these
  modules import, and the test skips naming what to install otherwise (CI
  installs all of them, so it runs there).
* ``<!-- readme-block: compile-only REASON -->``: the block is only compiled
  (its syntax checked), for a block that is too slow for the test suite; the
  reason says where its figures are measured instead.
* ``<!-- readme-block: ja-only -->`` (README.ja.md only): a block that only the
  Japanese README has, such as one showing Japanese output. Markers combine
  with ``;``: ``<!-- readme-block: ja-only; needs graphviz -->``.

README.ja.md is the same document in Japanese: its blocks must not drift from
README.md's. Apart from ja-only blocks it has the same python blocks in the
same order, with the same code, the same markers and the same ``# ->`` claims;
only comments other than claims (and the prose after a claim's `` # ``) are
translated. Both files have the same sequence of ``##``/``###`` headings.
"""

from __future__ import annotations

import ast
import contextlib
import io
import importlib.util
import re
import tokenize
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path

import pytest

from autograd_core import OPERATIONS, languages, remove_operation

ROOT = Path(__file__).resolve().parent.parent
README_PATH = ROOT / "README.md"
README = README_PATH.read_text(encoding="utf-8")
README_JA_PATH = ROOT / "README.ja.md"
README_JA = README_JA_PATH.read_text(encoding="utf-8")

_FENCE = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)
_MARKER = re.compile(r"<!--\s*readme-block:\s*(.*?)\s*-->\s*$")
_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


@dataclass(frozen=True)
class Block:
    """One fenced python block: its code, the README line it starts on and its marker."""

    code: str
    line: int
    marker: str

    @property
    def parts(self) -> list[str]:
        """The marker's ``;``-separated directives: ``["ja-only", "needs graphviz"]``."""
        return [part.strip() for part in self.marker.split(";") if part.strip()]

    def directive(self, name: str) -> str | None:
        """The text after directive ``name`` (``""`` when it has none), None when absent."""
        for part in self.parts:
            if part == name or part.startswith(name + " "):
                return part[len(name) :].strip()
        return None

    @property
    def ja_only(self) -> bool:
        return self.directive("ja-only") is not None


def readme_blocks(text: str = README) -> list[Block]:
    """Every ```python block of ``text`` with the ``readme-block`` marker above it, if any."""
    blocks = []
    for match in _FENCE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        lines_before = text[: match.start()].rstrip("\n").splitlines()
        above = _MARKER.search(lines_before[-1]) if lines_before else None
        blocks.append(Block(match.group(1), line, above.group(1) if above else ""))
    return blocks


def claims(code: str) -> dict[int, str]:
    """``{line: claimed text}`` for every ``# -> TEXT  # prose`` comment in ``code``."""
    found = {}
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type == tokenize.COMMENT and token.string.startswith("# ->"):
            claim = token.string[len("# ->") :].split(" # ")[0]
            found[token.start[0]] = claim.strip()
    return found


def _normalise(text: str) -> str:
    return " ".join(text.split())


def _significance(number: str) -> float:
    """Half a unit in the last digit ``number`` shows: 0.964 -> 0.0005, 30 -> 0.5."""
    mantissa, _, exponent = number.lower().partition("e")
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    return 0.5 * 10.0 ** (int(exponent or 0) - decimals)


def claim_mismatch(claim: str, printed: str) -> str | None:
    """Why ``printed`` does not fit ``claim`` (None when it does)."""
    claim, printed = _normalise(claim), _normalise(printed)
    pattern, numbers = "", []
    for piece in re.split(r"(\.\.\.|" + _NUMBER.pattern + ")", claim):
        if piece == "...":
            pattern += ".*?"
        elif piece and _NUMBER.fullmatch(piece):
            pattern += f"({_NUMBER.pattern})"
            numbers.append(piece)
        else:
            pattern += re.escape(piece or "")
    match = re.fullmatch(pattern, printed, flags=re.DOTALL)
    if match is None:
        return f"printed {printed!r}, the comment claims {claim!r}"
    for claimed, shown in zip(numbers, match.groups()):
        if abs(float(shown) - float(claimed)) > _significance(claimed) * (1 + 1e-9):
            return f"printed {shown} where the comment claims {claimed} (in {printed!r})"
    return None


def run_block(code: str, name: str) -> list[str]:
    """Run ``code`` statement by statement in a fresh namespace; return the failed claims."""
    tree = ast.parse(code, name)
    claimed = claims(code)
    namespace: dict[str, object] = {"__name__": "__main__"}
    problems = []
    for statement in tree.body:
        module = ast.Module(body=[statement], type_ignores=[])
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            exec(compile(module, name, "exec"), namespace)  # noqa: S102 - our own README
        end = statement.end_lineno or statement.lineno
        if end in claimed:
            printed = output.getvalue()
            if not printed:
                problems.append(
                    f"line {end}: claims {claimed[end]!r} but prints nothing (as a script a "
                    "bare expression shows nothing: wrap it in print(...))"
                )
            else:
                why = claim_mismatch(claimed[end], printed)
                if why:
                    problems.append(f"line {end}: {why}")
    return problems


BLOCKS = readme_blocks()
BLOCKS_JA = readme_blocks(README_JA)
_DIRECTIVES = ("needs", "compile-only", "ja-only")
ALL_BLOCKS = [("README.md", b) for b in BLOCKS] + [("README.ja.md", b) for b in BLOCKS_JA]


@pytest.mark.parametrize(
    ("readme", "block"), ALL_BLOCKS, ids=[f"{readme}:{b.line}" for readme, b in ALL_BLOCKS]
)
def test_readme_block_runs_alone_and_prints_what_it_claims(
    readme: str, block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The block runs in a fresh namespace in an empty folder; every `# ->` claim holds."""
    name = f"{readme}:{block.line}"
    for part in block.parts:
        assert part.split()[0] in _DIRECTIVES, f"{name}: unknown marker {part!r}"
    assert not (block.ja_only and readme == "README.md"), f"{name}: ja-only belongs in README.ja.md"
    compile_only = block.directive("compile-only")
    if compile_only is not None:
        assert compile_only, f"{name}: compile-only needs a reason"
        compile(block.code, name, "exec")
        return
    needs = block.directive("needs")
    for module in re.split(r"[,\s]+", needs or ""):
        if module and importlib.util.find_spec(module) is None:
            pytest.skip(f"{name} needs {module}: pip install {module}")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(languages.ENVIRONMENT_VARIABLE, raising=False)  # as a fresh reader runs it
    rows_before = set(OPERATIONS)
    # set_language() is process-wide: a block that calls it must not change the language of
    # the blocks and tests after it. There is no public "unset", so the choice is restored.
    language_before = languages._process_language
    try:
        problems = run_block(block.code, name)
    finally:  # a block that defines an operation must not leave it in the table for others
        for added in set(OPERATIONS) - rows_before:
            remove_operation(added)
        languages._process_language = language_before
    assert not problems, f"{name}:\n" + "\n".join(problems)


def test_readme_has_claims_to_check() -> None:
    """The convention is in use: most runnable blocks state at least one value."""
    with_claims = [b for b in BLOCKS if claims(b.code)]
    assert len(with_claims) >= len(BLOCKS) // 2


# ----- README.ja.md does not drift from README.md -------------------------------------------


def code_without_prose(code: str) -> list[str]:
    """The block's lines as compared across languages: comments dropped, ``# ->`` claims kept.

    A claim keeps only its claimed text (prose after a further `` # `` is dropped,
    as the checker ignores it); blank lines and lines that held only a comment go.
    """
    lines = code.splitlines()
    cut: dict[int, int] = {}
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type == tokenize.COMMENT:
            cut[token.start[0]] = token.start[1]
    claimed = claims(code)
    kept = []
    for number, line in enumerate(lines, start=1):
        text = line[: cut.get(number, len(line))].rstrip()
        if number in claimed:
            text += f"  # -> {claimed[number]}"
        if text.strip():
            kept.append(text)
    return kept


def drift(english: list[Block], japanese: list[Block]) -> str | None:
    """Why the Japanese blocks (ja-only ones left out) do not match the English ones, or None."""
    shared = [b for b in japanese if not b.ja_only]
    fix = (
        "Copy the block's code from README.md into README.ja.md and translate only its "
        "comments (`# ->` claims stay as they are); a block that only the Japanese README "
        "has gets <!-- readme-block: ja-only --> on the line above its fence."
    )
    for index, (en, ja) in enumerate(zip(english, shared), start=1):
        where = f"python block {index}: README.md line {en.line}, README.ja.md line {ja.line}"
        if en.marker != ja.marker:
            return f"{where}: markers differ ({en.marker!r} vs {ja.marker!r}). {fix}"
        en_lines, ja_lines = code_without_prose(en.code), code_without_prose(ja.code)
        if en_lines != ja_lines:
            for at, (a, b) in enumerate(zip_longest(en_lines, ja_lines, fillvalue=""), start=1):
                if a != b:
                    return (
                        f"{where}: code differs at its line {at} (comments ignored)\n"
                        f"  README.md:    {a!r}\n  README.ja.md: {b!r}\n{fix}"
                    )
    if len(english) > len(shared):
        missing = english[len(shared)]
        return (
            f"README.md has {len(english)} python blocks, README.ja.md {len(shared)} (not "
            f"counting ja-only): README.md's block {len(shared) + 1} (line {missing.line}) and "
            f"any after it are missing from README.ja.md. Translate them there, in the same place."
        )
    if len(shared) > len(english):
        extra = shared[len(english)]
        return (
            f"README.ja.md has a python block at line {extra.line} that README.md does not "
            f"have: add it to README.md too, or mark it <!-- readme-block: ja-only -->."
        )
    return None


def test_japanese_readme_has_the_english_code_blocks_in_the_same_order() -> None:
    """README.ja.md's blocks are README.md's, with translated comments (ja-only blocks aside)."""
    problem = drift(BLOCKS, BLOCKS_JA)
    assert problem is None, problem


def test_the_drift_check_names_the_block_and_the_line() -> None:
    """A changed number, a dropped block or a translated identifier is reported; comments are not."""
    english = readme_blocks("```python\nx = 1  # one\nprint(x)  # -> 1\n```\n\n```python\ny = 2\n```\n")
    same = readme_blocks(
        "```python\n# 日本語のコメント\nx = 1  # いち\nprint(x)  # -> 1  # 説明\n```\n\n"
        "<!-- readme-block: ja-only -->\n```python\nprint('日本語')\n```\n\n```python\ny = 2\n```\n"
    )
    assert drift(english, same) is None
    changed = readme_blocks("```python\nx = 2\nprint(x)  # -> 1\n```\n\n```python\ny = 2\n```\n")
    assert "python block 1" in (drift(english, changed) or "") and "'x = 2'" in (drift(english, changed) or "")
    claim = readme_blocks("```python\nx = 1\nprint(x)  # -> 2\n```\n\n```python\ny = 2\n```\n")
    assert "line 2" in (drift(english, claim) or "")
    dropped = readme_blocks("```python\nx = 1\nprint(x)  # -> 1\n```\n")
    assert "missing from README.ja.md" in (drift(english, dropped) or "")


def headings(text: str) -> list[tuple[int, str]]:
    """``(level, title)`` of every ``##``/``###`` heading outside fenced blocks."""
    found, fenced = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and re.match(r"#{2,3} ", line):
            level = len(line) - len(line.lstrip("#"))
            found.append((level, line[level + 1 :]))
    return found


def test_both_readmes_have_the_same_section_structure() -> None:
    """Section for section: the same sequence of ## and ### headings in both files."""
    english, japanese = headings(README), headings(README_JA)
    for index, (en, ja) in enumerate(zip(english, japanese), start=1):
        assert en[0] == ja[0], (
            f"heading {index}: README.md has {'#' * en[0]} {en[1]!r} where README.ja.md has "
            f"{'#' * ja[0]} {ja[1]!r}: give README.ja.md the same sections in the same order"
        )
    assert len(english) == len(japanese), (
        f"README.md has {len(english)} ##/### headings, README.ja.md {len(japanese)}; the first "
        f"without a partner: {(english + japanese)[min(len(english), len(japanese))]!r} "
        f"(translate the missing section into README.ja.md, or remove the extra one)"
    )


def test_the_readmes_link_to_each_other_in_their_first_lines() -> None:
    """A reader of either file finds the other language at once."""
    assert "日本語: [README.ja.md](README.ja.md)" in README.splitlines()[:5]
    assert "English: [README.md](README.md)" in README_JA.splitlines()[:5]


@pytest.mark.parametrize(
    ("claim", "printed", "holds"),
    [
        ("30.0", "30.0\n", True),
        ("30.0", "30.04", True),
        ("30.0", "30.1", False),
        ("0.964", "0.9638888888888889", True),
        ("0.964", "0.9625", False),
        ("65", "65", True),
        ("65", "66", False),
        ("(9.0, 36.0)", "(9.0, 36.0)", True),
        ("MLP(2 -> 16 tanh) ... 1.0", "MLP(2 -> 16 tanh) training  accuracy: 1.0", True),
        ("L = 9", "L = 9 extra", False),
        ("-0.7268619813835873", "-0.7268619813835873", True),
        ("-0.7268619813835873", "0.7268619813835873", False),
    ],
)
def test_claim_convention(claim: str, printed: str, holds: bool) -> None:
    """Claims match whole outputs, `...` elides, numbers are compared to the digits shown."""
    assert (claim_mismatch(claim, printed) is None) is holds


def test_a_claim_on_a_bare_expression_fails() -> None:
    """A value that only a notebook would show is reported, with the fix."""
    (problem,) = run_block("x = 2\nx * 3  # -> 6\n", "example")
    assert "wrap it in print" in problem
    assert run_block("x = 2\nprint(x * 3)  # -> 6\n", "example") == []
    assert run_block("x = 2\nprint(x * 3)  # -> 7\n", "example") != []
