"""String functions (facts 2.9) except ``format()`` (formatting.py) and the hashes (hashing.py)."""

from __future__ import annotations

import re
from typing import Any

from ..values import is_array, is_int, to_string, type_name, utf8_bytes
from .base import CallSite, builtin, expect_array, expect_int, expect_string, fold
from .objects import parse_json_text

_WHITESPACE = r"\s"


def invariant_lower(text: str) -> str:
    """``ToLowerInvariant``: one character for one (Python's ``lower()`` may grow a string)."""
    if text.isascii():
        return text.lower()
    return "".join(low if len(low := char.lower()) == 1 else char for char in text)


def invariant_upper(text: str) -> str:
    """``ToUpperInvariant`` (``'ß'`` stays ``'ß'``)."""
    if text.isascii():
        return text.upper()
    return "".join(up if len(up := char.upper()) == 1 else char for char in text)


def _decode_base64(call: CallSite, text: str) -> bytes:
    import base64
    import binascii

    compact = "".join(text.split())
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise call.error("the input is not a valid Base64 string") from None


@builtin("base64", 1, 1)
def fn_base64(call: CallSite, args: list[Any]) -> Any:
    import base64

    text = expect_string(call, args, 0)
    return call.string_result(base64.b64encode(utf8_bytes(text)).decode("ascii"))


@builtin("base64ToString", 1, 1)
def fn_base64_to_string(call: CallSite, args: list[Any]) -> Any:
    return _decode_base64(call, expect_string(call, args, 0)).decode("utf-8", errors="replace")


@builtin("base64ToJson", 1, 1)
def fn_base64_to_json(call: CallSite, args: list[Any]) -> Any:
    text = _decode_base64(call, expect_string(call, args, 0)).decode("utf-8", errors="replace")
    return parse_json_text(call, text)


@builtin("dataUri", 1, 1)
def fn_data_uri(call: CallSite, args: list[Any]) -> Any:
    import base64

    text = expect_string(call, args, 0)
    encoded = base64.b64encode(utf8_bytes(text)).decode("ascii")
    return call.string_result(f"data:text/plain;charset=utf8;base64,{encoded}")


@builtin("dataUriToString", 1, 1)
def fn_data_uri_to_string(call: CallSite, args: list[Any]) -> Any:
    from urllib.parse import unquote_to_bytes

    text = expect_string(call, args, 0)
    comma = text.find(",")
    if not text[:5].lower() == "data:" or comma < 0:
        raise call.error("the input is not a data URI ('data:[<media type>][;base64],<data>')")
    metadata, payload = text[5:comma], text[comma + 1 :]
    parts = [part.strip() for part in metadata.split(";")]
    raw = _decode_base64(call, payload) if parts and parts[-1].lower() == "base64" else unquote_to_bytes(payload)
    charset = "utf-8"
    for part in parts:
        if part.lower().startswith("charset="):
            charset = part[8:] or charset
    try:
        return raw.decode(charset, errors="replace")
    except (LookupError, UnicodeError, ValueError, TypeError):  # unknown or non-text codec
        return raw.decode("utf-8", errors="replace")


@builtin("startsWith", 2, 2)
def fn_starts_with(call: CallSite, args: list[Any]) -> Any:
    return fold(expect_string(call, args, 0)).startswith(fold(expect_string(call, args, 1)))


@builtin("endsWith", 2, 2)
def fn_ends_with(call: CallSite, args: list[Any]) -> Any:
    return fold(expect_string(call, args, 0)).endswith(fold(expect_string(call, args, 1)))


@builtin("toLower", 1, 1)
def fn_to_lower(call: CallSite, args: list[Any]) -> Any:
    return invariant_lower(expect_string(call, args, 0))


@builtin("toUpper", 1, 1)
def fn_to_upper(call: CallSite, args: list[Any]) -> Any:
    return invariant_upper(expect_string(call, args, 0))


@builtin("trim", 1, 1)
def fn_trim(call: CallSite, args: list[Any]) -> Any:
    return expect_string(call, args, 0).strip()


@builtin("string", 1, 1)
def fn_string(call: CallSite, args: list[Any]) -> Any:
    return call.string_result(to_string(args[0]))


@builtin("replace", 3, 3)
def fn_replace(call: CallSite, args: list[Any]) -> Any:
    text = expect_string(call, args, 0)
    old = expect_string(call, args, 1)
    new = expect_string(call, args, 2)
    if old == "":
        raise call.error("the string to replace must not be empty")
    if new and len(new) > len(old):
        grown = len(text) + text.count(old) * (len(new) - len(old))
        if grown > call.ctx.max_string_length:
            raise call.error(
                f"the result would be {grown:,} characters long (limit {call.ctx.max_string_length:,})"
            )
    return call.string_result(text.replace(old, new))


def dotnet_split(text: str, separators: list[str]) -> list[str]:
    """``String.Split(string[], None)``: empty entries are kept; at each position the first
    matching separator (in the given order) wins; no non-empty separator means whitespace."""
    usable = [separator for separator in separators if separator]
    if not usable:
        return re.split(_WHITESPACE, text)
    if len(usable) == 1:
        return text.split(usable[0])
    result: list[str] = []
    start = position = 0
    while position < len(text):
        for separator in usable:
            if text.startswith(separator, position):
                result.append(text[start:position])
                position += len(separator)
                start = position
                break
        else:
            position += 1
    result.append(text[start:])
    return result


@builtin("split", 2, 2)
def fn_split(call: CallSite, args: list[Any]) -> Any:
    text = expect_string(call, args, 0)
    delimiter = args[1]
    if isinstance(delimiter, str):
        separators = [delimiter]
    elif is_array(delimiter):
        separators = []
        for item in delimiter:
            if not isinstance(item, str):
                raise call.error(f"delimiters must be strings, not {type_name(item)}")
            separators.append(item)
    else:
        raise call.error(f"argument 2 must be a String or an Array of strings, not {type_name(delimiter)}")
    return call.array_result(dotnet_split(text, separators))


@builtin("join", 2, 2)
def fn_join(call: CallSite, args: list[Any]) -> Any:
    items = expect_array(call, args, 0)
    delimiter = expect_string(call, args, 1)
    for item in items:
        if not isinstance(item, str):
            raise call.error(f"the array must hold strings, not {type_name(item)}")
    return call.string_result(delimiter.join(items))


@builtin("padLeft", 2, 3)
def fn_pad_left(call: CallSite, args: list[Any]) -> Any:
    value = args[0]
    if is_int(value):
        text = str(value)
    elif isinstance(value, str):
        text = value
    else:
        raise call.error(f"argument 1 must be a String or an Integer, not {type_name(value)}")
    total = expect_int(call, args, 1)
    padding = expect_string(call, args, 2) if len(args) > 2 else " "
    if len(padding) != 1:
        raise call.error(f"the padding character must be exactly one character, not {padding!r}")
    if total < 0:
        raise call.error("the total length must not be negative")
    if total > call.ctx.max_string_length:
        raise call.error(f"the total length {total:,} is over the limit of {call.ctx.max_string_length:,}")
    return call.string_result(text.rjust(total, padding))


@builtin("substring", 1, 3)
def fn_substring(call: CallSite, args: list[Any]) -> Any:
    text = expect_string(call, args, 0)
    start = expect_int(call, args, 1) if len(args) > 1 else 0
    if start < 0 or start > len(text):
        raise call.error(f"the start index {start} is outside the string (length {len(text)})")
    if len(args) > 2:
        length = expect_int(call, args, 2)
        if length < 0 or start + length > len(text):
            raise call.error(
                f"the index and length parameters must refer to a location within the string "
                f"(start {start}, length {length}, string length {len(text)})"
            )
        return text[start : start + length]
    return text[start:]


@builtin("uri", 2, 2)
def fn_uri(call: CallSite, args: list[Any]) -> Any:
    from urllib.parse import urljoin, urlsplit

    base = expect_string(call, args, 0)
    relative = expect_string(call, args, 1)
    try:
        if not urlsplit(base).scheme:
            raise call.error(f"the base URI {base!r} is not an absolute URI")
        return urljoin(base, relative)
    except ValueError as error:  # urlsplit rejects e.g. malformed IPv6 hosts
        raise call.error(f"invalid URI: {error}") from None


@builtin("uriComponent", 1, 1)
def fn_uri_component(call: CallSite, args: list[Any]) -> Any:
    from urllib.parse import quote

    text = expect_string(call, args, 0)
    return call.string_result(quote(utf8_bytes(text), safe=""))


@builtin("uriComponentToString", 1, 1)
def fn_uri_component_to_string(call: CallSite, args: list[Any]) -> Any:
    from urllib.parse import unquote

    return unquote(expect_string(call, args, 0), errors="replace")
