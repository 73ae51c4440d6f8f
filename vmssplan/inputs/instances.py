"""Input: the VMs of a scale set, from an instance list.

:func:`load_instances` reads the VMs of a scale set from the parsed JSON of
``az vmss list-instances`` (``--expand instanceView`` adds power state and health), a REST
VM list (``{"value": [...], "nextLink"?}``), one VM's GET response, or one VM's instance
view (``GET .../virtualMachines/{id}/instanceView``). An azure-rest-api-specs example
wrapping one of those (``parameters`` + ``responses``) is read from its 200 response.
Flexible VMs listed by ``az vm list`` are read too. The rollout plan
(:mod:`vmssplan.plan.rollout`) takes the :class:`~vmssplan.model.VmInstance` list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from ..model import DocumentError, Finding, Severity, VmInstance, instance_sort_key, json_type_name
from .documents import Document

#: Rule id of an instance document whose shape is not recognised (error).
RULE_INSTANCE_SHAPE = "VAL050"
#: Rule id of an instance list that is one page of several (warning).
RULE_INSTANCE_PAGE = "VAL051"

_EXPECTED = ("expected the VMs of a scale set: `az vmss list-instances` output (a JSON array of VMs), a REST VM "
             "list ({\"value\": [...]}), one VM's GET response or one VM's instance view")



# --- loading ---------------------------------------------------------------------------


def _error(message: str, file: str, pointer: str) -> DocumentError:
    return DocumentError([Finding(RULE_INSTANCE_SHAPE, message, Severity.ERROR, file, pointer)])


def _is_scale_set(item: dict[str, Any]) -> bool:
    kind = item.get("type")
    if isinstance(kind, str) and kind.lower() == "microsoft.compute/virtualmachinescalesets":
        return True
    props = item.get("properties")
    envelope: dict[str, Any] = props if isinstance(props, dict) else item
    return "virtualMachineProfile" in envelope or "upgradePolicy" in envelope


def _is_scale_set_view(item: dict[str, Any]) -> bool:
    """The scale set's own instance view (``az vmss get-instance-view`` without an instance id)."""
    return "virtualMachine" in item or "orchestrationServices" in item


def _is_instance_view(item: dict[str, Any]) -> bool:
    """A bare VM instance view: statuses and placement, no identity or VM properties."""
    if item.keys() & {"instanceId", "id", "name", "properties", "latestModelApplied"} or _is_scale_set_view(item):
        return False
    return isinstance(item.get("statuses"), list) or bool(
        item.keys() & {"vmHealth", "platformUpdateDomain", "platformFaultDomain", "vmAgent"})


def _looks_like_vm(item: dict[str, Any]) -> bool:
    if _is_scale_set(item):
        return False
    raw = item.get("properties")
    props: dict[str, Any] = raw if isinstance(raw, dict) else {}
    return bool(item.keys() & {"instanceId", "latestModelApplied", "protectionPolicy", "vmId"}
                or props.keys() & {"latestModelApplied", "protectionPolicy", "vmId", "instanceView"}
                or _vm_id_parts(item.get("id")) != (None, None)
                or isinstance(item.get("name"), str))


def _vm_id_parts(rid: Any) -> tuple[str | None, str | None]:
    """(Uniform instance id, Flexible VM name) read from a VM's resource id."""
    if not isinstance(rid, str):
        return None, None
    parts = [p for p in rid.split("/") if p]
    lowered = [p.lower() for p in parts]
    if len(parts) >= 2 and lowered[-2] == "virtualmachines":
        if len(parts) >= 4 and lowered[-4] == "virtualmachinescalesets":
            return parts[-1], None
        if len(parts) >= 3 and lowered[-3] == "microsoft.compute":
            return None, parts[-1]
    return None, None


def _statuses_value(statuses: Any, prefix: str) -> str | None:
    if not isinstance(statuses, list):
        return None
    for status in statuses:
        code = status.get("code") if isinstance(status, dict) else None
        if isinstance(code, str) and code.lower().startswith(prefix.lower() + "/"):
            return code.split("/", 1)[1].lower()
    return None


def _health(view: dict[str, Any]) -> bool | None:
    state: str | None = None
    vm_health = view.get("vmHealth")
    if isinstance(vm_health, dict) and isinstance(vm_health.get("status"), dict):
        code = vm_health["status"].get("code")
        if isinstance(code, str) and "/" in code:
            state = code.split("/", 1)[1].lower()
    if state is None:
        state = _statuses_value(view.get("statuses"), "HealthState")
    return {"healthy": True, "unhealthy": False}.get(state) if state else None


def _power_state(item: dict[str, Any], view: dict[str, Any] | None) -> str | None:
    if view is not None:
        state = _statuses_value(view.get("statuses"), "PowerState")
        if state:
            return state
    text = item.get("powerState")  # `az vm list --show-details`: "VM running"
    if isinstance(text, str) and text.strip():
        words = text.strip().split()
        return words[-1].lower()
    return None


def _flag(policy: Any, key: str) -> bool:
    return isinstance(policy, dict) and policy.get(key) is True


def _zone(value: Any) -> str | None:
    if isinstance(value, list) and value and isinstance(value[0], (str, int)) and not isinstance(value[0], bool):
        return str(value[0])
    return None


def _read_vm(item: dict[str, Any], file: str, pointer: str, orchestration_mode: str | None,
             hint_id: str | None) -> VmInstance:
    """One VM object, REST-shaped (``properties`` envelope) or `az`-flattened."""
    props = item["properties"] if isinstance(item.get("properties"), dict) else item
    view = props.get("instanceView")
    if not isinstance(view, dict):
        view = item.get("instanceView") if isinstance(item.get("instanceView"), dict) else None
    name = item.get("name") if isinstance(item.get("name"), str) and item.get("name") else None
    uniform_id, flexible_name = _vm_id_parts(item.get("id"))
    raw_id = item.get("instanceId")
    if isinstance(raw_id, int) and not isinstance(raw_id, bool):
        raw_id = str(raw_id)
    instance_id: str | None = raw_id if isinstance(raw_id, str) and raw_id else None
    flexible = (orchestration_mode or "").lower() == "flexible" or (
        orchestration_mode is None and flexible_name is not None and instance_id is None)
    if flexible:
        instance_id = name or flexible_name or instance_id
    else:
        instance_id = instance_id or uniform_id or hint_id
        suffix = name.rsplit("_", 1)[1] if name and "_" in name else ""
        if instance_id is None and suffix.isascii() and suffix.isdigit():
            instance_id = suffix  # Uniform VMs are named {scale-set}_{instance id}
    if instance_id is None:
        raise _error("cannot tell which VM this is: expected an instanceId, an id ending in "
                     "/virtualMachineScaleSets/NAME/virtualMachines/ID, or a name (Uniform: NAME_ID; Flexible: the VM "
                     "name)", file, pointer)
    latest = props.get("latestModelApplied")
    policy = props.get("protectionPolicy")
    return VmInstance(
        instance_id=instance_id,
        name=name,
        latest_model_applied=latest if isinstance(latest, bool) else None,
        protected_from_scale_set_actions=_flag(policy, "protectFromScaleSetActions"),
        protected_from_scale_in=_flag(policy, "protectFromScaleIn"),
        zone=_zone(item.get("zones")),
        power_state=_power_state(props, view),
        healthy=_health(view) if view is not None else None,
    )


def _read_instance_view(view: dict[str, Any], file: str, pointer: str, hint_id: str | None) -> VmInstance:
    ident = hint_id
    if not ident:
        raise _error("this instance view does not say which VM it belongs to (no instance id): pass the instance id "
                     "with it, or use `az vmss list-instances --expand instanceView`, which names every VM",
                     file, pointer)
    return VmInstance(instance_id=ident, power_state=_power_state({}, view), healthy=_health(view))


def load_instances(data: Any, file: str, *, orchestration_mode: str | None = None, instance_id: str | None = None,
                   findings: list[Finding] | None = None) -> list[VmInstance]:
    """The VMs of a scale set from one parsed document, sorted by instance id.

    ``data`` is `az vmss list-instances` output, a REST VM list, one VM's GET response or
    one VM's instance view (or an azure-rest-api-specs example of any of them).
    ``orchestration_mode`` "Flexible" makes the VM name the instance id (it is, for
    Flexible); when not given, a VM whose id is a plain ``Microsoft.Compute/virtualMachines``
    id (``az vm list``) is taken to be Flexible. ``instance_id`` names the VM of a bare
    instance view, which does not carry its id (an API example's ``parameters.instanceId``
    is used otherwise). Warnings (a REST list that is one page of several: rule
    ``VAL051``) are appended to ``findings`` when a list is given.

    Raises :class:`DocumentError` (rule ``VAL050``, with the pointer of the offending
    part) for a shape that is none of these, a VM without identity, or a duplicate id.
    """
    base = ""
    hint = instance_id
    if isinstance(data, dict) and "responses" in data and isinstance(data.get("parameters"), dict):
        params = data["parameters"]
        param_id = params.get("instanceId")
        if hint is None and isinstance(param_id, str) and param_id:
            hint = param_id
        responses = data.get("responses")
        body = None
        if isinstance(responses, dict):
            for code in ("200", "201", "202"):
                response = responses.get(code)
                if isinstance(response, dict) and isinstance(response.get("body"), (dict, list)):
                    base, body = f"/responses/{code}/body", response["body"]
                    break
        if body is None:
            raise _error(f"API example has no 200 response body; {_EXPECTED}", file, "/responses")
        data = body

    items: list[tuple[str, Any]]
    if isinstance(data, list):
        items = [(f"{base}/{i}", x) for i, x in enumerate(data)]
        hint = None  # a list names its VMs itself
    elif isinstance(data, dict) and isinstance(data.get("value"), list):
        items = [(f"{base}/value/{i}", x) for i, x in enumerate(data["value"])]
        hint = None
        next_link = data.get("nextLink")
        if isinstance(next_link, str) and next_link and findings is not None:
            findings.append(Finding(
                RULE_INSTANCE_PAGE, "this VM list is one page of several (nextLink is set): the "
                f"{len(items)} VM{'' if len(items) == 1 else 's'} "
                "here are planned, the VMs on the other pages are not; `az vmss list-instances` follows nextLink "
                "itself", Severity.WARNING, file, f"{base}/nextLink"))
    elif isinstance(data, dict) and (_is_instance_view(data) or _looks_like_vm(data)):
        items = [(base, data)]
    elif isinstance(data, dict) and _is_scale_set(data):
        raise _error(f"this is a scale-set model, not its VMs; {_EXPECTED}", file, base)
    elif isinstance(data, dict) and _is_scale_set_view(data):
        raise _error("this is the scale set's instance view (`az vmss get-instance-view` without --instance-id): it "
                     f"counts VMs but does not list them; {_EXPECTED}", file, base)
    else:
        raise _error(f"{_EXPECTED}; found {json_type_name(data)}", file, base)

    found: dict[str, VmInstance] = {}
    for pointer, item in items:
        if not isinstance(item, dict):
            raise _error(f"expected a VM object here, found {json_type_name(item)}", file, pointer)
        if _is_instance_view(item):
            vm = _read_instance_view(item, file, pointer, hint)
        elif _is_scale_set(item):
            raise _error(f"this is a scale-set model, not a VM; {_EXPECTED}", file, pointer)
        elif _looks_like_vm(item):
            vm = _read_vm(item, file, pointer, orchestration_mode, hint)
        else:
            raise _error("expected a VM object (instanceId, id, name, latestModelApplied...) or an instance view "
                         f"(statuses...); found an object with keys {', '.join(sorted(item)[:8]) or '(none)'}",
                         file, pointer)
        if vm.instance_id in found:
            raise _error(f"VM {vm.instance_id!r} appears twice in the list", file, pointer)
        found[vm.instance_id] = vm
    return sorted(found.values(), key=lambda v: instance_sort_key(v.instance_id))


def merge_instances(*groups: Iterable[VmInstance]) -> list[VmInstance]:
    """Combine what several documents say about the same VMs (matched by instance id).

    A later document fills in what earlier ones leave ``None`` (an instance view adds the
    power state and health to a list entry); a protection flag set anywhere stays set.
    """
    merged: dict[str, VmInstance] = {}
    for group in groups:
        for vm in group:
            old = merged.get(vm.instance_id)
            if old is None:
                merged[vm.instance_id] = vm
                continue
            merged[vm.instance_id] = replace(
                old,
                name=old.name if old.name is not None else vm.name,
                latest_model_applied=(vm.latest_model_applied if vm.latest_model_applied is not None
                                      else old.latest_model_applied),
                protected_from_scale_set_actions=(old.protected_from_scale_set_actions
                                                  or vm.protected_from_scale_set_actions),
                protected_from_scale_in=old.protected_from_scale_in or vm.protected_from_scale_in,
                zone=old.zone if old.zone is not None else vm.zone,
                power_state=vm.power_state if vm.power_state is not None else old.power_state,
                healthy=vm.healthy if vm.healthy is not None else old.healthy,
            )
    return sorted(merged.values(), key=lambda v: instance_sort_key(v.instance_id))


def vms_of(docs: list[Document], orchestration_mode: str, findings: list[Finding]) -> list[VmInstance] | None:
    """The VMs the instance lists ``docs`` name, merged (warnings added to ``findings``);
    None, its findings added, when one of them is not the VMs of a scale set."""
    try:
        return merge_instances(*(load_instances(doc.data, doc.path, orchestration_mode=orchestration_mode,
                                                findings=findings) for doc in docs))
    except DocumentError as exc:
        findings += exc.findings
        return None


def usable_lists(docs: list[Document], updated_scale_sets: int) -> tuple[list[Document], list[Finding]]:
    """The instance lists a plan can use: they list the VMs of one scale set, so a plan
    with another number of scale sets present on both sides uses none (a VAL052 warning)."""
    if not docs or updated_scale_sets == 1:
        return docs, []
    return [], [Finding("VAL052", f"--instances lists the VMs of one scale set, but the plan has {updated_scale_sets} "
                                  "scale sets present on both sides; the lists are not used", Severity.WARNING,
                        file=docs[0].path, line=1, column=1)]
