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

The module draws; it does not decide what the graph means nor how it is
worded: clusters of a network come from :mod:`autograd_core.clusters`, names
and numbers from :mod:`autograd_core.wording`, and running the renderer is
:mod:`autograd_core.render`. The step-through
(:mod:`autograd_core.step_through`) lays its graph out with
:func:`build_diagram` here, so both pictures are the same graph.
"""

from __future__ import annotations

import functools
import html
import math
import os
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograd_core.clusters import (
    ModuleLike,
    assign_clusters,
    cluster_tree,
    entry_pairs,
    parameter_names,
)
from autograd_core.graph import topological_order
from autograd_core.ops import OPERATIONS
from autograd_core.render import (
    INSTALL_HINT,
    PNG_DPI,
    RENDER_TIMEOUT,
    Renderer,
    RendererNotFoundError,
    RenderError,
    find_renderer,
    render_source,
)
from autograd_core.value import Value
from autograd_core.languages import resolve_language
from autograd_core.wording import (
    derivative_name,
    diagram_number,
    local_derivative_words,
    node_names,
    say,
)

if TYPE_CHECKING:
    import graphviz  # type: ignore[import-untyped]

__all__ = [
    "DEFAULT_MAX_NODES",
    "INSTALL_HINT",
    "PNG_DPI",
    "RENDER_TIMEOUT",
    "GraphFacts",
    "GraphTooLargeError",
    "ModuleLike",
    "Renderer",
    "RendererNotFoundError",
    "RenderError",
    "assign_clusters",
    "build_diagram",
    "build_folded_diagram",
    "describe_graph",
    "draw_graph",
    "find_renderer",
    "parameter_names",
    "render_source",
    "render_svg",
    "save_graph",
]

#: Largest graph ``draw_graph`` draws unless told otherwise (value nodes).
DEFAULT_MAX_NODES = 500

_DIRECTIONS = {"LR": "LR", "left-right": "LR", "TB": "TB", "top-bottom": "TB"}

# Colours: leaves blue, the output yellow, gradients a warm red (they flow back).
LEAF_FILL = "#dbe9f6"
ROOT_FILL = "#fff2cc"
GRAD_FILL = "#fbe3d6"
GRAD_INK = "#a63a1e"
_OP_FILL = "#eeeeee"
_CLUSTER_INK = "#7f7f7f"

# Fonts. Boxes are sized by the renderer for _FONT. Helvetica, used before,
# is narrow: where a browser has no Helvetica it falls back to a wider font
# (DejaVu Sans on most Linux systems) and "data -1.17" spilled over the box.
# DejaVu Sans is among the widest common sans-serif fonts and both renderers
# measure it (graphviz-pure has its metrics, Graphviz asks fontconfig), so
# the SVG names it first and lists only fonts of the same width or narrower
# after it: whichever the browser picks, the text fits.
_FONT = "DejaVu Sans"
SVG_FONTS = "DejaVu Sans,Bitstream Vera Sans,Verdana,Arial,Helvetica,sans-serif"
_FONT_SIZE = 12.0
_CELL_PADDING = 4


class GraphTooLargeError(ValueError):
    """The graph has more nodes than ``max_nodes``; a diagram would be unreadable."""


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
            chosen = format or self.format
            data = render_source(self.source, chosen)
            if chosen == "svg":
                data = with_font_list(data)
            return data.decode(encoding) if encoding is not None else data

        def _repr_svg_(self) -> str:
            """The diagram as SVG text, for front ends that ask for it."""
            return str(self.pipe(format="svg", encoding="utf-8"))

    return GraphDiagram


# ----------------------------------------------------------------------------
# What is drawn
# ----------------------------------------------------------------------------
@dataclass(frozen=True)
class GraphFacts:
    """Everything a picture of the graph shows, before it is drawn.

    Attributes:
        root: The output.
        order: The nodes, parents first (``topological_order(root)``).
        names: The name shown for each node of ``order`` (its label, a
            parameter's name in its module, or ``op#i``).
        clusters: The cluster path of each node ("" for none).
        titles: A title for every cluster path.
        unique_names: The name of each node in text outside the picture
            (captions, explanations): a model parameter's full name,
            ``layers.0.neurons.1.weights.0`` (the box's ``weights.0`` is
            only unique inside its neuron's box); otherwise as ``names``.
    """

    root: Value
    order: list[Value]
    names: list[str]
    clusters: list[str]
    titles: dict[str, str]
    unique_names: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.unique_names:
            object.__setattr__(self, "unique_names", list(self.names))

    @functools.cached_property
    def index(self) -> dict[Value, int]:
        """Each node's position in ``order`` (its ``v<i>`` in the DOT text)."""
        return {node: i for i, node in enumerate(self.order)}


def describe_graph(
    root: Value,
    *,
    model: ModuleLike | None = None,
    groups: Mapping[Value, str] | None = None,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    function: str = "draw_graph",
) -> GraphFacts:
    """The nodes, names and clusters of ``root``'s graph (see :func:`draw_graph`).

    Raises:
        TypeError: ``root`` is not a Value.
        GraphTooLargeError: More than ``max_nodes`` value nodes; the message
            names ``function``.
    """
    if not isinstance(root, Value):
        raise TypeError(f"{function}: root must be a Value, got {type(root).__name__}.")
    order = topological_order(root)
    if max_nodes is not None and len(order) > max_nodes:
        raise GraphTooLargeError(
            f"{function}: the graph has {len(order):,} value nodes, more than "
            f"max_nodes={max_nodes:,}; a diagram that big is unreadable and slow to "
            "lay out. Draw a smaller part (pass an intermediate node, such as one "
            f"neuron's output, as root) or raise the limit: {function}(root, "
            f"max_nodes={len(order)})."
        )
    names = unique_names = node_names(order)
    if model is not None:
        short_names, full_names = parameter_names(model), parameter_names(model, full=True)
        names = [
            short_names.get(node, name) if not node.label else name
            for node, name in zip(order, names)
        ]
        unique_names = [
            full_names.get(node, name) if not node.label else name
            for node, name in zip(order, unique_names)
        ]
    clusters, titles = assign_clusters(order, model, groups)
    return GraphFacts(root, order, names, clusters, titles, unique_names)


# ----------------------------------------------------------------------------
# Drawing
# ----------------------------------------------------------------------------
def _number(x: float, precision: int) -> str:
    return diagram_number(x, precision)


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


def _estimated_width(text: str, bold: bool) -> float:
    """A generous width in points of ``text`` at the diagram's font size.

    Renderers without metrics for a script (graphviz-pure has none for
    non-Latin letters: it counts each as a space) would make the box too
    small, so labels with such letters get this estimate as a minimum width:
    1 em for wide (Japanese, Chinese) characters, 0.75 em for the others.
    """
    ems = 0.0
    for line in text.splitlines() or [""]:
        line_ems = sum(
            1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.75 for ch in line
        )
        ems = max(ems, line_ems)
    return ems * _FONT_SIZE * (1.1 if bold else 1.0)


def _title_cell(text: str, fill: str, bold: bool) -> str:
    """The first cell of a value box; wide enough for non-ASCII text too."""
    inner = _html_text(text)
    inner = f"<B>{inner}</B>" if bold else (
        f'<FONT COLOR="#808080" POINT-SIZE="10">{inner}</FONT>'
    )
    width = ""
    if not text.isascii():
        points = math.ceil(_estimated_width(text, bold) + 2 * _CELL_PADDING + 2)
        width = f' WIDTH="{points}"'
    return f'<TD BGCOLOR="{fill}"{width}>{inner}</TD>'


def value_label(
    title: str, labelled: bool, fill: str, data_text: str, grad_text: str | None
) -> str:
    """An HTML-like table ``label | data | grad`` for one value node.

    Args:
        title: The node's label, or its ``op#i`` name (drawn in grey).
        labelled: True if ``title`` is the node's own label (drawn bold).
        fill: The colour of the first cell.
        data_text: The middle cell, e.g. ``"data 10"``.
        grad_text: The last cell, e.g. ``"grad 30"``; ``None`` for no cell.
    """
    cells = [_title_cell(title, fill, labelled), f"<TD>{_html_text(data_text)}</TD>"]
    if grad_text is not None:
        cells.append(
            f'<TD BGCOLOR="{GRAD_FILL}"><FONT COLOR="{GRAD_INK}">'
            f"{_html_text(grad_text)}</FONT></TD>"
        )
    return (
        f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="{_CELL_PADDING}"><TR>'
        + "".join(cells)
        + "</TR></TABLE>>"
    )


def _op_symbol(node: Value) -> str:
    symbol = OPERATIONS[node.op].symbol
    if node.constant is not None:
        return f"{symbol} {_number(node.constant, 6)}"
    return symbol


def node_fill(facts: GraphFacts, i: int) -> str:
    """The colour of node ``i``'s first cell: the root yellow, leaves blue."""
    node = facts.order[i]
    if node is facts.root:
        return ROOT_FILL
    return LEAF_FILL if not node.parents else "white"


def _check_drawing_options(direction: str, precision: int) -> None:
    """Refuse an unknown ``direction`` or a ``precision`` below 1 (ValueError)."""
    if direction not in _DIRECTIONS:
        raise ValueError(
            f"draw_graph: direction must be 'LR' (left-right) or 'TB' (top-bottom), "
            f"got {direction!r}."
        )
    if precision < 1:
        raise ValueError(f"draw_graph: precision must be at least 1, got {precision}.")


def build_diagram(
    facts: GraphFacts,
    *,
    direction: str = "LR",
    show_grad: bool = True,
    show_local_grads: bool | None = None,
    precision: int = 4,
    cell_texts: Sequence[tuple[str, str]] | None = None,
    lang: str = "en",
) -> graphviz.Digraph:
    """The diagram of :func:`draw_graph` for a described graph.

    Args:
        facts: From :func:`describe_graph`.
        direction, show_grad, show_local_grads, precision: As for :func:`draw_graph`.
        cell_texts: The data and grad cells of each node, in place of the
            node's own numbers (the step-through sizes each box for the
            longest text it will show).
        lang: The language of the cells' words (``data``/``grad``; ``"ja"``: 値/勾配)
            and of the arrows' tooltips.

    Raises:
        ValueError: An unknown ``direction`` or a ``precision`` below 1.
    """
    _check_drawing_options(direction, precision)
    if show_local_grads is None:
        show_local_grads = show_grad
    order, names, index = facts.order, facts.names, facts.index

    diagram = _diagram_class()(name="computational_graph", format="svg")
    diagram.attr(
        "graph", rankdir=_DIRECTIONS[direction], fontname=_FONT, nodesep="0.25",
        ranksep="0.45", bgcolor="white",
    )
    diagram.attr("node", fontname=_FONT, fontsize=f"{_FONT_SIZE:g}")
    diagram.attr("edge", fontname=_FONT, fontsize="11", arrowsize="0.7")

    def add_nodes(target: Any, i: int) -> None:
        node = order[i]
        if cell_texts is not None:
            data_text, grad_text = cell_texts[i]
        else:
            data_text = say("data_cell", lang, value=_number(node.data, precision))
            grad_text = say("grad_cell", lang, value=_number(node.grad, precision))
        target.node(
            f"v{i}",
            value_label(
                names[i], bool(node.label), node_fill(facts, i), data_text,
                grad_text if show_grad else None,
            ),
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

    _emit_clusters(diagram, facts.clusters, facts.titles, add_nodes)

    named = dict(zip(order, names))
    for i, node in enumerate(order):
        if not node.parents:
            continue
        for slot, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
            value, note = local_derivative_words(node, slot, named, _number(local, 12), lang)
            attributes = {
                "tooltip": _plain_text(
                    f"d{derivative_name(names[i])}/d{derivative_name(names[index[parent]])} = "
                    f"{value}   ({note})"
                ),
            }
            if show_local_grads:
                attributes["label"] = _number(local, precision)
                attributes["fontcolor"] = GRAD_INK
            diagram.edge(f"v{index[parent]}", f"op{i}", **attributes)
        diagram.edge(f"op{i}", f"v{i}")
    # Layer boxes one below the other, in the order the data flows through them.
    for source, leaf in entry_pairs(order, facts.clusters):
        diagram.edge(f"v{source}", f"v{leaf}", style="invis")
    return diagram


NEURON_FILL = "#f3f0ff"


def build_folded_diagram(
    facts: GraphFacts,
    neurons: Sequence[tuple[str, Sequence[int], int]],
    cell_texts: Sequence[tuple[str, str]],
    *,
    direction: str = "LR",
    precision: int = 4,
) -> graphviz.Digraph:
    """The diagram with every neuron folded into one box ``title | data | grad``.

    Neuron ``k`` becomes node ``n<k>`` showing its output node's cells; arrows
    into or out of a neuron end at its box, arrows inside it are left out.
    Laid out anew, so a folded network is as small as its neurons are few.

    Args:
        facts: From :func:`describe_graph`.
        neurons: For each neuron: its title, its members (positions in
            ``facts.order``) and its output (the member whose cells it shows).
        cell_texts: The data and grad cells of each node, as for :func:`build_diagram`.
        direction, precision: As for :func:`draw_graph`.
    """
    order, names, index = facts.order, facts.names, facts.index
    owner = {i: k for k, (_, members, _) in enumerate(neurons) for i in members}
    diagram = _diagram_class()(name="folded_graph", format="svg")
    diagram.attr(
        "graph", rankdir=_DIRECTIONS[direction], fontname=_FONT, nodesep="0.25",
        ranksep="0.45", bgcolor="white",
    )
    diagram.attr("node", fontname=_FONT, fontsize=f"{_FONT_SIZE:g}")
    diagram.attr("edge", fontname=_FONT, fontsize="11", arrowsize="0.7")
    declared: set[int] = set()
    for i, node in enumerate(order):
        k = owner.get(i)
        if k is not None:
            if k not in declared:
                declared.add(k)
                title, _, output = neurons[k]
                data_text, grad_text = cell_texts[output]
                diagram.node(
                    f"n{k}", value_label(title, True, NEURON_FILL, data_text, grad_text),
                    shape="plain",
                )
            continue
        data_text, grad_text = cell_texts[i]
        diagram.node(
            f"v{i}",
            value_label(names[i], bool(node.label), node_fill(facts, i), data_text, grad_text),
            shape="plain",
        )
        if node.parents:
            symbol = _op_symbol(node)
            diagram.node(
                f"op{i}", symbol, shape="circle" if len(symbol) <= 2 else "ellipse",
                style="filled", fillcolor=_OP_FILL, color="#9a9a9a", width="0.35",
                height="0.35", margin="0.04,0.02", fontsize="11",
            )
    for i, node in enumerate(order):
        k = owner.get(i)
        for parent, local in zip(node.parents, node.local_grads):
            p = index[parent]
            source = f"n{owner[p]}" if p in owner else f"v{p}"
            if k is None:
                target = f"op{i}"
            elif owner.get(p) == k:
                continue  # inside the folded neuron
            else:
                target = f"n{k}"
            diagram.edge(source, target, label=_number(local, precision), fontcolor=GRAD_INK)
        if node.parents and k is None:
            diagram.edge(f"op{i}", f"v{i}")
    return diagram


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
    lang: str | None = None,
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
        lang: The language of the boxes' words: ``"en"`` (``data 10 | grad 30``)
            or ``"ja"`` (``値 10 | 勾配 30``); ``None``: the current setting
            (:func:`~autograd_core.languages.get_language`). Labels are the
            nodes' own, in any language.

    Returns:
        A ``graphviz.Digraph`` (a subclass whose rendering uses
        :func:`find_renderer`).

    Raises:
        ImportError: The ``graphviz`` package is missing (``pip install
            "autograd-core[viz]"``).
        GraphTooLargeError: The graph has more than ``max_nodes`` value nodes.
        ValueError: An unknown ``direction`` or ``lang``, or a ``precision`` below 1.
        TypeError: ``root`` is not a Value.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_graph: root must be a Value, got {type(root).__name__}.")
    _check_drawing_options(direction, precision)
    lang = resolve_language(lang, "draw_graph")
    facts = describe_graph(root, model=model, groups=groups, max_nodes=max_nodes)
    return build_diagram(
        facts, direction=direction, show_grad=show_grad,
        show_local_grads=show_local_grads, precision=precision, lang=lang,
    )


_SVG_FONT_ATTRIBUTE = re.compile(rb'font-family="DejaVu Sans[^"]*"')


def with_font_list(svg: bytes) -> bytes:
    """The renderer's SVG with :data:`SVG_FONTS` as every text's font list."""
    return _SVG_FONT_ATTRIBUTE.sub(f'font-family="{SVG_FONTS}"'.encode(), svg)


def render_svg(diagram: Any, *, renderer: str | Renderer | None = None) -> bytes:
    """A diagram's SVG, with the font list that its boxes were sized for."""
    return with_font_list(render_source(diagram.source, "svg", renderer=renderer))


def _emit_clusters(
    diagram: Any, clusters: list[str], titles: Mapping[str, str], add_nodes: Any
) -> None:
    """Declare every node, inside nested ``subgraph cluster_k`` blocks.

    Top-level nodes and clusters come in the order of their first node in
    the topological order, so the DOT text is deterministic.
    """
    children, numbers = cluster_tree(clusters, titles)

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
        if suffix == ".svg":
            data = with_font_list(data)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target
