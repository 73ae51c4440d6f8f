"""What the canonical (REST) scale-set shape looks like: plain data shared by the stages.

Sources: the read-only rows and the "Implementation notes" of
``facts/vmss-properties.md`` (server-set fields, secrets a GET never returns, keyed arrays)
and the swagger's ``x-ms-identifiers``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .data import schema_text
from .model import is_unknown
from .pointer import split

#: Top-level keys of the REST resource; everything else in `az vmss show` output belongs
#: inside ``properties`` (the SDK flattens the envelope).
REST_TOP_LEVEL = frozenset({"id", "name", "type", "location", "tags", "sku", "plan", "identity", "zones",
                            "extendedLocation", "etag", "properties", "managedBy"})

#: Keys of a template resource that are deployment instructions, not part of the model.
TEMPLATE_ONLY = frozenset({"apiVersion", "dependsOn", "comments", "condition", "copy", "scope", "metadata",
                           "resources", "existing", "import"})

#: Keys added by the Azure CLI / SDK around the model, never part of it.
AZ_ONLY = frozenset({"resourceGroup"})

#: Server-set fields, as pointer-like tuples relative to the canonical resource ("*" = any
#: key or index). Never compared (facts: class ``readonly``).
READ_ONLY_PATHS: tuple[tuple[str, ...], ...] = (
    ("id",), ("type",), ("etag",), ("managedBy",),
    ("identity", "principalId"), ("identity", "tenantId"),
    ("identity", "userAssignedIdentities", "*", "principalId"),
    ("identity", "userAssignedIdentities", "*", "clientId"),
    ("properties", "provisioningState"), ("properties", "uniqueId"), ("properties", "timeCreated"),
    ("properties", "virtualMachineProfile", "timeCreated"),
    ("properties", "virtualMachineProfile", "storageProfile", "imageReference", "exactVersion"),
    ("properties", "virtualMachineProfile", "osProfile", "windowsConfiguration", "enableVMAgentPlatformUpdates"),
    ("properties", "virtualMachineProfile", "extensionProfile", "extensions", "*", "properties",
     "provisioningState"),
    ("properties", "virtualMachineProfile", "extensionProfile", "extensions", "*", "id"),
    ("properties", "virtualMachineProfile", "extensionProfile", "extensions", "*", "type"),
    ("properties", "instanceView"), ("instanceView",),
)

#: Arrays whose items are identified by a key, not by position (swagger x-ms-identifiers;
#: networkInterfaceConfigurations keyed by name as Terraform does). Key "." means the item
#: itself (a set of scalars). Keys given as "a.b" are nested lookups.
KEYED_ARRAYS: dict[str, str] = {
    "extensions": "name",
    "networkInterfaceConfigurations": "name",
    "ipConfigurations": "name",
    "dataDisks": "lun",
    "loadBalancerBackendAddressPools": "id",
    "loadBalancerInboundNatPools": "id",
    "applicationGatewayBackendAddressPools": "id",
    "applicationSecurityGroups": "id",
    "galleryApplications": "packageReferenceId",
    "secrets": "sourceVault.id",
    "vaultCertificates": "certificateUrl",
    "publicKeys": "keyData",
    "vmSizes": "name",
    "ipTags": "tag",
    "zones": ".",
    "provisionAfterExtensions": ".",
}

#: Objects whose member names are the data (resource ids of user-assigned identities, each
#: written with the value ``{}``): a member whose value is empty is kept, not dropped as an
#: empty container, or swapping one identity for another would read as no change.
NAMED_MEMBER_OBJECTS = frozenset({"userAssignedIdentities"})

#: Items of these arrays carry a ``properties`` envelope in REST that the SDK flattens.
ENVELOPED_ITEMS = frozenset({"networkInterfaceConfigurations", "ipConfigurations", "extensions"})
#: Objects that carry a ``properties`` envelope in REST that the SDK flattens.
ENVELOPED_OBJECTS = frozenset({"publicIPAddressConfiguration"})

#: The resource type of a scale set, folded to lower case (ARM compares types so).
VMSS_TYPE = "microsoft.compute/virtualmachinescalesets"
#: Child resources of a scale set (``.../extensions``, ``.../virtualMachines``): a template
#: holding one changes an existing scale set it may not define.
VMSS_CHILD_PREFIX = VMSS_TYPE + "/"
#: A nested or linked deployment (lower-cased, as type names compare).
DEPLOYMENT_TYPE = "microsoft.resources/deployments"


def resource_group_of(resource_id: str) -> str | None:
    """The resource group a resource id names (``.../resourceGroups/web-rg/...``), or None."""
    parts = resource_id.split("/")
    lowered = [part.lower() for part in parts]
    if "resourcegroups" in lowered:
        at = lowered.index("resourcegroups") + 1
        if at < len(parts) and parts[at]:
            return parts[at]
    return None


@lru_cache(maxsize=1)
def _property_names() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(schema_text("property-names.json"))
    return data


@lru_cache(maxsize=1)
def _rest_names() -> dict[str, str]:
    """lower-case name -> REST spelling, generated from the official schemas."""
    return {n.lower(): n for n in _property_names()["names"]}


@lru_cache(maxsize=1)
def _typed_names() -> dict[str, type]:
    """REST name -> bool or int, for the names whose every property has that type."""
    names = _property_names()
    return {**{n: bool for n in names.get("booleans", ())}, **{n: int for n in names.get("integers", ())}}


_INTEGER_TEXT = re.compile(r"[+-]?[0-9]{1,18}")


def typed_value(name: str, value: Any) -> Any:
    """``value`` of the property ``name`` (REST spelling) as ARM takes it: a string written
    for a boolean (``"true"``, any case) or an integer (``"2"``) property is that boolean or
    integer (validation says so with VAL022); anything else is unchanged."""
    if type(value) is not str:
        return value
    wanted = _typed_names().get(name)
    if wanted is bool and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if wanted is int and _INTEGER_TEXT.fullmatch(value.strip()):
        return int(value.strip())
    return value


@lru_cache(maxsize=4096)  # a document's member names repeat in every scale set
def rest_name(key: str) -> str:
    """The REST spelling of a property name (``diskSizeGb`` -> ``diskSizeGB``): ARM treats
    names case-insensitively and the SDK respells some."""
    return _rest_names().get(key.lower(), key)


@dataclass(frozen=True)
class ServiceDefault:
    """A value Azure fills into the model when a PUT leaves it out (``schemas/service-defaults.json``)."""

    #: Reference tokens of the path in the canonical model; ``*`` is any array item.
    pattern: tuple[str, ...]
    value: Any
    #: A condition (:mod:`vmssplan.conditions`, model leaves) the scale set must meet; None: always.
    when: dict[str, Any] | None


@lru_cache(maxsize=1)
def service_defaults() -> tuple[ServiceDefault, ...]:
    """The service defaults, learned from the REST examples by ``scripts/learn_service_defaults.py``
    (each entry of the file carries its evidence and the apiVersions that show it)."""
    entries: list[dict[str, Any]] = json.loads(schema_text("service-defaults.json"))["defaults"]
    return tuple(ServiceDefault(split(e["path"]), e["value"], e.get("when")) for e in entries)


#: Keys whose string values ARM compares without regard to case (enums, SKU names).
CASE_INSENSITIVE_KEYS = frozenset({
    "mode", "orchestrationMode", "caching", "createOption", "storageAccountType", "priority", "evictionPolicy",
    "osType", "securityType", "licenseType", "option", "placement", "diskControllerType", "deleteOption",
    "tier", "name@sku", "repairAction", "patchMode", "assessmentMode", "rules", "allocationStrategy",
    "publicIPAddressVersion", "privateIPAddressVersion", "type@identity", "protocol", "sku@imageReference",
    "offer", "publisher",
})

#: Secrets: never printed. Matched on the last key of the path.
SECRET_KEYS = frozenset({"adminPassword", "customData", "protectedSettings"})

#: Values a plain GET (``az vmss show``) does not return, each with why: absent on a GET side
#: means "not shown", not "removed". Matched on the last key of the path. Secrets are never
#: returned; userData only when asked for (apiVersion 2021-03-01 on; the REST examples
#: CreateOrUpdateAScaleSetWithUserData and GetVirtualMachineScaleSetWithUserData show both).
NEVER_RETURNED_BY_GET: dict[str, str] = {
    "adminPassword": "which never returns it",
    "protectedSettings": "which never returns it",
    "userData": "which returns it only when asked for ($expand=userData; az vmss show --include-user-data)",
}


def matches(path: tuple[str, ...], pattern: tuple[str, ...]) -> bool:
    return len(path) == len(pattern) and all(p == "*" or p == s for s, p in zip(path, pattern, strict=True))


#: READ_ONLY_PATHS as a tree of keys, for walks that descend a document level by level
#: (normalization asks about every key): ``{"properties": {"provisioningState": None, ...}}``.
#: ``None`` marks a read-only key; ``"*"`` matches any key or array item.
ReadOnlyTree = dict[str, "ReadOnlyTree | None"]
READ_ONLY_TREE: ReadOnlyTree = {}
for _pattern in READ_ONLY_PATHS:
    _node = READ_ONLY_TREE
    for _key in _pattern[:-1]:
        _child = _node.setdefault(_key, {})
        assert _child is not None, f"{_pattern}: a read-only path below a read-only key"
        _node = _child
    _node[_pattern[-1]] = None


def is_read_only(path: tuple[str, ...]) -> bool:
    """Whether ``path`` (``"*"`` for an array item) is one of :data:`READ_ONLY_PATHS`."""
    return any(matches(path, pattern) for pattern in READ_ONLY_PATHS)


def is_secret(path: tuple[str, ...]) -> bool:
    return any(part in SECRET_KEYS for part in path)


def item_key(array_name: str, item: Any) -> Any:
    """The identity of an item of a keyed array, folded for comparison; None if it has none."""
    key = KEYED_ARRAYS.get(array_name)
    if key is None:
        return None
    if key == ".":
        value = item
    else:
        value = item
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, str):
        return value.lower() if key in ("id", "sourceVault.id", "packageReferenceId", ".") else value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)  # lun 1.0 is lun 1, as same_value compares them
    return None


def key_label(array_name: str, item: Any) -> str:
    """How a keyed item is shown in a display path: ``extensions[CustomScript]``."""
    key = KEYED_ARRAYS.get(array_name, "")
    value: Any = item
    if key != ".":
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
    text = str(value)
    if key in ("id", "sourceVault.id", "packageReferenceId"):
        text = text.rstrip("/").rsplit("/", 1)[-1]  # the resource's own name reads best
    if len(text) > 40:  # an SSH key: its tail (usually the comment) tells keys apart
        text = "..." + text[-24:]
    return text


def fold(path: tuple[str, ...], value: Any) -> Any:
    """The form in which ARM compares a value: case-insensitive ids, enums and locations."""
    if not isinstance(value, str) or not path:
        return value
    key = path[-1]
    parent = path[-2] if len(path) > 1 else ""
    if key == "location":
        return value.replace(" ", "").lower()
    if key == "id" or key.endswith("Id") or value.startswith("/subscriptions/"):
        return value.lower()
    if key in CASE_INSENSITIVE_KEYS or f"{key}@{parent}" in CASE_INSENSITIVE_KEYS:
        return value.lower()
    return value


def same_value(path: tuple[str, ...], a: Any, b: Any) -> bool:
    """Equality as ARM sees it (case-insensitive where ARM is; 1 != True); a value known
    only after deployment equals another only when that is provable (see :func:`compare`)."""
    return compare(path, a, b) is True


def compare(path: tuple[str, ...], a: Any, b: Any) -> bool | None:
    """Equality as ARM sees it, three-valued: True when provably equal, False when provably
    different, None when a value known only after deployment leaves it undecided (its known
    parts are compared by the value itself: ``vmssplan.expressions.Unknown.compare``)."""
    if is_unknown(a) or is_unknown(b):
        unknown, other = (a, b) if is_unknown(a) else (b, a)
        result: bool | None = unknown.compare(other, _text_fold(path, unknown))
        return result
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return False
        return _all_of(compare(path + (key,), a[key], b[key]) for key in a)
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return False
        return _all_of(compare(path + (str(index),), x, y) for index, (x, y) in enumerate(zip(a, b, strict=True)))
    if type(a) is not type(b) and not (isinstance(a, (int, float)) and isinstance(b, (int, float))
                                       and not isinstance(a, bool) and not isinstance(b, bool)):
        return False
    return bool(fold(path, a) == fold(path, b))


def _all_of(results: Iterable[bool | None]) -> bool | None:
    """True if all are True, False if any is False, else None."""
    undecided = False
    for result in results:
        if result is False:
            return False
        undecided = undecided or result is None
    return None if undecided else True


def _text_fold(path: tuple[str, ...], unknown: Any) -> Callable[[str], str]:
    """How the known text of a partly known string at ``path`` is compared (:func:`fold`)."""
    parts = getattr(unknown, "parts", ())
    first = parts[0] if parts and isinstance(parts[0], str) else ""
    if path and path[-1] == "location":
        return lambda text: text.replace(" ", "").lower()
    if first.lower().startswith(("/subscriptions/", "/providers/")) or fold(path, "A") != "A":
        return str.lower
    return str
