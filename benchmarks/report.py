"""Turning results into tables, a plot and BENCHMARKS.md.

Everything here reads the plain results dict made by ``benchmarks.__main__``
(also saved as ``benchmarks/results.json``), so the report can be written
again from saved results without re-running anything
(``python -m benchmarks --report-only``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.engines import CHECK_REFERENCE, ENGINES, OFF, ON, PAUSED, engine_spec, reference_of
from benchmarks.measure import paired_ratio

#: Issue 15's targets (and issue 6's PyTorch one), as ratios.
W1_MICROGRAD_TARGET = 25.0  # both at default settings
W1_MICROGRAD_OFF_TARGET = 5.0  # both with the collector off
W1_TAPE_TARGET = 1.5  # ours / the pure-Python tape, both with the collector off
W1_TORCH_TARGET = 10.0
W2_FLAT_TARGET = 1.3  # ns per link at the largest N / at the smallest, collector on
W3_BYTES_PER_NODE_TARGET = 120.0  # RSS, the 1,000,000-link chain
COMPILED_NUMPY_TARGET = 1.5  # compiled forward + backward / hand-written NumPy
COMPILE_SECONDS_TARGET = 0.5  # CPU seconds to compile a 100,000-node graph
FASHION_TORCH_TARGET = 1.5  # compiled epoch / PyTorch CPU's (float32, its default dtype)
#: The float64 engines' final test losses must agree to this (relative).
FASHION_LOSS_TOLERANCE = 1e-9

SETTING_NAMES = {ON: "on (default)", OFF: "off", PAUSED: "paused per step"}


def title(key: str) -> str:
    """The report's name for an engine key."""
    for spec in ENGINES:
        if spec.key == key:
            return spec.title
    return key


def seconds(value: float | None) -> str:
    """A duration with a unit that keeps 3 significant digits: 1.23 s, 45.6 ms, 789 us."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if value >= 1.0:
        return f"{value:.3g} s"
    if value >= 1e-3:
        return f"{value * 1e3:.3g} ms"
    return f"{value * 1e6:.3g} us"


def spread(summary: dict[str, float] | None, scale: float = 1.0, unit: str = "s") -> str:
    """``median [min-max]`` of a summary, as durations (or plain numbers with ``unit=""``)."""
    if not summary:
        return "-"
    if unit == "s":
        parts = [seconds(summary[k] * scale) for k in ("median", "low", "high")]
    else:
        parts = [f"{summary[k] * scale:.3g}" for k in ("median", "low", "high")]
    if summary.get("count", 1) <= 1:
        return parts[0]
    return f"{parts[0]} [{parts[1]} - {parts[2]}]"


def ratio(summary: dict[str, float] | None) -> str:
    """A ratio with its spread: ``31.2x [29.8 - 33.0]``."""
    if not summary:
        return "-"
    text = f"{summary['median']:.3g}x"
    if summary.get("count", 1) > 1:
        text += f" [{summary['low']:.3g} - {summary['high']:.3g}]"
    return text


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table (it reads well in a terminal too)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _median(entry: dict[str, Any], phase: str) -> float | None:
    summary = entry["times"].get(phase)
    return None if summary is None else summary["median"]


# ----- W1 -------------------------------------------------------------------------------
def _ordered(keys: Sequence[str]) -> list[str]:
    """``keys`` in the order of :data:`ENGINES` (unknown keys last)."""
    order = [spec.key for spec in ENGINES]
    return sorted(keys, key=lambda k: order.index(k) if k in order else len(order))


def _setting(key: str) -> str:
    try:
        return SETTING_NAMES[engine_spec(key).collector]
    except KeyError:
        return "-"


def _versus(key: str) -> str:
    """What the ratio column divides by, for the row of ``key``."""
    reference = reference_of(key)
    return "1x" if reference == key else title(reference)


def w1_table(w1: dict[str, Any]) -> str:
    header = [
        "engine", "collector", "nodes per step", "forward", "backward", "step (CPU)",
        "step (wall)", "ns/node forward", "ns/node backward", "GC share",
        "time / autograd_core at the same setting",
    ]
    rows = []
    stopped = w1.get("stopped_later", {})
    for key in _ordered(list(w1["engines"])):
        entry = w1["engines"][key]
        nodes = entry["nodes"]
        times = entry["times"]
        forward, backward = _median(entry, "forward"), _median(entry, "backward")
        per_node = (
            (f"{forward / nodes * 1e9:,.0f}", f"{backward / nodes * 1e9:,.0f}")
            if nodes and forward is not None and backward is not None
            else ("-", "-")
        )
        ratio_text = ratio(w1["ratios"].get(key))
        if engine_spec(key).collector == PAUSED and ratio_text != "-":
            ratio_text += " (vs collector off)"
        rows.append([
            title(key) + (f" (a later repeat {stopped[key]}; stopped)" if key in stopped else ""),
            _setting(key),
            f"{nodes:,}" if nodes else "-",
            spread(times.get("forward") or times.get("forward_backward")),
            spread(times.get("backward")) if "backward" in times else "(with forward)",
            spread(times.get("step")),
            spread(times.get("step_wall")),
            *per_node,
            f"{entry['collector_share']:.0%}",
            ratio_text,
        ])
    for key, why in w1.get("timed_out", {}).items():
        rows.append([title(key), _setting(key), "-", "-", "-", f"a step {why}; stopped",
                     *["-"] * 5])
    return table(header, rows)


def _faster(summary: dict[str, float] | None) -> str:
    if not summary:
        return "not measured"
    text = f"{summary['median']:.3g}x"
    if summary.get("count", 1) > 1:
        text += f" [{summary['low']:.3g} - {summary['high']:.3g}]"
    return text


def headline_table(workload: dict[str, Any], figure: str) -> str:
    """Like for like: at default settings and with the collector off, each peer vs this project."""
    per_repeat = workload["per_repeat"]
    header = ["collector", "engine", figure, "its time / autograd_core's (same setting)"]
    rows = []
    for setting in (ON, OFF):
        ours = reference_of_setting(setting)
        for key in _ordered(list(workload["engines"])):
            spec = engine_spec(key)
            if spec.collector != setting or key in ("compiled", "numpy"):
                continue
            entry = workload["engines"][key]
            summary = entry["times"]["step"] if "times" in entry else entry["epoch"]
            rows.append([
                SETTING_NAMES[setting], title(key), spread(summary),
                "1x" if key == ours else _faster(paired_ratio(per_repeat, key, ours)),
            ])
    return table(header, rows)


def reference_of_setting(setting: str) -> str:
    """This project's engine key at collector ``setting``."""
    return next(
        spec.key for spec in ENGINES
        if spec.collector == setting and reference_of(spec.key) == spec.key
    )


def w1_targets(w1: dict[str, Any]) -> list[tuple[str, str, bool | None]]:
    """(target, measured, met) for the W1 targets: paired ratios, like for like."""
    per_repeat = w1["per_repeat"]
    found: list[tuple[str, str, bool | None]] = []

    def at_least(slow: str, fast: str, target: float, setting: str) -> None:
        summary = paired_ratio(per_repeat, slow, fast)
        if summary is None:
            return
        found.append((
            f"W1, collector {setting}: autograd_core at least {target:g}x faster than "
            f"{title(slow)}",
            f"{_faster(summary)} (its time / ours)",
            summary["median"] >= target,
        ))

    at_least("micrograd", "autograd_core", W1_MICROGRAD_TARGET, "on (both)")
    at_least("micrograd_off", "autograd_core_off", W1_MICROGRAD_OFF_TARGET, "off (both)")
    at_least("torch", "autograd_core", W1_TORCH_TARGET, "on (both)")
    at_least("torch_off", "autograd_core_off", W1_TORCH_TARGET, "off (both)")
    tape = paired_ratio(per_repeat, "autograd_core_off", "tape_off")
    if tape is not None:
        found.append((
            f"W1, collector off (both): autograd_core within {W1_TAPE_TARGET:g}x of the "
            "pure-Python tape",
            f"{_faster(tape)} (our time / the tape's)",
            tape["median"] <= W1_TAPE_TARGET,
        ))
    return found


# ----- numerical gradient ---------------------------------------------------------------
def numerical_text(numerical: dict[str, Any], w1: dict[str, Any] | None) -> str:
    total = numerical["parameters_total"]
    done = numerical["parameters_done"]
    all_seconds = numerical["numerical_cpu_all"]
    backward = numerical["backward_cpu"]
    forward = numerical["forward_cpu"]
    lines = [
        f"Central differences (E(w + h) - E(w - h)) / 2h for all {total} parameters of W1 "
        f"need {2 * total} forward passes (under `no_grad()`): **{seconds(all_seconds)}**"
        + (f" (measured on the first {done} parameters and scaled up)" if done < total else "")
        + f". One forward pass that records the graph took {seconds(forward)} and one backward "
        f"pass {seconds(backward)}, which give every gradient at once:",
        "",
        f"* numerical gradient / one backward pass: **{all_seconds / backward:,.0f}x**",
        "* numerical gradient / (forward + backward): "
        f"**{all_seconds / (forward + backward):,.0f}x**",
    ]
    if w1 and CHECK_REFERENCE in w1["engines"]:
        entry = w1["engines"][CHECK_REFERENCE]
        f_med, b_med = _median(entry, "forward"), _median(entry, "backward")
        if f_med and b_med:
            lines.append(
                f"* with W1's median forward and backward instead: **{all_seconds / b_med:,.0f}x** "
                f"and **{all_seconds / (f_med + b_med):,.0f}x**"
            )
    lines += [
        "",
        f"The two gradients agree: largest difference {numerical['worst_relative_difference']:.1e} "
        "of the largest gradient.",
    ]
    return "\n".join(lines)


# ----- W4 -------------------------------------------------------------------------------
def w4_table(w4: dict[str, Any]) -> str:
    header = ["engine", "collector", "one epoch (CPU)", "batches timed",
              "time / autograd_core at the same setting"]
    rows = []
    total = w4["problem"]["batches"]
    stopped = w4.get("stopped_later", {})
    for key in _ordered(list(w4["engines"])):
        entry = w4["engines"][key]
        measured = entry["batches_measured"]
        note = f"{measured} of {total}, scaled up" if measured < total else f"all {total}"
        if key in stopped:  # one row per engine: the repeats it finished, and why it stopped
            note += f"; a later repeat {stopped[key]}, stopped"
        rows.append([title(key), _setting(key), spread(entry["epoch"]), note,
                     ratio(w4["ratios"].get(key))])
    for key, why in w4.get("timed_out", {}).items():
        rows.append([title(key), _setting(key), f"one mini-batch {why}; stopped", "0", "-"])
    return table(header, rows)


# ----- W2 -------------------------------------------------------------------------------
def w2_table(w2: dict[str, Any]) -> str:
    links = w2["links"]
    header = ["engine", *(f"N = {n:,}: seconds (ns per link)" for n in links)]
    keys: list[str] = []
    for size in w2["sizes"].values():
        keys += [k for k in size if k not in keys]
    keys += [k for k in w2["failures"] if k not in keys]
    keys = _ordered(keys)
    rows = []
    for key in keys:
        cells = []
        failure = w2["failures"].get(key)
        for n in links:
            entry = w2["sizes"][str(n)].get(key)
            if entry:
                step = entry["times"]["step"]
                cells.append(f"{spread(step)} ({step['median'] / n * 1e9:,.0f})")
            elif failure and n >= failure["links"]:
                cells.append(
                    "fails: " + failure["failure"].split(" (")[0]
                    if n == failure["links"]
                    else "not run (fails at smaller N)"
                )
            else:
                cells.append("-")
        rows.append([title(key), *cells])
    return table(header, rows)


def w2_flatness(w2: dict[str, Any], key: str = CHECK_REFERENCE) -> tuple[str, bool | None]:
    """ns per link at every N (medians); met when the largest N costs at most 1.3x the smallest.

    This is a growth factor of one engine across sizes, not a ratio between
    engines, so it is the ratio of the two medians.
    """
    links = w2["links"]
    per_link = []
    for n in links:
        entry = w2["sizes"][str(n)].get(key)
        if not entry:
            return "not measured", None
        per_link.append(entry["times"]["step"]["median"] / n)
    growth = per_link[-1] / per_link[0]
    text = ", ".join(f"{t * 1e9:,.0f}" for t in per_link)
    sizes = ", ".join(f"{n:,}" for n in links)
    return f"{text} ns/link at N = {sizes} (x{growth:.2f})", growth <= W2_FLAT_TARGET


# ----- W3 -------------------------------------------------------------------------------
def w3_table(w3: dict[str, Any]) -> str:
    links = w3["links"]
    header = [
        "engine", "nodes per link", "bytes per node (tracemalloc)", "bytes per link (tracemalloc)",
        "bytes per link (RSS)", "left after `del` (tracemalloc)", "left after gc.collect()",
    ]
    rows = []
    for key, entry in w3["chains"].items():
        traced, rss = entry["tracemalloc"], entry["rss"]
        rss_per_link = (
            f"{(rss['alive'] - rss['before']) / links:,.0f}" if rss["alive"] is not None else "-"
        )
        if key == "torch":
            # Its tensors and autograd nodes live in C++ memory that tracemalloc cannot see.
            traced_cells = ["not visible to tracemalloc"] + ["-"] * 3
        else:
            held = traced["alive"] - traced["before"]
            per_link = held / links
            per_node = per_link / entry["nodes_per_link"] if entry["nodes_per_link"] else math.nan
            traced_cells = [
                f"{per_node:,.0f}",
                f"{per_link:,.0f}",
                f"{(traced['dropped'] - traced['before']) / held:.0%}",
                f"{(traced['collected'] - traced['before']) / held:.0%}",
            ]
        rows.append([
            title(key),
            f"{entry['nodes_per_link']:.3g}",
            *traced_cells[:2],
            rss_per_link,
            *traced_cells[2:],
        ])
    return table(header, rows)


def growth_text(w3: dict[str, Any]) -> str:
    lines = []
    for key, growth in w3["growth"].items():
        blocks, rss = growth["blocks"], growth["rss"]
        steps = len(blocks)
        block_change = blocks[-1] - blocks[0]
        text = (
            f"* {title(key)}: {steps} training steps (W1) with the garbage collector switched off: "
            f"Python's allocated blocks went from {blocks[0]:,} after step 1 to {blocks[-1]:,} "
            f"after step {steps} ({block_change:+,}, "
            f"{block_change / max(steps - 1, 1):+,.0f} per step)"
        )
        if rss[0] is not None:
            text += f"; resident memory {(rss[-1] - rss[0]) / 2**20:+,.1f} MiB"
        lines.append(text + ".")
    return "\n".join(lines)


def w3_targets(w3: dict[str, Any]) -> list[tuple[str, str, bool | None]]:
    found: list[tuple[str, str, bool | None]] = []
    chains = w3["chains"]
    if CHECK_REFERENCE in chains and "micrograd" in chains:

        def per_node(key: str) -> float:
            entry = chains[key]
            traced = entry["tracemalloc"]
            return (traced["alive"] - traced["before"]) / w3["links"] / entry["nodes_per_link"]

        ours, theirs = per_node(CHECK_REFERENCE), per_node("micrograd")
        found.append((
            "W3: fewer bytes per node than micrograd",
            f"{ours:,.0f} vs {theirs:,.0f} bytes per node",
            ours < theirs,
        ))
    target_chain = w3.get("target_chain")
    if target_chain and target_chain["rss"]["alive"] is not None:
        rss = target_chain["rss"]
        nodes = target_chain["links"] * target_chain["nodes_per_link"]
        per_node = (rss["alive"] - rss["before"]) / nodes
        found.append((
            f"W3: at most {W3_BYTES_PER_NODE_TARGET:g} bytes per node (RSS) on a chain of "
            f"{target_chain['links']:,} links",
            f"{per_node:,.0f} bytes per node ({target_chain['nodes_per_link']:g} nodes per link)",
            per_node <= W3_BYTES_PER_NODE_TARGET,
        ))
    growth = w3["growth"].get(CHECK_REFERENCE)
    if growth:
        blocks = growth["blocks"]
        per_step = (blocks[-1] - blocks[0]) / max(len(blocks) - 1, 1)
        found.append((
            f"W3: no memory growth across {len(blocks)} training steps",
            f"{per_step:+,.1f} allocated blocks per step with the collector off",
            abs(per_step) < 50,
        ))
    return found


# ----- Fashion-MNIST ---------------------------------------------------------------------
#: The ``fashion`` workload's engines, in the report's words.
FASHION_TITLES = {
    "compiled": "autograd_core compiled (`fit(..., compiled=True)`, float64)",
    "numpy": "NumPy by hand (float64)",
    "torch float64": "PyTorch, batched float64 tensors",
    "torch float32": "PyTorch, batched float32 tensors (its default dtype)",
}
#: The float64 engines, which follow the same arithmetic.
FASHION_FLOAT64 = ("compiled", "numpy", "torch float64")
#: Short names for running text.
FASHION_SHORT = {
    "compiled": "compiled mode", "numpy": "NumPy by hand", "torch float64": "PyTorch float64",
    "torch float32": "PyTorch float32",
}
FASHION_NOT_INSTALLED = "PyTorch is not installed (pip install torch==2.13.0)"


def _fashion_size(fashion: dict[str, Any]) -> str:
    problem = fashion["problem"]
    train, full = problem["train_images"], problem["full_train_images"]
    if train < full:
        return f"the first {train:,} of the {full:,} training images (a subset, as `--quick` runs)"
    return f"all {train:,} training images"


def fashion_loss_check(fashion: dict[str, Any]) -> str:
    """Whether the float64 engines ended with the same test loss (they ran the same training)."""
    engines = fashion["engines"]
    present = [k for k in FASHION_FLOAT64 if k in engines]
    reference = engines["compiled"]["test_loss"]
    worst = max(
        abs(engines[k]["test_loss"] - reference) / max(abs(reference), 1e-300) for k in present
    )
    names = ", ".join(FASHION_SHORT.get(k, k) for k in present)
    if worst <= FASHION_LOSS_TOLERANCE:
        text = (
            f"The float64 engines ({names}) ended with the same test loss, {reference:.12f} "
            f"(largest relative difference {worst:.1e}, tolerance {FASHION_LOSS_TOLERANCE:g}): "
            "they ran the same training."
        )
    else:
        text = (
            f"**The float64 engines ({names}) did not end with the same test loss**: largest "
            f"relative difference {worst:.1e} from the compiled mode's {reference:.12f} "
            f"(tolerance {FASHION_LOSS_TOLERANCE:g})."
        )
    if "torch float32" in engines:
        single = engines["torch float32"]["test_loss"]
        text += (
            f" PyTorch float32 ended at {single:.12f} "
            f"({abs(single - reference) / max(abs(reference), 1e-300):.1e} relative: float32 "
            "rounding)."
        )
    return text


def fashion_text(fashion: dict[str, Any]) -> str:
    """The section: what ran, the table, the loss check, compiled against PyTorch."""
    if "missing" in fashion:
        return f"Not measured: {fashion['missing']}."
    if "failed" in fashion:
        return f"Not measured: the run failed ({fashion['failed']})."
    problem, engines = fashion["problem"], fashion["engines"]
    setup = engines["compiled"].get("setup_cpu")
    lines = [
        f"MLP {'-'.join(map(str, problem['sizes']))} ({problem['activation']}), the mean softmax "
        f"cross-entropy of each mini-batch, {_fashion_size(fashion)} in {problem['batches']:,} "
        f"mini-batches of {problem['batch_size']}, Adam (lr {problem['learning_rate']:g}, betas "
        f"{tuple(problem['betas'])}, eps {problem['eps']:g}); test accuracy on the "
        f"{problem['test_images']:,} test images. Every engine starts from the same weights "
        "(`nn.MLP(784, [64, 10], activation=\"relu\", seed=0)`) and sees the same mini-batches "
        "in the same order (`fit`'s shuffle, seed 0). Each of the "
        f"{problem['repeats']} repeat(s) trains every engine for one epoch, in an order that "
        "rotates from repeat to repeat, all in one worker process on one core (one BLAS "
        "thread, `torch.set_num_threads(1)`); the figure is the CPU time of the epoch's "
        "mini-batches, median [min - max] of the repeats, and the ratio is the median of the "
        "ratios within each repeat. The compiled mode's tracing and compiling (and its test "
        "evaluation) are outside the epoch"
        + (f": {spread(setup)} CPU per run." if setup else ".")
        + (
            " A subset's epoch is not the full one scaled down (the batches are gathered "
            "from a smaller array), so its ratios only approximate the full run's."
            if problem["train_images"] < problem["full_train_images"] else ""
        ),
        "",
    ]
    rows = []
    for key in [k for k in FASHION_TITLES if k in engines] + [
        k for k in engines if k not in FASHION_TITLES
    ]:
        entry = engines[key]
        rows.append([
            FASHION_TITLES.get(key, key), spread(entry["epoch"]),
            "1x" if key == "compiled" else ratio(paired_ratio(fashion["per_repeat"], key, "compiled")),
            f"{entry['test_accuracy']:.2%}",
        ])
    lines += [
        table(["engine", "s / epoch (CPU)", "its time / the compiled mode's", "test accuracy"], rows),
        "",
        fashion_loss_check(fashion),
        "",
        fashion_versus_torch(fashion) + ".",
    ]
    return "\n".join(lines)


def fashion_versus_torch(fashion: dict[str, Any]) -> str:
    """The compiled mode's time / PyTorch's, against float32 (the headline) and float64."""
    if "torch float32" not in fashion["engines"]:
        return f"Compiled / PyTorch: not measured: {FASHION_NOT_INSTALLED}"
    per_repeat = fashion["per_repeat"]
    single = paired_ratio(per_repeat, "compiled", "torch float32")
    double = paired_ratio(per_repeat, "compiled", "torch float64")
    return (
        f"Compiled / PyTorch float32 (PyTorch's default dtype: what \"PyTorch CPU\" means): "
        f"**{_faster(single)}**; compiled / PyTorch float64 (like for like in precision): "
        f"{_faster(double)}"
    )


def fashion_target(fashion: dict[str, Any] | None) -> tuple[str, str, bool | None]:
    """The Targets row: met or not met on the ratio to PyTorch float32, with float64 beside it."""
    target = (
        f"One epoch of Fashion-MNIST: compiled at most {FASHION_TORCH_TARGET:g}x PyTorch CPU "
        "(same architecture, weights and batches)"
    )
    if fashion is None:
        return (target, "not measured in this run (`--skip fashion`, or saved results from "
                "before this workload)", None)
    if "missing" in fashion:
        return target, f"not measured: {fashion['missing']}", None
    if "failed" in fashion:
        return target, f"not measured: the run failed ({fashion['failed']})", None
    compiled = fashion["engines"]["compiled"]["epoch"]
    if "torch float32" not in fashion["engines"]:
        return (target, f"not measured: {FASHION_NOT_INSTALLED}; the compiled epoch took "
                f"{spread(compiled)} CPU", None)
    per_repeat = fashion["per_repeat"]
    single = paired_ratio(per_repeat, "compiled", "torch float32")
    double = paired_ratio(per_repeat, "compiled", "torch float64")
    if single is None:
        return target, "not measured: the two never ran in the same repeat", None
    met = single["median"] <= FASHION_TORCH_TARGET
    verdict = "met" if met else "not met"
    sign = "<=" if met else ">"
    return (
        target,
        f"compiled time / PyTorch's: **{_faster(single)} against float32** (PyTorch's default "
        f"dtype: what \"PyTorch CPU\" means), {_faster(double)} against float64 (like for like "
        f"in precision); CPU, compiled {seconds(compiled['median'])} per epoch of "
        f"{_fashion_size(fashion)}, {fashion['problem']['repeats']} repeat(s). Decided on "
        f"float32: {verdict} ({single['median']:.3g}x {sign} {FASHION_TORCH_TARGET:g}x)",
        met,
    )


# ----- the plot -------------------------------------------------------------------------
def plot_ratios(results: dict[str, Any], path: Path) -> bool:
    """Bars of time relative to this project at the same setting (log scale).

    False if matplotlib is missing or there is nothing to draw.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    groups: list[tuple[str, dict[str, float]]] = []
    for name, label in (("w1", "W1 step"), ("w4", "W4 epoch")):
        if name not in results:
            continue
        ratios = results[name]["ratios"]
        for setting in (ON, OFF):
            chosen = {
                k: v["median"] for k, v in ratios.items()
                if engine_spec(k).collector == setting
            }
            if chosen:
                groups.append((f"{label}, collector {SETTING_NAMES[setting]}", chosen))
    if not groups:
        return False
    keys = _ordered(list({k for _, g in groups for k in g}))
    by_engine = {
        key: key.removesuffix("_off") for key in keys
    }  # an engine and its collector-off twin share a colour
    names = list(dict.fromkeys(by_engine.values()))
    figure, axes = plt.subplots(figsize=(10, 1.2 + 1.1 * len(groups)))
    height = 0.8 / max(len(names), 1)
    colors = plt.get_cmap("tab10")
    for index, name in enumerate(names):
        positions, values = [], []
        for g, (_, group) in enumerate(groups):
            for key, value in group.items():
                if by_engine[key] == name:
                    positions.append(g + index * height)
                    values.append(value)
        axes.barh(positions, values, height=height, label=title(name), color=colors(index))
    axes.set_xscale("log")
    axes.axvline(1.0, color="black", linewidth=0.8)
    axes.set_yticks([g + 0.4 - height / 2 for g in range(len(groups))])
    axes.set_yticklabels([name for name, _ in groups])
    axes.invert_yaxis()
    axes.set_xlabel("time / autograd_core's at the same collector setting "
                    "(median of paired ratios, log scale)")
    axes.set_title("Like for like: bars right of 1 are slower than autograd_core")
    axes.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


# ----- the whole document -----------------------------------------------------------------
def compiled_targets(results: dict[str, Any]) -> list[tuple[str, str, bool | None]]:
    """The compiled mode's targets measured by ``benchmarks/compiled.py``."""
    found: list[tuple[str, str, bool | None]] = []
    targets = results.get("compiled_targets")
    if not targets:
        return found
    w1 = targets["w1"]
    found.append((
        f"W1 compiled forward + backward at most {COMPILED_NUMPY_TARGET:g}x hand-written NumPy",
        f"{_faster(w1['compiled_vs_numpy'])} (compiled time / NumPy's, `benchmarks/compiled.py`)",
        w1["compiled_vs_numpy"]["median"] <= COMPILED_NUMPY_TARGET,
    ))
    digits = targets["digits"]
    if "compiled_vs_torch" in digits:
        summary = digits["compiled_vs_torch"]
        found.append((
            "Digits 64-32-10, 3 epochs with Adam: compiled training no slower than PyTorch "
            "float64 batched tensors (same weights and batches)",
            f"{_faster(summary)} (compiled time / PyTorch's); test accuracy "
            f"{digits['test_accuracy']:.1%} vs {digits['torch_test_accuracy']:.1%}",
            summary["median"] <= 1.0 and digits["test_accuracy"] >= 0.95,
        ))
    else:
        found.append(("Digits: compiled training no slower than PyTorch float64",
                      "not measured (PyTorch not installed)", None))
    big = targets["compile"]
    found.append((
        f"Compiling a {big['nodes']:,.0f}-node graph in under {COMPILE_SECONDS_TARGET:g} s (CPU)",
        f"{big['compile_cpu_seconds']:.2f} s with the default checks "
        f"({big['compile_cpu_seconds_unverified']:.2f} s with verify=False)",
        big["compile_cpu_seconds"] < COMPILE_SECONDS_TARGET,
    ))
    return found


def targets_table(results: dict[str, Any]) -> str:
    found: list[tuple[str, str, bool | None]] = []
    if "w1" in results:
        found += w1_targets(results["w1"])
    if "w2" in results:
        w2 = results["w2"]
        largest = w2["links"][-1]
        ours = w2["sizes"][str(largest)].get(CHECK_REFERENCE)
        failed = w2["failures"].get(CHECK_REFERENCE)
        found.append((
            f"W2: N = {largest:,} with no recursion error",
            "ran" if ours and not failed else f"failed: {failed['failure'] if failed else '-'}",
            bool(ours and not failed),
        ))
        if CHECK_REFERENCE in w2["sizes"][str(w2["links"][0])]:
            target = (f"W2, collector on: time per link flat, at most x{W2_FLAT_TARGET:g} "
                      f"from the shortest chain to the longest")
            found.append((target, *w2_flatness(w2, CHECK_REFERENCE)))
    if "w3" in results:
        found += w3_targets(results["w3"])
    found += compiled_targets(results)
    found.append(fashion_target(results.get("fashion")))
    rows = [
        [target, measured, "not measured" if met is None else ("met" if met else "**not met**")]
        for target, measured, met in found
    ]
    return table(["target", "measured", "met?"], rows)


def environment_text(environment: dict[str, Any]) -> str:
    versions = ", ".join(f"{name} {version}" for name, version in environment["versions"].items())
    load_before, load_after = environment["load_before"], environment["load_after"]
    lines = [
        f"* command: `{environment['command']}`",
        f"* date: {environment['date']}; "
        f"run took {environment['duration_seconds'] / 60:.1f} minutes",
        f"* machine: {environment['cpu']}, {environment['cores']} cores, {environment['platform']}",
        f"* load average (1 min) before and after the run: {load_before} and {load_after} "
        "(other programs were running; CPU time is what each engine spent itself, and the "
        "ratios are paired within each repeat)",
        f"* Python {environment['python']}; {versions}",
        f"* settings: {environment['settings']}",
    ]
    if environment.get("note"):
        lines.append(f"* note: {environment['note']}")
    return "\n".join(lines)


def markdown(results: dict[str, Any], plot_name: str | None) -> str:
    """The whole BENCHMARKS.md."""
    environment = results["environment"]
    parts = [
        "# Benchmarks",
        "",
        "This file is written by `python -m benchmarks` (run from the repository root with the "
        '`bench` extra installed: `pip install -e ".[bench]"`; PyTorch is optional: '
        "`pip install torch==2.13.0`). Every engine runs in its own worker process, the engines "
        "take turns, and every figure is the median of the repeats with the min-max spread in "
        "brackets. Times are CPU seconds of the engine's process, on one core. **One definition "
        "of a ratio**: engine A against engine B is the median, with the min-max spread, of A's "
        "time / B's time within each repeat (the two ran one after the other), and every "
        "engine is compared with this project **at the same collector setting**: both at "
        "Python's defaults, or both with the cyclic garbage collector off.",
        "",
        "## The run",
        "",
        environment_text(environment),
        "",
    ]
    headline = []
    if "w1" in results:
        headline += ["W1, micrograd's demo step:", "",
                     headline_table(results["w1"], "step (CPU)"), ""]
    if "w4" in results:
        headline += ["W4, one epoch on the digits:", "",
                     headline_table(results["w4"], "one epoch (CPU)"), ""]
    if headline:
        parts += [
            "## Headline: like for like",
            "",
            "Each engine at Python's default settings against this project at default "
            "settings, and each engine with the collector off against this project with the "
            "collector off. `collector_paused()` (how `nn.fit` runs a step) is not a headline: it "
            "has its own row in the tables below, compared with the collector off. With the "
            "collector off, the reference cycles of micrograd's graphs are freed by one "
            "`gc.collect()` after each block of timed steps, outside the timed region.",
            "",
            *headline,
        ]
    parts += ["## Targets", "", targets_table(results), ""]
    if plot_name:
        parts += [f"![time relative to autograd_core at the same setting]({plot_name})", ""]
    if "w1" in results:
        w1 = results["w1"]
        problem = w1["problem"]
        loss = (
            f"micrograd's demo loss: the hinge loss `(1 + -y * score).relu()` averaged over the "
            f"points plus the L2 term {problem.get('l2_alpha', 0):g} * sum of p**2; SGD with "
            f"the demo's rate (1.0 - 0.9 * k / {problem.get('decay_steps', 100)} at step k)"
            if problem.get("loss") == "hinge_l2"
            else f"mean squared error; SGD with learning rate {problem['learning_rate']}"
        )
        parts += [
            "## W1: micrograd's demo step",
            "",
            f"MLP {'-'.join(map(str, problem['sizes']))} (relu hidden layers, linear output, "
            f"{problem['parameters']} parameters) on {problem['points']} points of the two moons "
            f"(targets -1 and +1); {loss}. A step is forward (graph and loss), backward (zero the "
            "gradients, backpropagate), the update, and dropping the graph. All engines start "
            "from the same weights.",
            "",
            w1_table(w1),
            "",
            W1_NOTES,
            "",
            agreement_text(w1["check"]),
            "",
        ]
    if "numerical" in results:
        parts += [
            "## Numerical gradient vs backpropagation (W1's parameters)",
            "",
            numerical_text(results["numerical"], results.get("w1")),
            "",
        ]
    if "w4" in results:
        w4 = results["w4"]
        problem = w4["problem"]
        parts += [
            "## W4: one epoch on the 8x8 digits",
            "",
            f"MLP {'-'.join(map(str, problem['sizes']))} (relu hidden layer, linear outputs), mean "
            f"squared error against one-hot targets (micrograd has no exp or log, so no softmax), "
            f"{problem['images']:,} training images in {problem['batches']} mini-batches of "
            f"{problem['batch_size']}, SGD with learning rate {problem['learning_rate']}.",
            "",
            w4_table(w4),
            "",
            agreement_text(w4["check"]),
            "",
        ]
    if "w2" in results:
        parts += [
            "## W2: a deep chain",
            "",
            "x -> x * 1.0001 + 0.0001, N times, then backward: forward, backward and dropping the "
            "graph, every engine at Python's default settings except the paused row. micrograd's "
            "topological sort is recursive: at the default recursion limit it fails; the row "
            "below it raises the limit (to 10 million) and runs backward in a thread with a 1 GiB "
            "stack, which is what it takes. The NumPy row is the same loop in plain Python floats "
            "with the derivative multiplied out by hand (a chain cannot be vectorised).",
            "",
            w2_table(results["w2"]),
            "",
        ]
    if "w3" in results:
        w3 = results["w3"]
        parts += [
            "## W3: memory",
            "",
            f"A chain of {w3['links']:,} links (each link: a multiply, an add and, in the engines "
            "that wrap numbers, two constant leaves). *tracemalloc* counts the bytes Python "
            "allocates (exact; PyTorch's C++ tensors are invisible to it, so its RSS column is the "
            "one to read); RSS is the process's resident memory. \"Left after `del`\" is the share "
            "of the graph's memory still held right after the last reference is dropped, before "
            "any garbage collection.",
            "",
            w3_table(w3),
            "",
            growth_text(w3),
            "",
        ]
    if "compiled_targets" in results:
        parts += ["## The compiled batch mode's own targets", "", compiled_text(results), ""]
    if "fashion" in results:
        parts += [
            "## One epoch of Fashion-MNIST: the compiled mode against PyTorch and NumPy", "",
            fashion_text(results["fashion"]), "",
        ]
    if "skipped" in results and results["skipped"]:
        parts += ["## Engines not run", ""]
        parts += [f"* {title(k)}: {why}" for k, why in results["skipped"].items()]
        parts.append("")
    parts += [WHERE_THE_TIME_GOES.format(**gc_figures(results)), ""]
    return "\n".join(parts)


def agreement_text(check: dict[str, Any]) -> str:
    engines = check["engines"]
    worst = max((e["difference"] for e in engines.values()), default=0.0)
    return (
        f"Before timing, every engine computed the loss and gradients of the same samples from "
        f"the same weights; the largest difference from {title(check['reference'])} was "
        f"{worst:.1e} of the largest gradient (tolerance 1e-12)."
        + "".join(
            f" **{title(k)} disagreed ({e['difference']:.1e}) and was not timed.**"
            for k, e in engines.items()
            if not e["agrees"]
        )
    )


def compiled_text(results: dict[str, Any]) -> str:
    targets = results["compiled_targets"]
    w1, digits, big = targets["w1"], targets["digits"], targets["compile"]
    lines = [
        "From `benchmarks/compiled.py`, in one process, CPU time, ratios paired within each "
        "round:",
        "",
        "* W1 (the same problem as above) forward + backward: compiled "
        f"{seconds(w1['compiled_seconds'])}, "
        f"hand-written NumPy {seconds(w1['numpy_seconds'])}, plain engine "
        f"{seconds(w1['plain_seconds'])}; compiled / NumPy {_faster(w1['compiled_vs_numpy'])} "
        f"(target <= {COMPILED_NUMPY_TARGET:g}x), plain / compiled "
        f"{_faster(w1['plain_vs_compiled'])} (target >= 300x); gradients equal to "
        f"{w1['max_relative_gradient_difference']:.1e}",
        f"* digits, {digits['epochs']:.0f} epochs in batches of {digits['batch_size']:.0f} with "
        f"Adam: compiled training {seconds(digits['compiled_seconds'])}, "
        f"{digits['test_accuracy']:.1%} test accuracy (compiled in "
        f"{seconds(digits['compile_cpu_seconds'])})",
    ]
    if "torch_seconds" in digits:
        lines.append(
            f"* the same training in PyTorch float64 (`torch.nn.Linear`, `torch.optim.Adam`, the "
            f"same weights and batches): {seconds(digits['torch_seconds'])}, "
            f"{digits['torch_test_accuracy']:.1%} test accuracy; compiled / PyTorch "
            f"{_faster(digits['compiled_vs_torch'])}"
        )
    lines.append(
        f"* compiling a graph of {big['nodes']:,.0f} nodes: {big['compile_cpu_seconds']:.2f} s "
        f"with the default checks, {big['compile_cpu_seconds_unverified']:.2f} s with "
        "verify=False (one plain call of the function: "
        f"{big['one_function_call_cpu_seconds']:.2f} s)"
    )
    lines += torch_backend_lines(targets.get("torch_backend"))
    return "\n".join(lines)


def torch_backend_lines(torch_backend: dict[str, Any] | None) -> list[str]:
    """The torch backend against the NumPy backend, one line per problem and device."""
    if not torch_backend:
        return ["* torch backend: not measured (PyTorch not installed)"]
    gpu = f"GPU: {torch_backend['gpu']}" if torch_backend["gpu"] else "no GPU on this machine"
    lines = [
        f"* torch backend (torch {torch_backend['torch_version']}, "
        f"{torch_backend['threads']} CPU thread(s), {gpu}), time of the same `gradient()` "
        "as the NumPy backend's, median of ratios taken moments apart:"
    ]
    for name, entry in torch_backend["problems"].items():
        parts = [
            f"{device}: {entry[f'torch_{device}_vs_numpy']:.2f}x "
            f"({entry[f'torch_{device}_seconds'] * 1e3:.2f} ms vs {entry['numpy_seconds'] * 1e3:.2f} ms)"
            for device in torch_backend["devices"]
        ]
        lines.append(f"  * {name}: " + ", ".join(parts))
    return lines


def gc_figures(results: dict[str, Any]) -> dict[str, str]:
    """Figures quoted in the closing explanation (paired ratios, like for like)."""
    figures = {"loop_share": "?", "micrograd_share": "?", "on_ratio": "?", "off_ratio": "?"}
    w1 = results.get("w1")
    if not w1:
        return figures
    engines = w1["engines"]
    if CHECK_REFERENCE in engines:
        figures["loop_share"] = f"{engines[CHECK_REFERENCE]['collector_share']:.0%}"
    if "micrograd" in engines:
        figures["micrograd_share"] = f"{engines['micrograd']['collector_share']:.0%}"
    for name, slow, fast in (("on_ratio", "micrograd", CHECK_REFERENCE),
                             ("off_ratio", "micrograd_off", "autograd_core_off")):
        summary = paired_ratio(w1["per_repeat"], slow, fast)
        if summary:
            figures[name] = f"{summary['median']:.1f}x"
    return figures


W1_NOTES = """\
How nodes are counted: this project and micrograd count `Value` objects (leaves, including the
constants made from plain numbers, and interior nodes), DeZero its `Variable`s, PyTorch its
autograd nodes (`grad_fn` objects and one `AccumulateGrad` per parameter; plain numbers are not
nodes), the tape its tuples. The engines make different numbers of nodes for the same math: this
project's neuron is one n-ary `sum` node over its `mul` nodes (so is the tape's),
micrograd's and DeZero's a chain of additions; the PyTorch model uses `torch.stack(...).sum()`,
its own n-ary sum. So ns/node is per node *of that engine's graph*; the ratio column compares
whole steps (the same math) and is what a user waits for. The *pure-Python tape* is the floor: a
hand-written list of one tuple per node (parents' positions and local derivatives), no objects
per node, nodes already in a valid order, backward one loop (`benchmarks/engines/tape_engine.py`).
"collector paused per step" is this project inside `nn`'s `collector_paused()`, which is how
`nn.fit` runs every mini-batch; it is compared with this project with the collector off. The
compiled batch mode runs forward and backward as one call (its forward column holds both)."""

WHERE_THE_TIME_GOES = """\
## Where the time goes

Measured with `cProfile` and the garbage collector's own callbacks (the *GC share* column):

* **micrograd** spends {micrograd_share} of its step inside the cyclic garbage collector at
  default settings. Every operation stores a closure that refers back to its output node, so
  every node sits in a reference cycle: nothing is freed when a step's graph is dropped, and the
  collector's full collections walk and then tear down hundreds of thousands of nodes per step.
* **This project's graphs have no reference cycles** (a node refers to its parents, never to
  its children or itself), so reference counting frees a step's graph the moment it is dropped
  and memory does not grow even with the collector switched off (W3). But the collector still
  runs: it is triggered by the number of new objects, and its full collections walk every live
  node of the graph being built. In the hand-written loop at default settings this costs
  {loop_share} of the step.
* Like for like, this project is {on_ratio} faster than micrograd with both at default settings,
  and {off_ratio} with both collectors off (paired medians of this run, W1).
* The same collector explains W2 with the collector on: CPython runs a full collection each time
  the number of long-lived objects has grown by a quarter, and each one walks the whole chain
  built so far, so the cost per link rises from short to long chains.
* The floor: the pure-Python tape does the same arithmetic with one tuple per node and no
  objects, so the distance between it and this project (collector off) is what the engine's
  node objects, operator dispatch and graph walk cost.
* **DeZero**'s backward pass keeps its pending functions in a list that it sorts again after
  every insertion; on a wide graph (100 samples side by side) that list is long, and the
  backward pass grows quadratically with the batch: most of its W1 time is there. Its graphs
  have no cycles and its collector share is 0%, so it is not run again with the collector off.
* **PyTorch** pays a fixed cost of microseconds per operation (dispatch, tensor allocation,
  autograd bookkeeping) that is meant to be spread over large tensors; on 0-d tensors it
  dominates."""
