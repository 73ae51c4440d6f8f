"""Comparison, logical and numeric functions (facts 2.2, 2.5, 2.6).

``if``, ``and``, ``or`` and ``coalesce`` evaluate lazily and live in the evaluator.
"""

from __future__ import annotations

import math
import re
from typing import Any

from ..values import deep_equals, is_int, is_number, type_name
from .base import CallSite, builtin, expect_bool, expect_int

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")
#: A number as float() takes it. Each part has one way to match (no ``[0-9]+\.?[0-9]*``,
#: which splits a run of digits in n ways): a failed match takes linear time.
_FLOAT_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
#: Digits of the largest Int64 (9223372036854775807): a longer integer overflows.
_INT64_DIGITS = 19
#: A string quoted in a message is cut to about this many characters.
_QUOTE_LENGTH = 60


def quoted(text: str) -> str:
    """``text`` quoted for a message: a short excerpt (a message never repeats a long input)."""
    if len(text) <= _QUOTE_LENGTH:
        return repr(text)
    return repr(text[: _QUOTE_LENGTH - 20]) + f"... ({len(text):,} characters)"


# --------------------------------------------------------------------------- comparison


@builtin("equals", 2, 2)
def fn_equals(call: CallSite, args: list[Any]) -> Any:
    return deep_equals(args[0], args[1])


def culture_compare(left: str, right: str) -> int:
    """Approximate .NET invariant-culture string order (facts 2.2).

    Case-insensitive first; equal-ignoring-case strings put lower case first, so
    ``'a' < 'A'`` and ``greater('A', 'a')`` is true as the docs show.
    """
    folded_left, folded_right = left.casefold(), right.casefold()
    if folded_left != folded_right:
        return -1 if folded_left < folded_right else 1
    for char_left, char_right in zip(left, right, strict=False):  # casefold can change lengths ("ß", "ss")
        if char_left != char_right:
            return -1 if char_left.islower() else 1
    return (len(left) > len(right)) - (len(left) < len(right))


def _compare(call: CallSite, args: list[Any]) -> int:
    left, right = args
    if is_number(left) and is_number(right):
        return int(left > right) - int(left < right)
    if isinstance(left, str) and isinstance(right, str):
        return culture_compare(left, right)
    raise call.error(
        f"arguments must both be integers or both be strings, not {type_name(left)} and {type_name(right)}"
    )


@builtin("greater", 2, 2)
def fn_greater(call: CallSite, args: list[Any]) -> Any:
    return _compare(call, args) > 0


@builtin("greaterOrEquals", 2, 2)
def fn_greater_or_equals(call: CallSite, args: list[Any]) -> Any:
    return _compare(call, args) >= 0


@builtin("less", 2, 2)
def fn_less(call: CallSite, args: list[Any]) -> Any:
    return _compare(call, args) < 0


@builtin("lessOrEquals", 2, 2)
def fn_less_or_equals(call: CallSite, args: list[Any]) -> Any:
    return _compare(call, args) <= 0


# --------------------------------------------------------------------------- logical


@builtin("not", 1, 1)
def fn_not(call: CallSite, args: list[Any]) -> Any:
    return not expect_bool(call, args, 0)


@builtin("true", 0, 0)
def fn_true(call: CallSite, args: list[Any]) -> Any:
    return True


@builtin("false", 0, 0)
def fn_false(call: CallSite, args: list[Any]) -> Any:
    return False


@builtin("bool", 1, 1)
def fn_bool(call: CallSite, args: list[Any]) -> Any:
    value = args[0]
    if isinstance(value, bool):
        return value
    if is_int(value):
        return value != 0
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "false"):
            return text == "true"
        raise call.error(f"the string {quoted(value)} is not 'true' or 'false'")
    raise call.error(f"argument 1 must be a String, Integer or Boolean, not {type_name(value)}")


# --------------------------------------------------------------------------- numeric


def _checked(call: CallSite, value: int) -> int:
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise call.error("integer overflow: the result does not fit in 64 bits")
    return value


@builtin("add", 2, 2)
def fn_add(call: CallSite, args: list[Any]) -> Any:
    return _checked(call, expect_int(call, args, 0) + expect_int(call, args, 1))


@builtin("sub", 2, 2)
def fn_sub(call: CallSite, args: list[Any]) -> Any:
    return _checked(call, expect_int(call, args, 0) - expect_int(call, args, 1))


@builtin("mul", 2, 2)
def fn_mul(call: CallSite, args: list[Any]) -> Any:
    return _checked(call, expect_int(call, args, 0) * expect_int(call, args, 1))


def _operands(call: CallSite, args: list[Any]) -> tuple[int, int]:
    dividend, divisor = expect_int(call, args, 0), expect_int(call, args, 1)
    if divisor == 0:
        raise call.error("attempted to divide by zero")
    return dividend, divisor


@builtin("div", 2, 2)
def fn_div(call: CallSite, args: list[Any]) -> Any:
    dividend, divisor = _operands(call, args)
    quotient = abs(dividend) // abs(divisor)  # .NET truncates toward zero
    return _checked(call, quotient if (dividend < 0) == (divisor < 0) else -quotient)


@builtin("mod", 2, 2)
def fn_mod(call: CallSite, args: list[Any]) -> Any:
    dividend, divisor = _operands(call, args)
    remainder = abs(dividend) % abs(divisor)  # .NET: the sign of the dividend
    return -remainder if dividend < 0 else remainder


@builtin("int", 1, 1)
def fn_int(call: CallSite, args: list[Any]) -> Any:
    value = args[0]
    if is_int(value):
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise call.error(f"{value} can't be converted to an integer")
        return _checked(call, round(value))  # Convert.ToInt64 rounds half to even
    if isinstance(value, str):
        text = value.strip()
        if not _INTEGER_TEXT.fullmatch(text):
            raise call.error(f"the string {quoted(value)} is not an integer")
        if len(text.lstrip("+-").lstrip("0")) > _INT64_DIGITS:  # (int() of thousands of digits is refused)
            raise call.error("integer overflow: the result does not fit in 64 bits")
        return _checked(call, int(text))
    raise call.error(f"argument 1 must be a String or an Integer, not {type_name(value)}")


@builtin("float", 1, 1)
def fn_float(call: CallSite, args: list[Any]) -> Any:
    value = args[0]
    if is_number(value):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if not _FLOAT_TEXT.fullmatch(text):
            raise call.error(f"the string {quoted(value)} is not a number")
        result = float(text)
        if not math.isfinite(result):
            raise call.error(f"the string {quoted(value)} is out of the range of a double (not a finite number)")
        return result
    raise call.error(f"argument 1 must be a String or a number, not {type_name(value)}")
