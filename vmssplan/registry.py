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

A rule directory is untrusted input (a pull request can write one): its ``*.json`` entries
are read through the one gate of every file read (regular files inside the repository, no
FIFO or device) of at most :data:`MAX_RULE_FILE_BYTES`, and a file that is not a JSON object
is refused without being quoted. A directory may be
``git:REV:DIR`` (``--base-ref`` reads the base's rules-dirs). A user change rule may not take
a change from a built-in rule unless it says so (``"replaces": "VMSS201"``), and may not
carry an ``override`` (which judges every change): the plan lists each replacement.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .conditions import CHANGE, MODEL, OVERRIDE, condition_problems
from .data import data_dir, rule_files, schema_text
from .model import ChangeRule, Clause, DocumentError, Effect, FindingRule, LintRule, Pattern, Rule, Severity, UsageError
from .pointer import join, split

CHANGE_KIND, LINT_KIND, FINDING_KIND = "change", "lint", "finding"
KINDS = (CHANGE_KIND, LINT_KIND, FINDING_KIND)
#: The data package (``vmssplan.<name>``, see :mod:`vmssplan.data`) of each family's built-in files.
BUILTIN_PACKAGES = {CHANGE_KIND: "rules", LINT_KIND: "lint_rules", FINDING_KIND: "finding_rules"}
SCHEMA = "rule.schema.json"
#: The largest rule file of a user directory (the largest built-in one is about 10 KiB).
MAX_RULE_FILE_BYTES = 1024 * 1024

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
    builtin = [(str(path), check, True, None) for path, check, _ in
               rule_files(tuple(builtin_dirs().values()), (), validate, "rule")]
    user = [(name, True, False, text) for directory in extra_dirs for name, text in _user_rule_texts(directory)]
    for name, check, is_builtin, text in builtin + user:
        rule = _read(Path(name), check, is_builtin) if text is None else _read_user(name, text)
        if rule.id in seen:
            raise UsageError(f"{name}: rule id {rule.id} is already defined in {seen[rule.id]}")
        seen[rule.id] = name
        rules.append(rule)
    _check_replacements(rules)
    return Registry(tuple(rules))


def _user_rule_texts(directory: str) -> list[tuple[str, str]]:
    """(name, text) of each ``*.json`` file of a user rule directory, in name order: only
    regular files, each of bounded size, never followed through a link; a directory of a
    git revision (``git:REV:DIR``) is listed and read from git."""
    from .inputs import git

    if git.is_git_spec(directory):
        revision, path = git.parse_spec(directory)
        entries = git.list_directory(revision, path)
        if entries is None:
            raise UsageError(f"{directory}: rule directory not found at revision {revision}")
        out = []
        for name, regular, size in entries:
            if not name.endswith(".json"):
                continue
            spec = git.spec(revision, os.path.join(path, name))
            if not regular:
                raise UsageError(f"{spec}: not a regular file (a rule file must be one); not read")
            if size > MAX_RULE_FILE_BYTES:
                raise UsageError(f"{spec}: rule file larger than {MAX_RULE_FILE_BYTES // 1024} KiB; not read")
            out.append((spec, _decode(git.read_bytes(spec), spec)))
        return out
    folder = Path(directory)
    if not folder.is_dir():
        raise UsageError(f"{directory}: rule directory not found")
    return [(str(path), _read_regular(path)) for path in sorted(folder.glob("*.json"))]


def _read_regular(path: Path) -> str:
    """The text of a user rule file, through the one gate of every file read (a regular
    file inside its repository, not a FIFO or device, at most :data:`MAX_RULE_FILE_BYTES`);
    else a usage error naming it, nothing read."""
    from .inputs.documents import read_config_text

    return read_config_text(path, "rule file", MAX_RULE_FILE_BYTES)


def _decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{name}: rule file is not UTF-8 text") from None


def _read_user(name: str, text: str) -> Rule:
    """The rule of a user rule file's text, checked: a problem is a usage error naming
    file:line:column; a file that is not a JSON object is not quoted."""
    from .inputs.documents import parse_json
    from .locate import PositionIndex

    try:
        data = parse_json(text, name)
    except DocumentError as exc:
        first = exc.findings[0]
        raise UsageError(f"{name}:{first.line}:{first.column}: invalid JSON in rule file: "
                         f"{first.message.removeprefix('invalid JSON: ')}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{name}: invalid rule file: not a JSON object (one rule per file)")
    problems = rule_problems(data)
    if not problems and kind_of(data) == FINDING_KIND:
        problems = [("/kind", "finding ids are vmssplan's own: a rule directory holds change and lint rules")]
    if not problems and "override" in data:
        problems = [("/override", "an override judges every change, whatever its path: override rules are "
                                  "vmssplan's own (a rule directory holds path rules)")]
    if problems:
        pointer, message = problems[0]
        line, column = PositionIndex(text).locate(pointer)
        raise UsageError(f"{name}:{line}:{column}: invalid rule file: {message}")
    return rule_from_data(data, name, False)


def _meet(a: Pattern, b: Pattern) -> bool:
    """Whether some change path is judged by a rule on ``a`` and one on ``b``: one pattern
    lies at or below the other (``*`` matching any segment)."""
    return all(x == y or "*" in (x, y) for x, y in zip(a, b, strict=False))


def _check_replacements(rules: list[Rule]) -> None:
    """A user change rule whose paths meet those of a built-in rule takes changes from it: it
    must say so in ``replaces``. The fallbacks (VMSS001, VMSS002...: defaults for what no
    more specific rule covers) are there to be refined, and need no ``replaces``."""
    builtin = [r for r in rules if isinstance(r, ChangeRule) and r.builtin]
    refined = {r.id for r in builtin if r.fallback}
    ids = {r.id for r in builtin}
    for rule in rules:
        if not isinstance(rule, ChangeRule) or rule.builtin:
            continue
        unknown = [i for i in rule.replaces if i not in ids]
        if unknown:
            raise UsageError(f"{rule.file}: invalid rule file: replaces {', '.join(unknown)}, which is not a "
                             "built-in change rule")
        taken = sorted({b.id for b in builtin if b.id not in refined
                        for bp in b.patterns if bp for p in rule.patterns if _meet(p, bp)})
        missing = [i for i in taken if i not in rule.replaces]
        if missing:
            raise UsageError(f"{rule.file}: {rule.id} judges paths of built-in rule{'s' if len(missing) > 1 else ''} "
                             f"{', '.join(missing)}: a rule file replaces a built-in rule only when it says so "
                             f'(add "replaces": {json.dumps(missing if len(missing) > 1 else missing[0])}); '
                             "the plan then lists the replacement")


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
                      fallback=bool(data.get("fallback", False)), override=data.get("override"),
                      replaces=_replaces(data.get("replaces")))


def _replaces(value: Any) -> tuple[str, ...]:
    """``replaces``: one id or a list of them."""
    if isinstance(value, str):
        return (value,)
    return tuple(value) if isinstance(value, list) else ()


def _severity(text: str) -> Severity:
    try:
        return Severity[text.strip().upper()]
    except KeyError:
        raise UsageError(f"unknown severity {text!r} (expected error, warning or info)") from None
