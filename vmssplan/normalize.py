"""Stage: bring every input shape to one canonical model, the REST shape.

- `az vmss show` output is re-enveloped (``properties``), and the SDK's flattening of
  NIC configurations, IP configurations and extensions is undone.
- Property names are folded to the REST spelling (``diskSizeGb`` -> ``diskSizeGB``): ARM
  treats names case-insensitively and the SDK respells some.
- Read-only and server-set fields, template-only keys, ``null`` values and empty
  containers are dropped: none of them is a change a person made. The members of an object
  whose member names are the data (``userAssignedIdentities``) are kept even when empty.
- Arrays of named things are ordered by their key so that reordering is no change.
- Service defaults (:func:`with_service_defaults`, for the two sides of a plan): a value
  Azure fills in when a PUT leaves it out (a GET shows ``enableAcceleratedNetworking:
  false`` that the template never wrote) is no change. The defaults are data,
  ``schemas/service-defaults.json``, learned from the REST examples.

Values are kept as the user wrote them; comparison-time folding (case of ids, locations,
enum values) belongs to the differ, which uses :func:`vmssplan.shape.fold`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from . import conditions, shape
from .model import DocumentKind, Finding, ScaleSet, ScaleSetSource, Severity
from .pointer import child

_ITEM_OUTER_KEYS = frozenset({"name", "id", "sku", "type"})


def normalize(source: ScaleSetSource, kind: DocumentKind | None = None) -> ScaleSet:
    """The canonical model of one scale set."""
    resource = source.resource
    from_get = kind in (DocumentKind.REST_MODEL, DocumentKind.AZ_MODEL, DocumentKind.MODEL_LIST,
                        DocumentKind.API_EXAMPLE) and "id" in resource
    clashes: list[str] = []
    model = _canonical(_top_level(resource, source.flattened), "", (shape.READ_ONLY_TREE,), clashes)
    findings = _case_clash_findings(source) if clashes else []
    return ScaleSet(name=source.name, model=model if isinstance(model, dict) else {}, source=source,
                    from_get=from_get, findings=findings)


def _top_level(resource: dict[str, Any], flattened: bool) -> dict[str, Any]:
    """The resource's members in REST spelling, without template-only and `az`-only keys;
    a flattened (`az vmss show`) resource's properties back in ``properties``."""
    top: dict[str, Any] = {}
    props: dict[str, Any] = {}
    for key, value in resource.items():
        name = shape.rest_name(key)
        if name in shape.TEMPLATE_ONLY or name in shape.AZ_ONLY:
            continue
        if flattened and name not in shape.REST_TOP_LEVEL:
            props[name] = value
        else:
            top[name] = value
    if props:
        existing = top.get("properties")
        top["properties"] = {**props, **existing} if isinstance(existing, dict) else props
    return top


RULE_CASE_CLASH = "VAL023"


def _case_clash_findings(source: ScaleSetSource) -> list[Finding]:
    """VAL023 for every object of the source whose property names differ only in case
    (``upgradePolicy`` and ``UpgradePolicy``): ARM reads names without regard to case, so
    which one counts is not defined. Only run when normalization met such a pair."""
    findings = []
    stack: list[tuple[Any, str]] = [(source.resource, source.pointer)]
    while stack:
        node, pointer = stack.pop()
        if isinstance(node, dict):
            by_name: dict[str, list[str]] = {}
            for key in node:
                if isinstance(key, str):
                    by_name.setdefault(shape.rest_name(key).lower(), []).append(key)
            for keys in by_name.values():
                if len(keys) > 1:
                    kept = max(keys)  # _canonical visits keys sorted: the last one wins
                    findings.append(Finding(
                        RULE_CASE_CLASH, f"property names {', '.join(repr(k) for k in keys)} differ only in case: "
                        f"ARM reads names without regard to case, so which one counts is not defined; "
                        f"vmssplan used {kept!r}", Severity.WARNING, file=source.file,
                        pointer=child(pointer, keys[-1])))
            stack.extend((v, child(pointer, k)) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, f"{pointer}/{i}") for i, v in enumerate(node))
    return sorted(findings, key=lambda f: f.pointer)




def _sorted_keys(value: dict[Any, Any]) -> list[Any]:
    """The member names of ``value`` in order: so the model, and every output built from
    it, is independent of the input's key order."""
    try:
        return sorted(value)
    except TypeError:
        return sorted(value, key=str)


def _read_only_below(read_only: tuple[shape.ReadOnlyTree, ...],
                     member: str) -> tuple[shape.ReadOnlyTree, ...] | None:
    """The read-only tree nodes that apply below ``member``; None when the member itself
    is read-only (server-set)."""
    if not read_only:  # below the few read-only paths' parents: nothing to look up
        return ()
    nodes = [node[k] for node in read_only for k in (member, "*") if k in node]
    if None in nodes:
        return None
    return tuple(n for n in nodes if n) if nodes else ()


def _canonical(value: Any, name: str, read_only: tuple[shape.ReadOnlyTree, ...], clashes: list[str]) -> Any:
    """``value`` (the member ``name`` of its parent) with read-only keys, nulls and empty
    containers dropped, names respelled and keyed arrays ordered.

    ``read_only`` holds the nodes of :data:`shape.READ_ONLY_TREE` that apply at this level:
    carrying them down makes "is this key read-only?" one dictionary lookup, not a path
    comparison. Names that fold to one already taken are appended to ``clashes``.
    """
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key in _sorted_keys(value):
            item = value[key]
            member = shape.rest_name(key)
            below = _read_only_below(read_only, member)
            if below is None:
                continue  # server-set: never a change a person made
            if type(item) in (dict, list):
                item = _canonical(item, member, below, clashes)
                if not item and name not in shape.NAMED_MEMBER_OBJECTS:
                    continue
            elif item is None:
                continue
            else:
                item = shape.typed_value(member, item)  # "true" written for a boolean is true
            if member in out:
                clashes.append(member)  # keys are sorted: the last spelling wins
            out[member] = item
        return out
    if isinstance(value, list):
        below = tuple(n for node in read_only if (n := node.get("*")))
        items = []
        for item in value:
            if name in shape.ENVELOPED_ITEMS and isinstance(item, dict):
                item = _envelope(item, name)
            if type(item) in (dict, list):
                item = _canonical(item, "*", below, clashes)
                if not item:
                    continue
            elif item is None:
                continue
            items.append(item)
        return _order(name, items)
    return value


def _envelope(item: dict[str, Any], array_name: str) -> dict[str, Any]:
    """Undo the SDK's flattening of an array item's ``properties`` envelope."""
    if "properties" in item:
        return item
    outer = {k: v for k, v in item.items() if k in _ITEM_OUTER_KEYS}
    inner = {k: v for k, v in item.items() if k not in _ITEM_OUTER_KEYS}
    if array_name == "extensions":
        outer.pop("type", None)  # resource type of the child, read-only
        if "typePropertiesType" in inner:
            inner["type"] = inner.pop("typePropertiesType")
    for key in list(inner):
        if shape.rest_name(key) in shape.ENVELOPED_OBJECTS and isinstance(inner[key], dict):
            inner[key] = _envelope(inner[key], "")
    if inner:
        outer["properties"] = inner
    return outer


def _order(array_name: str, items: list[Any]) -> list[Any]:
    """Sort a keyed array by its key; leave it positional if keys are missing or repeat."""
    if array_name not in shape.KEYED_ARRAYS or len(items) < 2:
        return items
    keys = [shape.item_key(array_name, item) for item in items]
    if any(k is None for k in keys) or len(set(map(repr, keys))) != len(keys):
        return items
    pairs = sorted(zip(keys, items, strict=True), key=lambda pair: (type(pair[0]).__name__, pair[0]))
    return [item for _, item in pairs]


# --- service defaults ------------------------------------------------------------------


def with_service_defaults(before: ScaleSet, after: ScaleSet) -> tuple[ScaleSet, ScaleSet]:
    """The two sides of a plan, each given the service defaults that the other side holds
    and it leaves out.

    A default is filled into the side that lacks it, and only when the other side has
    exactly the default value (compared as ARM compares) and the default's condition holds
    on both sides. Then the lacking side ends up with that value whether Azure applies the
    default or keeps what it has, so the filled model is what Azure will hold, and every
    later stage (rule conditions, the upgrade mode, the per-VM impact) reads it. What is
    not filled stays a change: a value set to anything but the default, or a default left
    out on one side while the other holds another value (Azure may keep that value or
    apply the default: the rules judge such a change as they would without defaults). A
    plan that creates or deletes a scale set is not touched: it shows what was written.
    """
    applicable = [d for d in shape.service_defaults()
                  if _holds(d.when, before.model) and _holds(d.when, after.model)]
    before_model, after_model = before.model, after.model
    for default in applicable:
        before_model = _filled(before_model, after.model, default.pattern, default.value, ())
        after_model = _filled(after_model, before.model, default.pattern, default.value, ())
    return (before if before_model is before.model else replace(before, model=before_model),
            after if after_model is after.model else replace(after, model=after_model))


def _holds(condition: dict[str, Any] | None, model: dict[str, Any]) -> bool:
    """A default's condition is true of ``model`` (undecided is not true)."""
    return condition is None or conditions.evaluate(condition, conditions.Subject.of_model(model)) is True


def _filled(target: Any, source: Any, pattern: tuple[str, ...], default: Any, path: tuple[str, ...]) -> Any:
    """``target`` with the value of ``source`` at ``pattern`` wherever ``source`` holds
    ``default`` there and ``target`` holds nothing: a copy along the changed paths, or
    ``target`` itself when nothing is filled. Array items are matched as the differ matches
    them (by key; by position when neither array is keyed and both are as long); objects
    on the way are created, array items never."""
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        if type(target) is not list or type(source) is not list or not path:
            return target
        items = list(target)
        for index, item in enumerate(source):
            at = _counterpart(path[-1], source, index, target)
            if at is not None:
                items[at] = _filled(target[at], item, rest, default, path + (str(at),))
        return items if any(a is not b for a, b in zip(items, target, strict=True)) else target
    if type(target) is not dict or type(source) is not dict or head not in source:
        return target
    here = path + (head,)
    if not rest:
        if head in target or not shape.same_value(here, source[head], default):
            return target
        return {**target, head: source[head]}
    inner = target.get(head)
    if inner is None and "*" not in rest:
        inner = {}
    filled = _filled(inner, source[head], rest, default, here)
    return target if filled is inner or filled == {} else {**target, head: filled}


def _counterpart(array_name: str, source: list[Any], index: int, target: list[Any]) -> int | None:
    """The index in ``target`` of the item the differ compares ``source[index]`` with: the
    one with the same key when both arrays are keyed, else the one at the same index."""
    source_keys, target_keys = _keys(array_name, source), _keys(array_name, target)
    if source_keys is not None and target_keys is not None:
        return target_keys.get(repr(shape.item_key(array_name, source[index])))
    return index if len(source) == len(target) else None


def _keys(array_name: str, items: list[Any]) -> dict[str, int] | None:
    """repr(key) -> index of a keyed array whose items all have distinct keys; else None."""
    if array_name not in shape.KEYED_ARRAYS:
        return None
    keys = {repr(key): i for i, item in enumerate(items) if (key := shape.item_key(array_name, item)) is not None}
    return keys if len(keys) == len(items) else None
