"""The workloads: what is run, in which order, how often, and what is kept.

Every function takes running :class:`~benchmarks.worker.EngineWorker` objects
(one per engine) and returns plain dicts of numbers, ready for the report and
for ``results.json``.

Fairness rules, applied everywhere:

* correctness first: before timing, every engine computes the loss and the
  gradients of the same batch from the same weights, and they must agree with
  this project's to 1e-12 (relative to the largest gradient); an engine that
  disagrees is reported and not timed;
* engines take turns: each repeat runs every engine once, in a rotating
  order, so a busy moment on the shared machine hits all of them alike;
* a *budget* of CPU seconds per engine and workload: an engine that has used
  it up after its first repeat is not repeated (its count of repeats says so);
* medians, and the min-max spread, of per-repeat figures;
* one definition of a ratio: engine A against engine B is the median, with
  the min-max spread, of A's time / B's time *within each repeat* (the two ran
  one after the other), over the repeats both ran
  (:func:`benchmarks.measure.paired_ratio`);
  each engine is compared with this project at the same collector setting
  (:func:`benchmarks.engines.reference_of`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from benchmarks.engines import CHECK_REFERENCE, reference_of
from benchmarks.measure import Summary, paired_ratio
from benchmarks.problems import MLPProblem
from benchmarks.worker import EngineTimeout, EngineWorker

Log = Callable[[str], None]
StartWorker = Callable[[str], EngineWorker]

#: Loss and gradients of every engine must match the reference to this (relative).
AGREEMENT_TOLERANCE = 1e-12


@dataclass(frozen=True)
class Settings:
    """Sizes and repeat counts of one run (see ``python -m benchmarks --help``)."""

    repeats: int = 5
    block_seconds: float = 1.0
    budget_seconds: float = 60.0
    check_samples: int = 10
    w4_check_samples: int = 2
    w1_points: int = 100
    w2_links: tuple[int, ...] = (10_000, 100_000, 1_000_000)
    w3_links: int = 250_000
    w3_target_links: int = 1_000_000
    growth_steps: int = 100
    w4_images: int | None = None
    w4_budget_seconds: float = 240.0
    numerical_parameters: int | None = None
    engines: tuple[str, ...] = field(default_factory=tuple)


#: ``--quick``: the same workloads, smaller, for a run of a few minutes.
QUICK = Settings(
    repeats=3,
    block_seconds=0.3,
    budget_seconds=8.0,
    check_samples=5,
    w4_check_samples=2,
    w1_points=20,
    w2_links=(1_000, 10_000, 100_000),
    w3_links=25_000,
    w3_target_links=100_000,
    growth_steps=20,
    w4_images=64,
    w4_budget_seconds=20.0,
    numerical_parameters=20,
)


def rotated(keys: Sequence[str], turn: int) -> list[str]:
    """``keys`` starting at position ``turn`` (mod len): each engine takes every position."""
    if not keys:
        return []
    shift = turn % len(keys)
    return [*keys[shift:], *keys[:shift]]


def agreement(reference: dict[str, Any], other: dict[str, Any]) -> float:
    """Largest difference in loss or any gradient, relative to the largest reference value."""
    expected = [reference["loss"], *reference["gradients"]]
    actual = [other["loss"], *other["gradients"]]
    if len(expected) != len(actual):
        return math.inf
    scale = max(max(abs(v) for v in expected), 1e-300)
    return max(abs(a - b) for a, b in zip(expected, actual)) / scale


def _check_engines(
    workers: dict[str, EngineWorker], samples: int | None, log: Log
) -> tuple[dict[str, Any], list[str]]:
    """Every engine's loss and gradients on the first batch, compared with this project's."""
    checks = {key: worker.call("check", samples=samples) for key, worker in workers.items()}
    reference_key = CHECK_REFERENCE if CHECK_REFERENCE in checks else next(iter(checks))
    reference = checks[reference_key]
    report, agreeing = {}, []
    for key, check in checks.items():
        difference = agreement(reference, check)
        ok = difference <= AGREEMENT_TOLERANCE
        report[key] = {"difference": difference, "agrees": ok, "loss": check["loss"]}
        if ok:
            agreeing.append(key)
        log(f"  check {key:<18} loss {check['loss']:.15g}  max difference {difference:.1e}"
            + ("" if ok else "  <-- DISAGREES: not timed"))
    return {"reference": reference_key, "engines": report, "checks": checks}, agreeing


def _time_limit(settings: Settings) -> float:
    """How long one request may run before its engine is stopped and reported as too slow."""
    return 5.0 * settings.budget_seconds


def _call_or_restart(
    workers: dict[str, EngineWorker],
    key: str,
    start_worker: StartWorker,
    timed_out: dict[str, str],
    name: str,
    time_limit: float,
    log: Log,
    **arguments: Any,
) -> Any:
    """``workers[key].call(name, ...)``; on a timeout: note it, start a new worker, return None."""
    try:
        return workers[key].call(name, time_limit=time_limit, **arguments)
    except EngineTimeout:
        timed_out[key] = f"did not finish within {time_limit:g} s"
        log(f"  {key}: {name} did not finish within {time_limit:g} s; stopped")
        workers[key] = start_worker(key)
        return None


def _summaries(samples: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    return {name: Summary.of(values).as_dict() for name, values in samples.items() if values}


def _paired_ratios(per_repeat: dict[str, dict[int, float]]) -> dict[str, dict[str, float]]:
    """Per engine: :func:`paired_ratio` against this project at the same collector setting."""
    ratios = {}
    for key in per_repeat:
        found = paired_ratio(per_repeat, key, reference_of(key))
        if found is not None:
            ratios[key] = found
    return ratios


# ----- W1: micrograd's demo step --------------------------------------------------------
def run_w1(
    workers: dict[str, EngineWorker],
    start_worker: StartWorker,
    problem: MLPProblem,
    settings: Settings,
    log: Log,
) -> dict[str, Any]:
    """Seconds per training step, forward and backward apart, and ns per graph node."""
    log(f"W1: MLP {'-'.join(map(str, problem.sizes))}, {len(problem.inputs)} points, one SGD step")
    infos = {key: worker.call("load", problem=problem) for key, worker in workers.items()}
    check, agreeing = _check_engines(workers, settings.check_samples, log)
    nodes = {key: workers[key].call("graph_size") for key in agreeing}
    estimate = {
        key: check["checks"][key]["cpu_seconds"] * len(problem.inputs) / settings.check_samples
        for key in agreeing
    }
    steps_per_block = {
        key: max(1, round(settings.block_seconds / max(estimate[key], 1e-6))) for key in agreeing
    }
    phases: dict[str, dict[str, list[float]]] = {key: {} for key in agreeing}
    step_by_repeat: dict[str, dict[int, float]] = {key: {} for key in agreeing}
    gradient_by_repeat: dict[str, dict[int, float]] = {key: {} for key in agreeing}
    spent = dict.fromkeys(agreeing, 0.0)
    collector = dict.fromkeys(agreeing, 0.0)
    timed_out: dict[str, str] = {}
    for repeat in range(settings.repeats):
        for key in rotated(agreeing, repeat):
            if key in timed_out or (repeat > 0 and spent[key] > settings.budget_seconds):
                continue
            results = _call_or_restart(
                workers, key, start_worker, timed_out, "train", _time_limit(settings), log,
                steps=steps_per_block[key],
            )
            if results is None:
                continue
            count = len(results)
            for name in results[0]["times"]:
                mean = sum(r["times"][name]["cpu"] for r in results) / count
                phases[key].setdefault(name, []).append(mean)
            wall = sum(r["times"]["step"]["wall"] for r in results) / count
            phases[key].setdefault("step_wall", []).append(wall)
            step_cpu = sum(r["times"]["step"]["cpu"] for r in results)
            spent[key] += step_cpu
            collector[key] += sum(r["times"]["step"]["collector"] for r in results)
            step_by_repeat[key][repeat] = step_cpu / count
            gradient_by_repeat[key][repeat] = sum(
                r["times"][phase]["cpu"]
                for r in results
                for phase in ("forward", "backward", "forward_backward")
                if phase in r["times"]
            ) / count
        log(f"  repeat {repeat + 1}/{settings.repeats} done")
    engines = {}
    for key in agreeing:
        if not phases[key]:
            continue
        summaries = _summaries(phases[key])
        engines[key] = {
            "info": infos[key],
            "nodes": nodes[key],
            "steps_per_repeat": steps_per_block[key],
            "times": summaries,
            "collector_share": collector[key] / spent[key] if spent[key] > 0 else 0.0,
        }
        median = summaries["step"]["median"]
        log(f"  {key:<18} step {median:.4g} s  ({summaries['step']['count']} repeats)")
    return {
        "problem": {
            "sizes": problem.sizes,
            "points": len(problem.inputs),
            "parameters": problem.parameter_count,
            "learning_rate": problem.learning_rate,
            "loss": problem.loss,
            "l2_alpha": problem.l2_alpha,
            "decay_steps": problem.decay_steps,
        },
        "check": {k: v for k, v in check.items() if k != "checks"},
        "engines": engines,
        "timed_out": {k: v for k, v in timed_out.items() if k not in engines},
        "stopped_later": {k: v for k, v in timed_out.items() if k in engines},
        "per_repeat": step_by_repeat,
        "per_repeat_gradient": gradient_by_repeat,
        "ratios": _paired_ratios(step_by_repeat),
    }


# ----- the numerical gradient of W1's parameters ---------------------------------------
def run_numerical(worker: EngineWorker, settings: Settings, log: Log) -> dict[str, Any]:
    """Central differences for every W1 parameter vs one backward pass (this project)."""
    log("Numerical gradient of W1's parameters vs backpropagation")
    result = worker.call("numerical_gradient_cost", parameters=settings.numerical_parameters)
    scale = result["parameters_total"] / result["parameters_done"]
    result["numerical_cpu_all"] = result["numerical_cpu"] * scale
    log(f"  {result['numerical_cpu_all']:.3g} s for {result['parameters_total']} parameters "
        f"vs backward {result['backward_cpu']:.3g} s")
    return result


# ----- W4: one epoch on the digits ------------------------------------------------------
def run_w4(
    workers: dict[str, EngineWorker],
    start_worker: StartWorker,
    problem: MLPProblem,
    settings: Settings,
    log: Log,
) -> dict[str, Any]:
    """Seconds per epoch, run one mini-batch per request.

    An engine stops its epoch once it has used ``w4_budget_seconds`` (the time
    of the batches it ran is then scaled up to the whole epoch, and the report
    says how many it ran); a single mini-batch that takes more than half the
    budget stops the engine for good (reported as too slow).
    """
    total_batches = len(problem.batches())
    log(f"W4: MLP {'-'.join(map(str, problem.sizes))}, {len(problem.inputs)} images, "
        f"{total_batches} mini-batches of {problem.batch_size}")
    infos = {key: worker.call("load", problem=problem) for key, worker in workers.items()}
    check, agreeing = _check_engines(workers, settings.w4_check_samples, log)
    batch_limit = settings.w4_budget_seconds / 2.0
    epochs: dict[str, list[float]] = {key: [] for key in agreeing}
    by_repeat: dict[str, dict[int, float]] = {key: {} for key in agreeing}
    measured_batches = dict.fromkeys(agreeing, total_batches)
    spent = dict.fromkeys(agreeing, 0.0)
    timed_out: dict[str, str] = {}
    for repeat in range(settings.repeats):
        for key in rotated(agreeing, repeat):
            if key in timed_out or (repeat > 0 and spent[key] > settings.w4_budget_seconds):
                continue
            workers[key].call("load", problem=problem)  # every epoch starts from the same weights
            seconds, done = 0.0, 0
            while done < total_batches and seconds <= settings.w4_budget_seconds:
                result = _call_or_restart(
                    workers, key, start_worker, timed_out, "train", batch_limit, log, steps=1
                )
                if result is None:
                    break
                seconds += result[0]["times"]["step"]["cpu"]
                done += 1
            if key in timed_out:
                continue
            spent[key] += seconds
            measured_batches[key] = done
            per_epoch = seconds * total_batches / done
            epochs[key].append(per_epoch)
            by_repeat[key][repeat] = per_epoch
        log(f"  repeat {repeat + 1}/{settings.repeats} done")
    engines = {
        key: {
            "info": infos[key],
            "epoch": Summary.of(epochs[key]).as_dict(),
            "batches_measured": measured_batches[key],
        }
        for key in agreeing
        if epochs[key]
    }
    return {
        "problem": {
            "sizes": problem.sizes,
            "images": len(problem.inputs),
            "batches": total_batches,
            "batch_size": problem.batch_size,
            "learning_rate": problem.learning_rate,
        },
        "check": {k: v for k, v in check.items() if k != "checks"},
        "engines": engines,
        # an engine that timed out in a later repeat keeps its row (with a note), never two rows
        "timed_out": {k: v for k, v in timed_out.items() if k not in engines},
        "stopped_later": {k: v for k, v in timed_out.items() if k in engines},
        "per_repeat": by_repeat,
        "ratios": _paired_ratios(by_repeat),
    }


# ----- W2: a deep chain -----------------------------------------------------------------
def run_w2(
    workers: dict[str, EngineWorker], start_worker: StartWorker, settings: Settings, log: Log
) -> dict[str, Any]:
    """Seconds and ns per link for chains of growing length; who fails, and how."""
    sizes = ", ".join(f"{n:,}" for n in settings.w2_links)
    log(f"W2: deep chain x -> x*1.0001 + 0.0001, N = {sizes}")
    keys = list(workers)
    failures: dict[str, dict[str, Any]] = {}
    timed_out: dict[str, str] = {}
    sizes = {}
    for links in settings.w2_links:
        samples: dict[str, dict[str, list[float]]] = {key: {} for key in keys}
        gradients: dict[str, float] = {}
        spent = dict.fromkeys(keys, 0.0)
        for repeat in range(settings.repeats):
            for key in rotated(keys, repeat):
                if key in failures or (repeat > 0 and spent[key] > settings.budget_seconds):
                    continue
                result = _call_or_restart(
                    workers, key, start_worker, timed_out, "chain", _time_limit(settings), log,
                    links=links,
                )
                if result is None:
                    failures[key] = {"links": links, "failure": timed_out[key]}
                    continue
                if result["failure"]:
                    failures[key] = {"links": links, "failure": result["failure"]}
                    log(f"  {key} fails at N = {links:,}: {result['failure'][:80]}")
                    continue
                gradients[key] = result["gradient"]
                for name, span in result["times"].items():
                    samples[key].setdefault(name, []).append(span["cpu"])
                spent[key] += result["times"]["step"]["cpu"]
        reference = gradients.get(CHECK_REFERENCE)
        engines = {}
        for key in keys:
            if not samples[key]:
                continue
            difference = (
                abs(gradients[key] - reference) / abs(reference) if reference else float("nan")
            )
            engines[key] = {"times": _summaries(samples[key]), "gradient_difference": difference}
        sizes[str(links)] = engines
        log(f"  N = {links:,} done")
    return {"links": list(settings.w2_links), "sizes": sizes, "failures": failures}


# ----- W3: memory -----------------------------------------------------------------------
def run_w3(
    start_worker: Callable[[str], EngineWorker],
    keys: Sequence[str],
    problem: MLPProblem,
    settings: Settings,
    log: Log,
) -> dict[str, Any]:
    """Bytes per node of a chain of ``w3_links`` links, memory returned, growth over steps.

    Each measurement runs in a fresh worker process, so that nothing left
    from earlier workloads is counted.
    """
    log(f"W3: memory of a chain of {settings.w3_links:,} links, and growth over training steps")
    chains = {}
    for key in keys:
        entry: dict[str, Any] = {}
        for method in ("tracemalloc", "rss"):
            with start_worker(key) as worker:
                if method == "tracemalloc":
                    entry["nodes_per_link"] = worker.call("nodes_per_link")
                entry[method] = worker.call("chain_memory", links=settings.w3_links, method=method)
        chains[key] = entry
        log(f"  {key} measured")
    target = None
    if CHECK_REFERENCE in keys:
        with start_worker(CHECK_REFERENCE) as worker:
            target = {
                "links": settings.w3_target_links,
                "nodes_per_link": worker.call("nodes_per_link"),
                "rss": worker.call("chain_memory", links=settings.w3_target_links, method="rss"),
            }
        log(f"  {CHECK_REFERENCE}: RSS of a chain of {settings.w3_target_links:,} links measured")
    growth = {}
    for key, steps in ((CHECK_REFERENCE, settings.growth_steps), ("micrograd", 3)):
        if key not in keys:
            continue
        with start_worker(key) as worker:
            worker.call("load", problem=problem)
            growth[key] = worker.call("growth", steps=steps)
        log(f"  growth over {steps} steps, collector off: {key} measured")
    return {"links": settings.w3_links, "chains": chains, "growth": growth, "target_chain": target}
