"""The differ: keyed arrays, ARM case folding, valid and deterministic patches."""

from __future__ import annotations

import copy
import json

import jsonpatch
import pytest

from vmssplan.diff import diff, drop_unreturned, to_rfc6902
from vmssplan.model import ScaleSetSource
from vmssplan.normalize import normalize
from vmssplan.pointer import join


def canon(resource: dict) -> dict:
    return normalize(ScaleSetSource("x", resource, "x.json")).model


def ext(name: str, **props: object) -> dict:
    return {"name": name, "properties": {"publisher": "p", "type": name, **props}}


def model(*extensions: dict, **extra: object) -> dict:
    return {"name": "x", "location": "westeurope",
            "properties": {"virtualMachineProfile": {"extensionProfile": {"extensions": list(extensions)}}, **extra}}


def apply(before: dict, after: dict) -> dict:
    a, b = canon(before), canon(after)
    ops = [to_rfc6902(op) for op in diff(a, b)]
    return jsonpatch.apply_patch(a, ops)


def test_removing_the_first_of_two_extensions_is_a_removal_not_a_rename() -> None:
    ops = diff(canon(model(ext("alpha"), ext("beta"))), canon(model(ext("beta"))))
    assert [(op.op, join(op.path), op.display_path) for op in ops] == [
        ("remove", "/properties/virtualMachineProfile/extensionProfile/extensions/0",
         "properties.virtualMachineProfile.extensionProfile.extensions[alpha]"),
    ]


def test_reordering_named_items_is_no_change() -> None:
    assert diff(canon(model(ext("a"), ext("b"), ext("c"))), canon(model(ext("c"), ext("a"), ext("b")))) == []


@pytest.mark.parametrize("before,after", [
    (model(ext("a"), ext("b"), ext("c")), model(ext("b"), ext("d", settings={"x": 1}))),
    (model(ext("b")), model(ext("a"), ext("b", forceUpdateTag="2"), ext("c"))),
    (model(), model(ext("z"))),
    (model(ext("m", settings={"k": [1, 2]})), model(ext("m", settings={"k": [2, 1, 3]}))),
])
def test_patch_applies_to_the_canonical_before_model(before: dict, after: dict) -> None:
    assert apply(before, after) == canon(after)


def test_case_insensitive_values_are_folded() -> None:
    sub = "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
    a = {"name": "x", "location": "West Europe", "sku": {"name": "Standard_D2s_v5"},
         "properties": {"upgradePolicy": {"mode": "Manual"}, "subnet": {"id": sub}}}
    b = {"name": "x", "location": "westeurope", "sku": {"name": "standard_d2s_v5"},
         "properties": {"upgradePolicy": {"mode": "manual"}, "subnet": {"id": sub.lower()}}}
    assert diff(canon(a), canon(b)) == []


def test_case_sensitive_values_stay_sensitive() -> None:
    a = model(ext("a", settings={"commandToExecute": "run.sh"}))
    b = model(ext("a", settings={"commandToExecute": "RUN.sh"}))
    assert len(diff(canon(a), canon(b))) == 1


def test_bool_is_not_int() -> None:
    ops = diff({"properties": {"x": 1}}, {"properties": {"x": True}})
    assert [op.op for op in ops] == ["replace"]


def test_zones_are_a_set() -> None:
    a = {"name": "x", "zones": ["1", "2"]}
    assert diff(canon(a), canon({"name": "x", "zones": ["2", "1"]})) == []
    ops = diff(canon(a), canon({"name": "x", "zones": ["3", "1", "2"]}))
    assert [(op.op, join(op.path), op.after) for op in ops] == [("add", "/zones/2", "3")]


def test_diff_is_sorted_and_independent_of_key_order() -> None:
    a = {"name": "x", "tags": {"b": "1", "a": "1"}, "properties": {"z": 1, "y": 2}}
    b = {"name": "x", "tags": {"a": "2", "b": "2"}, "properties": {"y": 3, "z": 4}}
    reordered_b = {"properties": {"z": 4, "y": 3}, "tags": {"b": "2", "a": "2"}, "name": "x"}
    paths = [join(op.path) for op in diff(canon(a), canon(b))]
    assert paths == ["/properties/y", "/properties/z", "/tags/a", "/tags/b"]
    assert diff(canon(a), canon(b)) == diff(canon(a), canon(reordered_b))


def test_secret_absent_from_a_get_is_a_note_not_a_change() -> None:
    get = {"id": "/subscriptions/s/x", "name": "x",
           "properties": {"virtualMachineProfile": {"osProfile": {"adminUsername": "u"}}}}
    put = copy.deepcopy(get)
    del put["id"]
    put["properties"]["virtualMachineProfile"]["osProfile"]["adminPassword"] = "hunter2-secret"
    ops, notes = drop_unreturned(diff(canon(get), canon(put)), before_from_get=True, after_from_get=False)
    assert ops == []
    assert "adminPassword" in notes[0] and "hunter2" not in notes[0]


def test_equal_values_of_another_origin_are_no_change_and_a_boolean_is_not_a_number() -> None:
    written = {"name": "web", "properties": {"overprovision": False, "capacity": 2, "tags": ["a", "a"]}}
    parsed = json.loads(json.dumps(written))  # equal value, other string objects (not interned)
    assert diff(written, parsed) == []
    assert [(op.op, op.before, op.after) for op in diff({"capacity": 1}, {"capacity": True})] == [
        ("replace", 1, True)]
    assert diff({"capacity": 1}, {"capacity": 1.0}) == []  # one JSON number


def _disks(*luns: object) -> dict:
    return {"name": "x", "properties": {"virtualMachineProfile": {"storageProfile": {"dataDisks": [
        {"lun": lun, "createOption": "Empty", "diskSizeGB": 8} for lun in luns]}}}}


def test_a_lun_written_as_a_float_is_the_same_disk() -> None:
    """1 and 1.0 are one JSON number to the comparison, so they are one key too: otherwise
    the disks lose their identity and a reorder, or removing one disk, reads as the whole
    array replaced (found while building the DeepDiff oracle, tests/test_diff_oracle.py)."""
    assert diff(canon(_disks(0, 1)), canon(_disks(1, 0.0))) == []
    ops = diff(canon(_disks(0.0, 1)), canon(_disks(1)))
    assert [(op.op, join(op.path), op.display_path) for op in ops] == [
        ("remove", "/properties/virtualMachineProfile/storageProfile/dataDisks/0",
         "properties.virtualMachineProfile.storageProfile.dataDisks[0.0]")]
