"""Grammar: when a string is an expression, tokens, syntax, parse errors (facts 1.1-1.3)."""

from __future__ import annotations

import pytest
from expressions_testkit import ctx, err, ev

from vmssplan.expressions import (
    Access,
    ExpressionError,
    FunctionCall,
    IndexAccessor,
    IntegerLiteral,
    PropertyAccessor,
    StringLiteral,
    function_names,
    is_expression,
    parse,
    unescape_literal,
)

# --------------------------------------------------------------------------- 1.1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[concat('a')]", True),
        (" [concat('a')]", False),  # leading space: a plain literal
        ("[concat('a')] ", False),
        ("[[test value]", False),  # the escape
        ("[test] value", False),  # does not end with ]
        ("[[x", False),
        ("[", False),
        ("]", False),
        ("[]", True),  # passes the test, fails to parse
        ("", False),
        ("plain", False),
    ],
)
def test_is_expression(text: str, expected: bool) -> None:
    assert is_expression(text) is expected


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("[[test value]", "[test value]"),  # only the first character is dropped
        ("[[x]]", "[x]]"),
        ("[test] value", "[test] value"),  # not unescaped
        ("[[x", "[[x"),  # no trailing ]: unchanged, both brackets kept
        ("[", "["),
        ("]", "]"),
        (" [concat('a')]", " [concat('a')]"),
        ("plain", "plain"),
    ],
)
def test_literals_evaluate_to_their_unescaped_value(text: str, value: str) -> None:
    assert unescape_literal(text) == value
    assert ev(text) == value


@pytest.mark.parametrize("text", ["[]", "[ ]", "[  \t ]"])
def test_empty_expression_is_an_error(text: str) -> None:
    error = err(text)
    assert "expected a function name" in error.message
    assert error.offset is not None and error.offset >= 1


# --------------------------------------------------------------------------- 1.2 tokens


def test_string_literal_with_doubled_quotes() -> None:
    assert ev("['it''s']") == "it's"
    assert ev("[concat('''quoted''')]") == "'quoted'"
    assert ev("['']") == ""
    assert ev("['''']") == "'"


def test_whitespace_is_skipped_between_tokens_but_kept_in_strings() -> None:
    assert ev("[ concat( 'a' ,\t'b  c' , 'd' ) ]") == "ab  cd"
    assert ev("[\nconcat(\n'x'\n)\n]") == "x"


def test_integer_literals() -> None:
    assert ev("[add(1, 2)]") == 3
    assert ev("[add(-5, +3)]") == -2
    assert ev("[add(2147483647, 0)]") == 2147483647
    assert ev("[add(-2147483648, 0)]") == -2147483648
    assert ev("[string(007)]") == "7"


@pytest.mark.parametrize("number", ["2147483648", "-2147483649", "99999999999999999999"])
def test_integer_outside_32_bits_is_invalid(number: str) -> None:
    error = err(f"[add({number}, 1)]")
    assert "invalid number" in error.message
    assert error.offset == 5


@pytest.mark.parametrize("text", ["[add(12ab, 1)]", "[add(1_0, 1)]", "[add(5$, 1)]"])
def test_letter_directly_after_a_number_is_an_error(text: str) -> None:
    error = err(text)
    assert "invalid number" in error.message
    assert error.offset == 5


@pytest.mark.parametrize("text", ["[add(1.5, 1)]", "[add(1e3, 1)]", "[add(-2.25, 1)]", "[add(3E+2, 1)]"])
def test_float_literals_are_rejected(text: str) -> None:
    error = err(text)
    assert "floating point" in error.message
    assert error.offset == 5


def test_identifiers_may_hold_dollar_and_underscore() -> None:
    error = err("[my_fn$1()]")
    assert "'my_fn$1' is not valid" in error.message


@pytest.mark.parametrize(
    ("text", "fragment", "offset"),
    [
        ("[concat('a)]", "unterminated string", 8),
        ("[concat('a' 'b')]", "expected ',' or ')'", 12),
        ("[concat('a',)]", "expected an expression", 12),
        ("[concat('a'", "", None),  # not an expression at all (no closing bracket): literal
        ("[concat('a']", "expected ',' or ')'", 11),
        ("[concat]", "expected '('", 7),
        ("[true]", "expected '('", 5),  # no bare keywords
        ("[null]", "expected '('", 5),
        ("[concat('a') 'b']", "after the end of the expression", 13),
        ("[concat('a')]x]", "after the end of the expression", 12),
        ("[('x').y]", "expected a function name, found '('", 1),
        ("['abc'[0]]", "only allowed after a function call", 6),
        ("['abc'.length]", "only allowed after a function call", 6),
        ("[parameters('o').1]", "expected a property name", 17),
        ("[parameters('o').]", "expected a property name", 17),
        ("[parameters('o')[0]", "expected ']'", 18),  # the last ] closes the expression
        ("[parameters('o')[0]]]", "after the end", 19),
        ("[a.b.c()]", "expected '('", 4),
        ("[a.()]", "expected a function name after 'a.'", 3),
        ("[concat('a') + 'b']", "unexpected character '+'", 13),
        ("[equals(1, 1) && true()]", "unexpected character '&'", 14),
        ("[-]", "unexpected character '-'", 1),
        ("[#]", "unexpected character '#'", 1),
        ('["a"]', "unexpected character '\"'", 1),
    ],
)
def test_parse_errors_report_offsets(text: str, fragment: str, offset: int | None) -> None:
    if offset is None:
        assert not is_expression(text)
        return
    with pytest.raises(ExpressionError) as raised:
        parse(text)
    error = raised.value
    assert fragment in error.message
    assert error.offset == offset, (error.offset, str(error))
    assert error.expression == text
    assert repr(text) in str(error)  # the message names the expression


def test_long_expressions_are_truncated_in_messages() -> None:
    text = "[concat(" + ", ".join(["'abcdefgh'"] * 500) + ", 1.5)]"
    error = err(text)
    rendered = str(error)
    assert len(rendered) < 400
    assert "..." in rendered
    assert "1.5" in rendered  # the window is around the offset


# --------------------------------------------------------------------------- 1.3 syntax tree


def test_parse_builds_a_tree_with_offsets() -> None:
    node = parse("[parameters('o').a.b[0]['c-d']]")
    assert isinstance(node, Access)
    assert node.target == FunctionCall("parameters", (StringLiteral("o", 12, 15),), 1, 16)
    kinds = [type(accessor) for accessor in node.accessors]
    assert kinds == [PropertyAccessor, PropertyAccessor, IndexAccessor, IndexAccessor]
    first, _, third, fourth = node.accessors
    assert isinstance(first, PropertyAccessor) and first.name == "a"
    assert isinstance(third, IndexAccessor) and third.index == IntegerLiteral(0, 21, 22)
    assert isinstance(fourth, IndexAccessor) and fourth.index == StringLiteral("c-d", 24, 29)
    assert (node.start, node.end) == (1, 30)


def test_user_function_names_have_one_dot() -> None:
    node = parse("[contoso.uniqueName('x')]")
    assert isinstance(node, FunctionCall)
    assert node.name == "contoso.uniqueName"
    assert node.key == "contoso.uniquename"


def test_function_names_are_case_insensitive() -> None:
    assert ev("[CONCAT('a', 'b')]") == "ab"
    assert ev("[toupper('a')]") == "A"
    assert ev("[ToLower('A')]") == "a"


def test_accessors_follow_calls_only_and_nest() -> None:
    obj = {"a": {"b": [{"c-d": "deep"}]}, "map": {"dev": "small", "prod": "large"}}
    params = {"o": obj, "env": "prod"}
    assert ev("[parameters('o').a.b[0]['c-d']]", parameters=params) == "deep"
    assert ev("[parameters('o').map[parameters('env')]]", parameters=params) == "large"
    assert ev("[createArray(1, 2, 3)[1]]") == 2
    assert ev("[json('{\"x\": [10, 20]}').x[1]]") == 20
    assert ev("[split('a-b-c', '-')[2]]") == "c"


def test_examples_from_the_facts_file() -> None:
    params = {"o": {"a": {"b": [{"c-d": 1}]}}, "vnetRG": "net-rg", "env": "dev"}
    variables = {"var1": "value1", "map": {"dev": "d"}, "v": {"my-key": "k"}}
    context = ctx(parameters=params, variables=variables)
    assert ev("[variables('var1')]", context) == "value1"
    assert ev("[VARIABLES('VAR1')]", context) == "value1"
    assert ev("[variables('v')['my-key']]", context) == "k"
    assert ev("[variables('map')[parameters('env')]]", context) == "d"
    assert ev("[parameters('o').a.b[0]['c-d']]", context) == 1
    assert ev("[concat('vm', string(3))]") == "vm3"


def test_function_names_helper() -> None:
    assert function_names("[concat(reference('x').id, listKeys('y', '1').keys[0])]") == {
        "concat",
        "reference",
        "listkeys",
    }
    assert function_names("plain") == frozenset()
    assert function_names("[[escaped]") == frozenset()


def test_parse_is_cached_and_rejects_non_expressions() -> None:
    assert parse("[concat('a')]") is parse("[concat('a')]")
    with pytest.raises(ExpressionError):
        parse("plain text")
    with pytest.raises(ExpressionError):
        parse(42)  # type: ignore[arg-type]
