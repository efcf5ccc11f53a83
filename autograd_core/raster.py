"""PNG from a diagram's SVG, drawn with a font file we hand over.

``graphviz-pure`` draws PNG with the fonts compiled into it (Latin, Greek,
Cyrillic), so Japanese labels come out as empty boxes. Its SVG, though, has
the right layout (boxes sized for the labels) and plain ``<text>`` elements.
:func:`svg_to_png` rasterises that SVG with ``resvg`` (the ``resvg-py``
wheel, no system library) and the font file it is given, here the Noto Sans
JP of :mod:`autograd_core.fonts`. Only that font is loaded, not the system's,
so the picture is the same on every machine.
"""

from __future__ import annotations

import re
from pathlib import Path

#: The PyPI package of the rasteriser, as ``pip`` spells it.
RASTERISER_PACKAGE = "resvg-py"

_FONT_FAMILY_ATTRIBUTE = re.compile(r'font-family="[^"]*"')
_BOLD_TEXT_TAG = re.compile(r'<text\b[^>]*\bfont-weight="bold"[^>]*>')
_FILL_ATTRIBUTE = re.compile(r'\bfill="([^"]*)"')
#: Stroke width (in points) that thickens a regular font's strokes to look bold.
_FAUX_BOLD_STROKE = 0.4


class RasteriserNotFoundError(ImportError):
    """``resvg-py``, which draws PNG from SVG with a given font, is not installed."""


def rasteriser_available() -> bool:
    """True if ``resvg-py`` can be imported."""
    try:
        import resvg_py  # noqa: F401
    except ImportError:
        return False
    return True


def _embolden(tag: re.Match[str]) -> str:
    """A bold ``<text>`` tag with an outline of its own colour.

    The bundled font has one weight, Regular; an outline of about 0.4 pt in
    the text's colour thickens each stroke the way a bold face would (a
    browser does the same when it has no bold face).
    """
    text = tag.group(0)
    if " stroke=" in text:
        return text
    fill = _FILL_ATTRIBUTE.search(text)
    colour = fill.group(1) if fill else "black"
    return text[:-1] + f' stroke="{colour}" stroke-width="{_FAUX_BOLD_STROKE}">'


def with_single_font(svg: str, family: str) -> str:
    """``svg`` with every text set in ``family`` and bold text outlined.

    Args:
        svg: SVG text as a Graphviz renderer writes it.
        family: The family name of the one font that will be loaded.

    Returns:
        The same SVG, each ``font-family`` replaced by ``family``.
    """
    single = _FONT_FAMILY_ATTRIBUTE.sub(f'font-family="{family}"', svg)
    return _BOLD_TEXT_TAG.sub(_embolden, single)


def svg_to_png(svg: bytes, font_path: Path, family: str, *, dpi: float) -> bytes:
    """Rasterise ``svg`` with only the font in ``font_path``.

    Args:
        svg: SVG bytes (UTF-8), e.g. from ``graphviz-pure -Tsvg``.
        font_path: An OpenType or TrueType file with every glyph the SVG needs.
        family: That font's family name (the SVG's texts are switched to it).
        dpi: Resolution: one SVG point becomes ``dpi / 72`` pixels, as in
            Graphviz's own PNG output.

    Returns:
        PNG bytes.

    Raises:
        RasteriserNotFoundError: ``resvg-py`` is not installed.
        ValueError: resvg could not parse or draw the SVG.
    """
    try:
        import resvg_py
    except ImportError:
        raise RasteriserNotFoundError(
            f"svg_to_png: {RASTERISER_PACKAGE!r} is not installed. Run "
            f'pip install "autograd-core[viz]" (or pip install {RASTERISER_PACKAGE}).',
            name="resvg_py",
        ) from None
    text = with_single_font(svg.decode("utf-8"), family)
    png = resvg_py.svg_to_bytes(
        svg_string=text,
        skip_system_fonts=True,
        font_files=[str(font_path)],
        font_family=family,
        sans_serif_family=family,
        dpi=dpi,
    )
    return bytes(png)
