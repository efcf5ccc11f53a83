"""The step-through widget in a real JupyterLab: the test starts JupyterLab on
localhost, opens a notebook in headless Chromium, runs a cell that shows
step_through(L), clicks next, and reads the new step back in Python."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser import browser, page  # noqa: F401 - fixtures

TOKEN = "step-through-test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A JupyterLab server on 127.0.0.1 serving a fresh folder; (base URL, folder)."""
    pytest.importorskip("jupyterlab", reason='needs JupyterLab: pip install "autograd-core[dev]"')
    pytest.importorskip("anywidget", reason='needs anywidget: pip install "autograd-core[dev]"')
    nbformat = pytest.importorskip("nbformat", reason="needs nbformat (comes with JupyterLab)")
    folder = tmp_path_factory.mktemp("lab")
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "from autograd_core import step_through\n"
            "from autograd_core.demo import build_seed_graph\n"
            "steps = step_through(build_seed_graph().L)\n"
            "steps"
        ),
        nbformat.v4.new_code_cell('print("python sees step", steps.widget().step)'),
    ]
    nbformat.write(notebook, str(folder / "widget.ipynb"))
    port = free_port()
    repository = str(Path(__file__).resolve().parent.parent)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [repository, os.environ.get("PYTHONPATH")])),
        "JUPYTER_CONFIG_DIR": str(folder / "config"),
        "JUPYTER_RUNTIME_DIR": str(folder / "runtime"),
        "JUPYTERLAB_WORKSPACES_DIR": str(folder / "workspaces"),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", f"--IdentityProvider.token={TOKEN}", "--allow-root",
         "--LabApp.extension_manager=readonly",
         f"--ServerApp.root_dir={folder}", "--LabApp.news_url=",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        env=env, stdout=subprocess.DEVNULL, stderr=open(folder / "server.log", "w"),
        cwd=folder,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log = (folder / "server.log").read_text(errors="replace")[-2000:]
                    pytest.fail(f"JupyterLab did not start:\n{log}")
                time.sleep(0.5)
        yield base, folder
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def run_cell(tab: Any, number: int) -> None:
    """Select cell ``number`` (0-based), run it with Shift+Enter, wait until it has run."""
    tab.locator(".jp-Notebook .jp-Cell .jp-InputArea-editor").nth(number).click()
    tab.keyboard.press("Shift+Enter")
    prompt = tab.locator(".jp-Notebook .jp-Cell .jp-InputArea-prompt").nth(number)
    tab.wait_for_function(
        "(p) => /\\[\\d+\\]/.test(p.textContent)", arg=prompt.element_handle()
    )


def test_widget_in_jupyterlab_steps_on_click(
    jupyterlab: tuple[str, Path], page: Any  # noqa: F811
) -> None:
    """The cell's output is the widget; a click on next changes the caption, and the
    kernel sees the new step."""
    base, _ = jupyterlab
    # Only the local server may be reached.
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
        ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")) else route.abort())
    page.set_default_timeout(60_000)
    page.goto(f"{base}/lab/tree/widget.ipynb?token={TOKEN}")
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for()  # the kernel is up
    run_cell(page, 0)
    caption = page.locator(".jp-OutputArea .agc-caption-main")
    try:
        caption.wait_for()
    except Exception:
        print("\n".join(page.console[-30:]), page.errors)  # shown by pytest on failure
        raise
    first = caption.text_content()
    assert first is not None and first.startswith("The graph of L: 8 values")
    page.locator(".jp-OutputArea .agc-next").click()
    page.wait_for_function(
        "document.querySelector('.jp-OutputArea .agc-caption-main').textContent"
        ".startsWith('w = 10')"
    )
    page.locator(".jp-OutputArea .agc-next").click()
    page.wait_for_function(
        "document.querySelector('.jp-OutputArea .agc-caption-main').textContent"
        ".startsWith('x = 5')"
    )
    run_cell(page, 1)
    page.wait_for_function(
        "[...document.querySelectorAll('.jp-OutputArea-output')]"
        ".some(e => e.textContent.includes('python sees step 2'))"
    )
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / "step_through_jupyterlab.png"))
