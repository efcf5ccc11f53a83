"""``compile_batch``: trace a per-sample function once, run it over whole batches.

The learner keeps the scalar model they understand: an ``nn`` MLP and a loss
for *one* sample, built from :class:`~autograd_core.Value` nodes. Compiling it
records that graph once and turns it into a short NumPy program
(:mod:`~autograd_core.compiler.schedule`), which then runs every sample of a
batch at once. The parameters stay the model's own Values: ``backward``
reads their ``data`` and adds the batch gradient into their ``grad``, so
optimizers, ``zero_grad()`` and checkpoints work unchanged.

What cannot be compiled is refused with an error that names the cause
(:class:`TraceError`): a graph that depends on the data (an ``if`` on a
value, a number taken from ``.data``), an operation without a vectorised
form, a Value the function captured without it being listed as a parameter.
"""

from __future__ import annotations

import dataclasses
import gc
import math
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from autograd_core.compiler.backends import NUMPY, Backend, backend_named
from autograd_core.compiler.program import GroupedRunner
from autograd_core.compiler.schedule import Schedule, build_schedule
from autograd_core.compiler.summary import StepSummary, format_steps, step_groups, summarise
from autograd_core.compiler.trace import TracedGraph, TraceError, first_difference, trace
from autograd_core.errors import DomainError
from autograd_core.grad_mode import no_grad
from autograd_core.higher_order import gradients
from autograd_core.languages import resolve_language
from autograd_core.messages import say
from autograd_core.value import Value

Array = NDArray[np.float64]
Reduction = Literal["sum", "mean"]

#: Relative agreement demanded between the program and the plain engine when checking.
CHECK_TOLERANCE = 1e-9


class BatchProgram:
    """A per-sample function compiled to run over batches; made by :func:`compile_batch`.

    Attributes:
        parameters: The model's parameters, in the traced order.
        input_widths: How many numbers each input argument takes per sample.
        reduction: ``"sum"``: the batch loss is the sum of the per-sample
            losses (what a loop over samples adding the losses gives);
            ``"mean"``: it is their average.
        graph: The traced graph.
        schedule: The grouped program.
        backend: Where it runs: NumPy arrays (default) or torch tensors on a
            device (``backend.name``, ``backend.device``).
    """

    def __init__(
        self,
        function: Callable[..., object],
        parameters: Sequence[Value],
        graph: TracedGraph,
        schedule: Schedule,
        reduction: Reduction,
        backend: Backend = NUMPY,
    ) -> None:
        self.backend = backend
        self.function = function
        self.parameters = tuple(parameters)
        self.input_widths = graph.input_widths
        self.reduction: Reduction = reduction
        self.graph = graph
        self.schedule = schedule
        #: Every output of every sample from the latest run, shape (samples, outputs).
        self.last_outputs: Array = np.zeros((0, len(graph.outputs)))
        self._runners: dict[int, GroupedRunner] = {}
        self._checked_on_data = False
        self._plans: dict[str, list[StepSummary]] = {}  # by language

    # ----- description -----------------------------------------------------------
    @property
    def node_count(self) -> int:
        """Nodes in the traced per-sample graph."""
        return self.schedule.node_count

    @property
    def step_count(self) -> int:
        """Steps (groups of nodes) one forward pass runs, each a few NumPy calls."""
        return sum(not step.fused_away for step in self.schedule.steps)

    @property
    def matrix_product_count(self) -> int:
        """How many mul->sum pairs run as one matrix product."""
        return sum(step.fused_away for step in self.schedule.steps)

    @property
    def output_count(self) -> int:
        """How many Values the function returned."""
        return len(self.graph.outputs)

    def describe(self, steps: bool = False, lang: str | None = None) -> str:
        """One line: how many nodes became how many steps, and where they run.

        Args:
            steps: Add every step below it (see :meth:`plan`): the operation,
                the shapes it reads and writes (``B`` = samples in the batch)
                and what it computes on the way back.
            lang: ``"en"`` or ``"ja"`` (日本語); ``None``: the current setting
                (:func:`~autograd_core.languages.get_language`). The numbers and
                shapes are the same in every language.

        Raises:
            ValueError: ``lang`` is not a known language.
        """
        lang = resolve_language(lang, "describe")
        where = "NumPy" if self.backend.name == "numpy" else f"torch ({self.backend.device})"
        products = self.matrix_product_count
        line = say(
            "plan_describe", lang,
            nodes=self.node_count, levels=self.schedule.level_count, steps=self.step_count,
            where=where,
            products=say("plan_product" if products == 1 else "plan_products", lang, count=products),
            parameters=len(self.parameters),
            widths=", ".join(str(w) for w in self.input_widths),
            reduction=self.reduction,
        )
        return f"{line}\n{format_steps(self.plan(lang))}" if steps else line

    def plan(self, lang: str | None = None) -> list[StepSummary]:
        """The steps the program runs, in forward order, with their shapes.

        Each :class:`~autograd_core.compiler.summary.StepSummary` names the
        table row, how many scalar nodes of one sample it computes and, for a
        layer, its matrix products (:class:`~autograd_core.compiler.summary.MatrixProduct`):
        the program keeps one column per sample, so a layer of K neurons on J
        inputs runs forward as ``(K x B) = (J x K)^T @ (J x B)`` and backward
        as ``(J x K) = (J x B) @ (K x B)^T`` (the weights' gradient, summed
        over the batch) and ``(J x B) = (J x K) @ (K x B)`` (the inputs'
        gradient). Describing costs about as much as preparing one batch size;
        running batches is unaffected.

        Args:
            lang: The language of the steps' words (``"en"``, ``"ja"``; ``None``:
                the current setting). Shapes and products do not change.

        Raises:
            ValueError: ``lang`` is not a known language.
        """
        lang = resolve_language(lang, "plan")
        if lang not in self._plans:
            self._plans[lang] = summarise(self.schedule, lang)
        return list(self._plans[lang])

    def step_groups(
        self, outputs: Value | Sequence[Value], lang: str | None = None
    ) -> dict[Value, str]:
        """Each node of a plain-engine graph of one sample, mapped to the step that computes it.

        Build one sample's graph with the same function (``loss = function(x, t)``
        on Values) and draw it boxed by step:
        ``draw_graph(loss, groups=program.step_groups(loss))``. The labels are
        those of :meth:`plan` (``step 1: matmul + sum (8 nodes)``); leaves
        (inputs, parameters, constants) belong to no step.

        Args:
            outputs: What the function returns for that sample (a Value or the list).
            lang: The language of the labels (``ステップ 1: matmul + sum (8 ノード)``);
                ``None``: the current setting.

        Raises:
            ValueError: That graph is not the compiled one (another model or
                function): its size or an operation differs; or ``lang`` is unknown.
        """
        lang = resolve_language(lang, "step_groups")
        return step_groups(self.graph, self.schedule, self.plan(lang), outputs)

    def __repr__(self) -> str:
        return f"<{self.describe(lang='en')}>"  # a repr is for code: English whatever the setting

    # ----- checks ----------------------------------------------------------------
    def check_parameters(self, parameters: Sequence[Value]) -> None:
        """Refuse a parameter list that is not the traced one (same Values, same order).

        Raises:
            TraceError: A different count, or a different Value at some position.
        """
        given = list(parameters)
        if len(given) != len(self.parameters):
            raise TraceError(
                f"BatchProgram: traced with {len(self.parameters)} parameters but given "
                f"{len(given)}. Compile again for this model."
            )
        for index, (traced, other) in enumerate(zip(self.parameters, given)):
            if traced is not other:
                raise TraceError(
                    f"BatchProgram: parameter {index} is not the traced one ({other!r} "
                    f"instead of {traced!r}); the order or the model changed. Compile "
                    "again for this model."
                )

    def _batch(self, arrays: Sequence[ArrayLike]) -> Array:
        """Validate the input arrays and join them into one (samples x columns) array."""
        widths = self.input_widths
        if len(arrays) != len(widths):
            raise ValueError(
                f"BatchProgram: takes {len(widths)} array(s) (columns "
                f"{', '.join(str(w) for w in widths)}), got {len(arrays)}."
            )
        parts = []
        sizes = set()
        for argument, (array, width) in enumerate(zip(arrays, widths)):
            try:
                part = np.asarray(array, dtype=float)
            except (TypeError, ValueError) as error:
                kind = getattr(array, "dtype", type(array).__name__)
                raise TypeError(
                    f"BatchProgram: array {argument} must hold numbers, but it cannot be "
                    f"converted to floats ({error}; it is {kind}). Convert it first, e.g. "
                    "X.astype(float) after mapping strings to numbers."
                ) from None
            if part.ndim == 1 and width == 1:
                part = part[:, None]
            if part.ndim != 2 or part.shape[1] != width:
                raise ValueError(
                    f"BatchProgram: array {argument} has shape {part.shape}, but the "
                    f"traced function takes {width} number(s) per sample there: pass "
                    f"shape (samples, {width})."
                )
            sizes.add(part.shape[0])
            parts.append(part)
        if len(sizes) > 1:
            raise ValueError(
                f"BatchProgram: the arrays have different numbers of samples "
                f"({', '.join(str(p.shape[0]) for p in parts)}); give one row per sample in each."
            )
        size = sizes.pop()
        if size == 0:
            raise ValueError(
                "BatchProgram: the batch is empty (0 samples); give at least one sample."
            )
        for argument, part in enumerate(parts):
            if not np.isfinite(part).all():
                sample, column = (int(i) for i in np.argwhere(~np.isfinite(part))[0])
                raise ValueError(
                    f"BatchProgram: array {argument} has {float(part[sample, column])!r} at "
                    f"sample {sample}, column {column}; NaN and infinity would spread "
                    "into every gradient. Clean or drop that sample."
                )
        return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)

    def parameter_values(self) -> Array:
        """The parameters' current ``data``, in the traced order, as one array."""
        return np.fromiter(
            (p.data for p in self.parameters), dtype=float, count=len(self.parameters)
        )

    def _checked_values(self, parameter_values: ArrayLike | None) -> Array | None:
        """``parameter_values`` as a float array of the right length (None: read the Values)."""
        if parameter_values is None:
            return None
        values = np.asarray(parameter_values, dtype=float)
        if values.shape != (len(self.parameters),):
            raise ValueError(
                f"BatchProgram: parameter_values has shape {values.shape}, but the program "
                f"has {len(self.parameters)} parameters: pass one number per parameter, "
                "in the order of model.parameters()."
            )
        return values

    def _runner(self, batch: Array, parameter_values: Array | None = None) -> GroupedRunner:
        size = batch.shape[0]
        runner = self._runners.get(size)
        if runner is None:
            if len(self._runners) >= 4:
                self._runners.pop(next(iter(self._runners)))
            runner = self._runners[size] = GroupedRunner(self.schedule, size, self.backend)
        values = self.parameter_values() if parameter_values is None else parameter_values
        runner.load(values, batch)
        runner.forward()
        # The check runs the function itself, which reads the Values: it means
        # something only when the program ran with the Values' own numbers.
        if not self._checked_on_data and (
            parameter_values is None or np.array_equal(parameter_values, self.parameter_values())
        ):
            self._check_against_engine(runner, batch)
        return runner

    def _check_against_engine(self, runner: GroupedRunner, batch: Array) -> None:
        """Compare the first and last sample with the plain engine (once, on real data)."""
        outputs = runner.outputs()
        for sample in sorted({0, batch.shape[0] - 1}):
            expected = self._engine_outputs(batch[sample])
            got = outputs[sample]
            for k, (a, b) in enumerate(zip(got, expected)):
                if not math.isclose(a, b, rel_tol=CHECK_TOLERANCE, abs_tol=CHECK_TOLERANCE):
                    raise TraceError(
                        f"BatchProgram: for sample {sample} the compiled program gives "
                        f"output {k} = {a!r}, but the function itself gives {b!r}. Its "
                        "graph depends on the data (an `if` on a value, a loop whose "
                        "length depends on the data, or a number taken from .data), "
                        "which one trace cannot capture. Write it without such branches "
                        "(e.g. relu instead of `if x > 0`) or use the plain engine."
                    )
        self._checked_on_data = True

    def _engine_outputs(self, sample: Array) -> list[float]:
        """The function's outputs for one sample, by the plain engine."""
        arguments: list[list[Value]] = []
        column = 0
        for width in self.input_widths:
            arguments.append([Value(float(x)) for x in sample[column : column + width]])
            column += width
        with no_grad():
            result = self.function(*arguments)
        items = result if isinstance(result, (list, tuple)) else [result]
        return [item.data if isinstance(item, Value) else float(item) for item in items]  # type: ignore[arg-type]

    def _refuse_non_finite(
        self,
        batch: Array,
        parameter_values: Array | None,
        outputs: Array,
        gradient: Array | None = None,
    ) -> None:
        """Raise when an output or a gradient is NaN or infinite (cheap when all are finite).

        The program computes with arrays, so it cannot say which node
        overflowed; the plain engine can. For the first offending sample the
        function is run again with the engine (at the numbers the program
        used), and the engine's error, which names the node, the operation
        and the local derivative, is raised with the sample's index.
        """
        if np.isfinite(outputs).all() and (gradient is None or np.isfinite(gradient).all()):
            return
        saved = [p.data for p in self.parameters]
        try:
            if parameter_values is not None:
                for parameter, number in zip(self.parameters, parameter_values.tolist()):
                    parameter.data = number
            bad_rows = np.flatnonzero(~np.isfinite(outputs).all(axis=1))
            samples = bad_rows.tolist() if len(bad_rows) else range(batch.shape[0])
            for sample in samples:
                try:
                    self._engine_gradient(batch[sample])
                except ArithmeticError as error:
                    raise type(error)(
                        f"BatchProgram: sample {sample} of the batch: {error}"
                    ) from error
        finally:
            for parameter, number in zip(self.parameters, saved):
                parameter.data = number
        what = "an output" if len(bad_rows) else "the batch gradient"
        raise FloatingPointError(
            f"BatchProgram: {what} is not finite although every sample is finite in the "
            "plain engine: the sum over the batch overflowed. Use reduction='mean', "
            "smaller batches or rescaled inputs."
        )

    def _engine_gradient(self, sample: Array) -> None:
        """Run the function and its gradient on one sample with the plain engine."""
        arguments: list[list[Value]] = []
        column = 0
        for width in self.input_widths:
            arguments.append([Value(float(x)) for x in sample[column : column + width]])
            column += width
        result = self.function(*arguments)
        items = result if isinstance(result, (list, tuple)) else [result]
        for item in items:
            if isinstance(item, Value) and not math.isfinite(item.data):
                raise FloatingPointError(f"output {item!r} is not finite")
        if isinstance(items[0], Value):
            gradients(items[0], list(self.parameters))

    # ----- running ---------------------------------------------------------------
    def forward(self, *arrays: ArrayLike, parameter_values: ArrayLike | None = None) -> Array:
        """Every sample's outputs, without gradients.

        Args:
            arrays: One array per input argument, shape (samples, width)
                (a 1-D array for width 1).
            parameter_values: Optionally one number per parameter to run
                with instead of the Values' ``data`` (a trainer that keeps
                the parameters in an array, as ``fit(compiled=True)`` does).

        Returns:
            Shape (samples,) when the function returns one Value, else
            (samples, outputs).

        Raises:
            ValueError: Wrong number of arrays, wrong width, different sample
                counts, an empty batch, NaN or infinity.
            TraceError: On the first run, the program disagrees with the
                function itself (its graph depends on the data).
        """
        batch, values = self._batch(arrays), self._checked_values(parameter_values)
        outputs = self.last_outputs = self._runner(batch, values).outputs()
        self._refuse_non_finite(batch, values, outputs)
        return outputs[:, 0] if outputs.shape[1] == 1 else outputs

    def loss(self, *arrays: ArrayLike, parameter_values: ArrayLike | None = None) -> float:
        """The batch loss (``reduction`` of the first output over samples), no gradients.

        ``parameter_values`` as for :meth:`forward`.
        """
        batch, values = self._batch(arrays), self._checked_values(parameter_values)
        self.last_outputs = self._runner(batch, values).outputs()
        self._refuse_non_finite(batch, values, self.last_outputs)
        total = float(self.last_outputs[:, 0].sum())
        return total / len(self.last_outputs) if self.reduction == "mean" else total

    def gradient(
        self, *arrays: ArrayLike, parameter_values: ArrayLike | None = None
    ) -> tuple[float, Array]:
        """The batch loss and its gradient for every parameter, leaving ``grad`` alone.

        The loss is the function's first output; further outputs (such as the
        logits, for counting correct predictions) are computed too and can be
        read from :attr:`last_outputs`. ``parameter_values`` as for
        :meth:`forward`: the gradient is taken at those numbers.

        Returns:
            (batch loss, array of d(batch loss)/d(parameter) in parameter order).

        Raises:
            ValueError: As for :meth:`forward`.
        """
        batch, values = self._batch(arrays), self._checked_values(parameter_values)
        runner = self._runner(batch, values)
        size = runner.batch_size
        seed = 1.0 / size if self.reduction == "mean" else 1.0
        self.last_outputs = runner.outputs()
        total = float(self.last_outputs[:, 0].sum())
        loss = total / size if self.reduction == "mean" else total
        gradient = runner.backward(seed)
        self._refuse_non_finite(batch, values, self.last_outputs, gradient)
        return loss, gradient

    def backward(self, *arrays: ArrayLike) -> float:
        """Forward and backward over a batch; add the batch gradient into each ``p.grad``.

        Parameters accumulate like leaves of the plain engine, so call
        ``optimizer.zero_grad()`` (or set ``p.grad = 0.0``) between steps.
        The result equals looping the plain engine over the samples and
        calling ``backward()`` on the sum (or mean) of their losses.

        Returns:
            The batch loss.
        """
        loss, gradient = self.gradient(*arrays)
        for parameter, g in zip(self.parameters, gradient.tolist()):
            parameter.grad += g
        return loss


def _placeholder_values(widths: Sequence[int], seed: int) -> list[list[float]]:
    """Positive numbers for the placeholders (safe for log and division)."""
    rng = np.random.default_rng(seed)
    return [rng.uniform(0.1, 1.0, size=width).tolist() for width in widths]


def _example_values(widths: Sequence[int], example: Sequence[ArrayLike]) -> list[list[float]]:
    if len(example) != len(widths):
        raise TraceError(
            f"compile_batch: example has {len(example)} part(s) but input_widths has "
            f"{len(widths)}; give one sample per input argument."
        )
    values = []
    for argument, (part, width) in enumerate(zip(example, widths)):
        numbers = np.asarray(part, dtype=float).ravel()
        if numbers.size != width or not np.isfinite(numbers).all():
            raise TraceError(
                f"compile_batch: example part {argument} must be {width} finite "
                f"number(s), got {numbers.tolist()!r}."
            )
        values.append(numbers.tolist())
    return values


def _engine_gradient(graph: TracedGraph, parameters: Sequence[Value]) -> list[float]:
    """The plain engine's gradient of the traced loss (parameters' grads restored)."""
    saved = [p.grad for p in parameters]
    try:
        for p in parameters:
            p.grad = 0.0
        graph.output_values[0].backward()
        return [p.grad for p in parameters]
    finally:
        for p, grad in zip(parameters, saved):
            p.grad = grad


def compile_batch(
    function: Callable[..., object],
    parameters: Sequence[Value],
    input_widths: Sequence[int],
    *,
    reduction: Reduction = "sum",
    example: Sequence[ArrayLike] | None = None,
    verify: bool = True,
    backend: str = "numpy",
    device: Any = None,
) -> BatchProgram:
    """Trace ``function`` for one sample and compile it to run over batches.

    Args:
        function: Called with one list of Values per input argument (for
            example ``function(x, t)`` with 64 pixel Values and 10 one-hot
            target Values); returns the per-sample loss (a Value) or a list
            of Values (then the program only runs forward).
        parameters: The model's parameters (``model.parameters()``), in order.
        input_widths: How many Values each argument gets, e.g. ``(64, 10)``.
        reduction: ``"sum"`` (default): the batch loss is the sum of the
            per-sample losses; ``"mean"``: their average.
        example: Optionally one real sample (one sequence per argument) to
            trace with; by default placeholders get numbers in (0.1, 1).
        verify: Trace a second time with other placeholder values and other
            parameter values (each scaled by 1.001 to 1.002, restored
            afterwards) and compare the two graphs, and compare the program's gradient on the traced
            sample with the plain engine's (default). False skips both, which
            roughly halves the compile time of a large graph; the program's
            outputs are still checked on the traced sample and on the first
            real batch.
        backend: ``"numpy"`` (default) runs the steps on NumPy arrays;
            ``"torch"`` runs the very same steps on float64 torch tensors,
            each row evaluated with :mod:`autograd_core.torch_math` (needs
            PyTorch). The checks against the plain engine run on it too.
        device: For ``backend="torch"``: ``"cpu"`` (default), ``"cuda"``,
            ``"cuda:N"`` or a ``torch.device``.

    Returns:
        The compiled program.

    Raises:
        TraceError: The function's graph differs between two samples, it
            captures a Value that is not a listed parameter, it uses an
            operation that has no vectorised form, or the program disagrees
            with the plain engine on the traced sample.
        ValueError: ``reduction`` is not "sum" or "mean", a width is < 0, an
            unknown ``backend`` or a ``device`` the backend cannot use.
        ImportError: ``backend="torch"`` without PyTorch installed.
        RuntimeError: ``device="cuda"`` where torch sees no GPU.
    """
    runs_on = backend_named(backend, device)
    if reduction not in ("sum", "mean"):
        raise ValueError(f"compile_batch: reduction must be 'sum' or 'mean', got {reduction!r}.")
    widths = tuple(int(w) for w in input_widths)
    if any(w < 0 for w in widths) or not widths:
        raise ValueError(f"compile_batch: input_widths must be counts >= 0, got {input_widths!r}.")
    first_values = (
        _example_values(widths, example) if example is not None else _placeholder_values(widths, 1)
    )
    # The traced graphs have no reference cycles: the cyclic garbage collector
    # stays paused from the first trace until they are dropped (when _compile
    # returns), so it never walks their hundreds of thousands of nodes (it
    # would, between the two traces and after, with the first graph alive).
    collector_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _compile(function, parameters, first_values, reduction, runs_on, verify)
    finally:
        if collector_was_enabled:
            gc.enable()


def _compile(
    function: Callable[..., object],
    parameters: Sequence[Value],
    first_values: list[list[float]],
    reduction: Reduction,
    runs_on: Backend,
    verify: bool,
) -> BatchProgram:
    """Trace (twice when ``verify``), schedule and check: the body of :func:`compile_batch`."""
    first = trace(function, parameters, first_values)
    if verify:
        widths = [len(values) for values in first_values]
        second = _trace_with_other_parameters(function, parameters, _placeholder_values(widths, 2))
        _compare_traces(first, second)
    schedule = build_schedule(first)
    program = BatchProgram(function, parameters, first, schedule, reduction, runs_on)
    _check_vectorised_forms(program, parameters, first_values, verify)
    # The program keeps only numbers: let the traced Values go.
    program.graph = dataclasses.replace(first, constant_leaves=(), output_values=())
    return program


#: The second trace scales every parameter by a factor in this range (0 becomes
#: factor - 1): small enough to stay inside any domain the first trace was in,
#: enough to change every number that was copied out of a parameter.
PERTURBATION = (1.001, 1.002)


def _trace_with_other_parameters(
    function: Callable[..., object], parameters: Sequence[Value], values: list[list[float]]
) -> TracedGraph:
    """Trace again with other input values *and* other parameter values (restored after).

    A number the function copied out of a parameter (through a route the
    trace guard cannot see) becomes a constant leaf; with other parameter
    values that constant differs, and :func:`_compare_traces` names it.
    """
    saved = [p.data for p in parameters]
    factors = np.random.default_rng(3).uniform(*PERTURBATION, size=len(saved)).tolist()
    try:
        for parameter, number, factor in zip(parameters, saved, factors):
            parameter.data = number * factor if number != 0.0 else factor - 1.0
        return trace(function, parameters, values)
    except TraceError:
        raise
    except (ArithmeticError, ValueError) as error:
        raise TraceError(
            "compile_batch: the function fails when its parameters change by 0.1% "
            f"({type(error).__name__}: {error}); compiled mode checks that the graph "
            "does not depend on the parameters' values by tracing it twice. Keep the "
            "parameters away from the edge of an operation's domain, or pass verify=False."
        ) from error
    finally:
        for parameter, number in zip(parameters, saved):
            parameter.data = number


def _compare_traces(first: TracedGraph, second: TracedGraph) -> None:
    """Refuse a function whose graph differs between two traces, or that captures Values."""
    if first.structure() != second.structure():
        raise TraceError(
            "compile_batch: the function builds a different graph for different inputs ("
            + first_difference(first, second)
            + "). Its graph depends on the data, so one trace cannot stand for every "
            "sample. Remove branches on values (use relu, not `if x > 0`) and numbers "
            "taken from .data."
        )
    second_leaves = {id(v) for v in second.constant_leaves}
    for leaf in first.constant_leaves:
        if id(leaf) in second_leaves:
            raise TraceError(
                f"compile_batch: the function reads {leaf!r}, a Value made outside it "
                "that is not in the parameter list. If it is a parameter, add it to "
                "`parameters` (it would get no gradient otherwise); if it is a fixed "
                "number, use a plain float."
            )


def _check_vectorised_forms(
    program: BatchProgram,
    parameters: Sequence[Value],
    values: list[list[float]],
    compare_gradients: bool,
) -> None:
    """Run the program on the traced sample and compare it with the plain engine."""
    sample = np.array([x for part in values for x in part], dtype=float)[None, :]
    runner = GroupedRunner(program.schedule, 1, program.backend)
    parameter_values = np.array([p.data for p in parameters], dtype=float)
    runner.load(parameter_values, sample)
    try:
        runner.forward()
        got = runner.outputs()[0]
        gradient = runner.backward(1.0) if compare_gradients else None
    except (ArithmeticError, DomainError):
        raise
    except Exception as error:
        name = runner.failing_row or "?"
        namespace = program.backend.math.__name__
        arrays = "NumPy arrays" if program.backend.name == "numpy" else "torch tensors"
        raise TraceError(
            f"compile_batch: operation {name!r} has no vectorised form: running its "
            f"row of the table on {arrays} failed with {type(error).__name__}: "
            f"{error}. Add the missing function to {namespace} or write "
            "the row with operations that work on arrays."
        ) from error
    for k, (a, b) in enumerate(zip(got.tolist(), program.graph.sample_outputs)):
        if not math.isclose(a, b, rel_tol=CHECK_TOLERANCE, abs_tol=CHECK_TOLERANCE):
            raise TraceError(
                f"compile_batch: output {k} is {a!r} compiled but {b!r} in the plain "
                "engine on the traced sample; an operation's vectorised form differs "
                "from its scalar form."
            )
    if gradient is not None:
        expected = _engine_gradient(program.graph, parameters)
        for index, (a, b) in enumerate(zip(gradient.tolist(), expected)):
            if not math.isclose(a, b, rel_tol=CHECK_TOLERANCE, abs_tol=CHECK_TOLERANCE):
                raise TraceError(
                    f"compile_batch: the gradient of parameter {index} is {a!r} compiled "
                    f"but {b!r} in the plain engine on the traced sample; an "
                    "operation's vectorised local derivative differs from its scalar form."
                )


__all__: list[Any] = ["BatchProgram", "compile_batch"]
