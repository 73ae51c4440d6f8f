"""String functions (facts 2.9) including .NET composite formatting."""

from __future__ import annotations

import pytest
from expressions_testkit import err, ev

from vmssplan.expressions import Unknown


def test_base64_round_trip() -> None:
    assert ev("[base64('one, two, three')]") == "b25lLCB0d28sIHRocmVl"
    assert ev("[base64ToString('b25lLCB0d28sIHRocmVl')]") == "one, two, three"
    assert ev('[base64ToJson(base64(\'{"one": "a", "two": "b"}\'))]') == {"one": "a", "two": "b"}
    assert ev("[base64ToString(base64('ünïcødé'))]") == "ünïcødé"
    assert ev("[base64('')]") == ""
    assert "not a valid Base64" in err("[base64ToString('***')]").message
    assert "must be a String" in err("[base64(1)]").message


def test_data_uri() -> None:
    assert ev("[dataUri('Hello')]") == "data:text/plain;charset=utf8;base64,SGVsbG8="
    assert ev("[dataUriToString('data:;base64,SGVsbG8sIFdvcmxkIQ==')]") == "Hello, World!"
    assert ev("[dataUriToString(dataUri('round trip'))]") == "round trip"
    assert ev("[dataUriToString('data:text/plain,a%20b')]") == "a b"
    assert "not a data URI" in err("[dataUriToString('Hello')]").message


def test_starts_and_ends_with_are_case_insensitive() -> None:
    assert ev("[startsWith('abcdef', 'ab')]") is True
    assert ev("[startsWith('abcdef', 'A')]") is True
    assert ev("[startsWith('abcdef', 'e')]") is False
    assert ev("[endsWith('abcdef', 'ef')]") is True
    assert ev("[endsWith('abcdef', 'F')]") is True
    assert ev("[endsWith('abcdef', 'e')]") is False
    assert ev("[startsWith('abc', '')]") is True


def test_index_of_strings_is_case_insensitive() -> None:
    assert ev("[indexOf('test', 't')]") == 0
    assert ev("[lastIndexOf('test', 't')]") == 3
    assert ev("[indexOf('abcdef', 'CD')]") == 2
    assert ev("[lastIndexOf('abcdef', 'AB')]") == 0
    assert ev("[indexOf('abcdef', 'z')]") == -1
    assert ev("[indexOf('abcdef', '')]") == 0
    assert ev("[lastIndexOf('abcdef', '')]") == 5
    assert ev("[lastIndexOf('', '')]") == 0


def test_join() -> None:
    assert ev("[join(createArray('Apple', 'Banana', 'Orange'), ',')]") == "Apple,Banana,Orange"
    assert ev("[join(createArray(), ',')]") == ""
    assert "must hold strings" in err("[join(createArray(1), ',')]").message


def test_pad_left() -> None:
    assert ev("[padLeft('123', 10, '0')]") == "0000000123"
    assert ev("[padLeft(7, 3, '0')]") == "007"
    assert ev("[padLeft('abc', 2)]") == "abc"  # never truncates
    assert ev("[padLeft('abc', 5)]") == "  abc"
    assert "exactly one character" in err("[padLeft('1', 3, '00')]").message
    assert "over the limit" in err("[padLeft('1', 2000000000, '0')]").message


def test_replace() -> None:
    assert ev("[replace('123-123-1234', '-', '')]") == "1231231234"
    assert ev("[replace('123-123-1234', '1234', 'xxxx')]") == "123-123-xxxx"
    assert ev("[replace('aAa', 'a', 'b')]") == "bAb"  # ordinal
    assert "must not be empty" in err("[replace('abc', '', 'x')]").message


def test_split() -> None:
    assert ev("[split('one,two,three', ',')]") == ["one", "two", "three"]
    assert ev("[split('one;two,three', createArray(',', ';'))]") == ["one", "two", "three"]
    assert ev("[split('a,,b,', ',')]") == ["a", "", "b", ""]  # empty entries kept
    assert ev("[split('abc', ',')]") == ["abc"]
    assert ev("[split('a--b-c', createArray('-', '--'))]") == ["a", "", "b", "c"]  # first listed wins
    assert ev("[split('a b\tc', '')]") == ["a", "b", "c"]  # no non-empty separator: whitespace
    assert "must be a String or an Array" in err("[split('a', 1)]").message


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (
            "[string(createObject('valueA', 10, 'valueB', 'Example Text'))]",
            '{"valueA":10,"valueB":"Example Text"}',
        ),
        ("[string(createArray('a', 'b', 'c'))]", '["a","b","c"]'),
        ("[string(5)]", "5"),
        ("[string('x')]", "x"),
        ("[string(true())]", "True"),
        ("[string(false())]", "False"),
        ("[string(null())]", ""),
        ("[string(json('1.5'))]", "1.5"),
        ("[string(createObject('k', 'ü'))]", '{"k":"ü"}'),
        ("[string(createArray(null(), true()))]", "[null,true]"),
    ],
)
def test_string(text: str, value: str) -> None:
    assert ev(text) == value


def test_substring() -> None:
    assert ev("[substring('one two three', 4, 3)]") == "two"
    assert ev("[substring('one two three', 4)]") == "two three"
    assert ev("[substring('abc', 3)]") == ""
    assert ev("[substring('abc', 0, 0)]") == ""
    assert "outside" in err("[substring('abc', 4)]").message
    assert "outside" in err("[substring('abc', -1)]").message
    assert "within the string" in err("[substring('abc', 1, 3)]").message
    assert "within the string" in err("[substring('abc', 0, -1)]").message


def test_case_and_trim() -> None:
    assert ev("[toLower('One Two Three')]") == "one two three"
    assert ev("[toUpper('One Two Three')]") == "ONE TWO THREE"
    assert ev("[toUpper('straße')]") == "STRAßE"  # invariant: one character for one
    assert ev("[trim('    one two three   ')]") == "one two three"


@pytest.mark.parametrize(
    ("base", "relative", "value"),
    [
        ("http://contoso.org/firstpath", "myscript.sh", "http://contoso.org/myscript.sh"),
        ("http://contoso.org/firstpath/", "myscript.sh", "http://contoso.org/firstpath/myscript.sh"),
        (
            "http://contoso.org/firstpath/azuredeploy.json",
            "myscript.sh",
            "http://contoso.org/firstpath/myscript.sh",
        ),
        (
            "http://contoso.org/firstpath/azuredeploy.json/",
            "myscript.sh",
            "http://contoso.org/firstpath/azuredeploy.json/myscript.sh",
        ),
    ],
)
def test_uri(base: str, relative: str, value: str) -> None:
    assert ev(f"[uri('{base}', '{relative}')]") == value


def test_uri_needs_an_absolute_base() -> None:
    assert "not an absolute URI" in err("[uri('folder/', 'x')]").message


def test_uri_component() -> None:
    encoded = "http%3A%2F%2Fcontoso.com%2Fresources%2Fnested%2Fazuredeploy.json"
    assert ev("[uriComponent('http://contoso.com/resources/nested/azuredeploy.json')]") == encoded
    assert (
        ev(f"[uriComponentToString('{encoded}')]") == "http://contoso.com/resources/nested/azuredeploy.json"
    )
    assert ev("[uriComponent('a b~_.-ü')]") == "a%20b~_.-%C3%BC"  # uppercase hex, unreserved kept


# --------------------------------------------------------------------------- format()


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (
            "[format('{0}, {1}. Formatted number: {2:N0}', 'Hello', 'User', 8175133)]",
            "Hello, User. Formatted number: 8,175,133",
        ),
        ("[format('vm{0:D3}', 5)]", "vm005"),
        ("[format('vm{0:D3}', 1234)]", "vm1234"),
        ("[format('{0:D3}', -5)]", "-005"),
        ("[format('{0:N}', 1234)]", "1,234.00"),
        ("[format('{0:N2}', -1234567)]", "-1,234,567.00"),
        ("[format('{0:F1}', 3)]", "3.0"),
        ("[format('{0:X}', 255)]", "FF"),
        ("[format('{0:x4}', 255)]", "00ff"),
        ("[format('{0:X}', -1)]", "FFFFFFFFFFFFFFFF"),
        ("[format('{0:G}', 42)]", "42"),
        ("[format('{0:00}', 7)]", "07"),
        ("[format('{0:000}', 1234)]", "1234"),
        ("[format('{0:#,##0}', 1234567)]", "1,234,567"),
        ("[format('{0:0.00}', 5)]", "5.00"),
        ("[format('{0,5}|', 'ab')]", "   ab|"),
        ("[format('{0,-5}|', 'ab')]", "ab   |"),
        ("[format('{0,4:D2}', 3)]", "  03"),
        ("[format('{{literal}} {0}', 'x')]", "{literal} x"),
        ("[format('{0}{0}{1}', 'a', 'b')]", "aab"),
        ("[format('{0} {1}', true(), null())]", "True "),
        ("[format('{0:D3}', 'text')]", "text"),  # strings ignore the specifier
        ("[format('no items')]", "no items"),
        ("[format('{0:N1}', json('2.25'))]", "2.3"),  # rounds half away from zero
        ("[format('{0}', json('0.5'))]", "0.5"),
    ],
)
def test_format(text: str, value: str) -> None:
    assert ev(text) == value


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[format('{1}', 'a')]", "index 1 must be less than"),
        ("[format('{0', 'a')]", "not closed"),
        ("[format('a}b')]", "unmatched '}'"),
        ("[format('{x}', 'a')]", "no argument index"),
        ("[format('{0:D}', json('1.5'))]", "needs an integer"),
        ("[format('{0:Q}', 1)]", "not a valid numeric format"),
        ("[format(1)]", "must be a String"),
    ],
)
def test_format_errors(text: str, fragment: str) -> None:
    assert fragment in err(text).message


@pytest.mark.parametrize("spec", ["C", "E2", "P", "R", "0.##", "G3"])
def test_format_specifiers_not_reproduced_are_unknown(spec: str) -> None:
    value = ev(f"[format('{{0:{spec}}}', 12345)]")
    assert isinstance(value, Unknown)
    assert "not reproduced offline" in value.reason


def test_format_of_an_array_is_unknown_not_guessed() -> None:
    assert isinstance(ev("[format('{0}', createArray(1))]"), Unknown)
