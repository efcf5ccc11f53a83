"""Running a schedule over a batch: forward and backward with NumPy.

:class:`GroupedRunner` executes a :class:`~autograd_core.compiler.schedule.Schedule`
for one batch size. It allocates everything once (the value stores, the
gradient stores, a buffer for every gathered input) and builds every view
up front, so that a run is a short loop over the steps:

forward, for each step:
    gather the inputs that are not plain views (``np.take`` into a buffer),
    ``y = row.forward(array_math, *inputs)``, copy y into the step's rows;

backward, for each step in reverse (only steps a parameter lies under):
    ``local = row.local_grads(array_math, y, *inputs)``, and for every input
    slot that needs it: contribution = local * upstream, summed over the
    axes the input was broadcast along (the batch axis for parameters),
    put into the input's gradient rows.

This is the chain rule ``parent.grad += local * node.grad`` of the scalar
engine, done for a whole group of nodes and a whole batch per NumPy call.

The arrays may also be torch tensors: a :mod:`~autograd_core.compiler.backends`
backend supplies the math namespace the rows run with (``array_math``, or
``torch_math`` for tensors on the CPU or a GPU) and the few array primitives
below that are not plain slicing and arithmetic. The steps are the same.

Three details make it fast (each measured in ``benchmarks/compiled.py``):

* **blocks**: consecutive input slots that are consecutive rows (the 65
  inputs of a neuron's ``sum``) are one 3-D view; ``sum`` adds the block with
  one ``np.add.reduce`` (the same left-to-right additions as the row's
  ``sum(xs)``), and a block whose local derivatives are all the same number
  (1.0 for ``sum``) gets its gradient in one operation;
* **multiply-and-reduce in one call**: where a contribution must be summed
  over broadcast axes (a weight's gradient sums over the batch), the product
  and the sum are one ``np.einsum``, which never builds the product array;
* **no zeroing**: gradient rows that receive exactly one contribution are
  assigned, not accumulated, so the gradient stores need no clearing.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from autograd_core.compiler.backends import NUMPY, Backend, RowAdder
from autograd_core.compiler.schedule import (
    BATCHED,
    REPEAT,
    SINGLE,
    SLICE,
    TAKE,
    UNIFORM,
    Access,
    Schedule,
    Step,
    sum_blocks,
)

Array = NDArray[np.float64]
IntArray = NDArray[np.intp]
_LABELS = "abcdefgh"


def _view(store: Array, access: Access, size: int, factor: tuple[int, int] | None) -> Array:
    """The input of a step as the row sees it (a view of ``store``).

    Shape (size, width), or (J, K, width) when the step is evaluated with
    ``factor`` = (J, K); broadcast inputs have 1 along the axes they repeat.
    """
    width = store.shape[1]
    start = access.start
    if access.pattern == SLICE:
        view = store[start : start + size]
        return view.reshape(*factor, width) if factor else view
    if access.pattern == SINGLE:
        view = store[start : start + 1]
        return view.reshape(1, 1, width) if factor else view
    assert factor is not None
    if access.pattern == REPEAT:
        return store[start : start + factor[0]].reshape(factor[0], 1, width)
    return store[start : start + factor[1]].reshape(1, factor[1], width)


def _rows_read(access: Access, factor: tuple[int, int] | None) -> IntArray:
    """The distinct store rows an access touches."""
    if access.pattern == TAKE:
        return np.unique(access.rows)
    if access.pattern == SINGLE:
        return np.array([access.start], dtype=np.intp)
    count = len(access.rows)
    if access.pattern == REPEAT and factor:
        count = factor[0]
    elif access.pattern != SLICE and factor:
        count = factor[1]
    return np.arange(access.start, access.start + count, dtype=np.intp)


class _Written:
    """Which gradient rows already hold a contribution, while binding backward steps.

    The first contribution to a row may simply be assigned; later ones add.
    Rows that are added to before anything was assigned must start at zero.
    """

    def __init__(self, sizes: tuple[int, int]) -> None:
        self.written = (np.zeros(sizes[0], dtype=bool), np.zeros(sizes[1], dtype=bool))
        self.zero_first: tuple[list[IntArray], list[IntArray]] = ([], [])

    def claim(self, store: int, rows: IntArray) -> bool:
        """Record a contribution to ``rows``; True when it may simply be assigned."""
        written = self.written[store]
        before = written[rows]
        written[rows] = True
        if not before.any():
            return True
        if not before.all():
            self.zero_first[store].append(rows[~before])
        return False


class _Put:
    """Puts a step's gradient contribution into one input's gradient rows.

    Reduces the contribution over the axes the input was broadcast along,
    then assigns it (first writer) or adds it; a gathered (TAKE) input is
    scattered back through its rows, adding up repeated rows (the backend's
    ``row_adder``: a sorted ``np.add.reduceat`` for NumPy, ``index_add_`` for torch).
    """

    __slots__ = ("adder", "assign", "axes", "backend", "plans", "rows", "store", "target")

    def __init__(
        self,
        backend: Backend,
        store: Array,
        target: Array | None,
        rows: IntArray,
        input_shape: tuple[int, ...],
        eval_shape: tuple[int, ...],
        assign: bool,
    ) -> None:
        self.axes = tuple(
            axis
            for axis, (have, need) in enumerate(zip(input_shape, eval_shape))
            if have == 1 and need != 1
        )
        self.backend = backend
        self.store = store
        self.target = target
        self.rows = rows
        self.assign = assign
        self.adder: RowAdder | None = backend.row_adder(rows) if target is None else None
        self.plans: dict[tuple[int, ...], tuple[str, tuple[int, ...]]] = {}

    def product(self, local: Array, upstream: Array) -> None:
        """Put local * upstream, for an array local derivative."""
        if not self.axes:
            self._store(local * upstream)
            return
        plan = self.plans.get(local.shape)
        if plan is None:
            plan = self.plans[local.shape] = self._einsum_plan(local.shape, upstream.shape)
        subscripts, keep_shape = plan
        if subscripts:
            self._store(self.backend.einsum(subscripts, local, upstream).reshape(keep_shape))
        else:
            self._store((local * upstream).sum(axis=self.axes, keepdims=True))

    def _einsum_plan(
        self, local_shape: tuple[int, ...], eval_shape: tuple[int, ...]
    ) -> tuple[str, tuple[int, ...]]:
        """Subscripts that multiply and sum over ``axes`` in one call."""
        ndim = len(eval_shape)
        if len(local_shape) != ndim:
            return "", ()
        labels = _LABELS[:ndim]
        kept = "".join(labels[a] for a in range(ndim) if a not in self.axes)
        keep_shape = tuple(1 if a in self.axes else eval_shape[a] for a in range(ndim))
        return f"{labels},{labels}->{kept}", keep_shape

    def put(self, contribution: Array) -> None:
        """Put a contribution given in the step's evaluation shape."""
        if self.axes:
            contribution = contribution.sum(axis=self.axes, keepdims=True)
        self._store(contribution)

    def _store(self, contribution: Array) -> None:
        """Assign or add an already reduced contribution into the rows."""
        target = self.target
        if target is not None:
            if self.assign:
                target[...] = contribution
            else:
                target += contribution
            return
        store = self.store
        assert self.adder is not None  # a put without a target view has an adder
        self.adder(store, contribution.reshape(len(self.rows), store.shape[1]), self.assign)


class _RowStep:
    """One group run through its row's own formulas: ``row.forward(array_math, ...)``.

    (``torch_math`` instead of ``array_math`` on the torch backend.)
    """

    def __init__(self, runner: GroupedRunner, step: Step, factor: tuple[int, int] | None) -> None:
        self.backend = runner.backend
        self.math = runner.backend.math
        self.step = step
        self.row = step.row
        self.name = step.row.name
        self.factor = factor
        width = runner.batch_size if step.store == BATCHED else 1
        self.eval_shape: tuple[int, ...] = (*factor, width) if factor else (step.size, width)
        self.arguments: list[Any] = []
        self.gathers: list[tuple[Array, Any, Array]] = []
        # A gather of rows already gathered for another slot (the p, p of p * p)
        # shares that slot's view: one copy instead of two.
        gathered: dict[tuple[int, bytes], Array] = {}
        for access in step.inputs:
            store = runner.values[access.store]
            if access.pattern == TAKE:
                key = (access.store, access.rows.tobytes())
                view = gathered.get(key)
                if view is None:
                    buffer = self.backend.empty(step.size, store.shape[1])
                    self.gathers.append((store, self.backend.index(access.rows), buffer))
                    view = buffer.reshape(*factor, store.shape[1]) if factor else buffer
                    gathered[key] = view
            else:
                view = _view(store, access, step.size, factor)
            self.arguments.append(view)
        if step.constant is not None:
            self.arguments.append(step.constant)
        rows = slice(step.start, step.start + step.size)
        self.output = runner.values[step.store][rows].reshape(self.eval_shape)
        self.upstream = runner.grads[step.store][rows].reshape(self.eval_shape)
        self.slot_puts: list[tuple[int, _Put]] = []

    def gather(self) -> None:
        """Copy the inputs that are not plain views into their buffers."""
        take = self.backend.take
        for store, rows, buffer in self.gathers:
            take(store, rows, buffer)

    def forward(self) -> None:
        self.gather()
        self.output[...] = self.row.forward(self.math, *self.arguments)

    def slot_put(self, runner: GroupedRunner, slot: int, written: _Written) -> _Put:
        """The gradient destination of one input slot (claiming its rows)."""
        access = self.step.inputs[slot]
        grads = runner.grads[access.store]
        assign = written.claim(access.store, _rows_read(access, self.step.factor))
        target = None if access.pattern == TAKE else _view(grads, access, self.step.size, self.factor)
        shape = np.shape(self.arguments[slot])
        return _Put(self.backend, grads, target, access.rows, shape, self.eval_shape, assign)

    def bind_backward(self, runner: GroupedRunner, written: _Written) -> None:
        for slot, access in enumerate(self.step.inputs):
            if access.needs_grad:
                self.slot_puts.append((slot, self.slot_put(runner, slot, written)))

    def backward(self) -> None:
        local = self.row.local_grads(self.math, self.output, *self.arguments)
        upstream = self.upstream
        for slot, put in self.slot_puts:
            factor = local[slot]
            if factor.__class__ is float:
                put.put(upstream if factor == 1.0 else factor * upstream)
            else:
                put.product(factor, upstream)


class _Contraction:
    """A ``mul`` step whose J x K products feed one ``sum`` as J slots: a matrix product.

    With a = the mul's first inputs and b = its second, viewed as (J, K, width)
    arrays (1 along broadcast axes), the sum's block is
    ``sum_j a[j, k] * b[j, k]``: for weights a (J, K, 1) and activations
    b (J, 1, batch) that is ``a.T @ b``, one BLAS call. Backward:
    d/da = b @ upstream.T and d/db = a @ upstream (or the same by ``np.einsum``
    for other shapes).
    """

    def __init__(self, runner: GroupedRunner, mul: Step, slots: int, size: int) -> None:
        self.inner = _RowStep(runner, mul, (slots, size))
        a, b = self.inner.arguments[:2]
        if b.shape[2] == 1 and a.shape[1] == 1 and b.shape[1] == size:
            a, b = b, a
            self.swapped = True
        else:
            self.swapped = False
        self.a, self.b = a, b
        self.matrix = a.shape[:2] == (slots, size) and a.shape[2] == 1 and b.shape[1] == 1
        if self.matrix:
            self.a2 = a.reshape(a.shape[0], a.shape[1])
            self.b2 = b.reshape(b.shape[0], b.shape[2])
        self.puts: list[_Put | None] = [None, None]
        self.square_put: _Put | None = None

    def forward(self, out: Array | None) -> Array:
        """The block's contribution to the sum, shape (size, width); into ``out`` if given."""
        self.inner.gather()
        backend = self.inner.backend
        if self.matrix:
            product: Array = backend.matmul(self.a2.T, self.b2, out=out)
            return product
        summed: Array = backend.einsum("jkw,jkw->kw", self.a, self.b)
        return summed

    def bind_backward(self, runner: GroupedRunner, written: _Written) -> None:
        for slot, access in enumerate(self.inner.step.inputs):
            if access.needs_grad:
                self.puts[slot] = self.inner.slot_put(runner, slot, written)
        first, second = self.inner.step.inputs[:2]
        #: Both factors are the same gathered rows (a sum of squares p * p):
        #: each gets local * upstream = p * upstream, so the rows get twice
        #: that, in one put (the first slot's, which claimed the rows first).
        self.square_put = (
            self.puts[0]
            if self.matrix
            and self.a is self.b
            and None not in self.puts
            and first.store == second.store
            and np.array_equal(first.rows, second.rows)
            else None
        )
        if self.swapped:
            self.puts.reverse()

    def backward(self, upstream: Array) -> None:
        """Put the gradients of both factors, given the sum's upstream (size, width)."""
        put_a, put_b = self.puts
        if self.matrix:
            matmul = self.inner.backend.matmul
            if self.square_put is not None:
                half = matmul(self.b2, upstream.T).reshape(self.a.shape)
                self.square_put._store(half + half)
                return
            if put_a is not None:
                put_a._store(matmul(self.b2, upstream.T).reshape(self.a.shape))
            if put_b is not None:
                put_b._store(matmul(self.a2, upstream).reshape(self.b.shape))
            return
        block_upstream = upstream[None]
        if put_a is not None:
            put_a.product(self.b, block_upstream)
        if put_b is not None:
            put_b.product(self.a, block_upstream)


class _SumStep(_RowStep):
    """An n-ary ``sum`` step, run block by block instead of slot by slot.

    Each run of slots that are consecutive rows is one ``np.add.reduce``
    (the backend's ``sum_first_axis``) over a 3-D view (the same left-to-right additions as the row's
    ``sum(xs)``), or one matrix product when it is fused with the ``mul``
    step that feeds it. Backward, the row's local derivatives (all 1.0)
    send the upstream gradient to a whole block in one operation.
    """

    def __init__(self, runner: GroupedRunner, step: Step) -> None:
        super().__init__(runner, step, None)
        fused = {a: (b, mul) for a, b, mul in step.fused_blocks}
        blocks = dict(sum_blocks(step))
        self.parts: list[tuple[int, int, Any]] = []  # (first slot, end slot, what)
        slot = 0
        while slot < len(step.inputs):
            if slot in fused:
                end, mul = fused[slot]
                what: Any = _Contraction(runner, mul, end - slot, step.size)
            elif slot in blocks:
                end = blocks[slot]
                what = self._block(runner.values, slot, end)
            else:
                end, what = slot + 1, None
            self.parts.append((slot, end, what))
            slot = end
        self.block_puts: list[tuple[int, int, Any]] = []
        # A first part that is a matrix product of the output's own shape is
        # written straight into the output (no temporary to copy); decided once.
        first = self.parts[0][2] if self.parts else None
        self.product_into_output = (
            first.__class__ is _Contraction
            and first.matrix
            and self.output.shape[1] == self.batch_width(first)
        )

    def _block(self, stores: tuple[Array, Array], a: int, b: int) -> Array:
        access = self.step.inputs[a]
        store = stores[access.store]
        rows = slice(access.start, access.start + (b - a) * self.step.size)
        return store[rows].reshape(b - a, self.step.size, store.shape[1])

    def forward(self) -> None:
        self.gather()
        output = self.output
        parts = iter(self.parts)
        if self.product_into_output:
            next(parts)[2].forward(output)
            first = False
        else:
            first = True
        for slot, _, what in parts:
            if what is None:
                part = self.arguments[slot]
            elif what.__class__ is _Contraction:
                part = what.forward(None)
            else:
                part = self.backend.sum_first_axis(what)
            if first:
                output[...] = part
                first = False
            else:
                output += part

    @staticmethod
    def batch_width(contraction: _Contraction) -> int:
        return int(max(contraction.a.shape[2], contraction.b.shape[2]))

    def bind_backward(self, runner: GroupedRunner, written: _Written) -> None:
        for slot, end, what in self.parts:
            if not self.step.inputs[slot].needs_grad:
                continue
            if what is None:
                self.slot_puts.append((slot, self.slot_put(runner, slot, written)))
            elif what.__class__ is _Contraction:
                what.bind_backward(runner, written)
                self.block_puts.append((slot, end, what))
            else:
                access = self.step.inputs[slot]
                assign = written.claim(
                    access.store,
                    np.arange(access.start, access.start + (end - slot) * self.step.size),
                )
                grads = runner.grads[access.store]
                target = self._block((runner.grads[0], runner.grads[1]), slot, end)
                put = _Put(
                    self.backend, grads, target, access.rows, target.shape,
                    (1, *self.eval_shape), assign,
                )
                self.block_puts.append((slot, end, put))

    def backward(self) -> None:
        local = self.row.local_grads(self.math, self.output, *self.arguments)
        upstream = self.upstream
        for slot, put in self.slot_puts:
            factor = local[slot]
            put.put(upstream if factor == 1.0 else factor * upstream)
        for slot, end, put in self.block_puts:
            factor = local[slot]
            if factor.__class__ is not float or local[slot:end].count(factor) != end - slot:
                raise RuntimeError(
                    f"compiled sum: expected one number as the local derivative of every "
                    f"input, got {local[slot:end]!r}; the sum row changed, so the block "
                    "fast path no longer applies."
                )
            scaled = upstream if factor == 1.0 else factor * upstream
            if put.__class__ is _Contraction:
                put.backward(scaled)
            else:
                put.put(scaled[None])


def _consecutive_runs(rows: np.ndarray, most: int = 8) -> list[tuple[int, int, int]] | None:
    """``rows`` (the store row of each column; -1: unused) as runs of consecutive rows.

    Returns:
        (first column, first row, length) of each run of columns whose rows
        go up by one, or None when a column is unused or there are more than
        ``most`` runs (then indexing is as fast as copying run by run).
    """
    if len(rows) == 0 or (rows < 0).any():
        return None
    starts = np.flatnonzero(np.diff(rows) != 1) + 1
    bounds = [0, *starts.tolist(), len(rows)]
    if len(bounds) - 1 > most:
        return None
    return [(a, int(rows[a]), b - a) for a, b in zip(bounds[:-1], bounds[1:])]


class GroupedRunner:
    """A schedule bound to one batch size: stores, buffers and views, built once.

    Args:
        schedule: What to run.
        batch_size: Number of samples (columns of the batched store).
        backend: Where the stores live and which math namespace the rows run
            with (NumPy by default; see :mod:`~autograd_core.compiler.backends`).
    """

    def __init__(self, schedule: Schedule, batch_size: int, backend: Backend = NUMPY) -> None:
        self.schedule = schedule
        self.batch_size = batch_size
        self.backend = backend
        uniform_rows, batched_rows = schedule.store_sizes
        zeros = backend.zeros
        self.values = (zeros(uniform_rows, 1), zeros(batched_rows, batch_size))
        self.grads = (zeros(uniform_rows, 1), zeros(batched_rows, batch_size))
        # The uniform stores' one column as 1-D views: indexing a view by rows
        # is about a third faster than indexing (rows, 0) of the 2-D store,
        # and every step copies every parameter in and every gradient out.
        self._uniform_values = self.values[UNIFORM][:, 0]
        self._uniform_grads = self.grads[UNIFORM][:, 0]
        self._uniform_values[backend.index(schedule.constant_rows)] = backend.from_numpy(
            schedule.constant_values
        )
        #: The name of the row whose step raised, if one did (for error messages).
        self.failing_row: str | None = None
        self.steps: list[_RowStep] = []
        for step in schedule.steps:
            if step.fused_away:
                continue
            if step.row.name == "sum":
                self.steps.append(_SumStep(self, step))
            else:
                self.steps.append(_RowStep(self, step, step.factor))
        written = _Written(schedule.store_sizes)
        output_store, output_row = schedule.outputs[0]
        written.claim(output_store, np.array([output_row], dtype=np.intp))
        self.backward_steps: list[_RowStep] = []
        for bound in reversed(self.steps):
            if bound.step.needs_grad:
                bound.bind_backward(self, written)
                self.backward_steps.append(bound)
        self._zero_first = [
            (grads, backend.index(np.unique(np.concatenate(rows))))
            for grads, rows in zip(self.grads, written.zero_first)
            if rows
        ]
        used = schedule.parameter_rows >= 0
        self._parameter_rows = backend.index(schedule.parameter_rows[used])
        self._used_parameters = used
        self._all_parameters_used = bool(used.all())
        columns = schedule.input_rows >= 0
        self._input_rows = backend.index(schedule.input_rows[columns])
        self._input_columns = columns
        #: The batch's columns as a few runs (first column, first row, length)
        #: of consecutive columns landing in consecutive rows (the usual case:
        #: an input's columns in order, a target's in order elsewhere), each
        #: copied in as one slice; None: too scattered, copied by indexing.
        self._input_runs = _consecutive_runs(schedule.input_rows)
        self._output_rows = [row for _, row in schedule.outputs]
        self._outputs_batched = all(store == BATCHED for store, _ in schedule.outputs)

    def load(self, parameter_values: Array, inputs: Array) -> None:
        """Copy the parameters (one value each) and the batch (samples x columns) in."""
        from_numpy = self.backend.from_numpy
        used = parameter_values if self._all_parameters_used else (
            parameter_values[self._used_parameters]
        )
        self._uniform_values[self._parameter_rows] = from_numpy(used)
        if self._input_runs is not None:
            batched = self.values[BATCHED]
            for column, row, length in self._input_runs:
                batched[row:row + length] = from_numpy(inputs[:, column:column + length].T)
        else:
            self.values[BATCHED][self._input_rows] = from_numpy(inputs[:, self._input_columns].T)

    def forward(self) -> None:
        """Run every step on the loaded batch."""
        step = None
        try:
            for step in self.steps:
                step.forward()
        except Exception:
            self.failing_row = step.name if step is not None else None
            raise

    def outputs(self) -> Array:
        """The function's outputs for every sample, shape (batch, outputs)."""
        to_numpy = self.backend.to_numpy
        if self._outputs_batched:
            return to_numpy(self.values[BATCHED][self._output_rows].T)
        columns = [
            np.broadcast_to(to_numpy(self.values[store][row]), (self.batch_size,))
            for store, row in self.schedule.outputs
        ]
        return np.stack(columns, axis=1)

    def backward(self, seed: float) -> Array:
        """Backpropagate from the first output, each sample's seed ``seed``.

        Returns:
            The gradient of (seed x the sum over samples of the first output)
            with respect to every parameter, in parameter order (0 for unused ones).
        """
        for grads, rows in self._zero_first:
            grads[rows] = 0.0
        store, row = self.schedule.outputs[0]
        # A uniform output is the same for every sample: its batch sum is B times it.
        self.grads[store][row] = seed if store == BATCHED else seed * self.batch_size
        step = None
        try:
            for step in self.backward_steps:
                step.backward()
        except Exception:
            self.failing_row = step.name if step is not None else None
            raise
        used = self.backend.to_numpy(self._uniform_grads[self._parameter_rows])
        if self._all_parameters_used:
            return used  # indexing made a copy already
        gradient = np.zeros(len(self._used_parameters))
        gradient[self._used_parameters] = used
        return gradient
