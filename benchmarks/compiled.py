"""Benchmarks of the compiled batch mode (``autograd_core.compile_batch``).

Run alone from the repository root::

    OPENBLAS_NUM_THREADS=1 python -m benchmarks.compiled

(one BLAS thread: on a small shared machine a multi-threaded BLAS distorts the
hand-written NumPy baseline). Every function here returns plain numbers, so the
main harness (``python -m benchmarks``) calls them too.

Measured as in the main harness: CPU seconds of this process
(``time.process_time``), and every ratio is the median, with the min-max
spread, of the ratios *within each round* (the compared programs run one
after the other in every round, in a rotating order): see
:func:`benchmarks.measure.paired_ratio`.

Targets of the compiled mode:

* W1 (micrograd's demo step, as in the main harness), forward + backward: at
  most 1.5x the time of hand-written NumPy (and, from issue 8, at least 300x
  faster than the plain engine);
* digits, MLP 64-32-10 on the 1,437 training images, 3 epochs in mini-batches
  of 64 with Adam, parameters and Adam's state in arrays as ``fit(compiled=True)``
  keeps them: no slower than PyTorch float64 with batched tensors
  (``torch.nn.Linear``, the same starting weights and the same batches), and
  at least 95% test accuracy;
* compiling a graph of 100,000 nodes in under 0.5 s (CPU).

With PyTorch installed it also compares ``backend="torch"`` with the NumPy
backend on the same programs (the CPU, and a CUDA GPU where there is one),
as ratios measured within one run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_core import Value
from autograd_core.compiler import compile_batch
from benchmarks.measure import Summary, paired_ratio
from benchmarks.problems import w1_problem

Rounds = dict[str, dict[int, float]]


def cpu_seconds(function: Callable[[], object], number: int) -> float:
    """Mean CPU seconds of ``number`` calls of ``function``."""
    start = time.process_time()
    for _ in range(number):
        function()
    return (time.process_time() - start) / number


def alternate(programs: dict[str, tuple[Callable[[], object], int]], rounds: int) -> Rounds:
    """Time every program once per round, in a rotating order, after one warm-up call each.

    Args:
        programs: name -> (function, calls per timing).
        rounds: How many rounds.

    Returns:
        name -> round -> mean CPU seconds per call in that round.
    """
    names = list(programs)
    for function, _ in programs.values():
        function()
    times: Rounds = {name: {} for name in names}
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            function, number = programs[name]
            times[name][r] = cpu_seconds(function, number)
    return times


def _median(times: dict[int, float]) -> float:
    return Summary.of(list(times.values())).median


def _ratio(times: Rounds, a: str, b: str) -> dict[str, float]:
    found = paired_ratio(times, a, b)
    assert found is not None
    return found


# ----- W1: micrograd's demo step --------------------------------------------------------
def w1_benchmark(rounds: int = 7) -> dict[str, Any]:
    """W1 forward + backward: the plain engine, the compiled program, hand-written NumPy.

    The three are the main harness's engines (same problem, same weights),
    run in this one process.

    Returns:
        Median CPU seconds of each, the paired ratios (compiled / NumPy,
        plain / compiled), the compile time and the largest difference
        between the compiled and the plain gradients (relative to the largest).
    """
    from benchmarks.engines.autograd_core_engine import AutogradCoreEngine
    from benchmarks.engines.compiled_engine import CompiledEngine
    from benchmarks.engines.numpy_engine import NumpyEngine

    problem = w1_problem()
    inputs, targets = problem.inputs, problem.targets
    plain, compiled, numpy_engine = AutogradCoreEngine("loop"), CompiledEngine(), NumpyEngine()
    for engine in (plain, compiled, numpy_engine):
        engine.load(problem)
    X, T = np.asarray(inputs), np.asarray(targets)
    program, data = compiled.program, compiled.data

    def plain_step() -> None:
        plain.backward(plain.forward(inputs, targets))

    def compiled_step() -> None:
        program.gradient(X, T, parameter_values=data)

    def numpy_step() -> None:
        numpy_engine.backward(numpy_engine.forward(inputs, targets))

    times = alternate(
        {"plain": (plain_step, 1), "compiled": (compiled_step, 50), "numpy": (numpy_step, 200)},
        rounds,
    )
    plain_gradients = np.array(plain.gradient_list())
    compiled_gradients = program.gradient(X, T, parameter_values=data)[1]
    largest = max(float(np.max(np.abs(plain_gradients))), 1e-300)
    return {
        "plain_seconds": _median(times["plain"]),
        "compiled_seconds": _median(times["compiled"]),
        "numpy_seconds": _median(times["numpy"]),
        "compiled_vs_numpy": _ratio(times, "compiled", "numpy"),
        "plain_vs_compiled": _ratio(times, "plain", "compiled"),
        "compile_cpu_seconds": compiled.compile_seconds,
        "max_relative_gradient_difference": float(
            np.max(np.abs(compiled_gradients - plain_gradients)) / largest
        ),
        "nodes_per_sample": float(program.node_count),
        "rounds": float(rounds),
    }


# ----- digits: MLP 64-32-10, compiled training vs PyTorch ---------------------------------
def digits_benchmark(
    epochs: int = 3, batch_size: int = 64, learning_rate: float = 0.02, seed: int = 0,
    rounds: int = 5,
) -> dict[str, Any]:
    """Train MLP 64-32-10 (tanh) on the 8x8 digits: compiled mode against PyTorch float64.

    Both start from the same weights (``nn.to_torch``), see the same shuffled
    mini-batches, minimise the mean softmax cross-entropy with Adam (the same
    hyperparameters) and run on one thread. The compiled side trains as
    ``fit(compiled=True)`` does (:class:`nn.compiled_training.CompiledTraining`:
    parameters and Adam's state in NumPy arrays); PyTorch as a user would
    write it (``torch.nn.Sequential`` of ``Linear`` layers, ``torch.optim.Adam``).
    Every round trains both from the start.

    Returns:
        Median CPU seconds of a whole training (epochs) of each, the paired
        ratio compiled / PyTorch (None figures without PyTorch), the compile
        time, and each one's test accuracy after training.
    """
    from nn import MLP, Adam, datasets, softmax_cross_entropy
    from nn.array_optim import array_update
    from nn.compiled_training import CompiledTraining

    X, labels = datasets.digits()
    X_train, X_test, y_train, y_test = datasets.train_test_split(X, labels, 0.2, seed=seed)
    T_train = np.eye(10)[y_train]
    rng = np.random.default_rng(seed)
    batches = [
        order[first : first + batch_size]
        for order in (rng.permutation(len(X_train)) for _ in range(epochs))
        for first in range(0, len(order), batch_size)
    ]

    model = MLP(64, [32, 10], activation="tanh", seed=seed)
    starting_weights = np.array([p.data for p in model.parameters()])

    def outputs_of(model: Any, x: Any) -> Any:
        return model(x)

    compile_start = time.process_time()
    trainer = CompiledTraining(
        model, softmax_cross_entropy, outputs_of, X_train, T_train,
        Adam(model.parameters(), lr=learning_rate),
    )
    compile_cpu_seconds = time.process_time() - compile_start
    results: dict[str, Any] = {"compile_cpu_seconds": compile_cpu_seconds}

    def train_compiled() -> None:
        # from the starting weights, with a fresh Adam: the trainer's arrays reset
        trainer.data[...] = starting_weights
        trainer.optimizer = Adam(trainer.parameters, lr=learning_rate)
        trainer.update = array_update(trainer.optimizer, trainer.parameters)
        for chosen in batches:
            trainer.step(X_train[chosen], T_train[chosen], 0.0, None)

    programs: dict[str, tuple[Callable[[], object], int]] = {"compiled": (train_compiled, 1)}
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        from nn import to_torch

        torch.set_num_threads(1)
        module = to_torch(model)
        starting_state = {k: v.clone() for k, v in module.state_dict().items()}
        X_torch = torch.tensor(X_train, dtype=torch.float64)
        y_torch = torch.tensor(y_train, dtype=torch.int64)
        torch_batches = [torch.as_tensor(chosen) for chosen in batches]

        def train_torch() -> None:
            module.load_state_dict(starting_state)
            optimizer = torch.optim.Adam(module.parameters(), lr=learning_rate)
            for chosen in torch_batches:
                optimizer.zero_grad()
                loss = torch.nn.functional.cross_entropy(module(X_torch[chosen]), y_torch[chosen])
                loss.backward()
                optimizer.step()

        programs["torch"] = (train_torch, 1)
    times = alternate(programs, rounds)
    results["compiled_seconds"] = _median(times["compiled"])
    outputs = trainer.program.forward(X_test, np.eye(10)[y_test], parameter_values=trainer.data)
    results["test_accuracy"] = float(np.mean(np.argmax(outputs[:, 1:], axis=1) == y_test))
    if torch is not None:
        results["torch_seconds"] = _median(times["torch"])
        results["compiled_vs_torch"] = _ratio(times, "compiled", "torch")
        with torch.no_grad():
            scores = module(torch.tensor(X_test, dtype=torch.float64))
        results["torch_test_accuracy"] = float(np.mean(scores.argmax(dim=1).numpy() == y_test))
    results.update({
        "epochs": float(epochs), "train_images": float(len(X_train)),
        "batch_size": float(batch_size), "rounds": float(rounds),
        "nodes_per_sample": float(trainer.program.node_count),
    })
    return results


# ----- compiling a large graph ------------------------------------------------------
def compile_benchmark(
    hidden: int = 768, inputs: int = 64, outputs: int = 10, repeats: int = 3
) -> dict[str, float]:
    """CPU seconds to compile one large per-sample graph (an MLP 64-768-10 is ~116,000 nodes).

    Median of ``repeats``, with the default checks (two traces, gradient
    check) and with ``verify=False`` (one trace), plus the CPU time of one call
    of the function itself (building the graph once with the plain engine),
    which every trace pays.
    """
    from autograd_core import Value
    from autograd_core.compiler import compile_batch
    from nn import MLP, softmax_cross_entropy

    model = MLP(inputs, [hidden, outputs], activation="relu", seed=0)
    parameters = model.parameters()

    def loss(x: list[Value], t: list[Value]) -> Value:
        return softmax_cross_entropy(model(x), t)

    results: dict[str, float] = {}
    program = None
    for name, verify in (("", True), ("_unverified", False)):
        samples = []
        for _ in range(repeats):
            start = time.process_time()
            program = compile_batch(loss, parameters, (inputs, outputs), verify=verify)
            samples.append(time.process_time() - start)
        results["compile_cpu_seconds" + name] = Summary.of(samples).median
    placeholders = ([Value(0.5) for _ in range(inputs)], [Value(0.1) for _ in range(outputs)])
    start = time.process_time()
    loss(*placeholders)
    results["one_function_call_cpu_seconds"] = time.process_time() - start
    assert program is not None
    results["nodes"] = float(program.node_count)
    return results


# ----- the torch backend -------------------------------------------------------------
def _torch_problems() -> list[tuple[str, Any, Any, tuple[int, int], np.ndarray, np.ndarray]]:
    """(name, model, loss, input widths, X, T) of the problems the backends are compared on."""
    from nn import MLP, datasets, softmax_cross_entropy, squared_error

    problems = []
    rng = np.random.default_rng(0)
    X = rng.uniform(-1.0, 1.0, size=(100, 2))
    y = np.sin(2.0 * X[:, 0]) * np.cos(X[:, 1])
    w1_model = MLP(2, [16, 16, 1], activation="tanh", seed=0)
    problems.append(("W1-sized: MLP 2-16-16-1 (tanh), 100 points", w1_model, squared_error, (2, 1), X, y[:, None]))
    images, labels = datasets.digits()
    targets = np.eye(10)[labels]
    for name, sizes, count in (
        ("digits: MLP 64-32-10, batch of 64", [32, 10], 64),
        ("digits: MLP 64-32-10, all 1,797 images", [32, 10], len(images)),
        ("wide: MLP 64-256-10, all 1,797 images", [256, 10], len(images)),
    ):
        model = MLP(64, sizes, activation="tanh", seed=0)
        problems.append((name, model, softmax_cross_entropy, (64, 10), images[:count], targets[:count]))
    return problems


def torch_backend_benchmark(repeats: int = 7, threads: int | None = 1) -> dict[str, Any]:
    """The torch backend against the NumPy backend: forward + backward of the same programs.

    Every problem is compiled three times from the same model (NumPy, torch on
    the CPU, torch on CUDA when a GPU is there). Within each repeat the
    backends run one after the other (CPU time, :func:`alternate`), so each
    ratio compares times taken moments apart; the figure is the median of
    those ratios (:func:`benchmarks.measure.paired_ratio`).

    Args:
        repeats: Rounds of alternating measurements.
        threads: torch's intra-op threads for the run (``torch.set_num_threads``),
            restored afterwards; 1 matches ``OPENBLAS_NUM_THREADS=1`` for NumPy.
            None keeps torch's default.

    Returns:
        ``{"devices": [...], "threads": n, "problems": {name: {...}}}``, each
        problem with seconds per ``gradient()`` call for every backend, the
        median ratio torch / NumPy per device, and the largest gradient
        difference from NumPy relative to the largest gradient.
    """
    import torch

    from nn import mean_squared_error  # noqa: F401 - nn imported before timing

    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    saved_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    results: dict[str, Any] = {
        "devices": devices, "threads": torch.get_num_threads(), "problems": {},
        "torch_version": torch.__version__,
        "gpu": torch.cuda.get_device_name(0) if "cuda" in devices else None,
    }
    try:
        for name, model, loss_function, widths, X, T in _torch_problems():

            def sample_loss(x: list[Value], t: list[Value], model: Any = model, loss: Any = loss_function) -> Value:
                result: Value = loss(model(x), t)
                return result

            parameters = model.parameters()
            programs = {"numpy": compile_batch(sample_loss, parameters, widths, reduction="mean")}
            for device in devices:
                programs[f"torch_{device}"] = compile_batch(
                    sample_loss, parameters, widths, reduction="mean", backend="torch", device=device
                )
            reference = programs["numpy"].gradient(X, T)[1]
            scale = max(float(np.abs(reference).max()), 1e-300)
            number = max(1, int(0.05 / max(cpu_seconds(lambda: programs["numpy"].gradient(X, T), 3), 1e-6)))
            times = alternate(
                {key: (lambda p=program: p.gradient(X, T), number) for key, program in programs.items()},
                repeats,
            )
            entry: dict[str, float] = {f"{key}_seconds": _median(values) for key, values in times.items()}
            for device in devices:
                key = f"torch_{device}"
                entry[f"{key}_vs_numpy"] = _ratio(times, key, "numpy")["median"]
                difference = np.abs(programs[key].gradient(X, T)[1] - reference).max()
                entry[f"{key}_gradient_difference"] = float(difference) / scale
            entry["samples"] = float(len(X))
            entry["nodes_per_sample"] = float(programs["numpy"].node_count)
            results["problems"][name] = entry
    finally:
        torch.set_num_threads(saved_threads)
    return results


def print_torch_backend(results: dict[str, Any]) -> None:
    """The torch backend's rows: seconds per forward + backward and the ratio to NumPy."""
    gpu = f", GPU {results['gpu']}" if results["gpu"] else ", no GPU here"
    print(
        f"Torch backend (torch {results['torch_version']}, {results['threads']} CPU thread(s){gpu}): "
        "gradient() of the same program, median seconds; ratio = torch / NumPy, pair by pair"
    )
    for name, entry in results["problems"].items():
        row = f"  {name:<40} NumPy {entry['numpy_seconds'] * 1e3:8.3f} ms"
        for device in results["devices"]:
            key = f"torch_{device}"
            row += (
                f" | torch {device} {entry[key + '_seconds'] * 1e3:8.3f} ms "
                f"({entry[key + '_vs_numpy']:.2f}x, gradients within "
                f"{entry[key + '_gradient_difference']:.0e})"
            )
        print(row)


def _ratio_text(summary: dict[str, float]) -> str:
    return f"{summary['median']:.2f}x [{summary['low']:.2f} - {summary['high']:.2f}]"


def main() -> None:
    """Print every figure with its target."""
    w1 = w1_benchmark()
    print("W1 (micrograd's demo step: MLP 2-16-16-1, 100 points, hinge + L2), forward + backward,")
    print("median CPU seconds, ratios paired within each round:")
    print(f"  plain engine          {w1['plain_seconds']:.6f}")
    print(f"  compiled (gradient)   {w1['compiled_seconds']:.6f}")
    print(f"  hand-written NumPy    {w1['numpy_seconds']:.6f}")
    print(f"  compiled / NumPy      {_ratio_text(w1['compiled_vs_numpy'])}   (target <= 1.5x)")
    print(f"  plain / compiled      {_ratio_text(w1['plain_vs_compiled'])}   (target >= 300x)")
    print(f"  gradient difference   {w1['max_relative_gradient_difference']:.1e} (relative, vs plain)")
    digits = digits_benchmark()
    print("Digits: MLP 64-32-10, 1,437 training images, 3 epochs in batches of 64, Adam")
    print(f"  compile               {digits['compile_cpu_seconds']:.3f} s CPU")
    print(f"  compiled training     {digits['compiled_seconds']:.3f} s CPU, "
          f"test accuracy {digits['test_accuracy']:.3f}")
    if "torch_seconds" in digits:
        print(f"  PyTorch float64       {digits['torch_seconds']:.3f} s CPU, "
              f"test accuracy {digits['torch_test_accuracy']:.3f}")
        print(f"  compiled / PyTorch    {_ratio_text(digits['compiled_vs_torch'])}   (target <= 1x)")
    big = compile_benchmark()
    print(f"Compile a graph of {big['nodes']:,.0f} nodes (target < 0.5 s CPU):")
    print(f"  with checks           {big['compile_cpu_seconds']:.3f} s CPU")
    print(f"  verify=False          {big['compile_cpu_seconds_unverified']:.3f} s CPU")
    print(f"  (one call of the function itself: {big['one_function_call_cpu_seconds']:.3f} s)")
    try:
        import torch  # noqa: F401 - optional
    except ModuleNotFoundError:
        print("Torch backend: not measured (pip install torch)")
    else:
        print_torch_backend(torch_backend_benchmark())


if __name__ == "__main__":
    main()
