"""The condition language of every rule family, and its one evaluator.

A condition is a JSON object with one key; its verdict is three-valued: true, false or
*undecided* (``None``), when a value it reads is known only after deployment
(:func:`vmssplan.model.is_unknown`) or is a secret (:class:`vmssplan.model.SensitiveValue`,
present but unreadable). A rule acts only on a condition that is *true*: never on a guess.
The vocabulary (also in ``schemas/rule.schema.json``, ``$defs/condition``):

Logic (Kleene): ``{"all": [...]}`` is false if any part is false, ``{"any": [...]}`` true if
any part is true, ``{"not": {...}}`` keeps undecided.

Leaves that read a model at a pointer. A cross-field (lint) rule reads the scale set it
checks; a change rule reads the proposed (after) model, or the side it names. Pointers are
RFC 6901 pointers into the canonical model; ``@`` and ``@/...`` are relative to the current
``for_each`` item. Null and absent are the same (as in ARM).

- ``{"exists": P}`` or ``{"exists": {"pointer": P, "side": S}}``: a value is present at P
  (without ``side``, on either side of a change).
- ``{"equals": {"pointer": P, "values": [...]}}``: the value is one of ``values``; strings
  compare without regard to case; ``null`` in ``values`` matches an absent value.
- ``{"count": {"pointer": P, "op": OP, "value": N}}``: the length of the array at P (absent:
  0) compared with N; OP is one of ``== != < <= > >=``.
- ``{"number": {"pointer": P, "op": OP, "value": N}}``: the number at P (false when absent).
- ``{"matches": {"pointer": P, "pattern": REGEX}}``: the string at P matches (re.search,
  case-insensitive; false when absent).
- ``{"distinct": {"pointer": P, "key": K}}``: the items of the array at P (their key K, a
  dotted path, or the items themselves) are all different, ignoring case.
- ``{"predicate": {"name": NAME, "op": OP, "value": N}}``: a named count of
  :data:`PREDICATES` compared with N.

Leaves that read a change (change rules only); they are undecided on a value known only
after deployment, and take a secret for a value that equals none a rule names:

- ``{"op": [...]}``: the change's RFC 6902 operation is one of these.
- ``{"transition": {"from": A, "to": B}}``: the changed value goes from A to B (either may be
  left out), compared as ARM compares (:attr:`Subject.equal`); null means absent.
- ``{"same_parent": SEGMENT}``: before and after are resource ids equal up to the last
  ``/SEGMENT/`` (two subnets of the same virtual network).
- ``{"value": {"pointer": P, "side": S, "in": [...]}}``: the value at P on side S (default
  after) is one of ``in``, compared as ARM compares.
- ``{"api_version_below": DATE}``: the proposed side's apiVersion is older than DATE.
- ``{"verdict": {"effect": [...], "value_independent": B, "undecided": B}}`` (``override``
  conditions only): the verdict the path rules gave has one of these effects, came from a
  rule without ``when`` clauses (it says the same whatever the values), or could not be
  decided (a ``when`` condition was undecided); the keys given must all hold.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from . import shape
from .model import Effect, SensitiveValue, first_unknown, is_unknown
from .pointer import split

#: A condition's verdict: true, false or undecided (None).
Truth = bool | None
#: A count known to lie in [lo, hi] (hi None: unbounded).
Count = tuple[int, "int | None"]

OPS = ("==", "!=", "<", "<=", ">", ">=")
LOGIC = frozenset({"all", "any", "not"})
#: Leaves that read a model at a pointer: every family may use them.
MODEL_LEAVES = frozenset({"exists", "equals", "count", "number", "matches", "distinct", "predicate"})
#: Leaves that read a change: change rules only (``verdict``: their ``override`` only).
CHANGE_LEAVES = frozenset({"op", "transition", "same_parent", "value", "api_version_below"})
OVERRIDE_LEAVES = frozenset({"verdict"})

ABSENT, PRESENT, UNKNOWN = "absent", "present", "unknown"


# --- pointers and values ---------------------------------------------------------------


#: Types that are never opaque: what a canonical model is made of.
_PLAIN_TYPES = frozenset({dict, list, str, int, float, bool, type(None)})


def opaque(value: Any) -> bool:
    """A value whose contents cannot be read: known after deployment, or a secret."""
    return type(value) not in _PLAIN_TYPES and (is_unknown(value) or isinstance(value, SensitiveValue))


def lookup(model: Any, tokens: tuple[str, ...]) -> tuple[str, Any]:
    """(``absent`` | ``present`` | ``unknown``, value) at ``tokens``; a value below an opaque
    one is unknown, a secret itself is present."""
    node = model
    for token in tokens:
        if opaque(node):
            return UNKNOWN, node
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return ABSENT, None
    if node is None:
        return ABSENT, None
    if is_unknown(node):
        return UNKNOWN, node
    return PRESENT, node


def walk(model: Any, pattern: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], bool, Any]]:
    """Every match of ``pattern`` (``*`` = any key or index): (tokens, complete, value).

    ``complete`` is false when the walk stopped at an opaque value (an unknown array or
    object): how many matches lie below it cannot be known.
    """
    def go(node: Any, rest: tuple[str, ...], here: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], bool, Any]]:
        if node is None:
            return
        if not rest:
            yield here, True, node
            return
        if opaque(node):
            yield here, False, node
            return
        head, tail = rest[0], rest[1:]
        if isinstance(node, dict):
            for key in (list(node) if head == "*" else [head] if head in node else []):
                yield from go(node[key], tail, here + (key,))
        elif isinstance(node, list):
            indexes = range(len(node)) if head == "*" else (
                [int(head)] if head.isdigit() and int(head) < len(node) else [])
            for i in indexes:
                yield from go(node[i], tail, here + (str(i),))

    yield from go(model, pattern, ())


# --- what a condition reads ------------------------------------------------------------


@dataclass(frozen=True)
class ChangeFacts:
    """The change a change rule judges: its operation, path and the values on both sides."""

    op: str
    path: tuple[str, ...]
    before: Any
    after: Any
    #: Whether the values differ at all cannot be decided offline (see ``PatchOp.undecided``).
    undecided: bool = False


@dataclass(frozen=True)
class VerdictFacts:
    """The verdict the path rules gave a change, as ``override`` conditions see it."""

    effect: Effect
    #: From a rule without ``when`` clauses: the same whatever the values.
    value_independent: bool
    #: A ``when`` condition was undecided, so the verdict could be another one.
    undecided: bool


@dataclass
class Subject:
    """What a condition reads: the models on both sides (a lint rule's scale set is both),
    and for change rules the change, the proposed apiVersion and, in ``override``
    conditions, the verdict so far."""

    before: Any
    after: Any
    change: ChangeFacts | None = None
    #: The current ``for_each`` item (``@`` in pointers).
    item: tuple[str, ...] = ()
    api_version: str | None = None
    verdict: VerdictFacts | None = None
    #: Equality as ARM sees it (``transition``, ``value``): given by the classifier.
    equal: Callable[[tuple[str, ...], Any, Any], bool] | None = None
    #: The first value known only after deployment that left a leaf undecided (to say why).
    unknown: Any = None

    @classmethod
    def of_model(cls, model: Any, item: tuple[str, ...] = ()) -> Subject:
        """A lint rule's subject: one scale set, both sides."""
        return cls(model, model, item=item)

    def tokens(self, pointer: str) -> tuple[str, ...]:
        if pointer == "@":
            return self.item
        if pointer.startswith("@/"):
            return self.item + split(pointer[1:])
        return split(pointer)

    def read(self, pointer: str, side: str = "after") -> tuple[str, Any]:
        """:func:`lookup` of ``pointer`` on ``side``, noting an unknown value met."""
        state, value = lookup(self.before if side == "before" else self.after, self.tokens(pointer))
        if state == UNKNOWN:
            self.note(value)
        return state, value

    def note(self, value: Any) -> None:
        if self.unknown is None and is_unknown(value):
            self.unknown = value


# --- the evaluator ---------------------------------------------------------------------


def evaluate(cond: dict[str, Any], subject: Subject) -> Truth:
    """True, False or None (undecided) for one condition (assumed checked at load:
    :func:`condition_problems`)."""
    (name, arg), = cond.items()
    if name == "all":
        return _all(evaluate(c, subject) for c in arg)
    if name == "any":
        return _any(evaluate(c, subject) for c in arg)
    if name == "not":
        return _not(evaluate(arg, subject))
    return _LEAVES[name](arg, subject)


def _not(value: Truth) -> Truth:
    return None if value is None else not value


def _all(values: Iterable[Truth]) -> Truth:
    """Kleene and: false as soon as one is false, else undecided if one is, else true."""
    result: Truth = True
    for value in values:
        if value is False:
            return False
        if value is None:
            result = None
    return result


def _any(values: Iterable[Truth]) -> Truth:
    """Kleene or: not all of the negations."""
    return _not(_all(_not(value) for value in values))


def compare(lo: float, hi: float | None, op: str, n: float) -> Truth:
    """``x OP n`` for every x in [lo, hi] (hi None: unbounded): true, false or undecided."""
    if op == "!=":
        return _not(compare(lo, hi, "==", n))
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


def _exists(arg: Any, subject: Subject) -> Truth:
    pointer, sides = (arg, ("before", "after")) if isinstance(arg, str) else (
        arg["pointer"], (arg["side"],) if "side" in arg else ("before", "after"))
    states = [subject.read(pointer, side)[0] for side in sides]
    return _any(None if state == UNKNOWN else state == PRESENT for state in states)


def _equals(arg: Any, subject: Subject) -> Truth:
    state, value = subject.read(arg["pointer"])
    if state == UNKNOWN:
        return None
    if state == ABSENT:
        return None in arg["values"]
    if isinstance(value, SensitiveValue):
        return None  # present, but its value cannot be read
    return any(_same_ignoring_case(value, c) for c in arg["values"] if c is not None)


def _same_ignoring_case(value: Any, candidate: Any) -> bool:
    if isinstance(candidate, str):
        return isinstance(value, str) and value.casefold() == candidate.casefold()
    if isinstance(candidate, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(candidate, bool) and value is candidate
    if isinstance(candidate, (int, float)):
        return isinstance(value, (int, float)) and value == candidate
    return bool(value == candidate)


def _count(arg: Any, subject: Subject) -> Truth:
    state, value = subject.read(arg["pointer"])
    if state == UNKNOWN:
        return None
    if state == ABSENT:
        return compare(0, 0, arg["op"], arg["value"])
    if not isinstance(value, list):
        return None  # a secret, or not an array: cannot be counted
    return compare(len(value), len(value), arg["op"], arg["value"])


def _readable(arg: Any, subject: Subject) -> tuple[Truth, Any]:
    """(True, value) at ``arg["pointer"]``; (False, None) when absent; (None, None) when it
    cannot be read (known only after deployment, or a secret)."""
    state, value = subject.read(arg["pointer"])
    if state == UNKNOWN or isinstance(value, SensitiveValue):
        return None, None
    return (False, None) if state == ABSENT else (True, value)


def _number(arg: Any, subject: Subject) -> Truth:
    found, value = _readable(arg, subject)
    if found is not True:
        return found
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return compare(value, value, arg["op"], arg["value"])


def _matches(arg: Any, subject: Subject) -> Truth:
    found, value = _readable(arg, subject)
    if found is not True:
        return found
    return isinstance(value, str) and re.search(arg["pattern"], value, re.IGNORECASE) is not None


def _distinct(arg: Any, subject: Subject) -> Truth:
    state, items = subject.read(arg["pointer"])
    if state == UNKNOWN:
        return None
    if state == ABSENT:
        return True
    if not isinstance(items, list):
        return None
    key = None if arg.get("key") is None else split("/" + arg["key"].replace(".", "/"))
    seen: set[Any] = set()
    undecided = False
    for item in items:
        value = item
        if key is not None:
            state, value = lookup(item, key)
            if state == ABSENT:
                continue
        if opaque(value):
            subject.note(value)
            undecided = True
            continue
        folded = value.casefold() if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
        if folded in seen:
            return False
        seen.add(folded)
    return None if undecided else True


def _predicate(arg: Any, subject: Subject) -> Truth:
    lo, hi = PREDICATES[arg["name"]](subject)
    return compare(lo, hi, arg["op"], arg["value"])


def _op(arg: Any, subject: Subject) -> Truth:
    assert subject.change is not None
    return subject.change.op in arg


def _arm_same(subject: Subject, path: tuple[str, ...], value: Any, expected: Any) -> Truth:
    """``value`` equals ``expected`` as ARM compares (null: absent); undecided for a value
    known only after deployment (a secret is a value: it equals no value a rule names)."""
    if is_unknown(value):  # its known parts may decide it (a string is never null)
        same = shape.compare(path, value, expected)
        if same is None:
            subject.note(value)
        return same
    if expected is None:
        return value is None
    assert subject.equal is not None
    return value is not None and subject.equal(path, value, expected)


def _transition(arg: Any, subject: Subject) -> Truth:
    change = subject.change
    assert change is not None
    parts: list[Truth] = []
    if "from" in arg:
        parts.append(_arm_same(subject, change.path, change.before, arg["from"]))
    if "to" in arg:
        parts.append(_arm_same(subject, change.path, change.after, arg["to"]))
    return _all(parts)


def _same_parent(arg: Any, subject: Subject) -> Truth:
    change = subject.change
    assert change is not None
    marker = f"/{arg.lower()}/"
    parents = []
    for value in (change.before, change.after):
        if is_unknown(value):
            parent = value.before_last(marker)  # known parts of an id are enough when they hold the marker
            if parent is None:
                subject.note(value)
                return None
        elif isinstance(value, str) and marker in value.lower():
            parent = value.lower().rsplit(marker, 1)[0]
        else:
            return False
        parents.append(parent)
    same = shape.compare(("id",), *parents)
    if same is None:
        subject.note(next(value for value in (change.before, change.after) if is_unknown(value)))
    return same


def _value(arg: Any, subject: Subject) -> Truth:
    state, value = subject.read(arg["pointer"], arg.get("side", "after"))
    if state == UNKNOWN:
        return None
    if state == ABSENT:
        return False
    path = split(arg["pointer"])
    return _any(_arm_same(subject, path, value, candidate) for candidate in arg["in"])


def _api_version_below(arg: Any, subject: Subject) -> Truth:
    return subject.api_version is not None and subject.api_version[:10] < arg[:10]


def _verdict(arg: Any, subject: Subject) -> Truth:
    verdict = subject.verdict
    assert verdict is not None
    return (("effect" not in arg or verdict.effect.label in arg["effect"])
            and ("value_independent" not in arg or verdict.value_independent is arg["value_independent"])
            and ("undecided" not in arg or verdict.undecided is arg["undecided"]))


_LEAVES: dict[str, Callable[[Any, Subject], Truth]] = {
    "exists": _exists, "equals": _equals, "count": _count, "number": _number, "matches": _matches,
    "distinct": _distinct, "predicate": _predicate,
    "op": _op, "transition": _transition, "same_parent": _same_parent, "value": _value,
    "api_version_below": _api_version_below,
    "verdict": _verdict,
}


# --- named predicates ------------------------------------------------------------------
# Counts that are code, not data; each returns (lo, hi): the count is known to lie in that
# range (hi None: unbounded), so a value known only after deployment widens it instead of
# guessing. Model predicates read the scale set a lint rule checks, or the proposed model
# of a change.

HEALTH_PROBE_ID = split("/properties/virtualMachineProfile/networkProfile/healthProbe/id")
EXTENSIONS = split("/properties/virtualMachineProfile/extensionProfile/extensions/*")
BACKEND_POOL_IDS = split("/properties/virtualMachineProfile/networkProfile/networkInterfaceConfigurations/*"
                                 "/properties/ipConfigurations/*/properties/loadBalancerBackendAddressPools/*/id")
APP_HEALTH_TYPES = frozenset({"applicationhealthlinux", "applicationhealthwindows"})
APP_HEALTH_PUBLISHER = "microsoft.managedservices"
SERVICE_FABRIC_TYPES = frozenset({"servicefabricnode", "servicefabriclinuxnode"})
SERVICE_FABRIC_PUBLISHER = "microsoft.azure.servicefabric"
ORCHESTRATION_MODE = split("/properties/orchestrationMode")


def health_probes(subject: Subject) -> Count:
    """The load-balancer health probe: 1 when ``networkProfile.healthProbe.id`` is set, else
    0 (0 to 1 when it is known only after deployment)."""
    state, _ = lookup(subject.after, HEALTH_PROBE_ID)
    if state == UNKNOWN:
        return 0, 1
    return (1, 1) if state == PRESENT else (0, 0)


def _extensions_of(subject: Subject, types: frozenset[str], publisher: str) -> Count:
    """The extensions of the proposed model whose ``properties.type`` is one of ``types``
    and whose ``properties.publisher`` is ``publisher`` (both folded to lower case); an
    extension without a publisher, or with a type or publisher known only after deployment,
    may or may not be one."""
    lo, hi = 0, 0
    for _, complete, item in walk(subject.after, EXTENSIONS):
        if not complete:
            return lo, None
        if opaque(item):
            hi += 1
            continue
        if not isinstance(item, dict):
            continue
        is_type = _text_is(item, ("properties", "type"), types)
        state, _ = lookup(item, ("properties", "publisher"))
        is_publisher = None if state == ABSENT else _text_is(item, ("properties", "publisher"),
                                                               frozenset({publisher}))
        verdict = _all((is_type, is_publisher))
        if verdict is True:
            lo, hi = lo + 1, hi + 1
        elif verdict is None:
            hi += 1
    return lo, hi


def app_health_extensions(subject: Subject) -> Count:
    """The Application Health extensions: ``properties.type`` ApplicationHealthLinux or
    ApplicationHealthWindows and ``properties.publisher`` Microsoft.ManagedServices
    (an extension without a publisher may or may not be one)."""
    return _extensions_of(subject, APP_HEALTH_TYPES, APP_HEALTH_PUBLISHER)


def service_fabric_extensions(subject: Subject) -> Count:
    """The Service Fabric extensions, which make a scale set a Service Fabric node type:
    ``properties.type`` ServiceFabricNode or ServiceFabricLinuxNode and
    ``properties.publisher`` Microsoft.Azure.ServiceFabric."""
    return _extensions_of(subject, SERVICE_FABRIC_TYPES, SERVICE_FABRIC_PUBLISHER)


def _text_is(model: Any, tokens: tuple[str, ...], accepted: frozenset[str]) -> Truth:
    state, value = lookup(model, tokens)
    if state == UNKNOWN or isinstance(value, SensitiveValue):
        return None
    if state == ABSENT:
        return False
    return isinstance(value, str) and value.casefold() in accepted


def health_sources(subject: Subject) -> Count:
    """The health sources Rolling upgrades, automatic OS upgrades and automatic repairs read:
    :func:`health_probes` plus :func:`app_health_extensions`."""
    p_lo, p_hi = health_probes(subject)
    e_lo, e_hi = app_health_extensions(subject)
    return p_lo + e_lo, None if p_hi is None or e_hi is None else p_hi + e_hi


def health_signals(subject: Subject) -> Count:
    """The health sources Azure accepts for this orchestration mode, the one home of "has a
    health signal" for Rolling upgrades, automatic OS upgrades and automatic repairs: on a
    Uniform scale set (``orchestrationMode`` Uniform or absent) :func:`health_sources`, on a
    Flexible one only :func:`app_health_extensions` (a load-balancer probe does not count);
    when the mode is known only after deployment, either."""
    state, mode = lookup(subject.after, ORCHESTRATION_MODE)
    uniform = health_sources(subject)
    flexible = app_health_extensions(subject)
    if state == ABSENT or (isinstance(mode, str) and mode.casefold() == "uniform"):
        return uniform
    if isinstance(mode, str) and mode.casefold() == "flexible":
        return flexible
    if state == UNKNOWN:
        subject.note(mode)
    return min(uniform[0], flexible[0]), None if uniform[1] is None or flexible[1] is None else max(
        uniform[1], flexible[1])


def load_balancers(subject: Subject) -> Count:
    """The distinct load balancers whose backend pools the IP configurations reference."""
    known: set[str] = set()
    unknown = 0
    for _, complete, value in walk(subject.after, BACKEND_POOL_IDS):
        if not complete:
            return len(known), None
        if not isinstance(value, str):
            unknown += 1 if opaque(value) else 0
            continue
        known.add(value.casefold().partition("/backendaddresspools/")[0].rstrip("/"))
    return len(known), len(known) + unknown


def unknown_value(subject: Subject) -> Count:
    """Change rules only: 1 when a value known only after deployment leaves it undecided
    whether the change happens at all (the values may be equal), else 0. A change that is
    known to happen (an add, a remove, a difference in the known part of a value) is 0: its
    rule judges it, and a condition that reads an unknown value is undecided on its own."""
    change = subject.change
    assert change is not None
    if not change.undecided:
        return 0, 0
    found = first_unknown(change.before)
    if found is None:
        found = first_unknown(change.after)
    if found is None:
        return 0, 0
    subject.note(found)
    return 1, 1


#: Named predicates, name -> function (see each one's docstring).
PREDICATES: dict[str, Callable[[Subject], Count]] = {
    "health_probes": health_probes,
    "app_health_extensions": app_health_extensions,
    "health_sources": health_sources,
    "health_signals": health_signals,
    "service_fabric_extensions": service_fabric_extensions,
    "load_balancers": load_balancers,
    "unknown_value": unknown_value,
}
#: Predicates that read a change, not a model: change rules only.
CHANGE_PREDICATES = frozenset({"unknown_value"})


# --- checking a condition at load -------------------------------------------------------

#: Where a condition sits, and the leaves it may use there.
MODEL, CHANGE, OVERRIDE = "model", "change", "override"
_ALLOWED = {MODEL: MODEL_LEAVES, CHANGE: MODEL_LEAVES | CHANGE_LEAVES,
            OVERRIDE: MODEL_LEAVES | CHANGE_LEAVES | OVERRIDE_LEAVES}


def condition_problems(cond: Any, where: str, pointer: str = "") -> list[tuple[str, str]]:
    """(RFC 6901 pointer, message) of what the evaluator cannot take in ``cond``, a condition
    of a lint rule (``model``), of a change rule's ``when`` (``change``) or ``override``.
    The schema says most of it; this also holds for files not checked against the schema
    (built-in ones) and says which family may use which leaf."""
    if not isinstance(cond, dict) or len(cond) != 1:
        return [(pointer, f"a condition is an object with exactly one key, not {json.dumps(cond)[:60]}")]
    (name, arg), = cond.items()
    here = f"{pointer}/{name}"
    if name in ("all", "any"):
        if not isinstance(arg, list) or not arg:
            return [(here, f"{name!r} takes a non-empty list of conditions")]
        return [p for i, sub in enumerate(arg) for p in condition_problems(sub, where, f"{here}/{i}")]
    if name == "not":
        return condition_problems(arg, where, here)
    if name not in _LEAVES:
        return [(here, f"unknown condition {name!r}")]
    if name not in _ALLOWED[where]:
        reads = "the verdict of the path rules (override conditions only)" if name in OVERRIDE_LEAVES \
            else "a change (change rules only)"
        return [(here, f"{name!r} reads {reads}")]
    if name == "exists":
        return [] if isinstance(arg, str) or (isinstance(arg, dict) and isinstance(arg.get("pointer"), str)) \
            else [(here, "'exists' takes a pointer")]
    if not isinstance(arg, dict):
        return []  # op, same_parent, api_version_below: a list or a string, the schema says which
    if name == "predicate":
        if arg.get("name") not in PREDICATES:
            return [(here + "/name", f"unknown predicate {arg.get('name')!r}")]
        if where == MODEL and arg["name"] in CHANGE_PREDICATES:
            return [(here + "/name", f"predicate {arg['name']!r} reads a change (change rules only)")]
    if name in ("count", "number", "predicate") and arg.get("op") not in OPS:
        return [(here + "/op", f"unknown comparison {arg.get('op')!r}")]
    if name == "matches":
        try:
            re.compile(arg.get("pattern", ""))
        except (re.error, TypeError) as exc:
            return [(here + "/pattern", f"invalid regular expression: {exc}")]
    return []
