"""This project's compiled batch mode, as ``nn.fit(compiled=True)`` trains.

The per-sample graph (``nn.MLP`` and the same loss as the plain engine) is
traced once and compiled (``autograd_core.compiler.compile_batch``); each step
then runs the whole batch with grouped NumPy operations, with the parameters
and the SGD state kept in NumPy arrays (``nn.array_optim``), as
``fit(compiled=True)`` does. W1's L2 term is part of each sample's loss: the
mean over samples of (hinge_i + alpha * sum_p p**2) is the demo's loss, with
the same gradient. Forward and backward run as one call, so they are timed
as one phase; the compile time is reported separately.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from typing import Any

import numpy as np

from benchmarks.engines.autograd_core_engine import AutogradCoreEngine
from benchmarks.engines.base import Engine
from benchmarks.measure import Instant, phase_times
from benchmarks.problems import MLPProblem


class CompiledEngine(AutogradCoreEngine):
    name = "compiled"
    graph_note = "compiled program: nodes of one sample's traced graph"

    def __init__(self, variant: str = "") -> None:
        super().__init__("loop")
        self.variant = variant
        version = importlib.metadata.version("autograd-core")
        self.label = f"autograd_core {version} compiled batch mode"
        self.compile_seconds = float("nan")

    def build(self, problem: MLPProblem) -> None:
        from autograd_core import Value
        from autograd_core.compiler import compile_batch
        from nn.array_optim import array_update

        super().build(problem)
        model, loss_function, parameters = self.model, self.loss_function, self.parameters

        def sample_loss(x: list[Any], t: list[Any]) -> Any:
            if problem.loss == "hinge_l2":
                hinge = (1 + -t[0] * model(x)[0]).relu()
                return hinge + problem.l2_alpha * Value.sum([p * p for p in parameters])
            return loss_function(model(x), t)

        start = Instant.now()
        self.program = compile_batch(
            sample_loss, parameters, (problem.sizes[0], problem.sizes[-1]), reduction="mean"
        )
        self.compile_seconds = Instant.now().cpu - start.cpu
        self.data = self.program.parameter_values()
        self.grad = np.zeros_like(self.data)
        self.array_update = array_update(self.optimizer, parameters)
        self._arrays = {
            id(inputs): (np.asarray(inputs), np.asarray(targets))
            for inputs, targets in self._batches
        }

    def load(self, problem: MLPProblem) -> dict[str, Any]:
        info = super().load(problem)
        info["compile_cpu_seconds"] = self.compile_seconds
        info["program_nodes"] = self.program.node_count
        return info

    def _batch_arrays(self, inputs: list[list[float]], targets: list[list[float]]) -> Any:
        arrays = self._arrays.get(id(inputs))
        return arrays if arrays is not None else (np.asarray(inputs), np.asarray(targets))

    def check(self, samples: int | None = None) -> dict[str, Any]:
        X, T = self._batch_arrays(*self._batches[0])
        if samples is not None:
            X, T = X[:samples], T[:samples]
        start = Instant.now()
        loss, self.grad = self.program.gradient(X, T, parameter_values=self.data)
        seconds = Instant.now().cpu - start.cpu
        return {"loss": loss, "gradients": self.grad.tolist(), "nodes": None,
                "cpu_seconds": seconds}

    def graph_size(self) -> None:
        return None

    def step(self, inputs: list[list[float]], targets: list[list[float]]) -> dict[str, Any]:
        X, T = self._batch_arrays(inputs, targets)
        marks = [Instant.now()]
        loss, self.grad = self.program.gradient(X, T, parameter_values=self.data)
        marks.append(Instant.now())
        self.optimizer.lr = self.learning_rate()
        self.array_update.step(self.data, self.grad)
        marks.append(Instant.now())
        times = phase_times(marks, ("forward_backward", "update"))
        return {"times": times, "loss": loss}

    def compiled_mode_targets(self) -> dict[str, Any]:
        """The compiled mode's own target figures, from ``benchmarks/compiled.py``."""
        from benchmarks import compiled

        targets = {
            "w1": compiled.w1_benchmark(),
            "digits": compiled.digits_benchmark(),
            "compile": compiled.compile_benchmark(),
        }
        if importlib.util.find_spec("torch") is not None:  # optional
            targets["torch_backend"] = compiled.torch_backend_benchmark()
        return targets


def make_engine(variant: str = "") -> Engine:
    """The engine for a worker process."""
    return CompiledEngine(variant)
