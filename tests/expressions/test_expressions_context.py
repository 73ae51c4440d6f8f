"""EvaluationContext: parameters, variables, user functions, copy loops, evaluate_value, secrets."""

from __future__ import annotations

from typing import Any

import pytest
from expressions_testkit import ctx, deployed_ctx, err, ev

from vmssplan.expressions import (
    MISSING,
    EvaluationContext,
    ExpressionError,
    Unknown,
    UserFunction,
    evaluate,
    evaluate_value,
    evaluate_value_and_secrecy,
    unique_string,
    user_functions_from_template,
)

# --------------------------------------------------------------------------- parameters


def test_parameters_are_case_insensitive() -> None:
    context = ctx(parameters={"vmssName": "web", "Count": 3})
    assert ev("[parameters('vmssName')]", context) == "web"
    assert ev("[parameters('VMSSNAME')]", context) == "web"
    assert ev("[parameters('count')]", context) == 3


def test_missing_parameter_is_an_error() -> None:
    error = err("[parameters('nope')]", parameters={"a": 1})
    assert "the template parameter 'nope' is not found" in error.message
    assert error.offset == 1


def test_parameter_resolver_and_its_cycles() -> None:
    defaults = {"a": "[concat(parameters('b'), '-a')]", "b": "b", "self": "[parameters('self')]"}
    holder: dict[str, EvaluationContext] = {}

    def resolve(name: str) -> Any:
        raw = defaults.get(name, MISSING)
        return raw if raw is MISSING else evaluate_value(raw, holder["ctx"])

    holder["ctx"] = context = ctx(parameters=resolve)
    assert ev("[parameters('a')]", context) == "b-a"
    assert "parameter 'self' refers to itself" in err("[parameters('self')]", context).message
    assert "is not found" in err("[parameters('zzz')]", context).message


# --------------------------------------------------------------------------- variables


def test_variables_are_lazy_memoised_and_case_insensitive() -> None:
    variables = {
        "prefix": "[toLower(parameters('name'))]",
        "full": "[concat(variables('prefix'), '-', variables('SUFFIX'))]",
        "suffix": "vmss",
        "broken": "[fail('never used')]",
        "obj": {"a": "[variables('suffix')]", "list": ["[variables('prefix')]", 1]},
    }
    context = ctx(parameters={"name": "WEB"}, variables=variables)
    assert ev("[variables('FULL')]", context) == "web-vmss"
    assert ev("[variables('obj')]", context) == {"a": "vmss", "list": ["web", 1]}
    steps = context.steps_used
    assert ev("[variables('full')]", context) == "web-vmss"
    assert context.steps_used - steps <= 2  # memoised: only the call itself is evaluated


def test_self_referencing_variable_is_detected() -> None:
    error = err("[variables('x')]", variables={"x": "[concat('a', variables('x'))]"})
    assert "variable 'x' refers to itself" in error.message
    assert "variable 'x'" in str(error)


def test_variable_cycle_is_detected() -> None:
    variables = {"a": "[variables('b')]", "b": "[concat(variables('c'), '')]", "c": "[variables('A')]"}
    error = err("[variables('a')]", variables=variables)
    assert "variables refer to each other in a cycle: a -> b -> c -> A" in error.message


def test_missing_variable() -> None:
    assert "variable 'v' is not found" in err("[variables('v')]", variables={"w": 1}).message
    assert "no variables are defined" in err("[variables('v')]").message


def test_error_inside_a_variable_names_the_variable() -> None:
    error = err("[concat(variables('v'), 'x')]", variables={"v": {"deep": ["[div(1, 0)]"]}})
    assert "divide by zero" in error.message
    assert error.trail == ["variable 'v'"]
    assert error.pointer == "/deep/0"  # relative to the variable's value
    assert error.expression == "[div(1, 0)]"


def test_variables_do_not_see_the_current_copy_loop() -> None:
    context = ctx(variables={"v": "[copyIndex()]"}).with_copy_index("vms", 2, current=True)
    assert ev("[copyIndex()]", context) == 2
    assert "only valid inside a resource copy loop" in err("[variables('v')]", context).message


def test_variable_resolver_callable() -> None:
    calls: list[str] = []
    holder: dict[str, EvaluationContext] = {}
    raw = {"a": "[variables('b')]", "b": "[createArray(1, 2)]", "loop": "[variables('loop')]"}

    def resolve(name: str) -> Any:
        calls.append(name)
        return evaluate_value(raw[name], holder["ctx"]) if name in raw else MISSING

    holder["ctx"] = context = ctx(variables=resolve)
    assert ev("[variables('a')]", context) == [1, 2]
    assert ev("[variables('a')]", context) == [1, 2]
    assert calls == ["a", "b"]  # memoised across calls
    assert "variable 'loop' refers to itself" in err("[variables('loop')]", context).message
    assert "is not found" in err("[variables('nope')]", context).message


# --------------------------------------------------------------------------- copyIndex


def test_copy_index() -> None:
    base = ctx()
    resource_loop = base.with_copy_index("vmLoop", 3, current=True)
    disks = resource_loop.with_copy_index("dataDisks", 1)
    assert ev("[copyIndex()]", resource_loop) == 3
    assert ev("[copyIndex(1)]", resource_loop) == 4
    assert ev("[copyIndex('dataDisks')]", disks) == 1
    assert ev("[copyIndex('DATADISKS', 10)]", disks) == 11
    assert ev("[copyIndex()]", disks) == 3  # unnamed: still the resource loop
    assert ev("[copyIndex('vmLoop')]", disks) == 3  # outer loops by name
    assert ev("[concat('vm', copyIndex(1))]", resource_loop) == "vm4"
    assert "only valid inside a resource copy loop" in err("[copyIndex()]", base).message
    assert "no copy loop named 'other'" in err("[copyIndex('other')]", disks).message
    assert "loop name (String) or an offset" in err("[copyIndex(true())]", disks).message


def test_derived_contexts_share_the_budget() -> None:
    base = ctx(max_steps=1000)
    child = base.with_copy_index("loop", 0, current=True)
    ev("[concat('a', 'b')]", child)
    assert base.steps_used == child.steps_used > 0


# --------------------------------------------------------------------------- user-defined functions

FUNCTIONS_SECTION = [
    {
        "namespace": "contoso",
        "members": {
            "uniqueName": {
                "parameters": [{"name": "namePrefix", "type": "string"}],
                "output": {
                    "type": "string",
                    "value": "[concat(toLower(parameters('namePrefix')), uniqueString(resourceGroup().id))]",
                },
            },
            "pair": {
                "parameters": [{"name": "a", "type": "int"}, {"name": "b", "type": "int"}],
                "output": {
                    "type": "object",
                    "value": {
                        "sum": "[add(parameters('a'), parameters('b'))]",
                        "list": ["[parameters('a')]"],
                    },
                },
            },
            "twice": {
                "parameters": [{"name": "s", "type": "string"}],
                "output": {"type": "string", "value": "[concat(parameters('s'), parameters('s'))]"},
            },
            "useVariable": {"parameters": [], "output": {"type": "string", "value": "[variables('v')]"}},
            "loop": {"parameters": [], "output": {"type": "string", "value": "[contoso.loop()]"}},
            "wrongType": {"parameters": [], "output": {"type": "int", "value": "text"}},
            "secret": {
                "parameters": [{"name": "pwd", "type": "securestring"}],
                "output": {"type": "string", "value": "[concat('x', parameters('pwd'))]"},
            },
        },
    }
]


def _udf_ctx(**fields: Any) -> EvaluationContext:
    return deployed_ctx(
        functions=user_functions_from_template(FUNCTIONS_SECTION), variables={"v": "x"}, **fields
    )


def test_user_defined_functions() -> None:
    context = _udf_ctx(parameters={"namePrefix": "outer"})
    rg_id = "/subscriptions/f91a30fd-f403-4999-ae9f-ec37a6d81e13/resourceGroups/testResourceGroup"
    assert ev("[contoso.uniqueName('WEB')]", context) == "web" + unique_string(rg_id)
    assert ev("[CONTOSO.UNIQUENAME('a')]", context) == "a" + unique_string(rg_id)
    assert ev("[contoso.pair(1, 2)]", context) == {"sum": 3, "list": [1]}
    assert ev("[contoso.pair(1, 2).sum]", context) == 3
    assert ev("[contoso.twice(contoso.twice('ab'))]", context) == "abababab"  # nested calls
    assert ev("[parameters('namePrefix')]", context) == "outer"  # caller's parameters untouched


def test_user_defined_function_errors() -> None:
    context = _udf_ctx()
    assert "takes 1 argument(s), not 2" in err("[contoso.twice('a', 'b')]", context).message
    assert "must be of type int" in err("[contoso.pair('1', 2)]", context).message
    assert "can't use variables()" in err("[contoso.useVariable()]", context).message
    assert "more than 32 levels" in err("[contoso.loop()]", context).message
    assert "must return int" in err("[contoso.wrongType()]", context).message
    assert "is not valid" in err("[contoso.nothing()]", context).message
    assert "is not valid" in err("[other.twice('a')]", context).message


def test_user_functions_section_validation() -> None:
    with pytest.raises(ExpressionError):
        user_functions_from_template({"namespace": "x"})
    with pytest.raises(ExpressionError):
        user_functions_from_template([{"namespace": "x", "members": {"f": {"parameters": [], "output": {}}}}])
    parsed = user_functions_from_template(FUNCTIONS_SECTION)
    assert isinstance(parsed["contoso.uniquename"], UserFunction)
    assert user_functions_from_template(None) == {}


# --------------------------------------------------------------------------- evaluate / evaluate_value


def test_evaluate_literals_and_type_errors() -> None:
    assert evaluate("plain", ctx()) == "plain"
    assert evaluate("[[x]", ctx()) == "[x]"
    with pytest.raises(ExpressionError):
        evaluate(5, ctx())  # type: ignore[arg-type]


def test_evaluate_value_walks_json_and_evaluates_keys() -> None:
    value = {
        "name": "[parameters('name')]",
        "[format('{0}Tag', parameters('name'))]": "v",
        "[[literalKey]": "[[literalValue]",
        "n": 5,
        "flag": True,
        "nothing": None,
        "list": [["[add(1, 1)]"], {"k": "[toUpper('x')]"}],
    }
    result = evaluate_value(value, ctx(parameters={"name": "web"}))
    assert result == {
        "name": "web",
        "webTag": "v",
        "[literalKey]": "[literalValue]",
        "n": 5,
        "flag": True,
        "nothing": None,
        "list": [[2], {"k": "X"}],
    }
    assert list(result) == ["name", "webTag", "[literalKey]", "n", "flag", "nothing", "list"]
    assert value["name"] == "[parameters('name')]"  # input untouched
    assert evaluate_value("[add(1, 2)]", ctx()) == 3
    assert evaluate_value(7, ctx()) == 7


def test_evaluate_value_errors_carry_a_pointer() -> None:
    with pytest.raises(ExpressionError) as raised:
        evaluate_value({"a": [1, {"b/c": "[div(1, 0)]"}]}, ctx())
    assert raised.value.pointer == "/a/1/b~1c"
    assert "at /a/1/b~1c" in str(raised.value)
    with pytest.raises(ExpressionError, match="must evaluate to a String"):
        evaluate_value({"[add(1, 2)]": 1}, ctx())
    with pytest.raises(ExpressionError, match="occurs twice"):
        evaluate_value({"a": 1, "[concat('a')]": 2}, ctx())


def test_secrecy_tracking() -> None:
    context = ctx(
        parameters={"adminPassword": "hunter2", "name": "web"},
        secret_parameters={"AdminPassword"},
        variables={"script": "[base64(concat('pw=', parameters('adminPassword')))]", "plain": "x"},
    )
    value, secret = evaluate_value_and_secrecy({"customData": "[variables('script')]"}, context)
    assert secret and value["customData"].startswith("cHc9")
    value, secret = evaluate_value_and_secrecy({"customData": "[variables('script')]"}, context)
    assert secret  # also when the variable comes from the cache
    assert evaluate_value_and_secrecy("[variables('plain')]", context) == ("x", False)
    assert evaluate_value_and_secrecy("[parameters('name')]", context) == ("web", False)
    value, secret = evaluate_value_and_secrecy("[listKeys('id', '2023-01-01')]", context)
    assert secret and isinstance(value, Unknown)
    udf = deployed_ctx(functions=user_functions_from_template(FUNCTIONS_SECTION))
    assert evaluate_value_and_secrecy("[contoso.secret('p')]", udf) == ("xp", True)
