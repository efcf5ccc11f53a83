"""The bundled Japanese font: found, really Japanese, and used by matplotlib."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

from autograd_core import fonts
from autograd_core.fonts import (
    FONT_FAMILY,
    JapaneseFontNotFoundError,
    japanese_font_available,
    japanese_font_path,
    use_japanese_font,
)

#: Words the Japanese edition prints: kanji, hiragana, katakana, long vowel mark.
JAPANESE_WORDS = (
    "計算グラフ 順伝播 逆伝播 局所的な微分 連鎖律 勾配 学習率 損失関数 活性化関数 "
    "勾配確認 勾配消失 交差エントロピー誤差 掛け算 足し算 引き算 2乗"
)


def test_font_path_is_an_opentype_file_with_japanese_glyphs() -> None:
    """The file exists, is OpenType, and maps every character of the glossary words."""
    ttLib = pytest.importorskip(
        "fontTools.ttLib", reason="needs fontTools (comes with matplotlib): pip install 'autograd-core[dev]'"
    )
    path = japanese_font_path()
    assert isinstance(path, Path) and path.suffix == ".otf"
    assert path.read_bytes()[:4] == b"OTTO"  # OpenType with CFF outlines
    font = ttLib.TTFont(path, lazy=True)
    cmap = font.getBestCmap()
    wanted = JAPANESE_WORDS.replace(" ", "") + "0123456789.-+=xyz"
    missing = [ch for ch in wanted if ord(ch) not in cmap]
    assert missing == []
    assert font["name"].getDebugName(1) == FONT_FAMILY
    assert japanese_font_available()


def test_missing_font_package_names_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the font package the error is an ImportError that names the package and the extra."""
    monkeypatch.setitem(sys.modules, fonts._FONT_MODULE, None)  # makes its import fail
    with pytest.raises(ImportError) as raised:
        japanese_font_path()
    assert isinstance(raised.value, JapaneseFontNotFoundError)
    assert fonts.FONT_PACKAGE in str(raised.value) and "autograd-core[viz]" in str(raised.value)
    assert not japanese_font_available()
    with pytest.raises(JapaneseFontNotFoundError, match="pylopdf-fonts-jp"):
        use_japanese_font()


def test_missing_matplotlib_names_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without matplotlib, use_japanese_font says to install it (the font alone is not enough)."""
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(JapaneseFontNotFoundError, match="matplotlib is not installed"):
        use_japanese_font()


def _draw_text(text: str, family: list[str] | None = None) -> Any:
    """Pixels of ``text`` drawn large on a small white figure (an RGBA array)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    rc = {} if family is None else {"font.family": family}
    with matplotlib.rc_context(rc):
        figure = plt.figure(figsize=(1.0, 1.0), dpi=72)
        figure.text(0.5, 0.5, text, fontsize=40, ha="center", va="center")
        figure.canvas.draw()
        pixels = np.asarray(figure.canvas.buffer_rgba())[..., 0].copy()
        plt.close(figure)
    return pixels


def test_matplotlib_draws_japanese_with_the_font_and_no_missing_glyphs() -> None:
    """After use_japanese_font, Japanese text draws without 'Glyph missing' warnings,
    two different kanji draw differently, and neither looks like the box drawn
    by a font without Japanese glyphs."""
    matplotlib = pytest.importorskip("matplotlib", reason="pip install 'autograd-core[dev]'")
    import numpy as np

    with matplotlib.rc_context():
        family = use_japanese_font()
        assert family == FONT_FAMILY
        assert matplotlib.rcParams["font.family"][0] == FONT_FAMILY
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "Glyph ... missing from font(s)" would fail here
            gradient = _draw_text("勾")
            rate = _draw_text("率")
        with pytest.warns(UserWarning, match="missing from font"):
            tofu = _draw_text("勾", family=["DejaVu Sans"])
    ink = [int((image < 128).sum()) for image in (gradient, rate, tofu)]
    assert min(ink) > 20, ink  # each drew something
    assert not np.array_equal(gradient, rate)
    assert not np.array_equal(gradient, tofu) and not np.array_equal(rate, tofu)
    # Much more than a few anti-aliasing pixels differ between two kanji.
    assert int((gradient != rate).sum()) > 50
