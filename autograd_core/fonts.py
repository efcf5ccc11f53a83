"""A Japanese font that comes with the install, for PNG diagrams and matplotlib.

Browsers and Jupyter draw SVG with the system's fonts, but a PNG file and a
matplotlib figure are drawn here, with whatever font file is handed to the
drawing library. The ``viz`` extra installs one from PyPI: Noto Sans JP
Regular (the Japanese build of Noto Sans CJK, SIL Open Font License 1.1, with
Japanese glyph forms, Latin letters and digits), shipped by the data-only
package ``pylopdf-fonts-jp``. No system font package is needed.

- :func:`japanese_font_path` finds that file;
- :func:`use_japanese_font` registers it with matplotlib and makes it the
  default family, so titles, axis labels and legends show Japanese.

Both raise :class:`JapaneseFontNotFoundError` (an ``ImportError``) naming what
to install when the font package or matplotlib is missing.
"""

from __future__ import annotations

import importlib
from pathlib import Path

#: The PyPI package that ships the font file, as ``pip`` spells it.
FONT_PACKAGE = "pylopdf-fonts-jp"
#: Its import name and the file inside it.
_FONT_MODULE = "pylopdf_fonts_jp"
_FONT_FILE = "NotoSansJP-Regular.otf"
#: The family name matplotlib reads from the file.
FONT_FAMILY = "Noto Sans JP"
#: What to install to get the font.
FONT_INSTALL_HINT = 'pip install "autograd-core[viz]"'


class JapaneseFontNotFoundError(ImportError):
    """The Japanese font (or matplotlib, to use it there) is not installed."""


def japanese_font_path() -> Path:
    """The file of the Japanese font that the ``viz`` extra installs.

    Returns:
        The path of ``NotoSansJP-Regular.otf`` (an OpenType font with
        Japanese kana and kanji, Latin letters and digits).

    Raises:
        JapaneseFontNotFoundError: The font package is not installed, or its
            file is missing; the message says what to install.
    """
    try:
        module = importlib.import_module(_FONT_MODULE)
    except ImportError:
        raise JapaneseFontNotFoundError(
            f"japanese_font_path: the Japanese font package {FONT_PACKAGE!r} is not "
            f"installed. Run {FONT_INSTALL_HINT} (or pip install {FONT_PACKAGE}); "
            "it ships Noto Sans JP, so PNG diagrams and matplotlib figures can "
            "show Japanese text.",
            name=_FONT_MODULE,
        ) from None
    path = Path(module.__file__ or "").resolve().parent / _FONT_FILE
    if not path.is_file():
        raise JapaneseFontNotFoundError(
            f"japanese_font_path: {FONT_PACKAGE!r} is installed but has no "
            f"{_FONT_FILE} (looked in {path.parent}). Reinstall it: "
            f"pip install --force-reinstall {FONT_PACKAGE}.",
            name=_FONT_MODULE,
        )
    return path


def japanese_font_available() -> bool:
    """True if :func:`japanese_font_path` finds the font (it raises otherwise)."""
    try:
        japanese_font_path()
    except JapaneseFontNotFoundError:
        return False
    return True


def use_japanese_font() -> str:
    """Make matplotlib draw text with the bundled Japanese font.

    Registers the font file with ``matplotlib.font_manager.fontManager`` and
    makes its family ``rcParams["font.family"]``, so every figure made
    afterwards (titles, axis labels, legends, tick labels) can show Japanese.
    DejaVu Sans, matplotlib's own font, stays behind it for any character the
    Japanese font lacks. Calling it again is harmless.

    Returns:
        The family name now used by default (``"Noto Sans JP"``).

    Raises:
        JapaneseFontNotFoundError: matplotlib or the font package is missing;
            the message says what to install.
    """
    try:
        import matplotlib
        from matplotlib import font_manager
    except ImportError:
        raise JapaneseFontNotFoundError(
            "use_japanese_font: matplotlib is not installed, so there is nothing to "
            'set the font of. Run pip install "autograd-core[notebook]" (or pip '
            "install matplotlib).",
            name="matplotlib",
        ) from None
    path = japanese_font_path()
    font_manager.fontManager.addfont(str(path))
    family = font_manager.FontProperties(fname=str(path)).get_name()
    matplotlib.rcParams["font.family"] = [family, "DejaVu Sans"]
    return family
