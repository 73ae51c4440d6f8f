"""Stage: give every change an effect, from the rules in ``rules/`` (data, not code).

Matching (see ``schemas/rule.schema.json``):

- A rule whose path equals the change's path, or is an ancestor of it, *covers* the change;
  the most specific covering rule wins (longest path, then fewest wildcards, then id).
- When a whole object is added, removed or replaced (say ``diffDiskSettings``), rules on
  paths *below* it whose value differs between the two sides also apply; the strongest
  effect wins, since Azure rejects the request if any part of it is rejected.
- A rule's ``when`` clauses refine its effect from the values (one-way transitions, same
  virtual network, marketplace plan present...).

- Conditions are three-valued (:mod:`vmssplan.conditions`): a clause that reads a value
  known only after deployment is undecided, and so is the verdict (effect ``unknown``).
- Then rules with an ``override`` condition judge every change, whatever its path: the
  first that holds replaces the verdict. VMSS003 is one: a change whose value is known only
  after deployment (``reference()``, a parameter with no value...) or whose verdict is
  undecided is ``unknown``, unless the verdict is ``none`` whatever the values.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from . import secrets, shape
from .conditions import ChangeFacts, Subject, VerdictFacts, evaluate
from .model import (
    Change,
    ChangeRule,
    Effect,
    PatchOp,
    Pattern,
    UsageError,
    unknown_reason,
)
from .pointer import join
from .registry import load as load_registry

#: A change rule (the registry's ``change`` family).
Rule = ChangeRule


@dataclass
class RuleSet:
    """The change rules a plan is classified with."""

    rules: list[Rule] = field(default_factory=list)

    def by_id(self, rule_id: str) -> Rule | None:
        return next((rule for rule in self.rules if rule.id == rule_id), None)


@lru_cache(maxsize=8)
def load_rules(extra_dirs: tuple[str, ...] = (), validate: bool = False) -> RuleSet:
    """The change rules of the registry: the built-in ones plus those of ``extra_dirs``
    (see :func:`vmssplan.registry.load`).

    A lint rule in a user directory is refused: a plan lints with the built-in lint rules
    only, and a rule that is silently not applied would be worse than an error.
    """
    registry = load_registry(extra_dirs, validate)
    for rule in registry.lint:
        if not rule.builtin:
            raise UsageError(f"{rule.file}: {rule.id} is a cross-field (lint) rule: rule directories of a plan "
                             "hold change rules (lint rules from a directory are not applied yet)")
    return RuleSet(list(registry.changes))


# --- matching --------------------------------------------------------------------------


def _specificity(rule: Rule, pattern: tuple[str, ...]) -> tuple[int, int, int, str]:
    return (len(pattern), -pattern.count("*"), 0 if rule.builtin else 1, rule.id)


def _sub_values(op: PatchOp, rest: tuple[str, ...]) -> list[tuple[tuple[str, ...], Any, Any]]:
    """Values under ``op`` at the relative pattern ``rest`` (with wildcards), both sides."""
    results: list[tuple[tuple[str, ...], Any, Any]] = []

    def walk(a: Any, b: Any, remaining: tuple[str, ...], here: tuple[str, ...]) -> None:
        if not remaining:
            results.append((here, a, b))
            return
        head, tail = remaining[0], remaining[1:]
        keys: list[str] = []
        for node in (a, b):
            if isinstance(node, dict):
                keys += [k for k in node if head in ("*", k)]
            elif isinstance(node, list):
                keys += [str(i) for i in range(len(node)) if head in ("*", str(i))]
        for key in sorted(set(keys)):
            walk(_child(a, key), _child(b, key), tail, here + (key,))

    walk(op.before, op.after, rest, op.path)
    return results


def _child(node: Any, key: str) -> Any:
    if isinstance(node, dict):
        return node.get(key)
    if isinstance(node, list) and key.isdigit() and int(key) < len(node):
        return node[int(key)]
    return None


@dataclass
class Context:
    """What conditions may look at besides the change itself."""

    before: dict[str, Any]
    after: dict[str, Any]
    api_version: str | None = None


def _subject(op: PatchOp, before: Any, after: Any, ctx: Context, verdict: VerdictFacts | None = None) -> Subject:
    """What a change rule's condition reads: the change (``before``/``after``: its values,
    or those below it that a rule on a deeper path judges), both models, the verdict so far."""
    return Subject(ctx.before, ctx.after, change=ChangeFacts(op.op, op.path, before, after, op.undecided),
                   api_version=ctx.api_version, verdict=verdict, equal=shape.same_value)


@dataclass(frozen=True)
class Verdict:
    rule: Rule
    effect: Effect
    conditional: bool
    message: str
    #: A ``when`` condition could not be decided (it read a value known only after
    #: deployment) before one held: the verdict could be another one.
    undecided: bool = False
    #: That value, to say why.
    unknown: Any = None
    #: The rule whose verdict is, or could be once the values are known, ``rejected``: a
    #: change that cannot be decided offline could then be rejected.
    rejecting_rule: Rule | None = None


def _verdict(rule: Rule, op: PatchOp, before: Any, after: Any, ctx: Context) -> Verdict:
    """The verdict of the first ``when`` clause that holds, else the rule's own; undecided
    (effect unknown) at a clause that cannot be decided, since it or a later one may hold."""
    for position, clause in enumerate(rule.clauses):
        subject = _subject(op, before, after, ctx)
        truth = evaluate(clause.condition, subject)
        if truth is True:
            conditional = rule.conditional if clause.conditional is None else clause.conditional
            return Verdict(rule, clause.effect, conditional, clause.message or rule.message,
                           rejecting_rule=rule if clause.effect is Effect.REJECTED else None)
        if truth is None:
            # This clause or a later one may hold, or none: could one of them reject?
            later = rule.clauses[position:]
            can_reject = rule.effect is Effect.REJECTED or any(
                c.effect is Effect.REJECTED and evaluate(c.condition, _subject(op, before, after, ctx)) is not False
                for c in later)
            return Verdict(rule, Effect.UNKNOWN, False, rule.message, undecided=True, unknown=subject.unknown,
                           rejecting_rule=rule if can_reject else None)
    return Verdict(rule, rule.effect, rule.conditional, rule.message,
                   rejecting_rule=rule if rule.effect is Effect.REJECTED else None)


def _overridden(verdict: Verdict, op: PatchOp, overrides: list[Rule], ctx: Context, unknown: Any) -> Verdict:
    """The verdict of the first rule (in id order) whose ``override`` condition holds, else
    ``verdict``. Its message says why when a value known only after deployment is involved:
    ``unknown`` (the first one in the change's values), else the one a condition read."""
    facts = VerdictFacts(verdict.effect, value_independent=not verdict.rule.clauses, undecided=verdict.undecided)
    for rule in overrides:
        assert rule.override is not None
        subject = _subject(op, op.before, op.after, ctx, facts)
        if evaluate(rule.override, subject) is True:
            why = next((u for u in (unknown, verdict.unknown, subject.unknown) if u is not None), None)
            reason = unknown_reason(why) if why is not None else ""
            message = f"{rule.message} Why: {reason}." if reason else rule.message
            return Verdict(rule, rule.effect, rule.conditional, message)
    return verdict


def _candidates(rules: RuleSet, path: Pattern) -> tuple[tuple[Rule, Pattern] | None, list[tuple[Rule, Pattern]]]:
    """(the most specific rule whose pattern equals ``path`` or an ancestor of it, with that
    pattern; the rules below ``path`` with their patterns relative to it, in rule-id order)."""
    covering: list[tuple[Rule, Pattern]] = []
    below: list[tuple[Rule, Pattern]] = []
    for rule in sorted(rules.rules, key=lambda r: r.id):
        for pattern in rule.patterns:
            if len(pattern) <= len(path) and shape.matches(path[:len(pattern)], pattern):
                covering.append((rule, pattern))
            elif len(pattern) > len(path) and shape.matches(path, pattern[:len(path)]):
                below.append((rule, pattern[len(path):]))
    return max(covering, key=lambda item: _specificity(*item), default=None), below


def _outside(op: PatchOp, below: list[tuple[Rule, Pattern]]) -> bool:
    """Whether some value that differs under ``op`` lies outside every pattern of
    ``below`` (relative to ``op.path``): only such a value is left for the covering rule
    of an ancestor path (a catch-all) to judge."""
    patterns = [rest for _, rest in below]

    def go(a: Any, b: Any, here: tuple[str, ...]) -> bool:
        if any(len(p) <= len(here) and shape.matches(here[:len(p)], p) for p in patterns):
            return False  # a rule below judges this value
        if (a is None and b is None) or (a is not None and b is not None and shape.same_value(op.path + here, a, b)):
            return False
        keys = sorted({k for node in (a, b) if isinstance(node, dict) for k in node}
                      | {str(i) for node in (a, b) if isinstance(node, list) for i in range(len(node))})
        if not keys:
            return True  # a differing value no rule below reaches (a scalar, or an empty container)
        return any(go(_child(a, k), _child(b, k), here + (k,)) for k in keys)

    return go(op.before, op.after, ())


def classify_op(op: PatchOp, rules: RuleSet, ctx: Context) -> Verdict:
    covering, below = _candidates(rules, op.path)
    exact = covering is not None and len(covering[1]) == len(op.path) and not covering[0].fallback
    # An exact rule alone judges its path; a rule on an ancestor path (a catch-all) judges
    # only what no rule below the changed path reaches, so a whole object added or removed
    # is judged by the specific rules of its members, the strongest verdict winning.
    best = _verdict(covering[0], op, op.before, op.after, ctx) if covering and (exact or _outside(op, below)) \
        else None
    verdicts = [best] if best is not None else []
    if not exact:
        for rule, rest in below:
            for sub_path, a, b in _sub_values(op, rest):
                same = None if a is None or b is None else shape.compare(sub_path, a, b)
                if (a is None and b is None) or same is True:
                    continue
                sub_op = PatchOp("add" if a is None else "remove" if b is None else "replace",
                                 sub_path, sub_path, a, b, undecided=same is None and a is not None and b is not None)
                candidate = _verdict(rule, sub_op, a, b, ctx)
                verdicts.append(candidate)
                if best is None or candidate.effect > best.effect:
                    best = candidate
    if best is None and covering:  # every differing value lies below a rule, yet none judged it
        best = _verdict(covering[0], op, op.before, op.after, ctx)
        verdicts.append(best)
    if best is None:  # unreachable with the built-in catch-all rule (VMSS001), kept for user sets
        raise UsageError("no rule covers the scale-set root: the built-in rules are missing")
    return replace(best, rejecting_rule=next((v.rejecting_rule for v in verdicts if v.rejecting_rule), None))


def classify(ops: list[PatchOp], rules: RuleSet, ctx: Context) -> list[Change]:
    """One :class:`Change` per patch operation, with effect, rule and message."""
    changes = []
    overrides = sorted((rule for rule in rules.rules if rule.override is not None), key=lambda r: r.id)
    for op in ops:
        secret_path = shape.is_secret(op.path)
        scan = secrets.Mask()
        before, after = scan.masked(op.before, secret_path), scan.masked(op.after, secret_path)
        unknown, holds_secret = scan.unknown, scan.holds_secret
        unknown_value = unknown is not None
        judged = classify_op(op, rules, ctx)
        verdict = _overridden(judged, op, overrides, ctx, unknown)
        # Fail closed: a change that cannot be decided, to a property whose rule can reject.
        could_be_rejected = verdict.effect is Effect.UNKNOWN and judged.rejecting_rule is not None
        message = verdict.message
        if judged.rejecting_rule is not None and could_be_rejected:
            message += (f" It could be rejected ({judged.rejecting_rule.id}: {judged.rejecting_rule.title}), so "
                        "the gate counts it as rejected unless unknowns are accepted (accept-unknown).")
        changes.append(Change(
            op=op.op, path=join(op.path), display_path=op.display_path, before=before, after=after,
            effect=verdict.effect, rule=verdict.rule.id, title=verdict.rule.title, message=message,
            conditional=verdict.conditional, sensitive=secret_path or holds_secret,
            unknown_value=unknown_value, evidence=verdict.rule.evidence_link, could_be_rejected=could_be_rejected,
        ))
    return changes
