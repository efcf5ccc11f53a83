"""Running a Graphviz renderer: DOT text in, SVG or PNG bytes out.

How a diagram is *drawn to a file*: which ``dot`` program to use
(:func:`find_renderer`: the system's Graphviz if there is one, otherwise the
self-contained ``graphviz-pure`` that the ``viz`` extra installs from PyPI)
and running it safely (:func:`render_source`: no shell, a timeout, errors
that say what to install). What the diagram shows is decided in
:mod:`autograd_core.viz`; this module knows nothing about Values.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import warnings
from dataclasses import dataclass

from autograd_core.fonts import FONT_FAMILY, FONT_PACKAGE, JapaneseFontNotFoundError
from autograd_core.fonts import japanese_font_path
from autograd_core.raster import RASTERISER_PACKAGE, rasteriser_available, svg_to_png

#: Seconds a renderer may take before it is stopped.
RENDER_TIMEOUT = 60.0
#: Resolution of PNG files (dots per inch).
PNG_DPI = 144
#: What to install when something is missing.
INSTALL_HINT = 'pip install "autograd-core[viz]"'


class RenderError(RuntimeError):
    """The renderer failed, timed out or could not be started."""


class RendererNotFoundError(RenderError):
    """Neither a system Graphviz ``dot`` nor ``graphviz-pure`` was found."""


# ----------------------------------------------------------------------------
# Finding and running a renderer
# ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Renderer:
    """A program that turns DOT text into SVG or PNG.

    Attributes:
        name: ``"dot"`` (Graphviz) or ``"graphviz-pure"``.
        path: The executable.
    """

    name: str
    path: str


def _script_folders() -> list[str]:
    """Where pip puts the commands of installed packages for this Python."""
    folders = [os.path.dirname(sys.executable), sysconfig.get_path("scripts")]
    user_scheme = f"{os.name}_user"
    if user_scheme in sysconfig.get_scheme_names():
        folders.append(sysconfig.get_path("scripts", user_scheme))
    unique = []
    for folder in folders:
        if folder and folder not in unique:
            unique.append(folder)
    return unique


def _find_graphviz_pure() -> str | None:
    found = shutil.which("graphviz-pure")
    if found:
        return found
    for folder in _script_folders():
        found = shutil.which("graphviz-pure", path=folder)
        if found:
            return found
    return None


def find_renderer(preferred: str | None = None) -> Renderer:
    """The program that will render diagrams.

    The order is: the system Graphviz ``dot`` if it is on ``PATH`` (full
    Graphviz uses the system fonts, so every script, Japanese included,
    renders in PNG too); otherwise ``graphviz-pure``, the self-contained
    ``dot``-compatible binary that ``pip install "autograd-core[viz]"``
    installs next to the Python executable (it needs no system library and
    gives the same bytes on every platform; its own PNG output has Latin,
    Greek and Cyrillic glyphs only, so a PNG with Japanese labels is drawn
    from its SVG with the Japanese font that the ``viz`` extra installs, see
    :func:`render_source`).

    Args:
        preferred: ``"dot"``, ``"graphviz-pure"`` or the path of an executable,
            to use that one only; ``None`` to search in the order above.

    Returns:
        The renderer found.

    Raises:
        RendererNotFoundError: None was found; the message says what to install.
    """
    if preferred is not None:
        if preferred == "graphviz-pure":
            path = _find_graphviz_pure()
        else:
            path = shutil.which(preferred)
        if path is None:
            raise RendererNotFoundError(
                f"renderer: {preferred!r} was not found (not on PATH nor next to the "
                f"Python executable). Install it ({INSTALL_HINT} gives graphviz-pure) "
                "or pass renderer=None to use whatever is available."
            )
        name = "graphviz-pure" if "graphviz-pure" in os.path.basename(path) else "dot"
        return Renderer(name, path)
    dot = shutil.which("dot")
    if dot is not None:
        return Renderer("dot", dot)
    pure = _find_graphviz_pure()
    if pure is not None:
        return Renderer("graphviz-pure", pure)
    raise RendererNotFoundError(
        "renderer: no Graphviz renderer found: neither 'dot' on PATH nor "
        f"'graphviz-pure' next to the Python executable. Run {INSTALL_HINT} "
        "(it installs graphviz-pure from PyPI) or install Graphviz from your "
        "system's package manager. The DOT text is still available: "
        "draw_graph(root).source, or save_graph(root, 'graph.dot')."
    )


def _needs_cjk_font(text: str) -> bool:
    """True if ``text`` has Japanese, Chinese or Korean characters."""
    return any(
        "\u2e80" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" or "\uf900" <= ch <= "\uffef"
        for ch in text
    )


def render_source(
    source: str,
    format: str,
    *,
    renderer: str | Renderer | None = None,
    timeout: float = RENDER_TIMEOUT,
) -> bytes:
    """Run a renderer on DOT text and return the rendered bytes.

    The DOT text is fed on standard input; the program is started without a
    shell and stopped after ``timeout`` seconds. A PNG with Japanese labels
    asked of graphviz-pure, whose own fonts lack those glyphs,
    is drawn from its SVG with the bundled Noto Sans JP instead
    (:mod:`autograd_core.raster`); without that font or ``resvg-py`` a warning
    says what to install and the characters show as boxes.

    Args:
        source: DOT text, e.g. ``draw_graph(root).source``.
        format: An output format of the renderer: ``"svg"``, ``"png"`` ...
        renderer: As for :func:`find_renderer`, or a :class:`Renderer`.
        timeout: Seconds before giving up.

    Returns:
        The rendered file's bytes.

    Raises:
        RendererNotFoundError: No renderer is installed.
        RenderError: The renderer failed, printed nothing, or timed out.
    """
    program = renderer if isinstance(renderer, Renderer) else find_renderer(renderer)
    if format == "png" and program.name == "graphviz-pure" and _needs_cjk_font(source):
        png = _png_with_japanese_font(program, source, timeout)
        if png is not None:
            return png
    return _run(program, source, format, timeout)


def _has_hangul(text: str) -> bool:
    """True if ``text`` has Korean letters (the bundled Japanese font has none)."""
    return any(
        "\uac00" <= ch <= "\ud7af" or "\u1100" <= ch <= "\u11ff" or "\u3130" <= ch <= "\u318f"
        for ch in text
    )


def _png_with_japanese_font(program: Renderer, source: str, timeout: float) -> bytes | None:
    """PNG of a diagram with Japanese labels, drawn with the bundled Japanese font.

    graphviz-pure lays the diagram out and writes SVG; :func:`svg_to_png`
    rasterises it with Noto Sans JP (:func:`japanese_font_path`). Where the font
    package or the rasteriser is missing, a warning says what to install and
    ``None`` is returned: graphviz-pure's own PNG (boxes for Japanese) follows.
    """
    missing = []
    try:
        font = japanese_font_path()
    except JapaneseFontNotFoundError:
        missing.append(FONT_PACKAGE)
    if not rasteriser_available():
        missing.append(RASTERISER_PACKAGE)
    if missing:
        warnings.warn(
            "render: graphviz-pure draws PNG with its own fonts, which have no "
            "Japanese/Chinese/Korean glyphs, so those characters show as boxes. "
            f"Install {' and '.join(missing)} (pip install \"autograd-core[viz]\" "
            "brings the Japanese font and the SVG-to-PNG drawer), save as .svg "
            "(browsers and Jupyter use the system's fonts) or install Graphviz so "
            "that 'dot' is on PATH.",
            stacklevel=3,
        )
        return None
    if _has_hangul(source):
        warnings.warn(
            "render: the bundled font (Noto Sans JP) has Japanese, Latin, Greek and "
            "Cyrillic glyphs but no Korean ones, so Korean letters show as boxes. "
            "Save as .svg or install Graphviz so that 'dot' is on PATH.",
            stacklevel=3,
        )
    svg = _run(program, source, "svg", timeout)
    return svg_to_png(svg, font, FONT_FAMILY, dpi=PNG_DPI)


def _run(program: Renderer, source: str, format: str, timeout: float) -> bytes:
    """Run ``program`` on ``source`` (no shell, a timeout) and return its output."""
    command = [program.path, f"-T{format}"]
    if format == "png":
        command.append(f"-Gdpi={PNG_DPI}")  # sharper than the default 96
    try:
        completed = subprocess.run(
            command, input=source.encode("utf-8"), capture_output=True,
            timeout=timeout, check=False,
        )
    except subprocess.TimeoutExpired:
        raise RenderError(
            f"render: {program.name} took more than {timeout:g} s to draw the "
            "graph. Draw a smaller part (pass an intermediate node as the root) "
            "or raise timeout=."
        ) from None
    except OSError as error:
        raise RenderError(
            f"render: could not start {program.path!r}: {error}. Reinstall it "
            f"({INSTALL_HINT}) or install Graphviz."
        ) from error
    if completed.returncode != 0 or not completed.stdout:
        message = completed.stderr.decode("utf-8", "replace").strip() or "(no message)"
        raise RenderError(
            f"render: {program.name} failed to draw {format!r} "
            f"(exit status {completed.returncode}): {message}. Check that the format "
            "is one it supports (svg and png always are)."
        )
    return completed.stdout


