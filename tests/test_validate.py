"""Tests of the schema-validation stage (vmssplan.validate).

Corpus tests read ../shared/corpus (real templates, parameter files and REST examples) and
skip when it is absent; the other tests need only the committed schemas.
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from vmssplan import validate as V
from vmssplan.model import Finding, Severity
from vmssplan.pointer import child

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
VMSS_TYPE = "microsoft.compute/virtualmachinescalesets"
NO_CORPUS = pytest.mark.skip(reason="../shared/corpus is not present")

# --- corpus helpers -----------------------------------------------------------------------

_JSONC_NOISE = re.compile(r'"(?:[^"\\\n]|\\.)*"|//[^\n]*|/\*.*?\*/|,(?=\s*[}\]])', re.DOTALL)


def load_jsonc(path: Path) -> Any:
    """JSON with a BOM, // and /* */ comments and trailing commas (all seen in the corpus)."""
    text = path.read_text(encoding="utf-8-sig")
    return json.loads(_JSONC_NOISE.sub(lambda m: m[0] if m[0].startswith('"') else " ", text))


def corpus_index() -> dict[str, dict[str, Any]]:
    return {e["file"]: e for e in json.loads((CORPUS / "INDEX.json").read_text("utf-8"))}


def corpus_params(kind: str) -> list[Any]:
    """pytest params: corpus files of one INDEX kind, or one skipped param without a corpus."""
    if not CORPUS.is_dir():
        return [pytest.param(None, marks=NO_CORPUS, id="no-corpus")]
    return [pytest.param(f, id=f) for f, e in sorted(corpus_index().items()) if e["kind"] == kind]


def find_scale_sets(node: Any, pointer: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """(pointer, resource) of every VMSS at any depth, including nested deployments."""
    resources = node.get("resources") if isinstance(node, dict) else None
    if isinstance(resources, list):
        items: list[tuple[Any, Any]] = list(enumerate(resources))
    elif isinstance(resources, dict):  # languageVersion 2.0: symbolic names
        items = list(resources.items())
    else:
        items = []
    for key, res in items:
        if not isinstance(res, dict):
            continue
        here = child(f"{pointer}/resources", key)
        rtype = res.get("type")
        if isinstance(rtype, str) and rtype.lower() == VMSS_TYPE:
            yield here, res
        yield from find_scale_sets(res, here)
        props = res.get("properties")
        if isinstance(props, dict) and isinstance(props.get("template"), dict):
            yield from find_scale_sets(props["template"], here + "/properties/template")


def api_version_of(resource: dict[str, Any], entry: dict[str, Any]) -> str | None:
    """The resource's apiVersion; INDEX's resolved value when it is written as an expression."""
    api = resource.get("apiVersion")
    if isinstance(api, str) and api.startswith("["):
        return entry.get("api_version")
    return api


def rest_models(example: dict[str, Any], name: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """VMSS models in an azure-rest-api-specs example: PUT bodies and VMSS response bodies.

    PATCH bodies (``*_Update_*``) are VirtualMachineScaleSetUpdate, not models; VM-level and
    instance-view examples have no body of the scale-set type.
    """
    params = example.get("parameters", {})
    body = params.get("parameters")
    if "Create" in name and "instanceId" not in params and isinstance(body, dict):
        yield "/parameters/parameters", body
    for code, response in sorted(example.get("responses", {}).items()):
        body = response.get("body")
        if not isinstance(body, dict):
            continue
        candidates = [(f"/responses/{code}/body", body)]
        if isinstance(body.get("value"), list):
            candidates += [
                (f"/responses/{code}/body/value/{i}", v) for i, v in enumerate(body["value"])
            ]
        for pointer, model in candidates:
            if isinstance(model, dict) and str(model.get("type", "")).lower() == VMSS_TYPE:
                yield pointer, model


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.ERROR]


def show(findings: list[Finding]) -> str:
    return "\n".join(f"{f.rule} {f.severity.label} {f.pointer}: {f.message}" for f in findings)


# --- corpus: templates, parameter files, REST examples ------------------------------------

#: Genuine schema deviations in the corpus that ARM nevertheless deploys: a boolean or an
#: integer written as a string (the resource provider converts it). Reported as VAL022
#: warnings, never errors. (file, pointer)
CONVERTED_STRINGS = {
    ("templates/checkpoint-vmss-publicipprefix-instances/azuredeploy.json",
     "/resources/5/properties/virtualMachineProfile/diagnosticsProfile/bootDiagnostics/enabled"),
    ("templates/darktrace-vsensor-autoscaling/azuredeploy.json",
     "/resources/8/properties/overprovision"),
    ("templates/service-fabric-oms-2017/azuredeploy.json", "/resources/6/sku/capacity"),
    ("templates/vmss-automation-dsc-2018/azuredeploy.json",
     "/resources/6/properties/overprovision"),
    ("templates/vmss-custom-script-windows/azuredeploy.json",
     "/resources/0/properties/overprovision"),
    ("templates/vmss-internal-loadbalancer/azuredeploy.json",
     "/resources/7/properties/overprovision"),
    ("templates/vmss-public-ip-linux/azuredeploy.json", "/resources/3/properties/overprovision"),
    ("templates/vmss-ubuntu-app-gateway/azuredeploy.json", "/resources/3/properties/overprovision"),
    ("templates/vmss-ubuntu-app-gateway/azuredeploy.json",
     "/resources/3/properties/singlePlacementGroup"),
    ("templates/vmss-ubuntu-autoscale/azuredeploy.json", "/resources/3/properties/overprovision"),
    ("templates/vmss-ubuntu-web-ssl/azuredeploy.json", "/resources/3/properties/overprovision"),
    ("templates/vmss-windows-customimage/azuredeploy.json",
     "/resources/4/properties/overprovision"),
    ("templates/vmss-windows-nat/azuredeploy.json", "/resources/4/properties/overprovision"),
}


@pytest.mark.parametrize("rel", corpus_params("arm-template"))
def test_corpus_template_validates(rel: str) -> None:
    entry = corpus_index()[rel]
    template = load_jsonc(CORPUS / rel)
    findings = V.validate_template_envelope(template)
    for pointer, resource in find_scale_sets(template):
        findings += V.validate_scale_set(
            resource, api_version_of(resource, entry), pointer_prefix=pointer
        )
    assert not errors(findings), show(errors(findings))
    converted = {(rel, f.pointer) for f in findings if f.rule == V.RULE_CONVERTED_STRING}
    assert converted == {c for c in CONVERTED_STRINGS if c[0] == rel}
    assert {f.rule for f in findings} <= {V.RULE_NEAREST_SCHEMA, V.RULE_CONVERTED_STRING}


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")
def test_corpus_scale_sets_are_all_found() -> None:
    """Guards the corpus tests above against silently finding nothing."""
    total = 0
    for rel, entry in corpus_index().items():
        if entry["kind"] != "arm-template":
            continue
        found = list(find_scale_sets(load_jsonc(CORPUS / rel)))
        total += len(found)
        if entry.get("api_version"):
            assert found, f"{rel}: INDEX lists a scale set, none found"
    assert total >= 70


@pytest.mark.parametrize("rel", corpus_params("arm-parameters"))
def test_corpus_parameters_file_validates(rel: str) -> None:
    findings = V.validate_parameters_file(load_jsonc(CORPUS / rel))
    assert not findings, show(findings)


@pytest.mark.parametrize("rel", corpus_params("rest-example"))
def test_corpus_rest_models_validate(rel: str) -> None:
    example = load_jsonc(CORPUS / rel)
    api = example["parameters"].get("api-version")
    for pointer, model in rest_models(example, Path(rel).name):
        findings = V.validate_scale_set(model, api, pointer_prefix=pointer, shape="model")
        assert not errors(findings), show(findings)
        assert {f.rule for f in findings} <= {V.RULE_NEAREST_SCHEMA}


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")
def test_quick_check_changes_no_finding_on_the_corpus(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every corpus scale set, template envelope and parameters file: the same findings with
    the compiled quick check as with jsonschema alone, and the quick check does answer."""
    checked: list[tuple[str, Any, Any]] = []
    for rel, entry in sorted(corpus_index().items()):
        doc = load_jsonc(CORPUS / rel)
        if entry["kind"] == "arm-template":
            checked.append((rel, V.validate_template_envelope, (doc,)))
            checked += [(rel, V.validate_scale_set, (res, api_version_of(res, entry)))
                        for _, res in find_scale_sets(doc)]
        elif entry["kind"] == "arm-parameters":
            checked.append((rel, V.validate_parameters_file, (doc,)))
        elif entry["kind"] == "rest-example":
            api = doc["parameters"].get("api-version")
            checked += [(rel, lambda m, a: V.validate_scale_set(m, a, shape="model"), (model, api))
                        for _, model in rest_models(doc, Path(rel).name)]
    quick = [check(*args) for _, check, args in checked]
    answered = sum(V._surely_valid(args[0], *_schema_of(check, args)) for _, check, args in checked)
    monkeypatch.setattr(V, "_surely_valid", lambda *_args, **_kw: False)
    full = [check(*args) for _, check, args in checked]
    assert len(checked) > 250
    assert [(rel, f) for (rel, _, _), fs in zip(checked, quick, strict=True) for f in fs] == \
        [(rel, f) for (rel, _, _), fs in zip(checked, full, strict=True) for f in fs]
    assert answered > len(checked) // 2  # most corpus documents never reach jsonschema


def _schema_of(check: Any, args: tuple[Any, ...]) -> tuple[str, ...]:
    if check is V.validate_template_envelope:
        return ("deploymentTemplate.json",)
    if check is V.validate_parameters_file:
        return ("deploymentParameters.json",)
    version = V.nearest_schema_version(args[1])[0]
    return (f"vmss/{version}.json", "template" if check is V.validate_scale_set else "model")


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")
def test_corpus_rest_models_are_found() -> None:
    count = 0
    for rel, entry in corpus_index().items():
        if entry["kind"] == "rest-example":
            count += len(list(rest_models(load_jsonc(CORPUS / rel), Path(rel).name)))
    assert count >= 90


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")
def test_validation_is_fast() -> None:
    """A typical template scale set validates in well under 50 ms once the validator exists."""
    rel = "templates/vmss-windows-app-gateway/azuredeploy.json"
    pointer, resource = next(find_scale_sets(load_jsonc(CORPUS / rel)))
    V.validate_scale_set(resource, "2023-03-01")  # builds the validator
    times = []
    for _ in range(20):
        start = time.perf_counter()
        V.validate_scale_set(resource, "2023-03-01", pointer_prefix=pointer)
        times.append(time.perf_counter() - start)
    assert statistics.median(times) < 0.025


# --- nearest schema version ---------------------------------------------------------------


def test_available_versions() -> None:
    assert V.available_schema_versions() == ("2017-03-30", "2023-03-01", "2024-03-01",
                                             "2026-03-01")


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        ("2017-03-30", ("2017-03-30", True)),
        ("2024-03-01", ("2024-03-01", True)),
        ("2026-03-01", ("2026-03-01", True)),
        ("2015-06-15", ("2017-03-30", False)),  # older than every schema: the oldest
        ("2016-04-30-preview", ("2017-03-30", False)),
        ("2019-07-01", ("2023-03-01", False)),  # between: the next newer schema
        ("2023-03-02", ("2024-03-01", False)),
        ("2024-11-01", ("2026-03-01", False)),
        ("2024-03-01-preview", ("2024-03-01", False)),  # same date, but a preview API
        ("2030-01-01", ("2026-03-01", False)),  # newer than every schema: the newest
        (None, ("2026-03-01", False)),
        ("[variables('computeApiVersion')]", ("2026-03-01", False)),
        ("latest", ("2026-03-01", False)),
        ("", ("2026-03-01", False)),
    ],
)
def test_nearest_schema_version(requested: str | None, expected: tuple[str, bool]) -> None:
    assert V.nearest_schema_version(requested) == expected


# --- negative cases -----------------------------------------------------------------------


def scale_set(**overrides: Any) -> dict[str, Any]:
    """A small valid template-shape scale set; ``overrides`` replace top-level keys."""
    resource: dict[str, Any] = {
        "type": "Microsoft.Compute/virtualMachineScaleSets",
        "apiVersion": "2024-03-01",
        "name": "web",
        "location": "[resourceGroup().location]",
        "sku": {"name": "Standard_D2s_v5", "capacity": 2},
        "dependsOn": ["[resourceId('Microsoft.Network/virtualNetworks', 'vnet')]"],
        "properties": {
            "overprovision": True,
            "upgradePolicy": {"mode": "Manual"},
            "virtualMachineProfile": {
                "osProfile": {
                    "computerNamePrefix": "web",
                    "adminUsername": "azureuser",
                    "adminPassword": "[parameters('adminPassword')]",
                },
                "storageProfile": {
                    "osDisk": {"createOption": "FromImage", "caching": "ReadWrite"},
                    "imageReference": {"publisher": "Canonical", "offer": "ubuntu",
                                       "sku": "22_04-lts", "version": "latest"},
                },
            },
        },
    }
    resource.update(overrides)
    return resource


def with_props(**props: Any) -> dict[str, Any]:
    resource = scale_set()
    resource["properties"].update(props)
    return resource


def test_valid_scale_set_has_no_findings() -> None:
    assert V.validate_scale_set(scale_set(), "2024-03-01") == []


def test_wrong_enum() -> None:
    resource = with_props(upgradePolicy={"mode": "Sometimes"})
    findings = V.validate_scale_set(resource, "2024-03-01", pointer_prefix="/resources/3")
    assert findings == [
        Finding(
            "VAL020",
            "properties.upgradePolicy.mode: 'Sometimes' is not one of 'Automatic', 'Manual', "
            "'Rolling'",
            Severity.ERROR,
            pointer="/resources/3/properties/upgradePolicy/mode",
        )
    ]


def test_enum_is_case_insensitive() -> None:
    resource = with_props(upgradePolicy={"mode": "rolling"})
    resource["type"] = "Microsoft.Compute/VirtualMachineScaleSets"
    assert V.validate_scale_set(resource, "2024-03-01") == []


def test_wrong_type() -> None:
    resource = scale_set(sku={"name": "Standard_D2s_v5", "capacity": "many"})
    findings = V.validate_scale_set(resource, "2024-03-01")
    assert [(f.rule, f.pointer, f.message) for f in findings] == [
        ("VAL020", "/sku/capacity", "sku.capacity: 'many' is not of type 'integer'")
    ]


def test_one_of_with_expression_reports_the_real_schema() -> None:
    resource = with_props(overprovision="yes", singlePlacementGroup="[parameters('spg')]")
    findings = V.validate_scale_set(resource, "2024-03-01")
    assert [(f.pointer, f.message) for f in findings] == [
        ("/properties/overprovision", "properties.overprovision: 'yes' is not of type 'boolean'")
    ]
    assert not any("any of the given schemas" in f.message for f in findings)


def test_nested_errors_inside_one_of_branch_are_all_reported() -> None:
    resource = with_props(upgradePolicy={"mode": "Sometimes",
                                         "rollingUpgradePolicy": {"maxBatchInstancePercent": "x"}})
    findings = V.validate_scale_set(resource, "2024-03-01")
    assert [f.pointer for f in findings] == [
        "/properties/upgradePolicy/mode",
        "/properties/upgradePolicy/rollingUpgradePolicy/maxBatchInstancePercent",
    ]


def test_expressions_are_accepted_anywhere_the_schema_allows() -> None:
    resource = scale_set(properties="[variables('vmssProperties')]", sku="[variables('sku')]",
                         tags="[parameters('tags')]")
    assert V.validate_scale_set(resource, "2017-03-30") == []


def test_broken_expression_gets_a_hint() -> None:
    findings = V.validate_scale_set(with_props(upgradePolicy="[variables('policy')"), "2024-03-01")
    assert [f.message for f in findings] == [
        "properties.upgradePolicy: \"[variables('policy')\" is not of type 'object' (it starts "
        "with '[' but is not a complete ARM expression \"[...]\")"
    ]


def test_missing_required_property() -> None:
    resource = scale_set()
    del resource["properties"]
    findings = V.validate_scale_set(resource, "2024-03-01", pointer_prefix="/resources/0")
    assert [(f.pointer, f.message) for f in findings] == [
        ("/resources/0", "missing required property 'properties'")
    ]


def test_template_resource_keys_are_checked() -> None:
    findings = V.validate_scale_set(scale_set(dependsOn="vnet"), "2024-03-01")
    assert [(f.pointer, f.message) for f in findings] == [
        ("/dependsOn", "dependsOn: 'vnet' is not of type 'array'")
    ]


def test_pointer_escapes_tilde_and_slash() -> None:
    resource = scale_set(tags={"a/b~c": True})
    findings = V.validate_scale_set(resource, "2024-03-01", pointer_prefix="/resources/x~1y")
    assert [f.pointer for f in findings] == ["/resources/x~1y/tags/a~1b~0c"]
    assert findings[0].message == "tags['a/b~c']: true is not of type 'string'"


def test_a_number_where_a_string_is_wanted_is_a_warning() -> None:
    """The resource provider's JSON reader turns a number into the string it spells (a
    quickstart's `"min": "[parameters('minNodeCount')]"` tag deploys), like "5" for 5."""
    findings = V.validate_scale_set(scale_set(tags={"min": 1}), "2024-03-01")
    assert [(f.rule, f.severity.label, f.message) for f in findings] == [
        ("VAL022", "warning", "tags.min: 1 is a number, the schema expects 'string' (ARM converts it; write \"1\" "
                              "in quotes)")]


def test_property_copy_loop_is_validated_as_its_property() -> None:
    resource = scale_set()
    storage = resource["properties"]["virtualMachineProfile"]["storageProfile"]
    storage["copy"] = [{"name": "dataDisks", "count": 2, "input": {
        "lun": "[copyIndex('dataDisks')]", "createOption": "Empty", "diskSizeGB": "big"}}]
    findings = V.validate_scale_set(resource, "2024-03-01", pointer_prefix="/resources/1")
    assert [(f.pointer, f.message) for f in findings] == [(
        "/resources/1/properties/virtualMachineProfile/storageProfile/copy/0/input/diskSizeGB",
        "properties.virtualMachineProfile.storageProfile.copy[0].input.diskSizeGB: 'big' is not "
        "of type 'integer'",
    )]
    del storage["copy"][0]["input"]["diskSizeGB"]
    assert V.validate_scale_set(resource, "2024-03-01") == []


def test_a_property_copy_loop_is_checked_as_evaluated() -> None:
    """The copy loop of a template's property is expanded before the schema check; each
    copy's value is checked and the finding points at the property the copies make."""
    from vmssplan.inputs.documents import parse_document
    from vmssplan.model import DeploymentScope
    from vmssplan.resolve import resolve_template
    from vmssplan.validate import evaluated_findings

    resource = scale_set()
    resource["properties"]["virtualMachineProfile"]["storageProfile"]["copy"] = [{
        "name": "dataDisks", "count": 2, "input": {"lun": "[copyIndex('dataDisks')]", "createOption": "Empty",
                                                   "diskSizeGB": "big"}}]
    template = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                "contentVersion": "1.0.0.0", "resources": [resource]}
    doc = parse_document(json.dumps(template, indent=2), "t.json")
    resolved = resolve_template(doc.data, doc.path, [], DeploymentScope())
    findings = evaluated_findings(resolved.scale_sets)
    assert [f.pointer for f in findings if f.rule == "VAL020"] == [
        "/resources/0/properties/virtualMachineProfile/storageProfile/dataDisks/0/diskSizeGB",
        "/resources/0/properties/virtualMachineProfile/storageProfile/dataDisks/1/diskSizeGB"]
    assert all(f.file == "t.json" and doc.locate(f).line is not None for f in findings)


def test_string_spelling_a_boolean_or_integer_is_a_warning() -> None:
    resource = with_props(overprovision="true")
    resource["sku"]["capacity"] = "3"
    findings = V.validate_scale_set(resource, "2024-03-01")
    assert [(f.rule, f.severity, f.pointer) for f in findings] == [
        ("VAL022", Severity.WARNING, "/properties/overprovision"),
        ("VAL022", Severity.WARNING, "/sku/capacity"),
    ]
    assert findings[0].message == (
        "properties.overprovision: 'true' is a string, the schema expects 'boolean' "
        "(ARM converts it; write true without quotes)"
    )


def test_nearest_schema_info_finding() -> None:
    resource = scale_set(apiVersion="2019-07-01")
    findings = V.validate_scale_set(resource, "2019-07-01", pointer_prefix="/resources/2")
    assert findings == [Finding(
        "VAL021", "apiVersion 2019-07-01 validated against the nearest schema, 2023-03-01",
        Severity.INFO, pointer="/resources/2/apiVersion",
    )]
    model_findings = V.validate_scale_set({"properties": {}}, None, shape="model")
    assert [(f.rule, f.pointer, f.message) for f in model_findings] == [
        ("VAL021", "", "no apiVersion given; validated against the newest schema, 2026-03-01")
    ]


def test_model_shape_relaxes_name_type_and_api_version() -> None:
    model = {
        "id": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Compute/"
              "virtualMachineScaleSets/web",
        "etag": "\"1\"",
        "location": "westus",
        "sku": {"name": "Standard_D2s_v5", "capacity": 2},
        "properties": {"provisioningState": "Succeeded", "uniqueId": "abc",
                       "timeCreated": "2024-01-01T00:00:00Z", "upgradePolicy": {"mode": "Manual"}},
    }
    assert V.validate_scale_set(model, "2024-03-01", shape="model") == []
    template_errors = V.validate_scale_set(model, "2024-03-01", shape="template")
    assert {f.message for f in template_errors} == {
        "missing required property 'name'",
        "missing required property 'type'",
        "missing required property 'apiVersion'",
    }
    bad = dict(model, properties={"upgradePolicy": {"mode": "Sometimes"}})
    assert [f.pointer for f in V.validate_scale_set(bad, "2024-03-01", shape="model")] == [
        "/properties/upgradePolicy/mode"
    ]


def test_existing_resource_is_not_validated() -> None:
    ref = {"type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2019-07-01",
           "name": "web", "existing": True}
    assert V.validate_scale_set(ref, "2019-07-01") == []


def test_not_an_object() -> None:
    findings = V.validate_scale_set(["x"], "2024-03-01", pointer_prefix="/resources/0")  # type: ignore[arg-type]
    assert [(f.rule, f.pointer, f.message) for f in findings] == [
        ("VAL020", "/resources/0", "a scale set must be a JSON object, not an array")
    ]


def test_bad_shape_argument() -> None:
    with pytest.raises(ValueError):
        V.validate_scale_set(scale_set(), "2024-03-01", shape="rest")  # type: ignore[arg-type]


# --- secrets ------------------------------------------------------------------------------

SECRET = "Sup3r-Secret-Value!"


def test_secret_values_are_never_echoed() -> None:
    resource = scale_set()
    vm = resource["properties"]["virtualMachineProfile"]
    vm["osProfile"]["adminPassword"] = [123456789]  # wrong type, secret path
    vm["osProfile"]["customData"] = {"value": SECRET}
    vm["extensionProfile"] = {"extensions": [{"name": "cse", "properties": {
        "publisher": "Microsoft.Azure.Extensions", "type": "CustomScript",
        "typeHandlerVersion": "2.1", "protectedSettings": SECRET,
        "settings": {"storageAccountKey": 42, "mySecretThing": {"x": SECRET}},
    }}]}
    vm["storageProfile"]["osDisk"]["caching"] = "x" * 61 + SECRET
    findings = V.validate_scale_set(resource, "2024-03-01")
    messages = "\n".join(f.message for f in findings)
    assert len(findings) == 4, messages
    assert SECRET not in messages
    assert "123456789" not in messages
    assert "adminPassword: an array value (not shown) is not of type 'string'" in messages
    assert "customData: an object value (not shown) is not of type 'string'" in messages
    assert "protectedSettings: a string value (not shown) is not of type 'object'" in messages
    assert "osDisk.caching: a string of 80 characters is not one of" in messages


def test_short_secret_string_under_password_key_is_hidden() -> None:
    resource = with_props(upgradePolicy={"mode": "Manual"})
    resource["properties"]["virtualMachineProfile"]["osProfile"]["adminPassword"] = ["pw1"]
    findings = V.validate_scale_set(resource, "2024-03-01")
    assert [f.message for f in findings] == [
        "properties.virtualMachineProfile.osProfile.adminPassword: an array value (not shown) "
        "is not of type 'string'"
    ]


def test_secret_converted_string_is_hidden() -> None:
    resource = scale_set()
    ext = {"name": "e", "properties": {"publisher": "p", "type": "t", "typeHandlerVersion": "1",
                                       "protectedSettings": "12345"}}
    resource["properties"]["virtualMachineProfile"]["extensionProfile"] = {"extensions": [ext]}
    findings = V.validate_scale_set(resource, "2024-03-01")
    assert findings and "12345" not in findings[0].message


# --- template envelope and parameters files -----------------------------------------------

TEMPLATE: dict[str, Any] = {
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "parameters": {"adminPassword": {"type": "SecureString"}, "count": {"type": "int",
                                                                         "defaultValue": 2}},
    "variables": {"x": 1},
    "resources": [{"type": "Anything/else", "whatever": {"is": ["not", "checked"]}}],
    "outputs": {"id": {"type": "string", "value": "[resourceId('a', 'b')]"}},
}


def test_template_envelope_valid() -> None:
    assert V.validate_template_envelope(TEMPLATE) == []


def test_template_envelope_unknown_property() -> None:
    template = dict(TEMPLATE, resource=[])
    findings = V.validate_template_envelope(template)
    assert len(findings) == 1
    assert findings[0].rule == "VAL010"
    assert findings[0].pointer == "/resource"
    assert findings[0].message.startswith("resource: unknown property 'resource' (expected one of:")
    assert "resources" in findings[0].message


def test_template_envelope_errors() -> None:
    template = dict(TEMPLATE, contentVersion="1.0",
                    parameters={"p": {"type": "strng"}, "q": {"defaultValue": 1}},
                    resources=[1])
    findings = V.validate_template_envelope(template)
    assert [(f.rule, f.pointer, f.message) for f in findings] == [
        ("VAL010", "/contentVersion",
         "contentVersion: '1.0' does not match the pattern "
         r"(^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$)"),
        ("VAL010", "/parameters/p/type",
         "parameters.p.type: 'strng' is not one of 'string', 'securestring', 'int', 'bool', "
         "'object', 'secureObject', 'array'"),
        ("VAL010", "/parameters/q", "parameters.q: missing required property 'type'"),
        ("VAL010", "/resources/0", "resources[0]: 1 is not of type 'object'"),
    ]


def test_template_envelope_language_version_2() -> None:
    template = {
        "$schema": TEMPLATE["$schema"], "languageVersion": "2.0", "contentVersion": "1.0.0.0",
        "definitions": {"sku": {"type": "object"}},
        "parameters": {"sku": {"$ref": "#/definitions/sku"}},
        "resources": {"vmss": {"type": "Microsoft.Compute/virtualMachineScaleSets"}},
    }
    assert V.validate_template_envelope(template) == []
    assert [f.pointer for f in V.validate_template_envelope(dict(template, resources="x"))] == [
        "/resources"
    ]


def test_template_envelope_not_an_object() -> None:
    assert [f.message for f in V.validate_template_envelope([])] == [  # type: ignore[arg-type]
        "an ARM template must be a JSON object, not an array"
    ]


def test_parameters_file() -> None:
    doc = {"$schema": "x", "contentVersion": "1.0.0.0", "parameters": {
        "a": {"value": 1},
        "b": {"reference": {"keyVault": {"id": "/subscriptions/x"}, "secretName": "pw"}},
    }}
    assert V.validate_parameters_file(doc) == []
    doc["parameters"]["c"] = {"value": SECRET, "extra": 1}
    doc["extra"] = True
    findings = V.validate_parameters_file(doc)
    assert [(f.rule, f.pointer) for f in findings] == [
        ("VAL011", "/extra"), ("VAL011", "/parameters/c/extra"),
    ]
    assert findings[1].message == "parameters.c.extra: unknown property 'extra' (expected one " \
        "of: metadata, reference, value)"
    assert SECRET not in "\n".join(f.message for f in findings)


def test_bare_parameters_object_is_accepted() -> None:
    """``{"name": {"value": ...}}`` without the envelope, as az CLI and the REST API take it."""
    assert V.validate_parameters_file({"a": {"value": 1}, "b": {"value": "x"}}) == []
    findings = V.validate_parameters_file({"a": {"value": 1, "typo": 2}})
    assert [(f.pointer, f.message) for f in findings] == [
        ("/a/typo", "a.typo: unknown property 'typo' (expected one of: metadata, reference, value)")
    ]


# --- machinery ----------------------------------------------------------------------------


def test_jsonschema_is_imported_lazily() -> None:
    code = "import sys, vmssplan.validate; print('jsonschema' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=REPO, env={"PYTHONPATH": str(REPO)}, check=True)
    assert result.stdout.strip() == "False"


def test_a_valid_document_never_imports_jsonschema(tmp_path: Path) -> None:
    """The quick check answers for valid documents: jsonschema (70 ms to import) is loaded
    only to explain errors."""
    model = json.loads((REPO / "examples" / "vm-size" / "proposed.json").read_text(encoding="utf-8"))
    model["properties"]["overprovision"] = 5
    invalid = tmp_path / "invalid.json"
    invalid.write_text(json.dumps(model), encoding="utf-8")
    code = ("import sys; from vmssplan.engine import plan_files, validate_files; "
            "validate_files(['examples/os-image-version/proposed.json']); "
            "plan_files('examples/vm-size/current.json', 'examples/vm-size/proposed.json'); "
            "print('jsonschema' in sys.modules); "
            f"r = validate_files([{str(invalid)!r}]); print('jsonschema' in sys.modules); "
            "print(sorted({f.rule for f in r.findings if f.rule == 'VAL020'}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=REPO, env={"PYTHONPATH": str(REPO)}, check=True)
    assert result.stdout.splitlines() == ["False", "True", "['VAL020']"]


def test_validators_are_cached() -> None:
    V.validate_scale_set(scale_set(), "2024-03-01")
    assert V._vmss_validator("2024-03-01", "template") is V._vmss_validator("2024-03-01",
                                                                            "template")
    assert V._vmss_validator("2024-03-01", "model") is not V._vmss_validator("2024-03-01",
                                                                             "template")


# --- what will be deployed is what is checked --------------------------------------------


def _template_with_mode_parameter(tmp_path: Path, literal: bool) -> Path:
    """The template-parameters example with upgradePolicy.mode written literally or taken
    from a parameter whose value comes from the parameters file."""
    import json as _json

    from conftest import EXAMPLES

    template = _json.loads((EXAMPLES / "template-parameters" / "proposed.json").read_text(encoding="utf-8"))
    template["parameters"]["mode"] = {"type": "string", "defaultValue": "Manual"}
    resource = next(r for r in template["resources"] if r["type"].endswith("virtualMachineScaleSets"))
    resource["properties"]["upgradePolicy"] = {"mode": "Sometimes" if literal else "[parameters('mode')]"}
    parameters_file = EXAMPLES / "template-parameters" / "proposed.parameters.json"
    parameters = _json.loads(parameters_file.read_text(encoding="utf-8"))
    parameters["parameters"]["mode"] = {"value": "Sometimes"}
    (tmp_path / "vmss.json").write_text(_json.dumps(template, indent=2), encoding="utf-8")
    (tmp_path / "vmss.parameters.json").write_text(_json.dumps(parameters, indent=2), encoding="utf-8")
    return tmp_path / "vmss.json"


@pytest.mark.parametrize("literal", [True, False], ids=["literal", "through-a-parameter"])
def test_a_value_from_a_parameter_is_schema_checked_like_a_literal(tmp_path: Path, literal: bool) -> None:
    """Issue 12, bug b: `upgradePolicy.mode` set to `Sometimes` through a parameter used to
    pass (exit 0); written literally it was a VAL020 error. Both are now, located at the
    template value that sets it."""
    from clihelp import run_cli

    template = _template_with_mode_parameter(tmp_path, literal)
    run = run_cli("validate", template.name, "-o", "json", cwd=tmp_path)
    import json as _json

    findings = [f for f in _json.loads(run.out)["findings"] if f["rule"] == "VAL020"]
    assert run.code == 1, run.out + run.err
    assert len(findings) == 1 and "'Sometimes' is not one of" in findings[0]["message"]
    assert findings[0]["file"] == "vmss.json" and findings[0]["pointer"].endswith("/properties/upgradePolicy/mode")
    line = (tmp_path / "vmss.json").read_text(encoding="utf-8").splitlines()[findings[0]["line"] - 1]
    assert '"mode"' in line
    plan = run_cli("plan", str(template), str(template), "-o", "json", cwd=tmp_path)
    assert plan.code == 1 and any(f["rule"] == "VAL020" for f in _json.loads(plan.out)["findings"])


#: VAL020 errors the corpus templates have once evaluated, each checked by hand. Managed
#: disks of type StandardSSD_LRS came with Compute API 2018-04-01 (the RP refuses them
#: below it); this template's parameter defaults to it with apiVersion 2016-04-30-preview.
EVALUATED_ERRORS = {
    ("templates/vmss-win-iis-app-ssl/azuredeploy.json",
     "/resources/2/properties/virtualMachineProfile/storageProfile/osDisk/managedDisk/storageAccountType"),
    ("templates/vmss-win-iis-app-ssl/azuredeploy.json",
     "/resources/3/properties/virtualMachineProfile/storageProfile/osDisk/managedDisk/storageAccountType"),
}


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")
def test_corpus_templates_as_evaluated_have_only_the_known_schema_errors() -> None:
    """Every corpus template with its parameters file, evaluated and then schema-checked:
    values from parameters, variables and copy loops are checked, and a null or empty
    value (ARM's `if(cond, x, null())` idiom) is absent, so no false error is made."""
    from vmssplan.engine import validate_files

    found = set()
    checked = 0
    for path in sorted((CORPUS / "templates").glob("*/*.json")):
        if path.name.endswith(".parameters.json") or path.name == "metadata.json":
            continue
        checked += 1
        for finding in validate_files([str(path)]).findings:
            if finding.rule == V.RULE_SCHEMA:
                found.add((str(path.relative_to(CORPUS)), finding.pointer))
    assert checked > 40
    assert found == EVALUATED_ERRORS


def test_a_null_member_of_an_evaluated_scale_set_is_absent_as_arm_takes_it() -> None:
    """Issue 13: `"protectedSettings": null` (or a member an `if(..., null())` leaves null) was a
    VAL020 error; ARM takes null as absent. An empty string is absent too; a wrong value is not."""
    resource = scale_set()
    extension = {"name": "cse", "properties": {
        "publisher": "Microsoft.Azure.Extensions", "type": "CustomScript", "typeHandlerVersion": "2.1",
        "protectedSettings": None, "settings": {"commandToExecute": "echo"}}}
    resource["properties"]["virtualMachineProfile"]["extensionProfile"] = {"extensions": [extension]}
    resource["properties"]["upgradePolicy"] = {"mode": "Manual", "rollingUpgradePolicy": None}
    resource["properties"]["virtualMachineProfile"]["licenseType"] = ""
    assert V.validate_evaluated_scale_set(resource, "2024-03-01") == []
    resource["properties"]["upgradePolicy"]["mode"] = "Sometimes"
    assert [f.pointer for f in V.validate_evaluated_scale_set(resource, "2024-03-01")] == [
        "/properties/upgradePolicy/mode"]
