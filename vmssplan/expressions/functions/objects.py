"""Object functions (facts 2.7); the object overloads of shared functions are in arrays.py."""

from __future__ import annotations

import functools
from typing import Any

from ..values import (
    PartialObject,
    Unknown,
    is_object,
    partial_object_unknown,
    type_name,
)
from .base import (
    CallSite,
    Unknowns,
    builtin,
    expect_array,
    expect_object,
    expect_string,
)
from .logic import culture_compare


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class _NotFinite(ValueError):
    """A JSON number beyond the range of a double (``1e999``)."""


#: Python refuses to convert longer digit strings (and a 64-bit ARM integer has 19 digits).
_MAX_INTEGER_DIGITS = 4_300


def _finite_float(text: str) -> float:
    """A JSON number with a fraction or exponent: ARM's JSON has no infinity, so ``1e999``
    is an error (the same in every output format), not a value."""
    import math

    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite(text)
    return value


def _bounded_int(text: str) -> int:
    if len(text) > _MAX_INTEGER_DIGITS:
        raise ValueError(f"a number of {len(text):,} digits is too long")
    return int(text)


def _single_quotes_to_double(text: str) -> str:
    """Rewrite single-quoted JSON strings as double-quoted ones (lenient json() input)."""
    out: list[str] = []
    position, length = 0, len(text)
    while position < length:
        char = text[position]
        if char == '"':
            end = position + 1
            while end < length and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            out.append(text[position : end + 1])
            position = end + 1
        elif char == "'":
            end = position + 1
            buffer: list[str] = []
            while end < length and text[end] != "'":
                if text[end] == "\\" and end + 1 < length:
                    buffer.append("'" if text[end + 1] == "'" else text[end : end + 2])
                    end += 2
                elif text[end] == '"':
                    buffer.append('\\"')
                    end += 1
                else:
                    buffer.append(text[end])
                    end += 1
            out.append('"' + "".join(buffer) + '"')
            position = end + 1
        else:
            out.append(char)
            position += 1
    return "".join(out)


def parse_json_text(call: CallSite, text: str) -> Any:
    """``json()``: strict JSON first, then with single-quoted strings allowed."""
    import json

    call.charge(len(text) // 64)
    hooks: dict[str, Any] = {"parse_constant": _reject_constant, "parse_float": _finite_float,
                             "parse_int": _bounded_int}
    try:
        return json.loads(text, **hooks)
    except RecursionError:
        raise call.error("the JSON text is nested too deeply") from None
    except _NotFinite as error:
        raise call.error(f"the JSON text holds {_excerpt(str(error))}, which is not a finite number "
                         "(ARM's JSON has no infinity)") from None
    except ValueError as first_error:
        if "'" in text:
            try:
                return json.loads(_single_quotes_to_double(text), **hooks)
            except _NotFinite as error:
                raise call.error(f"the JSON text holds {_excerpt(str(error))}, which is not a finite number "
                                 "(ARM's JSON has no infinity)") from None
            except (ValueError, RecursionError):
                pass
        raise call.error(f"the string is not valid JSON: {_excerpt(str(first_error))}") from None


def _excerpt(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."


@builtin("json", 1, 1)
def fn_json(call: CallSite, args: list[Any]) -> Any:
    return parse_json_text(call, expect_string(call, args, 0))


@builtin("null", 0, 0)
def fn_null(call: CallSite, args: list[Any]) -> Any:
    return None


@builtin("createObject", 0, None, unknowns=Unknowns.CUSTOM)
def fn_create_object(call: CallSite, args: list[Any]) -> Any:
    if len(args) % 2:
        raise call.error("needs an even number of arguments (key1, value1, key2, value2, ...)")
    unknown_keys = [key for key in args[0::2] if isinstance(key, Unknown)]
    if unknown_keys:
        return call.combine_unknowns(unknown_keys)
    result: dict[str, Any] = {}
    for index in range(0, len(args), 2):
        key = expect_string(call, args, index)
        if key in result:
            raise call.error(f"the property {key!r} is given twice")
        result[key] = args[index + 1]
    call.charge(len(result))
    return result


def _sorted_keys(mapping: Any) -> list[str]:
    return sorted(mapping, key=functools.cmp_to_key(culture_compare))


@builtin("items", 1, 1, unknowns=Unknowns.SHALLOW)
def fn_items(call: CallSite, args: list[Any]) -> Any:
    source = expect_object(call, args, 0)
    return call.array_result([{"key": key, "value": source[key]} for key in _sorted_keys(source)])


@builtin("objectKeys", 1, 1, unknowns=Unknowns.SHALLOW)
def fn_object_keys(call: CallSite, args: list[Any]) -> Any:
    return call.array_result(_sorted_keys(expect_object(call, args, 0)))


@builtin("shallowMerge", 1, 1, unknowns=Unknowns.SHALLOW)
def fn_shallow_merge(call: CallSite, args: list[Any]) -> Any:
    result: dict[str, Any] = {}
    for index, item in enumerate(expect_array(call, args, 0)):
        if isinstance(item, Unknown):
            return call.combine_unknowns([item])
        if isinstance(item, PartialObject):
            return partial_object_unknown(item, call.text)
        if not is_object(item):
            raise call.error(f"item {index} must be an Object, not {type_name(item)}")
        result.update(item)
    call.charge(len(result))
    return result
