"""Pure date functions (facts 2.3): dateTimeAdd, dateTimeFromEpoch, dateTimeToEpoch.

``utcNow()`` is never known offline (see runtime.py). Dates are formatted with .NET
standard and custom format strings in the invariant culture.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime, timedelta

from datetime import UTC

from .base import CallSite, builtin, expect_int, expect_string

_ISO_DATE_TIME = (
    r"(?P<year>\d{4})(?P<date_sep>-?)(?P<month>\d{2})(?P=date_sep)(?P<day>\d{2})"
    r"(?:(?P<time_sep>[T ])(?P<hour>\d{2})(?P<colon>:?)(?P<minute>\d{2})"
    r"(?:(?P=colon)(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,7}))?)?)?"
    r"(?P<zone>Z|z|[+-]\d{2}(?::?\d{2})?)?"
)
_DURATION = (
    r"(?P<sign>[-+])?P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?"
)

_MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

#: Invariant-culture patterns of the .NET standard date and time format strings.
_STANDARD_DATE_FORMATS = {
    "d": "MM/dd/yyyy",
    "D": "dddd, dd MMMM yyyy",
    "f": "dddd, dd MMMM yyyy HH:mm",
    "F": "dddd, dd MMMM yyyy HH:mm:ss",
    "g": "MM/dd/yyyy HH:mm",
    "G": "MM/dd/yyyy HH:mm:ss",
    "m": "MMMM dd",
    "M": "MMMM dd",
    "o": "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
    "O": "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
    "r": "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
    "R": "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
    "s": "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
    "t": "HH:mm",
    "T": "HH:mm:ss",
    "u": "yyyy'-'MM'-'dd HH':'mm':'ss'Z'",
    "U": "dddd, dd MMMM yyyy HH:mm:ss",
    "y": "yyyy MMMM",
    "Y": "yyyy MMMM",
}


class DateError(Exception):
    """A date, duration or format that can't be used."""


class ParsedDateTime:
    """A parsed ISO 8601 timestamp plus the .NET pattern that writes it back alike."""

    __slots__ = ("layout", "value")

    def __init__(self, value: datetime, layout: str) -> None:
        self.value = value
        self.layout = layout


def parse_date_time(text: str) -> ParsedDateTime:
    """Parse an ISO 8601 timestamp; ``layout`` is a .NET pattern that writes it back alike."""
    from datetime import datetime, timedelta, timezone

    match = re.fullmatch(_ISO_DATE_TIME, text.strip())
    if not match:
        raise DateError(f"{text!r} is not an ISO 8601 date and time")
    parts = match.groupdict()
    fraction = parts["fraction"] or ""
    zone_text = parts["zone"]
    tz: timezone | None = None
    if zone_text:
        if zone_text in "Zz":
            tz = UTC
        else:
            sign = -1 if zone_text[0] == "-" else 1
            digits = zone_text[1:].replace(":", "")
            hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
            if hours > 14 or minutes > 59:
                raise DateError(f"{text!r} has an invalid time zone offset")
            tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
    try:
        value = datetime(
            int(parts["year"]),
            int(parts["month"]),
            int(parts["day"]),
            int(parts["hour"] or 0),
            int(parts["minute"] or 0),
            int(parts["second"] or 0),
            int((fraction + "000000")[:6]),
            tzinfo=tz,
        )
    except ValueError as error:
        raise DateError(f"{text!r} is not a valid date and time: {error}") from None
    date_sep = parts["date_sep"]
    layout = f"yyyy{date_sep}MM{date_sep}dd"
    if parts["hour"] is not None:
        colon = parts["colon"]
        layout += ("'T'" if parts["time_sep"] == "T" else " ") + f"HH{colon}mm"
        if parts["second"] is not None:
            layout += f"{colon}ss"
            if fraction:
                layout += "." + "f" * len(fraction)
    if zone_text:
        if zone_text in "Zz":
            layout += "'Z'"
        else:
            layout += "zzz" if ":" in zone_text else "'" + zone_text + "'"
    return ParsedDateTime(value, layout)


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _add_months(value: datetime, months: int) -> datetime:
    total = value.year * 12 + (value.month - 1) + months
    year, month = divmod(total, 12)
    if not 1 <= year <= 9999:
        raise DateError("the result is outside the range of dates (years 1 to 9999)")
    day = min(value.day, _days_in_month(year, month + 1))
    return value.replace(year=year, month=month + 1, day=day)


def add_duration(value: datetime, duration: str) -> datetime:
    """Add an ISO 8601 duration (``P1Y2M3DT4H5M6.5S``, ``-P9D``) the way .NET AddYears/AddMonths/Add do."""
    from datetime import timedelta

    match = re.fullmatch(_DURATION, duration.strip())
    if not match or not any(
        match.group(name) for name in ("years", "months", "weeks", "days", "hours", "minutes", "seconds")
    ):
        raise DateError(f"{duration!r} is not an ISO 8601 duration")
    if duration.strip().endswith("T"):
        raise DateError(f"{duration!r} is not an ISO 8601 duration")
    sign = -1 if match.group("sign") == "-" else 1

    def number(name: str) -> int:
        digits = (match.group(name) or "0").lstrip("0")
        if len(digits) > 18:  # far beyond any date (and Python refuses thousands of digits)
            raise DateError(f"the duration's {name} are out of range")
        return int(digits or 0)

    seconds = float((match.group("seconds") or "0").replace(",", "."))
    try:
        result = _add_months(value, sign * (number("years") * 12 + number("months")))
        delta = timedelta(
            weeks=number("weeks"),
            days=number("days"),
            hours=number("hours"),
            minutes=number("minutes"),
            seconds=seconds,
        )
        return result + sign * delta
    except OverflowError:
        raise DateError("the result is outside the range of dates (years 1 to 9999)") from None


def _tokens(pattern: str) -> list[tuple[str, str]]:
    """Split a .NET custom date pattern into (kind, text): kind is 'lit' or a specifier run."""
    tokens: list[tuple[str, str]] = []
    position, length = 0, len(pattern)
    while position < length:
        char = pattern[position]
        if char in "'\"":
            close = pattern.find(char, position + 1)
            if close < 0:
                raise DateError(f"unterminated quote in the date format {pattern!r}")
            tokens.append(("lit", pattern[position + 1 : close]))
            position = close + 1
        elif char == "\\":
            if position + 1 >= length:
                raise DateError(f"the date format {pattern!r} ends with a backslash")
            tokens.append(("lit", pattern[position + 1]))
            position += 2
        elif char == "%":
            if position + 1 >= length or pattern[position + 1] == "%":
                raise DateError(f"invalid '%' in the date format {pattern!r}")
            position += 1
        elif char in "dfFghHKmMstyz":
            end = position
            while end < length and pattern[end] == char:
                end += 1
            tokens.append((char, pattern[position:end]))
            position = end
        else:
            tokens.append(("lit", char))
            position += 1
    return tokens


def format_date_time(value: datetime, pattern: str) -> str:
    """Format with a .NET standard (one letter) or custom date format, invariant culture."""
    from datetime import timedelta

    if len(pattern) == 1:
        if pattern not in _STANDARD_DATE_FORMATS:
            raise DateError(f"{pattern!r} is not a valid standard date format")
        if pattern in "rRuU" and value.tzinfo is not None:
            value = value.astimezone(UTC)
        pattern = _STANDARD_DATE_FORMATS[pattern]
    out: list[str] = []
    ticks = value.microsecond * 10
    offset = value.utcoffset()
    for kind, text in _tokens(pattern):
        count = len(text)
        if kind == "lit":
            out.append(text)
        elif kind == "d":
            if count <= 2:
                out.append(str(value.day).zfill(count))
            else:
                name = _DAYS[value.weekday()]
                out.append(name[:3] if count == 3 else name)
        elif kind in "fF":
            if count > 7:
                raise DateError("too many fraction digits in the date format")
            digits = str(ticks).zfill(7)[:count]
            if kind == "F":
                digits = digits.rstrip("0")
                if not digits and out and out[-1] == ".":
                    out.pop()
            out.append(digits)
        elif kind == "g":
            out.append("A.D.")
        elif kind == "h":
            hour = value.hour % 12 or 12
            out.append(str(hour).zfill(min(count, 2)))
        elif kind == "H":
            out.append(str(value.hour).zfill(min(count, 2)))
        elif kind == "K":
            if offset is None:
                continue
            if offset == timedelta(0) and value.tzinfo is UTC:
                out.append("Z")
            else:
                out.append(_offset_text(offset, 3))
        elif kind == "m":
            out.append(str(value.minute).zfill(min(count, 2)))
        elif kind == "M":
            if count <= 2:
                out.append(str(value.month).zfill(count))
            else:
                name = _MONTHS[value.month - 1]
                out.append(name[:3] if count == 3 else name)
        elif kind == "s":
            out.append(str(value.second).zfill(min(count, 2)))
        elif kind == "t":
            marker = "AM" if value.hour < 12 else "PM"
            out.append(marker[:1] if count == 1 else marker)
        elif kind == "y":
            if count == 1:
                out.append(str(value.year % 100))
            elif count == 2:
                out.append(str(value.year % 100).zfill(2))
            else:
                out.append(str(value.year).zfill(count))
        elif kind == "z":
            out.append(_offset_text(offset or timedelta(0), min(count, 3)))
    return "".join(out)


def _offset_text(offset: timedelta, count: int) -> str:
    total_minutes = int(offset.total_seconds() // 60)
    sign = "-" if total_minutes < 0 else "+"
    hours, minutes = divmod(abs(total_minutes), 60)
    if count == 1:
        return f"{sign}{hours}"
    if count == 2:
        return f"{sign}{hours:02d}"
    return f"{sign}{hours:02d}:{minutes:02d}"


@builtin("dateTimeAdd", 2, 3)
def fn_date_time_add(call: CallSite, args: list[Any]) -> Any:
    base = expect_string(call, args, 0)
    duration = expect_string(call, args, 1)
    pattern = expect_string(call, args, 2) if len(args) > 2 else None
    try:
        parsed = parse_date_time(base)
        result = add_duration(parsed.value, duration)
        return format_date_time(result, pattern if pattern is not None else parsed.layout)
    except DateError as error:
        raise call.error(str(error)) from None


@builtin("dateTimeFromEpoch", 1, 1)
def fn_date_time_from_epoch(call: CallSite, args: list[Any]) -> Any:
    from datetime import datetime, timedelta

    seconds = expect_int(call, args, 0)
    try:
        value = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)
    except OverflowError:
        raise call.error(f"{seconds} is outside the range of dates") from None
    return format_date_time(value, "yyyy'-'MM'-'dd'T'HH':'mm':'ss'Z'")


@builtin("dateTimeToEpoch", 1, 1)
def fn_date_time_to_epoch(call: CallSite, args: list[Any]) -> Any:
    from datetime import datetime

    try:
        value = parse_date_time(expect_string(call, args, 0)).value
    except DateError as error:
        raise call.error(str(error)) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - datetime(1970, 1, 1, tzinfo=UTC)
    return delta.days * 86_400 + delta.seconds
