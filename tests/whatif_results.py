"""Build ARM what-if results from real scale-set models, as Azure returns them.

What-if (``POST .../deployments/{name}/whatIf``, ``az deployment group|sub what-if``) answers
with, for every resource of the deployment, ``before`` (the live resource as a GET returns
it, plus ``apiVersion``), ``after`` (the template's resource as ARM would send it: the PUT
body with the resource's ``id``/``name``/``type``/``apiVersion``) and ``delta``, a tree of
``WhatIfPropertyChange``: dotted paths from the resource's root, an array that differs as one
``Array`` change whose ``children`` are its items (``path`` the index), an item that differs
inside as a ``Modify`` whose children are paths relative to the item. The shape is that of
``PostDeploymentWhatIfOnResourceGroup.json`` (Microsoft.Resources 2024-03-01, in
Azure/azure-rest-api-specs); the resources here are scale sets from the Compute REST
examples of the shared corpus (``../shared/corpus/rest-examples``), never its identity ones.

What-if's noise is built in as what-if reports it: the read-only fields of ``before`` that
``after`` does not have (``provisioningState``, ``uniqueId``, ``timeCreated``, ``etag``) and the
values the service filled in that the template leaves out (service defaults) are ``Delete``
changes; secure values (``adminPassword``, extension ``protectedSettings``) are never in
``before`` (a GET does not return them), so when ``after`` has one it is a ``Create``.

Shapes (``vmssplan/inputs/whatif.py`` reads each): :func:`rest_result` (the REST response),
:func:`az_result` (``az ... what-if --no-pretty-print -o json``: flattened, every absent field
``null``), :func:`example_file` (an azure-rest-api-specs example holding the REST response)
and :func:`several` (a JSON array of results).

    python tests/whatif_results.py            # rewrite tests/data/whatif/ from the corpus
    python tests/whatif_results.py --check    # exit 1 if the committed files differ
"""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
DATA = Path(__file__).resolve().parent / "data" / "whatif"
VMSS = "Microsoft.Compute/virtualMachineScaleSets"
EXTENSION = "Microsoft.Compute/virtualMachineScaleSets/extensions"
#: The corpus's Azure/azure-rest-api-specs snapshot (``../shared/corpus/PROVENANCE.md``).
SPECS_COMMIT = "cbbe228fd422db02b65e2748f83df5f2bcad7581"
#: Fields of a GET that a template never writes (what-if reports them as deleted).
READ_ONLY = ("etag", "properties.provisioningState", "properties.uniqueId", "properties.timeCreated")
#: The resource's identity: the same on both sides, never in ``delta``.
IDENTITY = ("id", "name", "type", "apiVersion")

Json = Any


# --- the delta, computed as what-if does --------------------------------------------------------


def delta(before: Json, after: Json, no_effect: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    """What-if's ``delta`` between two resources: a list of ``WhatIfPropertyChange``, keys in
    sorted order (what-if sorts them). ``no_effect``: dotted paths what-if marks ``NoEffect``
    instead of ``Delete``/``Modify`` (it does so for properties it knows the RP ignores)."""
    before = {k: v for k, v in before.items() if k not in IDENTITY}
    after = {k: v for k, v in after.items() if k not in IDENTITY}
    return _object_changes(before, after, "", no_effect)


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _object_changes(before: dict[str, Any], after: dict[str, Any], prefix: str,
                    no_effect: frozenset[str]) -> list[dict[str, Any]]:
    changes: list[dict[str, Any]] = []
    for key in sorted(set(before) | set(after)):
        path = _join(prefix, key)
        if key not in after:
            kind = "NoEffect" if path in no_effect else "Delete"
            changes.append({"path": path, "propertyChangeType": kind, "before": before[key]})
        elif key not in before:
            changes.append({"path": path, "propertyChangeType": "Create", "after": after[key]})
        else:
            changes += _value_changes(before[key], after[key], path, no_effect)
    return changes


def _value_changes(before: Json, after: Json, path: str, no_effect: frozenset[str]) -> list[dict[str, Any]]:
    if before == after:
        return []
    if isinstance(before, dict) and isinstance(after, dict):
        return _object_changes(before, after, path, no_effect)  # objects flatten into dotted paths
    if isinstance(before, list) and isinstance(after, list):
        children: list[dict[str, Any]] = []
        for index in range(max(len(before), len(after))):
            if index >= len(after):
                children.append({"path": str(index), "propertyChangeType": "Delete", "before": before[index]})
            elif index >= len(before):
                children.append({"path": str(index), "propertyChangeType": "Create", "after": after[index]})
            elif before[index] != after[index]:
                if isinstance(before[index], dict) and isinstance(after[index], dict):
                    inner = _object_changes(before[index], after[index], "", no_effect)
                    children.append({"path": str(index), "propertyChangeType": "Modify", "children": inner})
                else:
                    children.append({"path": str(index), "propertyChangeType": "Modify",
                                     "before": before[index], "after": after[index]})
        return [{"path": path, "propertyChangeType": "Array", "children": children}]
    kind = "NoEffect" if path in no_effect else "Modify"
    return [{"path": path, "propertyChangeType": kind, "before": before, "after": after}]


def leaves(changes: list[dict[str, Any]] | None, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(full dotted path, propertyChangeType) of every leaf of a delta tree: the property
    changes what-if itself reports (an array index is a path segment of its own)."""
    for change in changes or []:
        path = _join(prefix, change["path"])
        if change.get("children"):
            yield from leaves(change["children"], path)
        else:
            yield path, change["propertyChangeType"]


def count_nodes(changes: list[dict[str, Any]] | None) -> int:
    return sum(1 + count_nodes(c.get("children")) for c in changes or [])


# --- changes and results ------------------------------------------------------------------------


def change(change_type: str, before: Json = None, after: Json = None, *, resource_id: str | None = None,
           reason: str | None = None, with_delta: bool | None = None,
           no_effect: frozenset[str] = frozenset()) -> dict[str, Any]:
    """One ``WhatIfChange``. ``with_delta`` (default: for Modify only, as what-if gives it)."""
    resource = after if after is not None else before
    rid = resource_id if resource_id is not None else (resource or {}).get("id")
    out: dict[str, Any] = {"resourceId": rid, "changeType": change_type}
    if reason is not None:
        out["unsupportedReason"] = reason
    if before is not None:
        out["before"] = before
    if after is not None:
        out["after"] = after
    if with_delta if with_delta is not None else change_type == "Modify":
        out["delta"] = delta(before or {}, after or {}, no_effect)
    return out


def rest_result(changes: list[dict[str, Any]], status: str = "Succeeded", error: Json = None,
                potential: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The REST response of the whatIf operation (200 body)."""
    out: dict[str, Any] = {"status": status, "properties": {"changes": changes}}
    if potential is not None:
        out["properties"]["potentialChanges"] = potential
    if error is not None:
        out["error"] = error
    return out


_CHANGE_FIELDS = ("after", "before", "changeType", "delta", "resourceId", "unsupportedReason")
_PROPERTY_FIELDS = ("after", "before", "children", "path", "propertyChangeType")


def az_result(rest: dict[str, Any]) -> dict[str, Any]:
    """What ``az deployment group what-if --no-pretty-print -o json`` prints for the same
    result: the SDK flattens ``properties`` and writes every field it knows, ``null`` when
    absent (in sorted key order, as az's JSON output does)."""
    def node(item: dict[str, Any]) -> dict[str, Any]:
        out = {k: item.get(k) for k in _PROPERTY_FIELDS}
        if out["children"] is not None:
            out["children"] = [node(c) for c in out["children"]]
        return out

    changes = []
    for item in rest["properties"].get("changes", []):
        flat = {k: item.get(k) for k in _CHANGE_FIELDS}
        if flat["delta"] is not None:
            flat["delta"] = [node(d) for d in flat["delta"]]
        changes.append(flat)
    potential = rest["properties"].get("potentialChanges")
    return {"changes": changes, "diagnostics": rest["properties"].get("diagnostics"), "error": rest.get("error"),
            "potentialChanges": potential, "status": rest["status"]}


def example_file(rest: dict[str, Any], resource_group: str = "my-resource-group") -> dict[str, Any]:
    """An azure-rest-api-specs example file of the whatIf operation holding ``rest`` as its 200
    answer (the request part as in PostDeploymentWhatIfOnResourceGroup.json)."""
    return {"parameters": {"subscriptionId": "00000000-0000-0000-0000-000000000001",
                           "resourceGroupName": resource_group, "deploymentName": "my-deployment",
                           "api-version": "2024-03-01",
                           "parameters": {"properties": {"templateLink": {"uri": "https://example.com/exampleTemplate.json"},
                                                         "parameters": {}, "mode": "Incremental"}}},
            "responses": {"200": {"body": rest}, "202": {"headers": {"Location": "https://example.com/operation"}}}}


def several(*results: dict[str, Any]) -> list[dict[str, Any]]:
    return list(results)


# --- before and after from the corpus -----------------------------------------------------------


def learner() -> ModuleType:
    """scripts/learn_service_defaults.py, which pairs every PUT example's request and answer."""
    name = "learn_service_defaults"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def reconciled(request: Any, response: Any, pattern: tuple[str, ...], left_out: set[str]) -> Any:
    """The request with the example's own inconsistencies settled the response's way: a value
    both state differently (placeholders such as ``{existing-subnet-name}`` against
    ``nsgExistingSubnet``; the SSH examples answer with a Windows image), an item only the
    response has, what the response does not echo (userData, adminPassword), and what it
    fills that the learner left out as no default. What remains is the values the service
    filled in where the request said nothing: left for the engine."""
    from vmssplan import shape
    from vmssplan.pointer import join

    if isinstance(request, dict) and isinstance(response, dict):
        out: dict[str, Any] = {}
        for key, held in response.items():
            here = pattern + (key,)
            if key in request:
                out[key] = reconciled(request[key], held, here, left_out)
            elif isinstance(held, dict):
                if inner := reconciled({}, held, here, left_out):
                    out[key] = inner
            elif isinstance(held, list) or join(here) in left_out:
                out[key] = held
        return out
    if isinstance(request, list) and isinstance(response, list) and all(isinstance(x, dict) for x in response):
        name = pattern[-1]
        keys = {repr(shape.item_key(name, x)): x for x in request}
        items = []
        for index, held in enumerate(response):
            key = shape.item_key(name, held)
            sent = keys.get(repr(key)) if key is not None else (
                request[index] if len(request) == len(response) else None)
            items.append(held if sent is None else reconciled(sent, held, pattern + ("*",), left_out))
        return items
    return response


def left_out_paths() -> set[str]:
    data = json.loads((REPO / "schemas" / "service-defaults.json").read_text(encoding="utf-8"))
    return {entry["path"] for entry in data["left_out"]}


@dataclass
class CorpusPair:
    """One PUT example of the corpus as what-if sees it: ``before`` the scale set as a GET
    returns it (the example's answer, byte for byte, plus ``apiVersion``), ``after`` the PUT
    body (the example's inconsistencies settled, :func:`reconciled`) with the GET's identity."""

    file: str
    code: str
    api_version: str
    before: dict[str, Any]
    after: dict[str, Any]
    put: dict[str, Any]  # the example's request body, as written (with its adminPassword)

    @property
    def resource_id(self) -> str:
        return str(self.before["id"])


def identity(get: dict[str, Any], api_version: str) -> dict[str, Any]:
    return {"id": get["id"], "name": get["name"], "type": get.get("type", VMSS), "apiVersion": api_version}


def corpus_pairs(corpus: Path = CORPUS) -> list[CorpusPair]:
    """Every PUT example of the corpus with a scale-set answer (the learner's pairs)."""
    module = learner()
    left_out = left_out_paths()
    pairs: list[CorpusPair] = []
    for pair in module.read_pairs(corpus)[0]:
        example = json.loads((corpus / pair.file).read_text(encoding="utf-8-sig"))
        get = example["responses"][pair.code]["body"]
        before = {**get, "apiVersion": pair.api_version}
        body = reconciled(pair.request, pair.response, (), left_out)
        after = {**identity(get, pair.api_version), **{k: v for k, v in body.items() if k not in IDENTITY}}
        pairs.append(CorpusPair(pair.file, pair.code, pair.api_version, before, after,
                                example["parameters"]["parameters"]))
    return pairs


def corpus_pair(file: str, code: str = "200", corpus: Path = CORPUS) -> CorpusPair:
    [pair] = [p for p in corpus_pairs(corpus) if p.file == file and p.code == code]
    return pair


def get_bodies(corpus: Path = CORPUS) -> list[tuple[str, dict[str, Any]]]:
    """The scale-set GET examples (no request body): (file, the 200 body plus apiVersion)."""
    out = []
    for path in sorted((corpus / "rest-examples").glob("*/*.json")):
        example = json.loads(path.read_text(encoding="utf-8-sig"))
        body = example.get("responses", {}).get("200", {}).get("body")
        if "parameters" in example.get("parameters", {}) or not isinstance(body, dict):
            continue
        if body.get("type") == VMSS:
            out.append((path.relative_to(corpus).as_posix(), {**body, "apiVersion": path.parent.name}))
    return out


# --- edits ----------------------------------------------------------------------------------------


def edited(resource: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    """A copy of ``resource`` with the property at ``dotted`` (object keys only) set."""
    out = copy.deepcopy(resource)
    node = out
    *parents, last = dotted.split(".")
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = value
    return out


def without(resource: dict[str, Any], *dotted: str) -> dict[str, Any]:
    out = copy.deepcopy(resource)
    for path in dotted:
        node = out
        *parents, last = path.split(".")
        for key in parents:
            node = node.get(key, {})
        node.pop(last, None)
    return out


IMAGE_VERSION = "properties.virtualMachineProfile.storageProfile.imageReference.version"
COMPUTER_NAME_PREFIX = "properties.virtualMachineProfile.osProfile.computerNamePrefix"
VM_SIZE = "sku.name"
ADMIN_PASSWORD = "properties.virtualMachineProfile.osProfile.adminPassword"
CUSTOM_DATA = "properties.virtualMachineProfile.osProfile.customData"


def moved(resource: dict[str, Any], resource_group: str, name: str | None = None) -> dict[str, Any]:
    """The same resource in another resource group (and under another name): a scale set of
    a nested deployment or a subscription-scope deployment."""
    out = copy.deepcopy(resource)
    parts = str(out["id"]).split("/")
    parts[parts.index("resourceGroups") + 1] = resource_group
    if name is not None:
        parts[-1] = name
        out["name"] = name
    out["id"] = "/".join(parts)
    return out


def extension_resource(scale_set: dict[str, Any], extension: dict[str, Any], api_version: str) -> dict[str, Any]:
    """An extension of ``scale_set``'s extensionProfile as the child resource a template
    declares (``Microsoft.Compute/virtualMachineScaleSets/extensions``) and what-if reports."""
    return {"id": f"{scale_set['id']}/extensions/{extension['name']}", "name": extension["name"],
            "type": EXTENSION, "apiVersion": api_version, "properties": copy.deepcopy(extension["properties"])}


# --- the committed files --------------------------------------------------------------------------

#: tests/data/whatif/<file>: the corpus example it is built from (one whose GET/PUT pair plans
#: without a finding: the automatic-repairs examples have none of the health extension their
#: repairs need, LINT005).
COMMITTED = {
    "modify-image-version.json": "rest-examples/2024-03-01/VirtualMachineScaleSet_Create_WithScaleInPolicy.json",
    "az-subscription.json":
        "rest-examples/2024-03-01/VirtualMachineScaleSet_Create_WithSecurityTypeConfidentialVM.json",
    "example-unsupported.json": "rest-examples/2021-03-01/CreateAScaleSetWithUefiSettings.json",
}
RESOURCE_GROUP_TYPE = "Microsoft.Resources/resourceGroups"
NESTED_REASON = ("Changes to the resource declared at 'properties.template.resources[1]' on line 1 and column 2015 "
                 "cannot be analyzed because its resource ID or API version cannot be calculated until the "
                 "deployment is under way. Please see https://aka.ms/WhatIfUnidentifiableResource for more guidance.")
REFERENCE_REASON = ("The resource is referenced by a reference() function whose value cannot be calculated until "
                    "the deployment is under way.")


def build_committed(corpus: Path = CORPUS) -> dict[str, Any]:
    """The documents of tests/data/whatif/, built from the corpus."""
    out: dict[str, Any] = {}
    # 1. REST shape: one scale set whose image version moves on (an upgrade), with what-if's noise.
    pair = corpus_pair(COMMITTED["modify-image-version.json"], corpus=corpus)
    after = edited(pair.after, IMAGE_VERSION, "17763.6414.241004")
    out["modify-image-version.json"] = rest_result([change("Modify", pair.before, after)])
    # 2. az flattened, subscription scope: a new resource group, the scale set in another
    #    resource group renamed as a Modify of computerNamePrefix (rejected), the same scale
    #    set unchanged in a third, and an extension child resource left alone.
    pair = corpus_pair(COMMITTED["az-subscription.json"], corpus=corpus)
    sub = "/subscriptions/00000000-0000-0000-0000-000000000001"
    group = {"id": f"{sub}/resourceGroups/rg-web-eu", "name": "rg-web-eu", "type": RESOURCE_GROUP_TYPE,
             "apiVersion": "2024-03-01", "location": "westeurope"}
    before_a, after_a = moved(pair.before, "rg-web-eu"), moved(pair.after, "rg-web-eu")
    before_b, after_b = moved(pair.before, "rg-web-us"), moved(pair.after, "rg-web-us")
    out["az-subscription.json"] = az_result(rest_result([
        change("Create", after=group),
        change("Modify", before_a, edited(after_a, COMPUTER_NAME_PREFIX, "webnew")),
        change("NoChange", before_b, after_b),
    ]))
    # 3. An example file: a scale set what-if could not predict (a reference()), and a nested
    #    deployment it could not evaluate at all.
    pair = corpus_pair(COMMITTED["example-unsupported.json"], corpus=corpus)
    nested = moved(pair.before, "rg-nested", "nested-vmss")["id"]
    out["example-unsupported.json"] = example_file(rest_result([
        change("Unsupported", pair.before, reason=REFERENCE_REASON),
        change("Unsupported", resource_id=nested, reason=NESTED_REASON),
    ]))
    return out


def render(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(REPO))
    built = build_committed()
    stale = [name for name, doc in built.items() if not (DATA / name).is_file()
             or (DATA / name).read_text(encoding="utf-8") != render(doc)]
    if "--check" in argv:
        for name in stale:
            print(f"tests/data/whatif/{name} differs from what the corpus builds", file=sys.stderr)
        return 1 if stale else 0
    DATA.mkdir(parents=True, exist_ok=True)
    for name, doc in built.items():
        (DATA / name).write_text(render(doc), encoding="utf-8")
    for name, source in COMMITTED.items():
        print(f"{name}: from {source} (sha256 {sha256(CORPUS / source)})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
