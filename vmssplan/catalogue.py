"""The rule catalogue, for people: `vmssplan rules` and the generated docs/rules pages.

Both read the rule files; nothing about a rule is written twice.
"""

from __future__ import annotations

from .classify import Rule, RuleSet


def summary_row(rule: Rule) -> tuple[str, str, str, str]:
    """(id, effect, first path, title) for the catalogue table."""
    effect = rule.effect.label + (" (conditional)" if rule.conditional else "")
    paths = ", ".join(_pointer(p) for p in rule.patterns) or "(applied by the classifier)"
    return rule.id, effect, paths, rule.title


def _pointer(pattern: tuple[str, ...]) -> str:
    return "".join("/" + part for part in pattern) or "/"


def catalogue_text(rules: RuleSet) -> str:
    rows = [("ID", "EFFECT", "PATHS", "TITLE")] + [summary_row(r) for r in sorted(rules.rules, key=lambda r: r.id)]
    id_w = max(len(r[0]) for r in rows)
    eff_w = max(len(r[1]) for r in rows)
    lines = [f"{r[0]:<{id_w}}  {r[1]:<{eff_w}}  {r[3]}\n{'':<{id_w}}  {'':<{eff_w}}  {r[2]}" if i else
             f"{r[0]:<{id_w}}  {r[1]:<{eff_w}}  {r[3]}" for i, r in enumerate(rows)]
    return "\n".join(lines) + "\n"


def rule_markdown(rule: Rule) -> str:
    """One rule's page: what it says, when, why, and its cases."""
    import json

    out = [f"# {rule.id}: {rule.title}", ""]
    out.append(f"- **Effect:** `{rule.effect.label}`" + (" (conditional: it may or may not happen)"
                                                         if rule.conditional else ""))
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
            out.append(f"- `{json.dumps(clause.condition, sort_keys=True)}` -> **{clause.effect.label}**"
                       + (f": {clause.message}" if clause.message else ""))
        out += [f"- otherwise -> **{rule.effect.label}**", ""]
    out += ["## Evidence", ""]
    for item in rule.evidence:
        source = f"[{item['source']}]({item['url']})" if item.get("url") else item["source"]
        quote = f": \"{item['quote']}\"" if item.get("quote") else ""
        out.append(f"- {source}{quote}")
    out += ["", "## Examples", ""]
    for case in rule.cases:
        out.append(f"- {case.get('name', 'case')}: **{case['effect']}**")
        out.append("")
        out.append("  ```json")
        out.append(f"  before: {json.dumps(case['before'], sort_keys=True)}")
        out.append(f"  after:  {json.dumps(case['after'], sort_keys=True)}")
        out.append("  ```")
    return "\n".join(out).rstrip() + "\n"


def index_markdown(rules: RuleSet) -> str:
    out = ["# vmssplan rules", "",
           "Generated from the rule files in `rules/` by `scripts/generate_rule_docs.py`; do not edit by hand.", "",
           "| rule | effect | title |", "|---|---|---|"]
    for rule in sorted(rules.rules, key=lambda r: r.id):
        effect = rule.effect.label + (" (conditional)" if rule.conditional else "")
        title = rule.title.replace("|", "\\|")
        out.append(f"| [{rule.id}]({rule.id}.md) | {effect} | {title} |")
    return "\n".join(out) + "\n"
