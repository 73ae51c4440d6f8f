"""The rule catalogue, for people: `vmssplan rules` and the generated docs/rules pages.

Both read the registry (:mod:`vmssplan.registry`): every family, nothing about a rule
written twice.
"""

from __future__ import annotations

import json
from typing import Any

from .model import ChangeRule, FindingRule, LintRule, Rule
from .pointer import join
from .registry import CHANGE_KIND, FINDING_KIND, LINT_KIND, Registry

#: kind -> (heading, what the second column says, where the built-in files are).
FAMILIES = {
    CHANGE_KIND: ("Change rules", "EFFECT", "rules/", "what Azure does when a property of a scale set changes"),
    LINT_KIND: ("Cross-field rules", "SEVERITY", "lint/", "combinations of values in one scale set that Azure "
                                                           "rejects or that are likely wrong"),
    FINDING_KIND: ("Finding ids", "SEVERITY", "findings/", "what vmssplan's own checks report (documents, "
                                                           "parameters, configuration)"),
}


def _family(registry: Registry, kind: str) -> list[Rule]:
    return sorted((rule for rule in registry.rules if rule.kind == kind), key=lambda r: r.id)


def verdict_label(rule: Rule) -> str:
    """The effect of a change rule (``(conditional)`` when it may not happen), the severity
    of the others."""
    if isinstance(rule, ChangeRule):
        return rule.effect.label + (" (conditional)" if rule.conditional else "")
    assert isinstance(rule, (LintRule, FindingRule))
    return rule.severity.label


def where(rule: Rule) -> str:
    """What a rule looks at: the paths of a change rule, the pointer of a lint rule."""
    if isinstance(rule, ChangeRule):
        if rule.patterns:
            return ", ".join(_pointer(p) for p in rule.patterns)
        return "(every change, through its override)" if rule.override is not None else "(applied by the classifier)"
    if isinstance(rule, LintRule):
        return ", ".join(rule.pointers) + (f" for each {rule.for_each}" if rule.for_each else "")
    return "(reported by vmssplan itself)"


def _pointer(pattern: tuple[str, ...]) -> str:
    return join(pattern) or "/"


def catalogue_text(registry: Registry) -> str:
    """Every family, one table each: id, effect or severity and title, then what it reads."""
    blocks = []
    for kind, (heading, column, directory, about) in FAMILIES.items():
        rules = _family(registry, kind)
        if not rules:
            continue
        rows = [("ID", column, "TITLE", "")] + [(r.id, verdict_label(r), r.title, where(r)) for r in rules]
        id_w = max(len(r[0]) for r in rows)
        second_w = max(len(r[1]) for r in rows)
        lines = [f"{heading} ({directory}): {about}"]
        for i, (rule_id, verdict, title, looks_at) in enumerate(rows):
            lines.append(f"{rule_id:<{id_w}}  {verdict:<{second_w}}  {title}")
            if i:
                lines.append(f"{'':<{id_w}}  {'':<{second_w}}  {looks_at}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def rule_markdown(rule: Rule) -> str:
    """One rule's page: what it says, when, why, and its cases."""
    out = [f"# {rule.id}: {rule.title}", ""]
    if isinstance(rule, ChangeRule):
        out += _change_facts(rule)
    elif isinstance(rule, LintRule):
        out += _lint_facts(rule)
    else:
        out += [f"- **Severity:** {verdict_label(rule)}", "- **Reported by:** vmssplan itself", ""]
        out += [rule.description.strip(), ""]
        return "\n".join(out).rstrip() + "\n"
    if rule.evidence:
        out += ["## Evidence", ""]
        for item in rule.evidence:
            source = f"[{item['source']}]({item['url']})" if item.get("url") else item["source"]
            quote = f": \"{item['quote']}\"" if item.get("quote") else ""
            out.append(f"- {source}{quote}")
        out.append("")
    if rule.cases:
        out += ["## Examples", ""]
        for case in rule.cases:
            out += _case_lines(rule, case)
    return "\n".join(out).rstrip() + "\n"


def _change_facts(rule: ChangeRule) -> list[str]:
    out = [f"- **Effect:** `{rule.effect.label}`" + (" (conditional: it may or may not happen)"
                                                     if rule.conditional else "")]
    out.append(f"- **Confidence:** {rule.confidence}")
    if rule.error_code:
        out.append(f"- **Azure error code:** `{rule.error_code}`")
    out.append("- **Paths:** " + (", ".join(f"`{_pointer(p)}`" for p in rule.patterns) or
                                  "none (applied by the classifier itself)"))
    out += ["", rule.message, ""]
    if rule.description:
        out += [rule.description.strip(), ""]
    if rule.clauses:
        out += ["## Verdicts that depend on the values", ""]
        for clause in rule.clauses:
            out.append(f"- `{_json(clause.condition)}` -> **{clause.effect.label}**"
                       + (f": {clause.message}" if clause.message else ""))
        out += [f"- otherwise -> **{rule.effect.label}**", ""]
    if rule.override is not None:
        out += ["## Override", "",
                "After the rules matched by path have given a change its verdict, this rule replaces it "
                f"with **{rule.effect.label}** when this condition holds:", "",
                f"`{_json(rule.override)}`", ""]
    return out


def _lint_facts(rule: LintRule) -> list[str]:
    out = [f"- **Severity:** {rule.severity.label}", f"- **Confidence:** {rule.confidence}"]
    if rule.error_code:
        out.append(f"- **Azure error code:** `{rule.error_code}`")
    for name, values in sorted(rule.applies_to.items()):
        out.append(f"- **Applies to {name.replace('_', ' ')}:** {', '.join(values)}")
    if rule.for_each:
        out.append(f"- **For each:** `{rule.for_each}`")
    out.append("- **Points at:** " + ", ".join(f"`{p}`" for p in rule.pointers))
    out += ["", rule.message, ""]
    if rule.description:
        out += [rule.description.strip(), ""]
    out += ["## Check", "", f"`{_json(rule.check)}`", ""]
    return out


def _case_lines(rule: Rule, case: dict[str, Any]) -> list[str]:
    if isinstance(rule, ChangeRule):
        return [f"- {case.get('name', 'case')}: **{case['effect']}**", "", "  ```json",
                f"  before: {_json(case['before'])}", f"  after:  {_json(case['after'])}", "  ```"]
    outcome = "; ".join(f"{word} {', '.join(case[key])}" for key, word in (("fires", "fires"), ("quiet", "quiet"))
                        if key in case)
    if "from" in case:  # the clean model the change into this one is planned from (tests/test_rules.py)
        return [f"- {case['name']}: {outcome}", "", "  ```json", f"  from:  {_json(case['from'])}",
                f"  model: {_json(case['model'])}", "  ```"]
    return [f"- {case['name']}: {outcome}", "", "  ```json", f"  {_json(case['model'])}", "  ```"]


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def index_markdown(registry: Registry) -> str:
    """docs/rules/README.md: one table per family."""
    out = ["# vmssplan rules", "",
           "Generated from the rule files in `rules/`, `lint/` and `findings/` by `scripts/generate_rule_docs.py`; "
           "do not edit by hand."]
    for kind, (heading, column, directory, about) in FAMILIES.items():
        rules = _family(registry, kind)
        if not rules:
            continue
        out += ["", f"## {heading}", "", f"`{directory}`: {about}.", "",
                f"| rule | {column.lower()} | title |", "|---|---|---|"]
        for rule in rules:
            title = rule.title.replace("|", "\\|")
            out.append(f"| [{rule.id}]({rule.id}.md) | {verdict_label(rule)} | {title} |")
    return "\n".join(out) + "\n"
