"""PyTorch stays optional: nothing in the default import path imports it, and asking for it says what to install."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser from PyPI (the dev extra installs it)
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def test_importing_the_packages_does_not_import_torch() -> None:
    """import autograd_core, nn (and a NumPy compile) leaves torch out of sys.modules."""
    code = (
        "import sys, numpy as np\n"
        "import autograd_core, nn\n"
        "from autograd_core import Value, compile_batch\n"
        "w = Value(1.0)\n"
        "compile_batch(lambda x: (w * x[0]).tanh(), [w], (1,)).gradient(np.ones((2, 1)))\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_torch_is_an_extra_and_not_a_default_or_dev_dependency() -> None:
    """pyproject.toml lists torch only in its own extra, never in the dependencies or the dev extra."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert not any(d.startswith("torch") for d in project["dependencies"])
    extras = project["optional-dependencies"]
    assert any(d.startswith("torch>=") for d in extras["torch"])
    assert not any("torch" in d for d in extras["dev"])


def test_the_torch_backend_without_torch_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    """compile_batch(backend='torch') where torch cannot be imported raises ImportError naming pip install torch."""
    from autograd_core import Value, compile_batch

    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    for name in ("autograd_core.torch_math", "autograd_core.compiler.torch_backend"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    w = Value(1.0)
    with pytest.raises(ImportError, match="pip install torch"):
        compile_batch(lambda x: w * x[0], [w], (1,), backend="torch")
