"""Stage: the project configuration applied to classified changes and to findings.

Runs right after classification and before the plan is built, so the scale-set action,
the VM impact, every format and the exit code are computed from the decided effects and
always agree. After this stage nobody changes a verdict.

- An effect override (``effects: {VMSS201: upgrade}``) replaces the change's effect and
  says so in its message.
- An ignored or suppressed change (configuration ``ignore``/``select``, a suppression, or
  the resource's ``metadata.vmssplan.ignore``) stays in the plan, marked with the reason
  (``Change.suppressed``), and never counts towards ``--fail-on``: a plan that hid a
  change would not tell the truth.
- Ignored or suppressed *findings* are dropped; severity overrides apply to the rest.
- Every waiver that makes a verdict pass (a change that would count, an error finding)
  is recorded as a :class:`~vmssplan.model.Waiver`, and the plan lists them all: the
  configuration may waive, but never silently.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .model import Change, Effect, Finding, Severity, Waiver

if TYPE_CHECKING:
    from .config import Config, Suppression


def _longest_prefix(table: dict[str, Any], rule: str) -> Any:
    matches = [p for p in table if rule.startswith(p)]
    return table[max(matches, key=len)] if matches else None


def _active(config: Config, today: dt.date, notes: list[Finding]) -> list[Suppression]:
    """The suppressions still in force; an expired one is a warning in ``notes``."""
    active = []
    for suppression in config.suppressions:
        if suppression.expires is not None and suppression.expires < today:
            notes.append(Finding("CFG001", f"the suppression of {suppression.rule} ({suppression.reason}) expired on "
                                           f"{suppression.expires.isoformat()}: it no longer applies",
                                 Severity.WARNING, file=config.source or ""))
            continue
        active.append(suppression)
    return active


def decide_findings(findings: list[Finding], config: Config, today: dt.date | None = None,
                    waivers: list[Waiver] | None = None) -> list[Finding]:
    """Findings after select/ignore, severity overrides and suppressions (plus a warning
    for each expired suppression); an error dropped or lowered is added to ``waivers``."""
    notes: list[Finding] = []
    active = _active(config, today or dt.date.today(), notes)
    out = []
    source = config.source or "the configuration"
    for finding in findings:
        def waived(kind: str, now: str, reason: str = "", finding: Finding = finding) -> None:
            if waivers is not None and finding.severity is Severity.ERROR:
                waivers.append(Waiver(kind, finding.rule, source, finding.severity.label, now, reason,
                                      subject=finding.pointer or "", file=finding.file))

        if not config.selected(finding.rule):
            waived("ignore", "dropped")
            continue
        suppression = next((s for s in active if s.matches(finding.rule, path=finding.pointer, file=finding.file)),
                           None)
        if suppression is not None:
            waived("suppression", "dropped", suppression.reason)
            continue
        severity = _longest_prefix(config.severity, finding.rule)
        if severity is not None and severity is not Severity.ERROR:
            waived("severity", severity.label)
        out.append(replace(finding, severity=severity) if severity is not None else finding)
    return out + notes


def ignored_by_metadata(resource: dict[str, Any]) -> tuple[str, ...]:
    """Rule prefixes a template resource ignores: ``"metadata": {"vmssplan": {"ignore": [...]}}``
    (ARM JSON has no comments to hang a suppression on)."""
    metadata = resource.get("metadata")
    settings = metadata.get("vmssplan") if isinstance(metadata, dict) else None
    ignore = settings.get("ignore") if isinstance(settings, dict) else None
    return tuple(i for i in ignore if isinstance(i, str)) if isinstance(ignore, list) else ()


def decide_changes(changes: list[Change], config: Config, scale_set: str, file: str,
                   metadata_ignores: tuple[str, ...] = (), today: dt.date | None = None,
                   waivers: list[Waiver] | None = None) -> None:
    """Apply effect overrides and mark ignored and suppressed changes of one scale set, in
    place; each that makes a verdict pass is added to ``waivers``."""
    active = _active(config, today or dt.date.today(), [])  # expired ones are reported with the findings
    found: list[Waiver] = []
    for change in changes:
        override = _longest_prefix(config.effects, change.rule)
        if override is not None and override is not change.effect:
            if override < change.gate_effect:
                found.append(Waiver("effect", change.rule, config.source or "the configuration",
                                    change.gate_effect.label, override.label, scale_set=scale_set,
                                    subject=change.display_path, file=file))
            change.message += f" (Effect set to {override.label} by {config.source}.)"
            change.effect = override
        kind, reason = _suppression_reason(change, scale_set, file, config, active, metadata_ignores)
        if reason:
            change.suppressed = reason
            if change.gate_effect > Effect.NONE:
                by = "the resource's metadata.vmssplan" if kind == "metadata" else config.source or "the configuration"
                found.append(Waiver(kind, change.rule, by, change.gate_effect.label, "not counted",
                                    "" if kind in ("ignore", "metadata") else reason, scale_set, change.display_path,
                                    file))
    if waivers is not None:
        waivers += found


def accept_unknowns(changes: list[Change], accepted_by: str, waivers: list[Waiver] | None = None,
                    scale_set: str = "", file: str = "") -> None:
    """Mark the unknown changes that could be rejected as accepted by ``accepted_by`` (the
    configuration's ``accept-unknown`` or the option); with nobody accepting, the gate counts
    them as rejected. Each one accepted (and not already waived) is added to ``waivers``."""
    if not accepted_by:
        return
    for change in changes:
        if change.could_be_rejected:
            if waivers is not None and not change.suppressed and not change.accepted:
                waivers.append(Waiver("accept-unknown", change.rule, accepted_by, Effect.REJECTED.label,
                                      Effect.UNKNOWN.label, scale_set=scale_set, subject=change.display_path,
                                      file=file))
            change.accepted = accepted_by


def _suppression_reason(change: Change, scale_set: str, file: str, config: Config, active: list[Suppression],
                        local: tuple[str, ...]) -> tuple[str, str]:
    """(the kind of waiver: ignore, metadata or suppression; why the change does not count),
    or ("", "") when it counts."""
    if not config.selected(change.rule):
        return "ignore", f"rule {change.rule} is ignored by {config.source}"
    if any(change.rule.startswith(p) for p in local):
        return "metadata", f"rule {change.rule} is ignored by the resource's metadata.vmssplan"
    for suppression in active:
        if suppression.matches(change.rule, scale_set, change.path, file):
            until = f", until {suppression.expires.isoformat()}" if suppression.expires else ""
            return "suppression", f"suppressed: {suppression.reason}{until}"
    return "", ""
