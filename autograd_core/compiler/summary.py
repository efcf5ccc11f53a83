"""What a compiled program runs, step by step, in shapes a learner can read.

A :class:`~autograd_core.compiler.batch_program.BatchProgram` is a short list
of grouped NumPy steps (:mod:`~autograd_core.compiler.schedule`). This module
describes each step without running it: which row of the operation table it
applies, to how many scalar nodes of one sample, the shapes of the arrays it
reads and writes, and, for a layer, the matrix products. ``B`` stands for the
number of samples in a batch: the program keeps one **column** per sample, so
a layer's weighted sums come out as a (neurons x B) array.

A layer of K neurons with J inputs each is J x K ``mul`` nodes and K ``sum``
nodes per sample. Fused, they run as one matrix product, and its backward as
two (see :class:`MatrixProduct`)::

    forward:   (K x B) = (J x K)^T @ (J x B)      u = W^T x, every sample at once
    backward:  (J x K) = (J x B) @ (K x B)^T      dW = X^T dU (summed over the batch)
               (J x B) = (J x K) @ (K x B)        dX = dU W^T (transposed)

This is only a description: nothing here is on the path a batch runs. The
words come from the message catalogue (:mod:`autograd_core.messages`), in the
language asked for; the shapes and products are the same in every language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from autograd_core.compiler.program import GroupedRunner, _Contraction, _RowStep, _SumStep
from autograd_core.compiler.schedule import TAKE, UNIFORM, Schedule
from autograd_core.compiler.trace import TracedGraph, _merged_order
from autograd_core.messages import say
from autograd_core.value import Value
from autograd_core.wording import display_width, pad

#: The batch size the description is laid out for: any number > 1 keeps the
#: sample axis apart from the axes of length 1 (it is shown as ``B``).
_WIDTH = 2


def _dims(shape: Sequence[int], batched: bool) -> str:
    """``(3 x 2)``; the last axis is the sample axis, ``B`` when the array is batched."""
    *leading, _ = shape
    return "(" + " x ".join([*(str(n) for n in leading), "B" if batched else "1"]) + ")"


def _matrix(rows: int, columns: int | str) -> str:
    return f"({rows} x {columns})"


@dataclass(frozen=True)
class MatrixProduct:
    """A ``mul`` group and the ``sum`` that reads it, run as one product.

    The ``sum`` adds, for each of its K nodes, J products ``a[j, k] * b[j, k]``:
    a layer of K neurons with J inputs, where a is the weights and b the
    inputs. With the weights laid out as a (J x K) matrix (one row per input,
    one column per neuron) and one column per sample, that is
    ``(J x K)^T @ (J x B)``.

    Attributes:
        kind: ``"matmul"`` (one BLAS matrix product) or ``"einsum"`` (one
            ``np.einsum`` that multiplies and sums without forming the
            products, for operands of other shapes).
        inner: J, the number of terms summed per output (a layer's inputs).
        outputs: K, the number of outputs (a layer's neurons).
        batched: Whether the result has one column per sample (B) or one
            column in all (only parameters upstream).
        forward: The product with its shapes, e.g. ``(2 x B) = (3 x 2)^T @ (3 x B)``.
        backward: The gradient products it runs (none when no parameter is
            upstream), e.g. ``(3 x 2) = (3 x B) @ (2 x B)^T``.
        nodes: Scalar nodes of one sample it computes: J x K products.
    """

    kind: Literal["matmul", "einsum"]
    inner: int
    outputs: int
    batched: bool
    forward: str
    backward: tuple[str, ...]
    nodes: int


@dataclass(frozen=True)
class StepSummary:
    """One step of a compiled program.

    Attributes:
        number: Its position in the forward pass (1, 2, ...); backward runs
            the steps in reverse.
        level: The topological level its nodes share (1 + the highest level
            of their parents; inputs and parameters are level 0).
        operation: The table row it applies (``"sum"``, ``"tanh"``, ...).
        nodes: Scalar nodes of one sample it computes, including the ``mul``
            nodes of its matrix products.
        output_rows: Rows of its result: one per node of the group.
        batched: Whether the result has one column per sample (B).
        products: The matrix products inside it (a layer's ``sum`` step).
        forward: How it runs forward, with shapes.
        backward: What it computes on the way back, one entry per input that
            needs a gradient (empty when none does).
        lang: The language of its words (``"en"``, ``"ja"``): of ``forward``,
            ``backward``, :attr:`label` and ``str()``.
    """

    number: int
    level: int
    operation: str
    nodes: int
    output_rows: int
    batched: bool
    products: tuple[MatrixProduct, ...]
    forward: str
    backward: tuple[str, ...]
    lang: str = "en"

    @property
    def label(self) -> str:
        """A short name for the step, e.g. ``step 1: matmul + sum (8 nodes)``
        (``ステップ 1: matmul + sum (8 ノード)`` in Japanese).

        It has no dots, so it can name a box of ``draw_graph(groups=...)``.
        """
        what = "matmul + sum" if self.products else self.operation
        return say(
            "plan_label", self.lang, number=self.number, what=what,
            nodes=_node_count(self.nodes, self.lang),
        )

    def __str__(self) -> str:
        forward, backward = say("plan_forward", self.lang), say("plan_backward", self.lang)
        width = max(display_width(forward), display_width(backward)) + 1
        lines = [
            say(
                "plan_step", self.lang, number=self.number, level=self.level, what=self._what(),
                shape=_matrix(self.output_rows, "B" if self.batched else 1),
            ),
            f"    {pad(forward, width)}{self.forward}",
        ]
        lines += [
            f"    {pad(backward if i == 0 else '', width)}{text}" for i, text in enumerate(self.backward)
        ]
        return "\n".join(lines)

    def _what(self) -> str:
        what = say(
            "plan_operation", self.lang, operation=self.operation,
            nodes=_node_count(self.output_rows, self.lang),
        )
        if not self.products:
            return what
        return say("plan_fused", self.lang, what=what, count=sum(p.nodes for p in self.products))


def _node_count(count: int, lang: str) -> str:
    """``1 node``, ``8 nodes`` (``8 ノード``)."""
    return say("plan_node" if count == 1 else "plan_nodes", lang, count=count)


def _runs(texts: Sequence[str]) -> list[tuple[str, int]]:
    """Consecutive equal texts, counted."""
    runs: list[list[Any]] = []
    for text in texts:
        if runs and runs[-1][0] == text:
            runs[-1][1] += 1
        else:
            runs.append([text, 1])
    return [(text, count) for text, count in runs]


def _inputs_text(shapes: Sequence[str]) -> str:
    """Input shapes, long runs of equal ones counted: ``(2 x B), (2 x 1)`` or ``20 x (1 x B)``."""
    parts = []
    for shape, count in _runs(shapes):
        parts += [shape] * count if count < 3 else [f"{count} x {shape}"]
    return ", ".join(parts)


def _counted(texts: Sequence[str], lang: str) -> list[str]:
    """Backward lines, a run of equal ones written once: ``... (for each of 20 inputs)``."""
    return [
        text if count == 1 else say("plan_each_input", lang, text=text, count=count)
        for text, count in _runs(texts)
    ]


def _argument_shapes(bound: _RowStep, lang: str) -> list[str]:
    """The shape of every array input of a step, as the row sees it."""
    shapes = []
    for access, argument in zip(bound.step.inputs, bound.arguments):
        text = _dims(argument.shape, access.store != UNIFORM)
        shapes.append(say("plan_gathered", lang, shape=text) if access.pattern == TAKE else text)
    return shapes


def _into(bound: _RowStep, slots: Sequence[int], what: str, lang: str) -> list[str]:
    """Where the gradient of each input slot that needs one goes, and how."""
    texts = []
    batched_step = bound.step.store != UNIFORM
    for slot in slots:
        access = bound.step.inputs[slot]
        if not access.needs_grad:
            continue
        shape = _dims(bound.arguments[slot].shape, access.store != UNIFORM)
        summed = batched_step and access.store == UNIFORM
        texts.append(say("plan_into_summed" if summed else "plan_into", lang, shape=shape, what=what))
    return texts


def _product(contraction: _Contraction, J: int, K: int, mul_nodes: int, lang: str) -> MatrixProduct:
    """Describe one fused mul -> sum pair as the runner binds it."""
    a, b = contraction.a, contraction.b
    inputs = contraction.inner.step.inputs
    a_slot, b_slot = (1, 0) if contraction.swapped else (0, 1)
    a_batched = inputs[a_slot].store != UNIFORM
    b_batched = inputs[b_slot].store != UNIFORM
    batched = a_batched or b_batched
    put_a, put_b = contraction.puts
    out = _matrix(K, "B" if batched else 1)
    backward: list[str] = []
    if contraction.matrix:
        kind: Literal["matmul", "einsum"] = "matmul"
        matrix, columns = _matrix(J, K), _matrix(J, "B" if b_batched else 1)
        upstream = _matrix(K, "B" if batched else 1)
        forward = f"{out} = {matrix}^T @ {columns}"
        if put_a is not None:
            backward.append(f"{matrix} += {columns} @ {upstream}^T")
        if put_b is not None:
            backward.append(f"{columns} += {matrix} @ {upstream}")
    else:
        kind = "einsum"
        a_text, b_text = _dims(a.shape, a_batched), _dims(b.shape, b_batched)
        forward = say("plan_einsum", lang, out=out, a=a_text, b=b_text)
        if put_a is not None:
            backward.append(say("plan_einsum_back", lang, into=a_text, other=b_text, out=out))
        if put_b is not None:
            backward.append(say("plan_einsum_back", lang, into=b_text, other=a_text, out=out))
    return MatrixProduct(kind, int(J), int(K), batched, forward, tuple(backward), mul_nodes)


def _sum_summary(bound: _SumStep, lang: str) -> tuple[tuple[MatrixProduct, ...], str, list[str]]:
    """The products, forward text and backward texts of an n-ary ``sum`` step."""
    shapes = _argument_shapes(bound, lang)
    products: list[MatrixProduct] = []
    terms: list[str] = []
    backward: list[str] = []
    upstream = _matrix(bound.step.size, "B" if bound.step.store != UNIFORM else 1)
    mul_sizes = {a: mul.size for a, _, mul in bound.step.fused_blocks}
    for slot, end, what in bound.parts:
        if isinstance(what, _Contraction):
            product = _product(what, end - slot, bound.step.size, mul_sizes[slot], lang)
            products.append(product)
            terms.append(product.forward.split(" = ", 1)[1])
            backward += product.backward
        elif what is not None:
            block = _dims(what.shape, bound.step.inputs[slot].store != UNIFORM)
            terms.append(say("plan_block_sum", lang, block=block))
            if bound.step.inputs[slot].needs_grad:
                backward.append(say("plan_block_back", lang, block=block, upstream=upstream))
        else:
            terms.append(shapes[slot])
            backward += _into(bound, [slot], say("plan_upstream", lang, shape=upstream), lang)
    forward = f"{upstream} = " + " + ".join(terms)
    return tuple(products), forward, backward


def summarise(schedule: Schedule, lang: str = "en") -> list[StepSummary]:
    """Every step a program built from ``schedule`` runs, in forward order.

    The steps are laid out as the runner binds them (for a batch of two; the
    sample axis is shown as ``B``), so the description is what runs. ``lang``
    (a checked code) is the language of the words; the shapes do not change.
    """
    runner = GroupedRunner(schedule, _WIDTH)
    backward_steps = {id(bound) for bound in runner.backward_steps}
    summaries = []
    for number, bound in enumerate(runner.steps, start=1):
        step = bound.step
        gets_gradient = id(bound) in backward_steps
        if isinstance(bound, _SumStep):
            products, forward, backward = _sum_summary(bound, lang)
        else:
            products = ()
            shapes = _argument_shapes(bound, lang)
            constant = "" if step.constant is None else f", {step.constant:g}"
            out = _dims(bound.eval_shape, step.store != UNIFORM)
            forward = say(
                "plan_elementwise", lang, out=out,
                call=f"{step.row.name}({_inputs_text(shapes)}{constant})",
            )
            backward = _into(
                bound, range(len(step.inputs)), say("plan_local_upstream", lang, shape=out), lang
            )
        summaries.append(
            StepSummary(
                number=number,
                level=step.level,
                operation=step.row.name,
                nodes=step.size + sum(p.nodes for p in products),
                output_rows=step.size,
                batched=step.store != UNIFORM,
                products=products,
                forward=forward,
                backward=tuple(_counted(backward, lang)) if gets_gradient else (),
                lang=lang,
            )
        )
    return summaries


def format_steps(summaries: Sequence[StepSummary]) -> str:
    """The steps, one block each (see :meth:`StepSummary.__str__`)."""
    return "\n".join(str(summary) for summary in summaries)


def step_groups(
    graph: TracedGraph,
    schedule: Schedule,
    summaries: Sequence[StepSummary],
    outputs: Value | Sequence[Value],
) -> dict[Value, str]:
    """Which step computes each node of a plain-engine graph of one sample.

    Args:
        graph: The program's traced graph.
        schedule: The program's schedule.
        summaries: Its steps (:func:`summarise`), for their labels.
        outputs: What the compiled function returns for one sample, built by
            the plain engine (the loss, or the list of outputs).

    Returns:
        Each operation node mapped to its step's label; leaves are left out.
        ``draw_graph(loss, groups=...)`` draws one box per step.

    Raises:
        ValueError: The graph is not the traced one (another node count, or
            another operation at some position).
    """
    roots = [outputs] if isinstance(outputs, Value) else list(outputs)
    order = _merged_order(roots)
    traced = [op.name if op is not None else "" for op in graph.ops]
    if len(order) != len(traced):
        raise ValueError(
            f"step_groups: the graph has {len(order)} nodes, the compiled one "
            f"{len(traced)}. Pass what the compiled function returns for one sample "
            "(all of its outputs, in order)."
        )
    for position, (node, name) in enumerate(zip(order, traced)):
        if node.op != name:
            raise ValueError(
                f"step_groups: node {position} is {node.op or 'a leaf'!r} here but "
                f"{name or 'a leaf'!r} in the compiled graph. Pass what the compiled "
                "function returns for one sample, built from the same model."
            )
    label_of_node: dict[int, str] = {}
    steps = [step for step in schedule.steps if not step.fused_away]
    for step, summary in zip(steps, summaries):
        for node in step.nodes.tolist():
            label_of_node[node] = summary.label
        for _, _, mul in step.fused_blocks:
            for node in mul.nodes.tolist():
                label_of_node[node] = summary.label
    return {node: label_of_node[i] for i, node in enumerate(order) if i in label_of_node}
