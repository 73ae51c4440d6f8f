"""Partial values: what is known of a value known only after deployment (issue 13, point 1).

A value that depends on something unknowable keeps its known parts and a residual
expression with every known input written as its value, so that two sides are equal only
when provably equal, different when a known part differs, and undecided otherwise.
"""

from __future__ import annotations

import pytest
from expressions_testkit import ctx, ev

from vmssplan import shape
from vmssplan.expressions import KNOWN_AFTER_DEPLOYMENT, Unknown

SUBNET = "[resourceId('Microsoft.Network/virtualNetworks/subnets', parameters('vnet'), parameters('subnet'))]"


def subnet(vnet: str, name: str = "app") -> Unknown:
    value = ev(SUBNET, ctx(parameters={"vnet": vnet, "subnet": name}))
    assert isinstance(value, Unknown)
    return value


def test_a_resource_id_without_subscription_keeps_its_names() -> None:
    value = subnet("vnet-a")
    assert value.expression == "resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet-a', 'app')"
    assert value.render() == (f"/subscriptions/{KNOWN_AFTER_DEPLOYMENT}/resourceGroups/{KNOWN_AFTER_DEPLOYMENT}"
                              "/providers/Microsoft.Network/virtualNetworks/vnet-a/subnets/app")
    assert set(value.sources) == {"subscription", "resourceGroup"}
    assert "subscription ID" in value.reason and "resource group name" in value.reason


def test_ids_equal_only_when_provably_equal() -> None:
    assert subnet("vnet-a").compare(subnet("vnet-a")) is True
    assert subnet("vnet-a").compare(subnet("vnet-b")) is False  # a name differs: whatever the subscription
    assert subnet("vnet-a", "app").compare(subnet("vnet-a", "web")) is False
    # ARM compares ids without regard to case: the id path folds known text.
    assert shape.compare(("subnet", "id"), subnet("vnet-a"), subnet("VNET-A")) is True
    assert shape.compare(("subnet", "id"), subnet("vnet-a"), subnet("vnet-b")) is False
    # Against a known id: the known text may match the unknown parts, or may not.
    known = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet-a/subnets/app"
    assert subnet("vnet-a").compare(known) is None
    assert subnet("vnet-a").compare(known.replace("subnets/app", "subnets/web")) is False
    assert subnet("vnet-a").compare(42) is False  # a string is never a number


def test_a_given_resource_group_fills_its_part() -> None:
    with_group = ev(SUBNET, ctx(parameters={"vnet": "v", "subnet": "s"},
                                resource_group={"name": "rg-1", "location": "westeurope"}))
    assert isinstance(with_group, Unknown)
    assert "/resourceGroups/rg-1/" in with_group.render()
    assert with_group.sources == ("subscription",)


def test_the_residual_holds_parameter_values_not_names() -> None:
    expression = "[base64(concat(parameters('cmd'), reference('pip').dnsSettings.fqdn))]"
    first = ev(expression, ctx(parameters={"cmd": "echo a"}))
    second = ev(expression, ctx(parameters={"cmd": "echo b"}))
    assert isinstance(first, Unknown) and isinstance(second, Unknown)
    assert first.expression == "base64(concat('echo a', reference('pip').dnsSettings.fqdn))"
    assert first.compare(second) is None  # base64 of a partly known text: not decided here
    assert first.compare(ev(expression, ctx(parameters={"cmd": "echo a"}))) is True


@pytest.mark.parametrize(("left", "right", "same"), [
    ("[concat('a-', reference('x').name)]", "[concat('a-', reference('x').name)]", True),
    ("[concat('a-', reference('x').name)]", "[concat('b-', reference('x').name)]", False),
    ("[concat(reference('x').name, '-1')]", "[concat(reference('x').name, '-2')]", False),
    # The same atom, text moved around it: "a" + X + "bc" equals "ab" + X + "c" when X is "b".
    ("[concat('a', reference('x').name, 'bc')]", "[concat('ab', reference('x').name, 'c')]", None),
    ("[concat('a-', reference('x').name)]", "[concat('a-', reference('y').name)]", None),
    ("[reference('x').name]", "[reference('y').name]", None),
])
def test_concatenated_text_is_compared_by_its_known_ends(left: str, right: str, same: bool | None) -> None:
    a, b = ev(left), ev(right)
    assert isinstance(a, Unknown) and isinstance(b, Unknown)
    assert a.compare(b) is same
    assert b.compare(a) is same


def test_a_known_prefix_decides_against_a_known_string() -> None:
    value = ev("[concat('https://', reference('x').fqdn, '/path')]")
    assert isinstance(value, Unknown)
    assert value.render() == f"https://{KNOWN_AFTER_DEPLOYMENT}/path"
    assert value.compare("http://a/path") is False
    assert value.compare("https://a/other") is False
    assert value.compare("https://a/path") is None


def test_values_made_anew_at_each_deployment_are_never_provably_equal() -> None:
    assert ev("[utcNow()]").compare(ev("[utcNow()]")) is None
    assert ev("[concat('x-', newGuid())]").compare(ev("[concat('x-', newGuid())]")) is None


def test_if_with_an_unknown_condition_is_known_when_both_branches_agree() -> None:
    assert ev("[if(reference('x').on, 'same', 'same')]") == "same"
    mixed = ev("[if(reference('x').on, parameters('a'), 'b')]", ctx(parameters={"a": "a1"}))
    assert isinstance(mixed, Unknown)
    assert mixed.expression == "if(reference('x').on, 'a1', 'b')"


def test_property_and_index_paths_after_an_unknown_hold_values() -> None:
    value = ev("[reference(parameters('n')).outputs[parameters('k')].value]", ctx(parameters={"n": "pip", "k": "z"}))
    assert isinstance(value, Unknown)
    assert value.expression == "reference('pip').outputs['z'].value"


def test_an_unknown_derived_from_a_secret_keeps_no_text() -> None:
    value = ev("[concat(parameters('pwd'), reference('x').name)]", ctx(parameters={"pwd": "hunter2"}))
    assert isinstance(value, Unknown)
    concealed = value.concealed()
    assert concealed.secret and not concealed.parts
    assert "hunter2" not in concealed.expression and "hunter2" not in concealed.render()
    # Equality survives concealment: the same secret gives the same digest.
    again = ev("[concat(parameters('pwd'), reference('x').name)]", ctx(parameters={"pwd": "hunter2"}))
    assert isinstance(again, Unknown)
    assert concealed.compare(again.concealed()) is True


def test_the_parent_of_a_partial_id() -> None:
    parent = subnet("vnet-a").before_last("/subnets/")
    other = subnet("vnet-a", "web").before_last("/subnets/")
    assert isinstance(parent, Unknown)
    assert parent.compare(other) is True
    assert parent.compare(subnet("vnet-b").before_last("/subnets/")) is False
    assert ev("[reference('x').id]").before_last("/subnets/") is None


def test_shape_compare_is_three_valued_over_containers() -> None:
    unknown = ev("[reference('x').name]")
    assert shape.compare((), {"a": 1, "b": unknown}, {"a": 1, "b": unknown}) is True
    assert shape.compare((), {"a": 1, "b": unknown}, {"a": 2, "b": ev("[reference('y').name]")}) is False
    assert shape.compare((), [unknown], [ev("[reference('y').name]")]) is None
    assert shape.same_value((), [unknown], [ev("[reference('y').name]")]) is False


def test_a_long_residual_is_kept_as_a_digest_and_still_compares() -> None:
    big = {f"key{i}": "x" * 50 for i in range(100)}
    expression = "[union(parameters('big'), reference('x').tags)]"
    first = ev(expression, ctx(parameters={"big": big}))
    same = ev(expression, ctx(parameters={"big": dict(big)}))
    other = ev(expression, ctx(parameters={"big": {**big, "key0": "y"}}))
    assert isinstance(first, Unknown) and isinstance(same, Unknown) and isinstance(other, Unknown)
    assert len(first.expression) < 200 and "digest:" in first.expression
    assert first.compare(same) is True
    assert first.compare(other) is None
