"""The terminal view: a plan people read at a glance, in the idiom of Terraform and what-if.

It formats the view (the JSON plan's structures) and adds nothing of its own. Colour is
the caller's decision (a terminal, and ``NO_COLOR`` unset).
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

from ..view import View, effect_label, other_resources_line, waiver_line, what_if_line
from .escape import guard_lines, json_text
from .escape import text as _t

_RESET = "\033[0m"
_STYLES = {
    "bold": "\033[1m", "dim": "\033[2m", "red": "\033[31m", "green": "\033[32m", "yellow": "\033[33m",
    "blue": "\033[34m", "magenta": "\033[35m", "cyan": "\033[36m",
}
_EFFECT_STYLE = {
    "none": "green", "unknown": "cyan", "upgrade": "yellow", "reimage": "magenta", "deallocate": "magenta",
    "rejected": "red",
}
_SYMBOL = {"add": "+", "remove": "-", "replace": "~"}
_OP_STYLE = {"add": "green", "remove": "red", "replace": "yellow"}
_ACTION_HEAD = {
    "no-op": ("=", "green", "no changes"),
    "update": ("~", "yellow", "will be updated in place"),
    "create": ("+", "green", "will be created"),
    "delete": ("-", "red", "is not in the proposed definition (deleted only by a complete-mode deployment)"),
    "rejected": ("-/+", "red", "cannot be updated: Azure rejects the change; it must be recreated"),
}
#: Wrapping width when the caller gives none (the CLI passes the terminal's, or 100 when the
#: output is not a terminal); never narrower than _MIN_WIDTH.
WIDTH = 100
_MIN_WIDTH = 40
_INLINE = 60

#: The legend, in this order, for the symbols a plan uses (as Terraform lists only its own).
#: A scale set's head and a change share ``+``, ``~`` and ``-``: the words say both.
_LEGEND = (
    ("+", "create / add"),
    ("~", "update in place / change"),
    ("-/+", "Azure rejects the update: recreate"),
    ("-", "not in the proposed definition / remove"),
    ("=", "no changes"),
)


class _Painter:
    def __init__(self, color: bool):
        self.color = color

    def __call__(self, text: str, *styles: str) -> str:
        if not self.color or not styles:
            return text
        return "".join(_STYLES[s] for s in styles) + text + _RESET


def _value(value: Any) -> str:
    return json_text(json.dumps(value, ensure_ascii=False, sort_keys=True))


def _block(value: Any, indent: str) -> list[str]:
    text = json_text(json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2))
    return [indent + line for line in text.splitlines()]


def _effect_label(change: dict[str, Any]) -> str:
    """The view's ``effect_label``, but ``none`` reads "no VM action" here."""
    return "no VM action" if change["effect"] == "none" else effect_label(change)


def _change_lines(change: dict[str, Any], paint: _Painter, width: int) -> list[str]:
    op = change["op"]
    sym = paint(_SYMBOL.get(op, "~"), _OP_STYLE.get(op, "yellow"), "bold")
    path = _t(change["display_path"])
    lines: list[str] = []
    before, after = _value(change["before"]), _value(change["after"])
    if op == "replace" and len(before) + len(after) <= _INLINE:
        lines.append(f"    {sym} {path}: {before} -> {after}")
    elif op == "add" and len(after) <= _INLINE:
        lines.append(f"    {sym} {path}: {after}")
    elif op == "remove" and len(before) <= _INLINE:
        lines.append(f"    {sym} {path}: {paint(before, 'dim')}")
    else:
        lines.append(f"    {sym} {path}:")
        if op in ("replace", "remove"):
            lines += [paint(line, "dim") if op == "remove" else line
                      for line in _block(change["before"], "        ")]
        if op == "replace":
            lines.append("        ->")
        if op in ("replace", "add"):
            lines += _block(change["after"], "        ")
    style = _EFFECT_STYLE[change["effect"]]
    title, rule = _t(change["title"] or ""), _t(change["rule"])
    head = f"# {_effect_label(change)}: {title} [{rule}]" if title else f"# {_effect_label(change)} [{rule}]"
    lines.append("        " + paint(head, style))
    for line in textwrap.wrap(_t(change["message"]), width - 10):
        lines.append("          " + paint(line, "dim"))
    if change["suppressed"]:
        lines.append("          " + paint(f"(does not count: {_t(str(change['suppressed']))})", "cyan"))
    return lines


def _scale_set_lines(scale_set: dict[str, Any], paint: _Painter, width: int, show_file: bool = False) -> list[str]:
    sym, style, words = _ACTION_HEAD[scale_set["action"]]
    facts = _t(f"{scale_set['orchestration_mode']}, upgrade policy {scale_set['upgrade_mode']}")
    if show_file:  # a plan over many files (--base-ref): say which one
        facts = f"{_t(scale_set['file'])}: {facts}"
    name = _t(scale_set["name"])
    lines = [f"{paint(sym, style, 'bold')} {paint(name, 'bold')} {words}  {paint('(' + facts + ')', 'dim')}"]
    if scale_set["changes"]:
        lines.append("")
    for change in scale_set["changes"]:
        lines += _change_lines(change, paint, width)
    for note in scale_set["notes"]:
        lines.append("    " + paint("note: ", "cyan") + _t(note))
    what_if = what_if_line(scale_set)
    if what_if is not None:
        lines.append("    " + paint(_t(what_if), "dim"))
    impact = scale_set["vm_impact"]
    if impact is not None and scale_set["action"] != "no-op":
        lines.append("")
        wrapped = textwrap.wrap(_t(impact["summary"]), width - 8)
        lines.append("  " + paint("VMs:", "bold") + " " + (wrapped[0] if wrapped else ""))
        lines += ["        " + w for w in wrapped[1:]]
        lines += _instance_lines(scale_set, paint)
        for warning in impact["warnings"]:
            for i, w in enumerate(textwrap.wrap(_t(warning), width - 14)):
                lines.append(("    " + paint("warning: ", "yellow") if i == 0 else "             ") + w)
        for command in map(_t, impact["commands"]):
            lines.append("    " + (paint(command, "dim") if command.startswith("#") else "$ " + command))
    return lines


_MAX_VM_ROWS = 100


def _instance_lines(scale_set: dict[str, Any], paint: _Painter) -> list[str]:
    """One row per VM (up to a hundred), then the rolling batches."""
    instances = scale_set["instances"]
    if not instances:
        return []
    rows = [("VM", "action", "by", "zone", "batch", "note")]
    for vm in instances[:_MAX_VM_ROWS]:
        rows.append((_t(vm["instance_id"]), _t(vm["action"]), _t(vm["performed_by"]), _t(vm["zone"] or "-"),
                     str(vm["batch"]) if vm["batch"] else "-", _t(vm["note"])))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = []
    for i, row in enumerate(rows):
        cells = "  ".join(cell.ljust(width) for cell, width in zip(row[:5], widths, strict=True))
        text = f"      {cells}  {row[5]}".rstrip()
        lines.append(paint(text, "dim") if i == 0 else text)
    if len(instances) > _MAX_VM_ROWS:
        lines.append(f"      ... and {len(instances) - _MAX_VM_ROWS} more (see -o json)")
    rollout = scale_set["rollout"]
    if rollout is not None and rollout["batches"] and rollout["strategy"] == "rolling":
        for number, batch in enumerate(rollout["batches"], 1):
            lines.append(f"      batch {number}: {', '.join(map(_t, batch))}")
    return lines


def _summary_line(view: View, paint: _Painter) -> str:
    document = view.document
    colour = _EFFECT_STYLE[document["summary"]["effect"]] if document["summary"]["changes"] else "green"
    line = view.summary_line
    return paint("Plan:", "bold") + " " + paint(line[len("Plan: "):], colour)


def format_finding(finding: dict[str, Any], paint: _Painter) -> str:
    where = _t(finding["file"])
    if finding["line"] is not None:
        where += f":{finding['line']}:{finding['column'] or 1}"
    style = {"error": "red", "warning": "yellow", "info": "cyan"}[finding["severity"]]
    return f"{where}: {paint(finding['severity'], style)} [{_t(finding['rule'])}] {_t(finding['message'])}"


def _waiver_lines(document: dict[str, Any], paint: _Painter) -> list[str]:
    """Every waiver, one line each whatever the names it quotes."""
    waivers = document.get("waivers", [])
    if not waivers:
        return []
    return ["", paint(f"Waived ({len(waivers)}): these verdicts would otherwise count", "yellow", "bold"),
            *["  ! " + _t(waiver_line(w)) for w in waivers]]


def _legend_line(view: View, paint: _Painter) -> str:
    """The symbols this plan uses, each with what it means: ``Symbols: ~ update in place...``."""
    used = {_ACTION_HEAD[s["action"]][0] for s in view.scale_sets}
    used |= {_SYMBOL.get(c["op"], "~") for s in view.scale_sets for c in s["changes"]}
    return paint("Symbols: " + ", ".join(f"{sym} {words}" for sym, words in _LEGEND if sym in used), "dim")


def render_plan(view: View, *, color: bool = False, width: int = WIDTH) -> str:
    """The plan; messages wrapped to ``width`` columns (at least 40)."""
    paint = _Painter(color)
    width = max(width, _MIN_WIDTH)
    lines = [format_finding(finding, paint) for finding in view.findings]
    document = view.document
    if document["summary"] is None:
        lines += _waiver_lines(document, paint)
        if lines:
            lines.append(paint("No plan: fix the documents above first.", "red"))
        return guard_lines("\n".join(lines) + "\n")
    if lines:
        lines.append("")
    lines.append(paint(f"vmssplan: {_t(str(document['current']))} -> {_t(str(document['proposed']))}", "dim"))
    if view.scale_sets:
        lines.append(_legend_line(view, paint))
    for scale_set in view.scale_sets:
        lines.append("")
        show_file = scale_set["file"] != document["proposed"] and "what_if" not in scale_set
        lines += _scale_set_lines(scale_set, paint, width, show_file=show_file)
    lines += _waiver_lines(document, paint)
    others = other_resources_line(document)
    if others is not None:
        lines += ["", paint(_t(others), "dim")]
        lines += ["  " + _t(f"{o['change_type']}: {o['resource_id']}") for o in document["what_if"]["other_resources"]]
    lines.append("")
    lines.append(_summary_line(view, paint))
    return guard_lines("\n".join(lines) + "\n")


def render_findings(view: View, *, color: bool = False, width: int = WIDTH) -> str:
    """The findings, one line each (``width`` is unused: a finding stays on its line)."""
    paint = _Painter(color)
    lines = [format_finding(f, paint) for f in view.findings]
    errors = sum(1 for f in view.findings if f["severity"] == "error")
    others = len(view.findings) - errors
    if errors:
        lines.append(paint(f"{errors} error{'s' if errors != 1 else ''}", "red")
                     + (f", {others} other finding{'s' if others != 1 else ''}" if others else ""))
    else:
        lines.append(paint("No errors.", "green") + (f" {others} note{'s' if others != 1 else ''}." if others else ""))
    return guard_lines("\n".join(lines) + "\n")
