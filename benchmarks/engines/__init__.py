"""The engines compared, in the order of the report.

Each engine runs in its own worker process (see :mod:`benchmarks.worker`) that
imports only that engine, so that no engine pays for another's imports,
garbage or heap size (the garbage collector's work grows with every live
object in the process).

Every engine that builds a graph is run twice: at Python's default settings
(the cyclic garbage collector on) and with the collector off for the whole
process. The headline ratios compare engines at the *same* setting. This
project's ``collector_paused()`` (how ``nn.fit`` runs a step) is a row of its
own, compared with this project with the collector off.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

#: Every workload an engine can take part in.
ALL_WORKLOADS = ("w1", "w4", "w2", "w3")

#: Collector settings: Python's default, off for the whole process, paused per step.
ON, OFF, PAUSED = "on", "off", "paused"


@dataclass(frozen=True)
class EngineSpec:
    """How to start one engine.

    Attributes:
        key: Short name used in results and on the command line.
        title: Column/row title in the report.
        module: The module whose ``make_engine(variant)`` builds it.
        variant: Passed to ``make_engine``.
        requires: Import names that must be installed.
        install: What to install when they are missing.
        collector: :data:`ON` (Python's default), :data:`OFF` (``gc.disable()``
            in the worker before the engine is built) or :data:`PAUSED` (the
            engine pauses it itself for each step).
        workloads: The workloads this engine takes part in.
    """

    key: str
    title: str
    module: str
    variant: str
    requires: tuple[str, ...]
    install: str
    collector: str = ON
    workloads: tuple[str, ...] = ALL_WORKLOADS

    def missing(self) -> list[str]:
        """The required packages that cannot be imported here."""
        return [name for name in self.requires if importlib.util.find_spec(name) is None]


_OURS = ("autograd_core", "nn")
_INSTALL = 'pip install -e ".[bench]"'
_MICROGRAD = ("micrograd",)
_MICROGRAD_INSTALL = 'pip install -e ".[bench]"  (micrograd==0.1.0)'
_TORCH_INSTALL = "pip install torch==2.13.0  (optional)"
_CORE = "benchmarks.engines.autograd_core_engine"

ENGINES: tuple[EngineSpec, ...] = (
    # ----- at Python's default settings (collector on)
    EngineSpec("autograd_core", "autograd_core", _CORE, "loop", _OURS, _INSTALL),
    EngineSpec("micrograd", "micrograd", "benchmarks.engines.micrograd_engine", "",
               _MICROGRAD, _MICROGRAD_INSTALL),
    EngineSpec("dezero", "DeZero", "benchmarks.engines.dezero_engine", "",
               ("dezero",), 'pip install -e ".[bench]"  (dezero)'),
    EngineSpec("torch", "PyTorch 0-d", "benchmarks.engines.torch_engine", "stack",
               ("torch",), _TORCH_INSTALL),
    EngineSpec("tape", "pure-Python tape (floor)", "benchmarks.engines.tape_engine", "",
               (), _INSTALL),
    # ----- the collector off for the whole process
    EngineSpec("autograd_core_off", "autograd_core, collector off", _CORE, "loop", _OURS,
               _INSTALL, OFF, ("w1", "w4")),
    EngineSpec("micrograd_off", "micrograd, collector off", "benchmarks.engines.micrograd_engine",
               "", _MICROGRAD, _MICROGRAD_INSTALL, OFF, ("w1", "w4")),
    EngineSpec("torch_off", "PyTorch 0-d, collector off", "benchmarks.engines.torch_engine",
               "stack", ("torch",), _TORCH_INSTALL, OFF, ("w1", "w4")),
    EngineSpec("tape_off", "pure-Python tape (floor), collector off",
               "benchmarks.engines.tape_engine", "", (), _INSTALL, OFF, ("w1", "w4")),
    # ----- rows of their own
    EngineSpec("autograd_core_fit", "autograd_core, collector paused per step (as nn.fit)",
               _CORE, "fit", _OURS, _INSTALL, PAUSED, ("w1", "w4", "w2")),
    EngineSpec("micrograd_deep", "micrograd, recursion limit and thread stack raised",
               "benchmarks.engines.micrograd_engine", "deep", _MICROGRAD, _MICROGRAD_INSTALL,
               ON, ("w2",)),
    EngineSpec("compiled", "autograd_core compiled", "benchmarks.engines.compiled_engine",
               "", _OURS, _INSTALL, ON, ("w1", "w4")),
    EngineSpec("numpy", "NumPy by hand", "benchmarks.engines.numpy_engine",
               "", ("numpy",), "pip install numpy", ON, ("w1", "w4", "w2")),
)

#: The engine whose loss and gradients the others are checked against.
CHECK_REFERENCE = "autograd_core"

#: This project at each collector setting: what every ratio at that setting is relative to.
OURS_AT = {ON: "autograd_core", OFF: "autograd_core_off", PAUSED: "autograd_core_off"}


def engine_spec(key: str) -> EngineSpec:
    """The spec called ``key``.

    Raises:
        KeyError: No engine has that key (the message lists the keys).
    """
    for spec in ENGINES:
        if spec.key == key:
            return spec
    raise KeyError(f"unknown engine {key!r}; choose from {', '.join(s.key for s in ENGINES)}")


def reference_of(key: str) -> str:
    """The engine ``key``'s time is divided by: this project at the same collector setting."""
    return OURS_AT[engine_spec(key).collector]
