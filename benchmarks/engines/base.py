"""What every engine provides, and the measuring code they all share.

An engine module defines a subclass of :class:`Engine` that knows how to build
the MLP of a :class:`~benchmarks.problems.MLPProblem` from its starting
weights, run a forward pass (building the graph, loss included), a backward
pass and an SGD update, and how to build and differentiate the deep chain.
Everything that is measured (which clocks, in what order, what counts as a
step) lives here, once, so that every engine is timed the same way.

A training step is timed in four phases:

* ``forward``: build the graph for the batch, loss included;
* ``backward``: zero the gradients, then backpropagate;
* ``update``: p <- p - rate * grad for every parameter (the rate of this
  step: :meth:`Engine.learning_rate`);
* ``release``: drop the step's graph (what happens when a training loop
  rebinds ``loss``): engines whose graphs hold reference cycles free nothing
  here and pay later, inside the garbage collector.

Collector settings: a worker runs its engine either at Python's defaults or
with the cyclic collector switched off for the whole process (``gc.disable()``
before the engine is built, see :mod:`benchmarks.worker`). With it off, the
reference cycles some engines make are freed by one ``gc.collect()`` after
each block of timed steps, outside the timed region (and said so in the report).
"""

from __future__ import annotations

import gc
import sys
import tracemalloc
from typing import Any

from benchmarks.measure import Instant, collector_clock, phase_times, rss_bytes
from benchmarks.problems import MLPProblem

Batch = tuple[list[list[float]], list[list[float]]]


class Engine:
    """Base class of the engines; subclasses fill in the methods that raise.

    Attributes:
        name: Short key, e.g. ``"micrograd"``.
        label: What the report calls it, e.g. ``"micrograd 0.1.0"``.
        graph_note: How its graph nodes are counted.
    """

    name = "engine"
    label = "engine"
    graph_note = ""

    def __init__(self, variant: str = "") -> None:
        self.variant = variant
        self.problem: MLPProblem | None = None
        self._batches: list[Batch] = []
        self._next_batch = 0
        self.steps_done = 0
        #: Set by the worker when it switched the collector off for the process.
        self.collector_off = False
        collector_clock.install()

    # ----- to implement -----------------------------------------------------------------
    def build(self, problem: MLPProblem) -> None:
        """Make the model's parameters from ``problem.weights``."""
        raise NotImplementedError

    def forward(self, inputs: list[list[float]], targets: list[list[float]]) -> Any:
        """Build the graph of the batch's mean loss; return the loss (a graph node)."""
        raise NotImplementedError

    def backward(self, loss: Any) -> None:
        """Zero every parameter's gradient, then backpropagate from ``loss``."""
        raise NotImplementedError

    def update(self) -> None:
        """One SGD step with the rate :meth:`learning_rate`."""
        raise NotImplementedError

    def loss_value(self, loss: Any) -> float:
        """The loss as a Python float."""
        raise NotImplementedError

    def gradient_list(self) -> list[float]:
        """Every parameter's gradient, layer by layer, neuron by neuron, weights then bias."""
        raise NotImplementedError

    def count_nodes(self, root: Any) -> int | None:
        """How many nodes the graph under ``root`` has (None if the engine has no graph)."""
        raise NotImplementedError

    def build_chain(self, links: int) -> tuple[Any, Any]:
        """(x, y): a leaf x = 0.5 and y after ``links`` times y <- y * 1.0001 + 0.0001."""
        raise NotImplementedError

    def chain_gradient(self, x: Any, y: Any) -> float:
        """Backpropagate from y; return dy/dx."""
        raise NotImplementedError

    # ----- shared: training steps -------------------------------------------------------
    def learning_rate(self) -> float:
        """The SGD rate of the current step (W1 decays it as micrograd's demo does)."""
        assert self.problem is not None, "load() a problem first"
        return self.problem.learning_rate_at(self.steps_done)

    def load(self, problem: MLPProblem) -> dict[str, Any]:
        """Build the model for ``problem`` and say how it was made."""
        self.problem = problem
        self._batches = problem.batches()
        self._next_batch = 0
        self.steps_done = 0
        self.build(problem)
        return {"label": self.label, "variant": self.variant, "graph_note": self.graph_note}

    def check(self, samples: int | None = None) -> dict[str, Any]:
        """Loss, gradients and graph size of the first batch at the current weights (no update).

        Args:
            samples: Use only the batch's first ``samples`` samples (a cheaper
                check for slow engines); None for the whole batch.

        Returns:
            The loss, the gradients, the node count and the CPU seconds taken.
        """
        inputs, targets = self._batches[0]
        if samples is not None:
            inputs, targets = inputs[:samples], targets[:samples]
        start = Instant.now()
        loss = self.forward(inputs, targets)
        self.backward(loss)
        seconds = Instant.now().cpu - start.cpu
        return {
            "loss": self.loss_value(loss),
            "gradients": self.gradient_list(),
            "nodes": self.count_nodes(loss),
            "cpu_seconds": seconds,
        }

    def graph_size(self) -> int | None:
        """Nodes in the graph of one training step (the first batch's forward pass)."""
        inputs, targets = self._batches[0]
        loss = self.forward(inputs, targets)
        return self.count_nodes(loss)

    def step(self, inputs: list[list[float]], targets: list[list[float]]) -> dict[str, Any]:
        """One timed training step on one batch."""
        marks = [Instant.now()]
        loss = self.forward(inputs, targets)
        marks.append(Instant.now())
        self.backward(loss)
        marks.append(Instant.now())
        self.update()
        marks.append(Instant.now())
        value = self.loss_value(loss)
        del loss
        marks.append(Instant.now())
        times = phase_times(marks, ("forward", "backward", "update", "release"))
        return {"times": times, "loss": value}

    def train(self, steps: int) -> list[dict[str, Any]]:
        """``steps`` consecutive training steps, going round the batches."""
        results = []
        for _ in range(steps):
            inputs, targets = self._batches[self._next_batch]
            self._next_batch = (self._next_batch + 1) % len(self._batches)
            results.append(self.step(inputs, targets))
            self.steps_done += 1
        if self.collector_off:
            gc.collect()  # collector off: free this block's cycles, outside the timed steps
        return results

    # ----- shared: the deep chain (W2) and memory (W3) ----------------------------------
    def chain(self, links: int) -> dict[str, Any]:
        """Build the chain and backpropagate; a RecursionError is a result, not a crash."""
        gc.collect()
        start = Instant.now()
        x, y = self.build_chain(links)
        built = Instant.now()
        try:
            gradient = self.chain_gradient(x, y)
        except RecursionError as error:
            return {"failure": f"RecursionError in backward ({error})", "links": links}
        finally:
            done = Instant.now()
        del x, y
        released = Instant.now()
        times = phase_times([start, built, done, released], ("forward", "backward", "release"))
        return {"times": times, "gradient": gradient, "links": links, "failure": None}

    def nodes_per_link(self, links: int = 100) -> float:
        """Graph nodes the chain makes per link (counted on a short chain)."""
        _, y = self.build_chain(links)
        count = self.count_nodes(y)
        return float("nan") if count is None else (count - 1) / links

    def chain_memory(self, links: int, method: str) -> dict[str, Any]:
        """Memory held by a chain of ``links`` links, and what is left after dropping it.

        Args:
            links: Chain length.
            method: ``"tracemalloc"`` (bytes allocated by Python, exact; blind to
                memory a C++ library allocates itself) or ``"rss"`` (resident
                memory of the process, everything, page-granular).

        Returns:
            Bytes before, with the graph alive, right after dropping it (reference
            counting alone, the garbage collector not run) and after ``gc.collect()``.
        """
        gc.collect()
        if method == "tracemalloc":
            tracemalloc.start()

            def read() -> int | None:
                return tracemalloc.get_traced_memory()[0]

        else:
            read = rss_bytes
        before = read()
        x, y = self.build_chain(links)
        alive = read()
        del x, y
        dropped = read()
        gc.collect()
        collected = read()
        if method == "tracemalloc":
            tracemalloc.stop()
        return {"before": before, "alive": alive, "dropped": dropped, "collected": collected}

    def growth(self, steps: int) -> dict[str, Any]:
        """Training steps with the garbage collector switched off: does memory grow?

        With no reference cycles, reference counting alone returns every
        step's graph; with cycles, nothing is returned until a collection.

        Returns:
            Python's allocated memory blocks and the resident memory after
            each step.
        """
        was_enabled = gc.isenabled()
        gc.collect()
        gc.disable()
        blocks, rss = [], []
        try:
            for _ in range(steps):
                self.train(1)
                blocks.append(sys.getallocatedblocks())
                rss.append(rss_bytes())
        finally:
            if was_enabled:
                gc.enable()
        gc.collect()
        return {"blocks": blocks, "rss": rss, "blocks_after_collect": sys.getallocatedblocks()}


def count_graph(root: Any, parents_of: Any) -> int:
    """Nodes reachable from ``root`` through ``parents_of(node)``, counted without recursion."""
    seen = {id(root)}
    stack = [root]
    while stack:
        node = stack.pop()
        for parent in parents_of(node):
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return len(seen)
