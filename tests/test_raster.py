"""Japanese labels in PNG diagrams: drawn with the bundled font, not as empty boxes."""

from __future__ import annotations

import io
import sys
import warnings
from typing import Any

import pytest

from autograd_core import Value, draw_graph, save_graph
from autograd_core.fonts import FONT_FAMILY, japanese_font_path
from autograd_core.raster import RasteriserNotFoundError, svg_to_png, with_single_font
from autograd_core.render import PNG_DPI, _run, find_renderer, render_source

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _label_source(label: str) -> str:
    """DOT text of one value box whose name is ``label``."""
    return draw_graph(Value(2.0, label=label)).source


def _grey_pixels(png: bytes, shape: tuple[int, int] | None = None) -> Any:
    """The PNG as a 2-D array of grey levels, cut to ``shape`` if given."""
    image = pytest.importorskip(
        "PIL.Image", reason="needs Pillow (comes with matplotlib): pip install 'autograd-core[dev]'"
    )
    import numpy as np

    pixels = np.asarray(image.open(io.BytesIO(png)).convert("L"))
    return pixels if shape is None else pixels[: shape[0], : shape[1]]


def test_japanese_labels_are_drawn_as_glyphs_not_boxes() -> None:
    """Two different two-kanji names give different pictures, while graphviz-pure's
    own PNG (a font without Japanese glyphs) draws both as the same empty boxes."""
    import numpy as np

    renderer = find_renderer("graphviz-pure")
    first, second = _label_source("勾配"), _label_source("学習")
    boxes_first = _grey_pixels(_run(renderer, first, "png", 60.0))
    boxes_second = _grey_pixels(_run(renderer, second, "png", 60.0))
    # The check below can tell boxes from glyphs: boxes look alike whatever the text.
    assert np.array_equal(boxes_first, boxes_second)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the font is installed: no "boxes" warning
        drawn_first = render_source(first, "png", renderer=renderer)
        drawn_second = render_source(second, "png", renderer=renderer)
    assert drawn_first.startswith(PNG_SIGNATURE)
    shape = tuple(min(a, b) for a, b in zip(boxes_first.shape, _grey_pixels(drawn_first).shape))
    glyphs_first = _grey_pixels(drawn_first, shape)
    glyphs_second = _grey_pixels(drawn_second, shape)
    # The name cell is the left part of the box: compare there.
    name_cell = (slice(None), slice(0, shape[1] // 4))
    assert int((glyphs_first[name_cell] != glyphs_second[name_cell]).sum()) > 100
    tofu = boxes_first[: shape[0], : shape[1]]
    assert int((glyphs_first[name_cell] != tofu[name_cell]).sum()) > 100
    assert int((glyphs_first[name_cell] < 128).sum()) > 100  # dark ink of the kanji


def test_png_has_the_size_graphviz_pure_would_give() -> None:
    """Drawn from the SVG at PNG_DPI, the picture is as large as graphviz-pure's own PNG."""
    renderer = find_renderer("graphviz-pure")
    source = _label_source("掛け算 I")
    own = _grey_pixels(_run(renderer, source, "png", 60.0)).shape
    drawn = _grey_pixels(render_source(source, "png", renderer=renderer)).shape
    assert abs(own[0] - drawn[0]) <= 1 and abs(own[1] - drawn[1]) <= 1


def test_save_graph_writes_a_japanese_png(tmp_path: Any) -> None:
    """save_graph(.png) of a graph with Japanese names goes the same way, without a warning."""
    x = Value(5.0, label="入力 x")
    w = Value(10.0, label="重み w")
    loss = w * x
    loss.label = "損失 L"
    loss.backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = save_graph(loss, tmp_path / "損失.png")
    assert path.read_bytes().startswith(PNG_SIGNATURE)


def test_missing_font_keeps_the_warning_with_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without the font package the old behaviour stays: boxes, and a warning naming the package."""
    monkeypatch.setitem(sys.modules, "pylopdf_fonts_jp", None)
    with pytest.warns(UserWarning, match=r"Japanese.*Install pylopdf-fonts-jp \(pip install"):
        png = render_source(_label_source("重み"), "png", renderer="graphviz-pure")
    assert png.startswith(PNG_SIGNATURE)


def test_missing_rasteriser_keeps_the_warning_with_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without resvg-py the warning names it, and svg_to_png says what to install."""
    monkeypatch.setitem(sys.modules, "resvg_py", None)
    with pytest.warns(UserWarning, match=r"Install resvg-py \(pip install"):
        render_source(_label_source("重み"), "png", renderer="graphviz-pure")
    with pytest.raises(RasteriserNotFoundError, match=r"resvg-py.*autograd-core\[viz\]"):
        svg_to_png(b"<svg/>", japanese_font_path(), FONT_FAMILY, dpi=PNG_DPI)


def test_korean_labels_warn_that_the_font_lacks_them() -> None:
    """Korean is not in Noto Sans JP: a warning says so (Japanese alone gives none)."""
    with pytest.warns(UserWarning, match="no Korean"):
        render_source(_label_source("기울기"), "png", renderer="graphviz-pure")


def test_svg_text_is_switched_to_the_one_font_and_bold_is_outlined() -> None:
    """Every font-family becomes the bundled family; bold text gets an outline in its own colour."""
    svg = (
        '<svg><text font-family="DejaVu Sans" font-weight="bold">名前</text>'
        '<text font-family="Times,serif" fill="#a63a1e">grad 1</text>'
        '<text font-family="DejaVu Sans" font-weight="bold" fill="#123456">b</text></svg>'
    )
    out = with_single_font(svg, FONT_FAMILY)
    assert out.count(f'font-family="{FONT_FAMILY}"') == 3 and "DejaVu" not in out
    assert '<text font-family="Noto Sans JP" font-weight="bold" stroke="black"' in out
    assert 'fill="#123456" stroke="#123456"' in out
    assert out.count("stroke=") == 2  # the regular text is left alone
