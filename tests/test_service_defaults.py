"""Service defaults: the values Azure fills into a scale set when a PUT leaves them out are
data (schemas/service-defaults.json, learned from the REST examples by
scripts/learn_service_defaults.py), and a GET planned against the PUT body it came from is
no change."""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from conftest import CORPUS, REPO
from vmssplan import conditions, normalize, shape
from vmssplan.engine import RunConfig, plan_files
from vmssplan.model import DocumentKind, Effect, ScaleSetPlan, ScaleSetSource
from vmssplan.pointer import join, split
from whatif_results import reconciled as _reconciled

needs_corpus = pytest.mark.skipif(not (CORPUS / "rest-examples").is_dir(), reason="../shared/corpus is not present")
DATA = REPO / "schemas" / "service-defaults.json"


def learner() -> ModuleType:
    spec = importlib.util.spec_from_file_location("learn_service_defaults", REPO / "scripts" /
                                                  "learn_service_defaults.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def plan_of(tmp_path: Path, current: dict[str, Any], proposed: dict[str, Any]) -> ScaleSetPlan:
    (tmp_path / "current.json").write_text(json.dumps(current), encoding="utf-8")
    (tmp_path / "proposed.json").write_text(json.dumps(proposed), encoding="utf-8")
    result = plan_files(str(tmp_path / "current.json"), str(tmp_path / "proposed.json"),
                        RunConfig(locate_changes=False))
    assert result.plan is not None and len(result.plan.scale_sets) == 1, result.findings
    return result.plan.scale_sets[0]


# --- the data ---------------------------------------------------------------------------


@needs_corpus
def test_the_data_file_is_what_the_learner_derives_from_the_corpus() -> None:
    assert DATA.read_text(encoding="utf-8") == learner().render(CORPUS), \
        "schemas/service-defaults.json is out of date: run python scripts/learn_service_defaults.py"


def test_every_default_has_evidence_and_a_condition_the_evaluator_takes() -> None:
    entries = json.loads(DATA.read_text(encoding="utf-8"))["defaults"]
    assert entries and len(shape.service_defaults()) == len(entries)
    for entry in entries:
        assert entry["evidence"] and entry["since"] == min(entry["api_versions"]), entry["path"]
        assert split(entry["path"])[0] in ("properties", "sku", "zones", "identity"), entry["path"]
        if "when" in entry:
            assert conditions.condition_problems(entry["when"], conditions.MODEL) == [], entry["path"]


def test_a_default_seen_with_two_values_is_split_by_its_condition() -> None:
    """singlePlacementGroup: true in one zone or none, false across zones (each only where seen)."""
    by_path: dict[str, list[shape.ServiceDefault]] = {}
    for default in shape.service_defaults():
        by_path.setdefault(join(default.pattern), []).append(default)
    for path, defaults in by_path.items():
        if len(defaults) > 1:  # the conditions must exclude each other on a scale set with zones
            for zones in ([], ["1"], ["1", "2"]):
                model = {"zones": zones, "properties": {}} if zones else {"properties": {}}
                holding = [d for d in defaults if normalize._holds(d.when, model)]
                assert len(holding) <= 1, (path, zones)


# --- every request/response pair of the REST examples -------------------------------


@needs_corpus
def test_every_put_example_planned_against_its_response_is_a_no_op(tmp_path: Path) -> None:
    """Both directions, through the engine: the response is the GET as the service returns
    it (byte for byte), the request the PUT body with only the example's own inconsistencies
    settled. Without the defaults every pair would show changes."""
    module = learner()
    data = json.loads(DATA.read_text(encoding="utf-8"))
    left_out = {entry["path"] for entry in data["left_out"]}
    pairs, _ = module.read_pairs(CORPUS)
    assert len(pairs) == len(data["pairs"]) >= 50
    filled_somewhere = 0
    for pair in pairs:
        raw = json.loads((CORPUS / pair.file).read_text(encoding="utf-8-sig"))["responses"][pair.code]["body"]
        request = _reconciled(pair.request, pair.response, (), left_out)
        assert request != pair.response  # the service filled something in: the engine's part
        get, put = tmp_path / "get.json", tmp_path / "put.json"
        get.write_text(json.dumps(raw), encoding="utf-8")
        put.write_text(json.dumps(request), encoding="utf-8")
        for current, proposed in ((get, put), (put, get)):
            result = plan_files(str(current), str(proposed), RunConfig(locate_changes=False))
            assert result.plan is not None, (pair.file, result.findings)
            [scale_set] = result.plan.scale_sets
            assert [c.path for c in scale_set.changes] == [], (pair.file, pair.code, current.name)
            assert scale_set.action == "no-op", (pair.file, pair.code)
        filled_somewhere += 1
    assert filled_somewhere == len(pairs)


@needs_corpus
def test_without_the_defaults_the_same_pairs_are_noisy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The previous test is not vacuous: the defaults are what makes the pairs quiet."""
    module = learner()
    left_out = {e["path"] for e in json.loads(DATA.read_text(encoding="utf-8"))["left_out"]}
    monkeypatch.setattr(shape, "service_defaults", lambda: ())
    noisy = 0
    pairs = module.read_pairs(CORPUS)[0]
    for pair in pairs:
        raw = json.loads((CORPUS / pair.file).read_text(encoding="utf-8-sig"))["responses"][pair.code]["body"]
        scale_set = plan_of(tmp_path, raw, _reconciled(pair.request, pair.response, (), left_out))
        noisy += bool(scale_set.changes)
    assert noisy == len(pairs)


@needs_corpus
def test_the_raw_pairs_show_no_change_at_a_default(tmp_path: Path) -> None:
    """Unreconciled, a pair still shows the example's own inconsistencies, never a default."""
    module = learner()
    defaults = shape.service_defaults()
    for pair in module.read_pairs(CORPUS)[0]:
        example = json.loads((CORPUS / pair.file).read_text(encoding="utf-8-sig"))
        scale_set = plan_of(tmp_path, example["responses"][pair.code]["body"], example["parameters"]["parameters"])
        for change in scale_set.changes:
            assert not any(shape.matches(split(change.path), d.pattern) for d in defaults), (pair.file, change.path)


# --- by hand: what a default hides, and what it must not ----------------------------

NIC = "/properties/virtualMachineProfile/networkProfile/networkInterfaceConfigurations/0/properties"


def put_body(**properties: Any) -> dict[str, Any]:
    """A PUT body of a Windows scale set that leaves every default out."""
    body: dict[str, Any] = {
        "location": "westeurope", "sku": {"name": "Standard_D2s_v3", "capacity": 3},
        "properties": {
            "upgradePolicy": {"mode": "Manual"},
            "virtualMachineProfile": {
                "osProfile": {"computerNamePrefix": "web", "adminUsername": "azureuser"},
                "storageProfile": {
                    "imageReference": {"publisher": "MicrosoftWindowsServer", "offer": "WindowsServer",
                                       "sku": "2022-datacenter", "version": "latest"},
                    "dataDisks": [{"lun": 0, "createOption": "Empty", "diskSizeGB": 64}]},
                "networkProfile": {"networkInterfaceConfigurations": [{"name": "nic", "properties": {
                    "primary": True, "ipConfigurations": [{"name": "ip", "properties": {
                        "subnet": {"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/"
                                          "virtualNetworks/v/subnets/a"}}}]}}]}}}}
    body["properties"].update(properties)
    return body


def get_of(body: dict[str, Any]) -> dict[str, Any]:
    """What a GET of that scale set returns: the body with the service's defaults."""
    get = copy.deepcopy(body)
    get |= {"name": "web", "id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/"
                                 "virtualMachineScaleSets/web", "type": "Microsoft.Compute/virtualMachineScaleSets"}
    props = get["properties"]
    props.setdefault("singlePlacementGroup", True)
    props |= {"provisioningState": "Succeeded", "uniqueId": "u", "timeCreated": "2024-01-01T00:00:00Z"}
    vm = props["virtualMachineProfile"]
    vm["osProfile"].setdefault("windowsConfiguration", {})
    vm["osProfile"]["windowsConfiguration"] = {"provisionVMAgent": True, "enableAutomaticUpdates": True,
                                               **vm["osProfile"]["windowsConfiguration"]}
    for disk in vm["storageProfile"]["dataDisks"]:
        disk.setdefault("caching", "None")
        disk.setdefault("managedDisk", {"storageAccountType": "Standard_LRS"})
    nic = vm["networkProfile"]["networkInterfaceConfigurations"][0]["properties"]
    nic.setdefault("enableAcceleratedNetworking", False)
    nic["ipConfigurations"][0]["properties"].setdefault("privateIPAddressVersion", "IPv4")
    return get


def test_a_get_against_its_put_body_is_a_no_op_both_ways(tmp_path: Path) -> None:
    body = put_body()
    assert plan_of(tmp_path, get_of(body), body).changes == []
    assert plan_of(tmp_path, body, get_of(body)).changes == []


def test_the_default_is_filled_into_the_side_that_leaves_it_out() -> None:
    def scale_set(resource: dict[str, Any]) -> Any:
        return normalize.normalize(ScaleSetSource(name="web", resource=resource, file="f"), DocumentKind.REST_MODEL)

    body = put_body()
    current, proposed = scale_set(get_of(body)), scale_set(body)
    filled_current, filled_proposed = normalize.with_service_defaults(current, proposed)
    assert filled_current is current  # the side that holds the defaults is untouched
    windows = filled_proposed.model["properties"]["virtualMachineProfile"]["osProfile"]["windowsConfiguration"]
    assert windows == {"provisionVMAgent": True, "enableAutomaticUpdates": True}
    assert "windowsConfiguration" not in proposed.model["properties"]["virtualMachineProfile"]["osProfile"]


@pytest.mark.parametrize(("current", "proposed", "path", "effect"), [
    # A value set to something other than the default is a change, with its rule's verdict.
    (get_of(put_body()), put_body(singlePlacementGroup=False), "/properties/singlePlacementGroup", Effect.NONE),
    (put_body(), put_body(singlePlacementGroup=False), "/properties/singlePlacementGroup", Effect.UNKNOWN),
    (get_of(put_body(singlePlacementGroup=False)), put_body(singlePlacementGroup=True),
     "/properties/singlePlacementGroup", Effect.REJECTED),
    # Leaving out what the current side holds as a non-default value stays a change.
    (get_of(put_body(singlePlacementGroup=False)), put_body(), "/properties/singlePlacementGroup", Effect.UNKNOWN),
], ids=["default-to-other", "unset-to-other", "other-to-default", "other-left-out"])
def test_a_real_difference_still_shows(tmp_path: Path, current: dict[str, Any], proposed: dict[str, Any],
                                       path: str, effect: Effect) -> None:
    [change] = plan_of(tmp_path, current, proposed).changes
    assert (change.path, change.effect) == (path, effect)


def test_a_non_default_nic_and_disk_setting_is_a_change_with_its_rules_verdict(tmp_path: Path) -> None:
    body = put_body()
    proposed = copy.deepcopy(body)
    vm = proposed["properties"]["virtualMachineProfile"]
    vm["networkProfile"]["networkInterfaceConfigurations"][0]["properties"]["enableAcceleratedNetworking"] = True
    vm["storageProfile"]["dataDisks"][0]["caching"] = "ReadOnly"
    changes = plan_of(tmp_path, get_of(body), proposed).changes
    assert [(c.op, c.path, c.before, c.after, c.effect) for c in changes] == [
        # Turning accelerated networking on needs the VMs stopped (VMSS305).
        ("replace", f"{NIC}/enableAcceleratedNetworking", False, True, Effect.DEALLOCATE),
        ("replace", "/properties/virtualMachineProfile/storageProfile/dataDisks/0/caching", "None", "ReadOnly",
         Effect.UPGRADE),
    ]


def test_a_windows_default_left_out_while_the_get_holds_another_value_stays_a_change(tmp_path: Path) -> None:
    current = get_of(put_body())
    current["properties"]["virtualMachineProfile"]["osProfile"]["windowsConfiguration"]["enableAutomaticUpdates"] \
        = False
    [change] = plan_of(tmp_path, current, put_body()).changes
    assert (change.op, change.path, change.before) == (
        "remove", "/properties/virtualMachineProfile/osProfile/windowsConfiguration/enableAutomaticUpdates", False)
    assert change.effect >= Effect.REIMAGE


def test_a_default_applies_only_where_its_condition_holds(tmp_path: Path) -> None:
    # zoneBalance false is the default across zones, never seen for a single zone.
    across = put_body()
    across["zones"] = ["1", "2"]
    get = get_of(across)
    get["properties"]["zoneBalance"] = False
    get["properties"]["singlePlacementGroup"] = False
    assert plan_of(tmp_path, get, across).changes == []
    one_zone = put_body()
    one_zone["zones"] = ["1"]
    get = get_of(one_zone)
    get["properties"]["zoneBalance"] = False
    assert [c.path for c in plan_of(tmp_path, get, one_zone).changes] == ["/properties/zoneBalance"]
    # Seen only on Uniform scale sets: a Flexible one keeps the difference.
    flexible = put_body(orchestrationMode="Flexible")
    changes = plan_of(tmp_path, get_of(flexible), flexible).changes
    assert "/properties/singlePlacementGroup" in [c.path for c in changes]
    # A Linux scale set gets no Windows defaults.
    linux = put_body()
    linux["properties"]["virtualMachineProfile"]["osProfile"]["linuxConfiguration"] = {
        "ssh": {"publicKeys": []}, "disablePasswordAuthentication": True}
    get = get_of(linux)
    del get["properties"]["virtualMachineProfile"]["osProfile"]["windowsConfiguration"]
    assert plan_of(tmp_path, get, linux).changes == []
    get["properties"]["virtualMachineProfile"]["osProfile"]["windowsConfiguration"] = {"provisionVMAgent": True}
    assert "/properties/virtualMachineProfile/osProfile/windowsConfiguration" in [
        c.path for c in plan_of(tmp_path, get, linux).changes]


def test_a_created_scale_set_shows_what_was_written(tmp_path: Path) -> None:
    (tmp_path / "proposed.json").write_text(json.dumps(put_body()), encoding="utf-8")
    result = plan_files(None, str(tmp_path / "proposed.json"), RunConfig(locate_changes=False))
    assert result.plan is not None
    [scale_set] = result.plan.scale_sets
    assert scale_set.action == "create"
    assert "windowsConfiguration" not in json.dumps([c.path for c in scale_set.changes])


def test_a_template_that_omits_the_defaults_against_the_get_is_a_no_op(tmp_path: Path) -> None:
    body = put_body()
    resource = {"type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2024-03-01", "name": "web",
                **body}
    template = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                "contentVersion": "1.0.0.0", "resources": [resource]}
    assert plan_of(tmp_path, get_of(body), template).changes == []
    changed = copy.deepcopy(template)
    changed["resources"][0]["properties"]["virtualMachineProfile"]["osProfile"]["windowsConfiguration"] = {
        "provisionVMAgent": False}
    [change] = plan_of(tmp_path, get_of(body), changed).changes
    assert (change.path, change.before, change.after, change.effect) == (
        "/properties/virtualMachineProfile/osProfile/windowsConfiguration/provisionVMAgent", True, False,
        Effect.REJECTED)


# --- userData: a GET returns it only when asked for ---------------------------------------

USER_DATA = "/properties/virtualMachineProfile/userData"


@needs_corpus
def test_user_data_a_plain_get_does_not_return_is_a_note_not_a_removal(tmp_path: Path) -> None:
    """The REST example that creates a scale set with userData answers without it (a plain
    GET, ``az vmss show`` without ``--include-user-data``, answers the same). The PUT body and
    a template that set userData, planned against that answer, are a no-op with a note, both
    ways; the GET made with ``$expand=userData`` holds it, and there a difference is a change."""
    module = learner()
    left_out = {e["path"] for e in json.loads(DATA.read_text(encoding="utf-8"))["left_out"]}
    name = "rest-examples/2021-03-01/CreateOrUpdateAScaleSetWithUserData.json"
    [pair] = [p for p in module.read_pairs(CORPUS)[0] if p.file == name and p.code == "200"]
    example = json.loads((CORPUS / name).read_text(encoding="utf-8-sig"))
    answer = example["responses"][pair.code]["body"]
    user_data = example["parameters"]["parameters"]["properties"]["virtualMachineProfile"]["userData"]
    assert "userData" not in answer["properties"]["virtualMachineProfile"]  # the service does not echo it
    put = _reconciled(pair.request, pair.response, (), left_out)
    put["properties"]["virtualMachineProfile"]["userData"] = user_data
    resource = {"type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2021-03-01",
                "name": answer["name"], **put}
    template = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                "contentVersion": "1.0.0.0", "resources": [resource]}
    for current, proposed in ((answer, put), (put, answer), (answer, template)):
        scale_set = plan_of(tmp_path, current, proposed)
        assert (scale_set.action, [c.path for c in scale_set.changes]) == ("no-op", []), current is answer
        [note] = [n for n in scale_set.notes if "userData" in n]
        assert "$expand=userData" in note and user_data not in note

    expanded = json.loads((CORPUS / "rest-examples/2021-03-01/GetVirtualMachineScaleSetWithUserData.json")
                          .read_text(encoding="utf-8-sig"))
    assert expanded["parameters"]["expand"] == "userData"
    get = expanded["responses"]["200"]["body"]
    held = get["properties"]["virtualMachineProfile"]["userData"]
    other = copy.deepcopy(get)
    del other["id"]  # a PUT body: the same scale set, other userData
    other["properties"]["virtualMachineProfile"]["userData"] = "b3RoZXIgdXNlciBkYXRh"
    [change] = plan_of(tmp_path, get, other).changes
    assert (change.path, change.before, change.after, change.rule) == (USER_DATA, held, "b3RoZXIgdXNlciBkYXRh",
                                                                      "VMSS521")
    assert not [n for n in plan_of(tmp_path, get, other).notes if "userData" in n]
