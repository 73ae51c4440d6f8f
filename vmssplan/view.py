"""Stage: the finished run as one structure, the only thing renderers see.

The view is the versioned JSON plan (or, for ``validate``, the findings document) with
every secret scrubbed, plus what several formats say and must say alike, computed once
here: the level of each change and finding, the headline verdict, the summary line and
the descriptions of the rules with a result. Renderers only format it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from . import __version__
from .model import (
    Change,
    Effect,
    Finding,
    Plan,
    Result,
    RolloutInfo,
    RuleDescription,
    ScaleSetPlan,
    Waiver,
    WhatIfResource,
)
from .secrets import scrub
from .shape import resource_group_of

FORMAT_VERSION = "1"

#: Effects, weakest to strongest (the order of :class:`vmssplan.model.Effect`).
EFFECTS = tuple(e.label for e in Effect)

Level = Literal["error", "warning", "note", "none"]

#: How loudly each effect is reported by the formats that have levels (SARIF, GitHub
#: annotations, JUnit failures): a change Azure rejects is an error; one that needs the
#: VMs reimaged or deallocated, or that cannot be judged offline, a warning.
CHANGE_LEVEL: dict[str, Level] = {
    "rejected": "error", "deallocate": "warning", "reimage": "warning", "unknown": "warning", "upgrade": "note",
    "none": "none",
}
FINDING_LEVEL: dict[str, Level] = {"error": "error", "warning": "warning", "info": "note"}


def change_level(change: dict[str, Any]) -> Level:
    if change.get("could_be_rejected") and not change.get("accepted"):
        return "error"  # fail closed: counted as a rejected change
    return CHANGE_LEVEL.get(change["effect"], "warning")


def finding_level(finding: dict[str, Any]) -> Level:
    return FINDING_LEVEL.get(finding["severity"], "warning")


def finding_description(rule_id: str) -> str:
    """What a finding rule checks, for SARIF ``rules``: the registry's title of a finding
    id (VAL..., CFG...), a generic one otherwise."""
    from .registry import finding_title

    title = finding_title(rule_id)
    if title is not None:
        return title
    if rule_id.startswith("LINT"):
        return f"Lint check {rule_id}: a cross-field problem in one scale set"
    if rule_id.startswith("VAL"):
        return f"Document check {rule_id}"
    return f"vmssplan check {rule_id}"


def effect_rank(effect: str) -> int:
    return EFFECTS.index(effect) if effect in EFFECTS else EFFECTS.index("unknown")


def effect_label(change: dict[str, Any]) -> str:
    """The effect as the plan says it: ``may deallocate`` for a conditional one."""
    effect = change["effect"]
    if change.get("could_be_rejected"):
        return "unknown, accepted" if change.get("accepted") else "unknown, could be rejected"
    if change.get("conditional") and effect != "none":
        return "may be rejected" if effect == "rejected" else f"may {effect}"
    return str(effect)


def change_message(change: dict[str, Any]) -> str:
    """``<display_path>: <effect>: <message>`` (SARIF, annotations, JUnit)."""
    return f"{change['display_path']}: {effect_label(change)}: {change['message']}"


def is_reported(change: dict[str, Any]) -> bool:
    """Changes worth an annotation: every effect but ``none`` (no VM is touched)."""
    effect: str = change["effect"]
    return effect != "none"


def is_real_file(name: str) -> bool:
    """``<stdin>``, ``<current.json + --set ...>`` and ``(none)`` name no file."""
    return bool(name) and not name.startswith(("<", "("))


def location_of(item: dict[str, Any]) -> tuple[str, int | None, int | None]:
    """(file, line, column) of a finding or a change; ("", None, None) when unknown or
    when the "file" is not one (standard input, an edited model, no file)."""
    if "location" in item:
        loc = item["location"] or {}
        file, line, column = loc.get("file") or "", loc.get("line"), loc.get("column")
    else:
        file, line, column = item.get("file") or "", item.get("line"), item.get("column")
    if not is_real_file(file):
        return "", None, None
    return file, line, column


# --- the JSON plan ---------------------------------------------------------------------


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    return {
        "rule": finding.rule, "severity": finding.severity.label, "message": finding.message,
        "file": finding.file, "line": finding.line, "column": finding.column, "pointer": finding.pointer,
    }


def change_to_dict(change: Change) -> dict[str, Any]:
    return {
        "op": change.op, "path": change.path, "display_path": change.display_path,
        "before": change.before, "after": change.after,
        "effect": change.effect.label, "conditional": change.conditional,
        "rule": change.rule, "title": change.title, "message": change.message,
        "sensitive": change.sensitive, "unknown_value": change.unknown_value, "evidence": change.evidence,
        "location": {"file": change.file, "line": change.line, "column": change.column} if change.file else None,
        "suppressed": change.suppressed or None,
        "could_be_rejected": change.could_be_rejected, "accepted": change.accepted or None,
    }


def rollout_to_dict(rollout: RolloutInfo) -> dict[str, Any]:
    return {
        "strategy": rollout.strategy, "performed_by": rollout.performed_by, "batches": rollout.batches,
        "batch_size": rollout.batch_size, "pause_between": rollout.pause_between,
        "total_pause_seconds": rollout.total_pause_seconds, "cross_zone": rollout.cross_zone,
        "prioritize_unhealthy": rollout.prioritize_unhealthy, "max_surge": rollout.max_surge,
        "surge_capacity": rollout.surge_capacity, "os_upgrade_batches": rollout.os_upgrade_batches,
        "skipped": rollout.skipped, "warnings": rollout.warnings, "notes": rollout.notes,
    }


def scale_set_to_dict(plan: ScaleSetPlan) -> dict[str, Any]:
    impact = plan.vm_impact
    return {
        "name": plan.name, "action": plan.action, "effect": plan.effect.label,
        "upgrade_mode": plan.upgrade_mode, "orchestration_mode": plan.orchestration_mode,
        "file": plan.file, "api_version": plan.api_version,
        "changes": [change_to_dict(c) for c in plan.changes],
        "instances": [
            {"instance_id": i.instance_id, "name": i.name, "action": i.action, "performed_by": i.performed_by,
             "reasons": i.reasons, "zone": i.zone, "batch": i.batch, "power_state": i.power_state, "note": i.note}
            for i in plan.instances
        ],
        "rollout": None if plan.rollout is None else rollout_to_dict(plan.rollout),
        "vm_impact": None if impact is None else {
            "action": impact.action, "count": impact.count, "performed_by": impact.performed_by,
            "summary": impact.summary, "commands": impact.commands, "warnings": impact.warnings,
        },
        "notes": plan.notes,
        **({"what_if": what_if_to_dict(plan.what_if)} if plan.what_if is not None else {}),
    }


def what_if_to_dict(what_if: WhatIfResource) -> dict[str, Any]:
    """What the what-if result said of a scale set, and which of its property changes were noise."""
    return {"change_type": what_if.change_type, "resource_id": what_if.resource_id,
            "property_changes": what_if.property_changes,
            "noise": [{"path": n.path, "change_type": n.change_type, "reason": n.reason} for n in what_if.noise]}


def what_if_summary(plan: Plan) -> dict[str, Any]:
    """The plan of a what-if result: its property changes on scale sets, how many were noise,
    and the resources that are not scale sets (listed, not planned)."""
    results = [s.what_if for s in plan.scale_sets if s.what_if is not None]
    return {"property_changes": sum(w.property_changes for w in results),
            "noise": sum(len(w.noise) for w in results),
            "other_resources": [{"resource_id": o.resource_id, "type": o.type, "change_type": o.change_type}
                                for o in plan.other_resources or []]}


def summary(plan: Plan) -> dict[str, Any]:
    actions = Counter(s.action for s in plan.scale_sets)
    effects = Counter(c.effect.label for s in plan.scale_sets for c in s.changes)
    return {
        "effect": plan.effect.label,
        "scale_sets": len(plan.scale_sets),
        "actions": {a: actions[a] for a in ("no-op", "update", "create", "delete", "rejected") if actions[a]},
        "changes": sum(effects.values()),
        "effects": {e.label: effects[e.label] for e in sorted(Effect, reverse=True) if effects[e.label]},
    }


def plan_to_dict(result: Result) -> dict[str, Any]:
    """The JSON plan of DESIGN.md (``-o json``), secrets not yet scrubbed."""
    plan = result.plan
    return {
        "format_version": FORMAT_VERSION,
        "tool": {"name": "vmssplan", "version": __version__},
        "current": plan.current_file if plan else None,
        "proposed": plan.proposed_file if plan else None,
        "summary": summary(plan) if plan else None,
        "scale_sets": [scale_set_to_dict(s) for s in plan.scale_sets] if plan else [],
        "findings": [finding_to_dict(f) for f in result.findings],
        **({"waivers": [waiver_to_dict(w) for w in result.waivers]} if result.waivers else {}),
        **({"what_if": what_if_summary(plan)} if plan is not None and plan.other_resources is not None else {}),
    }


def waiver_to_dict(waiver: Waiver) -> dict[str, Any]:
    return {"kind": waiver.kind, "rule": waiver.rule, "by": waiver.by, "from": waiver.was, "to": waiver.now,
            "reason": waiver.reason, "scale_set": waiver.scale_set, "subject": waiver.subject, "file": waiver.file}


_WAIVED = {"ignore": "ignored", "effect": "effect set", "suppression": "suppressed", "metadata": "ignored",
           "accept-unknown": "accepted", "severity": "severity set"}


def waiver_line(waiver: dict[str, Any]) -> str:
    """One waiver in words (text and Markdown): what would have counted, and who waived it."""
    if waiver["kind"] == "replaces":
        return f"{waiver['by']} replaces {waiver['rule']} ({waiver['file']})"
    where = ": ".join(part for part in (waiver["file"], waiver["scale_set"], waiver["subject"]) if part)
    reason = f" ({waiver['reason']})" if waiver["reason"] else ""
    how = _WAIVED.get(waiver["kind"], waiver["kind"])
    return (f"{waiver['rule']} {waiver['from']} -> {waiver['to']}, {how} by {waiver['by']}{reason}"
            + (f", at {where}" if where else ""))


def findings_to_dict(result: Result) -> dict[str, Any]:
    """The JSON document of ``vmssplan validate``, secrets not yet scrubbed."""
    errors = sum(1 for f in result.findings if f.severity.label == "error")
    return {"format_version": FORMAT_VERSION, "tool": {"name": "vmssplan", "version": __version__},
            "findings": [finding_to_dict(f) for f in result.findings],
            "summary": {"findings": len(result.findings), "errors": errors}}


# --- what several formats say alike -----------------------------------------------------


@dataclass(frozen=True)
class Need:
    """What one scale set's VMs need (``phrase``); ``scale_set`` names it when the plan has
    several, or when the phrase is about the scale set itself (``subject``: "web-vmss is
    not in the proposed definition")."""

    scale_set: str | None
    phrase: str
    subject: bool = False


@dataclass(frozen=True)
class Headline:
    """The verdict a reader sees first (the Markdown comment's first line).

    ``kind``: ``rejected`` (Azure would or may reject a change: ``paths``), ``errors`` (the
    documents have errors), ``attention`` (VMs need something: ``needs``), ``review``
    (changes that cannot be judged offline), ``created`` (only new scale sets: ``names``),
    ``no-vm-touched``, ``no-changes``; for a run without a plan: ``no-plan-errors``,
    ``no-errors`` (``validate``) or ``no-plan``.
    """

    kind: str
    errors: int = 0
    #: Display paths of the rejected changes (kind ``rejected``); ``maybe``: all conditional.
    paths: tuple[str, ...] = ()
    maybe: bool = False
    #: What the VMs need, scale set by scale set, in plan order.
    needs: tuple[Need, ...] = ()
    unknown: int = 0
    names: tuple[str, ...] = ()


_NEEDS = {"upgrade": "an upgrade", "reimage": "a reimage", "deallocate": "deallocation"}


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def vm_needs(scale_set: dict[str, Any]) -> list[str]:
    """What the existing VMs of one scale set need, as short phrases."""
    changes = scale_set["changes"]
    instances = scale_set["instances"]
    impact = scale_set.get("vm_impact") or {}
    if instances:
        counts = Counter(vm["action"] for vm in instances)
        phrases = []
        for vm_action in ("deallocate", "reimage", "upgrade"):
            if counts[vm_action]:
                verb = "needs" if counts[vm_action] == 1 else "need"
                phrases.append(f"{_plural(counts[vm_action], 'VM')} {verb} {_NEEDS[vm_action]}")
        if phrases and impact.get("performed_by") == "platform":
            phrases[-1] += " (Azure does it)"
        return phrases
    action = impact.get("action")
    if action not in _NEEDS:
        return []
    conditional = all(c["conditional"] for c in changes if c["effect"] == action)
    count = impact.get("count")
    who = "the VMs" if count is None else _plural(count, "VM")
    verb = "may need" if conditional else ("needs" if count == 1 else "need")
    phrase = f"{who} {verb} {_NEEDS[action]}"
    if impact.get("performed_by") == "platform":
        phrase += " (Azure does it)"
    return [phrase]


def headline(document: dict[str, Any]) -> Headline:
    """The verdict of a plan or findings document."""
    findings = document["findings"]
    errors = sum(1 for f in findings if f["severity"] == "error")
    summary_ = document.get("summary")
    if "scale_sets" not in document:
        return Headline("no-plan-errors" if errors else "no-errors", errors=errors)
    if summary_ is None:
        return Headline("no-plan-errors" if errors else "no-plan", errors=errors)
    scale_sets = document["scale_sets"]
    rejected = [c for s in scale_sets for c in s["changes"] if c["effect"] == "rejected"]
    if rejected:
        return Headline("rejected", errors=errors, paths=tuple(c["display_path"] for c in rejected),
                        maybe=all(c["conditional"] for c in rejected))
    if errors:
        return Headline("errors", errors=errors)
    needs: list[Need] = []
    for scale_set in scale_sets:
        if scale_set["action"] == "delete":
            needs.append(Need(scale_set["name"], "is not in the proposed definition (a complete-mode deployment "
                                                 "deletes it and its VMs)", subject=True))
            continue
        phrases = vm_needs(scale_set)
        if phrases and len(scale_sets) > 1:
            needs.append(Need(scale_set["name"], ", ".join(phrases)))
        else:
            needs += [Need(None, phrase) for phrase in phrases]
    unknown = summary_["effects"].get("unknown", 0)
    if needs:
        return Headline("attention", needs=tuple(needs), unknown=unknown)
    if unknown:
        return Headline("review", unknown=unknown)
    created = tuple(s["name"] for s in scale_sets if s["action"] == "create")
    if created:
        return Headline("created", names=created)
    return Headline("no-vm-touched" if summary_["changes"] else "no-changes")


def what_if_line(scale_set: dict[str, Any]) -> str | None:
    """``what-if: Modify in resource group web-rg, 12 property changes, 9 of them noise (7
    read-only, 2 service default)``: what what-if said of a scale set, for a plan of a
    what-if result."""
    what_if = scale_set.get("what_if")
    if what_if is None:
        return None
    total, noise = what_if["property_changes"], what_if["noise"]
    line = f"what-if: {what_if['change_type']}"
    group = resource_group_of(what_if["resource_id"])
    if group is not None:
        line += f" in resource group {group}"
    if total:
        line += f", {_plural(total, 'property change')}"
        if noise:
            kinds = Counter(n["reason"].split(":", 1)[0] for n in noise)
            counted = sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))
            line += (f", {'all' if len(noise) == total else len(noise)} of them noise ("
                     + ", ".join(f"{count} {kind}" for kind, count in counted) + ")")
    return line


def other_resources_line(document: dict[str, Any]) -> str | None:
    """``what-if also lists 3 resources that are not scale sets (2 Modify, 1 Create): not
    planned``, or None."""
    what_if = document.get("what_if")
    if not what_if or not what_if["other_resources"]:
        return None
    others = what_if["other_resources"]
    kinds = Counter(o["change_type"] for o in others)
    return (f"what-if also lists {_plural(len(others), 'resource')} that {'is' if len(others) == 1 else 'are'} not a "
            f"scale set ({', '.join(f'{n} {kind}' for kind, n in sorted(kinds.items()))}): not planned")


def summary_line(document: dict[str, Any]) -> str:
    """``Plan: 2 scale sets: 1 rejected, 1 unchanged. 1 change (1 rejected).``"""
    data = document["summary"]
    actions = data["actions"]
    parts = []
    for action, words in (("rejected", "rejected"), ("update", "to update"), ("create", "to create"),
                          ("delete", "to delete"), ("no-op", "unchanged")):
        if actions.get(action):
            parts.append(f"{actions[action]} {words}")
    sets = data["scale_sets"]
    head = f"{sets} scale set{'s' if sets != 1 else ''}" + (": " + ", ".join(parts) if parts else "")
    n = data["changes"]
    effects = ", ".join(f"{count} {name}" for name, count in data["effects"].items())
    tail = f"{n} change{'s' if n != 1 else ''}" + (f" ({effects})" if effects else "")
    return f"Plan: {head}. {tail}."


@dataclass(frozen=True)
class View:
    """A finished run, scrubbed, as every renderer sees it."""

    #: The JSON plan (``plan``) or the findings document (``validate``), exactly as ``-o json``.
    document: dict[str, Any]
    headline: Headline
    #: Rules that have a result, by id: change rules described by the rule set the plan
    #: was classified with; finding rules by the registry.
    rules: dict[str, RuleDescription] = field(default_factory=dict)

    @property
    def is_plan(self) -> bool:
        return "scale_sets" in self.document

    @property
    def findings(self) -> list[dict[str, Any]]:
        findings: list[dict[str, Any]] = self.document["findings"]
        return findings

    @property
    def scale_sets(self) -> list[dict[str, Any]]:
        scale_sets: list[dict[str, Any]] = self.document.get("scale_sets", [])
        return scale_sets

    @property
    def summary_line(self) -> str:
        return summary_line(self.document)

    def changes(self) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        """(scale set, change) in plan order."""
        for scale_set in self.scale_sets:
            for change in scale_set["changes"]:
                yield scale_set, change


def build_view(result: Result, *, plan: bool) -> View:
    """The view of a ``plan`` (``plan=True``) or ``validate`` run: built and scrubbed once."""
    document = scrub(plan_to_dict(result) if plan else findings_to_dict(result), result.secrets)
    ids = {f["rule"] for f in document["findings"]}
    ids |= {c["rule"] for s in document.get("scale_sets", []) for c in s["changes"]}
    rules = {rule_id: scrub_description(result.rules[rule_id], result.secrets)
             for rule_id in sorted(ids) if rule_id in result.rules}
    return View(document, headline(document), rules)


def scrub_description(rule: RuleDescription, secrets: set[str]) -> RuleDescription:
    """A user's rule file could quote a secret; scrubbed like everything else shown."""
    if not secrets:
        return rule
    return RuleDescription(rule.id, scrub(rule.title, secrets), scrub(rule.description, secrets),
                           scrub(rule.message, secrets), rule.effect, rule.confidence, scrub(rule.link, secrets))
