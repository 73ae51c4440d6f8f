""".NET composite formatting for ``format()`` (facts 2.9): ``{index[,alignment][:spec]}``.

Numbers support the standard specifiers D, N, F, X/x and G (without precision) and
custom patterns made of ``0 # , .``, with invariant-culture separators. A specifier we
do not reproduce exactly makes the result Unknown rather than a guess.
"""

from __future__ import annotations

import re
from typing import Any

from ..values import dotnet_float_text, is_array, is_object, type_name
from .base import CallSite, builtin, expect_string

_STANDARD_NUMERIC = r"([A-Za-z])([0-9]{0,9})"
_CUSTOM_NUMERIC = r"[0#,]*(?:\.[0#]*)?"
_MASK64 = 0xFFFFFFFFFFFFFFFF
_MAX_INDEX = 1_000_000
_MAX_PRECISION = 99


class UnsupportedFormat(Exception):
    """A valid .NET format this evaluator does not reproduce (the result becomes Unknown)."""


class InvalidFormat(Exception):
    """A format .NET itself rejects (FormatException)."""


def _group_thousands(digits: str) -> str:
    head = len(digits) % 3 or 3
    groups = [digits[:head]] + [digits[index : index + 3] for index in range(head, len(digits), 3)]
    return ",".join(groups)


def _fixed(value: float, decimals: int, *, grouped: bool) -> str:
    """Fixed-point text rounded half away from zero (as .NET Core does on the exact value)."""
    from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

    with localcontext(Context(prec=1000)):
        exact = Decimal(value)
        quantum = Decimal(1).scaleb(-decimals)
        rounded = exact.quantize(quantum, rounding=ROUND_HALF_UP)
    negative = rounded < 0
    text = format(abs(rounded), "f")
    integer, _, fraction = text.partition(".")
    if grouped:
        integer = _group_thousands(integer)
    body = integer + ("." + fraction if decimals > 0 else "")
    return ("-" if negative else "") + body


def _bounded(digits: str) -> int:
    """An index or alignment of a format item (Python refuses to convert thousands of digits;
    more than 18 are beyond every limit anyway)."""
    significant = digits.lstrip("0")
    if len(significant) > 18:
        raise InvalidFormat(f"a format item has an index or alignment of {len(significant):,} digits")
    return int(significant or 0)


def format_number(value: float, spec: str) -> str:
    """One number formatted with a .NET numeric format string (invariant culture)."""
    is_integer = isinstance(value, int)
    if spec == "":
        return str(value) if is_integer else dotnet_float_text(float(value))
    standard = re.fullmatch(_STANDARD_NUMERIC, spec)
    if standard:
        letter, digits = standard.group(1), standard.group(2)
        precision = int(digits) if digits else None
        if precision is not None and precision > _MAX_PRECISION:
            raise UnsupportedFormat(f"the numeric format {spec!r} has a precision over {_MAX_PRECISION}")
        upper = letter.upper()
        if upper == "D":
            if not is_integer:
                raise InvalidFormat(f"the format 'D' needs an integer, not {value!r}")
            text = str(abs(value)).zfill(precision or 0)
            return ("-" if value < 0 else "") + text
        if upper == "N":
            return _fixed(value, 2 if precision is None else precision, grouped=True)
        if upper == "F":
            return _fixed(value, 2 if precision is None else precision, grouped=False)
        if upper == "X":
            if not isinstance(value, int):
                raise InvalidFormat(f"the format 'X' needs an integer, not {value!r}")
            text = format(value & _MASK64 if value < 0 else value, "X" if letter == "X" else "x")
            return text.zfill(precision or 0)
        if upper == "G":
            if is_integer and (precision is None or precision == 0 or len(str(abs(value))) <= precision):
                return str(value)
            if not is_integer and precision is None:
                return dotnet_float_text(float(value))
            raise UnsupportedFormat(f"the numeric format {spec!r} is not reproduced offline")
        if upper in "CEPRB":
            raise UnsupportedFormat(f"the numeric format {spec!r} is not reproduced offline")
        raise InvalidFormat(f"{spec!r} is not a valid numeric format specifier")
    if re.fullmatch(_CUSTOM_NUMERIC, spec) and not spec.rstrip(".").endswith(","):
        integer_pattern, _, fraction_pattern = spec.partition(".")
        if "#" in fraction_pattern:
            raise UnsupportedFormat(f"the numeric format {spec!r} is not reproduced offline")
        decimals = fraction_pattern.count("0")
        if decimals > _MAX_PRECISION or integer_pattern.count("0") > _MAX_PRECISION:
            raise UnsupportedFormat(f"the numeric format {spec!r} has too many digits")
        text = _fixed(value, decimals, grouped=False)
        negative = text.startswith("-")
        integer, _, fraction = text.lstrip("-").partition(".")
        minimum = integer_pattern.count("0")
        integer = integer.lstrip("0").zfill(minimum)
        if "," in integer_pattern.strip(","):
            integer = _group_thousands(integer) if integer else integer
        body = integer + ("." + fraction if decimals else "")
        if negative and body.strip("0.,") == "":
            negative = False
        return ("-" if negative else "") + body
    raise UnsupportedFormat(f"the numeric format {spec!r} is not reproduced offline")


def format_argument(value: Any, spec: str) -> str:
    """One argument of ``format()``: numbers use ``spec``; other types ignore it as .NET does."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return format_number(value, spec)
    if is_array(value) or is_object(value):
        raise UnsupportedFormat(f"format() of an {type_name(value)} is not reproduced offline")
    raise InvalidFormat(f"format() can't format a value of type {type_name(value)}")


def composite_format(template: str, args: list[Any], max_length: int) -> str:
    """``String.Format(InvariantCulture, template, args)``."""
    out: list[str] = []
    size = 0
    position, length = 0, len(template)
    while position < length:
        char = template[position]
        if char == "}":
            if position + 1 < length and template[position + 1] == "}":
                out.append("}")
                position += 2
                size += 1
                continue
            raise InvalidFormat(f"unmatched '}}' at position {position} of the format string")
        if char != "{":
            next_brace = min(
                (
                    index
                    for index in (template.find("{", position), template.find("}", position))
                    if index >= 0
                ),
                default=length,
            )
            out.append(template[position:next_brace])
            size += next_brace - position
            position = next_brace
            continue
        if position + 1 < length and template[position + 1] == "{":
            out.append("{")
            position += 2
            size += 1
            continue
        item_start = position
        position += 1
        digits_start = position
        while position < length and template[position].isdigit() and template[position].isascii():
            position += 1
        if position == digits_start:
            raise InvalidFormat(f"a format item at position {item_start} has no argument index")
        index = _bounded(template[digits_start:position])
        while position < length and template[position] == " ":
            position += 1
        width = 0
        if position < length and template[position] == ",":
            position += 1
            while position < length and template[position] == " ":
                position += 1
            sign = 1
            if position < length and template[position] == "-":
                sign = -1
                position += 1
            width_start = position
            while position < length and template[position].isdigit() and template[position].isascii():
                position += 1
            if position == width_start:
                raise InvalidFormat(f"the format item at position {item_start} has an invalid alignment")
            width = sign * _bounded(template[width_start:position])
            while position < length and template[position] == " ":
                position += 1
        spec = ""
        if position < length and template[position] == ":":
            close = template.find("}", position)
            if close < 0:
                raise InvalidFormat(f"the format item at position {item_start} is not closed")
            spec = template[position + 1 : close]
            if "{" in spec:
                raise InvalidFormat(f"the format item at position {item_start} contains '{{'")
            position = close
        if position >= length or template[position] != "}":
            raise InvalidFormat(f"the format item at position {item_start} is not closed")
        position += 1
        if index >= len(args) or index >= _MAX_INDEX:
            raise InvalidFormat(
                f"index {index} must be less than the number of arguments after the format string ({len(args)})"
            )
        if abs(width) > max_length:
            raise InvalidFormat(f"the alignment {width} is over the length limit")
        text = format_argument(args[index], spec)
        text = text.rjust(width) if width > 0 else text.ljust(-width)
        out.append(text)
        size += len(text)
        if size > max_length:
            raise InvalidFormat(f"the result is over the length limit of {max_length:,} characters")
    return "".join(out)


@builtin("format", 1, None)
def fn_format(call: CallSite, args: list[Any]) -> Any:
    template = expect_string(call, args, 0)
    try:
        text = composite_format(template, args[1:], call.ctx.max_string_length)
    except UnsupportedFormat as unsupported:
        return call.unknown(str(unsupported))
    except InvalidFormat as invalid:
        raise call.error(str(invalid)) from None
    return call.string_result(text)
