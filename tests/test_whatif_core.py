"""The what-if input's core, on small results written here: how each ``changeType`` is
planned, what counts as noise and why, child extensions, values what-if left unevaluated,
and what-if files that are not what Azure returns. The corpus-wide tests are in
test_whatif.py."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from clihelp import run_cli
from vmssplan.engine import RunConfig, exit_code, plan_files
from vmssplan.inputs.documents import detect_kind
from vmssplan.inputs.whatif import resource_type
from vmssplan.model import DocumentKind

RID = "/subscriptions/0000/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachineScaleSets/web"


def _scale_set(**props: Any) -> dict[str, Any]:
    """A scale set as a GET returns it (read-only fields included)."""
    model: dict[str, Any] = {
        "apiVersion": "2024-03-01", "id": RID, "name": "web", "type": "Microsoft.Compute/virtualMachineScaleSets",
        "location": "westeurope", "sku": {"name": "Standard_D2s_v5", "tier": "Standard", "capacity": 4},
        "properties": {
            "provisioningState": "Succeeded", "uniqueId": "1111", "overprovision": False,
            "upgradePolicy": {"mode": "Rolling", "rollingUpgradePolicy": {"maxBatchInstancePercent": 25}},
            "virtualMachineProfile": {
                "osProfile": {"computerNamePrefix": "web", "adminUsername": "azureuser"},
                "storageProfile": {"imageReference": {"publisher": "Canonical", "offer": "ubuntu-24_04-lts",
                                                      "sku": "server", "version": "24.04.202409160"}},
                "extensionProfile": {"extensions": [{"name": "health", "properties": {
                    "publisher": "Microsoft.ManagedServices", "type": "ApplicationHealthLinux",
                    "typeHandlerVersion": "2.0", "settings": {"protocol": "tcp", "port": 22}}}]},
            },
        },
    }
    model["properties"].update(props)
    return model


def _template_side(before: dict[str, Any]) -> dict[str, Any]:
    """What-if's ``after``: the resource as the template writes it (no read-only fields)."""
    after = copy.deepcopy(before)
    for key in ("provisioningState", "uniqueId"):
        after["properties"].pop(key)
    return after


def _image(model: dict[str, Any]) -> dict[str, Any]:
    image: dict[str, Any] = model["properties"]["virtualMachineProfile"]["storageProfile"]["imageReference"]
    return image


def _result(*changes: dict[str, Any], flattened: bool = False) -> dict[str, Any]:
    if flattened:
        return {"status": "Succeeded", "changes": list(changes), "error": None}
    return {"status": "Succeeded", "properties": {"changes": list(changes)}}


def _plan(tmp_path: Path, document: Any, **options: Any) -> Any:
    path = tmp_path / "whatif.json"
    path.write_text(json.dumps(document))
    return plan_files(str(path), None, RunConfig(**options))


def _new_version() -> tuple[dict[str, Any], dict[str, Any]]:
    before = _scale_set()
    after = _template_side(before)
    _image(after)["version"] = "24.04.202510010"
    return before, after


DELTA = [
    {"path": "properties.provisioningState", "propertyChangeType": "Delete", "before": "Succeeded"},
    {"path": "properties.uniqueId", "propertyChangeType": "Delete", "before": "1111"},
    {"path": "properties.virtualMachineProfile.storageProfile.imageReference.version",
     "propertyChangeType": "Modify", "before": "24.04.202409160", "after": "24.04.202510010"},
    {"path": "properties.virtualMachineProfile.extensionProfile.extensions", "propertyChangeType": "Array",
     "children": [{"path": "0", "propertyChangeType": "Modify", "children": [
         {"path": "properties.settings.port", "propertyChangeType": "Modify", "before": 22, "after": "22"}]}]},
]


def test_detected_by_shape_in_every_form() -> None:
    change = {"resourceId": RID, "changeType": "NoChange"}
    assert detect_kind(_result(change)) is DocumentKind.WHATIF_RESULT
    assert detect_kind(_result(change, flattened=True)) is DocumentKind.WHATIF_RESULT
    assert detect_kind([_result(change), _result(change, flattened=True)]) is DocumentKind.WHATIF_RESULT
    example = {"parameters": {"api-version": "2024-03-01"}, "responses": {"200": {"body": _result(change)}}}
    assert detect_kind(example) is DocumentKind.WHATIF_RESULT
    assert detect_kind({"status": "Failed", "error": {"code": "x", "message": "y"}}) is DocumentKind.WHATIF_RESULT
    assert detect_kind(_scale_set()) is DocumentKind.REST_MODEL  # a model is not mistaken for one


def test_modify_is_planned_as_any_pair_with_the_noise_counted(tmp_path: Path) -> None:
    before, after = _new_version()
    result = _plan(tmp_path, _result({"resourceId": RID, "changeType": "Modify", "before": before, "after": after,
                                      "delta": DELTA}))
    assert result.plan is not None and not result.findings
    (scale_set,) = result.plan.scale_sets
    assert [(c.display_path, c.effect.label) for c in scale_set.changes] == [
        ("properties.virtualMachineProfile.storageProfile.imageReference.version", "upgrade")]
    assert scale_set.vm_impact is not None and "rolling batches of at most 1" in scale_set.vm_impact.summary
    assert scale_set.what_if is not None and scale_set.what_if.property_changes == 4
    noise = {n.path: n.reason.split(":")[0] for n in scale_set.what_if.noise}
    assert noise == {"properties.provisioningState": "read-only", "properties.uniqueId": "read-only",
                     "properties.virtualMachineProfile.extensionProfile.extensions.0.properties.settings.port":
                     "same value"}
    assert exit_code(result) == 0


def test_the_flattened_az_shape_plans_alike(tmp_path: Path) -> None:
    before, after = _new_version()
    change = {"resourceId": RID, "changeType": "Modify", "before": before, "after": after, "delta": DELTA}
    rest = run_cli("plan", str(_write(tmp_path / "rest.json", _result(change))), "-o", "json")
    az = run_cli("plan", str(_write(tmp_path / "az.json", _result(change, flattened=True))), "-o", "json")
    assert rest.code == az.code == 0
    def changes(run: Any) -> list[dict[str, Any]]:  # where a change is in its file differs, nothing else
        return [{**c, "location": None} for c in json.loads(run.out)["scale_sets"][0]["changes"]]

    assert changes(rest) == changes(az) and changes(rest)
    assert json.loads(az.out)["what_if"]["noise"] == 3


def _write(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document))
    return path


@pytest.mark.parametrize(("change_type", "sides", "action"), [
    ("Create", ("after",), "create"), ("Delete", ("before",), "delete"), ("Ignore", ("before",), "no-op"),
    ("NoChange", ("before", "after"), "no-op"), ("Deploy", ("before", "after"), "update"),
])
def test_each_change_type(tmp_path: Path, change_type: str, sides: tuple[str, ...], action: str) -> None:
    before, after = _new_version()
    change: dict[str, Any] = {"resourceId": RID, "changeType": change_type}
    change.update({side: {"before": before, "after": after}[side] for side in sides})
    result = _plan(tmp_path, _result(change))
    assert result.plan is not None and [s.action for s in result.plan.scale_sets] == [action]
    assert result.plan.scale_sets[0].what_if is not None
    assert result.plan.scale_sets[0].what_if.change_type == change_type


def test_unsupported_is_unknown_and_fails_closed(tmp_path: Path) -> None:
    reason = "The resource is in a nested deployment whose parameters use reference()"
    result = _plan(tmp_path, _result({"resourceId": RID, "changeType": "Unsupported", "unsupportedReason": reason,
                                      "before": _scale_set()}))
    assert result.plan is not None
    (scale_set,) = result.plan.scale_sets
    assert scale_set.changes and all(c.effect.label == "unknown" for c in scale_set.changes)
    assert any(c.could_be_rejected for c in scale_set.changes)
    assert all(reason in c.message for c in scale_set.changes)
    assert exit_code(result) == 1
    accepted = _plan(tmp_path, _result({"resourceId": RID, "changeType": "Unsupported", "unsupportedReason": reason,
                                        "before": _scale_set()}), accept_unknown=True)
    assert exit_code(accepted) == 0


def test_unsupported_without_before_is_a_hidden_scale_set(tmp_path: Path) -> None:
    document = _result({"resourceId": RID, "changeType": "Unsupported", "unsupportedReason": "id not computable"})
    result = _plan(tmp_path, document)
    assert [(f.rule, f.severity.label) for f in result.findings] == [("VAL046", "error")]
    assert "id not computable" in result.findings[0].message and result.findings[0].line is not None
    assert exit_code(result) == 1
    accepted = _plan(tmp_path, document, accept_unknown=True)
    assert [(f.rule, f.severity.label) for f in accepted.findings] == [("VAL046", "warning")]
    assert exit_code(accepted) == 0 and [w.kind for w in accepted.waivers] == ["accept-unknown"]


def test_a_value_what_if_left_unevaluated_is_unknown(tmp_path: Path) -> None:
    before, after = _new_version()
    _image(after)["version"] = "[reference('gallery').latestVersion]"
    result = _plan(tmp_path, _result({"resourceId": RID, "changeType": "Modify", "before": before, "after": after}))
    assert result.plan is not None
    (change,) = result.plan.scale_sets[0].changes
    assert change.effect.label == "unknown" and change.unknown_value


def test_a_child_extension_is_folded_into_its_scale_set(tmp_path: Path) -> None:
    """The scale set's body leaves the extension out (a child resource writes it): not removed."""
    before = _scale_set()
    after = _template_side(before)
    del after["properties"]["virtualMachineProfile"]["extensionProfile"]
    extension = copy.deepcopy(before["properties"]["virtualMachineProfile"]["extensionProfile"]["extensions"][0])
    extension_after = {"apiVersion": "2024-03-01", "id": RID + "/extensions/health", "name": "web/health",
                       "type": "Microsoft.Compute/virtualMachineScaleSets/extensions",
                       "properties": {**extension["properties"], "typeHandlerVersion": "2.1"}}
    result = _plan(tmp_path, _result(
        {"resourceId": RID, "changeType": "NoChange", "before": before, "after": after},
        {"resourceId": RID + "/extensions/health", "changeType": "Modify", "after": extension_after,
         "before": {**extension_after, "properties": extension["properties"]}}))
    assert result.plan is not None and not result.plan.other_resources
    (scale_set,) = result.plan.scale_sets
    assert [c.display_path for c in scale_set.changes] == [
        "properties.virtualMachineProfile.extensionProfile.extensions[health].properties.typeHandlerVersion"]


def test_other_resources_are_listed_not_planned(tmp_path: Path) -> None:
    before, after = _new_version()
    vnet = "/subscriptions/0000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet"
    result = _plan(tmp_path, _result(
        {"resourceId": RID, "changeType": "Modify", "before": before, "after": after},
        {"resourceId": vnet, "changeType": "Modify", "before": {"name": "vnet"}, "after": {"name": "vnet"}},
        {"resourceId": "/subscriptions/0000/resourceGroups/rg-new", "changeType": "Create"}))
    assert result.plan is not None and result.plan.other_resources is not None
    assert [(o.type, o.change_type) for o in result.plan.other_resources] == [  # in resource id order
        ("Microsoft.Network/virtualNetworks", "Modify"), ("Microsoft.Resources/resourceGroups", "Create")]


def test_resource_types_of_ids() -> None:
    assert resource_type(RID) == "Microsoft.Compute/virtualMachineScaleSets"
    assert resource_type(RID + "/extensions/health") == "Microsoft.Compute/virtualMachineScaleSets/extensions"
    assert resource_type("/subscriptions/0000") == "Microsoft.Resources/subscriptions"
    assert resource_type("/subscriptions/0000/providers/Microsoft.Resources/deployments/d") == (
        "Microsoft.Resources/deployments")
    assert resource_type("nonsense") == ""


@pytest.mark.parametrize(("document", "rule"), [
    ({"status": "Failed", "error": {"code": "InvalidTemplate", "message": "Deployment template validation failed"}},
     "VAL001"),
    (_result("not a change"), "VAL050"),
    (_result({"changeType": "Modify"}), "VAL050"),
    (_result({"resourceId": RID, "changeType": "Rebuild"}), "VAL050"),
    (_result({"resourceId": RID, "changeType": "Modify", "before": [1], "after": "x"}), "VAL050"),
    ({"status": "Succeeded", "properties": {"changes": {"not": "a list"}}}, "VAL050"),
])
def test_what_is_not_a_what_if_result_is_a_located_error(tmp_path: Path, document: Any, rule: str) -> None:
    path = _write(tmp_path / "whatif.json", document)
    run = run_cli("plan", str(path))
    assert run.code == 1, run.err
    assert f"error [{rule}]" in run.out and f"{path}:" in run.out
    assert "Traceback" not in run.err


def test_a_what_if_result_beside_another_file_is_a_usage_error(tmp_path: Path) -> None:
    before, after = _new_version()
    path = _write(tmp_path / "whatif.json", _result({"resourceId": RID, "changeType": "Modify", "before": before,
                                                      "after": after}))
    run = run_cli("plan", str(path), str(path))
    assert run.code == 2 and "what-if result" in run.err
    run = run_cli("plan", str(path), "-p", "x=1")
    assert run.code == 2 and "template parameters do not apply" in run.err
    assert run_cli("validate", str(path)).code == 0


def test_a_nested_deployment_what_if_could_not_look_into_fails_closed(tmp_path: Path) -> None:
    deployment = "/subscriptions/0000/resourceGroups/rg-web/providers/Microsoft.Resources/deployments/inner"
    result = _plan(tmp_path, _result({"resourceId": deployment, "changeType": "Unsupported",
                                      "unsupportedReason": "The template link uses reference()"}))
    assert [(f.rule, f.severity.label) for f in result.findings] == [("VAL046", "error")]
    assert "nested deployment" in result.findings[0].message and exit_code(result) == 1
    assert result.plan is not None and result.plan.other_resources == []


def test_a_secret_on_one_side_only_is_no_change_and_never_shown(tmp_path: Path) -> None:
    """What-if returns no secure value: adminPassword in after only (a template that sends
    it) or protectedSettings in before only are not changes, and their values appear in no
    output."""
    before, after = _scale_set(), _template_side(_scale_set())
    after["properties"]["virtualMachineProfile"]["osProfile"]["adminPassword"] = "Sup3r-Secret-Pa55"
    before["properties"]["virtualMachineProfile"]["extensionProfile"]["extensions"][0]["properties"][
        "protectedSettings"] = {"token": "TOKEN-0123456789"}
    delta = [{"path": "properties.virtualMachineProfile.osProfile.adminPassword", "propertyChangeType": "Create",
              "after": "Sup3r-Secret-Pa55"}]
    path = _write(tmp_path / "whatif.json", _result({"resourceId": RID, "changeType": "Modify", "before": before,
                                                      "after": after, "delta": delta}))
    outputs = []
    for fmt in ("text", "json", "markdown", "github", "sarif", "azure-devops", "junit", "patch", "table"):
        run = run_cli("plan", str(path), "-o", fmt)
        assert run.code == 0, (fmt, run.err)
        outputs.append(run.out + run.err)
    assert not any("Sup3r-Secret-Pa55" in out or "TOKEN-0123456789" in out for out in outputs)
    plan = json.loads(outputs[1])
    assert plan["scale_sets"][0]["changes"] == []
    assert [n["reason"].split(":")[0] for n in plan["scale_sets"][0]["what_if"]["noise"]] == ["not returned"]
