"""Which language the teaching output speaks: English (``"en"``, the default) or Japanese (``"ja"``).

Teaching output is what a learner reads: :func:`~autograd_core.explain.explain`,
:func:`~autograd_core.explain.trace_backward`, the step-through's captions and
buttons, the demo, the headings of gradcheck's report and the captions of the
diagrams. Each of them takes ``lang=`` (``None``: the current setting).
Exceptions are always in English, the words Python users search for.

The current setting is found in this order:

1. inside ``with in_language("ja"):`` the language of the innermost block. Like
   :func:`~autograd_core.grad_mode.no_grad` this is a
   :class:`contextvars.ContextVar`: it belongs to the running thread or asyncio
   task, so a block in one thread does not change another thread's output;
2. otherwise the process-wide choice of :func:`set_language` (every thread
   sees it: a notebook or a script chooses its language once, at the top);
3. otherwise the environment variable ``AUTOGRAD_CORE_LANG``, read when the
   setting is asked for (so a value set after import counts);
4. otherwise ``"en"``.

The language is looked up once per call that makes output, never per node: the
engine's forward and backward passes do not read it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

#: The languages teaching output can be written in, with their names.
LANGUAGES: dict[str, str] = {"en": "English", "ja": "日本語 (Japanese)"}

#: The language used when nothing else is chosen.
DEFAULT_LANGUAGE = "en"

#: The environment variable that chooses the language for the whole process.
ENVIRONMENT_VARIABLE = "AUTOGRAD_CORE_LANG"

# The process-wide choice of set_language(); None: not chosen (the environment decides).
_process_language: str | None = None
# The innermost in_language() block of this thread/task; None: outside every block.
_block_language: ContextVar[str | None] = ContextVar("autograd_core_language", default=None)


def _accepted() -> str:
    return ", ".join(repr(code) for code in LANGUAGES)


def _suggestion(value: object) -> str:
    """`` (did you mean 'ja'?)`` for ``"JA"``, ``"Japanese"``, ``"ja_JP.UTF-8"``; else ``""``."""
    if isinstance(value, str) and value.strip().lower()[:2] in LANGUAGES:
        return f" (did you mean {value.strip().lower()[:2]!r}?)"
    return ""


def check_language(lang: object, function: str, argument: str = "lang") -> str:
    """``lang`` if it is a known language code; otherwise a ValueError naming ``function`` and ``argument``.

    Args:
        lang: The value given.
        function: The public function it was given to, for the message
            (``"explain"``, ``"set_language"``).
        argument: The argument's name.

    Raises:
        ValueError: ``lang`` is not one of :data:`LANGUAGES` (``"en"``, ``"ja"``).
    """
    if isinstance(lang, str) and lang in LANGUAGES:
        return lang
    raise ValueError(
        f"{function}(): {argument}={lang!r} is not a language autograd_core writes; "
        f"use one of {_accepted()}{_suggestion(lang)}"
    )


def _environment_language() -> str:
    """The language named by ``AUTOGRAD_CORE_LANG``, or the default when it is unset or empty."""
    value = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
    if not value:
        return DEFAULT_LANGUAGE
    if value not in LANGUAGES:
        raise ValueError(
            f"the environment variable {ENVIRONMENT_VARIABLE}={value!r} is not a language "
            f"autograd_core writes; set it to one of {_accepted()}{_suggestion(value)}, "
            "or unset it for English"
        )
    return value


def set_language(lang: str) -> None:
    """Choose the language of all teaching output in this process (every thread).

    ``set_language("ja")`` makes explain, trace_backward, the step-through,
    gradcheck's report, the demo and the diagrams' captions Japanese, until
    another call changes it. A ``lang=`` argument or an :func:`in_language`
    block still overrides it for one call or block. Overrides
    ``AUTOGRAD_CORE_LANG``.

    Args:
        lang: ``"en"`` or ``"ja"``.

    Raises:
        ValueError: ``lang`` is not a known language; the setting is unchanged.
    """
    global _process_language
    _process_language = check_language(lang, "set_language")


def get_language() -> str:
    """The language teaching output is written in here and now: ``"en"`` or ``"ja"``.

    The innermost :func:`in_language` block of this thread/task, else the choice
    of :func:`set_language`, else ``AUTOGRAD_CORE_LANG``, else ``"en"``.

    Raises:
        ValueError: Only ``AUTOGRAD_CORE_LANG`` decides and it names an unknown language.
    """
    block = _block_language.get()
    if block is not None:
        return block
    if _process_language is not None:
        return _process_language
    return _environment_language()


def resolve_language(lang: str | None, function: str) -> str:
    """The language for one call: ``lang`` if given (checked), else :func:`get_language`.

    What every function that makes output calls once, at its start.

    Raises:
        ValueError: ``lang`` is not a known language (naming ``function`` and ``lang=``).
    """
    if lang is None:
        return get_language()
    return check_language(lang, function)


@contextmanager
def in_language(lang: str) -> Iterator[None]:
    """Context manager (or decorator): teaching output inside it is written in ``lang``.

    ``with in_language("ja"): print(explain(L))``. Only the calling thread (or
    asyncio task) is affected, and the previous language is back on exit, also
    when an exception escapes; blocks nest.

    Raises:
        ValueError: ``lang`` is not a known language (before the block runs).
    """
    token = _block_language.set(check_language(lang, "in_language"))
    try:
        yield
    finally:
        try:
            _block_language.reset(token)
        except ValueError:  # left in another context than entered in (a resumed generator)
            _block_language.set(None if token.old_value is token.MISSING else token.old_value)
