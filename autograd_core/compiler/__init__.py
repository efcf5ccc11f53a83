"""Compiled batch mode: trace a per-sample scalar graph once, run it over batches with NumPy.

* :mod:`~autograd_core.compiler.trace` records the graph as flat lists;
* :mod:`~autograd_core.compiler.schedule` groups nodes by (level, operation)
  and lays out their storage so that most reads are plain slices;
* :mod:`~autograd_core.compiler.program` runs the groups forward and backward;
* :mod:`~autograd_core.compiler.batch_program` ties them together:
  :func:`compile_batch` and :class:`BatchProgram`;
* :mod:`~autograd_core.compiler.summary` describes the steps for a reader
  (``program.plan()``, ``program.describe(steps=True)``): each group's
  operation and shapes, a layer's matrix products;
* :mod:`~autograd_core.compiler.per_node` is the simple design (one NumPy call
  per node) kept for comparison.
"""

from autograd_core.compiler.batch_program import BatchProgram, compile_batch
from autograd_core.compiler.summary import MatrixProduct, StepSummary
from autograd_core.compiler.trace import TraceError

__all__ = ["BatchProgram", "MatrixProduct", "StepSummary", "TraceError", "compile_batch"]
