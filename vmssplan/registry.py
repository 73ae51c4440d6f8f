"""The rule registry: every rule family, one data file per rule, one schema, one loader.

Families (a file's ``kind``; see ``schemas/rule.schema.json``):

- ``change`` (``rules/``, VMSS...): what Azure does when a property changes (the classifier).
- ``lint`` (``lint/``, LINT...): a cross-field check of one scale set (the linter).
- ``finding`` (``findings/``, VAL..., CFG...): an id that vmssplan's own code reports (a
  document that cannot be read, an expired suppression...): its title, usual severity and
  description, for people and for the formats that describe their rules (SARIF).

A file without ``kind`` is a lint rule if it has a ``check``, else a change rule (the files
written before there were kinds). Conditions are one language for every family
(:mod:`vmssplan.conditions`), checked here when a rule is loaded.

Built-in files are checked against the schema by the test suite (loading them imports no
jsonschema: a pre-commit hook starts often); files of user rule directories are checked
here, and a broken one is a usage error naming file:line:column. A user directory may hold
change and lint rules; finding ids are vmssplan's own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .conditions import CHANGE, MODEL, OVERRIDE, condition_problems
from .data import data_dir, rule_files, schema_text
from .model import ChangeRule, Clause, Effect, FindingRule, LintRule, Rule, Severity, UsageError
from .pointer import join, split

CHANGE_KIND, LINT_KIND, FINDING_KIND = "change", "lint", "finding"
KINDS = (CHANGE_KIND, LINT_KIND, FINDING_KIND)
#: The data package (``vmssplan.<name>``, see :mod:`vmssplan.data`) of each family's built-in files.
BUILTIN_PACKAGES = {CHANGE_KIND: "rules", LINT_KIND: "lint_rules", FINDING_KIND: "finding_rules"}
SCHEMA = "rule.schema.json"

@dataclass(frozen=True)
class Registry:
    """Every loaded rule: built-in ones (change, lint, finding) first, then user ones, each
    directory in file-name order."""

    rules: tuple[Rule, ...]

    def by_id(self, rule_id: str) -> Rule | None:
        return next((rule for rule in self.rules if rule.id == rule_id), None)

    @property
    def changes(self) -> tuple[ChangeRule, ...]:
        return tuple(rule for rule in self.rules if isinstance(rule, ChangeRule))

    @property
    def lint(self) -> tuple[LintRule, ...]:
        return tuple(rule for rule in self.rules if isinstance(rule, LintRule))

    @property
    def findings(self) -> tuple[FindingRule, ...]:
        return tuple(rule for rule in self.rules if isinstance(rule, FindingRule))


# --- loading ---------------------------------------------------------------------------


def builtin_dirs() -> dict[str, Path]:
    """kind -> the directory of its built-in files."""
    return {kind: data_dir(package) for kind, package in BUILTIN_PACKAGES.items()}


def load(extra_dirs: tuple[str, ...] = (), validate: bool = False) -> Registry:
    """The built-in rules of every family, plus the rules of ``extra_dirs`` (always checked
    against the schema); ``validate`` checks the built-in files too (slower: jsonschema).
    Loaded once per process for each (directories, validate)."""
    return _load(tuple(extra_dirs), bool(validate))


@lru_cache(maxsize=8)  # keyed by explicit arguments: load() and load((), False) are one entry
def _load(extra_dirs: tuple[str, ...], validate: bool) -> Registry:
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for path, check, builtin in rule_files(tuple(builtin_dirs().values()), extra_dirs, validate, "rule"):
        rule = _read(path, check, builtin)
        if rule.id in seen:
            raise UsageError(f"{path}: rule id {rule.id} is already defined in {seen[rule.id]}")
        seen[rule.id] = str(path)
        rules.append(rule)
    return Registry(tuple(rules))


def finding_title(rule_id: str) -> str | None:
    """The title of the built-in finding id ``rule_id`` (VAL..., CFG...), or None."""
    rule = load().by_id(rule_id)
    return rule.title if isinstance(rule, FindingRule) else None


def _read(path: Path, check: bool, builtin: bool) -> Rule:
    from .locate import PositionIndex

    if builtin and not check:
        # Shipped in the package and checked against the schema by its test suite
        # (tests/test_registry.py): read as it is, at every start-up of a pre-commit hook.
        return rule_from_data(json.loads(path.read_text(encoding="utf-8")), str(path), builtin)
    from .inputs.documents import read_data_file  # the parser of every user file: bounded, hostile-safe

    text, data = read_data_file(path, "rule file")
    problems = rule_problems(data)  # a user's file, or a built-in one with --rules-dir: always checked
    if not problems and not builtin and kind_of(data) == FINDING_KIND:
        problems = [("/kind", "finding ids are vmssplan's own: a rule directory holds change and lint rules")]
    if problems:
        pointer, message = problems[0]
        line, column = PositionIndex(text).locate(pointer)
        raise UsageError(f"{path}:{line}:{column}: invalid rule file: {message}")
    return rule_from_data(data, str(path), builtin)


def kind_of(data: dict[str, Any]) -> str:
    """A rule document's family (the schema's if/then/else says the same)."""
    kind = data.get("kind")
    if isinstance(kind, str):
        return kind
    return LINT_KIND if "check" in data else CHANGE_KIND


def rule_problems(data: Any) -> list[tuple[str, str]]:
    """Problems of one rule document, as (RFC 6901 pointer, readable message); empty when
    valid: the schema, then what the condition evaluator cannot take."""
    import jsonschema  # only here: loading the built-in rules never needs it

    validator = jsonschema.Draft202012Validator(_schema())
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        pointer = join(error.absolute_path)
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        problems.append((pointer, f"{where}: {error.message}"))
    return problems or _condition_problems(data)


def _condition_problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    kind = kind_of(data)
    if kind == LINT_KIND:
        return condition_problems(data["check"], MODEL, "/check")
    problems = [p for i, clause in enumerate(data.get("when", ()))
                for p in condition_problems(clause["if"], CHANGE, f"/when/{i}/if")]
    if "override" in data:
        problems += condition_problems(data["override"], OVERRIDE, "/override")
    return problems


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(schema_text(SCHEMA))
    return schema


def rule_from_data(data: dict[str, Any], file: str = "", builtin: bool = True) -> Rule:
    """The rule of one (valid) rule document."""
    common: dict[str, Any] = dict(
        id=data["id"], title=data["title"], kind=kind_of(data), description=data.get("description", ""),
        confidence=data.get("confidence", "high"), error_code=data.get("error_code"),
        evidence=tuple(data.get("evidence", ())), cases=tuple(data.get("cases", ())), file=file, builtin=builtin)
    if common["kind"] == FINDING_KIND:
        return FindingRule(**common, severity=_severity(data["severity"]))
    if common["kind"] == LINT_KIND:
        pointer = data["pointer"]
        return LintRule(**common, severity=_severity(data["severity"]), check=data["check"],
                        pointers=(pointer,) if isinstance(pointer, str) else tuple(pointer), message=data["message"],
                        for_each=data.get("for_each"), applies_to=dict(data.get("applies_to", {})))
    clauses = tuple(Clause(c["if"], Effect.parse(c["effect"]), c.get("conditional"), c.get("message"))
                    for c in data.get("when", ()))
    return ChangeRule(**common, effect=Effect.parse(data["effect"]),
                      patterns=tuple(split(p) for p in data["paths"]), message=data["message"],
                      conditional=bool(data.get("conditional", False)), clauses=clauses,
                      fallback=bool(data.get("fallback", False)), override=data.get("override"))


def _severity(text: str) -> Severity:
    try:
        return Severity[text.strip().upper()]
    except KeyError:
        raise UsageError(f"unknown severity {text!r} (expected error, warning or info)") from None
