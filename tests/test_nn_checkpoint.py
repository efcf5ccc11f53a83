"""Tests for nn.checkpoint: exact JSON round trip, every bad file, atomic writes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn.checkpoint
from nn import MLP, CheckpointError, load_checkpoint, save_checkpoint


def _data(model: MLP) -> list[float]:
    return [p.data for p in model.parameters()]


def test_round_trip_is_exact(tmp_path: Path) -> None:
    """Saving then loading into a fresh model of the same architecture restores every bit."""
    saved = MLP(3, [5, 2], activation="relu", seed=1)
    path = save_checkpoint(saved, tmp_path / "model.json")
    loaded = MLP(3, [5, 2], activation="relu", seed=2)
    assert _data(loaded) != _data(saved)
    load_checkpoint(loaded, path)
    assert _data(loaded) == _data(saved)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=3, max_size=3))
def test_any_finite_float_survives_the_round_trip(tmp_path_factory: pytest.TempPathFactory, numbers: list[float]) -> None:
    """Subnormals, -0.0, huge and tiny numbers all come back bit for bit."""
    model = MLP(2, [1], seed=0)
    for p, x in zip(model.parameters(), numbers):
        p.data = x
    path = save_checkpoint(model, tmp_path_factory.mktemp("ckpt") / "m.json")
    other = MLP(2, [1], seed=5)
    load_checkpoint(other, path)
    assert [p.data.hex() for p in other.parameters()] == [x.hex() for x in numbers]


def test_file_is_readable_json_by_parameter_name(tmp_path: Path) -> None:
    """The file is plain JSON with the format, the model's repr and named parameters."""
    model = MLP(2, [2, 1], seed=0)
    document = json.loads(save_checkpoint(model, tmp_path / "m.json").read_text())
    assert document["format"] == "autograd-core checkpoint" and document["version"] == 1
    assert document["model"] == repr(model)
    assert list(document["parameters"]) == [name for name, _ in model.named_parameters()]


def _write(path: Path, document: object) -> Path:
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


def _good_document(model: MLP) -> dict:  # type: ignore[type-arg]
    return {"format": "autograd-core checkpoint", "version": 1, "model": repr(model),
            "parameters": {name: p.data for name, p in model.named_parameters()}}


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda d: d["parameters"].pop("layers.0.neurons.0.bias"), "another architecture.*missing"),
        (lambda d: d["parameters"].update({"layers.2.neurons.0.bias": 1.0}), "unexpected layers.2"),
        (lambda d: d.update(model="MLP(2 -> 2 relu -> 1 identity, 9 parameters)"), "another architecture"),
        (lambda d: d["parameters"].update({"layers.0.neurons.0.bias": "0.5"}), "not a number"),
        (lambda d: d["parameters"].update({"layers.0.neurons.0.bias": None}), "not a number"),
        (lambda d: d["parameters"].update({"layers.0.neurons.0.bias": True}), "not a number"),
        (lambda d: d["parameters"].update({"layers.0.neurons.0.bias": 10**400}), "finite"),
        (lambda d: d.update(format="something else"), "not an autograd-core checkpoint"),
        (lambda d: d.update(version=99), "version 99"),
        (lambda d: d.update(parameters=[1, 2]), "no \"parameters\" object"),
    ],
)
def test_bad_contents_raise_and_leave_the_model_unchanged(tmp_path: Path, spoil, message: str) -> None:  # type: ignore[no-untyped-def]
    """Wrong architecture, wrong types, huge numbers, wrong format: CheckpointError, model untouched."""
    model = MLP(2, [2, 1], seed=0)
    document = _good_document(model)
    for p in model.parameters():
        p.data += 1.0  # the file now differs from the model in every value
    before = _data(model)
    spoil(document)
    with pytest.raises(CheckpointError, match=message):
        load_checkpoint(model, _write(tmp_path / "bad.json", document))
    assert _data(model) == before


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_are_refused(tmp_path: Path, constant: str) -> None:
    """NaN, infinities (and numbers that overflow to them) raise CheckpointError."""
    model = MLP(2, [1], seed=0)
    text = json.dumps(_good_document(model)).replace(
        f"{model.parameters()[-1].data!r}}}", f"{constant}}}"
    )
    assert constant in text
    before = _data(model)
    with pytest.raises(CheckpointError, match="finite"):
        load_checkpoint(model, _write(tmp_path / "nan.json", text))
    assert _data(model) == before


def test_truncated_corrupt_and_binary_files_are_refused(tmp_path: Path) -> None:
    """A file cut short, garbage text or bytes that are not UTF-8 raise CheckpointError."""
    model = MLP(2, [2, 1], seed=0)
    good = save_checkpoint(model, tmp_path / "good.json").read_text()
    before = _data(model)
    cases = {"truncated": good[: len(good) // 2], "corrupt": "{not json", "empty": ""}
    for name, text in cases.items():
        with pytest.raises(CheckpointError, match="truncated or corrupt"):
            load_checkpoint(model, _write(tmp_path / f"{name}.json", text))
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(CheckpointError, match="not a text file"):
        load_checkpoint(model, binary)
    with pytest.raises(FileNotFoundError):
        load_checkpoint(model, tmp_path / "missing.json")
    assert _data(model) == before


@pytest.mark.parametrize("failing", ["json.dump", "os.replace", "os.fsync"])
def test_a_crash_during_save_keeps_the_old_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    """If writing, syncing or renaming fails, the old file is intact and no temporary file is left."""
    path = tmp_path / "model.json"
    old_model = MLP(2, [3, 1], seed=0)
    save_checkpoint(old_model, path)
    old_text = path.read_text()

    def crash(*args: object, **kwargs: object) -> None:
        if failing == "json.dump":  # write half of something first, then die
            args[1].write('{"format": "autograd-core checkpoint", "parame')  # type: ignore[attr-defined]
        raise OSError(f"simulated crash in {failing}")

    module, name = failing.split(".")
    monkeypatch.setattr(getattr(nn.checkpoint, module), name, crash)
    with pytest.raises(OSError, match="simulated crash"):
        save_checkpoint(MLP(2, [3, 1], seed=1), path)
    monkeypatch.undo()
    assert path.read_text() == old_text
    assert sorted(os.listdir(tmp_path)) == ["model.json"]
    restored = MLP(2, [3, 1], seed=7)
    load_checkpoint(restored, path)
    assert _data(restored) == _data(old_model)


def test_saving_into_a_missing_folder_fails_cleanly(tmp_path: Path) -> None:
    """A folder that does not exist gives an OSError and creates nothing."""
    with pytest.raises(OSError):
        save_checkpoint(MLP(2, [1], seed=0), tmp_path / "no" / "such" / "m.json")
    assert os.listdir(tmp_path) == []


# ----- hostile files, crashes and permissions (real files and processes) ---------------------
def _small_model() -> MLP:
    return MLP(2, [3, 1], seed=0)


def test_a_symlink_to_dev_zero_is_refused_quickly(tmp_path: Path) -> None:
    """An endless device behind a symlink used to be read until memory ran out."""
    link = tmp_path / "model.json"
    link.symlink_to("/dev/zero")
    model = _small_model()
    before = [p.data for p in model.parameters()]
    with pytest.raises(CheckpointError, match=r"is a character device \(through the link to /dev/zero\), not a regular file"):
        load_checkpoint(model, link)
    assert [p.data for p in model.parameters()] == before


def test_a_fifo_and_a_folder_are_refused_without_blocking(tmp_path: Path) -> None:
    """A named pipe with no writer would block a plain open(); a folder is not a file."""
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with pytest.raises(CheckpointError, match="is a FIFO"):
        load_checkpoint(_small_model(), fifo)
    with pytest.raises(CheckpointError, match="is a folder"):
        load_checkpoint(_small_model(), tmp_path)


def test_a_file_above_max_bytes_is_refused_before_reading(tmp_path: Path) -> None:
    """The size limit is an argument; the default is MAX_CHECKPOINT_BYTES."""
    model = _small_model()
    path = save_checkpoint(model, tmp_path / "m.json")
    size = path.stat().st_size
    with pytest.raises(CheckpointError, match=rf"has {size:,} bytes, more than max_bytes=100"):
        load_checkpoint(model, path, max_bytes=100)
    load_checkpoint(model, path, max_bytes=size)
    big = tmp_path / "big.json"
    with open(big, "wb") as file:
        file.truncate(nn.checkpoint.MAX_CHECKPOINT_BYTES + 1)   # sparse: no disk used
    with pytest.raises(CheckpointError, match="more than max_bytes=268,435,456"):
        load_checkpoint(model, big)
    with pytest.raises(ValueError, match="max_bytes must be an int >= 1"):
        load_checkpoint(model, path, max_bytes=0)


def test_deeply_nested_brackets_are_a_checkpoint_error(tmp_path: Path) -> None:
    """100,000 '[' used to raise RecursionError out of the JSON decoder."""
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    model = _small_model()
    before = [p.data for p in model.parameters()]
    with pytest.raises(CheckpointError, match="nests brackets too deeply"):
        load_checkpoint(model, path)
    assert [p.data for p in model.parameters()] == before


def test_a_checkpoint_of_200000_parameters_loads(tmp_path: Path) -> None:
    """Loading is linear in the parameters (it rebuilt a set per saved name: 200,000 took hours)."""
    model = MLP(400, [500], activation="identity", seed=0)     # 200,500 parameters
    path = save_checkpoint(model, tmp_path / "big.json")
    other = MLP(400, [500], activation="identity", seed=1)
    load_checkpoint(other, path)
    assert [p.data for p in other.parameters()] == [p.data for p in model.parameters()]


def test_saved_files_follow_the_umask_and_keep_an_existing_mode(tmp_path: Path) -> None:
    """A new checkpoint is 0666 & ~umask (was 0600, the temporary file's); a replaced one keeps its mode."""
    old = os.umask(0o022)
    try:
        path = save_checkpoint(_small_model(), tmp_path / "m.json")
        assert path.stat().st_mode & 0o777 == 0o644
        os.umask(0o077)
        assert save_checkpoint(_small_model(), tmp_path / "private.json").stat().st_mode & 0o777 == 0o600
        path.chmod(0o640)
        save_checkpoint(_small_model(), path)
        assert path.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(old)


def test_saving_through_a_symlink_updates_its_target_and_keeps_the_link(tmp_path: Path) -> None:
    """The link stays a link; the file it points to gets the new checkpoint."""
    real = tmp_path / "store" / "real.json"
    real.parent.mkdir()
    save_checkpoint(_small_model(), real)
    link = tmp_path / "latest.json"
    link.symlink_to(real)
    model = MLP(2, [3, 1], seed=5)
    assert save_checkpoint(model, link) == real
    assert link.is_symlink() and os.path.realpath(link) == str(real)
    restored = _small_model()
    load_checkpoint(restored, link)
    assert [p.data for p in restored.parameters()] == [p.data for p in model.parameters()]
    assert not list(tmp_path.glob(".*.tmp")) and not list(real.parent.glob(".*.tmp"))


_SAVE_THEN_HANG = """
import os, sys, time
import nn.checkpoint
from nn import MLP, save_checkpoint

def hang(fd):                       # the data is written, the rename not yet done
    print("inside", flush=True)
    time.sleep(60)

nn.checkpoint.os.fsync = hang
save_checkpoint(MLP(2, [3, 1], seed=int(sys.argv[2])), sys.argv[1])
"""


def test_temporary_files_of_saves_killed_with_sigkill_are_removed_by_the_next_save(tmp_path: Path) -> None:
    """kill -9 during save: the old checkpoint survives, and the next save removes the .NAME.*.tmp left behind."""
    import signal
    import subprocess
    import sys

    path = tmp_path / "model.json"
    first = _small_model()
    save_checkpoint(first, path)
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    for seed in (1, 2, 3):
        child = subprocess.Popen(
            [sys.executable, "-c", _SAVE_THEN_HANG, str(path), str(seed)],
            stdout=subprocess.PIPE, text=True, env=environment,
        )
        assert child.stdout is not None and child.stdout.readline().strip() == "inside"
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    left = sorted(tmp_path.glob(".model.json.*.tmp"))
    assert len(left) == 3 and all(f.stat().st_size > 0 for f in left)
    restored = _small_model()
    load_checkpoint(restored, path)                      # the previous checkpoint survived
    assert [p.data for p in restored.parameters()] == [p.data for p in first.parameters()]
    save_checkpoint(first, path)
    assert not list(tmp_path.glob(".model.json.*.tmp"))


def test_a_save_in_progress_in_another_process_is_not_disturbed(tmp_path: Path) -> None:
    """The cleanup skips a temporary file whose writer is alive (it holds the file's lock)."""
    import subprocess
    import sys

    path = tmp_path / "model.json"
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen(
        [sys.executable, "-c", _SAVE_THEN_HANG, str(path), "1"],
        stdout=subprocess.PIPE, text=True, env=environment,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "inside"
        save_checkpoint(_small_model(), path)
        assert len(list(tmp_path.glob(".model.json.*.tmp"))) == 1
    finally:
        child.kill()
        child.wait(10)
