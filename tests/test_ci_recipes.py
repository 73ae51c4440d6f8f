"""The CI recipes run the commands they document: the GitHub Action's plan step and the
Azure DevOps snippet of the README, on a temporary repository with a pull request's change."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import EXAMPLES, REPO
from gitrepo import GIT_ENV, git, make_repo

pytestmark = pytest.mark.skipif(shutil.which("bash") is None or shutil.which("git") is None,
                                reason="needs bash and git")


def _pull_request(tmp_path: Path, example: str) -> tuple[Path, str]:
    repo = make_repo(tmp_path / "repo", {"infra/web-vmss.json": EXAMPLES / example / "current.json"})
    base = git(repo, "rev-parse", "HEAD").strip()
    shutil.copyfile(EXAMPLES / example / "proposed.json", repo / "infra" / "web-vmss.json")
    git(repo, "commit", "-q", "-am", "change")
    return repo, base


def _run(script: str, repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", script], cwd=repo, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **GIT_ENV, "NO_COLOR": "1", **env}, check=False)


@pytest.mark.parametrize("example,code", [("single-placement-group-on", "1"), ("os-image-version", "0")])
def test_github_action_plan_step(tmp_path: Path, example: str, code: str) -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "plan")
    repo, base = _pull_request(tmp_path, example)
    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    env = {"VMSSPLAN_BASE": base, "VMSSPLAN_PATHS": "", "VMSSPLAN_FAIL_ON": "rejected",
           "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(output)}
    run = _run(step["run"], repo, env)
    assert run.returncode == 0, run.stderr
    assert output.read_text(encoding="utf-8").strip() == f"exit-code={code}"
    comment = (repo / "vmssplan-plan.md").read_text(encoding="utf-8")
    assert summary.read_text(encoding="utf-8") == comment
    if code == "1":
        assert comment.startswith("❌") and "::error file=infra/web-vmss.json" in run.stdout
    else:
        assert "web-vmss" in comment and "::notice file=infra/web-vmss.json" in run.stdout


def test_azure_devops_snippet_in_the_readme(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    snippet = yaml.safe_load(re.search(r"```yaml\n(# Azure DevOps.*?)```", readme, re.DOTALL).group(1))
    script = next(step["script"] for step in snippet["steps"] if "vmssplan plan" in step.get("script", ""))
    repo, base = _pull_request(tmp_path, "single-placement-group-on")
    out = tmp_path / "a"
    out.mkdir()
    script = script.replace("$(System.PullRequest.TargetBranch)", base).replace(
        "$(Build.ArtifactStagingDirectory)", str(out))
    run = _run(script, repo, {})
    assert run.returncode == 1, run.stdout + run.stderr
    assert "[VMSS201]" in run.stdout and (out / "vmssplan.sarif").is_file()
