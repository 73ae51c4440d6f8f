"""Array functions and their string/object overloads (facts 2.1)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..values import (
    PartialObject,
    Unknown,
    canonical,
    contains_unknown,
    find_unknowns,
    is_array,
    is_int,
    is_number,
    is_object,
    partial_object_unknown,
    to_string,
    type_name,
)
from .base import (
    CallSite,
    Unknowns,
    builtin,
    expect_array,
    expect_int,
    expect_string,
    fold,
    lookup_property,
)

_INT32_MAX = 2**31 - 1
_MAX_RANGE_COUNT = 10_000


@builtin("array", 1, 1, unknowns=Unknowns.CUSTOM)
def fn_array(call: CallSite, args: list[Any]) -> Any:
    value = args[0]
    if isinstance(value, Unknown):
        return call.combine_unknowns([value])
    if is_array(value):
        return list(value)
    return [value]


@builtin("createArray", 0, None, unknowns=Unknowns.CUSTOM)
def fn_create_array(call: CallSite, args: list[Any]) -> Any:
    return call.array_result(list(args))


@builtin("concat", 1, None, unknowns=Unknowns.CUSTOM)
def fn_concat(call: CallSite, args: list[Any]) -> Any:
    direct = [arg if isinstance(arg, Unknown) else partial_object_unknown(arg)
              for arg in args if isinstance(arg, (Unknown, PartialObject))]
    if direct:
        known = [arg for arg in args if not isinstance(arg, (Unknown, PartialObject))]
        if known and not any(is_array(arg) or is_object(arg) for arg in known) and len(direct) == len(
                [arg for arg in args if isinstance(arg, Unknown)]):
            # Concatenating text: the known pieces stay known around the unknown ones.
            return Unknown.text((arg if isinstance(arg, Unknown) else to_string(arg) for arg in args),
                                call.residual)
        return call.combine_unknowns(direct)
    arrays = [is_array(arg) for arg in args]
    if all(arrays):
        result: list[Any] = []
        for arg in args:
            result.extend(arg)
        return call.array_result(result)
    if any(arrays):
        raise call.error("arguments must be either all arrays or all strings, not a mix")
    parts: list[str] = []
    for index, arg in enumerate(args):
        if is_object(arg):
            raise call.error(f"argument {index + 1} must be a String or an Array, not Object")
        parts.append(to_string(arg))
    return call.string_result("".join(parts))


@builtin("contains", 2, 2, unknowns=Unknowns.CUSTOM)
def fn_contains(call: CallSite, args: list[Any]) -> Any:
    container, item = args
    if isinstance(container, Unknown) or isinstance(item, Unknown):
        return call.combine_unknowns([arg for arg in args if isinstance(arg, Unknown)])
    if is_array(container):
        if contains_unknown(item):
            return call.combine_unknowns(find_unknowns(item))
        wanted = canonical(item)
        unknown_items: list[Unknown] = []
        for element in container:
            if contains_unknown(element):
                unknown_items.extend(find_unknowns(element))
            elif canonical(element) == wanted:
                return True
        if unknown_items:
            return call.combine_unknowns(unknown_items)
        return False
    if is_int(item):
        item = str(item)
    if not isinstance(item, str):
        raise call.error(f"argument 2 must be a String or an Integer, not {type_name(item)}")
    if isinstance(container, str):
        return item in container
    if is_object(container):
        found, _ = lookup_property(container, item)
        if not found and isinstance(container, PartialObject):
            return partial_object_unknown(container, call.text)
        return found
    raise call.error(f"argument 1 must be an Array, Object or String, not {type_name(container)}")


@builtin("empty", 1, 1, unknowns=Unknowns.CUSTOM)
def fn_empty(call: CallSite, args: list[Any]) -> Any:
    value = args[0]
    if isinstance(value, Unknown):
        return call.combine_unknowns([value])
    if value is None:
        return True
    if isinstance(value, PartialObject):
        return False if value else partial_object_unknown(value, call.text)
    if isinstance(value, str) or is_array(value) or is_object(value):
        return len(value) == 0
    raise call.error(f"argument 1 must be an Array, Object, String or null, not {type_name(value)}")


@builtin("length", 1, 1, unknowns=Unknowns.SHALLOW)
def fn_length(call: CallSite, args: list[Any]) -> Any:
    value = args[0]
    if isinstance(value, str) or is_array(value) or is_object(value):
        return len(value)
    raise call.error(f"argument 1 must be an Array, Object or String, not {type_name(value)}")


@builtin("first", 1, 1, unknowns=Unknowns.SHALLOW)
def fn_first(call: CallSite, args: list[Any]) -> Any:
    value = args[0]
    if isinstance(value, str):
        return value[:1]
    if is_array(value):
        return value[0] if value else None
    raise call.error(f"argument 1 must be an Array or String, not {type_name(value)}")


@builtin("last", 1, 1, unknowns=Unknowns.SHALLOW)
def fn_last(call: CallSite, args: list[Any]) -> Any:
    value = args[0]
    if isinstance(value, str):
        return value[-1:]
    if is_array(value):
        return value[-1] if value else None
    raise call.error(f"argument 1 must be an Array or String, not {type_name(value)}")


def _sequence_and_count(call: CallSite, args: list[Any]) -> tuple[Any, int]:
    value = args[0]
    if not (isinstance(value, str) or is_array(value)):
        raise call.error(f"argument 1 must be an Array or String, not {type_name(value)}")
    return value, expect_int(call, args, 1)


@builtin("take", 2, 2, unknowns=Unknowns.SHALLOW)
def fn_take(call: CallSite, args: list[Any]) -> Any:
    value, count = _sequence_and_count(call, args)
    result = value[: max(count, 0)]
    return result if isinstance(result, str) else list(result)


@builtin("skip", 2, 2, unknowns=Unknowns.SHALLOW)
def fn_skip(call: CallSite, args: list[Any]) -> Any:
    value, count = _sequence_and_count(call, args)
    result = value[max(count, 0) :]
    return result if isinstance(result, str) else list(result)


@builtin("flatten", 1, 1, unknowns=Unknowns.SHALLOW)
def fn_flatten(call: CallSite, args: list[Any]) -> Any:
    source = expect_array(call, args, 0)
    result: list[Any] = []
    unknowns: list[Unknown] = []
    for index, item in enumerate(source):
        if isinstance(item, Unknown):
            unknowns.append(item)
        elif is_array(item):
            result.extend(item)
        else:
            raise call.error(f"item {index} must be an Array, not {type_name(item)}")
    if unknowns:
        return call.combine_unknowns(unknowns)
    return call.array_result(result)


def _string_index(call: CallSite, args: list[Any], *, last: bool) -> int:
    haystack = fold(expect_string(call, args, 0))
    needle = fold(expect_string(call, args, 1))
    if not last:
        return haystack.find(needle)
    if needle == "":
        # .NET LastIndexOf("") returns the last index (docs: lastIndexOf('abcdef', '') = 5).
        return max(len(haystack) - 1, 0)
    return haystack.rfind(needle)


def _array_index(call: CallSite, args: list[Any], *, last: bool) -> int:
    items = args[0]
    wanted = canonical(args[1])
    positions = range(len(items) - 1, -1, -1) if last else range(len(items))
    call.charge(len(items))
    for position in positions:
        if canonical(items[position]) == wanted:
            return position
    return -1


@builtin("indexOf", 2, 2)
def fn_index_of(call: CallSite, args: list[Any]) -> Any:
    if is_array(args[0]):
        return _array_index(call, args, last=False)
    return _string_index(call, args, last=False)


@builtin("lastIndexOf", 2, 2)
def fn_last_index_of(call: CallSite, args: list[Any]) -> Any:
    if is_array(args[0]):
        return _array_index(call, args, last=True)
    return _string_index(call, args, last=True)


def _from_end(call: CallSite, args: list[Any]) -> tuple[bool, Any]:
    value = args[0]
    if not (isinstance(value, str) or is_array(value)):
        raise call.error(f"argument 1 must be an Array or String, not {type_name(value)}")
    position = expect_int(call, args, 1)
    if 1 <= position <= len(value):
        return True, value[len(value) - position]
    return False, None


@builtin("indexFromEnd", 2, 2, unknowns=Unknowns.SHALLOW)
def fn_index_from_end(call: CallSite, args: list[Any]) -> Any:
    found, value = _from_end(call, args)
    if not found:
        raise call.error(f"index {args[1]} from the end is out of bounds (length {len(args[0])})")
    return value


@builtin("tryIndexFromEnd", 2, 2, unknowns=Unknowns.SHALLOW)
def fn_try_index_from_end(call: CallSite, args: list[Any]) -> Any:
    return _from_end(call, args)[1]


def _numbers(call: CallSite, args: list[Any]) -> list[Any]:
    if len(args) == 1 and is_array(args[0]):
        values = list(args[0])
        if not values:
            raise call.error("the array is empty")
    else:
        values = list(args)
    for value in values:
        if not is_number(value):
            raise call.error(f"expects integers, not {type_name(value)}")
    return values


@builtin("max", 1, None)
def fn_max(call: CallSite, args: list[Any]) -> Any:
    return max(_numbers(call, args))


@builtin("min", 1, None)
def fn_min(call: CallSite, args: list[Any]) -> Any:
    return min(_numbers(call, args))


@builtin("range", 2, 2)
def fn_range(call: CallSite, args: list[Any]) -> Any:
    start = expect_int(call, args, 0)
    count = expect_int(call, args, 1)
    if not 0 <= count <= _MAX_RANGE_COUNT:
        raise call.error(f"count must be between 0 and {_MAX_RANGE_COUNT:,}, not {count:,}")
    if start + count > _INT32_MAX:
        raise call.error(f"start + count must not exceed {_INT32_MAX}")
    return call.array_result(list(range(start, start + count)))


def _merge_objects(call: CallSite, target: dict[str, Any], source: Mapping[str, Any]) -> None:
    """``union()`` of objects: later values win, nested objects merge deeply."""
    for key, value in source.items():
        if key in target:
            existing = target[key]
            if isinstance(value, Unknown) or (isinstance(existing, Unknown) and is_object(value)):
                parts = [part for part in (existing, value) if isinstance(part, Unknown)]
                target[key] = Unknown.combine(call.text, parts)
                continue
            if is_object(existing) and is_object(value) and not isinstance(value, PartialObject):
                merged = dict(existing)
                _merge_objects(call, merged, value)
                target[key] = merged
                continue
        target[key] = value
    call.charge(len(source))


@builtin("union", 1, None, unknowns=Unknowns.CUSTOM)
def fn_union(call: CallSite, args: list[Any]) -> Any:
    direct = [arg for arg in args if isinstance(arg, Unknown)]
    if direct:
        return call.combine_unknowns(direct)
    if all(is_array(arg) for arg in args):
        if any(contains_unknown(arg) for arg in args):
            return call.combine_unknowns([u for arg in args for u in find_unknowns(arg)])
        seen: set[Any] = set()
        result: list[Any] = []
        for arg in args:
            for item in arg:
                key = canonical(item)
                if key not in seen:
                    seen.add(key)
                    result.append(item)
        return call.array_result(result)
    if all(is_object(arg) for arg in args):
        partial = [arg for arg in args if isinstance(arg, PartialObject)]
        if partial:
            return call.combine_unknowns([partial_object_unknown(arg) for arg in partial])
        merged: dict[str, Any] = {}
        for arg in args:
            _merge_objects(call, merged, arg)
        return merged
    raise call.error("arguments must be either all arrays or all objects")


@builtin("intersection", 1, None)
def fn_intersection(call: CallSite, args: list[Any]) -> Any:
    if all(is_array(arg) for arg in args):
        others = [{canonical(item) for item in arg} for arg in args[1:]]
        seen: set[Any] = set()
        result: list[Any] = []
        for item in args[0]:
            key = canonical(item)
            if key not in seen and all(key in other for other in others):
                seen.add(key)
                result.append(item)
        call.charge(sum(len(arg) for arg in args))
        return result
    if all(is_object(arg) for arg in args):
        first = args[0]
        result_object: dict[str, Any] = {}
        for key, value in first.items():
            wanted = canonical(value)
            if all(key in other and canonical(other[key]) == wanted for other in args[1:]):
                result_object[key] = value
        return result_object
    raise call.error("arguments must be either all arrays or all objects")


@builtin("tryGet", 2, None, unknowns=Unknowns.CUSTOM)
def fn_try_get(call: CallSite, args: list[Any]) -> Any:
    current = args[0]
    for key in args[1:]:
        if isinstance(current, Unknown):
            return current.derived(call.text)
        if isinstance(key, Unknown):
            return call.combine_unknowns([key])
        if current is None:
            return None
        if is_object(current) and isinstance(key, str):
            found, value = lookup_property(current, key)
            if not found:
                if isinstance(current, PartialObject):
                    return partial_object_unknown(current, call.text)
                return None
            current = value
        elif is_array(current) and is_int(key):
            if not 0 <= key < len(current):
                return None
            current = current[key]
        else:
            return None
    if isinstance(current, Unknown):
        return current.derived(call.text)
    return current
