"""The CI recipes run the commands they document: the GitHub Action's plan step, and every
snippet of the README executed as printed, with only the repository URL and the revision
substituted (by a local bare clone of this repository holding the README's release tag): the
quick start on a Python that refuses global installs, the pre-commit configuration with the real
pre-commit, the Azure DevOps steps in a pipeline-like checkout. GitHub Actions cannot run offline;
test_readme.py checks the workflow snippet against action.yml."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
import yaml

import readme
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


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """This repository as a remote (file URL) with the README's release tag on the state of the
    working tree (its uncommitted changes to tracked files included): (URL, tag)."""
    if not (REPO / ".git").exists():
        pytest.skip("the repository is not a git checkout")
    _, tag = readme.release()
    server = tmp_path_factory.mktemp("release") / "vmssplan.git"
    git(server.parent, "init", "-q", "--bare", "-b", "main", str(server))
    snapshot = git(REPO, "stash", "create").strip() or git(REPO, "rev-parse", "HEAD").strip()
    git(REPO, "push", "-q", str(server), f"{snapshot}:refs/heads/main", f"{snapshot}:refs/tags/{tag}")
    return server.as_uri(), tag


def _substituted(snippet: str, release: tuple[str, str]) -> str:
    url, tag = readme.release()
    assert snippet.count(url) == 1 and snippet.count(tag) == 1, snippet
    return snippet.replace(url, release[0]).replace(tag, release[1])


def _venv(root: Path) -> dict[str, str]:
    """A new virtual environment, as the environment a shell has after activating it."""
    venv.create(root, with_pip=True)
    return {"VIRTUAL_ENV": str(root), "PATH": f"{root / 'bin'}{os.pathsep}{os.environ['PATH']}"}


def _pull_request_checkout(tmp_path: Path, example: str) -> Path:
    """What a pull-request build checks out: a fetch of every branch into origin/*, the pull
    request's commit detached, and no local branch (so refs/heads/main does not exist)."""
    author = make_repo(tmp_path / "author", {"infra/web-vmss.json": EXAMPLES / example / "current.json"})
    git(author, "checkout", "-q", "-b", "change")
    shutil.copyfile(EXAMPLES / example / "proposed.json", author / "infra" / "web-vmss.json")
    git(author, "commit", "-q", "-am", "change")
    checkout = tmp_path / "s"
    checkout.mkdir()
    git(checkout, "init", "-q")
    git(checkout, "remote", "add", "origin", str(author))
    git(checkout, "fetch", "-q", "origin", "+refs/heads/*:refs/remotes/origin/*")
    git(checkout, "checkout", "-q", "--detach", "origin/change")
    assert subprocess.run(["git", "rev-parse", "--verify", "-q", "refs/heads/main"], cwd=checkout,
                          capture_output=True, check=False).returncode != 0
    return checkout


@pytest.mark.parametrize("example,code", [("single-placement-group-on", 1), ("os-image-version", 0)])
def test_azure_devops_snippet_in_the_readme(tmp_path: Path, release: tuple[str, str], example: str,
                                            code: int) -> None:
    pipeline = readme.load("# Azure DevOps: azure-pipelines.yml")
    scripts = [step["script"] for step in pipeline["steps"] if "script" in step]
    install, plan = scripts
    assert {"checkout": "self", "fetchDepth": 0} in pipeline["steps"]
    env = _venv(tmp_path / "python")  # what UsePythonVersion provides
    run = _run(_substituted(install, release), tmp_path, env)
    assert run.returncode == 0, run.stdout + run.stderr
    checkout = _pull_request_checkout(tmp_path, example)
    staging = tmp_path / "a"
    staging.mkdir()
    variables = {"$(System.PullRequest.TargetBranch)": "refs/heads/main",  # as Azure Repos sets it
                 "$(Build.ArtifactStagingDirectory)": str(staging)}
    for name, value in variables.items():
        assert name in plan
        plan = plan.replace(name, value)
    assert "$(" not in plan
    run = _run(plan, checkout, env)
    assert run.returncode == code, run.stdout + run.stderr
    assert "web-vmss" in run.stdout and "no such revision" not in run.stdout + run.stderr
    assert ("[VMSS201]" in run.stdout) is (code == 1)
    assert (staging / "vmssplan.sarif").is_file()


def test_precommit_snippet_with_a_release_of_this_repository(tmp_path: Path, release: tuple[str, str]) -> None:
    config = _substituted(readme.yaml_block("# .pre-commit-config.yaml"), release)
    rejected, safe = EXAMPLES / "single-placement-group-on", EXAMPLES / "single-placement-group-off"
    repo = make_repo(tmp_path / "repo", {"infra/web-vmss.json": rejected / "current.json"})
    (repo / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "hooks")
    env = {"PRE_COMMIT_HOME": str(tmp_path / "cache"), "PRE_COMMIT_COLOR": "never"}
    installed = _run(f"{sys.executable} -m pre_commit install", repo, env)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    shutil.copyfile(rejected / "proposed.json", repo / "infra" / "web-vmss.json")
    blocked = _run("git commit -qam 'turn singlePlacementGroup on'", repo, env)
    assert blocked.returncode != 0, blocked.stdout + blocked.stderr
    assert "[VMSS201]" in blocked.stdout + blocked.stderr
    assert git(repo, "log", "--format=%s", "-1").strip() == "hooks"
    shutil.copyfile(safe / "current.json", repo / "infra" / "web-vmss.json")
    git(repo, "commit", "-q", "--no-verify", "-am", "base for a safe change")
    shutil.copyfile(safe / "proposed.json", repo / "infra" / "web-vmss.json")
    passed = _run("git commit -qam 'turn singlePlacementGroup off'", repo, env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert git(repo, "log", "--format=%s", "-1").strip() == "turn singlePlacementGroup off"


def _refusing_python() -> Path | None:
    """A Python 3.11+ that refuses global installs (PEP 668), as Debian's and Ubuntu's do."""
    for candidate in ("/usr/bin/python3", sys.executable):
        probe = subprocess.run([candidate, "-c", "import sys, sysconfig; print(sys.version_info >= (3, 11), "
                                "sysconfig.get_path('stdlib'), sys.prefix == sys.base_prefix)"],
                               capture_output=True, text=True, check=False) if Path(candidate).exists() else None
        if probe and probe.returncode == 0:
            recent, stdlib, system = probe.stdout.split()
            if recent == "True" and system == "True" and (Path(stdlib) / "EXTERNALLY-MANAGED").is_file():
                return Path(candidate)
    return None


def test_quick_start_on_a_python_that_refuses_global_installs(tmp_path: Path) -> None:
    python = _refusing_python()
    if python is None:
        pytest.skip("no Python marked EXTERNALLY-MANAGED (PEP 668) on this machine")
    tree = tmp_path / "vmssplan"
    files = git(REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
    for name in filter(None, files):
        if (REPO / name).is_file():
            (tree / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, tree / name)
    shims = tmp_path / "bin"
    shims.mkdir()
    (shims / "python").symlink_to(python)
    env = {"PATH": f"{shims}{os.pathsep}{os.environ['PATH']}"}
    refused = _run("python -m pip install .", tree, env)
    assert refused.returncode != 0 and "externally-managed-environment" in refused.stderr
    venv_line, install_run = (block.strip() for block in readme.blocks("sh")[:2])
    run = _run(f"{venv_line}\n{install_run}", tree, env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Plan: 1 scale set: 1 to update." in run.stdout
    assert (tree / ".venv" / "bin" / "vmssplan").is_file()


def _expressions(text: str, values: dict[str, str]) -> str:
    """``${{ name }}`` replaced as the runner would, from ``values`` ('' for what is not there)."""
    return re.sub(r"\$\{\{\s*([\w.-]+)\s*\}\}", lambda m: values.get(m.group(1), ""), text)


def test_workflow_snippet_installs_the_released_action_and_plans(tmp_path: Path, release: tuple[str, str]) -> None:
    """What `uses: <owner>/vmssplan@<tag>` does, short of GitHub: the runner puts the repository at
    that tag in GITHUB_ACTION_PATH; the action installs vmssplan from there and plans with the
    inputs the workflow gives (setup-python and the comment need GitHub: a venv stands for the
    first, the second is not run)."""
    workflow = readme.load("# .github/workflows/vmssplan.yml")
    [ours] = [s for s in workflow["jobs"]["plan"]["steps"] if not s["uses"].startswith("actions/")]
    action_path = tmp_path / "_actions" / ours["uses"].split("@")[0]
    git(tmp_path, "clone", "-q", "--branch", release[1], release[0], str(action_path))
    action = yaml.safe_load((action_path / "action.yml").read_text(encoding="utf-8"))
    repo, base = _pull_request(tmp_path, "single-placement-group-on")
    context = {"github.event.pull_request.base.sha": base}
    inputs = {f"inputs.{name}": _expressions(str(ours.get("with", {}).get(name, spec.get("default", ""))), context)
              for name, spec in action["inputs"].items()}
    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    env = {**_venv(tmp_path / "python"), "GITHUB_ACTION_PATH": str(action_path),
           "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(output)}
    steps = [s for s in action["runs"]["steps"] if "run" in s]
    install = next(s for s in steps if "pip install" in s["run"])
    plan = next(s for s in steps if s.get("id") == "plan")
    values = {**context, **inputs}
    for step in (install, plan):
        step_env = {name: _expressions(str(value), values) for name, value in step.get("env", {}).items()}
        run = _run(_expressions(step["run"], values), repo, {**env, **step_env})
        assert run.returncode == 0, run.stdout + run.stderr
    assert "exit-code=1" in output.read_text(encoding="utf-8")  # fail-on: rejected, and the change is rejected
    assert "::error file=infra/web-vmss.json" in run.stdout and summary.read_text(encoding="utf-8").startswith("❌")
    installed = subprocess.run([str(tmp_path / "python" / "bin" / "vmssplan"), "--version"], capture_output=True,
                               text=True, check=False)
    assert installed.returncode == 0 and installed.stdout.strip()
