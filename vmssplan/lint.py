"""Stage: single-document cross-field lint of one scale set, from the rules in ``lint/`` (data).

Each lint rule is one JSON file (``lint/LINTnnn-slug.json``, schema ``schemas/lint.schema.json``):
a stable id, a severity, a ``check`` written in the small condition vocabulary below, the
pointer of the offending property, a message, the evidence and test cases. The input is the
*canonical* model (REST shape, ``properties`` envelope, keyed arrays in key order; see
:mod:`vmssplan.normalize`), and every finding's ``pointer`` is an RFC 6901 pointer into it.

Conditions (one key each), evaluated in three-valued logic: true, false or *undecided*.
A value known only after deployment (:func:`vmssplan.model.is_unknown`) makes the condition
that reads it undecided, and a rule fires only when its check is *true*: never on a guess.
A :class:`~vmssplan.model.SensitiveValue` is an opaque value that is present.

- ``{"all": [...]}``, ``{"any": [...]}``, ``{"not": {...}}`` (Kleene logic: ``all`` is false
  if any part is false, ``any`` is true if any part is true, ``not`` keeps undecided).
- ``{"exists": POINTER}``: a value is present (null and absent are the same in ARM).
- ``{"equals": {"pointer": P, "values": [...]}}``: the value equals one of ``values``;
  strings compare without regard to case (enum values, ``latest``); ``null`` in ``values``
  matches an absent value (Azure's default).
- ``{"count": {"pointer": P, "op": OP, "value": N}}``: the length of the array at ``P``
  (absent = 0) compared with ``N``; OP is one of ``== != < <= > >=``.
- ``{"number": {"pointer": P, "op": OP, "value": N}}``: the number at ``P`` (false when absent).
- ``{"matches": {"pointer": P, "pattern": REGEX}}``: the string at ``P`` matches (re.search,
  case-insensitive; false when absent).
- ``{"distinct": {"pointer": P, "key": K}}``: the items of the array at ``P`` (their key
  ``K``, or the items themselves without ``key``) are all different, ignoring case.
- ``{"predicate": {"name": NAME, "op": OP, "value": N}}``: a named count that cannot be data:
  ``health_sources`` (load-balancer health probe + Application Health extensions),
  ``app_health_extensions``, ``load_balancers`` (distinct load balancers whose backend pools
  the NICs reference).

Pointers are absolute (``/properties/...``) or, in a rule with ``for_each``, relative to the
current item (``@`` is the item, ``@/managedDisk/storageAccountType`` a value below it).
``for_each`` is a pointer whose ``*`` segments match every key or index; the rule is checked
once per match, so each offending data disk gets its own finding.

``applies_to`` narrows a rule to orchestration modes and upgrade modes, with Azure's defaults
for absent values (Uniform, Manual).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from .data import data_dir, rule_files, schema_text
from .model import Finding, ScaleSet, SensitiveValue, Severity, UsageError, is_unknown

_OPS = ("==", "!=", "<", "<=", ">", ">=")
_LOGIC = ("all", "any", "not")
_LEAVES = ("exists", "equals", "count", "number", "matches", "distinct", "predicate")
PREDICATES = ("health_sources", "app_health_extensions", "load_balancers")

HEALTH_PROBE_ID = ("properties", "virtualMachineProfile", "networkProfile", "healthProbe", "id")
EXTENSIONS = ("properties", "virtualMachineProfile", "extensionProfile", "extensions", "*")
BACKEND_POOL_IDS = ("properties", "virtualMachineProfile", "networkProfile", "networkInterfaceConfigurations", "*",
                    "properties", "ipConfigurations", "*", "properties", "loadBalancerBackendAddressPools", "*", "id")
APP_HEALTH_TYPES = frozenset({"applicationhealthlinux", "applicationhealthwindows"})
APP_HEALTH_PUBLISHER = "microsoft.managedservices"


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
    """Fail early (at load) on a condition the evaluator does not know."""
    if not isinstance(cond, dict) or len(cond) != 1:
        raise ValueError(f"{rule_id}: a condition is an object with exactly one key, got {cond!r}")
    (name, arg), = cond.items()
    if name in ("all", "any"):
        if not isinstance(arg, list) or not arg:
            raise ValueError(f"{rule_id}: {name!r} takes a non-empty list of conditions")
        for sub in arg:
            _check_condition(sub, rule_id)
    elif name == "not":
        _check_condition(arg, rule_id)
    elif name not in _LEAVES:
        raise ValueError(f"{rule_id}: unknown condition {name!r}")
    elif name == "predicate" and arg.get("name") not in PREDICATES:
        raise ValueError(f"{rule_id}: unknown predicate {arg.get('name')!r}")
    elif name in ("count", "number", "predicate") and arg.get("op") not in _OPS:
        raise ValueError(f"{rule_id}: unknown comparison {arg.get('op')!r}")


# --- values ----------------------------------------------------------------------------

_ABSENT, _PRESENT, _UNKNOWN = "absent", "present", "unknown"


def parse_pointer(pointer: str) -> tuple[str, ...]:
    if not pointer:
        return ()
    return tuple(p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:])


def format_pointer(tokens: tuple[str, ...]) -> str:
    return "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in tokens)


#: Types that are never opaque (neither unknown nor a secret): what a canonical model is
#: made of, recognised by ``type(...) in`` rather than by reading a class attribute.
_PLAIN_TYPES = frozenset({dict, list, str, int, float, bool, type(None)})


def _opaque(value: Any) -> bool:
    """A value whose contents cannot be read: known after deployment, or a secret."""
    return type(value) not in _PLAIN_TYPES and (is_unknown(value) or isinstance(value, SensitiveValue))


def lookup(model: Any, tokens: tuple[str, ...]) -> tuple[str, Any]:
    """(``absent`` | ``present`` | ``unknown``, value) at ``tokens``."""
    node = model
    for token in tokens:
        if _opaque(node):
            return _UNKNOWN, node
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return _ABSENT, None
    if node is None:
        return _ABSENT, None
    if is_unknown(node):
        return _UNKNOWN, node
    return _PRESENT, node


def walk(model: Any, pattern: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], bool, Any]]:
    """Every match of ``pattern`` (``*`` = any key or index): (tokens, complete, value).

    ``complete`` is false when the walk stopped at a value known only after deployment
    (an unknown array or object): how many matches lie below it cannot be known.
    """
    def go(node: Any, rest: tuple[str, ...], here: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], bool, Any]]:
        if node is None:
            return
        if not rest:
            yield here, True, node
            return
        if _opaque(node):
            yield here, False, node
            return
        head, tail = rest[0], rest[1:]
        if isinstance(node, dict):
            keys = list(node) if head == "*" else [head] if head in node else []
            for key in keys:
                yield from go(node[key], tail, here + (key,))
        elif isinstance(node, list):
            indexes = range(len(node)) if head == "*" else (
                [int(head)] if head.isdigit() and int(head) < len(node) else [])
            for i in indexes:
                yield from go(node[i], tail, here + (str(i),))

    yield from go(model, pattern, ())


def _same(value: Any, candidate: Any) -> bool:
    if isinstance(candidate, str):
        return isinstance(value, str) and value.casefold() == candidate.casefold()
    if isinstance(candidate, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(candidate, bool) and value is candidate
    if isinstance(candidate, (int, float)):
        return isinstance(value, (int, float)) and value == candidate
    return bool(value == candidate)


def _compare(lo: float, hi: float | None, op: str, n: float) -> bool | None:
    """``x OP n`` for every x in [lo, hi] (hi None: unbounded): true, false or undecided."""
    if op == "!=":
        eq = _compare(lo, hi, "==", n)
        return None if eq is None else not eq
    top = float("inf") if hi is None else hi
    if op == "==":
        if lo == top == n:
            return True
        return False if n < lo or n > top else None
    if op == ">":
        return True if lo > n else False if top <= n else None
    if op == ">=":
        return True if lo >= n else False if top < n else None
    if op == "<":
        return True if top < n else False if lo >= n else None
    if op == "<=":
        return True if top <= n else False if lo > n else None
    raise ValueError(f"unknown comparison {op!r}")


def _all(values: Iterator[bool | None]) -> bool | None:
    result: bool | None = True
    for value in values:
        if value is False:
            return False
        if value is None:
            result = None
    return result


def _any(values: Iterator[bool | None]) -> bool | None:
    result: bool | None = False
    for value in values:
        if value is True:
            return True
        if value is None:
            result = None
    return result


# --- named predicates ------------------------------------------------------------------


def _text_is(model: Any, tokens: tuple[str, ...], accepted: frozenset[str]) -> bool | None:
    state, value = lookup(model, tokens)
    if state == _UNKNOWN or isinstance(value, SensitiveValue):
        return None
    if state == _ABSENT:
        return False
    return isinstance(value, str) and value.casefold() in accepted


def _app_health_extensions(model: Any) -> tuple[int, int | None]:
    lo, hi = 0, 0
    for tokens, complete, item in walk(model, EXTENSIONS):
        if not complete:
            return lo, None
        if _opaque(item):
            hi += 1
            continue
        if not isinstance(item, dict):
            continue
        is_type = _text_is(item, ("properties", "type"), APP_HEALTH_TYPES)
        # Without a publisher the extension is not a valid one: undecided, not "no".
        state, _ = lookup(item, ("properties", "publisher"))
        is_publisher = None if state == _ABSENT else _text_is(item, ("properties", "publisher"),
                                                                frozenset({APP_HEALTH_PUBLISHER}))
        verdict = _all(iter((is_type, is_publisher)))
        if verdict is True:
            lo, hi = lo + 1, hi + 1
        elif verdict is None:
            hi += 1
    return lo, hi


def _health_probes(model: Any) -> tuple[int, int]:
    state, _ = lookup(model, HEALTH_PROBE_ID)
    if state == _UNKNOWN:
        return 0, 1
    return (1, 1) if state == _PRESENT else (0, 0)


def _health_sources(model: Any) -> tuple[int, int | None]:
    p_lo, p_hi = _health_probes(model)
    e_lo, e_hi = _app_health_extensions(model)
    return p_lo + e_lo, None if e_hi is None else p_hi + e_hi


def _load_balancers(model: Any) -> tuple[int, int | None]:
    known: set[str] = set()
    unknown = 0
    for tokens, complete, value in walk(model, BACKEND_POOL_IDS):
        if not complete:
            return len(known), None
        if not isinstance(value, str):
            unknown += 1 if _opaque(value) else 0
            continue
        lb = value.casefold().partition("/backendaddresspools/")[0].rstrip("/")
        known.add(lb)
    return len(known), len(known) + unknown


_PREDICATE_FUNCTIONS = {
    "health_sources": _health_sources,
    "app_health_extensions": _app_health_extensions,
    "load_balancers": _load_balancers,
}


# --- evaluation ------------------------------------------------------------------------


@dataclass
class _Scope:
    model: Any
    item: tuple[str, ...] = ()

    def tokens(self, pointer: str) -> tuple[str, ...]:
        if pointer == "@":
            return self.item
        if pointer.startswith("@/"):
            return self.item + parse_pointer(pointer[1:])
        return parse_pointer(pointer)

    def value(self, pointer: str) -> tuple[str, Any]:
        return lookup(self.model, self.tokens(pointer))


def holds(cond: dict[str, Any], scope: _Scope) -> bool | None:
    """True, False or None (undecided) for one condition."""
    (name, arg), = cond.items()
    if name == "all":
        return _all(holds(c, scope) for c in arg)
    if name == "any":
        return _any(holds(c, scope) for c in arg)
    if name == "not":
        inner = holds(arg, scope)
        return None if inner is None else not inner
    if name == "predicate":
        lo, hi = _PREDICATE_FUNCTIONS[arg["name"]](scope.model)
        return _compare(lo, hi, arg["op"], arg["value"])
    state, value = scope.value(arg if name == "exists" else arg["pointer"])
    if state == _UNKNOWN:
        return None
    if name == "exists":
        return state == _PRESENT
    if name == "count":
        if state == _ABSENT:
            return _compare(0, 0, arg["op"], arg["value"])
        if not isinstance(value, list):
            return None  # a secret, or not an array: cannot be counted
        return _compare(len(value), len(value), arg["op"], arg["value"])
    if name == "distinct":
        return _distinct(value if state == _PRESENT else [], arg.get("key"))
    if state == _ABSENT:
        return None in arg["values"] if name == "equals" else False
    if isinstance(value, SensitiveValue):
        return None  # present, but its value cannot be read
    if name == "equals":
        return any(_same(value, c) for c in arg["values"] if c is not None)
    if name == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        return _compare(value, value, arg["op"], arg["value"])
    if name == "matches":
        return isinstance(value, str) and re.search(arg["pattern"], value, re.IGNORECASE) is not None
    raise ValueError(f"unknown condition {name!r}")  # the schema and _check_condition make this unreachable


def _distinct_key(key: str | None) -> tuple[str, ...] | None:
    """The tokens of a ``distinct`` key (``a.b`` reads ``/a/b`` of each item)."""
    return None if key is None else parse_pointer("/" + key.replace(".", "/"))


def _distinct(items: Any, key: str | None) -> bool | None:
    return _distinct_by(items, _distinct_key(key))


def _distinct_by(items: Any, key: tuple[str, ...] | None) -> bool | None:
    if not isinstance(items, list):
        return None
    seen: set[Any] = set()
    undecided = False
    for item in items:
        value = item
        if key is not None:
            state, value = lookup(item, key)
            if state == _ABSENT:
                continue
        if _opaque(value):
            undecided = True
            continue
        folded = value.casefold() if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
        if folded in seen:
            return False
        seen.add(folded)
    return None if undecided else True


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


def _applies(rule: LintRule, scope: _Scope) -> bool | None:
    return _all(holds(c, scope) for c in _applies_conditions(rule.applies_to))


def _finding_pointer(rule: LintRule, scope: _Scope) -> str:
    """The first of the rule's pointers that has a value; else the deepest existing
    ancestor of the first (so the finding can always be located in the document)."""
    for pointer in rule.pointers:
        tokens = scope.tokens(pointer)
        if lookup(scope.model, tokens)[0] != _ABSENT:
            return format_pointer(tokens)
    tokens = scope.tokens(rule.pointers[0])
    while tokens and lookup(scope.model, tokens)[0] == _ABSENT:
        tokens = tokens[:-1]
    return format_pointer(tokens)


def _items(rule: LintRule, model: Any) -> Iterator[tuple[str, ...]]:
    return _for_each_items(rule.for_each, model)


def _for_each_items(for_each: str | None, model: Any) -> Iterator[tuple[str, ...]]:
    if for_each is None:
        yield ()
        return
    for tokens, complete, _ in walk(model, parse_pointer(for_each)):
        if complete:  # below an unknown array nothing can be said about its items
            yield tokens


def lint_model(model: dict[str, Any], rules: tuple[LintRule, ...] | None = None, file: str = "") -> list[Finding]:
    """Findings of the lint rules on one canonical scale-set model."""
    rules = load_lint_rules() if rules is None else rules
    findings: list[Finding] = []
    for rule in rules:
        if _applies(rule, _Scope(model)) is not True:
            continue
        for item in _items(rule, model):
            scope = _Scope(model, item)
            if holds(rule.check, scope) is True:
                findings.append(Finding(rule.id, rule.message, rule.severity, file=file,
                                        pointer=_finding_pointer(rule, scope)))
    return sorted(set(findings), key=lambda f: (f.pointer, f.rule, f.message))


def lint_scale_set(scale_set: ScaleSet, rules: tuple[LintRule, ...] | None = None) -> list[Finding]:
    """Cross-field findings of one scale set (its canonical model).

    ``pointer`` of each finding points into ``scale_set.model``; ``file`` is the source
    file; ``line``/``column`` are left for the caller, who maps the canonical pointer back to
    the user's document.
    """
    return lint_model(scale_set.model, rules, scale_set.source.file)
