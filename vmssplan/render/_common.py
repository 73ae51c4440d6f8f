"""Short descriptions of the finding rules (VAL*), for SARIF ``rules``."""

from __future__ import annotations

from ..registry import finding_title


def finding_rule_description(rule_id: str) -> str:
    title = finding_title(rule_id)  # VAL*, CFG*: findings/ in the rule registry
    if title is not None:
        return title
    if rule_id.startswith("LINT"):
        return f"Lint check {rule_id}: a cross-field problem in one scale set"
    if rule_id.startswith("VAL"):
        return f"Document check {rule_id}"
    return f"vmssplan check {rule_id}"
