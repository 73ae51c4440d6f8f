"""What the machine-readable renderers share: the plan as the JSON view sees it, levels,
locations and short descriptions of the finding rules.

Renderers read the structures of :mod:`vmssplan.render.json_output` (``plan_to_dict``,
``findings_to_dict``) and add nothing of their own; this module only names things
consistently across SARIF, GitHub annotations, JUnit and Markdown.
"""

from __future__ import annotations

from typing import Any, Iterator

from ..engine import Result
from ..model import scrub_string
from ..registry import finding_title
from .json_output import findings_to_dict, plan_to_dict

def scrubbed(value: Any, secrets: set[str]) -> Any:
    """``value`` with every secret in its strings replaced, as the CLI's last scrub does.

    The CLI scrubs the finished text; formats that escape text (Markdown backslashes,
    workflow-command ``%3A``, XML entities, JSON string escapes) could hide a secret from that
    scrub, so these renderers scrub the data first, before any escaping.
    """
    if not secrets:
        return value

    def walk(node: Any) -> Any:
        if isinstance(node, str):
            return scrub_string(node, secrets)
        if isinstance(node, dict):
            return {walk(k): walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(value)


def plan_view(result: Result) -> dict[str, Any]:
    """The JSON plan (``plan_to_dict``), scrubbed."""
    return scrubbed(plan_to_dict(result), result.secrets)


def findings_view(result: Result) -> dict[str, Any]:
    """The JSON findings document of ``validate`` (``findings_to_dict``), scrubbed."""
    return scrubbed(findings_to_dict(result), result.secrets)


#: Effects, weakest to strongest (the order of :class:`vmssplan.model.Effect`).
EFFECTS = ("none", "unknown", "upgrade", "reimage", "deallocate", "rejected")

def finding_rule_description(rule_id: str) -> str:
    title = finding_title(rule_id)  # VAL*, CFG*: findings/ in the rule registry
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
    """The effect as the text view says it: ``may deallocate`` for a conditional one."""
    effect = change["effect"]
    if change.get("conditional") and effect != "none":
        return "may be rejected" if effect == "rejected" else f"may {effect}"
    return effect


def is_reported(change: dict[str, Any]) -> bool:
    """Changes worth an annotation: every effect but ``none`` (no VM is touched)."""
    return change["effect"] != "none"


def location_of(item: dict[str, Any]) -> tuple[str, int | None, int | None]:
    """(file, line, column) of a finding dict or a change dict; ("", None, None) when unknown
    or when the "file" is not one (standard input, an edited model, no file)."""
    if "location" in item:
        loc = item["location"] or {}
        file, line, column = loc.get("file") or "", loc.get("line"), loc.get("column")
    else:
        file, line, column = item.get("file") or "", item.get("line"), item.get("column")
    if not is_real_file(file):
        return "", None, None
    return file, line, column


def is_real_file(name: str) -> bool:
    """``<stdin>``, ``<current.json + --set ...>`` and ``(none)`` name no file."""
    return bool(name) and not name.startswith(("<", "("))


def changes_of(view: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(scale set, change) in plan order."""
    for scale_set in view.get("scale_sets", []):
        for change in scale_set["changes"]:
            yield scale_set, change


def change_message(change: dict[str, Any]) -> str:
    """``<display_path>: <effect>: <message>`` (SARIF, annotations, JUnit)."""
    return f"{change['display_path']}: {effect_label(change)}: {change['message']}"
