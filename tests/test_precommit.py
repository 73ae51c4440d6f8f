"""The hooks of .pre-commit-hooks.yaml, run by the real pre-commit tool on a temporary
repository: a commit with a rejected change is refused with a readable message, a safe one
passes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES, REPO
from gitrepo import GIT_ENV, git, make_repo

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _precommit(repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1", "PRE_COMMIT_COLOR": "never"}
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=repo, capture_output=True, text=True,
                          env=env, timeout=600, check=False)


@pytest.fixture(scope="module")
def hook_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.mark.parametrize("example,passes", [("single-placement-group-off", True),
                                            ("single-placement-group-on", False)])
def test_plan_hook_refuses_rejected_changes(tmp_path: Path, hook_home: Path, example: str, passes: bool) -> None:
    repo = make_repo(tmp_path / "repo", {"infra/web-vmss.json": EXAMPLES / example / "current.json"})
    shutil.copyfile(EXAMPLES / example / "proposed.json", repo / "infra" / "web-vmss.json")
    git(repo, "add", "-A")
    run = _precommit(repo, hook_home, "try-repo", str(REPO), "vmssplan-plan", "--verbose")
    output = run.stdout + run.stderr
    assert (run.returncode == 0) is passes, output
    assert "Traceback" not in output
    if not passes:
        assert "[VMSS201]" in output and "rejected" in output and "infra/web-vmss.json" in output


def test_validate_hook_reports_located_errors(tmp_path: Path, hook_home: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"azuredeploy.json": EXAMPLES / "template-parameters" / "current.json"})
    (repo / "azuredeploy.json").write_text('{\n  "resources": [\n', encoding="utf-8")
    (repo / "notes.json").write_text("not json and not ours", encoding="utf-8")
    git(repo, "add", "-A")
    run = _precommit(repo, hook_home, "try-repo", str(REPO), "vmssplan-validate", "--verbose")
    output = run.stdout + run.stderr
    assert run.returncode == 1 and "azuredeploy.json:3:1: error [VAL001]" in output, output
    assert "notes.json" not in output  # not a scale-set file by the hook's pattern
