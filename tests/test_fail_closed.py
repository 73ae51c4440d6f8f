"""Fail closed (issue 13, point 2): what the planner cannot see that could hide a rejected
change fails the default gate, says why, and can be accepted by a documented setting."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from clihelp import run_cli
from plan_schema import assert_valid_plan


def scale_set(subnet_id: str, custom_data: str = "") -> dict[str, Any]:
    os_profile: dict[str, Any] = {"computerNamePrefix": "web", "adminUsername": "azureuser",
                                  "linuxConfiguration": {"disablePasswordAuthentication": True, "ssh": {
                                      "publicKeys": [{"path": "/home/azureuser/.ssh/authorized_keys",
                                                      "keyData": "ssh-ed25519 AAAA test"}]}}}
    if custom_data:
        os_profile["customData"] = custom_data
    return {
        "type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2023-09-01", "name": "web",
        "location": "westeurope", "sku": {"name": "Standard_D2s_v3", "capacity": 2},
        "properties": {"upgradePolicy": {"mode": "Manual"}, "virtualMachineProfile": {
            "storageProfile": {"imageReference": {"publisher": "Canonical", "offer": "ubuntu-24_04-lts",
                                                  "sku": "server", "version": "latest"}},
            "osProfile": os_profile,
            "networkProfile": {"networkInterfaceConfigurations": [{"name": "nic", "properties": {
                "primary": True,
                "ipConfigurations": [{"name": "ip", "properties": {"subnet": {"id": subnet_id}}}]}}]}}},
    }


def template(*resources: dict[str, Any], parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0", "parameters": parameters or {}, "resources": list(resources)}


def write(path: Path, document: dict[str, Any]) -> str:
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


#: The subnet comes from the VNet's deployed state: which VNet it is in cannot be told.
SUBNET_FROM_VNET = "[reference(parameters('vnet'), '2023-04-01').subnets[0].id]"
VNET_PARAMETER = {"vnet": {"type": "string"}}


def plan_vnet_change(tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    path = write(tmp_path / "vmss.json", template(scale_set(SUBNET_FROM_VNET), parameters=VNET_PARAMETER))
    run = run_cli("plan", path, path, "-o", "json", "--current-parameters", "vnet=vnet-a",
                  "--proposed-parameters", "vnet=vnet-b", *extra, cwd=tmp_path)
    assert "Traceback" not in run.err
    result = json.loads(run.out)
    assert_valid_plan(result)
    return run.code, result


def test_an_undecidable_change_whose_rule_can_reject_fails_the_default_gate(tmp_path: Path) -> None:
    code, result = plan_vnet_change(tmp_path)
    [change] = result["scale_sets"][0]["changes"]
    assert change["effect"] == "unknown" and change["could_be_rejected"] is True and change["accepted"] is None
    assert "could be rejected (VMSS210" in change["message"]
    assert code == 1


def test_the_option_accepts_such_unknowns_and_the_plan_still_shows_them(tmp_path: Path) -> None:
    code, result = plan_vnet_change(tmp_path, "--accept-unknown")
    [change] = result["scale_sets"][0]["changes"]
    assert change["effect"] == "unknown" and change["could_be_rejected"] is True
    assert change["accepted"] == "--accept-unknown"
    assert code == 0


def test_the_configuration_accepts_such_unknowns(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".vmssplan.yaml").write_text("accept-unknown: true\n", encoding="utf-8")
    code, result = plan_vnet_change(tmp_path)
    [change] = result["scale_sets"][0]["changes"]
    assert change["accepted"].startswith("accept-unknown in ") and code == 0


def test_the_text_and_sarif_say_could_be_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "vmss.json", template(scale_set(SUBNET_FROM_VNET), parameters=VNET_PARAMETER))
    args = ("plan", path, path, "--current-parameters", "vnet=a", "--proposed-parameters", "vnet=b")
    text = run_cli(*args)
    assert "unknown, could be rejected" in text.out and text.code == 1
    sarif = json.loads(run_cli(*args, "-o", "sarif").out)
    levels = {result["ruleId"]: result["level"] for result in sarif["runs"][0]["results"]}
    assert levels["VMSS003"] == "error"


def test_an_undecidable_change_whose_rule_never_rejects_does_not_fail(tmp_path: Path) -> None:
    """customData from a deployed resource: a reimage at most (VMSS402 rejects only a removal,
    or below apiVersion 2017-12-01, neither of which this is)."""
    custom = "[base64(reference(parameters('vnet'), '2023-04-01').name)]"
    subnet = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
    path = write(tmp_path / "vmss.json", template(scale_set(subnet, custom), parameters=VNET_PARAMETER))
    run = run_cli("plan", path, path, "-o", "json", "--current-parameters", "vnet=a", "--proposed-parameters",
                  "vnet=b")
    [change] = json.loads(run.out)["scale_sets"][0]["changes"]
    assert change["effect"] == "unknown" and change["could_be_rejected"] is False
    assert run.code == 0


# --- scale sets vmssplan cannot see -------------------------------------------------------


def remote(parameter: str = "[parameters('size')]") -> dict[str, Any]:
    return {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "cluster",
            "properties": {"mode": "Incremental",
                           "templateLink": {"uri": "https://example.invalid/templates/vmss.json"},
                           "parameters": {"vmSize": {"value": parameter}}}}


def test_scale_sets_behind_an_unchanged_remote_link_plan_as_no_change_saying_so(tmp_path: Path) -> None:
    path = write(tmp_path / "main.json", template(remote(), parameters={"size": {"type": "string"}}))
    run = run_cli("plan", path, path, "-o", "json", "-p", "size=Standard_D2s_v3")
    result = json.loads(run.out)
    assert result["scale_sets"] == []
    [hidden] = [f for f in result["findings"] if f["rule"] == "VAL046"]
    assert hidden["severity"] == "info" and "unchanged" in hidden["message"]
    assert "VAL003" not in {f["rule"] for f in result["findings"]}
    assert run.code == 0


def test_a_change_in_what_a_remote_link_is_given_could_be_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "main.json", template(remote(), parameters={"size": {"type": "string"}}))
    args = ("plan", path, path, "-o", "json", "--current-parameters", "size=Standard_D2s_v3",
            "--proposed-parameters", "size=Standard_D4s_v3")
    run = run_cli(*args)
    [hidden] = [f for f in json.loads(run.out)["findings"] if f["rule"] == "VAL046"]
    assert hidden["severity"] == "error" and "could be rejected" in hidden["message"]
    assert "Standard_D4s_v3" not in hidden["message"]  # what changed is not echoed, only that it did
    assert run.code == 1
    accepted = run_cli(*args, "--accept-unknown")
    [hidden] = [f for f in json.loads(accepted.out)["findings"] if f["rule"] == "VAL046"]
    assert hidden["severity"] == "warning" and accepted.code == 0


def test_a_scale_set_moved_behind_a_remote_link_could_be_rejected(tmp_path: Path) -> None:
    subnet = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
    current = write(tmp_path / "current.json", template(scale_set(subnet)))
    proposed = write(tmp_path / "proposed.json", template(remote("Standard_D2s_v3")))
    run = run_cli("plan", current, proposed, "-o", "json")
    result = json.loads(run.out)
    assert [f["severity"] for f in result["findings"] if f["rule"] == "VAL046"] == ["error"]
    # Not "deleted (complete mode only)": it may be among what the link deploys.
    assert result["scale_sets"] == [] and "VAL044" in {f["rule"] for f in result["findings"]}
    assert run.code == 1


def test_a_remote_link_whose_secret_input_changed_says_only_that_it_changed(tmp_path: Path) -> None:
    parameters = {"size": {"type": "string"}, "password": {"type": "securestring"}}
    deployment = remote()
    deployment["properties"]["parameters"]["adminPassword"] = {"value": "[parameters('password')]"}
    path = write(tmp_path / "main.json", template(deployment, parameters=parameters))
    same = run_cli("plan", path, path, "-o", "json", "-p", "size=S", "-p", "password=Hunter2-old")
    assert same.code == 0 and "Hunter2" not in same.out
    changed = run_cli("plan", path, path, "-o", "json", "-p", "size=S", "--current-parameters",
                      "password=Hunter2-old", "--proposed-parameters", "password=Hunter2-new")
    assert changed.code == 1 and "Hunter2" not in changed.out


def copies(count: str) -> dict[str, Any]:
    subnet = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
    resource = scale_set(subnet)
    resource["name"] = "[concat('web-', copyIndex())]"
    resource["copy"] = {"name": "sets", "count": count}
    return resource


def test_an_unknown_copy_count_that_changed_could_be_rejected(tmp_path: Path) -> None:
    count = "[length(reference('config', '2023-01-01').sets)]"
    current = write(tmp_path / "current.json", template(copies(count)))
    same = run_cli("plan", current, current, "-o", "json")
    assert [f["severity"] for f in json.loads(same.out)["findings"] if f["rule"] == "VAL046"] == ["info"]
    assert same.code == 0
    other = copies(count)
    other["sku"]["name"] = "Standard_D4s_v3"
    proposed = write(tmp_path / "proposed.json", template(other))
    changed = run_cli("plan", current, proposed, "-o", "json")
    assert [f["severity"] for f in json.loads(changed.out)["findings"] if f["rule"] == "VAL046"] == ["error"]
    assert changed.code == 1


def test_a_child_resource_of_an_existing_scale_set_is_compared_whole(tmp_path: Path) -> None:
    """A template that changes an existing scale set only through a child resource (the
    quickstart decrypt-vmss-windows): no false "no scale set", and a change to it fails closed."""
    extension = {"type": "Microsoft.Compute/virtualMachineScaleSets/extensions", "apiVersion": "2020-12-01",
                 "name": "[concat(parameters('vmss'), '/AzureDiskEncryption')]",
                 "properties": {"publisher": "Microsoft.Azure.Security", "type": "AzureDiskEncryption",
                                "typeHandlerVersion": "2.2", "settings": {"VolumeType": "[parameters('volumes')]"}}}
    path = write(tmp_path / "decrypt.json", template(extension, parameters={
        "vmss": {"type": "string"}, "volumes": {"type": "string"}}))
    same = run_cli("plan", path, path, "-o", "json", "-p", "vmss=web", "-p", "volumes=All")
    findings = json.loads(same.out)["findings"]
    assert [(f["rule"], f["severity"]) for f in findings if f["severity"] != "info" or f["rule"] == "VAL046"] == [
        ("VAL046", "info")]
    assert same.code == 0
    changed = run_cli("plan", path, path, "-o", "json", "-p", "vmss=web", "--current-parameters", "volumes=All",
                      "--proposed-parameters", "volumes=Data")
    assert [f["severity"] for f in json.loads(changed.out)["findings"] if f["rule"] == "VAL046"] == ["error"]
    assert changed.code == 1
