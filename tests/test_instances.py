"""The per-VM rollout plan: reading instance lists, verdicts, rolling batches, commands."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import pytest

from vmssplan.inputs.instances import RULE_INSTANCE_PAGE, RULE_INSTANCE_SHAPE, load_instances, merge_instances
from vmssplan.model import Change, DocumentError, Effect, Finding, InstancePlan, RolloutInfo, Severity, VmInstance
from vmssplan.plan.rollout import batch_size, commands_for, duration_seconds, plan_instances, rolling_batches

DATA = Path(__file__).resolve().parent / "data" / "instances"

IMAGE = "properties.virtualMachineProfile.storageProfile.imageReference.version"
CUSTOM_DATA = "properties.virtualMachineProfile.osProfile.customData"
VM_SIZE = "sku.name"


def change(effect: Effect, display: str = IMAGE, conditional: bool = False) -> Change:
    path = "/" + display.replace(".", "/")
    return Change("replace", path, display, 1, 2, effect, "R", conditional=conditional)


def model(mode: str = "Manual", capacity: int | None = None, rolling: dict[str, Any] | None = None,
          **props: Any) -> dict[str, Any]:
    policy: dict[str, Any] = {"mode": mode}
    if rolling is not None:
        policy["rollingUpgradePolicy"] = rolling
    sku: dict[str, Any] = {"name": "Standard_D2s_v5"}
    if capacity is not None:
        sku["capacity"] = capacity
    return {"name": "web", "sku": sku, "properties": {"upgradePolicy": policy, **props}}


def vm(instance_id: str, zone: str | None = None, **kwargs: Any) -> VmInstance:
    return VmInstance(instance_id, f"web_{instance_id}", **{"latest_model_applied": True, **kwargs})


def ten_in_three_zones(**kwargs: Any) -> list[VmInstance]:
    """Ids 0..9; zone 1 holds 0,3,6,9, zone 2 holds 1,4,7, zone 3 holds 2,5,8."""
    return [VmInstance(str(i), f"web_{i}", True, zone=str(i % 3 + 1), **kwargs) for i in range(10)]


def who(plan: InstancePlan) -> str:
    assert isinstance(plan, InstancePlan)
    return plan.performed_by


def by_id(plans: list[InstancePlan]) -> dict[str, InstancePlan]:
    return {p.instance_id: p for p in plans}


# --- loading: the shared corpus ---------------------------------------------------------------------


def corpus_files(corpus: Path, tag: str) -> list[Path]:
    index = json.loads((corpus / "INDEX.json").read_text(encoding="utf-8"))
    return [corpus / e["file"] for e in index if tag in e.get("features", [])]


@pytest.mark.parametrize("tag", ["vmss-vms-list", "vmss-vm-get", "vmss-vm-get-instance-view"])
def test_every_corpus_instance_document_loads(corpus: Path, tag: str) -> None:
    files = corpus_files(corpus, tag)
    assert files, tag
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        vms = load_instances(data, path.name)
        assert vms and all(v.instance_id for v in vms), path.name
        body = data["responses"]["200"]["body"]  # the bare response loads the same way
        if tag != "vmss-vm-get-instance-view":  # a bare instance view does not say its id: see below
            assert load_instances(body, path.name) == vms


def test_corpus_latest_model_applied(corpus: Path) -> None:
    for path in corpus_files(corpus, "latestModelApplied"):
        data = json.loads(path.read_text(encoding="utf-8"))
        if "vmss-vm-update" in path.name.lower():
            continue
        vms = load_instances(data, path.name)
        assert all(v.latest_model_applied is True for v in vms), path.name


def test_corpus_rest_list_reads_protection_zone_and_warns_of_next_link(corpus: Path) -> None:
    path = corpus / "rest-examples/2024-03-01/VirtualMachineScaleSetVM_List_MaximumSet_Gen.json"
    if not path.is_file():
        pytest.skip("example absent")
    findings: list[Finding] = []
    [only] = load_instances(json.loads(path.read_text(encoding="utf-8")), path.name, findings=findings)
    assert only.protected_from_scale_set_actions and only.protected_from_scale_in
    assert only.zone == "a" and only.latest_model_applied is True
    assert only.power_state is None  # the generated statuses carry no PowerState/ code
    assert [(f.rule, f.severity, f.pointer) for f in findings] == [
        (RULE_INSTANCE_PAGE, Severity.WARNING, "/responses/200/body/nextLink")]


def test_corpus_minimum_list_takes_the_id_from_the_resource_id(corpus: Path) -> None:
    path = corpus / "rest-examples/2024-03-01/VirtualMachineScaleSetVM_List_MinimumSet_Gen.json"
    if not path.is_file():
        pytest.skip("example absent")
    [only] = load_instances(json.loads(path.read_text(encoding="utf-8")), path.name)
    assert only.instance_id == "0" and only.latest_model_applied is None


def test_corpus_instance_view_needs_its_instance_id(corpus: Path) -> None:
    path = (corpus / "rest-examples/2024-03-01"
            / "VirtualMachineScaleSetVM_Get_InstanceViewAutoPlacedOnDedicatedHostGroup.json")
    if not path.is_file():
        pytest.skip("example absent")
    example = json.loads(path.read_text(encoding="utf-8"))
    [from_example] = load_instances(example, path.name)  # parameters.instanceId names it
    assert (from_example.instance_id, from_example.power_state) == ("0", "running")
    body = example["responses"]["200"]["body"]
    with pytest.raises(DocumentError) as exc:
        load_instances(body, "view.json")
    [finding] = exc.value.findings
    assert finding.rule == RULE_INSTANCE_SHAPE and finding.file == "view.json" and finding.pointer == ""
    assert "instance id" in finding.message
    [given] = load_instances(body, "view.json", instance_id="4")
    assert given.instance_id == "4" and given.latest_model_applied is None


# --- loading: az shapes and errors ------------------------------------------------------------------


def test_az_list_instances_with_instance_view() -> None:
    vms = load_instances(json.loads((DATA / "az-list-instances.json").read_text()), "list.json")
    assert [v.instance_id for v in vms] == ["0", "1", "2", "3", "10"]  # numeric order
    got = {v.instance_id: v for v in vms}
    assert got["1"].protected_from_scale_set_actions and got["1"].protected_from_scale_in
    assert got["2"].latest_model_applied is False and got["2"].healthy is False
    assert got["0"].healthy is True and got["3"].healthy is None
    assert got["3"].power_state == "deallocated" and got["0"].power_state == "running"
    assert got["10"].zone == "2" and got["10"].name == "web-vmss_10"


def test_rest_shape_and_az_shape_agree() -> None:
    az = {"instanceId": "7", "name": "web_7", "latestModelApplied": False, "zones": ["3"],
          "protectionPolicy": {"protectFromScaleSetActions": True},
          "instanceView": {"statuses": [{"code": "PowerState/stopped"}],
                           "vmHealth": {"status": {"code": "HealthState/healthy"}}}}
    rest = {"instanceId": "7", "name": "web_7", "zones": ["3"],
            "properties": {"latestModelApplied": False, "protectionPolicy": {"protectFromScaleSetActions": True},
                           "instanceView": {"statuses": [{"code": "PowerState/stopped"}],
                                            "vmHealth": {"status": {"code": "HealthState/healthy"}}}}}
    assert load_instances([az], "a") == load_instances({"value": [rest]}, "b") == [
        VmInstance("7", "web_7", False, True, False, "3", "stopped", True)]


def test_single_vm_get_without_instance_id_uses_the_id_or_the_name() -> None:
    rid = ("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/web"
           "/virtualMachines/12")
    assert load_instances({"id": rid, "properties": {"latestModelApplied": True}}, "f")[0].instance_id == "12"
    assert load_instances({"name": "web_5", "properties": {}}, "f")[0].instance_id == "5"


def test_flexible_vms_are_named() -> None:
    vms = load_instances(json.loads((DATA / "az-vm-list-flexible.json").read_text()), "flex.json")
    assert [v.instance_id for v in vms] == ["flex-vmss_a1b2c3d4", "flex-vmss_b2c3d4e5"]
    assert all(v.power_state == "running" and v.latest_model_applied is None for v in vms)
    # told it is Flexible, a VMSS VM list entry is known by its name too
    [named] = load_instances([{"instanceId": "3", "name": "flex_0a1b2c3d"}], "f", orchestration_mode="Flexible")
    assert named.instance_id == "flex_0a1b2c3d"


@pytest.mark.parametrize("data, pointer, words", [
    ("text", "", "found a string"),
    ({"properties": {"virtualMachineProfile": {}}, "sku": {}}, "", "scale-set model"),
    ({"value": [{"instanceId": "0"}, 3]}, "/value/1", "found a number"),
    ([{"instanceId": "0"}, {"instanceId": "0"}], "/1", "appears twice"),
    ([{"latestModelApplied": True}], "/0", "cannot tell which VM"),
    ([{"foo": 1}], "/0", "keys foo"),
    ({"parameters": {}, "responses": {"404": {}}}, "/responses", "no 200 response"),
    ({"virtualMachine": {"statusesSummary": []}, "statuses": []}, "", "scale set's instance view"),
    ({"parameters": {}, "responses": {"200": {"body": {"value": [None]}}}}, "/responses/200/body/value/0",
     "found null"),
])
def test_unrecognised_shapes_are_located_findings(data: Any, pointer: str, words: str) -> None:
    with pytest.raises(DocumentError) as exc:
        load_instances(data, "in.json")
    [finding] = exc.value.findings
    assert (finding.rule, finding.file, finding.pointer, finding.severity) == (
        RULE_INSTANCE_SHAPE, "in.json", pointer, Severity.ERROR)
    assert words in finding.message


def test_empty_lists_are_empty_scale_sets() -> None:
    assert load_instances([], "f") == [] and load_instances({"value": []}, "f") == []


def test_merge_fills_in_from_an_instance_view() -> None:
    listed = [VmInstance("0", "web_0", False, zone="1"), VmInstance("1", "web_1", True)]
    view = [VmInstance("0", power_state="deallocated", healthy=False)]
    merged = merge_instances(listed, view)
    assert merged[0] == VmInstance("0", "web_0", False, False, False, "1", "deallocated", False)
    assert merged[1] == listed[1]


# --- verdicts ---------------------------------------------------------------------------------------


def test_manual_with_one_protected_and_one_stale_vm() -> None:
    vms = [vm("0"), vm("1", protected_from_scale_set_actions=True), vm("2", latest_model_applied=False), vm("3")]
    plans, info = plan_instances(vms, [change(Effect.UPGRADE)], "Manual", "Uniform", model(capacity=4))
    got = by_id(plans)
    assert [p.action for p in plans] == ["upgrade", "skipped", "upgrade", "upgrade"]
    assert all(p.reasons == [IMAGE] for p in plans)
    assert "protected from scale-set actions" in got["1"].note and "stays on the old model" in got["1"].note
    assert "already behind the model" in got["2"].note
    assert all(isinstance(p, InstancePlan) for p in plans)
    assert [who(p) for p in plans] == ["user", "n/a", "user", "user"]
    assert info.skipped == ["1"] and info.batches == [] and info.strategy == "user"
    assert any("stays on the old model: 1" in w for w in info.warnings)
    assert commands_for(plans, info, "web-rg", "web") == [
        "az vmss update-instances --resource-group web-rg --name web --instance-ids 0 2 3",
        "# left out, protected from scale-set actions: 1",
    ]


def test_vms_behind_the_model_need_an_upgrade_even_without_changes() -> None:
    vms = [vm("0"), vm("1", latest_model_applied=False), vm("2", latest_model_applied=False,
                                                           protected_from_scale_set_actions=True)]
    for mode in ("Manual", "Rolling", "Automatic"):
        plans, info = plan_instances(vms, [change(Effect.NONE, "tags.env")], mode, "Uniform", model(mode))
        assert [p.action for p in plans] == ["none", "upgrade", "skipped"], mode
        assert plans[1].reasons == [] and "already behind the model" in plans[1].note
        assert "already behind the model" in plans[2].note
        assert who(plans[1]) == "user" and info.batches == []
        assert commands_for(plans, info, "rg", "web")[0] == (
            "az vmss update-instances --resource-group rg --name web --instance-ids 1")
    plans, _ = plan_instances([vm("0")], [], "Manual", "Uniform", model())
    assert plans[0].action == "none" and commands_for(plans, _, "rg", "web") == []


def test_reimage_is_the_users_whatever_the_policy() -> None:
    changes = [change(Effect.UPGRADE), change(Effect.REIMAGE, CUSTOM_DATA)]
    for mode in ("Manual", "Rolling", "Automatic"):
        plans, info = plan_instances([vm("0"), vm("4")], changes, mode, "Uniform", model(mode))
        assert {p.action for p in plans} == {"reimage"} and info.performed_by == "user", mode
        assert plans[0].reasons == [IMAGE, CUSTOM_DATA] and info.batches == []
        commands = commands_for(plans, info, "rg", "web")
        assert commands[-1] == "az vmss reimage --resource-group rg --name web --instance-ids 0 4"
        if mode == "Manual":  # the VMs take the new model first, then the reimage applies it
            assert commands[0] == "az vmss update-instances --resource-group rg --name web --instance-ids 0 4"
        assert any("all 2 VMs at once" in w for w in info.warnings)


def test_deallocation_restarts_only_the_vms_that_were_running() -> None:
    vms = [vm("0", power_state="running"), vm("1", power_state="deallocated"), vm("2")]
    plans, info = plan_instances(vms, [change(Effect.UPGRADE), change(Effect.DEALLOCATE, VM_SIZE, True)],
                                 "Rolling", "Uniform", model("Rolling"))
    assert {p.action for p in plans} == {"deallocate"} and info.performed_by == "user"
    assert "may need deallocation" in plans[0].note and "already deallocated" in plans[1].note
    assert commands_for(plans, info, "rg", "web") == [
        "az vmss deallocate --resource-group rg --name web --instance-ids 0 1 2",
        "# deploy the proposed definition, then:",
        "az vmss update-instances --resource-group rg --name web --instance-ids 0 1 2",
        "az vmss start --resource-group rg --name web --instance-ids 0 2",
    ]


def test_a_rejected_update_reaches_no_vm() -> None:
    changes = [change(Effect.UPGRADE), change(Effect.REJECTED, "properties.platformFaultDomainCount")]
    plans, info = plan_instances([vm("0"), vm("1", latest_model_applied=False)], changes, "Manual", "Uniform", model())
    assert [p.action for p in plans] == ["none", "upgrade"]
    assert any("rejects" in w for w in info.warnings)


def test_unknown_changes_and_capacity_mismatch_are_warned() -> None:
    _, info = plan_instances([vm("0")], [change(Effect.UNKNOWN, "properties.foo")], "Manual", "Uniform",
                             model(capacity=3))
    assert any("properties.foo" in w for w in info.warnings)
    assert any("1 VM but the scale set's capacity is 3" in w for w in info.warnings)
    capacity = Change("replace", "/sku/capacity", "sku.capacity", 1, 3, Effect.NONE, "R")
    _, info = plan_instances([vm("0")], [capacity], "Manual", "Uniform", model(capacity=3))
    assert not any("capacity" in w for w in info.warnings)  # compared with the capacity before the change


# --- rolling ----------------------------------------------------------------------------------------


def test_rolling_ten_vms_in_three_zones_never_mix_zones() -> None:
    vms = ten_in_three_zones()
    plans, info = plan_instances(vms, [change(Effect.UPGRADE)], "Rolling", "Uniform", model("Rolling", 10))
    assert info.strategy == "rolling" and info.performed_by == "platform" and info.batch_size == 2
    assert info.batches == [["0", "3"], ["6", "9"], ["1", "4"], ["7"], ["2", "5"], ["8"]]
    zone = {v.instance_id: v.zone for v in vms}
    assert all(len({zone[i] for i in batch}) == 1 for batch in info.batches)
    got = by_id(plans)
    assert [got[i].batch for i in ("0", "9", "1", "7", "8")] == [1, 2, 3, 4, 6]
    assert all(who(p) == "platform" for p in plans)
    assert info.total_pause_seconds == 0 and info.pause_between == "PT0S"
    commands = commands_for(plans, info, "rg", "web")
    assert commands == ["# Azure upgrades 10 VMs itself in 6 rolling batches; to follow it:",
                        "az vmss rolling-upgrade get-latest --resource-group rg --name web"]


def test_rolling_cross_zone_batches_fill_up() -> None:
    vms = ten_in_three_zones()
    _, info = plan_instances(vms, [change(Effect.UPGRADE)], "Rolling", "Uniform",
                             model("Rolling", 10, {"enableCrossZoneUpgrade": True}))
    assert info.cross_zone and info.batches == [["0", "1"], ["2", "3"], ["4", "5"], ["6", "7"], ["8", "9"]]


def test_rolling_batch_size_is_a_percentage_of_the_scale_set_and_at_least_one() -> None:
    assert batch_size(10, 20) == 2 and batch_size(10, 30) == 3 and batch_size(4, 20) == 1 and batch_size(1, 5) == 1
    _, info = plan_instances(ten_in_three_zones(), [change(Effect.UPGRADE)], "Rolling", "Uniform",
                             model("Rolling", rolling={"maxBatchInstancePercent": 50, "enableCrossZoneUpgrade": True}))
    assert info.batch_size == 5 and len(info.batches) == 2
    # protected VMs are left out of the batches but count in N
    vms = [vm(str(i), protected_from_scale_set_actions=i < 5) for i in range(10)]
    plans, info = plan_instances(vms, [change(Effect.UPGRADE)], "Rolling", "Uniform", model("Rolling"))
    assert info.batch_size == 2 and info.batches == [["5", "6"], ["7", "8"], ["9"]]
    assert [p.batch for p in plans[:5]] == [None] * 5 and info.skipped == ["0", "1", "2", "3", "4"]
    _, info = plan_instances(ten_in_three_zones(), [change(Effect.UPGRADE)], "Rolling", "Uniform",
                             model("Rolling", rolling={"maxBatchInstancePercent": "lots"}))
    assert info.batch_size == 2 and any("maxBatchInstancePercent" in w for w in info.warnings)


def test_prioritize_unhealthy_instances() -> None:
    vms = [VmInstance(str(i), None, True, zone=str(i % 3 + 1), healthy=i not in (5, 7)) for i in range(10)]
    policy = {"prioritizeUnhealthyInstances": True, "enableCrossZoneUpgrade": True}
    _, info = plan_instances(vms, [change(Effect.UPGRADE)], "Rolling", "Uniform", model("Rolling", rolling=policy))
    assert info.prioritize_unhealthy and info.batches[0] == ["5", "7"]
    # zone by zone: the zones holding unhealthy VMs go first (5 is in zone 3, 7 in zone 2), them first within
    policy["enableCrossZoneUpgrade"] = False
    _, info = plan_instances(vms, [change(Effect.UPGRADE)], "Rolling", "Uniform", model("Rolling", rolling=policy))
    assert info.batches == [["7", "1"], ["4"], ["5", "2"], ["8"], ["0", "3"], ["6", "9"]]
    # without the flag, health does not reorder
    _, info = plan_instances(vms, [change(Effect.UPGRADE)], "Rolling", "Uniform", model("Rolling"))
    assert info.batches[0] == ["0", "3"]


def test_too_many_unhealthy_vms_warn_that_the_upgrade_may_stop() -> None:
    vms = [VmInstance(str(i), None, True, healthy=i > 2) for i in range(10)]
    _, info = plan_instances(vms, [change(Effect.UPGRADE)], "Rolling", "Uniform", model("Rolling"))
    assert any("3 VMs of 10 are unhealthy (30%)" in w for w in info.warnings)


def test_pause_total_is_between_batches() -> None:
    _, info = plan_instances(ten_in_three_zones(), [change(Effect.UPGRADE)], "Rolling", "Uniform",
                             model("Rolling", rolling={"pauseTimeBetweenBatches": "PT5M"}))
    assert len(info.batches) == 6 and info.pause_between == "PT5M" and info.pause_between_seconds == 300
    assert info.total_pause_seconds == 5 * 300
    _, info = plan_instances(ten_in_three_zones(), [change(Effect.UPGRADE)], "Rolling", "Uniform",
                             model("Rolling", rolling={"pauseTimeBetweenBatches": "five minutes"}))
    assert info.total_pause_seconds == 0 and any("pauseTimeBetweenBatches" in w for w in info.warnings)


@pytest.mark.parametrize("text, seconds", [("PT0S", 0), ("PT5M", 300), ("PT1H30M", 5400), ("P1D", 86400),
                                           ("P1DT2H", 93600), ("PT0.5S", 1), ("pt10s", 10), ("P1W", 604800)])
def test_iso_durations(text: str, seconds: int) -> None:
    assert duration_seconds(text) == seconds


@pytest.mark.parametrize("text", ["", "P", "PT", "P1M", "P1Y", "5M", "P1DT", "PT-1S"])
def test_bad_iso_durations(text: str) -> None:
    with pytest.raises(ValueError):
        duration_seconds(text)


def test_max_surge_needs_a_batch_of_extra_capacity() -> None:
    plans, info = plan_instances(ten_in_three_zones(), [change(Effect.UPGRADE)], "Rolling", "Uniform",
                                 model("Rolling", 10, {"maxSurge": True, "maxBatchInstancePercent": 30},
                                       overprovision=False))
    assert info.max_surge and info.batch_size == 3 and info.surge_capacity == 3
    assert any("3 extra Standard_D2s_v5 VMs" in n for n in info.notes)
    assert "replaced by a new VM (maxSurge)" in plans[0].note
    assert not any("overprovision" in w for w in info.warnings)
    for props in ({"overprovision": True}, {}):  # overprovision defaults to true
        _, info = plan_instances(ten_in_three_zones(), [change(Effect.UPGRADE)], "Rolling", "Uniform",
                                 model("Rolling", 10, {"maxSurge": True}, **props))
        assert any("maxSurge with overprovision" in w for w in info.warnings)
    _, info = plan_instances(ten_in_three_zones(), [change(Effect.UPGRADE)], "Rolling", "Uniform",
                             model("Rolling", 10, {"maxSurge": False}))
    assert not info.max_surge and info.surge_capacity is None


def test_automatic_warns_that_all_vms_may_go_at_once() -> None:
    vms = [vm("0"), vm("1"), vm("2", protected_from_scale_set_actions=True)]
    plans, info = plan_instances(vms, [change(Effect.UPGRADE)], "Automatic", "Uniform", model("Automatic"))
    assert info.strategy == "all-at-once" and info.performed_by == "platform"
    assert info.batches == [["0", "1"]] and [p.batch for p in plans] == [1, 1, None]
    assert any("Azure may upgrade all 2 VMs at the same time" in w for w in info.warnings)
    assert commands_for(plans, info, "rg", "web")[0].startswith("# Azure upgrades 2 VMs itself")


def test_automatic_os_upgrade_batches_follow_the_rolling_policy() -> None:
    auto = {"enableAutomaticOSUpgrade": True, "useRollingUpgradePolicy": True}
    m = model("Manual", rolling={"maxBatchInstancePercent": 50, "enableCrossZoneUpgrade": True})
    m["properties"]["upgradePolicy"]["automaticOSUpgradePolicy"] = auto
    _, info = plan_instances(ten_in_three_zones(), [], "Manual", "Uniform", m)
    assert info.batches == [] and info.os_upgrade_batches == [[str(i) for i in range(5)],
                                                              [str(i) for i in range(5, 10)]]
    assert any("Automatic OS image upgrade" in n for n in info.notes)
    auto["useRollingUpgradePolicy"] = False  # the default policy: 20%, zone by zone
    _, info = plan_instances(ten_in_three_zones(), [], "Manual", "Uniform", m)
    assert len(info.os_upgrade_batches) == 6


def test_unknown_upgrade_mode_is_planned_as_manual_with_a_warning() -> None:
    plans, info = plan_instances([vm("0")], [change(Effect.UPGRADE)], "unknown", "Uniform", model())
    assert who(plans[0]) == "user" and any("planned as Manual" in w for w in info.warnings)


# --- Flexible and commands ----------------------------------------------------------------------


def test_flexible_uses_vm_names() -> None:
    vms = load_instances(json.loads((DATA / "az-vm-list-flexible.json").read_text()), "flex.json")
    plans, info = plan_instances(vms, [change(Effect.UPGRADE)], "Manual", "Flexible", model())
    assert [p.instance_id for p in plans] == ["flex-vmss_a1b2c3d4", "flex-vmss_b2c3d4e5"]
    assert commands_for(plans, info, "web-rg", "flex-vmss") == [
        "az vmss update-instances --resource-group web-rg --name flex-vmss --instance-ids "
        + "flex-vmss_a1b2c3d4 flex-vmss_b2c3d4e5"]
    # a VMSS VM list entry with a numeric id still plans by name on Flexible
    plans, info = plan_instances([VmInstance("3", "flex_0a1b2c3d", True)], [change(Effect.REIMAGE, CUSTOM_DATA)],
                                 "Manual", "Flexible", model())
    assert commands_for(plans, info, "rg", "flex") == [
        "az vmss update-instances --resource-group rg --name flex --instance-ids flex_0a1b2c3d",
        "az vm reimage --resource-group rg --name flex_0a1b2c3d",
    ]


def test_flexible_deallocation_goes_vm_by_vm() -> None:
    vms = [VmInstance("flex_a", "flex_a", power_state="running"), VmInstance("flex_b", "flex_b", power_state="stopped")]
    plans, info = plan_instances(vms, [change(Effect.DEALLOCATE, VM_SIZE)], "Manual", "Flexible", model())
    assert commands_for(plans, info, "rg", "flex") == [
        "az vm deallocate --resource-group rg --name flex_a",
        "az vm deallocate --resource-group rg --name flex_b",
        "# deploy the proposed definition, then:",
        "az vmss update-instances --resource-group rg --name flex --instance-ids flex_a flex_b",
        "az vm start --resource-group rg --name flex_a",
    ]


def test_commands_are_shell_safe() -> None:
    vms = [VmInstance("web_$(rm -rf ~)", "web_$(rm -rf ~)", True), VmInstance("it's", "it's", True)]
    plans, info = plan_instances(vms, [change(Effect.REIMAGE, CUSTOM_DATA)], "Automatic", "Flexible", model())
    commands = commands_for(plans, info, "my rg; echo", "<scale-set>")
    for line in commands:
        if line.startswith("#"):
            continue
        words = shlex.split(line)
        assert "my rg; echo" in words and ("<scale-set>" in words or "--name" in words)
    assert "az vm reimage --resource-group 'my rg; echo' --name 'web_$(rm -rf ~)'" in commands
    assert any("'it'\"'\"'s'" in line for line in commands)


def test_rollout_info_defaults_are_a_quiet_plan() -> None:
    info = RolloutInfo("Manual", "Uniform")
    assert (info.strategy, info.batches, info.batch_count, info.warnings) == ("none", [], 0, [])
    assert rolling_batches([("a", "1", None), ("b", "2", None), ("c", "1", None)], 5) == [["a", "c"], ["b"]]
    assert rolling_batches([("a", None, None), ("b", "1", None)], 5) == [["b"], ["a"]]  # regional VMs last


def test_plans_do_not_depend_on_the_input_order() -> None:
    vms = ten_in_three_zones(healthy=True)
    forward = plan_instances(vms, [change(Effect.UPGRADE)], "Rolling", "Uniform", model("Rolling"))
    backward = plan_instances(vms[::-1], [change(Effect.UPGRADE)], "Rolling", "Uniform", model("Rolling"))
    assert forward == backward
    assert [p.instance_id for p in forward[0]] == [str(i) for i in range(10)]
