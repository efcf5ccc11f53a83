"""The chain rule in words and numbers: ``explain`` and ``trace_backward``.

For a result ``y`` and a node ``x`` it depends on, the chain rule says

    dy/dx = sum over every path x -> ... -> y of the product of the local
            derivatives on the edges of that path,

and ``backward()`` computes exactly that sum without listing the paths: it
walks the graph once, from ``y`` back to the leaves, doing
``parent.grad += local * node.grad`` at every edge.

:func:`explain` lists the paths with the names of their nodes and the engine's
own stored local derivatives (``node.local_grads``), and compares the sum with
backpropagation. :func:`trace_backward` prints the steps of the backward pass
in the order ``backward()`` runs them.

Neither function changes any ``grad``: both run the same reverse sweep as
``backward()`` on a private table of gradients that starts at zero, as after
zeroing the gradients. So the numbers they print are what ``root.backward()``
puts in ``.grad`` when every gradient starts at 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from autograd_core.graph import topological_order
from autograd_core.languages import resolve_language
from autograd_core.value import Value
from autograd_core.wording import (
    derivative_name,
    display_width,
    format_number,
    local_derivative_formula,
    local_derivative_in_names,
    node_names,
    pad,
    say,
)

__all__ = [
    "BackwardStep",
    "ChainRule",
    "backward_steps",
    "chain_rule",
    "explain",
    "format_number",
    "local_derivative_formula",
    "local_derivative_in_names",
    "node_names",
    "reverse_sweep",
    "trace_backward",
]

#: Paths listed by :func:`explain` at most; beyond it only their number is given.
DEFAULT_MAX_PATHS = 20
#: Steps shown by :func:`trace_backward` at most; the rest are summarised.
DEFAULT_MAX_STEPS = 200
#: Factors written out in one path's product; longer paths are shortened.
MAX_FACTORS_SHOWN = 12


def reverse_sweep(root: Value) -> dict[Value, float]:
    """d(root)/d(node) for every node ``root`` depends on, without touching ``.grad``.

    The same loop as :meth:`Value.backward` (reverse topological order,
    ``grad[parent] += local * grad[node]``, seed 1.0, nodes whose gradient
    is 0 pass nothing on), run on a dictionary that starts at zero.

    Args:
        root: The output to differentiate.

    Returns:
        A gradient for every node of the graph, keyed by node.
    """
    order = topological_order(root)
    grads = dict.fromkeys(order, 0.0)
    grads[root] = 1.0
    for node in reversed(order):
        upstream = grads[node]
        if upstream == 0.0:
            continue  # as in backward(): every term would be local * 0
        for parent, local in zip(node.parents, node.local_grads):
            grads[parent] += local * upstream
    return grads


# ----------------------------------------------------------------------------
# Paths and their products
# ----------------------------------------------------------------------------
@dataclass(frozen=True)
class ChainStep:
    """One edge of a path: ``local`` = d(child)/d(parent), parent in slot ``slot``."""

    child: Value
    parent: Value
    slot: int
    local: float


@dataclass(frozen=True)
class ChainPath:
    """One path from ``root`` down to ``wrt``, as the edges from the root side."""

    steps: tuple[ChainStep, ...]

    @property
    def product(self) -> float:
        """The product of the local derivatives along the path (1.0 for no edge)."""
        result = 1.0
        for step in self.steps:
            result *= step.local
        return result


@dataclass(frozen=True)
class ChainRule:
    """Everything :func:`explain` prints, as data.

    Attributes:
        root: The output ``y``.
        wrt: The node ``x`` the derivative is taken with respect to.
        path_count: How many paths lead from ``wrt`` to ``root`` (exact).
        paths: The paths, listed only when ``path_count <= max_paths``.
        backprop: d(root)/d(wrt) from the reverse sweep of ``backward()``.
    """

    root: Value
    wrt: Value
    path_count: int
    paths: tuple[ChainPath, ...]
    backprop: float

    @property
    def listed(self) -> bool:
        """True when every path is in ``paths``."""
        return len(self.paths) == self.path_count

    @property
    def sum_over_paths(self) -> float:
        """The sum of the path products (the chain rule), when every path is listed.

        Raises:
            ValueError: There were too many paths to list.
        """
        if not self.listed:
            raise ValueError(
                f"chain rule: {self.path_count} paths were counted but not listed; "
                "pass a larger max_paths= to list them."
            )
        return sum(path.product for path in self.paths)


def _nodes_reaching(order: Sequence[Value], wrt: Value) -> set[Value]:
    """The nodes of ``order`` that depend on ``wrt`` (``wrt`` included)."""
    reaching: set[Value] = set()
    for node in order:  # parents come first, so one pass is enough
        if node is wrt or any(parent in reaching for parent in node.parents):
            reaching.add(node)
    return reaching


def _count_paths(order: Sequence[Value], reaching: set[Value], wrt: Value) -> dict[Value, int]:
    """Number of paths from ``wrt`` to each reaching node (exact, may be huge)."""
    counts: dict[Value, int] = {}
    for node in order:
        if node not in reaching:
            continue
        if node is wrt:
            counts[node] = 1
        else:
            counts[node] = sum(counts.get(parent, 0) for parent in node.parents)
    return counts


def _list_paths(root: Value, wrt: Value, reaching: set[Value]) -> list[ChainPath]:
    """Every path from ``root`` down to ``wrt``, depth first with an explicit stack."""
    paths: list[ChainPath] = []
    stack: list[tuple[Value, tuple[ChainStep, ...]]] = [(root, ())]
    while stack:
        node, steps = stack.pop()
        if node is wrt:
            paths.append(ChainPath(steps))
            continue
        # Reversed so that the first parent's paths come out first.
        for slot in reversed(range(len(node.parents))):
            parent = node.parents[slot]
            if parent in reaching:
                step = ChainStep(node, parent, slot, node.local_grads[slot])
                stack.append((parent, (*steps, step)))
    return paths


def chain_rule(root: Value, wrt: Value, *, max_paths: int = DEFAULT_MAX_PATHS) -> ChainRule:
    """The paths from ``wrt`` to ``root`` with their local derivatives, as data.

    Args:
        root: The output ``y``.
        wrt: The node ``x``; any node of ``root``'s graph (a leaf or not).
        max_paths: List the paths only if there are at most this many.

    Returns:
        A :class:`ChainRule`; no ``grad`` is changed.

    Raises:
        TypeError: ``root`` or ``wrt`` is not a Value.
        ValueError: ``max_paths`` is negative.
    """
    for name, node in (("root", root), ("wrt", wrt)):
        if not isinstance(node, Value):
            raise TypeError(f"explain: {name} must be a Value, got {type(node).__name__}.")
    if max_paths < 0:
        raise ValueError(f"explain: max_paths must be >= 0, got {max_paths}.")
    order = topological_order(root)
    reaching = _nodes_reaching(order, wrt)
    count = _count_paths(order, reaching, wrt).get(root, 0)
    paths = _list_paths(root, wrt, reaching) if count <= max_paths else []
    backprop = reverse_sweep(root).get(wrt, 0.0)
    return ChainRule(root, wrt, count, tuple(paths), backprop)


# ----------------------------------------------------------------------------
# Text
# ----------------------------------------------------------------------------
def _derivative(names: dict[Value, str], step: ChainStep) -> str:
    """``dM/dI``; ``dI/da[2]`` when the parent fills several slots (``a * a``)."""
    name = f"d{derivative_name(names[step.child])}/d{derivative_name(names[step.parent])}"
    if sum(p is step.parent for p in step.child.parents) > 1:
        name += f"[{step.slot + 1}]"
    return name


def _shorten(items: list[str], separator: str, lang: str) -> str:
    """Join, leaving out the middle of very long paths."""
    if len(items) <= MAX_FACTORS_SHOWN:
        return separator.join(items)
    half = MAX_FACTORS_SHOWN // 2
    hidden = say("explain_hidden", lang, count=len(items) - 2 * half)
    return separator.join([*items[:half], hidden, *items[-half:]])


#: Longer product lines are broken: the symbols on one line, ``= numbers`` on the next.
MAX_LINE_WIDTH = 100


def _path_lines(
    names: dict[Value, str], rule: ChainRule, path: ChainPath, number: int, lang: str
) -> list[str]:
    """A path as its nodes, then its product in symbols and in numbers."""
    y, x = derivative_name(names[rule.root]), derivative_name(names[rule.wrt])
    nodes = [names[rule.wrt]] + [names[step.child] for step in reversed(path.steps)]
    symbols = _shorten([_derivative(names, step) for step in path.steps], " * ", lang)
    numbers = _shorten([format_number(step.local) for step in path.steps], " * ", lang)
    product = f"{numbers} = {format_number(path.product)}" if len(path.steps) > 1 else numbers
    if rule.path_count == 1 and len(path.steps) == 1:
        # One edge: its local derivative is the whole chain rule, so ``dy/dx = dy/dx`` would
        # say nothing; the line gives the number (the heading says there is nothing to multiply).
        lines = ["  " + _shorten(nodes, " -> ", lang), f"  d{y}/d{x} = {product}"]
    elif rule.path_count == 1:
        lines = ["  " + _shorten(nodes, " -> ", lang), f"  d{y}/d{x} = {symbols} = {product}"]
        indent = " " * display_width(f"  d{y}/d{x} ")
    else:
        lines = [
            say("explain_path", lang, number=number, nodes=_shorten(nodes, " -> ", lang)),
            f"    {symbols} = {product}",
        ]
        indent = "    "
    if display_width(lines[1]) > MAX_LINE_WIDTH:  # the numbers on a line of their own, under the symbols
        lines[1:] = [lines[1][: -len(f" = {product}")], f"{indent}= {product}"]
    return lines


def _local_derivative_lines(names: dict[Value, str], rule: ChainRule, lang: str) -> list[str]:
    seen: set[tuple[int, int]] = set()
    lines = []
    for path in rule.paths:
        for step in path.steps:
            key = (id(step.child), step.slot)
            if key in seen:
                continue
            seen.add(key)
            number = format_number(step.local)
            named = local_derivative_in_names(step.child, step.slot, names)
            if named is None:
                lines.append(
                    f"  {_derivative(names, step)} = {number}"
                    f"    ({local_derivative_formula(step.child, step.slot, lang)})"
                )
                continue
            derivative, forward = named
            value = number if derivative == number else f"{derivative} = {number}"
            lines.append(f"  {_derivative(names, step)} = {value}    ({forward})")
    return lines


def explain(
    root: Value,
    wrt: Value,
    *,
    max_paths: int = DEFAULT_MAX_PATHS,
    lang: str | None = None,
    names: Mapping[Value, str] | None = None,
) -> str:
    """Walk the chain rule from ``root`` back to ``wrt``, in words and numbers.

    Lists the local derivatives on the way (with the table's formula for
    each), every path from ``wrt`` to ``root`` as the product of its local
    derivatives, the sum over the paths, and what backpropagation gives. For
    the worked example (I = w*x, M = I + b, D = M - yc, L = D**2)::

        dL/dw = dL/dD * dD/dM * dM/dI * dI/dw
              = 6 * 1 * 1 * 5 = 30

    Nodes are named by their labels; unlabelled ones get ``<op>#<i>`` (see
    :func:`node_names`). When there are more than ``max_paths`` paths, only
    their number and the backprop total are given.

    No ``grad`` is changed: the backprop total comes from the same sweep as
    ``root.backward()``, run on a private table that starts at zero.

    Args:
        root: The output ``y``, e.g. a loss.
        wrt: The node ``x`` (a parameter, an input or any intermediate node).
        max_paths: The most paths to list.
        lang: ``"en"`` or ``"ja"`` (日本語); ``None``: the current setting
            (:func:`~autograd_core.languages.get_language`). The numbers are
            the same in every language.
        names: Names for some nodes, used instead of their labels or
            ``<op>#<i>``, e.g. a model's parameter names
            ``{p: name for name, p in model.named_parameters()}`` (what
            ``step_through(loss, model=model)`` passes).

    Returns:
        The explanation, several lines of text.

    Raises:
        TypeError: ``root`` or ``wrt`` is not a Value.
        ValueError: ``max_paths`` is negative, or ``lang`` is not a known language.
    """
    lang = resolve_language(lang, "explain")
    rule = chain_rule(root, wrt, max_paths=max_paths)
    order = topological_order(root)
    given = names or {}
    shown = {node: given.get(node, name) for node, name in zip(order, node_names(order))}
    if wrt not in shown:
        shown[wrt] = given.get(wrt) or wrt.label or "wrt"
    y, x = shown[root], shown[wrt]
    words = {"y": y, "x": x, "dy": derivative_name(y), "dx": derivative_name(x)}
    total = format_number(rule.backprop)
    lines = [say("explain_heading", lang, **words)]

    if rule.path_count == 0:
        lines.append(say("explain_no_path", lang, **words))
        return "\n".join(lines)
    if wrt is root:
        lines.append(say("explain_is_root", lang, **words))
        return "\n".join(lines)
    if not rule.listed:
        lines.append(say(
            "explain_too_many", lang, count=f"{rule.path_count:,}", max_paths=max_paths, **words
        ))
        lines.append(say("explain_backprop_only", lang, total=total, **words))
        return "\n".join(lines)

    lines.append(say("explain_locals", lang))
    lines.extend(_local_derivative_lines(shown, rule, lang))
    if rule.path_count == 1 and len(rule.paths[0].steps) == 1:
        lines.append(say("explain_one_edge", lang, **words))
    elif rule.path_count == 1:
        lines.append(say("explain_one_path", lang, **words))
    else:
        lines.append(say("explain_paths", lang, count=rule.path_count, **words))
    for number, path in enumerate(rule.paths, start=1):
        lines.extend(_path_lines(shown, rule, path, number, lang))
    path_sum = rule.sum_over_paths
    if rule.path_count > 1:
        terms = _shorten([format_number(path.product) for path in rule.paths], " + ", lang)
        lines.append(
            say("explain_sum", lang, terms=terms, total=format_number(path_sum), **words)
        )
    agreement = say(
        "explain_agree_exactly" if format_number(path_sum) == total else "explain_agree_rounding",
        lang,
    )
    lines.append(say("explain_backprop", lang, total=total, agreement=agreement, **words))
    return "\n".join(lines)


# ----------------------------------------------------------------------------
# The backward pass, step by step
# ----------------------------------------------------------------------------
@dataclass(frozen=True)
class BackwardStep:
    """One ``parent.grad += local * upstream`` of the backward pass.

    Attributes:
        node: The node whose gradient is passed back (``upstream`` = its grad).
        parent: The parent that receives it.
        slot: Which of ``node``'s parents (0 = first argument).
        local: d(node)/d(parent), stored when ``node`` was computed.
        upstream: d(root)/d(node), complete by the time this step runs.
        before: ``parent``'s gradient before the step.
        after: ``parent``'s gradient after the step.
    """

    node: Value
    parent: Value
    slot: int
    local: float
    upstream: float
    before: float
    after: float


def backward_steps(root: Value) -> list[BackwardStep]:
    """Every step of ``root.backward()`` in the order it runs, from zeroed gradients.

    Like ``backward()``, a node whose gradient is 0 (behind an inactive relu,
    say) passes nothing on, so its edges have no step.

    No ``grad`` is changed (the sweep runs on a private table).

    Args:
        root: The output to differentiate.

    Returns:
        One :class:`BackwardStep` per edge of the graph, in execution order.
    """
    order = topological_order(root)
    grads = dict.fromkeys(order, 0.0)
    grads[root] = 1.0
    steps = []
    for node in reversed(order):
        upstream = grads[node]
        if upstream == 0.0:
            continue  # backward() skips it too: every term would be local * 0
        for slot, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
            before = grads[parent]
            grads[parent] = before + local * upstream
            steps.append(BackwardStep(node, parent, slot, local, upstream, before, grads[parent]))
    return steps


def trace_backward(
    root: Value, *, max_steps: int = DEFAULT_MAX_STEPS, lang: str | None = None
) -> str:
    """The backward pass as it runs, one line per ``parent.grad += local * upstream``.

    For the worked example the first lines are::

        L.grad = 1   (the seed: dL/dL = 1)
          L = square(D):   D.grad += 6 * 1  ->  D.grad = 6

    Gradients are shown as if they all started at 0 (as after zeroing them);
    no ``grad`` is changed. Like ``backward()``, computed nodes whose gradient
    is 0 pass nothing on; a last line counts them. Graphs with more than
    ``max_steps`` steps are cut short, with the number of steps left out.

    Args:
        root: The output to differentiate.
        max_steps: The most steps to show.
        lang: ``"en"`` or ``"ja"`` (日本語); ``None``: the current setting
            (:func:`~autograd_core.languages.get_language`).

    Returns:
        The trace, one line per step.

    Raises:
        ValueError: ``max_steps`` is negative, or ``lang`` is not a known language.
    """
    lang = resolve_language(lang, "trace_backward")
    if max_steps < 0:
        raise ValueError(f"trace_backward: max_steps must be >= 0, got {max_steps}.")
    order = topological_order(root)
    names = dict(zip(order, node_names(order)))
    steps = backward_steps(root)
    lines = [say("seed", lang, root=names[root], droot=derivative_name(names[root]))]
    rows: list[tuple[str, str]] = []
    previous_node = None
    for step in steps[:max_steps]:
        header = ""
        if step.node is not previous_node:
            arguments = ", ".join(names[p] for p in step.node.parents)
            header = f"{names[step.node]} = {step.node.op}({arguments}):"
            previous_node = step.node
        parent = names[step.parent]
        update = say(
            "trace_update", lang, parent=parent, local=format_number(step.local),
            upstream=format_number(step.upstream), after=format_number(step.after),
        )
        rows.append((header, update))
    width = max((display_width(header) for header, _ in rows), default=0)
    lines.extend(f"  {pad(header, width)}  {update}" for header, update in rows)
    if len(steps) > max_steps:
        lines.append(
            say("trace_more", lang, count=f"{len(steps) - max_steps:,}", total=len(steps))
        )
    grads = reverse_sweep(root)
    silent = sum(1 for node in order if node.parents and grads[node] == 0.0)
    if silent:
        lines.append(say("trace_silent", lang, count=silent))
    return "\n".join(lines)
