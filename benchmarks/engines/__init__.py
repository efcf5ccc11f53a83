"""The engines compared, in the order of the report.

Each engine runs in its own worker process (see :mod:`benchmarks.worker`) that
imports only that engine, so that no engine pays for another's imports,
garbage or heap size (the garbage collector's work grows with every live
object in the process).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass


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
    """

    key: str
    title: str
    module: str
    variant: str
    requires: tuple[str, ...]
    install: str

    def missing(self) -> list[str]:
        """The required packages that cannot be imported here."""
        return [name for name in self.requires if importlib.util.find_spec(name) is None]


ENGINES: tuple[EngineSpec, ...] = (
    EngineSpec(
        "autograd_core", "autograd_core (collector on)", "benchmarks.engines.autograd_core_engine",
        "loop", ("autograd_core", "nn"), 'pip install -e ".[bench]"',
    ),
    EngineSpec(
        "autograd_core_fit", "autograd_core (collector paused, as nn.fit)",
        "benchmarks.engines.autograd_core_engine",
        "fit", ("autograd_core", "nn"), 'pip install -e ".[bench]"',
    ),
    EngineSpec(
        "compiled", "autograd_core compiled", "benchmarks.engines.compiled_engine",
        "", ("autograd_core", "nn"), 'pip install -e ".[bench]"',
    ),
    EngineSpec(
        "micrograd", "micrograd", "benchmarks.engines.micrograd_engine",
        "", ("micrograd",), 'pip install -e ".[bench]"  (micrograd==0.1.0)',
    ),
    EngineSpec(
        "dezero", "DeZero", "benchmarks.engines.dezero_engine",
        "", ("dezero",), 'pip install -e ".[bench]"  (dezero)',
    ),
    EngineSpec(
        "torch", "PyTorch 0-d", "benchmarks.engines.torch_engine",
        "stack", ("torch",), "pip install torch==2.13.0  (optional)",
    ),
    EngineSpec(
        "numpy", "NumPy by hand", "benchmarks.engines.numpy_engine",
        "", ("numpy",), "pip install numpy",
    ),
)

#: The engine every ratio is relative to: this project as nn.fit runs it.
REFERENCE = "autograd_core_fit"

#: The engine whose loss and gradients the others are checked against.
CHECK_REFERENCE = "autograd_core"


def engine_spec(key: str) -> EngineSpec:
    """The spec called ``key``.

    Raises:
        KeyError: No engine has that key (the message lists the keys).
    """
    for spec in ENGINES:
        if spec.key == key:
            return spec
    raise KeyError(f"unknown engine {key!r}; choose from {', '.join(s.key for s in ENGINES)}")
