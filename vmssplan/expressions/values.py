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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from .syntax import Node

#: How an unknown value is rendered (same text as ``vmssplan.model.KNOWN_AFTER_DEPLOYMENT``).
KNOWN_AFTER_DEPLOYMENT = "(known after deployment)"


#: Root functions whose value differs at every deployment: two results of them are never
#: provably equal, even from the same expression text.
VOLATILE_SOURCES = frozenset({"utcNow", "newGuid"})

#: Why control flow computed from a secret (a condition, a copy count, an ``if()`` test) is
#: not evaluated: which way it went would tell the secret (the plan must not be an oracle).
SECURE_REASON = "depends on a secure value"
#: The source of such an unknown.
SECURE_SOURCE = "secure value"


@dataclass(frozen=True)
class Unknown:
    """A value that cannot be known offline, with what is known of it.

    ``expression`` is the *residual* expression that produces it: the call with every
    argument that is known written as its value (``resourceId('Microsoft.Network/...',
    'vnet-a', 'app')`` rather than ``resourceId(..., parameters('vnetName'), 'app')``), so
    two residuals are the same text exactly when the same computation runs over the same
    inputs. ``parts``, when not empty, says the value is a string made of known text and
    unknown pieces (a resource id whose subscription is unknown but whose names are known).
    ``reason`` says why it is unknown, ``sources`` names the root functions
    (``("reference",)``) and ``secret`` is true when the value is derived from a secret
    (``listKeys()``, a securestring): then neither its residual nor its parts hold text.

    :meth:`compare` decides equality with another value where that is provable.
    """

    expression: str
    reason: str
    sources: tuple[str, ...] = ()
    secret: bool = False
    parts: tuple[str | Unknown, ...] = ()

    #: Lets the later stages recognise an unknown value without importing this package
    #: (see ``vmssplan.model.is_unknown``).
    is_unknown_value: ClassVar[bool] = True

    def __str__(self) -> str:
        return self.render()

    def render(self) -> str:
        """The text shown instead of the value: its known parts, with the rest marked."""
        if not self.parts or self.secret:
            return KNOWN_AFTER_DEPLOYMENT
        return "".join(part if isinstance(part, str) else KNOWN_AFTER_DEPLOYMENT for part in self.parts)

    def describe(self) -> str:
        """The rendering plus the reason, for explanations."""
        return f"{KNOWN_AFTER_DEPLOYMENT[:-1]}: {self.reason})"

    def __bool__(self) -> bool:
        raise TypeError("an Unknown value has no truth value; test it with is_unknown() first")

    @property
    def volatile(self) -> bool:
        """Different at every deployment (``utcNow()``, ``newGuid()``)."""
        return any(source in VOLATILE_SOURCES for source in self.sources)

    def concealed(self) -> Unknown:
        """The same unknown, derived from a secret: its residual (which may quote the secret)
        is kept only as a digest, for equality, and its known parts are dropped."""
        import hashlib

        digest = hashlib.sha256(self.expression.encode("utf-8", "surrogatepass")).hexdigest()
        return Unknown(f"secret:{digest}", self.reason, self.sources, True)

    @staticmethod
    def secure(expression: str, what: str = "the value") -> Unknown:
        """An unknown standing for a value computed from a secret where the plan must not
        show which way it went (a condition, a copy count, a test): ``expression`` is its
        residual, which may quote the secret and so is kept only as a digest (equal values
        compare equal, as secret values do)."""
        return Unknown(expression, f"{what} {SECURE_REASON}", (SECURE_SOURCE,), True).concealed()

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

    @staticmethod
    def text(pieces: Iterable[Any], expression: str) -> Any:
        """A string made of ``pieces`` (strings and unknowns): the string itself when every
        piece is known, else an Unknown keeping the known text in :attr:`parts`."""
        parts: list[str | Unknown] = []
        for piece in pieces:
            for item in piece.parts if isinstance(piece, Unknown) and piece.parts else (piece,):
                if isinstance(item, str) and parts and isinstance(parts[-1], str):
                    parts[-1] += item
                elif not (isinstance(item, str) and not item):
                    parts.append(item)
        atoms = [part for part in parts if isinstance(part, Unknown)]
        if not atoms:
            return "".join(part for part in parts if isinstance(part, str))
        combined = Unknown.combine(expression, atoms)
        return Unknown(expression, combined.reason, combined.sources, combined.secret, tuple(parts))

    def before_last(self, marker: str) -> Any:
        """The text before the last ``marker`` (compared case-insensitively) of a string
        known in part: a string or a shorter partial one; None when the marker is not in the
        known text after the last unknown piece (that piece could hold a later one)."""
        if not self.parts or self.secret:
            return None
        last = self.parts[-1]
        if not isinstance(last, str) or marker.lower() not in last.lower():
            return None
        cut = last.lower().rindex(marker.lower())
        return Unknown.text((*self.parts[:-1], last[:cut]), f"{self.expression}:before:{marker}")

    def compare(self, other: Any, fold: Callable[[str], str] = str) -> bool | None:
        """True when this value provably equals ``other``, False when it provably differs,
        None when that cannot be decided offline. ``fold`` maps known text to the form in
        which it is compared (``str.casefold`` where ARM ignores case)."""
        if isinstance(other, Unknown):
            if self.expression == other.expression and not self.volatile:
                return True
            if self.parts and other.parts:
                return _compare_parts(self.parts, other.parts, fold)
            return None
        if self.parts and not self.secret:
            if isinstance(other, str):
                return _compare_parts(self.parts, (other,), fold)
            return False  # a string never equals a number, a Boolean, an array or an object
        return None


def _pieces(parts: tuple[str | Unknown, ...], fold: Callable[[str], str]) -> list[str | Unknown]:
    """The parts as single characters of folded text and unknown atoms."""
    out: list[str | Unknown] = []
    for part in parts:
        if isinstance(part, str):
            out.extend(fold(part))
        else:
            out.append(part)
    return out


def _compare_parts(left: tuple[str | Unknown, ...], right: tuple[str | Unknown, ...],
                   fold: Callable[[str], str]) -> bool | None:
    """Equality of two strings known in part. Unknown atoms with the same residual stand for
    the same text on both sides, so a common start and end can be set aside; what is left
    decides: both empty is equal, known text that differs at its first or last character
    is different, anything else (an atom could be any text, even empty) is undecided."""
    a, b = _pieces(left, fold), _pieces(right, fold)
    start = 0
    while start < len(a) and start < len(b) and _same_piece(a[start], b[start]):
        start += 1
    end = 0
    while (end < len(a) - start and end < len(b) - start
           and _same_piece(a[len(a) - 1 - end], b[len(b) - 1 - end])):
        end += 1
    rest_a, rest_b = a[start:len(a) - end], b[start:len(b) - end]
    if not rest_a and not rest_b:
        return True
    if all(isinstance(piece, str) for piece in rest_a + rest_b):
        return False  # all known, and not the same text
    if rest_a and rest_b:
        first_a, first_b, last_a, last_b = rest_a[0], rest_b[0], rest_a[-1], rest_b[-1]
        if isinstance(first_a, str) and isinstance(first_b, str):
            return False  # they differ at a known character (they were not set aside)
        if isinstance(last_a, str) and isinstance(last_b, str):
            return False
    return None


def _same_piece(a: str | Unknown, b: str | Unknown) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return a.expression == b.expression and not a.volatile


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


# --------------------------------------------------------------------------- residuals


def residual(value: Any) -> str:
    """A value written as an expression argument, for the residual of an :class:`Unknown`:
    known values as literals (object keys sorted, so equal objects write the same), unknown
    ones as their own residual. Two values write the same text only when they are equal."""
    if isinstance(value, Unknown):
        return value.expression
    if isinstance(value, PartialObject):
        return value.origin
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if value is None:
        return "null()"
    if isinstance(value, bool):
        return "true()" if value else "false()"
    if isinstance(value, (int, float)):
        return repr(value)
    if is_array(value):
        return "createArray(" + ", ".join(residual(item) for item in value) + ")"
    if is_object(value):
        return "createObject(" + ", ".join(
            f"{residual(str(key))}, {residual(item)}" for key, item in sorted(value.items(), key=lambda kv: str(kv[0]))
        ) + ")"
    if isinstance(value, LambdaValue):
        names = "".join(residual(name) + ", " for name in value.parameters)
        body = value.expression[value.body.start : value.body.end]
        outer = f", {residual(dict(value.scope))}" if value.scope else ""
        return f"lambda({names}{body}{outer})"
    return repr(value)


#: A residual longer than this is kept as a digest: it is only ever compared, and an unknown
#: computed from a large object (``union(variables('big'), reference(...))``) should not carry
#: a copy of it through every expression that uses it.
MAX_RESIDUAL_LENGTH = 2048


def residual_call(name: str, arguments: Iterable[Any]) -> str:
    """``name(arg, ...)`` with each argument written by :func:`residual` (a digest of it when
    it is long)."""
    text = f"{name}({', '.join(residual(argument) for argument in arguments)})"
    if len(text) <= MAX_RESIDUAL_LENGTH:
        return text
    import hashlib

    return f"{name}(digest:{hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()})"


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
