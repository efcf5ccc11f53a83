"""One epoch of Fashion-MNIST (60,000 images): compiled mode against PyTorch and hand-written NumPy.

Run from the repository root (Debian's ``dataset-fashion-mnist`` installs the files)::

    OPENBLAS_NUM_THREADS=1 python -m benchmarks.fashion_epoch [--epochs 1] [--batch-size 64]

Every engine trains the same network from the same starting weights on the
same mini-batches in the same order with the same optimizer:

* an MLP 784-64-10, relu, softmax cross-entropy (the mean over the batch);
* the starting weights of ``nn.MLP(784, [64, 10], activation="relu", seed=0)``;
* the batch order of ``fit(..., seed=0)`` (``default_rng(0).permutation`` per epoch);
* Adam, lr 0.001, betas (0.9, 0.999), eps 1e-8.

Engines:

* ``compiled``: ``nn.fit(..., compiled=True)``, the scalar model traced once
  (parameters and Adam's state in NumPy arrays during training);
* ``numpy``: the same network written by hand with matrix products (float64);
* ``torch float64`` / ``torch float32``: ``torch.nn.Sequential`` with batched
  tensors and ``torch.optim.Adam`` (skipped when PyTorch is missing).

Reported: the seconds of each epoch, the ratio to the compiled mode, and the
test accuracy after training. The float64 engines follow the same arithmetic,
so their final test losses agree to many digits: a check that they really ran
the same training. Times move with the machine's load; ratios from one run
much less.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

LR, BETAS, EPS = 1e-3, (0.9, 0.999), 1e-8


def starting_weights(seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """(W, b) per layer of the nn.MLP every engine starts from; W has shape (outputs, inputs)."""
    from nn import MLP
    from nn.torch_bridge import layer_matrices

    return layer_matrices(MLP(784, [64, 10], activation="relu", seed=seed))


def batch_orders(samples: int, epochs: int, seed: int = 0) -> list[np.ndarray]:
    """The sample order of each epoch, exactly as ``nn.fit`` shuffles."""
    rng = np.random.default_rng(seed)
    return [rng.permutation(samples) for _ in range(epochs)]


# ----- compiled mode ---------------------------------------------------------------------
def run_compiled(data: Any, epochs: int, batch_size: int) -> dict[str, Any]:
    from nn import MLP, Adam, fit

    model = MLP(784, [64, 10], activation="relu", seed=0)
    started = time.perf_counter()
    history = fit(
        model, data.X_train, data.y_train, loss="softmax_cross_entropy",
        optimizer=Adam(model.parameters(), lr=LR, betas=BETAS, eps=EPS), epochs=epochs,
        batch_size=batch_size, seed=0, progress=False, compiled=True,
        validation=(data.X_test, data.y_test),
    )
    total = time.perf_counter() - started
    return {
        "epoch_seconds": history.seconds,
        "setup_seconds": total - sum(history.seconds),  # tracing and compiling, validation
        "test_accuracy": history.validation_accuracy[-1],
        "test_loss": history.validation_loss[-1],
    }


# ----- hand-written NumPy ----------------------------------------------------------------
def numpy_loss_and_grads(
    params: list[np.ndarray], X: np.ndarray, labels: np.ndarray
) -> tuple[float, list[np.ndarray], np.ndarray]:
    """Mean softmax cross-entropy of a batch, its gradients (W1, b1, W2, b2) and the logits."""
    W1, b1, W2, b2 = params
    hidden_in = X @ W1.T + b1
    hidden = np.maximum(hidden_in, 0.0)
    logits = hidden @ W2.T + b2
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = len(X)
    loss = -float(log_probs[np.arange(n), labels].mean())
    d_logits = np.exp(log_probs)
    d_logits[np.arange(n), labels] -= 1.0
    d_logits /= n
    d_hidden = (d_logits @ W2) * (hidden_in > 0.0)
    grads = [d_hidden.T @ X, d_hidden.sum(axis=0), d_logits.T @ hidden, d_logits.sum(axis=0)]
    return loss, grads, logits


def run_numpy(data: Any, epochs: int, batch_size: int) -> dict[str, Any]:
    (W1, b1), (W2, b2) = starting_weights()
    params = [W1, b1, W2, b2]
    firsts = [np.zeros_like(p) for p in params]
    seconds = [np.zeros_like(p) for p in params]
    b1_, b2_ = BETAS
    step = 0
    epoch_seconds = []
    for order in batch_orders(len(data.y_train), epochs):
        started = time.perf_counter()
        for start in range(0, len(order), batch_size):
            chosen = order[start:start + batch_size]
            _, grads, _ = numpy_loss_and_grads(params, data.X_train[chosen], data.y_train[chosen])
            step += 1
            c1, c2 = 1.0 - b1_**step, 1.0 - b2_**step
            for k, g in enumerate(grads):
                firsts[k] = b1_ * firsts[k] + (1.0 - b1_) * g
                seconds[k] = b2_ * seconds[k] + (1.0 - b2_) * g * g
                params[k] = params[k] - LR * (firsts[k] / c1) / (np.sqrt(seconds[k] / c2) + EPS)
        epoch_seconds.append(time.perf_counter() - started)
    loss, _, logits = numpy_loss_and_grads(params, data.X_test, data.y_test)
    return {
        "epoch_seconds": epoch_seconds,
        "test_accuracy": float(np.mean(np.argmax(logits, axis=1) == data.y_test)),
        "test_loss": loss,
    }


# ----- PyTorch ---------------------------------------------------------------------------
def run_torch(data: Any, epochs: int, batch_size: int, dtype_name: str) -> dict[str, Any]:
    import torch

    dtype = getattr(torch, dtype_name)
    torch.set_num_threads(1)
    (W1, b1), (W2, b2) = starting_weights()
    net = torch.nn.Sequential(
        torch.nn.Linear(784, 64, dtype=dtype), torch.nn.ReLU(), torch.nn.Linear(64, 10, dtype=dtype)
    )
    with torch.no_grad():
        for layer, (W, b) in zip((net[0], net[2]), ((W1, b1), (W2, b2))):
            layer.weight.copy_(torch.from_numpy(W))
            layer.bias.copy_(torch.from_numpy(b))
    optimizer = torch.optim.Adam(net.parameters(), lr=LR, betas=BETAS, eps=EPS)
    X = torch.from_numpy(data.X_train).to(dtype)
    y = torch.from_numpy(data.y_train)
    epoch_seconds = []
    for order in batch_orders(len(data.y_train), epochs):
        order_t = torch.from_numpy(order)
        started = time.perf_counter()
        for start in range(0, len(order), batch_size):
            chosen = order_t[start:start + batch_size]
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(net(X[chosen]), y[chosen])
            loss.backward()
            optimizer.step()
        epoch_seconds.append(time.perf_counter() - started)
    with torch.no_grad():
        logits = net(torch.from_numpy(data.X_test).to(dtype))
        test_loss = float(torch.nn.functional.cross_entropy(logits, torch.from_numpy(data.y_test)))
        predicted = logits.argmax(dim=1).numpy()
    return {
        "epoch_seconds": epoch_seconds,
        "test_accuracy": float(np.mean(predicted == data.y_test)),
        "test_loss": test_loss,
    }


def run(data: Any, epochs: int = 1, batch_size: int = 64) -> dict[str, dict[str, Any]]:
    """Every engine on ``data`` (a ``Split``); PyTorch's rows only when it is installed."""
    results = {
        "compiled": run_compiled(data, epochs, batch_size),
        "numpy": run_numpy(data, epochs, batch_size),
    }
    try:
        import torch  # noqa: F401 - optional
    except ModuleNotFoundError:
        return results
    results["torch float64"] = run_torch(data, epochs, batch_size, "float64")
    results["torch float32"] = run_torch(data, epochs, batch_size, "float32")
    return results


def report(results: dict[str, dict[str, Any]], samples: int, batch_size: int) -> str:
    """A table: seconds per epoch, ratio to the compiled mode, test accuracy and loss."""
    compiled = float(np.mean(results["compiled"]["epoch_seconds"]))
    lines = [
        f"Fashion-MNIST, {samples:,} training images per epoch, MLP 784-64-10 relu, "
        f"batches of {batch_size}, Adam lr {LR}",
        f"{'engine':<16}{'s / epoch':>11}{'vs compiled':>13}{'test acc':>10}{'test loss':>20}",
    ]
    for name, result in results.items():
        seconds = float(np.mean(result["epoch_seconds"]))
        lines.append(
            f"{name:<16}{seconds:>11.2f}{seconds / compiled:>12.2f}x"
            f"{result['test_accuracy']:>10.4f}{result['test_loss']:>20.15f}"
        )
    if "torch float64" not in results:
        lines.append("torch: not measured (pip install torch)")
    lines.append(f"compiled mode: {results['compiled']['setup_seconds']:.2f} s to trace, compile and validate")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=64)
    arguments = parser.parse_args()
    from nn.datasets import fashion_mnist

    data = fashion_mnist()
    results = run(data, arguments.epochs, arguments.batch_size)
    print(report(results, len(data.y_train), arguments.batch_size))


if __name__ == "__main__":
    main()
