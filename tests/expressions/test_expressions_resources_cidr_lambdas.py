"""Resource IDs and scope functions, CIDR and lambda functions (facts 2.8, 2.10-2.12, 4.6)."""

from __future__ import annotations

from typing import Any

import pytest
from expressions_testkit import (
    RESOURCE_GROUP,
    SUBSCRIPTION_ID,
    ctx,
    deployed_ctx,
    err,
    ev,
    unknown,
)

from vmssplan.expressions import (
    AZURE_CLOUD_ENVIRONMENT,
    EvaluationContext,
    Unknown,
    make_subscription,
)

RG_ID = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{RESOURCE_GROUP}"

# --------------------------------------------------------------------------- resourceId family


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (
            "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'sn')]",
            f"{RG_ID}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/sn",
        ),
        (
            "[resourceId('Microsoft.Compute/virtualMachineScaleSets', 'web')]",
            f"{RG_ID}/providers/Microsoft.Compute/virtualMachineScaleSets/web",
        ),
        (
            "[resourceId('net-rg', 'Microsoft.Network/virtualNetworks/subnets', 'vnet', 'sn')]",
            f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/net-rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/sn",
        ),
        (
            "[resourceId('other-sub', 'net-rg', 'Microsoft.Network/virtualNetworks', 'vnet')]",
            "/subscriptions/other-sub/resourceGroups/net-rg/providers/Microsoft.Network/virtualNetworks/vnet",
        ),
        (  # templates often write a trailing slash, which ARM accepts
            "[resourceId('Microsoft.Network/virtualNetworks/', 'vnet')]",
            f"{RG_ID}/providers/Microsoft.Network/virtualNetworks/vnet",
        ),
        (
            "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'abc')]",
            f"/subscriptions/{SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/abc",
        ),
        (
            "[subscriptionResourceId('s2', 'Microsoft.Authorization/roleDefinitions', 'abc')]",
            "/subscriptions/s2/providers/Microsoft.Authorization/roleDefinitions/abc",
        ),
        (
            "[tenantResourceId('Microsoft.Management/managementGroups', 'mg1')]",
            "/providers/Microsoft.Management/managementGroups/mg1",
        ),
        (
            "[managementGroupResourceId('mg1', 'Microsoft.Authorization/policyDefinitions', 'p')]",
            "/providers/Microsoft.Management/managementGroups/mg1/providers/Microsoft.Authorization/policyDefinitions/p",
        ),
        (
            (
                "[extensionResourceId(resourceId('Microsoft.Compute/virtualMachineScaleSets', 'web'), "
                "'Microsoft.Authorization/locks', 'lock1')]"
            ),
            f"{RG_ID}/providers/Microsoft.Compute/virtualMachineScaleSets/web/providers/Microsoft.Authorization/locks/lock1",
        ),
        (
            "[resourceId('Microsoft.Compute/virtualMachineScaleSets/extensions', 'Web', 'CustomScript')]",
            f"{RG_ID}/providers/Microsoft.Compute/virtualMachineScaleSets/Web/extensions/CustomScript",
        ),
    ],
)
def test_resource_ids_with_context(text: str, value: str) -> None:
    assert ev(text, deployed_ctx()) == value


def test_resource_ids_without_context_are_unknown_unless_fully_given() -> None:
    result = unknown("[resourceId('Microsoft.Network/virtualNetworks', 'vnet')]")
    assert result.expression == "resourceId('Microsoft.Network/virtualNetworks', 'vnet')"
    assert "subscription ID" in result.reason
    assert ev("[resourceId('s', 'rg', 'Microsoft.Network/virtualNetworks', 'vnet')]") == (
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet"
    )
    assert ev("[tenantResourceId('Microsoft.Management/managementGroups', 'mg')]").startswith("/providers/")
    partial = ctx(subscription=make_subscription("s1"))
    assert (
        "resource group"
        in unknown("[resourceId('Microsoft.Network/virtualNetworks', 'vnet')]", partial).reason
    )


def test_resource_id_at_other_scopes() -> None:
    sub_scope = deployed_ctx(scope="subscription")
    assert ev("[resourceId('Microsoft.Resources/resourceGroups', 'rg2')]", sub_scope) == (
        f"/subscriptions/{SUBSCRIPTION_ID}/providers/Microsoft.Resources/resourceGroups/rg2"
    )
    tenant_scope = deployed_ctx(scope="tenant")
    assert ev("[resourceId('Microsoft.Management/managementGroups', 'mg')]", tenant_scope) == (
        "/providers/Microsoft.Management/managementGroups/mg"
    )


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet')]",
            "requires 2 resource name argument(s), not 1",
        ),
        (
            "[resourceId('Microsoft.Network/virtualNetworks', 'a', 'b')]",
            "requires 1 resource name argument(s), not 2",
        ),
        (
            "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet/sn')]",
            "exactly one multi-segmented",
        ),
        ("[resourceId('vnet', 'sn')]", "exactly one multi-segmented"),
        ("[resourceId('a', 'b', 'c', 'Microsoft.Network/virtualNetworks', 'v')]", "at most 2 argument(s)"),
        ("[resourceId('Microsoft.Network', 'x')]", "exactly one multi-segmented"),
        ("[resourceId('Microsoft.Network/virtualNetworks', 1)]", "must be a String"),
        ("[extensionResourceId('notAnId', 'Microsoft.Authorization/locks', 'l')]", "not a resource ID"),
    ],
)
def test_resource_id_errors(text: str, fragment: str) -> None:
    assert fragment in err(text, deployed_ctx()).message


# --------------------------------------------------------------------------- scope functions


def test_scope_functions_read_the_context() -> None:
    context = deployed_ctx()
    assert ev("[resourceGroup().id]", context) == RG_ID
    assert ev("[resourceGroup().name]", context) == RESOURCE_GROUP
    assert ev("[resourceGroup().location]", context) == "westeurope"
    assert ev("[subscription().subscriptionId]", context) == SUBSCRIPTION_ID
    assert ev("[subscription().id]", context) == f"/subscriptions/{SUBSCRIPTION_ID}"
    assert ev("[subscription().tenantId]", context) == "tenant-1"
    assert ev("[deployment().name]", context) == "main"
    assert ev("[environment().name]", context) == "AzureCloud"
    assert ev("[environment().suffixes.storage]", context) == "core.windows.net"
    assert ev("[environment()]", context) == AZURE_CLOUD_ENVIRONMENT


def test_scope_functions_without_values_are_unknown() -> None:
    for function in (
        "subscription",
        "resourceGroup",
        "deployment",
        "environment",
        "tenant",
        "managementGroup",
        "deployer",
    ):
        result = unknown(f"[{function}()]")
        assert result.expression == f"{function}()"
        assert "only known at deployment" in result.reason
    path = unknown("[resourceGroup().location]")
    assert path.expression == "resourceGroup().location"


def test_missing_properties_of_supplied_context_objects_are_unknown() -> None:
    context = deployed_ctx()
    tags = unknown("[resourceGroup().tags]", context)  # Bicep issue #17793
    assert tags.expression == "resourceGroup().tags"
    assert unknown("[resourceGroup().tags.owner]", context).expression == "resourceGroup().tags.owner"
    assert isinstance(ev("[deployment().properties.templateLink.uri]", context), Unknown)
    assert ev("[contains(resourceGroup(), 'location')]", context) is True
    assert isinstance(ev("[contains(resourceGroup(), 'tags')]", context), Unknown)
    assert isinstance(ev("[tryGet(resourceGroup(), 'tags')]", context), Unknown)
    assert isinstance(ev("[string(resourceGroup())]", context), Unknown)  # incomplete: not guessed
    assert ev("[createArray(resourceGroup().name)]", context) == [RESOURCE_GROUP]


def test_context_values_are_case_insensitive_properties() -> None:
    context = deployed_ctx()
    assert ev("[resourceGroup().NAME]", context) == RESOURCE_GROUP
    assert ev("[RESOURCEGROUP().Location]", context) == "westeurope"


def test_unknown_deployment_scope_is_rejected() -> None:
    with pytest.raises(Exception, match="unknown deployment scope"):
        EvaluationContext(scope="region")


# --------------------------------------------------------------------------- CIDR


def test_parse_cidr() -> None:
    assert ev("[parseCidr('10.144.0.0/20')]") == {
        "network": "10.144.0.0",
        "netmask": "255.255.240.0",
        "broadcast": "10.144.15.255",
        "firstUsable": "10.144.0.1",
        "lastUsable": "10.144.15.254",
        "cidr": 20,
    }
    assert ev("[parseCidr('fdad:3236:5555::/48')]") == {
        "network": "fdad:3236:5555::",
        "netmask": "ffff:ffff:ffff::",
        "firstUsable": "fdad:3236:5555::",
        "lastUsable": "fdad:3236:5555:ffff:ffff:ffff:ffff:ffff",
        "cidr": 48,
    }


def test_cidr_subnet() -> None:
    v4 = [ev(f"[cidrSubnet('10.144.0.0/20', 24, {index})]") for index in range(5)]
    assert v4 == ["10.144.0.0/24", "10.144.1.0/24", "10.144.2.0/24", "10.144.3.0/24", "10.144.4.0/24"]
    v6 = [ev(f"[cidrSubnet('fdad:3236:5555::/48', 52, {index})]") for index in range(5)]
    assert v6 == [
        "fdad:3236:5555::/52",
        "fdad:3236:5555:1000::/52",
        "fdad:3236:5555:2000::/52",
        "fdad:3236:5555:3000::/52",
        "fdad:3236:5555:4000::/52",
    ]
    assert "out of range" in err("[cidrSubnet('10.144.0.0/20', 24, 16)]").message
    assert "must be between 20 and 32" in err("[cidrSubnet('10.144.0.0/20', 16, 0)]").message


def test_cidr_host() -> None:
    v4 = [ev(f"[cidrHost('10.144.3.0/24', {index})]") for index in range(5)]
    assert v4 == ["10.144.3.1", "10.144.3.2", "10.144.3.3", "10.144.3.4", "10.144.3.5"]
    v6 = [ev(f"[cidrHost('fdad:3236:5555:3000::/52', {index})]") for index in range(5)]
    assert v6 == [f"fdad:3236:5555:3000::{index + 1}" for index in range(5)]
    assert ev("[cidrHost('10.0.0.0/24', 253)]") == "10.0.0.254"
    assert "outside the usable" in err("[cidrHost('10.0.0.0/24', 254)]").message
    assert "not a valid CIDR" in err("[cidrHost('10.0.0.300/24', 0)]").message
    assert "not in CIDR notation" in err("[parseCidr('10.0.0.0')]").message


# --------------------------------------------------------------------------- lambdas

DOGS = [
    {"name": "Evie", "age": 5, "interests": ["Ball", "Frisbee"]},
    {"name": "Casper", "age": 3, "interests": ["Other dogs"]},
    {"name": "Indy", "age": 2, "interests": ["Butter"]},
    {"name": "Kira", "age": 8, "interests": ["Rubs"]},
]


def _dogs(expression: str) -> Any:
    return ev(expression, parameters={"dogs": DOGS})


def test_lambda_docs_dogs_example() -> None:
    older = _dogs(
        "[filter(parameters('dogs'), lambda('dog', greaterOrEquals(lambdaVariables('dog').age, 5)))]"
    )
    assert [dog["name"] for dog in older] == ["Evie", "Kira"]
    by_age = _dogs(
        "[sort(parameters('dogs'), lambda('a', 'b', less(lambdaVariables('a').age, lambdaVariables('b').age)))]"
    )
    assert [dog["name"] for dog in by_age] == ["Indy", "Casper", "Evie", "Kira"]
    total = _dogs(
        "[reduce(parameters('dogs'), 0, "
        "lambda('cur', 'next', add(lambdaVariables('cur'), lambdaVariables('next').age)))]"
    )
    assert total == 18
    assert _dogs("[map(parameters('dogs'), lambda('dog', lambdaVariables('dog').name))]") == [
        "Evie",
        "Casper",
        "Indy",
        "Kira",
    ]
    keyed = _dogs("[toObject(parameters('dogs'), lambda('entry', lambdaVariables('entry').name))]")
    assert list(keyed) == ["Evie", "Casper", "Indy", "Kira"] and keyed["Kira"]["age"] == 8
    ages = _dogs(
        "[toObject(parameters('dogs'), lambda('d', lambdaVariables('d').name), lambda('d', lambdaVariables('d').age))]"
    )
    assert ages == {"Evie": 5, "Casper": 3, "Indy": 2, "Kira": 8}


def test_lambda_functions_more() -> None:
    assert ev("[map(range(0, 3), lambda('i', mul(lambdaVariables('i'), 10)))]") == [0, 10, 20]
    assert ev(
        "[map(createArray('a', 'b'), lambda('x', 'i', concat(lambdaVariables('x'), string(lambdaVariables('i')))))]"
    ) == [
        "a0",
        "b1",
    ]
    assert ev(
        "[groupBy(createArray('foo', 'bar', 'baz'), lambda('x', substring(lambdaVariables('x'), 0, 1)))]"
    ) == {
        "f": ["foo"],
        "b": ["bar", "baz"],
    }
    assert ev("[mapValues(createObject('foo', 'foo'), lambda('val', toUpper(lambdaVariables('val'))))]") == {
        "foo": "FOO"
    }
    assert ev(
        "[sort(createArray(3, 1, 2), lambda('a', 'b', greater(lambdaVariables('a'), lambdaVariables('b'))))]"
    ) == [3, 2, 1]
    # Nested lambdas see the outer lambda's variables.
    assert ev(
        "[map(createArray(1, 2), "
        "lambda('x', map(createArray(10), lambda('y', add(lambdaVariables('x'), lambdaVariables('y'))))))]"
    ) == [[11], [12]]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[lambda('x', lambdaVariables('x'))]", "can only be used as an argument"),
        ("[concat(lambda('x', 'y'))]", "can only be used as an argument"),
        ("[map(createArray(1), 'notALambda')]", "must be a lambda"),
        ("[map(createArray(1), lambda('a', 'b', 'c', 1))]", "must take 1 or 2 parameter(s)"),
        ("[filter(createArray(1), lambda('x', 1))]", "must return a Boolean"),
        ("[map(createArray(1), lambda('x', lambdaVariables('y')))]", "no lambda parameter named 'y'"),
        ("[lambdaVariables('x')]", "no lambda parameter named 'x'"),
        ("[map(createArray(1), lambda('x', 'x', 1))]", "used twice"),
        ("[toObject(createArray(1), lambda('x', lambdaVariables('x')))]", "must return a String"),
        ("[lambda('x', 1).y]", "can only be used as an argument"),
    ],
)
def test_lambda_errors(text: str, fragment: str) -> None:
    assert fragment in err(text).message
