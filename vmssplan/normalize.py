"""Stage: bring every input shape to one canonical model, the REST shape.

- `az vmss show` output is re-enveloped (``properties``), and the SDK's flattening of
  NIC configurations, IP configurations and extensions is undone.
- Property names are folded to the REST spelling (``diskSizeGb`` -> ``diskSizeGB``): ARM
  treats names case-insensitively and the SDK respells some.
- Read-only and server-set fields, template-only keys, ``null`` values and empty
  containers are dropped: none of them is a change a person made.
- Arrays of named things are ordered by their key so that reordering is no change.

Values are kept as the user wrote them; comparison-time folding (case of ids, locations,
enum values) belongs to the differ, which uses :func:`vmssplan.shape.fold`.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from . import shape
from .data import schema_text
from .model import DocumentKind, ScaleSet, ScaleSetSource

#: Items of these arrays carry a ``properties`` envelope in REST that the SDK flattens.
_ENVELOPED_ITEMS = frozenset({"networkInterfaceConfigurations", "ipConfigurations", "extensions"})
_ENVELOPED_OBJECTS = frozenset({"publicIPAddressConfiguration"})
_ITEM_OUTER_KEYS = frozenset({"name", "id", "sku", "type"})


@lru_cache(maxsize=1)
def _rest_names() -> dict[str, str]:
    """lower-case name -> REST spelling, generated from the official schemas."""
    names: list[str] = json.loads(schema_text("property-names.json"))["names"]
    return {n.lower(): n for n in names}


def rest_name(key: str) -> str:
    return _rest_names().get(key.lower(), key)


def normalize(source: ScaleSetSource, kind: DocumentKind | None = None) -> ScaleSet:
    """The canonical model of one scale set."""
    resource = source.resource
    top: dict[str, Any] = {}
    props: dict[str, Any] = {}
    for key, value in resource.items():
        name = rest_name(key)
        if name in shape.TEMPLATE_ONLY or name in shape.AZ_ONLY:
            continue
        if source.flattened and name not in shape.REST_TOP_LEVEL:
            props[name] = value
        else:
            top[name] = value
    if props:
        existing = top.get("properties")
        top["properties"] = {**props, **existing} if isinstance(existing, dict) else props
    model = _canonical(top, (), source.flattened)
    from_get = kind in (DocumentKind.REST_MODEL, DocumentKind.AZ_MODEL, DocumentKind.MODEL_LIST,
                        DocumentKind.API_EXAMPLE) and "id" in resource
    return ScaleSet(name=source.name, model=model if isinstance(model, dict) else {}, source=source,
                    from_get=from_get)


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, (dict, list)) and not value)


def _canonical(value: Any, path: tuple[str, ...], flattened: bool) -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        # Sorted so that the model, and every output built from it, is independent of
        # the input's key order.
        for key in sorted(value, key=str):
            item = value[key]
            name = rest_name(key)
            sub = path + (name,)
            if shape.is_read_only(sub):
                continue
            item = _canonical(item, sub, flattened)
            if not _is_empty(item):
                out[name] = item
        return out
    if isinstance(value, list):
        array_name = path[-1] if path else ""
        items = []
        for i, item in enumerate(value):
            if array_name in _ENVELOPED_ITEMS and isinstance(item, dict):
                item = _envelope(item, array_name)
            items.append(_canonical(item, path + ("*",), flattened))
        items = [i for i in items if not _is_empty(i)]
        return _order(array_name, items)
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
        if rest_name(key) in _ENVELOPED_OBJECTS and isinstance(inner[key], dict):
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
    return [item for _, item in sorted(zip(keys, items), key=lambda pair: (type(pair[0]).__name__, pair[0]))]


def source_pointer(scale_set: ScaleSet, path: tuple[str, ...]) -> str:
    """The pointer, in the user's document, of the node at canonical ``path``.

    Walks the source resource alongside the canonical model: property names match after
    folding to the REST spelling, a ``properties`` envelope the source lacks (az shape) is
    skipped, and an item of a keyed array is found by its key (the canonical model orders
    those arrays by key). Stops at the deepest node that exists, so an added property
    points at its parent.
    """
    source = scale_set.source
    node: Any = source.resource
    canonical: Any = scale_set.model
    pointer = source.pointer
    for i, part in enumerate(path):
        canonical_child = (canonical.get(part) if isinstance(canonical, dict)
                           else canonical[int(part)] if isinstance(canonical, list) and part.isdigit()
                           and int(part) < len(canonical) else None)
        if isinstance(node, dict):
            key = next((k for k in node if isinstance(k, str) and rest_name(k) == part), None)
            if key is None:
                if part == "properties":  # az shape: the envelope is flattened away here
                    canonical = canonical_child
                    continue
                break
            node = node[key]
            pointer += "/" + key.replace("~", "~0").replace("/", "~1")
        elif isinstance(node, list) and part.isdigit():
            array_name = path[i - 1] if i else ""
            index: int | None = int(part)
            if array_name in shape.KEYED_ARRAYS and canonical_child is not None:
                wanted = shape.item_key(array_name, canonical_child)
                index = next((j for j, item in enumerate(node) if shape.item_key(array_name, item) == wanted), None)
            if index is None or index >= len(node):
                break
            node = node[index]
            pointer += f"/{index}"
        else:
            break
        canonical = canonical_child
    return pointer
