"""Single-document lint (lint/*.json, vmssplan/lint.py): every rule file is valid and its
cases hold, a value known only after deployment never makes a rule fire, and the bundled
examples and the real-world corpus lint clean except where they are genuinely wrong."""

from __future__ import annotations

import ast
import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import CORPUS, EXAMPLES, REPO, corpus_cases
from vmssplan.conditions import lookup
from vmssplan.expressions import Unknown
from vmssplan.inputs.documents import load_document, scale_sets_of
from vmssplan.inputs.reader import Reader
from vmssplan.lint import lint_model, lint_scale_set
from vmssplan.locate import source_pointer
from vmssplan.model import (
    DocumentError,
    DocumentKind,
    Finding,
    LintRule,
    ScaleSet,
    ScaleSetSource,
    SensitiveValue,
    Severity,
    UsageError,
)
from vmssplan.normalize import normalize
from vmssplan.pointer import split as parse_pointer
from vmssplan.registry import builtin_dirs, rule_problems
from vmssplan.registry import load as load_registry
from vmssplan.resolve import DeploymentScope, parameters_from_file, resolve_template

LINT_DIR = REPO / "lint"
LINT_FILES = sorted(LINT_DIR.glob("*.json"))
RULES = load_registry().lint
BY_ID = {rule.id: rule for rule in RULES}


def with_values(value: Any) -> Any:
    """Cases write {"$unknown": "<expression>"} for a value known only after deployment and
    {"$sensitive": "<label>"} for a value derived from a secret."""
    if isinstance(value, dict):
        if set(value) == {"$unknown"}:
            return Unknown(value["$unknown"], "a lint case says so")
        if set(value) == {"$sensitive"}:
            return SensitiveValue("digest-of-" + value["$sensitive"])
        return {k: with_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [with_values(v) for v in value]
    return value


def canonical(model: dict) -> ScaleSet:
    return normalize(ScaleSetSource("case", with_values(model), "case.json"))


def _cases() -> list[tuple[str, int, dict]]:
    out = []
    for path in LINT_FILES:
        data = json.loads(path.read_text(encoding="utf-8"))
        for i, case in enumerate(data.get("cases", [])):
            out.append((data["id"], i, case))
    return out


CASES = _cases()


# --- the rule files --------------------------------------------------------------------


def test_the_lint_directory_is_found() -> None:
    assert builtin_dirs()["lint"].resolve() == LINT_DIR.resolve()
    assert len(RULES) == len(LINT_FILES) > 0


def test_lint_package_holds_only_a_docstring() -> None:
    tree = ast.parse((LINT_DIR / "__init__.py").read_text(encoding="utf-8"))
    assert len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr)
    assert isinstance(tree.body[0].value, ast.Constant) and isinstance(tree.body[0].value.value, str)


@pytest.mark.parametrize("path", LINT_FILES, ids=lambda p: p.name)
def test_lint_file_is_valid(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert rule_problems(data) == []
    assert path.name.startswith(data["id"] + "-"), "file name starts with the rule id"
    assert data["id"].startswith("LINT") and len(data["id"]) == 7


def test_lint_ids_are_unique() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_rule_has_a_case_that_fires_and_one_that_does_not(rule: LintRule) -> None:
    assert any(rule.id in case.get("fires", ()) for case in rule.cases), "no case where the rule fires"
    assert any(rule.id in case.get("quiet", ()) for case in rule.cases), "no case where the rule stays quiet"


@pytest.mark.parametrize("rule_id,index,case", CASES, ids=lambda v: str(v) if not isinstance(v, dict) else "")
def test_lint_case(rule_id: str, index: int, case: dict) -> None:
    scale_set = canonical(case["model"])
    findings = lint_scale_set(scale_set)
    fired = {f.rule for f in findings}
    summary = [(f.rule, f.pointer) for f in findings]
    assert set(case.get("fires", ())) <= fired, (case["name"], summary)
    assert not set(case.get("quiet", ())) & fired, (case["name"], summary)
    if "pointers" in case:
        assert sorted(f.pointer for f in findings if f.rule == rule_id) == sorted(case["pointers"]), summary
    for finding in findings:
        assert finding.file == "case.json" and finding.line is None
        assert finding.severity is BY_ID[finding.rule].severity
        assert lookup(scale_set.model, parse_pointer(finding.pointer))[0] != "absent", finding.pointer


# --- values known only after deployment never fire a rule ------------------------------

#: Concrete values tried in place of an unknown one: whatever a rule says with the unknown
#: value, it must also say with every one of these (and with the value absent).
SAMPLES: list[Any] = [
    True, False, 0, 1, 2, 3, 5, 101, -1, "", "x", "latest", "22.04.1", "Rolling", "Manual", "Automatic",
    "Uniform", "Flexible", "Spot", "Regular", "Low", "Mix", "Standard", "UltraSSD_LRS", "PremiumV2_LRS",
    "Premium_LRS", "ReadOnly", "ReadWrite", "AutomaticByPlatform", "AutomaticByOS", "None", "SystemAssigned",
    "Microsoft.ManagedServices", "ApplicationHealthLinux", "Microsoft.Azure.ServiceFabric",
    "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/other/backendAddressPools/p",
    [], ["1"], ["1", "2"], ["1", "2", "3"], {},
    {"id": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb/probes/p"},
    [{"name": "health", "properties": {"publisher": "Microsoft.ManagedServices", "type": "ApplicationHealthLinux"}}],
    [{"name": "Standard_D2s_v5"}, {"name": "Standard_D2s_v5"}],
]
_ABSENT = object()


def _paths(node: Any, here: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = [here] if here else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, here + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, here + (str(i),))
    return out


def _replace(model: Any, path: tuple[str, ...], value: Any) -> Any:
    model = copy.deepcopy(model)
    parent: Any = model
    for token in path[:-1]:
        parent = parent[int(token)] if isinstance(parent, list) else parent[token]
    last: Any = int(path[-1]) if isinstance(parent, list) else path[-1]
    if value is _ABSENT:
        if isinstance(parent, list):
            parent.pop(last)
        else:
            del parent[last]
    else:
        parent[last] = value
    return model


def _fired(model: Any, rules: tuple[LintRule, ...] | None = None) -> set[str]:
    return {f.rule for f in lint_model(model, rules)}


@pytest.mark.parametrize("rule_id,index,case", CASES, ids=lambda v: str(v) if not isinstance(v, dict) else "")
def test_an_unknown_value_never_makes_a_rule_fire(rule_id: str, index: int, case: dict) -> None:
    """Replace each value of the case's model (leaf or subtree) by an unknown: every rule
    that still fires must fire for every concrete value in its place, and for none at all."""
    base = canonical(case["model"]).model
    for path in _paths(base):
        unknown = Unknown("parameters('x')", "a test says so")
        fired = _fired(_replace(base, path, unknown))
        if not fired:
            continue
        subset = tuple(r for r in RULES if r.id in fired)
        for sample in [_ABSENT, lookup(base, path)[1], *SAMPLES]:
            concrete = _fired(_replace(base, path, copy.deepcopy(sample)), subset)
            assert fired <= concrete, (case["name"], "/".join(path), sample, fired - concrete)


def test_a_model_known_only_after_deployment_fires_nothing() -> None:
    for _, _, case in CASES:
        model = canonical(case["model"]).model
        for key in list(model):
            model[key] = Unknown("reference('x')", "a test says so")
        assert lint_model(model) == [], case["name"]


def test_sensitive_values_are_present_but_unreadable() -> None:
    secret = SensitiveValue("0" * 64)
    aosu = {"properties": {"upgradePolicy": {"automaticOSUpgradePolicy": {"enableAutomaticOSUpgrade": True}},
                           "virtualMachineProfile": {"storageProfile": {"imageReference": {"version": secret}}}}}
    assert "LINT006" not in _fired(aosu)
    flexible = {"properties": {"orchestrationMode": "Flexible",
                               "virtualMachineProfile": {"networkProfile": {"healthProbe": {"id": secret}}}}}
    assert "LINT412" in _fired(flexible)
    hidden_mode = {"properties": {"orchestrationMode": secret, "overprovision": True}}
    assert "LINT411" not in _fired(hidden_mode)


# --- the loader and the API -------------------------------------------------------------

USER_RULE = {
    "id": "ACME001", "title": "No overprovisioning in production", "severity": "warning", "confidence": "high",
    "check": {"equals": {"pointer": "/properties/overprovision", "values": [True, None]}},
    "pointer": ["/properties/overprovision", "/properties"],
    "message": "Our production scale sets never overprovision.",
    "evidence": [{"source": "ACME platform handbook", "quote": "overprovision: false"}],
    "cases": [{"name": "on", "model": {"properties": {"overprovision": True}}, "fires": ["ACME001"]},
              {"name": "off", "model": {"properties": {"overprovision": False}}, "quiet": ["ACME001"]}],
}


def test_user_lint_rules_load_from_extra_directories(tmp_path: Path) -> None:
    (tmp_path / "ACME001-no-overprovision.json").write_text(json.dumps(USER_RULE), encoding="utf-8")
    rules = load_registry((str(tmp_path),), validate=True).lint
    assert [r.id for r in rules][-1] == "ACME001" and len(rules) == len(RULES) + 1
    findings = lint_model({"properties": {}, "sku": {"capacity": 2}}, rules)
    assert [(f.rule, f.pointer, f.severity) for f in findings] == [("ACME001", "/properties", Severity.WARNING)]


@pytest.mark.parametrize("broken,expected", [
    ({**USER_RULE, "id": "LINT001"}, "already defined"),
    ({**USER_RULE, "check": {"startswith": {"pointer": "/sku/name", "value": "Standard"}}}, "invalid rule file"),
    ({**USER_RULE, "severity": "fatal"}, "invalid rule file"),
    ("{ not json", "invalid JSON"),
])
def test_broken_user_lint_rules_are_usage_errors(tmp_path: Path, broken: Any, expected: str) -> None:
    text = broken if isinstance(broken, str) else json.dumps(broken)
    (tmp_path / "X001-broken.json").write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match=expected):
        load_registry((str(tmp_path),), validate=True)


def test_missing_user_directory_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not found"):
        load_registry((str(tmp_path / "nope"),))


def test_findings_are_sorted_and_unique() -> None:
    model = {"zones": ["1"], "properties": {"zoneBalance": True, "overprovision": True,
                                            "upgradePolicy": {"mode": "Rolling",
                                                              "rollingUpgradePolicy": {"maxSurge": True}}}}
    findings = lint_model(model)
    assert [f.rule for f in findings] == ["LINT009", "LINT001", "LINT101"]
    assert findings == sorted(set(findings), key=lambda f: (f.pointer, f.rule, f.message))
    assert all(isinstance(f, Finding) for f in findings)


def test_lint_does_not_import_jsonschema() -> None:
    code = "import sys, vmssplan.lint, vmssplan.registry as r; r.load(); print('jsonschema' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_source_pointer_undoes_normalization() -> None:
    rest = {"name": "web", "Properties": {"UpgradePolicy": {"mode": "Rolling"}, "virtualMachineProfile": {
        "storageProfile": {"dataDisks": [
            {"lun": 3, "createOption": "Empty", "diskSizeGb": 8, "managedDisk": {"storageAccountType": "UltraSSD_LRS"}},
            {"lun": 1, "createOption": "Empty", "diskSizeGb": 8}]}}}}
    scale_set = normalize(ScaleSetSource("web", rest, "web.json", pointer="/value/2"))
    findings = {f.rule: f.pointer for f in lint_scale_set(scale_set)}
    assert findings["LINT201"] == (
        "/properties/virtualMachineProfile/storageProfile/dataDisks/1/managedDisk/storageAccountType")
    assert source_pointer(scale_set, findings["LINT201"]) == (
        "/value/2/Properties/virtualMachineProfile/storageProfile/dataDisks/0/managedDisk/storageAccountType")
    assert source_pointer(scale_set, findings["LINT001"]) == "/value/2/Properties/UpgradePolicy/mode"
    assert source_pointer(scale_set, "/properties/virtualMachineProfile/storageProfile/dataDisks/0/diskSizeGB") == (
        "/value/2/Properties/virtualMachineProfile/storageProfile/dataDisks/1/diskSizeGb")


def test_source_pointer_follows_az_flattening() -> None:
    az = {"name": "web", "resourceGroup": "rg", "upgradePolicy": {"mode": "Rolling"}, "virtualMachineProfile": {
        "extensionProfile": {"extensions": [
            {"name": "zeta", "publisher": "Microsoft.Azure.Extensions", "typePropertiesType": "CustomScript"},
            {"name": "alpha", "publisher": "Microsoft.Azure.Extensions", "typePropertiesType": "CustomScript"}]}}}
    scale_set = normalize(ScaleSetSource("web", az, "az.json", flattened=True), DocumentKind.AZ_MODEL)
    assert [f.rule for f in lint_scale_set(scale_set)] == ["LINT001"]
    assert source_pointer(scale_set, "/properties/upgradePolicy/mode") == "/upgradePolicy/mode"
    extension_type = "/properties/virtualMachineProfile/extensionProfile/extensions/0/properties/type"
    assert source_pointer(scale_set, extension_type) == (
        "/virtualMachineProfile/extensionProfile/extensions/1/typePropertiesType")


def test_source_pointer_stops_where_a_template_computed_the_value() -> None:
    template_resource = {"name": "web", "properties": {"virtualMachineProfile": "[variables('profile')]"}}
    scale_set = ScaleSet("web", {"properties": {"virtualMachineProfile": {"osProfile": {"adminUsername": "a"}}}},
                         ScaleSetSource("web", template_resource, "t.json", pointer="/resources/1", from_template=True))
    assert source_pointer(scale_set, "/properties/virtualMachineProfile/osProfile/adminUsername") == (
        "/resources/1/properties/virtualMachineProfile")


# --- real documents ---------------------------------------------------------------------


def _scale_sets(path: Path) -> list[ScaleSet]:
    doc = load_document(str(path))
    if doc.kind is DocumentKind.ARM_TEMPLATE:
        sibling = path.with_name(path.stem + ".parameters.json")
        parameters = [parameters_from_file(load_document(str(sibling)).data, str(sibling))] if sibling.is_file() else []
        base_dir, read_linked = Reader().linked_templates(doc)
        resolved = resolve_template(doc.data, doc.path, parameters, DeploymentScope(), base_dir=base_dir,
                                    read_linked=read_linked)
        sources = resolved.scale_sets
    else:
        sources = scale_sets_of(doc)
    return [normalize(source, doc.kind) for source in sources]


EXAMPLE_FILES = sorted(p for p in EXAMPLES.glob("*/*.json") if p.name in ("current.json", "proposed.json"))


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_examples_lint_clean(path: Path) -> None:
    scale_sets = _scale_sets(path)
    assert scale_sets
    findings = [f for s in scale_sets for f in lint_scale_set(s)]
    assert findings == [], [(f.rule, f.pointer) for f in findings]


def _corpus_files(kind: str) -> list[str]:
    if not (CORPUS / "INDEX.json").is_file():
        return []
    return [e["file"] for e in json.loads((CORPUS / "INDEX.json").read_text(encoding="utf-8")) if e["kind"] == kind]


#: Genuine problems of corpus files: the error rules each one breaks (warnings not listed).
#: - The two automatic-repairs examples enable repairs with neither a health probe nor the
#:   Application Health extension.
#: - The `*_MaximumSet_Gen` examples are generated to fill every property, so they hold
#:   combinations Azure refuses: zoneBalance with one zone, a capacity reservation with
#:   singlePlacementGroup true, automatic OS upgrade with Windows updates on, with patchMode
#:   AutomaticByPlatform or with a pinned image version, a per-VM public IP sku on a Uniform
#:   scale set, and Windows patchMode Manual with automatic updates on.
GENUINE_ERRORS = {
    "rest-examples/2021-03-01/CreateAScaleSetWithAutomaticRepairs.json": {"LINT005"},
    "rest-examples/2024-03-01/VirtualMachineScaleSet_Create_WithAutomaticRepairs.json": {"LINT005"},
    "rest-examples/2024-03-01/VirtualMachineScaleSet_Update_MaximumSet_Gen.json":
        {"LINT007", "LINT008", "LINT101", "LINT103", "LINT404"},
    "rest-examples/2024-03-01/VirtualMachineScaleSet_List_MaximumSet_Gen.json":
        {"LINT006", "LINT007", "LINT101", "LINT103", "LINT404", "LINT507"},
}


def _corpus_errors(corpus: Path, name: str) -> set[str] | None:
    try:
        scale_sets = _scale_sets(corpus / name)
    except DocumentError:
        return None  # VM lists, instance views, prerequisite templates: no scale set to lint
    data = load_document(str(corpus / name)).data
    errors = set()
    for scale_set in scale_sets:
        for finding in lint_scale_set(scale_set):
            if not scale_set.source.from_template:  # a model: the finding is found in the file
                assert lookup(data, parse_pointer(source_pointer(scale_set, finding.pointer)))[0] == "present"
            if finding.severity is Severity.ERROR:
                errors.add(finding.rule)
    return errors


@pytest.mark.parametrize("name", corpus_cases(_corpus_files("rest-example")))
def test_corpus_rest_example_lints_clean_unless_genuinely_wrong(corpus: Path, name: str) -> None:
    errors = _corpus_errors(corpus, name)
    if errors is None:
        pytest.skip("no scale-set model in this example")
    assert errors == GENUINE_ERRORS.get(name, set())


@pytest.mark.parametrize("name", corpus_cases(_corpus_files("arm-template")))
def test_corpus_template_lints_clean(corpus: Path, name: str) -> None:
    errors = _corpus_errors(corpus, name)
    if errors is None:
        pytest.skip("no scale set in this template")
    assert errors == GENUINE_ERRORS.get(name, set())


def test_genuine_errors_name_corpus_files(corpus: Path) -> None:
    assert set(GENUINE_ERRORS) <= set(_corpus_files("rest-example")) | set(_corpus_files("arm-template"))
