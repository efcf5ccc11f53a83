"""Notebooks that need an optional package skip, naming it, where it is missing.

nbmake runs every notebook in this folder as a test. A notebook that needs an
optional package (PyTorch, for 16_from_autograd_core_to_pytorch) says so in
its metadata::

    "metadata": {"autograd_core": {"needs": ["torch"]}, ...}

Where one of those cannot be imported, the notebook is skipped with the
reason "NAME needs MODULE: pip install MODULE". CI installs all of them, so
there every notebook runs.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest


def needed_modules(path: Path) -> list[str]:
    """The optional modules a notebook's metadata says it needs (none for most)."""
    metadata = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    needs = metadata.get("autograd_core", {}).get("needs", [])
    return [str(module) for module in needs]


def missing_modules(path: Path) -> list[str]:
    """Those of :func:`needed_modules` that cannot be imported here."""
    return [module for module in needed_modules(path) if importlib.util.find_spec(module) is None]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each notebook whose needed modules are missing as skipped, with what to install."""
    for item in items:
        path = Path(str(item.path))
        if path.suffix != ".ipynb":
            continue
        missing = missing_modules(path)
        if missing:
            install = " ".join(missing)
            item.add_marker(pytest.mark.skip(reason=f"{path.name} needs {install}: pip install {install}"))
