"""Safety bounds: every pathological input ends quickly with an ExpressionError."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from expressions_testkit import ctx, err, ev

from vmssplan.expressions import (
    MAX_EXPRESSION_LENGTH,
    MAX_NESTING_DEPTH,
    EvaluationLimitError,
    ExpressionError,
    evaluate,
    evaluate_value,
    user_functions_from_template,
)

FAST = 3.0  # seconds; generous for slow CI machines


@contextmanager
def quickly(limit: float = FAST) -> Iterator[None]:
    start = time.perf_counter()
    yield
    elapsed = time.perf_counter() - start
    assert elapsed < limit, f"took {elapsed:.2f}s"


def _nested(function: str, depth: int, leaf: str, tail: str = "") -> str:
    return "[" + f"{function}(" * depth + leaf + f"{tail})" * depth + "]"


def test_ten_thousand_nested_calls_fail_cleanly() -> None:
    with quickly():
        error = err(_nested("not", 10_000, "true()"))
    assert "characters long" in error.message or "nested too deeply" in error.message


def test_parser_is_iterative_beyond_the_length_limit() -> None:
    # The length check normally stops 10,000 nested calls first; the parser alone must
    # still refuse them cleanly (it uses an explicit stack, not recursion).
    from vmssplan.expressions.syntax import _Parser, _tokenize

    text = _nested("not", 10_000, "true()")
    with quickly(), pytest.raises(ExpressionError, match="nested too deeply"):
        _Parser(text, _tokenize(text, 1, len(text) - 1)).parse()


def test_nesting_limit_is_enforced_by_the_parser() -> None:
    with quickly():
        error = err(_nested("f", MAX_NESTING_DEPTH + 1, "1"))
    assert "nested too deeply" in error.message
    assert error.offset is not None
    deep_index = "[createArray(" + "createArray(" * 300 + "1" + ")" * 300 + ")" + "[0]" * 1 + "]"
    assert "nested too deeply" in err(deep_index).message


def test_nesting_at_the_limit_still_evaluates() -> None:
    depth = MAX_NESTING_DEPTH
    with quickly():
        assert ev(_nested("not", depth, "true()")) is True  # 256 nots of true
        assert ev("[" + "if(true(), " * depth + "'x'" + ", 'y')" * depth + "]") == "x"  # 2 frames a level
        assert ev("[" + "concat(" * depth + "'a'" + ")" * depth + "]") == "a"
        assert ev("[" + "coalesce(null(), " * depth + "'a'" + ")" * depth + "]") == "a"


def test_nested_index_brackets_count_towards_depth() -> None:
    inner = "0"
    for _ in range(MAX_NESTING_DEPTH - 1):
        inner = f"createArray(0)[{inner}]"
    assert ev(f"[{inner}]") == 0


def test_long_accessor_chains_do_not_recurse() -> None:
    chain = '[json(\'{"a":{"a":1}}\')' + ".a" * 8000 + "]"
    with quickly():
        error = err(chain)
    assert "can't be read from a value of type Integer" in error.message


def test_expression_length_limit() -> None:
    text = "[concat('" + "x" * 30_000 + "')]"
    assert len(text) > MAX_EXPRESSION_LENGTH
    with quickly():
        error = err(text)
    assert "24576" in error.message.replace(",", "")
    just_fits = "[concat('" + "x" * (MAX_EXPRESSION_LENGTH - 12) + "')]"
    assert len(ev(just_fits)) == MAX_EXPRESSION_LENGTH - 12


def test_range_and_copy_like_counts() -> None:
    with quickly():
        assert "between 0 and 10,000" in err("[range(0, 2000000000)]").message
        error = err("[map(range(0, 10000), lambda('i', map(range(0, 10000), lambda('j', 1))))]")
    assert isinstance(error, EvaluationLimitError)
    assert "budget" in error.message


def test_step_budget_is_configurable() -> None:
    small = ctx(max_steps=50)
    with pytest.raises(EvaluationLimitError, match="budget of 50 steps"):
        ev("[length(range(0, 100))]", small)
    assert ev("[length(range(0, 100))]", ctx(max_steps=1_000)) == 100


def test_budget_errors_are_not_swallowed_by_short_circuits() -> None:
    small = ctx(max_steps=200)
    with pytest.raises(EvaluationLimitError):
        ev("[and(reference('x').flag, equals(length(range(0, 1000)), 1))]", small)


def test_string_growth_is_bounded() -> None:
    variables = {"v0": "abcdefgh"}
    for level in range(1, 40):
        variables[f"v{level}"] = f"[concat(variables('v{level - 1}'), variables('v{level - 1}'))]"
    with quickly():
        error = err("[variables('v39')]", variables=variables)
    assert "characters long" in error.message
    functions = user_functions_from_template(
        [
            {
                "namespace": "x",
                "members": {
                    "twice": {
                        "parameters": [{"name": "s", "type": "string"}],
                        "output": {"type": "string", "value": "[concat(parameters('s'), parameters('s'))]"},
                    }
                },
            }
        ]
    )
    with quickly():
        error = err("[" + "x.twice(" * 40 + "'ab'" + ")" * 40 + "]", functions=functions)
    assert "characters long" in error.message
    with quickly():
        assert "over the length limit" in err("[format('{0,2000000000}', 'x')]").message
        assert "characters long" in err("[replace(padLeft('', 4000000, 'a'), 'a', 'aaaa')]").message


def test_self_referential_and_deep_variables() -> None:
    with quickly():
        assert "refers to itself" in err("[variables('x')]", variables={"x": "[variables('x')]"}).message
    chain = {f"v{index}": f"[variables('v{index + 1}')]" for index in range(3000)}
    chain["v3000"] = "end"
    with quickly():
        try:
            value = ev("[variables('v0')]", variables=chain)
        except ExpressionError as error:
            assert not error.internal
            assert isinstance(error, EvaluationLimitError)
        else:
            assert value == "end"
    short_chain = {f"v{index}": f"[variables('v{index + 1}')]" for index in range(40)}
    short_chain["v40"] = "end"
    assert ev("[variables('v0')]", variables=short_chain) == "end"


def test_deep_json_values() -> None:
    deep: Any = "leaf"
    for _ in range(600):
        deep = {"a": deep}
    with quickly(), pytest.raises(EvaluationLimitError, match="nested more than"):
        evaluate_value(deep, ctx())
    very_deep: Any = "[add(1, 1)]"
    for _ in range(20_000):
        very_deep = [very_deep]
    with quickly(), pytest.raises(EvaluationLimitError):
        evaluate_value(very_deep, ctx())
    shallow: Any = "[add(1, 1)]"
    for _ in range(100):
        shallow = [shallow]
    result = evaluate_value(shallow, ctx())
    for _ in range(100):
        result = result[0]
    assert result == 2


@pytest.mark.parametrize(
    "make",
    [
        lambda: "[" + "(" * 10_000 + "]",
        lambda: "[" + "'" * 10_001 + "]",
        lambda: "[a" + ".b" * 10_000 + "()]",
        lambda: "[f(" + "," * 10_000 + ")]",
        lambda: "[f()" + "[0]" * 6000 + "]",
        lambda: "[f()" + "[" * 10_000 + "]",
    ],
)
def test_pathological_inputs_fail_quickly(make: Callable[[], str]) -> None:
    text = make()
    with quickly(), pytest.raises(ExpressionError) as raised:
        evaluate(text, ctx())
    assert not raised.value.internal
