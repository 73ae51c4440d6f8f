"""Input: an ARM what-if result, read as the two sides of a plan.

What-if (``POST .../deployments/{name}/whatIf``, ``az deployment group|sub what-if``) holds
what an offline plan has to guess: for every resource, ``before`` (the live state Azure
returned, a GET) and ``after`` (what the deployment would make of it), with a
``changeType`` and a property-level ``delta``. Accepted shapes, detected by shape:

- the REST response: ``{"status", "properties": {"changes", "potentialChanges"?}, "error"?}``;
- ``az ... what-if --no-pretty-print -o json``: the same with ``properties`` flattened;
- an azure-rest-api-specs example holding either in ``responses["200"].body``;
- a JSON array of several results.

This module only reads: each scale set becomes a :class:`WhatIfEntry` with its sides as
:class:`~vmssplan.model.ScaleSetSource` (pointing into the what-if file, so findings and
changes are located there), and what-if's own property changes are flattened to
:class:`PropertyChange` with the path vmssplan shows (``extensions[CustomScript]``) for
comparison with the plan's changes. Planning them is the engine's.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from .. import shape
from ..model import Finding, OtherResource, ScaleSetSource, Severity, display_path
from ..pointer import child

#: What-if's ``changeType`` values (swagger ``ChangeType``).
CHANGE_TYPES = ("Create", "Delete", "Ignore", "Deploy", "NoChange", "Modify", "Unsupported")
RULE_SHAPE = "VAL050"
RULE_FAILED = "VAL001"
#: Most property changes read from one resource's ``delta`` (a tree; what-if lists each
#: changed leaf once, so a real scale set has tens): beyond, the rest are not counted.
MAX_PROPERTY_CHANGES = 10_000
#: What-if writes a value it cannot know before deployment as the unevaluated expression.
_CHILD_EXTENSION_TYPE = shape.VMSS_TYPE + "/extensions"


def is_whatif_result(data: Any) -> bool:
    """Whether ``data`` is a what-if result (or an array of them, or an API example of one)."""
    if isinstance(data, list):
        return bool(data) and all(_is_result(item) for item in data)
    if not isinstance(data, dict):
        return False
    if _is_result(data):
        return True
    responses = data.get("responses")
    body = responses.get("200", {}).get("body") if isinstance(responses, dict) and isinstance(
        responses.get("200"), dict) else None
    return "parameters" in data and _is_result(body)


def _is_result(item: Any) -> bool:
    """A what-if result: ``changes`` (top level, or in ``properties``) beside a ``status``
    or an ``error``; or a ``changes`` array whose items carry a ``changeType``."""
    if not isinstance(item, dict):
        return False
    props = item.get("properties")
    holder = props if isinstance(props, dict) and "changes" in props else item
    if "changes" not in holder:
        return "status" in item and "error" in item and isinstance(item.get("error"), dict)  # a failed what-if
    changes = holder.get("changes")
    if "status" in item or "error" in item:
        return True
    return isinstance(changes, list) and bool(changes) and all(
        isinstance(c, dict) and "changeType" in c for c in changes)


@dataclass(frozen=True)
class PropertyChange:
    """One leaf of what-if's ``delta``: ``path`` as what-if writes it, ``shown`` as vmssplan
    shows paths (REST names, keyed array items by name), ``names`` the same with ``*`` for
    array items (for the read-only and secret tables)."""

    path: str
    shown: str
    names: tuple[str, ...]
    change_type: str
    before: Any = None
    after: Any = None
    has_before: bool = False
    has_after: bool = False


@dataclass
class WhatIfEntry:
    """One scale set of a what-if result."""

    change_type: str
    resource_id: str
    #: The what-if file, and where the change sits in it (``/properties/changes/3``).
    file: str
    pointer: str
    before: ScaleSetSource | None = None
    after: ScaleSetSource | None = None
    reason: str = ""
    property_changes: list[PropertyChange] = field(default_factory=list)
    #: What-if lists it under ``potentialChanges`` (it may happen, not that it will).
    potential: bool = False
    #: Extensions written as child resources, folded in, that what-if says change.
    children_changed: bool = False
    #: For a scale-set extension written as a child resource: its scale set's resource id.
    extension_of: str = ""
    #: A nested deployment what-if could not look into (``Unsupported``): the scale sets
    #: it deploys are not in the result.
    deployment: bool = False


@dataclass
class WhatIfContents:
    """Everything a what-if file says that a plan uses."""

    scale_sets: list[WhatIfEntry] = field(default_factory=list)
    others: list[OtherResource] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def read_whatif(data: Any, file: str) -> WhatIfContents:
    """The scale sets and other resources of a what-if document (see the module doc).

    A result whose ``status`` is not ``Succeeded`` or that holds an ``error`` is a finding
    (error): what-if did not predict the deployment, so nothing of it can be planned. Items
    of the wrong shape are VAL050 findings at their pointer; an item that cannot be read is
    never silently skipped.
    """
    contents = WhatIfContents()
    for pointer, result in _results(data):
        _read_result(result, file, pointer, contents)
    extensions = [entry for entry in contents.scale_sets if entry.extension_of]
    if extensions:
        contents.scale_sets = [e for e in contents.scale_sets if not e.extension_of]
        _fold_extensions(extensions, contents)
    return contents


def _results(data: Any) -> list[tuple[str, dict[str, Any]]]:
    if isinstance(data, list):
        return [(f"/{i}", item) for i, item in enumerate(data)]
    if isinstance(data, dict) and not _is_result(data):
        return [("/responses/200/body", data["responses"]["200"]["body"])]
    return [("", data)] if isinstance(data, dict) else []


def _read_result(result: dict[str, Any], file: str, pointer: str, contents: WhatIfContents) -> None:
    status = result.get("status")
    error = result.get("error")
    if isinstance(error, dict) or (status is not None and status != "Succeeded"):
        contents.findings.append(_failed(result, file, pointer))
        return
    props = result.get("properties")
    base = f"{pointer}/properties" if isinstance(props, dict) and "changes" in props else pointer
    holder = props if base != pointer else result
    assert isinstance(holder, dict)
    for key, potential in (("changes", False), ("potentialChanges", True)):
        changes = holder.get(key)
        if changes is None and key == "potentialChanges":
            continue
        if not isinstance(changes, list):
            contents.findings.append(_shape(f"`{key}` is not an array of resource changes", file, child(base, key)))
            continue
        for index, change in enumerate(changes):
            _read_change(change, file, f"{child(base, key)}/{index}", potential, contents)


def _failed(result: dict[str, Any], file: str, pointer: str) -> Finding:
    error = result.get("error")
    detail = ""
    if isinstance(error, dict):
        code, message = error.get("code"), error.get("message")
        detail = ": " + ": ".join(str(part)[:500] for part in (code, message) if isinstance(part, str) and part)
    status = result.get("status")
    said = f"status {str(status)[:40]!r}" if status is not None else "an error"
    return Finding(RULE_FAILED, f"the what-if operation did not succeed ({said}){detail}: it predicted nothing "
                   "that can be planned; run it again once the error is fixed", file=file,
                   pointer=child(pointer, "error") if isinstance(result.get("error"), dict) else pointer)


def _shape(message: str, file: str, pointer: str) -> Finding:
    return Finding(RULE_SHAPE, f"not a what-if result as Azure returns it: {message}", file=file, pointer=pointer)


def resource_type(resource_id: str) -> str:
    """The resource type of a resource id (``Microsoft.Compute/virtualMachineScaleSets/extensions``),
    or "" when the id has none (``/subscriptions/x/resourceGroups/rg`` is a resource group)."""
    parts = [p for p in resource_id.split("/") if p]
    lowered = [p.lower() for p in parts]
    if "providers" not in lowered:
        if len(parts) == 4 and lowered[0] == "subscriptions" and lowered[2] == "resourcegroups":
            return "Microsoft.Resources/resourceGroups"
        return "Microsoft.Resources/subscriptions" if len(parts) == 2 and lowered[0] == "subscriptions" else ""
    start = len(lowered) - 1 - lowered[::-1].index("providers")
    rest = parts[start + 1:]
    if len(rest) < 3:
        return ""
    return "/".join([rest[0], *rest[1::2]])


def _type_of(change: dict[str, Any], resource_id: str) -> str:
    kind = resource_type(resource_id) if resource_id else ""
    if kind:
        return kind
    for side in ("after", "before"):
        resource = change.get(side)
        if isinstance(resource, dict) and isinstance(resource.get("type"), str):
            return str(resource["type"])
    identifiers = change.get("identifiers")
    if isinstance(identifiers, dict) and isinstance(identifiers.get("type"), str):
        return str(identifiers["type"])
    return ""


def _read_change(change: Any, file: str, pointer: str, potential: bool, contents: WhatIfContents) -> None:
    if not isinstance(change, dict):
        contents.findings.append(_shape("a resource change is not an object", file, pointer))
        return
    change_type = change.get("changeType")
    if change_type not in CHANGE_TYPES:
        contents.findings.append(_shape(f"`changeType` is not one of {', '.join(CHANGE_TYPES)}", file,
                                        child(pointer, "changeType") if "changeType" in change else pointer))
        return
    resource_id = change.get("resourceId")
    if resource_id is not None and not isinstance(resource_id, str):
        contents.findings.append(_shape("`resourceId` is not a string", file, child(pointer, "resourceId")))
    resource_id = resource_id if isinstance(resource_id, str) else ""
    for side in ("before", "after"):
        if change.get(side) is not None and not isinstance(change.get(side), dict):
            contents.findings.append(_shape(f"`{side}` is not a resource object", file, child(pointer, side)))
            return
    kind = _type_of(change, resource_id)
    written = {str(side["type"]).lower() for side in (change.get("before"), change.get("after"))
               if isinstance(side, dict) and isinstance(side.get("type"), str)}
    if written and kind and written != {kind.lower()}:
        # The id and the resource disagree (a name holding "/", an edited file): whichever is
        # right, it could be a scale set, so it is never passed over as another resource.
        contents.findings.append(_shape(f"`resourceId` names a resource of type {kind[:200]!r}, but the resource's "
                                        f"`type` is {' / '.join(sorted(t[:200] for t in written))!r}", file,
                                        child(pointer, "resourceId") if "resourceId" in change else pointer))
        return
    if not kind:  # it could be a scale set: never passed over
        contents.findings.append(_shape("a resource change names no resource type (no `resourceId`, and no `type` "
                                        "in `before`, `after` or `identifiers`)", file, pointer))
        return
    lowered = kind.lower()
    if lowered in (_CHILD_EXTENSION_TYPE, shape.VMSS_TYPE) and (problem := _delta_problem(change.get("delta"),
                                                                                        child(pointer, "delta"))):
        contents.findings.append(Finding(RULE_SHAPE, f"not a what-if result as Azure returns it: {problem[0]}; "
                                         "what-if's property changes are not all counted (the plan compares "
                                         "`before` with `after`)", Severity.WARNING, file=file, pointer=problem[1]))
    if lowered == _CHILD_EXTENSION_TYPE:
        entry = _entry(change, change_type, resource_id, file, pointer, potential)
        entry.extension_of = resource_id.rsplit("/extensions/", 1)[0] if "/extensions/" in resource_id else "?"
        contents.scale_sets.append(entry)
        return
    if lowered == shape.DEPLOYMENT_TYPE and change_type == "Unsupported":
        # What-if could not look into a nested deployment: the scale sets it deploys are not listed.
        contents.scale_sets.append(_entry(change, change_type, resource_id, file, pointer, potential))
        contents.scale_sets[-1].deployment = True
        return
    if lowered != shape.VMSS_TYPE:
        contents.others.append(OtherResource(resource_id or str(change.get("symbolicName") or "")[:200], kind[:200],
                                             change_type))
        return
    contents.scale_sets.append(_entry(change, change_type, resource_id, file, pointer, potential))


def _entry(change: dict[str, Any], change_type: str, resource_id: str, file: str, pointer: str,
           potential: bool) -> WhatIfEntry:
    reason = change.get("unsupportedReason")
    entry = WhatIfEntry(change_type, resource_id, file, pointer,
                        reason=reason[:2000] if isinstance(reason, str) else "", potential=potential)
    entry.before = _source(change.get("before"), resource_id, file, child(pointer, "before"))
    entry.after = _source(change.get("after"), resource_id, file, child(pointer, "after"), evaluated=False)
    delta = change.get("delta")
    if isinstance(delta, list):
        before = change.get("before") if isinstance(change.get("before"), dict) else None
        after = change.get("after") if isinstance(change.get("after"), dict) else None
        entry.property_changes = _flatten(delta, (), before, after, [], [_RESOLVE_BUDGET])
    return entry


def _delta_problem(delta: Any, pointer: str) -> tuple[str, str] | None:
    """The first part of a ``delta`` that is not what-if's shape (what is wrong, where), or
    None. What-if's property changes only count its noise, so reading them goes on past it."""
    if delta is None:
        return None
    if not isinstance(delta, list):
        return "`delta` is not an array of property changes", pointer
    pending, seen = [(delta, pointer)], 0
    while pending:
        items, where = pending.pop()
        for index, item in enumerate(items):
            seen += 1
            if seen > 10 * MAX_PROPERTY_CHANGES:
                return None
            here = f"{where}/{index}"
            if not isinstance(item, dict):
                return "a property change is not an object", here
            if not isinstance(item.get("path"), str):
                return "a property change has no `path` string", child(here, "path") if "path" in item else here
            children = item.get("children")
            if children is not None and not isinstance(children, list):
                return "`children` is not an array of property changes", child(here, "children")
            if children:
                pending.append((children, child(here, "children")))
    return None


def resource_name(resource: dict[str, Any] | None, resource_id: str) -> str:
    """A scale set's name: the resource's own, else the last segment of its id."""
    name = resource.get("name") if resource else None
    if isinstance(name, str) and name:
        return name
    return resource_id.rstrip("/").rsplit("/", 1)[-1] if resource_id else ""


def _source(resource: Any, resource_id: str, file: str, pointer: str, evaluated: bool = True) -> ScaleSetSource | None:
    """One side as a scale-set source. ``after`` may hold strings what-if left unevaluated
    (``"[reference(...)]"``): values known only after deployment."""
    if not isinstance(resource, dict):
        return None
    if not evaluated:
        resource = unevaluated_as_unknown(resource)
    api = resource.get("apiVersion")
    name = resource_name(resource, resource_id)
    return ScaleSetSource(name=name or "scale set", resource=resource, file=file, pointer=pointer,
                          api_version=api if isinstance(api, str) else None, named=bool(name))


#: Members of a resource that name it; what-if cannot have predicted them wrong.
_IDENTITY = ("id", "name", "type", "apiVersion")


def unpredicted_side(before: ScaleSetSource, reason: str) -> ScaleSetSource:
    """The proposed side of a scale set what-if could not predict (``Unsupported``): it is
    the same resource, and every member but its name is known only after deployment."""
    from ..expressions.values import Unknown

    why = "what-if could not predict it" + (f": {reason.strip().rstrip('.')}" if reason.strip() else "")
    resource = {key: value if key in _IDENTITY else Unknown("what-if", why[:2000], ("what-if",))
                for key, value in before.resource.items()}
    return replace(before, resource=resource, pointer=before.pointer.rsplit("/", 1)[0])


def unevaluated_as_unknown(value: Any) -> Any:
    """``value`` with every string that is an ARM expression what-if did not evaluate
    replaced by a value known only after deployment (what-if leaves ``reference()`` and
    other runtime values so); ``value`` itself when there is none."""
    if isinstance(value, str):
        if not value.startswith("["):
            return value
        from ..expressions.syntax import is_expression
        from ..expressions.values import Unknown

        if not is_expression(value):
            return value
        return Unknown(value[1:-1].strip()[:2000], "what-if could not evaluate it before deployment",
                       ("what-if",))
    if isinstance(value, dict):
        replaced = {k: unevaluated_as_unknown(v) for k, v in value.items()}
        return value if all(replaced[k] is value[k] for k in value) else replaced
    if isinstance(value, list):
        items = [unevaluated_as_unknown(v) for v in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    return value


# --- what-if's own property changes ---------------------------------------------------


def _flatten(delta: list[Any], names: tuple[str, ...], before: Any, after: Any, out: list[PropertyChange],
             budget: list[int], labels: tuple[str, ...] = (), prefix: str = "") -> list[PropertyChange]:
    """The leaves of a ``delta`` tree (``WhatIfPropertyChange``: ``path``, ``propertyChangeType``,
    ``children``). ``before``/``after`` are the resource's values at this level, walked
    alongside to resolve dotted paths whose names hold dots and to name array items."""
    for item in delta:
        if len(out) >= MAX_PROPERTY_CHANGES:
            break
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            continue
        kind = item.get("propertyChangeType")
        kind = kind if isinstance(kind, str) else "Modify"
        steps = _resolve(item["path"], before, after, budget)
        sub_names, sub_labels = names, labels
        node_before, node_after = before, after
        for step in steps:
            array_name = sub_names[-1] if sub_names else ""
            sub_names, sub_labels, node_before, node_after = _step(step, array_name, sub_names, sub_labels,
                                                                   node_before, node_after)
        full = (f"{prefix}.{item['path']}" if prefix else item["path"])[:_MAX_PATH]
        children = item.get("children")
        if isinstance(children, list) and children:  # a container: only its leaves count
            _flatten(children, sub_names, node_before, node_after, out, budget, sub_labels, full)
            continue
        # az writes every field it knows, null where the REST response has none: null is absent.
        out.append(PropertyChange(full, display_path(sub_labels), tuple(sub_names), kind, item.get("before"),
                                  item.get("after"), item.get("before") is not None, item.get("after") is not None))
    return out


#: Longest what-if property path resolved against the values, most steps of one, and the
#: characters compared in resolving all the paths of a file: past them, paths are split at
#: every dot (a hostile file cannot make the reading slow).
_MAX_PATH = 1024
_MAX_STEPS = 64
_RESOLVE_BUDGET = 2_000_000


def _resolve(path: str, before: Any, after: Any, budget: list[int]) -> list[str]:
    """The steps of a dotted what-if path, resolved against the values where a member's
    name holds a dot (a tag ``env.name``, a user-assigned identity's resource id): at each
    level the longest prefix of what is left that names a member."""
    if len(path) > _MAX_PATH or budget[0] <= 0:
        return path[:_MAX_PATH].split(".")[:_MAX_STEPS]
    steps: list[str] = []
    nodes = [n for n in (before, after) if isinstance(n, dict)]
    rest = path
    while rest and len(steps) < _MAX_STEPS:
        cuts = [i for i, char in enumerate(rest) if char == "."] + [len(rest)]
        step = rest[:cuts[0]]
        if nodes and len(cuts) > 1:
            budget[0] -= len(rest) * len(cuts)
            step = next((rest[:i] for i in reversed(cuts) if any(rest[:i] in node for node in nodes)), step)
        steps.append(step)
        rest = rest[len(step) + 1:]
        nodes = [n for n in (node.get(step) for node in nodes) if isinstance(n, dict)]
    return steps


def _step(step: str, array_name: str, names: tuple[str, ...], labels: tuple[str, ...], before: Any,
          after: Any) -> tuple[tuple[str, ...], tuple[str, ...], Any, Any]:
    """One step down: into an object member (REST spelling), or an array item (named by
    its key where the array is keyed, as vmssplan shows it)."""
    if isinstance(before, list) or isinstance(after, list):
        index = int(step) if step.isdigit() else -1
        item = None
        for side in (before, after):
            if isinstance(side, list) and 0 <= index < len(side):
                item = side[index]
                break
        key = shape.item_key(array_name, item) if item is not None else None
        label = f"[{shape.key_label(array_name, item)}]" if key is not None else f"[{step}]"
        return names + ("*",), labels + (label,), _item(before, index), _item(after, index)
    name = shape.rest_name(step)
    return names + (name,), labels + (name,), _member(before, step), _member(after, step)


def _member(side: Any, key: str) -> Any:
    return side.get(key) if isinstance(side, dict) else None


def _item(side: Any, index: int) -> Any:
    return side[index] if isinstance(side, list) and 0 <= index < len(side) else None


# --- scale-set extensions written as child resources -----------------------------------


def _fold_extensions(extensions: list[WhatIfEntry], contents: WhatIfContents) -> None:
    """A ``Microsoft.Compute/virtualMachineScaleSets/extensions`` child resource is an item
    of its scale set's ``extensionProfile``: folded into both sides of that scale set, so
    an extension the scale set's own body leaves out is not read as removed. A child whose
    scale set is not in the result is listed as another resource; one what-if could not
    predict is unknown in its scale set's proposed side."""
    by_id = {entry.resource_id.lower(): entry for entry in contents.scale_sets if entry.resource_id}
    for extension in extensions:
        parent = by_id.get(extension.extension_of.lower())
        if parent is None:
            contents.others.append(OtherResource(extension.resource_id, "Microsoft.Compute/virtualMachineScaleSets/"
                                                 "extensions", extension.change_type))
            continue
        name = extension.resource_id.rstrip("/").rsplit("/", 1)[-1]
        if extension.change_type == "Unsupported":  # its proposed side is unknown
            known = extension.before or ScaleSetSource(name, {"name": name, "properties": {}}, extension.file,
                                                       extension.pointer)
            extension.after = unpredicted_side(known, extension.reason)
        parent.before = _with_extension(parent.before, extension.before, name)
        parent.after = _with_extension(parent.after, extension.after, name)
        parent.property_changes += [_under_extension(change, name) for change in extension.property_changes]
        parent.children_changed |= extension.change_type not in ("NoChange", "Ignore")


def _with_extension(source: ScaleSetSource | None, extension: ScaleSetSource | None,
                    name: str) -> ScaleSetSource | None:
    if source is None or extension is None:
        return source
    resource = dict(source.resource)
    props = dict(resource.get("properties") or {}) if isinstance(resource.get("properties"), dict) else {}
    profile = dict(props.get("virtualMachineProfile") or {}) if isinstance(
        props.get("virtualMachineProfile"), dict) else {}
    ext_profile = dict(profile.get("extensionProfile") or {}) if isinstance(
        profile.get("extensionProfile"), dict) else {}
    items = [x for x in ext_profile.get("extensions") or [] if not (
        isinstance(x, dict) and isinstance(x.get("name"), str) and x["name"].lower() == name.lower())]
    item = {"name": name, **({"properties": extension.resource["properties"]}
                             if "properties" in extension.resource else {})}
    ext_profile["extensions"] = [*items, item]
    profile["extensionProfile"] = ext_profile
    props["virtualMachineProfile"] = profile
    resource["properties"] = props
    return replace(source, resource=resource)


def _under_extension(change: PropertyChange, name: str) -> PropertyChange:
    prefix = "properties.virtualMachineProfile.extensionProfile.extensions"
    return PropertyChange(change.path, f"{prefix}[{name}]" + ("." + change.shown if change.shown else ""),
                          ("properties", "virtualMachineProfile", "extensionProfile", "extensions", "*")
                          + change.names, change.change_type, change.before, change.after, change.has_before,
                          change.has_after)


__all__ = ["CHANGE_TYPES", "PropertyChange", "WhatIfContents", "WhatIfEntry", "is_whatif_result", "read_whatif",
           "resource_name", "resource_type", "unevaluated_as_unknown", "unpredicted_side"]
