"""The value model: JSON values plus :class:`Unknown`, and helpers shared by functions.

Values are plain Python JSON values (``None``, ``bool``, ``int``, ``float``, ``str``,
``list``, ``dict``) plus:

- :class:`Unknown`, for what cannot be known before deployment;
- :class:`PartialObject`, a ``dict`` returned by context functions (``resourceGroup()``...)
  whose missing properties are unknown rather than errors (facts 2.10);
- :class:`LambdaValue`, which only lives as an argument of ``map()``/``filter()``/...

Functions never mutate their inputs, so values may be shared freely.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from .syntax import Node

#: How an unknown value is rendered (same text as ``vmssplan.model.KNOWN_AFTER_DEPLOYMENT``).
KNOWN_AFTER_DEPLOYMENT = "(known after deployment)"


@dataclass(frozen=True)
class Unknown:
    """A value that cannot be known offline.

    ``expression`` is the residual expression text that produces it (without the outer
    brackets, e.g. ``reference('pip').dnsSettings.fqdn``), so two sides of a diff compare
    equal when the same unknown expression appears on both. ``reason`` says why it is
    unknown, ``sources`` names the root functions (``("reference",)``) and ``secret`` is
    true when the value is derived from a secret (``listKeys()``...).
    """

    expression: str
    reason: str
    sources: tuple[str, ...] = ()
    secret: bool = False

    #: Lets the later stages recognise an unknown value without importing this package
    #: (see ``vmssplan.model.is_unknown``).
    is_unknown_value: ClassVar[bool] = True

    def __str__(self) -> str:
        return KNOWN_AFTER_DEPLOYMENT

    def render(self) -> str:
        """The text shown instead of the value."""
        return KNOWN_AFTER_DEPLOYMENT

    def describe(self) -> str:
        """The rendering plus the reason, for explanations."""
        return f"{KNOWN_AFTER_DEPLOYMENT[:-1]}: {self.reason})"

    def __bool__(self) -> bool:
        raise TypeError("an Unknown value has no truth value; test it with is_unknown() first")

    def derived(self, expression: str) -> Unknown:
        """The same unknown, reached through a longer expression (a property path...)."""
        return Unknown(expression, self.reason, self.sources, self.secret)

    @staticmethod
    def combine(expression: str, parts: Iterable[Unknown]) -> Unknown:
        """An unknown that depends on several others: reasons and sources are merged."""
        reasons: list[str] = []
        sources: list[str] = []
        secret = False
        for part in parts:
            for reason in part.reason.split("; "):
                if reason not in reasons:
                    reasons.append(reason)
            for source in part.sources:
                if source not in sources:
                    sources.append(source)
            secret = secret or part.secret
        return Unknown(expression, "; ".join(reasons), tuple(sources), secret)


class PartialObject(dict):  # type: ignore[type-arg]
    """An object of which only some properties are known (a user-supplied context object).

    Reading a property it lacks gives an :class:`Unknown` instead of an error.
    """

    __slots__ = ("origin",)

    def __init__(self, values: Mapping[str, Any], origin: str) -> None:
        super().__init__(values)
        self.origin = origin


@dataclass(frozen=True, eq=False)
class LambdaValue:
    """``lambda('a', 'b', body)``: parameter names and the unevaluated body."""

    parameters: tuple[str, ...]
    body: Node
    expression: str
    scope: Mapping[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- predicates


def is_unknown(value: Any) -> bool:
    """True for an :class:`Unknown` value (not for containers holding one)."""
    return isinstance(value, Unknown)


def is_int(value: Any) -> bool:
    """An integer that is not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return (isinstance(value, (int, float))) and not isinstance(value, bool)


def is_array(value: Any) -> bool:
    return isinstance(value, (list, tuple))


def is_object(value: Any) -> bool:
    return isinstance(value, Mapping)


def contains_unknown(value: Any) -> bool:
    """True when ``value`` is, or (at any depth) holds, an Unknown or a PartialObject."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, (Unknown, PartialObject)):
            return True
        if isinstance(item, (list, tuple)):
            pending.extend(item)
        elif isinstance(item, Mapping):
            pending.extend(item.values())
    return False


def find_unknowns(value: Any) -> list[Unknown]:
    """Every Unknown inside ``value`` (PartialObjects are reported as unknowns too)."""
    found: list[Unknown] = []
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, Unknown):
            found.append(item)
        elif isinstance(item, PartialObject):
            found.append(partial_object_unknown(item))
        elif isinstance(item, (list, tuple)):
            pending.extend(item)
        elif isinstance(item, Mapping):
            pending.extend(item.values())
    return found


def partial_object_unknown(value: PartialObject, expression: str | None = None) -> Unknown:
    """The unknown standing for "the rest" of a partly supplied context object."""
    return Unknown(
        expression or value.origin,
        f"{value.origin} is only partly known offline (supply the missing values)",
        (value.origin.rstrip("()"),),
    )


def type_name(value: Any) -> str:
    """The ARM name of a value's type, for error messages."""
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "Float"
    if isinstance(value, str):
        return "String"
    if is_array(value):
        return "Array"
    if is_object(value):
        return "Object"
    if isinstance(value, Unknown):
        return "Unknown"
    if isinstance(value, LambdaValue):
        return "Lambda"
    return type(value).__name__


# --------------------------------------------------------------------------- equality


def canonical(value: Any) -> Any:
    """A hashable key such that ``canonical(a) == canonical(b)`` iff ARM deems them equal.

    Deep JSON equality: strings are case-sensitive, ``1`` equals ``1.0`` but never
    ``true``, object key order does not matter.
    """
    if value is None:
        return ("n",)
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, int):
        return ("i", value)
    if isinstance(value, float):
        if value.is_integer():
            return ("i", int(value))
        return ("f", value)
    if isinstance(value, str):
        return ("s", value)
    if is_array(value):
        return ("a", tuple(canonical(item) for item in value))
    if is_object(value):
        return ("o", frozenset((key, canonical(item)) for key, item in value.items()))
    return ("x", id(value))


def deep_equals(left: Any, right: Any) -> bool:
    """ARM ``equals()`` on known values."""
    return bool(canonical(left) == canonical(right))


# --------------------------------------------------------------------------- text forms


def dotnet_float_text(value: float) -> str:
    """A float the way .NET's ``double.ToString()`` writes it (``1E+20``, ``1``, ``0.5``)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        sign = "-" if exponent.startswith("-") else "+"
        digits = exponent.lstrip("+-").rjust(2, "0")
        mantissa = mantissa.removesuffix(".0")
        text = f"{mantissa}E{sign}{digits}"
    return text


def to_json_text(value: Any) -> str:
    """Compact JSON the way ``string()`` writes objects and arrays (no spaces)."""
    import json

    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def to_string(value: Any) -> str:
    """ARM ``string()`` of a known value."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return dotnet_float_text(value)
    return to_json_text(value)


def render_value(value: Any) -> Any:
    """A JSON-serialisable copy of ``value`` with every Unknown shown as its rendering."""
    if isinstance(value, Unknown):
        return value.render()
    if is_array(value):
        return [render_value(item) for item in value]
    if is_object(value):
        return {str(key): render_value(item) for key, item in value.items()}
    return value


def utf8_bytes(text: str) -> bytes:
    """UTF-8 bytes of a string; lone surrogates become U+FFFD as in .NET."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join("\ufffd" if "\ud800" <= char <= "\udfff" else char for char in text).encode("utf-8")
