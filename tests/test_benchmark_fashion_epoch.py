"""The Fashion-MNIST epoch benchmark runs, and its engines really train the same network the same way."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from benchmarks import fashion_epoch
from nn.mnist import Split


def small_split() -> Split:
    """A few hundred random 'images' (the engines' agreement does not need real ones)."""
    rng = np.random.default_rng(0)
    return Split(rng.random((300, 784)), rng.random((50, 784)), rng.integers(0, 10, 300), rng.integers(0, 10, 50))


def test_the_float64_engines_end_with_the_same_test_loss() -> None:
    """Compiled mode, hand-written NumPy (and PyTorch float64 when installed) agree to 1e-9 after 2 epochs."""
    results = fashion_epoch.run(small_split(), epochs=2, batch_size=64)
    compiled = results["compiled"]["test_loss"]
    assert results["numpy"]["test_loss"] == pytest.approx(compiled, rel=1e-9)
    if importlib.util.find_spec("torch") is not None:
        assert results["torch float64"]["test_loss"] == pytest.approx(compiled, rel=1e-9)
        assert results["torch float32"]["test_loss"] == pytest.approx(compiled, rel=1e-4)
    table = fashion_epoch.report(results, 300, 64)
    assert "vs compiled" in table and "numpy" in table


def test_the_batch_order_is_fits() -> None:
    """batch_orders reproduces fit's shuffling: default_rng(seed).permutation once per epoch."""
    first, second = fashion_epoch.batch_orders(10, 2, seed=0)
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(first, rng.permutation(10))
    np.testing.assert_array_equal(second, rng.permutation(10))


# ----- the main harness's fashion workload -------------------------------------------------
def _environment() -> dict:
    return {
        "command": "python -m benchmarks (test)", "date": "2026-01-01 00:00", "cpu": "a CPU",
        "cores": 2, "platform": "Linux", "python": "3.x", "versions": {"numpy": "2"},
        "settings": "repeats=3", "load_before": "0.00", "load_after": "0.00",
        "duration_seconds": 60.0,
    }


def _summary(*values: float) -> dict:
    return {"median": sorted(values)[len(values) // 2], "low": min(values), "high": max(values),
            "count": len(values)}


def fashion_entry(compiled: tuple[float, ...], torch32: tuple[float, ...], *,
                  train_images: int = 60_000) -> dict:
    """A hand-made results entry as ``measure`` returns it after a JSON round trip (string repeat keys)."""
    per_repeat = {
        "compiled": dict(enumerate(compiled)),
        "numpy": {r: t * 0.4 for r, t in enumerate(compiled)},
        "torch float64": {r: t * 0.7 for r, t in enumerate(compiled)},
        "torch float32": dict(enumerate(torch32)),
    }
    per_repeat = {k: {str(r): t for r, t in v.items()} for k, v in per_repeat.items()}
    losses = {"compiled": 0.45425098484, "numpy": 0.45425098484, "torch float64": 0.45425098484,
              "torch float32": 0.4542511}
    return {
        "problem": {"sizes": [784, 64, 10], "activation": "relu", "batch_size": 64,
                    "train_images": train_images, "full_train_images": 60_000,
                    "test_images": 10_000, "batches": -(-train_images // 64),
                    "learning_rate": 0.001, "betas": [0.9, 0.999], "eps": 1e-8, "repeats": 3},
        "engines": {
            name: {"epoch": _summary(*times.values()), "epoch_wall": _summary(*times.values()),
                   "test_accuracy": 0.8389, "test_loss": losses[name]}
            for name, times in per_repeat.items()
        },
        "per_repeat": per_repeat,
        "torch": "2.13.0",
    }


def _markdown(fashion: dict | None) -> str:
    from benchmarks.report import markdown

    results = {"environment": _environment(), "skipped": {}}
    if fashion is not None:
        results["fashion"] = fashion
    return markdown(results, None)


def _fashion_row(text: str) -> str:
    rows = [line for line in text.splitlines() if line.startswith("| One epoch of Fashion-MNIST")]
    assert len(rows) == 1, rows
    return rows[0]


def test_the_report_renders_the_fashion_section_and_decides_on_float32() -> None:
    """From a hand-made entry: the section's table and loss check, and a row that says met or not met on float32."""
    text = _markdown(fashion_entry((3.0, 3.3, 3.6), (1.5, 1.5, 1.5)))
    assert "## One epoch of Fashion-MNIST" in text
    for engine in ("autograd_core compiled", "NumPy by hand (float64)",
                   "PyTorch, batched float64 tensors", "PyTorch, batched float32 tensors"):
        assert f"| {engine}" in text
    assert "| 3.3 s [3 s - 3.6 s] | 1x | 83.89% |" in text
    assert "0.4x [0.4 - 0.4]" in text  # NumPy's time / the compiled mode's, pair by pair
    assert "ended with the same test loss" in text
    assert "all 60,000 training images" in text
    row = _fashion_row(text)
    # compiled / float32 per repeat: 2, 2.2, 2.4; / float64: 1/0.7 every time
    assert "**2.2x [2 - 2.4] against float32**" in row and "1.43x [1.43 - 1.43] against float64" in row
    assert row.endswith("| **not met** |") and "Decided on float32: not met" in row
    met = _fashion_row(_markdown(fashion_entry((3.0, 3.3, 3.6), (2.5, 3.0, 3.0))))
    assert met.endswith("| met |") and "Decided on float32: met" in met
    subset = _markdown(fashion_entry((0.5, 0.5, 0.5), (0.2, 0.2, 0.2), train_images=10_000))
    assert "the first 10,000 of the 60,000 training images (a subset, as `--quick` runs)" in subset


def test_the_report_says_when_the_fashion_epoch_is_not_measured() -> None:
    """Without an entry (older results), without the files, without PyTorch: the row says not measured and why."""
    from benchmarks.fashion_epoch import MISSING_FILES

    row = _fashion_row(_markdown(None))
    assert row.endswith("| not measured |") and "--skip fashion" in row
    text = _markdown({"missing": MISSING_FILES})
    row = _fashion_row(text)
    assert ("not measured: the Fashion-MNIST files are missing "
            "(apt-get install dataset-fashion-mnist)") in row
    assert row.endswith("| not measured |")
    assert "Not measured: the Fashion-MNIST files are missing" in text
    no_torch = fashion_entry((3.0, 3.3, 3.6), (1.5, 1.5, 1.5))
    for name in ("torch float32", "torch float64"):
        del no_torch["engines"][name], no_torch["per_repeat"][name]
    text = _markdown(no_torch)
    row = _fashion_row(text)
    assert "not measured: PyTorch is not installed" in row and row.endswith("| not measured |")
    assert "| NumPy by hand (float64)" in text and "PyTorch, batched" not in text
    differing = fashion_entry((3.0, 3.3, 3.6), (1.5, 1.5, 1.5))
    differing["engines"]["numpy"]["test_loss"] = 0.46
    assert "did not end with the same test loss" in _markdown(differing)


def test_the_fashion_workload_measures_every_engine_in_rotation() -> None:
    """measure() on a small split: one CPU time per engine and repeat, ratios to the compiled mode, a report."""
    from benchmarks.report import fashion_text

    found = fashion_epoch.measure(small_split(), repeats=2)
    engines = ["compiled", "numpy"] + (
        ["torch float64", "torch float32"] if importlib.util.find_spec("torch") else []
    )
    assert list(found["engines"]) == engines
    for name in engines:
        assert sorted(found["per_repeat"][name]) == [0, 1]
        assert found["engines"][name]["epoch"]["count"] == 2
    assert found["ratios"]["compiled"]["median"] == 1.0
    assert found["engines"]["compiled"]["setup_cpu"]["count"] == 2
    assert found["problem"]["train_images"] == 300 and found["problem"]["batches"] == 5
    losses = {name: found["engines"][name]["test_loss"] for name in engines}
    assert losses["numpy"] == pytest.approx(losses["compiled"], rel=1e-9)
    assert "ended with the same test loss" in fashion_text(found)


def test_the_fashion_worker_reports_missing_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the files the worker says what to install instead of measuring."""
    import nn.datasets

    def missing() -> None:
        raise FileNotFoundError("no such folder")

    monkeypatch.setattr(nn.datasets, "fashion_mnist", missing)
    assert fashion_epoch.make_engine().measure(repeats=1)["missing"] == fashion_epoch.MISSING_FILES


def test_the_fashion_plan_follows_quick_and_repeats() -> None:
    """A full run: 3 repeats on every image; --quick: 2 on the first 10,000; --repeats only lowers them."""
    from benchmarks.__main__ import WORKLOADS, fashion_plan, make_settings, parse_arguments

    assert "fashion" in WORKLOADS
    assert fashion_plan(make_settings(parse_arguments([]))) == (3, None)
    assert fashion_plan(make_settings(parse_arguments(["--quick"]))) == (2, 10_000)
    assert fashion_plan(make_settings(parse_arguments(["--repeats", "1"]))) == (1, None)
