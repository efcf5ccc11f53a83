"""Tests for nn.array_optim: the optimizers' formulas on arrays equal nn.SGD / nn.Adam exactly."""

from __future__ import annotations

import numpy as np
import pytest

from autograd_core import Value
from autograd_core.compiler import compile_batch
from nn import MLP, SGD, AdaGrad, Adam, Optimizer, RMSProp, datasets, fit, softmax_cross_entropy
from nn.array_optim import AdamArrays, SGDArrays, ValueStep, array_update


def make_optimizer(kind: str, parameters: list[Value]) -> Optimizer:
    name = kind.partition("+")[0]
    weight_decay = 0.03 if kind.endswith("+decay") else 0.0
    if name == "sgd":
        return SGD(parameters, lr=0.05, weight_decay=weight_decay)
    if name == "momentum":
        return SGD(parameters, lr=0.05, momentum=0.9, weight_decay=weight_decay)
    if name == "adagrad":
        return AdaGrad(parameters, lr=0.05, weight_decay=weight_decay)
    if name == "rmsprop":
        return RMSProp(parameters, lr=0.01, alpha=0.9, weight_decay=weight_decay)
    return Adam(parameters, lr=0.01, betas=(0.8, 0.99), eps=1e-7, weight_decay=weight_decay)


STATE = {
    "momentum": ["velocities"],
    "adagrad": ["squared_sums"],
    "rmsprop": ["square_averages"],
    "adam": ["first_moments", "second_moments", "steps"],
}
KINDS = [k + decay for k in ("sgd", "momentum", "adagrad", "rmsprop", "adam") for decay in ("", "+decay")]


@pytest.mark.parametrize("kind", KINDS)
def test_array_step_equals_the_value_step_bit_for_bit(kind: str) -> None:
    """Twenty steps on random gradients: the arrays hold exactly the numbers the Value optimizer writes."""
    rng = np.random.default_rng(0)
    start = rng.normal(size=50)
    values = [Value(float(w)) for w in start]
    reference = make_optimizer(kind, values)
    mirrored = make_optimizer(kind, [Value(float(w)) for w in start])
    update = array_update(mirrored, mirrored.parameters)
    assert not isinstance(update, ValueStep)
    data = start.copy()
    for _ in range(20):
        grad = rng.normal(scale=3.0, size=50)
        for p, g in zip(values, grad.tolist()):
            p.grad = g
        reference.step()
        update.step(data, grad)
    assert data.tolist() == [p.data for p in values]
    update.write_back()
    for attribute in STATE.get(kind.partition("+")[0], []):
        assert getattr(mirrored, attribute) == getattr(reference, attribute), attribute


@pytest.mark.parametrize("kind", ["adagrad", "rmsprop", "adam"])
def test_an_overflowing_running_average_is_refused_as_the_value_step_does(kind: str) -> None:
    """A gradient whose square overflows: the same FloatingPointError text as the Value optimizer's."""
    values = [Value(1.0), Value(2.0)]
    reference = make_optimizer(kind, values)
    values[1].grad = 1e200
    with pytest.raises(FloatingPointError) as expected:
        reference.step()
    parameters = [Value(1.0), Value(2.0)]
    update = array_update(make_optimizer(kind, parameters), parameters)
    data = np.array([1.0, 2.0])
    with pytest.raises(FloatingPointError) as got:
        update.step(data, np.array([0.0, 1e200]))
    assert str(got.value) == str(expected.value)
    assert data.tolist() == [1.0, 2.0]


def test_the_registered_forms_are_picked_and_others_fall_back() -> None:
    """SGD and Adam get their array forms; a subclass or a subset of parameters falls back."""
    parameters = [Value(1.0), Value(2.0)]
    assert isinstance(array_update(SGD(parameters), parameters), SGDArrays)
    assert isinstance(array_update(Adam(parameters), parameters), AdamArrays)

    class HalfSGD(SGD):
        def step(self) -> None:
            self._assign([p.data - 0.5 * self.lr * p.grad for p in self.parameters])

    assert isinstance(array_update(HalfSGD(parameters), parameters), ValueStep)
    assert isinstance(array_update(SGD(parameters[:1]), parameters), ValueStep)


def test_the_fallback_runs_the_optimizers_own_step() -> None:
    """ValueStep gives what the subclass's own step() gives, and writes the numbers back into data."""
    parameters = [Value(1.0), Value(-2.0)]

    class HalfSGD(SGD):
        def step(self) -> None:
            self._assign([p.data - 0.5 * self.lr * p.grad for p in self.parameters])

    update = array_update(HalfSGD(parameters, lr=0.1), parameters)
    data = np.array([1.0, -2.0])
    update.step(data, np.array([4.0, 2.0]))
    assert data.tolist() == [1.0 - 0.2, -2.0 - 0.1]
    assert [p.data for p in parameters] == data.tolist()


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_a_diverging_array_update_raises_and_changes_nothing() -> None:
    """An update to infinity raises FloatingPointError naming the optimizer and the parameter; data is kept."""
    parameters = [Value(1.0), Value(2.0)]
    update = array_update(SGD(parameters, lr=1e300, momentum=0.5), parameters)
    data = np.array([1.0, 2.0])
    with pytest.raises(FloatingPointError, match=r"SGD: an update produced -?inf \(parameter 1"):
        update.step(data, np.array([0.0, 1e300]))
    assert data.tolist() == [1.0, 2.0]


def test_compiled_fit_with_a_fallback_optimizer_matches_the_plain_fit() -> None:
    """An optimizer without an array form still trains compiled, to the plain loop's parameters."""

    class HalfSGD(SGD):
        def step(self) -> None:
            self._assign([p.data - 0.5 * self.lr * p.grad for p in self.parameters])

    X, y = datasets.moons(40, seed=0)
    results = []
    for compiled in (False, True):
        model = MLP(2, [4, 2], activation="tanh", seed=1)
        fit(model, X, y, loss="softmax_cross_entropy", optimizer=HalfSGD(model.parameters(), lr=0.5),
            epochs=2, batch_size=8, progress=False, compiled=compiled)
        results.append([p.data for p in model.parameters()])
    np.testing.assert_allclose(results[1], results[0], rtol=1e-12, atol=1e-13)


def test_compiled_fit_writes_the_state_back_so_the_optimizer_can_carry_on() -> None:
    """After fit(compiled=True) the model's grad and Adam's moments are those of the plain fit."""
    X, y = datasets.moons(40, seed=0)
    runs = []
    for compiled in (False, True):
        model = MLP(2, [4, 2], activation="tanh", seed=1)
        optimizer = Adam(model.parameters(), lr=0.05)
        fit(model, X, y, loss="softmax_cross_entropy", optimizer=optimizer,
            epochs=2, batch_size=8, progress=False, compiled=compiled)
        runs.append((optimizer, model))
    (plain_opt, plain_model), (comp_opt, comp_model) = runs
    assert comp_opt.steps == plain_opt.steps == 10
    np.testing.assert_allclose(comp_opt.first_moments, plain_opt.first_moments, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(comp_opt.second_moments, plain_opt.second_moments, rtol=1e-10, atol=1e-16)
    np.testing.assert_allclose(
        [p.grad for p in comp_model.parameters()], [p.grad for p in plain_model.parameters()],
        rtol=1e-10, atol=1e-14,
    )


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy notes the overflow on its way to the error
def test_compiled_fit_writes_back_what_it_learnt_when_it_stops_with_an_error() -> None:
    """Training that diverges raises, and the model keeps the last finite parameters, not the starting ones."""
    X, y = datasets.moons(40, seed=0)
    model = MLP(2, [4, 1], activation="identity", seed=1)
    start = [p.data for p in model.parameters()]
    # The optimizer ("diverged") or, first, the program's own finite check may stop it.
    with pytest.raises((FloatingPointError, OverflowError), match="diverged|does not fit in a float"):
        fit(model, X * 1e3, y.astype(float), loss="squared_error",
            optimizer=SGD(model.parameters(), lr=1e3), epochs=5, batch_size=8, progress=False,
            compiled=True)
    now = [p.data for p in model.parameters()]
    assert all(np.isfinite(now)) and now != start


def test_a_program_runs_at_given_parameter_values() -> None:
    """gradient(..., parameter_values=w) equals the gradient after writing w into the Values."""
    model = MLP(3, [4, 2], activation="tanh", seed=0)
    parameters = model.parameters()
    program = compile_batch(lambda x, t: softmax_cross_entropy(model(x), t), parameters, (3, 2))
    rng = np.random.default_rng(1)
    X, T = rng.normal(size=(5, 3)), np.eye(2)[rng.integers(0, 2, size=5)]
    program.loss(X, T)  # the first run is checked against the engine
    other = rng.normal(size=len(parameters))
    loss_at, gradient_at = program.gradient(X, T, parameter_values=other)
    for p, w in zip(parameters, other.tolist()):
        p.data = w
    loss, gradient = program.gradient(X, T)
    assert loss_at == loss
    np.testing.assert_array_equal(gradient_at, gradient)
    with pytest.raises(ValueError, match="parameter_values has shape"):
        program.loss(X, T, parameter_values=other[:-1])


def test_the_array_form_of_adam_refuses_an_infinite_second_moment_too() -> None:
    """Compiled training's Adam raises like Adam.step when g**2 overflows, naming the gradient."""
    import numpy as np

    from autograd_core import Value
    from nn import Adam
    from nn.array_optim import AdamArrays

    parameters = [Value(1.0), Value(2.0)]
    update = AdamArrays(Adam(parameters, lr=0.1))
    data, grad = np.array([1.0, 2.0]), np.array([0.5, 1e160])
    with pytest.raises(FloatingPointError, match="Adam: the second moment of parameter 1 became inf.*1e\\+160"):
        update.step(data, grad)
    assert data.tolist() == [1.0, 2.0]
