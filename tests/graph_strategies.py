"""Random small graphs for property tests (explain, diagrams, the two languages).

One Hypothesis strategy, shared by the tests that check a rule on "any graph":
a few labelled leaves, then operations applied to random earlier nodes (so a
node can be used several times, and paths branch and join).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from autograd_core import Value

#: Operations defined for every real input: no domain to respect.
EVERYWHERE_DEFINED = ("add", "sub", "mul", "tanh", "sigmoid", "square", "sum", "neg", "relu")


@st.composite
def random_graphs(
    draw: Any,
    operations: Sequence[str] = EVERYWHERE_DEFINED,
    leaves: tuple[int, int] = (2, 4),
    steps: tuple[int, int] = (1, 8),
) -> tuple[list[Value], Value]:
    """``(leaves, root)``: ``leaves`` labelled x0, x1 ... in [-2, 2], then ``steps`` operations."""
    inputs = [Value(draw(st.floats(-2, 2)), label=f"x{i}") for i in range(draw(st.integers(*leaves)))]
    nodes = list(inputs)
    for _ in range(draw(st.integers(*steps))):
        op = draw(st.sampled_from(list(operations)))
        pick = st.sampled_from(nodes)
        if op in ("add", "sub", "mul"):
            a, b = draw(pick), draw(pick)
            nodes.append(a + b if op == "add" else a - b if op == "sub" else a * b)
        elif op == "sum":
            nodes.append(Value.sum(draw(st.lists(pick, min_size=1, max_size=4))))
        elif op == "neg":
            nodes.append(-draw(pick))
        else:
            nodes.append(getattr(draw(pick), op)())
    return inputs, nodes[-1]


def random_roots(**options: Any) -> st.SearchStrategy[Value]:
    """The root of a :func:`random_graphs` graph, for tests that need only the output."""
    return random_graphs(**options).map(lambda graph: graph[1])
