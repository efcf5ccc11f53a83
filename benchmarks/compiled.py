"""Benchmarks of the compiled batch mode (``autograd_core.compile_batch``).

Run alone from the repository root::

    OPENBLAS_NUM_THREADS=1 python -m benchmarks.compiled

(one BLAS thread: on a small shared machine a multi-threaded BLAS distorts the
hand-written NumPy baseline). Every function here is side-effect free and
returns plain numbers, so the main benchmark table can import and call them.

Targets of the compiled mode (ratios measured within one run):

* W1, MLP 2-16-16-1 on 100 points, forward + backward: at least 300x faster
  than the plain engine, at most 5x slower than hand-written NumPy;
* digits, MLP 64-32-10 on the 1,437 training images in mini-batches: at least
  95% test accuracy after under 0.5 s of training, compiling in under 0.1 s;
* compiling a graph of 100,000 nodes in under 1 s.

With PyTorch installed it also compares ``backend="torch"`` with the NumPy
backend on the same programs (the CPU, and a CUDA GPU where there is one),
as ratios measured within one run.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_core import Value
from autograd_core.compiler import BatchProgram, compile_batch
from autograd_core.compiler.per_node import PerNodeProgram
from autograd_core.compiler.schedule import build_schedule


def median_seconds(function: Callable[[], object], repeats: int = 7, number: int = 1) -> float:
    """Median over ``repeats`` of the mean time of ``number`` calls of ``function``."""
    function()  # warm up (caches, lazily built buffers)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            function()
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)


# ----- W1: MLP 2-16-16-1 on 100 points ---------------------------------------------------
def w1_problem(points: int = 100, seed: int = 0) -> tuple[Any, np.ndarray, np.ndarray]:
    """The W1 model (nn.MLP 2-16-16-1, tanh, linear output) and 100 regression points."""
    from nn import MLP

    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, size=(points, 2))
    y = np.sin(2.0 * X[:, 0]) * np.cos(X[:, 1])
    return MLP(2, [16, 16, 1], activation="tanh", seed=seed), X, y


def zero_grads(parameters: list[Value]) -> None:
    """What ``optimizer.zero_grad()`` does: every parameter's grad back to 0."""
    for p in parameters:
        p.grad = 0.0


def w1_plain_step(model: Any, X: np.ndarray, y: np.ndarray) -> float:
    """Forward + backward of the summed squared error with the plain engine."""
    from nn import squared_error

    zero_grads(model.parameters())
    total = Value.sum([squared_error(model(x), t) for x, t in zip(X.tolist(), y.tolist())])
    total.backward()
    return total.data


def w1_numpy_arrays(model: Any) -> list[np.ndarray]:
    """The model's weights and biases as NumPy arrays (W1, b1, W2, b2, W3, b3)."""
    arrays = []
    for layer in model.layers:
        arrays.append(np.array([[w.data for w in n.weights] for n in layer.neurons]))
        arrays.append(np.array([n.bias.data for n in layer.neurons]))
    return arrays


def w1_numpy_step(arrays: list[np.ndarray], X: np.ndarray, y: np.ndarray) -> tuple[float, list[np.ndarray]]:
    """The same forward + backward written by hand with matrix products (the baseline)."""
    W1, b1, W2, b2, W3, b3 = arrays
    h1 = np.tanh(X @ W1.T + b1)
    h2 = np.tanh(h1 @ W2.T + b2)
    out = h2 @ W3.T + b3
    d = out[:, 0] - y
    loss = 0.5 * float(d @ d)
    g_out = d[:, None]
    g_W3, g_b3 = g_out.T @ h2, g_out.sum(axis=0)
    g_a2 = (g_out @ W3) * (1.0 - h2 * h2)
    g_W2, g_b2 = g_a2.T @ h1, g_a2.sum(axis=0)
    g_a1 = (g_a2 @ W2) * (1.0 - h1 * h1)
    g_W1, g_b1 = g_a1.T @ X, g_a1.sum(axis=0)
    return loss, [g_W1, g_b1, g_W2, g_b2, g_W3, g_b3]


def w1_benchmark(repeats: int = 7) -> dict[str, float]:
    """Time W1 forward + backward: plain engine, compiled (grouped and per node), NumPy.

    Returns:
        Seconds per forward + backward of each, the ratios, the compile time
        and the largest relative gradient difference between compiled and plain.
    """
    from nn import squared_error

    model, X, y = w1_problem()
    parameters = model.parameters()

    def loss(x: list[Value], t: list[Value]) -> Value:
        return squared_error(model(x), t)

    start = time.perf_counter()
    program = compile_batch(loss, parameters, (2, 1))
    compile_seconds = time.perf_counter() - start
    per_node = PerNodeProgram(program.graph, parameters)
    unfused = BatchProgram(loss, parameters, program.graph, build_schedule(program.graph, fuse=False), "sum")
    arrays = w1_numpy_arrays(model)

    def compiled() -> None:
        zero_grads(parameters)
        program.backward(X, y)

    plain = median_seconds(lambda: w1_plain_step(model, X, y), repeats=max(3, repeats // 2))
    plain_grads = np.array([p.grad for p in parameters])
    grouped = median_seconds(compiled, repeats=repeats, number=50)
    compiled_grads = np.array([p.grad for p in parameters])
    # The three designs on equal terms: gradient() only, no p.grad bookkeeping.
    grouped_gradient = median_seconds(lambda: program.gradient(X, y), repeats=repeats, number=50)
    grouped_unfused = median_seconds(lambda: unfused.gradient(X, y), repeats=repeats, number=50)
    node_by_node = median_seconds(lambda: per_node.gradient(X, y), repeats=repeats, number=5)
    numpy_seconds = median_seconds(lambda: w1_numpy_step(arrays, X, y), repeats=repeats, number=200)
    scale = np.maximum(np.abs(plain_grads), 1e-12)
    return {
        "plain_seconds": plain,
        "compiled_seconds": grouped,
        "per_node_seconds": node_by_node,
        "grouped_unfused_seconds": grouped_unfused,
        "grouped_gradient_seconds": grouped_gradient,
        "numpy_seconds": numpy_seconds,
        "speedup_vs_plain": plain / grouped,
        "slowdown_vs_numpy": grouped / numpy_seconds,
        "grouped_vs_per_node": node_by_node / grouped_gradient,
        "compile_seconds": compile_seconds,
        "max_relative_gradient_difference": float(np.max(np.abs(compiled_grads - plain_grads) / scale)),
        "nodes_per_sample": float(program.node_count),
        "steps": float(program.step_count),
    }


# ----- digits: MLP 64-32-10 -----------------------------------------------------------
def digits_benchmark(
    epochs: int = 3, batch_size: int = 64, learning_rate: float = 0.02, seed: int = 0
) -> dict[str, float]:
    """Train MLP 64-32-10 on the 8x8 digits with the compiled mode and Adam.

    The optimizer is ``nn.Adam`` working on the model's own Values, exactly as
    with the plain engine; the training time includes it.

    Returns:
        compile_seconds (wall clock) and compile_cpu_seconds (this process's
        CPU time, less sensitive to other load on a shared machine),
        train_seconds (all epochs, excluding compilation; of which
        optimizer_seconds in nn.Adam), test_accuracy, and the program's size.
    """
    from nn import MLP, Adam, datasets, softmax_cross_entropy

    X, labels = datasets.digits()
    X_train, X_test, y_train, y_test = datasets.train_test_split(X, labels, 0.2, seed=seed)
    T_train = np.eye(10)[y_train]
    model = MLP(64, [32, 10], activation="tanh", seed=seed)
    parameters = model.parameters()

    def per_sample(x: list[Value], t: list[Value]) -> list[Value]:
        logits = model(x)
        return [softmax_cross_entropy(logits, t), *logits]

    start, cpu_start = time.perf_counter(), time.process_time()
    program = compile_batch(per_sample, parameters, (64, 10), reduction="mean")
    compile_seconds = time.perf_counter() - start
    compile_cpu_seconds = time.process_time() - cpu_start
    optimizer = Adam(parameters, lr=learning_rate)
    rng = np.random.default_rng(seed)
    optimizer_seconds = 0.0
    start = time.perf_counter()
    for _ in range(epochs):
        order = rng.permutation(len(X_train))
        for first in range(0, len(order), batch_size):
            chosen = order[first : first + batch_size]
            optimizer.zero_grad()
            program.backward(X_train[chosen], T_train[chosen])
            step_start = time.perf_counter()
            optimizer.step()
            optimizer_seconds += time.perf_counter() - step_start
    train_seconds = time.perf_counter() - start
    outputs = program.forward(X_test, np.eye(10)[y_test])
    test_accuracy = float(np.mean(np.argmax(outputs[:, 1:], axis=1) == y_test))
    return {
        "compile_seconds": compile_seconds,
        "compile_cpu_seconds": compile_cpu_seconds,
        "train_seconds": train_seconds,
        "optimizer_seconds": optimizer_seconds,
        "test_accuracy": test_accuracy,
        "epochs": float(epochs),
        "train_images": float(len(X_train)),
        "nodes_per_sample": float(program.node_count),
        "steps": float(program.step_count),
    }


# ----- compiling a large graph ------------------------------------------------------
def compile_benchmark(hidden: int = 768, inputs: int = 64, outputs: int = 10) -> dict[str, float]:
    """Compile time of one large per-sample graph (an MLP 64-768-10 is ~116,000 nodes).

    Measured with the default checks (two traces, gradient check) and with
    ``verify=False`` (one trace). Wall-clock and CPU seconds of each, plus the
    time of one call of the function itself (building the graph once with
    the plain engine), which every trace pays.
    """
    from nn import MLP, softmax_cross_entropy

    model = MLP(inputs, [hidden, outputs], activation="relu", seed=0)
    parameters = model.parameters()

    def loss(x: list[Value], t: list[Value]) -> Value:
        return softmax_cross_entropy(model(x), t)

    results: dict[str, float] = {}
    for name, verify in (("", True), ("_unverified", False)):
        start, cpu_start = time.perf_counter(), time.process_time()
        program = compile_batch(loss, parameters, (inputs, outputs), verify=verify)
        results["compile_seconds" + name] = time.perf_counter() - start
        results["compile_cpu_seconds" + name] = time.process_time() - cpu_start
    placeholders = ([Value(0.5) for _ in range(inputs)], [Value(0.1) for _ in range(outputs)])
    start = time.perf_counter()
    loss(*placeholders)
    results["one_function_call_seconds"] = time.perf_counter() - start
    results["nodes"] = float(program.node_count)
    results["steps"] = float(program.step_count)
    return results


# ----- the torch backend -------------------------------------------------------------
def _torch_problems() -> list[tuple[str, Any, Any, tuple[int, int], np.ndarray, np.ndarray]]:
    """(name, model, loss, input widths, X, T) of the problems the backends are compared on."""
    from nn import MLP, datasets, softmax_cross_entropy, squared_error

    problems = []
    w1_model, X, y = w1_problem()
    problems.append(("W1: MLP 2-16-16-1, 100 points", w1_model, squared_error, (2, 1), X, y[:, None]))
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
    backends run one after the other, so each ratio compares times taken
    moments apart; the figure is the median of those ratios.

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
            number = max(1, int(0.05 / max(median_seconds(lambda: programs["numpy"].gradient(X, T), 3), 1e-6)))
            times: dict[str, list[float]] = {key: [] for key in programs}
            for _ in range(repeats):
                for key, program in programs.items():
                    times[key].append(median_seconds(lambda p=program: p.gradient(X, T), 1, number))
            entry: dict[str, float] = {
                f"{key}_seconds": statistics.median(values) for key, values in times.items()
            }
            for device in devices:
                key = f"torch_{device}"
                ratios = [a / b for a, b in zip(times[key], times["numpy"])]
                entry[f"{key}_vs_numpy"] = statistics.median(ratios)
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


def main() -> None:
    """Print every figure with its target."""
    w1 = w1_benchmark()
    print("W1: MLP 2-16-16-1, 100 points, forward + backward (median seconds)")
    print(f"  plain engine          {w1['plain_seconds']:.6f}")
    print(f"  compiled, grouped     {w1['compiled_seconds']:.6f}   (backward(): reads p.data, adds into p.grad)")
    print("  designs compared on gradient() alone:")
    print(f"    one NumPy call per node            {w1['per_node_seconds']:.6f}")
    print(f"    grouped by (level, op)             {w1['grouped_unfused_seconds']:.6f}")
    print(f"    grouped + mul->sum matrix products {w1['grouped_gradient_seconds']:.6f}")
    print(f"  hand-written NumPy    {w1['numpy_seconds']:.6f}")
    print(f"  speed-up vs plain     {w1['speedup_vs_plain']:.0f}x   (target >= 300x)")
    print(f"  slower than NumPy     {w1['slowdown_vs_numpy']:.2f}x   (target <= 5x)")
    print(f"  grouped vs per node   {w1['grouped_vs_per_node']:.1f}x faster")
    print(f"  gradient difference   {w1['max_relative_gradient_difference']:.1e} (relative, vs plain)")
    digits = digits_benchmark()
    print("Digits: MLP 64-32-10, 1,437 training images, 3 epochs in batches of 64, nn.Adam")
    print(
        f"  compile               {digits['compile_seconds']:.3f} s wall, "
        f"{digits['compile_cpu_seconds']:.3f} s CPU   (target < 0.1 s)"
    )
    print(
        f"  training              {digits['train_seconds']:.3f} s   (target < 0.5 s; "
        f"{digits['optimizer_seconds']:.3f} s of it in nn.Adam.step)"
    )
    print(f"  test accuracy         {digits['test_accuracy']:.3f}     (target >= 0.95)")
    big = compile_benchmark()
    print(f"Compile a graph of {big['nodes']:,.0f} nodes (target < 1 s):")
    print(
        f"  with checks           {big['compile_seconds']:.3f} s wall, "
        f"{big['compile_cpu_seconds']:.3f} s CPU"
    )
    print(
        f"  verify=False          {big['compile_seconds_unverified']:.3f} s wall, "
        f"{big['compile_cpu_seconds_unverified']:.3f} s CPU"
    )
    print(f"  (one call of the function itself: {big['one_function_call_seconds']:.3f} s)")
    try:
        import torch  # noqa: F401 - optional
    except ModuleNotFoundError:
        print("Torch backend: not measured (pip install torch)")
    else:
        print_torch_backend(torch_backend_benchmark())


if __name__ == "__main__":
    main()
