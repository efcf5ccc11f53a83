"""The message catalogue: every message in every language with the same placeholders,
and English and Japanese output of the same graph print the very same numbers."""

from __future__ import annotations

import re
import string
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

import nn
from autograd_core import Value, explain, gradcheck, in_language, set_language, trace_backward
from autograd_core import demo, languages
from autograd_core.graph import topological_order
from autograd_core.languages import LANGUAGES
from autograd_core.messages import LANGUAGE_NEUTRAL, MESSAGES, say
from graph_strategies import random_roots

PACKAGE = Path(__file__).resolve().parent.parent / "autograd_core"


def placeholders(template: str) -> list[tuple[str, str]]:
    """The (name, format spec) of every ``{...}`` of a template, sorted."""
    return sorted(
        (name, spec or "") for _, name, spec, _ in string.Formatter().parse(template)
        if name is not None
    )


def is_wide(ch: str) -> bool:
    """True for a Japanese (East Asian wide) character."""
    return unicodedata.east_asian_width(ch) in "WF"


def is_japanese_letter(ch: str) -> bool:
    """A kanji or kana (not Japanese punctuation such as 。 or 、, which may follow a number)."""
    return is_wide(ch) and unicodedata.category(ch).startswith("L")


_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def numbers(text: str) -> list[str]:
    """The numbers of ``text``, leaving out digits that are part of Japanese words
    (1つずつ, 第1回): those stand for English words such as "one"."""
    found = []
    for match in _NUMBER.finditer(text):
        before = text[match.start() - 1] if match.start() else " "
        after = text[match.end()] if match.end() < len(text) else " "
        if not (is_japanese_letter(before) or is_japanese_letter(after)):
            found.append(match.group())
    return found


@pytest.fixture(autouse=True)
def _english_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUTOGRAD_CORE_LANG", raising=False)
    monkeypatch.setattr(languages, "_process_language", None)


# ----------------------------------------------------------------------------
# The catalogue itself
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_has_every_language_with_the_same_placeholders(key: str) -> None:
    """Each entry is written once per language, with identical placeholders (names and specs)."""
    entry = MESSAGES[key]
    assert set(entry) == set(LANGUAGES), f"{key}: languages {sorted(entry)}"
    english = placeholders(entry["en"])
    for lang, template in entry.items():
        assert placeholders(template) == english, f"{key} [{lang}]: {template!r}"


@pytest.mark.parametrize("key", sorted(set(MESSAGES) - LANGUAGE_NEUTRAL))
def test_every_worded_message_is_really_translated(key: str) -> None:
    """A message with words of its own reads differently in Japanese and has Japanese in it."""
    entry = MESSAGES[key]
    assert entry["ja"] != entry["en"], key
    assert any(is_wide(ch) for ch in entry["ja"]), f"{key}: no Japanese in {entry['ja']!r}"


def test_language_neutral_messages_are_the_same_everywhere() -> None:
    """The few messages without words (only symbols and placeholders) are identical."""
    for key in LANGUAGE_NEUTRAL:
        assert len(set(MESSAGES[key].values())) == 1, key


def test_japanese_sentences_are_polite_and_use_japanese_punctuation() -> None:
    """です・ます調: no Japanese sentence ends in a plain form (…です, …ます, …ください), and none uses an ASCII full stop
    (a sentence that is only a placeholder, {head}。, is one filled in by a polite clause)."""
    for key, entry in MESSAGES.items():
        text = entry["ja"]
        for sentence in re.split(r"(?<=。)", text):
            if sentence.endswith("。") and not re.fullmatch(r"\{\w+\}。", sentence):
                # A remark in parentheses may follow the verb: ...です(backward() の起点)。
                assert re.search(r"(です|ます|ました|ません|ください|でしょう)(\(.*\))?。$", sentence), (key, sentence)
        assert not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]\.(\s|$)", text), key


def test_every_message_is_used_and_every_used_message_exists() -> None:
    """No dead entries: each key appears in the package's code; each say("key") has an entry."""
    source = "\n".join(
        path.read_text(encoding="utf-8") for path in PACKAGE.rglob("*.py")
        if path.name != "messages.py"
    )
    unused = [key for key in MESSAGES if f'"{key}"' not in source]
    assert unused == []
    used = set(re.findall(r'say\(\s*"([a-z_]+)"', source))
    assert used - set(MESSAGES) == set()


def test_say_fills_in_the_language_asked_for() -> None:
    """say(key, lang, ...) picks the template of that language."""
    assert say("data_cell", "en", value="10") == "data 10"
    assert say("data_cell", "ja", value="10") == "値 10"
    with pytest.raises(KeyError):
        say("data_cell", "fr", value="10")


# ----------------------------------------------------------------------------
# The same numbers in both languages
# ----------------------------------------------------------------------------
def seed_graph() -> Value:
    g = demo.build_seed_graph()
    return g.L


def network_loss() -> Value:
    """A 2-2-1 network's squared error: sums, tanh, shared inputs and a constant."""
    model = nn.MLP(2, [2, 1], seed=3)
    loss = (model([0.5, -1.5])[0] - 1.0).square()
    loss.label = "loss"
    return loss


def shared_and_dead() -> Value:
    """a * a (one parent in two slots), a relu that is off (gradient 0), a log."""
    a, b = Value(1.5, label="a"), Value(-2.0, label="b")
    y = a * a + (b * 3).relu() + (a + 2).log()
    y.label = "y"
    return y


def same_numbers(english: str, japanese: str) -> None:
    """Line by line, the same numbers in both texts (in any order within a line:
    Japanese word order differs, "gradient 0 ... 1 node" is "勾配が 0 の計算ノード 1 個")."""
    lines_en, lines_ja = english.splitlines(), japanese.splitlines()
    assert len(lines_en) == len(lines_ja), (english, japanese)
    for line_en, line_ja in zip(lines_en, lines_ja):
        assert sorted(numbers(line_en)) == sorted(numbers(line_ja)), (line_en, line_ja)


GRAPHS = {"seed": seed_graph, "network": network_loss, "shared": shared_and_dead}


def outputs(root: Value, lang: str) -> list[str]:
    """Everything the text tools print for ``root`` in ``lang``."""
    order = topological_order(root)
    texts = [trace_backward(root, lang=lang)]
    texts += [explain(root, node, lang=lang) for node in order]
    texts.append(explain(root, Value(1.0, label="outside"), lang=lang))
    texts.append(explain(root, order[0], max_paths=0, lang=lang))
    texts.append(trace_backward(root, max_steps=2, lang=lang))
    return texts


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_explain_and_trace_print_the_same_numbers_in_both_languages(name: str) -> None:
    """Every explanation and trace of a graph has the same numbers, in order, in en and ja."""
    root = GRAPHS[name]()
    for english, japanese in zip(outputs(root, "en"), outputs(root, "ja"), strict=True):
        same_numbers(english, japanese)
        assert english != japanese


@settings(max_examples=40, deadline=None)
@given(random_roots(operations=("add", "sub", "mul", "tanh", "square", "sum"), leaves=(2, 3), steps=(1, 6)))
def test_random_graphs_print_the_same_numbers_in_both_languages(root: Value) -> None:
    """For any small graph, en and ja explanations and traces agree number for number."""
    for english, japanese in zip(outputs(root, "en"), outputs(root, "ja"), strict=True):
        same_numbers(english, japanese)


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_step_through_frames_have_the_same_numbers_in_both_languages(name: str) -> None:
    """Captions, details, box texts and explanations of the step-through agree in number."""
    pytest.importorskip("graphviz")
    from autograd_core import step_through

    root = GRAPHS[name]()
    english, japanese = step_through(root, lang="en"), step_through(root, lang="ja")
    assert len(english.frames) == len(japanese.frames)
    for a, b in zip(english.frames, japanese.frames):
        for text_a, text_b in [(a.caption, b.caption), (a.detail, b.detail)] + [
            (ca[2], cb[2]) for ca, cb in zip(a.cells, b.cells, strict=True)
        ]:
            same_numbers(text_a, text_b)
    pa, pb = english.payload(), japanese.payload()
    for key in pa["explanations"]:
        same_numbers(pa["explanations"][key], pb["explanations"][key])
    assert pb["text"]["button_next"] == "次へ" and pb["lang"] == "ja"


def test_gradcheck_report_has_the_same_numbers_in_both_languages() -> None:
    """The report's headings are translated; its rows are the same characters."""
    a, b = Value(0.7, label="a"), Value(-1.3, label="重み")
    result = gradcheck(lambda x, y: (x * y).tanh() + x.exp(), [a, b])
    english, japanese = result.report(lang="en"), result.report(lang="ja")
    same_numbers(english, japanese)
    assert english.splitlines()[1:-1] == japanese.splitlines()[1:-1]
    assert "数値微分" in japanese and "相対誤差" in japanese


def test_demo_prints_the_same_numbers_in_both_languages(capsys: pytest.CaptureFixture[str]) -> None:
    """python -m autograd_core --lang ja: every number of the English demo, in the same order."""
    demo.main(["--no-diagram", "--w", "3", "--x", "-2", "--lr", "0.05"])
    english = capsys.readouterr().out
    demo.main(["--no-diagram", "--w", "3", "--x", "-2", "--lr", "0.05", "--lang", "ja"])
    japanese = capsys.readouterr().out
    same_numbers(english, japanese)
    assert len(numbers(english)) > 60


_SHAPE = re.compile(r"\((?:\d+|B)(?: x (?:\d+|B))*\)")


def compiled_programs() -> list[Any]:
    """A 3-4-2 MLP (two matrix products, bias, tanh, a two-input loss) and an einsum-shaped pair."""
    from autograd_core import compile_batch

    model = nn.MLP(3, [4, 2], activation="tanh", seed=0)
    mlp = compile_batch(
        lambda x, t: nn.softmax_cross_entropy(model(x), t), model.parameters(), (3, 2)
    )
    w = Value(0.3)
    pair = compile_batch(lambda x: Value.sum([x[0] * x[1], x[2] * x[3]]) * w, [w], (4,))
    return [mlp, pair]


def test_compiled_description_has_the_same_numbers_and_shapes_in_both_languages() -> None:
    """describe(steps=True) in ja: every line has the English numbers and the very same shapes
    and products, e.g. (4 x B) = (3 x 4)^T @ (3 x B) + (4 x 1); only the words are Japanese."""
    for program in compiled_programs():
        english = program.describe(steps=True, lang="en")
        japanese = program.describe(steps=True, lang="ja")
        same_numbers(english, japanese)
        for line_en, line_ja in zip(english.splitlines(), japanese.splitlines()):
            assert _SHAPE.findall(line_en) == _SHAPE.findall(line_ja), (line_en, line_ja)
            if "^T @" in line_en:
                assert line_en.split(":", 1)[1].strip() == line_ja.split(":", 1)[1].strip()
        assert "ステップ 1 (レベル 2)" in japanese and "step" not in japanese
        assert "順伝播:" in japanese and "forward" not in japanese
        for step_en, step_ja in zip(program.plan(lang="en"), program.plan(lang="ja"), strict=True):
            for product_en, product_ja in zip(step_en.products, step_ja.products, strict=True):
                if product_en.kind == "matmul":  # a product is only shapes: the same text
                    assert (product_en.forward, product_en.backward) == (
                        product_ja.forward, product_ja.backward
                    )
            assert "." not in step_ja.label and step_ja.label.startswith("ステップ")


def test_compiled_description_follows_the_process_wide_setting() -> None:
    """describe() and plan() speak the setting's language; repr stays English (it is for code)."""
    program = compiled_programs()[0]
    english = program.describe()
    set_language("ja")
    assert program.describe() == program.describe(lang="ja") != english
    assert "1サンプルあたり" in program.describe()
    assert program.plan()[0].label == "ステップ 1: matmul + sum (16 ノード)"
    assert repr(program) == f"<{english}>"
    assert program.describe(lang="en") == english
    with pytest.raises(ValueError, match=r"describe\(\): lang='jp' is not a language"):
        program.describe(lang="jp")


# ----------------------------------------------------------------------------
# Choosing the language
# ----------------------------------------------------------------------------
def test_the_process_wide_setting_is_the_default_of_every_tool() -> None:
    """set_language("ja") makes explain, trace_backward and gradcheck's str Japanese;
    lang= and in_language override it; set_language("en") brings English back."""
    root = seed_graph()
    w = topological_order(root)[0]
    set_language("ja")
    assert "連鎖律" in explain(root, w) and "起点" in trace_backward(root)
    assert "逆伝播" in str(gradcheck(lambda x: x * x, [Value(2.0, label="x")]))
    assert "chain rule" in explain(root, w, lang="en")
    with in_language("en"):
        assert "the seed" in trace_backward(root)
    set_language("en")
    assert "chain rule" in explain(root, w)


def test_japanese_uses_the_articles_words() -> None:
    """The explanation of the worked example speaks of 局所的な微分, 連鎖律, 逆伝播, 葉ノード."""
    pytest.importorskip("graphviz")
    from autograd_core import step_through

    root = seed_graph()
    text = explain(root, topological_order(root)[0], lang="ja")
    for word in ("局所的な微分", "連鎖律", "逆伝播", "経路"):
        assert word in text, word
    steps = step_through(root, lang="ja")
    assert "葉ノード" in steps.frames[1].caption and "順伝播" in steps.frames[0].caption


@pytest.mark.parametrize(
    "call",
    [
        lambda r: explain(r, r, lang="jp"),
        lambda r: trace_backward(r, lang="jp"),
        lambda r: gradcheck(lambda x: x * x, [Value(1.0)]).report(lang="jp"),
    ],
    ids=["explain", "trace_backward", "GradcheckResult.report"],
)
def test_an_unknown_lang_is_refused_naming_the_function(call: Any) -> None:
    """lang="jp" is a ValueError naming the function, lang= and the accepted codes."""
    with pytest.raises(ValueError, match=r"\(\): lang='jp' is not a language.*'en', 'ja'"):
        call(seed_graph())


def test_exceptions_stay_in_english_whatever_the_setting() -> None:
    """With Japanese chosen, errors still read in English (what users search for)."""
    set_language("ja")
    with pytest.raises(TypeError, match="explain: root must be a Value"):
        explain(1.0, Value(1.0))  # type: ignore[arg-type]
    from autograd_core import GradcheckError

    with pytest.raises(GradcheckError) as caught:  # relu at 0: backprop 0, differences 0.5
        gradcheck(lambda x: x.relu(), [Value(0.0, label="x")])
    message = str(caught.value)
    assert "disagree" in message and "numerical" in message and "数値微分" not in message
    with pytest.raises(ValueError, match=r"set_language\(\): lang='jp'"):
        set_language("jp")


@pytest.mark.parametrize(
    ("forward", "local_grads", "hint"),
    [
        (lambda m, x: m.tanh(x), lambda m, y, x: (1.0 - x * x,), "入れ替えると正しく"),
        (lambda m, x: m.sin(2.0 * x), lambda m, y, x: (m.cos(2.0 * x),), "2 倍です"),
        (lambda m, x: m.sin(x * x), lambda m, y, x: (m.cos(x * x),), "点ごとに変わる因子"),
        (lambda m, x: m.cos(x), lambda m, y, x: (m.sin(x),), "符号"),
        (lambda m, x: m.sigmoid(x), lambda m, y, x: (y,), "出力 y そのもの"),
        (lambda m, x: m.sinh(x) if hasattr(m, "sinh") else m.exp(x), lambda m, y, x: (y,), "高階微分"),
    ],
    ids=["y-x", "factor", "varying", "sign", "output", "fine"],
)
def test_check_operation_reports_in_japanese_with_the_same_numbers(
    forward: Any, local_grads: Any, hint: str
) -> None:
    """check_operation(lang="ja") names the same mistake in Japanese, with the same numbers."""
    from autograd_core import check_operation, define_operation, remove_operation

    operation = define_operation("lang_check", forward, local_grads)
    try:
        english = str(check_operation(operation, lang="en"))
        japanese = str(check_operation(operation, lang="ja"))
        set_language("ja")
        assert str(check_operation(operation)) == japanese
    finally:
        remove_operation("lang_check")
    assert hint in japanese, japanese
    same_numbers(english, japanese)
