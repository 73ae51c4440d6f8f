"""Changes are located at the line the pull request changed: the parameters file's value
when the change came from a parameter, the template's line when the template changed
(issue 15, must-hold 4), in every locating format and under --base-ref."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from clihelp import run_cli
from conftest import EXAMPLES
from gitrepo import git, make_repo

EXAMPLE = EXAMPLES / "template-parameters"
IMAGE = "/properties/virtualMachineProfile/storageProfile/imageReference/version"


def _line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def _change(plan: dict[str, Any], path: str) -> dict[str, Any]:
    return next(c for s in plan["scale_sets"] for c in s["changes"] if c["path"] == path)


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "ex"
    shutil.copytree(EXAMPLE, folder)
    return folder


def test_a_parameter_value_change_is_located_in_the_parameters_file(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    run = run_cli("plan", "current.json", "proposed.json", "-o", "json", cwd=folder)
    location = _change(json.loads(run.out), IMAGE)["location"]
    assert location["file"] == "proposed.parameters.json"
    assert location["line"] == _line_of(folder / "proposed.parameters.json", "22.04.202510010")
    sarif = json.loads(run_cli("plan", "current.json", "proposed.json", "-o", "sarif", cwd=folder).out)
    physical = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "proposed.parameters.json"
    assert physical["region"]["startLine"] == location["line"]
    ado = run_cli("plan", "current.json", "proposed.json", "-o", "azure-devops", cwd=folder).out
    assert f"proposed.parameters.json:{location['line']}:" in ado


def test_a_template_expression_change_is_located_in_the_template(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    # The same parameters on both sides; the template now writes the version itself.
    shutil.copyfile(folder / "current.parameters.json", folder / "proposed.parameters.json")
    template = folder / "proposed.json"
    text = template.read_text(encoding="utf-8")
    old = "createObject('version', parameters('imageVersion'))"
    assert old in text
    template.write_text(text.replace(old, "createObject('version', '22.04.202510010')"), encoding="utf-8")
    plan = json.loads(run_cli("plan", "current.json", "proposed.json", "-o", "json", cwd=folder).out)
    location = _change(plan, IMAGE)["location"]
    assert location["file"] == "proposed.json"
    assert location["line"] == _line_of(template, "createObject('version', '22.04.202510010')")


def test_an_expression_naming_an_unchanged_parameter_is_located_in_the_template(tmp_path: Path) -> None:
    """The expression names imageVersion, whose value is the same on both sides: the
    template changed, so the change is located there."""
    folder = _copy(tmp_path)
    shutil.copyfile(folder / "current.parameters.json", folder / "proposed.parameters.json")
    template = folder / "proposed.json"
    text = template.read_text(encoding="utf-8")
    old = "createObject('version', parameters('imageVersion'))"
    template.write_text(text.replace(old, "createObject('version', concat(parameters('imageVersion'), '1'))"),
                        encoding="utf-8")
    plan = json.loads(run_cli("plan", "current.json", "proposed.json", "-o", "json", cwd=folder).out)
    changes = [change for scale_set in plan["scale_sets"] for change in scale_set["changes"]]
    assert [(c["path"], c["after"]) for c in changes] == [(IMAGE, "22.04.2024091601")]
    assert changes[0]["location"]["file"] == "proposed.json"
    assert changes[0]["location"]["line"] == _line_of(template, "parameters('imageVersion'), '1')")


def test_under_base_ref_the_annotation_points_at_the_changed_parameters_line(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"infra/azuredeploy.json": EXAMPLE / "current.json",
                                         "infra/azuredeploy.parameters.json": EXAMPLE / "current.parameters.json"})
    base = git(repo, "rev-parse", "HEAD").strip()
    shutil.copyfile(EXAMPLE / "proposed.parameters.json", repo / "infra" / "azuredeploy.parameters.json")
    git(repo, "commit", "-q", "-am", "new image")
    line = _line_of(repo / "infra" / "azuredeploy.parameters.json", "22.04.202510010")
    github = run_cli("plan", "--base-ref", base, "-o", "github", cwd=repo)
    assert f"::notice file=infra/azuredeploy.parameters.json,line={line}," in github.out, github.out + github.err
    ado = run_cli("plan", "--base-ref", base, "-o", "azure-devops", cwd=repo)
    assert f"infra/azuredeploy.parameters.json:{line}:" in ado.out
