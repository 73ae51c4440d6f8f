"""Short descriptions of the finding rules (VAL*), for SARIF ``rules``."""

from __future__ import annotations

#: A short description of each finding rule (``VAL*``), for SARIF ``rules`` and titles.
#: Finding messages say the particulars; these say what the rule checks.
FINDING_RULES: dict[str, str] = {
    "VAL001": "The document cannot be read (invalid JSON, not UTF-8, too large)",
    "VAL002": "The document is not a shape vmssplan can plan",
    "VAL003": "The template has no scale-set resource",
    "VAL010": "The ARM template envelope does not match the deployment template schema",
    "VAL011": "The parameters file does not match the deployment parameters schema",
    "VAL020": "The scale set does not match the schema of its apiVersion",
    "VAL021": "No schema of exactly this apiVersion: the nearest one was used",
    "VAL022": "A string where the schema wants a boolean or a number",
    "VAL023": "Two property names differ only in case",
    "VAL030": "A parameter is malformed or not defined in the template",
    "VAL031": "A template parameter has no value",
    "VAL032": "A parameter value is outside its allowed values or bounds",
    "VAL033": "A parameter value is not of the parameter's type",
    "VAL040": "A template expression cannot be evaluated",
    "VAL041": "A limit of ARM or of offline evaluation was reached",
    "VAL042": "A linked or nested template cannot be read offline",
    "VAL043": "A copy count is invalid",
    "VAL044": "A copy count is known only after deployment: its scale sets are not planned",
    "VAL050": "An input document (instance list, PATCH body) has an unexpected shape",
    "VAL051": "An instance list is one page of several",
    "VAL052": "Instance lists given for a plan with several scale sets",
}


def finding_rule_description(rule_id: str) -> str:
    if rule_id in FINDING_RULES:
        return FINDING_RULES[rule_id]
    if rule_id.startswith("LINT"):
        return f"Lint check {rule_id}: a cross-field problem in one scale set"
    if rule_id.startswith("VAL"):
        return f"Document check {rule_id}"
    return f"vmssplan check {rule_id}"
