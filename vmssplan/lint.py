"""Stage: single-document cross-field lint of one scale set, from the rules in ``lint/`` (data).

Each lint rule is one JSON file (``lint/LINTnnn-slug.json``, schema ``schemas/lint.schema.json``):
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

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from .conditions import ABSENT, MODEL, Subject, condition_problems, evaluate, format_pointer, lookup, parse_pointer, walk
from .data import data_dir, rule_files, schema_text
from .model import Finding, ScaleSet, Severity, UsageError


@dataclass(frozen=True)
class LintRule:
    id: str
    title: str
    severity: Severity
    check: dict[str, Any]
    pointers: tuple[str, ...]
    message: str
    for_each: str | None = None
    applies_to: dict[str, Any] = field(default_factory=dict)
    confidence: str = "high"
    error_code: str | None = None
    description: str = ""
    evidence: tuple[dict[str, str], ...] = ()
    cases: tuple[dict[str, Any], ...] = ()
    file: str = ""

    @property
    def evidence_link(self) -> str:
        for item in self.evidence:
            if item.get("url"):
                return item["url"]
        return self.evidence[0]["source"] if self.evidence else ""


# --- loading ---------------------------------------------------------------------------


#: The wheel ships ``lint/`` as the package ``vmssplan.lint_rules``: the name
#: ``vmssplan.lint`` is this module, and a data package of that name would shadow it (a
#: directory wins over a module of the same name on import; and on Python 3.12+
#: ``importlib.resources.files("vmssplan.lint")`` answers this module's own directory).
LINT_PACKAGE = "lint_rules"


def builtin_lint_dir() -> Path:
    """``lint/``: the package ``vmssplan.lint_rules`` when installed, else the top-level
    directory of a source checkout."""
    return data_dir(LINT_PACKAGE)


def lint_rule_from_data(data: dict[str, Any], file: str = "") -> LintRule:
    pointer = data["pointer"]
    rule = LintRule(
        id=data["id"], title=data["title"], severity=_severity(data["severity"]), check=data["check"],
        pointers=(pointer,) if isinstance(pointer, str) else tuple(pointer), message=data["message"],
        for_each=data.get("for_each"), applies_to=dict(data.get("applies_to", {})),
        confidence=data.get("confidence", "high"), error_code=data.get("error_code"),
        description=data.get("description", ""), evidence=tuple(data.get("evidence", ())),
        cases=tuple(data.get("cases", ())), file=file,
    )
    _check_condition(rule.check, rule.id)
    return rule


@lru_cache(maxsize=8)
def load_lint_rules(extra_dirs: tuple[str, ...] = (), validate: bool = False) -> tuple[LintRule, ...]:
    """Built-in lint rules plus those in ``extra_dirs`` (checked against the schema, so a
    broken user file is a usage error naming it). Built-in files are checked by the tests."""
    rules: list[LintRule] = []
    seen: dict[str, str] = {}
    for path, check, _ in rule_files(builtin_lint_dir(), extra_dirs, validate, "lint rule"):
        data = _read_lint_file(path, check)
        if data["id"] in seen:
            raise UsageError(f"{path}: lint rule id {data['id']} is already defined in {seen[data['id']]}")
        seen[data["id"]] = str(path)
        try:
            rules.append(lint_rule_from_data(data, str(path)))
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise UsageError(f"{path}: invalid lint rule file: {exc}") from None
    return tuple(rules)


def _read_lint_file(path: Path, check: bool) -> dict[str, Any]:
    from .load import read_data_file

    _, data = read_data_file(path, "lint rule file")
    if check:
        problems = lint_rule_problems(data)
        if problems:
            raise UsageError(f"{path}: invalid lint rule file: {problems[0]}")
    elif not isinstance(data, dict) or not {"id", "title", "severity", "check", "pointer", "message"} <= data.keys():
        raise UsageError(f"{path}: invalid lint rule file (missing id, title, severity, check, pointer or message)")
    return data


def lint_rule_problems(data: Any) -> list[str]:
    """Schema problems of one lint rule document, as readable strings (empty when valid)."""
    import jsonschema  # only here: linting itself never needs it

    schema = json.loads(schema_text("lint.schema.json"))
    validator = jsonschema.Draft202012Validator(schema)
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        problems.append(f"{where}: {error.message}")
    return problems


def _severity(text: str) -> Severity:
    try:
        return Severity[text.strip().upper()]
    except KeyError:
        raise ValueError(f"unknown severity {text!r} (expected error, warning or info)") from None


def _check_condition(cond: Any, rule_id: str) -> None:
    """Fail early (at load) on a condition the evaluator does not take."""
    problems = condition_problems(cond, MODEL, "/check")
    if problems:
        pointer, message = problems[0]
        raise ValueError(f"{rule_id}: {pointer}: {message}")


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
            return format_pointer(tokens)
    tokens = subject.tokens(rule.pointers[0])
    while tokens and lookup(subject.after, tokens)[0] == ABSENT:
        tokens = tokens[:-1]
    return format_pointer(tokens)


def _items(rule: LintRule, model: Any) -> Iterator[tuple[str, ...]]:
    """The ``for_each`` matches of ``rule`` (``()`` once without ``for_each``); below a value
    known only after deployment nothing can be said about the items."""
    if rule.for_each is None:
        yield ()
        return
    for tokens, complete, _ in walk(model, parse_pointer(rule.for_each)):
        if complete:
            yield tokens


def lint_model(model: dict[str, Any], rules: tuple[LintRule, ...] | None = None, file: str = "") -> list[Finding]:
    """Findings of the lint rules on one canonical scale-set model."""
    rules = load_lint_rules() if rules is None else rules
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
