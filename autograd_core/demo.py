"""The worked example of the source articles, printed step by step.

    I = w * x,  M = I + b,  D = M - yc,  L = D ** 2
    x = 5, w = 10, b = 1, yc = 48  ->  L = 9,  dL/dw = 6 * 1 * 1 * 5 = 30

Run it with ``python -m autograd_core`` (``--help`` lists the options). It
prints the forward pass, the backward pass step by step, the chain rule for w
and b (from :func:`autograd_core.explain.explain`) and one SGD step, and writes
the diagram of the graph to ``demo_output/seed_graph.svg`` (and ``.png``,
``.dot``; ``--out`` picks another folder). With ``--html`` it also writes
``steps.html``, the offline page of :func:`autograd_core.step_through.step_through`.

``--lang ja`` (or ``AUTOGRAD_CORE_LANG=ja``) prints it in Japanese, naming the
nodes as the first article does: 掛け算 I, 足し算 M, 引き算 D, 2乗 L (the
diagram's boxes and the step-through carry these names; the formulas keep the
letters). Every sentence comes from :mod:`autograd_core.messages`; the numbers
are the same in both languages.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from autograd_core.explain import explain, format_number, trace_backward
from autograd_core.grad_mode import no_grad
from autograd_core.languages import LANGUAGES, get_language
from autograd_core.messages import say
from autograd_core.value import Value
from autograd_core.wording import display_width, pad

#: The intermediate nodes' letters, and what the diagrams call them in each language:
#: the first article names them 掛け算 I, 足し算 M, 引き算 D, 2乗 L (multiply,
#: add, subtract, square).
LETTERS = ("I", "M", "D", "L")
NODE_NAMES: dict[str, tuple[str, str, str, str]] = {
    "en": LETTERS,
    "ja": ("掛け算 I", "足し算 M", "引き算 D", "2乗 L"),
}


@dataclass
class SeedGraph:
    """The leaves and named intermediate nodes of the worked example."""

    w: Value
    x: Value
    b: Value
    yc: Value
    I: Value  # noqa: E741 - the articles' own name
    M: Value
    D: Value
    L: Value


def build_seed_graph(w: float = 10.0, x: float = 5.0, b: float = 1.0, yc: float = 48.0) -> SeedGraph:
    """Build L = (w * x + b - yc) ** 2 one elementary operation at a time."""
    w_, x_, b_, yc_ = Value(w, "w"), Value(x, "x"), Value(b, "b"), Value(yc, "yc")
    product = w_ * x_
    product.label = "I"
    shifted = product + b_
    shifted.label = "M"
    difference = shifted - yc_
    difference.label = "D"
    loss = difference.square()
    loss.label = "L"
    return SeedGraph(w_, x_, b_, yc_, product, shifted, difference, loss)


def sgd_step(graph: SeedGraph, learning_rate: float) -> tuple[float, float, float]:
    """One gradient-descent step on w and b; returns (new w, new b, new loss)."""
    with no_grad():
        new_w = graph.w.data - learning_rate * graph.w.grad
        new_b = graph.b.data - learning_rate * graph.b.grad
        new_loss = build_seed_graph(new_w, graph.x.data, new_b, graph.yc.data).L.data
    return new_w, new_b, new_loss


def named_for_pictures(graph: SeedGraph, lang: str) -> SeedGraph:
    """The same graph with I, M, D, L labelled by :data:`NODE_NAMES` of ``lang`` (掛け算 I ...).

    The nodes, numbers and gradients are those of ``graph``; only the labels
    change, so the printed text keeps the letters and the pictures show the
    articles' names. English keeps the letters, and ``graph`` itself is returned.
    """
    names = NODE_NAMES[lang]
    if names == LETTERS:
        return graph
    for node, name in zip((graph.I, graph.M, graph.D, graph.L), names):
        node.label = name
    return graph


def write_diagrams(graph: SeedGraph, folder: Path, *, lang: str = "en") -> list[Path]:
    """Draw the example's graph (with gradients) to ``folder``: DOT, SVG and PNG.

    Returns:
        The files written. The DOT text is always written; SVG and PNG need a
        renderer (the ``viz`` extra installs one).

    Raises:
        ImportError: The graphviz package is missing.
        autograd_core.viz.RenderError: No renderer, or it failed (the DOT file
            is written first).
    """
    from autograd_core.viz import draw_graph, save_graph

    diagram = draw_graph(graph.L, lang=lang)
    written = [save_graph(diagram, folder / "seed_graph.dot")]
    for suffix in (".svg", ".png"):
        written.append(save_graph(diagram, folder / f"seed_graph{suffix}"))
    return written


def _finite(text: str) -> float:
    """An option's number: a float that is neither NaN nor infinite."""
    try:
        number = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(number):
        raise argparse.ArgumentTypeError(
            f"got {text!r}, but the example needs a finite number (NaN and infinity "
            "have no gradient to show)"
        )
    return number


def _operand(x: float) -> str:
    """A number as it stands inside arithmetic: negative ones in parentheses.

    ``(-41) ** 2`` is 1681, but ``-41 ** 2`` reads (and in Python computes)
    as -(41 ** 2); ``0.01 * (-164)`` likewise reads unambiguously.
    """
    text = format_number(x)
    return f"({text})" if text.startswith("-") else text


def _check_output_folder(parser: argparse.ArgumentParser, folder: Path) -> None:
    """Refuse (exit status 2) a ``--out`` that is a file or a folder we cannot write."""
    if folder.exists() and not folder.is_dir():
        parser.error(f"--out {str(folder)!r} is an existing file; name a folder instead")
    existing = folder
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        parser.error(f"--out {str(folder)!r} lies inside the file {str(existing)!r}")
    if not os.access(existing, os.W_OK | os.X_OK):
        parser.error(
            f"--out {str(folder)!r}: cannot write into {str(existing)!r} (permission "
            "denied); pick a folder you can write, or pass --no-diagram"
        )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m autograd_core",
        description="The worked example L = (w*x + b - yc)**2, backpropagated step by step.",
    )
    parser.add_argument("--w", type=_finite, default=10.0, help="weight (default 10)")
    parser.add_argument("--x", type=_finite, default=5.0, help="input (default 5)")
    parser.add_argument("--b", type=_finite, default=1.0, help="bias (default 1)")
    parser.add_argument("--yc", type=_finite, default=48.0, help="target (default 48)")
    parser.add_argument("--lr", type=_finite, default=0.01, help="learning rate (default 0.01)")
    parser.add_argument(
        "--out", type=Path, default=Path("demo_output"),
        help="folder for the diagram files (default: demo_output in the current folder)",
    )
    parser.add_argument(
        "--no-diagram", action="store_true", help="print only, write no files"
    )
    parser.add_argument(
        "--lang", choices=sorted(LANGUAGES), default=None,
        help="the language of the output: en (English) or ja (日本語); default: "
        "the AUTOGRAD_CORE_LANG environment variable, else en",
    )
    parser.add_argument(
        "--html", action="store_true",
        help="also write steps.html (in --out): a page that steps through the forward "
        "and backward pass, offline in any browser",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Print the forward pass, the backward pass, the chain rule and one SGD step,
    and write the diagram of the graph.

    Every number printed is the engine's own: the values, the local derivatives
    stored in the nodes, and the explanations of :mod:`autograd_core.explain`.

    Returns:
        The exit status: 0, also when no diagram could be drawn (the reason is
        printed to standard error).

    Raises:
        SystemExit: with status 2 and a message naming the option, for a
            non-finite number, numbers whose loss overflows, a learning rate
            that diverges, or an ``--out`` that is a file or not writable.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        lang = args.lang or get_language()
    except ValueError as error:  # a bad AUTOGRAD_CORE_LANG
        parser.error(str(error))
    if not args.no_diagram:
        _check_output_folder(parser, args.out)

    try:
        g = build_seed_graph(args.w, args.x, args.b, args.yc)
        g.L.backward()
    except (OverflowError, FloatingPointError):
        parser.error(
            f"--w {args.w:g} --x {args.x:g} --b {args.b:g} --yc {args.yc:g}: the loss "
            "L = (w*x + b - yc)**2 overflows a float (above 1.8e308); use numbers "
            "below about 1e150"
        )
    try:
        new_w, new_b, new_loss = sgd_step(g, args.lr)
    except (OverflowError, FloatingPointError, ValueError):  # the new w or b is not finite
        new_loss = math.inf
    if not math.isfinite(new_loss):
        parser.error(
            f"--lr {args.lr:g}: one step with this learning rate sends the loss to "
            f"{new_loss!r}; lower the learning rate"
        )
    n, o = format_number, _operand
    names = dict(zip(LETTERS, NODE_NAMES[lang]))
    print(say("demo_names", lang, **names))
    print(say("demo_forward", lang))
    forward = [
        ("I", "I = w * x", f"{o(g.w.data)} * {o(g.x.data)}", g.I.data),
        ("M", "M = I + b", f"{o(g.I.data)} + {o(g.b.data)}", g.M.data),
        ("D", "D = M - yc", f"{o(g.M.data)} - {o(g.yc.data)}", g.D.data),
        ("L", "L = D ** 2", f"{o(g.D.data)} ** 2", g.L.data),
    ]
    # The articles' names before the formulas where they differ from the letters
    # (掛け算 I:  I = w * x), padded by terminal width so the = signs line up.
    name_width = max(display_width(names[letter]) for letter, *_ in forward)
    for letter, formula, numbers, result in forward:
        named = "" if names[letter] == letter else pad(f"{names[letter]}:", name_width + 2)
        print(f"  {named}{pad(formula, 11)} = {numbers} = {n(result)}")
    print()
    print(say("demo_backward", lang))
    print(_indent(trace_backward(g.L, lang=lang)))
    print()
    print(explain(g.L, g.w, lang=lang))
    print()
    print(explain(g.L, g.b, lang=lang))
    print()
    print(say("demo_other_leaves", lang, L="L", x="x", yc="yc", dx=n(g.x.grad), dyc=n(g.yc.grad)))
    closed_form = 2 * g.x.data * (g.w.data * g.x.data + g.b.data - g.yc.data)
    print(say("demo_closed_form", lang, L="L", value=n(closed_form)))
    print()
    print(say("demo_sgd", lang, lr=n(args.lr)))
    print(f"  w <- {o(g.w.data)} - {o(args.lr)} * {o(g.w.grad)} = {_precise(new_w)}")
    print(f"  b <- {o(g.b.data)} - {o(args.lr)} * {o(g.b.grad)} = {_precise(new_b)}")
    print(say("demo_loss", lang, before=n(g.L.data), after=_precise(new_loss)))
    if args.no_diagram:
        return 0
    print()
    pictured = named_for_pictures(g, lang)
    try:
        written = write_diagrams(pictured, args.out, lang=lang)
    except (ImportError, RuntimeError) as error:
        print(say("demo_no_diagram", lang, error=error), file=sys.stderr)
        return 0
    except OSError as error:
        parser.error(f"--out {str(args.out)!r}: cannot write the diagram ({error})")
    print(say("demo_diagram", lang))
    for path in written:
        print(f"  {path.resolve()}")
    print(say("demo_open", lang))
    if args.html:
        print()
        print(say("demo_html", lang))
        print(f"  {write_step_through(pictured, args.out, lang=lang).resolve()}")
    return 0


def _precise(x: float) -> str:
    """A result to 10 significant digits, ``0`` for -0.0."""
    return "0" if x == 0.0 else f"{x:.10g}"


def write_step_through(graph: SeedGraph, folder: Path, *, lang: str = "en") -> Path:
    """Write the step-through page of the example to ``folder/steps.html``, in ``lang``."""
    from autograd_core.step_through import step_through

    return step_through(graph.L, lang=lang).save_html(folder / "steps.html")


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())
