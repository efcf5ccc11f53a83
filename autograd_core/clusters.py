"""Which box of a network each node belongs to: layers and neurons as clusters.

What the graph *says* about an ``nn`` model, for every drawing of it: a
parameter belongs to the module that owns it, ``w * x`` and the weighted sum
to the neuron of their weight, the activation to the neuron of its sum
(:func:`assign_clusters`). :func:`~autograd_core.viz.draw_graph` draws these
clusters as dashed boxes; :func:`~autograd_core.step_through.step_through`
lets a learner fold each neuron into one box.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from autograd_core.value import Value


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


def parameter_names(model: ModuleLike, *, full: bool = False) -> dict[Value, str]:
    """Each parameter's name inside the module that owns it: ``weights.1``, ``bias``.

    Diagrams show it on parameters that have no label of their own: inside
    the box of its neuron it is unambiguous. Text outside the picture (the
    step-through's captions, explanations) needs ``full=True``: the name
    ``model.named_parameters()`` gives, ``layers.0.neurons.1.weights.0``,
    which no other parameter shares (every neuron has a ``weights.0``).
    """
    if full:
        return {parameter: name for name, parameter in model.named_parameters()}
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


def cluster_tree(
    clusters: list[str], titles: Mapping[str, str]
) -> tuple[dict[str, list[int | str]], dict[str, int]]:
    """How clusters nest, and the number ``k`` of each one's ``cluster_k``.

    Args:
        clusters: The cluster path of each node, from :func:`assign_clusters`.
        titles: Every known cluster path (its keys).

    Returns:
        For every path ("" for the outside), its items in drawing order: node
        positions (ints) and the paths of the clusters directly inside it;
        and for every path that holds nodes, its number. A node comes at its
        place in the topological order and a cluster at the place of its
        *last* node (its output, when the cluster is complete), so boxes are
        drawn in the order the data flows through them (the hidden layer
        before the output layer, even though the output layer's weights are
        leaves that come early), and drawings are deterministic.
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
    last: dict[str, int] = {}
    for i, path in enumerate(clusters):
        for part in chain.get(path, []):
            last[part] = i
    for items in children.values():
        items.sort(key=lambda item: item if isinstance(item, int) else last[item])
    numbers = {path: k for k, path in enumerate(p for p in children if p)}
    return children, numbers


def entry_pairs(order: list[Value], clusters: list[str]) -> list[tuple[int, int]]:
    """Pairs (source, parameter) that a drawing should rank one after the other.

    A parameter leaf inside a box (a neuron's weight) meets, at its operation,
    a value that flows in from outside the box (the input x, or the previous
    layer's activation z). Left alone, a layout puts the leaf on the same rank
    as that value, so the box of the next layer has to sit *beside* the box of
    the layer before it. Ranking the leaf after the incoming value stacks the
    boxes in the order the data flows: input, hidden layer, output layer.

    Args:
        order: The nodes, parents first.
        clusters: The cluster path of each node, from :func:`assign_clusters`.

    Returns:
        Positions in ``order``: (incoming value, parameter leaf), each pair once.
    """
    index = {node: i for i, node in enumerate(order)}
    pairs: dict[tuple[int, int], None] = {}
    for node in order:
        slots = [index[parent] for parent in node.parents]
        for leaf in slots:
            box = clusters[leaf]
            if order[leaf].parents or not box:
                continue
            for source in slots:
                inside = clusters[source] == box or clusters[source].startswith(box + ".")
                if source != leaf and not inside:
                    pairs[(source, leaf)] = None
    return list(pairs)
