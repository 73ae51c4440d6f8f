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


def test_the_projects_own_pre_commit_hooks_pass() -> None:
    """.pre-commit-config.yaml (ruff, mypy, the import contracts, `vmssplan validate` on the
    examples, the rule docs) passes on the tree, as `pre-commit run --all-files` runs it."""
    if importlib.util.find_spec("pre_commit") is None or not (REPO / ".git").exists():
        pytest.skip("pre-commit is not installed, or this is not a git checkout")
    run = subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"], cwd=REPO,
                         capture_output=True, text=True, check=False, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
