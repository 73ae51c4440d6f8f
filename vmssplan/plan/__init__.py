"""Stage: from classified changes to what happens to the scale set and its VMs.

Without an instance list the plan speaks of "all N VMs" (N = the current ``sku.capacity``):
new VMs always get the latest model, so only existing VMs need anything.
How a model change reaches existing VMs (facts, "Upgrade-policy mechanics"):

- Automatic: the platform upgrades every VM, possibly all at once.
- Rolling: the platform upgrades in batches of at most ``maxBatchInstancePercent``.
- Manual (the default): nothing happens until someone runs ``az vmss update-instances``.
- osProfile changes (reimage class) reach existing VMs only through a reimage, whatever
  the policy; deallocation-class changes need the VMs stopped (deallocated) first.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from .. import shape
from ..model import (
    Change,
    Effect,
    Finding,
    HiddenDeployment,
    InstancePlan,
    RolloutInfo,
    ScaleSet,
    ScaleSetPlan,
    Severity,
    VmImpact,
    VmInstance,
)
from . import rollout

_RESOURCE_GROUP_PLACEHOLDER = "<resource-group>"


def scale_set_action(before: ScaleSet | None, after: ScaleSet | None, changes: list[Change]) -> str:
    if before is None:
        return "create"
    if after is None:
        return "delete"
    if any(c.effect is Effect.REJECTED for c in changes):
        return "rejected"
    return "update" if changes else "no-op"


def resource_group(scale_set: ScaleSet | None) -> str:
    """The resource group, if the document says (REST id or `az` output); else a placeholder."""
    if scale_set is None:
        return _RESOURCE_GROUP_PLACEHOLDER
    resource = scale_set.source.resource
    group = resource.get("resourceGroup")
    if isinstance(group, str) and group:
        return group
    rid = resource.get("id")
    return (shape.resource_group_of(rid) if isinstance(rid, str) else None) or _RESOURCE_GROUP_PLACEHOLDER


def _shell_word(text: str) -> str:
    return text if text and all(c.isalnum() or c in "-_.<>" for c in text) else "'" + text.replace("'", "'\\''") + "'"


def _rolling_policy(model: dict[str, Any]) -> dict[str, Any]:
    policy = model.get("properties", {}).get("upgradePolicy", {})
    rolling = policy.get("rollingUpgradePolicy") if isinstance(policy, dict) else None
    return rolling if isinstance(rolling, dict) else {}


def _batch_size(count: int, model: dict[str, Any]) -> int:
    percent = _rolling_policy(model).get("maxBatchInstancePercent", 20)
    if not isinstance(percent, int) or isinstance(percent, bool) or not 1 <= percent <= 100:
        percent = 20
    return max(1, math.floor(count * percent / 100))


def vm_impact(before: ScaleSet | None, after: ScaleSet | None, changes: list[Change]) -> VmImpact:
    """What the existing VMs need, and the commands that get them there."""
    if before is None:
        count = after.capacity if after else None
        return VmImpact("create", count, "platform", f"{_vms(count, 'new')} will be created from the proposed model.")
    count = before.capacity
    name = _shell_word(before.name)
    group = _shell_word(resource_group(before))
    target = f"--resource-group {group} --name {name}"
    if after is None:
        return VmImpact("delete", count, "n/a", f"{_vms(count, 'all')} are deleted with the scale set.")
    rejected = [c for c in changes if c.effect is Effect.REJECTED]
    if rejected:
        return VmImpact(
            "recreate", count, "user",
            "Azure rejects this update, so no VM changes. Revert the rejected change, or recreate the scale "
            f"set with the proposed definition ({_vms(count, 'all')} are replaced).",
            commands=["# only if replacing every VM is acceptable:", f"az vmss delete {target}",
                      "# then deploy the proposed definition"],
        )
    strongest = max((c.effect for c in changes if c.effect in (Effect.UPGRADE, Effect.REIMAGE, Effect.DEALLOCATE)),
                    default=None)
    unknown = any(c.effect is Effect.UNKNOWN for c in changes)
    if strongest is None:
        summary = "No VM needs anything." if not unknown else (
            "No VM needs anything for the known changes; some changes cannot be judged offline (see above).")
        return VmImpact("none", count, "n/a", summary)

    mode = after.upgrade_mode
    conditional = all(c.conditional for c in changes if c.effect is strongest)
    commands: list[str] = []
    warnings: list[str] = []
    if strongest is Effect.DEALLOCATE:
        may = "may need" if conditional else "need"
        summary = (f"{_sentence(_vms(count, 'all'))} {may} to be deallocated: the change applies to a VM only "
                   "after it is stopped and started again.")
        commands = [f"az vmss deallocate {target}", "# deploy the proposed definition, then:",
                    f"az vmss update-instances {target} --instance-ids '*'", f"az vmss start {target}"]
        if conditional:
            warnings.append("Try the upgrade first; deallocate only if it fails to allocate the new size on the "
                            "current hardware.")
        return VmImpact("deallocate", count, "user", summary, commands, warnings)
    if strongest is Effect.REIMAGE:
        summary = (f"{_sentence(_vms(count, 'all'))} keep the old OS profile until they are reimaged: "
                   "osProfile changes reach existing VMs only by reimage, whatever the upgrade policy "
                   f"({mode}). Reimaging replaces the OS disk.")
        if mode.lower() == "manual":  # the VMs take the new model first, then the reimage applies it
            commands.append(f"az vmss update-instances {target} --instance-ids '*'")
        commands.append(f"az vmss reimage {target}")
        return VmImpact("reimage", count, "user", summary, commands, warnings)
    # upgrade
    lowered = mode.lower()
    if lowered == "automatic":
        summary = f"Azure upgrades {_vms(count, 'all')} itself (upgrade policy Automatic)."
        warnings.append("Automatic mode gives no ordering or availability guarantee: Azure may restart all VMs "
                        "at the same time.")
        return VmImpact("upgrade", count, "platform", summary, commands, warnings)
    if lowered == "rolling":
        if count:
            size = _batch_size(count, after.model)
            batches = math.ceil(count / size)
            summary = (f"Azure upgrades {_vms(count, 'all')} in rolling batches of at most {size} "
                       f"({batches} batch{'es' if batches != 1 else ''}).")
        else:
            summary = "Azure upgrades all VMs in rolling batches (upgrade policy Rolling)."
        return VmImpact("upgrade", count, "platform", summary, commands, warnings)
    summary = (f"{_sentence(_vms(count, 'all'))} stay on the old model until you upgrade them "
               "(upgrade policy Manual).")
    commands.append(f"az vmss update-instances {target} --instance-ids '*'")
    return VmImpact("upgrade", count, "user", summary, commands, warnings)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _vms(count: int | None, quantifier: str) -> str:
    if count is None:
        return f"{quantifier} VMs"
    noun = "VM" if count == 1 else "VMs"
    if quantifier == "all":
        return f"the {count} existing {noun}" if count != 1 else "the 1 existing VM"
    return f"{count} {quantifier} {noun}"


def _duration(seconds: int) -> str:
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return "".join(f"{v}{u}" for v, u in ((hours, "h"), (minutes, "m"), (secs, "s")) if v) or "0s"


def instance_impact(plans: list[InstancePlan], rollout: RolloutInfo, commands: list[str]) -> VmImpact:
    """The VM summary when an instance list says which VMs exist (see :mod:`vmssplan.rollout`)."""
    counts = Counter(p.action for p in plans)
    strongest = max((a for a in counts if a in _VM_ACTIONS), key=_VM_ACTIONS.index, default="none")
    parts = []
    for action, one, many in (("deallocate", "needs deallocation", "need deallocation"),
                              ("reimage", "needs a reimage", "need a reimage"),
                              ("upgrade", "needs an upgrade", "need an upgrade"),
                              ("skipped", "is protected and skipped", "are protected and skipped"),
                              ("none", "needs nothing", "need nothing")):
        if counts[action]:
            parts.append(f"{counts[action]} {one if counts[action] == 1 else many}")
    behind = sum(1 for p in plans if "behind" in p.note)
    summary = f"Of {len(plans)} VM{'s' if len(plans) != 1 else ''} in the instance list: " + ", ".join(parts) + "."
    if behind:
        summary += f" {behind} {'is' if behind == 1 else 'are'} already behind the model."
    if rollout.strategy == "rolling" and rollout.batches:
        summary += (f" Azure upgrades them in {rollout.batch_count} rolling batch"
                    f"{'es' if rollout.batch_count != 1 else ''} of at most {rollout.batch_size}"
                    + ("" if rollout.cross_zone else ", one zone at a time")
                    + (f", pausing {_duration(rollout.total_pause_seconds)} in all"
                       if rollout.total_pause_seconds else "")
                    + ".")
    if strongest == "reimage":
        summary += (" osProfile changes reach existing VMs only by reimage, whatever the upgrade policy "
                    f"({rollout.upgrade_mode}); reimaging replaces the OS disk.")
    if rollout.max_surge and rollout.surge_capacity:
        summary += (f" maxSurge: new VMs are built from the new model first, so up to {rollout.surge_capacity} "
                    "extra VMs (cores, IP addresses) are needed at a time.")
    return VmImpact(strongest, len(plans), rollout.performed_by, summary, commands,
                    list(rollout.warnings) + list(rollout.notes))


_VM_ACTIONS = ["none", "upgrade", "reimage", "deallocate"]


def unplannable(before: ScaleSet | None, after: ScaleSet | None, incomplete: tuple[bool, bool]) -> Finding | None:
    """A warning (VAL044) when a scale set is missing from a side that could not be
    evaluated whole (``incomplete``: current, proposed): it may be among what could not be
    expanded, so it is neither planned as created nor as deleted."""
    missing_side = 1 if after is None else 0 if before is None else None
    if missing_side is None or not incomplete[missing_side]:
        return None
    present = before or after
    assert present is not None
    side = ("current", "proposed")[missing_side]
    return Finding("VAL044", f"{present.name} is missing from the {side} side as evaluated, but resources there could "
                   "not be expanded or seen (a copy count refused or known only at deployment, a remote linked "
                   "template, a child resource): whether it is "
                   f"{'deleted' if missing_side else 'new'} cannot be told; not planned", Severity.WARNING,
                   file=present.source.file, pointer=present.source.pointer)


def hidden_findings(current: list[HiddenDeployment], proposed: list[HiddenDeployment],
                    accepted_by: str) -> list[Finding]:
    """What the plan says of deployments whose scale sets cannot be seen (VAL046): one the
    same on both sides (the same link, given the same values) deploys the same, so it is no
    change, and the plan says why; one that changed, or is new, or is gone could hide a
    rejected change: an error (fail closed) unless unknowns are accepted."""
    before = {item.key: item for item in current}
    after = {item.key: item for item in proposed}
    findings = []
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
        item = new or old
        assert item is not None
        if old is not None and new is not None and old.fingerprint == new.fingerprint:
            findings.append(Finding("VAL046", f"{item.what} is unchanged, as are the values it is given: the scale "
                                    f"sets it may deploy are taken as unchanged, not seen ({item.reason})",
                                    Severity.INFO, file=item.file, pointer=item.pointer))
            continue
        how = "is new" if old is None else "is gone" if new is None else "changed, or the values it is given did"
        findings.append(Finding("VAL046", f"{item.what} {how}: the scale sets it may deploy cannot be seen "
                                f"({item.reason}), so the change is unknown and could be rejected"
                                f"{_accepted(accepted_by)}", Severity.WARNING if accepted_by else Severity.ERROR,
                                file=item.file, pointer=item.pointer))
    return findings


def _accepted(accepted_by: str) -> str:
    return f"; accepted by {accepted_by}" if accepted_by else (
        "; the check fails as for a rejected change unless unknowns are accepted (accept-unknown)")


def unseen_finding(what: str, why: str, accepted_by: str, file: str, pointer: str) -> Finding:
    """VAL046 for a scale set of a what-if result that cannot be seen (what-if could not
    predict it, or its result holds no resource): whether it changes, and how, is unknown."""
    return Finding("VAL046", f"{what} cannot be seen ({why}): whether a scale set changes, and how, is unknown, "
                   f"and could be rejected{_accepted(accepted_by)}",
                   Severity.WARNING if accepted_by else Severity.ERROR, file=file, pointer=pointer)


def plan_scale_set(before: ScaleSet | None, after: ScaleSet | None, changes: list[Change],
                   notes: list[str], vms: list[VmInstance] | None = None) -> ScaleSetPlan:
    """What happens to a scale set and its VMs. With ``vms`` (from an instance list, for a
    scale set on both sides) the plan is VM by VM, in the platform's batches
    (:mod:`.rollout`); without, it speaks of all the VMs the capacity counts."""
    subject = after or before
    assert subject is not None
    instance_plans: list[InstancePlan] | None = None
    rollout_info: RolloutInfo | None = None
    if vms is not None and before is not None and after is not None:
        instance_plans, rollout_info = rollout.plan_instances(vms, changes, after.upgrade_mode,
                                                              after.orchestration_mode, after.model)
    rejected = any(c.effect is Effect.REJECTED for c in changes)
    if instance_plans is not None and rollout_info is not None and not rejected:
        assert before is not None
        commands = rollout.commands_for(instance_plans, rollout_info, resource_group(before), before.name)
        impact = instance_impact(instance_plans, rollout_info, commands)
    else:
        impact = vm_impact(before, after, changes)
    return ScaleSetPlan(
        name=subject.name,
        action=scale_set_action(before, after, changes),
        upgrade_mode=subject.upgrade_mode,
        orchestration_mode=subject.orchestration_mode,
        file=subject.source.file,
        changes=changes,  # in patch order: valid RFC 6902 order, sorted by path
        vm_impact=impact,
        instances=instance_plans or [],
        rollout=rollout_info,
        notes=notes,
        api_version=subject.source.api_version,
    )
