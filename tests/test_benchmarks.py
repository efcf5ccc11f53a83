"""The benchmark harness runs end to end on tiny sizes and the engines agree (no timing asserts)."""

from __future__ import annotations

import dataclasses
import gc
import math
from pathlib import Path

import pytest

from benchmarks.__main__ import make_settings, parse_arguments, run, write_report
from benchmarks.engines import ENGINES, engine_spec
from benchmarks.engines.autograd_core_engine import AutogradCoreEngine
from benchmarks.measure import Summary
from benchmarks.problems import chain_reference, w1_problem, w4_problem
from benchmarks.worker import EngineTimeout, EngineWorker
from benchmarks.workloads import Settings, agreement, rotated, run_w1, run_w2

#: Small enough for a unit test, big enough to exercise every code path.
TINY = Settings(
    repeats=2,
    block_seconds=0.01,
    budget_seconds=2.0,
    check_samples=3,
    w4_check_samples=2,
    w1_points=6,
    w2_links=(20, 2_000),
    w3_target_links=20_000,
    w3_links=20_000,  # large enough that Python's tuple free lists (2,000 per size) are noise
    growth_steps=4,
    w4_images=8,
    w4_budget_seconds=10.0,
    numerical_parameters=6,
    engines=(
        "autograd_core", "autograd_core_off", "autograd_core_fit", "compiled", "micrograd",
        "micrograd_off", "micrograd_deep", "tape", "tape_off", "numpy",
    ),
)


def taking_part(workload: str) -> set[str]:
    """The TINY engines that run ``workload``."""
    return {key for key in TINY.engines if workload in engine_spec(key).workloads}


def quiet(message: str) -> None:
    """A log function that drops progress messages."""


@pytest.fixture(scope="module")
def tiny_results() -> dict:
    """One run of every workload with the fast-starting engines (fashion has tests of its own)."""
    return run(TINY, {"fashion"}, "python -m benchmarks (test)")


def test_every_workload_runs_and_every_engine_agrees(tiny_results: dict) -> None:
    """All workloads produce results, and every engine's loss and gradients match to 1e-12."""
    for workload in ("w1", "numerical", "w4", "w2", "w3"):
        assert workload in tiny_results
    for workload in ("w1", "w4"):
        check = tiny_results[workload]["check"]
        assert set(check["engines"]) == taking_part(workload)
        assert all(entry["agrees"] for entry in check["engines"].values())
        assert set(tiny_results[workload]["engines"]) == taking_part(workload)
    assert "micrograd_deep" not in tiny_results["w1"]["engines"]


def test_w1_reports_phases_nodes_and_ratios(tiny_results: dict) -> None:
    """W1 has forward/backward/step summaries, node counts and a ratio of 1 for the reference."""
    w1 = tiny_results["w1"]
    ours = w1["engines"]["autograd_core"]
    assert ours["nodes"] > 0 and w1["engines"]["micrograd"]["nodes"] > ours["nodes"]
    for phase in ("forward", "backward", "update", "release", "step"):
        summary = ours["times"][phase]
        assert summary["low"] <= summary["median"] <= summary["high"]
    # every ratio is against this project at the same collector setting
    assert w1["ratios"]["autograd_core"]["median"] == pytest.approx(1.0)
    assert w1["ratios"]["autograd_core_off"]["median"] == pytest.approx(1.0)
    for key in ("autograd_core_off", "autograd_core_fit", "micrograd_off", "tape_off"):
        assert w1["engines"][key]["collector_share"] == 0.0
    assert w1["engines"]["micrograd"]["collector_share"] > 0.0
    assert set(w1["per_repeat"]) == set(w1["engines"])
    assert w1["problem"]["loss"] == "hinge_l2"


def test_w1_is_micrograds_demo_loss() -> None:
    """The hinge loss averaged plus alpha * sum p**2, checked against plain floats."""
    problem = w1_problem(7)
    engine = AutogradCoreEngine("loop")
    engine.load(problem)
    loss = engine.forward(problem.inputs, problem.targets).data

    def score(x: list[float]) -> float:
        activations = x
        for index, layer in enumerate(problem.weights):
            sums = [sum(w * a for w, a in zip(row, activations)) + row[-1] for row in layer]
            last = index == len(problem.weights) - 1
            activations = sums if last else [max(v, 0.0) for v in sums]
        return activations[0]

    hinge = [max(1.0 - t[0] * score(x), 0.0) for x, t in zip(problem.inputs, problem.targets)]
    squares = sum(p * p for layer in problem.weights for row in layer for p in row)
    assert loss == pytest.approx(sum(hinge) / len(hinge) + 1e-4 * squares, rel=1e-12)
    assert problem.learning_rate_at(0) == 1.0
    assert problem.learning_rate_at(50) == pytest.approx(0.55)
    assert problem.learning_rate_at(100) == 1.0


def test_chain_gradients_agree_and_micrograd_fails_by_recursion(tiny_results: dict) -> None:
    """The chain's gradient is the same everywhere; micrograd's recursion fails at 2,000 links."""
    w2 = tiny_results["w2"]
    failure = w2["failures"]["micrograd"]
    assert failure["links"] == 2_000 and failure["failure"].startswith("RecursionError")
    assert "autograd_core" not in w2["failures"]
    # with the recursion limit and the thread stack raised, micrograd gets through
    assert "micrograd_deep" not in w2["failures"] and "micrograd_deep" in w2["sizes"]["2000"]
    for size in w2["sizes"].values():
        for entry in size.values():
            assert entry["gradient_difference"] <= 1e-12


def test_memory_is_returned_by_reference_counting_alone(tiny_results: dict) -> None:
    """This project's chain is freed by `del` alone; micrograd's waits for the collector."""
    chains = tiny_results["w3"]["chains"]

    def left_after_del(key: str) -> float:
        traced = chains[key]["tracemalloc"]
        return (traced["dropped"] - traced["before"]) / (traced["alive"] - traced["before"])

    assert left_after_del("autograd_core") < 0.05
    assert left_after_del("micrograd") > 0.9
    assert chains["autograd_core"]["nodes_per_link"] == pytest.approx(4.0)


def test_report_is_written_with_plot_and_json(tiny_results: dict, tmp_path: Path) -> None:
    """The report, its plot and the results JSON are written; the tables name every engine."""
    output = tmp_path / "BENCHMARKS.md"
    text = write_report(tiny_results, output, tmp_path / "ratios.png", tmp_path / "results.json")
    assert output.read_text(encoding="utf-8") == text
    assert (tmp_path / "ratios.png").stat().st_size > 0
    assert (tmp_path / "results.json").stat().st_size > 0
    for heading in ("## Targets", "## W1", "## W2", "## W3", "## W4", "## Numerical gradient"):
        assert heading in text
    assert "micrograd" in text and "fails: RecursionError" in text
    assert "/tmp" not in text and "/work" not in text


@pytest.mark.parametrize("key", ["dezero", "torch"])
def test_slower_engines_agree_on_w1_and_the_chain(key: str) -> None:
    """DeZero and PyTorch compute this project's W1 loss and gradients and the chain's gradient."""
    if key == "torch":
        pytest.importorskip("torch")
    settings = dataclasses.replace(TINY, repeats=1, w2_links=(50,))
    keys = ("autograd_core", key)
    workers = {k: EngineWorker(engine_spec(k)) for k in keys}

    def start_worker(k: str) -> EngineWorker:
        return EngineWorker(engine_spec(k))

    try:
        w1 = run_w1(workers, start_worker, w1_problem(4), settings, quiet)
        w2 = run_w2(workers, start_worker, settings, quiet)
    finally:
        for worker in workers.values():
            worker.close()
    assert w1["check"]["engines"][key]["agrees"]
    assert w1["engines"][key]["nodes"] > 0
    assert w2["sizes"]["50"][key]["gradient_difference"] <= 1e-12


def test_a_request_over_its_time_limit_stops_the_worker() -> None:
    """A call that runs past its time limit raises EngineTimeout and the worker process ends."""
    worker = EngineWorker(engine_spec("numpy"))
    try:
        with pytest.raises(EngineTimeout):
            worker.call("chain", links=10**9, time_limit=0.2)
        assert not worker._process.is_alive()
    finally:
        worker.close()


def test_numerical_gradient_matches_backprop() -> None:
    """Central differences of W1's loss agree with one backward pass (an honest comparison)."""
    engine = AutogradCoreEngine("loop")
    engine.load(w1_problem(5))
    result = engine.numerical_gradient_cost(parameters=8)
    assert result["parameters_done"] == 8 and result["parameters_total"] == 337
    assert result["worst_relative_difference"] < 1e-6


def test_fit_variant_restores_the_collector_setting() -> None:
    """The "fit" engine pauses the collector inside a step only, also when the step raises."""
    engine = AutogradCoreEngine("fit")
    engine.load(w1_problem(3))
    assert gc.isenabled()
    engine.train(1)
    assert gc.isenabled()
    with pytest.raises(ValueError):
        engine.step([[1.0, 2.0, 3.0]], [[1.0]])  # three inputs for a two-input network
    assert gc.isenabled()


def test_problems_are_deterministic_and_consistent() -> None:
    """The same seed gives the same weights; W4 is 64-32-10 with one-hot targets."""
    assert w1_problem(10).weights == w1_problem(10).weights
    w4 = w4_problem(images=40)
    assert w4.sizes == [64, 32, 10] and len(w4.inputs) == 40
    assert all(sum(t) == 1.0 for t in w4.targets)
    assert [len(batch[0]) for batch in w4.batches()] == [32, 8]
    y, gradient = chain_reference(10)
    assert gradient == pytest.approx(1.0001**10) and y > 0.5


def test_small_helpers() -> None:
    """Rotation gives every engine every position; summaries and agreement behave."""
    assert rotated(["a", "b", "c"], 1) == ["b", "c", "a"]
    assert rotated([], 3) == []
    summary = Summary.of([3.0, 1.0, 2.0])
    assert (summary.median, summary.low, summary.high, summary.count) == (2.0, 1.0, 3.0, 3)
    with pytest.raises(ValueError):
        Summary.of([])
    same = {"loss": 1.0, "gradients": [2.0, -4.0]}
    assert agreement(same, same) == 0.0
    assert agreement(same, {"loss": 1.0, "gradients": [2.0]}) == math.inf


def test_command_line_settings() -> None:
    """--quick, --repeats and --engines shape the settings; unknown engines are refused."""
    settings = make_settings(parse_arguments(["--quick", "--repeats", "2", "--engines", "numpy"]))
    assert settings.repeats == 2 and settings.engines == ("numpy",) and settings.w1_points == 20
    with pytest.raises(SystemExit):
        make_settings(parse_arguments(["--engines", "no-such-engine"]))
    assert {spec.key for spec in ENGINES} >= {"autograd_core", "micrograd", "dezero", "torch"}


def _readme_section(heading: str) -> str:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    start = readme.index(heading)
    end = readme.index("\n## ", start + len(heading))
    return readme[start:end]


def test_readme_benchmarks_section_runs_and_quotes_the_saved_run() -> None:
    """The README's paused loop runs, and it quotes the saved run's like-for-like ratios only."""
    import json
    import re

    import nn
    from benchmarks.measure import paired_ratio

    section = _readme_section("## Benchmarks")
    code = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)[0]
    namespace: dict[str, object] = {}
    exec(compile(code, "README Benchmarks", "exec"), namespace)  # noqa: S102 - our own README
    model = namespace["model"]
    assert isinstance(model, nn.MLP) and "collector_paused" in code
    assert gc.isenabled()
    assert any(p.grad != 0.0 for p in model.parameters())
    root = Path(__file__).resolve().parent.parent
    results = json.loads((root / "benchmarks" / "results.json").read_text(encoding="utf-8"))
    w1 = results["w1"]
    steps = {k: e["times"]["step"]["median"] for k, e in w1["engines"].items()}
    for key in ("autograd_core", "autograd_core_off", "micrograd", "micrograd_off"):
        assert f"{steps[key] * 1e3:.0f} ms" in section, key
    like_for_like = [
        ("micrograd", "autograd_core"), ("micrograd_off", "autograd_core_off"),
        ("torch", "autograd_core"), ("torch_off", "autograd_core_off"),
        ("autograd_core_off", "tape_off"),
    ]
    for slow, fast in like_for_like:
        summary = paired_ratio(w1["per_repeat"], slow, fast)
        assert summary is not None
        assert f"{summary['median']:.1f}x" in section, (slow, fast)
    # the paused figure is never set against micrograd at default settings (the old headline)
    summary = paired_ratio(w1["per_repeat"], "micrograd", "autograd_core_fit")
    assert summary is not None
    assert f"{summary['median']:.1f}x" not in section
    assert "python -m benchmarks --quick" in section
    assert (root / "BENCHMARKS.md").exists()


def test_torch_backend_rows_compare_the_same_programs() -> None:
    """The torch-backend benchmark times every problem on each backend and checks their gradients agree."""
    pytest.importorskip("torch", reason="pip install torch")
    from benchmarks.compiled import torch_backend_benchmark
    from benchmarks.report import torch_backend_lines

    results = torch_backend_benchmark(repeats=1)
    assert results["devices"][0] == "cpu" and results["threads"] == 1
    assert len(results["problems"]) == 4
    for entry in results["problems"].values():
        for device in results["devices"]:
            assert entry[f"torch_{device}_vs_numpy"] > 0.0
            assert entry[f"torch_{device}_gradient_difference"] < 1e-12
    lines = torch_backend_lines(results)
    assert len(lines) == 5 and "cpu: " in lines[1]
    assert torch_backend_lines(None) == ["* torch backend: not measured (PyTorch not installed)"]
