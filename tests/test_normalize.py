"""Normalization to the canonical REST shape."""

from __future__ import annotations

import json

from shapes import az_shape
from vmssplan.model import DocumentKind, ScaleSetSource
from vmssplan.normalize import normalize


def test_az_output_is_reenveloped_and_unflattened() -> None:
    az = {
        "name": "web", "resourceGroup": "rg", "location": "westeurope", "provisioningState": "Succeeded",
        "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/web",
        "type": "Microsoft.Compute/virtualMachineScaleSets", "uniqueId": "u", "zoneBalance": None,
        "upgradePolicy": {"mode": "Manual", "automaticOsUpgradePolicy": {"enableAutomaticOsUpgrade": False}},
        "virtualMachineProfile": {
            "storageProfile": {"osDisk": {"diskSizeGb": 30, "createOption": "FromImage"}},
            "networkProfile": {"networkInterfaceConfigurations": [{
                "name": "nic", "primary": True, "enableIpForwarding": False, "dnsSettings": {"dnsServers": []},
                "ipConfigurations": [{"name": "ip", "subnet": {"id": "/s/x"},
                                      "publicIpAddressConfiguration": None}],
            }]},
            "extensionProfile": {"extensions": [{
                "name": "cse", "type": "Microsoft.Compute/virtualMachineScaleSets/extensions",
                "typePropertiesType": "CustomScript", "publisher": "Microsoft.Azure.Extensions",
                "settings": {"a": 1}, "provisioningState": "Succeeded", "protectedSettings": None,
            }]},
        },
    }
    source = ScaleSetSource("web", az, "az.json", flattened=True)
    scale_set = normalize(source, DocumentKind.AZ_MODEL)
    assert scale_set.from_get
    assert scale_set.model == {
        "location": "westeurope", "name": "web",
        "properties": {
            "upgradePolicy": {"automaticOSUpgradePolicy": {"enableAutomaticOSUpgrade": False}, "mode": "Manual"},
            "virtualMachineProfile": {
                "extensionProfile": {"extensions": [{"name": "cse", "properties": {
                    "publisher": "Microsoft.Azure.Extensions", "settings": {"a": 1}, "type": "CustomScript"}}]},
                "networkProfile": {"networkInterfaceConfigurations": [{"name": "nic", "properties": {
                    "enableIPForwarding": False, "primary": True,
                    "ipConfigurations": [{"name": "ip", "properties": {"subnet": {"id": "/s/x"}}}]}}]},
                "storageProfile": {"osDisk": {"createOption": "FromImage", "diskSizeGB": 30}},
            },
        },
    }


def test_template_only_and_read_only_keys_are_dropped() -> None:
    resource = {"type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2024-03-01", "name": "a",
                "dependsOn": ["x"], "comments": "c", "identity": {"type": "SystemAssigned", "principalId": "p"},
                "properties": {"virtualMachineProfile": {"storageProfile": {"imageReference": {
                    "version": "1", "exactVersion": "1.0.0"}}}}}
    model = normalize(ScaleSetSource("a", resource, "t.json", from_template=True)).model
    assert model == {"identity": {"type": "SystemAssigned"}, "name": "a", "properties": {
        "virtualMachineProfile": {"storageProfile": {"imageReference": {"version": "1"}}}}}


def test_keyed_arrays_are_in_key_order_and_positional_when_keys_repeat() -> None:
    disks = [{"lun": 2}, {"lun": 0}, {"lun": 1}]
    model = normalize(ScaleSetSource("a", {"properties": {"virtualMachineProfile": {"storageProfile": {
        "dataDisks": disks}}}}, "x")).model
    assert [d["lun"] for d in model["properties"]["virtualMachineProfile"]["storageProfile"]["dataDisks"]] == [0, 1, 2]
    repeated = [{"lun": 1, "caching": "None"}, {"lun": 1, "caching": "ReadOnly"}]
    model = normalize(ScaleSetSource("a", {"properties": {"virtualMachineProfile": {"storageProfile": {
        "dataDisks": repeated}}}}, "x")).model
    assert model["properties"]["virtualMachineProfile"]["storageProfile"]["dataDisks"] == repeated


def test_az_output_of_a_scale_set_equals_its_rest_model() -> None:
    import copy

    from conftest import EXAMPLES
    from vmssplan.diff import diff

    rest = json.loads((EXAMPLES / "os-image-version" / "current.json").read_text(encoding="utf-8"))
    az = az_shape(copy.deepcopy(rest))
    rest_model = normalize(ScaleSetSource("web-vmss", rest, "rest.json"), DocumentKind.REST_MODEL).model
    az_model = normalize(ScaleSetSource("web-vmss", az, "az.json", flattened=True), DocumentKind.AZ_MODEL).model
    assert diff(rest_model, az_model) == []


def test_names_that_differ_only_in_case_are_a_located_warning() -> None:
    resource = {"name": "web", "properties": {"upgradePolicy": {"mode": "Manual"},
                                              "UpgradePolicy": {"mode": "Automatic"},
                                              "overprovision": False}}
    scale_set = normalize(ScaleSetSource("web", resource, "web.json", pointer="/resources/0"))
    assert scale_set.model["properties"]["upgradePolicy"] == {"mode": "Manual"}  # the last in sorted order
    [finding] = scale_set.findings
    assert (finding.rule, finding.severity.label, finding.pointer) == ("VAL023", "warning",
                                                                       "/resources/0/properties/UpgradePolicy")
    assert "'upgradePolicy', 'UpgradePolicy' differ only in case" in finding.message
    assert "vmssplan used 'upgradePolicy'" in finding.message
    clean = ScaleSetSource("web", {"name": "web", "properties": {"upgradePolicy": {}}}, "w.json")
    assert normalize(clean).findings == []


def test_a_user_assigned_identity_written_as_an_empty_object_is_kept_and_a_swap_is_a_change() -> None:
    """``userAssignedIdentities`` maps resource ids to ``{}`` (a GET adds read-only principalId
    and clientId): the ids are the data, so an empty member is not dropped as an empty
    container, and replacing one identity by another is a remove and an add, not a no-op."""
    from vmssplan.diff import diff

    ids = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/"

    def model(*names: str, get: bool = False) -> dict:
        value = {"principalId": "p", "clientId": "c"} if get else {}
        identity = {"type": "UserAssigned", "userAssignedIdentities": {ids + n: dict(value) for n in names}}
        return normalize(ScaleSetSource("web", {"name": "web", "identity": identity}, "t.json")).model

    assert model("a")["identity"]["userAssignedIdentities"] == {ids + "a": {}}
    assert model("a", get=True) == model("a")  # the GET's read-only members are dropped, the id stays
    ops = [(op.op, op.path[-1]) for op in diff(model("a"), model("b"))]
    assert ops == [("remove", ids + "a"), ("add", ids + "b")]
    assert diff(model("a"), model("a", get=True)) == []
    empty = normalize(ScaleSetSource("web", {"name": "web", "properties": {"virtualMachineProfile": {}}}, "t.json"))
    assert "properties" not in empty.model  # other empty containers are still dropped


def test_a_string_written_for_a_boolean_or_integer_property_is_the_value_arm_makes_of_it() -> None:
    """Old quickstarts write "overprovision": "true", "singlePlacementGroup": "false"; their Bicep
    rewrites write booleans. ARM converts the strings (VAL022 says so), so the two are the same
    scale set: "false" -> false must not be VMSS201's rejection."""
    from vmssplan import shape

    assert shape.typed_value("singlePlacementGroup", "false") is False
    assert shape.typed_value("overprovision", "True") is True
    assert shape.typed_value("lun", "2") == 2 and shape.typed_value("diskSizeGB", " 128 ") == 128
    assert shape.typed_value("overprovision", "yes") == "yes"  # not ARM's text for a boolean: kept, VAL022 says so
    assert shape.typed_value("computerNamePrefix", "true") == "true"  # a string property stays a string
    assert shape.typed_value("lun", "1e3") == "1e3"
