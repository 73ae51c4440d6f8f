"""What the plan says about VMs: per upgrade policy, per effect, with commands."""

from __future__ import annotations

from pathlib import Path

from conftest import EXAMPLES
from vmssplan.model import Change, Effect, ScaleSet, ScaleSetSource
from vmssplan.plan import plan_scale_set, resource_group, vm_impact


def scale_set(mode: str = "Manual", capacity: int = 10, rolling: dict | None = None, **resource: object) -> ScaleSet:
    policy: dict = {"mode": mode}
    if rolling:
        policy["rollingUpgradePolicy"] = rolling
    model = {"name": "web", "sku": {"name": "Standard_D2s_v5", "capacity": capacity},
             "properties": {"upgradePolicy": policy}}
    return ScaleSet("web", model, ScaleSetSource("web", {**model, **resource}, "x.json"))


def change(effect: Effect, conditional: bool = False) -> Change:
    return Change("replace", "/x", "x", 1, 2, effect, "R", conditional=conditional)


def test_manual_upgrade_is_the_users_job() -> None:
    impact = vm_impact(scale_set(), scale_set(), [change(Effect.UPGRADE)])
    assert (impact.action, impact.count, impact.performed_by) == ("upgrade", 10, "user")
    assert impact.commands == ["az vmss update-instances --resource-group <resource-group> --name web "
                               "--instance-ids '*'"]


def test_rolling_upgrade_batches_follow_max_batch_percent() -> None:
    impact = vm_impact(scale_set(), scale_set("Rolling", rolling={"maxBatchInstancePercent": 30}),
                       [change(Effect.UPGRADE)])
    assert impact.performed_by == "platform"
    assert "batches of at most 3 (4 batches)" in impact.summary
    small = vm_impact(scale_set(capacity=2), scale_set("Rolling", capacity=2), [change(Effect.UPGRADE)])
    assert "batches of at most 1 (2 batches)" in small.summary  # at least one VM per batch


def test_automatic_upgrade_warns_that_all_vms_may_restart() -> None:
    impact = vm_impact(scale_set(), scale_set("Automatic"), [change(Effect.UPGRADE)])
    assert impact.performed_by == "platform" and "all VMs" in impact.warnings[0]


def test_reimage_is_needed_whatever_the_policy() -> None:
    for mode in ("Automatic", "Rolling", "Manual"):
        impact = vm_impact(scale_set(mode), scale_set(mode), [change(Effect.REIMAGE)])
        assert impact.action == "reimage" and impact.performed_by == "user"
        assert impact.commands[-1].startswith("az vmss reimage")


def test_conditional_deallocation_says_may() -> None:
    impact = vm_impact(scale_set(), scale_set(), [change(Effect.DEALLOCATE, conditional=True)])
    assert "may need to be deallocated" in impact.summary
    assert impact.commands[0].startswith("az vmss deallocate") and impact.commands[-1].startswith("az vmss start")


def test_rejected_means_recreate_and_no_vm_changes() -> None:
    plan = plan_scale_set(scale_set(), scale_set(), [change(Effect.UPGRADE), change(Effect.REJECTED)], [])
    assert plan.action == "rejected" and plan.vm_impact is not None
    assert plan.vm_impact.action == "recreate" and "no VM changes" in plan.vm_impact.summary


def test_create_delete_and_no_op() -> None:
    assert plan_scale_set(None, scale_set(), [], []).action == "create"
    assert plan_scale_set(scale_set(), None, [], []).action == "delete"
    no_op = plan_scale_set(scale_set(), scale_set(), [], [])
    assert no_op.action == "no-op" and no_op.vm_impact is not None and no_op.vm_impact.action == "none"


def test_resource_group_from_id_or_az_output() -> None:
    rid = "/subscriptions/s/resourceGroups/my-rg/providers/Microsoft.Compute/virtualMachineScaleSets/web"
    assert resource_group(scale_set(id=rid)) == "my-rg"
    assert resource_group(scale_set(resourceGroup="az-rg")) == "az-rg"
    assert resource_group(scale_set()) == "<resource-group>"


def test_a_put_body_without_a_name_pairs_with_the_one_scale_set_of_the_other_side(tmp_path: Path) -> None:
    """A PUT body has no `name` (it is in the URL): planned against its own GET it is the
    same scale set, a no-op named after the GET, not "delete + create"; a change in it is
    planned as an update of that scale set."""
    import json

    from vmssplan.engine import plan_files

    get = EXAMPLES / "os-image-version" / "current.json"
    body = json.loads(get.read_text(encoding="utf-8"))
    for key in ("name", "id", "etag"):
        body.pop(key, None)
    (tmp_path / "put.json").write_text(json.dumps(body), encoding="utf-8")
    result = plan_files(str(get), str(tmp_path / "put.json"))
    assert result.plan is not None
    assert [(s.name, s.action) for s in result.plan.scale_sets] == [("web-vmss", "no-op")]
    body["properties"]["overprovision"] = not body["properties"].get("overprovision", True)
    (tmp_path / "put.json").write_text(json.dumps(body), encoding="utf-8")
    plan = plan_files(str(get), str(tmp_path / "put.json")).plan
    assert plan is not None and [(s.name, s.action) for s in plan.scale_sets] == [("web-vmss", "update")]
    assert [c.path for c in plan.scale_sets[0].changes] == ["/properties/overprovision"]
