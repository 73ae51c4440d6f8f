"""Stage: single-document cross-field lint of one scale set, from the rules in ``lint/`` (data).

Each lint rule is one JSON file (``lint/LINTnnn-slug.json``, ``kind`` lint of ``schemas/rule.schema.json``,
loaded by :mod:`vmssplan.registry`):
a stable id, a severity, a ``check`` written in the small condition vocabulary below, the
pointer of the offending property, a message, the evidence and test cases. The input is the
*canonical* model (REST shape, ``properties`` envelope, keyed arrays in key order; see
:mod:`vmssplan.normalize`), and every finding's ``pointer`` is an RFC 6901 pointer into it.

Conditions are written in the language of every rule family, evaluated in three-valued
logic by :mod:`vmssplan.conditions` (true, false or undecided): a rule fires only when its
check is *true*, never on a guess. A value known only after deployment makes the condition
that reads it undecided; a :class:`~vmssplan.model.SensitiveValue` is an opaque value that
is present.

Pointers are absolute (``/properties/...``) or, in a rule with ``for_each``, relative to the
current item (``@`` is the item, ``@/managedDisk/storageAccountType`` a value below it).
``for_each`` is a pointer whose ``*`` segments match every key or index; the rule is checked
once per match, so each offending data disk gets its own finding.

``applies_to`` narrows a rule to orchestration modes and upgrade modes, with Azure's defaults
for absent values (Uniform, Manual).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .conditions import ABSENT, Subject, evaluate, lookup, walk
from .model import Finding, ScaleSet
from .pointer import join, split
from .registry import LintRule
from .registry import load as load_registry


def _applies_conditions(applies_to: dict[str, Any]) -> list[dict[str, Any]]:
    """``applies_to`` as conditions (an absent mode is Azure's default: Uniform, Manual)."""
    conditions = []
    modes = applies_to.get("orchestration_mode")
    if modes:
        conditions.append({"equals": {"pointer": "/properties/orchestrationMode",
                                      "values": list(modes) + ([None] if "Uniform" in modes else [])}})
    upgrade = applies_to.get("upgrade_mode")
    if upgrade:
        conditions.append({"equals": {"pointer": "/properties/upgradePolicy/mode",
                                      "values": list(upgrade) + ([None] if "Manual" in upgrade else [])}})
    return conditions


def _finding_pointer(rule: LintRule, subject: Subject) -> str:
    """The first of the rule's pointers that has a value; else the deepest existing
    ancestor of the first (so the finding can always be located in the document)."""
    for pointer in rule.pointers:
        tokens = subject.tokens(pointer)
        if lookup(subject.after, tokens)[0] != ABSENT:
            return join(tokens)
    tokens = subject.tokens(rule.pointers[0])
    while tokens and lookup(subject.after, tokens)[0] == ABSENT:
        tokens = tokens[:-1]
    return join(tokens)


def _items(rule: LintRule, model: Any) -> Iterator[tuple[str, ...]]:
    """The ``for_each`` matches of ``rule`` (``()`` once without ``for_each``); below a value
    known only after deployment nothing can be said about the items."""
    if rule.for_each is None:
        yield ()
        return
    for tokens, complete, _ in walk(model, split(rule.for_each)):
        if complete:
            yield tokens


def lint_model(model: dict[str, Any], rules: tuple[LintRule, ...] | None = None, file: str = "") -> list[Finding]:
    """Findings of the lint rules on one canonical scale-set model."""
    rules = load_registry().lint if rules is None else rules
    findings: list[Finding] = []
    for rule in rules:
        if any(evaluate(c, Subject.of_model(model)) is not True for c in _applies_conditions(rule.applies_to)):
            continue
        for item in _items(rule, model):
            subject = Subject.of_model(model, item)
            if evaluate(rule.check, subject) is True:
                findings.append(Finding(rule.id, rule.message, rule.severity, file=file,
                                        pointer=_finding_pointer(rule, subject)))
    return sorted(set(findings), key=lambda f: (f.pointer, f.rule, f.message))


def lint_scale_set(scale_set: ScaleSet, rules: tuple[LintRule, ...] | None = None) -> list[Finding]:
    """Cross-field findings of one scale set (its canonical model).

    ``pointer`` of each finding points into ``scale_set.model``; ``file`` is the source
    file; ``line``/``column`` are left for the caller, who maps the canonical pointer back to
    the user's document.
    """
    return lint_model(scale_set.model, rules, scale_set.source.file)
