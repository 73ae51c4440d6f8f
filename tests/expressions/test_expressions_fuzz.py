"""Property tests: whatever the input, only ExpressionError comes out, and never an internal one."""

from __future__ import annotations

import contextlib
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from vmssplan.expressions import (
    BUILTIN_FUNCTIONS,
    EvaluationContext,
    ExpressionError,
    evaluate,
    evaluate_value,
    make_resource_group,
    make_subscription,
    parse,
    user_functions_from_template,
)
from vmssplan.expressions.functions import REGISTRY

FUNCTIONS = user_functions_from_template(
    [
        {
            "namespace": "ns",
            "members": {
                "fn": {
                    "parameters": [{"name": "x", "type": "string"}],
                    "output": {"type": "string", "value": "[concat(parameters('x'), '!')]"},
                }
            },
        }
    ]
)
PARAMETERS = {
    "s": "Hello World",
    "n": 42,
    "neg": -7,
    "b": True,
    "arr": [1, "two", [3], {"four": 4}, None],
    "obj": {"a": {"b": [1, 2]}, "Key": "v", "list": ["x", "y"]},
    "empty": [],
    "cidr": "10.0.0.0/16",
    "date": "2020-04-07T14:53:14Z",
    "json": '{"a": [1, 2, {"b": null}]}',
}
VARIABLES = {
    "v": "[parameters('s')]",
    "obj": {"k": "[parameters('n')]"},
    "self": "[variables('self')]",
    "bad": "[div(1, 0)]",
}



def _context() -> EvaluationContext:
    return EvaluationContext(
        parameters=PARAMETERS,
        variables=VARIABLES,
        functions=FUNCTIONS,
        subscription=make_subscription("00000000-0000-0000-0000-000000000000"),
        resource_group=make_resource_group("00000000-0000-0000-0000-000000000000", "rg"),
        max_steps=20_000,
    ).with_copy_index("loop", 1, current=True)


def _check(text: str) -> None:
    try:
        evaluate(text, _context())
    except ExpressionError as error:
        assert not error.internal, f"internal error for {text!r}: {error}"
        str(error)  # rendering never fails


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_random_strings(text: str) -> None:
    _check(text)
    _check("[" + text + "]")
    with contextlib.suppress(ExpressionError):
        parse("[" + text + "]")


TOKENS = st.sampled_from(
    [
        "(",
        ")",
        ",",
        ".",
        "[",
        "]",
        "'",
        "''",
        " ",
        "1",
        "-1",
        "2147483648",
        "1.5",
        "concat",
        "parameters",
        "'s'",
        "'arr'",
        "'obj'",
        "a",
        "if",
        "true()",
        "null()",
        "ns.fn",
        "x.y",
        "lambda",
        "'x'",
        "lambdaVariables",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(TOKENS, max_size=25))
def test_random_token_soup(tokens: list[str]) -> None:
    _check("[" + "".join(tokens) + "]")


_SPECIAL_ARITY = {"if": (3, 3), "and": (1, 3), "or": (1, 3), "coalesce": (1, 3)}
_EXTRA_NAMES = {"listKeys": (2, 2), "ns.fn": (1, 1), "nope": (0, 1), "x.y": (0, 1)}


def _arity(name: str) -> tuple[int, int]:
    if name in _SPECIAL_ARITY:
        return _SPECIAL_ARITY[name]
    if name in _EXTRA_NAMES:
        return _EXTRA_NAMES[name]
    spec = REGISTRY[name]
    low = spec.min_args
    high = spec.max_args if spec.max_args is not None else low + 3
    return low, min(high, low + 3)


FUNCTION_NAMES = sorted(BUILTIN_FUNCTIONS - {"lambda", "lambdavariables"}) + sorted(_EXTRA_NAMES)
#: Lambda-taking functions and how to call them: {0} is an array/object argument, {1} a lambda body.
LAMBDA_CALLS = [
    "map({0}, lambda('x', {1}))",
    "map({0}, lambda('x', 'i', {1}))",
    "filter({0}, lambda('x', {1}))",
    "sort({0}, lambda('x', 'y', {1}))",
    "reduce({0}, 0, lambda('x', 'y', {1}))",
    "toObject({0}, lambda('x', {1}))",
    "toObject({0}, lambda('x', string(lambdaVariables('x'))), lambda('x', {1}))",
    "groupBy({0}, lambda('x', {1}))",
    "mapValues({0}, lambda('x', {1}))",
]
LAMBDA_BODIES = [
    "lambdaVariables('x')",
    "string(lambdaVariables('x'))",
    "equals(lambdaVariables('x'), 1)",
    "less(length(string(lambdaVariables('x'))), 3)",
    "lambdaVariables('y')",
]


def _string_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


LITERALS = st.one_of(
    st.integers(min_value=-(2**31), max_value=2**31 - 1).map(str),
    st.sampled_from(
        [
            "'s'",
            "'arr'",
            "'obj'",
            "'n'",
            "'b'",
            "'v'",
            "'loop'",
            "'cidr'",
            "'date'",
            "'json'",
            "'{0} {1:N0}'",
            "'P1D'",
            "'a,b'",
            "'10.1.0.0/24'",
            "'Microsoft.Compute/virtualMachineScaleSets'",
            "''",
            "'x'",
            "'{\"a\":1}'",
            "'u'",
            "'self'",
            "'bad'",
            "'list'",
            "'Key'",
        ]
    ),
    st.text(max_size=6).map(_string_literal),
)


def _expressions() -> st.SearchStrategy[str]:
    def extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        accessor = st.one_of(
            st.sampled_from([".a", ".b", ".k", ".Key", ".list", ".length"]),
            children.map(lambda child: f"[{child}]"),
        )

        @st.composite
        def call(draw: st.DrawFn) -> str:
            name = draw(st.sampled_from(FUNCTION_NAMES))
            low, high = _arity(name)
            if draw(st.integers(0, 9)) == 0:  # now and then a wrong arity
                low, high = 0, high + 1
            args = draw(st.lists(children, min_size=low, max_size=high))
            accessors = draw(st.lists(accessor, max_size=2))
            return f"{name}({', '.join(args)})" + "".join(accessors)

        lambda_call = st.builds(
            lambda template, source, body: template.format(source, body),
            st.sampled_from(LAMBDA_CALLS),
            st.one_of(children, st.sampled_from(["parameters('arr')", "parameters('obj')", "range(0, 5)"])),
            st.one_of(children, st.sampled_from(LAMBDA_BODIES)),
        )
        return st.one_of(call(), call(), lambda_call)

    return st.recursive(LITERALS, extend, max_leaves=12)


@settings(max_examples=600, deadline=None)
@given(_expressions())
def test_random_well_formed_expressions(body: str) -> None:
    _check("[" + body + "]")


@settings(max_examples=100, deadline=None)
@given(
    st.recursive(
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(),
            st.text(max_size=10),
            _expressions().map(lambda b: f"[{b}]"),
        ),
        lambda children: st.one_of(
            st.lists(children, max_size=3),
            st.dictionaries(
                st.one_of(st.text(max_size=5), _expressions().map(lambda b: f"[{b}]")), children, max_size=3
            ),
        ),
        max_leaves=8,
    )
)
def test_random_json_values(value: Any) -> None:
    try:
        evaluate_value(value, _context())
    except ExpressionError as error:
        assert not error.internal, f"internal error for {value!r}: {error}"
