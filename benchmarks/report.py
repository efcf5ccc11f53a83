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

from benchmarks.engines import CHECK_REFERENCE, ENGINES, REFERENCE

#: Targets of issue 6, as (description, threshold).
W1_MICROGRAD_TARGET = 25.0
W1_TORCH_TARGET = 10.0


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
def w1_table(w1: dict[str, Any]) -> str:
    header = [
        "engine", "nodes per step", "forward", "backward", "step (CPU)", "step (wall)",
        "ns/node forward", "ns/node backward", "GC share", "time / autograd_core (paused)",
    ]
    rows = []
    for key, entry in w1["engines"].items():
        nodes = entry["nodes"]
        times = entry["times"]
        forward, backward = _median(entry, "forward"), _median(entry, "backward")
        per_node = (
            (f"{forward / nodes * 1e9:,.0f}", f"{backward / nodes * 1e9:,.0f}")
            if nodes and forward is not None and backward is not None
            else ("-", "-")
        )
        rows.append([
            title(key),
            f"{nodes:,}" if nodes else "-",
            spread(times.get("forward")),
            spread(times.get("backward")),
            spread(times.get("step")),
            spread(times.get("step_wall")),
            *per_node,
            f"{entry['collector_share']:.0%}",
            ratio(w1["ratios"].get(key)),
        ])
    for key, why in w1.get("timed_out", {}).items():
        rows.append([title(key), "-", "-", "-", f"a step {why}; stopped", *["-"] * 5])
    return table(header, rows)


def w1_targets(w1: dict[str, Any]) -> list[tuple[str, str, bool | None]]:
    """(target, measured, met) for the W1 targets."""
    ratios = w1["ratios"]
    engines = w1["engines"]
    found: list[tuple[str, str, bool | None]] = []

    def step_ratio(slow: str, fast: str) -> float | None:
        if slow not in engines or fast not in engines:
            return None
        return engines[slow]["times"]["step"]["median"] / engines[fast]["times"]["step"]["median"]

    for fast in (REFERENCE, CHECK_REFERENCE):
        for slow, target in (("micrograd", W1_MICROGRAD_TARGET), ("torch", W1_TORCH_TARGET)):
            value = step_ratio(slow, fast)
            if value is None:
                continue
            paired = ratios.get(slow) if fast == REFERENCE else None
            measured = f"{value:.1f}x faster" + (
                f" (per repeat {paired['low']:.1f} - {paired['high']:.1f})" if paired else ""
            )
            found.append((
                f"W1: {title(fast)} at least {target:g}x faster than {title(slow)}",
                measured,
                value >= target,
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
    header = ["engine", "one epoch (CPU)", "batches timed", "time / autograd_core (paused)"]
    rows = []
    total = w4["problem"]["batches"]
    for key, entry in w4["engines"].items():
        measured = entry["batches_measured"]
        note = f"{measured} of {total}, scaled up" if measured < total else f"all {total}"
        rows.append([title(key), spread(entry["epoch"]), note, ratio(w4["ratios"].get(key))])
    for key, why in w4.get("timed_out", {}).items():
        rows.append([title(key), f"one mini-batch {why}; stopped", "0", "-"])
    return table(header, rows)


# ----- W2 -------------------------------------------------------------------------------
def w2_table(w2: dict[str, Any]) -> str:
    links = w2["links"]
    header = ["engine", *(f"N = {n:,}: seconds (ns per link)" for n in links)]
    keys: list[str] = []
    for size in w2["sizes"].values():
        keys += [k for k in size if k not in keys]
    keys += [k for k in w2["failures"] if k not in keys]
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
    """ns per link at every N; met when the largest N costs under 1.5x the smallest per link."""
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
    return f"{text} ns/link at N = {sizes} (x{growth:.2f})", growth < 1.5


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


# ----- the plot -------------------------------------------------------------------------
def plot_ratios(results: dict[str, Any], path: Path) -> bool:
    """A bar chart of time relative to this project (log scale); False if matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    groups: list[tuple[str, dict[str, float]]] = []
    if "w1" in results:
        groups.append(("W1 step", {k: v["median"] for k, v in results["w1"]["ratios"].items()}))
    if "w4" in results:
        groups.append(("W4 epoch", {k: v["median"] for k, v in results["w4"]["ratios"].items()}))
    if "w2" in results:
        w2 = results["w2"]
        for n in w2["links"]:
            size = w2["sizes"][str(n)]
            base = size.get(REFERENCE) or size.get(CHECK_REFERENCE)
            if base:
                reference = base["times"]["step"]["median"]
                groups.append((
                    f"W2 N={n:,}",
                    {k: v["times"]["step"]["median"] / reference for k, v in size.items()},
                ))
    if not groups:
        return False
    keys = [spec.key for spec in ENGINES if any(spec.key in g for _, g in groups)]
    figure, axes = plt.subplots(figsize=(10, 1.2 + 0.9 * len(groups)))
    height = 0.8 / max(len(keys), 1)
    colors = plt.get_cmap("tab10")
    for index, key in enumerate(keys):
        positions = [g + index * height for g in range(len(groups))]
        values = [group.get(key, float("nan")) for _, group in groups]
        axes.barh(positions, values, height=height, label=title(key), color=colors(index))
    axes.set_xscale("log")
    axes.axvline(1.0, color="black", linewidth=0.8)
    axes.set_yticks([g + 0.4 - height / 2 for g in range(len(groups))])
    axes.set_yticklabels([name for name, _ in groups])
    axes.invert_yaxis()
    axes.set_xlabel(
        "time / autograd_core with the collector paused, as nn.fit runs a step (log scale)"
    )
    axes.set_title("Time relative to autograd_core: bars right of 1 are slower")
    axes.legend(fontsize="small", loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


# ----- the whole document -----------------------------------------------------------------
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
        for key in (REFERENCE, CHECK_REFERENCE):
            if key in w2["sizes"][str(w2["links"][0])]:
                target = f"W2: time per link flat (linear cost), {title(key)}"
                found.append((target, *w2_flatness(w2, key)))
    if "w3" in results:
        found += w3_targets(results["w3"])
    rows = [
        [target, measured, "-" if met is None else ("yes" if met else "**no**")]
        for target, measured, met in found
    ]
    return table(["target", "measured", "met"], rows)


def environment_text(environment: dict[str, Any]) -> str:
    versions = ", ".join(f"{name} {version}" for name, version in environment["versions"].items())
    load_before, load_after = environment["load_before"], environment["load_after"]
    return "\n".join([
        f"* command: `{environment['command']}`",
        f"* date: {environment['date']}; "
        f"run took {environment['duration_seconds'] / 60:.1f} minutes",
        f"* machine: {environment['cpu']}, {environment['cores']} cores, {environment['platform']}",
        f"* load average (1 min) before and after the run: {load_before} and {load_after} "
        "(other programs were running; CPU time is what each engine spent itself)",
        f"* Python {environment['python']}; {versions}",
        f"* settings: {environment['settings']}",
    ])


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
        "brackets. Times are CPU seconds of the engine's process, on one core.",
        "",
        "## The run",
        "",
        environment_text(environment),
        "",
        "## Targets",
        "",
        targets_table(results),
        "",
    ]
    if plot_name:
        parts += [f"![time relative to autograd_core]({plot_name})", ""]
    if "w1" in results:
        w1 = results["w1"]
        problem = w1["problem"]
        parts += [
            "## W1: micrograd's demo step",
            "",
            f"MLP {'-'.join(map(str, problem['sizes']))} (relu hidden layers, linear output, "
            f"{problem['parameters']} parameters) on {problem['points']} points of the two moons "
            "(targets -1 and +1); mean squared error; forward (graph and loss), backward (zero the "
            f"gradients, backpropagate), SGD update with learning rate {problem['learning_rate']}, "
            "and dropping the graph. All engines start from the same weights.",
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
            "graph. The NumPy row is the same loop in plain Python floats with the derivative "
            "multiplied out by hand (a chain cannot be vectorised).",
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
    return "\n".join([
        "From `benchmarks/compiled.py` (its own problems: W1 with tanh and a regression target; "
        "digits with softmax cross-entropy and Adam):",
        "",
        f"* W1 forward + backward: {w1['speedup_vs_plain']:,.0f}x faster than the plain engine "
        f"(target >= 300x), {w1['slowdown_vs_numpy']:.2f}x the time of hand-written NumPy "
        "(target <= 5x)",
        f"* digits: {digits['test_accuracy']:.1%} test accuracy "
        f"after {digits['train_seconds']:.2f} s "
        f"of training (target >= 95% in < 0.5 s), compiled in {digits['compile_seconds']:.3f} s "
        "(target < 0.1 s)",
        f"* compiling a graph of {big['nodes']:,.0f} nodes: {big['compile_seconds']:.2f} s "
        "(target < 1 s)",
        *torch_backend_lines(targets.get("torch_backend")),
    ])


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
    """Figures quoted in the closing explanation."""
    figures = {"loop_share": "?", "micrograd_share": "?", "loop_vs_micrograd": "?"}
    w1 = results.get("w1")
    if not w1:
        return figures
    engines = w1["engines"]
    if CHECK_REFERENCE in engines:
        figures["loop_share"] = f"{engines[CHECK_REFERENCE]['collector_share']:.0%}"
    if "micrograd" in engines:
        figures["micrograd_share"] = f"{engines['micrograd']['collector_share']:.0%}"
        if CHECK_REFERENCE in engines:
            slow = engines["micrograd"]["times"]["step"]["median"]
            fast = engines[CHECK_REFERENCE]["times"]["step"]["median"]
            figures["loop_vs_micrograd"] = f"{slow / fast:.1f}x"
    return figures


W1_NOTES = """\
How nodes are counted: this project and micrograd count `Value` objects (leaves, including the
constants made from plain numbers, and interior nodes), DeZero its `Variable`s, PyTorch its
autograd nodes (`grad_fn` objects and one `AccumulateGrad` per parameter; plain numbers are not
nodes). The engines make different numbers of nodes for the same math: this project's neuron is
one n-ary `sum` node over its `mul` nodes, micrograd's and DeZero's a chain of additions; the
PyTorch model uses `torch.stack(...).sum()`, its own n-ary sum, which is faster than a chain of
additions. So ns/node is per node *of that engine's graph*; the ratio column compares whole steps
(the same math) and is what a user waits for. "autograd_core (collector on)" is the hand-written
loop of the README, with Python's garbage collector on (the default); "autograd_core (collector
paused, as nn.fit)" is the same step inside `nn`'s `collector_paused()`, which is how `nn.fit`
runs every mini-batch. The compiled batch mode runs forward and backward as one call, so only its
whole step is shown."""

WHERE_THE_TIME_GOES = """\
## Where the time goes

Measured with `cProfile` and the garbage collector's own callbacks (the *GC share* column):

* **micrograd** spends {micrograd_share} of its step inside the cyclic garbage collector. Every
  operation stores a closure that refers back to its output node, so every node sits in a
  reference cycle: nothing is freed when a step's graph is dropped, and the collector's full
  collections walk and then tear down hundreds of thousands of nodes per step. Its forward pass
  is where this happens (collections are triggered by allocations).
* **This project's graphs have no reference cycles** (a node refers to its parents, never to
  its children or itself), so reference counting frees a step's graph the moment it is dropped
  and memory does not grow even with the collector switched off (W3). But the collector still
  runs: it is triggered by the number of new objects, and its full collections walk every live
  node of the graph being built. In the hand-written loop this costs {loop_share} of the step;
  the loop is {loop_vs_micrograd} faster than micrograd there. `nn.fit` pauses the collector for
  each step (and restores the user's setting on every exit path), as `backward()` does for its
  own walk; that is the "collector paused" row.
* The same collector explains W2 with the collector on: the cost per link rises from short to
  long chains and then stays level. CPython runs a full collection each time the number of
  long-lived objects has grown by a quarter, and each one walks the whole chain built so far, so
  on a long chain the collector's work is a fixed multiple of the number of nodes (still linear,
  but about half of the time). With the collector paused, every step of the engine touches each
  node a fixed number of times (build, walk, chain rule, release), so its cost is linear; what
  still moves the cost per link is memory: a chain of 10,000 links (a few MB) stays in the CPU's
  caches, one of 1,000,000 links (about 600 MB) does not, and on this shared machine that
  difference came out between 1.1x and 1.7x in different runs.
* The engine's own hot path was profiled and reworked: each operator is made from its row of
  the operation table with the node built inline (one Python call fewer per node), `backward()`
  skips nodes whose gradient is 0 (the parts of a graph behind inactive relus) and writes out the
  chain rule for one and two parents instead of going through `zip()`, and `topological_order`
  writes out the one- and two-parent cases. Measured before and after in one process, taking
  turns: the forward pass about 10% faster, the backward pass about a third faster.
* What is left is Python itself. One `w * x` node costs, on this machine (timeit, best of 11):
  about 190 ns for Python to find and call `Value.__mul__` (an operator on a Python class),
  290 ns to create the node object and fill its seven slots, 140 ns for the two calls of the
  row (`forward`, `local_grads`) and about 200 ns for the rest (checking the operand, reading
  the inputs, the grad-mode switch). Dropping the graph costs about as much again in
  deallocation (the *release* phase, part of every step). The next big step would not be
  faster nodes but fewer: a neuron is n `mul` nodes and one `sum` node, and a fused dot-product
  row would make it one node, but that changes the graphs `nn` builds (and draws), so it is left
  as a proposal.
* The ratios move with the machine: on this shared virtual machine the same code measured 17x
  to 27x against micrograd in runs an hour apart (micrograd's time is mostly memory traffic in
  the collector, this project's mostly interpreter work, and the host's load shifts the two
  differently). Within one run the engines take turns, so the ratios of a run belong together.
* **DeZero**'s backward pass keeps its pending functions in a list that it sorts again after
  every insertion; on a wide graph (100 samples side by side) that list is long, and the
  backward pass grows quadratically with the batch: most of its W1 time is there.
* **PyTorch** pays a fixed cost of microseconds per operation (dispatch, tensor allocation,
  autograd bookkeeping) that is meant to be spread over large tensors; on 0-d tensors it
  dominates."""
