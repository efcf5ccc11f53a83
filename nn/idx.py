"""The IDX file format of the MNIST database (and of Fashion-MNIST), read with NumPy.

An IDX file is a header and then the raw numbers::

    bytes 0-1   0x00 0x00
    byte  2     the type of the numbers: 0x08 = unsigned byte (the only one MNIST uses)
    byte  3     the number of dimensions d (1 for labels, 3 for images)
    then d big-endian 32-bit sizes (e.g. 60000, 28, 28)
    then prod(sizes) numbers, row-major

So the magic number of a label file is 0x00000801 (2049) and that of an image
file 0x00000803 (2051). The numbers are read with one ``np.frombuffer``, no
Python loop: 70,000 images take a fraction of a second. A file whose name ends
in ``.gz`` is decompressed first.

Every problem raises :class:`IDXError` naming the file and what is wrong.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

#: The magic numbers: (0, 0, type 0x08 unsigned byte, dimensions).
LABELS_MAGIC = 0x00000801
IMAGES_MAGIC = 0x00000803


class IDXError(ValueError):
    """An IDX file that cannot be read as promised (truncated, wrong magic, sizes that disagree)."""


def read_bytes(path: Path) -> bytes:
    """The file's bytes, decompressed when its name ends in ``.gz``.

    Raises:
        IDXError: A ``.gz`` file that is not gzip or is cut short.
    """
    raw = path.read_bytes()
    if path.suffix != ".gz":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as error:
        raise IDXError(
            f"{path}: not a complete gzip file ({error}); download it again or "
            "decompress it yourself (gunzip) and check its size."
        ) from None


def read_idx(path: str | Path, magic: int) -> np.ndarray:
    """Read one IDX file of unsigned bytes and check its header.

    Args:
        path: The file (``.gz`` is decompressed).
        magic: :data:`LABELS_MAGIC` or :data:`IMAGES_MAGIC` (what the file must be).

    Returns:
        A uint8 array of the sizes the header gives, e.g. (60000, 28, 28).

    Raises:
        FileNotFoundError: The file does not exist.
        IDXError: Wrong magic number, a header or body shorter or longer than
            the sizes say.
    """
    path = Path(path)
    data = read_bytes(path)
    kind = "label" if magic == LABELS_MAGIC else "image"
    if len(data) < 4:
        raise IDXError(f"{path}: only {len(data)} bytes, too short for an IDX header (4 bytes at least).")
    found = int.from_bytes(data[:4], "big")
    if found != magic:
        raise IDXError(
            f"{path}: magic number 0x{found:08x}, but an MNIST {kind} file starts with "
            f"0x{magic:08x}. Is this the right file (images and labels swapped, or not "
            "an IDX file at all)?"
        )
    dimensions = magic & 0xFF
    header = 4 + 4 * dimensions
    if len(data) < header:
        raise IDXError(f"{path}: truncated inside the header ({len(data)} of {header} bytes). Download it again.")
    sizes = tuple(int.from_bytes(data[4 + 4 * k : 8 + 4 * k], "big") for k in range(dimensions))
    expected = header + int(np.prod(sizes))
    if len(data) != expected:
        raise IDXError(
            f"{path}: the header promises {' x '.join(map(str, sizes))} numbers "
            f"({expected} bytes with the header), but the file has {len(data)} bytes; "
            f"it is {'truncated' if len(data) < expected else 'longer than it says'}. "
            "Download it again."
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(sizes)


def write_idx(path: str | Path, array: np.ndarray) -> None:
    """Write a uint8 array (1-D labels or 3-D images) as an IDX file (gzip if the name ends in .gz).

    The inverse of :func:`read_idx`: handy for tests and for saving a subset.
    """
    array = np.ascontiguousarray(array, dtype=np.uint8)
    magic = LABELS_MAGIC if array.ndim == 1 else IMAGES_MAGIC
    if array.ndim not in (1, 3):
        raise ValueError(f"write_idx: expects labels (1-D) or images (3-D), got shape {array.shape}.")
    header = magic.to_bytes(4, "big") + b"".join(size.to_bytes(4, "big") for size in array.shape)
    data = header + array.tobytes()
    path = Path(path)
    path.write_bytes(gzip.compress(data, compresslevel=1) if path.suffix == ".gz" else data)
