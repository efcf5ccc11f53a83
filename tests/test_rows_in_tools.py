"""Every row of the table, the new ones included, shows in diagrams, explanations and traces.

A row brings its symbol, formula and derivatives to every tool that reads the
table; these tests draw, explain and trace one node of each row.
"""

from __future__ import annotations

import random

import pytest

from autograd_core import OPERATIONS, Operation, Value, explain, trace_backward
from autograd_core.explain import format_number
from autograd_core.value import apply_operation
from table_cases import constants_of, sample_point

ROWS = list(OPERATIONS.values())


def one_node(row: Operation) -> tuple[Value, list[Value]]:
    """A labelled node of ``row`` on labelled leaves, backpropagated."""
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(sample_point(row, random.Random(3)))]
    node = apply_operation(row, leaves, constants_of(row)[0])
    node.label = "y"
    node.backward()
    return node, leaves


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_explain_and_trace_print_the_stored_local_derivative(row: Operation) -> None:
    """explain(y, x0) and trace_backward(y) show the node's own local derivative towards x0."""
    node, leaves = one_node(row)
    local = format_number(node.local_grads[0])
    assert f"= {local}" in explain(node, leaves[0])
    assert f"x0.grad += {local} * 1" in trace_backward(node)


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_diagram_shows_the_rows_symbol(row: Operation) -> None:
    """draw_graph labels the operation with the row's symbol (and a constant, if any)."""
    pytest.importorskip("graphviz", reason="pip install 'autograd-core[viz]'")
    from autograd_core import draw_graph

    node, _ = one_node(row)
    source = draw_graph(node).source
    symbol = row.symbol.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert symbol in source, row.symbol
    if node.constant is not None:
        assert format_number(node.constant) in source
