"""classify() masks and scans each value in one walk; it must give exactly the Changes of
the plain definitions kept here: every secret masked, the first unknown value found, the
same texts."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vmssplan import shape
from vmssplan.classify import (
    Context,
    Verdict,
    classify,
    classify_op,
    load_rules,
)
from vmssplan.expressions import Unknown
from vmssplan.model import (
    SENSITIVE,
    Change,
    Effect,
    PatchOp,
    SensitiveValue,
    first_unknown,
    is_unknown,
    unknown_reason,
)
from vmssplan.pointer import join

RULES = load_rules()
EXAMPLES = settings(max_examples=400, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# --- the plain definitions -------------------------------------------------------------


def reference_mask(path: tuple[str, ...], value: Any) -> Any:
    """The value with every secret replaced by SENSITIVE (a path check at every level)."""
    if value is None:
        return None
    if shape.is_secret(path) or isinstance(value, SensitiveValue):
        return SENSITIVE
    if is_unknown(value):
        return value.render()  # its known parts, or KNOWN_AFTER_DEPLOYMENT
    if isinstance(value, dict):
        return {k: reference_mask(path + (k,), v) for k, v in value.items()}
    if isinstance(value, list):
        return [reference_mask(path + (str(i),), v) for i, v in enumerate(value)]
    return value


def reference_holds_secret(value: Any) -> bool:
    if isinstance(value, SensitiveValue):
        return True
    if isinstance(value, dict):
        return any(k in shape.SECRET_KEYS or reference_holds_secret(v) for k, v in value.items())
    if isinstance(value, list):
        return any(reference_holds_secret(v) for v in value)
    return False


def reference_classify(ops: list[PatchOp], ctx: Context) -> list[Change]:
    """VMSS003 as the classifier applied it when it was code (its data says the same), and
    for a verdict that could not be decided."""
    changes = []
    expression_rule = RULES.by_id("VMSS003")
    assert expression_rule is not None
    for op in ops:
        verdict = judged = classify_op(op, RULES, ctx)
        unknown = first_unknown(op.before)
        if unknown is None:
            unknown = first_unknown(op.after)
        # A change known to happen (an add, a remove, a difference in a known part) is judged by
        # its rule; one whose values may yet be equal (op.undecided) is unknown.
        if verdict.undecided or (op.undecided and not (verdict.effect is Effect.NONE
                                                       and not verdict.rule.clauses)):
            why = unknown if unknown is not None else verdict.unknown
            base = expression_rule.message
            message = f"{base} Why: {unknown_reason(why)}." if why is not None and unknown_reason(why) else base
            verdict = Verdict(expression_rule, Effect.UNKNOWN, False, message)
        # Fail closed: undecided, and the rule that judged it has (or may reach) a rejected verdict.
        could_be_rejected = verdict.effect is Effect.UNKNOWN and judged.rejecting_rule is not None
        if could_be_rejected:
            assert judged.rejecting_rule is not None
            verdict = Verdict(verdict.rule, verdict.effect, verdict.conditional, verdict.message + (
                f" It could be rejected ({judged.rejecting_rule.id}: {judged.rejecting_rule.title}), so the gate "
                "counts it as rejected unless unknowns are accepted (accept-unknown)."))
        sensitive = shape.is_secret(op.path) or reference_holds_secret(op.before) or reference_holds_secret(op.after)
        changes.append(Change(
            op=op.op, path=join(op.path), display_path=op.display_path,
            before=reference_mask(op.path, op.before), after=reference_mask(op.path, op.after),
            effect=verdict.effect, rule=verdict.rule.id, title=verdict.rule.title, message=verdict.message,
            conditional=verdict.conditional, sensitive=sensitive, unknown_value=unknown is not None,
            evidence=verdict.rule.evidence_link, could_be_rejected=could_be_rejected,
        ))
    return changes


def assert_same(ops: list[PatchOp], ctx: Context | None = None) -> list[Change]:
    ctx = ctx or Context({}, {})
    got, expected = classify(ops, RULES, ctx), reference_classify(ops, ctx)
    assert got == expected
    assert repr(got) == repr(expected)  # also dict vs list, key order, bool vs int
    return got


# --- generated values ------------------------------------------------------------------

# Secret keys, keys ARM knows, odd keys ("~", "/", digits) and a key that merely contains a secret's name.
KEYS = st.sampled_from(sorted(shape.SECRET_KEYS) + ["settings", "properties", "name", "0", "a/b~c",
                                                    "adminPasswordHint", "extensions"])
LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False), st.text(max_size=4),
    st.builds(SensitiveValue, st.text(max_size=3)),
    # Reasons tell unknowns apart, so the test sees which one is reported first.
    st.builds(Unknown, st.just("reference('x')"), st.text(min_size=1, max_size=4)),
)
VALUES = st.recursive(LEAVES, lambda children: st.one_of(
    st.lists(children, max_size=3), st.dictionaries(KEYS, children, max_size=4)), max_leaves=16)
PATHS = st.lists(KEYS, min_size=1, max_size=4).map(tuple)


@EXAMPLES
@given(st.lists(st.tuples(PATHS, VALUES, VALUES), max_size=4))
def test_generated_changes_classify_as_the_plain_definitions_say(items: list) -> None:
    ops = [PatchOp("replace", path, path, before, after) for path, before, after in items]
    assert_same(ops)


def test_secrets_and_unknowns_anywhere() -> None:
    unknown_a = Unknown("reference('a')", "first")
    unknown_b = Unknown("reference('b')", "second")
    secret_tree = {"commandToExecute": "x", "deep": [unknown_a]}
    ops = [
        PatchOp("replace", ("properties", "osProfile", "adminPassword"), ("osProfile", "adminPassword"), "a", "b"),
        PatchOp("add", ("properties", "osProfile", "customData"), ("osProfile", "customData"), None, "c"),
        PatchOp("remove", ("x", "protectedSettings"), ("x", "protectedSettings"), secret_tree, None),
        PatchOp("replace", ("x", "protectedSettings", "k"), ("x", "protectedSettings", "k"), unknown_a, "v",
                undecided=True),
        PatchOp("add", ("ext", "0"), ("ext", "[e]"), None,
                {"name": "e", "protectedSettings": secret_tree, "settings": {"p": unknown_b}, "n": None}),
        PatchOp("add", ("ext", "1"), ("ext", "[f]"), None, {"protectedSettings": None, "v": [SensitiveValue("d")]}),
        PatchOp("replace", ("a",), ("a",), [unknown_b, {"customData": unknown_a}], {"b": unknown_a}, undecided=True),
        PatchOp("replace", ("a",), ("a",), SensitiveValue("d1"), SensitiveValue("d2")),
        PatchOp("replace", ("a",), ("a",), 1, True),
        PatchOp("replace", ("a", "b~c/d"), ("a", "b~c/d"), None, None),
    ]
    changes = assert_same(ops)
    assert [c.sensitive for c in changes] == [True] * 8 + [False, False]
    assert changes[2].before == SENSITIVE and changes[2].unknown_value
    assert changes[4].after["protectedSettings"] == SENSITIVE
    # A value known only after deployment that may equal the other side: unknown, and why.
    assert changes[3].effect is Effect.UNKNOWN and "Why: first." in changes[3].message
    # An extension that is added is a change known to happen, whatever its settings hold: its
    # rule judges it; the unknown inside the masked protectedSettings is still noted.
    assert changes[4].unknown_value and changes[4].rule != "VMSS003"


def test_a_condition_that_reads_a_value_known_only_after_deployment_leaves_the_change_unknown() -> None:
    """VMSS301 (sku.name) rejects instance mix without a skuProfile: with the proposed
    skuProfile known only after deployment, which verdict applies cannot be told."""
    hidden = Unknown("parameters('profile')", "parameter 'profile' has no value")
    op = PatchOp("replace", ("sku", "name"), ("sku", "name"), "Standard_D2s_v5", "Mix")
    ctx = Context({"sku": {"name": "Standard_D2s_v5"}}, {"sku": {"name": "Mix"}, "properties": {"skuProfile": hidden}})
    verdict = classify_op(op, RULES, ctx)
    assert (verdict.rule.id, verdict.effect, verdict.undecided, verdict.unknown) == ("VMSS301", Effect.UNKNOWN,
                                                                                     True, hidden)
    change, = assert_same([op], ctx)
    assert (change.rule, change.effect, change.unknown_value) == ("VMSS003", Effect.UNKNOWN, False)
    assert "Why: parameter 'profile' has no value." in change.message
    # VMSS301 rejects instance mix without a skuProfile: undecided, the change could be rejected.
    assert change.could_be_rejected
    known = Context(ctx.before, {**ctx.after, "properties": {"skuProfile": {"vmSizes": [{"name": "a"}]}}})
    assert classify([op], RULES, known)[0].rule == "VMSS301"


# --- a whole object added or removed ------------------------------------------------------


def _rule(rule_id: str, effect: str, *paths: str) -> Any:
    from vmssplan.registry import rule_from_data

    return rule_from_data({"id": rule_id, "title": rule_id, "effect": effect, "paths": list(paths),
                           "message": rule_id, "confidence": "high", "evidence": [], "cases": []})


def test_the_rules_below_a_whole_object_judge_it_not_the_catch_all() -> None:
    """A catch-all on an ancestor path (effect unknown or upgrade) judges only what no rule
    below the added or removed object reaches; the specific rules judge the rest, and the
    strongest of their verdicts wins."""
    from vmssplan.classify import RuleSet

    rules = RuleSet([_rule("C0", "unknown", ""), _rule("R1", "none", "/p/a"), _rule("R2", "deallocate", "/p/b/*/c"),
                     _rule("R3", "none", "/p/d")])
    ctx = Context({}, {})

    def verdict(op: str, value: Any) -> tuple[str, Effect]:
        before, after = (None, value) if op == "add" else (value, None)
        found = classify_op(PatchOp(op, ("p",), ("p",), before, after), rules, ctx)
        return found.rule.id, found.effect

    assert verdict("add", {"a": 1}) == ("R1", Effect.NONE)  # was the catch-all's unknown
    assert verdict("remove", {"a": 1, "d": True}) == ("R1", Effect.NONE)
    assert verdict("add", {"a": 1, "b": [{"c": 2}]}) == ("R2", Effect.DEALLOCATE)  # the strongest wins
    assert verdict("add", {"a": 1, "x": 2}) == ("C0", Effect.UNKNOWN)  # x: no rule below reaches it
    assert verdict("add", {"a": 1, "b": [{"z": 2}]}) == ("C0", Effect.UNKNOWN)
    assert verdict("add", {"b": []}) == ("C0", Effect.UNKNOWN)  # an empty array no pattern below reaches
    # an exact rule alone still judges its path: R1 on /p/a, whatever lies below it
    exact = RuleSet([_rule("C0", "unknown", ""), _rule("R1", "none", "/p"), _rule("R2", "rejected", "/p/b")])
    assert classify_op(PatchOp("add", ("p",), ("p",), None, {"b": 1}), exact, ctx).rule.id == "R1"



def test_a_fallback_rule_at_the_changed_path_judges_only_what_no_rule_below_reaches() -> None:
    """VMSS004 (osProfile) and VMSS005 (a NIC's properties) are defaults for what no specific
    rule covers: a whole osProfile or NIC properties object added is judged by the rules of
    its members too, the strongest verdict winning; the default judges only the rest."""
    from vmssplan.classify import RuleSet

    fallback = replace(_rule("D0", "upgrade", "/p"), fallback=True)
    rules = RuleSet([_rule("C0", "unknown", ""), fallback, _rule("R2", "rejected", "/p/b")])
    ctx = Context({}, {})
    assert classify_op(PatchOp("add", ("p",), ("p",), None, {"b": 1}), rules, ctx).rule.id == "R2"
    assert classify_op(PatchOp("add", ("p",), ("p",), None, {"x": 1}), rules, ctx).rule.id == "D0"
    # The built-in default VMSS004: a whole osProfile added with a create-time prefix (VMSS109)
    # was the default's reimage; now the member's rule speaks.
    os_profile = ("properties", "virtualMachineProfile", "osProfile")
    added = PatchOp("add", os_profile, os_profile, None, {"computerNamePrefix": "web", "adminUsername": "u"})
    found = classify_op(added, RULES, ctx)
    assert (found.rule.id, found.effect) == ("VMSS109", Effect.REJECTED)


def test_a_whole_policy_object_added_is_judged_by_its_member_rules() -> None:
    """The built-in rules: adding the whole automaticRepairsPolicy or upgradePolicy object
    with a setting Azure refuses is rejected by the specific rule, and adding a whole
    object whose members are all covered is not the catch-all's unknown."""
    from vmssplan.diff import diff

    def plan(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, str, str]]:
        return [(c.path, c.effect.label, c.rule) for c in classify(diff(before, after), RULES, Context(before, after))]

    base = {"properties": {"overprovision": False}}
    aosu = {"properties": {"overprovision": False, "upgradePolicy": {
        "mode": "Manual", "automaticOSUpgradePolicy": {"enableAutomaticOSUpgrade": True}}}}
    assert plan(base, aosu) == [("/properties/upgradePolicy", "rejected", "VMSS204")]
    health = {"extensionProfile": {"extensions": [{"name": "health", "properties": {
        "publisher": "Microsoft.ManagedServices", "type": "ApplicationHealthLinux", "typeHandlerVersion": "1.0"}}]}}
    flexible = {"properties": {"orchestrationMode": "Flexible", "virtualMachineProfile": health}}
    rolling = {"mode": "Rolling", "rollingUpgradePolicy": {"rollbackFailedInstancesOnPolicyBreach": True}}
    flexible_rolling = {"properties": {**flexible["properties"], "upgradePolicy": rolling}}
    assert plan(flexible, flexible_rolling) == [("/properties/upgradePolicy", "rejected", "VMSS605")]
    repairs_policy = {"enabled": True, "gracePeriod": "PT30M"}
    repairs = {"properties": {**flexible["properties"], "automaticRepairsPolicy": repairs_policy}}
    assert plan(flexible, repairs) == [("/properties/automaticRepairsPolicy", "none", "VMSS205")]
    events = {"properties": {"overprovision": False, "scheduledEventsPolicy": {
        "scheduledEventsAdditionalPublishingTargets": {"eventGridAndResourceGraph": {"enable": True}}}}}
    assert plan(base, events) == [("/properties/scheduledEventsPolicy", "none", "VMSS613")]
