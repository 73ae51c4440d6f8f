"""Planning against git revisions: git:REV:PATH inputs and every changed file against a base."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from clihelp import run_cli
from conftest import EXAMPLES
from gitrepo import git, make_repo
from vmssplan.engine import plan_against_revision
from vmssplan.model import UsageError

TEMPLATE = EXAMPLES / "template-parameters"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_repo(tmp_path / "repo", {
        "infra/azuredeploy.json": TEMPLATE / "current.json",
        "infra/azuredeploy.parameters.json": TEMPLATE / "current.parameters.json",
        "models/web.json": EXAMPLES / "single-placement-group-on" / "current.json",
        "other/settings.json": EXAMPLES / "no-op" / "README.md",
    })
    monkeypatch.chdir(root)
    return root


def test_git_revision_inputs_and_sibling_parameters_at_that_revision(repo: Path) -> None:
    shutil.copyfile(TEMPLATE / "proposed.parameters.json", repo / "infra" / "azuredeploy.parameters.json")
    run = run_cli("plan", "git:HEAD:infra/azuredeploy.json", "infra/azuredeploy.json", "-o", "json", cwd=repo)
    changes = json.loads(run.out)["scale_sets"][0]["changes"]
    assert [c["path"] for c in changes] == ["/properties/virtualMachineProfile/storageProfile/imageReference/version"]


@pytest.mark.parametrize("spec,needle", [("git:nosuchrev:infra/azuredeploy.json", "invalid object name"),
                                         ("git:HEAD:infra/missing.json", "does not exist"),
                                         ("git:HEAD", "expected git:REV:PATH")])
def test_missing_revision_or_path_is_a_clear_error(repo: Path, spec: str, needle: str) -> None:
    run = run_cli("plan", spec, "infra/azuredeploy.json", cwd=repo)
    assert run.code == 2 and needle in run.err and "Traceback" not in run.err


def test_every_changed_scale_set_file_against_the_base(repo: Path) -> None:
    # A parameters-only edit, a rejected model change and a brand-new model file.
    shutil.copyfile(TEMPLATE / "proposed.parameters.json", repo / "infra" / "azuredeploy.parameters.json")
    shutil.copyfile(EXAMPLES / "single-placement-group-on" / "proposed.json", repo / "models" / "web.json")
    new = json.loads((EXAMPLES / "vm-size" / "proposed.json").read_text(encoding="utf-8"))
    new["name"] = "api-vmss"
    (repo / "models" / "api.json").write_text(json.dumps(new), encoding="utf-8")
    git(repo, "add", "-A")
    result = plan_against_revision("HEAD", ())
    assert result.plan is not None
    actions = sorted((s.name, s.action) for s in result.plan.scale_sets)
    assert actions == [("api-vmss", "create"), ("web-vmss", "rejected"), ("web-vmss", "update")]


def test_unknown_base_revision(repo: Path) -> None:
    with pytest.raises(UsageError, match="no such revision"):
        plan_against_revision("nosuchrev", ())


def test_a_session_lists_a_revision_once_and_answers_as_git_does(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """--base-ref asks whether each changed file and its parameters file were there at the
    revision: in a session one `git ls-tree` answers them all, exactly as `git cat-file -e`."""
    from vmssplan.inputs import git as gitsource

    image = EXAMPLES / "os-image-version"
    repo = make_repo(tmp_path / "repo", {"infra/web-vmss.json": image / "current.json",
                                         "infra/sub/api-vmss.json": image / "current.json",
                                         "top-vmss.json": image / "current.json"})
    (repo / "infra" / "new-vmss.json").write_text("{}", encoding="utf-8")
    monkeypatch.chdir(repo / "infra")
    questions = ["web-vmss.json", "sub/api-vmss.json", "../top-vmss.json", "new-vmss.json", "nope.json",
                 "sub", str(repo / "infra" / "web-vmss.json"), "../../outside.json"]
    expected = [gitsource.exists("HEAD", path) for path in questions]
    assert expected == [True, True, True, False, False, True, True, False]
    calls: list[tuple[str, ...]] = []
    real = gitsource._git
    monkeypatch.setattr(gitsource, "_git", lambda *args: calls.append(args) or real(*args))
    files = ["web-vmss.json", "sub/api-vmss.json", "../top-vmss.json"]
    shown = [gitsource.read_bytes(gitsource.spec("HEAD", path)) for path in files]
    calls.clear()
    with gitsource.session():
        assert [gitsource.exists("HEAD", path) for path in questions] == expected
        assert [gitsource.read_bytes(gitsource.spec("HEAD", path)) for path in files] == shown
        with pytest.raises(UsageError):
            gitsource.read_bytes(gitsource.spec("HEAD", "new-vmss.json"))  # not in the revision: git's own word
    assert [c[0] for c in calls].count("ls-tree") == 1
    assert sum(1 for c in calls if c[:2] == ("cat-file", "-e")) == 1  # only the path outside the repository
    assert [c[0] for c in calls].count("show") == 1  # only the file the revision does not have


def test_base_ref_asks_git_as_often_for_twenty_directories_as_for_two(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Each changed template's directory is listed for its parameters files: in a session one
    listing of the revision's tree and one of the index answer every directory, so the number
    of git processes does not grow with the number of directories (it was two a directory)."""
    from vmssplan.inputs import git as gitsource

    example = EXAMPLES / "template-parameters"

    def processes(count: int) -> tuple[int, list[str]]:
        root = tmp_path / f"r{count}"
        files = {f"vmss-{i:02d}/azuredeploy.json": example / "current.json" for i in range(count)}
        files |= {f"vmss-{i:02d}/azuredeploy.parameters.json": example / "current.parameters.json"
                  for i in range(count)}
        repo = make_repo(root, files)
        for i in range(count):  # the template changes (its text), and so do its parameters
            template = repo / f"vmss-{i:02d}" / "azuredeploy.json"
            template.write_text(template.read_text(encoding="utf-8") + "\n", encoding="utf-8")
            shutil.copyfile(example / "proposed.parameters.json", template.with_name("azuredeploy.parameters.json"))
        monkeypatch.chdir(repo)
        calls: list[tuple[str, ...]] = []
        real = gitsource._git
        monkeypatch.setattr(gitsource, "_git", lambda *args: calls.append(args) or real(*args))
        result = plan_against_revision("HEAD", ())
        monkeypatch.setattr(gitsource, "_git", real)
        assert result.plan is not None
        return len(calls), [s.name for s in result.plan.scale_sets]

    few, names = processes(2)
    many, more_names = processes(20)
    assert len(more_names) == 20 and len(names) == 2
    assert many == few


def test_a_linked_template_by_the_artifacts_convention_is_read_at_the_same_revision(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The quickstart convention (uri(parameters('_artifactsLocation'), 'nestedtemplates/...')):
    the nested template at the base revision against the one in the working tree."""
    nested = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
              "contentVersion": "1.0.0.0", "resources": [
                  {"type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2024-03-01", "name": "web",
                   "location": "westeurope", "sku": {"name": "Standard_D2s_v5", "capacity": 2},
                   "properties": {"upgradePolicy": {"mode": "Manual"}}}]}
    main = {"$schema": nested["$schema"], "contentVersion": "1.0.0.0", "parameters": {
        "_artifactsLocation": {"type": "string", "defaultValue": "[deployment().properties.templateLink.uri]"},
        "_artifactsLocationSasToken": {"type": "securestring", "defaultValue": ""}},
        "resources": [{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "vmss",
                       "properties": {"mode": "Incremental", "templateLink": {"uri": (
                           "[uri(parameters('_artifactsLocation'), concat('nestedtemplates/vmss.json', "
                           "parameters('_artifactsLocationSasToken')))]")}}}]}
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "main.json").write_text(json.dumps(main))
    (sources / "nested.json").write_text(json.dumps(nested))
    root = make_repo(tmp_path / "repo", {"infra/azuredeploy.json": sources / "main.json",
                                         "infra/nestedtemplates/vmss.json": sources / "nested.json"})
    monkeypatch.chdir(root)
    nested["resources"][0]["sku"]["name"] = "Standard_D4s_v5"
    (root / "infra" / "nestedtemplates" / "vmss.json").write_text(json.dumps(nested))
    run = run_cli("plan", "git:main:infra/azuredeploy.json", "infra/azuredeploy.json", "-o", "json", cwd=root)
    assert run.code == 0, run.out + run.err
    [scale_set] = json.loads(run.out)["scale_sets"]
    assert [(c["path"], c["before"], c["after"]) for c in scale_set["changes"]] == [
        ("/sku/name", "Standard_D2s_v5", "Standard_D4s_v5")]
