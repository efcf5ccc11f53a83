"""Saving and loading a model's parameters as human-readable JSON.

A checkpoint file looks like this (one entry per parameter, by its dotted name)::

    {
      "format": "autograd-core checkpoint",
      "version": 1,
      "model": "MLP(2 -> 4 tanh -> 1 identity, 17 parameters)",
      "parameters": {
        "layers.0.neurons.0.weights.0": -0.2913511937642958,
        ...
      }
    }

* **Exact**: JSON numbers are written with Python's shortest round-trip
  representation of a float, so loading gives back the very same bits.
* **No pickle**: loading a file never runs code.
* **Atomic**: the file is written to a temporary file in the same folder,
  flushed to disk (fsync), then renamed over the old one (``os.replace``). A
  crash part-way through leaves the previous checkpoint intact.
* **Checked before use**: a file for another architecture, a truncated or
  corrupt file, a non-finite or non-numeric value raises
  :class:`CheckpointError` and leaves the model unchanged; values are assigned
  only after the whole file has been validated.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from nn.module import Module

FORMAT = "autograd-core checkpoint"
VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint file cannot be loaded into this model; the model was not changed."""


def save_checkpoint(model: Module, path: str | os.PathLike[str]) -> Path:
    """Write every parameter of ``model`` to ``path`` as JSON, atomically.

    Args:
        model: The model whose ``named_parameters()`` are saved.
        path: The file to write (conventionally ``.json``); an existing file is
            replaced only once the new one is completely on disk.

    Returns:
        The path written.

    Raises:
        OSError: The folder does not exist or is not writable (the old file, if
            any, is untouched and no temporary file is left behind).
    """
    target = Path(path)
    document = {
        "format": FORMAT,
        "version": VERSION,
        "model": repr(model),
        "parameters": {name: p.data for name, p in model.named_parameters()},
    }
    descriptor, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent if str(target.parent) else "."
    )
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump(document, file, indent=2, allow_nan=False)
            file.write("\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
    _sync_folder(target.parent)
    return target


def _sync_folder(folder: Path) -> None:
    """Flush the folder entry of the rename to disk too (POSIX; a no-op where unsupported)."""
    try:
        descriptor = os.open(folder if str(folder) else ".", os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _refuse_constant(name: str) -> Any:
    raise CheckpointError(f"holds the non-finite number {name}")


def _read_document(path: Path) -> dict[str, Any]:
    """The parsed JSON object of a checkpoint file, or a CheckpointError saying what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise CheckpointError(f"load_checkpoint: {path} is not a text file ({error}).") from None
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except CheckpointError as error:
        raise CheckpointError(
            f"load_checkpoint: {path} {error}; parameters must be finite numbers."
        ) from None
    except json.JSONDecodeError as error:
        raise CheckpointError(
            f"load_checkpoint: {path} is not valid JSON ({error}); the file is truncated "
            "or corrupt. Load an earlier checkpoint or save again."
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise CheckpointError(
            f"load_checkpoint: {path} is not an autograd-core checkpoint (no "
            f'"format": "{FORMAT}" entry).'
        )
    if document.get("version") != VERSION:
        raise CheckpointError(
            f"load_checkpoint: {path} has checkpoint version {document.get('version')!r}; "
            f"this library reads version {VERSION}."
        )
    if not isinstance(document.get("parameters"), dict):
        raise CheckpointError(f'load_checkpoint: {path} has no "parameters" object.')
    return document


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:5])
    return shown + (f", ... ({len(names)} in all)" if len(names) > 5 else "")


def load_checkpoint(model: Module, path: str | os.PathLike[str]) -> None:
    """Set every parameter of ``model`` from a file written by :func:`save_checkpoint`.

    The whole file is checked first; only then are the values assigned, so on
    any error the model keeps all its previous values. Gradients are left as
    they are.

    Args:
        model: A model of the same architecture as the one saved.
        path: The checkpoint file.

    Raises:
        FileNotFoundError: No such file.
        CheckpointError: Not JSON (truncated, corrupt), not a checkpoint, saved from
            another architecture (different parameter names or model description),
            or a value that is not a finite number.
    """
    path = Path(path)
    document = _read_document(path)
    saved: dict[str, Any] = document["parameters"]
    named = model.named_parameters()
    expected = [name for name, _ in named]
    missing = [name for name in expected if name not in saved]
    unexpected = [name for name in saved if name not in set(expected)]
    if missing or unexpected or document.get("model") != repr(model):
        details = []
        if missing:
            details.append(f"missing {_listed(missing)}")
        if unexpected:
            details.append(f"unexpected {_listed(unexpected)}")
        raise CheckpointError(
            f"load_checkpoint: {path} was saved from another architecture: the file has "
            f"{document.get('model')!r}, this model is {model!r}"
            + (f" ({'; '.join(details)})" if details else "")
            + ". Build the model with the same sizes and activations before loading."
        )
    values = []
    for name in expected:
        value = saved[name]
        if type(value) not in (int, float):
            raise CheckpointError(
                f"load_checkpoint: {path}: parameter {name} is {value!r} "
                f"({type(value).__name__}), not a number."
            )
        try:
            number = float(value)
        except OverflowError:  # an int too large for a float
            number = math.inf
        if not math.isfinite(number):
            raise CheckpointError(
                f"load_checkpoint: {path}: parameter {name} is {value!r}, too large for a "
                "float; parameters must be finite numbers."
            )
        values.append(number)
    for (_, parameter), value in zip(named, values):
        parameter.data = value
