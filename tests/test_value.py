"""Value: construction, operators, backward semantics and bad input."""

from __future__ import annotations

import gc
import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_core import OPERATIONS, DomainError, Value, gradcheck, no_grad, topological_order
from autograd_core.value import apply_operation


# ----- construction ------------------------------------------------------------------------
def test_a_leaf_stores_floats_and_nothing_else() -> None:
    """A new Value is a leaf: float data, zero grad, no parents, no op."""
    v = Value(3, label="x")
    assert (v.data, v.grad, v.parents, v.local_grads, v.op, v.label) == (3.0, 0.0, (), (), "", "x")
    assert type(v.data) is float and type(v.grad) is float


@pytest.mark.parametrize("number", [np.float64(2.5), np.float32(2.5), np.int64(2), True])
def test_numpy_scalars_and_other_reals_are_accepted(number: object) -> None:
    """NumPy real scalars (and any numbers.Real) become plain float data."""
    assert type(Value(number).data) is float  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("bad", "type_name"), [("3", "str"), (None, "NoneType"), (1 + 2j, "complex"), ([1.0], "list")]
)
def test_non_numbers_raise_type_error_naming_the_type(bad: object, type_name: str) -> None:
    """Value("3"), Value(None), complex numbers and containers raise TypeError naming the type."""
    with pytest.raises(TypeError, match=f"Value: expected a real number .* got {type_name}"):
        Value(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_are_refused(bad: float) -> None:
    """Non-finite data is refused where it enters, at construction and when mixed into an op."""
    with pytest.raises(ValueError, match="finite"):
        Value(bad)
    with pytest.raises(ValueError, match="mul: got"):
        Value(1.0) * bad


def test_labels_must_be_strings() -> None:
    """A label that is not a str is refused."""
    with pytest.raises(TypeError, match="label"):
        Value(1.0, label=3)  # type: ignore[arg-type]


def test_values_compare_by_identity_and_hash() -> None:
    """Two nodes with equal data are still two nodes (visited sets rely on identity)."""
    a, b = Value(1.0), Value(1.0)
    assert a != b and len({a, b}) == 2 and a == a


def test_repr_shows_data_grad_op_and_label() -> None:
    """repr names the data, grad, op and label."""
    y = Value(2.0, "x") * 3
    y.label = "y"
    assert repr(y) == "Value(data=6.0, grad=0.0, op='mul', label='y')"
    assert float(y) == 6.0


# ----- operators ---------------------------------------------------------------------------
def test_numbers_mix_in_on_either_side() -> None:
    """2 * v, 1 - v, v / 3, 3 ** v and NumPy scalars on the left all build nodes."""
    v = Value(2.0)
    assert (2 * v).data == 4.0 and (v * 2).data == 4.0
    assert (1 - v).data == -1.0 and (v - 1).data == 1.0
    assert (v / 4).data == 0.5 and (4 / v).data == 2.0
    assert (3**v).data == 9.0 and (v**3).data == 8.0
    assert (1 + v).data == 3.0 and (-v).data == -2.0
    mixed = np.float64(2.0) * v
    assert isinstance(mixed, Value) and mixed.data == 4.0
    assert isinstance(np.float32(1.0) + v, Value)


def test_builtin_sum_works_through_radd() -> None:
    """Python's sum() over Values (0 + v1 + v2 ...) gives the right value and gradients."""
    xs = [Value(float(i)) for i in range(1, 4)]
    total = sum(xs)
    assert isinstance(total, Value) and total.data == 6.0
    total.backward()
    assert [x.grad for x in xs] == [1.0, 1.0, 1.0]


def test_nary_sum_is_one_node() -> None:
    """Value.sum makes one node with n parents and local derivatives 1, and accepts numbers."""
    xs = [Value(1.0), Value(2.0), 3]
    s = Value.sum(xs)
    assert s.op == "sum" and len(s.parents) == 3 and s.local_grads == (1.0, 1.0, 1.0)
    assert s.data == 6.0
    with pytest.raises(ValueError, match="sum: needs at least one value"):
        Value.sum([])
    with pytest.raises(TypeError, match="sum: expected a real number"):
        Value.sum([Value(1.0), "2"])


def test_pow_with_a_number_differentiates_only_the_base() -> None:
    """x ** 3 is one-parent 'pow' storing the constant; x ** y is two-parent 'powv'."""
    x, y = Value(2.0), Value(3.0)
    cube = x**3
    assert (cube.op, cube.parents, cube.constant, cube.local_grads) == ("pow", (x,), 3.0, (12.0,))
    power = x**y
    assert power.op == "powv" and power.parents == (x, y)
    power.backward()
    assert x.grad == pytest.approx(12.0) and y.grad == pytest.approx(8 * math.log(2))


def test_negative_base_with_integer_exponent_is_fine() -> None:
    """(x - 3) ** 2 with x - 3 < 0 works: only fractional exponents of negatives are refused."""
    x = Value(1.0)
    y = (x - 3) ** 2
    y.backward()
    assert (y.data, x.grad) == (4.0, -4.0)


# ----- bad values inside an operation's domain -----------------------------------------------
@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: Value(0.0).log(), DomainError, r"log: log\(0.0\) is undefined"),
        (lambda: Value(-1.0).log(), DomainError, r"log: log\(-1.0\)"),
        (lambda: Value(-8.0) ** 0.5, DomainError, r"pow: \(-8.0\) \*\* 0.5 has no real value"),
        (lambda: Value(-2.0) ** Value(2.0), DomainError, "pow: a Value exponent needs a positive base"),
        (lambda: Value(1.0) / 0, ZeroDivisionError, r"div: 1.0 / 0.0 divides by zero"),
        (lambda: 1 / Value(0.0), ZeroDivisionError, "div:"),
        (lambda: Value(0.0) ** -1, ZeroDivisionError, r"pow: 0.0 \*\* -1.0"),
        (lambda: Value(1000.0).exp(), OverflowError, r"exp: exp\(1000.0\) overflows"),
        (lambda: Value(10.0) ** 400, OverflowError, r"pow: 10.0 \*\* 400.0 overflows"),
    ],
)
def test_domain_errors_name_the_operation_and_value(make, error, message) -> None:  # type: ignore[no-untyped-def]
    """Outside an op's domain the error names the op and the offending value."""
    with pytest.raises(error, match=message):
        make()


def test_domain_errors_suggest_a_fix() -> None:
    """The messages for log and exp point at the numerically stable alternatives."""
    with pytest.raises(DomainError, match="clip p away from 0"):
        Value(0.0).log()
    with pytest.raises(OverflowError, match="log-sum-exp"):
        Value(710.0).exp()


def test_an_overflow_in_plain_multiplication_is_refused_where_it_happens() -> None:
    """1e200 * 1e200 used to make a node whose data is inf; now the operation raises OverflowError."""
    with pytest.raises(OverflowError, match=r"mul \(y = a \* b\): the inputs \(1e\+200, 1e\+200\) give inf"):
        Value(1e200) * 1e200


def test_backward_refuses_a_non_finite_output() -> None:
    """A node whose data was set to infinity by hand is refused when backward starts."""
    huge = Value(2.0) * 3.0
    huge.data = math.inf
    with pytest.raises(FloatingPointError, match="backward: the output is inf"):
        huge.backward()


# ----- backward -------------------------------------------------------------------------------
def test_a_node_used_twice_gets_both_contributions() -> None:
    """a * a has two parent slots, so d(a*a)/da = a + a = 2a."""
    a = Value(3.0)
    y = a * a
    assert y.parents == (a, a)
    y.backward()
    assert a.grad == 6.0


def test_shared_subexpressions_sum_over_paths() -> None:
    """b = a + a; c = b + b gives dc/da = 4 (four paths, each of product 1)."""
    a = Value(2.0)
    b = a + a
    c = b + b
    c.backward()
    assert (c.data, a.grad, b.grad) == (8.0, 4.0, 2.0)


def test_backward_twice_accumulates_leaves_but_resets_interior_nodes() -> None:
    """y = x**3 at x = 3: two backward() calls give x.grad = 54 exactly (27 + 27), y.grad = 1."""
    x = Value(3.0)
    y = x**3
    y.backward()
    y.backward()
    assert x.grad == 54.0
    assert y.grad == 1.0


def test_interior_gradients_hold_the_latest_call() -> None:
    """A middle node's grad reflects only the latest backward, whichever output it came from."""
    x = Value(2.0)
    middle = x * 3
    first, second = middle * 2, middle * 5
    first.backward()
    assert middle.grad == 2.0
    second.backward()
    assert middle.grad == 5.0
    assert x.grad == 2.0 * 3 + 5.0 * 3


def test_a_chain_of_a_million_nodes() -> None:
    """backward() is iterative: a chain of 1,000,000 nodes needs no recursion."""
    x = Value(1.5)
    y = x
    for _ in range(1_000_000):
        y = -y
    y.backward()
    assert y.data == 1.5 and x.grad == 1.0


def test_backward_restores_the_garbage_collector_setting() -> None:
    """backward pauses the cyclic collector but leaves the caller's setting as it was."""
    x = Value(1.0)
    was_enabled = gc.isenabled()
    try:
        gc.disable()
        (x * 2).backward()
        assert not gc.isenabled()
        gc.enable()
        (x * 2).backward()
        assert gc.isenabled()
    finally:
        if was_enabled:
            gc.enable()
        else:
            gc.disable()


def test_detach_makes_a_leaf() -> None:
    """detach() copies data and label into a new leaf; gradients stop there."""
    x = Value(2.0, "x")
    y = (x * 3).detach()
    z = y * x
    z.backward()
    assert (y.op, y.parents, y.data) == ("", (), 6.0)
    assert x.grad == 6.0 and y.grad == 2.0


def test_no_grad_records_no_graph() -> None:
    """Inside no_grad, results are leaves, and recording resumes afterwards."""
    x = Value(2.0)
    with no_grad():
        y = (x * 3).exp() + Value.sum([x, x])
    assert (y.parents, y.local_grads, y.op) == ((), (), "")
    after = x * 3
    assert after.op == "mul" and after.parents[0] is x


# ----- random graphs built from the table ------------------------------------------------------
UNARY = {
    "neg": lambda a: -a,
    "square": Value.square,
    "exp": Value.exp,
    "log": Value.log,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "relu": Value.relu,
    "cube": lambda a: a**3,
    "inverse": lambda a: a**-1.0,
    "sqrt": lambda a: a**0.5,
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "powv": lambda a, b: a**b,
}


@st.composite
def random_graph(draw: st.DrawFn) -> tuple[list[Value], Value]:
    """Leaves and a root made of random table operations, reusing earlier nodes freely.

    An operation is kept only where it is well conditioned (|result| and every
    |local derivative| below 20, defined a little way off its inputs, away from
    relu's kink), so finite differences are a fair judge; otherwise that step
    is skipped.
    """
    leaves = [Value(draw(st.floats(-2.0, 2.0)), f"x{i}") for i in range(draw(st.integers(1, 4)))]
    nodes = list(leaves)
    for _ in range(draw(st.integers(1, 10))):
        pick = st.sampled_from(nodes)
        operands = [draw(pick)]
        if draw(st.booleans()):
            operation = UNARY[draw(st.sampled_from(sorted(UNARY)))]
        else:
            operation = BINARY[draw(st.sampled_from(sorted(BINARY)))]
            operands.append(draw(pick))
        try:
            node = operation(*operands)
            with no_grad():  # still defined a little way off: finite differences go there
                for shift in (-1e-4, 1e-4):
                    operation(*(Value(v.data + shift) for v in operands))
        except (ValueError, ZeroDivisionError, OverflowError):
            continue
        near_kink = node.op == "relu" and abs(operands[0].data) < 0.05
        if not near_kink and abs(node.data) < 20 and all(abs(g) < 20 for g in node.local_grads):
            nodes.append(node)
    return leaves, Value.sum(nodes[-3:])


def rebuild(leaves: list[Value], root: Value) -> Callable[..., Value]:
    """A function of the leaves that replays the graph of ``root`` (for finite differences)."""
    order = topological_order(root)

    def f(*xs: Value) -> Value:
        replayed: dict[Value, Value] = {}
        for node in order:
            if not node.parents:
                replayed[node] = node if node in leaves else Value(node.data)
            else:
                inputs = [replayed[p] for p in node.parents]
                replayed[node] = apply_operation(OPERATIONS[node.op], inputs, node.constant)
        return replayed[root]

    return f


@settings(max_examples=150, deadline=None)
@given(random_graph())
def test_random_graphs_agree_with_finite_differences(graph: tuple[list[Value], Value]) -> None:
    """Backprop equals central differences on random graphs with shared sub-expressions."""
    leaves, root = graph
    gradcheck(rebuild(leaves, root), leaves, rtol=1e-5, atol=1e-7)


# ----- the rows learners bring from other engines -------------------------------------------
def test_maximum_and_minimum_share_the_gradient_at_a_tie() -> None:
    """max(a, b) sends the gradient to the larger input; at a tie half to each (PyTorch, JAX)."""
    a, b = Value(2.0), Value(-1.0)
    a.maximum(b).backward()
    assert (a.grad, b.grad) == (1.0, 0.0)
    a, b = Value(2.0), Value(-1.0)
    a.minimum(b).backward()
    assert (a.grad, b.grad) == (0.0, 1.0)
    a, b = Value(3.0), Value(3.0)
    y = a.maximum(b)
    y.backward()
    assert (y.data, a.grad, b.grad) == (3.0, 0.5, 0.5)
    x = Value(1.5)
    x.maximum(x).backward()  # max(x, x) = x: the two halves add up to 1
    assert x.grad == 1.0


def test_leaky_relu_slope_is_the_rows_constant() -> None:
    """leaky_relu(slope) stores the slope as node.constant; the derivative is 1 or the slope."""
    x = Value(-2.0)
    y = x.leaky_relu(0.2)
    y.backward()
    assert (y.data, x.grad, y.constant, y.op) == (-0.4, 0.2, 0.2, "leaky_relu")
    assert Value(3.0).leaky_relu().local_grads == (1.0,)
    assert Value(0.0).leaky_relu(0.1).local_grads == (0.1,)  # PyTorch's choice at 0


def test_abs_builtin_is_the_abs_row() -> None:
    """abs(v) is a node of the abs row with derivative sign(x), 0 at x = 0."""
    x = Value(-3.0)
    y = abs(x)
    y.backward()
    assert (y.data, y.op, x.grad) == (3.0, "abs", -1.0)
    assert abs(Value(0.0)).local_grads == (0.0,)


def test_sin_taylor_series_matches_sin() -> None:
    """DeZero's step 27: sin from its Taylor series agrees with the sin row, value and gradient."""
    x = Value(math.pi / 4)
    taylor = Value(0.0)
    for i in range(10):
        taylor = taylor + (-1) ** i / math.factorial(2 * i + 1) * x ** (2 * i + 1)
    taylor.backward()
    taylor_grad = x.grad
    x.grad = 0.0
    y = x.sin()
    y.backward()
    assert taylor.data == pytest.approx(y.data, rel=1e-15) == pytest.approx(math.sqrt(0.5))
    assert taylor_grad == pytest.approx(x.grad, rel=1e-14)


def test_higher_derivatives_of_sin_cycle() -> None:
    """DeZero's step 34 and HIPS's sin cases: sin, cos, -sin, -cos, sin ... at x = 1."""
    from autograd_core import grad

    f = lambda x: x.sin()  # noqa: E731
    derivatives = [f]
    for _ in range(4):
        derivatives.append(grad(derivatives[-1]))
    got = [float(d(1.0) if i else d(Value(1.0)).data) for i, d in enumerate(derivatives)]
    s, c = math.sin(1.0), math.cos(1.0)
    assert got == pytest.approx([s, c, -s, -c, s], rel=1e-12)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: Value(-1.0).sqrt(), "sqrt: sqrt(-1.0) has no real value"),
        (lambda: Value(0.0).sqrt(), "infinite derivative"),
        (lambda: Value(-1.0).log1p(), "log1p: log1p(-1.0)"),
        (lambda: Value(710.0).expm1(), "expm1: expm1(710.0) overflows"),
    ],
)
def test_new_rows_refuse_their_domain_edges_by_name(call: Callable[[], Value], message: str) -> None:
    """sqrt at x <= 0, log1p at x <= -1 and expm1 above 709.78 name the operation and value."""
    with pytest.raises((ValueError, OverflowError)) as error:
        call()
    assert message in str(error.value)


def test_zero_base_with_a_value_exponent_follows_hips_and_pytorch() -> None:
    """0 ** y for y >= 1: value 0, d/dy = 0, d/dx = y * 0 ** (y - 1); y < 1 stays an error."""
    for exponent, expected_base_grad in ((2.5, 0.0), (1.0, 1.0), (3.0, 0.0)):
        x, y = Value(0.0), Value(exponent)
        z = x**y
        z.backward()
        assert (z.data, x.grad, y.grad) == (0.0, expected_base_grad, 0.0)
    for exponent in (0.5, 0.0, -1.0):
        with pytest.raises(DomainError, match="zero base with an exponent >= 1"):
            Value(0.0) ** Value(exponent)
    with pytest.raises(DomainError, match="positive base"):
        Value(-1.0) ** Value(2.0)


def test_zero_base_matches_pytorch() -> None:
    """The same numbers as torch's pow at a zero base (value, both gradients)."""
    torch = pytest.importorskip("torch")
    for exponent in (1.0, 1.5, 2.0, 3.0):
        x, y = Value(0.0), Value(exponent)
        (x**y).backward()
        tx = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
        ty = torch.tensor(exponent, dtype=torch.float64, requires_grad=True)
        (tx**ty).backward()
        assert (x.grad, y.grad) == (tx.grad.item(), ty.grad.item())


def test_backward_with_a_seed_gradient() -> None:
    """y.backward(gradient=g) scales every gradient by g (PyTorch, MiniTorch); default 1."""
    x = Value(3.0)
    y = x * x
    y.backward(gradient=0.5)
    assert x.grad == 3.0
    x.grad = 0.0
    y.backward(Value(2.0))
    assert x.grad == 12.0
    with pytest.raises(ValueError, match="backward"):
        y.backward(gradient=float("nan"))
    with pytest.raises(TypeError, match="backward"):
        y.backward(gradient="1")


def test_value_of_a_value_is_a_new_leaf_with_its_data() -> None:
    """Value(Value(2)) copies the number into a new leaf (like detach), not the graph."""
    x = Value(2.0)
    y = Value(x * 3, label="y")
    assert (y.data, y.parents, y.label) == (6.0, (), "y")


def test_reading_the_number_item_format_int_round() -> None:
    """item(), f-strings, int() and round() work on the data and return plain numbers."""
    v = Value(2.71828, label="e")
    assert v.item() == 2.71828 and type(v.item()) is float
    assert f"{v:.2f}" == "2.72" and f"{v:>8.1f}" == "     2.7"
    assert f"{v}" == str(v) == repr(v)
    assert int(v) == 2 and int(Value(-2.7)) == -2
    assert round(v) == 3 and type(round(v)) is int
    assert round(v, 2) == 2.72


def test_floor_division_and_modulo_say_they_are_not_differentiable() -> None:
    """v // 2 and v % 2 are refused with what to write instead."""
    with pytest.raises(TypeError, match=r"'//' is not differentiable.*v.data // 2"):
        Value(7.0) // 2
    with pytest.raises(TypeError, match=r"7 // v.data"):
        7 // Value(2.0)
    with pytest.raises(TypeError, match=r"v.data % 2"):
        Value(7.0) % 2


def test_math_exp_drops_the_graph_as_documented() -> None:
    """math.exp(v) goes through float(v): a plain float, no graph (the README warns)."""
    v = Value(1.0)
    assert math.exp(v) == math.e and type(math.exp(v)) is float
    assert isinstance(v.exp(), Value)


@pytest.mark.parametrize(
    ("read", "what"),
    [
        (lambda v: v.item(), r"v\.item\(\)"),
        (lambda v: f"{v:.3f}", "f-string"),
        (lambda v: int(v), r"int\(v\)"),
        (lambda v: round(v), r"round\(v\)"),
    ],
)
def test_reading_the_number_is_refused_while_compiling(read: Callable[[Value], object], what: str) -> None:
    """item(), format, int() and round() use the trace guard: no number is baked into a program."""
    from autograd_core import TraceError, compile_batch

    w = Value(0.5)

    def per_sample(x: list[Value]) -> Value:
        read(x[0])
        return x[0] * w

    with pytest.raises(TraceError, match=what + r".*test_value\.py, line \d+"):
        compile_batch(per_sample, [w], (1,))
    assert f"{w:.1f}" == "0.5"  # outside tracing they read the data again


def test_an_int_too_large_for_a_float_is_named() -> None:
    """Value(10**400) and v * 10**400 say which operation, how big, and what to do."""
    with pytest.raises(OverflowError, match=r"Value: got an int of 401 digits, too large for a float.*Scale it down"):
        Value(10**400)
    with pytest.raises(OverflowError, match=r"mul: got an int of 401 digits"):
        Value(2.0) * 10**400


def test_a_fractional_power_of_zero_names_the_infinite_derivative() -> None:
    """0 ** 0.5 is 0, but d/dx = 0.5 * x ** -0.5 is infinite: the message says so (not '0.0 ** -0.5')."""
    from autograd_core import no_grad

    with pytest.raises(ZeroDivisionError, match=r"x \*\* 0\.5 at x = 0\.0 is 0\.0, but its derivative 0\.5 \* x \*\* \(0\.5 - 1\) is infinite"):
        Value(0.0) ** 0.5
    with no_grad():
        assert (Value(0.0) ** 0.5).data == 0.0   # no derivative is needed there
    assert (Value(0.0) ** 1.5).data == 0.0


def test_abs_of_minus_zero_is_zero() -> None:
    """|-0.0| prints as 0.0, not -0.0."""
    assert str(abs(Value(-0.0)).data) == "0.0"
def test_parents_and_local_grads_read_as_tuples_whatever_the_arity() -> None:
    """One, two and n parents are kept in slots or a tuple; all read back as tuples in order."""
    a, b, c = Value(2.0), Value(3.0), Value(5.0)
    assert (a.parents, a.local_grads) == ((), ())
    unary = a.tanh()
    assert unary.parents == (a,) and unary.local_grads == pytest.approx((1 - unary.data**2,))
    product = a * b
    assert product.parents == (a, b) and product.local_grads == (3.0, 2.0)
    square = a * a  # the same parent in both slots
    assert square.parents == (a, a) and square.local_grads == (2.0, 2.0)
    total = Value.sum([a, b, c])
    assert total.parents == (a, b, c) and total.local_grads == (1.0, 1.0, 1.0)
    with no_grad():
        untracked = a * b
    assert (untracked.parents, untracked.local_grads) == ((), ())


def test_parents_and_local_grads_can_be_set() -> None:
    """Setting parents (local derivatives 0 until set) and local_grads works for any arity."""
    x, y, z = Value(1.0), Value(2.0), Value(3.0)
    for parents in ((x,), (x, y), (x, y, z)):
        node = Value(0.0)
        node.parents = parents
        assert node.parents == parents and node.local_grads == (0.0,) * len(parents)
        node.local_grads = tuple(float(k + 2) for k in range(len(parents)))
        node.grad = 0.0
        for p in parents:
            p.grad = 0.0
        node.backward()
        assert [p.grad for p in parents] == [float(k + 2) for k in range(len(parents))]
    with pytest.raises(ValueError, match="one local derivative per parent"):
        node.local_grads = (1.0,)
    node.parents = ()
    assert node.parents == () and node.local_grads == ()
