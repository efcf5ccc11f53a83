"""topological_order: every node once, parents first, deterministic, iterative."""

from __future__ import annotations

from autograd_core import Value, topological_order


def test_parents_come_before_children_and_root_is_last() -> None:
    """Each node appears after all of its parents; the root is last."""
    a, b = Value(1.0, "a"), Value(2.0, "b")
    c = a * b
    d = c + a
    e = d.tanh() * c
    order = topological_order(e)
    position = {node: i for i, node in enumerate(order)}
    assert order[-1] is e
    for node in order:
        assert all(position[p] < position[node] for p in node.parents)


def test_every_reachable_node_exactly_once() -> None:
    """Shared nodes (a used three times) appear once; unrelated nodes do not appear."""
    a = Value(1.0)
    unrelated = Value(5.0)
    b = a * a + a
    order = topological_order(b)
    assert len(order) == len(set(order)) == 3  # a, a * a, a * a + a: nothing else
    assert a in order and unrelated not in order


def test_order_is_deterministic_and_follows_argument_order() -> None:
    """The same graph always gives the same order; first parents are emitted first."""
    x, y = Value(1.0, "x"), Value(2.0, "y")
    root = Value.sum([x * y, y - x, x.exp()])
    first = [id(n) for n in topological_order(root)]
    assert first == [id(n) for n in topological_order(root)]
    assert topological_order(root)[0] is x


def test_a_leaf_alone() -> None:
    """A leaf's order is just itself."""
    leaf = Value(3.0)
    assert topological_order(leaf) == [leaf]


def test_deep_chains_need_no_recursion() -> None:
    """A chain 200,000 nodes deep is walked without RecursionError."""
    x = Value(0.5)
    y = x
    for _ in range(200_000):
        y = y.tanh()
    order = topological_order(y)
    assert len(order) == 200_001 and order[0] is x


def _depth_first_post_order(root: Value) -> list[Value]:
    """The documented order, written plainly: parents in argument order, each node after them."""
    order: list[Value] = []
    seen: set[Value] = set()

    def visit(node: Value) -> None:
        if node in seen:
            return
        seen.add(node)
        for parent in node.parents:
            visit(parent)
        order.append(node)

    visit(root)
    return order


def test_the_order_is_the_plain_depth_first_post_order_on_random_graphs() -> None:
    """The iterative walk (with its shortcuts) gives exactly the recursive post-order."""
    import random

    rng = random.Random(0)
    for _ in range(500):
        nodes = [Value(rng.uniform(-1, 1)) for _ in range(rng.randint(1, 4))]

        def pick(nodes: list[Value] = nodes) -> Value:
            return rng.choice(nodes)

        for _ in range(rng.randint(1, 25)):
            kind = rng.random()
            if kind < 0.3:
                nodes.append(pick() * pick())
            elif kind < 0.5:
                nodes.append(pick().tanh())
            elif kind < 0.8:
                nodes.append(Value.sum([pick() for _ in range(rng.randint(1, 6))]))
            else:
                weights, inputs = [pick() for _ in range(3)], [pick() for _ in range(3)]
                nodes.append(Value.weighted_sum(weights, inputs, pick()))
        root = Value.sum(nodes[-3:])
        assert topological_order(root) == _depth_first_post_order(root)
