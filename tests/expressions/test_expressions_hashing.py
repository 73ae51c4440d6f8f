"""uniqueString() and guid(): every published vector of facts section 3."""

from __future__ import annotations

import uuid

import pytest
from expressions_testkit import deployed_ctx, err, ev, unknown

from vmssplan.expressions import arm_guid, unique_string
from vmssplan.expressions.functions.hashing import murmur_hash64

UNIQUE_STRING_VECTORS = [
    (("test",), "rbgf3xv4ufgzg"),  # go-unique-string; arm-uniquestring (official DLL)
    (("t",), "fsnwonksnm7cy"),
    (("te",), "o57ehhbytctgs"),
    (("tes",), "ebse57jls4qbc"),
    (("t", "e"), "d5ykh7yoidm2a"),
    (("world",), "iw4p5eg6q6hta"),  # azure-arm-unique-string (Rust)
    (("tyeth",), "zcztcwvu6iyg6"),  # StackOverflow 43295720 (official DLL)
    (("/subscriptions/00000000-0000-0000-0000-000000000000", "resource-id"), "cwvxuqg24sifi"),  # azapi
    (("fu",), "6rkxbspxjmsho"),  # powershell-az
    (("fubar",), "cj2xpqsiwjfne"),
    (("fu", "bar"), "q5wxoscxs5j6k"),
    (("hello", "world"), "a7wkljktk6wne"),  # go-azure-uniquestring
    (("aaa",), "zavj67f3en4hc"),  # Kingsland.ArmLinter (real deployments)
    (("bbb",), "w5eragfxe33cy"),
    (("zzz",), "cryksdzzzawae"),
    (("xxx", "yyy", "zzz"), "lghi7k5js7itq"),
    (("test", "value"), "bhxq2thzm5dym"),  # AzExpression (official DLL)
    (
        (
            (
                "/subscriptions/31e9f9a0-9fd2-4294-a0a3-0101246d9700/resourceGroups/rg-modm201-20230913120256"
                "/providers/Microsoft.Compute/virtualMachines/bobjacmodm201"
            ),
        ),
        "yvjxno3je5on2",  # commercial-marketplace-offer-deploy (corrected revision)
    ),
    (("",), "aaaaaaaaaaaaa"),  # computed only [unverified]
]

GUID_VECTORS = [
    (("test", "value"), "95b33d6a-06a0-5961-9b94-a0f6c648352b"),  # AzExpression (official DLL)
    (("abc",), "a9b46cc2-65a6-5559-9f14-7091827ab32f"),  # computed [unverified]
    (("a", "b", "c"), "a98fa280-e03f-5afa-8d8e-92d0a9c201e8"),  # computed [unverified]
]


def _call(function: str, parts: tuple[str, ...]) -> str:
    quoted = ", ".join("'" + part.replace("'", "''") + "'" for part in parts)
    return f"[{function}({quoted})]"


@pytest.mark.parametrize(("parts", "expected"), UNIQUE_STRING_VECTORS)
def test_unique_string_vectors(parts: tuple[str, ...], expected: str) -> None:
    assert unique_string(*parts) == expected
    assert ev(_call("uniqueString", parts)) == expected


def test_unique_string_hash_value_of_published_vector() -> None:
    assert murmur_hash64(b"hello-world") == 571013382255652050


@pytest.mark.parametrize("text", ["x" * length for length in range(20)] + ["ünïcødé", "日本語", "a-b"])
def test_unique_string_shape(text: str) -> None:
    value = unique_string(text)
    assert len(value) == 13
    assert set(value) <= set("abcdefghijklmnopqrstuvwxyz234567")
    assert value[-1] in "acegikmoqsuwy246"  # 65 bits: the last character has a zero low bit


def test_unique_string_joins_with_hyphen() -> None:
    assert unique_string("a", "b") == unique_string("a-b")
    assert unique_string("a", "b") != unique_string("ab")


@pytest.mark.parametrize(("parts", "expected"), GUID_VECTORS)
def test_guid_vectors(parts: tuple[str, ...], expected: str) -> None:
    assert arm_guid(*parts) == expected
    assert ev(_call("guid", parts)) == expected


def test_guid_is_uuid5_of_the_hyphen_joined_name() -> None:
    namespace = uuid.UUID("11fb06fb-712d-4ddd-98c7-e71bbd588830")
    assert arm_guid("x", "y", "z") == str(uuid.uuid5(namespace, "x-y-z"))
    assert arm_guid("test", "value") != "f6b5c997" + arm_guid("testvalue")[8:]  # "" join is wrong


def test_hash_functions_need_string_arguments() -> None:
    assert "must be a String" in err("[uniqueString(1)]").message
    assert "must be a String" in err("[guid('a', createArray())]").message
    assert "at least 1" in err("[uniqueString()]").message


def test_hash_of_context_values() -> None:
    context = deployed_ctx()
    rg_id = "/subscriptions/f91a30fd-f403-4999-ae9f-ec37a6d81e13/resourceGroups/testResourceGroup"
    assert ev("[uniqueString(resourceGroup().id)]", context) == unique_string(rg_id)
    assert ev("[guid(resourceGroup().id, deployment().name)]", context) == arm_guid(rg_id, "main")
    result = unknown("[uniqueString(resourceGroup().id)]")  # no resource group supplied
    assert result.expression == "uniqueString(resourceGroup().id)"
