"""A compiled program describes its steps: operations, shapes and a layer's matrix products."""

from __future__ import annotations

import numpy as np
import pytest

from autograd_core import Value, compile_batch, topological_order
from autograd_core.compiler.summary import MatrixProduct, StepSummary
from nn import MLP, Layer, softmax_cross_entropy, squared_error


def mlp_program() -> tuple[MLP, object]:
    model = MLP(3, [4, 2], activation="tanh", seed=0)

    def per_sample(x: list[Value], t: list[Value]) -> Value:
        return softmax_cross_entropy(model(x), t)

    return model, compile_batch(per_sample, model.parameters(), (3, 2))


def test_each_layer_is_one_matrix_product_with_its_shapes() -> None:
    """A 3-4-2 MLP: forward (4 x B) = (3 x 4)^T @ (3 x B) and (2 x B) = (4 x 2)^T @ (4 x B)."""
    _, program = mlp_program()
    plan = program.plan()
    products = [product for step in plan for product in step.products]
    assert [(p.kind, p.inner, p.outputs, p.batched) for p in products] == [
        ("matmul", 3, 4, True),
        ("matmul", 4, 2, True),
    ]
    assert products[0].forward == "(4 x B) = (3 x 4)^T @ (3 x B)"
    assert products[1].forward == "(2 x B) = (4 x 2)^T @ (4 x B)"
    assert [p.nodes for p in products] == [12, 8]


def test_backward_products_are_dW_and_dX_and_the_first_layer_skips_dX() -> None:
    """The weights' gradient (J x B) @ (K x B)^T in both layers; the inputs' (J x K) @ (K x B) only
    where something upstream needs it (not for the data inputs of the first layer)."""
    _, program = mlp_program()
    first, second = [product for step in program.plan() for product in step.products]
    assert first.backward == ("(3 x 4) += (3 x B) @ (4 x B)^T",)
    assert second.backward == ("(4 x 2) += (4 x B) @ (2 x B)^T", "(4 x B) += (4 x 2) @ (2 x B)")


def test_the_bias_gradient_is_the_upstream_summed_over_the_batch() -> None:
    """A layer's sum step reads the bias as a (K x 1) input and sends it dU summed over B."""
    _, program = mlp_program()
    first = program.plan()[0]
    assert first.forward == "(4 x B) = (3 x 4)^T @ (3 x B) + (4 x 1)"
    assert "(4 x 1) += upstream (4 x B), summed over B" in first.backward


def test_the_plan_accounts_for_every_step_and_operation_node() -> None:
    """As many summaries as steps, as many products as fused pairs, every operation node once."""
    model, program = mlp_program()
    plan = program.plan()
    assert len(plan) == program.step_count
    assert sum(len(step.products) for step in plan) == program.matrix_product_count
    operations = sum(op is not None for op in program.graph.ops)
    assert sum(step.nodes for step in plan) == operations
    assert [step.number for step in plan] == list(range(1, len(plan) + 1))
    assert [step.operation for step in plan] == ["sum", "tanh", "sum", "softmax_cross_entropy"]
    assert all(isinstance(step, StepSummary) for step in plan)
    assert all(isinstance(p, MatrixProduct) for step in plan for p in step.products)


def test_steps_without_a_parameter_upstream_have_no_backward() -> None:
    """Products of two inputs get no gradient; an einsum-shaped pair says np.einsum."""
    w = Value(0.3)
    program = compile_batch(lambda x: Value.sum([x[0] * x[1], x[2] * x[3]]) * w, [w], (4,))
    first, last = program.plan()
    assert first.backward == ()
    assert first.products[0].kind == "einsum" and "np.einsum" in first.forward
    assert last.backward == ("(1 x 1) += local derivative * upstream (1 x B), summed over B",)


def test_describe_with_steps_adds_one_block_per_step() -> None:
    """describe(steps=True) is the one-line description followed by every step's text."""
    _, program = mlp_program()
    text = program.describe(steps=True)
    assert text.startswith(program.describe() + "\n")
    for step in program.plan():
        assert str(step) in text
    assert "step 1 (level 2): sum of 4 nodes, fused with 12 mul nodes -> (4 x B)" in text


def test_describing_leaves_the_results_unchanged() -> None:
    """The plan is only a description: gradients before and after it are identical."""
    _, program = mlp_program()
    rng = np.random.default_rng(0)
    X, T = rng.normal(size=(5, 3)), np.eye(2)[rng.integers(0, 2, 5)]
    before = program.gradient(X, T)[1]
    program.describe(steps=True)
    np.testing.assert_array_equal(program.gradient(X, T)[1], before)


def test_step_groups_box_every_operation_node_of_one_sample() -> None:
    """Each operation node of a plain-engine sample graph gets its step's label; leaves get none."""
    layer = Layer(3, 2, "tanh", seed=1)

    def per_sample(x: list[Value], t: list[Value]) -> Value:
        return squared_error(layer(x), t)

    program = compile_batch(per_sample, layer.parameters(), (3, 2))
    loss = per_sample([Value(0.1), Value(-0.4), Value(0.7)], [Value(1.0), Value(0.0)])
    groups = program.step_groups(loss)
    order = topological_order(loss)
    assert set(groups) == {node for node in order if node.parents}
    plan = program.plan()
    for step in plan:
        assert list(groups.values()).count(step.label) == step.nodes
    assert plan[0].label == "step 1: matmul + sum (8 nodes)"
    assert "." not in "".join(step.label for step in plan)  # dots would nest draw_graph boxes


def test_step_groups_refuse_another_graph() -> None:
    """A graph of another model is refused with a message naming step_groups and what to pass."""
    layer = Layer(3, 2, "tanh", seed=1)
    program = compile_batch(lambda x: layer(x)[0], layer.parameters(), (3,))
    other = Layer(3, 2, "relu", seed=1)
    with pytest.raises(ValueError, match="step_groups: node .* 'relu' here but 'tanh'"):
        program.step_groups(other([0.1, 0.2, 0.3])[0])
    with pytest.raises(ValueError, match="step_groups: the graph has 1 nodes"):
        program.step_groups(Value(1.0))
