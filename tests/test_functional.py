"""Tests for the function transforms grad, value_and_grad and hessian."""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_core import Value, grad, gradients, hessian, is_grad_enabled, no_grad, value_and_grad

# ----- random functions of three arguments, as small programs ----------------------
STEPS: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1.0),
    "pow": lambda a, b: (a.tanh() + 2.0) ** 2.5,
    "powv": lambda a, b: (a.sigmoid() + 0.5) ** b.tanh(),
    "exp": lambda a, b: a.tanh().exp(),
    "log": lambda a, b: (a * a + 1.0).log(),
    "tanh": lambda a, b: a.tanh(),
    "sigmoid": lambda a, b: (a - b).sigmoid(),
    "square": lambda a, b: a.square(),
    "sum": lambda a, b: Value.sum([a, b, a]),
}


@st.composite
def functions(draw: st.DrawFn) -> Callable[..., Value]:
    """A random smooth f(x, y, z): up to 6 steps, each reading two earlier nodes."""
    program = []
    for k in range(draw(st.integers(1, 6))):
        i, j = draw(st.integers(0, 2 + k)), draw(st.integers(0, 2 + k))
        program.append((draw(st.sampled_from(sorted(STEPS))), i, j))

    def f(*xs: Value) -> Value:
        nodes = list(xs)
        for name, i, j in program:
            nodes.append(STEPS[name](nodes[i], nodes[j]))
        return nodes[-1]

    return f


points = st.lists(st.floats(-1.5, 1.5), min_size=3, max_size=3)


# ----- grad -----------------------------------------------------------------------
def test_grad_and_its_compositions_on_a_cube() -> None:
    """f = x**3: f' = 3x**2, f'' = 6x, f''' = 6, f'''' = 0, each by wrapping grad once more."""
    cube = lambda x: x**3
    assert grad(cube)(2.0) == 12.0
    assert grad(grad(cube))(2.0) == 12.0
    assert grad(grad(grad(cube)))(2.0) == 6.0
    assert grad(grad(grad(grad(cube))))(2.0) == 0.0


def test_the_seed_function_of_gradient_descent() -> None:
    """J(x) = x**2 + x: dJ/dx = 2x + 1 and d2J/dx2 = 2 (SEEDS section 2)."""
    J = lambda x: x**2 + x
    assert grad(J)(3.0) == 7.0 and grad(J)(-0.5) == 0.0
    assert grad(grad(J))(3.0) == 2.0


def test_the_seed_example_with_argnums() -> None:
    """L = (w x + b - yc)**2 at x=5, w=10, b=1, yc=48: dL/d(x, w, b, yc) = (60, 30, 6, -6)."""
    L = lambda x, w, b, yc: (w * x + b - yc).square()
    assert grad(L, argnums=1)(5.0, 10.0, 1.0, 48.0) == 30.0
    assert grad(L, argnums=(0, 1, 2, 3))(5.0, 10.0, 1.0, 48.0) == (60.0, 30.0, 6.0, -6.0)
    assert value_and_grad(L, argnums=(1, 2))(5.0, 10.0, 1.0, 48.0) == (9.0, (30.0, 6.0))


@given(st.floats(-3.0, 3.0))
@settings(max_examples=50, deadline=None)
def test_tanh_derivatives_up_to_the_fourth_order(x: float) -> None:
    """grad applied 1 to 4 times to tanh gives the closed forms in t = tanh x."""
    t = math.tanh(x)
    expected = [
        1.0 - t * t,
        -2.0 * t * (1.0 - t * t),
        -2.0 * (1.0 - t * t) * (1.0 - 3.0 * t * t),
        8.0 * t * (1.0 - t * t) * (2.0 - 3.0 * t * t),
    ]
    derivative: Callable[..., Any] = lambda v: v.tanh()
    for closed_form in expected:
        derivative = grad(derivative)
        assert derivative(x) == pytest.approx(closed_form, rel=1e-9, abs=1e-12)


def test_numbers_in_floats_out_values_in_values_out() -> None:
    """Plain numbers give floats; a Value argument gives a Value that can be differentiated."""
    f = lambda x: x.exp() * x
    assert type(grad(f)(1.0)) is float
    x = Value(1.0)
    first = grad(f)(x)
    assert isinstance(first, Value) and first.data == pytest.approx(2 * math.e)
    assert gradients(first, [x]) == [pytest.approx(3 * math.e)]


def test_each_argument_is_a_variable_of_its_own() -> None:
    """Nested grads keep their variables apart: d/dx [d/dy (x y)] at y = x is 1, not 2."""
    assert grad(lambda x: grad(lambda y: x * y)(x))(3.0) == 1.0
    # and a captured outer variable still carries its derivative through the inner grad
    assert grad(lambda x: x * grad(lambda y: x * y)(1.0))(3.0) == 6.0


def test_the_same_value_passed_twice_gives_two_partials() -> None:
    """f(x, x) with argnums (0, 1) gives each slot's partial, as JAX does."""
    x = Value(3.0)
    dx0, dx1 = grad(lambda a, b: a * b.square(), argnums=(0, 1))(x, x)
    assert (dx0.data, dx1.data) == (9.0, 18.0)


def test_a_constant_function_has_zero_derivative() -> None:
    """f returning a plain number, or a Value unrelated to x, has derivative 0."""
    assert grad(lambda x: 3.0)(1.0) == 0.0
    assert grad(lambda x: Value(2.0))(1.0) == 0.0
    assert grad(grad(lambda x: 2.0 * x))(1.0) == 0.0


def test_other_arguments_are_constants_or_pass_through() -> None:
    """Floats not named in argnums arrive as constant Values; ints and other objects unchanged."""

    def f(x: Value, y: Value, power: int, name: str) -> Value:
        assert isinstance(y, Value) and y.parents == () and y.data == 0.5
        assert type(power) is int and name == "label"
        return x**power * y.tanh()

    assert grad(f)(2.0, 0.5, 3, "label") == pytest.approx(12.0 * math.tanh(0.5))


def test_transforms_work_inside_no_grad_and_restore_it() -> None:
    """A transform records the graph it needs even inside no_grad(), then restores the setting."""
    with no_grad():
        assert grad(lambda x: x.exp())(0.0) == 1.0
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_grad_mode_is_restored_when_f_raises() -> None:
    """An exception inside f leaves recording and nesting as they were."""

    def broken(x: Value) -> Value:
        raise RuntimeError("broken")

    with no_grad():
        with pytest.raises(RuntimeError):
            grad(broken)(1.0)
        assert not is_grad_enabled()
    assert type(grad(lambda x: x * x)(1.0)) is float  # not stuck "inside a transform"


@pytest.mark.parametrize(
    ("argnums", "error", "message"),
    [
        (2, ValueError, "argnums 2 is out of range for a call with 2"),
        ((0, 0), ValueError, "names an argument twice"),
        ((), ValueError, "argnums is empty"),
        ("0", TypeError, "argnums must be ints"),
    ],
)
def test_bad_argnums_are_refused(argnums: Any, error: type[Exception], message: str) -> None:
    """argnums out of range, repeated, empty or not ints raise with a clear message."""
    with pytest.raises(error, match=message):
        grad(lambda x, y: x * y, argnums=argnums)(1.0, 2.0)


def test_bad_arguments_and_results_are_refused() -> None:
    """A non-number argument, or f returning several numbers, raise TypeError naming grad."""
    with pytest.raises(TypeError, match="grad: expected a real number"):
        grad(lambda x: x)("1.0")
    with pytest.raises(TypeError, match="f must return one number"):
        grad(lambda x: [x, x])(1.0)
    with pytest.raises(ValueError, match="without arguments"):
        hessian(lambda: Value(1.0))()


def test_transformed_functions_have_readable_names() -> None:
    """grad(f) is named after f, which helps in tracebacks and notebooks."""

    def loss(x: Value) -> Value:
        return x * x

    assert grad(loss).__name__ == "grad(loss)"
    assert grad(grad(loss)).__name__ == "grad(grad(loss))"
    assert hessian(loss).__name__ == "hessian(loss)"


# ----- value_and_grad -------------------------------------------------------------
@given(functions(), points)
@settings(max_examples=40, deadline=None)
def test_value_and_grad_is_the_value_and_the_grad(
    f: Callable[..., Value], point: list[float]
) -> None:
    """value_and_grad(f) returns f's value and exactly grad(f)'s derivatives."""
    value, derivatives = value_and_grad(f, argnums=(0, 1, 2))(*point)
    assert value == f(*[Value(x) for x in point]).data
    assert derivatives == grad(f, argnums=(0, 1, 2))(*point)


# ----- hessian --------------------------------------------------------------------
def test_hessian_of_a_known_function() -> None:
    """f = x**2 y + tanh y: H = [[2y, 2x], [2x, -2 tanh y (1 - tanh**2 y)]]."""
    t = math.tanh(0.3)
    H = hessian(lambda x, y: x * x * y + y.tanh())(1.0, 0.3)
    assert H[0] == pytest.approx((0.6, 2.0)) and H[1][0] == pytest.approx(2.0)
    assert H[1][1] == pytest.approx(-2.0 * t * (1.0 - t * t))
    assert hessian(lambda x, y: x * x * y, argnums=0)(1.0, 0.3) == pytest.approx(0.6)


@given(functions(), points)
@settings(max_examples=40, deadline=None)
def test_hessian_is_symmetric_and_equals_nested_grads(
    f: Callable[..., Value], point: list[float]
) -> None:
    """H[i][j] == H[j][i] (smooth f), and H[i][j] == grad(grad(f, i), j)."""
    H = hessian(f)(*point)
    for i in range(3):
        for j in range(3):
            assert H[i][j] == pytest.approx(H[j][i], rel=1e-9, abs=1e-9)
    assert H[0][2] == pytest.approx(
        grad(grad(f, argnums=0), argnums=2)(*point), rel=1e-12, abs=1e-12
    )


def test_hessian_matches_pytorch() -> None:
    """The Hessian of a function using every smooth operation equals PyTorch's."""
    torch = pytest.importorskip("torch")

    def f(x: Any, y: Any, z: Any) -> Any:
        return (
            (x * y).tanh()
            + (y / (z * z + 1.0)).exp()
            + (x.sigmoid() + 0.5) ** z
            - (z.square() + 1.0).log()
            + x**3.0
        )

    point = (0.4, -0.7, 1.2)
    ours = hessian(f)(*point)
    theirs = torch.autograd.functional.hessian(
        f, tuple(torch.tensor(v, dtype=torch.float64) for v in point)
    )
    for i in range(3):
        for j in range(3):
            assert ours[i][j] == pytest.approx(theirs[i][j].item(), rel=1e-12, abs=1e-12)


# ----- Newton's method ------------------------------------------------------------
def test_newton_finds_the_minimum_of_exp_minus_2x_in_a_handful_of_steps() -> None:
    """f = e**x - 2x has its minimum at ln 2; x <- x - f'/f'' gets there in 6 steps from 2."""
    f = lambda x: x.exp() - 2.0 * x
    df, d2f = grad(f), grad(grad(f))
    x = 2.0
    for _ in range(6):
        x -= df(x) / d2f(x)
    assert x == pytest.approx(math.log(2.0), rel=1e-14)


def test_newton_on_the_seed_quadratic_takes_one_step() -> None:
    """For J = x**2 + x, one Newton step lands exactly on the minimum -1/2 (SEEDS section 2)."""
    J = lambda x: x**2 + x
    x = 10.0
    x -= grad(J)(x) / grad(grad(J))(x)
    assert x == -0.5


def test_newton_with_the_hessian_solves_rosenbrock() -> None:
    """Newton's method with the 2 x 2 Hessian reaches Rosenbrock's minimum (1, 1) in 10 steps."""
    rosenbrock = lambda x, y: (1.0 - x).square() + 100.0 * (y - x * x).square()
    x, y = -1.2, 1.0
    for _ in range(10):
        gx, gy = grad(rosenbrock, argnums=(0, 1))(x, y)
        (a, b), (c, d) = hessian(rosenbrock)(x, y)
        det = a * d - b * c
        x, y = x - (d * gx - b * gy) / det, y - (a * gy - c * gx) / det
    assert (x, y) == pytest.approx((1.0, 1.0), abs=1e-12)


# ----- the README section ------------------------------------------------------------
def flatten(value: Any) -> list[Any]:
    """Nested tuples and lists as one flat list (for approximate comparison)."""
    if isinstance(value, (tuple, list)):
        return [item for part in value for item in flatten(part)]
    return [value.data if isinstance(value, Value) else value]


def test_the_readme_section_runs_and_its_comments_hold() -> None:
    """The README's higher-order snippets run, and each value stated in a comment holds."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Higher-order derivatives and forward mode")
    end = readme.index("\n## ", start + 1)
    blocks = re.findall(r"```python\n(.*?)```", readme[start:end], flags=re.DOTALL)
    assert blocks and "grad(grad(f))" in blocks[0] and len(blocks[0].strip().splitlines()) == 3
    checked = 0
    for block in blocks:
        namespace: dict[str, Any] = {}
        exec(compile(block, "README", "exec"), namespace)  # noqa: S102 - our own README
        for line in block.splitlines():
            code, marker, comment = line.partition("# ->")
            if not marker:
                continue
            # The claimed value ("# -> VALUE  # prose"), to 1e-12 here, not just the digits shown.
            claim = comment.split(" # ")[0].strip()
            call = ast.parse(code.strip()).body[0].value  # type: ignore[attr-defined]
            assert getattr(call.func, "id", "") == "print", line
            actual = [
                eval(compile(ast.Expression(argument), "README", "eval"), namespace)
                for argument in call.args
            ]
            # print(a, b) shows its arguments separated by spaces.
            parts = claim.split() if len(call.args) > 1 else [claim]
            expected = [ast.literal_eval(part) for part in parts]
            assert flatten(actual) == pytest.approx(flatten(expected), rel=1e-12), line
            checked += 1
    assert checked >= 5


def test_a_transform_running_in_one_thread_does_not_change_another_threads_results() -> None:
    """While thread A is inside grad(f), thread B's grad(g)(3.0) still returns a plain float."""
    import threading

    inside, finished = threading.Event(), threading.Event()
    seen: list[object] = []

    def slow(x: Value) -> Value:
        inside.set()
        finished.wait(10)
        return x * x

    def other_thread() -> None:
        inside.wait(10)
        seen.append(grad(lambda v: v * v * v)(3.0))
        seen.append(is_grad_enabled())
        finished.set()

    thread = threading.Thread(target=other_thread)
    thread.start()
    with no_grad():
        assert grad(slow)(2.0) == 4.0
    thread.join(10)
    assert seen == [27.0, True] and type(seen[0]) is float
