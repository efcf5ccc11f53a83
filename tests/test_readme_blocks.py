"""Every ```python block of README.md runs on its own and prints what its comments claim.

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
"""

from __future__ import annotations

import ast
import contextlib
import io
import importlib.util
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograd_core import OPERATIONS, remove_operation

README_PATH = Path(__file__).resolve().parent.parent / "README.md"
README = README_PATH.read_text(encoding="utf-8")

_FENCE = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)
_MARKER = re.compile(r"<!--\s*readme-block:\s*(.*?)\s*-->\s*$")
_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


@dataclass(frozen=True)
class Block:
    """One fenced python block: its code, the README line it starts on and its marker."""

    code: str
    line: int
    marker: str


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


@pytest.mark.parametrize("block", BLOCKS, ids=[f"README.md:{b.line}" for b in BLOCKS])
def test_readme_block_runs_alone_and_prints_what_it_claims(
    block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The block runs in a fresh namespace in an empty folder; every `# ->` claim holds."""
    name = f"README.md:{block.line}"
    if block.marker.startswith("compile-only"):
        assert block.marker[len("compile-only") :].strip(), f"{name}: compile-only needs a reason"
        compile(block.code, name, "exec")
        return
    if block.marker.startswith("needs"):
        for module in re.split(r"[,\s]+", block.marker[len("needs") :].strip()):
            if importlib.util.find_spec(module) is None:
                pytest.skip(f"{name} needs {module}: pip install {module}")
    else:
        assert not block.marker, f"{name}: unknown marker {block.marker!r}"
    monkeypatch.chdir(tmp_path)
    rows_before = set(OPERATIONS)
    try:
        problems = run_block(block.code, name)
    finally:  # a block that defines an operation must not leave it in the table for others
        for added in set(OPERATIONS) - rows_before:
            remove_operation(added)
    assert not problems, f"{name}:\n" + "\n".join(problems)


def test_readme_has_claims_to_check() -> None:
    """The convention is in use: most runnable blocks state at least one value."""
    with_claims = [b for b in BLOCKS if claims(b.code)]
    assert len(with_claims) >= len(BLOCKS) // 2


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
