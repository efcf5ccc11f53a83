"""Diagrams of the computational graph: ``draw_graph`` and ``save_graph``.

A diagram shows every :class:`Value` as a box ``label | data | grad`` and
every operation as a small circle with its symbol (``*``, ``+``, ``** 3``),
with arrows from the inputs to the outputs. Each arrow into an operation
carries the local derivative d(out)/d(in) that the node stored when it was
computed, so the gradient of a weight can be read off as the product of the
numbers along its path: 6 * 1 * 1 * 5 = 30 in the worked example.

``draw_graph`` returns a ``graphviz.Digraph`` (the ``graphviz`` Python
package, installed by the ``viz`` extra). Its DOT text (``.source``) is
deterministic: nodes are named by their position in
:func:`~autograd_core.graph.topological_order`, so the same graph always gives
the same bytes. Rendering to SVG or PNG needs a Graphviz ``dot`` program; see
:func:`find_renderer`: the system's ``dot`` if there is one, otherwise the
self-contained ``graphviz-pure`` binary that the ``viz`` extra installs from
PyPI, so no system package is needed.
"""

from __future__ import annotations

import functools
import html
import os
import shutil
import subprocess
import sys
import sysconfig
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from autograd_core.explain import local_derivative_formula, node_names
from autograd_core.graph import topological_order
from autograd_core.ops import OPERATIONS
from autograd_core.value import Value

if TYPE_CHECKING:
    import graphviz  # type: ignore[import-untyped]

#: Largest graph ``draw_graph`` draws unless told otherwise (value nodes).
DEFAULT_MAX_NODES = 500
#: Seconds a renderer may take before it is stopped.
RENDER_TIMEOUT = 60.0
#: Resolution of PNG files (dots per inch).
PNG_DPI = 144
#: What to install when something is missing.
INSTALL_HINT = 'pip install "autograd-core[viz]"'

_DIRECTIONS = {"LR": "LR", "left-right": "LR", "TB": "TB", "top-bottom": "TB"}

# Colours: leaves blue, the output yellow, gradients a warm red (they flow back).
_LEAF_FILL = "#dbe9f6"
_ROOT_FILL = "#fff2cc"
_GRAD_FILL = "#fbe3d6"
_GRAD_INK = "#a63a1e"
_OP_FILL = "#eeeeee"
_CLUSTER_INK = "#7f7f7f"
_FONT = "Helvetica"


class GraphTooLargeError(ValueError):
    """The graph has more nodes than ``max_nodes``; a diagram would be unreadable."""


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
    gives the same bytes on every platform; its PNG output has Latin, Greek
    and Cyrillic glyphs but none for Japanese or Chinese: use SVG there).

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
    shell and stopped after ``timeout`` seconds.

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
        warnings.warn(
            "render: graphviz-pure draws PNG with its own fonts, which have no "
            "Japanese/Chinese/Korean glyphs, so those characters show as boxes. "
            "Save as .svg (browsers and Jupyter use the system's fonts) or install "
            "Graphviz so that 'dot' is on PATH.",
            stacklevel=2,
        )
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


# ----------------------------------------------------------------------------
# The graphviz object
# ----------------------------------------------------------------------------
def _import_graphviz() -> Any:
    try:
        import graphviz
    except ImportError:
        raise ImportError(
            "draw_graph needs the graphviz Python package: " + INSTALL_HINT
        ) from None
    return graphviz


@functools.cache
def _diagram_class() -> Any:
    """``GraphDiagram``: a ``graphviz.Digraph`` that renders with :func:`find_renderer`.

    Made on first use, because ``graphviz`` is imported only when needed.
    """
    graphviz = _import_graphviz()

    class GraphDiagram(graphviz.Digraph):  # type: ignore[misc, name-defined]
        """A ``graphviz.Digraph`` whose ``pipe()`` (and so its inline display in
        Jupyter, ``_repr_mimebundle_``) uses :func:`render_source`: the system
        ``dot`` or, without one, ``graphviz-pure``.
        """

        def pipe(
            self,
            format: str | None = None,
            renderer: str | None = None,
            formatter: str | None = None,
            neato_no_op: bool | int | None = None,
            quiet: bool = False,
            *,
            engine: str | None = None,
            encoding: str | None = None,
        ) -> bytes | str:
            """Render with :func:`render_source`; ``renderer``, ``formatter``
            and ``engine`` other than the defaults are not supported."""
            if renderer or formatter or neato_no_op or (engine not in (None, "dot")):
                raise ValueError(
                    "pipe: this diagram renders with the dot layout only; use "
                    "graphviz.Source(diagram.source).pipe(...) for other options."
                )
            data = render_source(self.source, format or self.format)
            return data.decode(encoding) if encoding is not None else data

        def _repr_svg_(self) -> str:
            """The diagram as SVG text, for front ends that ask for it."""
            return str(self.pipe(format="svg", encoding="utf-8"))

    return GraphDiagram


# ----------------------------------------------------------------------------
# Clusters for nn modules
# ----------------------------------------------------------------------------
class ModuleLike(Protocol):
    """What ``draw_graph(model=...)`` needs from a model (any ``nn.Module``)."""

    def named_parameters(self) -> list[tuple[str, Value]]: ...

    def named_modules(self) -> list[tuple[str, Any]]: ...


def _owner(name: str, paths: Iterable[str]) -> str:
    """The longest module path that owns a dotted parameter name ("" if none)."""
    best = ""
    for path in paths:
        if path and name.startswith(path + ".") and len(path) > len(best):
            best = path
    return best


def _enclosing(path: str, paths: Iterable[str]) -> str:
    """The longest other path in ``paths`` that contains ``path`` ("" if none)."""
    return _owner(path, (p for p in paths if p != path))


def _common_cluster(clusters: list[str], known: Iterable[str]) -> str:
    """The deepest known cluster that contains every one of ``clusters``."""
    first = clusters[0]
    if all(c == first for c in clusters):
        return first
    best = ""
    for path in known:
        contains_all = all(c == path or c.startswith(path + ".") for c in clusters)
        if path and contains_all and len(path) > len(best):
            best = path
    return best


def parameter_names(model: ModuleLike) -> dict[Value, str]:
    """Each parameter's name inside the module that owns it: ``weights.1``, ``bias``.

    Diagrams show it on parameters that have no label of their own.
    """
    module_paths = [path for path, _ in model.named_modules() if path]
    names = {}
    for name, parameter in model.named_parameters():
        owner = _owner(name, module_paths)
        names[parameter] = name[len(owner) + 1:] if owner else name
    return names


def assign_clusters(
    order: list[Value],
    model: ModuleLike | None = None,
    groups: Mapping[Value, str] | None = None,
) -> tuple[list[str], dict[str, str]]:
    """Which cluster (a dotted module path, "" for none) each node is drawn in.

    The rules, applied in topological order:

    1. A parameter of ``model`` goes into the deepest module that owns it
       (``layers.0.neurons.3.bias`` -> ``layers.0.neurons.3``); a node in
       ``groups`` goes where ``groups`` says (this wins over the model).
    2. A computed node with such nodes among its parents goes into their
       deepest common cluster: ``w * x`` and the neuron's ``sum`` go to the
       neuron of their weight or bias.
    3. A node with one parent that is a clustered ``sum`` (a neuron's
       weighted sum) joins that cluster: the neuron's activation.

    Everything else (inputs, the loss) stays outside every cluster.

    Args:
        order: The nodes, parents first (``topological_order(root)``).
        model: Anything with ``named_parameters()`` and ``named_modules()``.
        groups: Explicit cluster paths for some nodes.

    Returns:
        The cluster of each node (in ``order``), and a title for every cluster
        path that can appear (e.g. ``"Neuron neurons.3"``).
    """
    placed: dict[Value, str] = {}
    titles: dict[str, str] = {}
    if model is not None:
        modules = [(path, module) for path, module in model.named_modules() if path]
        module_paths = [path for path, _ in modules]
        for name, parameter in model.named_parameters():
            owner = _owner(name, module_paths)
            if owner:
                placed[parameter] = owner
        for path, module in modules:
            parent = _enclosing(path, module_paths)
            relative = path[len(parent) + 1:] if parent else path
            titles[path] = f"{type(module).__name__} {relative}"
    if groups is not None:
        for node, path in groups.items():
            placed[node] = path
            titles.setdefault(path, path)
    # Titles relative to the enclosing cluster for paths only ``groups`` named.
    for path, title in list(titles.items()):
        if title == path:
            parent = _enclosing(path, titles)
            titles[path] = path[len(parent) + 1:] if parent else path

    clusters: list[str] = []
    where: dict[Value, str] = {}
    for node in order:
        cluster = placed.get(node, "")
        if not cluster and node.parents:
            owners = [placed[p] for p in node.parents if placed.get(p)]
            if owners:
                cluster = _common_cluster(owners, titles)
            elif len(node.parents) == 1:
                only = node.parents[0]
                if only.op == "sum" and where.get(only):
                    cluster = where[only]
        where[node] = cluster
        clusters.append(cluster)
    return clusters, titles


# ----------------------------------------------------------------------------
# Drawing
# ----------------------------------------------------------------------------
def _number(x: float, precision: int) -> str:
    if x == 0.0:
        return "0"  # also -0.0
    return f"{x:.{precision}g}"


def _html_text(text: str) -> str:
    """User text made safe inside an HTML-like Graphviz label.

    ``& < > "`` become entities, newlines become line breaks; braces, ``|``
    and backslashes need nothing there (unlike record labels), and non-ASCII
    text is passed through as UTF-8.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return '<BR ALIGN="CENTER"/>'.join(html.escape(line, quote=True) for line in lines)


def _plain_text(text: str) -> str:
    """User text made safe inside a quoted DOT string (a tooltip).

    Backslashes are doubled so that DOT does not read ``\\n`` or ``\\N`` as
    escapes (and a final backslash cannot swallow the closing quote), newlines
    become DOT's ``\\n``; the graphviz package escapes the quotes. Marked as
    not HTML, so that text like ``<x>`` is not taken for an HTML label.
    """
    graphviz = _import_graphviz()
    escaped = text.replace("\\", "\\\\").replace("\r\n", "\n").replace("\r", "\n")
    return graphviz.nohtml(escaped.replace("\n", "\\n"))  # type: ignore[no-any-return]


def _value_label(
    node: Value, name: str, fill: str, show_grad: bool, precision: int
) -> str:
    """An HTML-like table ``label | data | grad`` for one value node."""
    if node.label:
        title = f"<B>{_html_text(node.label)}</B>"
    else:
        title = f'<FONT COLOR="#808080" POINT-SIZE="10">{_html_text(name)}</FONT>'
    cells = [
        f'<TD BGCOLOR="{fill}">{title}</TD>',
        f"<TD>data {_number(node.data, precision)}</TD>",
    ]
    if show_grad:
        cells.append(
            f'<TD BGCOLOR="{_GRAD_FILL}"><FONT COLOR="{_GRAD_INK}">'
            f"grad {_number(node.grad, precision)}</FONT></TD>"
        )
    return (
        '<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4"><TR>'
        + "".join(cells)
        + "</TR></TABLE>>"
    )


def _op_symbol(node: Value) -> str:
    symbol = OPERATIONS[node.op].symbol
    if node.constant is not None:
        return f"{symbol} {_number(node.constant, 6)}"
    return symbol


def draw_graph(
    root: Value,
    *,
    direction: str = "LR",
    show_grad: bool = True,
    show_local_grads: bool | None = None,
    model: ModuleLike | None = None,
    groups: Mapping[Value, str] | None = None,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    precision: int = 4,
) -> graphviz.Digraph:
    """A diagram of everything ``root`` depends on.

    Each value is a box ``label | data | grad`` (unlabelled values show their
    ``op#i`` name in grey, the name :func:`~autograd_core.explain.explain`
    uses); leaves are blue, ``root`` is yellow. Each operation is a grey
    circle with its symbol (``** 3`` for a fixed exponent). Arrows go from
    inputs to outputs; an arrow into an operation is labelled with the local
    derivative d(out)/d(in) stored in the node (``a * a`` has two arrows, one
    per argument slot). In SVG, hovering an operation or an arrow shows the
    table's formula.

    The result shows inline in Jupyter and renders with the renderer of
    :func:`find_renderer` (``pipe()`` too); ``.source`` is the DOT text, the
    same bytes for the same graph every time. To write files use
    :func:`save_graph`: the graphviz package's own ``render()`` and ``view()``
    look for a system ``dot`` only.

    Args:
        root: The output, e.g. a loss (call ``backward()`` first to see gradients).
        direction: ``"LR"`` (left to right, default) or ``"TB"`` (top to bottom);
            ``"left-right"`` and ``"top-bottom"`` work too.
        show_grad: Show each value's ``grad``.
        show_local_grads: Label arrows with local derivatives; by default
            the same as ``show_grad``.
        model: An ``nn`` module (anything with ``named_parameters()`` and
            ``named_modules()``): nodes are grouped into boxes per layer and
            neuron, by the rules of :func:`assign_clusters`.
        groups: Explicit dotted cluster paths for some nodes, e.g.
            ``{w1: "neuron 1", w2: "neuron 2"}``; nested by path prefix.
        max_nodes: Refuse graphs with more value nodes; ``None`` for no limit.
        precision: Significant digits of the numbers shown.

    Returns:
        A ``graphviz.Digraph`` (a subclass whose rendering uses
        :func:`find_renderer`).

    Raises:
        ImportError: The ``graphviz`` package is missing (``pip install
            "autograd-core[viz]"``).
        GraphTooLargeError: The graph has more than ``max_nodes`` value nodes.
        ValueError: An unknown ``direction`` or a ``precision`` below 1.
        TypeError: ``root`` is not a Value.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_graph: root must be a Value, got {type(root).__name__}.")
    if direction not in _DIRECTIONS:
        raise ValueError(
            f"draw_graph: direction must be 'LR' (left-right) or 'TB' (top-bottom), "
            f"got {direction!r}."
        )
    if precision < 1:
        raise ValueError(f"draw_graph: precision must be at least 1, got {precision}.")
    if show_local_grads is None:
        show_local_grads = show_grad
    order = topological_order(root)
    if max_nodes is not None and len(order) > max_nodes:
        raise GraphTooLargeError(
            f"draw_graph: the graph has {len(order):,} value nodes, more than "
            f"max_nodes={max_nodes:,}; a diagram that big is unreadable and slow to "
            "lay out. Draw a smaller part (pass an intermediate node, such as one "
            f"neuron's output, as root) or raise the limit: draw_graph(root, "
            f"max_nodes={len(order)})."
        )
    names = node_names(order)
    if model is not None:
        short_names = parameter_names(model)
        names = [
            short_names.get(node, name) if not node.label else name
            for node, name in zip(order, names)
        ]
    index = {node: i for i, node in enumerate(order)}
    clusters, titles = assign_clusters(order, model, groups)

    diagram = _diagram_class()(name="computational_graph", format="svg")
    diagram.attr(
        "graph", rankdir=_DIRECTIONS[direction], fontname=_FONT, nodesep="0.25",
        ranksep="0.45", bgcolor="white",
    )
    diagram.attr("node", fontname=_FONT, fontsize="12")
    diagram.attr("edge", fontname=_FONT, fontsize="11", arrowsize="0.7")

    def add_nodes(target: Any, i: int) -> None:
        node = order[i]
        fill = _ROOT_FILL if node is root else (_LEAF_FILL if not node.parents else "white")
        target.node(
            f"v{i}", _value_label(node, names[i], fill, show_grad, precision),
            shape="plain",
        )
        if node.parents:
            row = OPERATIONS[node.op]
            symbol = _op_symbol(node)
            target.node(
                f"op{i}", symbol, shape="circle" if len(symbol) <= 2 else "ellipse",
                style="filled", fillcolor=_OP_FILL, color="#9a9a9a", width="0.35",
                height="0.35", margin="0.04,0.02", fontsize="11",
                tooltip=f"{row.formula}   ({row.derivatives})",
            )

    _emit_clusters(diagram, clusters, titles, add_nodes)

    for i, node in enumerate(order):
        if not node.parents:
            continue
        for slot, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
            attributes = {
                "tooltip": _plain_text(
                    f"d{names[i]}/d{names[index[parent]]} = {_number(local, 12)}   "
                    f"({local_derivative_formula(node, slot)})"
                ),
            }
            if show_local_grads:
                attributes["label"] = _number(local, precision)
                attributes["fontcolor"] = _GRAD_INK
            diagram.edge(f"v{index[parent]}", f"op{i}", **attributes)
        diagram.edge(f"op{i}", f"v{i}")
    return diagram


def _emit_clusters(
    diagram: Any, clusters: list[str], titles: Mapping[str, str], add_nodes: Any
) -> None:
    """Declare every node, inside nested ``subgraph cluster_k`` blocks.

    Top-level nodes and clusters come in the order of their first node in
    the topological order, so the DOT text is deterministic.
    """
    # Each cluster path and every enclosing cluster path that holds nodes.
    chain: dict[str, list[str]] = {}
    for path in dict.fromkeys(c for c in clusters if c):
        parts = [path]
        while (parent := _enclosing(parts[-1], titles)):
            parts.append(parent)
        chain[path] = parts[::-1]  # outermost first
    children: dict[str, list[int | str]] = {"": []}
    for i, path in enumerate(clusters):
        outer = ""
        for part in chain.get(path, []):
            items = children.setdefault(outer, [])
            if part not in items:
                items.append(part)
            outer = part
        children.setdefault(outer, []).append(i)
    numbers = {path: k for k, path in enumerate(p for p in children if p)}

    def emit(target: Any, path: str) -> None:
        for item in children.get(path, []):
            if isinstance(item, int):
                add_nodes(target, item)
                continue
            with target.subgraph(name=f"cluster_{numbers[item]}") as sub:
                sub.attr(
                    label=_html_label_text(titles.get(item, item)), style="rounded,dashed",
                    color=_CLUSTER_INK, fontcolor=_CLUSTER_INK, fontsize="11",
                    labeljust="l",
                )
                emit(sub, item)

    emit(diagram, "")


def _html_label_text(text: str) -> str:
    return f"<{_html_text(text)}>"


# ----------------------------------------------------------------------------
# Saving
# ----------------------------------------------------------------------------
_DOT_SUFFIXES = (".dot", ".gv")
_RENDERED_SUFFIXES = (".svg", ".png")


def save_graph(
    graph: Value | Any,
    path: str | os.PathLike[str],
    *,
    renderer: str | None = None,
    **draw_options: Any,
) -> Path:
    """Write a diagram to ``path``; the suffix picks the format.

    ``.svg`` and ``.png`` are rendered (see :func:`find_renderer`); ``.dot``
    or ``.gv`` write the DOT text and need no renderer. Missing parent
    folders are created.

    Args:
        graph: A Value (drawn with :func:`draw_graph` and ``draw_options``) or
            a diagram that :func:`draw_graph` returned.
        path: Where to write, e.g. ``"graph.svg"``.
        renderer: As for :func:`find_renderer`.
        **draw_options: Passed to :func:`draw_graph` when ``graph`` is a Value.

    Returns:
        The path written.

    Raises:
        ValueError: An unsupported suffix.
        RendererNotFoundError: ``.svg``/``.png`` asked for, but no renderer is
            installed (``.dot`` still works).
        RenderError: The renderer failed.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in _DOT_SUFFIXES + _RENDERED_SUFFIXES:
        raise ValueError(
            f"save_graph: cannot tell the format from {str(target)!r}; use a name "
            "ending in .svg, .png or .dot (.gv)."
        )
    if isinstance(graph, Value):
        source = draw_graph(graph, **draw_options).source
    elif draw_options:
        raise TypeError(
            "save_graph: drawing options apply only when a Value is given; "
            "pass them to draw_graph instead."
        )
    elif hasattr(graph, "source"):
        source = graph.source
    else:
        raise TypeError(
            f"save_graph: expected a Value or a diagram from draw_graph, got "
            f"{type(graph).__name__}."
        )
    if suffix in _DOT_SUFFIXES:
        data = source.encode("utf-8")
    else:
        data = render_source(source, suffix[1:], renderer=renderer)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target
