"""Write the example pairs in examples/ (current.json, proposed.json, README.md each).

Each example is one scenario of Microsoft's "Modify a virtual machine scale set" docs,
built from one realistic base model: the shape `az rest`/the REST GET returns for a
Uniform Ubuntu scale set behind a load balancer. The current side is that GET response
(with its read-only fields); the proposed side is the PUT body a person would send.
Expected plans, one golden file per output format (see GOLDEN: expected.txt, expected.json,
expected.md, expected.sarif, expected.github.txt, expected.junit.xml, expected.patch.json,
expected.azure-devops.txt, expected.table.txt, expected.tsv),
are written by `vmssplan` itself, run as a user runs it (in the example's folder, relative
paths, no colour):

    python scripts/make_examples.py             # the pairs (current.json, proposed.json, ...)
    python scripts/make_examples.py --expected  # every golden output, from the pairs
    python scripts/make_examples.py --history   # the golden plans of tests/realworld-history

and reviewed like code; tests/test_examples.py checks the tool still produces them, byte for
byte. Regenerate them with the second command after a deliberate change of an output, and
read the diff.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"

SUB = "/subscriptions/0f4c6a4e-3a1b-4c5d-9e8f-1a2b3c4d5e6f/resourceGroups/web-rg/providers"
VNET = f"{SUB}/Microsoft.Network/virtualNetworks/web-vnet"
LB = f"{SUB}/Microsoft.Network/loadBalancers/web-lb"
APPGW = f"{SUB}/Microsoft.Network/applicationGateways/web-appgw"
GALLERY = f"{SUB}/Microsoft.Compute/galleries/webGallery/images/web-ubuntu/versions"


def base_get() -> dict[str, Any]:
    """A GET response of a 4-VM Uniform scale set (api-version 2024-03-01)."""
    return {
        "name": "web-vmss",
        "id": f"{SUB}/Microsoft.Compute/virtualMachineScaleSets/web-vmss",
        "type": "Microsoft.Compute/virtualMachineScaleSets",
        "location": "westeurope",
        "tags": {"env": "prod", "team": "web"},
        "sku": {"name": "Standard_D2s_v5", "tier": "Standard", "capacity": 4},
        "zones": ["1", "2", "3"],
        "etag": "\"7\"",
        "properties": {
            "singlePlacementGroup": True,
            "orchestrationMode": "Uniform",
            "upgradePolicy": {"mode": "Manual"},
            "platformFaultDomainCount": 1,
            "overprovision": False,
            "provisioningState": "Succeeded",
            "uniqueId": "b2a1f3c4-5d6e-4f70-8a9b-0c1d2e3f4a5b",
            "timeCreated": "2025-09-16T08:12:44.1234567+00:00",
            "virtualMachineProfile": {
                "osProfile": {
                    "computerNamePrefix": "web",
                    "adminUsername": "azureuser",
                    "linuxConfiguration": {
                        "disablePasswordAuthentication": True,
                        "ssh": {"publicKeys": [{
                            "path": "/home/azureuser/.ssh/authorized_keys",
                            "keyData": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHx0cGV4YW1wbGVrZXlmb3J2bXNzcGxhbg "
                                       "ops@example",
                        }]},
                        "provisionVMAgent": True,
                    },
                    "secrets": [],
                    "allowExtensionOperations": True,
                    "requireGuestProvisionSignal": True,
                },
                "storageProfile": {
                    "osDisk": {
                        "osType": "Linux", "createOption": "FromImage", "caching": "ReadWrite",
                        "managedDisk": {"storageAccountType": "Premium_LRS"}, "diskSizeGB": 30,
                    },
                    "imageReference": {
                        "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy",
                        "sku": "22_04-lts-gen2", "version": "22.04.202409160",
                        "exactVersion": "22.04.202409160",
                    },
                    "dataDisks": [{"lun": 0, "createOption": "Empty", "caching": "None", "diskSizeGB": 64,
                                   "managedDisk": {"storageAccountType": "Premium_LRS"}}],
                },
                "networkProfile": {"networkInterfaceConfigurations": [{
                    "name": "web-nic",
                    "properties": {
                        "primary": True,
                        "enableAcceleratedNetworking": True,
                        "ipConfigurations": [{
                            "name": "web-ipconfig",
                            "properties": {
                                "subnet": {"id": f"{VNET}/subnets/web"},
                                "privateIPAddressVersion": "IPv4",
                                "loadBalancerBackendAddressPools": [{"id": f"{LB}/backendAddressPools/web-pool"}],
                            },
                        }],
                    },
                }]},
                "extensionProfile": {"extensions": [
                    {"name": "HealthExtension", "properties": {
                        "publisher": "Microsoft.ManagedServices", "type": "ApplicationHealthLinux",
                        "typeHandlerVersion": "1.0", "autoUpgradeMinorVersion": True,
                        "settings": {"protocol": "http", "port": 80, "requestPath": "/healthz"},
                        "provisioningState": "Succeeded"}},
                    {"name": "install-web", "properties": {
                        "publisher": "Microsoft.Azure.Extensions", "type": "CustomScript",
                        "typeHandlerVersion": "2.1", "autoUpgradeMinorVersion": True,
                        "settings": {"commandToExecute": "bash install.sh"},
                        "provisioningState": "Succeeded"}},
                ]},
            },
        },
    }


def put_body(model: dict[str, Any]) -> dict[str, Any]:
    """What a person sends back: the GET without the server-set fields."""
    body = copy.deepcopy(model)
    for key in ("id", "type", "etag"):
        body.pop(key, None)
    for key in ("provisioningState", "uniqueId", "timeCreated"):
        body["properties"].pop(key, None)
    profile = body["properties"]["virtualMachineProfile"]
    profile["storageProfile"]["imageReference"].pop("exactVersion", None)
    for ext in profile["extensionProfile"]["extensions"]:
        ext["properties"].pop("provisioningState", None)
    return body


def vmp(model: dict[str, Any]) -> dict[str, Any]:
    return model["properties"]["virtualMachineProfile"]


def ipconfig(model: dict[str, Any]) -> dict[str, Any]:
    nic = vmp(model)["networkProfile"]["networkInterfaceConfigurations"][0]
    return nic["properties"]["ipConfigurations"][0]["properties"]


def _image_version(m: dict[str, Any]) -> None:
    vmp(m)["storageProfile"]["imageReference"]["version"] = "22.04.202510010"


def _custom_image(current: dict[str, Any], m: dict[str, Any]) -> None:
    for side in (current, m):
        vmp(side)["storageProfile"]["imageReference"] = {"id": f"{GALLERY}/1.4.0"}
    current_ref = vmp(current)["storageProfile"]["imageReference"]
    current_ref["exactVersion"] = "1.4.0"
    vmp(m)["storageProfile"]["imageReference"]["id"] = f"{GALLERY}/1.5.0"


def _lb_to_appgw(m: dict[str, Any]) -> None:
    ip = ipconfig(m)
    ip.pop("loadBalancerBackendAddressPools")
    ip["applicationGatewayBackendAddressPools"] = [{"id": f"{APPGW}/backendAddressPools/web-pool"}]


def _vm_size(m: dict[str, Any]) -> None:
    m["sku"]["name"] = "Standard_D4s_v5"


def _spg_off(m: dict[str, Any]) -> None:
    m["properties"]["singlePlacementGroup"] = False


def _create_time(m: dict[str, Any]) -> None:
    m["properties"]["platformFaultDomainCount"] = 5


def _os_profile(m: dict[str, Any]) -> None:
    keys = vmp(m)["osProfile"]["linuxConfiguration"]["ssh"]["publicKeys"]
    keys.append({"path": "/home/azureuser/.ssh/authorized_keys",
                 "keyData": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDN1ZXdrZXlmb3JvbmNhbGxyb3RhdGlvbg oncall@example"})


def _force_update_tag(m: dict[str, Any]) -> None:
    for ext in vmp(m)["extensionProfile"]["extensions"]:
        if ext["name"] == "install-web":
            ext["properties"]["forceUpdateTag"] = "2025-11-25"


def _no_op(m: dict[str, Any]) -> None:
    # Same scale set written differently: display-name location, extensions reordered,
    # resource id in other case. None of it is a change.
    m["location"] = "West Europe"
    vmp(m)["extensionProfile"]["extensions"].reverse()
    ip = ipconfig(m)
    ip["subnet"]["id"] = ip["subnet"]["id"].replace("/resourceGroups/web-rg/", "/resourcegroups/WEB-RG/")


SCENARIOS: dict[str, tuple[str, Callable[..., None]]] = {
    "os-image-version": ("New OS image version (platform image)", _image_version),
    "custom-image": ("New custom image version from a compute gallery", _custom_image),
    "load-balancer-to-app-gateway": ("Load balancer backend pool replaced by an application gateway pool",
                                     _lb_to_appgw),
    "vm-size": ("Larger VM size", _vm_size),
    "single-placement-group-off": ("singlePlacementGroup true -> false (allowed)", _spg_off),
    "single-placement-group-on": ("singlePlacementGroup false -> true (rejected)", _spg_off),
    "fault-domain-count": ("A create-time property: platformFaultDomainCount", _create_time),
    "ssh-key-rotation": ("osProfile change: a new SSH public key", _os_profile),
    "extension-force-update": ("Re-run an extension: forceUpdateTag bump", _force_update_tag),
    "no-op": ("The same scale set written differently: no change", _no_op),
}


def write(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def make_pairs() -> None:
    for name, (title, edit) in SCENARIOS.items():
        folder = EXAMPLES / name
        folder.mkdir(parents=True, exist_ok=True)
        current = base_get()
        proposed = put_body(current)
        if edit is _custom_image:
            edit(current, proposed)
        elif name == "single-placement-group-on":
            # The reverse direction: the current scale set already left its placement group.
            current["properties"]["singlePlacementGroup"] = False
            proposed["properties"]["singlePlacementGroup"] = True
        else:
            edit(proposed)
        write(folder / "current.json", current)
        write(folder / "proposed.json", proposed)
        (folder / "README.md").write_text(
            f"# {title}\n\n`current.json` is the scale set as a REST GET returns it; `proposed.json` is the "
            "PUT body with the change.\n\n```\nvmssplan plan current.json proposed.json\n```\n\n"
            "`expected.txt` and `expected.json` are the plan vmssplan prints (checked by the tests).\n",
            encoding="utf-8")


def template_example() -> None:
    """A template whose parameters file is what the pull request edits."""
    folder = EXAMPLES / "template-parameters"
    folder.mkdir(parents=True, exist_ok=True)
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {
            "vmssName": {"type": "string", "maxLength": 15},
            "vmSku": {"type": "string", "defaultValue": "Standard_D2s_v5"},
            "instanceCount": {"type": "int", "minValue": 1, "maxValue": 100, "defaultValue": 3},
            "imageVersion": {"type": "string", "defaultValue": "latest"},
            "adminUsername": {"type": "string", "defaultValue": "azureuser"},
            "adminPassword": {"type": "securestring"},
        },
        "variables": {
            "namingPrefix":
                "[toLower(substring(concat(parameters('vmssName'), uniqueString(resourceGroup().id)), 0, 9))]",
            "subnetId": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'web-vnet', 'web')]",
            "image": {"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2"},
        },
        "resources": [{
            "type": "Microsoft.Compute/virtualMachineScaleSets",
            "apiVersion": "2024-03-01",
            "name": "[parameters('vmssName')]",
            "location": "[resourceGroup().location]",
            "sku": {"name": "[parameters('vmSku')]", "tier": "Standard", "capacity": "[parameters('instanceCount')]"},
            "properties": {
                "overprovision": False,
                "upgradePolicy": {"mode": "Rolling", "rollingUpgradePolicy": {"maxBatchInstancePercent": 34}},
                "virtualMachineProfile": {
                    "storageProfile": {
                        "osDisk": {"createOption": "FromImage", "caching": "ReadWrite",
                                   "managedDisk": {"storageAccountType": "Premium_LRS"}},
                        "imageReference":
                            "[union(variables('image'), createObject('version', parameters('imageVersion')))]",
                    },
                    "osProfile": {"computerNamePrefix": "[variables('namingPrefix')]",
                                  "adminUsername": "[parameters('adminUsername')]",
                                  "adminPassword": "[parameters('adminPassword')]"},
                    "networkProfile": {"networkInterfaceConfigurations": [{
                        "name": "[concat(parameters('vmssName'), '-nic')]",
                        "properties": {"primary": True, "ipConfigurations": [{
                            "name": "ipconfig",
                            "properties": {"subnet": {"id": "[variables('subnetId')]"}}}]}}]},
                    "extensionProfile": {"extensions": [{
                        "name": "HealthExtension",
                        "properties": {"publisher": "Microsoft.ManagedServices", "type": "ApplicationHealthLinux",
                                       "typeHandlerVersion": "1.0", "autoUpgradeMinorVersion": True,
                                       "settings": {"protocol": "http", "port": 80, "requestPath": "/healthz"}}}]},
                },
            },
        }],
    }
    for side, sku, version in (("current", "Standard_D2s_v5", "22.04.202409160"),
                               ("proposed", "Standard_D2s_v5", "22.04.202510010")):
        write(folder / f"{side}.json", template)
        write(folder / f"{side}.parameters.json", {
            "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
            "contentVersion": "1.0.0.0",
            "parameters": {"vmssName": {"value": "web-vmss"}, "vmSku": {"value": sku},
                           "instanceCount": {"value": 6}, "imageVersion": {"value": version},
                           "adminPassword": {"reference": {
                               "keyVault": {"id": f"{SUB}/Microsoft.KeyVault/vaults/web-kv"},
                               "secretName": "vmss-admin-password"}}}})
    (folder / "README.md").write_text(
        "# A pull request that edits only the parameters file\n\n`current.json` and `proposed.json` are the same "
        "ARM template; `current.parameters.json` and `proposed.parameters.json` differ in the image version. "
        "vmssplan evaluates the template with each side's parameters file (found next to it), offline: "
        "`resourceGroup()` is unknown unless given with `--resource-group`/`--location`, and shows as "
        "\"(known after deployment)\".\n\n```\nvmssplan plan current.json proposed.json\n```\n",
        encoding="utf-8")


def vm_list(count: int, zones: list[str] | None, *, protected: tuple[int, ...] = (),
            stale: tuple[int, ...] = (), unhealthy: tuple[int, ...] = ()) -> list[dict[str, Any]]:
    """`az vmss list-instances --expand instanceView` output for ``count`` VMs."""
    vms = []
    for i in range(count):
        zone = zones[i % len(zones)] if zones else None
        vm: dict[str, Any] = {
            "id": f"{SUB}/Microsoft.Compute/virtualMachineScaleSets/web-vmss/virtualMachines/{i}",
            "instanceId": str(i), "name": f"web-vmss_{i}", "location": "westeurope", "resourceGroup": "web-rg",
            "type": "Microsoft.Compute/virtualMachineScaleSets/virtualMachines",
            "sku": {"name": "Standard_D2s_v5", "tier": "Standard"},
            "latestModelApplied": i not in stale, "provisioningState": "Succeeded",
            "protectionPolicy": {"protectFromScaleIn": False, "protectFromScaleSetActions": i in protected},
            "instanceView": {"statuses": [
                {"code": "ProvisioningState/succeeded", "level": "Info"},
                {"code": "PowerState/running", "level": "Info", "displayStatus": "VM running"}],
                "vmHealth": {"status": {"code": "HealthState/" + ("unhealthy" if i in unhealthy else "healthy"),
                                        "level": "Info"}}},
        }
        if zone:
            vm["zones"] = [zone]
        vms.append(vm)
    return vms


def instance_examples() -> None:
    """Scenarios with an instance list: which VM needs what, in which batch."""
    scenarios = {
        "instances-manual-protected-stale": "Manual upgrade policy: one VM protected, one already behind the model",
        "instances-rolling-zones": "Rolling upgrade of 10 VMs in 3 zones, batches of 20% with a pause",
        "instances-automatic": "Automatic upgrade policy: Azure may restart every VM at once",
        "instances-max-surge": "Rolling upgrade with maxSurge: new VMs first, extra capacity needed",
    }
    for name, title in scenarios.items():
        folder = EXAMPLES / name
        folder.mkdir(parents=True, exist_ok=True)
        current = base_get()
        props = current["properties"]
        if name == "instances-manual-protected-stale":
            vms = vm_list(4, ["1", "2", "3"], protected=(1,), stale=(2,))
        elif name == "instances-rolling-zones":
            current["sku"]["capacity"] = 10
            props["upgradePolicy"] = {"mode": "Rolling", "rollingUpgradePolicy": {
                "maxBatchInstancePercent": 20, "maxUnhealthyInstancePercent": 20,
                "maxUnhealthyUpgradedInstancePercent": 20, "pauseTimeBetweenBatches": "PT2M",
                "prioritizeUnhealthyInstances": True}}
            vms = vm_list(10, ["1", "2", "3"], unhealthy=(7,))
        elif name == "instances-automatic":
            props["upgradePolicy"] = {"mode": "Automatic"}
            vms = vm_list(4, ["1", "2", "3"])
        else:
            current["sku"]["capacity"] = 6
            props["upgradePolicy"] = {"mode": "Rolling", "rollingUpgradePolicy": {
                "maxBatchInstancePercent": 34, "maxSurge": True, "pauseTimeBetweenBatches": "PT0S"}}
            vms = vm_list(6, ["1", "2", "3"])
        proposed = put_body(current)
        _image_version(proposed)
        write(folder / "current.json", current)
        write(folder / "proposed.json", proposed)
        write(folder / "instances.json", vms)
        (folder / "README.md").write_text(
            f"# {title}\n\n`current.json` is the scale set as a REST GET returns it, `proposed.json` the PUT body "
            "with a new image version, and `instances.json` the VMs as `az vmss list-instances --expand "
            "instanceView` prints them.\n\n```\nvmssplan plan current.json proposed.json --instances instances.json"
            "\n```\n\n`expected.txt` and `expected.json` are the plan vmssplan prints (checked by the tests).\n",
            encoding="utf-8")


WHATIF_API = "2024-03-01"
RG = "/subscriptions/0f4c6a4e-3a1b-4c5d-9e8f-1a2b3c4d5e6f/resourceGroups/web-rg"


def _leaf(path: str, kind: str, before: Any = None, after: Any = None) -> dict[str, Any]:
    change: dict[str, Any] = {"path": path, "propertyChangeType": kind}
    if kind != "Create":
        change["before"] = before
    if kind != "Delete":
        change["after"] = after
    return change


def _array(path: str, *items: tuple[int, list[dict[str, Any]]]) -> dict[str, Any]:
    return {"path": path, "propertyChangeType": "Array",
            "children": [{"path": str(i), "propertyChangeType": "Modify", "children": c} for i, c in items]}


def whatif_example() -> None:
    """An `az deployment group what-if --no-pretty-print -o json` result for a template that
    moves a Rolling scale set to a new image and tags it, with the noise what-if reports
    for a GET against a template (read-only fields, values the service fills in), beside
    other resources of the deployment; and the VMs, as `az vmss list-instances` prints them."""
    folder = EXAMPLES / "whatif"
    folder.mkdir(parents=True, exist_ok=True)
    before = base_get()
    before["sku"]["capacity"] = 6
    before["properties"]["upgradePolicy"] = {"mode": "Rolling", "rollingUpgradePolicy": {
        "maxBatchInstancePercent": 34, "pauseTimeBetweenBatches": "PT1M"}}
    after = put_body(before)
    _image_version(after)
    after["tags"]["release"] = "2025-10"
    ipconfig(after).pop("privateIPAddressVersion")  # the template leaves the defaults out
    vmp(after)["storageProfile"]["dataDisks"][0].pop("caching")
    after = {"apiVersion": WHATIF_API, "id": before["id"], "type": before["type"], **after}
    before = {"apiVersion": WHATIF_API, **before}
    prefix = "properties.virtualMachineProfile"
    delta = [
        _leaf("etag", "Delete", before["etag"]),
        _leaf("properties.provisioningState", "Delete", "Succeeded"),
        _leaf("properties.timeCreated", "Delete", before["properties"]["timeCreated"]),
        _leaf("properties.uniqueId", "Delete", before["properties"]["uniqueId"]),
        _array(f"{prefix}.extensionProfile.extensions",
               (0, [_leaf("properties.provisioningState", "Delete", "Succeeded")]),
               (1, [_leaf("properties.provisioningState", "Delete", "Succeeded")])),
        _array(f"{prefix}.networkProfile.networkInterfaceConfigurations",
               (0, [_array("properties.ipConfigurations",
                           (0, [_leaf("properties.privateIPAddressVersion", "Delete", "IPv4")]))])),
        _array(f"{prefix}.storageProfile.dataDisks", (0, [_leaf("caching", "Delete", "None")])),
        _leaf(f"{prefix}.storageProfile.imageReference.exactVersion", "Delete", "22.04.202409160"),
        _leaf(f"{prefix}.storageProfile.imageReference.version", "Modify", "22.04.202409160", "22.04.202510010"),
        _leaf("tags.release", "Create", after=after["tags"]["release"]),
    ]
    storage = f"{RG}/providers/Microsoft.Storage/storageAccounts/webdiag2025"
    result = {"status": "Succeeded", "error": None, "changes": [
        {"resourceId": f"{LB}", "changeType": "NoChange",
         "before": {"apiVersion": "2024-01-01", "id": LB, "name": "web-lb", "type": "Microsoft.Network/loadBalancers"},
         "after": {"apiVersion": "2024-01-01", "id": LB, "name": "web-lb", "type": "Microsoft.Network/loadBalancers"}},
        {"resourceId": storage, "changeType": "Create",
         "after": {"apiVersion": "2023-05-01", "id": storage, "name": "webdiag2025", "location": "westeurope",
                   "type": "Microsoft.Storage/storageAccounts", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}}},
        {"resourceId": before["id"], "changeType": "Modify", "before": before, "after": after, "delta": delta},
    ]}
    write(folder / "whatif.json", result)
    write(folder / "instances.json", vm_list(6, ["1", "2", "3"]))
    (folder / "whatif.txt").write_text(whatif_text(result), encoding="utf-8")
    (folder / "README.md").write_text(
        "# An ARM what-if result: a new image for a Rolling scale set\n\n"
        "`whatif.json` is what `az deployment group what-if --no-pretty-print -o json` returns for a deployment "
        "that gives the scale set a new image version and a tag, and adds a storage account. `whatif.txt` is "
        "the same result in what-if's own text format (as `az deployment group what-if` prints it, rendered from "
        "the JSON by `scripts/make_examples.py`): 11 property changes on the scale set, 9 of them noise. "
        "`instances.json` is `az vmss list-instances --expand instanceView`.\n\n"
        "```\nvmssplan plan whatif.json --instances instances.json\n```\n\n"
        "vmssplan plans the scale set from what-if's `before` and `after`, says which of what-if's property "
        "changes are noise and why, and which VM is upgraded in which rolling batch. `expected.*` are its "
        "outputs (checked by the tests).\n", encoding="utf-8")


def whatif_text(result: dict[str, Any]) -> str:
    """A what-if result as `az deployment group what-if` prints it (its symbols, paths and
    `=>`, arrays by index), for reading beside vmssplan's plan of the same JSON."""
    symbol = {"Create": "+", "Delete": "-", "Modify": "~", "NoChange": "=", "Ignore": "*", "Deploy": "!",
              "Unsupported": "x", "Array": "~", "NoEffect": "x"}
    lines = ["Note: The result may contain false positive predictions (noise).",
             "You can help us improve the accuracy of the result by opening an issue here: "
             "https://aka.ms/WhatIfIssues", "", "Resource and property changes are indicated with these symbols:",
             "  - Delete", "  + Create", "  ~ Modify", "  = NoChange", "",
             "The deployment will update the following scope:", "", f"Scope: {RG}", ""]

    def value(v: Any) -> str:
        return json.dumps(v)

    def props(changes: list[dict[str, Any]], indent: str) -> None:
        for change in changes:
            kind, path = change["propertyChangeType"], change["path"]
            if kind == "Array":
                lines.append(f"{indent}{symbol[kind]} {path}: [")
                for item in change["children"]:
                    lines.append(f"{indent}  {symbol[item['propertyChangeType']]} {item['path']}:")
                    lines.append("")
                    props(item.get("children", []), indent + "    ")
                    lines.append("")
                lines.append(f"{indent}  ]")
            elif kind == "Modify" and "children" in change:
                props(change["children"], indent)
            elif kind == "Modify":
                lines.append(f"{indent}~ {path}: {value(change['before'])} => {value(change['after'])}")
            else:
                lines.append(f"{indent}{symbol[kind]} {path}: {value(change.get('after', change.get('before')))}")

    counts: dict[str, int] = {}
    for change in sorted(result["changes"], key=lambda c: c["resourceId"].lower()):
        resource = change.get("after") or change.get("before") or {}
        kind = change["changeType"]
        counts[kind] = counts.get(kind, 0) + 1
        relative = change["resourceId"].split("/providers/", 1)[1].split("/", 1)[1]
        provider = change["resourceId"].split("/providers/", 1)[1].split("/", 1)[0]
        lines.append(f"  {symbol[kind]} {provider}/{relative} [{resource.get('apiVersion')}]")
        if change.get("delta"):
            lines.append("")
            props(change["delta"], "    ")
            lines.append("")
    words = {"Create": "to create", "Modify": "to modify", "NoChange": "no change", "Delete": "to delete"}
    lines += ["", "Resource changes: " + ", ".join(f"{n} {words.get(k, k)}" for k, n in counts.items()) + "."]
    return "\n".join(lines) + "\n"


#: Output format -> the example's golden file of it (tests/test_examples.py reads this table).
GOLDEN = {
    "text": "expected.txt",
    "json": "expected.json",
    "markdown": "expected.md",
    "sarif": "expected.sarif",
    "github": "expected.github.txt",
    "junit": "expected.junit.xml",
    "patch": "expected.patch.json",
    "azure-devops": "expected.azure-devops.txt",
    "table": "expected.table.txt",
    "tsv": "expected.tsv",
}


def plan_args(folder: Path, fmt: str) -> list[str]:
    """The `vmssplan` arguments of an example's plan in ``fmt``, run in its folder: its
    what-if result, or its current and proposed sides."""
    extra = ["--instances", "instances.json"] if (folder / "instances.json").is_file() else []
    sides = ["whatif.json"] if (folder / "whatif.json").is_file() else ["current.json", "proposed.json"]
    return ["plan", *sides, "-o", fmt, *extra]


def example_folders() -> list[Path]:
    """Every example folder (one with a pair, or with a what-if result)."""
    return sorted(p for p in EXAMPLES.iterdir() if (p / "current.json").is_file() or (p / "whatif.json").is_file())


def run_plan(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """``vmssplan ARGS`` in ``cwd`` as a user runs it (no colour, no debug), output as bytes."""
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("VMSSPLAN_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "vmssplan", *args], cwd=cwd, capture_output=True, env=env,
                          timeout=120, check=False)


def _golden_output(proc: subprocess.CompletedProcess[bytes], what: str) -> bytes:
    if proc.returncode not in (0, 1) or proc.stderr:
        raise SystemExit(f"{what}: vmssplan exited {proc.returncode}: {proc.stderr.decode(errors='replace')}")
    return proc.stdout


def write_expected() -> None:
    for folder in example_folders():
        codes = set()
        for fmt, out in GOLDEN.items():
            proc = run_plan(plan_args(folder, fmt), folder)
            (folder / out).write_bytes(_golden_output(proc, f"{folder.name} -o {fmt}"))
            codes.add(proc.returncode)
        if len(codes) != 1:
            raise SystemExit(f"{folder.name}: the formats disagree on the exit code: {sorted(codes)}")
        print(f"{folder.name}: exit {codes.pop()}")


# Template histories (issue 13 point 6): consecutive real versions of a public template, copied
# into tests/realworld-history/<template>/<n>-<short commit>/azuredeploy.json with a SOURCE.json
# each. Every pair of consecutive versions is planned (old -> new) and its plan kept as golden
# files beside them, <n>-to-<n+1>.expected.txt and .expected.json, reviewed by hand in
# tests/realworld-history/REVIEW.md. Regenerate them with
#
#     python scripts/make_examples.py --history
#
# and review the diff (and REVIEW.md) as for the examples' golden files.

HISTORY = REPO / "tests" / "realworld-history"
#: Output format -> suffix of a history pair's golden file (tests/test_realworld_history.py reads it).
HISTORY_GOLDEN = {"text": "expected.txt", "json": "expected.json"}
#: Both versions are planned for one deployment target, as one deployment history has: the
#: names and ids built from resourceGroup() and subscription() are then known on both sides.
HISTORY_TARGET = ["--subscription-id", "0f4c6a4e-3a1b-4c5d-9e8f-1a2b3c4d5e6f", "--resource-group", "history-rg",
                  "--location", "westeurope"]
#: Parameters a history's versions are deployed with, beside its version folders: the required
#: values the repository's parameters files leave out (none of the stored versions has one).
HISTORY_TEST_PARAMETERS = "vmssplan-test.parameters.json"


def history_versions(template: Path) -> list[Path]:
    """A history's version folders (``<n>-<short commit>``), oldest first."""
    folders = [p for p in template.iterdir() if p.is_dir() and (p / "azuredeploy.json").is_file()]
    return sorted(folders, key=lambda p: int(p.name.split("-", 1)[0]))


def history_pairs() -> list[tuple[Path, Path]]:
    """Every pair of consecutive versions of every history, (old, new)."""
    pairs: list[tuple[Path, Path]] = []
    for template in sorted(p for p in HISTORY.iterdir() if p.is_dir()):
        versions = history_versions(template)
        pairs.extend(itertools.pairwise(versions))
    return pairs


def history_golden(old: Path, new: Path, fmt: str) -> Path:
    number = old.name.split("-", 1)[0] + "-to-" + new.name.split("-", 1)[0]
    return old.parent / f"{number}.{HISTORY_GOLDEN[fmt]}"


def _side_parameters(version: Path) -> list[Path]:
    """A version's parameters: its own parameters file if it has one, then the history's test values."""
    own = version / "azuredeploy.parameters.json"
    shared = version.parent / HISTORY_TEST_PARAMETERS
    return [p for p in (own, shared) if p.is_file()]


def history_plan_args(old: Path, new: Path, fmt: str) -> list[str]:
    """The `vmssplan` arguments of a pair's plan in ``fmt``, run at the repository root with
    relative paths (the golden files hold no absolute path)."""
    def rel(path: Path) -> str:
        return path.relative_to(REPO).as_posix()

    args = ["plan", rel(old / "azuredeploy.json"), rel(new / "azuredeploy.json"), "-o", fmt, *HISTORY_TARGET]
    for option, version in (("--current-parameters", old), ("--proposed-parameters", new)):
        for path in _side_parameters(version):
            args += [option, "@" + rel(path)]
    return args


def write_history() -> None:
    for old, new in history_pairs():
        codes = set()
        for fmt in HISTORY_GOLDEN:
            golden = history_golden(old, new, fmt)
            proc = run_plan(history_plan_args(old, new, fmt), REPO)
            golden.write_bytes(_golden_output(proc, f"{golden.relative_to(REPO)}"))
            codes.add(proc.returncode)
        if len(codes) != 1:
            raise SystemExit(f"{old.parent.name} {old.name} -> {new.name}: the formats disagree on the exit code")
        print(f"{old.parent.name}: {old.name} -> {new.name}: exit {codes.pop()}")


if __name__ == "__main__":
    if "--expected" in sys.argv:
        write_expected()
    elif "--history" in sys.argv:
        write_history()
    else:
        make_pairs()
        template_example()
        instance_examples()
        whatif_example()
