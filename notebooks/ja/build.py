"""Build the Japanese edition of the learning path from the English notebooks.

One source: the English notebook ``notebooks/<stem>.ipynb`` holds all the code.
Its translation file ``notebooks/ja/translations/<stem>.md`` holds only Japanese
text (the format is described in ``notebooks/ja/README.md``)::

    <!-- notebook: 01_worked_example.ipynb -->

    <!-- markdown 891f45f6 en:3f9a1c0d2e -->
    # 1. 計算例: ...

    <!-- code 905e246f -->
    "The loss as a function of w" => "w の関数としての損失"

The build replaces each markdown cell by its translation, applies the exact
substring replacements to the named code cells (plot titles, axis labels,
legends), inserts the ``ja-setup`` cell after the title, copies the
notebook's metadata, executes it as CI does (kernel ``python3``, the cell
timeout of nbmake, in the folder of the Japanese notebook) and writes
``notebooks/ja/<stem>.ipynb``.

``<hash>`` is the first 10 hex digits of the SHA-256 of the English cell's
source: when the English text changes, the hash no longer matches and the
build stops, naming the cell to translate again.

Usage, from the repository folder::

    python notebooks/ja/build.py                    # every notebook with a translation
    python notebooks/ja/build.py 01_worked_example  # one (the stem or the file name)
    python notebooks/ja/build.py --no-execute 01_worked_example
    python notebooks/ja/build.py --check            # hashes and replacements only, no writing
    python notebooks/ja/build.py --skeleton 05_softmax_and_cross_entropy \
        > notebooks/ja/translations/05_softmax_and_cross_entropy.md
"""

from __future__ import annotations

import argparse
import ast
import copy
import hashlib
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

JA_DIR = Path(__file__).resolve().parent
NOTEBOOKS_DIR = JA_DIR.parent
TRANSLATIONS_DIR = JA_DIR / "translations"

#: The kernel every English notebook declares and CI runs them on.
KERNEL_NAME = "python3"
#: nbmake's default cell timeout in seconds (``--nbmake-timeout``), which CI uses;
#: a notebook may set its own in ``metadata.execution.timeout``, as for nbmake.
DEFAULT_CELL_TIMEOUT = 300
#: How many hex digits of the SHA-256 of an English cell identify its text.
HASH_LENGTH = 10

SETUP_CELL_ID = "ja-setup"
SETUP_CELL_SOURCE = """\
# 日本語版: 説明や図の文字を日本語にします
import autograd_core
from autograd_core.fonts import use_japanese_font

autograd_core.set_language("ja")
family = use_japanese_font()  # 図の日本語フォント (Noto Sans JP)"""

#: ``<!-- notebook: 01_worked_example.ipynb -->``, the first line of a translation file.
NOTEBOOK_HEADER = re.compile(r"^<!--\s*notebook:\s*(?P<name>\S+)\s*-->\s*$")
#: ``<!-- markdown 891f45f6 en:3f9a1c0d2e -->``
MARKDOWN_HEADER = re.compile(
    r"^<!--\s*markdown\s+(?P<id>[\w.-]+)\s+en:(?P<hash>[0-9a-f]*)\s*-->\s*$"
)
#: ``<!-- code 905e246f -->`` or ``<!-- code 905e246f numbers-vary: timings -->``
CODE_HEADER = re.compile(
    r"^<!--\s*code\s+(?P<id>[\w.-]+)(?:\s+numbers-vary:\s*(?P<why>.*?))?\s*-->\s*$"
)
#: Any line that looks like a block header (to report misspelt ones).
ANY_HEADER = re.compile(r"^<!--\s*(?:markdown|code|notebook)\b")
#: ``"old" => "new"``: two Python string literals (double or single quotes, escapes allowed).
_LITERAL = r"(?:\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')"
REPLACEMENT_LINE = re.compile(rf"^\s*(?P<old>{_LITERAL})\s*=>\s*(?P<new>{_LITERAL})\s*$")
#: An HTML comment inside a block is a note for translators (the skeleton's English text is
#: one); the build removes it. Headers are the only comments with a meaning.
NOTE = re.compile(r"<!--.*?-->", re.DOTALL)


class TranslationError(Exception):
    """A translation file does not fit its notebook; the message says where and what to do."""


@dataclass(frozen=True)
class Replacement:
    """One exact substring replacement in a code cell: ``old`` becomes ``new``."""

    old: str
    new: str
    line: int


@dataclass
class MarkdownBlock:
    """The Japanese text of one English markdown cell and the hash of the text it translates."""

    cell_id: str
    english_hash: str
    text: str
    line: int


@dataclass
class CodeBlock:
    """The replacements for one code cell, and why its printed numbers vary (if they do)."""

    cell_id: str
    replacements: list[Replacement] = field(default_factory=list)
    numbers_vary: str | None = None
    line: int = 0


@dataclass
class Translation:
    """A parsed translation file: its blocks by cell id, in the file's order."""

    path: Path
    notebook_name: str
    markdown: dict[str, MarkdownBlock]
    code: dict[str, CodeBlock]
    order: list[str]


def english_path(stem: str) -> Path:
    """``notebooks/<stem>.ipynb``."""
    return NOTEBOOKS_DIR / f"{stem}.ipynb"


def translation_path(stem: str) -> Path:
    """``notebooks/ja/translations/<stem>.md``."""
    return TRANSLATIONS_DIR / f"{stem}.md"


def japanese_path(stem: str) -> Path:
    """``notebooks/ja/<stem>.ipynb``."""
    return JA_DIR / f"{stem}.ipynb"


def relative(path: Path) -> str:
    """The path from the repository folder, for messages (never a path of this machine)."""
    try:
        return path.resolve().relative_to(NOTEBOOKS_DIR.parent).as_posix()
    except ValueError:
        return path.name


def source_hash(source: str) -> str:
    """The first :data:`HASH_LENGTH` hex digits of SHA-256 of a cell's source (UTF-8)."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:HASH_LENGTH]


def cell_source(cell: NotebookNode | dict[str, Any]) -> str:
    """A cell's source as one string (nbformat stores it as a string or a list of lines)."""
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def read_notebook(path: Path) -> NotebookNode:
    """Read a notebook, naming the file if it is missing."""
    if not path.is_file():
        raise TranslationError(f"{relative(path)}: no such notebook")
    return nbformat.read(path, as_version=4)


def parse_translation(path: Path) -> Translation:
    """Parse a translation file into its blocks.

    Raises:
        TranslationError: the file is missing, has no notebook line, a header is
            malformed or repeated, or a code block holds a line that is not
            ``"old" => "new"``.
    """
    where = relative(path)
    if not path.is_file():
        raise TranslationError(
            f"{where}: no translation file; start one with "
            f"python notebooks/ja/build.py --skeleton {path.stem} > {where}"
        )
    lines = path.read_text(encoding="utf-8").splitlines()
    filled = [number for number, line in enumerate(lines, start=1) if line.strip()]
    match = NOTEBOOK_HEADER.match(lines[filled[0] - 1]) if filled else None
    if match is None:
        raise TranslationError(
            f"{where}, line 1: the file must start with <!-- notebook: {path.stem}.ipynb -->"
        )
    translation = Translation(path, match["name"], {}, {}, [])
    blocks: list[tuple[MarkdownBlock | CodeBlock, list[tuple[int, str]]]] = []
    for number, line in enumerate(lines[filled[0] :], start=filled[0] + 1):
        block = parse_header(where, number, line)
        if block is not None:
            if block.cell_id in translation.order:
                raise TranslationError(
                    f"{where}, line {number}: cell {block.cell_id} has a second block; merge them"
                )
            if isinstance(block, MarkdownBlock):
                translation.markdown[block.cell_id] = block
            else:
                translation.code[block.cell_id] = block
            translation.order.append(block.cell_id)
            blocks.append((block, []))
        elif blocks:
            blocks[-1][1].append((number, line))
        elif line.strip() and not NOTE.fullmatch(line.strip()):
            raise TranslationError(f"{where}, line {number}: text before the first block header")
    for block, body in blocks:
        if isinstance(block, MarkdownBlock):
            block.text = NOTE.sub("", "\n".join(line for _, line in body)).strip("\n").rstrip()
        else:
            block.replacements = parse_replacements(where, block.cell_id, body)
    return translation


def parse_header(where: str, number: int, line: str) -> MarkdownBlock | CodeBlock | None:
    """The empty block a header line starts, or None for a line that is not a header.

    Raises:
        TranslationError: the line looks like a header but is not one, or its
            ``numbers-vary`` gives no reason.
    """
    markdown = MARKDOWN_HEADER.match(line)
    if markdown is not None:
        return MarkdownBlock(markdown["id"], markdown["hash"], "", number)
    code = CODE_HEADER.match(line)
    if code is not None:
        why = code["why"]
        if why is not None and not why.strip():
            raise TranslationError(
                f"{where}, line {number}: numbers-vary needs a reason, e.g. numbers-vary: timings"
            )
        return CodeBlock(code["id"], [], why, number)
    if ANY_HEADER.match(line):
        raise TranslationError(
            f"{where}, line {number}: not a block header: {line.strip()!r}; write "
            "<!-- markdown ID en:HASH --> or <!-- code ID --> (see notebooks/ja/README.md)"
        )
    return None


def parse_replacements(where: str, cell_id: str, body: list[tuple[int, str]]) -> list[Replacement]:
    """The ``"old" => "new"`` lines of a code block; blank lines, ``#`` lines and notes are skipped.

    Raises:
        TranslationError: a line is neither, or its ``old`` is empty.
    """
    if not body:
        return []
    # Notes become as many empty lines as they had, so that line numbers stay right.
    text = "\n".join(line for _, line in body)
    text = NOTE.sub(lambda note: "\n" * note.group().count("\n"), text)
    replacements = []
    for number, line in enumerate(text.split("\n"), start=body[0][0]):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = REPLACEMENT_LINE.match(line)
        if match is None:
            raise TranslationError(
                f"{where}, line {number} (code cell {cell_id}): expected a line "
                f'"old" => "new" (Python string literals), got {stripped!r}'
            )
        old, new = (ast.literal_eval(match[key]) for key in ("old", "new"))
        if not old:
            raise TranslationError(
                f"{where}, line {number} (code cell {cell_id}): the text to replace is empty"
            )
        replacements.append(Replacement(old, new, number))
    return replacements


def check_translation(translation: Translation, english: NotebookNode) -> list[str]:
    """Every problem of a translation against its English notebook, one message each (empty: fine).

    A message names the translation file, the line, the cell id and what to do.
    """
    where = relative(translation.path)
    problems = []
    if translation.notebook_name != f"{translation.path.stem}.ipynb":
        problems.append(
            f"{where}: the first line names {translation.notebook_name}, "
            f"but the file translates {translation.path.stem}.ipynb"
        )
    english_name = english_path(translation.path.stem).name
    cells = {cell["id"]: cell for cell in english.cells}
    positions = {cell["id"]: k for k, cell in enumerate(english.cells)}
    for cell_id in translation.order:
        if cell_id not in cells:
            block = translation.markdown.get(cell_id) or translation.code[cell_id]
            problems.append(
                f"{where}, line {block.line}: cell {cell_id} is not in {english_name} (the English "
                "cell was removed or replaced); delete the block or move its text to the new cell"
            )
    known = [cell_id for cell_id in translation.order if cell_id in cells]
    for before, after in zip(known, known[1:]):
        if positions[after] < positions[before]:
            problems.append(
                f"{where}: the block of cell {after} comes after the block of cell {before}, "
                "but in the notebook it comes before it; keep the blocks in the cells' order"
            )
            break
    for cell in english.cells:
        cell_id, source = cell["id"], cell_source(cell)
        if cell["cell_type"] == "markdown":
            block = translation.markdown.get(cell_id)
            if cell_id in translation.code:
                problems.append(
                    f"{where}: cell {cell_id} is a markdown cell; its header must be "
                    f"<!-- markdown {cell_id} en:{source_hash(source)} -->"
                )
            elif block is None:
                problems.append(
                    f"{where}: markdown cell {cell_id} has no translation; add a block "
                    f"<!-- markdown {cell_id} en:{source_hash(source)} --> with its Japanese text "
                    f"(English: {first_line(source)!r})"
                )
            elif block.english_hash != source_hash(source):
                problems.append(
                    f"{where}, line {block.line}: markdown cell {cell_id} changed in English "
                    f"(en:{block.english_hash}, now en:{source_hash(source)}); translate it again "
                    f"and write en:{source_hash(source)} in its header (English now: "
                    f"{first_line(source)!r}; --skeleton {translation.path.stem} shows all of it)"
                )
            elif not block.text.strip():
                problems.append(
                    f"{where}, line {block.line}: markdown cell {cell_id} has no Japanese text "
                    "yet; write it under the header (the build ignores the English comment)"
                )
        elif cell["cell_type"] == "code" and cell_id in translation.code:
            for replacement in translation.code[cell_id].replacements:
                if replacement.old not in source:
                    problems.append(
                        f"{where}, line {replacement.line}: code cell {cell_id} does not contain "
                        f"{replacement.old!r} (did the English code change?); fix or delete it"
                    )
        elif cell_id in translation.markdown:
            problems.append(f"{where}: cell {cell_id} is a {cell['cell_type']} cell, not markdown")
    return problems


def first_line(text: str, width: int = 60) -> str:
    """The first non-empty line of a text, shortened, to recognise a cell in a message."""
    line = next((line for line in text.splitlines() if line.strip()), "")
    return line if len(line) <= width else line[: width - 3] + "..."


def load(stem: str) -> tuple[Translation, NotebookNode]:
    """The parsed translation and the English notebook of ``stem``, checked against each other.

    Raises:
        TranslationError: with every problem found, one per line.
    """
    english = read_notebook(english_path(stem))
    translation = parse_translation(translation_path(stem))
    problems = check_translation(translation, english)
    if problems:
        raise TranslationError("\n".join(problems))
    return translation, english


def apply_replacements(source: str, replacements: list[Replacement]) -> str:
    """Apply each replacement in turn; every occurrence of ``old`` becomes ``new``."""
    for replacement in replacements:
        source = source.replace(replacement.old, replacement.new)
    return source


def setup_cell() -> NotebookNode:
    """The cell that switches the engine's output and matplotlib's font to Japanese."""
    cell = nbformat.v4.new_code_cell(SETUP_CELL_SOURCE)
    cell["id"] = SETUP_CELL_ID
    return cell


def build_notebook(translation: Translation, english: NotebookNode) -> NotebookNode:
    """The Japanese notebook, not yet executed: translated markdown, replaced code, the setup cell.

    The notebook's metadata is the English one (kernel, language, the modules it
    needs) without the English widget state, plus where it was made from.
    """
    japanese = nbformat.v4.new_notebook()
    japanese.nbformat, japanese.nbformat_minor = english.nbformat, english.nbformat_minor
    metadata = copy.deepcopy(dict(english.metadata))
    metadata.pop("widgets", None)
    own = dict(metadata.get("autograd_core", {}))
    own["translation_of"] = f"../{english_path(translation.path.stem).name}"
    metadata["autograd_core"] = own
    japanese.metadata = nbformat.from_dict(metadata)
    for index, cell in enumerate(english.cells):
        cell_id = cell["id"]
        cell_metadata = without(cell.get("metadata", {}), "execution")
        if cell["cell_type"] == "markdown":
            new = nbformat.v4.new_markdown_cell(translation.markdown[cell_id].text)
        elif cell["cell_type"] == "code":
            source = cell_source(cell)
            block = translation.code.get(cell_id)
            if block is not None:
                source = apply_replacements(source, block.replacements)
            new = nbformat.v4.new_code_cell(source)
        else:
            new = nbformat.v4.new_raw_cell(cell_source(cell))
        new["id"] = cell_id
        new["metadata"] = nbformat.from_dict(copy.deepcopy(cell_metadata))
        japanese.cells.append(new)
        if index == 0:
            japanese.cells.append(setup_cell())
    return japanese


def execute(notebook: NotebookNode, stem: str) -> float:
    """Run every cell as CI does (nbmake's settings), in notebooks/ja/; return the seconds it took.

    Raises:
        TranslationError: a cell failed or timed out; the message names the notebook
            and the cell, and carries the kernel's error.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    timeout = notebook.metadata.get("execution", {}).get("timeout", DEFAULT_CELL_TIMEOUT)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name=KERNEL_NAME,
        record_timing=False,
        resources={"metadata": {"path": str(JA_DIR)}},
    )
    started = time.perf_counter()
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError) as error:
        raise TranslationError(
            f"{relative(japanese_path(stem))}: a cell failed while executing; "
            f"run the English notebook to see whether it fails there too, otherwise check the "
            f"replacements of that cell in {relative(translation_path(stem))}:\n{error}"
        ) from error
    return time.perf_counter() - started


def without(mapping: Any, *keys: str) -> dict[str, Any]:
    """A plain copy of a mapping without the given keys."""
    return {key: value for key, value in mapping.items() if key not in keys}


def comparable(notebook: NotebookNode | dict[str, Any]) -> dict[str, Any]:
    """What the build decides in a notebook: its cells (type, id, source, metadata) and metadata.

    Left out is what executing adds or changes: outputs, execution counts, timing
    metadata, the kernel's ``language_info`` and the widget state.
    """
    metadata = without(notebook["metadata"], "language_info", "widgets")
    cells = [
        {
            "cell_type": cell["cell_type"],
            "id": cell.get("id"),
            "source": cell_source(cell),
            "metadata": without(cell.get("metadata", {}), "execution"),
        }
        for cell in notebook["cells"]
    ]
    return {"metadata": metadata, "cells": cells}


def staleness(stem: str, built: NotebookNode) -> str | None:
    """Why the committed Japanese notebook is not what the build makes now (None: it is)."""
    path = japanese_path(stem)
    if not path.is_file():
        return f"{relative(path)} has not been built; run python notebooks/ja/build.py {stem}"
    committed, fresh = comparable(read_notebook(path)), comparable(built)
    if committed == fresh:
        return None
    if committed["metadata"] != fresh["metadata"]:
        what = "its metadata differs"
    elif len(committed["cells"]) != len(fresh["cells"]):
        what = f"it has {len(committed['cells'])} cells, the build makes {len(fresh['cells'])}"
    else:
        pairs = enumerate(zip(committed["cells"], fresh["cells"]))
        first = next(k for k, (old, new) in pairs if old != new)
        what = f"cell {fresh['cells'][first]['id']} (cell {first + 1}) differs"
    return (
        f"{relative(path)} is stale ({what}); "
        f"run python notebooks/ja/build.py {stem} and commit it"
    )


def write(notebook: NotebookNode, path: Path) -> None:
    """Write a notebook as Jupyter does (one space indentation, a final newline)."""
    nbformat.validate(notebook)
    path.write_text(nbformat.writes(notebook) + "\n", encoding="utf-8")


def skeleton(stem: str) -> str:
    """A translation file to start from: every markdown cell's header and text, every code cell.

    Each markdown block holds the English text as an HTML comment (``<!-- en ... -->``),
    which the build ignores: write the Japanese below it (and delete the comment if you
    like). Code cells appear as comments; turn one into a block by writing its header
    ``<!-- code ID -->`` with ``"old" => "new"`` lines.
    """
    english = read_notebook(english_path(stem))
    parts = [f"<!-- notebook: {stem}.ipynb -->", ""]
    for cell in english.cells:
        source = cell_source(cell)
        if cell["cell_type"] == "markdown":
            shown = source.replace("-->", "-- >")
            header = f"<!-- markdown {cell['id']} en:{source_hash(source)} -->"
            parts += [header, "<!-- en", shown, "-->", "", ""]
        elif cell["cell_type"] == "code":
            # A hint of what there is to translate: the string literals with letters in them.
            texts = sorted(set(re.findall(r"\"[^\"\n]*[A-Za-z][^\"\n]*\"", source)))
            parts.append(f"<!-- (code {cell['id']}: {quiet(first_line(source, 50))}) -->")
            if texts:
                parts.append(f"<!-- (its strings: {quiet(', '.join(texts)[:300])}) -->")
            parts.append("")
    return "\n".join(parts).rstrip("\n") + "\n"


def quiet(text: str) -> str:
    """Text that can stand inside an HTML comment (no ``--``)."""
    return text.replace("--", "- -")


def all_stems() -> list[str]:
    """The stems of every translation file, in order."""
    return sorted(path.stem for path in TRANSLATIONS_DIR.glob("*.md"))


def stem_of(argument: str) -> str:
    """``01_worked_example`` from itself, from ``01_worked_example.ipynb``, its .md or a path."""
    name = Path(argument).name
    for suffix in (".ipynb", ".md"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name


def main(argv: list[str] | None = None) -> int:
    """The command line; returns the exit status (0 fine, 1 a translation problem)."""
    parser = argparse.ArgumentParser(
        prog="python notebooks/ja/build.py",
        description="Build notebooks/ja/<stem>.ipynb from notebooks/<stem>.ipynb and "
        "notebooks/ja/translations/<stem>.md.",
    )
    parser.add_argument(
        "stems", nargs="*", help="notebooks to build (default: every one with a translation)"
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--skeleton", action="store_true", help="print a translation file to start from"
    )
    mode.add_argument(
        "--check", action="store_true",
        help="check hashes, replacements and the committed notebooks; write nothing",
    )
    mode.add_argument(
        "--no-execute", action="store_true", help="write the notebook without running it"
    )
    arguments = parser.parse_args(argv)
    stems = [stem_of(argument) for argument in arguments.stems] or all_stems()
    if not stems:
        print(f"no translation files in {relative(TRANSLATIONS_DIR)}", file=sys.stderr)
        return 1
    if arguments.skeleton:
        if len(arguments.stems) != 1:
            parser.error("--skeleton takes exactly one notebook")
        try:
            sys.stdout.write(skeleton(stems[0]))
        except TranslationError as error:
            print(error, file=sys.stderr)
            return 1
        return 0
    failed = False
    for stem in stems:
        try:
            translation, english = load(stem)
            notebook = build_notebook(translation, english)
            if arguments.check:
                stale = staleness(stem, notebook)
                if stale:
                    raise TranslationError(stale)
                print(f"{stem}: translation and {relative(japanese_path(stem))} up to date")
                continue
            if not arguments.no_execute:
                seconds = execute(notebook, stem)
                print(f"{stem}: executed in {seconds:.1f} s")
            write(notebook, japanese_path(stem))
            print(f"{stem}: wrote {relative(japanese_path(stem))}")
        except TranslationError as error:
            print(error, file=sys.stderr)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
