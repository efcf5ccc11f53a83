"""Where a compiled program's arrays live: NumPy (the default) or PyTorch tensors.

The grouped runner (:mod:`~autograd_core.compiler.program`) is written once.
What differs between array libraries is gathered here, in a *backend*:

* ``math``: the math namespace the table's rows run with
  (:mod:`autograd_core.array_math` or its torch twin :mod:`autograd_core.torch_math`),
  so each row's formulas are still the table's own, evaluated once more;
* a few array primitives the runner needs besides plain arithmetic and views:
  allocating stores, gathering rows, matrix products, ``einsum``, a sum over
  the first axis, adding rows with repeats, and moving arrays in and out.

Slicing, ``reshape`` (as a view), ``+=`` and ``view[...] = x`` are written
directly in the runner: NumPy arrays and torch tensors read them the same way.

:func:`backend_named` picks one. The torch backend lives in
:mod:`~autograd_core.compiler.torch_backend` and is imported only when asked
for, so ``import autograd_core`` never imports torch.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from autograd_core import array_math

Array = NDArray[np.float64]
IntArray = NDArray[np.intp]

#: The backends ``compile_batch`` knows, by name.
BACKEND_NAMES = ("numpy", "torch")


class RowAdder(Protocol):
    """Puts a (rows x width) block into given rows of a store, summing repeated rows."""

    def __call__(self, store: Any, flat: Any, assign: bool) -> None:
        """``store[rows] = flat`` (assign) or ``store[rows] += flat``, repeats added up."""


class Backend(Protocol):
    """What the grouped runner needs from an array library.

    Attributes:
        name: ``"numpy"`` or ``"torch"``.
        device: Where the arrays live (``"cpu"``, ``"cuda"``, ``"cuda:1"`` ...).
        math: The math namespace the table's rows are evaluated with.
    """

    name: str
    device: str
    math: ModuleType

    def zeros(self, rows: int, columns: int) -> Any:
        """A float64 array of zeros, shape (rows, columns)."""

    def empty(self, rows: int, columns: int) -> Any:
        """An uninitialised float64 array, shape (rows, columns)."""

    def from_numpy(self, array: Array) -> Any:
        """A NumPy float array as this backend's array (on its device)."""

    def to_numpy(self, array: Any) -> Array:
        """This backend's array as a NumPy float array."""

    def index(self, rows: IntArray) -> Any:
        """Row numbers in the form this backend indexes with."""

    def take(self, store: Any, rows: Any, out: Any) -> None:
        """``out[i] = store[rows[i]]`` for every i (a gather into a preallocated buffer)."""

    def matmul(self, a: Any, b: Any, out: Any | None = None) -> Any:
        """The matrix product a @ b, into ``out`` when given."""

    def einsum(self, subscripts: str, a: Any, b: Any) -> Any:
        """Multiply and sum over the axes ``subscripts`` drops, in one call."""

    def sum_first_axis(self, block: Any) -> Any:
        """The sum over axis 0, added left to right."""

    def row_adder(self, rows: IntArray) -> RowAdder:
        """A function putting blocks into ``rows`` of a store (rows may repeat)."""


class NumpyBackend:
    """Arrays are NumPy arrays on the CPU; rows run with :mod:`autograd_core.array_math`."""

    name = "numpy"
    device = "cpu"
    math: ModuleType = array_math

    def zeros(self, rows: int, columns: int) -> Array:
        return np.zeros((rows, columns))

    def empty(self, rows: int, columns: int) -> Array:
        return np.empty((rows, columns))

    def from_numpy(self, array: Array) -> Array:
        return array

    def to_numpy(self, array: Array) -> Array:
        return array

    def index(self, rows: IntArray) -> IntArray:
        return rows

    def take(self, store: Array, rows: IntArray, out: Array) -> None:
        np.take(store, rows, axis=0, out=out)

    def matmul(self, a: Array, b: Array, out: Array | None = None) -> Array:
        product: Array = np.matmul(a, b, out=out)
        return product

    def einsum(self, subscripts: str, a: Array, b: Array) -> Array:
        summed: Array = np.einsum(subscripts, a, b)
        return summed

    def sum_first_axis(self, block: Array) -> Array:
        summed: Array = np.add.reduce(block, axis=0)
        return summed

    def row_adder(self, rows: IntArray) -> RowAdder:
        if len(np.unique(rows)) == len(rows):

            def put_distinct(store: Array, flat: Array, assign: bool) -> None:
                if assign:
                    store[rows] = flat
                else:
                    store[rows] += flat

            return put_distinct
        # Repeated rows: sort once, then add each run of equal rows with a sorted
        # np.add.reduceat (much faster than np.add.at).
        order = np.argsort(rows, kind="stable")
        sorted_rows = rows[order]
        starts = np.flatnonzero(np.r_[True, sorted_rows[1:] != sorted_rows[:-1]])
        unique = sorted_rows[starts]

        def put_repeated(store: Array, flat: Array, assign: bool) -> None:
            summed = np.add.reduceat(flat[order], starts, axis=0)
            if assign:
                store[unique] = summed
            else:
                store[unique] += summed

        return put_repeated


#: The default backend (stateless, so one instance serves every program).
NUMPY = NumpyBackend()


def backend_named(name: str, device: str | None = None) -> Backend:
    """The backend called ``name``, its arrays on ``device``.

    Args:
        name: ``"numpy"`` (default of ``compile_batch``) or ``"torch"``.
        device: For ``"torch"``: ``"cpu"`` (default), ``"cuda"``, ``"cuda:0"`` or
            a ``torch.device``. NumPy runs only on the CPU.

    Raises:
        ValueError: An unknown name, or a device NumPy cannot use.
        ImportError: ``"torch"`` without PyTorch installed (says what to install).
        RuntimeError: A CUDA device without a GPU or CUDA build of PyTorch.
    """
    if name == "numpy":
        if device not in (None, "cpu"):
            raise ValueError(
                f"compile_batch: device={device!r} needs backend='torch'; the NumPy "
                "backend runs only on the CPU."
            )
        return NUMPY
    if name == "torch":
        try:
            from autograd_core.compiler.torch_backend import TorchBackend
        except ModuleNotFoundError as error:
            if error.name != "torch":
                raise
            raise ImportError(
                "compile_batch: backend='torch' needs PyTorch, which is not installed. "
                "Install it with: pip install torch  (or the project's extra: "
                "pip install 'autograd-core[torch]')."
            ) from None
        return TorchBackend(device)
    raise ValueError(
        f"compile_batch: backend must be one of {', '.join(map(repr, BACKEND_NAMES))}, "
        f"got {name!r}."
    )
