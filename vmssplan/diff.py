"""Stage: an RFC 6902 JSON Patch between two canonical models.

Why not ``jsonpatch.make_patch`` or DeepDiff? Both compare lists by index (removing the
first of two extensions reads as "extension 0 renamed"), neither knows that ARM compares
ids, locations and enum values without regard to case, and DeepDiff alone costs ~110 ms
to import, more than a whole plan. Normalization has already put keyed arrays in key
order, so one walk over both models yields a patch that:

- is valid when applied in order to the *canonical* before-model (indices account for
  earlier removals and additions), which the tests prove with ``jsonpatch.apply_patch``;
- is deterministic: object keys are visited in sorted order, arrays in key order.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from . import shape
from .model import Change, PatchOp, ScaleSetSource, WhatIfNoise
from .pointer import join

if TYPE_CHECKING:
    from .inputs.whatif import PropertyChange


def to_rfc6902(op: PatchOp) -> dict[str, Any]:
    """The RFC 6902 operation of ``op``."""
    if op.op == "remove":
        return {"op": "remove", "path": join(op.path)}
    return {"op": op.op, "path": join(op.path), "value": op.after}


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[PatchOp]:
    ops: list[PatchOp] = []
    _diff_values(before, after, (), (), ops)
    return ops


def _diff_values(a: Any, b: Any, path: tuple[str, ...], labels: tuple[str, ...], ops: list[PatchOp]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(a.keys() | b.keys()):
            if key not in b:
                ops.append(PatchOp("remove", path + (key,), labels + (key,), before=a[key]))
            elif key not in a:
                ops.append(PatchOp("add", path + (key,), labels + (key,), after=b[key]))
            else:
                _diff_values(a[key], b[key], path + (key,), labels + (key,), ops)
        return
    if isinstance(a, list) and isinstance(b, list):
        array_name = path[-1] if path else ""
        if _keyed(array_name, a) and _keyed(array_name, b):
            _diff_keyed(array_name, a, b, path, labels, ops)
            return
    same = shape.compare(path, a, b)
    if same is not True:
        ops.append(PatchOp("replace", path, labels, before=a, after=b, undecided=same is None))


def _keyed(array_name: str, items: list[Any]) -> bool:
    if array_name not in shape.KEYED_ARRAYS:
        return False
    keys = [shape.item_key(array_name, item) for item in items]
    return all(k is not None for k in keys) and len(set(map(repr, keys))) == len(keys)


def _diff_keyed(array_name: str, a: list[Any], b: list[Any], path: tuple[str, ...],
                labels: tuple[str, ...], ops: list[PatchOp]) -> None:
    """Match items by key; emit index paths valid when applied in order.

    Both lists are in key order (normalize guarantees it), so a merge walk over the
    union of keys keeps a running index into the list as it is being patched.
    """
    by_key_a = {repr(shape.item_key(array_name, x)): x for x in a}
    by_key_b = {repr(shape.item_key(array_name, x)): x for x in b}
    order: list[tuple[Any, str]] = []
    for item in a + b:
        key = shape.item_key(array_name, item)
        order.append((key, repr(key)))
    seen: set[str] = set()
    merged = []
    for _, rkey in sorted(order, key=lambda pair: (type(pair[0]).__name__, pair[0])):
        if rkey not in seen:
            seen.add(rkey)
            merged.append(rkey)
    index = 0
    for rkey in merged:
        item = by_key_a.get(rkey, by_key_b.get(rkey))
        label = f"[{shape.key_label(array_name, item)}]"
        sub, sub_labels = path + (str(index),), labels + (label,)
        if rkey not in by_key_b:
            ops.append(PatchOp("remove", sub, sub_labels, before=by_key_a[rkey]))
            continue  # the next item slides into this index
        if rkey not in by_key_a:
            ops.append(PatchOp("add", sub, sub_labels, after=by_key_b[rkey]))
        else:
            _diff_values(by_key_a[rkey], by_key_b[rkey], sub, sub_labels, ops)
        index += 1


def drop_unreturned(ops: list[PatchOp], before_from_get: bool, after_from_get: bool,
                    after_is_whatif: bool = False) -> tuple[list[PatchOp], list[str]]:
    """Values a GET does not return (:data:`shape.NEVER_RETURNED_BY_GET`: the secrets
    adminPassword and protectedSettings, and userData unless the GET asked for it) are not
    changes against a GET response: absent there means "not shown", not "removed". A GET that
    holds the value was asked for it, and a difference in it is a change like any other.

    Returns the remaining operations and a note per dropped one. ``after_is_whatif``: the
    proposed side is what-if's prediction, which holds no secure value either.
    """
    kept: list[PatchOp] = []
    notes: list[str] = []
    for op in ops:
        key = op.path[-1] if op.path else ""
        hidden_side = (op.op == "add" and before_from_get) or (op.op == "remove" and after_from_get)
        if key in shape.NEVER_RETURNED_BY_GET and hidden_side:
            if op.op == "remove" and after_is_whatif:
                notes.append(f"{op.display_path} is set on the current side only; what-if's prediction shows no "
                             "secure value, so whether it changes cannot be known from the result.")
                continue
            side = "current" if op.op == "add" else "proposed"
            notes.append(f"{op.display_path} is set on one side only; the {side} side is a GET response, "
                         f"{shape.NEVER_RETURNED_BY_GET[key]}, so whether it changes cannot be known offline.")
            continue
        kept.append(op)
    return kept, notes


# --- pairing the scale sets of two sides -----------------------------------------------

#: (current, proposed): the same scale set on both sides, or on one side only (None).
SourcePair = tuple[ScaleSetSource | None, ScaleSetSource | None]


def _is_expression(name: str) -> bool:
    return name.startswith("[") and name.endswith("]") and not name.startswith("[[")


def pair_scale_sets(current: list[ScaleSetSource], proposed: list[ScaleSetSource]) -> list[SourcePair]:
    """Match scale sets by name (case-insensitive, as ARM names are), sorted by name.

    When each side holds exactly one scale set and either name is an unevaluated
    expression, or not given at all (a PUT body: the name is in the URL), the two are
    paired: they are the same resource written two ways, and the named one names it. Names
    may repeat (copy loops, one name per nested deployment): the i-th scale set of a name
    on one side pairs with the i-th of that name on the other.
    """
    if len(current) == 1 and len(proposed) == 1 and any(
            _is_expression(source.name) or not source.named for source in (current[0], proposed[0])):
        before, after = current[0], proposed[0]
        if not after.named and before.named:
            after = _named(after, before.name)
        elif not before.named and after.named:
            before = _named(before, after.name)
        return [(before, after)]
    remaining: dict[str, list[ScaleSetSource]] = {}
    for before in current:
        remaining.setdefault(before.name.lower(), []).append(before)
    pairs: list[SourcePair] = []
    for after in proposed:
        candidates = remaining.get(after.name.lower())
        pairs.append((candidates.pop(0) if candidates else None, after))
    pairs.extend((before, None) for group in remaining.values() for before in group)
    return sorted(pairs, key=_pair_key)


def _named(source: ScaleSetSource, name: str) -> ScaleSetSource:
    """An unnamed scale set (a PUT body) with the name its twin gives it, as the URL would."""
    return replace(source, name=name, resource={**source.resource, "name": name}, named=True)


def _pair_key(pair: SourcePair) -> tuple[str, str]:
    subject = pair[1] or pair[0]
    assert subject is not None
    return (subject.name.lower(), subject.pointer)


# --- what-if's own property changes ----------------------------------------------------


def whatif_noise(property_changes: list[PropertyChange], changes: list[Change]) -> list[WhatIfNoise]:
    """What-if's property changes that the plan does not hold, each with why it is no
    change: what-if compares a GET with the template as written, vmssplan compares them as
    Azure does (:mod:`vmssplan.normalize`). A property change is held by the plan when one
    of the plan's changes is at its path, above it or below it."""
    shown = [change.display_path for change in changes]
    noise = []
    for prop in property_changes:
        if any(_overlaps(path, prop.shown) for path in shown):
            continue
        noise.append(WhatIfNoise(prop.path, prop.change_type, _noise_reason(prop)))
    return noise


def _overlaps(a: str, b: str) -> bool:
    """One display path is the other, or above it (``a.b`` and ``a.b.c`` or ``a.b[x]``)."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return long == short or not short or (long.startswith(short) and long[len(short)] in ".[")


def _noise_reason(prop: PropertyChange) -> str:
    """Why a property change of what-if's is no change, as ``<kind>: <why>`` (the plan
    counts the kinds)."""
    names = prop.names
    if prop.change_type == "NoEffect":
        return "no effect: what-if itself marks it NoEffect (the service ignores the value)"
    if any(shape.is_read_only(names[:i]) for i in range(1, len(names) + 1)):
        return "read-only: the service sets it, a deployment cannot"
    if names and (names[-1] in shape.NEVER_RETURNED_BY_GET or shape.is_secret(names)):
        return "not returned: what-if shows no secret (and a GET no userData), so absent on one side is no change"
    if names and names[0] in shape.TEMPLATE_ONLY:
        return "deployment instruction: not a property of the scale set"
    present = prop.after if prop.has_after and not prop.has_before else prop.before if prop.has_before and not (
        prop.has_after) else None
    if (prop.has_before != prop.has_after) and present in (None, {}, [], ""):
        return "empty: null or empty is the same as absent"
    if any(shape.matches(names, default.pattern) for default in shape.service_defaults()):
        return "service default: Azure fills it in when a deployment leaves it out"
    return ("same value: equal as Azure compares it (the case of a name or id, a number or boolean written as "
            "text, the order of a keyed array)")
