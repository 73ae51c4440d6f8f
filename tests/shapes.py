"""Test helpers that turn a REST model into the other shapes users have."""

from __future__ import annotations


def az_shape(model: dict) -> dict:
    """What `az vmss show` prints for a REST model: the SDK flattens `properties` of the
    resource, NIC and IP configurations and extensions, respells some names, adds nulls."""
    def flatten_item(item: dict) -> dict:
        out = {k: v for k, v in item.items() if k != "properties"}
        out.update(item.get("properties", {}))
        return out

    az = {k: v for k, v in model.items() if k != "properties"}
    az.update(model["properties"])
    az["resourceGroup"] = "web-rg"
    profile = az["virtualMachineProfile"]
    profile["storageProfile"]["osDisk"]["diskSizeGb"] = profile["storageProfile"]["osDisk"].pop("diskSizeGB")
    nics = []
    for nic in profile["networkProfile"]["networkInterfaceConfigurations"]:
        flat = flatten_item(nic)
        flat["ipConfigurations"] = [flatten_item(ip) for ip in flat["ipConfigurations"]]
        flat["enableIpForwarding"] = None
        nics.append(flat)
    profile["networkProfile"]["networkInterfaceConfigurations"] = nics
    exts = []
    for ext in profile["extensionProfile"]["extensions"]:
        flat = flatten_item(ext)
        flat["typePropertiesType"] = flat.pop("type")
        flat["type"] = "Microsoft.Compute/virtualMachineScaleSets/extensions"
        flat["protectedSettings"] = None
        exts.append(flat)
    profile["extensionProfile"]["extensions"] = exts
    return az
