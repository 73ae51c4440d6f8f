"""Stage: the per-VM rollout plan, when the scale set's VM list is known.

Two steps, each usable alone, on the VMs read by :mod:`vmssplan.inputs.instances`:

1. (reading, in :mod:`vmssplan.inputs.instances`) :func:`load_instances` reads the VMs of a
   scale set from the parsed JSON of ``az vmss list-instances`` (``--expand instanceView``
   adds power state and health), a REST VM list (``{"value": [...], "nextLink"?}``), one
   VM's GET response, or one VM's instance view (``GET .../virtualMachines/{id}/instanceView``).
   An azure-rest-api-specs example wrapping one of those (``parameters`` + ``responses``) is
   read from its 200 response. Flexible VMs listed by ``az vm list`` are read too.
2. :func:`plan_instances` gives every VM a verdict (none, upgrade, reimage, deallocate,
   skipped), says who does it, and for a platform-driven upgrade builds the batches Azure
   works through (:class:`RolloutInfo`).
3. :func:`commands_for` turns the verdicts into ``az`` commands with explicit instance ids.

The mechanics follow ``facts/vmss-properties.md``, "Upgrade-policy mechanics":

- the strongest VM-affecting effect of the changes (upgrade < reimage < deallocate)
  applies to every VM; VMs whose ``latestModelApplied`` is false are already behind the
  model and need an upgrade even when nothing else changes;
- ``protectFromScaleSetActions`` excludes a VM from upgrades, reimage and deallocate
  initiated on the scale set: it is reported, never planned, and stays on the old model;
- Automatic and Rolling upgrades are done by the platform; Manual upgrades, reimage
  (osProfile changes reach existing VMs only that way, whatever the policy) and
  deallocation are the user's;
- Rolling batches hold at most ``maxBatchInstancePercent`` of the scale set's VMs (at
  least one), never mix zones unless ``enableCrossZoneUpgrade``, take unhealthy VMs
  first with ``prioritizeUnhealthyInstances``, and are separated by
  ``pauseTimeBetweenBatches``; with ``maxSurge`` each batch first creates that many new
  VMs from the new model.

Azure decides the real batch composition (update domains, health at the time): the
batches here are one composition that honours every documented constraint, so the
sizes, counts, zone separation and pause total are what to rely on.

Like every stage, this module imports only :mod:`vmssplan.model`.
"""

from __future__ import annotations

import math
import re
import shlex
from typing import Any

from ..model import Change, Effect, InstancePlan, RolloutInfo, VmInstance, instance_sort_key

#: Power states after which a VM is not running; such a VM is not started again after a
#: deallocate-class change.
_NOT_RUNNING = frozenset({"deallocated", "deallocating", "stopped", "stopping"})

_VM_EFFECTS = (Effect.UPGRADE, Effect.REIMAGE, Effect.DEALLOCATE)



# --- policy values ---------------------------------------------------------------------


def _flag(policy: Any, key: str) -> bool:
    return isinstance(policy, dict) and policy.get(key) is True

_DURATION = re.compile(
    r"P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?",
    re.IGNORECASE)


def duration_seconds(text: str) -> int:
    """Seconds in an ISO 8601 duration of weeks, days, hours, minutes and seconds
    (``PT0S``, ``PT5M``, ``PT1H30M``, ``P1D``); fractional seconds round up.

    Years and months have no fixed length and are refused, as is anything else:
    :class:`ValueError`.
    """
    match = _DURATION.fullmatch(text.strip())
    if not match or not any(match.groupdict().values()) or text.strip().upper().endswith("T"):
        raise ValueError(f"not an ISO 8601 duration of days, hours, minutes and seconds: {text!r}")
    parts = {k: v for k, v in match.groupdict().items() if v}
    seconds = float(parts.get("seconds", "0").replace(",", "."))
    total = (int(parts.get("weeks", 0)) * 7 * 86400 + int(parts.get("days", 0)) * 86400
             + int(parts.get("hours", 0)) * 3600 + int(parts.get("minutes", 0)) * 60)
    return total + math.ceil(seconds)


def _properties(model: dict[str, Any]) -> dict[str, Any]:
    props = model.get("properties") if isinstance(model, dict) else None
    return props if isinstance(props, dict) else {}


def _upgrade_policy(model: dict[str, Any]) -> dict[str, Any]:
    policy = _properties(model).get("upgradePolicy")
    return policy if isinstance(policy, dict) else {}


def rolling_policy(model: dict[str, Any]) -> dict[str, Any]:
    """``properties.upgradePolicy.rollingUpgradePolicy`` of a canonical model ({} if absent)."""
    rolling = _upgrade_policy(model).get("rollingUpgradePolicy")
    return rolling if isinstance(rolling, dict) else {}


def _percent(policy: dict[str, Any], key: str, default: int, warnings: list[str]) -> int:
    value = policy.get(key, default)
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 100:
        return value
    warnings.append(f"rollingUpgradePolicy.{key} is not a percentage from 1 to 100 ({value!r}): planned with the "
                    f"default, {default}.")
    return default


def batch_size(count: int, percent: int) -> int:
    """VMs per rolling batch: ``maxBatchInstancePercent`` of the scale set, at least one."""
    return max(1, math.floor(count * percent / 100))


def _zone_key(zone: str | None) -> tuple[int, int, str]:
    if zone is None:
        return (2, 0, "")
    return instance_sort_key(zone)


def rolling_batches(vms: list[tuple[str, str | None, bool | None]], size: int, *, cross_zone: bool = False,
                    prioritize_unhealthy: bool = False) -> list[list[str]]:
    """Batches of at most ``size`` ids from ``(id, zone, healthy)`` triples, in the order given.

    Without ``cross_zone`` the batches go zone by zone and never mix zones (regional VMs,
    zone None, come last). With ``prioritize_unhealthy`` unhealthy VMs (healthy False) come
    first, and so do the zones that hold them.
    """
    if size < 1:
        raise ValueError("batch size must be at least 1")

    def first(vm: tuple[str, str | None, bool | None]) -> int:
        return 0 if prioritize_unhealthy and vm[2] is False else 1

    if cross_zone:
        groups = [sorted(vms, key=first)]  # sorted() is stable: the given order otherwise
    else:
        by_zone: dict[str | None, list[tuple[str, str | None, bool | None]]] = {}
        for vm in vms:
            by_zone.setdefault(vm[1], []).append(vm)
        zones = sorted(by_zone, key=lambda z: (min(first(vm) for vm in by_zone[z]), _zone_key(z)))
        groups = [sorted(by_zone[z], key=first) for z in zones]
    batches: list[list[str]] = []
    for group in groups:
        for start in range(0, len(group), size):
            batches.append([vm[0] for vm in group[start:start + size]])
    return batches


# --- planning --------------------------------------------------------------------------


def _sentence_list(ids: list[str], limit: int = 12) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def _vms(count: int) -> str:
    return f"{count} VM" if count == 1 else f"{count} VMs"


def _capacity_before(model: dict[str, Any], changes: list[Change]) -> int | None:
    for change in changes:
        if change.path == "/sku/capacity":
            value = change.before
            return value if isinstance(value, int) and not isinstance(value, bool) else None
    sku = model.get("sku") if isinstance(model, dict) else None
    value = sku.get("capacity") if isinstance(sku, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


_PROTECTED_NOTE = ("protected from scale-set actions: upgrade/reimage/deallocate initiated on the scale set skip it; "
                   "it stays on the old model")
_BEHIND_NOTE = "already behind the model (latestModelApplied false)"


def plan_instances(instances: list[VmInstance], changes: list[Change], upgrade_mode: str,
                   orchestration_mode: str, model: dict[str, Any]) -> tuple[list[InstancePlan], RolloutInfo]:
    """A verdict for every VM, and how the rollout goes as a whole.

    ``changes`` are the classified changes of the scale set; ``upgrade_mode`` and
    ``orchestration_mode`` those of the proposed scale set (``ScaleSet.upgrade_mode``...);
    ``model`` the proposed canonical model, for the rolling upgrade policy, overprovision
    and the automatic OS upgrade policy. The plans are :class:`~vmssplan.model.InstancePlan` objects, in the
    order of their instance ids (numeric ids numerically); for Flexible their ``instance_id`` is
    the VM name.
    """
    mode = upgrade_mode if upgrade_mode.lower() in ("automatic", "rolling", "manual") else "Manual"
    lowered = mode.lower()
    flexible = orchestration_mode.lower() == "flexible"
    info = RolloutInfo(upgrade_mode=upgrade_mode, orchestration_mode=orchestration_mode)
    if mode != upgrade_mode:
        info.warnings.append(f"The upgrade mode is {upgrade_mode!r}, not Automatic, Rolling or Manual (known only "
                             "after deployment?): planned as Manual. Under Automatic, Azure may upgrade every VM "
                             "at the same time.")

    rejected = [c for c in changes if c.effect is Effect.REJECTED]
    if rejected:
        info.warnings.append("Azure rejects this update (" + ", ".join(c.display_path for c in rejected) + "), so "
                             "none of its changes reach the VMs; only VMs already behind the model are planned.")
    vm_changes = [] if rejected else [c for c in changes if c.effect in _VM_EFFECTS]
    strongest = max((c.effect for c in vm_changes), default=None)
    reasons = [c.display_path for c in vm_changes]
    conditional = strongest is Effect.DEALLOCATE and all(
        c.conditional for c in vm_changes if c.effect is Effect.DEALLOCATE)
    unknown = [c.display_path for c in changes if c.effect is Effect.UNKNOWN]
    if unknown:
        info.warnings.append("Some changes cannot be judged offline (" + ", ".join(unknown) + "): the VMs may need "
                             "more than this plan says.")

    # The platform upgrades in Automatic and Rolling mode; reimage, deallocation, Manual
    # upgrades and VMs already behind the model (no new model to roll out) are the user's.
    platform = strongest is Effect.UPGRADE and lowered in ("automatic", "rolling")
    performed_by = "platform" if platform else "user"

    def ident_of(vm: VmInstance) -> str:
        return (vm.name or vm.instance_id) if flexible else vm.instance_id

    instances = sorted(instances, key=lambda v: instance_sort_key(ident_of(v)))
    plans: list[InstancePlan] = []
    for vm in instances:
        ident = ident_of(vm)
        behind = vm.latest_model_applied is False
        notes: list[str] = []
        if strongest is not None or behind:
            action = strongest.label if strongest is not None else "upgrade"
            if vm.protected_from_scale_set_actions:
                notes.append(_PROTECTED_NOTE)
                if behind:
                    notes.append(_BEHIND_NOTE)
                plans.append(InstancePlan(instance_id=ident, action="skipped", reasons=list(reasons), zone=vm.zone,
                                    note="; ".join(notes), performed_by="n/a", name=vm.name,
                                    power_state=vm.power_state))
                info.skipped.append(ident)
                continue
            who = performed_by if strongest is not None else "user"
            if behind:
                notes.append(_BEHIND_NOTE)
            if strongest is Effect.DEALLOCATE:
                if conditional:
                    notes.append("may need deallocation: try the upgrade first")
                if vm.power_state in _NOT_RUNNING:
                    notes.append(f"already {vm.power_state}: left that way after the upgrade")
            plans.append(InstancePlan(instance_id=ident, action=action, reasons=list(reasons), zone=vm.zone,
                                note="; ".join(notes), performed_by=who, name=vm.name, power_state=vm.power_state))
        else:
            note = "protected from scale-set actions" if vm.protected_from_scale_set_actions else ""
            plans.append(InstancePlan(instance_id=ident, action="none", zone=vm.zone, note=note, performed_by="n/a",
                                name=vm.name, power_state=vm.power_state))

    acting = [p for p in plans if p.action in ("upgrade", "reimage", "deallocate")]
    by_id = {p.instance_id: vm for p, vm in zip(plans, instances, strict=True)}
    info.performed_by = performed_by if acting else "n/a"
    policy = rolling_policy(model)
    _read_pause(policy, info)
    info.cross_zone = policy.get("enableCrossZoneUpgrade") is True
    info.prioritize_unhealthy = policy.get("prioritizeUnhealthyInstances") is True
    count = len(instances)

    if acting and performed_by == "platform" and lowered == "rolling":
        info.strategy = "rolling"
        percent = _percent(policy, "maxBatchInstancePercent", 20, info.warnings)
        info.batch_size = batch_size(count, percent)
        info.batches = rolling_batches([(p.instance_id, p.zone, by_id[p.instance_id].healthy) for p in acting],
                                       info.batch_size, cross_zone=info.cross_zone,
                                       prioritize_unhealthy=info.prioritize_unhealthy)
        info.max_surge = policy.get("maxSurge") is True
        _unhealthy_check(policy, instances, info)
    elif acting and performed_by == "platform":  # Automatic
        info.strategy = "all-at-once"
        info.batch_size = len(acting)
        info.batches = [[p.instance_id for p in acting]]
        info.warnings.append(f"Azure may upgrade all {_vms(len(acting))} at the same time: upgrade policy Automatic "
                             "gives no ordering or availability guarantee.")
    elif acting:
        info.strategy = "user"
        if len(acting) > 1:
            info.warnings.append(f"The commands act on all {len(acting)} VMs at once, so none serves while they run: "
                                 "give a few --instance-ids at a time to keep capacity.")
        if lowered in ("rolling", "automatic") and strongest is not None and strongest is not Effect.UPGRADE:
            info.notes.append(f"Azure also upgrades the VMs to the new model itself (upgrade policy {mode}); the "
                              f"{strongest.label} is still yours to run.")
    acting_by_id = {p.instance_id: p for p in acting}
    for number, batch in enumerate(info.batches, 1):
        for ident in batch:
            acting_by_id[ident].batch = number
    info.total_pause_seconds = max(0, len(info.batches) - 1) * info.pause_between_seconds

    _automatic_os_upgrade(model, plans, instances, policy, info, flexible)
    if info.max_surge and info.batch_size:
        size = info.batch_size
        info.surge_capacity = size
        sku = model.get("sku") if isinstance(model, dict) else None
        vm_size = sku.get("name") if isinstance(sku, dict) and isinstance(sku.get("name"), str) else "the VM size"
        info.notes.append(f"maxSurge: each batch first creates up to {_vms(size)} from the new model and then deletes "
                          f"the old ones (new instance ids): quota for {size} extra {vm_size} VMs, their IP addresses "
                          "and subnet space are needed at a time; if the quota check fails, Azure upgrades that batch "
                          "in place.")
        for plan in plans:
            if plan.batch is not None and plan.action == "upgrade":
                plan.note = "; ".join(filter(None, [plan.note, "replaced by a new VM (maxSurge)"]))
        overprovision = _properties(model).get("overprovision")
        if not flexible and overprovision is not False:
            info.warnings.append("maxSurge with overprovision " + ("true" if overprovision is True else
                                 "unset (true by default)") + ": overprovisioned extra VMs come on top of the surge, "
                                 "and Terraform requires overprovision=false with maxSurge.")

    if info.skipped:
        stay = "stays" if len(info.skipped) == 1 else "stay"
        info.warnings.append(f"{_vms(len(info.skipped))} protected from scale-set actions {stay} on the old model: "
                             f"{_sentence_list(info.skipped)}. Remove the protection (az vmss update --instance-id ID "
                             "--protect-from-scale-set-actions false) to include them.")
    expected = _capacity_before(model, changes)
    if expected is not None and expected != count:
        info.warnings.append(f"The instance list has {_vms(count)} but the scale set's capacity is {expected}: VMs "
                             "missing from the list are not planned (a list taken at another time, or one page of "
                             "several?).")
    return plans, info


def _read_pause(policy: dict[str, Any], info: RolloutInfo) -> None:
    pause = policy.get("pauseTimeBetweenBatches", "PT0S")
    if isinstance(pause, str):
        try:
            info.pause_between, info.pause_between_seconds = pause, duration_seconds(pause)
            return
        except ValueError:
            pass
    info.warnings.append(f"rollingUpgradePolicy.pauseTimeBetweenBatches is not an ISO 8601 duration ({pause!r}): "
                         "planned with the default, PT0S.")


def _unhealthy_check(policy: dict[str, Any], instances: list[VmInstance], info: RolloutInfo) -> None:
    unhealthy = [vm for vm in instances if vm.healthy is False]
    if not unhealthy or not instances:
        return
    limit = _percent(policy, "maxUnhealthyInstancePercent", 20, info.warnings)
    share = 100 * len(unhealthy) / len(instances)
    if share > limit:
        info.warnings.append(f"{_vms(len(unhealthy))} of {len(instances)} are unhealthy ({share:.0f}%), more than "
                             f"maxUnhealthyInstancePercent ({limit}%), which Azure checks before each batch: the "
                             "rolling upgrade is likely to stop.")


def _automatic_os_upgrade(model: dict[str, Any], plans: list[InstancePlan], instances: list[VmInstance],
                          policy: dict[str, Any], info: RolloutInfo, flexible: bool) -> None:
    """Batches of automatic OS image upgrades, which use the rolling policy, not the mode."""
    auto = _upgrade_policy(model).get("automaticOSUpgradePolicy")
    if not _flag(auto, "enableAutomaticOSUpgrade"):
        return
    if flexible:
        info.warnings.append("enableAutomaticOSUpgrade is set on a Flexible scale set, where image-based automatic "
                             "OS upgrades are not supported.")
        if policy.get("maxSurge") is True:
            info.warnings.append("maxSurge cannot be combined with automatic OS image upgrade on Flexible.")
        return
    eligible = [(p.instance_id, p.zone, vm.healthy) for p, vm in zip(plans, instances, strict=True)
                if not vm.protected_from_scale_set_actions]
    if not eligible:
        return
    use_policy = info.upgrade_mode.lower() == "rolling" or _flag(auto, "useRollingUpgradePolicy")
    source = policy if use_policy else {}
    percent = _percent(source, "maxBatchInstancePercent", 20, info.warnings)
    size = batch_size(len(instances), percent)
    info.os_upgrade_batches = rolling_batches(
        eligible, size, cross_zone=source.get("enableCrossZoneUpgrade") is True,
        prioritize_unhealthy=source.get("prioritizeUnhealthyInstances") is True)
    surge = " with maxSurge (new VMs replace old ones)" if source.get("maxSurge") is True else ""
    info.notes.append(f"Automatic OS image upgrade is on: when a new image version is published, Azure replaces OS "
                      f"disks in {len(info.os_upgrade_batches)} batches of at most {_vms(size)}{surge} ("
                      + ("rollingUpgradePolicy" if use_policy else "the default policy: 20% per batch") + ").")


# --- commands --------------------------------------------------------------------------


def commands_for(plans: list[InstancePlan], rollout: RolloutInfo, resource_group: str, scale_set: str) -> list[str]:
    """The ``az`` commands that carry out the per-VM plan, with explicit instance ids.

    Uniform: ``az vmss update-instances``, ``az vmss reimage``, ``az vmss deallocate`` /
    ``start`` with ``--instance-ids``. Flexible: VM names for ``update-instances``, and
    one ``az vm reimage|deallocate|start`` per VM (Flexible has no scale-set batch API for
    those; Microsoft's "orchestration modes API comparison" points to the single-VM APIs).
    Lines starting with ``#`` are comments. Every argument is quoted with
    :func:`shlex.quote`. Platform-driven upgrades need no command; a Rolling one gets the
    command to follow it.
    """
    flexible = rollout.orchestration_mode.lower() == "flexible"
    manual = rollout.upgrade_mode.lower() not in ("automatic", "rolling")
    q = shlex.quote
    target = f"--resource-group {q(resource_group)} --name {q(scale_set)}"
    lines: list[str] = []

    def vmss(verb: str, ids: list[str]) -> str:
        return f"az vmss {verb} {target} --instance-ids " + " ".join(q(i) for i in ids)

    def per_vm(verb: str, names: list[str]) -> list[str]:  # Flexible: instance ids are VM names
        return [f"az vm {verb} --resource-group {q(resource_group)} --name {q(n)}" for n in names]

    def action_ids(action: str, who: str | None = None) -> list[str]:
        return [p.instance_id for p in plans if p.action == action
                and (who is None or getattr(p, "performed_by", "user") == who)]

    upgrade_user = action_ids("upgrade", "user")
    upgrade_platform = action_ids("upgrade", "platform")
    reimage = action_ids("reimage")
    deallocate = action_ids("deallocate")

    if upgrade_platform and rollout.strategy == "rolling":
        lines.append(f"# Azure upgrades {_vms(len(upgrade_platform))} itself in {rollout.batch_count} rolling "
                     "batches; to follow it:")
        lines.append(f"az vmss rolling-upgrade get-latest {target}")
    elif upgrade_platform:
        lines.append(f"# Azure upgrades {_vms(len(upgrade_platform))} itself (upgrade policy "
                     f"{rollout.upgrade_mode}).")
    if upgrade_user:
        lines.append(vmss("update-instances", upgrade_user))
    if reimage:
        if manual:
            lines.append(vmss("update-instances", reimage))
        else:
            lines.append("# once Azure has upgraded them to the new model:")
        lines += per_vm("reimage", reimage) if flexible else [vmss("reimage", reimage)]
    if deallocate:
        restart = [p.instance_id for p in plans if p.action == "deallocate"
                   and getattr(p, "power_state", None) not in _NOT_RUNNING]
        lines += per_vm("deallocate", deallocate) if flexible else [vmss("deallocate", deallocate)]
        lines.append("# deploy the proposed definition, then:")
        lines.append(vmss("update-instances", deallocate))
        if restart:
            lines += per_vm("start", restart) if flexible else [vmss("start", restart)]
    if rollout.skipped and lines:
        lines.append(f"# left out, protected from scale-set actions: {' '.join(rollout.skipped)}")
    return lines
