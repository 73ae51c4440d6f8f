"""The code passes its own checks: ``ruff check`` (the tree) and ``mypy`` (strict, on
vmssplan/), configured in pyproject.toml, each run as a developer runs it from the
repository root.

Both run under this interpreter (``python -m ...``), so mypy sees the stub packages that
``pip install ".[test]"`` put beside it. A tool that is not installed skips its test.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from conftest import REPO


def _run(tool: str, *args: str) -> None:
    if importlib.util.find_spec(tool) is None:
        pytest.skip(f"{tool} is not installed (pip install -e \".[test]\" brings it)")
    run = subprocess.run([sys.executable, "-m", tool, *args], cwd=REPO, capture_output=True, text=True,
                         check=False)
    assert run.returncode == 0, f"{tool} {' '.join(args)} failed (exit {run.returncode}):\n{run.stdout}{run.stderr}"


def test_ruff_finds_nothing() -> None:
    _run("ruff", "check")


def test_mypy_strict_finds_nothing() -> None:
    _run("mypy")
