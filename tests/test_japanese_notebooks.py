"""The Japanese edition (notebooks/ja/) is complete, up to date and prints what the English one prints.

Each English notebook is the one source of its code; its translation file
``notebooks/ja/translations/<stem>.md`` holds the Japanese text, and
``notebooks/ja/build.py`` makes ``notebooks/ja/<stem>.ipynb`` from the two (the
format is in notebooks/ja/README.md). These tests check the committed files;
CI also re-executes every Japanese notebook (``pytest --nbmake``), and
tests/test_notebooks.py checks that they are executed and portable.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
JA = NOTEBOOKS / "ja"
ENGLISH_STEMS = sorted(path.stem for path in NOTEBOOKS.glob("*.ipynb"))
TRANSLATED_STEMS = sorted(path.stem for path in (JA / "translations").glob("*.md"))

#: English notebooks whose Japanese edition is being written in this round of issue 17.
#: Remove a name when its translation and built notebook land; the set must end empty.
#: A new English notebook needs a translation too: until it has one, add its name here.
TRANSLATIONS_UNDER_WAY: set[str] = set()

#: A number with a decimal point or an exponent (0.25, 2.0736, 1e-06, 6.94e-12, NumPy's 30.), not
#: part of a word or a hex address. Plain integers are left out: Japanese text writes some in
#: words (2乗); so is an integer that ends a sentence ("come out 0. It ...", "/ 2. ヒント").
DECIMAL = re.compile(
    r"(?<![0-9A-Za-z_.])-?(?:\d+\.(?:\d+|(?!\s+[A-Z\u3040-\u30ff\u4e00-\u9fff]))(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+)(?![0-9A-Za-z_])"
)
#: Kana or kanji: a translated cell has at least one.
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
#: A link to another notebook in markdown: ](name.ipynb) or ](name.ipynb#section).
NOTEBOOK_LINK = re.compile(r"\]\(([^)\s]*\.ipynb)(?:#[^)]*)?\)")
IMAGE_TYPES = ("image/png", "image/svg+xml", "image/jpeg")


def load_build() -> ModuleType:
    """notebooks/ja/build.py, imported as a module (it is a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location("ja_build", JA / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


build = load_build()


def load(path: Path) -> dict[str, Any]:
    """A notebook's JSON."""
    return json.loads(path.read_text(encoding="utf-8"))


def code_cells(notebook: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The code cells by id."""
    return {cell["id"]: cell for cell in notebook["cells"] if cell["cell_type"] == "code"}


def printed_text(cell: dict[str, Any]) -> str:
    """What a cell printed (stdout) and showed as plain text; stderr (progress bars, timings) left out."""
    texts = []
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream" and output.get("name") == "stdout":
            texts.append("".join(output["text"]))
        plain = output.get("data", {}).get("text/plain")
        if plain is not None:
            texts.append("".join(plain) if isinstance(plain, list) else plain)
    return "\n".join(texts)


def image_count(cell: dict[str, Any]) -> int:
    """How many outputs of a cell are images (a figure, a diagram)."""
    return sum(any(kind in output.get("data", {}) for kind in IMAGE_TYPES) for output in cell.get("outputs", []))


def test_every_english_notebook_has_a_japanese_edition() -> None:
    """Each English notebook has a translation file and a built Japanese notebook, apart from those named as under way."""
    missing = {
        stem for stem in ENGLISH_STEMS
        if not (JA / "translations" / f"{stem}.md").is_file() or not (JA / f"{stem}.ipynb").is_file()
    }
    untranslated = sorted(missing - TRANSLATIONS_UNDER_WAY)
    assert not untranslated, (
        f"no Japanese edition of {untranslated}: translate them (python notebooks/ja/build.py --skeleton STEM "
        "> notebooks/ja/translations/STEM.md, then python notebooks/ja/build.py STEM) or, while that is "
        "under way, add them to TRANSLATIONS_UNDER_WAY in this file"
    )
    done = sorted(TRANSLATIONS_UNDER_WAY - missing)
    assert not done, f"{done} have their Japanese edition now: remove them from TRANSLATIONS_UNDER_WAY in this file"
    orphans = sorted(set(TRANSLATED_STEMS) - set(ENGLISH_STEMS))
    assert not orphans, f"translation files without an English notebook: {orphans}"


@pytest.mark.parametrize("stem", TRANSLATED_STEMS)
def test_translation_matches_the_english_notebook(stem: str) -> None:
    """Every markdown cell is translated from the current English text (hash), and every replacement applies."""
    try:
        build.load(stem)
    except build.TranslationError as error:
        pytest.fail(f"{stem}: the translation does not fit the English notebook:\n{error}", pytrace=False)


@pytest.mark.parametrize("stem", TRANSLATED_STEMS)
def test_committed_japanese_notebook_is_what_the_build_makes(stem: str) -> None:
    """notebooks/ja/<stem>.ipynb has the cells and metadata the build makes now, so it is not stale."""
    translation, english = build.load(stem)
    stale = build.staleness(stem, build.build_notebook(translation, english))
    assert stale is None, stale


@pytest.mark.parametrize("stem", TRANSLATED_STEMS)
def test_japanese_text_is_japanese_and_links_to_japanese_notebooks(stem: str) -> None:
    """Each translated cell has Japanese in it, and its notebook links name notebooks of the same folder."""
    translation, _ = build.load(stem)
    for cell_id, block in translation.markdown.items():
        assert JAPANESE.search(block.text), f"{stem}, markdown cell {cell_id}: no Japanese in the translation"
        for target in NOTEBOOK_LINK.findall(block.text):
            assert "/" not in target and (NOTEBOOKS / target).is_file(), (
                f"{stem}, markdown cell {cell_id}: the link {target} must name a notebook of the "
                "learning path by its file name alone, so that it opens the Japanese edition next to this one"
            )


#: A line that starts a new Markdown block (heading, table row, list item, quote, fence, math).
BLOCK_START = re.compile(r"^\s*(?:#|\||[*+-]\s|\d+[.)]\s|>|\$\$|```)")


@pytest.mark.parametrize("stem", TRANSLATED_STEMS)
def test_japanese_sentences_are_not_broken_between_two_japanese_characters(stem: str) -> None:
    """A newline between two Japanese characters renders as a stray space: a paragraph is one line."""
    translation, _ = build.load(stem)
    broken = []
    for cell_id, block in translation.markdown.items():
        fenced = False
        lines = block.text.splitlines()
        for line, following in zip(lines, lines[1:]):
            if line.lstrip().startswith("```"):
                fenced = not fenced
            head = following.lstrip()[:1]
            if (
                not fenced and line and head and ord(line[-1]) >= 0x3000 and ord(head) >= 0x3000
                and not BLOCK_START.match(following)
            ):
                broken.append(f"{cell_id}: ...{line[-12:]} / {following.lstrip()[:12]}...")
    assert not broken, (
        f"notebooks/ja/translations/{stem}.md breaks Japanese sentences across lines, which shows "
        f"as a space between the characters; join each paragraph or list item into one line: {broken[:5]}"
    )


@pytest.mark.parametrize("stem", TRANSLATED_STEMS)
def test_next_link_names_the_next_notebook_by_its_japanese_title(stem: str) -> None:
    """Every notebook but the last ends with the same line: 次へ: [N. title](file), the title the next one has."""
    position = ENGLISH_STEMS.index(stem)
    if position == len(ENGLISH_STEMS) - 1:
        return
    following = ENGLISH_STEMS[position + 1]
    title_pattern = r"[^\]]+"
    if following in TRANSLATED_STEMS:
        heading = next(iter(build.load(following)[0].markdown.values())).text.splitlines()[0]
        title_pattern = re.escape(heading.lstrip("# ").split(": ")[0])
    last_line = list(build.load(stem)[0].markdown.values())[-1].text.rstrip().splitlines()[-1]
    expected = rf"次へ: \[{title_pattern}\]\({re.escape(following)}\.ipynb\)"
    assert re.fullmatch(expected, last_line), (
        f"notebooks/ja/translations/{stem}.md should end with the line 次へ: [N. title]({following}.ipynb), "
        f"the title being the next notebook's heading up to its subtitle; it ends with {last_line!r}"
    )


@pytest.mark.parametrize("stem", TRANSLATED_STEMS)
def test_japanese_notebook_starts_with_the_setup_cell(stem: str) -> None:
    """The cell after the title switches the language and the font, and it ran without printing an error."""
    cells = load(JA / f"{stem}.ipynb")["cells"]
    assert cells[1]["id"] == build.SETUP_CELL_ID
    assert "".join(cells[1]["source"]) == build.SETUP_CELL_SOURCE


@pytest.mark.parametrize("stem", TRANSLATED_STEMS)
def test_japanese_notebook_prints_the_english_numbers_and_draws_as_many_images(stem: str) -> None:
    """Each code cell prints the same decimal numbers as in English (in any order) and shows as many images."""
    translation, _ = build.load(stem)
    english = code_cells(load(NOTEBOOKS / f"{stem}.ipynb"))
    japanese = code_cells(load(JA / f"{stem}.ipynb"))
    problems = []
    for cell_id, cell in english.items():
        ja_cell = japanese[cell_id]
        if image_count(ja_cell) != image_count(cell):
            problems.append(f"cell {cell_id}: {image_count(ja_cell)} images, in English {image_count(cell)}")
        block = translation.code.get(cell_id)
        if block is not None and block.numbers_vary:
            continue
        ours, theirs = Counter(DECIMAL.findall(printed_text(ja_cell))), Counter(DECIMAL.findall(printed_text(cell)))
        if ours != theirs:
            problems.append(
                f"cell {cell_id}: numbers only in Japanese {sorted((ours - theirs).elements())}, only in English "
                f"{sorted((theirs - ours).elements())}"
            )
    assert not problems, (
        f"{stem}: the Japanese notebook's outputs differ from the English one's; re-execute both "
        "(a cell that prints timings can say so in its block: <!-- code ID numbers-vary: timings -->):\n"
        + "\n".join(problems)
    )


def english_only_phrases() -> set[str]:
    """Phrases of the teaching output's English templates that the Japanese ones do not have.

    The pieces between placeholders of each message of the catalogue, where they
    are long enough to be unmistakably English prose (16 characters, three words).
    """
    from autograd_core.messages import MESSAGES

    phrases = set()
    for templates in MESSAGES.values():
        for piece in re.split(r"\{[^{}]*\}", templates["en"]):
            piece = piece.strip()
            if len(piece) >= 16 and len(re.findall(r"[A-Za-z]{2,}", piece)) >= 3 and piece not in templates["ja"]:
                phrases.add(piece)
    return phrases


@pytest.mark.parametrize("stem", TRANSLATED_STEMS)
def test_teaching_output_of_the_japanese_notebook_is_japanese(stem: str) -> None:
    """explain, trace_backward, gradcheck, ... printed Japanese: the notebook ran with today's catalogue."""
    phrases = english_only_phrases()
    assert phrases, "no English-only phrases found in the message catalogue"
    found = sorted(
        (cell_id, phrase)
        for cell_id, cell in code_cells(load(JA / f"{stem}.ipynb")).items()
        for phrase in phrases
        if phrase in printed_text(cell)
    )
    assert not found, (
        f"{stem}: English teaching output in the Japanese notebook {found[:3]}; it was executed "
        f"before that text had a Japanese version: run python notebooks/ja/build.py {stem}"
    )


# ---- the build itself, on small notebooks made here ------------------------------------------


def english_notebook(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """A three-cell English notebook in a scratch notebooks/ folder."""
    notebook = {
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                     "autograd_core": {"needs": ["numpy"]}, "widgets": {"state": {}}},
        "cells": [
            {"cell_type": "markdown", "id": "title", "metadata": {}, "source": "# 1. Title\n\nSome text."},
            {"cell_type": "code", "id": "plot", "metadata": {}, "execution_count": None, "outputs": [],
             "source": 'print("Loss", 0.5)\ntitle = "Loss curve"'},
            {"cell_type": "markdown", "id": "next", "metadata": {}, "source": "Next: [2. Two](02_two.ipynb)."},
        ],
    }
    folder = tmp_path / "notebooks"
    (folder / "ja" / "translations").mkdir(parents=True)
    path = folder / "01_one.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return folder, notebook


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, dict[str, Any]]:
    """build.py pointed at a scratch notebooks/ folder with one English notebook."""
    folder, notebook = english_notebook(tmp_path)
    monkeypatch.setattr(build, "NOTEBOOKS_DIR", folder)
    monkeypatch.setattr(build, "JA_DIR", folder / "ja")
    monkeypatch.setattr(build, "TRANSLATIONS_DIR", folder / "ja" / "translations")
    return folder, notebook


def write_translation(folder: Path, notebook: dict[str, Any], title_hash: str | None = None, code: str = "") -> Path:
    """A translation of the scratch notebook (title hash overridable, code block lines optional)."""
    title_hash = title_hash or build.source_hash(notebook["cells"][0]["source"])
    text = (
        "<!-- notebook: 01_one.ipynb -->\n\n"
        f"<!-- markdown title en:{title_hash} -->\n<!-- en\n# 1. Title\n-->\n# 1. 題名\n\n本文です。\n\n"
        f"<!-- code plot -->\n{code}\n"
        f"<!-- markdown next en:{build.source_hash(notebook['cells'][2]['source'])} -->\n"
        "次は [2. 二つ目](02_two.ipynb) です。\n"
    )
    path = folder / "ja" / "translations" / "01_one.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_build_translates_markdown_replaces_code_and_inserts_the_setup_cell(scratch: tuple[Path, dict[str, Any]]) -> None:
    """The built notebook: Japanese markdown without the English note, replaced strings, the setup cell second."""
    folder, notebook = scratch
    write_translation(folder, notebook, code='"Loss curve" => "損失の推移"\n# a comment\n"\\"Loss\\"" => "\\"損失\\""')
    translation, english = build.load("01_one")
    built = build.build_notebook(translation, english)
    assert [cell["id"] for cell in built.cells] == ["title", "ja-setup", "plot", "next"]
    assert built.cells[0]["source"] == "# 1. 題名\n\n本文です。"
    assert built.cells[2]["source"] == 'print("損失", 0.5)\ntitle = "損失の推移"'
    assert built.cells[1]["source"] == build.SETUP_CELL_SOURCE
    assert built.metadata["autograd_core"] == {"needs": ["numpy"], "translation_of": "../01_one.ipynb"}
    assert "widgets" not in built.metadata
    assert build.staleness("01_one", built) is not None  # not written yet
    build.write(built, folder / "ja" / "01_one.ipynb")
    assert build.staleness("01_one", built) is None


def test_stale_hash_names_the_cell_and_says_to_translate_again(scratch: tuple[Path, dict[str, Any]]) -> None:
    """When the English text changed, the error names file, line, cell and the new hash."""
    folder, notebook = scratch
    write_translation(folder, notebook, title_hash="0123456789")
    with pytest.raises(build.TranslationError) as raised:
        build.load("01_one")
    message = str(raised.value)
    new_hash = build.source_hash(notebook["cells"][0]["source"])
    assert "01_one.md, line 3: markdown cell title changed in English" in message
    assert f"en:0123456789, now en:{new_hash}" in message and "translate it again" in message


def test_missing_block_unknown_cell_and_absent_replacement_are_each_reported(scratch: tuple[Path, dict[str, Any]]) -> None:
    """All problems come at once, each naming its cell and what to do."""
    folder, notebook = scratch
    path = write_translation(folder, notebook, code='"Accuracy" => "正解率"')
    text = path.read_text(encoding="utf-8").split("<!-- markdown next")[0] + "<!-- code gone -->\n"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(build.TranslationError) as raised:
        build.load("01_one")
    message = str(raised.value)
    assert "code cell plot does not contain 'Accuracy'" in message
    assert "cell gone is not in 01_one.ipynb" in message
    assert "markdown cell next has no translation; add a block <!-- markdown next en:" in message


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("<!-- markdown plot -->", "not a block header"),
        ("<!-- code plot numbers-vary: -->", "numbers-vary needs a reason"),
        ("<!-- code plot -->\nLoss => 損失", 'expected a line "old" => "new"'),
    ],
)
def test_malformed_lines_are_refused_with_their_line_number(
    scratch: tuple[Path, dict[str, Any]], header: str, expected: str
) -> None:
    """A header without its hash, a reason-less numbers-vary and a bare replacement are refused by line."""
    folder, notebook = scratch
    path = write_translation(folder, notebook)
    text = path.read_text(encoding="utf-8")
    line = text[: text.index("<!-- code plot -->")].count("\n") + 1 + header.count("\n")
    path.write_text(text.replace("<!-- code plot -->", header), encoding="utf-8")
    with pytest.raises(build.TranslationError, match=re.escape(expected)) as raised:
        build.load("01_one")
    assert f"01_one.md, line {line}" in str(raised.value)


def test_skeleton_lists_every_markdown_cell_with_its_hash_and_parses(scratch: tuple[Path, dict[str, Any]]) -> None:
    """A fresh skeleton parses; its only problems are the untranslated cells."""
    folder, notebook = scratch
    skeleton = build.skeleton("01_one")
    assert f"<!-- markdown title en:{build.source_hash(notebook['cells'][0]['source'])} -->" in skeleton
    path = folder / "ja" / "translations" / "01_one.md"
    path.write_text(skeleton, encoding="utf-8")
    translation = build.parse_translation(path)
    assert list(translation.markdown) == ["title", "next"] and not translation.code
    problems = build.check_translation(translation, build.read_notebook(folder / "01_one.ipynb"))
    assert len(problems) == 2 and all("no Japanese text yet" in problem for problem in problems)


def test_command_line_check_reports_and_fails(scratch: tuple[Path, dict[str, Any]], capsys: pytest.CaptureFixture[str]) -> None:
    """--check exits 1 naming the stale cell; after a build without execution it exits 0."""
    folder, notebook = scratch
    write_translation(folder, notebook, title_hash="0123456789")
    assert build.main(["--check", "01_one"]) == 1
    assert "markdown cell title changed in English" in capsys.readouterr().err
    write_translation(folder, notebook)
    assert build.main(["--check", "01_one"]) == 1  # not built yet
    assert "has not been built" in capsys.readouterr().err
    assert build.main(["--no-execute", "01_one"]) == 0
    assert build.main(["--check", "01_one"]) == 0


def test_decimal_pattern_takes_decimals_and_exponents_only() -> None:
    """0.25, -6.94e-12, 1e-06 and NumPy's [30.] count; 30, 2乗, hex addresses, names like x1.5y
    and an integer ending a sentence ("come out 0. It") do not."""
    text = "loss 0.25 -> -6.94e-12, eps 1e-06; 30 steps, 2乗, at 0x7f3e5a, v1.5x, 損失0.5です"
    assert DECIMAL.findall(text) == ["0.25", "-6.94e-12", "1e-06", "0.5"]
    assert DECIMAL.findall("[30.  2.] grads come out 0. It calls x 0.5. Then / 2. ヒント") == [
        "30.", "2.", "0.5"]
