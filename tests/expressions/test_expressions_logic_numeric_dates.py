"""Comparison, logical, numeric and date functions (facts 2.2, 2.3, 2.5, 2.6)."""

from __future__ import annotations

import pytest
from expressions_testkit import err, ev

# --------------------------------------------------------------------------- comparison


def test_coalesce_docs_example() -> None:
    value = {
        "null1": None,
        "null2": None,
        "string": "default",
        "int": 1,
        "object": {"first": "default"},
        "array": [1],
    }
    params = {"objectToTest": value}
    base = "parameters('objectToTest')"
    assert ev(f"[coalesce({base}.null1, {base}.null2, {base}.string)]", parameters=params) == "default"
    assert ev(f"[coalesce({base}.null1, {base}.null2, {base}.int)]", parameters=params) == 1
    assert ev(f"[coalesce({base}.null1, {base}.null2, {base}.object)]", parameters=params) == {
        "first": "default"
    }
    assert ev(f"[coalesce({base}.null1, {base}.null2, {base}.array)]", parameters=params) == [1]
    assert ev(f"[coalesce({base}.null1, {base}.null2)]", parameters=params) is None


def test_coalesce_keeps_empty_values() -> None:
    assert ev("[coalesce('', 'x')]") == ""
    assert ev("[coalesce(createArray(), 'x')]") == []
    assert ev("[coalesce(createObject(), 'x')]") == {}


def test_coalesce_is_lazy() -> None:
    assert ev("[coalesce('first', fail('never evaluated'))]") == "first"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("[equals(1, 1)]", True),
        ("[equals('a', 'a')]", True),
        ("[equals('a', 'A')]", False),  # case-sensitive
        ("[equals(createArray('a', 'b'), createArray('a', 'b'))]", True),
        ("[equals(createArray('a', 'b'), createArray('b', 'a'))]", False),
        ("[equals(createObject('a', 1, 'b', 2), createObject('b', 2, 'a', 1))]", True),
        ("[equals(1, true())]", False),  # bool is not int
        ("[equals(0, false())]", False),
        ("[equals(1, json('1.0'))]", True),
        ("[equals(null(), null())]", True),
        ("[equals('1', 1)]", False),
    ],
)
def test_equals(text: str, value: bool) -> None:
    assert ev(text) is value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("[greater(10, 5)]", True),
        ("[greater('A', 'a')]", True),  # docs: culture-aware, not ordinal
        ("[less('A', 'a')]", False),
        ("[greater('b', 'A')]", True),
        ("[less('apple', 'Banana')]", True),  # case-insensitive first
        ("[greaterOrEquals(5, 5)]", True),
        ("[greaterOrEquals('a', 'a')]", True),
        ("[lessOrEquals(4, 5)]", True),
        ("[lessOrEquals(6, 5)]", False),
        ("[less(-1, 0)]", True),
    ],
)
def test_ordering(text: str, value: bool) -> None:
    assert ev(text) is value


def test_ordering_type_errors() -> None:
    assert "both be integers or both be strings" in err("[greater(1, 'a')]").message
    assert "both be integers or both be strings" in err("[less(true(), false())]").message


# --------------------------------------------------------------------------- logical


def test_and_or_not() -> None:
    assert ev("[and(true(), true())]") is True
    assert ev("[and(true(), false())]") is False
    assert ev("[and(true(), true(), true())]") is True
    assert ev("[or(false(), false())]") is False
    assert ev("[or(false(), true())]") is True
    assert ev("[not(true())]") is False
    assert "must be Booleans" in err("[and(true(), 1)]").message
    assert "must be a Boolean" in err("[not('true')]").message


def test_and_or_short_circuit() -> None:
    # Bicep relies on this: and(contains(o, 'k'), o.k)
    params: dict[str, object] = {"o": {}}
    assert ev("[and(contains(parameters('o'), 'k'), parameters('o').k)]", parameters=params) is False
    assert ev("[or(empty(parameters('a')), equals(parameters('a')[0], 1))]", parameters={"a": []}) is True
    assert ev("[and(false(), fail('x'))]") is False
    assert ev("[or(true(), fail('x'))]") is True


def test_if_evaluates_only_the_chosen_branch() -> None:
    assert ev("[if(true(), 'a', fail('no'))]") == "a"
    assert ev("[if(false(), fail('no'), 'b')]") == "b"
    assert ev("[if(equals(1, 2), 1, createArray(2))]") == [2]
    assert "must be a Boolean" in err("[if('true', 1, 2)]").message
    assert "takes 3 arguments" in err("[if(true(), 1)]").message


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("[bool('true')]", True),
        ("[bool('False')]", False),
        ("[bool(' TRUE ')]", True),
        ("[bool(1)]", True),
        ("[bool(0)]", False),
        ("[bool(-3)]", True),
        ("[bool(true())]", True),
        ("[true()]", True),
        ("[false()]", False),
    ],
)
def test_bool(text: str, value: bool) -> None:
    assert ev(text) is value


def test_bool_errors() -> None:
    assert "is not 'true' or 'false'" in err("[bool('yes')]").message
    assert "takes 0 argument" in err("[true(1)]").message


def test_fail() -> None:
    error = err("[fail('custom message')]")
    assert "custom message" in error.message


# --------------------------------------------------------------------------- numeric


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("[add(5, 3)]", 8),
        ("[sub(7, 3)]", 4),
        ("[mul(5, 3)]", 15),
        ("[div(8, 3)]", 2),
        ("[mod(7, 3)]", 1),
        ("[div(-7, 2)]", -3),  # truncates toward zero, unlike Python //
        ("[div(7, -2)]", -3),
        ("[mod(-7, 2)]", -1),  # sign of the dividend, unlike Python %
        ("[mod(7, -2)]", 1),
        ("[int('4')]", 4),
        ("[int(' -12 ')]", -12),
        ("[int(7)]", 7),
        ("[int(json('2.5'))]", 2),  # Convert.ToInt64 rounds half to even
        ("[int(json('3.5'))]", 4),
        ("[float('1.5')]", 1.5),
        ("[float(3)]", 3.0),
    ],
)
def test_numeric(text: str, value: float) -> None:
    result = ev(text)
    assert result == value and type(result) is type(value)


def test_numeric_errors() -> None:
    assert "divide by zero" in err("[div(1, 0)]").message
    assert "divide by zero" in err("[mod(1, 0)]").message
    assert "must be an Integer" in err("[add(1, '2')]").message
    assert "must be an Integer" in err("[add(1, true())]").message
    assert "not an integer" in err("[int('4.5')]").message
    assert "not an integer" in err("[int('1_000')]").message
    assert "not a number" in err("[float('abc')]").message
    assert "not a number" in err("[float('1_0')]").message
    assert "overflow" in err("[mul(mul(2147483647, 2147483647), 4)]").message


# --------------------------------------------------------------------------- dates


def test_date_time_from_and_to_epoch() -> None:
    assert ev("[dateTimeFromEpoch(1683040573)]") == "2023-05-02T15:16:13Z"
    assert ev("[dateTimeToEpoch('2020-04-07T14:53:14Z')]") == 1586271194
    assert ev("[dateTimeToEpoch(dateTimeFromEpoch(0))]") == 0
    assert ev("[dateTimeToEpoch('2020-04-07T16:53:14+02:00')]") == 1586271194
    assert "not an ISO 8601" in err("[dateTimeToEpoch('yesterday')]").message


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # Docs base time 2020-04-07 14:53:14Z; output keeps the base format [unverified].
        ("[dateTimeAdd('2020-04-07 14:53:14Z', 'P3Y')]", "2023-04-07 14:53:14Z"),
        ("[dateTimeAdd('2020-04-07 14:53:14Z', '-P9D')]", "2020-03-29 14:53:14Z"),
        ("[dateTimeAdd('2020-04-07 14:53:14Z', 'PT1H')]", "2020-04-07 15:53:14Z"),
        ("[dateTimeAdd('2020-04-07T14:53:14Z', 'P1DT2H30M')]", "2020-04-08T17:23:14Z"),
        ("[dateTimeAdd('20190305T175318Z', 'PT1H')]", "20190305T185318Z"),  # utcNow() default format
        ("[dateTimeAdd('2020-01-31T00:00:00Z', 'P1M')]", "2020-02-29T00:00:00Z"),  # end of month
        ("[dateTimeAdd('2020-02-29T00:00:00Z', 'P1Y')]", "2021-02-28T00:00:00Z"),
        ("[dateTimeAdd('2020-04-07T14:53:14.5Z', 'PT0.5S')]", "2020-04-07T14:53:15.0Z"),
        ("[dateTimeAdd('2020-04-07T14:53:14Z', 'P1W')]", "2020-04-14T14:53:14Z"),
        ("[dateTimeAdd('2020-04-07T14:53:14Z', 'PT1H', 'yyyy-MM-dd')]", "2020-04-07"),
        ("[dateTimeAdd('2020-04-07T14:53:14Z', 'P0D', 'u')]", "2020-04-07 14:53:14Z"),
        ("[dateTimeAdd('2020-04-07T14:53:14Z', 'P0D', 'd')]", "04/07/2020"),
        ("[dateTimeAdd('2020-04-07T14:53:14Z', 'P0D', 'o')]", "2020-04-07T14:53:14.0000000Z"),
        ("[dateTimeAdd('2020-04-07T14:53:14Z', 'P0D', 'M d')]", "4 7"),
        (
            "[dateTimeAdd('2020-04-07T14:53:14Z', 'P0D', 'dddd, MMMM dd yyyy hh:mm tt')]",
            "Tuesday, April 07 2020 02:53 PM",
        ),
        ("[dateTimeAdd('2020-04-07T14:53:14Z', 'P0D', 'yyyyMMddTHHmmssZ')]", "20200407T145314Z"),
        ("[dateTimeAdd('2020-04-07T14:53:14Z', 'P0D', '''day'' d')]", "day 7"),
    ],
)
def test_date_time_add(text: str, value: str) -> None:
    assert ev(text) == value


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[dateTimeAdd('2020-04-07', 'P')]", "not an ISO 8601 duration"),
        ("[dateTimeAdd('2020-04-07', 'PT')]", "not an ISO 8601 duration"),
        ("[dateTimeAdd('2020-04-07', '1D')]", "not an ISO 8601 duration"),
        ("[dateTimeAdd('not a date', 'P1D')]", "not an ISO 8601 date"),
        ("[dateTimeAdd('2020-13-01', 'P1D')]", "not a valid date"),
        ("[dateTimeAdd('9999-12-31', 'P1Y')]", "outside the range"),
        ("[dateTimeAdd('2020-04-07', 'P1D', 'q')]", "not a valid standard date format"),
        ("[dateTimeFromEpoch(mul(2147483647, 2147483647))]", "outside the range of dates"),
    ],
)
def test_date_errors(text: str, fragment: str) -> None:
    assert fragment in err(text).message
