"""Chain-rule explanations and the backward trace print the engine's own numbers,
and their totals agree with backward() and with finite differences."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings

from autograd_core import Value, explain, numerical_grad, scalar_math, trace_backward
from autograd_core.demo import build_seed_graph
from autograd_core.explain import (
    backward_steps,
    chain_rule,
    format_number,
    local_derivative_formula,
    local_derivative_in_names,
    node_names,
    reverse_sweep,
)
from autograd_core.graph import topological_order
from autograd_core.ops import OPERATIONS
from graph_strategies import random_graphs



# ----------------------------------------------------------------------------
# The worked example
# ----------------------------------------------------------------------------
def test_seed_explanation_for_w_is_the_articles_product() -> None:
    """explain(L, w) shows dL/dw = dL/dD * dD/dM * dM/dI * dI/dw = 6 * 1 * 1 * 5 = 30."""
    g = build_seed_graph()
    text = explain(g.L, g.w)
    assert "dL/dw = dL/dD * dD/dM * dM/dI * dI/dw = 6 * 1 * 1 * 5 = 30" in text
    assert "w -> I -> M -> D -> L" in text
    # The table's formulas in the graph's own names: multiply passes the *other* input, x.
    assert "dI/dw = x = 5    (I = w * x)" in text
    assert "dL/dD = 2D = 6    (L = D ** 2)" in text
    assert "dM/dI = 1    (M = I + b)" in text
    assert "1 path leads from w to L" in text
    assert "gives dL/dw = 30 (the same number)" in text


def test_seed_explanation_for_b_x_and_yc() -> None:
    """dL/db = 6 * 1 * 1 = 6, dL/dx = 6 * 1 * 1 * 10 = 60, dL/dyc = 6 * -1 = -6."""
    g = build_seed_graph()
    assert "dL/db = dL/dD * dD/dM * dM/db = 6 * 1 * 1 = 6" in explain(g.L, g.b)
    assert "dL/dx = dL/dD * dD/dM * dM/dI * dI/dx = 6 * 1 * 1 * 10 = 60" in explain(g.L, g.x)
    assert "dL/dyc = dL/dD * dD/dyc = 6 * -1 = -6" in explain(g.L, g.yc)


def test_explain_changes_no_gradient() -> None:
    """explain() and trace_backward() leave every grad as it was (they use a private sweep)."""
    g = build_seed_graph()
    g.w.grad = 123.0
    explain(g.L, g.w)
    trace_backward(g.L)
    assert g.w.grad == 123.0
    assert all(node.grad == 0.0 for node in topological_order(g.L) if node is not g.w)


def test_explanation_uses_the_engine_numbers_for_other_inputs() -> None:
    """With other inputs the printed factors are the new stored local derivatives."""
    g = build_seed_graph(w=2.0, x=3.0, b=-1.0, yc=1.0)  # D = 4, dL/dw = 8 * 3 = 24
    assert "= 8 * 1 * 1 * 3 = 24" in explain(g.L, g.w)


# ----------------------------------------------------------------------------
# Several paths, no path, many paths
# ----------------------------------------------------------------------------
def test_several_paths_are_listed_and_summed() -> None:
    """y = a*a + a has three paths (two through the two slots of a*a): 3 + 3 + 1 = 7."""
    a = Value(3.0, label="a")
    y = a * a + a
    y.label = "y"
    text = explain(y, a)
    assert "3 paths lead from a to y" in text
    assert "dmul#1/da[1]" in text and "dmul#1/da[2]" in text
    assert "Sum over the paths: dy/da = 3 + 3 + 1 = 7" in text
    rule = chain_rule(y, a)
    assert rule.path_count == 3 and rule.sum_over_paths == 7.0 and rule.backprop == 7.0


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_single_edge_is_its_local_derivative_not_an_equation_with_itself(lang: str) -> None:
    """p = a * 3: the one path is one edge, so the product line is dp/da = 3, never dp/da = dp/da."""
    a = Value(2.0, label="a")
    p = a * 3
    p.label = "p"
    lines = explain(p, a, lang=lang).splitlines()
    assert "  dp/da = 3" in lines
    assert not any("dp/da = dp/da" in line for line in lines)
    assert ("a single edge" if lang == "en" else "矢印がじかにつないで") in "\n".join(lines)
    y = p.tanh()
    y.label = "y"
    assert "  dy/da = dy/dp * dp/da = " in explain(y, a, lang=lang)  # two edges: the product


def test_names_given_replace_the_generated_ones_but_not_the_numbers() -> None:
    """names= calls an unlabelled node by the name given (bracketed when dotted), the rest as before."""
    w, x = Value(2.0), Value(5.0, label="x")
    y = w * x
    y.label = "y"
    plain, named = explain(y, w), explain(y, w, names={w: "layer.weights.0"})
    assert "dy/d(layer.weights.0) = x = 5" in named and "How y depends on layer.weights.0" in named
    expected = plain.replace("/dleaf#0", "/d(layer.weights.0)").replace("leaf#0", "layer.weights.0")
    assert named == expected


def test_no_path_means_zero() -> None:
    """A node the output does not depend on gets derivative 0, said in words."""
    a, z = Value(1.0, label="a"), Value(2.0, label="z")
    y = a.exp()
    y.label = "y"
    assert "y does not depend on z, so dy/dz = 0" in explain(y, z)
    assert chain_rule(y, z).backprop == 0.0


def test_root_with_respect_to_itself_is_one() -> None:
    """dy/dy = 1, the seed of backward()."""
    y = Value(2.0, label="y").tanh()
    y.label = "y"
    assert "dy/dy = 1" in explain(y, y)


def test_too_many_paths_gives_the_count_and_the_backprop_total() -> None:
    """A doubling chain has 2**20 paths: the count is given, not the list, and backprop's total."""
    x = Value(0.5, label="x")
    y = x
    for _ in range(20):
        y = y + y  # two slots each: 2**20 paths, d/dx = 2**20
    y.label = "y"
    text = explain(y, x)
    assert "1,048,576 paths lead from x to y: too many to list (max_paths=20)" in text
    assert "dy/dx = 1.04858e+06" in text
    rule = chain_rule(y, x)
    assert not rule.listed and rule.backprop == 2.0**20
    with pytest.raises(ValueError, match="max_paths"):
        rule.sum_over_paths  # noqa: B018 - the property raises


def test_long_paths_are_shortened_in_the_middle() -> None:
    """A chain of 40 tanh shows 12 factors and says how many are left out."""
    x = Value(0.1, label="x")
    y = x
    for _ in range(40):
        y = y.tanh()
    text = explain(y, x)
    assert "... (28 more)" in text


def test_bad_arguments() -> None:
    """Non-Values and a negative max_paths are refused with clear errors."""
    x = Value(1.0)
    with pytest.raises(TypeError, match="wrt must be a Value"):
        explain(x.exp(), 1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_paths"):
        explain(x.exp(), x, max_paths=-1)
    with pytest.raises(ValueError, match="max_steps"):
        trace_backward(x.exp(), max_steps=-1)


# ----------------------------------------------------------------------------
# Against backward() and finite differences on random graphs
# ----------------------------------------------------------------------------
@given(random_graphs())
@settings(max_examples=60, deadline=None)
def test_sum_over_paths_equals_backward_on_random_graphs(graph: tuple[list[Value], Value]) -> None:
    """For every leaf, the explanation's sum over paths equals the grad backward() computes."""
    leaves, root = graph
    rules = [chain_rule(root, leaf, max_paths=100_000) for leaf in leaves]
    root.backward()
    for leaf, rule in zip(leaves, rules):
        assert rule.backprop == leaf.grad  # the same sweep, bit for bit
        assert rule.listed
        assert math.isclose(rule.sum_over_paths, leaf.grad, rel_tol=1e-9, abs_tol=1e-12)
        assert f"= {format_number(leaf.grad)} (" in explain(root, leaf, max_paths=100_000) \
            or rule.path_count == 0


@given(random_graphs())
@settings(max_examples=30, deadline=None)
def test_sum_over_paths_matches_finite_differences(graph: tuple[list[Value], Value]) -> None:
    """The chain rule's total agrees with the central difference (an independent oracle)."""
    leaves, root = graph
    order = topological_order(root)
    if any(node.op == "relu" and abs(node.parents[0].data) < 1e-3 for node in order):
        return  # too close to relu's kink for a finite difference

    def rebuild(*values: Value) -> float:
        data = {leaf: value.data for leaf, value in zip(leaves, values)}
        for node in order:
            if node.parents:
                # Recompute with the table row from the parents' current data.
                row = OPERATIONS[node.op]
                data[node] = row.forward(scalar_math, *(data[p] for p in node.parents))
            else:
                data.setdefault(node, node.data)
        return data[root]

    numerical = numerical_grad(rebuild, leaves)
    for leaf, estimate in zip(leaves, numerical):
        rule = chain_rule(root, leaf, max_paths=100_000)
        assert math.isclose(rule.sum_over_paths, estimate, rel_tol=1e-5, abs_tol=1e-6)


# ----------------------------------------------------------------------------
# The backward trace
# ----------------------------------------------------------------------------
def test_seed_trace_runs_in_backward_order_with_the_numbers() -> None:
    """The trace starts at the seed and ends with w.grad = 30 and x.grad = 60."""
    g = build_seed_graph()
    lines = trace_backward(g.L).splitlines()
    assert lines[0] == "L.grad = 1   (the seed: dL/dL = 1)"
    updates = [line.split(":  ")[-1].strip() if ":  " in line else line.strip() for line in lines[1:]]
    assert updates == [
        "D.grad += 6 * 1  ->  D.grad = 6",
        "M.grad += 1 * 6  ->  M.grad = 6",
        "yc.grad += -1 * 6  ->  yc.grad = -6",
        "I.grad += 1 * 6  ->  I.grad = 6",
        "b.grad += 1 * 6  ->  b.grad = 6",
        "w.grad += 5 * 6  ->  w.grad = 30",
        "x.grad += 10 * 6  ->  x.grad = 60",
    ]
    assert "L = square(D):" in lines[1] and "I = mul(w, x):" in lines[6]


@given(random_graphs())
@settings(max_examples=40, deadline=None)
def test_backward_steps_end_with_backward_gradients(graph: tuple[list[Value], Value]) -> None:
    """Replaying the recorded steps gives exactly the grads backward() leaves on every node."""
    _, root = graph
    steps = backward_steps(root)
    sweep = reverse_sweep(root)
    root.backward()
    final: dict[Value, float] = {}
    for step in steps:
        assert step.after == step.before + step.local * step.upstream
        assert step.upstream == sweep[step.node]
        final[step.parent] = step.after
    for node in topological_order(root):
        if node is not root:
            assert final.get(node, 0.0) == node.grad
            assert sweep[node] == node.grad


def test_trace_of_a_big_graph_is_cut_short() -> None:
    """More steps than max_steps: the trace shows the first ones and counts the rest."""
    x = Value(0.3)
    y = x
    for _ in range(50):
        y = y.tanh()
    text = trace_backward(y, max_steps=10)
    assert len(text.splitlines()) == 12  # seed + 10 steps + the summary
    assert "40 more steps (trace_backward(root, max_steps=50) shows them all)" in text


def test_trace_mentions_nodes_that_pass_nothing_on() -> None:
    """Behind an inactive relu backward() skips the node; the trace says so."""
    x, w = Value(-1.0, label="x"), Value(2.0, label="w")
    hidden = (w * x).relu()
    y = hidden + w
    text = trace_backward(y)
    assert "mul#2.grad += 0 * 1  ->  mul#2.grad = 0" in text
    assert "x.grad" not in text  # the mul node had gradient 0: no step into x
    assert "1 computed node(s) had gradient 0" in text


# ----------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------
def test_node_names_and_number_format() -> None:
    """Labels are used as names; others get op#i or leaf#i; numbers print like a person writes them."""
    a = Value(2.0, label="a")
    y = a * Value(3.0)
    assert node_names(topological_order(y)) == ["a", "leaf#1", "mul#2"]
    assert [format_number(v) for v in (30.0, -0.0, 0.5, 1e-7, 2.0736)] == [
        "30", "0", "0.5", "1e-07", "2.0736"]


def test_local_derivative_formula_reads_the_table() -> None:
    """The formula per input slot comes from the table; a fixed exponent shows its value."""
    a, b = Value(2.0), Value(3.0)
    assert local_derivative_formula(a / b, 1) == "div: dy/db = -a/b**2 = -y/b"
    assert local_derivative_formula(a ** 3, 0) == "pow: dy/dx = c * x**(c-1) with c = 3"


def test_local_derivatives_are_written_in_the_nodes_own_names() -> None:
    """Every row's formula is rewritten with the node's names; notes and word formulas fall back."""
    a, b = Value(2.0, label="p"), Value(3.0, label="q")
    cases = {
        "mul": (a * b, ["q", "p"], "y = p * q"),
        "div": (a / b, ["1/q", "-p/q**2"], "y = p / q"),
        "pow": (a ** 3, ["3 * p**(3-1)"], "y = p ** 3"),
        "powv": (a ** b, ["q * p**(q-1)", "y * ln(p)"], "y = p ** q"),
        "tanh": (a.tanh(), ["1 - y**2"], "y = tanh p"),
        "square": (a.square(), ["2p"], "y = p ** 2"),
        "sum": (Value.sum([a, b, 2.0 * a]), ["1", "1", "1"], "y = p + q + mul#3"),
        "abs": (abs(a), ["sign(p)"], "y = |p|"),
    }
    for op, (node, derivatives, forward) in cases.items():
        node.label = "y"
        names = dict(zip(topological_order(node), node_names(topological_order(node))))
        found = [local_derivative_in_names(node, slot, names) for slot in range(len(node.parents))]
        assert found == [(d, forward) for d in derivatives], op
    unlabelled = (a * 5.0).tanh()
    order = topological_order(unlabelled)
    names = dict(zip(order, node_names(order)))
    assert local_derivative_in_names(unlabelled.parents[0], 0, names) == ("5", "mul#2 = p * 5")
    named = Value(1.0, label="y1-d1")
    square = named.square()
    assert local_derivative_in_names(square, 0, {named: "y1-d1", square: "s"}) == ("2(y1-d1)", "s = (y1-d1) ** 2")
    assert local_derivative_in_names(a.maximum(b), 0, {}) is None  # "1/2 at a tie" stays in words


def test_long_product_lines_put_the_numbers_on_a_line_of_their_own() -> None:
    """A path product longer than MAX_LINE_WIDTH is split: symbols first, '= numbers' underneath."""
    from autograd_core.explain import MAX_LINE_WIDTH

    w = Value(0.5, label="weight")
    z = w
    for i in range(6):
        z = (z * 1.1).tanh()
        z.label = f"layer{i}"
    lines = explain(z, w).splitlines()
    (symbols_index,) = [i for i, line in enumerate(lines) if line.startswith("  dlayer5/dweight = dlayer5/d")]
    numbers = lines[symbols_index + 1]
    assert numbers.strip().startswith("= 0.7")
    assert len(lines[symbols_index]) > MAX_LINE_WIDTH >= len(lines[symbols_index - 1].split(" -> ")[0])
    assert " = " not in lines[symbols_index].split(" = ", 1)[1]  # only symbols on the first line
    assert numbers.index("=") == lines[symbols_index].index("=")  # the two '=' line up
