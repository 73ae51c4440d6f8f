"""``uniqueString()`` and ``guid()``: the exact ARM algorithms (facts section 3)."""

from __future__ import annotations

from typing import Any

from ..values import utf8_bytes
from .base import CallSite, builtin, expect_string

_MASK32 = 0xFFFFFFFF
_MASK64 = 0xFFFFFFFFFFFFFFFF
_C1, _C2, _C3, _C4 = 0x239B961B, 0xAB0E9789, 0x561CCD1B, 0x0BCAA747
_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
#: Namespace of ARM's name-based (version 5) GUIDs.
GUID_NAMESPACE = "11fb06fb-712d-4ddd-98c7-e71bbd588830"


def _rotl(value: int, shift: int) -> int:
    return ((value << shift) | (value >> (32 - shift))) & _MASK32


def _fmix(value: int) -> int:
    value ^= value >> 16
    value = (value * 0x85EBCA6B) & _MASK32
    value ^= value >> 13
    value = (value * 0xC2B2AE35) & _MASK32
    value ^= value >> 16
    return value


def murmur_hash64(data: bytes) -> int:
    """ARM's 64-bit MurmurHash3 variant made of two 32-bit lanes, seed 0 (facts 3.1)."""
    h1 = h2 = 0
    length = len(data)
    full = length - length % 8
    for offset in range(0, full, 8):
        k1 = int.from_bytes(data[offset : offset + 4], "little")
        k2 = int.from_bytes(data[offset + 4 : offset + 8], "little")
        k1 = (k1 * _C1) & _MASK32
        k1 = _rotl(k1, 15)
        k1 = (k1 * _C2) & _MASK32
        h1 ^= k1
        h1 = _rotl(h1, 19)
        h1 = (h1 + h2) & _MASK32
        h1 = (h1 * 5 + _C3) & _MASK32
        k2 = (k2 * _C2) & _MASK32
        k2 = _rotl(k2, 17)
        k2 = (k2 * _C1) & _MASK32
        h2 ^= k2
        h2 = _rotl(h2, 13)
        h2 = (h2 + h1) & _MASK32
        h2 = (h2 * 5 + _C4) & _MASK32
    tail = data[full:]
    if tail:
        k1 = int.from_bytes(tail[:4], "little")
        k1 = (k1 * _C1) & _MASK32
        k1 = _rotl(k1, 15)
        k1 = (k1 * _C2) & _MASK32
        h1 ^= k1
        if len(tail) > 4:
            k2 = int.from_bytes(tail[4:], "little")
            k2 = (k2 * _C2) & _MASK32
            k2 = _rotl(k2, 17)
            k2 = (k2 * _C1) & _MASK32
            h2 ^= k2
    h1 ^= length & _MASK32
    h2 ^= length & _MASK32
    h1 = (h1 + h2) & _MASK32
    h2 = (h2 + h1) & _MASK32
    h1 = _fmix(h1)
    h2 = _fmix(h2)
    h1 = (h1 + h2) & _MASK32
    h2 = (h2 + h1) & _MASK32
    return (h2 << 32) | h1


def unique_string(*parts: str) -> str:
    """``uniqueString(parts...)``: 13 base32-like characters of the hash of ``'-'.join(parts)``."""
    value = murmur_hash64(utf8_bytes("-".join(parts)))
    characters = []
    for _ in range(13):
        characters.append(_ALPHABET[value >> 59])
        value = (value << 5) & _MASK64
    return "".join(characters)


def arm_guid(*parts: str) -> str:
    """``guid(parts...)``: RFC 4122 version-5 UUID of ``'-'.join(parts)`` in ARM's namespace."""
    import hashlib
    import uuid

    digest = hashlib.sha1(uuid.UUID(GUID_NAMESPACE).bytes + utf8_bytes("-".join(parts))).digest()
    return str(uuid.UUID(bytes=digest[:16], version=5))


def _string_args(call: CallSite, args: list[Any]) -> list[str]:
    return [expect_string(call, args, index) for index in range(len(args))]


@builtin("uniqueString", 1, None)
def fn_unique_string(call: CallSite, args: list[Any]) -> Any:
    parts = _string_args(call, args)
    call.charge(sum(len(part) for part in parts) // 64)
    return unique_string(*parts)


@builtin("guid", 1, None)
def fn_guid(call: CallSite, args: list[Any]) -> Any:
    parts = _string_args(call, args)
    call.charge(sum(len(part) for part in parts) // 64)
    return arm_guid(*parts)
