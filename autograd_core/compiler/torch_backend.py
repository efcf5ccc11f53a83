"""The torch backend: a compiled program's stores are float64 torch tensors.

The same grouped steps as with NumPy (:mod:`~autograd_core.compiler.program`),
each row evaluated with :mod:`autograd_core.torch_math` on tensors on the CPU
or a CUDA device. PyTorch's own autograd is not used: the runner applies the
table's local derivatives itself, exactly as it does with NumPy, so this runs
the chain rule of the scalar engine on torch tensors. Only this module and
``torch_math`` import torch; ``compile_batch(..., backend="torch")`` loads it.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray

from autograd_core import torch_math
from autograd_core.compiler.backends import RowAdder

Tensor = torch.Tensor
IntArray = NDArray[np.intp]


class TorchBackend:
    """Arrays are float64 ``torch.Tensor`` s on one device.

    Args:
        device: ``"cpu"`` (default), ``"cuda"``, ``"cuda:1"``, or a ``torch.device``.

    Raises:
        ValueError: ``device`` is not a device name torch knows.
        RuntimeError: A CUDA device is asked for but none can be used (names
            what was found and what to do).
    """

    name = "torch"
    math: ModuleType = torch_math

    def __init__(self, device: str | torch.device | None = None) -> None:
        try:
            resolved = torch.device("cpu" if device is None else device)
        except (RuntimeError, TypeError) as error:
            raise ValueError(
                f"compile_batch: device={device!r} is not a device torch knows ({error}); "
                "use 'cpu', 'cuda' or 'cuda:N'."
            ) from None
        if resolved.type == "cuda" and not torch.cuda.is_available():
            raise RuntimeError(
                f"compile_batch: device={device!r} asks for a CUDA GPU, but torch "
                f"{torch.__version__} sees none (no GPU, or a CPU-only build of torch). "
                "Use device='cpu', or install a CUDA build of torch on a machine with a GPU."
            )
        if resolved.type not in ("cpu", "cuda"):
            raise ValueError(
                f"compile_batch: device={device!r}: the torch backend runs on 'cpu' or "
                "'cuda' devices."
            )
        self.torch_device = resolved
        self.device = str(resolved)

    def zeros(self, rows: int, columns: int) -> Tensor:
        return torch.zeros((rows, columns), dtype=torch.float64, device=self.torch_device)

    def empty(self, rows: int, columns: int) -> Tensor:
        return torch.empty((rows, columns), dtype=torch.float64, device=self.torch_device)

    def from_numpy(self, array: NDArray[np.float64]) -> Tensor:
        return torch.as_tensor(
            np.ascontiguousarray(array, dtype=np.float64), device=self.torch_device
        )

    def to_numpy(self, array: Tensor) -> NDArray[np.float64]:
        result: NDArray[np.float64] = array.detach().cpu().numpy()
        return result

    def index(self, rows: IntArray) -> Tensor:
        return torch.as_tensor(np.asarray(rows, dtype=np.int64), device=self.torch_device)

    def take(self, store: Tensor, rows: Tensor, out: Tensor) -> None:
        torch.index_select(store, 0, rows, out=out)

    def matmul(self, a: Tensor, b: Tensor, out: Tensor | None = None) -> Tensor:
        if out is None:
            return torch.matmul(a, b)
        # The runner passes ``out`` only with the product's exact shape (a view
        # into its value store), so torch writes in place and never resizes it.
        return torch.matmul(a, b, out=out)

    def einsum(self, subscripts: str, a: Tensor, b: Tensor) -> Tensor:
        return torch.einsum(subscripts, a, b)

    def sum_first_axis(self, block: Tensor) -> Tensor:
        return block.sum(dim=0)

    def row_adder(self, rows: IntArray) -> RowAdder:
        index = self.index(rows)
        distinct = len(np.unique(rows)) == len(rows)
        unique = self.index(np.unique(rows))

        def put(store: Tensor, flat: Any, assign: bool) -> None:
            # The contribution can be a view of this very store (an add node
            # passes its own grad rows on unchanged). NumPy buffers such
            # overlapping writes itself; torch refuses them, so copy first.
            if flat.untyped_storage().data_ptr() == store.untyped_storage().data_ptr():
                flat = flat.clone()
            if distinct:
                if assign:
                    store[index] = flat
                else:
                    store[index] += flat
                return
            if assign:
                store[unique] = 0.0
            store.index_add_(0, index, flat)

        return put
