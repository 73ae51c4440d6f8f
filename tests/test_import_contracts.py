"""The import contracts of pyproject.toml ([tool.importlinter]) hold: the model imports
nothing of vmssplan, stages do not import each other, renderers import only the model and
the view, nothing imports the CLI (see CONTRIBUTING.md)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO


def test_the_import_contracts_are_kept() -> None:
    lint_imports = shutil.which("lint-imports")
    if lint_imports is None:
        pytest.skip("import-linter is not installed (it comes with the test extra)")
    run = subprocess.run([lint_imports, "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=120,
                         check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def test_a_stage_importing_another_breaks_a_contract(tmp_path: Path) -> None:
    """The contract is not vacuous: a copy of the package where normalize imports classify fails it."""
    lint_imports = shutil.which("lint-imports")
    if lint_imports is None:
        pytest.skip("import-linter is not installed (it comes with the test extra)")
    shutil.copytree(REPO / "vmssplan", tmp_path / "vmssplan")
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    normalize = tmp_path / "vmssplan" / "normalize.py"
    normalize.write_text(normalize.read_text(encoding="utf-8") + "\nfrom . import classify  # noqa\n", encoding="utf-8")
    run = subprocess.run([lint_imports, "--no-cache"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                         check=False, env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 1 and "BROKEN" in run.stdout, run.stdout + run.stderr
