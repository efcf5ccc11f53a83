"""Watch backpropagation: step through the forward and the backward pass.

``step_through(L)`` returns a :class:`StepThrough`. In Jupyter it shows as an
interactive widget; ``.save_html("steps.html")`` writes one self-contained page
(every script and style inlined, nothing fetched) that works from ``file://``.
Both show the diagram of :func:`~autograd_core.viz.draw_graph` (the same
layout, labels, colours and local-derivative labels) and a sequence of frames:

* forward, in topological order, each node with its computation in numbers:
  ``I = w * x = 10 * 5 = 50``;
* backward, in the order ``backward()`` runs, one frame per
  ``parent.grad += local * upstream``: ``w.grad += 5 * 6 -> 30``. A node that
  receives several contributions shows the running sum and which contribution
  it is (``grad 4 (1/2)``), until the last one completes it.

The backward frames are the steps of
:func:`~autograd_core.explain.backward_steps`, the sweep behind
:func:`~autograd_core.explain.trace_backward`: every number is the engine's
own, as ``backward()`` computes it from zeroed gradients. No ``grad`` is
changed.

Why the name: a learner *steps through* the passes, as through a program in a
debugger; the object does nothing until stepped (``animate`` would promise a
film, ``trace`` is already the text form).

The browser side is one small script of this package (``step_through.js``),
used unchanged by the widget (an anywidget ES module) and by the saved page.
"""

from __future__ import annotations

import functools
import html
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from autograd_core.clusters import ModuleLike, cluster_tree
from autograd_core.explain import BackwardStep, backward_steps, explain
from autograd_core.languages import resolve_language
from autograd_core.value import Value
from autograd_core.viz import (
    DEFAULT_MAX_NODES,
    GraphFacts,
    build_diagram,
    build_folded_diagram,
    describe_graph,
    render_svg,
)
from autograd_core.wording import (
    derivative_name,
    diagram_number,
    display_width,
    format_number,
    forward_equation,
    local_derivative_words,
    say,
)

#: Graphs with more value nodes than this start with every neuron folded.
DEFAULT_COLLAPSE_ABOVE = 30
#: What to install for the widget.
WIDGET_HINT = 'pip install "autograd-core[notebook]"'
#: Leaves named in the last frame's caption at most.
_LEAVES_IN_CAPTION = 8

_ASSETS = resources.files("autograd_core") / "step_through_assets"


@dataclass(frozen=True)
class Frame:
    """One step of the step-through.

    Attributes:
        phase: ``"start"``, ``"forward"``, ``"backward"`` or ``"done"``.
        caption: The main line, e.g. ``"w.grad += 5 * 6 -> 30"``.
        detail: A second line that says why, or ``""``.
        node: The node being computed (forward) or passing its gradient back
            (backward), as a position in the topological order; ``None`` for none.
        parent: In a backward step, the parent that receives the gradient.
        slot: In a backward step, which argument of ``node`` ``parent`` is.
        data: Values that become known in this frame: node position -> number.
        grad: Gradients set in this frame: node position -> number (the running sum).
        cells: The box texts this frame changes: (node position, ``"data"`` or
            ``"grad"``, text).
        step: The backward step of :func:`~autograd_core.explain.backward_steps`
            this frame shows, if any.
    """

    phase: str
    caption: str
    detail: str = ""
    node: int | None = None
    parent: int | None = None
    slot: int | None = None
    data: Mapping[int, float] = field(default_factory=dict)
    grad: Mapping[int, float] = field(default_factory=dict)
    cells: tuple[tuple[int, str, str], ...] = ()
    step: BackwardStep | None = None


def _frames(facts: GraphFacts, precision: int, lang: str) -> list[Frame]:
    """The frames of the forward pass, then of the backward pass, worded in ``lang``.

    Nodes are called by their unique names: in a network every neuron has a
    ``weights.0``, so captions say ``layers.0.neurons.1.weights.0``.
    """
    order, names, index = facts.order, facts.unique_names, facts.index
    root = facts.root
    number = functools.partial(diagram_number, precision=precision)
    operations = sum(1 for node in order if node.parents)
    frames = [
        Frame("start", say("start", lang, root=names[-1], values=len(order), operations=operations))
    ]
    for i, node in enumerate(order):
        cell = (i, "data", say("data_cell", lang, value=number(node.data)))
        if node.parents:
            caption = say(
                "forward_computed", lang,
                equation=forward_equation(node, names[i], [names[index[p]] for p in node.parents]),
            )
        else:
            caption = say("forward_leaf", lang, name=names[i], value=format_number(node.data))
        frames.append(Frame("forward", caption, node=i, data={i: node.data}, cells=(cell,)))

    root_i = index[root]
    droot = derivative_name(names[root_i])
    frames.append(Frame(
        "backward",
        say("seed", lang, root=names[root_i], droot=droot),
        say("backward_start", lang, root=names[root_i], droot=droot, value=format_number(root.data)),
        node=root_i, grad={root_i: 1.0},
        cells=((root_i, "grad", say("grad_cell", lang, value=number(1.0))),),
    ))
    steps = backward_steps(root)
    by_node = {node: names[i] for node, i in index.items()}
    counts: dict[int, int] = {}
    for step in steps:
        counts[index[step.parent]] = counts.get(index[step.parent], 0) + 1
    received: dict[int, list[float]] = {}
    for step in steps:
        n, p = index[step.node], index[step.parent]
        terms = received.setdefault(p, [])
        term = step.local * step.upstream
        terms.append(term)
        values = {
            "parent": names[p], "node": names[n], "root": names[root_i], "droot": droot,
            "dparent": derivative_name(names[p]), "dnode": derivative_name(names[n]),
            "local": format_number(step.local), "upstream": format_number(step.upstream),
            "before": format_number(step.before), "term": format_number(term),
            "after": format_number(step.after),
        }
        caption = say("step_update" if len(terms) == 1 else "step_update_more", lang, **values)
        why = say(
            "step_why", lang, operation=_call(step.node, names, index),
            derivative=_derivative_words(step, by_node, lang), **values,
        )
        count = counts[p]
        if count > 1 and len(terms) < count:
            why += " " + say("contribution", lang, number=len(terms), count=count, parent=names[p])
            text = say(
                "grad_partial", lang, value=number(step.after), number=len(terms), count=count
            )
        elif count > 1:
            why += " " + say(
                "contribution_last", lang, number=len(terms), count=count, parent=names[p],
                terms=" + ".join(format_number(t) for t in terms), after=values["after"],
            )
            text = say("grad_cell", lang, value=number(step.after))
        else:
            text = say("grad_cell", lang, value=number(step.after))
        frames.append(Frame(
            "backward", caption, why, node=n, parent=p, slot=step.slot,
            grad={p: step.after}, cells=((p, "grad", text),), step=step,
        ))

    reached = {root_i} | {index[step.parent] for step in steps}
    untouched = [i for i in range(len(order)) if i not in reached]
    leaves = [i for i, node in enumerate(order) if not node.parents]
    final = {i: 0.0 for i in untouched}
    grads = {root_i: 1.0} | {index[step.parent]: step.after for step in steps} | final
    parts = [
        say("done_leaf", lang, name=names[i], grad=format_number(grads[i]))
        for i in leaves[:_LEAVES_IN_CAPTION]
    ]
    if len(leaves) > _LEAVES_IN_CAPTION:
        parts.append("...")
    frames.append(Frame(
        "done", say("done", lang, droot=droot, leaves=say("list_separator", lang).join(parts)),
        grad=final,
        cells=tuple((i, "grad", say("grad_cell", lang, value=number(0.0))) for i in untouched),
    ))
    return frames


def _call(node: Value, names: list[str], index: Mapping[Value, int]) -> str:
    """``mul(w, x)``: the operation with its arguments' names."""
    return f"{node.op}({', '.join(names[index[p]] for p in node.parents)})"


def _derivative_words(step: BackwardStep, names: Mapping[Value, str], lang: str) -> str:
    """The local derivative in the graph's own names, as ``explain`` writes it:
    ``x = 5 (I = w * x)``; the table's generic formula where there is none
    (``1 (sum: dy/dxi = 1 for every i)``)."""
    value, note = local_derivative_words(step.node, step.slot, names, format_number(step.local), lang)
    return f"{value} ({note})"


def _neurons(
    facts: GraphFacts, numbers: Mapping[str, int], children: Mapping[str, list[int | str]]
) -> list[dict[str, Any]]:
    """The innermost clusters (neurons), each with its members and its output.

    A neuron's output is its last node that feeds a node outside the neuron
    (its activation); a folded neuron shows that node's data and grad.
    """
    users: dict[int, list[int]] = {}
    for i, node in enumerate(facts.order):
        for parent in node.parents:
            users.setdefault(facts.index[parent], []).append(i)
    neurons = []
    for path, k in numbers.items():
        items = children.get(path, [])
        if any(isinstance(item, str) for item in items):
            continue  # a layer: it holds neurons
        members = [item for item in items if isinstance(item, int)]
        inside = set(members)
        outputs = [
            i for i in members
            if facts.order[i] is facts.root or any(u not in inside for u in users.get(i, []))
        ]
        kind = facts.titles.get(path, path).split(" ")[0]  # "Neuron"
        neurons.append({
            "cluster": f"cluster_{k}", "title": f"{kind} {path}",  # the full path: unique
            "members": members, "output": outputs[-1] if outputs else members[-1],
        })
    return neurons


def _edge_occurrence(node: Value, slot: int) -> int:
    """How many earlier slots of ``node`` hold the same parent (``a * a``: 0, then 1)."""
    parent = node.parents[slot]
    return sum(1 for earlier in node.parents[:slot] if earlier is parent)


class StepThrough:
    """The forward and backward passes of one graph, frame by frame.

    Made by :func:`step_through`. Shows as a widget in Jupyter (it needs
    ``anywidget``: ``pip install "autograd-core[notebook]"``); :meth:`save_html`
    writes the same thing as one offline page.

    Attributes:
        frames: Every frame, in order (see :class:`Frame`).
        names: The name of each node, in topological order, as the captions
            and explanations write it (a model's parameters by their full
            name, ``layers.0.neurons.1.weights.0``).
        lang: The language of the captions and controls (``"en"`` or ``"ja"``).
    """

    def __init__(
        self, facts: GraphFacts, frames: list[Frame], svg: str,
        explanations: dict[int, str], neurons: list[dict[str, Any]], collapsed: bool,
        initial: list[tuple[str, str]], folded_svg: str = "", lang: str = "en",
    ) -> None:
        self.lang = lang
        self._facts = facts
        self.frames = frames
        self.names = list(facts.unique_names)
        self._svg = svg
        self._explanations = explanations
        self._neurons = neurons
        self._collapsed = collapsed
        self._initial = initial
        self._folded_svg = folded_svg
        self._widget: Any = None

    def __repr__(self) -> str:
        return (
            f"<StepThrough of {self.names[-1]}: {len(self.names)} values, "
            f"{len(self.frames)} frames>"
        )

    def payload(self) -> dict[str, Any]:
        """Everything the browser script needs, as JSON-ready data."""
        order, index = self._facts.order, self._facts.index
        frames = []
        for frame in self.frames:
            edge = None
            if frame.step is not None:
                assert frame.node is not None and frame.parent is not None  # set with step
                edge = [frame.parent, frame.node, _edge_occurrence(frame.step.node, frame.step.slot)]
            frames.append({
                "phase": frame.phase, "caption": frame.caption, "detail": frame.detail,
                "node": frame.node, "parent": frame.parent, "edge": edge,
                "inputs": (
                    [index[p] for p in order[frame.node].parents]
                    if frame.phase == "forward" and frame.node is not None else []
                ),
                "cells": [list(cell) for cell in frame.cells],
            })
        text_keys = (
            "phase_forward", "phase_backward", "button_reset", "button_previous",
            "button_next", "button_play", "button_pause", "label_speed", "hint_click",
            "hint_collapse", "button_fold_all", "button_open_all",
        )
        return {
            "svg": self._svg,
            "folded_svg": self._folded_svg,
            "nodes": [
                {"name": name, "leaf": not node.parents}
                for node, name in zip(order, self.names)
            ],
            "initial": [list(texts) for texts in self._initial],
            "frames": frames,
            "explanations": {str(i): text for i, text in self._explanations.items()},
            "neurons": self._neurons,
            "collapsed": self._collapsed,
            "lang": self.lang,
            "text": {key: say(key, self.lang) for key in text_keys}
            | {
                "label_step": say("label_step", self.lang, number="{number}", count="{count}"),
                "explain_title": say("explain_title", self.lang, name="{name}"),
            },
        }

    def html(self, *, title: str | None = None) -> str:
        """The whole page: one HTML document with its script, style, graph and frames inlined."""
        page_title = title or say("page_title", self.lang, root=self.names[-1])
        data = _json_for_script(self.payload())
        script = _asset("step_through.js")
        style = _asset("step_through.css")
        return (
            f"<!DOCTYPE html>\n<html lang=\"{self.lang}\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{html.escape(page_title)}</title>\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<style>\nbody {{ margin: 1em; font-family: sans-serif; }}\n{style}</style>\n"
            "</head>\n<body>\n"
            f"<h1 class=\"agc-page-title\">{html.escape(page_title)}</h1>\n"
            "<div id=\"agc-step-through\"></div>\n"
            f"<script type=\"application/json\" id=\"agc-data\">{data}</script>\n"
            "<script type=\"module\">\n"
            f"{script}\n"
            "const root = document.getElementById(\"agc-step-through\");\n"
            "const data = JSON.parse(document.getElementById(\"agc-data\").textContent);\n"
            "const stepper = mountStepThrough(root, data);\n"
            "document.addEventListener(\"keydown\", (event) => stepper.key(event));\n"
            "</script>\n</body>\n</html>\n"
        )

    def save_html(self, path: str | os.PathLike[str], *, title: str | None = None) -> Path:
        """Write the page of :meth:`html` to ``path`` (folders are created).

        Returns:
            The path written.

        Raises:
            ValueError: ``path`` does not end in ``.html`` or ``.htm``.
        """
        target = Path(path)
        if target.suffix.lower() not in (".html", ".htm"):
            raise ValueError(
                f"save_html: the page is HTML; use a name ending in .html, got {str(target)!r}."
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.html(title=title), encoding="utf-8")
        return target

    def widget(self) -> Any:
        """The Jupyter widget (an ``anywidget.AnyWidget``); made once, then reused.

        Its ``step`` trait is the frame shown (0 to ``len(frames) - 1``): set
        it from Python to move, read it to see where the learner is.

        Raises:
            ImportError: ``anywidget`` is missing (``pip install "autograd-core[notebook]"``).
        """
        if self._widget is None:
            self._widget = _widget_class()(
                payload=json.dumps(self.payload()), frame_count=len(self.frames)
            )
        return self._widget

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None, **kwargs: Any
    ) -> Any:
        """In Jupyter: the widget; without anywidget, the page in an iframe.

        Returns:
            A mime bundle, or (for the widget) a pair (bundle, metadata) as
            ipywidgets gives it; IPython takes either.
        """
        try:
            widget = self.widget()
        except ImportError as error:
            page = html.escape(self.html(), quote=True)
            return {
                "text/plain": f"{self!r}\n{error}",
                "text/html": (
                    f'<iframe srcdoc="{page}" style="width:100%;height:560px;border:0">'
                    "</iframe>"
                ),
            }
        return widget._repr_mimebundle_(include=include, exclude=exclude)


def _json_for_script(data: Any) -> str:
    """JSON that is safe inside ``<script type="application/json">``.

    ``<`` is written ``\\u003c`` so that no label can close the script
    element (``</script>``) or open a comment; JSON.parse reads it back.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@functools.cache
def _asset(name: str) -> str:
    return (_ASSETS / name).read_text(encoding="utf-8")


@functools.cache
def _widget_class() -> Any:
    """``StepThroughWidget``, made on first use (anywidget is optional)."""
    try:
        import anywidget
        import traitlets
    except ImportError:
        raise ImportError(
            f"step_through: the Jupyter widget needs anywidget: {WIDGET_HINT}. "
            "Without it, save the page: step_through(root).save_html('steps.html')."
        ) from None

    class StepThroughWidget(anywidget.AnyWidget):
        """The step-through as a Jupyter widget: ``step`` is the frame shown."""

        _esm = _asset("step_through.js") + "\nexport default { render: renderWidget };\n"
        _css = _asset("step_through.css")
        payload = traitlets.Unicode("").tag(sync=True)
        frame_count = traitlets.Int(0).tag(sync=True)
        step = traitlets.Int(0).tag(sync=True)

        def __repr__(self) -> str:
            return f"<step-through widget: frame {self.step + 1} of {self.frame_count}>"

    return StepThroughWidget


def step_through(
    root: Value,
    *,
    model: ModuleLike | None = None,
    groups: Mapping[Value, str] | None = None,
    collapse_above: int | None = DEFAULT_COLLAPSE_ABOVE,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    direction: str = "LR",
    precision: int = 4,
    max_paths: int = 20,
    lang: str | None = None,
) -> StepThrough:
    """Step through the forward and backward passes of ``root``'s graph.

    The frames: one per node in topological order (forward, with its
    computation in numbers), the seed ``root.grad = 1``, one per
    ``parent.grad += local * upstream`` in the order ``backward()`` runs
    (from zeroed gradients), and a last one with every leaf's gradient.
    Clicking a node shows :func:`~autograd_core.explain.explain` for it.

    Nothing is changed: ``root.backward()`` need not have run (the frames
    compute the gradients on a private table, as ``trace_backward`` does).

    Args:
        root: The output, e.g. a loss.
        model: An ``nn`` module, as for :func:`~autograd_core.viz.draw_graph`:
            each neuron is a box that can be folded into one node (click it).
        groups: Explicit clusters, as for ``draw_graph``.
        collapse_above: Fold every neuron at the start when the graph has
            more value nodes than this; ``None`` never folds them.
        max_nodes: Refuse bigger graphs (the size guard of ``draw_graph``).
        direction: ``"LR"`` or ``"TB"``, as for ``draw_graph``.
        precision: Significant digits in the boxes (captions show 6).
        max_paths: Paths listed by each node's explanation at most.
        lang: The language of captions, buttons and explanations: ``"en"`` or
            ``"ja"`` (日本語); ``None``: the current setting
            (:func:`~autograd_core.languages.get_language`). The numbers are
            the same in every language.

    Returns:
        A :class:`StepThrough`: display it in Jupyter, or ``.save_html(path)``.

    Raises:
        TypeError: ``root`` is not a Value.
        autograd_core.viz.GraphTooLargeError: More than ``max_nodes`` value nodes.
        ValueError: A bad ``direction``, ``precision``, ``collapse_above`` or ``lang``.
        ImportError: The ``viz`` extra is missing (the layout needs it).
        autograd_core.viz.RenderError: The renderer failed.
    """
    lang = resolve_language(lang, "step_through")
    if collapse_above is not None and collapse_above < 0:
        raise ValueError(
            f"step_through: collapse_above must be >= 0 or None, got {collapse_above}."
        )
    facts = describe_graph(
        root, model=model, groups=groups, max_nodes=max_nodes, function="step_through"
    )
    if precision < 1:
        raise ValueError(f"step_through: precision must be at least 1, got {precision}.")
    frames = _frames(facts, precision, lang)
    unknown = say("unknown", lang)
    initial = [
        (say("data_cell", lang, value=unknown), say("grad_cell", lang, value=unknown))
        for _ in facts.order
    ]
    # Each box is laid out for the longest text it will show.
    longest = [list(texts) for texts in initial]
    for frame in frames:
        for i, kind, text in frame.cells:
            column = 0 if kind == "data" else 1
            if display_width(text) > display_width(longest[i][column]):
                longest[i][column] = text
    diagram = build_diagram(
        facts, direction=direction, precision=precision,
        cell_texts=[(data, grad) for data, grad in longest], lang=lang,
    )
    svg = render_svg(diagram).decode("utf-8")
    svg = svg[svg.index("<svg"):]
    shown = dict(zip(facts.order, facts.unique_names))
    explanations = {
        i: explain(root, node, max_paths=max_paths, lang=lang, names=shown)
        for i, node in enumerate(facts.order)
    }
    children, numbers = cluster_tree(facts.clusters, facts.titles)
    neurons = _neurons(facts, numbers, children)
    collapsed = bool(neurons) and collapse_above is not None and len(facts.order) > collapse_above
    folded_svg = ""
    if neurons:
        folded = build_folded_diagram(
            facts, [(n["title"], n["members"], n["output"]) for n in neurons],
            [(data, grad) for data, grad in longest], direction=direction, precision=precision,
        )
        folded_svg = render_svg(folded).decode("utf-8")
        folded_svg = folded_svg[folded_svg.index("<svg"):]
    return StepThrough(
        facts, frames, svg, explanations, neurons, collapsed, initial, folded_svg, lang
    )
