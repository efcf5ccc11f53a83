"""The README's nn section runs as written and its stated numbers hold."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _nn_section() -> str:
    start = README.index("## nn: neurons, layers and training")
    following = re.search(r"^## ", README[start + 3:], flags=re.MULTILINE)
    return README[start: start + 3 + following.start()] if following else README[start:]


def _python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def test_build_train_evaluate_save_reload_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The dozen-line moons example trains to 100%, saves, reloads, and prints what its comment says."""
    block = README.split("<!-- nn-example:begin -->")[1].split("<!-- nn-example:end -->")[0]
    (code,) = _python_blocks(block)
    assert len(code.strip().splitlines()) <= 14
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile(code, "README nn example", "exec"), namespace)  # noqa: S102 - our own README
    printed = capsys.readouterr().out
    assert "MLP(2 -> 16 tanh -> 1 identity, 65 parameters) training accuracy: 1.0" in printed
    assert (tmp_path / "moons.json").is_file()


def test_hand_written_loop_runs_and_learns() -> None:
    """The hand-written training loop of the section runs and drives its loss down."""
    loop = _python_blocks(_nn_section())[1]
    assert "optimizer.zero_grad()" in loop
    namespace: dict[str, object] = {}
    exec(compile(loop, "README nn loop", "exec"), namespace)  # noqa: S102 - our own README
    assert namespace["loss"].data < 0.05  # type: ignore[attr-defined]


def test_digits_example_is_valid_python() -> None:
    """The digits example compiles (running it takes about a minute; its figure is measured by hand)."""
    (digits_block,) = [block for block in _python_blocks(_nn_section()) if "digits()" in block]
    compile(digits_block, "README digits example", "exec")


def test_regularisation_example_prints_what_its_comments_say(capsys: pytest.CaptureFixture[str]) -> None:
    """The dropout + weight decay + early stopping example stops at epoch 29 and restores epoch 19."""
    (block,) = [block for block in _python_blocks(_nn_section()) if "early_stopping=" in block]
    exec(compile(block, "README regularisation example", "exec"), {})  # noqa: S102 - our own README
    printed = capsys.readouterr().out.split("\n")
    assert printed[0] == "19 29 True"
    assert printed[1] == "0.815"


def test_digits_node_count_in_the_text_is_the_graph_size() -> None:
    """The README's node count for one 8x8 digits image is the size of that graph."""
    from autograd_core import topological_order
    from nn import MLP, softmax_cross_entropy
    from nn.datasets import digits

    X, y = digits()
    model = MLP(64, [32, 10], activation="tanh", seed=0)
    count = len(topological_order(softmax_cross_entropy(model(X[0]), int(y[0]))))
    assert f"{count:,}\nnodes in the graph of one 8x8 image's loss" in _nn_section()
