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
def test_the_fashion_workload_measures_every_engine_in_rotation() -> None:
    """measure() on a small split: one CPU time per engine and repeat, ratios to the compiled mode, a report."""
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
