"""The language setting: set_language, get_language, in_language and AUTOGRAD_CORE_LANG."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

import autograd_core
from autograd_core import get_language, in_language, set_language
from autograd_core import languages


@pytest.fixture(autouse=True)
def _fresh_setting(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts with nothing chosen and no environment variable, and leaves it so."""
    monkeypatch.delenv("AUTOGRAD_CORE_LANG", raising=False)
    monkeypatch.setattr(languages, "_process_language", None)
    yield


def test_english_is_the_default() -> None:
    """With nothing chosen, output is English."""
    assert get_language() == "en"


def test_set_language_is_process_wide_and_reversible() -> None:
    """set_language changes the setting for later calls, and back."""
    set_language("ja")
    assert get_language() == "ja"
    set_language("en")
    assert get_language() == "en"


def test_set_language_is_seen_by_other_threads() -> None:
    """The process-wide choice reaches a thread started afterwards."""
    set_language("ja")
    seen = []
    thread = threading.Thread(target=lambda: seen.append(get_language()))
    thread.start()
    thread.join()
    assert seen == ["ja"]


def test_the_environment_variable_chooses_when_nothing_else_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """AUTOGRAD_CORE_LANG is read when asked (also when set after import); set_language overrides it."""
    monkeypatch.setenv("AUTOGRAD_CORE_LANG", "ja")
    assert get_language() == "ja"
    set_language("en")
    assert get_language() == "en"


def test_an_empty_environment_variable_means_english(monkeypatch: pytest.MonkeyPatch) -> None:
    """AUTOGRAD_CORE_LANG= (set but empty) is the same as unset."""
    monkeypatch.setenv("AUTOGRAD_CORE_LANG", "")
    assert get_language() == "en"


def test_a_bad_environment_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unknown AUTOGRAD_CORE_LANG raises an error naming the variable, its value and the choices."""
    monkeypatch.setenv("AUTOGRAD_CORE_LANG", "fr")
    with pytest.raises(ValueError, match=r"AUTOGRAD_CORE_LANG='fr'.*'en', 'ja', or unset"):
        get_language()
    monkeypatch.setenv("AUTOGRAD_CORE_LANG", "ja_JP.UTF-8")  # a locale, as in LANG
    with pytest.raises(ValueError, match=r"did you mean 'ja'\?"):
        get_language()


@pytest.mark.parametrize("bad", ["fr", "JA", "", None, 1])
def test_set_language_refuses_an_unknown_language(bad: object) -> None:
    """An unknown language is refused with the function, argument, value and the accepted codes; nothing changes."""
    set_language("ja")
    with pytest.raises(ValueError) as caught:
        set_language(bad)  # type: ignore[arg-type]
    message = str(caught.value)
    assert f"set_language(): lang={bad!r}" in message
    assert "'en', 'ja'" in message
    assert get_language() == "ja"


def test_a_near_miss_gets_a_suggestion() -> None:
    """'Japanese' or 'JA' is refused, suggesting 'ja'."""
    with pytest.raises(ValueError, match=r"did you mean 'ja'\?"):
        set_language("Japanese")


def test_in_language_overrides_and_restores() -> None:
    """An in_language block wins over set_language, nests, and restores on exit and on error."""
    set_language("en")
    with in_language("ja"):
        assert get_language() == "ja"
        with in_language("en"):
            assert get_language() == "en"
        assert get_language() == "ja"
    assert get_language() == "en"
    with pytest.raises(ZeroDivisionError):
        with in_language("ja"):
            1 / 0
    assert get_language() == "en"


def test_in_language_belongs_to_its_thread() -> None:
    """A block in one thread does not change what another thread writes."""
    inside, outside = threading.Event(), []

    def other() -> None:
        inside.wait()
        outside.append(get_language())

    thread = threading.Thread(target=other)
    thread.start()
    with in_language("ja"):
        inside.set()
        thread.join()
    assert outside == ["en"]


def test_in_language_refuses_before_the_block_runs() -> None:
    """A bad language in in_language is an error naming in_language, and the block does not run."""
    ran = []
    with pytest.raises(ValueError, match=r"in_language\(\): lang='de'"):
        with in_language("de"):
            ran.append(True)
    assert ran == []


def test_resolve_language_names_the_calling_function() -> None:
    """lang= given to an output function is checked in that function's name; None means the setting."""
    set_language("ja")
    assert languages.resolve_language(None, "explain") == "ja"
    assert languages.resolve_language("en", "explain") == "en"
    with pytest.raises(ValueError, match=r"explain\(\): lang='jp'"):
        languages.resolve_language("jp", "explain")


def test_the_names_are_public() -> None:
    """The three functions are in the package's namespace and __all__."""
    for name in ("set_language", "get_language", "in_language"):
        assert name in autograd_core.__all__
        assert callable(getattr(autograd_core, name))
