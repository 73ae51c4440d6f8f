"""Lambda functions (facts 2.11): filter, map, reduce, sort, toObject, groupBy, mapValues.

``lambda()`` and ``lambdaVariables()`` themselves are special forms of the evaluator.
"""

from __future__ import annotations

import functools
from typing import Any

from ..values import Unknown, type_name
from .base import (
    CallSite,
    Unknowns,
    builtin,
    expect_array,
    expect_lambda,
    expect_object,
)


class _UnknownResult(Exception):
    """Raised inside sort() when a comparison is unknown."""

    def __init__(self, unknown: Unknown) -> None:
        super().__init__(unknown.reason)
        self.unknown = unknown


def _with_index(function: Any, item: Any, index: int) -> list[Any]:
    return [item, index] if len(function.parameters) == 2 else [item]


@builtin("filter", 2, 2, unknowns=Unknowns.SHALLOW, accepts_lambdas=True)
def fn_filter(call: CallSite, args: list[Any]) -> Any:
    items = expect_array(call, args, 0)
    predicate = expect_lambda(call, args, 1, (1, 2))
    result: list[Any] = []
    for index, item in enumerate(items):
        keep = call.invoke(predicate, _with_index(predicate, item, index))
        if isinstance(keep, Unknown):
            return call.combine_unknowns([keep])
        if not isinstance(keep, bool):
            raise call.error(f"the lambda must return a Boolean, not {type_name(keep)}")
        if keep:
            result.append(item)
    return result


@builtin("map", 2, 2, unknowns=Unknowns.SHALLOW, accepts_lambdas=True)
def fn_map(call: CallSite, args: list[Any]) -> Any:
    items = expect_array(call, args, 0)
    function = expect_lambda(call, args, 1, (1, 2))
    return [call.invoke(function, _with_index(function, item, index)) for index, item in enumerate(items)]


@builtin("reduce", 3, 3, unknowns=Unknowns.SHALLOW, accepts_lambdas=True)
def fn_reduce(call: CallSite, args: list[Any]) -> Any:
    items = expect_array(call, args, 0)
    accumulator = args[1]
    function = expect_lambda(call, args, 2, (2, 3))
    for index, item in enumerate(items):
        values = [accumulator, item, index] if len(function.parameters) == 3 else [accumulator, item]
        accumulator = call.invoke(function, values)
    return accumulator


@builtin("sort", 2, 2, unknowns=Unknowns.SHALLOW, accepts_lambdas=True)
def fn_sort(call: CallSite, args: list[Any]) -> Any:
    items = list(expect_array(call, args, 0))
    before = expect_lambda(call, args, 1, (2,))

    def comes_first(left: Any, right: Any) -> bool:
        answer = call.invoke(before, [left, right])
        if isinstance(answer, Unknown):
            raise _UnknownResult(answer)
        if not isinstance(answer, bool):
            raise call.error(f"the lambda must return a Boolean, not {type_name(answer)}")
        return answer

    def compare(left: Any, right: Any) -> int:
        if comes_first(left, right):
            return -1
        if comes_first(right, left):
            return 1
        return 0

    try:
        return sorted(items, key=functools.cmp_to_key(compare))
    except _UnknownResult as unknown:
        return call.combine_unknowns([unknown.unknown])


def _key(call: CallSite, key: Any) -> str | Unknown:
    if isinstance(key, Unknown):
        return key
    if not isinstance(key, str):
        raise call.error(f"the key lambda must return a String, not {type_name(key)}")
    return key


@builtin("toObject", 2, 3, unknowns=Unknowns.SHALLOW, accepts_lambdas=True)
def fn_to_object(call: CallSite, args: list[Any]) -> Any:
    items = expect_array(call, args, 0)
    key_function = expect_lambda(call, args, 1, (1,))
    value_function = expect_lambda(call, args, 2, (1,)) if len(args) > 2 else None
    result: dict[str, Any] = {}
    for item in items:
        key = _key(call, call.invoke(key_function, [item]))
        if isinstance(key, Unknown):
            return call.combine_unknowns([key])
        result[key] = call.invoke(value_function, [item]) if value_function is not None else item
    return result


@builtin("groupBy", 2, 2, unknowns=Unknowns.SHALLOW, accepts_lambdas=True)
def fn_group_by(call: CallSite, args: list[Any]) -> Any:
    items = expect_array(call, args, 0)
    key_function = expect_lambda(call, args, 1, (1,))
    result: dict[str, list[Any]] = {}
    for item in items:
        key = _key(call, call.invoke(key_function, [item]))
        if isinstance(key, Unknown):
            return call.combine_unknowns([key])
        result.setdefault(key, []).append(item)
    return result


@builtin("mapValues", 2, 2, unknowns=Unknowns.SHALLOW, accepts_lambdas=True)
def fn_map_values(call: CallSite, args: list[Any]) -> Any:
    source = expect_object(call, args, 0)
    function = expect_lambda(call, args, 1, (1,))
    return {key: call.invoke(function, [value]) for key, value in source.items()}
