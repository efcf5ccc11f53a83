"""``python -m benchmarks``: all workloads on all engines; prints the tables, writes BENCHMARKS.md.

Run it from the repository root with the ``bench`` extra installed
(``pip install -e ".[bench]"``; PyTorch is optional: ``pip install torch==2.13.0``).
``--quick`` runs the same workloads smaller (a few minutes); ``--help`` lists
every option. The full run takes about half an hour on a 2-core machine, most
of it in the slow engines. The ``fashion`` workload (one epoch of
Fashion-MNIST, :mod:`benchmarks.fashion_epoch`) needs Debian's
``dataset-fashion-mnist`` files and is reported as not measured without them.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.engines import CHECK_REFERENCE, ENGINES, EngineSpec, engine_spec
from benchmarks.problems import w1_problem, w4_problem
from benchmarks.report import markdown, plot_ratios
from benchmarks.worker import EngineError, EngineWorker
from benchmarks.workloads import QUICK, Settings, run_numerical, run_w1, run_w2, run_w3, run_w4

HERE = Path(__file__).resolve().parent
WORKLOADS = ("w1", "numerical", "w4", "w2", "w3", "compiled", "fashion")

#: The ``fashion`` workload's worker: every engine of it in one process, on one core.
FASHION_WORKER = EngineSpec(
    "fashion", "Fashion-MNIST epoch", "benchmarks.fashion_epoch", "", ("numpy",),
    'pip install -e ".[bench]"', workloads=(),
)
#: Its repeats (an epoch of every engine is ~10-15 s): full run, ``--quick``.
FASHION_REPEATS, FASHION_QUICK_REPEATS = 3, 2
#: ``--quick`` trains on the first this many of the 60,000 training images.
FASHION_QUICK_IMAGES = 10_000


def log(message: str) -> None:
    """Progress on stderr, so that stdout carries only the tables."""
    stamp = datetime.datetime.now().strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", file=sys.stderr, flush=True)


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="This project side by side with micrograd, DeZero, PyTorch (0-d tensors) "
        "and hand-written NumPy: W1 micrograd's demo step, W2 a deep chain, W3 memory, "
        "W4 an epoch on the digits, and the cost of numerical gradients; the compiled mode's "
        "own targets (compiled), and one epoch of Fashion-MNIST in the compiled mode against "
        "PyTorch batched tensors and NumPy (fashion: needs apt-get install "
        "dataset-fashion-mnist).",
    )
    parser.add_argument("--quick", action="store_true",
                        help="smaller sizes, fewer repeats (fashion: 2 repeats on the first "
                        f"{FASHION_QUICK_IMAGES:,} training images)")
    parser.add_argument("--repeats", type=int,
                        help="repeats per workload (default 5; quick 3; fashion at most "
                        f"{FASHION_REPEATS}, quick {FASHION_QUICK_REPEATS})")
    parser.add_argument(
        "--budget", type=float,
        help="CPU seconds per engine and workload after which it is not repeated (default 60)",
    )
    parser.add_argument(
        "--engines", help="comma-separated engine keys (default: all installed): "
        + ", ".join(spec.key for spec in ENGINES),
    )
    parser.add_argument(
        "--skip", default="", help=f"comma-separated workloads to skip: {', '.join(WORKLOADS)}"
    )
    parser.add_argument("--output", type=Path, default=HERE.parent / "BENCHMARKS.md",
                        help="where to write the report (default: BENCHMARKS.md at the root)")
    parser.add_argument("--no-write", action="store_true",
                        help="print the tables only; write no files")
    parser.add_argument("--note", default="",
                        help="a sentence for the report's run section "
                        "(e.g. why a run was shortened)")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite the report from the saved benchmarks/results.json")
    return parser.parse_args(argv)


def make_settings(arguments: argparse.Namespace) -> Settings:
    settings = QUICK if arguments.quick else Settings()
    changes: dict[str, Any] = {}
    if arguments.repeats is not None:
        if arguments.repeats < 1:
            raise SystemExit("--repeats must be at least 1")
        changes["repeats"] = arguments.repeats
    if arguments.budget is not None:
        changes["budget_seconds"] = arguments.budget
    if arguments.engines:
        keys = tuple(key.strip() for key in arguments.engines.split(",") if key.strip())
        for key in keys:
            try:
                engine_spec(key)
            except KeyError as error:
                raise SystemExit(str(error)) from None
        changes["engines"] = keys
    return dataclasses.replace(settings, **changes)


def environment(command: str, settings: Settings) -> dict[str, Any]:
    """The machine, the versions and the settings of this run."""
    import importlib.metadata

    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    versions = {}
    for package in ("autograd-core", "micrograd", "dezero", "torch", "numpy", "scikit-learn"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = "not installed"
    shown = {k: v for k, v in dataclasses.asdict(settings).items() if k != "engines"}
    return {
        "command": command,
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
        "settings": ", ".join(f"{k}={v}" for k, v in shown.items()),
        "load_before": _load(),
    }


def _load() -> str:
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "unknown"


def start_workers(keys: Sequence[str], skipped: dict[str, str]) -> dict[str, EngineWorker]:
    """A worker per engine; engines that cannot start are recorded in ``skipped``."""
    workers = {}
    for key in keys:
        try:
            workers[key] = EngineWorker(engine_spec(key))
            log(f"started {workers[key].label}")
        except EngineError as error:
            skipped[key] = str(error).splitlines()[0]
            log(f"skipped {key}: {skipped[key]}")
    return workers


def run(settings: Settings, skip: set[str], command: str) -> dict[str, Any]:
    """Every workload not in ``skip``; returns the results dict."""
    started = time.time()
    results: dict[str, Any] = {"environment": environment(command, settings), "skipped": {}}
    skipped: dict[str, str] = results["skipped"]
    wanted = settings.engines or tuple(spec.key for spec in ENGINES)
    available = []
    for key in wanted:
        missing = engine_spec(key).missing()
        if missing:
            skipped[key] = f"not installed ({', '.join(missing)}): {engine_spec(key).install}"
            log(f"skipped {key}: {skipped[key]}")
        else:
            available.append(key)
    workers = start_workers(available, skipped)

    def start_worker(key: str) -> EngineWorker:
        return EngineWorker(engine_spec(key))

    def taking_part(workload: str) -> dict[str, EngineWorker]:
        return {k: w for k, w in workers.items() if workload in engine_spec(k).workloads}

    try:
        if "w1" not in skip:
            problem = w1_problem(settings.w1_points)
            chosen = taking_part("w1")
            results["w1"] = run_w1(chosen, start_worker, problem, settings, log)
            workers.update(chosen)  # workers restarted after a timeout
        if "numerical" not in skip and CHECK_REFERENCE in workers:
            workers[CHECK_REFERENCE].call("load", problem=w1_problem(settings.w1_points))
            results["numerical"] = run_numerical(workers[CHECK_REFERENCE], settings, log)
        if "w4" not in skip:
            problem = w4_problem(settings.w4_images)
            chosen = taking_part("w4")
            results["w4"] = run_w4(chosen, start_worker, problem, settings, log)
            workers.update(chosen)
        if "w2" not in skip:
            chosen = taking_part("w2")
            results["w2"] = run_w2(chosen, start_worker, settings, log)
            workers.update(chosen)
    finally:
        for worker in workers.values():
            worker.close()
    if "w3" not in skip:
        keys = [k for k in workers if "w3" in engine_spec(k).workloads]
        results["w3"] = run_w3(
            start_worker,
            keys,
            w1_problem(settings.w1_points),
            settings,
            log,
        )
    if "compiled" not in skip and "compiled" in workers and settings.w4_images is None:
        log("The compiled mode's own targets (benchmarks/compiled.py)")
        with EngineWorker(engine_spec("compiled")) as worker:
            results["compiled_targets"] = worker.call("compiled_mode_targets")
    if "fashion" not in skip and "compiled" in workers:
        results["fashion"] = run_fashion(settings)
    results["environment"]["load_after"] = _load()
    results["environment"]["duration_seconds"] = time.time() - started
    return results


def fashion_plan(settings: Settings) -> tuple[int, int | None]:
    """(repeats, training images or None for all 60,000) of the ``fashion`` workload.

    A full run (W4 on all the digits) trains on every image; a ``--quick`` one
    on the first :data:`FASHION_QUICK_IMAGES`. ``--repeats`` can only lower the
    repeats: an epoch of every engine takes ~10-15 s.
    """
    full = settings.w4_images is None
    repeats = min(settings.repeats, FASHION_REPEATS if full else FASHION_QUICK_REPEATS)
    return repeats, None if full else FASHION_QUICK_IMAGES


def run_fashion(settings: Settings) -> dict[str, Any]:
    """One epoch of Fashion-MNIST per engine and repeat, in a worker of its own.

    Returns :func:`benchmarks.fashion_epoch.measure`'s dict, ``{"missing": ...}``
    without the files, or ``{"failed": ...}`` when the worker raised.
    """
    repeats, images = fashion_plan(settings)
    shown = "all" if images is None else f"the first {images:,}"
    log(f"fashion: one epoch of Fashion-MNIST ({shown} training images) per engine, "
        f"{repeats} repeat(s)")
    try:
        with EngineWorker(FASHION_WORKER) as worker:
            found: dict[str, Any] = worker.call(
                "measure", repeats=repeats, images=images, time_limit=180.0 * repeats + 120.0
            )
    except EngineError as error:
        message = str(error).splitlines()[0]
        log(f"fashion failed: {message}")
        return {"failed": message}
    if "missing" in found:
        log(f"fashion: not measured: {found['missing']}")
    return found


def write_report(
    results: dict[str, Any],
    output: Path | None,
    plot_path: Path = HERE / "ratios.png",
    json_path: Path = HERE / "results.json",
) -> str:
    """Print the report; unless ``output`` is None, write it, its plot and the results as JSON."""
    plot_name = None
    if output is not None:
        if plot_ratios(results, plot_path):
            plot_name = Path(os.path.relpath(plot_path, output.resolve().parent)).as_posix()
        json_path.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    text = markdown(results, plot_name)
    if output is not None:
        output.write_text(text, encoding="utf-8")
    print(text)
    return text


def _stop_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit, so that the worker processes are stopped too."""
    import signal

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    _stop_on_sigterm()
    if arguments.report_only:
        results = json.loads((HERE / "results.json").read_text(encoding="utf-8"))
        write_report(results, None if arguments.no_write else arguments.output)
        return 0
    settings = make_settings(arguments)
    skip = {name.strip().lower() for name in arguments.skip.split(",") if name.strip()}
    unknown = skip - set(WORKLOADS)
    if unknown:
        raise SystemExit(f"--skip: unknown workload(s) {', '.join(sorted(unknown))}")
    given = sys.argv[1:] if argv is None else list(argv)
    command = "python -m benchmarks" + "".join(f" {a}" for a in given)
    results = run(settings, skip, command)
    if arguments.note:
        results["environment"]["note"] = arguments.note
    write_report(results, None if arguments.no_write else arguments.output)
    if arguments.no_write:
        log("--no-write: nothing written")
    else:
        log(f"wrote {arguments.output}, {HERE / 'ratios.png'} and {HERE / 'results.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
