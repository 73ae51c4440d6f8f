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
import weakref
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

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


_MISSING = object()
_ABSENT_VALUE: tuple[str, Any] = (_ABSENT, None)


def _lookup(model: Any, tokens: tuple[str, ...]) -> tuple[str, Any]:
    """:func:`lookup`, with a fast path through plain dicts and lists (a canonical model
    is made of them); anything else (an unknown, a secret) goes to :func:`lookup`."""
    node = model
    for token in tokens:
        kind = type(node)
        if kind is dict:
            node = node.get(token, _MISSING)
            if node is _MISSING:
                return _ABSENT_VALUE
        elif kind is list:
            if token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                return _ABSENT_VALUE
        elif kind in _PLAIN_TYPES:  # None or a scalar: nothing below it
            return _ABSENT_VALUE
        else:  # an unknown or a secret on the way
            return lookup(model, tokens)
    if node is None:
        return _ABSENT_VALUE
    if type(node) in _PLAIN_TYPES or not is_unknown(node):
        return _PRESENT, node
    return _UNKNOWN, node


def _walk(model: Any, pattern: tuple[str, ...]) -> list[tuple[tuple[str, ...], bool, Any]]:
    """:func:`walk` as a list, with a fast path through plain dicts and lists; from any
    other value on (an unknown, a secret) it is :func:`walk` itself."""
    matches: list[tuple[tuple[str, ...], bool, Any]] = []
    _walk_into(model, pattern, 0, (), matches)
    return matches


def _walk_into(node: Any, pattern: tuple[str, ...], depth: int, here: tuple[str, ...],
               matches: list[tuple[tuple[str, ...], bool, Any]]) -> None:
    end = len(pattern)
    while depth < end:  # down a key or an index in a loop; a call for each "*" match
        kind = type(node)
        head = pattern[depth]
        depth += 1
        if kind is dict:
            if head == "*":
                for key, value in node.items():
                    _walk_into(value, pattern, depth, here + (key,), matches)
                return
            node = node.get(head, _MISSING)
            if node is _MISSING:
                return
            here += (head,)
        elif kind is list:
            if head == "*":
                for i, value in enumerate(node):
                    _walk_into(value, pattern, depth, here + (str(i),), matches)
                return
            if not (head.isdigit() and int(head) < len(node)):
                return
            node = node[int(head)]
            here += (str(int(head)),)
        elif kind in _PLAIN_TYPES:  # None or a scalar: nothing below it
            return
        else:
            matches.extend((here + tokens, complete, value)
                           for tokens, complete, value in walk(node, pattern[depth - 1:]))
            return
    if node is not None:
        matches.append((here, True, node))


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
    state, value = _lookup(model, tokens)
    if state == _UNKNOWN or isinstance(value, SensitiveValue):
        return None
    if state == _ABSENT:
        return False
    return isinstance(value, str) and value.casefold() in accepted


def _app_health_extensions(model: Any) -> tuple[int, int | None]:
    lo, hi = 0, 0
    for tokens, complete, item in _walk(model, EXTENSIONS):
        if not complete:
            return lo, None
        if _opaque(item):
            hi += 1
            continue
        if not isinstance(item, dict):
            continue
        is_type = _text_is(item, ("properties", "type"), APP_HEALTH_TYPES)
        # Without a publisher the extension is not a valid one: undecided, not "no".
        state, _ = _lookup(item, ("properties", "publisher"))
        is_publisher = None if state == _ABSENT else _text_is(item, ("properties", "publisher"),
                                                                frozenset({APP_HEALTH_PUBLISHER}))
        verdict = _all(iter((is_type, is_publisher)))
        if verdict is True:
            lo, hi = lo + 1, hi + 1
        elif verdict is None:
            hi += 1
    return lo, hi


def _health_probes(model: Any) -> tuple[int, int]:
    state, _ = _lookup(model, HEALTH_PROBE_ID)
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
    for tokens, complete, value in _walk(model, BACKEND_POOL_IDS):
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
#
# ``holds`` below is the reference interpreter: it reads a condition as written. Linting
# uses the same logic compiled once per rule (``_compile_rule``): pointers parsed, regexes
# compiled and the ``applies_to`` conditions built at the first use of a rule, not for every
# model; and within one ``lint_model`` call the values at pointers, the verdicts of
# conditions that do not depend on a ``for_each`` item, the named predicates and the
# ``for_each`` matches are each worked out once (many rules read the same properties).
# Whatever the compiler does not recognise is left to ``holds``, so a malformed rule fails
# the same way, at the same moment, as it would under the interpreter.


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


# --- compiled evaluation ---------------------------------------------------------------

#: The types of JSON scalars: the values that ``_compile_equals`` compares without ``_same``
#: and that make up a condition ``_json_key`` accepts.
_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})


class _Context:
    """What one ``lint_model`` call has worked out about its model, shared by the rules."""

    __slots__ = ("model", "values", "verdicts", "counts", "matches")

    def __init__(self, model: Any) -> None:
        self.model = model
        self.values: dict[str, tuple[str, Any]] = {}  # absolute pointer -> _lookup()
        self.verdicts: dict[str, Any] = {}  # condition (as JSON) -> true, false or None (undecided)
        self.counts: dict[str, tuple[int, int | None]] = {}  # predicate name -> (lo, hi)
        self.matches: dict[str, list[tuple[str, ...]]] = {}  # for_each -> complete matches


#: A compiled condition: (context, for_each item) -> true, false or undecided.
_Test = Callable[[_Context, tuple[str, ...]], "bool | None"]
_Getter = Callable[[_Context, tuple[str, ...]], tuple[str, Any]]
_Items = Callable[[_Context], Iterable[tuple[str, ...]]]


def _interpreted(cond: Any) -> _Test:
    """The condition left to the interpreter (one the compiler does not recognise)."""
    return lambda ctx, item: holds(cond, _Scope(ctx.model, item))


def _json_key(cond: Any) -> str | None:
    """A key that is the same for two conditions only if they mean the same: their JSON,
    for a condition made only of JSON values (else None: such a condition is not shared)."""
    def plain(value: Any) -> bool:
        if isinstance(value, dict):
            return all(type(k) is str and plain(v) for k, v in value.items())
        if isinstance(value, list):
            return all(plain(v) for v in value)
        return type(value) in _JSON_SCALARS

    if not plain(cond):
        return None
    try:
        return json.dumps(cond, sort_keys=True)
    except ValueError:
        return None


def _getter(pointer: str) -> tuple[_Getter, bool]:
    """(how to read the value at ``pointer``, whether it depends on the for_each item)."""
    if pointer == "@":
        return (lambda ctx, item: _lookup(ctx.model, item)), True
    if pointer.startswith("@/"):
        relative = parse_pointer(pointer[1:])
        return (lambda ctx, item: _lookup(ctx.model, item + relative)), True
    tokens = parse_pointer(pointer)

    def absolute(ctx: _Context, item: tuple[str, ...]) -> tuple[str, Any]:
        # Read once a model: many rules read the same properties.
        values = ctx.values
        found = values.get(pointer)
        if found is None:
            found = values[pointer] = _lookup(ctx.model, tokens)
        return found

    return absolute, False


def _compile(cond: Any) -> tuple[_Test, bool]:
    """(test, whether it depends on the for_each item); the same verdicts as ``holds``."""
    test, per_item, key = _compile_part(cond)
    if key is None:
        return test, per_item

    def memo(ctx: _Context, item: tuple[str, ...]) -> bool | None:
        # The same condition in several rules (and in applies_to) is decided once a model.
        verdicts = ctx.verdicts
        verdict = verdicts.get(key, _MISSING)
        if verdict is _MISSING:
            verdict = verdicts[key] = test(ctx, item)
        return verdict

    return memo, False


def _compile_part(cond: Any) -> tuple[_Test, bool, str | None]:
    """(test, whether it depends on the for_each item, memo key): a leaf that does not
    depend on the item has a key in ``_Context.verdicts``, so that the same condition in
    several rules (and in ``applies_to``) is decided once a model; ``test`` itself does
    not look there."""
    if not isinstance(cond, dict) or len(cond) != 1:
        return _interpreted(cond), True, None
    (name, arg), = cond.items()
    if name in ("all", "any", "not"):
        return (*_compile_logic(name, arg, cond), None)
    try:
        test, per_item = _compile_leaf(name, arg)
    except (AttributeError, KeyError, TypeError, ValueError, re.error):
        return _interpreted(cond), True, None
    return test, per_item, None if per_item else _json_key(cond)


def _compile_logic(name: str, arg: Any, cond: dict[str, Any]) -> tuple[_Test, bool]:
    if name == "not":
        inner, per_item = _compile(arg)

        def negation(ctx: _Context, item: tuple[str, ...]) -> bool | None:
            verdict = inner(ctx, item)
            return None if verdict is None else not verdict

        return negation, per_item
    if not isinstance(arg, (list, tuple)):
        return _interpreted(cond), True
    compiled = [_compile_part(c) for c in arg]
    parts = tuple((key, test) for test, _, key in compiled)
    per_item = any(p for _, p, _ in compiled)
    # "all" stops at the first false part, "any" at the first true one; an undecided part
    # makes the result undecided unless a later part stops it.
    stop, result_if_none_stops = (False, True) if name == "all" else (True, False)

    def combination(ctx: _Context, item: tuple[str, ...]) -> bool | None:
        verdicts = ctx.verdicts
        result: bool | None = result_if_none_stops
        for key, part in parts:
            if key is None:
                verdict = part(ctx, item)
            else:  # the part's memo is read here, not in a wrapper: a call less a part
                verdict = verdicts.get(key, _MISSING)
                if verdict is _MISSING:
                    verdict = verdicts[key] = part(ctx, item)
            if verdict is stop:
                return stop
            if verdict is None:
                result = None
        return result

    return combination, per_item


def _compile_leaf(name: str, arg: Any) -> tuple[_Test, bool]:
    """One leaf condition; raises (and the caller falls back to ``holds``) on one it does
    not recognise. Branch by branch the same as ``holds``."""
    if name == "predicate":
        return _compile_predicate(arg), False
    pointer = arg if name == "exists" else arg["pointer"]
    if not isinstance(pointer, str):
        raise TypeError("a pointer is a string")
    get, per_item = _getter(pointer)
    if name == "exists":
        def exists(ctx: _Context, item: tuple[str, ...]) -> bool | None:
            state = get(ctx, item)[0]
            return None if state is _UNKNOWN else state is _PRESENT

        return exists, per_item
    if name == "count":
        op, n = arg["op"], arg["value"]

        def count(ctx: _Context, item: tuple[str, ...]) -> bool | None:
            state, value = get(ctx, item)
            if state is _UNKNOWN:
                return None
            if state is _ABSENT:
                return _compare(0, 0, op, n)
            if not isinstance(value, list):
                return None  # a secret, or not an array: cannot be counted
            return _compare(len(value), len(value), op, n)

        return count, per_item
    if name == "distinct":
        key = arg.get("key")
        if key is not None and not isinstance(key, str):
            raise TypeError("a distinct key is a string")
        key_tokens = _distinct_key(key)

        def distinct(ctx: _Context, item: tuple[str, ...]) -> bool | None:
            state, value = get(ctx, item)
            if state is _UNKNOWN:
                return None
            return _distinct_by(value if state is _PRESENT else [], key_tokens)

        return distinct, per_item
    if name == "equals":
        return _compile_equals(get, arg["values"]), per_item
    if name == "number":
        op, n = arg["op"], arg["value"]

        def number(ctx: _Context, item: tuple[str, ...]) -> bool | None:
            state, value = get(ctx, item)
            if state is _UNKNOWN or isinstance(value, SensitiveValue):
                return None
            if state is _ABSENT:
                return False
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return None
            return _compare(value, value, op, n)

        return number, per_item
    if name == "matches":
        pattern = re.compile(arg["pattern"], re.IGNORECASE)  # what re.search would compile

        def matches(ctx: _Context, item: tuple[str, ...]) -> bool | None:
            state, value = get(ctx, item)
            if state is _UNKNOWN or isinstance(value, SensitiveValue):
                return None
            if state is _ABSENT:
                return False
            return isinstance(value, str) and pattern.search(value) is not None

        return matches, per_item
    raise ValueError(f"unknown condition {name!r}")


def _compile_equals(get: _Getter, values: Any) -> _Test:
    if not isinstance(values, list):
        raise TypeError("equals takes a list of values")
    if_absent = None in values
    candidates = tuple(c for c in values if c is not None)
    # With JSON scalars only, _same reduces to: a string equals the strings ignoring case,
    # a boolean is one of the booleans; other values (numbers...) still go through _same.
    simple = all(type(c) in _JSON_SCALARS for c in values)
    folded = frozenset(c.casefold() for c in candidates if isinstance(c, str))
    booleans = tuple(c for c in candidates if type(c) is bool)

    def equals(ctx: _Context, item: tuple[str, ...]) -> bool | None:
        state, value = get(ctx, item)
        if state is _UNKNOWN:
            return None
        if state is _ABSENT:
            return if_absent
        if simple:
            kind = type(value)
            if kind is str:
                return value.casefold() in folded
            if kind is bool:
                return any(value is c for c in booleans)
        if isinstance(value, SensitiveValue):
            return None  # present, but its value cannot be read
        return any(_same(value, c) for c in candidates)

    return equals


def _compile_predicate(arg: Any) -> _Test:
    name, op, n = arg["name"], arg["op"], arg["value"]
    function = _PREDICATE_FUNCTIONS[name]

    def predicate(ctx: _Context, item: tuple[str, ...]) -> bool | None:
        counts = ctx.counts.get(name)
        if counts is None:
            counts = ctx.counts[name] = function(ctx.model)
        lo, hi = counts
        return _compare(lo, hi, op, n)

    return predicate


@dataclass(frozen=True)
class _CompiledRule:
    """A rule's ``applies_to``, ``for_each`` and ``check``, compiled. It holds no reference
    to its rule, so that ``_COMPILED`` does not keep rules alive."""

    #: Whether the rule applies to the model; None without ``applies_to`` (it always does).
    applies: _Test | None
    #: The for_each items; None without ``for_each`` (the rule is checked on ``()``).
    items: _Items | None
    check: _Test


#: A rule and its compiled parts, as ``lint_model`` unpacks them.
_Step = tuple[LintRule, "_Test | None", "_Items | None", _Test]


def _compile_rule(rule: LintRule) -> _CompiledRule:
    """Never raises: what cannot be compiled is evaluated as before (``_applies``,
    ``_items``, ``holds``), so a broken rule fails when, and as, it always did."""
    applies_to, for_each, check = rule.applies_to, rule.for_each, rule.check
    try:
        return _CompiledRule(_compile_applies(applies_to), _compile_items(for_each), _compile(check)[0])
    except Exception:  # noqa: BLE001 - e.g. a condition nested beyond the recursion limit
        return _CompiledRule(_interpreted_applies(applies_to), lambda ctx: _for_each_items(for_each, ctx.model),
                             _interpreted(check))


def _interpreted_applies(applies_to: Any) -> _Test:
    return lambda ctx, item: _all(holds(c, _Scope(ctx.model)) for c in _applies_conditions(applies_to))


def _compile_applies(applies_to: Any) -> _Test | None:
    try:
        conditions = _applies_conditions(applies_to)
    except Exception:  # noqa: BLE001 - a malformed applies_to fails when evaluated
        return _interpreted_applies(applies_to)
    if not conditions:
        return None
    if len(conditions) == 1:
        return _compile(conditions[0])[0]  # "all" of one verdict is that verdict
    return _compile({"all": conditions})[0]


def _compile_items(for_each: Any) -> _Items | None:
    if for_each is None:
        return None
    if not isinstance(for_each, str):
        return lambda ctx: _for_each_items(for_each, ctx.model)
    pattern = parse_pointer(for_each)

    def items(ctx: _Context) -> list[tuple[str, ...]]:
        found = ctx.matches.get(for_each)
        if found is None:
            # below an unknown array nothing can be said about its items
            found = ctx.matches[for_each] = [tokens for tokens, complete, _ in _walk(ctx.model, pattern) if complete]
        return found

    return items


#: Compiled rules by ``id(rule)``; an entry goes when its rule does (``weakref.finalize``).
#: Rules are frozen: their conditions are not expected to change once linted with.
_COMPILED: dict[int, _CompiledRule] = {}
#: The last tuple of rules linted with and its steps (usually the built-in rules: the same
#: tuple every time, ``load_lint_rules`` is cached).
_LAST_PROGRAM: tuple[tuple[LintRule, ...], tuple[_Step, ...]] | None = None


def _compiled(rule: LintRule) -> _CompiledRule:
    found = _COMPILED.get(id(rule))
    if found is None:
        found = _compile_rule(rule)
        try:
            weakref.finalize(rule, _COMPILED.pop, id(rule), None)
        except TypeError:  # not weakly referenceable: compiled again next time
            return found
        _COMPILED[id(rule)] = found
    return found


def _program(rules: Iterable[LintRule]) -> tuple[_Step, ...]:
    global _LAST_PROGRAM
    last = _LAST_PROGRAM
    if last is not None and last[0] is rules:
        return last[1]
    steps = []
    for rule in rules:
        compiled = _compiled(rule)
        steps.append((rule, compiled.applies, compiled.items, compiled.check))
    program = tuple(steps)
    if type(rules) is tuple:  # immutable: the same object is the same rules
        _LAST_PROGRAM = (rules, program)
    return program


def lint_model(model: dict[str, Any], rules: tuple[LintRule, ...] | None = None, file: str = "") -> list[Finding]:
    """Findings of the lint rules on one canonical scale-set model."""
    rules = load_lint_rules() if rules is None else rules
    ctx = _Context(model)
    findings: list[Finding] = []
    for rule, applies, items, check in _program(rules):
        if applies is not None and applies(ctx, ()) is not True:
            continue
        for item in ((),) if items is None else items(ctx):
            if check(ctx, item) is True:
                findings.append(Finding(rule.id, rule.message, rule.severity, file=file,
                                        pointer=_finding_pointer(rule, _Scope(model, item))))
    return sorted(set(findings), key=lambda f: (f.pointer, f.rule, f.message))


def lint_scale_set(scale_set: ScaleSet, rules: tuple[LintRule, ...] | None = None) -> list[Finding]:
    """Cross-field findings of one scale set (its canonical model).

    ``pointer`` of each finding points into ``scale_set.model``; ``file`` is the source
    file; ``line``/``column`` are left for the caller, who maps the canonical pointer back to
    the user's document.
    """
    return lint_model(scale_set.model, rules, scale_set.source.file)
