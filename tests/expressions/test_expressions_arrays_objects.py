"""Array and object functions (facts 2.1, 2.7), docs examples and edge cases."""

from __future__ import annotations

import pytest
from expressions_testkit import err, ev

OBJ = "createObject('one', 'a', 'two', 'b', 'three', 'c')"
ARR = "createArray('one', 'two', 'three')"


# --------------------------------------------------------------------------- array, createArray, concat


def test_array() -> None:
    assert ev("[array(1)]") == [1]
    assert ev("[array('efgh')]") == ["efgh"]
    assert ev("[array(createObject('a', 'b'))]") == [{"a": "b"}]
    assert ev("[array(createArray(1, 2))]") == [1, 2]
    assert ev("[array(null())]") == [None]


def test_create_array() -> None:
    assert ev("[createArray()]") == []
    assert ev("[createArray(1, 'a', true(), null(), createArray(2))]") == [1, "a", True, None, [2]]


def test_concat_arrays_and_strings() -> None:
    first = "createArray('1-1', '1-2', '1-3')"
    second = "createArray('2-1', '2-2', '2-3')"
    assert ev(f"[concat({first}, {second})]") == ["1-1", "1-2", "1-3", "2-1", "2-2", "2-3"]
    assert ev("[concat(createArray(1, 1), createArray(1))]") == [1, 1, 1]  # no dedupe
    assert ev("[concat('prefix-', 'x', 'y')]") == "prefix-xy"
    assert ev("[concat('vm', 5)]") == "vm5"  # ints are stringified
    assert ev("[concat('a')]") == "a"


def test_concat_errors() -> None:
    assert "not a mix" in err("[concat('a', createArray('b'))]").message
    assert "not Object" in err("[concat('a', createObject())]").message
    assert "at least 1" in err("[concat()]").message


# --------------------------------------------------------------------------- contains, empty, length


def test_contains_docs_examples() -> None:
    assert ev("[contains('OneTwoThree', 'e')]") is True
    assert ev("[contains('OneTwoThree', 'z')]") is False
    assert ev(f"[contains({OBJ}, 'two')]") is True
    assert ev(f"[contains({OBJ}, 'four')]") is False
    assert ev(f"[contains({ARR}, 'three')]") is True
    assert ev(f"[contains({ARR}, 'four')]") is False


def test_contains_case_rules() -> None:
    assert ev("[contains('OneTwoThree', 'two')]") is False  # strings: case-sensitive
    assert ev(f"[contains({ARR}, 'THREE')]") is False  # arrays: case-sensitive
    assert ev(f"[contains({OBJ}, 'TWO')]") is True  # object keys: case-insensitive
    assert ev("[contains(createArray(createObject('a', 1)), createObject('a', 1))]") is True  # deep
    assert ev("[contains(createArray(1, 2), 2)]") is True
    assert ev("[contains(createArray(1), true())]") is False  # 1 is not true
    assert ev("[contains('a1b', 1)]") is True


def test_empty() -> None:
    assert ev("[empty(createArray())]") is True
    assert ev("[empty(createObject())]") is True
    assert ev("[empty('')]") is True
    assert ev("[empty(null())]") is True
    assert ev("[empty(' ')]") is False
    assert ev("[empty(createArray(null()))]") is False
    assert "must be an Array, Object, String or null" in err("[empty(1)]").message


def test_length() -> None:
    assert ev(f"[length({ARR})]") == 3
    assert ev("[length('One Two Three')]") == 13
    four = ("createObject('propA', 'one', 'propB', 'two', 'propC', 'three', "
            "'propD', createObject('propD-1', 'sub', 'propD-2', 'sub'))")
    assert ev(f"[length({four})]") == 4  # root properties only
    assert "must be an Array, Object or String" in err("[length(1)]").message
    assert "must be an Array, Object or String" in err("[length(null())]").message


# --------------------------------------------------------------------------- first, last, take, skip


def test_first_and_last() -> None:
    assert ev(f"[first({ARR})]") == "one"
    assert ev("[first('One Two Three')]") == "O"
    assert ev(f"[last({ARR})]") == "three"
    assert ev("[last('One Two Three')]") == "e"
    assert ev("[first(createArray())]") is None  # undocumented [unverified]
    assert ev("[last('')]") == ""


def test_take_and_skip() -> None:
    assert ev(f"[take({ARR}, 2)]") == ["one", "two"]
    assert ev("[take('one two three', 2)]") == "on"
    assert ev(f"[skip({ARR}, 2)]") == ["three"]
    assert ev("[skip('one two three', 4)]") == "two three"
    assert ev(f"[take({ARR}, 0)]") == []
    assert ev(f"[take({ARR}, -3)]") == []
    assert ev(f"[take({ARR}, 10)]") == ["one", "two", "three"]
    assert ev(f"[skip({ARR}, -1)]") == ["one", "two", "three"]
    assert ev(f"[skip({ARR}, 10)]") == []
    assert ev("[skip('abc', 3)]") == ""
    assert "must be an Integer" in err(f"[take({ARR}, '1')]").message


# --------------------------------------------------------------------------- flatten, indexOf, indexFromEnd


def test_flatten_one_level() -> None:
    assert ev("[flatten(createArray(createArray(1, 2), createArray(3, createArray(4))))]") == [1, 2, 3, [4]]
    assert ev("[flatten(createArray())]") == []
    assert "item 1 must be an Array" in err("[flatten(createArray(createArray(1), 2))]").message


def test_index_of_arrays() -> None:
    names = "createArray('abc', 'def', 'ghi', 'def')"
    assert ev(f"[indexOf({names}, 'def')]") == 1
    assert ev(f"[lastIndexOf({names}, 'def')]") == 3
    assert ev(f"[indexOf({names}, 'DEF')]") == -1  # case-sensitive [unverified]
    assert ev(f"[indexOf({names}, 'xyz')]") == -1
    assert ev("[indexOf(createArray(createArray(1), 2), createArray(1))]") == 0  # deep equality


def test_index_from_end() -> None:
    assert ev("[indexFromEnd(createArray(1, 2, 3), 1)]") == 3
    assert ev("[indexFromEnd(createArray(1, 2, 3), 3)]") == 1
    assert ev("[tryIndexFromEnd(createArray(1, 2, 3), 4)]") is None
    assert ev("[tryIndexFromEnd(createArray(1, 2, 3), 0)]") is None
    assert "out of bounds" in err("[indexFromEnd(createArray(1, 2, 3), 4)]").message


# --------------------------------------------------------------------------- intersection, union


def test_intersection() -> None:
    first = "createObject('one', 'a', 'two', 'b', 'three', 'c')"
    second = "createObject('one', 'a', 'two', 'z', 'three', 'c')"
    assert ev(f"[intersection({first}, {second})]") == {"one": "a", "three": "c"}
    assert ev(f"[intersection({ARR}, createArray('two', 'three'))]") == ["two", "three"]
    assert ev("[intersection(createArray(3, 1, 2, 1), createArray(1, 3), createArray(1, 2, 3))]") == [3, 1]
    assert "either all arrays or all objects" in err("[intersection(createArray(1), createObject())]").message


def test_union_arrays_remove_duplicates_in_first_occurrence_order() -> None:
    assert ev(f"[union({ARR}, createArray('three', 'four'))]") == ["one", "two", "three", "four"]
    assert ev("[union(createArray(1, 1, 2), createArray(2, 3))]") == [1, 2, 3]
    assert ev("[union(createArray(1), createArray(true()))]") == [1, True]


def test_union_objects_later_wins_and_merges_nested_objects() -> None:
    first = "createObject('one', 'a', 'two', 'b', 'three', 'c1')"
    second = "createObject('three', 'c2', 'four', 'd', 'five', 'e')"
    assert ev(f"[union({first}, {second})]") == {
        "one": "a",
        "two": "b",
        "three": "c2",
        "four": "d",
        "five": "e",
    }
    first = 'json(\'{"property":{"one":"a","two":"b","three":"c1"},"nestedArray":[1,2]}\')'
    second = 'json(\'{"property":{"three":"c2","four":"d","five":"e"},"nestedArray":[3,4]}\')'
    assert ev(f"[union({first}, {second})]") == {
        "property": {"one": "a", "two": "b", "three": "c2", "four": "d", "five": "e"},
        "nestedArray": [3, 4],
    }


def test_union_does_not_mutate_its_inputs() -> None:
    base = {"nested": {"a": 1}}
    ev("[union(parameters('p'), createObject('nested', createObject('b', 2)))]", parameters={"p": base})
    assert base == {"nested": {"a": 1}}


# --------------------------------------------------------------------------- max, min, range


def test_max_min() -> None:
    assert ev("[max(createArray(0, 3, 2, 5, 4))]") == 5
    assert ev("[max(0, 3, 2, 5, 4)]") == 5
    assert ev("[min(createArray(0, 3, 2, 5, 4))]") == 0
    assert ev("[min(0, 3, 2, 5, 4)]") == 0
    assert "empty" in err("[max(createArray())]").message
    assert "expects integers" in err("[min(1, 'a')]").message


def test_range() -> None:
    assert ev("[range(5, 3)]") == [5, 6, 7]
    assert ev("[range(1, 3)]") == [1, 2, 3]
    assert ev("[range(-2, 3)]") == [-2, -1, 0]
    assert ev("[range(7, 0)]") == []
    assert len(ev("[range(0, 10000)]")) == 10000
    assert "between 0 and 10,000" in err("[range(0, 10001)]").message
    assert "between 0 and 10,000" in err("[range(0, -1)]").message
    assert "must not exceed 2147483647" in err("[range(2147483647, 1)]").message


# --------------------------------------------------------------------------- tryGet


def test_try_get() -> None:
    params = {"o": {"a": {"b": [10, 20]}, "Mixed": 1}}
    assert ev("[tryGet(parameters('o'), 'a', 'b', 1)]", parameters=params) == 20
    assert ev("[tryGet(parameters('o'), 'a', 'x')]", parameters=params) is None
    assert ev("[tryGet(parameters('o'), 'a', 'b', 5)]", parameters=params) is None
    assert ev("[tryGet(parameters('o'), 'mixed')]", parameters=params) == 1  # case-insensitive fallback
    assert ev("[tryGet(null(), 'a')]") is None
    assert ev("[tryGet(createArray(1), 'a')]") is None


# --------------------------------------------------------------------------- object functions


def test_create_object() -> None:
    expression = (
        "[createObject('intProp', 1, 'stringProp', 'abc', 'boolProp', true(), "
        "'arrayProp', createArray('a', 'b', 'c'), 'objectProp', createObject('key1', 'value1'))]"
    )
    assert ev(expression) == {
        "intProp": 1,
        "stringProp": "abc",
        "boolProp": True,
        "arrayProp": ["a", "b", "c"],
        "objectProp": {"key1": "value1"},
    }
    assert ev("[createObject()]") == {}
    assert "even number" in err("[createObject('a')]").message
    assert "must be a String" in err("[createObject(1, 2)]").message
    assert "given twice" in err("[createObject('a', 1, 'a', 2)]").message


def test_items_sorted_by_key() -> None:
    value = {
        "item002": {"enabled": False, "displayName": "Example item 2", "number": 200},
        "item001": {"enabled": True, "displayName": "Example item 1", "number": 300},
    }
    assert ev("[items(parameters('v'))]", parameters={"v": value}) == [
        {"key": "item001", "value": value["item001"]},
        {"key": "item002", "value": value["item002"]},
    ]
    assert "must be an Object" in err("[items(createArray())]").message


def test_object_keys() -> None:
    assert ev("[objectKeys(createObject('b', 1, 'a', 2))]") == ["a", "b"]
    assert ev("[objectKeys(createObject())]") == []


def test_shallow_merge() -> None:
    assert ev(
        "[shallowMerge(createArray(createObject('one', 'a'), createObject('two', 'b'), createObject('two', 'c')))]"
    ) == {"one": "a", "two": "c"}
    nested = (
        "[shallowMerge(createArray(createObject('one', 'a', 'nested', createObject('level1', 'value1', 'level2', "
        "'value2')), createObject('two', 'b', 'nested', createObject('level1', 'value3'))))]"
    )
    assert ev(nested) == {"one": "a", "nested": {"level1": "value3"}, "two": "b"}  # top level only
    assert "item 1 must be an Object" in err("[shallowMerge(createArray(createObject(), 1))]").message


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('[json(\'{"a": "b"}\')]', {"a": "b"}),
        ("[json('null')]", None),
        ("[json('1.5')]", 1.5),
        ("[json('[1, true, \"x\"]')]", [1, True, "x"]),
        ("[json('{''a'':''b''}')]", {"a": "b"}),  # single-quoted JSON [unverified]
        ("[json('{\"a\": \"it''s\"}')]", {"a": "it's"}),
        ("[json(' 12 ')]", 12),
    ],
)
def test_json(text: str, value: object) -> None:
    assert ev(text) == value


def test_json_errors() -> None:
    assert "not valid JSON" in err("[json('{')]").message
    assert "not valid JSON" in err("[json('NaN')]").message
    assert "must be a String" in err("[json(1)]").message
    deep = "[json('" + "[" * 5000 + "]" * 5000 + "')]"
    err(deep)  # too deep for the JSON parser: a clean error


def test_null() -> None:
    assert ev("[null()]") is None
    assert "takes 0 argument" in err("[null(1)]").message
