"""Unknown values: rendering, propagation, short-circuiting, secrets (facts section 8)."""

from __future__ import annotations

import dataclasses

import pytest
from expressions_testkit import ctx, ev, unknown

from vmssplan.expressions import (
    KNOWN_AFTER_DEPLOYMENT,
    Unknown,
    contains_unknown,
    evaluate_value,
    find_unknowns,
    is_unknown,
    render_value,
)
from vmssplan.model import KNOWN_AFTER_DEPLOYMENT as MODEL_KNOWN_AFTER_DEPLOYMENT

REFERENCE = "reference('pip')"


def test_rendering_and_identity() -> None:
    value = unknown(f"[{REFERENCE}.dnsSettings.fqdn]")
    assert str(value) == "(known after deployment)" == KNOWN_AFTER_DEPLOYMENT == MODEL_KNOWN_AFTER_DEPLOYMENT
    assert value.render() == KNOWN_AFTER_DEPLOYMENT
    assert "reference()" in value.describe()
    assert value.expression == "reference('pip').dnsSettings.fqdn"
    assert value.sources == ("reference",)
    assert is_unknown(value) and not is_unknown("x")


def test_unknown_is_immutable_hashable_and_has_no_truth_value() -> None:
    value = unknown(f"[{REFERENCE}]")
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.reason = "changed"  # type: ignore[misc]
    assert {value: 1}[value] == 1
    with pytest.raises(TypeError):
        bool(value)


def test_same_unknown_expression_compares_equal() -> None:
    assert unknown(f"[{REFERENCE}.id]") == unknown(f"[{REFERENCE}.id]")
    assert unknown(f"[{REFERENCE}.id]") != unknown(f"[{REFERENCE}.name]")


@pytest.mark.parametrize(
    "function",
    [
        "reference('x')",
        "reference('x', '2023-01-01', 'Full')",
        "references('loop')",
        "utcNow()",
        "utcNow('u')",
        "newGuid()",
        "pickZones('Microsoft.Compute', 'virtualMachines', 'westus2')",
        "providers('Microsoft.Compute')",
        "toLogicalZone('sub', 'westus2', '1')",
        "toPhysicalZones('sub', 'westus2', createArray('1'))",
        "parseUri('https://contoso.com/a')",
    ],
)
def test_never_known_functions(function: str) -> None:
    value = unknown(f"[{function}]")
    assert value.expression == function
    assert not value.secret


@pytest.mark.parametrize(
    "function", ["listKeys", "listSecrets", "listAccountSas", "LISTkeys", "listAnything"]
)
def test_list_functions_are_unknown_and_secret(function: str) -> None:
    value = unknown(
        f"[{function}(resourceId('s', 'rg', 'Microsoft.Storage/storageAccounts', 'sa'), '2023-01-01').keys[0].value]"
    )
    assert value.secret
    assert value.expression.endswith(".keys[0].value")
    assert "secret" in value.reason


def test_list_function_arguments_are_still_evaluated() -> None:
    with pytest.raises(Exception, match="parameter 'missing' is not found"):
        ev("[listKeys(parameters('missing'), '2023-01-01')]")


def test_strict_functions_propagate_with_combined_reasons() -> None:
    value = unknown(f"[concat('a', {REFERENCE}.id, utcNow())]")
    assert value.expression == f"concat('a', {REFERENCE}.id, utcNow())"
    assert "reference()" in value.reason and "utcNow()" in value.reason
    assert value.sources == ("reference", "utcNow")
    assert unknown(f"[toUpper({REFERENCE}.name)]").expression == f"toUpper({REFERENCE}.name)"
    assert isinstance(ev(f"[equals({REFERENCE}.x, 1)]"), Unknown)
    assert isinstance(ev(f"[string(createArray(1, {REFERENCE}))]"), Unknown)  # deep
    assert isinstance(ev(f"[uniqueString({REFERENCE}.id)]"), Unknown)
    assert isinstance(ev(f"[add(1, {REFERENCE}.count)]"), Unknown)


def test_structural_functions_keep_what_is_known() -> None:
    assert ev(f"[length(createArray({REFERENCE}, 2))]") == 2
    assert ev(f"[empty(createArray({REFERENCE}))]") is False
    items = ev(f"[createArray(1, {REFERENCE}.id)]")
    assert items[0] == 1 and isinstance(items[1], Unknown)
    obj = ev(f"[createObject('ip', {REFERENCE}.ip, 'n', 1)]")
    assert obj["n"] == 1 and isinstance(obj["ip"], Unknown)
    assert ev(f"[first(createArray('a', {REFERENCE}))]") == "a"
    assert isinstance(ev(f"[last(createArray('a', {REFERENCE}))]"), Unknown)
    assert len(ev(f"[concat(createArray(1), createArray({REFERENCE}))]")) == 2
    assert ev(f"[take(createArray('a', {REFERENCE}), 1)]") == ["a"]
    assert ev(f"[createObject('a', 1, 'b', {REFERENCE}).a]") == 1
    assert ev(f"[contains(createArray('a', {REFERENCE}), 'a')]") is True
    assert isinstance(ev(f"[contains(createArray('a', {REFERENCE}), 'b')]"), Unknown)
    assert ev(f"[union(createObject('a', 1), createObject('b', {REFERENCE})).a]") == 1
    assert isinstance(ev(f"[union(createArray(1), createArray({REFERENCE}))]"), Unknown)  # dedupe undecidable
    mapped = ev(f"[map(createArray(1, 2), lambda('x', {REFERENCE}))]")
    assert len(mapped) == 2 and all(isinstance(item, Unknown) for item in mapped)


def test_unknown_function_results_and_arguments() -> None:
    assert isinstance(ev(f"[length({REFERENCE}.items)]"), Unknown)
    assert isinstance(ev(f"[createArray(1, 2)[{REFERENCE}.index]]"), Unknown)
    assert isinstance(ev(f"[take(createArray(1, 2), {REFERENCE}.n)]"), Unknown)
    assert isinstance(ev(f"[map({REFERENCE}.list, lambda('x', 1))]"), Unknown)


def test_if_short_circuits_around_unknowns() -> None:
    assert ev(f"[if(true(), 'a', {REFERENCE})]") == "a"
    assert ev(f"[if(false(), {REFERENCE}, 'b')]") == "b"
    value = unknown(f"[if(equals({REFERENCE}.state, 'on'), 'a', 'b')]")
    assert value.expression.startswith("if(")


def test_and_or_are_decided_when_possible() -> None:
    assert ev(f"[and(false(), {REFERENCE}.flag)]") is False
    assert ev(f"[or(true(), {REFERENCE}.flag)]") is True
    assert ev(f"[and({REFERENCE}.flag, false())]") is False  # false whatever the unknown is
    assert ev(f"[or({REFERENCE}.flag, true())]") is True
    assert isinstance(ev(f"[and(true(), {REFERENCE}.flag)]"), Unknown)
    assert isinstance(ev(f"[or(false(), {REFERENCE}.flag)]"), Unknown)
    # After an unknown, an error in a later argument may never happen in reality.
    assert isinstance(ev(f"[and({REFERENCE}.flag, fail('maybe never'))]"), Unknown)


def test_coalesce_around_unknowns() -> None:
    assert ev(f"[coalesce('known', {REFERENCE})]") == "known"
    assert ev(f"[coalesce(null(), 'x', {REFERENCE})]") == "x"
    assert isinstance(ev(f"[coalesce(null(), {REFERENCE}.x, 'fallback')]"), Unknown)


def test_property_access_extends_the_residual_expression() -> None:
    value = unknown(f"[{REFERENCE}.properties['ip-configs'][0].ipAddress]")
    assert value.expression == "reference('pip').properties['ip-configs'][0].ipAddress"


def test_parameters_and_variables_may_hold_unknowns() -> None:
    secret = Unknown(
        "reference to a key vault secret",
        "key vault references are resolved at deployment",
        ("keyVault",),
        True,
    )
    context = ctx(parameters={"pwd": secret}, variables={"v": "[concat('x', parameters('pwd'))]"})
    value = ev("[variables('v')]", context)
    assert isinstance(value, Unknown) and value.secret
    # The residual holds the parameter's value (here an unknown one), not its name.
    assert value.expression == "concat('x', reference to a key vault secret)"


def test_evaluate_value_and_helpers() -> None:
    template_value = {
        "name": "web",
        "ip": f"[{REFERENCE}.ip]",
        "list": ["[createArray(1)]", f"[{REFERENCE}]"],
    }
    result = evaluate_value(template_value, ctx())
    assert result["name"] == "web" and result["list"][0] == [1]
    assert contains_unknown(result) and not contains_unknown({"a": [1, "x"]})
    assert [u.expression for u in sorted(find_unknowns(result), key=lambda u: u.expression)] == [
        "reference('pip')",
        "reference('pip').ip",
    ]
    assert render_value(result) == {
        "name": "web",
        "ip": KNOWN_AFTER_DEPLOYMENT,
        "list": [[1], KNOWN_AFTER_DEPLOYMENT],
    }


def test_unknown_property_name_makes_the_object_unknown() -> None:
    result = evaluate_value({"outer": {f"[{REFERENCE}.name]": 1, "b": 2}}, ctx())
    assert isinstance(result["outer"], Unknown)
    assert "property name" in result["outer"].reason
