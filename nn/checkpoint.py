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
* **Atomic**: the file is written to a temporary file ``.NAME.<pid>.<random>.tmp``
  in the same folder, flushed to disk (fsync), then renamed over the old one
  (``os.replace``). A crash part-way through (even ``kill -9``) leaves the
  previous checkpoint intact; the temporary file it leaves behind is removed
  by the next save into that folder (one whose writer is gone: its process no
  longer exists, or the file's lock is free and it is over a minute old).
* **Like any other file**: a new checkpoint gets the mode your umask gives
  (0644 with the usual 022); replacing one keeps the old file's mode. Saving
  to a symbolic link writes the file the link points to; the link stays.
* **Refuses what is not a checkpoint**: loading accepts only a regular file
  (not a device such as ``/dev/zero``, a FIFO or a folder, also not through a
  symlink) of at most ``max_bytes`` (default :data:`MAX_CHECKPOINT_BYTES`);
  anything that cannot be decoded, including absurdly deep brackets, is a
  :class:`CheckpointError`.
* **Checked before use**: a file for another architecture, a truncated or
  corrupt file, a non-finite or non-numeric value raises
  :class:`CheckpointError` and leaves the model unchanged; values are assigned
  only after the whole file has been validated.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
import tempfile
import time
from pathlib import Path
from typing import Any

try:  # POSIX: a writer holds a lock on its temporary file, so a dead one's is free
    import fcntl
except ImportError:  # pragma: no cover - Windows: stale temporary files are left alone
    fcntl = None  # type: ignore[assignment]

from nn.module import Module

FORMAT = "autograd-core checkpoint"
VERSION = 1

#: Default ``max_bytes`` of :func:`load_checkpoint`: 256 MiB, about 5 million
#: parameters (a parameter takes about 50 bytes of JSON).
MAX_CHECKPOINT_BYTES = 256 * 2**20

#: A temporary file whose lock is free is removed once it is this old (seconds),
#: even if a process with the pid in its name exists (pids are reused).
STALE_AFTER_SECONDS = 60.0


class CheckpointError(ValueError):
    """A checkpoint file cannot be loaded into this model; the model was not changed."""


def save_checkpoint(model: Module, path: str | os.PathLike[str]) -> Path:
    """Write every parameter of ``model`` to ``path`` as JSON, atomically.

    Args:
        model: The model whose ``named_parameters()`` are saved.
        path: The file to write (conventionally ``.json``); an existing file is
            replaced only once the new one is completely on disk. A symbolic
            link is followed: the file it points to is replaced, the link stays.

    Returns:
        The path written (the link's target when ``path`` is a symlink).

    Raises:
        OSError: The folder does not exist or is not writable (the old file, if
            any, is untouched and no temporary file is left behind).
    """
    target = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    document = {
        "format": FORMAT,
        "version": VERSION,
        "model": repr(model),
        "parameters": {name: p.data for name, p in model.named_parameters()},
    }
    folder = target.parent if str(target.parent) else Path(".")
    descriptor, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=folder
    )
    try:
        if fcntl is not None:
            fcntl.flock(descriptor, fcntl.LOCK_EX)  # released by the kernel if we die
        os.fchmod(descriptor, _mode_for(target))
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
    _sync_folder(folder)
    _remove_stale_temporaries(folder, target.name)
    return target


def _mode_for(target: Path) -> int:
    """The existing file's permissions, or what the umask gives a new file (0666 & ~umask)."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        pass
    return 0o666 & ~_umask()


def _umask() -> int:
    """The process umask, read without changing it where the system allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: the only portable way to read it
    os.umask(mask)
    return mask


def _remove_stale_temporaries(folder: Path, name: str) -> None:
    """Delete ``.NAME.*.tmp`` files left by saves that crashed (kill -9, power loss).

    A live writer holds an exclusive lock on its file; a file whose lock can be
    taken belongs to a writer that is gone if the pid in its name no longer
    exists, or if it is older than :data:`STALE_AFTER_SECONDS`.
    """
    if fcntl is None:
        return
    pattern = re.compile(re.escape(f".{name}.") + r"(?:(\d+)\.)?[^/]*\.tmp")
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None:
            continue
        try:
            descriptor = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            info = os.fstat(descriptor)
            if not stat.S_ISREG(info.st_mode):
                continue
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # a save in progress
            pid = int(match.group(1)) if match.group(1) else None
            old = time.time() - info.st_mtime > STALE_AFTER_SECONDS
            if old or (pid is not None and pid != os.getpid() and not _process_exists(pid)):
                os.unlink(entry.path)
        except OSError:
            pass
        finally:
            os.close(descriptor)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


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


def _read_text(path: Path, max_bytes: int) -> str:
    """The file's text, refusing anything but a regular file of at most ``max_bytes``."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO must not block
    except IsADirectoryError:
        raise CheckpointError(f"load_checkpoint: {path} is a folder, not a checkpoint file.") from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            kind = (
                "a character device" if stat.S_ISCHR(info.st_mode)
                else "a block device" if stat.S_ISBLK(info.st_mode)
                else "a FIFO (named pipe)" if stat.S_ISFIFO(info.st_mode)
                else "a socket" if stat.S_ISSOCK(info.st_mode)
                else "a folder" if stat.S_ISDIR(info.st_mode)
                else "not a regular file"
            )
            via = f" (through the link to {os.path.realpath(path)})" if path.is_symlink() else ""
            raise CheckpointError(
                f"load_checkpoint: {path} is {kind}{via}, not a regular file; a "
                "checkpoint is a file written by save_checkpoint."
            )
        if info.st_size > max_bytes:
            raise CheckpointError(
                f"load_checkpoint: {path} has {info.st_size:,} bytes, more than "
                f"max_bytes={max_bytes:,}; it is not a checkpoint of a model this size, or "
                "pass a larger max_bytes if it really is one."
            )
        with os.fdopen(descriptor, "rb", closefd=False) as file:
            data = file.read(max_bytes + 1)  # the file may have grown since fstat
    finally:
        os.close(descriptor)
    if len(data) > max_bytes:
        raise CheckpointError(
            f"load_checkpoint: {path} grew beyond max_bytes={max_bytes:,} while being read."
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CheckpointError(f"load_checkpoint: {path} is not a text file ({error}).") from None


def _read_document(path: Path, max_bytes: int) -> dict[str, Any]:
    """The parsed JSON object of a checkpoint file, or a CheckpointError saying what is wrong."""
    text = _read_text(path, max_bytes)
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
    except RecursionError:
        raise CheckpointError(
            f"load_checkpoint: {path} nests brackets too deeply to decode; a checkpoint "
            "is one flat object of numbers, so this file is corrupt or not a checkpoint."
        ) from None
    except ValueError as error:  # e.g. an integer with more digits than Python converts
        raise CheckpointError(
            f"load_checkpoint: {path} cannot be decoded ({error}); the file is corrupt."
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


def load_checkpoint(
    model: Module, path: str | os.PathLike[str], *, max_bytes: int = MAX_CHECKPOINT_BYTES
) -> None:
    """Set every parameter of ``model`` from a file written by :func:`save_checkpoint`.

    The whole file is checked first; only then are the values assigned, so on
    any error the model keeps all its previous values. Gradients are left as
    they are.

    Args:
        model: A model of the same architecture as the one saved.
        path: The checkpoint file.
        max_bytes: Refuse a file larger than this (default
            :data:`MAX_CHECKPOINT_BYTES`, 256 MiB), before reading it.

    Raises:
        FileNotFoundError: No such file.
        CheckpointError: Not a regular file (a device such as ``/dev/zero``, a
            FIFO, a folder), larger than ``max_bytes``, not JSON (truncated,
            corrupt, nested too deeply), not a checkpoint, saved from
            another architecture (different parameter names or model description),
            or a value that is not a finite number.
    """
    path = Path(path)
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
        raise ValueError(f"load_checkpoint: max_bytes must be an int >= 1, got {max_bytes!r}.")
    document = _read_document(path, max_bytes)
    saved: dict[str, Any] = document["parameters"]
    named = model.named_parameters()
    expected = [name for name, _ in named]
    expected_names = set(expected)  # once: a set per saved name made loading quadratic
    missing = [name for name in expected if name not in saved]
    unexpected = [name for name in saved if name not in expected_names]
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
