"""The demo (``python -m autograd_core``) prints the worked example with the
engine's numbers and writes a real diagram."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from autograd_core import demo, render

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run_demo(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """main() with arguments: (exit status, standard output, standard error)."""
    status = demo.main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_demo_prints_the_worked_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Forward values, the backward steps, the chain rule for w and b, and one SGD step."""
    status, out, _ = run_demo(capsys, "--out", str(tmp_path))
    assert status == 0
    for line in (
        "I = w * x   = 10 * 5 = 50",
        "M = I + b   = 50 + 1 = 51",
        "D = M - yc  = 51 - 48 = 3",
        "L = D ** 2  = 3 ** 2 = 9",
        "w.grad += 5 * 6  ->  w.grad = 30",
        "dL/dD = 2D = 6    (L = D ** 2)",
        "dL/dw = dL/dD * dD/dM * dM/dI * dI/dw = 6 * 1 * 1 * 5 = 30",
        "dL/db = dL/dD * dD/dM * dM/db = 6 * 1 * 1 = 6",
        "dL/dx = 60,  dL/dyc = -6",
        "dL/dw = 2x((wx + b) - yc) = 30",
        "w <- 10 - 0.01 * 30 = 9.7",
        "b <- 1 - 0.01 * 6 = 0.94",
        "loss 9 -> 2.0736",
    ):
        assert line in out, line


def test_demo_writes_valid_svg_png_and_dot_to_the_paths_it_prints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The diagram files exist where the output says, and are real SVG, PNG and DOT."""
    out_dir = tmp_path / "pictures"
    _, out, _ = run_demo(capsys, "--out", str(out_dir))
    for name in ("seed_graph.svg", "seed_graph.png", "seed_graph.dot"):
        path = out_dir / name
        assert str(path.resolve()) in out
    svg = ElementTree.fromstring((out_dir / "seed_graph.svg").read_bytes())
    assert svg.tag.endswith("svg")
    text = " ".join(t.text or "" for t in svg.iter() if t.tag.endswith("text"))
    for word in ("data 10", "grad 30", "data 51", "data 9", "grad 1"):
        assert word in text
    assert (out_dir / "seed_graph.png").read_bytes().startswith(PNG_SIGNATURE)
    assert (out_dir / "seed_graph.dot").read_text(encoding="utf-8").startswith("digraph")


def test_demo_options_change_the_numbers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--w --x --b --yc --lr: with w=2, x=3, b=-1, yc=1, D = 4 and dL/dw = 8 * 3 = 24."""
    _, out, _ = run_demo(capsys, "--w", "2", "--x", "3", "--b", "-1", "--yc", "1", "--lr", "0.1",
                         "--no-diagram")
    assert "dL/dw = dL/dD * dD/dM * dM/dI * dI/dw = 8 * 1 * 1 * 3 = 24" in out
    assert "w <- 2 - 0.1 * 24 = -0.4" in out
    assert not (tmp_path / "seed_graph.svg").exists()


def test_no_diagram_option_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--no-diagram prints the example and creates no folder."""
    monkeypatch.chdir(tmp_path)
    _, out, _ = run_demo(capsys, "--no-diagram")
    assert "seed_graph" not in out
    assert list(tmp_path.iterdir()) == []


def test_demo_without_a_renderer_still_teaches_and_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No renderer: the example is printed, the DOT is written, stderr says what to install."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(render, "_script_folders", lambda: [str(tmp_path / "empty")])
    status, out, err = run_demo(capsys, "--out", str(tmp_path / "out"))
    assert status == 0
    assert "6 * 1 * 1 * 5 = 30" in out
    assert 'pip install "autograd-core[viz]"' in err
    assert (tmp_path / "out" / "seed_graph.dot").exists()


def test_python_m_autograd_core_runs_from_a_fresh_folder(tmp_path: Path) -> None:
    """The README's command: default output folder demo_output/ in the current folder."""
    completed = subprocess.run(
        [sys.executable, "-m", "autograd_core"], cwd=tmp_path, capture_output=True,
        text=True, check=True, timeout=120,
    )
    assert "6 * 1 * 1 * 5 = 30" in completed.stdout
    assert "loss 9 -> 2.0736" in completed.stdout
    assert (tmp_path / "demo_output" / "seed_graph.svg").stat().st_size > 1000
    assert (tmp_path / "demo_output" / "seed_graph.png").read_bytes().startswith(PNG_SIGNATURE)


def run_demo_process(*args: str) -> subprocess.CompletedProcess[str]:
    """The demo as a user runs it, in a separate process."""
    return subprocess.run(
        [sys.executable, "-m", "autograd_core", *args], capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--w", "nan"], "argument --w: got 'nan', but the example needs a finite number"),
        (["--w", "inf"], "argument --w: got 'inf'"),
        (["--x=-inf"], "argument --x: got '-inf'"),
        (["--w", "1e200"], "overflows a float (above 1.8e308); use numbers below about 1e150"),
        (["--lr", "1e300"], "--lr 1e+300: one step with this learning rate sends the loss to inf"),
        (["--lr", "1e307"], "lower the learning rate"),
        (["--w", "ten"], "argument --w: expected a number, got 'ten'"),
    ],
)
def test_bad_numbers_give_a_message_and_status_2(args: list[str], message: str) -> None:
    """NaN, infinity and numbers that overflow the loss are refused by name, without a traceback."""
    result = run_demo_process("--no-diagram", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    if "1e200" in args:
        assert "learning rate" not in result.stderr  # the step size is not the problem


def test_out_that_is_a_file_or_unwritable_gives_status_2(tmp_path: Path) -> None:
    """--out naming a file, a path inside a file, or a folder that cannot be written: exit 2."""
    existing_file = tmp_path / "notes.txt"
    existing_file.write_text("keep me", encoding="utf-8")
    if os.geteuid() == 0:
        unwritable = Path("/proc/autograd_core_demo_output")  # even root cannot mkdir in /proc
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        unwritable = locked / "demo_output"
    for out, message in (
        (existing_file, "is an existing file; name a folder instead"),
        (existing_file / "sub", "lies inside the file"),
        (unwritable, "cannot write"),
    ):
        result = run_demo_process("--out", str(out))
        assert result.returncode == 2, (out, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr
    assert existing_file.read_text(encoding="utf-8") == "keep me"


def test_negative_numbers_stand_in_parentheses(capsys: pytest.CaptureFixture[str]) -> None:
    """(-41) ** 2 = 1681 and 0.01 * (-164): the printed arithmetic is what Python computes."""
    status, out, _ = run_demo(capsys, "--w", "3", "--x", "2", "--no-diagram")
    assert status == 0
    assert "L = D ** 2  = (-41) ** 2 = 1681" in out
    assert "D = M - yc  = 7 - 48 = -41" in out
    assert "w <- 3 - 0.01 * (-164) = 4.64" in out
    assert "b <- 1 - 0.01 * (-82) = 1.82" in out
    assert (-41) ** 2 == 1681 and 3 - 0.01 * (-164) == pytest.approx(4.64)


def test_zero_input_never_prints_minus_zero(capsys: pytest.CaptureFixture[str]) -> None:
    """--x 0 makes dL/dw = 2x(...) = -0.0 in floats; it prints as 0."""
    status, out, _ = run_demo(capsys, "--x", "0", "--no-diagram")
    assert status == 0
    assert "-0 " not in out and not any(line.endswith("-0") for line in out.splitlines())
    assert "dL/dw = 2x((wx + b) - yc) = 0" in out


def test_html_option_writes_the_step_through_page_and_prints_its_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--html writes steps.html beside the diagrams, prints where, and the page holds
    the example's frames (w.grad += 5 * 6 -> 30)."""
    status, out, _ = run_demo(capsys, "--out", str(tmp_path / "out"), "--html")
    page = tmp_path / "out" / "steps.html"
    assert status == 0
    assert str(page.resolve()) in out.splitlines()[-1]
    text = page.read_text(encoding="utf-8")
    # In the page's data ">" is written \u003e (nothing can close the script element).
    assert "w.grad += 5 * 6 -\\u003e 30" in text and "I = w * x = 10 * 5 = 50" in text


# ----------------------------------------------------------------------------
# In Japanese
# ----------------------------------------------------------------------------
def test_lang_ja_prints_the_example_in_japanese_with_the_articles_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--lang ja: the first article's node names, Japanese headings, the same arithmetic;
    the SVG and the step-through page carry the names and Japanese cells."""
    status, out, _ = run_demo(capsys, "--out", str(tmp_path), "--lang", "ja", "--html")
    assert status == 0
    for line in (
        "ノードを 掛け算 I、足し算 M、引き算 D、2乗 L と呼びます",
        "  掛け算 I: I = w * x   = 10 * 5 = 50",
        "  2乗 L:    L = D ** 2  = 3 ** 2 = 9",
        "順伝播", "逆伝播", "局所的な微分", "連鎖律", "学習率 0.01", "葉ノード",
        "w.grad += 5 * 6  ->  w.grad = 30",
        "dL/dw = dL/dD * dD/dM * dM/dI * dI/dw = 6 * 1 * 1 * 5 = 30",
        "w <- 10 - 0.01 * 30 = 9.7",
        "損失 9 -> 2.0736",
    ):
        assert line in out, line
    svg = (tmp_path / "seed_graph.svg").read_text(encoding="utf-8")
    assert "掛け算 I" in svg and "2乗 L" in svg and "勾配 30" in svg and "grad 30" not in svg
    page = (tmp_path / "steps.html").read_text(encoding="utf-8")
    assert '<html lang="ja">' in page and "次へ" in page and "2乗 L の誤差逆伝播" in page


def test_the_environment_variable_chooses_japanese_and_a_bad_one_is_named(tmp_path: Path) -> None:
    """AUTOGRAD_CORE_LANG=ja runs the demo in Japanese; =fr exits with status 2 naming it;
    --lang en wins over the variable."""
    env = {**os.environ, "AUTOGRAD_CORE_LANG": "ja"}
    command = [sys.executable, "-m", "autograd_core", "--no-diagram"]
    japanese = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert japanese.returncode == 0 and "掛け算 I" in japanese.stdout
    english = subprocess.run(
        [*command, "--lang", "en"], env=env, capture_output=True, text=True, timeout=120
    )
    assert english.returncode == 0 and "Forward pass" in english.stdout
    env["AUTOGRAD_CORE_LANG"] = "fr"
    bad = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "AUTOGRAD_CORE_LANG='fr'" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_an_unknown_lang_option_gives_status_2() -> None:
    """--lang fr is refused by the option parser, naming the choices."""
    result = run_demo_process("--lang", "fr", "--no-diagram")
    assert result.returncode == 2 and "--lang" in result.stderr and "'ja'" in result.stderr
