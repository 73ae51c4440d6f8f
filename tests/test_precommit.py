"""The hooks of .pre-commit-hooks.yaml, run by the real pre-commit tool in real git
repositories, in every state a repository is in: the first commit, a commit from a
subdirectory, deletes and renames, files that are not scale sets, `pre-commit run
--from-ref/--to-ref` as CI runs it, several parameters files per template; a blocked
commit says how to accept the change, a passing one shows its plan only with `verbose`.

The hooks come from a snapshot of this working tree committed to a throwaway repository
(what `pre-commit try-repo` does), installed by pre-commit once for the module."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from clihelp import run_cli
from conftest import EXAMPLES, REPO
from gitrepo import GIT_ENV, git, make_repo

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

SPG = EXAMPLES / "single-placement-group-on"  # current -> proposed: rejected (VMSS201)
SPG_SAFE = EXAMPLES / "single-placement-group-off"  # current -> proposed: allowed
PARAMS = EXAMPLES / "template-parameters"  # its parameters files: an image version change


@pytest.fixture(scope="module")
def hooks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Path]:
    """(the snapshot repository, its commit, pre-commit's home): this working tree's tracked
    and untracked files, committed."""
    snapshot = tmp_path_factory.mktemp("vmssplan-snapshot")
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = REPO / name
        if source.is_file() and not source.is_symlink():
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, snapshot / name)
    git(snapshot, "init", "-q", "-b", "main")
    git(snapshot, "add", "-A")
    git(snapshot, "commit", "-q", "-m", "snapshot")
    return snapshot, git(snapshot, "rev-parse", "HEAD").strip(), tmp_path_factory.mktemp("pre-commit-home")


def _env(home: Path) -> dict[str, str]:
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1", "PRE_COMMIT_COLOR": "never"}
    for name in ("PRE_COMMIT_FROM_REF", "PRE_COMMIT_TO_REF", "VMSSPLAN_DEBUG"):
        env.pop(name, None)
    return env


def _configure(repo: Path, hooks: tuple[Path, str, Path], *, verbose: bool = False) -> None:
    """A .pre-commit-config.yaml using both hooks (staged, as pre-commit requires), and the
    git hook installed."""
    snapshot, rev, home = hooks
    extra = "\n        verbose: true" if verbose else ""
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {snapshot}\n    rev: {rev}\n    hooks:\n      - id: vmssplan-validate{extra}\n"
        f"      - id: vmssplan-plan{extra}\n", encoding="utf-8")
    git(repo, "add", ".pre-commit-config.yaml")
    _run([sys.executable, "-m", "pre_commit", "install"], repo, home)


def _run(command: list[str], cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    run = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=_env(home), timeout=600, check=False)
    assert "Traceback" not in run.stdout + run.stderr, run.stdout + run.stderr
    return run


def _precommit(repo: Path, home: Path, *args: str, cwd: Path | None = None) -> tuple[int, str]:
    run = _run([sys.executable, "-m", "pre_commit", *args], cwd or repo, home)
    return run.returncode, run.stdout + run.stderr


def _commit(repo: Path, home: Path, cwd: Path | None = None) -> tuple[int, str]:
    """`git commit` as a person types it, the installed hook running."""
    run = _run(["git", "commit", "-m", "change"], cwd or repo, home)
    return run.returncode, run.stdout + run.stderr


def _repo(tmp_path: Path, hooks: tuple[Path, str, Path], files: dict[str, Path], **kw: bool) -> Path:
    repo = make_repo(tmp_path / "repo", files)
    _configure(repo, hooks, **kw)
    git(repo, "commit", "-q", "--no-verify", "-m", "hooks")
    return repo


def _put(repo: Path, name: str, source: Path | str) -> None:
    target = repo / name
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(source, Path):
        shutil.copyfile(source, target)
    else:
        target.write_text(source, encoding="utf-8")


@pytest.mark.parametrize("example,passes", [(SPG_SAFE, True), (SPG, False)])
def test_plan_hook_refuses_rejected_changes(tmp_path: Path, hooks: tuple[Path, str, Path], example: Path,
                                            passes: bool) -> None:
    repo = _repo(tmp_path, hooks, {"infra/web-vmss.json": example / "current.json"})
    _put(repo, "infra/web-vmss.json", example / "proposed.json")
    git(repo, "add", "-A")
    code, output = _commit(repo, hooks[2])
    assert (code == 0) is passes, output
    if not passes:
        assert "[VMSS201]" in output and "rejected" in output and "infra/web-vmss.json" in output


def test_validate_hook_reports_located_errors(tmp_path: Path, hooks: tuple[Path, str, Path]) -> None:
    repo = _repo(tmp_path, hooks, {"azuredeploy.json": PARAMS / "current.json"})
    (repo / "azuredeploy.json").write_text('{\n  "resources": [\n', encoding="utf-8")
    (repo / "notes.json").write_text("not json and not ours", encoding="utf-8")
    git(repo, "add", "-A")
    code, output = _precommit(repo, hooks[2], "run", "vmssplan-validate", "--verbose")
    assert code == 1 and "azuredeploy.json:3:1: error [VAL001]" in output, output
    assert "notes.json" not in output  # not a scale-set file by the hook's pattern


def test_first_commit_plans_every_staged_file_as_new(tmp_path: Path, hooks: tuple[Path, str, Path]) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    _put(repo, "infra/web-vmss.json", SPG / "current.json")
    _configure(repo, hooks)
    git(repo, "add", "-A")
    code, output = _precommit(repo, hooks[2], "run", "vmssplan-plan", "--verbose")
    assert code == 0 and "no such revision" not in output, output
    assert "web-vmss will be created" in output and "(infra/web-vmss.json:" in output, output
    code, output = _commit(repo, hooks[2])
    assert code == 0, output
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "1"


def test_a_commit_from_a_subdirectory_plans_the_whole_repository(tmp_path: Path,
                                                                  hooks: tuple[Path, str, Path]) -> None:
    repo = _repo(tmp_path, hooks, {"infra/web-vmss.json": SPG / "current.json", "docs/README.json": SPG / "README.md"})
    _put(repo, "infra/web-vmss.json", SPG / "proposed.json")
    git(repo, "add", "-A")
    code, output = _commit(repo, hooks[2], cwd=repo / "docs")  # the change is not under docs/
    assert code == 1 and "[VMSS201]" in output and "(infra/web-vmss.json:" in output, output
    # The command by hand from a subdirectory: the whole repository, named from where it runs.
    run = run_cli("plan", "--base-ref", "HEAD", cwd=repo / "docs")
    assert run.code == 1 and "(../infra/web-vmss.json:" in run.out, run.out + run.err
    run = run_cli("plan", "--base-ref", "HEAD", cwd=repo / "infra")
    assert run.code == 1 and "(web-vmss.json:" in run.out, run.out + run.err


def test_a_blocked_commit_says_how_to_accept_the_change_and_that_line_works(
        tmp_path: Path, hooks: tuple[Path, str, Path]) -> None:
    repo = _repo(tmp_path, hooks, {"infra/web-vmss.json": SPG / "current.json"})
    _put(repo, "infra/web-vmss.json", SPG / "proposed.json")
    git(repo, "add", "-A")
    code, output = _commit(repo, hooks[2])
    accept = [line for line in output.splitlines() if "to accept an intended change" in line]
    assert code == 1 and len(accept) == 1, output
    yaml_line = accept[0].split("(the base revision's configuration decides): ", 1)[1]
    assert yaml_line == 'suppressions: [{rule: VMSS201, scale-set: "web-vmss", reason: "<why>"}]', accept
    # Doing what it says lets the same change through: the suppression committed first.
    git(repo, "stash", "-q")
    _put(repo, ".vmssplan.yaml", yaml_line.replace("<why>", "recreating web-vmss in the maintenance window") + "\n")
    git(repo, "add", ".vmssplan.yaml")
    git(repo, "commit", "-q", "--no-verify", "-m", "accept the recreate")
    git(repo, "stash", "pop", "-q")
    git(repo, "add", "-A")
    code, output = _commit(repo, hooks[2])
    assert code == 0, output


def test_deletes_and_renames(tmp_path: Path, hooks: tuple[Path, str, Path]) -> None:
    repo = _repo(tmp_path, hooks, {"infra/old-vmss.json": SPG / "current.json",
                                   "infra/web-vmss.json": SPG_SAFE / "current.json"})
    git(repo, "rm", "-q", "infra/old-vmss.json")
    code, output = _precommit(repo, hooks[2], "run", "vmssplan-plan", "--verbose")
    assert code == 0 and "- web-vmss is not in the proposed definition" in output, output
    assert "1 to delete" in output and "(git:HEAD:infra/old-vmss.json:" in output, output
    code, output = _commit(repo, hooks[2])  # a commit that only deletes still runs the plan hook
    assert code == 0 and "vmssplan plan" in output, output
    git(repo, "mv", "infra/web-vmss.json", "infra/renamed-vmss.json")
    code, output = _precommit(repo, hooks[2], "run", "vmssplan-plan", "--verbose")
    assert code == 0 and "will be created" not in output and "will be deleted" not in output, output
    assert "(infra/renamed-vmss.json:" in output and "no changes" in output.lower(), output


def test_files_without_scale_sets_are_passed_over_quietly(tmp_path: Path, hooks: tuple[Path, str, Path]) -> None:
    storage = ('{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", '
               '"contentVersion": "1.0.0.0", "parameters": {"sku": {"type": "string"}}, "resources": [{"type": '
               '"Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "st", "sku": {"name": '
               '"[parameters(\'sku\')]"}, "kind": "StorageV2", "location": "westeurope"}]}')
    params = ('{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#", '
              '"contentVersion": "1.0.0.0", "parameters": {"sku": {"value": "%s"}}}')
    repo = _repo(tmp_path, hooks, {"README.md": SPG / "README.md"})
    for name, text in {"infra/storage.json": storage, "infra/storage.parameters.json": params % "Standard_LRS",
                       "tools/vmss-settings.json": '{"owner": "platform"}'}.items():
        _put(repo, name, text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", "other JSON")
    _put(repo, "infra/storage.parameters.json", params % "Standard_GRS")
    _put(repo, "infra/storage.json", storage.replace("StorageV2", "BlobStorage"))
    _put(repo, "tools/vmss-settings.json", '{"owner": "infra"}')
    git(repo, "add", "-A")
    code, output = _precommit(repo, hooks[2], "run", "--verbose")
    assert code == 0 and "VAL003" not in output and "VAL002" not in output, output
    assert "tools/vmss-settings.json:1:1: info [VAL004]" in output, output  # the note, in verbose mode only
    assert "Plan: 0 scale sets" in output, output  # the storage template and its parameters: not planned
    code, output = _commit(repo, hooks[2])
    assert code == 0 and "VAL003" not in output and "VAL002" not in output and "VAL004" not in output, output


def test_pre_commit_run_from_ref_to_ref_plans_that_range(tmp_path: Path, hooks: tuple[Path, str, Path]) -> None:
    repo = _repo(tmp_path, hooks, {"infra/web-vmss.json": SPG / "current.json"})
    git(repo, "checkout", "-q", "-b", "feature")
    _put(repo, "infra/web-vmss.json", SPG / "proposed.json")
    git(repo, "commit", "-q", "--no-verify", "-am", "rejected change")
    git(repo, "checkout", "-q", "-b", "later", "main")  # the working tree is not the range's end
    code, output = _precommit(repo, hooks[2], "run", "--from-ref", "main", "--to-ref", "feature", "vmssplan-plan")
    assert code == 1 and "[VMSS201]" in output and "infra/web-vmss.json" in output, output
    code, output = _precommit(repo, hooks[2], "run", "--from-ref", "feature", "--to-ref", "feature")
    assert code == 0, output  # an empty range: nothing to plan
    # The hook as CI runs it, HEAD at the range's end: the same verdict.
    git(repo, "checkout", "-q", "feature")
    code, output = _precommit(repo, hooks[2], "run", "--from-ref", "main", "--to-ref", "HEAD", "vmssplan-plan")
    assert code == 1 and "[VMSS201]" in output, output


def test_several_parameters_files_per_template(tmp_path: Path, hooks: tuple[Path, str, Path]) -> None:
    mapping = ('parameters:\n  "infra/vmss.json": ["infra/prod.parameters.json", "infra/dev.parameters.json"]\n')
    repo = _repo(tmp_path, hooks, {
        "infra/vmss.json": PARAMS / "current.json", "infra/prod.parameters.json": PARAMS / "current.parameters.json",
        "infra/dev.parameters.json": PARAMS / "current.parameters.json",
        "portal/template.json": PARAMS / "current.json", "portal/parameters.json": PARAMS / "current.parameters.json",
        "env/web.json": PARAMS / "current.json", "env/web.parameters.test.json": PARAMS / "current.parameters.json",
        "env/web.parameters.live.json": PARAMS / "current.parameters.json"})
    _put(repo, ".vmssplan.yaml", mapping)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", "mapping")
    for name in ("infra/prod.parameters.json", "portal/parameters.json", "env/web.parameters.live.json"):
        _put(repo, name, PARAMS / "proposed.parameters.json")
    git(repo, "add", "-A")
    code, output = _precommit(repo, hooks[2], "run", "vmssplan-plan", "--verbose")
    assert code == 0, output
    for planned in ("infra/prod.parameters.json", "portal/parameters.json", "env/web.parameters.live.json"):
        assert f"note: with parameters {planned}" in output, output
    for unchanged in ("infra/dev.parameters.json", "env/web.parameters.test.json"):
        assert unchanged not in output, output
    assert output.count("[VMSS501]") == 3 and output.count("note: with parameters") == 3, output
    # A change to the template plans it with each of its parameters files, separately.
    template = (PARAMS / "current.json").read_text(encoding="utf-8")
    assert '"defaultValue": 3' in template
    _put(repo, "infra/vmss.json", template.replace('"defaultValue": 3', '"defaultValue": 4'))
    run = run_cli("plan", "--base-ref", "HEAD", "infra/", cwd=repo)
    assert "note: with parameters infra/dev.parameters.json" in run.out, run.out + run.err
    assert "note: with parameters infra/prod.parameters.json" in run.out, run.out + run.err


def test_a_passing_commit_shows_its_plan_only_in_verbose_mode(tmp_path: Path,
                                                               hooks: tuple[Path, str, Path]) -> None:
    for verbose in (False, True):
        repo = _repo(tmp_path / str(verbose), hooks, {"infra/web-vmss.json": SPG_SAFE / "current.json"},
                     verbose=verbose)
        _put(repo, "infra/web-vmss.json", SPG_SAFE / "proposed.json")
        git(repo, "add", "-A")
        code, output = _commit(repo, hooks[2])
        assert code == 0, output
        assert ("Plan: 1 scale set" in output) is verbose, output
