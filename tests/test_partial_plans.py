"""Plans over values known only in part (issue 13, point 1): a parameter change that reaches a
scale set is a change or an explicit unknown, never "no changes"; a difference in a known part
is judged by its rule without any deployment flag."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from clihelp import run_cli

SUBNET_ID = ("[resourceId('Microsoft.Network/virtualNetworks/subnets', parameters('vnetName'), "
             "parameters('subnetName'))]")


def template() -> dict[str, Any]:
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {
            "vnetName": {"type": "string"},
            "subnetName": {"type": "string", "defaultValue": "app"},
            "script": {"type": "string", "defaultValue": "setup.sh"},
        },
        "resources": [{
            "type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2023-09-01", "name": "web",
            "location": "westeurope", "sku": {"name": "Standard_D2s_v3", "capacity": 2},
            "properties": {
                "upgradePolicy": {"mode": "Manual"},
                "virtualMachineProfile": {
                    "storageProfile": {"imageReference": {"publisher": "Canonical", "offer": "ubuntu-24_04-lts",
                                                          "sku": "server", "version": "latest"}},
                    "osProfile": {"computerNamePrefix": "web", "adminUsername": "azureuser",
                                  "linuxConfiguration": {"disablePasswordAuthentication": True, "ssh": {
                                      "publicKeys": [{"path": "/home/azureuser/.ssh/authorized_keys",
                                                      "keyData": "ssh-ed25519 AAAA test"}]}}},
                    "networkProfile": {"networkInterfaceConfigurations": [{"name": "nic", "properties": {
                        "primary": True,
                        "ipConfigurations": [{"name": "ip", "properties": {"subnet": {"id": SUBNET_ID}}}]}}]},
                    "extensionProfile": {"extensions": [{"name": "setup", "properties": {
                        "publisher": "Microsoft.Azure.Extensions", "type": "CustomScript",
                        "typeHandlerVersion": "2.1",
                        "settings": {"commandToExecute": "[concat('sh ', parameters('script'), ' ', "
                                                         "reference('pip').dnsSettings.fqdn)]"}}}]},
                },
            },
        }],
    }


def write(tmp_path: Path, name: str, **values: str) -> str:
    path = tmp_path / name
    path.write_text(json.dumps({"parameters": {key: {"value": value} for key, value in values.items()}}))
    return f"@{path}"


def plan(tmp_path: Path, current: dict[str, str], proposed: dict[str, str], *extra: str) -> tuple[int, Any]:
    path = tmp_path / "vmss.json"
    path.write_text(json.dumps(template()))
    run = run_cli("plan", str(path), str(path), "-o", "json",
                  "--current-parameters", write(tmp_path, "current.parameters.json", **current),
                  "--proposed-parameters", write(tmp_path, "proposed.parameters.json", **proposed), *extra)
    assert "Traceback" not in run.err
    return run.code, json.loads(run.out)


def test_moving_to_another_vnet_through_a_parameter_is_rejected_without_deployment_flags(tmp_path: Path) -> None:
    code, result = plan(tmp_path, {"vnetName": "vnet-a"}, {"vnetName": "vnet-b"})
    [change] = result["scale_sets"][0]["changes"]
    assert change["path"].endswith("/subnet/id")
    assert change["effect"] == "rejected" and change["rule"] == "VMSS210"
    assert change["before"].endswith("/virtualNetworks/vnet-a/subnets/app")
    assert change["after"].endswith("/virtualNetworks/vnet-b/subnets/app")
    assert "(known after deployment)" in change["after"]  # the subscription and group stay unknown
    assert code == 1


def test_another_subnet_of_the_same_vnet_through_a_parameter_is_an_upgrade(tmp_path: Path) -> None:
    code, result = plan(tmp_path, {"vnetName": "vnet-a"}, {"vnetName": "vnet-a", "subnetName": "web"})
    [change] = result["scale_sets"][0]["changes"]
    assert (change["effect"], change["rule"]) == ("upgrade", "VMSS210")
    assert code == 0


def test_a_change_in_the_known_part_of_a_command_is_a_change(tmp_path: Path) -> None:
    code, result = plan(tmp_path, {"vnetName": "v"}, {"vnetName": "v", "script": "other.sh"})
    assert code == 0
    [change] = result["scale_sets"][0]["changes"]
    assert change["path"].endswith("/settings/commandToExecute")
    assert (change["effect"], change["rule"]) == ("upgrade", "VMSS504")  # known to change: its rule judges it
    assert change["before"] == "sh setup.sh (known after deployment)"


def test_the_same_parameters_are_no_change(tmp_path: Path) -> None:
    code, result = plan(tmp_path, {"vnetName": "vnet-a"}, {"vnetName": "vnet-a"})
    assert result["scale_sets"][0]["changes"] == [] and result["scale_sets"][0]["action"] == "no-op"
    assert code == 0


def test_an_undecidable_difference_is_unknown_with_its_reason(tmp_path: Path) -> None:
    # With the subscription and group given the id is known, and the same parameters are no change.
    code, result = plan(tmp_path, {"vnetName": "v"}, {"vnetName": "v"}, "--subscription-id",
                        "00000000-0000-0000-0000-000000000000", "-g", "rg")
    assert result["scale_sets"][0]["changes"] == [] and code == 0
    path = tmp_path / "vmss.json"
    doc = template()
    settings = doc["resources"][0]["properties"]["virtualMachineProfile"]["extensionProfile"]["extensions"][0]
    settings["properties"]["settings"]["commandToExecute"] = "[reference('other').dnsSettings.fqdn]"
    proposed = tmp_path / "proposed.json"
    proposed.write_text(json.dumps(doc))
    run = run_cli("plan", str(path), str(proposed), "-o", "json", "-p", "vnetName=v")
    [change] = json.loads(run.out)["scale_sets"][0]["changes"]
    assert change["effect"] == "unknown" and change["rule"] == "VMSS003"
    assert "reference()" in change["message"]
