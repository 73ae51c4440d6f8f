"""The template stage: ARM templates evaluated offline, unknowns explicit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vmssplan import resolve
from vmssplan.expressions import Unknown
from vmssplan.model import DocumentError
from vmssplan.resolve import (
    DeploymentScope,
    ParameterValues,
    parameters_from_assignments,
    parameters_from_file,
    resolve_template,
)

VMSS = "Microsoft.Compute/virtualMachineScaleSets"


def template(resources: list | dict, parameters: dict | None = None, variables: dict | None = None,
             **extra: object) -> dict:
    return {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0", "parameters": parameters or {}, "variables": variables or {},
            "resources": resources, **extra}


def vmss(name: object = "web", **props: object) -> dict:
    return {"type": VMSS, "apiVersion": "2024-03-01", "name": name, "location": "westeurope",
            "sku": {"name": "Standard_D2s_v5", "capacity": 2}, "properties": props}


def resolved(tpl: dict, *params: ParameterValues, scope: DeploymentScope | None = None):
    return resolve_template(tpl, "t.json", list(params), scope)


def only(tpl: dict, *params: ParameterValues, **kw: object) -> dict:
    result = resolved(tpl, *params, **kw)  # type: ignore[arg-type]
    assert len(result.scale_sets) == 1, result.findings
    return result.scale_sets[0].resource


def test_parameters_defaults_files_and_overrides_later_wins() -> None:
    tpl = template([vmss("[parameters('name')]", overprovision="[parameters('over')]")],
                   {"name": {"type": "string", "defaultValue": "[concat('web-', 'vmss')]"},
                    "over": {"type": "bool", "defaultValue": True}})
    assert only(tpl)["name"] == "web-vmss"
    from_file = parameters_from_file({"parameters": {"name": {"value": "from-file"}}}, "p.json")
    assert only(tpl, from_file)["name"] == "from-file"
    override = parameters_from_assignments(["NAME=from-cli", "over=false"])
    resource = only(tpl, from_file, override)
    assert resource["name"] == "from-cli" and resource["properties"]["overprovision"] is False


def test_bare_parameters_file_and_key_vault_reference_is_an_unknown_secret() -> None:
    tpl = template([vmss(virtualMachineProfile={"osProfile": {"adminPassword": "[parameters('pw')]"}})],
                   {"pw": {"type": "securestring"}})
    ref = parameters_from_file({"pw": {"reference": {"keyVault": {"id": "/subscriptions/s/kv"},
                                                     "secretName": "x"}}}, "p.json")
    value = only(tpl, ref)["properties"]["virtualMachineProfile"]["osProfile"]["adminPassword"]
    assert isinstance(value, Unknown) and value.secret and "Key Vault" in value.reason


def test_securestring_values_are_collected_as_secrets() -> None:
    tpl = template([vmss()], {"pw": {"type": "secureString"}, "obj": {"type": "secureObject"}})
    result = resolved(tpl, parameters_from_file({"pw": {"value": "hunter2-sentinel"},
                                                 "obj": {"value": {"k": "objsecret-sentinel"}}}, "p.json"))
    assert {"hunter2-sentinel", "objsecret-sentinel"} <= result.secrets


@pytest.mark.parametrize("definition,value,rule,needle", [
    ({"type": "string", "allowedValues": ["a", "b"]}, "c", "VAL032", "not one of the allowed values"),
    ({"type": "int", "minValue": 1, "maxValue": 100}, 101, "VAL032", "more than the maxValue 100"),
    ({"type": "int", "minValue": 1}, 0, "VAL032", "less than the minValue 1"),
    ({"type": "string", "maxLength": 3}, "abcd", "VAL032", "longer than the maxLength 3"),
    ({"type": "array", "minLength": 2}, ["x"], "VAL032", "shorter than the minLength 2"),
    ({"type": "int"}, "3", "VAL033", "is of type int"),
    ({"type": "array", "allowedValues": ["1", "2"]}, ["1", "3"], "VAL032", "'3'"),
])
def test_parameter_constraints_are_located_findings(definition: dict, value: object, rule: str,
                                                    needle: str) -> None:
    tpl = template([vmss()], {"p": definition})
    result = resolved(tpl, parameters_from_file({"parameters": {"p": {"value": value}}}, "p.json"))
    finding = next(f for f in result.findings if f.rule == rule)
    assert needle in finding.message
    assert (finding.file, finding.pointer) == ("p.json", "/parameters/p/value")


def test_missing_required_and_unknown_parameters_are_findings() -> None:
    tpl = template([vmss("[parameters('name')]")], {"name": {"type": "string"}})
    result = resolved(tpl, parameters_from_file({"parameters": {"nmae": {"value": "typo"}}}, "p.json"))
    rules = sorted((f.rule, f.file, f.pointer) for f in result.findings)
    assert rules == [("VAL030", "p.json", "/parameters/nmae/value"), ("VAL031", "t.json", "/parameters/name")]
    name = result.scale_sets[0].resource["name"]
    assert isinstance(name, Unknown) and "no value was given for parameter 'name'" in name.reason


def test_secure_parameter_values_never_appear_in_findings() -> None:
    tpl = template([vmss()], {"pw": {"type": "securestring", "minLength": 12}})
    result = resolved(tpl, parameters_from_file({"pw": {"value": "short-sent"}}, "p.json"))
    assert result.findings and all("short-sent" not in f.message for f in result.findings)


def test_variables_variable_copy_and_property_copy_with_offset() -> None:
    tpl = template(
        [vmss(virtualMachineProfile={"storageProfile": {"copy": [{
            "name": "dataDisks", "count": "[length(variables('sizes'))]",
            "input": {"lun": "[copyIndex('dataDisks', 10)]",
                      "diskSizeGB": "[variables('sizes')[copyIndex('dataDisks')]]",
                      "createOption": "Empty"}}]}},
              zones="[variables('zoneList')]")],
        variables={"sizes": [32, 64],
                   "copy": [{"name": "zoneList", "count": 3, "input": "[string(copyIndex('zoneList', 1))]"}]})
    resource = only(tpl)
    assert resource["properties"]["zones"] == ["1", "2", "3"]
    disks = resource["properties"]["virtualMachineProfile"]["storageProfile"]["dataDisks"]
    assert [(d["lun"], d["diskSizeGB"]) for d in disks] == [(10, 32), (11, 64)]


def test_literal_parts_are_kept_and_the_rest_is_evaluated() -> None:
    tpl = template([vmss(upgradePolicy={"mode": "Manual", "tags": ["a", 1, None]},
                         virtualMachineProfile={"osProfile": {"computerNamePrefix": "[concat('w', 'eb')]"},
                                                "notes": ["[[literal]", "plain"]})])
    raw = tpl["resources"][0]["properties"]
    properties = only(tpl)["properties"]
    assert properties["upgradePolicy"] == {"mode": "Manual", "tags": ["a", 1, None]}
    profile = properties["virtualMachineProfile"]
    assert profile["osProfile"] == {"computerNamePrefix": "web"}
    assert profile["notes"] == ["[literal]", "plain"]  # an escaped literal is unescaped
    assert raw["virtualMachineProfile"]["notes"] == ["[[literal]", "plain"]  # the template is left as it was


def test_resource_copy_and_conditions() -> None:
    tpl = template([
        {**vmss("[concat('web-', copyIndex(1))]"), "copy": {"name": "sets", "count": 3},
         "condition": "[not(equals(copyIndex(), 1))]"},
        {**vmss("never"), "condition": False},
    ])
    assert [s.name for s in resolved(tpl).scale_sets] == ["web-1", "web-3"]


def test_nested_deployments_outer_and_inner_scope() -> None:
    inner = template([vmss("[parameters('name')]")], {"name": {"type": "string", "defaultValue": "inner-default"}})
    tpl = template([
        {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "outer",
         "properties": {"mode": "Incremental", "template": inner}},
        {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "inner",
         "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
                        "parameters": {"name": {"value": "[concat(parameters('name'), '-inner')]"}},
                        "template": inner}},
    ], {"name": {"type": "string", "defaultValue": "parent"}})
    result = resolved(tpl)
    # Outer scope: the nested template's parameters() is the parent's.
    assert [s.name for s in result.scale_sets] == ["parent", "parent-inner"]
    assert result.scale_sets[1].pointer == "/resources/1/properties/template/resources/0"


def test_user_functions_and_symbolic_names() -> None:
    tpl = template({"web": vmss("[ns.prefixed('web')]")}, languageVersion="2.0", functions=[{
        "namespace": "ns", "members": {"prefixed": {
            "parameters": [{"name": "n", "type": "string"}],
            "output": {"type": "string", "value": "[concat('app-', parameters('n'))]"}}}}])
    result = resolved(tpl)
    assert [(s.name, s.pointer) for s in result.scale_sets] == [("app-web", "/resources/web")]


def test_linked_template_by_relative_path(tmp_path: Path) -> None:
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "vmss.json").write_text(json.dumps(template([vmss("[parameters('n')]")],
                                                                       {"n": {"type": "string"}})))
    tpl = template([{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "l",
                     "properties": {"templateLink": {"relativePath": "nested/vmss.json"},
                                    "parameters": {"n": {"value": "linked"}}}},
                    {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "u",
                     "properties": {"templateLink": {"uri": "https://example.com/t.json"}}}])
    result = resolve_template(tpl, "t.json", [], base_dir=tmp_path,
                              read_linked=lambda p: (json.loads(p.read_text()), str(p)))
    assert [s.name for s in result.scale_sets] == ["linked"]
    assert any(f.rule == "VAL042" and "cannot be read offline" in f.message for f in result.findings)


def test_context_values_come_from_options_else_unknown() -> None:
    tpl = template([vmss("[concat('web-', uniqueString(resourceGroup().id))]")])
    assert isinstance(only(tpl)["name"], Unknown)
    scope = DeploymentScope(subscription_id="00000000-0000-0000-0000-000000000000", resource_group="rg")
    name = only(tpl, scope=scope)["name"]
    assert isinstance(name, str) and name.startswith("web-") and len(name) == 17


def test_runtime_functions_are_unknown_and_say_why() -> None:
    tpl = template([vmss(virtualMachineProfile={"storageProfile": {"imageReference": {
        "id": "[reference('gallery').id]"}}})])
    value = only(tpl)["properties"]["virtualMachineProfile"]["storageProfile"]["imageReference"]["id"]
    assert isinstance(value, Unknown) and "reference" in value.expression


@pytest.mark.parametrize("count", [801, 10**9, -1])
def test_copy_counts_beyond_arm_limits_are_findings(count: int) -> None:
    tpl = template([{**vmss("[concat('w', copyIndex())]"), "copy": {"name": "c", "count": count}}])
    result = resolved(tpl)
    assert result.scale_sets == []
    assert any(f.rule == "VAL043" and "outside 0..800" in f.message for f in result.findings)


def test_a_variable_that_refers_to_itself_is_a_finding_not_a_hang() -> None:
    tpl = template([vmss("[variables('a')]")], variables={"a": "[variables('b')]", "b": "[variables('a')]"})
    result = resolved(tpl)
    assert any(f.rule == "VAL040" and ("refers to itself" in f.message or "->" in f.message) for f in result.findings)
    assert isinstance(result.scale_sets[0].resource["name"], Unknown)


def test_expressions_nested_10000_deep_are_a_finding() -> None:
    deep = "[" + "concat(" * 10000 + "'a'" + ")" * 10000 + "]"
    result = resolved(template([vmss(deep)]))
    assert result.findings and result.findings[0].rule in ("VAL040", "VAL041")


def test_step_budget_exhaustion_is_a_document_error() -> None:
    # Each variable doubles the work of the one before: 2**60 steps if nothing stopped it.
    variables = {"v0": "[range(0, 100)]"}
    for i in range(1, 60):
        variables[f"v{i}"] = f"[concat(variables('v{i - 1}'), variables('v{i - 1}'))]"
    tpl = template([vmss("[string(length(variables('v59')))]")], variables=variables)
    with pytest.raises(DocumentError) as info:
        resolved(tpl)
    assert info.value.findings[-1].rule == "VAL041"


def test_a_30000_character_expression_is_a_finding() -> None:
    long = "[concat(" + ",".join(["'abcdefghij'"] * 2600) + ")]"
    assert len(long) > 24576
    result = resolved(template([vmss(long)]))
    assert any(f.rule in ("VAL040", "VAL041") and ("24,576" in f.message or "24576" in f.message)
               for f in result.findings), [f.message for f in result.findings]


def test_evaluation_is_bounded_by_the_values_it_makes(monkeypatch: pytest.MonkeyPatch) -> None:
    # A variable of 100 values read by 50 copies: the bound counts each read whole.
    monkeypatch.setattr(resolve, "MAX_EVALUATED_VALUES", 1_000)
    tpl = template([{**vmss("[concat('web', copyIndex())]"), "copy": {"name": "sets", "count": 50},
                     "tags": "[variables('big')]"}], variables={"big": {f"k{i}": i for i in range(100)}})
    result = resolved(tpl)
    assert 5 <= len(result.scale_sets) < 50
    stopped = [f for f in result.findings if f.rule == "VAL041"]
    assert len(stopped) == 1 and "evaluation stopped after 1,000 values" in stopped[0].message
    assert len(result.unexpanded) == 50 - len(result.scale_sets)


def test_a_scale_set_defined_twice_in_one_deployment_is_arms_invalid_template() -> None:
    """Issue 13: two resources (or the copies of a loop whose name does not change) with one
    name are refused by ARM; they used to plan as "unchanged + create"."""
    twice = resolved(template([vmss("web"), vmss("WEB", overprovision=False)]))
    assert [s.name for s in twice.scale_sets] == ["web"]
    assert [(f.rule, f.pointer) for f in twice.findings] == [("VAL045", "/resources/1/name")]
    assert "also at /resources/0" in twice.findings[0].message
    loop = resolved(template([{**vmss("same"), "copy": {"name": "c", "count": 3}}]))
    assert len(loop.scale_sets) == 1 and [f.rule for f in loop.findings] == ["VAL045", "VAL045"]
    assert "by the same copy loop" in loop.findings[0].message
    named = resolved(template([{**vmss("[concat('web-', copyIndex())]"), "copy": {"name": "c", "count": 3}}]))
    assert [s.name for s in named.scale_sets] == ["web-0", "web-1", "web-2"] and not named.findings
    nested = {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "inner",
              "resourceGroup": "other-rg",
              "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
                             "template": template([vmss("web")])}}
    elsewhere = resolved(template([vmss("web"), nested]))
    assert len(elsewhere.scale_sets) == 2 and not [f for f in elsewhere.findings if f.rule == "VAL045"]


def test_a_template_defining_a_scale_set_twice_fails_the_plan(tmp_path: Path) -> None:
    from clihelp import run_cli

    (tmp_path / "t.json").write_text(json.dumps(template([vmss("web"), vmss("web")])), encoding="utf-8")
    run = run_cli("plan", "t.json", "t.json", cwd=tmp_path)
    assert run.code == 1 and "VAL045" in run.out and "create" not in run.out


def test_a_nullable_parameter_without_a_value_is_null_not_missing() -> None:
    """Bicep writes `param licenseType string?` as `"nullable": true` (languageVersion 2.0):
    given no value it is null, which ARM leaves out; it used to be VAL031 (no value) and,
    once null, VAL033 (not a string). The official AVM scale-set module has 12 of them."""
    tpl = template([vmss(licenseType="[parameters('licenseType')]", overprovision="[parameters('over')]")],
                   {"licenseType": {"type": "string", "nullable": True},
                    "over": {"type": "bool", "nullable": True},
                    "required": {"type": "string"}}, languageVersion="2.0")
    result = resolved(tpl)
    assert [(f.rule, f.pointer) for f in result.findings] == [("VAL031", "/parameters/required")]
    properties = result.scale_sets[0].resource["properties"]
    assert properties["licenseType"] is None and properties["overprovision"] is None
    given = resolved(tpl, parameters_from_assignments(["licenseType=Windows_Server", "required=x"]))
    assert not given.findings and given.scale_sets[0].resource["properties"]["licenseType"] == "Windows_Server"


def test_a_location_without_a_resource_group_is_known() -> None:
    """Issue 13: `-l` was ignored unless `-g` was given too. resourceGroup().location is then
    known; its name and id (and what is made of them) stay unknown, with no error."""
    tpl = template([{**vmss("[concat('web-', uniqueString(resourceGroup().id))]"),
                     "location": "[resourceGroup().location]", "tags": {"rg": "[resourceGroup().name]"}}])
    result = resolved(tpl, scope=DeploymentScope(location="westeurope"))
    resource = result.scale_sets[0].resource
    assert not result.findings and resource["location"] == "westeurope"
    assert isinstance(resource["name"], Unknown) and isinstance(resource["tags"]["rg"], Unknown)
    assert isinstance(only(tpl)["location"], Unknown)
