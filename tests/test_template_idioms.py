"""Templates as Bicep and Microsoft's samples write them, read as ARM reads them (issue 13,
finding 5): a nested deployment's parameters written as one expression, a sku-only
"scale an existing scale set" resource, and linked templates by the quickstart
``_artifactsLocation`` convention, followed to the local file, never outside the repository."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from vmssplan.cli import app
from vmssplan.expressions import Unknown
from vmssplan.inputs.documents import load_document
from vmssplan.inputs.reader import Reader
from vmssplan.model import Severity
from vmssplan.resolve import (
    ParameterValues,
    ResolvedTemplate,
    parameters_from_assignments,
    parameters_from_file,
    resolve_template,
)

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
VMSS = "Microsoft.Compute/virtualMachineScaleSets"
DEPLOYMENT = "Microsoft.Resources/deployments"
#: The quickstart convention, word for word as the samples write it.
ARTIFACTS = {
    "_artifactsLocation": {"type": "string", "defaultValue": "[deployment().properties.templateLink.uri]"},
    "_artifactsLocationSasToken": {"type": "securestring", "defaultValue": ""},
}


def template(resources: list[Any], parameters: dict[str, Any] | None = None,
             variables: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "parameters": parameters or {},
            "variables": variables or {}, "resources": resources}


def vmss(name: str = "web", size: str = "Standard_D2s_v5", capacity: Any = 2) -> dict[str, Any]:
    return {"type": VMSS, "apiVersion": "2024-03-01", "name": name, "location": "westeurope",
            "sku": {"name": size, "capacity": capacity}, "properties": {"upgradePolicy": {"mode": "Manual"}}}


def inner_deployment(parameters: Any, inner: dict[str, Any], name: str = "inner") -> dict[str, Any]:
    return {"type": DEPLOYMENT, "apiVersion": "2022-09-01", "name": name,
            "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
                           "parameters": parameters, "template": inner}}


def linked_deployment(uri: str, parameters: dict[str, Any] | None = None, name: str = "linked") -> dict[str, Any]:
    return {"type": DEPLOYMENT, "apiVersion": "2022-09-01", "name": name,
            "properties": {"mode": "Incremental", "templateLink": {"uri": uri, "contentVersion": "1.0.0.0"},
                           "parameters": parameters or {}}}


def artifact_uri(relative: str) -> str:
    return (f"[uri(parameters('_artifactsLocation'), concat('{relative}', "
            "parameters('_artifactsLocationSasToken')))]")


def write(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return path


def resolve_file(path: Path, *params: ParameterValues) -> ResolvedTemplate:
    """A template file resolved as the CLI resolves it: its links read by the run's Reader."""
    doc = load_document(str(path))
    base_dir, read_linked = Reader().linked_templates(doc)
    return resolve_template(doc.data, doc.path, list(params), base_dir=base_dir, read_linked=read_linked)


def cli(*args: str) -> tuple[int, str]:
    run = CliRunner().invoke(app, list(args))
    return run.exit_code, run.stdout


def errors(result: ResolvedTemplate) -> list[str]:
    return [f"{f.rule} {f.message}" for f in result.findings if f.severity is Severity.ERROR]


# --- nested-deployment parameters written as one expression -------------------------------------

SIZED = template([vmss(size="[parameters('vmSize')]")], {"vmSize": {"type": "string"}})
ONE_EXPRESSION = ("[if(parameters('big'), createObject('vmSize', createObject('value', 'Standard_E8s_v5')), "
                  "createObject('vmSize', createObject('value', parameters('size'))))]")
OUTER_PARAMETERS = {"size": {"type": "string", "defaultValue": "Standard_D2s_v5"},
                    "big": {"type": "bool", "defaultValue": False}}


@pytest.mark.parametrize(("given", "size"), [((), "Standard_D2s_v5"),
                                             (("size=Standard_D4s_v5",), "Standard_D4s_v5"),
                                             (("big=true",), "Standard_E8s_v5")])
def test_nested_parameters_written_as_one_expression_are_the_nested_templates_values(
        given: tuple[str, ...], size: str) -> None:
    tpl = template([inner_deployment(ONE_EXPRESSION, SIZED)], OUTER_PARAMETERS)
    result = resolve_template(tpl, "t.json", [parameters_from_assignments(list(given))] if given else [])
    assert errors(result) == []  # no VAL031: the parameter has its value
    assert [s.resource["sku"]["name"] for s in result.scale_sets] == [size]


def test_a_nested_parameter_member_written_as_one_expression_is_evaluated_once() -> None:
    # The value an expression gives is not evaluated again, even when it looks like one.
    members = {"vmSize": "[createObject('value', concat('[', 'not-evaluated', ']'))]"}
    result = resolve_template(template([inner_deployment(members, SIZED)]), "t.json", [])
    assert errors(result) == []
    assert result.scale_sets[0].resource["sku"]["name"] == "[not-evaluated]"


def test_nested_parameters_known_only_after_deployment_make_every_parameter_unknown_not_missing() -> None:
    inner = template([vmss(size="[parameters('vmSize')]", capacity="[parameters('count')]")],
                     {"vmSize": {"type": "string"}, "count": {"type": "int", "defaultValue": 2}})
    tpl = template([inner_deployment("[reference('settings').outputs.parameters.value]", inner)])
    result = resolve_template(tpl, "t.json", [])
    assert not [f for f in result.findings if f.rule == "VAL031"]
    sku = result.scale_sets[0].resource["sku"]
    # Any member may be given, so a default is no more certain than a missing value.
    assert isinstance(sku["name"], Unknown) and isinstance(sku["capacity"], Unknown)
    assert "reference()" in sku["name"].reason


def test_nested_parameters_that_are_not_an_object_are_a_located_finding() -> None:
    result = resolve_template(template([inner_deployment("[createArray(1)]", SIZED, name="d")]), "t.json", [])
    assert [(f.rule, f.pointer) for f in result.findings if f.rule == "VAL040"] == [
        ("VAL040", "/resources/0/properties/parameters")]


def test_a_vm_size_change_through_one_expression_shows_in_the_plan(tmp_path: Path) -> None:
    main = write(tmp_path / "main.json", template([inner_deployment(ONE_EXPRESSION, SIZED)], OUTER_PARAMETERS))
    code, out = cli("plan", str(main), str(main), "--proposed-parameters", "big=true", "-o", "json")
    assert code == 0, out
    changes = json.loads(out)["scale_sets"][0]["changes"]
    assert [(c["path"], c["before"], c["after"]) for c in changes] == [
        ("/sku/name", "Standard_D2s_v5", "Standard_E8s_v5")]
    assert cli("validate", str(main))[0] == 0


# --- a sku-only "scale an existing scale set" resource ------------------------------------------

def scale_existing(condition: Any = None) -> dict[str, Any]:
    """Only name, sku, apiVersion and location: the quickstart "vmss-scale-existing" resource."""
    resource = {"type": VMSS, "apiVersion": "2023-09-01", "name": "web", "location": "westeurope",
                "sku": {"name": "Standard_D2s_v5", "tier": "Standard", "capacity": "[parameters('capacity')]"}}
    return resource if condition is None else {"condition": condition, **resource}


NEW_OR_EXISTING = {"existing": {"type": "bool"}, "capacity": {"type": "int", "defaultValue": 3}}


def new_or_existing() -> dict[str, Any]:
    created = vmss(capacity="[parameters('capacity')]")
    return template([scale_existing("[parameters('existing')]"),
                     {"condition": "[not(parameters('existing'))]", **created}], NEW_OR_EXISTING)


def test_a_resource_whose_condition_is_false_is_not_deployed_nor_checked(tmp_path: Path) -> None:
    main = write(tmp_path / "main.json", new_or_existing())
    result = resolve_file(main, parameters_from_assignments(["existing=false"]))
    assert [s.pointer for s in result.scale_sets] == ["/resources/1"] and result.findings == []
    code, out = cli("validate", str(main), "-p", "existing=false", "-o", "json")
    assert code == 0 and json.loads(out)["findings"] == []


def test_a_sku_only_update_of_an_existing_scale_set_is_valid_and_plans_its_sku(tmp_path: Path) -> None:
    main = write(tmp_path / "main.json", new_or_existing())
    code, out = cli("validate", str(main), "-p", "existing=true", "-o", "json")
    assert code == 0, out
    assert [f["rule"] for f in json.loads(out)["findings"] if f["severity"] == "error"] == []
    code, out = cli("plan", str(main), str(main), "--current-parameters", "existing=true",
                    "--proposed-parameters", "existing=true", "--proposed-parameters", "capacity=5", "-o", "json")
    assert code == 0, out
    scale_set = json.loads(out)["scale_sets"][0]
    assert [(c["path"], c["before"], c["after"], c["effect"]) for c in scale_set["changes"]] == [
        ("/sku/capacity", 3, 5, "none")]


def test_switching_to_the_sku_only_update_keeps_what_it_leaves_out(tmp_path: Path) -> None:
    """From the full definition (existing=false) to the sku-only one (existing=true): the
    Compute RP keeps every property the update leaves out, so only the sku is compared (it
    used to read as all properties removed, a rejected change)."""
    main = write(tmp_path / "main.json", new_or_existing())
    tier = ("/sku/tier", None, "Standard", "none")  # the sample states its tier, the full definition does not
    for extra, expected in (((), [tier]), (("capacity=6",), [("/sku/capacity", 3, 6, "none"), tier])):
        args = ["--current-parameters", "existing=false", "--proposed-parameters", "existing=true"]
        args += [a for value in extra for a in ("--proposed-parameters", value)]
        code, out = cli("plan", str(main), str(main), *args, "-o", "json")
        assert code == 0, out
        [scale_set] = json.loads(out)["scale_sets"]
        assert [(c["path"], c["before"], c["after"], c["effect"]) for c in scale_set["changes"]] == expected


def test_the_schema_still_checks_what_a_sku_only_resource_states() -> None:
    resource = scale_existing()
    resource["sku"]["capacity"] = "many"
    result = resolve_template(template([resource], {"capacity": {"type": "int"}}), "t.json", [])
    from vmssplan.validate import evaluated_findings

    assert [f.pointer for f in evaluated_findings(result.scale_sets) if f.severity is Severity.ERROR] == [
        "/resources/0/sku/capacity"]


def test_new_or_existing_with_the_choice_unknown_is_not_a_false_error(tmp_path: Path) -> None:
    """`validate` without parameters: which of the two is deployed is known only at
    deployment, so the same name twice is a warning, and neither is a schema error."""
    main = write(tmp_path / "main.json", new_or_existing())
    code, out = cli("validate", str(main), "-o", "json")
    assert code == 0, out
    findings = json.loads(out)["findings"]
    assert [(f["rule"], f["severity"]) for f in findings if f["rule"] != "VAL021"] == [("VAL045", "warning")]


def test_the_same_name_twice_with_known_conditions_is_still_arms_error() -> None:
    tpl = template([{"condition": "[equals(1, 1)]", **vmss()}, vmss()])
    assert [f.severity for f in resolve_template(tpl, "t.json", []).findings if f.rule == "VAL045"] == [
        Severity.ERROR]


# --- linked templates by the _artifactsLocation convention --------------------------------------

NESTED = template([vmss(name="[parameters('name')]", size="[parameters('size')]")],
                  {"name": {"type": "string"}, "size": {"type": "string", "defaultValue": "Standard_D2s_v5"}})


def artifacts_main(uri: str = artifact_uri("nestedtemplates/vmss.json"), **members: Any) -> dict[str, Any]:
    parameters = {"name": {"value": "linked"}, "size": {"value": "[parameters('size')]"}, **members}
    return template([linked_deployment(uri, parameters)],
                    {**ARTIFACTS, "size": {"type": "string", "defaultValue": "Standard_D2s_v5"}})


def test_the_artifacts_location_convention_is_followed_to_the_local_file(tmp_path: Path) -> None:
    write(tmp_path / "nestedtemplates" / "vmss.json", NESTED)
    main = write(tmp_path / "azuredeploy.json", artifacts_main())
    result = resolve_file(main)
    assert [(s.name, Path(s.file).resolve()) for s in result.scale_sets] == [
        ("linked", (tmp_path / "nestedtemplates" / "vmss.json").resolve())]
    assert result.findings == []
    # Nothing of the stand-in for the template's location reaches a scale set.
    assert "vmssplan.invalid" not in json.dumps(result.scale_sets[0].resource, default=str)


def test_no_secret_decides_which_file_a_link_reads(tmp_path: Path) -> None:
    """A SAS token given for the artifacts (a securestring) leaves the link unread, as a
    remote one; a path computed from a secret is never tried, so no finding tells whether
    such a file exists."""
    write(tmp_path / "nestedtemplates" / "vmss.json", NESTED)
    main = write(tmp_path / "azuredeploy.json", artifacts_main())
    result = resolve_file(main, parameters_from_assignments(["_artifactsLocationSasToken=?sv=2022&sig=c2VjcmV0"]))
    assert result.scale_sets == [] and [(f.rule, f.severity) for f in result.findings] == [
        ("VAL042", Severity.INFO)]
    named = template([linked_deployment("[uri(parameters('_artifactsLocation'), parameters('which'))]")],
                     {**ARTIFACTS, "which": {"type": "securestring"}})
    for which in ("nestedtemplates/vmss.json", "nestedtemplates/absent.json"):
        result = resolve_file(write(tmp_path / "named.json", named), parameters_from_assignments([f"which={which}"]))
        assert result.scale_sets == [] and [(f.rule, f.severity) for f in result.findings] == [
            ("VAL042", Severity.INFO)]
        assert "absent" not in json.dumps([f.message for f in result.findings])


def test_a_vm_size_change_behind_a_convention_link_shows_in_the_plan(tmp_path: Path) -> None:
    write(tmp_path / "nestedtemplates" / "vmss.json", NESTED)
    main = write(tmp_path / "azuredeploy.json", artifacts_main())
    code, out = cli("plan", str(main), str(main), "--proposed-parameters", "size=Standard_D4s_v5", "-o", "json")
    assert code == 0, out
    plan = json.loads(out)
    assert [(s["name"], [(c["path"], c["after"]) for c in s["changes"]]) for s in plan["scale_sets"]] == [
        ("linked", [("/sku/name", "Standard_D4s_v5")])]


@pytest.mark.parametrize(("passed", "target"), [(True, "nestedtemplates/vmss.json"), (False, "vmss.json")])
def test_a_linked_template_links_from_the_location_it_is_given_else_its_own(
        tmp_path: Path, passed: bool, target: str) -> None:
    """A linked template links further with the _artifactsLocation it is passed, the main
    template's location (as vmss-msi does); given none, its default is its own location."""
    given = {"_artifactsLocation": {"value": "[parameters('_artifactsLocation')]"},
             "_artifactsLocationSasToken": {"value": "[parameters('_artifactsLocationSasToken')]"}}
    write(tmp_path / "nestedtemplates" / "vmss.json", NESTED)
    write(tmp_path / "nestedtemplates" / "middle.json", template(
        [linked_deployment(artifact_uri(target), {"name": {"value": "deep"}})], dict(ARTIFACTS)))
    main = write(tmp_path / "azuredeploy.json", template(
        [linked_deployment(artifact_uri("nestedtemplates/middle.json"), given if passed else {})], dict(ARTIFACTS)))
    result = resolve_file(main)
    assert [s.name for s in result.scale_sets] == ["deep"] and result.findings == []


def test_a_remote_artifacts_location_stays_unread(tmp_path: Path) -> None:
    write(tmp_path / "nestedtemplates" / "vmss.json", NESTED)
    main = write(tmp_path / "azuredeploy.json", artifacts_main())
    result = resolve_file(main, parameters_from_assignments(["_artifactsLocation=https://example.com/t/"]))
    assert result.scale_sets == []
    assert [(f.rule, f.severity) for f in result.findings] == [("VAL042", Severity.INFO)]
    absolute = resolve_file(write(tmp_path / "remote.json", artifacts_main("https://example.com/t/vmss.json")))
    assert absolute.scale_sets == [] and [f.rule for f in absolute.findings] == ["VAL042"]


def test_the_same_linked_template_deployed_twice_is_two_deployments(tmp_path: Path) -> None:
    """vmss-msi deploys createVMSS.json to create the scale set and again to update it."""
    write(tmp_path / "nestedtemplates" / "vmss.json", NESTED)
    twice = template([linked_deployment(artifact_uri("nestedtemplates/vmss.json"), {"name": {"value": "one"}}),
                      linked_deployment(artifact_uri("nestedtemplates/vmss.json"), {"name": {"value": "one"}},
                                        name="again")], dict(ARTIFACTS))
    result = resolve_file(write(tmp_path / "azuredeploy.json", twice))
    assert [s.name for s in result.scale_sets] == ["one", "one"] and result.findings == []


def test_a_link_to_itself_is_still_a_cycle(tmp_path: Path) -> None:
    main = write(tmp_path / "azuredeploy.json", template([linked_deployment(artifact_uri("azuredeploy.json"))],
                                                         dict(ARTIFACTS)))
    assert [f.rule for f in resolve_file(main).findings] == ["VAL041"]


# --- which files a link may read -----------------------------------------------------------------

def _link_findings(main: Path) -> list[tuple[str, Severity, str]]:
    return [(f.rule, f.severity, f.message) for f in resolve_file(main).findings]


@pytest.mark.parametrize("style", ["uri", "relativePath"])
def test_a_link_never_reads_outside_the_repository(tmp_path: Path, style: str) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    write(tmp_path / "outside" / "vmss.json", NESTED)
    write(repo / "shared" / "vmss.json", NESTED)
    for target, expected in (("../../outside/vmss.json", []), ("../shared/vmss.json", ["inside"])):
        link = (linked_deployment(artifact_uri(target), {"name": {"value": "inside"}}) if style == "uri" else
                {"type": DEPLOYMENT, "apiVersion": "2022-09-01", "name": "l",
                 "properties": {"templateLink": {"relativePath": target}, "parameters": {"name": {"value": "inside"}}}})
        main = write(repo / "infra" / "azuredeploy.json", template([link], dict(ARTIFACTS)))
        result = resolve_file(main)
        assert [s.name for s in result.scale_sets] == expected
        if not expected:
            assert [(f.rule, f.severity) for f in result.findings] == [("VAL042", Severity.WARNING)]
            assert "outside the repository" in result.findings[0].message


def test_without_a_repository_a_link_stays_in_the_templates_directory_tree(tmp_path: Path) -> None:
    write(tmp_path / "sibling" / "vmss.json", NESTED)
    write(tmp_path / "infra" / "deep" / "vmss.json", NESTED)
    main = write(tmp_path / "infra" / "azuredeploy.json", artifacts_main(artifact_uri("../sibling/vmss.json")))
    assert [(r, s) for r, s, _ in _link_findings(main)] == [("VAL042", Severity.WARNING)]
    main = write(tmp_path / "infra" / "azuredeploy.json", artifacts_main(artifact_uri("deep/vmss.json")))
    assert _link_findings(main) == []


def test_a_symbolic_link_counts_where_it_points(tmp_path: Path) -> None:
    write(tmp_path / "secret" / "vmss.json", NESTED)
    (tmp_path / "infra" / "nestedtemplates").mkdir(parents=True)
    os.symlink(tmp_path / "secret" / "vmss.json", tmp_path / "infra" / "nestedtemplates" / "vmss.json")
    main = write(tmp_path / "infra" / "azuredeploy.json", artifacts_main())
    assert [(r, s) for r, s, _ in _link_findings(main)] == [("VAL042", Severity.WARNING)]


def test_only_regular_files_are_read_and_a_missing_one_is_a_warning_not_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "nestedtemplates" / "vmss.json").mkdir(parents=True)
    main = write(tmp_path / "azuredeploy.json", artifacts_main())
    assert [(r, s, m.split(":")[0]) for r, s, m in _link_findings(main)] == [
        ("VAL042", Severity.WARNING, "linked template nestedtemplates/vmss.json is not a file")]
    shutil.rmtree(tmp_path / "nestedtemplates")
    code, out = cli("validate", str(main), "-o", "json")
    assert code == 0, out
    assert [(f["rule"], f["severity"]) for f in json.loads(out)["findings"]] == [("VAL003", "info"),
                                                                                  ("VAL042", "warning")]


# --- the real samples ----------------------------------------------------------------------------

def test_multi_vmss_linux_plans_the_scale_sets_of_its_nested_template(corpus: Path) -> None:
    """Azure's multi-vmss-linux quickstart: five scale sets, each a copy of a deployment of
    nestedtemplates/base.json, reached by uri(parameters('_artifactsLocation'), ...)."""
    main = corpus / "templates" / "multi-vmss-linux" / "azuredeploy.json"
    code, out = cli("plan", str(main), str(main), "-o", "json")
    assert code == 0, out
    plan = json.loads(out)
    assert [(s["name"], s["action"]) for s in plan["scale_sets"]] == [
        (f"vmss-linux0{i}", "no-op") for i in range(5)]
    code, out = cli("plan", str(main), str(main), "--proposed-parameters", "instanceCountPerVMSS=7", "-o", "json")
    assert code == 0, out
    assert {(c["path"], c["before"], c["after"]) for s in json.loads(out)["scale_sets"] for c in s["changes"]} == {
        ("/sku/capacity", 5, 7)}
    code, out = cli("validate", str(main), "-o", "json")
    assert code == 0 and not [f for f in json.loads(out)["findings"] if f["severity"] != "info"], out


def test_vmss_msi_plans_the_scale_set_it_creates_then_updates(corpus: Path) -> None:
    main = corpus / "templates" / "vmss-msi" / "azuredeploy.json"
    given = main.with_name("azuredeploy.parameters.json")
    result = resolve_file(main, parameters_from_file(load_document(str(given)).data, str(given)))
    assert [Path(s.file).name for s in result.scale_sets] == ["createVMSS.json", "createVMSS.json"]
    assert errors(result) == []
