"""How the graph is worded: node names, numbers, formulas, and the sentences around them.

Text output (:func:`~autograd_core.explain.trace_backward`), diagrams
(:func:`~autograd_core.viz.draw_graph`) and the step-through
(:func:`~autograd_core.step_through.step_through`) name nodes and write
numbers with the same functions here, so a node called ``mul#4`` in a trace is
``mul#4`` in the picture, and ``30`` is never ``30.0`` in one and ``30`` in the
other.

Sentences are templates in :data:`autograd_core.messages.MESSAGES`, one per
language with the same named placeholders (``{parent}``, ``{local}`` ...);
:func:`say` fills one in. Numbers are formatted here before they are put in,
so English and Japanese print the same digits. Columns are padded by terminal
width (:func:`pad`), in which a Japanese character counts twice.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from autograd_core.messages import say
from autograd_core.ops import OPERATIONS

if TYPE_CHECKING:
    from autograd_core.value import Value

def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: East Asian wide characters (漢字, かな) count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int, align: str = "<") -> str:
    """``text`` padded with spaces to ``width`` terminal columns (``"<"`` left, ``">"`` right),
    so columns of Japanese and English text line up as ``str.ljust`` does for ASCII."""
    gap = " " * max(0, width - display_width(text))
    return text + gap if align == "<" else gap + text


#: A name written after ``d`` in d(out)/d(in) as it is: letters, digits, ``_``, ``#``, ``[]``.
_PLAIN_NAME = re.compile(r"[^\s()+\-*/=.]+")


def derivative_name(name: str) -> str:
    """A node's name as it stands in ``d{y}/d{x}``: ``L`` stays ``L``, a name with a space
    or an operator is bracketed, ``d(2乗 L)/d(引き算 D)``, so the notation stays unambiguous;
    so is a dotted parameter name, ``dloss/d(layers.0.neurons.1.weights.0)``, which would
    otherwise read as ``dlayers`` followed by more."""
    return name if _PLAIN_NAME.fullmatch(name) else f"({name})"


def format_number(x: float) -> str:
    """A number as a learner reads it: ``30`` not ``30.0``, 6 significant digits."""
    if x == 0.0:
        return "0"  # also for -0.0
    return f"{x:g}"


def diagram_number(x: float, precision: int) -> str:
    """A number in a diagram: ``precision`` significant digits, ``0`` for -0.0."""
    if x == 0.0:
        return "0"  # also -0.0
    return f"{x:.{precision}g}"


def node_names(order: Sequence[Value]) -> list[str]:
    """A readable name for every node of a topological order.

    A node's ``label`` if it has one; otherwise ``<op>#<i>`` for a computed
    node (``mul#4``) and ``leaf#<i>`` for a leaf, where ``i`` is the node's
    position in ``order``. Diagrams from :func:`autograd_core.viz.draw_graph`
    show the same ``#i`` on unlabelled nodes, so text and picture match.

    Args:
        order: Usually ``topological_order(root)``.

    Returns:
        One name per node, in the same order.
    """
    names = []
    for index, node in enumerate(order):
        if node.label:
            names.append(node.label)
        elif node.op:
            names.append(f"{node.op}#{index}")
        else:
            names.append(f"leaf#{index}")
    return names


def local_derivative_formula(node: Value, slot: int, lang: str = "en") -> str:
    """The table's formula for d(node)/d(parent number ``slot``), e.g. ``mul: dy/da = b``.

    Read from ``OPERATIONS[node.op].derivatives``; a fixed constant (the c of
    ``x ** c``) is shown with its value.
    """
    row = OPERATIONS[node.op]
    parts = row.derivatives.split(", ")
    formula = parts[slot] if len(parts) == len(node.parents) else row.derivatives
    if node.constant is not None:
        formula = say("formula_constant", lang, formula=formula, c=format_number(node.constant))
    return f"{row.name}: {formula}"


# A remark in parentheses at the end of a formula: "(x > 0)", "(c a fixed number)".
_REMARK = re.compile(r"\s+\((?=[^()]*(?:>|[a-z]{3}))[^()]*\)\s*$")
_LETTER = re.compile(r"(?<![A-Za-z_])([a-z])(?![A-Za-z_])")
_ARGUMENT_LETTERS = {1: ("x",), 2: ("a", "b")}


def _formula_body(row_formula: str) -> str:
    """``"y = ln x (x > 0)"`` -> ``"ln x"``: the right-hand side without remarks."""
    body = row_formula.split("=", 1)[1].strip() if "=" in row_formula else row_formula
    return _REMARK.sub("", body).strip()


def _substitute(body: str, words: Mapping[str, str]) -> str | None:
    """Put ``words`` in place of the single letters of ``body``; ``None`` if a
    letter other than e (Euler's number) is not among them."""
    unknown = [m for m in _LETTER.findall(body) if m not in words and m != "e"]
    if unknown:
        return None
    return _LETTER.sub(lambda m: words.get(m.group(1), m.group(1)), body)


def _operand(x: float) -> str:
    """A number inside a formula: negative ones in parentheses, ``3 - (-1)``."""
    text = format_number(x)
    return f"({text})" if text.startswith("-") else text


def forward_equation(node: Value, name: str, parent_names: Sequence[str]) -> str:
    """How ``node`` was computed, in names and then in numbers.

    The operation's formula from the table with the parents' names and values
    put in: ``I = w * x = 10 * 5 = 50``, ``L = D ** 2 = 3 ** 2 = 9``,
    ``s = a + b + c = 1 + 2 + 3 = 6``. An operation whose formula does not fit
    that pattern is written as a call: ``L = softmax_cross_entropy(a, b) = 0.31``.

    Args:
        node: A computed node (it has parents).
        name: Its name (see :func:`node_names`).
        parent_names: The names of its parents, in argument order.
    """
    row = OPERATIONS[node.op]
    values = [_operand(parent.data) for parent in node.parents]
    result = format_number(node.data)
    if node.op == "sum":
        return f"{name} = {' + '.join(parent_names)} = {' + '.join(values)} = {result}"
    letters = _ARGUMENT_LETTERS.get(len(node.parents))
    body = _formula_body(row.formula)
    if letters is not None and row.arity == len(node.parents):
        constant = {} if node.constant is None else {"c": format_number(node.constant)}
        in_names = _substitute(body, {**dict(zip(letters, parent_names)), **constant})
        in_numbers = _substitute(body, {**dict(zip(letters, values)), **constant})
        if in_names is not None and in_numbers is not None:
            if in_names == in_numbers:
                return f"{name} = {in_names} = {result}"
            return f"{name} = {in_names} = {in_numbers} = {result}"
    return (
        f"{name} = {row.name}({', '.join(parent_names)}) = "
        f"{row.name}({', '.join(values)}) = {result}"
    )


#: Words a table formula may contain besides its symbols; a formula with any other word
#: (``1/2 at a tie``, ``for every i``) is not rewritten in a node's names.
_FORMULA_WORDS = frozenset({"e", "ln", "sin", "cos", "sqrt", "sign", "sigmoid", "tanh", "max", "min", "if", "else"})
_SYMBOL = re.compile(r"(?<![A-Za-z_#])([A-Za-z_]+)(?![A-Za-z_#0-9])")


_ATOM = re.compile(r"[A-Za-z_][A-Za-z_0-9#]*|[0-9.e+]+|[^\s()+\-*/]+")
_NOTE = re.compile(r"\s*\([^()]*\)")


def _is_note(group: str) -> bool:
    """A parenthesised side note (``(c a fixed number)``, ``(x > 0)``), not part of the expression."""
    words = re.findall(r"[A-Za-z]+", group)
    return ">" in group or "<" in group or any(len(w) > 1 and w not in _FORMULA_WORDS for w in words) or (
        len(words) > 1 and " a " in group
    )


def _in_names(text: str, symbols: dict[str, str]) -> str | None:
    """``text`` with each table symbol replaced by its name, or None if a word is not understood."""
    text = _NOTE.sub(lambda m: "" if _is_note(m.group(0)) else m.group(0), text).strip()
    for word in _SYMBOL.findall(text):
        if word not in symbols and word not in _FORMULA_WORDS:
            return None

    def rename(match: re.Match[str]) -> str:
        name = symbols.get(match.group(1), match.group(1))
        if match.group(1) in symbols and not _ATOM.fullmatch(name):
            name = f"({name})"  # a name such as y1-d1 keeps its meaning inside 2x or x ** 2
        start = match.start()
        if start > 0 and text[start - 1].isdigit():  # 2x -> 2D, but 2*mul#3
            return name if len(name) == 1 or name.startswith("(") else f"*{name}"
        return name

    return _SYMBOL.sub(rename, text)


def local_derivative_words(
    node: Value, slot: int, names: Mapping[Value, str], number: str, lang: str = "en"
) -> tuple[str, str]:
    """The local derivative d(node)/d(parent ``slot``) as a learner should read it.

    ``("x = 5", "I = w * x")`` for I = w * x towards w: the formula in the graph's
    own names, then the node's forward formula (see :func:`local_derivative_in_names`).
    Where there is no such formula, the number and the table's generic one:
    ``("1", "sum: dy/dxi = 1 for every i")``. ``explain``, the step-through and the
    diagrams' tooltips all word it this way.

    Args:
        node: A computed node.
        slot: Which of its parents.
        names: A name for every node.
        number: The local derivative, already formatted.
        lang: The language of a generic formula's remarks.

    Returns:
        (the value, with the formula in names when there is one; the note in parentheses).
    """
    named = local_derivative_in_names(node, slot, names)
    if named is None:
        return number, local_derivative_formula(node, slot, lang)
    derivative, forward = named
    return (number if derivative == number else f"{derivative} = {number}"), forward


def local_derivative_in_names(node: Value, slot: int, names: Mapping[Value, str]) -> tuple[str, str] | None:
    """The table's formula for d(node)/d(parent ``slot``) and the node's forward formula, in the graph's names.

    For I = w * x the table says ``mul: y = a * b, dy/da = b``; in the node's own
    names that is ``("x", "I = w * x")``, so a learner reads dI/dw = x rather
    than a ``b`` that looks like the model's bias. Unlabelled constant leaves are
    shown as their number. None when the formula is not a plain expression
    (``1/2 at a tie``) or the node has a variable number of inputs (``sum``).

    Args:
        node: A computed node.
        slot: Which of its parents.
        names: A name for every node (see :func:`node_names`).

    Returns:
        (the derivative's right-hand side, the node's formula ``name = ...``), or None.
    """
    row = OPERATIONS[node.op]
    parts = row.derivatives.split(", ")

    def name_of(v: Value) -> str:
        if not v.label and not v.op:
            return format_number(v.data)
        return names.get(v, v.label or "?")

    if node.op == "sum":  # every local derivative of a sum is 1
        terms = [name_of(p) for p in node.parents]
        if len(terms) > 4:
            terms = [terms[0], terms[1], "...", terms[-1]]
        return "1", f"{name_of(node)} = {' + '.join(terms)}"
    if row.arity is None or len(parts) != len(node.parents) or "/d" not in parts[slot]:
        return None

    symbols = {"y": name_of(node)}
    letters = ("x",) if len(node.parents) == 1 else ("a", "b")
    symbols.update({letter: name_of(p) for letter, p in zip(letters, node.parents)})
    if node.constant is not None:
        symbols["c"] = format_number(node.constant)
    part = _NOTE.sub(lambda m: "" if _is_note(m.group(0)) else m.group(0), parts[slot])
    derivative = _in_names(part.split(" = ", 1)[1].split(" = ")[0], symbols)
    forward = _in_names(row.formula.split(" = ", 1)[1].split("  ")[0], symbols)
    if derivative is None or forward is None:
        return None
    return derivative, f"{symbols['y']} = {forward}"
