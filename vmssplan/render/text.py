"""The terminal view: a plan people read at a glance, in the idiom of Terraform and what-if.

It formats the same structures as the JSON plan and adds nothing of its own. Colour is
the caller's decision (a terminal, and ``NO_COLOR`` unset).
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

from ..engine import Result
from ..model import Change, Effect, Finding, ScaleSetPlan, Severity
from .json_output import summary

_RESET = "\033[0m"
_STYLES = {
    "bold": "\033[1m", "dim": "\033[2m", "red": "\033[31m", "green": "\033[32m", "yellow": "\033[33m",
    "blue": "\033[34m", "magenta": "\033[35m", "cyan": "\033[36m",
}
_EFFECT_STYLE = {
    Effect.NONE: "green", Effect.UNKNOWN: "cyan", Effect.UPGRADE: "yellow", Effect.REIMAGE: "magenta",
    Effect.DEALLOCATE: "magenta", Effect.REJECTED: "red",
}
_OP_STYLE = {"add": "green", "remove": "red", "replace": "yellow"}
_ACTION_HEAD = {
    "no-op": ("=", "green", "no changes"),
    "update": ("~", "yellow", "will be updated in place"),
    "create": ("+", "green", "will be created"),
    "delete": ("-", "red", "is not in the proposed definition (deleted only by a complete-mode deployment)"),
    "rejected": ("-/+", "red", "cannot be updated: Azure rejects the change; it must be recreated"),
}
_WIDTH = 100
_INLINE = 60


class _Painter:
    def __init__(self, color: bool):
        self.color = color

    def __call__(self, text: str, *styles: str) -> str:
        if not self.color or not styles:
            return text
        return "".join(_STYLES[s] for s in styles) + text + _RESET


def _value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _block(value: Any, indent: str) -> list[str]:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2)
    return [indent + line for line in text.splitlines()]


def _effect_label(change: Change) -> str:
    label = change.effect.label
    if change.effect is Effect.NONE:
        label = "no VM action"
    if change.conditional and change.effect is not Effect.NONE:
        label = f"may {label}" if change.effect is not Effect.REJECTED else "may be rejected"
    return label


def _change_lines(change: Change, paint: _Painter) -> list[str]:
    sym = paint(change.symbol, _OP_STYLE.get(change.op, "yellow"), "bold")
    path = change.display_path
    lines: list[str] = []
    before, after = _value(change.before), _value(change.after)
    if change.op == "replace" and len(before) + len(after) <= _INLINE:
        lines.append(f"    {sym} {path}: {before} -> {after}")
    elif change.op == "add" and len(after) <= _INLINE:
        lines.append(f"    {sym} {path}: {after}")
    elif change.op == "remove" and len(before) <= _INLINE:
        lines.append(f"    {sym} {path}: {paint(before, 'dim')}")
    else:
        lines.append(f"    {sym} {path}:")
        if change.op in ("replace", "remove"):
            lines += [paint(line, "dim") if change.op == "remove" else line
                      for line in _block(change.before, "        ")]
        if change.op == "replace":
            lines.append("        ->")
        if change.op in ("replace", "add"):
            lines += _block(change.after, "        ")
    style = _EFFECT_STYLE[change.effect]
    head = f"# {_effect_label(change)}: {change.title} [{change.rule}]" if change.title else (
        f"# {_effect_label(change)} [{change.rule}]")
    lines.append("        " + paint(head, style))
    for line in textwrap.wrap(change.message, _WIDTH - 10):
        lines.append("          " + paint(line, "dim"))
    if change.suppressed:
        lines.append("          " + paint(f"(does not count: {change.suppressed})", "cyan"))
    return lines


def _scale_set_lines(plan: ScaleSetPlan, paint: _Painter, show_file: bool = False) -> list[str]:
    sym, style, words = _ACTION_HEAD[plan.action]
    facts = f"{plan.orchestration_mode}, upgrade policy {plan.upgrade_mode}"
    if show_file:  # a plan over many files (--base-ref): say which one
        facts = f"{plan.file}: {facts}"
    lines = [f"{paint(sym, style, 'bold')} {paint(plan.name, 'bold')} {words}  {paint('(' + facts + ')', 'dim')}"]
    if plan.changes:
        lines.append("")
    for change in plan.changes:
        lines += _change_lines(change, paint)
    for note in plan.notes:
        lines.append("    " + paint("note: ", "cyan") + note)
    impact = plan.vm_impact
    if impact is not None and plan.action not in ("no-op",):
        lines.append("")
        wrapped = textwrap.wrap(impact.summary, _WIDTH - 8)
        lines.append("  " + paint("VMs:", "bold") + " " + (wrapped[0] if wrapped else ""))
        lines += ["        " + w for w in wrapped[1:]]
        lines += _instance_lines(plan, paint)
        for warning in impact.warnings:
            for i, w in enumerate(textwrap.wrap(warning, _WIDTH - 14)):
                lines.append(("    " + paint("warning: ", "yellow") if i == 0 else "             ") + w)
        for command in impact.commands:
            lines.append("    " + (paint(command, "dim") if command.startswith("#") else "$ " + command))
    return lines


_MAX_VM_ROWS = 100


def _instance_lines(plan: ScaleSetPlan, paint: _Painter) -> list[str]:
    """One row per VM (up to a hundred), then the rolling batches."""
    if not plan.instances:
        return []
    rows = [("VM", "action", "by", "zone", "batch", "note")]
    for vm in plan.instances[:_MAX_VM_ROWS]:
        rows.append((vm.instance_id, vm.action, vm.performed_by, vm.zone or "-",
                     str(vm.batch) if vm.batch else "-", vm.note))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = []
    for i, row in enumerate(rows):
        cells = "  ".join(cell.ljust(width) for cell, width in zip(row[:5], widths))
        text = f"      {cells}  {row[5]}".rstrip()
        lines.append(paint(text, "dim") if i == 0 else text)
    if len(plan.instances) > _MAX_VM_ROWS:
        lines.append(f"      ... and {len(plan.instances) - _MAX_VM_ROWS} more (see -o json)")
    rollout = plan.rollout
    if rollout is not None and rollout.batches and rollout.strategy == "rolling":
        for number, batch in enumerate(rollout.batches, 1):
            lines.append(f"      batch {number}: {', '.join(batch)}")
    return lines


def _summary_line(result: Result, paint: _Painter) -> str:
    plan = result.plan
    assert plan is not None
    data = summary(plan)
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
    colour = _EFFECT_STYLE[plan.effect] if n else "green"
    return paint("Plan:", "bold") + " " + paint(f"{head}. {tail}.", colour)


def format_finding(finding: Finding, paint: _Painter) -> str:
    where = finding.file
    if finding.line is not None:
        where += f":{finding.line}:{finding.column or 1}"
    style = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}[finding.severity]
    return f"{where}: {paint(finding.severity.label, style)} [{finding.rule}] {finding.message}"


def render_plan(result: Result, *, color: bool = False) -> str:
    paint = _Painter(color)
    lines: list[str] = []
    for finding in result.findings:
        lines.append(format_finding(finding, paint))
    if result.plan is None:
        if result.findings:
            lines.append(paint("No plan: fix the documents above first.", "red"))
        return "\n".join(lines) + "\n"
    plan = result.plan
    if lines:
        lines.append("")
    lines.append(paint(f"vmssplan: {plan.current_file} -> {plan.proposed_file}", "dim"))
    for scale_set in plan.scale_sets:
        lines.append("")
        lines += _scale_set_lines(scale_set, paint, show_file=scale_set.file != plan.proposed_file)
    lines.append("")
    lines.append(_summary_line(result, paint))
    return "\n".join(lines) + "\n"


def render_findings(result: Result, *, color: bool = False) -> str:
    paint = _Painter(color)
    lines = [format_finding(f, paint) for f in result.findings]
    errors = sum(1 for f in result.findings if f.severity is Severity.ERROR)
    others = len(result.findings) - errors
    if errors:
        lines.append(paint(f"{errors} error{'s' if errors != 1 else ''}", "red")
                     + (f", {others} other finding{'s' if others != 1 else ''}" if others else ""))
    else:
        lines.append(paint("No errors.", "green") + (f" {others} note{'s' if others != 1 else ''}." if others else ""))
    return "\n".join(lines) + "\n"
